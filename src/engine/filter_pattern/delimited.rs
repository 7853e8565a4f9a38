//! Space-delimited patterns: `[ip, user, ..., status_code = 4*, bytes > 1000]`.
//!
//! Rules from "Filter pattern syntax ..." (space-delimited section) and the
//! older "Filter and Pattern Syntax" page:
//!
//! * "Characters between brackets ("[]") and double quotation marks ("")
//!   are considered single fields." The extracted-fields example shows the
//!   value without the enclosing characters (`"$request": "GET /index.html
//!   HTTP/1.0"`).
//! * "enclose the filter pattern in brackets ("[]"), and specify fields with
//!   names that are separated by commas (",")."
//! * "If you don't know the number of fields ... you can use ellipsis (...)
//!   to reference any unnamed field. Elipsis can reference as many fields as
//!   needed."
//! * **Events with more fields than the pattern names.** The current page
//!   ("Filter pattern syntax for metric filters, subscription filters,
//!   filter log events, and Live Tail",
//!   <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>,
//!   "Match terms in order", "Match terms with AND (&&) and OR (||)",
//!   "Exclude terms from matches") matches `[w1=ERROR, w2]` against "ERROR
//!   09/25/2014 12:00:02 Failed to process request" (six fields) and says
//!   it "returns log events where the first word in the log events is
//!   ERROR"; the 2020 page's examples used two- and three-field events and
//!   read as an exact count. The current page and its examples are
//!   authoritative, so a pattern without an ellipsis matches an event
//!   whose first N fields it accepts, however many fields follow (fewer
//!   than N: no match). Not documented: the extra fields are not part of
//!   any named field (`$w2` is "09/25/2014"), as with a trailing `...`.
//! * Conditions: "numeric operators ( >, <, =, !=, >=, or <=) and the
//!   asterisk (*) as a wild card or regex"; "For string fields, you can use
//!   = or != operators with an asterisk (*)".
//! * "You also can use the logical operators AND (&&) and OR (||) to create
//!   compound expressions": `status_code = 404 || status_code = 410`,
//!   `w1!=ERROR && w1!=WARNING`. Every condition in one comma-separated slot
//!   must be about that slot's field.
//! * The example `[..., request=*.html*, status_code=4*,]` extracts a `$7`
//!   for the empty last slot, so an empty slot is an unnamed field.
//! * Unnamed fields are extracted as `$N`, their 1-based position in the
//!   event, so field names may not be all digits here.

use std::collections::HashSet;

use super::error::ParseError;
use super::expr::{Expr, parse_expr};
use super::parse::{Ctx, Cursor, parse_operator, parse_value, unexpected};
use super::value::{Comparison, Subject};

/// `name op value` inside a slot.
#[derive(Clone, Debug)]
pub(super) struct FieldCond {
    name: String,
    name_at: usize,
    cmp: Comparison,
}

/// One comma-separated entry of the pattern.
#[derive(Clone, Debug)]
pub(super) enum Slot {
    /// `...`: any number of fields.
    Ellipsis,
    /// An empty entry: any one field.
    Any,
    /// A named field, optionally with conditions.
    Named {
        name: String,
        cond: Option<Expr<FieldCond>>,
    },
}

impl Slot {
    fn accepts(&self, field: &str) -> bool {
        match self {
            Slot::Ellipsis | Slot::Any | Slot::Named { cond: None, .. } => true,
            Slot::Named {
                cond: Some(expr), ..
            } => {
                let subject = Subject::text(field);
                expr.eval(&mut |c: &FieldCond| c.cmp.test(&subject))
            }
        }
    }
}

/// A parsed space-delimited pattern.
#[derive(Clone, Debug)]
pub(super) struct DelimitedPattern {
    slots: Vec<Slot>,
}

/// The fields of a matching event and which slot took which field.
#[derive(Clone, Debug)]
pub(super) struct DelimitedMatch<'a> {
    pub(super) fields: Vec<&'a str>,
    /// `(slot name, field index)` for every named slot.
    pub(super) named: Vec<(&'a str, usize)>,
}

fn is_field_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn unclosed(open: usize) -> ParseError {
    ParseError::new(
        open,
        1,
        "unclosed `[`: a space-delimited pattern ends with `]`",
    )
    .with_help("add `]` at the end of the pattern")
}

fn slot_end(c: Option<char>) -> bool {
    matches!(c, None | Some(',' | ']'))
}

