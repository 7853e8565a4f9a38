//! The drill's part of the verify report: per route, the alarm drilled,
//! per topic whether the ALARM and OK notifications arrived (with their
//! latency), subscriptions pending confirmation, and how the alarm was left.

use super::check::Level;
use super::drill::{Delivery, Drill, RouteResult, topic_name};
use quick_junit::{TestCase, TestSuite};
use std::io::{self, Write};

fn delivery(d: &Delivery) -> String {
    match d {
        Delivery::Delivered { latency_ms } => {
            format!("arrived after {:.1} s", *latency_ms as f64 / 1000.0)
        }
        Delivery::Missing { waited_s } => format!("nothing arrived in {waited_s} s"),
        Delivery::NotSubscribed { error } => format!("could not subscribe a queue: {error}"),
    }
}

/// The lines under a route: the alarm, each topic, how it was left.
fn details(r: &RouteResult) -> Vec<String> {
    let mut out = Vec::new();
    match &r.drilled {
        Ok(c) => out.push(format!(
            "drilled with {} ({}{}; {}), {} before",
            c.alarm,
            c.entry,
            c.service
                .as_ref()
                .map(|s| format!(" on {s}"))
                .unwrap_or_default(),
            c.at.display(),
            r.before.map_or("unknown", |s| s.as_str())
        )),
        Err(why) => out.push(why.describe()),
    }
    for t in &r.topics {
        let mut parts = Vec::new();
        if let Some(d) = &t.alarm {
            parts.push(format!("ALARM {}", delivery(d)));
        }
        if let Some(d) = &t.ok {
            parts.push(format!("OK {}", delivery(d)));
        }
        parts.push(match t.confirmed {
            0 => "no confirmed subscription: nobody receives it".to_string(),
            1 => "1 confirmed subscription".to_string(),
            n => format!("{n} confirmed subscriptions"),
        });
        if !t.pending.is_empty() {
            parts.push(format!(
                "pending confirmation (receives nothing): {}",
                t.pending.join(", ")
            ));
        }
        out.push(format!(
            "topic {}: {}",
            topic_name(&t.topic),
            parts.join("; ")
        ));
    }
    if let Some(s) = &r.restored {
        out.push(format!("alarm {s}"));
    }
    out
}

/// Text.
pub fn text(w: &mut dyn Write, d: &Drill) -> io::Result<()> {
    writeln!(w)?;
    writeln!(
        w,
        "3. Drill: a notification really arrives (run {}; {} delivered, {} warning{}, {} problem{})",
        d.run,
        d.count(Level::Ok),
        d.count(Level::Warning),
        if d.count(Level::Warning) == 1 {
            ""
        } else {
            "s"
        },
        d.count(Level::Problem),
        if d.count(Level::Problem) == 1 {
            ""
        } else {
            "s"
        },
    )?;
    if !d.leftovers_removed.is_empty() {
        writeln!(
            w,
            "  removed first, left by a killed drill: {}",
            d.leftovers_removed.join(", ")
        )?;
    }
    writeln!(w)?;
    for r in &d.routes {
        writeln!(w, "  {} {}", r.level().mark(), r.route.label())?;
        for line in details(r) {
            writeln!(w, "         {line}")?;
        }
    }
    if d.interrupted {
        writeln!(
            w,
            "  interrupted: the routes after the last one shown were not drilled"
        )?;
    }
    for f in &d.cleanup_failures {
        writeln!(w, "  ✗ not removed (the next drill retries): {f}")?;
    }
    Ok(())
}

/// Markdown.
pub fn markdown(w: &mut dyn Write, d: &Drill) -> io::Result<()> {
    writeln!(w)?;
    writeln!(
        w,
        "### 3. Drill: a notification really arrives (run {})",
        d.run
    )?;
    writeln!(w)?;
    writeln!(w, "| | Route | Result |")?;
    writeln!(w, "|---|---|---|")?;
    for r in &d.routes {
        writeln!(
            w,
            "| {} | {} | {} |",
            match r.level() {
                Level::Ok => "✅",
                Level::Warning => "⚠️",
                Level::Problem => "❌",
            },
            r.route.label().replace('|', "\\|"),
            details(r).join("<br>").replace('|', "\\|")
        )?;
    }
    if d.interrupted {
        writeln!(w)?;
        writeln!(
            w,
            "Interrupted: the routes after the last one shown were not drilled."
        )?;
    }
    for f in &d.cleanup_failures {
        writeln!(w)?;
        writeln!(w, "Not removed (the next drill retries): {f}")?;
    }
    Ok(())
}

/// JUnit: one case per route (a problem fails; a warning fails with
/// `strict`).
pub fn junit_suite(catalogue: &str, env: &str, d: &Drill, strict: bool) -> TestSuite {
    let class = format!("{catalogue}.{env}.routes");
    let mut suite = TestSuite::new(class.clone());
    for r in &d.routes {
        let lines = details(r);
        let level = r.level();
        let mut case = TestCase::new(
            r.route.label(),
            super::report::status(
                level,
                strict,
                lines.first().map(String::as_str).unwrap_or_default(),
                lines.join("\n"),
            ),
        );
        case.set_classname(class.clone());
        case.set_system_out(lines.join("\n"));
        suite.add_test_case(case);
    }
    suite
}
