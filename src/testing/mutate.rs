//! Mutation testing for monitoring: each metric alarm is changed in turn
//! (threshold ×10+1, every other comparison operator, period ×2 — or ÷2
//! where AWS would not accept twice the period —, every other missing-data
//! treatment, datapoints-to-alarm ±1; each a configuration PutMetricAlarm
//! accepts) and the cases that passed on the unmutated catalogue and watch
//! it (directly or through a composite) are run again. A mutant that no
//! case catches is a behaviour of the alarm no test pins down. A mutant
//! that cannot change behaviour by a listed rule ([`equivalence`]) is
//! reported as equivalent, not run.
//!
//! Mute rules are mutated too ([`mute_mutants`]): each window half again as
//! long, half as long, and the rule removed; the cases that check an alarm
//! it mutes are run against each.

use super::case::{Case, Check};
use super::check::{self, EnvRun};
use super::simulate::Mutant;
use crate::engine::alarm::composite;
use crate::resource::{LogAlarm, MetricAlarm, Resource};
use crate::rules::limits;
use std::collections::{BTreeMap, BTreeSet};

/// A mutant no test caught.
#[derive(Debug, Clone)]
pub struct Survivor {
    /// Environment.
    pub env: String,
    /// Alarm.
    pub alarm: String,
    /// The change (`threshold 5 → 51`).
    pub change: String,
    /// Cases that watch the alarm (empty: none does).
    pub cases: usize,
}

/// A mutant that cannot change the alarm's behaviour, by a listed rule
/// ([`equivalence`]): neither caught nor survived.
#[derive(Debug, Clone)]
pub struct Equivalent {
    /// Environment.
    pub env: String,
    /// Alarm.
    pub alarm: String,
    /// The change.
    pub change: String,
    /// The rule that makes it equivalent.
    pub rule: &'static str,
}

/// The outcome of `--mutate`.
#[derive(Debug, Clone, Default)]
pub struct MutationReport {
    /// Mutants made.
    pub total: usize,
    /// Mutants made, per environment.
    pub per_env: BTreeMap<String, usize>,
    /// Mutants no test caught.
    pub survivors: Vec<Survivor>,
    /// Mutants that cannot change behaviour (not run).
    pub equivalent: Vec<Equivalent>,
}

impl MutationReport {
    /// Mutants caught by a test.
    pub fn caught(&self) -> usize {
        self.total
            .saturating_sub(self.survivors.len())
            .saturating_sub(self.equivalent.len())
    }
}

/// What `--mutate` did.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Every mutant was run against the cases that passed.
    Ran(MutationReport),
    /// Not run: this many cases fail on the unmutated catalogue, and a
    /// failing test catches every mutant.
    Stopped {
        /// Failed cases.
        failed: usize,
    },
}

const COMPARISONS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];
const BAND_COMPARISONS: &[&str] = &[
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];
const MISSING: &[&str] = &["missing", "ignore", "breaching", "notBreaching"];

