//! Japan Standard Time, in which the regulation's decisions take effect (00:00 JST on the day).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};

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

/// Parses `YYYY-MM-DD` (read as 00:00 JST) or an RFC 3339 timestamp with offset.
pub fn parse(s: &str) -> Result<DateTime<FixedOffset>, String> {
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(start_of(date));
    }
    DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("{s:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 timestamp: {e}"))
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
        assert!(parse("2025-13-01").is_err());
        assert!(parse("tomorrow").is_err());
    }
}
