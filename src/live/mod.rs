//! Reading live state through the AWS traits, with the fewest calls the APIs
//! allow, and normalizing it into the compiler's canonical resource types.
//!
//! Ownership tags of alarms and topics come in bulk from the tagging API
//! (`tags::tag_index`: GetResources, 100 per page) rather than one
//! ListTagsForResource per resource; DescribeAlarms and ListTopics stay the
//! source of existence. Dashboards' tags are read one by one: the tagging
//! API's documentation does not list CloudWatch dashboards among the
//! resources it returns.
//!
//! Only resources obsctl owns are returned as live resources; [`crate::ownership`]
//! decides, from names and (where AWS has them) tags. A prefixed resource
//! obsctl does not own is a conflict: reported, never changed (unless
//! adopted with `--adopt`). Another environment's resources are not read.
//!
//! This file holds the model ([`LiveState`], its fingerprint and the filing
//! of what was read), the [`read`] orchestrator and the helpers the readers
//! share; the readers are one file per API family: `alarms.rs` (CloudWatch
//! alarms), `dashboards.rs`, `logs.rs` (log groups, metric filters, saved
//! queries), `mute_rules.rs` (alarm mute rules), `topics.rs` (SNS topics and subscriptions), and `tags.rs` (the
//! tagging index and the tags settled from it).

mod alarms;
mod dashboards;
mod logs;
mod mute_rules;
mod tags;
mod topics;

use crate::aws::{Aws, AwsError, AwsResult};
use crate::compile::DesiredState;
use crate::floor::ReadCounts;
use crate::kinds::Reader;
use crate::ownership::{ConflictReason, ENV_TAG, Owner, Verdict};
use crate::resource::canonical::Fnv;
use crate::resource::*;
use alarms::alarms;
use dashboards::{dashboards, file_dashboards};
use futures::FutureExt;
use logs::{ListedGroups, log_groups, metric_filters, queries};
use mute_rules::mute_rules;
use std::collections::{BTreeMap, BTreeSet};
use tags::tag_index;
use topics::topics;

pub use dashboards::normalize_dashboard;
pub use topics::topic_name;

/// Concurrent reads per API (the token buckets bound the rate).
const CONCURRENCY: usize = 8;

/// The live state of one environment, in canonical form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveState {
    /// Owned resources by kind and key.
    pub resources: BTreeMap<(Kind, String), Resource>,
    /// AWS identifiers: alarm / topic / subscription ARNs, query ids.
    pub ids: BTreeMap<(Kind, String), String>,
    /// Prefixed resources obsctl does not own, with the reason.
    pub conflicts: BTreeMap<(Kind, String), ConflictReason>,
    /// Conflicts `--adopt` may take over (untagged, with a name the catalogue
    /// generates), as read; their ids are in [`Self::ids`].
    pub adoptable: BTreeMap<(Kind, String), Resource>,
    /// Extra copies of an owned resource, by AWS id: saved queries that
    /// are the same query under the same name (a repeated or racing
    /// create). The next apply deletes them.
    pub duplicates: BTreeMap<(Kind, String), Vec<String>>,
    /// Resources named like this environment's in a place it does not use
    /// (metric filters in a log group outside its scope), with that place:
    /// left alone and noted, never deleted.
    pub outside: BTreeMap<(Kind, String), String>,
    /// Resources under the prefix without obsctl's mark of creation (saved
    /// queries without its marker comment, saved in the console): left
    /// alone and noted, never deleted.
    pub unmarked: BTreeSet<(Kind, String)>,
    /// Subscriptions waiting for confirmation (no ARN yet).
    pub pending: BTreeSet<(Kind, String)>,
    /// Log groups that filters or queries read and that do not exist.
    pub missing_log_groups: BTreeSet<String>,
    /// What was found, for the API floor (not part of the fingerprint).
    pub counts: ReadCounts,
}

