//! An in-memory AWS for tests of the core (live reading, planning, apply
//! ordering, ownership, retries): behaves like the real APIs, not like the
//! emulator, in the ways obsctl depends on, each with its source:
//!
//! - pages of 100 alarms, 50 metric filters (API reference, `MaxRecords` /
//!   `limit` bounds);
//! - tags kept when an alarm or dashboard is put again (PutMetricAlarm: "Tags
//!   ... only applied when the alarm is created");
//! - DeleteAlarms of an alarm a composite references fails with
//!   `ValidationError` "Cannot delete X as there are composite alarm(s)
//!   depending on it" and deletes nothing of the batch; at most one composite
//!   per call (DeleteAlarms API reference; aws-fidelity.md);
//! - concurrent PutMetricFilter / DeleteMetricFilter on one log group:
//!   `OperationAbortedException` (Logs API common errors; Terraform's
//!   provider serializes these writes per log group);
//! - PutQueryDefinition with a client token seen before returns the first
//!   definition (PutQueryDefinition `clientToken`; the emulator ignores it);
//! - deletes of something already gone: NotFound (each Delete* reference);
//! - PutMetricFilter on a missing log group: `ResourceNotFoundException`
//!   (PutMetricFilter API reference); CreateLogGroup of an existing one:
//!   `ResourceAlreadyExistsException`;
//! - log streams (the apply lock): CreateLogStream of an existing name fails
//!   with `ResourceAlreadyExistsException` (the one create-if-absent call,
//!   CreateLogStream API reference), DescribeLogStreams lists by name prefix
//!   in name order, 50 per page, GetLogEvents reads newest first, and
//!   writing to or deleting a stream that is gone is `ResourceNotFoundException`;
//!   times come from tokio's clock, so a paused test can let a lock expire;
//! - email and http/https subscriptions stay pending until the endpoint
//!   confirms ([`FakeAws::confirm`]; Subscribe API reference: "If the
//!   endpoint type is HTTP/S or email ... the endpoint owner must run the
//!   ConfirmSubscription action"); raw delivery on lambda or email fails
//!   with `InvalidParameter`; an empty attribute value unsets a filter or
//!   redrive policy, and a filter policy reports its default scope (moto
//!   PR #7251, checked against AWS).
//!
//! - metric datapoints, alarm history and log-event searches as the
//!   reading APIs return them (`data.rs`, with their sources);
//! - alarm mute rules: PutAlarmMuteRule replaces a rule of the same name
//!   and keeps its tags ("If you specify a rule name that already exists,
//!   this operation updates the existing rule"), rejects targets that are
//!   not alarms of the account ("The alarm names must match existing alarms
//!   in your Amazon Web Services account and region", `MuteTargets`; the
//!   error code is not documented: `ValidationError` here), and is
//!   authorized against the rule and every target alarm (its Permissions
//!   section); ListAlarmMuteRules returns ARNs without names, 100 per page;
//!   GetAlarmMuteRule of a missing rule is `ResourceNotFoundException`, the
//!   one error it declares; DeleteAlarmMuteRule declares no error, and a
//!   missing rule is no error (as the emulator);
//!
//! - SetAlarmState runs the new state's actions (not for the state the
//!   alarm is in already; not while muted, suppressed or with actions
//!   disabled), SNS delivers to confirmed SQS subscriptions in the SNS
//!   envelope or raw, and SQS keeps a received message invisible until it
//!   is deleted (`cloudwatch.rs`, `sns.rs`, `sqs.rs`);
//!
//! It can inject throttling and any other error per API.
//!
//! This file holds the shared state, fault injection and call recording;
//! the traits are implemented one file per service, as in [`super::sdk`].

mod cloudwatch;
mod data;
mod logs;
mod sns;
mod sqs;
mod sts;
mod tagging;

pub use data::{FakeDatapoint, FakeHistoryItem, FakeQuery};
pub use sqs::FakeQueue;

use super::*;
use std::sync::Mutex;
use std::time::Duration;

