//! Naming the undefined value of a templated string: minijinja's strict
//! mode fails with "undefined value" without saying which, so each dotted
//! name inside `{{ … }}` is probed. Used for catalogue strings (alarm
//! descriptions, names) and test strings alike.

use std::collections::BTreeSet;

/// Whether `expr` is undefined, asked through `render` (a strict
/// environment rendering a template string with the context in question):
/// `{{ (expr) is defined }}` renders `false`.
pub fn is_undefined<E>(expr: &str, render: impl Fn(&str) -> Result<String, E>) -> bool {
    render(&format!("{{{{ ({expr}) is defined }}}}")).is_ok_and(|a| a.eq_ignore_ascii_case("false"))
}

/// The first name a templated string uses that `ctx` does not define
/// (minijinja's strict error does not say which): each dotted name inside
/// `{{ … }}` is probed from its first segment on (`undefined(name)`: the
/// context does not define it).
pub fn undefined_name(raw: &str, undefined: &dyn Fn(&str) -> bool) -> Option<String> {
    let mut rest = raw;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let end = after.find("}}").unwrap_or(after.len());
        let inner = &after[..end];
        let mut chars = inner.char_indices().peekable();
        let mut in_string = None;
        while let Some((i, c)) = chars.next() {
            if let Some(q) = in_string {
                if c == q {
                    in_string = None;
                }
                continue;
            }
            if c == '\'' || c == '"' {
                in_string = Some(c);
                continue;
            }
            let before = &inner[..i];
            let trimmed = before.trim_end();
            // Not inside a word or after a dot, not a filter (`| upper`)
            // nor a test (`is number`).
            let starts = (c.is_ascii_alphabetic() || c == '_')
                && !before.ends_with(|p: char| p.is_ascii_alphanumeric() || p == '_' || p == '.')
                && !trimmed.ends_with('|')
                && !trimmed.ends_with(" is")
                && !trimmed.ends_with(" is not");
            if !starts {
                continue;
            }
            // The chain: name(.name | ['key'])*
            let mut j = i;
            let bytes = inner.as_bytes();
            let mut prefixes = Vec::new();
            loop {
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                    j += 1;
                }
                prefixes.push(j);
                if j < bytes.len() && bytes[j] == b'.' {
                    j += 1;
                } else if j + 1 < bytes.len()
                    && bytes[j] == b'['
                    && (bytes[j + 1] == b'\'' || bytes[j + 1] == b'"')
                {
                    let q = bytes[j + 1];
                    match inner[j + 2..].find(q as char) {
                        Some(k) if inner[j + 2 + k + 1..].starts_with(']') => j = j + 2 + k + 2,
                        Some(_) | None => break,
                    }
                    prefixes.push(j);
                    if j < bytes.len() && bytes[j] == b'.' {
                        j += 1;
                    } else {
                        break;
                    }
                } else {
                    break;
                }
            }
            let word = &inner[i..prefixes.first().copied().unwrap_or(i)];
            let keyword = matches!(
                word,
                "and"
                    | "or"
                    | "not"
                    | "if"
                    | "else"
                    | "is"
                    | "in"
                    | "true"
                    | "false"
                    | "none"
                    | "True"
                    | "False"
                    | "None"
                    | "defined"
                    | "undefined"
            );
            // A function call or filter (`range(3)`) is not a value.
            if !keyword
                && !inner[prefixes.last().copied().unwrap_or(i)..]
                    .trim_start()
                    .starts_with('(')
            {
                for p in prefixes.iter().copied().collect::<BTreeSet<_>>() {
                    let name = inner[i..p].trim_end_matches('.');
                    if undefined(name) {
                        return Some(name.to_string());
                    }
                }
            }
            while chars
                .peek()
                .is_some_and(|(k, _)| *k < prefixes.last().copied().unwrap_or(i))
            {
                chars.next();
            }
        }
        rest = after.get(end + 2..).unwrap_or("");
    }
    None
}
