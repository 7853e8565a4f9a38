//! Executing a plan against AWS, in dependency order (derived from each
//! kind's `DEPENDS_ON`, see `kinds`); deletes in reverse, composites before
//! their children. The calls themselves are each kind's `put` and `delete`. It
//! never decides what to change: every call comes from a [`Change`]. On a
//! failure it carries on with the other changes; a re-run converges. Before
//! each change it checks its [`Fence`] (the apply lock, `lock.rs`): once
//! the lock is lost, no further change starts.

use crate::aws::{Aws, AwsError, AwsResult, ErrorKind};
use crate::kinds::Deletes;
use crate::plan::{Action, Change, Op, Plan};
use crate::resource::{Kind, Resource, Tag, alarm_arn};
use crate::rules::composite::rule_refs;
use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use futures::stream::{self, StreamExt};
use std::collections::BTreeSet;

/// Changes executed at once within a phase (the token buckets bound the rate).
const CONCURRENCY: usize = 8;

/// What happened to one change.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Done; with a note (e.g. "pending confirmation").
    Done(Option<String>),
    /// AWS refused.
    Failed(AwsError),
}

/// The result of an apply.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Changes done.
    pub done: usize,
    /// Changes that failed, with the AWS error.
    pub failed: Vec<(Change, AwsError)>,
    /// Notes (pending subscriptions).
    pub notes: Vec<String>,
    /// Changes not started because the fence closed (the lock was lost).
    pub skipped: usize,
}

/// What may stop an apply before its next change: the apply lock lost.
pub trait Fence: Sync {
    /// `Err` once no further change may start.
    fn check(&self) -> Result<(), crate::lock::Lost>;
}

/// No fence (tests and benchmarks of the core, which hold no lock).
pub struct Unfenced;

impl Fence for Unfenced {
    fn check(&self) -> Result<(), crate::lock::Lost> {
        Ok(())
    }
}

/// Resolves `${env:NAME}` secrets at apply time.
pub type SecretFn<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Executes `plan` while `fence` stays open; `observe` is called once per
/// change as it finishes.
pub async fn apply(
    aws: &Aws,
    plan: &Plan,
    secret: SecretFn<'_>,
    fence: &dyn Fence,
    observe: &mut dyn FnMut(&Change, &Outcome),
) -> ApplyReport {
    let sink = std::cell::RefCell::new((ApplyReport::default(), observe));
    // Each finished change is recorded at once (for progress), from
    // whichever chain finished it; the chains run in one task, so the
    // borrow never spans an await. `None`: not started (the fence closed).
    let record = |change: &Change, outcome: Option<Outcome>| {
        let mut sink = sink.borrow_mut();
        let (report, observe) = &mut *sink;
        let Some(outcome) = outcome else {
            report.skipped += 1;
            return;
        };
        observe(change, &outcome);
        match outcome {
            Outcome::Done(note) => {
                report.done += 1;
                if let Some(n) = note {
                    report
                        .notes
                        .push(format!("{} {}: {n}", change.kind, change.key));
                }
            }
            Outcome::Failed(e) => report.failed.push((change.clone(), e)),
        }
    };
    let tags_kept = TagsKept::default();
    let ctx = PutContext {
        aws,
        plan,
        secret,
        tags_kept: &tags_kept,
    };
    let open = || fence.check().is_ok();
    let phase = |kind: Kind| put_phase(&ctx, kind, &open, &record);
    // Creates and updates. Each kind starts once the kinds it depends on
    // are written; kinds that do not depend on each other overlap (their
    // APIs have separate quotas): SNS, then alarms (their actions name
    // topics) → composites → dashboards (their alarm widgets name alarms),
    // beside log groups → metric filters and saved queries.
    let mut done: std::collections::BTreeMap<Kind, Shared<LocalBoxFuture<'_, ()>>> =
        Default::default();
    for kind in Kind::apply_order() {
        let after: Vec<_> = kind
            .depends_on()
            .iter()
            .filter_map(|d| done.get(d).cloned())
            .collect();
        let phase = &phase;
        let fut = async move {
            futures::future::join_all(after).await;
            phase(kind).await;
        };
        done.insert(kind, fut.boxed_local().shared());
    }
    futures::future::join_all(done.into_values()).await;
    // Deletes, in reverse apply order (composites before their children).
    for kind in Kind::apply_order().into_iter().rev() {
        let batch: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| c.kind == kind && c.action == Action::Delete)
            .collect();
        if batch.is_empty() {
            continue;
        }
        match kind.deletes() {
            Deletes::Never => {}
            Deletes::Batched { batch: size } => {
                for chunk in batch.chunks(size) {
                    if !open() {
                        chunk.iter().for_each(|c| record(c, None));
                        continue;
                    }
                    match kind.delete(aws, chunk).await {
                        // AWS rejects the whole batch when one name is gone or
                        // still referenced by a composite: go one by one.
                        Err(e)
                            if matches!(
                                e.kind,
                                ErrorKind::NotFound | ErrorKind::ReferencedByComposite
                            ) =>
                        {
                            for c in chunk {
                                if !open() {
                                    record(c, None);
                                    continue;
                                }
                                let r = kind.delete(aws, std::slice::from_ref(c)).await;
                                let o = blocked_or_done(aws, &c.key, r).await;
                                record(c, Some(o));
                            }
                        }
                        r => {
                            for c in chunk {
                                record(c, Some(outcome(r.clone().map(|_| None))));
                            }
                        }
                    }
                }
            }
            Deletes::Levels => {
                // One per call; one that is still the child of another is
                // retried after its parents.
                let mut pending: Vec<&Change> = batch;
                loop {
                    let mut blocked = Vec::new();
                    let before = pending.len();
                    for c in pending {
                        if !open() {
                            record(c, None);
                            continue;
                        }
                        match kind.delete(aws, std::slice::from_ref(&c)).await {
                            Err(e) if e.kind == ErrorKind::ReferencedByComposite => {
                                blocked.push((c, e))
                            }
                            r => record(c, Some(blocked_or_done(aws, &c.key, r).await)),
                        }
                    }
                    if blocked.is_empty() || blocked.len() == before {
                        // No progress: what blocks them is not ours to delete.
                        for (c, e) in blocked {
                            let o = blocked_or_done(aws, &c.key, Err(e)).await;
                            record(c, Some(o));
                        }
                        break;
                    }
                    pending = blocked.into_iter().map(|(c, _)| c).collect();
                }
            }
            Deletes::Each => {
                let open = &open;
                let mut running = stream::iter(serial_groups(batch))
                    .map(|group| async move {
                        let mut outcomes = Vec::new();
                        for c in group {
                            let o = if open() {
                                Some(delete(aws, c).await)
                            } else {
                                None
                            };
                            outcomes.push((c, o));
                        }
                        outcomes
                    })
                    .buffer_unordered(CONCURRENCY);
                while let Some(outcomes) = running.next().await {
                    for (change, outcome) in outcomes {
                        record(change, outcome);
                    }
                }
            }
        }
    }
    sink.into_inner().0
}

