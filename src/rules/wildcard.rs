//! Wildcard patterns as IAM and obsctl's `foreign:` list spell them: `*`
//! matches any run of characters (also none), `?` exactly one ("IAM JSON
//! policy elements: Resource", wildcards in ARNs).

/// Whether `pattern` (`*` any run, `?` one character) matches `text`.
pub fn matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("a*c", "abbbc") && matches("a*c", "ac") && matches("a?c", "abc"));
        assert!(!matches("a?c", "ac") && !matches("a*c", "abd") && matches("*", ""));
    }
}
