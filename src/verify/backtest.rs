//! The backtest (issue 22, section 2): the window of real data replayed
//! through the alarm engine `obsctl test` uses (the per-minute sliding
//! evaluation of `engine::alarm::schedule`, driven by
//! [`crate::testing::simulate::Simulation`]), and, for alarms that exist
//! live, the engine's transitions against AWS's own history.
//!
//! # What is fetched, and where the replay approximates
//!
//! A sliding-window alarm is evaluated every minute over the periods ending
//! at that minute ("Alarm evaluation window", PutMetricAlarm
//! `EvaluationWindow`), so a 5-minute alarm reads five different period
//! grids. The replay needs each grid's datapoints:
//!
//! * **Sum, SampleCount, Average, Minimum, Maximum**: per metric, the
//!   per-minute SampleCount, Sum, Minimum and Maximum (four queries with
//!   `Period` 60) — statistic sets that aggregate exactly on every grid of
//!   whole minutes ("Average is Sum/SampleCount", "CloudWatch statistics
//!   definitions"). One-minute data is kept 15 days (GetMetricData: "Data
//!   points with a period of 60 seconds (1-minute) are available for 15
//!   days"), so the window (at most 14 days) is always there.
//! * **Percentiles and the statistics built on them** (TM, WM, TC, TS, PR,
//!   IQM) cannot be rebuilt from coarser datapoints: for a period of up to
//!   an hour, one query per evaluation offset — `Period` = the alarm's,
//!   `StartTime` moved back by each whole minute within the period (a start
//!   time less than 15 days ago is "rounded down to the nearest whole
//!   minute", GetMetricData `StartTime`), so every grid is fetched whole.
//!   Longer periods: only the grid aligned to the replay's start is exact;
//!   the others are rebuilt from per-minute sets (**approximated**).
//! * **Periods under 60 s** (high resolution): "Data points with a period of
//!   less than 60 seconds are available for 3 hours"; the alarm is replayed
//!   with a 60-second period on per-minute data (**approximated**).
//! * **Anomaly detection alarms** are not replayed: their band is the model
//!   AWS trains, which GetMetricData does not return for past windows as
//!   the alarm saw it.
//! * Alarm mute rules are not applied to the notification counts.
//!
//! The replay starts before the window by the longest evaluation range
//! (Evaluation Periods + 2 periods, at most a day, and never more than 15
//! days ago), so the window's first evaluations see full ranges; only
//! transitions inside the window are counted.
//!
//! # History agreement
//!
//! For each replayed alarm that exists live, DescribeAlarmHistory's state
//! updates over the window are compared with the engine's timeline. An AWS
//! transition agrees when the engine is in the new state at that time or
//! within the minute after it (AWS evaluates a few seconds after each
//! minute). A disagreement is told apart by the `evaluatedDatapoints` AWS
//! recorded in the transition's `HistoryData` against the values
//! GetMetricData returns now for the same periods: different values (or a
//! datapoint AWS did not have) mean the data arrived or changed after AWS
//! evaluated (**late data**); the same values mean the engine and AWS
//! decide differently on the same datapoints (**engine**). Engine
//! transitions AWS did not make are disagreements too.

