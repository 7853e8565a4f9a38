//! The JSON Schema `obsctl schema` prints agrees with the loader,
//! structurally: every shipped catalogue file (and a generated catalogue)
//! validates against it with a standard draft 2020-12 validator, and
//! structurally invalid files (unknown key, wrong type, bad enum value) are
//! rejected by both. Semantic rules (references, AWS limits) are
//! `validate`'s, not the schema's.

use crate::support::{obsctl, root};
use obsctl::catalogue::source::SourceFile;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The schema exactly as `obsctl schema` prints it.
fn schema() -> Value {
    let out = obsctl(["schema"]).output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).expect("the schema is a valid 2020-12 schema")
}

/// Every YAML file under `dir`, recursively.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// The document as the loader sees it (obsctl's own YAML → JSON).
fn document(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    SourceFile::parse(path.to_path_buf(), &text)
        .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message))
        .value
}

fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn every_shipped_and_generated_catalogue_file_validates() {
    let v = validator();
    let mut files = Vec::new();
    yaml_files(&root().join("definitions"), &mut files);
    let generated = tempfile::tempdir().unwrap();
    obsctl::generate::write_catalogue(&generated.path().join("gen"), 5).unwrap();
    yaml_files(generated.path(), &mut files);
    assert!(files.len() >= 15, "{} files", files.len());
    let mut failures = Vec::new();
    for f in &files {
        for e in schema_errors(&v, &document(f)) {
            failures.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A minimal valid root file, and the same with one structural mistake.
const BASE: &str = "project: p
namespace: P/Services
environments:
  staging: { region: us-east-1 }
topics:
  alerts: {}
severities:
  critical: { topic: alerts }
services:
  api: { log_group: /ecs/api }
alarms:
  high-cpu:
    kind: metric
    severity: critical
    metric:
      namespace: AWS/ECS
      metric: CPUUtilization
      statistic: Average
      dimensions: { ClusterName: c, ServiceName: '{{ service.name }}' }
    threshold: 80
    comparison: '>'
    period: 300
    evaluation_periods: 2
";

fn loader_problems(text: &str) -> usize {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("obsctl.yaml"), text).unwrap();
    match obsctl::catalogue::load(dir.path()) {
        Ok((_, problems)) => problems.0.len(),
        Err(_) => 1,
    }
}

fn rejected_by_schema(v: &jsonschema::Validator, text: &str) -> bool {
    let doc = SourceFile::parse("obsctl.yaml".into(), text).unwrap().value;
    !v.is_valid(&doc)
}

#[test]
fn structurally_invalid_files_fail_both_the_loader_and_the_schema() {
    let v = validator();
    assert_eq!(loader_problems(BASE), 0, "the base file loads");
    assert!(
        !rejected_by_schema(&v, BASE),
        "{:?}",
        schema_errors(&v, &SourceFile::parse("b".into(), BASE).unwrap().value)
    );
    let mistakes: &[(&str, &str, &str)] = &[
        (
            "unknown root key",
            "project: p\n",
            "project: p\nprojetc: q\n",
        ),
        (
            "unknown alarm key",
            "    period: 300\n",
            "    period: 300\n    perod: 60\n",
        ),
        (
            "unknown service key",
            "  api: { log_group: /ecs/api }\n",
            "  api: { log_group: /ecs/api, tilte: API }\n",
        ),
        ("wrong type", "    threshold: 80\n", "    threshold: high\n"),
        (
            "unknown metric key",
            "      statistic: Average\n",
            "      statistic: Average\n      stat: Sum\n",
        ),
        (
            "wrong type (list for a map)",
            "  api: { log_group: /ecs/api }\n",
            "  api: [a, b]\n",
        ),
        (
            "bad enum value",
            "    comparison: '>'\n",
            "    comparison: bigger\n",
        ),
        (
            "bad symbol",
            "    comparison: '>'\n",
            "    comparison: '=>'\n",
        ),
        (
            "wrong type (number for a list)",
            "project: p\n",
            "project: p\ninclude: 3\n",
        ),
        (
            "unknown environment key",
            "  staging: { region: us-east-1 }\n",
            "  staging: { region: us-east-1, regoin: x }\n",
        ),
        (
            "unknown test key",
            "project: p\n",
            "project: p\ntests:\n  t: { logs: [], expectt: [] }\n",
        ),
    ];
    for (what, from, to) in mistakes {
        assert!(BASE.contains(from), "{what}: fixture does not apply");
        let text = BASE.replacen(from, to, 1);
        assert!(loader_problems(&text) > 0, "{what}: the loader accepts it");
        assert!(
            rejected_by_schema(&v, &text),
            "{what}: the schema accepts it"
        );
    }
    // Shorthands the loader accepts, the schema accepts too.
    for route in [
        "alerts",
        "[alerts]",
        "{ add: alerts }",
        "{ add: [alerts], replace: [alerts] }",
    ] {
        let text = BASE.replace(
            "  api: { log_group: /ecs/api }",
            &format!("  api: {{ log_group: /ecs/api, routes: {{ critical: {route} }} }}"),
        );
        assert_eq!(loader_problems(&text), 0, "{route}");
        assert!(!rejected_by_schema(&v, &text), "{route}");
    }
    let text = BASE.replace("{ topic: alerts }", "{ topic: [alerts, alerts] }");
    assert_eq!(loader_problems(&text), 0);
    assert!(!rejected_by_schema(&v, &text));
    for symbol in [">", ">=", "<", "<="] {
        let text = BASE.replace("comparison: '>'", &format!("comparison: '{symbol}'"));
        assert_eq!(loader_problems(&text), 0, "{symbol}");
        assert!(!rejected_by_schema(&v, &text), "{symbol}");
    }
}
