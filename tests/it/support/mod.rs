//! What the integration tests share: the repository root and the fixture
//! builder (`fixtures.rs`: secrets, desired states, plan and apply against
//! the in-memory fake, catalogue copies to edit), the runner of the real
//! obsctl binary (`runner.rs`), and (here) a fakecloud 0.51.0 emulator on a
//! free loopback port (killed on drop), obsctl run against it, and SDK
//! clients to inspect it; `proxy.rs` is a fault-injecting proxy to put in
//! front of it.

mod fixtures;
pub mod proxy;
mod runner;

pub use fixtures::*;
pub use runner::*;

use aws_sdk_cloudwatch as cw;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn fakecloud_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("OBSCTL_FAKECLOUD") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        });
    let p = home.join("bin/fakecloud");
    assert!(
        p.exists(),
        "fakecloud 0.51.0 is not installed: run `scripts/emulator install` (or scripts/test, which does)"
    );
    p
}

/// A running fakecloud; killed on drop.
pub struct Emulator {
    child: Child,
    /// The emulator's endpoint URL.
    pub url: String,
}

impl Emulator {
    pub fn start() -> Emulator {
        Emulator::start_with(&[])
    }

    /// An emulator started with extra command-line `args` (e.g. `["--iam",
    /// "strict"]`).
    pub fn start_with(args: &[&str]) -> Emulator {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bin = fakecloud_binary();
        let child = Command::new(&bin)
            .args([
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--log-level",
                "error",
            ])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        loop {
            let ok = Command::new(&bin)
                .args(["--addr", &format!("127.0.0.1:{port}"), "healthcheck"])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if ok {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "fakecloud did not become healthy"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Emulator {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    pub fn obsctl(&self, cat: &str, args: &[&str]) -> Output {
        self.obsctl_in(&root(), &format!("definitions/{cat}"), args)
    }

    pub fn obsctl_in(&self, cwd: &Path, definitions: &str, args: &[&str]) -> Output {
        self.command(&self.url, cwd, definitions, args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// The obsctl command for `args`, reaching AWS at `endpoint` (the
    /// emulator, or a proxy in front of it), with the test environment.
    pub fn command(&self, endpoint: &str, cwd: &Path, definitions: &str, args: &[&str]) -> Command {
        let mut cmd = obsctl(["-d", definitions]);
        cmd.args(args)
            .args(["--endpoint-url", endpoint, "--rate-limit", "none"])
            .current_dir(cwd)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("ALERT_EMAIL", "ops@example.com")
            .env(
                "PAGERDUTY_CRITICAL_URL",
                "https://events.pagerduty.example/critical/SECRETKEY",
            )
            .env(
                "PAGERDUTY_PAYMENT_URL",
                "https://events.pagerduty.example/payment/SECRETKEY",
            )
            .env("NO_COLOR", "1");
        cmd
    }

    pub async fn config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(cw::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load()
            .await
    }

    pub async fn cloudwatch(&self) -> cw::Client {
        cw::Client::new(&self.config().await)
    }

    pub async fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config().await)
    }

    pub async fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.config().await)
    }

    /// `apply --auto-approve` of the shipped catalogue `cat` in `env`; it
    /// must succeed.
    pub fn apply(&self, cat: &str, env: &str) {
        let out = self.obsctl(cat, &["apply", "--env", env, "--auto-approve"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }

    /// Names that occur more than once: saved queries by name, subscriptions
    /// by topic and endpoint (everything else is keyed by name in AWS itself).
    pub async fn duplicates(&self) -> Vec<String> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let logs = self.logs().await;
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
        let sns = self.sns().await;
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

    /// The JSON plan of the shipped catalogue `cat` in `env`.
    pub fn plan_json(&self, cat: &str, env: &str) -> Value {
        let out = self.obsctl(cat, &["plan", "--env", env, "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
