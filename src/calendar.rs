//! Calendars and timezones: local times in both people's timezones, weekly free slots moved to
//! UTC for matching and placed on actual dates for suggested check-in times, and the iCalendar
//! files of check-ins (one check-in's file and each person's feed). Server only (it carries the
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

/// A weekly free slot in the person's own time, as stored: weekday 0 = Monday, minutes from
/// local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct FreeSlot {
    pub weekday: i64,
    pub start_minute: i64,
    pub end_minute: i64,
}

/// The UTC offset (seconds east) in force in `zone` at Unix time `t`.
fn offset_at(zone: chrono_tz::Tz, t: i64) -> i64 {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| i64::from(zone.offset_from_utc_datetime(&d.naive_utc()).fix().local_minus_utc()))
        .unwrap_or(0)
}

/// `[from, until)` cut where `zone`'s UTC offset changes: pieces of one offset each, with it.
/// Each change is found by halving to the second; no zone changes twice within two days.
fn offset_pieces(zone: chrono_tz::Tz, from: i64, until: i64) -> Vec<(i64, i64, i64)> {
    let mut pieces = Vec::new();
    let mut start = from;
    while start < until {
        let offset = offset_at(zone, start);
        let end = if offset_at(zone, until - 1) == offset {
            until
        } else {
            // The first second with another offset lies in (start, until - 1].
            let (mut lo, mut hi) = (start, until - 1);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(zone, mid) == offset { lo = mid } else { hi = mid }
            }
            hi
        };
        pieces.push((start, end, offset));
        start = end;
    }
    pieces
}

/// The stretches of time (Unix seconds, `[start, end)`) when the clock in `zone` reads between
/// minute `start` and minute `end` (0–1440) of local `date`. Usually one; on the day the clocks
/// change, a skipped hour is simply absent (01:00–03:00 on the morning London springs forward is
/// the hour 02:00–03:00 BST) and a repeated hour counts both times it happens (00:00–01:30 on
/// the night London falls back is 00:00–01:30 BST and 01:00–01:30 GMT), because each offset in
/// force that day is applied only while it is in force.
fn local_stretches(zone: chrono_tz::Tz, date: NaiveDate, start: u32, end: u32) -> Vec<(i64, i64)> {
    let midnight = date.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0);
    let (local_start, local_end) = (midnight + i64::from(start) * 60, midnight + i64::from(end.min(1440)) * 60);
    // Offsets run from UTC−12 to UTC+14: these are all the instants the slot could fall on.
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (a, b, offset) in offset_pieces(zone, local_start - 14 * 3600, local_end + 12 * 3600) {
        let (s, e) = ((local_start - offset).max(a), (local_end - offset).min(b));
        if s < e {
            match out.last_mut() {
                Some(last) if last.1 == s => last.1 = e,
                _ => out.push((s, e)),
            }
        }
    }
    out
}

