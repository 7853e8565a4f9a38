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
            identity: fake.clone(),
            queues: fake.clone(),
            tagging: fake,
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

/// GetResources pages as AWS may send them: short, empty with a token, and
/// an empty string as the last token; the request carries both tag filters
/// and the resource types.
#[tokio::test]
async fn get_resources_reads_short_and_empty_pages_to_the_empty_token() {
    use aws_sdk_resourcegroupstagging as rgt;
    use rgt::operation::get_resources::GetResourcesOutput;
    use rgt::types::{ResourceTagMapping, Tag as RgtTag};
    let mapping = |arn: &str| {
        ResourceTagMapping::builder()
            .resource_arn(arn)
            .tags(
                RgtTag::builder()
                    .key("obsctl:env")
                    .value("staging")
                    .build()
                    .unwrap(),
            )
            .tags(
                RgtTag::builder()
                    .key("obsctl:catalogue")
                    .value("p")
                    .build()
                    .unwrap(),
            )
            .build()
    };
    let first = mock!(rgt::Client::get_resources)
        .match_requests(|r| {
            r.pagination_token().is_none()
                && r.resources_per_page() == Some(100)
                && r.resource_type_filters() == ["cloudwatch:alarm", "sns"]
                && r.tag_filters().len() == 2
        })
        .then_output(move || {
            GetResourcesOutput::builder()
                .resource_tag_mapping_list(mapping("arn:aws:cloudwatch:us-east-1:1:alarm:a"))
                .pagination_token("t1")
                .build()
        });
    let empty = mock!(rgt::Client::get_resources)
        .match_requests(|r| r.pagination_token() == Some("t1"))
        .then_output(|| GetResourcesOutput::builder().pagination_token("t2").build());
    let last = mock!(rgt::Client::get_resources)
        .match_requests(|r| r.pagination_token() == Some("t2"))
        .then_output(move || {
            GetResourcesOutput::builder()
                .resource_tag_mapping_list(mapping("arn:aws:sns:us-east-1:1:p-staging-t"))
                .pagination_token("")
                .build()
        });
    let client = mock_client!(rgt, RuleMode::MatchAny, [&first, &empty, &last]);
    let sdk = Sdk(client);
    let filters = [
        Tag {
            key: "obsctl:catalogue".into(),
            value: "p".into(),
        },
        Tag {
            key: "obsctl:env".into(),
            value: "staging".into(),
        },
    ];
    let types = ["cloudwatch:alarm", "sns"];
    let all = all_pages(|next| sdk.get_resources(&types, &filters, next))
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].0, "arn:aws:cloudwatch:us-east-1:1:alarm:a");
    // Tags come sorted, as obsctl compares them.
    assert_eq!(all[1].1[0].key, "obsctl:catalogue");
    assert_eq!(
        (first.num_calls(), empty.num_calls(), last.num_calls()),
        (1, 1, 1)
    );
}

/// GetLogEvents newest first: the backward token AWS hands back unchanged
/// at the start of the stream ends the listing; events keep their
/// ingestion time.
#[tokio::test]
async fn get_log_events_reads_newest_first_and_stops_at_the_repeated_token() {
    use aws_sdk_cloudwatchlogs as logs;
    use logs::operation::get_log_events::GetLogEventsOutput;
    use logs::types::OutputLogEvent;
    let newest = mock!(logs::Client::get_log_events)
        .match_requests(|r| {
            r.start_from_head() == Some(false) && r.limit() == Some(1) && r.next_token().is_none()
        })
        .then_output(|| {
            GetLogEventsOutput::builder()
                .events(
                    OutputLogEvent::builder()
                        .timestamp(5)
                        .ingestion_time(7)
                        .message("beat")
                        .build(),
                )
                .next_backward_token("b/1")
                .build()
        });
    let start = mock!(logs::Client::get_log_events)
        .match_requests(|r| r.next_token() == Some("b/1"))
        .then_output(|| {
            GetLogEventsOutput::builder()
                .next_backward_token("b/1")
                .build()
        });
    let client = mock_client!(logs, RuleMode::MatchAny, [&newest, &start]);
    let sdk = Sdk(client);
    let (events, older) = sdk.get_log_events("g", "s", 1, None).await.unwrap();
    assert_eq!(
        events,
        [LogEvent {
            timestamp: 5,
            ingestion_time: 7,
            message: "beat".into()
        }]
    );
    assert_eq!(older.as_deref(), Some("b/1"));
    let (events, older) = sdk.get_log_events("g", "s", 1, older).await.unwrap();
    assert!(events.is_empty());
    assert_eq!(older, None);
}

