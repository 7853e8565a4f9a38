//! Structural JSON diff: the changed leaves of two canonical JSON values, by
//! path (`Threshold`, `Metrics[1].MetricStat.Period`,
//! `widgets[3].properties.title`). Dashboard bodies are compared this way,
//! never as one opaque string.

#![expect(
    clippy::wildcard_enum_match_arm,
    reason = "matches on serde_json::Value, a closed data model"
)]

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One changed field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Path of the field.
    pub path: String,
    /// Live value (absent when added).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// Desired value (absent when removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// The changed leaves between `before` and `after`.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    walk(String::new(), Some(before), Some(after), &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

const LAYOUT: [&str; 4] = ["x", "y", "width", "height"];

/// Every leaf of a value as `path=value` strings (layout fields left out):
/// the material of [`similarity`].
fn leaves(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if path.is_empty() && LAYOUT.contains(&k.as_str()) {
                    continue;
                }
                leaves(v, &format!("{path}.{k}"), out);
            }
        }
        Value::Array(items) => {
            for item in items {
                // Position-free, so a removed row does not change the rest.
                leaves(item, &format!("{path}[]"), out);
            }
        }
        other => out.push(format!("{path}={other}")),
    }
}

/// How alike two list elements are, 0 to 1: elements of different `type`
/// never pair; equal ids (`Id`, `id`) or titles, labels, markdown or query
/// texts weigh most; the rest is the share of leaves in common.
fn similarity(a: &Value, b: &Value) -> f64 {
    let field = |v: &Value, k: &str| {
        v.get(k)
            .cloned()
            .or_else(|| v.pointer(&format!("/properties/{k}")).cloned())
    };
    if field(a, "type") != field(b, "type") {
        return 0.0;
    }
    for id in ["Id", "id"] {
        if let (Some(x), Some(y)) = (a.get(id), b.get(id)) {
            return if x == y { 1.0 } else { 0.0 };
        }
    }
    // Texts (a text widget's Markdown, a log widget's query) are alike by
    // their lines: a table losing one row is the same widget, changed.
    for k in ["markdown", "query"] {
        if let (Some(Value::String(x)), Some(Value::String(y))) = (field(a, k), field(b, k)) {
            let lx: std::collections::BTreeSet<&str> = x.lines().collect();
            let ly: std::collections::BTreeSet<&str> = y.lines().collect();
            let union = lx.union(&ly).count().max(1);
            return lx.intersection(&ly).count() as f64 / union as f64;
        }
    }
    let mut bonus = 0.0;
    for k in ["title", "label"] {
        if let (Some(x), Some(y)) = (field(a, k), field(b, k)) {
            bonus += if x == y { 0.5 } else { -0.25 };
        }
    }
    let (mut la, mut lb) = (Vec::new(), Vec::new());
    leaves(a, "", &mut la);
    leaves(b, "", &mut lb);
    let sa: std::collections::BTreeSet<&String> = la.iter().collect();
    let sb: std::collections::BTreeSet<&String> = lb.iter().collect();
    let union = sa.union(&sb).count().max(1);
    let common = sa.intersection(&sb).count();
    (common as f64 / union as f64 + bonus).clamp(0.0, 1.0)
}

/// Least similarity for two elements to be "the same one, changed".
const PAIR_AT: f64 = 0.3;

