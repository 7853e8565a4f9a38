//! Evaluation of the Logs Insights subset over log events, and of a log
//! alarm's aggregation over the query's rows.

use super::{Agg, AggFn, Aggregation, CmpOp, Command, Expr, GroupKey, Query};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

/// One log event as Logs Insights sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `@timestamp`, milliseconds since the epoch.
    pub timestamp_ms: i64,
    /// `@message`.
    pub message: String,
    /// `@log`: the log group.
    pub log_group: String,
}

/// A field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Str(String),
    /// A number.
    Num(f64),
}

impl Value {
    fn number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Str(s) => s.trim().parse().ok(),
        }
    }

    fn text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Num(n) => n.to_string(),
        }
    }
}

/// A result row: field → value.
pub type Row = BTreeMap<String, Value>;

/// The fields Logs Insights discovers in an event: `@timestamp`,
/// `@message`, `@log`, and for a JSON message every key, nested keys
/// joined with `.` ("Supported logs and discovered fields").
fn discover(e: &Event) -> Row {
    let mut row = Row::new();
    row.insert("@timestamp".into(), Value::Num(e.timestamp_ms as f64));
    row.insert("@message".into(), Value::Str(e.message.clone()));
    row.insert("@log".into(), Value::Str(e.log_group.clone()));
    if let Ok(serde_json::Value::Object(map)) =
        serde_json::from_str::<serde_json::Value>(&e.message)
    {
        flatten("", &serde_json::Value::Object(map), &mut row, 0);
    }
    row
}

fn flatten(prefix: &str, v: &serde_json::Value, row: &mut Row, depth: usize) {
    if depth > 32 {
        return;
    }
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                flatten(&key(k), v, row, depth + 1);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&key(&i.to_string()), v, row, depth + 1);
            }
        }
        serde_json::Value::String(s) => {
            row.insert(prefix.to_string(), Value::Str(s.clone()));
        }
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                row.insert(prefix.to_string(), Value::Num(f));
            }
        }
        serde_json::Value::Bool(b) => {
            row.insert(prefix.to_string(), Value::Str(b.to_string()));
        }
        serde_json::Value::Null => {}
    }
}

#[derive(Default)]
struct Regexes(RefCell<HashMap<String, Option<regex::Regex>>>);

impl Regexes {
    fn is_match(&self, re: &str, text: &str) -> bool {
        let mut cache = self.0.borrow_mut();
        cache
            .entry(re.to_string())
            .or_insert_with(|| regex::Regex::new(re).ok())
            .as_ref()
            .is_some_and(|r| r.is_match(text))
    }
}

fn value(e: &Expr, row: &Row) -> Option<Value> {
    match e {
        Expr::Field(f) => row.get(f).cloned(),
        Expr::Str(s) | Expr::Regex(s) => Some(Value::Str(s.clone())),
        Expr::Num(n) => Some(Value::Num(*n)),
        _ => None,
    }
}

fn compare(a: &Value, op: CmpOp, b: &Value) -> bool {
    use std::cmp::Ordering;
    let ord = match (a.number(), b.number()) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => Some(a.text().cmp(&b.text())),
    };
    let Some(ord) = ord else { return false };
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// Whether a condition holds for a row. A comparison with a field the row
/// lacks is false (and its `not` true), as Logs Insights filters.
fn holds(e: &Expr, row: &Row, re: &Regexes) -> bool {
    match e {
        Expr::And(a, b) => holds(a, row, re) && holds(b, row, re),
        Expr::Or(a, b) => holds(a, row, re) || holds(b, row, re),
        Expr::Not(a) => !holds(a, row, re),
        Expr::Cmp(a, op, b) => match (value(a, row), value(b, row)) {
            (Some(x), Some(y)) => compare(&x, *op, &y),
            _ => false,
        },
        Expr::Like(a, p, negated) => {
            let Some(text) = value(a, row).map(|v| v.text()) else {
                return *negated;
            };
            let m = match p.as_ref() {
                Expr::Regex(r) => re.is_match(r, &text),
                Expr::Str(s) => text.contains(s.as_str()),
                _ => false,
            };
            m != *negated
        }
        Expr::In(a, items, negated) => {
            let Some(v) = value(a, row) else {
                return *negated;
            };
            let found = items
                .iter()
                .filter_map(|i| value(i, row))
                .any(|i| compare(&v, CmpOp::Eq, &i));
            found != *negated
        }
        Expr::Call(name, args) => {
            let v = args.first().and_then(|a| value(a, row));
            match name.as_str() {
                "ispresent" => v.is_some(),
                "isempty" => v.is_none_or(|v| v.text().is_empty()),
                "isblank" => v.is_none_or(|v| v.text().trim().is_empty()),
                _ => false,
            }
        }
        // A bare field or literal: true when present and not empty.
        Expr::Field(_) | Expr::Str(_) | Expr::Num(_) | Expr::Regex(_) => {
            value(e, row).is_some_and(|v| !v.text().is_empty())
        }
    }
}

