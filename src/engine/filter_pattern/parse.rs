//! Shared scanning: a byte-offset cursor, quoted strings, comparison
//! operators and comparison values (used by the JSON and space-delimited
//! parsers), plus parse-wide state such as the regex quota.

use super::error::{ParseError, Warning};
use super::regexp;
use super::value::{CmpOp, Literal, Wildcard, parse_number_literal};

/// A position in the pattern text; every offset it reports is a byte offset
/// into the whole pattern, so errors point at the right place.
#[derive(Clone, Copy, Debug)]
pub(super) struct Cursor<'s> {
    src: &'s str,
    pos: usize,
}

impl<'s> Cursor<'s> {
    /// A cursor at byte `pos` of `src`.
    pub(super) fn new(src: &'s str, pos: usize) -> Self {
        Self {
            src,
            pos: pos.min(src.len()),
        }
    }

    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    pub(super) fn set_pos(&mut self, pos: usize) {
        self.pos = pos.min(self.src.len());
    }

    pub(super) fn rest(&self) -> &'s str {
        self.src.get(self.pos..).unwrap_or("")
    }

    pub(super) fn slice(&self, from: usize, to: usize) -> &'s str {
        self.src.get(from..to).unwrap_or("")
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(super) fn is_eof(&self) -> bool {
        self.pos >= self.src.len()
    }

    pub(super) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(super) fn at(&self, s: &str) -> bool {
        self.rest().starts_with(s)
    }

    pub(super) fn eat(&mut self, s: &str) -> bool {
        if self.at(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    pub(super) fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.bump();
        }
    }

    /// Consumes and returns the longest run of characters satisfying `f`.
    pub(super) fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'s str {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if f(c)) {
            self.bump();
        }
        self.slice(start, self.pos)
    }

    /// Like [`Cursor::take_while`] without consuming.
    pub(super) fn peek_while(&self, f: impl Fn(char) -> bool) -> &'s str {
        let mut c = *self;
        c.take_while(f)
    }
}

/// State shared across one parse: quotas and collected warnings.
#[derive(Debug, Default)]
pub(super) struct Ctx {
    /// `%regex%` values seen so far.
    pub(super) regexes: usize,
    /// JSON selectors using a `*` wildcard seen so far.
    pub(super) wildcard_selectors: usize,
    /// Things that parse but are probably mistakes.
    pub(super) warnings: Vec<Warning>,
}

/// "Supported regular expressions (regex) syntax": "There is a limit of 2
/// regex for each filter pattern when creating a delimited or JSON filter
/// pattern".
pub(super) const MAX_REGEXES: usize = 2;

/// A `"..."` string with `\"`, `\\` and `\*` escapes resolved.
pub(super) struct Quoted {
    pub(super) text: String,
    pub(super) escaped_first: bool,
    pub(super) escaped_last: bool,
    pub(super) start: usize,
}

impl Quoted {
    /// The string as a wildcard (a leading / trailing unescaped `*` is `any`).
    pub(super) fn wildcard(&self) -> Wildcard {
        Wildcard::new(&self.text, self.escaped_first, self.escaped_last)
    }
}

/// Parses a double-quoted string; the cursor is on the opening `"`.
///
/// The AWS pages do not define escapes; `\"`, `\\` and `\*` (a literal star)
/// are accepted and any other backslash is kept as is.
pub(super) fn parse_quoted(cur: &mut Cursor<'_>) -> Result<Quoted, ParseError> {
    let start = cur.pos();
    cur.bump();
    let mut text = String::new();
    let mut first = true;
    let mut escaped_first = false;
    let mut escaped_last = false;
    loop {
        let escaped = match cur.bump() {
            None => {
                return Err(ParseError::new(
                    start,
                    1,
                    "unclosed `\"`: a quoted string ends with `\"`",
                )
                .with_help("add the closing `\"` (write `\\\"` for a quote inside the string)"));
            }
            Some('"') => break,
            Some('\\') => match cur.peek() {
                Some(c @ ('"' | '\\' | '*')) => {
                    cur.bump();
                    text.push(c);
                    true
                }
                _ => {
                    text.push('\\');
                    false
                }
            },
            Some(c) => {
                text.push(c);
                false
            }
        };
        if first {
            escaped_first = escaped;
            first = false;
        }
        escaped_last = escaped;
    }
    Ok(Quoted {
        text,
        escaped_first,
        escaped_last,
        start,
    })
}

/// Parses a comparison operator; `Ok(None)` when there is none here.
pub(super) fn parse_operator(cur: &mut Cursor<'_>) -> Result<Option<CmpOp>, ParseError> {
    let start = cur.pos();
    let run = cur.peek_while(|c| matches!(c, '=' | '!' | '<' | '>'));
    let op = match run {
        "" => return Ok(None),
        "=" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        other => {
            let suggestion = match other {
                "==" => Some("="),
                "=>" | ">>=" => Some(">="),
                "=<" | "<<=" => Some("<="),
                "<>" | "!" | "=!" | "!==" | "=!=" => Some("!="),
                _ => None,
            };
            let mut err =
                ParseError::new(start, other.len(), format!("unknown operator `{other}`"));
            err = match suggestion {
                Some(s) => {
                    err.message.push_str(&format!("; use `{s}`"));
                    err.with_help(format!("replace `{other}` with `{s}`"))
                }
                None => err.with_help("comparison operators are `=`, `!=`, `<`, `<=`, `>`, `>=`"),
            };
            return Err(err);
        }
    };
    cur.eat(run);
    Ok(Some(op))
}

