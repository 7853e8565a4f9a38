//! The catalogue's data model: what a user writes in YAML, as Rust types.
//!
//! These types are the single source of truth for the catalogue format: serde
//! reads them (unknown keys are errors) and schemars turns them into the JSON
//! Schema printed by `obsctl schema`. Every field is documented because the doc
//! comments become the schema's descriptions, which editors show on hover.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Default naming pattern applied to every resource.
pub const DEFAULT_NAMING: &str = "{project}-{env}-{service}-{name}";

/// One catalogue file. `obsctl.yaml` must set `project` and `namespace`; files it
/// includes may carry any of the other sections, which are merged by key.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    /// Project name, the first part of every resource name (e.g. `cat-house`).
    pub project: Option<String>,
    /// Default CloudWatch namespace for custom metrics (e.g. `CatHouse/Services`).
    pub namespace: Option<String>,
    /// Naming pattern for every resource. Placeholders: `{project}`, `{env}`,
    /// `{service}` (dropped with its separator for shared resources) and `{name}`.
    pub naming: Option<String>,
    /// Directory of the dashboard templates, relative to `obsctl.yaml`
    /// (default `templates`, inside the catalogue). Nothing is looked up by
    /// the catalogue directory's name, so a catalogue copied or renamed with
    /// its templates keeps working.
    pub templates: Option<String>,
    /// More catalogue files, relative to `obsctl.yaml`. A `*` in the file name
    /// matches any characters (`services/*.yaml`).
    #[serde(default)]
    pub include: Vec<String>,
    /// Deployment environments, keyed by name (`staging`, `production`).
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// SNS topics, keyed by topic name (before the naming pattern is applied).
    #[serde(default)]
    pub topics: BTreeMap<String, TopicSpec>,
    /// Severities (`critical`, `warning`, `info`) and the topic each one routes to.
    #[serde(default)]
    pub severities: BTreeMap<String, SeveritySpec>,
    /// Alarm templates, applied to every service unless restricted.
    #[serde(default)]
    pub alarms: BTreeMap<String, AlarmSpec>,
    /// Services, keyed by name.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceSpec>,
    /// Dashboards rendered from minijinja templates in `templates/`.
    #[serde(default)]
    pub dashboards: BTreeMap<String, DashboardSpec>,
    /// Log metric filters, applied to every service's log group.
    #[serde(default)]
    pub metric_filters: BTreeMap<String, MetricFilterSpec>,
    /// Saved Logs Insights queries, keyed by name (`/` makes folders).
    #[serde(default)]
    pub queries: BTreeMap<String, QuerySpec>,
    /// Metrics the applications publish themselves (EMF, PutMetricData, the
    /// CloudWatch agent), keyed by metric name: every alarm and widget must
    /// watch a metric some source publishes (see "Testing your monitoring").
    #[serde(default)]
    pub metrics: BTreeMap<String, PublishedMetric>,
    /// Namespaces whose metrics obsctl does not check (published by a tool
    /// it does not know); any other unknown namespace is an error.
    #[serde(default)]
    pub external_namespaces: Vec<String>,
    /// Names of resources under an environment's prefix that obsctl knows
    /// are not its own (another team's, made before obsctl): `*` matches
    /// any run of characters. A match is left alone and shown as a note,
    /// not as a conflict, so `plan --detailed-exitcode` can exit 0.
    #[serde(default)]
    pub foreign: Vec<String>,
    /// Tests of the monitoring, run offline by `obsctl test` (usually in
    /// `tests/*.yaml`, included like any other file), keyed by test name.
    #[serde(default)]
    pub tests: BTreeMap<String, TestSpec>,
    /// How services' SLOs (`services.<name>.slo`) are measured and alerted
    /// on: multi-window, multi-burn-rate alarms (see "SLOs" in the README).
    pub slo: Option<SloConfig>,
    /// Runbook files in the catalogue: where they are published and what
    /// every one must contain.
    pub runbooks: Option<RunbookConfig>,
    /// The on-call rotation and escalation (`obsctl docs` writes the page).
    pub oncall: Option<OncallSpec>,
    /// Mute windows, keyed by name: scheduled times in which the actions of
    /// the chosen alarms are muted (CloudWatch alarm mute rules) while the
    /// alarms keep evaluating.
    #[serde(default)]
    pub mute: BTreeMap<String, MuteSpec>,
}

/// A mute window (an alarm mute rule per environment, split at 100 alarms).
/// The alarms keep changing state inside it; their actions (notifications,
/// for every state) are muted. An alarm still in the state it was muted in
/// when the window ends takes that state's actions then (AWS, "How alarm
/// mute rules work").
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MuteSpec {
    /// When windows open, read in `timezone`: `cron(Minutes Hours
    /// Day-of-month Month Day-of-week)` for recurring windows — five fields
    /// (not EventBridge's six: no year, no `?`), each a value, `*`, a range
    /// `a-b` or a list `a,b`; months JAN–DEC or 1–12, days of week SUN–SAT
    /// or 0–6 (0 = Sunday) — e.g. `cron(0 2 * * *)` every day at 02:00; or
    /// `at(yyyy-MM-ddThh:mm)` for one window, to the minute (e.g.
    /// `at(2026-12-24T18:00)`).
    pub schedule: String,
    /// How long each window lasts, from 1 minute to 15 days: `30m`, `2h`,
    /// `1d12h`, or ISO 8601 as AWS writes it (`PT2H`, `P1DT12H`).
    pub duration: String,
    /// IANA time zone the schedule and dates are read in
    /// (`Europe/Berlin`, `America/New_York`); default `UTC`.
    pub timezone: Option<String>,
    /// No window opens before this date: `2026-04-15T08:00` (in `timezone`)
    /// or `2026-04-15T08:00:00Z` (UTC).
    pub start: Option<String>,
    /// The rule expires at this date (same forms as `start`): no window
    /// mutes anything from then on.
    pub expire: Option<String>,
    /// Why the window exists (the rule's description; shown on the on-call
    /// page).
    pub description: Option<String>,
    /// Environments where the window applies (default: all).
    pub environments: Option<Vec<String>>,
    /// Alarm templates whose alarms it mutes (keys of `alarms`; default:
    /// all). The choices combine: an alarm is muted when it matches every
    /// one given.
    pub alarms: Option<Vec<String>>,
    /// Services whose alarms it mutes (default: all; environment-wide
    /// alarms belong to no service and are left out when `services` is
    /// given).
    pub services: Option<Vec<String>>,
    /// Severities whose alarms it mutes (keys of `severities`; default:
    /// all), as routes choose alarms by severity.
    pub severities: Option<Vec<String>>,
}

