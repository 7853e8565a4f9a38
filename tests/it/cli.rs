//! End-to-end tests of the real `obsctl` binary: render, render --check,
//! validate, schema, and the exit-code contract.

use crate::support::{Run, RunExt, catalogue_copy, copy_dir, edit, obsctl, root};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn count(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn cat_house_staging_renders_every_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = obsctl([
        "-d",
        "definitions/cat-house",
        "render",
        "--env",
        "staging",
        "--out",
        tmp.path().to_str().unwrap(),
    ])
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let env = tmp.path().join("staging");
    assert_eq!(count(&env.join("dashboards")), 4);
    assert_eq!(count(&env.join("previews")), 4, "a preview per dashboard");
    assert!(count(&env.join("metric-alarms")) >= 30);
    assert_eq!(count(&env.join("topics")), 3);
    assert!(count(&env.join("metric-filters")) >= 10);
    assert_eq!(count(&env.join("query-definitions")), 8);
    assert!(
        !tmp.path().join("production").exists(),
        "--env limits output"
    );
    for file in json_files(tmp.path()) {
        let text = std::fs::read_to_string(&file).unwrap();
        let value: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if file.parent().unwrap().ends_with("dashboards") {
            for w in value["widgets"].as_array().unwrap() {
                let (x, w_) = (w["x"].as_i64().unwrap(), w["width"].as_i64().unwrap());
                assert!(
                    x >= 0 && w_ >= 1 && x + w_ <= 24,
                    "{}: widget outside grid: {w}",
                    file.display()
                );
                assert!(w["y"].as_i64().unwrap() >= 0 && w["height"].as_i64().unwrap() >= 1);
            }
        }
    }
    assert!(out.stdout.contains("estimated cost: $"), "{}", out.stdout);
}

#[test]
fn secrets_are_never_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = obsctl([
        "-d",
        "definitions/bookstore",
        "render",
        "--out",
        tmp.path().to_str().unwrap(),
    ])
    .run();
    assert_eq!(out.code, 0);
    let secret = "https://events.pagerduty.example/integration/secret-token/enqueue";
    let out2 = obsctl([
        "-d",
        "definitions/bookstore",
        "render",
        "--check",
        "--out",
        tmp.path().to_str().unwrap(),
    ])
    .env("PAGERDUTY_CRITICAL_URL", secret)
    .run();
    assert_eq!(out2.code, 0);
    for file in json_files(tmp.path()) {
        assert!(!std::fs::read_to_string(&file).unwrap().contains(secret));
    }
    let sub = std::fs::read_to_string(tmp.path().join(
        "staging/subscriptions/bookstore-staging-pagerduty-critical--https--PAGERDUTY_CRITICAL_URL.json",
    ))
    .unwrap();
    assert!(sub.contains("${env:PAGERDUTY_CRITICAL_URL}"));
}

#[test]
fn rendering_is_byte_identical_and_committed_snapshots_are_current() {
    for cat in ["cat-house", "bookstore"] {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for dir in [&a, &b] {
            let out = obsctl([
                "-d",
                &format!("definitions/{cat}"),
                "render",
                "--out",
                dir.path().to_str().unwrap(),
            ])
            .run();
            assert_eq!(out.code, 0, "{}", out.stderr);
        }
        let fa = json_files(a.path());
        assert!(!fa.is_empty());
        for f in &fa {
            let rel = f.strip_prefix(a.path()).unwrap();
            assert_eq!(
                std::fs::read(f).unwrap(),
                std::fs::read(b.path().join(rel)).unwrap(),
                "{}",
                rel.display()
            );
        }
        let check = obsctl(["-d", &format!("definitions/{cat}"), "render", "--check"]).run();
        assert_eq!(
            check.code, 0,
            "committed snapshots of {cat} are stale:\n{}",
            check.stderr
        );
    }
}

/// Edits one file of a copy of the Cat House catalogue (`from` → `to`) and
/// runs `render --check` against the committed snapshots.
fn check_after_edit(file: &str, from: &str, to: &str) -> Run {
    let tmp = catalogue_copy("cat-house");
    let path = tmp.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "`{from}` not in {file}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    let snapshots = root().join("snapshots/cat-house");
    obsctl([
        "-d",
        "definitions/cat-house",
        "render",
        "--check",
        "--out",
        snapshots.to_str().unwrap(),
    ])
    .current_dir(tmp.path())
    .run()
}

