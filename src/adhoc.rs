//! `obsctl mute`: the one-time mute rules a deploy job makes for the chosen
//! alarms of an environment, now, for a while. Pure: the caller gives the
//! time. Such rules are not the catalogue's (tagged `obsctl:adhoc`, with
//! their expire date): plans leave them alone while they run and prune them
//! once expired ([`crate::ownership::adhoc_running`]).

use crate::compile::DesiredState;
use crate::ownership::{ADHOC_TAG, ENV_TAG, OWNER_TAG, REASON_TAG};
use crate::resource::{AlarmMuteRule, MuteRule, MuteSchedule, MuteTargets, Resource, Tag};
use crate::rules::mute::{MAX_TARGETS, check_duration, format_date, iso_duration};
use chrono::{DateTime, Duration, Timelike, Utc};

/// The longest tag value AWS takes.
const MAX_TAG_VALUE: usize = 256;

/// The alarms of `desired` that notify (actions enabled, some action), of
/// `services` when given (by their `Service` tag), sorted.
pub fn alarms(desired: &DesiredState, services: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for r in desired.resources.values() {
        let (name, enabled, actions, tags) = match r {
            Resource::MetricAlarm(a) => (
                &a.alarm_name,
                a.actions_enabled,
                [
                    &a.alarm_actions,
                    &a.ok_actions,
                    &a.insufficient_data_actions,
                ],
                &a.tags,
            ),
            Resource::LogAlarm(a) => (
                &a.alarm_name,
                a.actions_enabled,
                [
                    &a.alarm_actions,
                    &a.ok_actions,
                    &a.insufficient_data_actions,
                ],
                &a.tags,
            ),
            Resource::CompositeAlarm(a) => (
                &a.alarm_name,
                a.actions_enabled,
                [
                    &a.alarm_actions,
                    &a.ok_actions,
                    &a.insufficient_data_actions,
                ],
                &a.tags,
            ),
            // Only alarms have actions to mute.
            Resource::Topic(_)
            | Resource::Subscription(_)
            | Resource::LogGroup(_)
            | Resource::MetricFilter(_)
            | Resource::Dashboard(_)
            | Resource::QueryDefinition(_)
            | Resource::AlarmMuteRule(_) => continue,
        };
        let service = tags.iter().find(|t| t.key == "Service").map(|t| &t.value);
        if enabled
            && actions.iter().any(|a| !a.is_empty())
            && (services.is_empty() || service.is_some_and(|s| services.contains(s)))
        {
            out.push(name.clone());
        }
    }
    out.sort();
    out
}

/// The rules muting `targets` of `desired`'s environment from `now` (to
/// the minute: `at()` has minute resolution, so the window opens at the
/// start of the current minute) for `secs` seconds (rounded up to whole
/// minutes), split at 100 alarms, with `reason`.
pub fn rules(
    desired: &DesiredState,
    now: DateTime<Utc>,
    secs: i64,
    targets: &[String],
    reason: Option<&str>,
) -> Result<Vec<AlarmMuteRule>, String> {
    let secs = secs.div_euclid(60) * 60 + if secs % 60 == 0 { 0 } else { 60 };
    check_duration(secs)?;
    if targets.is_empty() {
        return Err(format!(
            "no alarm with actions to mute in environment `{}`",
            desired.env
        ));
    }
    let start = now
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let expire = start + Duration::seconds(secs);
    // Two mutes made in one minute for different alarms (two deploys) get
    // different names: the minute and a hash of the alarms.
    let mut hash = crate::resource::canonical::Fnv::default();
    targets.iter().for_each(|t| hash.feed(t));
    let stamp = format!(
        "{}-{:06x}",
        start.format("%Y%m%dT%H%M"),
        hash.finish() & 0xff_ffff
    );
    let mut tags = vec![
        Tag {
            key: OWNER_TAG.into(),
            value: desired.project.clone(),
        },
        Tag {
            key: ENV_TAG.into(),
            value: desired.env.clone(),
        },
        Tag {
            key: ADHOC_TAG.into(),
            value: "true".into(),
        },
    ];
    if let Some(r) = reason.filter(|r| !r.trim().is_empty()) {
        tags.push(Tag {
            key: REASON_TAG.into(),
            value: r.chars().take(MAX_TAG_VALUE).collect(),
        });
    }
    tags.sort();
    let chunks: Vec<&[String]> = targets.chunks(MAX_TARGETS).collect();
    Ok(chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| {
            let mut name = format!("{}adhoc-{stamp}", desired.prefix);
            if chunks.len() > 1 {
                name.push_str(&format!("-{}", i + 1));
            }
            AlarmMuteRule {
                name,
                description: Some(match reason {
                    Some(r) if !r.trim().is_empty() => {
                        format!("obsctl mute: {}", r.chars().take(1000).collect::<String>())
                    }
                    _ => "obsctl mute".to_string(),
                }),
                rule: MuteRule {
                    schedule: MuteSchedule {
                        expression: format!("at({})", start.format("%Y-%m-%dT%H:%M")),
                        duration: iso_duration(secs),
                        timezone: "UTC".into(),
                    },
                },
                mute_targets: MuteTargets {
                    alarm_names: chunk.to_vec(),
                },
                start_date: None,
                expire_date: Some(format_date(expire)),
                tags: tags.clone(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_opens_this_minute_and_expires_when_its_window_ends() {
        let d = DesiredState {
            project: "p".into(),
            env: "prod".into(),
            prefix: "p-prod-".into(),
            ..DesiredState::default()
        };
        let now = DateTime::parse_from_rfc3339("2026-12-07T06:46:24Z")
            .unwrap()
            .with_timezone(&Utc);
        let targets: Vec<String> = (0..150).map(|i| format!("p-prod-a{i:03}")).collect();
        let made = rules(&d, now, 20 * 60 + 1, &targets, Some("deploy 42")).unwrap();
        assert_eq!(made.len(), 2);
        assert!(made[0].name.starts_with("p-prod-adhoc-20261207T0646-"));
        assert!(made[0].name.ends_with("-1"));
        let other = rules(&d, now, 60, &targets[..1], None).unwrap();
        assert_ne!(other[0].name, made[0].name.trim_end_matches("-1"));
        assert_eq!(made[0].mute_targets.alarm_names.len(), 100);
        assert_eq!(made[1].mute_targets.alarm_names.len(), 50);
        let s = &made[0].rule.schedule;
        assert_eq!(s.expression, "at(2026-12-07T06:46)");
        assert_eq!(s.duration, "PT21M");
        assert_eq!(made[0].expire_date.as_deref(), Some("2026-12-07T07:07:00Z"));
        assert!(made[0].tags.iter().any(|t| t.key == ADHOC_TAG));
        assert!(
            made[0]
                .tags
                .iter()
                .any(|t| t.key == REASON_TAG && t.value == "deploy 42")
        );
        assert!(rules(&d, now, 16 * 86_400, &targets, None).is_err());
        assert!(rules(&d, now, 600, &[], None).is_err());
    }
}
