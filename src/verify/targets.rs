//! What `verify` checks, from the compiled desired state (pure): every
//! metric an alarm reads (the metric of a metric or anomaly alarm, each
//! metric of a math alarm) and every metric row of a dashboard widget, once
//! per distinct metric with all its users; and every metric filter with its
//! log group. Each user carries its catalogue location.

use crate::compile::DesiredState;
use crate::diagnostic::{Origin, Pos};
use crate::resource::{Dimension, Kind, Metric, Resource};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a finding belongs in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The catalogue file.
    pub file: PathBuf,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
}

impl Location {
    /// `file:line:column`.
    pub fn display(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Who reads a metric.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum User {
    /// An alarm (its query id for a math or anomaly alarm).
    Alarm {
        /// Alarm name.
        alarm: String,
        /// The `Metrics` query id, for math and anomaly alarms.
        query: Option<String>,
        /// Alarm template.
        template: String,
        /// Service, for per-service alarms.
        service: Option<String>,
        /// The template's location.
        at: Location,
    },
    /// A widget's metric row.
    Widget {
        /// Dashboard name.
        dashboard: String,
        /// The dashboards entry.
        entry: String,
        /// The widget's title (or `widget N`).
        title: String,
        /// Service, for per-service dashboards.
        service: Option<String>,
        /// The dashboard entry's location.
        at: Location,
    },
    /// A metric filter whose metric this is (fixed dimensions only).
    Filter {
        /// Filter name.
        filter: String,
        /// The metric filter entry.
        entry: String,
        /// Service.
        service: Option<String>,
        /// The entry's location.
        at: Location,
    },
}

impl User {
    /// Its location.
    pub fn at(&self) -> &Location {
        match self {
            User::Alarm { at, .. } | User::Widget { at, .. } | User::Filter { at, .. } => at,
        }
    }

    /// One line naming it, e.g. `alarm cat-house-staging-api-high-latency
    /// (template high-latency, service api)`.
    pub fn describe(&self) -> String {
        let service = |s: &Option<String>| {
            s.as_ref()
                .map(|s| format!(", service {s}"))
                .unwrap_or_default()
        };
        match self {
            User::Alarm {
                alarm,
                query,
                template,
                service: s,
                ..
            } => format!(
                "alarm {alarm}{} (template {template}{})",
                query
                    .as_ref()
                    .map(|q| format!(" query {q}"))
                    .unwrap_or_default(),
                service(s)
            ),
            User::Widget {
                dashboard,
                entry,
                title,
                service: s,
                ..
            } => format!(
                "widget \"{title}\" of dashboard {dashboard} (entry {entry}{})",
                service(s)
            ),
            User::Filter {
                filter,
                entry,
                service: s,
                ..
            } => format!("metric filter {filter} (entry {entry}{})", service(s)),
        }
    }
}

/// A metric, exactly: namespace, name and sorted dimensions.
pub type MetricKey = (String, String, Vec<(String, String)>);

/// The key of a metric.
pub fn key_of(m: &Metric) -> MetricKey {
    let mut dims: Vec<(String, String)> = m
        .dimensions
        .iter()
        .map(|d| (d.name.clone(), d.value.clone()))
        .collect();
    dims.sort();
    (m.namespace.clone(), m.metric_name.clone(), dims)
}

/// `CatHouse/Services RequestLatency {service=auth-service}`.
pub fn display_metric(m: &Metric) -> String {
    let dims: Vec<String> = m
        .dimensions
        .iter()
        .map(|d| format!("{}={}", d.name, d.value))
        .collect();
    format!("{} {} {{{}}}", m.namespace, m.metric_name, dims.join(", "))
}

/// A metric to check and everyone who reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricTarget {
    /// The metric.
    pub metric: Metric,
    /// Its readers, sorted.
    pub users: Vec<User>,
}

/// A metric filter to check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterTarget {
    /// Filter name.
    pub filter: String,
    /// Its log group.
    pub log_group: String,
    /// Namespace of its metric.
    pub namespace: String,
    /// Its metric's name.
    pub metric_name: String,
    /// Dimension name → value as written (`$.service` is taken from each
    /// event).
    pub dimensions: BTreeMap<String, String>,
    /// Whether it publishes a default value when an event does not match
    /// (then its metric has data while the group receives events).
    pub default_value: bool,
    /// The metric filter entry.
    pub entry: String,
    /// Service.
    pub service: Option<String>,
    /// The entry's location.
    pub at: Location,
    /// A pattern matching the service's own events, when the filter's
    /// pattern selects the service by a JSON field (`{ $.service = "cart"
    /// }` out of `{ $.service = "cart" && $.level = "ERROR" }`): in a log
    /// group several services share, it tells "the service does not log"
    /// from "the filter never matches".
    pub service_selector: Option<String>,
}

