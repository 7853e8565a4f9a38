//! Finding the structure in names, pure: which part of a resource's name
//! (after the environment's prefix) is a service and which the template
//! name, so that resources that differ only in a service-identifying value
//! become one template applied to several services.
//!
//! The rule, for any kind: every resource offers hypotheses — no service
//! (the whole rest is the template name), or a service made of the first
//! `k` dash-separated parts of the rest (the remaining parts are the
//! template name). For each hypothesis the caller gives the resource's
//! *shape*: its catalogue text with that service written as
//! `{{ service }}` and per-service settings (thresholds, periods, …) left
//! out. Resources whose hypotheses give the same template name and the same
//! shape can be one template. Each resource takes the hypothesis shared by
//! the most resources; ties go to a service already known (from a `Service`
//! tag or a larger group), then to the longer template name. A resource
//! alone in its group whose rest starts with a known service belongs to that
//! service (a template for one service); otherwise it is environment-wide.
//! Two groups that would share a template name keep the larger one; the
//! other's resources become environment-wide templates named by their
//! whole rest, which compile back to the same names.

use std::collections::{BTreeMap, BTreeSet};

/// Where a resource's name puts it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Split {
    /// Its service (`None`: environment-wide).
    pub service: Option<String>,
    /// Its template name.
    pub name: String,
}

/// The hypotheses of one rest: no service, then each dash split.
pub fn hypotheses(rest: &str) -> Vec<Split> {
    let mut out = vec![Split {
        service: None,
        name: rest.to_string(),
    }];
    for (i, c) in rest.char_indices() {
        if c != '-' || i == 0 || i + 1 == rest.len() {
            continue;
        }
        out.push(Split {
            service: Some(rest[..i].to_string()),
            name: rest[i + 1..].to_string(),
        });
    }
    out
}

/// Splits each rest (`rests[i]`); `shape(i, service)` is resource `i`'s
/// shape under a hypothesis; `known` are services known from elsewhere.
pub fn split_all(
    rests: &[String],
    known: &BTreeSet<String>,
    shape: &dyn Fn(usize, Option<&str>) -> String,
) -> Vec<Split> {
    // Every hypothesis of every resource, and who shares its key.
    let options: Vec<Vec<(Split, String)>> = rests
        .iter()
        .enumerate()
        .map(|(i, rest)| {
            hypotheses(rest)
                .into_iter()
                .map(|h| {
                    let s = shape(i, h.service.as_deref());
                    (h, s)
                })
                .collect()
        })
        .collect();
    let mut sharing: BTreeMap<(&str, &str), BTreeSet<usize>> = BTreeMap::new();
    for (i, opts) in options.iter().enumerate() {
        for (h, s) in opts {
            if h.service.is_some() {
                sharing.entry((&h.name, s)).or_default().insert(i);
            }
        }
    }
    let count = |h: &Split, s: &str| -> usize {
        if h.service.is_none() {
            return 1;
        }
        sharing.get(&(h.name.as_str(), s)).map_or(1, BTreeSet::len)
    };
    // First choice: the most shared hypothesis.
    let mut chosen: Vec<(Split, String)> = options
        .iter()
        .map(|opts| {
            let mut best: Option<&(Split, String)> = None;
            for o in opts {
                let better = match best {
                    None => true,
                    Some(b) => {
                        // Most shared; then a known service; then the
                        // service value that covers most of the content
                        // (`auth-service` over `auth` where a dimension
                        // says `auth-service`); then the longer name.
                        let key = |x: &(Split, String)| {
                            let covered =
                                x.0.service
                                    .as_ref()
                                    .map_or(0, |s| x.1.matches("{{ service }}").count() * s.len());
                            (
                                count(&x.0, &x.1),
                                x.0.service.as_ref().is_some_and(|s| known.contains(s)),
                                covered,
                                x.0.name.len(),
                            )
                        };
                        key(o) > key(b)
                    }
                };
                if better {
                    best = Some(o);
                }
            }
            best.cloned().unwrap_or_else(|| {
                (
                    Split {
                        service: None,
                        name: String::new(),
                    },
                    String::new(),
                )
            })
        })
        .collect();
    // Services: the known ones and those of groups of two or more.
    let mut services = known.clone();
    let mut groups: BTreeMap<(String, String), BTreeSet<usize>> = BTreeMap::new();
    for (i, (h, s)) in chosen.iter().enumerate() {
        if h.service.is_some() {
            groups
                .entry((h.name.clone(), s.clone()))
                .or_default()
                .insert(i);
        }
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        for &i in members {
            if let Some(s) = &chosen[i].0.service {
                services.insert(s.clone());
            }
        }
    }
    // Alone in its group: a known service's single template, else
    // environment-wide.
    for (i, (h, s)) in chosen.iter_mut().enumerate() {
        let alone = h.service.is_none()
            || groups
                .get(&(h.name.clone(), s.clone()))
                .is_none_or(|m| m.len() < 2);
        if !alone {
            continue;
        }
        let own = options[i]
            .iter()
            .filter(|(o, _)| o.service.as_ref().is_some_and(|x| services.contains(x)))
            // The longest known service that starts the name.
            .max_by_key(|(o, _)| o.service.as_ref().map_or(0, String::len));
        *h = match own {
            Some((o, shape)) => {
                *s = shape.clone();
                o.clone()
            }
            None => {
                *s = options[i]
                    .first()
                    .map(|(_, shape)| shape.clone())
                    .unwrap_or_default();
                Split {
                    service: None,
                    name: rests[i].clone(),
                }
            }
        };
    }
    // One template per name: the largest group keeps it.
    let mut by_name: BTreeMap<String, BTreeMap<String, BTreeSet<usize>>> = BTreeMap::new();
    for (i, (h, s)) in chosen.iter().enumerate() {
        let shape = if h.service.is_some() {
            s.clone()
        } else {
            format!("\0env\0{i}")
        };
        by_name
            .entry(h.name.clone())
            .or_default()
            .entry(shape)
            .or_default()
            .insert(i);
    }
    for shapes in by_name.values() {
        if shapes.len() < 2 {
            continue;
        }
        let keep = shapes
            .iter()
            .max_by_key(|(shape, m)| (m.len(), !shape.starts_with('\0')))
            .map(|(shape, _)| shape.clone());
        for (shape, members) in shapes {
            if Some(shape) == keep.as_ref() {
                continue;
            }
            for &i in members {
                chosen[i].0 = Split {
                    service: None,
                    name: rests[i].clone(),
                };
            }
        }
    }
    chosen.into_iter().map(|(h, _)| h).collect()
}