impl LiveState {
    /// A stable fingerprint of everything read (FNV-1a over canonical JSON),
    /// used to refuse a saved plan when live state moved since.
    ///
    /// Tags enter it as obsctl settled them, whichever way they were read:
    /// from the tagging API's index when they agree with the catalogue,
    /// else from ListTagsForResource on the resource itself. Both give the
    /// same value, and whether the eventually consistent index listed a
    /// resource is never hashed, so index lag alone cannot make a saved
    /// plan look stale. (The call counts are not hashed either.)
    pub fn fingerprint(&self) -> String {
        let mut hash = Fnv::default();
        let mut feed = |s: &str| hash.feed(s);
        for ((kind, key), r) in &self.resources {
            feed(kind.plural());
            feed(key);
            feed(&serde_json::to_string(&r.to_json()).unwrap_or_default());
            if let Resource::Dashboard(d) = r {
                feed(&d.dashboard_name);
            }
        }
        // A saved plan carries ARNs and query ids: they must not have moved either.
        for ((kind, key), id) in &self.ids {
            feed(kind.plural());
            feed(key);
            feed(id);
        }
        for ((kind, key), ids) in &self.duplicates {
            feed(kind.plural());
            feed(key);
            ids.iter().for_each(|id| feed(id));
        }
        for ((kind, key), place) in &self.outside {
            feed(kind.plural());
            feed(key);
            feed(place);
        }
        for (kind, key) in &self.unmarked {
            feed("unmarked");
            feed(kind.plural());
            feed(key);
        }
        for (kind, key) in &self.pending {
            feed(kind.plural());
            feed(key);
        }
        for group in &self.missing_log_groups {
            feed("missing log group");
            feed(group);
        }
        for ((kind, key), reason) in &self.conflicts {
            feed(kind.plural());
            feed(key);
            feed(&serde_json::to_string(reason).unwrap_or_default());
        }
        for ((kind, key), r) in &self.adoptable {
            feed(kind.plural());
            feed(key);
            feed(&serde_json::to_string(&r.to_json()).unwrap_or_default());
        }
        format!("{:016x}", hash.finish())
    }
}

/// Reads the live resources of the kinds in `kinds` for `desired`'s environment.
/// Kinds behind different APIs (CloudWatch alarms, SNS, dashboards, Logs)
/// are read at the same time, each into its own part, then merged: their
/// quotas are separate, so the slowest API sets the time, not their sum.
pub async fn read(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
) -> Result<LiveState, AwsError> {
    let wants = |reader: Reader| kinds.iter().any(|k| k.reader() == reader);
    let want_alarms = wants(Reader::Alarms);
    let want_topics = wants(Reader::Topics);
    // One listing serves alarms and topics; each part waits for it only
    // after its own listing, so the three run at the same time.
    let index = tag_index(aws, desired, want_alarms, want_topics).shared();
    let alarm_part = async {
        let mut live = LiveState::default();
        if want_alarms {
            alarms(aws, desired, kinds, index.clone(), &mut live).await?;
        }
        Ok::<_, AwsError>(live)
    };
    let topic_part = async {
        let mut live = LiveState::default();
        if want_topics {
            topics(aws, desired, kinds, index.clone(), &mut live).await?;
        }
        Ok::<_, AwsError>(live)
    };
    let index_part = async {
        if want_alarms || want_topics {
            index.clone().await.map(|i| Some(i.tagged))
        } else {
            Ok(None)
        }
    };
    let dashboard_part = async {
        if wants(Reader::Dashboards) {
            dashboards(aws, desired).await
        } else {
            Ok((Vec::new(), None, None))
        }
    };
    // Filters and queries need the log groups read first: one chain.
    let logs_part = async {
        let mut live = LiveState::default();
        let mut listed = ListedGroups::default();
        if wants(Reader::Logs) {
            listed = log_groups(aws, desired, kinds, &mut live).await?;
        }
        if kinds.contains(&Kind::MetricFilter) {
            metric_filters(aws, desired, &listed, &mut live).await?;
        }
        if kinds.contains(&Kind::QueryDefinition) {
            queries(aws, desired, &mut live).await?;
        }
        Ok::<_, AwsError>(live)
    };
    let mute_part = async {
        let mut live = LiveState::default();
        if wants(Reader::MuteRules) {
            mute_rules(aws, desired, &mut live).await?;
        }
        Ok::<_, AwsError>(live)
    };
    let (alarms, topics, dashboards, logs, mutes, tagged) = futures::try_join!(
        alarm_part,
        topic_part,
        dashboard_part,
        logs_part,
        mute_part,
        index_part
    )?;
    let mut live = LiveState::default();
    for part in [alarms, topics, logs, mutes] {
        live.merge(part);
    }
    live.counts.dashboards = dashboards.1;
    live.counts.dashboards_named = dashboards.2;
    live.counts.tagged = tagged;
    file_dashboards(desired, &mut live, dashboards.0);
    Ok(live)
}

