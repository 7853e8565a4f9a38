//! The apply lock: two applies of one environment at once (two CI
//! pipelines) must not interleave their writes, so `apply` takes a lock in
//! the account before it reads the live state it plans from, and gives it
//! back at the end.
//!
//! CloudWatch, SNS and Logs have no conditional writes. The one
//! create-if-absent call among obsctl's services is CloudWatch Logs
//! CreateLogStream: a second stream of the same name fails with
//! `ResourceAlreadyExistsException` (CreateLogStream API reference). The
//! protocol is built on it alone:
//!
//! - **Where.** One log group per project, `/obsctl/locks/<project>`
//!   (created on first use with the tag `obsctl:catalogue=<project>`), one
//!   stream per holder, named `<env>.<generation>` with the generation
//!   zero-padded to 10 digits. The holder is the stream with the highest
//!   generation. Streams of another environment, including one whose name
//!   starts with `<env>.` (`staging.eu`), are not this lock's: a name counts
//!   only when exactly 10 digits follow `<env>.`.
//! - **Alive.** The holder writes its description (host, pid, CI job,
//!   catalogue, environment, start, obsctl version, its expiry) as a log
//!   event when it takes the lock and again every expiry / 4 (30 s of the
//!   default 120 s) as its heartbeat. Others read the newest event
//!   (GetLogEvents, newest first, one event): the holder and its last sign
//!   of life in one call. A stream is alive while its newest event's
//!   ingestion time — or its creation time, before the first event — is
//!   younger than the holder's expiry. Not DescribeLogStreams'
//!   `lastIngestionTime` or `lastEventTimestamp`: AWS updates both "on an
//!   eventual consistency basis ... typically in less than an hour"
//!   (`LogStream` data type reference), so a live holder would look dead.
//!   An apply at AWS's quotas runs for an hour and more, so no fixed lease
//!   could do; the heartbeat keeps the lock for as long as the apply runs.
//! - **Acquire.** List the environment's streams (DescribeLogStreams by
//!   prefix `<env>.`). None: create generation 1. The highest alive: the
//!   lock is held; report the holder, then fail, or poll until
//!   `--lock-timeout`. The highest dead (its process was killed): take over
//!   by creating generation + 1 — never delete-then-create, where two
//!   takers would both win. `ResourceAlreadyExistsException` means another
//!   apply won that generation: look again. Having created its stream, the
//!   holder writes its description, checks that its stream is the highest,
//!   and deletes the older generations of its environment.
//! - **Heartbeat.** A background task writes an event every expiry / 4 and
//!   then checks that its stream is still the highest generation and still
//!   the stream it created (same creation time: a name can come back after
//!   every stream was deleted). A newer generation (it was taken over while
//!   the process was paused), its stream gone, or no heartbeat confirmed for
//!   expiry × 3/4 (90 s: others take over after 120 s) marks the lock lost;
//!   apply checks before every change and stops with an error.
//! - **Release.** Delete its own stream at the end of apply, whether it
//!   succeeded or not — unless the lock was lost (the stream may no longer
//!   be its own). A killed process leaves its stream, which expires one
//!   expiry after its last heartbeat.
//!
//! Holes found in the first design, and what closes them:
//!
//! - `lastIngestionTime` is eventually consistent (above): liveness is read
//!   from the events themselves.
//! - A lost answer: CreateLogStream processed, its answer dropped. Retried,
//!   it fails with `ResourceAlreadyExistsException` — "someone else won" —
//!   although the stream is ours; and nothing in a stream says who created
//!   it. So CreateLogStream is never retried after a transient error (see
//!   `Api::is_idempotent`; throttling, not processed, still is), and a
//!   stream this process did not see itself create is never claimed: an
//!   undescribed stream left that way looks held until it expires (one
//!   expiry, then it is taken over like a dead holder's). Creates that
//!   fail without leaving a stream are tried again, 8 times at most (the
//!   retry layer's budget), then the apply stops.
//! - A reused name: after every stream was deleted generations restart at
//!   1, so a long-paused old holder could write into a new holder's stream
//!   of its old name. The heartbeat compares the creation time too, and a
//!   holder that has lost the lock never deletes "its" stream.
//! - A holder's expiry: each holder declares the expiry it heartbeats for
//!   (`OBSCTL_LOCK_EXPIRY_SECS` changes it, for tests), and others judge it
//!   by that, so a short test expiry cannot take over a normal holder.
//!
//! What cannot be closed without conditional writes: a write already sent
//! when its process stops for longer than the expiry (a suspended VM) may
//! land after another apply took over. The holder stops writing once it
//! cannot confirm a heartbeat for 90 s, and the 30 s margin to the 120 s
//! expiry also covers clock skew: liveness compares AWS's ingestion time
//! with the reader's clock, so clocks must agree with AWS's to well within
//! 30 s (NTP). A heartbeat AWS rejects (more than 2 hours ahead) counts as
//! not confirmed.
//!
//! Calls: an apply makes a handful (DescribeLogStreams, CreateLogStream,
//! PutLogEvents, DescribeLogStreams, DeleteLogStream; GetLogEvents and
//! deletes of older generations when a stream exists; CreateLogGroup the
//! first time), plus PutLogEvents and DescribeLogStreams per heartbeat.
//! They are outside the API floor (`floor.rs`), which counts what the
//! catalogue and the live state need. A plan reads the lock (one
//! DescribeLogStreams, one GetLogEvents when a stream exists) to note an
//! apply that is running.

