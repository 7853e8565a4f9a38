//! The one layer every AWS call passes through: a decorator around each
//! service trait that waits for the API's token bucket, counts the call and
//! retries throttling and transient errors with exponential backoff.
//!
//! [`Aws`](super::Aws) hands out only the decorated clients (its fields are
//! private), so no call can skip rate limiting or retries, and no call is
//! retried twice (the SDK's own retries are off, see `sdk::connect`).

use super::data::{AlarmState, AlarmTransition, DataPage, DataQuery, MetricListing, QueryRun};
use super::{
    AlarmPage, AlarmStatus, Api, AwsResult, CallStats, CloudWatchApi, ErrorKind, Identity,
    IdentityApi, LiveSubscription, LogEvent, LogStream, LogsApi, MuteRuleSummary, Page, QueueApi,
    QueueMessage, SnsApi, TaggedResource, TaggingApi,
};
use crate::resource::{
    AlarmMuteRule, CompositeAlarm, Dashboard, LogAlarm, Metric, MetricAlarm, MetricFilter,
    QueryDefinition, Tag,
};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How often and how patiently a call is retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per call (first try included) for throttling and transient
    /// errors; quota and validation errors get one.
    pub max_attempts: u32,
    /// First backoff delay, doubled on each retry up to [`MAX_DELAY`].
    pub base_delay: Duration,
}

/// The longest single backoff.
pub const MAX_DELAY: Duration = Duration::from_secs(20);

impl Default for RetryPolicy {
    /// 8 attempts from 200 ms: about 25 s of backoff before giving up.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(200),
        }
    }
}

/// Rate limits, counters and the retry policy, shared by the decorators.
#[derive(Debug)]
pub(super) struct Policy {
    pub(super) stats: CallStats,
    pub(super) retry: RetryPolicy,
}