/// Diffs two lists of objects (dashboard widgets, annotations, alarm
/// `Metrics`) by identity, not position: equal elements pair first, then
/// the most similar pairs (same type; same id, title or label weigh most),
/// greedily; what stays unpaired is one whole insertion or removal. Layout
/// changes of paired elements (`x`, `y`, `width`, `height`) are summed up
/// in one line, not listed per element.
fn align_objects(path: &str, a: &[Value], b: &[Value], out: &mut Vec<FieldChange>) {
    let content = |v: &Value| match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !LAYOUT.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    };
    let (ca, cb): (Vec<Value>, Vec<Value>) = (
        a.iter().map(content).collect(),
        b.iter().map(content).collect(),
    );
    let mut pair_of_new: Vec<Option<usize>> = vec![None; b.len()];
    let mut taken = vec![false; a.len()];
    // Equal content first, nearest position first.
    for (j, nb) in cb.iter().enumerate() {
        let best = (0..a.len())
            .filter(|&i| !taken[i] && ca[i] == *nb)
            .min_by_key(|&i| i.abs_diff(j));
        if let Some(i) = best {
            taken[i] = true;
            pair_of_new[j] = Some(i);
        }
    }
    // Then by similarity, greedily (bounded: huge lists pair by equality only).
    if a.len().saturating_mul(b.len()) <= 250_000 {
        let mut candidates = Vec::new();
        for (j, nb) in cb
            .iter()
            .enumerate()
            .filter(|(j, _)| pair_of_new[*j].is_none())
        {
            for (i, na) in ca.iter().enumerate().filter(|(i, _)| !taken[*i]) {
                let s = similarity(na, nb);
                if s >= PAIR_AT {
                    candidates.push((s, i, j));
                }
            }
        }
        candidates.sort_by(|x, y| {
            y.0.total_cmp(&x.0)
                .then(x.1.abs_diff(x.2).cmp(&y.1.abs_diff(y.2)))
        });
        for (_, i, j) in candidates {
            if !taken[i] && pair_of_new[j].is_none() {
                taken[i] = true;
                pair_of_new[j] = Some(i);
            }
        }
    }
    let mut moved = 0;
    for (i, _) in a.iter().enumerate().filter(|(i, _)| !taken[*i]) {
        out.push(FieldChange {
            path: format!("{path}[{i}]"),
            before: Some(a[i].clone()),
            after: None,
        });
    }
    for (j, after) in b.iter().enumerate() {
        match pair_of_new[j] {
            None => out.push(FieldChange {
                path: format!("{path}[{j}]"),
                before: None,
                after: Some(after.clone()),
            }),
            Some(i) => {
                let layout_changed = LAYOUT.iter().any(|k| a[i].get(k) != after.get(k));
                moved += usize::from(layout_changed);
                walk(format!("{path}[{j}]"), Some(&ca[i]), Some(&cb[j]), out);
            }
        }
    }
    if moved > 0 {
        out.push(FieldChange {
            path: format!("{path} (layout)"),
            before: None,
            after: Some(Value::String(format!("{moved} moved or resized"))),
        });
    }
}

/// The identity of a metric row: its tokens (namespace, name, dimensions),
/// with the stat of its options; or an expression's id.
fn row_key(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let options = items.iter().find(|i| i.is_object());
            let tokens: Vec<&Value> = items.iter().filter(|i| !i.is_object()).collect();
            let extra = options
                .map(|o| {
                    let pick = |k: &str| o.get(k).map(Value::to_string).unwrap_or_default();
                    format!("{}|{}|{}", pick("stat"), pick("id"), pick("expression"))
                })
                .unwrap_or_default();
            format!(
                "{}#{extra}",
                serde_json::to_string(&tokens).unwrap_or_default()
            )
        }
        other => other.to_string(),
    }
}

/// Diffs two lists of rows or scalars (metric rows, alarm names) by
/// identity with `similar`: a removed row is one removal, not a shift of
/// every row after it; rows with the same identity are compared field by
/// field.
fn align_rows(path: &str, a: &[Value], b: &[Value], out: &mut Vec<FieldChange>) {
    use similar::DiffOp;
    let old: Vec<String> = a.iter().map(row_key).collect();
    let new: Vec<String> = b.iter().map(row_key).collect();
    let removed = |from: usize, len: usize, out: &mut Vec<FieldChange>| {
        for (i, v) in a.iter().enumerate().skip(from).take(len) {
            out.push(FieldChange {
                path: format!("{path}[{i}]"),
                before: Some(v.clone()),
                after: None,
            });
        }
    };
    let added = |from: usize, len: usize, out: &mut Vec<FieldChange>| {
        for (j, v) in b.iter().enumerate().skip(from).take(len) {
            out.push(FieldChange {
                path: format!("{path}[{j}]"),
                before: None,
                after: Some(v.clone()),
            });
        }
    };
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for k in 0..len {
                    walk_positional(
                        format!("{path}[{}]", new_index + k),
                        Some(&a[old_index + k]),
                        Some(&b[new_index + k]),
                        out,
                    );
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => removed(old_index, old_len, out),
            DiffOp::Insert {
                new_index, new_len, ..
            } => added(new_index, new_len, out),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                removed(old_index, old_len, out);
                added(new_index, new_len, out);
            }
        }
    }
}