/// Who is on call and how alerts escalate.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OncallSpec {
    /// The rotation, in words (e.g. weekly, primary and secondary).
    pub rotation: String,
    /// When and how the shift is handed over.
    pub handover: Option<String>,
    /// Where the schedule lives (e.g. the PagerDuty schedule's address).
    pub schedule: Option<String>,
    /// Contacts by role: names, or secrets (`${env:NAME}`, never resolved).
    #[serde(default)]
    pub contacts: BTreeMap<String, String>,
    /// Escalation steps, in order.
    #[serde(default)]
    pub escalation: Vec<EscalationStep>,
}

/// One escalation step.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    /// Delay after the page (e.g. `0m`, `15m`).
    pub after: String,
    /// Who is reached (a role of `contacts`, or a name).
    pub who: String,
    /// How (e.g. PagerDuty escalation policy, phone).
    pub how: Option<String>,
}

/// Runbooks kept as Markdown files in the catalogue. An alarm's `runbook`
/// is then a path relative to `obsctl.yaml` (`runbooks/service-down.md`),
/// checked by `validate`, and links to `base_url` + that path.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunbookConfig {
    /// Where the catalogue directory is published on the web (e.g. its
    /// repository's address, ending in `/`).
    pub base_url: String,
    /// Every alarm that notifies needs a runbook: an error without one
    /// (otherwise a warning).
    #[serde(default)]
    pub required: bool,
    /// The `## ` sections every runbook file must have (default: the
    /// runbook template's Severity, Description, Impact, Diagnosis Steps,
    /// Resolution Steps, Escalation).
    pub sections: Option<Vec<String>>,
}

/// Whether an alarm's `runbook` is a link (else a file of the catalogue).
pub fn runbook_is_link(runbook: &str) -> bool {
    runbook.contains("://")
}

/// The sections of the runbook template (the platform story's).
pub const RUNBOOK_SECTIONS: [&str; 6] = [
    "Severity",
    "Description",
    "Impact",
    "Diagnosis Steps",
    "Resolution Steps",
    "Escalation",
];

/// How SLOs are measured and alerted on.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloConfig {
    /// The SLO period in days (default 28): the error budget is
    /// (100 − availability)% of the requests in it.
    pub period_days: Option<u32>,
    /// Availability: a service's bad and total request counts (math
    /// queries; `{{ service.name }}` placeholders allowed).
    pub availability: SloRatio,
    /// Severity of the fast-burn pairs, which page (default `critical`).
    pub page: Option<String>,
    /// Severity of the slow-burn pair, a ticket (default `warning`).
    pub ticket: Option<String>,
    /// The fewest requests in a window for its burn rate to count, so low
    /// traffic does not page on one failed request (default 100).
    pub min_requests: Option<u32>,
    /// Runbook of the burn-rate alarms.
    pub runbook: Option<String>,
    /// Window pairs (default: the SRE workbook's table adapted to
    /// CloudWatch's one-day period limit, see the README).
    pub windows: Option<Vec<BurnWindow>>,
}

/// Bad and total events of a service.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloRatio {
    /// Bad events (e.g. 5xx responses), summed per window.
    pub bad: MathQuery,
    /// All events (requests), summed per window.
    pub total: MathQuery,
}

/// One multi-window burn-rate alert: it fires when both windows burn the
/// budget faster than the rate that spends `budget_percent` of it in the
/// long window.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BurnWindow {
    /// Long window (`30m`, `3h`, `1d`; at most one day, CloudWatch's
    /// longest alarm period).
    pub long: String,
    /// Short window (`3m`): the alert stops soon after the burn stops.
    pub short: String,
    /// Share of the period's budget the long window may spend (e.g. `1` for
    /// 1%): burn rate = share × period / long window.
    pub budget_percent: f64,
    /// `page` or `ticket`.
    pub alert: BurnAlert,
}

/// Whether a burn-rate pair pages or files a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BurnAlert {
    /// The `page` severity.
    Page,
    /// The `ticket` severity.
    Ticket,
}

/// A metric an application publishes.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishedMetric {
    /// Namespace (default: the catalogue's `namespace`).
    pub namespace: Option<String>,
    /// The dimension sets it is published with, each the exact set of
    /// dimension names (`[[service], [service, endpoint]]`; `[[]]` for none).
    pub dimensions: Vec<Vec<String>>,
    /// CloudWatch unit.
    pub unit: Option<String>,
    /// What the value is.
    pub kind: PublishedKind,
    /// How it reaches CloudWatch.
    pub via: PublishedVia,
}

