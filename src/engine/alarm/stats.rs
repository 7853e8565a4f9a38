//! Aggregation of raw samples into one datapoint per period.
//!
//! "CloudWatch statistics definitions": "Statistics are metric data
//! aggregations over specified periods of time." Sample `(t, v)` belongs to
//! period `t / period` (`t >= 0`); samples outside `0..periods` periods, and
//! non-finite values (which CloudWatch rejects on ingestion), are ignored. A
//! period without samples has no datapoint (`None`) for every statistic,
//! including `SampleCount`, because CloudWatch returns no datapoint for it.
//!
//! # Percentiles
//!
//! CloudWatch does not publish its interpolation method. This module uses the
//! **nearest-rank** method: the `p`th percentile of `n` sorted values is the
//! value of rank `ceil(p/100 * n)` (rank 1 for `p0`). It matches the page's own
//! description: "p99 is the maximum value of the remaining 99%" once the top
//! 1% is removed. Trimmed statistics use the same ranks: `TM(a%:b%)` keeps
//! ranks `ceil(a/100 n) < r <= ceil(b/100 n)`.
//!
//! "Requirements to use percentiles, trimmed mean, and some other statistics":
//! "these type of statistics are not available for metrics when any of the
//! metric values are negative numbers." Applied per period: a percentile,
//! TM, WM, TC, TS, PR or IQM over a period holding a negative sample is `None`.

//!
//! # Statistic sets
//!
//! PutMetricData also takes a statistic set (`StatisticValues`: SampleCount,
//! Sum, Minimum, Maximum) in place of raw values; [`aggregate_sets`] combines
//! them with raw samples of the same period: SampleCount and Sum add up,
//! Minimum and Maximum are the extremes, Average is "Sum/SampleCount"
//! ("CloudWatch statistics definitions"). Percentiles and the statistics
//! built on them (TM, WM, TC, TS, PR, IQM) need raw values: "CloudWatch
//! needs raw data points to calculate percentile statistics. If you publish
//! data using a statistic set instead, you can only retrieve percentile
//! statistics for this data if one of the following conditions is true:
//! The SampleCount value of the statistic set is 1. The Min and the Max
//! values of the statistic set are equal." (GetMetricStatistics API
//! reference,
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html>).
//! Such a set stands for its values (one value, or SampleCount copies of
//! Minimum, SampleCount rounded and at most [`MAX_SET_VALUES`]); a period
//! holding any other set has no percentile datapoint.

use super::{Bounds, Series, Statistic};

/// One PutMetricData statistic set (`StatisticValues`) published at `t`
/// (seconds from the start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatSet {
    /// Seconds from the start.
    pub t: i64,
    /// SampleCount (> 0).
    pub count: f64,
    /// Sum.
    pub sum: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum (>= Minimum).
    pub max: f64,
}

/// Most values a statistic set with Minimum = Maximum stands for in a
/// percentile (its SampleCount, rounded, is capped there).
pub const MAX_SET_VALUES: f64 = 100_000.0;

impl StatSet {
    /// The raw values the set stands for, when AWS can compute percentiles
    /// on it (SampleCount 1, or Minimum = Maximum); `None` otherwise.
    fn values(&self) -> Option<Vec<f64>> {
        if self.count == 1.0 {
            Some(vec![self.max])
        } else if self.min == self.max {
            let n = self.count.round().clamp(1.0, MAX_SET_VALUES) as usize;
            Some(vec![self.min; n])
        } else {
            None
        }
    }

    fn valid(&self) -> bool {
        [self.count, self.sum, self.min, self.max]
            .iter()
            .all(|v| v.is_finite())
            && self.count > 0.0
            && self.min <= self.max
    }
}

