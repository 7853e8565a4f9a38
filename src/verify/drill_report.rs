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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::data::AlarmState;
    use crate::verify::drill::{Candidate, NotDrilled, Route, TopicResult};
    use crate::verify::targets::Location;

    fn drill() -> Drill {
        let route = |sev: &str| Route {
            severities: vec![sev.into()],
            services: vec!["cart".into()],
            alarm_topics: vec![format!("arn:aws:sns:us-east-1:1:shop-{sev}")],
            ok_topics: vec![],
            candidates: vec![],
        };
        let candidate = Candidate {
            alarm: "shop-prod-cart-errors".into(),
            composite: false,
            entry: "errors".into(),
            service: Some("cart".into()),
            at: Location {
                file: "alarms.yaml".into(),
                line: 4,
                column: 3,
            },
        };
        Drill {
            run: "r1".into(),
            timeout_s: 60,
            routes: vec![
                RouteResult {
                    route: route("critical"),
                    drilled: Ok(candidate),
                    before: Some(AlarmState::Ok),
                    topics: vec![TopicResult {
                        topic: "arn:aws:sns:us-east-1:1:shop-critical".into(),
                        alarm: Some(Delivery::Delivered { latency_ms: 1250 }),
                        ok: None,
                        confirmed: 0,
                        pending: vec!["email …@example.com#0001".into()],
                    }],
                    restored: Some("set to OK".into()),
                },
                RouteResult {
                    route: route("warning"),
                    drilled: Err(NotDrilled::AllInAlarm),
                    before: None,
                    topics: vec![],
                    restored: None,
                },
            ],
            leftovers_removed: vec![],
            cleanup_failures: vec![],
            interrupted: false,
        }
    }

    #[test]
    fn every_format_names_each_route_and_what_happened() {
        let d = drill();
        let mut text = Vec::new();
        super::text(&mut text, &d).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("(run r1; 0 delivered, 1 warning, 1 problem)"),
            "{text}"
        );
        assert!(text.contains("  FAIL critical → shop-critical"), "{text}");
        assert!(text.contains("ALARM arrived after 1.2 s; no confirmed subscription: nobody receives it; pending confirmation (receives nothing): email …@example.com#0001"), "{text}");
        assert!(text.contains("  warn warning → shop-warning"), "{text}");
        let mut md = Vec::new();
        markdown(&mut md, &d).unwrap();
        let md = String::from_utf8(md).unwrap();
        assert!(md.contains("| ❌ | critical → shop-critical |"), "{md}");
        assert!(
            md.contains("| ⚠️ | warning → shop-warning | not drilled:"),
            "{md}"
        );
        let suite = junit_suite("shop", "prod", &d, false);
        let mut report = quick_junit::Report::new("drill");
        report.add_test_suite(suite);
        let xml = report.to_string().unwrap();
        assert!(xml.contains("name=\"critical → shop-critical\""), "{xml}");
        assert_eq!(xml.matches("<failure").count(), 1, "{xml}");
        // --strict: the warning fails too.
        let mut strict = quick_junit::Report::new("drill");
        strict.add_test_suite(junit_suite("shop", "prod", &d, true));
        assert_eq!(strict.to_string().unwrap().matches("<failure").count(), 2);
    }
}
