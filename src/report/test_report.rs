//! The text report of `obsctl test`: failures with expected and actual,
//! a summary line, coverage per environment and service, and surviving
//! mutants.

use crate::testing::TestReport;
use crate::testing::coverage::Gap;
use crate::testing::mutate::Mutation;
use std::io::{self, Write};
use std::time::Duration;

/// Writes the report; returns whether the run passed (no failure, coverage
/// at least `min_coverage`, no surviving mutant).
pub fn write(
    w: &mut dyn Write,
    r: &TestReport,
    min_coverage: Option<f64>,
    elapsed: Duration,
) -> io::Result<bool> {
    for c in r.cases.iter().filter(|c| !c.failures.is_empty()) {
        writeln!(w, "FAIL {} ({})", c.name, c.location)?;
        for (loc, f) in &c.failures {
            writeln!(w, "  {loc}: {}", f.subject)?;
            writeln!(w, "    expected: {}", f.expected)?;
            writeln!(w, "    actual:   {}", f.actual)?;
        }
    }
    let failed = r.failed();
    let checks: usize = r.cases.iter().map(|c| c.checks).sum();
    writeln!(
        w,
        "{} tests ({} expectations): {} passed, {failed} failed in {} ms",
        r.cases.len(),
        checks,
        r.cases.len() - failed,
        elapsed.as_millis()
    )?;
    let cov = &r.coverage;
    let covered =
        |items: &[crate::testing::coverage::Item]| items.iter().filter(|i| i.covered()).count();
    let mutes = if cov.mute_rules.is_empty() {
        String::new()
    } else {
        format!(
            ", mute rules {}/{} muting and not",
            covered(&cov.mute_rules),
            cov.mute_rules.len()
        )
    };
    writeln!(
        w,
        "coverage {:.1}%: alarms {}/{} fired and quiet, filters {}/{} matching and not{mutes}",
        cov.percent(),
        covered(&cov.alarms),
        cov.alarms.len(),
        covered(&cov.filters),
        cov.filters.len()
    )?;
    for ((env, service), (done, total)) in cov.by_service() {
        if done < total {
            writeln!(w, "  {env} {service}: {done}/{total}")?;
        }
    }
    // What each uncovered item lacks: (kind, no positive, no negative).
    let lacks = [
        (
            &cov.alarms,
            "alarm",
            "never fires in a test",
            "never quiet in a test",
        ),
        (
            &cov.filters,
            "filter",
            "no matching line tested",
            "no non-matching line tested",
        ),
        (
            &cov.mute_rules,
            "mute rule",
            "never seen muting (`muted: true`)",
            "never seen not muting (`muted: false`)",
        ),
    ];
    let uncovered: Vec<String> = lacks
        .iter()
        .flat_map(|(items, kind, no_positive, no_negative)| {
            items.iter().filter_map(move |i| {
                let missing = match i.gap()? {
                    Gap::NoTest => "no test",
                    Gap::NoPositive => no_positive,
                    Gap::NoNegative => no_negative,
                };
                Some(format!("  {}: {kind} {}: {missing}", i.env, i.name))
            })
        })
        .collect();
    let shown = 20;
    for line in uncovered.iter().take(shown) {
        writeln!(w, "{line}")?;
    }
    if uncovered.len() > shown {
        writeln!(
            w,
            "  … and {} more (all of them: --coverage-report FILE)",
            uncovered.len() - shown
        )?;
    }
    let mut ok = failed == 0;
    if let Some(min) = min_coverage
        && cov.percent() + 1e-9 < min
    {
        writeln!(
            w,
            "coverage {:.1}% is below --min-coverage {min}",
            cov.percent()
        )?;
        ok = false;
    }
    match &r.mutation {
        None => {}
        Some(Mutation::Stopped { failed }) => {
            writeln!(
                w,
                "mutation: not run: {failed} test(s) fail on the unmutated catalogue; fix them first"
            )?;
            ok = false;
        }
        Some(Mutation::Ran(m)) => {
            writeln!(
                w,
                "mutation: {} mutants, {} caught, {} survived, {} equivalent",
                m.total,
                m.caught(),
                m.survivors.len(),
                m.equivalent.len()
            )?;
            for e in &m.equivalent {
                writeln!(
                    w,
                    "  equivalent: {}: alarm {}: {}: {}",
                    e.env, e.alarm, e.change, e.rule
                )?;
            }
            for s in &m.survivors {
                let why = if s.cases == 0 {
                    " (no test watches this alarm)"
                } else {
                    ""
                };
                writeln!(
                    w,
                    "  survived: {}: alarm {}: {}{why}",
                    s.env, s.alarm, s.change
                )?;
            }
            ok &= m.survivors.is_empty();
        }
    }
    Ok(ok)
}
