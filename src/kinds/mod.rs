//! Resource kinds: one module per kind, one registry line each.
//!
//! Every fact about a kind that other stages need — its names, identity and
//! snapshot file, tags, the log group it uses, what it depends on (the apply
//! order is derived from it), which live reader reads it, its AWS calls and
//! how its deletes are batched, its contribution to the API floor, its IAM
//! actions, its cost and its line in the docs — is one item of [`Spec`],
//! implemented in `src/kinds/<kind>.rs`. [`Spec`] has no default methods:
//! a kind that forgets a facet does not compile.
//!
//! The `kinds!` registry below generates [`Kind`], [`Resource`],
//! [`Kind::ALL`], the plural names and every dispatch `match`, so adding a
//! kind is one new file plus one registry line. The catalogue section that
//! produces a kind, its validation and any engine stay where they are
//! (`catalogue/`, `compile/`, `engine/`).

mod alarm_mute_rule;
mod composite_alarm;
mod dashboard;
mod log_alarm;
mod log_group;
mod metric_alarm;
mod metric_filter;
mod query_definition;
mod subscription;
mod topic;

use crate::apply::PutContext;
use crate::aws::{Api, Aws, AwsResult};
use crate::cost::Cost;
use crate::plan::Change;
use crate::resource::{
    AlarmMuteRule, CompositeAlarm, Dashboard, LogAlarm, LogGroup, MetricAlarm, MetricFilter,
    QueryDefinition, Subscription, Tag, Topic,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;

/// The live reader (one per AWS API family) that reads a kind; `live::read`
/// runs the families a plan needs at the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reader {
    /// DescribeAlarms (+ the tagging index): metric, composite and log alarms.
    Alarms,
    /// ListTopics, ListSubscriptionsByTopic (+ the tagging index).
    Topics,
    /// ListDashboards, GetDashboard.
    Dashboards,
    /// DescribeLogGroups, DescribeMetricFilters, DescribeQueryDefinitions.
    Logs,
    /// ListAlarmMuteRules, GetAlarmMuteRule, ListTagsForResource.
    MuteRules,
}

/// How apply deletes a kind's resources (in reverse dependency order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletes {
    /// Never deleted: plans hold no deletes of this kind.
    Never,
    /// By name, up to `batch` per call; a rejected batch is retried one by
    /// one (one name gone or still referenced by a composite fails it all).
    Batched {
        /// Names per call.
        batch: usize,
    },
    /// One per call, parents before children: a resource still named by
    /// another of its kind is retried after it.
    Levels,
    /// One per call, 8 at a time (writes to one log group in series).
    Each,
}

/// Adds `n` calls of an API to a floor count.
pub type AddCalls<'a> = &'a mut dyn FnMut(Api, u64);

