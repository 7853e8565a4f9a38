//! Dashboard previews: a dashboard body (the JSON PutDashboard takes) as
//! an SVG picture of what CloudWatch shows — each widget where the
//! 24-column grid puts it ([`grid`]), drawn by its type ([`widget`]) with
//! placeholder series, never data, so a preview changes only when the
//! dashboard does. Pure: JSON in, text out; no fonts are read and every
//! number is rounded the same way, so the output is byte-stable and one
//! widget's edit changes that widget's lines only.

pub mod chart;
pub mod grid;
pub mod markdown;
pub mod svg;
pub mod widget;

use serde_json::Value;
use svg::{Doc, Font};

/// Width of one grid column in pixels (the grid is 24 columns: 1200 px).
pub const COLUMN: f64 = 50.0;
/// Height of one grid row in pixels.
pub const ROW: f64 = 40.0;
/// Space above the grid for the dashboard's name.
pub const HEADER: f64 = 44.0;
/// Gap between widgets.
pub const GAP: f64 = 4.0;
/// Padding inside a widget.
pub const PAD: f64 = 10.0;

/// The preview code itself, every file of this module: part of each
/// preview's [`fingerprint`], so a change to the drawing changes every
/// fingerprint and `render` draws again (a test checks the list is whole).
const SOURCES: [&str; 6] = [
    include_str!("mod.rs"),
    include_str!("grid.rs"),
    include_str!("widget.rs"),
    include_str!("chart.rs"),
    include_str!("markdown.rs"),
    include_str!("svg.rs"),
];

/// What a preview is drawn from — the drawing code, the dashboard's name
/// and body — as 16 hex digits. `render` writes it on the preview's first
/// line and does not draw a preview again whose file starts with the same
/// line (`render --check` still compares every byte).
pub fn fingerprint(name: &str, body: &str) -> String {
    static CODE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let code = *CODE.get_or_init(|| {
        let mut f = crate::resource::canonical::Fnv::default();
        for s in SOURCES {
            f.feed(s);
        }
        f.finish()
    });
    let mut f = crate::resource::canonical::Fnv::default();
    f.feed(&format!("{code:016x}"));
    f.feed(name);
    f.feed(body);
    format!("{:016x}", f.finish())
}

/// The first line of a preview file: its [`fingerprint`].
pub fn fingerprint_line(name: &str, body: &str) -> String {
    format!("<!-- obsctl preview {} -->\n", fingerprint(name, body))
}

/// Where a widget's cell is drawn: (x, y, width, height) in pixels.
pub fn cell_rect(cell: &grid::Cell) -> (f64, f64, f64, f64) {
    (
        cell.x as f64 * COLUMN + GAP / 2.0,
        HEADER + cell.y as f64 * ROW + GAP / 2.0,
        cell.width as f64 * COLUMN - GAP,
        cell.height as f64 * ROW - GAP,
    )
}

/// The preview of the dashboard `name` with body `body`.
pub fn dashboard(name: &str, body: &Value) -> String {
    let widgets: &[Value] = body
        .get("widgets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let cells = grid::place(widgets);
    let rows = cells.iter().map(grid::Cell::bottom).max().unwrap_or(0);
    let width = grid::COLUMNS as f64 * COLUMN;
    let height = HEADER + rows as f64 * ROW + GAP;
    let mut doc = Doc::new(width, height);
    doc.rect(
        0.0,
        0.0,
        width,
        height,
        r##"class="background" fill="#f2f3f3""##,
    );
    doc.text((GAP, 24.0), Font::sans(18.0).bold(), "dashboard", name);
    doc.text(
        (width - GAP, 24.0),
        Font::sans(11.0).color("#687078").anchor("end"),
        "placeholder",
        &format!(
            "obsctl preview · {} widgets · series are placeholders, not data",
            widgets.len()
        ),
    );
    for cell in &cells {
        let Some(w) = widgets.get(cell.index) else {
            continue;
        };
        let (x, y, cw, ch) = cell_rect(cell);
        let kind = w.get("type").and_then(Value::as_str).unwrap_or("unknown");
        doc.comment(&format!(
            "widget {}: {kind} at x {} y {} width {} height {}",
            cell.index, cell.x, cell.y, cell.width, cell.height
        ));
        doc.open_viewport(
            (x, y),
            (cw, ch),
            &format!(r#"class="widget" data-index="{}""#, cell.index),
        );
        widget::draw(&mut doc, w, (cw, ch));
        doc.close_viewport();
    }
    doc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_covers_every_preview_source_file() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/preview");
        let files = std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "rs"))
            })
            .count();
        assert_eq!(
            files,
            SOURCES.len(),
            "list every file of src/preview in SOURCES"
        );
        let body = r#"{"widgets":[]}"#;
        let a = fingerprint("d", body);
        assert_eq!(a, fingerprint("d", body));
        assert_ne!(a, fingerprint("e", body));
        assert_ne!(a, fingerprint("d", r#"{"widgets":[{}]}"#));
    }
}
