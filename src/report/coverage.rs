//! The coverage report of `obsctl test --coverage-report FILE`: the totals
//! and every uncovered alarm and metric filter (the text report shows the
//! first 20), as JSON.

use crate::testing::coverage::{Coverage, Gap, Item};
use serde_json::{Value, json};

/// Renders the coverage as pretty-printed JSON (keys sorted, uncovered
/// items in report order: alarms, then filters, by environment and name).
pub fn json(cov: &Coverage) -> String {
    let totals = |items: &[Item]| {
        json!({
            "covered": items.iter().filter(|i| i.covered()).count(),
            "total": items.len(),
        })
    };
    let uncovered = |kind: &str, items: &[Item]| -> Vec<Value> {
        items
            .iter()
            .filter_map(|i| {
                let lacks = match i.gap()? {
                    Gap::NoTest => "no_test",
                    Gap::NoPositive => "positive",
                    Gap::NoNegative => "negative",
                };
                Some(json!({
                    "kind": kind,
                    "env": i.env,
                    "service": i.service,
                    "name": i.name,
                    "lacks": lacks,
                }))
            })
            .collect()
    };
    let mut list = uncovered("alarm", &cov.alarms);
    list.extend(uncovered("metric_filter", &cov.filters));
    list.extend(uncovered("mute_rule", &cov.mute_rules));
    let doc = json!({
        "percent": (cov.percent() * 10.0).round() / 10.0,
        "alarms": totals(&cov.alarms),
        "metric_filters": totals(&cov.filters),
        "mute_rules": totals(&cov.mute_rules),
        "uncovered": list,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, positive: bool, negative: bool) -> Item {
        Item {
            env: "staging".into(),
            service: Some("api".into()),
            name: name.into(),
            positive,
            negative,
        }
    }

    #[test]
    fn lists_every_uncovered_item_with_what_it_lacks() {
        let mut alarms: Vec<Item> = (0..30)
            .map(|k| item(&format!("a{k:02}"), true, false))
            .collect();
        alarms.push(item("covered", true, true));
        let cov = Coverage {
            alarms,
            filters: vec![item("f", false, false), item("g", false, true)],
            mute_rules: vec![item("m", true, false)],
        };
        let doc: Value = serde_json::from_str(&json(&cov)).unwrap();
        let list = doc["uncovered"].as_array().unwrap();
        // Not cut off at the text report's 20.
        assert_eq!(list.len(), 33);
        assert_eq!(doc["mute_rules"], json!({"covered": 0, "total": 1}));
        assert_eq!(list[32]["kind"], "mute_rule");
        assert_eq!(list[32]["lacks"], "negative");
        assert_eq!(doc["alarms"], json!({"covered": 1, "total": 31}));
        assert_eq!(doc["metric_filters"], json!({"covered": 0, "total": 2}));
        assert_eq!(list[0]["lacks"], "negative");
        assert_eq!(list[30]["kind"], "metric_filter");
        assert_eq!(list[30]["lacks"], "no_test");
        assert_eq!(list[31]["lacks"], "positive");
        assert!(list.iter().all(|i| i["name"] != "covered"));
    }
}