/// Raw samples and statistic sets aggregated per period (see *Statistic
/// sets* above); with no sets, exactly [`aggregate`].
pub fn aggregate_sets(
    samples: &[(i64, f64)],
    sets: &[StatSet],
    period: u32,
    periods: usize,
    stat: Statistic,
) -> Series {
    let raw = buckets(samples, period, periods);
    let mut grouped: Vec<Vec<StatSet>> = vec![Vec::new(); periods];
    for set in sets.iter().filter(|s| s.valid()) {
        if let Some(i) = bucket(set.t, period, periods) {
            grouped[i].push(*set);
        }
    }
    raw.iter()
        .zip(&grouped)
        .map(|(values, sets)| {
            if sets.is_empty() {
                return statistic(values, stat).filter(|v| !v.is_nan());
            }
            let count = values.len() as f64 + sets.iter().map(|s| s.count).sum::<f64>();
            let sum = values.iter().sum::<f64>() + sets.iter().map(|s| s.sum).sum::<f64>();
            let extremes = values
                .iter()
                .copied()
                .chain(sets.iter().flat_map(|s| [s.min, s.max]));
            let value = match stat {
                Statistic::Sum => Some(sum),
                Statistic::SampleCount => Some(count),
                Statistic::Average => Some(sum / count),
                Statistic::Minimum => extremes.reduce(f64::min),
                Statistic::Maximum => extremes.reduce(f64::max),
                Statistic::Percentile(_)
                | Statistic::TrimmedMean(_)
                | Statistic::WinsorizedMean(_)
                | Statistic::TrimmedCount(_)
                | Statistic::TrimmedSum(_)
                | Statistic::PercentileRank(_)
                | Statistic::InterquartileMean => {
                    let mut all = values.clone();
                    for s in sets {
                        all.extend(s.values()?);
                    }
                    statistic(&all, stat)
                }
            };
            value.filter(|v| !v.is_nan())
        })
        .collect()
}

/// Sample counts per period, raw samples plus each statistic set's
/// SampleCount (rounded), for low-sample percentile handling.
pub fn sample_counts_sets(
    samples: &[(i64, f64)],
    sets: &[StatSet],
    period: u32,
    periods: usize,
) -> Vec<usize> {
    let mut counts = sample_counts(samples, period, periods);
    for set in sets.iter().filter(|s| s.valid()) {
        if let Some(c) = bucket(set.t, period, periods).and_then(|i| counts.get_mut(i)) {
            *c += set.count.round().max(0.0) as usize;
        }
    }
    counts
}

/// One metric's raw samples and statistic sets, prepared once to be
/// aggregated on many period grids (a sliding-window alarm reads one grid
/// per evaluation minute within its period, see `schedule.rs`).
///
/// Grid `shift`: period `k` covers `[k·period − shift, (k + 1)·period −
/// shift)`; samples before `t = 0` do not exist. The result equals
/// [`aggregate_sets`] over the samples moved by `shift`. Sum, SampleCount
/// and Average of integral values (below 2^50 in magnitude, where f64
/// sums are exact) come from prefix sums; everything else is computed from
/// the period's samples, in time order, as [`aggregate_sets`] does.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// Finite raw samples, by time.
    samples: Vec<(i64, f64)>,
    /// Valid statistic sets, by time.
    sets: Vec<StatSet>,
    /// Every sample and set as (time, count, sum), by time, with running
    /// totals: `prefix[i]` = totals of the first `i` items.
    items: Vec<i64>,
    prefix: Vec<(f64, f64)>,
    /// All sums exact in f64 (integral values, small enough).
    exact: bool,
}

impl Prepared {
    /// The finite raw samples, by time.
    pub fn samples(&self) -> &[(i64, f64)] {
        &self.samples
    }

    /// Prepares samples (any order) and sets.
    pub fn new(samples: &[(i64, f64)], sets: &[StatSet]) -> Self {
        let mut samples: Vec<(i64, f64)> = samples
            .iter()
            .copied()
            .filter(|(t, v)| *t >= 0 && v.is_finite())
            .collect();
        samples.sort_by_key(|(t, _)| *t);
        let mut sets: Vec<StatSet> = sets
            .iter()
            .copied()
            .filter(|s| s.t >= 0 && s.valid())
            .collect();
        sets.sort_by_key(|s| s.t);
        let mut all: Vec<(i64, f64, f64)> = samples
            .iter()
            .map(|(t, v)| (*t, 1.0, *v))
            .chain(sets.iter().map(|s| (s.t, s.count, s.sum)))
            .collect();
        all.sort_by_key(|(t, _, _)| *t);
        const EXACT: f64 = (1u64 << 50) as f64;
        let mut exact = true;
        let mut prefix = Vec::with_capacity(all.len() + 1);
        let (mut count, mut sum) = (0.0, 0.0);
        prefix.push((count, sum));
        for (_, c, v) in &all {
            count += c;
            sum += v;
            exact &= v.fract() == 0.0 && c.fract() == 0.0 && sum.abs() < EXACT && count < EXACT;
            prefix.push((count, sum));
        }
        Prepared {
            samples,
            sets,
            items: all.iter().map(|(t, _, _)| *t).collect(),
            prefix,
            exact,
        }
    }

