//! Programmes: what an admin sets up (objectives, type, dates, capacity, matching rules), who
//! takes part (applications and bulk enrolment), the matching runs that pair them (the studio
//! and its audit trail) and mentor requests in self-match mode. The pairs that come out are
//! `pairs`'; the notices that tell people are `notifications`'.

pub use crate::people::PersonLabel;

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod pool;
pub mod studio;
pub mod studio_worker;
pub mod ui;

use crate::error::{AppError, FieldErrors};
use crate::matching::{Config, Criterion, Direction, MatchResult, Objective, Reason, Rules, Weights};
use serde::{Deserialize, Serialize};

/// Suggested objective tags; admins may add their own.
pub const OBJECTIVE_TAGS: [&str; 6] = [
    "technology fluency",
    "diversity and inclusion",
    "strategy insight",
    "digital and social media",
    "retention",
    "leadership",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeKind {
    /// Juniors mentor seniors.
    Reverse,
    /// Seniors mentor juniors.
    Classic,
    /// Colleagues at similar levels.
    Peer,
    /// One host, several attendees (lunch & learn).
    Group,
}

stored_as_text!(ProgrammeKind { Reverse = "reverse", Classic = "classic", Peer = "peer", Group = "group" });

impl ProgrammeKind {
    pub fn label(self) -> &'static str {
        match self {
            ProgrammeKind::Reverse => "Reverse mentoring",
            ProgrammeKind::Classic => "Classic mentoring",
            ProgrammeKind::Peer => "Peer mentoring",
            ProgrammeKind::Group => "Group sessions (lunch & learn)",
        }
    }
    /// What a mentor is called in this kind of programme.
    pub fn mentor_word(self) -> &'static str {
        match self {
            ProgrammeKind::Group => "host",
            _ => "mentor",
        }
    }
    pub fn mentee_word(self) -> &'static str {
        match self {
            ProgrammeKind::Group => "attendee",
            _ => "mentee",
        }
    }
    pub fn default_capacity(self) -> u32 {
        match self {
            ProgrammeKind::Group => 8,
            ProgrammeKind::Reverse | ProgrammeKind::Classic => 1,
            ProgrammeKind::Peer => 1,
        }
    }
    /// Matching rules and weights a new programme of this kind starts with.
    pub fn default_config(self) -> Config {
        let mut weights = Weights::default();
        let mut rules = Rules::default();
        match self {
            ProgrammeKind::Reverse => {
                rules.direction = Direction::MentorJunior;
                rules.min_level_gap = Some(2);
            }
            ProgrammeKind::Classic => {
                rules.direction = Direction::MentorSenior;
                rules.min_level_gap = Some(2);
            }
            ProgrammeKind::Peer => {
                rules.direction = Direction::Peers;
                rules.min_level_gap = Some(1);
            }
            ProgrammeKind::Group => {
                rules.direction = Direction::Peers;
                rules.min_level_gap = None;
                rules.reporting_chain_levels = None;
                weights.set(Criterion::Seniority, 0.0);
                weights.set(Criterion::CrossDepartment, 1.0);
            }
        }
        Config { weights, rules, objective: Objective::Total }
    }
    /// The role offered first to someone at `level` (in a reverse programme, juniors mentor).
    pub fn suggested_role(self, level: i32) -> EnrolRole {
        match self {
            ProgrammeKind::Reverse => {
                if level <= 4 {
                    EnrolRole::Mentor
                } else {
                    EnrolRole::Mentee
                }
            }
            ProgrammeKind::Classic => {
                if level >= 6 {
                    EnrolRole::Mentor
                } else {
                    EnrolRole::Mentee
                }
            }
            ProgrammeKind::Peer | ProgrammeKind::Group => EnrolRole::Mentee,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolRole {
    Mentor,
    Mentee,
}

stored_as_text!(EnrolRole { Mentor = "mentor", Mentee = "mentee" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrolStatus {
    Applied,
    Approved,
    Declined,
}

stored_as_text!(EnrolStatus { Applied = "applied", Approved = "approved", Declined = "declined" });

impl EnrolStatus {
    pub fn label(self) -> &'static str {
        match self {
            EnrolStatus::Applied => "Waiting for approval",
            EnrolStatus::Approved => "Enrolled",
            EnrolStatus::Declined => "Declined",
        }
    }
}

/// The programme form as typed (numbers and dates as text, so nothing typed is lost).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeInput {
    pub name: String,
    pub objectives: String,
    pub tags: Vec<String>,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub enrol_opens: String,
    pub enrol_closes: String,
    pub mentor_capacity: String,
    pub self_match: bool,
    /// Metrics with targets; rows left empty are ignored.
    #[serde(default)]
    pub targets: Vec<crate::insights::TargetInput>,
    /// When a pair counts as at risk, and when it is nudged first.
    #[serde(default)]
    pub health: crate::insights::HealthInput,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidProgramme {
    pub name: String,
    pub objectives: String,
    pub tags: Vec<String>,
    pub kind: ProgrammeKind,
    pub starts_on: String,
    pub ends_on: String,
    pub enrol_opens: String,
    pub enrol_closes: String,
    pub mentor_capacity: u32,
    pub self_match: bool,
    pub targets: Vec<crate::insights::Target>,
    pub health: crate::insights::HealthSettings,
}

/// `YYYY-MM-DD` with a real day of a real month.
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    if !(2000..=2200).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
    d <= days
}

impl ProgrammeInput {
    /// The same checks in the browser (at once) and on the server (the authority).
    pub fn validate(&self) -> Result<ValidProgramme, AppError> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.add("name", "Give the programme a name.");
        } else if name.chars().count() > 120 {
            errors.add("name", "Keep the name to 120 characters.");
        }
        let objectives = self.objectives.trim().to_string();
        if objectives.chars().count() > 4000 {
            errors.add("objectives", "Keep the objectives to 4,000 characters.");
        }
        let mut tags: Vec<String> = Vec::new();
        // Counted before the tags are compared with each other.
        if self.tags.len() > 12 {
            errors.add("tags", "Choose at most 12 tags.");
        }
        for t in self.tags.iter().take(12) {
            let t = t.trim().to_lowercase();
            if t.is_empty() || tags.contains(&t) {
                continue;
            }
            if t.chars().count() > 40 {
                errors.add("tags", "A tag can have at most 40 characters.");
            } else if t.contains(',') {
                errors.add("tags", "A tag cannot contain a comma.");
            }
            tags.push(t);
        }
        let kind = ProgrammeKind::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", "Choose the type of programme.");
        }
        let mut dates_ok = true;
        for (field, value, what) in [
            ("starts_on", &self.starts_on, "the first day of the cycle"),
            ("ends_on", &self.ends_on, "the last day of the cycle"),
            ("enrol_opens", &self.enrol_opens, "when enrolment opens"),
            ("enrol_closes", &self.enrol_closes, "when enrolment closes"),
        ] {
            if !valid_date(value.trim()) {
                errors.add(field, format!("Enter {what} as a date (YYYY-MM-DD)."));
                dates_ok = false;
            }
        }
        let d = |s: &String| s.trim().to_string();
        if dates_ok {
            if d(&self.ends_on) <= d(&self.starts_on) {
                errors.add("ends_on", "The cycle must end after it starts.");
            }
            if d(&self.enrol_closes) < d(&self.enrol_opens) {
                errors.add("enrol_closes", "Enrolment must close on or after the day it opens.");
            }
            if d(&self.enrol_closes) > d(&self.ends_on) {
                errors.add("enrol_closes", "Enrolment must close before the cycle ends.");
            }
        }
        let mentor_capacity = match self.mentor_capacity.trim().parse::<u32>() {
            Ok(n) if (1..=20).contains(&n) => n,
            _ => {
                errors.add("mentor_capacity", "Enter how many people one mentor takes: a whole number from 1 to 20.");
                1
            }
        };
        let (targets, health) = crate::insights::check_objectives(&self.targets, &self.health, &mut errors);
        errors.into_result(ValidProgramme {
            name,
            objectives,
            tags,
            kind: kind.unwrap_or(ProgrammeKind::Reverse),
            starts_on: d(&self.starts_on),
            ends_on: d(&self.ends_on),
            enrol_opens: d(&self.enrol_opens),
            enrol_closes: d(&self.enrol_closes),
            mentor_capacity,
            self_match: self.self_match,
            targets,
            health,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub applied: u32,
    pub mentors: u32,
    pub mentees: u32,
    pub active_pairs: u32,
    pub runs: u32,
}

/// A programme as its pages show it, to anyone who may see it. The matching rules (which name
/// forbidden and pinned pairs by person) are not part of it: only the studio's
/// [`StudioData::config`] carries them, to the programme's admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Programme {
    pub id: i64,
    pub name: String,
    pub objectives: String,
    pub tags: Vec<String>,
    pub kind: ProgrammeKind,
    pub starts_on: String,
    pub ends_on: String,
    pub enrol_opens: String,
    pub enrol_closes: String,
    pub mentor_capacity: u32,
    pub self_match: bool,
    /// The admin's targets, shown against the actual figures on the insights page.
    pub targets: Vec<crate::insights::Target>,
    pub health: crate::insights::HealthSettings,
    pub counts: Counts,
    /// Enrolment is open today.
    pub open: bool,
    /// The viewer runs this programme.
    pub can_manage: bool,
    /// The viewer's own application, if any.
    pub mine: Option<MyEnrolment>,
    /// The role offered first to the viewer.
    pub suggested_role: EnrolRole,
}

impl Programme {
    /// Whether `viewer`, who sees this programme as it is (enrolment open, their own
    /// application, their management), may see it at all: the same rule as the programme list.
    pub fn visible(&self) -> bool {
        self.open || self.mine.is_some() || self.can_manage
    }
}

impl Programme {
    pub fn to_input(&self) -> ProgrammeInput {
        ProgrammeInput {
            name: self.name.clone(),
            objectives: self.objectives.clone(),
            tags: self.tags.clone(),
            kind: self.kind.as_str().into(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            enrol_opens: self.enrol_opens.clone(),
            enrol_closes: self.enrol_closes.clone(),
            mentor_capacity: self.mentor_capacity.to_string(),
            self_match: self.self_match,
            targets: self.targets.iter().map(|t| crate::insights::TargetInput { metric: t.metric.as_str().into(), target: format!("{}", t.target) }).collect(),
            health: self.health.to_input(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MyEnrolment {
    pub role: EnrolRole,
    pub status: EnrolStatus,
}

/// An application to take part, as typed.
///
/// `edit` is true when the person changes the application they already have pending; a new
/// application (`edit` false) to a programme they have applied to is refused with 409, so a
/// double click or a second tab makes one application, not two and not a silent overwrite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplyInput {
    pub programme_id: i64,
    pub role: String,
    pub motivation: String,
    pub topics: String,
    #[serde(default)]
    pub edit: bool,
}

impl ApplyInput {
    pub fn validate(&self) -> Result<(EnrolRole, String, Vec<String>), AppError> {
        let mut errors = FieldErrors::new();
        let role = EnrolRole::parse(&self.role);
        if role.is_none() {
            errors.add("role", "Choose whether you join as a mentor or a mentee.");
        }
        let motivation = self.motivation.trim().to_string();
        if motivation.chars().count() > 2000 {
            errors.add("motivation", "Keep your motivation to 2,000 characters.");
        }
        let topics = crate::profiles::distinct_names(self.topics.split([',', '\n']), 10).unwrap_or_else(|| {
            errors.add("topics", "List at most 10 topics, separated by commas.");
            Vec::new()
        });
        if topics.iter().any(|t| t.chars().count() > 60) {
            errors.add("topics", "A topic can have at most 60 characters.");
        }
        errors.into_result((role.unwrap_or(EnrolRole::Mentee), motivation, topics))
    }
}

pub fn split_topics(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in s.split([',', '\n']) {
        let t = crate::profiles::normalise_skill(t);
        if !t.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(&t)) {
            out.push(t);
        }
    }
    out
}

/// One application or enrolment, as the programme's admins see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrolment {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub job_title: String,
    pub department: String,
    pub level: i32,
    pub role: EnrolRole,
    pub status: EnrolStatus,
    pub motivation: String,
    pub topics: Vec<String>,
    pub created_at: i64,
}

pub use crate::ui::{LIST_PAGE, MAX_SEARCH};

/// Which of a programme's people its manage page lists: a search, a role, a state, a sort and a
/// page. Empty texts mean "any", and every field may be left out; see [`EnrolmentQuery::validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct EnrolmentQuery {
    /// Words found in the name, email or department (case does not matter).
    pub q: String,
    /// `mentor`, `mentee`, or empty for both.
    pub role: String,
    /// `applied`, `approved`, `declined`, or empty for every state.
    pub status: String,
    /// `waiting` (applications first, the default), `name`, `newest` or `level`.
    pub sort: String,
    /// From 0.
    pub page: i32,
}

/// An [`EnrolmentQuery`] checked: `None` means any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEnrolmentQuery {
    pub q: String,
    pub role: Option<EnrolRole>,
    pub status: Option<EnrolStatus>,
    pub sort: EnrolmentSort,
    pub page: i32,
}

/// How the manage page orders a programme's people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentSort {
    /// Applications waiting first, then the enrolled, then the declined; by role and name within.
    Waiting,
    Name,
    Newest,
    /// Most senior first.
    Level,
}

