//! Section 3 of `obsctl verify`, the drill: does a notification really
//! arrive? The pure part: which routes the environment has and which alarm
//! each is drilled with ([`routes`], [`choose`]), how an alarm notification
//! is recognised in a queue ([`Notification::parse`]), and what a route's
//! deliveries mean ([`RouteResult::level`]). [`super::drill_run`] does the
//! AWS calls.
//!
//! A route is a distinct pair of topic sets: the topics an alarm's ALARM
//! actions notify and those its OK actions notify. Alarms of one severity
//! share a route unless an environment or a service changes it (`routes:`
//! in the catalogue), so "critical", "critical for payment-service" and
//! "warning" are three routes when payment-service adds a topic.
//!
//! Facts the drill relies on (CloudWatch API reference, SetAlarmState):
//! "When the updated state differs from the previous value, the action
//! configured for the appropriate state is invoked" — so setting the state
//! an alarm is already in sends nothing, and an alarm in ALARM is never
//! drilled; "a metric alarm returns to its actual state quickly, often
//! within seconds" (at its next evaluation), while a composite alarm "will
//! remain in the state set by SetAlarmState until one of its children
//! changes state", so the drill sets composites back itself. Muted alarms
//! ("How alarm mute rules work": actions of every state are muted while a
//! rule is active) and composites whose actions suppressor is in ALARM
//! ("Alarm suppression") would send nothing: they are not chosen, and a
//! route that has only such alarms is reported as such, not as a failure.

use super::check::Level;
use super::targets::{Locate, Location, location};
use crate::aws::data::AlarmState;
use crate::compile::DesiredState;
use crate::resource::Resource;
use serde::Serialize;
use std::collections::BTreeMap;

/// Name prefix of the drill's temporary queues.
pub const QUEUE_PREFIX: &str = "obsctl-drill-";
/// Tag naming the environment a temporary queue was made for (its prefix).
pub const ENV_TAG: &str = "obsctl:drill-env";
/// Tag with the run id.
pub const RUN_TAG: &str = "obsctl:drill-run";
/// Tag with the run's start, seconds since the epoch.
pub const STARTED_TAG: &str = "obsctl:drill-started";
/// A temporary queue older than this is a leftover of a run that was
/// killed (a drill takes minutes: two waits per route, bounded by
/// `--drill-timeout`), removed by the next drill of the environment.
pub const LEFTOVER_AFTER_SECONDS: i64 = 3600;

/// An alarm a route can be drilled with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Alarm name.
    pub alarm: String,
    /// A composite alarm.
    pub composite: bool,
    /// Template or composite entry.
    pub entry: String,
    /// Service.
    pub service: Option<String>,
    /// Catalogue location.
    pub at: Location,
}

/// One notification route of the environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// Severities whose alarms take it (the alarms' `Severity` tag).
    pub severities: Vec<String>,
    /// Services whose alarms take it (empty: environment-wide alarms).
    pub services: Vec<String>,
    /// SNS topic ARNs of the ALARM actions.
    pub alarm_topics: Vec<String>,
    /// SNS topic ARNs of the OK actions.
    pub ok_topics: Vec<String>,
    /// Its alarms: metric alarms first, then composites, by name.
    pub candidates: Vec<Candidate>,
}

