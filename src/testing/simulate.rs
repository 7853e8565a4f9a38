//! Runs one case against one environment's desired state: log events go
//! through the metric filters (the filter-pattern engine), samples are
//! aggregated per alarm period, and every alarm's state is computed over
//! time (the alarm engine). An alarm can be replaced by a mutant.

use super::case::{Case, LogBatch, Sample};
use crate::compile::DesiredState;
use crate::engine::alarm::{
    self, Comparison, MissingData, Rule, Series, State, Statistic, Threshold, composite,
    math::{Expr, External},
};
use crate::engine::filter_pattern::Pattern;
use crate::resource::{CompositeAlarm, LogAlarm, MetricAlarm, MetricFilter, Resource};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// The state of one alarm over time: `(time, state)` after each evaluation,
/// in time order. Before the first evaluation an alarm is INSUFFICIENT_DATA.
pub type Timeline = Vec<(i64, State)>;

/// The state at time `t`.
pub fn state_at(timeline: &Timeline, t: i64) -> State {
    timeline
        .iter()
        .take_while(|(time, _)| *time <= t)
        .last()
        .map_or(State::InsufficientData, |(_, s)| *s)
}

/// State changes: `(time, new state)`, starting from INSUFFICIENT_DATA.
pub fn transitions(timeline: &Timeline) -> Vec<(i64, State)> {
    let mut out = Vec::new();
    let mut current = State::InsufficientData;
    for &(t, s) in timeline {
        if s != current {
            out.push((t, s));
            current = s;
        }
    }
    out
}

/// Filters of an environment, parsed once.
pub struct Filters {
    /// By full filter name: the filter and its parsed pattern (None when it
    /// does not parse; validate reports it).
    pub by_name: BTreeMap<String, (MetricFilter, Option<Pattern>)>,
    /// Filter names by log group.
    pub by_group: BTreeMap<String, Vec<String>>,
}

impl Filters {
    /// Parses every metric filter of `state`.
    pub fn new(state: &DesiredState) -> Self {
        let by_name = state
            .resources
            .values()
            .filter_map(|r| {
                let Resource::MetricFilter(f) = r else {
                    return None;
                };
                Some((
                    f.filter_name.clone(),
                    ((**f).clone(), Pattern::parse(&f.filter_pattern).ok()),
                ))
            })
            .collect::<BTreeMap<_, _>>();
        let mut by_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, (f, _)) in &by_name {
            by_group
                .entry(f.log_group_name.clone())
                .or_default()
                .push(name.clone());
        }
        Filters { by_name, by_group }
    }

    /// What a filter publishes for one line: `None` when it does not match
    /// (or the event publishes nothing), else value and dimensions.
    pub fn publish(&self, name: &str, line: &str) -> Option<(f64, BTreeMap<String, String>)> {
        let (f, pattern) = self.by_name.get(name)?;
        publish(f, pattern.as_ref()?, line)
    }
}

fn publish(
    f: &MetricFilter,
    pattern: &Pattern,
    line: &str,
) -> Option<(f64, BTreeMap<String, String>)> {
    let m = pattern.matches(line)?;
    let t = f.metric_transformations.first()?;
    let value = m.value(&t.metric_value)?;
    let mut dims = BTreeMap::new();
    for (k, spec) in &t.dimensions {
        dims.insert(k.clone(), m.text(spec)?);
    }
    Some((value, dims))
}

/// A metric's identity: namespace, name, dimensions (sorted by name).
pub type MetricKey = (String, String, Vec<(String, String)>);

/// Datapoints given whole for one metric, period, statistic (its
/// `Display` text) and grid shift: what cannot be aggregated from finer
/// data (a percentile fetched per evaluation offset, for the backtest).
pub type FixedKey = (MetricKey, u32, String, i64);

/// A simulation of one case.
pub struct Simulation<'a> {
    state: &'a DesiredState,
    case: &'a Case,
    /// A mutant replacing the alarm of the same name.
    mutant: Option<Mutant<'a>>,
    /// Each metric's samples and statistic sets (the test's and what the
    /// filters publish), ready to aggregate on any period grid.
    metrics: BTreeMap<MetricKey, alarm::Prepared>,
    /// Series given whole (they replace the aggregation of `metrics`).
    fixed: BTreeMap<FixedKey, Series>,
    timelines: RefCell<BTreeMap<String, Result<Timeline, String>>>,
    /// The end of the simulated time.
    pub horizon: i64,
}