impl EnrolmentQuery {
    /// Errors (422, at the field): a search over [`MAX_SEARCH`] characters, an unknown role,
    /// state or sort. A negative page is the first.
    pub fn validate(&self) -> Result<ValidEnrolmentQuery, AppError> {
        let mut errors = FieldErrors::new();
        let q = self.q.trim().to_string();
        if q.chars().count() > MAX_SEARCH {
            errors.add("q", format!("Search for at most {MAX_SEARCH} characters."));
        }
        let role = match self.role.trim() {
            "" => None,
            r => EnrolRole::parse(r).or_else(|| {
                errors.add("role", "Choose mentors, mentees or both.");
                None
            }),
        };
        let status = match self.status.trim() {
            "" => None,
            s => EnrolStatus::parse(s).or_else(|| {
                errors.add("status", "Choose waiting, enrolled, declined or any.");
                None
            }),
        };
        let sort = match self.sort.trim() {
            "" | "waiting" => EnrolmentSort::Waiting,
            "name" => EnrolmentSort::Name,
            "newest" => EnrolmentSort::Newest,
            "level" => EnrolmentSort::Level,
            _ => {
                errors.add("sort", "Sort by waiting, name, newest or level.");
                EnrolmentSort::Waiting
            }
        };
        errors.into_result(ValidEnrolmentQuery { q, role, status, sort, page: self.page.max(0) })
    }
}

