//! Reading live state through the AWS traits, with the fewest calls the APIs
//! allow, and normalizing it into the compiler's canonical resource types.
//!
//! Only resources obsctl owns are returned as live resources: names with the
//! environment's prefix and, where AWS supports tags (alarms, topics), the tag
//! `obsctl:catalogue=<project>`. A prefixed, taggable resource without the tag
//! is a conflict: reported, never changed.

use crate::aws::{Aws, AwsError, AwsResult, LiveAlarm, LiveSubscription, Page};
use crate::compile::{DesiredState, OWNER_TAG};
use crate::resource::canonical::{Fnv, canonical, expand_dashboard_shorthand};
use crate::resource::*;
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
    /// Prefixed resources without the ownership tag, with the reason.
    pub conflicts: BTreeMap<(Kind, String), String>,
    /// Subscriptions waiting for confirmation (no ARN yet).
    pub pending: BTreeSet<(Kind, String)>,
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
        for ((kind, key), reason) in &self.conflicts {
            feed(kind.plural());
            feed(key);
            feed(reason);
        }
        format!("{:016x}", hash.finish())
    }
}

/// Reads the live resources of the kinds in `kinds` for `desired`'s environment.
pub async fn read(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
) -> Result<LiveState, AwsError> {
    let mut live = LiveState::default();
    if kinds.contains(&Kind::MetricAlarm) || kinds.contains(&Kind::CompositeAlarm) {
        alarms(aws, desired, kinds, &mut live).await?;
    }
    if kinds.contains(&Kind::Dashboard) {
        dashboards(aws, desired, &mut live).await?;
    }
    if kinds.contains(&Kind::MetricFilter) {
        metric_filters(aws, desired, &mut live).await?;
    }
    if kinds.contains(&Kind::QueryDefinition) {
        queries(aws, desired, &mut live).await?;
    }
    if kinds.contains(&Kind::Topic) || kinds.contains(&Kind::Subscription) {
        topics(aws, desired, kinds, &mut live).await?;
    }
    Ok(live)
}

fn owned(tags: &[Tag], project: &str) -> bool {
    tags.iter()
        .any(|t| t.key == OWNER_TAG && t.value == project)
}

async fn alarms(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut found = all_pages(aws, "cloudwatch:DescribeAlarms", |next| async move {
        let page = aws
            .cloudwatch
            .describe_alarms(&desired.prefix, next)
            .await?;
        Ok((page.alarms, page.next))
    })
    .await?;
    found.retain(|(_, a)| match a {
        LiveAlarm::Metric(_) => kinds.contains(&Kind::MetricAlarm),
        LiveAlarm::Composite(_) => kinds.contains(&Kind::CompositeAlarm),
    });
    let tagged: Vec<(String, LiveAlarm, Vec<Tag>)> = stream::iter(found)
        .map(|(arn, alarm)| async move {
            let tags = aws
                .call("cloudwatch:ListTagsForResource", || {
                    aws.cloudwatch.list_tags(&arn)
                })
                .await?;
            Ok::<_, AwsError>((arn, alarm, tags))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    for (arn, alarm, tags) in tagged {
        let resource = match alarm {
            LiveAlarm::Metric(mut a) => {
                a.tags = tags.clone();
                Resource::MetricAlarm(a)
            }
            LiveAlarm::Composite(mut a) => {
                a.tags = tags.clone();
                Resource::CompositeAlarm(a)
            }
        };
        let key = (resource.kind(), resource.key());
        if owned(&tags, &desired.project) {
            live.ids.insert(key.clone(), arn);
            live.resources.insert(key, resource);
        } else {
            live.conflicts.insert(
                key,
                format!(
                    "has the prefix `{}` but not the tag {OWNER_TAG}={}",
                    desired.prefix, desired.project
                ),
            );
        }
    }
    Ok(())
}

/// Parses a stored dashboard body into canonical form.
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
    }
}

