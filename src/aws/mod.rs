//! AWS access, isolated: the only module that knows the AWS SDK exists.
//!
//! One small trait per service ([`CloudWatchApi`], [`LogsApi`], [`SnsApi`],
//! [`TaggingApi`], [`IdentityApi`], [`QueueApi`])
//! speaks obsctl's own resource types. [`sdk`] implements them with the AWS
//! SDK for Rust; [`fake`] implements them in memory for tests of the core.
//! [`Aws`] bundles them behind one decorator ([`guard`]) that rate-limits
//! per [`Api`], counts calls and retries throttling and transient errors.

mod api;
pub mod data;
pub mod fake;
mod guard;
mod limiter;
pub mod sdk;

pub use api::Api;
pub use guard::{MAX_DELAY, RetryPolicy};
pub use limiter::{ApiCount, CallStats, Rates};

use crate::resource::{
    AlarmMuteRule, CompositeAlarm, Dashboard, LogAlarm, MetricAlarm, MetricFilter, QueryDefinition,
    Tag,
};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// What an AWS error means to obsctl: decided once, from the code AWS sent
/// (and, for one CloudWatch case, its message), in [`ErrorKind::classify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The API's rate was exceeded: retried with backoff.
    Throttling,
    /// Worth retrying: a conflicting concurrent change
    /// (`ConcurrentModificationException`, Logs `OperationAbortedException`),
    /// a 5xx, a timeout or a dropped connection.
    Transient,
    /// A real quota (`LimitExceeded*`, e.g. 100 metric filters per log group):
    /// retrying cannot help, so it fails at once with the quota named.
    Quota,
    /// The resource does not exist (success for a delete).
    NotFound,
    /// The resource exists already (success for CreateLogGroup).
    AlreadyExists,
    /// DeleteAlarms of an alarm a composite alarm still references: AWS
    /// rejects the whole batch with `ValidationError`.
    ReferencedByComposite,
    /// Anything else (validation errors, access denied): reported as is.
    Other,
}

impl ErrorKind {
    /// The meaning of an error code. Sources: the botocore service models
    /// (cloudwatch, logs, sns `errors`), AWS's "Error retries" guide for the
    /// throttling codes, and `../shared/reference/aws-fidelity.md`.
    pub fn classify(code: &str, message: &str) -> ErrorKind {
        match code {
            "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "Throttled"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "SlowDown"
            | "PriorRequestNotComplete"
            | "RequestThrottled"
            | "BandwidthLimitExceeded" => ErrorKind::Throttling,
            "ConcurrentModificationException"
            | "ConcurrentModification"
            | "OperationAbortedException"
            | "ServiceUnavailable"
            | "ServiceUnavailableException"
            | "InternalFailure"
            | "InternalServiceFault"
            | "InternalServiceError"
            | "InternalServiceException"
            | "InternalError"
            | "InternalErrorException"
            | "RequestTimeout"
            | "RequestTimeoutException"
            | "Timeout"
            | "DispatchFailure"
            | "ResponseError"
            | "HttpServerError" => ErrorKind::Transient,
            "LimitExceeded"
            | "LimitExceededException"
            | "LimitExceededFault"
            | "TopicLimitExceeded"
            | "SubscriptionLimitExceeded"
            | "TagLimitExceeded"
            | "FilterPolicyLimitExceeded"
            | "ServiceQuotaExceededException" => ErrorKind::Quota,
            "ResourceNotFound"
            | "ResourceNotFoundException"
            | "AWS.SimpleQueueService.NonExistentQueue"
            | "QueueDoesNotExist"
            | "NotFound"
            | "NotFoundException"
            | "DashboardNotFoundError" => ErrorKind::NotFound,
            "ResourceAlreadyExistsException" => ErrorKind::AlreadyExists,
            // "Cannot delete X as there are composite alarm(s) depending on it"
            "ValidationError"
                if message.contains("composite alarm") && message.contains("depending on") =>
            {
                ErrorKind::ReferencedByComposite
            }
            _ => ErrorKind::Other,
        }
    }

