//! Log alarms (PutLogAlarm) as the CloudWatch API reference documents them:
//! the comparisons a log alarm takes, the limits of its inputs, and the
//! `rate()` schedule of its scheduled query. Pure: strings and numbers.
//!
//! Sources: "PutLogAlarm", "ScheduledQueryConfiguration" and
//! "ScheduleConfiguration" in the Amazon CloudWatch API Reference
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html>,
//! `API_ScheduledQueryConfiguration.html`, `API_ScheduleConfiguration.html`),
//! and "Log alarms" in the CloudWatch User Guide
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-log.html>).

/// `ComparisonOperator`: "Valid values are `GreaterThanThreshold`,
/// `GreaterThanOrEqualToThreshold`, `LessThanThreshold`, and
/// `LessThanOrEqualToThreshold`" (PutLogAlarm).
pub const COMPARISONS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];

/// `QueryString`: at most 10,000 characters.
pub const MAX_QUERY: usize = 10_000;
/// `AggregationExpression`: 1 to 256 characters (the type's length
/// constraint; its prose says 2048, the constraint is what AWS enforces
/// first, so obsctl keeps to the smaller).
pub const MAX_AGGREGATION: usize = 256;
/// `LogGroupIdentifiers`: "between 1 and 50 entries".
pub const MAX_LOG_GROUPS: usize = 50;
/// `QueryResultsToEvaluate`: "Valid range is 1 through 100".
pub const MAX_RESULTS_TO_EVALUATE: u32 = 100;
/// `ScheduleExpression`: 1 to 256 characters.
pub const MAX_SCHEDULE: usize = 256;

/// Seconds between two runs of `rate(N unit)` (`ScheduleExpression`:
/// "Specify a `rate()` expression, for example `rate(5 minutes)`"). The
/// value is a positive whole number; the unit `minute`, `hour` or `day`,
/// singular for 1 and plural otherwise, as AWS rate expressions are
/// written. Anything else is an error saying what is expected.
pub fn rate_seconds(expr: &str) -> Result<u64, String> {
    let expected =
        "expected `rate(N minutes)`, `rate(N hours)` or `rate(N days)` (`rate(1 minute)` for one)";
    let Some(inner) = expr
        .trim()
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(')'))
    else {
        return Err(format!("`{expr}` is not a rate expression: {expected}"));
    };
    let mut parts = inner.split_whitespace();
    let (Some(value), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("`{expr}`: {expected}"));
    };
    let n: u64 = match value.parse() {
        Ok(n) if n >= 1 => n,
        _ => return Err(format!("`{expr}`: the value must be a whole number ≥ 1")),
    };
    let (unit_seconds, singular) = match unit {
        "minute" | "minutes" => (60, unit == "minute"),
        "hour" | "hours" => (3600, unit == "hour"),
        "day" | "days" => (86_400, unit == "day"),
        _ => return Err(format!("`{expr}`: unknown unit `{unit}`; {expected}")),
    };
    if singular != (n == 1) {
        return Err(format!(
            "`{expr}`: write the unit singular for 1 and plural otherwise (`rate(1 minute)`, `rate(5 minutes)`)"
        ));
    }
    n.checked_mul(unit_seconds)
        .ok_or_else(|| format!("`{expr}`: the value is too large"))
}

/// The problem with a schedule's offsets, if any: `EndTimeOffset` "Must be
/// non-negative and less than `StartTimeOffset`", and a range that reads
/// nothing (start 0) is refused as useless.
pub fn offsets_problem(start: u64, end: u64) -> Option<String> {
    if start == 0 {
        return Some("the queried time range is empty: start offset 0".into());
    }
    if end >= start {
        return Some(format!(
            "the end offset ({end} s) must be less than the start offset ({start} s)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_expressions_as_documented() {
        assert_eq!(rate_seconds("rate(5 minutes)"), Ok(300));
        assert_eq!(rate_seconds("rate(1 minute)"), Ok(60));
        assert_eq!(rate_seconds("rate(2 hours)"), Ok(7200));
        assert_eq!(rate_seconds("rate(1 day)"), Ok(86_400));
        for bad in [
            "rate(1 minutes)",
            "rate(5 minute)",
            "rate(0 minutes)",
            "rate(5 seconds)",
            "cron(0 * * * ? *)",
            "rate(5)",
            "rate(-5 minutes)",
            "rate(99999999999999999999 days)",
        ] {
            assert!(rate_seconds(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn offsets() {
        assert_eq!(offsets_problem(300, 0), None);
        assert!(offsets_problem(300, 300).is_some());
        assert!(offsets_problem(0, 0).is_some());
    }
}
