//! A metric widget's graph: its rows as lines in their colours, the axes
//! with their labels and configured min / max, horizontal annotations
//! (thresholds, bands) and vertical ones, and the legend. The lines are
//! placeholders — the same wave for the same row position in every
//! widget, never data — so a preview changes only when the widget's
//! configuration does; the graph says so.
//!
//! Sources: the metric widget properties (`metrics`, `yAxis`,
//! `annotations`, `stacked`, `period`, `start`) on the Dashboard Body
//! Structure page,
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html>.

use super::svg::{Doc, Font, fit, n};
use serde_json::Value;

/// The colours CloudWatch gives rows without a `color`, in row order.
pub const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// Colour of annotations without one.
const ANNOTATION: &str = "#d13212";

/// One metric row as the preview draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Legend label: the row's `label`, else its metric name or expression.
    pub label: String,
    /// Line colour.
    pub color: String,
    /// On the right axis.
    pub right: bool,
    /// Drawn (`visible` is not false).
    pub visible: bool,
}

/// The rows of a metric widget's `metrics`, each with its colour (the
/// palette counts every row, drawn or not). A row without a `label` is
/// named by its metric; where several rows share that name, by its metric
/// and last dimension value (`RequestCount auth-service`), so the legend
/// tells them apart.
pub fn rows(properties: &Value) -> Vec<Row> {
    let Some(list) = properties.get("metrics").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut rows = labelled_rows(list);
    let mut count: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (row, _) in &rows {
        *count.entry(row.label.as_str()).or_default() += 1;
    }
    let shared: std::collections::BTreeSet<String> = count
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(label, _)| label.to_string())
        .collect();
    for (row, dimension) in &mut rows {
        if let Some(value) = dimension.take()
            && shared.contains(&row.label)
        {
            row.label = format!("{} {value}", row.label);
        }
    }
    rows.into_iter().map(|(row, _)| row).collect()
}

/// Each row, and for a row without a `label` its last dimension value.
fn labelled_rows(list: &[Value]) -> Vec<(Row, Option<String>)> {
    let mut last_metric = String::new();
    list.iter()
        .enumerate()
        .map(|(i, row)| {
            let items = row.as_array().cloned().unwrap_or_default();
            let options = items
                .last()
                .filter(|v| v.is_object())
                .cloned()
                .unwrap_or(Value::Null);
            let strings: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            // [namespace, metric, dims...]; "." repeats the row above.
            if let Some(metric) = strings.get(1).filter(|m| **m != ".") {
                last_metric = (*metric).to_string();
            }
            let opt = |k: &str| options.get(k).and_then(Value::as_str).map(str::to_string);
            let label = opt("label")
                .or_else(|| opt("expression"))
                .unwrap_or_else(|| last_metric.clone());
            // [namespace, metric, name, value, name, value, ...]
            let dimension = match opt("label") {
                Some(_) => None,
                None if strings.len() >= 4 && strings.len().is_multiple_of(2) => {
                    strings.last().map(|v| (*v).to_string())
                }
                None => None,
            };
            let row = Row {
                label,
                color: opt("color")
                    .filter(|c| c.len() <= 32)
                    .unwrap_or_else(|| PALETTE[i % PALETTE.len()].to_string()),
                right: opt("yAxis").as_deref() == Some("right"),
                visible: options.get("visible").and_then(Value::as_bool) != Some(false),
            };
            (row, dimension)
        })
        .collect()
}

/// A horizontal annotation: a line (`to` none) or a band, on an axis.
#[derive(Debug, Clone, PartialEq)]
struct Level {
    value: f64,
    to: Option<f64>,
    label: String,
    color: String,
    right: bool,
}

fn levels(properties: &Value) -> Vec<Level> {
    let Some(list) = properties
        .pointer("/annotations/horizontal")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|a| {
            // A band is a pair of objects; the first one carries the label.
            let (first, second) = match a.as_array() {
                Some(pair) => (pair.first()?, pair.get(1)),
                None => (a, None),
            };
            let s = |k: &str| first.get(k).and_then(Value::as_str).map(str::to_string);
            Some(Level {
                value: first.get("value")?.as_f64()?,
                to: second.and_then(|b| b.get("value")).and_then(Value::as_f64),
                label: s("label").unwrap_or_default(),
                color: s("color")
                    .filter(|c| c.len() <= 32)
                    .unwrap_or_else(|| ANNOTATION.to_string()),
                right: s("yAxis").as_deref() == Some("right"),
            })
        })
        .collect()
}

