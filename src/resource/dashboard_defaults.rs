//! Normalizes a CloudWatch dashboard body against its documented defaults.
//!
//! The reference is the AWS page "Dashboard Body Structure and Syntax"
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html>,
//! also in the CloudWatch User Guide as `CloudWatch-Dashboard-Body-Structure`).
//! [`DEFAULTS`] lists, as data, every property for which that page states an
//! explicit default value, with the section that states it. Three metric-widget
//! defaults that the page leaves unstated (`view`, `stacked`, `legend.position`)
//! are taken from its companion page in the same API reference,
//! "GetMetricWidgetImage: Metric Widget Structure and Syntax", which documents
//! the same metric-widget JSON; their `source` says so.
//!
//! Deliberately *not* in the table, because neither page gives them a default
//! value: `periodOverride`, `start`/`end`, widget `x`/`y` ("the next available
//! position"), `accountId` ("the current account"), `liveData`, `sparkline`,
//! `setPeriodToTimeRange`, `singleValueFullPrecision`, `trend`, an annotation's
//! `yAxis`, a metric row's `label`, and the metrics explorer's `legend`,
//! `stacked`, `rowsPerPage` and `widgetsPerRow`. Such properties are kept as
//! written.
//!
//! [`strip_defaults`] removes every property equal to its default, so a body
//! written by the console with every default spelled out and a minimal
//! hand-written body normalize to the same JSON value.

use serde_json::{Map, Value};

/// One documented default: where it applies and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Default {
    /// The widget `type` it applies to (`"metric"`, `"text"`, `"log"`,
    /// `"alarm"`, `"explorer"`), `"*"` for every widget, or `"dashboard"` for
    /// the top level of the body.
    pub widget: &'static str,
    /// Where the property sits, relative to the widget object (or to the body
    /// for `"dashboard"`): dot-separated keys; `key[]` means each element of
    /// the array `key` (a band annotation, itself an array, contributes its
    /// first object); `options` means the trailing options object of a metric
    /// row. Example: `properties.metrics[].options.visible`.
    pub path: &'static str,
    /// The default value, as a JSON literal.
    pub value: &'static str,
    /// The page and section that documents the default.
    pub source: &'static str,
}

/// The statistic a metric widget uses when it names none
/// (see the `properties.stat` entry of [`DEFAULTS`]).
pub const DEFAULT_STAT: &str = "Average";

/// The period, in seconds, a metric widget uses when it names none
/// (see the `properties.period` entry of [`DEFAULTS`]).
pub const DEFAULT_PERIOD: u64 = 300;

const ANY: &str = "*";
const DASHBOARD: &str = "dashboard";
const OPTIONS: &str = "options";

const WIDGETS: &str = "Dashboard Body Structure and Syntax § Widgets Array Structure";
const VARIABLES: &str = "Dashboard Body Structure and Syntax § Variables Array Structure (visible: \"If you omit this, the default of true is used\")";
const TEXT: &str =
    "Dashboard Body Structure and Syntax § Properties of a Text Widget Object (background)";
const LOG: &str = "Dashboard Body Structure and Syntax § Properties of a Log Widget Object (view: \"If you omit this parameter, the results are displayed as a table\")";
const METRIC: &str = "Dashboard Body Structure and Syntax § Properties of a Metric Widget Object";
const RENDER: &str = "Dashboard Body Structure and Syntax § Metric Widget: Format for Each Metric in the Array › Dashboard Widget Object: Rendering Properties Object Format";
const STAT: &str = "Dashboard Body Structure and Syntax § Rendering Properties Object Format (stat: \"By default CloudWatch uses Average if you don't specify a statistic at array or at metric level\")";
const H_ANNOT: &str = "Dashboard Body Structure and Syntax § Dashboard Widget Object: Annotation Properties › Horizontal Annotations";
const H_FILL: &str = "Dashboard Body Structure and Syntax § Annotation Properties › Horizontal Annotations (fill: \"If fill is omitted, there is no shading\", i.e. none)";
const V_ANNOT: &str = "Dashboard Body Structure and Syntax § Dashboard Widget Object: Annotation Properties › Vertical Annotations";
const V_FILL: &str = "Dashboard Body Structure and Syntax § Annotation Properties › Vertical Annotations (fill: \"If fill is omitted, there is no shading\", i.e. none)";
const Y_AXIS: &str =
    "Dashboard Body Structure and Syntax § Dashboard Widget Object: yAxis Properties Format";
const TABLE: &str =
    "Dashboard Body Structure and Syntax § Dashboard Widget Object: Table Properties";
const EXPLORER: &str =
    "Dashboard Body Structure and Syntax § Properties of a Metrics Explorer Widget Object";
const ALARM: &str =
    "Dashboard Body Structure and Syntax § Properties of an Alarm Status Widget Object";
const COMPANION: &str = "GetMetricWidgetImage: Metric Widget Structure and Syntax § Overall Structure (companion page for the same metric-widget JSON; the Dashboard Body page lists the values without a default)";

const CDK_GRAPH: &str = "AWS CDK aws-cloudwatch GraphWidgetProps (liveData / setPeriodToTimeRange: \"Default: false\"); the Dashboard Body page describes the properties without a default";
const CDK_SINGLE: &str = "AWS CDK aws-cloudwatch SingleValueWidgetProps (sparkline / fullPrecision: \"Default: false\"); the Dashboard Body page describes the properties without a default";

