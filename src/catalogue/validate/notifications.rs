//! Topics, subscriptions (endpoints that can arrive) and severities.

use super::*;
use crate::rules::endpoint;

impl Validator<'_> {
    pub(super) fn topics(&mut self) {
        for (name, topic) in &self.cat.topics {
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                || name.is_empty()
            {
                self.err_key(
                    &topic.origin,
                    format!("topic name `{name}` may only use A-Z a-z 0-9 - _"),
                    None,
                );
            }
            if topic.kms_key.as_deref() == Some("alias/aws/sns") {
                self.err(&topic.origin.child("kms_key"), "CloudWatch cannot publish to a topic encrypted with the AWS-managed key alias/aws/sns", "use a customer-managed KMS key whose policy allows cloudwatch.amazonaws.com".to_string());
            }
            for (attribute, value) in [
                ("policy", &topic.policy),
                ("delivery_policy", &topic.delivery_policy),
            ] {
                if value.as_ref().is_some_and(|v| !v.is_object()) {
                    self.err(
                        &topic.origin.child(attribute),
                        format!("{attribute} must be a JSON object"),
                        "write it as a YAML mapping (it is sent to SNS as JSON)".to_string(),
                    );
                }
            }
            for (i, sub) in topic.subscriptions.iter().enumerate() {
                self.subscription(&topic.origin.child(&format!("subscriptions/{i}")), sub);
            }
        }
    }

    pub(super) fn subscription(&mut self, origin: &Origin, sub: &SubscriptionSpec) {
        let protocol = sub.protocol.as_str();
        if sub.raw_message_delivery && !endpoint::supports_raw_delivery(protocol) {
            self.err(
                &origin.child("raw_message_delivery"),
                format!("SNS does not deliver raw messages to {protocol} subscriptions"),
                "remove raw_message_delivery (it is for https and sqs endpoints)".to_string(),
            );
        }
        if let Some(policy) = &sub.filter_policy
            && !policy.is_object()
        {
            self.err(
                &origin.child("filter_policy"),
                "filter_policy must be a JSON object",
                "write it as a mapping, e.g. `filter_policy: { severity: [critical] }`".to_string(),
            );
        }
        if sub.filter_policy_scope.is_some() && sub.filter_policy.is_none() {
            self.err(
                &origin.child("filter_policy_scope"),
                "filter_policy_scope without filter_policy",
                "add the filter_policy it applies to, or remove it".to_string(),
            );
        }
        if let Some(dlq) = &sub.dead_letter_queue
            && !is_arn_of(dlq, "sqs")
        {
            self.err(
                &origin.child("dead_letter_queue"),
                format!("dead_letter_queue `{dlq}` is not an SQS queue ARN"),
                "use arn:aws:sqs:<region>:<account>:<queue>".to_string(),
            );
        }
        let at = origin.child("endpoint");
        if let Some(var) = sub.endpoint.strip_prefix("${env:") {
            let ok = var.strip_suffix('}').is_some_and(|n| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if !ok {
                self.err(
                    &at,
                    format!("malformed secret reference `{}`", sub.endpoint),
                    "write `${env:NAME}` with NAME made of letters, digits and _".to_string(),
                );
            }
            return;
        }
        if sub.optional {
            self.err(
                &origin.child("optional"),
                "only `${env:NAME}` endpoints can be optional",
                None,
            );
        }
        let protocol = sub.protocol.as_str();
        if let Some(problem) = endpoint::check(protocol, &sub.endpoint) {
            let want = endpoint::expected(protocol);
            let message = match problem {
                endpoint::EndpointProblem::Blank => "endpoint is blank".to_string(),
                endpoint::EndpointProblem::Whitespace => format!(
                    "endpoint `{}` contains whitespace (a trailing space or newline?)",
                    sub.endpoint.escape_debug()
                ),
                endpoint::EndpointProblem::Malformed => {
                    format!("endpoint `{}` is not {want}", sub.endpoint)
                }
            };
            self.err(
                &at,
                message,
                format!("use {want}, or `${{env:NAME}}` to read it at run time"),
            );
        } else if let Some(service) = endpoint::chat_webhook(&sub.endpoint) {
            self.err(
                &at,
                format!(
                    "{service} incoming webhooks never confirm an SNS subscription: no alert would arrive"
                ),
                endpoint::chat_webhook_help(service),
            );
        }
    }

    pub(super) fn severities(&mut self) {
        if self.cat.severities.is_empty() {
            self.err(
                &Origin {
                    file: 0,
                    pointer: String::new(),
                },
                "no severities defined",
                "add `severities:` (critical, warning, info) with their topics".to_string(),
            );
        }
        for sev in self.cat.severities.values() {
            for topic in sev.topic.names() {
                if !self.cat.topics.contains_key(topic) && !self.known("topics", topic) {
                    let help = did_you_mean(topic, self.cat.topics.keys().map(String::as_str));
                    self.err(
                        &sev.origin.child("topic"),
                        format!("undefined topic `{topic}`"),
                        help.or(Some("define it under `topics:`".into())),
                    );
                }
            }
        }
    }
}
