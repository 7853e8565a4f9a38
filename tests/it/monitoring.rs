//! `obsctl test` end to end, with the real binary: the shipped catalogues
//! pass at 100% coverage with no surviving mutant; JUnit is read back by a
//! JUnit parser; failures, coverage gaps, surviving mutants and mistakes in
//! test files are reported as a user needs them.

use crate::support::{Run, RunExt, append, catalogue_copy, edit, obsctl, root};

fn summary_count(stdout: &str) -> usize {
    stdout
        .lines()
        .find_map(|l| {
            l.split(" tests (")
                .next()
                .filter(|_| l.contains(" tests ("))
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

#[test]
fn shipped_catalogues_pass_fully_covered_and_write_junit_a_parser_reads() {
    for name in ["cat-house", "bookstore"] {
        let dir = root().join("definitions").join(name);
        let tmp = tempfile::tempdir().unwrap();
        let xml = tmp.path().join("out.xml");
        let Run {
            code,
            stdout,
            stderr,
        } = obsctl([
            "-d",
            dir.to_str().unwrap(),
            "test",
            "--min-coverage",
            "100",
            "--junit",
            xml.to_str().unwrap(),
        ])
        .run();
        assert_eq!(code, 0, "{name}: {stdout}{stderr}");
        assert!(stdout.contains("coverage 100.0%"), "{stdout}");
        let cases = summary_count(&stdout);
        let file = std::fs::File::open(&xml).unwrap();
        let suites = junit_parser::from_reader(std::io::BufReader::new(file)).unwrap();
        let parsed: usize = suites.suites.iter().map(|s| s.cases.len()).sum();
        assert_eq!(
            parsed, cases,
            "{name}: one JUnit test case per expanded test"
        );
        assert!(suites.suites.iter().all(|s| s.failures == 0));
        // Parameterised tests expand to one case per service and environment.
        assert!(
            suites
                .suites
                .iter()
                .flat_map(|s| &s.cases)
                .any(|c| c.name.contains("[staging, ")),
            "{name}"
        );
    }
}

#[test]
fn a_failing_expectation_names_alarm_time_expected_and_actual() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    edit(
        &dir.join("tests/alarms.yaml"),
        "      - { alarm: service-down, at: 6m, state: ALARM }",
        "      - { alarm: service-down, at: 6m, state: INSUFFICIENT_DATA }",
    );
    let xml = dir.join("out.xml");
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--env",
        "production",
        "--junit",
        xml.to_str().unwrap(),
        "production",
    ])
    .run();
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(
            "FAIL service-down-pages-after-one-minute-in-production [production, auth-service]"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("tests/alarms.yaml:"), "{stdout}");
    assert!(
        stdout.contains("alarm cat-house-production-auth-service-service-down at 6m"),
        "{stdout}"
    );
    assert!(stdout.contains("expected: INSUFFICIENT_DATA"), "{stdout}");
    assert!(stdout.contains("actual:   ALARM"), "{stdout}");
    let file = std::fs::File::open(&xml).unwrap();
    let suites = junit_parser::from_reader(std::io::BufReader::new(file)).unwrap();
    let failed: usize = suites.suites.iter().map(|s| s.failures as usize).sum();
    assert_eq!(failed, 5, "one failed case per service");
}

#[test]
fn coverage_below_the_minimum_fails_and_names_what_is_untested() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    // Only the filter tests: no alarm is covered.
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--min-coverage",
        "100",
        "filters",
    ])
    .run();
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("is below --min-coverage 100"), "{stdout}");
    assert!(
        stdout.contains("alarm cat-house-production-auth-service-high-cpu: no test"),
        "{stdout}"
    );
    // Without a minimum the same run passes.
    let Run { code, .. } = obsctl(["-d", dir.to_str().unwrap(), "test", "filters"]).run();
    assert_eq!(code, 0);
}

#[test]
fn mutation_testing_finds_what_the_tests_do_not_pin_down() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--mutate",
        "--env",
        "staging",
    ])
    .run();
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 survived"), "{stdout}");
    // Without the test at exactly the threshold, `<` and `<=` look alike.
    let path = dir.join("tests/alarms.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("  service-down-one-task-is-enough:").unwrap();
    let end = text.find("  service-down-no-data-means-down:").unwrap();
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--mutate",
        "--env",
        "staging",
    ])
    .run();
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("survived: staging: alarm cat-house-staging-auth-service-service-down: comparison LessThanThreshold → LessThanOrEqualToThreshold"),
        "{stdout}"
    );
}

