//! When CloudWatch evaluates a metric alarm, and which datapoints each
//! evaluation reads: the per-minute sliding window.
//!
//! # What AWS documents
//!
//! * "Using Amazon CloudWatch alarms"
//!   (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html>):
//!   "For any period of one minute or longer, an alarm is evaluated every
//!   minute [...]. If the alarm period is 10 seconds or 30 seconds, the alarm
//!   is evaluated every 10 seconds."
//! * "Alarm evaluation window"
//!   (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html>)
//!   and PutMetricAlarm `EvaluationWindow`: "When CloudWatch evaluates a
//!   metric alarm, it retrieves metric data for a time range called the
//!   evaluation window. The length of the window is `Period` multiplied by
//!   `Evaluation Periods`." `SlidingWindow`, the default: "The window
//!   advances each time the alarm is evaluated, forming a rolling time
//!   window"; it "detects breaches as soon as data points cross your
//!   threshold". `WallClockWindow`: "the window is aligned to clock
//!   boundaries that match the period (such as the top of the hour, midnight,
//!   or the start of the calendar week)" and "evaluates complete,
//!   calendar-aligned periods"; periods of 1 minute, 5 minutes, 1 hour,
//!   1 day or 1 week only.
//!
//! # Choices where AWS is silent (not documented)
//!
//! * **Which periods an evaluation at time `T` reads.** With a sliding
//!   window, the most recent datapoint is the period `[T − Period, T)`, the
//!   one before it `[T − 2·Period, T − Period)`, and so on: the period grid
//!   moves with `T`. Reasons: the window "advances each time the alarm is
//!   evaluated" (so it is anchored at the evaluation, not at period
//!   boundaries), and AWS's recorded evaluations (`HistoryData` of
//!   DescribeAlarmHistory: `queryDate` a few seconds after a minute,
//!   `startDate` of the newest datapoint one period before that minute) show
//!   minute-aligned windows ending at the evaluation minute. obsctl assumes
//!   data arrives on time (no ingestion delay): the datapoint ending at `T`
//!   is complete at `T`. Real CloudWatch may evaluate a few seconds later and
//!   may not yet see the newest seconds of data; tests place data at whole
//!   minutes, where this makes no difference.
//! * **Cadence of 20-second alarms.** AWS names 10 s and 30 s; PutMetricAlarm
//!   also accepts 20 s. obsctl evaluates every high-resolution period (below
//!   60 s) every 10 seconds, 20 s included.
//! * **The first evaluations.** Evaluations start one interval after the
//!   test's start (`t = 0`); periods reaching before `t = 0` hold only the
//!   data published since 0 (a partial period is a datapoint, as CloudWatch
//!   aggregates whatever a period holds), and periods entirely before 0 are
//!   missing.
//! * **Multi-day alarms.** "Alarm evaluation", "Example of evaluating a
//!   multi-day alarm": "Multi-day alarms are evaluated once per hour. When
//!   multi-day alarms are evaluated, CloudWatch takes into account only the
//!   metrics up to the current hour at the :00 minute", with evaluations at
//!   10:03, 11:03 and 12:03 in its example. obsctl reads "multi-day" as a
//!   total evaluation period (Period × Evaluation Periods) longer than one
//!   day, evaluates such an alarm at 3 minutes past each UTC hour (the
//!   example's minute), over the periods ending at that hour.
//! * **Wall clock windows.** Evaluations that read the same complete periods
//!   give the same state, so a wall-clock alarm is evaluated at each
//!   boundary of its period (shifted by its time zone's offset): a state
//!   changes only when a period completes.

use super::evaluate::{breaching, evaluate_range};
use super::{DEFAULT_EXTRA_DATAPOINTS, Rule, Series, State, Threshold};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

/// Where an alarm's evaluation window falls (PutMetricAlarm
/// `EvaluationWindow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Window {
    /// `SlidingWindow`, AWS's default: evaluated every minute (every 10 s
    /// below 60 s periods) over the periods ending at the evaluation.
    #[default]
    Sliding,
    /// `WallClockWindow`: complete periods aligned to clock boundaries. A
    /// boundary is where `(t − phase)` is a multiple of the period (`t` in
    /// the caller's time; the caller folds in its epoch and time zone).
    WallClock {
        /// Seconds from the caller's `t = 0` to a period boundary.
        phase: i64,
    },
}

