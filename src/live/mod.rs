//! Reading live state through the AWS traits, with the fewest calls the APIs
//! allow, and normalizing it into the compiler's canonical resource types.
//!
//! Ownership tags of alarms and topics come in bulk from the tagging API
//! ([`tag_index`]: GetResources, 100 per page) rather than one
//! ListTagsForResource per resource; DescribeAlarms and ListTopics stay the
//! source of existence. Dashboards' tags are read one by one: the tagging
//! API's documentation does not list CloudWatch dashboards among the
//! resources it returns.
//!
//! Only resources obsctl owns are returned as live resources; [`ownership`]
//! decides, from names and (where AWS has them) tags. A prefixed resource
//! obsctl does not own is a conflict: reported, never changed (unless
//! adopted with `--adopt`). Another environment's resources are not read.

use crate::aws::{Aws, AwsError, AwsResult, LiveAlarm, LiveSubscription, all_pages, pages_within};
use crate::compile::DesiredState;
use crate::floor::ReadCounts;
use crate::kinds::Reader;
use crate::ownership::{ConflictReason, ENV_TAG, OWNER_TAG, Owner, Verdict};
use crate::resource::canonical::{Fnv, canonical, expand_dashboard_shorthand, json_attribute};
use crate::resource::*;
use futures::FutureExt;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

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
            Ok((Vec::new(), None))
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
    let (alarms, topics, dashboards, logs, tagged) = futures::try_join!(
        alarm_part,
        topic_part,
        dashboard_part,
        logs_part,
        index_part
    )?;
    let mut live = LiveState::default();
    for part in [alarms, topics, logs] {
        live.merge(part);
    }
    live.counts.dashboards = dashboards.1;
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
            Resource::Topic(t) => !t.tags.iter().any(|t| t.key == ENV_TAG),
            // Untagged kinds, and dashboards (owned by name when legacy).
            Resource::Subscription(_)
            | Resource::LogGroup(_)
            | Resource::MetricFilter(_)
            | Resource::Dashboard(_)
            | Resource::QueryDefinition(_) => false,
        })
    }
}

/// The tagging API's answer: ARN → tags of this catalogue's and
/// environment's alarms and topics.
#[derive(Debug, Clone, Default)]
struct TagIndex {
    tags: BTreeMap<String, Vec<Tag>>,
    /// Resources listed (T of the floor).
    tagged: u64,
}

impl TagIndex {
    /// True for a resource the index does not list and whose name belongs
    /// to a longer prefix of another environment: whatever its tags, it is
    /// not this environment's (see [`Owner::tagged`]: only this
    /// environment's two tags would make it ours, and then the index lists
    /// it), so its tags are not read. It would be misjudged only while the
    /// index lags behind a resource this environment just tagged under such
    /// a name (a service since removed from the catalogue): its prune then
    /// waits for a later plan.
    fn not_ours(&self, arn: &str, name: &str, owner: &Owner, names: &BTreeSet<String>) -> bool {
        !self.tags.contains_key(arn) && !owner.by_name(name, names)
    }
}

/// Lists, with GetResources, the alarms and topics tagged for this catalogue
/// and environment (both tags as `TagFilters`, so another environment's
/// resources are not even listed).
async fn tag_index(
    aws: &Aws,
    desired: &DesiredState,
    alarms: bool,
    topics: bool,
) -> Result<TagIndex, AwsError> {
    let mut types = Vec::new();
    if alarms {
        types.push("cloudwatch:alarm");
    }
    if topics {
        types.push("sns");
    }
    if types.is_empty() {
        return Ok(TagIndex::default());
    }
    let filters = [
        Tag {
            key: OWNER_TAG.to_string(),
            value: desired.project.clone(),
        },
        Tag {
            key: ENV_TAG.to_string(),
            value: desired.env.clone(),
        },
    ];
    let (types, filters) = (&types, &filters);
    let found = all_pages(|next| aws.tagging().get_resources(types, filters, next)).await?;
    Ok(TagIndex {
        tagged: found.len() as u64,
        tags: found.into_iter().collect(),
    })
}

/// The tags of the resource `arn` named `key`: the index's when they are
/// exactly the tags the catalogue wants for it, else read from the resource
/// itself with `read` (the index may lag, list a resource deleted since, or
/// hold an old value; and a resource obsctl would delete or treat as a
/// conflict is judged on its own tags, never on the index's).
async fn settled_tags<F, Fut>(
    index: &TagIndex,
    desired: Option<&Resource>,
    arn: &str,
    read: F,
) -> AwsResult<Option<Vec<Tag>>>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = AwsResult<Vec<Tag>>>,
{
    let wanted = desired.map(|r| {
        let mut t = r.tags().to_vec();
        t.sort();
        t
    });
    if let (Some(indexed), Some(wanted)) = (index.tags.get(arn), wanted)
        && *indexed == wanted
    {
        return Ok(Some(indexed.clone()));
    }
    gone_is_none(read().await)
}

