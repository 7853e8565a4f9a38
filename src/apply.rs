//! Executing a plan against AWS, in dependency order: topics → subscriptions
//! → metric filters → metric alarms → composite alarms → dashboards → query
//! definitions; deletes in reverse, composites before their children. It
//! never decides what to change: every call comes from a [`Change`]. On a
//! failure it carries on with the other changes; a re-run converges.

use crate::aws::{Aws, AwsError, AwsResult, ErrorKind};
use crate::plan::{Action, Change, Op, Plan};
use crate::resource::{Kind, Resource, Tag, alarm_arn, dashboard_arn, secret_name, topic_arn};
use crate::rules::composite::rule_refs;
use futures::stream::{self, StreamExt};
use std::collections::BTreeSet;

/// Changes executed at once within a phase (the token buckets bound the rate).
const CONCURRENCY: usize = 8;
/// Names per DeleteAlarms / DeleteDashboards call.
const DELETE_BATCH: usize = 100;

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
}

/// Resolves `${env:NAME}` secrets at apply time.
pub type SecretFn<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Executes `plan`; `observe` is called once per change as it finishes.
pub async fn apply(
    aws: &Aws,
    plan: &Plan,
    secret: SecretFn<'_>,
    observe: &mut dyn FnMut(&Change, &Outcome),
) -> ApplyReport {
    let sink = std::cell::RefCell::new((ApplyReport::default(), observe));
    // Each finished change is recorded at once (for progress), from
    // whichever chain finished it; the chains run in one task, so the
    // borrow never spans an await.
    let record = |change: &Change, outcome: Outcome| {
        let mut sink = sink.borrow_mut();
        let (report, observe) = &mut *sink;
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
    let phase = |kind: Kind| put_phase(aws, plan, secret, kind, &tags_kept, &record);
    // Creates and updates. Kinds that do not depend on each other overlap
    // (their APIs have separate quotas): SNS, then alarms (their actions
    // name topics) → composites → dashboards (their alarm widgets name
    // alarms), beside log groups → metric filters and saved queries.
    let sns_and_alarms = async {
        phase(Kind::Topic).await;
        let alarms = async {
            phase(Kind::MetricAlarm).await;
            phase(Kind::CompositeAlarm).await;
            phase(Kind::Dashboard).await;
        };
        futures::join!(phase(Kind::Subscription), alarms);
    };
    let logs = async {
        phase(Kind::LogGroup).await;
        futures::join!(phase(Kind::MetricFilter), phase(Kind::QueryDefinition));
    };
    futures::join!(sns_and_alarms, logs);
    // Deletes, in reverse kind order (composites before their children).
    for kind in Kind::ALL.into_iter().rev() {
        let batch: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| c.kind == kind && c.action == Action::Delete)
            .collect();
        if batch.is_empty() {
            continue;
        }
        match kind {
            Kind::MetricAlarm | Kind::Dashboard => {
                for chunk in batch.chunks(DELETE_BATCH) {
                    let names: Vec<String> = chunk.iter().map(|c| c.key.clone()).collect();
                    match delete_named(aws, kind, &names).await {
                        // AWS rejects the whole batch when one name is gone or
                        // still referenced by a composite: go one by one.
                        Err(e)
                            if matches!(
                                e.kind,
                                ErrorKind::NotFound | ErrorKind::ReferencedByComposite
                            ) =>
                        {
                            for c in chunk {
                                let r = delete_named(aws, kind, std::slice::from_ref(&c.key)).await;
                                let o = blocked_or_done(aws, &c.key, r).await;
                                record(c, o);
                            }
                        }
                        r => {
                            for c in chunk {
                                record(c, outcome(r.clone().map(|_| None)));
                            }
                        }
                    }
                }
            }
            Kind::CompositeAlarm => {
                // One composite per DeleteAlarms call; a composite that is
                // still the child of another is retried after its parents.
                let mut pending: Vec<&Change> = batch;
                loop {
                    let mut blocked = Vec::new();
                    let before = pending.len();
                    for c in pending {
                        let names = std::slice::from_ref(&c.key);
                        match delete_named(aws, kind, names).await {
                            Err(e) if e.kind == ErrorKind::ReferencedByComposite => {
                                blocked.push((c, e))
                            }
                            r => record(c, blocked_or_done(aws, &c.key, r).await),
                        }
                    }
                    if blocked.is_empty() || blocked.len() == before {
                        // No progress: what blocks them is not ours to delete.
                        for (c, e) in blocked {
                            let o = blocked_or_done(aws, &c.key, Err(e)).await;
                            record(c, o);
                        }
                        break;
                    }
                    pending = blocked.into_iter().map(|(c, _)| c).collect();
                }
            }
            _ => {
                let mut running = stream::iter(serial_groups(batch))
                    .map(|group| async move {
                        let mut outcomes = Vec::new();
                        for c in group {
                            outcomes.push((c, delete(aws, c).await));
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

/// Creates and updates of one kind; composites in dependency levels.
async fn put_phase(
    aws: &Aws,
    plan: &Plan,
    secret: SecretFn<'_>,
    kind: Kind,
    tags_kept: &TagsKept,
    record: &dyn Fn(&Change, Outcome),
) {
    let batch: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.kind == kind && c.action != Action::Delete)
        .collect();
    let levels = match kind {
        Kind::CompositeAlarm => composite_levels(&batch),
        _ => vec![batch],
    };
    for level in levels {
        // Writes to one log group run one after another: concurrent
        // filter writes on a group fail with OperationAbortedException.
        let mut running = stream::iter(serial_groups(level))
            .map(|group| async move {
                let mut outcomes = Vec::new();
                for c in group {
                    outcomes.push((c, put(aws, plan, c, secret, tags_kept).await));
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

/// Whether the endpoint keeps the `Tags` given to PutCompositeAlarm and
/// PutDashboard on creation. AWS does (both API references: "Tags ... only
/// applied when ... created"), and on AWS's own endpoints that is trusted
/// ([`Aws::trusts_create_tags`]); fakecloud 0.51 drops them
/// (aws-fidelity.md). Ownership tags must be certain, so behind an endpoint
/// URL the first creation of each kind in an apply is checked with one
/// ListTagsForResource; only where the tags were dropped does every
/// creation add a TagResource call.
#[derive(Default)]
struct TagsKept {
    composite: tokio::sync::OnceCell<bool>,
    dashboard: tokio::sync::OnceCell<bool>,
}

impl TagsKept {
    /// Makes sure the resource `arn`, just created with `tags`, carries them.
    async fn ensure(&self, aws: &Aws, kind: Kind, arn: &str, tags: &[Tag]) -> AwsResult<()> {
        if tags.is_empty() || aws.trusts_create_tags() {
            return Ok(());
        }
        let cell = if kind == Kind::Dashboard {
            &self.dashboard
        } else {
            &self.composite
        };
        let kept = *cell
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

/// DeleteAlarms or DeleteDashboards of `names`.
async fn delete_named(aws: &Aws, kind: Kind, names: &[String]) -> AwsResult<()> {
    if kind == Kind::Dashboard {
        aws.cloudwatch().delete_dashboards(names).await
    } else {
        aws.cloudwatch().delete_alarms(names).await
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

/// The log group a metric-filter change writes to.
fn log_group_of(c: &Change) -> Option<&str> {
    match (&c.desired, c.ops.first()) {
        (Some(Resource::MetricFilter(f)), _) => Some(&f.log_group_name),
        (_, Some(Op::DeleteMetricFilter { log_group, .. })) => Some(log_group),
        _ => None,
    }
}

/// The attribute writes of a topic or subscription update, in plan order.
fn attribute_writes(c: &Change) -> impl Iterator<Item = (&str, &str)> {
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

fn resolve(endpoint: &str, secret: SecretFn<'_>) -> Result<String, AwsError> {
    match secret_name(endpoint) {
        None => Ok(endpoint.to_string()),
        Some(var) => secret(var).ok_or_else(|| {
            AwsError::new(
                "Subscribe",
                "MissingSecret",
                format!("environment variable {var} is not set"),
            )
        }),
    }
}

async fn put(
    aws: &Aws,
    plan: &Plan,
    c: &Change,
    secret: SecretFn<'_>,
    tags_kept: &TagsKept,
) -> Outcome {
    outcome(put_inner(aws, plan, c, secret, tags_kept).await)
}

async fn put_inner(
    aws: &Aws,
    plan: &Plan,
    c: &Change,
    secret: SecretFn<'_>,
    tags_kept: &TagsKept,
) -> Result<Option<String>, AwsError> {
    let Some(desired) = &c.desired else {
        return Ok(None);
    };
    let alarm_arn = |name: &str| {
        c.live_id
            .clone()
            .unwrap_or_else(|| alarm_arn(&plan.region, &plan.account, name))
    };
    match desired {
        Resource::Topic(t) => {
            if c.action == Action::Create {
                aws.sns()
                    .create_topic(&t.name, &t.attributes, &t.tags)
                    .await?;
                return Ok(None);
            }
            let arn = c.live_id.clone().unwrap_or_default();
            for (name, value) in attribute_writes(c) {
                aws.sns().set_topic_attribute(&arn, name, value).await?;
            }
            if !c.tags.set.is_empty() {
                aws.sns().tag_resource(&arn, &c.tags.set).await?;
            }
            if !c.tags.remove.is_empty() {
                aws.sns().untag_resource(&arn, &c.tags.remove).await?;
            }
            Ok(None)
        }
        Resource::Subscription(s) => {
            if c.action == Action::Update {
                let arn = c.live_id.clone().unwrap_or_default();
                for (name, value) in attribute_writes(c) {
                    aws.sns()
                        .set_subscription_attribute(&arn, name, value)
                        .await?;
                }
                return Ok(None);
            }
            let endpoint = resolve(&s.endpoint, secret)?;
            let topic_arn = topic_arn(&plan.region, &plan.account, &s.topic_name);
            let arn = aws
                .sns()
                .subscribe(&topic_arn, &s.protocol, &endpoint, &s.attributes)
                .await
                .map_err(|mut e| {
                    // AWS may echo the endpoint: never let a secret through.
                    if endpoint != s.endpoint {
                        e.message = e.message.replace(&endpoint, &s.endpoint);
                    }
                    e
                })?;
            Ok((!arn.starts_with("arn:")).then(|| "pending confirmation".to_string()))
        }
        Resource::LogGroup(g) => {
            // It exists already when another team made it since the plan, or
            // when an earlier attempt's answer was lost: either way it is
            // there, and it gets the retention the plan promised.
            let created = aws
                .logs()
                .create_log_group(&g.log_group_name, &g.tags)
                .await;
            let note = match created {
                Err(e) if e.kind == ErrorKind::AlreadyExists => Some("already exists".to_string()),
                other => other.map(|()| None)?,
            };
            if let Some(days) = g.retention_in_days {
                aws.logs()
                    .put_retention_policy(&g.log_group_name, days)
                    .await?;
            }
            Ok(note)
        }
        Resource::MetricFilter(f) => {
            aws.logs().put_metric_filter(f).await?;
            Ok(None)
        }
        Resource::MetricAlarm(a) => {
            if c.rewrite {
                aws.cloudwatch().put_metric_alarm(a).await?;
            }
            retag(aws, c, &alarm_arn(&a.alarm_name)).await
        }
        Resource::CompositeAlarm(a) => {
            if c.rewrite {
                aws.cloudwatch().put_composite_alarm(a).await?;
            }
            if c.action == Action::Create {
                let arn = alarm_arn(&a.alarm_name);
                tags_kept
                    .ensure(aws, Kind::CompositeAlarm, &arn, &a.tags)
                    .await?;
            }
            retag(aws, c, &alarm_arn(&a.alarm_name)).await
        }
        Resource::Dashboard(d) => {
            if c.rewrite {
                aws.cloudwatch().put_dashboard(d).await?;
            }
            let arn = dashboard_arn(&plan.region, &plan.account, &d.dashboard_name);
            if c.action == Action::Create {
                tags_kept
                    .ensure(aws, Kind::Dashboard, &arn, &d.tags)
                    .await?;
            }
            retag(aws, c, &arn).await
        }
        Resource::QueryDefinition(q) => put_query(aws, plan, c, q).await,
    }
}

/// Attempts of a saved-query write after transient errors.
const QUERY_ATTEMPTS: u32 = 8;

/// PutQueryDefinition, safe to repeat: the same client token on every
/// attempt (AWS then returns the first call's definition), and, because not
/// every implementation honours tokens, after a transient error (the call
/// may have been processed) a look for a definition of that name before
/// trying again: found, it is the one the lost call made.
async fn put_query(
    aws: &Aws,
    plan: &Plan,
    c: &Change,
    q: &crate::resource::QueryDefinition,
) -> Result<Option<String>, AwsError> {
    let token = client_token(plan, c);
    let mut id = c.live_id.clone();
    let mut attempt = 1;
    loop {
        match aws
            .logs()
            .put_query_definition(id.as_deref(), q, &token)
            .await
        {
            Ok(_) => return Ok(None),
            Err(e) if e.kind == ErrorKind::Transient && attempt < QUERY_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(6))).await;
                if id.is_none()
                    && let Some((found, live)) = find_query(aws, &q.name).await?
                {
                    if live == *q {
                        return Ok(Some("made by an attempt whose answer was lost".into()));
                    }
                    id = Some(found);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// The saved query named `name`, if exactly one exists.
async fn find_query(
    aws: &Aws,
    name: &str,
) -> Result<Option<(String, crate::resource::QueryDefinition)>, AwsError> {
    let mut found =
        crate::aws::all_pages(|next| aws.logs().describe_query_definitions(name, next)).await?;
    found.retain(|(_, q)| q.name == name);
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// An idempotency token for one change of one plan: a hash of the plan's
/// live fingerprint and the change, 40 characters (AWS requires 36 to 128).
fn client_token(plan: &Plan, c: &Change) -> String {
    let mut a = crate::resource::canonical::Fnv::default();
    a.feed(&plan.live_fingerprint);
    a.feed(&serde_json::to_string(c).unwrap_or_default());
    let first = a.finish();
    a.feed(&c.key);
    format!("obsctl-{first:016x}-{:016x}", a.finish())
}

/// Tag changes of an existing alarm or dashboard (PutMetricAlarm and
/// PutDashboard ignore the tags of a resource that exists).
async fn retag(aws: &Aws, c: &Change, arn: &str) -> Result<Option<String>, AwsError> {
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

/// Deletes one topic, subscription, filter or saved query; already gone is done.
async fn delete(aws: &Aws, c: &Change) -> Outcome {
    let id = c.live_id.clone().unwrap_or_default();
    let result = match c.kind {
        Kind::Topic => aws.sns().delete_topic(&id).await,
        Kind::Subscription => aws.sns().unsubscribe(&id).await,
        Kind::MetricFilter => match c.ops.first() {
            Some(Op::DeleteMetricFilter {
                log_group,
                filter_name,
            }) => {
                aws.logs()
                    .delete_metric_filter(log_group, filter_name)
                    .await
            }
            _ => Ok(()),
        },
        Kind::QueryDefinition => aws.logs().delete_query_definition(&id).await,
        // Log groups are never deleted (plans have no such change); alarms
        // and dashboards are deleted in batches.
        Kind::LogGroup | Kind::MetricAlarm | Kind::CompositeAlarm | Kind::Dashboard => Ok(()),
    };
    match result {
        Err(e) if e.kind == ErrorKind::NotFound => Outcome::Done(Some("already gone".into())),
        r => outcome(r.map(|_| None)),
    }
}
