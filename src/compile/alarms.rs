//! Alarm templates → metric, math, anomaly and composite alarms, with
//! overrides applied in order: template, environment, service, service in
//! environment.

use super::{Compiler, Ctx, scope_service};
use crate::catalogue::Item;
use crate::catalogue::model::{
    AlarmKind, AlarmOverride, AlarmSpec, LowSampleCountPercentile, MetricSpec, TreatMissingData,
};
use crate::diagnostic::Origin;
use crate::resource::*;
use crate::rules::composite::rule_refs;
use crate::rules::limits::{is_extended_statistic, window_problem};
use std::collections::BTreeMap;

/// What dashboards need to know about a compiled alarm.
#[derive(Debug, Clone)]
pub struct AlarmInfo {
    /// Full alarm name.
    pub name: String,
    /// Template name.
    pub template: String,
    /// Service, for service-scoped alarms.
    pub service: Option<String>,
    /// Severity.
    pub severity: String,
    /// The single metric it watches: namespace, name, sorted dimensions.
    pub watches: Option<(String, String, Vec<Dimension>)>,
    /// Its statistic and period (a threshold is only meaningful for a graph
    /// of the same statistic over the same period).
    pub stat_period: Option<(String, u32)>,
    /// Static threshold.
    pub threshold: Option<f64>,
    /// False for an alarm that only feeds composites (`notify: false`):
    /// alarm-status widgets show its composite instead.
    pub notifies: bool,
}

/// An alarm template with every applicable override merged in.
pub(super) struct Effective {
    pub(super) enabled: bool,
    pub(super) severity: String,
    pub(super) threshold: Option<f64>,
    pub(super) period: u32,
    pub(super) evaluation_periods: u32,
    pub(super) datapoints_to_alarm: u32,
    pub(super) band_width: f64,
    pub(super) runbook: Option<String>,
    pub(super) treat_missing_data: TreatMissingData,
    /// Where the treatment was set (`None`: AWS's default).
    pub(super) treat_origin: Option<Origin>,
    /// `EvaluateLowSampleCountPercentile`.
    pub(super) low_sample: Option<LowSampleCountPercentile>,
    /// The most specific layer that set period, N or M (for locating problems).
    pub(super) counts_origin: Origin,
    /// A name instead of the naming pattern's (a text), where it was set.
    pub(super) name: Option<(String, Origin)>,
}

fn effective(spec: &Item<AlarmSpec>, layers: &[(Option<&AlarmOverride>, Origin)]) -> Effective {
    let mut e = Effective {
        enabled: spec.enabled,
        severity: spec.severity.clone(),
        threshold: spec.threshold,
        period: spec.period.unwrap_or(300),
        evaluation_periods: spec.evaluation_periods.unwrap_or(1),
        datapoints_to_alarm: 0,
        band_width: spec.band_width.unwrap_or(2.0),
        runbook: spec.runbook.clone(),
        treat_missing_data: spec.treat_missing_data.unwrap_or(TreatMissingData::Missing),
        treat_origin: spec
            .treat_missing_data
            .map(|_| spec.origin.child("treat_missing_data")),
        low_sample: spec.evaluate_low_sample_count_percentile,
        counts_origin: spec.origin.clone(),
        name: None,
    };
    let mut m = spec.datapoints_to_alarm;
    for (layer, origin) in layers {
        let Some(o) = layer else { continue };
        if o.period.is_some() || o.evaluation_periods.is_some() || o.datapoints_to_alarm.is_some() {
            e.counts_origin = origin.clone();
        }
        e.enabled = o.enabled.unwrap_or(e.enabled);
        e.severity = o.severity.clone().unwrap_or(e.severity);
        e.threshold = o.threshold.or(e.threshold);
        e.period = o.period.unwrap_or(e.period);
        e.evaluation_periods = o.evaluation_periods.unwrap_or(e.evaluation_periods);
        m = o.datapoints_to_alarm.or(m);
        e.band_width = o.band_width.unwrap_or(e.band_width);
        e.runbook = o.runbook.clone().or(e.runbook);
        e.treat_missing_data = o.treat_missing_data.unwrap_or(e.treat_missing_data);
        if o.treat_missing_data.is_some() {
            e.treat_origin = Some(origin.child("treat_missing_data"));
        }
        e.low_sample = o.evaluate_low_sample_count_percentile.or(e.low_sample);
        if let Some(name) = &o.name {
            e.name = Some((name.clone(), origin.child("name")));
        }
    }
    e.datapoints_to_alarm = m.unwrap_or(e.evaluation_periods);
    e
}