/// What a published metric's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PublishedKind {
    /// A count per event or per period (meaningful: Sum, SampleCount).
    Counter,
    /// A level (meaningful: Average, Minimum, Maximum).
    Gauge,
    /// One value per event, e.g. a duration (every statistic, percentiles).
    Timer,
    /// A Prometheus summary (quantiles published as gauges).
    Summary,
    /// A Prometheus histogram (buckets): not converted by the CloudWatch agent.
    Histogram,
}

/// How a published metric reaches CloudWatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PublishedVia {
    /// Embedded Metric Format log lines.
    Emf,
    /// The PutMetricData API.
    PutMetricData,
    /// The CloudWatch agent (StatsD, collectd or Prometheus scraping).
    CloudwatchAgent,
}

/// A deployment environment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// AWS region (e.g. `us-east-1`).
    pub region: String,
    /// AWS account id; when absent, ARNs are written with the placeholder
    /// `${aws:account_id}` and resolved at run time.
    pub account_id: Option<String>,
    /// AWS profile to use for this environment (plan/apply).
    pub profile: Option<String>,
    /// ECS cluster name; templates see it as `env.cluster`.
    pub cluster: Option<String>,
    /// Log group pattern; placeholders `{project}`, `{env}`, `{service}`.
    #[serde(default = "default_log_group")]
    pub log_group: String,
    /// What to do about the log groups that metric filters and saved queries
    /// read: `require` (default) makes plan and apply stop, naming the
    /// filters and queries, when one is missing; `create` creates missing
    /// ones (tagged as obsctl's) before the filters. obsctl never changes or
    /// deletes a log group that exists.
    #[serde(default)]
    pub log_groups: LogGroupMode,
    /// The IAM role CloudWatch assumes to run log alarms' scheduled
    /// queries (`ScheduledQueryRoleARN`): a role name in the environment's
    /// account, or an ARN. Required when the environment has log alarms;
    /// obsctl does not create it (see docs/log-alarms.md for its policy),
    /// and the apply policy may pass exactly this role.
    pub log_alarm_role: Option<String>,
    /// Retention in days of the log groups obsctl creates (`log_groups:
    /// create` only): one of CloudWatch Logs' values (1, 3, 5, 7, 14, 30,
    /// 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    /// 2922, 3288, 3653). Absent: events are kept forever.
    pub log_retention_days: Option<u32>,
    /// Allow `obsctl verify --drill` here: it sets alarms of this
    /// environment to ALARM and back, so their topics' subscribers (the
    /// on-call) really receive a test notification. Off by default; turn
    /// it on for staging, or for production with the on-call's agreement.
    #[serde(default)]
    pub drill: bool,
    /// Free-form values available to templates as `env.vars`.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Overrides of alarm templates for every service in this environment.
    #[serde(default)]
    pub alarms: BTreeMap<String, AlarmOverride>,
    /// Severity → route: a topic or a list of topics replaces the
    /// severity's topics; `{ add: [...] }` notifies these as well;
    /// `{ replace: [...], add: [...] }` does both (e.g. `critical: { add:
    /// [payment-oncall] }`: payment criticals page the payment team and
    /// the general on-call).
    #[serde(default)]
    pub routes: BTreeMap<String, Route>,
}

/// How obsctl treats missing log groups (see [`Environment::log_groups`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogGroupMode {
    /// A missing log group stops plan and apply before anything changes.
    #[default]
    Require,
    /// Missing log groups are created (and tagged); existing ones are left
    /// as they are.
    Create,
}

/// The `log_group` value of a service that writes no logs.
pub const NO_LOG_GROUP: &str = "none";

fn default_log_group() -> String {
    "/ecs/{project}/{env}/{service}".to_string()
}

/// An SNS topic and its subscriptions.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    /// The topic's name instead of the naming pattern's: keeps a hand-made
    /// topic's name when it is adopted (`obsctl import` writes it). A text
    /// with placeholders (`alerts-{{ env.name }}`); owned by its tags alone
    /// (it is outside the environment's name prefix).
    pub name: Option<String>,
    /// Display name shown in email notifications.
    pub display_name: Option<String>,
    /// KMS key for server-side encryption. `alias/aws/sns` is rejected:
    /// CloudWatch cannot publish to topics encrypted with it.
    pub kms_key: Option<String>,
    /// Access policy (a JSON object). Compared with the live topic only when
    /// declared: SNS gives every topic a default policy.
    pub policy: Option<serde_json::Value>,
    /// Delivery (retry) policy for http/https subscriptions (a JSON object).
    /// Compared only when declared.
    pub delivery_policy: Option<serde_json::Value>,
    /// Subscriptions of this topic.
    #[serde(default)]
    pub subscriptions: Vec<SubscriptionSpec>,
    /// Manage every subscription of the topic: delete live ones the
    /// catalogue does not declare, also those obsctl did not make. By
    /// default only subscriptions obsctl made (recorded in the topic's
    /// `obsctl:subscriptions` tag) are deleted; hand-added ones are left
    /// alone and noted.
    #[serde(default)]
    pub manage_all_subscriptions: bool,
}

