//! Dashboard previews (`snapshots/<cat>/<env>/previews/*.svg`): every
//! shipped dashboard has one, rasterised (resvg) each widget sits on its
//! grid cell with its title, placement of widgets without a position
//! follows CloudWatch's defaults, an edit of one widget changes only its
//! lines, and `render --no-previews` / `--check` treat them as documented.
//! `OBSCTL_PREVIEW_PNG=DIR` writes the rasterised pictures there to look at.

use crate::support::{OBSCTL, RunExt, catalogue_copy, obsctl, root};
use obsctl::preview::{self, COLUMN, GAP, HEADER, ROW};
use resvg::{tiny_skia, usvg};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

const BACKGROUND: (u8, u8, u8) = (0xf2, 0xf3, 0xf3);
const WHITE: (u8, u8, u8) = (0xff, 0xff, 0xff);

/// Options with the machine's fonts (titles are only drawn with fonts).
fn options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_system_fonts();
        // The previews ask for Helvetica / Arial / sans-serif; fontdb maps
        // the generic families to fonts that may not be installed.
        let installed: std::collections::BTreeSet<String> = db
            .faces()
            .flat_map(|f| f.families.iter().map(|(n, _)| n.clone()))
            .collect();
        let first = |names: &[&str]| {
            names
                .iter()
                .find(|n| installed.contains(**n))
                .map(|n| n.to_string())
        };
        if let Some(sans) = first(&["Arial", "Helvetica", "DejaVu Sans", "Liberation Sans"]) {
            db.set_sans_serif_family(sans);
        }
        if let Some(mono) = first(&["DejaVu Sans Mono", "Liberation Mono"]) {
            db.set_monospace_family(mono);
        }
        usvg::Options {
            fontdb: Arc::new(db),
            ..usvg::Options::default()
        }
    })
}

