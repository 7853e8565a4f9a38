//! The words of the plan's reasons: conflicts, notes and blockers are data
//! in the plan (so rewording never makes a saved plan stale) and become
//! text only here.

use crate::diagnostic::Blocker;
use crate::ownership::{ConflictReason, ENV_TAG, OWNER_TAG};
use crate::plan::{Conflict, Note};
use crate::rules::endpoint::{self, EndpointProblem};
use std::fmt;

impl fmt::Display for ConflictReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConflictReason::OtherCatalogue { prefix, owner } => write!(
                f,
                "has the prefix `{prefix}` but belongs to catalogue `{owner}` ({OWNER_TAG}={owner})"
            ),
            ConflictReason::Untagged {
                prefix,
                project,
                env,
                adoptable,
            } => write!(
                f,
                "has the prefix `{prefix}` but not the tags {OWNER_TAG}={project} and {ENV_TAG}={env}{}",
                if *adoptable {
                    "; `--adopt` takes it over"
                } else {
                    ""
                }
            ),
            ConflictReason::OtherEnvironment { env, this } => write!(
                f,
                "this environment generates the name, but it is tagged for environment `{env}` ({ENV_TAG}={env}); `--adopt` tags it for `{this}`"
            ),
            ConflictReason::DifferentQueries { ids } => write!(
                f,
                "{} different saved queries share this name (ids {}); delete all but one in the console",
                ids.len(),
                ids.join(", ")
            ),
        }
    }
}

/// Why a conflict is left alone, with what it costs the catalogue.
pub fn conflict(c: &Conflict) -> String {
    if c.wanted {
        format!("{}; the catalogue's version is not applied", c.reason)
    } else {
        c.reason.to_string()
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::SecretUnset { key, var } => {
                write!(f, "{key}: skipped, ${{env:{var}}} is not set")
            }
            Note::ExternalNotSubscribed { key } => write!(
                f,
                "{key}: not subscribed yet; it is made outside obsctl (for AWS Chatbot: a channel configuration with this topic)"
            ),
            Note::PendingConfirmation { key } => write!(f, "{key}: pending confirmation"),
            Note::Foreign { kind, key } => {
                write!(f, "{kind} {key}: left alone (declared under `foreign:`)")
            }
            Note::OutsideScope { kind, key, place } => write!(
                f,
                "{kind} {key}: left alone (log group {place} is not one this environment uses, so obsctl cannot show it made it; delete it by hand if it is a leftover)"
            ),
            Note::NotMadeByObsctl { kind, key } => write!(
                f,
                "{kind} {key}: left alone (not made by obsctl: it lacks obsctl's marker comment)"
            ),
            Note::MadeByChatbot { subscription } => write!(
                f,
                "{subscription}: left alone (made by AWS Chatbot; declare it with `external: true`)"
            ),
            Note::OptionalUnset { subscription } => write!(
                f,
                "{subscription}: left alone (its catalogue entry is optional and unset)"
            ),
            Note::KeptUntilConfirmed { subscription } => write!(
                f,
                "{subscription}: no longer in the catalogue, kept until its replacement on this topic is confirmed; a later apply removes it"
            ),
            Note::PendingNotDeclared { subscription } => write!(
                f,
                "{subscription}: pending confirmation and no longer in the catalogue; SNS removes it after 3 days unconfirmed"
            ),
            Note::ApplyRunning {
                env,
                holder: Some(h),
                stream,
                ..
            } => write!(
                f,
                "an apply of {env} is running (host {}, pid {}{}, obsctl {}, since {}; lock stream {stream})",
                h.host,
                h.pid,
                h.ci.as_deref()
                    .map(|c| format!(", CI job {c}"))
                    .unwrap_or_default(),
                h.version,
                crate::notation::utc(h.since)
            ),
            Note::ApplyRunning {
                env,
                holder: None,
                stream,
                created,
            } => write!(
                f,
                "an apply of {env} is starting (lock stream {stream}, created {}; it has not described itself yet)",
                crate::notation::utc(*created)
            ),
            Note::LockUnread { code } => write!(
                f,
                "whether an apply is running is unknown: the apply lock could not be read ({code}; the plan role needs logs:DescribeLogStreams and logs:GetLogEvents on the lock group, see `obsctl iam-policy --for plan`)"
            ),
        }
    }
}