    /// Datapoints of the grid with `shift`, `periods` of them.
    pub fn aggregate(&self, period: u32, shift: i64, periods: usize, stat: Statistic) -> Series {
        let p = i64::from(period);
        if period == 0 {
            return vec![None; periods];
        }
        let fast = self.exact
            && matches!(
                stat,
                Statistic::Sum | Statistic::SampleCount | Statistic::Average
            );
        (0..periods)
            .map(|k| {
                let from = (k as i64) * p - shift;
                let to = from + p;
                if fast {
                    let lo = self.items.partition_point(|t| *t < from);
                    let hi = self.items.partition_point(|t| *t < to);
                    if lo == hi {
                        return None;
                    }
                    let (c1, s1) = self.prefix.get(hi).copied().unwrap_or_default();
                    let (c0, s0) = self.prefix.get(lo).copied().unwrap_or_default();
                    let (count, sum) = (c1 - c0, s1 - s0);
                    let v = match stat {
                        Statistic::Sum => sum,
                        Statistic::SampleCount => count,
                        _ => sum / count,
                    };
                    return Some(v).filter(|v| !v.is_nan());
                }
                let lo = self.samples.partition_point(|(t, _)| *t < from);
                let hi = self.samples.partition_point(|(t, _)| *t < to);
                let slo = self.sets.partition_point(|s| s.t < from);
                let shi = self.sets.partition_point(|s| s.t < to);
                let samples: Vec<(i64, f64)> = self.samples[lo..hi]
                    .iter()
                    .map(|(t, v)| (t - from, *v))
                    .collect();
                let sets: Vec<StatSet> = self.sets[slo..shi]
                    .iter()
                    .map(|s| StatSet {
                        t: s.t - from,
                        ..*s
                    })
                    .collect();
                aggregate_sets(&samples, &sets, period, 1, stat)
                    .into_iter()
                    .next()
                    .flatten()
            })
            .collect()
    }

    /// Sample counts per period of the grid with `shift` (raw samples plus
    /// each set's SampleCount, rounded), as [`sample_counts_sets`].
    pub fn sample_counts(&self, period: u32, shift: i64, periods: usize) -> Vec<usize> {
        let p = i64::from(period);
        if period == 0 {
            return vec![0; periods];
        }
        (0..periods)
            .map(|k| {
                let from = (k as i64) * p - shift;
                let to = from + p;
                let raw = self.samples.partition_point(|(t, _)| *t < to)
                    - self.samples.partition_point(|(t, _)| *t < from);
                let slo = self.sets.partition_point(|s| s.t < from);
                let shi = self.sets.partition_point(|s| s.t < to);
                raw + self.sets[slo..shi]
                    .iter()
                    .map(|s| s.count.round().max(0.0) as usize)
                    .sum::<usize>()
            })
            .collect()
    }
}

/// Index of the period a sample at `t` falls in, if within `0..periods`.
fn bucket(t: i64, period: u32, periods: usize) -> Option<usize> {
    if period == 0 || t < 0 {
        return None;
    }
    let idx = usize::try_from(t / i64::from(period)).ok()?;
    (idx < periods).then_some(idx)
}

/// Finite sample values grouped per period.
fn buckets(samples: &[(i64, f64)], period: u32, periods: usize) -> Vec<Vec<f64>> {
    let mut out = vec![Vec::new(); periods];
    for &(t, v) in samples {
        if !v.is_finite() {
            continue;
        }
        if let Some(i) = bucket(t, period, periods) {
            out[i].push(v);
        }
    }
    out
}

/// `ceil(x)` tolerant of floating error just above an integer (`999.0000001`).
fn ceil_rank(x: f64) -> usize {
    let r = (x - 1e-9 * x.abs().max(1.0)).ceil();
    if r <= 0.0 { 0 } else { r as usize }
}

/// Rank (1-based) of the `p`th percentile among `n` values, nearest-rank.
fn percentile_rank(p: f64, n: usize) -> usize {
    ceil_rank(p / 100.0 * n as f64).clamp(1, n.max(1))
}

