//! `obsctl import` against fakecloud: each shipped catalogue applied, its
//! ownership marks stripped (as if the resources were made by hand), then
//! imported — the import validates, compiles back to the live resources,
//! `plan --adopt` shows only ownership changes and, once applied, nothing.

use crate::support::{Emulator, text};
use serde_json::Value;
use std::path::Path;

/// Removes every `obsctl:` tag and the saved queries' ownership marker.
async fn strip_ownership(e: &Emulator, prefix: &str) {
    let cw = e.cloudwatch().await;
    let mut arns = Vec::new();
    let alarms = cw
        .describe_alarms()
        .alarm_name_prefix(prefix)
        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::CompositeAlarm)
        .max_records(100)
        .send()
        .await
        .unwrap();
    arns.extend(
        alarms
            .metric_alarms()
            .iter()
            .filter_map(|a| a.alarm_arn().map(str::to_string)),
    );
    arns.extend(
        alarms
            .composite_alarms()
            .iter()
            .filter_map(|a| a.alarm_arn().map(str::to_string)),
    );
    // Log alarms: hand-made too (their tags stripped like the others').
    arns.extend(
        cw.describe_alarms()
            .alarm_name_prefix(prefix)
            .alarm_types(aws_sdk_cloudwatch::types::AlarmType::LogAlarm)
            .send()
            .await
            .unwrap()
            .log_alarms()
            .iter()
            .filter_map(|a| a.alarm_arn().map(str::to_string)),
    );
    let boards = cw
        .list_dashboards()
        .dashboard_name_prefix(prefix)
        .send()
        .await
        .unwrap();
    arns.extend(
        boards
            .dashboard_entries()
            .iter()
            .filter_map(|d| d.dashboard_arn().map(str::to_string)),
    );
    let rules = cw.list_alarm_mute_rules().send().await.unwrap();
    arns.extend(
        rules
            .alarm_mute_rule_summaries()
            .iter()
            .filter_map(|r| r.alarm_mute_rule_arn().map(str::to_string))
            .filter(|a| a.contains(prefix)),
    );
    for arn in arns {
        let tags = cw
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .unwrap();
        let keys: Vec<String> = tags
            .tags()
            .iter()
            .filter_map(|t| t.key().map(str::to_string))
            .filter(|k| k.starts_with("obsctl:"))
            .collect();
        if !keys.is_empty() {
            cw.untag_resource()
                .resource_arn(&arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .unwrap();
        }
    }
    let sns = e.sns().await;
    for t in sns.list_topics().send().await.unwrap().topics() {
        let arn = t.topic_arn().unwrap_or_default();
        if !arn.contains(prefix) {
            continue;
        }
        let tags = sns
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .unwrap();
        let keys: Vec<String> = tags
            .tags()
            .iter()
            .map(|t| t.key().to_string())
            .filter(|k| k.starts_with("obsctl:"))
            .collect();
        if !keys.is_empty() {
            sns.untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys))
                .send()
                .await
                .unwrap();
        }
    }
    let logs = e.logs().await;
    let queries = logs
        .describe_query_definitions()
        .query_definition_name_prefix(prefix.trim_end_matches('-'))
        .max_results(1000)
        .send()
        .await
        .unwrap();
    for q in queries.query_definitions() {
        let text: Vec<&str> = q
            .query_string()
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.starts_with("# managed by obsctl:"))
            .collect();
        logs.put_query_definition()
            .set_query_definition_id(q.query_definition_id().map(str::to_string))
            .set_name(q.name().map(str::to_string))
            .query_string(text.join("\n"))
            .set_log_group_names(Some(q.log_group_names().to_vec()))
            .send()
            .await
            .unwrap();
    }
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(out)))
}