/// The free intervals `[start, end)` (Unix seconds) of someone whose weekly free slots are
/// `slots` in `timezone`, on the actual dates between `from` and `until`: each slot is placed on
/// every date with its weekday and converted with the offsets in force that date, so the
/// intervals stay right across daylight-saving changes (see [`local_stretches`]).
pub fn free_intervals(slots: &[FreeSlot], timezone: &str, from: i64, until: i64) -> Vec<(i64, i64)> {
    use chrono::Datelike;
    let zone = tz(timezone);
    let (Some(first), Some(last)) = (zone.timestamp_opt(from, 0).single(), zone.timestamp_opt(until, 0).single()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // A day either side: a slot late on the evening before `from` may still reach past it.
    let mut date = first.date_naive().pred_opt().unwrap_or(first.date_naive());
    let stop = last.date_naive().succ_opt().unwrap_or(last.date_naive());
    while date <= stop {
        let weekday = i64::from(date.weekday().num_days_from_monday());
        for s in slots.iter().filter(|s| s.weekday == weekday && s.start_minute < s.end_minute) {
            let (Ok(start), Ok(end)) = (u32::try_from(s.start_minute), u32::try_from(s.end_minute)) else { continue };
            out.extend(local_stretches(zone, date, start, end).into_iter().filter(|(a, b)| *b > from && *a < until));
        }
        let Some(next) = date.succ_opt() else { break };
        date = next;
    }
    out.sort_unstable();
    // Slots that touch (09:00–10:00 and 10:00–11:00) are one stretch of free time.
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(out.len());
    for (a, b) in out {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// How far ahead check-in times are suggested, in seconds.
pub const SUGGESTION_WINDOW: i64 = 21 * 86_400;

/// The first `limit` times in the three weeks from `from` (Unix seconds) when two people are
/// both free for at least 30 minutes, each person's weekly slots read in their own timezone on
/// the actual dates ([`free_intervals`]): (start, minutes up to 60), earliest first. A shared
/// window that opens before `from` is left out rather than cut, so every suggestion starts where
/// someone's free time starts.
pub fn shared_free_times(a: &[FreeSlot], a_timezone: &str, b: &[FreeSlot], b_timezone: &str, from: i64, limit: usize) -> Vec<(i64, u32)> {
    let until = from + SUGGESTION_WINDOW;
    let (mine, theirs) = (free_intervals(a, a_timezone, from, until), free_intervals(b, b_timezone, from, until));
    let mut out: Vec<(i64, u32)> = Vec::new();
    for (s1, e1) in &mine {
        for (s2, e2) in &theirs {
            let (s, e) = (*s1.max(s2), *e1.min(e2));
            if e - s >= 30 * 60 && s >= from && s < until {
                out.push((s, ((e - s) / 60).min(60) as u32));
            }
        }
    }
    // Earliest first; of two windows opening together, the longer.
    out.sort_unstable_by_key(|(start, minutes)| (*start, std::cmp::Reverse(*minutes)));
    out.dedup_by_key(|x| x.0);
    out.truncate(limit);
    out
}

/// `unix` in `timezone` as the date (`YYYY-MM-DD`) and the time of day (`HH:MM`) a form takes.
pub fn local_date_time(unix: i64, timezone: &str) -> Option<(String, String)> {
    let t = tz(timezone).timestamp_opt(unix, 0).single()?;
    Some((t.format("%Y-%m-%d").to_string(), t.format("%H:%M").to_string()))
}

/// What a calendar file asks of the calendar that opens it (RFC 5546 §1.4): `Publish` for a
/// subscribed feed, `Request` for a check-in to add or update, `Cancel` for one that will not
/// happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Publish,
    Request,
    Cancel,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// A person on an invitation: name and email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarPerson {
    pub name: String,
    pub email: String,
}

/// One check-in (or session) as a calendar event. `uid` stays the same for the event's whole
/// life and `sequence` rises with every change, so a calendar that holds the event replaces it
/// (RFC 5545 §3.8.4.7, §3.8.7.4); `cancelled` events carry `STATUS:CANCELLED`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    pub uid: String,
    pub sequence: u32,
    /// Unix seconds; written in UTC.
    pub starts_at: i64,
    pub minutes: u32,
    pub summary: String,
    pub description: String,
    pub url: Option<String>,
    pub cancelled: bool,
    /// Who invites (always written), and who attends (only for `Request` and `Cancel`).
    pub organizer: Option<CalendarPerson>,
    pub attendees: Vec<CalendarPerson>,
}

/// `text` as an iCalendar TEXT value may carry it (RFC 5545 §3.3.11 allows no control character
/// but the tab): every kind of line break (CR LF, a bare CR, LF, U+2028, U+2029) becomes one
/// LF, which the writer escapes as `\n`, and every other control character is dropped.
pub fn calendar_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A name fit for a quoted `CN` parameter, which may hold neither control characters nor `"`.
fn parameter_text(text: &str) -> String {
    calendar_text(text).replace(['\n', '\t'], " ").replace('"', "'")
}

/// An iCalendar file (RFC 5545, `text/calendar`) of `entries` with `method`, written by the
/// `icalendar` crate (which folds lines at 75 octets and escapes `\\ ; , \n`); text passes
/// through [`calendar_text`] first. `name` titles a feed (`X-WR-CALNAME`, and a refresh hint of
/// one hour). `stamp` (Unix seconds) is each event's `DTSTAMP`.
pub fn calendar_file(method: Method, name: Option<&str>, entries: &[CalendarEntry], stamp: i64) -> String {
    use icalendar::{Component, EventLike, EventStatus, Property};
    let utc = |t: i64| chrono::DateTime::from_timestamp(t, 0).unwrap_or_default();
    let mut calendar = icalendar::Calendar::empty();
    calendar.append_property(("VERSION", "2.0"));
    calendar.append_property(("PRODID", "-//Upmentor//Check-ins//EN"));
    calendar.append_property(("CALSCALE", "GREGORIAN"));
    calendar.append_property(("METHOD", method.as_str()));
    if let Some(name) = name {
        calendar.append_property(("X-WR-CALNAME", calendar_text(name).replace('\n', " ").as_str()));
        calendar.append_property(Property::new("REFRESH-INTERVAL", "PT1H").add_parameter("VALUE", "DURATION").done());
        calendar.append_property(("X-PUBLISHED-TTL", "PT1H"));
    }
    let person = |key: &str, p: &CalendarPerson| {
        let mut property = Property::new(key, format!("mailto:{}", parameter_text(&p.email)));
        property.add_parameter("CN", &parameter_text(&p.name));
        property
    };
    for e in entries {
        let mut event = icalendar::Event::new();
        event
            .uid(&calendar_text(&e.uid).replace('\n', ""))
            .sequence(e.sequence)
            .timestamp(utc(stamp))
            .starts(utc(e.starts_at))
            .ends(utc(e.starts_at + i64::from(e.minutes) * 60))
            .summary(&calendar_text(&e.summary))
            .description(&calendar_text(&e.description))
            .status(if e.cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed });
        if let Some(url) = &e.url {
            event.url(&calendar_text(url).replace('\n', ""));
        }
        // RFC 5546 wants an ORGANIZER on every method; attendees only on invitations.
        if let Some(o) = &e.organizer {
            event.append_property(person("ORGANIZER", o));
        }
        if method != Method::Publish {
            for a in &e.attendees {
                let mut property = person("ATTENDEE", a);
                property.add_parameter("ROLE", "REQ-PARTICIPANT");
                // One ATTENDEE line each: a plain property would keep only the last.
                event.append_multi_property(property);
            }
        }
        calendar.push(event.done());
    }
    calendar.to_string()
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

    fn entry(summary: &str, description: &str) -> CalendarEntry {
        CalendarEntry {
            uid: "checkin-7@example.com".into(),
            sequence: 2,
            starts_at: 1_799_159_400,
            minutes: 45,
            summary: summary.into(),
            description: description.into(),
            url: Some("https://example.com/pairs/3".into()),
            cancelled: false,
            organizer: Some(CalendarPerson { name: "Dana \"D\" Li".into(), email: "dana@example.com".into() }),
            attendees: vec![
                CalendarPerson { name: "Victor, VP".into(), email: "victor@example.com".into() },
                CalendarPerson { name: "Dana \"D\" Li".into(), email: "dana@example.com".into() },
            ],
        }
    }

    /// The file's content lines, unfolded (RFC 5545 §3.1).
    fn unfolded(file: &str) -> Vec<String> {
        file.replace("\r\n ", "").split("\r\n").filter(|l| !l.is_empty()).map(String::from).collect()
    }

    #[test]
    fn calendar_files_escape_text_and_carry_no_control_character() {
        let s = calendar_file(Method::Request, None, &[entry("Check-in, Dana; Victor", "Agenda:\r\nGoals\rNext\u{7}bell\u{2028}end\\")], 1_799_000_000);
        let lines = unfolded(&s);
        assert!(lines.contains(&"DTSTART:20270105T143000Z".to_string()), "{s}");
        assert!(lines.contains(&"DTEND:20270105T151500Z".to_string()), "{s}");
        assert!(lines.contains(&"SUMMARY:Check-in\\, Dana\\; Victor".to_string()), "{s}");
        assert!(lines.contains(&"DESCRIPTION:Agenda:\\nGoals\\nNextbell\\nend\\\\".to_string()), "{s}");
        assert!(lines.contains(&"METHOD:REQUEST".to_string()) && lines.contains(&"SEQUENCE:2".to_string()), "{s}");
        assert!(lines.contains(&"STATUS:CONFIRMED".to_string()), "{s}");
        assert!(lines.iter().any(|l| *l == "ORGANIZER;CN=Dana 'D' Li:mailto:dana@example.com"), "{s}");
        assert!(lines.iter().any(|l| l.starts_with("ATTENDEE;") && l.contains("CN=\"Victor, VP\"") && l.ends_with(":mailto:victor@example.com")), "{s}");
        assert_eq!(lines.iter().filter(|l| l.starts_with("ATTENDEE;")).count(), 2, "{s}");
        // Every line ends in CR LF, and no other control character but the folding is left.
        assert!(s.ends_with("END:VCALENDAR\r\n"));
        let bare = s.replace("\r\n", "");
        assert!(!bare.chars().any(|c| c.is_control()), "{s:?}");
    }

    #[test]
    fn long_lines_fold_at_75_octets_and_unfold_to_the_same_text() {
        let description = "Über die Rückmeldung sprechen — 振り返りと目標 ".repeat(12);
        let s = calendar_file(Method::Publish, Some("Upmentor: Dana's check-ins"), &[entry("Check-in with Zoë", &description)], 1_799_000_000);
        for line in s.split("\r\n") {
            assert!(line.len() <= 75, "a line of {} octets: {line:?}", line.len());
        }
        let lines = unfolded(&s);
        let written = lines.iter().find(|l| l.starts_with("DESCRIPTION:")).expect("a description");
        assert_eq!(written.trim_start_matches("DESCRIPTION:").replace("\\,", ","), description);
        // A feed is published: an organiser but no attendees, a name and a refresh hint.
        assert!(lines.contains(&"METHOD:PUBLISH".to_string()));
        assert!(lines.contains(&"X-WR-CALNAME:Upmentor: Dana's check-ins".to_string()));
        assert!(lines.iter().any(|l| l.starts_with("ORGANIZER")), "every method names its organiser");
        assert!(!lines.iter().any(|l| l.starts_with("ATTENDEE")));
    }

    #[test]
    fn a_check_in_that_will_not_happen_is_cancelled() {
        let mut e = entry("Check-in", "");
        e.cancelled = true;
        e.sequence = 3;
        let lines = unfolded(&calendar_file(Method::Cancel, None, &[e], 1_799_000_000));
        for expected in ["METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:3", "UID:checkin-7@example.com"] {
            assert!(lines.contains(&expected.to_string()), "{expected} in {lines:?}");
        }
    }

    fn slot(weekday: i64, start: i64, end: i64) -> FreeSlot {
        FreeSlot { weekday, start_minute: start, end_minute: end }
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        chrono::Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().timestamp()
    }

    #[test]
    fn suggestions_follow_each_persons_clock_across_daylight_saving_changes() {
        // London free Mondays 14:00–16:00, New York Mondays 09:00–11:00. Both on standard time
        // (8 March 2027) that is 14:00–16:00 UTC for both; New York moves on 14 March, London
        // on 28 March, so for two Mondays they share one hour only, then two again from 13:00 UTC.
        let london = [slot(0, 14 * 60, 16 * 60)];
        let new_york = [slot(0, 9 * 60, 11 * 60)];
        let from = utc(2027, 3, 5, 0, 0);
        assert_eq!(
            shared_free_times(&london, "Europe/London", &new_york, "America/New_York", from, 5),
            vec![(utc(2027, 3, 8, 14, 0), 60), (utc(2027, 3, 15, 14, 0), 60), (utc(2027, 3, 22, 14, 0), 60)]
        );
        let after = shared_free_times(&london, "Europe/London", &new_york, "America/New_York", utc(2027, 3, 26, 0, 0), 5);
        assert_eq!(after.first(), Some(&(utc(2027, 3, 29, 13, 0), 60)));
        // The window between the two changes has exactly one shared hour.
        let between = free_intervals(&new_york, "America/New_York", utc(2027, 3, 15, 0, 0), utc(2027, 3, 16, 0, 0));
        assert_eq!(between, vec![(utc(2027, 3, 15, 13, 0), utc(2027, 3, 15, 15, 0))]);
        // In autumn London goes back on 31 October and New York on 7 November 2027.
        let autumn = shared_free_times(&london, "Europe/London", &new_york, "America/New_York", utc(2027, 10, 22, 0, 0), 5);
        assert_eq!(autumn, vec![(utc(2027, 10, 25, 13, 0), 60), (utc(2027, 11, 1, 14, 0), 60), (utc(2027, 11, 8, 14, 0), 60)]);
    }

    #[test]
    fn a_slot_in_the_skipped_or_repeated_hour_keeps_the_minutes_that_exist() {
        // Lord Howe Island moves its clocks by half an hour: 02:00 became 02:30 on 3 October 2027
        // (UTC+10:30 to +11), so a Sunday 02:00–03:00 slot is half an hour long that day.
        let lord_howe = free_intervals(&[slot(6, 120, 180)], "Australia/Lord_Howe", utc(2027, 10, 2, 0, 0), utc(2027, 10, 3, 12, 0));
        assert_eq!(lord_howe, vec![(utc(2027, 10, 2, 15, 30), utc(2027, 10, 2, 16, 0))]);
        let with_utc = shared_free_times(&[slot(6, 120, 180)], "Australia/Lord_Howe", &[slot(5, 15 * 60, 17 * 60)], "UTC", utc(2027, 9, 30, 0, 0), 1);
        assert_eq!(with_utc, vec![(utc(2027, 10, 2, 15, 30), 30)]);
        // London's clocks went back at 02:00 BST on 31 October 2027: a 01:00–02:00 slot that
        // morning runs from the first 01:00 (BST) to 02:00 GMT, two real hours.
        let london = free_intervals(&[slot(6, 60, 120)], "Europe/London", utc(2027, 10, 30, 12, 0), utc(2027, 10, 31, 12, 0));
        assert_eq!(london, vec![(utc(2027, 10, 31, 0, 0), utc(2027, 10, 31, 2, 0))]);
        // A slot ending inside the repeated hour ends at its first occurrence, and one that
        // reaches into it covers both occurrences of the part it covers.
        let ends_at_one = free_intervals(&[slot(6, 0, 60)], "Europe/London", utc(2027, 10, 30, 12, 0), utc(2027, 10, 31, 12, 0));
        assert_eq!(ends_at_one, vec![(utc(2027, 10, 30, 23, 0), utc(2027, 10, 31, 0, 0))]);
        let into_it = free_intervals(&[slot(6, 0, 90)], "Europe/London", utc(2027, 10, 30, 12, 0), utc(2027, 10, 31, 12, 0));
        assert_eq!(into_it, vec![(utc(2027, 10, 30, 23, 0), utc(2027, 10, 31, 0, 30)), (utc(2027, 10, 31, 1, 0), utc(2027, 10, 31, 1, 30))]);
        // The morning London springs forward (28 March 2027), 01:00–03:00 is the hour 02:00–03:00 BST.
        let spring = free_intervals(&[slot(6, 60, 180)], "Europe/London", utc(2027, 3, 27, 12, 0), utc(2027, 3, 28, 12, 0));
        assert_eq!(spring, vec![(utc(2027, 3, 28, 1, 0), utc(2027, 3, 28, 2, 0))]);
        // Touching slots are one stretch, so a shared hour across their boundary is found.
        let touching = [slot(0, 9 * 60, 10 * 60), slot(0, 10 * 60, 11 * 60)];
        assert_eq!(
            shared_free_times(&touching, "UTC", &[slot(0, 9 * 60 + 30, 10 * 60 + 30)], "UTC", utc(2027, 3, 21, 0, 0), 1),
            vec![(utc(2027, 3, 22, 9, 30), 60)]
        );
        // Kathmandu is UTC+05:45 all year.
        let kathmandu = free_intervals(&[slot(0, 600, 660)], "Asia/Kathmandu", utc(2027, 3, 22, 0, 0), utc(2027, 3, 23, 0, 0));
        assert_eq!(kathmandu, vec![(utc(2027, 3, 22, 4, 15), utc(2027, 3, 22, 5, 15))]);
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