    /// Whether the retry layer retries it.
    pub fn is_retried(self) -> bool {
        matches!(self, ErrorKind::Throttling | ErrorKind::Transient)
    }
}

/// An error from an AWS call: its code and message, as AWS sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The API (e.g. `PutMetricAlarm`).
    pub api: String,
    /// AWS error code (e.g. `ValidationError`, `Throttling`).
    pub code: String,
    /// AWS error message.
    pub message: String,
    /// What it means.
    pub kind: ErrorKind,
}

impl AwsError {
    /// A new error; its kind follows from code and message.
    pub fn new(api: &str, code: impl Into<String>, message: impl Into<String>) -> Self {
        let (code, message) = (code.into(), message.into());
        AwsError {
            api: api.to_string(),
            kind: ErrorKind::classify(&code, &message),
            code,
            message,
        }
    }

    /// True for throttling.
    pub fn is_throttling(&self) -> bool {
        self.kind == ErrorKind::Throttling
    }

    /// True for "the resource does not exist".
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// For a quota error: which quota, in words, and what to do.
    pub fn quota_help(&self) -> Option<String> {
        if self.kind != ErrorKind::Quota {
            return None;
        }
        let quota = match self.api.as_str() {
            "PutMetricFilter" => "100 metric filters per log group",
            "PutQueryDefinition" => "saved Logs Insights queries per account and region",
            "PutMetricAlarm" | "PutCompositeAlarm" => "alarms per account and region",
            "PutDashboard" => "dashboards per account",
            "CreateTopic" => "SNS topics per account",
            "Subscribe" => "subscriptions per topic",
            "TagResource" => "tags per resource (50)",
            _ => "an AWS service quota",
        };
        Some(format!(
            "AWS quota reached ({quota}); it is not retried: request an increase in Service Quotas or remove resources"
        ))
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.api, self.code, self.message)
    }
}

/// Result of an AWS call.
pub type AwsResult<T> = Result<T, AwsError>;

/// A live metric, composite or log alarm with its ARN.
#[derive(Debug, Clone, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "short-lived values read page by page"
)]
pub enum LiveAlarm {
    /// Metric, math or anomaly alarm.
    Metric(MetricAlarm),
    /// Composite alarm.
    Composite(CompositeAlarm),
    /// Log alarm (DescribeAlarms `LogAlarms`).
    Log(LogAlarm),
}

impl LiveAlarm {
    /// The alarm's name.
    pub fn name(&self) -> &str {
        match self {
            LiveAlarm::Metric(a) => &a.alarm_name,
            LiveAlarm::Composite(a) => &a.alarm_name,
            LiveAlarm::Log(a) => &a.alarm_name,
        }
    }

    /// The kind of resource it is.
    pub fn kind(&self) -> crate::resource::Kind {
        use crate::resource::Kind;
        match self {
            LiveAlarm::Metric(_) => Kind::MetricAlarm,
            LiveAlarm::Composite(_) => Kind::CompositeAlarm,
            LiveAlarm::Log(_) => Kind::LogAlarm,
        }
    }

    /// The resource, with its tags (DescribeAlarms returns none).
    pub fn into_resource(self, tags: Vec<Tag>) -> crate::resource::Resource {
        use crate::resource::Resource;
        match self {
            LiveAlarm::Metric(mut a) => {
                a.tags = tags;
                Resource::MetricAlarm(Box::new(a))
            }
            LiveAlarm::Composite(mut a) => {
                a.tags = tags;
                Resource::CompositeAlarm(Box::new(a))
            }
            LiveAlarm::Log(mut a) => {
                a.tags = tags;
                Resource::from(a)
            }
        }
    }
}

/// One page of DescribeAlarms.
#[derive(Debug, Clone, Default)]
pub struct AlarmPage {
    /// Alarms (tags empty: DescribeAlarms does not return them).
    pub alarms: Vec<(String, LiveAlarm)>,
    /// Next page.
    pub next: Option<String>,
}

/// A live subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSubscription {
    /// ARN, or `PendingConfirmation`.
    pub arn: String,
    /// Protocol.
    pub protocol: String,
    /// Endpoint.
    pub endpoint: String,
}