use super::check::Window;
use crate::aws::data::{AlarmState, AlarmTransition, DataQuery, Series as DataSeries};
use crate::aws::{Aws, AwsResult};
use crate::compile::DesiredState;
use crate::engine::alarm::{Prepared, Series, StatSet, State, Statistic};
use crate::resource::{Kind, Metric, MetricAlarm, Resource};
use crate::testing::case::Case;
use crate::testing::simulate::{
    AlarmRef, FixedKey, MetricKey, Simulation, Timeline, state_at, transitions,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Longest period whose percentile grids are fetched per offset.
const MAX_OFFSET_PERIOD: u32 = 3600;
/// Longest warm-up before the window (seconds).
const MAX_WARMUP: i64 = 86_400;
/// How far back one-minute data is kept (15 days, ms).
const MINUTE_RETENTION_MS: i64 = 15 * 86_400 * 1000;

/// The statistic sets of one minute, one query each.
const MINUTE_STATS: [&str; 4] = ["SampleCount", "Sum", "Minimum", "Maximum"];

/// What one query's datapoints are for.
#[derive(Debug, Clone)]
enum Use {
    /// A per-minute statistic of a metric (index into [`MINUTE_STATS`]).
    Minute(MetricKey, usize),
    /// A whole grid: its key, and the query's start (seconds from `t = 0`).
    Grid(FixedKey, i64),
}

/// The GetMetricData reads of a backtest (pure: [`plan`]).
#[derive(Debug, Clone)]
pub struct Fetch {
    /// `t = 0` of the replay, ms (a whole minute).
    pub epoch: i64,
    /// The window replayed, ms.
    pub window: Window,
    /// Calls by StartTime (ms), each with its queries, all ending at the
    /// window's end.
    pub groups: Vec<(i64, Vec<DataQuery>)>,
    uses: BTreeMap<String, Use>,
    /// The state replayed (sub-minute periods raised to 60 s).
    pub state: DesiredState,
    /// Per alarm: what is approximated, or why it is not replayed.
    notes: BTreeMap<String, Vec<String>>,
    skipped: BTreeMap<String, String>,
}

impl Fetch {
    /// Queries in all.
    pub fn queries(&self) -> usize {
        self.groups.iter().map(|(_, q)| q.len()).sum()
    }
    /// The fewest GetMetricData calls these queries need.
    pub fn floor(&self) -> u64 {
        self.groups
            .iter()
            .map(|(start, q)| crate::aws::data::fewest_calls(q, *start, self.window.end))
            .sum()
    }
}

fn key_of(m: &Metric) -> MetricKey {
    let mut dims: Vec<(String, String)> = m
        .dimensions
        .iter()
        .map(|d| (d.name.clone(), d.value.clone()))
        .collect();
    dims.sort();
    (m.namespace.clone(), m.metric_name.clone(), dims)
}

fn metric_of(k: &MetricKey) -> Metric {
    Metric {
        namespace: k.0.clone(),
        metric_name: k.1.clone(),
        dimensions: k
            .2
            .iter()
            .map(|(n, v)| crate::resource::Dimension {
                name: n.clone(),
                value: v.clone(),
            })
            .collect(),
    }
}

fn basic(stat: Statistic) -> bool {
    matches!(
        stat,
        Statistic::Sum
            | Statistic::SampleCount
            | Statistic::Average
            | Statistic::Minimum
            | Statistic::Maximum
    )
}

/// The metrics (with statistic and period) an alarm reads.
fn reads(a: &MetricAlarm) -> Vec<(Metric, String, u32)> {
    let mut out = Vec::new();
    if let (Some(ns), Some(name)) = (&a.namespace, &a.metric_name) {
        let stat = a
            .extended_statistic
            .clone()
            .or_else(|| a.statistic.clone())
            .unwrap_or_else(|| "Average".into());
        out.push((
            Metric {
                namespace: ns.clone(),
                metric_name: name.clone(),
                dimensions: a.dimensions.clone(),
            },
            stat,
            a.period.unwrap_or(60),
        ));
    }
    for q in &a.metrics {
        if let Some(s) = &q.metric_stat {
            out.push((s.metric.clone(), s.stat.clone(), s.period));
        }
    }
    out
}

/// What to fetch to replay `desired`'s alarms over `window` (ms).
pub fn plan(desired: &DesiredState, window: Window) -> Fetch {
    let mut state = desired.clone();
    let mut notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut skipped = BTreeMap::new();
    let mut warmup = 0i64;
    for r in state.resources.values_mut() {
        let Resource::MetricAlarm(a) = r else {
            continue;
        };
        if a.threshold_metric_id.is_some() {
            skipped.insert(
                a.alarm_name.clone(),
                "anomaly detection alarm: its band is the model AWS trained, which \
                 GetMetricData cannot give as the alarm saw it"
                    .to_string(),
            );
            continue;
        }
        let mut raise = false;
        if a.period.is_some_and(|p| p < 60) {
            a.period = Some(60);
            raise = true;
        }
        for q in &mut a.metrics {
            if let Some(s) = q.metric_stat.as_mut().filter(|s| s.period < 60) {
                s.period = 60;
                raise = true;
            }
        }
        if raise {
            notes.entry(a.alarm_name.clone()).or_default().push(
                "approximated: a period under 60 s is replayed as 60 s (CloudWatch keeps \
                 sub-minute data 3 hours)"
                    .into(),
            );
        }
        let periods = i64::from(a.evaluation_periods).saturating_add(2);
        let longest = reads(a).iter().map(|(_, _, p)| i64::from(*p)).max();
        warmup = warmup.max(periods.saturating_mul(longest.unwrap_or(60)));
    }
    let warmup = warmup.min(MAX_WARMUP);
    let epoch = (window.start - warmup * 1000)
        .max(window.end - MINUTE_RETENTION_MS)
        .div_euclid(60_000)
        * 60_000;
    let mut minutes: BTreeSet<MetricKey> = BTreeSet::new();
    let mut grids: BTreeSet<(MetricKey, u32, String)> = BTreeSet::new();
    for r in state.resources.values() {
        let Resource::MetricAlarm(a) = r else {
            continue;
        };
        if skipped.contains_key(&a.alarm_name) {
            continue;
        }
        for (metric, stat_text, period) in reads(a) {
            let key = key_of(&metric);
            minutes.insert(key.clone());
            let Ok(stat) = stat_text.parse::<Statistic>() else {
                continue;
            };
            if basic(stat) {
                continue;
            }
            if period > MAX_OFFSET_PERIOD {
                notes.entry(a.alarm_name.clone()).or_default().push(format!(
                    "approximated: {stat_text} over {period} s is fetched whole only at period \
                     boundaries; other evaluation minutes rebuild it from per-minute data"
                ));
            }
            grids.insert((key, period, stat.to_string()));
        }
    }
    let mut uses = BTreeMap::new();
    let mut by_start: BTreeMap<i64, Vec<DataQuery>> = BTreeMap::new();
    let mut n = 0usize;
    let mut next_id = || {
        n += 1;
        format!("q{n}")
    };
    for key in &minutes {
        for (i, stat) in MINUTE_STATS.iter().enumerate() {
            let id = next_id();
            uses.insert(id.clone(), Use::Minute(key.clone(), i));
            by_start.entry(epoch).or_default().push(DataQuery {
                id,
                metric: metric_of(key),
                stat: (*stat).to_string(),
                period: 60,
            });
        }
    }
    for (key, period, stat) in &grids {
        let p = i64::from(*period);
        let shifts: Vec<i64> = if *period > MAX_OFFSET_PERIOD {
            vec![0]
        } else {
            (0..p).step_by(60).collect()
        };
        for shift in shifts {
            // Grid `shift`: datapoint k covers [k·P − shift, (k+1)·P − shift).
            let start = epoch - shift * 1000;
            let id = next_id();
            uses.insert(
                id.clone(),
                Use::Grid((key.clone(), *period, stat.clone(), shift), -shift),
            );
            by_start.entry(start).or_default().push(DataQuery {
                id,
                metric: metric_of(key),
                stat: stat.clone(),
                period: *period,
            });
        }
    }
    Fetch {
        epoch,
        window,
        groups: by_start.into_iter().collect(),
        uses,
        state,
        notes,
        skipped,
    }
}

/// The datapoints of a backtest, as GetMetricData returned them, by id.
pub type Answers = BTreeMap<String, DataSeries>;

/// Reads every query of `fetch` (each start time's queries batched).
pub async fn fetch(aws: &Aws, fetch: &Fetch) -> AwsResult<Answers> {
    let mut out = Answers::new();
    for (start, queries) in &fetch.groups {
        out.extend(crate::aws::data::metric_data(aws, queries, *start, fetch.window.end).await?);
    }
    Ok(out)
}

/// The names of the alarms that exist live under `prefix` (DescribeAlarms
/// of both types, 100 per page), and the pages read.
pub async fn live_alarms(aws: &Aws, prefix: &str) -> AwsResult<(BTreeSet<String>, u64)> {
    let (all, pages) = live_alarm_configs(aws, prefix).await?;
    Ok((all.into_keys().collect(), pages))
}

/// The alarms that exist live under `prefix` with their configuration, by
/// name, and the pages read.
pub async fn live_alarm_configs(
    aws: &Aws,
    prefix: &str,
) -> AwsResult<(BTreeMap<String, crate::aws::LiveAlarm>, u64)> {
    let mut names = BTreeMap::new();
    let mut next = None;
    let mut pages = 0u64;
    loop {
        let page = aws
            .cloudwatch()
            .describe_alarms(prefix, next.clone())
            .await?;
        pages += 1;
        names.extend(
            page.alarms
                .into_iter()
                .map(|(_, a)| (a.name().to_string(), a)),
        );
        next = page.next.filter(|t| !t.is_empty());
        if next.is_none() || pages > 10_000 {
            return Ok((names, pages));
        }
    }
}

/// One alarm the plan changes, and the names its two configurations have
/// in the state [`plan_state`] builds.
#[derive(Debug, Clone)]
pub struct PlanPair {
    /// The alarm.
    pub alarm: String,
    /// `create`, `update` or `delete`.
    pub action: &'static str,
    /// Its live configuration's name in the state (none for a create).
    pub live: Option<String>,
    /// Its catalogue configuration's name in the state (none for a delete).
    pub catalogue: Option<String>,
}

/// The suffix of a live configuration's copy in [`plan_state`].
const LIVE_SUFFIX: &str = " (live)";

/// A state holding, for each changed alarm, its catalogue configuration
/// under its name and its live one under `<name> (live)` (a composite's
/// live rule reads the catalogue's children), plus every metric alarm when
/// a composite changed (its children).
pub fn plan_state(
    desired: &DesiredState,
    changed: &[(String, &'static str)],
    live: &BTreeMap<String, crate::aws::LiveAlarm>,
) -> (DesiredState, Vec<PlanPair>) {
    let mut state = desired.clone();
    let names: BTreeSet<&str> = changed.iter().map(|(n, _)| n.as_str()).collect();
    let composite_changed = changed.iter().any(|(n, _)| {
        desired
            .resources
            .contains_key(&(Kind::CompositeAlarm, n.clone()))
            || matches!(live.get(n), Some(crate::aws::LiveAlarm::Composite(_)))
    });
    state.resources.retain(|(kind, name), _| match kind {
        Kind::MetricAlarm => composite_changed || names.contains(name.as_str()),
        Kind::CompositeAlarm => names.contains(name.as_str()),
        Kind::Topic
        | Kind::Subscription
        | Kind::LogGroup
        | Kind::MetricFilter
        | Kind::Dashboard
        | Kind::QueryDefinition
        | Kind::AlarmMuteRule
        // Not replayed: a log alarm's query needs the log events, which
        // the backtest does not read.
        | Kind::LogAlarm => false,
    });
    let mut pairs = Vec::new();
    for (name, action) in changed {
        let live_name = format!("{name}{LIVE_SUFFIX}");
        let copy = match live.get(name) {
            Some(crate::aws::LiveAlarm::Metric(a)) => Some((
                Kind::MetricAlarm,
                Resource::from(MetricAlarm {
                    alarm_name: live_name.clone(),
                    ..a.clone()
                }),
            )),
            Some(crate::aws::LiveAlarm::Composite(c)) => Some((
                Kind::CompositeAlarm,
                Resource::from(crate::resource::CompositeAlarm {
                    alarm_name: live_name.clone(),
                    ..c.clone()
                }),
            )),
            Some(crate::aws::LiveAlarm::Log(_)) | None => None,
        };
        let has_live = copy.is_some();
        if let Some((kind, r)) = copy {
            state.resources.insert((kind, live_name.clone()), r);
        }
        let in_catalogue = state
            .resources
            .contains_key(&(Kind::MetricAlarm, name.clone()))
            || state
                .resources
                .contains_key(&(Kind::CompositeAlarm, name.clone()));
        pairs.push(PlanPair {
            alarm: name.clone(),
            action,
            live: has_live.then_some(live_name),
            catalogue: in_catalogue.then(|| name.clone()),
        });
    }
    (state, pairs)
}

/// The replay's data: each metric's per-minute statistic sets, and the
/// whole grids.
fn data(
    fetch: &Fetch,
    answers: &Answers,
) -> (BTreeMap<MetricKey, Prepared>, BTreeMap<FixedKey, Series>) {
    let mut minutes: BTreeMap<MetricKey, BTreeMap<i64, [Option<f64>; 4]>> = BTreeMap::new();
    let mut fixed: BTreeMap<FixedKey, Series> = BTreeMap::new();
    for (id, u) in &fetch.uses {
        let Some(s) = answers.get(id) else { continue };
        let points = s.timestamps.iter().zip(&s.values);
        match u {
            Use::Minute(key, i) => {
                let m = minutes.entry(key.clone()).or_default();
                for (t, v) in points {
                    if let Some(slot) = m.entry((t - fetch.epoch) / 1000).or_default().get_mut(*i) {
                        *slot = Some(*v);
                    }
                }
            }
            Use::Grid(key, start) => {
                let p = i64::from(key.1.max(1));
                let mut series: Series = Vec::new();
                for (t, v) in points {
                    let at = (t - fetch.epoch) / 1000 - start;
                    let Ok(k) = usize::try_from(at.div_euclid(p)) else {
                        continue;
                    };
                    if series.len() <= k {
                        series.resize(k + 1, None);
                    }
                    if let Some(slot) = series.get_mut(k) {
                        *slot = Some(*v);
                    }
                }
                fixed.insert(key.clone(), series);
            }
        }
    }
    let metrics = minutes
        .into_iter()
        .map(|(key, by_minute)| {
            let sets: Vec<StatSet> = by_minute
                .into_iter()
                .filter_map(|(t, [count, sum, min, max])| {
                    let (count, sum) = (count?, sum?);
                    (count > 0.0).then(|| StatSet {
                        t,
                        count,
                        sum,
                        min: min.unwrap_or(sum / count),
                        max: max.unwrap_or(sum / count),
                    })
                })
                .collect();
            (key, Prepared::new(&[], &sets))
        })
        .collect();
    (metrics, fixed)
}

/// One alarm's replay over the window.
#[derive(Debug, Clone, Serialize)]
pub struct AlarmReplay {
    /// Alarm name.
    pub alarm: String,
    /// `metric`, `math`, `anomaly` or `composite`.
    pub kind: &'static str,
    /// The alarm template and service it was generated from.
    pub template: String,
    /// The service.
    pub service: Option<String>,
    /// Why it was not replayed (then the counts are zero).
    pub skipped: Option<String>,
    /// Where the replay approximates.
    pub approximations: Vec<String>,
    /// Times it went to ALARM in the window.
    pub alarms: usize,
    /// Seconds in ALARM within the window.
    pub alarm_seconds: i64,
    /// ALARM↔OK changes within the flap window of the previous one.
    pub flaps: usize,
    /// Notifications per topic (SNS actions taken on the transitions).
    pub notifications: BTreeMap<String, usize>,
    /// State changes in the window: (ms, state).
    pub transitions: Vec<(i64, &'static str)>,
    /// The engine against AWS's history (alarms that exist live).
    pub agreement: Option<Agreement>,
}

/// The engine's transitions against AWS's recorded ones.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Agreement {
    /// Transitions both agree on.
    pub agreed: usize,
    /// Transitions either side made.
    pub total: usize,
    /// Each disagreement, with both sides.
    pub disagreements: Vec<Disagreement>,
}

/// Why the engine and AWS disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// AWS evaluated datapoints that differ from what GetMetricData returns
    /// now: the data arrived or changed after the evaluation.
    LateData,
    /// The same datapoints, another state: the engine decides differently.
    Engine,
    /// AWS recorded no transition where the engine made one.
    NoAwsTransition,
}

/// One disagreement.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    /// When (ms).
    pub time: i64,
    /// AWS's side: `OK → ALARM`, or `no change (ALARM)`.
    pub aws: String,
    /// The engine's side.
    pub engine: String,
    /// Why.
    pub cause: Cause,
    /// The datapoints AWS evaluated, with what GetMetricData returns now:
    /// (period start ms, AWS's value, now).
    pub datapoints: Vec<(i64, Option<f64>, Option<f64>)>,
}

fn state_name(s: State) -> &'static str {
    s.as_str()
}

