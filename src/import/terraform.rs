//! `obsctl import --from-terraform FILE`: the resources of a Terraform
//! state, as `terraform show -json` prints it, in obsctl's resource types —
//! the same types, with the same defaults, as the live readers return, so
//! [`super::build`] and the round trip treat them as an account read.
//!
//! The format is Terraform's "JSON Output Format" (`values.root_module`,
//! its `resources` and nested `child_modules`, each resource with
//! `address`, `mode`, `type`, `name` and `values`); the attribute names are
//! the AWS provider's (`aws_cloudwatch_metric_alarm`: `alarm_name`,
//! `comparison_operator`, `dimensions` as a map, `metric_query` blocks with
//! a nested `metric` block; `aws_cloudwatch_log_metric_filter`:
//! `metric_transformation`; `aws_sns_topic_subscription`: `topic_arn`,
//! `raw_message_delivery`; …). Data sources and types obsctl does not
//! import are listed as skipped, with the reason.

use crate::resource::{
    CompositeAlarm, Dashboard, Dimension, Metric, MetricAlarm, MetricDataQuery, MetricFilter,
    MetricStat, MetricTransformation, QueryDefinition, Resource, Subscription, Tag, Topic,
};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A resource of the state not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotImported {
    /// Its Terraform address.
    pub address: String,
    /// Why.
    pub reason: String,
}

/// What a state holds: the resources obsctl imports, what it does not,
/// and the region and account its ARNs name (the first ARN that has them).
#[derive(Debug, Default)]
pub struct State {
    /// Resources, with their Terraform addresses.
    pub resources: Vec<(String, Resource)>,
    /// Resources skipped.
    pub skipped: Vec<NotImported>,
    /// Region of the ARNs.
    pub region: Option<String>,
    /// Account of the ARNs.
    pub account: Option<String>,
}

fn s(v: &Map<String, Value>, k: &str) -> Option<String> {
    v.get(k)
        .and_then(Value::as_str)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
}

fn list(v: &Map<String, Value>, k: &str) -> Vec<String> {
    let mut out: Vec<String> = v
        .get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn num(v: &Map<String, Value>, k: &str) -> Option<f64> {
    v.get(k).and_then(Value::as_f64)
}

fn int(v: &Map<String, Value>, k: &str) -> Option<u32> {
    v.get(k)
        .and_then(Value::as_f64)
        .filter(|n| *n > 0.0)
        .map(|n| n as u32)
}

fn boolean(v: &Map<String, Value>, k: &str, default: bool) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(default)
}

