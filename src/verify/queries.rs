//! Saved queries (`verify --queries`, opt-in: Logs Insights bills by data
//! scanned): each runs over a short window (15 minutes by default) and
//! returns rows, or says why not.
//!
//! StartQuery has no byte cap. Before any query runs, the bytes it would
//! scan are estimated from its log groups' `AWS/Logs IncomingBytes` over
//! the window (one GetMetricData call for all groups; uncompressed bytes
//! ingested, which is what Logs Insights scans); a query estimated above
//! `--max-scan` is not started. A started query is polled with
//! GetQueryResults and stopped (StopQuery) as soon as its `bytesScanned`
//! passes `--max-scan`, or when it runs longer than the timeout.

use super::check::{Level, Window};
use super::targets::{Locate, Location};
use crate::aws::data::{self, DataQuery};
use crate::aws::{Aws, AwsResult};
use crate::compile::DesiredState;
use crate::resource::{Dimension, Kind, Metric, Resource};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Logs Insights price: $0.005 per GB of data scanned (aws-facts.md §6;
/// a GB is 2³⁰ bytes here, the larger reading, so the estimate errs low by
/// at most 7 %).
pub const DOLLARS_PER_GB_SCANNED: f64 = 0.005;

const GB: f64 = 1_073_741_824.0;

/// A saved query to run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryTarget {
    /// Its name.
    pub name: String,
    /// The query string.
    pub query: String,
    /// Its log groups.
    pub log_groups: Vec<String>,
    /// The queries entry.
    pub entry: String,
    /// Service, for per-service queries.
    pub service: Option<String>,
    /// The entry's location.
    pub at: Location,
}

/// The saved queries of `desired`.
pub fn query_targets(desired: &DesiredState, locate: &Locate) -> Vec<QueryTarget> {
    desired
        .resources
        .iter()
        .filter_map(|(key, r)| {
            let Resource::QueryDefinition(q) = r else {
                return None;
            };
            let attribution = desired.attribution.get(key).cloned().unwrap_or_default();
            let at = desired
                .origins
                .get(&(Kind::QueryDefinition, key.1.clone()))
                .map(|o| {
                    let (file, pos) = locate(o);
                    Location {
                        file,
                        line: pos.line,
                        column: pos.column,
                    }
                })
                .unwrap_or(Location {
                    file: "obsctl.yaml".into(),
                    line: 0,
                    column: 0,
                });
            Some(QueryTarget {
                name: q.name.clone(),
                query: q.query_string.clone(),
                log_groups: q.log_group_names.clone(),
                entry: attribution.entry,
                service: attribution.service,
                at,
            })
        })
        .collect()
}

/// How queries run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueryOptions {
    /// The window each query covers.
    pub window: Window,
    /// Stop a query once it scanned more bytes than this (and do not start
    /// one estimated above it).
    pub max_scan: Option<u64>,
    /// Between two GetQueryResults of one query.
    pub poll: Duration,
    /// Stop a query still running after this long.
    pub timeout: Duration,
}

/// What happened to a saved query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not started: estimated above `--max-scan`.
    NotRun,
    /// StartQuery refused it.
    Refused,
    /// It ran to its end (complete, failed, cancelled or timed out on
    /// AWS's side).
    Ended,
    /// obsctl stopped it (`--max-scan` or the timeout).
    Stopped,
}

/// The verdict on one saved query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryFinding {
    /// Query name.
    pub name: String,
    /// What happened.
    pub outcome: Outcome,
    /// The verdict.
    pub level: Level,
    /// In words.
    pub message: String,
    /// Rows returned.
    pub rows: Option<usize>,
    /// Bytes scanned (as AWS counted).
    pub bytes_scanned: Option<f64>,
    /// Bytes estimated from `IncomingBytes`.
    pub estimated_bytes: f64,
    /// The queries entry.
    pub entry: String,
    /// Service.
    pub service: Option<String>,
    /// The entry's location.
    pub at: Location,
}

/// What the queries are estimated to scan and cost, before they run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueryEstimate {
    /// Queries.
    pub queries: usize,
    /// Bytes, all queries.
    pub bytes: f64,
    /// US dollars.
    pub dollars: f64,
}

/// `about 1.2 MB` style, for bytes.
pub fn bytes_text(b: f64) -> String {
    if b >= GB {
        format!("{:.2} GB", b / GB)
    } else if b >= 1_048_576.0 {
        format!("{:.1} MB", b / 1_048_576.0)
    } else if b >= 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{b:.0} B")
    }
}

