//! What flows through the fake account: metric datapoints, alarm history
//! and log events as the reading APIs return them, each behaviour with its
//! source:
//!
//! - ListMetrics: up to 500 metrics per page; a dimension filter matches
//!   metrics having that dimension (any value without one), whatever other
//!   dimensions they have; `RecentlyActive=PT3H` keeps metrics with a
//!   datapoint in the past three hours, and without it metrics with one in
//!   the past two weeks are listed (ListMetrics API reference: "Up to 500
//!   results are returned for any one call"; "only metrics that have had
//!   data points published in the past three hours"; metrics that "have
//!   not had any new data points in the past two weeks" are not listed);
//! - GetMetricData: at most 500 queries (`ValidationError` beyond), each
//!   datapoint the statistic of the samples in one period counted from
//!   `StartTime`, periods without samples left out, oldest first
//!   (`ScanBy TimestampAscending`), at most 100,800 datapoints per page
//!   (`MaxDatapoints` default) with the rest behind `NextToken` and the
//!   query's status `PartialData` (GetMetricData API reference,
//!   `MetricDataResult.StatusCode`);
//! - DescribeAlarmHistory: state updates in `[StartDate, EndDate]`, oldest
//!   first, 100 per page (`MaxRecords` 1–100), `HistoryData` in the JSON
//!   shape AWS documents ([`crate::aws::data::parse_transition`]); kept
//!   after the alarm is deleted ("CloudWatch retains the history of an
//!   alarm even if you delete the alarm");
//! - FilterLogEvents: events of every stream of the group in
//!   `[startTime, endTime]`, by time, `limit` per page; it "can return
//!   empty results while there are more log events available through the
//!   token" ([`FakeState::filter_empty_pages`] empty pages first);
//!   `ResourceNotFoundException` for a missing group;
//! - Logs Insights: StartQuery of a missing group is
//!   `ResourceNotFoundException`, of more than 50 groups
//!   `InvalidParameterException` (StartQuery API reference); a query is
//!   `Running` for [`FakeState::query_polls`] GetQueryResults calls, its
//!   `bytesScanned` growing with each, then `Complete` with every event of
//!   the window as a row (`@timestamp`, `@message`; the fake does not
//!   interpret the query language) and the bytes of their messages
//!   scanned ("the total number of bytes in the log events scanned",
//!   `QueryStatistics`); StopQuery of a running query makes it
//!   `Cancelled`, of an ended one is an `InvalidParameterException` ("the
//!   specified query is not running", StopQuery API reference).

use super::*;
use crate::aws::data::{
    AlarmState, AlarmTransition, DataPage, DataQuery, EvaluatedDatapoint, LIST_METRICS_PAGE,
    MAX_DATAPOINTS_PER_CALL, MAX_QUERIES_PER_CALL, MetricListing, QueryRun, Series,
};
use crate::resource::Metric;

/// One sample of a metric (PutMetricData of one value).
#[derive(Debug, Clone, PartialEq)]
pub struct FakeDatapoint {
    /// The metric, dimensions sorted.
    pub metric: Metric,
    /// Its time, ms since the epoch.
    pub timestamp: i64,
    /// Its value.
    pub value: f64,
}

/// One alarm history item as AWS stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeHistoryItem {
    /// The alarm.
    pub alarm_name: String,
    /// `Timestamp`, ms.
    pub time: i64,
    /// `HistorySummary`.
    pub summary: String,
    /// `HistoryData`, JSON.
    pub data: String,
}

const HOUR_MS: i64 = 3_600_000;