fn dims(v: &Map<String, Value>, k: &str) -> Vec<Dimension> {
    let mut out: Vec<Dimension> = v
        .get(k)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(n, x)| Dimension {
                    name: n.clone(),
                    value: x.as_str().map_or_else(|| x.to_string(), str::to_string),
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn tags(v: &Map<String, Value>) -> Vec<Tag> {
    let mut out: Vec<Tag> = v
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, x)| {
                    Some(Tag {
                        key: k.clone(),
                        value: x.as_str()?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The first block of a nested-block list (`metric_transformation`).
fn blocks<'a>(v: &'a Map<String, Value>, k: &str) -> Vec<&'a Map<String, Value>> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

fn metric_alarm(v: &Map<String, Value>) -> Option<MetricAlarm> {
    let queries: Vec<MetricDataQuery> = blocks(v, "metric_query")
        .into_iter()
        .map(|q| MetricDataQuery {
            id: s(q, "id").unwrap_or_default(),
            metric_stat: blocks(q, "metric").first().map(|m| MetricStat {
                metric: Metric {
                    namespace: s(m, "namespace").unwrap_or_default(),
                    metric_name: s(m, "metric_name").unwrap_or_default(),
                    dimensions: dims(m, "dimensions"),
                },
                period: int(m, "period").unwrap_or(60),
                stat: s(m, "stat").unwrap_or_default(),
                unit: s(m, "unit"),
            }),
            expression: s(q, "expression"),
            label: s(q, "label"),
            return_data: boolean(q, "return_data", false),
        })
        .collect();
    let evaluation_periods = int(v, "evaluation_periods").unwrap_or(1);
    let threshold_metric_id = s(v, "threshold_metric_id");
    Some(MetricAlarm {
        alarm_name: s(v, "alarm_name")?,
        alarm_description: s(v, "alarm_description"),
        actions_enabled: boolean(v, "actions_enabled", true),
        ok_actions: list(v, "ok_actions"),
        alarm_actions: list(v, "alarm_actions"),
        insufficient_data_actions: list(v, "insufficient_data_actions"),
        metric_name: s(v, "metric_name").filter(|_| queries.is_empty()),
        namespace: s(v, "namespace").filter(|_| queries.is_empty()),
        statistic: s(v, "statistic").filter(|_| queries.is_empty()),
        extended_statistic: s(v, "extended_statistic").filter(|_| queries.is_empty()),
        dimensions: if queries.is_empty() {
            dims(v, "dimensions")
        } else {
            Vec::new()
        },
        period: int(v, "period").filter(|_| queries.is_empty()),
        unit: s(v, "unit"),
        evaluation_periods,
        // As DescribeAlarms reports it: unset means all of them.
        datapoints_to_alarm: Some(int(v, "datapoints_to_alarm").unwrap_or(evaluation_periods)),
        threshold: num(v, "threshold").filter(|_| threshold_metric_id.is_none()),
        comparison_operator: s(v, "comparison_operator").unwrap_or_default(),
        treat_missing_data: s(v, "treat_missing_data").unwrap_or_else(|| "missing".into()),
        evaluate_low_sample_count_percentile: s(v, "evaluate_low_sample_count_percentiles"),
        metrics: queries,
        threshold_metric_id,
        tags: tags(v),
    })
}

fn composite_alarm(v: &Map<String, Value>) -> Option<CompositeAlarm> {
    let suppressor = blocks(v, "actions_suppressor");
    let sup = suppressor.first();
    Some(CompositeAlarm {
        alarm_name: s(v, "alarm_name")?,
        alarm_description: s(v, "alarm_description"),
        alarm_rule: s(v, "alarm_rule")?,
        actions_enabled: boolean(v, "actions_enabled", true),
        ok_actions: list(v, "ok_actions"),
        alarm_actions: list(v, "alarm_actions"),
        insufficient_data_actions: list(v, "insufficient_data_actions"),
        actions_suppressor: sup.and_then(|b| s(b, "alarm")),
        actions_suppressor_wait_period: sup.and_then(|b| int(b, "wait_period")),
        actions_suppressor_extension_period: sup.and_then(|b| int(b, "extension_period")),
        tags: tags(v),
    })
}

fn metric_filter(v: &Map<String, Value>) -> Option<MetricFilter> {
    let transformations = blocks(v, "metric_transformation")
        .into_iter()
        .map(|t| MetricTransformation {
            metric_name: s(t, "name").unwrap_or_default(),
            metric_namespace: s(t, "namespace").unwrap_or_default(),
            metric_value: s(t, "value").unwrap_or_default(),
            default_value: s(t, "default_value")
                .and_then(|d| d.parse().ok())
                .or_else(|| num(t, "default_value")),
            dimensions: t
                .get("dimensions")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, x)| Some((k.clone(), x.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
            // The provider's default unit is `None` (CloudWatch's own).
            unit: s(t, "unit").filter(|u| u != "None"),
        })
        .collect();
    Some(MetricFilter {
        log_group_name: s(v, "log_group_name")?,
        filter_name: s(v, "name")?,
        filter_pattern: v
            .get("pattern")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        metric_transformations: transformations,
    })
}

fn dashboard(v: &Map<String, Value>) -> Result<Dashboard, String> {
    let name = s(v, "dashboard_name").ok_or("no dashboard_name")?;
    let body = s(v, "dashboard_body").ok_or("no dashboard_body")?;
    let body: Value =
        serde_json::from_str(&body).map_err(|e| format!("dashboard_body is not JSON: {e}"))?;
    Ok(Dashboard {
        dashboard_name: name,
        body: body.into(),
        tags: Vec::new(),
    })
}

fn topic(v: &Map<String, Value>) -> Option<Topic> {
    let mut attributes = BTreeMap::new();
    // The attributes the live reader compares (live/topics.rs).
    for (attr, key) in [
        ("DisplayName", "display_name"),
        ("KmsMasterKeyId", "kms_master_key_id"),
    ] {
        if let Some(x) = s(v, key) {
            attributes.insert(attr.to_string(), x);
        }
    }
    Some(Topic {
        name: s(v, "name")?,
        attributes,
        tags: tags(v),
    })
}

fn subscription(v: &Map<String, Value>) -> Option<Subscription> {
    let topic_arn = s(v, "topic_arn")?;
    let mut attributes = BTreeMap::new();
    if boolean(v, "raw_message_delivery", false) {
        attributes.insert("RawMessageDelivery".into(), "true".into());
    }
    for (attr, key) in [
        ("FilterPolicy", "filter_policy"),
        ("FilterPolicyScope", "filter_policy_scope"),
        ("RedrivePolicy", "redrive_policy"),
    ] {
        if let Some(x) = s(v, key) {
            attributes.insert(attr.to_string(), x);
        }
    }
    if !attributes.contains_key("FilterPolicy") {
        attributes.remove("FilterPolicyScope");
    }
    Some(Subscription {
        topic_name: topic_arn
            .rsplit(':')
            .next()
            .unwrap_or(&topic_arn)
            .to_string(),
        protocol: s(v, "protocol")?,
        endpoint: s(v, "endpoint")?,
        attributes,
        optional: false,
        external: false,
    })
}

fn query(v: &Map<String, Value>) -> Option<QueryDefinition> {
    Some(QueryDefinition {
        name: s(v, "name")?,
        query_string: s(v, "query_string")?,
        log_group_names: list(v, "log_group_names"),
    })
}

/// Every resource of a module and its child modules, in order.
fn walk<'a>(module: &'a Value, out: &mut Vec<&'a Value>) {
    if let Some(rs) = module.get("resources").and_then(Value::as_array) {
        out.extend(rs);
    }
    if let Some(children) = module.get("child_modules").and_then(Value::as_array) {
        for c in children {
            walk(c, out);
        }
    }
}

/// The state's resources (`terraform show -json` output).
///
/// # Errors
///
/// When the document is not Terraform's JSON output (no
/// `values.root_module`), with what was found instead.
pub fn read(doc: &Value) -> Result<State, String> {
    let root = doc
        .get("values")
        .and_then(|v| v.get("root_module"))
        .ok_or("not `terraform show -json` output: it has no `values.root_module` (a plan's JSON has it under `planned_values`; give the state's)")?;
    let mut all = Vec::new();
    walk(root, &mut all);
    let mut state = State::default();
    for r in all {
        let address = r
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if r.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let kind = r.get("type").and_then(Value::as_str).unwrap_or_default();
        let empty = Map::new();
        let v = r.get("values").and_then(Value::as_object).unwrap_or(&empty);
        for arn_key in ["arn", "topic_arn"] {
            if let Some(arn) = s(v, arn_key) {
                let parts: Vec<&str> = arn.split(':').collect();
                if parts.len() > 4 && state.region.is_none() && !parts[3].is_empty() {
                    state.region = Some(parts[3].to_string());
                }
                if parts.len() > 4 && state.account.is_none() && !parts[4].is_empty() {
                    state.account = Some(parts[4].to_string());
                }
            }
        }
        let skip = |reason: &str| NotImported {
            address: address.clone(),
            reason: reason.to_string(),
        };
        let missing = "a required attribute is missing";
        let resource = match kind {
            "aws_cloudwatch_metric_alarm" => metric_alarm(v).map(Resource::from).ok_or(missing),
            "aws_cloudwatch_composite_alarm" => {
                composite_alarm(v).map(Resource::from).ok_or(missing)
            }
            "aws_cloudwatch_log_metric_filter" => {
                metric_filter(v).map(Resource::from).ok_or(missing)
            }
            "aws_cloudwatch_query_definition" => query(v).map(Resource::from).ok_or(missing),
            "aws_sns_topic" => topic(v).map(Resource::from).ok_or(missing),
            "aws_sns_topic_subscription" => subscription(v).map(Resource::from).ok_or(missing),
            "aws_cloudwatch_dashboard" => match dashboard(v) {
                Ok(d) => Ok(Resource::from(d)),
                Err(e) => {
                    state.skipped.push(skip(&e));
                    continue;
                }
            },
            "aws_cloudwatch_log_group" => {
                state.skipped.push(skip(
                    "log groups are not imported: the catalogue names them per environment (`log_group`) and obsctl never changes one",
                ));
                continue;
            }
            other => {
                state
                    .skipped
                    .push(skip(&format!("{other} is not a kind obsctl manages")));
                continue;
            }
        };
        match resource {
            Ok(r) => state.resources.push((address, r)),
            Err(why) => state.skipped.push(skip(why)),
        }
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resources_of_nested_modules_are_read_with_the_live_readers_defaults() {
        let doc = json!({
            "format_version": "1.0",
            "values": {"root_module": {
                "resources": [
                    {"address": "aws_sns_topic.alerts", "mode": "managed", "type": "aws_sns_topic", "name": "alerts",
                     "values": {"name": "staging-alerts", "arn": "arn:aws:sns:eu-west-1:111122223333:staging-alerts", "display_name": "", "tags": {"team": "platform"}}},
                    {"address": "data.aws_region.current", "mode": "data", "type": "aws_region", "name": "current", "values": {}},
                    {"address": "aws_cloudwatch_log_group.app", "mode": "managed", "type": "aws_cloudwatch_log_group", "name": "app", "values": {"name": "/ecs/app"}}
                ],
                "child_modules": [{"address": "module.svc[\"auth\"]", "resources": [
                    {"address": "module.svc[\"auth\"].aws_cloudwatch_metric_alarm.cpu", "mode": "managed", "type": "aws_cloudwatch_metric_alarm", "name": "cpu",
                     "values": {"alarm_name": "staging-auth-high-cpu", "comparison_operator": "GreaterThanThreshold", "evaluation_periods": 2,
                                "metric_name": "CPUUtilization", "namespace": "AWS/ECS", "period": 300, "statistic": "Average", "threshold": 80,
                                "dimensions": {"ServiceName": "auth", "ClusterName": "main"}, "alarm_actions": ["arn:aws:sns:eu-west-1:111122223333:staging-alerts"],
                                "ok_actions": [], "insufficient_data_actions": [], "datapoints_to_alarm": 0, "treat_missing_data": "missing",
                                "actions_enabled": true, "metric_query": [], "extended_statistic": "", "unit": "", "threshold_metric_id": "", "tags": null}},
                    {"address": "module.svc[\"auth\"].aws_cloudwatch_log_metric_filter.errors", "mode": "managed", "type": "aws_cloudwatch_log_metric_filter", "name": "errors",
                     "values": {"name": "auth-errors", "pattern": "[ts, level=ERROR, msg]", "log_group_name": "/ecs/auth",
                                "metric_transformation": [{"name": "ErrorCount", "namespace": "App", "value": "1", "default_value": "", "dimensions": {}, "unit": "None"}]}}
                ]}]
            }}
        });
        let st = read(&doc).unwrap();
        assert_eq!(st.region.as_deref(), Some("eu-west-1"));
        assert_eq!(st.account.as_deref(), Some("111122223333"));
        assert_eq!(st.resources.len(), 3);
        let Resource::MetricAlarm(a) = &st.resources[1].1 else {
            panic!("{:?}", st.resources[1]);
        };
        assert_eq!(a.datapoints_to_alarm, Some(2));
        assert_eq!(a.period, Some(300));
        assert_eq!(a.dimensions[0].name, "ClusterName");
        assert_eq!(a.unit, None);
        let Resource::MetricFilter(f) = &st.resources[2].1 else {
            panic!();
        };
        assert_eq!(f.metric_transformations[0].unit, None);
        assert_eq!(f.metric_transformations[0].default_value, None);
        assert_eq!(st.skipped.len(), 1);
        assert!(st.skipped[0].reason.contains("log groups are not imported"));
        assert!(read(&json!({"planned_values": {}})).is_err());
    }
}
