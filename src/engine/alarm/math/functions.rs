//! The function library: CloudWatch's metric math functions (ABS to
//! TIME_SERIES), their per-series helpers, and IF; it dispatches SORT and
//! SLICE (`sort.rs`), the time functions (`time.rs`) and the functions fed
//! from outside the queries (`external.rs`).

use super::MathError;
use super::eval::{Ctx, Value, apply, finite, map_value};
use super::parser::{BinOp, Func, Kind, Node};
use crate::engine::alarm::Series;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Reduce {
    Sum,
    Avg,
    Min,
    Max,
    Stddev,
}

pub(super) fn reduce(r: Reduce, values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    finite(match r {
        Reduce::Sum => sum,
        Reduce::Avg => sum / n,
        Reduce::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
        Reduce::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Reduce::Stddev => {
            let mean = sum / n;
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
        }
    })
}

/// Applies `f` to every series of a series or array value.
fn per_series(
    v: Value,
    offset: usize,
    name: &str,
    f: &dyn Fn(&Series) -> Series,
) -> Result<Value, MathError> {
    match v {
        Value::Series(s) => Ok(Value::Series(f(&s))),
        Value::Array(a) => Ok(Value::Array(a.iter().map(f).collect())),
        Value::Scalar(_) => Err(MathError::new(
            offset,
            format!("{name} expects a time series or an array of time series, not a scalar"),
        )),
    }
}

/// For each existing datapoint, `f(value, previous value, periods elapsed)`
/// with the previous existing datapoint.
fn with_previous(s: &Series, f: &dyn Fn(f64, f64, usize) -> Option<f64>) -> Series {
    let mut previous: Option<(usize, f64)> = None;
    s.iter()
        .enumerate()
        .map(|(i, p)| {
            let v = (*p)?;
            let out = previous.and_then(|(j, w)| f(v, w, i - j));
            previous = Some((i, v));
            out
        })
        .collect()
}

fn fill_repeat(s: &Series) -> Series {
    let mut last = None;
    s.iter()
        .map(|p| {
            if p.is_some() {
                last = *p;
            }
            last
        })
        .collect()
}

fn fill_linear(s: &Series) -> Series {
    let mut out = s.clone();
    let mut previous: Option<(usize, f64)> = None;
    for (i, p) in s.iter().enumerate() {
        if let Some(v) = p {
            if let Some((j, w)) = previous {
                for (k, slot) in out.iter_mut().enumerate().take(i).skip(j + 1) {
                    *slot = finite(w + (v - w) * (k - j) as f64 / (i - j) as f64);
                }
            }
            previous = Some((i, *v));
        }
    }
    out
}