/// The mutants of one alarm, each with a description of its change.
pub fn mutants(a: &MetricAlarm) -> Vec<(String, MetricAlarm)> {
    let mut out = Vec::new();
    let mut push = |change: String, f: &dyn Fn(&mut MetricAlarm)| {
        let mut m = a.clone();
        f(&mut m);
        out.push((change, m));
    };
    if let Some(t) = a.threshold {
        let to = tidy(t * 10.0 + 1.0);
        push(format!("threshold {t} → {to}"), &|m| {
            m.threshold = Some(to)
        });
    }
    let ops = if a.threshold_metric_id.is_some() {
        BAND_COMPARISONS
    } else {
        COMPARISONS
    };
    for op in ops.iter().filter(|op| **op != a.comparison_operator) {
        push(
            format!("comparison {} → {op}", a.comparison_operator),
            &|m| {
                m.comparison_operator = (*op).to_string();
            },
        );
    }
    let period = a.period.or_else(|| {
        a.metrics
            .iter()
            .find_map(|q| q.metric_stat.as_ref().map(|s| s.period))
    });
    let n = a.evaluation_periods;
    if let Some(p) = period
        && let Some(to) = period_mutant(p, n)
    {
        push(format!("period {p} → {to}"), &|m| {
            m.period = m.period.map(|_| to);
            // A math alarm's metrics change with it; one with another
            // period changes the same way from its own.
            for q in &mut m.metrics {
                if let Some(s) = &mut q.metric_stat {
                    s.period = if s.period == p {
                        to
                    } else {
                        period_mutant(s.period, n).unwrap_or(s.period)
                    };
                }
            }
        });
    }
    for mode in MISSING.iter().filter(|t| **t != a.treat_missing_data) {
        push(
            format!("treat_missing_data {} → {mode}", a.treat_missing_data),
            &|m| {
                m.treat_missing_data = (*mode).to_string();
            },
        );
    }
    let dta = a.datapoints_to_alarm.unwrap_or(n);
    if dta > 1 {
        push(format!("datapoints_to_alarm {dta} → {}", dta - 1), &|m| {
            m.datapoints_to_alarm = Some(dta - 1);
        });
    }
    if dta < n {
        push(format!("datapoints_to_alarm {dta} → {}", dta + 1), &|m| {
            m.datapoints_to_alarm = Some(dta + 1);
        });
    }
    out
}

/// The mutants of one log alarm: threshold ×10+1, every other of the four
/// comparisons, every other missing-data treatment, M ±1 within 1..=N
/// (each an input PutLogAlarm accepts).
pub fn log_mutants(a: &LogAlarm) -> Vec<(String, LogAlarm)> {
    let mut out = Vec::new();
    let mut push = |change: String, f: &dyn Fn(&mut LogAlarm)| {
        let mut m = a.clone();
        f(&mut m);
        out.push((change, m));
    };
    let t = a.threshold;
    let to = tidy(t * 10.0 + 1.0);
    push(format!("threshold {t} → {to}"), &|m| m.threshold = to);
    for op in COMPARISONS
        .iter()
        .filter(|op| **op != a.comparison_operator)
    {
        push(
            format!("comparison {} → {op}", a.comparison_operator),
            &|m| m.comparison_operator = (*op).to_string(),
        );
    }
    for mode in MISSING.iter().filter(|t| **t != a.treat_missing_data) {
        push(
            format!("treat_missing_data {} → {mode}", a.treat_missing_data),
            &|m| m.treat_missing_data = (*mode).to_string(),
        );
    }
    let (m_, n) = (a.query_results_to_alarm, a.query_results_to_evaluate);
    if m_ > 1 {
        push(format!("datapoints_to_alarm {m_} → {}", m_ - 1), &|m| {
            m.query_results_to_alarm = m_ - 1
        });
    }
    if m_ < n {
        push(format!("datapoints_to_alarm {m_} → {}", m_ + 1), &|m| {
            m.query_results_to_alarm = m_ + 1
        });
    }
    out
}

/// A number rounded to 12 significant digits, so arithmetic leaves no
/// float noise in a mutant or its description (`12.2`, not
/// `12.200000000000001`).
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// The rule by which `mutant` of `original` cannot behave differently, if
/// one applies. Rules:
///
/// * a missing-data treatment mutant of an alarm that reads an
///   AWS/DynamoDB metric: AWS always ignores missing data there
///   ([`crate::rules::missing_data`]);
/// * a missing-data treatment mutant of a math alarm whose returned
///   expression has a value in every period whatever its metrics do (such
///   as `FILL(a, 0) + FILL(b, 0)`; the rules are in
///   `engine::alarm::math::presence`): no datapoint is ever missing, so no
///   treatment ever applies.
pub fn equivalence(original: &MetricAlarm, mutant: &MetricAlarm) -> Option<&'static str> {
    let only_treatment = MetricAlarm {
        treat_missing_data: original.treat_missing_data.clone(),
        ..mutant.clone()
    } == *original
        && mutant.treat_missing_data != original.treat_missing_data;
    if !only_treatment {
        return None;
    }
    if original.always_ignores_missing_data() {
        return Some(crate::rules::missing_data::DYNAMODB_RULE);
    }
    never_missing(original).then_some(NEVER_MISSING_RULE)
}

