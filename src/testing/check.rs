//! Checks a case's expectations against its simulation.

use super::case::{Case, Check, Sent};
use super::simulate::{AlarmRef, Filters, Mutant, Simulation, state_at, transitions};
use crate::compile::DesiredState;
use crate::engine::alarm::State;
use crate::notation::format_duration;
use crate::resource::Resource;
use std::collections::BTreeMap;

/// One failed expectation.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Index of the check in the case.
    pub check: usize,
    /// What was checked (`alarm cat-house-staging-api-high-error-rate at 10m`).
    pub subject: String,
    /// Expected.
    pub expected: String,
    /// Actual.
    pub actual: String,
}

/// One environment, prepared for running cases.
pub struct EnvRun<'a> {
    /// Its desired state.
    pub state: &'a DesiredState,
    /// Its filters, parsed.
    pub filters: Filters,
    /// Topic full name → catalogue name.
    pub topic_keys: BTreeMap<String, String>,
    /// Its mute rules.
    pub mutes: super::mute::Mutes,
}

impl<'a> EnvRun<'a> {
    /// Prepares an environment.
    pub fn new(cat: &crate::catalogue::Catalogue, state: &'a DesiredState) -> Self {
        let topic_keys = cat
            .topics
            .keys()
            .map(|k| {
                // A topic may be named by its `name`.
                let full = state.topic_names.get(k).cloned().unwrap_or_else(|| {
                    crate::compile::fill(&cat.naming, &cat.project, &state.env, None, k)
                });
                (full, k.clone())
            })
            .collect();
        EnvRun {
            state,
            filters: Filters::new(state),
            topic_keys,
            mutes: super::mute::Mutes::new(state),
        }
    }
}

/// Which checks of a case passed, and the failures.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Per check: passed.
    pub passed: Vec<bool>,
    /// The failures.
    pub failures: Vec<Failure>,
}

/// Runs a case (with an optional mutant alarm).
pub fn run(env: &EnvRun, case: &Case, mutant: Option<Mutant<'_>>) -> Outcome {
    run_with(env, case, mutant, &env.mutes)
}

/// Runs a case with these mute rules instead of the environment's (a
/// mutant mute rule).
pub fn run_with(
    env: &EnvRun,
    case: &Case,
    mutant: Option<Mutant<'_>>,
    mute_rules: &super::mute::Mutes,
) -> Outcome {
    let (state, filters, topic_keys) = (env.state, &env.filters, &env.topic_keys);
    let sim = Simulation::new(state, filters, case, mutant);
    let mut out = Outcome::default();
    for (i, check) in case.checks.iter().enumerate() {
        let failure = match check {
            Check::Alarm {
                alarm,
                at,
                state: expected,
                notifies,
                endpoints,
                sent,
                muted,
                ..
            } => {
                let at = match at {
                    Some(t) => At::Given(*t),
                    None => At::End(sim.horizon),
                };
                let mutes = Muting {
                    mutes: mute_rules,
                    start: case.start,
                };
                mute_check(&mutes, alarm, at, *muted).or_else(|| {
                    alarm_check(
                        &sim,
                        state,
                        topic_keys,
                        alarm,
                        at,
                        *expected,
                        Notification {
                            notifies: notifies.as_deref(),
                            endpoints: endpoints.as_deref(),
                            sent: *sent,
                            mutes: &mutes,
                        },
                    )
                })
            }
            Check::Filter {
                filter,
                line,
                matches,
                value,
                dimensions,
                ..
            } => filter_check(filters, filter, line, *matches, *value, dimensions.as_ref()),
        };
        out.passed.push(failure.is_none());
        if let Some((subject, expected, actual)) = failure {
            out.failures.push(Failure {
                check: i,
                subject,
                expected,
                actual,
            });
        }
    }
    out
}

type Fail = Option<(String, String, String)>;

/// The time an alarm expectation is checked at.
#[derive(Debug, Clone, Copy)]
enum At {
    /// Written as `at:`.
    Given(i64),
    /// No `at:`: the test's end, the last time it mentions.
    End(i64),
}

impl At {
    fn seconds(self) -> i64 {
        match self {
            At::Given(t) | At::End(t) => t,
        }
    }
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Given(t) => write!(f, "{}", format_duration(*t)),
            At::End(t) => write!(
                f,
                "{} (no `at:`: the test's end, the last time it mentions)",
                format_duration(*t)
            ),
        }
    }
}

/// The environment's mute rules on the case's clock.
struct Muting<'a> {
    mutes: &'a super::mute::Mutes,
    start: i64,
}

