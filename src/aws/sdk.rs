//! The real adapters: the traits implemented with the AWS SDK for Rust.
//! Conversions between SDK types and obsctl's resource types live here and
//! nowhere else.

use super::*;
use crate::resource::{Dimension, Metric, MetricDataQuery, MetricStat, MetricTransformation};
use aws_sdk_cloudwatch as cw;
use aws_sdk_cloudwatchlogs as logs;
use aws_sdk_sns as sns;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::HashMap;

/// How to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Named profile.
    pub profile: Option<String>,
    /// Region (else the standard chain).
    pub region: Option<String>,
    /// Endpoint URL (emulators, private endpoints); `AWS_ENDPOINT_URL` also works.
    pub endpoint_url: Option<String>,
    /// Client-side rate limits.
    pub rates: Option<Rates>,
    /// Retries of throttling and transient errors (obsctl's retry layer; the
    /// SDK's retries are off).
    pub retry: RetryPolicy,
}

/// Builds the SDK clients through aws-config's standard chain (environment,
/// profiles, SSO, assume-role) and bundles them as [`Aws`].
pub async fn connect(opts: &ConnectOptions) -> Aws {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(e) = &opts.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    // One retry layer only: obsctl's (`guard`), which knows which errors
    // are worth retrying (the SDK's classifier retries LimitExceeded as
    // throttling and does not retry SNS `Throttled` or
    // ConcurrentModificationException).
    loader = loader.retry_config(aws_config::retry::RetryConfig::disabled());
    let config = loader.load().await;
    Aws::new(
        Clients {
            cloudwatch: Arc::new(Sdk(cw::Client::new(&config))),
            logs: Arc::new(Sdk(logs::Client::new(&config))),
            sns: Arc::new(Sdk(sns::Client::new(&config))),
            identity: Arc::new(Sdk(aws_sdk_sts::Client::new(&config))),
        },
        opts.rates.clone().unwrap_or_default(),
        opts.retry,
    )
}

/// An SDK client wrapped to implement one of obsctl's traits.
#[derive(Debug, Clone)]
pub struct Sdk<C>(pub C);

fn err<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    api: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> AwsError {
    use aws_smithy_runtime_api::client::result::SdkError;
    let code = match (&e, e.code()) {
        (_, Some(code)) => code.to_string(),
        (SdkError::TimeoutError(_), None) => "Timeout".to_string(),
        (SdkError::DispatchFailure(_), None) => "DispatchFailure".to_string(),
        (SdkError::ResponseError(_), None) => "ResponseError".to_string(),
        (SdkError::ServiceError(se), None) if se.raw().status().is_server_error() => {
            "HttpServerError".to_string()
        }
        _ => "Unknown".to_string(),
    };
    let message = e
        .message()
        .map(str::to_string)
        .unwrap_or_else(|| aws_smithy_types::error::display::DisplayErrorContext(&e).to_string());
    AwsError::new(api, code, message)
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    Some(v.to_vec())
}

// ---------- CloudWatch ----------

fn cw_dims(d: &[Dimension]) -> Vec<cw::types::Dimension> {
    d.iter()
        .map(|d| {
            cw::types::Dimension::builder()
                .name(&d.name)
                .value(&d.value)
                .build()
        })
        .collect()
}

fn from_cw_dims(d: &[cw::types::Dimension]) -> Vec<Dimension> {
    let mut out: Vec<Dimension> = d
        .iter()
        .map(|d| Dimension {
            name: d.name().unwrap_or_default().to_string(),
            value: d.value().unwrap_or_default().to_string(),
        })
        .collect();
    out.sort();
    out
}

fn cw_query(q: &MetricDataQuery) -> cw::types::MetricDataQuery {
    let stat = q.metric_stat.as_ref().map(|s| {
        let metric = cw::types::Metric::builder()
            .namespace(&s.metric.namespace)
            .metric_name(&s.metric.metric_name)
            .set_dimensions(Some(cw_dims(&s.metric.dimensions)))
            .build();
        cw::types::MetricStat::builder()
            .metric(metric)
            .period(s.period as i32)
            .stat(&s.stat)
            .set_unit(s.unit.as_deref().map(cw::types::StandardUnit::from))
            .build()
    });
    cw::types::MetricDataQuery::builder()
        .id(&q.id)
        .set_metric_stat(stat)
        .set_expression(q.expression.clone())
        .set_label(q.label.clone())
        .return_data(q.return_data)
        .build()
}

