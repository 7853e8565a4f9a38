//! Whether an expression has a value in every period whatever its metrics
//! do: the evaluator's missing-value rules (see the module docs of `math`)
//! read statically. Used to recognise missing-data treatments that can
//! never apply (`obsctl test --mutate` reports such mutants as equivalent).
//!
//! Conservative: `true` only where the rules guarantee a value —
//! * `FILL(x, S)`: "Fills the missing values of a time series" with a
//!   scalar; with a series filler, where either has a value (REPEAT and
//!   LINEAR leave gaps before the first value, so they guarantee nothing);
//! * between two series (`+ - *`, comparisons, `AND`/`OR`): "Missing values
//!   in a time series are treated as 0", so a value where either side has
//!   one; `/` and `^` may drop a point ("divide by zero [...] the data point
//!   is dropped"), so never guaranteed; with a scalar, as the series side;
//! * `IF(c, a, b)`: a value wherever `c` and `b` have one (TRUE with a
//!   missing `a` gives 0, "Using IF expressions"); without `b`, nothing;
//! * `ABS`, `CEIL`, `FLOOR`, unary minus: as their argument;
//!   `TIME_SERIES(S)`: always. Everything else (metrics, RATE, DIFF, …): no
//!   guarantee.

use super::parser::{BinOp, Expr, Func, Kind, Node};

/// What a node evaluates to, for presence.
enum Shape {
    Scalar,
    /// A series: `true` when it has a value in every period.
    Series(bool),
}

impl Expr {
    /// True when the expression has a value in every period whatever its
    /// inputs; `id` tells whether a referenced query always has one (an
    /// expression query that does; a metric query never does).
    pub fn never_missing(&self, id: &dyn Fn(&str) -> bool) -> bool {
        matches!(shape(&self.root, id), Shape::Series(true))
    }
}

fn present(s: &Shape) -> bool {
    matches!(s, Shape::Scalar | Shape::Series(true))
}

fn shape(node: &Node, id: &dyn Fn(&str) -> bool) -> Shape {
    match &node.kind {
        Kind::Number(_) => Shape::Scalar,
        Kind::Id(name) => Shape::Series(id(name)),
        Kind::Neg(a) => shape(a, id),
        Kind::Binary(op, a, b) => {
            let safe = !matches!(op, BinOp::Div | BinOp::Pow);
            match (shape(a, id), shape(b, id)) {
                (Shape::Scalar, Shape::Scalar) => Shape::Scalar,
                (Shape::Scalar, Shape::Series(s)) | (Shape::Series(s), Shape::Scalar) => {
                    Shape::Series(safe && s)
                }
                (Shape::Series(x), Shape::Series(y)) => Shape::Series(safe && (x || y)),
            }
        }
        Kind::Call(func, args) => {
            let arg = |i: usize| args.get(i).map(|a| shape(a, id));
            match func {
                Func::Fill => match args.get(1).map(|a| &a.kind) {
                    Some(Kind::Repeat | Kind::Linear) | None => {
                        Shape::Series(arg(0).is_some_and(|s| present(&s)))
                    }
                    Some(_) => Shape::Series(
                        arg(0).is_some_and(|s| present(&s)) || arg(1).is_some_and(|s| present(&s)),
                    ),
                },
                Func::If => Shape::Series(
                    args.len() == 3
                        && arg(0).is_some_and(|s| present(&s))
                        && arg(2).is_some_and(|s| present(&s)),
                ),
                Func::Abs | Func::Ceil | Func::Floor => arg(0).unwrap_or(Shape::Series(false)),
                Func::TimeSeries => Shape::Series(true),
                _ => Shape::Series(false),
            }
        }
        _ => Shape::Series(false),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Expr;

    fn never(text: &str) -> bool {
        Expr::parse(text).is_ok_and(|e| e.never_missing(&|id| id == "e1"))
    }

    #[test]
    fn filled_series_always_have_a_value() {
        assert!(never("FILL(a, 0) + FILL(b, 0)"));
        assert!(never("FILL(a, 0) + b"), "a gap in b counts as 0");
        assert!(never("FILL(a, 0) * 100 > 5"));
        assert!(never("IF(FILL(a, 0) > 5, b, 0)"));
        assert!(never("ABS(-FILL(a, 1))"));
        assert!(
            never("e1 - a"),
            "an expression query that always has a value"
        );
        assert!(never("TIME_SERIES(1)"));
        assert!(never("FILL(a, FILL(b, 0))"));
    }

    #[test]
    fn anything_else_may_be_missing() {
        assert!(!never("a + b"));
        assert!(!never("a * 2"));
        assert!(
            !never("FILL(a, 0) / FILL(b, 0)"),
            "division by zero drops the point"
        );
        assert!(!never("FILL(a, REPEAT)"));
        assert!(!never("FILL(a, LINEAR)"));
        assert!(!never("IF(FILL(a, 0) > 5, 1)"));
        assert!(!never("IF(a > 5, 1, 0)"));
        assert!(!never("RATE(FILL(a, 0))"));
        assert!(!never("FILL(a, b)"));
    }
}
