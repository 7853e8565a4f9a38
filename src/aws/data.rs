//! Reading what flows through the account (for `obsctl verify`, and the
//! backtest after it): metric datapoints (GetMetricData), the metrics that
//! exist (ListMetrics), whether a log group received events
//! (FilterLogEvents) and alarm state transitions (DescribeAlarmHistory), in
//! obsctl's own types. The pure parts — batching queries within both
//! GetMetricData limits, parsing `HistoryData` — are here with their
//! sources; the calls go through [`Aws`]'s guarded clients like every other.

use super::{Aws, AwsError, AwsResult};
use crate::resource::Metric;
use serde::Serialize;
use std::collections::BTreeMap;

/// At most this many `MetricDataQuery` structures per GetMetricData call
/// (GetMetricData API reference: "as many as 500 different metrics in a
/// single request").
pub const MAX_QUERIES_PER_CALL: usize = 500;

/// At most this many datapoints per GetMetricData call ("with a total of as
/// many as 100,800 data points"; also the default `MaxDatapoints`).
pub const MAX_DATAPOINTS_PER_CALL: u64 = 100_800;

/// ListMetrics returns up to 500 metrics per page (ListMetrics API
/// reference: "Up to 500 results are returned for any one call").
pub const LIST_METRICS_PAGE: usize = 500;

/// DescribeAlarmHistory: `MaxRecords` is 1 to 100.
pub const HISTORY_PAGE: usize = 100;

/// One metric query of GetMetricData: a metric, a statistic and a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataQuery {
    /// The query id (AWS: starts with a lower-case letter; letters, digits
    /// and `_`), unique within a call.
    pub id: String,
    /// The metric, with exactly its dimensions.
    pub metric: Metric,
    /// Statistic (`Sum`, `SampleCount`, `Average`, `p99`, …).
    pub stat: String,
    /// Period in seconds (a multiple of 60, or 1, 5, 10, 30 for
    /// high-resolution metrics).
    pub period: u32,
}

/// The datapoints one query returned, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    /// The query id.
    pub id: String,
    /// Timestamps (start of each period), ms since the epoch.
    pub timestamps: Vec<i64>,
    /// Values, one per timestamp.
    pub values: Vec<f64>,
    /// AWS's `StatusCode`: `Complete`, `PartialData` (more pages), or an
    /// error (`InternalError`, `Forbidden`).
    pub status: String,
}

/// One GetMetricData answer: a part of each query's datapoints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataPage {
    /// Per query id.
    pub series: Vec<Series>,
    /// Next page (the same queries continue).
    pub next: Option<String>,
}

/// A ListMetrics dimension filter: a name, and a value or any value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DimensionFilter {
    /// Dimension name.
    pub name: String,
    /// Its value; `None` for any.
    pub value: Option<String>,
}

/// What ListMetrics is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct MetricListing {
    /// Namespace.
    pub namespace: Option<String>,
    /// Metric name.
    pub metric_name: Option<String>,
    /// Metrics having every one of these dimensions (and possibly others).
    pub dimensions: Vec<DimensionFilter>,
    /// Only metrics with datapoints in the past three hours
    /// (`RecentlyActive=PT3H`, its only valid value). Without it, ListMetrics
    /// lists metrics with datapoints in the past two weeks.
    pub recently_active: bool,
}

impl MetricListing {
    /// Whether ListMetrics lists `m` for this listing (its namespace and
    /// name, and every dimension filter: that dimension, with that value
    /// when one is given; other dimensions may be there too). Recent
    /// activity is not known from `m` and not checked.
    pub fn matches(&self, m: &Metric) -> bool {
        self.namespace.as_ref().is_none_or(|n| *n == m.namespace)
            && self
                .metric_name
                .as_ref()
                .is_none_or(|n| *n == m.metric_name)
            && self.dimensions.iter().all(|f| {
                m.dimensions
                    .iter()
                    .any(|d| d.name == f.name && f.value.as_ref().is_none_or(|v| *v == d.value))
            })
    }
}

