//! One test per validation rule: a valid base catalogue, changed in one place,
//! must yield exactly the expected located problem. All messages together are
//! snapshot-tested with insta (`tests/it/snapshots/`).

use crate::support::root;
use obsctl::error::Error;
use obsctl::run::load_and_compile;

const BASE: &str = r#"project: shop
namespace: Shop/App
environments:
  staging:
    region: us-east-1
topics:
  alerts:
    subscriptions:
      - protocol: email
        endpoint: ops@example.com
severities:
  critical: { topic: alerts }
services:
  api: { port: 8080 }
alarms:
  cpu:
    kind: metric
    severity: critical
    metric: { namespace: AWS/ECS, metric: CPUUtilization, statistic: Average, dimensions: { ClusterName: shop } }
    comparison: ">"
    threshold: 80
dashboards:
  overview:
    template: overview.json.j2
metric_filters:
  errors:
    pattern: ERROR
    metric: Errors
queries:
  errors/recent:
    query: fields @timestamp | limit 10
metrics:
  Requests: { kind: counter, via: emf, dimensions: [[]] }
"#;

const TEMPLATE: &str = r#"{"widgets": [{"type": "metric", "properties": {"metrics": [["AWS/ECS", "CPUUtilization", "ClusterName", "shop"]]}}]}"#;

/// Writes the base catalogue with `edits` (from → to) and extra files into a
/// temporary directory; returns it and the catalogue's path.
fn write_base(
    edits: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("definitions").join("shop");
    std::fs::create_dir_all(cat.join("templates")).unwrap();
    let mut text = BASE.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "edit target `{from}` not in base");
        text = text.replacen(from, to, 1);
    }
    std::fs::write(cat.join("obsctl.yaml"), text).unwrap();
    std::fs::write(cat.join("templates/overview.json.j2"), TEMPLATE).unwrap();
    for (path, content) in extra {
        let p = cat.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    (dir, cat)
}

