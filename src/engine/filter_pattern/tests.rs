//! Unit tests. Example patterns and events come from the CloudWatch Logs
//! user guide pages "Filter pattern syntax for metric filters, subscription
//! filters, filter log events, and Live Tail" (cited as "syntax page"),
//! "Supported regular expressions (regex) syntax" ("regex page"), "Filter
//! pattern syntax for metric filters" ("metric page") and the older "Filter
//! and Pattern Syntax" ("old page").

use super::*;

fn p(text: &str) -> Pattern {
    Pattern::parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn m(pattern: &str, line: &str) -> bool {
    p(pattern).is_match(line)
}

fn err(text: &str) -> ParseError {
    match Pattern::parse(text) {
        Ok(pat) => panic!("{text:?} should not parse: {pat:?}"),
        Err(e) => e,
    }
}

fn err_has(text: &str, needle: &str) -> ParseError {
    let e = err(text);
    assert!(
        e.message.contains(needle),
        "{text:?}: message {:?} lacks {needle:?}",
        e.message
    );
    e
}

// Syntax page, unstructured examples.
const EVENTS: [&str; 4] = [
    "[ERROR 400] BAD REQUEST",
    "[ERROR 401] UNAUTHORIZED REQUEST",
    "[ERROR 419] MISSING ARGUMENTS",
    "[ERROR 420] INVALID ARGUMENTS",
];

fn matching(pattern: &str, lines: &[&str]) -> Vec<usize> {
    let pat = p(pattern);
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| pat.is_match(l))
        .map(|(i, _)| i)
        .collect()
}

// ---------------------------------------------------------------- all

#[test]
fn empty_pattern_matches_everything() {
    for text in ["", "   ", "\t"] {
        let pat = p(text);
        assert_eq!(pat.kind(), PatternKind::All);
        assert!(pat.is_match("anything"));
        assert!(pat.is_match(""));
    }
}

#[test]
fn quoted_blank_matches_everything() {
    // Syntax page: "You can match everything ... with double quotation marks": `" "`;
    // old page: "The filter pattern "" matches all log events."
    for text in ["\"\"", "\" \""] {
        let pat = p(text);
        assert_eq!(pat.kind(), PatternKind::All, "{text}");
        assert!(pat.is_match("[INFO] whatever"));
    }
}

// ---------------------------------------------------------------- terms

#[test]
fn single_term() {
    assert_eq!(p("ERROR").kind(), PatternKind::Terms);
    assert_eq!(matching("ERROR", &EVENTS), vec![0, 1, 2, 3]);
    assert!(!m("ERROR", "[INFO] all good"));
}

#[test]
fn term_is_a_substring() {
    // Old page: "ERROR" matches "Exiting with ERRORCODE: -1".
    assert!(m("ERROR", "Exiting with ERRORCODE: -1"));
    assert!(m("ERROR", "[ERROR] A fatal exception has occurred"));
}

#[test]
fn terms_are_case_sensitive() {
    assert!(!m("ERROR", "error: lower case"));
    assert!(!m("error", "[ERROR 400] BAD REQUEST"));
}

#[test]
fn multiple_terms_all_must_appear() {
    assert_eq!(matching("ERROR ARGUMENTS", &EVENTS), vec![2, 3]);
    // Old page: "Failed to process the request" (unquoted) needs every word.
    assert!(m(
        "Failed to process the request",
        "[WARN] Failed to process the request"
    ));
    assert!(m(
        "Failed to process the request",
        "the request Failed to process"
    ));
    assert!(!m(
        "Failed to process the request",
        "[WARN] Failed to process"
    ));
}

#[test]
fn optional_terms_are_or() {
    assert_eq!(matching("?ERROR ?ARGUMENTS", &EVENTS), vec![0, 1, 2, 3]);
    // Old page OR examples.
    let lines = ["ERROR WARN message", "ERROR message", "WARN message"];
    assert_eq!(matching("?ERROR ?WARN", &lines), vec![0, 1, 2]);
    assert_eq!(matching("ERROR", &lines), vec![0, 1]);
    assert_eq!(matching("ERROR WARN", &lines), vec![0]);
    assert_eq!(matching("ERROR -WARN", &lines), vec![1]);
    assert!(!m("?ERROR ?WARN", "INFO message"));
    assert!(p("?ERROR ?WARN").warnings().is_empty());
}

#[test]
fn optional_terms_ignored_next_to_plain_terms() {
    // Syntax page: `?ERROR ?ARGUMENTS REQUEST` behaves like `REQUEST`.
    let pat = p("?ERROR ?ARGUMENTS REQUEST");
    for line in [
        "[INFO] REQUEST FAILED",
        "[WARN] UNAUTHORIZED REQUEST",
        "[ERROR] 400 BAD REQUEST",
    ] {
        assert!(pat.is_match(line), "{line}");
    }
    assert!(!pat.is_match("[ERROR 419] MISSING ARGUMENTS"));
    assert_eq!(pat.warnings().len(), 1);
    assert_eq!(pat.warnings()[0].offset, 0);
}

#[test]
fn optional_terms_ignored_next_to_exclusions() {
    let pat = p("?ERROR -DEBUG");
    assert!(pat.is_match("INFO started"));
    assert!(!pat.is_match("DEBUG ERROR"));
    assert_eq!(pat.warnings().len(), 1);
}

#[test]
fn exact_phrase() {
    let pat = p("\"INTERNAL SERVER ERROR\"");
    assert!(pat.is_match("[ERROR 500] INTERNAL SERVER ERROR"));
    assert!(!pat.is_match("ERROR SERVER INTERNAL"));
    assert!(!pat.is_match("INTERNAL  SERVER ERROR"));
}