/// The statistic `stat` of `samples` (nearest-rank percentiles).
fn statistic(stat: &str, samples: &mut [f64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let n = samples.len() as f64;
    let sum: f64 = samples.iter().sum();
    match stat {
        "SampleCount" => Some(n),
        "Sum" => Some(sum),
        "Average" => Some(sum / n),
        "Minimum" => samples.iter().copied().reduce(f64::min),
        "Maximum" => samples.iter().copied().reduce(f64::max),
        p => {
            let pct: f64 = p.strip_prefix('p')?.parse().ok()?;
            samples.sort_by(f64::total_cmp);
            let rank = ((pct / 100.0) * n).ceil().max(1.0) as usize;
            samples.get(rank.min(samples.len()) - 1).copied()
        }
    }
}

impl FakeAws {
    /// PutMetricData of one value of `metric` at `timestamp` (ms).
    pub fn put_metric_value(&self, metric: &Metric, timestamp: i64, value: f64) {
        let mut metric = metric.clone();
        metric.dimensions.sort();
        self.with(|s| {
            s.metric_data.push(FakeDatapoint {
                metric,
                timestamp,
                value,
            })
        });
    }

    /// Writes an event to `group` (created with a stream `s` if needed).
    pub fn put_log_event_at(&self, group: &str, timestamp: i64, message: &str) {
        self.with(|s| {
            s.log_groups.entry(group.to_string()).or_default();
            let stream = s
                .log_streams
                .entry(group.to_string())
                .or_default()
                .entry("s".to_string())
                .or_default();
            stream.events.push(LogEvent {
                timestamp,
                ingestion_time: timestamp,
                message: message.to_string(),
            });
            stream.events.sort_by_key(|e| e.timestamp);
        });
    }

    /// Records a state update of `alarm` at `time` (ms) as AWS writes it:
    /// `HistoryData` with old and new state, and the evaluated datapoints
    /// (newest first, as AWS lists them; a `None` value is a missing one).
    pub fn record_transition(
        &self,
        alarm: &str,
        time: i64,
        old: AlarmState,
        new: AlarmState,
        evaluated: &[EvaluatedDatapoint],
    ) {
        let points: Vec<serde_json::Value> = evaluated
            .iter()
            .rev()
            .map(|p| {
                let mut o = serde_json::Map::new();
                o.insert(
                    "timestamp".into(),
                    serde_json::Value::String(aws_time(p.timestamp)),
                );
                if let Some(c) = p.sample_count {
                    o.insert("sampleCount".into(), serde_json::json!(c));
                }
                if let Some(v) = p.value {
                    o.insert("value".into(), serde_json::json!(v));
                }
                serde_json::Value::Object(o)
            })
            .collect();
        let data = serde_json::json!({
            "version": "1.0",
            "oldState": {"stateValue": old.as_str(), "stateReason": "before"},
            "newState": {
                "stateValue": new.as_str(),
                "stateReason": "Threshold Crossed",
                "stateReasonData": {"version": "1.0", "evaluatedDatapoints": points},
            },
        });
        self.with(|s| {
            s.alarm_history.push(FakeHistoryItem {
                alarm_name: alarm.to_string(),
                time,
                summary: format!("Alarm updated from {} to {}", old.as_str(), new.as_str()),
                data: data.to_string(),
            })
        });
    }

    pub(super) fn fake_list_metrics(
        &self,
        listing: &MetricListing,
        next: Option<String>,
    ) -> Page<Metric> {
        let now = self.now_ms();
        let since = if listing.recently_active {
            now - 3 * HOUR_MS
        } else {
            now - 14 * 24 * HOUR_MS
        };
        let mut all: Vec<Metric> = Vec::new();
        self.with(|s| {
            for p in &s.metric_data {
                if p.timestamp >= since && listing.matches(&p.metric) && !all.contains(&p.metric) {
                    all.push(p.metric.clone());
                }
            }
        });
        all.sort_by(|a, b| {
            (&a.namespace, &a.metric_name, &a.dimensions).cmp(&(
                &b.namespace,
                &b.metric_name,
                &b.dimensions,
            ))
        });
        page(all, next, LIST_METRICS_PAGE)
    }

    pub(super) fn fake_get_metric_data(
        &self,
        queries: &[DataQuery],
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> AwsResult<DataPage> {
        if queries.len() > MAX_QUERIES_PER_CALL {
            return Err(AwsError::new(
                Api::GetMetricData.name(),
                "ValidationError",
                format!(
                    "The collection MetricDataQueries must not have a size greater than {MAX_QUERIES_PER_CALL}."
                ),
            ));
        }
        let limit = self
            .with(|s| s.metric_data_page)
            .unwrap_or(MAX_DATAPOINTS_PER_CALL);
        // The whole answer, then the page the token (a datapoint offset)
        // names.
        let mut full: Vec<Series> = Vec::new();
        for q in queries {
            let period = i64::from(q.period.max(1)) * 1000;
            let mut buckets: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
            let mut dims = q.metric.dimensions.clone();
            dims.sort();
            self.with(|s| {
                for p in &s.metric_data {
                    if p.timestamp >= start
                        && p.timestamp < end
                        && p.metric.namespace == q.metric.namespace
                        && p.metric.metric_name == q.metric.metric_name
                        && p.metric.dimensions == dims
                    {
                        let bucket = start + (p.timestamp - start).div_euclid(period) * period;
                        buckets.entry(bucket).or_default().push(p.value);
                    }
                }
            });
            let mut series = Series {
                id: q.id.clone(),
                status: "Complete".into(),
                ..Series::default()
            };
            for (t, mut samples) in buckets {
                let Some(v) = statistic(&q.stat, &mut samples) else {
                    return Err(AwsError::new(
                        Api::GetMetricData.name(),
                        "ValidationError",
                        format!("unsupported statistic {}", q.stat),
                    ));
                };
                series.timestamps.push(t);
                series.values.push(v);
            }
            full.push(series);
        }
        let offset: u64 = next.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
        let total: u64 = full.iter().map(|s| s.timestamps.len() as u64).sum();
        let (mut skip, mut room) = (offset, limit);
        let mut out = Vec::new();
        for s in full {
            let n = s.timestamps.len() as u64;
            let from = skip.min(n);
            skip -= from;
            let take = (n - from).min(room);
            room -= take;
            let range =
                usize::try_from(from).unwrap_or(0)..usize::try_from(from + take).unwrap_or(0);
            let partial = from + take < n;
            out.push(Series {
                id: s.id,
                timestamps: s.timestamps.get(range.clone()).unwrap_or_default().to_vec(),
                values: s.values.get(range).unwrap_or_default().to_vec(),
                status: if partial { "PartialData" } else { "Complete" }.into(),
            });
        }
        let read = offset + limit;
        Ok(DataPage {
            series: out,
            next: (read < total).then(|| read.to_string()),
        })
    }

    pub(super) fn fake_alarm_history(
        &self,
        alarm: &str,
        start: i64,
        end: i64,
        next: Option<String>,
    ) -> Page<AlarmTransition> {
        let mut items: Vec<FakeHistoryItem> = self.with(|s| {
            s.alarm_history
                .iter()
                .filter(|i| i.alarm_name == alarm && i.time >= start && i.time <= end)
                .cloned()
                .collect()
        });
        items.sort_by_key(|i| i.time);
        let size = self
            .with(|s| s.history_page)
            .unwrap_or(crate::aws::data::HISTORY_PAGE);
        let (items, next) = page(items, next, size);
        let parsed = items
            .iter()
            .map(|i| crate::aws::data::parse_transition(&i.alarm_name, i.time, &i.summary, &i.data))
            .collect();
        (parsed, next)
    }

    /// FilterLogEvents: events of the window, matching `pattern` (the
    /// filter-pattern engine metric filters use; an invalid pattern is
    /// `InvalidParameterException`, as AWS answers).
    pub(super) fn fake_filter_log_events(
        &self,
        group: &str,
        pattern: Option<&str>,
        (start, end): (i64, i64),
        limit: i32,
        next: Option<String>,
    ) -> AwsResult<Page<LogEvent>> {
        let pattern = match pattern.map(crate::engine::filter_pattern::Pattern::parse) {
            None => None,
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                return Err(AwsError::new(
                    Api::FilterLogEvents.name(),
                    "InvalidParameterException",
                    format!("Invalid filter pattern: {}", e.message),
                ));
            }
        };
        let (exists, empty_left) = self.with(|s| {
            let empty = s.filter_empty_pages;
            (s.log_groups.contains_key(group), empty)
        });
        if !exists {
            return Err(AwsError::new(
                Api::FilterLogEvents.name(),
                "ResourceNotFoundException",
                "The specified log group does not exist.",
            ));
        }
        // The token: "e<n>" for the n-th empty page, else the event offset.
        let empties_done: u32 = next
            .as_deref()
            .and_then(|t| t.strip_prefix('e'))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        if next.as_deref().is_none_or(|t| t.starts_with('e')) && empties_done < empty_left {
            return Ok((Vec::new(), Some(format!("e{}", empties_done + 1))));
        }
        let offset = next
            .as_deref()
            .filter(|t| !t.starts_with('e'))
            .map(str::to_string);
        let mut events: Vec<LogEvent> = self.with(|s| {
            s.log_streams
                .get(group)
                .into_iter()
                .flat_map(|g| g.values())
                .flat_map(|st| st.events.iter())
                .filter(|e| e.timestamp >= start && e.timestamp < end)
                .filter(|e| pattern.as_ref().is_none_or(|p| p.is_match(&e.message)))
                .cloned()
                .collect()
        });
        events.sort_by_key(|e| e.timestamp);
        let size = usize::try_from(limit.max(1)).unwrap_or(1);
        Ok(page(events, offset, size))
    }
}

/// A Logs Insights query of the fake.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FakeQuery {
    /// Its log groups.
    pub groups: Vec<String>,
    /// The query string.
    pub query: String,
    /// Window, ms.
    pub start: i64,
    /// Window end, ms.
    pub end: i64,
    /// GetQueryResults answered so far.
    pub polls: u32,
    /// Stopped (StopQuery).
    pub stopped: bool,
}

