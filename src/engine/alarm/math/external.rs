//! What the evaluator cannot compute from an alarm's queries, given by the
//! caller: the start time of the first period (for the time functions), the
//! anomaly detection band CloudWatch would train, service quotas and
//! Contributor Insights rule metrics. `obsctl test` takes them from the test
//! (its `bands` and the series it gives for quotas and rules).
//!
//! Source: CloudWatch User Guide, "Metric math syntax and functions"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax>):
//!
//! * ANOMALY_DETECTION_BAND — arguments "TS TS, S", returns "TS[]": "The band
//!   consists of two time series, one representing the upper limit of the
//!   "normal" expected value of the metric, and the other representing the
//!   lower limit." The upper limit comes first: "LAST(ANOMALY_DETECTION_BAND(m1))
//!   returns the lower bound of the anomaly prediction band." The band is
//!   trained by CloudWatch, so it is given, whatever the number of standard
//!   deviations.
//! * SERVICE_QUOTA — "TS that is a usage metric", returns TS: "Returns the
//!   service quota for the given usage metric."
//! * INSIGHT_RULE_METRIC — `INSIGHT_RULE_METRIC(ruleName, metricName)`,
//!   returns TS: statistics of a Contributor Insights rule.

use super::MathError;
use super::eval::{Ctx, Value};
use super::parser::{Kind, Node};
use crate::engine::alarm::Series;

/// Inputs from outside the alarm's queries; the default has none and starts
/// at the Unix epoch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct External {
    /// Seconds since the Unix epoch (UTC) at which period 0 starts.
    pub start: i64,
    /// The anomaly detection band: `(lower, upper)`, one value per period.
    pub band: Option<(Series, Series)>,
    /// Service quotas by the query id of their usage metric.
    pub quotas: Vec<(String, Series)>,
    /// Contributor Insights metrics by (rule name, metric name).
    pub insight_rules: Vec<((String, String), Series)>,
}

