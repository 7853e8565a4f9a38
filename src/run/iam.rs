//! `obsctl iam-policy`: the IAM policy plan or apply needs for one
//! environment.

use super::{kinds, load_and_compile_in, write_or_check};
use crate::cli::{Cli, PolicyFor, PolicyFormat, Scope};
use crate::error::{EXIT_OK, Error};
use crate::iam;
use std::io::Write;
use std::path::Path;

/// Prints the IAM policy (JSON, or a Markdown table) that `purpose` needs
/// in `env` for the kinds `scope` selects, or with `check` compares it with
/// that file.
pub(super) fn iam_policy_command(
    cli: &Cli,
    env: &str,
    (purpose, backtest): (PolicyFor, bool),
    format: PolicyFormat,
    check: Option<&Path>,
    scope: &Scope,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let (_, mut states) =
        load_and_compile_in(&cli.definitions, cli.root.as_deref(), Some(env), false)?;
    let Some(desired) = states.pop() else {
        return Ok(EXIT_OK);
    };
    let purpose = match (purpose, backtest) {
        (PolicyFor::Plan, false) => iam::Purpose::Plan,
        (PolicyFor::Plan, true) => iam::Purpose::PlanBacktest,
        (PolicyFor::Apply, false) => iam::Purpose::Apply,
        (PolicyFor::Verify, false) => iam::Purpose::Verify,
        (PolicyFor::Drill, false) => iam::Purpose::Drill,
        (PolicyFor::Import, _) => iam::Purpose::Import,
        (PolicyFor::Apply | PolicyFor::Verify | PolicyFor::Drill, true) => {
            return Err(Error::Usage(
                "--backtest goes with --for plan (verify's policy already reads data)".into(),
            ));
        }
    };
    let kinds = kinds(scope)?;
    let text = match format {
        PolicyFormat::Json => {
            let policy = iam::policy(&desired, purpose, &kinds);
            serde_json::to_string_pretty(&policy).unwrap_or_default() + "\n"
        }
        PolicyFormat::Markdown => iam::markdown(&desired, purpose, &kinds),
    };
    write_or_check(out, check, &text)
}

/// `iam-policy --for import`: the policy `obsctl import --env ENV
/// [--prefix P]` needs, before the environment is in a catalogue (the
/// catalogue directory may hold none yet). The account is the
/// environment's where the catalogue names it, else any.
pub(super) fn import_policy_command(
    cli: &Cli,
    env: &str,
    (prefix, region): (Option<&str>, Option<&str>),
    (format, check): (PolicyFormat, Option<&Path>),
    scope: &Scope,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let dir = &cli.definitions;
    let catalogue = if dir.join("obsctl.yaml").exists() {
        Some(crate::catalogue::load(dir)?.0)
    } else {
        None
    };
    let project = match &catalogue {
        Some(c) => c.project.clone(),
        None => dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
    };
    let default_prefix = format!("{project}-{env}-");
    let prefix = prefix.unwrap_or(&default_prefix);
    let probe =
        super::import::probe_for(prefix, env, region.map(str::to_string), catalogue.as_ref())?;
    let kinds: std::collections::BTreeSet<crate::resource::Kind> = kinds(scope)?
        .into_iter()
        .filter(|k| *k != crate::resource::Kind::LogGroup)
        .collect();
    let text = match format {
        PolicyFormat::Json => {
            let policy = iam::policy(&probe, iam::Purpose::Import, &kinds);
            serde_json::to_string_pretty(&policy).unwrap_or_default() + "\n"
        }
        PolicyFormat::Markdown => iam::markdown(&probe, iam::Purpose::Import, &kinds),
    };
    write_or_check(out, check, &text)
}