fn aws_state(s: AlarmState) -> State {
    match s {
        AlarmState::Ok => State::Ok,
        AlarmState::Alarm => State::Alarm,
        AlarmState::InsufficientData => State::InsufficientData,
    }
}

/// The replay: every metric, math and composite alarm of the state, in
/// name order.
pub struct Replay<'a> {
    fetch: &'a Fetch,
    case: Case,
    metrics: BTreeMap<MetricKey, Prepared>,
    fixed: BTreeMap<FixedKey, Series>,
}

impl<'a> Replay<'a> {
    /// Prepares the answers of `fetch`.
    pub fn new(fetch: &'a Fetch, answers: &Answers) -> Self {
        let (metrics, fixed) = data(fetch, answers);
        let case = Case {
            test: "backtest".into(),
            env: fetch.state.env.clone(),
            service: None,
            origin: crate::diagnostic::Origin {
                file: 0,
                pointer: String::new(),
            },
            logs: Vec::new(),
            samples: Vec::new(),
            sets: Vec::new(),
            bands: BTreeMap::new(),
            quotas: BTreeMap::new(),
            insight_rules: BTreeMap::new(),
            query_results: BTreeMap::new(),
            start: fetch.epoch / 1000,
            checks: Vec::new(),
            horizon: (fetch.window.end - fetch.epoch) / 1000,
        };
        Replay {
            fetch,
            case,
            metrics,
            fixed,
        }
    }

