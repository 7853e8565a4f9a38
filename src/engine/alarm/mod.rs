//! Offline evaluator for Amazon CloudWatch alarms.
//!
//! This module replays what CloudWatch would do with a metric alarm, a metric
//! math alarm or a composite alarm, without talking to AWS:
//!
//! * [`aggregate`] / [`sample_counts`] (in `stats.rs`) turn raw samples into one
//!   datapoint per period using a CloudWatch [`Statistic`];
//! * [`evaluate_schedule`] (in `schedule.rs`) evaluates an alarm as AWS
//!   schedules it: every minute on a sliding window (or at each boundary of
//!   a wall-clock window);
//! * [`evaluate()`] / [`evaluate_with_significance`] (in `evaluate.rs`) run the
//!   alarm state machine: "M out of N" evaluation over an *evaluation range*,
//!   with the four `TreatMissingData` modes and the premature-alarm rule;
//! * [`math`] parses and evaluates metric math expressions;
//! * [`composite`] parses and evaluates composite alarm rules and decides when
//!   an actions suppressor withholds a composite alarm's actions.
//!
//! # Sources
//!
//! Every rule implemented here is taken from the Amazon CloudWatch User Guide;
//! comments quote the page they come from:
//!
//! * "Using Amazon CloudWatch alarms" — *Evaluating an alarm* and
//!   *Configuring how CloudWatch alarms treat missing data* (both tables of
//!   example datapoint sequences are unit tests in `evaluate.rs`), and
//!   *Percentile-based CloudWatch alarms and low data samples*;
//! * "CloudWatch statistics definitions";
//! * "Use metric math";
//! * "Composite alarms" and "Create a composite alarm" (actions suppression);
//! * "Using CloudWatch anomaly detection" (band comparison operators).
//!
//! Where the documentation is silent the choice made is documented on the item
//! concerned (search for "not documented").
//!
//! # Time model
//!
//! A test starts at `t = 0` (seconds). A [`Series`] holds one optional value
//! per period of a period grid; `None` means CloudWatch would have no
//! datapoint for that period. `NaN` values are treated as missing everywhere.
//! With grid shift 0, period `i` covers `[i * period, (i + 1) * period)`.
//! CloudWatch evaluates an alarm every minute (every 10 s below 60 s
//! periods) over the periods ending at that minute ([`evaluate_schedule`],
//! `schedule.rs`): each evaluation time reads the grid shifted so that its
//! newest period ends there ([`shift_at`]).

use std::fmt;
use std::str::FromStr;

pub mod composite;
mod evaluate;
pub mod math;
mod schedule;
mod stats;

pub use self::evaluate::{
    DEFAULT_EXTRA_DATAPOINTS, EvalOptions, breaching, evaluate, evaluate_range,
    evaluate_with_options, evaluate_with_significance,
};
pub use self::schedule::{
    Grid, MULTI_DAY_DELAY, Window, evaluate_schedule, evaluation_times, evaluations, interval,
    is_multi_day, shift_at,
};
pub use self::stats::{
    MAX_SET_VALUES, Prepared, StatSet, aggregate, aggregate_sets, is_significant,
    min_significant_samples, percentile_significance, sample_counts, sample_counts_sets,
};

/// One value per period; None = no datapoint. Index 0 is the period starting at t=0.
pub type Series = Vec<Option<f64>>;

/// Error returned by the `FromStr` implementations of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The text that could not be parsed.
    pub input: String,
    /// What was expected instead.
    pub message: String,
}

impl ParseError {
    fn new(input: &str, message: impl Into<String>) -> Self {
        ParseError {
            input: input.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid value {:?}: {}", self.input, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The state of an alarm.
///
/// "Using Amazon CloudWatch alarms", *Alarm states*: `OK` — the metric or
/// expression is within the defined threshold; `ALARM` — it is outside of the
/// defined threshold; `INSUFFICIENT_DATA` — the alarm has just started, the
/// metric is not available, or not enough data is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// `OK`.
    Ok,
    /// `ALARM`.
    Alarm,
    /// `INSUFFICIENT_DATA`.
    InsufficientData,
}

impl State {
    /// All states, in the order OK, ALARM, INSUFFICIENT_DATA.
    pub const ALL: [State; 3] = [State::Ok, State::Alarm, State::InsufficientData];

    /// The AWS spelling (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Alarm => "ALARM",
            State::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .iter()
            .copied()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| ParseError::new(s, "expected OK, ALARM or INSUFFICIENT_DATA"))
    }
}