use crate::aws::{Aws, AwsError, AwsResult, ErrorKind, LogStream, all_pages};
use crate::error::Error;
use crate::ownership::OWNER_TAG;
use crate::resource::Tag;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How long after its last heartbeat a holder's lock may be taken over.
pub const EXPIRY: Duration = Duration::from_secs(120);

/// How often a waiting apply looks at the lock again.
const POLL: Duration = Duration::from_secs(5);

/// Shortest and longest expiry a holder may declare.
const EXPIRY_BOUNDS: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(3600));

/// CreateLogStream calls that may have failed before a lock is refused:
/// the retry layer's attempts per call.
const RETRIES: u32 = 8;

/// GetLogEvents pages read to find the newest event (a page may be empty
/// while older events exist).
const PAGES: usize = 3;

/// How long an undescribed stream counts as "just created" (its holder is
/// writing its description): a failing apply looks again for this long.
const YOUNG_MS: i64 = 10_000;

/// The lock's log group for `project`: `/obsctl/locks/<project>`, with
/// characters a log group name cannot hold replaced by `_`.
pub fn group_name(project: &str) -> String {
    let safe: String = project
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-/#".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("/obsctl/locks/{safe}")
}

/// The stream prefix of `env` (`:` and `*` cannot be in stream names).
fn prefix(env: &str) -> String {
    let safe: String = env
        .chars()
        .map(|c| if c == ':' || c == '*' { '_' } else { c })
        .collect();
    format!("{safe}.")
}

/// The stream of `generation` of `env`'s lock.
pub fn stream_name(env: &str, generation: u64) -> String {
    format!("{}{generation:010}", prefix(env))
}

/// The generation a stream name of `env`'s lock carries, if it is one.
fn generation_of(env: &str, name: &str) -> Option<u64> {
    let digits = name.strip_prefix(&prefix(env))?;
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Who holds a lock: the description its holder writes as every event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Host name.
    pub host: String,
    /// Process id.
    pub pid: u32,
    /// The CI job (its URL or run id), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci: Option<String>,
    /// Catalogue.
    pub catalogue: String,
    /// Environment.
    pub env: String,
    /// When it took the lock, ms since the epoch.
    pub since: i64,
    /// obsctl version.
    pub version: String,
    /// Its expiry in seconds: others may take the lock over this long
    /// after its last heartbeat.
    pub expiry_seconds: u64,
}