/// Seconds between two evaluations of a sliding-window alarm: 60 for
/// periods of a minute or more, 10 below ("If the alarm period is 10
/// seconds or 30 seconds, the alarm is evaluated every 10 seconds"; 20 s by
/// the same rule, see the module docs).
pub fn interval(period: u32) -> i64 {
    if period >= 60 { 60 } else { 10 }
}

/// Seconds past the hour at which a multi-day alarm evaluates (the AWS
/// example's 10:03, 11:03, 12:03).
pub const MULTI_DAY_DELAY: i64 = 180;

/// Whether an alarm is a multi-day alarm: Period × Evaluation Periods
/// longer than one day ("Multi-day alarms are evaluated once per hour").
pub fn is_multi_day(period: u32, evaluation_periods: usize) -> bool {
    u64::from(period).saturating_mul(evaluation_periods as u64) > 86_400
}

/// When an alarm evaluates in `(0, until]` and the time its newest period
/// ends: `(evaluation, data end)`. `epoch` is the Unix time of `t = 0`
/// (multi-day alarms evaluate on UTC hours).
pub fn evaluations(
    period: u32,
    evaluation_periods: usize,
    window: Window,
    epoch: i64,
    until: i64,
) -> Vec<(i64, i64)> {
    if window == Window::Sliding && is_multi_day(period, evaluation_periods) {
        // The first UTC hour after t = 0 (test time), then every hour.
        let first = 3600 - epoch.rem_euclid(3600);
        let mut out = Vec::new();
        let mut hour = first;
        while hour + MULTI_DAY_DELAY <= until {
            out.push((hour + MULTI_DAY_DELAY, hour));
            hour += 3600;
        }
        return out;
    }
    evaluation_times(period, window, until)
        .into_iter()
        .map(|t| (t, t))
        .collect()
}

/// The evaluation times in `(0, until]`, in order (an alarm that is not
/// multi-day; see [`evaluations`]).
pub fn evaluation_times(period: u32, window: Window, until: i64) -> Vec<i64> {
    let period = i64::from(period.max(1));
    let (first, step) = match window {
        Window::Sliding => (interval(period as u32), interval(period as u32)),
        Window::WallClock { phase } => {
            let first = phase.rem_euclid(period);
            (if first == 0 { period } else { first }, period)
        }
    };
    let mut out = Vec::new();
    let mut t = first;
    while t <= until {
        out.push(t);
        t += step;
    }
    out
}

/// The shift of the period grid read at time `t`: datapoint `k` of the
/// grid with shift `s` covers `[k·Period − s, (k + 1)·Period − s)`, so the
/// datapoint ending at `t` is at index `(t + s) / Period − 1`.
pub fn shift_at(period: u32, t: i64) -> i64 {
    let p = i64::from(period.max(1));
    (p - t.rem_euclid(p)).rem_euclid(p)
}

/// The datapoints of one period grid (one shift), from the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Grid {
    /// One value per period of the grid (index 0 covers
    /// `[−shift, Period − shift)`); `None` = no datapoint.
    pub series: Series,
    /// The anomaly band per period of the grid, for a band threshold.
    pub band: Option<(Series, Series)>,
    /// Per period, whether the datapoint is statistically significant
    /// (`EvaluateLowSampleCountPercentile = ignore`); `None` = always.
    pub significant: Option<Vec<bool>>,
}

