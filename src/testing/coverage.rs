//! Coverage: an alarm is covered when a passing expectation sees it in
//! ALARM and another sees it not in ALARM (OK or INSUFFICIENT_DATA); a
//! metric filter when a passing expectation matches a line and another
//! does not; a mute rule when a passing `muted: true` sees an alarm it
//! targets inside its window and a passing `muted: false` sees one outside.
//! Counted per environment and per service.

use super::case::{Case, Check};
use super::check::{EnvRun, Outcome};
use crate::catalogue::Catalogue;
use crate::compile::fill;
use crate::engine::alarm::State;
use crate::resource::Resource;
use std::collections::BTreeMap;

/// One alarm or filter and what tests show of it.
#[derive(Debug, Clone)]
pub struct Item {
    /// Environment.
    pub env: String,
    /// Service, for per-service resources.
    pub service: Option<String>,
    /// Full name.
    pub name: String,
    /// Alarm: seen in ALARM; filter: seen matching.
    pub positive: bool,
    /// Alarm: seen not in ALARM; filter: seen not matching.
    pub negative: bool,
}

impl Item {
    /// Both sides tested.
    pub fn covered(&self) -> bool {
        self.positive && self.negative
    }

    /// What an uncovered item lacks; `None` when covered.
    pub fn gap(&self) -> Option<Gap> {
        match (self.positive, self.negative) {
            (true, true) => None,
            (false, false) => Some(Gap::NoTest),
            (false, true) => Some(Gap::NoPositive),
            (true, false) => Some(Gap::NoNegative),
        }
    }
}

/// What keeps an item from being covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// No passing expectation sees it at all.
    NoTest,
    /// Never seen in ALARM (alarm) or matching (filter).
    NoPositive,
    /// Never seen quiet (alarm) or not matching (filter).
    NoNegative,
}

/// Coverage of every alarm and metric filter of the environments run.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Metric, math, anomaly and composite alarms.
    pub alarms: Vec<Item>,
    /// Metric filters.
    pub filters: Vec<Item>,
    /// Alarm mute rules (positive: seen muting; negative: seen not muting).
    pub mute_rules: Vec<Item>,
}

impl Coverage {
    /// Share of covered alarms and filters together, in percent (100 when
    /// there is nothing to cover).
    pub fn percent(&self) -> f64 {
        let total = self.alarms.len() + self.filters.len() + self.mute_rules.len();
        if total == 0 {
            return 100.0;
        }
        let covered = self
            .alarms
            .iter()
            .chain(&self.filters)
            .chain(&self.mute_rules)
            .filter(|i| i.covered())
            .count();
        100.0 * covered as f64 / total as f64
    }

    /// Covered and total, per (environment, service or "(environment)").
    pub fn by_service(&self) -> BTreeMap<(String, String), (usize, usize)> {
        let mut out: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
        for i in self
            .alarms
            .iter()
            .chain(&self.filters)
            .chain(&self.mute_rules)
        {
            let key = (
                i.env.clone(),
                i.service.clone().unwrap_or_else(|| "(environment)".into()),
            );
            let e = out.entry(key).or_default();
            e.0 += usize::from(i.covered());
            e.1 += 1;
        }
        out
    }
}

/// Measures coverage from the cases and their outcomes.
pub fn measure(cat: &Catalogue, envs: &[EnvRun], cases: &[Case], outcomes: &[Outcome]) -> Coverage {
    let mut cov = Coverage::default();
    for env in envs {
        let state = env.state;
        let service_of = |template_names: &mut dyn Iterator<Item = &String>| {
            let mut m = BTreeMap::new();
            let names: Vec<&String> = template_names.collect();
            for svc in cat.services.keys() {
                for t in &names {
                    m.insert(
                        fill(&cat.naming, &cat.project, &state.env, Some(svc), t),
                        svc.clone(),
                    );
                }
            }
            m
        };
        let mut alarm_services = service_of(&mut cat.alarms.keys());
        // Alarms named by an override's `name`.
        for ((svc, _), name) in &state.alarm_names {
            if let Some(svc) = svc {
                alarm_services.insert(name.clone(), svc.clone());
            }
        }
        let filter_services = service_of(&mut cat.metric_filters.keys());
        let mut alarms: BTreeMap<String, Item> = BTreeMap::new();
        let mut filters: BTreeMap<String, Item> = BTreeMap::new();
        for r in state.resources.values() {
            let (name, services, target) = match r {
                Resource::MetricAlarm(a) => (&a.alarm_name, &alarm_services, &mut alarms),
                Resource::CompositeAlarm(c) => (&c.alarm_name, &alarm_services, &mut alarms),
                Resource::LogAlarm(a) => (&a.alarm_name, &alarm_services, &mut alarms),
                Resource::MetricFilter(f) => (&f.filter_name, &filter_services, &mut filters),
                // Coverage counts what tests can fire: alarms and filters.
                Resource::Topic(_)
                | Resource::Subscription(_)
                | Resource::LogGroup(_)
                | Resource::Dashboard(_)
                | Resource::QueryDefinition(_)
                | Resource::AlarmMuteRule(_) => continue,
            };
            target.insert(
                name.clone(),
                Item {
                    env: state.env.clone(),
                    service: services.get(name).cloned(),
                    name: name.clone(),
                    positive: false,
                    negative: false,
                },
            );
        }
        let mut mute_rules: BTreeMap<String, Item> = env
            .mutes
            .rules()
            .into_iter()
            .map(|(name, _, _)| {
                let item = Item {
                    env: state.env.clone(),
                    service: None,
                    name: name.clone(),
                    positive: false,
                    negative: false,
                };
                (name, item)
            })
            .collect();
        for (case, outcome) in cases
            .iter()
            .zip(outcomes)
            .filter(|(c, _)| c.env == state.env)
        {
            for (check, passed) in case.checks.iter().zip(&outcome.passed) {
                if !passed {
                    continue;
                }
                if let Check::Alarm {
                    alarm,
                    at,
                    muted: Some(muted),
                    ..
                } = check
                {
                    let t = at.unwrap_or(case.horizon);
                    if *muted {
                        let window = env.mutes.window_at(alarm, case.start, t);
                        for rule in window.iter().flat_map(|w| &w.rules) {
                            if let Some(item) = mute_rules.get_mut(rule) {
                                item.positive = true;
                            }
                        }
                    } else {
                        for (rule, _, targets) in env.mutes.rules() {
                            if targets.contains(alarm)
                                && let Some(item) = mute_rules.get_mut(&rule)
                            {
                                item.negative = true;
                            }
                        }
                    }
                }
                match check {
                    Check::Alarm {
                        alarm,
                        state: Some(s),
                        ..
                    } => {
                        if let Some(item) = alarms.get_mut(alarm) {
                            if *s == State::Alarm {
                                item.positive = true;
                            } else {
                                item.negative = true;
                            }
                        }
                    }
                    Check::Filter {
                        filter, matches, ..
                    } => {
                        if let Some(item) = filters.get_mut(filter) {
                            if *matches {
                                item.positive = true;
                            } else {
                                item.negative = true;
                            }
                        }
                    }
                    Check::Alarm { .. } => {}
                }
            }
        }
        cov.alarms.extend(alarms.into_values());
        cov.filters.extend(filters.into_values());
        cov.mute_rules.extend(mute_rules.into_values());
    }
    cov
}
