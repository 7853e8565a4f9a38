//! Mute rules in `obsctl test`: which alarms a compiled alarm mute rule
//! mutes, and when, on the test's clock (its `start:` gives the absolute
//! time of `0s`, which recurring windows need).
//!
//! What a mute does follows AWS's user guide, "How alarm mute rules work":
//! a muted alarm still evaluates and changes state; the actions of every
//! state are muted ("Muting an alarm will mute actions associated with all
//! alarm states"); when the window ends, "Alarm action is executed because
//! the mute window has ended and the alarm remains in the same state
//! (ALARM) in which it was originally muted", while an alarm that returned
//! to OK inside the window sends no ALARM action ("Mute rule becomes
//! inactive, but no ALARM action is executed because alarm is now in OK
//! state"). obsctl reads "the state in which it was originally muted" as
//! the state of the alarm's first change inside the window: that state's
//! actions run at the window's end when the alarm is in it then; a change
//! into any other state inside the window is never notified. Overlapping
//! windows of several rules mute as one (the page's "Multiple overlapping
//! alarm mute rules" scenario).

use crate::compile::DesiredState;
use crate::engine::alarm::State;
use crate::notation::format_duration;
use crate::resource::{AlarmMuteRule, Resource};
use crate::rules::mute::{
    Expression, Schedule, parse_expression, parse_iso_duration, parse_timezone,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The mute rules of one environment, by the alarm they target.
#[derive(Debug, Clone, Default)]
pub struct Mutes {
    by_alarm: BTreeMap<String, Vec<(String, Schedule)>>,
}

/// A window on the test's clock: `[from, to)` seconds from `0s`, and the
/// rules that open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Opens.
    pub from: i64,
    /// Closes.
    pub to: i64,
    /// The rules (names) whose windows make it up.
    pub rules: Vec<String>,
}

impl Mutes {
    /// The compiled mute rules of `state`.
    pub fn new(state: &DesiredState) -> Mutes {
        Mutes::from_rules(state.resources.values().filter_map(|r| {
            if let Resource::AlarmMuteRule(m) = r {
                Some(m.as_ref())
            } else {
                None
            }
        }))
    }