impl Ctx<'_> {
    /// `ANOMALY_DETECTION_BAND(m [, S])`: `[upper, lower]`.
    pub(super) fn anomaly_band(&self, offset: usize, args: &[Node]) -> Result<Value, MathError> {
        self.arg(args, 0)?; // the metric must exist
        if let Some(deviations) = args.get(1) {
            match self.eval(deviations)? {
                Value::Scalar(_) => {}
                Value::Series(_) | Value::Array(_) => {
                    return Err(MathError::new(
                        deviations.offset,
                        "the number of standard deviations is a scalar",
                    ));
                }
            }
        }
        let (lower, upper) = self.external.band.as_ref().ok_or_else(|| {
            MathError::new(
                offset,
                "ANOMALY_DETECTION_BAND: the band CloudWatch would train is not given (give it in the test's `bands`)",
            )
        })?;
        Ok(Value::Array(vec![self.fit(upper), self.fit(lower)]))
    }

    /// `SERVICE_QUOTA(m)`: the quota given for the usage metric `m`.
    pub(super) fn service_quota(&self, offset: usize, args: &[Node]) -> Result<Value, MathError> {
        self.arg(args, 0)?; // the usage metric must exist
        let id = match args.first().map(|a| &a.kind) {
            Some(Kind::Id(id)) => id.as_str(),
            _ => "",
        };
        self.external
            .quotas
            .iter()
            .find(|(q, _)| q == id)
            .map(|(_, s)| Value::Series(self.fit(s)))
            .ok_or_else(|| {
                MathError::new(
                    offset,
                    format!("SERVICE_QUOTA({id}): the quota is not given (give it in the test's `quotas`)"),
                )
            })
    }

    /// `INSIGHT_RULE_METRIC(rule, metric)`: the series given for it.
    pub(super) fn insight_rule(&self, offset: usize, args: &[Node]) -> Result<Value, MathError> {
        let name = |i: usize| match args.get(i).map(|a| &a.kind) {
            Some(Kind::Str(s)) => s.clone(),
            _ => String::new(),
        };
        let key = (name(0), name(1));
        self.external
            .insight_rules
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| Value::Series(self.fit(s)))
            .ok_or_else(|| {
                MathError::new(
                    offset,
                    format!(
                        "INSIGHT_RULE_METRIC({}, {}): the rule's metric is not given (give it in the test's `insight_rules`)",
                        key.0, key.1
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{M, inputs, s, vals};
    use super::super::{Expr, MathError};
    use super::External;
    use crate::engine::alarm::Series;

    fn run(text: &str, external: &External) -> Result<Series, MathError> {
        Expr::parse(text)?.eval_with(&inputs(), 60, 4, external)
    }

    fn given() -> External {
        External {
            band: Some((
                vals(&[10.0, 10.0, 10.0, 10.0]),
                vals(&[40.0, 40.0, 40.0, 40.0]),
            )),
            quotas: vec![("m1".to_string(), vals(&[100.0; 4]))],
            insight_rules: vec![(
                ("top-talkers".to_string(), "UniqueContributors".to_string()),
                s(&[Some(3.0), M, Some(5.0), Some(8.0)]),
            )],
            ..External::default()
        }
    }

    #[test]
    fn anomaly_band_is_upper_then_lower() {
        // "LAST(ANOMALY_DETECTION_BAND(m1)) returns the lower bound".
        assert_eq!(
            run("LAST(ANOMALY_DETECTION_BAND(m1))", &given()),
            Ok(vals(&[10.0; 4]))
        );
        assert_eq!(
            run("FIRST(ANOMALY_DETECTION_BAND(m1, 4))", &given()),
            Ok(vals(&[40.0; 4]))
        );
        // Outside the band: 1 where m1 is above the upper or below the lower limit.
        assert_eq!(
            run(
                "m1 > FIRST(ANOMALY_DETECTION_BAND(m1)) || m1 < LAST(ANOMALY_DETECTION_BAND(m1))",
                &given()
            ),
            Ok(vals(&[0.0, 0.0, 1.0, 1.0]))
        );
        let e = run("LAST(ANOMALY_DETECTION_BAND(m1))", &External::default());
        assert!(
            e.as_ref()
                .is_err_and(|e| e.offset == 5 && e.message.contains("bands")),
            "{e:?}"
        );
        assert_eq!(
            run("LAST(ANOMALY_DETECTION_BAND(m1, m2))", &given()).map_err(|e| e.offset),
            Err(32)
        );
        assert_eq!(
            run("LAST(ANOMALY_DETECTION_BAND(nope))", &given()).map_err(|e| e.offset),
            Err(28)
        );
    }

    #[test]
    fn service_quota_of_a_usage_metric() {
        // "set alarms that warn you when you approach the quota".
        assert_eq!(
            run("m1 / SERVICE_QUOTA(m1) * 100", &given()),
            Ok(vals(&[30.0, 20.0, 0.0, 0.0]))
        );
        let e = run("m2 / SERVICE_QUOTA(m2)", &given());
        assert!(
            e.as_ref()
                .is_err_and(|e| e.offset == 5 && e.message.contains("quotas")),
            "{e:?}"
        );
    }

    #[test]
    fn insight_rule_metric_by_rule_and_metric() {
        let want = Ok(s(&[Some(3.0), M, Some(5.0), Some(8.0)]));
        for text in [
            "INSIGHT_RULE_METRIC(\"top-talkers\", \"UniqueContributors\")",
            "INSIGHT_RULE_METRIC('top-talkers', 'UniqueContributors')",
            "INSIGHT_RULE_METRIC(\"top-talkers\", UniqueContributors)",
        ] {
            assert_eq!(run(text, &given()), want, "{text}");
        }
        // Bare names are names, not query ids or functions; elsewhere a
        // mixed-case word is an invalid name.
        let at = |t: &str| Expr::parse(t).err().map(|e| e.offset);
        assert_eq!(at("m1 + UniqueContributors"), Some(5));
        assert_eq!(at("INSIGHT_RULE_METRIC(x, Foo(m1))"), Some(23));
        assert_eq!(at("INSIGHT_RULE_METRIC(x, ABS(Foo))"), Some(27));
        assert_eq!(at("INSIGHT_RULE_METRIC(x, Sum)"), None);
        let e = Expr::parse("INSIGHT_RULE_METRIC(rule, \"Sum\")").map(|e| e.ids());
        assert_eq!(e, Ok(vec![]));
        let e = run("INSIGHT_RULE_METRIC('other', 'Sum')", &given());
        assert!(
            e.as_ref()
                .is_err_and(|e| e.offset == 0 && e.message.contains("insight_rules")),
            "{e:?}"
        );
    }
}
