//! The drill's AWS calls: temporary SQS queues subscribed to each route's
//! topics, SetAlarmState to ALARM and back to OK, the notifications
//! awaited (bounded), and everything temporary removed — at the end, on an
//! error, on Ctrl-C ([`Temporaries`] is kept outside the drill's future, so
//! the caller cleans up whatever the drill had made when it was stopped),
//! and at the next drill for a run that was killed ([`remove_leftovers`]).
//!
//! The queues are named `obsctl-drill-<run>-<n>`, tagged with the
//! environment, the run and its start, and accept messages only from the
//! topic they are subscribed to (the queue policy SNS needs: "Subscribing
//! an Amazon SQS queue to an Amazon SNS topic", SNS developer guide).

use super::drill::{
    Candidate, Delivery, ENV_TAG, LEFTOVER_AFTER_SECONDS, Notification, QUEUE_PREFIX, RUN_TAG,
    Route, RouteResult, STARTED_TAG, Standing, TopicResult, choose, is_drill_message, reason,
};
use crate::aws::data::AlarmState;
use crate::aws::{Aws, AwsResult, all_pages, mute_rule_name};
use crate::resource::Tag;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// How the drill runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The run id.
    pub run: String,
    /// The environment's name prefix (tags the queues).
    pub env_prefix: String,
    /// The account's partition, region and id (queue ARNs in policies).
    pub partition: String,
    /// Region.
    pub region: String,
    /// Account id.
    pub account: String,
    /// Longest wait for one notification.
    pub timeout: Duration,
    /// Long-poll seconds per ReceiveMessage (1 to 20).
    pub poll_seconds: i32,
    /// Now, seconds since the epoch (mute windows, queue tags).
    pub now_s: i64,
}

/// What the drill made and has not removed yet.
#[derive(Debug, Default)]
pub struct Temporaries {
    /// Queues: (URL, ARN).
    pub queues: Vec<(String, String)>,
    /// Subscription ARNs.
    pub subscriptions: Vec<String>,
    /// Alarms the drill set to ALARM and not back yet.
    pub in_alarm: Vec<String>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// A topic's temporary queue.
#[derive(Debug, Clone)]
struct Probe {
    url: String,
    /// The subscription, or why it could not be made.
    subscribed: Result<String, String>,
    confirmed: usize,
    pending: Vec<String>,
    /// Drill notifications received on it: (message, when).
    seen: Vec<(Notification, Instant)>,
}

/// The live standing of every candidate (and of composites' suppressors):
/// DescribeAlarms by name, 100 per call; mute rules read once.
async fn standings(
    aws: &Aws,
    routes: &[Route],
    now_s: i64,
) -> AwsResult<BTreeMap<String, Standing>> {
    let names: BTreeSet<String> = routes
        .iter()
        .flat_map(|r| r.candidates.iter().map(|c| c.alarm.clone()))
        .collect();
    let names: Vec<String> = names.into_iter().collect();
    let mut status = BTreeMap::new();
    for chunk in names.chunks(100) {
        for s in aws.cloudwatch().alarm_states(chunk).await? {
            status.insert(s.name.clone(), s);
        }
    }
    let suppressors: Vec<String> = status
        .values()
        .filter_map(|s| s.actions_suppressor.clone())
        .filter(|p| !status.contains_key(p))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for chunk in suppressors.chunks(100) {
        for s in aws.cloudwatch().alarm_states(chunk).await? {
            status.insert(s.name.clone(), s);
        }
    }
    let summaries = all_pages(|next| aws.cloudwatch().list_alarm_mute_rules(next)).await?;
    let mut rules = Vec::new();
    for r in summaries {
        let Some(name) = mute_rule_name(&r.arn) else {
            continue;
        };
        match aws.cloudwatch().get_alarm_mute_rule(name).await {
            Ok((_, rule)) => rules.push(rule),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    let mutes = crate::testing::mute::Mutes::from_rules(rules.iter());
    Ok(names
        .iter()
        .map(|n| {
            let s = status.get(n);
            let suppressed_by = s
                .and_then(|s| s.actions_suppressor.clone())
                .filter(|p| status.get(p).is_some_and(|p| p.state == AlarmState::Alarm));
            (
                n.clone(),
                Standing {
                    state: s.map(|s| s.state),
                    actions_enabled: s.is_none_or(|s| s.actions_enabled),
                    muted_by: mutes.muting_at(n, now_s),
                    suppressed_by,
                },
            )
        })
        .collect())
}

/// The queue policy that lets `topic` (only) send to the queue.
fn queue_policy(queue_arn: &str, topic: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "obsctl-drill",
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
        }],
    })
    .to_string()
}