/// Why a treatment mutant of a math alarm that always has data is equivalent.
pub const NEVER_MISSING_RULE: &str = "its expression has a value in every period whatever its metrics do (FILL with a value; a gap in one series counts as 0 beside another), so no datapoint is ever missing";

/// Whether a math alarm's returned expression (not an anomaly band) has a
/// value in every period, following expression queries it references.
fn never_missing(a: &MetricAlarm) -> bool {
    if a.metrics.is_empty() || a.threshold_metric_id.is_some() {
        return false;
    }
    fn query(a: &MetricAlarm, id: &str, depth: usize) -> bool {
        let Some(q) = a.metrics.iter().find(|q| q.id == id) else {
            return false;
        };
        let Some(text) = &q.expression else {
            return false; // a metric query may have no data
        };
        depth < 16
            && crate::engine::alarm::math::Expr::parse(text)
                .is_ok_and(|e| e.never_missing(&|id| query(a, id, depth + 1)))
    }
    a.metrics
        .iter()
        .find(|q| q.return_data)
        .is_some_and(|q| query(a, &q.id, 0))
}

/// The changed period of a period mutant: twice the period, or else half of
/// it (rounded down to a period AWS accepts), when AWS accepts that for an
/// alarm with `evaluation_periods`: 10, 20, 30 s or a multiple of 60 s up to
/// one day, and period × evaluation periods within the look-back limit
/// (`rules::limits`). `None` when neither is accepted.
pub fn period_mutant(period: u32, evaluation_periods: u32) -> Option<u32> {
    let accepted = |p: &u32| {
        *p != period
            && limits::period_problem(*p).is_none()
            && limits::window_problem(*p, evaluation_periods).is_none()
    };
    let half = [10, 20, 30]
        .into_iter()
        .chain((1..=1440).map(|k| k * 60))
        .rfind(|p| *p <= period / 2 && accepted(p));
    period.checked_mul(2).filter(accepted).or(half)
}

/// Runs every mutant of every metric alarm against the cases that watch it.
/// `cases` are those that passed on the unmutated catalogue: only they can
/// catch a mutant.
pub fn run(envs: &[EnvRun], cases: &[&Case]) -> MutationReport {
    let mut report = MutationReport::default();
    for env in envs {
        let parents = parents(env);
        let env_cases: Vec<&Case> = cases
            .iter()
            .copied()
            .filter(|c| c.env == env.state.env)
            .collect();
        for r in env.state.resources.values() {
            let Resource::MetricAlarm(a) = r else {
                continue;
            };
            let watching = watching(&a.alarm_name, &parents, &env_cases);
            for (change, mutant) in mutants(a) {
                report.total += 1;
                *report.per_env.entry(env.state.env.clone()).or_default() += 1;
                if let Some(rule) = equivalence(a, &mutant) {
                    report.equivalent.push(Equivalent {
                        env: env.state.env.clone(),
                        alarm: a.alarm_name.clone(),
                        change,
                        rule,
                    });
                    continue;
                }
                let caught = watching.iter().any(|c| {
                    !check::run(env, c, Some(Mutant::Metric(&mutant)))
                        .failures
                        .is_empty()
                });
                if !caught {
                    report.survivors.push(Survivor {
                        env: env.state.env.clone(),
                        alarm: a.alarm_name.clone(),
                        change,
                        cases: watching.len(),
                    });
                }
            }
        }
        for r in env.state.resources.values() {
            let Resource::LogAlarm(a) = r else {
                continue;
            };
            let watching = watching(&a.alarm_name, &parents, &env_cases);
            for (change, mutant) in log_mutants(a) {
                report.total += 1;
                *report.per_env.entry(env.state.env.clone()).or_default() += 1;
                let caught = watching.iter().any(|c| {
                    !check::run(env, c, Some(Mutant::Log(&mutant)))
                        .failures
                        .is_empty()
                });
                if !caught {
                    report.survivors.push(Survivor {
                        env: env.state.env.clone(),
                        alarm: a.alarm_name.clone(),
                        change,
                        cases: watching.len(),
                    });
                }
            }
        }
        for (rule, secs, targets) in env.mutes.rules() {
            let watching: Vec<&Case> = env_cases
                .iter()
                .copied()
                .filter(|c| {
                    c.checks
                        .iter()
                        .any(|k| matches!(k, Check::Alarm { alarm, .. } if targets.contains(alarm)))
                })
                .collect();
            for (change, duration) in mute_mutants(secs) {
                report.total += 1;
                *report.per_env.entry(env.state.env.clone()).or_default() += 1;
                let mutes = env.mutes.with_duration(&rule, duration);
                let caught = watching
                    .iter()
                    .any(|c| !check::run_with(env, c, None, &mutes).failures.is_empty());
                if !caught {
                    report.survivors.push(Survivor {
                        env: env.state.env.clone(),
                        alarm: rule.clone(),
                        change,
                        cases: watching.len(),
                    });
                }
            }
        }
    }
    report
}