/// The estimate's line (printed before the queries run).
pub fn estimate_line(e: &QueryEstimate) -> String {
    format!(
        "Logs Insights: {} saved queries over about {} (IncomingBytes), about ${:.4} ($0.005 per GB scanned)",
        e.queries,
        bytes_text(e.bytes),
        e.dollars
    )
}

/// Bytes ingested per log group over the window (`AWS/Logs IncomingBytes`,
/// Sum), in one GetMetricData batch.
pub async fn incoming_bytes(
    aws: &Aws,
    groups: &BTreeSet<String>,
    window: Window,
) -> AwsResult<BTreeMap<String, f64>> {
    let queries: Vec<DataQuery> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| DataQuery {
            id: format!("g{i}"),
            metric: Metric {
                namespace: "AWS/Logs".into(),
                metric_name: "IncomingBytes".into(),
                dimensions: vec![Dimension {
                    name: "LogGroupName".into(),
                    value: g.clone(),
                }],
            },
            stat: "Sum".into(),
            period: window.period(),
        })
        .collect();
    let series = data::metric_data(aws, &queries, window.start, window.end).await?;
    Ok(groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let bytes = series
                .get(&format!("g{i}"))
                .map(|s| s.values.iter().sum())
                .unwrap_or(0.0);
            (g.clone(), bytes)
        })
        .collect())
}

/// The estimate of every query from the groups' ingested bytes.
pub fn estimate(targets: &[QueryTarget], ingested: &BTreeMap<String, f64>) -> QueryEstimate {
    // `+ 0.0`: an empty sum of f64 is -0.0.
    let bytes: f64 = targets
        .iter()
        .map(|t| query_bytes(t, ingested))
        .sum::<f64>()
        + 0.0;
    QueryEstimate {
        queries: targets.len(),
        bytes,
        dollars: bytes / GB * DOLLARS_PER_GB_SCANNED,
    }
}

fn query_bytes(t: &QueryTarget, ingested: &BTreeMap<String, f64>) -> f64 {
    t.log_groups
        .iter()
        .map(|g| ingested.get(g).copied().unwrap_or(0.0))
        .sum::<f64>()
        + 0.0
}

