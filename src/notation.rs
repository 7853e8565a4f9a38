//! The notations of catalogue and test files: durations (`90s`, `5m`, `1h30m`, `1d`) and
//! series (`1 2 _ 5x3 0+10x4`). Pure; errors are messages for the caller to
//! locate.

/// Parses a duration into seconds: a sequence of `<number><unit>` with units
/// `s`, `m`, `h`, `d`; a bare number is seconds.
pub fn duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration; write e.g. `90s`, `5m` or `1h30m`".into());
    }
    if let Ok(n) = t.parse::<i64>() {
        return if n >= 0 {
            Ok(n)
        } else {
            Err(format!("`{t}`: a time cannot be negative"))
        };
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => {
                return Err(format!(
                    "`{t}` is not a duration: unknown unit `{c}` (use s, m, h or d)"
                ));
            }
        };
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("`{t}` is not a duration: a number must come before `{c}`"))?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("`{t}` is too long"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("`{t}` is not a duration: `{digits}` has no unit"));
    }
    Ok(total)
}

/// A time in ms since the epoch as UTC, to the second
/// (`2026-01-02 03:04:05 UTC`).
pub fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Parses a UTC date, or date and time: `2024-03-04`, `2024-03-04T09:30:00Z`
/// (`T` or a space; seconds and the `Z` optional; no other offset) → seconds
/// since the Unix epoch. Years 1 to 9999.
pub fn utc_time(text: &str) -> Result<i64, String> {
    let bad = || {
        format!("`{text}` is not a UTC date and time (e.g. `2024-03-04` or `2024-03-04T09:00:00Z`)")
    };
    let t = text.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let number = |s: &str, digits: usize, lo: i64, hi: i64| {
        (s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
            .filter(|v| (lo..=hi).contains(v))
            .ok_or_else(bad)
    };
    let mut parts = date.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let (year, month) = (number(y, 4, 1, 9999)?, number(m, 2, 1, 12)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let last = month_days
        .get(usize::try_from(month - 1).map_err(|_| bad())?)
        .copied()
        .ok_or_else(bad)?;
    let day = number(d, 2, 1, last)?;
    let mut seconds = 0;
    if let Some(time) = time {
        let fields: Vec<&str> = time.split(':').collect();
        let (h, mi, se) = match fields.as_slice() {
            [h, mi] => (*h, *mi, "00"),
            [h, mi, se] => (*h, *mi, *se),
            _ => return Err(bad()),
        };
        seconds = number(h, 2, 0, 23)? * 3600 + number(mi, 2, 0, 59)? * 60 + number(se, 2, 0, 59)?;
    }
    // Howard Hinnant's days-from-civil algorithm (proleptic Gregorian).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(days * 86_400 + seconds)
}

/// Most steps one series may expand to (a typo like `1x99999999` must not
/// exhaust memory).
pub const MAX_STEPS: usize = 100_000;

/// Parses the series notation into one optional value per step:
/// `5` a value, `_` none, `5x3` / `_x3` three times, `a+bxN` (or `a-bxN`)
/// N values from `a` stepping by `b`.
pub fn series(text: &str) -> Result<Vec<Option<f64>>, String> {
    let mut out = Vec::new();
    for token in text.split_whitespace() {
        let (head, count) = match token.rsplit_once('x') {
            Some((h, n)) => {
                let n: usize = n.parse().map_err(|_| {
                    format!("`{token}`: the count after `x` must be a whole number (`5x3`)")
                })?;
                (h, n)
            }
            None => (token, 1),
        };
        if out.len() + count > MAX_STEPS {
            return Err(format!("the series is longer than {MAX_STEPS} steps"));
        }
        if head == "_" {
            out.extend(std::iter::repeat_n(None, count));
            continue;
        }
        if let Some((start, step)) = split_step(head) {
            let start = number(start, token)?;
            let step = number(step, token)?;
            out.extend((0..count).map(|i| Some(start + step * i as f64)));
            continue;
        }
        let v = number(head, token)?;
        out.extend(std::iter::repeat_n(Some(v), count));
    }
    Ok(out)
}

/// Splits `a+b` / `a-b` (not a leading sign, not an exponent's sign).
fn split_step(head: &str) -> Option<(&str, &str)> {
    let bytes = head.as_bytes();
    (1..bytes.len())
        .rev()
        .find(|&i| (bytes[i] == b'+' || bytes[i] == b'-') && !matches!(bytes[i - 1], b'e' | b'E'))
        .map(|i| {
            if bytes[i] == b'-' {
                (&head[..i], &head[i..])
            } else {
                (&head[..i], &head[i + 1..])
            }
        })
}

fn number(text: &str, token: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            format!("`{token}` is not a series value: write a number, `_`, `5x3` or `0+10x4`")
        })
}

/// A raw sample `TIME VALUE`.
pub fn sample(text: &str) -> Result<(i64, f64), String> {
    let mut parts = text.split_whitespace();
    let (Some(t), Some(v), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "`{text}`: a sample is `TIME VALUE`, e.g. `90s 250`"
        ));
    };
    Ok((duration(t)?, number(v, text)?))
}

