//! An offline engine for the CloudWatch Logs filter-pattern language used by
//! metric filters, subscription filters and `FilterLogEvents`.
//!
//! It parses a pattern once ([`Pattern::parse`]), tells whether a log event
//! matches ([`Pattern::matches`]), and extracts metric values and dimension
//! values from a match ([`Match::value`], [`Match::text`]). Everything
//! follows the CloudWatch Logs user guide pages "Filter pattern syntax for
//! metric filters, subscription filters, filter log events, and Live Tail"
//! (FilterAndPatternSyntax.html), "Supported regular expressions (regex)
//! syntax" and "Filter pattern syntax for metric filters"; each submodule
//! quotes the rules it implements.
//!
//! The five kinds of pattern, chosen by the first non-blank character:
//!
//! ```text
//! ""  or  " "                                  every event (PatternKind::All)
//! ERROR  "exact phrase"  ?ERROR ?WARN  -Exiting  terms (PatternKind::Terms)
//! %ERROR [0-9]{3}%                             regex (PatternKind::Regex)
//! { $.level = "ERROR" && $.latency > 500 }     JSON (PatternKind::Json)
//! [ip, user, ..., status_code = 4*, bytes]     space-delimited (PatternKind::Delimited)
//! ```
//!
//! Parsing never panics; every error carries a byte offset, a specific
//! message and usually a fix-it hint.

mod delimited;
mod error;
mod expr;
mod extract;
mod json;
mod parse;
mod regexp;
mod selector;
mod terms;
mod value;

#[cfg(test)]
mod tests;

use regex::Regex;
use serde_json::Value;

pub use self::error::{ParseError, Warning};

use self::delimited::{DelimitedMatch, DelimitedPattern};
use self::extract::{Spec, parse_spec};
use self::json::JsonPattern;
use self::parse::{Ctx, Cursor};
use self::terms::TermsPattern;
use self::value::parse_plain_decimal;

/// "filterPattern ... Length Constraints: Minimum length of 0. Maximum
/// length of 1024." (CloudWatch Logs API reference, `MetricFilter`).
pub const MAX_PATTERN_CHARS: usize = 1024;

/// The kind of a filter pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PatternKind {
    /// Matches every event: an empty pattern, `""` or `" "`.
    All,
    /// Unstructured terms and phrases (`ERROR -Exiting`).
    Terms,
    /// A standalone `%regex%`.
    Regex,
    /// A JSON pattern `{ ... }`.
    Json,
    /// A space-delimited pattern `[ ... ]`.
    Delimited,
}

#[derive(Clone, Debug)]
enum Body {
    All,
    Terms(TermsPattern),
    Regex(Regex),
    Json(JsonPattern),
    Delimited(DelimitedPattern),
}

/// A parsed filter pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    text: String,
    body: Body,
    warnings: Vec<Warning>,
    regexes: usize,
}

/// A successful match of a [`Pattern`] against one log event, holding what
/// is needed to extract metric values and dimensions.
#[derive(Clone, Debug)]
pub struct Match<'a> {
    data: MatchData<'a>,
}

#[derive(Clone, Debug)]
enum MatchData<'a> {
    /// Terms, regex and match-all patterns have no fields.
    Plain,
    /// The parsed JSON event.
    Json(Value),
    /// The event's fields and the named ones among them.
    Delimited(DelimitedMatch<'a>),
}

impl Pattern {
    /// Parses a filter pattern.
    ///
    /// # Errors
    ///
    /// Returns a [`ParseError`] locating the first syntax error, e.g. an
    /// unclosed `{`, an unknown operator or an unsupported regex construct.
    pub fn parse(text: &str) -> Result<Pattern, ParseError> {
        if let Some((at, _)) = text.char_indices().nth(MAX_PATTERN_CHARS) {
            return Err(ParseError::new(
                at,
                text.len() - at,
                format!("filter pattern is too long: CloudWatch allows at most {MAX_PATTERN_CHARS} characters"),
            )
            .with_help("shorten the pattern, or split it into several filters"));
        }
        let mut ctx = Ctx::default();
        let mut cur = Cursor::new(text, 0);
        cur.skip_ws();
        let body = match cur.peek() {
            None => Body::All,
            Some('{') => Body::Json(JsonPattern::parse(&mut cur, &mut ctx)?),
            Some('[') => Body::Delimited(DelimitedPattern::parse(&mut cur, &mut ctx)?),
            Some('%') => {
                let re = regexp::parse_regex_token(&mut cur)?;
                cur.skip_ws();
                if !cur.is_eof() {
                    return Err(ParseError::new(
                        cur.pos(),
                        cur.rest().len(),
                        "a regex pattern must be the whole filter pattern: found text after the closing `%`",
                    )
                    .with_help("move the text inside the regex, e.g. `%ERROR.*timeout%`"));
                }
                ctx.regexes += 1;
                Body::Regex(re)
            }
            Some(_) => {
                let terms = TermsPattern::parse(&mut cur, &mut ctx.warnings)?;
                if terms.is_match_all() {
                    Body::All
                } else {
                    Body::Terms(terms)
                }
            }
        };
        Ok(Pattern {
            text: text.to_string(),
            body,
            warnings: ctx.warnings,
            regexes: ctx.regexes,
        })
    }

