//! AWS failure modes the emulator never produces, through the in-memory fake
//! (`src/aws/fake/` cites the AWS source of each behaviour): deletes
//! blocked by a composite obsctl does not own, things already gone, real
//! quotas, transient errors, concurrent writes to one log group, idempotent
//! creates of saved queries (with and without client tokens), a log group
//! deleted between plan and apply, and resources deleted between list and
//! read.

use crate::support::{desired, plan, run, try_plan};
use obsctl::aws::LiveAlarm;
use obsctl::aws::fake::FakeAws;
use obsctl::plan::Action;
use obsctl::resource::{CompositeAlarm, Kind};

fn calls(fake: &FakeAws, api: &str) -> u64 {
    fake.state
        .lock()
        .unwrap()
        .calls
        .get(api)
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_child_referenced_by_a_composite_obsctl_does_not_own_is_reported_blocked() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let full = desired("cat-house", "staging", |_| {});
    assert!(run(&aws, &plan(&aws, &full).await).await.failed.is_empty());
    // A hand-made composite alarm watches one of obsctl's alarms.
    let child = "cat-house-staging-proxy-service-high-cpu";
    fake.state.lock().unwrap().alarms.insert(
        "team-x-proxy-watch".into(),
        (
            LiveAlarm::Composite(CompositeAlarm {
                alarm_name: "team-x-proxy-watch".into(),
                alarm_description: None,
                alarm_rule: format!("ALARM(\"{child}\")"),
                actions_enabled: true,
                ok_actions: vec![],
                alarm_actions: vec![],
                insufficient_data_actions: vec![],
                actions_suppressor: None,
                actions_suppressor_wait_period: None,
                actions_suppressor_extension_period: None,
                tags: vec![],
            }),
            vec![],
        ),
    );
    let smaller = desired("cat-house", "staging", |c| {
        c.services.remove("proxy-service");
    });
    let p = plan(&aws, &smaller).await;
    assert_eq!(
        p.changes
            .iter()
            .filter(|c| c.action == Action::Delete)
            .count(),
        11
    );
    let before = calls(&fake, "DeleteAlarms");
    let report = run(&aws, &p).await;
    // Only the referenced child fails, naming the composite; the other five
    // alarms of the rejected batch are deleted one by one.
    assert_eq!(report.failed.len(), 1, "{:#?}", report.failed);
    let (c, e) = &report.failed[0];
    assert_eq!(c.key, child);
    assert_eq!(e.code, "BlockedByComposite");
    assert!(e.message.contains("team-x-proxy-watch"), "{}", e.message);
    assert_eq!(
        calls(&fake, "DeleteAlarms") - before,
        1 + 6,
        "one batch, then one call per alarm; no endless retry"
    );
    let s = fake.state.lock().unwrap();
    assert!(s.alarms.contains_key(child));
    assert_eq!(
        s.alarms
            .keys()
            .filter(|k| k.contains("proxy-service"))
            .count(),
        1
    );
}

#[tokio::test]
async fn deleting_something_already_gone_is_success() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    assert!(
        run(
            &aws,
            &plan(&aws, &desired("cat-house", "staging", |_| {})).await
        )
        .await
        .failed
        .is_empty()
    );
    let smaller = desired("cat-house", "staging", |c| {
        c.services.remove("proxy-service");
        c.dashboards.remove("business");
        c.queries.clear();
    });
    let p = plan(&aws, &smaller).await;
    // Someone else deletes everything between plan and apply.
    {
        let mut s = fake.state.lock().unwrap();
        s.alarms.retain(|k, _| !k.contains("proxy-service"));
        s.filters.retain(|(_, f), _| !f.contains("proxy-service"));
        s.dashboards.retain(|k, _| !k.ends_with("-business"));
        s.queries.clear();
    }
    let report = run(&aws, &p).await;
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    assert!(report.notes.iter().all(|n| n.ends_with("already gone")));
    assert!(!report.notes.is_empty());
    assert!(plan(&aws, &smaller).await.is_empty());
}

