//! SNS: topics, subscriptions and their attributes and tags.

use super::*;
use aws_sdk_sns as sns;
use std::collections::HashMap;

fn sns_tags(tags: &[Tag]) -> AwsResult<Vec<sns::types::Tag>> {
    tags.iter()
        .map(|t| {
            sns::types::Tag::builder()
                .key(&t.key)
                .value(&t.value)
                .build()
                .map_err(|e| AwsError::new("TagResource", "InvalidParameter", e.to_string()))
        })
        .collect()
}

fn sorted_map(m: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    m.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

#[async_trait]
impl SnsApi for Sdk<sns::Client> {
    async fn list_topics(&self, next: Option<String>) -> AwsResult<Page<String>> {
        let out = self
            .0
            .list_topics()
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("ListTopics", e))?;
        Ok((
            out.topics()
                .iter()
                .filter_map(|t| t.topic_arn().map(str::to_string))
                .collect(),
            out.next_token().map(str::to_string),
        ))
    }

    async fn topic_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        let out = self
            .0
            .get_topic_attributes()
            .topic_arn(arn)
            .send()
            .await
            .map_err(|e| err("GetTopicAttributes", e))?;
        Ok(sorted_map(out.attributes()))
    }

    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        let out = self
            .0
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| err("ListTagsForResource", e))?;
        Ok(sorted_tags(out.tags().iter().map(|t| (t.key(), t.value()))))
    }

    async fn list_subscriptions(
        &self,
        topic_arn: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LiveSubscription>> {
        let out = self
            .0
            .list_subscriptions_by_topic()
            .topic_arn(topic_arn)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("ListSubscriptionsByTopic", e))?;
        let subs = out
            .subscriptions()
            .iter()
            .map(|s| LiveSubscription {
                arn: s.subscription_arn().unwrap_or_default().to_string(),
                protocol: s.protocol().unwrap_or_default().to_string(),
                endpoint: s.endpoint().unwrap_or_default().to_string(),
            })
            .collect();
        Ok((subs, out.next_token().map(str::to_string)))
    }

    async fn subscription_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        let out = self
            .0
            .get_subscription_attributes()
            .subscription_arn(arn)
            .send()
            .await
            .map_err(|e| err("GetSubscriptionAttributes", e))?;
        Ok(sorted_map(out.attributes()))
    }

    async fn create_topic(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String> {
        let out = self
            .0
            .create_topic()
            .name(name)
            .set_attributes((!attributes.is_empty()).then(|| {
                attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }))
            .set_tags((!tags.is_empty()).then(|| sns_tags(tags)).transpose()?)
            .send()
            .await
            .map_err(|e| err("CreateTopic", e))?;
        Ok(out.topic_arn().unwrap_or_default().to_string())
    }

    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> AwsResult<()> {
        self.0
            .set_topic_attributes()
            .topic_arn(arn)
            .attribute_name(name)
            .attribute_value(value)
            .send()
            .await
            .map_err(|e| err("SetTopicAttributes", e))?;
        Ok(())
    }

    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        self.0
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(sns_tags(tags)?))
            .send()
            .await
            .map_err(|e| err("TagResource", e))?;
        Ok(())
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.0
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| err("UntagResource", e))?;
        Ok(())
    }

    async fn delete_topic(&self, arn: &str) -> AwsResult<()> {
        self.0
            .delete_topic()
            .topic_arn(arn)
            .send()
            .await
            .map_err(|e| err("DeleteTopic", e))?;
        Ok(())
    }

    async fn subscribe(
        &self,
        topic_arn: &str,
        protocol: &str,
        endpoint: &str,
        attributes: &BTreeMap<String, String>,
    ) -> AwsResult<String> {
        let out = self
            .0
            .subscribe()
            .topic_arn(topic_arn)
            .protocol(protocol)
            .endpoint(endpoint)
            .set_attributes((!attributes.is_empty()).then(|| {
                attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }))
            .return_subscription_arn(false)
            .send()
            .await
            .map_err(|e| err("Subscribe", e))?;
        Ok(out.subscription_arn().unwrap_or_default().to_string())
    }

    async fn set_subscription_attribute(
        &self,
        arn: &str,
        name: &str,
        value: &str,
    ) -> AwsResult<()> {
        self.0
            .set_subscription_attributes()
            .subscription_arn(arn)
            .attribute_name(name)
            .attribute_value(value)
            .send()
            .await
            .map_err(|e| err("SetSubscriptionAttributes", e))?;
        Ok(())
    }

    async fn unsubscribe(&self, arn: &str) -> AwsResult<()> {
        self.0
            .unsubscribe()
            .subscription_arn(arn)
            .send()
            .await
            .map_err(|e| err("Unsubscribe", e))?;
        Ok(())
    }
}
