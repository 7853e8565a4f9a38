//! Wires the pipeline stages for one invocation: load → validate → compile →
//! render/check, or → read live → plan → apply. Returns the exit code or a
//! typed error; never exits.
//!
//! This file holds the dispatch ([`run`]: one call per command) and what the
//! commands share (the tokio runtime, `--only` / `--except`, the AWS session,
//! [`load_and_compile`]); each command is one function in its own file:
//! `schema.rs`, `docs.rs`, `iam.rs` (`iam-policy`), `validate.rs`,
//! `test.rs`, `render.rs`, `plan.rs` (with [`make_plan`]), `apply.rs` and
//! `verify.rs`.

mod apply;
mod docs;
mod iam;
mod import;
mod import_env;
mod mute;
mod plan;
mod render;
mod schema;
mod test;
mod validate;
mod verify;

use crate::aws::sdk::ConnectOptions;
use crate::aws::{Aws, Rates, RetryPolicy};
use crate::catalogue::{self, Catalogue};
use crate::cli::{AwsArgs, Cli, Command, RateLimit, Scope};
use crate::compile::{DesiredState, compile_all, compile_with_account};
use crate::diagnostic::Problems;
use crate::error::{EXIT_OK, Error};
use crate::resource::Kind;
use crate::snapshot;
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::Path;

pub use import::{probe_for as import_probe, read_account as import_read};
pub use plan::make_plan;

/// Runs a parsed command line, writing normal output to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<i32, Error> {
    match &cli.command {
        Command::Schema { format, check } => schema::schema_command(*format, check.as_deref(), out),
        Command::Docs {
            env,
            out: out_dir,
            check,
        } => docs::docs_command(cli, env.as_deref(), out_dir.as_deref(), *check, out),
        Command::IamPolicy {
            env,
            purpose,
            backtest,
            prefix,
            region,
            format,
            check,
            scope,
        } => {
            if *purpose == crate::cli::PolicyFor::Import {
                return iam::import_policy_command(
                    cli,
                    env,
                    (prefix.as_deref(), region.as_deref()),
                    (*format, check.as_deref()),
                    scope,
                    out,
                );
            }
            if prefix.is_some() || region.is_some() {
                return Err(Error::Usage(
                    "--prefix and --region go with --for import (the other policies are the catalogue's environment's)".into(),
                ));
            }
            iam::iam_policy_command(
                cli,
                env,
                (*purpose, *backtest),
                *format,
                check.as_deref(),
                scope,
                out,
            )
        }
        Command::Validate => validate::validate_command(cli, out),
        Command::Test {
            env,
            junit,
            coverage_report,
            min_coverage,
            mutate,
            plots,
            plots_all,
            name_filter,
        } => test::test_command(
            cli,
            &test::TestArgs {
                env: env.as_deref(),
                junit: junit.as_deref(),
                coverage_report: coverage_report.as_deref(),
                min_coverage: *min_coverage,
                mutate: *mutate,
                plots: plots.as_deref(),
                plots_all: *plots_all,
                name_filter: name_filter.as_deref(),
            },
            out,
        ),
        Command::Render {
            env,
            out: out_dir,
            check,
            no_previews,
        } => render::render_command(
            cli,
            env.as_deref(),
            out_dir.as_deref(),
            *check,
            if *no_previews {
                crate::snapshot::Previews::Skip
            } else {
                crate::snapshot::Previews::Write
            },
            out,
        ),
        Command::Plan {
            env,
            out: file,
            format,
            full_plan_url,
            detailed_exitcode,
            backtest,
            since,
            scope,
            aws,
        } => {
            let runtime = runtime()?;
            runtime.block_on(plan::plan_command(
                cli,
                env,
                file.as_deref(),
                (*format, full_plan_url.as_deref()),
                *detailed_exitcode,
                backtest.then_some(*since),
                scope,
                aws,
                out,
            ))
        }
        Command::Mute {
            env,
            duration,
            services,
            reason,
            aws,
        } => {
            let runtime = runtime()?;
            runtime.block_on(mute::mute_command(
                cli,
                env,
                duration,
                services,
                reason.as_deref(),
                aws,
                out,
            ))
        }
        Command::Unmute { env, aws } => {
            let runtime = runtime()?;
            runtime.block_on(mute::unmute_command(cli, env, aws, out))
        }
        Command::Import {
            env,
            out: dir,
            prefix,
            names,
            tags,
            keep_emails,
            format,
            from_terraform,
            aws,
        } => {
            let runtime = runtime()?;
            runtime.block_on(import::import_command(
                &import::ImportArgs {
                    env,
                    dir,
                    prefix: prefix.as_deref(),
                    names: names.as_deref(),
                    tags,
                    keep_emails: *keep_emails,
                    format: *format,
                    from_terraform: from_terraform.as_deref(),
                    aws,
                },
                out,
            ))
        }
        Command::Apply {
            env,
            auto_approve,
            scope,
            aws,
            lock_timeout,
            file,
        } => {
            let runtime = runtime()?;
            runtime.block_on(apply::apply_command(
                cli,
                env,
                *auto_approve,
                scope,
                aws,
                *lock_timeout,
                file.as_deref(),
                out,
            ))
        }
        Command::Verify {
            env,
            since,
            format,
            junit,
            strict,
            queries,
            max_scan,
            backtest,
            flap_window,
            drill,
            yes,
            drill_timeout,
            aws,
        } => {
            let runtime = runtime()?;
            runtime.block_on(verify::verify_command(
                cli,
                &verify::VerifyArgs {
                    env,
                    since: *since,
                    format: *format,
                    junit: junit.as_deref(),
                    strict: *strict,
                    queries: *queries,
                    max_scan: *max_scan,
                    backtest: backtest.then_some(*flap_window),
                    drill: drill.then_some(verify::DrillArgs {
                        yes: *yes,
                        timeout: *drill_timeout,
                    }),
                },
                aws,
                out,
            ))
        }
    }
}

