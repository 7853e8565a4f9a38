//! Automatic layout of dashboard widgets on CloudWatch's 24-column grid.
//!
//! Widgets that give `x` and `y` keep them. The others are placed in order,
//! left to right; a widget that does not fit in the current row starts a new
//! row below the tallest widget of the row. Widths default to 6 (or the whole
//! row for text and alarm widgets), heights to 6.

use serde_json::{Value, json};

/// Grid width in columns.
pub const GRID_COLUMNS: i64 = 24;

/// Places every widget without a position; returns the positioned widgets.
pub fn layout(widgets: &mut [Value]) {
    let mut fixed_bottom = 0;
    for w in widgets.iter() {
        if let (Some(y), Some(h)) = (
            w.get("y").and_then(Value::as_i64),
            w.get("height").and_then(Value::as_i64),
        ) {
            fixed_bottom = fixed_bottom.max(y + h);
        }
    }
    let (mut x, mut y, mut row_height) = (0i64, fixed_bottom, 0i64);
    for w in widgets.iter_mut() {
        let Some(obj) = w.as_object_mut() else {
            continue;
        };
        let full_row = matches!(
            obj.get("type").and_then(Value::as_str),
            Some("text" | "alarm")
        );
        let width = obj
            .get("width")
            .and_then(Value::as_i64)
            .unwrap_or(if full_row { GRID_COLUMNS } else { 6 });
        let height = obj
            .get("height")
            .and_then(Value::as_i64)
            .unwrap_or(if full_row { 3 } else { 6 });
        obj.insert("width".into(), json!(width));
        obj.insert("height".into(), json!(height));
        if obj.contains_key("x") && obj.contains_key("y") {
            continue;
        }
        if x + width > GRID_COLUMNS && x > 0 {
            y += row_height;
            x = 0;
            row_height = 0;
        }
        obj.insert("x".into(), json!(x));
        obj.insert("y".into(), json!(y));
        x += width;
        row_height = row_height.max(height);
    }
}

/// Describes why a widget lies outside the grid, if it does.
pub fn outside_grid(widget: &Value) -> Option<String> {
    let get = |k: &str| widget.get(k).and_then(Value::as_i64);
    let (x, y, w, h) = (get("x")?, get("y")?, get("width")?, get("height")?);
    if !(1..=GRID_COLUMNS).contains(&w) {
        return Some(format!("width {w} is outside 1–24"));
    }
    if !(1..=1000).contains(&h) {
        return Some(format!("height {h} is outside 1–1000"));
    }
    if x < 0 || y < 0 || x + w > GRID_COLUMNS {
        return Some(format!("x {x} + width {w} exceeds the 24-column grid"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_rows_and_wraps() {
        let mut w = vec![
            json!({"type": "metric", "width": 12}),
            json!({"type": "metric", "width": 12}),
            json!({"type": "metric", "width": 8, "height": 4}),
            json!({"type": "alarm"}),
        ];
        layout(&mut w);
        let pos: Vec<(i64, i64)> = w
            .iter()
            .map(|w| (w["x"].as_i64().unwrap(), w["y"].as_i64().unwrap()))
            .collect();
        assert_eq!(pos, vec![(0, 0), (12, 0), (0, 6), (0, 10)]);
        assert!(w.iter().all(|w| outside_grid(w).is_none()));
    }

    #[test]
    fn detects_widgets_outside_grid() {
        assert!(outside_grid(&json!({"x": 20, "y": 0, "width": 6, "height": 6})).is_some());
        assert!(outside_grid(&json!({"x": 0, "y": 0, "width": 25, "height": 6})).is_some());
    }
}
