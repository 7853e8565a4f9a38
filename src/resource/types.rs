//! The resource types, field for field the AWS API inputs.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A `Name`/`Value` dimension.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    /// Dimension name.
    pub name: String,
    /// Dimension value.
    pub value: String,
}

/// A `Key`/`Value` tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Tag key.
    pub key: String,
    /// Tag value.
    pub value: String,
}

/// A metric identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metric {
    /// Namespace.
    pub namespace: String,
    /// Metric name.
    pub metric_name: String,
    /// Dimensions, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<Dimension>,
}

/// `MetricStat` of a metric data query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricStat {
    /// The metric.
    pub metric: Metric,
    /// Period in seconds.
    pub period: u32,
    /// Statistic or extended statistic.
    pub stat: String,
    /// Unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// One entry of an alarm's `Metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDataQuery {
    /// Id.
    pub id: String,
    /// A metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_stat: Option<MetricStat>,
    /// An expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Whether the series is returned (always written explicitly).
    pub return_data: bool,
}

/// PutMetricAlarm input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricAlarm {
    /// Alarm name.
    pub alarm_name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    /// Whether actions run.
    pub actions_enabled: bool,
    /// Actions on OK.
    #[serde(rename = "OKActions", default)]
    pub ok_actions: Vec<String>,
    /// Actions on ALARM.
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    /// Actions on INSUFFICIENT_DATA.
    #[serde(default)]
    pub insufficient_data_actions: Vec<String>,
    /// Single-metric alarm: metric name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric_name: Option<String>,
    /// Single-metric alarm: namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Single-metric alarm: statistic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<String>,
    /// Single-metric alarm: extended statistic (percentile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_statistic: Option<String>,
    /// Single-metric alarm: dimensions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<Dimension>,
    /// Single-metric alarm: period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// Single-metric alarm: unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// N.
    pub evaluation_periods: u32,
    /// M.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<u32>,
    /// Static threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Comparison operator.
    pub comparison_operator: String,
    /// Missing data treatment.
    pub treat_missing_data: String,
    /// Percentile alarms: low-sample handling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluate_low_sample_count_percentile: Option<String>,
    /// Math and anomaly alarms: the queries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricDataQuery>,
    /// Anomaly alarms: id of the band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_metric_id: Option<String>,
    /// Tags (applied at creation; reconciled with TagResource).
    #[serde(default)]
    pub tags: Vec<Tag>,
}

impl MetricAlarm {
    /// Number of billed alarm metrics (math: metrics in the expression;
    /// anomaly: 3).
    pub fn billed_metrics(&self) -> u32 {
        if self.threshold_metric_id.is_some() {
            3
        } else if self.metrics.is_empty() {
            1
        } else {
            self.metrics
                .iter()
                .filter(|m| m.metric_stat.is_some())
                .count() as u32
        }
    }

    /// True for periods of 10, 20 or 30 s (high-resolution pricing).
    pub fn high_resolution(&self) -> bool {
        let period = self.period.or_else(|| {
            self.metrics
                .iter()
                .find_map(|m| m.metric_stat.as_ref().map(|s| s.period))
        });
        period.is_some_and(|p| p < 60)
    }

    /// True when AWS evaluates missing data as `ignore` whatever
    /// `TreatMissingData` says: the alarm reads an AWS/DynamoDB metric
    /// ([`crate::rules::missing_data`]).
    pub fn always_ignores_missing_data(&self) -> bool {
        let namespaces = self.namespace.iter().map(String::as_str).chain(
            self.metrics
                .iter()
                .filter_map(|m| m.metric_stat.as_ref())
                .map(|s| s.metric.namespace.as_str()),
        );
        crate::rules::missing_data::always_ignores_missing_data(namespaces)
    }
}

/// PutCompositeAlarm input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompositeAlarm {
    /// Alarm name.
    pub alarm_name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    /// Rule over child alarms (full names).
    pub alarm_rule: String,
    /// Whether actions run.
    pub actions_enabled: bool,
    /// Actions on OK.
    #[serde(rename = "OKActions", default)]
    pub ok_actions: Vec<String>,
    /// Actions on ALARM.
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    /// Actions on INSUFFICIENT_DATA.
    #[serde(default)]
    pub insufficient_data_actions: Vec<String>,
    /// Suppressing alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_suppressor: Option<String>,
    /// Suppressor wait period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_suppressor_wait_period: Option<u32>,
    /// Suppressor extension period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions_suppressor_extension_period: Option<u32>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// PutDashboard input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Name.
    pub dashboard_name: String,
    /// Body (canonical JSON, held as text).
    pub body: super::Body,
    /// Tags (ownership), sorted. Not part of the body: set with
    /// PutDashboard `Tags` and TagResource, compared on their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// The metric transformation of a filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricTransformation {
    /// Metric name.
    pub metric_name: String,
    /// Namespace.
    pub metric_namespace: String,
    /// Value per match.
    pub metric_value: String,
    /// Default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<f64>,
    /// Dimensions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    /// Unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// PutMetricFilter input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricFilter {
    /// Log group.
    pub log_group_name: String,
    /// Filter name.
    pub filter_name: String,
    /// Pattern.
    pub filter_pattern: String,
    /// Exactly one transformation.
    pub metric_transformations: Vec<MetricTransformation>,
}

