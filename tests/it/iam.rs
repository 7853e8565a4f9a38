//! The generated IAM policies are sufficient and minimal: every call plan and
//! apply make through the in-memory fake (action and the resource ARN IAM
//! authorizes it against, recorded by the fake) is allowed by the policy
//! `obsctl iam-policy` generates, checked by a small offline evaluator of
//! Allow statements with wildcards; and the policy holds no action the
//! recorded runs never needed (or AWS does not require for one they made).
//! Runs: first apply, an update touching every kind's write API and tags,
//! tag removal, and a prune of everything, for both seed catalogues and a
//! generated one; each apply under the apply lock, one of them taking over
//! the lock of a killed apply, and the plans while another apply holds it.

use crate::support::{all_kinds, desired, locked_apply, plan};
use obsctl::aws::fake::FakeAws;
use obsctl::compile::DesiredState;
use obsctl::iam::{self, Purpose};
use obsctl::lock::{Holder, Locks};
use obsctl::plan::Plan;
use obsctl::resource::{Kind, Resource, Tag};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// Plans and applies `d` under the apply lock; every endpoint then
/// confirms its subscription.
async fn converge(fake: &FakeAws, d: &DesiredState) -> Plan {
    let aws = fake.aws();
    let (p, report) = locked_apply(&aws, d).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
    let endpoints: Vec<String> = fake
        .state
        .lock()
        .unwrap()
        .subscriptions
        .iter()
        .map(|(_, s, _)| s.endpoint.clone())
        .collect();
    for e in endpoints {
        fake.confirm(&e);
    }
    p
}

/// A console edit: a filter policy on every subscription (obsctl clears it).
fn filter_subscriptions(fake: &FakeAws) {
    for (_, _, attributes) in fake.state.lock().unwrap().subscriptions.iter_mut() {
        attributes.insert("FilterPolicy".into(), r#"{"a":["b"]}"#.into());
        attributes.insert("FilterPolicyScope".into(), "MessageAttributes".into());
    }
}

fn tag(key: &str) -> Tag {
    Tag {
        key: key.into(),
        value: "x".into(),
    }
}

/// Edits one resource of every kind, and adds a tag to every taggable one.
fn updated(d: &DesiredState) -> DesiredState {
    let mut d = d.clone();
    let mut seen = BTreeSet::new();
    for ((kind, _), r) in d.resources.iter_mut() {
        let first = seen.insert(*kind);
        match r {
            Resource::MetricAlarm(a) => {
                a.tags.push(tag("team"));
                if first {
                    a.alarm_description = Some("edited".into());
                }
            }
            Resource::CompositeAlarm(a) => {
                a.tags.push(tag("team"));
                if first {
                    a.alarm_description = Some("edited".into());
                }
            }
            Resource::Dashboard(x) => {
                x.tags.push(tag("team"));
                if first {
                    let mut body = x.body.value();
                    body["periodOverride"] = Value::String("inherit".into());
                    x.body = body.into();
                }
            }
            Resource::Topic(t) => {
                t.tags.push(tag("team"));
                if first {
                    t.attributes.insert("DisplayName".into(), "Edited".into());
                }
            }
            Resource::MetricFilter(f) if first => f.filter_pattern = "\"edited\"".into(),
            Resource::QueryDefinition(q) if first => q.query_string.push_str(" | limit 5"),
            Resource::AlarmMuteRule(m) => {
                m.tags.push(tag("team"));
                if first {
                    m.rule.schedule.duration = "PT1H".into();
                }
            }
            _ => {}
        }
    }
    for r in d.resources.values_mut() {
        match r {
            Resource::MetricAlarm(a) => a.tags.sort(),
            Resource::CompositeAlarm(a) => a.tags.sort(),
            Resource::Dashboard(x) => x.tags.sort(),
            Resource::Topic(t) => t.tags.sort(),
            Resource::AlarmMuteRule(m) => m.tags.sort(),
            _ => {}
        }
    }
    d
}

/// Everything removed but the log groups (obsctl never deletes those).
fn pruned(d: &DesiredState) -> DesiredState {
    let mut d = d.clone();
    d.resources.retain(|(k, _), _| *k == Kind::LogGroup);
    d
}

fn check(name: &str, d: &DesiredState) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let fake = FakeAws::default();
    let mut first_apply = BTreeSet::new();
    let lock = |aws: &obsctl::aws::Aws| Locks::new(aws, &d.project, &d.env);
    let me = Holder::this_process(&d.catalogue, &d.env);
    let reads: BTreeSet<(String, String)> = rt.block_on(async {
        converge(&fake, d).await;
        // Another apply is running while the CI role plans.
        let aws = fake.aws();
        let other = lock(&aws)
            .acquire(&me, Duration::ZERO, &mut |_| {})
            .await
            .unwrap();
        first_apply = std::mem::take(&mut fake.state.lock().unwrap().authorized);
        // A plan of the deployed environment: the reads a CI role makes,
        // and the look at the lock `obsctl plan` adds.
        plan(&aws, d).await;
        assert!(lock(&aws).running().await.unwrap().is_some());
        // ... and again while the tagging index has nothing yet (it lags):
        // tags are then read one by one.
        fake.state.lock().unwrap().empty_index = true;
        plan(&aws, d).await;
        fake.state.lock().unwrap().empty_index = false;
        let reads = fake.state.lock().unwrap().authorized.clone();
        other.release().await.unwrap();
        reads
    });
    let mut calls: BTreeSet<(String, String)> = rt.block_on(async {
        let up = updated(d);
        filter_subscriptions(&fake);
        converge(&fake, &up).await;
        converge(&fake, d).await; // tags removed again
        // An apply killed while holding the lock: the next one takes over
        // its lock once it expired.
        let aws = fake.aws();
        drop(
            lock(&aws)
                .acquire(&me, Duration::ZERO, &mut |_| {})
                .await
                .unwrap(),
        );
        fake.age_log_streams(Duration::from_secs(600));
        converge(&fake, &pruned(d)).await;
        converge(&fake, d).await; // first apply again, on a pruned account
        fake.state.lock().unwrap().authorized.clone()
    });
    calls.extend(first_apply);
    for (purpose, recorded) in [(Purpose::Plan, &reads), (Purpose::Apply, &calls)] {
        let policy = iam::policy(d, purpose, &all_kinds());
        let denied: Vec<&(String, String)> = recorded
            .iter()
            .filter(|(action, resource)| !iam::allows(&policy, action, resource))
            .collect();
        assert!(
            denied.is_empty(),
            "{name} {purpose:?}: denied {denied:#?}\npolicy {policy:#}"
        );
        let made: BTreeSet<&str> = recorded.iter().map(|(a, _)| a.as_str()).collect();
        for row in iam::rows(d, purpose, &all_kinds()) {
            // Deletes, and the reads that find what to delete, are granted
            // for every kind in scope, so that removing the last resource of
            // a kind from the catalogue still prunes it.
            let kind_absent = row
                .kinds()
                .iter()
                .all(|k| !d.resources.keys().any(|(kind, _)| kind == k));
            if (row.action.contains(":Delete") || row.purpose == Purpose::Plan) && kind_absent {
                continue;
            }
            let needed = made.contains(row.action)
                || (!row.implied_by.is_empty()
                    && row.implied_by.split([' ', ',']).any(|w| {
                        PREFIXES
                            .iter()
                            .any(|p| made.contains(format!("{p}:{w}").as_str()))
                    }));
            assert!(
                needed,
                "{name} {purpose:?}: {} is granted but never needed",
                row.action
            );
        }
    }
}

