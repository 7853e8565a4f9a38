//! Rendering results for people: the render summary (counts per kind and the
//! estimated cost with its basis), plans ([`plan`]) and apply progress
//! ([`progress`]). Writes to an injected writer so tests can capture it.

pub mod coverage;
pub mod junit;
pub mod plan;
pub mod plot;
pub mod progress;
pub mod reason;
pub mod test_report;

use crate::compile::DesiredState;
use crate::cost::{self, Cost};
use crate::resource::Kind;
use crate::snapshot::WriteStats;
use std::io::{self, Write};
use std::path::Path;

/// Writes the warnings of every environment, each once: doubtful but valid
/// references (a percentile of a counter, a search obsctl cannot check).
/// They never fail a command.
pub fn warnings(w: &mut dyn Write, states: &[DesiredState]) -> io::Result<()> {
    let mut all: Vec<&crate::diagnostic::Problem> =
        states.iter().flat_map(|s| &s.warnings).collect();
    all.sort();
    all.dedup();
    for p in all {
        writeln!(
            w,
            "{}:{}:{}: warning: {}",
            p.file.display(),
            p.line,
            p.column,
            p.message
        )?;
        if let Some(help) = &p.help {
            writeln!(w, "  help: {help}")?;
        }
    }
    Ok(())
}

/// Writes the per-environment counts and the cost estimate.
pub fn summary(w: &mut dyn Write, states: &[DesiredState]) -> io::Result<()> {
    for s in states {
        let counts: Vec<String> = Kind::ALL
            .iter()
            .map(|k| format!("{} {}", s.count(*k), k.plural().replace('-', " ")))
            .collect();
        writeln!(w, "{}/{}: {}", s.catalogue, s.env, counts.join(", "))?;
    }
    let c = Cost::of(states);
    writeln!(
        w,
        "estimated cost: ${:.2}/month (us-east-1 list prices)",
        c.monthly()
    )?;
    writeln!(
        w,
        "  {} standard alarm metrics × ${:.2} (math alarms count each metric, anomaly alarms 3)",
        c.standard_metrics,
        cost::STANDARD_ALARM_METRIC
    )?;
    if c.high_res_metrics > 0 {
        writeln!(
            w,
            "  {} high-resolution alarm metrics × ${:.2}",
            c.high_res_metrics,
            cost::HIGH_RES_ALARM_METRIC
        )?;
    }
    writeln!(
        w,
        "  {} composite alarms × ${:.2}",
        c.composites,
        cost::COMPOSITE_ALARM
    )?;
    writeln!(
        w,
        "  {} dashboards, {} free, then × ${:.2}",
        c.dashboards,
        cost::FREE_DASHBOARDS,
        cost::DASHBOARD
    )?;
    if c.log_alarms > 0 {
        writeln!(
            w,
            "  {} log alarms: not estimated (each scheduled query run is billed for the log data it scans)",
            c.log_alarms
        )?;
    }
    writeln!(
        w,
        "  not included: custom metrics from filters, Logs Insights scans, SNS deliveries, free tier"
    )
}

/// Writes what `render` did to the files.
pub fn written(w: &mut dyn Write, out: &Path, stats: WriteStats) -> io::Result<()> {
    writeln!(
        w,
        "{}: {} written, {} unchanged, {} removed",
        out.display(),
        stats.written,
        stats.unchanged,
        stats.removed
    )
}