impl Policy {
    /// Runs one call of `api` under the policy.
    async fn call<T, F, Fut>(&self, api: Api, mut f: F) -> AwsResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = AwsResult<T>>,
    {
        let mut delay = self.retry.base_delay;
        let mut attempt = 1;
        loop {
            self.stats.acquire(api).await;
            match f().await {
                // Throttling means "not processed": always safe to repeat. A
                // transient error may hide a processed call.
                Err(e)
                    if e.kind.is_retried()
                        && (api.is_idempotent() || e.kind == ErrorKind::Throttling)
                        && attempt < self.retry.max_attempts.max(1) =>
                {
                    self.stats.throttled(api);
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(MAX_DELAY);
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// A service client wrapped in the policy.
pub(super) struct Guarded<T: ?Sized> {
    pub(super) inner: Arc<T>,
    pub(super) policy: Arc<Policy>,
}

#[async_trait]
impl CloudWatchApi for Guarded<dyn CloudWatchApi> {
    async fn describe_alarms_named(
        &self,
        names: &[String],
    ) -> AwsResult<Vec<(String, super::LiveAlarm)>> {
        let i = &self.inner;
        self.policy
            .call(Api::DescribeAlarms, || i.describe_alarms_named(names))
            .await
    }
    async fn describe_alarms(&self, prefix: &str, next: Option<String>) -> AwsResult<AlarmPage> {
        let i = &self.inner;
        self.policy
            .call(Api::DescribeAlarms, || {
                i.describe_alarms(prefix, next.clone())
            })
            .await
    }
    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        let i = &self.inner;
        self.policy
            .call(Api::CloudWatchListTags, || i.list_tags(arn))
            .await
    }
    async fn put_metric_alarm(&self, alarm: &MetricAlarm) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::PutMetricAlarm, || i.put_metric_alarm(alarm))
            .await
    }
    async fn put_log_alarm(&self, alarm: &LogAlarm) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::PutLogAlarm, || i.put_log_alarm(alarm))
            .await
    }
    async fn put_composite_alarm(&self, alarm: &CompositeAlarm) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::PutCompositeAlarm, || i.put_composite_alarm(alarm))
            .await
    }
    async fn delete_alarms(&self, names: &[String]) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::DeleteAlarms, || i.delete_alarms(names))
            .await
    }
    async fn parents_of(&self, alarm: &str) -> AwsResult<Vec<String>> {
        let i = &self.inner;
        self.policy
            .call(Api::DescribeAlarms, || i.parents_of(alarm))
            .await
    }
    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::CloudWatchTag, || i.tag_resource(arn, tags))
            .await
    }
    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::CloudWatchUntag, || i.untag_resource(arn, keys))
            .await
    }
    async fn list_dashboards(&self, prefix: &str, next: Option<String>) -> AwsResult<Page<String>> {
        let i = &self.inner;
        self.policy
            .call(Api::ListDashboards, || {
                i.list_dashboards(prefix, next.clone())
            })
            .await
    }
    async fn get_dashboard(&self, name: &str) -> AwsResult<String> {
        let i = &self.inner;
        self.policy
            .call(Api::GetDashboard, || i.get_dashboard(name))
            .await
    }
    async fn put_dashboard(&self, dashboard: &Dashboard) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::PutDashboard, || i.put_dashboard(dashboard))
            .await
    }
    async fn delete_dashboards(&self, names: &[String]) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::DeleteDashboards, || i.delete_dashboards(names))
            .await
    }
    async fn list_metrics(
        &self,
        listing: &MetricListing,
        next: Option<String>,
    ) -> AwsResult<Page<Metric>> {
        let i = &self.inner;
        self.policy
            .call(Api::ListMetrics, || i.list_metrics(listing, next.clone()))
            .await
    }
    async fn get_metric_data(
        &self,
        queries: &[DataQuery],
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> AwsResult<DataPage> {
        let i = &self.inner;
        self.policy
            .call(Api::GetMetricData, || {
                i.get_metric_data(queries, start, end, next.clone())
            })
            .await
    }
    async fn alarm_history(
        &self,
        alarm: &str,
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> AwsResult<Page<AlarmTransition>> {
        let i = &self.inner;
        self.policy
            .call(Api::DescribeAlarmHistory, || {
                i.alarm_history(alarm, start, end, next.clone())
            })
            .await
    }
    async fn list_alarm_mute_rules(
        &self,
        next: Option<String>,
    ) -> AwsResult<Page<MuteRuleSummary>> {
        let i = &self.inner;
        self.policy
            .call(Api::ListAlarmMuteRules, || {
                i.list_alarm_mute_rules(next.clone())
            })
            .await
    }
    async fn get_alarm_mute_rule(&self, name: &str) -> AwsResult<(String, AlarmMuteRule)> {
        let i = &self.inner;
        self.policy
            .call(Api::GetAlarmMuteRule, || i.get_alarm_mute_rule(name))
            .await
    }
    async fn put_alarm_mute_rule(&self, rule: &AlarmMuteRule) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::PutAlarmMuteRule, || i.put_alarm_mute_rule(rule))
            .await
    }
    async fn delete_alarm_mute_rule(&self, name: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::DeleteAlarmMuteRule, || i.delete_alarm_mute_rule(name))
            .await
    }
    async fn alarm_states(&self, names: &[String]) -> AwsResult<Vec<AlarmStatus>> {
        let i = &self.inner;
        self.policy
            .call(Api::DescribeAlarms, || i.alarm_states(names))
            .await
    }
    async fn set_alarm_state(&self, name: &str, state: AlarmState, reason: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::SetAlarmState, || {
                i.set_alarm_state(name, state, reason)
            })
            .await
    }
}

