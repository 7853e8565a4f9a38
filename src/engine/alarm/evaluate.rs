//! The metric alarm state machine: "M out of N" evaluation with the
//! missing-data treatment, as described in "Using Amazon CloudWatch alarms".
//!
//! # Rules implemented
//!
//! *Evaluating an alarm*: "**Evaluation Periods** is the number of the most
//! recent periods, or data points, to evaluate when determining alarm state.
//! **Datapoints to Alarm** is the number of data points within the Evaluation
//! Periods that must be breaching to cause the alarm to go to the `ALARM`
//! state. The breaching data points don't have to be consecutive".
//!
//! *How alarm state is evaluated when data is missing*: "Whenever an alarm
//! evaluates whether to change state, CloudWatch attempts to retrieve a higher
//! number of data points than the number specified as Evaluation Periods.
//! [...] The time frame of the data points that it attempts to retrieve is the
//! *evaluation range*." Then:
//!
//! 1. "If no data points in the evaluation range are missing, CloudWatch
//!    evaluates the alarm based on the most recent data points collected."
//! 2. "If some data points in the evaluation range are missing, but the total
//!    number of existing data points that were successfully retrieved from the
//!    evaluation range is equal to or more than the alarm's Evaluation Periods,
//!    CloudWatch evaluates the alarm state based on the most recent real data
//!    points [...] the value you set for how to treat missing data is not
//!    needed and is ignored."
//! 3. "If [...] the number of actual data points that were retrieved is lower
//!    than the alarm's number of Evaluation Periods, CloudWatch fills in the
//!    missing data points with the result you specified for how to treat
//!    missing data, and then evaluates the alarm. However, all real data points
//!    in the evaluation range are included in the evaluation. CloudWatch uses
//!    missing data points only as few times as possible."
//!
//! *Avoiding premature transitions to alarm state*: "alarms are designed to
//! always go into ALARM state when the oldest available breaching datapoint
//! during the Evaluation Periods number of data points is at least as old as
//! the value of Datapoints to Alarm, and all other more recent data points are
//! breaching or missing. In this case, the alarm goes into ALARM state even if
//! the total number of datapoints available is lower than M".
//!
//! # Choices where the guide is silent (checked against every table row)
//!
//! * Not documented: the size of the evaluation range. The guide's examples use
//!   5 for Evaluation Periods 3; this module uses `N + 2`
//!   ([`DEFAULT_EXTRA_DATAPOINTS`]), configurable with [`EvalOptions`].
//!   Periods before `t = 0` count as missing.
//! * With fewer than N real datapoints and `missing`/`ignore`: ALARM if at
//!   least M real datapoints breach; otherwise OK if a real datapoint is not
//!   breaching; otherwise (only breaching datapoints, too few) the premature
//!   rule applies with `missing` (ALARM when the oldest breaching datapoint's
//!   age in the range is `>= M`, else INSUFFICIENT_DATA), while `ignore`
//!   retains the current state, as the guide's tables show ("Retain current
//!   state" for `- - X - -`, where `missing` gives `ALARM`).
//! * `EvaluateLowSampleCountPercentile = ignore` ("the alarm state does not
//!   change during periods with too few data points to be statistically
//!   significant", PutMetricAlarm API reference): at a period whose datapoint
//!   exists but is not significant, the state is left unchanged, and that
//!   datapoint is left out (as missing) of later evaluation ranges, since the
//!   alarm should "ignore the metric while the sample size is low" ("Percentile-
//!   based CloudWatch alarms and low data samples").

use super::{Comparison, MissingData, Rule, Series, State, Threshold};

/// Extra datapoints retrieved beyond Evaluation Periods: the guide's example
/// evaluation range is 5 for Evaluation Periods 3.
pub const DEFAULT_EXTRA_DATAPOINTS: usize = 2;

/// Options of [`evaluate_with_options`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalOptions<'a> {
    /// The evaluation range is `evaluation_periods + extra_datapoints`.
    pub extra_datapoints: usize,
    /// Per-period significance for `EvaluateLowSampleCountPercentile = ignore`
    /// (`false` = too few samples); `None` = always evaluate. Periods beyond
    /// the slice are significant.
    pub significant: Option<&'a [bool]>,
    /// The state before the first evaluation (CloudWatch starts new alarms in
    /// INSUFFICIENT_DATA).
    pub initial_state: State,
}

