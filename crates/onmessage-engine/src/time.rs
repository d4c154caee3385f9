//! Dates in the policy, calendar and posts: RFC 3339 date-times, or bare
//! dates meaning midnight in the company's time zone.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Which moment a bare date stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayBound {
    /// 00:00 of that day: a start, or a publish moment.
    Start,
    /// 00:00 of the next day: the exclusive end of an inclusive last day.
    End,
}

/// Parses an RFC 3339 date-time or a bare `YYYY-MM-DD` date.
pub fn parse_moment(text: &str, tz: &TimeZone, bound: DayBound) -> Result<Timestamp, String> {
    let text = text.trim();
    if text.len() == 10 {
        let date: Date = text
            .parse()
            .map_err(|e| format!("'{text}' is not a valid date: {e}"))?;
        let date = match bound {
            DayBound::Start => date,
            DayBound::End => date
                .tomorrow()
                .map_err(|e| format!("'{text}' is out of range: {e}"))?,
        };
        return date
            .to_zoned_datetime(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| format!("'{text}' has no midnight in the policy's time zone: {e}"));
    }
    text.parse::<Timestamp>().map_err(|_| {
        format!(
            "'{text}' is not an RFC 3339 date-time (2026-12-01T16:00:00Z) or a date (2026-12-01)"
        )
    })
}

/// A moment as people read it, in every message and help text: in the
/// company's time zone, with the zone's abbreviation and its offset.
pub fn show(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%d %H:%M%:z %Z")
        .to_string()
}

/// A moment as a file writes it, for people: a bare date stays a date (it
/// is already a day in the company's time zone); a date-time is shown as
/// [`show`] shows it; anything unreadable as written.
pub fn show_written(text: &str, tz: &TimeZone) -> String {
    let text = text.trim();
    if text.len() == 10 && text.parse::<Date>().is_ok() {
        return text.to_string();
    }
    match text.parse::<Timestamp>() {
        Ok(at) => show(at, tz),
        Err(_) => text.to_string(),
    }
}

/// Parses `--now`: an RFC 3339 date-time.
pub fn parse_now(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>()
        .map_err(|e| format!("--now '{text}' is not an RFC 3339 date-time: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_dates_are_local_midnight() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let start = parse_moment("2026-12-01", &tz, DayBound::Start).unwrap();
        assert_eq!(start.to_string(), "2026-12-01T05:00:00Z");
        let end = parse_moment("2026-12-01", &tz, DayBound::End).unwrap();
        assert_eq!(end.to_string(), "2026-12-02T05:00:00Z");
        let exact = parse_moment("2026-12-01T16:00:00Z", &tz, DayBound::End).unwrap();
        assert_eq!(exact.to_string(), "2026-12-01T16:00:00Z");
        assert!(parse_moment("2026-13-01", &tz, DayBound::Start).is_err());
        assert!(parse_moment("soon", &tz, DayBound::Start).is_err());
    }

    #[test]
    fn moments_show_in_the_company_zone_with_the_offset() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let at: Timestamp = "2026-12-01T16:00:00Z".parse().unwrap();
        assert_eq!(show(at, &tz), "2026-12-01 11:00-05:00 EST");
        assert_eq!(
            show_written("2026-07-01T16:00:00Z", &tz),
            "2026-07-01 12:00-04:00 EDT"
        );
        assert_eq!(show_written("2026-12-01", &tz), "2026-12-01");
    }
}