const PREFIXES: [&str; 3] = ["cloudwatch", "logs", "sns"];

#[test]
fn policies_allow_every_call_and_nothing_more_for_the_seeds() {
    for cat in ["bookstore", "cat-house"] {
        let d = desired(cat, "staging", |_| {});
        check(cat, &d);
    }
    // Bookstore's production has a mute window: PutAlarmMuteRule is
    // authorized against the rule and every alarm it targets.
    check(
        "bookstore production",
        &desired("bookstore", "production", |_| {}),
    );
}

#[test]
fn policies_allow_every_call_and_nothing_more_for_a_generated_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("gen");
    obsctl::generate::write_catalogue(&cat, 4).unwrap();
    check("generated", &desired(&cat, "staging", |_| {}));
}

#[test]
fn a_policy_denies_another_environment_and_other_actions() {
    let d = desired("bookstore", "staging", |_| {});
    let policy = iam::policy(&d, Purpose::Apply, &all_kinds());
    let arn = |name: &str| format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}");
    assert!(iam::allows(
        &policy,
        "cloudwatch:PutMetricAlarm",
        &arn("bookstore-staging-x")
    ));
    assert!(!iam::allows(
        &policy,
        "cloudwatch:PutMetricAlarm",
        &arn("bookstore-production-x")
    ));
    assert!(!iam::allows(&policy, "cloudwatch:DeleteDashboards", "*"));
    assert!(!iam::allows(&policy, "iam:PassRole", "*"));
    let plan = iam::policy(&d, Purpose::Plan, &all_kinds());
    assert!(!iam::allows(
        &plan,
        "cloudwatch:PutMetricAlarm",
        &arn("bookstore-staging-x")
    ));
    // --only narrows it like plan and apply.
    let only: BTreeSet<Kind> = [Kind::Dashboard].into();
    let dashboards = iam::policy(&d, Purpose::Apply, &only);
    let text = dashboards.to_string();
    assert!(text.contains("cloudwatch:PutDashboard") && !text.contains("sns:"));
}