/// Creates and updates of one kind; kinds deleted in levels (composites)
/// are written in levels too, children first. A change starts only while
/// `open` says so.
async fn put_phase(
    ctx: &PutContext<'_>,
    kind: Kind,
    open: &dyn Fn() -> bool,
    record: &dyn Fn(&Change, Option<Outcome>),
) {
    let batch: Vec<&Change> = ctx
        .plan
        .changes
        .iter()
        .filter(|c| c.kind == kind && c.action != Action::Delete)
        .collect();
    let levels = match kind.deletes() {
        Deletes::Levels => composite_levels(&batch),
        Deletes::Never | Deletes::Batched { .. } | Deletes::Each => vec![batch],
    };
    for level in levels {
        // Writes to one log group run one after another: concurrent
        // filter writes on a group fail with OperationAbortedException.
        let mut running = stream::iter(serial_groups(level))
            .map(|group| async move {
                let mut outcomes = Vec::new();
                for c in group {
                    let o = if open() {
                        Some(put(ctx, c).await)
                    } else {
                        None
                    };
                    outcomes.push((c, o));
                }
                outcomes
            })
            .buffer_unordered(CONCURRENCY);
        while let Some(outcomes) = running.next().await {
            for (change, outcome) in outcomes {
                record(change, outcome);
            }
        }
    }
}

/// What a kind's `put` needs besides its change.
pub struct PutContext<'a> {
    /// The guarded clients.
    pub aws: &'a Aws,
    /// The plan (region, account, fingerprint).
    pub plan: &'a Plan,
    /// Resolves `${env:NAME}` secrets.
    pub secret: SecretFn<'a>,
    /// Whether this endpoint keeps tags given on creation.
    pub tags_kept: &'a TagsKept,
}

impl PutContext<'_> {
    /// The ARN of the alarm `name` that `c` writes.
    pub fn alarm_arn(&self, c: &Change, name: &str) -> String {
        c.live_id
            .clone()
            .unwrap_or_else(|| alarm_arn(&self.plan.region, &self.plan.account, name))
    }
}

/// Whether the endpoint keeps the `Tags` given to PutCompositeAlarm and
/// PutDashboard on creation. AWS does (both API references: "Tags ... only
/// applied when ... created"), and on AWS's own endpoints that is trusted
/// ([`Aws::trusts_create_tags`]); fakecloud 0.51 drops them
/// (aws-fidelity.md). Ownership tags must be certain, so behind an endpoint
/// URL the first creation of each kind in an apply is checked with one
/// ListTagsForResource; only where the tags were dropped does every
/// creation add a TagResource call.
#[derive(Default)]
pub struct TagsKept {
    kept: [tokio::sync::OnceCell<bool>; Kind::COUNT],
}

impl TagsKept {
    /// Makes sure the resource `arn`, just created with `tags`, carries them.
    pub async fn ensure(&self, aws: &Aws, kind: Kind, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        if tags.is_empty() || aws.trusts_create_tags() {
            return Ok(());
        }
        let kept = *self.kept[kind as usize]
            .get_or_try_init(|| async {
                let live = aws.cloudwatch().list_tags(arn).await?;
                Ok::<_, AwsError>(tags.iter().all(|t| live.contains(t)))
            })
            .await?;
        if !kept {
            aws.cloudwatch().tag_resource(arn, tags).await?;
        }
        Ok(())
    }
}