/// The `ComparisonOperator` of a metric alarm.
///
/// The last three are "used only for alarms based on anomaly detection models"
/// (PutMetricAlarm API reference); "Using CloudWatch anomaly detection": "You
/// can choose whether the alarm is triggered when the metric value is above the
/// band of expected values, below the band, or both."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    /// Breaching when `value >= threshold`.
    GreaterThanOrEqualToThreshold,
    /// Breaching when `value > threshold`.
    GreaterThanThreshold,
    /// Breaching when `value < threshold`.
    LessThanThreshold,
    /// Breaching when `value <= threshold`.
    LessThanOrEqualToThreshold,
    /// Anomaly band: breaching when `value < lower || value > upper` (outside the band).
    LessThanLowerOrGreaterThanUpperThreshold,
    /// Anomaly band: breaching when `value < lower` (below the band).
    LessThanLowerThreshold,
    /// Anomaly band: breaching when `value > upper` (above the band).
    GreaterThanUpperThreshold,
}

impl Comparison {
    /// Every comparison operator.
    pub const ALL: [Comparison; 7] = [
        Comparison::GreaterThanOrEqualToThreshold,
        Comparison::GreaterThanThreshold,
        Comparison::LessThanThreshold,
        Comparison::LessThanOrEqualToThreshold,
        Comparison::LessThanLowerOrGreaterThanUpperThreshold,
        Comparison::LessThanLowerThreshold,
        Comparison::GreaterThanUpperThreshold,
    ];

    /// The AWS name of the operator.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            Comparison::GreaterThanThreshold => "GreaterThanThreshold",
            Comparison::LessThanThreshold => "LessThanThreshold",
            Comparison::LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
            Comparison::LessThanLowerOrGreaterThanUpperThreshold => {
                "LessThanLowerOrGreaterThanUpperThreshold"
            }
            Comparison::LessThanLowerThreshold => "LessThanLowerThreshold",
            Comparison::GreaterThanUpperThreshold => "GreaterThanUpperThreshold",
        }
    }

    /// Whether this is one of the three anomaly-detection band operators.
    pub fn is_band(self) -> bool {
        matches!(
            self,
            Comparison::LessThanLowerOrGreaterThanUpperThreshold
                | Comparison::LessThanLowerThreshold
                | Comparison::GreaterThanUpperThreshold
        )
    }

    /// Whether `value` breaches the bounds `lower`/`upper`.
    ///
    /// Static operators compare `Greater*` with `upper` and `Less*` with
    /// `lower`; for a static threshold both bounds are the threshold. A NaN
    /// anywhere never breaches.
    pub fn breaches(self, value: f64, lower: f64, upper: f64) -> bool {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => value >= upper,
            Comparison::GreaterThanThreshold => value > upper,
            Comparison::LessThanThreshold => value < lower,
            Comparison::LessThanOrEqualToThreshold => value <= lower,
            Comparison::LessThanLowerOrGreaterThanUpperThreshold => value < lower || value > upper,
            Comparison::LessThanLowerThreshold => value < lower,
            Comparison::GreaterThanUpperThreshold => value > upper,
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Comparison {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Comparison::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| ParseError::new(s, "expected a CloudWatch ComparisonOperator name"))
    }
}

/// The `TreatMissingData` setting of a metric alarm.
///
/// "Configuring how CloudWatch alarms treat missing data": `notBreaching` —
/// missing data points are treated as "good" and within the threshold;
/// `breaching` — treated as "bad" and breaching the threshold; `ignore` — the
/// current alarm state is maintained; `missing` — if all data points in the
/// alarm evaluation range are missing, the alarm transitions to
/// INSUFFICIENT_DATA. "The default behavior is `missing`."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MissingData {
    /// `missing` (the default).
    #[default]
    Missing,
    /// `ignore`.
    Ignore,
    /// `breaching`.
    Breaching,
    /// `notBreaching`.
    NotBreaching,
}

impl MissingData {
    /// Every treatment.
    pub const ALL: [MissingData; 4] = [
        MissingData::Missing,
        MissingData::Ignore,
        MissingData::Breaching,
        MissingData::NotBreaching,
    ];