/// A statistic set `TIME SampleCount Sum Minimum Maximum` (PutMetricData's
/// `StatisticValues`, in its order), e.g. `1m 10 500 20 80`.
pub fn stat_set(text: &str) -> Result<crate::engine::alarm::StatSet, String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [t, count, sum, min, max] = parts.as_slice() else {
        return Err(format!(
            "`{text}`: a statistic set is `TIME SampleCount Sum Minimum Maximum`, {} given",
            match parts.len() {
                1 => "1 field".to_string(),
                n => format!("{n} fields"),
            }
        ));
    };
    let value = |token: &str, what: &str| {
        token
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("`{text}`: {what} `{token}` is not a number"))
    };
    let set = crate::engine::alarm::StatSet {
        t: duration(t)?,
        count: value(count, "SampleCount")?,
        sum: value(sum, "Sum")?,
        min: value(min, "Minimum")?,
        max: value(max, "Maximum")?,
    };
    if set.count <= 0.0 {
        return Err(format!("`{text}`: SampleCount must be more than 0"));
    }
    if set.min > set.max {
        return Err(format!("`{text}`: Minimum {min} is above Maximum {max}"));
    }
    // Sum of `count` values between Minimum and Maximum.
    let slack = 1e-9 * (set.sum.abs().max(1.0));
    if set.sum < set.min * set.count - slack || set.sum > set.max * set.count + slack {
        return Err(format!(
            "`{text}`: Sum {sum} is not the sum of {count} values between {min} and {max}"
        ));
    }
    Ok(set)
}

/// Formats seconds as the shortest duration (`5m`, `1h30m`, `90s` → `1m30s`).
pub fn format_duration(secs: i64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = secs;
    for (unit, n) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
        if rest >= n {
            out.push_str(&format!("{}{unit}", rest / n));
            rest %= n;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn statistic_sets_are_read_in_putmetricdata_order() {
        use super::stat_set;
        let s = stat_set("1m30s 10 500 20 80").unwrap();
        assert_eq!(
            (s.t, s.count, s.sum, s.min, s.max),
            (90, 10.0, 500.0, 20.0, 80.0)
        );
        for (text, error) in [
            ("1m 10 500 20", "4 fields"),
            ("1m 10 500 20 x", "Maximum `x` is not a number"),
            ("1m 0 0 0 0", "SampleCount must be more than 0"),
            ("1m 10 500 80 20", "Minimum 80 is above Maximum 20"),
            (
                "1m 10 5000 20 80",
                "Sum 5000 is not the sum of 10 values between 20 and 80",
            ),
            ("soon 1 1 1 1", "soon"),
        ] {
            let e = stat_set(text).unwrap_err();
            assert!(e.contains(error), "{text}: {e}");
        }
    }

    #[test]
    fn utc_time_parses_dates_and_times() {
        use super::{utc, utc_time};
        assert_eq!(utc_time("1970-01-01"), Ok(0));
        assert_eq!(utc_time("2024-03-08T00:00:00Z"), Ok(1_709_856_000));
        assert_eq!(utc_time("2024-02-29 23:59"), Ok(1_709_251_140));
        assert_eq!(utc_time("1969-12-31T23:59:59Z"), Ok(-1));
        for t in [
            "2024-03-08T00:00:00Z",
            "2000-02-29T12:34:56Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            let secs = utc_time(t).unwrap_or_default();
            assert_eq!(utc(secs * 1000).replace(' ', "T").replace("TUTC", "Z"), t);
        }
        for bad in [
            "",
            "2024",
            "2024-3-08",
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T24:00",
            "2024-01-01T10",
            "2024-01-01+01:00",
            "2024-01-01T10:00:00+02:00",
            "２０２４-01-01",
            "2024-01-01-01",
            "0000-01-01",
        ] {
            assert!(utc_time(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn utc_times() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        // 2000-02-29T12:34:56Z, a leap day of a century divisible by 400.
        assert_eq!(utc(951_827_696_000), "2000-02-29 12:34:56 UTC");
        assert_eq!(utc(1_767_225_600_999), "2026-01-01 00:00:00 UTC");
        assert_eq!(utc(-1000), "1969-12-31 23:59:59 UTC");
    }

    #[test]
    fn durations() {
        assert_eq!(duration("90"), Ok(90));
        assert_eq!(duration("90s"), Ok(90));
        assert_eq!(duration("5m"), Ok(300));
        assert_eq!(duration("1h30m"), Ok(5400));
        assert_eq!(duration("1d"), Ok(86_400));
        assert!(duration("5 minutes").is_err());
        assert!(duration("m").is_err());
        assert!(duration("-5").is_err());
        assert!(duration("99999999999999999d").is_err());
        assert_eq!(format_duration(5400), "1h30m");
        assert_eq!(format_duration(90), "1m30s");
    }

    #[test]
    fn series_forms() {
        assert_eq!(
            series("1 _ 2x2 _x2 0+10x3 5-1x2").unwrap(),
            vec![
                Some(1.0),
                None,
                Some(2.0),
                Some(2.0),
                None,
                None,
                Some(0.0),
                Some(10.0),
                Some(20.0),
                Some(5.0),
                Some(4.0)
            ]
        );
        assert_eq!(series("-3 1e3").unwrap(), vec![Some(-3.0), Some(1000.0)]);
        assert!(series("1x").is_err());
        assert!(series("abc").is_err());
        assert!(series("1x999999999").is_err());
        assert_eq!(sample("1m30s 250"), Ok((90, 250.0)));
        assert!(sample("250").is_err());
    }
}
