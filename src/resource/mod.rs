//! Resources: the typed desired state, shaped exactly like the AWS API inputs
//! (PutMetricAlarm, PutCompositeAlarm, PutDashboard, CreateLogGroup,
//! PutMetricFilter, PutQueryDefinition, CreateTopic, Subscribe). Desired state from the compiler
//! and live state read from AWS use these same types, in the same canonical
//! form (see [`canonical`]), so comparing them is plain equality.

pub mod canonical;
pub mod dashboard_defaults;
mod types;

pub use types::*;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Resource kinds, in the order apply creates them.
/// Serialized with the plural names of `--only` (`metric-alarms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// SNS topic.
    #[serde(rename = "topics")]
    Topic,
    /// SNS subscription.
    #[serde(rename = "subscriptions")]
    Subscription,
    /// CloudWatch Logs log group (created, never changed or deleted).
    #[serde(rename = "log-groups")]
    LogGroup,
    /// CloudWatch Logs metric filter.
    #[serde(rename = "metric-filters")]
    MetricFilter,
    /// CloudWatch metric, math or anomaly alarm.
    #[serde(rename = "metric-alarms")]
    MetricAlarm,
    /// CloudWatch composite alarm.
    #[serde(rename = "composite-alarms")]
    CompositeAlarm,
    /// CloudWatch dashboard.
    #[serde(rename = "dashboards")]
    Dashboard,
    /// CloudWatch Logs saved query.
    #[serde(rename = "query-definitions")]
    QueryDefinition,
}

impl Kind {
    /// Every kind, in apply order.
    pub const ALL: [Kind; 8] = [
        Kind::Topic,
        Kind::Subscription,
        Kind::LogGroup,
        Kind::MetricFilter,
        Kind::MetricAlarm,
        Kind::CompositeAlarm,
        Kind::Dashboard,
        Kind::QueryDefinition,
    ];

    /// Parses a plural name (`metric-alarms`).
    pub fn from_plural(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.plural() == s)
    }

    /// Plural name, used as the snapshot directory and in `--only`.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Topic => "topics",
            Kind::Subscription => "subscriptions",
            Kind::LogGroup => "log-groups",
            Kind::MetricFilter => "metric-filters",
            Kind::MetricAlarm => "metric-alarms",
            Kind::CompositeAlarm => "composite-alarms",
            Kind::Dashboard => "dashboards",
            Kind::QueryDefinition => "query-definitions",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}

/// One resource of the desired (or live) state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "spec", rename_all = "kebab-case")]
#[expect(
    clippy::large_enum_variant,
    reason = "resources live in one map; boxing alarms would only add indirection"
)]
pub enum Resource {
    /// SNS topic.
    Topic(Topic),
    /// SNS subscription.
    Subscription(Subscription),
    /// Log group.
    LogGroup(LogGroup),
    /// Metric filter.
    MetricFilter(MetricFilter),
    /// Metric alarm.
    MetricAlarm(MetricAlarm),
    /// Composite alarm.
    CompositeAlarm(CompositeAlarm),
    /// Dashboard.
    Dashboard(Dashboard),
    /// Saved query.
    QueryDefinition(QueryDefinition),
}

impl Resource {
    /// The tags obsctl sets on it (none for kinds AWS cannot tag here:
    /// subscriptions, metric filters, saved queries; log groups' are set
    /// on creation only and never compared).
    pub fn tags(&self) -> &[Tag] {
        match self {
            Resource::Topic(t) => &t.tags,
            Resource::MetricAlarm(a) => &a.tags,
            Resource::CompositeAlarm(a) => &a.tags,
            Resource::Dashboard(d) => &d.tags,
            Resource::Subscription(_)
            | Resource::LogGroup(_)
            | Resource::MetricFilter(_)
            | Resource::QueryDefinition(_) => &[],
        }
    }

