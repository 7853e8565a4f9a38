//! The canonical JSON form shared by desired and live state: object keys
//! sorted, integral floats written as
//! integers (`80.0` → `80`), and pretty output with a trailing newline, so
//! files are byte-identical across runs and machines.

#![expect(
    clippy::wildcard_enum_match_arm,
    reason = "matches on serde_json::Value, a closed data model"
)]

use serde_json::{Number, Value};

/// Sorts object keys and normalizes numbers, recursively.
/// A JSON document held in a string attribute (an SNS filter, redrive,
/// access or delivery policy) in canonical form: keys sorted, compact, so
/// the catalogue's and AWS's spellings compare equal. Not JSON: as is.
pub fn json_attribute(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => canonical(v).to_string(),
        Err(_) => text.to_string(),
    }
}

pub fn canonical(mut value: Value) -> Value {
    canonicalize(&mut value);
    value
}

/// [`canonical`] in place (nothing is rebuilt: render calls it on every
/// resource).
fn canonicalize(value: &mut Value) {
    match value {
        Value::Number(n) => *n = normalize_number(n.clone()),
        Value::Array(items) => items.iter_mut().for_each(canonicalize),
        Value::Object(map) => {
            // Sort explicitly: serde_json's `preserve_order` feature may be on
            // (AWS SDK test utilities enable it), and then maps keep insertion
            // order; without it maps are always sorted and this does nothing.
            map.sort_keys();
            map.values_mut().for_each(canonicalize);
        }
        _ => {}
    }
}

fn normalize_number(n: Number) -> Number {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Number::from(f as i64),
        _ => n,
    }
}

/// Pretty JSON with two-space indent and a trailing newline.
pub fn to_pretty(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

/// FNV-1a, 64 bit: a stable hash for fingerprints and short tags (the
/// standard library's hashers may change between Rust versions).
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Feeds `text` followed by a separator, so ("ab", "c") ≠ ("a", "bc").
    pub fn feed(&mut self, text: &str) {
        for b in text.bytes().chain(std::iter::once(0)) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The hash so far.
    pub fn finish(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integral_floats_become_integers() {
        assert_eq!(
            canonical(json!({"b": 80.0, "a": [0.5, 1.0]})),
            json!({"a": [0.5, 1], "b": 80})
        );
    }

    #[test]
    fn keys_are_sorted_in_output() {
        let v: Value = serde_json::from_str(r#"{"z":1,"a":2}"#).unwrap();
        assert_eq!(to_pretty(&canonical(v)), "{\n  \"a\": 2,\n  \"z\": 1\n}\n");
    }
}

/// Expands the `"."` and `"..."` shorthand in the `metrics` arrays of a
/// dashboard body's metric widgets, so bodies written either way compare equal.
pub fn expand_dashboard_shorthand(body: &mut Value) {
    let Some(widgets) = body.get_mut("widgets").and_then(Value::as_array_mut) else {
        return;
    };
    for widget in widgets {
        let Some(rows) = widget
            .pointer_mut("/properties/metrics")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        let mut previous: Vec<Value> = Vec::new();
        for row in rows.iter_mut() {
            let Some(items) = row.as_array_mut() else {
                continue;
            };
            let (tokens, options): (Vec<Value>, Vec<Value>) =
                items.drain(..).partition(|v| !v.is_object());
            if tokens.is_empty() {
                items.extend(options);
                continue;
            }
            let expanded: Vec<Value> = if tokens[0] == "..." {
                let rest = &tokens[1..];
                let keep = previous.len().saturating_sub(rest.len());
                previous[..keep]
                    .iter()
                    .cloned()
                    .chain(rest.iter().cloned())
                    .collect()
            } else {
                tokens
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        if t == "." {
                            previous.get(i).cloned().unwrap_or_else(|| t.clone())
                        } else {
                            t.clone()
                        }
                    })
                    .collect()
            };
            previous = expanded.clone();
            items.extend(expanded);
            items.extend(options);
        }
    }
}

#[cfg(test)]
mod shorthand_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expands_dot_and_ellipsis() {
        let mut body = json!({"widgets": [{"type": "metric", "properties": {"metrics": [
            ["AWS/ECS", "CPUUtilization", "ServiceName", "a", {"label": "A"}],
            [".", ".", ".", "b"],
            ["...", "c"]
        ]}}]});
        expand_dashboard_shorthand(&mut body);
        assert_eq!(
            body["widgets"][0]["properties"]["metrics"],
            json!([
                ["AWS/ECS", "CPUUtilization", "ServiceName", "a", {"label": "A"}],
                ["AWS/ECS", "CPUUtilization", "ServiceName", "b"],
                ["AWS/ECS", "CPUUtilization", "ServiceName", "c"]
            ])
        );
    }
}