/// One axis: configured bounds, label, and the range drawn.
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    min: Option<f64>,
    max: Option<f64>,
    label: Option<String>,
    lo: f64,
    hi: f64,
}

impl Axis {
    fn new(properties: &Value, side: &str, levels: &[Level]) -> Axis {
        let conf = properties.pointer(&format!("/yAxis/{side}"));
        let get = |k: &str| conf.and_then(|c| c.get(k)).and_then(Value::as_f64);
        let (min, max) = (get("min"), get("max"));
        let label = conf
            .and_then(|c| c.get("label"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let values: Vec<f64> = levels
            .iter()
            .flat_map(|l| std::iter::once(l.value).chain(l.to))
            .collect();
        let top = values.iter().copied().fold(f64::NAN, f64::max);
        let bottom = values.iter().copied().fold(f64::NAN, f64::min);
        let lo = min.unwrap_or(if bottom < 0.0 { bottom * 1.25 } else { 0.0 });
        let mut hi = max.unwrap_or(if top.is_nan() || top <= lo {
            lo + 100.0
        } else {
            lo + (top - lo) * 1.25
        });
        if hi <= lo {
            hi = lo + 1.0;
        }
        Axis {
            min,
            max,
            label,
            lo,
            hi,
        }
    }

    /// Whether numbers can be printed on it: bounds configured or
    /// thresholds that set its scale.
    fn scaled(&self, levels: bool) -> bool {
        self.max.is_some() || levels
    }
}

/// A placeholder value (0–1 of the axis range) of row `row` at step `t` of
/// `steps`: a slow wave, different per row, between 0.15 and 0.65.
fn placeholder(row: usize, t: usize, steps: usize) -> f64 {
    let x = t as f64 / steps.max(1) as f64 * std::f64::consts::TAU;
    let phase = row as f64 * 1.7;
    let base = 0.2 + 0.06 * (row % 5) as f64;
    (base + 0.12 * (x * 1.5 + phase).sin() + 0.05 * (x * 4.0 + phase * 2.0).sin()).clamp(0.0, 1.0)
}

/// Formats an axis value compactly (1200 → 1.2k).
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", n(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", n(v / 1e3))
    } else if a >= 1.0 || v == v.trunc() {
        n(v)
    } else {
        format!("{v:.2}")
    }
}

/// `-PT3H` → `-3h` (what the time axis starts at).
fn start_label(properties: &Value) -> String {
    let start = properties
        .get("start")
        .and_then(Value::as_str)
        .unwrap_or("-PT3H");
    start
        .replace("PT", "")
        .replace('P', "")
        .to_lowercase()
        .chars()
        .take(12)
        .collect()
}