/// Runs each query (one at a time: the account's concurrent-query quota is
/// shared with dashboards) and judges it.
pub async fn run(
    aws: &Aws,
    targets: &[QueryTarget],
    ingested: &BTreeMap<String, f64>,
    options: QueryOptions,
) -> AwsResult<Vec<QueryFinding>> {
    let mut out = Vec::new();
    for t in targets {
        let estimated = query_bytes(t, ingested);
        let finding = |outcome, level, message: String, rows, bytes| QueryFinding {
            name: t.name.clone(),
            outcome,
            level,
            message,
            rows,
            bytes_scanned: bytes,
            estimated_bytes: estimated,
            entry: t.entry.clone(),
            service: t.service.clone(),
            at: t.at.clone(),
        };
        if let Some(max) = options.max_scan
            && estimated > max as f64
        {
            out.push(finding(
                Outcome::NotRun,
                Level::Warning,
                format!(
                    "not run: it would scan about {}, more than --max-scan {}",
                    bytes_text(estimated),
                    bytes_text(max as f64)
                ),
                None,
                None,
            ));
            continue;
        }
        let id = match aws
            .logs()
            .start_query(
                &t.log_groups,
                &t.query,
                options.window.start,
                options.window.end,
            )
            .await
        {
            Ok(id) => id,
            Err(e) if !e.kind.is_retried() => {
                // AWS refused the query itself (a malformed query, a
                // missing log group): the finding, not an error of the run.
                out.push(finding(
                    Outcome::Refused,
                    Level::Problem,
                    format!("StartQuery refused it: {}: {}", e.code, e.message),
                    None,
                    None,
                ));
                continue;
            }
            Err(e) => return Err(e),
        };
        let started = tokio::time::Instant::now();
        let result = loop {
            let r = aws.logs().get_query_results(&id).await?;
            if r.ended() {
                break Ok(r);
            }
            if let Some(max) = options.max_scan
                && r.bytes_scanned > max as f64
            {
                // Already ended is fine: the answer says so next.
                let _ = aws.logs().stop_query(&id).await;
                break Err((
                    format!(
                        "stopped after scanning {}, more than --max-scan {}",
                        bytes_text(r.bytes_scanned),
                        bytes_text(max as f64)
                    ),
                    r.bytes_scanned,
                ));
            }
            if started.elapsed() > options.timeout {
                let _ = aws.logs().stop_query(&id).await;
                break Err((
                    format!(
                        "stopped: still running after {} s",
                        options.timeout.as_secs()
                    ),
                    r.bytes_scanned,
                ));
            }
            tokio::time::sleep(options.poll).await;
        };
        out.push(match result {
            Ok(r) if r.status == "Complete" && r.rows.is_empty() => finding(
                Outcome::Ended,
                Level::Warning,
                format!(
                    "ran, returned no rows ({} scanned)",
                    bytes_text(r.bytes_scanned)
                ),
                Some(0),
                Some(r.bytes_scanned),
            ),
            Ok(r) if r.status == "Complete" => finding(
                Outcome::Ended,
                Level::Ok,
                format!(
                    "{} row{} ({} scanned)",
                    r.rows.len(),
                    if r.rows.len() == 1 { "" } else { "s" },
                    bytes_text(r.bytes_scanned)
                ),
                Some(r.rows.len()),
                Some(r.bytes_scanned),
            ),
            Ok(r) => finding(
                Outcome::Ended,
                Level::Problem,
                format!("the query ended {}", r.status),
                None,
                Some(r.bytes_scanned),
            ),
            Err((message, bytes)) => {
                finding(Outcome::Stopped, Level::Warning, message, None, Some(bytes))
            }
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::fake::FakeAws;
    use std::path::PathBuf;

    fn target(name: &str, groups: &[&str]) -> QueryTarget {
        QueryTarget {
            name: name.into(),
            query: "fields @message".into(),
            log_groups: groups.iter().map(|g| (*g).to_string()).collect(),
            entry: name.into(),
            service: None,
            at: Location {
                file: PathBuf::from("logs.yaml"),
                line: 1,
                column: 1,
            },
        }
    }

    fn options(max_scan: Option<u64>) -> QueryOptions {
        QueryOptions {
            window: Window {
                start: 0,
                end: 900_000,
            },
            max_scan,
            poll: Duration::from_millis(1),
            timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn queries_return_rows_or_say_why_not() {
        let fake = FakeAws::default();
        for i in 0..3 {
            fake.put_log_event_at("/a", 1000 + i, "0123456789");
        }
        fake.with_state(|s| {
            s.log_groups.entry("/empty".into()).or_default();
            s.query_polls = 2;
        });
        let aws = fake.aws();
        let targets = [
            target("rows", &["/a"]),
            target("none", &["/empty"]),
            target("missing", &["/gone"]),
        ];
        let found = run(&aws, &targets, &BTreeMap::new(), options(None))
            .await
            .unwrap();
        assert_eq!(found[0].level, Level::Ok);
        assert_eq!(found[0].message, "3 rows (30 B scanned)");
        assert_eq!(found[1].level, Level::Warning);
        assert_eq!(found[2].level, Level::Problem);
        assert!(found[2].message.contains("ResourceNotFoundException"));
        // Two Running answers, then Complete: three polls each.
        assert_eq!(aws.stats().snapshot()["logs:GetQueryResults"].calls, 6);
    }

    #[tokio::test]
    async fn max_scan_stops_a_running_query_and_skips_an_estimated_one() {
        let fake = FakeAws::default();
        for i in 0..10 {
            fake.put_log_event_at("/a", 1000 + i, &"x".repeat(100));
        }
        fake.with_state(|s| s.query_polls = 4);
        let aws = fake.aws();
        // 1000 bytes in all, 200 more per poll while running.
        let found = run(
            &aws,
            &[target("big", &["/a"])],
            &BTreeMap::new(),
            options(Some(300)),
        )
        .await
        .unwrap();
        assert_eq!(found[0].level, Level::Warning);
        assert_eq!(
            found[0].message,
            "stopped after scanning 400 B, more than --max-scan 300 B"
        );
        assert_eq!(aws.stats().snapshot()["logs:StopQuery"].calls, 1);
        let ingested: BTreeMap<String, f64> = [("/a".to_string(), 5000.0)].into();
        let found = run(
            &aws,
            &[target("big", &["/a"])],
            &ingested,
            options(Some(300)),
        )
        .await
        .unwrap();
        assert!(
            found[0]
                .message
                .starts_with("not run: it would scan about 4.9 KB")
        );
        assert_eq!(aws.stats().snapshot()["logs:StartQuery"].calls, 1);
        let e = estimate(&[target("big", &["/a"])], &ingested);
        assert_eq!(e.bytes, 5000.0);
    }
}
