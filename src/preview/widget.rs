//! One widget drawn by its type: a frame with its title, then a metric
//! graph (`timeSeries`, `bar`), single values (`singleValue`, `gauge`),
//! a legend list (`pie`, `table`), an alarm status list, a text widget's
//! Markdown, a log widget's query, or for any other type its name.
//! Nothing here is data: values and alarm states are never shown.

use super::markdown::{Block, blocks};
use super::svg::{Doc, Font, fit, wrap};
use super::{PAD, chart};
use serde_json::Value;

const MUTED: &str = "#687078";

/// Draws `widget` into a viewport of `w` × `h` pixels.
pub fn draw(doc: &mut Doc, widget: &Value, (w, h): (f64, f64)) {
    let kind = widget.get("type").and_then(Value::as_str).unwrap_or("");
    let properties = widget.get("properties").unwrap_or(&Value::Null);
    let transparent = properties.get("background").and_then(Value::as_str) == Some("transparent");
    doc.rect(
        0.5,
        0.5,
        w - 1.0,
        h - 1.0,
        if transparent {
            r##"class="frame" fill="none" stroke="#eaeded""##
        } else {
            r##"class="frame" fill="#ffffff" stroke="#d5dbdb""##
        },
    );
    if kind == "text" {
        let md = properties
            .get("markdown")
            .and_then(Value::as_str)
            .unwrap_or("");
        text(doc, md, (w, h));
        return;
    }
    let title = title(kind, properties);
    let title_font = Font::sans(13.0).bold();
    doc.text(
        (PAD, 20.0),
        title_font,
        "title",
        &fit(&title, w - 2.0 * PAD, 13.0, false),
    );
    let top = 28.0;
    let view = properties.get("view").and_then(Value::as_str);
    match (kind, view) {
        ("metric", None | Some("timeSeries" | "bar")) => chart::draw(doc, properties, (w, h), top),
        ("metric", Some("singleValue" | "gauge")) => single_values(doc, properties, (w, h), top),
        ("metric", Some(_)) => legend_list(doc, properties, (w, h), top),
        ("alarm", _) => alarms(doc, properties, (w, h), top),
        ("log", _) => log(doc, properties, (w, h), top),
        _ => {
            doc.text(
                (PAD, top + 16.0),
                Font::sans(11.0).color(MUTED),
                "note",
                &format!("{kind} widget (not drawn in a preview)"),
            );
        }
    }
}

/// The title CloudWatch shows: `title`, else for one metric row its name.
fn title(kind: &str, properties: &Value) -> String {
    if let Some(t) = properties.get("title").and_then(Value::as_str) {
        return t.to_string();
    }
    match kind {
        "metric" => chart::rows(properties)
            .first()
            .map(|r| r.label.clone())
            .unwrap_or_default(),
        "log" => "Logs".to_string(),
        "alarm" => "Alarm status".to_string(),
        other => other.to_string(),
    }
}