/// `muted:`: whether the alarm is inside a mute window at `at`.
fn mute_check(m: &Muting, alarm: &str, at: At, muted: Option<bool>) -> Fail {
    let want = muted?;
    let window = m.mutes.window_at(alarm, m.start, at.seconds());
    if window.is_some() == want {
        return None;
    }
    let say = |muted: bool| if muted { "muted" } else { "not muted" };
    let actual = match window {
        Some(w) => format!(
            "muted by {} from {} to {}",
            w.rules.join(", "),
            format_duration(w.from),
            format_duration(w.to)
        ),
        None => {
            let around = m
                .mutes
                .windows(alarm, m.start, 0, at.seconds().saturating_add(86_400));
            match around.first() {
                Some(w) => format!(
                    "not muted (next window from {} to {})",
                    format_duration(w.from),
                    format_duration(w.to)
                ),
                None => "not muted (no mute window targets it then)".to_string(),
            }
        }
    };
    Some((
        format!("alarm {alarm} at {at}: muted"),
        say(want).to_string(),
        actual,
    ))
}

/// What an alarm expectation says about the notification of its change.
struct Notification<'a> {
    notifies: Option<&'a [String]>,
    endpoints: Option<&'a [String]>,
    sent: Option<Sent>,
    /// The mute windows that may hold it back.
    mutes: &'a Muting<'a>,
}