/// The state after each evaluation up to `until`: `(time, state)`, starting
/// from INSUFFICIENT_DATA. `grid(shift, datapoints)` gives the datapoints
/// of the grid with that shift (at least `datapoints` of them, see
/// [`shift_at`]); it is asked once per distinct shift.
///
/// Each evaluation reads the evaluation range (Evaluation Periods + 2
/// datapoints, see `evaluate.rs`) ending at the evaluation time and applies
/// [`evaluate_range`]. With significance given, an evaluation whose newest
/// datapoint exists but is not significant leaves the state unchanged, and
/// such datapoints count as missing in every range ("the alarm state does
/// not change during periods with too few data points", PutMetricAlarm).
pub fn evaluate_schedule<E>(
    rule: &Rule,
    period: u32,
    window: Window,
    (epoch, until): (i64, i64),
    mut grid: impl FnMut(i64, usize) -> Result<Grid, E>,
) -> Result<Vec<(i64, State)>, E> {
    let p = i64::from(period.max(1));
    let range = rule
        .evaluation_periods
        .max(1)
        .saturating_add(DEFAULT_EXTRA_DATAPOINTS);
    // Classified datapoints and "ignored" flags per shift.
    let mut grids: BTreeMap<i64, (Vec<Option<bool>>, Vec<bool>)> = BTreeMap::new();
    let mut state = State::InsufficientData;
    let mut out = Vec::new();
    for (t, data_end) in evaluations(period, rule.evaluation_periods, window, epoch, until) {
        let shift = shift_at(period, data_end);
        let (classified, ignored) = match grids.entry(shift) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => {
                let needed = usize::try_from((until + shift) / p + 1).unwrap_or(0);
                v.insert(classify(rule, grid(shift, needed)?))
            }
        };
        let Ok(newest) = usize::try_from((data_end + shift) / p - 1) else {
            continue;
        };
        if !ignored.get(newest).copied().unwrap_or(false) {
            let end = (newest + 1).min(classified.len());
            let start = (newest + 1).saturating_sub(range).min(end);
            let mut window_points: Vec<Option<bool>> = classified[start..end].to_vec();
            // Periods past the caller's data are missing.
            window_points.resize(newest + 1 - start, None);
            state = evaluate_range(rule, &window_points, state);
        }
        out.push((t, state));
    }
    Ok(out)
}