async fn alarms(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    index: impl std::future::Future<Output = Result<TagIndex, AwsError>>,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut found = all_pages(|next| async move {
        let page = aws
            .cloudwatch()
            .describe_alarms(&desired.prefix, next)
            .await?;
        Ok((page.alarms, page.next))
    })
    .await?;
    live.counts.alarms = Some(found.len() as u64);
    found.retain(|(_, a)| match a {
        LiveAlarm::Metric(_) => kinds.contains(&Kind::MetricAlarm),
        LiveAlarm::Composite(_) => kinds.contains(&Kind::CompositeAlarm),
    });
    let index = &index.await?;
    let owner = &owner(desired);
    let names = &generated(desired, &[Kind::MetricAlarm, Kind::CompositeAlarm]);
    let tagged: Vec<Option<(String, LiveAlarm, Vec<Tag>)>> = stream::iter(found)
        .map(|(arn, alarm)| async move {
            if index.not_ours(&arn, alarm.name(), owner, names) {
                return Ok(None);
            }
            let kind = match alarm {
                LiveAlarm::Metric(_) => Kind::MetricAlarm,
                LiveAlarm::Composite(_) => Kind::CompositeAlarm,
            };
            let wanted = desired.resources.get(&(kind, alarm.name().to_string()));
            // Deleted between DescribeAlarms and now: it is gone, not an error.
            let tags =
                settled_tags(index, wanted, &arn, || aws.cloudwatch().list_tags(&arn)).await?;
            Ok::<_, AwsError>(tags.map(|tags| (arn, alarm, tags)))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    for (arn, alarm, tags) in tagged.into_iter().flatten() {
        let verdict = owner.tagged(alarm.name(), &tags, names, false);
        let resource = match alarm {
            LiveAlarm::Metric(mut a) => {
                a.tags = tags;
                Resource::MetricAlarm(a)
            }
            LiveAlarm::Composite(mut a) => {
                a.tags = tags;
                Resource::CompositeAlarm(a)
            }
        };
        live.file(verdict, resource, Some(arn));
    }
    Ok(())
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

/// Parses a stored dashboard body into canonical form (tags empty).
pub fn normalize_dashboard(name: &str, raw: &str) -> Dashboard {
    let body = match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(mut v) => {
            expand_dashboard_shorthand(&mut v);
            canonical(v)
        }
        Err(_) => serde_json::Value::String(raw.to_string()),
    };
    Dashboard {
        dashboard_name: name.to_string(),
        body,
        tags: Vec::new(),
    }
}

/// A dashboard as read: name, body, tags.
type DashboardRead = (String, String, Vec<Tag>);

/// Reads the environment's dashboards (bodies of those that may be ours),
/// and how many have the prefix (D of the floor).
async fn dashboards(
    aws: &Aws,
    desired: &DesiredState,
) -> Result<(Vec<DashboardRead>, Option<u64>), AwsError> {
    let mut names =
        all_pages(|next| aws.cloudwatch().list_dashboards(&desired.prefix, next)).await?;
    let owner = &owner(desired);
    let generated = &generated(desired, &[Kind::Dashboard]);
    names.retain(|n| n.starts_with(&desired.prefix));
    let count = names.len() as u64;
    let read: Vec<Option<(String, String, Vec<Tag>)>> = stream::iter(names)
        .map(|name| async move {
            let arn = dashboard_arn(&desired.region, &desired.account, &name);
            let tags = gone_is_none(aws.cloudwatch().list_tags(&arn).await)?;
            let Some(tags) = tags else {
                return Ok(None);
            };
            // Another environment's: its body is not read.
            if owner.tagged(&name, &tags, generated, true) == Verdict::NotOurs {
                return Ok(None);
            }
            let body = gone_is_none(aws.cloudwatch().get_dashboard(&name).await)?;
            Ok::<_, AwsError>(body.map(|body| (name, body, tags)))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    Ok((read.into_iter().flatten().collect(), Some(count)))
}

/// Files the dashboards read, once alarms and topics are known: their
/// ownership depends on whether the environment is a legacy one.
fn file_dashboards(desired: &DesiredState, live: &mut LiveState, read: Vec<DashboardRead>) {
    let owner = &owner(desired);
    let generated = &generated(desired, &[Kind::Dashboard]);
    let legacy = live.is_legacy();
    for (name, raw, tags) in read {
        let verdict = owner.tagged(&name, &tags, generated, legacy);
        let mut dashboard = normalize_dashboard(&name, &raw);
        dashboard.tags = tags;
        live.file(verdict, Resource::Dashboard(dashboard), None);
    }
}

/// Which of the log groups the planned filters and queries read exist. They
/// are listed by their longest common name prefix (DescribeLogGroups, 50 per
/// page: one call for a typical environment whose groups share
/// `/ecs/<project>/<env>/`); without a useful common prefix, one listing
/// per group. An existing group is never compared: obsctl does not change
/// log groups that exist, so with `log_groups: create` it is recorded as
/// live exactly as desired.
async fn log_groups(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    live: &mut LiveState,
) -> Result<ListedGroups, AwsError> {
    let needed: Vec<&String> = desired
        .log_group_users
        .iter()
        .filter(|(_, users)| {
            kinds.contains(&Kind::LogGroup) || users.iter().any(|(k, _)| kinds.contains(k))
        })
        .map(|(group, _)| group)
        .collect();
    let common = common_prefix(&needed);
    let prefixes: Vec<&str> = if needed.len() > 1 && common.len() >= 2 {
        vec![common]
    } else {
        needed.iter().map(|g| g.as_str()).collect()
    };
    let by_prefix = prefixes.len() == 1 && needed.len() > 1;
    let listed: Vec<Vec<String>> = stream::iter(prefixes)
        .map(|prefix| all_pages(move |next| aws.logs().describe_log_groups(prefix, next)))
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let existing: BTreeSet<String> = listed.into_iter().flatten().collect();
    let result = ListedGroups {
        groups: existing.clone(),
        by_prefix,
    };
    for group in needed {
        if !existing.contains(group) {
            live.missing_log_groups.insert(group.clone());
            continue;
        }
        let key = (Kind::LogGroup, group.clone());
        if let Some(r) = desired.resources.get(&key) {
            live.resources.insert(key, r.clone());
        }
    }
    Ok(result)
}

/// The longest prefix all `names` share (at a character boundary).
fn common_prefix<'a>(names: &[&'a String]) -> &'a str {
    let Some(first) = names.first() else {
        return "";
    };
    let mut end = first.len();
    for n in names {
        end = first
            .char_indices()
            .zip(n.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((i, a), _)| i + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(end);
    }
    first.get(..end).unwrap_or("")
}

/// The log groups found by [`log_groups`].
#[derive(Debug, Clone, Default)]
struct ListedGroups {
    /// Existing groups listed.
    groups: BTreeSet<String>,
    /// Listed by the catalogue's common prefix: the list also holds groups
    /// under it the catalogue no longer names.
    by_prefix: bool,
}

/// Metric filters, in the fewer calls of two reads (DescribeMetricFilters,
/// 50 per page):
///
/// - account-wide (no log group): ⌈filters in the account / 50⌉ calls; it
///   also finds the filters of a removed service whatever its log group;
/// - per log group: one call per listed group (more for a group with over
///   50 filters); it finds removed services' filters only in groups under
///   the catalogue's common log-group prefix, so it is used only when the
///   groups were listed by that prefix.
///
/// The account's filter count is unknown before reading, but it is at least
/// the catalogue's: per group is chosen when that alone makes it cheaper
/// (G < ⌈desired filters / 50⌉, i.e. over 50 filters per group). Otherwise
/// the account-wide read runs with a budget of G pages; an account whose
/// other filters would exceed it (many filters of other tools) falls back to
/// per group, so a read never costs more than twice the cheaper one.
/// AWS accepts `filterNamePrefix` only with a log group; the prefix is
/// applied here instead.
async fn metric_filters(
    aws: &Aws,
    desired: &DesiredState,
    listed: &ListedGroups,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let wanted = desired
        .resources
        .keys()
        .filter(|(k, _)| *k == Kind::MetricFilter)
        .count() as u64;
    let groups = listed.groups.len() as u64;
    let per_group_possible = listed.by_prefix;
    let mut filters = None;
    if !(per_group_possible && groups < wanted.div_ceil(50)) {
        let budget = if per_group_possible {
            groups.max(1)
        } else {
            u64::MAX
        };
        filters = pages_within(budget, |next| {
            aws.logs().describe_metric_filters(None, next)
        })
        .await?;
    }
    let filters = match filters {
        Some((filters, _)) => {
            live.counts.filters_in_account = Some(filters.len() as u64);
            filters
        }
        None => {
            let per_group: Vec<(Vec<MetricFilter>, u64)> = stream::iter(&listed.groups)
                .map(|g| async move {
                    let read = pages_within(u64::MAX, |next| {
                        aws.logs().describe_metric_filters(Some(g), next)
                    })
                    .await?;
                    Ok::<_, AwsError>(read.unwrap_or_default())
                })
                .buffered(CONCURRENCY)
                .try_collect()
                .await?;
            per_group.into_iter().flat_map(|(f, _)| f).collect()
        }
    };
    live.counts.log_groups_read = Some(groups);
    let owner = owner(desired);
    let generated: BTreeSet<String> = desired
        .resources
        .values()
        .filter_map(|r| {
            let Resource::MetricFilter(f) = r else {
                return None;
            };
            Some(f.filter_name.clone())
        })
        .collect();
    for f in filters {
        let verdict = owner.untagged_kind(&f.filter_name, &generated);
        live.file(verdict, Resource::MetricFilter(f), None);
    }
    Ok(())
}

async fn queries(aws: &Aws, desired: &DesiredState, live: &mut LiveState) -> Result<(), AwsError> {
    let found = all_pages(|next| {
        aws.logs()
            .describe_query_definitions(&desired.query_prefix, next)
    })
    .await?;
    live.counts.queries = Some(found.len() as u64);
    let owner = Owner {
        prefix: &desired.query_prefix,
        other_prefixes: &desired.other_query_prefixes,
        ..owner(desired)
    };
    let generated = generated(desired, &[Kind::QueryDefinition]);
    let mut by_name: BTreeMap<String, Vec<(String, QueryDefinition)>> = BTreeMap::new();
    for (id, mut q) in found {
        if owner.untagged_kind(&q.name, &generated) == Verdict::Owned {
            q.log_group_names.sort();
            by_name.entry(q.name.clone()).or_default().push((id, q));
        }
    }
    for (name, mut copies) in by_name {
        if copies.len() > 1 {
            // Saved queries are identified by id, not name: with two of the
            // same name obsctl cannot tell which one it manages.
            copies.sort_by(|a, b| a.0.cmp(&b.0));
            let ids: Vec<String> = copies.iter().map(|(id, _)| id.clone()).collect();
            live.conflicts.insert(
                (Kind::QueryDefinition, name),
                ConflictReason::DuplicateQueries { ids },
            );
            continue;
        }
        if let Some((id, q)) = copies.pop() {
            live.file(Verdict::Owned, Resource::QueryDefinition(q), Some(id));
        }
    }
    Ok(())
}

/// A subscription with its topic's name and its managed attributes (`None`
/// marks a topic without subscriptions).
type TopicSubscription = (String, Option<LiveSubscription>, BTreeMap<String, String>);

/// A topic as read: ARN, attributes, tags.
type TopicRead = (String, BTreeMap<String, String>, Vec<Tag>);

/// Topic attributes obsctl always manages; SNS returns many more.
const TOPIC_ATTRIBUTES: [&str; 2] = ["DisplayName", "KmsMasterKeyId"];
/// Topic attributes compared only when the catalogue declares them (SNS
/// gives every topic a default access policy).
const DECLARED_TOPIC_ATTRIBUTES: [&str; 2] = ["Policy", "DeliveryPolicy"];

/// The subscription attributes obsctl manages, in canonical form: absent
/// in the catalogue means absent live, so a hand-added filter or redrive
/// policy shows as drift. SNS reports `FilterPolicyScope` only while a
/// filter policy is set (moto PR #7251, checked against AWS).
fn managed_subscription_attributes(all: BTreeMap<String, String>) -> BTreeMap<String, String> {
    let has_filter = all.get("FilterPolicy").is_some_and(|v| !v.is_empty());
    all.into_iter()
        .filter_map(|(k, v)| match k.as_str() {
            "RawMessageDelivery" if v == "true" => Some((k, v)),
            "FilterPolicy" | "RedrivePolicy" if !v.is_empty() => {
                let v = json_attribute(&v);
                Some((k, v))
            }
            "FilterPolicyScope" if has_filter && !v.is_empty() => Some((k, v)),
            _ => None,
        })
        .collect()
}

async fn topics(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    index: impl std::future::Future<Output = Result<TagIndex, AwsError>>,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut arns = all_pages(|next| aws.sns().list_topics(next)).await?;
    live.counts.topics_in_account = Some(arns.len() as u64);
    arns.retain(|arn| topic_name(arn).starts_with(&desired.prefix));
    let owner = &owner(desired);
    let generated = &generated(desired, &[Kind::Topic]);
    let index = &index.await?;
    let details: Vec<Option<TopicRead>> = stream::iter(arns)
        .map(|arn| async move {
            let name = topic_name(&arn).to_string();
            if index.not_ours(&arn, &name, owner, generated) {
                return Ok(None);
            }
            let wanted = desired.resources.get(&(Kind::Topic, name.clone()));
            let tags = settled_tags(index, wanted, &arn, || aws.sns().list_tags(&arn)).await?;
            let Some(tags) = tags else {
                return Ok(None);
            };
            // Another environment's: its attributes are not read.
            if owner.tagged(&name, &tags, generated, false) == Verdict::NotOurs {
                return Ok(None);
            }
            let attrs = gone_is_none(aws.sns().topic_attributes(&arn).await)?;
            Ok::<_, AwsError>(attrs.map(|attrs| (arn, attrs, tags)))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut owned_topics = Vec::new();
    for (arn, attrs, tags) in details.into_iter().flatten() {
        let name = topic_name(&arn).to_string();
        let verdict = owner.tagged(&name, &tags, generated, false);
        if verdict == Verdict::Owned {
            owned_topics.push((arn.clone(), name.clone()));
        }
        let declared = match desired.resources.get(&(Kind::Topic, name.clone())) {
            Some(Resource::Topic(t)) => Some(&t.attributes),
            _ => None,
        };
        let attributes = attrs
            .into_iter()
            .filter(|(k, v)| {
                !v.is_empty()
                    && (TOPIC_ATTRIBUTES.contains(&k.as_str())
                        || (DECLARED_TOPIC_ATTRIBUTES.contains(&k.as_str())
                            && declared.is_some_and(|d| d.contains_key(k))))
            })
            .map(|(k, v)| {
                let v = if DECLARED_TOPIC_ATTRIBUTES.contains(&k.as_str()) {
                    json_attribute(&v)
                } else {
                    v
                };
                (k, v)
            })
            .collect();
        let topic = Resource::Topic(Topic {
            name,
            attributes,
            tags,
        });
        if kinds.contains(&Kind::Topic) || verdict != Verdict::Owned {
            live.file(verdict, topic, Some(arn));
        } else {
            // Subscriptions only: the topic's ARN is needed, not the topic.
            live.ids.insert((Kind::Topic, topic.key()), arn);
        }
    }
    live.counts.owned_topics = Some(owned_topics.len() as u64);
    if !kinds.contains(&Kind::Subscription) {
        return Ok(());
    }
    let subs: Vec<Vec<TopicSubscription>> = stream::iter(owned_topics)
        .map(|(arn, name)| async move {
            let subs = all_pages(|next| aws.sns().list_subscriptions(&arn, next)).await?;
            let mut out = Vec::new();
            if subs.is_empty() {
                out.push((name.clone(), None, BTreeMap::new()));
            }
            for sub in subs {
                let attributes = if sub.pending() {
                    BTreeMap::new()
                } else {
                    // Unsubscribed since listed: gone, not an error.
                    match gone_is_none(aws.sns().subscription_attributes(&sub.arn).await)? {
                        Some(all) => managed_subscription_attributes(all),
                        None => continue,
                    }
                };
                out.push((name.clone(), Some(sub), attributes));
            }
            Ok::<_, AwsError>(out)
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    // ListSubscriptionsByTopic: 100 per page, one call even for none.
    let pages = subs.iter().map(|topic| {
        let listed = topic.iter().filter(|(_, s, _)| s.is_some()).count() as u64;
        listed.div_ceil(100).max(1)
    });
    live.counts.subscription_pages = Some(pages.sum());
    let mut confirmed = 0;
    for (topic, sub, attributes) in subs.into_iter().flatten() {
        let Some(sub) = sub else {
            continue;
        };
        if !sub.pending() {
            confirmed += 1;
        }
        let r = Subscription {
            topic_name: topic,
            protocol: sub.protocol.clone(),
            endpoint: sub.endpoint.clone(),
            attributes,
            optional: false,
            external: false,
        };
        let key = (Kind::Subscription, r.key());
        if sub.pending() {
            live.pending.insert(key.clone());
        } else {
            live.ids.insert(key.clone(), sub.arn.clone());
        }
        live.resources.insert(key, Resource::Subscription(r));
    }
    live.counts.confirmed_subscriptions = Some(confirmed);
    Ok(())
}

/// The name part of a topic ARN.
pub fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}
