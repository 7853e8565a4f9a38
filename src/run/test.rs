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
    /// Write alarm plots under this directory.
    pub plots: Option<&'a Path>,
    /// Plot every alarm expected, not only failed ones.
    pub plots_all: bool,
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
    let plots = match (args.plots, args.plots_all) {
        (None, _) => crate::testing::Plots::No,
        (Some(_), false) => crate::testing::Plots::Failing,
        (Some(_), true) => crate::testing::Plots::All,
    };
    let mut result = crate::testing::run(
        &cat,
        &states,
        args.name_filter,
        args.mutate,
        plots,
        &mut problems,
    );
    problems.finish(())?;
    let elapsed = started.elapsed();
    if let Some(dir) = args.plots {
        let written = write_plots(dir, &mut result)?;
        writeln!(
            out,
            "{written} alarm plot(s) written under {}",
            dir.display()
        )
        .map_err(stdout_error)?;
    }
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

/// Writes each case's plots as `dir/<env>/<test>[-<service>]/<alarm>.svg`
/// and records the paths in the report (JUnit links them); how many.
fn write_plots(dir: &Path, report: &mut crate::testing::TestReport) -> Result<usize, Error> {
    let mut written = 0;
    for case in &mut report.cases {
        let mut folder = slug(&case.test);
        if let Some(service) = &case.service {
            folder = format!("{folder}-{}", slug(service));
        }
        let case_dir = dir.join(slug(&case.env)).join(folder);
        for plot in &case.plots {
            std::fs::create_dir_all(&case_dir).map_err(|e| Error::io(&case_dir, e))?;
            let path = case_dir.join(format!("{}.svg", slug(&plot.alarm)));
            let svg = report::plot::svg(plot);
            std::fs::write(&path, svg).map_err(|e| Error::io(&path, e))?;
            case.plot_files.push(path.display().to_string());
            written += 1;
        }
    }
    Ok(written)
}

/// A name as one safe path component.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    match s.trim_matches('.') {
        "" => "_".to_string(),
        t => t.to_string(),
    }
}
