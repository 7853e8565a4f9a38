//! Wires the pipeline stages for one invocation: load → validate → compile →
//! render/check. Returns the exit code or a typed error; never exits.

use crate::catalogue::{self, Catalogue};
use crate::cli::{Cli, Command};
use crate::compile::{DesiredState, compile_all};
use crate::error::{EXIT_OK, Error};
use crate::{report, snapshot};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Runs a parsed command line, writing normal output to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<i32, Error> {
    match &cli.command {
        Command::Schema => {
            let schema = schemars::schema_for!(catalogue::model::CatalogueFile);
            let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
            writeln!(out, "{text}").map_err(stdout_error)?;
            Ok(EXIT_OK)
        }
        Command::Validate => {
            let (cat, states) = load_and_compile(&cli.definitions, None)?;
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
        Command::Render {
            env,
            out: out_dir,
            check,
        } => {
            let (cat, states) = load_and_compile(&cli.definitions, env.as_deref())?;
            let dir = out_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("snapshots").join(&cat.name));
            let envs: Vec<String> = states.iter().map(|s| s.env.clone()).collect();
            let files = snapshot::files(&states);
            if *check {
                let stale = snapshot::check(&dir, &envs, &files)?;
                if !stale.is_empty() {
                    return Err(Error::StaleSnapshots(stale));
                }
                writeln!(out, "{}: {} files up to date", dir.display(), files.len())
                    .map_err(stdout_error)?;
            } else {
                let stats = snapshot::write(&dir, &envs, &files)?;
                report::written(out, &dir, stats).map_err(stdout_error)?;
            }
            report::summary(out, &states).map_err(stdout_error)?;
            Ok(EXIT_OK)
        }
    }
}

/// Loads, validates and compiles; every problem of every stage comes out at once.
pub fn load_and_compile(
    dir: &Path,
    env: Option<&str>,
) -> Result<(Catalogue, Vec<DesiredState>), Error> {
    let (cat, mut problems) = catalogue::load(dir)?;
    if let Some(e) = env
        && !cat.environments.contains_key(e)
    {
        let known: Vec<&str> = cat.environments.keys().map(String::as_str).collect();
        return Err(Error::Usage(format!(
            "unknown environment `{e}`; the catalogue defines: {}",
            known.join(", ")
        )));
    }
    catalogue::validate::validate(&cat, &mut problems);
    let states = compile_all(&cat, env, &mut problems);
    problems.finish((cat, states))
}

fn stdout_error(e: std::io::Error) -> Error {
    Error::io("<stdout>", e)
}