/// In-memory state of one account and region.
#[derive(Debug, Default)]
pub struct FakeState {
    /// Alarms by name, with tags.
    pub alarms: BTreeMap<String, (LiveAlarm, Vec<Tag>)>,
    /// Dashboards: name → body as stored.
    pub dashboards: BTreeMap<String, String>,
    /// Dashboard tags by name.
    pub dashboard_tags: BTreeMap<String, Vec<Tag>>,
    /// Alarm mute rules by name, with tags.
    pub mute_rules: BTreeMap<String, (AlarmMuteRule, Vec<Tag>)>,
    /// Log groups: name → (tags, retention in days).
    pub log_groups: BTreeMap<String, (Vec<Tag>, Option<u32>)>,
    /// Metric filters by (group, name).
    pub filters: BTreeMap<(String, String), MetricFilter>,
    /// Saved queries by id.
    pub queries: BTreeMap<String, QueryDefinition>,
    /// Topics by ARN: attributes and tags.
    pub topics: BTreeMap<String, (BTreeMap<String, String>, Vec<Tag>)>,
    /// Subscriptions: (topic ARN, subscription, attributes).
    pub subscriptions: Vec<(String, LiveSubscription, BTreeMap<String, String>)>,
    /// Upcoming throttling errors per API.
    pub throttle: BTreeMap<String, u32>,
    /// Upcoming errors per API: (code, message), consumed in order.
    pub errors: BTreeMap<String, Vec<(String, String)>>,
    /// Log groups with a filter write in flight.
    pub busy_groups: std::collections::BTreeSet<String>,
    /// Client tokens of PutQueryDefinition → the id created.
    pub query_tokens: BTreeMap<String, String>,
    /// Calls that reached the fake, per API.
    pub calls: BTreeMap<String, u64>,
    /// Upcoming calls per API that are processed but whose answer is lost
    /// (a dropped connection after AWS did the work): they fail with a
    /// transient `ResponseError`.
    pub lost_answers: BTreeMap<String, u32>,
    /// Names of alarms, dashboards and topics that someone else deletes
    /// right after they were listed (when their tags are read, one by one
    /// or in bulk).
    pub vanish: std::collections::BTreeSet<String>,
    /// Behave like an implementation that ignores PutQueryDefinition client
    /// tokens (fakecloud 0.51, aws-fidelity.md), to test that obsctl does
    /// not depend on them.
    pub ignore_client_tokens: bool,
    /// The tagging API's view (GetResources), which is eventually
    /// consistent: ARNs it does not list yet (just tagged, or an index
    /// like the emulator's that knows no CloudWatch or SNS tags).
    pub untagged_in_index: std::collections::BTreeSet<String>,
    /// ... tags it still reports for an ARN (changed since), and ARNs of
    /// resources deleted since that it still lists.
    pub stale_index: BTreeMap<String, Vec<Tag>>,
    /// No resource at all in the tagging API's answers (the emulator).
    pub empty_index: bool,
    /// GetResources page size (AWS: up to 100).
    pub tagging_page: Option<usize>,
    /// Empty pages (with a token) before each page of GetResources.
    pub tagging_empty_pages: u32,
    /// Drop the `Tags` of PutCompositeAlarm and PutDashboard, as fakecloud
    /// 0.51 does (aws-fidelity.md).
    pub drop_create_tags: bool,
    /// Every (IAM action, resource ARN) a call reached AWS with.
    pub authorized: std::collections::BTreeSet<(String, String)>,
    /// ARNs whose tags were read one by one (ListTagsForResource).
    pub tag_reads: Vec<String>,
    /// Log streams: group → stream name → stream.
    pub log_streams: BTreeMap<String, BTreeMap<String, FakeLogStream>>,
    /// Metric samples (PutMetricData), see `data.rs`.
    pub metric_data: Vec<FakeDatapoint>,
    /// GetMetricData datapoints per page (AWS: 100,800).
    pub metric_data_page: Option<u64>,
    /// Alarm history items, kept after the alarm is deleted.
    pub alarm_history: Vec<FakeHistoryItem>,
    /// DescribeAlarmHistory page size (AWS: up to 100).
    pub history_page: Option<usize>,
    /// Empty pages (with a token) FilterLogEvents answers before its events.
    pub filter_empty_pages: u32,
    /// Logs Insights queries by id.
    pub insights: BTreeMap<String, FakeQuery>,
    /// GetQueryResults calls a query stays `Running` for.
    pub query_polls: u32,
    /// Alarm states (SetAlarmState); an alarm not listed is
    /// `INSUFFICIENT_DATA`, the state of a new alarm.
    pub alarm_states: BTreeMap<String, crate::aws::data::AlarmState>,
    /// SQS queues by URL.
    pub queues: BTreeMap<String, FakeQueue>,
    /// Every message SNS published: (topic ARN, subject, message).
    pub published: Vec<(String, String, String)>,
    next_id: u64,
}

/// A log stream of the fake.
#[derive(Debug, Clone, Default)]
pub struct FakeLogStream {
    /// Creation time, ms since the epoch.
    pub creation_time: i64,
    /// Its events, in the order AWS returns them (by timestamp).
    pub events: Vec<LogEvent>,
}

/// The fake AWS. Clone it to share state between the three traits.
#[derive(Debug, Clone)]
pub struct FakeAws {
    /// The state, for tests to inspect and change ("console edits").
    pub state: Arc<Mutex<FakeState>>,
    region: String,
    account: String,
    /// How long each call takes (the scale benchmark models AWS's
    /// round trip with it, on tokio's paused clock).
    latency: Duration,
    /// AWS's clock: the wall time at creation, moving with tokio's clock.
    epoch: (i64, tokio::time::Instant),
}