/// Single values: each visible row's label over a placeholder value.
fn single_values(doc: &mut Doc, properties: &Value, (w, h): (f64, f64), top: f64) {
    let rows: Vec<chart::Row> = chart::rows(properties)
        .into_iter()
        .filter(|r| r.visible)
        .collect();
    if rows.is_empty() {
        return;
    }
    let per_row = ((w - 2.0 * PAD) / 150.0).floor().max(1.0) as usize;
    let cell_w = (w - 2.0 * PAD) / per_row.min(rows.len()) as f64;
    for (i, row) in rows.iter().enumerate() {
        let (col, line) = (i % per_row, i / per_row);
        let x = PAD + col as f64 * cell_w;
        let y = top + 14.0 + line as f64 * 58.0;
        if y + 40.0 > h {
            break;
        }
        doc.text(
            (x, y),
            Font::sans(10.0).color(MUTED),
            "legend",
            &fit(&row.label, cell_w - 8.0, 10.0, false),
        );
        doc.text(
            (x, y + 32.0),
            Font::sans(28.0).color("#16191f"),
            "value",
            "—",
        );
        doc.rect(
            x,
            y + 38.0,
            24.0,
            2.0,
            &format!(r#"fill="{}""#, super::svg::esc(&row.color)),
        );
    }
    doc.text(
        (w - PAD, h - 6.0),
        Font::sans(9.0).color(MUTED).anchor("end"),
        "placeholder",
        "placeholder: no values in a preview",
    );
}

/// `pie` / `table` views: the rows as a list.
fn legend_list(doc: &mut Doc, properties: &Value, (w, h): (f64, f64), top: f64) {
    let view = properties.get("view").and_then(Value::as_str).unwrap_or("");
    doc.text(
        (PAD, top + 10.0),
        Font::sans(10.0).color(MUTED),
        "placeholder",
        &format!("{view} view · placeholder: no values in a preview"),
    );
    for (i, row) in chart::rows(properties)
        .iter()
        .filter(|r| r.visible)
        .enumerate()
    {
        let y = top + 28.0 + 15.0 * i as f64;
        if y > h - 4.0 {
            break;
        }
        doc.rect(
            PAD,
            y - 8.0,
            8.0,
            8.0,
            &format!(r#"fill="{}""#, super::svg::esc(&row.color)),
        );
        doc.text(
            (PAD + 12.0, y),
            Font::sans(10.0),
            "legend",
            &fit(&row.label, w - 2.0 * PAD - 12.0, 10.0, false),
        );
    }
}

/// An alarm status widget: its alarms as tiles, state unknown.
fn alarms(doc: &mut Doc, properties: &Value, (w, h): (f64, f64), top: f64) {
    let list: Vec<&str> = properties
        .get("alarms")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let names: Vec<&str> = list
        .iter()
        .map(|arn| arn.split_once(":alarm:").map_or(*arn, |(_, name)| name))
        .collect();
    doc.text(
        (w - PAD, 20.0),
        Font::sans(10.0).color(MUTED).anchor("end"),
        "placeholder",
        &format!("{} alarms · states not shown", names.len()),
    );
    let tile_w = 250.0;
    let per_row = ((w - 2.0 * PAD) / tile_w).floor().max(1.0) as usize;
    let tile_w = (w - 2.0 * PAD) / per_row as f64;
    let lines = ((h - top - 6.0) / 18.0).floor().max(0.0) as usize;
    let shown = (lines * per_row).min(names.len());
    for (i, name) in names.iter().take(shown).enumerate() {
        let (col, line) = (i % per_row, i / per_row);
        let x = PAD + col as f64 * tile_w;
        let y = top + 8.0 + line as f64 * 18.0;
        doc.rect(x, y, 10.0, 10.0, r##"rx="2" fill="#aab7b8""##);
        let last = i + 1 == shown && shown < names.len();
        let text = if last {
            format!("+{} more", names.len() - shown + 1)
        } else {
            (*name).to_string()
        };
        doc.text(
            (x + 15.0, y + 9.0),
            Font::sans(10.0),
            "alarm",
            &fit(&text, tile_w - 22.0, 10.0, false),
        );
    }
}

/// A log widget: its query (one line per `|` stage) and its view.
fn log(doc: &mut Doc, properties: &Value, (w, h): (f64, f64), top: f64) {
    let query = properties
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or("");
    let view = properties
        .get("view")
        .and_then(Value::as_str)
        .unwrap_or("table");
    doc.text(
        (w - PAD, 20.0),
        Font::sans(10.0).color(MUTED).anchor("end"),
        "placeholder",
        &format!("{view} · results not shown"),
    );
    let font = Font::mono(10.0).color("#16191f");
    let mut y = top + 12.0;
    let stages: Vec<&str> = query.split(" | ").collect();
    let mut lines: Vec<String> = Vec::new();
    for (i, stage) in stages.iter().enumerate() {
        let prefix = if i == 0 { "" } else { "| " };
        lines.extend(wrap(
            &format!("{prefix}{}", stage.trim()),
            w - 2.0 * PAD,
            10.0,
            true,
        ));
    }
    doc.rect(
        PAD - 4.0,
        top,
        w - 2.0 * PAD + 8.0,
        (h - top - 6.0).min(14.0 * lines.len() as f64 + 8.0),
        r##"fill="#f2f3f3""##,
    );
    for line in lines {
        if y > h - 6.0 {
            break;
        }
        doc.text((PAD, y), font, "query", &line);
        y += 14.0;
    }
}

/// A text widget's Markdown.
fn text(doc: &mut Doc, markdown: &str, (w, h): (f64, f64)) {
    let inner = w - 2.0 * PAD;
    let mut y = 8.0;
    for block in blocks(markdown) {
        if y > h {
            break;
        }
        match block {
            Block::Heading(level, t) => {
                let size = match level {
                    1 => 20.0,
                    2 => 17.0,
                    3 => 15.0,
                    _ => 13.0,
                };
                y += size + 4.0;
                doc.text(
                    (PAD, y),
                    Font::sans(size).bold(),
                    "heading",
                    &fit(&t, inner, size, false),
                );
                y += 4.0;
            }
            Block::Row(cells, header) => {
                y += 16.0;
                let cols = cells.len().max(1) as f64;
                let cell_w = inner / cols;
                for (i, c) in cells.iter().enumerate() {
                    let font = if header {
                        Font::sans(11.0).bold()
                    } else {
                        Font::sans(11.0)
                    };
                    doc.text(
                        (PAD + i as f64 * cell_w, y),
                        font,
                        "cell",
                        &fit(c, cell_w - 6.0, 11.0, false),
                    );
                }
                doc.segment(
                    (PAD, y + 4.0),
                    (PAD + inner, y + 4.0),
                    r##"stroke="#eaeded""##,
                );
            }
            Block::Item(t) => {
                for (i, line) in wrap(&t, inner - 14.0, 12.0, false).iter().enumerate() {
                    y += 16.0;
                    if i == 0 {
                        doc.text((PAD + 2.0, y), Font::sans(12.0), "bullet", "•");
                    }
                    doc.text((PAD + 14.0, y), Font::sans(12.0), "text", line);
                }
            }
            Block::Code(t) => {
                y += 14.0;
                doc.text(
                    (PAD, y),
                    Font::mono(11.0),
                    "code",
                    &fit(&t, inner, 11.0, true),
                );
            }
            Block::Text(t) => {
                for line in wrap(&t, inner, 12.0, false) {
                    y += 16.0;
                    doc.text((PAD, y), Font::sans(12.0), "text", &line);
                }
            }
            Block::Blank => y += 6.0,
        }
    }
}
