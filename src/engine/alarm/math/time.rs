//! The time functions MINUTE, HOUR, DAY, DATE, MONTH, YEAR and EPOCH: a
//! value per period from the period's timestamp, in UTC.
//!
//! Source: CloudWatch User Guide, "Metric math syntax and functions"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax>):
//! arguments TS, returns TS; "These functions take the period and range of
//! the time series and return a new non-sparse time series where each value
//! is based on its timestamp": MINUTE 0–59 and HOUR 0–23 of the UTC time,
//! DAY the day of the week from 1 (Monday) to 7 (Sunday) — "IF(DAY(m1)<6,m1)
//! returns metrics only from weekdays, Monday to Friday" —, DATE the day of
//! the month 1–31, MONTH 1 (January) to 12 — "IF(MONTH(m1) == 4,m1) returns
//! only metrics published in April" —, YEAR the year, EPOCH the seconds since
//! the Unix epoch. A datapoint's timestamp is the start of its period
//! (GetMetricData's timestamps); period `i` starts at `start + i × period`
//! ([`External::start`](super::External)). Non-sparse: every period has a
//! value, also where the argument has no datapoint.

use super::MathError;
use super::eval::{Ctx, Value};
use super::parser::{Node, TimePart};

/// Days since 1970-01-01 → (year, month 1–12, day 1–31), proleptic
/// Gregorian (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The value of `part` at `t` seconds since the Unix epoch (UTC).
pub(super) fn time_part(part: TimePart, t: i64) -> f64 {
    let days = t.div_euclid(86_400);
    let second_of_day = t.rem_euclid(86_400);
    let (year, month, date) = civil_from_days(days);
    let value = match part {
        TimePart::Minute => second_of_day / 60 % 60,
        TimePart::Hour => second_of_day / 3600,
        // 1970-01-01 was a Thursday (4).
        TimePart::Day => (days + 3).rem_euclid(7) + 1,
        TimePart::Date => date,
        TimePart::Month => month,
        TimePart::Year => year,
        TimePart::Epoch => t,
    };
    value as f64
}

impl Ctx<'_> {
    /// `MINUTE(m)` … `EPOCH(m)`.
    pub(super) fn time(&self, part: TimePart, args: &[Node]) -> Result<Value, MathError> {
        let at = args.first().map_or(0, |a| a.offset);
        match self.arg(args, 0)? {
            Value::Series(_) => {}
            Value::Scalar(_) | Value::Array(_) => {
                return Err(MathError::new(at, "expects a single time series"));
            }
        }
        let period = i64::from(self.period);
        let start = self.external.start;
        Ok(Value::Series(
            (0..self.periods)
                .map(|i| {
                    let offset = i64::try_from(i).ok()?.checked_mul(period)?;
                    Some(time_part(part, start.checked_add(offset)?))
                })
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{M, err, s, vals};
    use super::super::{Expr, External};
    use super::{TimePart, time_part};

    fn run_at(text: &str, start: i64, period: u32, periods: usize) -> Vec<Option<f64>> {
        let input = vec![(
            "m1".to_string(),
            s(&[Some(5.0), M, Some(7.0), M, Some(9.0)]),
        )];
        let external = External {
            start,
            ..External::default()
        };
        match Expr::parse(text).and_then(|e| e.eval_with(&input, period, periods, &external)) {
            Ok(series) => series,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn calendar_fields_in_utc() {
        // 2024-02-29T23:59:00Z, a Thursday: 1709251140.
        let t = 1_709_251_140;
        assert_eq!(time_part(TimePart::Minute, t), 59.0);
        assert_eq!(time_part(TimePart::Hour, t), 23.0);
        assert_eq!(time_part(TimePart::Day, t), 4.0);
        assert_eq!(time_part(TimePart::Date, t), 29.0);
        assert_eq!(time_part(TimePart::Month, t), 2.0);
        assert_eq!(time_part(TimePart::Year, t), 2024.0);
        assert_eq!(time_part(TimePart::Epoch, t), 1_709_251_140.0);
        // One minute later: Friday 2024-03-01T00:00Z.
        assert_eq!(time_part(TimePart::Day, t + 60), 5.0);
        assert_eq!(time_part(TimePart::Date, t + 60), 1.0);
        assert_eq!(time_part(TimePart::Month, t + 60), 3.0);
        // The epoch was a Thursday; 1969-12-31 a Wednesday.
        assert_eq!(time_part(TimePart::Day, 0), 4.0);
        assert_eq!(time_part(TimePart::Day, -1), 3.0);
        assert_eq!(time_part(TimePart::Year, -1), 1969.0);
        // Monday 2024-03-04 and Sunday 2024-03-10.
        assert_eq!(time_part(TimePart::Day, 1_709_510_400), 1.0);
        assert_eq!(time_part(TimePart::Day, 1_710_028_800), 7.0);
        assert_eq!(time_part(TimePart::Year, 4_102_444_800), 2100.0);
    }

    #[test]
    fn time_series_are_non_sparse() {
        // "return a new non-sparse time series where each value is based on
        // its timestamp": m1 has gaps, MINUTE(m1) has none.
        assert_eq!(
            run_at("MINUTE(m1)", 0, 60, 5),
            vals(&[0.0, 1.0, 2.0, 3.0, 4.0])
        );
        assert_eq!(run_at("HOUR(m1)", 0, 3600, 3), vals(&[0.0, 1.0, 2.0]));
        assert_eq!(
            run_at("EPOCH(m1)", 1_000, 60, 3),
            vals(&[1000.0, 1060.0, 1120.0])
        );
    }

    #[test]
    fn documented_examples() {
        // Friday 2024-03-08T00:00Z, daily periods: Fri, Sat, Sun, Mon, Tue.
        let friday = 1_709_856_000;
        // "IF(DAY(m1)<6,m1) returns metrics only from weekdays, Monday to Friday."
        assert_eq!(
            run_at("IF(DAY(m1)<6,m1)", friday, 86_400, 5),
            s(&[Some(5.0), M, M, Some(0.0), Some(9.0)])
        );
        assert_eq!(
            run_at("DAY(m1)", friday, 86_400, 5),
            vals(&[5.0, 6.0, 7.0, 1.0, 2.0])
        );
        // "IF(MONTH(m1) == 4,m1) returns only metrics published in April":
        // 2024-03-30, 03-31, 04-01, 04-02, 04-03.
        let march_30 = 1_711_756_800;
        assert_eq!(
            run_at("IF(MONTH(m1) == 4,m1)", march_30, 86_400, 5),
            s(&[M, M, Some(7.0), Some(0.0), Some(9.0)])
        );
        assert_eq!(
            run_at("DATE(m1) + YEAR(m1) * 100", march_30, 86_400, 3),
            vals(&[202_430.0, 202_431.0, 202_401.0])
        );
    }

    #[test]
    fn time_functions_take_one_series() {
        assert_eq!(err("HOUR(METRICS())").offset, 5);
        assert_eq!(err("YEAR(5)").offset, 5);
        assert_eq!(err("MINUTE(nope)").offset, 7);
        // Far-future starts never overflow: the values are dropped.
        assert_eq!(run_at("EPOCH(m1)", i64::MAX - 30, 60, 2)[1], None);
    }
}
