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

/// What is wrong with a subscription endpoint for its protocol. Carries no
/// part of the value: an endpoint read from a secret is never shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointProblem {
    /// Empty or only whitespace.
    Blank,
    /// Leading, trailing or inner whitespace or control characters (a
    /// secret pasted with a newline): SNS would subscribe another address.
    Whitespace,
    /// Not the kind of value the protocol takes (see [`expected`]).
    Malformed,
}

/// What `protocol` takes, in words.
pub fn expected(protocol: &str) -> &'static str {
    match protocol {
        "email" | "email-json" => "an email address",
        "https" => "an https:// URL with a host",
        "http" => "an http:// URL with a host",
        "sqs" => "an SQS queue ARN (arn:<partition>:sqs:<region>:<12-digit account>:<queue>)",
        "lambda" => {
            "a Lambda function ARN (arn:<partition>:lambda:<region>:<12-digit account>:function:<name>)"
        }
        _ => "a valid endpoint",
    }
}

/// The problem of `endpoint` for `protocol`, if any, after secrets are
/// resolved: SNS Subscribe takes an email address for email, a URL for
/// http/https, and an ARN for sqs and lambda (SNS API Reference,
/// Subscribe, `Endpoint`). Addresses are checked with `email_address`
/// (RFC 5321/5322) plus a dotted domain, URLs with `url` (WHATWG).
pub fn check(protocol: &str, endpoint: &str) -> Option<EndpointProblem> {
    if endpoint.trim().is_empty() {
        return Some(EndpointProblem::Blank);
    }
    if endpoint
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Some(EndpointProblem::Whitespace);
    }
    let ok = match protocol {
        "email" | "email-json" => {
            email_address::EmailAddress::parse_with_options(endpoint, Default::default()).is_ok()
                && endpoint.rsplit_once('@').is_some_and(|(_, domain)| {
                    domain.split('.').count() > 1 && domain.split('.').all(|l| !l.is_empty())
                })
        }
        "https" | "http" => url::Url::parse(endpoint)
            .is_ok_and(|u| u.scheme() == protocol && u.host_str().is_some_and(|h| !h.is_empty())),
        "sqs" => arn_of(endpoint, "sqs").is_some_and(|rest| {
            rest.len() == 1 && rest.first().is_some_and(|q| resource_name(q, 80))
        }),
        "lambda" => arn_of(endpoint, "lambda").is_some_and(|rest| match rest.as_slice() {
            ["function", name] => resource_name(name, 64),
            ["function", name, qualifier] => resource_name(name, 64) && !qualifier.is_empty(),
            _ => false,
        }),
        _ => true,
    };
    (!ok).then_some(EndpointProblem::Malformed)
}

/// The parts after `arn:<partition>:<service>:<region>:<account>:` when
/// `text` is an ARN of `service` with a region and a 12-digit account.
fn arn_of<'a>(text: &'a str, service: &str) -> Option<Vec<&'a str>> {
    let mut parts = text.split(':');
    let partition = parts.nth(1)?;
    let ok = text.starts_with("arn:")
        && matches!(
            partition,
            "aws" | "aws-cn" | "aws-us-gov" | "aws-iso" | "aws-iso-b"
        )
        && parts.next() == Some(service)
        && parts.next().is_some_and(|r| {
            !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && parts
            .next()
            .is_some_and(|a| a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()));
    ok.then(|| parts.collect())
}

/// A queue or function name: letters, digits, `-`, `_` (a queue may end in
/// `.fifo`), at most `max` characters.
fn resource_name(name: &str, max: usize) -> bool {
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    !base.is_empty()
        && name.len() <= max
        && base
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
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

    #[test]
    fn endpoints_are_checked_for_their_protocol() {
        for (protocol, good) in [
            ("email", "ops@example.com"),
            ("email", "first.last+alerts@mail.example.co.uk"),
            (
                "https",
                "https://events.pagerduty.com/integration/abc/enqueue",
            ),
            ("https", CHATBOT_ENDPOINT),
            ("sqs", "arn:aws:sqs:us-east-1:123456789012:alerts"),
            ("sqs", "arn:aws-cn:sqs:cn-north-1:123456789012:alerts.fifo"),
            (
                "lambda",
                "arn:aws:lambda:eu-west-1:123456789012:function:notify",
            ),
            (
                "lambda",
                "arn:aws:lambda:eu-west-1:123456789012:function:notify:live",
            ),
        ] {
            assert_eq!(check(protocol, good), None, "{protocol} {good}");
        }
        for (protocol, bad, problem) in [
            ("email", "", EndpointProblem::Blank),
            ("email", "   ", EndpointProblem::Blank),
            ("email", "ops@example.com ", EndpointProblem::Whitespace),
            ("email", "ops@example.com\n", EndpointProblem::Whitespace),
            (
                "https",
                " https://example.com/x",
                EndpointProblem::Whitespace,
            ),
            ("email", "ops", EndpointProblem::Malformed),
            ("email", "ops@localhost", EndpointProblem::Malformed),
            ("email", "@example.com", EndpointProblem::Malformed),
            ("email", "a@@example.com", EndpointProblem::Malformed),
            ("https", "http://example.com/x", EndpointProblem::Malformed),
            ("https", "https://", EndpointProblem::Malformed),
            ("https", "example.com/hook", EndpointProblem::Malformed),
            (
                "sqs",
                "arn:aws:sqs:us-east-1:1:q",
                EndpointProblem::Malformed,
            ),
            (
                "sqs",
                "arn:aws:sns:us-east-1:123456789012:q",
                EndpointProblem::Malformed,
            ),
            (
                "sqs",
                "https://sqs.us-east-1.amazonaws.com/123456789012/q",
                EndpointProblem::Malformed,
            ),
            (
                "lambda",
                "arn:aws:lambda:us-east-1:123456789012:f",
                EndpointProblem::Malformed,
            ),
        ] {
            assert_eq!(check(protocol, bad), Some(problem), "{protocol} {bad:?}");
        }
    }
}