#[async_trait]
impl QueueApi for Guarded<dyn QueueApi> {
    async fn create_queue(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String> {
        let i = &self.inner;
        self.policy
            .call(Api::CreateQueue, || i.create_queue(name, attributes, tags))
            .await
    }
    async fn queue_attributes(&self, url: &str) -> AwsResult<BTreeMap<String, String>> {
        let i = &self.inner;
        self.policy
            .call(Api::GetQueueAttributes, || i.queue_attributes(url))
            .await
    }
    async fn list_queues(&self, prefix: &str, next: Option<String>) -> AwsResult<Page<String>> {
        let i = &self.inner;
        self.policy
            .call(Api::ListQueues, || i.list_queues(prefix, next.clone()))
            .await
    }
    async fn queue_tags(&self, url: &str) -> AwsResult<Vec<Tag>> {
        let i = &self.inner;
        self.policy
            .call(Api::ListQueueTags, || i.queue_tags(url))
            .await
    }
    async fn receive(&self, url: &str, wait_seconds: i32) -> AwsResult<Vec<QueueMessage>> {
        let i = &self.inner;
        self.policy
            .call(Api::ReceiveMessage, || i.receive(url, wait_seconds))
            .await
    }
    async fn delete_message(&self, url: &str, receipt: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::DeleteMessage, || i.delete_message(url, receipt))
            .await
    }
    async fn delete_queue(&self, url: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::DeleteQueue, || i.delete_queue(url))
            .await
    }
}

#[async_trait]
impl LogsApi for Guarded<dyn LogsApi> {
    async fn describe_log_groups(
        &self,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<String>> {
        let i = &self.inner;
        self.policy
            .call(Api::DescribeLogGroups, || {
                i.describe_log_groups(prefix, next.clone())
            })
            .await
    }
    async fn create_log_group(&self, name: &str, tags: &[Tag]) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::CreateLogGroup, || i.create_log_group(name, tags))
            .await
    }
    async fn put_retention_policy(&self, name: &str, days: u32) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::PutRetentionPolicy, || {
                i.put_retention_policy(name, days)
            })
            .await
    }
    async fn describe_metric_filters(
        &self,
        log_group: Option<&str>,
        next: Option<String>,
    ) -> AwsResult<Page<MetricFilter>> {
        let i = &self.inner;
        self.policy
            .call(Api::DescribeMetricFilters, || {
                i.describe_metric_filters(log_group, next.clone())
            })
            .await
    }
    async fn put_metric_filter(&self, filter: &MetricFilter) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::PutMetricFilter, || i.put_metric_filter(filter))
            .await
    }
    async fn delete_metric_filter(&self, log_group: &str, name: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::DeleteMetricFilter, || {
                i.delete_metric_filter(log_group, name)
            })
            .await
    }
    async fn describe_query_definitions(
        &self,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<(String, QueryDefinition)>> {
        let i = &self.inner;
        self.policy
            .call(Api::DescribeQueryDefinitions, || {
                i.describe_query_definitions(prefix, next.clone())
            })
            .await
    }
    async fn put_query_definition(
        &self,
        id: Option<&str>,
        query: &QueryDefinition,
        client_token: &str,
    ) -> AwsResult<String> {
        let i = &self.inner;
        self.policy
            .call(Api::PutQueryDefinition, || {
                i.put_query_definition(id, query, client_token)
            })
            .await
    }
    async fn delete_query_definition(&self, id: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::DeleteQueryDefinition, || i.delete_query_definition(id))
            .await
    }
    async fn create_log_stream(&self, group: &str, stream: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::CreateLogStream, || i.create_log_stream(group, stream))
            .await
    }
    async fn describe_log_streams(
        &self,
        group: &str,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LogStream>> {
        let i = &self.inner;
        self.policy
            .call(Api::DescribeLogStreams, || {
                i.describe_log_streams(group, prefix, next.clone())
            })
            .await
    }
    async fn put_log_event(
        &self,
        group: &str,
        stream: &str,
        timestamp: i64,
        message: &str,
    ) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::PutLogEvents, || {
                i.put_log_event(group, stream, timestamp, message)
            })
            .await
    }
    async fn get_log_events(
        &self,
        group: &str,
        stream: &str,
        limit: i32,
        next: Option<String>,
    ) -> AwsResult<Page<LogEvent>> {
        let i = &self.inner;
        self.policy
            .call(Api::GetLogEvents, || {
                i.get_log_events(group, stream, limit, next.clone())
            })
            .await
    }
    async fn delete_log_stream(&self, group: &str, stream: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::DeleteLogStream, || i.delete_log_stream(group, stream))
            .await
    }
    async fn filter_log_events(
        &self,
        group: &str,
        pattern: Option<&str>,
        window: (i64, i64),
        limit: i32,
        next: Option<String>,
    ) -> AwsResult<Page<LogEvent>> {
        let i = &self.inner;
        self.policy
            .call(Api::FilterLogEvents, || {
                i.filter_log_events(group, pattern, window, limit, next.clone())
            })
            .await
    }
    async fn start_query(
        &self,
        groups: &[String],
        query: &str,
        start: i64,
        end: i64,
    ) -> AwsResult<String> {
        let i = &self.inner;
        self.policy
            .call(Api::StartQuery, || i.start_query(groups, query, start, end))
            .await
    }
    async fn get_query_results(&self, id: &str) -> AwsResult<QueryRun> {
        let i = &self.inner;
        self.policy
            .call(Api::GetQueryResults, || i.get_query_results(id))
            .await
    }
    async fn stop_query(&self, id: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy.call(Api::StopQuery, || i.stop_query(id)).await
    }
}