/// Writes `text` as template text: each occurrence of `service` becomes
/// `{{ service }}`, and literal parts that minijinja would read as syntax
/// are wrapped in `{% raw %}`.
pub fn template_text(text: &str, service: Option<&str>) -> String {
    let parts: Vec<&str> = match service {
        Some(s) if !s.is_empty() => text.split(s).collect(),
        _ => vec![text],
    };
    parts
        .iter()
        .map(|p| literal(p))
        .collect::<Vec<_>>()
        .join("{{ service }}")
}

/// A template text written for every environment: where the environment's
/// name `env` stands as a word of its own (between characters that are
/// not letters or digits: `cat-house-staging-api`, `/ecs/shop/staging/`,
/// `# Shop staging`), it becomes `{{ env.name }}`, so another environment
/// of the catalogue renders its own name there. `{% raw %}` blocks are
/// left as they are.
pub fn envify(text: &str, env: &str) -> String {
    const OPEN: &str = "{% raw %}";
    const CLOSE: &str = "{% endraw %}";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&envify_words(&rest[..i], env));
        let end = rest[i..]
            .find(CLOSE)
            .map_or(rest.len(), |j| i + j + CLOSE.len());
        out.push_str(&rest[i..end]);
        rest = &rest[end..];
    }
    out.push_str(&envify_words(rest, env));
    out
}

fn envify_words(text: &str, env: &str) -> String {
    if env.is_empty() || !text.contains(env) {
        return text.to_string();
    }
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(env)
            && !word(text[..i].chars().next_back())
            && !word(text[i + env.len()..].chars().next())
        {
            out.push_str("{{ env.name }}");
            i += env.len();
            continue;
        }
        let c = text[i..].chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8().max(1);
    }
    out
}

/// Anti-unification of texts that differ per service: the longest common
/// leading and trailing whitespace-separated words, and what lies between
/// them in each text (never empty, never template syntax). `None` when
/// there is no such split.
pub fn anti_unify(values: &[String]) -> Option<(String, String, Vec<String>)> {
    // Words keep their trailing space: "a b" is ["a ", "b"].
    let words: Vec<Vec<&str>> = values
        .iter()
        .map(|v| v.split_inclusive(' ').collect())
        .collect();
    let first = words.first()?;
    let shortest = words.iter().map(Vec::len).min()?;
    let mut pre = 0;
    while pre < shortest && words.iter().all(|w| w[pre] == first[pre]) {
        pre += 1;
    }
    let mut suf = 0;
    while suf < shortest - pre
        && words
            .iter()
            .all(|w| w[w.len() - 1 - suf] == first[first.len() - 1 - suf])
    {
        suf += 1;
    }
    let prefix: String = first[..pre].concat();
    let mut suffix: String = first[first.len() - suf..].concat();
    if suf > 0 {
        // The word before the suffix ends with its space: the suffix takes it.
        suffix.insert(0, ' ');
    }
    let mut middles = Vec::new();
    for w in &words {
        let mut mid: String = w[pre..w.len() - suf].concat();
        if suf > 0 && mid.pop() != Some(' ') {
            return None;
        }
        if mid.is_empty() || mid.contains("{%") || mid.contains("{{") || mid.contains("{#") {
            return None;
        }
        middles.push(mid);
    }
    Some((prefix, suffix, middles))
}