impl<'a> Simulation<'a> {
    /// Builds the metric data of a case: its samples plus what the
    /// environment's filters publish for its log events.
    pub fn new(
        state: &'a DesiredState,
        filters: &Filters,
        case: &'a Case,
        mutant: Option<Mutant<'a>>,
    ) -> Self {
        let mut samples: BTreeMap<_, Vec<(i64, f64)>> = BTreeMap::new();
        let mut add = |s: &Sample| {
            let key = (
                s.namespace.clone(),
                s.metric.clone(),
                s.dimensions.clone().into_iter().collect::<Vec<_>>(),
            );
            samples.entry(key).or_default().push((s.t, s.value));
        };
        for s in &case.samples {
            add(s);
        }
        for s in filter_samples(filters, &case.logs) {
            add(&s);
        }
        let mut sets: BTreeMap<MetricKey, Vec<alarm::StatSet>> = BTreeMap::new();
        for s in &case.sets {
            let key = (
                s.namespace.clone(),
                s.metric.clone(),
                s.dimensions.clone().into_iter().collect::<Vec<_>>(),
            );
            sets.entry(key).or_default().push(s.set);
        }
        let keys: BTreeSet<&MetricKey> = samples.keys().chain(sets.keys()).collect();
        let metrics = keys
            .into_iter()
            .map(|k| {
                let no_samples = Vec::new();
                let no_sets = Vec::new();
                let prepared = alarm::Prepared::new(
                    samples.get(k).unwrap_or(&no_samples),
                    sets.get(k).unwrap_or(&no_sets),
                );
                (k.clone(), prepared)
            })
            .collect();
        let horizon = case.horizon;
        Simulation {
            state,
            case,
            mutant,
            metrics,
            fixed: BTreeMap::new(),
            timelines: RefCell::new(BTreeMap::new()),
            horizon,
        }
    }

    /// A simulation of data read from the account (the backtest): each
    /// metric's datapoints prepared (per-minute statistic sets), and the
    /// series that are given whole. `case` gives the start (its `start`
    /// is the Unix time of `t = 0`) and the end (`horizon`); its samples and
    /// logs are not read.
    pub fn replay(
        state: &'a DesiredState,
        case: &'a Case,
        metrics: BTreeMap<MetricKey, alarm::Prepared>,
        fixed: BTreeMap<FixedKey, Series>,
    ) -> Self {
        Simulation {
            state,
            case,
            mutant: None,
            metrics,
            fixed,
            timelines: RefCell::new(BTreeMap::new()),
            horizon: case.horizon,
        }
    }

    /// The datapoint a metric alarm compares for the period starting at
    /// `start` (seconds from `t = 0`), as the data gives it: what AWS's
    /// `evaluatedDatapoints` are compared with. `None` for a missing
    /// datapoint, an alarm that is not a metric alarm, or an error.
    pub fn datapoint(&self, name: &str, start: i64) -> Option<f64> {
        let Some(AlarmRef::Metric(a)) = self.alarm(name) else {
            return None;
        };
        let (period, metric_alarm) = if a.metrics.is_empty() {
            (a.period.unwrap_or(60), true)
        } else {
            (math_period(a), false)
        };
        let p = i64::from(period.max(1));
        let shift = (p - start.rem_euclid(p)).rem_euclid(p);
        let index = usize::try_from((start + shift) / p).ok()?;
        let grid = (shift, index + 1);
        let series = if metric_alarm {
            let stat_text = a
                .statistic
                .as_deref()
                .or(a.extended_statistic.as_deref())
                .unwrap_or("Average");
            let stat: Statistic = stat_text.parse().ok()?;
            let metric = (
                a.namespace.as_deref().unwrap_or_default(),
                a.metric_name.as_deref().unwrap_or_default(),
                a.dimensions.as_slice(),
            );
            self.series(metric, period, stat, grid).0
        } else {
            let mut plan = self.math_plan(a).ok()?;
            self.math(a, &mut plan, period, grid).ok()?
        };
        series.get(index).copied().flatten()
    }

