//! Calendars and timezones: local times in both people's timezones, weekly free slots moved to
//! UTC for matching, and the `.ics` file a check-in downloads as. Server only (it carries the
//! timezone database).

use crate::matching::WeeklySlot;
use chrono::{NaiveDate, Offset, TimeZone};

/// The timezone named `name` (IANA); an unknown name counts as UTC.
pub fn tz(name: &str) -> chrono_tz::Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// "Tue 5 Jan 2027, 14:30 (Europe/London)".
pub fn display_time(unix: i64, timezone: &str) -> String {
    match tz(timezone).timestamp_opt(unix, 0).single() {
        Some(t) => format!("{}, {} ({timezone})", t.format("%a %-d %b %Y"), t.format("%H:%M")),
        None => String::new(),
    }
}

/// A local date and minute of the day in `timezone` as Unix seconds (None for a time that
/// does not exist there, e.g. inside a daylight-saving jump).
pub fn local_to_unix(date: &str, minute: u32, timezone: &str) -> Option<i64> {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let t = d.and_hms_opt(minute / 60, minute % 60, 0)?;
    tz(timezone).from_local_datetime(&t).earliest().map(|x| x.timestamp())
}

/// Minutes east of UTC for an IANA timezone name, now (unknown names count as UTC).
pub fn utc_offset_minutes(timezone: &str) -> i32 {
    match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => chrono::Utc::now().with_timezone(&tz).offset().fix().local_minus_utc() / 60,
        Err(_) => 0,
    }
}

const WEEK: i32 = 7 * 1440;

/// A local weekly slot as UTC minutes from Monday 00:00, split where it crosses the week's end.
pub fn to_utc(weekday: i32, start: i32, end: i32, offset: i32) -> Vec<WeeklySlot> {
    let s = (weekday * 1440 + start - offset).rem_euclid(WEEK);
    let len = (end - start).max(0);
    if len == 0 {
        return Vec::new();
    }
    if s + len <= WEEK {
        vec![WeeklySlot { start: s, end: s + len }]
    } else {
        vec![WeeklySlot { start: s, end: WEEK }, WeeklySlot { start: 0, end: s + len - WEEK }]
    }
}

/// Local weekly slots (weekday 0 = Monday, start and end minute) of someone in `timezone`, as
/// UTC slots of the week.
pub fn weekly_slots_utc(local: &[FreeSlot], timezone: &str) -> Vec<WeeklySlot> {
    let offset = utc_offset_minutes(timezone);
    local.iter().flat_map(|s| to_utc(s.weekday as i32, s.start_minute as i32, s.end_minute as i32, offset)).collect()
}

/// A weekly free slot in the person's own time, as stored: weekday 0 = Monday, minutes from
/// local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct FreeSlot {
    pub weekday: i64,
    pub start_minute: i64,
    pub end_minute: i64,
}

/// The first `limit` times, from `from` (Unix seconds) on and within three weeks, when both
/// weekly patterns `a` and `b` are free for at least 30 minutes: (start, minutes up to 60).
pub fn shared_free_times(a: &[WeeklySlot], b: &[WeeklySlot], from: i64, limit: usize) -> Vec<(i64, u32)> {
    let mut overlaps: Vec<(i32, i32)> = Vec::new();
    for x in a {
        for y in b {
            let (s, e) = (x.start.max(y.start), x.end.min(y.end));
            if e - s >= 30 {
                overlaps.push((s, e));
            }
        }
    }
    overlaps.sort();
    // Monday 00:00 UTC of the current week (1970-01-01 was a Thursday).
    let week = 7 * 86_400;
    let monday = (from + 3 * 86_400).div_euclid(week) * week - 3 * 86_400;
    let mut out = Vec::new();
    for w in 0..3 {
        for (s, e) in &overlaps {
            let start = monday + w * week + i64::from(*s) * 60;
            if start >= from && out.len() < limit {
                out.push((start, ((e - s) as u32).min(60)));
            }
        }
    }
    out
}

/// `unix` in `timezone` as the date (`YYYY-MM-DD`) and the time of day (`HH:MM`) a form takes.
pub fn local_date_time(unix: i64, timezone: &str) -> Option<(String, String)> {
    let t = tz(timezone).timestamp_opt(unix, 0).single()?;
    Some((t.format("%Y-%m-%d").to_string(), t.format("%H:%M").to_string()))
}

/// An iCalendar event for one check-in.
pub fn ics(id: i64, starts_at: i64, minutes: u32, summary: &str, description: &str, host: &str) -> String {
    let stamp = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y%m%dT%H%M%SZ").to_string()).unwrap_or_default();
    let esc = |s: &str| s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n");
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Upmentor//Check-ins//EN\r\nBEGIN:VEVENT\r\nUID:checkin-{id}@{host}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{}\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        stamp(crate::server::db::now()),
        stamp(starts_at),
        stamp(starts_at + i64::from(minutes) * 60),
        esc(summary),
        esc(description),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_convert_through_the_timezone_database() {
        // 14:30 in London in January is 14:30 UTC; in July it is 13:30 UTC.
        assert_eq!(local_to_unix("2027-01-05", 870, "Europe/London"), Some(1_799_159_400));
        assert_eq!(local_to_unix("2027-07-05", 870, "Europe/London"), Some(1_799_159_400 + 181 * 86_400 - 3600));
        assert!(display_time(1_799_159_400, "America/New_York").contains("09:30"));
    }

    #[test]
    fn calendar_files_escape_text() {
        let s = ics(7, 1_799_159_400, 45, "Check-in, Dana; Victor", "Agenda:\nGoals", "example.com");
        assert!(s.contains("DTSTART:20270105T143000Z\r\n"));
        assert!(s.contains("DTEND:20270105T151500Z\r\n"));
        assert!(s.contains("SUMMARY:Check-in\\, Dana\\; Victor\r\n"));
        assert!(s.contains("DESCRIPTION:Agenda:\\nGoals\r\n"));
    }

    #[test]
    fn local_slots_become_utc_and_wrap_at_the_week_end() {
        // Monday 09:00–10:00 in UTC+2 is Monday 07:00–08:00 UTC.
        assert_eq!(to_utc(0, 540, 600, 120), vec![WeeklySlot { start: 420, end: 480 }]);
        // Monday 00:30–01:30 in UTC+1 starts on Sunday 23:30 UTC and ends Monday 00:30.
        assert_eq!(
            to_utc(0, 30, 90, 60),
            vec![WeeklySlot { start: WEEK - 30, end: WEEK }, WeeklySlot { start: 0, end: 30 }]
        );
        assert!(to_utc(2, 600, 600, 0).is_empty());
    }

    #[test]
    fn offsets_come_from_the_timezone_database() {
        assert_eq!(utc_offset_minutes("UTC"), 0);
        assert_eq!(utc_offset_minutes("Asia/Kolkata"), 330);
        assert_eq!(utc_offset_minutes("Not/AZone"), 0);
    }
}
