//! Every metric an alarm (each metric of its math or anomaly expression) or
//! a dashboard widget refers to must have a source that publishes it with
//! exactly those dimensions: a metric filter of the catalogue, a metric the
//! applications publish (`metrics:`), or AWS ([`crate::provenance::aws`]).
//! Checked on the compiled resources, so templated names and dimensions are
//! checked as rendered; problems are located at the alarm template or the
//! dashboard entry (plus the widget's title).

use super::Compiler;
use crate::catalogue::model::{PublishedKind, PublishedVia};
use crate::diagnostic::Origin;
use crate::provenance::{Finding, MetricRef, Source, Sources, ValueKind, aws};
use crate::resource::{MetricAlarm, Resource};
use serde_json::Value;
use std::collections::BTreeSet;

/// The sources of the environment: AWS, the catalogue's metric filters (as
/// compiled) and its declared metrics.
fn sources(c: &Compiler) -> Sources {
    let mut sources = aws::sources();
    for r in c.state.resources.values() {
        let Resource::MetricFilter(f) = r else {
            continue;
        };
        for t in &f.metric_transformations {
            sources.add(
                &t.metric_namespace,
                &t.metric_name,
                Source {
                    by: format!("metric filter {}", f.filter_name),
                    dimension_sets: vec![t.dimensions.keys().cloned().collect()],
                    kind: Some(ValueKind::PerEvent),
                },
            );
        }
    }
    for (name, m) in &c.cat.metrics {
        if m.kind == PublishedKind::Histogram && m.via == PublishedVia::CloudwatchAgent {
            // Reported by validate; such a metric is no source.
            continue;
        }
        let ns = m.namespace.as_deref().unwrap_or(&c.cat.namespace);
        sources.add(
            ns,
            name,
            Source {
                by: format!("the applications (`metrics: {name}`)"),
                dimension_sets: m
                    .dimensions
                    .iter()
                    .map(|set| set.iter().cloned().collect())
                    .collect(),
                kind: Some(match m.kind {
                    PublishedKind::Counter => ValueKind::Counter,
                    PublishedKind::Gauge | PublishedKind::Summary => ValueKind::Gauge,
                    PublishedKind::Timer | PublishedKind::Histogram => ValueKind::PerEvent,
                }),
            },
        );
    }
    for ns in &c.cat.external_namespaces {
        sources.external(ns);
    }
    sources
}

/// A finding, where it was written, and the widget it is in (dashboards).
type Found = (Origin, Option<String>, Finding);

/// Checks every alarm and dashboard of the environment.
pub fn check(c: &mut Compiler) {
    let sources = sources(c);
    let mut found: Vec<Found> = Vec::new();
    for (key, r) in &c.state.resources {
        let Some(origin) = c.state.origins.get(key) else {
            continue;
        };
        match r {
            Resource::MetricAlarm(a) => {
                for f in alarm(&sources, a) {
                    found.push((origin.clone(), None, f));
                }
            }
            Resource::Dashboard(d) => {
                for (title, f) in dashboard(&sources, &d.body.value()) {
                    found.push((origin.clone(), Some(title), f));
                }
            }
            // These kinds read no metric (a composite reads alarms).
            Resource::Topic(_)
            | Resource::CompositeAlarm(_)
            | Resource::Subscription(_)
            | Resource::LogGroup(_)
            | Resource::MetricFilter(_)
            | Resource::QueryDefinition(_)
            | Resource::AlarmMuteRule(_)
            | Resource::LogAlarm(_) => {}
        }
    }
    for (origin, widget, finding) in found {
        let prefix = widget.map_or(String::new(), |t| format!("widget \"{t}\": "));
        match finding {
            Finding::Error { message, help } => {
                c.cat.problem(
                    c.problems,
                    &origin,
                    format!("{prefix}{message}"),
                    Some(help),
                );
            }
            Finding::Warning { message, help } => {
                c.warn(&origin, format!("{prefix}{message}"), help);
            }
        }
    }
}

fn alarm(sources: &Sources, a: &MetricAlarm) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some(ns), Some(name)) = (&a.namespace, &a.metric_name) {
        let stat = a.statistic.as_deref().or(a.extended_statistic.as_deref());
        let r = MetricRef {
            namespace: ns,
            name,
            dimensions: a.dimensions.iter().map(|d| d.name.as_str()).collect(),
            statistic: stat,
        };
        out.extend(sources.check(&r));
    }
    for q in &a.metrics {
        if let Some(ms) = &q.metric_stat {
            let r = MetricRef {
                namespace: &ms.metric.namespace,
                name: &ms.metric.metric_name,
                dimensions: ms
                    .metric
                    .dimensions
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect(),
                statistic: Some(&ms.stat),
            };
            out.extend(sources.check(&r));
        }
        if let Some(e) = &q.expression {
            out.extend(expression(sources, e));
        }
    }
    out
}

