//! What an alarm plot shows (`obsctl test --plots`), collected from a
//! case's simulation as plain data: the alarm's input samples, the
//! datapoints it evaluates, its threshold or band and M of N, its state
//! over time, when its notifications are sent, suppressed or muted, and
//! the case's expectations of it (the failed ones with expected and
//! actual). `report::plot` draws it.

use super::case::{Case, Check};
use super::check::{EnvRun, Failure};
use super::simulate::{AlarmRef, Simulation, Timeline, state_at, transitions};
use crate::engine::alarm::{Series, State};

/// What happened to the notification of one state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Its actions ran (at the notice's time).
    Sent,
    /// An actions suppressor held it back (a composite alarm's).
    Suppressed,
    /// A mute window held it back (sent at its end, or never).
    Muted,
}

/// A notification mark: when, for which change, what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Seconds from the test's start.
    pub t: i64,
    /// The state changed to.
    pub state: State,
    /// Sent, suppressed or muted.
    pub mark: Mark,
}

/// One expectation of the case about this alarm.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// When it is checked.
    pub at: i64,
    /// The state expected, if any.
    pub state: Option<State>,
    /// Its failure: what was checked, expected and actual.
    pub failure: Option<(String, String, String)>,
}

/// Everything an alarm plot shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmPlot {
    /// Alarm name.
    pub alarm: String,
    /// The case (`test [env, service]`).
    pub case: String,
    /// The test's end (seconds).
    pub horizon: i64,
    /// What the alarm evaluates, in words (`Average of CatHouse/Services
    /// RequestLatency > 500`), or its rule for a composite.
    pub rule: String,
    /// Period of the datapoints (metric alarms).
    pub period: Option<u32>,
    /// M (datapoints to alarm) and N (evaluation periods).
    pub m_of_n: Option<(usize, usize)>,
    /// Static threshold.
    pub threshold: Option<f64>,
    /// Anomaly band per period (lower, upper).
    pub band: Option<(Series, Series)>,
    /// Input samples per metric.
    pub inputs: Vec<(String, Vec<(i64, f64)>)>,
    /// Datapoints: `k` covers `[k·period, (k + 1)·period)`.
    pub datapoints: Series,
    /// State after each evaluation.
    pub timeline: Timeline,
    /// Notifications of the state changes.
    pub notices: Vec<Notice>,
    /// The case's expectations of this alarm.
    pub expectations: Vec<Expectation>,
    /// Why the alarm cannot be simulated, when it cannot.
    pub error: Option<String>,
}

/// Collects the plot of `alarm` in `case` (its `failures` are the case's).
pub fn collect(env: &EnvRun, case: &Case, alarm: &str, failures: &[Failure]) -> AlarmPlot {
    let sim = Simulation::new(env.state, &env.filters, case, None);
    let mut plot = AlarmPlot {
        alarm: alarm.to_string(),
        case: case.name(),
        horizon: sim.horizon,
        rule: String::new(),
        period: None,
        m_of_n: None,
        threshold: None,
        band: None,
        inputs: Vec::new(),
        datapoints: Vec::new(),
        timeline: Vec::new(),
        notices: Vec::new(),
        expectations: expectations(case, alarm, failures, sim.horizon),
        error: None,
    };
    let Some(r) = sim.alarm(alarm) else {
        plot.error = Some(format!("no alarm `{alarm}` in this environment"));
        return plot;
    };
    match r {
        AlarmRef::Metric(a) => {
            let n = a.evaluation_periods as usize;
            plot.m_of_n = Some((a.datapoints_to_alarm.map_or(n, |m| m as usize), n));
            plot.threshold = a.threshold;
            plot.band = case.bands.get(alarm).cloned();
            let stat = a
                .statistic
                .as_deref()
                .or(a.extended_statistic.as_deref())
                .unwrap_or("");
            let what = if a.metrics.is_empty() {
                format!(
                    "{stat} of {} {}",
                    a.namespace.as_deref().unwrap_or_default(),
                    a.metric_name.as_deref().unwrap_or_default()
                )
            } else {
                let returned = a.metrics.iter().find(|q| q.return_data);
                match returned.and_then(|q| q.expression.as_deref()) {
                    Some(e) => e.to_string(),
                    None => "metric math".to_string(),
                }
            };
            let bound = match a.threshold {
                Some(t) => format!("{t}"),
                None => "the band".to_string(),
            };
            let op = match a.comparison_operator.as_str() {
                "GreaterThanThreshold" => ">",
                "GreaterThanOrEqualToThreshold" => "≥",
                "LessThanThreshold" => "<",
                "LessThanOrEqualToThreshold" => "≤",
                other => other,
            };
            plot.rule = format!("{what} {op} {bound}");
            plot.inputs = sim.inputs(a);
            match sim.datapoints(a) {
                Ok((period, series)) => {
                    plot.period = Some(period);
                    plot.datapoints = series;
                }
                Err(e) => plot.error = Some(e),
            }
        }
        AlarmRef::Composite(c) => plot.rule = c.alarm_rule.clone(),
        // A log alarm's inputs are query results, not a metric series: the
        // plot shows its rule, M of N and timeline.
        AlarmRef::Log(a) => {
            let n = a.query_results_to_evaluate as usize;
            plot.m_of_n = Some((a.query_results_to_alarm as usize, n));
            plot.threshold = Some(a.threshold);
            plot.rule = format!(
                "{} {} {}",
                a.scheduled_query_configuration.aggregation_expression,
                a.comparison_operator,
                a.threshold
            );
        }
    }
    match sim.timeline(alarm) {
        Ok(timeline) => {
            plot.notices = notices(env, case, &sim, r, &timeline);
            plot.timeline = timeline;
        }
        Err(e) => plot.error = Some(e),
    }
    plot
}