/// One SNS subscription.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    /// Delivery protocol.
    pub protocol: Protocol,
    /// Endpoint: an address, URL or ARN, or `${env:NAME}` to read it from the
    /// environment at run time (never written to snapshots or output).
    pub endpoint: String,
    /// Skip this subscription when its `${env:NAME}` endpoint is unset.
    #[serde(default)]
    pub optional: bool,
    /// Deliver the raw message instead of the SNS JSON envelope (https and
    /// sqs only: SNS rejects it for email and lambda).
    #[serde(default)]
    pub raw_message_delivery: bool,
    /// Deliver only messages matching this SNS filter policy (a JSON
    /// object). Absent: a filter policy found live is drift and removed.
    pub filter_policy: Option<serde_json::Value>,
    /// What `filter_policy` matches: message attributes (the default) or
    /// the message body.
    pub filter_policy_scope: Option<FilterPolicyScope>,
    /// SQS queue ARN that receives messages SNS could not deliver (the
    /// subscription's RedrivePolicy). Absent: a live one is drift.
    pub dead_letter_queue: Option<String>,
    /// Made and confirmed outside obsctl (e.g. by AWS Chatbot when a channel
    /// configuration names the topic): obsctl never subscribes or deletes
    /// it, and notes in the plan when it is missing.
    #[serde(default)]
    pub external: bool,
}

/// What an SNS filter policy is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum FilterPolicyScope {
    /// Message attributes (SNS's default).
    MessageAttributes,
    /// The message body (JSON messages).
    MessageBody,
}

impl FilterPolicyScope {
    /// The attribute value SNS uses.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterPolicyScope::MessageAttributes => "MessageAttributes",
            FilterPolicyScope::MessageBody => "MessageBody",
        }
    }
}

/// SNS subscription protocols obsctl manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Email (the recipient must confirm).
    Email,
    /// HTTPS webhook (Slack, PagerDuty, …).
    Https,
    /// SQS queue ARN.
    Sqs,
    /// Lambda function ARN.
    Lambda,
}

impl Protocol {
    /// The protocol as SNS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Email => "email",
            Protocol::Https => "https",
            Protocol::Sqs => "sqs",
            Protocol::Lambda => "lambda",
        }
    }
}

/// Where a severity's notifications go.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeveritySpec {
    /// Topic (a key of `topics`) that alarms of this severity notify, or a
    /// list of topics (every one is notified).
    pub topic: Topics,
    /// Also notify when the alarm returns to OK.
    #[serde(default = "yes")]
    pub notify_ok: bool,
}

fn yes() -> bool {
    true
}

pub use super::route::{Route, Topics};

/// How an alarm compares its metric with the threshold. Symbols are accepted
/// as shorthand for the static comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[schemars(transform = comparison_symbols)]
pub enum Comparison {
    /// `>=`
    #[serde(alias = ">=")]
    GreaterThanOrEqualToThreshold,
    /// `>`
    #[serde(alias = ">")]
    GreaterThanThreshold,
    /// `<`
    #[serde(alias = "<")]
    LessThanThreshold,
    /// `<=`
    #[serde(alias = "<=")]
    LessThanOrEqualToThreshold,
    /// Anomaly detection: outside the band.
    LessThanLowerOrGreaterThanUpperThreshold,
    /// Anomaly detection: below the band.
    LessThanLowerThreshold,
    /// Anomaly detection: above the band.
    GreaterThanUpperThreshold,
}

/// The symbols serde accepts for [`Comparison`] (its `alias`es), so that
/// the schema accepts what the loader accepts: serde aliases are invisible
/// to schemars.
const COMPARISON_SYMBOLS: [(&str, &str); 4] = [
    (">=", "GreaterThanOrEqualToThreshold"),
    (">", "GreaterThanThreshold"),
    ("<", "LessThanThreshold"),
    ("<=", "LessThanOrEqualToThreshold"),
];

/// Adds [`COMPARISON_SYMBOLS`] to the derived schema, each described as the
/// name it stands for (editors show it on completion).
fn comparison_symbols(schema: &mut schemars::Schema) {
    let symbols = COMPARISON_SYMBOLS.iter().map(|(symbol, name)| {
        serde_json::json!({
            "type": "string",
            "const": symbol,
            "description": format!("`{name}`"),
        })
    });
    if let Some(one_of) = schema.get_mut("oneOf").and_then(|v| v.as_array_mut()) {
        one_of.extend(symbols);
    } else if let Some(names) = schema.get_mut("enum").and_then(|v| v.as_array_mut()) {
        names.extend(COMPARISON_SYMBOLS.iter().map(|(s, _)| serde_json::json!(s)));
    }
}

impl Comparison {
    /// The AWS API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            Comparison::GreaterThanThreshold => "GreaterThanThreshold",
            Comparison::LessThanThreshold => "LessThanThreshold",
            Comparison::LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
            Comparison::LessThanLowerOrGreaterThanUpperThreshold => {
                "LessThanLowerOrGreaterThanUpperThreshold"
            }
            Comparison::LessThanLowerThreshold => "LessThanLowerThreshold",
            Comparison::GreaterThanUpperThreshold => "GreaterThanUpperThreshold",
        }
    }

    /// True for the three band comparisons of anomaly-detection alarms.
    pub fn is_band(self) -> bool {
        matches!(
            self,
            Comparison::LessThanLowerOrGreaterThanUpperThreshold
                | Comparison::LessThanLowerThreshold
                | Comparison::GreaterThanUpperThreshold
        )
    }
}

/// What an alarm does when data is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum TreatMissingData {
    /// Missing data counts as breaching.
    Breaching,
    /// Missing data counts as not breaching.
    NotBreaching,
    /// Keep the current state.
    Ignore,
    /// AWS's default: evaluate over the available data.
    Missing,
}

