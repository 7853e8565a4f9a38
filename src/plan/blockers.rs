//! What stops plan and apply before any change: a log group the catalogue
//! needs that does not exist (`log_groups: require`), a subscription
//! endpoint that can never receive alerts.

use super::model::{Action, Plan};
use crate::catalogue::model::LogGroupMode;
use crate::compile::DesiredState;
use crate::diagnostic::Blocker;
use crate::live::LiveState;
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
