//! Metric value and dimension specs: a constant number, `$.selector` (JSON
//! patterns) or `$name` / `$N` (space-delimited patterns).
//!
//! "Filter pattern syntax for metric filters" (FilterAndPatternSyntaxForMetricFilters.html):
//!
//! * "You can set metric values to numbers, named identifiers, or numeric
//!   identifiers." Named identifiers are `$name` fields of a space-delimited
//!   pattern; numeric identifiers are `$N`, the N-th field of the event (the
//!   older page's extracted fields list `"$7": "1534"`, `"$1": "127.0.0.1"`).
//! * "Using values in log events to increment a metric's value":
//!   `{ $.latency = * } metricValue: $.latency` publishes 50 for
//!   `{"latency": 50, "requestType": "GET"}`.
//! * "Dimensions are name/value value pairs and only available for JSON and
//!   space-delimited filter patterns": `"eventType" : $.eventType`,
//!   `"server" : $server`.
//! * AWS::Logs::MetricFilter Dimension (CloudFormation reference): "This
//!   dimension will only be published for a metric if the value is found in
//!   the log event."
//!
//! Not documented: what happens when a metric value selector finds a
//! non-numeric value (or nothing). Chosen: the event publishes nothing
//! ([`super::Match::value`] returns `None`). Numeric strings (`"50"`) count
//! as numbers, like space-delimited fields, which are always text. An empty
//! string is not a dimension value (CloudWatch dimension values are at least
//! one character long).

use super::error::ParseError;
use super::parse::Cursor;
use super::selector::{Selector, parse_selector};
use super::value::parse_number_literal;

/// A parsed metric value / dimension spec.
#[derive(Clone, Debug)]
pub(super) enum Spec {
    /// A constant number.
    Constant(f64),
    /// `$.selector` into a JSON event.
    Json(Selector),
    /// `$name`: a named field of a space-delimited pattern.
    Field(String),
    /// `$N`: the N-th (1-based) field of a space-delimited event.
    Position(usize),
}

const SPEC_HELP: &str =
    "use a number such as `1`, a JSON selector such as `$.latency`, or a field such as `$bytes`";

/// Parses a spec; error offsets are byte offsets into `spec`.
pub(super) fn parse_spec(spec: &str) -> Result<Spec, ParseError> {
    let start = spec.len() - spec.trim_start().len();
    let body = spec.trim();
    if body.is_empty() {
        return Err(
            ParseError::new(0, spec.len(), "empty metric value or dimension").with_help(SPEC_HELP),
        );
    }
    if let Some(after) = body.strip_prefix('$') {
        if after.starts_with('.') || after.starts_with('[') {
            let mut cur = Cursor::new(spec, start);
            let selector = parse_selector(&mut cur, "")?;
            cur.skip_ws();
            if !cur.is_eof() {
                return Err(ParseError::new(
                    cur.pos(),
                    cur.rest().trim_end().len(),
                    "unexpected text after the selector",
                )
                .with_help("a metric value or dimension is a single selector, e.g. `$.latency`"));
            }
            return Ok(Spec::Json(selector));
        }
        let name_at = start + 1;
        if after.is_empty() {
            return Err(ParseError::new(
                start,
                1,
                "`$` must be followed by `.selector` or a field name",
            )
            .with_help("write e.g. `$.latency` (JSON) or `$bytes` (space-delimited)"));
        }
        if let Some((i, bad)) = after
            .char_indices()
            .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        {
            return Err(ParseError::new(
                name_at + i,
                bad.len_utf8(),
                format!("`{bad}` cannot appear in a field name"),
            )
            .with_help("field names use letters, digits and `_`; JSON selectors start with `$.`"));
        }
        if after.chars().all(|c| c.is_ascii_digit()) {
            return match after.parse::<usize>() {
                Ok(0) => Err(ParseError::new(
                    start,
                    body.len(),
                    "`$0` is not a field: positions start at `$1`",
                )
                .with_help("use `$1` for the first field of the event")),
                Ok(n) => Ok(Spec::Position(n)),
                Err(_) => Err(ParseError::new(
                    start,
                    body.len(),
                    format!("field position `{body}` is too large"),
                )),
            };
        }
        return Ok(Spec::Field(after.to_string()));
    }
    if let Some(v) = parse_number_literal(body) {
        return Ok(Spec::Constant(v));
    }
    Err(ParseError::new(
        start,
        body.len(),
        format!("`{body}` is not a number, a `$.selector` or a `$field`"),
    )
    .with_help(SPEC_HELP))
}