/// One page of a programme's people, how many match the query in all, how many of those are
/// applications waiting for a decision (`waiting`: what "approve or decline everyone matching"
/// would decide), and the newest enrolment id among the matches (`newest`, 0 if none: a bulk
/// decision never reaches past what the list could show).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnrolmentPage {
    pub items: Vec<Enrolment>,
    pub total: i64,
    pub waiting: i64,
    pub newest: i64,
    pub page: i32,
    pub page_size: i32,
}

/// What deciding every waiting application that matches a filter did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkDecision {
    /// Applications this call approved or declined.
    pub decided: i64,
}

/// Which of a programme's active pairs its manage page lists (every field may be left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct PairQuery {
    /// Words found in the mentor's or the mentee's name, email or department.
    pub q: String,
    /// `name` (mentor's, the default), `score` (best first), `score_low` (weakest first) or `newest`.
    pub sort: String,
    /// From 0.
    pub page: i32,
}

/// How the manage page orders a programme's pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairSort {
    Name,
    Score,
    ScoreLow,
    Newest,
}

impl PairQuery {
    /// The query checked: (search text trimmed, sort, page from 0). Errors (422, at the field):
    /// a search over [`MAX_SEARCH`] characters or an unknown sort.
    pub fn validate(&self) -> Result<(String, PairSort, i32), AppError> {
        let mut errors = FieldErrors::new();
        let q = self.q.trim().to_string();
        if q.chars().count() > MAX_SEARCH {
            errors.add("q", format!("Search for at most {MAX_SEARCH} characters."));
        }
        let sort = match self.sort.trim() {
            "" | "name" => PairSort::Name,
            "score" => PairSort::Score,
            "score_low" => PairSort::ScoreLow,
            "newest" => PairSort::Newest,
            _ => {
                errors.add("sort", "Sort by name, score or newest.");
                PairSort::Name
            }
        };
        errors.into_result((q, sort, self.page.max(0)))
    }
}