impl LiveSubscription {
    /// True while the endpoint has not confirmed.
    pub fn pending(&self) -> bool {
        !self.arn.starts_with("arn:")
    }
}

/// A page of results and the token of the next.
pub type Page<T> = (Vec<T>, Option<String>);

/// Every page of a paginated call: `fetch(next_token)` until there is no
/// next token. An empty token ends the listing too (the tagging API ends
/// that way), pages may be short or empty, and a token seen before is an
/// error rather than an endless loop.
pub async fn all_pages<T, F, Fut>(fetch: F) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = AwsResult<Page<T>>>,
{
    Ok(pages_within(u64::MAX, fetch)
        .await?
        .map(|(all, _)| all)
        .unwrap_or_default())
}

/// Like [`all_pages`], with the number of pages read; `None` as soon as the
/// listing would take more than `budget` pages.
pub async fn pages_within<T, F, Fut>(
    budget: u64,
    mut fetch: F,
) -> Result<Option<(Vec<T>, u64)>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = AwsResult<Page<T>>>,
{
    let mut all = Vec::new();
    let mut next = None;
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    loop {
        if pages >= budget {
            return Ok(None);
        }
        let (page, token) = fetch(next.clone()).await?;
        pages += 1;
        all.extend(page);
        next = token.filter(|t| !t.is_empty());
        match &next {
            None => return Ok(Some((all, pages))),
            Some(t) if !seen.insert(t.clone()) => {
                return Err(AwsError::new(
                    "pagination",
                    "RepeatedNextToken",
                    format!("AWS returned the page token {t} twice"),
                ));
            }
            Some(_) => {}
        }
    }
}

