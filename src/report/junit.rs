//! JUnit XML for CI: one test suite per environment, one test case per
//! expanded test (a parameterised test gives one case per service), each
//! failure with the expectation's location, expected and actual. Each suite
//! carries its environment's coverage and mutation results as properties,
//! and each surviving mutant is a failed test case (classname
//! `<catalogue>.<env>.mutation`; each equivalent mutant a skipped one,
//! with the rule that makes it equivalent). A case's alarm plots
//! (`--plots`) are linked as `attachment` properties and
//! `[[ATTACHMENT|path]]` lines in its output.

use crate::testing::TestReport;
use crate::testing::coverage::Item;
use crate::testing::mutate::Mutation;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::time::Duration;

/// Renders the report as JUnit XML.
pub fn render(catalogue: &str, report: &TestReport, elapsed: Duration) -> String {
    let mut junit = Report::new(format!("obsctl test {catalogue}"));
    junit.set_time(elapsed);
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for c in &report.cases {
        let status = if c.failures.is_empty() {
            TestCaseStatus::success()
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let first = &c.failures[0].1;
            s.set_message(format!(
                "{}: expected {}, got {}",
                first.subject, first.expected, first.actual
            ));
            s.set_type("expectation");
            s.set_description(
                c.failures
                    .iter()
                    .map(|(loc, f)| {
                        format!(
                            "{loc}: {}\n  expected: {}\n  actual:   {}",
                            f.subject, f.expected, f.actual
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            s
        };
        let mut case = TestCase::new(c.name.clone(), status);
        case.set_classname(format!("{catalogue}.{}", c.env));
        case.set_assertions(c.checks);
        // Alarm plots: an `attachment` property each, and the
        // `[[ATTACHMENT|path]]` lines CI systems (Jenkins, GitLab) read
        // from the case's output.
        if !c.plot_files.is_empty() {
            for path in &c.plot_files {
                case.add_property(("attachment", path.as_str()));
            }
            case.set_system_out(
                c.plot_files
                    .iter()
                    .map(|p| format!("[[ATTACHMENT|{p}]]"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        suite(&mut suites, catalogue, &c.env).add_test_case(case);
    }
    if let Some(Mutation::Ran(m)) = &report.mutation {
        for s in &m.survivors {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_type("surviving mutant");
            status.set_message(format!(
                "no test catches this change of alarm {}: {}",
                s.alarm, s.change
            ));
            let mut case = TestCase::new(format!("mutant {}: {}", s.alarm, s.change), status);
            case.set_classname(format!("{catalogue}.{}.mutation", s.env));
            suite(&mut suites, catalogue, &s.env).add_test_case(case);
        }
        for e in &m.equivalent {
            let mut status = TestCaseStatus::skipped();
            status.set_type("equivalent mutant");
            status.set_message(format!(
                "this change of alarm {} cannot change its behaviour: {}",
                e.alarm, e.rule
            ));
            let mut case = TestCase::new(format!("mutant {}: {}", e.alarm, e.change), status);
            case.set_classname(format!("{catalogue}.{}.mutation", e.env));
            suite(&mut suites, catalogue, &e.env).add_test_case(case);
        }
    }
    for (env, suite) in &mut suites {
        properties(suite, env, report);
    }
    junit.add_test_suites(suites.into_values());
    junit.to_string().unwrap_or_default()
}

/// An environment's coverage and mutation results as suite properties.
fn properties(suite: &mut TestSuite, env: &str, report: &TestReport) {
    let count = |items: &[Item]| {
        let mine: Vec<&Item> = items.iter().filter(|i| i.env == env).collect();
        let covered = mine.iter().filter(|i| i.covered()).count();
        format!("{covered}/{}", mine.len())
    };
    let cov = &report.coverage;
    suite.add_property(("coverage.percent", format!("{:.1}", cov.percent()).as_str()));
    suite.add_property(("coverage.alarms", count(&cov.alarms).as_str()));
    suite.add_property(("coverage.metric_filters", count(&cov.filters).as_str()));
    if cov.mute_rules.iter().any(|i| i.env == env) {
        suite.add_property(("coverage.mute_rules", count(&cov.mute_rules).as_str()));
    }
    match &report.mutation {
        None => {}
        Some(Mutation::Stopped { failed }) => {
            suite.add_property((
                "mutation",
                format!("not run: {failed} test(s) fail").as_str(),
            ));
        }
        Some(Mutation::Ran(m)) => {
            let total = m.per_env.get(env).copied().unwrap_or_default();
            let survived = m.survivors.iter().filter(|s| s.env == env).count();
            let equivalent = m.equivalent.iter().filter(|e| e.env == env).count();
            suite.add_property(("mutation.mutants", total.to_string().as_str()));
            suite.add_property((
                "mutation.caught",
                total
                    .saturating_sub(survived)
                    .saturating_sub(equivalent)
                    .to_string()
                    .as_str(),
            ));
            suite.add_property(("mutation.survived", survived.to_string().as_str()));
            suite.add_property(("mutation.equivalent", equivalent.to_string().as_str()));
        }
    }
}

/// The suite of environment `env`, made on first use.
fn suite<'a, 'm>(
    suites: &'m mut BTreeMap<&'a str, TestSuite>,
    catalogue: &str,
    env: &'a str,
) -> &'m mut TestSuite {
    suites
        .entry(env)
        .or_insert_with(|| TestSuite::new(format!("{catalogue}.{env}")))
}
