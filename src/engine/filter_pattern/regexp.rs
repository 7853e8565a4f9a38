//! `%regex%` values: validation against the subset CloudWatch Logs accepts
//! and translation to the `regex` crate's syntax.
//!
//! "Supported regular expressions (regex) syntax" (CloudWatch Logs user
//! guide, FilterAndPatternSyntax.html / regex-expressions.html):
//!
//! * "When using regex to search and filter log data, you must surround your
//!   expressions with `%`."
//! * "Filter patterns with regex can only include the following:
//!   Alphanumeric characters ... Supported symbol characters – These include:
//!   ':', '_', '#', '=', '@', '/', ';', ',', and '-'. For example,
//!   `%something!%` would be rejected since '!' is not supported.
//!   Supported operators – These include: '^', '$', '?', '[', ']', '{', '}',
//!   '|', '\', '*', '+', and '.'. The ( and ) operators are not supported.
//!   You cannot use parentheses to define a subpattern."
//! * "Multi-byte characters are not supported."
//! * Escapes: `\d \D \s \S \w \W` ("`%\w%` is equivalent to `%[a-zA-Z_0-9]%`")
//!   and `\xhh` ("Matches the ASCII mapping for a two-digit hexadecimal
//!   character ... You can use `\xhh` to match symbol characters that are not
//!   supported by the filter pattern").
//! * "`{m, n}` ... Either m or n can be omitted".
//! * `.` "Matches any single character"; `^` / `$` anchor to the beginning /
//!   end "of a string".
//!
//! The space character is accepted too: the page's own examples use it
//! (`%^starting|^initializing|^shutting down%`). Without parentheses there
//! are no groups, so lookaround and backreferences cannot be written; `\1`
//! and other escapes outside the list are rejected.

use regex::{Regex, RegexBuilder};

use super::error::ParseError;
use super::parse::Cursor;

const SYMBOLS: &str = ":_#=@/;,- ";
const OPERATORS: &str = "^$?[]{}|\\*+.";

/// Parses `%...%` at the cursor (which is on the opening `%`).
pub(super) fn parse_regex_token(cur: &mut Cursor<'_>) -> Result<Regex, ParseError> {
    let open = cur.pos();
    cur.bump();
    let body_start = cur.pos();
    let Some(close) = cur.rest().find('%') else {
        return Err(
            ParseError::new(open, 1, "unclosed `%`: a regex ends with `%`")
                .with_help("add the closing `%`, e.g. `%ERROR [0-9]+%`"),
        );
    };
    let body = cur.slice(body_start, body_start + close);
    cur.set_pos(body_start + close + 1);
    if body.is_empty() {
        return Err(ParseError::new(open, 2, "empty regex `%%`")
            .with_help("put a pattern between the `%` signs, like `%ERROR%`"));
    }
    compile(body, body_start)
}

fn hex_value(c: char) -> Option<u32> {
    c.to_digit(16)
}