    /// How many `%regex%` the pattern uses (a JSON or space-delimited
    /// pattern at most two, which [`Pattern::parse`] enforces). PutMetricFilter
    /// (CloudWatch Logs API reference): "there is a quota of two regular
    /// expression patterns within a single filter pattern. There is also a
    /// quota of five regular expression patterns per log group" — the
    /// per-group quota is the caller's, who knows the group's filters.
    #[must_use]
    pub fn regex_count(&self) -> usize {
        self.regexes
    }

    /// The pattern text as given to [`Pattern::parse`].
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The kind of pattern.
    #[must_use]
    pub fn kind(&self) -> PatternKind {
        match self.body {
            Body::All => PatternKind::All,
            Body::Terms(_) => PatternKind::Terms,
            Body::Regex(_) => PatternKind::Regex,
            Body::Json(_) => PatternKind::Json,
            Body::Delimited(_) => PatternKind::Delimited,
        }
    }

    /// Things that parse but behave differently from what they look like
    /// (e.g. `?` terms that AWS ignores next to plain terms).
    #[must_use]
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The named fields of a space-delimited pattern, in order (empty for
    /// other kinds).
    #[must_use]
    pub fn field_names(&self) -> Vec<&str> {
        match &self.body {
            Body::Delimited(d) => d.names(),
            _ => Vec::new(),
        }
    }

    /// Matches one log event message; `None` when it does not match.
    ///
    /// A JSON pattern only matches events that are a JSON object.
    #[must_use]
    pub fn matches<'a>(&'a self, line: &'a str) -> Option<Match<'a>> {
        let plain = || Match {
            data: MatchData::Plain,
        };
        match &self.body {
            Body::All => Some(plain()),
            Body::Terms(t) => t.matches(line).then(plain),
            Body::Regex(r) => r.is_match(line).then(plain),
            Body::Json(j) => {
                let value: Value = serde_json::from_str(line).ok()?;
                (value.is_object() && j.matches(&value)).then_some(Match {
                    data: MatchData::Json(value),
                })
            }
            Body::Delimited(d) => d.match_line(line).map(|m| Match {
                data: MatchData::Delimited(m),
            }),
        }
    }

    /// Whether one log event message matches.
    #[must_use]
    pub fn is_match(&self, line: &str) -> bool {
        self.matches(line).is_some()
    }

    /// Checks a metric value (`numeric`) or dimension value spec against
    /// this pattern without any event: a value is a number, `$.selector` or
    /// `$field`; a dimension is `$.selector` or `$field`. `$.x` needs a JSON
    /// pattern; `$name` needs a space-delimited pattern naming that field;
    /// `$N` needs a space-delimited pattern.
    ///
    /// # Errors
    ///
    /// Returns a [`ParseError`] located in `spec` (not in the pattern) when
    /// the spec is malformed or cannot apply to this pattern.
    pub fn check_selector(&self, spec: &str, numeric: bool) -> Result<(), ParseError> {
        let parsed = parse_spec(spec)?;
        let start = spec.len() - spec.trim_start().len();
        let body = spec.trim();
        let whole = |msg: String| ParseError::new(start, body.len(), msg);
        match parsed {
            Spec::Constant(_) if numeric => Ok(()),
            Spec::Constant(_) => Err(whole(format!("a dimension value must name a field, not the constant `{body}`"))
                .with_help("use `$.field` for a JSON pattern or `$name` for a space-delimited pattern")),
            Spec::Json(sel) => match &self.body {
                Body::Json(_) if sel.has_wildcard() => Err(whole(format!("`{body}` uses `*`, which can select several values"))
                    .with_help("select one value, e.g. `$.items[0].latency`")),
                Body::Json(_) => Ok(()),
                Body::Delimited(d) => Err(whole(format!("`{body}` reads a JSON property, but this is a space-delimited pattern"))
                    .with_help(field_list_help(&d.names()))),
                _ => Err(whole(format!("`{body}` needs a JSON filter pattern (`{{ ... }}`); this pattern has no fields"))
                    .with_help(no_fields_help(numeric))),
            },
            Spec::Field(name) => match &self.body {
                Body::Delimited(d) => {
                    let names = d.names();
                    if names.contains(&name.as_str()) {
                        Ok(())
                    } else {
                        Err(whole(format!("`${name}` is not a field of this pattern")).with_help(field_list_help(&names)))
                    }
                }
                Body::Json(_) => Err(whole(format!("`${name}` names a space-delimited field, but this is a JSON pattern"))
                    .with_help(format!("write `$.{name}` to read a JSON property"))),
                _ => Err(whole(format!("`${name}` needs a space-delimited filter pattern (`[ ... ]`); this pattern has no fields"))
                    .with_help(no_fields_help(numeric))),
            },
            Spec::Position(n) => match &self.body {
                Body::Delimited(d) if !d.has_ellipsis() && n > d.field_count() => Err(whole(format!(
                    "`${n}` is past the end: this pattern names {} fields (events may have more, but `$N` reads only the named ones)",
                    d.field_count()
                ))),
                Body::Delimited(_) => Ok(()),
                _ => Err(whole(format!("`${n}` needs a space-delimited filter pattern (`[ ... ]`)")).with_help(no_fields_help(numeric))),
            },
        }
    }
}

fn field_list_help(names: &[&str]) -> String {
    if names.is_empty() {
        "this pattern names no fields; name one, e.g. `[ip, user, ..., bytes]`, or use `$1`, `$2`, ...".to_string()
    } else {
        let list: Vec<String> = names.iter().map(|n| format!("`${n}`")).collect();
        format!("the pattern's fields are {}", list.join(", "))
    }
}

fn no_fields_help(numeric: bool) -> &'static str {
    if numeric {
        "use a constant metric value such as `1`, or a JSON / space-delimited pattern"
    } else {
        "dimensions need a JSON or space-delimited pattern"
    }
}