    /// Replays every alarm; `history` gives AWS's transitions of the
    /// alarms that exist live (over `[epoch, window end]`).
    pub fn run(
        &self,
        flap_window: i64,
        history: &BTreeMap<String, Vec<AlarmTransition>>,
    ) -> Vec<AlarmReplay> {
        let sim = Simulation::replay(
            &self.fetch.state,
            &self.case,
            self.metrics.clone(),
            self.fixed.clone(),
        );
        let mut out = Vec::new();
        for ((kind, name), r) in &self.fetch.state.resources {
            let kind_text = match (kind, r) {
                (Kind::MetricAlarm, Resource::MetricAlarm(a))
                    if a.threshold_metric_id.is_some() =>
                {
                    "anomaly"
                }
                (Kind::MetricAlarm, Resource::MetricAlarm(a)) if !a.metrics.is_empty() => "math",
                (Kind::MetricAlarm, _) => "metric",
                (Kind::CompositeAlarm, _) => "composite",
                _ => continue,
            };
            let attribution = self
                .fetch
                .state
                .attribution
                .get(&(*kind, name.clone()))
                .cloned()
                .unwrap_or_default();
            let mut replay = AlarmReplay {
                alarm: name.clone(),
                kind: kind_text,
                template: attribution.entry,
                service: attribution.service,
                skipped: None,
                approximations: self.fetch.notes.get(name).cloned().unwrap_or_default(),
                alarms: 0,
                alarm_seconds: 0,
                flaps: 0,
                notifications: BTreeMap::new(),
                transitions: Vec::new(),
                agreement: None,
            };
            if let Some(why) = self.skipped(name) {
                replay.skipped = Some(why);
                out.push(replay);
                continue;
            }
            match sim.timeline(name) {
                Ok(timeline) => {
                    self.count(&sim, name, &timeline, flap_window, &mut replay);
                    if let Some(h) = history.get(name) {
                        replay.agreement = Some(self.agree(&sim, name, &timeline, h));
                    }
                }
                Err(e) => replay.skipped = Some(e),
            }
            out.push(replay);
        }
        out
    }