fn from_cw_query(q: &cw::types::MetricDataQuery) -> MetricDataQuery {
    MetricDataQuery {
        id: q.id().unwrap_or_default().to_string(),
        metric_stat: q.metric_stat().map(|s| MetricStat {
            metric: Metric {
                namespace: s
                    .metric()
                    .and_then(|m| m.namespace())
                    .unwrap_or_default()
                    .to_string(),
                metric_name: s
                    .metric()
                    .and_then(|m| m.metric_name())
                    .unwrap_or_default()
                    .to_string(),
                dimensions: from_cw_dims(s.metric().map(|m| m.dimensions()).unwrap_or_default()),
            },
            period: s.period().unwrap_or_default() as u32,
            stat: s.stat().unwrap_or_default().to_string(),
            unit: s.unit().map(|u| u.as_str().to_string()),
        }),
        expression: q.expression().map(str::to_string),
        label: q.label().map(str::to_string),
        return_data: q.return_data().unwrap_or(true),
    }
}

fn opt_str(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_string)
}

fn from_cw_metric_alarm(a: &cw::types::MetricAlarm) -> MetricAlarm {
    MetricAlarm {
        alarm_name: a.alarm_name().unwrap_or_default().to_string(),
        alarm_description: opt_str(a.alarm_description()),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        ok_actions: a.ok_actions().to_vec(),
        alarm_actions: a.alarm_actions().to_vec(),
        insufficient_data_actions: a.insufficient_data_actions().to_vec(),
        metric_name: opt_str(a.metric_name()),
        namespace: opt_str(a.namespace()),
        statistic: a.statistic().map(|s| s.as_str().to_string()),
        extended_statistic: opt_str(a.extended_statistic()),
        dimensions: from_cw_dims(a.dimensions()),
        period: a
            .period()
            .filter(|_| a.metrics().is_empty())
            .map(|p| p as u32),
        unit: a.unit().map(|u| u.as_str().to_string()),
        evaluation_periods: a.evaluation_periods().unwrap_or(1) as u32,
        datapoints_to_alarm: Some(
            a.datapoints_to_alarm()
                .unwrap_or_else(|| a.evaluation_periods().unwrap_or(1)) as u32,
        ),
        threshold: a.threshold().filter(|_| a.threshold_metric_id().is_none()),
        comparison_operator: a
            .comparison_operator()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        treat_missing_data: a.treat_missing_data().unwrap_or("missing").to_string(),
        evaluate_low_sample_count_percentile: opt_str(a.evaluate_low_sample_count_percentile()),
        metrics: a.metrics().iter().map(from_cw_query).collect(),
        threshold_metric_id: opt_str(a.threshold_metric_id()),
        tags: Vec::new(),
    }
}

fn from_cw_composite(a: &cw::types::CompositeAlarm) -> CompositeAlarm {
    CompositeAlarm {
        alarm_name: a.alarm_name().unwrap_or_default().to_string(),
        alarm_description: opt_str(a.alarm_description()),
        alarm_rule: a.alarm_rule().unwrap_or_default().to_string(),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        ok_actions: a.ok_actions().to_vec(),
        alarm_actions: a.alarm_actions().to_vec(),
        insufficient_data_actions: a.insufficient_data_actions().to_vec(),
        actions_suppressor: opt_str(a.actions_suppressor()),
        actions_suppressor_wait_period: a.actions_suppressor_wait_period().map(|p| p as u32),
        actions_suppressor_extension_period: a
            .actions_suppressor_extension_period()
            .map(|p| p as u32),
        tags: Vec::new(),
    }
}

fn cw_tags(tags: &[Tag]) -> Vec<cw::types::Tag> {
    tags.iter()
        .map(|t| {
            cw::types::Tag::builder()
                .key(&t.key)
                .value(&t.value)
                .build()
        })
        .collect()
}