#[test]
fn mistakes_in_test_files_are_located_once_each() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    let path = dir.join("tests/alarms.yaml");
    edit(
        &path,
        "      - { alarm: service-down, at: 5m, state: OK }",
        "      - { alarm: service-dwn, at: 5m, state: OK }",
    );
    edit(&path, "values: \"1x10\"", "values: \"1x10 abc\"");
    edit(
        &path,
        "      - { alarm: high-cpu, at: 15m, state: OK }",
        "      - { alarm: high-cpu, at: 15 minutes, state: OK }",
    );
    let Run {
        code,
        stdout,
        stderr,
    } = obsctl(["-d", dir.to_str().unwrap(), "validate"]).run();
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("no alarm `service-dwn`"), "{stderr}");
    assert!(stderr.contains("did you mean `service-down`"), "{stderr}");
    assert!(stderr.contains("`abc` is not a series value"), "{stderr}");
    assert!(
        stderr.contains("`15 minutes` is not a duration"),
        "{stderr}"
    );
    assert!(stderr.contains("tests/alarms.yaml:"), "{stderr}");
    // One problem per mistake, not one per service and environment.
    assert!(stderr.contains("3 problems found"), "{stderr}");
}

#[test]
fn a_test_naming_an_unknown_filter_fails_instead_of_passing_empty() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    let path = dir.join("tests/alarms.yaml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n  vacuous:\n    expect:\n      - { filter: no-such-filter, line: x }\n");
    let line = text.lines().count();
    std::fs::write(&path, text).unwrap();
    let Run {
        code,
        stdout,
        stderr,
    } = obsctl(["-d", dir.to_str().unwrap(), "test", "vacuous"]).run();
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("tests/alarms.yaml:{line}:"))
            && stderr.contains("test `vacuous`: no metric filter `no-such-filter`"),
        "{stderr}"
    );
    assert!(!stdout.contains("0 expectations"), "{stdout}");
}

#[test]
fn a_failure_at_the_default_time_says_which_time_it_used() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    edit(
        &dir.join("tests/alarms.yaml"),
        "      - { alarm: service-down, at: 6m, state: ALARM }",
        "      - { alarm: service-down, state: OK }",
    );
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--env",
        "production",
        "service-down-pages-after-one-minute-in-production",
    ])
    .run();
    assert_eq!(code, 1, "{stdout}");
    // The last sample is at 9m: that is the test's end.
    assert!(
        stdout.contains(
            "alarm cat-house-production-auth-service-service-down at 9m (no `at:`: the test's end, the last time it mentions)"
        ),
        "{stdout}"
    );
}

#[test]
fn mutation_testing_stops_at_a_failing_test() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    edit(
        &dir.join("tests/alarms.yaml"),
        "      - { alarm: service-down, at: 6m, state: ALARM }",
        "      - { alarm: service-down, at: 6m, state: OK }",
    );
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--mutate",
        "--env",
        "production",
    ])
    .run();
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("FAIL service-down-pages-after-one-minute-in-production"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mutation: not run: 5 test(s) fail on the unmutated catalogue"),
        "{stdout}"
    );
    assert!(!stdout.contains("survived"), "{stdout}");
}

#[test]
fn junit_carries_coverage_and_mutation_results_and_surviving_mutants_fail() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    // Without the test at exactly the threshold, `<` and `<=` look alike.
    let path = dir.join("tests/alarms.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("  service-down-one-task-is-enough:").unwrap();
    let end = text.find("  service-down-no-data-means-down:").unwrap();
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let xml = dir.join("out.xml");
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--mutate",
        "--env",
        "staging",
        "--junit",
        xml.to_str().unwrap(),
    ])
    .run();
    assert_eq!(code, 1, "{stdout}");
    let survived = stdout.matches("  survived: ").count();
    assert!(survived > 0, "{stdout}");
    let raw = std::fs::read_to_string(&xml).unwrap();
    assert!(raw.contains("<property name=\"coverage.percent\""), "{raw}");
    assert!(raw.contains("<property name=\"coverage.alarms\""), "{raw}");
    assert!(
        raw.contains(&format!(
            "<property name=\"mutation.survived\" value=\"{survived}\"/>"
        )),
        "{raw}"
    );
    let suites =
        junit_parser::from_reader(std::io::BufReader::new(std::fs::File::open(&xml).unwrap()))
            .unwrap();
    let mutants: Vec<_> = suites
        .suites
        .iter()
        .flat_map(|s| &s.cases)
        .filter(|c| c.classname.as_deref() == Some("cat-house.staging.mutation"))
        .collect();
    assert_eq!(mutants.len(), survived);
    assert!(mutants.iter().all(|c| c.status.is_failure()));
    assert!(mutants.iter().any(|c| c.name.contains(
        "cat-house-staging-auth-service-service-down: comparison LessThanThreshold → LessThanOrEqualToThreshold"
    )));
}

