//! Lunch & learn sessions: a participant of a programme (often a junior) proposes a session on
//! a topic at a time, in a room or online, for so many people; the programme's admins approve
//! or decline it (a session an admin proposes stands at once); the programme's people take
//! seats, and wait in line past capacity, the first in line taking a seat that frees; each
//! session has one shared page with its materials and a discussion; the host records who came,
//! and those who came rate it.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod ui;

use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    /// Waiting for an admin's decision; only the host and the admins see it.
    Proposed,
    /// Open for seats.
    Approved,
    Declined,
    /// Called off after it was approved; calendars drop it.
    Cancelled,
}

stored_as_text!(SessionStatus { Proposed = "proposed", Approved = "approved", Declined = "declined", Cancelled = "cancelled" });

impl SessionStatus {
    pub fn label(self) -> &'static str {
        match self {
            SessionStatus::Proposed => "Waiting for approval",
            SessionStatus::Approved => "Open",
            SessionStatus::Declined => "Declined",
            SessionStatus::Cancelled => "Cancelled",
        }
    }
}

/// In a room (the place is the room's name) or online (the place is the meeting's link).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionFormat {
    Room,
    Online,
}

stored_as_text!(SessionFormat { Room = "room", Online = "online" });

/// A person's place in a session: a seat, or a place in the waiting line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Seat {
    Booked,
    Waiting,
}

stored_as_text!(Seat { Booked = "booked", Waiting = "waiting" });

/// A session as the host types it: the date and time in the host's own timezone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionInput {
    pub topic: String,
    pub description: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`, 24-hour.
    pub time: String,
    pub minutes: String,
    /// `room` or `online`.
    pub format: String,
    /// The room's name, or the meeting's `https://` link.
    pub place: String,
    pub capacity: String,
}

/// A checked [`SessionInput`]; `minute` is minutes after midnight.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSession {
    pub topic: String,
    pub description: String,
    pub date: String,
    pub minute: u32,
    pub minutes: u32,
    pub format: SessionFormat,
    pub place: String,
    pub capacity: u32,
}

pub const MAX_TOPIC: usize = 120;
pub const MAX_DESCRIPTION: usize = 4_000;
pub const MAX_PLACE: usize = 300;
pub const MAX_CAPACITY: u32 = 500;
/// A session's materials, Markdown, in characters.
pub const MAX_MATERIALS: usize = 20_000;
/// One discussion post, in characters.
pub const MAX_POST: usize = 2_000;
/// Posts a session page shows (the latest).
pub const POSTS_SHOWN: i64 = 200;
pub const MAX_COMMENT: usize = 1_000;

impl SessionInput {
    /// Checks every field, each problem at its field (`topic`, `description`, `date`, `time`,
    /// `minutes`, `format`, `place`, `capacity`): 422 with all of them, or the session. Whether
    /// the time is still to come is the server's check (it needs the host's timezone).
    pub fn validate(&self) -> Result<ValidSession, AppError> {
        let mut e = FieldErrors::new();
        let topic = self.topic.trim().to_string();
        if topic.is_empty() {
            e.add("topic", "Give the session a topic.");
        } else if topic.chars().count() > MAX_TOPIC {
            e.add("topic", format!("At most {MAX_TOPIC} characters."));
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > MAX_DESCRIPTION {
            e.add("description", format!("At most {MAX_DESCRIPTION} characters."));
        }
        let date = self.date.trim().to_string();
        if !crate::programmes::valid_date(&date) {
            e.add("date", "Choose a date.");
        }
        let minute = parse_time(self.time.trim());
        if minute.is_none() {
            e.add("time", "Give a time as HH:MM, for example 12:30.");
        }
        let minutes = self.minutes.trim().parse::<u32>().ok().filter(|m| (15..=240).contains(m));
        if minutes.is_none() {
            e.add("minutes", "From 15 to 240 minutes.");
        }
        let format = SessionFormat::parse(self.format.trim());
        let place = self.place.trim().to_string();
        match format {
            None => e.add("format", "Choose a room or online."),
            Some(_) if place.is_empty() => e.add("place", "Say where: a room, or the meeting's link."),
            Some(_) if place.chars().count() > MAX_PLACE => e.add("place", format!("At most {MAX_PLACE} characters.")),
            Some(SessionFormat::Online) if !valid_link(&place) => e.add("place", "Give the meeting's link, starting with https://."),
            Some(_) => {}
        }
        let capacity = self.capacity.trim().parse::<u32>().ok().filter(|c| (1..=MAX_CAPACITY).contains(c));
        if capacity.is_none() {
            e.add("capacity", format!("From 1 to {MAX_CAPACITY} people."));
        }
        e.into_result(ValidSession {
            topic,
            description,
            date,
            minute: minute.unwrap_or(0),
            minutes: minutes.unwrap_or(60),
            format: format.unwrap_or(SessionFormat::Room),
            place,
            capacity: capacity.unwrap_or(1),
        })
    }
}

/// `HH:MM` (24-hour) as minutes after midnight.
pub fn parse_time(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && s.len() <= 5).then_some(h * 60 + m)
}

/// An `https://` link with a host and no spaces or quotes.
pub fn valid_link(s: &str) -> bool {
    s.strip_prefix("https://").is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/') && !s.chars().any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>'))
}