impl Default for EvalOptions<'_> {
    fn default() -> Self {
        EvalOptions {
            extra_datapoints: DEFAULT_EXTRA_DATAPOINTS,
            significant: None,
            initial_state: State::InsufficientData,
        }
    }
}

/// Classifies every datapoint: `Some(true)` breaching, `Some(false)` not
/// breaching, `None` missing.
///
/// A value that is `None` or NaN is missing. With a [`Threshold::Band`],
/// `Greater*` operators compare with the upper edge and `Less*` operators with
/// the lower edge (both for `LessThanLowerOrGreaterThanUpperThreshold`); a
/// period whose needed edge is missing has no evaluable datapoint.
pub fn breaching(rule: &Rule, series: &Series) -> Vec<Option<bool>> {
    let needs_lower = !matches!(
        rule.comparison,
        Comparison::GreaterThanOrEqualToThreshold
            | Comparison::GreaterThanThreshold
            | Comparison::GreaterThanUpperThreshold
    );
    let needs_upper = !matches!(
        rule.comparison,
        Comparison::LessThanThreshold
            | Comparison::LessThanOrEqualToThreshold
            | Comparison::LessThanLowerThreshold
    );
    series
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let value = value.filter(|v| !v.is_nan())?;
            let (lower, upper) = match &rule.threshold {
                Threshold::Static(t) => (Some(*t), Some(*t)),
                Threshold::Band { lower, upper } => (
                    lower.get(i).copied().flatten().filter(|v| !v.is_nan()),
                    upper.get(i).copied().flatten().filter(|v| !v.is_nan()),
                ),
            };
            if (needs_lower && lower.is_none()) || (needs_upper && upper.is_none()) {
                return None;
            }
            Some(rule.comparison.breaches(
                value,
                lower.unwrap_or(f64::NAN),
                upper.unwrap_or(f64::NAN),
            ))
        })
        .collect()
}

/// One evaluation: `range` holds the classified datapoints of the evaluation
/// range, oldest first, most recent last; `previous` is the current state.
pub fn evaluate_range(rule: &Rule, range: &[Option<bool>], previous: State) -> State {
    let n = rule.evaluation_periods.max(1);
    let m = rule.datapoints_to_alarm.clamp(1, n);
    // Real datapoints, most recent first, with their age (1 = most recent).
    let real: Vec<(usize, bool)> = range
        .iter()
        .rev()
        .enumerate()
        .filter_map(|(i, d)| d.map(|b| (i + 1, b)))
        .collect();
    let k = real.len();
    let verdict = |breaches: usize| {
        // "If fewer than the value of Datapoints to Alarm are breaching, the
        // alarm state is set to OK. Otherwise, the state is set to ALARM."
        if breaches >= m {
            State::Alarm
        } else {
            State::Ok
        }
    };
    if k >= n {
        // Rules 1 and 2: the N most recent real datapoints.
        return verdict(real.iter().take(n).filter(|(_, b)| *b).count());
    }
    // Rule 3: all real datapoints plus `n - k` filled ones.
    let breaches = real.iter().filter(|(_, b)| *b).count();
    let filled = n - k;
    match rule.treat_missing {
        MissingData::Breaching => verdict(breaches + filled),
        MissingData::NotBreaching => verdict(breaches),
        treat @ (MissingData::Missing | MissingData::Ignore) => {
            let undecided = if treat == MissingData::Missing {
                State::InsufficientData
            } else {
                previous
            };
            if k == 0 {
                // "`missing` – If all data points in the alarm evaluation range
                // are missing, the alarm transitions to INSUFFICIENT_DATA";
                // "`ignore` – The current alarm state is maintained".
                return undecided;
            }
            if breaches >= m {
                State::Alarm
            } else if breaches < k {
                State::Ok
            } else {
                // Only breaching real datapoints, fewer than M: premature rule.
                let oldest = real.last().map_or(0, |(age, _)| *age);
                if treat == MissingData::Missing && oldest >= m {
                    State::Alarm
                } else {
                    undecided
                }
            }
        }
    }
}