#[test]
fn the_coverage_report_lists_every_uncovered_resource() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    let report = dir.join("coverage.json");
    // Only the filter tests: no alarm is covered, far more than 20 lines.
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--coverage-report",
        report.to_str().unwrap(),
        "filters",
    ])
    .run();
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("more (all of them: --coverage-report FILE)"),
        "{stdout}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let uncovered = doc["uncovered"].as_array().unwrap();
    let alarms = doc["alarms"]["total"].as_u64().unwrap();
    assert_eq!(doc["alarms"]["covered"], 0);
    assert!(alarms > 20);
    assert_eq!(
        uncovered.iter().filter(|i| i["kind"] == "alarm").count() as u64,
        alarms
    );
    assert!(uncovered.iter().any(
        |i| i["name"] == "cat-house-production-auth-service-high-cpu"
            && i["lacks"] == "no_test"
            && i["service"] == "auth-service"
    ));
}

/// Alarms over `SERVICE_QUOTA`, `INSIGHT_RULE_METRIC`,
/// `ANOMALY_DETECTION_BAND` and `DAY` evaluate with what the test gives
/// (`quotas`, `insight_rules`, `bands`, `start`); a mistake in them is
/// located, and an alarm without them fails with a message naming what to give.
#[test]
fn quotas_and_insight_rules_given_by_the_test() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    edit(
        &dir.join("obsctl.yaml"),
        "namespace: CatHouse/Services\n",
        "namespace: CatHouse/Services\nexternal_namespaces: [AWS/Usage]\n",
    );
    let alarms = dir.join("alarms.yaml");
    append(
        &alarms,
        r#"
  near-quota:
    kind: math
    severity: warning
    description: "Lambda concurrency above 80% of the quota"
    runbook: runbooks/high-error-rate.md
    queries:
      usage:
        namespace: AWS/Usage
        metric: ResourceCount
        statistic: Maximum
        dimensions: { Service: Lambda, Type: Resource, Resource: ConcurrentExecutions, Class: None }
      pct:
        expression: "usage / SERVICE_QUOTA(usage) * 100"
    returns: pct
    period: 60
    evaluation_periods: 1
    comparison: ">"
    threshold: 80
  many-talkers:
    kind: math
    severity: warning
    description: "{{ service.name }}: more than 10 clients"
    runbook: runbooks/high-error-rate.md
    queries:
      usage:
        namespace: AWS/Usage
        metric: ResourceCount
        statistic: Maximum
        dimensions: { Service: Lambda, Type: Resource, Resource: ConcurrentExecutions, Class: None }
      talkers:
        expression: "INSIGHT_RULE_METRIC('{{ service.name }}-talkers', 'UniqueContributors') + usage * 0"
    returns: talkers
    period: 60
    evaluation_periods: 1
    comparison: ">"
    threshold: 10
  below-band:
    kind: math
    severity: warning
    description: "Lambda concurrency below its anomaly band"
    runbook: runbooks/high-error-rate.md
    queries:
      usage:
        namespace: AWS/Usage
        metric: ResourceCount
        statistic: Maximum
        dimensions: { Service: Lambda, Type: Resource, Resource: ConcurrentExecutions, Class: None }
      low:
        expression: "IF(usage < LAST(ANOMALY_DETECTION_BAND(usage, 3)), 1, 0)"
    returns: low
    period: 60
    evaluation_periods: 1
    comparison: ">="
    threshold: 1
  weekday-usage:
    kind: math
    severity: warning
    description: "Lambda concurrency above 500 on a weekday"
    runbook: runbooks/high-error-rate.md
    queries:
      usage:
        namespace: AWS/Usage
        metric: ResourceCount
        statistic: Maximum
        dimensions: { Service: Lambda, Type: Resource, Resource: ConcurrentExecutions, Class: None }
      weekday:
        expression: "IF(DAY(usage) < 6, usage, 0)"
    returns: weekday
    period: 3600
    evaluation_periods: 1
    comparison: ">"
    threshold: 500
"#,
    );
    let test = r#"tests:
  quota-and-rules:
    for_each_service: true
    environments: [staging]
    metrics:
      - namespace: AWS/Usage
        metric: ResourceCount
        dimensions: { Service: Lambda, Type: Resource, Resource: ConcurrentExecutions, Class: None }
        values: "100x5 900x5"
    quotas:
      - metric: ResourceCount
        dimensions: { Service: Lambda, Type: Resource, Resource: ConcurrentExecutions, Class: None }
        values: "1000x10"
    insight_rules:
      - { rule: "{{ service.name }}-talkers", metric: UniqueContributors, values: "1x5 50x5" }
    bands:
      - { alarm: below-band, lower: "50x5 1000x5", upper: "2000x10" }
    expect:
      - { alarm: below-band, at: 5m, state: OK }
      - { alarm: below-band, at: 10m, state: ALARM }
      - { alarm: near-quota, at: 5m, state: OK }
      - { alarm: near-quota, at: 10m, state: ALARM }
      - { alarm: many-talkers, at: 5m, state: OK }
      - { alarm: many-talkers, at: 10m, state: ALARM }
  quota-and-rules-on-weekdays:
    description: Friday 22:00 UTC to Saturday 02:00; DAY() is 5 then 6.
    for_each_service: true
    environments: [staging]
    start: "2024-03-08T22:00:00Z"
    metrics:
      - namespace: AWS/Usage
        metric: ResourceCount
        dimensions: { Service: Lambda, Type: Resource, Resource: ConcurrentExecutions, Class: None }
        every: 1h
        values: "900x4"
    expect:
      - { alarm: weekday-usage, at: 2h, state: ALARM }
      - { alarm: weekday-usage, at: 4h, state: OK }
