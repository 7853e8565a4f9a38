//! SNS: topics, their attributes and tags, and subscriptions (pending until
//! confirmed, raw delivery only where AWS allows it).

use super::*;

impl FakeAws {
    /// The endpoint confirms its pending subscriptions (what visiting the
    /// SubscribeURL does on AWS).
    pub fn confirm(&self, endpoint: &str) {
        self.with(|s| {
            let mut n = s.next_id;
            for (topic, sub, _) in s.subscriptions.iter_mut() {
                if sub.endpoint == endpoint && sub.pending() {
                    n += 1;
                    sub.arn = format!("{topic}:{n:08}");
                }
            }
            s.next_id = n;
        });
    }
}

impl FakeState {
    /// SNS Publish of an alarm action: every confirmed SQS subscription of
    /// `topic` gets the message, in SNS's JSON envelope (Type
    /// `Notification`, MessageId, TopicArn, Subject, Message, Timestamp) or,
    /// with `RawMessageDelivery`, as is ("Amazon SNS raw message delivery").
    /// A topic that does not exist gets nothing.
    pub(super) fn publish(&mut self, topic: &str, subject: &str, message: &str, now: i64) {
        if !self.topics.contains_key(topic) {
            return;
        }
        self.published
            .push((topic.to_string(), subject.to_string(), message.to_string()));
        let targets: Vec<(String, bool)> = self
            .subscriptions
            .iter()
            .filter(|(t, sub, _)| {
                t == topic && sub.protocol == "sqs" && sub.arn != "PendingConfirmation"
            })
            .map(|(_, sub, attrs)| {
                let raw = attrs.get("RawMessageDelivery").is_some_and(|v| v == "true");
                (sub.endpoint.clone(), raw)
            })
            .collect();
        for (queue, raw) in targets {
            self.next_id += 1;
            let body = if raw {
                message.to_string()
            } else {
                serde_json::json!({
                    "Type": "Notification",
                    "MessageId": format!("message-{:08}", self.next_id),
                    "TopicArn": topic,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": super::iso_ms(now),
                })
                .to_string()
            };
            self.deliver(&queue, body);
        }
    }
}

#[async_trait]
impl SnsApi for FakeAws {
    async fn list_topics(&self, next: Option<String>) -> AwsResult<Page<String>> {
        self.enter(Api::ListTopics.name()).await?;
        self.authorize(Api::ListTopics, vec!["*".to_string()]);
        // ListTopics: up to 100 per page.
        let all = self.with(|s| s.topics.keys().cloned().collect());
        Ok(page(all, next, 100))
    }