#[async_trait]
impl CloudWatchApi for Sdk<cw::Client> {
    async fn describe_alarms(&self, prefix: &str, next: Option<String>) -> AwsResult<AlarmPage> {
        let out = self
            .0
            .describe_alarms()
            .alarm_name_prefix(prefix)
            .alarm_types(cw::types::AlarmType::MetricAlarm)
            .alarm_types(cw::types::AlarmType::CompositeAlarm)
            .max_records(100)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("DescribeAlarms", e))?;
        let mut alarms: Vec<(String, LiveAlarm)> = out
            .metric_alarms()
            .iter()
            .map(|a| {
                (
                    a.alarm_arn().unwrap_or_default().to_string(),
                    LiveAlarm::Metric(from_cw_metric_alarm(a)),
                )
            })
            .collect();
        alarms.extend(out.composite_alarms().iter().map(|a| {
            (
                a.alarm_arn().unwrap_or_default().to_string(),
                LiveAlarm::Composite(from_cw_composite(a)),
            )
        }));
        Ok(AlarmPage {
            alarms,
            next: out.next_token().map(str::to_string),
        })
    }

    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        let out = self
            .0
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| err("ListTagsForResource", e))?;
        let mut tags: Vec<Tag> = out
            .tags()
            .iter()
            .map(|t| Tag {
                key: t.key().unwrap_or_default().into(),
                value: t.value().unwrap_or_default().into(),
            })
            .collect();
        tags.sort();
        Ok(tags)
    }

    async fn put_metric_alarm(&self, a: &MetricAlarm) -> AwsResult<()> {
        self.0
            .put_metric_alarm()
            .alarm_name(&a.alarm_name)
            .set_alarm_description(a.alarm_description.clone())
            .actions_enabled(a.actions_enabled)
            .set_ok_actions(non_empty(&a.ok_actions))
            .set_alarm_actions(non_empty(&a.alarm_actions))
            .set_insufficient_data_actions(non_empty(&a.insufficient_data_actions))
            .set_metric_name(a.metric_name.clone())
            .set_namespace(a.namespace.clone())
            .set_statistic(a.statistic.as_deref().map(cw::types::Statistic::from))
            .set_extended_statistic(a.extended_statistic.clone())
            .set_dimensions((!a.dimensions.is_empty()).then(|| cw_dims(&a.dimensions)))
            .set_period(a.period.map(|p| p as i32))
            .set_unit(a.unit.as_deref().map(cw::types::StandardUnit::from))
            .evaluation_periods(a.evaluation_periods as i32)
            .set_datapoints_to_alarm(a.datapoints_to_alarm.map(|d| d as i32))
            .set_threshold(a.threshold)
            .comparison_operator(cw::types::ComparisonOperator::from(
                a.comparison_operator.as_str(),
            ))
            .treat_missing_data(&a.treat_missing_data)
            .set_evaluate_low_sample_count_percentile(
                a.evaluate_low_sample_count_percentile.clone(),
            )
            .set_metrics((!a.metrics.is_empty()).then(|| a.metrics.iter().map(cw_query).collect()))
            .set_threshold_metric_id(a.threshold_metric_id.clone())
            .set_tags((!a.tags.is_empty()).then(|| cw_tags(&a.tags)))
            .send()
            .await
            .map_err(|e| err("PutMetricAlarm", e))?;
        Ok(())
    }

    async fn put_composite_alarm(&self, a: &CompositeAlarm) -> AwsResult<()> {
        self.0
            .put_composite_alarm()
            .alarm_name(&a.alarm_name)
            .set_alarm_description(a.alarm_description.clone())
            .alarm_rule(&a.alarm_rule)
            .actions_enabled(a.actions_enabled)
            .set_ok_actions(non_empty(&a.ok_actions))
            .set_alarm_actions(non_empty(&a.alarm_actions))
            .set_insufficient_data_actions(non_empty(&a.insufficient_data_actions))
            .set_actions_suppressor(a.actions_suppressor.clone())
            .set_actions_suppressor_wait_period(a.actions_suppressor_wait_period.map(|p| p as i32))
            .set_actions_suppressor_extension_period(
                a.actions_suppressor_extension_period.map(|p| p as i32),
            )
            .set_tags((!a.tags.is_empty()).then(|| cw_tags(&a.tags)))
            .send()
            .await
            .map_err(|e| err("PutCompositeAlarm", e))?;
        Ok(())
    }

    async fn delete_alarms(&self, names: &[String]) -> AwsResult<()> {
        self.0
            .delete_alarms()
            .set_alarm_names(Some(names.to_vec()))
            .send()
            .await
            .map_err(|e| err("DeleteAlarms", e))?;
        Ok(())
    }

    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        self.0
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(cw_tags(tags)))
            .send()
            .await
            .map_err(|e| err("TagResource", e))?;
        Ok(())
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.0
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| err("UntagResource", e))?;
        Ok(())
    }

    async fn list_dashboards(&self, prefix: &str, next: Option<String>) -> AwsResult<Page<String>> {
        let out = self
            .0
            .list_dashboards()
            .dashboard_name_prefix(prefix)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("ListDashboards", e))?;
        Ok((
            out.dashboard_entries()
                .iter()
                .filter_map(|d| d.dashboard_name().map(str::to_string))
                .collect(),
            out.next_token().map(str::to_string),
        ))
    }

    async fn get_dashboard(&self, name: &str) -> AwsResult<String> {
        let out = self
            .0
            .get_dashboard()
            .dashboard_name(name)
            .send()
            .await
            .map_err(|e| err("GetDashboard", e))?;
        Ok(out.dashboard_body().unwrap_or("{}").to_string())
    }

    async fn put_dashboard(&self, d: &Dashboard) -> AwsResult<()> {
        let body = serde_json::to_string(&d.body).unwrap_or_default();
        self.0
            .put_dashboard()
            .dashboard_name(&d.dashboard_name)
            .dashboard_body(body)
            .set_tags((!d.tags.is_empty()).then(|| cw_tags(&d.tags)))
            .send()
            .await
            .map_err(|e| err("PutDashboard", e))?;
        Ok(())
    }

    async fn parents_of(&self, alarm: &str) -> AwsResult<Vec<String>> {
        let out = self
            .0
            .describe_alarms()
            .parents_of_alarm_name(alarm)
            .alarm_types(cw::types::AlarmType::CompositeAlarm)
            .send()
            .await
            .map_err(|e| err("DescribeAlarms", e))?;
        Ok(out
            .composite_alarms()
            .iter()
            .filter_map(|a| a.alarm_name().map(str::to_string))
            .collect())
    }

    async fn delete_dashboards(&self, names: &[String]) -> AwsResult<()> {
        self.0
            .delete_dashboards()
            .set_dashboard_names(Some(names.to_vec()))
            .send()
            .await
            .map_err(|e| err("DeleteDashboards", e))?;
        Ok(())
    }
}