/// CreateLogGroup input, plus the retention PutRetentionPolicy sets. Only
/// in environments with `log_groups: create`; obsctl creates a missing log
/// group and never changes or deletes one that exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogGroup {
    /// Log group name.
    pub log_group_name: String,
    /// Days to keep events (PutRetentionPolicy); `None` keeps them forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<u32>,
    /// Ownership tags, set at creation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// PutQueryDefinition input (without the id, which AWS assigns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryDefinition {
    /// Name; `/` makes folders.
    pub name: String,
    /// Query text.
    pub query_string: String,
    /// Log groups.
    pub log_group_names: Vec<String>,
}

/// CreateTopic input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Topic {
    /// Topic name.
    pub name: String,
    /// Attributes (`DisplayName`, `KmsMasterKeyId`, and `Policy` /
    /// `DeliveryPolicy` when declared; JSON values in canonical form).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// Subscribe input. `Endpoint` may be a `${env:NAME}` placeholder, resolved
/// only when the subscription is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    /// Topic name (the ARN is derived from it at apply time).
    pub topic_name: String,
    /// Protocol.
    pub protocol: String,
    /// Endpoint or `${env:NAME}` placeholder.
    pub endpoint: String,
    /// Attributes obsctl manages (`RawMessageDelivery`, `FilterPolicy`,
    /// `FilterPolicyScope`, `RedrivePolicy`; JSON values in canonical form).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Skipped when its secret is unset.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Made outside obsctl (AWS Chatbot): never subscribed or deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
}

impl Subscription {
    /// Identity: topic, protocol and endpoint.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.topic_name, self.protocol, self.endpoint)
    }

    /// File name: topic, protocol and the endpoint (or the secret's name).
    pub fn file_stem(&self) -> String {
        let endpoint = secret_name(&self.endpoint).unwrap_or(&self.endpoint);
        format!("{}--{}--{}", self.topic_name, self.protocol, endpoint)
    }
}

/// The variable name of a `${env:NAME}` placeholder.
pub fn secret_name(endpoint: &str) -> Option<&str> {
    endpoint.strip_prefix("${env:")?.strip_suffix('}')
}

/// The `Schedule` of a mute rule's `Rule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MuteSchedule {
    /// `cron(Minutes Hours Day-of-month Month Day-of-week)` or
    /// `at(yyyy-MM-ddThh:mm)` ([`crate::rules::mute`]).
    pub expression: String,
    /// ISO 8601 duration, `PT1M` to `P15D`.
    pub duration: String,
    /// IANA time zone; AWS reads a missing one as UTC, and obsctl always
    /// writes it.
    pub timezone: String,
}

/// A mute rule's `Rule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MuteRule {
    /// When and how long.
    pub schedule: MuteSchedule,
}

/// A mute rule's `MuteTargets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MuteTargets {
    /// Alarm names (at most 100), sorted.
    pub alarm_names: Vec<String>,
}

/// PutAlarmMuteRule input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmMuteRule {
    /// Rule name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The schedule.
    pub rule: MuteRule,
    /// The alarms it mutes.
    pub mute_targets: MuteTargets,
    /// Takes effect from (UTC, `2026-04-15T08:00:00Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// Expires at (UTC, `2026-12-31T23:59:59Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_date: Option<String>,
    /// Tags (ownership; reconciled with TagResource).
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// The `ScheduleConfiguration` of a log alarm's scheduled query (API
/// reference, "ScheduleConfiguration").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogAlarmSchedule {
    /// `rate(N minutes)` / `rate(1 hour)` …: how often the query runs.
    pub schedule_expression: String,
    /// Seconds before each run at which the queried time range begins
    /// (always written).
    pub start_time_offset: u64,
    /// Seconds before each run at which it ends (AWS's default 0; always
    /// written, and read back as 0 when AWS leaves it out).
    pub end_time_offset: u64,
}

/// The `ScheduledQueryConfiguration` of a log alarm (its `QueryARN`, set by
/// AWS, is not part of the input and is dropped when read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduledQuery {
    /// The Logs Insights query run on each schedule.
    pub query_string: String,
    /// Log group names (1 to 50), sorted.
    pub log_group_identifiers: Vec<String>,
    /// The role CloudWatch assumes to run the query.
    #[serde(rename = "ScheduledQueryRoleARN")]
    pub scheduled_query_role_arn: String,
    /// When it runs and what time range each run reads.
    pub schedule_configuration: LogAlarmSchedule,
    /// How the query's results become the values compared with the
    /// threshold (`count(*)`, `count(*) by ip`).
    pub aggregation_expression: String,
}

/// PutLogAlarm input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogAlarm {
    /// Alarm name.
    pub alarm_name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    /// Whether actions run.
    pub actions_enabled: bool,
    /// Actions on OK.
    #[serde(rename = "OKActions", default)]
    pub ok_actions: Vec<String>,
    /// Actions on ALARM.
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    /// Actions on INSUFFICIENT_DATA.
    #[serde(default)]
    pub insufficient_data_actions: Vec<String>,
    /// The scheduled query.
    pub scheduled_query_configuration: ScheduledQuery,
    /// N: the most recent query results evaluated (1 to 100).
    pub query_results_to_evaluate: u32,
    /// M: of those, how many must breach (≤ N).
    pub query_results_to_alarm: u32,
    /// Threshold.
    pub threshold: f64,
    /// One of the four comparisons PutLogAlarm allows.
    pub comparison_operator: String,
    /// Missing data treatment (always written).
    pub treat_missing_data: String,
    /// Tags (reconciled with TagResource).
    #[serde(default)]
    pub tags: Vec<Tag>,
}