    /// Mute rules as AWS holds them (e.g. read live by the drill); rules
    /// whose schedule does not parse are left out.
    pub fn from_rules<'a>(rules: impl IntoIterator<Item = &'a AlarmMuteRule>) -> Mutes {
        let mut by_alarm: BTreeMap<String, Vec<(String, Schedule)>> = BTreeMap::new();
        for m in rules {
            let s = &m.rule.schedule;
            let date = |d: &Option<String>| {
                d.as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|d| d.with_timezone(&Utc))
            };
            let (Ok(expression), Ok(duration), Ok(timezone)) = (
                parse_expression(&s.expression),
                parse_iso_duration(&s.duration),
                parse_timezone(&s.timezone),
            ) else {
                continue;
            };
            let schedule = Schedule {
                expression,
                duration,
                timezone,
                start: date(&m.start_date),
                expire: date(&m.expire_date),
            };
            for alarm in &m.mute_targets.alarm_names {
                by_alarm
                    .entry(alarm.clone())
                    .or_default()
                    .push((m.name.clone(), schedule.clone()));
            }
        }
        Mutes { by_alarm }
    }

    /// The same rules with `rule`'s duration set to `secs` (a mutant), or
    /// without `rule` (`None`).
    pub fn with_duration(&self, rule: &str, secs: Option<i64>) -> Mutes {
        let mut by_alarm = self.by_alarm.clone();
        for list in by_alarm.values_mut() {
            match secs {
                Some(secs) => list
                    .iter_mut()
                    .filter(|(name, _)| name == rule)
                    .for_each(|(_, s)| s.duration = secs),
                None => list.retain(|(name, _)| name != rule),
            }
        }
        Mutes { by_alarm }
    }

    /// Every rule: name, window length in seconds and the alarms it mutes.
    pub fn rules(&self) -> Vec<(String, i64, Vec<String>)> {
        let mut out: std::collections::BTreeMap<String, (i64, Vec<String>)> = Default::default();
        for (alarm, list) in &self.by_alarm {
            for (name, s) in list {
                let e = out.entry(name.clone()).or_insert((s.duration, Vec::new()));
                e.1.push(alarm.clone());
            }
        }
        out.into_iter().map(|(n, (d, a))| (n, d, a)).collect()
    }

    /// Whether a recurring (cron) window mutes `alarm`.
    pub fn recurring(&self, alarm: &str) -> bool {
        self.by_alarm.get(alarm).is_some_and(|l| {
            l.iter()
                .any(|(_, s)| matches!(s.expression, Expression::Cron(_)))
        })
    }

    /// The rules muting `alarm` at `at` (seconds since the epoch).
    pub fn muting_at(&self, alarm: &str, at: i64) -> Vec<String> {
        self.windows(alarm, at, 0, 1)
            .into_iter()
            .flat_map(|w| w.rules)
            .collect()
    }

    /// The windows muting `alarm` that overlap `[from, to)` (seconds from the
    /// test's `0s`, which is `start` seconds after the epoch), merged where
    /// they overlap or touch.
    pub fn windows(&self, alarm: &str, start: i64, from: i64, to: i64) -> Vec<Window> {
        let Some(rules) = self.by_alarm.get(alarm) else {
            return Vec::new();
        };
        let abs = |t: i64| DateTime::from_timestamp(start.saturating_add(t), 0);
        let (Some(a), Some(b)) = (abs(from), abs(to)) else {
            return Vec::new();
        };
        let mut all: Vec<Window> = rules
            .iter()
            .flat_map(|(name, s)| {
                s.windows(a, b).into_iter().map(move |(x, y)| Window {
                    from: x.timestamp() - start,
                    to: y.timestamp() - start,
                    rules: vec![name.clone()],
                })
            })
            .collect();
        all.sort_by_key(|w| (w.from, w.to));
        let mut merged: Vec<Window> = Vec::new();
        for w in all {
            match merged.last_mut() {
                Some(last) if w.from <= last.to => {
                    last.to = last.to.max(w.to);
                    for r in w.rules {
                        if !last.rules.contains(&r) {
                            last.rules.push(r);
                        }
                    }
                }
                _ => merged.push(w),
            }
        }
        merged
    }

    /// The window muting `alarm` at `t`, if any, with the windows that
    /// overlap or touch it merged in.
    pub fn window_at(&self, alarm: &str, start: i64, t: i64) -> Option<Window> {
        // A window may have opened up to 15 days before.
        let from = t.saturating_sub(crate::rules::mute::MAX_DURATION_SECS);
        let mut w = self
            .windows(alarm, start, from, t.saturating_add(1))
            .into_iter()
            .find(|w| w.from <= t && t < w.to)?;
        // Windows opening before it ends extend it: look up to 15 days past
        // its end, a few times (a chain of windows longer than that is
        // taken to end there).
        for _ in 0..8 {
            let Some(next) = self
                .windows(
                    alarm,
                    start,
                    from,
                    w.to.saturating_add(crate::rules::mute::MAX_DURATION_SECS),
                )
                .into_iter()
                .find(|x| x.from <= t && t < x.to)
            else {
                break;
            };
            if next.to == w.to {
                w = next;
                break;
            }
            w = next;
        }
        Some(w)
    }

    /// When the actions of `alarm`'s change to `want`, due at `due`, run:
    /// at `due` outside any window; inside one, at its end if the alarm's
    /// first change in the window was to `want` and the alarm is in `want`
    /// when it ends (`state_at`), else never.
    pub fn deliver(
        &self,
        alarm: &str,
        start: i64,
        due: i64,
        want: State,
        changes: &[(i64, State)],
        state_at: impl Fn(i64) -> State,
    ) -> Result<i64, String> {
        let Some(w) = self.window_at(alarm, start, due) else {
            return Ok(due);
        };
        let first = changes
            .iter()
            .find(|(t, _)| w.from <= *t && *t < w.to)
            .map_or(want, |(_, s)| *s);
        let at_end = state_at(w.to);
        let window = format!(
            "muted by {} from {} to {}",
            w.rules.join(", "),
            format_duration(w.from),
            format_duration(w.to)
        );
        if first == want && at_end == want {
            Ok(w.to)
        } else if first != want {
            Err(format!(
                "never ({window}; it was first muted in {first}, so only {first} notifies at the window's end)"
            ))
        } else {
            Err(format!(
                "never ({window}; it is {at_end} when the window ends, no longer {want})"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{AlarmMuteRule, MuteRule, MuteSchedule, MuteTargets};

    /// An environment with one-time rules over alarm `a`: (name, at, duration).
    fn mutes(rules: &[(&str, &str, &str)]) -> Mutes {
        let mut state = DesiredState::default();
        for (name, at, duration) in rules {
            let r = AlarmMuteRule {
                name: name.to_string(),
                description: None,
                rule: MuteRule {
                    schedule: MuteSchedule {
                        expression: format!("at({at})"),
                        duration: duration.to_string(),
                        timezone: "UTC".into(),
                    },
                },
                mute_targets: MuteTargets {
                    alarm_names: vec!["a".into()],
                },
                start_date: None,
                expire_date: None,
                tags: Vec::new(),
            };
            state.resources.insert(
                (crate::resource::Kind::AlarmMuteRule, name.to_string()),
                r.into(),
            );
        }
        Mutes::new(&state)
    }

    fn state_at(changes: &[(i64, State)]) -> impl Fn(i64) -> State + '_ {
        move |t| {
            changes
                .iter()
                .rev()
                .find(|(c, _)| *c <= t)
                .map_or(State::InsufficientData, |(_, s)| *s)
        }
    }

    // The AWS page's scenarios, with t1..t5 as minutes 1..5 (0s = the epoch).
    #[test]
    fn an_alarm_back_to_ok_inside_the_window_never_sends_its_alarm_action() {
        let m = mutes(&[("r", "1970-01-01T00:01", "PT4M")]);
        let changes = [(0, State::Ok), (120, State::Alarm), (240, State::Ok)];
        let sent = m.deliver("a", 0, 120, State::Alarm, &changes, state_at(&changes));
        assert!(sent.unwrap_err().contains("no longer ALARM"));
        // Its OK change inside the window is not notified either.
        let sent = m.deliver("a", 0, 240, State::Ok, &changes, state_at(&changes));
        assert!(sent.unwrap_err().contains("first muted in ALARM"));
    }

    #[test]
    fn an_alarm_still_in_alarm_when_the_window_ends_sends_then() {
        let m = mutes(&[("r", "1970-01-01T00:01", "PT4M")]);
        let changes = [(0, State::Ok), (120, State::Alarm)];
        let sent = m.deliver("a", 0, 120, State::Alarm, &changes, state_at(&changes));
        assert_eq!(sent, Ok(300));
        // Outside any window: at once.
        assert_eq!(
            m.deliver("a", 0, 400, State::Alarm, &changes, state_at(&changes)),
            Ok(400)
        );
        assert_eq!(
            m.deliver("b", 0, 120, State::Alarm, &changes, state_at(&changes)),
            Ok(120)
        );
    }

    #[test]
    fn overlapping_rules_mute_as_one_window() {
        let m = mutes(&[
            ("r1", "1970-01-01T00:01", "PT4M"),
            ("r2", "1970-01-01T00:03", "PT4M"),
        ]);
        let w = m.window_at("a", 0, 120).unwrap();
        assert_eq!((w.from, w.to), (60, 420));
        assert_eq!(w.rules, ["r1", "r2"]);
        assert!(m.window_at("a", 0, 420).is_none());
        // The test's clock: 0s one minute later moves the window.
        assert_eq!(m.window_at("a", 60, 0).map(|w| w.from), Some(0));
    }
}
