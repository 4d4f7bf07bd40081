//! What the engine is given: participants, criteria weights, hard rules and the objective.

use serde::{Deserialize, Serialize};

pub type PersonId = i64;

/// A weekly free interval in UTC, in minutes from Monday 00:00 (0..10080).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklySlot {
    pub start: i32,
    pub end: i32,
}

/// One person in one matching run. Whether they mentor or are mentored is given by the list
/// they are in ([`Problem::mentors`] or [`Problem::mentees`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Participant {
    pub id: PersonId,
    /// Seniority, 1 (entry) to 10 (executive).
    pub level: i32,
    pub department: String,
    /// Managers from the direct one upwards.
    pub manager_chain: Vec<PersonId>,
    pub utc_offset_minutes: i32,
    pub languages: Vec<String>,
    /// Skills this person can teach, with a level 1–5.
    pub offers: Vec<(String, u8)>,
    /// Skills this person wants to learn, with a priority 1–3.
    pub wants: Vec<(String, u8)>,
    /// Hobbies and interests.
    pub interests: Vec<String>,
    pub availability: Vec<WeeklySlot>,
    /// Used only for fairness reporting (e.g. a generation or a site).
    pub group: Option<String>,
    /// People this person would like to be paired with.
    pub prefers: Vec<PersonId>,
    /// People this person does not want to be paired with.
    pub avoids: Vec<PersonId>,
    /// How many partners this person takes (mentees: 1).
    pub capacity: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub mentors: Vec<Participant>,
    pub mentees: Vec<Participant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Criterion {
    /// The mentor offers what the mentee wants, weighted by level and priority.
    Skills,
    /// The level gap in the programme's direction.
    Seniority,
    /// Mentor and mentee work in different departments.
    CrossDepartment,
    /// Timezones close enough and weekly availability that overlaps.
    Schedule,
    /// Shared languages.
    Language,
    /// Shared hobbies and interests.
    Interests,
    /// Either asked for the other.
    Wishes,
}

impl Criterion {
    pub const ALL: [Criterion; 7] = [
        Criterion::Skills,
        Criterion::Seniority,
        Criterion::CrossDepartment,
        Criterion::Schedule,
        Criterion::Language,
        Criterion::Interests,
        Criterion::Wishes,
    ];
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn label(self) -> &'static str {
        match self {
            Criterion::Skills => "Skills",
            Criterion::Seniority => "Seniority gap",
            Criterion::CrossDepartment => "Cross-department",
            Criterion::Schedule => "Timezone and availability",
            Criterion::Language => "Language",
            Criterion::Interests => "Shared interests",
            Criterion::Wishes => "Wishes",
        }
    }
}

/// A weight 0–10 per criterion, in [`Criterion::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights(pub [f64; 7]);

impl Default for Weights {
    fn default() -> Self {
        Weights([8.0, 5.0, 3.0, 5.0, 4.0, 2.0, 3.0])
    }
}

impl Weights {
    pub fn get(&self, c: Criterion) -> f64 {
        self.0[c.index()]
    }
    pub fn set(&mut self, c: Criterion, w: f64) {
        self.0[c.index()] = w;
    }
    pub fn sum(&self) -> f64 {
        self.0.iter().sum()
    }
}

/// Which way the seniority gap must go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Reverse mentoring: the mentor is junior to the mentee.
    MentorJunior,
    /// Classic mentoring: the mentor is senior to the mentee.
    MentorSenior,
    /// Peer mentoring: levels close to each other.
    Peers,
}

/// Hard rules; `None` switches a rule off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    pub direction: Direction,
    /// Minimum level gap in the direction (for peers: the maximum difference).
    pub min_level_gap: Option<i32>,
    /// Never pair people where one is within this many levels above the other in the
    /// reporting chain.
    pub reporting_chain_levels: Option<u32>,
    pub require_common_language: bool,
    pub max_timezone_hours: Option<f64>,
    /// Respect the `avoids` lists of participants.
    pub respect_avoids: bool,
    /// (mentor, mentee) pairs that must not be formed.
    pub forbidden: Vec<(PersonId, PersonId)>,
    /// (mentor, mentee) pairs that must be formed.
    pub pinned: Vec<(PersonId, PersonId)>,
    /// Leave people unmatched rather than pair them below this score (0–1).
    pub min_score: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            direction: Direction::MentorJunior,
            min_level_gap: Some(1),
            reporting_chain_levels: Some(3),
            require_common_language: true,
            max_timezone_hours: Some(8.0),
            respect_avoids: true,
            forbidden: Vec::new(),
            pinned: Vec::new(),
            min_score: 0.05,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Objective {
    /// The largest total score.
    Total,
    /// As many pairs as possible; among those, the best lowest score; then the largest total.
    Fair,
    /// No mentor and mentee who would both rather be together than with their partners
    /// (mentee-proposing deferred acceptance on score-ranked preferences).
    Stable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub weights: Weights,
    pub rules: Rules,
    pub objective: Objective,
}

impl Default for Config {
    fn default() -> Self {
        Config { weights: Weights::default(), rules: Rules::default(), objective: Objective::Total }
    }
}

/// Most forbidden pairs one configuration holds.
pub const MAX_FORBIDDEN_PAIRS: usize = 10_000;
/// Most pinned pairs one configuration holds (a 5,000-person pool has at most 2,500 pairs).
pub const MAX_PINNED_PAIRS: usize = 5_000;

/// Input the engine refuses, with what to fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum MatchError {
    #[error("person {0} appears more than once")]
    DuplicateId(PersonId),
    #[error("person {0} has capacity 0; give them at least 1 or leave them out")]
    ZeroCapacity(PersonId),
    #[error("mentee {0} has capacity {1}; a mentee takes exactly one mentor")]
    MenteeCapacity(PersonId, u32),
    #[error("the weight of {0:?} is {1}; weights must be numbers from 0 to 10")]
    BadWeight(Criterion, f64),
    #[error("the minimum score {0} must be a number from 0 to 1")]
    BadMinScore(f64),
    #[error("{what} names {id}, who is not a {side} in this run")]
    UnknownId { what: String, id: PersonId, side: String },
    #[error("the pin of mentor {mentor} with mentee {mentee} breaks a rule: {reason}")]
    PinBreaksRule { mentor: PersonId, mentee: PersonId, reason: String },
    #[error("mentee {0} is pinned more than once")]
    MenteePinnedTwice(PersonId),
    #[error("mentor {0} has more pins than capacity")]
    PinsOverCapacity(PersonId),
    #[error("the pin of mentor {0} with mentee {1} is also forbidden")]
    PinAndForbid(PersonId, PersonId),
    #[error("{count} {what} are more than the {limit} a run takes")]
    TooManyRules { what: String, count: usize, limit: usize },
    /// The assignment solver found no answer (costs it could not use, or no assignment): the
    /// run fails rather than claiming that nobody could be matched.
    #[error("the assignment solver failed ({0}); nothing was matched")]
    Solver(String),
    /// Asked of the studio's preview before the programme's pool reached it.
    #[error("the pool has not been loaded yet")]
    NoPool,
}
