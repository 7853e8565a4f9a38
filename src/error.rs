//! Errors as data, and the one place they are turned into text and exit codes.
//!
//! User errors (an invalid catalogue, stale snapshots, a bad flag) are variants
//! of [`Error`]; each is rendered by its `Display` impl and mapped to an exit
//! code by [`Error::exit_code`]. Exit codes are public API: see the README.

use crate::diagnostic::Problem;
use std::fmt;
use std::path::PathBuf;

/// Exit code: success, no changes.
pub const EXIT_OK: i32 = 0;
/// Exit code: invalid catalogue, stale snapshots, or any failure.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code: `plan --detailed-exitcode` found changes.
pub const EXIT_CHANGES: i32 = 2;
/// Exit code: `plan --detailed-exitcode` found conflicts: resources under
/// the environment's prefix that obsctl does not own and will not touch,
/// so some of the catalogue may never be applied (with or without changes).
pub const EXIT_CONFLICTS: i32 = 3;
/// Exit code: `verify` found a problem: a metric that does not exist as
/// written or has no data in the window while nothing explains it, a metric
/// filter whose service does not log (with `--strict`, quiet ones too).
pub const EXIT_FINDINGS: i32 = 2;
/// Exit code: command-line usage error.
pub const EXIT_USAGE: i32 = 64;

/// A snapshot file that does not match what `render` produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// The committed file differs; carries a unified diff excerpt.
    Changed(PathBuf, String),
    /// The file should exist but does not.
    Missing(PathBuf),
    /// The file exists but nothing renders it.
    Extra(PathBuf),
}