/// The part of a JSON filter pattern that selects `service`: a comparison
/// `$.FIELD = "service"` (or unquoted) among its terms, as a pattern of its
/// own. `None` when the pattern does not name the service that way, or
/// when that comparison is the whole pattern (it selects nothing more).
pub fn service_selector(pattern: &str, service: &str) -> Option<String> {
    let p = pattern.trim();
    if !p.starts_with('{') {
        return None;
    }
    let re = regex::Regex::new(&format!(
        r#"\$\.([A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(?:"{s}"|{s}\b)"#,
        s = regex::escape(service)
    ))
    .ok()?;
    let field = re.captures(p)?.get(1)?.as_str().to_string();
    let selector = format!("{{ $.{field} = \"{service}\" }}");
    let whole = p
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    let alone = re
        .find(whole)
        .is_some_and(|m| m.as_str().len() == whole.len());
    (!alone).then_some(selector)
}

impl FilterTarget {
    /// Whether every dimension value is fixed (no `$` field): then its
    /// metric is one series, checked like an alarm's.
    pub fn fixed(&self) -> bool {
        self.dimensions.values().all(|v| !v.starts_with('$'))
    }

    /// Its metric with the fixed dimensions (all of them when [`Self::fixed`]).
    pub fn metric(&self) -> Metric {
        Metric {
            namespace: self.namespace.clone(),
            metric_name: self.metric_name.clone(),
            dimensions: self
                .dimensions
                .iter()
                .filter(|(_, v)| !v.starts_with('$'))
                .map(|(n, v)| Dimension {
                    name: n.clone(),
                    value: v.clone(),
                })
                .collect(),
        }
    }
}

/// A metric row verify does not check, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// Who has it.
    pub user: User,
    /// Why.
    pub why: String,
}

/// Everything verify checks in one environment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Targets {
    /// Distinct metrics, in key order.
    pub metrics: Vec<MetricTarget>,
    /// Metric filters, by name.
    pub filters: Vec<FilterTarget>,
    /// Rows not checked (expressions, other regions or accounts).
    pub skipped: Vec<Skipped>,
}

/// Finds a catalogue location for an origin (`Catalogue::locate`).
pub type Locate<'a> = dyn Fn(&Origin) -> (PathBuf, Pos) + 'a;

pub(crate) fn location(desired: &DesiredState, key: &(Kind, String), locate: &Locate) -> Location {
    match desired.origins.get(key) {
        Some(o) => {
            let (file, pos) = locate(o);
            Location {
                file,
                line: pos.line,
                column: pos.column,
            }
        }
        None => Location {
            file: Path::new("obsctl.yaml").to_path_buf(),
            line: 0,
            column: 0,
        },
    }
}