pub fn rasterise(svg: &str) -> tiny_skia::Pixmap {
    let tree = usvg::Tree::from_str(svg, options()).expect("the preview is valid SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).expect("a size");
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
}

fn rgb(p: &tiny_skia::Pixmap, x: f64, y: f64) -> (u8, u8, u8) {
    let c = p
        .pixel(x as u32, y as u32)
        .unwrap_or_else(|| panic!("pixel {x},{y} outside the picture"))
        .demultiply();
    (c.red(), c.green(), c.blue())
}

fn dark(c: (u8, u8, u8)) -> bool {
    u16::from(c.0) + u16::from(c.1) + u16::from(c.2) < 300
}

/// The committed previews and bodies of a catalogue: (body, svg path).
fn shipped(cat: &str) -> Vec<(String, Value, PathBuf)> {
    let dir = root().join("snapshots").join(cat);
    let mut out = Vec::new();
    for env in ["staging", "production"] {
        let Ok(entries) = std::fs::read_dir(dir.join(env).join("dashboards")) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let body: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let svg = dir.join(env).join("previews").join(format!("{name}.svg"));
            out.push((name, body, svg));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub fn save_png(name: &str, pixmap: &tiny_skia::Pixmap) {
    if let Some(dir) = std::env::var_os("OBSCTL_PREVIEW_PNG") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        pixmap.save_png(dir.join(format!("{name}.png"))).unwrap();
    }
}

/// The text of the elements of class `class` inside widget `index`.
fn texts(svg: &str, index: usize, class: &str) -> Vec<String> {
    let doc = usvg::roxmltree::Document::parse(svg).unwrap();
    let widget = doc
        .descendants()
        .find(|n| n.attribute("data-index") == Some(index.to_string().as_str()))
        .unwrap_or_else(|| panic!("no widget {index}"));
    widget
        .descendants()
        .filter(|n| n.attribute("class") == Some(class))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}

/// Checks every widget of `body` against the picture: the grid corner of
/// its cell is background, just inside its frame is white, and its title
/// is drawn (dark pixels on the title line, with fonts).
fn check_widgets(name: &str, body: &Value, svg: &str) {
    let pixmap = rasterise(svg);
    save_png(name, &pixmap);
    let fonts = !options().fontdb.is_empty();
    let widgets = body["widgets"].as_array().unwrap();
    for (i, w) in widgets.iter().enumerate() {
        let g = |k: &str| w[k].as_f64().unwrap();
        let (x, y, width, height) = (g("x"), g("y"), g("width"), g("height"));
        let left = x * COLUMN;
        let top = HEADER + y * ROW;
        assert_eq!(
            rgb(&pixmap, left, top),
            BACKGROUND,
            "{name}: widget {i}: the grid corner at column {x}, row {y}"
        );
        let transparent = w["properties"]["background"] == "transparent";
        if !transparent {
            assert_eq!(
                rgb(&pixmap, left + GAP, top + GAP),
                WHITE,
                "{name}: widget {i} at column {x}, row {y}: inside its frame"
            );
            assert_eq!(
                rgb(
                    &pixmap,
                    left + width * COLUMN - GAP,
                    top + height * ROW - GAP
                ),
                WHITE,
                "{name}: widget {i}: its bottom right corner (width {width}, height {height})"
            );
        }
        // The cell's bottom right corner is background too (or another
        // widget's gap): the widget ends there.
        assert_eq!(
            rgb(
                &pixmap,
                left + width * COLUMN - 1.0,
                top + height * ROW - 1.0
            ),
            BACKGROUND,
            "{name}: widget {i}: past its bottom right corner"
        );
        let title = w["properties"]["title"].as_str();
        if let Some(title) = title {
            let drawn = texts(svg, i, "title");
            assert_eq!(drawn.len(), 1, "{name}: widget {i}: one title");
            let shown = drawn[0].trim_end_matches('…');
            assert!(
                title.starts_with(shown) && !shown.is_empty(),
                "{name}: widget {i}: title {:?} shown as {:?}",
                title,
                drawn[0]
            );
            if fonts {
                let ink = (0..60).any(|dx| {
                    (8..20).any(|dy| {
                        dark(rgb(
                            &pixmap,
                            left + 12.0 + f64::from(dx),
                            top + f64::from(dy),
                        ))
                    })
                });
                assert!(
                    ink,
                    "{name}: widget {i}: its title {title:?} is drawn at its top left"
                );
            }
        }
    }
}

#[test]
fn every_shipped_dashboard_has_its_preview_with_each_widget_on_its_cell() {
    for cat in ["bookstore", "cat-house"] {
        let dashboards = shipped(cat);
        assert!(!dashboards.is_empty(), "{cat} has dashboards");
        for (name, body, svg_path) in dashboards {
            let svg = std::fs::read_to_string(&svg_path)
                .unwrap_or_else(|e| panic!("{}: {e} (run `obsctl render`)", svg_path.display()));
            // The committed preview is what the body gives, after the
            // line with its fingerprint (render --check checks the same).
            let line = preview::fingerprint_line(&name, &body.to_string());
            let svg = svg
                .strip_prefix(&line)
                .unwrap_or_else(|| panic!("{name}: no fingerprint line {line}"))
                .to_string();
            assert_eq!(svg, preview::dashboard(&name, &body), "{name}");
            check_widgets(&name, &body, &svg);
        }
    }
}

#[test]
fn widgets_without_a_position_are_placed_as_cloudwatch_documents() {
    // Width and height default to 6, positions to the next free place.
    let body = json!({"widgets": [
        {"type": "text", "x": 0, "y": 0, "width": 24, "height": 2, "properties": {"markdown": "# Top"}},
        {"type": "metric", "properties": {"title": "first", "metrics": [["A", "m"]]}},
        {"type": "metric", "width": 12, "properties": {"title": "second", "metrics": [["A", "m"]]}},
        {"type": "metric", "width": 12, "height": 3, "properties": {"title": "third", "metrics": [["A", "m"]]}},
    ]});
    let svg = preview::dashboard("placed", &body);
    let mut placed = body.clone();
    for (i, (x, y, w, h)) in [(0, 0, 24, 2), (0, 2, 6, 6), (6, 2, 12, 6), (0, 8, 12, 3)]
        .into_iter()
        .enumerate()
    {
        let widget = &mut placed["widgets"][i];
        widget["x"] = json!(x);
        widget["y"] = json!(y);
        widget["width"] = json!(w);
        widget["height"] = json!(h);
    }
    check_widgets("placed", &placed, &svg);
    // Nothing at column 18, row 2: the second row has room left.
    let pixmap = rasterise(&svg);
    assert_eq!(rgb(&pixmap, 20.0 * COLUMN, HEADER + 4.0 * ROW), BACKGROUND);
}

#[test]
fn a_one_widget_edit_changes_only_that_widgets_lines() {
    let (name, body, _) = shipped("cat-house")
        .into_iter()
        .find(|(n, _, _)| n == "cat-house-production-api-performance")
        .unwrap();
    let before = preview::dashboard(&name, &body);
    let mut edited = body.clone();
    edited["widgets"][2]["properties"]["title"] = json!("auth-service requests");
    edited["widgets"][2]["properties"]["metrics"][0]
        .as_array_mut()
        .unwrap()
        .push(json!({"color": "#000000"}));
    let after = preview::dashboard(&name, &edited);
    let (a, b): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(a.len(), b.len());
    let changed: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    assert!(!changed.is_empty() && changed.len() <= 4, "{changed:?}");
    // All inside widget 2's viewport.
    let start = a
        .iter()
        .position(|l| l.contains(r#"data-index="2""#))
        .unwrap();
    let end = a
        .iter()
        .position(|l| l.contains(r#"data-index="3""#))
        .unwrap();
    assert!(
        changed.iter().all(|&i| i > start && i < end),
        "{changed:?} outside {start}..{end}"
    );
    // The same input, the same bytes.
    assert_eq!(before, preview::dashboard(&name, &body));
}

#[test]
fn render_writes_previews_and_no_previews_leaves_them_alone() {
    let cat = catalogue_copy("cat-house");
    let out = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "-d".to_string(),
            cat.path()
                .join("definitions/cat-house")
                .display()
                .to_string(),
            "render".into(),
            "--out".into(),
            out.path().display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        obsctl(&args).run()
    };
    let preview: &Path = &out
        .path()
        .join("staging/previews/cat-house-staging-business.svg");
    let r = run(&["--no-previews"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!preview.exists());
    let r = run(&["--check"]);
    assert_eq!(r.code, 1, "missing previews are stale: {}", r.stdout);
    assert!(
        r.stderr.contains("previews/cat-house-staging-business.svg"),
        "{}",
        r.stderr
    );
    assert_eq!(run(&["--check", "--no-previews"]).code, 0);
    assert_eq!(run(&[]).code, 0);
    let written = std::fs::read_to_string(preview).unwrap();
    let (first, svg) = written.split_once('\n').unwrap();
    assert!(
        first.starts_with("<!-- obsctl preview ") && first.ends_with(" -->"),
        "{first}"
    );
    assert!(svg.starts_with("<svg"));
    assert_eq!(run(&["--check"]).code, 0);
    // A preview with its fingerprint line is not drawn again by render;
    // `--check` still compares every byte, and a file whose first line
    // differs is drawn again.
    std::fs::write(preview, format!("{first}\n<svg>edited</svg>\n")).unwrap();
    assert_eq!(run(&[]).code, 0);
    assert!(std::fs::read_to_string(preview).unwrap().contains("edited"));
    assert_eq!(run(&["--check"]).code, 1);
    std::fs::write(
        preview,
        "<!-- obsctl preview 0000000000000000 -->\n<svg/>\n",
    )
    .unwrap();
    assert_eq!(run(&[]).code, 0);
    assert_eq!(std::fs::read_to_string(preview).unwrap(), written);
    assert_eq!(run(&["--check"]).code, 0);
    // --no-previews neither compares nor removes them.
    std::fs::write(preview, "stale").unwrap();
    assert_eq!(run(&["--check", "--no-previews"]).code, 0);
    assert_eq!(run(&["--no-previews"]).code, 0);
    assert_eq!(std::fs::read_to_string(preview).unwrap(), "stale");
    let r = run(&["--check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("cat-house-staging-business.svg"),
        "{}",
        r.stderr
    );
    let _ = OBSCTL;
}
