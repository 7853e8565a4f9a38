//! Convergence under the failures real AWS produces, against the real SDK
//! and the emulator: a seeded fault-injecting proxy (`support/proxy.rs`)
//! throttles, fails with 503 or drops 30 % of all requests, including after
//! the emulator processed them; and obsctl killed (SIGKILL) in the middle of
//! an apply. Either way, a re-run converges: the next plan is empty and
//! nothing was made twice.
//!
//! Retry budget: 8 attempts per call (backoff from `OBSCTL_RETRY_BASE_DELAY_MS`,
//! 5 ms here, doubling), so a call exhausts it with probability 0.3^8 ≈ 7e-5;
//! across the ~900 calls of these applies that happens in a few % of seeds,
//! and then the second apply converges.

use crate::support::proxy::FaultProxy;
use crate::support::{Emulator, root, text};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::atomic::Ordering;

fn via(e: &Emulator, endpoint: &str, cwd: &Path, defs: &str, args: &[&str]) -> Output {
    e.command(endpoint, cwd, defs, args)
        .env("OBSCTL_RETRY_BASE_DELAY_MS", "5")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Names that occur more than once: saved queries by name, subscriptions
/// by topic and endpoint (everything else is keyed by name in AWS itself).
async fn duplicates(e: &Emulator) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let logs = e.logs().await;
    let mut next = None;
    loop {
        let out = logs
            .describe_query_definitions()
            .max_results(1000)
            .set_next_token(next)
            .send()
            .await
            .unwrap();
        for q in out.query_definitions() {
            *seen
                .entry(format!("query {}", q.name().unwrap_or_default()))
                .or_default() += 1;
        }
        next = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if next.is_none() {
            break;
        }
    }
    let sns = e.sns().await;
    let topics = sns.list_topics().send().await.unwrap();
    for t in topics.topics() {
        let arn = t.topic_arn().unwrap_or_default();
        let subs = sns
            .list_subscriptions_by_topic()
            .topic_arn(arn)
            .send()
            .await
            .unwrap();
        for s in subs.subscriptions() {
            *seen
                .entry(format!(
                    "subscription {arn} {} {}",
                    s.protocol().unwrap_or_default(),
                    s.endpoint().unwrap_or_default()
                ))
                .or_default() += 1;
        }
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_through_thirty_percent_faults_converges_without_duplicates() {
    let e = Emulator::start();
    // Other seeds: OBSCTL_FAULT_SEED=n cargo test --test it faults::
    let seed = std::env::var("OBSCTL_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_123);
    let proxy = FaultProxy::start(&e.url, 0.3, seed);
    let mut applies = 0;
    for (cat, env) in [("cat-house", "staging"), ("bookstore", "staging")] {
        let defs = format!("definitions/{cat}");
        let args = ["apply", "--env", env, "--auto-approve"];
        let mut out = via(&e, &proxy.url, &root(), &defs, &args);
        applies += 1;
        if !out.status.success() {
            // A call exhausted its retries: the documented way out is to
            // apply again, which must converge.
            out = via(&e, &proxy.url, &root(), &defs, &args);
            applies += 1;
        }
        assert!(out.status.success(), "{cat}: {}", text(&out));
        // Reads are retried too: plan through the proxy, then directly.
        for endpoint in [proxy.url.as_str(), e.url.as_str()] {
            let out = via(
                &e,
                endpoint,
                &root(),
                &defs,
                &["plan", "--env", env, "--detailed-exitcode"],
            );
            assert_eq!(
                out.status.code(),
                Some(0),
                "{cat} via {endpoint}: {}",
                text(&out)
            );
        }
    }
    let counts = &proxy.counts;
    eprintln!(
        "seed {seed}: {applies} applies; proxy: {}",
        counts.summary()
    );
    assert!(
        counts.throttled.load(Ordering::Relaxed) > 20,
        "{}",
        counts.summary()
    );
    assert!(
        counts.dropped_after.load(Ordering::Relaxed) > 5,
        "{}",
        counts.summary()
    );
    assert!(counts.faults() > 100, "{}", counts.summary());
    assert_eq!(duplicates(&e).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_mid_apply_then_applied_again_converges_without_duplicates() {
    let e = Emulator::start();
    let tmp = tempfile::tempdir().unwrap();
    obsctl::generate::write_catalogue(&tmp.path().join("gen"), 50).unwrap();
    let args = ["apply", "--env", "staging", "--auto-approve"];
    let mut child = e
        .command(&e.url, tmp.path(), "gen", &args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has made some changes, well before the end (50
    // services are about 470 changes).
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = 0;
    while seen < 120 {
        match lines.next() {
            Some(Ok(l)) if l.starts_with("created ") => seen += 1,
            Some(Ok(_)) => {}
            _ => break,
        }
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "killed before the end ({seen} changes seen)"
    );
    let half = via(
        &e,
        &e.url,
        tmp.path(),
        "gen",
        &["plan", "--env", "staging", "--format", "json"],
    );
    let plan: serde_json::Value = serde_json::from_slice(&half.stdout).unwrap();
    let left = plan["changes"].as_array().unwrap().len();
    assert!(left > 0, "the kill interrupted the apply");
    let out = via(&e, &e.url, tmp.path(), "gen", &args);
    assert!(out.status.success(), "{}", text(&out));
    let out = via(
        &e,
        &e.url,
        tmp.path(),
        "gen",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(duplicates(&e).await, Vec::<String>::new());
}
