//! Wires the pipeline stages for one invocation: load → validate → compile →
//! render/check, or → read live → plan → apply. Returns the exit code or a
//! typed error; never exits.

use crate::aws::sdk::ConnectOptions;
use crate::aws::{Aws, Rates, RetryPolicy};
use crate::catalogue::{self, Catalogue};
use crate::cli::{AwsArgs, Cli, Command, PolicyFor, PolicyFormat, RateLimit, Scope};
use crate::compile::{DesiredState, compile_all, compile_with_account};
use crate::diagnostic::Problems;
use crate::error::{EXIT_CHANGES, EXIT_OK, Error};
use crate::plan::Plan;
use crate::report::plan::Format;
use crate::report::progress::Progress;
use crate::resource::Kind;
use crate::{apply, iam, live, plan, report, snapshot};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Runs a parsed command line, writing normal output to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<i32, Error> {
    match &cli.command {
        Command::Schema { format, check } => {
            let schema = schemars::schema_for!(catalogue::model::CatalogueFile);
            let text = match format {
                PolicyFormat::Json => {
                    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
                }
                PolicyFormat::Markdown => {
                    crate::reference::markdown(&serde_json::to_value(&schema).unwrap_or_default())
                }
            };
            write_or_check(out, check.as_deref(), &text)
        }
        Command::Docs {
            env,
            out: out_dir,
            check,
        } => {
            let (cat, states) =
                load_and_compile_in(&cli.definitions, cli.root.as_deref(), env.as_deref(), true)?;
            let dir = out_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("snapshots").join(&cat.name).join("docs"));
            let mut files = crate::docs::files(&cat, &states);
            if env.is_some() {
                // One environment: the catalogue-wide pages are not rewritten.
                files.retain(|p, _| p.components().count() > 1);
            }
            if *check {
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
        Command::IamPolicy {
            env,
            purpose,
            format,
            check,
            scope,
        } => {
            let (_, mut states) =
                load_and_compile_in(&cli.definitions, cli.root.as_deref(), Some(env), false)?;
            let Some(desired) = states.pop() else {
                return Ok(EXIT_OK);
            };
            let purpose = match purpose {
                PolicyFor::Plan => iam::Purpose::Plan,
                PolicyFor::Apply => iam::Purpose::Apply,
            };
            let kinds = kinds(scope)?;
            let text = match format {
                PolicyFormat::Json => {
                    let policy = iam::policy(&desired, purpose, &kinds);
                    serde_json::to_string_pretty(&policy).unwrap_or_default() + "\n"
                }
                PolicyFormat::Markdown => iam::markdown(&desired, purpose, &kinds),
            };
            write_or_check(out, check.as_deref(), &text)
        }
        Command::Validate => {
            let (cat, states) =
                load_and_compile_in(&cli.definitions, cli.root.as_deref(), None, true)?;
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
        Command::Test {
            env,
            junit,
            min_coverage,
            mutate,
            name_filter,
        } => {
            let (cat, states) =
                load_and_compile_in(&cli.definitions, cli.root.as_deref(), env.as_deref(), false)?;
            report::warnings(out, &states).map_err(stdout_error)?;
            let mut problems = Problems::default();
            let started = std::time::Instant::now();
            let result = crate::testing::run(
                &cat,
                &states,
                name_filter.as_deref(),
                *mutate,
                &mut problems,
            );
            problems.finish(())?;
            let elapsed = started.elapsed();
            if let Some(path) = junit {
                let xml = report::junit::render(&cat.name, &result, elapsed);
                std::fs::write(path, xml).map_err(|e| Error::io(path, e))?;
            }
            let ok =
                report::tests::write(out, &result, *min_coverage, elapsed).map_err(stdout_error)?;
            Ok(if ok {
                EXIT_OK
            } else {
                crate::error::EXIT_FAILURE
            })
        }
        Command::Render {
            env,
            out: out_dir,
            check,
        } => {
            // Compiled without the tests; they are checked on a second
            // thread while the files are rendered (see `render`).
            let (cat, states) =
                load_and_compile_in(&cli.definitions, cli.root.as_deref(), env.as_deref(), false)?;
            let dir = out_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("snapshots").join(&cat.name));
            let envs: Vec<String> = states.iter().map(|s| s.env.clone()).collect();
            let planned = snapshot::planned(&states);
            let tests = || {
                let mut problems = Problems::default();
                crate::testing::case::check(&cat, &states, &mut problems);
                problems.finish(())
            };
            if *check {
                let stale = std::thread::scope(|scope| {
                    let tested = scope.spawn(tests);
                    let stale = snapshot::check_planned(&dir, &envs, &planned);
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
                let stats = render(&dir, &envs, &planned, tests)?;
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
        Command::Plan {
            env,
            out: file,
            format,
            detailed_exitcode,
            scope,
            aws,
        } => {
            let runtime = runtime()?;
            runtime.block_on(plan_command(
                cli,
                env,
                file.as_deref(),
                *format,
                *detailed_exitcode,
                scope,
                aws,
                out,
            ))
        }
        Command::Apply {
            env,
            auto_approve,
            scope,
            aws,
            file,
        } => {
            let runtime = runtime()?;
            runtime.block_on(apply_command(
                cli,
                env,
                *auto_approve,
                scope,
                aws,
                file.as_deref(),
                out,
            ))
        }
    }
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
    planned: &[(PathBuf, &crate::resource::Resource)],
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
    let keep: BTreeSet<&Path> = planned.iter().map(|(p, _)| p.as_path()).collect();
    stats.removed = snapshot::prune(dir, envs, &keep)?;
    Ok(stats)
}

/// Renders and writes the planned files as [`render`] says; returns what
/// it did and the files still waiting.
fn write_planned(
    dir: &Path,
    planned: &[(PathBuf, &crate::resource::Resource)],
    passed: &std::sync::OnceLock<bool>,
) -> Result<(snapshot::WriteStats, Waiting), Error> {
    let mut stats = snapshot::WriteStats::default();
    let mut waiting: Waiting = Vec::new();
    let mut held = 0;
    for (i, (path, resource)) in planned.iter().enumerate() {
        let content = snapshot::content(resource);
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
    planned: &[(PathBuf, &crate::resource::Resource)],
    waiting: Waiting,
    stats: &mut snapshot::WriteStats,
) -> Result<(), Error> {
    for (i, text) in waiting {
        if let Some((path, resource)) = planned.get(i) {
            let text = text.unwrap_or_else(|| snapshot::content(resource));
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
}

async fn session(cli: &Cli, env: &str, args: &AwsArgs) -> Result<Session, Error> {
    // Validate and compile offline first, so catalogue problems are reported
    // before any AWS call; compile again below once the account id is known
    // (cheap: 0.2 s for 1000 services).
    let (mut cat, _) = load_and_compile_in(&cli.definitions, cli.root.as_deref(), Some(env), true)?;
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
    Ok(Session { aws, desired })
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

/// Reads live state and computes the plan for `kinds`; `secret` resolves
/// `${env:NAME}` endpoints.
pub async fn make_plan(
    aws: &Aws,
    desired: &DesiredState,
    kinds: &BTreeSet<Kind>,
    adopt: bool,
    secret: &dyn Fn(&str) -> Option<String>,
) -> Result<Plan, Error> {
    let started = tokio::time::Instant::now();
    let live = live::read(aws, desired, kinds).await.map_err(Error::Aws)?;
    let read_seconds = started.elapsed().as_secs_f64();
    let mut plan =
        plan::compute(desired, &live, kinds, adopt, secret).map_err(|m| Error::MissingSecret {
            var: m.0,
            needed_by: m.1,
        })?;
    if !plan.blockers.is_empty() {
        return Err(Error::Blocked {
            env: desired.env.clone(),
            blockers: plan.blockers,
        });
    }
    plan.calls = aws.stats().snapshot();
    plan.read_seconds = read_seconds;
    let rates = aws.stats().rates();
    plan.read_floor = Some(crate::floor::plan(&live.counts, rates));
    plan.apply_floor = Some(crate::floor::apply(&plan, rates));
    Ok(plan)
}

#[expect(clippy::too_many_arguments, reason = "one per command-line option")]
async fn plan_command(
    cli: &Cli,
    env: &str,
    file: Option<&Path>,
    format: Format,
    detailed: bool,
    scope: &Scope,
    args: &AwsArgs,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let kinds = kinds(scope)?;
    let s = session(cli, env, args).await?;
    let plan = make_plan(&s.aws, &s.desired, &kinds, scope.adopt, &secret).await?;
    if let Some(path) = file {
        let text = serde_json::to_string_pretty(&plan).unwrap_or_default();
        std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))?;
    }
    match format {
        Format::Text => report::plan::text(out, &plan, color()).map_err(stdout_error)?,
        Format::Json => report::plan::json(out, &plan).map_err(stdout_error)?,
        Format::Markdown => report::plan::markdown(out, &plan).map_err(stdout_error)?,
    }
    if args.verbose {
        report::plan::calls(
            out,
            &plan.calls,
            plan.read_floor.as_ref(),
            plan.read_seconds,
        )
        .map_err(stdout_error)?;
        if let Some(f) = plan.apply_floor.as_ref().filter(|_| !plan.is_empty()) {
            report::plan::apply_floor(out, f).map_err(stdout_error)?;
        }
    }
    Ok(if detailed && !plan.is_empty() {
        EXIT_CHANGES
    } else {
        EXIT_OK
    })
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

async fn apply_command(
    cli: &Cli,
    env: &str,
    auto_approve: bool,
    scope: &Scope,
    args: &AwsArgs,
    file: Option<&Path>,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    if !auto_approve && !std::io::stdin().is_terminal() {
        return Err(Error::NeedsApproval);
    }
    let s = session(cli, env, args).await?;
    let plan = match file {
        None => make_plan(&s.aws, &s.desired, &kinds(scope)?, scope.adopt, &secret).await?,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let saved: Plan = serde_json::from_str(&text).map_err(|e| Error::BadPlan {
                path: path.to_path_buf(),
                reason: format!("not an obsctl plan: {e}"),
            })?;
            if saved.format_version != plan::FORMAT_VERSION
                || saved.env != env
                || saved.catalogue != s.desired.catalogue
            {
                return Err(Error::BadPlan {
                    path: path.to_path_buf(),
                    reason: format!(
                        "plan is for {}/{} (format {}), not {}/{env}",
                        saved.catalogue, saved.env, saved.format_version, s.desired.catalogue
                    ),
                });
            }
            let kinds: BTreeSet<Kind> = saved.kinds.iter().copied().collect();
            let live = live::read(&s.aws, &s.desired, &kinds)
                .await
                .map_err(Error::Aws)?;
            if live.fingerprint() != saved.live_fingerprint {
                return Err(Error::StalePlan {
                    path: path.to_path_buf(),
                });
            }
            // Checked, not trusted: the file's changes must be exactly what
            // this catalogue and this live state give (an edited file could
            // delete what obsctl does not own, or send alarms elsewhere; a
            // hash in the file proves nothing to whoever can edit it).
            let adopt = saved
                .changes
                .iter()
                .any(|c| c.action == plan::Action::Adopt);
            let fresh = plan::compute(&s.desired, &live, &kinds, adopt, &secret).map_err(|m| {
                Error::MissingSecret {
                    var: m.0,
                    needed_by: m.1,
                }
            })?;
            if fresh.changes != saved.changes
                || fresh.region != saved.region
                || fresh.account != saved.account
                || fresh.kinds != saved.kinds
            {
                let edited = saved
                    .changes
                    .iter()
                    .find(|c| !fresh.changes.contains(c))
                    .or_else(|| fresh.changes.iter().find(|c| !saved.changes.contains(c)))
                    .map(|c| {
                        format!(
                            " (first difference: {:?} of {} {})",
                            c.action, c.kind, c.key
                        )
                    })
                    .unwrap_or_default();
                return Err(Error::BadPlan {
                    path: path.to_path_buf(),
                    reason: format!(
                        "its changes are not what this catalogue and the live state give{edited}: the file was edited, or made from another version of the catalogue; make a new plan"
                    ),
                });
            }
            if !fresh.blockers.is_empty() {
                return Err(Error::Blocked {
                    env: env.to_string(),
                    blockers: fresh.blockers,
                });
            }
            saved
        }
    };
    let blockers = plan::endpoint_blockers(&plan, &secret);
    if !blockers.is_empty() {
        return Err(Error::Blocked {
            env: env.to_string(),
            blockers,
        });
    }
    report::plan::text(out, &plan, color()).map_err(stdout_error)?;
    if plan.is_empty() {
        return Ok(EXIT_OK);
    }
    if !auto_approve {
        write!(
            out,
            "\nApply these {} changes to {env}? Only 'yes' is accepted: ",
            plan.changes.len()
        )
        .map_err(stdout_error)?;
        out.flush().map_err(stdout_error)?;
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| Error::io("<stdin>", e))?;
        if answer.trim() != "yes" {
            return Err(Error::Cancelled);
        }
    }
    let started = std::time::Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let mut progress = Progress::new(plan.changes.len(), terminal, out);
    let result = apply::apply(&s.aws, &plan, &secret, &mut |c, o| progress.finished(c, o)).await;
    progress.finish();
    writeln!(
        out,
        "\nApply finished in {:.1} s: {} done, {} failed.",
        started.elapsed().as_secs_f64(),
        result.done,
        result.failed.len()
    )
    .map_err(stdout_error)?;
    for n in &result.notes {
        writeln!(out, "  note: {n}").map_err(stdout_error)?;
    }
    let floor = crate::floor::add(plan.read_floor.as_ref(), plan.apply_floor.as_ref());
    report::plan::calls(
        out,
        &s.aws.stats().snapshot(),
        Some(&floor),
        started.elapsed().as_secs_f64() + plan.read_seconds,
    )
    .map_err(stdout_error)?;
    if result.failed.is_empty() {
        Ok(EXIT_OK)
    } else {
        for (c, e) in &result.failed {
            writeln!(
                out,
                "  failed: {} {}: {} {}",
                c.kind, c.key, e.code, e.message
            )
            .map_err(stdout_error)?;
            if let Some(help) = e.quota_help() {
                writeln!(out, "    help: {help}").map_err(stdout_error)?;
            }
        }
        Err(Error::ApplyFailed {
            failed: result.failed.len(),
            done: result.done,
        })
    }
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
