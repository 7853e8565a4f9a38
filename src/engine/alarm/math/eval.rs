//! Evaluation: values (scalar, series, array of series), operators with
//! CloudWatch's missing-value rules, and [`Expr::eval`] / [`Expr::eval_array`].
//! The function library is in `functions.rs`.

use super::MathError;
use super::external::External;
use super::parser::{BinOp, Expr, Kind, Node};
use crate::engine::alarm::Series;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Scalar(Option<f64>),
    Series(Series),
    Array(Vec<Series>),
}

pub(super) struct Ctx<'a> {
    pub(super) inputs: &'a [(String, Series)],
    pub(super) period: u32,
    pub(super) periods: usize,
    pub(super) external: &'a External,
}

/// Finite values only: "If the value of a data point causes a function to
/// attempt to divide by zero, the data point is dropped."
pub(super) fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

pub(super) fn apply(op: BinOp, a: f64, b: f64) -> Option<f64> {
    let truth = |t: bool| if t { 1.0 } else { 0.0 };
    finite(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0.0 {
                return None;
            }
            a / b
        }
        BinOp::Pow => a.powf(b),
        BinOp::Lt => truth(a < b),
        BinOp::Le => truth(a <= b),
        BinOp::Gt => truth(a > b),
        BinOp::Ge => truth(a >= b),
        BinOp::Eq => truth(a == b),
        BinOp::Ne => truth(a != b),
        BinOp::And => truth(a != 0.0 && b != 0.0),
        BinOp::Or => truth(a != 0.0 || b != 0.0),
    })
}

pub(super) fn map_value(v: Value, f: &dyn Fn(f64) -> Option<f64>) -> Value {
    let map_series = |s: Series| s.into_iter().map(|p| p.and_then(f)).collect();
    match v {
        Value::Scalar(s) => Value::Scalar(s.and_then(f)),
        Value::Series(s) => Value::Series(map_series(s)),
        Value::Array(a) => Value::Array(a.into_iter().map(map_series).collect()),
    }
}

fn combine(op: BinOp, offset: usize, a: Value, b: Value) -> Result<Value, MathError> {
    let series_scalar = |s: &Series, x: Option<f64>, flip: bool| -> Series {
        s.iter()
            .map(|p| {
                let (l, r) = if flip { (x?, (*p)?) } else { ((*p)?, x?) };
                apply(op, l, r)
            })
            .collect()
    };
    let series_series = |x: &Series, y: &Series| -> Series {
        x.iter()
            .zip(y)
            .map(|(l, r)| match (l, r) {
                (None, None) => None,
                _ => apply(op, l.unwrap_or(0.0), r.unwrap_or(0.0)),
            })
            .collect()
    };
    Ok(match (a, b) {
        (Value::Scalar(x), Value::Scalar(y)) => {
            Value::Scalar(x.zip(y).and_then(|(x, y)| apply(op, x, y)))
        }
        (Value::Series(s), Value::Scalar(x)) => Value::Series(series_scalar(&s, x, false)),
        (Value::Scalar(x), Value::Series(s)) => Value::Series(series_scalar(&s, x, true)),
        (Value::Series(x), Value::Series(y)) => Value::Series(series_series(&x, &y)),
        (Value::Array(xs), Value::Scalar(y)) => {
            Value::Array(xs.iter().map(|s| series_scalar(s, y, false)).collect())
        }
        (Value::Scalar(x), Value::Array(ys)) => {
            Value::Array(ys.iter().map(|s| series_scalar(s, x, true)).collect())
        }
        (Value::Array(xs), Value::Series(y)) => {
            Value::Array(xs.iter().map(|s| series_series(s, &y)).collect())
        }
        (Value::Series(x), Value::Array(ys)) => {
            Value::Array(ys.iter().map(|s| series_series(&x, s)).collect())
        }
        (Value::Array(_), Value::Array(_)) => {
            return Err(MathError::new(
                offset,
                "an operator cannot combine two arrays of time series",
            ));
        }
    })
}