// ---------- CloudWatch Logs ----------

fn from_logs_filter(f: &logs::types::MetricFilter) -> MetricFilter {
    MetricFilter {
        log_group_name: f.log_group_name().unwrap_or_default().to_string(),
        filter_name: f.filter_name().unwrap_or_default().to_string(),
        filter_pattern: f.filter_pattern().unwrap_or_default().to_string(),
        metric_transformations: f
            .metric_transformations()
            .iter()
            .map(|t| MetricTransformation {
                metric_name: t.metric_name().to_string(),
                metric_namespace: t.metric_namespace().to_string(),
                metric_value: t.metric_value().to_string(),
                default_value: t.default_value(),
                dimensions: t
                    .dimensions()
                    .map(|d| d.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
                unit: t
                    .unit()
                    .map(|u| u.as_str().to_string())
                    .filter(|u| u != "None"),
            })
            .collect(),
    }
}

#[async_trait]
impl LogsApi for Sdk<logs::Client> {
    async fn describe_log_groups(
        &self,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<String>> {
        let out = self
            .0
            .describe_log_groups()
            .log_group_name_prefix(prefix)
            .limit(50)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("DescribeLogGroups", e))?;
        Ok((
            out.log_groups()
                .iter()
                .filter_map(|g| g.log_group_name().map(str::to_string))
                .collect(),
            out.next_token().map(str::to_string),
        ))
    }

    async fn create_log_group(&self, name: &str, tags: &[Tag]) -> AwsResult<()> {
        let tags: HashMap<String, String> = tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect();
        self.0
            .create_log_group()
            .log_group_name(name)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(|e| err("CreateLogGroup", e))?;
        Ok(())
    }

    async fn put_retention_policy(&self, name: &str, days: u32) -> AwsResult<()> {
        self.0
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(i32::try_from(days).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| err("PutRetentionPolicy", e))?;
        Ok(())
    }

    async fn describe_metric_filters(
        &self,
        log_group: Option<&str>,
        next: Option<String>,
    ) -> AwsResult<Page<MetricFilter>> {
        let out = self
            .0
            .describe_metric_filters()
            .set_log_group_name(log_group.map(str::to_string))
            .limit(50)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("DescribeMetricFilters", e))?;
        Ok((
            out.metric_filters().iter().map(from_logs_filter).collect(),
            out.next_token().map(str::to_string),
        ))
    }

    async fn put_metric_filter(&self, f: &MetricFilter) -> AwsResult<()> {
        let mut transformations = Vec::new();
        for t in &f.metric_transformations {
            let built = logs::types::MetricTransformation::builder()
                .metric_name(&t.metric_name)
                .metric_namespace(&t.metric_namespace)
                .metric_value(&t.metric_value)
                .set_default_value(t.default_value)
                .set_dimensions((!t.dimensions.is_empty()).then(|| {
                    t.dimensions
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<HashMap<_, _>>()
                }))
                .set_unit(t.unit.as_deref().map(logs::types::StandardUnit::from))
                .build()
                .map_err(|e| {
                    AwsError::new(
                        "PutMetricFilter",
                        "InvalidParameterException",
                        e.to_string(),
                    )
                })?;
            transformations.push(built);
        }
        self.0
            .put_metric_filter()
            .log_group_name(&f.log_group_name)
            .filter_name(&f.filter_name)
            .filter_pattern(&f.filter_pattern)
            .set_metric_transformations(Some(transformations))
            .send()
            .await
            .map_err(|e| err("PutMetricFilter", e))?;
        Ok(())
    }

    async fn delete_metric_filter(&self, log_group: &str, name: &str) -> AwsResult<()> {
        self.0
            .delete_metric_filter()
            .log_group_name(log_group)
            .filter_name(name)
            .send()
            .await
            .map_err(|e| err("DeleteMetricFilter", e))?;
        Ok(())
    }

    async fn describe_query_definitions(
        &self,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<(String, QueryDefinition)>> {
        let out = self
            .0
            .describe_query_definitions()
            .query_definition_name_prefix(prefix)
            .max_results(1000)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("DescribeQueryDefinitions", e))?;
        let defs = out
            .query_definitions()
            .iter()
            .map(|q| {
                let mut groups = q.log_group_names().to_vec();
                groups.sort();
                (
                    q.query_definition_id().unwrap_or_default().to_string(),
                    QueryDefinition {
                        name: q.name().unwrap_or_default().to_string(),
                        query_string: q.query_string().unwrap_or_default().to_string(),
                        log_group_names: groups,
                    },
                )
            })
            .collect();
        Ok((defs, out.next_token().map(str::to_string)))
    }

    async fn put_query_definition(
        &self,
        id: Option<&str>,
        q: &QueryDefinition,
        client_token: &str,
    ) -> AwsResult<String> {
        let out = self
            .0
            .put_query_definition()
            .client_token(client_token)
            .name(&q.name)
            .query_string(&q.query_string)
            .set_log_group_names(Some(q.log_group_names.clone()))
            .set_query_definition_id(id.map(str::to_string))
            .send()
            .await
            .map_err(|e| err("PutQueryDefinition", e))?;
        Ok(out.query_definition_id().unwrap_or_default().to_string())
    }

    async fn delete_query_definition(&self, id: &str) -> AwsResult<()> {
        self.0
            .delete_query_definition()
            .query_definition_id(id)
            .send()
            .await
            .map_err(|e| err("DeleteQueryDefinition", e))?;
        Ok(())
    }
}