const fn d(
    widget: &'static str,
    path: &'static str,
    value: &'static str,
    source: &'static str,
) -> Default {
    Default {
        widget,
        path,
        value,
        source,
    }
}

/// The documented defaults, as data. [`strip_defaults`] applies every entry.
pub const DEFAULTS: &[Default] = &[
    // Top level of the body.
    d(DASHBOARD, "variables[].visible", "true", VARIABLES),
    // Every widget.
    d(ANY, "width", "6", WIDGETS),
    d(ANY, "height", "6", WIDGETS),
    // Text widget.
    d("text", "properties.background", "\"solid\"", TEXT),
    // Log widget.
    d("log", "properties.view", "\"table\"", LOG),
    // Metric widget.
    d("metric", "properties.period", "300", METRIC),
    d("metric", "properties.stat", "\"Average\"", STAT),
    d("metric", "properties.timezone", "\"+0000\"", METRIC),
    d("metric", "properties.view", "\"timeSeries\"", COMPANION),
    d("metric", "properties.stacked", "false", COMPANION),
    d("metric", "properties.liveData", "false", CDK_GRAPH),
    d(
        "metric",
        "properties.setPeriodToTimeRange",
        "false",
        CDK_GRAPH,
    ),
    d("metric", "properties.sparkline", "false", CDK_SINGLE),
    d(
        "metric",
        "properties.singleValueFullPrecision",
        "false",
        CDK_SINGLE,
    ),
    d(
        "metric",
        "properties.legend.position",
        "\"bottom\"",
        COMPANION,
    ),
    d("metric", "properties.yAxis.left.showUnits", "true", Y_AXIS),
    d("metric", "properties.yAxis.right.showUnits", "true", Y_AXIS),
    d("metric", "properties.table.layout", "\"horizontal\"", TABLE),
    d("metric", "properties.table.stickySummary", "false", TABLE),
    d(
        "metric",
        "properties.table.showTimeSeriesData",
        "true",
        TABLE,
    ),
    d(
        "metric",
        "properties.table.summaryColumns",
        "[\"MIN\", \"MAX\", \"SUM\", \"AVG\"]",
        TABLE,
    ),
    d(
        "metric",
        "properties.metrics[].options.visible",
        "true",
        RENDER,
    ),
    d(
        "metric",
        "properties.metrics[].options.yAxis",
        "\"left\"",
        RENDER,
    ),
    d(
        "metric",
        "properties.annotations.horizontal[].fill",
        "\"none\"",
        H_FILL,
    ),
    d(
        "metric",
        "properties.annotations.horizontal[].visible",
        "true",
        H_ANNOT,
    ),
    d(
        "metric",
        "properties.annotations.vertical[].fill",
        "\"none\"",
        V_FILL,
    ),
    d(
        "metric",
        "properties.annotations.vertical[].visible",
        "true",
        V_ANNOT,
    ),
    // Metrics explorer widget.
    d("explorer", "properties.period", "300", EXPLORER),
    d("explorer", "properties.title", "\"Explorer\"", EXPLORER),
    d(
        "explorer",
        "properties.widgetOptions.view",
        "\"timeSeries\"",
        EXPLORER,
    ),
    d(
        "explorer",
        "properties.metrics[].stat",
        "\"Average\"",
        EXPLORER,
    ),
    // Alarm status widget.
    d("alarm", "properties.sortBy", "\"default\"", ALARM),
    d("alarm", "properties.states", "[]", ALARM),
];

/// Objects that only hold defaults; once empty they say nothing and are removed.
/// Listed children first.
const CONTAINERS: &[(&str, &str)] = &[
    ("metric", "properties.yAxis.left"),
    ("metric", "properties.yAxis.right"),
    ("metric", "properties.yAxis"),
    ("metric", "properties.legend"),
    ("metric", "properties.table"),
    ("explorer", "properties.widgetOptions"),
];

/// Removes every property equal to its default, so a body with explicit defaults
/// and one without compare equal; a non-default value is kept.
///
/// Inheritance in one place: a metric row's `stat`, `period` and `region` (in its
/// trailing options object) default to the widget's; the widget's `stat` to
/// `"Average"`, `period` to 300, and its `region` to `region` (the environment's
/// region; dashboards are global). So a row option equal to the widget's
/// effective value is removed (effective values are computed before anything is
/// removed); a widget `stat`/`period` equal to the documented default is removed,
/// and a widget `region` equal to `region` is removed.
///
/// Numbers compare by value (`300.0 == 300`); empty option objects `{}` at the
/// end of a metric row, and containers such as `legend` or `yAxis` left empty,
/// are removed. A row's tokens (namespace, metric name, dimensions) and unknown
/// properties are left alone. The result is idempotent, and does not depend on
/// the order of keys or of the entries of [`DEFAULTS`]. Never panics.
pub fn strip_defaults(body: &mut Value, region: &str) {
    let table: Vec<(&Default, Vec<&str>, Value)> = DEFAULTS
        .iter()
        .filter_map(|d| {
            let value = serde_json::from_str(d.value).ok()?;
            Some((d, d.path.split('.').collect(), value))
        })
        .collect();

    for (d, segs, value) in &table {
        if d.widget == DASHBOARD {
            strip_at(body, segs, value);
        }
    }

    let Some(widgets) = body.get_mut("widgets").and_then(Value::as_array_mut) else {
        return;
    };
    for widget in widgets {
        // Every step only removes, so this reaches a fixed point; iterating to it
        // keeps odd inputs (e.g. several trailing objects in a row) idempotent.
        loop {
            let before = widget.clone();
            strip_widget(widget, &table, region);
            if *widget == before {
                break;
            }
        }
    }
}