/// The targets of `desired`.
pub fn targets(desired: &DesiredState, locate: &Locate) -> Targets {
    let mut metrics: BTreeMap<MetricKey, MetricTarget> = BTreeMap::new();
    let mut add = |m: Metric, user: User| {
        let mut m = m;
        m.dimensions.sort();
        metrics
            .entry(key_of(&m))
            .or_insert_with(|| MetricTarget {
                metric: m,
                users: Vec::new(),
            })
            .users
            .push(user);
    };
    let mut out = Targets::default();
    for (key, resource) in &desired.resources {
        let attribution = desired.attribution.get(key).cloned().unwrap_or_default();
        match resource {
            Resource::MetricAlarm(a) => {
                let at = location(desired, key, locate);
                let user = |query: Option<String>| User::Alarm {
                    alarm: a.alarm_name.clone(),
                    query,
                    template: attribution.entry.clone(),
                    service: attribution.service.clone(),
                    at: at.clone(),
                };
                if let (Some(ns), Some(name)) = (&a.namespace, &a.metric_name) {
                    add(
                        Metric {
                            namespace: ns.clone(),
                            metric_name: name.clone(),
                            dimensions: a.dimensions.clone(),
                        },
                        user(None),
                    );
                }
                for q in &a.metrics {
                    if let Some(s) = &q.metric_stat {
                        add(s.metric.clone(), user(Some(q.id.clone())));
                    }
                }
            }
            Resource::Dashboard(d) => {
                let at = location(desired, key, locate);
                dashboard_rows(desired, d, &attribution, &at, &mut add, &mut out.skipped);
            }
            Resource::MetricFilter(f) => {
                let at = location(desired, key, locate);
                for t in &f.metric_transformations {
                    let target = FilterTarget {
                        filter: f.filter_name.clone(),
                        log_group: f.log_group_name.clone(),
                        namespace: t.metric_namespace.clone(),
                        metric_name: t.metric_name.clone(),
                        dimensions: t.dimensions.clone(),
                        default_value: t.default_value.is_some(),
                        entry: attribution.entry.clone(),
                        service: attribution.service.clone(),
                        at: at.clone(),
                        service_selector: attribution
                            .service
                            .as_deref()
                            .and_then(|s| service_selector(&f.filter_pattern, s)),
                    };
                    if target.fixed() {
                        add(
                            target.metric(),
                            User::Filter {
                                filter: f.filter_name.clone(),
                                entry: attribution.entry.clone(),
                                service: attribution.service.clone(),
                                at: at.clone(),
                            },
                        );
                    }
                    out.filters.push(target);
                }
            }
            Resource::CompositeAlarm(_)
            | Resource::AlarmMuteRule(_)
            | Resource::QueryDefinition(_)
            | Resource::Topic(_)
            | Resource::Subscription(_)
            | Resource::LogGroup(_)
            // A log alarm reads no metric (its query runs on log groups;
            // `verify` does not run it).
            | Resource::LogAlarm(_) => {}
        }
    }
    out.metrics = metrics
        .into_values()
        .map(|mut t| {
            t.users.sort();
            t.users.dedup();
            t
        })
        .collect();
    out.filters.sort_by(|a, b| a.filter.cmp(&b.filter));
    out
}