/// Element-wise walk of two rows with the same identity.
fn walk_positional(
    path: String,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<FieldChange>,
) {
    match (before, after) {
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                walk(format!("{path}[{i}]"), a.get(i), b.get(i), out);
            }
        }
        _ => walk(path, before, after, out),
    }
}

fn walk(path: String, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                walk(join(&path, k), a.get(k), b.get(k), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) if a == b => {}
        (Some(Value::Array(a)), Some(Value::Array(b)))
            if a.iter().chain(b).all(Value::is_object) =>
        {
            align_objects(&path, a, b, out);
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            align_rows(&path, a, b, out);
        }
        (a, b) if a == b => {}
        (a, b) => out.push(FieldChange {
            path,
            before: a.cloned(),
            after: b.cloned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_changed_leaves() {
        let w = |title: &str| json!({"type": "metric", "properties": {"title": title, "stat": "Sum", "period": 300, "metrics": [["N", "A"], ["N", "B"]]}});
        let a = json!({"Threshold": 80, "Tags": [{"Key": "a", "Value": "1"}], "widgets": [w("A")]});
        let b = json!({"Threshold": 90, "Tags": [{"Key": "a", "Value": "1"}], "widgets": [w("B"), {"type": "text", "properties": {"markdown": "x"}}]});
        let d = diff(&a, &b);
        let paths: Vec<&str> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            vec!["Threshold", "widgets[0].properties.title", "widgets[1]"]
        );
        assert_eq!(d[1].before, Some(json!("A")));
        assert_eq!(d[2].before, None);
    }

    #[test]
    fn an_inserted_widget_is_one_insertion_plus_one_layout_line() {
        let w = |t: &str, y: i64| json!({"type": "text", "y": y, "properties": {"markdown": t}});
        let a = json!({"widgets": [w("a", 0), w("b", 3)]});
        let b = json!({"widgets": [w("new", 0), w("a", 3), w("b", 6)]});
        let d = diff(&a, &b);
        let paths: Vec<&str> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, vec!["widgets[0]", "widgets (layout)"]);
        assert_eq!(d[0].before, None);
        assert_eq!(d[1].after, Some(json!("2 moved or resized")));
    }

    #[test]
    fn a_removed_header_and_a_removed_metric_are_two_changes() {
        let header = json!({"type": "text", "x": 0, "y": 0, "properties": {"markdown": "# API performance"}});
        let metric = |rows: Value, y: i64| json!({"type": "metric", "x": 0, "y": y, "properties": {"title": "Latency p95", "stat": "p95", "metrics": rows}});
        let rows = json!([
            ["S", "RequestLatency", "service", "auth"],
            ["S", "RequestLatency", "service", "catalog"],
            ["S", "RequestLatency", "service", "proxy"]
        ]);
        let fewer = json!([
            ["S", "RequestLatency", "service", "auth"],
            ["S", "RequestLatency", "service", "proxy"]
        ]);
        let live = json!({"widgets": [header, metric(fewer, 2)]});
        let desired = json!({"widgets": [metric(rows, 0)]});
        let d = diff(&live, &desired);
        let paths: Vec<&str> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "widgets[0]",
                "widgets[0].properties.metrics[1]",
                "widgets (layout)"
            ],
            "{d:?}"
        );
        assert_eq!(d[0].after, None, "the header is removed");
        assert_eq!(d[1].before, None, "the catalog row is added back");
    }

    #[test]
    fn a_removed_list_element_is_one_removal_not_a_shift() {
        let names = |n: &[&str]| json!({"alarms": n});
        let d = diff(&names(&["a", "b", "c", "d"]), &names(&["a", "c", "d"]));
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "alarms[1]");
    }

    #[test]
    fn equal_values_have_no_changes() {
        let a = json!({"x": [1, 2, {"y": null}]});
        assert!(diff(&a, &a.clone()).is_empty());
    }
}
