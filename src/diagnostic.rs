//! Diagnostics every stage may use: a position in a file ([`Pos`]), where a
//! catalogue item was written ([`Origin`]), and a located user error
//! ([`Problem`], collected by [`Problems`]). The bottom of the module graph:
//! it imports nothing of obsctl but [`crate::error::Error`], so loading,
//! validation, compilation, testing and the plan all report the same way,
//! and `error.rs` renders them in one place.

use crate::error::Error;
use std::path::{Path, PathBuf};

/// A `line:column` position (1-based) in a catalogue file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// Line, 1-based.
    pub line: u64,
    /// Column, 1-based.
    pub column: u64,
}

/// One problem in a catalogue, located in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line (0 when unknown).
    pub line: u64,
    /// 1-based column (0 when unknown).
    pub column: u64,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// Where an item was written: a file and a JSON pointer into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Index into [`Catalogue::files`].
    pub file: usize,
    /// JSON pointer of the item.
    pub pointer: String,
}

impl Origin {
    /// The origin of a child field, e.g. `origin.child("period")`.
    pub fn child(&self, path: &str) -> Origin {
        let mut pointer = self.pointer.clone();
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            pointer.push('/');
            pointer.push_str(seg);
        }
        Origin {
            file: self.file,
            pointer,
        }
    }

    /// The origin of a child whose key may contain `/`.
    pub fn key(&self, key: &str) -> Origin {
        Origin {
            file: self.file,
            pointer: format!("{}/{}", self.pointer, escape(key)),
        }
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Collects problems; never stops at the first.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>, Vec<bool>);

impl Problems {
    /// Records a problem at a position of a file.
    pub fn push(
        &mut self,
        file: &Path,
        pos: Pos,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.0.push(Problem {
            file: file.to_path_buf(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
            help,
        });
    }

    /// Appends problems collected on their own (one environment compiled
    /// on another thread), as if they had been recorded here one by one:
    /// those recorded with [`Problems::push_once`] are skipped when the
    /// same one is already here.
    pub fn merge(&mut self, other: Problems) {
        let Problems(list, once) = other;
        for (i, p) in list.into_iter().enumerate() {
            let is_once = once.get(i).copied().unwrap_or(false);
            if is_once && self.recorded(&p.file, p.line, p.column, &p.message) {
                continue;
            }
            self.mark(is_once);
            self.0.push(p);
        }
    }

    /// Whether the same problem (same place, same words) is recorded.
    fn recorded(&self, file: &Path, line: u64, column: u64, message: &str) -> bool {
        self.0
            .iter()
            .any(|p| p.file == file && p.line == line && p.column == column && p.message == message)
    }

    /// Remembers whether the problem about to be pushed is a `push_once`.
    fn mark(&mut self, once: bool) {
        self.1.resize(self.0.len(), false);
        self.1.push(once);
    }

    /// Records a problem unless the same one (same place, same words) is
    /// already recorded: a mistake shared by every service or environment
    /// is one problem.
    pub fn push_once(
        &mut self,
        file: &Path,
        pos: Pos,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let message = message.into();
        if !self.recorded(file, pos.line, pos.column, &message) {
            self.mark(true);
            self.push(file, pos, message, help);
        }
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when no problem was recorded, else every problem, sorted.
    pub fn finish<T>(mut self, value: T) -> Result<T, Error> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            self.0.sort();
            self.0.dedup();
            Err(Error::Invalid(self.0))
        }
    }
}

/// Something that stops plan and apply before any change. Data only: the
/// words are in `report/reason.rs`, so rewording a message never makes a
/// saved plan stale.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "blocker", rename_all = "snake_case")]
pub enum Blocker {
    /// With `log_groups: require`, a log group that planned metric filters
    /// or saved queries read does not exist.
    MissingLogGroup {
        /// The log group.
        group: String,
        /// Metric filters that read it.
        filters: Vec<String>,
        /// Saved queries that read it.
        queries: Vec<String>,
        /// The environment (its `log_groups` setting is the fix).
        env: String,
    },
    /// A subscription endpoint, read from a secret, that SNS would reject or
    /// that would subscribe another address. The value is never kept.
    BadEndpoint {
        /// The subscription's key (`topic/protocol/${env:NAME}`).
        key: String,
        /// Its protocol.
        protocol: String,
        /// What is wrong.
        problem: crate::rules::endpoint::EndpointProblem,
    },
    /// A topic the catalogue declares is not this catalogue's (another
    /// catalogue's, or untagged and not adopted): obsctl never routes alarms
    /// to it or subscribes to it.
    ForeignTopic {
        /// The topic's name.
        topic: String,
        /// The catalogue its ownership tag names, if any.
        owner: Option<String>,
        /// Planned alarms whose actions notify it.
        alarms: usize,
        /// Planned subscriptions on it.
        subscriptions: usize,
    },
    /// An http/https subscription endpoint is a chat incoming webhook, which
    /// can never confirm an SNS subscription. The URL is never kept.
    ChatWebhook {
        /// The subscription's key.
        key: String,
        /// The chat service (`Slack`, `Discord`, …).
        service: String,
    },
}