/// The mutants of a mute window of `secs` seconds: half again as long and
/// half as long (whole minutes, within AWS's 1 minute to 15 days, when
/// different), and no window at all (`None`).
pub fn mute_mutants(secs: i64) -> Vec<(String, Option<i64>)> {
    use crate::rules::mute::{MAX_DURATION_SECS, MIN_DURATION_SECS};
    let show = |s: i64| crate::notation::format_duration(s);
    let mut out = Vec::new();
    let longer = ((secs * 3 / 2).div_euclid(60) * 60).max(secs + 60);
    let shorter = (secs / 2).div_euclid(60) * 60;
    for d in [
        longer.min(MAX_DURATION_SECS),
        shorter.max(MIN_DURATION_SECS),
    ] {
        if d != secs && !out.iter().any(|(_, x)| *x == Some(d)) {
            out.push((format!("mute window {} → {}", show(secs), show(d)), Some(d)));
        }
    }
    out.push(("mute rule removed".to_string(), None));
    out
}

/// Child alarm → the composites whose rules name it.
fn parents(env: &EnvRun) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in env.state.resources.values() {
        if let Resource::CompositeAlarm(c) = r {
            if let Ok(rule) = composite::Rule::parse(&c.alarm_rule) {
                for child in rule.children() {
                    out.entry(child).or_default().push(c.alarm_name.clone());
                }
            }
            if let Some(s) = &c.actions_suppressor {
                let name = s.rsplit(':').next().unwrap_or(s).to_string();
                out.entry(name).or_default().push(c.alarm_name.clone());
            }
        }
    }
    out
}

/// The alarm and every composite above it.
/// The cases that check `name` or a composite above it.
fn watching<'c>(
    name: &str,
    parents: &BTreeMap<String, Vec<String>>,
    cases: &[&'c Case],
) -> Vec<&'c Case> {
    let watchers = ancestors(name, parents);
    cases
        .iter()
        .copied()
        .filter(|c| {
            c.checks
                .iter()
                .any(|k| matches!(k, Check::Alarm { alarm, .. } if watchers.contains(alarm)))
        })
        .collect()
}