/// Every way an obsctl command can fail.
#[derive(Debug)]
pub enum Error {
    /// The catalogue has problems; all of them are listed.
    Invalid(Vec<Problem>),
    /// The definitions directory has no `obsctl.yaml`.
    NoCatalogue {
        /// The directory given.
        dir: PathBuf,
        /// Catalogues found below it.
        found: Vec<PathBuf>,
        /// The working directory holds an `obsctl.yaml` (run inside a
        /// catalogue without `-d`).
        here: bool,
    },
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// `render --check` found differences.
    StaleSnapshots(Vec<Stale>),
    /// Command-line usage error (unknown environment, bad flag value).
    Usage(String),
    /// An AWS call failed while reading or planning.
    Aws(crate::aws::AwsError),
    /// A required `${env:NAME}` secret is not set.
    MissingSecret {
        /// The variable.
        var: String,
        /// The subscription that needs it (`topic/protocol/${env:NAME}`).
        needed_by: String,
    },
    /// A saved plan no longer matches live state.
    StalePlan {
        /// The plan file.
        path: PathBuf,
    },
    /// A saved plan file cannot be used.
    BadPlan {
        /// The plan file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// apply without `--auto-approve` while stdin is not a terminal.
    NeedsApproval,
    /// The user did not confirm.
    Cancelled,
    /// Whoever read standard output stopped reading (`obsctl plan | head`).
    OutputClosed,
    /// The credentials belong to another account than the catalogue's.
    WrongAccount {
        /// Environment.
        env: String,
        /// The catalogue's `account_id`.
        expected: String,
        /// The credentials' account.
        actual: String,
    },
    /// The credentials' partition differs from the region's.
    WrongPartition {
        /// Region used.
        region: String,
        /// Partition of the region.
        expected: String,
        /// Partition of the credentials.
        actual: String,
    },
    /// Plan or apply found problems that must be fixed before any change.
    Blocked {
        /// Environment.
        env: String,
        /// The problems.
        blockers: Vec<crate::diagnostic::Blocker>,
    },
    /// Another apply of the environment holds the apply lock (`lock.rs`).
    Locked {
        /// Environment.
        env: String,
        /// The lock as last seen.
        sighting: Box<crate::lock::Sighting>,
        /// Seconds waited.
        waited: u64,
        /// `--lock-timeout`, in seconds.
        timeout: u64,
    },
    /// The apply lock was lost while applying; apply stopped before its
    /// next change.
    LockLost {
        /// Environment.
        env: String,
        /// Why.
        lost: crate::lock::Lost,
        /// Changes done.
        done: usize,
        /// Changes that failed.
        failed: usize,
        /// Changes not applied.
        skipped: usize,
    },
    /// The apply lock could not be taken or read.
    LockFailed(crate::aws::AwsError),
    /// Some changes failed; each was reported.
    ApplyFailed {
        /// Failed changes.
        failed: usize,
        /// Changes done.
        done: usize,
    },
}

impl Error {
    /// The process exit code for this error: the one place codes are decided.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_)
            | Error::NoCatalogue { .. }
            | Error::Io { .. }
            | Error::StaleSnapshots(_)
            | Error::Aws(_)
            | Error::MissingSecret { .. }
            | Error::StalePlan { .. }
            | Error::BadPlan { .. }
            | Error::NeedsApproval
            | Error::Cancelled
            | Error::WrongAccount { .. }
            | Error::WrongPartition { .. }
            | Error::Blocked { .. }
            | Error::Locked { .. }
            | Error::LockLost { .. }
            | Error::LockFailed(_)
            | Error::ApplyFailed { .. } => EXIT_FAILURE,
            Error::Usage(_) => EXIT_USAGE,
            Error::OutputClosed => EXIT_OK,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, err: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            message: err.to_string(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(problems) => {
                for p in problems {
                    writeln!(f, "{p}")?;
                }
                let n = problems.len();
                write!(
                    f,
                    "{n} problem{} found; nothing was written",
                    if n == 1 { "" } else { "s" }
                )
            }
            Error::NoCatalogue { dir, found, here } => {
                write!(f, "error: {} has no obsctl.yaml", dir.display())?;
                if *here {
                    write!(
                        f,
                        "\n  help: the current directory is a catalogue: pass `-d .`"
                    )
                } else if found.is_empty() {
                    write!(
                        f,
                        "\n  help: create {}/obsctl.yaml (see README, \"Catalogue reference\")",
                        dir.display()
                    )
                } else {
                    write!(f, "\n  help: catalogues found under it; pass one with -d:")?;
                    for c in found {
                        write!(f, "\n    -d {}", c.display())?;
                    }
                    Ok(())
                }
            }
            Error::Io { path, message } => write!(f, "error: {}: {message}", path.display()),
            Error::StaleSnapshots(stale) => {
                for s in stale {
                    match s {
                        Stale::Changed(p, diff) => writeln!(f, "stale:   {}\n{diff}", p.display())?,
                        Stale::Missing(p) => writeln!(f, "missing: {}", p.display())?,
                        Stale::Extra(p) => writeln!(f, "extra:   {}", p.display())?,
                    }
                }
                write!(
                    f,
                    "error: {} snapshot file{} out of date\n  help: run `obsctl render` and commit the result",
                    stale.len(),
                    if stale.len() == 1 { " is" } else { "s are" }
                )
            }
            Error::Usage(msg) => write!(f, "error: {msg}"),
            Error::Aws(e) => write!(
                f,
                "error: AWS {}: {}: {}\n  help: check credentials, region and permissions (see --verbose)",
                e.api, e.code, e.message
            ),
            Error::MissingSecret { var, needed_by } => {
                let (topic, protocol) = needed_by
                    .split_once('/')
                    .map(|(t, rest)| (t, rest.split('/').next().unwrap_or_default()))
                    .unwrap_or((needed_by.as_str(), ""));
                write!(
                    f,
                    "error: environment variable {var} is not set: the {protocol} subscription of topic `{topic}` (endpoint `${{env:{var}}}` in the catalogue's `topics:`) needs it\n  help: export {var}, or mark that subscription `optional: true`"
                )
            }
            Error::StalePlan { path } => write!(
                f,
                "error: {} is stale: live state changed since it was made\n  help: run `obsctl plan --out` again and review the new plan",
                path.display()
            ),
            Error::BadPlan { path, reason } => write!(f, "error: {}: {reason}", path.display()),
            Error::NeedsApproval => write!(
                f,
                "error: stdin is not a terminal, so apply cannot ask for confirmation\n  help: review `obsctl plan` and pass --auto-approve"
            ),
            Error::Cancelled => write!(f, "Apply cancelled; nothing was changed."),
            Error::WrongAccount {
                env,
                expected,
                actual,
            } => write!(
                f,
                "error: environment `{env}` is account {expected}, but the credentials are for account {actual}; nothing was read or changed\n  help: use the environment's profile (`--profile` or `profile:` in the catalogue), or fix `account_id`"
            ),
            Error::WrongPartition {
                region,
                expected,
                actual,
            } => write!(
                f,
                "error: region {region} is in partition {expected}, but the credentials are for partition {actual}\n  help: use credentials of the region's partition, or fix `region`"
            ),
            Error::OutputClosed => Ok(()),
            Error::Blocked { env, blockers } => {
                for b in blockers {
                    writeln!(
                        f,
                        "error: {b}\n  help: {}",
                        crate::report::reason::blocker_help(b)
                    )?;
                }
                let n = blockers.len();
                write!(
                    f,
                    "{n} problem{} in environment `{env}` must be fixed first; nothing was changed",
                    if n == 1 { "" } else { "s" }
                )
            }
            Error::Locked {
                env,
                sighting,
                waited,
                timeout,
            } => locked(f, env, sighting, *waited, *timeout),
            Error::LockLost {
                env,
                lost,
                done,
                failed,
                skipped,
            } => write!(
                f,
                "error: the apply lock of `{env}` was lost: {lost}; apply stopped before its next change: {done} done, {failed} failed, {skipped} not applied\n  help: another apply may be running now: when it has finished, run plan, then apply again"
            ),
            Error::LockFailed(e) => write!(
                f,
                "error: the apply lock could not be taken: AWS {}: {}: {}\n  help: the deploy role needs logs:CreateLogGroup, logs:TagResource, logs:CreateLogStream, logs:DescribeLogStreams, logs:PutLogEvents, logs:GetLogEvents and logs:DeleteLogStream on the log group /obsctl/locks/<project> (`obsctl iam-policy --for apply` prints the policy)",
                e.api, e.code, e.message
            ),
            Error::ApplyFailed { failed, done } => write!(
                f,
                "error: {failed} change(s) failed, {done} succeeded; fix the errors above and run apply again"
            ),
        }
    }
}