/// Creates the topic's queue, subscribes it, and reads the topic's other
/// subscriptions (confirmed, pending).
async fn probe(
    aws: &Aws,
    topic: &str,
    n: usize,
    opts: &Options,
    temps: &Mutex<Temporaries>,
) -> AwsResult<Probe> {
    let name = format!("{QUEUE_PREFIX}{}-{n}", opts.run);
    let arn = format!(
        "arn:{}:sqs:{}:{}:{name}",
        opts.partition, opts.region, opts.account
    );
    let attributes = BTreeMap::from([
        ("Policy".to_string(), queue_policy(&arn, topic)),
        // Messages are read within the drill; a leftover keeps nothing long.
        ("MessageRetentionPeriod".to_string(), "3600".to_string()),
    ]);
    let tags = [
        (ENV_TAG, opts.env_prefix.clone()),
        (RUN_TAG, opts.run.clone()),
        (STARTED_TAG, opts.now_s.to_string()),
    ]
    .map(|(k, v)| Tag {
        key: k.to_string(),
        value: v,
    });
    let url = aws.queues().create_queue(&name, &attributes, &tags).await?;
    // The ARN AWS gives it (an endpoint may use another account id).
    let arn = aws
        .queues()
        .queue_attributes(&url)
        .await
        .ok()
        .and_then(|a| a.get("QueueArn").cloned())
        .unwrap_or(arn);
    lock(temps).queues.push((url.clone(), arn.clone()));
    let subscribed = match aws
        .sns()
        .subscribe(topic, "sqs", &arn, &BTreeMap::new())
        .await
    {
        Ok(sub) => {
            lock(temps).subscriptions.push(sub.clone());
            Ok(sub)
        }
        Err(e) => Err(e.to_string()),
    };
    // A topic that does not exist (not applied yet, or deleted since) has
    // no subscription: the report says so, the drill goes on.
    let subs = match all_pages(|next| aws.sns().list_subscriptions(topic, next)).await {
        Ok(s) => s,
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut confirmed = 0;
    let mut pending = Vec::new();
    for s in subs {
        if s.endpoint.contains(&format!(":{QUEUE_PREFIX}")) {
            continue;
        }
        if s.pending() {
            pending.push(format!(
                "{} {}",
                s.protocol,
                crate::plan::redact(&s.endpoint)
            ));
        } else {
            confirmed += 1;
        }
    }
    Ok(Probe {
        url,
        subscribed,
        confirmed,
        pending,
        seen: Vec::new(),
    })
}

/// Waits until each of `topics` has the drill's notification of `alarm`
/// entering `state`, or the timeout.
async fn await_notifications(
    aws: &Aws,
    probes: &mut BTreeMap<String, Probe>,
    topics: &[String],
    alarm: &str,
    state: AlarmState,
    sent: Instant,
    opts: &Options,
) -> AwsResult<BTreeMap<String, Delivery>> {
    let deadline = sent + opts.timeout;
    let mut out = BTreeMap::new();
    loop {
        for t in topics {
            if out.contains_key(t) {
                continue;
            }
            let Some(p) = probes.get_mut(t) else {
                continue;
            };
            if let Err(e) = &p.subscribed {
                out.insert(t.clone(), Delivery::NotSubscribed { error: e.clone() });
                continue;
            }
            for m in aws.queues().receive(&p.url, opts.poll_seconds).await? {
                if let Some(n) = Notification::parse(&m.body) {
                    p.seen.push((n, Instant::now()));
                }
                aws.queues().delete_message(&p.url, &m.receipt).await?;
            }
            if let Some((_, at)) = p
                .seen
                .iter()
                .find(|(n, _)| is_drill_message(n, &opts.run, alarm, state))
            {
                let latency = at.saturating_duration_since(sent).as_millis();
                out.insert(
                    t.clone(),
                    Delivery::Delivered {
                        latency_ms: u64::try_from(latency).unwrap_or(u64::MAX),
                    },
                );
            }
        }
        if out.len() >= topics.len() || Instant::now() >= deadline {
            break;
        }
    }
    for t in topics {
        out.entry(t.clone()).or_insert(Delivery::Missing {
            waited_s: opts.timeout.as_secs(),
        });
    }
    Ok(out)
}

/// Drills every route. `progress` gets a line per step.
pub async fn run(
    aws: &Aws,
    routes: &[Route],
    opts: &Options,
    temps: &Mutex<Temporaries>,
    progress: &mut (dyn FnMut(String) + Send),
) -> AwsResult<Vec<RouteResult>> {
    let standing = standings(aws, routes, opts.now_s).await?;
    let mut probes: BTreeMap<String, Probe> = BTreeMap::new();
    let mut results = Vec::new();
    for route in routes {
        let chosen = choose(route, &standing);
        let i = match chosen {
            Ok(i) => i,
            Err(why) => {
                progress(format!("{}: {}", route.label(), why.describe()));
                results.push(RouteResult {
                    route: route.clone(),
                    drilled: Err(why),
                    before: None,
                    topics: Vec::new(),
                    restored: None,
                });
                continue;
            }
        };
        let c: &Candidate = &route.candidates[i];
        let before = standing.get(&c.alarm).and_then(|s| s.state);
        for t in route.topics() {
            if !probes.contains_key(&t) {
                let p = probe(aws, &t, probes.len() + 1, opts, temps).await?;
                probes.insert(t, p);
            }
        }
        progress(format!(
            "{}: setting {} to ALARM, waiting up to {} s for {} topic(s)",
            route.label(),
            c.alarm,
            opts.timeout.as_secs(),
            route.alarm_topics.len()
        ));
        lock(temps).in_alarm.push(c.alarm.clone());
        let sent = Instant::now();
        aws.cloudwatch()
            .set_alarm_state(
                &c.alarm,
                AlarmState::Alarm,
                &reason(&opts.run, AlarmState::Alarm),
            )
            .await?;
        let alarm = await_notifications(
            aws,
            &mut probes,
            &route.alarm_topics,
            &c.alarm,
            AlarmState::Alarm,
            sent,
            opts,
        )
        .await;
        // Back to OK whatever happened while waiting.
        let sent = Instant::now();
        let back = aws
            .cloudwatch()
            .set_alarm_state(&c.alarm, AlarmState::Ok, &reason(&opts.run, AlarmState::Ok))
            .await;
        if back.is_ok() {
            lock(temps).in_alarm.retain(|a| a != &c.alarm);
        }
        let alarm = alarm?;
        back?;
        let ok = if route.ok_topics.is_empty() {
            BTreeMap::new()
        } else {
            progress(format!(
                "{}: set {} back to OK, waiting for the OK notification",
                route.label(),
                c.alarm
            ));
            await_notifications(
                aws,
                &mut probes,
                &route.ok_topics,
                &c.alarm,
                AlarmState::Ok,
                sent,
                opts,
            )
            .await?
        };
        let restored = Some(if c.composite {
            format!(
                "set back to OK by obsctl: a composite alarm changes state only when one of its children does, so CloudWatch would have left it in ALARM (it was {} before the drill)",
                before.map_or("unknown", AlarmState::as_str)
            )
        } else {
            "set to OK; CloudWatch evaluates it again within a minute and it returns to its evaluated state".to_string()
        });
        let topics = route
            .topics()
            .into_iter()
            .map(|t| {
                let p = probes.get(&t);
                TopicResult {
                    alarm: alarm.get(&t).cloned(),
                    ok: ok.get(&t).cloned(),
                    confirmed: p.map_or(0, |p| p.confirmed),
                    pending: p.map(|p| p.pending.clone()).unwrap_or_default(),
                    topic: t,
                }
            })
            .collect();
        results.push(RouteResult {
            route: route.clone(),
            drilled: Ok(c.clone()),
            before,
            topics,
            restored,
        });
    }
    Ok(results)
}

/// Removes what the drill made: alarms it left in ALARM go back to OK,
/// subscriptions are removed, queues deleted. Returns what failed.
pub async fn cleanup(aws: &Aws, run: &str, temps: &Mutex<Temporaries>) -> Vec<String> {
    let t = std::mem::take(&mut *lock(temps));
    let mut failures = Vec::new();
    for a in &t.in_alarm {
        if let Err(e) = aws
            .cloudwatch()
            .set_alarm_state(a, AlarmState::Ok, &reason(run, AlarmState::Ok))
            .await
        {
            failures.push(format!("alarm {a} left in ALARM: {e}"));
        }
    }
    for s in &t.subscriptions {
        match aws.sns().unsubscribe(s).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => failures.push(format!("subscription {s}: {e}")),
        }
    }
    for (url, _) in &t.queues {
        match aws.queues().delete_queue(url).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => failures.push(format!("queue {url}: {e}")),
        }
    }
    failures
}