/// Everything obsctl knows about one resource kind. No method has a
/// default: a new kind must state each facet.
pub trait Spec: Sized {
    /// The kind this type is.
    const KIND: Kind;
    /// One line for the docs: the AWS resource and its API input.
    const DOC: &'static str;
    /// Kinds this kind's resources name (topic ARNs, alarm names, log
    /// groups): apply writes them first and deletes them after.
    const DEPENDS_ON: &'static [Kind];
    /// Kinds a plan restricted with `--only` must read and plan with this
    /// one (what could block it).
    const PLANNED_WITH: &'static [Kind];
    /// The live reader that reads it.
    const READER: Reader;
    /// How apply deletes it.
    const DELETES: Deletes;
    /// Writes of this kind to one log group must run one after another
    /// (concurrent PutMetricFilter calls on a group fail with
    /// OperationAbortedException).
    const SERIAL_PER_LOG_GROUP: bool;
    /// TagResource / UntagResource of an existing resource, where AWS
    /// tags it (ownership by tags); `None` where obsctl decides ownership
    /// by name and location.
    const TAG_APIS: Option<(Api, Api)>;
    /// The IAM actions reading and writing it call (rows of
    /// `iam::PERMISSIONS`, which lists for each action the kinds that
    /// name it here).
    const IAM_ACTIONS: &'static [&'static str];

    /// Identity within the kind.
    fn key(&self) -> String;
    /// File name (without `.json`, before sanitizing) under the kind's
    /// snapshot directory.
    fn file_stem(&self) -> String;
    /// The tags the plan compares (`None`: the kind's tags are not
    /// compared, or it has none).
    fn compared_tags(&self) -> Option<&[Tag]>;
    /// Its name without the parent it lives in (a filter's without its
    /// log group), as messages about log groups name their users.
    fn short_name(&self) -> String;
    /// The log groups it reads or writes (apply creates missing ones first
    /// with `log_groups: create`; a plan blocks on missing ones with
    /// `require`).
    fn log_groups(&self) -> Vec<&str>;
    /// The canonical JSON before canonicalization: the API input, or for a
    /// dashboard the body AWS receives.
    fn json(&self) -> serde_json::Result<serde_json::Value>;
    /// Adds its billed quantities.
    fn cost(&self, cost: &mut Cost);
    /// The write calls of one create or update (`change.desired` is
    /// `self`), besides the tag calls of [`Spec::TAG_APIS`].
    fn floor_put(&self, change: &Change, add: AddCalls<'_>);
    /// The delete calls of `n` deletes.
    fn floor_delete(n: u64, add: AddCalls<'_>);
    /// Creates or updates the resource as `change` says.
    fn put(
        &self,
        ctx: &PutContext<'_>,
        change: &Change,
    ) -> impl Future<Output = AwsResult<Option<String>>>;
    /// Deletes the resources of `changes` (one change unless
    /// [`Deletes::Batched`]) in one call.
    fn delete(aws: &Aws, changes: &[&Change]) -> impl Future<Output = AwsResult<()>>;
}

/// Generates [`Kind`], [`Resource`] and their dispatch from one line per
/// kind: `Variant(Type) => "plural"`, in display order (snapshot
/// directories, counts, plan order).
macro_rules! kinds {
    ($( $variant:ident ( $ty:ty ) => $plural:literal ),* $(,)?) => {
        /// Resource kinds. Serialized with the plural names of `--only`
        /// (`metric-alarms`). Apply order is derived from
        /// [`Spec::DEPENDS_ON`] ([`Kind::apply_order`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum Kind {
            $(
                #[doc = concat!("`", $plural, "`.")]
                #[serde(rename = $plural)]
                $variant,
            )*
        }

        impl Kind {
            /// Every kind, in display order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// How many kinds there are.
            pub const COUNT: usize = Kind::ALL.len();

            /// Plural name, used as the snapshot directory and in `--only`.
            pub fn plural(self) -> &'static str {
                match self {
                    $(Kind::$variant => $plural,)*
                }
            }

            /// One line for the docs.
            pub fn doc(self) -> &'static str {
                match self {
                    $(Kind::$variant => <$ty as Spec>::DOC,)*
                }
            }

            /// Kinds its resources name.
            pub fn depends_on(self) -> &'static [Kind] {
                match self {
                    $(Kind::$variant => <$ty as Spec>::DEPENDS_ON,)*
                }
            }

            /// Kinds `--only` plans with it.
            pub fn planned_with(self) -> &'static [Kind] {
                match self {
                    $(Kind::$variant => <$ty as Spec>::PLANNED_WITH,)*
                }
            }

            /// Its live reader.
            pub fn reader(self) -> Reader {
                match self {
                    $(Kind::$variant => <$ty as Spec>::READER,)*
                }
            }

            /// Whether its writes to one log group run in series.
            pub fn serial_per_log_group(self) -> bool {
                match self {
                    $(Kind::$variant => <$ty as Spec>::SERIAL_PER_LOG_GROUP,)*
                }
            }

            /// How apply deletes it.
            pub fn deletes(self) -> Deletes {
                match self {
                    $(Kind::$variant => <$ty as Spec>::DELETES,)*
                }
            }

            /// Its tag and untag APIs, where AWS tags it.
            pub fn tag_apis(self) -> Option<(Api, Api)> {
                match self {
                    $(Kind::$variant => <$ty as Spec>::TAG_APIS,)*
                }
            }

            /// The IAM actions reading and writing it call.
            pub fn iam_actions(self) -> &'static [&'static str] {
                match self {
                    $(Kind::$variant => <$ty as Spec>::IAM_ACTIONS,)*
                }
            }

            /// The delete calls of `n` deletes of this kind.
            pub fn floor_delete(self, n: u64, add: AddCalls<'_>) {
                match self {
                    $(Kind::$variant => <$ty as Spec>::floor_delete(n, add),)*
                }
            }

            /// Deletes the resources of `changes` (all of this kind).
            pub async fn delete(self, aws: &Aws, changes: &[&Change]) -> AwsResult<()> {
                match self {
                    $(Kind::$variant => <$ty as Spec>::delete(aws, changes).await,)*
                }
            }
        }

        /// One resource of the desired (or live) state.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", content = "spec", rename_all = "kebab-case")]
        // Boxed: a resource map of 1000 services holds 11,000 of them, and
        // unboxed each entry took the largest kind's size (issue 18: ~3 MB
        // of the render's peak).
        pub enum Resource {
            $(
                #[doc = concat!("One of `", $plural, "`.")]
                $variant(Box<$ty>),
            )*
        }

        impl Resource {
            /// The resource's kind.
            pub fn kind(&self) -> Kind {
                match self {
                    $(Resource::$variant(_) => Kind::$variant,)*
                }
            }

            /// The resource's identity within its kind (a subscription's is
            /// `topic/protocol/endpoint`, a filter's `log group:filter`).
            pub fn key(&self) -> String {
                match self {
                    $(Resource::$variant(r) => r.key(),)*
                }
            }

            /// The tags the plan compares, where the kind's are compared.
            pub fn compared_tags(&self) -> Option<&[Tag]> {
                match self {
                    $(Resource::$variant(r) => r.compared_tags(),)*
                }
            }

            /// The log groups it reads or writes.
            pub fn log_groups(&self) -> Vec<&str> {
                match self {
                    $(Resource::$variant(r) => r.log_groups(),)*
                }
            }

            /// Its name without its parent (a filter's without its log group).
            pub fn short_name(&self) -> String {
                match self {
                    $(Resource::$variant(r) => r.short_name(),)*
                }
            }

            /// Adds its billed quantities to `cost`.
            pub fn cost(&self, cost: &mut Cost) {
                match self {
                    $(Resource::$variant(r) => r.cost(cost),)*
                }
            }

            /// Its write calls for one create or update.
            pub fn floor_put(&self, change: &Change, add: AddCalls<'_>) {
                match self {
                    $(Resource::$variant(r) => r.floor_put(change, add),)*
                }
            }

            /// Creates or updates it as `change` says.
            pub async fn put(&self, ctx: &PutContext<'_>, change: &Change) -> AwsResult<Option<String>> {
                match self {
                    $(Resource::$variant(r) => r.put(ctx, change).await,)*
                }
            }

            fn raw_json(&self) -> serde_json::Result<serde_json::Value> {
                match self {
                    $(Resource::$variant(r) => r.json(),)*
                }
            }

            fn raw_file_stem(&self) -> String {
                match self {
                    $(Resource::$variant(r) => r.file_stem(),)*
                }
            }
        }

        $(
            impl From<$ty> for Resource {
                fn from(r: $ty) -> Resource {
                    Resource::$variant(Box::new(r))
                }
            }
        )*

        /// A `match` naming every kind: adding a registry line without its
        /// type implementing [`Spec`] for the same kind fails here.
        const _: () = {
            $( assert!(matches!(<$ty as Spec>::KIND, Kind::$variant)); )*
        };
    };
}

