//! Mutation testing for monitoring: each metric alarm is changed in turn
//! (threshold ×10+1, every other comparison operator, period ×2, every
//! other missing-data treatment, datapoints-to-alarm ±1) and the cases that
//! watch it (directly or through a composite) are run again. A mutant that
//! no case catches is a behaviour of the alarm no test pins down.

use super::case::{Case, Check};
use super::check::{self, EnvRun};
use crate::engine::alarm::composite;
use crate::resource::{MetricAlarm, Resource};
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

/// The outcome of `--mutate`.
#[derive(Debug, Clone, Default)]
pub struct MutationReport {
    /// Mutants made.
    pub total: usize,
    /// Mutants no test caught.
    pub survivors: Vec<Survivor>,
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
        let to = t * 10.0 + 1.0;
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
    if let Some(p) = period {
        push(format!("period {p} → {}", p * 2), &|m| {
            m.period = m.period.map(|p| p * 2);
            for q in &mut m.metrics {
                if let Some(s) = &mut q.metric_stat {
                    s.period *= 2;
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
    let n = a.evaluation_periods;
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

/// Runs every mutant of every metric alarm against the cases that watch it.
pub fn run(envs: &[EnvRun], cases: &[Case]) -> MutationReport {
    let mut report = MutationReport::default();
    for env in envs {
        let parents = parents(env);
        let env_cases: Vec<&Case> = cases.iter().filter(|c| c.env == env.state.env).collect();
        for r in env.state.resources.values() {
            let Resource::MetricAlarm(a) = r else {
                continue;
            };
            let watchers = ancestors(&a.alarm_name, &parents);
            let watching: Vec<&Case> = env_cases
                .iter()
                .copied()
                .filter(|c| {
                    c.checks.iter().any(
                        |k| matches!(k, Check::Alarm { alarm, .. } if watchers.contains(alarm)),
                    )
                })
                .collect();
            for (change, mutant) in mutants(a) {
                report.total += 1;
                let caught = watching
                    .iter()
                    .any(|c| !check::run(env, c, Some(&mutant)).failures.is_empty());
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
    }
    report
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
