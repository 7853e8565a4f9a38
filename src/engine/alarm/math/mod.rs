//! Metric math: parser and offline evaluator ("Use metric math").
//!
//! # Syntax
//!
//! * Numbers (`5`, `0.25`, `1e3`), query ids, strings (only as the argument of
//!   `METRICS`), array literals `[m1, m2]`, parentheses.
//! * "All functions must be written in uppercase letters (such as AVG), and the
//!   Id field for all metrics and math expressions must start with a lowercase
//!   letter." Ids continue with letters, digits and `_`.
//! * Operators, loosest first (the guide gives no precedence; usual
//!   mathematical precedence is used): `OR`/`||`; `AND`/`&&`; comparisons
//!   `== != <= >= < >` (left-associative, giving 1 or 0); `+ -`; `* /`; unary
//!   `-`; `^` (right-associative and tighter than unary minus: `-2^2 = -4`).
//!   "Comparison operators: == != <= >= < >. Logical operators: AND or &&, OR
//!   or ||" — there is no `NOT`.
//!
//! # Value types
//!
//! "S represents a scalar number [...] TS is a time series [...] TS[] is an
//! array of time series". Arithmetic accepts "S, S / TS, TS / TS, S / TS[], TS
//! / TS, TS[]" (either order); two arrays cannot be combined. "The final result
//! of any math expression must be a single time series or an array of time
//! series": [`Expr::eval`] returns one series and rejects scalars and arrays of
//! other than exactly one series.
//!
//! # Missing values
//!
//! * "Missing values in a time series are treated as 0. If the value of a data
//!   point causes a function to attempt to divide by zero, the data point is
//!   dropped." and "When comparison operators are used between two time series,
//!   and only one of the time series has a value for a particular time stamp,
//!   the function treats the missing value in the other time series as 0."
//!   So between two series a period present in either is computed with the
//!   other side as 0; a period missing in both stays missing. Between a series
//!   and a scalar a missing period stays missing (there is no datapoint to
//!   compute; not documented). Any other non-finite result (`LOG(0)`, overflow,
//!   `(-8)^0.5`) is dropped like a division by zero.
//! * `AVG` of an array: "Missing values are treated as 0" — the sum of present
//!   values divided by the number of series (missing when all are missing).
//!   `SUM`, `MIN`, `MAX`, `STDDEV` of an array use the present values. Of a
//!   single series these functions return a scalar over its present values
//!   ("The SUM of a single time series returns a scalar"); `STDDEV` is the
//!   population standard deviation (not documented).
//! * `FILL(m, S | TS | REPEAT | LINEAR)`: REPEAT fills with "the most recent
//!   actual value" before the gap, LINEAR interpolates "between the values at
//!   the beginning and the end of the gap". Not documented: gaps before the
//!   first value (REPEAT, LINEAR) or after the last one (LINEAR) stay missing;
//!   a series filler fills only where the filler has a value.
//! * `IF` follows the tables of "Using IF expressions": a missing condition
//!   drops the point; TRUE with a missing `metric2` gives 0; FALSE with a
//!   missing or omitted `metric3` drops the point; a scalar condition selects a
//!   whole branch ("an empty time series" when FALSE and `metric3` omitted).
//! * `RATE`, `DIFF`, `DIFF_TIME` use the previous *existing* datapoint (series
//!   are sparse); the first datapoint has no result. `RUNNING_SUM` is missing
//!   where the input is missing.
//!
//! Supported functions: ABS, AVG, CEIL, DATAPOINT_COUNT, DIFF, DIFF_TIME, FILL,
//! FIRST, FLOOR, IF, LAST, LOG, LOG10, MAX, METRICS, METRIC_COUNT, MIN, PERIOD,
//! RATE, REMOVE_EMPTY, RUNNING_SUM, STDDEV, SUM, TIME_SERIES. Functions that
//! need AWS (SEARCH, ANOMALY_DETECTION_BAND, INSIGHT_RULE_METRIC,
//! SERVICE_QUOTA), wall-clock time (MINUTE, HOUR, DAY, DATE, MONTH, YEAR,
//! EPOCH) or sorting (SORT, SLICE) are rejected at parse time.

use std::fmt;

use super::Series;

/// Maximum nesting of parentheses, brackets, calls and unary minus.
const MAX_NESTING: usize = 64;
/// Maximum depth of the syntax tree (long operator chains nest too).
const MAX_TREE_DEPTH: usize = 256;

/// A parse or evaluation error, located by byte offset in the expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MathError {
    /// Byte offset in the expression text where the problem is.
    pub offset: usize,
    /// Human-readable description.
    pub message: String,
}

impl MathError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        MathError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for MathError {}

