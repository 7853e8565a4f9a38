//! An alarm plot as SVG (`obsctl test --plots`): the input samples, the
//! datapoints the alarm evaluates with their values, the threshold or
//! anomaly band, the M-of-N window, the state timeline, the notification
//! marks (sent, suppressed, muted) and the expectations, the failed ones
//! with expected and actual. Draws [`crate::testing::plot::AlarmPlot`];
//! decides nothing. Byte-stable (numbers rounded one way, no fonts read).

use crate::engine::alarm::State;
use crate::notation::format_duration;
use crate::preview::chart::PALETTE;
use crate::preview::svg::{Doc, Font, fit, n, wrap};
use crate::testing::plot::{AlarmPlot, Mark};

const WIDTH: f64 = 960.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = WIDTH - 24.0;
const PANEL: f64 = 220.0;
const MUTED: &str = "#687078";
const RED: &str = "#d13212";

/// A value as the plot writes it: integers as such, else at most three
/// decimals.
pub fn number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn state_color(s: State) -> &'static str {
    match s {
        State::Ok => "#1d8102",
        State::Alarm => RED,
        State::InsufficientData => "#aab7b8",
    }
}

/// The plot's SVG.
pub fn svg(plot: &AlarmPlot) -> String {
    // Text above the panels: name, case, rule, failures.
    let mut head: Vec<(String, Font, &str)> = vec![
        (plot.alarm.clone(), Font::sans(16.0).bold(), "alarm"),
        (plot.case.clone(), Font::sans(12.0).color(MUTED), "case"),
    ];
    let mut rule = plot.rule.clone();
    if let (Some((m, nn)), Some(p)) = (plot.m_of_n, plot.period) {
        rule.push_str(&format!(
            " · {m} of {nn} datapoints of {}",
            format_duration(i64::from(p))
        ));
    }
    for line in wrap(&rule, RIGHT - 16.0, 12.0, false) {
        head.push((line, Font::sans(12.0), "rule"));
    }
    if let Some(e) = &plot.error {
        head.push((
            format!("not simulated: {e}"),
            Font::sans(12.0).color(RED),
            "error",
        ));
    }
    for e in &plot.expectations {
        if let Some((subject, expected, actual)) = &e.failure {
            let text = format!("✗ {subject}: expected {expected}, got {actual}");
            for line in wrap(&text, RIGHT - 16.0, 12.0, false) {
                head.push((line, Font::sans(12.0).bold().color(RED), "failure"));
            }
        }
    }
    let top = 16.0 + 18.0 * head.len() as f64 + 10.0;
    let (panel_top, panel_bottom) = (top + 20.0, top + 20.0 + PANEL);
    let strip_top = panel_bottom + 30.0;
    let strip_bottom = strip_top + 22.0;
    let marks_y = strip_bottom + 18.0;
    let height = marks_y + 40.0;

    let mut doc = Doc::new(WIDTH, height);
    doc.rect(0.0, 0.0, WIDTH, height, r##"fill="#ffffff""##);
    for (i, (text, font, class)) in head.iter().enumerate() {
        doc.text((16.0, 24.0 + 18.0 * i as f64), *font, class, text);
    }

    // Time scale: the test's time 0 to its end (at least one period past
    // the last datapoint with data).
    let period = i64::from(plot.period.unwrap_or(60));
    let last_sample = plot
        .inputs
        .iter()
        .flat_map(|(_, s)| s.iter().map(|(t, _)| *t))
        .max()
        .unwrap_or(0);
    // One period past the end, so the last datapoint shows whole.
    let end = plot.horizon.max(last_sample).max(60) + period;
    let x_of = |t: i64| LEFT + (RIGHT - LEFT) * t as f64 / end as f64;

    // Value scale.
    let mut values: Vec<f64> = plot.datapoints.iter().flatten().copied().collect();
    values.extend(
        plot.inputs
            .iter()
            .flat_map(|(_, s)| s.iter().map(|(_, v)| *v)),
    );
    values.extend(plot.threshold);
    if let Some((lo, hi)) = &plot.band {
        values.extend(lo.iter().chain(hi.iter()).flatten());
    }
    values.retain(|v| v.is_finite());
    let max = values.iter().copied().fold(0.0, f64::max);
    let min = values.iter().copied().fold(0.0, f64::min);
    let (lo, hi) = if max > min {
        (min, min + nice(max - min))
    } else {
        (min, min + 1.0)
    };
    let y_of = |v: f64| panel_bottom - (panel_bottom - panel_top) * (v - lo) / (hi - lo);

    // Axes.
    let axis = Font::sans(10.0).color(MUTED);
    for i in 0..=4 {
        let v = lo + (hi - lo) * f64::from(i) / 4.0;
        let y = y_of(v);
        doc.segment((LEFT, y), (RIGHT, y), r##"stroke="#eaeded""##);
        doc.text(
            (LEFT - 6.0, y + 3.0),
            axis.anchor("end"),
            "axis",
            &number(v),
        );
    }
    let step = tick_step(end);
    let mut t = 0;
    while t <= end {
        doc.segment(
            (x_of(t), panel_bottom),
            (x_of(t), panel_bottom + 4.0),
            r##"stroke="#879596""##,
        );
        doc.text(
            (x_of(t), panel_bottom + 15.0),
            axis.anchor("middle"),
            "axis",
            &format_duration(t),
        );
        doc.text(
            (x_of(t), marks_y + 32.0),
            axis.anchor("middle"),
            "axis",
            &format_duration(t),
        );
        t += step;
    }
    doc.segment(
        (LEFT, panel_bottom),
        (RIGHT, panel_bottom),
        r##"stroke="#879596""##,
    );

    // The M-of-N window: the N periods evaluated at the first failed
    // expectation (else the first change to ALARM, else the end).
    if let Some((m, nn)) = plot.m_of_n {
        let at = plot
            .expectations
            .iter()
            .find(|e| e.failure.is_some())
            .map(|e| e.at)
            .or_else(|| {
                plot.timeline
                    .iter()
                    .find(|(_, s)| *s == State::Alarm)
                    .map(|(t, _)| *t)
            })
            .unwrap_or(plot.horizon);
        let w_end = at.div_euclid(period) * period;
        let w_start = (w_end - period * nn as i64).max(0);
        if w_end > w_start {
            doc.rect(
                x_of(w_start),
                panel_top,
                x_of(w_end) - x_of(w_start),
                PANEL,
                r##"class="window" fill="#f2c94c" fill-opacity="0.18""##,
            );
            doc.text(
                (x_of(w_start) + 3.0, panel_top - 6.0),
                Font::sans(10.0).color("#8d6605"),
                "window",
                &format!("{m} of {nn} evaluated at {}", format_duration(at)),
            );
        }
    }

    // Band, then inputs, datapoints and threshold.
    if let Some((lower, upper)) = &plot.band {
        for (k, (l, u)) in lower.iter().zip(upper.iter()).enumerate() {
            if let (Some(l), Some(u)) = (l, u) {
                let t = k as i64 * period;
                if t > end {
                    break;
                }
                doc.rect(
                    x_of(t),
                    y_of(*u),
                    x_of(t + period) - x_of(t),
                    y_of(*l) - y_of(*u),
                    r##"class="band" fill="#0073bb" fill-opacity="0.12""##,
                );
            }
        }
    }
    for (i, (label, samples)) in plot.inputs.iter().enumerate() {
        let color = PALETTE[(i + 1) % PALETTE.len()];
        for (t, v) in samples.iter().take(5000) {
            doc.circle(
                (x_of(*t), y_of(*v)),
                2.0,
                &format!(r#"class="sample" fill="{color}" fill-opacity="0.6""#),
            );
        }
        doc.rect(
            RIGHT - 300.0,
            panel_top + 4.0 + 14.0 * i as f64,
            8.0,
            8.0,
            &format!(r#"fill="{color}""#),
        );
        doc.text(
            (RIGHT - 288.0, panel_top + 12.0 + 14.0 * i as f64),
            Font::sans(10.0),
            "input",
            &fit(&format!("{label} (samples)"), 286.0, 10.0, false),
        );
    }
    let labelled = plot.datapoints.iter().flatten().count() <= 60;
    let mut line: Vec<(f64, f64)> = Vec::new();
    let blue = PALETTE[0];
    for (k, d) in plot.datapoints.iter().enumerate() {
        let t = k as i64 * period;
        if t > end {
            break;
        }
        let Some(v) = d else {
            if line.len() > 1 {
                doc.polyline(
                    &line,
                    &format!(r#"class="datapoints" stroke="{blue}" stroke-width="2""#),
                );
            }
            line.clear();
            continue;
        };
        let (x1, x2, y) = (x_of(t), x_of(t + period), y_of(*v));
        line.push((x1, y));
        line.push((x2, y));
        if labelled {
            doc.text(
                ((x1 + x2) / 2.0, y - 5.0),
                Font::sans(9.0).color(blue).anchor("middle"),
                "value",
                &number(*v),
            );
        }
    }
    if line.len() > 1 {
        doc.polyline(
            &line,
            &format!(r#"class="datapoints" stroke="{blue}" stroke-width="2""#),
        );
    }
    doc.rect(
        LEFT,
        panel_top - 16.0,
        8.0,
        8.0,
        &format!(r#"fill="{blue}""#),
    );
    doc.text(
        (LEFT + 12.0, panel_top - 8.0),
        Font::sans(10.0),
        "legend",
        "datapoints (per period)",
    );
    if let Some(th) = plot.threshold {
        let y = y_of(th);
        doc.segment(
            (LEFT, y),
            (RIGHT, y),
            &format!(
                r#"class="threshold" stroke="{RED}" stroke-width="1.5" stroke-dasharray="6 3""#
            ),
        );
        doc.text(
            (LEFT + 4.0, y - 4.0),
            Font::sans(10.0).color(RED),
            "threshold",
            &format!("threshold {}", number(th)),
        );
    }

    // The state timeline.
    doc.text(
        (16.0, strip_top + 15.0),
        Font::sans(10.0).color(MUTED),
        "legend",
        "state",
    );
    let mut segments: Vec<(i64, State)> = vec![(0, State::InsufficientData)];
    for (t, s) in crate::testing::simulate::transitions(&plot.timeline) {
        segments.push((t, s));
    }
    for (i, (from, s)) in segments.iter().enumerate() {
        let to = segments.get(i + 1).map_or(end, |(t, _)| *t);
        if to <= *from {
            continue;
        }
        let (x1, x2) = (x_of(*from), x_of(to));
        doc.rect(
            x1,
            strip_top,
            x2 - x1,
            strip_bottom - strip_top,
            &format!(r#"class="state" fill="{}""#, state_color(*s)),
        );
        let label = fit(s.as_str(), x2 - x1 - 6.0, 10.0, false);
        if label != "…" {
            doc.text(
                (x1 + 3.0, strip_top + 15.0),
                Font::sans(10.0).color("#ffffff"),
                "state",
                &label,
            );
        }
    }

    // Notifications.
    doc.text(
        (16.0, marks_y + 4.0),
        Font::sans(10.0).color(MUTED),
        "legend",
        "notify",
    );
    for notice in &plot.notices {
        let x = x_of(notice.t);
        let (color, word) = match notice.mark {
            Mark::Sent => ("#0073bb", "sent"),
            Mark::Suppressed => ("#8d6605", "suppressed"),
            Mark::Muted => (MUTED, "muted"),
        };
        doc.line(&format!(
            r#"<path class="notice" d="M{} {} l5 -9 l5 9 z" fill="{color}"/>"#,
            n(x - 5.0),
            n(marks_y + 4.0)
        ));
        doc.text(
            (x + 7.0, marks_y + 4.0),
            Font::sans(10.0).color(color),
            "notice",
            &format!("{word} {}", notice.state),
        );
    }

    // Expectations: a line through both panels at each `at`.
    for e in &plot.expectations {
        let x = x_of(e.at);
        let color = if e.failure.is_some() { RED } else { "#1d8102" };
        doc.segment(
            (x, panel_top),
            (x, strip_bottom),
            &format!(
                r#"class="expectation" stroke="{color}" stroke-width="1.5" stroke-dasharray="3 3""#
            ),
        );
        let what = e
            .state
            .map_or("expectation".to_string(), |s| format!("expect {s}"));
        let mark = if e.failure.is_some() { "✗ " } else { "✓ " };
        // Near the right edge the label goes to the left of the line.
        let (lx, anchor) = if x > RIGHT - 160.0 {
            (x - 3.0, "end")
        } else {
            (x + 3.0, "start")
        };
        doc.text(
            (lx, strip_top - 6.0),
            Font::sans(10.0).bold().color(color).anchor(anchor),
            "expect",
            &format!("{mark}{what} at {}", format_duration(e.at)),
        );
    }
    doc.finish()
}

/// The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 × a power of ten
/// that holds `span` with room above (15 %): a scale whose quarters are
/// round numbers.
fn nice(span: f64) -> f64 {
    let want = span * 1.15;
    let power = 10f64.powf(want.log10().floor());
    [1.2, 1.6, 2.0, 2.4, 3.2, 4.0, 4.8, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|v| *v >= want)
        .unwrap_or(10.0 * power)
}

/// A step between time ticks giving at most about ten of them.
fn tick_step(end: i64) -> i64 {
    const STEPS: [i64; 12] = [
        60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| end / s <= 10)
        .unwrap_or_else(|| (end / 10).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(5.0), "5");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(1.23456), "1.235");
    }

    #[test]
    fn scales_are_round() {
        assert_eq!(nice(3.0), 4.0);
        assert_eq!(nice(100.0), 120.0);
        assert_eq!(nice(0.9), 1.2);
    }

    #[test]
    fn ticks_stay_few() {
        assert_eq!(tick_step(600), 60);
        assert_eq!(tick_step(3600), 600);
        assert!(86400 * 30 / tick_step(86400 * 30) <= 10);
    }
}
