//! `obsctl test`: runs the catalogue's test files offline.

use super::{load_and_compile_in, stdout_error};
use crate::cli::Cli;
use crate::diagnostic::Problems;
use crate::error::{EXIT_OK, Error};
use crate::report;
use std::io::Write;
use std::path::Path;

/// Runs the test files (of `env` only, when given; those `name_filter`
/// selects), reports results and coverage, and writes JUnit XML to `junit`.
pub(super) fn test_command(
    cli: &Cli,
    env: Option<&str>,
    junit: Option<&Path>,
    min_coverage: Option<f64>,
    mutate: bool,
    name_filter: Option<&str>,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let (cat, states) = load_and_compile_in(&cli.definitions, cli.root.as_deref(), env, false)?;
    report::warnings(out, &states).map_err(stdout_error)?;
    let mut problems = Problems::default();
    let started = std::time::Instant::now();
    let result = crate::testing::run(&cat, &states, name_filter, mutate, &mut problems);
    problems.finish(())?;
    let elapsed = started.elapsed();
    if let Some(path) = junit {
        let xml = report::junit::render(&cat.name, &result, elapsed);
        std::fs::write(path, xml).map_err(|e| Error::io(path, e))?;
    }
    let ok =
        report::test_report::write(out, &result, min_coverage, elapsed).map_err(stdout_error)?;
    Ok(if ok {
        EXIT_OK
    } else {
        crate::error::EXIT_FAILURE
    })
}
