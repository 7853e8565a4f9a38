//! SLOs as alarms: each service's availability objective becomes
//! multi-window, multi-burn-rate alerts after the Google SRE workbook
//! ("Alerting on SLOs"), expressed as ordinary alarm templates, so
//! validation, compilation, provenance, overrides (threshold, period,
//! enabled per service or environment), routing and `obsctl test` treat them
//! like any other alarm.
//!
//! Per window pair (long L, short S, share of budget B, page or ticket):
//! two metric-math alarms `slo-availability-<window>` computing the burn
//! rate over their window — `IF(total >= min, FILL(bad, 0) × 1/(1 − SLO) /
//! total, 0)`, period = the window, one datapoint, `>=` the pair's burn rate
//! B × period / L, missing data not breaching, no actions — and a composite
//! `slo-availability-<L>-<S>` = `ALARM(long) AND ALARM(short)` that notifies
//! the page or ticket severity. CloudWatch periods end at one day, so the
//! workbook's 3-day window is replaced by the 28-day adaptation in
//! [`DEFAULT_WINDOWS`]. Generated, not written: runs on the loaded
//! catalogue, before validation.

use super::load::{Catalogue, Item};
use super::model::{AlarmSpec, BurnAlert, BurnWindow, SloConfig};
use crate::diagnostic::Problems;
use crate::notation::duration;
use serde_json::{Value, json};

/// The default pairs for a 28-day SLO (field-notes.md: the SRE workbook's
/// table adapted to CloudWatch's one-day period limit): 1% of the budget in
/// 30 min (13.44×) and 2.5% in 3 h (5.6×) page; 4% in a day (1.12×) is a
/// ticket.
pub const DEFAULT_WINDOWS: [(&str, &str, f64, BurnAlert); 3] = [
    ("30m", "3m", 1.0, BurnAlert::Page),
    ("3h", "15m", 2.5, BurnAlert::Page),
    ("1d", "2h", 4.0, BurnAlert::Ticket),
];

/// Default SLO period in days.
pub const DEFAULT_PERIOD_DAYS: u32 = 28;
/// Default fewest requests in a window for its burn rate to count.
pub const DEFAULT_MIN_REQUESTS: u32 = 100;

/// One window pair, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// Long window, seconds.
    pub long: u32,
    /// Short window, seconds.
    pub short: u32,
    /// Share of the period's budget the long window may spend, percent.
    pub budget_percent: f64,
    /// The burn rate both windows must reach.
    pub burn: f64,
    /// Page or ticket.
    pub alert: BurnAlert,
}

impl Pair {
    /// The long window's alarm template.
    pub fn long_name(&self) -> String {
        format!("slo-availability-{}", label(self.long))
    }
    /// The short window's alarm template.
    pub fn short_name(&self) -> String {
        format!("slo-availability-{}", label(self.short))
    }
    /// The composite's template.
    pub fn name(&self) -> String {
        format!(
            "slo-availability-{}-{}",
            label(self.long),
            label(self.short)
        )
    }
}

/// The burn rate that spends `budget_percent` of a `period_days` budget in
/// `window` seconds (computed so that round tables stay exact: 13.44, 5.6,
/// 1.12 for 28 days).
pub fn burn_rate(period_days: u32, window: u32, budget_percent: f64) -> f64 {
    let exact = budget_percent * f64::from(period_days) * 86_400.0 / (100.0 * f64::from(window));
    (exact * 1e6).round() / 1e6
}

/// `1800` → `30m`, `86400` → `1d`.
pub fn label(seconds: u32) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The window pairs of `config` (its own or the default), with the
/// problems of unreadable durations reported at their place.
pub fn pairs(cat: &Catalogue, config: &Item<SloConfig>, problems: &mut Problems) -> Vec<Pair> {
    let days = config.period_days.unwrap_or(DEFAULT_PERIOD_DAYS);
    let defaults: Vec<BurnWindow> = DEFAULT_WINDOWS
        .iter()
        .map(|(l, s, b, a)| BurnWindow {
            long: l.to_string(),
            short: s.to_string(),
            budget_percent: *b,
            alert: *a,
        })
        .collect();
    let windows = config.windows.as_ref().unwrap_or(&defaults);
    let mut out = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        let at = config.origin.child("windows").child(&i.to_string());
        let mut secs = |text: &str, field: &str| -> Option<u32> {
            match duration(text) {
                Ok(s) if s > 0 && s <= 86_400 && s % 60 == 0 => u32::try_from(s).ok(),
                Ok(_) => {
                    cat.problem(
                        problems,
                        &at.child(field),
                        format!("window `{text}` cannot be an alarm period"),
                        Some("use whole minutes up to one day (`3m`, `30m`, `1d`)".into()),
                    );
                    None
                }
                Err(e) => {
                    cat.problem(problems, &at.child(field), e, None);
                    None
                }
            }
        };
        let (Some(long), Some(short)) = (secs(&w.long, "long"), secs(&w.short, "short")) else {
            continue;
        };
        if short >= long {
            cat.problem(
                problems,
                &at,
                format!(
                    "the short window ({}) must be shorter than the long one ({})",
                    w.short, w.long
                ),
                Some("the workbook uses a short window of 1/12 of the long one".into()),
            );
            continue;
        }
        if !(w.budget_percent > 0.0 && w.budget_percent <= 100.0) {
            cat.problem(
                problems,
                &at.child("budget_percent"),
                format!("budget share {} is not a percentage", w.budget_percent),
                Some("e.g. `1` for 1% of the period's budget".into()),
            );
            continue;
        }
        out.push(Pair {
            long,
            short,
            budget_percent: w.budget_percent,
            burn: burn_rate(days, long, w.budget_percent),
            alert: w.alert,
        });
    }
    out
}

