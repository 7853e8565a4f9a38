//! The composite alarm rule language, as far as obsctl needs it: which
//! alarms a rule references (for validation, apply order and the fake's
//! `ValidationError` on deleting a referenced child).

/// Alarm references in a composite rule, as byte ranges into the rule.
/// Handles `ALARM(x)`, `OK(x)`, `INSUFFICIENT_DATA(x)` and
/// `AT_LEAST(M, STATE, (a, b))`; quoted names keep their quotes out of the range.
pub fn rule_refs(rule: &str) -> Vec<std::ops::Range<usize>> {
    let mut refs = Vec::new();
    let bytes = rule.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let rest = &rule[i..];
        if boundary && rest.starts_with("AT_LEAST(") {
            let open = rest[9..].find('(').map(|p| i + 9 + p);
            if let Some(open) = open {
                let close = rule[open..].find(')').map_or(rule.len(), |p| open + p);
                let mut start = open + 1;
                for part in rule[open + 1..close].split(',') {
                    refs.push(trim_range(rule, start, start + part.len()));
                    start += part.len() + 1;
                }
                i = close + 1;
                continue;
            }
        }
        let func = ["ALARM(", "OK(", "INSUFFICIENT_DATA("]
            .into_iter()
            .find(|f| rest.starts_with(f));
        if let (true, Some(f)) = (boundary, func) {
            let start = i + f.len();
            let close = rule[start..].find(')').map_or(rule.len(), |p| start + p);
            refs.push(trim_range(rule, start, close));
            i = close + 1;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    refs.retain(|r| !r.is_empty());
    refs
}

fn trim_range(s: &str, mut start: usize, mut end: usize) -> std::ops::Range<usize> {
    while start < end && s.as_bytes()[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && s.as_bytes()[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if end - start >= 2 && s.as_bytes()[start] == b'"' && s.as_bytes()[end - 1] == b'"' {
        start += 1;
        end -= 1;
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_references() {
        let rule = r#"ALARM(a) AND NOT OK("b c") OR AT_LEAST(2, ALARM, (x, y/z)) AND INSUFFICIENT_DATA(d)"#;
        let refs: Vec<&str> = rule_refs(rule).into_iter().map(|r| &rule[r]).collect();
        assert_eq!(refs, vec!["a", "b c", "x", "y/z", "d"]);
    }
}
