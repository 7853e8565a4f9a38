//! Alarm mute rule schedules as AWS documents them (the `Schedule` data type
//! of the CloudWatch API reference, PutAlarmMuteRule): pure parsing and
//! evaluation, shared by validation, compilation, `obsctl docs` and
//! `obsctl test`.
//!
//! - `Expression`: `cron(Minutes Hours Day-of-month Month Day-of-week)` —
//!   five fields, not EventBridge's six (no year, no `?`) — where "the
//!   characters `*`, `-`, and `,` are supported in all fields" and "English
//!   names can be used for the month (JAN-DEC) and day of week (SUN-SAT)
//!   fields"; or `at(yyyy-MM-ddThh:mm)`, a one-time window at minute
//!   resolution. Nothing else (`/`, `?`, `L`, `W`, `#`, seconds) is
//!   documented, so nothing else is accepted. Day-of-week numbers follow
//!   standard cron (the user guide: "standard cron syntax"): 0–6, 0 = Sunday;
//!   when both day fields are restricted, a day matching either is a day of
//!   the schedule (standard cron).
//! - `Duration`: ISO 8601, "a minimum of 1 minute (`PT1M`) and maximum of 15
//!   days (`P15D`)"; obsctl writes days, hours and minutes (`P2DT12H`).
//! - `Timezone`: an IANA identifier (`Europe/London`); UTC when absent. "The
//!   time zone affects how cron and at expressions are interpreted, as well
//!   as start and expire dates you specify."

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

/// Shortest window: one minute (PT1M).
pub const MIN_DURATION_SECS: i64 = 60;
/// Longest window: 15 days (P15D).
pub const MAX_DURATION_SECS: i64 = 15 * 86_400;
/// Target alarms per rule (MuteTargets: "up to 100 alarm names").
pub const MAX_TARGETS: usize = 100;
/// Expression length (1–256 characters).
pub const MAX_EXPRESSION: usize = 256;

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    /// `cron(...)`: recurring.
    Cron(Cron),
    /// `at(...)`: once, at this local time.
    At(NaiveDateTime),
}

/// The five fields of a mute-rule cron expression, as sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    months: Vec<bool>,
    weekdays: Vec<bool>,
    days_star: bool,
    weekdays_star: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Parses one cron field over `lo..=hi`, with optional English `names`
/// (`names[i]` is `lo + i`).
fn field(text: &str, what: &str, lo: u32, hi: u32, names: &[&str]) -> Result<Vec<bool>, String> {
    let mut set = vec![false; hi as usize + 1];
    let value = |v: &str| -> Result<u32, String> {
        let upper = v.to_ascii_uppercase();
        if let Some(i) = names.iter().position(|n| *n == upper) {
            return Ok(lo + i as u32);
        }
        match v.parse::<u32>() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(n),
            _ => Err(format!(
                "{what}: `{v}` is not a value from {lo} to {hi}{}",
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" or {}–{}", names[0], names[names.len() - 1])
                }
            )),
        }
    };
    for part in text.split(',') {
        if part == "*" {
            set.iter_mut().skip(lo as usize).for_each(|b| *b = true);
            continue;
        }
        if let Some(c) = part
            .chars()
            .find(|c| matches!(c, '/' | '?' | 'L' | 'W' | '#'))
            && !(names.iter().any(|n| n.contains(c)) && part.len() > 1)
        {
            return Err(format!(
                "{what}: `{c}` is not supported in mute-rule cron expressions (only `*`, `-` and `,`)"
            ));
        }
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (value(a)?, value(b)?),
            None => {
                let v = value(part)?;
                (v, v)
            }
        };
        if a > b {
            return Err(format!("{what}: the range `{part}` runs backwards"));
        }
        (a..=b).for_each(|i| set[i as usize] = true);
    }
    Ok(set)
}