/// A parsed metric math expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
struct Node {
    offset: usize,
    depth: usize,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Number(f64),
    Id(String),
    Str(String),
    Repeat,
    Linear,
    Neg(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Array(Vec<Node>),
    Call(Func, Vec<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Abs,
    Avg,
    Ceil,
    DatapointCount,
    Diff,
    DiffTime,
    Fill,
    First,
    Floor,
    If,
    Last,
    Log,
    Log10,
    Max,
    Metrics,
    MetricCount,
    Min,
    Period,
    Rate,
    RemoveEmpty,
    RunningSum,
    Stddev,
    Sum,
    TimeSeries,
}

/// Name, function, minimum and maximum argument count.
const FUNCTIONS: [(&str, Func, usize, usize); 24] = [
    ("ABS", Func::Abs, 1, 1),
    ("AVG", Func::Avg, 1, 1),
    ("CEIL", Func::Ceil, 1, 1),
    ("DATAPOINT_COUNT", Func::DatapointCount, 1, 1),
    ("DIFF", Func::Diff, 1, 1),
    ("DIFF_TIME", Func::DiffTime, 1, 1),
    ("FILL", Func::Fill, 2, 2),
    ("FIRST", Func::First, 1, 1),
    ("FLOOR", Func::Floor, 1, 1),
    ("IF", Func::If, 2, 3),
    ("LAST", Func::Last, 1, 1),
    ("LOG", Func::Log, 1, 1),
    ("LOG10", Func::Log10, 1, 1),
    ("MAX", Func::Max, 1, 1),
    ("METRICS", Func::Metrics, 0, 1),
    ("METRIC_COUNT", Func::MetricCount, 1, 1),
    ("MIN", Func::Min, 1, 1),
    ("PERIOD", Func::Period, 1, 1),
    ("RATE", Func::Rate, 1, 1),
    ("REMOVE_EMPTY", Func::RemoveEmpty, 1, 1),
    ("RUNNING_SUM", Func::RunningSum, 1, 1),
    ("STDDEV", Func::Stddev, 1, 1),
    ("SUM", Func::Sum, 1, 1),
    ("TIME_SERIES", Func::TimeSeries, 1, 1),
];

/// CloudWatch functions this offline evaluator cannot compute.
const UNSUPPORTED: [&str; 15] = [
    "ANOMALY_DETECTION_BAND",
    "DATE",
    "DAY",
    "EPOCH",
    "HOUR",
    "INSIGHT_RULE_METRIC",
    "LAMBDA",
    "MINUTE",
    "MONTH",
    "SEARCH",
    "SERVICE_QUOTA",
    "SLICE",
    "SORT",
    "YEAR",
    "SELECT",
];

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Id(String),
    Word(String),
    Str(String),
    Sym(&'static str),
    End,
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, MathError> {
    let mut toks = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|(_, c)| *c);
    let off = |i: usize| chars.get(i).map_or(text.len(), |(o, _)| *o);
    let mut i = 0;
    while let Some(c) = at(i) {
        let start = off(i);
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut j = i;
            while at(j).is_some_and(|d| d.is_ascii_digit()) {
                j += 1;
            }
            if at(j) == Some('.') {
                j += 1;
                while at(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
            }
            if matches!(at(j), Some('e' | 'E')) {
                let mut k = j + 1;
                if matches!(at(k), Some('+' | '-')) {
                    k += 1;
                }
                if at(k).is_some_and(|d| d.is_ascii_digit()) {
                    while at(k).is_some_and(|d| d.is_ascii_digit()) {
                        k += 1;
                    }
                    j = k;
                }
            }
            if at(j).is_some_and(|d| d.is_alphanumeric() || d == '_' || d == '.') {
                return Err(MathError::new(start, "malformed number"));
            }
            let literal = &text[start..off(j)];
            let value = literal
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| MathError::new(start, format!("invalid number {literal:?}")))?;
            toks.push((start, Tok::Num(value)));
            i = j;
        } else if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while at(j).is_some_and(|d| d.is_alphanumeric() || d == '_') {
                j += 1;
            }
            let word = &text[start..off(j)];
            if c.is_ascii_lowercase() && word.chars().all(|d| d.is_ascii_alphanumeric() || d == '_')
            {
                toks.push((start, Tok::Id(word.to_string())));
            } else if c.is_ascii_uppercase()
                && word
                    .chars()
                    .all(|d| d.is_ascii_uppercase() || d.is_ascii_digit() || d == '_')
            {
                toks.push((start, Tok::Word(word.to_string())));
            } else {
                return Err(MathError::new(
                    start,
                    format!(
                        "invalid name {word:?}: ids start with a lowercase letter and use \
                         letters, digits and '_'; functions are uppercase"
                    ),
                ));
            }
            i = j;
        } else if c == '"' || c == '\u{201c}' {
            let mut j = i + 1;
            while at(j).is_some_and(|d| d != '"' && d != '\u{201d}') {
                j += 1;
            }
            if at(j).is_none() {
                return Err(MathError::new(start, "unterminated string"));
            }
            let content = &text[off(i + 1)..off(j)];
            toks.push((start, Tok::Str(content.to_string())));
            i = j + 1;
        } else {
            let two: String = chars[i..].iter().take(2).map(|(_, d)| *d).collect();
            let sym = ["&&", "||", "==", "!=", "<=", ">="]
                .into_iter()
                .find(|s| *s == two)
                .or_else(|| {
                    ["+", "-", "*", "/", "^", "<", ">", "(", ")", "[", "]", ","]
                        .into_iter()
                        .find(|s| s.starts_with(c))
                });
            match sym {
                Some(sym) => {
                    toks.push((start, Tok::Sym(sym)));
                    i += sym.len();
                }
                None => {
                    return Err(MathError::new(start, format!("unexpected character {c:?}")));
                }
            }
        }
    }
    toks.push((text.len(), Tok::End));
    Ok(toks)
}

// ---------------------------------------------------------------- parser

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    nesting: usize,
}