impl Holder {
    /// This process, applying `catalogue` to `env`.
    pub fn this_process(catalogue: &str, env: &str) -> Holder {
        Holder {
            host: host_name(),
            pid: std::process::id(),
            ci: ci_job(),
            catalogue: catalogue.to_string(),
            env: env.to_string(),
            since: 0,
            version: env!("CARGO_PKG_VERSION").to_string(),
            expiry_seconds: expiry().as_secs(),
        }
    }
}

/// The host name (`HOSTNAME`, else the kernel's), or `unknown`.
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The CI job running this process: GitHub Actions, GitLab CI, Jenkins,
/// CircleCI, Buildkite (their documented variables).
fn ci_job() -> Option<String> {
    let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
    if let (Some(server), Some(repo), Some(run)) = (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        return Some(format!("{server}/{repo}/actions/runs/{run}"));
    }
    [
        "CI_JOB_URL",
        "BUILD_URL",
        "CIRCLE_BUILD_URL",
        "BUILDKITE_BUILD_URL",
    ]
    .iter()
    .find_map(|n| var(n))
}

/// The expiry this process heartbeats for: [`EXPIRY`], or
/// `OBSCTL_LOCK_EXPIRY_SECS` (tests use a few seconds).
pub fn expiry() -> Duration {
    std::env::var("OBSCTL_LOCK_EXPIRY_SECS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs)
        .map(|d| d.clamp(EXPIRY_BOUNDS.0, EXPIRY_BOUNDS.1))
        .unwrap_or(EXPIRY)
}

/// A lock stream as seen by someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// The lock's log group.
    pub group: String,
    /// The stream.
    pub stream: String,
    /// When it was created, ms since the epoch (AWS's clock).
    pub created: i64,
    /// Its holder's description; `None` before the first event (or when
    /// the event is not one).
    pub holder: Option<Holder>,
    /// Its last sign of life, ms since the epoch (AWS's clock).
    pub heartbeat: i64,
    /// The expiry it is judged by (its holder's, else this process's).
    pub expiry: Duration,
}

impl Sighting {
    /// When it expires, ms since the epoch.
    pub fn expires_at(&self) -> i64 {
        self.heartbeat + millis(self.expiry)
    }
}

/// Why a held lock was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lost {
    /// Another apply took it over: a newer generation exists.
    TakenOver {
        /// Its stream.
        by: String,
    },
    /// Its stream was deleted (or made again by someone else).
    StreamGone,
    /// No heartbeat could be confirmed for this long.
    NotRenewed {
        /// Seconds.
        seconds: u64,
    },
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// A wall clock for comparing with AWS's times: the system time when it
/// was made, moving with tokio's (monotonic, pausable) clock, so a step of
/// the system clock during an apply changes nothing, and tests on a paused
/// clock decide how much time passes.
#[derive(Debug, Clone, Copy)]
struct Clock {
    wall: i64,
    at: Instant,
}

impl Clock {
    fn new() -> Clock {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(millis)
            .unwrap_or_default();
        Clock {
            wall,
            at: Instant::now(),
        }
    }

    fn now_ms(&self) -> i64 {
        self.wall + millis(Instant::now().saturating_duration_since(self.at))
    }
}

/// The lock of one environment of one project, in one account and region.
#[derive(Clone)]
pub struct Locks {
    aws: Aws,
    group: String,
    project: String,
    env: String,
    expiry: Duration,
    clock: Clock,
}

/// The result of one attempt to take the lock.
enum Attempt {
    Taken(Held),
    Busy(Sighting),
    /// Someone else moved at the same time, or CreateLogStream failed in a
    /// way that may hide a processed call (the error): look again.
    Contended(Option<AwsError>),
}

impl Locks {
    /// The lock of `env` of `project`, with this process's expiry.
    pub fn new(aws: &Aws, project: &str, env: &str) -> Locks {
        Locks {
            aws: aws.clone(),
            group: group_name(project),
            project: project.to_string(),
            env: env.to_string(),
            expiry: expiry(),
            clock: Clock::new(),
        }
    }

