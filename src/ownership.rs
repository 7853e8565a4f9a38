//! Who owns a live resource: the ownership tags obsctl writes, and pure
//! decisions over names and tags, no AWS. The compiler writes the tags, the
//! live reader decides with them.
//!
//! Every prefix API of AWS is a plain string prefix, so the prefix of
//! environment `staging` (`cat-house-staging-`) also matches every name of
//! `staging-eu` (`cat-house-staging-eu-`). Ownership therefore needs more
//! than the prefix:
//!
//! - Where AWS has tags (alarms, dashboards, topics): `obsctl:catalogue=<project>`
//!   and `obsctl:env=<env>`. A resource tagged for another environment of the
//!   project is skipped silently (it is not a conflict: that environment's
//!   plan owns it).
//! - Upgrade from obsctl versions that wrote only the catalogue tag: such a
//!   resource is owned when its name belongs to this environment (below); the
//!   plan then adds the environment tag.
//! - A name belongs to this environment when it starts with the prefix and
//!   not with a longer prefix of another declared environment, or when the
//!   catalogue generates exactly that name (a service called `eu-api` in
//!   `staging`). Untaggable kinds (metric filters, saved queries) are owned by
//!   this rule alone.

use crate::resource::Tag;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Tag carrying ownership: `obsctl:catalogue=<project>`.
pub const OWNER_TAG: &str = "obsctl:catalogue";
/// Tag naming the environment that owns a resource: `obsctl:env=<env>`.
/// Together with [`OWNER_TAG`] it decides ownership wherever AWS has tags.
pub const ENV_TAG: &str = "obsctl:env";
/// Tag marking a mute rule made by `obsctl mute` (ad hoc, not from the
/// catalogue): `obsctl:adhoc=true`.
pub const ADHOC_TAG: &str = "obsctl:adhoc";
/// Why an ad-hoc mute rule was made (`obsctl mute --reason`).
pub const REASON_TAG: &str = "obsctl:reason";

/// Whether a mute rule with `tags` and `expire_date` (UTC,
/// `2026-12-31T23:59:59Z`) is an ad-hoc rule still running at `now`
/// (`2026-…Z` as well): not part of the catalogue, so plans, drift and
/// saved-plan checks leave it alone and apply never deletes it. An expired
/// ad-hoc rule (or one without an expire date, which `obsctl mute` never
/// makes) is the environment's like any other, and pruned.
pub fn adhoc_running(tags: &[Tag], expire_date: Option<&str>, now: &str) -> bool {
    tags.iter().any(|t| t.key == ADHOC_TAG) && expire_date.is_some_and(|e| e > now)
}

/// What a live resource is to this environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Owned: read, diffed, updated and pruned.
    Owned,
    /// Another environment's or outside the prefix: ignored silently.
    NotOurs,
    /// Has this environment's prefix but is not owned: reported, never
    /// changed. `adoptable` when untagged and the catalogue generates the
    /// name (`--adopt` takes it over).
    Conflict {
        /// Why.
        reason: ConflictReason,
        /// Whether `--adopt` may take it over.
        adoptable: bool,
    },
}

/// Why a live resource under this environment's prefix is not owned. Data
/// only: the words are in `report/reason.rs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum ConflictReason {
    /// Tagged as another catalogue's.
    OtherCatalogue {
        /// This environment's prefix.
        prefix: String,
        /// The catalogue named by its [`OWNER_TAG`].
        owner: String,
    },
    /// Without the ownership tags.
    Untagged {
        /// This environment's prefix.
        prefix: String,
        /// This catalogue's project.
        project: String,
        /// This environment.
        env: String,
        /// Whether `--adopt` takes it over.
        adoptable: bool,
    },
    /// Tagged for another environment of this catalogue, though only this
    /// environment generates the name (retagged by hand).
    OtherEnvironment {
        /// The environment its [`ENV_TAG`] names.
        env: String,
        /// This environment.
        this: String,
    },
    /// Several saved queries share the name but differ (query string or
    /// log groups): AWS identifies them by id, so obsctl cannot tell which
    /// one it manages. (Identical copies are duplicates, not a conflict.)
    DifferentQueries {
        /// Their ids, sorted.
        ids: Vec<String>,
    },
}

/// The log groups in which this environment's metric filters are owned:
/// those its catalogue declares (where its filters and queries read), or,
/// when they share a common prefix of at least two characters, every group
/// under it, so the filters of a removed service whose group is no longer
/// declared are still pruned. The generated IAM policy grants the filter
/// writes on exactly this scope. A prefixed filter in any other group
/// (another team's) is never deleted (issue 19, finding 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogGroupScope {
    /// Every group whose name starts with this.
    Prefix(String),
    /// Exactly these groups.
    Exact(BTreeSet<String>),
}

