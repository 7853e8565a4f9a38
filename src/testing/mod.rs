//! `obsctl test`: runs the catalogue's tests offline. Test files are
//! expanded into cases ([`case`]), each case is simulated against its
//! environment's compiled alarms and filters ([`simulate`], on the pure
//! engines in [`crate::engine`]) and its expectations checked ([`check`]);
//! [`coverage`] measures which alarms and filters tests pin down, and
//! [`mutate`] which alarm settings they do not.

pub mod case;
pub mod check;
pub mod coverage;
pub mod log_alarm;
pub mod mutate;
pub mod mute;
pub mod plot;
pub mod simulate;

use crate::catalogue::Catalogue;
use crate::compile::DesiredState;
use crate::diagnostic::Problems;
use check::{EnvRun, Failure};

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// `test [env, service]`.
    pub name: String,
    /// The test's name.
    pub test: String,
    /// Environment.
    pub env: String,
    /// Service of a parameterised run.
    pub service: Option<String>,
    /// `file:line` of the test.
    pub location: String,
    /// Number of expectations.
    pub checks: usize,
    /// Failures, each with the `file:line` of its expectation.
    pub failures: Vec<(String, Failure)>,
    /// Alarm plots (`--plots`): of the alarms of its failed expectations,
    /// or (`--plots-all`) of every alarm it expects something of.
    pub plots: Vec<plot::AlarmPlot>,
    /// Where the plots were written (set by the caller that writes them).
    pub plot_files: Vec<String>,
}

/// Which alarm plots a run collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plots {
    /// None.
    No,
    /// Of each alarm a failed expectation names.
    Failing,
    /// Of each alarm any expectation names.
    All,
}

/// Everything `obsctl test` reports.
#[derive(Debug, Clone, Default)]
pub struct TestReport {
    /// Each case, in catalogue order.
    pub cases: Vec<CaseResult>,
    /// Coverage of alarms and filters.
    pub coverage: coverage::Coverage,
    /// With `--mutate`: every mutant and those no test caught, or why
    /// mutants were not run.
    pub mutation: Option<mutate::Mutation>,
}

impl TestReport {
    /// Number of failed cases.
    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|c| !c.failures.is_empty()).count()
    }
}

/// Runs the tests whose name contains `filter` in the compiled `states`.
/// Mistakes in test files are problems (located); failures are results.
pub fn run(
    cat: &Catalogue,
    states: &[DesiredState],
    filter: Option<&str>,
    mutate: bool,
    plots: Plots,
    problems: &mut Problems,
) -> TestReport {
    let cases = case::expand(cat, states, filter, problems);
    if !problems.is_empty() {
        return TestReport::default();
    }
    let envs: Vec<EnvRun> = states.iter().map(|s| EnvRun::new(cat, s)).collect();
    let env_of = |name: &str| envs.iter().find(|e| e.state.env == name);
    let mut results = Vec::new();
    let mut outcomes = Vec::new();
    // The cases that passed on the unmutated catalogue.
    let mut passed: Vec<&case::Case> = Vec::new();
    for c in &cases {
        let Some(env) = env_of(&c.env) else { continue };
        let outcome = check::run(env, c, None);
        let locate = |o: &crate::diagnostic::Origin| {
            let (file, pos) = cat.locate(o, true);
            format!("{}:{}", file.display(), pos.line)
        };
        let plots = case_plots(env, c, &outcome, plots);
        results.push(CaseResult {
            name: c.name(),
            test: c.test.clone(),
            env: c.env.clone(),
            service: c.service.clone(),
            location: locate(&c.origin),
            checks: c.checks.len(),
            failures: outcome
                .failures
                .iter()
                .map(|f| (locate(c.checks[f.check].origin()), f.clone()))
                .collect(),
            plots,
            plot_files: Vec::new(),
        });
        if outcome.failures.is_empty() {
            passed.push(c);
        }
        outcomes.push(outcome);
    }
    let coverage = coverage::measure(cat, &envs, &cases, &outcomes);
    // Mutants run only when the unmutated tests pass: a failing test would
    // "catch" every mutant.
    let failed = results.iter().filter(|r| !r.failures.is_empty()).count();
    let mutation = mutate.then(|| {
        if failed > 0 {
            return mutate::Mutation::Stopped { failed };
        }
        mutate::Mutation::Ran(mutate::run(&envs, &passed))
    });
    TestReport {
        cases: results,
        coverage,
        mutation,
    }
}

/// The plots of a case's alarms `plots` asks for, each alarm once.
fn case_plots(
    env: &EnvRun,
    case: &case::Case,
    outcome: &check::Outcome,
    plots: Plots,
) -> Vec<plot::AlarmPlot> {
    let mut alarms: Vec<&str> = Vec::new();
    for (i, c) in case.checks.iter().enumerate() {
        let case::Check::Alarm { alarm, .. } = c else {
            continue;
        };
        let failed = outcome.passed.get(i) == Some(&false);
        let wanted = match plots {
            Plots::No => false,
            Plots::Failing => failed,
            Plots::All => true,
        };
        if wanted && !alarms.contains(&alarm.as_str()) {
            alarms.push(alarm);
        }
    }
    alarms
        .into_iter()
        .map(|a| plot::collect(env, case, a, &outcome.failures))
        .collect()
}
