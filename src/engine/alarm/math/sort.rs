//! SORT and SLICE: ordering and cutting arrays of time series.
//!
//! Source: CloudWatch User Guide, "Metric math syntax and functions"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax>):
//!
//! * SORT — arguments "(TS[], FUNCTION, SORT_ORDER) (TS[], FUNCTION,
//!   SORT_ORDER, S)", returns TS[]: "Sorts an array of time series according
//!   to the function you specify. The function you use can be AVG, MIN, MAX,
//!   or SUM. The sort order can be either ASC for ascending (lowest values
//!   first) or DESC to sort the higher values first. You can optionally
//!   specify a number after the sort order which acts as a limit." Each
//!   series is ranked by the function over its present datapoints (as `AVG(m1)`
//!   of one series). Not documented: series without any datapoint sort last
//!   in both orders, ties keep the array's order, a limit must be a whole
//!   number ≥ 0 (a fraction is an error).
//! * SLICE — arguments "(TS[], S, S) or (TS[], S)", returns "TS[] TS":
//!   "The two scalars define the start (inclusive) and end (exclusive) of the
//!   array to return. The array is zero-indexed [...] Alternatively, you can
//!   specify just one value, and CloudWatch returns all time series starting
//!   with that value." A slice of exactly one series is that series (so
//!   `SLICE(SORT(...), 0, 1)` can be an alarm's result). Not documented:
//!   indices beyond the array are cut to its length, and an end before the
//!   start gives an empty array; negative or fractional indices are errors.

use super::MathError;
use super::eval::{Ctx, Value};
use super::functions::{Reduce, reduce};
use super::parser::{Kind, Node};
use crate::engine::alarm::Series;