/// A session as the list shows it, to a viewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionCard {
    pub id: i64,
    pub topic: String,
    pub host_id: i64,
    pub host_name: String,
    /// Unix seconds.
    pub starts_at: i64,
    /// The start in the viewer's own timezone, e.g. "Tue 8 Dec 2026, 12:30 (Europe/London)".
    pub when: String,
    pub minutes: u32,
    pub format: SessionFormat,
    pub status: SessionStatus,
    pub capacity: u32,
    pub booked: u32,
    pub waiting: u32,
    /// The viewer's seat or place in line.
    pub mine: Option<Seat>,
}

/// A programme's sessions for the viewer: to come, past, and proposals (all of them for the
/// admins; their own for a host).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionList {
    pub programme_id: i64,
    pub programme_name: String,
    pub can_manage: bool,
    pub my_timezone: String,
    pub upcoming: Vec<SessionCard>,
    pub past: Vec<SessionCard>,
    pub proposals: Vec<SessionCard>,
}

/// Someone with a seat, as the session page lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendee {
    pub user_id: i64,
    pub name: String,
    /// What the host recorded: came, did not, or not recorded yet.
    pub attended: Option<bool>,
}

/// A post in a session's discussion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub id: i64,
    pub author_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: i64,
    /// When it was posted, in the viewer's timezone.
    pub when: String,
}

/// A session's shared page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionPage {
    pub card: SessionCard,
    pub programme_id: i64,
    pub programme_name: String,
    pub description: String,
    pub place: String,
    /// The materials as sanitised HTML (see [`crate::training::render`]).
    pub materials_html: String,
    /// The materials' Markdown, for the host and the admins to edit; empty for others.
    pub materials: String,
    pub is_host: bool,
    pub can_manage: bool,
    /// It has started: seats are closed, attendance and ratings open.
    pub started: bool,
    pub attendees: Vec<Attendee>,
    /// The viewer's place in the waiting line, from 1.
    pub my_position: Option<u32>,
    pub posts: Vec<Post>,
    /// The viewer had a seat, it has started, and the host did not record them absent.
    pub can_rate: bool,
    pub my_rating: Option<u8>,
    /// Ratings so far and their mean, for the host and the admins.
    pub ratings: u32,
    pub mean_rating: Option<f64>,
    /// A fresh key for the discussion form, so a post sent twice is stored once.
    pub post_key: String,
}

/// A programme's sessions in figures, for the insights page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionFigures {
    pub held: u32,
    pub upcoming: u32,
    pub proposed: u32,
    pub cancelled: u32,
    /// Seats taken in sessions held, and of those recorded as attended.
    pub seats: u32,
    pub attended: u32,
    /// People waiting in line for sessions to come.
    pub waiting: u32,
    pub ratings: u32,
    pub mean_rating: Option<f64>,
    /// One row per session held or to come, latest first.
    pub rows: Vec<SessionFigureRow>,
}

/// One session's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionFigureRow {
    pub id: i64,
    pub topic: String,
    pub host: String,
    pub starts_at: i64,
    pub status: SessionStatus,
    pub capacity: u32,
    pub booked: u32,
    pub waiting: u32,
    pub attended: u32,
    pub ratings: u32,
    pub mean_rating: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SessionInput {
        SessionInput {
            topic: "TikTok for leaders".into(),
            description: "".into(),
            date: "2027-03-01".into(),
            time: "12:30".into(),
            minutes: "45".into(),
            format: "online".into(),
            place: "https://meet.example.test/abc".into(),
            capacity: "3".into(),
        }
    }

    #[test]
    fn a_good_session_passes_and_times_are_minutes_after_midnight() {
        let v = input().validate().unwrap();
        assert_eq!((v.minute, v.minutes, v.capacity, v.format), (750, 45, 3, SessionFormat::Online));
        assert_eq!(parse_time("00:00"), Some(0));
        assert_eq!(parse_time("23:59"), Some(1439));
        for bad in ["24:00", "12:60", "noon", "12", "1:2:3", "012:30"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_its_field() {
        let bad = SessionInput { topic: " ".into(), date: "2027-02-30".into(), time: "25:00".into(), minutes: "5".into(), format: "online".into(), place: "javascript:alert(1)".into(), capacity: "0".into(), description: "x".repeat(MAX_DESCRIPTION + 1) };
        let e = bad.validate().unwrap_err().field_errors();
        for f in ["topic", "description", "date", "time", "minutes", "place", "capacity"] {
            assert!(e.get(f).is_some(), "{f}: {e:?}");
        }
        let room = SessionInput { format: "room".into(), place: "Room 3.14, Canary Wharf".into(), ..input() };
        assert!(room.validate().is_ok());
        assert!(SessionInput { format: "zoom".into(), ..input() }.validate().unwrap_err().field_errors().get("format").is_some());
    }

    #[test]
    fn only_plain_https_links_are_meeting_links() {
        assert!(valid_link("https://meet.example.test/x?y=1"));
        for bad in ["http://meet.example.test", "https://", "https:///x", "https://a b", "https://x\"onmouseover=", "javascript:alert(1)"] {
            assert!(!valid_link(bad), "{bad}");
        }
    }
}