/// Metrics a math expression selects itself: `SEARCH('{Ns,dim,…}
/// MetricName="X"', …)` is checked when namespace, dimensions and name are
/// literal; a Metrics Insights query or another search is reported as not
/// checked (a warning).
fn expression(sources: &Sources, e: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let upper = e.to_ascii_uppercase();
    if upper.contains("SELECT ") {
        out.push(Finding::Warning {
            message: format!("Metrics Insights query `{e}` is not checked"),
            help: "prefer metrics written out, so obsctl can check they exist".to_string(),
        });
        return out;
    }
    let mut rest = e;
    while let Some(at) = rest.find("SEARCH(") {
        rest = &rest[at + "SEARCH(".len()..];
        match literal_search(rest) {
            Some((ns, dims, name)) => {
                let r = MetricRef {
                    namespace: ns,
                    name,
                    dimensions: dims,
                    statistic: None,
                };
                out.extend(sources.check(&r));
            }
            None => out.push(Finding::Warning {
                message: format!("dynamic expression `{e}` is not checked"),
                help: "write the search as '{Namespace,Dim1,…} MetricName=\"Name\"' so obsctl can check it"
                    .to_string(),
            }),
        }
    }
    out
}

/// `'{Ns,dim1,dim2} MetricName="X"'` at the start of a SEARCH's arguments.
fn literal_search(args: &str) -> Option<(&str, BTreeSet<&str>, &str)> {
    let quoted = args.trim_start().strip_prefix('\'')?;
    let body = &quoted[..quoted.find('\'')?];
    let schema = body.trim_start().strip_prefix('{')?;
    let close = schema.find('}')?;
    let mut parts = schema[..close]
        .split(',')
        .map(|p| p.trim().trim_matches('"'));
    let ns = parts.next().filter(|n| !n.is_empty())?;
    let dims: BTreeSet<&str> = parts.filter(|p| !p.is_empty()).collect();
    let after = &schema[close + 1..];
    let name = after
        .split_whitespace()
        .find_map(|t| t.strip_prefix("MetricName="))?;
    let name = name.trim_matches('"');
    // Only an exact name: wildcards, OR and spaces make it dynamic.
    (!name.is_empty()
        && !name.contains(['*', '(', ')'])
        && after.matches("MetricName").count() == 1)
        .then_some((ns, dims, name))
}

/// Every metric row of every metric widget: (widget title, finding).
fn dashboard(sources: &Sources, body: &Value) -> Vec<(String, Finding)> {
    let mut out = Vec::new();
    let widgets = body.get("widgets").and_then(Value::as_array);
    for (i, w) in widgets.into_iter().flatten().enumerate() {
        let Some(props) = w.get("properties") else {
            continue;
        };
        let title = props
            .get("title")
            .and_then(Value::as_str)
            .map_or_else(|| format!("#{}", i + 1), str::to_string);
        let widget_stat = props.get("stat").and_then(Value::as_str);
        let rows = props.get("metrics").and_then(Value::as_array);
        for row in rows.into_iter().flatten() {
            let Some(items) = row.as_array() else {
                continue;
            };
            let options = items.last().filter(|v| v.is_object());
            if let Some(e) = options
                .filter(|_| items.len() == 1)
                .and_then(|o| o.get("expression"))
                .and_then(Value::as_str)
            {
                for f in expression(sources, e) {
                    out.push((title.clone(), f));
                }
                continue;
            }
            let strings: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            let [ns, name, dims @ ..] = strings.as_slice() else {
                continue;
            };
            let stat = options
                .and_then(|o| o.get("stat"))
                .and_then(Value::as_str)
                .or(widget_stat);
            let r = MetricRef {
                namespace: ns,
                name,
                dimensions: dims.iter().step_by(2).copied().collect(),
                statistic: stat,
            };
            if let Some(f) = sources.check(&r) {
                out.push((title.clone(), f));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_searches_are_read_and_dynamic_ones_are_not() {
        let (ns, dims, name) = literal_search(
            r#"'{AWS/ECS,ClusterName,ServiceName} MetricName="CPUUtilization"', 'Average', 300)"#,
        )
        .unwrap();
        assert_eq!((ns, name), ("AWS/ECS", "CPUUtilization"));
        assert_eq!(
            dims.into_iter().collect::<Vec<_>>(),
            vec!["ClusterName", "ServiceName"]
        );
        assert!(literal_search(r#"'{AWS/ECS} CPU', 'Average', 300)"#).is_none());
        assert!(
            literal_search(r#"'{AWS/ECS,ClusterName} MetricName="CPU*"', 'Average')"#).is_none()
        );
    }
}