impl DelimitedPattern {
    /// Parses the pattern; the cursor is on `[`.
    pub(super) fn parse(cur: &mut Cursor<'_>, ctx: &mut Ctx) -> Result<Self, ParseError> {
        let open = cur.pos();
        cur.bump();
        cur.skip_ws();
        if cur.peek() == Some(']') {
            return Err(ParseError::new(
                open,
                cur.pos() + 1 - open,
                "empty space-delimited pattern `[]`",
            )
            .with_help("list the fields, e.g. `[ip, user, ..., status_code, bytes]`"));
        }
        let mut slots = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        loop {
            cur.skip_ws();
            let slot = if cur.eat("...") || cur.eat("…") {
                cur.skip_ws();
                if !slot_end(cur.peek()) {
                    return Err(ParseError::new(
                        cur.pos(),
                        1,
                        "`...` stands for any number of fields and cannot have a condition",
                    )
                    .with_help(
                        "put the condition on a named field, e.g. `..., status_code = 404`",
                    ));
                }
                Slot::Ellipsis
            } else if cur.is_eof() {
                return Err(unclosed(open));
            } else if slot_end(cur.peek()) {
                Slot::Any
            } else {
                let name_at = cur.pos();
                let name = cur.take_while(is_field_char);
                cur.skip_ws();
                if !name.is_empty() && slot_end(cur.peek()) {
                    check_name(name, name_at, &seen)?;
                    seen.push(name.to_string());
                    Slot::Named {
                        name: name.to_string(),
                        cond: None,
                    }
                } else {
                    cur.set_pos(name_at);
                    let expr = parse_expr(
                        cur,
                        &mut |c: &mut Cursor<'_>| parse_field_cond(c, ctx),
                        ",]",
                    )?;
                    let mut first: Option<(String, usize)> = None;
                    let mut mismatch: Option<ParseError> = None;
                    expr.for_each(&mut |c: &FieldCond| match &first {
                        None => first = Some((c.name.clone(), c.name_at)),
                        Some((n, _)) if *n != c.name && mismatch.is_none() => {
                            mismatch = Some(
                                ParseError::new(
                                    c.name_at,
                                    c.name.len(),
                                    format!("this condition is about `{}`, but this field is `{n}`", c.name),
                                )
                                .with_help("each comma-separated entry is one field; give other fields their own entry"),
                            );
                        }
                        Some(_) => {}
                    });
                    if let Some(err) = mismatch {
                        return Err(err);
                    }
                    let Some((name, at)) = first else {
                        return Err(ParseError::new(name_at, 1, "expected a field"));
                    };
                    check_name(&name, at, &seen)?;
                    seen.push(name.clone());
                    Slot::Named {
                        name,
                        cond: Some(expr),
                    }
                }
            };
            slots.push(slot);
            cur.skip_ws();
            match cur.peek() {
                Some(',') => {
                    cur.bump();
                }
                Some(']') => {
                    cur.bump();
                    break;
                }
                None => return Err(unclosed(open)),
                Some(')') => {
                    return Err(ParseError::new(cur.pos(), 1, "unmatched `)`")
                        .with_help("remove it or add the matching `(`"));
                }
                Some(_) => {
                    return Err(unexpected(cur, "`&&`, `||`, `,` or `]`")
                        .with_help("separate fields with commas, e.g. `[ip, user]`"));
                }
            }
        }
        cur.skip_ws();
        if !cur.is_eof() {
            let at = cur.pos();
            return Err(ParseError::new(
                at,
                cur.rest().len(),
                "unexpected text after the closing `]`",
            )
            .with_help("a space-delimited pattern must be the whole filter pattern"));
        }
        Ok(Self { slots })
    }