    /// The AWS spelling (`missing`, `ignore`, `breaching`, `notBreaching`).
    pub fn as_str(self) -> &'static str {
        match self {
            MissingData::Missing => "missing",
            MissingData::Ignore => "ignore",
            MissingData::Breaching => "breaching",
            MissingData::NotBreaching => "notBreaching",
        }
    }
}

impl fmt::Display for MissingData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MissingData {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MissingData::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                ParseError::new(s, "expected missing, ignore, breaching or notBreaching")
            })
    }
}

/// The boundaries of a trimmed statistic (`TM`, `WM`, `TC`, `TS`, `PR`).
///
/// "CloudWatch statistics definitions", *Syntax*: "Using parentheses with one
/// or two numbers with percent signs defines the boundaries to use as the
/// values in the data set that fall in between the two percentiles";
/// "Using parenthesis with one or two numbers without percent signs defines
/// the boundaries to use as the values in the data set that fall in between
/// the explicit values that you specify" (lower exclusive, upper inclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Lower boundary, if any.
    pub low: Option<f64>,
    /// Upper boundary, if any.
    pub high: Option<f64>,
    /// `true`: the boundaries are percentiles (0..=100); `false`: values.
    pub percent: bool,
}

impl Bounds {
    /// Percentile boundaries `low%:high%`.
    pub fn percent(low: Option<f64>, high: Option<f64>) -> Self {
        Bounds {
            low,
            high,
            percent: true,
        }
    }

    /// Absolute value boundaries `low:high`.
    pub fn values(low: Option<f64>, high: Option<f64>) -> Self {
        Bounds {
            low,
            high,
            percent: false,
        }
    }
}

impl fmt::Display for Bounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = if self.percent { "%" } else { "" };
        if let Some(low) = self.low {
            write!(f, "{low}{pct}")?;
        }
        f.write_str(":")?;
        if let Some(high) = self.high {
            write!(f, "{high}{pct}")?;
        }
        Ok(())
    }
}

/// A CloudWatch statistic ("CloudWatch statistics definitions").
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    /// "the sum of the values of the all data points collected during the period".
    Sum,
    /// "the value of `Sum/SampleCount` during the specified period".
    Average,
    /// "the lowest value observed during the specified period".
    Minimum,
    /// "the highest value observed during the specified period".
    Maximum,
    /// "the number of data points during the period".
    SampleCount,
    /// `pNN`, 0..=100 (nearest-rank, see `stats.rs`).
    Percentile(f64),
    /// `TM(..)` / `tmNN`: "the mean of all values that are between two specified boundaries".
    TrimmedMean(Bounds),
    /// `WM(..)` / `wmNN`: values outside the boundary "are considered to be equal
    /// to the value at the edge of the appropriate boundary".
    WinsorizedMean(Bounds),
    /// `TC(..)` / `tcNN`: "the number of data points in the chosen range".
    TrimmedCount(Bounds),
    /// `TS(..)` / `tsNN`: "the sum of the values of data points in a chosen range".
    TrimmedSum(Bounds),
    /// `PR(..)`: "the percentage of values that meet a fixed threshold".
    PercentileRank(Bounds),
    /// `IQM`: "equivalent to TM(25%:75%)".
    InterquartileMean,
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statistic::Sum => f.write_str("Sum"),
            Statistic::Average => f.write_str("Average"),
            Statistic::Minimum => f.write_str("Minimum"),
            Statistic::Maximum => f.write_str("Maximum"),
            Statistic::SampleCount => f.write_str("SampleCount"),
            Statistic::Percentile(p) => write!(f, "p{p}"),
            Statistic::TrimmedMean(b) => write!(f, "TM({b})"),
            Statistic::WinsorizedMean(b) => write!(f, "WM({b})"),
            Statistic::TrimmedCount(b) => write!(f, "TC({b})"),
            Statistic::TrimmedSum(b) => write!(f, "TS({b})"),
            Statistic::PercentileRank(b) => write!(f, "PR({b})"),
            Statistic::InterquartileMean => f.write_str("IQM"),
        }
    }
}