/// The values of sorted `v` kept by trimming `bounds`.
fn trimmed<'a>(sorted: &'a [f64], bounds: &Bounds) -> Vec<f64> {
    let n = sorted.len();
    if bounds.percent {
        let lo = bounds
            .low
            .map_or(0, |a| ceil_rank(a / 100.0 * n as f64).min(n));
        let hi = bounds
            .high
            .map_or(n, |b| ceil_rank(b / 100.0 * n as f64).min(n));
        if lo < hi {
            sorted[lo..hi].to_vec()
        } else {
            Vec::new()
        }
    } else {
        // "the calculation includes values equal to the higher boundary, but
        // does not include values equal to the lower boundary".
        let keep = |v: &&'a f64| {
            bounds.low.is_none_or(|low| **v > low) && bounds.high.is_none_or(|high| **v <= high)
        };
        sorted.iter().filter(keep).copied().collect()
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<f64>() / values.len() as f64)
    }
}

/// The statistic of one period's samples.
fn statistic(values: &[f64], stat: Statistic) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len();
    match stat {
        Statistic::Sum => return Some(values.iter().sum()),
        Statistic::Average => return mean(values),
        Statistic::Minimum => return values.iter().copied().reduce(f64::min),
        Statistic::Maximum => return values.iter().copied().reduce(f64::max),
        Statistic::SampleCount => return Some(n as f64),
        _ => {}
    }
    if values.iter().any(|v| *v < 0.0) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match stat {
        Statistic::Percentile(p) => {
            if !(0.0..=100.0).contains(&p) {
                return None;
            }
            sorted.get(percentile_rank(p, n) - 1).copied()
        }
        Statistic::TrimmedMean(b) => mean(&trimmed(&sorted, &b)),
        Statistic::InterquartileMean => {
            mean(&trimmed(&sorted, &Bounds::percent(Some(25.0), Some(75.0))))
        }
        Statistic::TrimmedCount(b) => Some(trimmed(&sorted, &b).len() as f64),
        Statistic::TrimmedSum(b) => {
            let kept = trimmed(&sorted, &b);
            (!kept.is_empty()).then(|| kept.iter().sum())
        }
        Statistic::PercentileRank(b) => Some(100.0 * trimmed(&sorted, &b).len() as f64 / n as f64),
        Statistic::WinsorizedMean(b) => {
            let (lo, hi) = if b.percent {
                let kept = trimmed(&sorted, &b);
                (*kept.first()?, *kept.last()?)
            } else {
                (
                    b.low.unwrap_or(f64::NEG_INFINITY),
                    b.high.unwrap_or(f64::INFINITY),
                )
            };
            let clamped: Vec<f64> = sorted.iter().map(|v| v.max(lo).min(hi)).collect();
            mean(&clamped)
        }
        _ => None,
    }
}

/// Raw samples (t in seconds from the test start, value), aggregated per period.
///
/// Returns `periods` values; `period == 0` yields all `None`.
pub fn aggregate(samples: &[(i64, f64)], period: u32, periods: usize, stat: Statistic) -> Series {
    buckets(samples, period, periods)
        .iter()
        .map(|values| statistic(values, stat).filter(|v| !v.is_nan()))
        .collect()
}

/// Sample counts per period (for low-sample percentile handling).
pub fn sample_counts(samples: &[(i64, f64)], period: u32, periods: usize) -> Vec<usize> {
    buckets(samples, period, periods)
        .iter()
        .map(Vec::len)
        .collect()
}

/// The number of samples below which a `p`th-percentile datapoint is not
/// statistically significant, or `None` when the rule does not apply.
///
/// "Percentile-based CloudWatch alarms and low data samples": "For percentiles
/// between 0.5 (inclusive) and 1.00 (exclusive), this setting is used when
/// there are fewer than 10/(1-percentile) data points during the evaluation
/// period. [...] For percentiles between 0 and 0.5 (exclusive), the setting
/// is used when there are fewer than 10/percentile data points." `p` is given
/// as in `p99` (0..=100); p0, p100 and invalid values get `None`.
pub fn min_significant_samples(p: f64) -> Option<f64> {
    if (50.0..100.0).contains(&p) {
        Some(1000.0 / (100.0 - p))
    } else if p > 0.0 && p < 50.0 {
        Some(1000.0 / p)
    } else {
        None
    }
}

/// Whether `count` samples are enough for a significant `p`th percentile.
pub fn is_significant(p: f64, count: usize) -> bool {
    match min_significant_samples(p) {
        Some(min) => count as f64 >= min * (1.0 - 1e-9),
        None => true,
    }
}