/// The problems of the base catalogue with `edits` and extra files, one per
/// line, with the temporary directory stripped.
fn problems(edits: &[(&str, &str)], extra: &[(&str, &str)]) -> String {
    let (_dir, cat) = write_base(edits, extra);
    match load_and_compile(&cat, None) {
        Ok(_) => String::new(),
        Err(Error::Invalid(list)) => list
            .iter()
            .map(|p| p.to_string().replace(&format!("{}/", cat.display()), ""))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

/// The warnings of the base catalogue with `edits` (it must stay valid).
fn warnings(edits: &[(&str, &str)]) -> String {
    let (_dir, cat) = write_base(edits, &[]);
    let (_, states) = load_and_compile(&cat, None).unwrap();
    states
        .iter()
        .flat_map(|s| &s.warnings)
        .map(|w| w.message.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn base_catalogue_is_valid() {
    assert_eq!(problems(&[], &[]), "");
}

macro_rules! rule {
    ($name:ident, $edits:expr, $extra:expr, $expected:expr) => {
        #[test]
        fn $name() {
            let out = problems($edits, $extra);
            assert!(
                out.contains($expected),
                "expected `{}` in:\n{out}",
                $expected
            );
            let located = out.lines().filter(|l| l.contains(": error: ")).all(|l| {
                let mut parts = l.split(':');
                let (_, line, col) = (parts.next(), parts.next(), parts.next());
                line.is_some_and(|n| n.parse::<u64>().is_ok_and(|n| n > 0))
                    && col.is_some_and(|n| n.parse::<u64>().is_ok_and(|n| n > 0))
            });
            assert!(located, "every problem needs file:line:column:\n{out}");
        }
    };
}

const ALARM_CPU: &str = "    comparison: \">\"\n    threshold: 80\n";

fn many(prefix: &str, n: usize, f: impl Fn(usize) -> String) -> String {
    let mut s = prefix.to_string();
    for i in 0..n {
        s.push_str(&f(i));
    }
    s
}

// Syntax and structure.
rule!(
    unknown_key_suggests_nearest,
    &[("  api: { port: 8080 }", "  api: { port: 8080, ownr: x }")],
    &[],
    "unknown key `ownr`\n  help: did you mean `owner`?"
);
rule!(
    empty_log_group_is_refused_also_where_only_queries_read_it,
    &[
        (
            "  api: { port: 8080 }",
            "  api: { port: 8080, log_group: \"\" }"
        ),
        (
            "metric_filters:\n  errors:\n    pattern: ERROR\n    metric: Errors\n",
            ""
        )
    ],
    &[],
    "log group `` must be 1–512 characters"
);
rule!(
    undefined_value_in_an_alarm_description_is_named,
    &[(
        ALARM_CPU,
        "    comparison: \">\"\n    threshold: 80\n    description: \"{{ service.nmae }} is hot\"\n"
    )],
    &[],
    "template error: `service.nmae` is undefined"
);
rule!(
    alarm_setting_where_an_alarm_name_belongs_is_that_mistake,
    &[(
        "  api: { port: 8080 }",
        "  api: { port: 8080, alarms: { threshold: 50 } }"
    )],
    &[],
    "`threshold` is an alarm setting, written where an alarm's name belongs"
);
rule!(
    wrong_type,
    &[("port: 8080", "port: eighty")],
    &[],
    "wrong type: string \"eighty\", expected an integer from 0 to 65535"
);
rule!(
    unknown_section,
    &[("queries:", "querys:")],
    &[],
    "unknown section `querys`\n  help: did you mean `queries`?"
);
rule!(
    missing_required_key,
    &[("    severity: critical\n    metric", "    metric")],
    &[],
    "missing required key `severity`"
);
rule!(
    unknown_enum_value,
    &[("kind: metric", "kind: metrc")],
    &[],
    "unknown value `metrc`\n  help: did you mean `metric`?"
);
rule!(
    alias_bomb,
    &[(
        "namespace: Shop/App",
        "namespace: Shop/App\ninclude: [more.yaml]"
    )],
    &[(
        "more.yaml",
        "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    )],
    "invalid YAML"
);
rule!(
    include_matches_nothing,
    &[(
        "namespace: Shop/App",
        "namespace: Shop/App\ninclude: [nothing/*.yaml]"
    )],
    &[],
    "include `nothing/*.yaml` matches no file"
);
rule!(
    duplicate_across_files,
    &[(
        "namespace: Shop/App",
        "namespace: Shop/App\ninclude: [more.yaml]"
    )],
    &[("more.yaml", "services:\n  api: {}\n")],
    "`api` is defined twice"
);
rule!(
    naming_needs_env,
    &[(
        "namespace: Shop/App",
        "namespace: Shop/App\nnaming: \"{project}-{service}-{name}\""
    )],
    &[],
    "must begin with `{project}` and then `{env}`"
);
rule!(
    naming_puts_project_and_env_first,
    &[(
        "namespace: Shop/App",
        "namespace: Shop/App\nnaming: \"{env}-{service}-{project}-{name}\""
    )],
    &[],
    "must begin with `{project}` and then `{env}`"
);
rule!(
    naming_without_project_is_refused,
    &[(
        "namespace: Shop/App",
        "namespace: Shop/App\nnaming: \"team-{env}-{service}-{name}\""
    )],
    &[],
    "must begin with `{project}` and then `{env}`"
);

// Alarm input rules.
rule!(
    period_must_be_allowed,
    &[(
        ALARM_CPU,
        "    comparison: \">\"\n    threshold: 80\n    period: 45\n"
    )],
    &[],
    "period 45 is not allowed"
);
rule!(
    window_one_day_below_hourly_periods,
    &[(
        ALARM_CPU,
        "    comparison: \">\"\n    threshold: 80\n    period: 60\n    evaluation_periods: 1441\n"
    )],
    &[],
    "exceeds the 1-day limit"
);
rule!(
    window_seven_days,
    &[(
        ALARM_CPU,
        "    comparison: \">\"\n    threshold: 80\n    period: 3600\n    evaluation_periods: 169\n"
    )],
    &[],
    "exceeds the 7-day limit"
);
rule!(
    datapoints_at_most_evaluation_periods,
    &[(
        ALARM_CPU,
        "    comparison: \">\"\n    threshold: 80\n    evaluation_periods: 2\n    datapoints_to_alarm: 3\n"
    )],
    &[],
    "datapoints_to_alarm (3) exceeds evaluation_periods (2)"
);
rule!(
    datapoints_checked_after_overrides,
    &[(
        "  api: { port: 8080 }",
        "  api:\n    alarms:\n      cpu: { datapoints_to_alarm: 4 }"
    )],
    &[],
    "datapoints_to_alarm (4) exceeds evaluation_periods (1)"
);
rule!(
    statistic_must_be_valid,
    &[("statistic: Average", "statistic: Avrage")],
    &[],
    "`Avrage` is not a statistic\n  help: did you mean `Average`?"
);
rule!(
    percentile_must_be_in_range,
    &[("statistic: Average", "statistic: p101")],
    &[],
    "`p101` is not a statistic"
);
rule!(
    dimensions_at_most_30,
    &[(
        "statistic: Average, dimensions: { ClusterName: shop } }",
        &*format!(
            "statistic: Average, dimensions: {{ {} }} }}",
            (0..31)
                .map(|i| format!("d{i}: v"))
                .collect::<Vec<_>>()
                .join(", ")
        )
        .leak()
    )],
    &[],
    "31 dimensions; CloudWatch allows at most 30"
);
rule!(
    metric_alarm_needs_threshold,
    &[("    threshold: 80\n", "")],
    &[],
    "metric alarm `cpu` needs `threshold`"
);
rule!(
    field_not_for_kind,
    &[(
        "    threshold: 80\n",
        "    threshold: 80\n    band_width: 2\n"
    )],
    &[],
    "`band_width` does not apply to a metric alarm"
);
rule!(
    anomaly_needs_band_comparison,
    &[
        ("kind: metric", "kind: anomaly"),
        ("    threshold: 80\n", "")
    ],
    &[],
    "GreaterThanThreshold is not an anomaly-detection comparison"
);
rule!(
    band_comparison_only_for_anomaly,
    &[("comparison: \">\"", "comparison: GreaterThanUpperThreshold")],
    &[],
    "GreaterThanUpperThreshold is only for anomaly-detection alarms"
);
rule!(
    undefined_severity,
    &[(
        "severity: critical\n    metric",
        "severity: urgent\n    metric"
    )],
    &[],
    "undefined severity `urgent`"
);
rule!(
    undefined_service_in_template,
    &[(
        "    threshold: 80\n",
        "    threshold: 80\n    services: [web]\n"
    )],
    &[],
    "undefined service `web`"
);
rule!(
    override_of_undefined_alarm,
    &[(
        "  api: { port: 8080 }",
        "  api:\n    alarms:\n      cpuu: { threshold: 1 }"
    )],
    &[],
    "override of undefined alarm `cpuu`\n  help: did you mean `cpu`?"
);
rule!(
    override_threshold_on_anomaly,
    &[
        ("kind: metric", "kind: anomaly"),
        ("    comparison: \">\"\n    threshold: 80\n", ""),
        (
            "  api: { port: 8080 }",
            "  api:\n    alarms:\n      cpu: { threshold: 1 }"
        )
    ],
    &[],
    "`cpu` has no static threshold"
);
rule!(
    undefined_environment_in_service,
    &[(
        "  api: { port: 8080 }",
        "  api:\n    environments:\n      stagng: { enabled: false }"
    )],
    &[],
    "undefined environment `stagng`"
);
rule!(
    runbook_must_be_a_url_or_a_file_of_the_catalogue,
    &[(
        "    threshold: 80\n",
        "    threshold: 80\n    runbook: wiki/cpu\n"
    )],
    &[],
    "runbook file `wiki/cpu` does not exist"
);
rule!(
    runbook_link_must_be_http,
    &[(
        "    threshold: 80\n",
        "    threshold: 80\n    runbook: ftp://wiki/cpu\n"
    )],
    &[],
    "runbook `ftp://wiki/cpu` is not a URL"
);

const RUNBOOK: &str = "# Runbook: High CPU\n\n## Severity\nWarning\n\n## Description\nCPU is high.\n\n## Impact\nSlow.\n\n## Diagnosis Steps\n1. Look.\n\n## Resolution Steps\n1. Scale.\n\n## Escalation\nPage.\n";

#[test]
fn runbook_files_are_checked_and_linked_under_the_base_url() {
    let runbooks =
        "runbooks:\n  base_url: https://git.example/shop/blob/main/\n  required: true\nservices:\n";
    let edits = [
        ("services:\n", runbooks),
        (
            "    threshold: 80\n",
            "    threshold: 80\n    runbook: runbooks/high-cpu.md\n",
        ),
    ];
    let (_dir, cat) = write_base(&edits, &[("runbooks/high-cpu.md", RUNBOOK)]);
    let (_, states) = load_and_compile(&cat, None).unwrap();
    let alarm = states[0]
        .resources
        .values()
        .find_map(|r| match r {
            obsctl::resource::Resource::MetricAlarm(a) => Some(a.clone()),
            _ => None,
        })
        .unwrap();
    let link = "https://git.example/shop/blob/main/runbooks/high-cpu.md";
    assert!(
        alarm
            .alarm_description
            .unwrap()
            .ends_with(&format!("Runbook: {link}"))
    );
    assert!(
        alarm
            .tags
            .iter()
            .any(|t| t.key == "Runbook" && t.value == link)
    );
    // A file without the template's sections, a missing one, none at all.
    let thin = problems(
        &edits,
        &[(
            "runbooks/high-cpu.md",
            "# High CPU\n\n## Severity\nWarning\n",
        )],
    );
    assert!(
        thin.contains("lacks `## Description`, `## Impact`, `## Diagnosis Steps`, `## Resolution Steps`, `## Escalation`"),
        "{thin}"
    );
    assert_eq!(
        thin.lines().filter(|l| l.contains("error")).count(),
        1,
        "{thin}"
    );
    let none = problems(&[edits[0]], &[]);
    assert!(
        none.contains("alarm without a runbook (the catalogue requires runbooks)"),
        "{none}"
    );
    // Not required: a warning.
    assert!(warnings(&[]).contains("alarm `cpu` has no runbook"));
}
rule!(
    alarm_name_at_most_255,
    &[(
        "project: shop",
        &*format!("project: {}", "p".repeat(250)).leak()
    )],
    &[],
    "must be 1–255 characters"
);
rule!(
    description_at_most_1024,
    &[(
        "    threshold: 80\n",
        &*format!("    threshold: 80\n    description: {}\n", "d".repeat(1030)).leak()
    )],
    &[],
    "characters; at most 1024"
);

// Math alarms.
const MATH: &str = "  rate:\n    kind: math\n    severity: critical\n    returns: e1\n    comparison: \">\"\n    threshold: 5\n    queries:\n      m1: { metric: Errors, statistic: Sum }\n      m2: { metric: Requests, statistic: Sum }\n      e1: { expression: \"100 * m1 / m2\" }\n";
fn with_math(from: &str, to: &str) -> &'static str {
    format!("alarms:\n{}", MATH.replacen(from, to, 1)).leak()
}
#[test]
fn math_is_valid() {
    assert_eq!(problems(&[("alarms:\n", with_math("", ""))], &[]), "");
}
rule!(
    math_at_most_10_metrics,
    &[(
        "alarms:\n",
        with_math(
            "      e1:",
            &format!(
                "{}      e1:",
                many("", 9, |i| format!(
                    "      x{i}: {{ metric: M{i}, statistic: Sum }}\n"
                ))
            )
        )
    )],
    &[],
    "math alarm uses 11 metrics; CloudWatch allows at most 10"
);
rule!(
    math_id_pattern,
    &[("alarms:\n", with_math("      m2:", "      M2:"))],
    &[],
    "id `M2` must match ^[a-z][A-Za-z0-9_]*$"
);
rule!(
    math_returns_existing_id,
    &[("alarms:\n", with_math("returns: e1", "returns: e2"))],
    &[],
    "`returns: e2` names no query\n  help: use one of: e1, m1, m2"
);
rule!(
    math_metric_or_expression,
    &[(
        "alarms:\n",
        with_math("e1: { expression:", "e1: { metric: X, expression:")
    )],
    &[],
    "`e1` needs exactly one of `metric` or `expression`"
);
rule!(
    math_no_search,
    &[(
        "alarms:\n",
        with_math("100 * m1 / m2", "SEARCH('x', 'Sum', 60)")
    )],
    &[],
    "alarms cannot use SEARCH()"
);
rule!(
    math_expression_at_most_2048,
    &[(
        "alarms:\n",
        with_math("100 * m1 / m2", &"m1 + ".repeat(420))
    )],
    &[],
    "allowed 1–2048"
);

// Composite alarms.
fn composite(rule: &str) -> &'static str {
    format!("alarms:\n  both:\n    kind: composite\n    severity: critical\n    rule: \"{rule}\"\n")
        .leak()
}
#[test]
fn composite_is_valid() {
    assert_eq!(
        problems(
            &[("alarms:\n", composite("ALARM(cpu) AND NOT OK(cpu)"))],
            &[]
        ),
        ""
    );
}
rule!(
    composite_undefined_child,
    &[("alarms:\n", composite("ALARM(cpu) AND ALARM(mem)"))],
    &[],
    "the rule references undefined alarm `mem`"
);
rule!(
    composite_at_most_100_children,
    &[(
        "alarms:\n",
        composite(&vec!["ALARM(cpu)"; 101].join(" OR "))
    )],
    &[],
    "the rule has 101 children; CloudWatch allows 100"
);
rule!(
    composite_rule_at_most_10240,
    &[
        (
            "project: shop",
            &*format!("project: {}", "s".repeat(120)).leak()
        ),
        ("alarms:\n", composite(&vec!["ALARM(cpu)"; 90].join(" OR ")))
    ],
    &[],
    "characters; at most 10240"
);
rule!(
    composite_environment_rule_names_service,
    &[(
        "alarms:\n",
        &*format!("{}    scope: environment\n", composite("ALARM(cpu)")).leak()
    )],
    &[],
    "an environment-scoped rule must say which"
);
rule!(
    composite_child_disabled,
    &[
        ("alarms:\n", composite("ALARM(cpu)")),
        (
            "  api: { port: 8080 }",
            "  api:\n    alarms:\n      cpu: { enabled: false }"
        )
    ],
    &[],
    "which is disabled or not generated"
);
rule!(
    composite_unbalanced,
    &[("alarms:\n", composite("(ALARM(cpu)"))],
    &[],
    "unbalanced parentheses"
);

// Dashboards.
rule!(
    dashboard_template_missing,
    &[("template: overview.json.j2", "template: overveiw.json.j2")],
    &[],
    "template `overveiw.json.j2` not found\n  help: did you mean `overview.json.j2`?"
);
rule!(
    dashboard_name_characters,
    &[("  overview:\n    template", "  over.view:\n    template")],
    &[],
    "dashboard name `shop-staging-over.view` must be 1–255 characters"
);
rule!(
    dashboard_undefined_variable,
    &[],
    &[(
        "templates/overview.json.j2",
        "{\"widgets\": [{\"type\": \"text\", \"properties\": {\"markdown\": {{ env.nmae | tojson }}}}]}"
    )],
    "undefined"
);
rule!(
    dashboard_invalid_json,
    &[],
    &[("templates/overview.json.j2", "{\"widgets\": [1,]}")],
    "renders invalid JSON: trailing comma"
);
rule!(
    dashboard_at_most_500_widgets,
    &[],
    &[(
        "templates/overview.json.j2",
        "{\"widgets\": [{% for i in range(501) %}{\"type\": \"text\", \"properties\": {\"markdown\": \"x\"}}{% if not loop.last %},{% endif %}{% endfor %}]}"
    )],
    "has 502 widgets; at most 500"
);
rule!(
    dashboard_widget_inside_grid,
    &[],
    &[(
        "templates/overview.json.j2",
        "{\"widgets\": [{\"type\": \"text\", \"x\": 20, \"y\": 0, \"width\": 6, \"height\": 2, \"properties\": {\"markdown\": \"x\"}}]}"
    )],
    "lies outside the grid: x 20 + width 6 exceeds the 24-column grid"
);

// Metric filters and queries.
rule!(
    filter_at_most_3_dimensions,
    &[
        ("pattern: ERROR", "pattern: '[a, b, c, d]'"),
        (
            "    metric: Errors\n",
            "    metric: Errors\n    dimensions: { a: $a, b: $b, c: $c, d: $d }\n"
        )
    ],
    &[],
    "4 dimensions; a metric filter allows at most 3"
);
rule!(
    filter_no_default_with_dimensions,
    &[
        ("pattern: ERROR", "pattern: '[a, b]'"),
        (
            "    metric: Errors\n",
            "    metric: Errors\n    default: 0\n    dimensions: { a: $a }\n"
        )
    ],
    &[],
    "a metric filter with dimensions cannot have a default value"
);
rule!(
    filter_pattern_at_most_1024,
    &[(
        "pattern: ERROR",
        &*format!("pattern: {}", "E".repeat(1025)).leak()
    )],
    &[],
    "pattern has 1025 characters; at most 1024"
);
rule!(
    filter_pattern_malformed_json_is_located,
    &[("pattern: ERROR", "pattern: '{ $.level = \"ERROR\" '")],
    &[],
    "obsctl.yaml:27:14: error: filter pattern: "
);
rule!(
    filter_pattern_malformed_delimited_is_located,
    &[("pattern: ERROR", "pattern: '[ip, user, status=4*'")],
    &[],
    "obsctl.yaml:27:14: error: filter pattern: "
);
rule!(
    filter_value_must_be_a_field_of_the_pattern,
    &[(
        "    metric: Errors\n",
        "    metric: Errors\n    value: $.duration_ms\n"
    )],
    &[],
    "error: metric value: "
);
rule!(
    filters_per_log_group_at_most_100,
    &[(
        "    metric: Errors\n",
        &*many("    metric: Errors\n", 100, |i| format!(
            "  f{i}:\n    pattern: ERROR\n    metric: E{i}\n"
        ))
        .leak()
    )],
    &[],
    "would get 101 metric filters; at most 100"
);
rule!(
    filter_pattern_at_most_two_regexes,
    &[(
        "pattern: ERROR",
        "pattern: '{ $.a = %x% && $.b = %y% && $.c = %z% }'"
    )],
    &[],
    "obsctl.yaml:27:14: error: filter pattern: too many regexes: a JSON or space-delimited pattern can use at most 2"
);
rule!(
    regex_filters_per_log_group_at_most_5,
    &[(
        "    metric: Errors\n",
        &*many("    metric: Errors\n", 6, |i| format!(
            "  r{i}:\n    pattern: '%ERR{i}%'\n    metric: R{i}\n"
        ))
        .leak()
    )],
    &[],
    "error: 6 metric filters with a regular expression (`%...%`) would share a log group; CloudWatch Logs allows at most 5 per log group"
);

/// Five regex filters per log group are allowed; more is one problem per
/// catalogue mistake, whatever the number of services and log groups.
#[test]
fn regex_filter_quota_is_one_problem_per_mistake() {
    let regex_filters = |n: usize| {
        many("    metric: Errors\n", n, |i| {
            format!("  r{i}:\n    pattern: '[ip, status = %5[0-9]{{2}}%]'\n    metric: R{i}\n")
        })
    };
    let five = regex_filters(4);
    assert_eq!(
        problems(
            &[
                ("    pattern: ERROR\n", "    pattern: '%ERROR%'\n"),
                ("    metric: Errors\n", &five),
            ],
            &[]
        ),
        "",
        "five are allowed"
    );
    let seven = regex_filters(6);
    let out = problems(
        &[
            (
                "  api: { port: 8080 }",
                "  api: { port: 8080 }\n  web: { port: 8081 }",
            ),
            ("    pattern: ERROR\n", "    pattern: '%ERROR%'\n"),
            ("    metric: Errors\n", &seven),
        ],
        &[],
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("would share a log group"))
            .count(),
        1,
        "{out}"
    );
    assert!(
        out.contains("7 metric filters with a regular expression"),
        "{out}"
    );
}
rule!(
    filter_unit_valid,
    &[(
        "    metric: Errors\n",
        "    metric: Errors\n    unit: Millis\n"
    )],
    &[],
    "`Millis` is not a CloudWatch unit"
);
rule!(
    query_at_most_10000,
    &[(
        "query: fields @timestamp | limit 10",
        &*format!("query: fields {}", "x".repeat(10_000)).leak()
    )],
    &[],
    "at most 10000"
);

// Topics and routing.
rule!(
    severity_topic_defined,
    &[("critical: { topic: alerts }", "critical: { topic: alert }")],
    &[],
    "undefined topic `alert`\n  help: did you mean `alerts`?"
);
rule!(
    topic_name_characters,
    &[
        (
            "  alerts:\n    subscriptions",
            "  alerts.x:\n    subscriptions"
        ),
        ("topic: alerts", "topic: alerts.x")
    ],
    &[],
    "topic name `alerts.x` may only use A-Z a-z 0-9 - _"
);
rule!(
    topic_not_aws_managed_key,
    &[(
        "  alerts:\n    subscriptions",
        "  alerts:\n    kms_key: alias/aws/sns\n    subscriptions"
    )],
    &[],
    "alias/aws/sns"
);
rule!(
    endpoint_matches_protocol,
    &[("endpoint: ops@example.com", "endpoint: https://example.com")],
    &[],
    "is not an email address"
);
rule!(
    secret_reference_well_formed,
    &[("endpoint: ops@example.com", "endpoint: ${env:OPS-MAIL}")],
    &[],
    "malformed secret reference"
);
rule!(
    route_to_undefined_topic,
    &[(
        "  api: { port: 8080 }",
        "  api:\n    routes: { critical: payments }"
    )],
    &[],
    "route to undefined topic `payments`"
);
rule!(
    added_route_to_undefined_topic,
    &[(
        "  api: { port: 8080 }",
        "  api:\n    routes: { critical: { add: [alerts, payments] } }"
    )],
    &[],
    "route to undefined topic `payments`"
);
rule!(
    severity_list_with_undefined_topic,
    &[(
        "  critical: { topic: alerts }",
        "  critical: { topic: [alerts, pager] }"
    )],
    &[],
    "undefined topic `pager`"
);
rule!(
    empty_route_changes_nothing,
    &[(
        "  api: { port: 8080 }",
        "  api:\n    routes: { critical: {} }"
    )],
    &[],
    "an empty route changes nothing"
);

#[test]
fn routes_add_to_or_replace_the_severity_topics() {
    let extra_topic = "topics:\n  pager: {}\n";
    let (_dir, cat) = write_base(
        &[
            ("topics:\n", extra_topic),
            (
                "  api: { port: 8080 }",
                "  api:\n    routes: { critical: { add: [pager] } }\n  web:\n    routes: { critical: pager }",
            ),
        ],
        &[],
    );
    let (_, states) = load_and_compile(&cat, None).unwrap();
    let actions = |service: &str| -> Vec<String> {
        states[0]
            .resources
            .values()
            .filter_map(|r| match r {
                obsctl::resource::Resource::MetricAlarm(a)
                    if a.alarm_name.contains(&format!("-{service}-")) =>
                {
                    Some(a.alarm_actions.clone())
                }
                _ => None,
            })
            .next()
            .unwrap()
    };
    let names = |arns: Vec<String>| -> Vec<String> {
        arns.iter()
            .map(|a| a.rsplit('-').next().unwrap().to_string())
            .collect()
    };
    // `add` keeps the severity's topic; a plain topic replaces it.
    assert_eq!(names(actions("api")), ["alerts", "pager"]);
    assert_eq!(names(actions("web")), ["pager"]);
}

// Notifications.
rule!(
    slack_incoming_webhook_never_confirms,
    &[(
        "      - protocol: email\n        endpoint: ops@example.com\n",
        "      - protocol: https\n        endpoint: https://hooks.slack.com/services/T0/B0/x\n"
    )],
    &[],
    "Slack incoming webhooks never confirm an SNS subscription"
);
rule!(
    teams_webhook_never_confirms,
    &[(
        "      - protocol: email\n        endpoint: ops@example.com\n",
        "      - protocol: https\n        endpoint: https://contoso.webhook.office.com/webhookb2/x\n"
    )],
    &[],
    "Microsoft Teams incoming webhooks never confirm"
);
rule!(
    raw_delivery_on_lambda,
    &[(
        "      - protocol: email\n        endpoint: ops@example.com\n",
        "      - protocol: lambda\n        endpoint: arn:aws:lambda:us-east-1:123456789012:function:f\n        raw_message_delivery: true\n"
    )],
    &[],
    "SNS does not deliver raw messages to lambda subscriptions"
);
rule!(
    raw_delivery_on_email,
    &[(
        "        endpoint: ops@example.com\n",
        "        endpoint: ops@example.com\n        raw_message_delivery: true\n"
    )],
    &[],
    "SNS does not deliver raw messages to email subscriptions"
);
rule!(
    dead_letter_queue_is_an_sqs_arn,
    &[(
        "        endpoint: ops@example.com\n",
        "        endpoint: ops@example.com\n        dead_letter_queue: my-dlq\n"
    )],
    &[],
    "dead_letter_queue `my-dlq` is not an SQS queue ARN"
);
rule!(
    filter_policy_is_an_object,
    &[(
        "        endpoint: ops@example.com\n",
        "        endpoint: ops@example.com\n        filter_policy: [critical]\n"
    )],
    &[],
    "filter_policy must be a JSON object"
);
rule!(
    filter_policy_scope_needs_a_policy,
    &[(
        "        endpoint: ops@example.com\n",
        "        endpoint: ops@example.com\n        filter_policy_scope: MessageBody\n"
    )],
    &[],
    "filter_policy_scope without filter_policy"
);

#[test]
fn arns_of_other_partitions_and_chatbot_are_valid_endpoints() {
    let out = problems(
        &[(
            "      - protocol: email\n        endpoint: ops@example.com\n",
            "      - protocol: sqs\n        endpoint: arn:aws-cn:sqs:cn-north-1:123456789012:q\n        raw_message_delivery: true\n      - protocol: https\n        endpoint: https://global.sns-api.chatbot.amazonaws.com\n        external: true\n",
        )],
        &[],
    );
    assert_eq!(out, "");
}

// Metric provenance.
rule!(
    alarm_on_a_metric_aws_ecs_does_not_publish,
    &[(
        "metric: CPUUtilization, statistic: Average",
        "metric: RunningTaskCount, statistic: Average"
    )],
    &[],
    "`AWS/ECS` has no metric `RunningTaskCount`\n  help: AWS (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html) publishes it in `ECS/ContainerInsights` with dimensions [ClusterName, ServiceName]"
);
rule!(
    alarm_selecting_dimensions_its_metric_is_not_published_with,
    &[(
        "dimensions: { ClusterName: shop } }",
        "dimensions: { Cluster: shop } }"
    )],
    &[],
    "`AWS/ECS CPUUtilization` is never published with dimensions [Cluster]"
);
rule!(
    widget_selecting_a_dimension_its_metric_filter_does_not_emit,
    &[],
    &[(
        "templates/overview.json.j2",
        r#"{"widgets": [{"type": "metric", "properties": {"title": "Errors by status", "metrics": [["Shop/App", "Errors", "status", "5xx"]]}}]}"#
    )],
    "widget \"Errors by status\": `Shop/App Errors` is never published with dimensions [status]\n  help: metric filter shop-staging-api-errors publishes it with []"
);
rule!(
    metric_nobody_publishes_in_a_known_namespace,
    &[(
        "namespace: AWS/ECS, metric: CPUUtilization, statistic: Average, dimensions: { ClusterName: shop }",
        "metric: Requestz, statistic: Sum"
    )],
    &[],
    "`Shop/App` has no metric `Requestz`\n  help: did you mean `Requests`?"
);
rule!(
    prometheus_histogram_through_the_cloudwatch_agent,
    &[(
        "  Requests: { kind: counter, via: emf, dimensions: [[]] }",
        "  Requests: { kind: counter, via: emf, dimensions: [[]] }\n  latency_seconds: { kind: histogram, via: cloudwatch-agent, dimensions: [[service]] }"
    )],
    &[],
    "the CloudWatch agent does not convert Prometheus histograms"
);
rule!(
    unknown_namespace,
    &[(
        "namespace: AWS/ECS, metric: CPUUtilization, statistic: Average, dimensions: { ClusterName: shop }",
        "namespace: Vendor/Agent, metric: Up, statistic: Average"
    )],
    &[],
    "namespace `Vendor/Agent` is not published by AWS, a metric filter or a declared metric"
);

#[test]
fn external_namespaces_are_not_checked() {
    let out = problems(
        &[
            (
                "namespace: AWS/ECS, metric: CPUUtilization, statistic: Average, dimensions: { ClusterName: shop }",
                "namespace: Vendor/Agent, metric: Up, statistic: Average",
            ),
            (
                "metrics:\n",
                "external_namespaces: [Vendor/Agent]\nmetrics:\n",
            ),
        ],
        &[],
    );
    assert_eq!(out, "");
}

#[test]
fn a_percentile_of_a_counter_is_a_warning_not_an_error() {
    let edit = [(
        "namespace: AWS/ECS, metric: CPUUtilization, statistic: Average, dimensions: { ClusterName: shop }",
        "metric: Requests, statistic: p95",
    )];
    assert_eq!(problems(&edit, &[]), "");
    assert!(
        warnings(&edit).contains("`p95` of `Shop/App Requests`, a counter"),
        "{}",
        warnings(&edit)
    );
}

// Log groups.
rule!(
    log_retention_not_offered_by_cloudwatch_logs,
    &[(
        "    region: us-east-1\n",
        "    region: us-east-1\n    log_groups: create\n    log_retention_days: 10\n"
    )],
    &[],
    "10 days is not a retention CloudWatch Logs offers"
);
rule!(
    log_retention_only_for_groups_obsctl_creates,
    &[(
        "    region: us-east-1\n",
        "    region: us-east-1\n    log_retention_days: 30\n"
    )],
    &[],
    "log_retention_days applies only to log groups obsctl creates"
);
rule!(
    log_groups_mode_is_require_or_create,
    &[(
        "    region: us-east-1\n",
        "    region: us-east-1\n    log_groups: make\n"
    )],
    &[],
    "unknown value `make`"
);

#[test]
fn a_broken_environment_is_one_problem_not_also_no_environments() {
    let out = problems(
        &[(
            "    region: us-east-1\n",
            "    region: us-east-1\n    log_groups: make\n",
        )],
        &[],
    );
    assert_eq!(
        out.lines().filter(|l| l.contains(": error: ")).count(),
        1,
        "{out}"
    );
}

#[test]
fn every_message_is_snapshot_tested() {
    let cases: Vec<(&str, String)> = vec![
        (
            "unknown key and wrong type in one item, period, severity",
            problems(
                &[
                    ("  api: { port: 8080 }", "  api: { port: eighty, ownr: x }"),
                    (
                        ALARM_CPU,
                        "    comparison: \">\"\n    threshold: 80\n    period: 45\n",
                    ),
                    (
                        "severity: critical\n    metric",
                        "severity: urgent\n    metric",
                    ),
                ],
                &[],
            ),
        ),
        (
            "math",
            problems(
                &[("alarms:\n", with_math("returns: e1", "returns: e2"))],
                &[],
            ),
        ),
        (
            "composite",
            problems(
                &[("alarms:\n", composite("ALARM(cpu) AND ALARM(mem)"))],
                &[],
            ),
        ),
        (
            "dashboard",
            problems(
                &[],
                &[(
                    "templates/overview.json.j2",
                    "{\"widgets\": [{\"type\": \"text\", \"properties\": {\"markdown\": {{ env.nmae | tojson }}}}]}",
                )],
            ),
        ),
        (
            "filter",
            problems(
                &[
                    ("pattern: ERROR", "pattern: '[a, b, c, d]'"),
                    (
                        "    metric: Errors\n",
                        "    metric: Errors\n    default: 0\n    dimensions: { a: $a, b: $b, c: $c, d: $d }\n",
                    ),
                ],
                &[],
            ),
        ),
        (
            "topic",
            problems(
                &[("endpoint: ops@example.com", "endpoint: https://example.com")],
                &[],
            ),
        ),
        (
            "tests that would pass without testing",
            problems(
                &[(
                    TESTS_AT,
                    &with_tests(
                        "  unknown-names:\n    expect:\n      - { filter: api/errros, line: ERROR }\n      - { alarm: cpu, state: OK }\n  misspelled:\n    for_each_service: true\n    expect:\n      - { alarm: cpu, state: OK }\n      - { alarm: cpuu, state: ALARM }\n  empty:\n    for_each_service: true\n",
                    ),
                )],
                &[],
            ),
        ),
    ];
    let text: String = cases
        .iter()
        .map(|(name, out)| format!("## {name}\n{out}\n"))
        .collect();
    insta::assert_snapshot!(text);
}

#[test]
fn fixture_reports_each_problem_once() {
    let dir = root().join("tests/fixtures/invalid");
    let Err(Error::Invalid(list)) = load_and_compile(&dir, None) else {
        panic!("fixture must be invalid")
    };
    let rendered: Vec<String> = list
        .iter()
        .map(|p| {
            format!(
                "{}:{}:{}: {}",
                p.file.file_name().unwrap().to_string_lossy(),
                p.line,
                p.column,
                p.message
            )
        })
        .collect();
    insta::assert_snapshot!(rendered.join("\n"));
}

#[test]
fn a_template_syntax_error_is_one_problem_at_the_template_line() {
    for (body, expected) in [
        (
            "{\"widgets\": [\n{% for s in services %}{\"type\": \"text\", \"properties\": {\"markdown\": \"x\"}}\n]}",
            "templates/overview.json.j2:2:1: error: template syntax error: unexpected end of input",
        ),
        (
            "{\"widgets\": [\n{\"type\": \"text\", \"properties\": {\"markdown\": {{ project | tojson }]}}]}",
            "templates/overview.json.j2:2:1: error: template syntax error: unexpected `}`",
        ),
        (
            "{\"widgets\": []}\n{% endif %}",
            "templates/overview.json.j2:2:1: error: template syntax error: unknown statement endif",
        ),
    ] {
        let out = problems(&[], &[("templates/overview.json.j2", body)]);
        assert!(out.contains(expected), "expected `{expected}` in:\n{out}");
        assert_eq!(out.matches(": error: ").count(), 1, "one problem:\n{out}");
    }
}

#[test]
fn a_missing_template_is_one_problem() {
    let out = problems(
        &[("template: overview.json.j2", "template: overviw.json.j2")],
        &[],
    );
    assert_eq!(out.matches(": error: ").count(), 1, "{out}");
    assert!(
        out.contains("template `overviw.json.j2` not found"),
        "{out}"
    );
}

#[test]
fn threshold_lines_only_on_graphs_of_the_alarms_statistic_and_period() {
    let body = |stat: &str, period: u32| {
        format!(
            r#"{{"widgets": [{{"type": "metric", "properties": {{"stat": "{stat}", "period": {period}, "metrics": [["AWS/ECS", "CPUUtilization", "ClusterName", "shop"]]}}}}]}}"#
        )
    };
    for (stat, period, lines) in [("Average", 300, 1), ("Maximum", 300, 0), ("Average", 60, 0)] {
        let template = body(stat, period);
        let (_dir, cat) = write_base(
            &[(
                "    template: overview.json.j2\n",
                "    template: overview.json.j2\n    annotations: true\n",
            )],
            &[("templates/overview.json.j2", &template)],
        );
        let (_, states) = load_and_compile(&cat, None).unwrap();
        let d = states[0]
            .resources
            .values()
            .find_map(|r| match r {
                obsctl::resource::Resource::Dashboard(d) => Some(d.body.value()),
                _ => None,
            })
            .unwrap();
        let marks = d["widgets"][0]["properties"]["annotations"]["horizontal"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(marks, lines, "{stat} {period}: {d}");
    }
}

/// One mistake, one problem: each common single mistake yields exactly one
/// located problem naming its cause (all messages snapshot-tested).
#[test]
fn each_single_mistake_is_exactly_one_problem() {
    let good_template = TEMPLATE;
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<(&'a str, String)>);
    let cases: Vec<Case> = vec![
        ("typo in a key", vec![("    comparison: \">\"", "    comparision: \">\"")], vec![]),
        ("wrong type", vec![("    threshold: 80", "    threshold: high")], vec![]),
        ("unknown severity", vec![("    severity: critical\n    metric", "    severity: critcal\n    metric")], vec![]),
        ("duplicate key", vec![("    threshold: 80", "    threshold: 80\n    threshold: 90")], vec![]),
        ("mis-indented key", vec![("    comparison: \">\"", "  comparison: \">\"")], vec![]),
        ("include matching no file", vec![("namespace: Shop/App\n", "namespace: Shop/App\ninclude: [alarm.yaml]\n")], vec![("alarms.yaml", "alarms: {}\n".to_string())]),
        ("override of an undefined alarm", vec![("  api: { port: 8080 }", "  api: { port: 8080, alarms: { cpuu: { threshold: 1 } } }")], vec![]),
        ("composite naming a missing alarm", vec![("alarms:\n", "alarms:\n  both:\n    kind: composite\n    severity: critical\n    rule: \"ALARM(cpu) AND ALARM(memory)\"\n")], vec![]),
        ("missing template", vec![("template: overview.json.j2", "template: overviw.json.j2")], vec![]),
        ("template syntax error", vec![], vec![("templates/overview.json.j2", "{\"widgets\": [{% for s in services %}]}".to_string())]),
        ("template missing comma", vec![], vec![("templates/overview.json.j2", good_template.replace("]]}}]}", "]]}} {\"type\": \"text\", \"properties\": {\"markdown\": \"x\"}}]}"))]),
        ("undefined variable in a template", vec![], vec![("templates/overview.json.j2", "{\"widgets\": [{\"type\": \"text\", \"properties\": {\"markdown\": \"{{ service.slo.latency_ms }}\"}}]}".to_string())]),
        ("bad service log group", vec![("  api: { port: 8080 }", "  api: { port: 8080, log_group: \"ecs api\" }")], vec![]),
        ("malformed filter pattern", vec![("pattern: ERROR", "pattern: '{ $.level = ERROR'")], vec![]),
    ];
    let mut all = Vec::new();
    for (name, edits, extra) in &cases {
        let extra: Vec<(&str, &str)> = extra.iter().map(|(p, c)| (*p, c.as_str())).collect();
        let out = problems(edits, &extra);
        let count = out.matches(": error: ").count();
        assert_eq!(count, 1, "{name}: one problem expected:\n{out}");
        all.push(format!("## {name}\n{out}"));
    }
    insta::assert_snapshot!(all.join("\n"));
}

#[test]
fn slos_become_burn_rate_alarms_for_the_services_that_have_one() {
    let slo = "slo:\n  availability:\n    bad: { metric: Requests, statistic: Sum }\n    total: { metric: Requests, statistic: Sum }\n  page: critical\n  ticket: critical\nservices:\n";
    let (_dir, cat) = write_base(
        &[
            ("services:\n", slo),
            (
                "  api: { port: 8080 }",
                "  api: { port: 8080, slo: { availability: 99.9, latency_ms: 300 } }\n  web: { port: 8081 }",
            ),
        ],
        &[],
    );
    let (_, states) = load_and_compile(&cat, None).unwrap();
    let names: Vec<&String> = states[0]
        .resources
        .keys()
        .filter(|(_, n)| n.contains("slo-"))
        .map(|(_, n)| n)
        .collect();
    // Three pairs: six window alarms and three composites, for `api` only.
    assert_eq!(names.len(), 9, "{names:?}");
    assert!(names.iter().all(|n| n.contains("-api-slo-availability-")));
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("-api-slo-availability-30m-3m"))
    );
}

rule!(
    slo_windows_must_be_alarm_periods,
    &[(
        "services:\n",
        "slo:\n  availability:\n    bad: { metric: Requests, statistic: Sum }\n    total: { metric: Requests, statistic: Sum }\n  windows:\n    - { long: 3d, short: 1h, budget_percent: 10, alert: ticket }\nservices:\n"
    )],
    &[],
    "window `3d` cannot be an alarm period"
);

// Tests never pass vacuously (`obsctl test`; reported by validate too).
const TESTS_AT: &str = "queries:\n";

/// The base catalogue with `tests` (a `tests:` section) added.
fn with_tests(tests: &str) -> String {
    format!("tests:\n{tests}queries:\n")
}

rule!(
    a_test_naming_an_unknown_filter_is_an_error,
    &[(
        TESTS_AT,
        &with_tests("  t:\n    expect:\n      - { filter: api/errros, line: ERROR }\n")
    )],
    &[],
    "test `t`: no metric filter `api/errros` in any environment it runs in\n  help: did you mean `api/errors`?"
);
rule!(
    a_test_naming_an_unknown_alarm_is_an_error,
    &[(
        TESTS_AT,
        &with_tests("  t:\n    expect:\n      - { alarm: api/cpuu, state: OK }\n")
    )],
    &[],
    "test `t`: no alarm `api/cpuu` in any environment it runs in\n  help: did you mean `api/cpu`?"
);
rule!(
    a_template_in_a_test_that_is_not_per_service_says_how_to_name_it,
    &[(
        TESTS_AT,
        &with_tests("  t:\n    expect:\n      - { alarm: cpu, state: OK }\n")
    )],
    &[],
    "`cpu` is a template, and this test is not per service: name the alarm `service/cpu`, or set `for_each_service: true`"
);
rule!(
    a_test_without_expectations_is_an_error,
    &[(
        TESTS_AT,
        &with_tests(
            "  t:\n    for_each_service: true\n    metrics:\n      - { metric: Requests, values: \"1x5\" }\n"
        )
    )],
    &[],
    "test `t` has no expectations: it would pass without testing anything"
);
rule!(
    a_test_that_expands_to_no_case_is_an_error,
    &[
        (
            "  api: { port: 8080 }",
            "  api: { port: 8080 }\n  web: { port: 8081 }"
        ),
        (
            ALARM_CPU,
            "    comparison: \">\"\n    threshold: 80\n    services: [api]\n  mem:\n    kind: metric\n    severity: critical\n    services: [web]\n    metric: { namespace: AWS/ECS, metric: MemoryUtilization, statistic: Average, dimensions: { ClusterName: shop } }\n    comparison: \">\"\n    threshold: 80\n"
        ),
        (
            TESTS_AT,
            &with_tests(
                "  t:\n    for_each_service: true\n    expect:\n      - { alarm: cpu, state: OK }\n      - { alarm: mem, state: OK }\n"
            )
        ),
    ],
    &[],
    "test `t` runs nowhere: it expands to no test case\n  help: no service has every alarm and filter it names"
);

/// A misspelled alarm in a per-service test is reported at that
/// expectation (not at a correct one before it), with the nearest template.
#[test]
fn a_misspelled_alarm_in_a_per_service_test_is_reported_where_it_is_written() {
    let tests = "  t:\n    for_each_service: true\n    expect:\n      - { alarm: cpu, state: OK }\n      - { alarm: cpuu, state: ALARM }\n";
    let out = problems(&[(TESTS_AT, &with_tests(tests))], &[]);
    let base_line = BASE.lines().position(|l| l == "queries:").unwrap() + 1;
    // `tests:` replaces `queries:`; the misspelled expectation is its 6th
    // line, and `cpuu` starts at column 18.
    let at = format!("obsctl.yaml:{}:18: error", base_line + 5);
    assert_eq!(
        out.lines().filter(|l| l.contains(": error: ")).count(),
        1,
        "{out}"
    );
    assert!(out.contains(&at), "expected {at} in:\n{out}");
    assert!(
        out.contains("no alarm `cpuu`") && out.contains("did you mean `cpu`?"),
        "{out}"
    );
}
rule!(
    an_expectation_naming_an_alarm_and_a_filter_is_that_mistake,
    &[(
        TESTS_AT,
        &with_tests(
            "  t:\n    for_each_service: true\n    expect:\n      - { alarm: cpu, filter: nope, line: x }\n"
        )
    )],
    &[],
    "test `t`: an expectation is about an `alarm` or a `filter`, not both"
);

// PutMetricAlarm: EvaluateLowSampleCountPercentile is "used only for alarms
// based on percentiles" ("Percentile-based CloudWatch alarms and low data
// samples"): on an Average alarm it is a located error, once.
rule!(
    low_sample_setting_needs_a_percentile_statistic,
    &[(
        "    threshold: 80\n",
        "    threshold: 80\n    evaluate_low_sample_count_percentile: ignore\n"
    )],
    &[],
    "obsctl.yaml:22:5: error: evaluate_low_sample_count_percentile `ignore` needs a percentile statistic (pNN): `cpu` is not a percentile alarm"
);
rule!(
    low_sample_override_needs_a_percentile_statistic,
    &[(
        "  api: { port: 8080 }",
        "  api: { port: 8080, alarms: { cpu: { evaluate_low_sample_count_percentile: evaluate } } }"
    )],
    &[],
    "evaluate_low_sample_count_percentile `evaluate` needs a percentile statistic (pNN): `cpu` is not a percentile alarm"
);

#[test]
fn low_sample_setting_on_a_percentile_compiles_into_the_alarm() {
    let edit = [
        ("statistic: Average", "statistic: p99"),
        (
            "    threshold: 80\n",
            "    threshold: 80\n    evaluate_low_sample_count_percentile: ignore\n",
        ),
    ];
    assert_eq!(problems(&edit, &[]), "");
    let (_dir, cat) = write_base(&edit, &[]);
    let (_, states) = load_and_compile(&cat, None).unwrap();
    let alarms: Vec<_> = states
        .iter()
        .flat_map(|s| s.resources.values())
        .filter_map(|r| {
            if let obsctl::resource::Resource::MetricAlarm(a) = r {
                Some(a)
            } else {
                None
            }
        })
        .collect();
    assert!(!alarms.is_empty());
    assert!(
        alarms.iter().all(
            |a| a.evaluate_low_sample_count_percentile.as_deref() == Some("ignore")
                && a.extended_statistic.as_deref() == Some("p99")
        )
    );
}

/// "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore
/// missing data even if you choose a different option for TreatMissingData"
/// (PutMetricAlarm reference): a warning, not an error; none for `ignore`.
#[test]
fn a_missing_data_treatment_on_a_dynamodb_alarm_is_a_warning() {
    let dynamo = (
        "namespace: AWS/ECS, metric: CPUUtilization, statistic: Average, dimensions: { ClusterName: shop }",
        "namespace: AWS/DynamoDB, metric: UserErrors, statistic: Sum",
    );
    let edit = [
        dynamo,
        (
            "    threshold: 80\n",
            "    threshold: 80\n    treat_missing_data: breaching\n",
        ),
    ];
    assert_eq!(problems(&edit, &[]), "");
    let w = warnings(&edit);
    assert!(
        w.contains("alarm `cpu`: treat_missing_data `breaching` has no effect: alarms on AWS/DynamoDB metrics always ignore missing data"),
        "{w}"
    );
    let ignore = [
        dynamo,
        (
            "    threshold: 80\n",
            "    threshold: 80\n    treat_missing_data: ignore\n",
        ),
    ];
    assert!(!warnings(&ignore).contains("has no effect"));
}

/// A service that writes no logs (`log_group: none`): no metric filter or
/// saved query reads it, per-service tests that write to its log group
/// skip it; an empty log group and a query limited to such a service are
/// located errors.
#[test]
fn a_service_without_logs_needs_no_log_group() {
    use crate::support::{RunExt, append, catalogue_copy, edit, obsctl};
    let tmp = catalogue_copy("cat-house");
    let defs = tmp.path().join("definitions/cat-house");
    append(
        &defs.join("services.yaml"),
        "  sessions-table:\n    owner: platform\n    log_group: none\n",
    );
    let validate = || {
        obsctl(["-d", "definitions/cat-house", "validate"])
            .current_dir(tmp.path())
            .run()
    };
    let out = validate();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = obsctl(["-d", "definitions/cat-house", "render", "--out", "snap"])
        .current_dir(tmp.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let staging = tmp.path().join("snap/staging");
    let names = |dir: &str| -> Vec<String> {
        std::fs::read_dir(staging.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert!(
        names("metric-alarms")
            .iter()
            .any(|n| n.contains("sessions-table"))
    );
    for dir in ["metric-filters", "query-definitions", "log-groups"] {
        if staging.join(dir).is_dir() {
            assert!(
                !names(dir).iter().any(|n| n.contains("sessions-table")),
                "{dir}"
            );
        }
    }
    let out = obsctl(["-d", "definitions/cat-house", "test"])
        .current_dir(tmp.path())
        .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // A saved query limited to services: only their log groups; naming the
    // service without logs is a located mistake.
    edit(
        &defs.join("logs.yaml"),
        "    description: Find all errors in the last hour\n",
        "    description: Find all errors in the last hour\n    services: [auth-service, sessions-table]\n",
    );
    let out = validate();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("logs.yaml:81:30"), "{}", out.stderr);
    assert!(out.stderr.contains("writes no logs"), "{}", out.stderr);
    assert!(out.stderr.contains("1 problem found"), "{}", out.stderr);
    edit(&defs.join("logs.yaml"), ", sessions-table]", "]");
    let out = obsctl(["-d", "definitions/cat-house", "render", "--out", "snap2"])
        .current_dir(tmp.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let query = std::fs::read_to_string(tmp.path().join(
        "snap2/staging/query-definitions/cat-house-staging-errors-all-errors-last-hour.json",
    ));
    if let Ok(query) = query {
        assert!(query.contains("auth-service"), "{query}");
        assert!(!query.contains("catalog-service"), "{query}");
    }

    // `log_group: ""` is a located mistake, with the way to say "no logs".
    edit(
        &defs.join("services.yaml"),
        "log_group: none",
        "log_group: \"\"",
    );
    let out = validate();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("services.yaml:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("empty log group name"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("log_group: none"), "{}", out.stderr);
}

// Mute windows.
const MUTE: &str = "mute:\n  nightly:\n    schedule: cron(0 2 * * *)\n    duration: 30m\n    timezone: Europe/Berlin\n";

/// The base catalogue with a mute window whose `from` is replaced by `to`.
fn mute_edit(from: &'static str, to: &'static str) -> String {
    let text = format!("{MUTE}    alarms: [cpu]\n");
    assert!(text.contains(from));
    problems(
        &[(
            "metrics:\n",
            Box::leak(format!("{}metrics:\n", text.replacen(from, to, 1)).into_boxed_str()),
        )],
        &[],
    )
}

#[test]
fn a_mute_window_compiles_into_a_rule_per_environment() {
    let (_dir, cat) = write_base(
        &[(
            "metrics:\n",
            Box::leak(format!("{MUTE}metrics:\n").into_boxed_str()),
        )],
        &[],
    );
    let (_, states) = load_and_compile(&cat, None).unwrap();
    let rules: Vec<_> = states[0]
        .resources
        .values()
        .filter_map(|r| match r {
            obsctl::resource::Resource::AlarmMuteRule(m) => Some(m.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].name, "shop-staging-mute-nightly");
    assert_eq!(rules[0].rule.schedule.duration, "PT30M");
    assert_eq!(rules[0].rule.schedule.timezone, "Europe/Berlin");
    assert_eq!(rules[0].mute_targets.alarm_names, ["shop-staging-api-cpu"]);
}

#[test]
fn mute_windows_take_only_the_schedule_syntax_aws_documents() {
    for (from, to, expected) in [
        (
            "cron(0 2 * * *)",
            "cron(0 2 * * ? *)",
            "no year, unlike EventBridge",
        ),
        (
            "cron(0 2 * * *)",
            "cron(0/5 2 * * *)",
            "`/` is not supported",
        ),
        (
            "cron(0 2 * * *)",
            "cron(0 2 * * MON#1)",
            "`#` is not supported",
        ),
        ("cron(0 2 * * *)", "rate(1 day)", "is neither cron("),
        (
            "cron(0 2 * * *)",
            "at(2026-12-24T18:00:30)",
            "to the minute",
        ),
        ("30m", "30s", "from 1 minute (PT1M) to 15 days (P15D)"),
        ("30m", "16d", "from 1 minute (PT1M) to 15 days (P15D)"),
        ("30m", "PT30S", "not an ISO 8601 duration"),
        (
            "Europe/Berlin",
            "Europe/Berlinn",
            "is not an IANA time zone",
        ),
        (
            "alarms: [cpu]",
            "alarms: [cpuu]",
            "undefined alarm template `cpuu`",
        ),
        (
            "alarms: [cpu]",
            "services: [apii]",
            "undefined service `apii`",
        ),
        (
            "alarms: [cpu]",
            "severities: [page]",
            "undefined severity `page`",
        ),
        (
            "alarms: [cpu]",
            "environments: [prod]",
            "undefined environment `prod`",
        ),
        (
            "alarms: [cpu]",
            "start: 2026-05-01T00:00\n    expire: 2026-04-01T00:00",
            "`expire` must come after `start`",
        ),
        ("alarms: [cpu]", "start: tomorrow", "is not a date and time"),
    ] {
        let out = mute_edit(from, to);
        assert!(
            out.contains(expected),
            "{to}: expected `{expected}` in:\n{out}"
        );
        assert!(
            out.lines()
                .filter(|l| !l.starts_with("  help:"))
                .all(|l| l.starts_with("obsctl.yaml:")),
            "{to}: every problem located in obsctl.yaml:\n{out}"
        );
    }
    for ok in ["cron(0,30 9-17 * JAN-MAR MON-FRI)", "at(2026-12-24T18:00)"] {
        let text: &'static str = Box::leak(ok.to_string().into_boxed_str());
        assert_eq!(mute_edit("cron(0 2 * * *)", text), "", "{ok}");
    }
    assert_eq!(mute_edit("30m", "P1DT12H"), "");
}

/// A log alarm template (`kind: log`) with `extra` settings, and the
/// environment's scheduled-query role.
fn log_alarm(extra: &str) -> [(&'static str, &'static str); 2] {
    [
        (
            "alarms:\n",
            format!(
                "alarms:\n  logins:\n    kind: log\n    severity: critical\n    query: 'filter event = \"login_failed\"'\n    aggregation: count(*) by ip\n    comparison: \">\"\n    threshold: 5\n{extra}"
            )
            .leak(),
        ),
        (
            "    region: us-east-1\n",
            "    region: us-east-1\n    log_alarm_role: shop-log-alarms\n",
        ),
    ]
}

#[test]
fn log_alarm_is_valid() {
    assert_eq!(problems(&log_alarm(""), &[]), "");
    assert_eq!(
        problems(
            &log_alarm(
                "    schedule: rate(1 hour)\n    start_offset: 70m\n    end_offset: 10m\n    evaluation_periods: 3\n    datapoints_to_alarm: 2\n    treat_missing_data: notBreaching\n"
            ),
            &[]
        ),
        ""
    );
}
rule!(
    log_alarm_query_syntax_located,
    &log_alarm("").map(|(f, t)| (
        f,
        t.replace("login_failed\"'", "login_failed\" | stast count(*)'")
            .leak() as &str
    )),
    &[],
    "Logs Insights query: `stast` is not a Logs Insights command (at character 33)"
);
rule!(
    log_alarm_aggregation_syntax,
    &log_alarm("").map(|(f, t)| (f, t.replace("count(*) by ip", "median(x)").leak() as &str)),
    &[],
    "aggregation: `median` is not an aggregate function obsctl evaluates"
);
rule!(
    log_alarm_schedule_is_a_rate,
    &log_alarm("    schedule: cron(0 * * * ? *)\n"),
    &[],
    "is not a rate expression"
);
rule!(
    log_alarm_end_offset_before_start,
    &log_alarm("    start_offset: 5m\n    end_offset: 5m\n"),
    &[],
    "the end offset (300 s) must be less than the start offset (300 s)"
);
rule!(
    log_alarm_takes_four_comparisons,
    &log_alarm("").map(|(f, t)| (
        f,
        t.replace("comparison: \">\"", "comparison: LessThanLowerThreshold")
            .leak() as &str
    )),
    &[],
    "a log alarm takes >, >=, < or <="
);
rule!(
    log_alarm_has_no_period,
    &log_alarm("    period: 300\n"),
    &[],
    "`period` does not apply to a log alarm"
);
rule!(
    log_alarm_at_most_100_results,
    &log_alarm("    evaluation_periods: 101\n"),
    &[],
    "a log alarm evaluates at most 100 query results"
);
rule!(
    log_alarm_needs_the_role,
    &[log_alarm("")[0]],
    &[],
    "has log alarms (`logins`) but no `log_alarm_role`"
);
rule!(
    log_alarm_needs_query_and_aggregation,
    &[(
        "alarms:\n",
        "alarms:\n  logins:\n    kind: log\n    severity: critical\n    comparison: \">\"\n    threshold: 5\n"
    )],
    &[],
    "log alarm `logins` needs `query`"
);