    /// The same lock with another expiry for this process (tests).
    pub fn with_expiry(mut self, expiry: Duration) -> Locks {
        self.expiry = expiry;
        self
    }

    /// The environment's lock streams, lowest generation first.
    async fn streams(&self) -> AwsResult<Vec<(u64, LogStream)>> {
        let prefix = prefix(&self.env);
        let all = all_pages(|next| {
            self.aws
                .logs()
                .describe_log_streams(&self.group, &prefix, next)
        })
        .await?;
        let mut ours: Vec<(u64, LogStream)> = all
            .into_iter()
            .filter_map(|s| Some((generation_of(&self.env, &s.name)?, s)))
            .collect();
        ours.sort_by_key(|(g, _)| *g);
        Ok(ours)
    }

    /// The holder and last sign of life of `stream`; `None` when it is gone.
    async fn sight(&self, stream: &LogStream) -> AwsResult<Option<Sighting>> {
        let mut next = None;
        let mut newest = None;
        for _ in 0..PAGES {
            let page = self
                .aws
                .logs()
                .get_log_events(&self.group, &stream.name, 1, next)
                .await;
            let (events, older) = match page {
                Err(e) if e.is_not_found() => return Ok(None),
                r => r?,
            };
            if let Some(e) = events.into_iter().last() {
                newest = Some(e);
                break;
            }
            match older {
                Some(t) => next = Some(t),
                None => break,
            }
        }
        let holder = newest
            .as_ref()
            .and_then(|e| serde_json::from_str::<Holder>(&e.message).ok());
        let expiry = holder.as_ref().map_or(self.expiry, |h| {
            Duration::from_secs(h.expiry_seconds).clamp(EXPIRY_BOUNDS.0, EXPIRY_BOUNDS.1)
        });
        Ok(Some(Sighting {
            group: self.group.clone(),
            stream: stream.name.clone(),
            created: stream.creation_time,
            holder,
            heartbeat: newest.map_or(stream.creation_time, |e| e.ingestion_time),
            expiry,
        }))
    }

    /// The apply holding the lock now, if one is alive (what `plan` notes).
    /// No lock group yet is no apply.
    pub async fn running(&self) -> AwsResult<Option<Sighting>> {
        let streams = match self.streams().await {
            Err(e) if e.is_not_found() => return Ok(None),
            r => r?,
        };
        let Some((_, top)) = streams.last() else {
            return Ok(None);
        };
        let now = self.clock.now_ms();
        Ok(self.sight(top).await?.filter(|s| s.expires_at() > now))
    }