impl Ctx<'_> {
    /// The array an array function works on: a single series is an array of
    /// one (`SORT(m1, SUM, DESC)`).
    pub(super) fn array_arg(
        &self,
        args: &[Node],
        i: usize,
        name: &str,
    ) -> Result<Vec<Series>, MathError> {
        let at = args.get(i).map_or(0, |a| a.offset);
        match self.arg(args, i)? {
            Value::Array(a) => Ok(a),
            Value::Series(s) => Ok(vec![s]),
            Value::Scalar(_) => Err(MathError::new(
                at,
                format!("{name} expects an array of time series, not a scalar"),
            )),
        }
    }

    /// A whole number ≥ 0 given as argument `i` (a SORT limit, a SLICE index).
    fn index_arg(&self, args: &[Node], i: usize, what: &str) -> Result<usize, MathError> {
        let at = args.get(i).map_or(0, |a| a.offset);
        match self.arg(args, i)? {
            Value::Scalar(Some(v)) if v >= 0.0 && v.fract() == 0.0 => {
                Ok(if v >= usize::MAX as f64 {
                    usize::MAX
                } else {
                    v as usize
                })
            }
            Value::Scalar(_) | Value::Series(_) | Value::Array(_) => Err(MathError::new(
                at,
                format!("{what} must be a whole number, 0 or more"),
            )),
        }
    }

    /// `SORT(array, FUNCTION, ASC|DESC [, limit])`.
    pub(super) fn sort(&self, args: &[Node]) -> Result<Value, MathError> {
        let array = self.array_arg(args, 0, "SORT")?;
        let keyword = |i: usize| match args.get(i).map(|a| &a.kind) {
            Some(Kind::Keyword(w)) => w.as_str(),
            _ => "",
        };
        let by = match keyword(1) {
            "AVG" => Reduce::Avg,
            "MIN" => Reduce::Min,
            "MAX" => Reduce::Max,
            _ => Reduce::Sum,
        };
        let descending = keyword(2) == "DESC";
        let limit = if args.len() > 3 {
            Some(self.index_arg(args, 3, "SORT's limit")?)
        } else {
            None
        };
        let mut ranked: Vec<(Option<f64>, Series)> = array
            .into_iter()
            .map(|s| {
                let present: Vec<f64> = s.iter().flatten().copied().collect();
                (reduce(by, &present), s)
            })
            .collect();
        ranked.sort_by(|(a, _), (b, _)| match (a, b) {
            (Some(a), Some(b)) if descending => b.total_cmp(a),
            (Some(a), Some(b)) => a.total_cmp(b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        let sorted = ranked.into_iter().map(|(_, s)| s);
        Ok(Value::Array(match limit {
            Some(n) => sorted.take(n).collect(),
            None => sorted.collect(),
        }))
    }

    /// `SLICE(array, start [, end])`.
    pub(super) fn slice(&self, args: &[Node]) -> Result<Value, MathError> {
        let array = self.array_arg(args, 0, "SLICE")?;
        let start = self.index_arg(args, 1, "SLICE's start")?.min(array.len());
        let end = if args.len() > 2 {
            self.index_arg(args, 2, "SLICE's end")?.min(array.len())
        } else {
            array.len()
        };
        let mut part: Vec<Series> = array
            .into_iter()
            .skip(start)
            .take(end.saturating_sub(start))
            .collect();
        Ok(if part.len() == 1 {
            Value::Series(part.pop().unwrap_or_default())
        } else {
            Value::Array(part)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{M, err, ok, s, vals};

    // m1 = [30, 20, 0, 0] (SUM 50, AVG 12.5, MAX 30, MIN 0),
    // m2 = [20, -, 20, -] (SUM 40, AVG 20, MAX 20, MIN 20),
    // errors_4xx = [1, 2, -, 4] (SUM 7), errors_5xx = [10, -, -, 40] (SUM 50).

    #[test]
    fn sort_by_each_function_and_order() {
        // "SORT(METRICS(), AVG, DESC, 10) calculates the average value of each
        // time series, sorts the time series with the highest values at the
        // beginning of the sort, and returns only the 10 time series with the
        // highest averages."
        assert_eq!(
            ok("FIRST(SORT(METRICS(), AVG, DESC, 10))"),
            s(&[Some(10.0), M, M, Some(40.0)])
        );
        assert_eq!(
            ok("FIRST(SORT(METRICS(), MAX, DESC))"),
            s(&[Some(10.0), M, M, Some(40.0)])
        );
        // "SORT(METRICS(), MAX, ASC) sorts the array of metrics by the MAX
        // statistic, then returns all of them in ascending order."
        assert_eq!(
            ok("FIRST(SORT(METRICS(), MAX, ASC))"),
            s(&[Some(1.0), Some(2.0), M, Some(4.0)])
        );
        assert_eq!(
            ok("LAST(SORT(METRICS(), MIN, ASC))"),
            s(&[Some(20.0), M, Some(20.0), M])
        );
        // Ties keep the array's order: m1 and errors_5xx both sum to 50.
        assert_eq!(
            ok("FIRST(SORT(METRICS(), SUM, DESC))"),
            vals(&[30.0, 20.0, 0.0, 0.0])
        );
        assert_eq!(
            ok("TIME_SERIES(METRIC_COUNT(SORT(METRICS(), SUM, DESC, 2)))"),
            vals(&[2.0; 4])
        );
        // The documented example of FIRST with SORT.
        assert_eq!(
            ok("IF(FIRST(SORT(METRICS(), AVG, DESC))>100, 1, 0)"),
            s(&[Some(0.0), M, M, Some(0.0)])
        );
        // The task's form: a single series sorts as an array of one.
        assert_eq!(ok("SORT(m1, SUM, DESC)"), vals(&[30.0, 20.0, 0.0, 0.0]));
        assert!(
            err("SORT(m1, SUM, DESC, 0)")
                .message
                .contains("0 time series")
        );
    }

    #[test]
    fn series_without_data_sort_last() {
        assert_eq!(ok("LAST(SORT([m1 / 0, m2], SUM, ASC))"), s(&[M; 4]));
        assert_eq!(
            ok("FIRST(SORT([m1 / 0, m2], SUM, DESC))"),
            s(&[Some(20.0), M, Some(20.0), M])
        );
    }

    #[test]
    fn slice_examples() {
        // "SLICE(SORT(METRICS(), SUM, DESC), 0, 10) returns the 10 metrics
        // [...] that have the highest SUM value."
        assert_eq!(
            ok("TIME_SERIES(METRIC_COUNT(SLICE(SORT(METRICS(), SUM, DESC), 0, 10)))"),
            vals(&[4.0; 4])
        );
        // "SLICE(SORT(METRICS(), AVG, ASC), 5) [...] returns all the time
        // series except for the 5 with the lowest AVG": here 4 series, none left.
        assert_eq!(
            ok("TIME_SERIES(METRIC_COUNT(SLICE(SORT(METRICS(), AVG, ASC), 5)))"),
            vals(&[0.0; 4])
        );
        // One series left is a time series (return type "TS[] TS").
        assert_eq!(
            ok("SLICE(SORT(METRICS(), SUM, ASC), 1, 2)"),
            s(&[Some(20.0), M, Some(20.0), M])
        );
        assert_eq!(
            ok("SLICE(METRICS(), 3)"),
            s(&[Some(10.0), M, M, Some(40.0)])
        );
        assert_eq!(
            ok("SUM(SLICE(METRICS(), 0, 2))"),
            vals(&[50.0, 20.0, 20.0, 0.0])
        );
        assert_eq!(
            ok("TIME_SERIES(METRIC_COUNT(SLICE(METRICS(), 3, 1)))"),
            vals(&[0.0; 4])
        );
    }

    #[test]
    fn sort_and_slice_errors_are_located() {
        let at = |t: &str| super::super::Expr::parse(t).err().map(|e| e.offset);
        assert_eq!(at("SORT(METRICS(), COUNT, DESC)"), Some(16));
        assert_eq!(at("SORT(METRICS(), AVG, UP)"), Some(21));
        assert_eq!(at("SORT(METRICS(), DESC, AVG)"), Some(16));
        assert_eq!(at("SORT(METRICS(), AVG)"), Some(0));
        assert_eq!(at("m1 + DESC"), Some(5));
        assert_eq!(at("SLICE(METRICS())"), Some(0));
        assert_eq!(err("SORT(METRICS(), AVG, DESC, -1)").offset, 27);
        assert_eq!(err("SORT(METRICS(), AVG, DESC, 1.5)").offset, 27);
        assert_eq!(err("SLICE(METRICS(), m1)").offset, 17);
        assert_eq!(err("SORT(5, AVG, DESC)").offset, 5);
        // An alarm needs exactly one series.
        assert!(
            err("SORT(METRICS(), AVG, DESC)")
                .message
                .contains("4 time series")
        );
    }
}
