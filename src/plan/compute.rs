//! The plan: a plain, serializable value saying what apply will do. Computing
//! it is pure and deterministic (desired × live → Plan); rendering it is
//! `report`'s job and executing it `apply`'s.

pub mod diff;

pub use diff::FieldChange;

use crate::aws::ApiCount;
use crate::catalogue::model::LogGroupMode;
use crate::compile::DesiredState;
use crate::diagnostic::Blocker;
use crate::floor::Floor;
use crate::live::LiveState;
use crate::ownership::ConflictReason;
use crate::resource::{Kind, Resource, Subscription, Tag, secret_name};
use crate::rules::endpoint;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the JSON plan format (documented in the README).
pub const FORMAT_VERSION: u32 = 3;

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Created.
    Create,
    /// Changed in place.
    Update,
    /// Deleted (owned, no longer in the catalogue).
    Delete,
    /// Taken over (`--adopt`): an untagged resource whose name the catalogue
    /// generates gets the ownership tags, and its content is updated where
    /// it differs. Added in plan format 2.
    Adopt,
}

/// Tags to set and remove (PutMetricAlarm ignores tags on existing alarms).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TagChange {
    /// Tags to add or change.
    pub set: Vec<Tag>,
    /// Tag keys to remove.
    pub remove: Vec<String>,
}

impl TagChange {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Resource kind.
    pub kind: Kind,
    /// Resource key (secrets shown as placeholders).
    pub key: String,
    /// What happens.
    pub action: Action,
    /// Changed fields (updates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// True when the resource itself must be written again (not only tags).
    #[serde(default)]
    pub rewrite: bool,
    /// Tag changes (updates of alarms and topics).
    #[serde(default, skip_serializing_if = "TagChange::is_empty")]
    pub tags: TagChange,
    /// The desired resource (creates and updates); secrets as placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<Resource>,
    /// The AWS identifier of the live resource (ARN, query id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_id: Option<String>,
    /// The calls apply makes besides putting or deleting the resource by
    /// its id, typed, so apply never parses display paths or keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ops: Vec<Op>,
}

/// A typed operation of a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// SetTopicAttributes or SetSubscriptionAttributes (`value` empty
    /// clears a policy).
    SetAttribute {
        /// Attribute name.
        name: String,
        /// New value.
        value: String,
    },
    /// DeleteMetricFilter (filters have no id: log group and name).
    DeleteMetricFilter {
        /// Log group.
        log_group: String,
        /// Filter name.
        filter_name: String,
    },
}

impl Change {
    /// Creates `resource`.
    fn create(kind: Kind, key: &str, resource: &Resource) -> Change {
        Change {
            kind,
            key: key.to_string(),
            action: Action::Create,
            fields: Vec::new(),
            rewrite: true,
            tags: TagChange::default(),
            desired: Some(resource.clone()),
            live_id: None,
            ops: Vec::new(),
        }
    }

    /// Updates the live resource `live_id` to `resource`.
    fn update(
        kind: Kind,
        key: &str,
        resource: &Resource,
        fields: Vec<FieldChange>,
        tags: TagChange,
        live_id: Option<String>,
    ) -> Change {
        let rewrite = fields.iter().any(|f| !f.path.starts_with("Tags"));
        Change {
            kind,
            key: key.to_string(),
            action: Action::Update,
            fields,
            rewrite,
            tags,
            desired: Some(resource.clone()),
            live_id,
            ops: Vec::new(),
        }
    }

    /// Takes over the unowned live resource `live_id` (see [`Action::Adopt`]).
    fn adopt(
        kind: Kind,
        key: &str,
        resource: &Resource,
        fields: Vec<FieldChange>,
        tags: TagChange,
        live_id: Option<String>,
    ) -> Change {
        Change {
            action: Action::Adopt,
            ..Change::update(kind, key, resource, fields, tags, live_id)
        }
    }

    /// Deletes the live resource `live_id`.
    fn delete(kind: Kind, key: &str, live_id: Option<String>) -> Change {
        Change {
            kind,
            key: key.to_string(),
            action: Action::Delete,
            fields: Vec::new(),
            rewrite: false,
            tags: TagChange::default(),
            desired: None,
            live_id,
            ops: Vec::new(),
        }
    }
}

