//! YAML text for the imported catalogue, pure: a JSON value written as
//! block YAML (keys in the value's order, which is sorted), with comments
//! placed before the keys they explain. Strings that could be read as
//! something else (numbers, booleans, text with `:` or `#`, placeholders)
//! are written as JSON strings, which YAML reads as double-quoted scalars.

use serde_json::Value;
use std::collections::BTreeMap;

/// Comments by JSON pointer of the key they precede (`/alarms/high-cpu`);
/// each entry is one or more lines, written as `# line`.
pub type Comments = BTreeMap<String, Vec<String>>;

/// The YAML text of `value` (an object), with `header` lines as comments
/// at the top.
pub fn yaml(value: &Value, header: &[String], comments: &Comments) -> String {
    let mut out = String::new();
    for line in header {
        push_comment(&mut out, 0, line);
    }
    if let Value::Object(map) = value {
        object(&mut out, map, 0, "", comments);
    }
    out
}

fn push_comment(out: &mut String, indent: usize, line: &str) {
    for part in line.lines() {
        out.push_str(&" ".repeat(indent));
        out.push_str("# ");
        out.push_str(part);
        out.push('\n');
    }
}

fn object(
    out: &mut String,
    map: &serde_json::Map<String, Value>,
    indent: usize,
    pointer: &str,
    comments: &Comments,
) {
    for (key, v) in map {
        let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        if let Some(lines) = comments.get(&here) {
            for l in lines {
                push_comment(out, indent, l);
            }
        }
        out.push_str(&" ".repeat(indent));
        out.push_str(&scalar_text(key));
        out.push(':');
        entry(out, v, indent, &here, comments);
    }
}

/// Writes the value of a key whose `key:` is already written.
fn entry(out: &mut String, v: &Value, indent: usize, pointer: &str, comments: &Comments) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            object(out, m, indent + 2, pointer, comments);
        }
        Value::Array(a) if !a.is_empty() && a.iter().all(is_scalar) && inline_fits(a) => {
            out.push(' ');
            out.push_str(&inline_list(a));
            out.push('\n');
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            list(out, a, indent + 2, pointer, comments);
        }
        other @ (Value::Null
        | Value::Bool(_)
        | Value::Number(_)
        | Value::String(_)
        | Value::Array(_)
        | Value::Object(_)) => {
            out.push(' ');
            out.push_str(&value_text(other));
            out.push('\n');
        }
    }
}

fn list(out: &mut String, items: &[Value], indent: usize, pointer: &str, comments: &Comments) {
    for (i, item) in items.iter().enumerate() {
        let here = format!("{pointer}/{i}");
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key on the dash's line, the others below it.
                let mut first = true;
                for (key, v) in m {
                    let at = format!("{here}/{}", key.replace('~', "~0").replace('/', "~1"));
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        out.push_str(&" ".repeat(indent + 2));
                    }
                    out.push_str(&scalar_text(key));
                    out.push(':');
                    entry(out, v, indent + 2, &at, comments);
                }
            }
            Value::Array(a) if !a.is_empty() => {
                out.push(' ');
                out.push_str(&inline_list(a));
                out.push('\n');
            }
            other @ (Value::Null
            | Value::Bool(_)
            | Value::Number(_)
            | Value::String(_)
            | Value::Array(_)
            | Value::Object(_)) => {
                out.push(' ');
                out.push_str(&value_text(other));
                out.push('\n');
            }
        }
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(_) | Value::Array(_))
}

fn inline_fits(a: &[Value]) -> bool {
    inline_list(a).len() <= 100
}

fn inline_list(a: &[Value]) -> String {
    // A flow sequence: plain scalars must not hold `,` `[` `]` `{` `}`.
    let items: Vec<String> = a
        .iter()
        .map(|v| match v {
            Value::String(s) if s.contains([',', '[', ']', '{', '}']) => json_string(s),
            Value::Array(_) | Value::Object(_) => {
                serde_json::to_string(v).unwrap_or_else(|_| "null".into())
            }
            other @ (Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)) => {
                value_text(other)
            }
        })
        .collect();
    format!("[{}]", items.join(", "))
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => scalar_text(s),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other @ (Value::Null | Value::Bool(_) | Value::Number(_)) => other.to_string(),
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A string as a YAML scalar: plain when nothing else could be read from
/// it, else double-quoted (JSON escaping, which YAML reads the same).
pub fn scalar_text(s: &str) -> String {
    if plain_ok(s) {
        s.to_string()
    } else {
        json_string(s)
    }
}

fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || first == '/' || first == '_') {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '@' | '+'))
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let reserved = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", ".inf", ".nan",
    ];
    if reserved.contains(&lower.as_str()) {
        return false;
    }
    // Anything a number parser could take (1, 1.5, 1e3, 0x1F, 0o7, 1_000).
    let numeric = first.is_ascii_digit() || first == '.';
    !(numeric
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() || "._xXoOeE+-".contains(c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ambiguous_strings_are_quoted_and_the_text_reads_back() {
        let v = json!({
            "a": "plain-text",
            "b": "yes",
            "c": "12",
            "d": "has: colon # and hash",
            "e": "{{ service }}",
            "f": ["x", "y,z"],
            "g": [{"k": 1, "l": {"m": "n"}}, "s"],
            "h": {},
            "i": "two\nlines",
            "j": 2.5,
            "k": "1e3",
        });
        let mut comments = Comments::new();
        comments.insert("/g".into(), vec!["why".into()]);
        let text = yaml(&v, &["header".into()], &comments);
        assert!(text.starts_with("# header\n"), "{text}");
        assert!(text.contains("# why\ng:"), "{text}");
        let back: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back, v, "{text}");
    }
}