/// The case's expectations of `alarm`, each with its failure.
fn expectations(case: &Case, alarm: &str, failures: &[Failure], horizon: i64) -> Vec<Expectation> {
    case.checks
        .iter()
        .enumerate()
        .filter_map(|(i, check)| match check {
            Check::Alarm {
                alarm: a,
                at,
                state,
                ..
            } if a == alarm => Some(Expectation {
                at: at.unwrap_or(horizon),
                state: *state,
                failure: failures
                    .iter()
                    .find(|f| f.check == i)
                    .map(|f| (f.subject.clone(), f.expected.clone(), f.actual.clone())),
            }),
            Check::Alarm { .. } | Check::Filter { .. } => None,
        })
        .collect()
}

/// What happens to the notification of each state change that has actions.
fn notices(
    env: &EnvRun,
    case: &Case,
    sim: &Simulation,
    r: AlarmRef,
    timeline: &Timeline,
) -> Vec<Notice> {
    let changes = transitions(timeline);
    let taken: Vec<Option<i64>> = match r {
        AlarmRef::Composite(c) => sim
            .action_times(c, &changes)
            .unwrap_or_else(|_| changes.iter().map(|(t, _)| Some(*t)).collect()),
        AlarmRef::Metric(_) | AlarmRef::Log(_) => changes.iter().map(|(t, _)| Some(*t)).collect(),
    };
    let mut out = Vec::new();
    for (i, (t, state)) in changes.iter().enumerate() {
        let (enabled, actions) = r.actions(*state);
        if !enabled || actions.is_empty() {
            continue;
        }
        let Some(due) = taken.get(i).copied().flatten() else {
            out.push(Notice {
                t: *t,
                state: *state,
                mark: Mark::Suppressed,
            });
            continue;
        };
        let delivered = env
            .mutes
            .deliver(&name_of(r), case.start, due, *state, &changes, |t| {
                state_at(timeline, t)
            });
        match delivered {
            Ok(sent) if sent == due => out.push(Notice {
                t: sent,
                state: *state,
                mark: Mark::Sent,
            }),
            Ok(sent) => {
                out.push(Notice {
                    t: due,
                    state: *state,
                    mark: Mark::Muted,
                });
                out.push(Notice {
                    t: sent,
                    state: *state,
                    mark: Mark::Sent,
                });
            }
            Err(_) => out.push(Notice {
                t: due,
                state: *state,
                mark: Mark::Muted,
            }),
        }
    }
    out
}

fn name_of(r: AlarmRef) -> String {
    match r {
        AlarmRef::Metric(a) => a.alarm_name.clone(),
        AlarmRef::Composite(c) => c.alarm_name.clone(),
        AlarmRef::Log(a) => a.alarm_name.clone(),
    }
}