fn strip_widget(widget: &mut Value, table: &[(&Default, Vec<&str>, Value)], region: &str) {
    let kind = widget
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let is_metric = kind == "metric";
    if is_metric {
        drop_empty_trailing_options(widget);
        strip_inherited(widget, region);
    }
    for (d, segs, value) in table {
        if d.widget == ANY || (d.widget == kind && d.widget != DASHBOARD) {
            strip_at(widget, segs, value);
        }
    }
    if is_metric {
        if let Some(props) = widget.get_mut("properties").and_then(Value::as_object_mut)
            && props.get("region").and_then(Value::as_str) == Some(region)
        {
            props.remove("region");
        }
        drop_empty_trailing_options(widget);
    }
    for (of, path) in CONTAINERS {
        if *of == kind {
            let segs: Vec<&str> = path.split('.').collect();
            prune_empty(widget, &segs);
        }
    }
}

/// Removes the row options `stat`, `period` and `region` that equal the widget's
/// effective values, computed before anything is removed.
fn strip_inherited(widget: &mut Value, region: &str) {
    let Some(props) = widget.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    let effective = [
        (
            "stat",
            props
                .get("stat")
                .cloned()
                .unwrap_or_else(|| Value::from(DEFAULT_STAT)),
        ),
        (
            "period",
            props
                .get("period")
                .cloned()
                .unwrap_or_else(|| Value::from(DEFAULT_PERIOD)),
        ),
        (
            "region",
            props
                .get("region")
                .cloned()
                .unwrap_or_else(|| Value::from(region)),
        ),
    ];
    let Some(rows) = props.get_mut("metrics").and_then(Value::as_array_mut) else {
        return;
    };
    for row in rows {
        let options = row
            .as_array_mut()
            .and_then(|row| row.last_mut())
            .and_then(Value::as_object_mut);
        if let Some(options) = options {
            for (key, value) in &effective {
                if options.get(*key).is_some_and(|v| json_eq(v, value)) {
                    options.remove(*key);
                }
            }
        }
    }
}

/// Pops empty `{}` objects from the end of each metric row, never the row's
/// only element.
fn drop_empty_trailing_options(widget: &mut Value) {
    let rows = widget
        .get_mut("properties")
        .and_then(|p| p.get_mut("metrics"))
        .and_then(Value::as_array_mut);
    for row in rows.into_iter().flatten() {
        if let Some(row) = row.as_array_mut() {
            while row.len() >= 2
                && row
                    .last()
                    .and_then(Value::as_object)
                    .is_some_and(Map::is_empty)
            {
                row.pop();
            }
        }
    }
}

/// Removes the property at `segs` (see [`Default::path`]) wherever it equals `default`.
fn strip_at(node: &mut Value, segs: &[&str], default: &Value) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    if rest.is_empty() {
        if let Some(obj) = node.as_object_mut()
            && obj.get(*first).is_some_and(|v| json_eq(v, default))
        {
            obj.remove(*first);
        }
        return;
    }
    if *first == OPTIONS {
        let options = node
            .as_array_mut()
            .and_then(|row| row.last_mut())
            .filter(|v| v.is_object());
        if let Some(options) = options {
            strip_at(options, rest, default);
        }
        return;
    }
    if let Some(key) = first.strip_suffix("[]") {
        let rows = rest.first() == Some(&OPTIONS);
        let items = node.get_mut(key).and_then(Value::as_array_mut);
        for item in items.into_iter().flatten() {
            if !rows && item.is_array() {
                // A band annotation: its shared settings sit in the first object.
                if let Some(head) = item.get_mut(0) {
                    strip_at(head, rest, default);
                }
            } else {
                strip_at(item, rest, default);
            }
        }
        return;
    }
    if let Some(child) = node.get_mut(*first) {
        strip_at(child, rest, default);
    }
}

/// Removes the object at `segs` if it exists and is empty.
fn prune_empty(node: &mut Value, segs: &[&str]) {
    let Some((last, parents)) = segs.split_last() else {
        return;
    };
    let mut current = node;
    for seg in parents {
        match current.get_mut(*seg) {
            Some(next) => current = next,
            None => return,
        }
    }
    if let Some(obj) = current.as_object_mut()
        && obj
            .get(*last)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
    {
        obj.remove(*last);
    }
}

/// JSON equality where numbers compare by value (`300.0 == 300`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(p), Some(q)) = (x.as_i64(), y.as_i64()) {
                p == q
            } else if let (Some(p), Some(q)) = (x.as_u64(), y.as_u64()) {
                p == q
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
#[expect(
    clippy::wildcard_enum_match_arm,
    reason = "matches on serde_json::Value, a closed data model"
)]
mod tests {
    use super::*;
    use serde_json::json;

    const REGION: &str = "us-east-1";

    fn norm(mut body: Value) -> Value {
        strip_defaults(&mut body, REGION);
        body
    }

    fn dash(widget: Value) -> Value {
        json!({ "widgets": [widget] })
    }