/// CloudWatch alarms and dashboards.
#[async_trait]
pub trait CloudWatchApi: Send + Sync {
    /// DescribeAlarms of all three types by name prefix (empty: every
    /// alarm), 100 per page.
    async fn describe_alarms(&self, prefix: &str, next: Option<String>) -> AwsResult<AlarmPage>;
    /// DescribeAlarms of all three types by `AlarmNames` (at most 100):
    /// the alarms of those names that exist, with their ARNs.
    async fn describe_alarms_named(&self, names: &[String]) -> AwsResult<Vec<(String, LiveAlarm)>>;
    /// ListTagsForResource.
    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>>;
    /// PutMetricAlarm (tags apply on creation only).
    async fn put_metric_alarm(&self, alarm: &MetricAlarm) -> AwsResult<()>;
    /// PutLogAlarm (creates or replaces the alarm and its managed
    /// scheduled query).
    async fn put_log_alarm(&self, alarm: &LogAlarm) -> AwsResult<()>;
    /// PutCompositeAlarm.
    async fn put_composite_alarm(&self, alarm: &CompositeAlarm) -> AwsResult<()>;
    /// DeleteAlarms (≤ 100 names, ≤ 1 composite).
    async fn delete_alarms(&self, names: &[String]) -> AwsResult<()>;
    /// Names of the composite alarms whose rules reference `alarm`
    /// (DescribeAlarms `ParentsOfAlarmName`).
    async fn parents_of(&self, alarm: &str) -> AwsResult<Vec<String>>;
    /// TagResource.
    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()>;
    /// UntagResource.
    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()>;
    /// ListDashboards by prefix.
    async fn list_dashboards(&self, prefix: &str, next: Option<String>) -> AwsResult<Page<String>>;
    /// GetDashboard: the body as stored.
    async fn get_dashboard(&self, name: &str) -> AwsResult<String>;
    /// PutDashboard.
    async fn put_dashboard(&self, dashboard: &Dashboard) -> AwsResult<()>;
    /// DeleteDashboards (≤ 100 names).
    async fn delete_dashboards(&self, names: &[String]) -> AwsResult<()>;
    /// ListMetrics, up to 500 per page.
    async fn list_metrics(
        &self,
        listing: &data::MetricListing,
        next: Option<String>,
    ) -> AwsResult<Page<crate::resource::Metric>>;
    /// GetMetricData of ≤ 500 queries over `[start, end)` (ms since the
    /// epoch), oldest datapoints first; a page holds at most 100,800
    /// datapoints, the next page continues the same queries.
    async fn get_metric_data(
        &self,
        queries: &[data::DataQuery],
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> AwsResult<data::DataPage>;
    /// DescribeAlarmHistory of one alarm (metric or composite), state
    /// updates only, with times in `[start, end]` (ms), oldest first, 100
    /// per page; each item parsed ([`data::parse_transition`]).
    async fn alarm_history(
        &self,
        alarm: &str,
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> AwsResult<Page<data::AlarmTransition>>;
    /// ListAlarmMuteRules, 100 per page: every rule of the account and
    /// region (the API filters by target alarm and status, not by name).
    async fn list_alarm_mute_rules(&self, next: Option<String>)
    -> AwsResult<Page<MuteRuleSummary>>;
    /// GetAlarmMuteRule: its ARN and the rule (tags empty: not returned).
    async fn get_alarm_mute_rule(&self, name: &str) -> AwsResult<(String, AlarmMuteRule)>;
    /// PutAlarmMuteRule (creates or replaces; tags apply on creation).
    async fn put_alarm_mute_rule(&self, rule: &AlarmMuteRule) -> AwsResult<()>;
    /// DeleteAlarmMuteRule.
    async fn delete_alarm_mute_rule(&self, name: &str) -> AwsResult<()>;
    /// DescribeAlarms by `AlarmNames` (at most 100): each alarm's current
    /// state and what decides whether its actions run.
    async fn alarm_states(&self, names: &[String]) -> AwsResult<Vec<AlarmStatus>>;
    /// SetAlarmState: the alarm goes to `state` until its next evaluation
    /// (a metric alarm) or until a child changes (a composite); its actions
    /// for the new state run as for any state change.
    async fn set_alarm_state(
        &self,
        name: &str,
        state: data::AlarmState,
        reason: &str,
    ) -> AwsResult<()>;
}

/// An alarm's state as DescribeAlarms reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmStatus {
    /// Name.
    pub name: String,
    /// A composite alarm (else a metric or log alarm).
    pub composite: bool,
    /// `StateValue`.
    pub state: data::AlarmState,
    /// `ActionsEnabled`.
    pub actions_enabled: bool,
    /// A composite's `ActionsSuppressor`.
    pub actions_suppressor: Option<String>,
}

/// One entry of ListAlarmMuteRules. AWS returns no name: it is the ARN's
/// last part ([`mute_rule_name`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MuteRuleSummary {
    /// The rule's ARN.
    pub arn: String,
    /// Its expire date, if it has one (UTC, `2026-12-31T23:59:59Z`).
    pub expire_date: Option<String>,
}

/// The name in a mute rule's ARN: after `alarm-mute-rule/` or
/// `alarm-mute-rule:` (the API references spell the resource both ways).
pub fn mute_rule_name(arn: &str) -> Option<&str> {
    let (_, rest) = arn.split_once(":alarm-mute-rule")?;
    rest.strip_prefix('/').or_else(|| rest.strip_prefix(':'))
}