impl LogGroupScope {
    /// The scope of the groups `declared` (see the type's docs).
    pub fn of<'a>(declared: impl IntoIterator<Item = &'a String>) -> LogGroupScope {
        let names: Vec<&String> = declared.into_iter().collect();
        let common = common_prefix(&names);
        if names.len() > 1 && common.len() >= 2 {
            LogGroupScope::Prefix(common.to_string())
        } else {
            LogGroupScope::Exact(names.into_iter().cloned().collect())
        }
    }

    /// Whether `group` is in the scope.
    pub fn contains(&self, group: &str) -> bool {
        match self {
            LogGroupScope::Prefix(p) => group.starts_with(p.as_str()),
            LogGroupScope::Exact(groups) => groups.contains(group),
        }
    }
}

/// The longest prefix all `names` share (at a character boundary).
pub fn common_prefix<'a>(names: &[&'a String]) -> &'a str {
    let Some(first) = names.first() else {
        return "";
    };
    let mut end = first.len();
    for n in names {
        end = end.min(
            first
                .bytes()
                .zip(n.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    while !first.is_char_boundary(end) {
        end -= 1;
    }
    first.get(..end).unwrap_or("")
}

/// Tag on an obsctl topic recording the subscriptions obsctl made on it
/// (SNS subscriptions have no tags of their own). Its value is a
/// space-separated list of [`subscription_mark`]s; beyond 28 marks (a tag
/// value holds 256 characters) they continue in `obsctl:subscriptions.2`,
/// `.3`, …. Only a recorded subscription is deleted when the catalogue no
/// longer declares it; one added by hand is left alone (issue 19, finding 4).
pub const SUBSCRIPTIONS_TAG: &str = "obsctl:subscriptions";

/// Marks per tag value: 28 × 9 − 1 = 251 ≤ 256 characters (SNS TagResource:
/// "Maximum length of 256 Unicode characters" per value).
const MARKS_PER_TAG: usize = 28;

/// A subscription's mark: 8 hex digits of a hash of its protocol and real
/// endpoint. The endpoint (maybe a secret) cannot be read back from it.
pub fn subscription_mark(protocol: &str, endpoint: &str) -> String {
    let mut fnv = crate::resource::canonical::Fnv::default();
    fnv.feed(protocol);
    fnv.feed(endpoint);
    format!("{:08x}", fnv.finish() as u32)
}

/// Whether `key` is one of the record's tag keys.
pub fn is_record_tag(key: &str) -> bool {
    key == SUBSCRIPTIONS_TAG
        || key
            .strip_prefix(SUBSCRIPTIONS_TAG)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|n| n.parse::<u32>().is_ok())
}

/// The marks recorded in a topic's tags.
pub fn recorded_subscriptions(tags: &[Tag]) -> BTreeSet<String> {
    tags.iter()
        .filter(|t| is_record_tag(&t.key))
        .flat_map(|t| t.value.split_whitespace().map(String::from))
        .collect()
}

/// The record tags holding `marks` (none when empty).
pub fn subscription_record(marks: &BTreeSet<String>) -> Vec<Tag> {
    let marks: Vec<&str> = marks.iter().map(String::as_str).collect();
    marks
        .chunks(MARKS_PER_TAG)
        .enumerate()
        .map(|(i, chunk)| Tag {
            key: match i {
                0 => SUBSCRIPTIONS_TAG.to_string(),
                n => format!("{SUBSCRIPTIONS_TAG}.{}", n + 1),
            },
            value: chunk.join(" "),
        })
        .collect()
}

/// The comment line that marks a saved query as made by obsctl for one
/// environment. Saved queries have no tags and console users save queries
/// into the same folders, so the marker is what shows obsctl made one:
/// only marked queries are pruned (issue 19, finding 4). Logs Insights
/// ignores it: "Use the hash character (#) to set off comments"
/// (CloudWatch Logs User Guide, "Use aliases and comments in queries").
pub fn query_marker(project: &str, env: &str) -> String {
    format!("{QUERY_MARKER} catalogue {project}, environment {env}")
}

/// How every [`query_marker`] starts.
const QUERY_MARKER: &str = "# managed by obsctl:";

/// `query` with [`query_marker`] as its last line.
pub fn mark_query(query: &str, project: &str, env: &str) -> String {
    let marker = query_marker(project, env);
    if query.is_empty() || query.ends_with('\n') {
        format!("{query}{marker}")
    } else {
        format!("{query}\n{marker}")
    }
}

/// Whether `query` carries the marker of `project`/`env`.
pub fn is_marked(query: &str, project: &str, env: &str) -> bool {
    let marker = query_marker(project, env);
    query.lines().any(|l| l.trim() == marker)
}

/// Whether `query` carries the marker of another catalogue or
/// environment than `project`/`env`.
pub fn marked_for_other(query: &str, project: &str, env: &str) -> bool {
    query.lines().any(|l| l.trim().starts_with(QUERY_MARKER)) && !is_marked(query, project, env)
}

/// The ownership rules of one environment.
#[derive(Debug, Clone)]
pub struct Owner<'a> {
    /// Project (value of the catalogue tag).
    pub project: &'a str,
    /// Environment (value of the env tag).
    pub env: &'a str,
    /// This environment's name prefix.
    pub prefix: &'a str,
    /// Longer prefixes of other environments (see module docs).
    pub other_prefixes: &'a [String],
    /// `obsctl import`: every untagged resource under the prefix is read as
    /// this environment's (nothing is ever written from such a read).
    pub claim_untagged: bool,
}

