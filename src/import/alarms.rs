//! Alarms → alarm templates, pure: each live alarm read back into the
//! catalogue's terms (kind, metric or queries, comparison, description and
//! runbook) with its per-service settings (threshold, period, N and M,
//! missing data, band width, severity) kept apart, so alarms that differ
//! only in those settings and in a service-identifying value are one
//! template with overrides.

use super::structure::template_text;
use crate::resource::{CompositeAlarm, LogAlarm, MetricAlarm, MetricDataQuery, Tag};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The settings a service (or environment) may override.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    /// Static threshold.
    pub threshold: Option<f64>,
    /// Period (seconds).
    pub period: Option<u32>,
    /// N.
    pub evaluation_periods: Option<u32>,
    /// M.
    pub datapoints_to_alarm: Option<u32>,
    /// Missing-data treatment.
    pub treat_missing_data: Option<String>,
    /// Low-sample percentile handling.
    pub low_sample: Option<String>,
    /// Anomaly band width.
    pub band_width: Option<f64>,
    /// Runbook link.
    pub runbook: Option<String>,
}

/// Where an alarm's notifications go, as read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Notify {
    /// Topic keys (names without the prefix), sorted.
    pub topics: Vec<String>,
    /// OK actions equal the ALARM actions (else none).
    pub ok: bool,
}

/// One alarm as the catalogue will see it.
#[derive(Debug, Clone)]
pub struct Read {
    /// Full name.
    pub name: String,
    /// Composite or not.
    pub composite: bool,
    /// Per-service settings.
    pub settings: Settings,
    /// `None`: no actions (`notify: false`).
    pub notify: Option<Notify>,
    /// The `Severity` tag, if any.
    pub severity_tag: Option<String>,
    /// The `Service` tag, if any.
    pub service_tag: Option<String>,
    /// Description without the runbook line.
    pub description: Option<String>,
    /// Full names this composite references, with their byte ranges in the
    /// rule; the suppressor's full name.
    pub refs: Vec<(std::ops::Range<usize>, String)>,
    /// The live alarm.
    pub live: Live,
}

/// The live alarm a [`Read`] came from.
#[derive(Debug, Clone)]
pub enum Live {
    /// Metric, math or anomaly.
    Metric(Box<MetricAlarm>),
    /// Composite.
    Composite(Box<CompositeAlarm>),
    /// Log alarm (a scheduled Logs Insights query).
    Log(Box<LogAlarm>),
}

/// Where the alarm's names point: ARN → topic key, if it is a topic of
/// this environment.
pub struct Topics<'a> {
    /// `arn:<partition>:sns:<region>:<account>:<prefix>`.
    pub arn_prefix: &'a str,
    /// ARNs of the imported topics outside the prefix (chosen by
    /// `--names`) → their catalogue keys.
    pub outside: &'a BTreeMap<String, String>,
}

fn tag(tags: &[Tag], key: &str) -> Option<String> {
    tags.iter().find(|t| t.key == key).map(|t| t.value.clone())
}

fn notify(
    alarm_actions: &[String],
    ok_actions: &[String],
    insufficient: &[String],
    enabled: bool,
    topics: &Topics,
) -> Result<Option<Notify>, String> {
    if !enabled {
        return Err("its actions are disabled: a catalogue alarm always has them enabled (turn the alarm off with `enabled: false`, or route its severity to no topic)".into());
    }
    if !insufficient.is_empty() {
        return Err("it has INSUFFICIENT_DATA actions, which catalogue alarms never have (use `treat_missing_data`)".into());
    }
    if alarm_actions.is_empty() && ok_actions.is_empty() {
        return Ok(None);
    }
    let mut a: Vec<String> = alarm_actions.to_vec();
    a.sort();
    let mut o: Vec<String> = ok_actions.to_vec();
    o.sort();
    let ok = if o.is_empty() {
        false
    } else if o == a {
        true
    } else {
        return Err("its OK actions differ from its ALARM actions: a severity notifies the same topics for both, or none on OK".into());
    };
    let mut keys = Vec::new();
    for arn in &a {
        match arn.strip_prefix(topics.arn_prefix) {
            Some(key) if !key.is_empty() && !key.contains(':') => keys.push(key.to_string()),
            _ if topics.outside.contains_key(arn) => keys.push(topics.outside[arn].clone()),
            _ => {
                return Err(format!(
                    "it notifies `{arn}`, which is not a topic of this environment (only topics under the prefix can be routed to)"
                ));
            }
        }
    }
    keys.sort();
    keys.dedup();
    Ok(Some(Notify { topics: keys, ok }))
}

