//! What stops plan and apply before any change: a log group the catalogue
//! needs that does not exist (`log_groups: require`), a subscription
//! endpoint that can never receive alerts.

use super::model::{Action, Plan};
use crate::catalogue::model::LogGroupMode;
use crate::compile::DesiredState;
use crate::diagnostic::Blocker;
use crate::live::LiveState;
use crate::ownership::ConflictReason;
use crate::resource::{Kind, Resource, secret_name};
use crate::rules::endpoint;
use std::collections::BTreeSet;

/// Blockers for the subscriptions a (saved) plan creates whose endpoint,
/// read from the environment now, is a chat webhook: the value may have
/// changed since the plan was made.
pub fn endpoint_blockers(plan: &Plan, secret: &dyn Fn(&str) -> Option<String>) -> Vec<Blocker> {
    plan.changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .filter_map(|c| match &c.desired {
            Some(Resource::Subscription(s)) => {
                let value = secret_name(&s.endpoint).map_or(Some(s.endpoint.clone()), secret)?;
                endpoint_blocker(&c.key, &s.protocol, &value)
            }
            _ => None,
        })
        .collect()
}

/// A blocker when `endpoint` (resolved) is blank, has whitespace, is not
/// what the protocol takes, or (http/https) is a chat webhook, which can
/// never confirm. The value itself is never shown.
pub(super) fn endpoint_blocker(key: &str, protocol: &str, value: &str) -> Option<Blocker> {
    if let Some(problem) = endpoint::check(protocol, value) {
        return Some(Blocker::BadEndpoint {
            key: key.to_string(),
            protocol: protocol.to_string(),
            problem,
        });
    }
    chat_webhook_blocker(key, protocol, value)
}

/// A blocker when `endpoint` (resolved) of an http/https subscription is a
/// chat webhook, which can never confirm; the URL itself is never shown.
fn chat_webhook_blocker(key: &str, protocol: &str, endpoint: &str) -> Option<Blocker> {
    if !matches!(protocol, "http" | "https") {
        return None;
    }
    let service = endpoint::chat_webhook(endpoint)?;
    Some(Blocker::ChatWebhook {
        key: key.to_string(),
        service: service.to_string(),
    })
}

/// With `log_groups: require`, every missing log group the planned filters
/// and queries read, naming them.
pub(super) fn missing_log_groups(
    desired: &DesiredState,
    live: &LiveState,
    kinds: &BTreeSet<Kind>,
) -> Vec<Blocker> {
    if desired.log_group_mode != LogGroupMode::Require {
        return Vec::new();
    }
    live.missing_log_groups
        .iter()
        .filter_map(|group| {
            let users = desired.log_group_users.get(group)?;
            let names = |kind: Kind| -> Vec<String> {
                users
                    .iter()
                    .filter(|(k, _)| *k == kind && kinds.contains(k))
                    .map(|(_, n)| n.clone())
                    .collect()
            };
            let (filters, queries) = (names(Kind::MetricFilter), names(Kind::QueryDefinition));
            (!filters.is_empty() || !queries.is_empty()).then(|| Blocker::MissingLogGroup {
                group: group.clone(),
                filters,
                queries,
                env: desired.env.clone(),
            })
        })
        .collect()
}

/// Topics the catalogue declares that are conflicts (not this catalogue's,
/// and not taken over with `--adopt`) while planned alarms would notify them
/// or planned subscriptions would be made on them: alerts would go to a
/// topic someone else controls (issue 19, finding 4).
pub(super) fn foreign_topics(
    desired: &DesiredState,
    live: &LiveState,
    kinds: &BTreeSet<Kind>,
    adopt: bool,
) -> Vec<Blocker> {
    desired
        .resources
        .iter()
        .filter_map(|((kind, name), r)| {
            let Resource::Topic(_) = r else {
                return None;
            };
            let id = (*kind, name.clone());
            let reason = live.conflicts.get(&id)?;
            let foreign = desired.is_foreign(name);
            if adopt && !foreign && live.adoptable.contains_key(&id) {
                return None;
            }
            let arn_suffix = format!(":{name}");
            let notifies = |actions: [&Vec<String>; 3]| {
                actions
                    .iter()
                    .any(|list| list.iter().any(|a| a.ends_with(&arn_suffix)))
            };
            let planned = |k: Kind| kinds.contains(&k);
            let mut alarms = 0;
            let mut subscriptions = 0;
            for ((k, _), other) in &desired.resources {
                match other {
                    Resource::MetricAlarm(a) if planned(*k) => {
                        alarms += usize::from(notifies([
                            &a.alarm_actions,
                            &a.ok_actions,
                            &a.insufficient_data_actions,
                        ]));
                    }
                    Resource::CompositeAlarm(a) if planned(*k) => {
                        alarms += usize::from(notifies([
                            &a.alarm_actions,
                            &a.ok_actions,
                            &a.insufficient_data_actions,
                        ]));
                    }
                    Resource::LogAlarm(a) if planned(*k) => {
                        alarms += usize::from(notifies([
                            &a.alarm_actions,
                            &a.ok_actions,
                            &a.insufficient_data_actions,
                        ]));
                    }
                    Resource::Subscription(s) if planned(*k) && s.topic_name == *name => {
                        subscriptions += 1;
                    }
                    Resource::MetricAlarm(_)
                    | Resource::CompositeAlarm(_)
                    | Resource::LogAlarm(_)
                    | Resource::Subscription(_)
                    | Resource::Topic(_)
                    | Resource::LogGroup(_)
                    | Resource::MetricFilter(_)
                    | Resource::Dashboard(_)
                    | Resource::QueryDefinition(_)
                    | Resource::AlarmMuteRule(_) => {}
                }
            }
            let owner = match reason {
                ConflictReason::OtherCatalogue { owner, .. } => Some(owner.clone()),
                ConflictReason::Untagged { .. }
                | ConflictReason::OtherEnvironment { .. }
                | ConflictReason::DifferentQueries { .. } => None,
            };
            (alarms + subscriptions > 0).then(|| Blocker::ForeignTopic {
                topic: name.clone(),
                owner,
                alarms,
                subscriptions,
            })
        })
        .collect()
}