"#;
    let file = dir.join("tests/quota.yaml");
    std::fs::write(&file, test).unwrap();
    let run = |name: &str| {
        obsctl([
            "-d",
            dir.to_str().unwrap(),
            "test",
            "--env",
            "staging",
            name,
        ])
        .run()
    };
    let Run { code, stdout, .. } = run("quota-and-rules");
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("10 tests (40 expectations): 10 passed, 0 failed"),
        "{stdout}"
    );

    // Without the quota: the alarm cannot be evaluated, and says what to give.
    edit(&file, "    quotas:\n", "    no_quotas:\n");
    edit(&file, "      - metric: ResourceCount\n", "");
    edit(&file, "        values: \"1000x10\"\n", "");
    let broken = std::fs::read_to_string(&file).unwrap();
    let without = broken.replace(
        "    no_quotas:\n        dimensions: { Service: Lambda, Type: Resource, Resource: ConcurrentExecutions, Class: None }\n",
        "",
    );
    std::fs::write(&file, &without).unwrap();
    let Run { code, stdout, .. } = run("quota-and-rules");
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("give it in the test's `quotas`"),
        "{stdout}"
    );
    // Located in the expression: the character and a caret under it.
    assert!(
        stdout.contains(
            "query `pct`, expression `usage / SERVICE_QUOTA(usage) * 100`, at character 9: SERVICE_QUOTA(usage)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("\n                      ^\n"), "{stdout}");

    // A mistake in the values is located.
    std::fs::write(&file, test.replace("\"1000x10\"", "\"1000x10 abc\"")).unwrap();
    let Run { code, stderr, .. } = obsctl(["-d", dir.to_str().unwrap(), "validate"]).run();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("tests/quota.yaml:13:17"), "{stderr}");
    assert!(stderr.contains("`abc` is not a series value"), "{stderr}");
    std::fs::write(&file, test.replace("2024-03-08T22", "2023-02-29T22")).unwrap();
    let Run { code, stderr, .. } = obsctl(["-d", dir.to_str().unwrap(), "validate"]).run();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("tests/quota.yaml:29:12: error: test `quota-and-rules-on-weekdays`: `2023-02-29T22:00:00Z` is not a UTC date"),
        "{stderr}"
    );
}

