//! CloudWatch: alarms, dashboards and their tags (DescribeAlarms fills in
//! the defaults AWS leaves out).

use super::*;
use crate::resource::{
    Dimension, LogAlarmSchedule, Metric, MetricDataQuery, MetricStat, MuteRule, MuteSchedule,
    MuteTargets, ScheduledQuery,
};
use crate::rules::mute::format_date;
use aws_smithy_types::DateTime as SmithyTime;

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
        ok_actions: sorted(a.ok_actions()),
        alarm_actions: sorted(a.alarm_actions()),
        insufficient_data_actions: sorted(a.insufficient_data_actions()),
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
        ok_actions: sorted(a.ok_actions()),
        alarm_actions: sorted(a.alarm_actions()),
        insufficient_data_actions: sorted(a.insufficient_data_actions()),
        actions_suppressor: opt_str(a.actions_suppressor()),
        actions_suppressor_wait_period: a.actions_suppressor_wait_period().map(|p| p as u32),
        actions_suppressor_extension_period: a
            .actions_suppressor_extension_period()
            .map(|p| p as u32),
        tags: Vec::new(),
    }
}

/// A DescribeAlarms `LogAlarms` entry in PutLogAlarm's input form: the
/// documented defaults filled in (`EndTimeOffset` 0, `TreatMissingData`
/// `missing`, `ActionsEnabled` true), the AWS-set `QueryARN` dropped, log
/// groups sorted.
fn from_cw_log_alarm(a: &cw::types::LogAlarm) -> LogAlarm {
    let q = a.scheduled_query_configuration();
    let schedule = q.and_then(|q| q.schedule_configuration());
    let offset = |o: Option<i64>| o.and_then(|o| u64::try_from(o).ok()).unwrap_or(0);
    LogAlarm {
        alarm_name: a.alarm_name().unwrap_or_default().to_string(),
        alarm_description: opt_str(a.alarm_description()),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        ok_actions: sorted(a.ok_actions()),
        alarm_actions: sorted(a.alarm_actions()),
        insufficient_data_actions: sorted(a.insufficient_data_actions()),
        scheduled_query_configuration: ScheduledQuery {
            query_string: q
                .and_then(|q| q.query_string())
                .unwrap_or_default()
                .to_string(),
            log_group_identifiers: sorted(q.map(|q| q.log_group_identifiers()).unwrap_or_default()),
            scheduled_query_role_arn: q
                .and_then(|q| q.scheduled_query_role_arn())
                .unwrap_or_default()
                .to_string(),
            schedule_configuration: LogAlarmSchedule {
                schedule_expression: schedule
                    .and_then(|s| s.schedule_expression())
                    .unwrap_or_default()
                    .to_string(),
                start_time_offset: offset(schedule.and_then(|s| s.start_time_offset())),
                end_time_offset: offset(schedule.and_then(|s| s.end_time_offset())),
            },
            aggregation_expression: q
                .and_then(|q| q.aggregation_expression())
                .unwrap_or_default()
                .to_string(),
        },
        query_results_to_evaluate: a.query_results_to_evaluate().unwrap_or(1).max(0) as u32,
        query_results_to_alarm: a.query_results_to_alarm().unwrap_or(1).max(0) as u32,
        threshold: a.threshold().unwrap_or_default(),
        comparison_operator: a
            .comparison_operator()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        treat_missing_data: a.treat_missing_data().unwrap_or("missing").to_string(),
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

/// The alarms of one DescribeAlarms answer, with their ARNs.
fn live_alarms(
    out: &cw::operation::describe_alarms::DescribeAlarmsOutput,
) -> Vec<(String, LiveAlarm)> {
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
    alarms.extend(out.log_alarms().iter().map(|a| {
        (
            a.alarm_arn().unwrap_or_default().to_string(),
            LiveAlarm::Log(from_cw_log_alarm(a)),
        )
    }));
    alarms
}

impl Sdk<cw::Client> {
    /// DescribeAlarms of all three types by `AlarmNames` (at most 100).
    async fn describe_by_names(
        &self,
        names: &[String],
    ) -> AwsResult<cw::operation::describe_alarms::DescribeAlarmsOutput> {
        self.0
            .describe_alarms()
            .set_alarm_names(Some(names.to_vec()))
            .alarm_types(cw::types::AlarmType::MetricAlarm)
            .alarm_types(cw::types::AlarmType::CompositeAlarm)
            .alarm_types(cw::types::AlarmType::LogAlarm)
            .max_records(100)
            .send()
            .await
            .map_err(|e| err("DescribeAlarms", e))
    }
}

#[async_trait]
impl CloudWatchApi for Sdk<cw::Client> {
    async fn describe_alarms_named(&self, names: &[String]) -> AwsResult<Vec<(String, LiveAlarm)>> {
        Ok(live_alarms(&self.describe_by_names(names).await?))
    }

    async fn describe_alarms(&self, prefix: &str, next: Option<String>) -> AwsResult<AlarmPage> {
        let out = self
            .0
            .describe_alarms()
            // AlarmNamePrefix has a minimum length of 1 (DescribeAlarms API
            // reference): an empty prefix is none, every alarm.
            .set_alarm_name_prefix((!prefix.is_empty()).then(|| prefix.to_string()))
            .alarm_types(cw::types::AlarmType::MetricAlarm)
            .alarm_types(cw::types::AlarmType::CompositeAlarm)
            .alarm_types(cw::types::AlarmType::LogAlarm)
            .max_records(100)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("DescribeAlarms", e))?;
        Ok(AlarmPage {
            alarms: live_alarms(&out),
            next: out.next_token().map(str::to_string),
        })
    }

    async fn alarm_states(&self, names: &[String]) -> AwsResult<Vec<AlarmStatus>> {
        let out = self.describe_by_names(names).await?;
        let state = |s: Option<&cw::types::StateValue>| {
            s.and_then(|s| data::AlarmState::parse(s.as_str()))
                .unwrap_or(data::AlarmState::InsufficientData)
        };
        let mut found: Vec<AlarmStatus> = out
            .metric_alarms()
            .iter()
            .map(|a| AlarmStatus {
                name: a.alarm_name().unwrap_or_default().to_string(),
                composite: false,
                state: state(a.state_value()),
                actions_enabled: a.actions_enabled().unwrap_or(true),
                actions_suppressor: None,
            })
            .collect();
        found.extend(out.composite_alarms().iter().map(|a| AlarmStatus {
            name: a.alarm_name().unwrap_or_default().to_string(),
            composite: true,
            state: state(a.state_value()),
            actions_enabled: a.actions_enabled().unwrap_or(true),
            actions_suppressor: a.actions_suppressor().map(str::to_string),
        }));
        found.extend(out.log_alarms().iter().map(|a| AlarmStatus {
            name: a.alarm_name().unwrap_or_default().to_string(),
            composite: false,
            state: state(a.state_value()),
            actions_enabled: a.actions_enabled().unwrap_or(true),
            actions_suppressor: None,
        }));
        Ok(found)
    }

    async fn set_alarm_state(
        &self,
        name: &str,
        state: data::AlarmState,
        reason: &str,
    ) -> AwsResult<()> {
        self.0
            .set_alarm_state()
            .alarm_name(name)
            .state_value(cw::types::StateValue::from(state.as_str()))
            .state_reason(reason)
            .send()
            .await
            .map_err(|e| err("SetAlarmState", e))?;
        Ok(())
    }

    async fn list_tags(&self, arn: &str) -> AwsResult<Vec<Tag>> {
        let out = self
            .0
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| err("ListTagsForResource", e))?;
        Ok(sorted_tags(out.tags().iter().map(|t| {
            (t.key().unwrap_or_default(), t.value().unwrap_or_default())
        })))
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

    async fn put_log_alarm(&self, a: &LogAlarm) -> AwsResult<()> {
        let q = &a.scheduled_query_configuration;
        let s = &q.schedule_configuration;
        let offset = |o: u64| i64::try_from(o).unwrap_or(i64::MAX);
        let query = cw::types::ScheduledQueryConfiguration::builder()
            .query_string(&q.query_string)
            .set_log_group_identifiers(Some(q.log_group_identifiers.clone()))
            .scheduled_query_role_arn(&q.scheduled_query_role_arn)
            .schedule_configuration(
                cw::types::ScheduleConfiguration::builder()
                    .schedule_expression(&s.schedule_expression)
                    .start_time_offset(offset(s.start_time_offset))
                    .end_time_offset(offset(s.end_time_offset))
                    .build(),
            )
            .aggregation_expression(&q.aggregation_expression)
            .build();
        self.0
            .put_log_alarm()
            .alarm_name(&a.alarm_name)
            .set_alarm_description(a.alarm_description.clone())
            .actions_enabled(a.actions_enabled)
            .set_ok_actions(non_empty(&a.ok_actions))
            .set_alarm_actions(non_empty(&a.alarm_actions))
            .set_insufficient_data_actions(non_empty(&a.insufficient_data_actions))
            .scheduled_query_configuration(query)
            .query_results_to_evaluate(a.query_results_to_evaluate as i32)
            .query_results_to_alarm(a.query_results_to_alarm as i32)
            .threshold(a.threshold)
            .comparison_operator(cw::types::ComparisonOperator::from(
                a.comparison_operator.as_str(),
            ))
            .treat_missing_data(&a.treat_missing_data)
            .set_tags((!a.tags.is_empty()).then(|| cw_tags(&a.tags)))
            .send()
            .await
            .map_err(|e| err("PutLogAlarm", e))?;
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
            // An empty prefix is none: every dashboard.
            .set_dashboard_name_prefix((!prefix.is_empty()).then(|| prefix.to_string()))
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

    async fn list_metrics(
        &self,
        listing: &data::MetricListing,
        next: Option<String>,
    ) -> AwsResult<Page<Metric>> {
        let filters: Vec<cw::types::DimensionFilter> = listing
            .dimensions
            .iter()
            .map(|d| {
                cw::types::DimensionFilter::builder()
                    .name(&d.name)
                    .set_value(d.value.clone())
                    .build()
            })
            .collect();
        let out = self
            .0
            .list_metrics()
            .set_namespace(listing.namespace.clone())
            .set_metric_name(listing.metric_name.clone())
            .set_dimensions((!filters.is_empty()).then_some(filters))
            .set_recently_active(
                listing
                    .recently_active
                    .then_some(cw::types::RecentlyActive::Pt3H),
            )
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("ListMetrics", e))?;
        let metrics = out
            .metrics()
            .iter()
            .map(|m| Metric {
                namespace: m.namespace().unwrap_or_default().to_string(),
                metric_name: m.metric_name().unwrap_or_default().to_string(),
                dimensions: from_cw_dims(m.dimensions()),
            })
            .collect();
        Ok((metrics, out.next_token().map(str::to_string)))
    }

    async fn get_metric_data(
        &self,
        queries: &[data::DataQuery],
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> AwsResult<data::DataPage> {
        let queries: Vec<cw::types::MetricDataQuery> = queries
            .iter()
            .map(|q| {
                cw_query(&MetricDataQuery {
                    id: q.id.clone(),
                    metric_stat: Some(MetricStat {
                        metric: q.metric.clone(),
                        period: q.period,
                        stat: q.stat.clone(),
                        unit: None,
                    }),
                    expression: None,
                    label: None,
                    return_data: true,
                })
            })
            .collect();
        let out = self
            .0
            .get_metric_data()
            .set_metric_data_queries(Some(queries))
            .start_time(aws_smithy_types::DateTime::from_millis(start))
            .end_time(aws_smithy_types::DateTime::from_millis(end))
            .scan_by(cw::types::ScanBy::TimestampAscending)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("GetMetricData", e))?;
        let series = out
            .metric_data_results()
            .iter()
            .map(|r| data::Series {
                id: r.id().unwrap_or_default().to_string(),
                timestamps: r
                    .timestamps()
                    .iter()
                    .map(|t| t.to_millis().unwrap_or_default())
                    .collect(),
                values: r.values().to_vec(),
                status: r
                    .status_code()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
            })
            .collect();
        Ok(data::DataPage {
            series,
            next: out.next_token().map(str::to_string),
        })
    }

    async fn alarm_history(
        &self,
        alarm: &str,
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> AwsResult<Page<data::AlarmTransition>> {
        let out = self
            .0
            .describe_alarm_history()
            .alarm_name(alarm)
            .alarm_types(cw::types::AlarmType::MetricAlarm)
            .alarm_types(cw::types::AlarmType::CompositeAlarm)
            .history_item_type(cw::types::HistoryItemType::StateUpdate)
            .start_date(aws_smithy_types::DateTime::from_millis(start))
            .end_date(aws_smithy_types::DateTime::from_millis(end))
            .scan_by(cw::types::ScanBy::TimestampAscending)
            .max_records(data::HISTORY_PAGE as i32)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("DescribeAlarmHistory", e))?;
        let items = out
            .alarm_history_items()
            .iter()
            .map(|i| {
                data::parse_transition(
                    i.alarm_name().unwrap_or(alarm),
                    i.timestamp()
                        .and_then(|t| t.to_millis().ok())
                        .unwrap_or_default(),
                    i.history_summary().unwrap_or_default(),
                    i.history_data().unwrap_or_default(),
                )
            })
            .collect();
        Ok((items, out.next_token().map(str::to_string)))
    }

    async fn list_alarm_mute_rules(
        &self,
        next: Option<String>,
    ) -> AwsResult<Page<MuteRuleSummary>> {
        let out = self
            .0
            .list_alarm_mute_rules()
            .max_records(100)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| err("ListAlarmMuteRules", e))?;
        Ok((
            out.alarm_mute_rule_summaries()
                .iter()
                .filter_map(|r| {
                    Some(MuteRuleSummary {
                        arn: r.alarm_mute_rule_arn()?.to_string(),
                        expire_date: r.expire_date().map(from_smithy_time),
                    })
                })
                .collect(),
            out.next_token().map(str::to_string),
        ))
    }

    async fn get_alarm_mute_rule(&self, name: &str) -> AwsResult<(String, AlarmMuteRule)> {
        let out = self
            .0
            .get_alarm_mute_rule()
            .alarm_mute_rule_name(name)
            .send()
            .await
            .map_err(|e| err("GetAlarmMuteRule", e))?;
        let schedule = out.rule().and_then(|r| r.schedule());
        let mut alarm_names = out
            .mute_targets()
            .map(|t| t.alarm_names().to_vec())
            .unwrap_or_default();
        alarm_names.sort();
        let rule = AlarmMuteRule {
            name: out.name().unwrap_or(name).to_string(),
            description: opt_str(out.description()),
            rule: MuteRule {
                schedule: MuteSchedule {
                    expression: schedule
                        .and_then(|s| s.expression())
                        .unwrap_or_default()
                        .to_string(),
                    duration: schedule
                        .and_then(|s| s.duration())
                        .unwrap_or_default()
                        .to_string(),
                    // The API reference: "If you don't specify a time zone,
                    // UTC is used by default."
                    timezone: schedule
                        .and_then(|s| s.timezone())
                        .filter(|t| !t.is_empty())
                        .unwrap_or("UTC")
                        .to_string(),
                },
            },
            mute_targets: MuteTargets { alarm_names },
            start_date: out.start_date().map(from_smithy_time),
            expire_date: out.expire_date().map(from_smithy_time),
            tags: Vec::new(),
        };
        Ok((
            out.alarm_mute_rule_arn().unwrap_or_default().to_string(),
            rule,
        ))
    }

    async fn put_alarm_mute_rule(&self, r: &AlarmMuteRule) -> AwsResult<()> {
        let s = &r.rule.schedule;
        let schedule = cw::types::Schedule::builder()
            .expression(&s.expression)
            .duration(&s.duration)
            .timezone(&s.timezone)
            .build();
        self.0
            .put_alarm_mute_rule()
            .name(&r.name)
            .set_description(r.description.clone())
            .rule(cw::types::Rule::builder().schedule(schedule).build())
            .mute_targets(
                cw::types::MuteTargets::builder()
                    .set_alarm_names(Some(r.mute_targets.alarm_names.clone()))
                    .build(),
            )
            .set_start_date(r.start_date.as_deref().and_then(to_smithy_time))
            .set_expire_date(r.expire_date.as_deref().and_then(to_smithy_time))
            .set_tags((!r.tags.is_empty()).then(|| cw_tags(&r.tags)))
            .send()
            .await
            .map_err(|e| err("PutAlarmMuteRule", e))?;
        Ok(())
    }

    async fn delete_alarm_mute_rule(&self, name: &str) -> AwsResult<()> {
        self.0
            .delete_alarm_mute_rule()
            .alarm_mute_rule_name(name)
            .send()
            .await
            .map_err(|e| err("DeleteAlarmMuteRule", e))?;
        Ok(())
    }
}

/// A timestamp as obsctl writes dates (UTC, whole seconds).
fn from_smithy_time(t: &SmithyTime) -> String {
    chrono::DateTime::from_timestamp(t.secs(), 0)
        .map(format_date)
        .unwrap_or_default()
}

/// A date obsctl wrote (`2026-04-15T08:00:00Z`) as a timestamp.
fn to_smithy_time(text: &str) -> Option<SmithyTime> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| SmithyTime::from_secs(d.timestamp()))
}

/// Actions are a set to CloudWatch: compared in sorted order (obsctl
/// compiles them sorted).
fn sorted(actions: &[String]) -> Vec<String> {
    let mut v = actions.to_vec();
    v.sort();
    v
}