#[tokio::test]
async fn a_real_quota_fails_at_once_naming_the_quota() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    fake.fail(
        "PutMetricFilter",
        "LimitExceededException",
        "Resource limit exceeded.",
    );
    let d = desired("cat-house", "staging", |_| {});
    let filters = d.count(Kind::MetricFilter) as u64;
    let report = run(&aws, &plan(&aws, &d).await).await;
    assert_eq!(report.failed.len(), 1);
    let e = &report.failed[0].1;
    assert!(
        e.quota_help()
            .unwrap()
            .contains("100 metric filters per log group")
    );
    assert_eq!(
        calls(&fake, "PutMetricFilter"),
        filters,
        "the failed call was not retried"
    );
}

#[tokio::test]
async fn transient_errors_are_retried_and_apply_converges() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    for (api, code) in [
        ("Subscribe", "Throttled"),
        ("PutCompositeAlarm", "ConcurrentModificationException"),
        ("PutMetricFilter", "OperationAbortedException"),
        ("PutDashboard", "ServiceUnavailable"),
        ("PutMetricAlarm", "InternalFailure"),
        ("CreateTopic", "Throttled"),
    ] {
        fake.fail(api, code, "try again");
        fake.fail(api, code, "try again");
    }
    let d = desired("bookstore", "staging", |_| {});
    let report = run(&aws, &plan(&aws, &d).await).await;
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    assert!(plan(&aws, &d).await.is_empty());
    let retried: u64 = aws.stats().snapshot().values().map(|c| c.throttled).sum();
    assert_eq!(retried, 12, "every retry is counted");
}

#[tokio::test]
async fn writes_to_one_log_group_are_serialized() {
    // The fake fails concurrent filter writes on one log group with
    // OperationAbortedException, as CloudWatch Logs does; none may happen.
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |_| {});
    let report = run(&aws, &plan(&aws, &d).await).await;
    assert!(report.failed.is_empty());
    let stats = aws.stats().snapshot();
    assert_eq!(
        stats["logs:PutMetricFilter"].throttled, 0,
        "no aborted write"
    );
    assert_eq!(
        calls(&fake, "PutMetricFilter"),
        d.count(Kind::MetricFilter) as u64
    );
    // Deleting every filter: serialized too.
    // (With the alarms and dashboards that watch their metrics: an alarm on a
    // metric nobody publishes does not validate.)
    let none = desired("cat-house", "staging", |c| {
        c.metric_filters.clear();
        c.alarms.clear();
        c.dashboards.clear();
        for e in c.environments.values_mut() {
            e.spec.alarms.clear();
        }
        for s in c.services.values_mut() {
            s.spec.alarms.clear();
            for e in s.spec.environments.values_mut() {
                e.alarms.clear();
            }
        }
    });
    let report = run(&aws, &plan(&aws, &none).await).await;
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    assert_eq!(
        aws.stats().snapshot()["logs:DeleteMetricFilter"].throttled,
        0
    );
}

#[tokio::test]
async fn a_repeated_saved_query_create_makes_no_duplicate() {
    // An apply whose answers were lost is repeated with the same plan: the
    // client tokens make AWS return the first definitions.
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |_| {});
    let p = plan(&aws, &d).await;
    run(&aws, &p).await;
    run(&aws, &p).await;
    assert_eq!(
        fake.state.lock().unwrap().queries.len(),
        d.count(Kind::QueryDefinition)
    );
    assert!(plan(&aws, &d).await.is_empty());
}