/// Parses a mute-rule schedule expression.
pub fn parse_expression(text: &str) -> Result<Expression, String> {
    if text.is_empty() || text.len() > MAX_EXPRESSION {
        return Err(format!(
            "a schedule expression has 1 to {MAX_EXPRESSION} characters"
        ));
    }
    if let Some(inner) = text.strip_prefix("cron(").and_then(|t| t.strip_suffix(')')) {
        let parts: Vec<&str> = inner.split_whitespace().collect();
        let [m, h, dom, mon, dow] = parts.as_slice() else {
            return Err(format!(
                "`{text}` has {} fields; a mute-rule cron expression has five: cron(Minutes Hours Day-of-month Month Day-of-week) (no year, unlike EventBridge)",
                parts.len()
            ));
        };
        return Ok(Expression::Cron(Cron {
            minutes: field(m, "minutes", 0, 59, &[])?,
            hours: field(h, "hours", 0, 23, &[])?,
            days: field(dom, "day of month", 1, 31, &[])?,
            months: field(mon, "month", 1, 12, &MONTHS)?,
            weekdays: field(dow, "day of week", 0, 6, &WEEKDAYS)?,
            days_star: *dom == "*",
            weekdays_star: *dow == "*",
        }));
    }
    if let Some(inner) = text.strip_prefix("at(").and_then(|t| t.strip_suffix(')')) {
        return NaiveDateTime::parse_from_str(inner, "%Y-%m-%dT%H:%M")
            .map(Expression::At)
            .map_err(|_| {
                format!("`{text}`: an at expression is at(yyyy-MM-ddThh:mm), to the minute")
            });
    }
    Err(format!(
        "`{text}` is neither cron(Minutes Hours Day-of-month Month Day-of-week) nor at(yyyy-MM-ddThh:mm)"
    ))
}

/// Parses an ISO 8601 duration of days, hours and minutes (`PT4H`,
/// `P2DT12H`) into seconds, within 1 minute and 15 days.
pub fn parse_iso_duration(text: &str) -> Result<i64, String> {
    let bad = || {
        format!("`{text}` is not an ISO 8601 duration of days, hours and minutes (PT4H, P2DT12H)")
    };
    let rest = text.strip_prefix('P').ok_or_else(bad)?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    if rest.ends_with('T') || (date.is_empty() && time.is_empty()) {
        return Err(bad());
    }
    let mut secs: i64 = 0;
    for (part, units) in [
        (date, &[('D', 86_400)][..]),
        (time, &[('H', 3600), ('M', 60)][..]),
    ] {
        let mut number = String::new();
        let mut last = 0;
        for c in part.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let pos = units.iter().position(|(u, _)| *u == c).ok_or_else(bad)?;
            if number.is_empty() || (last > 0 && pos < last) {
                return Err(bad());
            }
            let n: i64 = number.parse().map_err(|_| bad())?;
            secs = secs.saturating_add(n.saturating_mul(units[pos].1));
            number.clear();
            last = pos + 1;
        }
        if !number.is_empty() {
            return Err(bad());
        }
    }
    check_duration(secs)?;
    Ok(secs)
}

/// A window length AWS accepts: 1 minute to 15 days, whole minutes.
pub fn check_duration(secs: i64) -> Result<(), String> {
    if !(MIN_DURATION_SECS..=MAX_DURATION_SECS).contains(&secs) {
        return Err("a mute window lasts from 1 minute (PT1M) to 15 days (P15D)".into());
    }
    if secs % 60 != 0 {
        return Err("a mute window lasts whole minutes".into());
    }
    Ok(())
}

/// The ISO 8601 form obsctl writes for `secs` (`P1DT2H30M`).
pub fn iso_duration(secs: i64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    let mut out = String::from("P");
    if d > 0 {
        out.push_str(&format!("{d}D"));
    }
    if h > 0 || m > 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
    }
    out
}

/// Parses an IANA time zone name.
pub fn parse_timezone(text: &str) -> Result<Tz, String> {
    text.parse::<Tz>().map_err(|_| {
        format!("`{text}` is not an IANA time zone (America/New_York, Europe/London, UTC)")
    })
}