    /// Why an alarm (or a composite's child) is not replayed.
    fn skipped(&self, name: &str) -> Option<String> {
        if let Some(why) = self.fetch.skipped.get(name) {
            return Some(why.clone());
        }
        let key = (Kind::CompositeAlarm, name.to_string());
        let Some(Resource::CompositeAlarm(c)) = self.fetch.state.resources.get(&key) else {
            return None;
        };
        let rule = crate::engine::alarm::composite::Rule::parse(&c.alarm_rule).ok()?;
        rule.children().into_iter().find_map(|child| {
            self.skipped(&child)
                .map(|why| format!("child {child} not replayed ({why})"))
        })
    }

    /// The starts of the periods a metric alarm's evaluation at `t` reads
    /// (Evaluation Periods of them, newest first).
    fn newest_periods(&self, name: &str, t: i64) -> Vec<i64> {
        let key = (Kind::MetricAlarm, name.to_string());
        let Some(Resource::MetricAlarm(a)) = self.fetch.state.resources.get(&key) else {
            return Vec::new();
        };
        let period = i64::from(
            a.period
                .or_else(|| {
                    a.metrics
                        .iter()
                        .find_map(|q| Some(q.metric_stat.as_ref()?.period))
                })
                .unwrap_or(60),
        );
        (1..=i64::from(a.evaluation_periods))
            .map(|k| t - k * period)
            .collect()
    }

