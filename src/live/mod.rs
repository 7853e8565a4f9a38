//! Reading live state through the AWS traits, with the fewest calls the APIs
//! allow, and normalizing it into the compiler's canonical resource types.
//!
//! Only resources obsctl owns are returned as live resources; [`ownership`]
//! decides, from names and (where AWS has them) tags. A prefixed resource
//! obsctl does not own is a conflict: reported, never changed (unless
//! adopted with `--adopt`). Another environment's resources are not read.

pub mod ownership;

use crate::aws::{Aws, AwsError, AwsResult, LiveAlarm, LiveSubscription, all_pages};
use crate::compile::{DesiredState, ENV_TAG};
use crate::resource::canonical::{Fnv, canonical, expand_dashboard_shorthand, json_attribute};
use crate::resource::*;
use futures::stream::{self, StreamExt, TryStreamExt};
use ownership::{Owner, Verdict};
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
    pub conflicts: BTreeMap<(Kind, String), String>,
    /// Conflicts `--adopt` may take over (untagged, with a name the catalogue
    /// generates), as read; their ids are in [`Self::ids`].
    pub adoptable: BTreeMap<(Kind, String), Resource>,
    /// Subscriptions waiting for confirmation (no ARN yet).
    pub pending: BTreeSet<(Kind, String)>,
    /// Log groups that filters or queries read and that do not exist.
    pub missing_log_groups: BTreeSet<String>,
}

impl LiveState {
    /// A stable fingerprint of everything read (FNV-1a over canonical JSON),
    /// used to refuse a saved plan when live state moved since.
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
            feed(reason);
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
    let wants = |list: &[Kind]| list.iter().any(|k| kinds.contains(k));
    let alarm_part = async {
        let mut live = LiveState::default();
        if wants(&[Kind::MetricAlarm, Kind::CompositeAlarm]) {
            alarms(aws, desired, kinds, &mut live).await?;
        }
        Ok::<_, AwsError>(live)
    };
    let topic_part = async {
        let mut live = LiveState::default();
        if wants(&[Kind::Topic, Kind::Subscription]) {
            topics(aws, desired, kinds, &mut live).await?;
        }
        Ok::<_, AwsError>(live)
    };
    let dashboard_part = async {
        if kinds.contains(&Kind::Dashboard) {
            dashboards(aws, desired).await
        } else {
            Ok(Vec::new())
        }
    };
    // Filters and queries need the log groups read first: one chain.
    let logs_part = async {
        let mut live = LiveState::default();
        if wants(&[Kind::LogGroup, Kind::MetricFilter, Kind::QueryDefinition]) {
            log_groups(aws, desired, kinds, &mut live).await?;
        }
        if kinds.contains(&Kind::MetricFilter) {
            metric_filters(aws, desired, &mut live).await?;
        }
        if kinds.contains(&Kind::QueryDefinition) {
            queries(aws, desired, &mut live).await?;
        }
        Ok::<_, AwsError>(live)
    };
    let (alarms, topics, dashboards, logs) =
        futures::try_join!(alarm_part, topic_part, dashboard_part, logs_part)?;
    let mut live = LiveState::default();
    for part in [alarms, topics, logs] {
        live.merge(part);
    }
    file_dashboards(desired, &mut live, dashboards);
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
            _ => false,
        })
    }
}