/// Splits `Description\nRunbook: URL` (what obsctl writes) into both.
fn description_and_runbook(d: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(d) = d else {
        return (None, None);
    };
    match d.rsplit_once("\nRunbook: ") {
        Some((text, url)) if url.contains("://") && !url.contains(char::is_whitespace) => {
            (Some(text.to_string()), Some(url.to_string()))
        }
        _ => (Some(d.to_string()), None),
    }
}

/// Reads a metric alarm; `Err` says why the catalogue cannot express it.
pub fn read_metric(a: &MetricAlarm, topics: &Topics) -> Result<Read, String> {
    let notify = notify(
        &a.alarm_actions,
        &a.ok_actions,
        &a.insufficient_data_actions,
        a.actions_enabled,
        topics,
    )?;
    let (description, runbook) = description_and_runbook(a.alarm_description.as_deref());
    let mut settings = Settings {
        threshold: a.threshold,
        period: a.period,
        evaluation_periods: Some(a.evaluation_periods),
        datapoints_to_alarm: a.datapoints_to_alarm,
        treat_missing_data: Some(a.treat_missing_data.clone()),
        low_sample: a.evaluate_low_sample_count_percentile.clone(),
        band_width: None,
        runbook,
    };
    if a.threshold_metric_id.is_some() {
        settings.band_width = Some(anomaly(a)?.1);
        settings.period = a
            .metrics
            .iter()
            .find_map(|m| m.metric_stat.as_ref().map(|s| s.period));
    } else if !a.metrics.is_empty() {
        let periods: Vec<u32> = a
            .metrics
            .iter()
            .filter_map(|m| m.metric_stat.as_ref().map(|s| s.period))
            .collect();
        if periods.windows(2).any(|w| w[0] != w[1]) {
            return Err(
                "its metric queries use different periods: a math template has one period".into(),
            );
        }
        if a.metrics
            .iter()
            .any(|m| m.metric_stat.as_ref().is_some_and(|s| s.unit.is_some()))
        {
            return Err("a metric query sets a unit, which math templates do not".into());
        }
        if a.metrics.iter().filter(|m| m.return_data).count() != 1 {
            return Err(
                "it returns more or fewer than one series: a math template returns exactly one id"
                    .into(),
            );
        }
        if a.metrics.iter().any(|m| !valid_id(&m.id)) {
            return Err("a query id is not `^[a-z][A-Za-z0-9_]*$`".into());
        }
        settings.period = periods.first().copied();
    } else if a.metric_name.is_none() {
        return Err("it watches no metric".into());
    }
    if a.threshold_metric_id.is_none() && a.threshold.is_none() {
        return Err("it has no threshold".into());
    }
    Ok(Read {
        name: a.alarm_name.clone(),
        composite: false,
        settings,
        notify,
        severity_tag: tag(&a.tags, "Severity"),
        service_tag: tag(&a.tags, "Service"),
        description,
        refs: Vec::new(),
        live: Live::Metric(Box::new(a.clone())),
    })
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The metric query and band width of an anomaly alarm written as obsctl
/// writes one (`ad1` = `ANOMALY_DETECTION_BAND(m1, W)`, `m1` the metric).
fn anomaly(a: &MetricAlarm) -> Result<(&MetricDataQuery, f64), String> {
    let wrong = || {
        "its anomaly band is not the one query `ANOMALY_DETECTION_BAND(m1, W)` over one metric `m1` that catalogue anomaly alarms make".to_string()
    };
    let (Some(ad), Some(m1)) = (
        a.metrics.iter().find(|m| m.id == "ad1"),
        a.metrics.iter().find(|m| m.id == "m1"),
    ) else {
        return Err(wrong());
    };
    let stat = m1.metric_stat.as_ref().ok_or_else(wrong)?;
    let width = ad
        .expression
        .as_deref()
        .and_then(|e| e.strip_prefix("ANOMALY_DETECTION_BAND(m1, "))
        .and_then(|e| e.strip_suffix(')'))
        .and_then(|w| w.parse::<f64>().ok())
        .ok_or_else(wrong)?;
    let label = format!("{} (expected)", stat.metric.metric_name);
    if a.metrics.len() != 2
        || a.threshold_metric_id.as_deref() != Some("ad1")
        || ad.label.as_deref() != Some(label.as_str())
        || !ad.return_data
        || !m1.return_data
        || m1.label.is_some()
    {
        return Err(wrong());
    }
    Ok((m1, width))
}

/// Reads a log alarm: a `kind: log` template's terms, its M of N over
/// query results as `datapoints_to_alarm` of `evaluation_periods`. A query
/// or aggregation obsctl's Logs Insights engine cannot read is not
/// imported (the catalogue would not validate).
pub fn read_log(a: &LogAlarm, topics: &Topics) -> Result<Read, String> {
    let notify = notify(
        &a.alarm_actions,
        &a.ok_actions,
        &a.insufficient_data_actions,
        a.actions_enabled,
        topics,
    )?;
    let q = &a.scheduled_query_configuration;
    if let Err(e) = crate::engine::insights::parse(&q.query_string) {
        return Err(format!(
            "its query uses Logs Insights syntax obsctl does not read ({})",
            e.message
        ));
    }
    if let Err(e) = crate::engine::insights::parse_aggregation(&q.aggregation_expression) {
        return Err(format!(
            "its aggregation is not one obsctl reads ({})",
            e.message
        ));
    }
    if crate::rules::log_alarm::rate_seconds(&q.schedule_configuration.schedule_expression).is_err()
    {
        return Err(format!(
            "its schedule `{}` is not a `rate(...)` expression",
            q.schedule_configuration.schedule_expression
        ));
    }
    let (description, runbook) = description_and_runbook(a.alarm_description.as_deref());
    Ok(Read {
        name: a.alarm_name.clone(),
        composite: false,
        settings: Settings {
            threshold: Some(a.threshold),
            evaluation_periods: Some(a.query_results_to_evaluate),
            datapoints_to_alarm: Some(a.query_results_to_alarm),
            treat_missing_data: Some(a.treat_missing_data.clone()),
            runbook,
            ..Settings::default()
        },
        notify,
        severity_tag: tag(&a.tags, "Severity"),
        service_tag: tag(&a.tags, "Service"),
        description,
        refs: Vec::new(),
        live: Live::Log(Box::new(a.clone())),
    })
}

/// Reads a composite alarm; `names` are the alarms that can be referenced.
pub fn read_composite(a: &CompositeAlarm, topics: &Topics) -> Result<Read, String> {
    let notify = notify(
        &a.alarm_actions,
        &a.ok_actions,
        &a.insufficient_data_actions,
        a.actions_enabled,
        topics,
    )?;
    let (description, runbook) = description_and_runbook(a.alarm_description.as_deref());
    let refs = crate::rules::composite::rule_refs(&a.alarm_rule)
        .into_iter()
        .map(|r| {
            let name = a.alarm_rule[r.clone()].to_string();
            (r, name)
        })
        .collect();
    Ok(Read {
        name: a.alarm_name.clone(),
        composite: true,
        settings: Settings {
            runbook,
            ..Settings::default()
        },
        notify,
        severity_tag: tag(&a.tags, "Severity"),
        service_tag: tag(&a.tags, "Service"),
        description,
        refs,
        live: Live::Composite(Box::new(a.clone())),
    })
}

fn metric_json(
    namespace: &str,
    name: &str,
    stat: &str,
    dims: &[crate::resource::Dimension],
    unit: Option<&str>,
    svc: Option<&str>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("namespace".into(), json!(template_text(namespace, svc)));
    m.insert("metric".into(), json!(template_text(name, svc)));
    m.insert("statistic".into(), json!(stat));
    if !dims.is_empty() {
        let d: Map<String, Value> = dims
            .iter()
            .map(|d| (d.name.clone(), json!(template_text(&d.value, svc))))
            .collect();
        m.insert("dimensions".into(), Value::Object(d));
    }
    if let Some(u) = unit {
        m.insert("unit".into(), json!(u));
    }
    m
}

/// The template body of an alarm under a service hypothesis, without the
/// per-service settings and without severity; `refs` rewrites a
/// composite's references (full name → reference text).
pub fn body(
    r: &Read,
    svc: Option<&str>,
    refs: &dyn Fn(&str) -> Option<String>,
) -> Option<Map<String, Value>> {
    let mut t = Map::new();
    match &r.live {
        Live::Metric(a) => {
            if a.threshold_metric_id.is_some() {
                let (m1, _) = anomaly(a).ok()?;
                let s = m1.metric_stat.as_ref()?;
                t.insert("kind".into(), json!("anomaly"));
                let m = metric_json(
                    &s.metric.namespace,
                    &s.metric.metric_name,
                    &s.stat,
                    &s.metric.dimensions,
                    s.unit.as_deref(),
                    svc,
                );
                t.insert("metric".into(), Value::Object(m));
            } else if !a.metrics.is_empty() {
                t.insert("kind".into(), json!("math"));
                let mut queries = Map::new();
                let mut returns = None;
                for q in &a.metrics {
                    let mut e = Map::new();
                    if let Some(s) = &q.metric_stat {
                        e = metric_json(
                            &s.metric.namespace,
                            &s.metric.metric_name,
                            &s.stat,
                            &s.metric.dimensions,
                            None,
                            svc,
                        );
                    }
                    if let Some(x) = &q.expression {
                        e.insert("expression".into(), json!(template_text(x, svc)));
                    }
                    if let Some(l) = &q.label {
                        e.insert("label".into(), json!(l));
                    }
                    if q.return_data {
                        returns = Some(q.id.clone());
                    }
                    queries.insert(q.id.clone(), Value::Object(e));
                }
                t.insert("queries".into(), Value::Object(queries));
                t.insert("returns".into(), json!(returns?));
            } else {
                t.insert("kind".into(), json!("metric"));
                let stat = a.statistic.as_deref().or(a.extended_statistic.as_deref())?;
                let m = metric_json(
                    a.namespace.as_deref()?,
                    a.metric_name.as_deref()?,
                    stat,
                    &a.dimensions,
                    a.unit.as_deref(),
                    svc,
                );
                t.insert("metric".into(), Value::Object(m));
            }
            t.insert("comparison".into(), json!(a.comparison_operator));
        }
        Live::Log(a) => {
            let q = &a.scheduled_query_configuration;
            let s = &q.schedule_configuration;
            t.insert("kind".into(), json!("log"));
            t.insert("query".into(), json!(template_text(&q.query_string, svc)));
            t.insert(
                "aggregation".into(),
                json!(template_text(&q.aggregation_expression, svc)),
            );
            t.insert("schedule".into(), json!(s.schedule_expression));
            // The offsets only where they are not the ones the catalogue
            // derives (end 0, start one interval before the end).
            let interval = crate::rules::log_alarm::rate_seconds(&s.schedule_expression).ok()?;
            if s.end_time_offset != 0 {
                t.insert(
                    "end_offset".into(),
                    json!(format!("{}s", s.end_time_offset)),
                );
            }
            if s.start_time_offset != interval.saturating_add(s.end_time_offset) {
                t.insert(
                    "start_offset".into(),
                    json!(format!("{}s", s.start_time_offset)),
                );
            }
            let groups: Vec<String> = q
                .log_group_identifiers
                .iter()
                .map(|g| template_text(g, svc))
                .collect();
            t.insert("log_groups".into(), json!(groups));
            t.insert("comparison".into(), json!(a.comparison_operator));
        }
        Live::Composite(a) => {
            t.insert("kind".into(), json!("composite"));
            let mut rule = String::new();
            let mut last = 0;
            for (range, name) in &r.refs {
                rule.push_str(a.alarm_rule.get(last..range.start)?);
                rule.push_str(&refs(name)?);
                last = range.end;
            }
            rule.push_str(a.alarm_rule.get(last..)?);
            t.insert("rule".into(), json!(rule));
            if let Some(s) = &a.actions_suppressor {
                t.insert(
                    "actions_suppressor".into(),
                    json!({
                        "alarm": refs(s)?,
                        "wait_period": a.actions_suppressor_wait_period?,
                        "extension_period": a.actions_suppressor_extension_period?,
                    }),
                );
            }
        }
    }
    if let Some(d) = &r.description {
        t.insert("description".into(), json!(template_text(d, svc)));
    }
    if r.notify.is_none() {
        t.insert("notify".into(), json!(false));
    }
    Some(t)
}

/// The settings as catalogue fields (`threshold`, `period`, …).
pub fn settings_json(s: &Settings) -> BTreeMap<&'static str, Value> {
    let mut out = BTreeMap::new();
    let num = |v: f64| crate::resource::canonical::canonical(json!(v));
    if let Some(v) = s.threshold {
        out.insert("threshold", num(v));
    }
    if let Some(v) = s.period {
        out.insert("period", json!(v));
    }
    if let Some(v) = s.evaluation_periods {
        out.insert("evaluation_periods", json!(v));
    }
    if let Some(v) = s.datapoints_to_alarm {
        out.insert("datapoints_to_alarm", json!(v));
    }
    if let Some(v) = &s.treat_missing_data {
        out.insert("treat_missing_data", json!(v));
    }
    if let Some(v) = &s.low_sample {
        out.insert("evaluate_low_sample_count_percentile", json!(v));
    }
    if let Some(v) = s.band_width {
        out.insert("band_width", num(v));
    }
    if let Some(v) = &s.runbook {
        out.insert("runbook", json!(v));
    }
    out
}
