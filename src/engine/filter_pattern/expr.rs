//! Boolean expressions over conditions: `&&`, `||` and parentheses, shared
//! by JSON patterns and space-delimited field conditions.
//!
//! "Filter pattern syntax ..." (JSON section): "Compound expressions support
//! the use of parentheses ("()") and the following standard order of
//! operations: () > && > ||."

use super::error::ParseError;
use super::parse::{Cursor, unexpected};

/// An `&&` / `||` tree of conditions.
#[derive(Clone, Debug)]
pub(super) enum Expr<C> {
    Cond(C),
    And(Vec<Expr<C>>),
    Or(Vec<Expr<C>>),
}

impl<C> Expr<C> {
    /// Evaluates with short-circuiting, testing each condition with `f`.
    pub(super) fn eval<F: FnMut(&C) -> bool>(&self, f: &mut F) -> bool {
        match self {
            Expr::Cond(c) => f(c),
            Expr::And(items) => items.iter().all(|e| e.eval(f)),
            Expr::Or(items) => items.iter().any(|e| e.eval(f)),
        }
    }

    /// Visits every condition.
    pub(super) fn for_each<F: FnMut(&C)>(&self, f: &mut F) {
        match self {
            Expr::Cond(c) => f(c),
            Expr::And(items) | Expr::Or(items) => items.iter().for_each(|e| e.for_each(f)),
        }
    }
}

/// How deep parentheses may nest (the pattern is at most 1024 characters).
const MAX_DEPTH: usize = 32;

/// Parses `cond (&& cond)* (|| ...)*` with parentheses. `cond` parses one
/// condition; `closers` are the characters that end the expression, used to
/// report an unclosed `(` well.
pub(super) fn parse_expr<'s, C, F>(
    cur: &mut Cursor<'s>,
    cond: &mut F,
    closers: &str,
) -> Result<Expr<C>, ParseError>
where
    F: FnMut(&mut Cursor<'s>) -> Result<C, ParseError>,
{
    parse_or(cur, cond, closers, 0)
}

fn parse_or<'s, C, F>(
    cur: &mut Cursor<'s>,
    cond: &mut F,
    closers: &str,
    depth: usize,
) -> Result<Expr<C>, ParseError>
where
    F: FnMut(&mut Cursor<'s>) -> Result<C, ParseError>,
{
    let mut items = vec![parse_and(cur, cond, closers, depth)?];
    loop {
        cur.skip_ws();
        if !cur.eat("||") {
            break;
        }
        items.push(parse_and(cur, cond, closers, depth)?);
    }
    Ok(if items.len() == 1 {
        items.pop().map_or(Expr::Or(Vec::new()), |e| e)
    } else {
        Expr::Or(items)
    })
}

fn parse_and<'s, C, F>(
    cur: &mut Cursor<'s>,
    cond: &mut F,
    closers: &str,
    depth: usize,
) -> Result<Expr<C>, ParseError>
where
    F: FnMut(&mut Cursor<'s>) -> Result<C, ParseError>,
{
    let mut items = vec![parse_primary(cur, cond, closers, depth)?];
    loop {
        cur.skip_ws();
        if !cur.eat("&&") {
            break;
        }
        items.push(parse_primary(cur, cond, closers, depth)?);
    }
    Ok(if items.len() == 1 {
        items.pop().map_or(Expr::And(Vec::new()), |e| e)
    } else {
        Expr::And(items)
    })
}

fn parse_primary<'s, C, F>(
    cur: &mut Cursor<'s>,
    cond: &mut F,
    closers: &str,
    depth: usize,
) -> Result<Expr<C>, ParseError>
where
    F: FnMut(&mut Cursor<'s>) -> Result<C, ParseError>,
{
    cur.skip_ws();
    if cur.peek() != Some('(') {
        return cond(cur).map(Expr::Cond);
    }
    let open = cur.pos();
    if depth >= MAX_DEPTH {
        return Err(
            ParseError::new(open, 1, "parentheses are nested too deeply")
                .with_help(format!("use at most {MAX_DEPTH} levels of `(`")),
        );
    }
    cur.bump();
    let inner = parse_or(cur, cond, closers, depth + 1)?;
    cur.skip_ws();
    if cur.eat(")") {
        return Ok(inner);
    }
    match cur.peek() {
        None => Err(ParseError::new(open, 1, "unclosed `(`").with_help("add the matching `)`")),
        Some(c) if closers.contains(c) => Err(ParseError::new(open, 1, "unclosed `(`")
            .with_help(format!("add the matching `)` before `{c}`"))),
        Some(_) => Err(unexpected(cur, "`&&`, `||` or `)`")),
    }
}