fn alarm_check(
    sim: &Simulation,
    state: &DesiredState,
    topic_keys: &BTreeMap<String, String>,
    alarm: &str,
    at: At,
    expected: Option<State>,
    n: Notification,
) -> Fail {
    let subject = format!("alarm {alarm} at {at}");
    let when = at;
    let at = at.seconds();
    let timeline = match sim.timeline(alarm) {
        Ok(t) => t,
        Err(e) => return Some((subject, "an alarm obsctl can evaluate".into(), e)),
    };
    let actual = state_at(&timeline, at);
    let changes = transitions(&timeline);
    if let Some(want) = expected
        && actual != want
    {
        {
            let history = changes
                .iter()
                .take_while(|(t, _)| *t <= at)
                .map(|(t, s)| format!("{s} at {}", format_duration(*t)))
                .collect::<Vec<_>>();
            let history = if history.is_empty() {
                "never evaluated".to_string()
            } else {
                history.join(", ")
            };
            return Some((
                subject,
                want.to_string(),
                format!("{actual} (changes: {history})"),
            ));
        }
    }
    if n.notifies.is_none() && n.endpoints.is_none() && n.sent.is_none() {
        return None;
    }
    let want = expected?;
    let subject = format!("notification of alarm {alarm} changing to {want} by {when}");
    let last = changes.iter().enumerate().rfind(|(_, (t, _))| *t <= at);
    let Some(r) = sim.alarm(alarm) else {
        return Some((subject, "an alarm".into(), "none".into()));
    };
    // When the change's actions are taken, or why they never are.
    let sent: Result<i64, String> = match last {
        Some((i, (t, s))) if *s == want => {
            let (enabled, actions) = r.actions(want);
            let taken = match r {
                AlarmRef::Composite(c) => match sim.action_times(c, &changes) {
                    Ok(times) => times.get(i).copied().flatten(),
                    Err(e) => return Some((subject, "an evaluable suppressor".into(), e)),
                },
                AlarmRef::Metric(_) | AlarmRef::Log(_) => Some(*t),
            };
            match taken {
                _ if !enabled => Err("never (actions disabled)".into()),
                _ if actions.is_empty() => Err(format!("never (no {want} actions)")),
                Some(t) => Ok(t),
                None => Err(match changes.get(i + 1) {
                    Some((next, s)) => format!(
                        "never (the alarm changes to {s} at {} while the actions of its change at {} wait out the actions suppressor's WaitPeriod, ALARM or ExtensionPeriod)",
                        format_duration(*next),
                        format_duration(*t)
                    ),
                    None => format!(
                        "never (its change at {} is held back by the actions suppressor, still in ALARM at the test's end)",
                        format_duration(*t)
                    ),
                }),
            }
        }
        Some(_) | None => Err(format!("never (no change to {want} by {when})")),
    };
    // A change inside a mute window notifies at its end, or never.
    let mutes = n.mutes;
    let sent = sent.and_then(|t| {
        mutes
            .mutes
            .deliver(alarm, mutes.start, t, want, &changes, |t| {
                state_at(&timeline, t)
            })
    });
    let show = |sent: &Result<i64, String>| match sent {
        Ok(t) => format!("sent at {}", format_duration(*t)),
        Err(e) => e.clone(),
    };
    let deadline = match n.sent {
        Some(Sent::At(t)) => {
            if sent != Ok(t) {
                return Some((
                    format!(
                        "notification of alarm {alarm} changing to {want} by {when}: `notifies_at`"
                    ),
                    format!("sent at {}", format_duration(t)),
                    show(&sent),
                ));
            }
            t
        }
        Some(Sent::By(t)) => {
            if !sent.as_ref().is_ok_and(|s| *s <= t) {
                return Some((
                    format!(
                        "notification of alarm {alarm} changing to {want} by {when}: `notifies_by`"
                    ),
                    format!("sent at {} at the latest", format_duration(t)),
                    show(&sent),
                ));
            }
            t
        }
        Some(Sent::Never) => {
            if let Ok(t) = sent {
                return Some((
                    format!(
                        "notification of alarm {alarm} changing to {want} by {when}: `notifies_at`"
                    ),
                    "never sent".into(),
                    format!("sent at {}", format_duration(t)),
                ));
            }
            at
        }
        None => at,
    };
    let (topics, subs) = match sent {
        Ok(t) if t <= deadline => reached(state, topic_keys, &r.actions(want).1),
        Ok(_) | Err(_) => (Vec::new(), Vec::new()),
    };
    let subject = match n.sent {
        Some(Sent::At(_) | Sent::By(_)) => {
            format!("{subject} ({})", show(&sent))
        }
        Some(Sent::Never) => subject,
        None => match sent {
            Ok(t) if t > deadline => format!("{subject} (sent only at {})", format_duration(t)),
            Ok(_) => subject,
            Err(why) => format!("{subject}: sent {why}"),
        },
    };
    if let Some(n) = n.notifies {
        let mut want_topics = n.to_vec();
        want_topics.sort();
        if want_topics != topics {
            return Some((subject, list(&want_topics), list(&topics)));
        }
    }
    if let Some(e) = n.endpoints {
        let mut want_subs = e.to_vec();
        want_subs.sort();
        if want_subs != subs {
            return Some((
                format!("{subject}: subscriptions"),
                list(&want_subs),
                list(&subs),
            ));
        }
    }
    None
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

/// The topics (catalogue names, or the ARN of a non-topic action) and
/// subscriptions (`protocol:endpoint`) the actions reach, each sorted.
fn reached(
    state: &DesiredState,
    keys: &BTreeMap<String, String>,
    actions: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut topics = Vec::new();
    let mut subs = Vec::new();
    for arn in actions {
        let name = arn.rsplit(':').next().unwrap_or(arn);
        match keys.get(name) {
            Some(key) => {
                topics.push(key.clone());
                for r in state.resources.values() {
                    if let Resource::Subscription(s) = r
                        && s.topic_name == name
                    {
                        subs.push(format!("{}:{}", s.protocol, s.endpoint));
                    }
                }
            }
            None => topics.push(arn.clone()),
        }
    }
    topics.sort();
    topics.dedup();
    subs.sort();
    subs.dedup();
    (topics, subs)
}

fn filter_check(
    filters: &Filters,
    filter: &str,
    line: &str,
    matches: bool,
    value: Option<f64>,
    dimensions: Option<&BTreeMap<String, String>>,
) -> Fail {
    let subject = format!("filter {filter} on line {line}");
    let published = filters.publish(filter, line);
    let show = |p: &Option<(f64, BTreeMap<String, String>)>| match p {
        None => "no match (nothing published)".to_string(),
        Some((v, d)) if d.is_empty() => format!("publishes {v}"),
        Some((v, d)) => format!(
            "publishes {v} with {}",
            d.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    match (&published, matches) {
        (None, true) => Some((subject, "a match".into(), show(&published))),
        (Some(_), false) => Some((subject, "no match".into(), show(&published))),
        (None, false) => None,
        (Some((v, d)), true) => {
            let value_ok = value.is_none_or(|want| (want - v).abs() <= 1e-9 * want.abs().max(1.0));
            let dims_ok = dimensions.is_none_or(|want| want == d);
            if value_ok && dims_ok {
                None
            } else {
                let want = Some((
                    value.unwrap_or(*v),
                    dimensions.cloned().unwrap_or_else(|| d.clone()),
                ));
                Some((subject, show(&want), show(&published)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::At;

    #[test]
    fn a_check_at_the_default_time_says_which_time_it_used() {
        assert_eq!(At::Given(360).to_string(), "6m");
        assert_eq!(
            At::End(540).to_string(),
            "9m (no `at:`: the test's end, the last time it mentions)"
        );
        assert_eq!(At::End(540).seconds(), 540);
    }
}
