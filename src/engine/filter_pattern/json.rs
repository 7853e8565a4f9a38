//! JSON patterns: `{ SELECTOR OP VALUE }`, `IS NULL` / `IS TRUE` /
//! `IS FALSE`, `NOT EXISTS`, combined with `&&`, `||` and parentheses.
//!
//! Rules from "Filter pattern syntax for metric filters, subscription
//! filters, filter log events, and Live Tail" (JSON section) and the older
//! "Filter and Pattern Syntax" page:
//!
//! * "Enclose filter patterns in curly braces ("{}")."
//! * Equality operators are `=` and `!=`; numeric operators are `>`, `<`,
//!   `=`, `!=`, `>=`, `<=`.
//! * "The SELECTOR must point to a value node (string or number) in the
//!   JSON. If it points to an array or object, the filter will not be
//!   applied ... both {$.users = 1} and {$.users != 1} will fail to match a
//!   log event where users is an array." So comparisons never match arrays,
//!   objects, `null` or booleans, nor missing properties (not documented for
//!   missing ones; treated like a non-value node).
//! * "`{ $.SomeObject IS NULL }` ... This will only be true if the specified
//!   object is set to null." "`{ $.SomeOtherObject NOT EXISTS }` ... only be
//!   true if specified object does not exist in log data."
//!   "The variables `IS NOT` and `EXISTS` currently aren't supported."
//! * "You can only use up to one wildcard selector in a property selector,
//!   and up to three wildcard selectors in a filter pattern with compound
//!   expressions." A wildcard condition holds when any selected node
//!   satisfies it.
//! * Keywords are written upper-case in every example; other spellings are
//!   rejected with a fix-it (the pages do not say whether AWS accepts them).

use serde_json::Value;

use super::error::{ParseError, Warning};
use super::expr::{Expr, parse_expr};
use super::parse::{Ctx, Cursor, parse_operator, parse_value, unexpected};
use super::selector::{Selector, parse_selector};
use super::value::{Comparison, Subject};

/// What a condition checks about the selected node(s).
#[derive(Clone, Debug)]
pub(super) enum Test {
    Compare(Comparison),
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

/// `selector test`.
#[derive(Clone, Debug)]
pub(super) struct Cond {
    pub(super) selector: Selector,
    pub(super) test: Test,
}

impl Cond {
    fn eval(&self, root: &Value) -> bool {
        let nodes = self.selector.resolve(root);
        match &self.test {
            Test::NotExists => nodes.is_empty(),
            Test::IsNull => nodes.iter().any(|n| n.is_null()),
            Test::IsTrue => nodes.iter().any(|n| n.as_bool() == Some(true)),
            Test::IsFalse => nodes.iter().any(|n| n.as_bool() == Some(false)),
            Test::Compare(cmp) => nodes.iter().any(|n| match n {
                Value::String(s) => cmp.test(&Subject::text(s)),
                Value::Number(x) => cmp.test(&Subject::json_number(x)),
                _ => false,
            }),
        }
    }
}

/// A parsed JSON pattern.
#[derive(Clone, Debug)]
pub(super) struct JsonPattern {
    expr: Expr<Cond>,
}

/// "up to three wildcard selectors in a filter pattern".
const MAX_WILDCARD_SELECTORS: usize = 3;

fn unclosed(open: usize) -> ParseError {
    ParseError::new(open, 1, "unclosed `{`: a JSON pattern ends with `}`")
        .with_help("add `}` at the end of the pattern")
}

impl JsonPattern {
    /// Parses a JSON pattern; the cursor is on `{`. The pattern must end
    /// with the matching `}`.
    pub(super) fn parse(cur: &mut Cursor<'_>, ctx: &mut Ctx) -> Result<Self, ParseError> {
        let open = cur.pos();
        cur.bump();
        cur.skip_ws();
        match cur.peek() {
            None => return Err(unclosed(open)),
            Some('}') => {
                return Err(ParseError::new(open, cur.pos() + 1 - open, "empty JSON pattern `{}`")
                    .with_help("add a condition, e.g. `{ $.level = \"ERROR\" }`, or use an empty pattern to match everything"));
            }
            _ => {}
        }
        let expr = parse_expr(cur, &mut |c: &mut Cursor<'_>| parse_cond(c, ctx), "}")?;
        cur.skip_ws();
        match cur.peek() {
            Some('}') => {
                cur.bump();
            }
            None => return Err(unclosed(open)),
            Some(')') => {
                return Err(ParseError::new(cur.pos(), 1, "unmatched `)`")
                    .with_help("remove it or add the matching `(`"));
            }
            Some(_) => return Err(unexpected(cur, "`&&`, `||` or `}`")),
        }
        cur.skip_ws();
        if !cur.is_eof() {
            let at = cur.pos();
            return Err(ParseError::new(at, cur.rest().len(), "unexpected text after the closing `}`")
                .with_help("a JSON pattern must be the whole filter pattern; join conditions inside the braces with `&&` or `||`"));
        }
        Ok(Self { expr })
    }

    /// Whether the parsed JSON event matches.
    pub(super) fn matches(&self, root: &Value) -> bool {
        self.expr.eval(&mut |c: &Cond| c.eval(root))
    }
}

const OPERATOR_HELP: &str =
    "use `=`, `!=`, `<`, `<=`, `>`, `>=`, `IS NULL`, `IS TRUE`, `IS FALSE` or `NOT EXISTS`";

fn parse_cond(cur: &mut Cursor<'_>, ctx: &mut Ctx) -> Result<Cond, ParseError> {
    cur.skip_ws();
    let at = cur.pos();
    match cur.peek() {
        Some('$') => {}
        None => {
            return Err(ParseError::new(
                at,
                0,
                "expected a condition such as `$.level = \"ERROR\"`, but the pattern ended",
            ));
        }
        Some(_) => {
            let word = cur.peek_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !word.is_empty() {
                let name = word.trim_start_matches('.');
                return Err(
                    ParseError::new(at, word.len(), "a JSON selector starts with `$.`")
                        .with_help(format!("write `$.{name}`")),
                );
            }
            return Err(unexpected(cur, "a condition such as `$.level = \"ERROR\"`"));
        }
    }
    let selector = parse_selector(cur, "=!<>)}&|")?;
    if selector.has_wildcard() {
        ctx.wildcard_selectors += 1;
        if ctx.wildcard_selectors > MAX_WILDCARD_SELECTORS {
            return Err(ParseError::new(
                selector.offset,
                selector.len,
                format!(
                    "too many wildcard selectors: a JSON pattern can use at most {MAX_WILDCARD_SELECTORS}"
                ),
            ));
        }
    }
    let sel_text = cur
        .slice(selector.offset, selector.offset + selector.len)
        .to_string();
    cur.skip_ws();
    if cur.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
        let test = parse_keyword_test(cur)?;
        return Ok(Cond { selector, test });
    }
    let op_at = cur.pos();
    let Some(op) = parse_operator(cur)? else {
        let err = if cur.is_eof() {
            ParseError::new(
                op_at,
                0,
                format!("expected an operator after `{sel_text}`, but the pattern ended"),
            )
        } else {
            unexpected(cur, &format!("an operator after `{sel_text}`"))
        };
        return Err(err.with_help(OPERATOR_HELP));
    };
    cur.skip_ws();
    let value_at = cur.pos();
    let literal = parse_value(cur, ctx, op, op_at, "}")?;
    let written = cur.slice(value_at, cur.pos());
    let keyword = match written {
        "true" | "TRUE" => Some("IS TRUE"),
        "false" | "FALSE" => Some("IS FALSE"),
        "null" | "NULL" => Some("IS NULL"),
        _ => None,
    };
    if let Some(keyword) = keyword {
        ctx.warnings.push(Warning {
            offset: value_at,
            len: written.len(),
            message: format!(
                "`{} {written}` compares text and never matches a JSON boolean or null; use `{sel_text} {keyword}`",
                op.symbol()
            ),
        });
    }
    Ok(Cond {
        selector,
        test: Test::Compare(Comparison { op, literal }),
    })
}

/// Reads an alphabetic keyword, insisting on upper case.
fn keyword<'s>(cur: &mut Cursor<'s>) -> Result<(usize, &'s str, String), ParseError> {
    let at = cur.pos();
    let word = cur.take_while(|c| c.is_ascii_alphabetic());
    let upper = word.to_ascii_uppercase();
    let known = matches!(
        upper.as_str(),
        "IS" | "NOT" | "NULL" | "TRUE" | "FALSE" | "EXISTS"
    );
    if known && word != upper {
        return Err(ParseError::new(
            at,
            word.len(),
            format!("keywords are upper-case: write `{upper}`, not `{word}`"),
        )
        .with_help(format!("replace `{word}` with `{upper}`")));
    }
    Ok((at, word, upper))
}