kinds! {
    Topic(Topic) => "topics",
    Subscription(Subscription) => "subscriptions",
    LogGroup(LogGroup) => "log-groups",
    MetricFilter(MetricFilter) => "metric-filters",
    MetricAlarm(MetricAlarm) => "metric-alarms",
    CompositeAlarm(CompositeAlarm) => "composite-alarms",
    LogAlarm(LogAlarm) => "log-alarms",
    Dashboard(Dashboard) => "dashboards",
    QueryDefinition(QueryDefinition) => "query-definitions",
    AlarmMuteRule(AlarmMuteRule) => "alarm-mute-rules",
}

impl Kind {
    /// Parses a plural name (`metric-alarms`).
    pub fn from_plural(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.plural() == s)
    }

    /// Every kind, each after the kinds it depends on (ties in display
    /// order): the order apply creates them in; deletes run in reverse.
    pub fn apply_order() -> Vec<Kind> {
        let mut order: Vec<Kind> = Vec::with_capacity(Kind::ALL.len());
        while order.len() < Kind::ALL.len() {
            let before = order.len();
            if let Some(next) = Kind::ALL
                .iter()
                .copied()
                .find(|k| !order.contains(k) && k.depends_on().iter().all(|d| order.contains(d)))
            {
                order.push(next);
            }
            if order.len() == before {
                // A dependency cycle (a test rules it out): keep display order.
                let rest: Vec<Kind> = Kind::ALL
                    .iter()
                    .copied()
                    .filter(|k| !order.contains(k))
                    .collect();
                order.extend(rest);
            }
        }
        order
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}

