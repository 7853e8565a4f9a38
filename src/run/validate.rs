//! `obsctl validate`: checks the whole catalogue, every environment.

use super::{load_and_compile_in, stdout_error};
use crate::cli::Cli;
use crate::error::{EXIT_OK, Error};
use crate::report;
use std::io::Write;

/// Loads, validates and compiles every environment (test files included)
/// and reports the warnings and what the catalogue holds.
pub(super) fn validate_command(cli: &Cli, out: &mut dyn Write) -> Result<i32, Error> {
    let (cat, states) = load_and_compile_in(&cli.definitions, cli.root.as_deref(), None, true)?;
    report::warnings(out, &states).map_err(stdout_error)?;
    let resources: usize = states.iter().map(|s| s.resources.len()).sum();
    writeln!(
        out,
        "{}: valid ({} environments, {resources} resources)",
        cat.dir.display(),
        states.len()
    )
    .map_err(stdout_error)?;
    Ok(EXIT_OK)
}
