//! The Logs Insights subset's lexer and parser, with located errors.

use super::{Agg, AggFn, Aggregation, CmpOp, Command, Expr, GroupKey, Query};

/// A syntax error: where (byte offset into the text), what, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// Byte offset of the offending text.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when obvious.
    pub help: Option<String>,
}

impl ParseError {
    fn at(offset: usize, message: impl Into<String>) -> Self {
        ParseError {
            offset,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The commands Logs Insights documents besides the ones obsctl evaluates
/// ("CloudWatch Logs Insights language query syntax", its command table).
const OTHER_COMMANDS: &[&str] = &[
    "parse",
    "dedup",
    "pattern",
    "diff",
    "unmask",
    "unnest",
    "lookup",
    "anomaly",
    "filterIndex",
    "source",
    "SOURCE",
    "addtotals",
];

const EVALUATED: &[&str] = &[
    "fields", "filter", "where", "stats", "sort", "limit", "display",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Regex(String),
    Sym(&'static str),
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let at = |i: usize| chars.get(i).map(|c| c.1);
    let pos = |i: usize| chars.get(i).map_or(text.len(), |c| c.0);
    while let Some(c) = at(i) {
        let start = pos(i);
        if c.is_whitespace() {
            i += 1;
        } else if c == '#' {
            while at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
        } else if c == '"' || c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match at(i) {
                    None => {
                        return Err(ParseError::at(start, "unterminated string")
                            .help(format!("close it with {c}")));
                    }
                    Some('\\') => {
                        if let Some(n) = at(i + 1) {
                            s.push(n);
                        }
                        i += 2;
                    }
                    Some(q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(x) => {
                        s.push(x);
                        i += 1;
                    }
                }
            }
            out.push((start, Tok::Str(s)));
        } else if c == '/' {
            let mut s = String::new();
            i += 1;
            loop {
                match at(i) {
                    None => {
                        return Err(ParseError::at(start, "unterminated regular expression")
                            .help("close it with /"));
                    }
                    Some('\\') if at(i + 1) == Some('/') => {
                        s.push('/');
                        i += 2;
                    }
                    Some('/') => {
                        i += 1;
                        break;
                    }
                    Some(x) => {
                        s.push(x);
                        i += 1;
                    }
                }
            }
            if let Err(e) = regex::Regex::new(&s) {
                return Err(ParseError::at(
                    start,
                    format!("invalid regular expression: {e}"),
                ));
            }
            out.push((start, Tok::Regex(s)));
        } else if c == '`' {
            let mut s = String::new();
            i += 1;
            loop {
                match at(i) {
                    None => return Err(ParseError::at(start, "unterminated `field name`")),
                    Some('`') => {
                        i += 1;
                        break;
                    }
                    Some(x) => {
                        s.push(x);
                        i += 1;
                    }
                }
            }
            out.push((start, Tok::Ident(s)));
        } else if c.is_ascii_digit() || (c == '-' && at(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut j = i + 1;
            while at(j).is_some_and(|d| d.is_ascii_digit() || d == '.') {
                j += 1;
            }
            // A duration such as `5m` in bin(5m) is one word.
            while at(j).is_some_and(|d| d.is_ascii_alphabetic()) {
                j += 1;
            }
            let word = &text[start..pos(j)];
            match word.parse::<f64>() {
                Ok(n) => out.push((start, Tok::Num(n))),
                Err(_) => out.push((start, Tok::Ident(word.to_string()))),
            }
            i = j;
        } else if c.is_alphabetic() || c == '@' || c == '_' || c == '$' {
            let mut j = i + 1;
            while at(j)
                .is_some_and(|d| d.is_alphanumeric() || matches!(d, '_' | '.' | '@' | '$' | '-'))
            {
                j += 1;
            }
            out.push((start, Tok::Ident(text[start..pos(j)].to_string())));
            i = j;
        } else {
            let two: String = [c, at(i + 1).unwrap_or(' ')].iter().collect();
            let sym = match two.as_str() {
                "==" => Some("="),
                "!=" => Some("!="),
                "<=" => Some("<="),
                ">=" => Some(">="),
                "=~" => Some("=~"),
                _ => None,
            };
            if let Some(s) = sym {
                out.push((start, Tok::Sym(s)));
                i += 2;
                continue;
            }
            let one = match c {
                '|' => "|",
                ',' => ",",
                '(' => "(",
                ')' => ")",
                '[' => "[",
                ']' => "]",
                '*' => "*",
                '=' => "=",
                '<' => "<",
                '>' => ">",
                _ => {
                    return Err(ParseError::at(start, format!("unexpected character `{c}`")));
                }
            };
            out.push((start, Tok::Sym(one)));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<(usize, Tok)>,
    i: usize,
    end: usize,
    _text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.1)
    }

    fn offset(&self) -> usize {
        self.toks.get(self.i).map_or(self.end, |t| t.0)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.i).map(|t| t.1.clone());
        self.i += 1;
        t
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(x)) if x.eq_ignore_ascii_case(w))
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), ParseError> {
        if self.is_sym(s) {
            self.i += 1;
            Ok(())
        } else {
            Err(ParseError::at(self.offset(), format!("expected `{s}`")))
        }
    }

    fn at_end_of_command(&self) -> bool {
        self.peek().is_none() || self.is_sym("|")
    }

    fn field(&mut self, what: &str) -> Result<String, ParseError> {
        let at = self.offset();
        match self.next() {
            Some(Tok::Ident(f)) if !is_keyword(&f) => Ok(f),
            _ => Err(ParseError::at(at, format!("expected {what}"))),
        }
    }

    fn command(&mut self) -> Result<Command, ParseError> {
        let at = self.offset();
        let name = match self.next() {
            Some(Tok::Ident(n)) => n,
            _ => {
                return Err(ParseError::at(
                    at,
                    "expected a command (`fields`, `filter`, `stats`, …)",
                ));
            }
        };
        let cmd = match name.as_str() {
            "fields" => {
                let mut list = Vec::new();
                loop {
                    let e = self.expr()?;
                    let alias = if self.is_word("as") {
                        self.i += 1;
                        Some(self.field("a field name after `as`")?)
                    } else {
                        None
                    };
                    list.push((e, alias));
                    if !self.is_sym(",") {
                        break;
                    }
                    self.i += 1;
                }
                Command::Fields(list)
            }
            "filter" | "where" => Command::Filter(self.expr()?),
            "stats" => self.stats()?,
            "sort" => {
                let field = self.field("a field to sort on")?;
                let desc = if self.is_word("asc") {
                    self.i += 1;
                    false
                } else {
                    if self.is_word("desc") {
                        self.i += 1;
                    }
                    true
                };
                Command::Sort { field, desc }
            }
            "limit" => {
                let at = self.offset();
                match self.next() {
                    Some(Tok::Num(n)) if n >= 1.0 && n.fract() == 0.0 => Command::Limit(n as usize),
                    _ => return Err(ParseError::at(at, "`limit` takes a whole number ≥ 1")),
                }
            }
            "display" => {
                let mut list = vec![self.field("a field")?];
                while self.is_sym(",") {
                    self.i += 1;
                    list.push(self.field("a field")?);
                }
                Command::Display(list)
            }
            other if OTHER_COMMANDS.contains(&other) => {
                while !self.at_end_of_command() {
                    self.i += 1;
                }
                Command::Other(other.to_string())
            }
            other => {
                let all: Vec<&str> = EVALUATED.iter().chain(OTHER_COMMANDS).copied().collect();
                let near = all
                    .iter()
                    .min_by_key(|c| strsim::levenshtein(c, other))
                    .filter(|c| strsim::levenshtein(c, other) <= 2);
                let e = ParseError::at(at, format!("`{other}` is not a Logs Insights command"));
                return Err(match near {
                    Some(c) => e.help(format!("did you mean `{c}`?")),
                    None => e.help(
                        "commands: fields, filter, stats, sort, limit, display, parse, dedup, …",
                    ),
                });
            }
        };
        if !self.at_end_of_command() {
            return Err(
                ParseError::at(self.offset(), format!("unexpected text in `{name}`"))
                    .help("separate commands with `|`"),
            );
        }
        Ok(cmd)
    }

    fn stats(&mut self) -> Result<Command, ParseError> {
        let mut aggs = Vec::new();
        loop {
            let start = self.offset();
            let agg = self.agg()?;
            let end = self.offset();
            let name = if self.is_word("as") {
                self.i += 1;
                self.field("a name after `as`")?
            } else {
                self._text
                    .get(start..end)
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join("")
            };
            aggs.push((agg, name));
            if !self.is_sym(",") {
                break;
            }
            self.i += 1;
        }
        let by = self.by()?;
        Ok(Command::Stats { aggs, by })
    }

    fn by(&mut self) -> Result<Vec<GroupKey>, ParseError> {
        let mut by = Vec::new();
        if self.is_word("by") {
            self.i += 1;
            loop {
                by.push(self.group_key()?);
                if !self.is_sym(",") {
                    break;
                }
                self.i += 1;
            }
        }
        Ok(by)
    }

    fn group_key(&mut self) -> Result<GroupKey, ParseError> {
        if self.is_word("bin") {
            self.i += 1;
            self.expect_sym("(")?;
            let at = self.offset();
            let period = match self.next() {
                Some(Tok::Ident(p)) => bin_period(&p),
                Some(Tok::Num(_)) => None,
                _ => None,
            }
            .ok_or_else(|| {
                ParseError::at(at, "`bin()` takes a period such as `5m`, `1h`, `30s`")
                    .help("units: ms, s, m, h, d, w, mo, q, y")
            })?;
            self.expect_sym(")")?;
            // `bin(5m) as t`
            if self.is_word("as") {
                self.i += 1;
                self.field("a name after `as`")?;
            }
            return Ok(GroupKey::Bin(period));
        }
        let f = self.field("a field or `bin(period)` after `by`")?;
        if self.is_word("as") {
            self.i += 1;
            self.field("a name after `as`")?;
        }
        Ok(GroupKey::Field(f))
    }

    fn agg(&mut self) -> Result<Agg, ParseError> {
        let at = self.offset();
        let name = match self.next() {
            Some(Tok::Ident(n)) => n,
            _ => {
                return Err(ParseError::at(
                    at,
                    "expected an aggregate function such as `count(*)`",
                ));
            }
        };
        let func = match name.as_str() {
            "count" => AggFn::Count,
            "count_distinct" => AggFn::CountDistinct,
            "sum" => AggFn::Sum,
            "avg" => AggFn::Avg,
            "min" => AggFn::Min,
            "max" => AggFn::Max,
            "pct" | "percentile" => AggFn::Pct(0.0),
            other => {
                return Err(ParseError::at(
                    at,
                    format!("`{other}` is not an aggregate function obsctl evaluates"),
                )
                .help("use count, count_distinct, sum, avg, min, max or pct"));
            }
        };
        self.expect_sym("(")?;
        let field = if self.is_sym("*") {
            if func != AggFn::Count {
                return Err(ParseError::at(self.offset(), "only `count` takes `*`"));
            }
            self.i += 1;
            None
        } else {
            Some(self.field("a field")?)
        };
        let func = if let AggFn::Pct(_) = func {
            self.expect_sym(",")?;
            let at = self.offset();
            match self.next() {
                Some(Tok::Num(p)) if (0.0..=100.0).contains(&p) => AggFn::Pct(p),
                _ => {
                    return Err(ParseError::at(
                        at,
                        "`pct(field, p)` takes a percentile from 0 to 100",
                    ));
                }
            }
        } else {
            func
        };
        self.expect_sym(")")?;
        Ok(Agg { func, field })
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while self.is_word("or") {
            self.i += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while self.is_word("and") {
            self.i += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.is_word("not") {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let left = self.atom()?;
        let op = match self.peek() {
            Some(Tok::Sym("=")) => Some(CmpOp::Eq),
            Some(Tok::Sym("!=")) => Some(CmpOp::Ne),
            Some(Tok::Sym("<")) => Some(CmpOp::Lt),
            Some(Tok::Sym("<=")) => Some(CmpOp::Le),
            Some(Tok::Sym(">")) => Some(CmpOp::Gt),
            Some(Tok::Sym(">=")) => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.i += 1;
            return Ok(Expr::Cmp(Box::new(left), op, Box::new(self.atom()?)));
        }
        let negated = self.is_word("not");
        if negated {
            self.i += 1;
        }
        if self.is_word("like") || self.is_sym("=~") {
            let regex_only = self.is_sym("=~");
            self.i += 1;
            let at = self.offset();
            let pattern = self.atom()?;
            match (&pattern, regex_only) {
                (Expr::Regex(_), _) | (Expr::Str(_), false) => {}
                _ => {
                    return Err(ParseError::at(at, "expected a string or a /regular expression/")
                        .help("`like \"text\"` matches a substring, `like /re/` and `=~ /re/` a regular expression"));
                }
            }
            return Ok(Expr::Like(Box::new(left), Box::new(pattern), negated));
        }
        if self.is_word("in") {
            self.i += 1;
            self.expect_sym("[")?;
            let mut items = Vec::new();
            if !self.is_sym("]") {
                loop {
                    items.push(self.atom()?);
                    if !self.is_sym(",") {
                        break;
                    }
                    self.i += 1;
                }
            }
            self.expect_sym("]")?;
            return Ok(Expr::In(Box::new(left), items, negated));
        }
        if negated {
            return Err(ParseError::at(
                self.offset(),
                "expected `like` or `in` after `not`",
            ));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        let at = self.offset();
        match self.next() {
            Some(Tok::Sym("(")) => {
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Some(Tok::Str(s)) => Ok(Expr::Str(s)),
            Some(Tok::Num(n)) => Ok(Expr::Num(n)),
            Some(Tok::Regex(r)) => Ok(Expr::Regex(r)),
            Some(Tok::Ident(f)) if self.is_sym("(") => {
                self.i += 1;
                let name = f.to_ascii_lowercase();
                if !matches!(name.as_str(), "ispresent" | "isempty" | "isblank") {
                    return Err(ParseError::at(
                        at,
                        format!("obsctl does not evaluate the function `{f}`"),
                    )
                    .help("in a filter obsctl evaluates ispresent(), isempty() and isblank()"));
                }
                let arg = self.atom()?;
                self.expect_sym(")")?;
                Ok(Expr::Call(name, vec![arg]))
            }
            Some(Tok::Ident(f)) if !is_keyword(&f) => Ok(Expr::Field(f)),
            Some(Tok::Ident(f)) => Err(ParseError::at(at, format!("unexpected `{f}`"))),
            _ => Err(ParseError::at(
                at,
                "expected a field, a string, a number or a /regular expression/",
            )),
        }
    }
}

fn is_keyword(w: &str) -> bool {
    ["and", "or", "not", "like", "in", "as", "by", "asc", "desc"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(w))
}

/// The milliseconds of a `bin()` period (`5m`, `1h`, `30s`, `1d`); the
/// units of "stats" (`CWL_QuerySyntax-Stats.html`) up to days and weeks.
fn bin_period(p: &str) -> Option<i64> {
    let split = p.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = p.split_at(split);
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    let ms = match unit {
        "ms" => 1,
        "s" | "sec" | "second" | "seconds" => 1000,
        "m" | "min" | "minute" | "minutes" => 60_000,
        "h" | "hr" | "hour" | "hours" => 3_600_000,
        "d" | "day" | "days" => 86_400_000,
        "w" | "week" | "weeks" => 604_800_000,
        _ => return None,
    };
    n.checked_mul(ms)
}

fn parser(text: &str) -> Result<Parser<'_>, ParseError> {
    Ok(Parser {
        toks: lex(text)?,
        i: 0,
        end: text.len(),
        _text: text,
    })
}

/// Parses a Logs Insights query.
pub fn parse(text: &str) -> Result<Query, ParseError> {
    let mut p = parser(text)?;
    let mut commands = Vec::new();
    if p.peek().is_none() {
        return Ok(Query { commands });
    }
    loop {
        commands.push(p.command()?);
        if p.peek().is_none() {
            break;
        }
        p.expect_sym("|")?;
    }
    Ok(Query { commands })
}

/// Parses a log alarm's aggregation expression: `fn(arg) [by key, …]
/// [| sort asc|desc]`.
pub fn parse_aggregation(text: &str) -> Result<Aggregation, ParseError> {
    let mut p = parser(text)?;
    let agg = p.agg()?;
    if p.is_word("as") {
        p.i += 1;
        p.field("a name after `as`")?;
    }
    let by = p.by()?;
    if p.is_sym("|") {
        p.i += 1;
        if !p.is_word("sort") {
            return Err(ParseError::at(
                p.offset(),
                "only `| sort asc` or `| sort desc` may follow the aggregation",
            ));
        }
        p.i += 1;
        if p.is_word("asc") || p.is_word("desc") {
            p.i += 1;
        }
    }
    if p.peek().is_some() {
        return Err(
            ParseError::at(p.offset(), "unexpected text after the aggregation")
                .help("write one aggregate, e.g. `count(*) by ip`"),
        );
    }
    Ok(Aggregation { agg, by })
}

impl ParseError {
    /// The error as a message with its character position, and a help
    /// showing the text with a caret under the offending place (the text
    /// on one line: newlines shown as spaces).
    pub fn located(&self, text: &str) -> (String, String) {
        let before = text.get(..self.offset).unwrap_or(text).chars().count();
        let one_line = text.replace(['\n', '\r'], " ");
        let caret = format!("{one_line}\n{}^", " ".repeat(before));
        let help = self
            .help
            .clone()
            .map_or(caret.clone(), |h| format!("{h}\n{caret}"));
        (
            format!("{} (at character {})", self.message, before + 1),
            help,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_queries_parse() {
        for q in [
            "fields @timestamp, @message | filter (range>3000) | sort @timestamp desc | limit 20",
            "fields @timestamp, @message | filter (range>3000 and accountId=123456789012) | sort @timestamp desc | limit 20",
            "filter @message like /Exception/ | stats count(*) as exceptionCount by bin(1h) | sort exceptionCount desc",
            "filter @message not like /Exception/",
            "filter statusCode in [300,400]",
            "filter statusCode not in [300,400]",
            "filter @message like \"error\" # only errors",
            "stats avg(duration), pct(duration, 95) by bin(5m)",
            "filter ispresent(userId) and not isempty(ip)",
            "parse @message \"* - *\" as a, b | stats count(*) by a",
            "where @message =~ /err/",
            "",
        ] {
            parse(q).unwrap_or_else(|e| panic!("{q}: {e:?}"));
        }
    }

    #[test]
    fn errors_are_located() {
        let e = parse("filter status = 500 | stast count(*)").unwrap_err();
        assert_eq!(e.offset, 22);
        assert_eq!(e.help.as_deref(), Some("did you mean `stats`?"));
        let e = parse("filter (a = 1").unwrap_err();
        assert_eq!(e.offset, 13);
        let e = parse("filter a like 5").unwrap_err();
        assert_eq!(e.offset, 14);
        let e = parse("stats count(*) by bin(5 parsecs)").unwrap_err();
        assert!(e.message.contains("bin"), "{e:?}");
        assert!(parse("filter msg like /a(/").is_err());
        assert!(parse("filter msg = \"open").is_err());
    }

    #[test]
    fn aggregations_as_the_api_reference_writes_them() {
        let a = parse_aggregation("count(*)").unwrap();
        assert_eq!(a.agg.func, AggFn::Count);
        assert!(a.by.is_empty());
        let a = parse_aggregation("avg(latency) by host | sort desc").unwrap();
        assert_eq!(a.agg.func, AggFn::Avg);
        assert_eq!(a.by, vec![GroupKey::Field("host".into())]);
        assert!(parse_aggregation("count(*) by").is_err());
        assert!(parse_aggregation("count(*) extra").is_err());
        assert!(parse_aggregation("median(x)").is_err());
    }
}
