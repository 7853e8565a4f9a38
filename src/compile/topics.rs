//! Topics and their subscriptions. Secret endpoints stay `${env:NAME}`
//! placeholders here; they are resolved only when a subscription is made.

use super::Compiler;
use crate::catalogue::model::FilterPolicyScope;
use crate::resource::canonical::json_attribute;
use crate::resource::{Resource, Subscription, Tag, Topic};
use std::collections::BTreeMap;

/// Compiles every topic and subscription of the environment.
pub fn compile(c: &mut Compiler) {
    for (key, spec) in &c.cat.topics {
        let name = match &spec.name {
            Some(text) => {
                let ctx = c.context(None);
                let name = c.text(text, &ctx, &spec.origin.child("name"));
                c.state.topic_names.insert(key.clone(), name.clone());
                name
            }
            None => c.name(None, key),
        };
        let mut attributes = BTreeMap::new();
        if let Some(d) = &spec.display_name {
            attributes.insert("DisplayName".to_string(), d.clone());
        }
        if let Some(k) = &spec.kms_key {
            attributes.insert("KmsMasterKeyId".to_string(), k.clone());
        }
        for (attribute, value) in [
            ("Policy", &spec.policy),
            ("DeliveryPolicy", &spec.delivery_policy),
        ] {
            if let Some(v) = value {
                attributes.insert(attribute.to_string(), json_attribute(&v.to_string()));
            }
        }
        if spec.manage_all_subscriptions {
            c.state.manage_all_subscriptions.insert(name.clone());
        }
        let mut tags = c.ownership_tags();
        tags.push(Tag {
            key: "Environment".into(),
            value: c.env_name.to_string(),
        });
        tags.sort();
        c.add(
            Resource::Topic(Box::new(Topic {
                name: name.clone(),
                attributes,
                tags,
            })),
            spec.origin.clone(),
        );
        for (i, sub) in spec.subscriptions.iter().enumerate() {
            let mut attributes = BTreeMap::new();
            if sub.raw_message_delivery {
                attributes.insert("RawMessageDelivery".to_string(), "true".to_string());
            }
            if let Some(policy) = &sub.filter_policy {
                attributes.insert(
                    "FilterPolicy".to_string(),
                    json_attribute(&policy.to_string()),
                );
                // SNS reports the scope whenever a filter policy is set.
                let scope = sub
                    .filter_policy_scope
                    .unwrap_or(FilterPolicyScope::MessageAttributes);
                attributes.insert("FilterPolicyScope".to_string(), scope.as_str().to_string());
            }
            if let Some(dlq) = &sub.dead_letter_queue {
                let redrive = serde_json::json!({ "deadLetterTargetArn": dlq });
                attributes.insert(
                    "RedrivePolicy".to_string(),
                    json_attribute(&redrive.to_string()),
                );
            }
            let resource = Subscription {
                topic_name: name.clone(),
                protocol: sub.protocol.as_str().to_string(),
                endpoint: sub.endpoint.clone(),
                attributes,
                optional: sub.optional,
                external: sub.external,
            };
            c.add(
                Resource::Subscription(Box::new(resource)),
                spec.origin.child(&format!("subscriptions/{i}")),
            );
        }
    }
}