impl TreatMissingData {
    /// The AWS API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TreatMissingData::Breaching => "breaching",
            TreatMissingData::NotBreaching => "notBreaching",
            TreatMissingData::Ignore => "ignore",
            TreatMissingData::Missing => "missing",
        }
    }
}

/// What a percentile alarm does in a period with too few samples to be
/// statistically significant ("Percentile-based CloudWatch alarms and low
/// data samples").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LowSampleCountPercentile {
    /// Evaluate anyway, possibly changing state (AWS's default).
    Evaluate,
    /// Keep the state until there are enough samples.
    Ignore,
}

impl LowSampleCountPercentile {
    /// The AWS API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LowSampleCountPercentile::Evaluate => "evaluate",
            LowSampleCountPercentile::Ignore => "ignore",
        }
    }
}

/// Which alarms a template produces: one per service, or one per environment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// One per service (the default).
    #[default]
    Service,
    /// One per environment, shared by all services.
    Environment,
}

/// A metric: namespace, name, statistic and dimensions. Strings may use
/// minijinja placeholders such as `{{ service.name }}` or `{{ env.cluster }}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// Namespace; defaults to the catalogue's `namespace`.
    pub namespace: Option<String>,
    /// Metric name.
    pub metric: String,
    /// `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount`, or an extended
    /// statistic such as `p95`, `tm90`, `IQM`, `TM(10%:90%)`.
    pub statistic: String,
    /// Dimensions (name → value).
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// Unit; AWS recommends leaving it out.
    pub unit: Option<String>,
}

/// One entry of a metric-math alarm: a metric (`metric` + `statistic`) or an
/// `expression`, never both.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MathQuery {
    /// Namespace of the metric; defaults to the catalogue's `namespace`.
    pub namespace: Option<String>,
    /// Metric name.
    pub metric: Option<String>,
    /// Statistic of the metric (`Sum`, `p95`, …).
    pub statistic: Option<String>,
    /// Dimensions of the metric.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// A metric-math expression over other ids.
    pub expression: Option<String>,
    /// Label shown on graphs.
    pub label: Option<String>,
}

/// The alarm kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlarmKind {
    /// Static threshold on one `metric` (statistic or percentile).
    Metric,
    /// Metric math: `queries` by id and the id it `returns`.
    Math,
    /// Anomaly detection on one `metric` with `ANOMALY_DETECTION_BAND` of `band_width`.
    Anomaly,
    /// A `rule` over other alarms: `ALARM(name)`, `OK(name)`,
    /// `INSUFFICIENT_DATA(name)`, `AND`, `OR`, `NOT`, `AT_LEAST`, where `name` is
    /// an alarm template of the same service, or `service/alarm`.
    Composite,
    /// A log alarm (PutLogAlarm): a Logs Insights `query` run on a
    /// `schedule` over the service's log group (or `log_groups`), its
    /// results reduced by `aggregation` (`count(*)`, `count(*) by ip`) to
    /// the values compared with `threshold`; M of N over the most recent
    /// query results (`datapoints_to_alarm` of `evaluation_periods`). See
    /// docs/log-alarms.md.
    Log,
}

/// An alarm template.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlarmSpec {
    /// Alarm kind.
    pub kind: AlarmKind,
    /// The metric watched (kinds `metric` and `anomaly`).
    pub metric: Option<MetricSpec>,
    /// Math entries by id, `^[a-z][A-Za-z0-9_]*$` (kind `math`).
    pub queries: Option<BTreeMap<String, MathQuery>>,
    /// The id whose series a math alarm watches.
    pub returns: Option<String>,
    /// Band width in standard deviations (kind `anomaly`, default 2).
    pub band_width: Option<f64>,
    /// The rule over other alarms (kind `composite`).
    pub rule: Option<String>,
    /// An alarm whose ALARM state suppresses a composite's actions.
    pub actions_suppressor: Option<SuppressorSpec>,
    /// Log alarms: the Logs Insights query run on each schedule
    /// (`filter event = "login_failed"`; placeholders allowed). obsctl
    /// checks the commands it knows (`fields`, `filter`, `stats … by`,
    /// `bin()`, `sort`, `limit`) offline.
    pub query: Option<String>,
    /// Log alarms: how the query's results become the values compared with
    /// the threshold: one of `count(*)`, `count(f)`, `sum(f)`, `avg(f)`,
    /// `min(f)`, `max(f)`, `pct(f, N)`, optionally `by` fields (one value
    /// per group: each is compared, and a run breaches when any group
    /// does).
    pub aggregation: Option<String>,
    /// Log alarms: how often the query runs, `rate(N minutes|hours|days)`
    /// (default `rate(5 minutes)`).
    pub schedule: Option<String>,
    /// Log alarms: how far before each run the queried time range starts
    /// (`StartTimeOffset`; default: the schedule's interval plus
    /// `end_offset`, so consecutive runs read adjacent ranges).
    pub start_offset: Option<String>,
    /// Log alarms: how far before each run it ends (`EndTimeOffset`,
    /// default `0s`; a delay for late-arriving logs).
    pub end_offset: Option<String>,
    /// Log alarms: the log groups queried (placeholders allowed; default:
    /// the service's log group, or for `scope: environment` every service's).
    pub log_groups: Option<Vec<String>>,
    /// Severity (a key of `severities`).
    pub severity: String,
    /// Runbook: a URL, or a Markdown file of the catalogue (relative to
    /// `obsctl.yaml`, published under `runbooks.base_url`). The link goes
    /// into the description and the `Runbook` tag.
    pub runbook: Option<String>,
    /// Description (minijinja placeholders allowed).
    pub description: Option<String>,
    /// One alarm per service (default) or one per environment.
    #[serde(default)]
    pub scope: Scope,
    /// Restrict a service-scoped template to these services.
    pub services: Option<Vec<String>>,
    /// Turn the alarm off everywhere unless an override enables it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Period in seconds: 10, 20, 30 or a multiple of 60 (default 300).
    pub period: Option<u32>,
    /// Number of periods evaluated (N, default 1).
    pub evaluation_periods: Option<u32>,
    /// Breaching datapoints needed to alarm (M of N); defaults to N.
    pub datapoints_to_alarm: Option<u32>,
    /// Comparison with the threshold.
    pub comparison: Option<Comparison>,
    /// Static threshold (not for anomaly alarms).
    pub threshold: Option<f64>,
    /// Treatment of missing data (default `missing`).
    pub treat_missing_data: Option<TreatMissingData>,
    /// Percentile alarms: `evaluate` (AWS's default) or `ignore` periods
    /// with too few samples to be statistically significant
    /// (`EvaluateLowSampleCountPercentile`; kind `metric` with a `pNN` statistic only).
    pub evaluate_low_sample_count_percentile: Option<LowSampleCountPercentile>,
    /// False: no actions; the alarm only feeds composite alarms (its
    /// severity still tags it).
    #[serde(default = "yes")]
    pub notify: bool,
    /// Generated by `slo:`: only for services with an SLO (not written by
    /// users, so not in the schema).
    #[serde(skip)]
    #[schemars(skip)]
    pub slo_only: bool,
}

