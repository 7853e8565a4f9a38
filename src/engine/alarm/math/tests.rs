//! Fixtures shared by the tests of the lexer, parser, evaluator and
//! functions (the guide's example series), and the cross-cutting tests.

use super::*;
use crate::engine::alarm::Series;

pub(super) const M: Option<f64> = None;

pub(super) fn s(values: &[Option<f64>]) -> Series {
    values.to_vec()
}

pub(super) fn inputs() -> Vec<(String, Series)> {
    vec![
        (
            "m1".to_string(),
            s(&[Some(30.0), Some(20.0), Some(0.0), Some(0.0)]),
        ),
        ("m2".to_string(), s(&[Some(20.0), M, Some(20.0), M])),
        (
            "errors_4xx".to_string(),
            s(&[Some(1.0), Some(2.0), M, Some(4.0)]),
        ),
        ("errors_5xx".to_string(), s(&[Some(10.0), M, M, Some(40.0)])),
    ]
}

pub(super) fn run(text: &str) -> Result<Series, MathError> {
    Expr::parse(text)?.eval(&inputs(), 60, 4)
}

pub(super) fn ok(text: &str) -> Series {
    match run(text) {
        Ok(series) => series,
        Err(e) => panic!("{text}: {e}"),
    }
}

pub(super) fn err(text: &str) -> MathError {
    match run(text) {
        Ok(series) => panic!("{text}: expected an error, got {series:?}"),
        Err(e) => e,
    }
}

pub(super) fn vals(v: &[f64]) -> Series {
    v.iter().map(|x| Some(*x)).collect()
}

#[test]
fn hostile_input_does_not_panic() {
    let deep = format!("{}m1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(Expr::parse(&deep).is_err());
    assert!(Expr::parse(&"-".repeat(10_000)).is_err());
    let chain = vec!["m1"; 5_000].join(" + ");
    assert!(Expr::parse(&chain).is_err());
    let ok_chain = vec!["m1"; 100].join(" + ");
    assert_eq!(
        Expr::parse(&ok_chain).and_then(|e| e.eval(&inputs(), 60, 1)),
        Ok(vals(&[3000.0]))
    );
    for text in [
        "\u{201c}",
        "\"",
        "(",
        ")",
        "[",
        "]",
        ",",
        "IF(",
        "FILL(,)",
        "1e",
        "1e+",
        ".",
        "m1^",
        "¿",
        "'",
        "SORT(",
        "SORT(,,)",
        "SORT(m1, AVG, DESC, 1e308)",
        "SORT(m1, AVG, DESC, 0.5)",
        "SLICE(METRICS(), 1e308, 1e308)",
        "SLICE(METRICS(), -0, -1)",
        "SLICE(m1, 0, 0)",
        "FIRST(SLICE(METRICS(), 9))",
        "DAY(m1 / 0)",
        "EPOCH(METRICS())",
        "YEAR(m1)",
        "ANOMALY_DETECTION_BAND(m1)",
        "SERVICE_QUOTA(m1)",
        "INSIGHT_RULE_METRIC('', '')",
        "SORT(ASC, AVG, DESC)",
        "INSIGHT_RULE_METRIC(ASC, 'x')",
        "FILL(m1, DESC)",
    ] {
        let _ = Expr::parse(text).and_then(|e| e.eval(&inputs(), 60, 3));
        let band = (vec![Some(1.0)], vec![]);
        for start in [i64::MIN, -1, 0, i64::MAX] {
            let external = External {
                start,
                band: Some(band.clone()),
                ..External::default()
            };
            let _ = Expr::parse(text).and_then(|e| e.eval_with(&inputs(), u32::MAX, 3, &external));
        }
    }
    let e = Expr::parse("m1 * 1e308 * 10");
    assert_eq!(e.and_then(|e| e.eval(&inputs(), 60, 1)), Ok(s(&[M])));
    assert_eq!(
        Expr::parse("m1").and_then(|e| e.eval(&inputs(), 60, 0)),
        Ok(vec![])
    );
}
