//! Comparison values shared by JSON and space-delimited patterns: operators,
//! `*` wildcards, numbers and the subject (field value) they are tested on.

use std::borrow::Cow;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator as written in a pattern.
    pub(super) fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// `<`, `<=`, `>` and `>=` only compare numbers.
    pub(super) fn is_relational(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }

    fn compare(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
        }
    }
}

/// A string with optional `*` wildcards at its start and/or end.
///
/// "Filter and Pattern Syntax" (CloudWatch Logs user guide, JSON section):
/// "You can use the asterisk '*' wildcard character to match any text at,
/// before, or after a search term. For example, *Event will match PutEvent
/// and GetEvent. Event* will match EventId and EventName. Ev*ent will only
/// match the actual string Ev*ent." So only a leading or trailing `*` is a
/// wildcard; a `*` in the middle is literal. The dimensions example
/// `{ $.eventType = "*" && ... }` shows a quoted `"*"` is a wildcard too.
#[derive(Clone, Debug)]
pub(super) struct Wildcard {
    core: String,
    any_prefix: bool,
    any_suffix: bool,
}

impl Wildcard {
    /// Builds a wildcard from unescaped text; `escaped_first` / `escaped_last`
    /// say whether the first / last character was written escaped (`\*`).
    pub(super) fn new(text: &str, escaped_first: bool, escaped_last: bool) -> Self {
        let mut core = text;
        let mut any_prefix = false;
        let mut any_suffix = false;
        if !escaped_first && let Some(rest) = core.strip_prefix('*') {
            core = rest;
            any_prefix = true;
        }
        if !escaped_last && let Some(rest) = core.strip_suffix('*') {
            core = rest;
            any_suffix = true;
        }
        Self {
            core: core.to_string(),
            any_prefix,
            any_suffix,
        }
    }

    /// Whether `s` matches (case-sensitively).
    pub(super) fn matches(&self, s: &str) -> bool {
        match (self.any_prefix, self.any_suffix) {
            (true, true) => s.contains(self.core.as_str()),
            (true, false) => s.ends_with(self.core.as_str()),
            (false, true) => s.starts_with(self.core.as_str()),
            (false, false) => s == self.core,
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Clone, Debug)]
pub(super) enum Literal {
    /// A quoted string, or an unquoted token that is not a number.
    Text(Wildcard),
    /// An unquoted number; `text` is the token as written, used when the
    /// field is not numeric and the operator is `=` / `!=`.
    Number { value: f64, text: String },
    /// A `%regex%`, matched anywhere in the value.
    Regex(regex::Regex),
}

/// `op literal`, tested against a field value.
#[derive(Clone, Debug)]
pub(super) struct Comparison {
    pub(super) op: CmpOp,
    pub(super) literal: Literal,
}

/// A field value (JSON string or number, or a space-delimited field).
pub(super) struct Subject<'a> {
    text: Cow<'a, str>,
    number: Option<f64>,
}

impl<'a> Subject<'a> {
    /// A textual value; it counts as a number when it is a plain decimal.
    pub(super) fn text(s: &'a str) -> Self {
        Self {
            text: Cow::Borrowed(s),
            number: parse_plain_decimal(s),
        }
    }

    /// A JSON number; its text form is used for wildcard / regex matches.
    pub(super) fn json_number(n: &serde_json::Number) -> Subject<'static> {
        Subject {
            text: Cow::Owned(n.to_string()),
            number: n.as_f64().filter(|v| v.is_finite()),
        }
    }
}

impl Comparison {
    /// Whether the subject satisfies this comparison.
    ///
    /// Type rules (the AWS pages do not spell these out; chosen to be
    /// predictable): a number literal compares numerically with numeric
    /// values (JSON numbers, or text that is a plain decimal, since "Strings
    /// containing scientific notation are not supported"); for a non-numeric
    /// value `=` / `!=` fall back to comparing text and the relational
    /// operators never match. Text and regex literals compare the text form.
    pub(super) fn test(&self, subject: &Subject<'_>) -> bool {
        let negate = self.op == CmpOp::Ne;
        match &self.literal {
            Literal::Text(w) => w.matches(&subject.text) != negate,
            Literal::Regex(r) => r.is_match(&subject.text) != negate,
            Literal::Number { value, text } => match subject.number {
                Some(v) => self.op.compare(v, *value),
                None => match self.op {
                    CmpOp::Eq => subject.text == text.as_str(),
                    CmpOp::Ne => subject.text != text.as_str(),
                    _ => false,
                },
            },
        }
    }
}

/// Scans `[+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?`.
fn is_number(s: &str, allow_exponent: bool) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let at = |i: usize| b.get(i).copied();
    if matches!(at(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut digits = 0;
    while matches!(at(i), Some(c) if c.is_ascii_digit()) {
        i += 1;
        digits += 1;
    }
    if at(i) == Some(b'.') {
        i += 1;
        while matches!(at(i), Some(c) if c.is_ascii_digit()) {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if allow_exponent && matches!(at(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(at(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while matches!(at(i), Some(c) if c.is_ascii_digit()) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// A number as written in a pattern or metric value.
///
/// "Filter pattern syntax ..." (JSON section): "You can use integers that
/// contain plus ("+") or minus ("-") symbols and follow scientific notation";
/// the older page: "An integer with an optional + or - sign, a decimal with
/// an optional + or - sign, or a number in scientific notation".
pub(super) fn parse_number_literal(s: &str) -> Option<f64> {
    if !is_number(s, true) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A number inside log text (no exponent: "Strings containing scientific
/// notation are not supported").
pub(super) fn parse_plain_decimal(s: &str) -> Option<f64> {
    if !is_number(s, false) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}
