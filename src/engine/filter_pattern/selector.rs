//! JSON property selectors: `$.a.b`, `$.a[0]`, `$.a[*]`, `$.*`,
//! `$.['cluster.name']`.
//!
//! "Filter pattern syntax ..." (JSON section): "Set off property selectors
//! with a dollar sign followed by a period ("$."). Property selectors are
//! alphanumeric strings that support hyphen ("-") and underscore ("_")
//! characters. ... Place arrays after property selectors. The elements in
//! arrays follow a zero-based numbering system ... Enclose elements in
//! brackets ("[]"). If a property selector points to an array or object, the
//! filter pattern won't match the log format. If the JSON property contains
//! a period ("."), then the bracket notation may be used to select that
//! property." Example: `{ $.['cluster.name'] = "c" }`.
//!
//! "Wildcard selector: You can use the JSON wildcard to select any array
//! element or any JSON object field. Quotas: You can only use up to one
//! wildcard selector in a property selector" (examples `$.arrayKey[*]`,
//! `$.*`).

use serde_json::Value;

use super::error::ParseError;
use super::parse::Cursor;

/// One step of a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// An object property.
    Key(String),
    /// An array element.
    Index(usize),
    /// Any array element or any object field.
    Any,
}

/// A parsed `$...` selector.
#[derive(Clone, Debug)]
pub(super) struct Selector {
    pub(super) steps: Vec<Step>,
    /// Byte offset and length in the text it was parsed from.
    pub(super) offset: usize,
    pub(super) len: usize,
}

impl Selector {
    /// Whether the selector uses `*`.
    pub(super) fn has_wildcard(&self) -> bool {
        self.steps.contains(&Step::Any)
    }

    /// Every node the selector reaches (several only through `*`).
    pub(super) fn resolve<'v>(&self, root: &'v Value) -> Vec<&'v Value> {
        let mut current = vec![root];
        for step in &self.steps {
            let mut next = Vec::new();
            for v in current {
                match step {
                    Step::Key(k) => next.extend(v.as_object().and_then(|o| o.get(k))),
                    Step::Index(i) => next.extend(v.as_array().and_then(|a| a.get(*i))),
                    Step::Any => match v {
                        Value::Array(a) => next.extend(a.iter()),
                        Value::Object(o) => next.extend(o.values()),
                        _ => {}
                    },
                }
            }
            if next.is_empty() {
                return next;
            }
            current = next;
        }
        current
    }

    /// The single node a wildcard-free selector reaches.
    pub(super) fn resolve_one<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        if self.has_wildcard() {
            return None;
        }
        self.resolve(root).into_iter().next()
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

/// Parses a selector; the cursor is on `$`. Stops before anything that is
/// not part of the selector; `ends` lists characters that may follow it.
pub(super) fn parse_selector(cur: &mut Cursor<'_>, ends: &str) -> Result<Selector, ParseError> {
    let start = cur.pos();
    cur.bump();
    let mut steps = Vec::new();
    let mut wildcard_at: Option<usize> = None;
    loop {
        let at = cur.pos();
        match cur.peek() {
            Some('.') => {
                cur.bump();
                match cur.peek() {
                    Some('*') => {
                        cur.bump();
                        steps.push(Step::Any);
                    }
                    Some('[') => {
                        let step = parse_bracket(cur)?;
                        if let Step::Index(_) = step {
                            return Err(ParseError::new(
                                at,
                                cur.pos() - at,
                                "an array index follows the property directly",
                            )
                            .with_help("write `$.items[0]`, without a `.` before `[`"));
                        }
                        steps.push(step);
                    }
                    Some(c) if is_name_char(c) => {
                        let name = cur.take_while(is_name_char);
                        steps.push(Step::Key(name.to_string()));
                    }
                    _ => {
                        return Err(ParseError::new(at, 1, "expected a property name after `.`").with_help(
                            "property names use letters, digits, `-` and `_`; write `$.['name']` for other characters",
                        ));
                    }
                }
            }
            Some('[') => {
                let step = parse_bracket(cur)?;
                if steps.is_empty() && matches!(step, Step::Index(_)) {
                    return Err(ParseError::new(
                        at,
                        cur.pos() - at,
                        "an array index must follow a property",
                    )
                    .with_help("write e.g. `$.items[0]`"));
                }
                steps.push(step);
            }
            _ => break,
        }
        if steps.last() == Some(&Step::Any) {
            if wildcard_at.is_some() {
                return Err(ParseError::new(
                    at,
                    cur.pos() - at,
                    "a selector can use the `*` wildcard only once",
                )
                .with_help("CloudWatch allows one wildcard per property selector"));
            }
            wildcard_at = Some(at);
        }
    }
    if steps.is_empty() {
        return Err(
            ParseError::new(start, cur.pos() - start, "a JSON selector starts with `$.`")
                .with_help("name a property, e.g. `$.eventType` or `$.users[0].id`"),
        );
    }
    if let Some(c) = cur.peek()
        && !c.is_whitespace()
        && !ends.contains(c)
    {
        return Err(ParseError::new(cur.pos(), c.len_utf8(), format!("unexpected `{c}` in selector")).with_help(
            "property names use letters, digits, `-` and `_`; write `$.['odd:name']` for other characters",
        ));
    }
    Ok(Selector {
        steps,
        offset: start,
        len: cur.pos() - start,
    })
}

/// Parses `[N]`, `[*]` or `['name']`; the cursor is on `[`.
fn parse_bracket(cur: &mut Cursor<'_>) -> Result<Step, ParseError> {
    let open = cur.pos();
    cur.bump();
    let step = match cur.peek() {
        Some('*') => {
            cur.bump();
            Step::Any
        }
        Some(c) if c.is_ascii_digit() => {
            let digits_at = cur.pos();
            let digits = cur.take_while(|c| c.is_ascii_digit());
            let index = digits.parse::<usize>().map_err(|_| {
                ParseError::new(
                    digits_at,
                    digits.len(),
                    format!("array index `{digits}` is too large"),
                )
            })?;
            Step::Index(index)
        }
        Some(q @ ('\'' | '"')) => {
            cur.bump();
            let name_at = cur.pos();
            let Some(end) = cur.rest().find(q) else {
                return Err(
                    ParseError::new(open, 2, format!("unclosed `{q}` in selector"))
                        .with_help(format!("close the name with `{q}]`")),
                );
            };
            let name = cur.slice(name_at, name_at + end).to_string();
            cur.set_pos(name_at + end + 1);
            Step::Key(name)
        }
        _ => {
            return Err(ParseError::new(
                open,
                1,
                "expected an array index, `*` or a quoted name after `[`",
            )
            .with_help("write `[0]`, `[*]` or `['name.with.dots']`"));
        }
    };
    if !cur.eat("]") {
        return Err(
            ParseError::new(open, cur.pos() - open, "unclosed `[` in selector")
                .with_help("add the closing `]`"),
        );
    }
    Ok(step)
}