/// Prints `text`, or with `check` compares it with that file instead.
fn write_or_check(out: &mut dyn Write, check: Option<&Path>, text: &str) -> Result<i32, Error> {
    match check {
        Some(path) => {
            if let Some(stale) = snapshot::check_one(path, text) {
                return Err(Error::StaleSnapshots(vec![stale]));
            }
            writeln!(out, "{}: up to date", path.display()).map_err(stdout_error)?;
        }
        None => write!(out, "{text}").map_err(stdout_error)?,
    }
    Ok(EXIT_OK)
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Runtime::new().map_err(|e| Error::io("<tokio runtime>", e))
}

/// The kinds `--only` / `--except` select.
pub fn kinds(scope: &Scope) -> Result<BTreeSet<Kind>, Error> {
    let parse = |names: &[String]| -> Result<BTreeSet<Kind>, Error> {
        names
            .iter()
            .map(|n| {
                Kind::from_plural(n.trim()).ok_or_else(|| {
                    let all: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
                    Error::Usage(format!("unknown kind `{n}`; use: {}", all.join(", ")))
                })
            })
            .collect()
    };
    let mut kinds: BTreeSet<Kind> = if scope.only.is_empty() {
        Kind::ALL.iter().copied().collect()
    } else {
        parse(&scope.only)?
    };
    // Kinds are planned with what could block them: filters and queries
    // with their log groups (`--only metric-filters` creates missing ones
    // too, with `log_groups: create`).
    let implied: Vec<Kind> = kinds
        .iter()
        .flat_map(|k| k.planned_with().iter().copied())
        .collect();
    kinds.extend(implied);
    for k in parse(&scope.except)? {
        kinds.remove(&k);
    }
    if kinds.is_empty() {
        // Doing nothing and exiting 0 would look like success in CI.
        return Err(Error::Usage(
            "--only and --except leave no kind to work on".to_string(),
        ));
    }
    Ok(kinds)
}

/// Everything plan and apply need for one environment.
struct Session {
    aws: Aws,
    desired: DesiredState,
    /// The catalogue (for locating findings).
    cat: Catalogue,
}

async fn session(cli: &Cli, env: &str, args: &AwsArgs) -> Result<Session, Error> {
    session_checked(cli, env, args, &|_| Ok(())).await
}

/// [`session`], with `check` run on the loaded catalogue before any AWS
/// call (e.g. whether the environment allows a drill).
async fn session_checked(
    cli: &Cli,
    env: &str,
    args: &AwsArgs,
    check: &(dyn Fn(&Catalogue) -> Result<(), Error> + Sync),
) -> Result<Session, Error> {
    // Validate and compile offline first, so catalogue problems are reported
    // before any AWS call; compile again below once the account id is known
    // (cheap: 0.2 s for 1000 services).
    let (mut cat, _) = load_and_compile_in(&cli.definitions, cli.root.as_deref(), Some(env), true)?;
    check(&cat)?;
    // `--region` moves the whole environment: clients and ARNs alike.
    if let (Some(region), Some(e)) = (&args.region, cat.environments.get_mut(env)) {
        e.spec.region = region.clone();
    }
    let spec = &cat.environments[env];
    let rates = match args.rate_limit {
        RateLimit::Aws => Rates::default(),
        RateLimit::None => Rates::unlimited(),
        RateLimit::Factor(f) => Rates::scaled(f),
    };
    let options = ConnectOptions {
        profile: args.profile.clone().or_else(|| spec.profile.clone()),
        region: args.region.clone().or_else(|| Some(spec.region.clone())),
        endpoint_url: args.endpoint_url.clone(),
        rates: Some(rates),
        retry: retry_policy(),
    };
    let aws = crate::aws::sdk::connect(&options).await;
    let who = aws.identity().identity().await.map_err(Error::Aws)?;
    check_identity(env, spec.account_id.as_deref(), &spec.region, &who)?;
    let account = who.account;
    let mut problems = Problems::default();
    let mut states = compile_with_account(&cat, Some(env), Some(&account), &mut problems);
    let desired = problems
        .finish(states.pop())?
        .ok_or_else(|| Error::Usage(format!("unknown environment `{env}`")))?;
    Ok(Session { aws, desired, cat })
}

