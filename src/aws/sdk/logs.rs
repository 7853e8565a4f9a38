//! CloudWatch Logs: log groups, metric filters, saved queries, and the log
//! streams and events the apply lock is made of.

use super::*;
use crate::resource::MetricTransformation;
use aws_sdk_cloudwatchlogs as logs;
use std::collections::HashMap;

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
            // An empty prefix is none (its minimum length is 1): every query.
            .set_query_definition_name_prefix((!prefix.is_empty()).then(|| prefix.to_string()))
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

    async fn create_log_stream(&self, group: &str, stream: &str) -> AwsResult<()> {
        self.0
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await
            .map_err(|e| err("CreateLogStream", e))?;
        Ok(())
    }

    async fn describe_log_streams(
        &self,
        group: &str,
        prefix: &str,
        next: Option<String>,
    ) -> AwsResult<Page<LogStream>> {
        let out = self
            .0
            .describe_log_streams()
            .log_group_name(group)
            // AWS takes a prefix of at least one character: none lists all.
            .set_log_stream_name_prefix((!prefix.is_empty()).then(|| prefix.to_string()))
            .limit(50)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("DescribeLogStreams", e))?;
        Ok((
            out.log_streams()
                .iter()
                .filter_map(|s| {
                    Some(LogStream {
                        name: s.log_stream_name()?.to_string(),
                        creation_time: s.creation_time().unwrap_or_default(),
                    })
                })
                .collect(),
            out.next_token().map(str::to_string),
        ))
    }

    async fn put_log_event(
        &self,
        group: &str,
        stream: &str,
        timestamp: i64,
        message: &str,
    ) -> AwsResult<()> {
        let event = logs::types::InputLogEvent::builder()
            .timestamp(timestamp)
            .message(message)
            .build()
            .map_err(|e| {
                AwsError::new("PutLogEvents", "InvalidParameterException", e.to_string())
            })?;
        let out = self
            .0
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .log_events(event)
            .send()
            .await
            .map_err(|e| err("PutLogEvents", e))?;
        // AWS answers 200 and drops an event more than 2 hours ahead of its
        // clock or older than 14 days (PutLogEvents API reference); for the
        // lock that is a heartbeat that did not happen.
        if let Some(r) = out.rejected_log_events_info() {
            let why = if r.too_new_log_event_start_index().is_some() {
                "too far in the future (more than 2 hours ahead of AWS's clock)"
            } else if r.too_old_log_event_end_index().is_some() {
                "too old (more than 14 days)"
            } else {
                "older than the log group's retention"
            };
            return Err(AwsError::new(
                "PutLogEvents",
                "RejectedLogEvent",
                format!("AWS rejected the event: {why}; check this machine's clock"),
            ));
        }
        Ok(())
    }

    async fn get_log_events(
        &self,
        group: &str,
        stream: &str,
        limit: i32,
        next: Option<String>,
    ) -> AwsResult<Page<LogEvent>> {
        let out = self
            .0
            .get_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .start_from_head(false)
            .limit(limit)
            .set_next_token(next.clone())
            .send()
            .await
            .map_err(|e| err("GetLogEvents", e))?;
        let events = out
            .events()
            .iter()
            .map(|e| LogEvent {
                timestamp: e.timestamp().unwrap_or_default(),
                ingestion_time: e.ingestion_time().unwrap_or_default(),
                message: e.message().unwrap_or_default().to_string(),
            })
            .collect();
        // At the start of the stream AWS hands back the token it was given
        // (GetLogEvents API reference): that ends the listing.
        let older = out
            .next_backward_token()
            .filter(|t| next.as_deref() != Some(*t))
            .map(str::to_string);
        Ok((events, older))
    }

    async fn delete_log_stream(&self, group: &str, stream: &str) -> AwsResult<()> {
        self.0
            .delete_log_stream()
            .log_group_name(group)
            .log_stream_name(stream)
            .send()
            .await
            .map_err(|e| err("DeleteLogStream", e))?;
        Ok(())
    }

    async fn filter_log_events(
        &self,
        group: &str,
        pattern: Option<&str>,
        (start, end): (i64, i64),
        limit: i32,
        next: Option<String>,
    ) -> AwsResult<Page<LogEvent>> {
        let out = self
            .0
            .filter_log_events()
            .log_group_name(group)
            .set_filter_pattern(pattern.map(str::to_string))
            .start_time(start)
            // FilterLogEvents' endTime is inclusive; obsctl's windows are not.
            .end_time(end.saturating_sub(1))
            .limit(limit)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("FilterLogEvents", e))?;
        let events = out
            .events()
            .iter()
            .map(|e| LogEvent {
                timestamp: e.timestamp().unwrap_or_default(),
                ingestion_time: e.ingestion_time().unwrap_or_default(),
                message: e.message().unwrap_or_default().to_string(),
            })
            .collect();
        Ok((events, out.next_token().map(str::to_string)))
    }

    async fn start_query(
        &self,
        groups: &[String],
        query: &str,
        start: i64,
        end: i64,
    ) -> AwsResult<String> {
        let out = self
            .0
            .start_query()
            .set_log_group_names(Some(groups.to_vec()))
            .query_string(query)
            // Seconds since the epoch.
            .start_time(start.div_euclid(1000))
            .end_time(end.div_euclid(1000))
            .send()
            .await
            .map_err(|e| err("StartQuery", e))?;
        Ok(out.query_id().unwrap_or_default().to_string())
    }

    async fn get_query_results(&self, id: &str) -> AwsResult<crate::aws::data::QueryRun> {
        let out = self
            .0
            .get_query_results()
            .query_id(id)
            .send()
            .await
            .map_err(|e| err("GetQueryResults", e))?;
        let stats = out.statistics();
        Ok(crate::aws::data::QueryRun {
            status: out
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "Unknown".to_string()),
            rows: out
                .results()
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|f| {
                            (
                                f.field().unwrap_or_default().to_string(),
                                f.value().unwrap_or_default().to_string(),
                            )
                        })
                        .collect()
                })
                .collect(),
            bytes_scanned: stats.map(|s| s.bytes_scanned()).unwrap_or_default(),
            records_scanned: stats.map(|s| s.records_scanned()).unwrap_or_default(),
            records_matched: stats.map(|s| s.records_matched()).unwrap_or_default(),
        })
    }

    async fn stop_query(&self, id: &str) -> AwsResult<()> {
        self.0
            .stop_query()
            .query_id(id)
            .send()
            .await
            .map_err(|e| err("StopQuery", e))?;
        Ok(())
    }
}