impl Owner<'_> {
    /// Whether `name` belongs to this environment by name; `generated` holds
    /// the names the catalogue generates for this kind. A generated name
    /// outside the prefix (an alarm's override `name`) is this
    /// environment's by name as well: tags still decide whether it is
    /// owned, adoptable or another catalogue's.
    pub fn by_name(&self, name: &str, generated: &BTreeSet<String>) -> bool {
        generated.contains(name)
            || (name.starts_with(self.prefix) && !self.under_other_prefix(name))
    }

    /// Whether `name` starts with another environment's longer prefix.
    fn under_other_prefix(&self, name: &str) -> bool {
        self.other_prefixes
            .iter()
            .any(|p| name.starts_with(p.as_str()))
    }

    /// Ownership of a kind without tags (metric filters, saved queries).
    pub fn untagged_kind(&self, name: &str, generated: &BTreeSet<String>) -> Verdict {
        if self.by_name(name, generated) {
            Verdict::Owned
        } else {
            Verdict::NotOurs
        }
    }

    /// Ownership of a taggable resource. `legacy_untagged` makes a resource
    /// without any tag owned when the catalogue generates its name: the
    /// upgrade rule for dashboards, which obsctl did not tag before.
    pub fn tagged(
        &self,
        name: &str,
        tags: &[Tag],
        generated: &BTreeSet<String>,
        legacy_untagged: bool,
    ) -> Verdict {
        let value = |key: &str| tags.iter().find(|t| t.key == key).map(|t| t.value.as_str());
        let ours_by_name = self.by_name(name, generated);
        match (value(OWNER_TAG), value(ENV_TAG)) {
            (Some(p), Some(e)) if p == self.project => {
                if e == self.env {
                    Verdict::Owned
                } else if generated.contains(name) && !self.under_other_prefix(name) {
                    // A name only this environment generates, retagged
                    // for another one (by hand): filing it as the other
                    // environment's would make the plan "create" it on every
                    // run, and PutMetricAlarm never changes an existing
                    // alarm's tags (issue 19, finding 7).
                    Verdict::Conflict {
                        reason: ConflictReason::OtherEnvironment {
                            env: e.to_string(),
                            this: self.env.to_string(),
                        },
                        adoptable: true,
                    }
                } else {
                    Verdict::NotOurs
                }
            }
            (Some(p), None) if p == self.project => {
                if ours_by_name {
                    Verdict::Owned
                } else {
                    Verdict::NotOurs
                }
            }
            _ if !ours_by_name => Verdict::NotOurs,
            (Some(p), _) => Verdict::Conflict {
                reason: ConflictReason::OtherCatalogue {
                    prefix: self.prefix.to_string(),
                    owner: p.to_string(),
                },
                adoptable: false,
            },
            // The upgrade rule holds under the prefix only: a name of its
            // own outside it is never taken over untagged.
            (None, _)
                if legacy_untagged && generated.contains(name) && name.starts_with(self.prefix) =>
            {
                Verdict::Owned
            }
            (None, _) if self.claim_untagged => Verdict::Owned,
            (None, _) => {
                let adoptable = generated.contains(name);
                Verdict::Conflict {
                    reason: ConflictReason::Untagged {
                        prefix: self.prefix.to_string(),
                        project: self.project.to_string(),
                        env: self.env.to_string(),
                        adoptable,
                    },
                    adoptable,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: v.into(),
        }
    }

    fn owner(others: &[String]) -> Owner<'_> {
        Owner {
            project: "p",
            env: "staging",
            prefix: "p-staging-",
            other_prefixes: others,
            claim_untagged: false,
        }
    }

    #[test]
    fn the_subscription_record_round_trips_through_tags() {
        let marks: BTreeSet<String> = (0..60)
            .map(|i| subscription_mark("email", &format!("a{i}@example.com")))
            .collect();
        let tags = subscription_record(&marks);
        assert_eq!(tags.len(), 3);
        assert!(tags.iter().all(|t| t.value.chars().count() <= 256));
        assert_eq!(tags[1].key, "obsctl:subscriptions.2");
        assert_eq!(recorded_subscriptions(&tags), marks);
        assert!(subscription_record(&BTreeSet::new()).is_empty());
        assert!(!is_record_tag("obsctl:subscriptions.x") && !is_record_tag("obsctl:catalogue"));
        let secret = "https://hooks.example/SECRET";
        assert!(!subscription_mark("https", secret).contains("SECRET"));
        assert_ne!(
            subscription_mark("https", secret),
            subscription_mark("email", secret)
        );
    }

    #[test]
    fn marked_queries_are_recognized_per_environment() {
        let q = mark_query("fields @message | limit 5", "p", "staging");
        assert!(q.starts_with("fields @message | limit 5\n# managed by obsctl"));
        assert!(is_marked(&q, "p", "staging"));
        assert!(!is_marked(&q, "p", "prod") && !is_marked(&q, "q", "staging"));
        assert!(!is_marked("fields @message", "p", "staging"));
        assert_eq!(
            mark_query("a\n", "p", "e"),
            format!("a\n{}", query_marker("p", "e"))
        );
    }

    #[test]
    fn a_longer_environment_prefix_is_not_ours() {
        let others = vec!["p-staging-eu-".to_string()];
        let o = owner(&others);
        let none = BTreeSet::new();
        assert!(o.by_name("p-staging-api-cpu", &none));
        assert!(!o.by_name("p-staging-eu-api-cpu", &none));
        // ... unless the catalogue generates that very name (service `eu-api`).
        let generated: BTreeSet<String> = ["p-staging-eu-api-cpu".to_string()].into();
        assert!(o.by_name("p-staging-eu-api-cpu", &generated));
        assert_eq!(o.untagged_kind("p-staging-eu-x", &none), Verdict::NotOurs);
        assert_eq!(o.untagged_kind("p-prod-x", &none), Verdict::NotOurs);
    }

    #[test]
    fn tags_decide_where_aws_has_them() {
        let others = vec!["p-staging-eu-".to_string()];
        let o = owner(&others);
        let none = BTreeSet::new();
        let ours = [tag(OWNER_TAG, "p"), tag(ENV_TAG, "staging")];
        let eu = [tag(OWNER_TAG, "p"), tag(ENV_TAG, "staging-eu")];
        assert_eq!(o.tagged("p-staging-a", &ours, &none, false), Verdict::Owned);
        // Tagged for another environment: skipped silently, whatever the name.
        assert_eq!(o.tagged("p-staging-a", &eu, &none, false), Verdict::NotOurs);
        assert_eq!(
            o.tagged("p-staging-eu-a", &eu, &none, false),
            Verdict::NotOurs
        );
        // A name only this environment generates, retagged for another:
        // a conflict `--adopt` settles, not a create on every run.
        let generated: BTreeSet<String> = ["p-staging-a".to_string()].into();
        assert!(matches!(
            o.tagged("p-staging-a", &eu, &generated, false),
            Verdict::Conflict {
                reason: ConflictReason::OtherEnvironment { .. },
                adoptable: true,
            }
        ));
        // Upgrade: catalogue tag only, this environment's exact prefix.
        let legacy = [tag(OWNER_TAG, "p")];
        assert_eq!(
            o.tagged("p-staging-a", &legacy, &none, false),
            Verdict::Owned
        );
        assert_eq!(
            o.tagged("p-staging-eu-a", &legacy, &none, false),
            Verdict::NotOurs
        );
        // Untagged: a conflict in our prefix, nothing in another's.
        assert!(matches!(
            o.tagged("p-staging-a", &[], &none, false),
            Verdict::Conflict {
                adoptable: false,
                ..
            }
        ));
        assert_eq!(
            o.tagged("p-staging-eu-a", &[], &none, false),
            Verdict::NotOurs
        );
        // Another catalogue's: a conflict, never adoptable.
        let generated: BTreeSet<String> = ["p-staging-a".to_string()].into();
        assert!(matches!(
            o.tagged("p-staging-a", &[tag(OWNER_TAG, "q")], &generated, true),
            Verdict::Conflict {
                adoptable: false,
                ..
            }
        ));
        // Untagged with a generated name: adoptable, or owned during an upgrade.
        assert!(matches!(
            o.tagged("p-staging-a", &[], &generated, false),
            Verdict::Conflict {
                adoptable: true,
                ..
            }
        ));
        assert_eq!(
            o.tagged("p-staging-a", &[], &generated, true),
            Verdict::Owned
        );
    }
}
