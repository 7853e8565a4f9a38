//! The words of the plan's reasons: conflicts, notes and blockers are data
//! in the plan (so rewording never makes a saved plan stale) and become
//! text only here.

use crate::diagnostic::Blocker;
use crate::ownership::{ConflictReason, ENV_TAG, OWNER_TAG};
use crate::plan::{Conflict, Note};
use crate::rules::endpoint;
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
            ConflictReason::DuplicateQueries { ids } => write!(
                f,
                "{} saved queries share this name (ids {}); delete all but one in the console",
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
            Note::MadeByChatbot { subscription } => write!(
                f,
                "{subscription}: left alone (made by AWS Chatbot; declare it with `external: true`)"
            ),
            Note::OptionalUnset { subscription } => write!(
                f,
                "{subscription}: left alone (its catalogue entry is optional and unset)"
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