impl Route {
    /// `critical → oncall-pager, payment-oncall (OK: oncall-pager)`.
    pub fn label(&self) -> String {
        let names = |arns: &[String]| {
            arns.iter()
                .map(|a| topic_name(a))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut s = format!(
            "{} → {}",
            if self.severities.is_empty() {
                "(no severity)".to_string()
            } else {
                self.severities.join(", ")
            },
            names(&self.alarm_topics)
        );
        if !self.ok_topics.is_empty() {
            s.push_str(&format!(" (OK: {})", names(&self.ok_topics)));
        }
        s
    }

    /// Every topic of the route, ALARM topics first, once each.
    pub fn topics(&self) -> Vec<String> {
        let mut all = self.alarm_topics.clone();
        for t in &self.ok_topics {
            if !all.contains(t) {
                all.push(t.clone());
            }
        }
        all
    }
}

/// A topic's name: its ARN's last part.
pub fn topic_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

fn sns_topics(actions: &[String]) -> Vec<String> {
    let mut t: Vec<String> = actions
        .iter()
        .filter(|a| a.split(':').nth(2) == Some("sns"))
        .cloned()
        .collect();
    t.sort();
    t.dedup();
    t
}

/// The environment's routes, from its compiled metric and composite
/// alarms that notify an SNS topic on ALARM (log alarms are drilled like
/// metric alarms: SetAlarmState applies to them too). Alarms with actions
/// disabled are left out: they page nobody.
pub fn routes(desired: &DesiredState, locate: &Locate) -> Vec<Route> {
    let mut by_topics: BTreeMap<(Vec<String>, Vec<String>), Route> = BTreeMap::new();
    for (key, resource) in &desired.resources {
        let (name, enabled, alarm, ok, tags, composite) = match resource {
            Resource::MetricAlarm(a) => (
                &a.alarm_name,
                a.actions_enabled,
                &a.alarm_actions,
                &a.ok_actions,
                &a.tags,
                false,
            ),
            Resource::LogAlarm(a) => (
                &a.alarm_name,
                a.actions_enabled,
                &a.alarm_actions,
                &a.ok_actions,
                &a.tags,
                false,
            ),
            Resource::CompositeAlarm(a) => (
                &a.alarm_name,
                a.actions_enabled,
                &a.alarm_actions,
                &a.ok_actions,
                &a.tags,
                true,
            ),
            Resource::Topic(_)
            | Resource::Subscription(_)
            | Resource::LogGroup(_)
            | Resource::MetricFilter(_)
            | Resource::Dashboard(_)
            | Resource::QueryDefinition(_)
            | Resource::AlarmMuteRule(_) => continue,
        };
        let alarm_topics = sns_topics(alarm);
        if !enabled || alarm_topics.is_empty() {
            continue;
        }
        let ok_topics = sns_topics(ok);
        let attribution = desired.attribution.get(key).cloned().unwrap_or_default();
        let route = by_topics
            .entry((alarm_topics.clone(), ok_topics.clone()))
            .or_insert_with(|| Route {
                severities: Vec::new(),
                services: Vec::new(),
                alarm_topics,
                ok_topics,
                candidates: Vec::new(),
            });
        if let Some(sev) = tags.iter().find(|t| t.key == "Severity")
            && !route.severities.contains(&sev.value)
        {
            route.severities.push(sev.value.clone());
        }
        if let Some(svc) = &attribution.service
            && !route.services.contains(svc)
        {
            route.services.push(svc.clone());
        }
        route.candidates.push(Candidate {
            alarm: name.clone(),
            composite,
            entry: attribution.entry.clone(),
            service: attribution.service.clone(),
            at: location(desired, key, locate),
        });
    }
    let mut out: Vec<Route> = by_topics.into_values().collect();
    for r in &mut out {
        r.severities.sort();
        r.services.sort();
        r.candidates
            .sort_by(|a, b| (a.composite, &a.alarm).cmp(&(b.composite, &b.alarm)));
    }
    out.sort_by(|a, b| {
        (&a.severities, &a.services, &a.alarm_topics).cmp(&(
            &b.severities,
            &b.services,
            &b.alarm_topics,
        ))
    });
    out
}

/// What is known of a candidate just before the drill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// Its live state (`None`: the alarm does not exist live).
    pub state: Option<AlarmState>,
    /// Live `ActionsEnabled`.
    pub actions_enabled: bool,
    /// Mute rules muting it now.
    pub muted_by: Vec<String>,
    /// Its actions suppressor, when that is in ALARM now.
    pub suppressed_by: Option<String>,
}

