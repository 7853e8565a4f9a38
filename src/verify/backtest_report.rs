//! Section 2 of the verify report, the backtest: its value and its text,
//! Markdown and JUnit renderings (JSON is the value). Decides nothing.

use super::backtest::{AlarmReplay, Cause, Disagreement};
use crate::notation::{format_duration, utc};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;
use std::io::{self, Write};

/// What the backtest did and found.
#[derive(Debug, Clone, Serialize)]
pub struct Backtest {
    /// The flap window, seconds.
    pub flap_window: i64,
    /// GetMetricData queries made for it.
    pub queries: usize,
    /// Their fewest calls.
    pub calls: u64,
    /// Their cost (USD, $0.01 per 1,000 metrics requested).
    pub dollars: f64,
    /// Every alarm, in name order.
    pub alarms: Vec<AlarmReplay>,
}

impl Backtest {
    /// (agreed, total) transitions over every alarm that exists live, and
    /// how many such alarms.
    pub fn agreement(&self) -> (usize, usize, usize) {
        self.alarms
            .iter()
            .filter_map(|a| a.agreement.as_ref())
            .fold((0, 0, 0), |(a, t, n), g| (a + g.agreed, t + g.total, n + 1))
    }

    /// Disagreements the engine is to blame for (same datapoints).
    pub fn engine_disagreements(&self) -> usize {
        self.alarms
            .iter()
            .filter_map(|a| a.agreement.as_ref())
            .flat_map(|g| &g.disagreements)
            .filter(|d| d.cause == Cause::Engine)
            .count()
    }
}

/// The cost line, printed before the backtest's queries run.
pub fn estimate_line(queries: usize, calls: u64) -> String {
    format!(
        "Backtest GetMetricData: {queries} metrics in {calls} call{}, about ${:.4}",
        if calls == 1 { "" } else { "s" },
        dollars(queries)
    )
}

/// $0.01 per 1,000 metrics requested (CloudWatch pricing, GetMetricData).
pub fn dollars(queries: usize) -> f64 {
    queries as f64 * 0.01 / 1000.0
}

fn counts_text(a: &AlarmReplay) -> String {
    let mut s = format!(
        "{} time{} to ALARM, {} in ALARM, {} flap{}",
        a.alarms,
        if a.alarms == 1 { "" } else { "s" },
        format_duration(a.alarm_seconds),
        a.flaps,
        if a.flaps == 1 { "" } else { "s" }
    );
    if !a.notifications.is_empty() {
        let n: Vec<String> = a
            .notifications
            .iter()
            .map(|(topic, n)| format!("{topic} {n}"))
            .collect();
        s.push_str(&format!("; notifications: {}", n.join(", ")));
    }
    s
}

fn value(v: Option<f64>) -> String {
    v.map_or_else(|| "missing".into(), super::check::format_number)
}

fn cause_text(c: Cause) -> &'static str {
    match c {
        Cause::LateData => "late data",
        Cause::Engine => "engine",
        Cause::NoAwsTransition => "no AWS transition",
    }
}

/// One disagreement in words, both sides.
pub fn disagreement_text(d: &Disagreement) -> String {
    let points: Vec<String> = d
        .datapoints
        .iter()
        .map(|(t, aws, now)| match d.cause {
            Cause::NoAwsTransition => format!("{} now {}", utc(*t), value(*now)),
            Cause::LateData | Cause::Engine => {
                format!("{} AWS {} / now {}", utc(*t), value(*aws), value(*now))
            }
        })
        .collect();
    format!(
        "{} at {}: AWS {}; engine {}{}",
        cause_text(d.cause),
        utc(d.time),
        d.aws,
        d.engine,
        if points.is_empty() {
            String::new()
        } else {
            format!("; datapoints {}", points.join(", "))
        }
    )
}

fn heading(b: &Backtest) -> String {
    let replayed = b.alarms.iter().filter(|a| a.skipped.is_none()).count();
    format!(
        "2. Backtest: what the alarms would have done ({replayed} replayed, {} not; flap window {})",
        b.alarms.len() - replayed,
        format_duration(b.flap_window)
    )
}

fn agreement_line(b: &Backtest) -> String {
    let (agreed, total, live) = b.agreement();
    format!(
        "History: the engine agrees with AWS on {agreed} of {total} transition{} ({live} alarm{} live)",
        if total == 1 { "" } else { "s" },
        if live == 1 { "" } else { "s" }
    )
}

/// Text.
pub fn text(w: &mut dyn Write, b: &Backtest) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "{}", heading(b))?;
    writeln!(w)?;
    for a in &b.alarms {
        match &a.skipped {
            Some(why) => writeln!(w, "  {:<9} {}: not replayed: {why}", a.kind, a.alarm)?,
            None => writeln!(w, "  {:<9} {}: {}", a.kind, a.alarm, counts_text(a))?,
        }
        for note in &a.approximations {
            writeln!(w, "            {note}")?;
        }
        if let Some(g) = &a.agreement {
            for d in &g.disagreements {
                writeln!(w, "            {}", disagreement_text(d))?;
            }
        }
    }
    writeln!(w)?;
    writeln!(w, "{}", agreement_line(b))?;
    Ok(())
}

/// Markdown.
pub fn markdown(w: &mut dyn Write, b: &Backtest) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "### {}", heading(b))?;
    writeln!(w)?;
    writeln!(
        w,
        "| Alarm | Kind | To ALARM | In ALARM | Flaps | Notifications | Notes |"
    )?;
    writeln!(w, "|---|---|---|---|---|---|---|")?;
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for a in &b.alarms {
        let mut notes: Vec<String> = a.approximations.clone();
        if let Some(why) = &a.skipped {
            notes.insert(0, format!("not replayed: {why}"));
        }
        if let Some(g) = &a.agreement {
            notes.extend(g.disagreements.iter().map(disagreement_text));
        }
        let n: Vec<String> = a
            .notifications
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        writeln!(
            w,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            a.alarm,
            a.kind,
            a.alarms,
            format_duration(a.alarm_seconds),
            a.flaps,
            cell(&n.join(", ")),
            cell(&notes.join("<br>"))
        )?;
    }
    writeln!(w)?;
    writeln!(w, "{}.", agreement_line(b))?;
    Ok(())
}

/// JUnit: one case per alarm; an engine disagreement fails it.
pub fn junit_suite(catalogue: &str, env: &str, b: &Backtest) -> TestSuite {
    let name = format!("{catalogue}.{env}.alarms");
    let mut suite = TestSuite::new(name.clone());
    for a in &b.alarms {
        let engine: Vec<String> = a
            .agreement
            .iter()
            .flat_map(|g| &g.disagreements)
            .filter(|d| d.cause == Cause::Engine)
            .map(disagreement_text)
            .collect();
        let status = if engine.is_empty() {
            let mut s = TestCaseStatus::success();
            if let Some(why) = &a.skipped {
                s.set_message(format!("not replayed: {why}"));
            }
            s
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message("the engine disagrees with AWS on the same datapoints");
            s.set_type("engine");
            s.set_description(engine.join("\n"));
            s
        };
        let mut case = TestCase::new(a.alarm.clone(), status);
        case.set_classname(name.clone());
        if a.skipped.is_none() {
            case.set_system_out(counts_text(a));
        }
        suite.add_test_case(case);
    }
    suite
}
