//! Convergence under the failures real AWS produces, against the real SDK
//! and the emulator: a seeded fault-injecting proxy (`support/proxy.rs`)
//! throttles, fails with 503 or drops 30 % of all requests, including after
//! the emulator processed them; and obsctl killed (SIGKILL) in the middle of
//! an apply. Either way, a re-run converges: the next plan is empty and
//! nothing was made twice.
//!
//! The apply lock runs through the faults too, with a 10 s expiry
//! (`OBSCTL_LOCK_EXPIRY_SECS`) and `--lock-timeout`: the killed apply's
//! lock is taken over once it expired, and a CreateLogStream whose answer
//! the proxy dropped leaves a stream no one claims, which expires the same
//! way (`lock.rs`).
//!
//! Retry budget: 8 attempts per call (backoff from `OBSCTL_RETRY_BASE_DELAY_MS`,
//! 5 ms here, doubling), so a call exhausts it with probability 0.3^8 ≈ 7e-5;
//! across the ~900 calls of these applies that happens in a few % of seeds,
//! and then the second apply converges.

use crate::support::proxy::FaultProxy;
use crate::support::{Emulator, root, text};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::atomic::Ordering;

/// The apply lock's expiry in these tests, in seconds.
const LOCK_EXPIRY: &str = "10";

fn via(e: &Emulator, endpoint: &str, cwd: &Path, defs: &str, args: &[&str]) -> Output {
    e.command(endpoint, cwd, defs, args)
        .env("OBSCTL_RETRY_BASE_DELAY_MS", "5")
        .env("OBSCTL_LOCK_EXPIRY_SECS", LOCK_EXPIRY)
        .stdin(Stdio::null())
        .output()
        .unwrap()
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
        let args = [
            "apply",
            "--env",
            env,
            "--auto-approve",
            "--lock-timeout",
            "1m",
        ];
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
    assert_eq!(e.duplicates().await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_mid_apply_then_applied_again_converges_without_duplicates() {
    let e = Emulator::start();
    let tmp = tempfile::tempdir().unwrap();
    obsctl::generate::write_catalogue(&tmp.path().join("gen"), 50).unwrap();
    let args = ["apply", "--env", "staging", "--auto-approve"];
    let mut child = e
        .command(&e.url, tmp.path(), "gen", &args)
        .env("OBSCTL_LOCK_EXPIRY_SECS", LOCK_EXPIRY)
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
    // The killed apply still holds the lock: without waiting, apply stops.
    let out = via(&e, &e.url, tmp.path(), "gen", &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another apply of `staging` is running"),
        "{}",
        text(&out)
    );
    // Waiting, it takes the lock over once the killed one's expired.
    let out = via(
        &e,
        &e.url,
        tmp.path(),
        "gen",
        &[&args[..], &["--lock-timeout", "1m"]].concat(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("lock: an apply of staging is running"),
        "{}",
        text(&out)
    );
    let out = via(
        &e,
        &e.url,
        tmp.path(),
        "gen",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(e.duplicates().await, Vec::<String>::new());
}