/// Compiles every alarm of the environment; returns what dashboards need.
pub fn compile(c: &mut Compiler) -> Vec<AlarmInfo> {
    let mut infos = Vec::new();
    // Names of enabled alarms by (service, template), for composite rules.
    let mut names: BTreeMap<(Option<String>, String), String> = BTreeMap::new();
    let mut composites = Vec::new();
    let mut warned = std::collections::BTreeSet::new();
    for (tname, spec) in &c.cat.alarms {
        let targets: Vec<Option<usize>> = if scope_service(spec.scope) {
            c.services_for(spec.services.as_ref())
                .into_iter()
                .filter(|&i| !spec.slo_only || c.services[i].spec.slo.is_some())
                .map(Some)
                .collect()
        } else {
            vec![None]
        };
        for svc in targets {
            let eff = effective(spec, &layers(c, tname, svc));
            if !eff.enabled {
                continue;
            }
            if spec.notify && eff.runbook.is_none() && !warned.contains(tname.as_str()) {
                // Required runbooks are `validate`'s error; otherwise a
                // warning, once per template.
                warned.insert(tname.as_str());
                if !c.cat.runbooks.as_ref().is_some_and(|r| r.required) {
                    c.warn(
                        &spec.origin,
                        format!("alarm `{tname}` has no runbook"),
                        "add `runbook:` (a link, or a Markdown file of the catalogue): the on-call engineer needs it at 3 a.m.".into(),
                    );
                }
            }
            let service = svc.map(|i| c.services[i].name.to_string());
            let name = match &eff.name {
                Some((text, origin)) => {
                    let ctx = c.context(svc);
                    let name = c.text(text, &ctx, origin);
                    c.state
                        .alarm_names
                        .insert((service.clone(), tname.clone()), name.clone());
                    name
                }
                None => c.name(service.as_deref(), tname),
            };
            names.insert((service.clone(), tname.clone()), name.clone());
            if spec.kind == AlarmKind::Composite {
                composites.push((tname, spec, svc, eff, name));
                continue;
            }
            // M of N, for every alarm that has it (metric, math, anomaly, log).
            if eff.datapoints_to_alarm > eff.evaluation_periods {
                c.cat.problem(
                    c.problems,
                    &eff.counts_origin,
                    format!(
                        "datapoints_to_alarm ({}) exceeds evaluation_periods ({}) for `{name}`",
                        eff.datapoints_to_alarm, eff.evaluation_periods
                    ),
                    Some("M of N needs M ≤ N".into()),
                );
            }
            if spec.kind == AlarmKind::Log {
                if let Some(info) = super::log_alarms::log_alarm(c, tname, spec, svc, &eff, name) {
                    infos.push(info);
                }
            } else if let Some(info) = metric_alarm(c, tname, spec, svc, &eff, name) {
                infos.push(info);
            }
        }
    }
    for (tname, spec, svc, eff, name) in composites {
        if let Some(info) = composite_alarm(c, tname, spec, svc, &eff, name, &names) {
            infos.push(info);
        }
    }
    infos
}

fn layers<'a>(
    c: &'a Compiler,
    tname: &str,
    svc: Option<usize>,
) -> Vec<(Option<&'a AlarmOverride>, Origin)> {
    let env_o = c.env.origin.child("alarms").key(tname);
    let mut out = vec![(c.env.alarms.get(tname), env_o)];
    if let Some(i) = svc {
        let spec = c.services[i].spec;
        out.push((
            spec.alarms.get(tname),
            spec.origin.child("alarms").key(tname),
        ));
        let se = spec.environments.get(c.env_name);
        let o = spec
            .origin
            .child("environments")
            .key(c.env_name)
            .child("alarms")
            .key(tname);
        out.push((se.and_then(|e| e.alarms.get(tname)), o));
    }
    out
}