fn parse_keyword_test(cur: &mut Cursor<'_>) -> Result<Test, ParseError> {
    let (at, word, upper) = keyword(cur)?;
    match upper.as_str() {
        "IS" => {
            cur.skip_ws();
            let (at2, word2, upper2) = keyword(cur)?;
            match upper2.as_str() {
                "NULL" => Ok(Test::IsNull),
                "TRUE" => Ok(Test::IsTrue),
                "FALSE" => Ok(Test::IsFalse),
                "NOT" => Err(ParseError::new(
                    at,
                    cur.pos() - at,
                    "`IS NOT` is not supported by CloudWatch Logs",
                )
                .with_help("use `!=` to exclude a value, or `NOT EXISTS` for a missing property")),
                "" => {
                    Err(
                        ParseError::new(at, word.len(), "`IS` expects `NULL`, `TRUE` or `FALSE`")
                            .with_help("write e.g. `$.field IS NULL`"),
                    )
                }
                _ => Err(ParseError::new(
                    at2,
                    word2.len(),
                    format!("`IS` expects `NULL`, `TRUE` or `FALSE`, found `{word2}`"),
                )
                .with_help("write e.g. `$.field IS NULL`")),
            }
        }
        "NOT" => {
            cur.skip_ws();
            let (_, _, upper2) = keyword(cur)?;
            if upper2 == "EXISTS" {
                Ok(Test::NotExists)
            } else {
                Err(
                    ParseError::new(at, cur.pos() - at, "`NOT` must be followed by `EXISTS`")
                        .with_help("write `$.field NOT EXISTS`; use `!=` to exclude a value"),
                )
            }
        }
        "EXISTS" => Err(ParseError::new(
            at,
            word.len(),
            "`EXISTS` is not supported by CloudWatch Logs",
        )
        .with_help(
            "use `$.field = *` to require a value, or `$.field NOT EXISTS` for a missing property",
        )),
        _ => Err(ParseError::new(
            at,
            word.len(),
            format!("expected an operator, found `{word}`"),
        )
        .with_help(OPERATOR_HELP)),
    }
}