    /// The timeline of an alarm (metric or composite), or why it cannot be
    /// computed (a missing anomaly band, an expression obsctl cannot evaluate).
    pub fn timeline(&self, name: &str) -> Result<Timeline, String> {
        if let Some(t) = self.timelines.borrow().get(name) {
            return t.clone();
        }
        // Guard against cycles (validate rejects them; a mutant never adds one).
        self.timelines.borrow_mut().insert(
            name.to_string(),
            Err(format!("alarm `{name}` depends on itself")),
        );
        let result = match self.alarm(name) {
            Some(AlarmRef::Metric(a)) => self.metric_timeline(a),
            Some(AlarmRef::Composite(c)) => self.composite_timeline(c),
            Some(AlarmRef::Log(a)) => self.log_timeline(a),
            None => Err(format!("no alarm `{name}` in this environment")),
        };
        self.timelines
            .borrow_mut()
            .insert(name.to_string(), result.clone());
        result
    }

    /// The alarm resource by name (the mutant when it is the one replaced).
    pub fn alarm(&self, name: &str) -> Option<AlarmRef<'a>> {
        match self.mutant {
            Some(Mutant::Metric(m)) if m.alarm_name == name => return Some(AlarmRef::Metric(m)),
            Some(Mutant::Log(m)) if m.alarm_name == name => return Some(AlarmRef::Log(m)),
            _ => {}
        }
        if let Some(Resource::LogAlarm(a)) = self
            .state
            .resources
            .get(&(crate::resource::Kind::LogAlarm, name.to_string()))
        {
            return Some(AlarmRef::Log(a));
        }
        let key = |k| (k, name.to_string());
        match self
            .state
            .resources
            .get(&key(crate::resource::Kind::MetricAlarm))
        {
            Some(Resource::MetricAlarm(a)) => Some(AlarmRef::Metric(a)),
            _ => match self
                .state
                .resources
                .get(&key(crate::resource::Kind::CompositeAlarm))
            {
                Some(Resource::CompositeAlarm(c)) => Some(AlarmRef::Composite(c)),
                _ => None,
            },
        }
    }

    /// One metric's datapoints on the period grid with `shift` (see
    /// [`alarm::shift_at`]): `periods` values, and the sample count of each.
    fn series(
        &self,
        metric: (&str, &str, &[crate::resource::Dimension]),
        period: u32,
        stat: Statistic,
        (shift, periods): (i64, usize),
    ) -> (Series, Vec<usize>) {
        let (ns, name, dims) = metric;
        let key = (
            ns.to_string(),
            name.to_string(),
            dims.iter()
                .map(|d| (d.name.clone(), d.value.clone()))
                .collect::<Vec<_>>(),
        );
        let fixed = self
            .fixed
            .get(&(key.clone(), period, stat.to_string(), shift));
        match (fixed, self.metrics.get(&key)) {
            (Some(s), m) => {
                let mut s = s.clone();
                s.resize(periods, None);
                let counts = m.map_or_else(
                    || vec![0; periods],
                    |m| m.sample_counts(period, shift, periods),
                );
                (s, counts)
            }
            (None, Some(m)) => (
                m.aggregate(period, shift, periods, stat),
                m.sample_counts(period, shift, periods),
            ),
            (None, None) => (vec![None; periods], vec![0; periods]),
        }
    }

    /// The last evaluation time simulated: the test's end (which includes
    /// every `at:`, `notifies_at:` and `notifies_by:` it names).
    fn until(&self) -> i64 {
        self.horizon
    }

    fn metric_timeline(&self, a: &MetricAlarm) -> Result<Timeline, String> {
        let comparison: Comparison = a
            .comparison_operator
            .parse()
            .map_err(|_| format!("unknown comparison `{}`", a.comparison_operator))?;
        let treat_missing: MissingData = a
            .treat_missing_data
            .parse()
            .map_err(|_| format!("unknown missing-data treatment `{}`", a.treat_missing_data))?;
        // "Alarms that evaluate metrics in the AWS/DynamoDB namespace always
        // ignore missing data even if you choose a different option"
        // (PutMetricAlarm TreatMissingData; "Configuring how CloudWatch
        // alarms treat missing data"). Math alarms reading a DynamoDB metric
        // too: see `rules::missing_data`.
        let treat_missing = if a.always_ignores_missing_data() {
            MissingData::Ignore
        } else {
            treat_missing
        };
        let n = a.evaluation_periods as usize;
        let m = a.datapoints_to_alarm.map_or(n, |m| m as usize);
        let rule = Rule {
            evaluation_periods: n,
            datapoints_to_alarm: m,
            comparison,
            threshold: Threshold::Static(a.threshold.unwrap_or(0.0)),
            treat_missing,
        };
        // Every minute on a sliding window (PutMetricAlarm's default
        // EvaluationWindow; obsctl sets no other): see `engine::alarm::schedule`.
        let window = alarm::Window::Sliding;
        if a.metrics.is_empty() {
            let period = a.period.unwrap_or(60);
            let stat_text = a
                .statistic
                .as_deref()
                .or(a.extended_statistic.as_deref())
                .unwrap_or("Average");
            let stat: Statistic = stat_text
                .parse()
                .map_err(|_| format!("unknown statistic `{stat_text}`"))?;
            let metric = (
                a.namespace.as_deref().unwrap_or_default(),
                a.metric_name.as_deref().unwrap_or_default(),
                a.dimensions.as_slice(),
            );
            let ignore_low = low_sample_ignored(a, stat);
            alarm::evaluate_schedule(
                &rule,
                period,
                window,
                (self.case.start, self.until()),
                |shift, periods| {
                    let (series, counts) = self.series(metric, period, stat, (shift, periods));
                    let significant = match (ignore_low, stat) {
                        (true, Statistic::Percentile(p)) => Some(
                            counts
                                .iter()
                                .map(|&c| alarm::is_significant(p, c))
                                .collect::<Vec<bool>>(),
                        ),
                        _ => None,
                    };
                    Ok(alarm::Grid {
                        series,
                        band: None,
                        significant,
                    })
                },
            )
        } else {
            let period = math_period(a);
            let band = match &a.threshold_metric_id {
                Some(_) => Some(self.case.bands.get(&a.alarm_name).cloned().ok_or_else(|| {
                    format!(
                        "anomaly alarm `{}` needs its band in the test's `bands`",
                        a.alarm_name
                    )
                })?),
                None => None,
            };
            let mut plan = self.math_plan(a)?;
            alarm::evaluate_schedule(
                &rule,
                period,
                window,
                (self.case.start, self.until()),
                |shift, periods| {
                    Ok(alarm::Grid {
                        series: self.math(a, &mut plan, period, (shift, periods))?,
                        // The band the test gives per period, read at the period
                        // in which each datapoint ends (the band in force when
                        // the alarm evaluates it).
                        band: band.clone(),
                        significant: None,
                    })
                },
            )
        }
    }

    /// What an alarm plot shows of a metric alarm: its period and the
    /// datapoints it evaluates on the grid that starts at the test's 0
    /// (datapoint `k` covers `[k·Period, (k + 1)·Period)`), up to the
    /// test's end.
    pub fn datapoints(&self, a: &'a MetricAlarm) -> Result<(u32, Series), String> {
        if a.metrics.is_empty() {
            let period = a.period.unwrap_or(60);
            let periods = periods_until(period, self.until());
            let stat_text = a
                .statistic
                .as_deref()
                .or(a.extended_statistic.as_deref())
                .unwrap_or("Average");
            let stat: Statistic = stat_text
                .parse()
                .map_err(|_| format!("unknown statistic `{stat_text}`"))?;
            let metric = (
                a.namespace.as_deref().unwrap_or_default(),
                a.metric_name.as_deref().unwrap_or_default(),
                a.dimensions.as_slice(),
            );
            Ok((period, self.series(metric, period, stat, (0, periods)).0))
        } else {
            let period = math_period(a);
            let periods = periods_until(period, self.until());
            let mut plan = self.math_plan(a)?;
            Ok((period, self.math(a, &mut plan, period, (0, periods))?))
        }
    }

    /// The raw samples (the test's and those its log lines publish) of
    /// each metric an alarm reads: `namespace metric` label and samples.
    pub fn inputs(&self, a: &MetricAlarm) -> Vec<(String, Vec<(i64, f64)>)> {
        let mut metrics: Vec<(&str, &str, &[crate::resource::Dimension])> = Vec::new();
        if a.metrics.is_empty() {
            metrics.push((
                a.namespace.as_deref().unwrap_or_default(),
                a.metric_name.as_deref().unwrap_or_default(),
                a.dimensions.as_slice(),
            ));
        }
        for q in &a.metrics {
            if let Some(ms) = &q.metric_stat {
                metrics.push((
                    ms.metric.namespace.as_str(),
                    ms.metric.metric_name.as_str(),
                    ms.metric.dimensions.as_slice(),
                ));
            }
        }
        metrics
            .into_iter()
            .map(|(ns, name, dims)| {
                let key = (
                    ns.to_string(),
                    name.to_string(),
                    dims.iter()
                        .map(|d| (d.name.clone(), d.value.clone()))
                        .collect::<Vec<_>>(),
                );
                let samples = self
                    .metrics
                    .get(&key)
                    .map(|m| m.samples().to_vec())
                    .unwrap_or_default();
                (format!("{ns} {name}"), samples)
            })
            .collect()
    }

    /// A math (or anomaly) alarm's queries, parsed once: metric queries
    /// with their statistic, expressions, what the queries cannot give (the
    /// test's band, quotas and Contributor Insights metrics), and the id of
    /// the returned series.
    fn math_plan(&self, a: &'a MetricAlarm) -> Result<MathPlan<'a>, String> {
        let mut metrics = Vec::new();
        let mut exprs = Vec::new();
        for q in &a.metrics {
            if let Some(ms) = &q.metric_stat {
                let stat: Statistic = ms
                    .stat
                    .parse()
                    .map_err(|_| format!("unknown statistic `{}`", ms.stat))?;
                metrics.push((q.id.as_str(), ms, stat));
            }
            if let Some(expr) = &q.expression {
                if a.threshold_metric_id.as_deref() == Some(q.id.as_str()) {
                    continue; // The band: supplied by the test.
                }
                let parsed = Expr::parse(expr).map_err(|e| math_error(&q.id, expr, &e))?;
                exprs.push((q.id.as_str(), expr.as_str(), parsed));
            }
        }
        // What the queries cannot give: the test's start (time functions),
        // its band (ANOMALY_DETECTION_BAND inside an expression), quotas of
        // the alarm's usage metrics and Contributor Insights metrics.
        let quotas = a
            .metrics
            .iter()
            .filter_map(|q| {
                let m = &q.metric_stat.as_ref()?.metric;
                let key = (
                    m.namespace.clone(),
                    m.metric_name.clone(),
                    m.dimensions
                        .iter()
                        .map(|d| (d.name.clone(), d.value.clone()))
                        .collect::<Vec<_>>(),
                );
                Some((q.id.clone(), self.case.quotas.get(&key)?.clone()))
            })
            .collect();
        let external = External {
            start: self.case.start,
            band: self.case.bands.get(&a.alarm_name).cloned(),
            quotas,
            insight_rules: self
                .case
                .insight_rules
                .iter()
                .map(|(k, s)| (k.clone(), s.clone()))
                .collect(),
        };
        let returned = a
            .metrics
            .iter()
            .filter(|q| q.return_data && a.threshold_metric_id.as_deref() != Some(q.id.as_str()))
            .map(|q| q.id.as_str())
            .next()
            .ok_or_else(|| format!("alarm `{}` returns no series", a.alarm_name))?;
        Ok(MathPlan {
            metrics,
            exprs,
            external,
            returned,
        })
    }

    /// Evaluates a math (or anomaly) alarm's queries on the period grid
    /// with `shift`; returns the series the alarm compares.
    fn math(
        &self,
        a: &MetricAlarm,
        plan: &mut MathPlan<'_>,
        period: u32,
        grid: (i64, usize),
    ) -> Result<Series, String> {
        let (shift, n) = grid;
        let mut inputs: Vec<(String, Series)> = Vec::new();
        for (id, ms, stat) in &plan.metrics {
            let metric = (
                ms.metric.namespace.as_str(),
                ms.metric.metric_name.as_str(),
                ms.metric.dimensions.as_slice(),
            );
            let (s, _) = self.series(metric, ms.period, *stat, grid);
            inputs.push((id.to_string(), s));
        }
        // Datapoint 0 of the grid starts `shift` seconds before the test.
        plan.external.start = self.case.start - shift;
        for (id, expr, parsed) in &plan.exprs {
            let s = parsed
                .eval_with(&inputs, period, n, &plan.external)
                .map_err(|e| math_error(id, expr, &e))?;
            inputs.push((id.to_string(), s));
        }
        inputs
            .into_iter()
            .find(|(id, _)| id == plan.returned)
            .map(|(_, s)| s)
            .ok_or_else(|| format!("alarm `{}`: no query `{}`", a.alarm_name, plan.returned))
    }

    /// A log alarm over the test's log events ([`super::log_alarm`]).
    fn log_timeline(&self, a: &LogAlarm) -> Result<Timeline, String> {
        super::log_alarm::timeline(
            a,
            &self.case.logs,
            self.case.query_results.get(&a.alarm_name),
            self.until(),
        )
    }

    fn composite_timeline(&self, c: &CompositeAlarm) -> Result<Timeline, String> {
        let rule = composite::Rule::parse(&c.alarm_rule)
            .map_err(|e| format!("rule `{}`: {}", c.alarm_rule, e.message))?;
        let mut children = BTreeMap::new();
        for child in rule.children() {
            let t = self.timeline(&child)?;
            children.insert(child, t);
        }
        let mut times: Vec<i64> = children.values().flatten().map(|(t, _)| *t).collect();
        times.sort_unstable();
        times.dedup();
        Ok(times
            .into_iter()
            .map(|t| {
                let state_of = |name: &str| {
                    children
                        .get(name)
                        .map_or(State::InsufficientData, |tl| state_at(tl, t))
                };
                let s = if rule.eval(&state_of) {
                    State::Alarm
                } else {
                    State::Ok
                };
                (t, s)
            })
            .collect())
    }

    /// When the actions of each of the composite's state `changes` are taken
    /// ([`composite::action_times`]): as it changes without an actions
    /// suppressor, else after the WaitPeriod or ExtensionPeriod, or never.
    pub fn action_times(
        &self,
        c: &CompositeAlarm,
        changes: &[(i64, State)],
    ) -> Result<Vec<Option<i64>>, String> {
        let Some(suppressor) = &c.actions_suppressor else {
            return Ok(changes.iter().map(|(t, _)| Some(*t)).collect());
        };
        let name = suppressor.rsplit(':').next().unwrap_or(suppressor);
        let tl = self.timeline(name)?;
        Ok(composite::action_times(
            changes,
            &transitions(&tl),
            c.actions_suppressor_wait_period.unwrap_or(0),
            c.actions_suppressor_extension_period.unwrap_or(0),
        ))
    }
}