impl Ctx<'_> {
    pub(super) fn fit(&self, s: &Series) -> Series {
        let mut out: Series = s
            .iter()
            .take(self.periods)
            .map(|p| p.and_then(finite))
            .collect();
        out.resize(self.periods, None);
        out
    }

    pub(super) fn missing(&self) -> Series {
        vec![None; self.periods]
    }

    pub(super) fn eval(&self, n: &Node) -> Result<Value, MathError> {
        match &n.kind {
            Kind::Number(v) => Ok(Value::Scalar(Some(*v))),
            Kind::Id(id) => self
                .inputs
                .iter()
                .find(|(name, _)| name == id)
                .map(|(_, s)| Value::Series(self.fit(s)))
                .ok_or_else(|| MathError::new(n.offset, format!("unknown id {id:?}"))),
            Kind::Str(_) | Kind::Repeat | Kind::Linear | Kind::Keyword(_) => {
                Err(MathError::new(n.offset, "not a value"))
            }
            Kind::Neg(a) => Ok(map_value(self.eval(a)?, &|v| finite(-v))),
            Kind::Binary(op, a, b) => combine(*op, n.offset, self.eval(a)?, self.eval(b)?),
            Kind::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.eval(item)? {
                        Value::Series(s) => out.push(s),
                        Value::Array(a) => out.extend(a),
                        Value::Scalar(_) => {
                            return Err(MathError::new(
                                item.offset,
                                "an array holds time series, not scalars",
                            ));
                        }
                    }
                }
                Ok(Value::Array(out))
            }
            Kind::Call(func, args) => self.call(*func, n.offset, args),
        }
    }

    pub(super) fn arg(&self, args: &[Node], i: usize) -> Result<Value, MathError> {
        match args.get(i) {
            Some(a) => self.eval(a),
            None => Ok(Value::Scalar(None)),
        }
    }
}

impl Expr {
    /// Evaluates to one series of `periods` values.
    ///
    /// `inputs`: the alarm's queries in order (id, series); METRICS() returns all of them, METRICS("x")
    /// those whose id contains "x" ("return only the graphed metrics that contain that string in their
    /// Id field"). `period` in seconds for PERIOD()/RATE/DIFF_TIME. Input series are cut or padded to
    /// `periods`. A scalar result, or an array of other than exactly one series, is an error ("an
    /// alarm based on a math expression can watch only one time series").
    pub fn eval(
        &self,
        inputs: &[(String, Series)],
        period: u32,
        periods: usize,
    ) -> Result<Series, MathError> {
        self.eval_with(inputs, period, periods, &External::default())
    }

    /// [`Expr::eval`] with what the queries cannot give ([`External`]: the
    /// start time, an anomaly band, quotas, Contributor Insights metrics).
    pub fn eval_with(
        &self,
        inputs: &[(String, Series)],
        period: u32,
        periods: usize,
        external: &External,
    ) -> Result<Series, MathError> {
        match self.eval_array_with(inputs, period, periods, external)? {
            mut one if one.len() == 1 => Ok(one.pop().unwrap_or_default()),
            many => Err(MathError::new(
                0,
                format!(
                    "the expression produces {} time series; an alarm needs exactly one",
                    many.len()
                ),
            )),
        }
    }

    /// Evaluates to every series the expression produces (one for a series
    /// result); a scalar result is an error.
    pub fn eval_array(
        &self,
        inputs: &[(String, Series)],
        period: u32,
        periods: usize,
    ) -> Result<Vec<Series>, MathError> {
        self.eval_array_with(inputs, period, periods, &External::default())
    }