impl FakeAws {
    pub(super) fn fake_start_query(
        &self,
        groups: &[String],
        query: &str,
        start: i64,
        end: i64,
    ) -> AwsResult<String> {
        if groups.len() > 50 {
            return Err(AwsError::new(
                Api::StartQuery.name(),
                "InvalidParameterException",
                "at most 50 log groups",
            ));
        }
        self.with(|s| {
            if let Some(g) = groups.iter().find(|g| !s.log_groups.contains_key(*g)) {
                return Err(AwsError::new(
                    Api::StartQuery.name(),
                    "ResourceNotFoundException",
                    format!("Log group {g} does not exist"),
                ));
            }
            s.next_id += 1;
            let id = format!("query-{}", s.next_id);
            s.insights.insert(
                id.clone(),
                FakeQuery {
                    groups: groups.to_vec(),
                    query: query.to_string(),
                    start,
                    end,
                    polls: 0,
                    stopped: false,
                },
            );
            Ok(id)
        })
    }

    pub(super) fn fake_query_results(&self, id: &str) -> AwsResult<QueryRun> {
        self.with(|s| {
            let running = s.query_polls;
            let Some(q) = s.insights.get_mut(id) else {
                return Err(AwsError::new(
                    Api::GetQueryResults.name(),
                    "ResourceNotFoundException",
                    format!("query {id} not found"),
                ));
            };
            q.polls += 1;
            let q = q.clone();
            let events: Vec<LogEvent> = q
                .groups
                .iter()
                .filter_map(|g| s.log_streams.get(g))
                .flat_map(|streams| streams.values())
                .flat_map(|st| st.events.iter())
                .filter(|e| e.timestamp >= q.start && e.timestamp < q.end)
                .cloned()
                .collect();
            let bytes: f64 = events.iter().map(|e| e.message.len() as f64).sum();
            let status = if q.stopped {
                "Cancelled"
            } else if q.polls <= running {
                "Running"
            } else {
                "Complete"
            };
            let share = if status == "Running" {
                f64::from(q.polls) / f64::from(running + 1)
            } else {
                1.0
            };
            let rows = if status == "Complete" {
                events
                    .iter()
                    .map(|e| {
                        vec![
                            ("@timestamp".to_string(), crate::notation::utc(e.timestamp)),
                            ("@message".to_string(), e.message.clone()),
                        ]
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Ok(QueryRun {
                status: status.to_string(),
                rows,
                bytes_scanned: bytes * share,
                records_scanned: events.len() as f64 * share,
                records_matched: events.len() as f64 * share,
            })
        })
    }

    pub(super) fn fake_stop_query(&self, id: &str) -> AwsResult<()> {
        self.with(|s| {
            let running = s.query_polls;
            match s.insights.get_mut(id) {
                Some(q) if !q.stopped && q.polls <= running => {
                    q.stopped = true;
                    Ok(())
                }
                _ => Err(AwsError::new(
                    Api::StopQuery.name(),
                    "InvalidParameterException",
                    "The specified query is not running",
                )),
            }
        })
    }
}

/// ms → `2019-10-02T16:59:00.000+0000`, AWS's `HistoryData` time format.
fn aws_time(ms: i64) -> String {
    let text = crate::notation::utc(ms);
    // `2019-10-02 16:59:00 UTC`
    let (date, rest) = text.split_once(' ').unwrap_or((&text, ""));
    let time = rest.trim_end_matches(" UTC");
    format!("{date}T{time}.{:03}+0000", ms.rem_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::data::{self, DimensionFilter};
    use crate::resource::Dimension;

    fn metric(name: &str, dims: &[(&str, &str)]) -> Metric {
        Metric {
            namespace: "CatHouse/Services".into(),
            metric_name: name.into(),
            dimensions: dims
                .iter()
                .map(|(n, v)| Dimension {
                    name: (*n).into(),
                    value: (*v).into(),
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn history_pages_are_read_to_the_end_and_parsed() {
        let fake = FakeAws::default();
        fake.with(|s| s.history_page = Some(2));
        let t0 = 1_570_035_480_000;
        let p = |m: i64, v: Option<f64>| EvaluatedDatapoint {
            timestamp: t0 + m * 60_000,
            value: v,
            sample_count: v.map(|_| 3.0),
        };
        fake.record_transition(
            "a",
            t0 + 180_000,
            AlarmState::Ok,
            AlarmState::Alarm,
            &[p(1, Some(9.0)), p(2, None)],
        );
        for i in 0..4 {
            let (old, new) = if i % 2 == 0 {
                (AlarmState::Alarm, AlarmState::Ok)
            } else {
                (AlarmState::Ok, AlarmState::Alarm)
            };
            fake.record_transition("a", t0 + (4 + i) * 60_000, old, new, &[]);
        }
        fake.record_transition("b", t0, AlarmState::Ok, AlarmState::Alarm, &[]);
        let aws = fake.aws();
        let all = data::alarm_history(&aws, "a", t0, t0 + HOUR_MS)
            .await
            .unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(
            aws.stats().snapshot()["cloudwatch:DescribeAlarmHistory"].calls,
            3
        );
        assert_eq!(all[0].new_state, Some(AlarmState::Alarm));
        assert_eq!(all[0].old_state, Some(AlarmState::Ok));
        assert_eq!(all[0].evaluated, vec![p(1, Some(9.0)), p(2, None)]);
        assert!(all.windows(2).all(|w| w[0].time <= w[1].time));
        assert_eq!(all[1].summary, "Alarm updated from ALARM to OK");
        // The window bounds the items.
        let late = data::alarm_history(&aws, "a", t0 + 300_000, t0 + HOUR_MS)
            .await
            .unwrap();
        assert_eq!(late.len(), 3);
    }

    #[tokio::test]
    async fn metric_data_is_batched_paged_and_aggregated() {
        let fake = FakeAws::default();
        let now = fake.now_ms();
        let start = now - 3 * HOUR_MS;
        let m = metric("RequestCount", &[("service", "auth-service")]);
        for i in 0..180 {
            fake.put_metric_value(&m, start + i * 60_000 + 1, 1.0);
            fake.put_metric_value(&m, start + i * 60_000 + 2, 3.0);
        }
        // Pages of 50 datapoints: 180 per-minute sums take 4 pages.
        fake.with(|s| s.metric_data_page = Some(50));
        let mut queries: Vec<DataQuery> = (0..501)
            .map(|i| DataQuery {
                id: format!("q{i}"),
                metric: metric("Other", &[]),
                stat: "Sum".into(),
                period: 10_800,
            })
            .collect();
        queries.push(DataQuery {
            id: "raw".into(),
            metric: m.clone(),
            stat: "Sum".into(),
            period: 60,
        });
        queries.push(DataQuery {
            id: "p50".into(),
            metric: m.clone(),
            stat: "p50".into(),
            period: 10_800,
        });
        let aws = fake.aws();
        let out = data::metric_data(&aws, &queries, start, now).await.unwrap();
        let raw = &out["raw"];
        assert_eq!(raw.values.len(), 180);
        assert!(raw.values.iter().all(|v| *v == 4.0));
        assert!(raw.timestamps.windows(2).all(|w| w[1] - w[0] == 60_000));
        assert_eq!(out["p50"].values, vec![1.0]);
        assert!(out["q0"].values.is_empty());
        let calls = aws.stats().snapshot()["cloudwatch:GetMetricData"].calls;
        // 503 queries: two calls by the query limit, one of them paged.
        assert_eq!(calls, 2 + 3);
    }

    #[tokio::test]
    async fn list_metrics_filters_by_dimensions_and_recent_activity() {
        let fake = FakeAws::default();
        let now = fake.now_ms();
        let a = metric(
            "RequestLatency",
            &[("env", "staging"), ("service", "auth-service")],
        );
        let old = metric("RequestLatency", &[("service", "old")]);
        fake.put_metric_value(&a, now - 60_000, 1.0);
        fake.put_metric_value(&old, now - 5 * HOUR_MS, 1.0);
        let aws = fake.aws();
        let by_name = MetricListing {
            namespace: Some("CatHouse/Services".into()),
            metric_name: Some("RequestLatency".into()),
            ..MetricListing::default()
        };
        assert_eq!(data::list_metrics(&aws, &by_name).await.unwrap().len(), 2);
        let recent = MetricListing {
            recently_active: true,
            ..by_name.clone()
        };
        assert_eq!(
            data::list_metrics(&aws, &recent).await.unwrap(),
            vec![a.clone()]
        );
        let by_dims = MetricListing {
            namespace: Some("CatHouse/Services".into()),
            dimensions: vec![DimensionFilter {
                name: "service".into(),
                value: Some("auth-service".into()),
            }],
            ..MetricListing::default()
        };
        assert_eq!(data::list_metrics(&aws, &by_dims).await.unwrap(), vec![a]);
    }

    #[tokio::test]
    async fn first_event_reads_through_empty_pages() {
        let fake = FakeAws::default();
        fake.with(|s| s.filter_empty_pages = 2);
        fake.put_log_event_at("/g", 5_000, "hello");
        let aws = fake.aws();
        assert_eq!(
            data::first_event(&aws, "/g", None, (0, 10_000), 5)
                .await
                .unwrap(),
            Some(5_000)
        );
        assert_eq!(aws.stats().snapshot()["logs:FilterLogEvents"].calls, 3);
        assert_eq!(
            data::first_event(&aws, "/g", None, (6_000, 10_000), 5)
                .await
                .unwrap(),
            None
        );
        let e = data::first_event(&aws, "/missing", None, (0, 10_000), 5)
            .await
            .unwrap_err();
        assert!(e.is_not_found());
    }

    #[test]
    fn aws_time_round_trips() {
        let t = 1_397_069_946_419;
        assert_eq!(aws_time(t), "2014-04-09T18:59:06.419+0000");
        assert_eq!(data::parse_aws_time(&aws_time(t)), Some(t));
    }
}
