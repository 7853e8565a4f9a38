//! Unit tests of the import on resources built in memory: the catalogue
//! written compiles back to the same resources (tags aside), and the
//! structure is found whatever the shape and naming.

use super::*;
use crate::live::LiveState;
use crate::resource::*;
use std::collections::BTreeSet;

const PREFIX: &str = "shop-prod-";
const ACCOUNT: &str = "123456789012";

fn topic_arn(key: &str) -> String {
    format!("arn:aws:sns:eu-west-1:{ACCOUNT}:{PREFIX}{key}")
}

fn alarm(
    name: &str,
    svc_dim: &str,
    description: &str,
    threshold: f64,
    topics: &[&str],
) -> Resource {
    let actions: Vec<String> = topics.iter().map(|t| topic_arn(t)).collect();
    Resource::MetricAlarm(Box::new(MetricAlarm {
        alarm_name: format!("{PREFIX}{name}"),
        alarm_description: Some(description.to_string()),
        actions_enabled: true,
        ok_actions: actions.clone(),
        alarm_actions: actions,
        insufficient_data_actions: vec![],
        metric_name: Some("Latency".into()),
        namespace: Some("Shop/Api".into()),
        statistic: None,
        extended_statistic: Some("p99".into()),
        dimensions: vec![Dimension {
            name: "Service".into(),
            value: svc_dim.to_string(),
        }],
        period: Some(60),
        unit: None,
        evaluation_periods: 3,
        datapoints_to_alarm: Some(3),
        threshold: Some(threshold),
        comparison_operator: "GreaterThanThreshold".into(),
        treat_missing_data: "missing".into(),
        evaluate_low_sample_count_percentile: None,
        metrics: vec![],
        threshold_metric_id: None,
        tags: vec![],
    }))
}

fn topic(key: &str) -> Resource {
    Resource::Topic(Box::new(Topic {
        name: format!("{PREFIX}{key}"),
        attributes: Default::default(),
        tags: vec![],
    }))
}

fn filter(name: &str, group: &str, pattern: &str) -> Resource {
    Resource::MetricFilter(Box::new(MetricFilter {
        log_group_name: group.to_string(),
        filter_name: format!("{PREFIX}{name}"),
        filter_pattern: pattern.to_string(),
        metric_transformations: vec![MetricTransformation {
            metric_name: "Errors".into(),
            metric_namespace: "Shop/Api".into(),
            metric_value: "1".into(),
            default_value: None,
            dimensions: Default::default(),
            unit: None,
        }],
    }))
}

fn dashboard(name: &str, svc: &str) -> Resource {
    Resource::Dashboard(Box::new(Dashboard {
        dashboard_name: format!("{PREFIX}{name}"),
        body: serde_json::json!({"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 6, "height": 6,
            "properties": {"title": format!("{svc} latency"), "region": "eu-west-1",
                "metrics": [["Shop/Api", "Latency", "Service", svc]]}}]})
        .into(),
        tags: vec![],
    }))
}

/// Imports `resources`, writes the catalogue, compiles it and plans it
/// against them: the differences that are not tags.
fn import(resources: Vec<Resource>) -> (Imported, Vec<String>, tempfile::TempDir) {
    let input = Input {
        project: "shop".into(),
        env: "prod".into(),
        region: "eu-west-1".into(),
        account: ACCOUNT.into(),
        prefix: PREFIX.into(),
        resources: &resources,
        keep_emails: false,
        external: Default::default(),
        json_groups: Default::default(),
    };
    let imported = build(&input);
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in &imported.files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let (cat, _) = match crate::run::load_and_compile_with(dir.path(), Some("prod"), false) {
        Ok(done) => done,
        Err(e) => panic!("{e}\n{:#?}", imported.files),
    };
    let mut problems = crate::diagnostic::Problems::default();
    let desired =
        crate::compile::compile_with_account(&cat, Some("prod"), Some(ACCOUNT), &mut problems)
            .pop()
            .unwrap();
    let mut live = LiveState::default();
    for r in resources {
        let mut r = r;
        if let Resource::QueryDefinition(q) = &mut r {
            q.query_string = crate::ownership::mark_query(&q.query_string, "shop", "prod");
        }
        live.resources.insert((r.kind(), r.key()), r);
    }
    let kinds: BTreeSet<Kind> = Kind::ALL
        .iter()
        .copied()
        .filter(|k| *k != Kind::LogGroup)
        .collect();
    let secret = |n: &str| imported.secrets.get(n).cloned();
    let plan = crate::plan::compute(&desired, &live, &kinds, false, &secret).unwrap();
    let differences = plan
        .changes
        .iter()
        .filter(|c| {
            !(c.action == crate::plan::Action::Update
                && c.fields.iter().all(|f| f.path.starts_with("Tags")))
        })
        .map(|c| format!("{:?} {} {:?}", c.action, c.key, c.fields))
        .collect();
    (imported, differences, dir)
}