fn node(offset: usize, kind: Kind) -> Result<Node, MathError> {
    let child_depth = match &kind {
        Kind::Neg(a) => a.depth,
        Kind::Binary(_, a, b) => a.depth.max(b.depth),
        Kind::Array(items) | Kind::Call(_, items) => {
            items.iter().map(|n| n.depth).max().unwrap_or(0)
        }
        _ => 0,
    };
    let depth = child_depth + 1;
    if depth > MAX_TREE_DEPTH {
        return Err(MathError::new(offset, "expression is too deeply nested"));
    }
    Ok(Node {
        offset,
        depth,
        kind,
    })
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::End, |(_, t)| t)
    }

    fn offset(&self) -> usize {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map_or(0, |(o, _)| *o)
    }

    fn advance(&mut self) -> (usize, Tok) {
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .unwrap_or((self.offset(), Tok::End));
        self.pos += 1;
        tok
    }

    fn is_sym(&self, sym: &str) -> bool {
        matches!(self.peek(), Tok::Sym(s) if *s == sym)
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w == word)
    }

    fn expect(&mut self, sym: &str) -> Result<(), MathError> {
        if self.is_sym(sym) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{sym}'")))
        }
    }

    fn unexpected(&self, wanted: &str) -> MathError {
        let found = match self.peek() {
            Tok::End => "end of expression".to_string(),
            Tok::Num(n) => format!("number {n}"),
            Tok::Id(s) => format!("id {s:?}"),
            Tok::Word(s) => format!("{s:?}"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Sym(s) => format!("'{s}'"),
        };
        MathError::new(self.offset(), format!("expected {wanted}, found {found}"))
    }

    fn enter(&mut self) -> Result<(), MathError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            Err(MathError::new(
                self.offset(),
                "expression is too deeply nested",
            ))
        } else {
            Ok(())
        }
    }

    fn expr(&mut self) -> Result<Node, MathError> {
        self.enter()?;
        let result = self.or();
        self.nesting -= 1;
        result
    }

    fn or(&mut self) -> Result<Node, MathError> {
        let mut left = self.and()?;
        while self.is_word("OR") || self.is_sym("||") {
            let (offset, _) = self.advance();
            let right = self.and()?;
            left = node(
                offset,
                Kind::Binary(BinOp::Or, Box::new(left), Box::new(right)),
            )?;
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, MathError> {
        let mut left = self.comparison()?;
        while self.is_word("AND") || self.is_sym("&&") {
            let (offset, _) = self.advance();
            let right = self.comparison()?;
            left = node(
                offset,
                Kind::Binary(BinOp::And, Box::new(left), Box::new(right)),
            )?;
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Node, MathError> {
        let mut left = self.additive()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("<") => BinOp::Lt,
                Tok::Sym("<=") => BinOp::Le,
                Tok::Sym(">") => BinOp::Gt,
                Tok::Sym(">=") => BinOp::Ge,
                Tok::Sym("==") => BinOp::Eq,
                Tok::Sym("!=") => BinOp::Ne,
                _ => return Ok(left),
            };
            let (offset, _) = self.advance();
            let right = self.additive()?;
            left = node(offset, Kind::Binary(op, Box::new(left), Box::new(right)))?;
        }
    }

    fn additive(&mut self) -> Result<Node, MathError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("+") => BinOp::Add,
                Tok::Sym("-") => BinOp::Sub,
                _ => return Ok(left),
            };
            let (offset, _) = self.advance();
            let right = self.multiplicative()?;
            left = node(offset, Kind::Binary(op, Box::new(left), Box::new(right)))?;
        }
    }

    fn multiplicative(&mut self) -> Result<Node, MathError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Sym("*") => BinOp::Mul,
                Tok::Sym("/") => BinOp::Div,
                _ => return Ok(left),
            };
            let (offset, _) = self.advance();
            let right = self.unary()?;
            left = node(offset, Kind::Binary(op, Box::new(left), Box::new(right)))?;
        }
    }

    fn unary(&mut self) -> Result<Node, MathError> {
        if self.is_sym("-") {
            let (offset, _) = self.advance();
            self.enter()?;
            let operand = self.unary();
            self.nesting -= 1;
            return node(offset, Kind::Neg(Box::new(operand?)));
        }
        let base = self.primary()?;
        if self.is_sym("^") {
            let (offset, _) = self.advance();
            self.enter()?;
            let exponent = self.unary();
            self.nesting -= 1;
            return node(
                offset,
                Kind::Binary(BinOp::Pow, Box::new(base), Box::new(exponent?)),
            );
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Node, MathError> {
        let offset = self.offset();
        match self.peek().clone() {
            Tok::Num(v) => {
                self.pos += 1;
                node(offset, Kind::Number(v))
            }
            Tok::Id(id) => {
                self.pos += 1;
                node(offset, Kind::Id(id))
            }
            Tok::Str(s) => {
                self.pos += 1;
                node(offset, Kind::Str(s))
            }
            Tok::Sym("(") => {
                self.pos += 1;
                let inner = self.expr()?;
                self.expect(")")?;
                Ok(inner)
            }
            Tok::Sym("[") => {
                self.pos += 1;
                let items = self.list("]")?;
                if items.is_empty() {
                    return Err(MathError::new(
                        offset,
                        "an array needs at least one element",
                    ));
                }
                node(offset, Kind::Array(items))
            }
            Tok::Word(word) => {
                self.pos += 1;
                if !self.is_sym("(") {
                    return match word.as_str() {
                        "REPEAT" => node(offset, Kind::Repeat),
                        "LINEAR" => node(offset, Kind::Linear),
                        "AND" | "OR" => {
                            Err(MathError::new(offset, "expected an operand before AND/OR"))
                        }
                        _ => Err(MathError::new(
                            offset,
                            format!("unknown keyword {word:?} (functions need parentheses)"),
                        )),
                    };
                }
                let Some((_, func, min, max)) = FUNCTIONS.iter().find(|(name, ..)| *name == word)
                else {
                    let message = if UNSUPPORTED.contains(&word.as_str()) {
                        format!("function {word} is not supported by the offline evaluator")
                    } else {
                        format!("unknown function {word}")
                    };
                    return Err(MathError::new(offset, message));
                };
                self.pos += 1;
                let args = self.list(")")?;
                if args.len() < *min || args.len() > *max {
                    let wanted = if min == max {
                        format!("{min}")
                    } else {
                        format!("{min} to {max}")
                    };
                    return Err(MathError::new(
                        offset,
                        format!("{word} takes {wanted} argument(s), got {}", args.len()),
                    ));
                }
                node(offset, Kind::Call(*func, args))
            }
            _ => Err(self.unexpected("an operand")),
        }
    }

    /// Comma-separated expressions up to `close` (consumed).
    fn list(&mut self, close: &str) -> Result<Vec<Node>, MathError> {
        let mut items = Vec::new();
        if self.is_sym(close) {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.is_sym(",") {
                self.pos += 1;
            } else {
                self.expect(close)?;
                return Ok(items);
            }
        }
    }
}

/// Rejects strings and REPEAT/LINEAR outside the places that accept them.
fn validate(n: &Node, special_ok: bool) -> Result<(), MathError> {
    match &n.kind {
        Kind::Str(_) if !special_ok => Err(MathError::new(
            n.offset,
            "a string is only valid as the argument of METRICS",
        )),
        Kind::Repeat | Kind::Linear if !special_ok => Err(MathError::new(
            n.offset,
            "REPEAT and LINEAR are only valid as the second argument of FILL",
        )),
        Kind::Neg(a) => validate(a, false),
        Kind::Binary(_, a, b) => {
            validate(a, false)?;
            validate(b, false)
        }
        Kind::Array(items) => items.iter().try_for_each(|i| validate(i, false)),
        Kind::Call(func, args) => {
            for (index, arg) in args.iter().enumerate() {
                let ok = match func {
                    Func::Metrics => matches!(arg.kind, Kind::Str(_)),
                    Func::Fill => index == 1 && matches!(arg.kind, Kind::Repeat | Kind::Linear),
                    Func::Period => matches!(arg.kind, Kind::Id(_)),
                    _ => false,
                };
                if *func == Func::Metrics && !ok {
                    return Err(MathError::new(
                        arg.offset,
                        "METRICS takes a string argument",
                    ));
                }
                if *func == Func::Period && !ok {
                    return Err(MathError::new(
                        arg.offset,
                        "PERIOD takes a metric id (\"Valid input is metrics, not the results of other expressions\")",
                    ));
                }
                validate(arg, ok)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------- evaluation

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Scalar(Option<f64>),
    Series(Series),
    Array(Vec<Series>),
}

struct Ctx<'a> {
    inputs: &'a [(String, Series)],
    period: u32,
    periods: usize,
}

/// Finite values only: "If the value of a data point causes a function to
/// attempt to divide by zero, the data point is dropped."
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

fn apply(op: BinOp, a: f64, b: f64) -> Option<f64> {
    let truth = |t: bool| if t { 1.0 } else { 0.0 };
    finite(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0.0 {
                return None;
            }
            a / b
        }
        BinOp::Pow => a.powf(b),
        BinOp::Lt => truth(a < b),
        BinOp::Le => truth(a <= b),
        BinOp::Gt => truth(a > b),
        BinOp::Ge => truth(a >= b),
        BinOp::Eq => truth(a == b),
        BinOp::Ne => truth(a != b),
        BinOp::And => truth(a != 0.0 && b != 0.0),
        BinOp::Or => truth(a != 0.0 || b != 0.0),
    })
}

fn map_value(v: Value, f: &dyn Fn(f64) -> Option<f64>) -> Value {
    let map_series = |s: Series| s.into_iter().map(|p| p.and_then(f)).collect();
    match v {
        Value::Scalar(s) => Value::Scalar(s.and_then(f)),
        Value::Series(s) => Value::Series(map_series(s)),
        Value::Array(a) => Value::Array(a.into_iter().map(map_series).collect()),
    }
}

fn combine(op: BinOp, offset: usize, a: Value, b: Value) -> Result<Value, MathError> {
    let series_scalar = |s: &Series, x: Option<f64>, flip: bool| -> Series {
        s.iter()
            .map(|p| {
                let (l, r) = if flip { (x?, (*p)?) } else { ((*p)?, x?) };
                apply(op, l, r)
            })
            .collect()
    };
    let series_series = |x: &Series, y: &Series| -> Series {
        x.iter()
            .zip(y)
            .map(|(l, r)| match (l, r) {
                (None, None) => None,
                _ => apply(op, l.unwrap_or(0.0), r.unwrap_or(0.0)),
            })
            .collect()
    };
    Ok(match (a, b) {
        (Value::Scalar(x), Value::Scalar(y)) => {
            Value::Scalar(x.zip(y).and_then(|(x, y)| apply(op, x, y)))
        }
        (Value::Series(s), Value::Scalar(x)) => Value::Series(series_scalar(&s, x, false)),
        (Value::Scalar(x), Value::Series(s)) => Value::Series(series_scalar(&s, x, true)),
        (Value::Series(x), Value::Series(y)) => Value::Series(series_series(&x, &y)),
        (Value::Array(xs), Value::Scalar(y)) => {
            Value::Array(xs.iter().map(|s| series_scalar(s, y, false)).collect())
        }
        (Value::Scalar(x), Value::Array(ys)) => {
            Value::Array(ys.iter().map(|s| series_scalar(s, x, true)).collect())
        }
        (Value::Array(xs), Value::Series(y)) => {
            Value::Array(xs.iter().map(|s| series_series(s, &y)).collect())
        }
        (Value::Series(x), Value::Array(ys)) => {
            Value::Array(ys.iter().map(|s| series_series(&x, s)).collect())
        }
        (Value::Array(_), Value::Array(_)) => {
            return Err(MathError::new(
                offset,
                "an operator cannot combine two arrays of time series",
            ));
        }
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Reduce {
    Sum,
    Avg,
    Min,
    Max,
    Stddev,
}

fn reduce(r: Reduce, values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    finite(match r {
        Reduce::Sum => sum,
        Reduce::Avg => sum / n,
        Reduce::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
        Reduce::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Reduce::Stddev => {
            let mean = sum / n;
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt()
        }
    })
}

/// Applies `f` to every series of a series or array value.
fn per_series(
    v: Value,
    offset: usize,
    name: &str,
    f: &dyn Fn(&Series) -> Series,
) -> Result<Value, MathError> {
    match v {
        Value::Series(s) => Ok(Value::Series(f(&s))),
        Value::Array(a) => Ok(Value::Array(a.iter().map(f).collect())),
        Value::Scalar(_) => Err(MathError::new(
            offset,
            format!("{name} expects a time series or an array of time series, not a scalar"),
        )),
    }
}

/// For each existing datapoint, `f(value, previous value, periods elapsed)`
/// with the previous existing datapoint.
fn with_previous(s: &Series, f: &dyn Fn(f64, f64, usize) -> Option<f64>) -> Series {
    let mut previous: Option<(usize, f64)> = None;
    s.iter()
        .enumerate()
        .map(|(i, p)| {
            let v = (*p)?;
            let out = previous.and_then(|(j, w)| f(v, w, i - j));
            previous = Some((i, v));
            out
        })
        .collect()
}

fn fill_repeat(s: &Series) -> Series {
    let mut last = None;
    s.iter()
        .map(|p| {
            if p.is_some() {
                last = *p;
            }
            last
        })
        .collect()
}

fn fill_linear(s: &Series) -> Series {
    let mut out = s.clone();
    let mut previous: Option<(usize, f64)> = None;
    for (i, p) in s.iter().enumerate() {
        if let Some(v) = p {
            if let Some((j, w)) = previous {
                for (k, slot) in out.iter_mut().enumerate().take(i).skip(j + 1) {
                    *slot = finite(w + (v - w) * (k - j) as f64 / (i - j) as f64);
                }
            }
            previous = Some((i, *v));
        }
    }
    out
}

impl Ctx<'_> {
    fn fit(&self, s: &Series) -> Series {
        let mut out: Series = s
            .iter()
            .take(self.periods)
            .map(|p| p.and_then(finite))
            .collect();
        out.resize(self.periods, None);
        out
    }

    fn missing(&self) -> Series {
        vec![None; self.periods]
    }

    fn eval(&self, n: &Node) -> Result<Value, MathError> {
        match &n.kind {
            Kind::Number(v) => Ok(Value::Scalar(Some(*v))),
            Kind::Id(id) => self
                .inputs
                .iter()
                .find(|(name, _)| name == id)
                .map(|(_, s)| Value::Series(self.fit(s)))
                .ok_or_else(|| MathError::new(n.offset, format!("unknown id {id:?}"))),
            Kind::Str(_) | Kind::Repeat | Kind::Linear => {
                Err(MathError::new(n.offset, "not a value"))
            }
            Kind::Neg(a) => Ok(map_value(self.eval(a)?, &|v| finite(-v))),
            Kind::Binary(op, a, b) => combine(*op, n.offset, self.eval(a)?, self.eval(b)?),
            Kind::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.eval(item)? {
                        Value::Series(s) => out.push(s),
                        Value::Array(a) => out.extend(a),
                        Value::Scalar(_) => {
                            return Err(MathError::new(
                                item.offset,
                                "an array holds time series, not scalars",
                            ));
                        }
                    }
                }
                Ok(Value::Array(out))
            }
            Kind::Call(func, args) => self.call(*func, n.offset, args),
        }
    }

    fn arg(&self, args: &[Node], i: usize) -> Result<Value, MathError> {
        match args.get(i) {
            Some(a) => self.eval(a),
            None => Ok(Value::Scalar(None)),
        }
    }

    fn call(&self, func: Func, offset: usize, args: &[Node]) -> Result<Value, MathError> {
        let arg_offset = |i: usize| args.get(i).map_or(offset, |a| a.offset);
        match func {
            Func::Abs => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.abs()))),
            Func::Ceil => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.ceil()))),
            Func::Floor => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.floor()))),
            Func::Log => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.ln()))),
            Func::Log10 => Ok(map_value(self.arg(args, 0)?, &|v| finite(v.log10()))),
            Func::Sum | Func::Avg | Func::Min | Func::Max | Func::Stddev => {
                let r = match func {
                    Func::Sum => Reduce::Sum,
                    Func::Avg => Reduce::Avg,
                    Func::Min => Reduce::Min,
                    Func::Max => Reduce::Max,
                    _ => Reduce::Stddev,
                };
                match self.arg(args, 0)? {
                    Value::Series(s) => {
                        let present: Vec<f64> = s.iter().flatten().copied().collect();
                        Ok(Value::Scalar(reduce(r, &present)))
                    }
                    Value::Array(a) => Ok(Value::Series(
                        (0..self.periods)
                            .map(|i| {
                                let present: Vec<f64> = a
                                    .iter()
                                    .filter_map(|s| s.get(i).copied().flatten())
                                    .collect();
                                if r == Reduce::Avg && !present.is_empty() {
                                    // "Missing values are treated as 0."
                                    finite(present.iter().sum::<f64>() / a.len() as f64)
                                } else {
                                    reduce(r, &present)
                                }
                            })
                            .collect(),
                    )),
                    Value::Scalar(_) => Err(MathError::new(
                        arg_offset(0),
                        "expects a time series or an array of time series, not a scalar",
                    )),
                }
            }
            Func::DatapointCount => match self.arg(args, 0)? {
                Value::Series(s) => Ok(Value::Scalar(Some(s.iter().flatten().count() as f64))),
                Value::Array(a) => Ok(Value::Series(
                    (0..self.periods)
                        .map(|i| {
                            let count = a
                                .iter()
                                .filter(|s| s.get(i).copied().flatten().is_some())
                                .count();
                            (count > 0).then_some(count as f64)
                        })
                        .collect(),
                )),
                Value::Scalar(_) => Err(MathError::new(
                    arg_offset(0),
                    "DATAPOINT_COUNT expects a time series",
                )),
            },
            Func::MetricCount => match self.arg(args, 0)? {
                Value::Array(a) => Ok(Value::Scalar(Some(a.len() as f64))),
                Value::Series(_) => Ok(Value::Scalar(Some(1.0))),
                Value::Scalar(_) => Err(MathError::new(
                    arg_offset(0),
                    "METRIC_COUNT expects an array of time series",
                )),
            },
            Func::Metrics => {
                let filter = match args.first().map(|a| &a.kind) {
                    Some(Kind::Str(s)) => s.as_str(),
                    _ => "",
                };
                Ok(Value::Array(
                    self.inputs
                        .iter()
                        .filter(|(id, _)| id.contains(filter))
                        .map(|(_, s)| self.fit(s))
                        .collect(),
                ))
            }
            Func::Period => {
                self.arg(args, 0)?; // the id must exist
                Ok(Value::Scalar(Some(f64::from(self.period))))
            }
            Func::Rate => {
                let period = f64::from(self.period);
                per_series(self.arg(args, 0)?, arg_offset(0), "RATE", &|s| {
                    with_previous(s, &|v, w, gap| {
                        apply(BinOp::Div, v - w, gap as f64 * period)
                    })
                })
            }
            Func::Diff => per_series(self.arg(args, 0)?, arg_offset(0), "DIFF", &|s| {
                with_previous(s, &|v, w, _| finite(v - w))
            }),
            Func::DiffTime => {
                let period = f64::from(self.period);
                per_series(self.arg(args, 0)?, arg_offset(0), "DIFF_TIME", &|s| {
                    with_previous(s, &|_, _, gap| finite(gap as f64 * period))
                })
            }
            Func::RunningSum => {
                per_series(self.arg(args, 0)?, arg_offset(0), "RUNNING_SUM", &|s| {
                    let mut total = 0.0;
                    s.iter()
                        .map(|p| {
                            total += (*p)?;
                            finite(total)
                        })
                        .collect()
                })
            }
            Func::Fill => {
                let target = self.arg(args, 0)?;
                let filler_node = args.get(1);
                match filler_node.map(|f| &f.kind) {
                    Some(Kind::Repeat) => per_series(target, arg_offset(0), "FILL", &fill_repeat),
                    Some(Kind::Linear) => per_series(target, arg_offset(0), "FILL", &fill_linear),
                    _ => {
                        let fill_with = |s: &Series, f: &dyn Fn(usize) -> Option<f64>| -> Series {
                            s.iter()
                                .enumerate()
                                .map(|(i, p)| p.or_else(|| f(i)))
                                .collect()
                        };
                        match self.arg(args, 1)? {
                            Value::Scalar(x) => {
                                per_series(target, arg_offset(0), "FILL", &|s| fill_with(s, &|_| x))
                            }
                            Value::Series(f) => per_series(target, arg_offset(0), "FILL", &|s| {
                                fill_with(s, &|i| f.get(i).copied().flatten())
                            }),
                            Value::Array(_) => Err(MathError::new(
                                arg_offset(1),
                                "FILL takes a scalar, a time series, REPEAT or LINEAR as filler",
                            )),
                        }
                    }
                }
            }
            Func::If => self.eval_if(args, offset),
            Func::TimeSeries => match self.arg(args, 0)? {
                Value::Scalar(x) => Ok(Value::Series(vec![x; self.periods])),
                _ => Err(MathError::new(arg_offset(0), "TIME_SERIES takes a scalar")),
            },
            Func::First | Func::Last | Func::RemoveEmpty => {
                let array = match self.arg(args, 0)? {
                    Value::Array(a) => a,
                    Value::Series(s) => vec![s],
                    Value::Scalar(_) => {
                        return Err(MathError::new(
                            arg_offset(0),
                            "expects an array of time series",
                        ));
                    }
                };
                Ok(match func {
                    Func::First => {
                        Value::Series(array.into_iter().next().unwrap_or_else(|| self.missing()))
                    }
                    Func::Last => {
                        Value::Series(array.into_iter().last().unwrap_or_else(|| self.missing()))
                    }
                    _ => Value::Array(
                        array
                            .into_iter()
                            .filter(|s| s.iter().any(Option::is_some))
                            .collect(),
                    ),
                })
            }
        }
    }

    /// "Using IF expressions".
    fn eval_if(&self, args: &[Node], offset: usize) -> Result<Value, MathError> {
        let cond = self.arg(args, 0)?;
        let yes = self.arg(args, 1)?;
        let no = if args.len() > 2 {
            Some(self.arg(args, 2)?)
        } else {
            None
        };
        for (i, v) in [Some(&cond), Some(&yes), no.as_ref()].iter().enumerate() {
            if matches!(v, Some(Value::Array(_))) {
                let at = args.get(i).map_or(offset, |a| a.offset);
                return Err(MathError::new(
                    at,
                    "IF does not accept arrays of time series",
                ));
            }
        }
        let any_series = [Some(&cond), Some(&yes), no.as_ref()]
            .iter()
            .any(|v| matches!(v, Some(Value::Series(_))));
        // Value of a branch at period i; `true_branch` turns a missing series
        // point into 0 ("has the value of 0, if [...] TRUE and the corresponding
        // data point does not exist in metric2").
        let at = |v: &Value, i: usize, true_branch: bool| -> Option<f64> {
            match v {
                Value::Scalar(x) => *x,
                Value::Series(s) => {
                    let p = s.get(i).copied().flatten();
                    if true_branch {
                        Some(p.unwrap_or(0.0))
                    } else {
                        p
                    }
                }
                Value::Array(_) => None,
            }
        };
        match &cond {
            Value::Scalar(c) => {
                let chosen = match c {
                    Some(c) if *c != 0.0 => Some(&yes),
                    Some(_) => no.as_ref(),
                    None => None,
                };
                Ok(match (chosen, any_series) {
                    (Some(Value::Series(s)), _) => Value::Series(s.clone()),
                    (Some(Value::Scalar(x)), true) => Value::Series(vec![*x; self.periods]),
                    (Some(Value::Scalar(x)), false) => Value::Scalar(*x),
                    (_, true) => Value::Series(self.missing()),
                    (_, false) => Value::Scalar(None),
                })
            }
            Value::Series(c) => Ok(Value::Series(
                (0..self.periods)
                    .map(|i| match c.get(i).copied().flatten() {
                        None => None,
                        Some(v) if v != 0.0 => at(&yes, i, true),
                        Some(_) => no.as_ref().and_then(|n| at(n, i, false)),
                    })
                    .collect(),
            )),
            Value::Array(_) => Err(MathError::new(offset, "IF does not accept arrays")),
        }
    }
}