/// PutMetricAlarm reference, TreatMissingData ("Configuring how CloudWatch
/// alarms treat missing data"): "Alarms that evaluate metrics in the
/// AWS/DynamoDB namespace always ignore missing data even if you choose a
/// different option". `validate` warns that the treatment has no effect,
/// the alarm keeps its state when data stops, and `--mutate` reports its
/// treatment mutants as equivalent. "Percentile-based CloudWatch alarms and
/// low data samples": with `evaluate_low_sample_count_percentile: ignore`
/// a p50 alarm keeps its state through periods of fewer than 10/(1-0.5) = 20
/// samples; with `evaluate` it changes state.
#[test]
fn dynamodb_ignores_missing_data_and_low_sample_percentiles_follow_the_setting() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    let alarms = dir.join("alarms.yaml");
    append(
        &alarms,
        r#"
  table-throttled:
    kind: metric
    severity: warning
    description: "{{ service.name }}: DynamoDB throttles requests"
    runbook: runbooks/high-error-rate.md
    metric:
      namespace: AWS/DynamoDB
      metric: ThrottledRequests
      statistic: Sum
      dimensions: { TableName: "{{ service.name }}", Operation: PutItem }
    period: 60
    comparison: ">"
    threshold: 0
    treat_missing_data: breaching
  median-duration:
    kind: metric
    severity: warning
    description: "{{ service.name }}: median Lambda duration above 500 ms"
    runbook: runbooks/high-error-rate.md
    metric:
      namespace: AWS/Lambda
      metric: Duration
      statistic: p50
      dimensions: { FunctionName: "{{ service.name }}" }
    period: 60
    comparison: ">"
    threshold: 500
    evaluate_low_sample_count_percentile: ignore
"#,
    );
    let test = r#"tests:
  throttles-then-no-data:
    for_each_service: true
    environments: [staging]
    metrics:
      - namespace: AWS/DynamoDB
        metric: ThrottledRequests
        dimensions: { TableName: "{{ service.name }}", Operation: PutItem }
        values: "0x4 1 0x3"
    expect:
      - { alarm: table-throttled, at: 4m, state: OK }
      - { alarm: table-throttled, at: 5m, state: ALARM }
      - { alarm: table-throttled, at: 6m, state: OK }
      - { alarm: table-throttled, at: 14m, state: OK }
  median-ignores-few-samples:
    for_each_service: true
    environments: [staging]
    metrics:
      - { namespace: AWS/Lambda, metric: Duration, dimensions: { FunctionName: "{{ service.name }}" }, every: 1s, values: "1000x180" }
      - { namespace: AWS/Lambda, metric: Duration, dimensions: { FunctionName: "{{ service.name }}" }, at: 3m, every: 10s, values: "10x18" }
      - { namespace: AWS/Lambda, metric: Duration, dimensions: { FunctionName: "{{ service.name }}" }, at: 6m, every: 1s, values: "500x120" }
    expect:
      - { alarm: median-duration, at: 90s, state: ALARM }
      - { alarm: median-duration, at: 6m, state: ALARM }
      - { alarm: median-duration, at: 8m, state: OK }
      - { alarm: median-duration, at: 13m, state: INSUFFICIENT_DATA }
"#;
    let file = dir.join("tests/dynamo.yaml");
    std::fs::write(&file, test).unwrap();
    let Run { code, stdout, .. } = obsctl(["-d", dir.to_str().unwrap(), "validate"]).run();
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("alarms.yaml:"), "{stdout}");
    assert!(
        stdout.contains(": warning: alarm `table-throttled`: treat_missing_data `breaching` has no effect: alarms on AWS/DynamoDB metrics always ignore missing data"),
        "{stdout}"
    );
    assert_eq!(
        stdout
            .matches("`table-throttled`: treat_missing_data")
            .count(),
        1,
        "{stdout}"
    );
    let xml = dir.join("out.xml");
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--mutate",
        "--env",
        "staging",
        "--junit",
        xml.to_str().unwrap(),
    ])
    .run();
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains(" survived, 15 equivalent"), "{stdout}");
    let raw = std::fs::read_to_string(&xml).unwrap();
    assert!(
        raw.contains("<property name=\"mutation.equivalent\" value=\"15\"/>"),
        "{raw}"
    );
    let suites =
        junit_parser::from_reader(std::io::BufReader::new(std::fs::File::open(&xml).unwrap()))
            .unwrap();
    let equivalent: Vec<_> = suites
        .suites
        .iter()
        .flat_map(|s| &s.cases)
        .filter(|c| c.classname.as_deref() == Some("cat-house.staging.mutation"))
        .collect();
    assert_eq!(equivalent.len(), 15);
    assert!(equivalent.iter().all(|c| c.status.is_skipped()));
    assert!(
        stdout.contains("equivalent: staging: alarm cat-house-staging-auth-service-table-throttled: treat_missing_data breaching → ignore: alarms on AWS/DynamoDB metrics always ignore missing data"),
        "{stdout}"
    );
    assert!(stdout.contains("0 survived"), "{stdout}");
    assert!(
        !stdout.contains("median-duration: treat_missing_data"),
        "{stdout}"
    );
    // `evaluate` (AWS's default): the few fast samples at 3m–6m turn it OK.
    edit(
        &alarms,
        "evaluate_low_sample_count_percentile: ignore",
        "evaluate_low_sample_count_percentile: evaluate",
    );
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--env",
        "staging",
        "median-ignores-few-samples",
    ])
    .run();
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("at 6m"), "{stdout}");
}

