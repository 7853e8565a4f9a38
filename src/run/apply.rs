//! `obsctl apply`: takes the environment's apply lock (`lock.rs`), then
//! makes live AWS match the catalogue, or a saved plan checked against it
//! first, and gives the lock back.

use super::plan::make_plan;
use super::{Session, color, kinds, secret, session, stdout_error};
use crate::cli::{AwsArgs, Cli, Scope};
use crate::error::{EXIT_OK, Error};
use crate::lock::{Held, Holder, Locks};
use crate::plan::{Note, Plan};
use crate::report::progress::Progress;
use crate::resource::Kind;
use crate::{apply, live, plan, report};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

#[expect(clippy::too_many_arguments, reason = "one per command-line option")]
pub(super) async fn apply_command(
    cli: &Cli,
    env: &str,
    auto_approve: bool,
    scope: &Scope,
    args: &AwsArgs,
    lock_timeout: Duration,
    file: Option<&Path>,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    if !auto_approve && !std::io::stdin().is_terminal() {
        return Err(Error::NeedsApproval);
    }
    let s = session(cli, env, args).await?;
    // The lock before the first read: the plan must come from live state
    // read while no other apply can write (a saved plan is checked against
    // that state too).
    let locks = Locks::new(&s.aws, &s.desired.project, env);
    let me = Holder::this_process(&s.desired.catalogue, env);
    let wait = format_duration(lock_timeout);
    let held = locks
        .acquire(&me, lock_timeout, &mut |busy| {
            let note = Note::ApplyRunning {
                env: env.to_string(),
                holder: busy.holder.clone(),
                stream: busy.stream.clone(),
                created: busy.created,
            };
            // Progress only: a closed stdout shows at the next write.
            let _shown = writeln!(out, "lock: {note}; waiting up to {wait}");
        })
        .await?;
    let result = locked(&s, &held, env, auto_approve, scope, file, out).await;
    if let Err(e) = held.release().await {
        let _shown = writeln!(
            out,
            "warning: the apply lock could not be released ({e}); it expires {} s after its last heartbeat",
            crate::lock::expiry().as_secs()
        );
    }
    result
}

/// `30s`, `5m`, `1h30m`.
fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, sec) => format!("{m}m{sec}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, 0) => format!("{h}h{m}m"),
        (h, m, sec) => format!("{h}h{m}m{sec}s"),
    }
}

/// Everything apply does while it holds the lock.
async fn locked(
    s: &Session,
    held: &Held,
    env: &str,
    auto_approve: bool,
    scope: &Scope,
    file: Option<&Path>,
    out: &mut dyn Write,
) -> Result<i32, Error> {
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
        // Read on a blocking thread: the lock's heartbeat goes on meanwhile.
        let answer = tokio::task::spawn_blocking(|| {
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer).map(|_| answer)
        })
        .await
        .map_err(|e| Error::io("<stdin>", std::io::Error::other(e)))?
        .map_err(|e| Error::io("<stdin>", e))?;
        if answer.trim() != "yes" {
            return Err(Error::Cancelled);
        }
    }
    let started = std::time::Instant::now();
    let terminal = std::io::stderr().is_terminal();
    let mut progress = Progress::new(plan.changes.len(), terminal, out);
    let result = apply::apply(&s.aws, &plan, &secret, held, &mut |c, o| {
        progress.finished(c, o)
    })
    .await;
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
    let stopped = match held.check() {
        Err(lost) if result.skipped > 0 => Some(lost),
        Ok(()) | Err(_) => None,
    };
    if result.failed.is_empty() && stopped.is_none() {
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
        match stopped {
            Some(lost) => Err(Error::LockLost {
                env: env.to_string(),
                lost,
                done: result.done,
                failed: result.failed.len(),
                skipped: result.skipped,
            }),
            None => Err(Error::ApplyFailed {
                failed: result.failed.len(),
                done: result.done,
            }),
        }
    }
}