/// Per-period significance of a `p`th percentile, for
/// [`evaluate_with_significance`](super::evaluate_with_significance).
///
/// A period with no sample at all has no datapoint; it is reported as
/// significant so that the missing-data treatment, not the low-sample rule,
/// decides what happens (not documented by AWS).
pub fn percentile_significance(
    samples: &[(i64, f64)],
    period: u32,
    periods: usize,
    p: f64,
) -> Vec<bool> {
    sample_counts(samples, period, periods)
        .into_iter()
        .map(|count| count == 0 || is_significant(p, count))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_period(values: &[f64], stat: &str) -> Option<f64> {
        let samples: Vec<(i64, f64)> = values.iter().map(|v| (5, *v)).collect();
        let stat: Statistic = stat.parse().unwrap_or(Statistic::Sum);
        aggregate(&samples, 60, 1, stat)[0]
    }

    fn hundred() -> Vec<f64> {
        (1..=100).map(f64::from).collect()
    }

    /// `Prepared` on any grid equals `aggregate_sets` over moved samples,
    /// for every statistic, integral (prefix sums) or not.
    #[test]
    fn prepared_grids_equal_direct_aggregation() {
        // In time order, as `obsctl test` gives them (a period's values are
        // summed in that order).
        let mut raw: Vec<(i64, f64)> = (0..50)
            .map(|i| (i * 37 % 900, f64::from((i * 7 % 13) as i32)))
            .collect();
        raw.sort_by_key(|(t, _)| *t);
        let frac: Vec<(i64, f64)> = raw.iter().map(|(t, v)| (*t, v + 0.1)).collect();
        let sets = [
            StatSet {
                t: 130,
                count: 3.0,
                sum: 6.0,
                min: 2.0,
                max: 2.0,
            },
            StatSet {
                t: 610,
                count: 2.0,
                sum: 5.0,
                min: 1.0,
                max: 4.0,
            },
        ];
        for samples in [&raw, &frac] {
            let prepared = Prepared::new(samples, &sets);
            for stat in [
                "Sum",
                "SampleCount",
                "Average",
                "Minimum",
                "Maximum",
                "p90",
                "TM(10%:90%)",
            ] {
                let stat: Statistic = stat.parse().unwrap_or(Statistic::Sum);
                for shift in [0, 60, 240] {
                    let moved: Vec<(i64, f64)> =
                        samples.iter().map(|(t, v)| (t + shift, *v)).collect();
                    let moved_sets: Vec<StatSet> = sets
                        .iter()
                        .map(|s| StatSet {
                            t: s.t + shift,
                            ..*s
                        })
                        .collect();
                    assert_eq!(
                        prepared.aggregate(300, shift, 5, stat),
                        aggregate_sets(&moved, &moved_sets, 300, 5, stat),
                        "{stat:?} shift {shift}"
                    );
                    assert_eq!(
                        prepared.sample_counts(300, shift, 5),
                        sample_counts_sets(&moved, &moved_sets, 300, 5)
                    );
                }
            }
        }
    }

    #[test]
    fn buckets_by_period_and_ignores_out_of_range() {
        let samples = [
            (0, 1.0),
            (59, 2.0),
            (60, 4.0),
            (-1, 100.0),
            (180, 100.0),
            (10, f64::NAN),
        ];
        assert_eq!(
            aggregate(&samples, 60, 3, Statistic::Sum),
            vec![Some(3.0), Some(4.0), None]
        );
        assert_eq!(sample_counts(&samples, 60, 3), vec![2, 1, 0]);
        assert_eq!(aggregate(&samples, 0, 2, Statistic::Sum), vec![None, None]);
        assert_eq!(sample_counts(&samples, 60, 0), Vec::<usize>::new());
    }

    #[test]
    fn basic_statistics() {
        let v = [3.0, 1.0, 2.0, 6.0];
        assert_eq!(one_period(&v, "Sum"), Some(12.0));
        assert_eq!(one_period(&v, "Average"), Some(3.0));
        assert_eq!(one_period(&v, "Minimum"), Some(1.0));
        assert_eq!(one_period(&v, "Maximum"), Some(6.0));
        assert_eq!(one_period(&v, "SampleCount"), Some(4.0));
        // Empty period: no datapoint at all, even for SampleCount.
        assert_eq!(one_period(&[], "SampleCount"), None);
        assert_eq!(one_period(&[-2.0, -4.0], "Average"), Some(-3.0));
    }

    #[test]
    fn percentiles_nearest_rank() {
        let v = hundred();
        assert_eq!(one_period(&v, "p50"), Some(50.0));
        assert_eq!(one_period(&v, "p99"), Some(99.0));
        assert_eq!(one_period(&v, "p99.5"), Some(100.0));
        assert_eq!(one_period(&v, "p0"), Some(1.0));
        assert_eq!(one_period(&v, "p100"), Some(100.0));
        assert_eq!(one_period(&[7.0], "p90"), Some(7.0));
        let thousand: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(one_period(&thousand, "p99.9"), Some(999.0));
        assert_eq!(one_period(&[4.0, 1.0, 3.0, 2.0], "p25"), Some(1.0));
        assert_eq!(one_period(&[4.0, 1.0, 3.0, 2.0], "p26"), Some(2.0));
    }

    #[test]
    fn percentile_per_period_with_duplicates() {
        let samples = [(0, 5.0), (1, 1.0), (2, 5.0), (3, 3.0), (60, 2.0), (61, 2.0)];
        let p = |stat| aggregate(&samples, 60, 3, stat);
        assert_eq!(
            p(Statistic::Percentile(50.0)),
            vec![Some(3.0), Some(2.0), None]
        );
        assert_eq!(
            p(Statistic::Percentile(75.0)),
            vec![Some(5.0), Some(2.0), None]
        );
        assert_eq!(p(Statistic::Percentile(f64::NAN)), vec![None, None, None]);
        assert_eq!(p(Statistic::Percentile(101.0)), vec![None, None, None]);
    }

    #[test]
    fn percentile_unavailable_with_negative_values() {
        assert_eq!(one_period(&[1.0, -1.0, 3.0], "p50"), None);
        assert_eq!(one_period(&[1.0, -1.0, 3.0], "tm90"), None);
        assert_eq!(one_period(&[1.0, -1.0, 3.0], "Maximum"), Some(3.0));
    }

    #[test]
    fn trimmed_mean_count_sum() {
        let v = hundred();
        // tm90: drop the highest 10% -> mean of 1..=90.
        assert_eq!(one_period(&v, "tm90"), Some(45.5));
        // TM(2%:98%): drop 2 lowest and 2 highest -> 3..=98.
        assert_eq!(one_period(&v, "TM(2%:98%)"), Some(50.5));
        // TM(150:1000) style value bounds: (10, 20] -> 11..=20.
        assert_eq!(one_period(&v, "TM(10:20)"), Some(15.5));
        assert_eq!(one_period(&v, "tc90"), Some(90.0));
        assert_eq!(one_period(&v, "TC(10:20)"), Some(10.0));
        assert_eq!(one_period(&v, "TC(:0.5)"), Some(0.0));
        assert_eq!(one_period(&v, "ts90"), Some(4095.0));
        assert_eq!(
            one_period(&v, "TS(80%:)"),
            Some((81..=100).sum::<i32>() as f64)
        );
        assert_eq!(one_period(&v, "TS(200:300)"), None);
        assert_eq!(one_period(&v, "IQM"), Some(50.5));
    }

    #[test]
    fn winsorized_mean_and_percentile_rank() {
        let mut v: Vec<f64> = (1..=9).map(f64::from).collect();
        v.push(1000.0);
        // wm90: the top 10% (1000) is treated as the p90 value (9).
        assert_eq!(one_period(&v, "wm90"), Some((45.0 + 9.0) / 10.0));
        assert_eq!(one_period(&v, "WM(:5)"), Some((15.0 + 5.0 * 5.0) / 10.0));
        // PR(:300): percentage of values <= 300.
        assert_eq!(one_period(&v, "PR(:300)"), Some(90.0));
        assert_eq!(one_period(&v, "PR(5:9)"), Some(40.0));
    }

    #[test]
    fn significance_thresholds_from_the_guide() {
        // "fewer than 1000 samples for an alarm on a p99 percentile"
        assert_eq!(min_significant_samples(99.0), Some(1000.0));
        assert!(!is_significant(99.0, 999));
        assert!(is_significant(99.0, 1000));
        assert!(is_significant(90.0, 100));
        assert!(!is_significant(90.0, 99));
        assert!(is_significant(50.0, 20));
        assert!(!is_significant(50.0, 19));
        // Below p50: 10/percentile -> p10 needs 100 samples, p25 needs 40.
        assert!(!is_significant(10.0, 99));
        assert!(is_significant(10.0, 100));
        assert!(is_significant(25.0, 40));
        assert!(is_significant(99.9, 10_000));
        assert!(!is_significant(99.9, 9_999));
        assert!(is_significant(100.0, 1));
        assert!(is_significant(0.0, 1));
        let samples: Vec<(i64, f64)> = (0..25).map(|i| (i, 1.0)).chain([(70, 1.0)]).collect();
        assert_eq!(
            percentile_significance(&samples, 60, 3, 50.0),
            vec![true, false, true]
        );
    }

    fn set(t: i64, count: f64, sum: f64, min: f64, max: f64) -> StatSet {
        StatSet {
            t,
            count,
            sum,
            min,
            max,
        }
    }

    /// "Average is the value of Sum/SampleCount during the specified
    /// period" ("CloudWatch statistics definitions"): sets and raw samples
    /// of a period add up.
    #[test]
    fn statistic_sets_combine_with_raw_samples() {
        let raw = [(10, 100.0)];
        let sets = [
            set(20, 10.0, 500.0, 20.0, 80.0),
            set(70, 4.0, 40.0, 10.0, 10.0),
        ];
        let agg =
            |stat: &str| aggregate_sets(&raw, &sets, 60, 2, stat.parse().unwrap_or(Statistic::Sum));
        assert_eq!(agg("Sum"), vec![Some(600.0), Some(40.0)]);
        assert_eq!(agg("SampleCount"), vec![Some(11.0), Some(4.0)]);
        assert_eq!(agg("Average"), vec![Some(600.0 / 11.0), Some(10.0)]);
        assert_eq!(agg("Minimum"), vec![Some(20.0), Some(10.0)]);
        assert_eq!(agg("Maximum"), vec![Some(100.0), Some(10.0)]);
        assert_eq!(sample_counts_sets(&raw, &sets, 60, 2), vec![11, 4]);
        // Without sets, exactly `aggregate`.
        assert_eq!(
            aggregate_sets(&raw, &[], 60, 2, Statistic::Maximum),
            aggregate(&raw, 60, 2, Statistic::Maximum)
        );
    }

    /// GetMetricStatistics: "If you publish data using a statistic set
    /// instead, you can only retrieve percentile statistics for this data if
    /// one of the following conditions is true: The SampleCount value of the
    /// statistic set is 1. The Min and the Max values of the statistic set
    /// are equal."
    #[test]
    fn percentiles_of_statistic_sets_follow_aws() {
        let p50 = Statistic::Percentile(50.0);
        // SampleCount 1: the value itself.
        let one = [
            set(0, 1.0, 7.0, 7.0, 7.0),
            set(1, 1.0, 9.0, 9.0, 9.0),
            set(2, 1.0, 1.0, 1.0, 1.0),
        ];
        assert_eq!(aggregate_sets(&[], &one, 60, 1, p50), vec![Some(7.0)]);
        // Minimum = Maximum: SampleCount copies, weighed against raw samples.
        let same = [set(0, 9.0, 45.0, 5.0, 5.0)];
        let raw: Vec<(i64, f64)> = (0..4).map(|i| (i, 100.0)).collect();
        assert_eq!(aggregate_sets(&raw, &same, 60, 1, p50), vec![Some(5.0)]);
        assert_eq!(
            aggregate_sets(&raw, &same, 60, 1, Statistic::Percentile(90.0)),
            vec![Some(100.0)]
        );
        // Any other set: no percentile datapoint for that period, the other
        // statistics as usual.
        let spread = [set(0, 10.0, 500.0, 20.0, 80.0), set(60, 1.0, 3.0, 3.0, 3.0)];
        assert_eq!(
            aggregate_sets(&[], &spread, 60, 2, p50),
            vec![None, Some(3.0)]
        );
        assert_eq!(
            aggregate_sets(&[], &spread, 60, 2, Statistic::Percentile(99.0)),
            vec![None, Some(3.0)]
        );
        assert_eq!(
            aggregate_sets(&[], &spread, 60, 2, Statistic::Average),
            vec![Some(50.0), Some(3.0)]
        );
        // Negative values: no percentile, as for raw samples.
        assert_eq!(
            aggregate_sets(&[], &[set(0, 2.0, -2.0, -1.0, -1.0)], 60, 1, p50),
            vec![None]
        );
    }
}
