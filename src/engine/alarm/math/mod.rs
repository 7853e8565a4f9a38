//! Metric math: parser and offline evaluator ("Use metric math").
//!
//! # Syntax
//!
//! * Numbers (`5`, `0.25`, `1e3`), query ids, strings in double or single
//!   quotes (only as the argument of `METRICS` and `INSIGHT_RULE_METRIC`,
//!   which also takes bare names such as `UniqueContributors`), SORT's bare
//!   words (`AVG`, `MIN`, `MAX`, `SUM`, `ASC`, `DESC`), array literals
//!   `[m1, m2]`, parentheses.
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
//! * `SORT`, `SLICE` (`sort.rs`), `FIRST`/`LAST` (the first or last series
//!   of an array), the time functions `MINUTE`, `HOUR`, `DAY`, `DATE`,
//!   `MONTH`, `YEAR`, `EPOCH` (`time.rs`: UTC, from each period's start), and
//!   the functions whose data comes from outside the queries,
//!   `ANOMALY_DETECTION_BAND`, `SERVICE_QUOTA`, `INSIGHT_RULE_METRIC`
//!   (`external.rs`: given by the caller as [`External`], an error naming
//!   what is missing otherwise), follow "Metric math syntax and functions"
//!   (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax>);
//!   their undocumented corners are stated in those files.
//!
//! Supported functions: ABS, ANOMALY_DETECTION_BAND, AVG, CEIL, DATAPOINT_COUNT,
//! DATE, DAY, DIFF, DIFF_TIME, EPOCH, FILL, FIRST, FLOOR, HOUR, IF,
//! INSIGHT_RULE_METRIC, LAST, LOG, LOG10, MAX, METRICS, METRIC_COUNT, MIN,
//! MINUTE, MONTH, PERIOD, RATE, REMOVE_EMPTY, RUNNING_SUM, SERVICE_QUOTA,
//! SLICE, SORT, STDDEV, SUM, TIME_SERIES, YEAR. Functions that query the
//! account or call code (SEARCH, SELECT of Metrics Insights, LAMBDA) are
//! rejected at parse time as not supported by the offline evaluator.

mod error;
mod eval;
mod external;
mod functions;
mod lexer;
mod parser;
mod presence;
mod sort;
#[cfg(test)]
mod tests;
mod time;

pub use error::MathError;
pub use external::External;
pub use parser::Expr;
