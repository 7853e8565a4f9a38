//! AWS input rules checked on the compiled resources, where names, rendered
//! texts and counts are final: name lengths and characters, description
//! length, actions per state, composite rule size, widget count and grid,
//! filters and filters with a `%regex%` per log group, query size. Problems point at the catalogue item
//! that produced the resource.

use super::Compiler;
use super::layout::outside_grid;
use crate::diagnostic::Origin;
use crate::engine::filter_pattern::Pattern;
use crate::resource::Resource;
use crate::rules::composite::rule_refs;
use crate::rules::limits::{MAX_FILTERS_PER_LOG_GROUP, MAX_REGEX_FILTERS_PER_LOG_GROUP};
use serde_json::Value;
use std::collections::BTreeMap;

/// Most widgets on a dashboard.
pub const MAX_WIDGETS: usize = 500;

/// Checks every compiled resource of the environment.
pub fn check(c: &mut Compiler) {
    let mut found: Vec<(Origin, String, Option<String>)> = Vec::new();
    let mut per_group: BTreeMap<&str, (usize, Origin)> = BTreeMap::new();
    // The filters with a `%regex%` on each log group, in name order.
    let mut regex_per_group: BTreeMap<&str, Vec<Origin>> = BTreeMap::new();
    // Where each service's log group is written: its own `log_group`, or
    // the environment's pattern.
    let group_origin: BTreeMap<String, Origin> = c
        .services
        .iter()
        .filter_map(|s| {
            let o = if s.spec.log_group.is_some() {
                s.spec.origin.child("log_group")
            } else {
                c.env.origin.child("log_group")
            };
            Some((s.log_group.clone()?, o))
        })
        .collect();
    for (key, resource) in &c.state.resources {
        let origin = c.state.origins[key].clone();
        let mut bad = |message: String, help: Option<&str>| {
            found.push((origin.clone(), message, help.map(str::to_string)))
        };
        match resource {
            Resource::MetricAlarm(a) => {
                alarm_name(&a.alarm_name, &mut bad);
                description(a.alarm_description.as_deref(), &a.alarm_name, &mut bad);
                for (state, list) in [
                    ("ALARM", &a.alarm_actions),
                    ("OK", &a.ok_actions),
                    ("INSUFFICIENT_DATA", &a.insufficient_data_actions),
                ] {
                    if list.len() > 5 {
                        bad(
                            format!(
                                "`{}` has {} {state} actions; at most 5",
                                a.alarm_name,
                                list.len()
                            ),
                            None,
                        );
                    }
                }
                if a.dimensions.len() > 30 {
                    bad(
                        format!(
                            "`{}` has {} dimensions; at most 30",
                            a.alarm_name,
                            a.dimensions.len()
                        ),
                        None,
                    );
                }
            }
            Resource::CompositeAlarm(a) => {
                alarm_name(&a.alarm_name, &mut bad);
                description(a.alarm_description.as_deref(), &a.alarm_name, &mut bad);
                if a.alarm_rule.chars().count() > 10_240 {
                    bad(
                        format!(
                            "rule of `{}` has {} characters; at most 10240",
                            a.alarm_name,
                            a.alarm_rule.chars().count()
                        ),
                        Some("split it into nested composite alarms"),
                    );
                }
                let children = rule_refs(&a.alarm_rule).len();
                if children > 100 {
                    bad(
                        format!(
                            "rule of `{}` has {children} children; at most 100",
                            a.alarm_name
                        ),
                        Some("split it into nested composite alarms"),
                    );
                }
            }
            Resource::LogAlarm(a) => {
                alarm_name(&a.alarm_name, &mut bad);
                description(a.alarm_description.as_deref(), &a.alarm_name, &mut bad);
                for (state, list) in [
                    ("ALARM", &a.alarm_actions),
                    ("OK", &a.ok_actions),
                    ("INSUFFICIENT_DATA", &a.insufficient_data_actions),
                ] {
                    if list.len() > 5 {
                        bad(
                            format!(
                                "`{}` has {} {state} actions; at most 5",
                                a.alarm_name,
                                list.len()
                            ),
                            None,
                        );
                    }
                }
                let q = &a.scheduled_query_configuration;
                if q.query_string.chars().count() > crate::rules::log_alarm::MAX_QUERY {
                    bad(
                        format!(
                            "the query of `{}` has {} characters; at most {}",
                            a.alarm_name,
                            q.query_string.chars().count(),
                            crate::rules::log_alarm::MAX_QUERY
                        ),
                        None,
                    );
                }
                if !(1..=crate::rules::log_alarm::MAX_LOG_GROUPS)
                    .contains(&q.log_group_identifiers.len())
                {
                    bad(
                        format!(
                            "`{}` queries {} log groups; a log alarm takes 1 to {}",
                            a.alarm_name,
                            q.log_group_identifiers.len(),
                            crate::rules::log_alarm::MAX_LOG_GROUPS
                        ),
                        Some("name the log groups with `log_groups:`, or split the alarm"),
                    );
                }
            }
            Resource::Dashboard(d) => {
                let name = &d.dashboard_name;
                if name.is_empty()
                    || name.len() > 255
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    bad(
                        format!(
                            "dashboard name `{name}` must be 1–255 characters of A-Z a-z 0-9 - _"
                        ),
                        Some("change the naming pattern or the dashboard key"),
                    );
                }
                let body = d.body.value();
                let widgets = body
                    .get("widgets")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if widgets.len() > MAX_WIDGETS {
                    bad(
                        format!(
                            "dashboard `{name}` has {} widgets; at most {MAX_WIDGETS}",
                            widgets.len()
                        ),
                        Some("split it, e.g. `per: service`"),
                    );
                }
                for (i, w) in widgets.iter().enumerate() {
                    if let Some(why) = outside_grid(w) {
                        bad(
                            format!("widget {i} of `{name}` lies outside the grid: {why}"),
                            Some("fix x/width in the template"),
                        );
                    }
                }
            }
            Resource::AlarmMuteRule(r) => {
                if r.name.is_empty() || r.name.chars().count() > 255 {
                    bad(
                        format!("mute rule name `{}` must be 1–255 characters", r.name),
                        Some("shorten the window's name or the naming pattern"),
                    );
                }
                if let Some(d) = &r.description
                    && d.chars().count() > 1024
                {
                    bad(
                        format!("description of `{}` is longer than 1024 characters", r.name),
                        None,
                    );
                }
            }
            Resource::MetricFilter(f) => {
                if f.filter_name.is_empty()
                    || f.filter_name.len() > 512
                    || f.filter_name.contains([':', '*'])
                {
                    bad(
                        format!(
                            "filter name `{}` must be 1–512 characters without `:` or `*`",
                            f.filter_name
                        ),
                        None,
                    );
                }
                if let Some(message) = log_group_problem(&f.log_group_name) {
                    // Reported where the log group is written, once.
                    found.push((
                        group_origin
                            .get(&f.log_group_name)
                            .cloned()
                            .unwrap_or_else(|| origin.clone()),
                        message,
                        None,
                    ));
                }
                let entry = per_group
                    .entry(f.log_group_name.as_str())
                    .or_insert((0, origin.clone()));
                entry.0 += 1;
                if Pattern::parse(&f.filter_pattern).is_ok_and(|p| p.regex_count() > 0) {
                    regex_per_group
                        .entry(f.log_group_name.as_str())
                        .or_default()
                        .push(origin.clone());
                }
            }
            // Its name is checked with the filters that read it.
            Resource::LogGroup(_) => {}
            Resource::QueryDefinition(q) => {
                if q.query_string.chars().count() > 10_000 {
                    bad(
                        format!(
                            "query `{}` has {} characters; at most 10000",
                            q.name,
                            q.query_string.chars().count()
                        ),
                        None,
                    );
                }
                for group in &q.log_group_names {
                    if let Some(message) = log_group_problem(group) {
                        found.push((
                            group_origin
                                .get(group)
                                .cloned()
                                .unwrap_or_else(|| origin.clone()),
                            message,
                            None,
                        ));
                    }
                }
            }
            Resource::Topic(t) => {
                if t.name.is_empty()
                    || t.name.len() > 256
                    || !t
                        .name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    bad(
                        format!(
                            "topic name `{}` must be 1–256 characters of A-Z a-z 0-9 - _",
                            t.name
                        ),
                        None,
                    );
                }
            }
            Resource::Subscription(_) => {}
        }
    }
    for (group, (count, origin)) in per_group {
        if count > MAX_FILTERS_PER_LOG_GROUP {
            found.push((origin, format!("log group `{group}` would get {count} metric filters; at most {MAX_FILTERS_PER_LOG_GROUP}"), None));
        }
    }
    // One problem per catalogue mistake: at the first filter over the quota,
    // worded without the group, so every service's group that gets the same
    // filters is the same problem.
    for origins in regex_per_group.into_values() {
        if let Some(origin) = origins.get(MAX_REGEX_FILTERS_PER_LOG_GROUP) {
            found.push((
                origin.clone(),
                format!(
                    "{} metric filters with a regular expression (`%...%`) would share a log group; CloudWatch Logs allows at most {MAX_REGEX_FILTERS_PER_LOG_GROUP} per log group",
                    origins.len()
                ),
                Some(
                    "combine regexes with `|` in one filter, or match with terms or a JSON pattern instead"
                        .to_string(),
                ),
            ));
        }
    }
    for (origin, message, help) in found {
        // The same mistake in every environment is one problem.
        c.cat.problem_once(c.problems, &origin, message, help);
    }
}

fn alarm_name(name: &str, bad: &mut impl FnMut(String, Option<&str>)) {
    if name.is_empty() || name.chars().count() > 255 || name.chars().any(|c| c.is_ascii_control()) {
        bad(
            format!("alarm name `{name}` must be 1–255 characters without control characters"),
            Some("shorten the project, service or alarm key"),
        );
    }
}

fn description(text: Option<&str>, name: &str, bad: &mut impl FnMut(String, Option<&str>)) {
    if let Some(d) = text {
        let n = d.chars().count();
        if n > 1024 {
            bad(
                format!("description of `{name}` has {n} characters; at most 1024"),
                Some("shorten the description or runbook URL"),
            );
        }
    }
}

/// Why `name` cannot be a log group name: CreateLogGroup takes 1 to 512
/// characters matching `[\.\-_/#A-Za-z0-9]+` (CloudWatch Logs API
/// Reference, CreateLogGroup, `logGroupName`).
fn log_group_problem(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 512
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c));
    (!ok).then(|| format!("log group `{name}` must be 1–512 characters of A-Z a-z 0-9 . - _ / #"))
}