/// Validates `body` (found at byte `base` of the pattern) and compiles it.
pub(super) fn compile(body: &str, base: usize) -> Result<Regex, ParseError> {
    let mut out = String::with_capacity(body.len() + 8);
    let chars: Vec<(usize, char)> = body.char_indices().collect();
    let mut i = 0;
    // `Some(index of the '[')` while inside a character class.
    let mut class_open: Option<usize> = None;
    let mut class_len = 0usize;
    while let Some(&(at, c)) = chars.get(i) {
        let err_at = |len: usize, msg: String| ParseError::new(base + at, len, msg);
        if !c.is_ascii() {
            return Err(err_at(
                c.len_utf8(),
                format!("`{c}` is not supported in a regex: multi-byte characters are not allowed"),
            )
            .with_help("match it with `.`, or leave it out"));
        }
        if c == '(' || c == ')' {
            return Err(err_at(1, format!("`{c}` is not supported in a CloudWatch regex: there are no groups")).with_help(
                "use `|` at the top level instead of a group; to match a literal parenthesis write `\\x28` or `\\x29`",
            ));
        }
        if c == '\\' {
            let Some(&(_, e)) = chars.get(i + 1) else {
                return Err(err_at(1, "a regex cannot end with `\\`".to_string())
                    .with_help("write `\\\\` to match a backslash"));
            };
            let in_class = class_open.is_some();
            match e {
                'd' => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                'D' => out.push_str("[^0-9]"),
                'w' => out.push_str(if in_class {
                    "a-zA-Z_0-9"
                } else {
                    "[a-zA-Z_0-9]"
                }),
                'W' => out.push_str("[^a-zA-Z_0-9]"),
                's' => out.push_str(if in_class {
                    "\\t\\n\\x0B\\x0C\\r "
                } else {
                    "[\\t\\n\\x0B\\x0C\\r ]"
                }),
                'S' => out.push_str("[^\\t\\n\\x0B\\x0C\\r ]"),
                'x' => {
                    let h1 = chars.get(i + 2).and_then(|&(_, h)| hex_value(h));
                    let h2 = chars.get(i + 3).and_then(|&(_, h)| hex_value(h));
                    let (Some(h1), Some(h2)) = (h1, h2) else {
                        return Err(err_at(2, "`\\x` needs two hexadecimal digits".to_string())
                            .with_help("write e.g. `\\x3A` for `:`"));
                    };
                    let code = h1 * 16 + h2;
                    if code > 0x7f {
                        return Err(err_at(
                            4,
                            format!("`\\x{code:02X}` is not an ASCII character"),
                        )
                        .with_help("`\\xhh` matches ASCII characters 00 to 7F"));
                    }
                    out.push_str(&format!("\\x{code:02X}"));
                    i += 4;
                    if in_class {
                        class_len += 1;
                    }
                    continue;
                }
                '1'..='9' => {
                    return Err(err_at(
                        2,
                        format!("backreference `\\{e}` is not supported in a CloudWatch regex"),
                    )
                    .with_help("CloudWatch regexes have no groups to refer back to"));
                }
                'b' | 'B' => {
                    return Err(err_at(
                        2,
                        format!("word boundary `\\{e}` is not supported in a CloudWatch regex"),
                    )
                    .with_help("use `\\W`, `^` or `$` around the word instead"));
                }
                e if OPERATORS.contains(e) || (SYMBOLS.contains(e) && e != ' ') => {
                    out.push('\\');
                    out.push(e);
                }
                e if e == '(' || e == ')' => {
                    return Err(err_at(
                        2,
                        format!("`\\{e}` is not supported in a CloudWatch regex"),
                    )
                    .with_help(format!(
                        "write `\\x{:02X}` to match a literal `{e}`",
                        e as u32
                    )));
                }
                e => {
                    let hint = if e.is_ascii()
                        && !e.is_ascii_alphanumeric()
                        && !e.is_ascii_whitespace()
                    {
                        format!("write `\\x{:02X}` to match a literal `{e}`", e as u32)
                    } else {
                        "supported escapes are `\\d \\D \\s \\S \\w \\W \\xhh` and a backslash before an operator".to_string()
                    };
                    return Err(err_at(
                        1 + e.len_utf8(),
                        format!("unsupported escape `\\{e}` in a CloudWatch regex"),
                    )
                    .with_help(hint));
                }
            }
            i += 2;
            if in_class {
                class_len += 1;
            }
            continue;
        }
        if !(c.is_ascii_alphanumeric() || SYMBOLS.contains(c) || OPERATORS.contains(c)) {
            return Err(
                err_at(1, format!("`{c}` is not allowed in a CloudWatch regex")).with_help(
                    format!("write `\\x{:02X}` to match a literal `{c}`", c as u32),
                ),
            );
        }
        if class_open.is_some() {
            match c {
                ']' if class_len > 0 => {
                    out.push(']');
                    class_open = None;
                }
                '^' if class_len == 0 && out.ends_with('[') => out.push('^'),
                // A `]` first in a class is literal (POSIX); so is a nested `[`.
                ']' | '[' => {
                    out.push('\\');
                    out.push(c);
                    class_len += 1;
                }
                _ => {
                    out.push(c);
                    class_len += 1;
                }
            }
            i += 1;
            continue;
        }
        match c {
            '[' => {
                out.push('[');
                class_open = Some(at);
                class_len = 0;
                i += 1;
            }
            ']' | '}' => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            '{' => {
                let (rep, used) = repetition(&chars, i).ok_or_else(|| {
                    err_at(
                        1,
                        "`{` must start a repetition such as `{3}`, `{2,}`, `{,5}` or `{1,3}`"
                            .to_string(),
                    )
                    .with_help("write `\\{` to match a literal `{`")
                })?;
                out.push_str(&rep);
                i += used;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if let Some(open) = class_open {
        return Err(ParseError::new(base + open, 1, "unclosed `[` in regex")
            .with_help("close the character class with `]`, or write `\\[` for a literal `[`"));
    }
    RegexBuilder::new(&format!("(?s){out}"))
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .build()
        .map_err(|e| {
            let detail = e.to_string();
            let line = detail
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid regex")
                .trim()
                .trim_start_matches("error: ")
                .to_string();
            ParseError::new(base, body.len(), format!("invalid regex: {line}"))
                .with_help("check the repetition operators (`?`, `*`, `+`, `{m,n}`) each follow something to repeat")
        })
}

/// Parses `{m}`, `{m,}`, `{,n}` or `{m,n}` (spaces allowed) starting at
/// `chars[i] == '{'`; returns the normalized form and how many chars it used.
fn repetition(chars: &[(usize, char)], i: usize) -> Option<(String, usize)> {
    let mut j = i + 1;
    let mut text = String::new();
    loop {
        let &(_, c) = chars.get(j)?;
        j += 1;
        if c == '}' {
            break;
        }
        if !(c.is_ascii_digit() || c == ',' || c == ' ') {
            return None;
        }
        text.push(c);
    }
    let text: String = text.chars().filter(|c| *c != ' ').collect();
    let parse = |s: &str| -> Option<Option<u32>> {
        if s.is_empty() {
            Some(None)
        } else {
            s.parse::<u32>().ok().map(Some)
        }
    };
    let rep = match text.split_once(',') {
        None => format!("{{{}}}", parse(&text)??),
        Some((lo, hi)) => {
            let lo = parse(lo)?;
            let hi = parse(hi)?;
            match (lo, hi) {
                (None, None) => return None,
                (Some(lo), None) => format!("{{{lo},}}"),
                (lo, Some(hi)) => {
                    let lo = lo.unwrap_or(0);
                    if lo > hi {
                        return None;
                    }
                    format!("{{{lo},{hi}}}")
                }
            }
        }
    };
    Some((rep, j - i))
}
