//! `obsctl verify` through the in-memory fake: the calls it makes are the
//! floor it prints (a generated catalogue large enough to need several
//! GetMetricData calls), and the `iam-policy --for verify` policy allows
//! every call it makes and grants nothing else (but the backtest's
//! DescribeAlarmHistory).

use crate::support::{all_kinds, desired};
use obsctl::aws::fake::FakeAws;
use obsctl::diagnostic::Pos;
use obsctl::iam::{self, Purpose};
use obsctl::resource::{Dimension, Metric};
use obsctl::verify::check::{self, Level, Window};
use obsctl::verify::{queries, targets};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

fn locate(_: &obsctl::diagnostic::Origin) -> (PathBuf, Pos) {
    (PathBuf::from("x.yaml"), Pos { line: 1, column: 1 })
}

fn services(d: &obsctl::compile::DesiredState) -> BTreeSet<String> {
    d.attribution
        .values()
        .filter_map(|a| a.service.clone())
        .collect()
}

#[tokio::test]
async fn calls_are_the_floor_for_a_generated_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("gen");
    obsctl::generate::write_catalogue(&cat, 300).unwrap();
    let d = desired(&cat, "staging", |_| {});
    let t = targets::targets(&d, &locate);
    assert!(t.metrics.len() > 500, "{} metrics", t.metrics.len());
    let fake = FakeAws::default();
    let now = fake.now_ms();
    let window = Window::last(now, 3 * 3600);
    // One live metric, and every filter's log group logging.
    let live = &t.metrics[0].metric;
    fake.put_metric_value(live, window.end - 60_000, 1.0);
    for f in &t.filters {
        fake.put_log_event_at(&f.log_group, window.end - 60_000, "hello");
    }
    let aws = fake.aws();
    let mut announced = None;
    let obs = check::observe(&aws, &t, window, &services(&d), &mut |step| {
        if let check::Step::Estimate(e) = step {
            announced = Some(e.clone());
        }
    })
    .await
    .unwrap();
    let estimate = announced.unwrap();
    assert_eq!(estimate, obs.estimate);
    let calls: BTreeMap<String, u64> = aws
        .stats()
        .snapshot()
        .into_iter()
        .map(|(api, c)| (api, c.calls))
        .collect();
    assert_eq!(calls, obs.floor, "calls against the floor");
    let gmd = obs.floor["cloudwatch:GetMetricData"];
    assert_eq!(gmd, estimate.metrics_requested.div_ceil(500));
    assert!(gmd >= 2);
    eprintln!(
        "verify of {} metrics and {} filters: {calls:?}",
        t.metrics.len(),
        t.filters.len()
    );
    let (metrics, _) = check::judge(&t, &obs.observed, window, &services(&d));
    assert_eq!(metrics[0].level, Level::Ok);
}

#[tokio::test]
async fn the_verify_policy_allows_every_call_and_nothing_more() {
    for cat in ["cat-house", "bookstore"] {
        let d = desired(cat, "staging", |_| {});
        let t = targets::targets(&d, &locate);
        let fake = FakeAws::default();
        let window = Window::last(fake.now_ms(), 3 * 3600);
        // One filter's group logs; another's metric has data; the rest is
        // silent, so every kind of read happens.
        fake.put_log_event_at(&t.filters[0].log_group, window.end - 60_000, "hello");
        fake.put_metric_value(
            &Metric {
                namespace: t.filters[1].namespace.clone(),
                metric_name: t.filters[1].metric_name.clone(),
                dimensions: t.filters[1]
                    .dimensions
                    .keys()
                    .map(|n| Dimension {
                        name: n.clone(),
                        value: "x".into(),
                    })
                    .collect(),
            },
            window.end - 60_000,
            1.0,
        );
        let aws = fake.aws();
        check::observe(&aws, &t, window, &services(&d), &mut |_| {})
            .await
            .unwrap();
        let q = queries::query_targets(&d, &locate);
        for g in q.iter().flat_map(|q| &q.log_groups) {
            fake.put_log_event_at(g, window.end - 60_000, "hello");
        }
        fake.with_state(|s| s.query_polls = 2);
        let options = queries::QueryOptions {
            window: Window::last(fake.now_ms(), 900),
            max_scan: Some(1),
            poll: Duration::from_millis(1),
            timeout: Duration::from_secs(5),
        };
        queries::run(&aws, &q, &BTreeMap::new(), options)
            .await
            .unwrap();
        let recorded = fake.state.lock().unwrap().authorized.clone();
        let policy = iam::policy(&d, Purpose::Verify, &all_kinds());
        let denied: Vec<_> = recorded
            .iter()
            .filter(|(a, r)| !iam::allows(&policy, a, r))
            .collect();
        assert!(denied.is_empty(), "{cat}: denied {denied:#?}\n{policy:#}");
        let made: BTreeSet<&str> = recorded.iter().map(|(a, _)| a.as_str()).collect();
        for row in iam::rows(&d, Purpose::Verify, &all_kinds()) {
            assert!(
                made.contains(row.action) || row.action == "cloudwatch:DescribeAlarmHistory",
                "{cat}: {} is granted but never needed",
                row.action
            );
        }
        // Nothing but data reads.
        assert!(made.iter().all(|a| {
            [
                "cloudwatch:GetMetricData",
                "cloudwatch:ListMetrics",
                "logs:FilterLogEvents",
                "logs:StartQuery",
                "logs:GetQueryResults",
                "logs:StopQuery",
            ]
            .contains(a)
        }));
    }
}

#[test]
fn usage_errors_exit_64_before_any_aws_call() {
    use crate::support::{RunExt, obsctl};
    let verify = |extra: &[&str]| {
        let mut args = vec!["-d", "definitions/cat-house", "verify"];
        args.extend_from_slice(extra);
        // No credentials and an endpoint nothing listens on: a usage error
        // must come before any call.
        obsctl(args)
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .run()
    };
    for (args, says) in [
        (&["--env", "nope"][..], "unknown environment `nope`"),
        (
            &["--env", "staging", "--since", "15d"][..],
            "from 1m to 14d",
        ),
        (&["--env", "staging", "--since", "90s"][..], "whole minutes"),
        (&["--env", "staging", "--max-scan", "1G"][..], "--queries"),
        (
            &["--env", "staging", "--queries", "--max-scan", "lots"][..],
            "use bytes, or K, M, G",
        ),
        (
            &["--env", "staging", "--queries", "--max-scan", "1.5G"][..],
            "not a size",
        ),
    ] {
        let r = verify(args);
        assert_eq!(r.code, 64, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
}
