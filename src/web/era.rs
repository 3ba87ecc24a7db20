//! Dates as auditors read them: ISO in JST, with the Japanese era beside it (令和7年4月1日).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};

use crate::jst::JST;

/// The eras since the Shōwa era, newest first: name and first day.
const ERAS: [(&str, (i32, u32, u32)); 3] = [
    ("令和", (2019, 5, 1)),
    ("平成", (1989, 1, 8)),
    ("昭和", (1926, 12, 25)),
];

/// `date` in the Japanese calendar (令和7年4月1日; the first year is 元年), or `None` before
/// the Shōwa era.
pub fn japanese(date: NaiveDate) -> Option<String> {
    ERAS.iter().find_map(|(name, (y, m, d))| {
        let first = NaiveDate::from_ymd_opt(*y, *m, *d)?;
        (date >= first).then(|| {
            let year = date.year() - y + 1;
            let year = if year == 1 {
                "元".to_owned()
            } else {
                year.to_string()
            };
            format!("{name}{year}年{}月{}日", date.month(), date.day())
        })
    })
}

/// The calendar day of `t` in Japan.
pub fn jst_date(t: &DateTime<FixedOffset>) -> NaiveDate {
    t.with_timezone(&JST).date_naive()
}

/// `t` in JST as `YYYY-MM-DD` (with `HH:MM` when not midnight).
pub fn iso(t: &DateTime<FixedOffset>) -> String {
    let j = t.with_timezone(&JST);
    if j.time() == chrono::NaiveTime::MIN {
        j.format("%Y-%m-%d").to_string()
    } else {
        j.format("%Y-%m-%d %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(date: &str, expect: Option<&str>) {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or_default();
        assert_eq!(japanese(d).as_deref(), expect, "{date}");
    }

    #[test]
    fn reiwa_7_begins_the_fiscal_year_2025() {
        check("2025-04-01", Some("令和7年4月1日"));
    }

    #[test]
    fn the_first_year_of_an_era_is_gannen() {
        check("2019-05-01", Some("令和元年5月1日"));
        check("2019-12-31", Some("令和元年12月31日"));
        check("1989-01-08", Some("平成元年1月8日"));
    }

    #[test]
    fn the_day_before_an_era_belongs_to_the_previous_one() {
        check("2019-04-30", Some("平成31年4月30日"));
        check("1989-01-07", Some("昭和64年1月7日"));
        check("2020-01-01", Some("令和2年1月1日"));
    }

    #[test]
    fn before_showa_there_is_no_era_shown() {
        check("1926-12-24", None);
    }

    #[test]
    fn times_are_shown_on_the_japanese_calendar_day() {
        let t = DateTime::parse_from_rfc3339("2025-03-31T15:00:00Z").unwrap_or_default();
        assert_eq!(iso(&t), "2025-04-01");
        assert_eq!(japanese(jst_date(&t)).as_deref(), Some("令和7年4月1日"));
        let t = DateTime::parse_from_rfc3339("2025-04-01T10:30:00+09:00").unwrap_or_default();
        assert_eq!(iso(&t), "2025-04-01 10:30");
    }
}
