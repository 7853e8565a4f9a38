//! The lexer: expression text to tokens (numbers, ids, uppercase words,
//! strings, operator symbols), each with its byte offset.

use super::MathError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Num(f64),
    Id(String),
    Word(String),
    /// A word of ASCII letters, digits and `_` starting with an uppercase
    /// letter and holding a lowercase one (`UniqueContributors`): only a
    /// name in INSIGHT_RULE_METRIC.
    Name(String),
    Str(String),
    Sym(&'static str),
    End,
}

/// A word that is neither an id nor a function.
pub(super) fn invalid_name(offset: usize, word: &str) -> MathError {
    MathError::new(
        offset,
        format!(
            "invalid name {word:?}: ids start with a lowercase letter and use \
             letters, digits and '_'; functions are uppercase"
        ),
    )
}

pub(super) fn lex(text: &str) -> Result<Vec<(usize, Tok)>, MathError> {
    let mut toks = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|(_, c)| *c);
    let off = |i: usize| chars.get(i).map_or(text.len(), |(o, _)| *o);
    let mut i = 0;
    while let Some(c) = at(i) {
        let start = off(i);
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut j = i;
            while at(j).is_some_and(|d| d.is_ascii_digit()) {
                j += 1;
            }
            if at(j) == Some('.') {
                j += 1;
                while at(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
            }
            if matches!(at(j), Some('e' | 'E')) {
                let mut k = j + 1;
                if matches!(at(k), Some('+' | '-')) {
                    k += 1;
                }
                if at(k).is_some_and(|d| d.is_ascii_digit()) {
                    while at(k).is_some_and(|d| d.is_ascii_digit()) {
                        k += 1;
                    }
                    j = k;
                }
            }
            if at(j).is_some_and(|d| d.is_alphanumeric() || d == '_' || d == '.') {
                return Err(MathError::new(start, "malformed number"));
            }
            let literal = &text[start..off(j)];
            let value = literal
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| MathError::new(start, format!("invalid number {literal:?}")))?;
            toks.push((start, Tok::Num(value)));
            i = j;
        } else if c.is_alphabetic() || c == '_' {
            let mut j = i;
            while at(j).is_some_and(|d| d.is_alphanumeric() || d == '_') {
                j += 1;
            }
            let word = &text[start..off(j)];
            if c.is_ascii_lowercase() && word.chars().all(|d| d.is_ascii_alphanumeric() || d == '_')
            {
                toks.push((start, Tok::Id(word.to_string())));
            } else if c.is_ascii_uppercase()
                && word
                    .chars()
                    .all(|d| d.is_ascii_uppercase() || d.is_ascii_digit() || d == '_')
            {
                toks.push((start, Tok::Word(word.to_string())));
            } else if c.is_ascii_uppercase()
                && word.chars().all(|d| d.is_ascii_alphanumeric() || d == '_')
            {
                toks.push((start, Tok::Name(word.to_string())));
            } else {
                return Err(invalid_name(start, word));
            }
            i = j;
        } else if c == '"' || c == '\u{201c}' || c == '\'' {
            // Single quotes too: INSIGHT_RULE_METRIC('rule', 'metric').
            let closes = |d: char| {
                if c == '\'' {
                    d == '\''
                } else {
                    d == '"' || d == '\u{201d}'
                }
            };
            let mut j = i + 1;
            while at(j).is_some_and(|d| !closes(d)) {
                j += 1;
            }
            if at(j).is_none() {
                return Err(MathError::new(start, "unterminated string"));
            }
            let content = &text[off(i + 1)..off(j)];
            toks.push((start, Tok::Str(content.to_string())));
            i = j + 1;
        } else {
            let two: String = chars[i..].iter().take(2).map(|(_, d)| *d).collect();
            let sym = ["&&", "||", "==", "!=", "<=", ">="]
                .into_iter()
                .find(|s| *s == two)
                .or_else(|| {
                    ["+", "-", "*", "/", "^", "<", ">", "(", ")", "[", "]", ","]
                        .into_iter()
                        .find(|s| s.starts_with(c))
                });
            match sym {
                Some(sym) => {
                    toks.push((start, Tok::Sym(sym)));
                    i += sym.len();
                }
                None => {
                    return Err(MathError::new(start, format!("unexpected character {c:?}")));
                }
            }
        }
    }
    toks.push((text.len(), Tok::End));
    Ok(toks)
}
