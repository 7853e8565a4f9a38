//! Dashboards: a minijinja template renders the body JSON; obsctl then fills
//! in regions, lays the widgets out, draws alarm thresholds on the graphs of
//! the metrics alarms watch, and appends alarm-status widgets.

use super::alarm_list::AlarmRows;
use super::alarms::AlarmInfo;
use super::layout::layout;
use super::{Compiler, Ctx, per_service};
use crate::catalogue::Item;
use crate::catalogue::model::DashboardSpec;
use crate::resource::canonical::expand_dashboard_shorthand;
use crate::resource::{Dashboard, Resource};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// Alarms per alarm-status widget (CloudWatch's limit).
const ALARMS_PER_WIDGET: usize = 100;

/// Compiles every dashboard of the environment.
pub fn compile(c: &mut Compiler, alarms: &[AlarmInfo]) {
    // Each service's alarms, in compile order, found once (not by a scan of
    // every alarm per service and dashboard).
    let mut by_service: std::collections::BTreeMap<&str, (Vec<&AlarmInfo>, Vec<u32>)> =
        Default::default();
    for (i, a) in alarms.iter().enumerate() {
        if let Some(s) = a.service.as_deref() {
            let (infos, picked) = by_service.entry(s).or_default();
            infos.push(a);
            picked.push(i as u32);
        }
    }
    let rows = AlarmRows::new(alarms, |n| c.alarm_arn(n));
    for (dname, spec) in &c.cat.dashboards {
        if per_service(spec.per) {
            for i in 0..c.services.len() {
                let service = c.services[i].name.to_string();
                let (scoped, picked) = by_service
                    .get(service.as_str())
                    .map(|(infos, picked)| (infos.as_slice(), picked.clone()))
                    .unwrap_or_default();
                let ctx = c.context(Some(i));
                let list = rows.list(picked);
                dashboard(c, dname, spec, Some(&service), ctx, scoped, list);
            }
        } else {
            let ctx = c.context(None);
            let all: Vec<&AlarmInfo> = alarms.iter().collect();
            let list = rows.list((0..alarms.len() as u32).collect());
            dashboard(c, dname, spec, None, ctx, &all, list);
        }
    }
}

