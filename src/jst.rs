//! Japan Standard Time, in which the regulation's decisions take effect (00:00 JST on the day).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};

/// UTC+09:00 (checked at compile time).
pub const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(o) => o,
    None => panic!("+09:00 is a valid offset"),
};

/// UTC+09:00.
pub fn offset() -> FixedOffset {
    JST
}

/// Now in JST, whole seconds (an `effective_at` has no fraction).
pub fn now() -> DateTime<FixedOffset> {
    let t = Utc::now().with_timezone(&offset());
    t.with_nanosecond(0).unwrap_or(t)
}

/// 00:00 JST on `date`.
pub fn start_of(date: NaiveDate) -> DateTime<FixedOffset> {
    let naive = date.and_time(NaiveTime::MIN);
    offset()
        .from_local_datetime(&naive)
        .single()
        .unwrap_or_else(|| naive.and_utc().with_timezone(&offset()))
}

/// The forms [`parse`] accepts, as every error of it ends.
pub const ACCEPTED: &str = "accepted: a date YYYY-MM-DD (read as 00:00 JST) or an RFC 3339 time \
     with its offset, e.g. 2025-04-01 or 2025-04-01T09:30:00+09:00";

/// Parses `YYYY-MM-DD` (read as 00:00 JST) or an RFC 3339 timestamp with offset. The error
/// says what is wrong with `s` and shows the accepted forms.
pub fn parse(s: &str) -> Result<DateTime<FixedOffset>, String> {
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(start_of(date));
    }
    DateTime::parse_from_rfc3339(s).map_err(|_| format!("{s:?} {}; {ACCEPTED}", what_is_wrong(s)))
}

/// Why `s` is neither a date nor an RFC 3339 time (chrono only says "premature end of input"
/// or "input is out of range").
fn what_is_wrong(s: &str) -> String {
    if s.trim().is_empty() {
        return "is empty".into();
    }
    if s.trim() != s {
        return "has spaces around it".into();
    }
    let digits = |part: &str, n: usize| {
        (part.len() == n && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let (date, rest) = s.split_at(s.char_indices().nth(10).map_or(s.len(), |(i, _)| i));
    let mut ymd = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (
        ymd.next().and_then(|p| digits(p, 4)),
        ymd.next().and_then(|p| digits(p, 2)),
        ymd.next().and_then(|p| digits(p, 2)),
        ymd.next(),
    ) else {
        return "does not start with a date YYYY-MM-DD (four-digit year, two-digit month and day)"
            .into();
    };
    if !(1..=12).contains(&m) {
        return format!("has month {m}, not 1 to 12");
    }
    if NaiveDate::from_ymd_opt(y as i32, m, d).is_none() {
        let days = NaiveDate::from_ymd_opt(y as i32, m, 1)
            .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
            .and_then(|next| next.pred_opt())
            .map_or(31, |last| last.day());
        return format!("has day {d}, but {y:04}-{m:02} has days 1 to {days}");
    }
    let Some(time) = rest.strip_prefix(['T', 't', ' ']) else {
        return format!("has {rest:?} after the date, where a time would start with T");
    };
    let hms = time.get(..8).unwrap_or(time);
    let mut parts = hms.split(':');
    let (Some(h), Some(mi), Some(sec), None) = (
        parts.next().and_then(|p| digits(p, 2)),
        parts.next().and_then(|p| digits(p, 2)),
        parts.next().and_then(|p| digits(p, 2)),
        parts.next(),
    ) else {
        return "has a time that is not hh:mm:ss (two digits each, seconds included)".into();
    };
    if h > 23 || mi > 59 || sec > 60 {
        return format!("has the time {hms}, which is not on a clock (00:00:00 to 23:59:59)");
    }
    let after = &time[hms.len()..];
    let offset = match after.strip_prefix('.') {
        Some(frac) => frac.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => after,
    };
    if offset.is_empty() {
        return "has no UTC offset: add +09:00 for JST, or Z for UTC".into();
    }
    let valid_offset = offset.eq_ignore_ascii_case("z")
        || offset
            .strip_prefix(['+', '-'])
            .and_then(|hm| hm.split_once(':'))
            .and_then(|(oh, om)| Some((digits(oh, 2)?, digits(om, 2)?)))
            .is_some_and(|(oh, om)| oh <= 23 && om <= 59);
    if !valid_offset {
        return format!("has the offset {offset:?}, not Z or ±hh:mm such as +09:00");
    }
    "is not a date or an RFC 3339 time".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_means_midnight_in_japan() {
        assert_eq!(
            parse("2025-04-01").unwrap().to_rfc3339(),
            "2025-04-01T00:00:00+09:00"
        );
        assert_eq!(
            parse("2025-04-01T12:00:00Z").unwrap().to_rfc3339(),
            "2025-04-01T12:00:00+00:00"
        );
    }

    /// What the error of `input` says is wrong; every error also shows the accepted forms.
    fn check(input: &str, wrong: &str) {
        let e = parse(input).expect_err(input);
        assert!(e.contains(wrong), "{input}: {e}");
        assert!(e.ends_with(ACCEPTED), "{input}: {e}");
        assert!(!e.contains("premature"), "{input}: {e}");
        assert_eq!(e.lines().count(), 1, "{input}: {e}");
    }

    #[test]
    fn an_error_says_what_is_wrong_and_shows_the_accepted_forms() {
        check("2025-13-01", "has month 13, not 1 to 12");
        check("2025-00-10", "has month 0");
        check("2025-02-29", "has day 29, but 2025-02 has days 1 to 28");
        check("2024-04-31", "has day 31, but 2024-04 has days 1 to 30");
        check("2025-04-01T09:30:00", "has no UTC offset: add +09:00");
        check("2025-04-01 09:30:00", "has no UTC offset");
        check("2025-04-01T09:30:00.5", "has no UTC offset");
        check("2025-04-01T09:30", "not hh:mm:ss");
        check("2025-04-01T25:00:00+09:00", "has the time 25:00:00");
        check("2025-04-01T09:30:00+9", "has the offset \"+9\"");
        check("2025-04-01T09:30:00JST", "has the offset \"JST\"");
        check("2025-04-01x", "has \"x\" after the date");
        check("2025/04/01", "does not start with a date YYYY-MM-DD");
        check("tomorrow", "does not start with a date");
        check("令和7年4月1日", "does not start with a date");
        check("", "is empty");
        check("2025-04-01 ", "has spaces around it");
    }
}