/// Applies `cat` in `env`, strips the ownership marks, imports into `dir`;
/// returns the import report.
async fn import(e: &Emulator, cat: &str, env: &str, dir: &Path) -> Value {
    e.apply(cat, env);
    let prefix = format!("{cat}-{env}-");
    strip_ownership(e, &prefix).await;
    let out = e.obsctl(
        cat,
        &[
            "import",
            "--env",
            env,
            "--out",
            dir.to_str().unwrap(),
            "--prefix",
            &prefix,
            "--keep-emails",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    json(&out)
}

#[tokio::test(flavor = "multi_thread")]
async fn shipped_catalogues_imported_from_hand_made_resources_round_trip() {
    for (cat, env) in [
        ("bookstore", "production"),
        ("bookstore", "staging"),
        ("cat-house", "production"),
        ("cat-house", "staging"),
    ] {
        let e = Emulator::start();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(cat);
        let report = import(&e, cat, env, &dir).await;
        assert_eq!(report["validates"], true, "{report:#}");
        // Every imported resource compiles back exactly; only ownership differs.
        let rt = &report["round_trip"];
        assert_eq!(rt["differences"], Value::Array(vec![]), "{cat}: {rt:#}");
        let imported: u64 = report["imported"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        // Everything is imported, log alarms (bookstore's failed-logins)
        // included.
        let skipped = report["skipped"].as_array().unwrap();
        assert!(skipped.is_empty(), "{report:#}");
        assert_eq!(
            imported,
            report["live_resources"].as_u64().unwrap(),
            "{report:#}"
        );
        if cat == "bookstore" {
            assert_eq!(report["imported"]["log-alarms"], 1, "{report:#}");
        }
        let d = dir.to_str().unwrap();
        // The catalogue validates on its own (and `render` works).
        let out = crate::support::obsctl(["-d", d, "validate"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        // plan --adopt: ownership changes only.
        let out = e.obsctl_in(
            Path::new("."),
            d,
            &["plan", "--env", env, "--adopt", "--format", "json"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let plan = json(&out);
        for c in plan["changes"].as_array().unwrap() {
            let ownership_only = match c["action"].as_str() {
                Some("adopt") | Some("update") => c["fields"]
                    .as_array()
                    .is_none_or(|f| f.iter().all(|f| marker_only(f) || tag(f))),
                _ => false,
            };
            assert!(
                ownership_only,
                "{cat}/{env}: not an ownership change: {c:#}"
            );
        }
        assert!(
            !plan["changes"].as_array().unwrap().is_empty(),
            "nothing to adopt?"
        );
        let out = e.obsctl_in(
            Path::new("."),
            d,
            &["apply", "--env", env, "--adopt", "--auto-approve"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let out = e.obsctl_in(
            Path::new("."),
            d,
            &["plan", "--env", env, "--detailed-exitcode"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{cat}: not converged\n{}",
            text(&out)
        );
        if cat == "bookstore" {
            bookstore_structure(&dir);
        }
    }
}

/// A tag obsctl adds.
fn tag(f: &Value) -> bool {
    f["path"].as_str().is_some_and(|p| p.starts_with("Tags")) && f["before"].is_null()
}

/// A field change that only adds obsctl's saved-query marker.
fn marker_only(f: &Value) -> bool {
    let (Some(before), Some(after)) = (f["before"].as_str(), f["after"].as_str()) else {
        return false;
    };
    after.starts_with(before)
        && after[before.len()..]
            .trim()
            .starts_with("# managed by obsctl:")
}

/// At most about twice the original's alarm templates, none with a
/// service's name written in it.
fn bookstore_structure(dir: &Path) {
    let read = |f: &str| -> Value {
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    let alarms = read("alarms.yaml");
    let services = read("services.yaml");
    let templates = alarms["alarms"].as_object().unwrap();
    // 11 written templates + 9 generated by `slo:` in the original.
    assert!(templates.len() <= 40, "{} alarm templates", templates.len());
    let names: Vec<&String> = services["services"].as_object().unwrap().keys().collect();
    assert!(names.len() >= 8, "{names:?}");
    for (t, spec) in templates {
        let mut spec = spec.clone();
        // `services:` chooses services and a composite's rule references
        // other services' alarms (`service/alarm`) by design, as the
        // original does.
        for key in ["services", "rule", "actions_suppressor"] {
            spec.as_object_mut().unwrap().remove(key);
        }
        let body = spec.to_string();
        for n in &names {
            assert!(
                !body.contains(n.as_str()),
                "template `{t}` names service `{n}`: {body}"
            );
        }
    }
}

const SEED_SERVICES: [&str; 5] = [
    "auth-service",
    "catalog-service",
    "installation-service",
    "proxy-service",
    "health-aggregator",
];

/// The Cat House seed's monitoring made by hand (its Terraform and `aws
/// logs put-metric-filter` snippets), named under `cat-house-staging-`:
/// five alarms per service, two space-delimited filters per service over
/// JSON logs, four dashboards, two topics with email and a Slack webhook.
async fn seed_account(e: &Emulator) {
    use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, Tag};
    let cw = e.cloudwatch().await;
    let sns = e.sns().await;
    let logs = e.logs().await;
    let mut topic = std::collections::BTreeMap::new();
    for level in ["critical", "warning"] {
        let t = sns
            .create_topic()
            .name(format!("cat-house-staging-{level}-alerts"))
            .send()
            .await
            .unwrap();
        let arn = t.topic_arn().unwrap().to_string();
        sns.subscribe()
            .topic_arn(&arn)
            .protocol("email")
            .endpoint("oncall@cathouse.example")
            .send()
            .await
            .unwrap();
        topic.insert(level, arn);
    }
    sns.subscribe()
        .topic_arn(&topic["critical"])
        .protocol("https")
        .endpoint("https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX")
        .send()
        .await
        .unwrap();
    let dim = |n: &str, v: &str| Dimension::builder().name(n).value(v).build();
    let tags = |svc: &str, sev: &str, runbook: &str| {
        vec![
            Tag::builder().key("Service").value(svc).build(),
            Tag::builder().key("Environment").value("staging").build(),
            Tag::builder().key("Severity").value(sev).build(),
            Tag::builder()
                .key("Runbook")
                .value(format!(
                    "https://github.com/yourorg/cat-house/wiki/{runbook}"
                ))
                .build(),
        ]
    };
    for svc in SEED_SERVICES {
        let ecs = vec![
            dim("ServiceName", &format!("cat-house-staging-{svc}")),
            dim("ClusterName", "cat-house-staging"),
        ];
        cw.put_metric_alarm()
            .alarm_name(format!("cat-house-staging-{svc}-down"))
            .comparison_operator("LessThanThreshold".into())
            .evaluation_periods(2)
            .metric_name("RunningTaskCount")
            .namespace("AWS/ECS")
            .period(60)
            .statistic("Average".into())
            .threshold(1.0)
            .alarm_description(format!("{svc} has no running tasks"))
            .alarm_actions(&topic["critical"])
            .treat_missing_data("breaching")
            .set_dimensions(Some(ecs.clone()))
            .set_tags(Some(tags(svc, "critical", "Runbook-Service-Down")))
            .send()
            .await
            .unwrap();
        let m = |id: &str, name: &str| {
            MetricDataQuery::builder()
                .id(id)
                .metric_stat(
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace("CatHouse/Services")
                                .metric_name(name)
                                .dimensions(dim("service", svc))
                                .build(),
                        )
                        .period(300)
                        .stat("Sum")
                        .build(),
                )
                .return_data(false)
                .build()
        };
        cw.put_metric_alarm()
            .alarm_name(format!("cat-house-staging-{svc}-high-error-rate"))
            .comparison_operator("GreaterThanThreshold".into())
            .evaluation_periods(2)
            .threshold(10.0)
            .alarm_description(format!("{svc} has high error rate"))
            .alarm_actions(&topic["critical"])
            .treat_missing_data("notBreaching")
            .metrics(
                MetricDataQuery::builder()
                    .id("error_rate")
                    .expression("m1 / m2 * 100")
                    .label("Error Rate %")
                    .return_data(true)
                    .build(),
            )
            .metrics(m("m1", "ErrorCount"))
            .metrics(m("m2", "http_requests_total"))
            .set_tags(Some(tags(svc, "critical", "Runbook-High-Error-Rate")))
            .send()
            .await
            .unwrap();
        cw.put_metric_alarm()
            .alarm_name(format!("cat-house-staging-{svc}-high-latency"))
            .comparison_operator("GreaterThanThreshold".into())
            .evaluation_periods(3)
            .datapoints_to_alarm(2)
            .threshold(0.5)
            .alarm_description(format!("{svc} p95 latency > 500ms"))
            .alarm_actions(&topic["warning"])
            .treat_missing_data("notBreaching")
            .metric_name("http_request_duration_seconds")
            .namespace("CatHouse/Services")
            .period(300)
            .extended_statistic("p95")
            .dimensions(dim("service", svc))
            .set_tags(Some(tags(svc, "warning", "Runbook-High-Latency")))
            .send()
            .await
            .unwrap();
        for (what, metric, threshold) in [
            ("cpu", "CPUUtilization", 80.0),
            ("memory", "MemoryUtilization", 85.0),
        ] {
            cw.put_metric_alarm()
                .alarm_name(format!("cat-house-staging-{svc}-high-{what}"))
                .comparison_operator("GreaterThanThreshold".into())
                .evaluation_periods(3)
                .metric_name(metric)
                .namespace("AWS/ECS")
                .period(300)
                .statistic("Average".into())
                .threshold(threshold)
                .alarm_description(format!("{svc} {what} > {threshold}%"))
                .alarm_actions(&topic["warning"])
                .set_dimensions(Some(ecs.clone()))
                .set_tags(Some(tags(svc, "warning", "Runbook-High-CPU")))
                .send()
                .await
                .unwrap();
        }
        // Story 1.5's structured JSON logs, and the seed's filters over them.
        let group = format!("/ecs/cat-house/staging/{svc}");
        logs.create_log_group()
            .log_group_name(&group)
            .send()
            .await
            .unwrap();
        logs.create_log_stream()
            .log_group_name(&group)
            .log_stream_name("app/1")
            .send()
            .await
            .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name("app/1")
            .log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(now)
                    .message(format!(r#"{{"timestamp": "2026-01-01T00:00:00Z", "level": "ERROR", "service": "{svc}", "message": "boom", "duration_ms": 12}}"#))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        for (name, pattern, metric, value) in [
            (
                "error-count",
                "[timestamp, level=ERROR, ...]",
                "ErrorCount",
                "1",
            ),
            (
                "request-latency",
                "[timestamp, level, service, trace_id, message, ..., duration_ms]",
                "RequestLatency",
                "$duration_ms",
            ),
        ] {
            logs.put_metric_filter()
                .log_group_name(&group)
                .filter_name(format!("cat-house-staging-{svc}-{name}"))
                .filter_pattern(pattern)
                .metric_transformations(
                    aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                        .metric_name(metric)
                        .metric_namespace("CatHouse/Services")
                        .metric_value(value)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .unwrap();
        }
    }
    for board in [
        "service-health",
        "api-performance",
        "database-metrics",
        "business-metrics",
    ] {
        let rows: Vec<Value> = SEED_SERVICES
            .iter()
            .map(|s| {
                serde_json::json!([
                    "AWS/ECS",
                    "CPUUtilization",
                    "ServiceName",
                    format!("cat-house-staging-{s}"),
                    "ClusterName",
                    "cat-house-staging"
                ])
            })
            .collect();
        let body = serde_json::json!({"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
            "properties": {"title": board, "region": "us-east-1", "stat": "Average", "period": 300, "metrics": rows}}]});
        cw.put_dashboard()
            .dashboard_name(format!("cat-house-staging-{board}"))
            .dashboard_body(body.to_string())
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hand_built_cat_house_account_is_imported_and_audited() {
    let e = Emulator::start();
    seed_account(&e).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cat-house");
    let out = e.obsctl(
        "cat-house",
        &[
            "import",
            "--env",
            "staging",
            "--out",
            dir.to_str().unwrap(),
            "--prefix",
            "cat-house-staging-",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["validates"], true, "{report:#}");
    assert_eq!(
        report["round_trip"]["differences"],
        Value::Array(vec![]),
        "{report:#}"
    );
    assert_eq!(report["structure"]["services"], 5, "{report:#}");
    assert_eq!(report["structure"]["alarm_templates"], 5, "{report:#}");
    assert_eq!(report["structure"]["metric_filters"], 2, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    let at = |needle: &str, file: &str| {
        findings.iter().any(|f| {
            f["message"].as_str().unwrap().contains(needle)
                && f["file"] == file
                && f["line"].as_u64().unwrap() > 0
        })
    };
    // The seed's known defects, at their catalogue locations.
    assert!(at("RunningTaskCount", "alarms.yaml"), "{findings:#?}");
    assert!(at("space-delimited", "logs.yaml"), "{findings:#?}");
    assert!(at("Slack", "obsctl.yaml"), "{findings:#?}");
    // Secrets stay out of the files.
    let secrets: Vec<&str> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(secrets.contains(&"CRITICAL_ALERTS_URL"), "{secrets:?}");
    for entry in walk(&dir) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(!text.contains("hooks.slack.com"), "{}", entry.display());
        assert!(
            !text.contains("oncall@cathouse.example"),
            "{}",
            entry.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// `import --from-terraform`: the Cat House seed's Terraform, as `terraform
/// show -json` prints its state (tests/fixtures/terraform, written to
/// Terraform's documented JSON output format by its `generate.py`), is
/// imported with no AWS credentials at all: the same structure as from an
/// account (templates over the five services, the per-service override),
/// secrets kept out, what is not imported reported with its address, a
/// catalogue that validates, and a round trip that differs only in tags.
#[test]
fn a_terraform_state_is_imported_without_aws() {
    use crate::support::obsctl;
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("cat-house");
    let fixture = crate::support::root().join("tests/fixtures/terraform/cat-house-staging.json");
    let out = obsctl([
        "import",
        "--env",
        "staging",
        "--out",
        out_dir.to_str().unwrap(),
        "--from-terraform",
        fixture.to_str().unwrap(),
        "--format",
        "json",
    ])
    .env_remove("AWS_ACCESS_KEY_ID")
    .env_remove("AWS_REGION")
    .env("AWS_EC2_METADATA_DISABLED", "true")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["validates"], true, "{report:#}");
    let rt = &report["round_trip"];
    assert_eq!(
        rt["differences"].as_array().map(Vec::len),
        Some(0),
        "{rt:#}"
    );
    let skipped: Vec<String> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["name"].as_str().unwrap(),
                s["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("aws_cloudwatch_log_group.ecs "))
    );
    assert!(
        skipped
            .iter()
            .any(|s| s.starts_with("staging-auth-service-down ")
                && s.contains("not under the prefix `cat-house-staging-`"))
    );
    // The structure: three templates over five services, proxy-service's
    // threshold an override; no service name inside a template.
    let alarms = std::fs::read_to_string(out_dir.join("alarms.yaml")).unwrap();
    for t in ["  down:", "  high-cpu:", "  high-error-rate:"] {
        assert!(alarms.lines().any(|l| l == t), "{t}\n{alarms}");
    }
    for s in ["auth-service", "catalog-service", "proxy-service"] {
        assert!(!alarms.contains(s), "{s} in templates:\n{alarms}");
    }
    let services = std::fs::read_to_string(out_dir.join("services.yaml")).unwrap();
    assert!(
        services.contains("      high-cpu:\n        threshold: 90"),
        "{services}"
    );
    // The e-mail address of the state stays out of every file.
    for f in walk(&out_dir) {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!text.contains("ops@cathouse.example"), "{}", f.display());
    }
    // A plan's JSON is refused, saying what to give instead.
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, r#"{"format_version":"1.2","planned_values":{}}"#).unwrap();
    let refused = obsctl([
        "import",
        "--env",
        "staging",
        "--out",
        dir.path().join("other").to_str().unwrap(),
        "--prefix",
        "cat-house-staging-",
        "--from-terraform",
        plan.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert_eq!(refused.status.code(), Some(64), "{}", text(&refused));
    assert!(
        text(&refused).contains("planned_values"),
        "{}",
        text(&refused)
    );
}

/// A second environment imported into an existing catalogue: Cat House
/// staging is imported into a new directory, then production (applied from
/// the shipped catalogue, whose production pages after one minute without
/// tasks, its tags stripped) into the same directory. Production is added
/// to `obsctl.yaml` with that difference as an environment-wide override,
/// the catalogue validates, and its plan for production needs nothing but
/// ownership.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_environment_is_added_with_its_overrides() {
    let e = Emulator::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cat-house");
    let first = import(&e, "cat-house", "staging", &dir).await;
    assert_eq!(first["validates"], true);
    let before = std::fs::read_to_string(dir.join("obsctl.yaml")).unwrap();
    e.apply("cat-house", "production");
    strip_ownership(&e, "cat-house-production-").await;
    let d = dir.to_str().unwrap();
    let out = e.obsctl_in(
        Path::new("."),
        d,
        &[
            "import",
            "--env",
            "production",
            "--out",
            d,
            "--keep-emails",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    let overrides = &report["overrides"];
    assert_eq!(
        overrides["service-down"]["evaluation_periods"], 1,
        "{report:#}"
    );
    // What one service lacks in production (the shipped catalogue turns
    // health-aggregator's traffic anomaly alarm off there) is not an
    // environment-wide override: it is listed, with the dashboards that
    // show that alarm.
    let rt = &report["round_trip"];
    let differences = rt["differences"].as_array().unwrap();
    assert!(
        !differences.is_empty()
            && differences.iter().all(|d| d
                .as_str()
                .unwrap()
                .contains("cat-house-production-health-aggregator-unusual-traffic")),
        "{rt:#}"
    );
    // obsctl.yaml: staging's lines kept, production added.
    let after = std::fs::read_to_string(dir.join("obsctl.yaml")).unwrap();
    for line in before.lines() {
        assert!(after.contains(line), "lost: {line}\n{after}");
    }
    assert!(after.contains("\n  production:\n"), "{after}");
    // It validates; plan --adopt, then apply --adopt, converge.
    let out = crate::support::obsctl(["-d", d, "validate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = e.obsctl_in(
        Path::new("."),
        d,
        &["apply", "--env", "production", "--adopt", "--auto-approve"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = e.obsctl_in(
        Path::new("."),
        d,
        &["plan", "--env", "production", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Importing it again is refused: the environment exists.
    let out = e.obsctl_in(
        Path::new("."),
        d,
        &["import", "--env", "production", "--out", d],
    );
    assert_eq!(out.status.code(), Some(64), "{}", text(&out));
}

/// `--tag KEY=VALUE` selects the tagged resources of taggable kinds (the
/// Terraform fixture tags its topics only), their subscriptions with them,
/// and keeps the kinds without tags (metric filters, saved queries).
#[test]
fn a_tag_selects_what_is_imported() {
    use crate::support::obsctl;
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("cat-house");
    let fixture = crate::support::root().join("tests/fixtures/terraform/cat-house-staging.json");
    let out = obsctl([
        "import",
        "--env",
        "staging",
        "--out",
        out_dir.to_str().unwrap(),
        "--from-terraform",
        fixture.to_str().unwrap(),
        "--tag",
        "AlertLevel=critical",
        "--format",
        "json",
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    let imported = &report["imported"];
    assert_eq!(imported["topics"], 1, "{report:#}");
    assert_eq!(imported["subscriptions"], 1, "{report:#}");
    assert_eq!(imported["metric-filters"], 10, "{report:#}");
    assert!(imported["metric-alarms"].is_null(), "{report:#}");
    assert!(imported["dashboards"].is_null(), "{report:#}");
    assert_eq!(report["validates"], true, "{report:#}");
    let bad = obsctl([
        "import", "--env", "staging", "--out", "x", "--tag", "novalue",
    ])
    .output()
    .unwrap();
    assert_eq!(bad.status.code(), Some(64), "{}", text(&bad));
}

/// Issue 23: an account whose monitoring follows no obsctl naming at all —
/// alarms and a topic made by hand under names of their own — is imported
/// with `--names`: the alarms become one template over services, each
/// keeping its name (an override's `name`), the topic keeps its name
/// (`topics.<key>.name`), and so does a dashboard (`dashboards.<key>.name`);
/// the round trip holds, `plan --adopt` adopts only,
/// and then the plan is empty. Real binary, real SDK, fakecloud.
#[tokio::test(flavor = "multi_thread")]
async fn an_account_named_otherwise_is_imported_and_adopted_with_its_names() {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
    let e = Emulator::start();
    let cw = e.cloudwatch().await;
    let sns = e.sns().await;
    let topic = sns
        .create_topic()
        .name("oncall-staging")
        .send()
        .await
        .unwrap()
        .topic_arn()
        .unwrap()
        .to_string();
    sns.subscribe()
        .topic_arn(&topic)
        .protocol("email")
        .endpoint("oncall@shop.example")
        .send()
        .await
        .unwrap();
    for (name, svc, threshold) in [
        ("orders-HighErrors", "orders", 5.0),
        ("billing-HighErrors", "billing", 5.0),
        ("Checkout-Latency-staging", "checkout", 800.0),
    ] {
        cw.put_metric_alarm()
            .alarm_name(name)
            .alarm_description("errors or latency above normal")
            .namespace("Shop/Api")
            .metric_name(if name.contains("Latency") {
                "Latency"
            } else {
                "Errors"
            })
            .dimensions(Dimension::builder().name("Service").value(svc).build())
            .statistic(Statistic::Sum)
            .period(60)
            .evaluation_periods(3)
            .threshold(threshold)
            .comparison_operator(ComparisonOperator::GreaterThanThreshold)
            .alarm_actions(&topic)
            .ok_actions(&topic)
            .send()
            .await
            .unwrap();
    }
    cw.put_dashboard()
        .dashboard_name("Shop-Overview-staging")
        .dashboard_body(
            serde_json::json!({"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
                "properties": {"title": "Errors", "region": "us-east-1", "stat": "Sum", "period": 60,
                    "metrics": [["Shop/Api", "Errors", "Service", "orders"]]}}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    // A saved query under a name of its own (no tags: adopted by rename).
    let logs = e.logs().await;
    logs.create_log_group()
        .log_group_name("/ecs/orders")
        .send()
        .await
        .unwrap();
    logs.put_query_definition()
        .name("Errors by status")
        .query_string("fields @timestamp, status | filter status >= 500")
        .log_group_names("/ecs/orders")
        .send()
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    let d = dir.to_str().unwrap();
    let out = e.obsctl_in(
        Path::new("."),
        d,
        &[
            "import",
            "--env",
            "staging",
            "--out",
            d,
            "--prefix",
            "shop-staging-",
            "--names",
            "HighErrors|Latency|oncall|Overview|Errors by",
            "--keep-emails",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = json(&out);
    assert_eq!(report["validates"], true, "{report:#}");
    // The saved query is adopted by rename: the only difference.
    let renamed = "shop-staging/errors-by-status";
    assert_eq!(report["renamed"][0]["to"], renamed, "{report:#}");
    let differences: Vec<&str> = report["round_trip"]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(differences.len(), 2, "{report:#}");
    assert!(differences[0].starts_with(&format!("Create query-definitions {renamed}")));
    assert!(differences[1].starts_with("Delete query-definitions Errors by status"));
    assert!(
        report["skipped"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    assert_eq!(report["imported"]["metric-alarms"], 3, "{report:#}");
    assert_eq!(report["imported"]["topics"], 1, "{report:#}");
    assert_eq!(report["imported"]["dashboards"], 1, "{report:#}");
    let boards: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("dashboards.yaml")).unwrap())
            .unwrap();
    assert_eq!(
        boards["dashboards"]["Shop-Overview"]["name"], "Shop-Overview-{{ env.name }}",
        "{boards:#}"
    );
    let services: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("services.yaml")).unwrap())
            .unwrap();
    assert_eq!(
        services["services"]["orders"]["alarms"]["HighErrors"]["name"], "orders-HighErrors",
        "{services:#}"
    );
    let obsctl: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("obsctl.yaml")).unwrap()).unwrap();
    assert_eq!(
        obsctl["topics"]["oncall"]["name"], "oncall-{{ env.name }}",
        "{obsctl:#}"
    );
    // plan --adopt: ownership changes only; after it, nothing to do.
    let out = e.obsctl_in(
        Path::new("."),
        d,
        &["plan", "--env", "staging", "--adopt", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let plan = json(&out);
    let changes = plan["changes"].as_array().unwrap();
    assert!(!changes.is_empty(), "nothing to adopt?");
    for c in changes {
        let ownership_only = match c["action"].as_str() {
            Some("adopt") | Some("update") => c["fields"]
                .as_array()
                .is_none_or(|f| f.iter().all(|f| marker_only(f) || tag(f))),
            // The rename of the saved query.
            Some("create") => c["key"] == renamed,
            Some("delete") => c["key"] == "Errors by status",
            _ => false,
        };
        assert!(ownership_only, "not an ownership change: {c:#}");
    }
    let out = e.obsctl_in(
        Path::new("."),
        d,
        &["apply", "--env", "staging", "--adopt", "--auto-approve"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = e.obsctl_in(
        Path::new("."),
        d,
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(out.status.code(), Some(0), "not converged\n{}", text(&out));
    let left = logs
        .describe_query_definitions()
        .send()
        .await
        .unwrap()
        .query_definitions()
        .iter()
        .filter_map(|q| q.name().map(str::to_string))
        .collect::<Vec<_>>();
    assert_eq!(left, [renamed], "renamed, not copied");
}