/// CloudWatch Logs metric filters, log groups and saved queries.
#[async_trait]
pub trait LogsApi: Send + Sync {
    /// DescribeLogGroups by name prefix.
    async fn describe_log_groups(
        &self,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<String>>;
    /// CreateLogGroup with tags (`ResourceAlreadyExistsException` if it exists).
    async fn create_log_group(&self, name: &str, tags: &[Tag]) -> AwsResult<()>;
    /// PutRetentionPolicy: keep events `days` days.
    async fn put_retention_policy(&self, name: &str, days: u32) -> AwsResult<()>;
    /// DescribeMetricFilters, 50 per page: of one log group, or of the whole
    /// account and region without one.
    async fn describe_metric_filters(
        &self,
        log_group: Option<&str>,
        next: Option<String>,
    ) -> AwsResult<Page<MetricFilter>>;
    /// PutMetricFilter.
    async fn put_metric_filter(&self, filter: &MetricFilter) -> AwsResult<()>;
    /// DeleteMetricFilter.
    async fn delete_metric_filter(&self, log_group: &str, name: &str) -> AwsResult<()>;
    /// DescribeQueryDefinitions by name prefix: (id, definition).
    async fn describe_query_definitions(
        &self,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<(String, QueryDefinition)>>;
    /// PutQueryDefinition: creates (no id) or updates; returns the id.
    /// `client_token` makes a retried create idempotent: AWS returns the
    /// definition the first call with that token created.
    async fn put_query_definition(
        &self,
        id: Option<&str>,
        query: &QueryDefinition,
        client_token: &str,
    ) -> AwsResult<String>;
    /// DeleteQueryDefinition.
    async fn delete_query_definition(&self, id: &str) -> AwsResult<()>;
    /// CreateLogStream (`ResourceAlreadyExistsException` if a stream of
    /// that name exists: the one create-if-absent call among obsctl's
    /// services, which the apply lock is built on).
    async fn create_log_stream(&self, group: &str, stream: &str) -> AwsResult<()>;
    /// DescribeLogStreams of `group` by name prefix, ordered by name, 50 per
    /// page (`ResourceNotFoundException` when the group does not exist).
    async fn describe_log_streams(
        &self,
        group: &str,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LogStream>>;
    /// PutLogEvents of one event (`timestamp` in ms since the epoch). An
    /// event AWS rejects (too old, too far in the future) is an error.
    async fn put_log_event(
        &self,
        group: &str,
        stream: &str,
        timestamp: i64,
        message: &str,
    ) -> AwsResult<()>;
    /// GetLogEvents newest first (`startFromHead` false), at most `limit`
    /// events, and the token of the older page (`None` at the start of the
    /// stream). A page may be empty while older events exist (GetLogEvents
    /// API reference).
    async fn get_log_events(
        &self,
        group: &str,
        stream: &str,
        limit: i32,
        next: Option<String>,
    ) -> AwsResult<Page<LogEvent>>;
    /// DeleteLogStream.
    async fn delete_log_stream(&self, group: &str, stream: &str) -> AwsResult<()>;
    /// FilterLogEvents of `group` with times in `[start, end)` (ms), at most
    /// `limit` events, matching `pattern` when one is given. A page may be
    /// empty while more events exist (see [`data::first_event`]).
    async fn filter_log_events(
        &self,
        group: &str,
        pattern: Option<&str>,
        (start, end): (i64, i64),
        limit: i32,
        next: Option<String>,
    ) -> AwsResult<Page<LogEvent>>;
    /// StartQuery (Logs Insights) of `query` over `groups` (at most 50)
    /// and `[start, end)` (ms; AWS takes seconds); returns the query id.
    async fn start_query(
        &self,
        groups: &[String],
        query: &str,
        start: i64,
        end: i64,
    ) -> AwsResult<String>;
    /// GetQueryResults: status, rows so far and statistics.
    async fn get_query_results(&self, id: &str) -> AwsResult<data::QueryRun>;
    /// StopQuery of a running query.
    async fn stop_query(&self, id: &str) -> AwsResult<()>;
}

/// A log stream as DescribeLogStreams lists it. Its `lastIngestionTime` and
/// `lastEventTimestamp` are left out on purpose: AWS updates both "on an
/// eventual consistency basis ... typically in less than an hour" (the
/// `LogStream` data type reference), so they cannot tell a live stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStream {
    /// Name.
    pub name: String,
    /// Creation time, ms since the epoch (AWS's clock).
    pub creation_time: i64,
}

/// A log event as GetLogEvents returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// The event's own time, ms since the epoch (the writer's clock).
    pub timestamp: i64,
    /// When AWS received it, ms since the epoch (AWS's clock).
    pub ingestion_time: i64,
    /// The message.
    pub message: String,
}

/// SNS topics and subscriptions.
#[async_trait]
pub trait SnsApi: Send + Sync {
    /// ListTopics: topic ARNs.
    async fn list_topics(&self, next: Option<String>) -> AwsResult<Page<String>>;
    /// GetTopicAttributes.
    async fn topic_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>>;
    /// ListTagsForResource.
    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>>;
    /// ListSubscriptionsByTopic.
    async fn list_subscriptions(
        &self,
        topic_arn: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LiveSubscription>>;
    /// GetSubscriptionAttributes.
    async fn subscription_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>>;
    /// CreateTopic (idempotent); returns the ARN.
    async fn create_topic(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String>;
    /// SetTopicAttributes.
    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> AwsResult<()>;
    /// TagResource.
    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()>;
    /// UntagResource.
    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()>;
    /// DeleteTopic.
    async fn delete_topic(&self, arn: &str) -> AwsResult<()>;
    /// Subscribe; returns the subscription ARN (or `pending confirmation`).
    async fn subscribe(
        &self,
        topic_arn: &str,
        protocol: &str,
        endpoint: &str,
        attributes: &BTreeMap<String, String>,
    ) -> AwsResult<String>;
    /// SetSubscriptionAttributes.
    async fn set_subscription_attribute(&self, arn: &str, name: &str, value: &str)
    -> AwsResult<()>;
    /// Unsubscribe.
    async fn unsubscribe(&self, arn: &str) -> AwsResult<()>;
}

/// A message received from an SQS queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    /// The body as delivered (an SNS envelope unless raw delivery).
    pub body: String,
    /// The receipt handle DeleteMessage needs.
    pub receipt: String,
}

/// SQS, for the drill's temporary queues only.
#[async_trait]
pub trait QueueApi: Send + Sync {
    /// CreateQueue with attributes (e.g. `Policy`) and tags; returns the
    /// queue URL.
    async fn create_queue(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String>;
    /// GetQueueAttributes: every attribute (`QueueArn`, `CreatedTimestamp`…).
    async fn queue_attributes(&self, url: &str) -> AwsResult<BTreeMap<String, String>>;
    /// ListQueues by name prefix, up to 1000 per page: queue URLs.
    async fn list_queues(&self, prefix: &str, next: Option<String>) -> AwsResult<Page<String>>;
    /// ListQueueTags.
    async fn queue_tags(&self, url: &str) -> AwsResult<Vec<Tag>>;
    /// ReceiveMessage, up to 10 messages, long-polling up to `wait_seconds`
    /// (0 to 20).
    async fn receive(&self, url: &str, wait_seconds: i32) -> AwsResult<Vec<QueueMessage>>;
    /// DeleteMessage.
    async fn delete_message(&self, url: &str, receipt: &str) -> AwsResult<()>;
    /// DeleteQueue.
    async fn delete_queue(&self, url: &str) -> AwsResult<()>;
}

/// A resource's ARN and its tags, as the tagging API indexes them.
pub type TaggedResource = (String, Vec<Tag>);

/// The Resource Groups Tagging API: the tags of up to 100 resources per
/// call. Eventually consistent, and it may list resources deleted since:
/// callers use it for tags only, never for existence.
#[async_trait]
pub trait TaggingApi: Send + Sync {
    /// GetResources, 100 per page: resources of `types` (`ResourceTypeFilters`,
    /// e.g. `cloudwatch:alarm`, `sns`) carrying every tag in `tags`
    /// (`TagFilters`, one value per key). Pages may be short or empty and
    /// still carry a token; the last token may be an empty string.
    async fn get_resources(
        &self,
        types: &[&str],
        tags: &[Tag],
        next: Option<String>,
    ) -> AwsResult<Page<TaggedResource>>;
}

/// Who the credentials are (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// AWS account id.
    pub account: String,
    /// The caller's ARN; its second field is the partition.
    pub arn: String,
}

impl Identity {
    /// The partition of the caller's ARN (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &str {
        self.arn.split(':').nth(1).unwrap_or("aws")
    }
}

/// The account and region behind the clients.
#[async_trait]
pub trait IdentityApi: Send + Sync {
    /// STS GetCallerIdentity.
    async fn identity(&self) -> AwsResult<Identity>;
}

/// The service clients an [`Aws`] is built from (SDK or fake).
pub struct Clients {
    /// CloudWatch.
    pub cloudwatch: Arc<dyn CloudWatchApi>,
    /// CloudWatch Logs.
    pub logs: Arc<dyn LogsApi>,
    /// SNS.
    pub sns: Arc<dyn SnsApi>,
    /// STS.
    pub identity: Arc<dyn IdentityApi>,
    /// Resource Groups Tagging API.
    pub tagging: Arc<dyn TaggingApi>,
    /// SQS.
    pub queues: Arc<dyn QueueApi>,
}

/// The three services plus identity, each behind the rate-limit and retry
/// decorator ([`guard`]). The fields are private: the undecorated clients
/// cannot be reached, so no call bypasses the limits or the retries.
#[derive(Clone)]
pub struct Aws {
    cloudwatch: Arc<dyn CloudWatchApi>,
    logs: Arc<dyn LogsApi>,
    sns: Arc<dyn SnsApi>,
    identity: Arc<dyn IdentityApi>,
    tagging: Arc<dyn TaggingApi>,
    queues: Arc<dyn QueueApi>,
    policy: Arc<guard::Policy>,
    /// False where AWS's own documented behaviour cannot be assumed (an
    /// endpoint URL: an emulator, or a proxy): see [`Aws::trusts_create_tags`].
    create_tags_trusted: bool,
}

impl Aws {
    /// Wraps `clients` in rate limits `rates` and the retry policy.
    pub fn new(clients: Clients, rates: Rates, retry: RetryPolicy) -> Aws {
        let policy = Arc::new(guard::Policy {
            stats: CallStats::new(rates),
            retry,
        });
        Aws {
            cloudwatch: Arc::new(guard::Guarded {
                inner: clients.cloudwatch,
                policy: policy.clone(),
            }),
            logs: Arc::new(guard::Guarded {
                inner: clients.logs,
                policy: policy.clone(),
            }),
            sns: Arc::new(guard::Guarded {
                inner: clients.sns,
                policy: policy.clone(),
            }),
            identity: Arc::new(guard::Guarded {
                inner: clients.identity,
                policy: policy.clone(),
            }),
            tagging: Arc::new(guard::Guarded {
                inner: clients.tagging,
                policy: policy.clone(),
            }),
            queues: Arc::new(guard::Guarded {
                inner: clients.queues,
                policy: policy.clone(),
            }),
            policy,
            create_tags_trusted: true,
        }
    }