fn read(dir: &tempfile::TempDir, file: &str) -> serde_json::Value {
    serde_saphyr::from_str(&std::fs::read_to_string(dir.path().join(file)).unwrap()).unwrap()
}

#[test]
fn services_titles_overrides_and_routes_are_found() {
    let services = [
        ("orders-eu", "Orders EU"),
        ("orders-us", "Orders US"),
        ("billing", "Billing"),
    ];
    let mut resources = vec![topic("pager"), topic("chat"), topic("billing-pager")];
    for (i, (svc, title)) in services.iter().enumerate() {
        // billing pages its own team too; orders-us has a higher threshold.
        let topics: &[&str] = if *svc == "billing" {
            &["billing-pager", "pager"]
        } else {
            &["pager"]
        };
        let threshold = if i == 1 { 900.0 } else { 500.0 };
        resources.push(alarm(
            &format!("{svc}-p99"),
            svc,
            &format!("p99 latency of {title} is high"),
            threshold,
            topics,
        ));
        resources.push(dashboard(&format!("{svc}-overview"), svc));
    }
    resources.push(alarm("edge-p99", "edge", "edge latency", 100.0, &["chat"]));
    let (imported, differences, dir) = import(resources);
    assert!(
        differences.is_empty(),
        "{differences:#?}\n{:#?}",
        imported.files
    );
    let alarms = read(&dir, "alarms.yaml");
    let templates = alarms["alarms"].as_object().unwrap();
    assert_eq!(templates.len(), 2, "{templates:#?}");
    let p99 = &templates["p99"];
    assert_eq!(
        p99["description"],
        "p99 latency of {{ service.title }} is high"
    );
    assert_eq!(p99["metric"]["dimensions"]["Service"], "{{ service }}");
    assert_eq!(p99["threshold"], 500);
    let svcs = read(&dir, "services.yaml");
    assert_eq!(
        svcs["services"]["orders-us"]["alarms"]["p99"]["threshold"],
        900
    );
    assert_eq!(svcs["services"]["orders-eu"]["title"], "Orders EU");
    assert_eq!(
        svcs["services"]["billing"]["routes"]["pager"],
        serde_json::json!(["billing-pager", "pager"]),
        "{svcs:#?}"
    );
    // The environment-wide alarm stays one, under its own name.
    assert_eq!(templates["edge-p99"]["scope"], "environment");
    // Per-service dashboards are one template.
    let boards = read(&dir, "dashboards.yaml");
    assert_eq!(boards["dashboards"]["overview"]["per"], "service");
}

#[test]
fn filters_become_log_sections_and_strays_are_adopted_by_rename() {
    let mut resources = vec![];
    for svc in ["api", "worker"] {
        let group = format!("/aws/ecs/shop/{svc}");
        resources.push(filter(&format!("{svc}-errors"), &group, "ERROR"));
    }
    // A filter named for no service, on a group no service writes.
    resources.push(filter(
        "audit",
        "/aws/lambda/audit-log",
        "{ $.action = \"delete\" }",
    ));
    let (imported, differences, dir) = import(resources);
    let logs = read(&dir, "logs.yaml");
    assert_eq!(
        logs["metric_filters"]["errors"]["pattern"], "ERROR",
        "{logs:#?}"
    );
    let obsctl = read(&dir, "obsctl.yaml");
    assert_eq!(
        obsctl["environments"]["prod"]["log_group"],
        "/aws/ecs/shop/{service}"
    );
    // The stray filter: renamed into a service made for its log group
    // (create + delete); the account has no topic, and a catalogue needs
    // one for its severity (a create); nothing else differs.
    assert_eq!(imported.report.renamed.len(), 1, "{:#?}", imported.report);
    assert_eq!(imported.report.renamed[0].to, "shop-prod-audit-log-audit");
    assert_eq!(
        differences,
        vec![
            "Create shop-prod-alerts []",
            "Create /aws/lambda/audit-log:shop-prod-audit-log-audit []",
            "Delete /aws/lambda/audit-log:shop-prod-audit []",
        ]
    );
}