fn dashboard(
    c: &mut Compiler,
    dname: &str,
    spec: &Item<DashboardSpec>,
    service: Option<&str>,
    ctx: Ctx,
    alarms: &[&AlarmInfo],
    alarm_list: Ctx,
) {
    let name = match &spec.name {
        Some(text) => c.text(text, &ctx, &spec.origin.child("name")),
        None => c.name(service, dname),
    };
    let ctx = minijinja::value::merge_maps([
        minijinja::context! { dashboard => minijinja::context! { name => name.as_str() }, alarms => alarm_list },
        ctx,
    ]);
    let o = spec.origin.child("template");
    let rendered = match c
        .jinja
        .get_template(&spec.template)
        .and_then(|t| t.render(&ctx))
    {
        Ok(s) => s,
        Err(e) => {
            use minijinja::ErrorKind;
            // A missing template is reported by validate, a syntax error
            // where the template is read: not again here.
            if matches!(
                e.kind(),
                ErrorKind::TemplateNotFound | ErrorKind::SyntaxError
            ) {
                return;
            }
            let mut detail = e
                .detail()
                .map(str::to_string)
                .unwrap_or_else(|| e.kind().to_string());
            // `| tojson` of an undefined value does not say which: find it.
            if detail.contains("passed to tojson")
                && let Some(name) = e.line().and_then(|l| {
                    let text = c.cat.templates.get(&spec.template)?;
                    undefined_on_line(c.jinja, text.lines().nth(l.saturating_sub(1))?, &ctx)
                })
            {
                detail = format!("`{name}` is undefined (passed to tojson)");
            }
            let whom = service.map_or_else(
                || "the environment".to_string(),
                |s| format!("service `{s}`"),
            );
            let help = if e.kind() == ErrorKind::UndefinedError {
                format!(
                    "a value the template uses is not defined for {whom} (e.g. a service without `slo:`); guard it with `{{% if … is defined %}}`. The context: project, namespace, env.{{name,region,account_id,cluster,vars}}, service.{{name,title,port,owner,log_group,dimensions,business_events,slo}}, services, alarms, dashboard.name"
                )
            } else {
                format!("while rendering for {whom}")
            };
            // Located in the template itself (line, and column from the
            // error's range), naming the dashboard entry that renders it.
            let path = c.cat.templates_path.join(&spec.template);
            let text = c
                .cat
                .templates
                .get(&spec.template)
                .map(String::as_str)
                .unwrap_or_default();
            let (tline, column) = match (e.line(), e.range()) {
                (Some(l), Some(r)) => {
                    let start = text[..r.start.min(text.len())]
                        .rfind('\n')
                        .map_or(0, |i| i + 1);
                    (
                        l,
                        text.get(start..r.start)
                            .map_or(1, |s| s.chars().count() + 1),
                    )
                }
                (Some(l), None) => (l, 1),
                _ => (1, 1),
            };
            let (entry_file, entry_pos) = c.cat.locate(&o, false);
            let message = format!(
                "{detail} (rendering dashboard `{dname}` of {}:{})",
                entry_file.display(),
                entry_pos.line
            );
            c.problems.push_once(
                &path,
                crate::diagnostic::Pos {
                    line: tline as u64,
                    column: column as u64,
                },
                message,
                Some(help),
            );
            return;
        }
    };
    let mut body: Value = match serde_json::from_str(&rendered) {
        Ok(v) => v,
        Err(e) => {
            // Located by the output line's text (the same for every
            // service and environment, so reported once).
            let excerpt = rendered
                .lines()
                .nth(e.line().saturating_sub(1))
                .unwrap_or_default()
                .trim();
            let excerpt: String = excerpt.chars().take(100).collect();
            let detail = e.to_string();
            let detail = detail.split(" at line ").next().unwrap_or_default();
            c.cat.problem_once(
                c.problems,
                &o,
                format!(
                    "template `{}` renders invalid JSON: {detail}, near `{excerpt}`",
                    spec.template
                ),
                Some("find that text in the template; check commas around loops (use `loop.last`) and quote values with `| tojson`".into()),
            );
            return;
        }
    };
    let Some(widgets) = body.get_mut("widgets").and_then(Value::as_array_mut) else {
        c.cat.problem(
            c.problems,
            &o,
            format!(
                "template `{}` must render an object with a `widgets` array",
                spec.template
            ),
            None,
        );
        return;
    };
    for w in widgets.iter_mut() {
        let needs_region = matches!(
            w.get("type").and_then(Value::as_str),
            Some("metric" | "log")
        );
        if let Some(props) = w.get_mut("properties").and_then(Value::as_object_mut)
            && needs_region
            && !props.contains_key("region")
        {
            props.insert("region".into(), json!(c.env.region));
        }
    }
    // Alarms that only feed composites are shown through their composite.
    let shown: Vec<&AlarmInfo> = alarms.iter().copied().filter(|a| a.notifies).collect();
    if spec.alarm_status && !shown.is_empty() {
        for (i, chunk) in shown.chunks(ALARMS_PER_WIDGET).enumerate() {
            let title = if i == 0 {
                "Alarm status".to_string()
            } else {
                format!("Alarm status ({})", i + 1)
            };
            let mut arns: Vec<String> = chunk.iter().map(|a| c.alarm_arn(&a.name)).collect();
            arns.sort();
            let rows = arns.len().div_ceil(4).max(1) as i64;
            widgets.push(json!({
                "type": "alarm",
                "width": 24,
                "height": (rows + 1).min(1000),
                "properties": {"title": title, "alarms": arns, "sortBy": "stateUpdatedTimestamp"}
            }));
        }
    }
    expand_dashboard_shorthand(&mut body);
    if spec.annotations {
        annotate(&mut body, alarms);
    }
    if let Some(widgets) = body.get_mut("widgets").and_then(Value::as_array_mut) {
        layout(widgets);
    }
    let body = crate::resource::Body::new(body);
    c.add_from(
        Resource::from(Dashboard {
            dashboard_name: name,
            body,
            tags: c.ownership_tags(),
        }),
        spec.origin.clone(),
        dname,
        service,
    );
}

