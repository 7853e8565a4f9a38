//! JUnit XML for CI: one test suite per environment, one test case per
//! expanded test (a parameterised test gives one case per service), each
//! failure with the expectation's location, expected and actual.

use crate::testing::TestReport;
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
        suites
            .entry(c.env.as_str())
            .or_insert_with(|| TestSuite::new(format!("{catalogue}.{}", c.env)))
            .add_test_case(case);
    }
    junit.add_test_suites(suites.into_values());
    junit.to_string().unwrap_or_default()
}