/// A value found in a matched event.
enum Found<'m> {
    Json(&'m Value),
    Text(&'m str),
}

impl Match<'_> {
    fn find(&self, spec: &Spec) -> Option<Found<'_>> {
        match (spec, &self.data) {
            (Spec::Json(sel), MatchData::Json(root)) => sel.resolve_one(root).map(Found::Json),
            (Spec::Field(name), MatchData::Delimited(m)) => {
                let (_, i) = m.named.iter().find(|(n, _)| n == name)?;
                m.fields.get(*i).copied().map(Found::Text)
            }
            (Spec::Position(n), MatchData::Delimited(m)) => {
                m.fields.get(n.checked_sub(1)?).copied().map(Found::Text)
            }
            _ => None,
        }
    }

    /// A metric value: a constant, `$.x` or `$name` / `$N`; `None` when the
    /// event publishes nothing (the field is missing or not numeric).
    #[must_use]
    pub fn value(&self, spec: &str) -> Option<f64> {
        let spec = parse_spec(spec).ok()?;
        if let Spec::Constant(v) = spec {
            return Some(v);
        }
        match self.find(&spec)? {
            Found::Json(Value::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
            Found::Json(Value::String(s)) => parse_plain_decimal(s.trim()),
            Found::Json(_) => None,
            Found::Text(s) => parse_plain_decimal(s.trim()),
        }
    }

    /// A dimension value (string form) for `$.x` or `$name` / `$N`; `None`
    /// when absent, empty, or not a string, number or boolean.
    #[must_use]
    pub fn text(&self, spec: &str) -> Option<String> {
        let spec = parse_spec(spec).ok()?;
        let text = match self.find(&spec)? {
            Found::Json(Value::String(s)) => s.clone(),
            Found::Json(Value::Number(n)) => n.to_string(),
            Found::Json(Value::Bool(b)) => b.to_string(),
            Found::Json(_) => return None,
            Found::Text(s) => s.to_string(),
        };
        (!text.is_empty()).then_some(text)
    }

    /// The fields a space-delimited match extracted, as AWS
    /// `TestMetricFilter` reports them: `$name` for named fields and `$N`
    /// (1-based position) for the others. Empty for other pattern kinds
    /// ("If you are not using a space-delimited filter, this will be empty").
    #[must_use]
    pub fn extracted_values(&self) -> Vec<(String, String)> {
        let MatchData::Delimited(m) = &self.data else {
            return Vec::new();
        };
        m.fields
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let key = m
                    .named
                    .iter()
                    .find(|(_, fi)| *fi == i)
                    .map_or_else(|| format!("${}", i + 1), |(n, _)| format!("${n}"));
                (key, (*field).to_string())
            })
            .collect()
    }
}
