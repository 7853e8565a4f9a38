//! Which SNS subscription endpoints can ever receive alerts.
//!
//! SNS delivers to an http/https endpoint only after the endpoint confirms
//! the subscription: it first POSTs a `SubscriptionConfirmation` message
//! whose `SubscribeURL` must be visited (SNS developer guide, "HTTP/HTTPS
//! subscription confirmation JSON format": "Amazon SNS doesn't send
//! notifications to this endpoint until the subscription is confirmed").
//! Chat incoming webhooks (Slack, Microsoft Teams, Discord, Google Chat) post
//! whatever they receive into a channel and never visit the URL, so the
//! subscription stays pending, every alert is lost, and SNS deletes the
//! unconfirmed subscription after 3 days.

/// AWS Chatbot's (Amazon Q Developer in chat applications) endpoint: the
/// subscription it makes on the topics of a channel configuration.
pub const CHATBOT_ENDPOINT: &str = "https://global.sns-api.chatbot.amazonaws.com";

/// The chat service behind `url` if it is an incoming webhook that cannot
/// confirm an SNS subscription.
pub fn chat_webhook(url: &str) -> Option<&'static str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or(authority)
        .split(':')
        .next()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let path = path.to_ascii_lowercase();
    let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if host == "hooks.slack.com" || host == "hooks.slack-gov.com" {
        Some("Slack")
    } else if under("webhook.office.com")
        || (host == "outlook.office.com" && path.starts_with("/webhook"))
    {
        Some("Microsoft Teams")
    } else if (under("discord.com") || under("discordapp.com")) && path.starts_with("/api/webhooks")
    {
        Some("Discord")
    } else if host == "chat.googleapis.com" {
        Some("Google Chat")
    } else {
        None
    }
}

/// Help for a chat webhook endpoint: the alternatives, and what each needs
/// outside obsctl.
pub fn chat_webhook_help(service: &str) -> String {
    format!(
        "{service} incoming webhooks cannot confirm an SNS subscription, so no alert would arrive. Either use AWS Chatbot (Amazon Q Developer in chat applications): create a channel configuration for this topic outside obsctl, and declare the subscription it makes as `{{ protocol: https, endpoint: {CHATBOT_ENDPOINT}, external: true }}`; or subscribe a Lambda function that posts to the webhook (`protocol: lambda`), whose resource policy must allow sns.amazonaws.com to invoke it (`aws lambda add-permission --principal sns.amazonaws.com --source-arn <topic ARN>`), else SNS drops every delivery"
    )
}

/// Whether SNS accepts `RawMessageDelivery` on `protocol` (Subscribe API
/// reference: raw delivery is for Amazon SQS, HTTP/S and Firehose
/// endpoints; Subscribe fails with `InvalidParameter` otherwise).
pub fn supports_raw_delivery(protocol: &str) -> bool {
    matches!(protocol, "sqs" | "http" | "https" | "firehose")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_webhooks_are_recognized_and_other_https_endpoints_are_not() {
        for (url, service) in [
            ("https://hooks.slack.com/services/T0/B0/x", "Slack"),
            ("https://HOOKS.SLACK.COM./services/T0/B0/x", "Slack"),
            ("https://hooks.slack-gov.com/services/x", "Slack"),
            (
                "https://contoso.webhook.office.com/webhookb2/abc",
                "Microsoft Teams",
            ),
            ("https://outlook.office.com/webhook/abc", "Microsoft Teams"),
            ("https://discord.com/api/webhooks/1/abc", "Discord"),
            ("https://ptb.discordapp.com/api/webhooks/1/abc", "Discord"),
            (
                "https://chat.googleapis.com/v1/spaces/A/messages?key=k",
                "Google Chat",
            ),
        ] {
            assert_eq!(chat_webhook(url), Some(service), "{url}");
        }
        for url in [
            "https://events.pagerduty.com/integration/abc/enqueue",
            CHATBOT_ENDPOINT,
            "https://slack.com/api/chat.postMessage",
            "https://example.com/hooks.slack.com/x",
            "https://hooks.slack.com.evil.example/x",
            "https://discord.com/channels/1",
            "arn:aws:lambda:us-east-1:1:function:f",
            "ops@example.com",
        ] {
            assert_eq!(chat_webhook(url), None, "{url}");
        }
    }

    #[test]
    fn raw_delivery_only_where_sns_supports_it() {
        assert!(supports_raw_delivery("sqs") && supports_raw_delivery("https"));
        assert!(!supports_raw_delivery("lambda") && !supports_raw_delivery("email"));
    }
}