/// An alarm state (`StateValue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum AlarmState {
    /// `OK`.
    #[serde(rename = "OK")]
    Ok,
    /// `ALARM`.
    #[serde(rename = "ALARM")]
    Alarm,
    /// `INSUFFICIENT_DATA`.
    #[serde(rename = "INSUFFICIENT_DATA")]
    InsufficientData,
}

impl AlarmState {
    /// From AWS's spelling.
    pub fn parse(s: &str) -> Option<AlarmState> {
        match s {
            "OK" => Some(AlarmState::Ok),
            "ALARM" => Some(AlarmState::Alarm),
            "INSUFFICIENT_DATA" => Some(AlarmState::InsufficientData),
            _ => None,
        }
    }

    /// AWS's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

/// A datapoint an evaluation looked at, as AWS recorded it in the
/// transition's `stateReasonData.evaluatedDatapoints`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluatedDatapoint {
    /// Start of the period, ms since the epoch.
    pub timestamp: i64,
    /// The value, absent for a missing datapoint.
    pub value: Option<f64>,
    /// Samples in the period, when AWS recorded it.
    pub sample_count: Option<f64>,
}

/// One state update of an alarm (DescribeAlarmHistory, `StateUpdate`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmTransition {
    /// The alarm.
    pub alarm_name: String,
    /// When it changed state, ms since the epoch (the item's `Timestamp`).
    pub time: i64,
    /// The state before (`None` when `HistoryData` did not say).
    pub old_state: Option<AlarmState>,
    /// The state after.
    pub new_state: Option<AlarmState>,
    /// `newState.stateReason`, as AWS wrote it.
    pub reason: String,
    /// `newState.stateReasonData.evaluatedDatapoints`, oldest first; empty
    /// when absent (SetAlarmState, composite alarms, older items).
    pub evaluated: Vec<EvaluatedDatapoint>,
    /// `HistorySummary` (e.g. "Alarm updated from OK to ALARM").
    pub summary: String,
}

