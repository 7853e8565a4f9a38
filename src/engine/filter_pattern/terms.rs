//! Unstructured term patterns: `ERROR`, `ERROR ARGUMENTS`, `"exact phrase"`,
//! `?ERROR ?WARN`, `ERROR -ARGUMENTS`.
//!
//! "Filter pattern syntax ..." (section "Using filter patterns to match
//! terms in unstructured log events"):
//!
//! * "Filter patterns are case sensitive. Enclose exact phrases and terms
//!   that include non-alphanumeric characters in double quotation marks."
//!   The older page: "Metric filter terms that include characters other
//!   than alphanumeric or underscore must be placed inside double quotes".
//! * Terms match anywhere in the message: `ERROR` matches "Exiting with
//!   ERRORCODE: -1" (older page), so a term is a case-sensitive substring.
//! * Several terms: all must appear (`ERROR ARGUMENTS`).
//! * "Place a question mark ("?") before the terms that you want to match":
//!   `?ERROR ?ARGUMENTS` matches events with either term.
//! * "You cant' combine the question mark ("?") with other filter patterns,
//!   such as include and exclude terms. If you combine "?" with other filter
//!   patterns, all question mark terms will be ignored." (`?ERROR ?ARGUMENTS
//!   REQUEST` behaves like `REQUEST`.) A warning is recorded when that
//!   happens.
//! * "Place a minus symbol ("-") before the terms that you want to exclude"
//!   (`ERROR -ARGUMENTS`); a pattern of only exclusions (`-ERROR`) returns
//!   every event without the term (Lightsail `GetContainerLog` docs).
//! * "You can match everything in your log events with double quotation
//!   marks": `" "` (and `""`) match every event, so a blank quoted term adds
//!   no condition.

use super::error::{ParseError, Warning};
use super::parse::{Cursor, parse_quoted};

/// A parsed term pattern.
#[derive(Clone, Debug, Default)]
pub(super) struct TermsPattern {
    required: Vec<String>,
    excluded: Vec<String>,
    optional: Vec<String>,
}

impl TermsPattern {
    /// Whether the pattern has no conditions at all (only blank phrases).
    pub(super) fn is_match_all(&self) -> bool {
        self.required.is_empty() && self.excluded.is_empty() && self.optional.is_empty()
    }

    /// Whether `line` matches.
    pub(super) fn matches(&self, line: &str) -> bool {
        self.required.iter().all(|t| line.contains(t.as_str()))
            && !self.excluded.iter().any(|t| line.contains(t.as_str()))
            && (self.optional.is_empty() || self.optional.iter().any(|t| line.contains(t.as_str())))
    }

    /// Parses terms from the cursor to the end of the text.
    pub(super) fn parse(
        cur: &mut Cursor<'_>,
        warnings: &mut Vec<Warning>,
    ) -> Result<Self, ParseError> {
        let mut pattern = TermsPattern::default();
        let mut optional_span: Option<(usize, usize)> = None;
        loop {
            cur.skip_ws();
            if cur.is_eof() {
                break;
            }
            let at = cur.pos();
            let prefix = match cur.peek() {
                Some(c @ ('?' | '-')) => {
                    cur.bump();
                    Some(c)
                }
                _ => None,
            };
            let shown = prefix.map(String::from).unwrap_or_default();
            let term_at = cur.pos();
            let term = match cur.peek() {
                None => None,
                Some(c) if c.is_whitespace() => None,
                Some('"') => {
                    let q = parse_quoted(cur)?;
                    if let Some(c) = cur.peek()
                        && !c.is_whitespace()
                    {
                        return Err(ParseError::new(
                            cur.pos(),
                            c.len_utf8(),
                            "expected a space after the closing `\"`",
                        )
                        .with_help(
                            "separate terms with spaces, or put the whole phrase inside the quotes",
                        ));
                    }
                    // A blank phrase (`" "`, `""`) matches everything.
                    Some((!q.text.trim().is_empty()).then_some(q.text))
                }
                Some('%') => {
                    return Err(ParseError::new(term_at, cur.rest().len(), "a regex (`%...%`) must be the whole filter pattern")
                        .with_help("write the pattern as one regex, e.g. `%ERROR.*timeout%`, or quote the text: `\"100%\"`"));
                }
                Some(_) => {
                    let token = cur.take_while(|c| !c.is_whitespace());
                    if let Some((i, bad)) = token
                        .char_indices()
                        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
                    {
                        let err = ParseError::new(
                            term_at + i,
                            bad.len_utf8(),
                            format!(
                                "`{bad}` in `{token}`: unquoted terms may only use letters, digits and `_`"
                            ),
                        );
                        return Err(match (i, bad) {
                            (0, '{') => err.with_help("a JSON pattern `{ ... }` must be the whole filter pattern; otherwise quote the term"),
                            (0, '[') => err.with_help("a space-delimited pattern `[ ... ]` must be the whole filter pattern; otherwise quote the term"),
                            _ => err.with_help(format!(
                                "put the term in double quotes: `{shown}\"{}\"`",
                                token.replace('\\', "\\\\").replace('"', "\\\"")
                            )),
                        });
                    }
                    Some(Some(token.to_string()))
                }
            };
            let Some(term) = term else {
                return Err(ParseError::new(at, 1, format!("`{shown}` must be directly followed by a term"))
                    .with_help(format!("write e.g. `{shown}ERROR` or `{shown}\"some phrase\"` with no space after `{shown}`")));
            };
            let Some(term) = term else { continue };
            match prefix {
                Some('?') => {
                    let span = (at, cur.pos() - at);
                    optional_span = Some(optional_span.map_or(span, |(s, _)| (s, cur.pos() - s)));
                    pattern.optional.push(term);
                }
                Some(_) => pattern.excluded.push(term),
                None => pattern.required.push(term),
            }
        }
        if !pattern.optional.is_empty()
            && (!pattern.required.is_empty() || !pattern.excluded.is_empty())
        {
            let (offset, len) = optional_span.unwrap_or((0, 0));
            warnings.push(Warning {
                offset,
                len,
                message: "AWS ignores `?` terms when the pattern also has plain or `-` terms; use only `?` terms, or a regex such as `%ERROR|WARN%`".to_string(),
            });
            pattern.optional.clear();
        }
        Ok(pattern)
    }
}