/// Draws the graph of a metric widget inside (0, top) – (w, h).
pub fn draw(doc: &mut Doc, properties: &Value, (w, h): (f64, f64), top: f64) {
    let rows = rows(properties);
    let levels = levels(properties);
    let (left_levels, right_levels): (Vec<Level>, Vec<Level>) =
        levels.iter().cloned().partition(|l| !l.right);
    let left = Axis::new(properties, "left", &left_levels);
    let right = Axis::new(properties, "right", &right_levels);
    let has_right = rows.iter().any(|r| r.right && r.visible) || !right_levels.is_empty();

    // Legend: one line of entries, more if they do not fit, at most 3.
    let legend_font = Font::sans(10.0);
    let mut legend: Vec<Vec<(&Row, String)>> = vec![Vec::new()];
    let mut used = 0.0;
    let room = w - 20.0;
    for row in rows.iter().filter(|r| r.visible) {
        let text = fit(&row.label, room - 14.0, 10.0, false);
        let width = super::svg::width(&text, 10.0, false) + 24.0;
        if used + width > room && used > 0.0 {
            legend.push(Vec::new());
            used = 0.0;
        }
        used += width;
        if let Some(line) = legend.last_mut() {
            line.push((row, text));
        }
    }
    legend.retain(|l| !l.is_empty());
    let more = legend.len().saturating_sub(3);
    legend.truncate(3);

    let plot_left = if left.label.is_some() { 54.0 } else { 40.0 };
    let plot_right = w - if has_right { 44.0 } else { 14.0 };
    let plot_top = top + 6.0;
    let plot_bottom = h - 22.0 - 14.0 * legend.len() as f64;
    if plot_bottom - plot_top < 12.0 || plot_right - plot_left < 20.0 {
        doc.text(
            (10.0, h - 8.0),
            Font::sans(10.0).color("#687078"),
            "note",
            "(too small to draw)",
        );
        return;
    }
    let y_of = |f: f64| plot_bottom - (plot_bottom - plot_top) * f;
    let frac = |axis: &Axis, v: f64| (v - axis.lo) / (axis.hi - axis.lo);

    // Axes and grid lines.
    let grey = r##"stroke="#d5dbdb" stroke-width="1""##;
    for i in 0..=4 {
        let y = y_of(f64::from(i) / 4.0);
        doc.segment((plot_left, y), (plot_right, y), grey);
    }
    let axis_font = Font::sans(9.0).color("#687078");
    for (axis, has_levels, x, anchor) in [
        (&left, !left_levels.is_empty(), plot_left - 4.0, "end"),
        (&right, !right_levels.is_empty(), plot_right + 4.0, "start"),
    ] {
        let is_right = std::ptr::eq(axis, &right);
        if is_right && !has_right {
            continue;
        }
        if axis.scaled(has_levels) || axis.min.is_some() {
            doc.text(
                (x, y_of(0.0) + 3.0),
                axis_font.anchor(anchor),
                "axis",
                &short(axis.lo),
            );
        }
        if axis.scaled(has_levels) {
            doc.text(
                (x, y_of(1.0) + 3.0),
                axis_font.anchor(anchor),
                "axis",
                &short(axis.hi),
            );
            doc.text(
                (x, y_of(0.5) + 3.0),
                axis_font.anchor(anchor),
                "axis",
                &short((axis.lo + axis.hi) / 2.0),
            );
        }
        if let Some(label) = &axis.label {
            let cx = if is_right { w - 6.0 } else { 12.0 };
            let cy = (plot_top + plot_bottom) / 2.0;
            let text = fit(label, plot_bottom - plot_top, 10.0, false);
            doc.line(&format!(
                r##"<text class="axis-label" x="{x}" y="{y}" transform="rotate(-90 {x} {y})" font-family="{f}" font-size="10" text-anchor="middle" fill="#687078">{t}</text>"##,
                x = n(cx),
                y = n(cy),
                f = super::svg::SANS,
                t = super::svg::esc(&text)
            ));
        }
    }
    doc.segment(
        (plot_left, plot_bottom),
        (plot_right, plot_bottom),
        r##"stroke="#879596" stroke-width="1""##,
    );
    // Time axis: from `start` to now, one point per step.
    doc.text(
        (plot_left, plot_bottom + 12.0),
        axis_font,
        "axis",
        &start_label(properties),
    );
    doc.text(
        (plot_right, plot_bottom + 12.0),
        axis_font.anchor("end"),
        "axis",
        "now",
    );
    let period = properties.get("period").and_then(Value::as_i64);
    let note = match period {
        Some(p) => format!(
            "placeholder series · period {}",
            crate::notation::format_duration(p)
        ),
        None => "placeholder series".to_string(),
    };
    doc.text(
        ((plot_left + plot_right) / 2.0, plot_bottom + 12.0),
        axis_font.anchor("middle"),
        "placeholder",
        &note,
    );

    // Bands first, then the lines, then threshold lines on top.
    for l in &levels {
        let axis = if l.right { &right } else { &left };
        if let Some(to) = l.to {
            let (a, b) = (
                frac(axis, l.value).clamp(0.0, 1.0),
                frac(axis, to).clamp(0.0, 1.0),
            );
            let (y1, y2) = (y_of(a.max(b)), y_of(a.min(b)));
            doc.rect(
                plot_left,
                y1,
                plot_right - plot_left,
                y2 - y1,
                &format!(
                    r#"class="band" fill="{}" fill-opacity="0.15""#,
                    super::svg::esc(&l.color)
                ),
            );
        }
    }
    let steps = 36;
    let stacked = properties.get("stacked").and_then(Value::as_bool) == Some(true);
    let mut base = vec![0.0; steps + 1];
    for (i, row) in rows.iter().enumerate().filter(|(_, r)| r.visible) {
        let points: Vec<(f64, f64)> = (0..=steps)
            .map(|t| {
                let mut v = placeholder(i, t, steps);
                if stacked && let Some(b) = base.get_mut(t) {
                    v = (*b + v / 3.0).min(1.0);
                    *b = v;
                }
                let x = plot_left + (plot_right - plot_left) * t as f64 / steps as f64;
                (x, y_of(v))
            })
            .collect();
        doc.polyline(
            &points,
            &format!(
                r#"class="series" stroke="{}" stroke-width="1.5""#,
                super::svg::esc(&row.color)
            ),
        );
    }
    for l in &levels {
        let axis = if l.right { &right } else { &left };
        let f = frac(axis, l.value);
        if l.to.is_some() || !(0.0..=1.0).contains(&f) {
            if l.to.is_some() && !l.label.is_empty() {
                let y = y_of(f.clamp(0.0, 1.0));
                doc.text(
                    (plot_right - 4.0, y - 3.0),
                    Font::sans(9.0).color("#16191f").anchor("end"),
                    "annotation",
                    &fit(&l.label, plot_right - plot_left, 9.0, false),
                );
            }
            continue;
        }
        let y = y_of(f);
        doc.segment(
            (plot_left, y),
            (plot_right, y),
            &format!(
                r#"class="threshold" stroke="{}" stroke-width="1.5""#,
                super::svg::esc(&l.color)
            ),
        );
        let label = if l.label.is_empty() {
            short(l.value)
        } else {
            format!("{} ({})", l.label, short(l.value))
        };
        doc.text(
            (plot_right - 4.0, y - 3.0),
            Font::sans(9.0).anchor("end"),
            "annotation",
            &fit(&label, plot_right - plot_left - 8.0, 9.0, false),
        );
    }
    // Vertical annotations: their times are not on a placeholder axis;
    // each is drawn at an even place with its label.
    let verticals = properties
        .pointer("/annotations/vertical")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, v) in verticals.iter().enumerate() {
        let first = v.as_array().and_then(|p| p.first()).unwrap_or(v);
        let x =
            plot_left + (plot_right - plot_left) * (i + 1) as f64 / (verticals.len() + 1) as f64;
        let color = first
            .get("color")
            .and_then(Value::as_str)
            .filter(|c| c.len() <= 32)
            .unwrap_or(ANNOTATION);
        doc.segment(
            (x, plot_top),
            (x, plot_bottom),
            &format!(
                r#"class="annotation-vertical" stroke="{}" stroke-dasharray="3 2""#,
                super::svg::esc(color)
            ),
        );
        if let Some(label) = first.get("label").and_then(Value::as_str) {
            doc.text(
                (x + 3.0, plot_top + 9.0),
                Font::sans(9.0),
                "annotation",
                &fit(label, 140.0, 9.0, false),
            );
        }
    }

    // Legend.
    for (li, line) in legend.iter().enumerate() {
        let y = plot_bottom + 26.0 + 14.0 * li as f64;
        let mut x = 10.0;
        for (row, text) in line {
            doc.rect(
                x,
                y - 8.0,
                8.0,
                8.0,
                &format!(r#"fill="{}""#, super::svg::esc(&row.color)),
            );
            doc.text((x + 12.0, y), legend_font, "legend", text);
            x += super::svg::width(text, 10.0, false) + 24.0;
        }
    }
    if more > 0 {
        doc.text(
            (w - 10.0, h - 4.0),
            legend_font.anchor("end").color("#687078"),
            "legend",
            &format!("+{more} more lines"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_sharing_a_metric_are_told_apart_by_their_last_dimension() {
        let props = json!({"metrics": [
            ["NS", "Requests", "Service", "a"],
            ["NS", "Requests", "Service", "b", {"color": "#000000"}],
            ["NS", "Errors", "Service", "a"],
            ["NS", "Requests", "Service", "c", {"label": "mine", "yAxis": "right", "visible": false}],
            [{"expression": "m1 / m2", "id": "e1"}]
        ]});
        let rows = rows(&props);
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Requests a", "Requests b", "Errors", "mine", "m1 / m2"]
        );
        assert_eq!(rows[0].color, PALETTE[0]);
        assert_eq!(rows[1].color, "#000000");
        assert!(rows[3].right && !rows[3].visible);
    }
}