/// "Suppressing composite alarm actions" (CloudWatch User Guide,
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm_Suppression.html>)
/// on bookstore's `service-unhealthy` (WaitPeriod 120 s, ExtensionPeriod
/// 300 s, suppressed by `deployment-started`): when the page is sent.
#[test]
fn composite_action_suppression_decides_when_a_notification_is_sent() {
    let tmp = catalogue_copy("bookstore");
    let dir = tmp.path().join("definitions/bookstore");
    let file = dir.join("tests/suppression.yaml");
    let test = r#"tests:
  example1-the-page-waits-out-the-wait-period:
    services: [order-service]
    environments: [staging]
    metrics:
      - namespace: ECS/ContainerInsights
        metric: RunningTaskCount
        dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
        values: "2x5 0x10"
    expect:
      - { alarm: service-unhealthy, at: 10m, state: ALARM, notifies_at: 12m, notifies: [slack-warnings] }
      - { alarm: service-unhealthy, at: 11m, state: ALARM, notifies: [] }
      - { alarm: service-unhealthy, at: 12m, state: ALARM, notifies: [slack-warnings] }
  example3-recovery-within-the-wait-period-never-pages:
    services: [order-service]
    environments: [staging]
    metrics:
      - namespace: ECS/ContainerInsights
        metric: RunningTaskCount
        dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
        values: "2x5 0x5 2x10"
    expect:
      - { alarm: service-unhealthy, at: 10m, state: ALARM, notifies_at: never }
      - { alarm: service-unhealthy, at: 11m, state: OK, notifies_at: 13m }
  example5-a-deployment-holds-the-page-until-its-extension-expires:
    services: [order-service]
    environments: [staging]
    metrics:
      - namespace: ECS/ContainerInsights
        metric: RunningTaskCount
        dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
        values: "2x5 0x25"
      - namespace: ECS/ContainerInsights
        metric: DeploymentCount
        dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
        values: "1x10 2x3 1x17"
    expect:
      - { alarm: deployment-started, at: 11m, state: ALARM }
      - { alarm: deployment-started, at: 14m, state: OK }
      - { alarm: service-unhealthy, at: 10m, state: ALARM, notifies_by: 19m, notifies: [slack-warnings] }
      - { alarm: service-unhealthy, at: 18m, state: ALARM, notifies: [] }
"#;
    std::fs::write(&file, test).unwrap();
    let run = || {
        obsctl([
            "-d",
            dir.to_str().unwrap(),
            "test",
            "--env",
            "staging",
            "example",
        ])
        .run()
    };
    let Run {
        code,
        stdout,
        stderr,
    } = run();
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("3 tests (9 expectations): 3 passed"),
        "{stdout}"
    );

    // What the old checker said: paged at 10m. The page waits for the WaitPeriod.
    let wrong = test.replace(
        "{ alarm: service-unhealthy, at: 11m, state: ALARM, notifies: [] }",
        "{ alarm: service-unhealthy, at: 11m, state: ALARM, notifies: [slack-warnings] }",
    );
    std::fs::write(&file, wrong).unwrap();
    let Run { code, stdout, .. } = run();
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("tests/suppression.yaml:12: notification of alarm bookstore-staging-order-service-service-unhealthy changing to ALARM by 11m (sent only at 12m)"),
        "{stdout}"
    );
    // A page held back by the suppressor says why it is not sent.
    let wrong = test.replace(
        "{ alarm: service-unhealthy, at: 18m, state: ALARM, notifies: [] }",
        "{ alarm: service-unhealthy, at: 18m, state: ALARM, notifies: [slack-warnings] }",
    );
    std::fs::write(&file, wrong).unwrap();
    let Run { code, stdout, .. } = run();
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("changing to ALARM by 18m (sent only at 19m)"),
        "{stdout}"
    );
    // A page discarded by a change within the WaitPeriod is never sent.
    let wrong = test.replace("notifies_at: never", "notifies_by: 30m");
    std::fs::write(&file, wrong).unwrap();
    let Run { code, stdout, .. } = run();
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("expected: sent at 30m at the latest"),
        "{stdout}"
    );
    assert!(
        stdout.contains("actual:   never (the alarm changes to OK at 11m while the actions of its change at 10m wait out"),
        "{stdout}"
    );
    // The extension period: not by 18m.
    let wrong = test.replace("notifies_by: 19m", "notifies_by: 18m");
    std::fs::write(&file, wrong).unwrap();
    let Run { code, stdout, .. } = run();
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("expected: sent at 18m at the latest\n    actual:   sent at 19m"),
        "{stdout}"
    );

    // Mistakes are located, one problem each.
    let wrong = test
        .replace("notifies_at: 12m", "notifies_at: 12m, notifies_by: 13m")
        .replace("notifies_at: 13m", "notifies_at: soon");
    std::fs::write(&file, wrong).unwrap();
    let Run { code, stderr, .. } = obsctl(["-d", dir.to_str().unwrap(), "validate"]).run();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("tests/suppression.yaml:11:") && stderr.contains("`notifies_at` (exactly then) and `notifies_by` (then at the latest) exclude each other"),
        "{stderr}"
    );
    assert!(
        stderr.contains("tests/suppression.yaml:24:")
            && stderr.contains("`soon` is not a duration"),
        "{stderr}"
    );
    assert!(stderr.contains("2 problems found"), "{stderr}");
}

