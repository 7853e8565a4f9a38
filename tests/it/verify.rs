//! `obsctl verify` through the in-memory fake: the calls it makes are the
//! floor it prints (a generated catalogue large enough to need several
//! GetMetricData calls), and the `iam-policy --for verify` policy allows
//! every call it makes (`--queries` and `--backtest` included) and grants
//! nothing else; the backtest's counts and its agreement with AWS's alarm
//! history.

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
        // The backtest's reads: the data, which alarms exist, their history.
        let fetch = obsctl::verify::backtest::plan(&d, window);
        obsctl::verify::backtest::fetch(&aws, &fetch).await.unwrap();
        obsctl::verify::backtest::live_alarms(&aws, &d.prefix)
            .await
            .unwrap();
        let alarm = d
            .resources
            .keys()
            .find(|(k, _)| *k == obsctl::resource::Kind::MetricAlarm)
            .map(|(_, n)| n.clone())
            .unwrap();
        obsctl::aws::data::alarm_history(&aws, &alarm, window.start, window.end)
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
                made.contains(row.action),
                "{cat}: {} is granted but never needed",
                row.action
            );
        }
        // Nothing but data reads, and which alarms exist.
        assert!(made.iter().all(|a| {
            [
                "cloudwatch:DescribeAlarms",
                "cloudwatch:DescribeAlarmHistory",
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

/// The backtest through the fake: cat-house staging, every alarm replayed
/// over 6 hours of data in which auth-service has one CPU incident and one
/// latency incident at chosen minutes, away from the M-of-N edges; the
/// counts are the ones known by construction. History fixtures in the
/// shape AWS documents for DescribeAlarmHistory `HistoryData` (the AWS CLI
/// reference's `describe-alarm-history` example: `oldState`, `newState`
/// with `stateReasonData.evaluatedDatapoints` of `timestamp`,
/// `sampleCount`, `value`,
/// <https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/describe-alarm-history.html>)
/// for the two alarms that exist live: one late-data and one engine
/// disagreement told apart, each line with both sides.
#[tokio::test]
async fn backtest_counts_incidents_and_tells_late_data_from_engine_disagreements() {
    use obsctl::aws::data::{AlarmState, EvaluatedDatapoint};
    use obsctl::resource::{Kind, Resource};
    use obsctl::verify::backtest::{self, Cause};
    let d = desired("cat-house", "staging", |_| {});
    let alarm = |name: &str| match d.resources.get(&(Kind::MetricAlarm, name.to_string())) {
        Some(Resource::MetricAlarm(a)) => a.clone(),
        _ => panic!("no alarm {name}"),
    };
    let cpu = alarm("cat-house-staging-auth-service-high-cpu");
    let latency = alarm("cat-house-staging-auth-service-high-latency");
    let metric = |a: &obsctl::resource::MetricAlarm| Metric {
        namespace: a.namespace.clone().unwrap(),
        metric_name: a.metric_name.clone().unwrap(),
        dimensions: a.dimensions.clone(),
    };
    let fake = FakeAws::default();
    let window = Window::last(fake.now_ms(), 6 * 3600);
    let fetch = backtest::plan(&d, window);
    for days in [1, 14] {
        let f = backtest::plan(&d, Window::last(fake.now_ms(), days * 86_400));
        eprintln!(
            "backtest of cat-house staging over {days}d: {} queries, {} GetMetricData calls",
            f.queries(),
            f.floor()
        );
    }
    let minute = 60_000;
    // Incidents (minute-aligned, in the window).
    let s_cpu = window.start + 60 * minute;
    let s_lat = window.start + 180 * minute;
    let mut t = fetch.epoch;
    let mut datapoints = 0;
    while t < window.end {
        // CPU (Average over 5 minutes, 3 of 3 above 80): 95 for 30 minutes.
        let busy = (s_cpu..s_cpu + 30 * minute).contains(&t);
        fake.put_metric_value(&metric(&cpu), t, if busy { 95.0 } else { 30.0 });
        // Latency (p95 over 5 minutes, 2 of 3 above 500): three samples a
        // minute of different values (so per-minute statistic sets cannot
        // give the percentile); one of 900 a minute for 20 minutes.
        let slow = (s_lat..s_lat + 20 * minute).contains(&t);
        let values = if slow {
            [900.0, 100.0, 100.0]
        } else {
            [100.0, 120.0, 140.0]
        };
        for (i, v) in values.iter().enumerate() {
            fake.put_metric_value(&metric(&latency), t + 1000 * i as i64, *v);
        }
        datapoints += 4;
        t += minute;
    }
    assert!(datapoints < 200_000);
    // The two alarms exist live, with their history.
    let aws = fake.aws();
    aws.cloudwatch().put_metric_alarm(&cpu).await.unwrap();
    aws.cloudwatch().put_metric_alarm(&latency).await.unwrap();
    let point = |ts: i64, v: f64| EvaluatedDatapoint {
        timestamp: ts,
        value: Some(v),
        sample_count: Some(5.0),
    };
    let five = 5 * minute;
    let (ok, alarm_s) = (AlarmState::Ok, AlarmState::Alarm);
    // CPU: AWS agrees at +14m and +32m; at +20m it went back to OK on the
    // same three 95s the data holds now (an engine disagreement), and to
    // ALARM again a minute later.
    let cpu_points = |at: i64| -> Vec<EvaluatedDatapoint> {
        (1..=3).map(|k| point(at - k * five, 95.0)).collect()
    };
    let cpu_name = &cpu.alarm_name;
    fake.record_transition(
        cpu_name,
        s_cpu + 14 * minute + 5000,
        ok,
        alarm_s,
        &cpu_points(s_cpu + 14 * minute),
    );
    fake.record_transition(
        cpu_name,
        s_cpu + 20 * minute + 5000,
        alarm_s,
        ok,
        &cpu_points(s_cpu + 20 * minute),
    );
    fake.record_transition(
        cpu_name,
        s_cpu + 21 * minute + 5000,
        ok,
        alarm_s,
        &cpu_points(s_cpu + 21 * minute),
    );
    fake.record_transition(cpu_name, s_cpu + 32 * minute + 5000, alarm_s, ok, &[]);
    // Latency: agrees at +6m and +30m; an hour later AWS saw a 700 that
    // GetMetricData no longer returns (140 now): late data.
    let lat_name = &latency.alarm_name;
    let late = s_lat + 60 * minute;
    fake.record_transition(lat_name, s_lat + 6 * minute + 5000, ok, alarm_s, &[]);
    fake.record_transition(lat_name, s_lat + 30 * minute + 5000, alarm_s, ok, &[]);
    fake.record_transition(
        lat_name,
        late + 5000,
        ok,
        alarm_s,
        &[point(late - five, 700.0), point(late - 2 * five, 140.0)],
    );
    fake.record_transition(lat_name, late + 10 * minute + 5000, alarm_s, ok, &[]);

    let answers = backtest::fetch(&aws, &fetch).await.unwrap();
    let (live, _) = backtest::live_alarms(&aws, &d.prefix).await.unwrap();
    let mut history = BTreeMap::new();
    for name in &live {
        let h = obsctl::aws::data::alarm_history(&aws, name, fetch.epoch, window.end)
            .await
            .unwrap();
        history.insert(name.clone(), h);
    }
    let replay = backtest::Replay::new(&fetch, &answers);
    let alarms = replay.run(600, &history);
    let get = |name: &str| alarms.iter().find(|a| a.alarm == name).unwrap();
    let c = get(cpu_name);
    assert_eq!(c.skipped, None);
    assert_eq!(c.alarms, 1, "{c:#?}");
    assert_eq!(c.alarm_seconds, 18 * 60, "{c:#?}");
    assert_eq!(c.flaps, 0);
    assert_eq!(
        c.notifications["cat-house-staging-warning-alerts"], 2,
        "{c:#?}"
    );
    assert_eq!(c.transitions[0].0, s_cpu + 14 * minute);
    let l = get(lat_name);
    assert_eq!((l.alarms, l.alarm_seconds), (1, 24 * 60), "{l:#?}");
    assert!(l.approximations.is_empty());
    // The rest of auth-service stays quiet; no alarm fires for nothing.
    let memory = get("cat-house-staging-auth-service-high-memory");
    assert_eq!(memory.alarms, 0);
    // Agreement: CPU 3 of 4 (engine), latency 3 of 4 (late data).
    let g = c.agreement.as_ref().unwrap();
    assert_eq!((g.agreed, g.total), (3, 4), "{g:#?}");
    assert_eq!(g.disagreements.len(), 1);
    assert_eq!(g.disagreements[0].cause, Cause::Engine);
    let line = obsctl::verify::backtest_report::disagreement_text(&g.disagreements[0]);
    assert!(line.starts_with("engine at "), "{line}");
    assert!(
        line.contains("AWS ALARM → OK; engine ALARM (stays)"),
        "{line}"
    );
    assert!(line.contains("AWS 95 / now 95"), "{line}");
    let g = l.agreement.as_ref().unwrap();
    assert_eq!((g.agreed, g.total), (3, 4), "{g:#?}");
    assert_eq!(g.disagreements[0].cause, Cause::LateData);
    let line = obsctl::verify::backtest_report::disagreement_text(&g.disagreements[0]);
    assert!(line.contains("AWS OK → ALARM; engine OK (stays)"), "{line}");
    assert!(line.contains("AWS 700 / now 140"), "{line}");
    assert!(line.contains("AWS 140 / now 140"), "{line}");
    // Only live alarms are compared; anomaly alarms are not replayed.
    assert!(
        get("cat-house-staging-auth-service-high-memory")
            .agreement
            .is_none()
    );
    let anomaly = get("cat-house-staging-auth-service-unusual-traffic");
    assert!(anomaly.skipped.as_deref().unwrap().contains("anomaly"));
    // The text section: the agreement over both live alarms.
    let b = obsctl::verify::backtest_report::Backtest {
        flap_window: 600,
        queries: fetch.queries(),
        calls: fetch.floor(),
        dollars: 0.0,
        alarms: alarms.clone(),
    };
    let mut text = Vec::new();
    obsctl::verify::backtest_report::text(&mut text, &b).unwrap();
    let text = String::from_utf8(text).unwrap();
    eprintln!("{text}");
    assert!(
        text.contains("History: the engine agrees with AWS on 6 of 8 transitions (2 alarms live)"),
        "{text}"
    );
}

/// `iam-policy --for plan --backtest`: plan's policy plus GetMetricData,
/// and only when asked for; `--backtest` with another purpose is a usage
/// error.
#[test]
fn the_plan_policy_gains_get_metric_data_only_with_backtest() {
    let d = desired("cat-house", "staging", |_| {});
    let actions = |purpose| -> BTreeSet<&'static str> {
        iam::rows(&d, purpose, &all_kinds())
            .iter()
            .map(|r| r.action)
            .collect()
    };
    let plan = actions(Purpose::Plan);
    let backtest = actions(Purpose::PlanBacktest);
    assert!(!plan.contains("cloudwatch:GetMetricData"));
    let added: Vec<_> = backtest.difference(&plan).copied().collect();
    assert_eq!(added, ["cloudwatch:GetMetricData"]);
    let policy = iam::policy(&d, Purpose::PlanBacktest, &all_kinds());
    assert!(iam::allows(&policy, "cloudwatch:GetMetricData", "*"));
    use crate::support::{RunExt, obsctl};
    let out = obsctl([
        "-d",
        "definitions/cat-house",
        "iam-policy",
        "--env",
        "staging",
        "--for",
        "apply",
        "--backtest",
    ])
    .run();
    assert_eq!(out.code, 64, "{}", out.stderr);
}

/// The drill end to end on the in-memory AWS (which runs alarm actions on
/// SetAlarmState and delivers SNS to SQS): both shipped catalogues,
/// applied, every route delivered, nothing temporary left, and every call
/// allowed by `iam-policy --for drill`, which grants nothing unused.
#[tokio::test]
async fn the_drill_delivers_every_route_of_both_catalogues_within_its_policy() {
    use obsctl::verify::drill::{self, Delivery};
    use obsctl::verify::drill_run;
    for cat in ["cat-house", "bookstore"] {
        let (fake, aws, d) = crate::support::applied(cat, "staging").await;
        fake.with_state(|s| {
            let names: Vec<String> = s.alarms.keys().cloned().collect();
            for n in names {
                s.alarm_states.insert(n, obsctl::aws::data::AlarmState::Ok);
            }
            s.authorized.clear();
        });
        // The on-call confirmed their e-mail subscriptions.
        let pending: Vec<String> = fake.with_state(|s| {
            s.subscriptions
                .iter()
                .filter(|(_, sub, _)| sub.arn == "PendingConfirmation")
                .map(|(_, sub, _)| sub.endpoint.clone())
                .collect()
        });
        for endpoint in pending {
            fake.confirm(&endpoint);
        }
        let routes = drill::routes(&d, &locate);
        assert!(routes.len() >= 2, "{cat}: {routes:#?}");
        let opts = drill_run::Options {
            run: "t1".into(),
            env_prefix: d.prefix.clone(),
            partition: "aws".into(),
            region: d.region.clone(),
            account: d.account.clone(),
            timeout: Duration::from_millis(500),
            poll_seconds: 1,
            now_s: fake.now_ms() / 1000,
        };
        let topics: Vec<String> = routes.iter().flat_map(|r| r.topics()).collect();
        drill_run::remove_leftovers(&aws, &d.prefix, &topics, opts.now_s)
            .await
            .unwrap();
        let temps = std::sync::Mutex::new(drill_run::Temporaries::default());
        let results = drill_run::run(&aws, &routes, &opts, &temps, &mut |_| {})
            .await
            .unwrap();
        // A second pipeline's drill starting now finds this one's queues
        // young: it leaves them alone.
        let (removed, _) = drill_run::remove_leftovers(&aws, &d.prefix, &topics, opts.now_s)
            .await
            .unwrap();
        assert!(removed.is_empty());
        assert!(fake.with_state(|s| !s.queues.is_empty()));
        assert!(drill_run::cleanup(&aws, "t1", &temps).await.is_empty());
        // The text report (docs/verify.md shows cat-house's).
        let mut text = Vec::new();
        obsctl::verify::drill_report::text(
            &mut text,
            &drill::Drill {
                run: "t1".into(),
                timeout_s: 60,
                routes: results.clone(),
                leftovers_removed: Vec::new(),
                cleanup_failures: Vec::new(),
                interrupted: false,
            },
        )
        .unwrap();
        let text = String::from_utf8(text).unwrap();
        println!("{text}");
        assert!(text.contains("ALARM arrived after"), "{text}");
        if cat == "cat-house" {
            // Every topic has its confirmed e-mail: every route passes.
            assert!(results.iter().all(|r| r.level() == Level::Ok), "{text}");
        }
        for r in &results {
            assert!(r.drilled.is_ok(), "{cat}: {r:#?}");
            for t in &r.topics {
                for d in [&t.alarm, &t.ok].into_iter().flatten() {
                    assert!(matches!(d, Delivery::Delivered { .. }), "{cat}: {r:#?}");
                }
            }
        }
        fake.with_state(|s| {
            assert!(s.queues.is_empty(), "{cat}: queues left");
            assert!(
                s.subscriptions
                    .iter()
                    .all(|(_, sub, _)| !sub.endpoint.contains(drill::QUEUE_PREFIX))
            );
        });
        let recorded = fake.state.lock().unwrap().authorized.clone();
        let policy = iam::policy(&d, Purpose::Drill, &all_kinds());
        let denied: Vec<_> = recorded
            .iter()
            .filter(|(a, r)| !iam::allows(&policy, a, r))
            .collect();
        assert!(denied.is_empty(), "{cat}: denied {denied:#?}\n{policy:#}");
        let made: BTreeSet<&str> = recorded.iter().map(|(a, _)| a.as_str()).collect();
        for row in iam::rows(&d, Purpose::Drill, &all_kinds()) {
            // verify's own reads are proven by its own test above.
            if row.purpose == Purpose::Verify || !row.implied_by.is_empty() {
                continue;
            }
            // Read one by one only when the account has mute rules.
            if row.action == "cloudwatch:GetAlarmMuteRule"
                && d.count(obsctl::resource::Kind::AlarmMuteRule) == 0
            {
                continue;
            }
            assert!(
                made.contains(row.action),
                "{cat}: {} is granted but never needed",
                row.action
            );
        }
    }
}