    /// Seconds from `t = 0` of a time in ms.
    fn rel(&self, ms: i64) -> i64 {
        (ms - self.fetch.epoch) / 1000
    }
    fn abs(&self, t: i64) -> i64 {
        self.fetch.epoch + t * 1000
    }

    fn count(
        &self,
        sim: &Simulation<'_>,
        name: &str,
        timeline: &Timeline,
        flap_window: i64,
        replay: &mut AlarmReplay,
    ) {
        let (from, to) = (
            self.rel(self.fetch.window.start),
            self.rel(self.fetch.window.end),
        );
        let all = transitions(timeline);
        let inside: Vec<(i64, State)> = all
            .iter()
            .copied()
            .filter(|(t, _)| *t > from && *t <= to)
            .collect();
        replay.transitions = inside
            .iter()
            .map(|(t, s)| (self.abs(*t), state_name(*s)))
            .collect();
        replay.alarms = inside.iter().filter(|(_, s)| *s == State::Alarm).count();
        // Time in ALARM: from the state at the window's start.
        let mut current = state_at(timeline, from);
        let mut since = from;
        for &(t, s) in &inside {
            if current == State::Alarm {
                replay.alarm_seconds += t - since;
            }
            current = s;
            since = t;
        }
        if current == State::Alarm {
            replay.alarm_seconds += to - since;
        }
        // Flaps: an ALARM↔OK change within the flap window of the previous one.
        let mut last: Option<i64> = None;
        for &(t, s) in &inside {
            if s == State::InsufficientData {
                continue;
            }
            if last.is_some_and(|l| t - l <= flap_window) {
                replay.flaps += 1;
            }
            last = Some(t);
        }
        // Notifications: the SNS actions taken on each change.
        let Some(alarm) = sim.alarm(name) else { return };
        let taken: Vec<Option<i64>> = match alarm {
            AlarmRef::Composite(c) => sim
                .action_times(c, &all)
                .unwrap_or_else(|_| all.iter().map(|(t, _)| Some(*t)).collect()),
            AlarmRef::Metric(_) | AlarmRef::Log(_) => all.iter().map(|(t, _)| Some(*t)).collect(),
        };
        for ((_, state), at) in all.iter().zip(taken) {
            if !at.is_some_and(|at| at > from && at <= to) {
                continue;
            }
            let (enabled, actions) = alarm.actions(*state);
            if !enabled {
                continue;
            }
            for a in actions
                .iter()
                .filter(|a| a.starts_with("arn:aws") && a.contains(":sns:"))
            {
                let topic = a.rsplit(':').next().unwrap_or(a).to_string();
                *replay.notifications.entry(topic).or_default() += 1;
            }
        }
    }

