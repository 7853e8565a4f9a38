//! The core of plan and apply — live reading, ownership, diff, ordering,
//! retries — against the in-memory fake of the AWS traits.

use obsctl::apply::{ApplyReport, apply};
use obsctl::aws::fake::FakeAws;
use obsctl::aws::{Aws, LiveAlarm};
use obsctl::catalogue::{self};
use obsctl::compile::{DesiredState, compile_with_account};
use obsctl::plan::{Action, Plan};
use obsctl::resource::{Kind, Resource, Tag};
use obsctl::run::make_plan;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn secrets(name: &str) -> Option<String> {
    match name {
        "ALERT_EMAIL" => Some("ops@example.com".into()),
        "SLACK_WEBHOOK_URL" => Some("https://hooks.slack.example/T000/B000/SECRETTOKEN".into()),
        n if n.starts_with("PAGERDUTY") => {
            Some(format!("https://events.pagerduty.example/{n}/SECRETKEY"))
        }
        "SLACK_WARNINGS_WEBHOOK_URL" => {
            Some("https://hooks.slack.example/T000/B001/SECRETTOKEN".into())
        }
        _ => None,
    }
}

fn desired_with(
    dir: &Path,
    env: &str,
    edit: impl FnOnce(&mut catalogue::Catalogue),
) -> DesiredState {
    let (mut cat, mut problems) = catalogue::load(dir).unwrap();
    edit(&mut cat);
    catalogue::validate::validate(&cat, &mut problems);
    let mut states = compile_with_account(&cat, Some(env), Some("123456789012"), &mut problems);
    assert!(problems.is_empty(), "{:?}", problems.0);
    states.pop().unwrap()
}

fn desired(cat: &str, env: &str) -> DesiredState {
    desired_with(&root().join("definitions").join(cat), env, |_| {})
}

fn all() -> BTreeSet<Kind> {
    Kind::ALL.into_iter().collect()
}

async fn plan(aws: &Aws, d: &DesiredState) -> Plan {
    make_plan(aws, d, &all(), &secrets).await.unwrap()
}

async fn run(aws: &Aws, p: &Plan) -> ApplyReport {
    apply(aws, p, &secrets, &mut |_, _| {}).await
}

fn keys(p: &Plan, action: Action) -> Vec<String> {
    p.changes
        .iter()
        .filter(|c| c.action == action)
        .map(|c| format!("{}/{}", c.kind, c.key))
        .collect()
}

#[tokio::test]
async fn apply_then_plan_is_empty_for_both_catalogues() {
    for (cat, env) in [
        ("cat-house", "staging"),
        ("cat-house", "production"),
        ("bookstore", "staging"),
        ("bookstore", "production"),
    ] {
        let fake = FakeAws::default();
        let aws = fake.aws();
        let d = desired(cat, env);
        let first = plan(&aws, &d).await;
        assert_eq!(
            first.count(Action::Create),
            d.resources.len(),
            "{cat}/{env}"
        );
        let report = run(&aws, &first).await;
        assert!(report.failed.is_empty(), "{cat}/{env}: {:?}", report.failed);
        let second = plan(&aws, &d).await;
        assert!(
            second.is_empty(),
            "{cat}/{env} not converged: {:#?}",
            second.changes
        );
        assert_eq!(second.unchanged, d.resources.len());
    }
}

#[tokio::test]
async fn console_edits_show_as_exact_field_updates_and_apply_restores_them() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging");
    run(&aws, &plan(&aws, &d).await).await;
    let alarm = "cat-house-staging-auth-service-high-cpu";
    let dashboard = "cat-house-staging-service-health";
    {
        let mut s = fake.state.lock().unwrap();
        if let Some((LiveAlarm::Metric(a), _)) = s.alarms.get_mut(alarm) {
            a.threshold = Some(95.0);
        }
        // A console edit: other key order, whitespace, the "." shorthand, a new title.
        let body: serde_json::Value = serde_json::from_str(&s.dashboards[dashboard]).unwrap();
        let mut widgets = body["widgets"].as_array().unwrap().clone();
        widgets[1]["properties"]["title"] = "Health (edited)".into();
        let rows = widgets[1]["properties"]["metrics"].as_array_mut().unwrap();
        rows[1] = serde_json::json!([".", ".", ".", "catalog-service"]);
        let edited = format!(
            "{{ \"widgets\" : {} }}",
            serde_json::to_string_pretty(&widgets).unwrap()
        );
        s.dashboards.insert(dashboard.to_string(), edited);
    }
    let p = plan(&aws, &d).await;
    assert_eq!(
        keys(&p, Action::Update),
        vec![
            format!("metric-alarms/{alarm}"),
            format!("dashboards/{dashboard}")
        ]
    );
    assert_eq!(p.changes.len(), 2);
    let fields: Vec<(String, String, String)> = p
        .changes
        .iter()
        .flat_map(|c| {
            c.fields.iter().map(|f| {
                (
                    f.path.clone(),
                    f.before.clone().unwrap().to_string(),
                    f.after.clone().unwrap().to_string(),
                )
            })
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("Threshold".into(), "95".into(), "80".into()),
            (
                "widgets[1].properties.title".into(),
                "\"Health (edited)\"".into(),
                "\"Service Health Status\"".into()
            )
        ]
    );
    assert!(run(&aws, &p).await.failed.is_empty());
    assert!(plan(&aws, &d).await.is_empty());
}

