//! Ownership tags in bulk (Resource Groups Tagging API GetResources) at
//! scale, and the per-resource fallback when the index lags, is stale, or
//! (like the emulator's) knows no CloudWatch or SNS tags. Through the
//! in-memory fake with AWS's default quotas on tokio's paused clock.

use crate::support::{desired_states, plan, run};
use obsctl::aws::fake::FakeAws;
use obsctl::aws::{Aws, Rates};
use obsctl::compile::DesiredState;
use obsctl::resource::{Kind, Tag};

/// A generated catalogue of `n` services deployed in two environments whose
/// prefixes overlap (`gen-staging-` is a prefix of `gen-staging-eu-`).
fn two_environments(n: usize) -> (DesiredState, DesiredState) {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("gen");
    obsctl::generate::write_catalogue(&cat, n).unwrap();
    let root = cat.join("obsctl.yaml");
    let text = std::fs::read_to_string(&root).unwrap();
    let text = text.replace(
        "environments:\n  staging:\n    region: us-east-1\n    cluster: gen-staging\n",
        "environments:\n  staging:\n    region: us-east-1\n    cluster: gen-staging\n    log_groups: create\n  staging-eu:\n    region: us-east-1\n    cluster: gen-staging-eu\n",
    );
    assert!(text.contains("staging-eu"), "generated root changed shape");
    std::fs::write(&root, text).unwrap();
    let mut states = desired_states(&cat, None, |_| {});
    let eu = states.iter().position(|s| s.env == "staging-eu").unwrap();
    let eu = states.remove(eu);
    (states.remove(0), eu)
}

async fn deploy(fake: &FakeAws, desired: &DesiredState) {
    let aws = fake.aws();
    let p = plan(&aws, desired).await;
    let report = run(&aws, &p).await;
    assert!(report.failed.is_empty(), "{:?}", report.failed.first());
}

fn calls(aws: &Aws, action: &str) -> u64 {
    aws.stats().snapshot().get(action).map_or(0, |c| c.calls)
}

#[test]
fn a_thousand_services_plan_in_the_fewest_describe_and_tag_calls() {
    let (staging, eu) = two_environments(1000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let fake = FakeAws::default();
        deploy(&fake, &staging).await;
        deploy(&fake, &eu).await;
        fake.state.lock().unwrap().tag_reads.clear();
        let count = |kind: Kind, d: &DesiredState| {
            d.resources.keys().filter(|(k, _)| *k == kind).count() as u64
        };
        let alarms =
            |d: &DesiredState| count(Kind::MetricAlarm, d) + count(Kind::CompositeAlarm, d);
        // DescribeAlarms by `gen-staging-` also lists staging-eu's alarms.
        let with_prefix = alarms(&staging) + alarms(&eu);
        let tagged = alarms(&staging) + count(Kind::Topic, &staging);
        assert!(with_prefix >= 10_000, "{with_prefix}");

        let aws = fake.aws_with(Rates::default());
        let p = plan(&aws, &staging).await;
        assert!(p.is_empty(), "{:?}", p.changes.first());
        assert_eq!(
            calls(&aws, "cloudwatch:DescribeAlarms"),
            with_prefix.div_ceil(100)
        );
        assert_eq!(calls(&aws, "tag:GetResources"), tagged.div_ceil(100));
        let reads = fake.state.lock().unwrap().tag_reads.clone();
        assert!(
            !reads.iter().any(|arn| arn.contains(":alarm:")),
            "alarm tags read one by one: {:?}",
            reads.iter().find(|a| a.contains(":alarm:"))
        );
        assert_eq!(calls(&aws, "sns:ListTagsForResource"), 0);
        // Calls match the printed floor for every API.
        let floor = p.read_floor.clone().unwrap();
        for (api, made) in &p.calls {
            let least = floor.calls.get(api).copied().unwrap_or(0);
            assert!(
                made.calls <= least + least / 50,
                "{api}: {} calls, floor {least}",
                made.calls
            );
        }
    });
}