/// Parses a start or expire date: `yyyy-MM-ddThh:mm` (in the rule's time
/// zone, as AWS interprets dates) or with a `Z` (UTC).
pub fn parse_date(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Ok(d.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(text, f) {
            return local(tz, n).ok_or_else(|| format!("`{text}` does not exist in {tz}"));
        }
    }
    Err(format!(
        "`{text}` is not a date and time (2026-04-15T08:00, or 2026-04-15T08:00:00Z in UTC)"
    ))
}

/// The canonical text of a date (UTC, seconds: `2026-04-15T08:00:00Z`).
pub fn format_date(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The instant of a local time; the earlier one when a clock change repeats
/// it, the first minute after a gap when it skips it.
fn local(tz: Tz, n: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&n) {
        LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => Some(d.with_timezone(&Utc)),
        LocalResult::None => {
            (1..=180).find_map(
                |m| match tz.from_local_datetime(&(n + Duration::minutes(m))) {
                    LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => {
                        Some(d.with_timezone(&Utc))
                    }
                    LocalResult::None => None,
                },
            )
        }
    }
}

impl Cron {
    fn day_matches(&self, d: NaiveDate) -> bool {
        if !self.months[d.month() as usize] {
            return false;
        }
        let dom = self.days[d.day() as usize];
        let dow = self.weekdays[d.weekday().num_days_from_sunday() as usize];
        match (self.days_star, self.weekdays_star) {
            (true, true) => true,
            (false, true) => dom,
            (true, false) => dow,
            (false, false) => dom || dow,
        }
    }

    /// The local start times on day `d`, in order.
    fn starts_on(&self, d: NaiveDate) -> Vec<NaiveDateTime> {
        if !self.day_matches(d) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for h in 0..24 {
            for m in 0..60 {
                if self.hours[h]
                    && self.minutes[m]
                    && let Some(t) = NaiveTime::from_hms_opt(h as u32, m as u32, 0)
                {
                    out.push(d.and_time(t));
                }
            }
        }
        out
    }
}

/// A schedule: expression, window length, time zone and the rule's dates.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// When windows start.
    pub expression: Expression,
    /// Window length in seconds.
    pub duration: i64,
    /// The time zone the expression is read in.
    pub timezone: Tz,
    /// Nothing is muted before it.
    pub start: Option<DateTime<Utc>>,
    /// Nothing is muted from it on (the rule is EXPIRED).
    pub expire: Option<DateTime<Utc>>,
}

