//! Structural JSON diff: the changed leaves of two canonical JSON values, by
//! path (`Threshold`, `Metrics[1].MetricStat.Period`,
//! `widgets[3].properties.title`). Dashboard bodies are compared this way,
//! never as one opaque string.

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

/// The identity of a list element for alignment: its content without the
/// layout fields, so a widget inserted above others is one insertion, not a
/// change to every widget below it.
fn align_key(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let content: serde_json::Map<String, Value> = m
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "x" | "y" | "width" | "height"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Value::Object(content).to_string()
        }
        other => other.to_string(),
    }
}

/// Diffs two lists of objects (dashboard widgets, alarm metrics) by aligning
/// them with `similar`: matched elements are compared field by field,
/// unmatched ones are whole insertions or removals.
fn align(path: &str, a: &[Value], b: &[Value], out: &mut Vec<FieldChange>) {
    use similar::DiffOp;
    let old: Vec<String> = a.iter().map(align_key).collect();
    let new: Vec<String> = b.iter().map(align_key).collect();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
        let (old_index, old_len, new_index, new_len) = match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => (old_index, len, new_index, len),
            DiffOp::Delete {
                old_index,
                old_len,
                new_index,
            } => (old_index, old_len, new_index, 0),
            DiffOp::Insert {
                old_index,
                new_index,
                new_len,
            } => (old_index, 0, new_index, new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (old_index, old_len, new_index, new_len),
        };
        for i in 0..old_len.max(new_len) {
            let (before, after) = (
                a.get(old_index + i).filter(|_| i < old_len),
                b.get(new_index + i).filter(|_| i < new_len),
            );
            let index = if after.is_some() {
                new_index + i
            } else {
                old_index + i
            };
            walk(format!("{path}[{index}]"), before, after, out);
        }
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
        (Some(Value::Array(a)), Some(Value::Array(b)))
            if a.iter().chain(b).all(Value::is_object) =>
        {
            align(&path, a, b, out);
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                walk(format!("{path}[{i}]"), a.get(i), b.get(i), out);
            }
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
        let a = json!({"Threshold": 80, "Tags": [{"Key": "a", "Value": "1"}], "widgets": [{"properties": {"title": "A"}}]});
        let b = json!({"Threshold": 90, "Tags": [{"Key": "a", "Value": "1"}], "widgets": [{"properties": {"title": "B"}}, {"type": "text"}]});
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
    fn an_inserted_widget_is_one_insertion_plus_layout_moves() {
        let w = |t: &str, y: i64| json!({"type": "text", "y": y, "properties": {"markdown": t}});
        let a = json!({"widgets": [w("a", 0), w("b", 3)]});
        let b = json!({"widgets": [w("new", 0), w("a", 3), w("b", 6)]});
        let d = diff(&a, &b);
        let paths: Vec<&str> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, vec!["widgets[0]", "widgets[1].y", "widgets[2].y"]);
        assert_eq!(d[0].before, None);
    }

    #[test]
    fn equal_values_have_no_changes() {
        let a = json!({"x": [1, 2, {"y": null}]});
        assert!(diff(&a, &a.clone()).is_empty());
    }
}