#[tokio::test]
async fn only_owned_resources_are_touched() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging");
    run(&aws, &plan(&aws, &d).await).await;
    let foreign = {
        let mut s = fake.state.lock().unwrap();
        let template = match &s.alarms["cat-house-staging-auth-service-high-cpu"].0 {
            LiveAlarm::Metric(a) => a.clone(),
            LiveAlarm::Composite(_) => unreachable!(),
        };
        for (name, tags) in [
            ("someone-elses-alarm", vec![]),
            (
                "cat-house-staging-hand-made",
                vec![Tag {
                    key: "team".into(),
                    value: "x".into(),
                }],
            ),
        ] {
            let mut a = template.clone();
            a.alarm_name = name.to_string();
            s.alarms
                .insert(name.to_string(), (LiveAlarm::Metric(a), tags));
        }
        // Same name as a catalogue alarm, but not tagged by obsctl: a conflict.
        let owned = s
            .alarms
            .get_mut("cat-house-staging-auth-service-high-memory")
            .unwrap();
        owned.1.clear();
        s.dashboards
            .insert("someone-elses-dashboard".into(), "{\"widgets\":[]}".into());
        (
            s.alarms.clone(),
            s.dashboards["someone-elses-dashboard"].clone(),
        )
    };
    let p = plan(&aws, &d).await;
    assert!(p.is_empty(), "{:#?}", p.changes);
    let conflicts: Vec<&str> = p.conflicts.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(
        conflicts,
        vec![
            "cat-house-staging-auth-service-high-memory",
            "cat-house-staging-hand-made"
        ]
    );
    run(&aws, &p).await;
    let s = fake.state.lock().unwrap();
    for name in [
        "someone-elses-alarm",
        "cat-house-staging-hand-made",
        "cat-house-staging-auth-service-high-memory",
    ] {
        assert_eq!(
            s.alarms.get(name),
            foreign.0.get(name),
            "{name} was touched"
        );
    }
    assert_eq!(s.dashboards["someone-elses-dashboard"], foreign.1);
}

#[tokio::test]
async fn removing_a_service_deletes_exactly_its_resources() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let dir = root().join("definitions/cat-house");
    run(
        &aws,
        &plan(&aws, &desired_with(&dir, "staging", |_| {})).await,
    )
    .await;
    let smaller = desired_with(&dir, "staging", |c| {
        c.services.remove("proxy-service");
    });
    let p = plan(&aws, &smaller).await;
    let deleted = keys(&p, Action::Delete);
    assert_eq!(
        deleted.len(),
        8,
        "6 alarms and 2 metric filters: {deleted:#?}"
    );
    assert!(
        deleted.iter().all(|k| k.contains("proxy-service")),
        "{deleted:#?}"
    );
    assert!(keys(&p, Action::Create).is_empty());
    // Dashboards and queries that listed the service are updated, not deleted.
    assert!(
        keys(&p, Action::Update)
            .iter()
            .all(|k| k.starts_with("dashboards/") || k.starts_with("query-definitions/"))
    );
    assert!(run(&aws, &p).await.failed.is_empty());
    assert!(plan(&aws, &smaller).await.is_empty());
    let s = fake.state.lock().unwrap();
    assert!(!s.alarms.keys().any(|k| k.contains("proxy-service")));
    assert_eq!(s.alarms.len(), 24);
}

#[tokio::test]
async fn throttling_is_retried_and_apply_completes() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("bookstore", "production");
    fake.throttle("PutMetricAlarm", 5);
    fake.throttle("PutCompositeAlarm", 2);
    fake.throttle("DescribeAlarms", 1);
    let report = run(&aws, &plan(&aws, &d).await).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let stats = aws.stats.snapshot();
    assert_eq!(stats["cloudwatch:PutMetricAlarm"].throttled, 5);
    assert_eq!(stats["cloudwatch:DescribeAlarms"].throttled, 1);
    assert!(plan(&aws, &d).await.is_empty());
}

