//! Turning serde's messages into located, actionable problems: the nearest
//! valid key for a typo ("did you mean …?") and a hint for each kind of error.

/// The closest candidate to `word`, phrased as help, when one is close enough.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    nearest(word, candidates).map(|best| format!("did you mean `{best}`?"))
}

/// The candidate closest to `word`, when it is close enough to be a typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let best = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(best.1)
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" into the
/// field and the valid names.
pub fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (field, tail) = rest.split_once('`')?;
    Some((field.to_string(), backticked(tail)))
}

fn backticked(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Rephrases a serde message and adds help where one is useful.
pub fn explain(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown variant `")
        && let Some((variant, tail)) = rest.split_once('`')
    {
        let expected = backticked(tail);
        let help = did_you_mean(variant, expected.iter().map(String::as_str))
            .or_else(|| Some(format!("use one of: {}", expected.join(", "))));
        return (format!("unknown value `{variant}`"), help);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return (
            format!("missing required key `{field}`"),
            Some(format!("add `{field}: …`")),
        );
    }
    if message.starts_with("invalid type") {
        let mut text = message.replace("invalid type", "wrong type");
        for (rust, human) in [
            ("expected u16", "expected an integer from 0 to 65535"),
            ("expected u32", "expected a whole number ≥ 0"),
            ("expected f64", "expected a number"),
            ("expected a boolean", "expected true or false"),
        ] {
            text = text.replace(rust, human);
        }
        return (text, Some("change the value to the expected type".into()));
    }
    if message.starts_with("invalid value") {
        return (
            message.to_string(),
            Some("change the value to the expected range".into()),
        );
    }
    (message.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_key() {
        assert_eq!(
            did_you_mean("perod", ["period", "port"]).as_deref(),
            Some("did you mean `period`?")
        );
        assert_eq!(did_you_mean("zzz", ["period", "port"]), None);
    }

    #[test]
    fn parses_unknown_field() {
        let (f, exp) =
            unknown_field("unknown field `thresold`, expected one of `threshold`, `period`")
                .unwrap();
        assert_eq!(f, "thresold");
        assert_eq!(exp, vec!["threshold", "period"]);
    }
}