/// AWS's `HistoryData` timestamps: `2014-04-09T18:44:00.000+0000` → ms.
pub fn parse_aws_time(text: &str) -> Option<i64> {
    let head = text.get(..19)?;
    let seconds = crate::notation::utc_time(head).ok()?;
    let rest = text.get(19..).unwrap_or_default();
    let millis: i64 = rest
        .strip_prefix('.')
        .map(|r| {
            r.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .filter(|d| !d.is_empty())
        .map(|d| {
            let d: String = d.chars().chain("000".chars()).take(3).collect();
            d.parse().unwrap_or(0)
        })
        .unwrap_or(0);
    seconds.checked_mul(1000)?.checked_add(millis)
}

/// Parses one StateUpdate item. The `HistoryData` JSON, as AWS documents
/// it (the AWS CLI's `describe-alarm-history` example, aws-cli
/// `awscli/examples/cloudwatch/describe-alarm-history.rst`):
/// `{"version":"1.0","oldState":{"stateValue":"ALARM","stateReason":…},
/// "newState":{"stateValue":"OK","stateReason":…,"stateReasonData":{
/// "version":"1.0","queryDate":…,"startDate":…,"statistic":"Average",
/// "period":300,"recentDatapoints":[38.958,40.292],"threshold":70.0}}}`;
/// newer evaluations add `"evaluatedDatapoints":[{"timestamp":
/// "2019-10-02T16:59:00.000+0000","sampleCount":5.0,"value":99.5}]` to
/// `stateReasonData` (the CloudWatch User Guide, "Alarm events and
/// EventBridge": a missing datapoint has a timestamp only). Anything not
/// in that shape is kept out rather than failing the read: the states
/// become `None`, the datapoints empty.
pub fn parse_transition(
    alarm_name: &str,
    time: i64,
    summary: &str,
    history_data: &str,
) -> AlarmTransition {
    let data: serde_json::Value = serde_json::from_str(history_data).unwrap_or_default();
    let state = |key: &str| {
        data.get(key)
            .and_then(|s| s.get("stateValue"))
            .and_then(serde_json::Value::as_str)
            .and_then(AlarmState::parse)
    };
    let new = data.get("newState");
    // `stateReasonData` is an object in HistoryData (an escaped string in
    // EventBridge events): both are read.
    let reason_data = new.and_then(|n| n.get("stateReasonData")).map(|d| {
        d.as_str()
            .map(|s| serde_json::from_str(s).unwrap_or_default())
            .unwrap_or_else(|| d.clone())
    });
    let mut evaluated: Vec<EvaluatedDatapoint> = reason_data
        .as_ref()
        .and_then(|d| d.get("evaluatedDatapoints"))
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some(EvaluatedDatapoint {
                timestamp: parse_aws_time(p.get("timestamp")?.as_str()?)?,
                value: p.get("value").and_then(serde_json::Value::as_f64),
                sample_count: p.get("sampleCount").and_then(serde_json::Value::as_f64),
            })
        })
        .collect();
    // AWS lists them newest first.
    evaluated.sort_by_key(|p| p.timestamp);
    AlarmTransition {
        alarm_name: alarm_name.to_string(),
        time,
        old_state: state("oldState"),
        new_state: state("newState"),
        reason: new
            .and_then(|n| n.get("stateReason"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string(),
        evaluated,
        summary: summary.to_string(),
    }
}

/// The metric queries an alarm evaluates, as GetMetricData queries (for the
/// backtest): a metric alarm's metric with its statistic (or extended
/// statistic) and period, id `m1`; each `MetricStat` of a math or anomaly
/// alarm with its own id, statistic and period. Ids get `prefix` (AWS: a
/// lower-case letter first, then letters, digits and `_`), so the queries
/// of several alarms can share calls; `period` replaces every period (60:
/// the per-minute datapoints a per-minute evaluation replays). Expressions
/// are not queries: the engine evaluates them.
pub fn alarm_queries(
    alarm: &crate::resource::MetricAlarm,
    prefix: &str,
    period: Option<u32>,
) -> Vec<DataQuery> {
    let mut out = Vec::new();
    if let (Some(namespace), Some(name)) = (&alarm.namespace, &alarm.metric_name) {
        out.push(DataQuery {
            id: format!("{prefix}m1"),
            metric: Metric {
                namespace: namespace.clone(),
                metric_name: name.clone(),
                dimensions: alarm.dimensions.clone(),
            },
            stat: alarm
                .extended_statistic
                .clone()
                .or_else(|| alarm.statistic.clone())
                .unwrap_or_else(|| "Average".into()),
            period: period.or(alarm.period).unwrap_or(60),
        });
    }
    for q in &alarm.metrics {
        if let Some(s) = &q.metric_stat {
            out.push(DataQuery {
                id: format!("{prefix}{}", q.id),
                metric: s.metric.clone(),
                stat: s.stat.clone(),
                period: period.unwrap_or(s.period),
            });
        }
    }
    out
}

/// Datapoints a query returns over `[start, end)` (ms): one per period, plus
/// one for a window not aligned to the period.
pub fn datapoints(period: u32, start: i64, end: i64) -> u64 {
    let span = u64::try_from(end.saturating_sub(start)).unwrap_or(0) / 1000;
    let period = u64::from(period.max(1));
    span.div_ceil(period) + u64::from(span % period != 0 || span == 0)
}

/// Splits queries into GetMetricData calls within both limits (500 queries,
/// 100,800 datapoints per call), in as few calls as the greedy packing
/// finds: largest first, each into the first call it fits. A query that
/// alone exceeds the datapoint limit gets a call of its own (AWS pages it
/// with NextToken). Returns indexes into `queries`, each call's in input
/// order.
pub fn batches(queries: &[DataQuery], start: i64, end: i64) -> Vec<Vec<usize>> {
    let mut order: Vec<(u64, usize)> = queries
        .iter()
        .enumerate()
        .map(|(i, q)| (datapoints(q.period, start, end), i))
        .collect();
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut calls: Vec<(u64, Vec<usize>)> = Vec::new();
    for (points, i) in order {
        let fits = calls.iter_mut().find(|(total, members)| {
            members.len() < MAX_QUERIES_PER_CALL
                && (members.is_empty() || total + points <= MAX_DATAPOINTS_PER_CALL)
        });
        match fits {
            Some((total, members)) => {
                *total += points;
                members.push(i);
            }
            None => calls.push((points, vec![i])),
        }
    }
    calls
        .into_iter()
        .map(|(_, mut members)| {
            members.sort_unstable();
            members
        })
        .collect()
}

/// The fewest GetMetricData calls any packing needs: both limits bound it.
pub fn fewest_calls(queries: &[DataQuery], start: i64, end: i64) -> u64 {
    if queries.is_empty() {
        return 0;
    }
    let points: u64 = queries
        .iter()
        .map(|q| datapoints(q.period, start, end))
        .sum();
    let by_queries = queries.len().div_ceil(MAX_QUERIES_PER_CALL) as u64;
    by_queries.max(points.div_ceil(MAX_DATAPOINTS_PER_CALL))
}

/// Every query's datapoints over `[start, end)` (ms), oldest first, by
/// query id: the queries batched with [`batches`], each call read to its
/// last page. Ids must be unique. The raw per-minute datapoints of a metric
/// are a query with `period: 60` (and the statistic the alarm uses).
pub async fn metric_data(
    aws: &Aws,
    queries: &[DataQuery],
    start: i64,
    end: i64,
) -> AwsResult<BTreeMap<String, Series>> {
    let mut out: BTreeMap<String, Series> = BTreeMap::new();
    for call in batches(queries, start, end) {
        let batch: Vec<DataQuery> = call
            .iter()
            .filter_map(|i| queries.get(*i).cloned())
            .collect();
        let mut next = None;
        let mut seen = std::collections::BTreeSet::new();
        loop {
            let page = aws
                .cloudwatch()
                .get_metric_data(&batch, start, end, next.clone())
                .await?;
            for s in page.series {
                let entry = out.entry(s.id.clone()).or_insert_with(|| Series {
                    id: s.id.clone(),
                    ..Series::default()
                });
                entry.timestamps.extend(s.timestamps);
                entry.values.extend(s.values);
                entry.status = s.status;
            }
            next = page.next.filter(|t| !t.is_empty());
            match &next {
                None => break,
                Some(t) if !seen.insert(t.clone()) => {
                    return Err(AwsError::new(
                        "GetMetricData",
                        "RepeatedNextToken",
                        format!("AWS returned the page token {t} twice"),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    for s in out.values_mut() {
        // Pages come oldest first (ScanBy TimestampAscending); sort anyway,
        // keeping timestamps and values paired.
        let mut pairs: Vec<(i64, f64)> = s
            .timestamps
            .iter()
            .copied()
            .zip(s.values.iter().copied())
            .collect();
        pairs.sort_by_key(|p| p.0);
        (s.timestamps, s.values) = pairs.into_iter().unzip();
    }
    Ok(out)
}

/// Every metric ListMetrics lists for `listing`, each page read.
pub async fn list_metrics(aws: &Aws, listing: &MetricListing) -> AwsResult<Vec<Metric>> {
    super::all_pages(|next| aws.cloudwatch().list_metrics(listing, next)).await
}

/// Every state update of `alarm` with a time in `[start, end]` (ms), oldest
/// first.
pub async fn alarm_history(
    aws: &Aws,
    alarm: &str,
    start: i64,
    end: i64,
) -> AwsResult<Vec<AlarmTransition>> {
    let mut all =
        super::all_pages(|next| aws.cloudwatch().alarm_history(alarm, start, end, next)).await?;
    all.sort_by_key(|t| t.time);
    Ok(all)
}

/// Whether log group `group` received an event in `[start, end)` (ms): the
/// timestamp of one if so. FilterLogEvents with a limit of 1; AWS may
/// answer empty pages with a token while it searches ("This operation can
/// return empty results while there are more log events available through
/// the token", FilterLogEvents API reference), so pages are read until an
/// event or the last page, at most `max_pages`. `Ok(None)` also when the
/// budget ran out. A missing group is AWS's `ResourceNotFoundException`.
pub async fn first_event(
    aws: &Aws,
    group: &str,
    pattern: Option<&str>,
    (start, end): (i64, i64),
    max_pages: u32,
) -> AwsResult<Option<i64>> {
    let mut next = None;
    for _ in 0..max_pages.max(1) {
        let (events, token) = aws
            .logs()
            .filter_log_events(group, pattern, (start, end), 1, next.clone())
            .await?;
        if let Some(e) = events.first() {
            return Ok(Some(e.timestamp));
        }
        next = token.filter(|t| !t.is_empty());
        if next.is_none() {
            return Ok(None);
        }
    }
    Ok(None)
}

/// A Logs Insights query as GetQueryResults reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueryRun {
    /// `Scheduled`, `Running`, `Complete`, `Failed`, `Cancelled`, `Timeout`
    /// or `Unknown`.
    pub status: String,
    /// The rows so far (complete once `Complete`): field → value, in the
    /// order AWS gives them.
    pub rows: Vec<Vec<(String, String)>>,
    /// `statistics.bytesScanned` so far ("the total number of bytes in the
    /// log events scanned").
    pub bytes_scanned: f64,
    /// `statistics.recordsScanned`.
    pub records_scanned: f64,
    /// `statistics.recordsMatched`.
    pub records_matched: f64,
}

impl QueryRun {
    /// Whether the query has ended (GetQueryResults `status` values).
    pub fn ended(&self) -> bool {
        !matches!(self.status.as_str(), "Scheduled" | "Running")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: usize, period: u32) -> DataQuery {
        DataQuery {
            id: format!("m{id}"),
            metric: Metric {
                namespace: "N".into(),
                metric_name: "M".into(),
                dimensions: vec![],
            },
            stat: "Sum".into(),
            period,
        }
    }

    const HOUR: i64 = 3_600_000;

    #[test]
    fn datapoints_count_periods_and_an_unaligned_edge() {
        assert_eq!(datapoints(60, 0, HOUR), 60);
        assert_eq!(datapoints(60, 0, HOUR + 1000), 62);
        assert_eq!(datapoints(3600, 0, 3 * HOUR), 3);
        assert_eq!(datapoints(60, 0, 0), 1);
    }

    #[test]
    fn batches_respect_the_query_limit() {
        // 1001 one-datapoint queries: 500 + 500 + 1.
        let queries: Vec<DataQuery> = (0..1001).map(|i| q(i, 10_800)).collect();
        let calls = batches(&queries, 0, 3 * HOUR);
        assert_eq!(calls.len(), 3);
        assert!(calls.iter().all(|c| c.len() <= MAX_QUERIES_PER_CALL));
        assert_eq!(calls.iter().map(Vec::len).sum::<usize>(), 1001);
        assert_eq!(fewest_calls(&queries, 0, 3 * HOUR), 3);
    }

    #[test]
    fn batches_respect_the_datapoint_limit() {
        // A day at one minute: 1440 datapoints; 70 fit in 100,800.
        let queries: Vec<DataQuery> = (0..200).map(|i| q(i, 60)).collect();
        let calls = batches(&queries, 0, 24 * HOUR);
        assert_eq!(calls.len(), 3, "70 + 70 + 60");
        for c in &calls {
            let points: u64 = c.iter().map(|_| 1440).sum();
            assert!(points <= MAX_DATAPOINTS_PER_CALL);
        }
        assert_eq!(fewest_calls(&queries, 0, 24 * HOUR), 3);
        // Mixed periods: the hourly ones fill the gaps the minutely leave.
        let mut mixed: Vec<DataQuery> = (0..100).map(|i| q(i, 60)).collect();
        mixed.extend((100..400).map(|i| q(i, 3600)));
        let calls = batches(&mixed, 0, 24 * HOUR);
        assert_eq!(calls.len(), 2);
        assert_eq!(fewest_calls(&mixed, 0, 24 * HOUR), 2);
    }

    #[test]
    fn a_query_over_the_datapoint_limit_gets_a_call_of_its_own() {
        // 14 days at one minute: 20,160 datapoints; 5 per call.
        let mut queries = vec![q(0, 60); 11];
        for (i, x) in queries.iter_mut().enumerate() {
            x.id = format!("m{i}");
        }
        let calls = batches(&queries, 0, 14 * 24 * HOUR);
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0], vec![0, 1, 2, 3, 4]);
        // A single query of 100 days at 10 s is over the limit alone.
        let big = [q(0, 10)];
        assert_eq!(batches(&big, 0, 100 * 24 * HOUR), vec![vec![0]]);
    }

    #[test]
    fn an_alarm_s_metric_queries_for_the_backtest() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("definitions/cat-house");
        let (_, mut states) = crate::run::load_and_compile(&dir, Some("staging")).unwrap();
        let d = states.pop().unwrap();
        let alarm = |name: &str| {
            let key = (crate::resource::Kind::MetricAlarm, name.to_string());
            let crate::resource::Resource::MetricAlarm(a) = &d.resources[&key] else {
                panic!("{name} is a metric alarm")
            };
            a.clone()
        };
        let math = alarm_queries(
            &alarm("cat-house-staging-auth-service-high-error-rate"),
            "a0_",
            Some(60),
        );
        let ids: Vec<&str> = math.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["a0_errors", "a0_requests"]);
        assert!(math.iter().all(|q| q.period == 60 && q.stat == "Sum"));
        let cpu = alarm_queries(
            &alarm("cat-house-staging-auth-service-high-cpu"),
            "b_",
            None,
        );
        assert_eq!(cpu.len(), 1);
        assert_eq!((cpu[0].stat.as_str(), cpu[0].period), ("Average", 300));
        assert_eq!(cpu[0].metric.dimensions.len(), 2);
    }

    #[test]
    fn history_data_as_aws_documents_it() {
        // The AWS CLI example (describe-alarm-history.rst), without
        // evaluatedDatapoints.
        let cli = r#"{"version":"1.0","oldState":{"stateValue":"ALARM","stateReason":"testing purposes"},"newState":{"stateValue":"OK","stateReason":"Threshold Crossed: 2 datapoints were not greater than the threshold (70.0). The most recent datapoints: [38.958, 40.292].","stateReasonData":{"version":"1.0","queryDate":"2014-04-09T18:59:06.419+0000","startDate":"2014-04-09T18:44:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[38.958,40.292],"threshold":70.0}}}"#;
        let t = parse_transition("myalarm", 1, "Alarm updated from ALARM to OK", cli);
        assert_eq!(t.old_state, Some(AlarmState::Alarm));
        assert_eq!(t.new_state, Some(AlarmState::Ok));
        assert!(t.reason.starts_with("Threshold Crossed"));
        assert!(t.evaluated.is_empty());
        // With evaluatedDatapoints (User Guide, "Alarm events and
        // EventBridge"): newest first, a missing one with a timestamp only.
        let with = r#"{"version":"1.0","oldState":{"stateValue":"OK"},"newState":{"stateValue":"ALARM","stateReason":"Threshold Crossed","stateReasonData":{"version":"1.0","period":60,"evaluatedDatapoints":[{"timestamp":"2019-10-02T16:59:00.000+0000","sampleCount":5.0,"value":99.50160229693434},{"timestamp":"2019-10-02T16:58:00.000+0000"}],"threshold":50.0}}}"#;
        let t = parse_transition("a", 2, "", with);
        assert_eq!(t.new_state, Some(AlarmState::Alarm));
        let minute = parse_aws_time("2019-10-02T16:58:00.000+0000").unwrap();
        assert_eq!(minute, 1_570_035_480_000);
        assert_eq!(
            t.evaluated,
            vec![
                EvaluatedDatapoint {
                    timestamp: minute,
                    value: None,
                    sample_count: None
                },
                EvaluatedDatapoint {
                    timestamp: minute + 60_000,
                    value: Some(99.50160229693434),
                    sample_count: Some(5.0)
                },
            ]
        );
        // Not JSON at all: kept, without states.
        let t = parse_transition("a", 3, "s", "not json");
        assert_eq!((t.old_state, t.new_state), (None, None));
    }

    #[test]
    fn aws_times_keep_their_milliseconds() {
        assert_eq!(
            parse_aws_time("2014-04-09T18:59:06.419+0000"),
            Some(1_397_069_946_419)
        );
        assert_eq!(
            parse_aws_time("2014-04-09T18:59:06Z"),
            Some(1_397_069_946_000)
        );
        assert_eq!(parse_aws_time("yesterday"), None);
    }
}