fn ancestors(name: &str, parents: &BTreeMap<String, Vec<String>>) -> BTreeSet<String> {
    let mut seen = BTreeSet::from([name.to_string()]);
    let mut stack = vec![name.to_string()];
    while let Some(n) = stack.pop() {
        for p in parents.get(&n).into_iter().flatten() {
            if seen.insert(p.clone()) {
                stack.push(p.clone());
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::limits::{period_problem, window_problem};

    fn alarm(period: u32, evaluation_periods: u32, threshold: f64) -> MetricAlarm {
        MetricAlarm {
            alarm_name: "p-staging-api-cpu".into(),
            alarm_description: None,
            actions_enabled: true,
            ok_actions: vec![],
            alarm_actions: vec![],
            insufficient_data_actions: vec![],
            metric_name: Some("CPUUtilization".into()),
            namespace: Some("AWS/ECS".into()),
            statistic: Some("Average".into()),
            extended_statistic: None,
            dimensions: vec![],
            period: Some(period),
            unit: None,
            evaluation_periods,
            datapoints_to_alarm: None,
            threshold: Some(threshold),
            comparison_operator: "GreaterThanThreshold".into(),
            treat_missing_data: "missing".into(),
            evaluate_low_sample_count_percentile: None,
            metrics: vec![],
            threshold_metric_id: None,
            tags: vec![],
        }
    }

    /// PutMetricAlarm accepts periods of 10, 20, 30 s and multiples of 60 s
    /// up to 86,400 s, and period × evaluation periods up to 86,400 s below a
    /// one-hour period (604,800 s from one hour): every period mutant is one
    /// AWS accepts.
    #[test]
    fn period_mutants_are_periods_aws_accepts() {
        assert_eq!(period_mutant(60, 5), Some(120));
        assert_eq!(period_mutant(10, 3), Some(20));
        // 40 s is not a period: half.
        assert_eq!(period_mutant(20, 3), Some(10));
        // Twice one day is more than a day: half.
        assert_eq!(period_mutant(86_400, 1), Some(43_200));
        assert_eq!(period_mutant(300, 1), Some(600));
        assert_eq!(period_mutant(90 * 60, 1), Some(180 * 60));
        // 1440 × 60 s is one day: 120 s would look back two days.
        assert_eq!(period_mutant(60, 1440), Some(30));
        // From one hour, the look-back limit is 7 days.
        assert_eq!(period_mutant(1800, 48), Some(3600));
        // Below one hour it is 1 day again: 168 × 480 s fits, 168 × 540 s not.
        assert_eq!(period_mutant(3600, 168), Some(480));
        for p in [10, 20, 30, 60, 300, 3600, 43_200, 86_400] {
            for n in [1, 2, 5, 24, 168, 1440] {
                if window_problem(p, n).is_some() {
                    continue;
                }
                if let Some(to) = period_mutant(p, n) {
                    assert!(period_problem(to).is_none(), "{p}×{n} → {to}");
                    assert!(window_problem(to, n).is_none(), "{p}×{n} → {to}");
                    assert_ne!(to, p);
                }
            }
        }
        let day = alarm(86_400, 7, 5.0);
        for (change, m) in mutants(&day) {
            let p = m.period.unwrap_or_default();
            assert!(period_problem(p).is_none(), "{change}");
            assert!(
                window_problem(p, m.evaluation_periods).is_none(),
                "{change}"
            );
        }
    }

    /// PutMetricAlarm reference, TreatMissingData: "Alarms that evaluate
    /// metrics in the AWS/DynamoDB namespace always ignore missing data even
    /// if you choose a different option": their treatment mutants are
    /// equivalent, other mutants are not.
    #[test]
    fn dynamodb_treatment_mutants_are_equivalent() {
        let mut table = alarm(60, 1, 5.0);
        table.namespace = Some("AWS/DynamoDB".into());
        let mut treatments = 0;
        for (change, m) in mutants(&table) {
            let rule = equivalence(&table, &m);
            if change.starts_with("treat_missing_data") {
                treatments += 1;
                assert!(rule.is_some_and(|r| r.contains("AWS/DynamoDB")), "{change}");
            } else {
                assert_eq!(rule, None, "{change}");
            }
        }
        assert_eq!(treatments, 3);
        // A math alarm reading a DynamoDB metric too (obsctl's reading).
        let mut math = alarm(60, 1, 5.0);
        math.namespace = None;
        math.metrics = vec![crate::resource::MetricDataQuery {
            id: "m1".into(),
            metric_stat: Some(crate::resource::MetricStat {
                metric: crate::resource::Metric {
                    namespace: "AWS/DynamoDB".into(),
                    metric_name: "ThrottledRequests".into(),
                    dimensions: vec![],
                },
                period: 60,
                stat: "Sum".into(),
                unit: None,
            }),
            expression: None,
            label: None,
            return_data: true,
        }];
        let treatment = mutants(&math)
            .into_iter()
            .find(|(c, _)| c.starts_with("treat_missing_data"));
        assert!(treatment.is_some_and(|(_, m)| equivalence(&math, &m).is_some()));
        // Elsewhere the treatment matters.
        let ecs = alarm(60, 1, 5.0);
        assert!(
            mutants(&ecs)
                .iter()
                .all(|(_, m)| equivalence(&ecs, m).is_none())
        );
    }

    /// A math alarm whose expression always has a value: its treatment
    /// mutants are equivalent; one that may miss data: they are not.
    #[test]
    fn treatment_mutants_of_always_present_math_are_equivalent() {
        let query = |id: &str, expression: Option<&str>, return_data: bool| {
            crate::resource::MetricDataQuery {
                id: id.into(),
                metric_stat: expression.is_none().then(|| crate::resource::MetricStat {
                    metric: crate::resource::Metric {
                        namespace: "Shop".into(),
                        metric_name: id.into(),
                        dimensions: vec![],
                    },
                    period: 60,
                    stat: "Sum".into(),
                    unit: None,
                }),
                expression: expression.map(str::to_string),
                label: None,
                return_data,
            }
        };
        let math = |expr: &str| {
            let mut m = alarm(60, 1, 5.0);
            m.namespace = None;
            m.metrics = vec![
                query("a", None, false),
                query("b", None, false),
                query("e1", Some("FILL(a, 0)"), false),
                query("e2", Some(expr), true),
            ];
            m
        };
        for (expr, equivalent) in [
            ("FILL(a, 0) + FILL(b, 0)", true),
            ("e1 + b", true),
            ("a + b", false),
            ("FILL(a, 0) / FILL(b, 0)", false),
        ] {
            let original = math(expr);
            for (change, m) in mutants(&original) {
                let rule = equivalence(&original, &m);
                if change.starts_with("treat_missing_data") {
                    assert_eq!(rule.is_some(), equivalent, "{expr}: {change}");
                } else {
                    assert_eq!(rule, None, "{expr}: {change}");
                }
            }
        }
    }

    #[test]
    fn mutant_numbers_carry_no_float_noise() {
        let changes: Vec<String> = mutants(&alarm(60, 1, 1.12))
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert!(
            changes.contains(&"threshold 1.12 → 12.2".to_string()),
            "{changes:?}"
        );
        let (_, m) = mutants(&alarm(60, 1, 1.12)).remove(0);
        assert_eq!(m.threshold, Some(12.2));
        assert_eq!(tidy(5.0 * 10.0 + 1.0), 51.0);
        assert_eq!(tidy(0.1 + 0.2), 0.3);
    }

    #[test]
    fn a_mute_window_is_widened_narrowed_and_removed_within_aws_bounds() {
        assert_eq!(
            mute_mutants(1800),
            [
                ("mute window 30m → 45m".to_string(), Some(2700)),
                ("mute window 30m → 15m".to_string(), Some(900)),
                ("mute rule removed".to_string(), None),
            ]
        );
        // One minute cannot be shorter; 15 days cannot be longer.
        assert_eq!(mute_mutants(60).len(), 2);
        assert_eq!(mute_mutants(15 * 86_400)[0].1, Some(15 * 86_400 / 2));
    }
}
