//! Integration tests: the real `obsctl` binary and the real AWS SDK against
//! fakecloud 0.51.0, a local AWS emulator (a separate AGPL process, installed
//! by `scripts/emulator install`). No mocks at this level. Each test starts
//! its own emulator on a free loopback port and stops it when done.

use crate::support::{Emulator, OBSCTL, append, catalogue_copy, edit, root, text};
use aws_sdk_cloudwatch as cw;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

#[test]
fn both_catalogues_all_kinds_apply_then_plan_is_empty() {
    let e = Emulator::start();
    for cat in ["cat-house", "bookstore"] {
        for env in ["staging", "production"] {
            e.apply(cat, env);
            let out = e.obsctl(cat, &["plan", "--env", env, "--detailed-exitcode"]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{cat}/{env} did not converge:\n{}",
                text(&out)
            );
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains("No changes."), "{stdout}");
            assert!(!stdout.contains("SECRET"), "a secret leaked into the plan");
            let plan = e.plan_json(cat, env);
            assert_eq!(plan["format_version"], obsctl::plan::FORMAT_VERSION);
            assert!(plan["changes"].as_array().unwrap().is_empty());
            let kinds = plan["kinds"].as_array().unwrap().len();
            assert_eq!(kinds, 10, "all ten kinds were planned");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn drift_shows_exactly_the_edited_fields_and_apply_restores_them() {
    let e = Emulator::start();
    e.apply("cat-house", "staging");
    let cw = e.cloudwatch().await;
    let alarm_name = "cat-house-staging-auth-service-high-cpu";
    let dashboard = "cat-house-staging-service-health";

    // Console-style edit of an alarm threshold: PutMetricAlarm with the same settings.
    let found = cw
        .describe_alarms()
        .alarm_names(alarm_name)
        .send()
        .await
        .unwrap();
    let a = &found.metric_alarms()[0];
    cw.put_metric_alarm()
        .alarm_name(alarm_name)
        .set_alarm_description(a.alarm_description().map(str::to_string))
        .set_actions_enabled(a.actions_enabled())
        .set_ok_actions(Some(a.ok_actions().to_vec()))
        .set_alarm_actions(Some(a.alarm_actions().to_vec()))
        .set_metric_name(a.metric_name().map(str::to_string))
        .set_namespace(a.namespace().map(str::to_string))
        .set_statistic(a.statistic().cloned())
        .set_dimensions(Some(a.dimensions().to_vec()))
        .set_period(a.period())
        .set_evaluation_periods(a.evaluation_periods())
        .set_datapoints_to_alarm(a.datapoints_to_alarm())
        .threshold(95.0)
        .set_comparison_operator(a.comparison_operator().cloned())
        .set_treat_missing_data(a.treat_missing_data().map(str::to_string))
        .send()
        .await
        .unwrap();

    // Console-style edit of a widget title.
    let body = cw
        .get_dashboard()
        .dashboard_name(dashboard)
        .send()
        .await
        .unwrap();
    let mut body: Value = serde_json::from_str(body.dashboard_body().unwrap()).unwrap();
    body["widgets"][1]["properties"]["title"] = "Edited in the console".into();
    cw.put_dashboard()
        .dashboard_name(dashboard)
        .dashboard_body(body.to_string())
        .send()
        .await
        .unwrap();

    let plan = e.plan_json("cat-house", "staging");
    let changes = plan["changes"].as_array().unwrap();
    let summary: Vec<(String, String, Vec<String>)> = changes
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["key"].as_str().unwrap().to_string(),
                c["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        format!(
                            "{}: {} -> {}",
                            f["path"].as_str().unwrap(),
                            f["before"],
                            f["after"]
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("update".to_string(), alarm_name.to_string(), vec!["Threshold: 95 -> 80".to_string()]),
            ("update".to_string(), dashboard.to_string(), vec!["widgets[1].properties.title: \"Edited in the console\" -> \"Service Health Status\"".to_string()]),
        ]
    );
    let out = e.obsctl(
        "cat-house",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    e.apply("cat-house", "staging");
    let out = e.obsctl(
        "cat-house",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn resources_obsctl_does_not_own_survive_apply() {
    let e = Emulator::start();
    let cw = e.cloudwatch().await;
    let put = |name: &'static str| {
        cw.put_metric_alarm()
            .alarm_name(name)
            .metric_name("CPUUtilization")
            .namespace("AWS/EC2")
            .statistic(cw::types::Statistic::Average)
            .period(300)
            .evaluation_periods(1)
            .threshold(42.0)
            .comparison_operator(cw::types::ComparisonOperator::GreaterThanThreshold)
            .send()
    };
    put("hand-made-alarm").await.unwrap();
    put("cat-house-staging-hand-made").await.unwrap();
    cw.put_dashboard()
        .dashboard_name("hand-made-dashboard")
        .dashboard_body(r#"{"widgets":[]}"#)
        .send()
        .await
        .unwrap();

    e.apply("cat-house", "staging");
    let plan = e.plan_json("cat-house", "staging");
    assert!(plan["changes"].as_array().unwrap().is_empty());
    let conflicts: Vec<&str> = plan["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(conflicts, vec!["cat-house-staging-hand-made"]);

    for name in ["hand-made-alarm", "cat-house-staging-hand-made"] {
        let found = cw.describe_alarms().alarm_names(name).send().await.unwrap();
        assert_eq!(
            found.metric_alarms()[0].threshold(),
            Some(42.0),
            "{name} was changed"
        );
    }
    let d = cw
        .get_dashboard()
        .dashboard_name("hand-made-dashboard")
        .send()
        .await
        .unwrap();
    assert_eq!(d.dashboard_body(), Some(r#"{"widgets":[]}"#));
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_a_service_deletes_exactly_its_resources() {
    let e = Emulator::start();
    let tmp = catalogue_copy("cat-house");
    // The services' log groups exist before monitoring does (ECS creates them).
    let logs = e.logs().await;
    for svc in [
        "auth-service",
        "catalog-service",
        "installation-service",
        "proxy-service",
        "health-aggregator",
    ] {
        logs.create_log_group()
            .log_group_name(format!("/ecs/cat-house/staging/{svc}"))
            .send()
            .await
            .unwrap();
    }
    let out = e.obsctl_in(
        tmp.path(),
        "definitions/cat-house",
        &["apply", "--env", "staging", "--auto-approve"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let services = tmp.path().join("definitions/cat-house/services.yaml");
    let yaml = std::fs::read_to_string(&services).unwrap();
    let start = yaml.find("  proxy-service:").unwrap();
    let end = yaml[start..].find("  health-aggregator:").unwrap() + start;
    std::fs::write(&services, format!("{}{}", &yaml[..start], &yaml[end..])).unwrap();

    let out = e.obsctl_in(
        tmp.path(),
        "definitions/cat-house",
        &["plan", "--env", "staging", "--format", "json"],
    );
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let deleted: Vec<String> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "delete")
        .map(|c| c["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        deleted.len(),
        11,
        "6 alarms, 5 metric filters: {deleted:#?}"
    );
    assert!(
        deleted.iter().all(|k| k.contains("proxy-service")),
        "{deleted:#?}"
    );
    let out = e.obsctl_in(
        tmp.path(),
        "definitions/cat-house",
        &["apply", "--env", "staging", "--auto-approve"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let cw = e.cloudwatch().await;
    let left = cw
        .describe_alarms()
        .alarm_name_prefix("cat-house-staging-")
        .max_records(100)
        .send()
        .await
        .unwrap();
    assert_eq!(left.metric_alarms().len(), 24);
    assert!(
        left.metric_alarms()
            .iter()
            .all(|a| !a.alarm_name().unwrap().contains("proxy-service"))
    );
    let out = e.obsctl_in(
        tmp.path(),
        "definitions/cat-house",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_saved_plan_is_refused_and_a_fresh_one_applies_exactly() {
    let e = Emulator::start();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plan.json");
    let f = file.to_str().unwrap();
    let out = e.obsctl("cat-house", &["plan", "--env", "staging", "--out", f]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let cw = e.cloudwatch().await;
    cw.put_dashboard()
        .dashboard_name("cat-house-staging-business")
        .dashboard_body(r#"{"widgets":[]}"#)
        .send()
        .await
        .unwrap();
    let out = e.obsctl(
        "cat-house",
        &["apply", "--env", "staging", "--auto-approve", f],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is stale"),
        "{}",
        text(&out)
    );

    let out = e.obsctl("cat-house", &["plan", "--env", "staging", "--out", f]);
    assert_eq!(out.status.code(), Some(0));
    let out = e.obsctl(
        "cat-house",
        &["apply", "--env", "staging", "--auto-approve", f],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Nothing left to change; the hand-made dashboard stays a conflict
    // (exit 3 under --detailed-exitcode: the catalogue's is never applied).
    let out = e.obsctl(
        "cat-house",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("No changes.") && text(&out).contains("1 conflict left alone"));
}

/// A saved plan is checked, not trusted: a file whose changes were edited
/// (another threshold, another alarm action, a delete of something obsctl
/// does not own, another account) is refused and nothing is applied.
#[tokio::test(flavor = "multi_thread")]
async fn an_edited_saved_plan_is_refused_and_nothing_is_applied() {
    let e = Emulator::start();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plan.json");
    let f = file.to_str().unwrap();
    let out = e.obsctl("cat-house", &["plan", "--env", "staging", "--out", f]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let original: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let alarm = original["changes"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["kind"] == "metric-alarms")
        .expect("a metric alarm to create");
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "threshold",
            Box::new(move |p: &mut Value| {
                p["changes"][alarm]["desired"]["spec"]["Threshold"] = serde_json::json!(1e9);
            }),
        ),
        (
            "alarm action",
            Box::new(move |p: &mut Value| {
                p["changes"][alarm]["desired"]["spec"]["AlarmActions"] =
                    serde_json::json!(["arn:aws:sns:us-east-1:999999999999:attacker"]);
            }),
        ),
        (
            "foreign delete",
            Box::new(|p: &mut Value| {
                p["changes"].as_array_mut().unwrap().push(serde_json::json!({
                    "kind": "metric-alarms", "key": "other-team-alarm", "action": "delete", "rewrite": false
                }));
            }),
        ),
        (
            "account",
            Box::new(|p: &mut Value| p["account"] = serde_json::json!("999999999999")),
        ),
    ];
    for (what, edit) in edits {
        let mut plan = original.clone();
        edit(&mut plan);
        std::fs::write(&file, serde_json::to_string(&plan).unwrap()).unwrap();
        let out = e.obsctl(
            "cat-house",
            &["apply", "--env", "staging", "--auto-approve", f],
        );
        assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not what this catalogue"),
            "{what}: {}",
            text(&out)
        );
    }
    // Nothing was applied: the untouched plan still applies in full.
    std::fs::write(&file, serde_json::to_string(&original).unwrap()).unwrap();
    let out = e.obsctl(
        "cat-house",
        &["apply", "--env", "staging", "--auto-approve", f],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn only_limits_plan_and_apply_to_the_named_kinds() {
    let e = Emulator::start();
    let out = e.obsctl(
        "cat-house",
        &[
            "apply",
            "--env",
            "staging",
            "--auto-approve",
            "--only",
            "dashboards",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan = e.plan_json("cat-house", "staging");
    let kinds: std::collections::BTreeSet<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(
        !kinds.contains("dashboards") && kinds.contains("metric-alarms"),
        "{kinds:?}"
    );
    let out = e.obsctl(
        "cat-house",
        &[
            "plan",
            "--env",
            "staging",
            "--except",
            "dashboards",
            "--format",
            "markdown",
        ],
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("<details>") && !md.contains("dashboards <code>"),
        "{md}"
    );
    let out = e.obsctl(
        "cat-house",
        &["plan", "--env", "staging", "--only", "dashbords"],
    );
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));
}

/// On a terminal, apply shows the plan and asks; only `yes` applies.
/// `script` (util-linux) gives obsctl a pseudo-terminal.
#[test]
fn apply_asks_for_confirmation_on_a_terminal() {
    let e = Emulator::start();
    let command = format!(
        "{OBSCTL} -d definitions/cat-house apply --env staging --endpoint-url {} --rate-limit none",
        e.url
    );
    let run = |answer: &str| {
        let mut child = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(root())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("ALERT_EMAIL", "ops@example.com")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("`script` from util-linux is needed for this test");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run("no\n");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("Only 'yes' is accepted") && stdout.contains("Apply cancelled"),
        "{stdout}"
    );
    let plan = e.plan_json("cat-house", "staging");
    assert_eq!(
        plan["changes"].as_array().unwrap().len(),
        78,
        "nothing was applied"
    );
    let out = run("yes\n");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = e.obsctl(
        "cat-house",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn plan_json_in(e: &Emulator, cwd: &Path, env: &str, extra: &[&str]) -> Value {
    let mut args = vec!["plan", "--env", env, "--format", "json"];
    args.extend_from_slice(extra);
    let out = e.obsctl_in(cwd, "definitions/cat-house", &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn apply_in(e: &Emulator, cwd: &Path, env: &str, extra: &[&str]) {
    let mut args = vec!["apply", "--env", env, "--auto-approve"];
    args.extend_from_slice(extra);
    let out = e.obsctl_in(cwd, "definitions/cat-house", &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn keys_of(plan: &Value, list: &str) -> Vec<String> {
    plan[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["action"].as_str().unwrap_or("conflict"),
                c["key"].as_str().unwrap()
            )
        })
        .collect()
}

/// cat-house with a second environment, `staging-eu`, whose name prefix
/// starts with staging's: every AWS prefix API returns both.
#[test]
fn environments_whose_names_prefix_each_other_apply_and_plan_independently() {
    let e = Emulator::start();
    let tmp = catalogue_copy("cat-house");
    let yaml = tmp.path().join("definitions/cat-house/obsctl.yaml");
    edit(
        &yaml,
        "  production:\n",
        "  staging-eu:\n    region: us-east-1\n    cluster: cat-house-staging-eu\n    log_groups: create\n  production:\n",
    );
    apply_in(&e, tmp.path(), "staging-eu", &[]);
    let first = plan_json_in(&e, tmp.path(), "staging", &[]);
    assert!(
        keys_of(&first, "changes")
            .iter()
            .all(|k| k.starts_with("create ")),
        "{:#?}",
        keys_of(&first, "changes")
    );
    assert!(
        keys_of(&first, "conflicts").is_empty(),
        "{:#?}",
        keys_of(&first, "conflicts")
    );
    apply_in(&e, tmp.path(), "staging", &[]);
    for env in ["staging", "staging-eu"] {
        let plan = plan_json_in(&e, tmp.path(), env, &[]);
        assert!(
            keys_of(&plan, "changes").is_empty(),
            "{env}: {:#?}",
            keys_of(&plan, "changes")
        );
        assert!(
            keys_of(&plan, "conflicts").is_empty(),
            "{env}: {:#?}",
            keys_of(&plan, "conflicts")
        );
    }
}

/// A hand-made dashboard with the environment's prefix survives apply as a
/// conflict; one with a name the catalogue generates is adopted with
/// `--adopt`, after `plan --adopt` shows it.
#[tokio::test(flavor = "multi_thread")]
async fn hand_made_prefixed_dashboards_are_conflicts_until_adopted() {
    let e = Emulator::start();
    let cw = e.cloudwatch().await;
    e.apply("cat-house", "staging");
    for name in [
        "cat-house-staging-hand-made",
        "cat-house-staging-not-yet-managed",
    ] {
        cw.put_dashboard()
            .dashboard_name(name)
            .dashboard_body(r#"{"widgets":[]}"#)
            .send()
            .await
            .unwrap();
    }
    let plan = e.plan_json("cat-house", "staging");
    assert!(
        keys_of(&plan, "changes").is_empty(),
        "{:#?}",
        keys_of(&plan, "changes")
    );
    assert_eq!(keys_of(&plan, "conflicts").len(), 2);
    e.apply("cat-house", "staging");
    // The catalogue now generates one of them.
    let tmp = catalogue_copy("cat-house");
    let dashboards = tmp.path().join("definitions/cat-house/dashboards.yaml");
    let text = std::fs::read_to_string(&dashboards).unwrap();
    let first_key = text
        .lines()
        .skip_while(|l| !l.starts_with("dashboards:"))
        .nth(1)
        .unwrap()
        .to_string();
    let copy: String = text
        .lines()
        .skip_while(|l| l != &first_key)
        .skip(1)
        .take_while(|l| l.starts_with("    ") || l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    let added = format!("{}\n  not-yet-managed:\n{copy}", text.trim_end());
    std::fs::write(&dashboards, added).unwrap();
    let plan = plan_json_in(&e, tmp.path(), "staging", &[]);
    assert!(
        keys_of(&plan, "changes").is_empty(),
        "{:#?}",
        keys_of(&plan, "changes")
    );
    assert_eq!(keys_of(&plan, "conflicts").len(), 2);
    let plan = plan_json_in(&e, tmp.path(), "staging", &["--adopt"]);
    assert_eq!(
        keys_of(&plan, "changes"),
        ["adopt cat-house-staging-not-yet-managed"]
    );
    assert_eq!(keys_of(&plan, "conflicts").len(), 1);
    apply_in(&e, tmp.path(), "staging", &["--adopt"]);
    let plan = plan_json_in(&e, tmp.path(), "staging", &[]);
    assert!(
        keys_of(&plan, "changes").is_empty(),
        "{:#?}",
        keys_of(&plan, "changes")
    );
    assert_eq!(
        keys_of(&plan, "conflicts"),
        ["conflict cat-house-staging-hand-made"]
    );
    let kept = cw
        .get_dashboard()
        .dashboard_name("cat-house-staging-hand-made")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.dashboard_body(), Some(r#"{"widgets":[]}"#));
}

/// A catalogue `account_id` that is not the credentials' account refuses to
/// run before anything is read or changed.
#[test]
fn a_catalogue_account_id_other_than_the_credentials_refuses_to_run() {
    let e = Emulator::start();
    let tmp = catalogue_copy("cat-house");
    let yaml = tmp.path().join("definitions/cat-house/obsctl.yaml");
    edit(
        &yaml,
        "    cluster: cat-house-staging\n",
        "    cluster: cat-house-staging\n    account_id: \"999999999999\"\n",
    );
    let out = e.obsctl_in(
        tmp.path(),
        "definitions/cat-house",
        &["apply", "--env", "staging", "--auto-approve"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("999999999999, but the credentials are for account"),
        "{}",
        text(&out)
    );
    let plan = e.plan_json("cat-house", "staging");
    assert!(
        keys_of(&plan, "changes")
            .iter()
            .all(|k| k.starts_with("create ")),
        "nothing was applied"
    );
}

#[test]
fn region_flag_moves_the_arns_with_the_clients() {
    let e = Emulator::start();
    // `--region` moves the clients and every ARN obsctl writes.
    let out = e.obsctl(
        "cat-house",
        &[
            "plan",
            "--env",
            "staging",
            "--region",
            "eu-west-1",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["region"], "eu-west-1");
    let json = plan.to_string();
    assert!(
        json.contains("arn:aws:sns:eu-west-1:"),
        "alarm actions follow --region"
    );
    assert!(
        !json.contains(":us-east-1:"),
        "no ARN of the catalogue's region"
    );
    // (A partition mismatch is tested in run/mod.rs: the emulator answers
    // GetCallerIdentity in the partition of the region it is asked in.)
}

/// Issue "A dashboard saved in the console without edits is not a change":
/// the console rewrites a body with repeated rows as `"..."` / `"."`
/// shorthand and defaults written out; that plans as no change, while a
/// real change of a default (`stacked: true`) is exactly one property.
#[tokio::test(flavor = "multi_thread")]
async fn a_console_saved_dashboard_is_no_change_until_a_default_really_changes() {
    let e = Emulator::start();
    e.apply("cat-house", "staging");
    let cw = e.cloudwatch().await;
    let dashboard = "cat-house-staging-api-performance";
    let mut body = dashboard_body(&cw, dashboard).await;
    let mut metric_widgets = 0;
    for widget in body["widgets"].as_array_mut().unwrap() {
        if widget["type"] != "metric" {
            continue;
        }
        metric_widgets += 1;
        let props = widget["properties"].as_object_mut().unwrap();
        props.insert("stacked".into(), false.into());
        props.insert("view".into(), "timeSeries".into());
        props.insert(
            "stat".into(),
            props.get("stat").cloned().unwrap_or("Average".into()),
        );
        if let Some(period) = props.get("period").and_then(Value::as_f64) {
            props.insert("period".into(), serde_json::json!(period));
        }
        // Console shorthand: a row repeating the previous row's namespace and name.
        if let Some(rows) = props.get_mut("metrics").and_then(Value::as_array_mut) {
            for i in (1..rows.len()).rev() {
                let (prev, row) = (rows[i - 1].clone(), &mut rows[i]);
                let Some(items) = row.as_array_mut() else {
                    continue;
                };
                for (k, item) in items.iter_mut().enumerate().take(2) {
                    if prev.get(k) == Some(item) && item.is_string() {
                        *item = ".".into();
                    }
                }
            }
        }
    }
    assert!(metric_widgets >= 2, "{body}");
    put_dashboard_body(&cw, dashboard, &body).await;
    let plan = e.plan_json("cat-house", "staging");
    assert_eq!(plan["changes"], serde_json::json!([]), "{plan}");

    // A real change of a default is exactly that property.
    let mut body = dashboard_body(&cw, dashboard).await;
    let index = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .position(|w| w["type"] == "metric")
        .unwrap();
    body["widgets"][index]["properties"]["stacked"] = true.into();
    put_dashboard_body(&cw, dashboard, &body).await;
    let plan = e.plan_json("cat-house", "staging");
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan}");
    let fields: Vec<String> = changes[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {} -> {}",
                f["path"].as_str().unwrap(),
                f["before"],
                f["after"]
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![format!("widgets[{index}].properties.stacked: true -> null")]
    );
}

/// Issue "Plans a reviewer reads in ten seconds": deleting the header
/// widget in the console and removing one metric from the next widget is
/// two things, and the plan says so in a few lines.
#[tokio::test(flavor = "multi_thread")]
async fn a_removed_widget_and_a_removed_metric_read_as_two_changes() {
    let e = Emulator::start();
    e.apply("cat-house", "staging");
    let cw = e.cloudwatch().await;
    let dashboard = "cat-house-staging-api-performance";
    let mut body = dashboard_body(&cw, dashboard).await;
    let widgets = body["widgets"].as_array_mut().unwrap();
    assert_eq!(widgets[0]["type"], "text");
    widgets.remove(0);
    let rows = widgets[0]["properties"]["metrics"].as_array_mut().unwrap();
    let removed = rows.remove(1);
    put_dashboard_body(&cw, dashboard, &body).await;
    let out = e.obsctl("cat-house", &["plan", "--env", "staging"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("obsctl plan:") && !l.starts_with("Plan:"))
        .collect();
    assert!(lines.len() <= 6, "{stdout}");
    assert!(
        stdout.contains("widgets[0]: added text widget \"# cat-house staging: API performance\""),
        "{stdout}"
    );
    let service = removed[3].as_str().unwrap();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(".metrics[1]: added") && l.contains(service)),
        "{stdout}"
    );
}

/// A dashboard's body as stored, parsed.
async fn dashboard_body(cw: &cw::Client, name: &str) -> Value {
    let out = cw
        .get_dashboard()
        .dashboard_name(name)
        .send()
        .await
        .unwrap();
    serde_json::from_str(out.dashboard_body().unwrap()).unwrap()
}

/// Saves a body as the console would (PutDashboard with the whole body).
async fn put_dashboard_body(cw: &cw::Client, name: &str, body: &Value) {
    cw.put_dashboard()
        .dashboard_name(name)
        .dashboard_body(body.to_string())
        .send()
        .await
        .unwrap();
}

/// Issue 19, finding 1: a conflict hides part of the catalogue, so
/// `plan --detailed-exitcode` never exits 0 with one (3: conflicts), until
/// the resource is declared under `foreign:` (then it is a note, exit 0).
#[tokio::test(flavor = "multi_thread")]
async fn conflicts_fail_detailed_exitcode_until_declared_foreign() {
    let e = Emulator::start();
    let tmp = catalogue_copy("cat-house");
    let cat = "definitions/cat-house";
    let out = e.obsctl_in(
        tmp.path(),
        cat,
        &["apply", "--env", "staging", "--auto-approve"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Another team's dashboard under the environment's prefix, untagged.
    e.cloudwatch()
        .await
        .put_dashboard()
        .dashboard_name("cat-house-staging-legacy-board")
        .dashboard_body(r#"{"widgets":[]}"#)
        .send()
        .await
        .unwrap();
    let detailed = ["plan", "--env", "staging", "--detailed-exitcode"];
    let out = e.obsctl_in(tmp.path(), cat, &detailed);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("cat-house-staging-legacy-board"),
        "{}",
        text(&out)
    );
    let out = e.obsctl_in(tmp.path(), cat, &["plan", "--env", "staging"]);
    assert_eq!(out.status.code(), Some(0), "without the flag plan exits 0");

    let yaml = tmp.path().join(cat).join("obsctl.yaml");
    append(&yaml, "\nforeign:\n  - \"cat-house-staging-legacy-*\"\n");
    let out = e.obsctl_in(tmp.path(), cat, &detailed);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out)
            .contains("cat-house-staging-legacy-board: left alone (declared under `foreign:`)"),
        "{}",
        text(&out)
    );
}

/// What the apply lock (`src/lock.rs`) needs from CloudWatch Logs, checked
/// against fakecloud 0.51 before relying on it: CreateLogStream of an
/// existing name fails with `ResourceAlreadyExistsException`,
/// DescribeLogStreams lists by prefix in name order with creation times,
/// GetLogEvents newest first returns the last event with its ingestion
/// time, and a missing group or stream is `ResourceNotFoundException`.
#[tokio::test(flavor = "multi_thread")]
async fn fakecloud_log_streams_behave_as_the_apply_lock_needs() {
    use aws_sdk_cloudwatchlogs::types::InputLogEvent;
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    let e = Emulator::start();
    let logs = e.logs().await;
    let g = "/obsctl/locks/probe";
    let code = |e: &dyn ProvideErrorMetadata| e.code().map(str::to_string);
    let missing = logs
        .describe_log_streams()
        .log_group_name(g)
        .log_stream_name_prefix("staging.")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&missing).as_deref(), Some("ResourceNotFoundException"));
    logs.create_log_group()
        .log_group_name(g)
        .send()
        .await
        .unwrap();
    for s in [
        "staging.0000000002",
        "staging.eu.0000000001",
        "staging.0000000001",
    ] {
        logs.create_log_stream()
            .log_group_name(g)
            .log_stream_name(s)
            .send()
            .await
            .unwrap();
    }
    let again = logs
        .create_log_stream()
        .log_group_name(g)
        .log_stream_name("staging.0000000001")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&again).as_deref(),
        Some("ResourceAlreadyExistsException")
    );
    let listed = logs
        .describe_log_streams()
        .log_group_name(g)
        .log_stream_name_prefix("staging.")
        .limit(50)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = listed
        .log_streams()
        .iter()
        .map(|s| s.log_stream_name().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "staging.0000000001",
            "staging.0000000002",
            "staging.eu.0000000001"
        ]
    );
    assert!(
        listed
            .log_streams()
            .iter()
            .all(|s| s.creation_time().is_some())
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for (i, m) in ["first", "second"].iter().enumerate() {
        logs.put_log_events()
            .log_group_name(g)
            .log_stream_name("staging.0000000001")
            .log_events(
                InputLogEvent::builder()
                    .timestamp(now + i as i64)
                    .message(*m)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    let newest = logs
        .get_log_events()
        .log_group_name(g)
        .log_stream_name("staging.0000000001")
        .start_from_head(false)
        .limit(1)
        .send()
        .await
        .unwrap();
    let events = newest.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message(), Some("second"));
    assert!(events[0].ingestion_time().unwrap() >= now - 60_000);
    let delete = || {
        logs.delete_log_stream()
            .log_group_name(g)
            .log_stream_name("staging.0000000001")
            .send()
    };
    delete().await.unwrap();
    let gone = delete().await.unwrap_err();
    assert_eq!(code(&gone).as_deref(), Some("ResourceNotFoundException"));
    let write = logs
        .put_log_events()
        .log_group_name(g)
        .log_stream_name("staging.0000000001")
        .log_events(
            InputLogEvent::builder()
                .timestamp(now)
                .message("late")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&write).as_deref(), Some("ResourceNotFoundException"));
}

/// Another apply's lock, written as `lock.rs` writes it: the stream
/// `staging.0000000001` in `/obsctl/locks/<project>` with the holder's
/// description as its event. `expiry_seconds` is how long it counts as
/// alive without another heartbeat (which never comes).
async fn hold_lock(e: &Emulator, project: &str, expiry_seconds: u64) {
    use aws_sdk_cloudwatchlogs::types::InputLogEvent;
    let logs = e.logs().await;
    let group = format!("/obsctl/locks/{project}");
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(&group)
        .log_stream_name("staging.0000000001")
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let holder = obsctl::lock::Holder {
        host: "other-ci".into(),
        pid: 4242,
        ci: Some("https://ci.example/job/7".into()),
        catalogue: project.into(),
        env: "staging".into(),
        since: now,
        version: "0.1.0".into(),
        expiry_seconds,
    };
    logs.put_log_events()
        .log_group_name(&group)
        .log_stream_name("staging.0000000001")
        .log_events(
            InputLogEvent::builder()
                .timestamp(now)
                .message(serde_json::to_string(&holder).unwrap())
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// The lock streams left in `/obsctl/locks/<project>`.
async fn lock_streams(e: &Emulator, project: &str) -> Vec<String> {
    let out = e
        .logs()
        .await
        .describe_log_streams()
        .log_group_name(format!("/obsctl/locks/{project}"))
        .send()
        .await
        .unwrap();
    out.log_streams()
        .iter()
        .filter_map(|s| s.log_stream_name().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_apply_stops_a_second_one_plan_notes_it_and_a_waiting_one_goes_on_after() {
    let e = Emulator::start();
    hold_lock(&e, "bookstore", 3600).await;
    let apply = ["apply", "--env", "staging", "--auto-approve"];
    let out = e.obsctl("bookstore", &apply);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        stderr.contains(
            "another apply of `staging` is running: host other-ci, pid 4242, CI job https://ci.example/job/7, catalogue bookstore, obsctl 0.1.0, since "
        ) && stderr.contains("lock stream staging.0000000001 in /obsctl/locks/bookstore")
            && stderr.contains("nothing was changed")
            && stderr.contains("--lock-timeout"),
        "{stderr}"
    );
    // Plan takes no lock: it plans, and says an apply is running.
    let out = e.obsctl("bookstore", &["plan", "--env", "staging"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout.contains("note: an apply of staging is running (host other-ci, pid 4242"),
        "{stdout}"
    );
    let plan = e.plan_json("bookstore", "staging");
    assert!(
        !plan["changes"].as_array().unwrap().is_empty(),
        "nothing applied"
    );
    let note = plan["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["note"] == "apply_running")
        .unwrap();
    assert_eq!(note["holder"]["host"], "other-ci");
    assert_eq!(note["stream"], "staging.0000000001");
    // With --lock-timeout, apply waits; the other apply finishes 3 s later.
    let waiting = e
        .command(&e.url, &root(), "definitions/bookstore", &apply)
        .args(["--lock-timeout", "5m"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    e.logs()
        .await
        .delete_log_stream()
        .log_group_name("/obsctl/locks/bookstore")
        .log_stream_name("staging.0000000001")
        .send()
        .await
        .unwrap();
    let out = waiting.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout.contains("lock: an apply of staging is running (host other-ci, pid 4242")
            && stdout.contains("waiting up to 5m"),
        "{stdout}"
    );
    assert_eq!(lock_streams(&e, "bookstore").await, Vec::<String>::new());
    let out = e.obsctl(
        "bookstore",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("note: an apply"));
}

#[test]
fn the_lock_of_a_killed_apply_is_taken_over_after_its_expiry() {
    let e = Emulator::start();
    // An apply that declared a 2 s expiry and then died.
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(hold_lock(&e, "cat-house", 2));
    let started = std::time::Instant::now();
    let out = e.obsctl(
        "cat-house",
        &[
            "apply",
            "--env",
            "staging",
            "--auto-approve",
            "--lock-timeout",
            "1m",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        stdout.contains("lock: an apply of staging is running (host other-ci"),
        "{stdout}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let streams = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(lock_streams(&e, "cat-house"));
    // Generation 2 took over, deleted generation 1, and was released.
    assert_eq!(streams, Vec::<String>::new());
}

/// Two `obsctl apply` of the same catalogue started at once (two CI
/// pipelines): `args` are both's extra arguments. Returns their outputs.
fn two_applies_at_once(e: &Emulator, cwd: &Path, extra: &[&str]) -> [std::process::Output; 2] {
    let mut args = vec!["apply", "--env", "staging", "--auto-approve"];
    args.extend_from_slice(extra);
    let spawn = || {
        e.command(&e.url, cwd, "gen", &args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()]
}

#[tokio::test(flavor = "multi_thread")]
async fn two_applies_at_once_one_applies_the_other_names_the_lock() {
    let e = Emulator::start();
    let tmp = tempfile::tempdir().unwrap();
    obsctl::generate::write_catalogue(&tmp.path().join("gen"), 30).unwrap();
    let outs = two_applies_at_once(&e, tmp.path(), &[]);
    let mut codes: Vec<Option<i32>> = outs.iter().map(|o| o.status.code()).collect();
    codes.sort();
    let both = format!("{}\n---\n{}", text(&outs[0]), text(&outs[1]));
    assert_eq!(codes, [Some(0), Some(1)], "{both}");
    let loser = outs.iter().find(|o| o.status.code() == Some(1)).unwrap();
    let stderr = String::from_utf8_lossy(&loser.stderr);
    assert!(
        stderr.contains("another apply of `staging` is")
            && stderr.contains("lock stream staging.0000000001 in /obsctl/locks/gen")
            && stderr.contains("nothing was changed"),
        "{both}"
    );
    assert_eq!(e.duplicates().await, Vec::<String>::new());
    let out = e.obsctl_in(
        tmp.path(),
        "gen",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lock_streams(&e, "gen").await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn two_applies_at_once_with_a_lock_timeout_the_second_finds_nothing_to_do() {
    let e = Emulator::start();
    let tmp = tempfile::tempdir().unwrap();
    obsctl::generate::write_catalogue(&tmp.path().join("gen"), 30).unwrap();
    let outs = two_applies_at_once(&e, tmp.path(), &["--lock-timeout", "5m"]);
    let both = format!("{}\n---\n{}", text(&outs[0]), text(&outs[1]));
    assert!(outs.iter().all(|o| o.status.code() == Some(0)), "{both}");
    let stdout: Vec<String> = outs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .collect();
    // The two processes start together but the race is the scheduler's:
    // when they overlap, the second waits for the lock and then finds
    // nothing to do; when the first is done before the second reads, the
    // second finds nothing to do without waiting (the waiting itself is
    // tested deterministically by
    // `a_running_apply_stops_a_second_one_plan_notes_it_and_a_waiting_one_goes_on_after`).
    let waited: Vec<&String> = stdout
        .iter()
        .filter(|s| s.contains("lock: an apply of staging is"))
        .collect();
    assert!(waited.len() <= 1, "{both}");
    assert!(waited.iter().all(|w| w.contains("No changes.")), "{both}");
    assert_eq!(
        stdout.iter().filter(|s| s.contains("No changes.")).count(),
        1,
        "{both}"
    );
    assert_eq!(
        stdout
            .iter()
            .filter(|s| s.contains("Apply finished"))
            .count(),
        1,
        "{both}"
    );
    assert_eq!(e.duplicates().await, Vec::<String>::new());
    let out = e.obsctl_in(
        tmp.path(),
        "gen",
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// `obsctl verify` against the emulator: cat-house staging applied, then
/// fed small synthetic data in the window (the last 3 h): auth-service
/// healthy (requests, latency, CPU, and log events in its group, but no
/// server errors), catalog-service with its latency published under the
/// wrong dimension set, installation-service with requests only 5 hours
/// ago, proxy-service silent. Every line about them, the counts, the
/// locations, the JUnit cases and the exit code are checked.
#[tokio::test(flavor = "multi_thread")]
async fn verify_names_each_dead_metric_and_silent_service_at_its_catalogue_location() {
    use cw::types::{Dimension, MetricDatum};
    let started = std::time::Instant::now();
    let e = Emulator::start();
    e.apply("cat-house", "staging");
    let cw = e.cloudwatch().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let minute = 60_000;
    let dims = |pairs: &[(&str, &str)]| -> Vec<Dimension> {
        pairs
            .iter()
            .map(|(n, v)| Dimension::builder().name(*n).value(*v).build())
            .collect()
    };
    // (namespace, metric, dimensions, first minute ago, minutes, value)
    type Seed<'a> = (&'a str, &'a str, Vec<Dimension>, i64, i64, f64);
    let seeds: Vec<Seed> = vec![
        (
            "CatHouse/Services",
            "RequestCount",
            dims(&[("service", "auth-service")]),
            120,
            120,
            20.0,
        ),
        (
            "CatHouse/Services",
            "RequestLatency",
            dims(&[("service", "auth-service")]),
            120,
            120,
            85.0,
        ),
        (
            "AWS/ECS",
            "CPUUtilization",
            dims(&[
                ("ClusterName", "cat-house-staging"),
                ("ServiceName", "cat-house-staging-auth-service"),
            ]),
            120,
            120,
            35.0,
        ),
        (
            "CatHouse/Services",
            "RequestCount",
            dims(&[("service", "catalog-service")]),
            120,
            120,
            12.0,
        ),
        // The dimension mismatch: the service publishes {env, service}.
        (
            "CatHouse/Services",
            "RequestLatency",
            dims(&[("env", "staging"), ("service", "catalog-service")]),
            120,
            120,
            140.0,
        ),
        // Before the window only.
        (
            "CatHouse/Services",
            "RequestCount",
            dims(&[("service", "installation-service")]),
            300,
            60,
            3.0,
        ),
    ];
    let mut datapoints = 0;
    for (ns, name, d, from, count, value) in &seeds {
        let data: Vec<MetricDatum> = (0..*count)
            .map(|i| {
                MetricDatum::builder()
                    .metric_name(*name)
                    .set_dimensions(Some(d.clone()))
                    .timestamp(aws_smithy_types::DateTime::from_millis(
                        now - (from - i) * minute,
                    ))
                    .value(*value)
                    .build()
            })
            .collect();
        datapoints += data.len();
        cw.put_metric_data()
            .namespace(*ns)
            .set_metric_data(Some(data))
            .send()
            .await
            .unwrap();
    }
    // auth-service logs (requests without a status, so no error matches).
    let logs = e.logs().await;
    let group = "/ecs/cat-house/staging/auth-service";
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name("web-1")
        .send()
        .await
        .unwrap();
    let events: Vec<aws_sdk_cloudwatchlogs::types::InputLogEvent> = (0..5)
        .map(|i| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now - (30 - 6 * i) * minute)
                .message(r#"{"level":"INFO","service":"auth-service","message":"ok"}"#)
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name("web-1")
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("verify.xml");
    let verify_started = std::time::Instant::now();
    let out = e.obsctl(
        "cat-house",
        &[
            "verify",
            "--env",
            "staging",
            "--junit",
            junit.to_str().unwrap(),
            "--verbose",
        ],
    );
    let verify_seconds = verify_started.elapsed().as_secs_f64();
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.code(),
        Some(2),
        "problems exit 2:\n{}",
        text(&out)
    );
    let lines: Vec<&str> = report.lines().collect();
    let has = |want: &str| {
        assert!(
            lines.iter().any(|l| l.trim_end() == want),
            "no line\n{want}\nin\n{report}"
        )
    };
    let follows = |line: &str, next: &str| {
        let i = lines
            .iter()
            .position(|l| l.trim_end() == line)
            .unwrap_or_else(|| panic!("no line\n{line}\nin\n{report}"));
        assert!(
            lines[i + 1..]
                .iter()
                .take_while(|l| l.starts_with("         "))
                .any(|l| l.trim() == next),
            "{line}\nis not followed by\n{next}\nin\n{report}"
        );
    };
    assert!(lines[0].starts_with("Verify cat-house staging: data over the last 3h ("));
    has("GetMetricData: 63 metrics in 1 call, about $0.0006 ($0.01 per 1,000 metrics requested)");
    // Healthy: alive, with their sample counts.
    has("  ok   CatHouse/Services RequestCount {service=auth-service}: 120 samples");
    has("  ok   CatHouse/Services RequestLatency {service=auth-service}: 120 samples");
    has(
        "  ok   AWS/ECS CPUUtilization {ClusterName=cat-house-staging, ServiceName=cat-house-staging-auth-service}: 120 samples",
    );
    has(
        "  ok   cat-house-staging-auth-service-RequestCount (CatHouse/Services RequestCount {service}): 120 samples",
    );
    // The dimension mismatch, at the alarm template and the widget.
    let mismatch = "  FAIL CatHouse/Services RequestLatency {service=catalog-service}: no data for CatHouse/Services RequestLatency {service=catalog-service}; the account has it with {env, service}";
    has(mismatch);
    follows(
        mismatch,
        "definitions/cat-house/alarms.yaml:48:3: alarm cat-house-staging-catalog-service-high-latency (template high-latency, service catalog-service)",
    );
    follows(
        mismatch,
        "definitions/cat-house/dashboards.yaml:5:3: widget \"catalog-service latency (p50, p95, p99)\" of dashboard cat-house-staging-api-performance (entry api-performance)",
    );
    // A counter without errors while the service logs: quiet, told apart.
    has(
        "  warn cat-house-staging-auth-service-ServerErrorCount (CatHouse/Services ServerErrorCount {service}): no datapoints; log group /ecs/cat-house/staging/auth-service received events, none matched: the filter never matches",
    );
    let quiet_errors = "  warn CatHouse/Services ServerErrorCount {service=auth-service}: no datapoints; published by metric filter cat-house-staging-auth-service-ServerErrorCount: log group /ecs/cat-house/staging/auth-service received events, none matched: the filter never matches";
    has(quiet_errors);
    follows(
        quiet_errors,
        "definitions/cat-house/alarms.yaml:23:3: alarm cat-house-staging-auth-service-high-error-rate query errors (template high-error-rate, service auth-service)",
    );
    // A service that does not log.
    let silent = "  FAIL cat-house-staging-proxy-service-RequestCount (CatHouse/Services RequestCount {service}): no datapoints; log group /ecs/cat-house/staging/proxy-service received no events: the service does not log";
    has(silent);
    follows(
        silent,
        "definitions/cat-house/logs.yaml:16:3: metric filter RequestCount, service proxy-service",
    );
    has(
        "  FAIL CatHouse/Services RequestCount {service=proxy-service}: no datapoints; published by metric filter cat-house-staging-proxy-service-RequestCount: log group /ecs/cat-house/staging/proxy-service received no events: the service does not log",
    );
    // Data before the window only.
    has(
        "  warn CatHouse/Services RequestCount {service=installation-service}: no datapoints in the window, but it had some within two weeks",
    );
    // A metric nothing publishes.
    has(
        "  FAIL CatHouse/Services db_connections_active {service=auth-service}: no data: the account has no CatHouse/Services db_connections_active with any dimensions in the past two weeks",
    );
    // Every finding that is not ok names a catalogue file that exists.
    for l in lines.iter().filter(|l| l.starts_with("         ")) {
        let file = l.trim().split(':').next().unwrap();
        assert!(root().join(file).is_file(), "{l}");
    }
    // Counts (63 metrics, 25 filters) and calls against the floor.
    has("1. Data: every metric and query is alive (7 alive, 7 quiet, 74 problems)");
    has("  cloudwatch:GetMetricData                     1 (floor     1)");
    has("  logs:FilterLogEvents                         5 (floor     5)");
    let listings = lines
        .iter()
        .find(|l| l.trim_start().starts_with("cloudwatch:ListMetrics"))
        .unwrap();
    let (calls, floor) = listings
        .trim()
        .strip_prefix("cloudwatch:ListMetrics")
        .unwrap()
        .split_once("(floor")
        .unwrap();
    assert_eq!(
        calls.trim(),
        floor.trim_end_matches(')').trim(),
        "{listings}"
    );
    // JUnit: one case per metric and per metric filter.
    let suites = junit_parser::from_reader(std::io::BufReader::new(
        std::fs::File::open(&junit).unwrap(),
    ))
    .unwrap();
    let cases: usize = suites.suites.iter().map(|s| s.cases.len()).sum();
    assert_eq!(cases, 63 + 25);
    let failed: usize = suites
        .suites
        .iter()
        .flat_map(|s| &s.cases)
        .filter(|c| c.status.is_failure())
        .count();
    assert_eq!(failed, 74);
    // JSON says the same.
    let json = e.obsctl(
        "cat-house",
        &["verify", "--env", "staging", "--format", "json"],
    );
    assert_eq!(json.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["metrics"].as_array().unwrap().len(), 63);
    assert_eq!(v["estimate"]["metrics_requested"], 63);
    // Saved queries over the last 15 minutes (two auth-service events).
    let q = e.obsctl(
        "cat-house",
        &[
            "verify",
            "--env",
            "staging",
            "--queries",
            "--max-scan",
            "1G",
        ],
    );
    let qtext = String::from_utf8_lossy(&q.stdout).to_string();
    assert_eq!(q.status.code(), Some(2), "{}", text(&q));
    for want in [
        "Logs Insights: 8 saved queries over about 0 B (IncomingBytes), about $0.0000 ($0.005 per GB scanned)",
        "Saved queries (8):",
        "  warn cat-house-staging/errors/all-errors-last-hour: ran, returned no rows (112 B scanned)",
        "  ok   cat-house-staging/performance/slow-requests: 2 rows (112 B scanned)",
        "  ok   cat-house-staging/errors/error-rate-by-service: 1 row (112 B scanned)",
        // fakecloud 0.51 splits `/database|connection|pool/` at its `|`
        // (AWS reads a regular expression): the refusal is reported, located.
        "  FAIL cat-house-staging/database/connection-issues: StartQuery refused it: MalformedQueryException: malformed regex in filter: /database",
        "         definitions/cat-house/logs.yaml:125:3: query database/connection-issues",
    ] {
        assert!(
            qtext.lines().any(|l| l.trim_end() == want),
            "no line\n{want}\nin\n{qtext}"
        );
    }

    eprintln!(
        "verify: {datapoints} datapoints seeded; verify {verify_seconds:.2} s; whole test {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The plan's changes as (action, key, changed paths).
fn changes_of(plan: &Value) -> Vec<(String, String, Vec<String>)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["key"].as_str().unwrap().to_string(),
                c["fields"]
                    .as_array()
                    .map(|f| {
                        f.iter()
                            .map(|f| f["path"].as_str().unwrap().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn mute_windows_apply_repair_drift_and_are_pruned() {
    let e = Emulator::start();
    let tmp = catalogue_copy("bookstore");
    let cat = "definitions/bookstore";
    let run = |args: &[&str]| {
        let out = e.obsctl_in(tmp.path(), cat, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        out
    };
    let plan = |args: &[&str]| -> Value {
        let mut all = vec!["plan", "--env", "production", "--format", "json"];
        all.extend_from_slice(args);
        let out = e.obsctl_in(tmp.path(), cat, &all);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)))
    };
    run(&["apply", "--env", "production", "--auto-approve"]);
    run(&["plan", "--env", "production", "--detailed-exitcode"]);

    // The rule is there as compiled, with its ownership tags.
    let rule_name = "bookstore-production-mute-nightly-maintenance";
    let cw = e.cloudwatch().await;
    let got = cw
        .get_alarm_mute_rule()
        .alarm_mute_rule_name(rule_name)
        .send()
        .await
        .unwrap();
    let schedule = got.rule().unwrap().schedule().unwrap();
    assert_eq!(schedule.expression(), Some("cron(0 2 * * *)"));
    assert_eq!(schedule.duration(), Some("PT30M"));
    assert_eq!(schedule.timezone(), Some("America/New_York"));
    let targets = got.mute_targets().unwrap().alarm_names().to_vec();
    assert_eq!(targets.len(), 16, "{targets:#?}");
    let arn = got.alarm_mute_rule_arn().unwrap().to_string();
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert!(tags.contains(&("obsctl:env", "production")), "{tags:?}");
    assert!(
        tags.contains(&("obsctl:catalogue", "bookstore")),
        "{tags:?}"
    );

    // Edited outside obsctl: a longer window over fewer alarms.
    cw.put_alarm_mute_rule()
        .name(rule_name)
        .set_description(got.description().map(str::to_string))
        .rule(
            cw::types::Rule::builder()
                .schedule(
                    cw::types::Schedule::builder()
                        .expression("cron(0 2 * * *)")
                        .duration("PT2H")
                        .timezone("America/New_York")
                        .build(),
                )
                .build(),
        )
        .mute_targets(
            cw::types::MuteTargets::builder()
                .set_alarm_names(Some(targets[..3].to_vec()))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let drift = changes_of(&plan(&[]));
    assert_eq!(drift.len(), 1, "{drift:#?}");
    let (action, key, fields) = &drift[0];
    assert_eq!((action.as_str(), key.as_str()), ("update", rule_name));
    assert!(fields.iter().any(|f| f.contains("Duration")), "{fields:?}");
    assert!(
        fields.iter().any(|f| f.contains("AlarmNames")),
        "{fields:?}"
    );
    run(&["apply", "--env", "production", "--auto-approve"]);
    run(&["plan", "--env", "production", "--detailed-exitcode"]);
    let repaired = cw
        .get_alarm_mute_rule()
        .alarm_mute_rule_name(rule_name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        repaired.rule().unwrap().schedule().unwrap().duration(),
        Some("PT30M")
    );
    assert_eq!(repaired.mute_targets().unwrap().alarm_names().len(), 16);

    // The window removed from the catalogue: exactly its rule is deleted.
    let yaml = tmp.path().join("definitions/bookstore/obsctl.yaml");
    let text_now = std::fs::read_to_string(&yaml).unwrap();
    let start = text_now.find("mute:\n").unwrap();
    let end = text_now[start..].find("\n\n").unwrap() + start + 2;
    std::fs::write(&yaml, format!("{}{}", &text_now[..start], &text_now[end..])).unwrap();
    let pruned = changes_of(&plan(&[]));
    assert_eq!(
        pruned,
        vec![("delete".to_string(), rule_name.to_string(), Vec::new())]
    );
    run(&["apply", "--env", "production", "--auto-approve"]);
    run(&["plan", "--env", "production", "--detailed-exitcode"]);
    let gone = cw
        .get_alarm_mute_rule()
        .alarm_mute_rule_name(rule_name)
        .send()
        .await;
    assert!(gone.is_err(), "{gone:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn mute_for_a_deploy_is_left_alone_until_it_expires_and_unmute_ends_it() {
    let e = Emulator::start();
    e.apply("bookstore", "production");
    let out = e.obsctl(
        "bookstore",
        &[
            "mute",
            "--env",
            "production",
            "--for",
            "20m",
            "--services",
            "order-service",
            "--reason",
            "deploy 42",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.contains("alarms in production until"), "{stdout}");
    assert!(
        stdout.contains("bookstore-production-order-service-service-down"),
        "{stdout}"
    );
    assert!(!stdout.contains("payment-service"), "{stdout}");
    let cw = e.cloudwatch().await;
    let list = cw.list_alarm_mute_rules().send().await.unwrap();
    let adhoc: Vec<String> = list
        .alarm_mute_rule_summaries()
        .iter()
        .filter_map(|r| r.alarm_mute_rule_arn())
        .filter(|a| a.contains("-adhoc-"))
        .map(str::to_string)
        .collect();
    assert_eq!(adhoc.len(), 1, "{adhoc:?}");
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(&adhoc[0])
        .send()
        .await
        .unwrap();
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("obsctl:reason") && t.value() == Some("deploy 42")),
        "{tags:?}"
    );
    // A running ad-hoc rule is not the catalogue's: no drift, no prune.
    let out = e.obsctl(
        "bookstore",
        &["plan", "--env", "production", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // An expired one (a deploy muted long ago): the next apply prunes it.
    let expired = "bookstore-production-adhoc-20200101T0000";
    cw.put_alarm_mute_rule()
        .name(expired)
        .rule(
            cw::types::Rule::builder()
                .schedule(
                    cw::types::Schedule::builder()
                        .expression("at(2020-01-01T00:00)")
                        .duration("PT20M")
                        .timezone("UTC")
                        .build(),
                )
                .build(),
        )
        .mute_targets(
            cw::types::MuteTargets::builder()
                .alarm_names("bookstore-production-order-service-service-down")
                .build(),
        )
        .expire_date(aws_smithy_types::DateTime::from_secs(1_577_837_200))
        .send()
        .await
        .unwrap();
    let arn = cw
        .get_alarm_mute_rule()
        .alarm_mute_rule_name(expired)
        .send()
        .await
        .unwrap()
        .alarm_mute_rule_arn()
        .unwrap()
        .to_string();
    let tag = |k: &str, v: &str| cw::types::Tag::builder().key(k).value(v).build();
    cw.tag_resource()
        .resource_arn(&arn)
        .tags(tag("obsctl:catalogue", "bookstore"))
        .tags(tag("obsctl:env", "production"))
        .tags(tag("obsctl:adhoc", "true"))
        .send()
        .await
        .unwrap();
    let plan = e.plan_json("bookstore", "production");
    assert_eq!(
        changes_of(&plan),
        vec![("delete".to_string(), expired.to_string(), Vec::new())]
    );
    e.apply("bookstore", "production");
    let names: Vec<String> = cw
        .list_alarm_mute_rules()
        .send()
        .await
        .unwrap()
        .alarm_mute_rule_summaries()
        .iter()
        .filter_map(|r| r.alarm_mute_rule_arn())
        .map(str::to_string)
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(expired)), "{names:?}");
    assert!(
        names.contains(&adhoc[0]),
        "the running one is kept: {names:?}"
    );

    // `unmute` ends the running one.
    let out = e.obsctl("bookstore", &["unmute", "--env", "production"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        stdout.contains("unmuted: bookstore-production-adhoc-"),
        "{stdout}"
    );
    assert!(stdout.contains("(deploy 42)"), "{stdout}");
    let left = cw.list_alarm_mute_rules().send().await.unwrap();
    assert!(
        left.alarm_mute_rule_summaries()
            .iter()
            .all(|r| !r.alarm_mute_rule_arn().unwrap().contains("-adhoc-")),
        "{left:?}"
    );
    let out = e.obsctl("bookstore", &["unmute", "--env", "production"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("no running ad-hoc mute in production"),
        "{}",
        text(&out)
    );
}

/// `verify --backtest` against the emulator (issue 22, Done when):
/// cat-house staging applied and fed a day of synthetic data — auth-service
/// healthy, catalog-service publishing its latency under another dimension
/// set, proxy-service and health-aggregator silent, installation-service
/// with two CPU incidents of 30 minutes at chosen minutes, far from the
/// 3-of-3 edges. The backtest counts are the ones known by construction:
/// the incidents page twice, 18 minutes each (ALARM once the oldest of the
/// three 5-minute averages holds 4 busy minutes: 14 minutes in; OK once the
/// newest holds fewer: 2 minutes after the end), with an OK notification
/// each; a silent service's `service-down` (missing data breaching) is in
/// ALARM the whole day without a new page; nothing else fires.
#[tokio::test(flavor = "multi_thread")]
async fn verify_backtest_counts_the_incidents_placed_in_three_days_of_data() {
    use cw::types::{Dimension, MetricDatum};
    let started = std::time::Instant::now();
    let e = Emulator::start();
    e.apply("cat-house", "staging");
    let cw = e.cloudwatch().await;
    let minute = 60_000i64;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        / minute
        * minute;
    let dims = |pairs: &[(&str, &str)]| -> Vec<Dimension> {
        pairs
            .iter()
            .map(|(n, v)| Dimension::builder().name(*n).value(*v).build())
            .collect()
    };
    let ecs = |service: &str| {
        dims(&[
            ("ClusterName", "cat-house-staging"),
            ("ServiceName", &format!("cat-house-staging-{service}")),
        ])
    };
    // Three incidents on three days, 30 minutes of CPU at 95 % each.
    let incidents = [
        now - 56 * 60 * minute,
        now - 20 * 60 * minute,
        now - 8 * 60 * minute,
    ];
    let busy = |t: i64| incidents.iter().any(|s| (*s..s + 30 * minute).contains(&t));
    let first = now - 73 * 60 * minute;
    let mut data: Vec<(&str, MetricDatum)> = Vec::new();
    let mut t = first;
    while t < now {
        let at = aws_smithy_types::DateTime::from_millis(t);
        let datum = |name: &str, d: Vec<Dimension>, v: f64| {
            MetricDatum::builder()
                .metric_name(name)
                .set_dimensions(Some(d))
                .timestamp(at)
                .value(v)
                .build()
        };
        for service in ["auth-service", "installation-service", "catalog-service"] {
            data.push((
                "ECS/ContainerInsights",
                datum("RunningTaskCount", ecs(service), 2.0),
            ));
        }
        data.push((
            "AWS/ECS",
            datum("CPUUtilization", ecs("auth-service"), 30.0),
        ));
        data.push((
            "AWS/ECS",
            datum("MemoryUtilization", ecs("auth-service"), 40.0),
        ));
        let cpu = if busy(t) { 95.0 } else { 30.0 };
        data.push((
            "AWS/ECS",
            datum("CPUUtilization", ecs("installation-service"), cpu),
        ));
        data.push((
            "CatHouse/Services",
            datum(
                "RequestLatency",
                dims(&[("service", "auth-service")]),
                80.0 + (t / minute % 3) as f64 * 5.0,
            ),
        ));
        // The dimension mismatch.
        data.push((
            "CatHouse/Services",
            datum(
                "RequestLatency",
                dims(&[("env", "staging"), ("service", "catalog-service")]),
                120.0,
            ),
        ));
        t += minute;
    }
    let datapoints = data.len();
    assert!(datapoints <= 200_000, "{datapoints}");
    for ns in ["AWS/ECS", "ECS/ContainerInsights", "CatHouse/Services"] {
        let all: Vec<MetricDatum> = data
            .iter()
            .filter(|(n, _)| *n == ns)
            .map(|(_, d)| d.clone())
            .collect();
        for chunk in all.chunks(1000) {
            cw.put_metric_data()
                .namespace(ns)
                .set_metric_data(Some(chunk.to_vec()))
                .send()
                .await
                .unwrap();
        }
    }
    let out = e.obsctl(
        "cat-house",
        &[
            "verify",
            "--env",
            "staging",
            "--since",
            "3d",
            "--backtest",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let alarms = report["backtest"]["alarms"].as_array().unwrap();
    let get = |name: &str| {
        alarms
            .iter()
            .find(|a| a["alarm"] == format!("cat-house-staging-{name}"))
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let counts = |name: &str| {
        let a = get(name);
        (
            a["alarms"].as_u64().unwrap(),
            a["alarm_seconds"].as_i64().unwrap(),
        )
    };
    // The incidents: three times to ALARM, 18 minutes each, ALARM and OK
    // notified.
    let cpu = get("installation-service-high-cpu");
    assert_eq!(
        counts("installation-service-high-cpu"),
        (3, 3 * 18 * 60),
        "{cpu:#}"
    );
    assert_eq!(
        cpu["notifications"]["cat-house-staging-warning-alerts"], 6,
        "{cpu:#}"
    );
    assert_eq!(cpu["flaps"], 0);
    // Silent services: service-down in ALARM all three days, no new page.
    for service in ["proxy-service", "health-aggregator"] {
        let name = format!("{service}-service-down");
        assert_eq!(counts(&name), (0, 3 * 86_400), "{:#}", get(&name));
    }
    // Healthy ones, and the mismatch (no data, not breaching): quiet.
    for name in [
        "auth-service-high-cpu",
        "auth-service-high-memory",
        "auth-service-high-latency",
        "auth-service-service-down",
        "installation-service-service-down",
        "catalog-service-service-down",
        "catalog-service-high-latency",
        "auth-service-high-error-rate",
    ] {
        assert_eq!(counts(name), (0, 0), "{:#}", get(name));
    }
    // Alarms that went to ALARM in the replay are exactly these.
    let fired: Vec<&str> = alarms
        .iter()
        .filter(|a| a["alarms"].as_u64() != Some(0))
        .map(|a| a["alarm"].as_str().unwrap())
        .collect();
    assert_eq!(fired, ["cat-house-staging-installation-service-high-cpu"]);
    // Anomaly alarms are said not to be replayed.
    assert!(
        get("auth-service-unusual-traffic")["skipped"]
            .as_str()
            .unwrap()
            .contains("anomaly")
    );
    // Section 1 still names the mismatch at its catalogue location.
    let mismatch = report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "CatHouse/Services RequestLatency {service=catalog-service}")
        .unwrap();
    assert_eq!(mismatch["level"], "problem", "{mismatch:#}");
    // The text report over the last day: its two incidents, and the cost
    // printed first.
    let out = e.obsctl(
        "cat-house",
        &["verify", "--env", "staging", "--since", "1d", "--backtest"],
    );
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    eprintln!("{report}");
    let lines: Vec<&str> = report.lines().collect();
    let at = |want: &str| {
        lines
            .iter()
            .position(|l| l.trim_end() == want)
            .unwrap_or_else(|| panic!("no line\n{want}\nin\n{report}"))
    };
    let cost = lines
        .iter()
        .position(|l| l.starts_with("Backtest GetMetricData: "))
        .unwrap();
    let section =
        at("2. Backtest: what the alarms would have done (25 replayed, 5 not; flap window 10m)");
    assert!(cost < section);
    at(
        "  metric    cat-house-staging-installation-service-high-cpu: 2 times to ALARM, 36m in ALARM, 0 flaps; notifications: cat-house-staging-warning-alerts 4",
    );
    at(
        "  metric    cat-house-staging-proxy-service-service-down: 0 times to ALARM, 1d in ALARM, 0 flaps",
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("History: the engine agrees with AWS on "))
    );
    // plan --backtest: the CPU threshold raised to 99 in a copy of the
    // catalogue; the live configuration paged twice in the day, the
    // catalogue's never would have.
    let tmp = catalogue_copy("cat-house");
    edit(
        &tmp.path().join("definitions/cat-house/alarms.yaml"),
        "    comparison: \">\"\n    threshold: 80\n",
        "    comparison: \">\"\n    threshold: 99\n",
    );
    let plan = |format: &str| {
        e.obsctl_in(
            tmp.path(),
            "definitions/cat-house",
            &[
                "plan",
                "--env",
                "staging",
                "--backtest",
                "--since",
                "1d",
                "--format",
                format,
            ],
        )
    };
    let out = plan("text");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        report.lines().any(|l| l.trim_end()
            == "  cat-house-staging-installation-service-high-cpu (update): live 2 times in 1d (36m in ALARM); catalogue 0 times in 1d (0s in ALARM)"),
        "{report}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Backtest GetMetricData: "),
        "{}",
        text(&out)
    );
    let out = plan("json");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed = json["backtest"]["alarms"].as_array().unwrap();
    assert_eq!(changed.len(), 5, "one high-cpu alarm per service");
    let cpu = changed
        .iter()
        .find(|a| a["alarm"] == "cat-house-staging-installation-service-high-cpu")
        .unwrap();
    assert_eq!(cpu["live"]["alarms"], 2);
    assert_eq!(cpu["catalogue"]["alarms"], 0);
    let out = plan("markdown");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("| `cat-house-staging-installation-service-high-cpu` | update | 2 times in 1d (36m in ALARM) | 0 times in 1d (0s in ALARM) |"),
        "{}",
        text(&out)
    );
    eprintln!(
        "backtest of three days: {datapoints} datapoints seeded, {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(180));
}

/// `verify --backtest` of bookstore (composites) against the emulator:
/// order-service's running tasks drop to 0 for 20 minutes, three hours
/// ago. `service-down` (Minimum below 1 in 5 of 5 one-minute periods) is in
/// ALARM from 5 minutes in until a minute after the tasks return: 16
/// minutes, once; the composite `service-unhealthy` (its `ALARM(service-down)
/// OR …`, the suppressor quiet) follows it and notifies its ALARM and OK.
#[tokio::test(flavor = "multi_thread")]
async fn verify_backtest_replays_a_composite_from_its_children() {
    use cw::types::{Dimension, MetricDatum};
    let e = Emulator::start();
    e.apply("bookstore", "staging");
    let cw = e.cloudwatch().await;
    let minute = 60_000i64;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        / minute
        * minute;
    let outage = now - 3 * 60 * minute;
    let dims = vec![
        Dimension::builder()
            .name("ClusterName")
            .value("bookstore-staging")
            .build(),
        Dimension::builder()
            .name("ServiceName")
            .value("order-service")
            .build(),
    ];
    let data: Vec<MetricDatum> = (0..31 * 60)
        .map(|i| {
            let t = now - 31 * 60 * minute + i * minute;
            let down = (outage..outage + 20 * minute).contains(&t);
            MetricDatum::builder()
                .metric_name("RunningTaskCount")
                .set_dimensions(Some(dims.clone()))
                .timestamp(aws_smithy_types::DateTime::from_millis(t))
                .value(if down { 0.0 } else { 2.0 })
                .build()
        })
        .collect();
    for chunk in data.chunks(1000) {
        cw.put_metric_data()
            .namespace("ECS/ContainerInsights")
            .set_metric_data(Some(chunk.to_vec()))
            .send()
            .await
            .unwrap();
    }
    let out = e.obsctl(
        "bookstore",
        &[
            "verify",
            "--env",
            "staging",
            "--since",
            "6h",
            "--backtest",
            "--format",
            "json",
        ],
    );
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    let alarms = report["backtest"]["alarms"].as_array().unwrap();
    let get = |name: &str| {
        alarms
            .iter()
            .find(|a| a["alarm"] == format!("bookstore-staging-{name}"))
            .unwrap_or_else(|| panic!("no {name}"))
    };
    for name in [
        "order-service-service-down",
        "order-service-service-unhealthy",
    ] {
        let a = get(name);
        assert_eq!(a["alarms"], 1, "{a:#}");
        assert_eq!(a["alarm_seconds"], 16 * 60, "{a:#}");
        assert_eq!(
            a["notifications"]["bookstore-staging-slack-warnings"], 2,
            "{a:#}"
        );
    }
    assert_eq!(get("order-service-service-unhealthy")["kind"], "composite");
    // Another service without data: down all along, no new page.
    let other = get("user-service-service-down");
    assert_eq!(
        (other["alarms"].as_u64(), other["alarm_seconds"].as_i64()),
        (Some(0), Some(6 * 3600)),
        "{other:#}"
    );
}

/// Bookstore's `failed-logins` log alarm (PutLogAlarm) round-trips on the
/// emulator: applied with its scheduled query and ownership tags (fakecloud
/// drops PutLogAlarm's Tags: obsctl tags it with TagResource), the plan
/// after apply is empty, a threshold and query edited outside obsctl show
/// as exactly those fields and are repaired, and the alarm turned off is
/// pruned.
#[tokio::test(flavor = "multi_thread")]
async fn log_alarms_apply_repair_drift_and_are_pruned() {
    let e = Emulator::start();
    let tmp = catalogue_copy("bookstore");
    let cat = "definitions/bookstore";
    let run = |args: &[&str]| {
        let out = e.obsctl_in(tmp.path(), cat, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        out
    };
    let plan = || -> Value {
        let out = e.obsctl_in(
            tmp.path(),
            cat,
            &["plan", "--env", "production", "--format", "json"],
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)))
    };
    run(&["apply", "--env", "production", "--auto-approve"]);
    run(&["plan", "--env", "production", "--detailed-exitcode"]);

    let name = "bookstore-production-auth-service-failed-logins";
    let cw = e.cloudwatch().await;
    let read = || async {
        let out = cw
            .describe_alarms()
            .alarm_names(name)
            .alarm_types(cw::types::AlarmType::LogAlarm)
            .send()
            .await
            .unwrap();
        out.log_alarms().first().cloned()
    };
    let alarm = read().await.expect("the log alarm exists");
    let q = alarm.scheduled_query_configuration().unwrap();
    assert_eq!(q.aggregation_expression(), Some("count(*) by ipAddress"));
    assert_eq!(q.log_group_identifiers(), ["/ecs/bookstore-prod"]);
    assert!(
        q.scheduled_query_role_arn()
            .unwrap()
            .ends_with(":role/bookstore-production-log-alarms"),
        "{q:?}"
    );
    assert_eq!(
        q.schedule_configuration().unwrap().schedule_expression(),
        Some("rate(5 minutes)")
    );
    let arn = alarm.alarm_arn().unwrap().to_string();
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert!(tags.contains(&("obsctl:env", "production")), "{tags:?}");
    assert!(
        tags.contains(&("obsctl:catalogue", "bookstore")),
        "{tags:?}"
    );

    // Edited outside obsctl: another threshold and query.
    let edited = cw::types::ScheduledQueryConfiguration::builder()
        .query_string("filter event = \"authentication.failed\"")
        .set_log_group_identifiers(Some(q.log_group_identifiers().to_vec()))
        .set_scheduled_query_role_arn(q.scheduled_query_role_arn().map(str::to_string))
        .set_schedule_configuration(q.schedule_configuration().cloned())
        .set_aggregation_expression(q.aggregation_expression().map(str::to_string))
        .build();
    cw.put_log_alarm()
        .alarm_name(name)
        .set_alarm_description(alarm.alarm_description().map(str::to_string))
        .set_alarm_actions(Some(alarm.alarm_actions().to_vec()))
        .scheduled_query_configuration(edited)
        .query_results_to_evaluate(1)
        .query_results_to_alarm(1)
        .threshold(50.0)
        .comparison_operator(cw::types::ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data("notBreaching")
        .send()
        .await
        .unwrap();
    let drift = changes_of(&plan());
    assert_eq!(drift.len(), 1, "{drift:#?}");
    let (action, key, fields) = &drift[0];
    assert_eq!((action.as_str(), key.as_str()), ("update", name));
    assert!(fields.iter().any(|f| f.contains("Threshold")), "{fields:?}");
    assert!(
        fields.iter().any(|f| f.contains("QueryString")),
        "{fields:?}"
    );
    assert_eq!(fields.len(), 2, "{fields:?}");
    run(&["apply", "--env", "production", "--auto-approve"]);
    run(&["plan", "--env", "production", "--detailed-exitcode"]);
    let repaired = read().await.unwrap();
    assert_eq!(repaired.threshold(), Some(5.0));

    // Turned off in production (and its tests removed): exactly its alarm
    // is deleted.
    edit(
        &tmp.path().join("definitions/bookstore/obsctl.yaml"),
        "    log_alarm_role: bookstore-production-log-alarms\n",
        "    log_alarm_role: bookstore-production-log-alarms\n    alarms:\n      failed-logins: { enabled: false }\n",
    );
    let tests = tmp
        .path()
        .join("definitions/bookstore/tests/environment.yaml");
    let text_now = std::fs::read_to_string(&tests).unwrap();
    let start = text_now.find("  # --- failed-logins").unwrap();
    let end = text_now.find("  # --- orders-anomaly").unwrap();
    std::fs::write(
        &tests,
        format!("{}{}", &text_now[..start], &text_now[end..]),
    )
    .unwrap();
    // Its alarm goes, and the alarm-status widgets stop listing it.
    let pruned = changes_of(&plan());
    let deletes: Vec<_> = pruned.iter().filter(|c| c.0 == "delete").collect();
    assert_eq!(
        deletes,
        vec![&("delete".to_string(), name.to_string(), Vec::new())]
    );
    for (action, key, fields) in pruned.iter().filter(|c| c.0 != "delete") {
        assert_eq!(action, "update");
        assert!(key.starts_with("bookstore-production-"), "{key}");
        assert!(
            fields.iter().all(|f| f.contains(".properties.alarms[")),
            "{fields:?}"
        );
    }
    run(&["apply", "--env", "production", "--auto-approve"]);
    run(&["plan", "--env", "production", "--detailed-exitcode"]);
    assert!(read().await.is_none());
}

/// `verify --drill` end to end on the emulator. fakecloud accepts
/// SetAlarmState but runs no alarm action (aws-fidelity.md), so this test
/// plays CloudWatch's part: whenever an alarm's state reason shows the
/// drill set it, it publishes the alarm's notification, in AWS's format, to
/// the topics of that state's actions, as AWS would. Everything else is
/// real: the drill's queues, their subscriptions, SNS → SQS delivery,
/// reading and cleanup.
#[tokio::test(flavor = "multi_thread")]
async fn a_drill_delivers_on_every_route_and_leaves_nothing_behind() {
    let e = Emulator::start();
    e.apply("cat-house", "staging");
    let cw = e.cloudwatch().await;
    let sns = e.sns().await;
    let sqs = aws_sdk_sqs::Client::new(&e.config().await);
    // Every alarm starts OK, as on a quiet day.
    let alarms = cw
        .describe_alarms()
        .alarm_name_prefix("cat-house-staging-")
        .alarm_types(cw::types::AlarmType::MetricAlarm)
        .alarm_types(cw::types::AlarmType::CompositeAlarm)
        .max_records(100)
        .send()
        .await
        .unwrap();
    let names: Vec<String> = alarms
        .metric_alarms()
        .iter()
        .filter_map(|a| a.alarm_name().map(str::to_string))
        .chain(
            alarms
                .composite_alarms()
                .iter()
                .filter_map(|a| a.alarm_name().map(str::to_string)),
        )
        .collect();
    assert!(!names.is_empty());
    for n in &names {
        cw.set_alarm_state()
            .alarm_name(n)
            .state_value(cw::types::StateValue::Ok)
            .state_reason("quiet")
            .send()
            .await
            .unwrap();
    }
    let stdout = tempfile::NamedTempFile::new().unwrap();
    let stderr = tempfile::NamedTempFile::new().unwrap();
    let mut child = e
        .command(
            &e.url,
            &root(),
            "definitions/cat-house",
            &[
                "verify",
                "--env",
                "staging",
                "--since",
                "1h",
                "--drill",
                "--yes",
                "--drill-timeout",
                "20s",
                "--format",
                "json",
            ],
        )
        .stdin(Stdio::null())
        // Files, not pipes: the report is larger than a pipe's buffer, and
        // the test reads it only once the drill has ended.
        .stdout(stdout.reopen().unwrap())
        .stderr(stderr.reopen().unwrap())
        .spawn()
        .unwrap();
    // CloudWatch's part: alarm actions on the drill's state changes.
    let mut done: std::collections::BTreeSet<(String, String, String)> = Default::default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(150);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!(
                "the drill did not end; published {done:?}\n{}",
                std::fs::read_to_string(stderr.path()).unwrap()
            );
        }
        let out = cw
            .describe_alarms()
            .set_alarm_names(Some(names.clone()))
            .alarm_types(cw::types::AlarmType::MetricAlarm)
            .alarm_types(cw::types::AlarmType::CompositeAlarm)
            .send()
            .await
            .unwrap();
        let states = out
            .metric_alarms()
            .iter()
            .map(|a| {
                (
                    a.alarm_name().unwrap_or_default(),
                    a.state_value().map(|s| s.as_str()).unwrap_or_default(),
                    a.state_reason().unwrap_or_default(),
                    a.alarm_actions(),
                    a.ok_actions(),
                )
            })
            .chain(out.composite_alarms().iter().map(|a| {
                (
                    a.alarm_name().unwrap_or_default(),
                    a.state_value().map(|s| s.as_str()).unwrap_or_default(),
                    a.state_reason().unwrap_or_default(),
                    a.alarm_actions(),
                    a.ok_actions(),
                )
            }));
        for (name, state, reason, alarm_actions, ok_actions) in states {
            let key = (name.to_string(), state.to_string(), reason.to_string());
            if !reason.contains("obsctl verify --drill") || done.contains(&key) {
                continue;
            }
            let message = serde_json::json!({
                "AlarmName": name,
                "NewStateValue": state,
                "NewStateReason": reason,
                "OldStateValue": if state == "ALARM" { "OK" } else { "ALARM" },
                "Region": "us-east-1",
            })
            .to_string();
            let topics = if state == "ALARM" {
                alarm_actions
            } else {
                ok_actions
            };
            for topic in topics {
                sns.publish()
                    .topic_arn(topic)
                    .subject(format!("{state}: \"{name}\" in us-east-1"))
                    .message(&message)
                    .send()
                    .await
                    .unwrap();
            }
            done.insert(key);
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let status = child.wait().unwrap();
    let report = std::fs::read_to_string(stdout.path()).unwrap();
    let report: Value = serde_json::from_str(&report).unwrap_or_else(|_| {
        panic!(
            "{status:?}\n{report}\n{}",
            std::fs::read_to_string(stderr.path()).unwrap()
        )
    });
    let drill = &report["drill"];
    let routes = drill["routes"].as_array().unwrap();
    // Cat House: critical and warning, each to its own topic.
    assert!(routes.len() >= 2, "{drill:#}");
    for r in routes {
        let drilled = &r["drilled"]["Ok"];
        assert!(drilled["alarm"].is_string(), "not drilled: {r:#}");
        for t in r["topics"].as_array().unwrap() {
            for state in ["alarm", "ok"] {
                if !t[state].is_null() {
                    assert_eq!(t[state]["outcome"], "delivered", "{state}: {r:#}");
                }
            }
        }
    }
    // Two state changes per route, each seen by CloudWatch (here: the test).
    assert_eq!(done.len(), 2 * routes.len(), "{done:?}");
    // Nothing temporary is left: no queue, no subscription of one.
    let queues = sqs
        .list_queues()
        .queue_name_prefix("obsctl-drill-")
        .send()
        .await
        .unwrap();
    assert!(queues.queue_urls().is_empty(), "{:?}", queues.queue_urls());
    let topics = sns.list_topics().send().await.unwrap();
    for t in topics.topics() {
        let subs = sns
            .list_subscriptions_by_topic()
            .topic_arn(t.topic_arn().unwrap())
            .send()
            .await
            .unwrap();
        assert!(
            subs.subscriptions()
                .iter()
                .all(|s| !s.endpoint().unwrap_or_default().contains("obsctl-drill-")),
            "a drill subscription is left on {:?}",
            t.topic_arn()
        );
    }
    let drilled: Vec<String> = routes
        .iter()
        .filter_map(|r| r["drilled"]["Ok"]["alarm"].as_str().map(str::to_string))
        .collect();
    // No drilled alarm is left in ALARM (the emulator's own evaluator may
    // have moved them on to their evaluated state, as CloudWatch does).
    let after = cw
        .describe_alarms()
        .set_alarm_names(Some(names.clone()))
        .alarm_types(cw::types::AlarmType::MetricAlarm)
        .alarm_types(cw::types::AlarmType::CompositeAlarm)
        .send()
        .await
        .unwrap();
    assert!(
        after
            .metric_alarms()
            .iter()
            .filter(|a| drilled.contains(&a.alarm_name().unwrap_or_default().to_string()))
            .all(|a| a.state_value() != Some(&cw::types::StateValue::Alarm)),
        "{drilled:?}"
    );
    // Production does not allow drills: refused before any AWS call.
    let refused = e.obsctl(
        "cat-house",
        &["verify", "--env", "production", "--drill", "--yes"],
    );
    assert_eq!(refused.status.code(), Some(64), "{}", text(&refused));
    assert!(text(&refused).contains("drill: true"), "{}", text(&refused));
}

/// `obsctl verify` of bookstore on the emulator, where every service logs
/// to one shared log group: order-service healthy (its API metrics, CPU and
/// JSON log lines, none of them errors), payment-service's latency
/// published under another dimension set, search-service silent in the
/// shared group. Each problem is named at its catalogue location; the
/// silent service is told apart from a filter that never matches by the
/// service's own events in the group.
#[tokio::test(flavor = "multi_thread")]
async fn verify_of_bookstore_tells_a_silent_service_in_a_shared_log_group() {
    use cw::types::{Dimension, MetricDatum};
    let e = Emulator::start();
    e.apply("bookstore", "staging");
    let cw = e.cloudwatch().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let minute = 60_000;
    let dims = |pairs: &[(&str, &str)]| -> Vec<Dimension> {
        pairs
            .iter()
            .map(|(n, v)| Dimension::builder().name(*n).value(*v).build())
            .collect()
    };
    let seeds: Vec<(&str, &str, Vec<Dimension>, f64)> = vec![
        (
            "Bookstore/API",
            "ResponseTime",
            dims(&[("Service", "order-service")]),
            180.0,
        ),
        (
            "Bookstore/API",
            "Requests",
            dims(&[("Service", "order-service")]),
            40.0,
        ),
        (
            "AWS/ECS",
            "CPUUtilization",
            dims(&[
                ("ClusterName", "bookstore-staging"),
                ("ServiceName", "order-service"),
            ]),
            35.0,
        ),
        // The dimension mismatch.
        (
            "Bookstore/API",
            "ResponseTime",
            dims(&[("Environment", "staging"), ("Service", "payment-service")]),
            420.0,
        ),
    ];
    for (ns, name, d, value) in &seeds {
        let data: Vec<MetricDatum> = (0..120)
            .map(|i| {
                MetricDatum::builder()
                    .metric_name(*name)
                    .set_dimensions(Some(d.clone()))
                    .timestamp(aws_smithy_types::DateTime::from_millis(
                        now - (120 - i) * minute,
                    ))
                    .value(*value)
                    .build()
            })
            .collect();
        cw.put_metric_data()
            .namespace(*ns)
            .set_metric_data(Some(data))
            .send()
            .await
            .unwrap();
    }
    let logs = e.logs().await;
    let group = "/ecs/bookstore-staging";
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name("order-service/web-1")
        .send()
        .await
        .unwrap();
    let events: Vec<aws_sdk_cloudwatchlogs::types::InputLogEvent> = (0..5)
        .map(|i| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now - (30 - 6 * i) * minute)
                .message(r#"{"level":"INFO","service":"order-service","message":"order placed"}"#)
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name("order-service/web-1")
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();

    let out = e.obsctl("bookstore", &["verify", "--env", "staging", "--verbose"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = report.lines().collect();
    let has = |want: &str| {
        assert!(
            lines.iter().any(|l| l.trim_end() == want),
            "no line\n{want}\nin\n{report}"
        )
    };
    let follows = |line: &str, next: &str| {
        let i = lines
            .iter()
            .position(|l| l.trim_end() == line)
            .unwrap_or_else(|| panic!("no line\n{line}\nin\n{report}"));
        assert!(
            lines[i + 1..]
                .iter()
                .take_while(|l| l.starts_with("         "))
                .any(|l| l.trim() == next),
            "{line}\nis not followed by\n{next}\nin\n{report}"
        );
    };
    has("  ok   Bookstore/API ResponseTime {Service=order-service}: 120 samples");
    has(
        "  ok   AWS/ECS CPUUtilization {ClusterName=bookstore-staging, ServiceName=order-service}: 120 samples",
    );
    let mismatch = "  FAIL Bookstore/API ResponseTime {Service=payment-service}: no data for Bookstore/API ResponseTime {Service=payment-service}; the account has it with {Environment, Service}";
    has(mismatch);
    follows(
        mismatch,
        "definitions/bookstore/alarms.yaml:43:3: alarm bookstore-staging-payment-service-high-latency (template high-latency, service payment-service)",
    );
    // order-service logs, without errors: its error filter never matches.
    has(
        "  warn bookstore-staging-order-service-ErrorCount (Bookstore/Logs ErrorCount {Service}): no datapoints; log group /ecs/bookstore-staging received events, none matched: the filter never matches",
    );
    // search-service writes nothing to the shared group.
    let silent = r#"  FAIL bookstore-staging-search-service-ErrorCount (Bookstore/Logs ErrorCount {Service}): no datapoints; log group /ecs/bookstore-staging received events, none of them search-service's ({ $.service = "search-service" }): the service does not log"#;
    has(silent);
    follows(
        silent,
        "definitions/bookstore/logs.yaml:3:3: metric filter ErrorCount, service search-service",
    );
    // Every finding that is not ok names a catalogue file that exists.
    for l in lines.iter().filter(|l| l.starts_with("         ")) {
        let file = l.trim().split(':').next().unwrap();
        assert!(root().join(file).is_file(), "{l}");
    }
    // The service checks are counted in the floor: one FilterLogEvents for
    // the group, one per silent filter's service.
    let filter_calls = lines
        .iter()
        .find(|l| l.trim_start().starts_with("logs:FilterLogEvents"))
        .unwrap();
    let (calls, floor) = filter_calls
        .trim()
        .strip_prefix("logs:FilterLogEvents")
        .unwrap()
        .split_once("(floor")
        .unwrap();
    assert_eq!(
        calls.trim(),
        floor.trim_end_matches(')').trim(),
        "{filter_calls}"
    );
}