/// Why no alarm of a route could be drilled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum NotDrilled {
    /// None of its alarms exists live (not applied yet).
    NotApplied,
    /// Every alarm is in ALARM: setting ALARM again sends nothing.
    AllInAlarm,
    /// Every alarm is muted by a mute rule now.
    Muted {
        /// The rules.
        rules: Vec<String>,
    },
    /// Every composite's actions suppressor is in ALARM.
    Suppressed {
        /// The suppressor alarms.
        by: Vec<String>,
    },
    /// Actions are disabled live on every alarm.
    ActionsDisabled,
}

impl NotDrilled {
    /// One line for the report.
    pub fn describe(&self) -> String {
        match self {
            NotDrilled::NotApplied => {
                "not drilled: none of its alarms exists in the account (run apply first)".into()
            }
            NotDrilled::AllInAlarm => "not drilled: every alarm of the route is in ALARM \
                 (SetAlarmState to the state an alarm is in sends nothing)"
                .into(),
            NotDrilled::Muted { rules } => format!(
                "not drilled: every alarm of the route is muted now by {} (its notifications would be muted, not lost)",
                rules.join(", ")
            ),
            NotDrilled::Suppressed { by } => format!(
                "not drilled: the actions suppressor {} is in ALARM (notifications are suppressed, not lost)",
                by.join(", ")
            ),
            NotDrilled::ActionsDisabled => {
                "not drilled: actions are disabled on every alarm of the route in the account"
                    .into()
            }
        }
    }
}

/// The alarm to drill a route with: the first candidate (metric alarms
/// before composites, which must be set back by hand) that exists, is not
/// in ALARM, has actions enabled, and is neither muted nor suppressed.
pub fn choose(route: &Route, standing: &BTreeMap<String, Standing>) -> Result<usize, NotDrilled> {
    let mut muted = Vec::new();
    let mut suppressed = Vec::new();
    let (mut exists, mut in_alarm) = (false, 0);
    for (i, c) in route.candidates.iter().enumerate() {
        let Some(s) = standing.get(&c.alarm) else {
            continue;
        };
        let Some(state) = s.state else {
            continue;
        };
        exists = true;
        if !s.actions_enabled {
            continue;
        } else if state == AlarmState::Alarm {
            in_alarm += 1;
        } else if !s.muted_by.is_empty() {
            muted.extend(s.muted_by.iter().cloned());
        } else if let Some(p) = &s.suppressed_by {
            suppressed.push(p.clone());
        } else {
            return Ok(i);
        }
    }
    muted.sort();
    muted.dedup();
    suppressed.sort();
    suppressed.dedup();
    Err(if !exists {
        NotDrilled::NotApplied
    } else if !muted.is_empty() {
        NotDrilled::Muted { rules: muted }
    } else if !suppressed.is_empty() {
        NotDrilled::Suppressed { by: suppressed }
    } else if in_alarm > 0 {
        NotDrilled::AllInAlarm
    } else {
        NotDrilled::ActionsDisabled
    })
}

/// An alarm notification as CloudWatch publishes it to SNS: the JSON
/// message with `AlarmName`, `NewStateValue`, `NewStateReason`,
/// `OldStateValue`, `StateChangeTime`… (the shape of aws-lambda-go's
/// `cloudwatch-alarm-sns-payload-single-metric.json` and of AWS's alarm
/// e-mails), inside SNS's JSON envelope (`Type: Notification`, `Message`)
/// unless the subscription has raw message delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// `AlarmName`.
    pub alarm: String,
    /// `NewStateValue`.
    pub state: AlarmState,
    /// `NewStateReason`.
    pub reason: String,
}

impl Notification {
    /// The notification in a queue message body, if it is one.
    pub fn parse(body: &str) -> Option<Notification> {
        let v: serde_json::Value = serde_json::from_str(body).ok()?;
        let inner = match v.get("Type").and_then(|t| t.as_str()) {
            Some("Notification") => serde_json::from_str(v.get("Message")?.as_str()?).ok()?,
            _ => v,
        };
        Some(Notification {
            alarm: inner.get("AlarmName")?.as_str()?.to_string(),
            state: AlarmState::parse(inner.get("NewStateValue")?.as_str()?)?,
            reason: inner
                .get("NewStateReason")
                .and_then(|r| r.as_str())
                .unwrap_or_default()
                .to_string(),
        })
    }
}

