//! SNS: topics (ListTopics, tags settled from the tagging index, managed
//! attributes) and their subscriptions.

use super::tags::{TagIndex, settled_tags};
use super::{CONCURRENCY, LiveState, generated, gone_is_none, owner};
use crate::aws::{Aws, AwsError, LiveSubscription, all_pages};
use crate::compile::DesiredState;
use crate::ownership::Verdict;
use crate::resource::canonical::json_attribute;
use crate::resource::*;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, BTreeSet};

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

pub(super) async fn topics(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    index: impl std::future::Future<Output = Result<TagIndex, AwsError>>,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut arns = all_pages(|next| aws.sns().list_topics(next)).await?;
    live.counts.topics_in_account = Some(arns.len() as u64);
    let owner = &owner(desired);
    let generated = &generated(desired, &[Kind::Topic]);
    let index = &index.await?;
    // Under the prefix; or named outside it by the catalogue (a topic's
    // `name`), or listed by the tagging index as this environment's (such
    // a name since dropped, to be deleted).
    arns.retain(|arn| {
        let name = topic_name(arn);
        name.starts_with(&desired.prefix) || generated.contains(name) || index.lists(arn)
    });
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
        // An adoptable topic's subscriptions are read too: `--adopt`
        // takes the topic over with them, as they are (the floor counts
        // these topics with the owned ones).
        if matches!(
            verdict,
            Verdict::Owned
                | Verdict::Conflict {
                    adoptable: true,
                    ..
                }
        ) {
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
        let topic = Resource::Topic(Box::new(Topic {
            name,
            attributes,
            tags,
        }));
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
        live.resources
            .insert(key, Resource::Subscription(Box::new(r)));
    }
    live.counts.confirmed_subscriptions = Some(confirmed);
    Ok(())
}

/// The name part of a topic ARN.
pub fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}