/// Removes what killed drills of this environment left behind: its queues
/// older than [`LEFTOVER_AFTER_SECONDS`] (a younger one may belong to a
/// drill running now, in another pipeline) and, on `topics`, subscriptions
/// of drill queues that no longer exist. Returns (queues removed,
/// failures).
pub async fn remove_leftovers(
    aws: &Aws,
    env_prefix: &str,
    topics: &[String],
    now_s: i64,
) -> AwsResult<(Vec<String>, Vec<String>)> {
    let urls = all_pages(|next| aws.queues().list_queues(QUEUE_PREFIX, next)).await?;
    let mut alive: BTreeSet<String> = BTreeSet::new();
    let mut stale: Vec<(String, String)> = Vec::new();
    for url in urls {
        let name = url.rsplit('/').next().unwrap_or(&url).to_string();
        let tags = match aws.queues().queue_tags(&url).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        let tag = |k: &str| tags.iter().find(|t| t.key == k).map(|t| t.value.clone());
        let started: i64 = tag(STARTED_TAG).and_then(|v| v.parse().ok()).unwrap_or(0);
        if tag(ENV_TAG).as_deref() == Some(env_prefix)
            && now_s.saturating_sub(started) > LEFTOVER_AFTER_SECONDS
        {
            stale.push((url, name));
        } else {
            alive.insert(name);
        }
    }
    let mut failures = Vec::new();
    for t in topics {
        let subs = all_pages(|next| aws.sns().list_subscriptions(t, next)).await?;
        for s in subs {
            let Some(queue) = s.endpoint.rsplit(':').next() else {
                continue;
            };
            if s.protocol != "sqs" || !queue.starts_with(QUEUE_PREFIX) || alive.contains(queue) {
                continue;
            }
            if let Err(e) = aws.sns().unsubscribe(&s.arn).await
                && !e.is_not_found()
            {
                failures.push(format!("subscription {}: {e}", s.arn));
            }
        }
    }
    let mut removed = Vec::new();
    for (url, name) in stale {
        match aws.queues().delete_queue(&url).await {
            Ok(()) => removed.push(name),
            Err(e) if e.is_not_found() => {}
            Err(e) => failures.push(format!("queue {name}: {e}")),
        }
    }
    Ok((removed, failures))
}