/// A resource obsctl will not touch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// Kind.
    pub kind: Kind,
    /// Key.
    pub key: String,
    /// Why.
    pub reason: ConflictReason,
    /// Whether the catalogue declares a resource of this key, which is
    /// therefore not applied.
    pub wanted: bool,
}

/// Something worth knowing that changes nothing. Data only: the words are
/// in `report/reason.rs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum Note {
    /// An optional subscription whose `${env:VAR}` is not set: skipped.
    SecretUnset {
        /// The subscription's key.
        key: String,
        /// The variable.
        var: String,
    },
    /// An `external: true` subscription not made yet.
    ExternalNotSubscribed {
        /// The subscription's key.
        key: String,
    },
    /// A declared subscription waiting for confirmation.
    PendingConfirmation {
        /// The subscription's key.
        key: String,
    },
    /// A live subscription AWS Chatbot made: left alone.
    MadeByChatbot {
        /// The subscription, endpoint redacted.
        subscription: String,
    },
    /// A live subscription whose optional catalogue entry is unset: left alone.
    OptionalUnset {
        /// The subscription, endpoint redacted.
        subscription: String,
    },
    /// A live subscription, pending and no longer declared.
    PendingNotDeclared {
        /// The subscription, endpoint redacted.
        subscription: String,
    },
}

/// The plan for one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Format version.
    pub format_version: u32,
    /// Catalogue name.
    pub catalogue: String,
    /// Project.
    pub project: String,
    /// Environment.
    pub env: String,
    /// Region.
    pub region: String,
    /// AWS account id.
    pub account: String,
    /// Kinds planned.
    pub kinds: Vec<Kind>,
    /// Fingerprint of the live state read; apply refuses the plan if it moved.
    pub live_fingerprint: String,
    /// Changes, in apply order for creates and updates, then deletes.
    pub changes: Vec<Change>,
    /// Resources in the way, never changed.
    pub conflicts: Vec<Conflict>,
    /// Things worth knowing (pending subscriptions, unmanaged endpoints).
    pub notes: Vec<Note>,
    /// Problems that stop apply before any change (see [`Blocker`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<Blocker>,
    /// Resources already as desired.
    pub unchanged: usize,
    /// AWS calls made while planning, per API.
    pub calls: BTreeMap<String, ApiCount>,
    /// The fewest calls the read needed and their least time at the
    /// configured quotas (see [`crate::floor`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_floor: Option<Floor>,
    /// Wall time of the read, in seconds.
    #[serde(default)]
    pub read_seconds: f64,
    /// The fewest write calls applying this plan needs, and their least time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_floor: Option<Floor>,
}

#[cfg(test)]
/// An empty plan, for tests.
pub(crate) fn empty_for_tests() -> Plan {
    Plan {
        format_version: FORMAT_VERSION,
        catalogue: String::new(),
        project: String::new(),
        env: String::new(),
        region: String::new(),
        account: String::new(),
        kinds: Vec::new(),
        live_fingerprint: String::new(),
        changes: Vec::new(),
        conflicts: Vec::new(),
        notes: Vec::new(),
        blockers: Vec::new(),
        unchanged: 0,
        calls: BTreeMap::new(),
        read_floor: None,
        read_seconds: 0.0,
        apply_floor: None,
    }
}

#[cfg(test)]
/// A change without a desired resource, for tests.
pub(crate) fn change_for_tests(kind: Kind, key: &str, action: Action) -> Change {
    Change {
        kind,
        key: key.to_string(),
        action,
        fields: Vec::new(),
        rewrite: true,
        tags: TagChange::default(),
        desired: None,
        live_id: None,
        ops: Vec::new(),
    }
}

impl Plan {
    /// True when apply would do nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Number of changes with an action.
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}

/// A required secret that is not set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSecret(pub String, pub String);