/// One page of a programme's active pairs, how many match the query in all, and how the page's
/// pairs are doing (`health`: one [`crate::pairs::PairStats`] per item still active when the
/// figures were read, same order; figures only, never goal, note or chat text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PairPage {
    pub items: Vec<crate::pairs::PairRow>,
    pub total: i64,
    pub page: i32,
    pub page_size: i32,
    pub health: Vec<crate::pairs::PairStats>,
}

/// Whom to enrol at once: everyone matching directory filters, or a list of emails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BulkSource {
    Filter { department: String, level_min: String, level_max: String },
    Emails(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkEnrolInput {
    pub programme_id: i64,
    pub role: String,
    pub source: BulkSource,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BulkReport {
    pub enrolled: u32,
    /// Already in the programme (their role and status are left as they were).
    pub already: u32,
    pub errors: Vec<crate::accounts::RowError>,
}

/// A saved run in the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: i64,
    pub author: String,
    pub created_at: i64,
    pub pairs: u32,
    pub participants: u32,
    pub total: f64,
    pub objective: Objective,
    pub published_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    pub summary: RunSummary,
    pub config: Config,
    pub result: MatchResult,
}

/// Everything the studio needs to run the engine in the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudioData {
    pub programme: Programme,
    /// The programme's matching rules, fitted to the pool (pins and forbidden pairs of people
    /// no longer in it dropped).
    pub config: Config,
    /// The pool: approved people not yet in an active pair (mentors with room left).
    pub problem: crate::matching::Problem,
    pub people: Vec<PersonLabel>,
    /// The newest page of saved runs.
    pub runs: RunPage,
    pub last: Option<SavedRun>,
}