#[test]
fn check_fails_naming_the_file_after_a_catalogue_edit() {
    let out = check_after_edit(
        "definitions/cat-house/alarms.yaml",
        "threshold: 80",
        "threshold: 90",
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("staging/metric-alarms/cat-house-staging-auth-service-high-cpu.json"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("-  \"Threshold\": 80") && out.stderr.contains("+  \"Threshold\": 90"),
        "{}",
        out.stderr
    );
}

#[test]
fn check_fails_naming_the_file_after_a_template_edit() {
    let out = check_after_edit(
        "templates/cat-house/business.json.j2",
        "hourly)",
        "per hour)",
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("dashboards/cat-house-production-business.json"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("dashboards/cat-house-staging-business.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn check_lists_missing_and_extra_files_and_render_removes_stale_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(
        obsctl(["-d", "definitions/cat-house", "render", "--out", dir])
            .run()
            .code,
        0
    );
    let extra = tmp.path().join("staging/dashboards/old.json");
    std::fs::write(&extra, "{}").unwrap();
    std::fs::remove_file(
        tmp.path()
            .join("staging/topics/cat-house-staging-info-alerts.json"),
    )
    .unwrap();
    let out = obsctl([
        "-d",
        "definitions/cat-house",
        "render",
        "--check",
        "--out",
        dir,
    ])
    .run();
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("extra:") && out.stderr.contains("old.json"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("missing:")
            && out.stderr.contains("cat-house-staging-info-alerts.json"),
        "{}",
        out.stderr
    );
    assert_eq!(
        obsctl(["-d", "definitions/cat-house", "render", "--out", dir])
            .run()
            .code,
        0
    );
    assert!(!extra.exists());
}

#[test]
fn invalid_catalogue_exits_1_with_located_problems() {
    let out = obsctl(["-d", "tests/fixtures/invalid", "validate"]).run();
    assert_eq!(out.code, 1);
    // The severity may be defined in the unreadable bomb.yaml: its
    // `undefined severity` would be a consequence, so it is not reported.
    assert!(!out.stderr.contains("undefined severity"), "{}", out.stderr);
    for needle in [
        "bomb.yaml:6:8",
        "obsctl.yaml:15:5: error: unknown key `ownr`",
        "obsctl.yaml:17:11: error: wrong type",
        "obsctl.yaml:23:13: error: period 45",
        "obsctl.yaml:33:7: error: math alarm uses 11 metrics",
        "5 problems found",
    ] {
        assert!(
            out.stderr.contains(needle),
            "missing `{needle}` in:\n{}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains("panicked"));
}

#[test]
fn directory_without_catalogue_lists_the_catalogues_below() {
    let out = obsctl(["validate"]).run();
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("definitions has no obsctl.yaml"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("-d definitions/bookstore")
            && out.stderr.contains("-d definitions/cat-house"),
        "{}",
        out.stderr
    );
}

#[test]
fn usage_errors_exit_64() {
    assert_eq!(obsctl(["render", "--bogus"]).run().code, 64);
    assert_eq!(obsctl(["frobnicate"]).run().code, 64);
    let out = obsctl(["-d", "definitions/cat-house", "render", "--env", "prod"]).run();
    assert_eq!(out.code, 64);
    assert!(out.stderr.contains("production"), "{}", out.stderr);
    assert_eq!(obsctl(["--help"]).run().code, 0);
}

#[test]
fn validate_succeeds_on_both_catalogues() {
    for cat in ["cat-house", "bookstore"] {
        let out = obsctl(["-d", &format!("definitions/{cat}"), "validate"]).run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(out.stdout.contains("valid"));
    }
}

#[test]
fn schema_is_json_schema_of_the_catalogue() {
    let out = obsctl(["schema"]).run();
    assert_eq!(out.code, 0);
    let schema: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(schema["properties"]["alarms"].is_object());
    assert!(schema["properties"]["services"].is_object());
    assert_eq!(schema["additionalProperties"], Value::Bool(false));
}

/// The complete example in docs/catalogue.md (the catalogue reference) must
/// stay a valid catalogue.
#[test]
fn readme_example_is_valid() {
    let readme = std::fs::read_to_string(root().join("docs/catalogue.md")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("definitions/shop");
    let mut found = 0;
    for block in readme.split("```yaml\n").skip(1) {
        let body = block.split("```").next().unwrap();
        if let Some(rest) = body.strip_prefix("# definitions/shop/") {
            let path = cat.join(rest.lines().next().unwrap().trim());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
            found += 1;
        }
    }
    assert_eq!(found, 2, "README example blocks not found");
    std::fs::create_dir_all(cat.join("templates")).unwrap();
    std::fs::write(cat.join("templates/overview.json.j2"), r#"{"widgets": [{"type": "text", "properties": {"markdown": {{ dashboard.name | tojson }}}}]}"#).unwrap();
    let out = obsctl(["-d", cat.to_str().unwrap(), "validate"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// The small catalogue on the README (the front door) must stay valid,
/// with the counts its text gives.
#[test]
fn readme_small_catalogue_is_valid() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme
        .split("```yaml\n")
        .find(|b| b.starts_with("# obsctl.yaml"))
        .and_then(|b| b.split("```").next())
        .expect("README's small catalogue not found");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("obsctl.yaml"), block).unwrap();
    let out = obsctl(["-d", tmp.path().to_str().unwrap(), "validate"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    // "Per environment that is 4 alarms, 4 metric filters, 2 log groups, a
    // topic and a subscription": 12 per environment.
    assert!(
        out.stdout.contains("(2 environments, 24 resources)"),
        "{}",
        out.stdout
    );
}

#[test]
fn apply_refuses_without_auto_approve_when_stdin_is_not_a_terminal() {
    let out = obsctl([
        "-d",
        "definitions/cat-house",
        "apply",
        "--env",
        "staging",
        "--endpoint-url",
        "http://127.0.0.1:9",
    ])
    .stdin(std::process::Stdio::null())
    .run();
    assert_eq!(out.code, 1);
    let stderr = out.stderr;
    assert!(
        stderr.contains("stdin is not a terminal") && stderr.contains("--auto-approve"),
        "{stderr}"
    );
}

/// A YAML syntax error in `obsctl.yaml` once panicked (index out of bounds):
/// now it is one located problem, and nothing else is reported.
#[test]
fn a_yaml_syntax_error_in_the_root_file_is_one_located_problem() {
    let tmp = catalogue_copy("cat-house");
    let path = tmp.path().join("definitions/cat-house/obsctl.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("project: cat-house", "project: [cat-house"),
    )
    .unwrap();
    let out = obsctl(["-d", "definitions/cat-house", "validate"])
        .current_dir(tmp.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    assert!(out.stderr.contains("obsctl.yaml:"), "{}", out.stderr);
    assert!(out.stderr.contains("1 problem found"), "{}", out.stderr);
}

/// A catalogue copied elsewhere under another name, with the templates it
/// names (at the same relative path), validates and renders identically:
/// no lookup depends on the catalogue directory's name.
#[test]
fn a_renamed_copy_of_a_catalogue_renders_identically() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("elsewhere/definitions/renamed");
    copy_dir(&root().join("definitions/cat-house"), &cat);
    copy_dir(
        &root().join("templates/cat-house"),
        &tmp.path().join("elsewhere/templates/cat-house"),
    );
    let out = tmp.path().join("out");
    // Not a git work tree: the root that holds catalogue and templates is
    // given.
    let o = obsctl([
        "-d",
        cat.to_str().unwrap(),
        "--root",
        tmp.path().join("elsewhere").to_str().unwrap(),
        "render",
        "--out",
        out.to_str().unwrap(),
    ])
    .current_dir(tmp.path())
    .run();
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let original = root().join("snapshots/cat-house");
    // `render` writes the environments' directories; `iam/` holds the
    // policies `obsctl iam-policy` checks, `docs/` what `obsctl docs` writes.
    let mut files: Vec<PathBuf> = json_files(&original)
        .into_iter()
        .filter(|f| !f.starts_with(original.join("iam")) && !f.starts_with(original.join("docs")))
        .collect();
    files.sort();
    let rendered = files.len();
    assert!(rendered > 100);
    for f in files {
        let rel = f.strip_prefix(&original).unwrap();
        let copy = std::fs::read_to_string(out.join(rel)).unwrap();
        assert_eq!(
            copy,
            std::fs::read_to_string(&f).unwrap(),
            "{}",
            rel.display()
        );
    }
    assert_eq!(json_files(&out).len(), rendered);
}

/// The Bookstore guide's route tree: the critical route has `continue: true`,
/// so in production a payment-service critical alarm notifies the general
/// on-call and the payment team; staging pages nobody.
#[test]
fn payment_criticals_reach_both_receivers_in_production_and_none_in_staging() {
    let dir = root().join("snapshots/bookstore");
    let actions = |env: &str, file: &str| -> Vec<String> {
        let path = dir.join(env).join("metric-alarms").join(file);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        v["AlarmActions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().rsplit(':').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        actions(
            "production",
            "bookstore-production-payment-service-service-down.json"
        ),
        [
            "bookstore-production-pagerduty-critical",
            "bookstore-production-pagerduty-payment"
        ]
    );
    assert_eq!(
        actions(
            "production",
            "bookstore-production-order-service-service-down.json"
        ),
        ["bookstore-production-pagerduty-critical"]
    );
    assert_eq!(
        actions(
            "staging",
            "bookstore-staging-payment-service-service-down.json"
        ),
        ["bookstore-staging-slack-warnings"]
    );
}

/// `obsctl docs`: every alarm of the committed snapshots is in the generated
/// alarm catalogue of its environment, with a runbook link to a file that
/// exists in the catalogue; and the committed docs are current.
#[test]
fn every_snapshot_alarm_is_documented_with_a_runbook_that_exists() {
    for cat in ["bookstore", "cat-house"] {
        let out = obsctl(["-d", &format!("definitions/{cat}"), "docs", "--check"]).run();
        assert_eq!(out.code, 0, "{cat}: {}{}", out.stdout, out.stderr);
        let snapshots = root().join("snapshots").join(cat);
        for env in ["staging", "production"] {
            let docs = std::fs::read_to_string(snapshots.join("docs").join(env).join("alarms.md"))
                .unwrap();
            let mut alarms = 0;
            for kind in ["metric-alarms", "composite-alarms"] {
                let dir = snapshots.join(env).join(kind);
                if !dir.is_dir() {
                    continue;
                }
                for f in json_files(&dir) {
                    let v: serde_json::Value =
                        serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
                    let name = v["AlarmName"].as_str().unwrap();
                    let row = docs
                        .lines()
                        .find(|l| l.starts_with(&format!("| `{name}` |")))
                        .unwrap_or_else(|| panic!("{cat}/{env}: {name} is not documented"));
                    let notifies = !v["AlarmActions"].as_array().unwrap().is_empty();
                    if notifies {
                        let link = row
                            .split("[runbook](")
                            .nth(1)
                            .and_then(|r| r.split(')').next())
                            .unwrap_or_else(|| panic!("{cat}/{env}: {name} has no runbook"));
                        let file = link.split("/definitions/").nth(1).unwrap();
                        assert!(
                            root().join("definitions").join(file).is_file(),
                            "{cat}/{env}: {name}: runbook {file} does not exist"
                        );
                    }
                    alarms += 1;
                }
            }
            assert!(alarms >= 25, "{cat}/{env}: {alarms}");
        }
    }
}

/// `render` checks the test files too (on a second thread, while it renders):
/// a mistake in a test file fails it, located, and nothing is written.
#[test]
fn render_with_a_broken_test_file_fails_and_writes_nothing() {
    let tmp = catalogue_copy("cat-house");
    let path = tmp.path().join("definitions/cat-house/tests/alarms.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    // A series the test notation does not accept: found by expanding the
    // tests (the YAML itself is fine).
    assert!(text.contains(r#"values: "2x5 0x5""#));
    std::fs::write(
        &path,
        text.replacen(r#"values: "2x5 0x5""#, r#"values: "2x5 oops""#, 1),
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let out = obsctl([
        "-d",
        "definitions/cat-house",
        "render",
        "--out",
        out_dir.to_str().unwrap(),
    ])
    .current_dir(tmp.path())
    .run();
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("tests/alarms.yaml:15:") && out.stderr.contains("oops"),
        "{}",
        out.stderr
    );
    assert!(
        !out_dir.exists(),
        "render wrote files despite the broken test"
    );
}

/// A pull request may change the catalogue, not what obsctl reads: every
/// file path that leaves the sandbox root (the git work tree) — the
/// templates directory, an include, a symlinked template, a symlinked
/// runbook — is a located error, and nothing of the file reaches any output.
#[cfg(unix)]
#[test]
fn files_outside_the_root_are_refused_and_never_echoed() {
    const SECRET: &str = "AKIAEXAMPLESECRETVALUE";
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("environ");
    std::fs::write(&secret, format!("project: {SECRET}\n{{{{ {SECRET} }}}}\n")).unwrap();
    type Attack<'a> = Box<dyn Fn(&Path) + 'a>;
    let attempts: Vec<(&str, Attack)> = vec![
        (
            "templates: /proc/self",
            Box::new(|repo: &Path| {
                edit(
                    &repo.join("definitions/cat-house/obsctl.yaml"),
                    "templates: ../../templates/cat-house",
                    "templates: /proc/self",
                )
            }),
        ),
        (
            "templates: outside",
            Box::new(|repo: &Path| {
                let to = format!("templates: {}", outside.path().display());
                edit(
                    &repo.join("definitions/cat-house/obsctl.yaml"),
                    "templates: ../../templates/cat-house",
                    &to,
                )
            }),
        ),
        (
            "include outside",
            Box::new(|repo: &Path| {
                let to = format!("  - logs.yaml\n  - {}", secret.display());
                edit(
                    &repo.join("definitions/cat-house/obsctl.yaml"),
                    "  - logs.yaml",
                    &to,
                )
            }),
        ),
        (
            "symlinked template",
            Box::new(|repo: &Path| {
                std::os::unix::fs::symlink(&secret, repo.join("templates/cat-house/leak.json.j2"))
                    .unwrap();
                edit(
                    &repo.join("templates/cat-house/business.json.j2"),
                    "{",
                    "{% include \"leak.json.j2\" %}{",
                );
            }),
        ),
        (
            "symlinked runbook",
            Box::new(|repo: &Path| {
                let runbook = repo.join("definitions/cat-house/runbooks/service-down.md");
                std::fs::remove_file(&runbook).unwrap();
                std::os::unix::fs::symlink(&secret, &runbook).unwrap();
            }),
        ),
    ];
    for (what, attack) in attempts {
        let tmp = catalogue_copy("cat-house");
        attack(tmp.path());
        for args in [
            vec!["validate"],
            vec!["render", "--out", "out"],
            vec!["docs", "--out", "docs-out"],
        ] {
            let mut all = vec!["-d", "definitions/cat-house"];
            all.extend(args.iter().copied());
            let out = obsctl(all).current_dir(tmp.path()).run();
            assert_eq!(
                out.code, 1,
                "{what} {args:?}: {}\n{}",
                out.stdout, out.stderr
            );
            assert!(
                out.stderr.contains("outside the catalogue's root")
                    || out.stderr.contains("not a regular file"),
                "{what} {args:?}: {}",
                out.stderr
            );
            assert!(
                !out.stdout.contains(SECRET) && !out.stderr.contains(SECRET),
                "{what} {args:?} leaked the file: {}\n{}",
                out.stdout,
                out.stderr
            );
        }
        assert!(
            !tmp.path().join("out").exists(),
            "{what}: render wrote files"
        );
    }
}

/// Flag values are checked before anything runs: a rate factor that would
/// panic (1e-30), wait for ever (1e-7) or is not a number, and a selection
/// of kinds that leaves nothing, are usage errors (exit 64), not a panic, a
/// hang or a green run that did nothing.
#[test]
fn flag_values_out_of_range_are_usage_errors() {
    for factor in ["1e-30", "1e-7", "0", "-1", "NaN", "inf", "1e9", "fast"] {
        let flag = format!("--rate-limit={factor}");
        let out = obsctl([
            "-d",
            "definitions/cat-house",
            "plan",
            "--env",
            "staging",
            "--endpoint-url",
            "http://127.0.0.1:9",
            &flag,
        ])
        .run();
        assert_eq!(out.code, 64, "--rate-limit {factor}: {}", out.stderr);
        assert!(out.stderr.contains("from 0.1 to 1000"), "{}", out.stderr);
    }
    let out = obsctl([
        "-d",
        "definitions/cat-house",
        "iam-policy",
        "--env",
        "staging",
        "--only",
        "topics",
        "--except",
        "topics",
    ])
    .run();
    assert_eq!(out.code, 64, "{}", out.stderr);
    assert!(out.stderr.contains("leave no kind"), "{}", out.stderr);
}

/// Run inside a catalogue directory without `-d`, the error says `-d .`.
#[test]
fn inside_a_catalogue_without_d_the_error_suggests_d_dot() {
    let out = obsctl(["validate"])
        .current_dir(root().join("definitions/cat-house"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the current directory is a catalogue: pass `-d .`"),
        "{err}"
    );
}