#[tokio::test]
async fn a_log_group_deleted_after_the_plan_fails_its_filters_as_aws_does_and_nothing_else() {
    // PutMetricFilter on a missing log group: ResourceNotFoundException on
    // AWS (the emulator accepts it). A group another team deletes between
    // plan and apply fails exactly its filters; the next plan sees it.
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |c| {
        if let Some(e) = c.environments.get_mut("staging") {
            e.spec.log_groups = obsctl::catalogue::model::LogGroupMode::Require;
            e.spec.log_retention_days = None;
        }
    });
    for g in d.log_group_users.keys() {
        fake.state
            .lock()
            .unwrap()
            .log_groups
            .insert(g.clone(), (vec![], None));
    }
    let p = plan(&aws, &d).await;
    let gone = "/ecs/cat-house/staging/proxy-service";
    fake.state.lock().unwrap().log_groups.remove(gone);
    let report = run(&aws, &p).await;
    let failed: Vec<(&str, &str)> = report
        .failed
        .iter()
        .map(|(c, e)| (c.key.as_str(), e.code.as_str()))
        .collect();
    let expected: Vec<(String, &str)> = [
        "ClientErrorCount",
        "ErrorCount",
        "RequestCount",
        "RequestLatency",
        "ServerErrorCount",
    ]
    .iter()
    .map(|f| {
        (
            format!("/ecs/cat-house/staging/proxy-service:cat-house-staging-proxy-service-{f}"),
            "ResourceNotFoundException",
        )
    })
    .collect();
    let failed: Vec<(String, &str)> = failed
        .into_iter()
        .map(|(k, c)| (k.to_string(), c))
        .collect();
    assert_eq!(failed, expected);
    assert_eq!(calls(&fake, "PutMetricFilter"), 25, "not retried");
    let again = try_plan(&aws, &d).await;
    assert!(
        matches!(again, Err(obsctl::error::Error::Blocked { ref blockers, .. }) if blockers.len() == 1),
        "{again:?}"
    );
}

#[tokio::test]
async fn lost_answers_of_creates_make_no_duplicates_even_without_client_tokens() {
    // The connection drops after AWS made the saved query (or log group):
    // obsctl must not make a second one, and must not rely on the client
    // token (the emulator ignores it).
    let fake = FakeAws::default();
    let aws = fake.aws();
    {
        let mut s = fake.state.lock().unwrap();
        s.ignore_client_tokens = true;
        s.lost_answers.insert("PutQueryDefinition".into(), 5);
        s.lost_answers.insert("CreateLogGroup".into(), 2);
    }
    let d = desired("cat-house", "staging", |_| {});
    let report = run(&aws, &plan(&aws, &d).await).await;
    assert!(report.failed.is_empty(), "{:#?}", report.failed);
    {
        let s = fake.state.lock().unwrap();
        assert_eq!(
            s.queries.len(),
            d.count(Kind::QueryDefinition),
            "no duplicates"
        );
        assert_eq!(s.log_groups.len(), d.count(Kind::LogGroup));
        assert!(
            s.log_groups.values().all(|(_, r)| *r == Some(30)),
            "retention set even when the create's answer was lost: {:?}",
            s.log_groups
        );
    }
    assert!(plan(&aws, &d).await.is_empty());
}

#[tokio::test]
async fn resources_deleted_between_list_and_read_are_gone_not_errors() {
    let fake = FakeAws::default();
    let aws = fake.aws();
    let d = desired("cat-house", "staging", |_| {});
    assert!(run(&aws, &plan(&aws, &d).await).await.failed.is_empty());
    {
        let mut s = fake.state.lock().unwrap();
        for name in [
            "cat-house-staging-auth-service-high-cpu",
            "cat-house-staging-service-health",
            "cat-house-staging-info-alerts",
        ] {
            s.vanish.insert(name.to_string());
        }
    }
    let p = plan(&aws, &d).await;
    let mut created: Vec<String> = p
        .changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .map(|c| format!("{} {}", c.kind, c.key))
        .collect();
    created.sort();
    assert_eq!(
        created,
        vec![
            "dashboards cat-house-staging-service-health",
            "metric-alarms cat-house-staging-auth-service-high-cpu",
            "subscriptions cat-house-staging-info-alerts/email/${env:ALERT_EMAIL}",
            "topics cat-house-staging-info-alerts",
        ]
    );
    assert!(run(&aws, &p).await.failed.is_empty());
    assert!(plan(&aws, &d).await.is_empty());
}