impl Schedule {
    /// The mute windows `[start, end)` that overlap `[from, to)`, in order,
    /// clipped to the rule's start and expire dates.
    pub fn windows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let span = Duration::seconds(self.duration);
        let starts: Vec<DateTime<Utc>> = match &self.expression {
            Expression::At(n) => local(self.timezone, *n).into_iter().collect(),
            Expression::Cron(c) => {
                // Windows that began up to 15 days before `from` may still run.
                let back = Duration::seconds(MAX_DURATION_SECS) + Duration::days(1);
                let first = from
                    .checked_sub_signed(back)
                    .unwrap_or(from)
                    .with_timezone(&self.timezone)
                    .date_naive();
                let last = to
                    .checked_add_signed(Duration::days(1))
                    .unwrap_or(to)
                    .with_timezone(&self.timezone)
                    .date_naive();
                let mut out = Vec::new();
                let mut day = first;
                while day <= last {
                    out.extend(
                        c.starts_on(day)
                            .into_iter()
                            .filter_map(|n| local(self.timezone, n)),
                    );
                    match day.succ_opt() {
                        Some(next) => day = next,
                        None => break,
                    }
                }
                out.dedup();
                out
            }
        };
        let mut windows: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for s in starts {
            let Some(end) = s.checked_add_signed(span) else {
                continue;
            };
            let (mut a, mut b) = (s, end);
            if let Some(start) = self.start {
                a = a.max(start);
            }
            if let Some(expire) = self.expire {
                b = b.min(expire);
            }
            if a >= b || b <= from || a >= to {
                continue;
            }
            // Overlapping occurrences form one window.
            match windows.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => windows.push((a, b)),
            }
        }
        windows
    }

    /// Whether `t` lies inside a window.
    pub fn mutes_at(&self, t: DateTime<Utc>) -> bool {
        let Some(next) = t.checked_add_signed(Duration::seconds(1)) else {
            return false;
        };
        self.windows(t, next).iter().any(|(a, b)| *a <= t && t < *b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_api_reference_examples_parse() {
        for e in [
            "cron(0 2 * * *)",
            "cron(0 2 * * SUN)",
            "cron(0 1 1 * *)",
            "cron(0 18 * * FRI)",
            "cron(0 23 * * *)",
            "at(2024-05-10T14:00)",
            "at(2024-12-23T00:00)",
            "cron(0,30 9-17 * JAN-MAR MON-FRI)",
        ] {
            parse_expression(e).unwrap();
        }
        for (d, s) in [
            ("PT4H", 4 * 3600),
            ("P2DT12H", 60 * 3600),
            ("PT6H", 6 * 3600),
            ("PT2H", 7200),
            ("P7D", 7 * 86400),
            ("PT1M", 60),
            ("P15D", 15 * 86400),
        ] {
            assert_eq!(parse_iso_duration(d).unwrap(), s, "{d}");
            assert_eq!(parse_iso_duration(&iso_duration(s)).unwrap(), s);
        }
    }

    #[test]
    fn what_aws_does_not_document_is_rejected() {
        for e in [
            "cron(0 2 * * ? *)",
            "cron(0/5 * * * *)",
            "cron(0 2 ? * MON)",
            "cron(0 2 L * *)",
            "cron(0 2 * * MON#1)",
            "cron(60 2 * * *)",
            "cron(0 2 * * 7)",
            "rate(5 minutes)",
            "at(2024-05-10T14:00:30)",
            "at(2024-05-10)",
            "",
        ] {
            assert!(parse_expression(e).is_err(), "{e}");
        }
        for d in ["PT30S", "P16D", "PT0M", "2h", "P1H", "PT", "P", "PT1M30S"] {
            assert!(parse_iso_duration(d).is_err(), "{d}");
        }
        assert!(parse_timezone("Mars/Olympus").is_err());
        assert!(parse_timezone("Europe/London").is_ok());
    }

    #[test]
    fn windows_follow_the_time_zone_and_dates() {
        let s = Schedule {
            expression: parse_expression("cron(0 2 * * *)").unwrap(),
            duration: 7200,
            timezone: parse_timezone("Europe/Berlin").unwrap(),
            start: None,
            expire: Some(utc("2026-12-09T00:00:00Z")),
        };
        // 02:00 CET is 01:00 UTC in December.
        let w = s.windows(utc("2026-12-07T00:00:00Z"), utc("2026-12-12T00:00:00Z"));
        assert_eq!(
            w,
            vec![
                (utc("2026-12-07T01:00:00Z"), utc("2026-12-07T03:00:00Z")),
                (utc("2026-12-08T01:00:00Z"), utc("2026-12-08T03:00:00Z")),
            ]
        );
        assert!(s.mutes_at(utc("2026-12-07T02:59:00Z")));
        assert!(!s.mutes_at(utc("2026-12-07T03:00:00Z")));
        let once = Schedule {
            expression: parse_expression("at(2026-12-24T18:00)").unwrap(),
            duration: 3 * 86400,
            timezone: parse_timezone("UTC").unwrap(),
            start: None,
            expire: None,
        };
        assert_eq!(
            once.windows(utc("2026-12-01T00:00:00Z"), utc("2027-01-01T00:00:00Z")),
            vec![(utc("2026-12-24T18:00:00Z"), utc("2026-12-27T18:00:00Z"))]
        );
    }

    #[test]
    fn both_day_fields_restricted_match_either() {
        let s = Schedule {
            expression: parse_expression("cron(0 0 1 * MON)").unwrap(),
            duration: 60,
            timezone: Tz::UTC,
            start: None,
            expire: None,
        };
        // December 2026: the 1st is a Tuesday; Mondays are 7, 14, 21, 28.
        let w = s.windows(utc("2026-12-01T00:00:00Z"), utc("2026-12-31T00:00:00Z"));
        assert_eq!(w.len(), 5);
    }
}