    /// Asserts both bodies normalize to `minimal`, which is already normal.
    fn assert_same(full: Value, minimal: Value) {
        assert_eq!(norm(minimal.clone()), minimal, "minimal body is not normal");
        assert_eq!(norm(full), minimal);
    }

    // ---- the table ----------------------------------------------------------

    #[test]
    fn defaults_table_is_well_formed() {
        let kinds = [
            "metric",
            "text",
            "log",
            "alarm",
            "explorer",
            "*",
            "dashboard",
        ];
        for (i, d) in DEFAULTS.iter().enumerate() {
            assert!(kinds.contains(&d.widget), "{d:?}");
            assert!(serde_json::from_str::<Value>(d.value).is_ok(), "{d:?}");
            assert!(!d.source.is_empty() && !d.path.is_empty(), "{d:?}");
            assert!(
                DEFAULTS[..i]
                    .iter()
                    .all(|e| (e.widget, e.path) != (d.widget, d.path)),
                "duplicate {d:?}"
            );
        }
        assert_eq!(DEFAULTS.len(), 33);
        let find = |p: &str| {
            DEFAULTS
                .iter()
                .find(|d| d.widget == "metric" && d.path == p)
        };
        assert_eq!(
            find("properties.stat").map(|d| d.value),
            Some("\"Average\"")
        );
        assert_eq!(find("properties.period").map(|d| d.value), Some("300"));
        assert_eq!(format!("\"{DEFAULT_STAT}\""), "\"Average\"");
        assert_eq!(DEFAULT_PERIOD.to_string(), "300");
    }

    /// A minimal body holding one widget of `kind` with one element in every
    /// array a table path iterates over.
    fn base(kind: &str) -> Value {
        let widget = match kind {
            "metric" => json!({
                "type": "metric", "x": 0, "y": 0,
                "properties": {
                    "title": "CPU", "region": "eu-west-1",
                    "metrics": [["AWS/EC2", "CPUUtilization", "InstanceId", "i-1", { "label": "cpu" }]],
                    "annotations": {
                        "horizontal": [{ "value": 10 }],
                        "vertical": [{ "value": "2024-01-01T00:00:00Z" }]
                    }
                }
            }),
            "text" => json!({ "type": "text", "properties": { "markdown": "Hello" } }),
            "log" => json!({
                "type": "log",
                "properties": { "region": REGION, "query": "SOURCE 'g' | fields @message" }
            }),
            "alarm" => json!({
                "type": "alarm",
                "properties": { "alarms": ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:a"] }
            }),
            "explorer" => json!({
                "type": "explorer",
                "properties": {
                    "metrics": [{ "metricName": "CPUUtilization", "resourceType": "AWS::EC2::Instance" }],
                    "labels": [{ "key": "State", "value": "running" }],
                    "splitBy": "AvailabilityZone"
                }
            }),
            _ => unreachable!("{kind}"),
        };
        json!({
            "widgets": [widget],
            "variables": [{ "type": "property", "property": "region", "inputType": "input", "id": "region" }]
        })
    }

    /// Sets `value` at the table path `segs` under `node`, creating objects as
    /// needed; returns the concrete path written, in [`diff`]'s notation.
    fn set_at(node: &mut Value, segs: &[&str], value: Value, mut at: String) -> String {
        let (first, rest) = segs.split_first().unwrap();
        if rest.is_empty() {
            node.as_object_mut().unwrap().insert((*first).into(), value);
            return format!("{at}.{first}");
        }
        if *first == OPTIONS {
            let row = node.as_array_mut().unwrap();
            if !row.last().unwrap().is_object() {
                row.push(json!({}));
            }
            let i = row.len() - 1;
            return set_at(&mut row[i], rest, value, format!("{at}[{i}]"));
        }
        if let Some(key) = first.strip_suffix("[]") {
            let mut item = &mut node[key][0];
            at = format!("{at}.{key}[0]");
            if rest[0] != OPTIONS && item.is_array() {
                item = &mut item[0];
                at.push_str("[0]");
            }
            return set_at(item, rest, value, at);
        }
        let obj = node.as_object_mut().unwrap();
        let child = obj.entry(*first).or_insert_with(|| json!({}));
        set_at(child, rest, value, format!("{at}.{first}"))
    }

    /// Leaf paths where `a` and `b` differ (numbers by value).
    fn diff(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
        fn leaves(v: &Value, at: &str, out: &mut Vec<String>) {
            match v {
                Value::Object(m) if !m.is_empty() => m
                    .iter()
                    .for_each(|(k, v)| leaves(v, &format!("{at}.{k}"), out)),
                Value::Array(a) if !a.is_empty() => a
                    .iter()
                    .enumerate()
                    .for_each(|(i, v)| leaves(v, &format!("{at}[{i}]"), out)),
                _ => out.push(at.to_owned()),
            }
        }
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                    let at = format!("{at}.{k}");
                    match (x.get(k), y.get(k)) {
                        (Some(p), Some(q)) => diff(p, q, &at, out),
                        (Some(v), None) | (None, Some(v)) => leaves(v, &at, out),
                        (None, None) => {}
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                for i in 0..x.len().max(y.len()) {
                    let at = format!("{at}[{i}]");
                    match (x.get(i), y.get(i)) {
                        (Some(p), Some(q)) => diff(p, q, &at, out),
                        (Some(v), None) | (None, Some(v)) => leaves(v, &at, out),
                        (None, None) => {}
                    }
                }
            }
            _ if !json_eq(a, b) => out.push(at.to_owned()),
            _ => {}
        }
    }