/// The reason the drill gives SetAlarmState (it shows in the notification
/// the on-call receives, and in the alarm's history).
pub fn reason(run: &str, state: AlarmState) -> String {
    match state {
        AlarmState::Alarm => format!(
            "obsctl verify --drill (run {run}): a test of this alarm's notifications, not an incident; obsctl sets the alarm back to OK right after"
        ),
        AlarmState::Ok | AlarmState::InsufficientData => format!(
            "obsctl verify --drill (run {run}): end of the test; the alarm returns to its evaluated state"
        ),
    }
}

/// Whether a notification is the drill's own for `alarm` entering `state`.
pub fn is_drill_message(n: &Notification, run: &str, alarm: &str, state: AlarmState) -> bool {
    n.alarm == alarm && n.state == state && n.reason.contains(&format!("(run {run})"))
}

/// One topic's delivery of one state change.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Delivery {
    /// The message arrived, this long after SetAlarmState.
    Delivered {
        /// Milliseconds.
        latency_ms: u64,
    },
    /// Nothing arrived within the wait.
    Missing {
        /// Seconds waited.
        waited_s: u64,
    },
    /// The temporary queue could not be subscribed (e.g. access denied).
    NotSubscribed {
        /// AWS's error.
        error: String,
    },
}

/// A topic of a drilled route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicResult {
    /// Topic ARN.
    pub topic: String,
    /// Delivery of the ALARM notification (ALARM topics only).
    pub alarm: Option<Delivery>,
    /// Delivery of the OK notification (OK topics only).
    pub ok: Option<Delivery>,
    /// Confirmed subscriptions besides the drill's queue.
    pub confirmed: usize,
    /// Endpoints still pending confirmation: they receive nothing.
    pub pending: Vec<String>,
}

/// What happened to one route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteResult {
    /// The route.
    pub route: Route,
    /// The alarm drilled, or why none was.
    pub drilled: Result<Candidate, NotDrilled>,
    /// Its state before the drill.
    pub before: Option<AlarmState>,
    /// Per topic.
    pub topics: Vec<TopicResult>,
    /// How the alarm was left: a sentence.
    pub restored: Option<String>,
}

impl RouteResult {
    /// Problem when a notification did not arrive, or a topic has no
    /// confirmed subscription besides the drill's; Warning when a
    /// subscription is pending confirmation or the route could not be
    /// drilled; Ok otherwise.
    pub fn level(&self) -> Level {
        if self.drilled.is_err() {
            return match &self.drilled {
                Err(NotDrilled::NotApplied) => Level::Problem,
                _ => Level::Warning,
            };
        }
        let failed = self.topics.iter().any(|t| {
            [&t.alarm, &t.ok]
                .into_iter()
                .flatten()
                .any(|d| !matches!(d, Delivery::Delivered { .. }))
                || t.confirmed == 0
        });
        if failed {
            Level::Problem
        } else if self.topics.iter().any(|t| !t.pending.is_empty()) {
            Level::Warning
        } else {
            Level::Ok
        }
    }
}

/// The drill's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drill {
    /// The run id (in every message's reason and in the queues' tags).
    pub run: String,
    /// Seconds waited at most per notification.
    pub timeout_s: u64,
    /// Per route.
    pub routes: Vec<RouteResult>,
    /// Leftovers of killed runs removed first: queue names.
    pub leftovers_removed: Vec<String>,
    /// Temporary queues and subscriptions that could not be removed (with
    /// AWS's error): the next drill retries.
    pub cleanup_failures: Vec<String>,
    /// Interrupted (Ctrl-C): routes not reached are missing.
    pub interrupted: bool,
}