fn group_label(by: &[GroupKey], row: &Row) -> Option<(Vec<String>, Row)> {
    let mut label = Vec::new();
    let mut fields = Row::new();
    for k in by {
        match k {
            GroupKey::Field(f) => {
                // Rows without the field form the group of the empty value,
                // as `stats … by` shows them.
                let v = row.get(f).cloned().unwrap_or(Value::Str(String::new()));
                label.push(v.text());
                fields.insert(f.clone(), v);
            }
            GroupKey::Bin(ms) => {
                let t = row.get("@timestamp")?.number()? as i64;
                let start = t.div_euclid(*ms) * ms;
                label.push(start.to_string());
                fields.insert("bin".into(), Value::Num(start as f64));
            }
        }
    }
    Some((label, fields))
}

fn apply(agg: &Agg, rows: &[&Row]) -> Option<f64> {
    let values = || -> Vec<f64> {
        rows.iter()
            .filter_map(|r| {
                agg.field
                    .as_ref()
                    .and_then(|f| r.get(f))
                    .and_then(Value::number)
            })
            .collect()
    };
    match agg.func {
        AggFn::Count => Some(match &agg.field {
            None => rows.len() as f64,
            Some(f) => rows.iter().filter(|r| r.contains_key(f)).count() as f64,
        }),
        AggFn::CountDistinct => {
            let f = agg.field.as_ref()?;
            let set: std::collections::BTreeSet<String> = rows
                .iter()
                .filter_map(|r| r.get(f))
                .map(Value::text)
                .collect();
            Some(set.len() as f64)
        }
        AggFn::Sum => {
            let v = values();
            (!v.is_empty()).then(|| v.iter().sum())
        }
        AggFn::Avg => {
            let v = values();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        }
        AggFn::Min => values().into_iter().reduce(f64::min),
        AggFn::Max => values().into_iter().reduce(f64::max),
        AggFn::Pct(p) => {
            let mut v = values();
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            // Nearest rank.
            let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
            v.get(rank.min(v.len()) - 1).copied()
        }
    }
}

/// Groups rows by `by` (label → rows), in label order.
fn groups<'r>(by: &[GroupKey], rows: &'r [Row]) -> BTreeMap<Vec<String>, (Row, Vec<&'r Row>)> {
    let mut out: BTreeMap<Vec<String>, (Row, Vec<&Row>)> = BTreeMap::new();
    for r in rows {
        if let Some((label, fields)) = group_label(by, r) {
            out.entry(label)
                .or_insert_with(|| (fields, Vec::new()))
                .1
                .push(r);
        }
    }
    out
}

/// Runs a query over events (in the order given): its result rows, or the
/// name of a command obsctl cannot evaluate.
pub fn run(query: &Query, events: &[Event]) -> Result<Vec<Row>, String> {
    let re = Regexes::default();
    let mut rows: Vec<Row> = events.iter().map(discover).collect();
    for c in &query.commands {
        match c {
            Command::Fields(list) => {
                for row in &mut rows {
                    for (e, alias) in list {
                        if let Some(name) = alias
                            && let Some(v) = value(e, row)
                        {
                            row.insert(name.clone(), v);
                        }
                    }
                }
            }
            Command::Filter(e) => rows.retain(|r| holds(e, r, &re)),
            Command::Stats { aggs, by } => {
                rows = groups(by, &rows)
                    .into_values()
                    .map(|(mut fields, members)| {
                        for (agg, name) in aggs {
                            if let Some(v) = apply(agg, &members) {
                                fields.insert(name.clone(), Value::Num(v));
                            }
                        }
                        fields
                    })
                    .collect();
            }
            Command::Sort { field, desc } => {
                rows.sort_by(|a, b| {
                    let o = match (a.get(field), b.get(field)) {
                        (Some(x), Some(y)) => match (x.number(), y.number()) {
                            (Some(x), Some(y)) => x.total_cmp(&y),
                            _ => x.text().cmp(&y.text()),
                        },
                        (x, y) => x.is_some().cmp(&y.is_some()),
                    };
                    if *desc { o.reverse() } else { o }
                });
            }
            Command::Limit(n) => rows.truncate(*n),
            Command::Display(fields) => {
                for r in &mut rows {
                    r.retain(|k, _| fields.contains(k));
                }
            }
            Command::Other(name) => {
                return Err(format!(
                    "obsctl test cannot evaluate the `{name}` command: give the alarm's query results directly"
                ));
            }
        }
    }
    Ok(rows)
}