/// One page of a programme's saved runs (newest first) and how many there are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunPage {
    pub items: Vec<RunSummary>,
    pub total: i64,
    pub page: i32,
    pub page_size: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PublishReport {
    pub pairs: u32,
    pub unmatched: u32,
    pub notified: u32,
}

/// A mentor suggested to a mentee in self-match mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub mentor: PersonLabel,
    pub score: f64,
    pub reasons: Vec<Reason>,
    /// The viewer already asked this mentor.
    pub requested: bool,
}

/// Where a mentee's request to a mentor stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the mentor's answer.
    Pending,
    /// The mentor accepted; the pair was formed.
    Accepted,
    Declined,
    /// Nobody answered before it ran out.
    Expired,
    /// Closed without an answer: the mentee was paired another way.
    Withdrawn,
}

stored_as_text!(RequestStatus { Pending = "pending", Accepted = "accepted", Declined = "declined", Expired = "expired", Withdrawn = "withdrawn" });

impl RequestStatus {
    /// The word shown beside a request.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "Waiting for an answer",
            RequestStatus::Accepted => "Accepted",
            RequestStatus::Declined => "Declined",
            RequestStatus::Expired => "Expired",
            RequestStatus::Withdrawn => "Withdrawn",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MentorRequest {
    pub id: i64,
    pub programme_id: i64,
    pub programme_name: String,
    pub mentee: PersonLabel,
    pub mentor: PersonLabel,
    pub message: String,
    pub status: RequestStatus,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The two or three strongest reasons in one sentence, for notifications.
pub fn reasons_sentence(reasons: &[Reason]) -> String {
    let picked: Vec<&str> = reasons.iter().filter(|r| r.score > 0.0).take(3).map(|r| r.text.as_str()).collect();
    if picked.is_empty() {
        "you fit the programme's rules".into()
    } else {
        picked.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> ProgrammeInput {
        ProgrammeInput {
            name: "Reverse mentoring 2027".into(),
            objectives: "AI fluency for leaders".into(),
            tags: vec!["Technology fluency".into(), "technology fluency".into()],
            kind: "reverse".into(),
            starts_on: "2027-01-10".into(),
            ends_on: "2027-06-30".into(),
            enrol_opens: "2026-11-01".into(),
            enrol_closes: "2026-12-31".into(),
            mentor_capacity: "2".into(),
            self_match: false,
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_programme_is_accepted_with_tags_folded() {
        let v = good().validate().unwrap();
        assert_eq!(v.kind, ProgrammeKind::Reverse);
        assert_eq!(v.tags, vec!["technology fluency".to_string()]);
        assert_eq!(v.mentor_capacity, 2);
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut p = good();
        p.name = " ".into();
        p.ends_on = "2027-02-30".into();
        p.mentor_capacity = "0".into();
        p.kind = "other".into();
        let e = p.validate().unwrap_err().field_errors();
        assert!(e.get("name").is_some());
        assert!(e.get("ends_on").unwrap().contains("YYYY-MM-DD"));
        assert!(e.get("mentor_capacity").is_some());
        assert!(e.get("kind").is_some());
        let mut p = good();
        p.ends_on = "2027-01-01".into();
        p.enrol_closes = "2026-10-01".into();
        let e = p.validate().unwrap_err().field_errors();
        assert!(e.get("ends_on").unwrap().contains("after"));
        assert!(e.get("enrol_closes").is_some());
    }

    #[test]
    fn dates_must_exist() {
        assert!(valid_date("2028-02-29"));
        assert!(!valid_date("2027-02-29"));
        assert!(!valid_date("2027-13-01"));
        assert!(!valid_date("27-01-01"));
    }

    #[test]
    fn reverse_programmes_offer_juniors_the_mentor_role() {
        assert_eq!(ProgrammeKind::Reverse.suggested_role(2), EnrolRole::Mentor);
        assert_eq!(ProgrammeKind::Reverse.suggested_role(8), EnrolRole::Mentee);
        assert_eq!(ProgrammeKind::Reverse.default_config().rules.direction, Direction::MentorJunior);
        assert_eq!(ProgrammeKind::Classic.default_config().rules.direction, Direction::MentorSenior);
    }

    #[test]
    fn applications_are_checked() {
        let ok = ApplyInput { programme_id: 1, role: "mentor".into(), motivation: "".into(), topics: "TikTok, tiktok, AI".into(), edit: false };
        let (role, _, topics) = ok.validate().unwrap();
        assert_eq!(role, EnrolRole::Mentor);
        assert_eq!(topics.len(), 2);
        let bad = ApplyInput { role: "boss".into(), ..ok };
        assert!(bad.validate().unwrap_err().field_errors().get("role").is_some());
    }
}