    fn agree(
        &self,
        sim: &Simulation<'_>,
        name: &str,
        timeline: &Timeline,
        history: &[AlarmTransition],
    ) -> Agreement {
        let (start, end) = (self.fetch.window.start, self.fetch.window.end);
        let mut aws: Vec<(i64, State, State, &AlarmTransition)> = history
            .iter()
            .filter_map(|h| {
                let new = aws_state(h.new_state?);
                let old = h.old_state.map_or(State::InsufficientData, aws_state);
                Some((h.time, old, new, h))
            })
            .collect();
        aws.sort_by_key(|a| a.0);
        let mut out = Agreement::default();
        // AWS's transitions in the window.
        for &(time, old, new, h) in aws.iter().filter(|a| a.0 >= start && a.0 <= end) {
            out.total += 1;
            let t = self.rel(time);
            let engine = state_at(timeline, t);
            let engine_next = state_at(timeline, t + 60);
            if engine == new || engine_next == new {
                out.agreed += 1;
                continue;
            }
            let datapoints: Vec<(i64, Option<f64>, Option<f64>)> = h
                .evaluated
                .iter()
                .map(|p| {
                    (
                        p.timestamp,
                        p.value,
                        sim.datapoint(name, self.rel(p.timestamp)),
                    )
                })
                .collect();
            let same = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
                (None, None) => true,
                _ => false,
            };
            let late = datapoints.iter().any(|(_, a, b)| !same(*a, *b));
            out.disagreements.push(Disagreement {
                time,
                aws: format!("{} → {}", old.as_str(), new.as_str()),
                engine: format!("{} (stays)", engine.as_str()),
                cause: if late { Cause::LateData } else { Cause::Engine },
                datapoints,
            });
        }
        // The engine's transitions AWS did not make (none within two
        // minutes to the same state).
        let aws_at = |t_ms: i64| -> Option<State> {
            aws.iter()
                .rev()
                .find(|a| a.0 <= t_ms)
                .map(|a| a.2)
                .or_else(|| aws.first().map(|a| a.1))
        };
        let mut previous = state_at(timeline, self.rel(start));
        for (t, s) in transitions(timeline) {
            let ms = self.abs(t);
            if ms <= start || ms > end {
                continue;
            }
            let before = previous;
            previous = s;
            let matched = aws.iter().any(|a| (a.0 - ms).abs() <= 120_000 && a.2 == s);
            if matched {
                continue;
            }
            out.total += 1;
            out.disagreements.push(Disagreement {
                time: ms,
                aws: match aws_at(ms) {
                    Some(a) => format!("no change ({})", a.as_str()),
                    None => "no change".into(),
                },
                engine: format!("{} → {}", before.as_str(), s.as_str()),
                cause: Cause::NoAwsTransition,
                datapoints: self
                    .newest_periods(name, t)
                    .into_iter()
                    .map(|p| (self.abs(p), None, sim.datapoint(name, p)))
                    .collect(),
            });
        }
        out.disagreements.sort_by_key(|d| d.time);
        out
    }
}