fn collect_ids(n: &Node, out: &mut Vec<String>) {
    match &n.kind {
        Kind::Id(id) if !out.contains(id) => out.push(id.clone()),
        Kind::Neg(a) => collect_ids(a, out),
        Kind::Binary(_, a, b) => {
            collect_ids(a, out);
            collect_ids(b, out);
        }
        Kind::Array(items) | Kind::Call(_, items) => items.iter().for_each(|i| collect_ids(i, out)),
        _ => {}
    }
}

impl Expr {
    /// Parses a metric math expression; errors carry the byte offset.
    pub fn parse(text: &str) -> Result<Expr, MathError> {
        let toks = lex(text)?;
        let mut parser = Parser {
            toks,
            pos: 0,
            nesting: 0,
        };
        if matches!(parser.peek(), Tok::End) {
            return Err(MathError::new(0, "empty expression"));
        }
        let root = parser.expr()?;
        if !matches!(parser.peek(), Tok::End) {
            return Err(parser.unexpected("an operator or end of expression"));
        }
        validate(&root, false)?;
        Ok(Expr { root })
    }

    /// The query ids the expression references, in order of first use
    /// (`METRICS()` references all queries implicitly and adds none).
    pub fn ids(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_ids(&self.root, &mut out);
        out
    }

    /// Evaluates to one series of `periods` values.
    ///
    /// `inputs`: the alarm's queries in order (id, series); METRICS() returns all of them, METRICS("x")
    /// those whose id contains "x" ("return only the graphed metrics that contain that string in their
    /// Id field"). `period` in seconds for PERIOD()/RATE/DIFF_TIME. Input series are cut or padded to
    /// `periods`. A scalar result, or an array of other than exactly one series, is an error.
    pub fn eval(
        &self,
        inputs: &[(String, Series)],
        period: u32,
        periods: usize,
    ) -> Result<Series, MathError> {
        match self.eval_array(inputs, period, periods)? {
            mut one if one.len() == 1 => Ok(one.pop().unwrap_or_default()),
            many => Err(MathError::new(
                0,
                format!(
                    "the expression produces {} time series; an alarm needs exactly one",
                    many.len()
                ),
            )),
        }
    }