/// An alarm of any kind.
#[derive(Clone, Copy)]
pub enum AlarmRef<'a> {
    /// Metric, math or anomaly alarm.
    Metric(&'a MetricAlarm),
    /// Composite alarm.
    Composite(&'a CompositeAlarm),
    /// Log alarm.
    Log(&'a LogAlarm),
}

/// A changed alarm that replaces the one of its name (`--mutate`).
#[derive(Clone, Copy)]
pub enum Mutant<'a> {
    /// A metric alarm's mutant.
    Metric(&'a MetricAlarm),
    /// A log alarm's mutant.
    Log(&'a LogAlarm),
}

impl AlarmRef<'_> {
    /// Actions enabled, and the actions for a state.
    pub fn actions(&self, state: State) -> (bool, Vec<String>) {
        let (enabled, ok, alarm, insufficient) = match self {
            AlarmRef::Metric(a) => (
                a.actions_enabled,
                &a.ok_actions,
                &a.alarm_actions,
                &a.insufficient_data_actions,
            ),
            AlarmRef::Composite(c) => (
                c.actions_enabled,
                &c.ok_actions,
                &c.alarm_actions,
                &c.insufficient_data_actions,
            ),
            AlarmRef::Log(a) => (
                a.actions_enabled,
                &a.ok_actions,
                &a.alarm_actions,
                &a.insufficient_data_actions,
            ),
        };
        let list = match state {
            State::Ok => ok,
            State::Alarm => alarm,
            State::InsufficientData => insufficient,
        };
        (enabled, list.clone())
    }
}

/// A math alarm's queries, parsed once for all its period grids.
struct MathPlan<'a> {
    metrics: Vec<(&'a str, &'a crate::resource::MetricStat, Statistic)>,
    exprs: Vec<(&'a str, &'a str, Expr)>,
    external: External,
    returned: &'a str,
}

/// A math alarm's period: its first metric query's (all are equal, as
/// `validate` checks); 60 s for an expression-only alarm.
/// Periods of `period` seconds from 0 that cover `(0, until]`.
fn periods_until(period: u32, until: i64) -> usize {
    let p = i64::from(period.max(1));
    usize::try_from(until.max(0) / p + 1).unwrap_or(1)
}

fn math_period(a: &MetricAlarm) -> u32 {
    a.metrics
        .iter()
        .find_map(|q| q.metric_stat.as_ref().map(|s| s.period))
        .unwrap_or(60)
}

/// A math error located in its query and expression: the character it is
/// at, and the expression with a caret under it (indented to line up under
/// the failure's `actual:` value).
fn math_error(id: &str, expr: &str, e: &crate::engine::alarm::math::MathError) -> String {
    let before = expr.get(..e.offset).unwrap_or(expr).chars().count();
    let indent = " ".repeat(14);
    format!(
        "query `{id}`, expression `{expr}`, at character {}: {}\n{indent}{expr}\n{indent}{}^",
        before + 1,
        e.message,
        " ".repeat(before)
    )
}

/// Whether the alarm's configured `EvaluateLowSampleCountPercentile` is
/// `ignore` on a percentile statistic: "If you specify ignore, the alarm
/// state does not change during periods with too few data points to be
/// statistically significant. If you specify evaluate or omit this
/// parameter, the alarm is always evaluated" (PutMetricAlarm; "Percentile-
/// based CloudWatch alarms and low data samples",
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html>).
fn low_sample_ignored(a: &MetricAlarm, stat: Statistic) -> bool {
    matches!(stat, Statistic::Percentile(_))
        && a.evaluate_low_sample_count_percentile.as_deref() == Some("ignore")
}