impl Ctx<'_> {
    pub(super) fn call(
        &self,
        func: Func,
        offset: usize,
        args: &[Node],
    ) -> Result<Value, MathError> {
        let arg_offset = |i: usize| args.get(i).map_or(offset, |a| a.offset);
        match func {
            Func::Abs => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.abs()))),
            Func::Ceil => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.ceil()))),
            Func::Floor => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.floor()))),
            Func::Log => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.ln()))),
            Func::Log10 => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.log10()))),
            Func::Sum | Func::Avg | Func::Min | Func::Max | Func::Stddev => {
                let r = match func {
                    Func::Sum => Reduce::Sum,
                    Func::Avg => Reduce::Avg,
                    Func::Min => Reduce::Min,
                    Func::Max => Reduce::Max,
                    _ => Reduce::Stddev,
                };
                match self.arg(args, 0)? {
                    Value::Series(s) => {
                        let present: Vec<f64> = s.iter().flatten().copied().collect();
                        Ok(Value::Scalar(reduce(r, &present)))
                    }
                    Value::Array(a) => Ok(Value::Series(
                        (0..self.periods)
                            .map(|i| {
                                let present: Vec<f64> = a
                                    .iter()
                                    .filter_map(|s| s.get(i).copied().flatten())
                                    .collect();
                                if r == Reduce::Avg && !present.is_empty() {
                                    // "Missing values are treated as 0."
                                    finite(present.iter().sum::<f64>() / a.len() as f64)
                                } else {
                                    reduce(r, &present)
                                }
                            })
                            .collect(),
                    )),
                    Value::Scalar(_) => Err(MathError::new(
                        arg_offset(0),
                        "expects a time series or an array of time series, not a scalar",
                    )),
                }
            }
            Func::DatapointCount => match self.arg(args, 0)? {
                Value::Series(s) => Ok(Value::Scalar(Some(s.iter().flatten().count() as f64))),
                Value::Array(a) => Ok(Value::Series(
                    (0..self.periods)
                        .map(|i| {
                            let count = a
                                .iter()
                                .filter(|s| s.get(i).copied().flatten().is_some())
                                .count();
                            (count > 0).then_some(count as f64)
                        })
                        .collect(),
                )),
                Value::Scalar(_) => Err(MathError::new(
                    arg_offset(0),
                    "DATAPOINT_COUNT expects a time series",
                )),
            },
            Func::MetricCount => match self.arg(args, 0)? {
                Value::Array(a) => Ok(Value::Scalar(Some(a.len() as f64))),
                Value::Series(_) => Ok(Value::Scalar(Some(1.0))),
                Value::Scalar(_) => Err(MathError::new(
                    arg_offset(0),
                    "METRIC_COUNT expects an array of time series",
                )),
            },
            Func::Metrics => {
                let filter = match args.first().map(|a| &a.kind) {
                    Some(Kind::Str(s)) => s.as_str(),
                    _ => "",
                };
                Ok(Value::Array(
                    self.inputs
                        .iter()
                        .filter(|(id, _)| id.contains(filter))
                        .map(|(_, s)| self.fit(s))
                        .collect(),
                ))
            }
            Func::Period => {
                self.arg(args, 0)?; // the id must exist
                Ok(Value::Scalar(Some(f64::from(self.period))))
            }
            Func::Rate => {
                let period = f64::from(self.period);
                per_series(self.arg(args, 0)?, arg_offset(0), "RATE", &|s| {
                    with_previous(s, &|v, w, gap| {
                        apply(BinOp::Div, v - w, gap as f64 * period)
                    })
                })
            }
            Func::Diff => per_series(self.arg(args, 0)?, arg_offset(0), "DIFF", &|s| {
                with_previous(s, &|v, w, _| finite(v - w))
            }),
            Func::DiffTime => {
                let period = f64::from(self.period);
                per_series(self.arg(args, 0)?, arg_offset(0), "DIFF_TIME", &|s| {
                    with_previous(s, &|_, _, gap| finite(gap as f64 * period))
                })
            }
            Func::RunningSum => {
                per_series(self.arg(args, 0)?, arg_offset(0), "RUNNING_SUM", &|s| {
                    let mut total = 0.0;
                    s.iter()
                        .map(|p| {
                            total += (*p)?;
                            finite(total)
                        })
                        .collect()
                })
            }
            Func::Fill => {
                let target = self.arg(args, 0)?;
                let filler_node = args.get(1);
                match filler_node.map(|f| &f.kind) {
                    Some(Kind::Repeat) => per_series(target, arg_offset(0), "FILL", &fill_repeat),
                    Some(Kind::Linear) => per_series(target, arg_offset(0), "FILL", &fill_linear),
                    _ => {
                        let fill_with = |s: &Series, f: &dyn Fn(usize) -> Option<f64>| -> Series {
                            s.iter()
                                .enumerate()
                                .map(|(i, p)| p.or_else(|| f(i)))
                                .collect()
                        };
                        match self.arg(args, 1)? {
                            Value::Scalar(x) => {
                                per_series(target, arg_offset(0), "FILL", &|s| fill_with(s, &|_| x))
                            }
                            Value::Series(f) => per_series(target, arg_offset(0), "FILL", &|s| {
                                fill_with(s, &|i| f.get(i).copied().flatten())
                            }),
                            Value::Array(_) => Err(MathError::new(
                                arg_offset(1),
                                "FILL takes a scalar, a time series, REPEAT or LINEAR as filler",
                            )),
                        }
                    }
                }
            }
            Func::If => self.eval_if(args, offset),
            Func::Sort => self.sort(args),
            Func::Slice => self.slice(args),
            Func::Time(part) => self.time(part, args),
            Func::AnomalyDetectionBand => self.anomaly_band(offset, args),
            Func::ServiceQuota => self.service_quota(offset, args),
            Func::InsightRuleMetric => self.insight_rule(offset, args),
            Func::TimeSeries => match self.arg(args, 0)? {
                Value::Scalar(x) => Ok(Value::Series(vec![x; self.periods])),
                _ => Err(MathError::new(arg_offset(0), "TIME_SERIES takes a scalar")),
            },
            Func::First | Func::Last | Func::RemoveEmpty => {
                let array = match self.arg(args, 0)? {
                    Value::Array(a) => a,
                    Value::Series(s) => vec![s],
                    Value::Scalar(_) => {
                        return Err(MathError::new(
                            arg_offset(0),
                            "expects an array of time series",
                        ));
                    }
                };
                Ok(match func {
                    Func::First => {
                        Value::Series(array.into_iter().next().unwrap_or_else(|| self.missing()))
                    }
                    Func::Last => {
                        Value::Series(array.into_iter().last().unwrap_or_else(|| self.missing()))
                    }
                    _ => Value::Array(
                        array
                            .into_iter()
                            .filter(|s| s.iter().any(Option::is_some))
                            .collect(),
                    ),
                })
            }
        }
    }

    /// "Using IF expressions".
    fn eval_if(&self, args: &[Node], offset: usize) -> Result<Value, MathError> {
        let cond = self.arg(args, 0)?;
        let yes = self.arg(args, 1)?;
        let no = if args.len() > 2 {
            Some(self.arg(args, 2)?)
        } else {
            None
        };
        for (i, v) in [Some(&cond), Some(&yes), no.as_ref()].iter().enumerate() {
            if matches!(v, Some(Value::Array(_))) {
                let at = args.get(i).map_or(offset, |a| a.offset);
                return Err(MathError::new(
                    at,
                    "IF does not accept arrays of time series",
                ));
            }
        }
        let any_series = [Some(&cond), Some(&yes), no.as_ref()]
            .iter()
            .any(|v| matches!(v, Some(Value::Series(_))));
        // Value of a branch at period i; `true_branch` turns a missing series
        // point into 0 ("has the value of 0, if [...] TRUE and the corresponding
        // data point does not exist in metric2").
        let at = |v: &Value, i: usize, true_branch: bool| -> Option<f64> {
            match v {
                Value::Scalar(x) => *x,
                Value::Series(s) => {
                    let p = s.get(i).copied().flatten();
                    if true_branch {
                        Some(p.unwrap_or(0.0))
                    } else {
                        p
                    }
                }
                Value::Array(_) => None,
            }
        };
        match &cond {
            Value::Scalar(c) => {
                let chosen = match c {
                    Some(c) if *c != 0.0 => Some(&yes),
                    Some(_) => no.as_ref(),
                    None => None,
                };
                Ok(match (chosen, any_series) {
                    (Some(Value::Series(s)), _) => Value::Series(s.clone()),
                    (Some(Value::Scalar(x)), true) => Value::Series(vec![*x; self.periods]),
                    (Some(Value::Scalar(x)), false) => Value::Scalar(*x),
                    (_, true) => Value::Series(self.missing()),
                    (_, false) => Value::Scalar(None),
                })
            }
            Value::Series(c) => Ok(Value::Series(
                (0..self.periods)
                    .map(|i| match c.get(i).copied().flatten() {
                        None => None,
                        Some(v) if v != 0.0 => at(&yes, i, true),
                        Some(_) => no.as_ref().and_then(|n| at(n, i, false)),
                    })
                    .collect(),
            )),
            Value::Array(_) => Err(MathError::new(offset, "IF does not accept arrays")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Expr;
    use super::super::tests::{M, err, ok, s, vals};

    #[test]
    fn sum_of_single_series_is_a_scalar() {
        // "The SUM of a single time series returns a scalar".
        assert_eq!(ok("m1 - AVG(m1)"), vals(&[17.5, 7.5, -12.5, -12.5]));
        assert_eq!(ok("m1 / SUM(m1)"), vals(&[0.6, 0.4, 0.0, 0.0]));
        assert_eq!(
            ok("m1 - MIN(m1) + MAX(m2)"),
            vals(&[50.0, 40.0, 20.0, 20.0])
        );
        assert_eq!(ok("TIME_SERIES(STDDEV(m2))"), vals(&[0.0; 4]));
        let sd = ok("TIME_SERIES(STDDEV(errors_4xx))")[0].unwrap_or(0.0);
        assert!((sd - (14.0f64 / 9.0).sqrt()).abs() < 1e-12, "{sd}");
        let e = err("SUM(m1)");
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("scalar"), "{e}");
    }

    #[test]
    fn aggregates_over_arrays() {
        assert_eq!(ok("SUM([m1, m2])"), vals(&[50.0, 20.0, 20.0, 0.0]));
        assert_eq!(ok("MAX([m1, m2])"), vals(&[30.0, 20.0, 20.0, 0.0]));
        assert_eq!(ok("MIN([m1, m2])"), vals(&[20.0, 20.0, 0.0, 0.0]));
        // AVG of an array: "Missing values are treated as 0."
        assert_eq!(ok("AVG([m1, m2])"), vals(&[25.0, 10.0, 10.0, 0.0]));
        assert_eq!(ok("STDDEV([m1, m2])"), vals(&[5.0, 0.0, 10.0, 0.0]));
        assert_eq!(
            ok("SUM(100/[m1, m2])"),
            s(&[Some(100.0 / 30.0 + 5.0), Some(5.0), Some(5.0), M])
        );
        assert_eq!(ok("SUM(-[m1, m2])"), vals(&[-50.0, -20.0, -20.0, -0.0]));
        assert_eq!(
            ok("AVG([errors_5xx, m2])"),
            s(&[Some(15.0), M, Some(10.0), Some(20.0)])
        );
    }

    #[test]
    fn metrics_function_and_filters() {
        assert_eq!(ok("SUM(METRICS())"), vals(&[61.0, 22.0, 20.0, 44.0]));
        // "return only the graphed metrics that contain that string in their Id field"
        assert_eq!(
            ok("SUM(METRICS(\"errors\"))"),
            s(&[Some(11.0), Some(2.0), M, Some(44.0)])
        );
        assert_eq!(
            ok("SUM([METRICS(“4xx”), METRICS(“5xx”)])"),
            s(&[Some(11.0), Some(2.0), M, Some(44.0)])
        );
        assert_eq!(
            ok("MAX(METRICS(\"m\") * 100)"),
            vals(&[3000.0, 2000.0, 2000.0, 0.0])
        );
        assert_eq!(
            ok("m1 / METRIC_COUNT(METRICS())"),
            vals(&[7.5, 5.0, 0.0, 0.0])
        );
        assert_eq!(ok("SUM(METRICS(\"nothing\"))"), s(&[M; 4]));
        let e = err("METRICS()");
        assert!(e.message.contains("4 time series"), "{e}");
        assert_eq!(
            ok("METRICS(\"4xx\")"),
            s(&[Some(1.0), Some(2.0), M, Some(4.0)])
        );
    }

    #[test]
    fn elementwise_functions() {
        assert_eq!(ok("ABS(m2 - m1)"), vals(&[10.0, 20.0, 20.0, 0.0]));
        assert_eq!(ok("CEIL(m1 / 7)"), vals(&[5.0, 3.0, 0.0, 0.0]));
        assert_eq!(ok("FLOOR(m1 / 7)"), vals(&[4.0, 2.0, 0.0, 0.0]));
        assert_eq!(
            ok("LOG10(m1 + 70)"),
            vals(&[2.0, 90f64.log10(), 70f64.log10(), 70f64.log10()])
        );
        assert_eq!(ok("MIN(ABS([m1, -m2]))"), vals(&[20.0, 20.0, 0.0, 0.0]));
        assert_eq!(ok("FIRST(CEIL(METRICS()))"), vals(&[30.0, 20.0, 0.0, 0.0]));
    }

    #[test]
    fn fill_forms() {
        let input = vec![("m".to_string(), s(&[M, Some(1.0), M, M, Some(4.0), M]))];
        let run = |t: &str| Expr::parse(t).and_then(|e| e.eval(&input, 60, 6));
        assert_eq!(run("FILL(m, 0)"), Ok(vals(&[0.0, 1.0, 0.0, 0.0, 4.0, 0.0])));
        assert_eq!(
            run("FILL(m, REPEAT)"),
            Ok(s(&[
                M,
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(4.0),
                Some(4.0)
            ]))
        );
        assert_eq!(
            run("FILL(m, LINEAR)"),
            Ok(s(&[M, Some(1.0), Some(2.0), Some(3.0), Some(4.0), M]))
        );
        assert_eq!(
            run("FILL(m, MIN(m))"),
            Ok(vals(&[1.0, 1.0, 1.0, 1.0, 4.0, 1.0]))
        );
        assert_eq!(
            run("FILL(m, m * 0 + 9)"),
            Ok(s(&[M, Some(1.0), M, M, Some(4.0), M]))
        );
        assert_eq!(ok("FILL(m2, m1)"), vals(&[20.0, 20.0, 20.0, 0.0]));
        assert_eq!(
            ok("SUM(FILL(METRICS(\"errors\"), 0))"),
            vals(&[11.0, 2.0, 0.0, 44.0])
        );
        assert_eq!(err("FILL(m1, [m1, m2])").offset, 9);
    }

    #[test]
    fn if_with_three_series_table() {
        // "Using IF expressions": metric1 [1, 1, 0, 0, -], metric2 [30, -, 0, 0, 30],
        // metric3 [0, 0, 20, -, 20] -> IF(metric1, metric2, metric3) = [30, 0, 20, -, -].
        let input = vec![
            (
                "metric1".to_string(),
                s(&[Some(1.0), Some(1.0), Some(0.0), Some(0.0), M]),
            ),
            (
                "metric2".to_string(),
                s(&[Some(30.0), M, Some(0.0), Some(0.0), Some(30.0)]),
            ),
            (
                "metric3".to_string(),
                s(&[Some(0.0), Some(0.0), Some(20.0), M, Some(20.0)]),
            ),
        ];
        let run = |t: &str| Expr::parse(t).and_then(|e| e.eval(&input, 60, 5));
        assert_eq!(
            run("IF(metric1, metric2, metric3)"),
            Ok(s(&[Some(30.0), Some(0.0), Some(20.0), M, M]))
        );
        // IF(metric1, scalar2, metric3) with scalar2 = 5 -> [5, 5, 20, -, -].
        assert_eq!(
            run("IF(metric1, 5, metric3)"),
            Ok(s(&[Some(5.0), Some(5.0), Some(20.0), M, M]))
        );
        // IF(metric1, metric2, scalar3) with scalar3 = 5 -> [30, 0, 5, 5, -].
        assert_eq!(
            run("IF(metric1, metric2, 5)"),
            Ok(s(&[Some(30.0), Some(0.0), Some(5.0), Some(5.0), M]))
        );
        // metric3 omitted: FALSE points are dropped.
        assert_eq!(
            run("IF(metric1, metric2)"),
            Ok(s(&[Some(30.0), Some(0.0), M, M, M]))
        );
    }

    #[test]
    fn if_with_comparison_and_scalar_condition() {
        assert_eq!(
            ok("IF(m1 < 25, m1)"),
            s(&[M, Some(20.0), Some(0.0), Some(0.0)])
        );
        assert_eq!(ok("IF(m1 < 25, 10, 2)"), vals(&[2.0, 10.0, 10.0, 10.0]));
        assert_eq!(ok("IF(1, m1, m2)"), vals(&[30.0, 20.0, 0.0, 0.0]));
        assert_eq!(ok("IF(0, m1, m2)"), s(&[Some(20.0), M, Some(20.0), M]));
        assert_eq!(ok("IF(0, m1)"), s(&[M; 4]));
        assert_eq!(ok("IF(MAX(m1) > 10, 1, m2)"), vals(&[1.0; 4]));
        assert_eq!(ok("m1 + IF(1, 2, 3)"), vals(&[32.0, 22.0, 2.0, 2.0]));
        assert_eq!(err("IF(METRICS(), 1, 0)").offset, 3);
    }

    #[test]
    fn rate_diff_running_sum() {
        let input = vec![("m".to_string(), s(&[Some(10.0), Some(16.0), M, Some(28.0)]))];
        let run = |t: &str| Expr::parse(t).and_then(|e| e.eval(&input, 60, 4));
        assert_eq!(run("DIFF(m)"), Ok(s(&[M, Some(6.0), M, Some(12.0)])));
        assert_eq!(run("RATE(m)"), Ok(s(&[M, Some(0.1), M, Some(0.1)])));
        assert_eq!(run("DIFF_TIME(m)"), Ok(s(&[M, Some(60.0), M, Some(120.0)])));
        assert_eq!(
            run("RUNNING_SUM(m)"),
            Ok(s(&[Some(10.0), Some(26.0), M, Some(54.0)]))
        );
        assert_eq!(
            run("m / PERIOD(m)"),
            Ok(s(&[
                Some(10.0 / 60.0),
                Some(16.0 / 60.0),
                M,
                Some(28.0 / 60.0)
            ]))
        );
        // Period 0: RATE divides by zero and drops every point.
        assert_eq!(
            Expr::parse("RATE(m)").and_then(|e| e.eval(&input, 0, 4)),
            Ok(s(&[M; 4]))
        );
        assert_eq!(
            ok("SUM(RUNNING_SUM([m1, m2]))"),
            vals(&[50.0, 50.0, 90.0, 50.0])
        );
    }

    #[test]
    fn counts_and_array_helpers() {
        assert_eq!(ok("m1 * 0 + DATAPOINT_COUNT(m2)"), vals(&[2.0; 4]));
        assert_eq!(
            ok("DATAPOINT_COUNT(METRICS())"),
            vals(&[4.0, 2.0, 2.0, 3.0])
        );
        assert_eq!(ok("LAST([m1, m2])"), s(&[Some(20.0), M, Some(20.0), M]));
        assert_eq!(
            ok("TIME_SERIES(METRIC_COUNT(REMOVE_EMPTY([m1, m2 * 0 / 0])))"),
            vals(&[1.0; 4])
        );
        assert_eq!(ok("TIME_SERIES(5)"), vals(&[5.0; 4]));
    }

    #[test]
    fn scalar_logic_and_nested_functions() {
        assert_eq!(ok("TIME_SERIES(3 > 2 && 2 >= 2 || 0)"), vals(&[1.0; 4]));
        assert_eq!(ok("TIME_SERIES(1 == 1 AND 1 != 1)"), vals(&[0.0; 4]));
        assert_eq!(
            ok("IF(ABS(m1 - AVG(m1)) > STDDEV(m1), 1, 0)"),
            vals(&[1.0, 0.0, 0.0, 0.0])
        );
        assert_eq!(
            ok("CEIL(FILL(m2, REPEAT) / 3)"),
            vals(&[7.0, 7.0, 7.0, 7.0])
        );
        assert_eq!(err("IF(m1, [m1, m2])").offset, 7);
        assert_eq!(err("ABS(METRICS()) + METRICS()").offset, 15);
    }
}