    /// The resource's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Resource::Topic(_) => Kind::Topic,
            Resource::Subscription(_) => Kind::Subscription,
            Resource::LogGroup(_) => Kind::LogGroup,
            Resource::MetricFilter(_) => Kind::MetricFilter,
            Resource::MetricAlarm(_) => Kind::MetricAlarm,
            Resource::CompositeAlarm(_) => Kind::CompositeAlarm,
            Resource::Dashboard(_) => Kind::Dashboard,
            Resource::QueryDefinition(_) => Kind::QueryDefinition,
        }
    }

    /// The resource's identity within its kind (a subscription's is
    /// `topic/protocol/endpoint`, a filter's `log group/filter`).
    pub fn key(&self) -> String {
        match self {
            Resource::Topic(t) => t.name.clone(),
            Resource::Subscription(s) => s.key(),
            Resource::LogGroup(g) => g.log_group_name.clone(),
            Resource::MetricFilter(m) => format!("{}:{}", m.log_group_name, m.filter_name),
            Resource::MetricAlarm(a) => a.alarm_name.clone(),
            Resource::CompositeAlarm(a) => a.alarm_name.clone(),
            Resource::Dashboard(d) => d.dashboard_name.clone(),
            Resource::QueryDefinition(q) => q.name.clone(),
        }
    }

    /// File name (without `.json`) under the kind's snapshot directory.
    pub fn file_stem(&self) -> String {
        let raw = match self {
            Resource::MetricFilter(m) => m.filter_name.clone(),
            Resource::Subscription(s) => s.file_stem(),
            Resource::LogGroup(g) => g.log_group_name.trim_start_matches('/').to_string(),
            other => other.key(),
        };
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// The canonical JSON of the resource: for a dashboard the body AWS
    /// receives, for the others the API input.
    pub fn to_json(&self) -> serde_json::Value {
        let v = match self {
            Resource::Topic(r) => serde_json::to_value(r),
            Resource::Subscription(r) => serde_json::to_value(r),
            Resource::LogGroup(r) => serde_json::to_value(r),
            Resource::MetricFilter(r) => serde_json::to_value(r),
            Resource::MetricAlarm(r) => serde_json::to_value(r),
            Resource::CompositeAlarm(r) => serde_json::to_value(r),
            Resource::Dashboard(r) => Ok(r.body.clone()),
            Resource::QueryDefinition(r) => serde_json::to_value(r),
        };
        // These types only hold strings, numbers, bools and maps with string keys.
        canonical::canonical(v.unwrap_or(serde_json::Value::Null))
    }
}

/// The AWS partition of a region: `aws-cn` for `cn-*`, `aws-us-gov` for
/// `us-gov-*`, `aws-iso*` for the isolated regions, else `aws`. Derived
/// offline so `render` needs no credentials; plan and apply cross-check it
/// with STS.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else {
        "aws"
    }
}

/// The ARN of a CloudWatch alarm.
pub fn alarm_arn(region: &str, account: &str, name: &str) -> String {
    let p = partition(region);
    format!("arn:{p}:cloudwatch:{region}:{account}:alarm:{name}")
}

/// The ARN of a CloudWatch dashboard (dashboards are global: no region).
pub fn dashboard_arn(region: &str, account: &str, name: &str) -> String {
    let p = partition(region);
    format!("arn:{p}:cloudwatch::{account}:dashboard/{name}")
}

/// The ARN of an SNS topic.
pub fn topic_arn(region: &str, account: &str, name: &str) -> String {
    let p = partition(region);
    format!("arn:{p}:sns:{region}:{account}:{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adding a `Kind` variant breaks this match, which leads here: list
    /// the new kind in `Kind::ALL` and update `LAST`.
    const LAST: Kind = Kind::QueryDefinition;
    const _EVERY_KIND: fn(Kind) = |k| match k {
        Kind::Topic
        | Kind::Subscription
        | Kind::LogGroup
        | Kind::MetricFilter
        | Kind::MetricAlarm
        | Kind::CompositeAlarm
        | Kind::Dashboard
        | Kind::QueryDefinition => {}
    };

    #[test]
    fn partition_and_arns_follow_the_region() {
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("us-iso-east-1"), "aws-iso");
        assert_eq!(partition("us-isob-east-1"), "aws-iso-b");
        assert_eq!(
            alarm_arn("cn-northwest-1", "1", "a"),
            "arn:aws-cn:cloudwatch:cn-northwest-1:1:alarm:a"
        );
        assert_eq!(
            topic_arn("us-gov-east-1", "1", "t"),
            "arn:aws-us-gov:sns:us-gov-east-1:1:t"
        );
        assert_eq!(
            dashboard_arn("cn-north-1", "1", "d"),
            "arn:aws-cn:cloudwatch::1:dashboard/d"
        );
    }

    #[test]
    fn all_lists_every_kind_once_in_declaration_order() {
        assert_eq!(Kind::ALL.len(), LAST as usize + 1);
        for (i, k) in Kind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k} out of place in Kind::ALL");
            assert_eq!(Kind::from_plural(k.plural()), Some(*k));
        }
    }
}