/// Characters allowed in an unquoted value.
///
/// "Filter pattern syntax ..." (JSON section): "Strings that contain types
/// other than alphanumeric characters and the underscore symbol must be
/// placed in double quotation marks." The same page's own unquoted examples
/// (`123.123.*`, `*.html*`, `4*`, `+1000`, `10e-3`) also use `.`, `*`, `+`
/// and `-`, so those are accepted too.
fn is_bare_value_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '*' | '-' | '+')
}

/// Parses the value after `op`. `closers` are the characters that may end
/// the surrounding construct (`}` for JSON, `,]` for space-delimited).
pub(super) fn parse_value(
    cur: &mut Cursor<'_>,
    ctx: &mut Ctx,
    op: CmpOp,
    op_at: usize,
    closers: &str,
) -> Result<Literal, ParseError> {
    cur.skip_ws();
    let start = cur.pos();
    match cur.peek() {
        Some('"') => {
            let q = parse_quoted(cur)?;
            if op.is_relational() {
                return Err(ParseError::new(
                    q.start,
                    cur.pos() - q.start,
                    format!(
                        "`{}` compares numbers, but this is a quoted string",
                        op.symbol()
                    ),
                )
                .with_help(
                    "remove the quotes if it is a number, or use `=` / `!=` to compare text",
                ));
            }
            Ok(Literal::Text(q.wildcard()))
        }
        Some('%') => {
            let re = regexp::parse_regex_token(cur)?;
            if op.is_relational() {
                return Err(ParseError::new(
                    start,
                    cur.pos() - start,
                    format!(
                        "`{}` compares numbers; a regex works only with `=` or `!=`",
                        op.symbol()
                    ),
                ));
            }
            ctx.regexes += 1;
            if ctx.regexes > MAX_REGEXES {
                return Err(ParseError::new(
                    start,
                    cur.pos() - start,
                    format!("too many regexes: a JSON or space-delimited pattern can use at most {MAX_REGEXES}"),
                )
                .with_help("combine them with `|` inside one regex, or use `*` wildcards"));
            }
            Ok(Literal::Regex(re))
        }
        _ => {
            let token = cur.take_while(is_bare_value_char);
            let boundary = match cur.peek() {
                None => true,
                Some(c) => c.is_whitespace() || matches!(c, ')' | '&' | '|') || closers.contains(c),
            };
            if !boundary {
                let whole = Cursor::new(cur.src, start)
                    .peek_while(|c| !c.is_whitespace() && c != ')' && !closers.contains(c));
                let bad = cur.peek().unwrap_or(' ');
                return Err(ParseError::new(
                    cur.pos(),
                    bad.len_utf8(),
                    format!("`{bad}` is not allowed in an unquoted value"),
                )
                .with_help(format!(
                    "put the value in double quotes: `\"{}\"` (unquoted values use letters, digits, `_`, `.`, `-`, `+` and `*`)",
                    whole.replace('"', "\\\"")
                )));
            }
            if token.is_empty() {
                let at_end = cur.is_eof();
                return Err(ParseError::new(
                    op_at,
                    op.symbol().len(),
                    format!("missing value after `{}`", op.symbol()),
                )
                .with_help(if at_end {
                    "add a value, e.g. `= \"text\"`, `= 42` or `= *`, then close the pattern"
                } else {
                    "add a value, e.g. `= \"text\"`, `= 42` or `= *`"
                }));
            }
            if let Some(value) = parse_number_literal(token) {
                return Ok(Literal::Number {
                    value,
                    text: token.to_string(),
                });
            }
            if op.is_relational() {
                return Err(ParseError::new(
                    start,
                    token.len(),
                    format!("`{}` needs a number, got `{token}`", op.symbol()),
                )
                .with_help(
                    "use a number such as `500`, `-1.5` or `10e3`, or `=` / `!=` to compare text",
                ));
            }
            Ok(Literal::Text(Wildcard::new(token, false, false)))
        }
    }
}

/// An error for an unexpected token where `expected` (a description such as
/// "`&&`, `||` or `}`") should have been.
pub(super) fn unexpected(cur: &Cursor<'_>, expected: &str) -> ParseError {
    let pos = cur.pos();
    let Some(c) = cur.peek() else {
        return ParseError::new(
            pos,
            0,
            format!("expected {expected}, but the pattern ended"),
        );
    };
    if (c == '&' && !cur.at("&&")) || (c == '|' && !cur.at("||")) {
        let dbl = if c == '&' { "&&" } else { "||" };
        return ParseError::new(pos, 1, format!("`{c}` is not an operator; use `{dbl}`"))
            .with_help(format!("write `{dbl}`"));
    }
    let mut token = cur.peek_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | ')'));
    if token.is_empty() {
        token = cur.slice(pos, pos + c.len_utf8());
    }
    let token: String = token.chars().take(24).collect();
    let len = token.len().max(c.len_utf8());
    let err = ParseError::new(pos, len, format!("expected {expected}, found `{token}`"));
    match token.to_ascii_uppercase().as_str() {
        "AND" => err.with_help("use `&&` for AND"),
        "OR" => err.with_help("use `||` for OR"),
        _ => err,
    }
}