pub(super) struct Common {
    pub(super) description: Option<String>,
    pub(super) alarm_actions: Vec<String>,
    pub(super) ok_actions: Vec<String>,
    pub(super) tags: Vec<Tag>,
}

pub(super) fn common(
    c: &mut Compiler,
    tname: &str,
    spec: &Item<AlarmSpec>,
    svc: Option<usize>,
    eff: &Effective,
    ctx: &Ctx,
) -> Common {
    let raw = spec.description.clone().unwrap_or_else(|| match svc {
        Some(i) => format!("{tname} on {}", c.services[i].name),
        None => format!("{tname} in {}", c.env_name),
    });
    let mut description = c.text(&raw, ctx, &spec.origin.child("description"));
    let runbook = eff.runbook.as_deref().map(|r| runbook_link(c.cat, r));
    if let Some(url) = &runbook {
        description = format!("{description}\nRunbook: {url}");
    }
    let service = svc.map(|i| &c.services[i]);
    // A set to CloudWatch: sorted, as live state is read. An alarm that only
    // feeds composites (`notify: false`) has none.
    let topics = if spec.notify {
        c.route(&eff.severity, service)
    } else {
        Vec::new()
    };
    let mut arns: Vec<String> = topics.iter().map(|t| c.topic_arn(t)).collect();
    arns.sort();
    arns.dedup();
    let notify_ok = c
        .cat
        .severities
        .get(&eff.severity)
        .is_none_or(|s| s.notify_ok);
    let mut tags = c.ownership_tags();
    tags.extend([
        Tag {
            key: "Environment".into(),
            value: c.env_name.to_string(),
        },
        Tag {
            key: "Severity".into(),
            value: eff.severity.clone(),
        },
    ]);
    if let Some(s) = service {
        tags.push(Tag {
            key: "Service".into(),
            value: s.name.to_string(),
        });
    }
    if let Some(url) = runbook {
        tags.push(Tag {
            key: "Runbook".into(),
            value: url,
        });
    }
    tags.sort();
    Common {
        description: Some(description),
        ok_actions: if notify_ok { arns.clone() } else { Vec::new() },
        alarm_actions: arns,
        tags,
    }
}

fn metric(c: &mut Compiler, m: &MetricSpec, ctx: &Ctx, o: &Origin) -> Metric {
    let namespace = m
        .namespace
        .clone()
        .unwrap_or_else(|| c.cat.namespace.clone());
    let mut dimensions: Vec<Dimension> = m
        .dimensions
        .iter()
        .map(|(k, v)| Dimension {
            name: k.clone(),
            value: c.text(v, ctx, &o.child("dimensions").key(k)),
        })
        .collect();
    dimensions.sort();
    Metric {
        namespace: c.text(&namespace, ctx, &o.child("namespace")),
        metric_name: c.text(&m.metric, ctx, &o.child("metric")),
        dimensions,
    }
}

