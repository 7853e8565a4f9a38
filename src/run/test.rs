//! `obsctl test`: runs the catalogue's test files offline.

use super::{load_and_compile_in, stdout_error};
use crate::cli::Cli;
use crate::diagnostic::Problems;
use crate::error::{EXIT_OK, Error};
use crate::report;
use std::io::Write;
use std::path::Path;

/// What `obsctl test` was asked for.
pub(super) struct TestArgs<'a> {
    /// Only this environment.
    pub env: Option<&'a str>,
    /// Write JUnit XML here.
    pub junit: Option<&'a Path>,
    /// Write the coverage report (JSON) here.
    pub coverage_report: Option<&'a Path>,
    /// Fail below this coverage (percent).
    pub min_coverage: Option<f64>,
    /// Run mutants.
    pub mutate: bool,
    /// Only tests whose name contains this.
    pub name_filter: Option<&'a str>,
}

/// Runs the test files (of `env` only, when given; those `name_filter`
/// selects), reports results and coverage, and writes JUnit XML to `junit`
/// and the coverage report to `coverage_report`.
pub(super) fn test_command(cli: &Cli, args: &TestArgs, out: &mut dyn Write) -> Result<i32, Error> {
    let (cat, states) =
        load_and_compile_in(&cli.definitions, cli.root.as_deref(), args.env, false)?;
    report::warnings(out, &states).map_err(stdout_error)?;
    let mut problems = Problems::default();
    let started = std::time::Instant::now();
    let result = crate::testing::run(&cat, &states, args.name_filter, args.mutate, &mut problems);
    problems.finish(())?;
    let elapsed = started.elapsed();
    if let Some(path) = args.coverage_report {
        let json = report::coverage::json(&result.coverage);
        std::fs::write(path, json).map_err(|e| Error::io(path, e))?;
    }
    if let Some(path) = args.junit {
        let xml = report::junit::render(&cat.name, &result, elapsed);
        std::fs::write(path, xml).map_err(|e| Error::io(path, e))?;
    }
    let ok = report::test_report::write(out, &result, args.min_coverage, elapsed)
        .map_err(stdout_error)?;
    Ok(if ok {
        EXIT_OK
    } else {
        crate::error::EXIT_FAILURE
    })
}