/// Adds a horizontal threshold annotation to every metric graph that shows a
/// metric a static-threshold alarm watches (same namespace, name,
/// dimensions) with the alarm's statistic and period: a p99 threshold on a
/// graph of the average, or a 5-minute Sum threshold on a 1-minute graph,
/// would mislead.
fn annotate(body: &mut Value, alarms: &[&AlarmInfo]) {
    let Some(widgets) = body.get_mut("widgets").and_then(Value::as_array_mut) else {
        return;
    };
    // Static-threshold alarms by the metric they watch (namespace, name,
    // sorted dimensions), each list in the alarms' order: a graph row finds
    // its alarms at once instead of comparing every alarm (quadratic on a
    // dashboard with a row per service).
    type MetricKey<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);
    let mut by_metric: HashMap<MetricKey<'_>, Vec<(&AlarmInfo, f64)>> = HashMap::new();
    for a in alarms {
        if let (Some((ns, metric, dims)), Some(threshold)) = (&a.watches, a.threshold) {
            let mut key: Vec<(&str, &str)> = dims
                .iter()
                .map(|d| (d.name.as_str(), d.value.as_str()))
                .collect();
            key.sort();
            by_metric
                .entry((ns.as_str(), metric.as_str(), key))
                .or_default()
                .push((a, threshold));
        }
    }
    for w in widgets {
        if w.get("type").and_then(Value::as_str) != Some("metric") {
            continue;
        }
        let Some(props) = w.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        if props
            .get("annotations")
            .and_then(|a| a.get("alarms"))
            .is_some()
        {
            continue;
        }
        let rows = props
            .get("metrics")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let widget_stat = props
            .get("stat")
            .and_then(Value::as_str)
            .unwrap_or("Average")
            .to_string();
        let widget_period = props.get("period").and_then(Value::as_u64).unwrap_or(300);
        let mut marks = Vec::new();
        let mut marked: HashSet<(String, u64)> = HashSet::new();
        for row in &rows {
            let options = row
                .as_array()
                .and_then(|r| r.iter().find(|v| v.is_object()));
            let stat = options
                .and_then(|o| o.get("stat"))
                .and_then(Value::as_str)
                .unwrap_or(&widget_stat);
            let period = options
                .and_then(|o| o.get("period"))
                .and_then(Value::as_u64)
                .unwrap_or(widget_period);
            let tokens: Vec<&str> = row
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if tokens.len() < 2 || !tokens.len().is_multiple_of(2) {
                continue;
            }
            let mut dims: Vec<(&str, &str)> = tokens[2..].chunks(2).map(|p| (p[0], p[1])).collect();
            dims.sort();
            // Only the alarms on this very metric, in the given order.
            let Some(candidates) = by_metric.get(&(tokens[0], tokens[1], dims)) else {
                continue;
            };
            for (a, threshold) in candidates {
                let same_view = a
                    .stat_period
                    .as_ref()
                    .is_some_and(|(s, p)| s.eq_ignore_ascii_case(stat) && u64::from(*p) == period);
                if !same_view {
                    continue;
                }
                let label = format!("{} ({})", a.template, a.severity);
                // 0.0 and -0.0 are one threshold.
                let bits = if *threshold == 0.0 {
                    0
                } else {
                    threshold.to_bits()
                };
                if marked.insert((label.clone(), bits)) {
                    marks.push(json!({"label": label, "value": threshold}));
                }
            }
        }
        if !marks.is_empty() {
            let annotations = props.entry("annotations").or_insert_with(|| json!({}));
            if let Some(obj) = annotations.as_object_mut() {
                let horizontal = obj.entry("horizontal").or_insert_with(|| json!([]));
                if let Some(list) = horizontal.as_array_mut() {
                    list.extend(marks);
                }
            }
        }
    }
}

/// The first `{{ X | tojson }}` expression on a template line whose `X` is
/// undefined in `ctx` (minijinja's error does not name it).
fn undefined_on_line(jinja: &minijinja::Environment, line: &str, ctx: &Ctx) -> Option<String> {
    let mut rest = line;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        let inner = &after[..end];
        if let Some(expr) = inner.split('|').next().filter(|_| inner.contains("tojson")) {
            let expr = expr
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim();
            if super::undefined::is_undefined(expr, |probe| jinja.render_str(probe, ctx)) {
                return Some(expr.to_string());
            }
        }
        rest = &after[end + 2..];
    }
    None
}

#[cfg(test)]
mod probe_tests {
    #[test]
    fn names_the_undefined_value() {
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let ctx = minijinja::context! { env => minijinja::context!{ name => "x" } };
        let out = env.render_str("{{ (env.nmae) is defined }}", &ctx);
        assert!(out.is_ok_and(|o| o.eq_ignore_ascii_case("false")));
        assert_eq!(
            super::undefined_on_line(&env, r#"{"markdown": {{ env.nmae | tojson }}}}"#, &ctx),
            Some("env.nmae".to_string())
        );
    }
}