#[test]
fn https_endpoints_and_tokens_never_reach_the_files() {
    let resources = vec![
        topic("pager"),
        Resource::Subscription(Box::new(Subscription {
            topic_name: format!("{PREFIX}pager"),
            protocol: "https".into(),
            endpoint: "https://events.example/abc".into(),
            attributes: Default::default(),
            optional: false,
            external: false,
        })),
        Resource::Subscription(Box::new(Subscription {
            topic_name: format!("{PREFIX}pager"),
            protocol: "email".into(),
            endpoint: "ops@shop.example".into(),
            attributes: Default::default(),
            optional: false,
            external: false,
        })),
        alarm(
            "api-p99",
            "api",
            "token=AbCdEf0123456789AbCdEf0123456789xyz",
            1.0,
            &["pager"],
        ),
    ];
    let (imported, differences, _dir) = import(resources);
    assert!(
        differences.iter().all(|d| d.contains("api-p99")),
        "{differences:#?}"
    );
    for text in imported.files.values() {
        assert!(
            !text.contains("events.example")
                && !text.contains("ops@shop.example")
                && !text.contains("token="),
            "{text}"
        );
    }
    assert_eq!(imported.report.secrets, vec!["PAGER_EMAIL", "PAGER_URL"]);
    assert!(
        imported
            .report
            .skipped
            .iter()
            .any(|s| s.name.ends_with("api-p99"))
    );
}

fn log_alarm(svc: &str, threshold: f64, role: &str) -> Resource {
    Resource::LogAlarm(Box::new(LogAlarm {
        alarm_name: format!("{PREFIX}{svc}-failed-logins"),
        alarm_description: Some(format!("Failed logins on {svc}")),
        actions_enabled: true,
        ok_actions: vec![],
        alarm_actions: vec![topic_arn("pager")],
        insufficient_data_actions: vec![],
        scheduled_query_configuration: ScheduledQuery {
            query_string: format!(
                "filter service = \"{svc}\" and event = \"authentication.failed\""
            ),
            log_group_identifiers: vec![format!("/ecs/shop/{svc}")],
            scheduled_query_role_arn: format!("arn:aws:iam::{ACCOUNT}:role/{role}"),
            schedule_configuration: LogAlarmSchedule {
                schedule_expression: "rate(5 minutes)".into(),
                start_time_offset: 300,
                end_time_offset: 0,
            },
            aggregation_expression: "count(*) by ipAddress".into(),
        },
        query_results_to_evaluate: 2,
        query_results_to_alarm: 1,
        threshold,
        comparison_operator: "GreaterThanThreshold".into(),
        treat_missing_data: "notBreaching".into(),
        tags: vec![],
    }))
}

#[test]
fn log_alarms_become_one_log_template_with_the_role_and_overrides() {
    let mut resources = vec![topic("pager")];
    for (svc, threshold) in [("cart", 5.0), ("billing", 5.0), ("orders", 20.0)] {
        resources.push(log_alarm(svc, threshold, "shop-prod-log-alarms"));
    }
    // Another role than the environment's one: not imported, said why.
    let mut other = log_alarm("edge", 5.0, "someone-else");
    if let Resource::LogAlarm(a) = &mut other {
        a.alarm_name = format!("{PREFIX}edge-other-role");
    }
    resources.push(other);
    let (imported, differences, dir) = import(resources);
    let skipped: Vec<String> = imported
        .report
        .skipped
        .iter()
        .map(|s| format!("{} {}: {}", s.kind, s.name, s.reason))
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert!(skipped[0].contains("someone-else"), "{skipped:#?}");
    assert!(
        differences
            .iter()
            .all(|d| d.contains("shop-prod-edge-other-role")),
        "{differences:#?}\n{:#?}",
        imported.files
    );
    let alarms = read(&dir, "alarms.yaml");
    let templates = alarms["alarms"].as_object().unwrap();
    assert_eq!(templates.len(), 1, "{templates:#?}");
    let t = templates.values().next().unwrap();
    assert_eq!(t["kind"], "log");
    assert_eq!(
        t["query"],
        "filter service = \"{{ service }}\" and event = \"authentication.failed\""
    );
    assert_eq!(
        t["log_groups"],
        serde_json::json!(["/ecs/shop/{{ service }}"])
    );
    assert_eq!(t["aggregation"], "count(*) by ipAddress");
    assert!(
        t.get("start_offset").is_none(),
        "the default offsets: {t:#?}"
    );
    assert_eq!(t["threshold"], 5);
    assert_eq!(t["evaluation_periods"], 2);
    assert_eq!(t["datapoints_to_alarm"], 1);
    let svcs = read(&dir, "services.yaml");
    let (name, _) = templates.iter().next().unwrap();
    assert_eq!(
        svcs["services"]["orders"]["alarms"][name]["threshold"], 20,
        "{svcs:#?}"
    );
    let cat = read(&dir, "obsctl.yaml");
    assert_eq!(
        cat["environments"]["prod"]["log_alarm_role"],
        format!("arn:aws:iam::{ACCOUNT}:role/shop-prod-log-alarms")
    );
}