    /// A value that is not the default (realistic where the property is an enum).
    fn other_than(default: &Value, path: &str) -> Value {
        match default {
            Value::Bool(b) => json!(!b),
            Value::Number(n) => json!(n.as_f64().unwrap_or_default() + 60.0),
            Value::String(s) => json!(match s.as_str() {
                "bottom" => "right",
                "timeSeries" => "bar",
                "left" => "right",
                "none" if path.contains("vertical") => "after",
                "none" => "above",
                "solid" => "transparent",
                "table" => "pie",
                "default" => "stateUpdatedTimestamp",
                "Average" => "p99",
                "horizontal" => "vertical",
                "+0000" => "+0130",
                "Explorer" => "Running EC2 instances",
                other => panic!("no alternative for {other}"),
            }),
            Value::Array(a) if a.is_empty() => json!(["ALARM", "INSUFFICIENT_DATA"]),
            Value::Array(_) => json!(["MIN", "MAX"]),
            _ => panic!("no alternative for {default}"),
        }
    }

    /// Writes the default as a float where it is a number (console style).
    fn as_written(default: &Value) -> Value {
        match default.as_u64() {
            Some(n) => json!(n as f64),
            None => default.clone(),
        }
    }

    #[test]
    fn every_default_is_removed_and_every_non_default_survives() {
        let all = ["metric", "text", "log", "alarm", "explorer"];
        for d in DEFAULTS {
            let default: Value = serde_json::from_str(d.value).unwrap();
            let segs: Vec<&str> = d.path.split('.').collect();
            let kinds: Vec<&str> = match d.widget {
                "*" | "dashboard" => all.to_vec(),
                k => vec![k],
            };
            for kind in kinds {
                let expected = norm(base(kind));
                let place = |body: &mut Value, v: Value| -> String {
                    if d.widget == "dashboard" {
                        set_at(body, &segs, v, String::new())
                    } else {
                        set_at(&mut body["widgets"][0], &segs, v, "widgets[0]".into())
                    }
                };

                let mut explicit = base(kind);
                place(&mut explicit, as_written(&default));
                assert_eq!(norm(explicit), expected, "default kept: {d:?} on {kind}");

                let mut changed = base(kind);
                let other = other_than(&default, d.path);
                let at = place(&mut changed, other);
                let mut diffs = Vec::new();
                diff(&norm(changed), &expected, "", &mut diffs);
                let diffs: Vec<&str> = diffs.iter().map(|p| p.trim_start_matches('.')).collect();
                let at = at.trim_start_matches('.');
                // Exactly that property differs (an array value diffs per element).
                let under = |p: &&str| *p == at || p.starts_with(&format!("{at}["));
                assert!(
                    !diffs.is_empty() && diffs.iter().all(under),
                    "non-default lost or others changed: {d:?} on {kind}: {diffs:?}"
                );
            }
        }
    }

    // ---- console-style bodies against minimal ones -------------------------

    #[test]
    fn metric_time_series_console_body_equals_minimal() {
        let full = json!({
            "widgets": [{
                "type": "metric", "x": 0, "y": 0, "width": 6.0, "height": 6,
                "properties": {
                    "view": "timeSeries", "stacked": false, "region": REGION,
                    "stat": "Average", "period": 300.0, "timezone": "+0000",
                    "title": "EC2", "liveData": false,
                    "legend": { "position": "bottom" },
                    "yAxis": { "left": { "showUnits": true, "min": 0 }, "right": { "showUnits": true } },
                    "metrics": [
                        ["AWS/EC2", "CPUUtilization", "InstanceId", "i-1",
                            { "id": "m1", "stat": "Average", "period": 300, "region": REGION,
                              "visible": true, "yAxis": "left" }],
                        [".", ".", ".", "i-2", { "id": "m2", "period": 300.0 }],
                        [".", ".", ".", "i-3", {}],
                        [{ "expression": "m1 + m2", "id": "e1", "label": "sum",
                           "visible": true, "yAxis": "left", "region": REGION }]
                    ],
                    "annotations": {
                        "horizontal": [
                            { "value": 20, "label": "Critical", "fill": "none", "visible": true },
                            [{ "value": 200, "label": "top", "visible": true }, { "value": 95.5, "label": "bottom" }]
                        ],
                        "vertical": [{ "value": "2024-01-01T00:00:00Z", "fill": "none", "visible": true }]
                    }
                }
            }]
        });
        let minimal = json!({
            "widgets": [{
                "type": "metric", "x": 0, "y": 0,
                "properties": {
                    "title": "EC2",
                    "yAxis": { "left": { "min": 0 } },
                    "metrics": [
                        ["AWS/EC2", "CPUUtilization", "InstanceId", "i-1", { "id": "m1" }],
                        [".", ".", ".", "i-2", { "id": "m2" }],
                        [".", ".", ".", "i-3"],
                        [{ "expression": "m1 + m2", "id": "e1", "label": "sum" }]
                    ],
                    "annotations": {
                        "horizontal": [
                            { "value": 20, "label": "Critical" },
                            [{ "value": 200, "label": "top" }, { "value": 95.5, "label": "bottom" }]
                        ],
                        "vertical": [{ "value": "2024-01-01T00:00:00Z" }]
                    }
                }
            }]
        });
        assert_same(full, minimal);
    }