/// Actions suppressor of a composite alarm.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuppressorSpec {
    /// The suppressing alarm (a template name, or `service/alarm`).
    pub alarm: String,
    /// Seconds to wait for the suppressor to go into ALARM.
    pub wait_period: u32,
    /// Seconds to keep suppressing after it leaves ALARM.
    pub extension_period: u32,
}

/// Per-environment or per-service changes to an alarm template.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlarmOverride {
    /// Turn the alarm on or off.
    pub enabled: Option<bool>,
    /// The alarm's name instead of the naming pattern's: keeps a hand-made
    /// alarm's name when it is adopted (`obsctl import` writes it). A text
    /// with placeholders (`HighCPU-{{ service }}-{{ env.name }}`). Such an
    /// alarm is owned by its tags alone (it is outside the environment's
    /// name prefix), read by its name, and deleted once the catalogue no
    /// longer names it.
    pub name: Option<String>,
    /// Another severity.
    pub severity: Option<String>,
    /// Another threshold.
    pub threshold: Option<f64>,
    /// Another period.
    pub period: Option<u32>,
    /// Another number of evaluation periods.
    pub evaluation_periods: Option<u32>,
    /// Another number of datapoints to alarm.
    pub datapoints_to_alarm: Option<u32>,
    /// Another band width (anomaly alarms).
    pub band_width: Option<f64>,
    /// Another runbook.
    pub runbook: Option<String>,
    /// Another missing-data treatment.
    pub treat_missing_data: Option<TreatMissingData>,
    /// Another low-sample percentile setting (`evaluate` or `ignore`).
    pub evaluate_low_sample_count_percentile: Option<LowSampleCountPercentile>,
}

/// A service.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    /// Container port.
    pub port: Option<u16>,
    /// Owning team.
    pub owner: Option<String>,
    /// Human-readable name used in titles.
    pub title: Option<String>,
    /// Log group; overrides the environment's pattern. `none`: the service
    /// writes no logs (a DynamoDB table, a Step Functions workflow): no
    /// metric filter or per-service saved query is made for it, and
    /// environment-wide saved queries leave it out.
    pub log_group: Option<String>,
    /// Values templates can use as `service.dimensions.X`.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// Business events this service emits.
    #[serde(default)]
    pub business_events: Vec<String>,
    /// Service level objectives.
    pub slo: Option<SloSpec>,
    /// Severity → route: a topic or a list of topics replaces the
    /// severity's topics; `{ add: [...] }` notifies these as well;
    /// `{ replace: [...], add: [...] }` does both (e.g. `critical: { add:
    /// [payment-oncall] }`: payment criticals page the payment team and
    /// the general on-call).
    #[serde(default)]
    pub routes: BTreeMap<String, Route>,
    /// Alarm template overrides for this service.
    #[serde(default)]
    pub alarms: BTreeMap<String, AlarmOverride>,
    /// Per-environment overrides for this service.
    #[serde(default)]
    pub environments: BTreeMap<String, ServiceEnvironment>,
}

/// A service's overrides in one environment.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceEnvironment {
    /// Deploy this service's resources in this environment.
    pub enabled: Option<bool>,
    /// Severity → route: a topic or a list of topics replaces the
    /// severity's topics; `{ add: [...] }` notifies these as well;
    /// `{ replace: [...], add: [...] }` does both (e.g. `critical: { add:
    /// [payment-oncall] }`: payment criticals page the payment team and
    /// the general on-call).
    #[serde(default)]
    pub routes: BTreeMap<String, Route>,
    /// Alarm template overrides.
    #[serde(default)]
    pub alarms: BTreeMap<String, AlarmOverride>,
}

/// Service level objectives.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    /// Availability objective in percent (e.g. 99.9).
    pub availability: f64,
    /// Latency percentile (e.g. `p95`).
    #[serde(default = "default_percentile")]
    pub latency_percentile: String,
    /// Latency target in milliseconds.
    pub latency_ms: f64,
}

