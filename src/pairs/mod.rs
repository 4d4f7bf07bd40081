//! The pair workspace: one page per pair, visible only to its two members, with goals and
//! milestones, check-ins with shared and private notes, real-time chat, feedback after each
//! check-in, an end-of-cycle survey, and a private roadblock line to the programme's admins.

pub mod api;
#[cfg(feature = "ssr")]
pub mod calendar;
#[cfg(feature = "ssr")]
pub mod chat;
#[cfg(feature = "ssr")]
pub mod db;
pub mod ui;

use crate::error::{AppError, FieldErrors};
use crate::matching::Reason;
use crate::people::PersonLabel;
use crate::programmes::ProgrammeKind;
use serde::{Deserialize, Serialize};

/// Whether a pair is running. Stored as text; this is the one mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairStatus {
    Active,
    /// Ended by a rematch, by the programme, or as a duplicate.
    Ended,
}

stored_as_text!(PairStatus { Active = "active", Ended = "ended" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalSide {
    /// What the mentee wants to learn.
    Mentee,
    /// What the mentor wants to gain: reverse mentoring runs both ways.
    Mentor,
}

stored_as_text!(GoalSide { Mentee = "mentee", Mentor = "mentor" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    NotStarted,
    OnTrack,
    AtRisk,
    Done,
}

stored_as_text!(GoalStatus { NotStarted = "not_started", OnTrack = "on_track", AtRisk = "at_risk", Done = "done" });

impl GoalStatus {
    pub fn label(self) -> &'static str {
        match self {
            GoalStatus::NotStarted => "Not started",
            GoalStatus::OnTrack => "On track",
            GoalStatus::AtRisk => "At risk",
            GoalStatus::Done => "Done",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: i64,
    pub title: String,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub id: i64,
    pub side: GoalSide,
    pub title: String,
    pub measure: String,
    pub target_date: String,
    pub status: GoalStatus,
    pub milestones: Vec<Milestone>,
}

impl Goal {
    /// Per cent of milestones ticked (a goal marked done counts as 100).
    pub fn progress(&self) -> u32 {
        if self.status == GoalStatus::Done {
            return 100;
        }
        if self.milestones.is_empty() {
            return 0;
        }
        (self.milestones.iter().filter(|m| m.done).count() * 100 / self.milestones.len()) as u32
    }
}

/// Most goals one pair keeps, both sides together.
pub const MAX_GOALS_PER_PAIR: i64 = 30;
/// Most milestones under one goal.
pub const MAX_MILESTONES_PER_GOAL: usize = 20;

/// The SMART goal form as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoalInput {
    pub side: String,
    pub title: String,
    pub measure: String,
    pub target_date: String,
    pub status: String,
    /// One milestone per line.
    pub milestones: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidGoal {
    pub side: GoalSide,
    pub title: String,
    pub measure: String,
    pub target_date: String,
    pub status: GoalStatus,
    pub milestones: Vec<String>,
}

impl GoalInput {
    pub fn validate(&self) -> Result<ValidGoal, AppError> {
        let mut errors = FieldErrors::new();
        let side = GoalSide::parse(&self.side);
        if side.is_none() {
            errors.add("side", "Choose whose goal this is.");
        }
        let title = self.title.trim().to_string();
        if title.is_empty() {
            errors.add("title", "Say what the goal is.");
        } else if title.chars().count() > 200 {
            errors.add("title", "Keep the goal to 200 characters.");
        }
        let measure = self.measure.trim().to_string();
        if measure.chars().count() > 500 {
            errors.add("measure", "Keep the measure to 500 characters.");
        }
        let target_date = self.target_date.trim().to_string();
        if !target_date.is_empty() && !crate::programmes::valid_date(&target_date) {
            errors.add("target_date", "Enter the target date as YYYY-MM-DD, or leave it empty.");
        }
        let status = GoalStatus::parse(if self.status.is_empty() { "not_started" } else { &self.status });
        if status.is_none() {
            errors.add("status", "Choose a status.");
        }
        // Counted before anything is copied.
        let milestone_lines = || self.milestones.lines().map(str::trim).filter(|l| !l.is_empty());
        let milestones: Vec<String> = if milestone_lines().count() > MAX_MILESTONES_PER_GOAL {
            errors.add("milestones", format!("At most {MAX_MILESTONES_PER_GOAL} milestones."));
            Vec::new()
        } else {
            milestone_lines().map(str::to_string).collect()
        };
        if milestones.iter().any(|m| m.chars().count() > 200) {
            errors.add("milestones", "Keep each milestone to 200 characters.");
        }
        errors.into_result(ValidGoal {
            side: side.unwrap_or(GoalSide::Mentee),
            title,
            measure,
            target_date,
            status: status.unwrap_or(GoalStatus::NotStarted),
            milestones,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckinStatus {
    Scheduled,
    Held,
    Missed,
    Rescheduled,
}

stored_as_text!(CheckinStatus { Scheduled = "scheduled", Held = "held", Missed = "missed", Rescheduled = "rescheduled" });

impl CheckinStatus {
    pub fn label(self) -> &'static str {
        match self {
            CheckinStatus::Scheduled => "Scheduled",
            CheckinStatus::Held => "Held",
            CheckinStatus::Missed => "Missed",
            CheckinStatus::Rescheduled => "Rescheduled",
        }
    }

    /// A missed or moved check-in will not happen at its time: calendars show it cancelled.
    pub fn cancels_event(self) -> bool {
        matches!(self, CheckinStatus::Missed | CheckinStatus::Rescheduled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    Good,
    Unsure,
    NotFit,
}

stored_as_text!(Fit { Good = "good", Unsure = "unsure", NotFit = "not_fit" });

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub rating: u8,
    pub comment: String,
    pub progress: u8,
    pub fit: Option<Fit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkin {
    pub id: i64,
    pub starts_at: i64,
    pub minutes: u32,
    pub format: String,
    pub agenda: Vec<String>,
    pub shared_notes: String,
    /// The viewer's own private note (the partner's is never sent).
    pub private_note: String,
    pub status: CheckinStatus,
    /// The start in the viewer's timezone and in the partner's, for display.
    pub my_time: String,
    /// The start's date (`YYYY-MM-DD`) and time (`HH:MM`) in the viewer's timezone, to fill the
    /// form that moves it.
    pub my_date: String,
    pub my_clock: String,
    pub partner_time: String,
    pub my_feedback: Option<Feedback>,
    pub partner_gave_feedback: bool,
    /// The first held check-in of the pair asks whether the pairing fits.
    pub asks_fit: bool,
}

/// Scheduling a check-in, as typed: date and time in the viewer's own timezone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckinInput {
    pub date: String,
    pub time: String,
    pub minutes: String,
    pub format: String,
    /// One agenda item per line.
    pub agenda: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidCheckin {
    pub date: String,
    /// Minutes after local midnight.
    pub minute: u32,
    pub minutes: u32,
    pub format: String,
    pub agenda: Vec<String>,
}

impl CheckinInput {
    pub fn validate(&self) -> Result<ValidCheckin, AppError> {
        let mut errors = FieldErrors::new();
        let date = self.date.trim().to_string();
        if !crate::programmes::valid_date(&date) {
            errors.add("date", "Enter the date as YYYY-MM-DD.");
        }
        let minute = crate::profiles::parse_minutes(&self.time).filter(|m| *m < 24 * 60);
        if minute.is_none() {
            errors.add("time", "Enter the time as HH:MM.");
        }
        let minutes = match self.minutes.trim().parse::<u32>() {
            Ok(m) if (5..=480).contains(&m) => m,
            _ => {
                errors.add("minutes", "Enter a duration from 5 to 480 minutes.");
                30
            }
        };
        if !matches!(self.format.as_str(), "remote" | "in_person") {
            errors.add("format", "Choose remote or in person.");
        }
        let agenda: Vec<String> = self.agenda.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect();
        if agenda.len() > 20 || agenda.iter().any(|a| a.chars().count() > 300) {
            errors.add("agenda", "Up to 20 agenda items of at most 300 characters each.");
        }
        errors.into_result(ValidCheckin { date, minute: minute.unwrap_or(0) as u32, minutes, format: self.format.clone(), agenda })
    }
}

/// A time both people are free, offered when scheduling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotSuggestion {
    /// In the viewer's timezone, ready for the form.
    pub date: String,
    pub time: String,
    pub minutes: u32,
    pub my_time: String,
    pub partner_time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackInput {
    pub checkin_id: i64,
    pub rating: String,
    pub comment: String,
    pub progress: String,
    /// Empty unless the check-in asks about the fit.
    pub fit: String,
}

impl FeedbackInput {
    pub fn validate(&self) -> Result<Feedback, AppError> {
        let mut errors = FieldErrors::new();
        let rating = match self.rating.trim().parse::<u8>() {
            Ok(r) if (1..=5).contains(&r) => r,
            _ => {
                errors.add("rating", "Rate the check-in from 1 to 5.");
                1
            }
        };
        let progress = match self.progress.trim().parse::<u8>() {
            Ok(p) if p <= 100 => p,
            _ => {
                errors.add("progress", "Give goal progress as a per cent from 0 to 100.");
                0
            }
        };
        let comment = self.comment.trim().to_string();
        if comment.chars().count() > 2000 {
            errors.add("comment", "Keep the comment to 2,000 characters.");
        }
        let fit = if self.fit.is_empty() {
            None
        } else {
            let f = Fit::parse(&self.fit);
            if f.is_none() {
                errors.add("fit", "Choose good, unsure or not a fit.");
            }
            f
        };
        errors.into_result(Feedback { rating, comment, progress, fit })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SurveyInput {
    pub learned: String,
    pub recommend: String,
    pub again: String,
    /// `yes`, `no` or empty (not answered).
    #[serde(default)]
    pub gained: String,
    /// "What I learned" may be quoted without a name in the programme's report.
    #[serde(default)]
    pub share_quote: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub learned: String,
    pub recommend: u8,
    pub again: bool,
    /// Whether the person gained something from the pairing; `None`: not answered.
    pub gained: Option<bool>,
    pub share_quote: bool,
}

impl SurveyInput {
    pub fn validate(&self) -> Result<Survey, AppError> {
        let mut errors = FieldErrors::new();
        let learned = self.learned.trim().to_string();
        if learned.is_empty() {
            errors.add("learned", "Say in a sentence or two what you learned.");
        } else if learned.chars().count() > 4000 {
            errors.add("learned", "Keep it to 4,000 characters.");
        }
        let recommend = match self.recommend.trim().parse::<u8>() {
            Ok(r) if r <= 10 => r,
            _ => {
                errors.add("recommend", "Choose from 0 (not at all) to 10 (certainly).");
                0
            }
        };
        let again = match self.again.as_str() {
            "yes" => true,
            "no" => false,
            _ => {
                errors.add("again", "Choose yes or no.");
                false
            }
        };
        let gained = match self.gained.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            "" => None,
            _ => {
                errors.add("gained", "Choose yes or no.");
                None
            }
        };
        errors.into_result(Survey { learned, recommend, again, gained, share_quote: self.share_quote })
    }
}

/// A chat message as both members see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Message {
    pub id: i64,
    pub sender_id: i64,
    /// Chosen by the sending browser, so a resend after a lost connection is stored once.
    pub client_id: String,
    pub body: String,
    pub goal_id: Option<i64>,
    pub checkin_id: Option<i64>,
    pub created_at: i64,
}

/// What a browser sends over the chat connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Send { client_id: String, body: String, goal_id: Option<i64>, checkin_id: Option<i64> },
    /// Everything up to this message id has been seen.
    Read { last_id: i64 },
}

/// What the server sends over the chat connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The message with this client id is stored (sent to its sender only).
    Ack { message: Message },
    /// A message in this pair (sent to every other connection of the pair).
    Message { message: Message },
    /// The message with this client id was refused; nothing was stored.
    Refused { client_id: String, reason: String },
    /// Too many messages at once: this one was not stored; the browser sends it again after
    /// `retry_ms` milliseconds (it stays in the browser's outbox).
    Slow { client_id: String, retry_ms: u32 },
}

pub const MAX_MESSAGE: usize = 4000;

/// Checks a message before it is stored.
pub fn check_message(client_id: &str, body: &str) -> Result<String, String> {
    if client_id.is_empty() || client_id.len() > 64 || !client_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err("The message id is malformed.".into());
    }
    let body = body.trim();
    if body.is_empty() {
        return Err("A message cannot be empty.".into());
    }
    if body.chars().count() > MAX_MESSAGE {
        return Err(format!("A message can have at most {MAX_MESSAGE} characters."));
    }
    Ok(body.to_string())
}

/// One pair's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub pair_id: i64,
    pub programme_id: i64,
    pub programme_name: String,
    pub kind: ProgrammeKind,
    pub me: PersonLabel,
    pub partner: PersonLabel,
    pub i_am_mentor: bool,
    pub my_timezone: String,
    pub partner_timezone: String,
    /// Goal templates from the programme's objectives.
    pub templates: Vec<String>,
    pub goals: Vec<Goal>,
    pub checkins: Vec<Checkin>,
    pub suggestions: Vec<SlotSuggestion>,
    pub my_survey: Option<Survey>,
    pub unread: u32,
    /// The programme's guides for the viewer's role, required first, with what they finished.
    pub guides: Vec<crate::training::GuideLink>,
    /// The guides for the partner's role (titles and links only: what they did is theirs).
    pub partner_guides: Vec<crate::training::GuideLink>,
}

/// The latest messages, oldest first, and whether older ones exist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub more: bool,
}

/// What a programme's admins see of a pair: counts and ratings, never chat or private notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairStats {
    pub pair_id: i64,
    pub mentor: String,
    pub mentee: String,
    pub goals: u32,
    pub goals_done: u32,
    pub milestones: u32,
    pub milestones_done: u32,
    pub checkins_held: u32,
    pub checkins_missed: u32,
    pub mean_rating: Option<f64>,
    pub not_fit: bool,
    pub open_roadblocks: u32,
    pub messages: u32,
}

/// Goal templates from a programme's objective tags.
pub fn templates(tags: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for t in tags {
        let s = match t.as_str() {
            "technology fluency" => "Use a new digital tool in my weekly work",
            "digital and social media" => "Publish and review three posts on a social platform",
            "strategy insight" => "Understand how one business decision was made, end to end",
            "diversity and inclusion" => "Learn a perspective from a different generation or background",
            "leadership" => "Practise one leadership habit and reflect on it",
            "retention" => "Map my next career step with my mentor",
            _ => continue,
        };
        out.push(s.to_string());
    }
    for s in ["Learn a skill my partner brings", "Share one thing I know that my partner wants to learn"] {
        out.push(s.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_are_checked_field_by_field() {
        let g = GoalInput { side: "mentee".into(), title: "Post on TikTok".into(), measure: "3 posts".into(), target_date: "2027-02-01".into(), status: "".into(), milestones: "Make an account\n\nFirst post".into() };
        let v = g.validate().unwrap();
        assert_eq!(v.status, GoalStatus::NotStarted);
        assert_eq!(v.milestones, vec!["Make an account", "First post"]);
        let bad = GoalInput { side: "boss".into(), title: " ".into(), target_date: "soon".into(), ..g };
        let e = bad.validate().unwrap_err().field_errors();
        assert!(e.get("side").is_some() && e.get("title").is_some() && e.get("target_date").is_some());
    }

    #[test]
    fn progress_follows_milestones() {
        let mut g = Goal { id: 1, side: GoalSide::Mentee, title: "x".into(), measure: "".into(), target_date: "".into(), status: GoalStatus::OnTrack, milestones: vec![] };
        assert_eq!(g.progress(), 0);
        g.milestones = vec![Milestone { id: 1, title: "a".into(), done: true }, Milestone { id: 2, title: "b".into(), done: false }, Milestone { id: 3, title: "c".into(), done: false }];
        assert_eq!(g.progress(), 33);
        g.status = GoalStatus::Done;
        assert_eq!(g.progress(), 100);
    }

    #[test]
    fn check_ins_and_feedback_are_checked() {
        let c = CheckinInput { date: "2027-01-05".into(), time: "14:30".into(), minutes: "45".into(), format: "remote".into(), agenda: "Goals\nTikTok".into() };
        let v = c.validate().unwrap();
        assert_eq!((v.minute, v.minutes, v.agenda.len()), (870, 45, 2));
        let bad = CheckinInput { time: "25:00".into(), minutes: "0".into(), format: "zoom".into(), ..c };
        let e = bad.validate().unwrap_err().field_errors();
        assert!(e.get("time").is_some() && e.get("minutes").is_some() && e.get("format").is_some());
        let f = FeedbackInput { checkin_id: 1, rating: "6".into(), comment: "".into(), progress: "101".into(), fit: "meh".into() };
        let e = f.validate().unwrap_err().field_errors();
        assert!(e.get("rating").is_some() && e.get("progress").is_some() && e.get("fit").is_some());
    }

    #[test]
    fn messages_need_a_sane_id_and_a_body() {
        assert_eq!(check_message("a1-b2", "  hi "), Ok("hi".into()));
        assert!(check_message("", "hi").is_err());
        assert!(check_message("x y", "hi").is_err());
        assert!(check_message("abc", "   ").is_err());
        assert!(check_message("abc", &"x".repeat(MAX_MESSAGE + 1)).is_err());
    }
}

/// A pair as the programme's admins see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairRow {
    pub id: i64,
    pub mentor: PersonLabel,
    pub mentee: PersonLabel,
    pub score: f64,
    pub created_at: i64,
}

/// One of the viewer's own pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyMatch {
    pub pair_id: i64,
    pub programme_id: i64,
    pub programme_name: String,
    pub kind: ProgrammeKind,
    pub i_am_mentor: bool,
    pub partner: PersonLabel,
    pub score: f64,
    pub reasons: Vec<Reason>,
    pub created_at: i64,
}