// ---------- SNS ----------

fn sns_tags(tags: &[Tag]) -> AwsResult<Vec<sns::types::Tag>> {
    tags.iter()
        .map(|t| {
            sns::types::Tag::builder()
                .key(&t.key)
                .value(&t.value)
                .build()
                .map_err(|e| AwsError::new("TagResource", "InvalidParameter", e.to_string()))
        })
        .collect()
}

fn sorted_map(m: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    m.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

#[async_trait]
impl SnsApi for Sdk<sns::Client> {
    async fn list_topics(&self, next: Option<String>) -> AwsResult<Page<String>> {
        let out = self
            .0
            .list_topics()
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("ListTopics", e))?;
        Ok((
            out.topics()
                .iter()
                .filter_map(|t| t.topic_arn().map(str::to_string))
                .collect(),
            out.next_token().map(str::to_string),
        ))
    }

    async fn topic_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        let out = self
            .0
            .get_topic_attributes()
            .topic_arn(arn)
            .send()
            .await
            .map_err(|e| err("GetTopicAttributes", e))?;
        Ok(sorted_map(out.attributes()))
    }

    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        let out = self
            .0
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| err("ListTagsForResource", e))?;
        let mut tags: Vec<Tag> = out
            .tags()
            .iter()
            .map(|t| Tag {
                key: t.key().to_string(),
                value: t.value().to_string(),
            })
            .collect();
        tags.sort();
        Ok(tags)
    }

    async fn list_subscriptions(
        &self,
        topic_arn: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LiveSubscription>> {
        let out = self
            .0
            .list_subscriptions_by_topic()
            .topic_arn(topic_arn)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("ListSubscriptionsByTopic", e))?;
        let subs = out
            .subscriptions()
            .iter()
            .map(|s| LiveSubscription {
                arn: s.subscription_arn().unwrap_or_default().to_string(),
                protocol: s.protocol().unwrap_or_default().to_string(),
                endpoint: s.endpoint().unwrap_or_default().to_string(),
            })
            .collect();
        Ok((subs, out.next_token().map(str::to_string)))
    }

    async fn subscription_attributes(&self, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        let out = self
            .0
            .get_subscription_attributes()
            .subscription_arn(arn)
            .send()
            .await
            .map_err(|e| err("GetSubscriptionAttributes", e))?;
        Ok(sorted_map(out.attributes()))
    }

    async fn create_topic(
        &self,
        name: &str,
        attributes: &BTreeMap<String, String>,
        tags: &[Tag],
    ) -> AwsResult<String> {
        let out = self
            .0
            .create_topic()
            .name(name)
            .set_attributes((!attributes.is_empty()).then(|| {
                attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }))
            .set_tags((!tags.is_empty()).then(|| sns_tags(tags)).transpose()?)
            .send()
            .await
            .map_err(|e| err("CreateTopic", e))?;
        Ok(out.topic_arn().unwrap_or_default().to_string())
    }

    async fn set_topic_attribute(&self, arn: &str, name: &str, value: &str) -> AwsResult<()> {
        self.0
            .set_topic_attributes()
            .topic_arn(arn)
            .attribute_name(name)
            .attribute_value(value)
            .send()
            .await
            .map_err(|e| err("SetTopicAttributes", e))?;
        Ok(())
    }

    async fn tag_resource(&self, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        self.0
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(sns_tags(tags)?))
            .send()
            .await
            .map_err(|e| err("TagResource", e))?;
        Ok(())
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.0
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| err("UntagResource", e))?;
        Ok(())
    }

    async fn delete_topic(&self, arn: &str) -> AwsResult<()> {
        self.0
            .delete_topic()
            .topic_arn(arn)
            .send()
            .await
            .map_err(|e| err("DeleteTopic", e))?;
        Ok(())
    }

    async fn subscribe(
        &self,
        topic_arn: &str,
        protocol: &str,
        endpoint: &str,
        attributes: &BTreeMap<String, String>,
    ) -> AwsResult<String> {
        let out = self
            .0
            .subscribe()
            .topic_arn(topic_arn)
            .protocol(protocol)
            .endpoint(endpoint)
            .set_attributes((!attributes.is_empty()).then(|| {
                attributes
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }))
            .return_subscription_arn(false)
            .send()
            .await
            .map_err(|e| err("Subscribe", e))?;
        Ok(out.subscription_arn().unwrap_or_default().to_string())
    }

    async fn set_subscription_attribute(
        &self,
        arn: &str,
        name: &str,
        value: &str,
    ) -> AwsResult<()> {
        self.0
            .set_subscription_attributes()
            .subscription_arn(arn)
            .attribute_name(name)
            .attribute_value(value)
            .send()
            .await
            .map_err(|e| err("SetSubscriptionAttributes", e))?;
        Ok(())
    }

    async fn unsubscribe(&self, arn: &str) -> AwsResult<()> {
        self.0
            .unsubscribe()
            .subscription_arn(arn)
            .send()
            .await
            .map_err(|e| err("Unsubscribe", e))?;
        Ok(())
    }
}