fn default_percentile() -> String {
    "p95".to_string()
}

/// Whether a dashboard or query exists once per environment or once per service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    /// One per environment (the default).
    #[default]
    Environment,
    /// One per service.
    Service,
}

/// A dashboard rendered from a template.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DashboardSpec {
    /// Template file under `templates/`; renders a JSON object with `widgets`.
    pub template: String,
    /// The dashboard's name instead of the naming pattern's: keeps a
    /// hand-made dashboard's name when it is adopted (`obsctl import`
    /// writes it). A text with placeholders (`Checkout-{{ env.name }}`;
    /// with `per: service`, `{{ service }}` in it). Owned by its tags alone
    /// (it is outside the environment's name prefix); once the catalogue
    /// drops the name, the dashboard is left in place (the tagging API does
    /// not list dashboards, so obsctl cannot find it again): delete it by
    /// hand.
    pub name: Option<String>,
    /// One dashboard per environment (default) or per service.
    #[serde(default)]
    pub per: Per,
    /// Append an alarm-status widget for the alarms in the dashboard's scope.
    #[serde(default = "yes")]
    pub alarm_status: bool,
    /// Draw each alarm's threshold on the graphs of the metric it watches.
    #[serde(default = "yes")]
    pub annotations: bool,
}

/// A log metric filter applied to each service's log group.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricFilterSpec {
    /// Filter pattern (CloudWatch Logs syntax).
    pub pattern: String,
    /// Metric name.
    pub metric: String,
    /// Namespace; defaults to the catalogue's `namespace`.
    pub namespace: Option<String>,
    /// Value published per match: a number or a field (`$duration_ms`).
    #[serde(default = "default_metric_value")]
    pub value: String,
    /// Value published when no event matches (not with dimensions).
    pub default: Option<f64>,
    /// Unit.
    pub unit: Option<String>,
    /// Dimensions (≤ 3) whose values reference fields.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// Restrict to these services.
    pub services: Option<Vec<String>>,
}

fn default_metric_value() -> String {
    "1".to_string()
}

/// A saved Logs Insights query.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuerySpec {
    /// Query text; minijinja placeholders such as `{{ service.name }}` allowed.
    pub query: String,
    /// One query per environment over all log groups (default), or per service.
    #[serde(default)]
    pub per: Per,
    /// Short description (kept in the catalogue and the docs).
    pub description: Option<String>,
    /// Only these services: a per-service query is made for each of them,
    /// an environment-wide one reads only their log groups (default: every
    /// service that has logs).
    pub services: Option<Vec<String>>,
    /// A saved query made by hand that this one replaces, by its name (a
    /// text with placeholders): saved queries have no tags, so one named
    /// outside `<project>-<env>/` cannot be owned; it is adopted by rename
    /// instead — plan creates this query and deletes every saved query of
    /// that exact name (`obsctl import` writes it). Drop it once applied.
    pub replaces: Option<String>,
}

/// A test of the monitoring: inputs (log lines, metric samples) and what
/// must follow from them (alarm states, notification routes, filter values).
/// Times are offsets from the test's start: `0s`, `90s`, `5m`, `1h30m`.
/// Every string may use the placeholders of alarm templates
/// (`{{ service.name }}`, `{{ env.cluster }}`, …) and the effective
/// settings of the metric alarm it tests (`{{ alarm.threshold }}`, or
/// `{{ alarms['<template>'].threshold }}` when it names several).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestSpec {
    /// What the test shows (printed with its failures).
    pub description: Option<String>,
    /// Environments it runs in (default: every environment).
    #[serde(default)]
    pub environments: Vec<String>,
    /// Run once for every service of the environment (parameterised test):
    /// `{{ service.name }}` names the service of each run, and alarms and
    /// filters are named by template.
    #[serde(default)]
    pub for_each_service: bool,
    /// Run once for each of these services only (implies `for_each_service`).
    pub services: Option<Vec<String>>,
    /// The UTC date and time the test's `0s` stands for (`2024-03-04` or
    /// `2024-03-04T09:00:00Z`; default `1970-01-01T00:00:00Z`, a Thursday):
    /// what metric math's time functions (`HOUR`, `DAY`, …) see.
    pub start: Option<String>,
    /// Log lines written to log groups; every metric filter on the group sees them.
    #[serde(default)]
    pub logs: Vec<LogInput>,
    /// Metric samples, as published by AWS or the applications.
    #[serde(default)]
    pub metrics: Vec<SeriesInput>,
    /// Anomaly-detection bands, one value per alarm period.
    #[serde(default)]
    pub bands: Vec<BandInput>,
    /// Log alarms' query results given directly, one per scheduled run,
    /// instead of running the query over `logs`.
    #[serde(default)]
    pub query_results: Vec<QueryResultsInput>,
    /// Service quotas (what `SERVICE_QUOTA(m)` of a usage metric returns),
    /// one value per alarm period.
    #[serde(default)]
    pub quotas: Vec<QuotaInput>,
    /// Contributor Insights rule metrics (what
    /// `INSIGHT_RULE_METRIC(rule, metric)` returns), one value per alarm period.
    #[serde(default)]
    pub insight_rules: Vec<InsightRuleInput>,
    /// What must hold.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

