//! Semantic validation of a loaded catalogue: references between sections and
//! every AWS input rule that can be checked offline (see
//! `../shared/reference/aws-facts.md`). All problems are collected; each is
//! reported where its value was written. Rules that need the merged result of
//! templates and overrides (M ≤ N, period × N) are checked by the compiler.
//! One file per catalogue section; shared lookups (references, URLs) here.

mod alarms;
mod environments;
mod logs;
mod metrics;
mod mute;
mod notifications;
mod services;

use super::load::{Catalogue, Item};
use super::model::*;
use super::suggest::did_you_mean;
use crate::diagnostic::{Origin, Problems};
pub use crate::rules::composite::rule_refs;
pub use crate::rules::limits::*;
pub use mute::{ParsedMute, parse_mute};

/// True for an ARN of `service` in any partition (`arn:aws-cn:sqs:…`).
pub(super) fn is_arn_of(text: &str, service: &str) -> bool {
    let mut parts = text.split(':');
    parts.next() == Some("arn")
        && parts.next().is_some_and(|p| p.starts_with("aws"))
        && parts.next() == Some(service)
        && parts.count() >= 3
}

/// Checks everything that can be checked before compiling.
pub fn validate(cat: &Catalogue, problems: &mut Problems) {
    let first = problems.0.len();
    validate_all(cat, problems);
    if !cat.unreadable.is_empty() {
        // What an unreadable file defines is unknown: a reference to it is a
        // consequence of that file's problem, not a problem of its own.
        let mut i = first;
        while i < problems.0.len() {
            if problems.0[i].message.contains("undefined ") {
                problems.0.remove(i);
            } else {
                i += 1;
            }
        }
    }
}

fn validate_all(cat: &Catalogue, problems: &mut Problems) {
    let mut v = Validator { cat, problems };
    v.naming();
    v.environments();
    v.topics();
    v.severities();
    for (name, alarm) in &cat.alarms {
        v.alarm(name, alarm);
    }
    v.services();
    v.dashboards();
    v.metric_filters();
    v.queries();
    v.published_metrics();
    v.mute();
}

pub(super) struct Validator<'a> {
    cat: &'a Catalogue,
    problems: &'a mut Problems,
}

impl Validator<'_> {
    pub(super) fn err(
        &mut self,
        origin: &Origin,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.cat
            .problem(self.problems, origin, message, help.into());
    }

    pub(super) fn err_key(
        &mut self,
        origin: &Origin,
        message: impl Into<String>,
        help: impl Into<Option<String>>,
    ) {
        self.cat
            .problem_at_key(self.problems, origin, message, help.into());
    }

    pub(super) fn known(&self, section: &str, name: &str) -> bool {
        self.cat.broken.contains(&format!("{section}/{name}"))
    }

    pub(super) fn severity_ref(&mut self, severity: &str, origin: &Origin, at_key: bool) {
        if self.cat.severities.contains_key(severity) || self.known("severities", severity) {
            return;
        }
        let help =
            did_you_mean(severity, self.cat.severities.keys().map(String::as_str)).or_else(|| {
                Some(format!(
                    "define it under `severities:` or use one of: {}",
                    self.cat
                        .severities
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
        let message = format!("undefined severity `{severity}`");
        if at_key {
            self.err_key(origin, message, help);
        } else {
            self.err(origin, message, help);
        }
    }

    /// A runbook: a link, or a Markdown file of the catalogue with the
    /// template's sections, published under `runbooks.base_url`.
    pub(super) fn runbook(&mut self, runbook: &str, origin: &Origin) {
        if crate::catalogue::model::runbook_is_link(runbook) {
            if !(runbook.starts_with("https://") || runbook.starts_with("http://")) {
                self.err(
                    origin,
                    format!("runbook `{runbook}` is not a URL"),
                    "use an http(s):// link, or a Markdown file of the catalogue".to_string(),
                );
            }
            return;
        }
        let path = self.cat.dir.join(runbook);
        let text = match self
            .cat
            .sandbox
            .read_text(&path, crate::catalogue::load::MAX_FILE_BYTES)
        {
            Ok(text) => Some(text),
            Err(crate::catalogue::sandbox::Refused::Io(_)) => None,
            Err(refused) => {
                let (message, help) = refused.message(runbook, self.cat.sandbox.root());
                self.err(origin, message, help);
                return;
            }
        };
        let Some(text) = text else {
            self.err(
                origin,
                format!("runbook file `{runbook}` does not exist"),
                "runbook files are relative to obsctl.yaml (e.g. `runbooks/service-down.md`); a link starts with https://".to_string(),
            );
            return;
        };
        let Some(config) = &self.cat.runbooks else {
            self.err(
                origin,
                format!("runbook file `{runbook}` has no web address"),
                "add `runbooks: { base_url: https://… }` (where the catalogue is published)"
                    .to_string(),
            );
            return;
        };
        let sections: Vec<String> = match &config.sections {
            Some(s) => s.clone(),
            None => crate::catalogue::model::RUNBOOK_SECTIONS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        let headings: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("## "))
            .map(|h| h.trim().to_lowercase())
            .collect();
        let missing: Vec<&String> = sections
            .iter()
            .filter(|s| !headings.iter().any(|h| h.starts_with(&s.to_lowercase())))
            .collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|m| format!("`## {m}`")).collect();
            self.err(
                origin,
                format!("runbook `{runbook}` lacks {}", list.join(", ")),
                "runbooks follow the runbook template (runbooks.sections)".to_string(),
            );
        }
    }

    pub(super) fn service_ref(&mut self, service: &str, origin: &Origin) {
        if !self.cat.services.contains_key(service) && !self.known("services", service) {
            let help = did_you_mean(service, self.cat.services.keys().map(String::as_str));
            self.err(
                origin,
                format!("undefined service `{service}`"),
                help.or(Some("define it under `services:`".into())),
            );
        }
    }
}