/// Computes the plan. `secret` resolves `${env:NAME}` names; resolved values
/// are used only to match live endpoints and never enter the plan. With
/// `adopt`, adoptable conflicts become [`Action::Adopt`] changes.
pub fn compute(
    desired: &DesiredState,
    live: &LiveState,
    kinds: &BTreeSet<Kind>,
    adopt: bool,
    secret: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, MissingSecret> {
    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        catalogue: desired.catalogue.clone(),
        project: desired.project.clone(),
        env: desired.env.clone(),
        region: desired.region.clone(),
        account: desired.account.clone(),
        kinds: kinds.iter().copied().collect(),
        live_fingerprint: live.fingerprint(),
        changes: Vec::new(),
        conflicts: Vec::new(),
        notes: Vec::new(),
        blockers: missing_log_groups(desired, live, kinds),
        unchanged: 0,
        calls: BTreeMap::new(),
        read_floor: None,
        read_seconds: 0.0,
        apply_floor: None,
    };
    let mut deletes = Vec::new();
    for &kind in kinds {
        if kind == Kind::Subscription {
            subscriptions(desired, live, secret, &mut plan, &mut deletes)?;
            continue;
        }
        let wanted: BTreeMap<&String, &Resource> = desired
            .resources
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, key), r)| (key, r))
            .collect();
        for (key, resource) in &wanted {
            let id = (kind, (*key).clone());
            if live.conflicts.contains_key(&id) {
                if let Some(current) = live.adoptable.get(&id).filter(|_| adopt) {
                    let (fields, tags) = differences(current, resource, &desired.region);
                    let live_id = live.ids.get(&id).cloned();
                    plan.changes
                        .push(Change::adopt(kind, key, resource, fields, tags, live_id));
                }
                continue;
            }
            match live.resources.get(&id) {
                None => plan.changes.push(Change::create(kind, key, resource)),
                Some(current) => {
                    let (fields, tags) = differences(current, resource, &desired.region);
                    if fields.is_empty() && tags.is_empty() {
                        plan.unchanged += 1;
                        continue;
                    }
                    let mut change = Change::update(
                        kind,
                        key,
                        resource,
                        fields,
                        tags,
                        live.ids.get(&id).cloned(),
                    );
                    if let (Resource::Topic(l), Resource::Topic(d)) = (current, resource) {
                        change.ops = attribute_ops(&l.attributes, &d.attributes);
                    }
                    plan.changes.push(change);
                }
            }
        }
        for ((k, key), current) in live.resources.iter().filter(|((k, _), _)| *k == kind) {
            if !wanted.contains_key(key) {
                let mut change = Change::delete(*k, key, live.ids.get(&(*k, key.clone())).cloned());
                if let Resource::MetricFilter(f) = current {
                    change.ops = vec![Op::DeleteMetricFilter {
                        log_group: f.log_group_name.clone(),
                        filter_name: f.filter_name.clone(),
                    }];
                }
                deletes.push(change);
            }
        }
    }
    for ((kind, key), reason) in &live.conflicts {
        let adopted = adopt && live.adoptable.contains_key(&(*kind, key.clone()));
        if kinds.contains(kind) && !adopted {
            plan.conflicts.push(Conflict {
                kind: *kind,
                key: key.clone(),
                reason: reason.clone(),
                wanted: desired.resources.contains_key(&(*kind, key.clone())),
            });
        }
    }
    deletes.sort_by(|a, b| b.kind.cmp(&a.kind).then(a.key.cmp(&b.key)));
    plan.changes
        .sort_by(|a, b| a.kind.cmp(&b.kind).then(a.key.cmp(&b.key)));
    plan.changes.extend(deletes);
    Ok(plan)
}

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
                chat_webhook_blocker(&c.key, &s.protocol, &value)
            }
            _ => None,
        })
        .collect()
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