    async fn topic_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        self.enter(Api::GetTopicAttributes.name()).await?;
        self.authorize(Api::GetTopicAttributes, vec![arn.to_string()]);
        self.with(|s| s.topics.get(arn).map(|(a, _)| a.clone()))
            .ok_or_else(|| {
                AwsError::new(
                    Api::GetTopicAttributes.name(),
                    "NotFound",
                    "Topic does not exist",
                )
            })
    }

    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        self.enter(&Api::SnsListTags.action()).await?;
        self.authorize(Api::SnsListTags, vec![arn.to_string()]);
        self.with(|s| {
            s.tag_reads.push(arn.to_string());
            if s.vanish.remove(arn.rsplit(':').next().unwrap_or(arn)) {
                s.topics.remove(arn);
                s.subscriptions.retain(|(t, _, _)| t != arn);
            }
        });
        self.with(|s| s.topics.get(arn).map(|(_, t)| t.clone()))
            .ok_or_else(|| {
                AwsError::new(
                    Api::SnsListTags.name(),
                    "ResourceNotFound",
                    "Resource does not exist",
                )
            })
    }

    async fn list_subscriptions(
        &self,
        topic_arn: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LiveSubscription>> {
        self.enter(Api::ListSubscriptionsByTopic.name()).await?;
        self.authorize(Api::ListSubscriptionsByTopic, vec![topic_arn.to_string()]);
        // ListSubscriptionsByTopic: up to 100 per page.
        let all = self.with(|s| {
            s.subscriptions
                .iter()
                .filter(|(t, _, _)| t == topic_arn)
                .map(|(_, sub, _)| sub.clone())
                .collect()
        });
        Ok(page(all, next, 100))
    }

    async fn subscription_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        self.enter(Api::GetSubscriptionAttributes.name()).await?;
        self.authorize(Api::GetSubscriptionAttributes, vec!["*".to_string()]);
        self.with(|s| {
            s.subscriptions
                .iter()
                .find(|(_, sub, _)| sub.arn == arn)
                .map(|(_, _, a)| {
                    let mut a = a.clone();
                    // AWS reports the default scope of a filter policy.
                    if a.contains_key("FilterPolicy") {
                        a.entry("FilterPolicyScope".into())
                            .or_insert_with(|| "MessageAttributes".into());
                    }
                    a
                })
        })
        .ok_or_else(|| {
            AwsError::new(
                Api::GetSubscriptionAttributes.name(),
                "NotFound",
                "Subscription does not exist",
            )
        })
    }

    async fn create_topic(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String> {
        self.enter(Api::CreateTopic.name()).await?;
        self.authorize(
            Api::CreateTopic,
            vec![crate::resource::topic_arn(
                &self.region,
                &self.account,
                name,
            )],
        );
        let arn = crate::resource::topic_arn(&self.region, &self.account, name);
        self.with(|s| {
            s.topics.entry(arn.clone()).or_insert_with(|| {
                let mut tags = tags.to_vec();
                tags.sort();
                (attributes.clone(), tags)
            });
        });
        Ok(arn)
    }

    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> AwsResult<()> {
        self.enter(Api::SetTopicAttributes.name()).await?;
        self.authorize(Api::SetTopicAttributes, vec![arn.to_string()]);
        self.with(|s| {
            s.topics
                .get_mut(arn)
                .map(|(a, _)| a.insert(name.to_string(), value.to_string()))
        });
        Ok(())
    }

    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        self.enter(&Api::SnsTag.action()).await?;
        self.authorize(Api::SnsTag, vec![arn.to_string()]);
        self.with(|s| s.topics.get_mut(arn).map(|(_, old)| merge_tags(old, tags)));
        Ok(())
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.enter(&Api::SnsUntag.action()).await?;
        self.authorize(Api::SnsUntag, vec![arn.to_string()]);
        self.with(|s| {
            s.topics
                .get_mut(arn)
                .map(|(_, old)| old.retain(|t| !keys.contains(&t.key)))
        });
        Ok(())
    }

    async fn delete_topic(&self, arn: &str) -> AwsResult<()> {
        self.enter(Api::DeleteTopic.name()).await?;
        self.authorize(Api::DeleteTopic, vec![arn.to_string()]);
        self.with(|s| {
            s.topics.remove(arn);
            s.subscriptions.retain(|(t, _, _)| t != arn);
        });
        Ok(())
    }

    async fn subscribe(
        &self,
        topic_arn: &str,
        protocol: &str,
        endpoint: &str,
        attributes: &BTreeMap<String, String>,
    ) -> AwsResult<String> {
        self.enter(Api::Subscribe.name()).await?;
        self.authorize(Api::Subscribe, vec![topic_arn.to_string()]);
        self.with(|s| {
            if !s.topics.contains_key(topic_arn) {
                return Err(AwsError::new(
                    Api::Subscribe.name(),
                    "NotFound",
                    "Topic does not exist",
                ));
            }
            if attributes.get("RawMessageDelivery").is_some_and(|v| v == "true")
                && !crate::rules::endpoint::supports_raw_delivery(protocol)
            {
                // Subscribe API reference: raw delivery is for SQS, HTTP/S
                // and Firehose endpoints.
                return Err(AwsError::new(
                    Api::Subscribe.name(),
                    "InvalidParameter",
                    format!(
                        "Invalid parameter: Attributes Reason: Delivery protocol [{protocol}] does not support raw message delivery."
                    ),
                ));
            }
            s.next_id += 1;
            // Email and http/https endpoints must confirm first (Subscribe
            // API reference: "If the endpoint type is HTTP/S or email ... the
            // endpoint owner must run the ConfirmSubscription action").
            let pending = matches!(protocol, "email" | "email-json" | "http" | "https");
            let arn = if pending {
                "PendingConfirmation".to_string()
            } else {
                format!("{topic_arn}:{:08}", s.next_id)
            };
            let sub = LiveSubscription {
                arn: arn.clone(),
                protocol: protocol.into(),
                endpoint: endpoint.into(),
            };
            s.subscriptions
                .push((topic_arn.to_string(), sub, attributes.clone()));
            Ok(if pending {
                "pending confirmation".to_string()
            } else {
                arn
            })
        })
    }

    async fn set_subscription_attribute(
        &self,
        arn: &str,
        name: &str,
        value: &str,
    ) -> AwsResult<()> {
        self.enter(Api::SetSubscriptionAttributes.name()).await?;
        self.authorize(Api::SetSubscriptionAttributes, vec!["*".to_string()]);
        self.with(|s| {
            if let Some((_, _, a)) = s
                .subscriptions
                .iter_mut()
                .find(|(_, sub, _)| sub.arn == arn)
            {
                // An empty value unsets a policy (moto PR #7251, checked
                // against AWS); its scope goes with the filter policy.
                if value.is_empty() {
                    a.remove(name);
                    if name == "FilterPolicy" {
                        a.remove("FilterPolicyScope");
                    }
                } else {
                    a.insert(name.to_string(), value.to_string());
                }
            }
        });
        Ok(())
    }

    async fn unsubscribe(&self, arn: &str) -> AwsResult<()> {
        self.enter(Api::Unsubscribe.name()).await?;
        self.authorize(Api::Unsubscribe, vec!["*".to_string()]);
        self.with(|s| s.subscriptions.retain(|(_, sub, _)| sub.arn != arn));
        Ok(())
    }
}