/// Refuses credentials of another account than the environment's
/// `account_id`, or of another partition than the region's.
fn check_identity(
    env: &str,
    account_id: Option<&str>,
    region: &str,
    who: &crate::aws::Identity,
) -> Result<(), Error> {
    if let Some(expected) = account_id.filter(|a| *a != who.account) {
        return Err(Error::WrongAccount {
            env: env.to_string(),
            expected: expected.to_string(),
            actual: who.account.clone(),
        });
    }
    let partition = crate::resource::partition(region);
    if !who.arn.is_empty() && who.partition() != partition {
        return Err(Error::WrongPartition {
            region: region.to_string(),
            expected: partition.to_string(),
            actual: who.partition().to_string(),
        });
    }
    Ok(())
}

/// The retry policy: 8 attempts from 200 ms, or a first delay in ms from
/// `OBSCTL_RETRY_BASE_DELAY_MS` (tests keep backoff short with it).
fn retry_policy() -> RetryPolicy {
    let mut policy = RetryPolicy::default();
    if let Some(ms) = std::env::var("OBSCTL_RETRY_BASE_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        policy.base_delay = std::time::Duration::from_millis(ms);
    }
    policy
}

fn secret(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Loads, validates and compiles; every problem of every stage comes out at once.
pub fn load_and_compile(
    dir: &Path,
    env: Option<&str>,
) -> Result<(Catalogue, Vec<DesiredState>), Error> {
    load_and_compile_with(dir, env, true)
}

/// [`load_and_compile`], checking test files only when `tests` is set
/// (`obsctl test` checks them itself, while running them).
pub fn load_and_compile_with(
    dir: &Path,
    env: Option<&str>,
    tests: bool,
) -> Result<(Catalogue, Vec<DesiredState>), Error> {
    load_and_compile_in(dir, None, env, tests)
}

/// [`load_and_compile_with`] with the sandbox's root given (`--root`).
pub fn load_and_compile_in(
    dir: &Path,
    root: Option<&Path>,
    env: Option<&str>,
    tests: bool,
) -> Result<(Catalogue, Vec<DesiredState>), Error> {
    let (cat, mut problems) = catalogue::load_in(dir, root)?;
    if cat.is_incomplete() {
        // The root file could not be read: everything else would be a consequence.
        return problems.finish((cat, Vec::new()));
    }
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
    if !cat.unreadable.is_empty() {
        // An included file could not be read: compiling without what it
        // defines (templates rendering without its services, …) would only
        // report consequences.
        return problems.finish((cat, Vec::new()));
    }
    let states = compile_all(&cat, env, &mut problems);
    if tests && problems.is_empty() {
        // Test files refer to compiled names: checked once the rest is sound.
        crate::testing::case::check(&cat, &states, &mut problems);
    }
    problems.finish((cat, states))
}

fn stdout_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Error::OutputClosed
    } else {
        Error::io("<stdout>", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Identity;

    fn who(arn: &str) -> Identity {
        Identity {
            account: "123456789012".into(),
            arn: arn.into(),
        }
    }

    #[test]
    fn credentials_of_another_account_or_partition_are_refused() {
        let aws = who("arn:aws:iam::123456789012:user/ci");
        assert!(check_identity("staging", None, "us-east-1", &aws).is_ok());
        assert!(check_identity("staging", Some("123456789012"), "us-east-1", &aws).is_ok());
        let e = check_identity("staging", Some("999999999999"), "us-east-1", &aws).unwrap_err();
        assert!(matches!(e, Error::WrongAccount { .. }), "{e}");
        let e = check_identity("staging", None, "cn-north-1", &aws).unwrap_err();
        assert!(
            e.to_string()
                .contains("region cn-north-1 is in partition aws-cn, but the credentials are for partition aws"),
            "{e}"
        );
        let cn = who("arn:aws-cn:iam::123456789012:user/ci");
        assert!(check_identity("staging", None, "cn-north-1", &cn).is_ok());
        assert!(check_identity("staging", None, "us-gov-west-1", &cn).is_err());
    }
}
