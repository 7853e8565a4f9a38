//! `obsctl docs`: the generated documentation pages, written or checked.

use super::{load_and_compile_in, stdout_error};
use crate::cli::Cli;
use crate::error::{EXIT_OK, Error};
use crate::snapshot;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes the documentation pages of the catalogue (of `env` only, when
/// given) under `out_dir`, or with `check` compares them with those files.
pub(super) fn docs_command(
    cli: &Cli,
    env: Option<&str>,
    out_dir: Option<&Path>,
    check: bool,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let (cat, states) = load_and_compile_in(&cli.definitions, cli.root.as_deref(), env, true)?;
    let dir = out_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("snapshots").join(&cat.name).join("docs"));
    let mut files = crate::docs::files(&cat, &states);
    if env.is_some() {
        // One environment: the catalogue-wide pages are not rewritten.
        files.retain(|p, _| p.components().count() > 1);
    }
    if check {
        let stale = snapshot::check_tree(&dir, &files, env.is_none())?;
        if !stale.is_empty() {
            return Err(Error::StaleSnapshots(stale));
        }
        writeln!(out, "{}: {} files up to date", dir.display(), files.len())
            .map_err(stdout_error)?;
    } else {
        let written = snapshot::write_tree(&dir, &files, env.is_none())?;
        writeln!(
            out,
            "{}: {written} written of {}",
            dir.display(),
            files.len()
        )
        .map_err(stdout_error)?;
    }
    Ok(EXIT_OK)
}
