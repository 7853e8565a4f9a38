//! The verify report as a value, and its renderings: text, JSON, Markdown
//! and JUnit (one case per metric and per metric filter). Never decides
//! anything: the verdicts come from [`super::check::judge`].

use super::check::{Estimate, FilterFinding, Level, MetricFinding, Window, format_number};
use super::queries::{QueryEstimate, QueryFinding};
use super::targets::{Skipped, User};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Everything one `obsctl verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Report format version.
    pub version: u32,
    /// Catalogue.
    pub catalogue: String,
    /// Environment.
    pub env: String,
    /// The window, ms since the epoch.
    pub window: Window,
    /// Section 1: every metric alarms and widgets read.
    pub metrics: Vec<MetricFinding>,
    /// Section 1: every metric filter.
    pub filters: Vec<FilterFinding>,
    /// Metric rows not checked, and why.
    pub skipped: Vec<Skipped>,
    /// Section 1, with `--queries`: every saved query.
    pub queries: Vec<QueryFinding>,
    /// Logs Insights' cost, estimated before the queries ran.
    pub query_estimate: Option<QueryEstimate>,
    /// GetMetricData's cost, estimated before it ran.
    pub estimate: Estimate,
    /// Calls per API (IAM action).
    pub calls: BTreeMap<String, u64>,
    /// The fewest calls per API for these targets and answers.
    pub floor: BTreeMap<String, u64>,
    /// The least time the floor's calls take at the configured quotas
    /// (the phases run one after another, so their times add up).
    pub floor_seconds: f64,
    /// Seconds the AWS reads took.
    pub seconds: f64,
    /// Section 2, with `--backtest`: the alarms replayed over the window.
    pub backtest: Option<super::backtest_report::Backtest>,
    /// Section 3, with `--drill`: the notification routes drilled.
    pub drill: Option<super::drill::Drill>,
}

impl Report {
    /// Findings at `level`, the drill's routes included.
    pub fn count(&self, level: Level) -> usize {
        self.data_count(level) + self.drill.as_ref().map_or(0, |d| d.count(level))
    }

    /// Section 1's findings at `level`.
    pub fn data_count(&self, level: Level) -> usize {
        self.metrics.iter().filter(|m| m.level == level).count()
            + self.filters.iter().filter(|f| f.level == level).count()
            + self.queries.iter().filter(|q| q.level == level).count()
    }
}

fn window_text(w: &Window) -> String {
    let minutes = (w.end - w.start) / 60_000;
    let span = if minutes % 60 == 0 {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    };
    format!(
        "the last {span} ({} to {})",
        crate::notation::utc(w.start),
        crate::notation::utc(w.end)
    )
}

/// One line of the cost estimate (printed before the queries run too).
pub fn estimate_line(e: &Estimate) -> String {
    format!(
        "GetMetricData: {} metrics in {} call{}, about ${:.4} ($0.01 per 1,000 metrics requested)",
        e.metrics_requested,
        e.calls,
        if e.calls == 1 { "" } else { "s" },
        e.dollars
    )
}

fn counts(r: &Report) -> String {
    let problems = r.data_count(Level::Problem);
    format!(
        "{} alive, {} quiet, {problems} problem{}",
        r.data_count(Level::Ok),
        r.data_count(Level::Warning),
        if problems == 1 { "" } else { "s" }
    )
}

/// The first line of the text report.
pub fn heading(catalogue: &str, env: &str, window: &Window) -> String {
    format!(
        "Verify {catalogue} {env}: data over {}",
        window_text(window)
    )
}

/// Text, for people, after [`heading`] and [`estimate_line`] (written
/// before the queries ran).
pub fn text(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    writeln!(w)?;
    writeln!(
        w,
        "1. Data: every metric and query is alive ({})",
        counts(r)
    )?;
    writeln!(w)?;
    writeln!(w, "Metrics ({}):", r.metrics.len())?;
    for m in &r.metrics {
        writeln!(w, "  {} {}: {}", m.level.mark(), m.metric, m.message)?;
        if m.level != Level::Ok {
            for u in &m.users {
                writeln!(w, "         {}: {}", u.at().display(), u.describe())?;
            }
        }
    }
    writeln!(w)?;
    writeln!(w, "Metric filters ({}):", r.filters.len())?;
    for f in &r.filters {
        writeln!(
            w,
            "  {} {} ({}): {}",
            f.level.mark(),
            f.filter,
            f.metric,
            f.message
        )?;
        if f.level != Level::Ok {
            writeln!(
                w,
                "         {}: metric filter {}{}",
                f.at.display(),
                f.entry,
                f.service
                    .as_ref()
                    .map(|s| format!(", service {s}"))
                    .unwrap_or_default()
            )?;
        }
    }
    if r.query_estimate.is_some() {
        writeln!(w)?;
        writeln!(w, "Saved queries ({}):", r.queries.len())?;
        for q in &r.queries {
            writeln!(w, "  {} {}: {}", q.level.mark(), q.name, q.message)?;
            if q.level != Level::Ok {
                writeln!(
                    w,
                    "         {}: query {}{}",
                    q.at.display(),
                    q.entry,
                    q.service
                        .as_ref()
                        .map(|s| format!(", service {s}"))
                        .unwrap_or_default()
                )?;
            }
        }
    }
    if !r.skipped.is_empty() {
        writeln!(w)?;
        writeln!(w, "Not checked ({}):", r.skipped.len())?;
        for s in &r.skipped {
            writeln!(w, "  {}: {}", s.user.describe(), s.why)?;
        }
    }
    if let Some(b) = &r.backtest {
        super::backtest_report::text(w, b)?;
    }
    if let Some(d) = &r.drill {
        super::drill_report::text(w, d)?;
    }
    Ok(())
}

/// JSON (the [`Report`] value).
pub fn json(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    writeln!(w, "{}", serde_json::to_string_pretty(r).unwrap_or_default())
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Markdown, for a pull request or an issue.
pub fn markdown(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    writeln!(w, "## obsctl verify: {} {}", r.catalogue, r.env)?;
    writeln!(w)?;
    writeln!(
        w,
        "Data over {}. {}.",
        window_text(&r.window),
        estimate_line(&r.estimate)
    )?;
    writeln!(w)?;
    writeln!(
        w,
        "### 1. Data: every metric and query is alive ({})",
        counts(r)
    )?;
    writeln!(w)?;
    writeln!(w, "| | Metric | Finding | Read by |")?;
    writeln!(w, "|---|---|---|---|")?;
    for m in &r.metrics {
        let users: Vec<String> = m
            .users
            .iter()
            .map(|u| format!("{} (`{}`)", u.describe(), u.at().display()))
            .collect();
        writeln!(
            w,
            "| {} | `{}` | {} | {} |",
            icon(m.level),
            cell(&m.metric),
            cell(&m.message),
            cell(&users.join("<br>"))
        )?;
    }
    writeln!(w)?;
    writeln!(w, "| | Metric filter | Finding | Defined at |")?;
    writeln!(w, "|---|---|---|---|")?;
    for f in &r.filters {
        writeln!(
            w,
            "| {} | `{}` | {} | `{}` |",
            icon(f.level),
            cell(&f.filter),
            cell(&f.message),
            f.at.display()
        )?;
    }
    if let Some(e) = &r.query_estimate {
        writeln!(w)?;
        writeln!(w, "{}.", super::queries::estimate_line(e))?;
        writeln!(w)?;
        writeln!(w, "| | Saved query | Finding | Defined at |")?;
        writeln!(w, "|---|---|---|---|")?;
        for q in &r.queries {
            writeln!(
                w,
                "| {} | `{}` | {} | `{}` |",
                icon(q.level),
                cell(&q.name),
                cell(&q.message),
                q.at.display()
            )?;
        }
    }
    if let Some(b) = &r.backtest {
        super::backtest_report::markdown(w, b)?;
    }
    if let Some(d) = &r.drill {
        super::drill_report::markdown(w, d)?;
    }
    Ok(())
}

fn icon(l: Level) -> &'static str {
    match l {
        Level::Ok => "✅",
        Level::Warning => "⚠️",
        Level::Problem => "❌",
    }
}

/// Calls per API against the floor (`--verbose`).
pub fn calls(w: &mut dyn Write, r: &Report) -> io::Result<()> {
    let total: u64 = r.calls.values().sum();
    let least: u64 = r.floor.values().sum();
    writeln!(
        w,
        "AWS calls: {total} in {:.1} s (floor: {least} calls, {:.1} s at the configured quotas)",
        r.seconds, r.floor_seconds
    )?;
    let mut apis: Vec<&String> = r.calls.keys().chain(r.floor.keys()).collect();
    apis.sort();
    apis.dedup();
    for api in apis {
        writeln!(
            w,
            "  {api:<40} {:>5} (floor {:>5})",
            r.calls.get(api).copied().unwrap_or(0),
            r.floor.get(api).copied().unwrap_or(0)
        )?;
    }
    Ok(())
}

pub(super) fn status(
    level: Level,
    strict: bool,
    message: &str,
    locations: String,
) -> TestCaseStatus {
    match level {
        Level::Ok => TestCaseStatus::success(),
        Level::Warning if !strict => {
            let mut s = TestCaseStatus::success();
            s.set_message(message.to_string());
            s
        }
        Level::Warning | Level::Problem => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(message.to_string());
            s.set_type(if level == Level::Problem {
                "problem"
            } else {
                "quiet"
            });
            s.set_description(locations);
            s
        }
    }
}

/// JUnit XML: a suite of metrics, one of metric filters and (with
/// `--queries`) one of saved queries, one case each
/// (a problem fails; a quiet one fails only with `strict`).
pub fn junit(r: &Report, strict: bool) -> String {
    let mut report = quick_junit::Report::new(format!("obsctl verify {} {}", r.catalogue, r.env));
    let mut metrics = TestSuite::new(format!("{}.{}.metrics", r.catalogue, r.env));
    for m in &r.metrics {
        let locations = m
            .users
            .iter()
            .map(|u: &User| format!("{}: {}", u.at().display(), u.describe()))
            .collect::<Vec<_>>()
            .join("\n");
        let mut case = TestCase::new(
            m.metric.clone(),
            status(m.level, strict, &m.message, locations),
        );
        case.set_classname(format!("{}.{}.metrics", r.catalogue, r.env));
        if let Some(n) = m.samples {
            case.set_system_out(format!("{} samples", format_number(n)));
        }
        metrics.add_test_case(case);
    }
    let mut filters = TestSuite::new(format!("{}.{}.metric-filters", r.catalogue, r.env));
    for f in &r.filters {
        let mut case = TestCase::new(
            f.filter.clone(),
            status(
                f.level,
                strict,
                &f.message,
                format!("{}: metric filter {}", f.at.display(), f.entry),
            ),
        );
        case.set_classname(format!("{}.{}.metric-filters", r.catalogue, r.env));
        filters.add_test_case(case);
    }
    report.add_test_suite(metrics);
    report.add_test_suite(filters);
    if r.query_estimate.is_some() {
        let mut queries = TestSuite::new(format!("{}.{}.queries", r.catalogue, r.env));
        for q in &r.queries {
            let mut case = TestCase::new(
                q.name.clone(),
                status(
                    q.level,
                    strict,
                    &q.message,
                    format!("{}: query {}", q.at.display(), q.entry),
                ),
            );
            case.set_classname(format!("{}.{}.queries", r.catalogue, r.env));
            queries.add_test_case(case);
        }
        report.add_test_suite(queries);
    }
    if let Some(b) = &r.backtest {
        report.add_test_suite(super::backtest_report::junit_suite(&r.catalogue, &r.env, b));
    }
    if let Some(d) = &r.drill {
        report.add_test_suite(super::drill_report::junit_suite(
            &r.catalogue,
            &r.env,
            d,
            strict,
        ));
    }
    report.to_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Metric;
    use crate::verify::check::{GroupActivity, Nearby};
    use crate::verify::queries::Outcome;
    use crate::verify::targets::Location;
    use std::path::PathBuf;

    fn at(line: u64) -> Location {
        Location {
            file: PathBuf::from("definitions/x/alarms.yaml"),
            line,
            column: 3,
        }
    }

    fn report() -> Report {
        let metric = |level, message: &str, samples| MetricFinding {
            metric: "N M {service=a}".into(),
            metric_value: Metric {
                namespace: "N".into(),
                metric_name: "M".into(),
                dimensions: vec![],
            },
            level,
            message: message.into(),
            samples,
            nearby: Nearby::default(),
            users: vec![User::Alarm {
                alarm: "x-a-high".into(),
                query: None,
                template: "high".into(),
                service: Some("a".into()),
                at: at(7),
            }],
        };
        Report {
            version: 1,
            catalogue: "x".into(),
            env: "staging".into(),
            window: Window {
                start: 0,
                end: 3 * 3_600_000,
            },
            metrics: vec![
                metric(Level::Ok, "12 samples", Some(12.0)),
                metric(Level::Problem, "no data for N M {service=a}; the account has it with {env, service}", None),
            ],
            filters: vec![FilterFinding {
                filter: "x-a-Errors".into(),
                log_group: "/a".into(),
                metric: "N Errors {service}".into(),
                level: Level::Warning,
                message: "no datapoints; log group /a received events, none matched: the filter never matches".into(),
                samples: None,
                log_group_activity: Some(GroupActivity::Events(5)),
                entry: "Errors".into(),
                service: Some("a".into()),
                at: at(20),
            }],
            skipped: vec![],
            queries: vec![QueryFinding {
                name: "x-staging/q".into(),
                outcome: Outcome::Ended,
                level: Level::Ok,
                message: "3 rows (1.0 KB scanned)".into(),
                rows: Some(3),
                bytes_scanned: Some(1024.0),
                estimated_bytes: 2048.0,
                entry: "q".into(),
                service: None,
                at: at(30),
            }],
            query_estimate: Some(QueryEstimate {
                queries: 1,
                bytes: 2048.0,
                dollars: 0.0,
            }),
            estimate: Estimate {
                metrics_requested: 2,
                calls: 1,
                dollars: 0.00002,
            },
            calls: BTreeMap::new(),
            floor: BTreeMap::new(),
            floor_seconds: 0.0,
            seconds: 0.0,
            backtest: None,
            drill: None,
        }
    }

    #[test]
    fn text_lists_every_finding_with_its_location() {
        let mut out = Vec::new();
        text(&mut out, &report()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let expected = "
1. Data: every metric and query is alive (2 alive, 1 quiet, 1 problem)

Metrics (2):
  ok   N M {service=a}: 12 samples
  FAIL N M {service=a}: no data for N M {service=a}; the account has it with {env, service}
         definitions/x/alarms.yaml:7:3: alarm x-a-high (template high, service a)

Metric filters (1):
  warn x-a-Errors (N Errors {service}): no datapoints; log group /a received events, none matched: the filter never matches
         definitions/x/alarms.yaml:20:3: metric filter Errors, service a

Saved queries (1):
  ok   x-staging/q: 3 rows (1.0 KB scanned)
";
        assert_eq!(text, expected);
        assert_eq!(
            heading("x", "staging", &report().window),
            "Verify x staging: data over the last 3h (1970-01-01 00:00:00 UTC to 1970-01-01 03:00:00 UTC)"
        );
    }

    #[test]
    fn markdown_json_and_junit_carry_the_same_findings() {
        let r = report();
        let mut md = Vec::new();
        markdown(&mut md, &r).unwrap();
        let md = String::from_utf8(md).unwrap();
        assert!(md.contains("| ❌ | `N M {service=a}` | no data for N M {service=a}; the account has it with {env, service} | alarm x-a-high (template high, service a) (`definitions/x/alarms.yaml:7:3`) |"), "{md}");
        assert!(md.contains("| ⚠️ | `x-a-Errors` |"), "{md}");
        let mut js = Vec::new();
        json(&mut js, &r).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&js).unwrap();
        assert_eq!(v["metrics"][1]["level"], "problem");
        assert_eq!(v["metrics"][1]["users"][0]["at"]["line"], 7);
        assert_eq!(v["queries"][0]["outcome"], "ended");
        let xml = junit(&r, false);
        assert_eq!(xml.matches("<testcase").count(), 4);
        assert_eq!(xml.matches("<failure").count(), 1);
        assert_eq!(
            junit(&r, true).matches("<failure").count(),
            2,
            "strict fails the quiet one too"
        );
    }
}
