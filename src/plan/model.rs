//! The plan as a value: changes with their typed operations, conflicts,
//! notes and blockers as data, the calls and floors of the run. Serialized
//! as the JSON plan (`FORMAT_VERSION`).

use super::FieldChange;
use crate::aws::ApiCount;
use crate::diagnostic::Blocker;
use crate::floor::Floor;
use crate::ownership::ConflictReason;
use crate::resource::{Kind, Resource, Tag};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    pub(super) fn create(kind: Kind, key: &str, resource: &Resource) -> Change {
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
    pub(super) fn update(
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
    pub(super) fn adopt(
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
    pub(super) fn delete(kind: Kind, key: &str, live_id: Option<String>) -> Change {
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
    /// A resource under the prefix that `foreign:` declares not obsctl's:
    /// left alone, not a conflict.
    Foreign {
        /// Its kind.
        kind: Kind,
        /// Its name.
        key: String,
    },
    /// Named like this environment's but in a place it does not use (a
    /// metric filter in a log group outside its scope): left alone, since
    /// obsctl cannot show it made it.
    OutsideScope {
        /// Its kind.
        kind: Kind,
        /// Its key.
        key: String,
        /// The place (the log group).
        place: String,
    },
    /// Under the prefix but without obsctl's mark of creation (a saved
    /// query saved in the console into the catalogue's folder): left alone.
    NotMadeByObsctl {
        /// Its kind.
        kind: Kind,
        /// Its key.
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
    /// A live subscription no longer declared, kept until the declared
    /// subscription of the same topic and protocol that replaces it is
    /// confirmed; a later apply removes it.
    KeptUntilConfirmed {
        /// The subscription, endpoint redacted.
        subscription: String,
    },
    /// A live subscription, pending and no longer declared.
    PendingNotDeclared {
        /// The subscription, endpoint redacted.
        subscription: String,
    },
    /// An apply of this environment holds the apply lock (`lock.rs`) right
    /// now: its changes may be landing while this plan reads. Added in
    /// plan format 3 without a version bump.
    ApplyRunning {
        /// Environment.
        env: String,
        /// The apply's own description; `None` before it wrote one.
        holder: Option<crate::lock::Holder>,
        /// Its lock stream.
        stream: String,
        /// When its lock stream was created, ms since the epoch.
        created: i64,
    },
    /// The apply lock could not be read (the plan role lacks
    /// logs:DescribeLogStreams or logs:GetLogEvents on the lock group):
    /// whether an apply is running is unknown.
    LockUnread {
        /// The AWS error code.
        code: String,
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