fn metric_alarm(
    c: &mut Compiler,
    tname: &str,
    spec: &Item<AlarmSpec>,
    svc: Option<usize>,
    eff: &Effective,
    name: String,
) -> Option<AlarmInfo> {
    let o = &spec.origin;
    if let Some(message) = window_problem(eff.period, eff.evaluation_periods) {
        c.cat.problem(
            c.problems,
            &eff.counts_origin,
            format!("{message} for `{name}`"),
            Some("use fewer evaluation periods or a longer period".into()),
        );
    }
    let ctx = c.context(svc);
    let common = common(c, tname, spec, svc, eff, &ctx);
    let mut alarm = MetricAlarm {
        alarm_name: name.clone(),
        alarm_description: common.description,
        actions_enabled: true,
        ok_actions: common.ok_actions,
        alarm_actions: common.alarm_actions,
        insufficient_data_actions: Vec::new(),
        metric_name: None,
        namespace: None,
        statistic: None,
        extended_statistic: None,
        dimensions: Vec::new(),
        period: None,
        unit: None,
        evaluation_periods: eff.evaluation_periods,
        datapoints_to_alarm: Some(eff.datapoints_to_alarm),
        threshold: eff.threshold,
        comparison_operator: spec
            .comparison
            .map(|c| c.as_str())
            .unwrap_or("LessThanLowerOrGreaterThanUpperThreshold")
            .to_string(),
        treat_missing_data: eff.treat_missing_data.as_str().to_string(),
        evaluate_low_sample_count_percentile: eff.low_sample.map(|v| v.as_str().to_string()),
        metrics: Vec::new(),
        threshold_metric_id: None,
        tags: common.tags,
    };
    let mut watches = None;
    let mut stat_period = None;
    match spec.kind {
        AlarmKind::Metric => {
            let m = spec.metric.as_ref()?;
            let resolved = metric(c, m, &ctx, &o.child("metric"));
            if is_extended_statistic(&m.statistic) {
                alarm.extended_statistic = Some(m.statistic.clone());
            } else {
                alarm.statistic = Some(m.statistic.clone());
            }
            alarm.metric_name = Some(resolved.metric_name.clone());
            alarm.namespace = Some(resolved.namespace.clone());
            alarm.dimensions = resolved.dimensions.clone();
            alarm.period = Some(eff.period);
            alarm.unit = m.unit.clone();
            watches = Some((
                resolved.namespace,
                resolved.metric_name,
                resolved.dimensions,
            ));
            stat_period = Some((m.statistic.clone(), eff.period));
        }
        AlarmKind::Math => {
            let returns = spec.returns.clone().unwrap_or_default();
            for (id, q) in spec.queries.as_ref()? {
                let qo = o.child("queries").key(id);
                let mut entry = MetricDataQuery {
                    id: id.clone(),
                    metric_stat: None,
                    expression: None,
                    label: q.label.clone(),
                    return_data: *id == returns,
                };
                match (&q.metric, &q.expression) {
                    (Some(name), _) => {
                        let m = MetricSpec {
                            namespace: q.namespace.clone(),
                            metric: name.clone(),
                            statistic: q.statistic.clone().unwrap_or_default(),
                            dimensions: q.dimensions.clone(),
                            unit: None,
                        };
                        let resolved = metric(c, &m, &ctx, &qo);
                        entry.metric_stat = Some(MetricStat {
                            metric: resolved,
                            period: eff.period,
                            stat: m.statistic,
                            unit: None,
                        });
                    }
                    (None, Some(expr)) => {
                        entry.expression = Some(c.text(expr, &ctx, &qo.child("expression")))
                    }
                    (None, None) => {}
                }
                alarm.metrics.push(entry);
            }
        }
        AlarmKind::Anomaly => {
            let m = spec.metric.as_ref()?;
            let resolved = metric(c, m, &ctx, &o.child("metric"));
            alarm.threshold = None;
            alarm.metrics = vec![
                MetricDataQuery {
                    id: "ad1".into(),
                    metric_stat: None,
                    expression: Some(format!(
                        "ANOMALY_DETECTION_BAND(m1, {})",
                        format_number(eff.band_width)
                    )),
                    label: Some(format!("{} (expected)", resolved.metric_name)),
                    return_data: true,
                },
                MetricDataQuery {
                    id: "m1".into(),
                    metric_stat: Some(MetricStat {
                        metric: resolved,
                        period: eff.period,
                        stat: m.statistic.clone(),
                        unit: m.unit.clone(),
                    }),
                    expression: None,
                    label: None,
                    return_data: true,
                },
            ];
            alarm.threshold_metric_id = Some("ad1".into());
        }
        AlarmKind::Composite | AlarmKind::Log => return None,
    }
    let info = AlarmInfo {
        name: name.clone(),
        template: tname.to_string(),
        service: svc.map(|i| c.services[i].name.to_string()),
        severity: eff.severity.clone(),
        watches,
        stat_period,
        threshold: alarm.threshold,
        notifies: spec.notify,
    };
    if let Some(at) = &eff.treat_origin
        && eff.treat_missing_data != TreatMissingData::Ignore
        && alarm.always_ignores_missing_data()
    {
        let message = format!(
            "alarm `{tname}`: treat_missing_data `{}` has no effect: {}",
            eff.treat_missing_data.as_str(),
            crate::rules::missing_data::DYNAMODB_RULE
        );
        if !c.state.warnings.iter().any(|w| w.message == message) {
            c.warn(
                at,
                message,
                "remove it, or write `ignore` (what AWS does): see \"Configuring how CloudWatch alarms treat missing data\"".into(),
            );
        }
    }
    let service = info.service.clone();
    c.add_from(
        Resource::from(alarm),
        spec.origin.clone(),
        tname,
        service.as_deref(),
    );
    Some(info)
}

