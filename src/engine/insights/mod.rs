//! Engine, pure (strings in, values out): the subset of the CloudWatch Logs
//! Insights query language that log alarms in obsctl's catalogues use, and
//! the aggregation expression of a log alarm.
//!
//! - [`parse`] reads a query: commands separated by `|`, comments from `#`
//!   ("CloudWatch Logs Insights language query syntax",
//!   <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html>).
//!   Evaluated: `fields` (fields and `expr as name`), `filter` (and its alias
//!   `where`) with `=`, `!=`, `<`, `<=`, `>`, `>=`, `like "text"`, `like
//!   /regex/`, `=~ /regex/`, `in [..]`, `and`, `or`, `not`, parentheses,
//!   `ispresent()`, `isempty()` (`CWL_QuerySyntax-Filter.html`,
//!   `CWL_QuerySyntax-operations-functions.html`), `stats count / count_distinct /
//!   sum / avg / min / max / pct … [as name] by field, bin(period)`
//!   (`CWL_QuerySyntax-Stats.html`), `sort`, `limit`, `display`. The other
//!   commands AWS documents (`parse`, `dedup`, `pattern`, …) are recognised
//!   and kept as [`Command::Other`]: `validate` accepts them, `obsctl
//!   test` says it cannot evaluate them. Anything else is a located
//!   [`ParseError`].
//! - [`parse_aggregation`] reads a log alarm's `AggregationExpression`
//!   ("The expression that defines how to aggregate query results into one or
//!   more scalar values for alarm evaluation. For example, `count(*)` or
//!   `avg(latency) by host | sort desc`", API reference,
//!   `API_ScheduledQueryConfiguration.html`): one aggregate function,
//!   optional `by` groups, optional `| sort asc|desc`.
//! - [`run`] evaluates a query over log events ([`Event`]: time, message,
//!   log group; JSON messages' fields discovered as Logs Insights does,
//!   nested keys joined with `.`, "Supported logs and discovered fields");
//!   [`aggregate`] reduces the rows to one value per group.
//!
//! No catalogue or AWS types: the same engine could evaluate query results
//! read from AWS.

mod eval;
mod parse;

pub use eval::{Event, Row, Value, aggregate, run};
pub use parse::{ParseError, parse, parse_aggregation};

/// A parsed query: its commands in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The commands, in the order they run.
    pub commands: Vec<Command>,
}

/// One command of a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `fields a, b, expr as c`: keeps the rows, adds `as` fields.
    Fields(Vec<(Expr, Option<String>)>),
    /// `filter cond` (or `where cond`): keeps the rows where it holds.
    Filter(Expr),
    /// `stats agg(..) [as name], … [by key, …]`: one row per group.
    Stats {
        /// The aggregates and the names of their result fields.
        aggs: Vec<(Agg, String)>,
        /// The groups.
        by: Vec<GroupKey>,
    },
    /// `sort field [asc|desc]`.
    Sort {
        /// The field sorted on.
        field: String,
        /// Descending (the default).
        desc: bool,
    },
    /// `limit n`.
    Limit(usize),
    /// `display a, b`: keeps only these fields.
    Display(Vec<String>),
    /// A documented command obsctl does not evaluate (`parse`, `dedup`, …).
    Other(String),
}

/// A value expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A field (`status`, `@message`, `` `a-b` ``, `user.id`).
    Field(String),
    /// A string literal.
    Str(String),
    /// A number literal.
    Num(f64),
    /// A regular expression literal `/…/` (with its flags applied).
    Regex(String),
    /// A comparison.
    Cmp(Box<Expr>, CmpOp, Box<Expr>),
    /// `a like "text"` (substring) or `a like /re/`, `a =~ /re/`;
    /// negated for `not like`.
    Like(Box<Expr>, Box<Expr>, bool),
    /// `a in [x, y]`; negated for `not in`.
    In(Box<Expr>, Vec<Expr>, bool),
    /// `a and b`.
    And(Box<Expr>, Box<Expr>),
    /// `a or b`.
    Or(Box<Expr>, Box<Expr>),
    /// `not a`.
    Not(Box<Expr>),
    /// `ispresent(f)`, `isempty(f)`.
    Call(String, Vec<Expr>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=` (also `==`).
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggFn {
    /// `count(*)` (rows) or `count(f)` (rows where `f` is present).
    Count,
    /// `count_distinct(f)`.
    CountDistinct,
    /// `sum(f)`.
    Sum,
    /// `avg(f)`.
    Avg,
    /// `min(f)`.
    Min,
    /// `max(f)`.
    Max,
    /// `pct(f, p)`: the p-th percentile.
    Pct(f64),
}

/// One aggregate: a function of a field (`None`: `count(*)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Agg {
    /// The function.
    pub func: AggFn,
    /// Its field (`None` for `count(*)`).
    pub field: Option<String>,
}

/// A `by` group: a field's value, or the `bin(period)` of `@timestamp`.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupKey {
    /// A field (`by ip`).
    Field(String),
    /// `bin(5m)`: time buckets of this many milliseconds.
    Bin(i64),
}

/// A log alarm's aggregation expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregation {
    /// The aggregate.
    pub agg: Agg,
    /// Its groups (none: one value per run).
    pub by: Vec<GroupKey>,
}