/// The metric rows of a dashboard's widgets (after shorthand expansion:
/// `[namespace, name, dim, value, …, {options}]`).
fn dashboard_rows(
    desired: &DesiredState,
    d: &crate::resource::Dashboard,
    attribution: &crate::compile::Attribution,
    at: &Location,
    add: &mut dyn FnMut(Metric, User),
    skipped: &mut Vec<Skipped>,
) {
    let body = d.body.value();
    let widgets = body
        .get("widgets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for (i, w) in widgets.enumerate() {
        if w.get("type").and_then(Value::as_str) != Some("metric") {
            continue;
        }
        let props = w.get("properties");
        let title = props
            .and_then(|p| p.get("title"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("widget {}", i + 1));
        let user = User::Widget {
            dashboard: d.dashboard_name.clone(),
            entry: attribution.entry.clone(),
            title,
            service: attribution.service.clone(),
            at: at.clone(),
        };
        let widget_region = props
            .and_then(|p| p.get("region"))
            .and_then(Value::as_str)
            .unwrap_or(&desired.region);
        let rows = props
            .and_then(|p| p.get("metrics"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        for row in rows {
            let Some(cells) = row.as_array() else {
                continue;
            };
            let options = cells.last().and_then(Value::as_object);
            let region = options
                .and_then(|o| o.get("region"))
                .and_then(Value::as_str)
                .unwrap_or(widget_region);
            let strings: Vec<&str> = cells.iter().filter_map(Value::as_str).collect();
            let skip = |why: String, skipped: &mut Vec<Skipped>| {
                skipped.push(Skipped {
                    user: user.clone(),
                    why,
                })
            };
            if options.is_some_and(|o| o.contains_key("expression")) {
                let expr = options
                    .and_then(|o| o.get("expression"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                skip(
                    format!("expression `{expr}` (its metrics are not named)"),
                    skipped,
                );
                continue;
            }
            if region != desired.region {
                skip(
                    format!("a metric in region {region}, not the environment's"),
                    skipped,
                );
                continue;
            }
            if options.is_some_and(|o| o.contains_key("accountId")) {
                skip("a metric of another account".to_string(), skipped);
                continue;
            }
            let [namespace, name, rest @ ..] = strings.as_slice() else {
                continue;
            };
            let dimensions = rest
                .chunks(2)
                .filter_map(|pair| match pair {
                    [n, v] => Some(Dimension {
                        name: (*n).to_string(),
                        value: (*v).to_string(),
                    }),
                    _ => None,
                })
                .collect();
            add(
                Metric {
                    namespace: (*namespace).to_string(),
                    metric_name: (*name).to_string(),
                    dimensions,
                },
                user.clone(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_selector_is_the_comparison_naming_the_service() {
        assert_eq!(
            service_selector(
                r#"{ $.service = "order-service" && $.level = "ERROR" }"#,
                "order-service"
            )
            .as_deref(),
            Some(r#"{ $.service = "order-service" }"#)
        );
        assert_eq!(
            service_selector(r#"{ ($.level = "ERROR") && ($.svc = cart) }"#, "cart").as_deref(),
            Some(r#"{ $.svc = "cart" }"#)
        );
        // The comparison alone selects nothing more; other services' names,
        // prefixes and space-delimited patterns give none.
        assert_eq!(service_selector(r#"{ $.service = "cart" }"#, "cart"), None);
        assert_eq!(
            service_selector(r#"{ $.service = "cart-v2" && $.x = 1 }"#, "cart"),
            None
        );
        assert_eq!(service_selector("[ip, user, status=5*]", "cart"), None);
        assert_eq!(service_selector("ERROR cart", "cart"), None);
    }

    fn compiled() -> DesiredState {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("definitions/cat-house");
        let (_, mut states) =
            crate::run::load_and_compile(&dir, Some("staging")).expect("cat-house compiles");
        states.pop().expect("staging")
    }

    #[test]
    fn cat_house_metrics_are_collected_once_with_every_user() {
        let d = compiled();
        let t = targets(&d, &|_| {
            (PathBuf::from("x.yaml"), Pos { line: 3, column: 5 })
        });
        // Every alarm metric (30 alarms; math alarms have two each) and
        // every widget row is there, each metric once.
        let keys: Vec<MetricKey> = t.metrics.iter().map(|m| key_of(&m.metric)).collect();
        let mut sorted = keys.clone();
        sorted.dedup();
        assert_eq!(keys, sorted);
        let requests = t
            .metrics
            .iter()
            .find(|m| {
                display_metric(&m.metric) == "CatHouse/Services RequestCount {service=auth-service}"
            })
            .expect("the auth-service request count");
        assert!(
            requests
                .users
                .iter()
                .any(|u| matches!(u, User::Alarm { query: Some(q), .. } if q == "requests")),
            "{requests:?}"
        );
        assert!(
            requests
                .users
                .iter()
                .any(|u| matches!(u, User::Widget { .. }))
        );
        let alarm = requests
            .users
            .iter()
            .find(|u| matches!(u, User::Alarm { .. }))
            .unwrap();
        assert!(
            alarm.describe().contains("service auth-service"),
            "{}",
            alarm.describe()
        );
        assert_eq!(alarm.at().display(), "x.yaml:3:5");
        // Filters: 5 per service, dynamic dimensions.
        assert_eq!(t.filters.len(), 25);
        assert!(t.filters.iter().all(|f| !f.fixed()));
        assert_eq!(t.filters[0].service.as_deref(), Some("auth-service"));
    }
}
