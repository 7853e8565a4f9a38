//! A small SVG writer: one element per line (so a change to one widget is a
//! change to its own lines), numbers rounded to a tenth and written the
//! same way every time, text escaped and fitted to a width by an estimate
//! of its advance (no fonts are read: the output must not depend on the
//! machine).

use std::fmt::Write;

/// Font families: sans serif for labels, monospace for queries.
pub const SANS: &str = "Helvetica, Arial, sans-serif";
/// Monospace font family.
pub const MONO: &str = "Menlo, Consolas, monospace";

/// An SVG document being written.
#[derive(Debug, Default)]
pub struct Doc {
    out: String,
}

/// A number as SVG text: rounded to a tenth, without a trailing `.0`.
pub fn n(v: f64) -> String {
    let tenths = (v * 10.0).round();
    if !tenths.is_finite() {
        return "0".to_string();
    }
    // Rounded to tenths: `-0` is written as `0`.
    let t = tenths as i64;
    if t % 10 == 0 {
        format!("{}", t / 10)
    } else {
        format!(
            "{}{}.{}",
            if t < 0 { "-" } else { "" },
            (t / 10).abs(),
            (t % 10).abs()
        )
    }
}

/// Escapes text for an SVG text node or attribute value.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Estimated advance of one character at `size`: generous, so that text
/// fits with the wider fallback fonts too (DejaVu Sans where Helvetica is
/// missing); monospace is 0.62 of the size.
fn advance(c: char, size: f64, mono: bool) -> f64 {
    if mono {
        return size * 0.62;
    }
    let em = match c {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.3,
        'f' | 't' | 'r' | ' ' | '(' | ')' | '[' | ']' | '-' => 0.38,
        'm' | 'w' | 'M' | 'W' | '%' | '@' => 0.85,
        c if c.is_ascii_uppercase() => 0.68,
        c if c.is_ascii_digit() => 0.56,
        _ => 0.55,
    };
    size * em * 1.12
}

/// The estimated width of `s` at `size`.
pub fn width(s: &str, size: f64, mono: bool) -> f64 {
    s.chars().map(|c| advance(c, size, mono)).sum()
}

/// `s` cut to fit `max` pixels at `size`, with `…` where it was cut.
pub fn fit(s: &str, max: f64, size: f64, mono: bool) -> String {
    if width(s, size, mono) <= max {
        return s.to_string();
    }
    let ellipsis = advance('…', size, mono);
    let mut used = 0.0;
    let mut out = String::new();
    for c in s.chars() {
        let a = advance(c, size, mono);
        if used + a + ellipsis > max {
            break;
        }
        used += a;
        out.push(c);
    }
    out.push('…');
    out
}

