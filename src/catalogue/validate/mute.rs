//! Mute windows (`mute:`): the schedule syntax AWS documents for alarm mute
//! rules ([`crate::rules::mute`]), durations of 1 minute to 15 days, IANA
//! time zones, dates, and the names the window chooses alarms by.

use super::*;
use crate::rules::mute::{self as rules, Expression};

/// The parts of a mute window as AWS takes them, or the problems found:
/// (field, message, help) for each.
pub struct ParsedMute {
    /// The schedule.
    pub schedule: rules::Schedule,
    /// ISO 8601 duration.
    pub duration: String,
    /// The time zone's name.
    pub timezone: String,
}

/// Parses a window's schedule, duration, time zone and dates (shared by
/// validation, compilation, docs and `obsctl test`).
pub fn parse_mute(spec: &MuteSpec) -> Result<ParsedMute, Vec<(&'static str, String)>> {
    let mut bad = Vec::new();
    let expression = rules::parse_expression(spec.schedule.trim())
        .map_err(|e| bad.push(("schedule", e)))
        .ok();
    let duration = if spec.duration.trim_start().starts_with('P') {
        rules::parse_iso_duration(spec.duration.trim())
    } else {
        crate::notation::duration(&spec.duration).and_then(|s| rules::check_duration(s).map(|()| s))
    }
    .map_err(|e| bad.push(("duration", e)))
    .ok();
    let tz_name = spec.timezone.clone().unwrap_or_else(|| "UTC".to_string());
    let timezone = rules::parse_timezone(&tz_name)
        .map_err(|e| bad.push(("timezone", e)))
        .ok();
    let tz = timezone.unwrap_or(chrono_tz::Tz::UTC);
    let mut date = |field: &'static str, text: &Option<String>| {
        text.as_ref().and_then(|t| {
            rules::parse_date(t, tz)
                .map_err(|e| bad.push((field, e)))
                .ok()
        })
    };
    let start = date("start", &spec.start);
    let expire = date("expire", &spec.expire);
    if let (Some(s), Some(e)) = (start, expire)
        && e <= s
    {
        bad.push(("expire", "`expire` must come after `start`".to_string()));
    }
    if let (Some(Expression::At(at)), Some(e), Some(tz)) = (&expression, expire, timezone) {
        let once = rules::Schedule {
            expression: Expression::At(*at),
            duration: duration.unwrap_or(60),
            timezone: tz,
            start,
            expire: None,
        };
        if once
            .windows(chrono::DateTime::<chrono::Utc>::MIN_UTC, e)
            .is_empty()
        {
            bad.push((
                "expire",
                "the rule expires before its one window opens".to_string(),
            ));
        }
    }
    match (expression, duration, timezone) {
        (Some(expression), Some(secs), Some(timezone)) if bad.is_empty() => Ok(ParsedMute {
            schedule: rules::Schedule {
                expression,
                duration: secs,
                timezone,
                start,
                expire,
            },
            duration: rules::iso_duration(secs),
            timezone: tz_name,
        }),
        _ => Err(bad),
    }
}

impl Validator<'_> {
    pub(super) fn mute(&mut self) {
        for (name, spec) in &self.cat.mute {
            let o = &spec.origin;
            if let Err(found) = parse_mute(spec) {
                for (field, message) in found {
                    let help = match field {
                        "schedule" => {
                            "write cron(Minutes Hours Day-of-month Month Day-of-week), e.g. cron(0 2 * * SUN), or at(2026-12-24T18:00)"
                        }
                        "duration" => {
                            "write e.g. `30m`, `2h`, `1d12h` or `PT2H`, from 1 minute to 15 days"
                        }
                        "timezone" => "use an IANA name such as Europe/Berlin or America/New_York",
                        _ => {
                            "write 2026-04-15T08:00 (in the window's time zone) or 2026-04-15T08:00:00Z"
                        }
                    };
                    self.err(
                        &o.child(field),
                        format!("mute window `{name}`: {message}"),
                        help.to_string(),
                    );
                }
            }
            for (i, env) in spec.environments.iter().flatten().enumerate() {
                if !self.cat.environments.contains_key(env) && !self.known("environments", env) {
                    let help = did_you_mean(env, self.cat.environments.keys().map(String::as_str));
                    self.err(
                        &o.child("environments").child(&i.to_string()),
                        format!("undefined environment `{env}`"),
                        help.or(Some("define it under `environments:`".into())),
                    );
                }
            }
            for (i, alarm) in spec.alarms.iter().flatten().enumerate() {
                if !self.cat.alarms.contains_key(alarm) && !self.known("alarms", alarm) {
                    let help = did_you_mean(alarm, self.cat.alarms.keys().map(String::as_str));
                    self.err(
                        &o.child("alarms").child(&i.to_string()),
                        format!("undefined alarm template `{alarm}`"),
                        help.or(Some("name a key of `alarms:`".into())),
                    );
                }
            }
            for (i, service) in spec.services.iter().flatten().enumerate() {
                self.service_ref(service, &o.child("services").child(&i.to_string()));
            }
            for (i, severity) in spec.severities.iter().flatten().enumerate() {
                self.severity_ref(
                    severity,
                    &o.child("severities").child(&i.to_string()),
                    false,
                );
            }
        }
    }
}