/// The outcome of deleting one alarm or dashboard: already gone is done; an
/// alarm a composite still references is reported as blocked, naming the
/// composites (found with DescribeAlarms `ParentsOfAlarmName`).
async fn blocked_or_done(aws: &Aws, name: &str, r: AwsResult<()>) -> Outcome {
    match r {
        Ok(()) => Outcome::Done(None),
        Err(e) if e.kind == ErrorKind::NotFound => Outcome::Done(Some("already gone".into())),
        Err(e) if e.kind == ErrorKind::ReferencedByComposite => {
            let parents = aws
                .cloudwatch()
                .parents_of(name)
                .await
                .map(|p| p.join(", "))
                .unwrap_or_else(|_| "(could not be listed)".into());
            Outcome::Failed(AwsError::new(
                &e.api,
                "BlockedByComposite",
                format!(
                    "{name} is still referenced by composite alarm(s) {parents}, which this environment does not manage: remove it from their rules (or delete them), then apply again"
                ),
            ))
        }
        Err(e) => Outcome::Failed(e),
    }
}

/// Splits changes into groups that must run one after another: the
/// metric-filter changes of one log group form one group; every other
/// change is a group of its own.
fn serial_groups(changes: Vec<&Change>) -> Vec<Vec<&Change>> {
    let mut by_group: std::collections::BTreeMap<&str, Vec<&Change>> = Default::default();
    let mut out = Vec::new();
    for c in changes {
        match log_group_of(c) {
            Some(group) => by_group.entry(group).or_default().push(c),
            None => out.push(vec![c]),
        }
    }
    out.extend(by_group.into_values());
    out
}

/// The log group a change of a kind written in series per log group
/// writes to.
fn log_group_of(c: &Change) -> Option<&str> {
    if !c.kind.serial_per_log_group() {
        return None;
    }
    if let Some(r) = &c.desired {
        return r.log_groups().first().copied();
    }
    c.ops.iter().find_map(|op| match op {
        Op::DeleteMetricFilter { log_group, .. } => Some(log_group.as_str()),
        Op::SetAttribute { .. } => None,
    })
}

/// The attribute writes of a topic or subscription update, in plan order.
pub fn attribute_writes(c: &Change) -> impl Iterator<Item = (&str, &str)> {
    c.ops.iter().filter_map(|op| match op {
        Op::SetAttribute { name, value } => Some((name.as_str(), value.as_str())),
        Op::DeleteMetricFilter { .. } => None,
    })
}

fn outcome(r: Result<Option<String>, AwsError>) -> Outcome {
    match r {
        Ok(note) => Outcome::Done(note),
        Err(e) => Outcome::Failed(e),
    }
}

/// Groups composite alarms so that every composite comes after the
/// composites its rule references.
fn composite_levels<'a>(changes: &[&'a Change]) -> Vec<Vec<&'a Change>> {
    let mut remaining: Vec<&Change> = changes.to_vec();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let names: BTreeSet<String> = changes.iter().map(|c| c.key.clone()).collect();
    let mut levels = Vec::new();
    while !remaining.is_empty() {
        let (ready, blocked): (Vec<&Change>, Vec<&Change>) = remaining.into_iter().partition(|c| {
            let Some(Resource::CompositeAlarm(a)) = &c.desired else {
                return true;
            };
            rule_refs(&a.alarm_rule).into_iter().all(|r| {
                let child = &a.alarm_rule[r];
                !names.contains(child) || done.contains(child)
            })
        });
        if ready.is_empty() {
            levels.push(blocked);
            break;
        }
        done.extend(ready.iter().map(|c| c.key.clone()));
        levels.push(ready);
        remaining = blocked;
    }
    levels
}

async fn put(ctx: &PutContext<'_>, c: &Change) -> Outcome {
    match &c.desired {
        Some(desired) => outcome(desired.put(ctx, c).await),
        None => Outcome::Done(None),
    }
}

/// Tag changes of an existing alarm or dashboard (PutMetricAlarm and
/// PutDashboard ignore the tags of a resource that exists).
pub async fn retag(aws: &Aws, c: &Change, arn: &str) -> Result<Option<String>, AwsError> {
    if c.action != Action::Create {
        if !c.tags.set.is_empty() {
            aws.cloudwatch().tag_resource(arn, &c.tags.set).await?;
        }
        if !c.tags.remove.is_empty() {
            aws.cloudwatch().untag_resource(arn, &c.tags.remove).await?;
        }
    }
    Ok(None)
}

/// Deletes one resource of a kind deleted one by one; already gone is done.
async fn delete(aws: &Aws, c: &Change) -> Outcome {
    match c.kind.delete(aws, std::slice::from_ref(&c)).await {
        Err(e) if e.kind == ErrorKind::NotFound => Outcome::Done(Some("already gone".into())),
        r => outcome(r.map(|_| None)),
    }
}
