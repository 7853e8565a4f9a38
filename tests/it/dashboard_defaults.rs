//! A dashboard saved in the console is not a change: every dashboard the
//! seed catalogues render, rewritten as the console writes it (shorthand
//! rows, every default explicit, numbers as `300.0`, keys in another
//! order), plans as no change; each default set to another value is
//! exactly one property change.

use crate::support::root;
use obsctl::plan::dashboard_changes;
use obsctl::resource::Resource;
use serde_json::{Value, json};

fn rendered() -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for cat in ["cat-house", "bookstore"] {
        let dir = root().join("definitions").join(cat);
        let (_, states) = obsctl::run::load_and_compile(&dir, None).unwrap();
        for s in states {
            for r in s.resources.values() {
                if let Resource::Dashboard(d) = r {
                    out.push((d.dashboard_name.clone(), s.region.clone(), d.body.value()));
                }
            }
        }
    }
    assert!(out.len() >= 10);
    out
}

fn set_default(map: &mut serde_json::Map<String, Value>, key: &str, value: Value) {
    map.entry(key.to_string()).or_insert(value);
}

/// The console's rewrite: defaults written out, shorthand rows, floats,
/// keys reversed.
fn console(body: &Value, region: &str) -> Value {
    let mut body = body.clone();
    for w in body["widgets"].as_array_mut().unwrap() {
        let kind = w["type"].as_str().unwrap_or_default().to_string();
        let w = w.as_object_mut().unwrap();
        set_default(w, "width", json!(6.0));
        set_default(w, "height", json!(6.0));
        let p = w
            .get_mut("properties")
            .and_then(Value::as_object_mut)
            .unwrap();
        match kind.as_str() {
            "metric" => {
                set_default(p, "view", json!("timeSeries"));
                set_default(p, "stacked", json!(false));
                set_default(p, "liveData", json!(false));
                set_default(p, "setPeriodToTimeRange", json!(false));
                set_default(p, "region", json!(region));
                set_default(p, "stat", json!("Average"));
                let period = p.get("period").and_then(Value::as_f64).unwrap_or(300.0);
                p.insert("period".into(), json!(period));
                set_default(p, "legend", json!({"position": "bottom"}));
                set_default(p, "yAxis", json!({"left": {"showUnits": true}}));
                let stat = p["stat"].clone();
                if let Some(rows) = p.get_mut("metrics").and_then(Value::as_array_mut) {
                    let mut previous: Option<Value> = None;
                    for row in rows.iter_mut() {
                        let items = row.as_array_mut().unwrap();
                        let has_options = items.last().is_some_and(Value::is_object);
                        if !has_options {
                            items.push(json!({}));
                        }
                        let opts = items.last_mut().unwrap().as_object_mut().unwrap();
                        if !opts.contains_key("expression") {
                            set_default(opts, "visible", json!(true));
                            set_default(opts, "yAxis", json!("left"));
                            set_default(opts, "stat", stat.clone());
                            set_default(opts, "region", json!(region));
                        }
                        // Shorthand: repeat of the previous row's namespace.
                        let current = row.clone();
                        if let (Some(prev), Some(items)) = (&previous, row.as_array_mut())
                            && prev.get(0) == items.first()
                            && items.first().is_some_and(Value::is_string)
                        {
                            items[0] = json!(".");
                        }
                        previous = Some(current);
                    }
                }
            }
            "text" => set_default(p, "background", json!("solid")),
            "log" => set_default(p, "view", json!("table")),
            "alarm" => {
                set_default(p, "sortBy", json!("default"));
                set_default(p, "states", json!([]));
            }
            _ => {}
        }
        // Keys in another order.
        let reversed: serde_json::Map<String, Value> =
            std::mem::take(p).into_iter().rev().collect();
        *p = reversed;
    }
    body
}

#[test]
fn console_saved_bodies_of_every_seed_dashboard_are_no_change() {
    let mut kinds = std::collections::BTreeSet::new();
    for (name, region, body) in rendered() {
        for w in body["widgets"].as_array().unwrap() {
            kinds.insert(w["type"].as_str().unwrap().to_string());
        }
        let changes = dashboard_changes(&console(&body, &region), &body, &region);
        assert!(changes.is_empty(), "{name}: {changes:?}");
    }
    // The seeds use these widget types; each was rewritten above.
    for k in ["metric", "text", "alarm"] {
        assert!(kinds.contains(k), "{kinds:?}");
    }
}

#[test]
fn each_non_default_value_is_exactly_one_property_change() {
    let (name, region, body) = rendered()
        .into_iter()
        .find(|(n, _, _)| n == "cat-house-staging-api-performance")
        .unwrap();
    let metric = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .position(|w| w["type"] == "metric")
        .unwrap();
    let text = body["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .position(|w| w["type"] == "text");
    let mut edits: Vec<(String, Value)> = vec![
        (format!("/widgets/{metric}/properties/stacked"), json!(true)),
        (
            format!("/widgets/{metric}/properties/view"),
            json!("singleValue"),
        ),
        (
            format!("/widgets/{metric}/properties/liveData"),
            json!(true),
        ),
        (
            format!("/widgets/{metric}/properties/setPeriodToTimeRange"),
            json!(true),
        ),
        (
            format!("/widgets/{metric}/properties/legend"),
            json!({"position": "right"}),
        ),
        (
            format!("/widgets/{metric}/properties/yAxis"),
            json!({"left": {"showUnits": false}}),
        ),
        (format!("/widgets/{metric}/properties/period"), json!(60)),
    ];
    if let Some(t) = text {
        edits.push((
            format!("/widgets/{t}/properties/background"),
            json!("transparent"),
        ));
    }
    for (pointer, value) in edits {
        let mut live = console(&body, &region);
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        live.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.to_string(), value.clone());
        let changes = dashboard_changes(&live, &body, &region);
        assert_eq!(changes.len(), 1, "{name} {pointer} = {value}: {changes:?}");
    }
}
