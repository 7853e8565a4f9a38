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
    arns.extend(alarms.metric_alarms().iter().filter_map(|a| a.alarm_arn().map(str::to_string)));
    arns.extend(alarms.composite_alarms().iter().filter_map(|a| a.alarm_arn().map(str::to_string)));
    let boards = cw.list_dashboards().dashboard_name_prefix(prefix).send().await.unwrap();
    arns.extend(boards.dashboard_entries().iter().filter_map(|d| d.dashboard_arn().map(str::to_string)));
    let rules = cw.list_alarm_mute_rules().send().await.unwrap();
    arns.extend(
        rules
            .alarm_mute_rule_summaries()
            .iter()
            .filter_map(|r| r.alarm_mute_rule_arn().map(str::to_string))
            .filter(|a| a.contains(prefix)),
    );
    for arn in arns {
        let tags = cw.list_tags_for_resource().resource_arn(&arn).send().await.unwrap();
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
        let tags = sns.list_tags_for_resource().resource_arn(arn).send().await.unwrap();
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
            "import", "--env", env, "--out", dir.to_str().unwrap(), "--prefix", &prefix,
            "--keep-emails", "--format", "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    json(&out)
}

#[tokio::test(flavor = "multi_thread")]
async fn shipped_catalogues_imported_from_hand_made_resources_round_trip() {
    for cat in ["bookstore", "cat-house"] {
        let e = Emulator::start();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(cat);
        let report = import(&e, cat, "production", &dir).await;
        assert_eq!(report["validates"], true, "{report:#}");
        // Every imported resource compiles back exactly; only ownership differs.
        let rt = &report["round_trip"];
        assert_eq!(rt["differences"], Value::Array(vec![]), "{cat}: {rt:#}");
        let imported: u64 = report["imported"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
        assert_eq!(imported, report["live_resources"].as_u64().unwrap(), "{report:#}");
        assert!(report["skipped"].as_array().unwrap().is_empty(), "{report:#}");
        let d = dir.to_str().unwrap();
        // The catalogue validates on its own (and `render` works).
        let out = crate::support::obsctl(["-d", d, "validate"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        // plan --adopt: ownership changes only.
        let out = e.obsctl_in(Path::new("."), d, &["plan", "--env", "production", "--adopt", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let plan = json(&out);
        for c in plan["changes"].as_array().unwrap() {
            let ownership_only = match c["action"].as_str() {
                Some("adopt") | Some("update") => c["fields"]
                    .as_array()
                    .is_none_or(|f| f.iter().all(|f| marker_only(f) || tag(f))),
                _ => false,
            };
            assert!(ownership_only, "{cat}: not an ownership change: {c:#}");
        }
        assert!(!plan["changes"].as_array().unwrap().is_empty(), "nothing to adopt?");
        let out = e.obsctl_in(Path::new("."), d, &["apply", "--env", "production", "--adopt", "--auto-approve"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let out = e.obsctl_in(Path::new("."), d, &["plan", "--env", "production", "--detailed-exitcode"]);
        assert_eq!(out.status.code(), Some(0), "{cat}: not converged\n{}", text(&out));
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
    after.starts_with(before) && after[before.len()..].trim().starts_with("# managed by obsctl:")
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
            assert!(!body.contains(n.as_str()), "template `{t}` names service `{n}`: {body}");
        }
    }
}