/// Splits `s` into lines of at most `max` pixels at `size`, at spaces where
/// it can (a word longer than a line is cut).
pub fn wrap(s: &str, max: f64, size: f64, mono: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate, size, mono) <= max || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        }
        while width(&line, size, mono) > max && line.chars().count() > 1 {
            let mut head = String::new();
            let mut used = 0.0;
            for c in line.chars() {
                let a = advance(c, size, mono);
                if used + a > max && !head.is_empty() {
                    break;
                }
                used += a;
                head.push(c);
            }
            let rest: String = line.chars().skip(head.chars().count()).collect();
            lines.push(head);
            line = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Text style: size, weight, colour, family, anchor.
#[derive(Debug, Clone, Copy)]
pub struct Font {
    /// Size in pixels.
    pub size: f64,
    /// Bold.
    pub bold: bool,
    /// Fill colour.
    pub color: &'static str,
    /// Monospace.
    pub mono: bool,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
}

impl Font {
    /// Sans serif, regular, dark grey, anchored at its start.
    pub const fn sans(size: f64) -> Font {
        Font {
            size,
            bold: false,
            color: "#16191f",
            mono: false,
            anchor: "start",
        }
    }

    /// Monospace, regular.
    pub const fn mono(size: f64) -> Font {
        Font {
            mono: true,
            ..Font::sans(size)
        }
    }

    /// Bold.
    pub const fn bold(self) -> Font {
        Font { bold: true, ..self }
    }

    /// In `color`.
    pub const fn color(self, color: &'static str) -> Font {
        Font { color, ..self }
    }

    /// Anchored at `anchor` (`middle`, `end`).
    pub const fn anchor(self, anchor: &'static str) -> Font {
        Font { anchor, ..self }
    }
}

impl Doc {
    /// A document `width` × `height` pixels.
    pub fn new(width: f64, height: f64) -> Doc {
        let mut doc = Doc::default();
        doc.line(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#,
            w = n(width),
            h = n(height)
        ));
        doc
    }

    /// One raw line of SVG.
    pub fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// A comment (`--` is not allowed inside one).
    pub fn comment(&mut self, s: &str) {
        let s = esc(s).replace("--", "- -");
        self.line(&format!("<!-- {s} -->"));
    }

    /// A rectangle with extra attributes.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: &str) {
        self.line(&format!(
            r#"<rect x="{}" y="{}" width="{}" height="{}" {attrs}/>"#,
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0))
        ));
    }

    /// A straight line with extra attributes.
    pub fn segment(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), attrs: &str) {
        self.line(&format!(
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {attrs}/>"#,
            n(x1),
            n(y1),
            n(x2),
            n(y2)
        ));
    }

    /// A polyline through `points`.
    pub fn polyline(&mut self, points: &[(f64, f64)], attrs: &str) {
        let mut pts = String::new();
        for (i, (x, y)) in points.iter().enumerate() {
            if i > 0 {
                pts.push(' ');
            }
            let _ = write!(pts, "{},{}", n(*x), n(*y));
        }
        self.line(&format!(
            r#"<polyline points="{pts}" fill="none" {attrs}/>"#
        ));
    }

    /// A circle.
    pub fn circle(&mut self, (cx, cy): (f64, f64), r: f64, attrs: &str) {
        self.line(&format!(
            r#"<circle cx="{}" cy="{}" r="{}" {attrs}/>"#,
            n(cx),
            n(cy),
            n(r)
        ));
    }

    /// Text at (x, y) (its baseline), with a `class` naming what it is.
    pub fn text(&mut self, (x, y): (f64, f64), font: Font, class: &str, s: &str) {
        self.line(&format!(
            r#"<text class="{class}" x="{}" y="{}" font-family="{}" font-size="{}"{}{} fill="{}">{}</text>"#,
            n(x),
            n(y),
            if font.mono { MONO } else { SANS },
            n(font.size),
            if font.bold { r#" font-weight="bold""# } else { "" },
            if font.anchor == "start" {
                String::new()
            } else {
                format!(r#" text-anchor="{}""#, font.anchor)
            },
            font.color,
            esc(s)
        ));
    }

    /// Opens a nested viewport at (x, y) of `w` × `h` that clips what is
    /// drawn in it; closed by [`Doc::close_viewport`].
    pub fn open_viewport(&mut self, (x, y): (f64, f64), (w, h): (f64, f64), attrs: &str) {
        self.line(&format!(
            r#"<svg x="{}" y="{}" width="{}" height="{}" overflow="hidden" {attrs}>"#,
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0))
        ));
    }

    /// Closes a viewport.
    pub fn close_viewport(&mut self) {
        self.line("</svg>");
    }

    /// The finished document.
    pub fn finish(mut self) -> String {
        self.line("</svg>");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_one_way() {
        assert_eq!(n(3.0), "3");
        assert_eq!(n(3.04), "3");
        assert_eq!(n(3.06), "3.1");
        assert_eq!(n(-0.04), "0");
        assert_eq!(n(-2.5), "-2.5");
        assert_eq!(n(-0.5), "-0.5");
        assert_eq!(n(f64::NAN), "0");
    }

    #[test]
    fn text_is_escaped_and_fitted() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        let long = "a".repeat(100);
        let cut = fit(&long, 50.0, 10.0, false);
        assert!(cut.ends_with('…'));
        assert!(width(&cut, 10.0, false) <= 50.0);
        assert_eq!(fit("ok", 50.0, 10.0, false), "ok");
    }

    #[test]
    fn wrapping_keeps_every_word() {
        let lines = wrap("one two three four five six", 60.0, 10.0, false);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), "one two three four five six");
        let cut = wrap(&"x".repeat(40), 60.0, 10.0, true);
        assert_eq!(cut.concat(), "x".repeat(40));
    }
}