async fn alarms(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
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
    found.retain(|(_, a)| match a {
        LiveAlarm::Metric(_) => kinds.contains(&Kind::MetricAlarm),
        LiveAlarm::Composite(_) => kinds.contains(&Kind::CompositeAlarm),
    });
    let tagged: Vec<Option<(String, LiveAlarm, Vec<Tag>)>> = stream::iter(found)
        .map(|(arn, alarm)| async move {
            // Deleted between DescribeAlarms and now: it is gone, not an error.
            let tags = gone_is_none(aws.cloudwatch().list_tags(&arn).await)?;
            Ok::<_, AwsError>(tags.map(|tags| (arn, alarm, tags)))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let owner = owner(desired);
    let names = generated(desired, &[Kind::MetricAlarm, Kind::CompositeAlarm]);
    for (arn, alarm, tags) in tagged.into_iter().flatten() {
        let verdict = owner.tagged(alarm.name(), &tags, &names, false);
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

/// Reads the environment's dashboards (bodies of those that may be ours).
async fn dashboards(aws: &Aws, desired: &DesiredState) -> Result<Vec<DashboardRead>, AwsError> {
    let mut names =
        all_pages(|next| aws.cloudwatch().list_dashboards(&desired.prefix, next)).await?;
    let owner = &owner(desired);
    let generated = &generated(desired, &[Kind::Dashboard]);
    names.retain(|n| n.starts_with(&desired.prefix));
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
    Ok(read.into_iter().flatten().collect())
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
) -> Result<(), AwsError> {
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
    let listed: Vec<Vec<String>> = stream::iter(prefixes)
        .map(|prefix| all_pages(move |next| aws.logs().describe_log_groups(prefix, next)))
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let existing: BTreeSet<String> = listed.into_iter().flatten().collect();
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
    Ok(())
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

/// Metric filters are found account-wide (DescribeMetricFilters without a
/// log group: 50 per page, so ⌈filters in the account / 50⌉ calls), so the
/// filters of a removed service are found whatever their log group.
/// AWS accepts `filterNamePrefix` only with a log group; the prefix is
/// applied here instead.
async fn metric_filters(
    aws: &Aws,
    desired: &DesiredState,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let filters = all_pages(|next| aws.logs().describe_metric_filters(None, next)).await?;
    let owner = owner(desired);
    let generated: BTreeSet<String> = desired
        .resources
        .values()
        .filter_map(|r| match r {
            Resource::MetricFilter(f) => Some(f.filter_name.clone()),
            _ => None,
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
            let ids: Vec<&str> = copies.iter().map(|(id, _)| id.as_str()).collect();
            live.conflicts.insert(
                (Kind::QueryDefinition, name),
                format!(
                    "{} saved queries share this name (ids {}); delete all but one in the console",
                    copies.len(),
                    ids.join(", ")
                ),
            );
            continue;
        }
        if let Some((id, q)) = copies.pop() {
            live.file(Verdict::Owned, Resource::QueryDefinition(q), Some(id));
        }
    }
    Ok(())
}

/// A subscription with its topic's name and its managed attributes.
type TopicSubscription = (String, LiveSubscription, BTreeMap<String, String>);

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
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut arns = all_pages(|next| aws.sns().list_topics(next)).await?;
    arns.retain(|arn| topic_name(arn).starts_with(&desired.prefix));
    let owner = owner(desired);
    let generated = generated(desired, &[Kind::Topic]);
    let details: Vec<Option<TopicRead>> = stream::iter(arns)
        .map(|arn| async move {
            let Some(tags) = gone_is_none(aws.sns().list_tags(&arn).await)? else {
                return Ok(None);
            };
            let attrs = gone_is_none(aws.sns().topic_attributes(&arn).await)?;
            Ok::<_, AwsError>(attrs.map(|attrs| (arn, attrs, tags)))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut owned_topics = Vec::new();
    for (arn, attrs, tags) in details.into_iter().flatten() {
        let name = topic_name(&arn).to_string();
        let verdict = owner.tagged(&name, &tags, &generated, false);
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
    if !kinds.contains(&Kind::Subscription) {
        return Ok(());
    }
    let subs: Vec<Vec<TopicSubscription>> = stream::iter(owned_topics)
        .map(|(arn, name)| async move {
            let subs = all_pages(|next| aws.sns().list_subscriptions(&arn, next)).await?;
            let mut out = Vec::new();
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
                out.push((name.clone(), sub, attributes));
            }
            Ok::<_, AwsError>(out)
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    for (topic, sub, attributes) in subs.into_iter().flatten() {
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
    Ok(())
}

/// The name part of a topic ARN.
pub fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}