    /// Takes the lock for `me`; while another apply holds it, waits up to
    /// `timeout` (0: not at all), calling `waiting` each time the holder
    /// seen changes. Fails with [`Error::Locked`] naming the holder, or
    /// [`Error::LockFailed`] when AWS refuses.
    pub async fn acquire(
        &self,
        me: &Holder,
        timeout: Duration,
        waiting: &mut dyn FnMut(&Sighting),
    ) -> Result<Held, Error> {
        let started = Instant::now();
        let mut seen: Option<Sighting> = None;
        let mut looks_at_young = 0;
        let mut failed_creates = 0;
        loop {
            let busy = match self.attempt(me).await.map_err(Error::LockFailed)? {
                Attempt::Taken(held) => return Ok(held),
                Attempt::Contended(error) => {
                    if let Some(e) = error {
                        // As many as the retry layer would have made.
                        failed_creates += 1;
                        if failed_creates >= RETRIES {
                            return Err(Error::LockFailed(e));
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                Attempt::Busy(s) => s,
            };
            let now = self.clock.now_ms();
            // A stream without a description yet was usually created an
            // instant ago by an apply starting at the same time: look
            // again shortly, so the error can name it.
            let young = busy.holder.is_none() && now - busy.created < YOUNG_MS;
            let waited = started.elapsed();
            if waited >= timeout && !(young && looks_at_young < 5) {
                return Err(Error::Locked {
                    env: self.env.clone(),
                    sighting: Box::new(busy),
                    waited: waited.as_secs(),
                    timeout: timeout.as_secs(),
                });
            }
            if young {
                looks_at_young += 1;
            }
            let changed = seen
                .as_ref()
                .is_none_or(|s| s.stream != busy.stream || s.holder != busy.holder);
            if changed && !young {
                waiting(&busy);
            }
            let until_expiry = Duration::from_millis(
                u64::try_from(busy.expires_at() - now).unwrap_or_default() + 100,
            );
            let pause = if young {
                Duration::from_secs(1)
            } else {
                POLL.min(until_expiry).min(timeout.saturating_sub(waited))
            };
            seen = Some(busy);
            tokio::time::sleep(pause.max(Duration::from_millis(100))).await;
        }
    }

    /// One look at the lock, and one try to take it.
    async fn attempt(&self, me: &Holder) -> AwsResult<Attempt> {
        let streams = match self.streams().await {
            Err(e) if e.is_not_found() => {
                self.create_group().await?;
                Vec::new()
            }
            r => r?,
        };
        let generation = match streams.last() {
            None => 1,
            Some((g, top)) => match self.sight(top).await? {
                None => return Ok(Attempt::Contended(None)),
                Some(s) if s.expires_at() > self.clock.now_ms() => return Ok(Attempt::Busy(s)),
                Some(_) => g + 1,
            },
        };
        let name = stream_name(&self.env, generation);
        match self.aws.logs().create_log_stream(&self.group, &name).await {
            Ok(()) => {}
            // Another apply made it first.
            Err(e) if e.kind == ErrorKind::AlreadyExists => return Ok(Attempt::Contended(None)),
            // Maybe made, maybe not: never claimed (module docs).
            Err(e) if e.kind.is_retried() => return Ok(Attempt::Contended(Some(e))),
            Err(e) if e.is_not_found() => {
                self.create_group().await?;
                return Ok(Attempt::Contended(None));
            }
            Err(e) => return Err(e),
        }
        match self.claim(me, generation, &name).await {
            Ok(Some(held)) => Ok(Attempt::Taken(held)),
            Ok(None) => Ok(Attempt::Contended(None)),
            Err(e) => {
                self.delete(&name).await;
                Err(e)
            }
        }
    }

    /// Describes the new holder in its stream, checks that the stream is
    /// the newest generation, deletes older ones and starts the heartbeat.
    async fn claim(&self, me: &Holder, generation: u64, name: &str) -> AwsResult<Option<Held>> {
        let holder = Holder {
            since: self.clock.now_ms(),
            expiry_seconds: self.expiry.as_secs().max(1),
            ..me.clone()
        };
        let message = serde_json::to_string(&holder).unwrap_or_default();
        self.aws
            .logs()
            .put_log_event(&self.group, name, self.clock.now_ms(), &message)
            .await?;
        let streams = self.streams().await?;
        let created = match streams.last() {
            Some((g, s)) if *g == generation && s.name == name => s.creation_time,
            // A newer generation already: this stream is not the holder.
            Some(_) | None => {
                self.delete(name).await;
                return Ok(None);
            }
        };
        for (_, older) in streams.iter().filter(|(g, _)| *g < generation) {
            self.delete(&older.name).await;
        }
        let shared = Arc::new(Shared {
            status: Mutex::new(Status {
                lost: None,
                confirmed: Instant::now(),
            }),
            renew: self.expiry * 3 / 4,
        });
        let beat = Beat {
            locks: self.clone(),
            stream: name.to_string(),
            created,
            message,
        };
        let task = tokio::spawn(heartbeat(beat, self.expiry / 4, shared.clone()));
        Ok(Some(Held {
            locks: self.clone(),
            stream: name.to_string(),
            holder,
            shared,
            task,
        }))
    }

    /// Creates the lock group, tagged as the project's; one that exists is fine.
    async fn create_group(&self) -> AwsResult<()> {
        let tags = [Tag {
            key: OWNER_TAG.to_string(),
            value: self.project.clone(),
        }];
        match self.aws.logs().create_log_group(&self.group, &tags).await {
            Err(e) if e.kind == ErrorKind::AlreadyExists => Ok(()),
            r => r,
        }
    }

    /// Deletes a stream, best effort: one left behind expires.
    async fn delete(&self, stream: &str) {
        let _ignored = self.aws.logs().delete_log_stream(&self.group, stream).await;
    }
}

/// What the heartbeat and the apply share.
struct Shared {
    status: Mutex<Status>,
    /// How long without a confirmed heartbeat the lock counts as lost.
    renew: Duration,
}

struct Status {
    lost: Option<Lost>,
    confirmed: Instant,
}

impl Shared {
    fn with<T>(&self, f: impl FnOnce(&mut Status) -> T) -> T {
        let mut guard = match self.status.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// Whether the lock is still held: not lost, and renewed in time.
    fn check(&self) -> Result<(), Lost> {
        let renew = self.renew;
        self.with(|s| {
            if s.lost.is_none() && s.confirmed.elapsed() > renew {
                s.lost = Some(Lost::NotRenewed {
                    seconds: renew.as_secs(),
                });
            }
            s.lost.clone().map_or(Ok(()), Err)
        })
    }
}

/// One holder's heartbeat: what it writes, and how it recognizes its stream.
struct Beat {
    locks: Locks,
    stream: String,
    created: i64,
    message: String,
}

impl Beat {
    /// Writes one heartbeat and checks the stream is still the holder:
    /// `Ok(true)` confirmed, `Ok(false)` not confirmed this time (an AWS
    /// error), `Err` lost.
    async fn once(&self) -> Result<bool, Lost> {
        let l = &self.locks;
        let put = l
            .aws
            .logs()
            .put_log_event(&l.group, &self.stream, l.clock.now_ms(), &self.message)
            .await;
        match put {
            Err(e) if e.is_not_found() => return Err(Lost::StreamGone),
            Err(_) => return Ok(false),
            Ok(()) => {}
        }
        let Ok(streams) = l.streams().await else {
            return Ok(false);
        };
        let mine = streams
            .iter()
            .any(|(_, s)| s.name == self.stream && s.creation_time == self.created);
        match streams.last() {
            Some((_, top)) if top.name == self.stream && mine => Ok(true),
            Some((_, top)) if mine => Err(Lost::TakenOver {
                by: top.name.clone(),
            }),
            Some(_) | None => Err(Lost::StreamGone),
        }
    }
}

async fn heartbeat(beat: Beat, every: Duration, shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(every).await;
        match beat.once().await {
            Ok(true) => shared.with(|s| {
                if s.lost.is_none() {
                    s.confirmed = Instant::now();
                }
            }),
            Ok(false) => {}
            Err(lost) => shared.with(|s| {
                s.lost.get_or_insert(lost);
            }),
        }
        if shared.check().is_err() {
            return;
        }
    }
}

/// A lock this process holds. Dropping it stops the heartbeat without
/// deleting the stream (as if the process were killed): call
/// [`Held::release`].
pub struct Held {
    locks: Locks,
    stream: String,
    holder: Holder,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Held {
    /// Whether the lock is still held; apply checks before every change.
    pub fn check(&self) -> Result<(), Lost> {
        self.shared.check()
    }

    /// The stream this process holds.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// This process's description, as written.
    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    /// Gives the lock back: stops the heartbeat and deletes the stream,
    /// unless the lock was lost (the stream may be someone else's now).
    pub async fn release(self) -> AwsResult<()> {
        self.task.abort();
        if self.check().is_err() {
            return Ok(());
        }
        let l = &self.locks;
        match l.aws.logs().delete_log_stream(&l.group, &self.stream).await {
            Err(e) if e.is_not_found() => Ok(()),
            r => r,
        }
    }
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Held")
            .field("group", &self.locks.group)
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl crate::apply::Fence for Held {
    fn check(&self) -> Result<(), Lost> {
        Held::check(self)
    }
}

#[cfg(test)]
mod tests;