    #[test]
    fn metric_single_value_console_body_equals_minimal() {
        // Non-default values and `trend` (no documented default): kept as
        // written, identical on both sides.
        let undocumented = json!({
            "sparkline": true, "setPeriodToTimeRange": true,
            "singleValueFullPrecision": true, "trend": true
        });
        let mut full = json!({
            "view": "singleValue", "stacked": false, "region": REGION, "stat": "Sum",
            "period": 300.0, "title": "Requests",
            "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/x/1",
                         { "stat": "Sum", "period": 300, "visible": true }]]
        });
        let mut minimal = json!({
            "view": "singleValue", "stat": "Sum", "title": "Requests",
            "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/x/1"]]
        });
        for (k, v) in undocumented.as_object().unwrap() {
            full[k] = v.clone();
            minimal[k] = v.clone();
        }
        assert_same(
            dash(json!({ "type": "metric", "width": 6, "height": 6.0, "properties": full })),
            dash(json!({ "type": "metric", "properties": minimal })),
        );
    }

    #[test]
    fn metric_gauge_console_body_equals_minimal() {
        let full = dash(json!({
            "type": "metric", "width": 6, "height": 6,
            "properties": {
                "view": "gauge", "region": REGION, "stat": "Average", "period": 300,
                "yAxis": { "left": { "min": 0, "max": 100, "showUnits": true } },
                "legend": { "position": "bottom" },
                "metrics": [["CWAgent", "disk_used_percent", "path", "/", { "yAxis": "left" }]]
            }
        }));
        let minimal = dash(json!({
            "type": "metric",
            "properties": {
                "view": "gauge",
                "yAxis": { "left": { "min": 0, "max": 100 } },
                "metrics": [["CWAgent", "disk_used_percent", "path", "/"]]
            }
        }));
        assert_same(full, minimal);
    }

    #[test]
    fn metric_bar_and_table_views_equal_minimal() {
        let full = dash(json!({
            "type": "metric",
            "properties": {
                "view": "table", "region": REGION, "period": 300.0, "stacked": false,
                "table": { "layout": "horizontal", "stickySummary": false,
                           "showTimeSeriesData": true, "summaryColumns": ["MIN", "MAX", "SUM", "AVG"] },
                "metrics": [["AWS/Lambda", "Errors", { "stat": "Average" }]]
            }
        }));
        let minimal = dash(json!({
            "type": "metric",
            "properties": { "view": "table", "metrics": [["AWS/Lambda", "Errors"]] }
        }));
        assert_same(full, minimal);

        let full = dash(json!({
            "type": "metric",
            "properties": {
                "view": "bar", "stacked": false, "region": "eu-west-1", "stat": "Maximum",
                "setPeriodToTimeRange": true,
                "metrics": [["AWS/Lambda", "Duration", { "stat": "Maximum", "region": "eu-west-1" }]]
            }
        }));
        let minimal = dash(json!({
            "type": "metric",
            "properties": {
                "view": "bar", "region": "eu-west-1", "stat": "Maximum",
                "setPeriodToTimeRange": true, "metrics": [["AWS/Lambda", "Duration"]]
            }
        }));
        assert_same(full, minimal);
    }

    #[test]
    fn text_widget_console_body_equals_minimal() {
        assert_same(
            dash(
                json!({ "type": "text", "x": 0, "y": 7, "width": 6, "height": 6.0,
                         "properties": { "markdown": "Hello", "background": "solid" } }),
            ),
            dash(json!({ "type": "text", "x": 0, "y": 7, "properties": { "markdown": "Hello" } })),
        );
    }

    #[test]
    fn log_widget_console_body_equals_minimal() {
        let query = "SOURCE 'app' | filter @message like /ERROR/";
        assert_same(
            dash(json!({ "type": "log", "width": 6, "height": 6,
                         "properties": { "region": REGION, "query": query, "view": "table", "title": "Errors" } })),
            // A log widget's region is required and has no default: kept.
            dash(json!({ "type": "log",
                         "properties": { "region": REGION, "query": query, "title": "Errors" } })),
        );
    }

    #[test]
    fn alarm_widget_console_body_equals_minimal() {
        let arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:cpu";
        assert_same(
            dash(json!({ "type": "alarm", "width": 6.0, "height": 6,
                         "properties": { "alarms": [arn], "sortBy": "default", "states": [], "title": "All" } })),
            dash(json!({ "type": "alarm", "properties": { "alarms": [arn], "title": "All" } })),
        );
    }

    #[test]
    fn explorer_widget_console_body_equals_minimal() {
        let labels = json!([{ "key": "State", "value": "running" }]);
        assert_same(
            dash(json!({
                "type": "explorer", "width": 6, "height": 6,
                "properties": {
                    "metrics": [{ "metricName": "CPUUtilization", "resourceType": "AWS::EC2::Instance", "stat": "Average" },
                                { "metricName": "NetworkIn", "resourceType": "AWS::EC2::Instance", "stat": "Sum" }],
                    "labels": labels, "period": 300.0, "title": "Explorer",
                    "widgetOptions": { "view": "timeSeries" }
                }
            })),
            dash(json!({
                "type": "explorer",
                "properties": {
                    "metrics": [{ "metricName": "CPUUtilization", "resourceType": "AWS::EC2::Instance" },
                                { "metricName": "NetworkIn", "resourceType": "AWS::EC2::Instance", "stat": "Sum" }],
                    "labels": labels
                }
            })),
        );
    }

    #[test]
    fn dashboard_level_defaults() {
        let var =
            json!({ "type": "property", "property": "region", "inputType": "input", "id": "r" });
        let mut explicit = var.clone();
        explicit["visible"] = json!(true);
        // periodOverride has no documented default: kept either way.
        assert_same(
            json!({ "periodOverride": "auto", "widgets": [], "variables": [explicit] }),
            json!({ "periodOverride": "auto", "widgets": [], "variables": [var] }),
        );
    }

    // ---- inheritance ---------------------------------------------------------

    fn metric(props: Value) -> Value {
        dash(json!({ "type": "metric", "properties": props }))
    }

    #[test]
    fn row_stat_compares_against_effective_widget_stat() {
        // Widget "Average" is removed, yet rows still compare against "Average".
        assert_same(
            metric(
                json!({ "stat": "Average", "metrics": [["N", "M", { "stat": "Average" }], ["N", "X", { "stat": "Sum" }]] }),
            ),
            metric(json!({ "metrics": [["N", "M"], ["N", "X", { "stat": "Sum" }]] })),
        );
        // A row equal to a non-default widget stat goes; a row "Average" under it stays.
        assert_same(
            metric(
                json!({ "stat": "Sum", "metrics": [["N", "M", { "stat": "Sum" }], ["N", "X", { "stat": "Average" }]] }),
            ),
            metric(
                json!({ "stat": "Sum", "metrics": [["N", "M"], ["N", "X", { "stat": "Average" }]] }),
            ),
        );
    }

    #[test]
    fn row_period_inherits_and_numbers_compare_by_value() {
        assert_same(
            metric(
                json!({ "period": 60.0, "metrics": [["N", "M", { "period": 60 }], ["N", "X", { "period": 300 }]] }),
            ),
            metric(
                json!({ "period": 60.0, "metrics": [["N", "M"], ["N", "X", { "period": 300 }]] }),
            ),
        );
        assert_same(
            metric(
                json!({ "metrics": [["N", "M", { "period": 300.0 }], ["N", "X", { "period": 3600 }]] }),
            ),
            metric(json!({ "metrics": [["N", "M"], ["N", "X", { "period": 3600 }]] })),
        );
    }

    #[test]
    fn region_inherits_from_widget_then_environment() {
        // Widget region equal to the environment's: removed, rows compare against it.
        assert_same(
            metric(
                json!({ "region": REGION, "metrics": [["N", "M", { "region": REGION }], ["N", "X", { "region": "eu-west-1" }]] }),
            ),
            metric(json!({ "metrics": [["N", "M"], ["N", "X", { "region": "eu-west-1" }]] })),
        );
        // Another widget region: kept; a row equal to it goes, a row naming the
        // environment's region stays.
        assert_same(
            metric(
                json!({ "region": "eu-west-1", "metrics": [["N", "M", { "region": "eu-west-1" }], ["N", "X", { "region": REGION }]] }),
            ),
            metric(
                json!({ "region": "eu-west-1", "metrics": [["N", "M"], ["N", "X", { "region": REGION }]] }),
            ),
        );
    }

    #[test]
    fn row_tokens_are_untouched_and_empty_trailing_options_go() {
        let rows = json!([
            ["AWS/EC2", "CPUUtilization", "InstanceId", "i-1", {}],
            [".", ".", ".", "..."],
            ["...", "i-2", {}],
            [{ "expression": "SEARCH('{AWS/EC2,InstanceId}', 'Average', 300)", "id": "e1", "visible": true }],
            [{}]
        ]);
        let out = norm(metric(json!({ "metrics": rows })));
        assert_eq!(
            out["widgets"][0]["properties"]["metrics"],
            json!([
                ["AWS/EC2", "CPUUtilization", "InstanceId", "i-1"],
                [".", ".", ".", "..."],
                ["...", "i-2"],
                [{ "expression": "SEARCH('{AWS/EC2,InstanceId}', 'Average', 300)", "id": "e1" }],
                [{}]
            ])
        );
    }

    #[test]
    fn undocumented_properties_are_kept() {
        let props = json!({
            "liveData": true, "sparkline": true, "setPeriodToTimeRange": true,
            "singleValueFullPrecision": true, "trend": true, "accountId": "123456789012",
            "legend": { "position": "right" }, "yAxis": { "left": { "showUnits": false, "label": "%" } },
            "unknownThing": { "showUnits": true },
            "annotations": { "horizontal": [{ "value": 1, "yAxis": "left", "fill": "above" }] },
            "metrics": [["N", "M", { "label": "l", "color": "#ff0000", "accountId": "1", "custom": true }]]
        });
        let out = norm(metric(props.clone()));
        assert_eq!(out["widgets"][0]["properties"], props);
        let top =
            json!({ "start": "-PT3H", "periodOverride": "inherit", "widgets": [], "other": 1 });
        assert_eq!(norm(top.clone()), top);
    }

    #[test]
    fn band_annotations_only_first_object_carries_defaults() {
        let band = json!([[{ "value": 1, "visible": true, "fill": "none", "color": "#aaa" },
                           { "value": 2, "visible": true }]]);
        let out = norm(metric(
            json!({ "annotations": { "horizontal": band, "vertical": [] } }),
        ));
        assert_eq!(
            out["widgets"][0]["properties"]["annotations"],
            json!({ "horizontal": [[{ "value": 1, "color": "#aaa" }, { "value": 2, "visible": true }]],
                    "vertical": [] })
        );
    }

    // ---- idempotence, order, robustness -------------------------------------

    #[test]
    fn idempotent_and_order_independent() {
        let a: Value = serde_json::from_str(
            r#"{"widgets":[{"type":"metric","properties":{"stat":"Average","period":300,"region":"us-east-1",
               "metrics":[["N","M",{"stat":"Average","period":300.0,"region":"us-east-1","visible":true}]]}}]}"#,
        )
        .unwrap();
        let b: Value = serde_json::from_str(
            r#"{"widgets":[{"properties":{"metrics":[["N","M",{"visible":true,"region":"us-east-1","period":300,"stat":"Average"}]],
               "region":"us-east-1","period":300.0,"stat":"Average"},"type":"metric"}]}"#,
        )
        .unwrap();
        let once = norm(a);
        assert_eq!(once, norm(b));
        assert_eq!(norm(once.clone()), once);
        // Several trailing objects still converge in one call.
        let odd = metric(
            json!({ "metrics": [["N", "M", { "stat": "Average" }, { "visible": true }, {}]] }),
        );
        let once = norm(odd);
        assert_eq!(
            once["widgets"][0]["properties"]["metrics"],
            json!([["N", "M"]])
        );
        assert_eq!(norm(once.clone()), once);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let odd = [
            json!(null),
            json!(42),
            json!("widgets"),
            json!([1, 2, 3]),
            json!({ "widgets": "none", "variables": 3 }),
            json!({ "widgets": [null, 1, "x", [], {}], "variables": [null, [], [1], { "visible": true }] }),
            json!({ "widgets": [{ "type": 7, "width": "6", "properties": [] }] }),
            json!({ "widgets": [{ "type": "metric", "properties": "p" }] }),
            json!({ "widgets": [{ "type": "metric", "properties": { "metrics": {}, "legend": "bottom",
                     "yAxis": { "left": 1, "right": [] }, "annotations": { "horizontal": [[], [1], "x", null],
                     "vertical": {} }, "table": [] } }] }),
            json!({ "widgets": [{ "type": "metric", "properties": { "stat": null, "period": "300",
                     "region": 1, "metrics": [[], [{}], [[], {}], "row", [1, { "period": 1e300 }], [{ "stat": null }]] } }] }),
            json!({ "widgets": [{ "type": "explorer", "properties": { "metrics": [1, [], { "stat": "Average" }],
                     "widgetOptions": [] } }] }),
            json!({ "widgets": [{ "type": "metric", "properties": { "period": u64::MAX,
                     "metrics": [["N", "M", { "period": -1, "stat": "Average" }]] } }] }),
        ];
        for body in odd {
            let once = norm(body);
            assert_eq!(norm(once.clone()), once);
        }
    }

    /// Deterministic pseudo-random JSON over the vocabulary the normalizer reads.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }

        fn value(&mut self, depth: u32) -> Value {
            const KEYS: &[&str] = &[
                "widgets",
                "type",
                "properties",
                "metrics",
                "stat",
                "period",
                "region",
                "visible",
                "yAxis",
                "left",
                "right",
                "showUnits",
                "legend",
                "position",
                "annotations",
                "horizontal",
                "vertical",
                "fill",
                "table",
                "layout",
                "summaryColumns",
                "variables",
                "widgetOptions",
                "view",
                "width",
                "height",
                "sortBy",
                "states",
                "options",
            ];
            const STRS: &[&str] = &[
                "metric",
                "text",
                "log",
                "alarm",
                "explorer",
                "Average",
                "Sum",
                "us-east-1",
                "eu-west-1",
                "left",
                "none",
                "bottom",
                "timeSeries",
                "solid",
                "table",
                "default",
                ".",
            ];
            let pick = if depth == 0 {
                self.next(6)
            } else {
                self.next(9)
            };
            match pick {
                0 => Value::Null,
                1 => json!(self.next(2) == 1),
                2 => json!([300, 6, 60, -1, 0][self.next(5) as usize]),
                3 => json!([300.0, 6.0, 1e300, -0.0][self.next(4) as usize]),
                4 | 5 => json!(STRS[self.next(STRS.len() as u64) as usize]),
                6 | 7 => {
                    let n = self.next(5);
                    let mut m = Map::new();
                    for _ in 0..n {
                        let k = KEYS[self.next(KEYS.len() as u64) as usize];
                        m.insert(k.into(), self.value(depth - 1));
                    }
                    Value::Object(m)
                }
                _ => Value::Array((0..self.next(5)).map(|_| self.value(depth - 1)).collect()),
            }
        }
    }

    #[test]
    fn random_inputs_never_panic_and_are_idempotent() {
        let mut g = Gen(0x5eed);
        for _ in 0..3000 {
            let mut widgets = Vec::new();
            for _ in 0..g.next(4) {
                let kind = ["metric", "text", "log", "alarm", "explorer"][g.next(5) as usize];
                let mut w = g.value(5);
                if let Some(obj) = w.as_object_mut() {
                    obj.insert("type".into(), json!(kind));
                }
                widgets.push(w);
            }
            let body = json!({ "widgets": widgets, "variables": g.value(3) });
            let once = norm(body);
            assert_eq!(norm(once.clone()), once);
            let _ = norm(g.value(6));
        }
    }
}