/// The attribute writes that turn `live` into `desired`: changed and new
/// attributes get their value, removed ones are cleared (`RawMessageDelivery`
/// to `false`, others to empty, which SNS takes as "unset"). A filter
/// policy's scope is written before the policy, so a body policy is never
/// checked against the attributes scope.
fn attribute_ops(live: &BTreeMap<String, String>, desired: &BTreeMap<String, String>) -> Vec<Op> {
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

/// With `log_groups: require`, every missing log group the planned filters
/// and queries read, naming them.
fn missing_log_groups(
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

fn tags_of(r: &Resource) -> Option<&[Tag]> {
    r.compared_tags()
}

/// Field changes and tag changes from `live` to `desired`. A dashboard's
/// tags are not part of its body: they are shown as one `Tags` field.
fn differences(live: &Resource, desired: &Resource, region: &str) -> (Vec<FieldChange>, TagChange) {
    let mut fields = diff::diff(&comparable(live, region), &comparable(desired, region));
    let tags = tag_change(live, desired);
    if let (Resource::Dashboard(l), Resource::Dashboard(d)) = (live, desired)
        && !tags.is_empty()
    {
        let list = |t: &[Tag]| (!t.is_empty()).then(|| serde_json::to_value(t).unwrap_or_default());
        fields.push(FieldChange {
            path: "Tags".to_string(),
            before: list(&l.tags),
            after: list(&d.tags),
        });
    }
    (fields, tags)
}

/// The field changes from a live dashboard body to a desired one, both
/// compared without documented defaults (what `plan` shows for a dashboard).
pub fn dashboard_changes(
    live: &serde_json::Value,
    desired: &serde_json::Value,
    region: &str,
) -> Vec<FieldChange> {
    diff::diff(
        &dashboard_form(live, region),
        &dashboard_form(desired, region),
    )
}

/// A dashboard body as plans compare it: canonical, shorthand rows
/// expanded, and without the properties equal to their documented defaults
/// ([`dashboard_defaults`](crate::resource::dashboard_defaults)), so a body
/// saved in the console compares equal to the rendered one.
fn dashboard_form(body: &serde_json::Value, region: &str) -> serde_json::Value {
    use crate::resource::canonical::{canonical, expand_dashboard_shorthand};
    let mut v = canonical(body.clone());
    expand_dashboard_shorthand(&mut v);
    crate::resource::dashboard_defaults::strip_defaults(&mut v, region);
    canonical(v)
}

/// The form two resources are compared in: canonical JSON, a dashboard
/// body in [`dashboard_form`].
fn comparable(r: &Resource, region: &str) -> serde_json::Value {
    if let Resource::Dashboard(d) = r {
        dashboard_form(&d.body, region)
    } else {
        r.to_json()
    }
}

fn tag_change(live: &Resource, desired: &Resource) -> TagChange {
    let (Some(have), Some(want)) = (tags_of(live), tags_of(desired)) else {
        return TagChange::default();
    };
    TagChange {
        set: want.iter().filter(|t| !have.contains(t)).cloned().collect(),
        remove: have
            .iter()
            .filter(|h| !want.iter().any(|w| w.key == h.key))
            .map(|h| h.key.clone())
            .collect(),
    }
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

fn subscriptions(
    desired: &DesiredState,
    live: &LiveState,
    secret: &dyn Fn(&str) -> Option<String>,
    plan: &mut Plan,
    deletes: &mut Vec<Change>,
) -> Result<(), MissingSecret> {
    // Live subscriptions by their real identity.
    let mut unmatched: BTreeMap<String, &Subscription> = live
        .resources
        .iter()
        .filter_map(|((k, key), r)| match (k, r) {
            (Kind::Subscription, Resource::Subscription(s)) => Some((key.clone(), s)),
            _ => None,
        })
        .collect();
    let mut unmanaged: BTreeSet<(String, String)> = BTreeSet::new();
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
        // A literal chat webhook is rejected by validate; one read from the
        // environment is caught here, before any call, without showing it.
        if let Some(blocker) = chat_webhook_blocker(key, &sub.protocol, &endpoint) {
            plan.blockers.push(blocker);
            continue;
        }
        let real = Subscription {
            endpoint,
            ..sub.clone()
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
            None => plan
                .changes
                .push(Change::create(Kind::Subscription, key, r)),
            Some(current) => {
                if live.pending.contains(&id) {
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
        if sub.endpoint == endpoint::CHATBOT_ENDPOINT {
            plan.notes.push(Note::MadeByChatbot {
                subscription: shown,
            });
        } else if unmanaged.contains(&(sub.topic_name.clone(), sub.protocol.clone())) {
            plan.notes.push(Note::OptionalUnset {
                subscription: shown,
            });
        } else if live.pending.contains(&(Kind::Subscription, real.clone())) {
            plan.notes.push(Note::PendingNotDeclared {
                subscription: shown,
            });
        } else {
            deletes.push(Change::delete(
                Kind::Subscription,
                &shown,
                live.ids.get(&(Kind::Subscription, real)).cloned(),
            ));
        }
    }
    Ok(())
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