#[async_trait]
impl SnsApi for Guarded<dyn SnsApi> {
    async fn list_topics(&self, next: Option<String>) -> AwsResult<Page<String>> {
        let i = &self.inner;
        self.policy
            .call(Api::ListTopics, || i.list_topics(next.clone()))
            .await
    }
    async fn topic_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        let i = &self.inner;
        self.policy
            .call(Api::GetTopicAttributes, || i.topic_attributes(arn))
            .await
    }
    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        let i = &self.inner;
        self.policy
            .call(Api::SnsListTags, || i.list_tags(arn))
            .await
    }
    async fn list_subscriptions(
        &self,
        topic_arn: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LiveSubscription>> {
        let i = &self.inner;
        self.policy
            .call(Api::ListSubscriptionsByTopic, || {
                i.list_subscriptions(topic_arn, next.clone())
            })
            .await
    }
    async fn subscription_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        let i = &self.inner;
        self.policy
            .call(Api::GetSubscriptionAttributes, || {
                i.subscription_attributes(arn)
            })
            .await
    }
    async fn create_topic(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String> {
        let i = &self.inner;
        self.policy
            .call(Api::CreateTopic, || i.create_topic(name, attributes, tags))
            .await
    }
    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::SetTopicAttributes, || {
                i.set_topic_attribute(arn, name, value)
            })
            .await
    }
    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::SnsTag, || i.tag_resource(arn, tags))
            .await
    }
    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::SnsUntag, || i.untag_resource(arn, keys))
            .await
    }
    async fn delete_topic(&self, arn: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::DeleteTopic, || i.delete_topic(arn))
            .await
    }
    async fn subscribe(
        &self,
        topic_arn: &str,
        protocol: &str,
        endpoint: &str,
        attributes: &BTreeMap<String, String>,
    ) -> AwsResult<String> {
        let i = &self.inner;
        self.policy
            .call(Api::Subscribe, || {
                i.subscribe(topic_arn, protocol, endpoint, attributes)
            })
            .await
    }
    async fn set_subscription_attribute(
        &self,
        arn: &str,
        name: &str,
        value: &str,
    ) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::SetSubscriptionAttributes, || {
                i.set_subscription_attribute(arn, name, value)
            })
            .await
    }
    async fn unsubscribe(&self, arn: &str) -> AwsResult<()> {
        let i = &self.inner;
        self.policy
            .call(Api::Unsubscribe, || i.unsubscribe(arn))
            .await
    }
}

#[async_trait]
impl IdentityApi for Guarded<dyn IdentityApi> {
    async fn identity(&self) -> AwsResult<Identity> {
        let i = &self.inner;
        self.policy
            .call(Api::GetCallerIdentity, || i.identity())
            .await
    }
}

#[async_trait]
impl TaggingApi for Guarded<dyn TaggingApi> {
    async fn get_resources(
        &self,
        types: &[&str],
        tags: &[Tag],
        next: Option<String>,
    ) -> AwsResult<Page<TaggedResource>> {
        let i = &self.inner;
        self.policy
            .call(Api::GetResources, || {
                i.get_resources(types, tags, next.clone())
            })
            .await
    }
}