/// Parses a plain unsigned decimal (`95`, `99.9`); no sign, exponent or NaN.
fn parse_decimal(s: &str) -> Option<f64> {
    let mut parts = s.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses `low:high` where each side is optional and may end with `%`.
fn parse_bounds(s: &str) -> Option<Bounds> {
    let (low, high) = s.split_once(':')?;
    let mut percent = None;
    let mut side = |t: &str| -> Option<Option<f64>> {
        let t = t.trim();
        if t.is_empty() {
            return Some(None);
        }
        let (num, pct) = match t.strip_suffix('%') {
            Some(n) => (n, true),
            None => (t, false),
        };
        if *percent.get_or_insert(pct) != pct {
            return None; // mixing percentages and values
        }
        parse_decimal(num).map(Some)
    };
    let low = side(low)?;
    let high = side(high)?;
    let percent = percent?; // "(:)" has no boundary at all
    if percent && (low.is_some_and(|v| v > 100.0) || high.is_some_and(|v| v > 100.0)) {
        return None;
    }
    if let (Some(l), Some(h)) = (low, high)
        && l > h
    {
        return None;
    }
    Some(Bounds { low, high, percent })
}

impl FromStr for Statistic {
    type Err = ParseError;

    /// Accepts `Sum`, `Average`, `Minimum`, `Maximum`, `SampleCount`, `pNN`
    /// (`p95`, `p99.9`, 0..=100), `IQM`, the one-number lowercase forms
    /// `tmNN`/`wmNN`/`tcNN`/`tsNN` (meaning `XX(:NN%)`), and the uppercase range
    /// forms `TM(..)`, `WM(..)`, `TC(..)`, `TS(..)`, `PR(..)`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let stat = match s {
            "Sum" => Some(Statistic::Sum),
            "Average" => Some(Statistic::Average),
            "Minimum" => Some(Statistic::Minimum),
            "Maximum" => Some(Statistic::Maximum),
            "SampleCount" => Some(Statistic::SampleCount),
            "IQM" => Some(Statistic::InterquartileMean),
            _ => None,
        };
        if let Some(stat) = stat {
            return Ok(stat);
        }
        let bad = || {
            ParseError::new(
                s,
                "expected a CloudWatch statistic (Sum, p99, TM(10%:90%)...)",
            )
        };
        if let Some(rest) = s.strip_prefix('p') {
            let p = parse_decimal(rest).ok_or_else(bad)?;
            return if p <= 100.0 {
                Ok(Statistic::Percentile(p))
            } else {
                Err(ParseError::new(
                    s,
                    "a percentile must be between p0 and p100",
                ))
            };
        }
        // "They can only be abbreviated using lowercase letters when you
        // specifying only one number, such as tm99."
        type Make = fn(Bounds) -> Statistic;
        let short: [(&str, Make); 4] = [
            ("tm", Statistic::TrimmedMean),
            ("wm", Statistic::WinsorizedMean),
            ("tc", Statistic::TrimmedCount),
            ("ts", Statistic::TrimmedSum),
        ];
        for (prefix, make) in short {
            if let Some(rest) = s.strip_prefix(prefix) {
                let p = parse_decimal(rest)
                    .filter(|p| *p <= 100.0)
                    .ok_or_else(bad)?;
                return Ok(make(Bounds::percent(None, Some(p))));
            }
        }
        let long: [(&str, Make); 5] = [
            ("TM(", Statistic::TrimmedMean),
            ("WM(", Statistic::WinsorizedMean),
            ("TC(", Statistic::TrimmedCount),
            ("TS(", Statistic::TrimmedSum),
            ("PR(", Statistic::PercentileRank),
        ];
        for (prefix, make) in long {
            if let Some(rest) = s.strip_prefix(prefix) {
                let inner = rest.strip_suffix(')').ok_or_else(bad)?;
                let bounds = parse_bounds(inner).ok_or_else(bad)?;
                if prefix == "PR(" && bounds.percent {
                    return Err(ParseError::new(
                        s,
                        "PR takes value boundaries, not percentages",
                    ));
                }
                return Ok(make(bounds));
            }
        }
        Err(bad())
    }
}

/// The threshold of a metric alarm.
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    /// A fixed threshold.
    Static(f64),
    /// An anomaly detection band, one lower/upper value per period (the two
    /// series of `ANOMALY_DETECTION_BAND`). A period where a bound needed by the
    /// comparison is missing has no evaluable datapoint (treated as missing).
    Band {
        /// Lower edge of the band per period.
        lower: Series,
        /// Upper edge of the band per period.
        upper: Series,
    },
}