/// A grid's datapoints classified (breaching or not, `None` missing) and
/// which of them are ignored as not significant.
fn classify(rule: &Rule, g: Grid) -> (Vec<Option<bool>>, Vec<bool>) {
    let grid_rule = match g.band {
        Some((lower, upper)) => Rule {
            threshold: Threshold::Band { lower, upper },
            ..rule.clone()
        },
        None => rule.clone(),
    };
    let mut classified = breaching(&grid_rule, &g.series);
    let mut ignored = vec![false; classified.len()];
    if let Some(significant) = &g.significant {
        for (i, d) in classified.iter_mut().enumerate() {
            if d.is_some() && !significant.get(i).copied().unwrap_or(true) {
                *d = None;
                ignored[i] = true;
            }
        }
    }
    (classified, ignored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::alarm::{Comparison, MissingData, Statistic, aggregate};

    fn rule(n: usize, m: usize, treat: MissingData) -> Rule {
        Rule {
            evaluation_periods: n,
            datapoints_to_alarm: m,
            comparison: Comparison::GreaterThanThreshold,
            threshold: Threshold::Static(5.0),
            treat_missing: treat,
        }
    }

    /// The sliding evaluation over raw per-minute samples, Sum statistic.
    fn run(rule: &Rule, period: u32, samples: &[(i64, f64)], until: i64) -> Vec<(i64, State)> {
        evaluate_schedule::<()>(rule, period, Window::Sliding, (0, until), |shift, n| {
            let shifted: Vec<(i64, f64)> = samples.iter().map(|(t, v)| (t + shift, *v)).collect();
            Ok(Grid {
                series: aggregate(&shifted, period, n, Statistic::Sum),
                ..Grid::default()
            })
        })
        .unwrap_or_default()
    }

    fn first_alarm(states: &[(i64, State)]) -> Option<i64> {
        states
            .iter()
            .find(|(_, s)| *s == State::Alarm)
            .map(|(t, _)| *t)
    }

    // "For any period of one minute or longer, an alarm is evaluated every
    // minute"; "If the alarm period is 10 seconds or 30 seconds, the alarm
    // is evaluated every 10 seconds" (Using Amazon CloudWatch alarms).
    #[test]
    fn cadence_every_minute_or_every_ten_seconds() {
        assert_eq!(
            evaluation_times(300, Window::Sliding, 300),
            vec![60, 120, 180, 240, 300]
        );
        assert_eq!(
            evaluation_times(3600, Window::Sliding, 180),
            vec![60, 120, 180]
        );
        assert_eq!(
            evaluation_times(30, Window::Sliding, 40),
            vec![10, 20, 30, 40]
        );
        assert_eq!(evaluation_times(10, Window::Sliding, 20), vec![10, 20]);
        assert_eq!(evaluation_times(20, Window::Sliding, 20), vec![10, 20]);
        assert_eq!(interval(60), 60);
        assert_eq!(interval(86_400), 60);
    }

    // A wall clock window "evaluates complete, calendar-aligned periods"
    // (Alarm evaluation window): changes only at period boundaries.
    #[test]
    fn wall_clock_evaluates_at_boundaries() {
        assert_eq!(
            evaluation_times(300, Window::WallClock { phase: 0 }, 900),
            vec![300, 600, 900]
        );
        assert_eq!(
            evaluation_times(300, Window::WallClock { phase: 120 }, 900),
            vec![120, 420, 720]
        );
        assert_eq!(
            evaluation_times(300, Window::WallClock { phase: -180 }, 900),
            vec![120, 420, 720]
        );
    }

    #[test]
    fn grid_shift_puts_the_newest_period_at_the_evaluation() {
        assert_eq!(shift_at(300, 300), 0);
        assert_eq!(shift_at(300, 360), 240);
        assert_eq!(shift_at(300, 60), 240);
        assert_eq!(shift_at(60, 120), 0);
        // Shift 240: period 1 covers [60, 360), ending at the evaluation at 360.
        assert_eq!((360 + shift_at(300, 360)) / 300 - 1, 1);
    }

    // The window advances each time the alarm is evaluated: a 5-minute Sum
    // crossing its threshold at minute 7 pages at minute 8 (the evaluation
    // whose window [3m, 8m) first holds the sum), not at the end of a
    // fixed 5-minute period (10m).
    #[test]
    fn sliding_window_pages_within_a_minute_of_the_breach() {
        let r = rule(1, 1, MissingData::Missing);
        let samples: Vec<(i64, f64)> = (0..10)
            .map(|m| (m * 60, if m >= 5 { 2.0 } else { 0.0 }))
            .collect();
        // Sums of the windows ending at 6m: 2, 7m: 4, 8m: 6 > 5.
        let states = run(&r, 300, &samples, 600);
        assert_eq!(first_alarm(&states), Some(480));
        // Under the old once-per-period model the page came at 10m.
        assert!(states.iter().all(|(t, _)| t % 60 == 0));
        assert_eq!(states.len(), 10);
    }

    // Data that would straddle two fixed periods (3 + 3 across a period
    // boundary) is seen whole by the sliding window.
    #[test]
    fn burst_across_a_period_boundary_is_seen() {
        let r = rule(1, 1, MissingData::NotBreaching);
        let samples = [(240, 3.0), (300, 3.0)];
        let states = run(&r, 300, &samples, 900);
        assert_eq!(first_alarm(&states), Some(360));
        // Back to OK once the window no longer holds both.
        let ok_again = states
            .iter()
            .find(|(t, s)| *t > 360 && *s == State::Ok)
            .map(|(t, _)| *t);
        assert_eq!(ok_again, Some(600));
        // With fixed periods [0,5m) and [5m,10m) each sum is 3: never ALARM.
        let fixed = evaluate_schedule::<()>(
            &r,
            300,
            Window::WallClock { phase: 0 },
            (0, 900),
            |shift, n| {
                let shifted: Vec<(i64, f64)> =
                    samples.iter().map(|(t, v)| (t + shift, *v)).collect();
                Ok(Grid {
                    series: aggregate(&shifted, 300, n, Statistic::Sum),
                    ..Grid::default()
                })
            },
        )
        .unwrap_or_default();
        assert_eq!(first_alarm(&fixed), None);
    }

    // M of N on a sliding window: 3 of 3 one-minute datapoints breaching
    // pages at the third breaching minute's end.
    #[test]
    fn m_of_n_with_one_minute_periods_is_unchanged() {
        let r = rule(3, 3, MissingData::Missing);
        let samples: Vec<(i64, f64)> = (0..6)
            .map(|m| (m * 60, if m >= 2 { 9.0 } else { 1.0 }))
            .collect();
        let states = run(&r, 60, &samples, 360);
        assert_eq!(first_alarm(&states), Some(300));
    }

    // An evaluation whose newest datapoint is not significant leaves the
    // state unchanged (EvaluateLowSampleCountPercentile = ignore).
    #[test]
    fn insignificant_newest_datapoint_keeps_the_state() {
        let r = rule(1, 1, MissingData::Missing);
        let states = evaluate_schedule::<()>(&r, 60, Window::Sliding, (0, 180), |_, _| {
            Ok(Grid {
                series: vec![Some(9.0), Some(1.0), Some(1.0)],
                band: None,
                significant: Some(vec![true, false, true]),
            })
        })
        .unwrap_or_default();
        assert_eq!(
            states,
            vec![(60, State::Alarm), (120, State::Alarm), (180, State::Ok)]
        );
    }

    // "Example of evaluating a multi-day alarm" (Alarm evaluation): a job
    // every 3 days at 10:00 fails at 10:02; at 10:03 the alarm "stays in OK
    // state, because the evaluation considers data only up to 10:00"; at
    // 11:03 it goes into ALARM; fixed at 11:43, OK again at 12:03.
    #[test]
    fn multi_day_alarms_evaluate_hourly_on_data_up_to_the_hour() {
        assert!(is_multi_day(86_400, 2));
        assert!(!is_multi_day(86_400, 1));
        assert!(!is_multi_day(3600, 24));
        assert_eq!(
            evaluations(86_400, 2, Window::Sliding, 0, 7300),
            vec![(3780, 3600)]
        );
        // Start at 00:30 UTC: the first hour is 30 minutes in.
        assert_eq!(
            evaluations(86_400, 2, Window::Sliding, 1800, 2000)[0],
            (1980, 1800)
        );
        // Less than 1 if a day holds a failure and no success (Maximum < 1).
        let r = Rule {
            evaluation_periods: 2,
            datapoints_to_alarm: 1,
            comparison: Comparison::LessThanThreshold,
            threshold: Threshold::Static(1.0),
            treat_missing: MissingData::NotBreaching,
        };
        let day = 86_400;
        let (ok_run, failed, fixed) = (
            10 * 3600,
            3 * day + 10 * 3600 + 120,
            3 * day + 11 * 3600 + 43 * 60,
        );
        let samples = [(ok_run, 1.0), (failed, 0.0), (fixed, 1.0)];
        let states = evaluate_schedule::<()>(
            &r,
            86_400,
            Window::Sliding,
            (0, 3 * day + 13 * 3600),
            |shift, n| {
                let shifted: Vec<(i64, f64)> =
                    samples.iter().map(|(t, v)| (t + shift, *v)).collect();
                Ok(Grid {
                    series: aggregate(&shifted, 86_400, n, Statistic::Maximum),
                    ..Grid::default()
                })
            },
        )
        .unwrap_or_default();
        let at = |t: i64| {
            states
                .iter()
                .take_while(|(time, _)| *time <= t)
                .last()
                .map(|(_, s)| *s)
        };
        assert_eq!(at(3 * day + 10 * 3600 + 180), Some(State::Ok));
        assert_eq!(at(3 * day + 11 * 3600 + 180), Some(State::Alarm));
        assert_eq!(at(3 * day + 12 * 3600 + 180), Some(State::Ok));
        assert!(states.iter().all(|(t, _)| t % 3600 == 180));
    }

    #[test]
    fn grid_errors_stop_the_evaluation() {
        let r = rule(1, 1, MissingData::Missing);
        let got = evaluate_schedule(&r, 60, Window::Sliding, (0, 120), |_, _| Err("no band"));
        assert_eq!(got, Err("no band"));
        // No evaluation time, no grid asked for.
        let got = evaluate_schedule(&r, 60, Window::Sliding, (0, 30), |_, _| Err("asked"));
        assert_eq!(got, Ok(Vec::new()));
    }
}