impl LiveState {
    /// Adds a part read on its own (parts hold disjoint kinds).
    fn merge(&mut self, other: LiveState) {
        self.resources.extend(other.resources);
        self.ids.extend(other.ids);
        self.conflicts.extend(other.conflicts);
        self.duplicates.extend(other.duplicates);
        self.outside.extend(other.outside);
        self.unmarked.extend(other.unmarked);
        self.adoptable.extend(other.adoptable);
        self.pending.extend(other.pending);
        self.missing_log_groups.extend(other.missing_log_groups);
        self.counts.add(&other.counts);
    }
}

/// The ownership rules of `desired`'s environment.
fn owner(desired: &DesiredState) -> Owner<'_> {
    Owner {
        project: &desired.project,
        env: &desired.env,
        prefix: &desired.prefix,
        other_prefixes: &desired.other_prefixes,
        claim_untagged: desired.import,
    }
}

/// The names the catalogue generates for `kinds`.
fn generated(desired: &DesiredState, kinds: &[Kind]) -> BTreeSet<String> {
    desired
        .resources
        .keys()
        .filter(|(k, _)| kinds.contains(k))
        .map(|(_, key)| key.clone())
        .collect()
}

impl LiveState {
    /// Files a resource read from AWS under its verdict.
    fn file(&mut self, verdict: Verdict, resource: Resource, id: Option<String>) {
        let key = (resource.kind(), resource.key());
        match verdict {
            Verdict::Owned => {
                if let Some(id) = id {
                    self.ids.insert(key.clone(), id);
                }
                self.resources.insert(key, resource);
            }
            Verdict::NotOurs => {}
            Verdict::Conflict { reason, adoptable } => {
                if adoptable {
                    if let Some(id) = id {
                        self.ids.insert(key.clone(), id);
                    }
                    self.adoptable.insert(key.clone(), resource);
                }
                self.conflicts.insert(key, reason);
            }
        }
    }

    /// True when an owned alarm or topic lacks the environment tag: the
    /// environment was deployed by an obsctl that did not write it, and
    /// dashboards (then untagged) are owned by their generated names.
    fn is_legacy(&self) -> bool {
        self.resources.values().any(|r| match r {
            Resource::MetricAlarm(a) => !a.tags.iter().any(|t| t.key == ENV_TAG),
            Resource::CompositeAlarm(a) => !a.tags.iter().any(|t| t.key == ENV_TAG),
            Resource::LogAlarm(a) => !a.tags.iter().any(|t| t.key == ENV_TAG),
            Resource::Topic(t) => !t.tags.iter().any(|t| t.key == ENV_TAG),
            // Untagged kinds, and dashboards (owned by name when legacy).
            Resource::Subscription(_)
            | Resource::LogGroup(_)
            | Resource::MetricFilter(_)
            | Resource::Dashboard(_)
            | Resource::QueryDefinition(_)
            | Resource::AlarmMuteRule(_) => false,
        })
    }
}

/// A read of something that may have been deleted since it was listed:
/// `None` when AWS says it does not exist.
fn gone_is_none<T>(r: AwsResult<T>) -> AwsResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