    /// [`Expr::eval_array`] with [`External`] inputs.
    pub fn eval_array_with(
        &self,
        inputs: &[(String, Series)],
        period: u32,
        periods: usize,
        external: &External,
    ) -> Result<Vec<Series>, MathError> {
        let ctx = Ctx {
            inputs,
            period,
            periods,
            external,
        };
        match ctx.eval(&self.root)? {
            Value::Series(s) => Ok(vec![s]),
            Value::Array(a) => Ok(a),
            Value::Scalar(_) => Err(MathError::new(
                0,
                "the expression produces a scalar; the result must be a time series",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Expr;
    use super::super::tests::{M, err, ok, s, vals};

    #[test]
    fn arithmetic_with_scalars() {
        assert_eq!(ok("m1 * 2 + 1"), vals(&[61.0, 41.0, 1.0, 1.0]));
        assert_eq!(ok("m1 / 10 - 1"), vals(&[2.0, 1.0, -1.0, -1.0]));
        assert_eq!(ok("m1 ^ 0.5 * 0 + 2 ^ 3"), vals(&[8.0; 4]));
        assert_eq!(ok("-m1"), vals(&[-30.0, -20.0, -0.0, -0.0]));
        assert_eq!(ok("PERIOD(m1)/60 * m1"), vals(&[30.0, 20.0, 0.0, 0.0]));
    }

    #[test]
    fn comparison_examples_from_the_guide() {
        // metric1 = [30, 20, 0, 0], metric2 = [20, -, 20, -].
        assert_eq!(ok("(m1 < m2)"), vals(&[0.0, 0.0, 1.0, 0.0]));
        assert_eq!(ok("(m1 >= 30)"), vals(&[1.0, 0.0, 0.0, 0.0]));
        assert_eq!(ok("(m1 > 15 AND m2 > 15)"), vals(&[1.0, 0.0, 0.0, 0.0]));
        assert_eq!(ok("m1 > 15 && m2 > 15"), vals(&[1.0, 0.0, 0.0, 0.0]));
        assert_eq!(ok("m1 == 0 || m2 != 20"), vals(&[0.0, 0.0, 1.0, 1.0]));
        assert_eq!(ok("m1 <= 20"), vals(&[0.0, 1.0, 1.0, 1.0]));
    }

    #[test]
    fn missing_values_between_series_count_as_zero() {
        // "Missing values in a time series are treated as 0."
        assert_eq!(ok("m1 + m2"), vals(&[50.0, 20.0, 20.0, 0.0]));
        assert_eq!(ok("m2 - m1"), vals(&[-10.0, -20.0, 20.0, 0.0]));
        assert_eq!(
            ok("errors_5xx + m2"),
            s(&[Some(30.0), M, Some(20.0), Some(40.0)])
        );
    }

    #[test]
    fn missing_values_with_scalars_stay_missing() {
        assert_eq!(ok("m2 * 2"), s(&[Some(40.0), M, Some(40.0), M]));
        assert_eq!(ok("10 - m2"), s(&[Some(-10.0), M, Some(-10.0), M]));
    }

    #[test]
    fn division_by_zero_drops_the_point() {
        // "If the value of a data point causes a function to attempt to divide
        // by zero, the data point is dropped."
        assert_eq!(ok("m2 / m1"), s(&[Some(20.0 / 30.0), Some(0.0), M, M]));
        assert_eq!(ok("m1 / 0"), s(&[M; 4]));
        assert_eq!(ok("m1 + 1 / 0"), s(&[M; 4]));
        assert_eq!(
            ok("LOG(m1)"),
            s(&[Some(30f64.ln()), Some(20f64.ln()), M, M])
        );
        assert_eq!(ok("(m1 - 40) ^ 0.5"), s(&[M; 4]));
    }

    #[test]
    fn inputs_are_fitted_to_periods() {
        let input = vec![("m".to_string(), s(&[Some(1.0), Some(f64::NAN), Some(3.0)]))];
        let e = Expr::parse("m");
        assert_eq!(
            e.clone().and_then(|e| e.eval(&input, 60, 2)),
            Ok(s(&[Some(1.0), M]))
        );
        assert_eq!(
            e.and_then(|e| e.eval(&input, 60, 4)),
            Ok(s(&[Some(1.0), M, Some(3.0), M]))
        );
    }

    #[test]
    fn evaluation_errors_are_located() {
        assert_eq!(err("m1 + nope").offset, 5);
        assert_eq!(err("METRICS() + [m1, m2]").offset, 10);
        assert_eq!(err("[m1, 5]").offset, 5);
        assert_eq!(err("RATE(5)").offset, 5);
        assert_eq!(err("TIME_SERIES(m1)").offset, 12);
        assert_eq!(err("5").offset, 0);
        assert_eq!(err("AVG(3)").offset, 4);
    }
}
