//! Subscriptions: declared endpoints (secrets resolved, never kept) matched
//! with live ones by their real identity; attribute updates as typed
//! operations; unknown live endpoints shown redacted.

use super::FieldChange;
use super::blockers::endpoint_blocker;
use super::diff;
use super::model::*;
use crate::compile::DesiredState;
use crate::live::LiveState;
use crate::ownership::{recorded_subscriptions, subscription_mark};
use crate::resource::{Kind, Resource, Subscription, secret_name};
use crate::rules::endpoint;
use std::collections::{BTreeMap, BTreeSet};

/// The attribute writes that turn `live` into `desired`: changed and new
/// attributes get their value, removed ones are cleared (`RawMessageDelivery`
/// to `false`, others to empty, which SNS takes as "unset"). A filter
/// policy's scope is written before the policy, so a body policy is never
/// checked against the attributes scope.
pub(super) fn attribute_ops(
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> Vec<Op> {
    let mut ops: Vec<Op> = Vec::new();
    for (name, value) in desired {
        if live.get(name) != Some(value) {
            ops.push(Op::SetAttribute {
                name: name.clone(),
                value: value.clone(),
            });
        }
    }
    for name in live.keys().filter(|k| !desired.contains_key(*k)) {
        let value = match name.as_str() {
            "RawMessageDelivery" => "false",
            // Cleared with the filter policy itself.
            "FilterPolicyScope" => continue,
            _ => "",
        };
        ops.push(Op::SetAttribute {
            name: name.clone(),
            value: value.to_string(),
        });
    }
    ops.sort_by_key(|op| match op {
        Op::SetAttribute { name, .. } => (name != "FilterPolicyScope", name.clone()),
        Op::DeleteMetricFilter { filter_name, .. } => (true, filter_name.clone()),
    });
    ops
}

/// A live endpoint obsctl does not know, as shown in plans: it may have come
/// from a secret, so https URLs show only their host and email addresses
/// only their domain, each with a short hash to tell endpoints apart.
pub fn redact(endpoint: &str) -> String {
    let mut fnv = crate::resource::canonical::Fnv::default();
    fnv.feed(endpoint);
    let hash = fnv.finish() as u32;
    if let Some(rest) = endpoint.strip_prefix("https://") {
        let host = rest.split('/').next().unwrap_or(rest);
        return format!("https://{host}/…#{hash:08x}");
    }
    match endpoint.split_once('@') {
        Some((_, domain)) => format!("…@{domain}#{hash:08x}"),
        None => endpoint.to_string(),
    }
}

/// The subscriptions' changes and notes, and per topic the marks of the
/// subscriptions obsctl made that will exist after the apply: its record
/// ([`crate::ownership::SUBSCRIPTIONS_TAG`]). A live subscription the
/// catalogue no longer declares is deleted only when it is recorded (or the
/// topic has `manage_all_subscriptions`); a recorded mark stays until its
/// subscription is gone.
pub(super) fn subscriptions(
    desired: &DesiredState,
    live: &LiveState,
    secret: &dyn Fn(&str) -> Option<String>,
    plan: &mut Plan,
    deletes: &mut Vec<Change>,
) -> Result<BTreeMap<String, BTreeSet<String>>, MissingSecret> {
    let recorded = |topic: &str| match live.resources.get(&(Kind::Topic, topic.to_string())) {
        Some(Resource::Topic(t)) => recorded_subscriptions(&t.tags),
        _ => BTreeSet::new(),
    };
    let mut records: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Live subscriptions by their real identity.
    let mut unmatched: BTreeMap<String, &Subscription> = live
        .resources
        .iter()
        .filter_map(|((k, key), r)| match (k, r) {
            (Kind::Subscription, Resource::Subscription(s)) => Some((key.clone(), &**s)),
            _ => None,
        })
        .collect();
    let mut unmanaged: BTreeSet<(String, String)> = BTreeSet::new();
    // Topic and protocol of declared subscriptions not confirmed yet (to
    // create now, or pending): a live one they replace is kept until they
    // are, so a changed endpoint never leaves the topic without a working
    // subscriber (issue 19, finding 6).
    let mut unconfirmed: BTreeSet<(String, String)> = BTreeSet::new();
    for ((_, key), r) in desired
        .resources
        .iter()
        .filter(|((k, _), _)| *k == Kind::Subscription)
    {
        let Resource::Subscription(sub) = r else {
            continue;
        };
        let endpoint = match secret_name(&sub.endpoint) {
            None => sub.endpoint.clone(),
            Some(var) => match secret(var) {
                Some(v) => v,
                None if sub.optional => {
                    unmanaged.insert((sub.topic_name.clone(), sub.protocol.clone()));
                    plan.notes.push(Note::SecretUnset {
                        key: key.clone(),
                        var: var.to_string(),
                    });
                    continue;
                }
                None => return Err(MissingSecret(var.to_string(), key.clone())),
            },
        };
        // A literal endpoint that is malformed or a chat webhook is rejected
        // by validate; one read from the environment is caught here, before
        // any call, without showing it.
        if let Some(blocker) = endpoint_blocker(key, &sub.protocol, &endpoint) {
            plan.blockers.push(blocker);
            continue;
        }
        if !sub.external {
            records
                .entry(sub.topic_name.clone())
                .or_default()
                .insert(subscription_mark(&sub.protocol, &endpoint));
        }
        let real = Subscription {
            endpoint,
            ..(**sub).clone()
        }
        .key();
        let id = (Kind::Subscription, real.clone());
        let current = unmatched.remove(&real);
        if sub.external {
            // Made and confirmed by someone else: never created, changed
            // or deleted here; only its absence is worth a note.
            match current {
                Some(_) => plan.unchanged += 1,
                None => plan
                    .notes
                    .push(Note::ExternalNotSubscribed { key: key.clone() }),
            }
            continue;
        }
        match current {
            None => {
                unconfirmed.insert((sub.topic_name.clone(), sub.protocol.clone()));
                plan.changes
                    .push(Change::create(Kind::Subscription, key, r));
            }
            Some(current) => {
                if live.pending.contains(&id) {
                    unconfirmed.insert((sub.topic_name.clone(), sub.protocol.clone()));
                    plan.notes
                        .push(Note::PendingConfirmation { key: key.clone() });
                    plan.unchanged += 1;
                    continue;
                }
                let fields = diff::diff(
                    &serde_json::to_value(&current.attributes).unwrap_or_default(),
                    &serde_json::to_value(&sub.attributes).unwrap_or_default(),
                );
                if fields.is_empty() {
                    plan.unchanged += 1;
                } else {
                    let fields = fields
                        .into_iter()
                        .map(|f| FieldChange {
                            path: format!("Attributes.{}", f.path),
                            ..f
                        })
                        .collect();
                    let mut change = Change::update(
                        Kind::Subscription,
                        key,
                        r,
                        fields,
                        TagChange::default(),
                        live.ids.get(&id).cloned(),
                    );
                    change.ops = attribute_ops(&current.attributes, &sub.attributes);
                    plan.changes.push(change);
                }
            }
        }
    }
    for (real, sub) in unmatched {
        let shown = format!(
            "{}/{}/{}",
            sub.topic_name,
            sub.protocol,
            redact(&sub.endpoint)
        );
        let mark = subscription_mark(&sub.protocol, &sub.endpoint);
        let made_here = recorded(&sub.topic_name).contains(&mark);
        let kept = if sub.endpoint == endpoint::CHATBOT_ENDPOINT {
            plan.notes.push(Note::MadeByChatbot {
                subscription: shown,
            });
            true
        } else if unmanaged.contains(&(sub.topic_name.clone(), sub.protocol.clone())) {
            plan.notes.push(Note::OptionalUnset {
                subscription: shown,
            });
            true
        } else if live.pending.contains(&(Kind::Subscription, real.clone())) {
            plan.notes.push(Note::PendingNotDeclared {
                subscription: shown,
            });
            true
        } else if unconfirmed.contains(&(sub.topic_name.clone(), sub.protocol.clone())) {
            plan.notes.push(Note::KeptUntilConfirmed {
                subscription: shown,
            });
            true
        } else if !made_here && !desired.manage_all_subscriptions.contains(&sub.topic_name) {
            plan.notes.push(Note::NotMadeByObsctl {
                kind: Kind::Subscription,
                key: shown,
            });
            true
        } else {
            deletes.push(Change::delete(
                Kind::Subscription,
                &shown,
                live.ids.get(&(Kind::Subscription, real)).cloned(),
            ));
            false
        };
        if kept && made_here {
            records
                .entry(sub.topic_name.clone())
                .or_default()
                .insert(mark);
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn unknown_endpoints_are_redacted() {
        let url = redact("https://hooks.slack.com/services/T0/B0/SECRET");
        assert!(url.starts_with("https://hooks.slack.com/…#") && !url.contains("SECRET"));
        let mail = redact("oncall.person@example.com");
        assert!(mail.starts_with("…@example.com#") && !mail.contains("oncall"));
        assert_eq!(
            redact("arn:aws:sqs:us-east-1:1:q"),
            "arn:aws:sqs:us-east-1:1:q"
        );
        assert_ne!(redact("https://a.example/x"), redact("https://a.example/y"));
    }
}