/// "Held by another apply", naming the holder and since when.
fn locked(
    f: &mut fmt::Formatter<'_>,
    env: &str,
    s: &crate::lock::Sighting,
    waited: u64,
    timeout: u64,
) -> fmt::Result {
    use crate::notation::utc;
    let after = if waited > 0 {
        format!(" (waited {waited} s of --lock-timeout {timeout} s)")
    } else {
        String::new()
    };
    let lock = format!("lock stream {} in {}", s.stream, s.group);
    match &s.holder {
        Some(h) => write!(
            f,
            "error: another apply of `{env}` is running{after}: host {}, pid {}{}, catalogue {}, obsctl {}, since {} (last heartbeat {}; {lock}); nothing was changed",
            h.host,
            h.pid,
            h.ci.as_deref()
                .map(|c| format!(", CI job {c}"))
                .unwrap_or_default(),
            h.catalogue,
            h.version,
            utc(h.since),
            utc(s.heartbeat),
        )?,
        None => write!(
            f,
            "error: another apply of `{env}` is starting or was interrupted{after}: it has not described itself yet ({lock}, created {}); nothing was changed",
            utc(s.created),
        )?,
    }
    write!(
        f,
        "\n  help: wait for it, or pass --lock-timeout (e.g. 10m) to wait for it; if its process died, its lock expires at {} ({} s after its last sign of life) and the next apply takes it over",
        utc(s.expires_at()),
        s.expiry.as_secs()
    )
}

impl fmt::Display for crate::lock::Lost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            crate::lock::Lost::TakenOver { by } => write!(
                f,
                "another apply took it over (lock stream {by}): this process could not renew it for longer than its expiry"
            ),
            crate::lock::Lost::StreamGone => write!(f, "its lock stream was deleted"),
            crate::lock::Lost::NotRenewed { seconds } => {
                write!(f, "no heartbeat could be written for {seconds} s")
            }
        }
    }
}

impl std::error::Error for Error {}