/// A small deployed environment and a second one beside it.
fn deployed(rt: &tokio::runtime::Runtime) -> (FakeAws, DesiredState) {
    let (staging, eu) = two_environments(12);
    let fake = FakeAws::default();
    rt.block_on(async {
        deploy(&fake, &staging).await;
        deploy(&fake, &eu).await;
    });
    (fake, staging)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

#[test]
fn without_the_index_every_resource_falls_back_and_the_plan_is_the_same() {
    let rt = runtime();
    let (fake, staging) = deployed(&rt);
    let (with_index, read_with) = rt.block_on(async {
        let aws = fake.aws();
        (
            plan(&aws, &staging).await,
            calls(&aws, "cloudwatch:ListTagsForResource"),
        )
    });
    // The emulator's index: no CloudWatch or SNS tags at all.
    fake.state.lock().unwrap().empty_index = true;
    let (without, read_without, sns_reads) = rt.block_on(async {
        let aws = fake.aws();
        let p = plan(&aws, &staging).await;
        (
            p,
            calls(&aws, "cloudwatch:ListTagsForResource"),
            calls(&aws, "sns:ListTagsForResource"),
        )
    });
    assert!(with_index.is_empty() && without.is_empty());
    // Same live state read, so a plan saved with one is valid with the other.
    assert_eq!(with_index.live_fingerprint, without.live_fingerprint);
    let alarms = staging
        .resources
        .keys()
        .filter(|(k, _)| matches!(k, Kind::MetricAlarm | Kind::CompositeAlarm))
        .count() as u64;
    assert_eq!(read_without, read_with + alarms);
    assert_eq!(sns_reads, 3);
}

#[test]
fn a_stale_or_lagging_index_is_checked_on_the_resource_itself() {
    let rt = runtime();
    let (fake, staging) = deployed(&rt);
    let alarm = staging
        .resources
        .keys()
        .find(|(k, _)| *k == Kind::MetricAlarm)
        .unwrap()
        .1
        .clone();
    let arn = format!("arn:aws:cloudwatch:us-east-1:123456789012:alarm:{alarm}");
    let baseline = rt.block_on(async { plan(&fake.aws(), &staging).await });
    {
        let mut s = fake.state.lock().unwrap();
        // The index still has an old value for one alarm, has not indexed a
        // second one yet, and lists an alarm deleted since.
        s.stale_index.insert(
            arn.clone(),
            vec![Tag {
                key: "obsctl:catalogue".into(),
                value: "gen".into(),
            }],
        );
        s.stale_index.insert(
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:gen-staging-gone".into(),
            vec![],
        );
        s.tag_reads.clear();
    }
    let (p, reads) = rt.block_on(async {
        let aws = fake.aws();
        let p = plan(&aws, &staging).await;
        (p, fake.state.lock().unwrap().tag_reads.clone())
    });
    assert!(p.is_empty(), "{:?}", p.changes.first());
    assert_eq!(p.live_fingerprint, baseline.live_fingerprint);
    let alarm_reads: Vec<&String> = reads.iter().filter(|a| a.contains(":alarm:")).collect();
    assert_eq!(
        alarm_reads,
        vec![&arn],
        "only the disagreeing alarm is read"
    );

    // A console edit of the tags: once the index shows it, the plan does too.
    {
        let mut s = fake.state.lock().unwrap();
        s.stale_index.clear();
        let (_, tags) = s.alarms.get_mut(&alarm).unwrap();
        tags.retain(|t| t.key != "obsctl:env");
        tags.push(Tag {
            key: "obsctl:env".into(),
            value: "staging".into(),
        });
        tags.push(Tag {
            key: "team".into(),
            value: "console".into(),
        });
        tags.sort();
    }
    let p = rt.block_on(async { plan(&fake.aws(), &staging).await });
    assert_eq!(p.changes.len(), 1, "{:?}", p.changes);
    assert_eq!(p.changes[0].key, alarm);
}

#[test]
fn an_alarm_to_delete_is_judged_on_its_own_tags() {
    let rt = runtime();
    let (fake, mut staging) = deployed(&rt);
    let alarm = staging
        .resources
        .keys()
        .find(|(k, key)| *k == Kind::MetricAlarm && key.ends_with("-high-cpu"))
        .unwrap()
        .clone();
    staging.resources.remove(&alarm);
    fake.state.lock().unwrap().tag_reads.clear();
    let p = rt.block_on(async { plan(&fake.aws(), &staging).await });
    assert_eq!(p.changes.len(), 1);
    let reads = fake.state.lock().unwrap().tag_reads.clone();
    assert!(
        reads
            .iter()
            .any(|a| a.ends_with(&format!(":alarm:{}", alarm.1)))
    );
}

/// Behind an endpoint URL, whether `Tags` given on creation were kept is
/// checked once per kind; where they were dropped (fakecloud), each
/// creation is tagged, so ownership is certain. On AWS's own endpoints the
/// documented behaviour is trusted: no extra calls.
#[test]
fn tags_dropped_on_creation_are_checked_once_and_added() {
    let rt = runtime();
    let (staging, _) = two_environments(3);
    for (drop, trusted) in [(true, false), (false, false), (false, true)] {
        let fake = FakeAws::default();
        fake.state.lock().unwrap().drop_create_tags = drop;
        let aws = if trusted {
            fake.aws()
        } else {
            fake.aws().checking_create_tags()
        };
        rt.block_on(async {
            let p = plan(&aws, &staging).await;
            let report = run(&aws, &p).await;
            assert!(report.failed.is_empty());
        });
        let dashboards = staging
            .resources
            .keys()
            .filter(|(k, _)| *k == Kind::Dashboard)
            .count() as u64;
        let (probes, tagged) = (
            calls(&aws, "cloudwatch:ListTagsForResource"),
            calls(&aws, "cloudwatch:TagResource"),
        );
        match (drop, trusted) {
            (true, _) => assert_eq!((probes, tagged), (1, dashboards)),
            (false, false) => assert_eq!((probes, tagged), (1, 0)),
            (false, true) => assert_eq!((probes, tagged), (0, 0)),
        }
        let p = rt.block_on(async { plan(&fake.aws(), &staging).await });
        assert!(p.is_empty() && p.conflicts.is_empty(), "{:?}", p.conflicts);
    }
}