/// Adds the burn-rate alarm templates of `cat.slo`; they apply to every
/// service with an availability objective (`slo_only`).
pub fn expand(cat: &mut Catalogue, problems: &mut Problems) {
    let Some(config) = cat.slo.clone() else {
        return;
    };
    let pairs = pairs(cat, &config, problems);
    if pairs.is_empty() {
        return;
    }
    let days = config.period_days.unwrap_or(DEFAULT_PERIOD_DAYS);
    let min = config.min_requests.unwrap_or(DEFAULT_MIN_REQUESTS);
    let severity = |a: BurnAlert| match a {
        BurnAlert::Page => config.page.clone().unwrap_or_else(|| "critical".into()),
        BurnAlert::Ticket => config.ticket.clone().unwrap_or_else(|| "warning".into()),
    };
    let bad = serde_json::to_value(&config.availability.bad).unwrap_or(Value::Null);
    let total = serde_json::to_value(&config.availability.total).unwrap_or(Value::Null);
    let mut generated: Vec<(String, Value)> = Vec::new();
    for p in &pairs {
        for (window, name) in [(p.long, p.long_name()), (p.short, p.short_name())] {
            generated.push((
                name,
                json!({
                    "kind": "math",
                    "severity": severity(p.alert),
                    "notify": false,
                    "description": format!(
                        "{{{{ service.title }}}}: error-budget burn rate over {} at least {}× ({}% of the {days}-day budget in {})",
                        label(window), p.burn, p.budget_percent, label(p.long)
                    ),
                    "runbook": config.runbook,
                    "queries": {
                        "bad": bad,
                        "total": total,
                        "burn": {
                            "expression": format!("IF(total >= {min}, FILL(bad, 0) * {{{{ service.slo.budget_factor }}}} / total, 0)"),
                            "label": format!("Burn rate over {}", label(window)),
                        },
                    },
                    "returns": "burn",
                    "period": window,
                    "evaluation_periods": 1,
                    "comparison": ">=",
                    "threshold": p.burn,
                    "treat_missing_data": "notBreaching",
                }),
            ));
        }
        generated.push((
            p.name(),
            json!({
                "kind": "composite",
                "severity": severity(p.alert),
                "description": format!(
                    "{{{{ service.title }}}} is burning its error budget {}× too fast: {}% of the {days}-day budget in {} (and still over the last {})",
                    p.burn, p.budget_percent, label(p.long), label(p.short)
                ),
                "runbook": config.runbook,
                "rule": format!("ALARM({}) AND ALARM({})", p.long_name(), p.short_name()),
            }),
        ));
    }
    for (name, value) in generated {
        insert(cat, problems, &config, name, value);
    }
}

fn insert(
    cat: &mut Catalogue,
    problems: &mut Problems,
    config: &Item<SloConfig>,
    name: String,
    value: Value,
) {
    if let Some(existing) = cat.alarms.get(&name) {
        let at = existing.origin.clone();
        cat.problem(
            problems,
            &at,
            format!("alarm template `{name}` is also generated by `slo:`"),
            Some("rename this template, or change the SLO windows".into()),
        );
        return;
    }
    match serde_json::from_value::<AlarmSpec>(value) {
        Ok(mut spec) => {
            spec.slo_only = true;
            cat.alarms.insert(
                name,
                Item {
                    spec,
                    origin: config.origin.clone(),
                },
            );
        }
        Err(e) => cat.problem(
            problems,
            &config.origin,
            format!("the SLO alarms cannot be generated: {e}"),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_table_gives_the_adapted_burn_rates_exactly() {
        let rates: Vec<f64> = DEFAULT_WINDOWS
            .iter()
            .map(|(l, _, b, _)| burn_rate(28, duration(l).unwrap() as u32, *b))
            .collect();
        assert_eq!(rates, [13.44, 5.6, 1.12]);
        // The workbook's 30-day table: 2% in 1 h is 14.4×.
        assert_eq!(burn_rate(30, 3600, 2.0), 14.4);
        assert_eq!(label(1800), "30m");
        assert_eq!(label(86_400), "1d");
        assert_eq!(label(7200), "2h");
    }
}