fn composite_alarm(
    c: &mut Compiler,
    tname: &str,
    spec: &Item<AlarmSpec>,
    svc: Option<usize>,
    eff: &Effective,
    name: String,
    names: &BTreeMap<(Option<String>, String), String>,
) -> Option<AlarmInfo> {
    let rule = spec.rule.as_ref()?;
    let service = svc.map(|i| c.services[i].name.to_string());
    let resolve = |c: &mut Compiler, reference: &str, field: &str| -> Option<String> {
        let (svc_name, alarm) = match reference.split_once('/') {
            Some((s, a)) => (Some(s.to_string()), a),
            None => (service.clone(), reference),
        };
        let scoped = c
            .cat
            .alarms
            .get(alarm)
            .is_some_and(|a| super::scope_service(a.scope));
        let key = (
            if scoped { svc_name.clone() } else { None },
            alarm.to_string(),
        );
        match names.get(&key) {
            Some(full) => Some(full.clone()),
            None => {
                if c.cat.alarms.contains_key(alarm) {
                    let whose = key.0.map(|s| format!(" for {s}")).unwrap_or_default();
                    c.cat.problem(c.problems, &spec.origin.child(field), format!("`{name}` references `{reference}`, which is disabled or not generated{whose} in {}", c.env_name), Some("enable the child alarm or disable this composite in the same override".into()));
                }
                None
            }
        }
    };
    let mut out = String::new();
    let mut last = 0;
    for r in rule_refs(rule) {
        out.push_str(&rule[last..r.start]);
        out.push_str(&resolve(c, &rule[r.clone()], "rule")?);
        last = r.end;
    }
    out.push_str(&rule[last..]);
    let ctx = c.context(svc);
    let common = common(c, tname, spec, svc, eff, &ctx);
    let (suppressor, wait, extension) = match &spec.actions_suppressor {
        Some(s) => (
            Some(resolve(c, &s.alarm, "actions_suppressor/alarm")?),
            Some(s.wait_period),
            Some(s.extension_period),
        ),
        None => (None, None, None),
    };
    let alarm = CompositeAlarm {
        alarm_name: name.clone(),
        alarm_description: common.description,
        alarm_rule: out,
        actions_enabled: true,
        ok_actions: common.ok_actions,
        alarm_actions: common.alarm_actions,
        insufficient_data_actions: Vec::new(),
        actions_suppressor: suppressor,
        actions_suppressor_wait_period: wait,
        actions_suppressor_extension_period: extension,
        tags: common.tags,
    };
    let info = AlarmInfo {
        name: name.clone(),
        template: tname.to_string(),
        service,
        severity: eff.severity.clone(),
        watches: None,
        stat_period: None,
        threshold: None,
        notifies: spec.notify,
    };
    c.add(
        Resource::CompositeAlarm(Box::new(alarm)),
        spec.origin.clone(),
    );
    Some(info)
}

/// Formats a number the way JSON canonical form does (`2` not `2.0`).
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The link of a runbook: a URL as written, or a catalogue file published
/// under `runbooks.base_url`.
pub fn runbook_link(cat: &crate::catalogue::Catalogue, runbook: &str) -> String {
    if crate::catalogue::model::runbook_is_link(runbook) {
        return runbook.to_string();
    }
    match &cat.runbooks {
        Some(r) => format!(
            "{}/{}",
            r.base_url.trim_end_matches('/'),
            runbook.trim_start_matches("./")
        ),
        None => runbook.to_string(),
    }
}