/// The state after evaluating at the end of each period i (0..series.len()), starting from INSUFFICIENT_DATA,
/// exactly as CloudWatch's M-of-N evaluation with the missing-data treatment does.
pub fn evaluate(rule: &Rule, series: &Series) -> Vec<State> {
    evaluate_with_options(rule, series, &EvalOptions::default())
}

/// Same, for a percentile alarm with EvaluateLowSampleCountPercentile = ignore: `significant[i]` false = too few samples.
pub fn evaluate_with_significance(
    rule: &Rule,
    series: &Series,
    significant: &[bool],
) -> Vec<State> {
    let options = EvalOptions {
        significant: Some(significant),
        ..EvalOptions::default()
    };
    evaluate_with_options(rule, series, &options)
}

/// [`evaluate`] with an explicit evaluation range, significance and initial state.
pub fn evaluate_with_options(
    rule: &Rule,
    series: &Series,
    options: &EvalOptions<'_>,
) -> Vec<State> {
    let n = rule.evaluation_periods.max(1);
    let range = n.saturating_add(options.extra_datapoints);
    let mut classified = breaching(rule, series);
    // Datapoints with too few samples are ignored: they are not evaluated
    // when they arrive, nor used by later evaluations.
    let mut skip = vec![false; classified.len()];
    if let Some(significant) = options.significant {
        for (i, datapoint) in classified.iter_mut().enumerate() {
            if datapoint.is_some() && !significant.get(i).copied().unwrap_or(true) {
                *datapoint = None;
                skip[i] = true;
            }
        }
    }
    let mut state = options.initial_state;
    let mut out = Vec::with_capacity(series.len());
    for i in 0..classified.len() {
        if !skip[i] {
            let start = (i + 1).saturating_sub(range);
            state = evaluate_range(rule, &classified[start..=i], state);
        }
        out.push(state);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: State = State::Ok;
    const AL: State = State::Alarm;
    const ID: State = State::InsufficientData;

    fn rule(n: usize, m: usize, treat: MissingData) -> Rule {
        Rule {
            evaluation_periods: n,
            datapoints_to_alarm: m,
            comparison: Comparison::GreaterThanThreshold,
            threshold: Threshold::Static(5.0),
            treat_missing: treat,
        }
    }

    /// "0 is a non-breaching data point, X is a breaching data point, and - is
    /// a missing data point", most recent on the right.
    fn series(points: &str) -> Series {
        points
            .split_whitespace()
            .map(|p| match p {
                "X" => Some(10.0),
                "0" | "O" => Some(0.0),
                _ => None,
            })
            .collect()
    }

    /// `None` in `expected` = "Retain current state".
    fn check_row(n: usize, m: usize, points: &str, expected: [Option<State>; 4]) {
        for (treat, want) in MissingData::ALL.into_iter().zip(expected) {
            let r = rule(n, m, treat);
            let range = breaching(&r, &series(points));
            for previous in State::ALL {
                let got = evaluate_range(&r, &range, previous);
                assert_eq!(
                    got,
                    want.unwrap_or(previous),
                    "{points} {treat} from {previous}"
                );
            }
            // Through the state machine too: the last period sees the whole
            // evaluation range of 5 (N + 2).
            if let Some(want) = want {
                let states = evaluate(&r, &series(points));
                assert_eq!(states.last(), Some(&want), "{points} {treat}");
            }
        }
    }

    // Columns: MISSING, IGNORE, BREACHING, NOT BREACHING (the guide's order).
    const R: Option<State> = None;
    const O: Option<State> = Some(OK);
    const A: Option<State> = Some(AL);
    const I: Option<State> = Some(ID);

    // "Configuring how CloudWatch alarms treat missing data", first table:
    // Datapoints to Alarm and Evaluation Periods both 3, evaluation range 5.
    #[test]
    fn missing_data_table1_row1_0_m_x_m_x() {
        check_row(3, 3, "0 - X - X", [O, O, O, O]);
    }

    #[test]
    fn missing_data_table1_row2_0_m_m_m_m() {
        check_row(3, 3, "0 - - - -", [O, O, O, O]);
    }

    #[test]
    fn missing_data_table1_row3_all_missing() {
        check_row(3, 3, "- - - - -", [I, R, A, O]);
    }

    #[test]
    fn missing_data_table1_row4_0_x_x_m_x() {
        check_row(3, 3, "0 X X - X", [A, A, A, A]);
    }

    #[test]
    fn missing_data_table1_row5_premature_m_m_x_m_m() {
        check_row(3, 3, "- - X - -", [A, R, A, O]);
    }

    // Second table: "Datapoints to Alarm is only 2 while Evaluation Periods is
    // 3. This is a 2 out of 3, M out of N alarm."
    #[test]
    fn missing_data_table2_row1_0_m_x_m_x() {
        check_row(3, 2, "0 - X - X", [A, A, A, A]);
    }

    #[test]
    fn missing_data_table2_row2_0_0_x_0_x() {
        check_row(3, 2, "0 0 X 0 X", [A, A, A, A]);
    }

    #[test]
    fn missing_data_table2_row3_0_m_x_m_m() {
        check_row(3, 2, "0 - X - -", [O, O, A, O]);
    }

    #[test]
    fn missing_data_table2_row4_m_m_m_m_0() {
        check_row(3, 2, "- - - - 0", [O, O, A, O]);
    }

    #[test]
    fn missing_data_table2_row5_premature_m_m_m_x_m() {
        check_row(3, 2, "- - - X -", [A, R, A, O]);
    }

    // Rows of an earlier revision of the same page (awsdocs/amazon-cloudwatch-
    // user-guide, AlarmThatSendsEmail.md @05fd32f) that the current one dropped.
    #[test]
    fn missing_data_earlier_revision_m_m_m_m_x() {
        check_row(3, 3, "- - - - X", [I, R, A, O]);
        check_row(3, 2, "- - - - X", [I, R, A, O]);
    }

    #[test]
    fn missing_data_earlier_revision_x_m_m_m_m() {
        // "the alarm goes to ALARM state even if missing data is treated as
        // missing, because the oldest evaluated data point is breaching and
        // there aren't any non-breaching data points."
        check_row(3, 3, "X - - - -", [A, R, A, O]);
    }

    #[test]
    fn premature_examples_from_the_text() {
        // "the alarm does not go immediately into ALARM state when the data is
        // either - - - - X or - - - X - and Datapoints to Alarm is 3 [...] when
        // the next data point is non-breaching and causes the data to be
        // - - - X O or - - X - O."
        let r = rule(3, 3, MissingData::Missing);
        for points in ["- - - - X", "- - - X -"] {
            assert_ne!(evaluate(&r, &series(points)).last(), Some(&AL), "{points}");
        }
        for points in ["- - - X O", "- - X - O"] {
            assert_eq!(evaluate(&r, &series(points)).last(), Some(&OK), "{points}");
        }
    }

    #[test]
    fn evaluating_an_alarm_figure() {
        // Threshold 3, Evaluation Period and Datapoints to Alarm 3: ALARM in
        // the third through fifth periods, OK at period six, a single breach in
        // period nine keeps OK.
        let r = Rule {
            threshold: Threshold::Static(3.0),
            ..rule(3, 3, MissingData::Missing)
        };
        let values = [1.0, 2.0, 4.0, 5.0, 4.0, 2.0, 1.0, 2.0, 4.0, 2.0];
        let states = evaluate(&r, &values.iter().map(|v| Some(*v)).collect());
        assert_eq!(states, vec![OK, OK, OK, OK, AL, OK, OK, OK, OK, OK]);
    }

    #[test]
    fn m_of_n_three_of_five() {
        let r = rule(5, 3, MissingData::Missing);
        let last = |p: &str| *evaluate(&r, &series(p)).last().unwrap_or(&ID);
        assert_eq!(last("X 0 X 0 X"), AL);
        assert_eq!(last("X 0 X 0 0"), OK);
        assert_eq!(last("0 0 X X X"), AL);
        // The breaching datapoints must be within the last N: the first X of
        // "X 0 0 X X 0" is out of the window.
        assert_eq!(last("X 0 0 X X 0"), OK);
    }

    #[test]
    fn m_of_n_four_of_five_sliding() {
        let r = rule(5, 4, MissingData::Missing);
        let states = evaluate(&r, &series("X X X 0 X X 0 0"));
        assert_eq!(states[5], AL); // X X 0 X X in the last five -> 4 breaching
        assert_eq!(states[6], OK); // X 0 X X 0 -> 3 breaching
    }

    #[test]
    fn filled_datapoints_used_only_as_needed() {
        // 2 of 4, one real non-breaching datapoint: three filled datapoints.
        let s = series("- - - 0 -");
        let last = |treat| *evaluate(&rule(4, 2, treat), &s).last().unwrap_or(&ID);
        assert_eq!(last(MissingData::Breaching), AL);
        assert_eq!(last(MissingData::NotBreaching), OK);
        assert_eq!(last(MissingData::Missing), OK);
        // Enough real datapoints: the treatment is "not needed and is ignored".
        let s = series("X X - 0 -");
        for treat in MissingData::ALL {
            assert_eq!(
                evaluate(&rule(3, 2, treat), &s).last(),
                Some(&AL),
                "{treat}"
            );
        }
    }

    #[test]
    fn real_breaches_alarm_even_with_few_datapoints() {
        // 2 of 3 with only two real datapoints, both breaching.
        let s = series("- - - X X");
        for treat in MissingData::ALL {
            assert_eq!(
                evaluate(&rule(3, 2, treat), &s).last(),
                Some(&AL),
                "{treat}"
            );
        }
    }

    #[test]
    fn starts_insufficient_and_is_insufficient_without_data() {
        let r = rule(3, 3, MissingData::Missing);
        assert_eq!(evaluate(&r, &series("- - -")), vec![ID, ID, ID]);
        assert_eq!(evaluate(&r, &Vec::new()), Vec::<State>::new());
    }

    #[test]
    fn missing_after_data_returns_to_insufficient_once_range_empties() {
        // A 1-of-1 alarm with range 3 keeps using the last real datapoint for
        // two more periods (the guide's "re-evaluate the last set of data
        // points" note), then goes to INSUFFICIENT_DATA.
        let r = rule(1, 1, MissingData::Missing);
        assert_eq!(evaluate(&r, &series("X - - -")), vec![AL, AL, AL, ID]);
        let r = rule(1, 1, MissingData::Ignore);
        assert_eq!(evaluate(&r, &series("X - - - 0")), vec![AL, AL, AL, AL, OK]);
    }

    #[test]
    fn each_missing_mode_on_a_gap() {
        let s = series("0 0 0 - - - - -");
        let last = |treat| *evaluate(&rule(3, 3, treat), &s).last().unwrap_or(&OK);
        assert_eq!(last(MissingData::Missing), ID);
        assert_eq!(last(MissingData::Ignore), OK);
        assert_eq!(last(MissingData::Breaching), AL);
        assert_eq!(last(MissingData::NotBreaching), OK);
    }

    #[test]
    fn every_static_comparison_operator() {
        let cases = [
            (
                Comparison::GreaterThanOrEqualToThreshold,
                [false, true, true],
            ),
            (Comparison::GreaterThanThreshold, [false, false, true]),
            (Comparison::LessThanThreshold, [true, false, false]),
            (Comparison::LessThanOrEqualToThreshold, [true, true, false]),
            (
                Comparison::LessThanLowerOrGreaterThanUpperThreshold,
                [true, false, true],
            ),
            (Comparison::LessThanLowerThreshold, [true, false, false]),
            (Comparison::GreaterThanUpperThreshold, [false, false, true]),
        ];
        for (comparison, want) in cases {
            let r = Rule {
                comparison,
                ..rule(1, 1, MissingData::Missing)
            };
            let got = breaching(&r, &vec![Some(4.0), Some(5.0), Some(6.0)]);
            let want: Vec<Option<bool>> = want.iter().map(|b| Some(*b)).collect();
            assert_eq!(got, want, "{comparison}");
            let states: Vec<State> = want
                .iter()
                .map(|b| if *b == Some(true) { AL } else { OK })
                .collect();
            assert_eq!(evaluate(&r, &vec![Some(4.0), Some(5.0), Some(6.0)]), states);
        }
    }

    #[test]
    fn anomaly_band_operators() {
        let band = Threshold::Band {
            lower: vec![Some(10.0), Some(10.0), Some(10.0), None, Some(10.0)],
            upper: vec![Some(20.0), Some(20.0), Some(20.0), Some(20.0), None],
        };
        let values = vec![Some(5.0), Some(15.0), Some(25.0), Some(5.0), Some(25.0)];
        let run = |comparison| {
            let r = Rule {
                comparison,
                threshold: band.clone(),
                ..rule(1, 1, MissingData::Missing)
            };
            breaching(&r, &values)
        };
        assert_eq!(
            run(Comparison::LessThanLowerOrGreaterThanUpperThreshold),
            vec![Some(true), Some(false), Some(true), None, None]
        );
        assert_eq!(
            run(Comparison::LessThanLowerThreshold),
            vec![Some(true), Some(false), Some(false), None, Some(false)]
        );
        assert_eq!(
            run(Comparison::GreaterThanUpperThreshold),
            vec![Some(false), Some(false), Some(true), Some(false), None]
        );
        // Static operators against a band use the matching edge.
        assert_eq!(
            run(Comparison::GreaterThanThreshold),
            vec![Some(false), Some(false), Some(true), Some(false), None]
        );
        // Band shorter than the series: missing edges, no panic.
        let r = Rule {
            comparison: Comparison::GreaterThanUpperThreshold,
            threshold: Threshold::Band {
                lower: vec![],
                upper: vec![Some(1.0)],
            },
            ..rule(1, 1, MissingData::Breaching)
        };
        // Periods 1.. have no upper edge: the range keeps the real datapoint of
        // period 0 until it falls out (range 3), then missing = breaching.
        assert_eq!(evaluate(&r, &vec![Some(0.0); 4]), vec![OK, OK, OK, AL]);
    }

    #[test]
    fn nan_values_are_missing() {
        let r = rule(1, 1, MissingData::Breaching);
        assert_eq!(evaluate(&r, &vec![Some(f64::NAN)]), vec![AL]);
        let r = Rule {
            threshold: Threshold::Static(f64::NAN),
            ..rule(1, 1, MissingData::Missing)
        };
        assert_eq!(evaluate(&r, &vec![Some(1.0)]), vec![OK]);
    }

    #[test]
    fn degenerate_rules_do_not_panic() {
        let s = series("X X 0");
        assert_eq!(
            evaluate(&rule(0, 0, MissingData::Missing), &s),
            vec![AL, AL, OK]
        );
        // M > N is clamped to N.
        assert_eq!(evaluate(&rule(2, 9, MissingData::Missing), &s)[1], AL);
        let huge = rule(usize::MAX, usize::MAX, MissingData::Breaching);
        // N = M = usize::MAX with breaching fill: alarms until a non-breaching
        // real datapoint makes M unreachable.
        assert_eq!(evaluate(&huge, &s), vec![AL, AL, OK]);
        let options = EvalOptions {
            extra_datapoints: usize::MAX,
            ..EvalOptions::default()
        };
        assert_eq!(
            evaluate_with_options(&rule(1, 1, MissingData::Missing), &s, &options),
            vec![AL, AL, OK]
        );
    }

    #[test]
    fn initial_state_and_range_options() {
        let r = rule(1, 1, MissingData::Ignore);
        let options = EvalOptions {
            initial_state: OK,
            extra_datapoints: 0,
            ..EvalOptions::default()
        };
        assert_eq!(
            evaluate_with_options(&r, &series("- X -"), &options),
            vec![OK, AL, AL]
        );
        let r = rule(1, 1, MissingData::Missing);
        assert_eq!(
            evaluate_with_options(&r, &series("X -"), &options),
            vec![AL, ID]
        );
    }

    #[test]
    fn low_sample_percentile_ignore_keeps_state() {
        let r = rule(1, 1, MissingData::Missing);
        let s = series("0 X X 0 -");
        let significant = [true, false, true, false, false];
        assert_eq!(
            evaluate_with_significance(&r, &s, &significant),
            vec![OK, OK, AL, AL, AL]
        );
        // A missing datapoint is handled by the missing-data treatment even
        // when flagged insignificant; a short slice means "significant".
        let s = series("X - - - X");
        assert_eq!(
            evaluate_with_significance(&r, &s, &[true, false, false, false]),
            vec![AL, AL, AL, ID, AL]
        );
        // Without the flag ("evaluate") the state follows every datapoint.
        assert_eq!(evaluate(&r, &series("0 X X 0")), vec![OK, AL, AL, OK]);
    }
}