impl Drill {
    /// Routes at `level`.
    pub fn count(&self, level: Level) -> usize {
        self.routes.iter().filter(|r| r.level() == level).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(candidates: &[(&str, bool)]) -> Route {
        Route {
            severities: vec!["critical".into()],
            services: vec![],
            alarm_topics: vec!["arn:aws:sns:us-east-1:1:critical".into()],
            ok_topics: vec![],
            candidates: candidates
                .iter()
                .map(|(n, c)| Candidate {
                    alarm: n.to_string(),
                    composite: *c,
                    entry: "t".into(),
                    service: None,
                    at: Location {
                        file: "obsctl.yaml".into(),
                        line: 1,
                        column: 1,
                    },
                })
                .collect(),
        }
    }

    fn standing(state: AlarmState) -> Standing {
        Standing {
            state: Some(state),
            actions_enabled: true,
            muted_by: vec![],
            suppressed_by: None,
        }
    }

    #[test]
    fn choose_skips_alarms_in_alarm_muted_or_missing() {
        let r = route(&[("a", false), ("b", false), ("c", false), ("d", true)]);
        let mut s = BTreeMap::new();
        s.insert("a".to_string(), standing(AlarmState::Alarm));
        let mut muted = standing(AlarmState::Ok);
        muted.muted_by = vec!["deploys".into()];
        s.insert("b".to_string(), muted);
        // c does not exist live; d (a composite) is OK.
        s.insert("d".to_string(), standing(AlarmState::Ok));
        assert_eq!(choose(&r, &s), Ok(3));
        s.insert("c".to_string(), standing(AlarmState::InsufficientData));
        assert_eq!(choose(&r, &s), Ok(2));
    }

    #[test]
    fn choose_says_why_nothing_was_drilled() {
        let r = route(&[("a", false), ("b", false)]);
        assert_eq!(choose(&r, &BTreeMap::new()), Err(NotDrilled::NotApplied));
        let mut s = BTreeMap::new();
        s.insert("a".to_string(), standing(AlarmState::Alarm));
        s.insert("b".to_string(), standing(AlarmState::Alarm));
        assert_eq!(choose(&r, &s), Err(NotDrilled::AllInAlarm));
        let mut m = standing(AlarmState::Ok);
        m.muted_by = vec!["nightly".into()];
        s.insert("b".to_string(), m);
        assert_eq!(
            choose(&r, &s),
            Err(NotDrilled::Muted {
                rules: vec!["nightly".into()]
            })
        );
    }

    #[test]
    fn notifications_are_read_in_the_envelope_and_raw() {
        let message = r#"{"AlarmName":"cat-staging-api-5xx","NewStateValue":"ALARM","NewStateReason":"obsctl verify --drill (run r1): a test","OldStateValue":"OK"}"#;
        let envelope = serde_json::json!({"Type": "Notification", "Message": message}).to_string();
        for body in [message.to_string(), envelope] {
            let n = Notification::parse(&body).unwrap();
            assert_eq!(n.alarm, "cat-staging-api-5xx");
            assert_eq!(n.state, AlarmState::Alarm);
            assert!(is_drill_message(
                &n,
                "r1",
                "cat-staging-api-5xx",
                AlarmState::Alarm
            ));
            assert!(!is_drill_message(
                &n,
                "r2",
                "cat-staging-api-5xx",
                AlarmState::Alarm
            ));
            assert!(!is_drill_message(
                &n,
                "r1",
                "cat-staging-api-5xx",
                AlarmState::Ok
            ));
        }
        assert_eq!(Notification::parse("not json"), None);
        assert_eq!(Notification::parse(r#"{"Type":"Notification"}"#), None);
    }

    #[test]
    fn reasons_carry_the_run_id() {
        let n = Notification {
            alarm: "a".into(),
            state: AlarmState::Ok,
            reason: reason("abc", AlarmState::Ok),
        };
        assert!(is_drill_message(&n, "abc", "a", AlarmState::Ok));
    }
}