impl Resource {
    /// The tags obsctl sets on it and compares (empty for kinds whose tags
    /// are not compared: subscriptions, metric filters, saved queries have
    /// none; log groups' are set on creation only).
    pub fn tags(&self) -> &[Tag] {
        self.compared_tags().unwrap_or(&[])
    }

    /// File name (without `.json`) under the kind's snapshot directory.
    pub fn file_stem(&self) -> String {
        self.raw_file_stem()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// The canonical JSON of the resource: for a dashboard the body AWS
    /// receives, for the others the API input.
    pub fn to_json(&self) -> serde_json::Value {
        // These types only hold strings, numbers, bools and maps with string keys.
        crate::resource::canonical::canonical(self.raw_json().unwrap_or(serde_json::Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_names_round_trip_and_are_distinct() {
        for (i, k) in Kind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k} out of place in Kind::ALL");
            assert_eq!(Kind::from_plural(k.plural()), Some(*k));
            assert!(!k.doc().is_empty(), "{k} has no docs line");
        }
    }

    #[test]
    fn dependencies_have_no_cycle_and_apply_order_respects_them() {
        let order = Kind::apply_order();
        assert_eq!(order.len(), Kind::ALL.len());
        for (i, k) in order.iter().enumerate() {
            for d in k.depends_on() {
                let j = order.iter().position(|x| x == d).unwrap();
                assert!(j < i, "{k} must come after {d}");
            }
        }
    }

    #[test]
    fn every_kind_names_iam_actions_that_exist() {
        for k in Kind::ALL {
            assert!(!k.iam_actions().is_empty(), "{k} names no IAM action");
            for a in k.iam_actions() {
                assert!(
                    crate::iam::PERMISSIONS.iter().any(|p| p.action == *a),
                    "{k}: {a} is not a row of iam::PERMISSIONS"
                );
            }
        }
    }

    #[test]
    fn tag_apis_belong_to_kinds_that_compare_tags() {
        // Kinds tagged by AWS are read through the tagging index or
        // ListTagsForResource: their reader is one that reads tags.
        for k in Kind::ALL {
            if k.tag_apis().is_some() {
                assert!(
                    matches!(
                        k.reader(),
                        Reader::Alarms | Reader::Topics | Reader::Dashboards | Reader::MuteRules
                    ),
                    "{k}"
                );
            }
        }
    }
}
