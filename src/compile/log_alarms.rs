//! `kind: log` alarm templates → log alarms (PutLogAlarm): the query and
//! aggregation rendered for the service, the service's log group (or every
//! service's, for `scope: environment`) unless `log_groups` names others,
//! the schedule and its offsets, M of N over query results, and the
//! environment's scheduled-query role.

use super::Compiler;
use super::alarms::{AlarmInfo, Effective, common};
use crate::catalogue::Item;
use crate::catalogue::model::AlarmSpec;
use crate::resource::{LogAlarm, LogAlarmSchedule, Resource, ScheduledQuery};

/// The schedule when a template gives none.
pub const DEFAULT_SCHEDULE: &str = "rate(5 minutes)";

/// The ARN of the environment's scheduled-query role: `log_alarm_role` as
/// an ARN, or a role name in the environment's account.
pub fn role_arn(role: &str, region: &str, account: &str) -> String {
    if role.starts_with("arn:") {
        return role.to_string();
    }
    let part = crate::resource::partition(region);
    format!("arn:{part}:iam::{account}:role/{role}")
}

/// The offsets of a template: its own, or the default (end 0, start the
/// schedule's interval after the end, so consecutive runs read adjacent
/// ranges). Validation has reported unreadable ones; they fall back here.
pub fn offsets(spec: &AlarmSpec) -> (u64, u64) {
    let secs = |t: &Option<String>| {
        t.as_deref()
            .and_then(|t| crate::notation::duration(t).ok())
            .and_then(|s| u64::try_from(s).ok())
    };
    let interval =
        crate::rules::log_alarm::rate_seconds(spec.schedule.as_deref().unwrap_or(DEFAULT_SCHEDULE))
            .unwrap_or(300);
    let end = secs(&spec.end_offset).unwrap_or(0);
    let start = secs(&spec.start_offset).unwrap_or(interval.saturating_add(end));
    (start, end)
}

pub(super) fn log_alarm(
    c: &mut Compiler,
    tname: &str,
    spec: &Item<AlarmSpec>,
    svc: Option<usize>,
    eff: &Effective,
    name: String,
) -> Option<AlarmInfo> {
    let o = &spec.origin;
    let Some(role) = c.env.log_alarm_role.clone() else {
        c.cat.problem(
            c.problems,
            &c.env.origin,
            format!(
                "environment `{}` has log alarms (`{tname}`) but no `log_alarm_role`",
                c.env_name
            ),
            Some("add `log_alarm_role: <role name or ARN>`: the IAM role CloudWatch assumes to run the scheduled queries (obsctl does not create it; see docs/log-alarms.md)".into()),
        );
        return None;
    };
    let ctx = c.context(svc);
    let groups: Vec<String> = match &spec.log_groups {
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, g)| c.text(g, &ctx, &o.child(&format!("log_groups/{i}"))))
            .collect(),
        None => match svc {
            Some(i) => c.services[i].log_group.iter().cloned().collect(),
            None => c
                .services
                .iter()
                .filter_map(|s| s.log_group.clone())
                .collect(),
        },
    };
    let mut groups = groups;
    groups.sort();
    groups.dedup();
    if groups.is_empty() {
        // A service that writes no logs (`log_group: none`) has nothing to
        // query: no alarm, as it gets no metric filter.
        return None;
    }
    let query = c.text(
        spec.query.as_deref().unwrap_or_default(),
        &ctx,
        &o.child("query"),
    );
    let aggregation = c.text(
        spec.aggregation.as_deref().unwrap_or_default(),
        &ctx,
        &o.child("aggregation"),
    );
    // Templated texts are checked here, as rendered (validate checked the
    // others); once per template.
    let templated = |t: &Option<String>| {
        t.as_deref()
            .is_some_and(|t| t.contains("{{") || t.contains("{%"))
    };
    let first = !c.state.resources.keys().any(|(k, n)| {
        *k == crate::resource::Kind::LogAlarm && c.state.origins.get(&(*k, n.clone())) == Some(o)
    });
    if first
        && templated(&spec.query)
        && let Err(e) = crate::engine::insights::parse(&query)
    {
        let (message, help) = e.located(&query);
        c.cat.problem(
            c.problems,
            &o.child("query"),
            format!("Logs Insights query (as rendered): {message}"),
            Some(help),
        );
    }
    if first
        && templated(&spec.aggregation)
        && let Err(e) = crate::engine::insights::parse_aggregation(&aggregation)
    {
        let (message, help) = e.located(&aggregation);
        c.cat.problem(
            c.problems,
            &o.child("aggregation"),
            format!("aggregation (as rendered): {message}"),
            Some(help),
        );
    }
    let (start, end) = offsets(spec);
    let common = common(c, tname, spec, svc, eff, &ctx);
    let alarm = LogAlarm {
        alarm_name: name.clone(),
        alarm_description: common.description,
        actions_enabled: true,
        ok_actions: common.ok_actions,
        alarm_actions: common.alarm_actions,
        insufficient_data_actions: Vec::new(),
        scheduled_query_configuration: ScheduledQuery {
            query_string: query,
            log_group_identifiers: groups,
            scheduled_query_role_arn: role_arn(&role, &c.env.region, &c.account),
            schedule_configuration: LogAlarmSchedule {
                schedule_expression: spec
                    .schedule
                    .clone()
                    .unwrap_or_else(|| DEFAULT_SCHEDULE.to_string()),
                start_time_offset: start,
                end_time_offset: end,
            },
            aggregation_expression: aggregation,
        },
        query_results_to_evaluate: eff.evaluation_periods,
        query_results_to_alarm: eff.datapoints_to_alarm,
        threshold: eff.threshold.unwrap_or_default(),
        comparison_operator: spec
            .comparison
            .map(|c| c.as_str())
            .unwrap_or("GreaterThanOrEqualToThreshold")
            .to_string(),
        treat_missing_data: eff.treat_missing_data.as_str().to_string(),
        tags: common.tags,
    };
    let info = AlarmInfo {
        name: name.clone(),
        template: tname.to_string(),
        service: svc.map(|i| c.services[i].name.to_string()),
        severity: eff.severity.clone(),
        watches: None,
        stat_period: None,
        threshold: Some(alarm.threshold),
        notifies: spec.notify,
    };
    c.add(Resource::from(alarm), o.clone());
    Some(info)
}