#[tokio::test]
async fn partial_failure_goes_on_and_a_rerun_converges() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging");
    fake.throttle("PutDashboard", 1000);
    let report = run(&aws, &plan(&aws, &d).await).await;
    assert_eq!(report.failed.len(), 4, "the four dashboards fail");
    assert!(
        report
            .failed
            .iter()
            .all(|(c, e)| c.kind == Kind::Dashboard && e.code == "Throttling")
    );
    assert_eq!(
        report.done,
        d.resources.len() - 4,
        "independent changes went on"
    );
    fake.throttle("PutDashboard", 0);
    let p = plan(&aws, &d).await;
    assert_eq!(keys(&p, Action::Create).len(), 4);
    assert!(run(&aws, &p).await.failed.is_empty());
    assert!(plan(&aws, &d).await.is_empty());
}

#[tokio::test]
async fn pending_subscriptions_are_not_recreated_and_secrets_stay_out_of_plans() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging");
    let first = plan(&aws, &d).await;
    let json = serde_json::to_string(&first).unwrap();
    assert!(!json.contains("SECRETTOKEN") && json.contains("${env:SLACK_WEBHOOK_URL}"));
    let report = run(&aws, &first).await;
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("pending confirmation")),
        "{:?}",
        report.notes
    );
    let second = plan(&aws, &d).await;
    assert!(second.is_empty());
    assert!(
        second
            .notes
            .iter()
            .any(|n| n.contains("pending confirmation"))
    );
    let json = serde_json::to_string(&second).unwrap();
    assert!(!json.contains("SECRETTOKEN") && !json.contains("ops@example.com/"));
}

#[tokio::test]
async fn a_changed_live_state_changes_the_fingerprint() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging");
    run(&aws, &plan(&aws, &d).await).await;
    let before = plan(&aws, &d).await.live_fingerprint;
    assert_eq!(
        plan(&aws, &d).await.live_fingerprint,
        before,
        "stable while nothing moves"
    );
    fake.state.lock().unwrap().dashboards.insert(
        "cat-house-staging-business".into(),
        "{\"widgets\":[]}".into(),
    );
    assert_ne!(plan(&aws, &d).await.live_fingerprint, before);
}

#[tokio::test]
async fn only_and_except_restrict_reads_and_changes() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging");
    let only: BTreeSet<Kind> = [Kind::Dashboard].into_iter().collect();
    let p = make_plan(&aws, &d, &only, &secrets).await.unwrap();
    assert!(p.changes.iter().all(|c| c.kind == Kind::Dashboard));
    assert_eq!(p.changes.len(), 4);
    let calls = aws.stats.snapshot();
    assert!(
        calls.keys().all(|api| api.contains("Dashboard")),
        "{calls:?}"
    );
}

#[tokio::test]
async fn planning_1000_services_needs_one_describe_alarms_call_per_100_alarms() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    obsctl::generate::write_catalogue(&dir, 1000).unwrap();
    let d = desired_with(&dir, "staging", |_| {});
    let fake = FakeAws::default();
    let aws = fake.aws();
    let report = run(&aws, &plan(&aws, &d).await).await;
    assert!(report.failed.is_empty());
    let alarms = d.count(Kind::MetricAlarm) + d.count(Kind::CompositeAlarm);
    assert_eq!(alarms, 5000);
    let planner = fake.aws();
    let p = plan(&planner, &d).await;
    assert!(p.is_empty());
    let calls = planner.stats.calls("cloudwatch:DescribeAlarms");
    assert!(
        calls as usize <= alarms.div_ceil(100),
        "{calls} DescribeAlarms calls for {alarms} alarms"
    );
    assert_eq!(calls, 50);
}

#[tokio::test]
async fn composites_are_created_after_their_children_and_deleted_first() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let dir = root().join("definitions/bookstore");
    // The fake rejects a composite whose children do not exist yet.
    assert!(
        run(
            &aws,
            &plan(&aws, &desired_with(&dir, "staging", |_| {})).await
        )
        .await
        .failed
        .is_empty()
    );
    // Remove every composite and its children at once: the fake refuses to
    // delete a child that a composite still references.
    let without = desired_with(&dir, "staging", |c| {
        c.alarms.retain(|name, _| {
            ![
                "service-unhealthy",
                "checkout-outage",
                "service-down",
                "high-error-rate",
            ]
            .contains(&name.as_str())
        });
    });
    let p = plan(&aws, &without).await;
    let report = run(&aws, &p).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(plan(&aws, &without).await.is_empty());
    assert!(
        fake.state
            .lock()
            .unwrap()
            .alarms
            .values()
            .all(|(a, _)| !matches!(a, LiveAlarm::Composite(_)))
    );
    let _ = Resource::Topic;
}