async fn dashboards(
    aws: &Aws,
    desired: &DesiredState,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut names = all_pages(aws, "cloudwatch:ListDashboards", |next| {
        aws.cloudwatch.list_dashboards(&desired.prefix, next)
    })
    .await?;
    names.retain(|n| n.starts_with(&desired.prefix));
    let bodies: Vec<(String, String)> = stream::iter(names)
        .map(|name| async move {
            let body = aws
                .call("cloudwatch:GetDashboard", || {
                    aws.cloudwatch.get_dashboard(&name)
                })
                .await?;
            Ok::<_, AwsError>((name, body))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    for (name, raw) in bodies {
        let r = Resource::Dashboard(normalize_dashboard(&name, &raw));
        live.resources.insert((Kind::Dashboard, name), r);
    }
    Ok(())
}

async fn metric_filters(
    aws: &Aws,
    desired: &DesiredState,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut groups: BTreeSet<String> = desired
        .resources
        .values()
        .filter_map(|r| match r {
            Resource::MetricFilter(f) => Some(f.log_group_name.clone()),
            _ => None,
        })
        .collect();
    // Log groups of services no longer in the catalogue: those the
    // environment's pattern matches, found by its literal prefix.
    if let Some((prefix, _)) = desired.log_group_pattern.split_once('\u{0}')
        && !prefix.is_empty()
    {
        groups.extend(
            all_pages(aws, "logs:DescribeLogGroups", |next| {
                aws.logs.describe_log_groups(prefix, next)
            })
            .await?,
        );
    }
    let filters: Vec<Vec<MetricFilter>> = stream::iter(groups)
        .map(|group| async move {
            all_pages(aws, "logs:DescribeMetricFilters", |next| {
                let group = group.clone();
                async move {
                    // A log group deleted meanwhile has no filters.
                    match aws
                        .logs
                        .describe_metric_filters(&group, &desired.prefix, next)
                        .await
                    {
                        Err(e) if e.is_not_found() => Ok((Vec::new(), None)),
                        other => other,
                    }
                }
            })
            .await
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    for f in filters
        .into_iter()
        .flatten()
        .filter(|f| f.filter_name.starts_with(&desired.prefix))
    {
        let r = Resource::MetricFilter(f);
        live.resources.insert((Kind::MetricFilter, r.key()), r);
    }
    Ok(())
}

async fn queries(aws: &Aws, desired: &DesiredState, live: &mut LiveState) -> Result<(), AwsError> {
    let found = all_pages(aws, "logs:DescribeQueryDefinitions", |next| {
        aws.logs
            .describe_query_definitions(&desired.query_prefix, next)
    })
    .await?;
    for (id, mut q) in found
        .into_iter()
        .filter(|(_, q)| q.name.starts_with(&desired.query_prefix))
    {
        q.log_group_names.sort();
        let key = (Kind::QueryDefinition, q.name.clone());
        live.ids.insert(key.clone(), id);
        live.resources.insert(key, Resource::QueryDefinition(q));
    }
    Ok(())
}

/// A subscription with its topic's name and its managed attributes.
type TopicSubscription = (String, LiveSubscription, BTreeMap<String, String>);

/// Topic attributes obsctl manages; SNS returns many more.
const TOPIC_ATTRIBUTES: [&str; 2] = ["DisplayName", "KmsMasterKeyId"];

async fn topics(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut arns = all_pages(aws, "sns:ListTopics", |next| aws.sns.list_topics(next)).await?;
    arns.retain(|arn| topic_name(arn).starts_with(&desired.prefix));
    let details: Vec<(String, BTreeMap<String, String>, Vec<Tag>)> = stream::iter(arns)
        .map(|arn| async move {
            let attrs = aws
                .call("sns:GetTopicAttributes", || aws.sns.topic_attributes(&arn))
                .await?;
            let tags = aws
                .call("sns:ListTagsForResource", || aws.sns.list_tags(&arn))
                .await?;
            Ok::<_, AwsError>((arn, attrs, tags))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut owned_topics = Vec::new();
    for (arn, attrs, tags) in details {
        let name = topic_name(&arn).to_string();
        let key = (Kind::Topic, name.clone());
        if !owned(&tags, &desired.project) {
            live.conflicts.insert(
                key,
                format!(
                    "has the prefix `{}` but not the tag {OWNER_TAG}={}",
                    desired.prefix, desired.project
                ),
            );
            continue;
        }
        let attributes = attrs
            .into_iter()
            .filter(|(k, v)| TOPIC_ATTRIBUTES.contains(&k.as_str()) && !v.is_empty())
            .collect();
        live.ids.insert(key.clone(), arn.clone());
        if kinds.contains(&Kind::Topic) {
            live.resources.insert(
                key,
                Resource::Topic(Topic {
                    name: name.clone(),
                    attributes,
                    tags,
                }),
            );
        }
        owned_topics.push((arn, name));
    }
    if !kinds.contains(&Kind::Subscription) {
        return Ok(());
    }
    let subs: Vec<Vec<TopicSubscription>> = stream::iter(owned_topics)
        .map(|(arn, name)| async move {
            let subs = all_pages(aws, "sns:ListSubscriptionsByTopic", |next| {
                aws.sns.list_subscriptions(&arn, next)
            })
            .await?;
            let mut out = Vec::new();
            for sub in subs {
                let attributes = if sub.pending() {
                    BTreeMap::new()
                } else {
                    let all = aws
                        .call("sns:GetSubscriptionAttributes", || {
                            aws.sns.subscription_attributes(&sub.arn)
                        })
                        .await?;
                    all.into_iter()
                        .filter(|(k, v)| k == "RawMessageDelivery" && v == "true")
                        .collect()
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

/// Every page of a paginated call: `fetch(next_token)` until there is no
/// next token, each page through [`Aws::call`] (rate limit, count, retries).
async fn all_pages<T, F, Fut>(
    aws: &Aws,
    api: &'static str,
    mut fetch: F,
) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = AwsResult<Page<T>>>,
{
    let mut all = Vec::new();
    let mut next = None;
    loop {
        let (page, token) = aws.call(api, || fetch(next.clone())).await?;
        all.extend(page);
        next = token;
        if next.is_none() {
            return Ok(all);
        }
    }
}

/// The name part of a topic ARN.
pub fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}
