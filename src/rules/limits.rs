//! CloudWatch and CloudWatch Logs input limits and value rules (the API
//! references' constraints; `../shared/reference/aws-facts.md`), used by the
//! validator on what the user wrote and by the compiler on final resources.

/// The retention periods PutRetentionPolicy accepts (API reference,
/// `retentionInDays`).
pub const LOG_RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Valid static statistics.
pub const STATISTICS: [&str; 5] = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"];
/// Valid units (StandardUnit).
pub const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];
/// Most metrics a math alarm may use.
pub const MAX_MATH_METRICS: usize = 10;
/// Most dimensions per metric.
pub const MAX_DIMENSIONS: usize = 30;
/// Most characters in a math expression.
pub const MAX_EXPRESSION: usize = 2048;
/// Most dimensions of a metric filter.
pub const MAX_FILTER_DIMENSIONS: usize = 3;
/// Most characters in a filter pattern.
pub const MAX_FILTER_PATTERN: usize = 1024;
/// Most filters per log group.
pub const MAX_FILTERS_PER_LOG_GROUP: usize = 100;
/// Most metric filters with a `%regex%` per log group. PutMetricFilter
/// (CloudWatch Logs API reference,
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html>):
/// "Using regular expressions in filter patterns is supported. For these
/// filters, there is a quota of two regular expression patterns within a
/// single filter pattern. There is also a quota of five regular expression
/// patterns per log group." ("Filter pattern syntax for metric filters,
/// subscription filters, filter log events, and Live Tail": up to five filter
/// patterns containing regex per log group.) The two-per-pattern quota is
/// enforced by the filter-pattern parser.
pub const MAX_REGEX_FILTERS_PER_LOG_GROUP: usize = 5;

/// Result of checking a period: `None` when valid, else the message.
pub fn period_problem(period: u32) -> Option<String> {
    let ok = matches!(period, 10 | 20 | 30)
        || (period > 0 && period.is_multiple_of(60) && period <= 86_400);
    (!ok).then(|| format!("period {period} is not allowed"))
}

/// Checks `period × evaluation_periods` against CloudWatch's look-back limit.
pub fn window_problem(period: u32, evaluation_periods: u32) -> Option<String> {
    let window = u64::from(period) * u64::from(evaluation_periods);
    let limit = if period < 3600 { 86_400 } else { 604_800 };
    (window > limit).then(|| {
        format!(
            "period × evaluation_periods = {window} s exceeds the {} limit ({limit} s) for a {period} s period",
            if limit == 86_400 { "1-day" } else { "7-day" }
        )
    })
}

/// True when `stat` is a valid statistic or extended statistic.
pub fn valid_statistic(stat: &str) -> bool {
    STATISTICS.contains(&stat) || is_extended_statistic(stat)
}

/// True for a percentile statistic (`p95`, `p99.9`): the statistics
/// `EvaluateLowSampleCountPercentile` applies to.
pub fn is_percentile(stat: &str) -> bool {
    stat.strip_prefix('p')
        .is_some_and(|n| bounded_number(n, 100.0))
}

/// True for percentiles and the other extended statistics (`p95`, `tm90`,
/// `IQM`, `TM(10%:90%)`, `PR(:300)`).
pub fn is_extended_statistic(stat: &str) -> bool {
    if stat == "IQM" {
        return true;
    }
    for prefix in ["p", "tm", "tc", "ts", "wm"] {
        if let Some(num) = stat.strip_prefix(prefix) {
            return bounded_number(num, 100.0);
        }
    }
    for prefix in ["TM(", "TC(", "TS(", "WM(", "PR("] {
        if let Some(inner) = stat.strip_prefix(prefix).and_then(|s| s.strip_suffix(')')) {
            let Some((lo, hi)) = inner.split_once(':') else {
                return false;
            };
            if lo.is_empty() && hi.is_empty() {
                return false;
            }
            let bound = |s: &str| {
                s.is_empty()
                    || match s.strip_suffix('%') {
                        Some(pct) => bounded_number(pct, 100.0),
                        None => s.parse::<f64>().is_ok(),
                    }
            };
            return bound(lo) && bound(hi);
        }
    }
    false
}

fn bounded_number(s: &str, max: f64) -> bool {
    let digits = s.split_once('.').map_or(s.len(), |(a, _)| a.len());
    let decimals = s.split_once('.').map_or(0, |(_, b)| b.len());
    !s.is_empty()
        && digits <= 3
        && decimals <= 10
        && s.parse::<f64>().is_ok_and(|v| (0.0..=max).contains(&v))
}

/// True for a valid metric-data-query id.
pub fn valid_query_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && id.len() <= 255
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        for ok in [10, 20, 30, 60, 300, 3600, 86_400] {
            assert!(period_problem(ok).is_none(), "{ok}");
        }
        for bad in [0, 15, 45, 90, 61, 86_460] {
            assert!(period_problem(bad).is_some(), "{bad}");
        }
    }

    /// PutMetricAlarm: EvaluateLowSampleCountPercentile is "used only for
    /// alarms based on percentiles" ("Percentile-based CloudWatch alarms and
    /// low data samples"): `pNN` only, not the other extended statistics.
    #[test]
    fn percentiles() {
        for p in ["p50", "p99", "p99.9", "p0", "p100"] {
            assert!(is_percentile(p), "{p}");
        }
        for other in ["Average", "tm90", "IQM", "PR(:300)", "p", "p101", "P99"] {
            assert!(!is_percentile(other), "{other}");
        }
    }

    #[test]
    fn windows() {
        assert!(window_problem(60, 1440).is_none());
        assert!(window_problem(60, 1441).is_some());
        assert!(window_problem(3600, 168).is_none());
        assert!(window_problem(3600, 169).is_some());
    }

    #[test]
    fn statistics() {
        for ok in [
            "Sum",
            "p95",
            "p99.9",
            "p0.0",
            "p100",
            "tm90",
            "IQM",
            "TM(10%:90%)",
            "PR(:300)",
            "TC(5:)",
        ] {
            assert!(valid_statistic(ok), "{ok}");
        }
        for bad in ["sum", "p", "p101", "Avg", "TM()", "TM(:)", "q95"] {
            assert!(!valid_statistic(bad), "{bad}");
        }
    }

    #[test]
    fn query_ids() {
        assert!(valid_query_id("m1"));
        assert!(valid_query_id("error_rate"));
        assert!(!valid_query_id("M1"));
        assert!(!valid_query_id("1m"));
        assert!(!valid_query_id("m-1"));
    }
}
