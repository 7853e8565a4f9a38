//! `obsctl render`: every resource as canonical JSON under snapshots/,
//! written while the test files are checked on another thread, or checked.

use super::{load_and_compile_in, stdout_error};
use crate::cli::Cli;
use crate::diagnostic::Problems;
use crate::error::{EXIT_OK, Error};
use crate::snapshot::{File, Previews};
use crate::{report, snapshot};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Renders the catalogue (`env` only, when given) under `out_dir`, or with
/// `check` compares the files there with what it renders.
pub(super) fn render_command(
    cli: &Cli,
    env: Option<&str>,
    out_dir: Option<&Path>,
    check: bool,
    previews: Previews,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    // Compiled without the tests; they are checked on a second
    // thread while the files are rendered (see `render`).
    let (cat, states) = load_and_compile_in(&cli.definitions, cli.root.as_deref(), env, false)?;
    let dir = out_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("snapshots").join(&cat.name));
    let envs: Vec<String> = states.iter().map(|s| s.env.clone()).collect();
    let planned = snapshot::planned(&states, previews);
    let tests = || {
        let mut problems = Problems::default();
        crate::testing::case::check(&cat, &states, &mut problems);
        problems.finish(())
    };
    if check {
        let stale = std::thread::scope(|scope| {
            let tested = scope.spawn(tests);
            let stale = snapshot::check_planned(&dir, &envs, &planned, previews);
            joined(tested)?;
            stale
        })?;
        report::warnings(out, &states).map_err(stdout_error)?;
        if !stale.is_empty() {
            return Err(Error::StaleSnapshots(stale));
        }
        writeln!(out, "{}: {} files up to date", dir.display(), planned.len())
            .map_err(stdout_error)?;
    } else {
        let stats = render(&dir, &envs, &planned, previews, tests)?;
        report::warnings(out, &states).map_err(stdout_error)?;
        report::written(out, &dir, stats).map_err(stdout_error)?;
    }
    report::summary(out, &states).map_err(stdout_error)?;
    // The process ends here: freeing a large catalogue's million
    // allocations one by one only costs time (tens of ms at 1000
    // services).
    drop(planned);
    std::mem::forget(states);
    std::mem::forget(cat);
    Ok(EXIT_OK)
}

/// Text of files waiting for the test check held in memory at most; past
/// it, a waiting file is rendered again once the check has passed.
const WAITING_BYTES: usize = 4 << 20;

/// Files waiting for the test check: their index in the plan, and their
/// text if held.
type Waiting = Vec<(usize, Option<String>)>;

/// Writes the planned files while `tests` (the test files' check) runs on
/// another thread, rendering and writing them one at a time (so their text
/// is never all held at once). Until the check has passed
/// nothing is written (a catalogue with a mistake in a test file renders
/// nothing, as when it was checked first): a rendered file that already
/// holds its text is done, one that differs waits (its text, up to
/// [`WAITING_BYTES`], else only its place in the plan). Files nothing
/// renders any more are removed last.
fn render(
    dir: &Path,
    envs: &[String],
    planned: &[(PathBuf, File<'_>)],
    previews: Previews,
    tests: impl FnOnce() -> Result<(), Error> + Send,
) -> Result<snapshot::WriteStats, Error> {
    let passed = std::sync::OnceLock::<bool>::new();
    let (mut stats, waiting) = std::thread::scope(|scope| {
        let passed = &passed;
        let tester = scope.spawn(move || {
            let result = tests();
            let _ = passed.set(result.is_ok());
            result
        });
        let written = write_planned(dir, planned, passed);
        joined(tester)?;
        written
    })?;
    write_waiting(dir, planned, waiting, &mut stats)?;
    let keep: std::collections::HashSet<&Path> = planned.iter().map(|(p, _)| p.as_path()).collect();
    stats.removed = snapshot::prune(dir, envs, &keep, previews)?;
    Ok(stats)
}

/// Renders and writes the planned files as [`render`] says; returns what
/// it did and the files still waiting.
fn write_planned(
    dir: &Path,
    planned: &[(PathBuf, File<'_>)],
    passed: &std::sync::OnceLock<bool>,
) -> Result<(snapshot::WriteStats, Waiting), Error> {
    let mut stats = snapshot::WriteStats::default();
    let mut waiting: Waiting = Vec::new();
    let mut held = 0;
    for (i, (path, resource)) in planned.iter().enumerate() {
        // A preview drawn from the same dashboard by the same code is not
        // drawn again (`render --check` compares every byte).
        if let File::Preview(d) = resource
            && passed.get() != Some(&false)
            && snapshot::preview_current(
                dir,
                path,
                &crate::preview::fingerprint_line(&d.dashboard_name, d.body.text()),
            )
        {
            stats.unchanged += 1;
            continue;
        }
        let content = snapshot::content(*resource);
        match passed.get() {
            // The check failed: nothing is written (the caller reports it).
            Some(false) => return Ok((stats, Vec::new())),
            Some(true) => {
                write_waiting(dir, planned, std::mem::take(&mut waiting), &mut stats)?;
                stats.record(snapshot::write_one(dir, path, &content)?);
            }
            None if snapshot::holds(dir, path, &content) => stats.unchanged += 1,
            None if held + content.len() <= WAITING_BYTES => {
                held += content.len();
                waiting.push((i, Some(content)));
            }
            None => waiting.push((i, None)),
        }
    }
    Ok((stats, waiting))
}

/// Writes the files that waited for the test check (their held text, or
/// rendered again).
fn write_waiting(
    dir: &Path,
    planned: &[(PathBuf, File<'_>)],
    waiting: Waiting,
    stats: &mut snapshot::WriteStats,
) -> Result<(), Error> {
    for (i, text) in waiting {
        if let Some((path, resource)) = planned.get(i) {
            let text = text.unwrap_or_else(|| snapshot::content(*resource));
            stats.record(snapshot::write_one(dir, path, &text)?);
        }
    }
    Ok(())
}

/// The result of a scoped thread (its panic goes on).
fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
