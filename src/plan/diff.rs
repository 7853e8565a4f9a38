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

fn walk(path: String, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                walk(join(&path, k), a.get(k), b.get(k), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b)))
            if !path.is_empty()
                || a.len() == b.len()
                || a.iter().chain(b).all(Value::is_object) =>
        {
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
    fn equal_values_have_no_changes() {
        let a = json!({"x": [1, 2, {"y": null}]});
        assert!(diff(&a, &a.clone()).is_empty());
    }
}