    /// Names of the named fields, in order.
    pub(super) fn names(&self) -> Vec<&str> {
        self.slots
            .iter()
            .filter_map(|s| match s {
                Slot::Named { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether the pattern has an ellipsis (so it matches any field count).
    pub(super) fn has_ellipsis(&self) -> bool {
        self.slots.iter().any(|s| matches!(s, Slot::Ellipsis))
    }

    /// Number of single-field slots.
    pub(super) fn field_count(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| !matches!(s, Slot::Ellipsis))
            .count()
    }

    /// Splits `line` and matches it against the slots.
    pub(super) fn match_line<'a>(&'a self, line: &'a str) -> Option<DelimitedMatch<'a>> {
        let fields = split_fields(line);
        let mut bind = vec![usize::MAX; self.slots.len()];
        if !self.has_ellipsis() {
            // At least the named fields; later ones are not matched.
            if fields.len() < self.slots.len() {
                return None;
            }
            for (i, ((slot, field), b)) in self
                .slots
                .iter()
                .zip(&fields)
                .zip(bind.iter_mut())
                .enumerate()
            {
                if !slot.accepts(field) {
                    return None;
                }
                *b = i;
            }
        } else {
            let mut failed = HashSet::new();
            if !self.walk(0, 0, &fields, &mut failed, &mut bind) {
                return None;
            }
        }
        let named = self
            .slots
            .iter()
            .zip(&bind)
            .filter_map(|(slot, &fi)| match slot {
                Slot::Named { name, .. } if fi != usize::MAX => Some((name.as_str(), fi)),
                _ => None,
            })
            .collect();
        Some(DelimitedMatch { fields, named })
    }

    /// Backtracking over ellipses, memoizing failed `(slot, field)` states
    /// so the work stays proportional to slots × fields.
    fn walk(
        &self,
        si: usize,
        fi: usize,
        fields: &[&str],
        failed: &mut HashSet<(usize, usize)>,
        bind: &mut [usize],
    ) -> bool {
        let Some(slot) = self.slots.get(si) else {
            return fi == fields.len();
        };
        if failed.contains(&(si, fi)) {
            return false;
        }
        let ok = match slot {
            Slot::Ellipsis => {
                (fi..=fields.len()).any(|k| self.walk(si + 1, k, fields, failed, bind))
            }
            _ => match fields.get(fi) {
                Some(field) if slot.accepts(field) => {
                    if let Some(b) = bind.get_mut(si) {
                        *b = fi;
                    }
                    self.walk(si + 1, fi + 1, fields, failed, bind)
                }
                _ => false,
            },
        };
        if !ok {
            failed.insert((si, fi));
        }
        ok
    }
}

fn check_name(name: &str, at: usize, seen: &[String]) -> Result<(), ParseError> {
    if name.chars().all(|c| c.is_ascii_digit()) {
        return Err(ParseError::new(
            at,
            name.len(),
            format!("a field name cannot be only digits: `{name}`"),
        )
        .with_help(format!(
            "`${name}` already means field number {name} of the event; use a name such as `f{name}`"
        )));
    }
    if seen.iter().any(|s| s == name) {
        return Err(
            ParseError::new(at, name.len(), format!("field name `{name}` is used twice"))
                .with_help(
                    "give each field its own name; join conditions on one field with `&&` / `||`",
                ),
        );
    }
    Ok(())
}

fn parse_field_cond(cur: &mut Cursor<'_>, ctx: &mut Ctx) -> Result<FieldCond, ParseError> {
    cur.skip_ws();
    let name_at = cur.pos();
    let name = cur.take_while(is_field_char);
    if name.is_empty() {
        return Err(match cur.peek() {
            Some('=' | '!' | '<' | '>') => ParseError::new(
                name_at,
                1,
                "a condition needs a field name before the operator",
            )
            .with_help("write e.g. `status_code = 404`"),
            Some('$') => ParseError::new(
                name_at,
                1,
                "field names in a space-delimited pattern have no `$`",
            )
            .with_help("write `name`; `$name` is used only in metric values and dimensions"),
            Some('"') => ParseError::new(
                name_at,
                1,
                "a field entry starts with a field name, not a value",
            )
            .with_help("write e.g. `w1 = \"some text\"`"),
            _ => {
                unexpected(cur, "a field name").with_help("field names use letters, digits and `_`")
            }
        });
    }
    cur.skip_ws();
    let op_at = cur.pos();
    let Some(op) = parse_operator(cur)? else {
        return Err(unexpected(cur, &format!("`,`, `]` or an operator after `{name}`")).with_help(format!(
            "separate fields with commas (`{name}, next`), or compare the field (`{name} = value`)"
        )));
    };
    let literal = parse_value(cur, ctx, op, op_at, ",]")?;
    Ok(FieldCond {
        name: name.to_string(),
        name_at,
        cmp: Comparison { op, literal },
    })
}

/// Splits an event into space-separated fields; a field that starts with
/// `"` or `[` runs to the matching `"` / `]` (which must end the field) and
/// is returned without them.
pub(super) fn split_fields(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut pos = 0;
    while let Some(rest) = line.get(pos..) {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            break;
        }
        let start = line.len() - trimmed.len();
        if let Some((inner, used)) = enclosed(trimmed) {
            fields.push(inner);
            pos = start + used;
            continue;
        }
        let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        fields.push(trimmed.get(..end).unwrap_or(""));
        pos = start + end.max(1);
    }
    fields
}

/// `"..."` or `[...]` at the start of `s`: the inner text and bytes used.
fn enclosed(s: &str) -> Option<(&str, usize)> {
    let mut chars = s.char_indices();
    let (_, first) = chars.next()?;
    let close = match first {
        '"' => {
            let mut escaped = false;
            chars.find_map(|(i, c)| {
                let hit = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                hit.then_some(i)
            })?
        }
        '[' => {
            let mut depth = 0usize;
            chars.find_map(|(i, c)| match c {
                '[' => {
                    depth += 1;
                    None
                }
                ']' if depth == 0 => Some(i),
                ']' => {
                    depth -= 1;
                    None
                }
                _ => None,
            })?
        }
        _ => return None,
    };
    let used = close + 1;
    match s.get(used..)?.chars().next() {
        Some(c) if !c.is_whitespace() => None,
        _ => Some((s.get(1..close)?, used)),
    }
}