#[test]
fn quoted_term_with_punctuation() {
    assert!(m("\"ERRORCODE: -1\"", "Exiting with ERRORCODE: -1"));
    assert!(m("\"[ERROR 4\" ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS"));
    assert!(m(r#""say \"hi\"""#, r#"they say "hi" twice"#));
}

#[test]
fn exclude_terms() {
    assert_eq!(matching("ERROR -ARGUMENTS", &EVENTS), vec![0, 1]);
    // Old page: "ERROR" - "Exiting" drops "Exiting with ERRORCODE: -1".
    assert!(!m("ERROR -Exiting", "Exiting with ERRORCODE: -1"));
    assert!(m("ERROR -\"Exiting with\"", "[ERROR] Exiting"));
    assert!(!m("ERROR -\"Exiting with\"", "[ERROR] Exiting with code 1"));
}

#[test]
fn exclusion_only_pattern() {
    // Lightsail GetContainerLog: "-ERROR" returns all events without ERROR.
    assert!(m("-ERROR", "INFO fine"));
    assert!(!m("-ERROR", "ERROR bad"));
}

#[test]
fn unicode_terms() {
    assert!(m("Fehler", "Ein Fehler ist aufgetreten"));
    assert!(m("\"déjà vu\"", "c'est déjà vu"));
}

#[test]
fn term_with_punctuation_must_be_quoted() {
    let e = err_has("ERROR foo:bar", "unquoted terms");
    assert_eq!(e.offset, 9);
    assert_eq!(
        e.help.as_deref(),
        Some("put the term in double quotes: `\"foo:bar\"`")
    );
    let e = err("-foo.bar");
    assert_eq!(e.offset, 4);
    assert!(
        e.help
            .as_deref()
            .is_some_and(|h| h.contains("`-\"foo.bar\"`"))
    );
}

#[test]
fn term_prefix_needs_a_term() {
    let e = err_has("ERROR - Exiting", "must be directly followed by a term");
    assert_eq!((e.offset, e.len), (6, 1));
    err_has("ERROR ?", "`?` must be directly followed");
}

#[test]
fn regex_cannot_be_mixed_with_terms() {
    let e = err_has("ERROR %foo%", "must be the whole filter pattern");
    assert_eq!(e.offset, 6);
    err_has("ERROR { $.a = 1 }", "unquoted terms");
}

#[test]
fn unclosed_quote() {
    let e = err_has("ERROR \"Exception occurred", "unclosed `\"`");
    assert_eq!((e.offset, e.len), (6, 1));
}

#[test]
fn closing_quote_needs_a_space() {
    let e = err_has("\"abc\"def", "expected a space after the closing");
    assert_eq!(e.offset, 5);
}

// ---------------------------------------------------------------- regex

#[test]
fn regex_doc_authorized() {
    // Syntax page: %AUTHORIZED% returns both messages.
    let pat = p("%AUTHORIZED%");
    assert_eq!(pat.kind(), PatternKind::Regex);
    assert!(pat.is_match("[ERROR 401] UNAUTHORIZED REQUEST"));
    assert!(pat.is_match("[SUCCESS 200] AUTHORIZED REQUEST"));
    assert!(!pat.is_match("[SUCCESS 200] authorized"));
}

#[test]
fn regex_anchors() {
    assert!(m("%^[hc]at%", "hat trick"));
    assert!(!m("%^[hc]at%", "that"));
    assert!(m("%[hc]at$%", "a cat"));
    assert!(!m("%[hc]at$%", "cats"));
}

#[test]
fn regex_optional_and_classes() {
    assert!(m("%colou?r%", "color"));
    assert!(m("%colou?r%", "colour"));
    assert!(m("%[abcx-z]%", "y"));
    assert!(!m("%[abcx-z]%", "d"));
    assert!(m("%ab[^c]$%", "xaba"));
    assert!(!m("%ab[^c]$%", "abc"));
}

#[test]
fn regex_repetition_forms() {
    assert!(m("%^a{3,5}$%", "aaaa"));
    assert!(!m("%^a{3,5}$%", "aa"));
    assert!(!m("%^a{3,5}$%", "aaaaaa"));
    // "Either m or n can be omitted"; `{m, n}` is written with a space.
    assert!(m("%^a{,2}b%", "aab"));
    assert!(!m("%^a{,2}b%", "aaab"));
    assert!(m("%^a{2,}$%", "aaaaaaa"));
    assert!(m("%^a{1, 3}$%", "aaa"));
    assert!(m("%ab*c%", "ac") && m("%ab+c%", "abbc") && !m("%ab+c%", "ac"));
}

#[test]
fn regex_alternation() {
    let pat = p("%^starting|^initializing|^shutting down%");
    assert!(pat.is_match("starting ..."));
    assert!(pat.is_match("shutting down now"));
    assert!(!pat.is_match("skipping initializing ..."));
    assert!(m("%gra|ey%", "grey"));
    // Regex page intro: %[Ee]rror|[Ff]ail%.
    assert!(m("%[Ee]rror|[Ff]ail%", "it failed"));
}

#[test]
fn regex_dot_and_escapes() {
    // Regex page: %10.10.0.1% can match "10010,051"; escaping fixes it.
    assert!(m("%10.10.0.1%", "10010,051"));
    assert!(!m("%10\\.10\\.0\\.1%", "10010,051"));
    assert!(m("%10\\.10\\.0\\.1%", "from 10.10.0.1"));
    assert!(m("%.at%", " at"));
    assert!(m("%\\[.\\]%", "[]]"));
    assert!(m("%\\[.\\]%", "[7]"));
    assert!(m(
        "%\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}%",
        "ip=192.168.0.1"
    ));
}

#[test]
fn regex_shorthand_classes_are_ascii() {
    assert!(m("%^\\w+$%", "abc_09"));
    assert!(!m("%^\\w+$%", "é"));
    assert!(m("%\\W%", "a-b"));
    assert!(m("%^\\D\\s\\S$%", "x y"));
    assert!(m("%[\\d_]x%", "5x"));
    assert!(m("%^[^\\d]$%", "a"));
    assert!(!m("%^[^\\d]$%", "5"));
}

#[test]
fn regex_hex_escapes() {
    // Regex page: %\x3A% matches `:` and %\x28% matches `(`.
    assert!(m("%\\x3A%", "a:b"));
    assert!(m("%\\x28%", "f(x)"));
    assert!(!m("%\\x28%", "fx"));
}

#[test]
fn regex_errors() {
    let e = err_has("%something!%", "`!` is not allowed");
    assert_eq!(e.offset, 10);
    assert!(e.help.as_deref().is_some_and(|h| h.contains("\\x21")));
    let e = err_has("%(?=a)b%", "no groups");
    assert_eq!(e.offset, 1);
    err_has("%a(b)%", "`(` is not supported");
    err_has("%(a)\\1%", "`(`");
    err_has("%a\\1%", "backreference");
    err_has("%\\bword%", "word boundary");
    err_has("%é%", "multi-byte");
    err_has("%\\q%", "unsupported escape");
    err_has("%\\xFF%", "not an ASCII character");
    err_has("%\\x4%", "two hexadecimal digits");
    err_has("%a{x}%", "must start a repetition");
    err_has("%a{5,2}%", "must start a repetition");
    err_has("%a\\%", "cannot end with `\\`");
}

#[test]
fn regex_structure_errors() {
    let e = err_has("%abc", "unclosed `%`");
    assert_eq!((e.offset, e.len), (0, 1));
    err_has("%%", "empty regex");
    let e = err_has("%a% b", "whole filter pattern");
    assert_eq!(e.offset, 4);
    let e = err_has("%[abc%", "unclosed `[` in regex");
    assert_eq!(e.offset, 1);
    err_has("%*a%", "invalid regex");
}

// ---------------------------------------------------------------- JSON

// Syntax page, JSON log event (with `ThisFlag` from the old page).
const DOC_EVENT: &str = r#"{"eventType":"UpdateTrail","sourceIPAddress":"111.111.111.111","arrayKey":["value","another value"],"objectList":[{"name":"a","id":1},{"name":"b","id":2}],"SomeObject":null,"cluster.name":"c","ThisFlag":true,"Off":false}"#;

// Syntax page, compound-expression object.
const USERS: &str = r#"{"user":{"id":1,"email":"John.Stiles@example.com"},"users":[{"id":2,"email":"John.Doe@example.com"},{"id":3,"email":"Jane.Doe@example.com"}],"actions":["GET","PUT","DELETE"],"coordinates":[[0,1,2],[4,5,6],[7,8,9]]}"#;

#[test]
fn json_string_equality() {
    let pat = p("{ $.eventType = \"UpdateTrail\" }");
    assert_eq!(pat.kind(), PatternKind::Json);
    assert!(pat.is_match(DOC_EVENT));
    assert!(m("{ $.eventType = UpdateTrail }", DOC_EVENT));
    assert!(!m("{ $.eventType = \"Update\" }", DOC_EVENT));
    assert!(!m("{ $.eventType = \"updatetrail\" }", DOC_EVENT));
    assert!(m("{ $.eventType != \"CreateTrail\" }", DOC_EVENT));
}

#[test]
fn json_wildcards_prefix_suffix() {
    assert!(m("{ $.sourceIPAddress != 123.123.* }", DOC_EVENT));
    assert!(!m("{ $.sourceIPAddress != 111.111.* }", DOC_EVENT));
    assert!(m("{ $.eventType = *Trail }", DOC_EVENT));
    assert!(m("{ $.eventType = Update* }", DOC_EVENT));
    assert!(m("{ $.eventType = *dateTr* }", DOC_EVENT));
    assert!(!m("{ $.eventType = *Event }", DOC_EVENT));
}

#[test]
fn json_infix_star_is_literal() {
    // Old page: "Ev*ent will only match the actual string Ev*ent".
    assert!(!m("{ $.e = Ev*ent }", r#"{"e":"EvXent"}"#));
    assert!(m("{ $.e = Ev*ent }", r#"{"e":"Ev*ent"}"#));
}

#[test]
fn json_quoted_star_is_a_wildcard() {
    // Metric page: { $.eventType = "*" && $.sourceIPAddress != 123.123.* }.
    let pat = p("{ $.eventType = \"*\" && $.sourceIPAddress != 123.123.* }");
    assert!(pat.is_match(DOC_EVENT));
    assert!(!pat.is_match(r#"{"sourceIPAddress":"1.2.3.4"}"#));
    assert!(m(r#"{ $.e = "\*" }"#, r#"{"e":"*"}"#));
    assert!(!m(r#"{ $.e = "\*" }"#, r#"{"e":"x"}"#));
}

#[test]
fn json_array_elements() {
    assert!(m("{ $.arrayKey[0] = \"value\" }", DOC_EVENT));
    assert!(m("{ $.arrayKey[1] = \"another value\" }", DOC_EVENT));
    assert!(!m("{ $.arrayKey[2] = \"value\" }", DOC_EVENT));
    assert!(m("{ $.objectList[1].id = 2 }", DOC_EVENT));
    assert!(!m("{ $.objectList[0].id = 2 }", DOC_EVENT));
    // "If arrayKey is not an array this will be false."
    assert!(!m("{ $.eventType[0] = \"U\" }", DOC_EVENT));
}

#[test]
fn json_is_null_true_false() {
    assert!(m("{ $.SomeObject IS NULL }", DOC_EVENT));
    assert!(!m("{ $.eventType IS NULL }", DOC_EVENT));
    assert!(!m("{ $.SomeOtherObject IS NULL }", DOC_EVENT));
    assert!(m("{ $.ThisFlag IS TRUE }", DOC_EVENT));
    assert!(!m("{ $.ThisFlag IS FALSE }", DOC_EVENT));
    assert!(m("{ $.Off IS FALSE }", DOC_EVENT));
    assert!(!m("{ $.eventType IS TRUE }", r#"{"eventType":"true"}"#));
}

#[test]
fn json_not_exists() {
    assert!(m("{ $.SomeOtherObject NOT EXISTS }", DOC_EVENT));
    assert!(!m("{ $.SomeObject NOT EXISTS }", DOC_EVENT));
    assert!(!m("{ $.objectList[1] NOT EXISTS }", DOC_EVENT));
    assert!(m("{ $.objectList[5] NOT EXISTS }", DOC_EVENT));
}

#[test]
fn json_regex_values() {
    // Syntax page regex examples.
    assert!(m("{ $.eventType = %Trail% }", DOC_EVENT));
    assert!(!m("{ $.eventType = %^Trail% }", DOC_EVENT));
    assert!(m("{ $.eventType != %^Trail% }", DOC_EVENT));
    assert!(m("{ $.arrayKey[*] = %val.{2}% }", DOC_EVENT));
    assert!(m("{ $.* = %111\\.111\\.111\\.1[0-9]{1,2}% }", DOC_EVENT));
    assert!(!m("{ $.* = %112\\.% }", DOC_EVENT));
}

#[test]
fn json_bracket_notation_key() {
    assert!(m("{ $.['cluster.name'] = \"c\" }", DOC_EVENT));
    assert!(m("{ $['cluster.name'] = c }", DOC_EVENT));
    assert!(!m("{ $.cluster.name = \"c\" }", DOC_EVENT));
}

#[test]
fn json_compound_doc_examples() {
    assert!(m(
        r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#,
        USERS
    ));
    assert!(!m(
        r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#,
        USERS
    ));
    assert!(m(
        r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }"#,
        USERS
    ));
    assert!(!m(
        r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }"#,
        USERS
    ));
    assert!(m("{ $.coordinates[2][0] = 7 }", USERS));
}

#[test]
fn json_or_doc_example() {
    // Old page: {$.foo = bar || $.foo = baz} matches both events.
    let lines = [
        r#"{"foo": "bar"}"#,
        r#"{"foo": "baz"}"#,
        r#"{"foo": "qux"}"#,
    ];
    assert_eq!(matching("{$.foo = bar}", &lines), vec![0]);
    assert_eq!(matching("{$.foo = baz }", &lines), vec![1]);
    assert_eq!(
        matching("{$.foo = bar || $.foo = baz }", &lines),
        vec![0, 1]
    );
}

#[test]
fn json_and_binds_tighter_than_or() {
    let line = r#"{"a":1,"b":2,"c":3}"#;
    assert!(m("{ $.a = 1 || $.b = 9 && $.c = 9 }", line));
    assert!(!m("{ ($.a = 1 || $.b = 9) && $.c = 9 }", line));
    assert!(m("{ ((($.a = 1))) }", line));
    assert!(m("{$.a=1&&$.b=2}", line));
}

#[test]
fn json_numeric_operators() {
    let line = r#"{"latency":500,"bandwidth":80,"errorCode":400}"#;
    assert!(m("{ $.latency >= 500 }", line));
    assert!(!m("{ $.latency > 500 }", line));
    assert!(m("{ $.latency <= 500 }", line));
    assert!(m("{ $.latency < 501 }", line));
    assert!(m("{ $.bandwidth > 75 }", line));
    assert!(m("{ $.errorCode = 400}", line));
    assert!(m("{ $.errorCode != 500 }", line));
    assert!(m("{ $.latency = 500.0 }", line));
}

#[test]
fn json_numeric_signs_and_exponents() {
    let line = r#"{"numbers":[1000, 0.001],"latency":1001,"neg":-5}"#;
    assert!(m("{ $.numbers[0] < 10e3 }", line));
    assert!(m("{ $.numbers[0] = 1e+3 }", line));
    assert!(m("{ $.numbers[1] != 1e-3 }", r#"{"numbers":[0, 0.002]}"#));
    assert!(!m("{ $.numbers[1] != 1e-3 }", line));
    assert!(m("{ $.numbers[1] < 10e-3 }", line));
    assert!(m("{ $.latency > +1000 }", line));
    assert!(m("{ $.neg < -4.5 }", line));
    assert!(m("{ $.neg = -5 }", line));
}

#[test]
fn json_type_mismatches() {
    // Numeric literal vs numeric string: compared as numbers.
    assert!(m("{ $.code = 400 }", r#"{"code":"400"}"#));
    assert!(m("{ $.code > 399.5 }", r#"{"code":"400"}"#));
    // ... vs non-numeric string: `=`/`!=` compare text, relational never match.
    assert!(!m("{ $.code > 1 }", r#"{"code":"abc"}"#));
    assert!(m("{ $.code != 1 }", r#"{"code":"abc"}"#));
    // Strings with scientific notation are not numbers.
    assert!(!m("{ $.code > 1 }", r#"{"code":"1e3"}"#));
    // Text literal vs number field: compared with the number's text.
    assert!(m("{ $.code = 4* }", r#"{"code":404}"#));
    assert!(m("{ $.code = \"404\" }", r#"{"code":404}"#));
}

#[test]
fn json_arrays_objects_and_missing_never_compare() {
    // Old page: both {$.users = 1} and {$.users != 1} fail when users is an array.
    let line = r#"{"users":[1,2,3],"obj":{"a":1},"n":null,"b":true}"#;
    for pat in [
        "{ $.users = 1 }",
        "{ $.users != 1 }",
        "{ $.obj != 1 }",
        "{ $.n != 1 }",
        "{ $.b != 1 }",
        "{ $.missing != 1 }",
    ] {
        assert!(!m(pat, line), "{pat}");
    }
    assert!(m("{ $.users[*] = 2 }", line));
}

#[test]
fn json_star_requires_a_value() {
    // Metric page: `{ $.latency = * }`.
    let pat = p("{ $.latency = * }");
    assert!(pat.is_match(r#"{"latency": 50, "requestType": "GET"}"#));
    assert!(pat.is_match(r#"{"latency": "slow"}"#));
    assert!(!pat.is_match(r#"{"latency": null}"#));
    assert!(!pat.is_match(r#"{"requestType": "GET"}"#));
}

#[test]
fn json_pattern_needs_a_json_object_event() {
    let pat = p("{ $.a NOT EXISTS }");
    assert!(pat.is_match(r#"{"b":1}"#));
    assert!(pat.is_match("  {\"b\":1}  "));
    for line in [
        "plain text",
        "[1,2]",
        "\"str\"",
        "{\"a\":",
        "",
        "2024-01-01 {\"b\":1}",
    ] {
        assert!(!pat.is_match(line), "{line:?}");
    }
}

#[test]
fn json_boolean_text_comparison_warns() {
    let pat = p("{ $.ThisFlag = true }");
    assert!(!pat.is_match(DOC_EVENT));
    assert_eq!(pat.warnings().len(), 1);
    assert!(pat.warnings()[0].message.contains("IS TRUE"));
    assert!(m("{ $.s = true }", r#"{"s":"true"}"#));
}

#[test]
fn json_unclosed_brace() {
    let e = err_has(
        "{ $.eventType = \"UpdateTrail\"",
        "unclosed `{`: a JSON pattern ends with `}`",
    );
    assert_eq!((e.offset, e.len), (0, 1));
    err_has("  {", "unclosed `{`");
    let e = err("{ $.a = 1 && ");
    assert!(e.message.contains("expected a condition"), "{e}");
}

#[test]
fn json_empty_braces() {
    let e = err_has("{}", "empty JSON pattern");
    assert_eq!((e.offset, e.len), (0, 2));
    err_has("{   }", "empty JSON pattern");
}

#[test]
fn json_bad_selectors() {
    let e = err_has("{ eventType = 1 }", "a JSON selector starts with `$.`");
    assert_eq!(e.offset, 2);
    assert_eq!(e.help.as_deref(), Some("write `$.eventType`"));
    err_has("{ $ = 1 }", "a JSON selector starts with `$.`");
    err_has("{ $. = 1 }", "expected a property name after `.`");
    err_has("{ $[0] = 1 }", "must follow a property");
    err_has("{ $.a.[0] = 1 }", "follows the property directly");
    let e = err_has("{ $.a@b = 1 }", "unexpected `@` in selector");
    assert_eq!(e.offset, 5);
    err_has("{ $.a[0 = 1 }", "unclosed `[` in selector");
    err_has("{ $.['a.b = 1 }", "unclosed `'` in selector");
    err_has("{ $.a[x] = 1 }", "expected an array index");
}

#[test]
fn json_unknown_operators() {
    let e = err_has("{ $.a => 1 }", "unknown operator `=>`; use `>=`");
    assert_eq!((e.offset, e.len), (6, 2));
    err_has("{ $.a == 1 }", "use `=`");
    err_has("{ $.a =< 1 }", "use `<=`");
    err_has("{ $.a <> 1 }", "use `!=`");
    err_has("{ $.a ! 1 }", "use `!=`");
    let e = err_has("{ $.a ~ 1 }", "expected an operator after `$.a`");
    assert!(e.help.is_some());
    err_has(
        "{ $.a",
        "expected an operator after `$.a`, but the pattern ended",
    );
}

#[test]
fn json_bad_values() {
    let e = err_has("{ $.a = }", "missing value after `=`");
    assert_eq!(e.offset, 6);
    err_has(
        "{ $.a > \"5\" }",
        "compares numbers, but this is a quoted string",
    );
    err_has("{ $.a > abc }", "`>` needs a number, got `abc`");
    err_has("{ $.a < %x% }", "a regex works only with `=` or `!=`");
    let e = err_has(
        "{ $.a = foo@bar }",
        "`@` is not allowed in an unquoted value",
    );
    assert_eq!(
        e.help.as_deref().map(|h| h.contains("`\"foo@bar\"`")),
        Some(true)
    );
    err_has("{ $.a = \"abc }", "unclosed `\"`");
    err_has("{ $.a = %abc }", "unclosed `%`");
}

#[test]
fn json_keyword_errors() {
    err_has("{ $.a IS NOT NULL }", "`IS NOT` is not supported");
    err_has(
        "{ $.a IS MAYBE }",
        "`IS` expects `NULL`, `TRUE` or `FALSE`, found `MAYBE`",
    );
    err_has("{ $.a IS }", "`IS` expects");
    err_has("{ $.a EXISTS }", "`EXISTS` is not supported");
    err_has("{ $.a NOT THERE }", "`NOT` must be followed by `EXISTS`");
    let e = err_has("{ $.a is null }", "keywords are upper-case: write `IS`");
    assert_eq!(e.offset, 6);
    err_has("{ $.a IS Null }", "write `NULL`");
    err_has("{ $.a LIKE 1 }", "expected an operator, found `LIKE`");
}

#[test]
fn json_structure_errors() {
    let e = err_has("{ ($.a = 1 }", "unclosed `(`");
    assert_eq!(e.offset, 2);
    err_has("{ $.a = 1) }", "unmatched `)`");
    err_has("{ $.a = 1 & $.b = 2 }", "`&` is not an operator; use `&&`");
    err_has("{ $.a = 1 | $.b = 2 }", "use `||`");
    let e = err_has("{ $.a = 1 AND $.b = 2 }", "expected `&&`, `||` or `}`");
    assert_eq!(e.help.as_deref(), Some("use `&&` for AND"));
    err_has("{ $.a = 1 } ERROR", "unexpected text after the closing `}`");
    err_has("{ () }", "expected a condition");
}

#[test]
fn json_wildcard_quotas() {
    // Syntax page: one wildcard per selector, three per compound pattern.
    err_has("{ $.a[*].b[*] = 1 }", "only once");
    err_has("{ $.*.*= 1 }", "only once");
    assert!(Pattern::parse("{ $.a[*] = 1 || $.b[*] = 1 || $.* = 1 }").is_ok());
    let text = "{ $.a[*] = 1 || $.b[*] = 1 || $.* = 1 || $.c.* = 1 }";
    let e = err_has(text, "at most 3");
    assert_eq!((e.offset, e.len), (text.find("$.c").unwrap_or(0), 5));
}

#[test]
fn regex_quota_in_structured_patterns() {
    // Regex page: "a limit of 2 regex for each filter pattern" (JSON / delimited).
    assert!(Pattern::parse("{ $.a = %x% && $.b = %y% }").is_ok());
    err_has("{ $.a = %x% && $.b = %y% && $.c = %z% }", "at most 2");
    err_has("[a = %x%, b = %y%, c = %z%]", "at most 2");
}

// ---------------------------------------------------------------- space-delimited

// Syntax page, space-delimited log event (seven fields).
const APACHE: &str =
    r#"127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;

#[test]
fn delimited_field_count() {
    let pat = p("[ip, user, username, timestamp, request, status_code, bytes]");
    assert_eq!(pat.kind(), PatternKind::Delimited);
    assert!(pat.is_match(APACHE));
    // An event with more fields than the pattern names matches on its
    // first fields (current syntax page, "Match terms in order").
    assert!(m(
        "[ip, user, username, timestamp, request, status_code]",
        APACHE
    ));
    assert!(!m(
        "[ip, user, username, timestamp, request, status_code, bytes, extra]",
        APACHE
    ));
}

/// "Filter pattern syntax for metric filters, subscription filters, filter
/// log events, and Live Tail", space-delimited examples on its four events.
#[test]
fn delimited_word_order_examples_of_the_current_page() {
    let events = [
        "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200",
        "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310",
        "WARNING 09/25/2014 12:00:02 Invalid user request",
        "ERROR 09/25/2014 12:00:02 Failed to process request",
    ];
    let matching = |pattern: &str| -> Vec<bool> { events.iter().map(|e| m(pattern, e)).collect() };
    assert_eq!(matching("[w1=ERROR, w2]"), [false, false, false, true]);
    assert_eq!(
        matching("[w1=ERROR || w1=WARNING, w2]"),
        [false, false, true, true]
    );
    assert_eq!(
        matching("[w1!=ERROR && w1!=WARNING, w2]"),
        [true, true, false, false]
    );
    assert_eq!(
        matching("[w1=ERROR || w1=%WARN%, w2]"),
        [false, false, true, true]
    );
    // Fewer fields than the pattern names: no match.
    assert!(!m("[a, b, c]", "only two"));
    let pattern = p("[w1=ERROR, w2]");
    let found = pattern.matches(events[3]).expect("matches");
    assert_eq!(found.text("$w2").as_deref(), Some("09/25/2014"));
}

#[test]
fn delimited_quotes_and_brackets_are_single_fields() {
    let pat = p("[ip, server, username, timestamp, request, status_code, bytes > 1000]");
    let found = pat.matches(APACHE).expect("matches");
    // Metric page: the extracted fields of this example.
    let expected = [
        ("$ip", "127.0.0.1"),
        ("$server", "Prod"),
        ("$username", "frank"),
        ("$timestamp", "10/Oct/2000:13:25:15 -0700"),
        ("$request", "GET /index.html HTTP/1.0"),
        ("$status_code", "404"),
        ("$bytes", "1534"),
    ];
    let got = found.extracted_values();
    let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(got, expected);
}

#[test]
fn delimited_doc_conditions() {
    assert!(m(
        r"[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]",
        APACHE
    ));
    assert!(!m(
        r"[ip=%127\.0\.0\.[2-9]%, user, username, timestamp, request, status_code, bytes]",
        APACHE
    ));
    assert!(!m(
        "[ip, user, username, timestamp, request =*.php*, status_code, bytes]",
        APACHE
    ));
    assert!(m(
        "[ip, user, username, timestamp, request, status_code = 404, bytes]",
        APACHE
    ));
    assert!(!m(
        "[ip, user, username, timestamp, request, status_code = 5*, bytes]",
        APACHE
    ));
}

#[test]
fn delimited_numeric_conditions() {
    assert!(m(
        "[ip, user, username, timestamp, request, status_code, bytes > 1000]",
        APACHE
    ));
    assert!(!m(
        "[ip, user, username, timestamp, request, status_code, bytes > 2000]",
        APACHE
    ));
    assert!(m(
        "[..., status_code >= 400 && status_code < 500, bytes <= 1534]",
        APACHE
    ));
    assert!(!m("[..., user > 1]", "a b"));
    assert!(m("[..., code != 200]", "x 404"));
    assert!(m("[..., code != 200]", "x abc"));
}

#[test]
fn delimited_ellipsis_positions() {
    assert!(m(
        "[..., request =*.html*, status_code = 4*, bytes]",
        APACHE
    ));
    assert!(m("[..., status_code, bytes]", APACHE));
    assert!(m("[ip, user, ..., status_code, bytes]", APACHE));
    assert!(m("[ip, user, ...]", APACHE));
    assert!(m("[ip, ..., user = Prod, ...]", APACHE));
    assert!(m("[...]", ""));
    assert!(!m("[a, ..., b, c]", "x y"));
    assert!(m("[a, ..., b = 3, ..., c = 5]", "1 2 3 4 5"));
    assert!(!m("[a, ..., b = 9, ..., c]", "1 2 3 4 5"));
    assert!(m("[…, bytes = 1534]", APACHE));
}

#[test]
fn delimited_and_or_conditions() {
    let pat = "[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]";
    assert!(m(pat, APACHE));
    assert!(!m(pat, &APACHE.replace(" 404 ", " 500 ")));
    assert!(m(pat, &APACHE.replace(" 404 ", " 410 ")));
    assert!(m(
        "[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]",
        APACHE
    ));
    assert!(!m(
        "[ip, user, username, timestamp, request, status_code = 4* && status_code != 404, bytes]",
        APACHE
    ));
}

#[test]
fn delimited_word_order_doc_examples() {
    // The 2020 page's events. It read `[w1=ERROR, w2]` as matching "ERROR
    // message" only; the current page matches events with more fields on
    // their first ones (see `delimited.rs`), so "ERROR WARN message" too.
    let lines = ["ERROR WARN message", "ERROR message", "WARN message"];
    assert_eq!(matching("[w1=ERROR, w2]", &lines), vec![0, 1]);
    assert_eq!(matching("[w1=ERROR || w1=WARN, w2]", &lines), vec![0, 1, 2]);
    assert_eq!(matching("[w1!=ERROR && w1!=WARNING, w2]", &lines), vec![2]);
    // Metric page: `w1=%WARN%` matches any superstring of WARN.
    assert_eq!(
        matching(
            "[w1=ERROR || w1=%WARN%, w2]",
            &["WARNING x", "ERROR y", "INFO z"]
        ),
        vec![0, 1]
    );
}

#[test]
fn delimited_resource_uri_regex() {
    // Syntax page: matching the top-level and child items of a resource URI.
    let lines = [
        "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200",
        "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310",
    ];
    assert_eq!(
        matching(
            "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]",
            &lines
        ),
        vec![0]
    );
    assert_eq!(
        matching(
            "[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]",
            &lines
        ),
        vec![1]
    );
}

#[test]
fn delimited_trailing_comma_is_an_unnamed_field() {
    // Old page: [..., request=*.html*, status_code=4*,] extracts `$7`.
    let pat = p("[..., request=*.html*, status_code=4*,]");
    let found = pat.matches(APACHE).expect("matches");
    let got = found.extracted_values();
    assert_eq!(got.len(), 7);
    assert_eq!(
        got[4],
        (
            "$request".to_string(),
            "GET /index.html HTTP/1.0".to_string()
        )
    );
    assert_eq!(got[5], ("$status_code".to_string(), "404".to_string()));
    assert_eq!(got[6], ("$7".to_string(), "1534".to_string()));
    assert_eq!(got[0], ("$1".to_string(), "127.0.0.1".to_string()));
    assert!(!pat.is_match("a b GET/x.html 404"));
}

#[test]
fn delimited_quoted_values_and_splitting() {
    assert!(m(
        "[..., request = \"GET /index.html HTTP/1.0\", status, bytes]",
        APACHE
    ));
    assert!(m("[a, b, c]", "  x\t y   z  "));
    // An unclosed quote or bracket is an ordinary field.
    assert!(m("[a, b]", "\"x y"));
    assert!(m("[a, b]", "[x y"));
    // Nested brackets stay in one field.
    assert!(m("[a = \"x [y] z\"]", "[x [y] z]"));
    // A closing quote glued to more text does not close the field.
    assert!(m("[a, b]", "\"x y\"z"));
}

#[test]
fn delimited_errors() {
    let e = err_has(
        "[ip, user",
        "unclosed `[`: a space-delimited pattern ends with `]`",
    );
    assert_eq!(e.offset, 0);
    err_has("[ip, user,", "unclosed `[`");
    err_has("[]", "empty space-delimited pattern");
    err_has("[  ]", "empty space-delimited pattern");
    let e = err_has("[ip user]", "or an operator after `ip`");
    assert!(
        e.help
            .as_deref()
            .is_some_and(|h| h.contains("separate fields with commas"))
    );
    let e = err_has(
        "[ip, status_code = 4* && bytes > 1000]",
        "this condition is about `bytes`",
    );
    assert_eq!(e.offset, 25);
    err_has("[a, a]", "used twice");
    err_has("[a, 7]", "cannot be only digits");
    err_has("[... = 1, a]", "cannot have a condition");
    err_has("[=ERROR, w2]", "needs a field name before the operator");
    err_has("[$ip, user]", "have no `$`");
    err_has("[a => 1]", "unknown operator `=>`; use `>=`");
    err_has("[a = ]", "missing value after `=`");
    err_has("[a > x]", "needs a number");
    err_has("[a = b:c]", "`:` is not allowed in an unquoted value");
    err_has("[a] [b]", "unexpected text after the closing `]`");
    err_has("[(a = 1]", "unclosed `(`");
    err_has("[a = 1)]", "unmatched `)`");
}

// ---------------------------------------------------------------- values and dimensions

#[test]
fn value_constants() {
    let pat = p("ERROR");
    let found = pat.matches("ERROR x").expect("matches");
    assert_eq!(found.value("1"), Some(1.0));
    assert_eq!(found.value(" 2.5 "), Some(2.5));
    assert_eq!(found.value("-3"), Some(-3.0));
    assert_eq!(found.value("1e3"), Some(1000.0));
    assert_eq!(found.value("abc"), None);
    assert_eq!(found.value("$.x"), None);
    assert_eq!(found.text("1"), None);
    assert!(found.extracted_values().is_empty());
}

#[test]
fn value_from_json() {
    // Metric page: `{ $.latency = * }` with metricValue `$.latency` publishes 50.
    let pat = p("{ $.latency = * }");
    let found = pat
        .matches(r#"{"latency": 50, "requestType": "GET"}"#)
        .expect("matches");
    assert_eq!(found.value("$.latency"), Some(50.0));
    assert_eq!(found.value("$.requestType"), None);
    assert_eq!(found.value("$.missing"), None);
    let found = pat
        .matches(r#"{"latency": "12.5", "ok": true, "list": [1, 2], "n": null}"#)
        .expect("matches");
    assert_eq!(found.value("$.latency"), Some(12.5));
    assert_eq!(found.value("$.ok"), None);
    assert_eq!(found.value("$.list"), None);
    assert_eq!(found.value("$.list[1]"), Some(2.0));
    assert_eq!(found.value("$.list[*]"), None);
    assert_eq!(found.value("$.n"), None);
    assert!(
        pat.matches(r#"{"latency": "slow"}"#)
            .is_some_and(|f| f.value("$.latency").is_none())
    );
}

#[test]
fn dimension_from_json() {
    // Metric page: dimension `"eventType" : $.eventType` is "UpdateTrail".
    let pat = p("{ $.eventType = \"*\" && $.sourceIPAddress != 123.123.* }");
    let found = pat.matches(DOC_EVENT).expect("matches");
    assert_eq!(found.text("$.eventType").as_deref(), Some("UpdateTrail"));
    assert_eq!(found.text("$.objectList[1].id").as_deref(), Some("2"));
    assert_eq!(found.text("$.ThisFlag").as_deref(), Some("true"));
    assert_eq!(found.text("$.SomeObject"), None);
    assert_eq!(found.text("$.arrayKey"), None);
    assert_eq!(found.text("$.nothing"), None);
    assert_eq!(found.text("$.['cluster.name']").as_deref(), Some("c"));
    assert_eq!(found.text("$eventType"), None);
}

#[test]
fn value_and_dimension_from_delimited() {
    // Metric page: dimension `"server" : $server` is "Prod".
    let pat = p("[ip, server, username, timestamp, request, status_code, bytes > 1000]");
    let found = pat.matches(APACHE).expect("matches");
    assert_eq!(found.text("$server").as_deref(), Some("Prod"));
    assert_eq!(found.value("$bytes"), Some(1534.0));
    assert_eq!(found.value("$status_code"), Some(404.0));
    assert_eq!(found.value("$request"), None);
    assert_eq!(
        found.text("$request").as_deref(),
        Some("GET /index.html HTTP/1.0")
    );
    assert_eq!(found.value("$7"), Some(1534.0));
    assert_eq!(found.text("$1").as_deref(), Some("127.0.0.1"));
    assert_eq!(found.text("$8"), None);
    assert_eq!(found.text("$nope"), None);
    assert_eq!(found.value("$.bytes"), None);
}

#[test]
fn value_from_unnamed_and_empty_fields() {
    let pat = p("[..., size]");
    let found = pat.matches("a b \"\"").expect("matches");
    assert_eq!(found.text("$size"), None);
    assert_eq!(found.value("$size"), None);
    assert_eq!(found.text("$2").as_deref(), Some("b"));
    let found = pat.matches("x 1e3").expect("matches");
    assert_eq!(found.value("$size"), None);
}

#[test]
fn bad_specs_publish_nothing() {
    let pat = p("{ $.a = * }");
    let found = pat.matches(r#"{"a": 1}"#).expect("matches");
    for spec in ["", "$", "$.", "$0", "$a b", "one", "$.a[", "NaN", "inf"] {
        assert_eq!(found.value(spec), None, "{spec:?}");
        assert_eq!(found.text(spec), None, "{spec:?}");
    }
}

#[test]
fn check_selector_accepts_valid_specs() {
    let json = p("{ $.latency = * }");
    assert!(json.check_selector("$.latency", true).is_ok());
    assert!(json.check_selector("$.other.field[0]", false).is_ok());
    assert!(json.check_selector("1", true).is_ok());
    assert!(json.check_selector(" 2.5e1 ", true).is_ok());
    let delim = p("[ip, server, ..., bytes]");
    assert!(delim.check_selector("$bytes", true).is_ok());
    assert!(delim.check_selector("$server", false).is_ok());
    assert!(delim.check_selector("$12", false).is_ok());
    assert!(p("ERROR").check_selector("1", true).is_ok());
    assert!(p("").check_selector("3", true).is_ok());
}

#[test]
fn check_selector_errors() {
    let delim = p("[ip, server, username, timestamp, request, status_code, bytes]");
    let e = delim
        .check_selector("$.bytes", true)
        .expect_err("json selector on delimited");
    assert!(e.message.contains("space-delimited pattern"), "{e}");
    assert!(e.help.as_deref().is_some_and(|h| h.contains("`$bytes`")));
    let e = delim
        .check_selector("  $byte", true)
        .expect_err("unknown field");
    assert_eq!((e.offset, e.len), (2, 5));
    assert!(e.message.contains("`$byte` is not a field"));
    let e = delim.check_selector("$9", true).expect_err("past the end");
    assert!(e.message.contains("names 7 fields"), "{e}");
    let json = p("{ $.a = 1 }");
    let e = json.check_selector("$a", false).expect_err("field on json");
    assert_eq!(
        e.help.as_deref(),
        Some("write `$.a` to read a JSON property")
    );
    let e = json
        .check_selector("1", false)
        .expect_err("constant dimension");
    assert!(e.message.contains("dimension value must name a field"));
    let e = json.check_selector("$.a[*]", true).expect_err("wildcard");
    assert!(e.message.contains("uses `*`"));
    let e = json.check_selector("fast", true).expect_err("not a number");
    assert!(e.message.contains("is not a number"));
    let e = json
        .check_selector("$.a b", true)
        .expect_err("trailing text");
    assert_eq!((e.offset, e.len), (4, 1));
    assert!(json.check_selector("", true).is_err());
    assert!(json.check_selector("$", true).is_err());
    assert!(json.check_selector("$0", true).is_err());
    let e = json.check_selector("$a-b", true).expect_err("bad name");
    assert_eq!(e.offset, 2);
    let terms = p("ERROR");
    let e = terms
        .check_selector("$.latency", true)
        .expect_err("terms have no fields");
    assert!(e.message.contains("needs a JSON filter pattern"));
    assert!(terms.check_selector("$bytes", false).is_err());
    assert!(p("%x%").check_selector("$1", true).is_err());
}

// ---------------------------------------------------------------- misc

#[test]
fn kinds_and_accessors() {
    assert_eq!(p("%a%").kind(), PatternKind::Regex);
    assert_eq!(p("a b").kind(), PatternKind::Terms);
    let pat = p("  [a, ..., b]  ");
    assert_eq!(pat.kind(), PatternKind::Delimited);
    assert_eq!(pat.field_names(), vec!["a", "b"]);
    assert_eq!(pat.as_str(), "  [a, ..., b]  ");
    assert!(p("{ $.a = 1 }").field_names().is_empty());
    fn assert_traits<T: Clone + std::fmt::Debug>() {}
    assert_traits::<Pattern>();
    assert_traits::<Match<'static>>();
    assert_traits::<ParseError>();
}

#[test]
fn pattern_length_limit() {
    let ok = "a".repeat(MAX_PATTERN_CHARS);
    assert!(Pattern::parse(&ok).is_ok());
    let long = "é".repeat(MAX_PATTERN_CHARS + 1);
    let e = err_has(&long, "too long");
    assert_eq!(e.offset, MAX_PATTERN_CHARS * 2);
}

#[test]
fn error_display_includes_location_and_help() {
    let e = err("{ $.a => 1 }");
    let shown = e.to_string();
    assert!(shown.contains("at byte 6"), "{shown}");
    assert!(shown.contains("help: replace `=>` with `>=`"), "{shown}");
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert!(!boxed.to_string().is_empty());
}

/// A tiny deterministic generator (xorshift) for the garbage tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "{", "}", "[", "]", "(", ")", "%", "\"", "\\", "$", ".", "*", "=", "!", "<", ">", "&", "|",
    "?", "-", ",", " ", "a", "Z", "0", "9", "e", "+", "IS", "NULL", "NOT", "EXISTS", "TRUE", "...",
    "…", "é", "\t", "$.a", "[0]", "[*]", "&&", "||", "{,3}", "\\x4", "\\d", "'", "$.*", "%a%",
    "\"x\"", "1e5", "_", ":", "\n", "😀", "\\x7F", "{1,}",
];

const LINES: &[&str] = &[
    r#"{"a":[1,"x",{"b":null}],"e":true,"Z":"0"}"#,
    "a b c",
    "[x y] \"q r\" 1 -2.5",
    "",
    "é é 😀",
    "{",
    "\"unterminated [also",
    "a [b [c] d] \"e \\\" f\" g",
];

const SPECS: &[&str] = &[
    "$.a[0]", "$a", "$1", "1", "$", "$.a[*]", "$.e", "$Z", "$.", "", " $3 ", "$.a[2].b", "x",
];

fn exercise(pat: &Pattern) {
    for line in LINES {
        if let Some(found) = pat.matches(line) {
            for spec in SPECS {
                let _ = found.value(spec);
                let _ = found.text(spec);
            }
            let _ = found.extracted_values();
        }
    }
    for spec in SPECS {
        let _ = pat.check_selector(spec, true);
        let _ = pat.check_selector(spec, false);
    }
}

#[test]
fn garbage_patterns_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let n = (rng.next() % 24) as usize;
        let mut text = String::new();
        for _ in 0..n {
            text.push_str(rng.pick(PIECES));
        }
        for candidate in [
            text.clone(),
            format!("{{{text}}}"),
            format!("[{text}]"),
            format!("%{text}%"),
        ] {
            match Pattern::parse(&candidate) {
                Ok(pat) => {
                    parsed += 1;
                    exercise(&pat);
                }
                Err(e) => {
                    assert!(e.offset <= candidate.len(), "{candidate:?}: {e:?}");
                    assert!(e.offset + e.len <= candidate.len(), "{candidate:?}: {e:?}");
                    assert!(candidate.is_char_boundary(e.offset), "{candidate:?}: {e:?}");
                    assert!(!e.message.is_empty());
                }
            }
        }
    }
    assert!(parsed > 100, "only {parsed} garbage patterns parsed");
}

#[test]
fn garbage_lines_and_specs_never_panic() {
    let pats: Vec<Pattern> = [
        "[a, ..., b = 1* || b = %x%, c > 2, ...]",
        "{ $.a[*] = %\\d% || $.b NOT EXISTS || $.* IS NULL }",
        "?a ?\"b c\"",
        "a -b \"c d\"",
        "%^a|b$%",
    ]
    .iter()
    .map(|t| p(t))
    .collect();
    let mut rng = Rng(42);
    for _ in 0..5_000 {
        let n = (rng.next() % 16) as usize;
        let mut line = String::new();
        let mut spec = String::new();
        for _ in 0..n {
            line.push_str(rng.pick(PIECES));
            spec.push_str(rng.pick(PIECES));
        }
        for pat in &pats {
            if let Some(found) = pat.matches(&line) {
                let _ = (
                    found.value(&spec),
                    found.text(&spec),
                    found.extracted_values(),
                );
            }
            if let Err(e) = pat.check_selector(&spec, true) {
                assert!(e.offset + e.len <= spec.len(), "{spec:?}: {e:?}");
            }
        }
    }
}

#[test]
fn regex_count_of_each_pattern_kind() {
    // PutMetricFilter: "a quota of two regular expression patterns within a
    // single filter pattern".
    let count = |t: &str| Pattern::parse(t).map(|p| p.regex_count()).ok();
    assert_eq!(count("ERROR"), Some(0));
    assert_eq!(count(""), Some(0));
    assert_eq!(count("%ERROR [0-9]{3}%"), Some(1));
    assert_eq!(count("{ $.level = %ERR% }"), Some(1));
    assert_eq!(count("{ $.a = %x% && $.b = %y% }"), Some(2));
    assert_eq!(count("[ip, status = %5[0-9]{2}%, size]"), Some(1));
    assert_eq!(count("{ $.a = %x% && $.b = %y% && $.c = %z% }"), None);
}