/// Issue 23: alarms made by hand under names of their own (outside the
/// prefix, chosen by `--names`) keep them: the structure is found as for
/// any name, and each alarm's own name is an override's `name` (the
/// environment's name in it as `{{ env.name }}`), so the round trip holds.
#[test]
fn alarms_named_outside_the_prefix_keep_their_names() {
    let named = |name: &str, svc: &str, threshold: f64| {
        let mut r = alarm(name, svc, "p99 latency is high", threshold, &["pager"]);
        if let Resource::MetricAlarm(a) = &mut r {
            a.alarm_name = name.to_string();
        }
        r
    };
    let resources = vec![
        topic("pager"),
        named("orders-eu-HighLatency", "orders-eu", 500.0),
        named("orders-us-HighLatency", "orders-us", 500.0),
        named("EdgeLatency-prod", "edge", 100.0),
    ];
    let (imported, differences, dir) = import(resources);
    assert!(
        differences.is_empty(),
        "{differences:#?}\n{:#?}",
        imported.files
    );
    let alarms = read(&dir, "alarms.yaml");
    let templates = alarms["alarms"].as_object().unwrap();
    assert_eq!(
        templates["HighLatency"]["metric"]["dimensions"]["Service"],
        "{{ service }}"
    );
    let svcs = read(&dir, "services.yaml");
    assert_eq!(
        svcs["services"]["orders-eu"]["alarms"]["HighLatency"]["name"],
        "orders-eu-HighLatency"
    );
    let obsctl = read(&dir, "obsctl.yaml");
    let env_alarms = &obsctl["environments"]["prod"]["alarms"];
    let (_, edge) = env_alarms.as_object().unwrap().iter().next().unwrap();
    assert_eq!(
        edge["name"], "EdgeLatency-{{ env.name }}",
        "{env_alarms:#?}"
    );
}

/// Issue 23: a topic made by hand outside the prefix (chosen by
/// `--names`) keeps its name: its key is its name, its `name` the name
/// with the environment as `{{ env.name }}`, and the alarms that notify it
/// route to it; the round trip holds.
#[test]
fn topics_named_outside_the_prefix_keep_their_names() {
    let outside = "oncall-prod";
    let arn = format!("arn:aws:sns:eu-west-1:{ACCOUNT}:{outside}");
    let mut resources = vec![Resource::Topic(Box::new(Topic {
        name: outside.into(),
        attributes: Default::default(),
        tags: vec![],
    }))];
    for svc in ["orders", "billing"] {
        let mut r = alarm(
            &format!("{svc}-p99"),
            svc,
            "p99 latency is high",
            500.0,
            &[],
        );
        if let Resource::MetricAlarm(a) = &mut r {
            a.alarm_actions = vec![arn.clone()];
            a.ok_actions = vec![arn.clone()];
        }
        resources.push(r);
    }
    let (imported, differences, dir) = import(resources);
    assert!(
        differences.is_empty(),
        "{differences:#?}\n{:#?}",
        imported.files
    );
    let obsctl = read(&dir, "obsctl.yaml");
    // Its key is its name without the environment's.
    assert_eq!(
        obsctl["topics"]["oncall"]["name"], "oncall-{{ env.name }}",
        "{obsctl:#?}"
    );
    let routed = obsctl["severities"]
        .as_object()
        .unwrap()
        .values()
        .any(|s| s["topic"] == "oncall");
    assert!(routed, "{obsctl:#?}");
}

#[test]
fn a_topic_key_is_its_name_without_the_environment() {
    for (name, key) in [
        ("oncall-prod", "oncall"),
        ("prod-oncall", "oncall"),
        ("team_prod_pager", "team_pager"),
        ("a-prod-b-prod", "a-b"),
        ("prod", "prod"),
        ("production-alerts", "production-alerts"),
    ] {
        assert_eq!(super::without_env(name, "prod"), key, "{name}");
    }
}