/// A run id: 8 hex digits from the clock and the process id.
pub fn run_id(now_ms: i64) -> String {
    let mut fnv = crate::resource::canonical::Fnv::default();
    fnv.feed(&format!("{now_ms}-{}", std::process::id()));
    format!("{:08x}", fnv.finish() as u32)
}

#[cfg(test)]
mod tests {
    //! The drill end to end against the in-memory AWS, which runs alarm
    //! actions on SetAlarmState and delivers SNS to SQS as AWS does.

    use super::*;
    use crate::aws::LiveAlarm;
    use crate::aws::fake::FakeAws;
    use crate::resource::{AlarmMuteRule, CompositeAlarm, MetricAlarm};
    use crate::verify::check::Level;
    use crate::verify::drill::{Candidate, Delivery, NotDrilled};
    use crate::verify::targets::Location;

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:shop-staging-critical";

    fn alarm(name: &str, ok: bool) -> MetricAlarm {
        serde_json::from_value(serde_json::json!({
            "AlarmName": name,
            "ActionsEnabled": true,
            "AlarmActions": [TOPIC],
            "OKActions": if ok { vec![TOPIC] } else { vec![] },
            "MetricName": "Errors",
            "Namespace": "Shop",
            "Statistic": "Sum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        }))
        .unwrap()
    }

    fn candidate(name: &str, composite: bool) -> Candidate {
        Candidate {
            alarm: name.into(),
            composite,
            entry: "errors".into(),
            service: Some("cart".into()),
            at: Location {
                file: "obsctl.yaml".into(),
                line: 3,
                column: 5,
            },
        }
    }

    fn route(names: &[(&str, bool)], ok: bool) -> Route {
        Route {
            severities: vec!["critical".into()],
            services: vec!["cart".into()],
            alarm_topics: vec![TOPIC.into()],
            ok_topics: if ok { vec![TOPIC.into()] } else { vec![] },
            candidates: names.iter().map(|(n, c)| candidate(n, *c)).collect(),
        }
    }

    fn options(fake: &FakeAws) -> Options {
        Options {
            run: "r1".into(),
            env_prefix: "shop-staging-".into(),
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            timeout: Duration::from_millis(300),
            poll_seconds: 1,
            now_s: fake.now_ms() / 1000,
        }
    }

    async fn account() -> (FakeAws, Aws) {
        let fake = FakeAws::default();
        let aws = fake.aws();
        aws.sns()
            .create_topic("shop-staging-critical", &BTreeMap::new(), &[])
            .await
            .unwrap();
        // The on-call: one confirmed e-mail, one never confirmed.
        for e in ["oncall@example.com", "new-hire@example.com"] {
            aws.sns()
                .subscribe(TOPIC, "email", e, &BTreeMap::new())
                .await
                .unwrap();
        }
        fake.confirm("oncall@example.com");
        (fake, aws)
    }

    fn set_state(fake: &FakeAws, name: &str, state: AlarmState) {
        fake.with_state(|s| s.alarm_states.insert(name.to_string(), state));
    }

    async fn drill(aws: &Aws, routes: &[Route], opts: &Options) -> Vec<RouteResult> {
        let temps = Mutex::new(Temporaries::default());
        let r = run(aws, routes, opts, &temps, &mut |_| {}).await.unwrap();
        assert!(cleanup(aws, &opts.run, &temps).await.is_empty());
        r
    }

    fn no_temporaries_left(fake: &FakeAws) {
        fake.with_state(|s| {
            assert!(s.queues.is_empty(), "queues left: {:?}", s.queues.keys());
            assert!(
                s.subscriptions
                    .iter()
                    .all(|(_, sub, _)| !sub.endpoint.contains(QUEUE_PREFIX)),
                "drill subscriptions left"
            );
        });
    }

    #[tokio::test]
    async fn alarm_and_ok_notifications_arrive_and_pending_subscriptions_are_named() {
        let (fake, aws) = account().await;
        aws.cloudwatch()
            .put_metric_alarm(&alarm("shop-staging-cart-errors", true))
            .await
            .unwrap();
        set_state(&fake, "shop-staging-cart-errors", AlarmState::Ok);
        let opts = options(&fake);
        let results = drill(
            &aws,
            &[route(&[("shop-staging-cart-errors", false)], true)],
            &opts,
        )
        .await;
        let r = &results[0];
        assert_eq!(
            r.drilled.as_ref().unwrap().alarm,
            "shop-staging-cart-errors"
        );
        assert_eq!(r.before, Some(AlarmState::Ok));
        let t = &r.topics[0];
        assert!(matches!(t.alarm, Some(Delivery::Delivered { .. })), "{t:?}");
        assert!(matches!(t.ok, Some(Delivery::Delivered { .. })), "{t:?}");
        assert_eq!(t.confirmed, 1);
        assert_eq!(t.pending.len(), 1);
        assert!(t.pending[0].starts_with("email …@example.com#"), "{t:?}");
        // A pending subscription receives nothing: a warning, not a pass.
        assert_eq!(r.level(), Level::Warning);
        // The on-call got both notifications, with the drill's reason.
        let published = fake.with_state(|s| s.published.clone());
        assert_eq!(published.len(), 2);
        assert!(published[0].2.contains("(run r1)"));
        assert!(published[0].1.starts_with("ALARM: "));
        assert!(published[1].1.starts_with("OK: "));
        // Back to OK; nothing temporary left.
        assert_eq!(
            fake.with_state(|s| s.state_of("shop-staging-cart-errors")),
            AlarmState::Ok
        );
        no_temporaries_left(&fake);
    }

    #[tokio::test]
    async fn a_topic_the_live_alarm_does_not_notify_is_a_missing_delivery() {
        let (fake, aws) = account().await;
        // The catalogue routes to the topic; the live alarm lost its actions
        // (a console edit).
        let mut live = alarm("shop-staging-cart-errors", false);
        live.alarm_actions.clear();
        aws.cloudwatch().put_metric_alarm(&live).await.unwrap();
        set_state(&fake, "shop-staging-cart-errors", AlarmState::Ok);
        let results = drill(
            &aws,
            &[route(&[("shop-staging-cart-errors", false)], false)],
            &options(&fake),
        )
        .await;
        assert!(matches!(
            results[0].topics[0].alarm,
            Some(Delivery::Missing { .. })
        ));
        assert_eq!(results[0].level(), Level::Problem);
        no_temporaries_left(&fake);
    }

    #[tokio::test]
    async fn a_topic_that_does_not_exist_is_a_problem_not_an_error() {
        let (fake, aws) = account().await;
        aws.cloudwatch()
            .put_metric_alarm(&alarm("shop-staging-cart-errors", false))
            .await
            .unwrap();
        set_state(&fake, "shop-staging-cart-errors", AlarmState::Ok);
        let mut r = route(&[("shop-staging-cart-errors", false)], false);
        r.alarm_topics = vec!["arn:aws:sns:us-east-1:123456789012:shop-staging-gone".into()];
        let results = drill(&aws, &[r], &options(&fake)).await;
        let t = &results[0].topics[0];
        assert!(
            matches!(&t.alarm, Some(Delivery::NotSubscribed { error }) if error.contains("Topic does not exist")),
            "{t:?}"
        );
        assert_eq!(t.confirmed, 0);
        assert_eq!(results[0].level(), Level::Problem);
        no_temporaries_left(&fake);
    }

    #[tokio::test]
    async fn an_alarm_in_alarm_is_passed_over_and_a_muted_route_is_not_drilled() {
        let (fake, aws) = account().await;
        for n in ["shop-staging-a", "shop-staging-b"] {
            aws.cloudwatch()
                .put_metric_alarm(&alarm(n, false))
                .await
                .unwrap();
        }
        set_state(&fake, "shop-staging-a", AlarmState::Alarm);
        set_state(&fake, "shop-staging-b", AlarmState::Ok);
        let r = route(
            &[("shop-staging-a", false), ("shop-staging-b", false)],
            false,
        );
        let results = drill(&aws, std::slice::from_ref(&r), &options(&fake)).await;
        assert_eq!(results[0].drilled.as_ref().unwrap().alarm, "shop-staging-b");
        assert_eq!(results[0].level(), Level::Warning); // the pending e-mail
        // The alarm really in ALARM was not touched.
        assert_eq!(
            fake.with_state(|s| s.state_of("shop-staging-a")),
            AlarmState::Alarm
        );
        // Now a mute rule covers b for the next hour: nothing is drilled,
        // and nothing is sent.
        let now = chrono::DateTime::from_timestamp(fake.now_ms() / 1000, 0).unwrap();
        let at = (now - chrono::Duration::minutes(5)).format("%Y-%m-%dT%H:%M");
        let rule: AlarmMuteRule = serde_json::from_value(serde_json::json!({
            "Name": "shop-staging-deploy",
            "Rule": {"Schedule": {"Expression": format!("at({at})"), "Duration": "PT1H", "Timezone": "UTC"}},
            "MuteTargets": {"AlarmNames": ["shop-staging-b"]},
        }))
        .unwrap();
        aws.cloudwatch().put_alarm_mute_rule(&rule).await.unwrap();
        let before = fake.with_state(|s| s.published.len());
        let results = drill(&aws, &[r], &options(&fake)).await;
        assert_eq!(
            results[0].drilled,
            Err(NotDrilled::Muted {
                rules: vec!["shop-staging-deploy".into()]
            })
        );
        assert_eq!(results[0].level(), Level::Warning);
        assert_eq!(fake.with_state(|s| s.published.len()), before);
        no_temporaries_left(&fake);
    }

    #[tokio::test]
    async fn a_composite_is_set_back_by_the_drill_and_says_so() {
        let (fake, aws) = account().await;
        let mut child = alarm("shop-staging-a", false);
        child.alarm_actions.clear();
        aws.cloudwatch().put_metric_alarm(&child).await.unwrap();
        let c: CompositeAlarm = serde_json::from_value(serde_json::json!({
            "AlarmName": "shop-staging-checkout-down",
            "AlarmRule": "ALARM(\"shop-staging-a\")",
            "ActionsEnabled": true,
            "AlarmActions": [TOPIC],
        }))
        .unwrap();
        aws.cloudwatch().put_composite_alarm(&c).await.unwrap();
        set_state(&fake, "shop-staging-checkout-down", AlarmState::Ok);
        let results = drill(
            &aws,
            &[route(&[("shop-staging-checkout-down", true)], false)],
            &options(&fake),
        )
        .await;
        assert!(matches!(
            results[0].topics[0].alarm,
            Some(Delivery::Delivered { .. })
        ));
        assert!(
            results[0]
                .restored
                .as_deref()
                .unwrap()
                .contains("composite alarm changes state only when one of its children does")
        );
        assert_eq!(
            fake.with_state(|s| s.state_of("shop-staging-checkout-down")),
            AlarmState::Ok
        );
        assert!(matches!(
            fake.with_state(|s| s.alarms.get("shop-staging-checkout-down").cloned()),
            Some((LiveAlarm::Composite(_), _))
        ));
    }

    #[tokio::test]
    async fn a_failed_drill_still_sets_the_alarm_back_and_removes_its_queues() {
        let (fake, aws) = account().await;
        aws.cloudwatch()
            .put_metric_alarm(&alarm("shop-staging-cart-errors", false))
            .await
            .unwrap();
        set_state(&fake, "shop-staging-cart-errors", AlarmState::Ok);
        fake.fail("ReceiveMessage", "AccessDenied", "not allowed");
        let opts = options(&fake);
        let temps = Mutex::new(Temporaries::default());
        let r = run(
            &aws,
            &[route(&[("shop-staging-cart-errors", false)], false)],
            &opts,
            &temps,
            &mut |_| {},
        )
        .await;
        assert!(r.is_err());
        assert!(cleanup(&aws, &opts.run, &temps).await.is_empty());
        assert_eq!(
            fake.with_state(|s| s.state_of("shop-staging-cart-errors")),
            AlarmState::Ok
        );
        no_temporaries_left(&fake);
    }

    #[tokio::test]
    async fn leftovers_of_a_killed_drill_are_removed_and_a_running_one_is_not() {
        let (fake, aws) = account().await;
        let now = fake.now_ms() / 1000;
        let tags = |env: &str, started: i64| {
            vec![
                Tag {
                    key: ENV_TAG.into(),
                    value: env.into(),
                },
                Tag {
                    key: STARTED_TAG.into(),
                    value: started.to_string(),
                },
            ]
        };
        let mut arns = Vec::new();
        for (name, env, started) in [
            ("obsctl-drill-old-1", "shop-staging-", now - 7200),
            ("obsctl-drill-new-1", "shop-staging-", now - 60),
            ("obsctl-drill-other-1", "shop-prod-", now - 7200),
        ] {
            let url = aws
                .queues()
                .create_queue(name, &BTreeMap::new(), &tags(env, started))
                .await
                .unwrap();
            let arn = aws.queues().queue_attributes(&url).await.unwrap()["QueueArn"].clone();
            aws.sns()
                .subscribe(TOPIC, "sqs", &arn, &BTreeMap::new())
                .await
                .unwrap();
            arns.push(arn);
        }
        // A subscription whose queue is already gone.
        aws.sns()
            .subscribe(
                TOPIC,
                "sqs",
                "arn:aws:sqs:us-east-1:123456789012:obsctl-drill-gone-1",
                &BTreeMap::new(),
            )
            .await
            .unwrap();
        let (removed, failures) =
            remove_leftovers(&aws, "shop-staging-", &[TOPIC.to_string()], now)
                .await
                .unwrap();
        assert_eq!(removed, vec!["obsctl-drill-old-1".to_string()]);
        assert!(failures.is_empty());
        let left: Vec<String> = fake.with_state(|s| {
            s.subscriptions
                .iter()
                .filter(|(_, sub, _)| sub.protocol == "sqs")
                .map(|(_, sub, _)| sub.endpoint.clone())
                .collect()
        });
        assert_eq!(left, vec![arns[1].clone(), arns[2].clone()]);
        assert_eq!(fake.with_state(|s| s.queues.len()), 2);
    }
}