/// The evaluation settings of a metric alarm.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// **Evaluation Periods** ("N"); values below 1 are treated as 1.
    pub evaluation_periods: usize,
    /// **Datapoints to Alarm** ("M"); clamped to `1..=evaluation_periods`.
    pub datapoints_to_alarm: usize,
    /// How a datapoint is compared with the threshold.
    pub comparison: Comparison,
    /// The threshold or anomaly band.
    pub threshold: Threshold,
    /// How missing datapoints are treated.
    pub treat_missing: MissingData,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_display_and_parse_round_trip() {
        for state in State::ALL {
            assert_eq!(state.to_string().parse::<State>(), Ok(state));
        }
        assert_eq!(State::InsufficientData.to_string(), "INSUFFICIENT_DATA");
        assert!("ok".parse::<State>().is_err());
        assert!("".parse::<State>().is_err());
    }

    #[test]
    fn comparison_parse_all_aws_names() {
        for c in Comparison::ALL {
            assert_eq!(c.as_str().parse::<Comparison>(), Ok(c));
        }
        assert!("GreaterThan".parse::<Comparison>().is_err());
        assert_eq!(Comparison::ALL.iter().filter(|c| c.is_band()).count(), 3);
    }

    #[test]
    fn missing_data_parse() {
        assert_eq!("notBreaching".parse(), Ok(MissingData::NotBreaching));
        assert_eq!("missing".parse(), Ok(MissingData::Missing));
        assert_eq!("ignore".parse(), Ok(MissingData::Ignore));
        assert_eq!("breaching".parse(), Ok(MissingData::Breaching));
        assert!("NotBreaching".parse::<MissingData>().is_err());
        assert_eq!(MissingData::default(), MissingData::Missing);
    }

    #[test]
    fn statistic_parse_basic_and_percentiles() {
        assert_eq!("Sum".parse(), Ok(Statistic::Sum));
        assert_eq!("SampleCount".parse(), Ok(Statistic::SampleCount));
        assert_eq!("p95".parse(), Ok(Statistic::Percentile(95.0)));
        assert_eq!("p99.9".parse(), Ok(Statistic::Percentile(99.9)));
        assert_eq!("p0".parse(), Ok(Statistic::Percentile(0.0)));
        assert_eq!("p100".parse(), Ok(Statistic::Percentile(100.0)));
        for bad in [
            "p101", "p-1", "p", "p9.", "p.5", "pNaN", "p1e2", "sum", "P95", " p9",
        ] {
            assert!(bad.parse::<Statistic>().is_err(), "{bad}");
        }
        assert_eq!(Statistic::Percentile(99.9).to_string(), "p99.9");
    }

    #[test]
    fn parse_error_display() {
        let e = "bogus".parse::<Comparison>().err();
        assert!(e.is_some_and(|e| e.to_string().contains("\"bogus\"")));
    }

    #[test]
    fn pipeline_samples_to_math_to_alarm() {
        // Errors and requests per minute, error rate alarm at 10% for 2 of 3.
        let errors: Vec<(i64, f64)> = vec![(5, 1.0), (65, 5.0), (70, 5.0), (130, 9.0), (250, 3.0)];
        let requests: Vec<(i64, f64)> = (0..300).step_by(10).map(|t| (t, 10.0)).collect();
        let e = aggregate(&errors, 60, 5, Statistic::Sum);
        let r = aggregate(&requests, 60, 5, Statistic::Sum);
        assert_eq!(e, vec![Some(1.0), Some(10.0), Some(9.0), None, Some(3.0)]);
        let expr = math::Expr::parse("100 * FILL(errors, 0) / requests");
        let inputs = vec![("errors".to_string(), e), ("requests".to_string(), r)];
        let rate = expr.and_then(|x| x.eval(&inputs, 60, 5));
        let rate = rate.unwrap_or_default();
        assert_eq!(
            rate,
            vec![
                Some(100.0 / 60.0),
                Some(100.0 / 6.0),
                Some(15.0),
                Some(0.0),
                Some(5.0)
            ]
        );
        let rule = Rule {
            evaluation_periods: 3,
            datapoints_to_alarm: 2,
            comparison: Comparison::GreaterThanThreshold,
            threshold: Threshold::Static(10.0),
            treat_missing: MissingData::Missing,
        };
        assert_eq!(
            evaluate(&rule, &rate),
            vec![State::Ok, State::Ok, State::Alarm, State::Alarm, State::Ok]
        );
    }

    /// Deterministic random inputs: parsers and evaluators never panic.
    #[test]
    fn random_inputs_never_panic() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let math_atoms = [
            "m1",
            "m2",
            "x",
            "1",
            "0",
            "2.5",
            "1e3",
            "+",
            "-",
            "*",
            "/",
            "^",
            "(",
            ")",
            "[",
            "]",
            ",",
            "<",
            "<=",
            "==",
            "!=",
            "&&",
            "||",
            " AND ",
            " OR ",
            "IF(",
            "FILL(",
            "REPEAT",
            "LINEAR",
            "SUM(",
            "AVG(",
            "MIN(",
            "MAX(",
            "STDDEV(",
            "METRICS(",
            "\"m\"",
            "RATE(",
            "DIFF(",
            "PERIOD(",
            "ABS(",
            "TIME_SERIES(",
            "FIRST(",
            "LAST(",
            "SORT(",
            "SLICE(",
            "AVG",
            "MAX",
            "ASC",
            "DESC",
            "DAY(",
            "EPOCH(",
            "YEAR(",
            "ANOMALY_DETECTION_BAND(",
            "SERVICE_QUOTA(",
            "INSIGHT_RULE_METRIC(",
            "'r'",
            "é",
            " ",
        ];
        let external = math::External {
            start: 1_709_856_000,
            band: Some((vec![Some(1.0)], vec![None, Some(2.0)])),
            quotas: vec![("m1".to_string(), vec![Some(10.0)])],
            insight_rules: vec![(("r".to_string(), "m".to_string()), vec![Some(1.0)])],
        };
        let rule_atoms = [
            "ALARM(",
            "OK(",
            "INSUFFICIENT_DATA(",
            "a",
            "b",
            "\"q q\"",
            "\\",
            ")",
            "(",
            ",",
            " AND ",
            " OR ",
            "NOT ",
            "TRUE",
            "FALSE",
            "AT_LEAST(",
            "1",
            "50%",
            "0",
            " ",
            "é",
        ];
        let inputs = vec![
            ("m1".to_string(), vec![Some(1.0), None, Some(-3.0)]),
            ("m2".to_string(), vec![None, Some(0.0)]),
        ];
        for _ in 0..3000 {
            let len = next(12);
            let text: String = (0..len)
                .map(|_| math_atoms[next(math_atoms.len())])
                .collect();
            if let Ok(expr) = math::Expr::parse(&text) {
                let _ = expr.ids();
                let _ = expr.eval(&inputs, next(3) as u32 * 60, next(5));
                let _ = expr.eval_with(&inputs, next(3) as u32 * 60, next(5), &external);
            }
            let text: String = (0..len)
                .map(|_| rule_atoms[next(rule_atoms.len())])
                .collect();
            if let Ok(rule) = composite::Rule::parse(&text) {
                let _ = rule.children();
                let _ = rule.eval(&|name| State::ALL[name.len() % 3]);
            }
            let _ = text.parse::<Statistic>();
        }
    }

    #[test]
    fn statistic_parse_trimmed_forms() {
        assert_eq!(
            "tm99".parse(),
            Ok(Statistic::TrimmedMean(Bounds::percent(None, Some(99.0))))
        );
        assert_eq!(
            "TM(2%:98%)".parse(),
            Ok(Statistic::TrimmedMean(Bounds::percent(
                Some(2.0),
                Some(98.0)
            )))
        );
        assert_eq!(
            "TC(0.005:0.030)".parse(),
            Ok(Statistic::TrimmedCount(Bounds::values(
                Some(0.005),
                Some(0.03)
            )))
        );
        assert_eq!(
            "PR(:300)".parse(),
            Ok(Statistic::PercentileRank(Bounds::values(None, Some(300.0))))
        );
        assert_eq!("IQM".parse(), Ok(Statistic::InterquartileMean));
        for bad in [
            "TM(:)",
            "TM(10%:90)",
            "TM(90%:10%)",
            "PR(1%:2%)",
            "TM(1:2",
            "tm(1:2)",
            "TM(:101%)",
        ] {
            assert!(bad.parse::<Statistic>().is_err(), "{bad}");
        }
        let s: Statistic = "WM(10%:90%)".parse().unwrap_or(Statistic::Sum);
        assert_eq!(s.to_string(), "WM(10%:90%)");
    }
}