/// A log alarm's aggregation over one run's rows: one value per group
/// (one group without `by`), in group order, each labelled by its `by`
/// values. No rows, no values: "a query with no matching rows returns no
/// result" — the run is missing data for the alarm, whatever the function
/// (`count(*)` of nothing is no result, not 0).
pub fn aggregate(a: &Aggregation, rows: &[Row]) -> Vec<(Vec<String>, f64)> {
    groups(&a.by, rows)
        .into_iter()
        .filter_map(|(label, (_, members))| apply(&a.agg, &members).map(|v| (label, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_aggregation};
    use super::*;

    fn events(lines: &[(i64, &str)]) -> Vec<Event> {
        lines
            .iter()
            .map(|(t, m)| Event {
                timestamp_ms: *t,
                message: m.to_string(),
                log_group: "/g".into(),
            })
            .collect()
    }

    fn values(q: &str, agg: &str, ev: &[Event]) -> Vec<(Vec<String>, f64)> {
        let rows = run(&parse(q).unwrap(), ev).unwrap();
        aggregate(&parse_aggregation(agg).unwrap(), &rows)
    }

    #[test]
    fn filter_comparisons_like_regex_and_in() {
        let ev = events(&[
            (0, r#"{"status": 500, "path": "/login", "ip": "1.1.1.1"}"#),
            (1, r#"{"status": 200, "path": "/books", "ip": "2.2.2.2"}"#),
            (
                2,
                r#"{"status": 503, "path": "/login", "ip": "1.1.1.1", "user": {"id": "u1"}}"#,
            ),
            (3, "plain text ERROR line"),
        ]);
        let count = |q: &str| {
            values(q, "count(*)", &ev)
                .first()
                .map(|v| v.1)
                .unwrap_or(0.0)
        };
        assert_eq!(count("filter status >= 500"), 2.0);
        assert_eq!(count("filter status = 500 or path = \"/books\""), 2.0);
        assert_eq!(
            count("filter status != 200 and not path like \"books\""),
            2.0
        );
        assert_eq!(count("filter @message like /ERROR/"), 1.0);
        assert_eq!(count("filter @message =~ /^plain/"), 1.0);
        assert_eq!(count("filter status in [200, 503]"), 2.0);
        assert_eq!(
            count("filter status not in [200, 503]"),
            2.0,
            "a row without status is not in"
        );
        assert_eq!(
            count("filter user.id = \"u1\""),
            1.0,
            "nested keys joined with ."
        );
        assert_eq!(count("filter ispresent(user.id)"), 1.0);
        assert_eq!(count("filter missing > 1"), 0.0);
        assert_eq!(count("filter path not like /login/"), 2.0);
    }

    #[test]
    fn stats_by_groups_and_bins() {
        let ev = events(&[
            (0, r#"{"ip": "a", "ms": 10}"#),
            (60_000, r#"{"ip": "a", "ms": 30}"#),
            (120_000, r#"{"ip": "b", "ms": 20}"#),
            (360_000, r#"{"ip": "a", "ms": 50}"#),
        ]);
        assert_eq!(
            values("fields ip", "count(*) by ip", &ev),
            vec![(vec!["a".into()], 3.0), (vec!["b".into()], 1.0)]
        );
        assert_eq!(values("", "max(ms)", &ev), vec![(vec![], 50.0)]);
        assert_eq!(values("", "avg(ms)", &ev), vec![(vec![], 27.5)]);
        assert_eq!(values("", "sum(ms) by ip", &ev)[0].1, 90.0);
        assert_eq!(values("", "pct(ms, 50)", &ev), vec![(vec![], 20.0)]);
        assert_eq!(values("", "min(ms)", &ev), vec![(vec![], 10.0)]);
        assert_eq!(values("", "count_distinct(ip)", &ev), vec![(vec![], 2.0)]);
        // A query that aggregates itself: the alarm reduces its rows.
        let per_bin = values("stats count(*) as n by bin(5m)", "max(n)", &ev);
        assert_eq!(per_bin, vec![(vec![], 3.0)]);
        // No matching rows: no result at all.
        assert!(values("filter ip = \"z\"", "count(*)", &ev).is_empty());
    }

    #[test]
    fn unevaluated_commands_are_named() {
        let q = parse("parse @message \"* *\" as a, b").unwrap();
        assert!(run(&q, &[]).unwrap_err().contains("parse"));
    }
}