    /// Evaluates to every series the expression produces (one for a series
    /// result); a scalar result is an error.
    pub fn eval_array(
        &self,
        inputs: &[(String, Series)],
        period: u32,
        periods: usize,
    ) -> Result<Vec<Series>, MathError> {
        let ctx = Ctx {
            inputs,
            period,
            periods,
        };
        match ctx.eval(&self.root)? {
            Value::Series(s) => Ok(vec![s]),
            Value::Array(a) => Ok(a),
            Value::Scalar(_) => Err(MathError::new(
                0,
                "the expression produces a scalar; the result must be a time series",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Option<f64> = None;

    fn s(values: &[Option<f64>]) -> Series {
        values.to_vec()
    }

    fn inputs() -> Vec<(String, Series)> {
        vec![
            (
                "m1".to_string(),
                s(&[Some(30.0), Some(20.0), Some(0.0), Some(0.0)]),
            ),
            ("m2".to_string(), s(&[Some(20.0), M, Some(20.0), M])),
            (
                "errors_4xx".to_string(),
                s(&[Some(1.0), Some(2.0), M, Some(4.0)]),
            ),
            ("errors_5xx".to_string(), s(&[Some(10.0), M, M, Some(40.0)])),
        ]
    }

    fn run(text: &str) -> Result<Series, MathError> {
        Expr::parse(text)?.eval(&inputs(), 60, 4)
    }

    fn ok(text: &str) -> Series {
        match run(text) {
            Ok(series) => series,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn err(text: &str) -> MathError {
        match run(text) {
            Ok(series) => panic!("{text}: expected an error, got {series:?}"),
            Err(e) => e,
        }
    }

    fn vals(v: &[f64]) -> Series {
        v.iter().map(|x| Some(*x)).collect()
    }

    #[test]
    fn arithmetic_with_scalars() {
        assert_eq!(ok("m1 * 2 + 1"), vals(&[61.0, 41.0, 1.0, 1.0]));
        assert_eq!(ok("m1 / 10 - 1"), vals(&[2.0, 1.0, -1.0, -1.0]));
        assert_eq!(ok("m1 ^ 0.5 * 0 + 2 ^ 3"), vals(&[8.0; 4]));
        assert_eq!(ok("-m1"), vals(&[-30.0, -20.0, -0.0, -0.0]));
        assert_eq!(ok("PERIOD(m1)/60 * m1"), vals(&[30.0, 20.0, 0.0, 0.0]));
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(ok("TIME_SERIES(2 + 3 * 4)"), vals(&[14.0; 4]));
        assert_eq!(ok("TIME_SERIES((2 + 3) * 4)"), vals(&[20.0; 4]));
        assert_eq!(ok("TIME_SERIES(2 ^ 3 ^ 2)"), vals(&[512.0; 4]));
        assert_eq!(ok("TIME_SERIES(-2 ^ 2)"), vals(&[-4.0; 4]));
        assert_eq!(ok("TIME_SERIES(2 ^ -1)"), vals(&[0.5; 4]));
        assert_eq!(ok("TIME_SERIES(10 - 4 - 3)"), vals(&[3.0; 4]));
        assert_eq!(ok("TIME_SERIES(1 + 1 > 1 AND 0 OR 1)"), vals(&[1.0; 4]));
        assert_eq!(ok("TIME_SERIES(1 OR 0 AND 0)"), vals(&[1.0; 4]));
        assert_eq!(ok("TIME_SERIES(1.5e1 + .5)"), vals(&[15.5; 4]));
    }

    #[test]
    fn comparison_examples_from_the_guide() {
        // metric1 = [30, 20, 0, 0], metric2 = [20, -, 20, -].
        assert_eq!(ok("(m1 < m2)"), vals(&[0.0, 0.0, 1.0, 0.0]));
        assert_eq!(ok("(m1 >= 30)"), vals(&[1.0, 0.0, 0.0, 0.0]));
        assert_eq!(ok("(m1 > 15 AND m2 > 15)"), vals(&[1.0, 0.0, 0.0, 0.0]));
        assert_eq!(ok("m1 > 15 && m2 > 15"), vals(&[1.0, 0.0, 0.0, 0.0]));
        assert_eq!(ok("m1 == 0 || m2 != 20"), vals(&[0.0, 0.0, 1.0, 1.0]));
        assert_eq!(ok("m1 <= 20"), vals(&[0.0, 1.0, 1.0, 1.0]));
    }

    #[test]
    fn missing_values_between_series_count_as_zero() {
        // "Missing values in a time series are treated as 0."
        assert_eq!(ok("m1 + m2"), vals(&[50.0, 20.0, 20.0, 0.0]));
        assert_eq!(ok("m2 - m1"), vals(&[-10.0, -20.0, 20.0, 0.0]));
        assert_eq!(
            ok("errors_5xx + m2"),
            s(&[Some(30.0), M, Some(20.0), Some(40.0)])
        );
    }

    #[test]
    fn missing_values_with_scalars_stay_missing() {
        assert_eq!(ok("m2 * 2"), s(&[Some(40.0), M, Some(40.0), M]));
        assert_eq!(ok("10 - m2"), s(&[Some(-10.0), M, Some(-10.0), M]));
    }

    #[test]
    fn division_by_zero_drops_the_point() {
        // "If the value of a data point causes a function to attempt to divide
        // by zero, the data point is dropped."
        assert_eq!(ok("m2 / m1"), s(&[Some(20.0 / 30.0), Some(0.0), M, M]));
        assert_eq!(ok("m1 / 0"), s(&[M; 4]));
        assert_eq!(ok("m1 + 1 / 0"), s(&[M; 4]));
        assert_eq!(
            ok("LOG(m1)"),
            s(&[Some(30f64.ln()), Some(20f64.ln()), M, M])
        );
        assert_eq!(ok("(m1 - 40) ^ 0.5"), s(&[M; 4]));
    }

    #[test]
    fn sum_of_single_series_is_a_scalar() {
        // "The SUM of a single time series returns a scalar".
        assert_eq!(ok("m1 - AVG(m1)"), vals(&[17.5, 7.5, -12.5, -12.5]));
        assert_eq!(ok("m1 / SUM(m1)"), vals(&[0.6, 0.4, 0.0, 0.0]));
        assert_eq!(
            ok("m1 - MIN(m1) + MAX(m2)"),
            vals(&[50.0, 40.0, 20.0, 20.0])
        );
        assert_eq!(ok("TIME_SERIES(STDDEV(m2))"), vals(&[0.0; 4]));
        let sd = ok("TIME_SERIES(STDDEV(errors_4xx))")[0].unwrap_or(0.0);
        assert!((sd - (14.0f64 / 9.0).sqrt()).abs() < 1e-12, "{sd}");
        let e = err("SUM(m1)");
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("scalar"), "{e}");
    }

    #[test]
    fn aggregates_over_arrays() {
        assert_eq!(ok("SUM([m1, m2])"), vals(&[50.0, 20.0, 20.0, 0.0]));
        assert_eq!(ok("MAX([m1, m2])"), vals(&[30.0, 20.0, 20.0, 0.0]));
        assert_eq!(ok("MIN([m1, m2])"), vals(&[20.0, 20.0, 0.0, 0.0]));
        // AVG of an array: "Missing values are treated as 0."
        assert_eq!(ok("AVG([m1, m2])"), vals(&[25.0, 10.0, 10.0, 0.0]));
        assert_eq!(ok("STDDEV([m1, m2])"), vals(&[5.0, 0.0, 10.0, 0.0]));
        assert_eq!(
            ok("SUM(100/[m1, m2])"),
            s(&[Some(100.0 / 30.0 + 5.0), Some(5.0), Some(5.0), M])
        );
        assert_eq!(ok("SUM(-[m1, m2])"), vals(&[-50.0, -20.0, -20.0, -0.0]));
        assert_eq!(
            ok("AVG([errors_5xx, m2])"),
            s(&[Some(15.0), M, Some(10.0), Some(20.0)])
        );
    }

    #[test]
    fn metrics_function_and_filters() {
        assert_eq!(ok("SUM(METRICS())"), vals(&[61.0, 22.0, 20.0, 44.0]));
        // "return only the graphed metrics that contain that string in their Id field"
        assert_eq!(
            ok("SUM(METRICS(\"errors\"))"),
            s(&[Some(11.0), Some(2.0), M, Some(44.0)])
        );
        assert_eq!(
            ok("SUM([METRICS(“4xx”), METRICS(“5xx”)])"),
            s(&[Some(11.0), Some(2.0), M, Some(44.0)])
        );
        assert_eq!(
            ok("MAX(METRICS(\"m\") * 100)"),
            vals(&[3000.0, 2000.0, 2000.0, 0.0])
        );
        assert_eq!(
            ok("m1 / METRIC_COUNT(METRICS())"),
            vals(&[7.5, 5.0, 0.0, 0.0])
        );
        assert_eq!(ok("SUM(METRICS(\"nothing\"))"), s(&[M; 4]));
        let e = err("METRICS()");
        assert!(e.message.contains("4 time series"), "{e}");
        assert_eq!(
            ok("METRICS(\"4xx\")"),
            s(&[Some(1.0), Some(2.0), M, Some(4.0)])
        );
    }

    #[test]
    fn elementwise_functions() {
        assert_eq!(ok("ABS(m2 - m1)"), vals(&[10.0, 20.0, 20.0, 0.0]));
        assert_eq!(ok("CEIL(m1 / 7)"), vals(&[5.0, 3.0, 0.0, 0.0]));
        assert_eq!(ok("FLOOR(m1 / 7)"), vals(&[4.0, 2.0, 0.0, 0.0]));
        assert_eq!(
            ok("LOG10(m1 + 70)"),
            vals(&[2.0, 90f64.log10(), 70f64.log10(), 70f64.log10()])
        );
        assert_eq!(ok("MIN(ABS([m1, -m2]))"), vals(&[20.0, 20.0, 0.0, 0.0]));
        assert_eq!(ok("FIRST(CEIL(METRICS()))"), vals(&[30.0, 20.0, 0.0, 0.0]));
    }

    #[test]
    fn fill_forms() {
        let input = vec![("m".to_string(), s(&[M, Some(1.0), M, M, Some(4.0), M]))];
        let run = |t: &str| Expr::parse(t).and_then(|e| e.eval(&input, 60, 6));
        assert_eq!(run("FILL(m, 0)"), Ok(vals(&[0.0, 1.0, 0.0, 0.0, 4.0, 0.0])));
        assert_eq!(
            run("FILL(m, REPEAT)"),
            Ok(s(&[
                M,
                Some(1.0),
                Some(1.0),
                Some(1.0),
                Some(4.0),
                Some(4.0)
            ]))
        );
        assert_eq!(
            run("FILL(m, LINEAR)"),
            Ok(s(&[M, Some(1.0), Some(2.0), Some(3.0), Some(4.0), M]))
        );
        assert_eq!(
            run("FILL(m, MIN(m))"),
            Ok(vals(&[1.0, 1.0, 1.0, 1.0, 4.0, 1.0]))
        );
        assert_eq!(
            run("FILL(m, m * 0 + 9)"),
            Ok(s(&[M, Some(1.0), M, M, Some(4.0), M]))
        );
        assert_eq!(ok("FILL(m2, m1)"), vals(&[20.0, 20.0, 20.0, 0.0]));
        assert_eq!(
            ok("SUM(FILL(METRICS(\"errors\"), 0))"),
            vals(&[11.0, 2.0, 0.0, 44.0])
        );
        assert_eq!(err("FILL(m1, [m1, m2])").offset, 9);
    }

    #[test]
    fn if_with_three_series_table() {
        // "Using IF expressions": metric1 [1, 1, 0, 0, -], metric2 [30, -, 0, 0, 30],
        // metric3 [0, 0, 20, -, 20] -> IF(metric1, metric2, metric3) = [30, 0, 20, -, -].
        let input = vec![
            (
                "metric1".to_string(),
                s(&[Some(1.0), Some(1.0), Some(0.0), Some(0.0), M]),
            ),
            (
                "metric2".to_string(),
                s(&[Some(30.0), M, Some(0.0), Some(0.0), Some(30.0)]),
            ),
            (
                "metric3".to_string(),
                s(&[Some(0.0), Some(0.0), Some(20.0), M, Some(20.0)]),
            ),
        ];
        let run = |t: &str| Expr::parse(t).and_then(|e| e.eval(&input, 60, 5));
        assert_eq!(
            run("IF(metric1, metric2, metric3)"),
            Ok(s(&[Some(30.0), Some(0.0), Some(20.0), M, M]))
        );
        // IF(metric1, scalar2, metric3) with scalar2 = 5 -> [5, 5, 20, -, -].
        assert_eq!(
            run("IF(metric1, 5, metric3)"),
            Ok(s(&[Some(5.0), Some(5.0), Some(20.0), M, M]))
        );
        // IF(metric1, metric2, scalar3) with scalar3 = 5 -> [30, 0, 5, 5, -].
        assert_eq!(
            run("IF(metric1, metric2, 5)"),
            Ok(s(&[Some(30.0), Some(0.0), Some(5.0), Some(5.0), M]))
        );
        // metric3 omitted: FALSE points are dropped.
        assert_eq!(
            run("IF(metric1, metric2)"),
            Ok(s(&[Some(30.0), Some(0.0), M, M, M]))
        );
    }

    #[test]
    fn if_with_comparison_and_scalar_condition() {
        assert_eq!(
            ok("IF(m1 < 25, m1)"),
            s(&[M, Some(20.0), Some(0.0), Some(0.0)])
        );
        assert_eq!(ok("IF(m1 < 25, 10, 2)"), vals(&[2.0, 10.0, 10.0, 10.0]));
        assert_eq!(ok("IF(1, m1, m2)"), vals(&[30.0, 20.0, 0.0, 0.0]));
        assert_eq!(ok("IF(0, m1, m2)"), s(&[Some(20.0), M, Some(20.0), M]));
        assert_eq!(ok("IF(0, m1)"), s(&[M; 4]));
        assert_eq!(ok("IF(MAX(m1) > 10, 1, m2)"), vals(&[1.0; 4]));
        assert_eq!(ok("m1 + IF(1, 2, 3)"), vals(&[32.0, 22.0, 2.0, 2.0]));
        assert_eq!(err("IF(METRICS(), 1, 0)").offset, 3);
    }

    #[test]
    fn rate_diff_running_sum() {
        let input = vec![("m".to_string(), s(&[Some(10.0), Some(16.0), M, Some(28.0)]))];
        let run = |t: &str| Expr::parse(t).and_then(|e| e.eval(&input, 60, 4));
        assert_eq!(run("DIFF(m)"), Ok(s(&[M, Some(6.0), M, Some(12.0)])));
        assert_eq!(run("RATE(m)"), Ok(s(&[M, Some(0.1), M, Some(0.1)])));
        assert_eq!(run("DIFF_TIME(m)"), Ok(s(&[M, Some(60.0), M, Some(120.0)])));
        assert_eq!(
            run("RUNNING_SUM(m)"),
            Ok(s(&[Some(10.0), Some(26.0), M, Some(54.0)]))
        );
        assert_eq!(
            run("m / PERIOD(m)"),
            Ok(s(&[
                Some(10.0 / 60.0),
                Some(16.0 / 60.0),
                M,
                Some(28.0 / 60.0)
            ]))
        );
        // Period 0: RATE divides by zero and drops every point.
        assert_eq!(
            Expr::parse("RATE(m)").and_then(|e| e.eval(&input, 0, 4)),
            Ok(s(&[M; 4]))
        );
        assert_eq!(
            ok("SUM(RUNNING_SUM([m1, m2]))"),
            vals(&[50.0, 50.0, 90.0, 50.0])
        );
    }

    #[test]
    fn counts_and_array_helpers() {
        assert_eq!(ok("m1 * 0 + DATAPOINT_COUNT(m2)"), vals(&[2.0; 4]));
        assert_eq!(
            ok("DATAPOINT_COUNT(METRICS())"),
            vals(&[4.0, 2.0, 2.0, 3.0])
        );
        assert_eq!(ok("LAST([m1, m2])"), s(&[Some(20.0), M, Some(20.0), M]));
        assert_eq!(
            ok("TIME_SERIES(METRIC_COUNT(REMOVE_EMPTY([m1, m2 * 0 / 0])))"),
            vals(&[1.0; 4])
        );
        assert_eq!(ok("TIME_SERIES(5)"), vals(&[5.0; 4]));
    }

    #[test]
    fn scalar_logic_and_nested_functions() {
        assert_eq!(ok("TIME_SERIES(3 > 2 && 2 >= 2 || 0)"), vals(&[1.0; 4]));
        assert_eq!(ok("TIME_SERIES(1 == 1 AND 1 != 1)"), vals(&[0.0; 4]));
        assert_eq!(
            ok("IF(ABS(m1 - AVG(m1)) > STDDEV(m1), 1, 0)"),
            vals(&[1.0, 0.0, 0.0, 0.0])
        );
        assert_eq!(
            ok("CEIL(FILL(m2, REPEAT) / 3)"),
            vals(&[7.0, 7.0, 7.0, 7.0])
        );
        assert_eq!(err("IF(m1, [m1, m2])").offset, 7);
        assert_eq!(err("ABS(METRICS()) + METRICS()").offset, 15);
    }

    #[test]
    fn ids_lists_references_in_order() {
        let e = Expr::parse("IF(b > 1, a, b) + PERIOD(c) + SUM(METRICS())");
        assert_eq!(
            e.map(|e| e.ids()),
            Ok(vec!["b".to_string(), "a".to_string(), "c".to_string()])
        );
    }

    #[test]
    fn inputs_are_fitted_to_periods() {
        let input = vec![("m".to_string(), s(&[Some(1.0), Some(f64::NAN), Some(3.0)]))];
        let e = Expr::parse("m");
        assert_eq!(
            e.clone().and_then(|e| e.eval(&input, 60, 2)),
            Ok(s(&[Some(1.0), M]))
        );
        assert_eq!(
            e.and_then(|e| e.eval(&input, 60, 4)),
            Ok(s(&[Some(1.0), M, Some(3.0), M]))
        );
    }

    #[test]
    fn parse_errors_are_located() {
        let at = |t: &str| Expr::parse(t).err().map(|e| e.offset);
        assert_eq!(at(""), Some(0));
        assert_eq!(at("m1 +"), Some(4));
        assert_eq!(at("m1 + * m2"), Some(5));
        assert_eq!(at("(m1 + m2"), Some(8));
        assert_eq!(at("m1 m2"), Some(3));
        assert_eq!(at("m1 = m2"), Some(3));
        assert_eq!(at("m1 + $"), Some(5));
        assert_eq!(at("Sum(m1)"), Some(0));
        assert_eq!(at("sum(m1)"), Some(3));
        assert_eq!(at("M1 + 1"), Some(0));
        assert_eq!(at("m1 + FOO(m1)"), Some(5));
        assert_eq!(at("m1 + 'x'"), Some(5));
        let e = Expr::parse("SEARCH(\"x\")").err();
        assert!(
            e.as_ref()
                .is_some_and(|e| e.offset == 0 && e.message.contains("not supported")),
            "{e:?}"
        );
        assert_eq!(at("ANOMALY_DETECTION_BAND(m1)"), Some(0));
        assert_eq!(at("ABS(m1, m2)"), Some(0));
        assert_eq!(at("FILL(m1)"), Some(0));
        assert_eq!(at("m1 + REPEAT"), Some(5));
        assert_eq!(at("FILL(REPEAT, m1)"), Some(5));
        assert_eq!(at("m1 + \"x\""), Some(5));
        assert_eq!(at("METRICS(m1)"), Some(8));
        assert_eq!(at("PERIOD(m1 + 1)"), Some(10));
        assert_eq!(at("METRICS(\"abc"), Some(8));
        assert_eq!(at("[]"), Some(0));
        assert_eq!(at("m1 AND"), Some(6));
        assert_eq!(at("AND m1"), Some(0));
        assert_eq!(at("NOT m1"), Some(0));
        assert_eq!(at("12abc"), Some(0));
        assert_eq!(at("1.2.3"), Some(0));
        assert_eq!(at("m1 ++ 1"), Some(4));
        assert_eq!(at("é + 1"), Some(0));
        assert_eq!(at("m1 + é"), Some(5));
    }

    #[test]
    fn evaluation_errors_are_located() {
        assert_eq!(err("m1 + nope").offset, 5);
        assert_eq!(err("METRICS() + [m1, m2]").offset, 10);
        assert_eq!(err("[m1, 5]").offset, 5);
        assert_eq!(err("RATE(5)").offset, 5);
        assert_eq!(err("TIME_SERIES(m1)").offset, 12);
        assert_eq!(err("5").offset, 0);
        assert_eq!(err("AVG(3)").offset, 4);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let deep = format!("{}m1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(Expr::parse(&deep).is_err());
        assert!(Expr::parse(&"-".repeat(10_000)).is_err());
        let chain = vec!["m1"; 5_000].join(" + ");
        assert!(Expr::parse(&chain).is_err());
        let ok_chain = vec!["m1"; 100].join(" + ");
        assert_eq!(
            Expr::parse(&ok_chain).and_then(|e| e.eval(&inputs(), 60, 1)),
            Ok(vals(&[3000.0]))
        );
        for text in [
            "\u{201c}", "\"", "(", ")", "[", "]", ",", "IF(", "FILL(,)", "1e", "1e+", ".", "m1^",
            "¿",
        ] {
            let _ = Expr::parse(text).and_then(|e| e.eval(&inputs(), 60, 3));
        }
        let e = Expr::parse("m1 * 1e308 * 10");
        assert_eq!(e.and_then(|e| e.eval(&inputs(), 60, 1)), Ok(s(&[M])));
        assert_eq!(
            Expr::parse("m1").and_then(|e| e.eval(&inputs(), 60, 0)),
            Ok(vec![])
        );
    }
}