    /// The same clients, checking rather than trusting that `Tags` given
    /// on creation are kept (for endpoints other than AWS's own).
    pub fn checking_create_tags(mut self) -> Aws {
        self.create_tags_trusted = false;
        self
    }

    /// Whether `Tags` passed to PutCompositeAlarm and PutDashboard on
    /// creation can be taken as kept. AWS keeps them (both API references:
    /// tags are "only applied when the alarm/dashboard is created");
    /// fakecloud 0.51 drops them (aws-fidelity.md), so behind an endpoint
    /// URL apply checks once per kind and apply.
    pub fn trusts_create_tags(&self) -> bool {
        self.create_tags_trusted
    }

    /// CloudWatch, rate-limited and retried.
    pub fn cloudwatch(&self) -> &dyn CloudWatchApi {
        self.cloudwatch.as_ref()
    }

    /// CloudWatch Logs, rate-limited and retried.
    pub fn logs(&self) -> &dyn LogsApi {
        self.logs.as_ref()
    }

    /// SNS, rate-limited and retried.
    pub fn sns(&self) -> &dyn SnsApi {
        self.sns.as_ref()
    }

    /// STS, rate-limited and retried.
    pub fn identity(&self) -> &dyn IdentityApi {
        self.identity.as_ref()
    }

    /// The Resource Groups Tagging API, rate-limited and retried.
    pub fn tagging(&self) -> &dyn TaggingApi {
        self.tagging.as_ref()
    }

    /// SQS, rate-limited and retried.
    pub fn queues(&self) -> &dyn QueueApi {
        self.queues.as_ref()
    }

    /// Calls made so far, per API.
    pub fn stats(&self) -> &CallStats {
        &self.policy.stats
    }
}
