//! The parser: the syntax tree ([`Expr`], nodes, operators, the function
//! table) and the recursive-descent parser from tokens to a validated tree.

use super::MathError;
use super::lexer::{Tok, invalid_name, lex};

/// Maximum nesting of parentheses, brackets, calls and unary minus.
const MAX_NESTING: usize = 64;
/// Maximum depth of the syntax tree (long operator chains nest too).
const MAX_TREE_DEPTH: usize = 256;

/// A parsed metric math expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub(super) root: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub(super) offset: usize,
    depth: usize,
    pub(super) kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    Number(f64),
    Id(String),
    Str(String),
    Repeat,
    Linear,
    /// A bare uppercase word in a place that takes one: SORT's function
    /// (`AVG`, `MIN`, `MAX`, `SUM`) and order (`ASC`, `DESC`).
    Keyword(String),
    Neg(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Array(Vec<Node>),
    Call(Func, Vec<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
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
pub(super) enum Func {
    Abs,
    AnomalyDetectionBand,
    Avg,
    Ceil,
    DatapointCount,
    Diff,
    DiffTime,
    Fill,
    First,
    Floor,
    If,
    InsightRuleMetric,
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
    ServiceQuota,
    Slice,
    Sort,
    Stddev,
    Sum,
    Time(TimePart),
    TimeSeries,
}

/// What a time function takes from each datapoint's timestamp (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimePart {
    Minute,
    Hour,
    Day,
    Date,
    Month,
    Year,
    Epoch,
}

/// Name, function, minimum and maximum argument count.
const FUNCTIONS: [(&str, Func, usize, usize); 36] = [
    ("ABS", Func::Abs, 1, 1),
    ("ANOMALY_DETECTION_BAND", Func::AnomalyDetectionBand, 1, 2),
    ("AVG", Func::Avg, 1, 1),
    ("CEIL", Func::Ceil, 1, 1),
    ("DATAPOINT_COUNT", Func::DatapointCount, 1, 1),
    ("DIFF", Func::Diff, 1, 1),
    ("DIFF_TIME", Func::DiffTime, 1, 1),
    ("FILL", Func::Fill, 2, 2),
    ("FIRST", Func::First, 1, 1),
    ("FLOOR", Func::Floor, 1, 1),
    ("IF", Func::If, 2, 3),
    ("INSIGHT_RULE_METRIC", Func::InsightRuleMetric, 2, 2),
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
    ("SERVICE_QUOTA", Func::ServiceQuota, 1, 1),
    ("SLICE", Func::Slice, 2, 3),
    ("SORT", Func::Sort, 3, 4),
    ("STDDEV", Func::Stddev, 1, 1),
    ("SUM", Func::Sum, 1, 1),
    ("TIME_SERIES", Func::TimeSeries, 1, 1),
    ("MINUTE", Func::Time(TimePart::Minute), 1, 1),
    ("HOUR", Func::Time(TimePart::Hour), 1, 1),
    ("DAY", Func::Time(TimePart::Day), 1, 1),
    ("DATE", Func::Time(TimePart::Date), 1, 1),
    ("MONTH", Func::Time(TimePart::Month), 1, 1),
    ("YEAR", Func::Time(TimePart::Year), 1, 1),
    ("EPOCH", Func::Time(TimePart::Epoch), 1, 1),
];

/// CloudWatch functions this offline evaluator cannot compute: SEARCH and
/// SELECT (Metrics Insights) query the account's metrics, LAMBDA calls a
/// function.
const UNSUPPORTED: [&str; 3] = ["LAMBDA", "SEARCH", "SELECT"];

/// Bare words SORT takes: its function and its order ("The function you use
/// can be AVG, MIN, MAX, or SUM. The sort order can be either ASC [...] or
/// DESC").
const KEYWORDS: [&str; 6] = ["ASC", "AVG", "DESC", "MAX", "MIN", "SUM"];

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    nesting: usize,
    /// Parsing the arguments of INSIGHT_RULE_METRIC: bare names allowed.
    names_ok: bool,
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

    /// Whether the token after the current one is `(`.
    fn next_is_call(&self) -> bool {
        matches!(self.toks.get(self.pos + 1), Some((_, Tok::Sym("("))))
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
            Tok::Word(s) | Tok::Name(s) => format!("{s:?}"),
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
            // A bare name is only an argument of INSIGHT_RULE_METRIC
            // (`INSIGHT_RULE_METRIC(rule, UniqueContributors)`).
            Tok::Name(name) if self.names_ok && !self.next_is_call() => {
                self.pos += 1;
                node(offset, Kind::Str(name))
            }
            Tok::Name(name) => Err(invalid_name(offset, &name)),
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
                        w if KEYWORDS.contains(&w) => node(offset, Kind::Keyword(word)),
                        // A Metrics Insights query: `SELECT AVG(x) FROM …`.
                        w if UNSUPPORTED.contains(&w) => Err(MathError::new(
                            offset,
                            format!("{word} is not supported by the offline evaluator"),
                        )),
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
                let outer = self.names_ok;
                self.names_ok = *func == Func::InsightRuleMetric;
                let args = self.list(")");
                self.names_ok = outer;
                let args = args?;
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
                let args = if *func == Func::InsightRuleMetric {
                    // A bare name is the rule's or metric's name, not a query id.
                    args.into_iter()
                        .map(|a| match a.kind {
                            Kind::Id(name) => Node {
                                kind: Kind::Str(name),
                                ..a
                            },
                            other => Node { kind: other, ..a },
                        })
                        .collect()
                } else {
                    args
                };
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

/// Rejects strings, REPEAT/LINEAR and SORT's keywords outside the places
/// that accept them, and arguments of the wrong form where a function needs
/// a metric id or a name.
fn validate(n: &Node, special_ok: bool) -> Result<(), MathError> {
    match &n.kind {
        Kind::Str(_) if !special_ok => Err(MathError::new(
            n.offset,
            "a string is only valid as the argument of METRICS or INSIGHT_RULE_METRIC",
        )),
        Kind::Repeat | Kind::Linear if !special_ok => Err(MathError::new(
            n.offset,
            "REPEAT and LINEAR are only valid as the second argument of FILL",
        )),
        Kind::Keyword(word) if !special_ok => Err(MathError::new(
            n.offset,
            format!("{word} without parentheses is only valid as an argument of SORT"),
        )),
        Kind::Neg(a) => validate(a, false),
        Kind::Binary(_, a, b) => {
            validate(a, false)?;
            validate(b, false)
        }
        Kind::Array(items) => items.iter().try_for_each(|i| validate(i, false)),
        Kind::Call(func, args) => {
            for (index, arg) in args.iter().enumerate() {
                let ok = special_arg(*func, index, arg)?;
                validate(arg, ok)?;
            }
            Ok(())
        }
        Kind::Number(_)
        | Kind::Id(_)
        | Kind::Str(_)
        | Kind::Repeat
        | Kind::Linear
        | Kind::Keyword(_) => Ok(()),
    }
}

/// Whether argument `index` of `func` may be a string, REPEAT/LINEAR or a
/// keyword; an error where the function needs another form.
fn special_arg(func: Func, index: usize, arg: &Node) -> Result<bool, MathError> {
    let keyword =
        |allowed: &[&str]| matches!(&arg.kind, Kind::Keyword(w) if allowed.contains(&w.as_str()));
    let need = |ok: bool, message: &str| {
        if ok {
            Ok(true)
        } else {
            Err(MathError::new(arg.offset, message))
        }
    };
    match func {
        Func::Metrics => need(
            matches!(arg.kind, Kind::Str(_)),
            "METRICS takes a string argument",
        ),
        Func::Fill => Ok(index == 1 && matches!(arg.kind, Kind::Repeat | Kind::Linear)),
        Func::Period => need(
            matches!(arg.kind, Kind::Id(_)),
            "PERIOD takes a metric id (\"Valid input is metrics, not the results of other expressions\")",
        ),
        // "The first is the ID of the metric to create the band for."
        Func::AnomalyDetectionBand if index == 0 => need(
            matches!(arg.kind, Kind::Id(_)),
            "ANOMALY_DETECTION_BAND takes the id of the metric to create the band for",
        ),
        // "TS that is a usage metric".
        Func::ServiceQuota => need(
            matches!(arg.kind, Kind::Id(_)),
            "SERVICE_QUOTA takes the id of a usage metric",
        ),
        Func::InsightRuleMetric => need(
            matches!(arg.kind, Kind::Str(_)),
            "INSIGHT_RULE_METRIC takes a rule name and a metric name (INSIGHT_RULE_METRIC(ruleName, metricName))",
        ),
        Func::Sort if index == 1 => need(
            keyword(&["AVG", "MIN", "MAX", "SUM"]),
            "SORT's second argument is the function to sort by: AVG, MIN, MAX or SUM",
        ),
        Func::Sort if index == 2 => need(
            keyword(&["ASC", "DESC"]),
            "SORT's third argument is the sort order: ASC or DESC",
        ),
        Func::Abs
        | Func::AnomalyDetectionBand
        | Func::Avg
        | Func::Ceil
        | Func::DatapointCount
        | Func::Diff
        | Func::DiffTime
        | Func::First
        | Func::Floor
        | Func::If
        | Func::Last
        | Func::Log
        | Func::Log10
        | Func::Max
        | Func::MetricCount
        | Func::Min
        | Func::Rate
        | Func::RemoveEmpty
        | Func::RunningSum
        | Func::Slice
        | Func::Sort
        | Func::Stddev
        | Func::Sum
        | Func::Time(_)
        | Func::TimeSeries => Ok(false),
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
            names_ok: false,
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
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ok, vals};
    use super::Expr;

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
    fn ids_lists_references_in_order() {
        let e = Expr::parse("IF(b > 1, a, b) + PERIOD(c) + SUM(METRICS())");
        assert_eq!(
            e.map(|e| e.ids()),
            Ok(vec!["b".to_string(), "a".to_string(), "c".to_string()])
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
        assert_eq!(at("LAMBDA(m1)"), Some(0));
        let e = Expr::parse("SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\")").err();
        assert!(
            e.as_ref()
                .is_some_and(|e| e.offset == 0 && e.message.contains("not supported")),
            "{e:?}"
        );
        assert_eq!(at("ANOMALY_DETECTION_BAND(m1 + 1)"), Some(26));
        assert_eq!(at("SERVICE_QUOTA(5)"), Some(14));
        assert_eq!(at("INSIGHT_RULE_METRIC(1, 2)"), Some(20));
        assert_eq!(at("MINUTE(m1, m2)"), Some(0));
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
}