impl Default for FakeAws {
    fn default() -> Self {
        FakeAws {
            state: Arc::default(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            latency: Duration::ZERO,
            epoch: (wall_ms(), tokio::time::Instant::now()),
        }
    }
}

/// The system clock in ms since the epoch.
fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

impl FakeAws {
    /// Bundles the fake behind [`Aws`] with unlimited rates and fast retries.
    pub fn aws(&self) -> Aws {
        self.aws_with(Rates::unlimited())
    }

    /// Bundles the fake behind [`Aws`] with the given rate limits.
    pub fn aws_with(&self, rates: Rates) -> Aws {
        Aws::new(
            Clients {
                cloudwatch: Arc::new(self.clone()),
                logs: Arc::new(self.clone()),
                sns: Arc::new(self.clone()),
                identity: Arc::new(self.clone()),
                tagging: Arc::new(self.clone()),
                queues: Arc::new(self.clone()),
            },
            rates,
            RetryPolicy {
                max_attempts: 8,
                base_delay: Duration::from_millis(1),
            },
        )
    }

    /// The same account, with every call taking `latency`.
    pub fn with_latency(mut self, latency: Duration) -> FakeAws {
        self.latency = latency;
        self
    }

    /// AWS's clock, in ms since the epoch: it moves with tokio's clock, so
    /// a test on a paused clock decides how much time passes.
    pub fn now_ms(&self) -> i64 {
        let elapsed = tokio::time::Instant::now().saturating_duration_since(self.epoch.1);
        self.epoch.0 + i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX / 2)
    }

    /// Makes every log event look `by` older (written by a process that
    /// stopped that long ago). Creation times stay: AWS never changes them.
    pub fn age_log_streams(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 2);
        self.with(|s| {
            for stream in s.log_streams.values_mut().flat_map(|g| g.values_mut()) {
                for e in &mut stream.events {
                    e.timestamp -= ms;
                    e.ingestion_time -= ms;
                }
            }
        });
    }

    /// Makes the next `n` calls of `api` fail with `Throttling`.
    pub fn throttle(&self, api: &str, n: u32) {
        self.with(|s| s.throttle.insert(api.to_string(), n));
    }

    /// Reads or changes the state (tests set knobs and "console edits").
    pub fn with_state<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        self.with(f)
    }

    fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Makes the next calls of `api` fail with `code` and `message`, once each.
    pub fn fail(&self, api: &str, code: &str, message: &str) {
        self.with(|s| {
            s.errors
                .entry(api.to_string())
                .or_default()
                .push((code.to_string(), message.to_string()))
        });
    }

    /// A call reaches the fake: it takes the modelled latency, is counted,
    /// and fails if an error is due.
    async fn enter(&self, api: &str) -> AwsResult<()> {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        self.with(|s| {
            *s.calls.entry(api.to_string()).or_default() += 1;
            if let Some(queue) = s.errors.get_mut(api)
                && !queue.is_empty()
            {
                let (code, message) = queue.remove(0);
                return Err(AwsError::new(api, code, message));
            }
            match s.throttle.get_mut(api) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    Err(AwsError::new(api, "Throttling", "Rate exceeded"))
                }
                _ => Ok(()),
            }
        })
    }

    /// The answer to a processed call of `api`: lost if one is due.
    fn answer<T>(&self, api: &str, value: T) -> AwsResult<T> {
        self.with(|s| match s.lost_answers.get_mut(api) {
            Some(n) if *n > 0 => {
                *n -= 1;
                Err(AwsError::new(
                    api,
                    "ResponseError",
                    "connection closed before the response",
                ))
            }
            _ => Ok(value),
        })
    }

    /// Records that a call of `api` on `resources` reached AWS: what IAM
    /// authorizes it against (tests check a generated policy allows it).
    fn authorize(&self, api: Api, resources: Vec<String>) {
        self.with(|s| {
            for r in resources {
                s.authorized.insert((api.action(), r));
            }
        });
    }
}

impl FakeState {
    /// An alarm's state.
    pub fn state_of(&self, alarm: &str) -> crate::aws::data::AlarmState {
        self.alarm_states
            .get(alarm)
            .copied()
            .unwrap_or(crate::aws::data::AlarmState::InsufficientData)
    }
}

/// `2026-12-07T14:03:00.000+0000`, the form of `StateChangeTime` in alarm
/// notifications.
fn iso_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string()
}

/// One page of `all`: the page at the offset `next` names, `size` long,
/// and the token of the following page (AWS's page sizes, aws-facts.md §5.4).
fn page<T>(all: Vec<T>, next: Option<String>, size: usize) -> Page<T> {
    let offset: usize = next.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
    let more = offset + size < all.len();
    let items = all.into_iter().skip(offset).take(size).collect();
    (items, more.then(|| (offset + size).to_string()))
}

fn merge_tags(old: &mut Vec<Tag>, new: &[Tag]) {
    for t in new {
        old.retain(|o| o.key != t.key);
        old.push(t.clone());
    }
    old.sort();
}