/// A heartbeat AWS answers 200 but drops (more than 2 hours ahead of its
/// clock) is an error, not a heartbeat.
#[tokio::test]
async fn a_rejected_log_event_is_an_error() {
    use aws_sdk_cloudwatchlogs as logs;
    use logs::operation::put_log_events::PutLogEventsOutput;
    use logs::types::RejectedLogEventsInfo;
    let rule = mock!(logs::Client::put_log_events).then_output(|| {
        PutLogEventsOutput::builder()
            .rejected_log_events_info(
                RejectedLogEventsInfo::builder()
                    .too_new_log_event_start_index(0)
                    .build(),
            )
            .build()
    });
    let sdk = Sdk(mock_client!(logs, RuleMode::Sequential, [&rule]));
    let e = sdk.put_log_event("g", "s", 1, "beat").await.unwrap_err();
    assert_eq!(e.code, "RejectedLogEvent");
    assert!(e.message.contains("too far in the future"), "{e}");
}

/// GetMetricData: queries sent as MetricStat with ReturnData, oldest first;
/// timestamps become ms, the status code is kept, the token continues.
#[tokio::test]
async fn get_metric_data_converts_queries_and_results() {
    use cw::operation::get_metric_data::GetMetricDataOutput;
    use cw::types::{MetricDataResult, StatusCode};
    let t = |ms: i64| aws_smithy_types::DateTime::from_millis(ms);
    let first = mock!(cw::Client::get_metric_data)
        .match_requests(|r| {
            let q = &r.metric_data_queries()[0];
            let stat = q.metric_stat().unwrap();
            r.next_token().is_none()
                && r.scan_by() == Some(&cw::types::ScanBy::TimestampAscending)
                && q.id() == Some("m0")
                && stat.stat() == Some("SampleCount")
                && stat.period() == Some(60)
                && stat.metric().unwrap().dimensions()[0].name() == Some("service")
                && r.start_time() == Some(&aws_smithy_types::DateTime::from_millis(0))
        })
        .then_output(move || {
            GetMetricDataOutput::builder()
                .metric_data_results(
                    MetricDataResult::builder()
                        .id("m0")
                        .timestamps(t(60_000))
                        .values(2.0)
                        .status_code(StatusCode::PartialData)
                        .build(),
                )
                .next_token("n1")
                .build()
        });
    let second = mock!(cw::Client::get_metric_data)
        .match_requests(|r| r.next_token() == Some("n1"))
        .then_output(move || {
            GetMetricDataOutput::builder()
                .metric_data_results(
                    MetricDataResult::builder()
                        .id("m0")
                        .timestamps(t(120_000))
                        .values(3.0)
                        .status_code(StatusCode::Complete)
                        .build(),
                )
                .build()
        });
    let aws = aws_with(mock_client!(
        aws_sdk_cloudwatch,
        RuleMode::MatchAny,
        [&first, &second]
    ));
    let query = data::DataQuery {
        id: "m0".into(),
        metric: crate::resource::Metric {
            namespace: "N".into(),
            metric_name: "M".into(),
            dimensions: vec![crate::resource::Dimension {
                name: "service".into(),
                value: "a".into(),
            }],
        },
        stat: "SampleCount".into(),
        period: 60,
    };
    let out = data::metric_data(&aws, &[query], 0, 180_000).await.unwrap();
    assert_eq!(out["m0"].timestamps, vec![60_000, 120_000]);
    assert_eq!(out["m0"].values, vec![2.0, 3.0]);
    assert_eq!(out["m0"].status, "Complete");
}