/// What the metric filters publish for the log events; each distinct line
/// is matched once per filter. A filter with a default value publishes it
/// for each minute in which its log group received events and none
/// matched (AWS: "the value reported to the metric filter during a period
/// when logs are ingested but no matching logs are found").
fn filter_samples(filters: &Filters, logs: &[LogBatch]) -> Vec<Sample> {
    let mut out = Vec::new();
    let groups: BTreeSet<&str> = logs.iter().map(|b| b.group.as_str()).collect();
    let names = groups
        .into_iter()
        .filter_map(|g| filters.by_group.get(g))
        .flatten();
    for (f, pattern) in names.filter_map(|n| filters.by_name.get(n)) {
        let Some(pattern) = pattern else { continue };
        let Some(t) = f.metric_transformations.first() else {
            continue;
        };
        let mut minutes: BTreeMap<i64, bool> = BTreeMap::new();
        for batch in logs.iter().filter(|b| b.group == f.log_group_name) {
            let published: Vec<_> = batch
                .lines
                .iter()
                .filter_map(|line| publish(f, pattern, line))
                .collect();
            for &time in &batch.times {
                let matched = minutes.entry(time.div_euclid(60)).or_insert(false);
                if batch.count == 0 || batch.lines.is_empty() {
                    continue;
                }
                *matched |= !published.is_empty();
                for (value, dimensions) in &published {
                    for _ in 0..batch.count {
                        out.push(Sample {
                            namespace: t.metric_namespace.clone(),
                            metric: t.metric_name.clone(),
                            dimensions: dimensions.clone(),
                            t: time,
                            value: *value,
                        });
                    }
                }
            }
        }
        if let Some(default) = t.default_value.filter(|_| t.dimensions.is_empty()) {
            for (minute, matched) in minutes {
                if !matched {
                    out.push(Sample {
                        namespace: t.metric_namespace.clone(),
                        metric: t.metric_name.clone(),
                        dimensions: BTreeMap::new(),
                        t: minute * 60,
                        value: default,
                    });
                }
            }
        }
    }
    out
}