/// A per-service test reads each alarm's effective configuration (after
/// environment and service overrides): one test checks every service at
/// its own threshold, and still kills the threshold mutant (the values come
/// from the unmutated catalogue). An undefined name is located and named.
#[test]
fn tests_read_the_alarms_effective_configuration() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    let alarms = dir.join("alarms.yaml");
    append(
        &alarms,
        r#"
  cpu-high:
    kind: metric
    severity: warning
    description: "{{ service.name }}: CPU high"
    runbook: runbooks/high-error-rate.md
    metric:
      namespace: AWS/ECS
      metric: CPUUtilization
      statistic: Maximum
      dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
    period: 60
    comparison: ">"
    threshold: 80
"#,
    );
    edit(
        &dir.join("services.yaml"),
        "  catalog-service:\n    port: 8002\n",
        "  catalog-service:\n    port: 8002\n    alarms:\n      cpu-high: { threshold: 50 }\n",
    );
    let test = r#"tests:
  cpu-pages-above-its-threshold:
    for_each_service: true
    environments: [staging]
    metrics:
      - namespace: AWS/ECS
        metric: CPUUtilization
        dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
        values: "{{ alarm.threshold }}x3 {{ alarm.threshold + 1 }}x{{ alarm.evaluation_periods + 1 }}"
    expect:
      - { alarm: cpu-high, at: 3m, state: OK }
      - { alarm: cpu-high, at: 5m, state: ALARM }
  cpu-by-template:
    for_each_service: true
    environments: [staging]
    metrics:
      - namespace: AWS/ECS
        metric: CPUUtilization
        dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
        values: "{{ alarms['cpu-high'].threshold * 2 }}x{{ alarms['cpu-high'].period // 60 }}"
    expect:
      - { alarm: cpu-high, at: 1m, state: ALARM }
      - { alarm: service-down, at: 1m, state: ALARM }