/// ListMetrics: namespace, name, dimension filters (a value or any) and
/// RecentlyActive PT3H reach the request; dimensions come back sorted.
#[tokio::test]
async fn list_metrics_sends_filters_and_sorts_dimensions() {
    use cw::operation::list_metrics::ListMetricsOutput;
    let rule = mock!(cw::Client::list_metrics)
        .match_requests(|r| {
            r.namespace() == Some("CatHouse/Services")
                && r.metric_name().is_none()
                && r.recently_active() == Some(&cw::types::RecentlyActive::Pt3H)
                && r.dimensions().len() == 2
                && r.dimensions()[1].value().is_none()
        })
        .then_output(|| {
            ListMetricsOutput::builder()
                .metrics(
                    cw::types::Metric::builder()
                        .namespace("CatHouse/Services")
                        .metric_name("RequestLatency")
                        .dimensions(
                            cw::types::Dimension::builder()
                                .name("service")
                                .value("a")
                                .build(),
                        )
                        .dimensions(
                            cw::types::Dimension::builder()
                                .name("env")
                                .value("s")
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    let sdk = Sdk(mock_client!(aws_sdk_cloudwatch, [&rule]));
    let listing = data::MetricListing {
        namespace: Some("CatHouse/Services".into()),
        metric_name: None,
        dimensions: vec![
            data::DimensionFilter {
                name: "service".into(),
                value: Some("a".into()),
            },
            data::DimensionFilter {
                name: "env".into(),
                value: None,
            },
        ],
        recently_active: true,
    };
    let (metrics, next) = sdk.list_metrics(&listing, None).await.unwrap();
    assert_eq!(next, None);
    let names: Vec<&str> = metrics[0]
        .dimensions
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(names, ["env", "service"]);
}

/// DescribeAlarmHistory: state updates of both alarm types, oldest first;
/// each item's HistoryData parsed (the AWS CLI example's shape).
#[tokio::test]
async fn alarm_history_is_parsed_into_transitions() {
    use cw::operation::describe_alarm_history::DescribeAlarmHistoryOutput;
    use cw::types::AlarmHistoryItem;
    let rule = mock!(cw::Client::describe_alarm_history)
        .match_requests(|r| {
            r.history_item_type() == Some(&cw::types::HistoryItemType::StateUpdate)
                && r.alarm_types().len() == 2
                && r.scan_by() == Some(&cw::types::ScanBy::TimestampAscending)
                && r.max_records() == Some(100)
        })
        .then_output(|| {
            DescribeAlarmHistoryOutput::builder()
                .alarm_history_items(
                    AlarmHistoryItem::builder()
                        .alarm_name("myalarm")
                        .timestamp(aws_smithy_types::DateTime::from_millis(1_397_069_946_442))
                        .history_item_type(cw::types::HistoryItemType::StateUpdate)
                        .history_summary("Alarm updated from ALARM to OK")
                        .history_data(r#"{"version":"1.0","oldState":{"stateValue":"ALARM","stateReason":"testing purposes"},"newState":{"stateValue":"OK","stateReason":"Threshold Crossed","stateReasonData":{"version":"1.0","period":300,"recentDatapoints":[38.958,40.292],"threshold":70.0,"evaluatedDatapoints":[{"timestamp":"2014-04-09T18:54:00.000+0000","sampleCount":5.0,"value":40.292}]}}}"#)
                        .build(),
                )
                .next_token("more")
                .build()
        });
    let sdk = Sdk(mock_client!(aws_sdk_cloudwatch, [&rule]));
    let (items, next) = sdk.alarm_history("myalarm", 0, 1, None).await.unwrap();
    assert_eq!(next.as_deref(), Some("more"));
    let t = &items[0];
    assert_eq!(t.time, 1_397_069_946_442);
    assert_eq!(t.old_state, Some(data::AlarmState::Alarm));
    assert_eq!(t.new_state, Some(data::AlarmState::Ok));
    assert_eq!(t.evaluated[0].value, Some(40.292));
    assert_eq!(t.evaluated[0].sample_count, Some(5.0));
}

/// FilterLogEvents: limit 1, the pattern passed, the window's end made
/// inclusive as AWS counts it, the token handed on.
#[tokio::test]
async fn filter_log_events_asks_for_one_event_in_the_window() {
    use aws_sdk_cloudwatchlogs as logs;
    use logs::operation::filter_log_events::FilterLogEventsOutput;
    let rule = mock!(logs::Client::filter_log_events)
        .match_requests(|r| {
            r.limit() == Some(1)
                && r.start_time() == Some(1000)
                && r.end_time() == Some(1999)
                && r.log_group_name() == Some("/g")
                && r.filter_pattern() == Some("{ $.service = \"cart\" }")
        })
        .then_output(|| FilterLogEventsOutput::builder().next_token("t").build());
    let sdk = Sdk(mock_client!(logs, [&rule]));
    let (events, next) = sdk
        .filter_log_events(
            "/g",
            Some("{ $.service = \"cart\" }"),
            (1000, 2000),
            1,
            None,
        )
        .await
        .unwrap();
    assert!(events.is_empty());
    assert_eq!(next.as_deref(), Some("t"));
}

#[tokio::test]
async fn a_mute_rule_reads_back_with_utc_dates_sorted_targets_and_utc_by_default() {
    use cw::operation::get_alarm_mute_rule::GetAlarmMuteRuleOutput;
    use cw::operation::list_alarm_mute_rules::ListAlarmMuteRulesOutput;
    let get = mock!(cw::Client::get_alarm_mute_rule)
        .match_requests(|r| r.alarm_mute_rule_name() == Some("p-prod-mute-nightly"))
        .then_output(|| {
            GetAlarmMuteRuleOutput::builder()
                .name("p-prod-mute-nightly")
                .alarm_mute_rule_arn(
                    "arn:aws:cloudwatch:us-east-1:1:alarm-mute-rule:p-prod-mute-nightly",
                )
                .rule(
                    cw::types::Rule::builder()
                        .schedule(
                            cw::types::Schedule::builder()
                                .expression("cron(0 2 * * *)")
                                .duration("PT30M")
                                .build(),
                        )
                        .build(),
                )
                .mute_targets(
                    cw::types::MuteTargets::builder()
                        .alarm_names("p-prod-b")
                        .alarm_names("p-prod-a")
                        .build(),
                )
                .expire_date(aws_smithy_types::DateTime::from_secs(1_798_761_599))
                .build()
        });
    let list = mock!(cw::Client::list_alarm_mute_rules).then_output(|| {
        ListAlarmMuteRulesOutput::builder()
            .alarm_mute_rule_summaries(
                cw::types::AlarmMuteRuleSummary::builder()
                    .alarm_mute_rule_arn("arn:aws:cloudwatch:us-east-1:1:alarm-mute-rule/p-prod-x")
                    .build(),
            )
            .build()
    });
    let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&get, &list], |c| c
        .retry_config(aws_config::retry::RetryConfig::disabled()));
    let aws = aws_with(client);
    let (arn, rule) = aws
        .cloudwatch()
        .get_alarm_mute_rule("p-prod-mute-nightly")
        .await
        .unwrap();
    assert!(arn.ends_with(":alarm-mute-rule:p-prod-mute-nightly"));
    assert_eq!(rule.rule.schedule.timezone, "UTC");
    assert_eq!(rule.mute_targets.alarm_names, ["p-prod-a", "p-prod-b"]);
    assert_eq!(rule.expire_date.as_deref(), Some("2026-12-31T23:59:59Z"));
    assert_eq!(rule.start_date, None);
    let (page, next) = aws.cloudwatch().list_alarm_mute_rules(None).await.unwrap();
    assert_eq!(next, None);
    // Summaries carry no name: it is the ARN's last part, in either spelling.
    assert_eq!(crate::aws::mute_rule_name(&page[0].arn), Some("p-prod-x"));
    assert_eq!(
        crate::aws::mute_rule_name(&arn),
        Some("p-prod-mute-nightly")
    );
}

/// A DescribeAlarms `LogAlarms` entry comes back in PutLogAlarm's input form:
/// `EndTimeOffset` and `TreatMissingData` defaults filled in, the AWS-set
/// `QueryARN` dropped, log groups and actions sorted; PutLogAlarm sends every
/// field obsctl writes.
#[tokio::test]
async fn log_alarms_read_in_input_form_and_put_whole() {
    let rule = mock!(cw::Client::describe_alarms).then_output(|| {
        DescribeAlarmsOutput::builder()
            .log_alarms(
                cw::types::LogAlarm::builder()
                    .alarm_name("p-staging-api-failed-logins")
                    .alarm_arn("arn:aws:cloudwatch:eu-west-1:1:alarm:p-staging-api-failed-logins")
                    .alarm_actions("arn:b")
                    .alarm_actions("arn:a")
                    .scheduled_query_configuration(
                        cw::types::ScheduledQueryConfiguration::builder()
                            .query_string("filter event = \"login_failed\"")
                            .log_group_identifiers("/z")
                            .log_group_identifiers("/a")
                            .query_arn("arn:aws:logs:eu-west-1:1:scheduled-query:x")
                            .scheduled_query_role_arn("arn:aws:iam::1:role/r")
                            .aggregation_expression("count(*) by ip")
                            .schedule_configuration(
                                cw::types::ScheduleConfiguration::builder()
                                    .schedule_expression("rate(5 minutes)")
                                    .start_time_offset(300)
                                    .build(),
                            )
                            .build(),
                    )
                    .query_results_to_evaluate(1)
                    .query_results_to_alarm(1)
                    .threshold(5.0)
                    .comparison_operator(
                        cw::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
                    )
                    .build(),
            )
            .build()
    });
    let page = Sdk(mock_client!(aws_sdk_cloudwatch, [&rule]))
        .describe_alarms("p-staging-", None)
        .await
        .unwrap();
    let LiveAlarm::Log(a) = &page.alarms[0].1 else {
        panic!("log alarm expected")
    };
    let q = &a.scheduled_query_configuration;
    assert_eq!(a.treat_missing_data, "missing");
    assert!(a.actions_enabled);
    assert_eq!(a.alarm_actions, vec!["arn:a", "arn:b"]);
    assert_eq!(q.log_group_identifiers, vec!["/a", "/z"]);
    assert_eq!(q.schedule_configuration.end_time_offset, 0);
    assert_eq!(q.schedule_configuration.start_time_offset, 300);
    let put = mock!(cw::Client::put_log_alarm)
        .match_requests(|r| {
            let q = r.scheduled_query_configuration().unwrap();
            let s = q.schedule_configuration().unwrap();
            r.query_results_to_alarm() == Some(1)
                && r.treat_missing_data() == Some("missing")
                && q.scheduled_query_role_arn() == Some("arn:aws:iam::1:role/r")
                && q.query_arn().is_none()
                && s.end_time_offset() == Some(0)
                && s.schedule_expression() == Some("rate(5 minutes)")
        })
        .then_output(|| cw::operation::put_log_alarm::PutLogAlarmOutput::builder().build());
    Sdk(mock_client!(aws_sdk_cloudwatch, [&put]))
        .put_log_alarm(a)
        .await
        .unwrap();
    assert_eq!(put.num_calls(), 1);
}