/// A literal as template text.
pub fn literal(text: &str) -> String {
    if text.contains("{{") || text.contains("{%") || text.contains("{#") {
        format!("{{% raw %}}{text}{{% endraw %}}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Alarms as (rest, dimension value): the shape is the dimension with
    /// the service written as a placeholder.
    fn split(items: &[(&str, &str)], known: &[&str]) -> Vec<(Option<String>, String)> {
        let rests: Vec<String> = items.iter().map(|(r, _)| r.to_string()).collect();
        let dims: Vec<String> = items.iter().map(|(_, d)| d.to_string()).collect();
        let known: BTreeSet<String> = known.iter().map(|s| s.to_string()).collect();
        let shape = |i: usize, svc: Option<&str>| template_text(&dims[i], svc);
        split_all(&rests, &known, &shape)
            .into_iter()
            .map(|s| (s.service, s.name))
            .collect()
    }

    fn s(svc: Option<&str>, name: &str) -> (Option<String>, String) {
        (svc.map(str::to_string), name.to_string())
    }

    #[test]
    fn repeated_alarms_become_a_template_over_services() {
        let got = split(
            &[
                ("auth-service-high-cpu", "auth-service"),
                ("cat-service-high-cpu", "cat-service"),
                ("auth-service-errors", "auth-service"),
                ("cat-service-errors", "cat-service"),
                ("alb-5xx", "app/lb"),
            ],
            &[],
        );
        assert_eq!(
            got,
            vec![
                s(Some("auth-service"), "high-cpu"),
                s(Some("cat-service"), "high-cpu"),
                s(Some("auth-service"), "errors"),
                s(Some("cat-service"), "errors"),
                s(None, "alb-5xx"),
            ]
        );
    }

    #[test]
    fn a_single_alarm_of_a_known_service_is_that_services() {
        let got = split(
            &[
                ("api-latency", "api"),
                ("web-latency", "web"),
                ("api-failed-logins", "api"),
                ("checkout-outage", "x"),
            ],
            &[],
        );
        assert_eq!(got[2], s(Some("api"), "failed-logins"));
        assert_eq!(got[3], s(None, "checkout-outage"));
    }

    #[test]
    fn other_naming_orders_and_shapes_are_found_by_the_same_rule() {
        // Service names with several parts, alarms only named alike.
        let got = split(
            &[
                ("orders-eu-p99", "orders-eu"),
                ("orders-us-p99", "orders-us"),
                ("billing-p99", "billing"),
            ],
            &[],
        );
        assert_eq!(
            got,
            vec![
                s(Some("orders-eu"), "p99"),
                s(Some("orders-us"), "p99"),
                s(Some("billing"), "p99"),
            ]
        );
    }

    #[test]
    fn different_shapes_under_one_name_keep_the_larger_group() {
        let got = split(&[("a-cpu", "a"), ("b-cpu", "b"), ("c-cpu", "other")], &[]);
        // c's dimension does not name c: it cannot share a's and b's template.
        assert_eq!(got[0], s(Some("a"), "cpu"));
        assert_eq!(got[1], s(Some("b"), "cpu"));
        assert_eq!(got[2], s(None, "c-cpu"));
    }

    #[test]
    fn texts_differing_in_a_title_are_split_at_words() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (p, s, m) =
            anti_unify(&v(&["High CPU on API Gateway", "High CPU on Auth Service"])).unwrap();
        assert_eq!((p.as_str(), s.as_str()), ("High CPU on ", ""));
        assert_eq!(m, v(&["API Gateway", "Auth Service"]));
        let (p, s, m) = anti_unify(&v(&["API Gateway is down (x)", "Auth is down (x)"])).unwrap();
        assert_eq!((p.as_str(), s.as_str()), ("", " is down (x)"));
        assert_eq!(m, v(&["API Gateway", "Auth"]));
        assert_eq!(format!("{p}{}{s}", m[0]), "API Gateway is down (x)");
        // Equal texts have nothing between.
        assert!(anti_unify(&v(&["a b", "a b"])).is_none());
    }

    #[test]
    fn the_environment_name_becomes_a_placeholder_where_it_is_a_word() {
        assert_eq!(
            envify("cat-house-staging-{{ service }}", "staging"),
            "cat-house-{{ env.name }}-{{ service }}"
        );
        assert_eq!(
            envify("/ecs/shop/staging/api # staging: x", "staging"),
            "/ecs/shop/{{ env.name }}/api # {{ env.name }}: x"
        );
        // Inside another word, or in a raw block: kept.
        assert_eq!(
            envify("backstaging stagingarea", "staging"),
            "backstaging stagingarea"
        );
        assert_eq!(
            envify("{% raw %}{{staging}}{% endraw %} staging", "staging"),
            "{% raw %}{{staging}}{% endraw %} {{ env.name }}"
        );
    }

    #[test]
    fn template_text_escapes_template_syntax() {
        assert_eq!(template_text("x-api-y", Some("api")), "x-{{ service }}-y");
        assert_eq!(template_text("{{a}}", None), "{% raw %}{{a}}{% endraw %}");
    }
}