#[async_trait]
impl IdentityApi for Sdk<aws_sdk_sts::Client> {
    async fn identity(&self) -> AwsResult<Identity> {
        let out = self
            .0
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| err("GetCallerIdentity", e))?;
        Ok(Identity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    //! The adapters' conversions and error handling, against the SDK's own
    //! operation mocks (aws-smithy-mocks): no network.
    use super::*;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;
    use cw::operation::describe_alarms::DescribeAlarmsOutput;
    use cw::operation::put_metric_alarm::{PutMetricAlarmError, PutMetricAlarmOutput};

    fn aws_with(cloudwatch: cw::Client) -> Aws {
        let fake = Arc::new(crate::aws::fake::FakeAws::default());
        Aws::new(
            Clients {
                cloudwatch: Arc::new(Sdk(cloudwatch)),
                logs: fake.clone(),
                sns: fake.clone(),
                identity: fake,
            },
            Rates::unlimited(),
            RetryPolicy {
                max_attempts: 8,
                base_delay: std::time::Duration::from_millis(1),
            },
        )
    }

    fn alarm() -> MetricAlarm {
        MetricAlarm {
            alarm_name: "p-staging-api-cpu".into(),
            alarm_description: None,
            actions_enabled: true,
            ok_actions: vec![],
            alarm_actions: vec![],
            insufficient_data_actions: vec![],
            metric_name: Some("CPUUtilization".into()),
            namespace: Some("AWS/ECS".into()),
            statistic: Some("Average".into()),
            extended_statistic: None,
            dimensions: vec![],
            period: Some(60),
            unit: None,
            evaluation_periods: 1,
            datapoints_to_alarm: Some(1),
            threshold: Some(80.0),
            comparison_operator: "GreaterThanThreshold".into(),
            treat_missing_data: "missing".into(),
            evaluate_low_sample_count_percentile: None,
            metrics: vec![],
            threshold_metric_id: None,
            tags: vec![],
        }
    }

    fn service_error(code: &str, message: &str) -> PutMetricAlarmError {
        PutMetricAlarmError::generic(ErrorMetadata::builder().code(code).message(message).build())
    }

    /// A client configured as `connect` configures it: SDK retries off.
    fn no_sdk_retries(rule: &aws_smithy_mocks::Rule) -> cw::Client {
        mock_client!(aws_sdk_cloudwatch, RuleMode::Sequential, [rule], |c| c
            .retry_config(aws_config::retry::RetryConfig::disabled()))
    }

    /// Runs PutMetricAlarm through the retry layer against errors `code`
    /// `times` times, then success; returns (result, calls that reached AWS).
    async fn through_retry_layer(
        code: &'static str,
        message: &'static str,
        times: usize,
    ) -> (AwsResult<()>, usize, u64) {
        let rule = mock!(cw::Client::put_metric_alarm)
            .sequence()
            .error(move || service_error(code, message))
            .times(times)
            .output(|| PutMetricAlarmOutput::builder().build())
            .build();
        let aws = aws_with(no_sdk_retries(&rule));
        let a = alarm();
        let result = aws.cloudwatch().put_metric_alarm(&a).await;
        let retried = aws.stats().snapshot()["cloudwatch:PutMetricAlarm"].throttled;
        (result, rule.num_calls(), retried)
    }

    #[tokio::test]
    async fn one_retry_layer_retries_throttling_and_transient_errors() {
        // Throttling and the transient errors the SDK's classifier does not
        // retry (SNS `Throttled`, ConcurrentModificationException, Logs
        // OperationAbortedException, a 503): each call reaches AWS once per
        // attempt, no hidden SDK attempts.
        for code in [
            "Throttling",
            "Throttled",
            "ConcurrentModificationException",
            "OperationAbortedException",
            "ServiceUnavailable",
        ] {
            let (result, calls, retried) = through_retry_layer(code, "try again", 3).await;
            assert!(result.is_ok(), "{code}: {result:?}");
            assert_eq!(calls, 4, "{code}");
            assert_eq!(retried, 3, "{code}: retries are counted");
        }
    }

    #[tokio::test]
    async fn a_quota_error_fails_at_once_with_the_quota_named() {
        // The SDK's default classifier retries LimitExceeded as throttling;
        // it is a real quota (aws-fidelity.md), so it is not retried at all.
        let (result, calls, _) = through_retry_layer(
            "LimitExceededFault",
            "The maximum number of alarms has been reached",
            3,
        )
        .await;
        let e = result.unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(e.kind, crate::aws::ErrorKind::Quota);
        assert!(e.quota_help().unwrap().contains("alarms per account"));
    }

    #[tokio::test]
    async fn retries_stop_after_the_budget() {
        let (result, calls, _) = through_retry_layer("Throttling", "Rate exceeded", 20).await;
        assert!(result.unwrap_err().is_throttling());
        assert_eq!(calls, 8, "max_attempts of the fake bundle");
    }

    #[tokio::test]
    async fn validation_errors_keep_code_and_message_and_are_not_retried() {
        let rule = mock!(cw::Client::put_metric_alarm).then_error(|| {
            service_error(
                "ValidationError",
                "Period must be 10, 30 or a multiple of 60",
            )
        });
        let aws = aws_with(mock_client!(aws_sdk_cloudwatch, [&rule]));
        let a = alarm();
        let e = aws.cloudwatch().put_metric_alarm(&a).await.unwrap_err();
        assert_eq!(
            (e.api.as_str(), e.code.as_str()),
            ("PutMetricAlarm", "ValidationError")
        );
        assert_eq!(e.message, "Period must be 10, 30 or a multiple of 60");
        assert!(!e.is_throttling());
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn not_found_is_recognized() {
        use cw::operation::get_dashboard::GetDashboardError;
        let rule = mock!(cw::Client::get_dashboard).then_error(|| {
            GetDashboardError::generic(
                ErrorMetadata::builder()
                    .code("ResourceNotFound")
                    .message("Dashboard x does not exist")
                    .build(),
            )
        });
        let e = Sdk(mock_client!(aws_sdk_cloudwatch, [&rule]))
            .get_dashboard("x")
            .await
            .unwrap_err();
        assert!(e.is_not_found());
    }

    #[tokio::test]
    async fn describe_alarms_fills_aws_defaults() {
        let rule = mock!(cw::Client::describe_alarms).then_output(|| {
            DescribeAlarmsOutput::builder()
                .metric_alarms(
                    cw::types::MetricAlarm::builder()
                        .alarm_name("p-staging-api-rate")
                        .alarm_arn("arn:aws:cloudwatch:us-east-1:1:alarm:p-staging-api-rate")
                        .evaluation_periods(2)
                        .threshold(5.0)
                        .comparison_operator(cw::types::ComparisonOperator::GreaterThanThreshold)
                        .metrics(
                            cw::types::MetricDataQuery::builder()
                                .id("e1")
                                .expression("m1 * 2")
                                .build(),
                        )
                        .metrics(
                            cw::types::MetricDataQuery::builder()
                                .id("m1")
                                .return_data(false)
                                .metric_stat(
                                    cw::types::MetricStat::builder()
                                        .metric(
                                            cw::types::Metric::builder()
                                                .namespace("N")
                                                .metric_name("M")
                                                .dimensions(
                                                    cw::types::Dimension::builder()
                                                        .name("z")
                                                        .value("1")
                                                        .build(),
                                                )
                                                .dimensions(
                                                    cw::types::Dimension::builder()
                                                        .name("a")
                                                        .value("2")
                                                        .build(),
                                                )
                                                .build(),
                                        )
                                        .period(60)
                                        .stat("Sum")
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let page = Sdk(mock_client!(aws_sdk_cloudwatch, [&rule]))
            .describe_alarms("p-staging-", None)
            .await
            .unwrap();
        let LiveAlarm::Metric(a) = &page.alarms[0].1 else {
            panic!("metric alarm expected")
        };
        assert_eq!(a.treat_missing_data, "missing");
        assert_eq!(a.datapoints_to_alarm, Some(2), "M defaults to N");
        assert!(a.actions_enabled);
        assert!(a.metrics[0].return_data, "ReturnData defaults to true");
        let dims: Vec<&str> = a.metrics[1]
            .metric_stat
            .as_ref()
            .unwrap()
            .metric
            .dimensions
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(dims, vec!["a", "z"], "dimensions sorted");
    }
}