/// Log lines written to a log group, once or repeatedly.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogInput {
    /// Log group (default: the service's, in a per-service test).
    pub group: Option<String>,
    /// When the lines are written (default `0s`).
    pub at: Option<String>,
    /// Write them again every this long (`10s`) ...
    pub every: Option<String>,
    /// ... until this time, exclusive (needs `every`).
    pub until: Option<String>,
    /// Write each line this many times at each time (default 1).
    pub count: Option<u32>,
    /// The lines, each one log event.
    pub lines: Vec<String>,
}

/// Samples of one metric.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesInput {
    /// Namespace (default: the catalogue's `namespace`).
    pub namespace: Option<String>,
    /// Metric name.
    pub metric: String,
    /// The exact dimension set.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// One sample per step, space-separated: `5` a value, `_` no sample,
    /// `5x3` three samples of 5, `_x3` three steps without, `0+10x4` four
    /// samples 0, 10, 20, 30.
    pub values: Option<String>,
    /// The step of `values` (default `1m`).
    pub every: Option<String>,
    /// When `values` starts (default `0s`).
    pub at: Option<String>,
    /// Raw samples, each `TIME VALUE` (`"90s 250"`), so that a period or a
    /// statistic changes the outcome.
    #[serde(default)]
    pub samples: Vec<String>,
    /// Statistic sets (PutMetricData `StatisticValues`), each `TIME
    /// SampleCount Sum Minimum Maximum` (`"1m 10 500 20 80"`). Percentiles
    /// are only computed over a period whose sets have SampleCount 1 or
    /// Minimum = Maximum, as AWS documents.
    #[serde(default)]
    pub sets: Vec<String>,
}

/// The band of an anomaly-detection alarm, which AWS trains and a test supplies.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BandInput {
    /// The anomaly alarm (template name, `service/template` or full name).
    pub alarm: String,
    /// Lower bound per alarm period (the `values` notation).
    pub lower: String,
    /// Upper bound per alarm period.
    pub upper: String,
}

/// What a log alarm's scheduled query returns, run by run, given directly
/// (the query is not run over the test's logs for this alarm).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryResultsInput {
    /// The log alarm (template name, `service/template` or full name).
    pub alarm: String,
    /// One value per run, from the first run (one schedule interval after
    /// `0s`), in the `values` notation: `_` for a run that returned no
    /// result. With `by` groups, the value of the group that decides (the
    /// largest for `>`/`>=`, the smallest for `<`/`<=`).
    pub values: String,
}

/// The service quota of a usage metric, which AWS knows and a test supplies
/// (`SERVICE_QUOTA(m1)` where `m1` is this metric).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaInput {
    /// Namespace of the usage metric (default `AWS/Usage`).
    pub namespace: Option<String>,
    /// The usage metric's name (`CallCount`, `ResourceCount`).
    pub metric: String,
    /// The usage metric's exact dimension set.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// The quota per alarm period (the `values` notation).
    pub values: String,
}

/// A metric of a Contributor Insights rule, which AWS computes and a test
/// supplies (`INSIGHT_RULE_METRIC(rule, metric)`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InsightRuleInput {
    /// The rule's name.
    pub rule: String,
    /// The rule's metric (`UniqueContributors`, `MaxContributorValue`, `Sum`, …).
    pub metric: String,
    /// Its value per alarm period (the `values` notation).
    pub values: String,
}

/// One expectation: an alarm's state (and where its notification goes), or
/// what a metric filter publishes for a line.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Alarm: template name (the run's service, or environment-wide),
    /// `service/template`, or the full alarm name.
    pub alarm: Option<String>,
    /// When the state is checked (default: the end of the test).
    pub at: Option<String>,
    /// Expected state.
    pub state: Option<AlarmState>,
    /// Topics (catalogue names) the notification of the alarm's last change
    /// into `state`, at or before `at`, reaches by `at` (or by `notifies_by`
    /// / `notifies_at`); `[]` when none (actions disabled, no route, or not
    /// sent by then: a composite's actions suppressor delays or discards it).
    pub notifies: Option<Vec<String>>,
    /// Subscriptions it reaches, each `protocol:endpoint`.
    pub endpoints: Option<Vec<String>>,
    /// The time that notification is sent, exactly (a composite alarm with an
    /// actions suppressor sends it after its wait or extension period), or
    /// `never` (suppressed, or discarded because the composite changed again
    /// first); then `notifies` and `endpoints` describe it as sent then.
    pub notifies_at: Option<String>,
    /// The time that notification is sent at the latest; then `notifies` and
    /// `endpoints` describe what it reaches by that time.
    pub notifies_by: Option<String>,
    /// Whether the alarm's actions are muted at `at` (inside a window of a
    /// `mute:` rule that targets it; recurring windows need the test's
    /// `start:`). A muted change notifies when the window ends if the alarm
    /// is still in the state it was first muted in (`notifies_at`), else
    /// never.
    pub muted: Option<bool>,
    /// Metric filter (template name).
    pub filter: Option<String>,
    /// The log line given to the filter.
    pub line: Option<String>,
    /// Whether the line matches (default true when `value` is given).
    pub matches: Option<bool>,
    /// Value the filter publishes for the line.
    pub value: Option<f64>,
    /// Dimensions the filter publishes for the line.
    pub dimensions: Option<BTreeMap<String, String>>,
}

/// An alarm state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum AlarmState {
    /// In alarm.
    #[serde(rename = "ALARM")]
    Alarm,
    /// Not in alarm.
    #[serde(rename = "OK")]
    Ok,
    /// Not enough data.
    #[serde(rename = "INSUFFICIENT_DATA")]
    InsufficientData,
}
