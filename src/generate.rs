//! A catalogue generator for benchmarks and scale tests: N services, each
//! with the Cat House alarm set (error-rate math alarm, p95 latency, CPU,
//! memory, service down), a dashboard per service plus an overview, three
//! metric filters on JSON request logs and a saved query; three shared
//! severity topics with an email
//! subscription each, and tests of every alarm and filter (`obsctl test`
//! at 100% coverage). Used by `examples/gen-catalogue.rs` and `benches/`.

use std::io;
use std::path::Path;

const ROOT: &str = r#"project: gen
namespace: Gen/Services
include:
  - alarms.yaml
  - tests.yaml
  - services/*.yaml
environments:
  staging:
    region: us-east-1
    cluster: gen-staging
    log_groups: create
topics:
  critical-alerts:
    subscriptions: [{ protocol: email, endpoint: oncall@example.com }]
  warning-alerts:
    subscriptions: [{ protocol: email, endpoint: team@example.com }]
  info-alerts:
    subscriptions: [{ protocol: email, endpoint: info@example.com }]
severities:
  critical: { topic: critical-alerts }
  warning: { topic: warning-alerts }
  info: { topic: info-alerts, notify_ok: false }
dashboards:
  overview:
    template: overview.json.j2
    alarm_status: false
  service:
    template: service.json.j2
    per: service
metric_filters:
  ErrorCount:
    pattern: '{ $.level = "ERROR" }'
    metric: ErrorCount
    dimensions: { service: $.service }
  RequestCount:
    pattern: '{ $.status = * }'
    metric: RequestCount
    dimensions: { service: $.service }
  RequestLatency:
    pattern: '{ $.duration_ms >= 0 }'
    metric: RequestLatency
    value: $.duration_ms
    unit: Milliseconds
    dimensions: { service: $.service }
queries:
  errors/recent:
    per: service
    query: |-
      fields @timestamp, message
      | filter level = "ERROR" and service = "{{ service.name }}"
      | sort @timestamp desc
      | limit 50
"#;

const ALARMS: &str = r#"alarms:
  service-down:
    kind: metric
    severity: critical
    runbook: https://runbooks.example.com/service-down
    metric:
      namespace: ECS/ContainerInsights
      metric: RunningTaskCount
      statistic: Average
      dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
    period: 60
    evaluation_periods: 2
    comparison: "<"
    threshold: 1
    treat_missing_data: breaching
  high-error-rate:
    kind: math
    severity: critical
    runbook: https://runbooks.example.com/high-error-rate
    queries:
      errors: { metric: ErrorCount, statistic: Sum, dimensions: { service: "{{ service.name }}" } }
      requests: { metric: RequestCount, statistic: Sum, dimensions: { service: "{{ service.name }}" } }
      rate: { expression: "IF(requests >= 20, 100 * errors / requests, 0)" }
    returns: rate
    evaluation_periods: 2
    comparison: ">"
    threshold: 5
  high-latency:
    kind: metric
    severity: warning
    runbook: https://runbooks.example.com/high-latency
    metric: { metric: RequestLatency, statistic: p95, dimensions: { service: "{{ service.name }}" } }
    evaluation_periods: 3
    datapoints_to_alarm: 2
    comparison: ">"
    threshold: 500
  high-cpu:
    kind: metric
    severity: warning
    runbook: https://runbooks.example.com/high-cpu
    metric:
      namespace: AWS/ECS
      metric: CPUUtilization
      statistic: Average
      dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
    evaluation_periods: 3
    comparison: ">"
    threshold: 80
  high-memory:
    kind: metric
    severity: warning
    runbook: https://runbooks.example.com/high-memory
    metric:
      namespace: AWS/ECS
      metric: MemoryUtilization
      statistic: Average
      dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
    evaluation_periods: 3
    comparison: ">"
    threshold: 85
"#;

/// One parameterised test per alarm behaviour and one per filter pair, so
/// `obsctl test` on a generated catalogue runs 12 cases per service at 100%
/// coverage.
const TESTS: &str = r#"tests:
  service-down:
    for_each_service: true
    metrics:
      - namespace: ECS/ContainerInsights
        metric: RunningTaskCount
        dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
        values: "2x5 0x5"
    expect:
      - { alarm: service-down, at: 5m, state: OK }
      - { alarm: service-down, at: 7m, state: ALARM, notifies: [critical-alerts] }
  error-rate:
    for_each_service: true
    logs:
      - { every: 10s, until: 10m, count: 10, lines: ['{"level": "INFO", "service": "{{ service.name }}", "status": 200, "duration_ms": 100}'] }
      - { at: 10m, every: 10s, until: 20m, count: 9, lines: ['{"level": "INFO", "service": "{{ service.name }}", "status": 200, "duration_ms": 100}'] }
      - { at: 10m, every: 10s, until: 20m, lines: ['{"level": "ERROR", "service": "{{ service.name }}", "status": 503, "duration_ms": 30}'] }
    expect:
      - { alarm: high-error-rate, at: 10m, state: OK }
      - { alarm: high-error-rate, at: 20m, state: ALARM }
  latency:
    for_each_service: true
    logs:
      - { every: 10s, until: 15m, lines: ['{"level": "INFO", "service": "{{ service.name }}", "status": 200, "duration_ms": 100}'] }
      - { at: 15m, every: 10s, until: 30m, lines: ['{"level": "INFO", "service": "{{ service.name }}", "status": 200, "duration_ms": 900}'] }
    expect:
      - { alarm: high-latency, at: 15m, state: OK }
      - { alarm: high-latency, at: 30m, state: ALARM, notifies: [warning-alerts] }
  cpu-and-memory:
    for_each_service: true
    metrics:
      - namespace: AWS/ECS
        metric: CPUUtilization
        dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
        values: "50x15 90x15"
      - namespace: AWS/ECS
        metric: MemoryUtilization
        dimensions: { ClusterName: "{{ env.cluster }}", ServiceName: "{{ service.name }}" }
        values: "50x15 95x15"
    expect:
      - { alarm: high-cpu, at: 15m, state: OK }
      - { alarm: high-cpu, at: 30m, state: ALARM }
      - { alarm: high-memory, at: 15m, state: OK }
      - { alarm: high-memory, at: 30m, state: ALARM }
  filters:
    for_each_service: true
    expect:
      - { filter: ErrorCount, line: '{"level": "ERROR", "service": "{{ service.name }}"}', value: 1 }
      - { filter: ErrorCount, line: '{"level": "INFO", "service": "{{ service.name }}"}', matches: false }
      - { filter: RequestCount, line: '{"level": "INFO", "service": "{{ service.name }}", "status": 200}', value: 1 }
      - { filter: RequestCount, line: '{"level": "INFO", "service": "{{ service.name }}"}', matches: false }
      - { filter: RequestLatency, line: '{"service": "{{ service.name }}", "duration_ms": 42}', value: 42 }
      - { filter: RequestLatency, line: '{"service": "{{ service.name }}"}', matches: false }
"#;

const OVERVIEW: &str = r##"{"widgets": [
  {"type": "text", "properties": {"markdown": {{ ("# " ~ project ~ " " ~ env.name ~ ": " ~ (services | length) ~ " services") | tojson }}}},
  {"type": "metric", "width": 12, "properties": {"title": "Running tasks (all services)", "stat": "Sum", "period": 300,
    "metrics": [[{"expression": "SUM(SEARCH('{ECS/ContainerInsights,ClusterName,ServiceName} MetricName=\"RunningTaskCount\"', 'Average', 300))", "id": "e1", "label": "tasks"}]]}},
  {"type": "metric", "width": 12, "properties": {"title": "Errors (all services)", "stat": "Sum", "period": 300,
    "metrics": [[{"expression": "SUM(SEARCH('{Gen/Services,service} MetricName=\"ErrorCount\"', 'Sum', 300))", "id": "e1", "label": "errors"}]]}}

]}
"##;

const SERVICE: &str = r#"{"widgets": [
  {"type": "metric", "width": 8, "properties": {"title": "Latency p95", "stat": "p95", "period": 300,
    "metrics": [[{{ namespace | tojson }}, "RequestLatency", "service", {{ service.name | tojson }}]]}},
  {"type": "metric", "width": 8, "properties": {"title": "CPU and memory", "stat": "Average", "period": 300,
    "metrics": [["AWS/ECS", "CPUUtilization", "ClusterName", {{ env.cluster | tojson }}, "ServiceName", {{ service.name | tojson }}],
                ["AWS/ECS", "MemoryUtilization", "ClusterName", {{ env.cluster | tojson }}, "ServiceName", {{ service.name | tojson }}]]}},
  {"type": "metric", "width": 8, "properties": {"title": "Errors", "stat": "Sum", "period": 300,
    "metrics": [[{{ namespace | tojson }}, "ErrorCount", "service", {{ service.name | tojson }}]]}}
]}
"#;

/// Writes a catalogue of `services` services into `out` (created if needed).
pub fn write_catalogue(out: &Path, services: usize) -> io::Result<()> {
    std::fs::create_dir_all(out.join("services"))?;
    std::fs::create_dir_all(out.join("templates"))?;
    std::fs::write(out.join("obsctl.yaml"), ROOT)?;
    std::fs::write(out.join("alarms.yaml"), ALARMS)?;
    std::fs::write(out.join("tests.yaml"), TESTS)?;
    std::fs::write(out.join("templates/overview.json.j2"), OVERVIEW)?;
    std::fs::write(out.join("templates/service.json.j2"), SERVICE)?;
    // Ten services per file, as a team might group them.
    for chunk in 0..services.div_ceil(10) {
        let mut text = String::from("services:\n");
        for i in chunk * 10..((chunk + 1) * 10).min(services) {
            text.push_str(&format!(
                "  svc-{i:04}:\n    port: {}\n    owner: team-{}\n",
                8000 + i % 1000,
                i % 17
            ));
        }
        std::fs::write(out.join(format!("services/{chunk:04}.yaml")), text)?;
    }
    Ok(())
}