"#;
    std::fs::write(dir.join("tests/cpu.yaml"), test).unwrap();
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--mutate",
        "--env",
        "staging",
        "cpu-",
    ])
    .run();
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("0 failed"), "{stdout}");
    assert!(
        !stdout.contains("cpu-high: threshold"),
        "the threshold mutants are caught: {stdout}"
    );
    // Each service at its own threshold: catalog-service at 50, the others at 80.
    assert!(!stdout.contains("FAIL"), "{stdout}");
    // Two alarms: `alarm` is undefined, named and located.
    edit(
        &dir.join("tests/cpu.yaml"),
        "{{ alarms['cpu-high'].period // 60 }}",
        "{{ alarm.period // 60 }}",
    );
    let Run { code, stderr, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--env",
        "staging",
        "cpu-",
    ])
    .run();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("tests/cpu.yaml:20:17: error: test `cpu-by-template`: template error: `alarm` is undefined"), "{stderr}");
    assert!(stderr.contains("alarms['<template>']"), "{stderr}");
    assert!(stderr.contains("1 problem found"), "{stderr}");
    // A misspelled template.
    edit(
        &dir.join("tests/cpu.yaml"),
        "{{ alarm.period // 60 }}",
        "{{ alarms['cpu-hgh'].period // 60 }}",
    );
    let Run { code, stderr, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--env",
        "staging",
        "cpu-",
    ])
    .run();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("`alarms['cpu-hgh']` is undefined"),
        "{stderr}"
    );
    assert!(stderr.contains("cpu-high"), "{stderr}");
}

/// Statistic sets (PutMetricData `StatisticValues`): Average is
/// Sum/SampleCount; a percentile needs raw values, so a period holding a
/// set with SampleCount above 1 and Minimum below Maximum has no
/// percentile datapoint (GetMetricStatistics API reference). A malformed
/// set is located.
#[test]
fn statistic_sets_aggregate_as_aws_documents() {
    let tmp = catalogue_copy("cat-house");
    let dir = tmp.path().join("definitions/cat-house");
    let alarms = dir.join("alarms.yaml");
    append(
        &alarms,
        r#"
  mean-duration:
    kind: metric
    severity: warning
    description: "{{ service.name }}: mean Lambda duration above 100 ms"
    runbook: runbooks/high-error-rate.md
    metric:
      namespace: AWS/Lambda
      metric: Duration
      statistic: Average
      dimensions: { FunctionName: "{{ service.name }}" }
    period: 60
    comparison: ">"
    threshold: 100
  p90-duration:
    kind: metric
    severity: warning
    description: "{{ service.name }}: p90 Lambda duration above 100 ms"
    runbook: runbooks/high-error-rate.md
    metric:
      namespace: AWS/Lambda
      metric: Duration
      statistic: p90
      dimensions: { FunctionName: "{{ service.name }}" }
    period: 60
    comparison: ">"
    threshold: 100
"#,
    );
    let test = r#"tests:
  duration-from-statistic-sets:
    for_each_service: true
    environments: [staging]
    metrics:
      - namespace: AWS/Lambda
        metric: Duration
        dimensions: { FunctionName: "{{ service.name }}" }
        sets: ["0s 10 900 50 150", "1m 10 1100 50 150", "2m 20 4000 200 200"]
    expect:
      - { alarm: mean-duration, at: 1m, state: OK }
      - { alarm: mean-duration, at: 2m, state: ALARM }
      - { alarm: p90-duration, at: 2m, state: INSUFFICIENT_DATA }
      - { alarm: p90-duration, at: 3m, state: ALARM }
"#;
    let file = dir.join("tests/sets.yaml");
    std::fs::write(&file, test).unwrap();
    let Run { code, stdout, .. } = obsctl([
        "-d",
        dir.to_str().unwrap(),
        "test",
        "--env",
        "staging",
        "duration-from-statistic-sets",
    ])
    .run();
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    edit(&file, "\"1m 10 1100 50 150\"", "\"1m 10 1100 150 50\"");
    let Run { code, stderr, .. } = obsctl(["-d", dir.to_str().unwrap(), "validate"]).run();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("tests/sets.yaml:9:"), "{stderr}");
    assert!(
        stderr.contains("Minimum 150 is above Maximum 50"),
        "{stderr}"
    );
    assert!(stderr.contains("1 problem found"), "{stderr}");
}

#[test]
fn muted_on_a_recurring_window_needs_the_tests_start() {
    let tmp = catalogue_copy("bookstore");
    let dir = tmp.path().join("definitions/bookstore");
    let path = dir.join("tests/mute.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let without = text.replacen("    start: 2026-12-07T06:50:00Z\n", "", 1);
    std::fs::write(&path, &without).unwrap();
    let line = without
        .lines()
        .position(|l| l.contains("at: 9m, muted: false"))
        .unwrap()
        + 1;
    let Run {
        code,
        stdout,
        stderr,
    } = obsctl(["-d", dir.to_str().unwrap(), "test", "maintenance"]).run();
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("tests/mute.yaml:{line}:"))
            && stderr.contains("is muted by a recurring window, which opens at clock times: the test needs a `start:`"),
        "{stderr}"
    );
}