impl fmt::Display for Blocker {
    /// What is wrong (the help is [`blocker_help`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Blocker::MissingLogGroup {
                group,
                filters,
                queries,
                ..
            } => {
                let users: Vec<String> = [("metric filter", filters), ("saved query", queries)]
                    .into_iter()
                    .filter(|(_, names)| !names.is_empty())
                    .map(|(what, names)| named_list(what, names))
                    .collect();
                write!(
                    f,
                    "log group {group} does not exist; needed by {}",
                    users.join(" and ")
                )
            }
            Blocker::BadEndpoint {
                key,
                problem,
                protocol,
            } => {
                let what = match problem {
                    EndpointProblem::Blank => "is blank".to_string(),
                    EndpointProblem::Whitespace => {
                        "contains whitespace (a trailing space or newline?)".to_string()
                    }
                    EndpointProblem::Malformed => {
                        format!("is not {}", endpoint::expected(protocol))
                    }
                };
                write!(f, "subscription {key}: the endpoint {what}")
            }
            Blocker::ForeignTopic {
                topic,
                owner,
                alarms,
                subscriptions,
            } => {
                let whose = match owner {
                    Some(o) => format!("belongs to catalogue `{o}`"),
                    None => "has no obsctl tags".to_string(),
                };
                let mut users = Vec::new();
                if *alarms > 0 {
                    users.push(format!(
                        "{alarms} alarm{} would notify it",
                        if *alarms == 1 { "" } else { "s" }
                    ));
                }
                if *subscriptions > 0 {
                    users.push(format!(
                        "{subscriptions} subscription{} would be made on it",
                        if *subscriptions == 1 { "" } else { "s" }
                    ));
                }
                write!(
                    f,
                    "topic {topic} is not this catalogue's (it {whose}); {}",
                    users.join(" and ")
                )
            }
            Blocker::ChatWebhook { key, service } => write!(
                f,
                "subscription {key}: the endpoint is a {service} incoming webhook, which never confirms an SNS subscription"
            ),
        }
    }
}

/// How to fix a blocker.
pub fn blocker_help(b: &Blocker) -> String {
    match b {
        Blocker::MissingLogGroup { env, .. } => format!(
            "create it (deploying the service usually does), fix the service's `log_group`, or set `log_groups: create` for environment `{env}` so obsctl creates it"
        ),
        Blocker::BadEndpoint { protocol, .. } => format!(
            "fix the secret's value (it is not shown): {}; the subscription is left as it is until then",
            endpoint::expected(protocol)
        ),
        Blocker::ForeignTopic { owner, .. } => match owner {
            Some(_) => "obsctl never routes alerts to a topic it does not own: rename the topic in this catalogue (or its project), or remove it from the other catalogue".to_string(),
            None => "obsctl never routes alerts to a topic it does not own: take it over with `--adopt` if it is a hand-made copy of this one, rename the topic in the catalogue, or delete the other topic".to_string(),
        },
        Blocker::ChatWebhook { service, .. } => endpoint::chat_webhook_help(service),
    }
}

/// `metric filter a`, `2 metric filters (a, b)`, `5 saved queries (a, b, c, …)`.
fn named_list(what: &str, names: &[String]) -> String {
    match names {
        [one] => format!("{what} {one}"),
        _ => {
            let plural = match what.strip_suffix('y') {
                Some(stem) => format!("{stem}ies"),
                None => format!("{what}s"),
            };
            let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
            let more = if names.len() > 3 { ", …" } else { "" };
            format!("{} {plural} ({}{more})", names.len(), shown.join(", "))
        }
    }
}