/// Issue 23: `iam-policy --for import` allows every call `obsctl import`
/// makes — plan's reads under the prefix, the tags of a hand-made alarm
/// outside it (`--names`), the events of the log groups its JSON audit
/// samples — and holds no write.
#[test]
fn the_import_policy_allows_every_call_import_makes() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let kinds: BTreeSet<Kind> = all_kinds()
        .into_iter()
        .filter(|k| *k != Kind::LogGroup)
        .collect();
    let re = regex::Regex::new("^HandMade-").unwrap();
    for (cat, env) in [("bookstore", "production"), ("cat-house", "staging")] {
        let d = desired(cat, env, |_| {});
        let fake = FakeAws::default();
        rt.block_on(converge(&fake, &d));
        let aws = fake.aws();
        // An alarm made by hand under a name of its own.
        let Some(Resource::MetricAlarm(a)) = d
            .resources
            .values()
            .find(|r| matches!(r, Resource::MetricAlarm(_)))
        else {
            panic!("{cat} has metric alarms")
        };
        let mut hand_made = (**a).clone();
        hand_made.alarm_name = "HandMade-latency".into();
        hand_made.tags.clear();
        rt.block_on(aws.cloudwatch().put_metric_alarm(&hand_made))
            .unwrap();
        rt.block_on(
            aws.sns()
                .create_topic("HandMade-pager", &Default::default(), &[]),
        )
        .unwrap();
        rt.block_on(
            aws.cloudwatch()
                .put_dashboard(&obsctl::resource::Dashboard {
                    dashboard_name: "HandMade-board".into(),
                    body: serde_json::json!({"widgets": []}).into(),
                    tags: vec![],
                }),
        )
        .unwrap();
        // A space-delimited filter: the JSON audit samples its log group.
        if let Some(Resource::MetricFilter(f)) = d
            .resources
            .values()
            .find(|r| matches!(r, Resource::MetricFilter(_)))
        {
            let mut delimited = (**f).clone();
            delimited.filter_name = format!("{}delimited", d.prefix);
            delimited.filter_pattern = "[ip, user, status = 5*, ...]".into();
            rt.block_on(aws.logs().put_metric_filter(&delimited))
                .unwrap();
        }
        fake.state.lock().unwrap().authorized.clear();
        let mut probe =
            obsctl::run::import_probe(&d.prefix, env, Some(d.region.clone()), None).unwrap();
        probe.account = d.account.clone();
        let (live, _, _) = rt
            .block_on(obsctl::run::import_read(&aws, &probe, &kinds, Some(&re)))
            .unwrap();
        assert!(
            live.resources
                .contains_key(&(Kind::MetricAlarm, "HandMade-latency".to_string())),
            "{cat}: the hand-made alarm is read"
        );
        assert!(
            live.resources
                .contains_key(&(Kind::Topic, "HandMade-pager".to_string())),
            "{cat}: the hand-made topic is read"
        );
        assert!(
            live.resources
                .contains_key(&(Kind::Dashboard, "HandMade-board".to_string())),
            "{cat}: the hand-made dashboard is read"
        );
        let calls = fake.state.lock().unwrap().authorized.clone();
        let policy = iam::policy(&probe, Purpose::Import, &kinds);
        let denied: Vec<&(String, String)> = calls
            .iter()
            .filter(|(action, resource)| !iam::allows(&policy, action, resource))
            .collect();
        assert!(denied.is_empty(), "{cat}: denied {denied:#?}\n{policy:#}");
        assert!(
            calls
                .iter()
                .any(|(a, r)| a == "cloudwatch:ListTagsForResource"
                    && r.ends_with(":alarm:HandMade-latency")),
            "{cat}: the hand-made alarm's tags are read"
        );
        if cat == "cat-house" {
            assert!(
                calls
                    .iter()
                    .any(|(a, _)| a == "logs:GetLogEvents" || a == "logs:DescribeLogStreams"),
                "{cat}: the JSON audit samples the delimited filter's group: {calls:#?}"
            );
        }
        for row in iam::rows(&probe, Purpose::Import, &kinds) {
            let write = [
                "Put",
                "Delete",
                "Create",
                "Tag",
                "Untag",
                "Subscribe",
                "Unsubscribe",
                "Set",
            ]
            .iter()
            .any(|w| {
                row.action
                    .split(':')
                    .nth(1)
                    .is_some_and(|n| n.starts_with(w))
            });
            assert!(!write, "{cat}: the import policy writes: {}", row.action);
        }
    }
}
