//! Measuring and adjusting a programme: objectives with targets, the insights page (funnel,
//! cadence, goals on both sides, ratings, survey, roadblocks, groups, programmes compared),
//! pair health with nudges, roadblock triage, matching weights calibrated on the programme's own
//! outcomes, and the exports and printable report built from the same figures.
//!
//! Admins see counts, ratings and survey answers; never chat messages or check-in notes. Any
//! group of fewer than [`MIN_GROUP`] people has its figures withheld.

pub mod api;
#[cfg(feature = "ssr")]
pub mod calibrate;
#[cfg(feature = "ssr")]
pub mod compute;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod export;
pub mod ui;

use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};

/// Groups smaller than this have their figures withheld, so no figure singles out one person.
pub const MIN_GROUP: u32 = 5;
/// Pairs listed at most under one figure (the total is always given).
pub const MAX_LISTED_PAIRS: usize = 200;
/// At-risk pairs the health list carries (the total is always given; the CSV has them all).
pub const MAX_AT_RISK: usize = 30;
/// Open roadblocks the triage list carries, and acknowledged ones (each state on its own, so
/// a long open queue never hides the acknowledged ones waiting to be resolved). Each carries
/// its own forms; at 100 the page was a third heavier to load and hydrate.
pub const MAX_WAITING_ROADBLOCKS: usize = 30;
/// Recently resolved roadblocks the triage list carries.
pub const RECENT_RESOLVED_ROADBLOCKS: usize = 20;
/// "What I learned" answers the page receives (the newest; the CSV has them all).
pub const LEARNED_SHOWN: usize = 20;
/// Anonymous quotes the report receives (the newest).
pub const QUOTES_SHOWN: usize = 12;
/// Targets a programme can carry (one per metric).
pub const MAX_TARGETS: usize = 12;
/// A nudge's text, in characters.
pub const MAX_NUDGE: usize = 1000;
/// An admin's note on a roadblock or on a handled pair, in characters.
pub const MAX_NOTE: usize = 2000;
/// The CSV files of the page (`/programmes/{id}/insights-file/{slug}`): slug and label.
pub const TABLES_FOR_PAGE: [(&str, &str); 15] = [
    ("targets", "Targets against actual"),
    ("funnel", "Funnel"),
    ("first-checkin", "Match to first check-in"),
    ("cadence", "Check-in cadence"),
    ("goals", "Goals on both sides"),
    ("ratings", "Ratings and fit by month"),
    ("survey", "Survey figures"),
    ("learned", "What people learned (survey answers)"),
    ("roadblocks", "Roadblock figures"),
    ("groups", "Figures by group"),
    ("programmes", "Programmes compared"),
    ("pairs", "Every pair with its figures"),
    ("health", "Pairs at risk"),
    ("training", "Training: completion per guide"),
    ("sessions", "Lunch & learn sessions"),
];
/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A programme figure an admin can set a target for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Share of pairs at least four weeks old holding a check-in at least every four weeks (%).
    MeetingCadence,
    /// Share of pairs at least two weeks old whose first check-in was held within 14 days (%).
    FirstCheckinFortnight,
    /// Share of goals marked done, both sides (%).
    GoalCompletion,
    /// Share of the mentors' own goals marked done: what the mentor gained (%).
    MentorGoalCompletion,
    /// Mean check-in rating, 1–5.
    MeanRating,
    /// Recommend score from the survey: % promoters (9–10) minus % detractors (0–6), −100 to 100.
    RecommendScore,
    /// Share of survey answers that would take part again (%).
    WouldAgain,
    /// Share of mentors' survey answers saying they gained something (%).
    MentorsGained,
    /// Share of roadblocks resolved (%).
    RoadblocksResolved,
    /// Median days from a roadblock raised to acknowledged (lower is better).
    RoadblockAckDays,
}

stored_as_text!(Metric {
    MeetingCadence = "meeting_cadence",
    FirstCheckinFortnight = "first_checkin_fortnight",
    GoalCompletion = "goal_completion",
    MentorGoalCompletion = "mentor_goal_completion",
    MeanRating = "mean_rating",
    RecommendScore = "recommend_score",
    WouldAgain = "would_again",
    MentorsGained = "mentors_gained",
    RoadblocksResolved = "roadblocks_resolved",
    RoadblockAckDays = "roadblock_ack_days",
});

impl Metric {
    pub fn label(self) -> &'static str {
        match self {
            Metric::MeetingCadence => "Pairs meeting at least every four weeks",
            Metric::FirstCheckinFortnight => "First check-in within two weeks of the match",
            Metric::GoalCompletion => "Goals completed (both sides)",
            Metric::MentorGoalCompletion => "Mentors' own goals completed",
            Metric::MeanRating => "Mean check-in rating",
            Metric::RecommendScore => "Recommend score (survey)",
            Metric::WouldAgain => "Would take part again (survey)",
            Metric::MentorsGained => "Mentors who say they gained something",
            Metric::RoadblocksResolved => "Roadblocks resolved",
            Metric::RoadblockAckDays => "Days to acknowledge a roadblock (median)",
        }
    }
    /// The unit a target is typed in and a figure shown in.
    pub fn unit(self) -> Unit {
        match self {
            Metric::MeanRating => Unit::Rating,
            Metric::RecommendScore => Unit::Score,
            Metric::RoadblockAckDays => Unit::Days,
            _ => Unit::Percent,
        }
    }
    /// Whether a figure at or below the target meets it (otherwise at or above).
    pub fn lower_is_better(self) -> bool {
        matches!(self, Metric::RoadblockAckDays)
    }
    /// The pairs a figure of this metric counts (a drill-down key).
    pub fn drill(self) -> &'static str {
        match self {
            Metric::MeetingCadence => "cadence:monthly_or_more",
            Metric::FirstCheckinFortnight => "first:fortnight",
            Metric::GoalCompletion => "goals:any",
            Metric::MentorGoalCompletion => "goals:mentor",
            Metric::MeanRating => "rated",
            Metric::RecommendScore | Metric::WouldAgain | Metric::MentorsGained => "surveyed",
            Metric::RoadblocksResolved | Metric::RoadblockAckDays => "roadblocks:any",
        }
    }
}

/// How a figure is read and typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    /// 0–100.
    Percent,
    /// 1–5.
    Rating,
    /// −100 to 100.
    Score,
    /// 0–365.
    Days,
}

impl Unit {
    /// The range a target may take.
    pub fn range(self) -> (f64, f64) {
        match self {
            Unit::Percent => (0.0, 100.0),
            Unit::Rating => (1.0, 5.0),
            Unit::Score => (-100.0, 100.0),
            Unit::Days => (0.0, 365.0),
        }
    }
    /// A value in this unit as people read it ("72%", "4.2 of 5", "+35", "3.5 days").
    pub fn format(self, v: f64) -> String {
        match self {
            Unit::Percent => format!("{v:.0}%"),
            Unit::Rating => format!("{v:.1} of 5"),
            Unit::Score => format!("{v:+.0}"),
            Unit::Days => format!("{v:.1} days"),
        }
    }
    fn describe(self) -> &'static str {
        match self {
            Unit::Percent => "a percentage from 0 to 100",
            Unit::Rating => "a rating from 1 to 5",
            Unit::Score => "a score from -100 to 100",
            Unit::Days => "a number of days from 0 to 365",
        }
    }
}

/// A target the admin set for one metric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub metric: Metric,
    /// In the metric's [`Unit`].
    pub target: f64,
}

/// One target row of the programme form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetInput {
    /// A [`Metric`] key.
    pub metric: String,
    pub target: String,
}

/// When a pair counts as at risk, and when it gets a gentle automatic nudge first. Days are
/// whole days since the last held check-in (or the match, before the first) and since the last
/// message.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HealthSettings {
    /// At risk after this many days without a held check-in.
    pub quiet_checkin_days: u32,
    /// At risk after this many days without a message from either side.
    pub quiet_message_days: u32,
    /// At risk when a rating in the last two check-ins is at or below this (1–5).
    pub low_rating: u32,
    /// An automatic nudge after this many days without a held check-in (0: none).
    pub nudge_checkin_days: u32,
}

impl Default for HealthSettings {
    fn default() -> Self {
        HealthSettings { quiet_checkin_days: 35, quiet_message_days: 28, low_rating: 2, nudge_checkin_days: 21 }
    }
}

/// [`HealthSettings`] as typed in the programme form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthInput {
    pub quiet_checkin_days: String,
    pub quiet_message_days: String,
    pub low_rating: String,
    pub nudge_checkin_days: String,
}

impl Default for HealthInput {
    fn default() -> Self {
        HealthSettings::default().to_input()
    }
}

impl HealthSettings {
    pub fn to_input(&self) -> HealthInput {
        HealthInput {
            quiet_checkin_days: self.quiet_checkin_days.to_string(),
            quiet_message_days: self.quiet_message_days.to_string(),
            low_rating: self.low_rating.to_string(),
            nudge_checkin_days: self.nudge_checkin_days.to_string(),
        }
    }
}

/// Checks the targets and health thresholds of the programme form into `errors` (fields
/// `targets.N.metric`, `targets.N.target`, `targets`, and the [`HealthInput`] field names).
/// Rows with neither a metric nor a target are ignored; a metric may appear once.
pub fn check_objectives(targets: &[TargetInput], health: &HealthInput, errors: &mut FieldErrors) -> (Vec<Target>, HealthSettings) {
    let mut out: Vec<Target> = Vec::new();
    // Counted before any row is read.
    if targets.len() > MAX_TARGETS * 2 {
        errors.add("targets", format!("Set at most {MAX_TARGETS} targets."));
        return (out, HealthSettings::default());
    }
    for (i, t) in targets.iter().enumerate() {
        let (m, v) = (t.metric.trim(), t.target.trim());
        if m.is_empty() && v.is_empty() {
            continue;
        }
        let Some(metric) = Metric::parse(m) else {
            errors.add(format!("targets.{i}.metric"), "Choose what to measure.");
            continue;
        };
        if out.iter().any(|o| o.metric == metric) {
            errors.add(format!("targets.{i}.metric"), "This metric has a target already.");
            continue;
        }
        let unit = metric.unit();
        let (lo, hi) = unit.range();
        match v.trim_end_matches('%').trim().parse::<f64>() {
            Ok(x) if x.is_finite() && (lo..=hi).contains(&x) => out.push(Target { metric, target: x }),
            _ => errors.add(format!("targets.{i}.target"), format!("Enter the target as {}.", unit.describe())),
        }
    }
    if out.len() > MAX_TARGETS {
        errors.add("targets", format!("Set at most {MAX_TARGETS} targets."));
    }
    let days = |field: &str, value: &str, lo: u32, hi: u32, errors: &mut FieldErrors| -> u32 {
        match value.trim().parse::<u32>() {
            Ok(n) if (lo..=hi).contains(&n) => n,
            _ => {
                errors.add(field, format!("Enter a whole number from {lo} to {hi}."));
                lo
            }
        }
    };
    let settings = HealthSettings {
        quiet_checkin_days: days("quiet_checkin_days", &health.quiet_checkin_days, 7, 180, errors),
        quiet_message_days: days("quiet_message_days", &health.quiet_message_days, 7, 180, errors),
        low_rating: days("low_rating", &health.low_rating, 1, 4, errors),
        nudge_checkin_days: days("nudge_checkin_days", &health.nudge_checkin_days, 0, 180, errors),
    };
    if settings.nudge_checkin_days != 0 && settings.nudge_checkin_days >= settings.quiet_checkin_days {
        errors.add("nudge_checkin_days", "Nudge before the pair counts as at risk: fewer days than the at-risk threshold (or 0 for no nudges).");
    }
    (out, settings)
}

/// A way to split people into groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Career stage from the level: early (1–3), mid (4–6), senior (7–10).
    Stage,
    Department,
    Location,
}

stored_as_text!(Dimension { Stage = "stage", Department = "department", Location = "location" });

impl Dimension {
    pub fn label(self) -> &'static str {
        match self {
            Dimension::Stage => "Career stage",
            Dimension::Department => "Department",
            Dimension::Location => "Location",
        }
    }
}

/// The career stage of a level 1–10.
pub fn stage(level: i32) -> &'static str {
    match level {
        ..=3 => "Early career (levels 1–3)",
        4..=6 => "Mid career (levels 4–6)",
        _ => "Senior (levels 7–10)",
    }
}

/// Which people the figures count: everyone, or one group of one dimension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupFilter {
    /// `None`: everyone.
    pub dimension: Option<Dimension>,
    pub value: String,
}

/// One figure with the number behind it and the pairs it counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub label: String,
    /// The count (a bar's height).
    pub count: u32,
    /// What the count is out of, when it is a share (0: not a share).
    pub of: u32,
    /// The drill-down key of the pairs behind this figure (empty: none to list).
    pub pairs: String,
    /// The count is of people (a funnel step), so the pairs behind it are the pairs these
    /// people are in: about half as many.
    pub people: bool,
}

/// A figure against the admin's target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRow {
    pub metric: Metric,
    pub target: f64,
    /// `None`: nothing to measure yet.
    pub actual: Option<f64>,
    /// How many pairs, goals, answers or ratings the actual is computed from.
    pub n: u32,
    pub met: Option<bool>,
}

/// Goals on one side of the pairs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SideGoals {
    pub goals: u32,
    pub done: u32,
    pub milestones: u32,
    pub milestones_done: u32,
    /// Pairs with at least one goal on this side.
    pub pairs_with_goals: u32,
}

/// Check-in feedback of one calendar month (UTC), by the date of the check-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    /// `YYYY-MM`.
    pub month: String,
    pub ratings: u32,
    pub mean_rating: Option<f64>,
    pub good: u32,
    pub unsure: u32,
    pub not_fit: u32,
}

/// End-of-cycle survey answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SurveyFigures {
    pub answers: u32,
    pub promoters: u32,
    pub passives: u32,
    pub detractors: u32,
    /// % promoters − % detractors; `None` without answers.
    pub recommend_score: Option<f64>,
    pub again: u32,
    pub mentor_answers: u32,
    pub mentors_gained: u32,
    pub mentee_answers: u32,
    pub mentees_gained: u32,
    /// "What I learned", newest first, without names: `(side, text)`; side is the programme's
    /// word for mentor or mentee.
    pub learned: Vec<(String, String)>,
    /// How many "what I learned" answers there are: the page's answer carries the first
    /// [`LEARNED_SHOWN`] of them.
    pub learned_total: u32,
    /// The answers whose authors agreed to an anonymous quote in the report, newest first, from
    /// all the answers (the page's answer carries the newest [`QUOTES_SHOWN`], which may be
    /// older than the answers left in `learned`).
    pub quotes: Vec<(String, String)>,
}

impl Insights {
    /// Keeps the newest [`LEARNED_SHOWN`] answers and [`QUOTES_SHOWN`] quotes: thousands of
    /// answers to read belong in the CSV, not in every load of the page.
    pub fn trim_for_page(&mut self) {
        self.survey.learned.truncate(LEARNED_SHOWN);
        self.survey.quotes.truncate(QUOTES_SHOWN);
    }
}

/// Roadblocks raised and how fast they were handled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoadblockFigures {
    pub raised: u32,
    pub open: u32,
    pub acknowledged: u32,
    pub resolved: u32,
    /// Median hours from raised to acknowledged (roadblocks acknowledged or resolved).
    pub median_ack_hours: Option<f64>,
    /// Median hours from raised to resolved.
    pub median_resolve_hours: Option<f64>,
}

/// One group's figures in the comparison table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    pub group: String,
    /// People enrolled (approved).
    pub people: u32,
    /// Figures are withheld: fewer than [`MIN_GROUP`] people.
    pub withheld: bool,
    pub matched: u32,
    pub first_held: u32,
    /// Ratings the group's people gave, their own goals, their survey answers.
    #[serde(flatten)]
    pub outcomes: Outcomes,
}

/// The outcome columns a group and a programme are compared by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcomes {
    /// Mean check-in rating, 1–5.
    pub mean_rating: Option<f64>,
    /// Share of goals done (%).
    pub goal_completion: Option<f64>,
    pub survey_answers: u32,
    /// −100 to 100.
    pub recommend_score: Option<f64>,
}

/// One programme the admin runs, for comparing cohorts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeRow {
    pub id: i64,
    pub name: String,
    pub pairs: u32,
    pub first_held: u32,
    #[serde(flatten)]
    pub outcomes: Outcomes,
}

/// Everything the insights page shows for one programme and one group filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insights {
    pub programme_id: i64,
    pub programme_name: String,
    pub objectives: String,
    pub mentor_word: String,
    pub mentee_word: String,
    /// Unix seconds the figures were computed at.
    pub as_of: i64,
    pub filter: GroupFilter,
    /// The groups each dimension offers, largest first: `(dimension, [(group, people)])`.
    pub groups: Vec<(Dimension, Vec<(String, u32)>)>,
    /// People enrolled in scope (approved).
    pub people: u32,
    /// The filter's group is smaller than [`MIN_GROUP`]: every figure below is empty.
    pub withheld: bool,
    pub targets: Vec<TargetRow>,
    /// Eligible → applied → approved → matched → first check-in held → active in the last four
    /// weeks → completed (answered the survey); people, not pairs.
    pub funnel: Vec<Figure>,
    /// Days from the match to the first held check-in: buckets, then "not yet".
    pub first_checkin: Vec<Figure>,
    pub median_days_to_first: Option<f64>,
    /// Pairs by held check-ins per four weeks (pairs at least four weeks old).
    pub cadence: Vec<Figure>,
    /// Mentee side first, then mentor side.
    pub goals: [SideGoals; 2],
    /// The last twelve months with feedback, oldest first.
    pub ratings: Vec<Period>,
    pub survey: SurveyFigures,
    pub roadblocks: RoadblockFigures,
    /// Pairs flagged at risk now (see the health list).
    pub at_risk: u32,
    pub active_pairs: u32,
    /// The groups of `compare_by`, largest first.
    pub compare_by: Dimension,
    pub by_group: Vec<GroupRow>,
    /// The programmes this admin runs.
    pub programmes: Vec<ProgrammeRow>,
}

/// Why a pair is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthReason {
    NoCheckin,
    NoMessage,
    MissedTwice,
    LowRating,
    NotFit,
    OpenRoadblock,
    OneSided,
}

stored_as_text!(HealthReason {
    NoCheckin = "no_checkin",
    NoMessage = "no_message",
    MissedTwice = "missed_twice",
    LowRating = "low_rating",
    NotFit = "not_fit",
    OpenRoadblock = "open_roadblock",
    OneSided = "one_sided",
});

/// One reason a pair is at risk, with the sentence an admin reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub reason: HealthReason,
    pub text: String,
}

/// A pair in a list under a figure or in the health list: counts and dates, never chat or notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairInsight {
    pub pair_id: i64,
    pub mentor: String,
    pub mentee: String,
    pub active: bool,
    /// Unix seconds.
    pub since: i64,
    pub held: u32,
    pub missed: u32,
    pub last_checkin: Option<i64>,
    pub last_message: Option<i64>,
    pub mean_rating: Option<f64>,
    pub goals: u32,
    pub goals_done: u32,
    pub open_roadblocks: u32,
    pub flags: Vec<Flag>,
    pub last_nudge: Option<i64>,
    /// The last time an admin noted the pair as handled.
    pub reviewed_at: Option<i64>,
}

/// The pairs one figure counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairList {
    pub title: String,
    pub total: u32,
    /// At most [`MAX_LISTED_PAIRS`].
    pub pairs: Vec<PairInsight>,
}

/// The health list: pairs at risk that nobody handled since their reasons arose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthList {
    pub settings: HealthSettings,
    /// The first [`MAX_AT_RISK`], the most flags and the longest quiet first.
    pub pairs: Vec<PairInsight>,
    /// All pairs at risk and not handled.
    pub total: u32,
    /// At-risk pairs an admin noted as handled for the reasons they have now.
    pub handled: u32,
}

/// Where a roadblock is in triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoadblockState {
    Open,
    Acknowledged,
    Resolved,
}

stored_as_text!(RoadblockState { Open = "open", Acknowledged = "acknowledged", Resolved = "resolved" });

impl RoadblockState {
    pub fn label(self) -> &'static str {
        match self {
            RoadblockState::Open => "Open",
            RoadblockState::Acknowledged => "Acknowledged: an admin is on it",
            RoadblockState::Resolved => "Resolved",
        }
    }
}

/// A roadblock as the programme's admins triage it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadblockRow {
    pub id: i64,
    pub pair_id: i64,
    pub raised_by: String,
    pub partner: String,
    pub body: String,
    pub state: RoadblockState,
    pub created_at: i64,
    pub acknowledged_at: Option<i64>,
    pub resolved_at: Option<i64>,
    /// Private to admins.
    pub note: String,
}

/// The triage list: `rows` holds the newest [`MAX_WAITING_ROADBLOCKS`] open ones, then the
/// newest as many acknowledged, then the [`RECENT_RESOLVED_ROADBLOCKS`] most recently raised
/// resolved ones; `open` and `acknowledged` count all of the programme's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoadblockTriage {
    pub rows: Vec<RoadblockRow>,
    pub open: u32,
    pub acknowledged: u32,
}

impl RoadblockTriage {
    /// The list from every roadblock of a programme in the order it shows them (open, then
    /// acknowledged, then resolved; newest first within each).
    pub fn keep(all: Vec<RoadblockRow>) -> RoadblockTriage {
        let mut out = RoadblockTriage::default();
        let mut resolved = 0;
        for r in all {
            let (seen, limit) = match r.state {
                RoadblockState::Open => {
                    out.open += 1;
                    (out.open as usize, MAX_WAITING_ROADBLOCKS)
                }
                RoadblockState::Acknowledged => {
                    out.acknowledged += 1;
                    (out.acknowledged as usize, MAX_WAITING_ROADBLOCKS)
                }
                RoadblockState::Resolved => {
                    resolved += 1;
                    (resolved, RECENT_RESOLVED_ROADBLOCKS)
                }
            };
            if seen <= limit {
                out.rows.push(r);
            }
        }
        out
    }

    /// Whether some waiting roadblocks are not in `rows`.
    pub fn cut(&self) -> bool {
        self.open as usize > MAX_WAITING_ROADBLOCKS || self.acknowledged as usize > MAX_WAITING_ROADBLOCKS
    }
}

/// A roadblock as the person who raised it sees it: what they wrote and its state, never the
/// admins' note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyRoadblock {
    pub id: i64,
    pub body: String,
    pub state: RoadblockState,
    pub created_at: i64,
}

/// An outcome calibration relates the criteria to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The pair's mean check-in rating (1–5).
    Rating,
    /// Held check-ins per four weeks.
    Cadence,
    /// Share of the pair's goals done.
    Goals,
    /// Mean "would recommend" (0–10) of the pair's survey answers.
    Recommend,
}

stored_as_text!(Outcome { Rating = "rating", Cadence = "cadence", Goals = "goals", Recommend = "recommend" });

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Rating => "Mean check-in rating",
            Outcome::Cadence => "Check-ins held per four weeks",
            Outcome::Goals => "Share of goals done",
            Outcome::Recommend => "Would recommend (0–10)",
        }
    }
    pub fn format(self, v: f64) -> String {
        match self {
            Outcome::Rating => format!("{v:.2}"),
            Outcome::Cadence => format!("{v:.2}"),
            Outcome::Goals => format!("{:.0}%", v * 100.0),
            Outcome::Recommend => format!("{v:.1}"),
        }
    }
}

/// What the data says of one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Evidence {
    /// The simultaneous interval lies above zero.
    Helps,
    /// The simultaneous interval lies below zero.
    Hurts,
    /// The interval includes zero.
    None,
    /// The criterion scored the same for (nearly) every pair.
    NoVariation,
}

/// One criterion's relation to the outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionEffect {
    pub criterion: crate::matching::Criterion,
    /// Spearman's rank correlation of the criterion's score with the outcome, −1 to 1.
    pub rho: f64,
    /// 95% bootstrap interval of `rho`.
    pub low: f64,
    pub high: f64,
    /// The criterion's effect with the other criteria held fixed: its coefficient in a ridge
    /// regression of the outcome's ranks on every criterion's ranks (all standardised), so
    /// about −1 to 1; evidence and the suggestion rest on it.
    pub beta: f64,
    /// 95% bootstrap interval of `beta`.
    pub beta_low: f64,
    pub beta_high: f64,
    /// Mean outcome of the top third of pairs by this criterion minus the bottom third, in the
    /// outcome's unit, with its 95% interval.
    pub top_minus_bottom: f64,
    pub diff_low: f64,
    pub diff_high: f64,
    pub evidence: Evidence,
    pub weight_now: f64,
    pub weight_suggested: f64,
}

/// Matching weights related to one outcome of the programme's own pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub outcome: Outcome,
    /// Pairs with this outcome and a known criterion breakdown.
    pub pairs: u32,
    /// Below this many pairs nothing is estimated.
    pub threshold: u32,
    /// Empty below the threshold.
    pub effects: Vec<CriterionEffect>,
    /// The weights now, in criterion order.
    pub weights_now: [f64; 7],
    /// The suggested weights, in criterion order (equal to `weights_now` when nothing has evidence).
    pub weights_suggested: [f64; 7],
    /// Bootstrap resamples behind the intervals.
    pub resamples: u32,
    /// Unix seconds the result was computed at (it is kept for [`CALIBRATION_KEPT_SECS`]).
    pub computed_at: i64,
}

/// How long a calibration result is reused before it is computed again (seconds): its 3,000
/// refits are worth keeping for an admin who reloads the page, and outcomes move slowly.
pub const CALIBRATION_KEPT_SECS: i64 = 600;

/// Percentage `part` of `whole`; `None` when `whole` is 0. Shared by the server's figures and
/// the page.
pub fn percent(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
}

/// A studio link that opens with the given weights set on the sliders (the admin still decides).
pub fn studio_link(programme_id: i64, weights: &[f64; 7]) -> String {
    let w: Vec<String> = weights.iter().map(|w| format!("{}", (w * 2.0).round() / 2.0)).collect();
    format!("/programmes/{programme_id}/studio?weights={}", w.join(","))
}

/// Weights read from a studio link's `weights=` value: seven numbers 0–10, comma-separated.
pub fn parse_weights(s: &str) -> Option<[f64; 7]> {
    let parts: Vec<&str> = s.split(',').collect();
    if parts.len() != 7 {
        return None;
    }
    let mut out = [0.0; 7];
    for (i, p) in parts.iter().enumerate() {
        let v: f64 = p.trim().parse().ok()?;
        if !v.is_finite() || !(0.0..=10.0).contains(&v) {
            return None;
        }
        out[i] = v;
    }
    Some(out)
}

/// Checks an admin's free text (a nudge or a note): trimmed, at most `max` characters.
pub fn check_text(field: &str, text: &str, max: usize, required: bool) -> Result<String, AppError> {
    if text.len() > max * 4 || text.chars().count() > max {
        return Err(AppError::field(field, format!("Keep it to {max} characters.")));
    }
    let t = text.trim().to_string();
    if required && t.is_empty() {
        return Err(AppError::field(field, "Write a sentence or two."));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, state: RoadblockState) -> RoadblockRow {
        RoadblockRow { id, pair_id: id, raised_by: "A".into(), partner: "B".into(), body: "x".into(), state, created_at: 0, acknowledged_at: None, resolved_at: None, note: String::new() }
    }

    #[test]
    fn a_long_open_queue_never_hides_the_acknowledged_roadblocks() {
        let mut all: Vec<RoadblockRow> = (0..40).map(|i| row(i, RoadblockState::Open)).collect();
        all.extend((40..43).map(|i| row(i, RoadblockState::Acknowledged)));
        all.extend((43..70).map(|i| row(i, RoadblockState::Resolved)));
        let t = RoadblockTriage::keep(all);
        let count = |s: RoadblockState| t.rows.iter().filter(|r| r.state == s).count();
        assert_eq!((count(RoadblockState::Open), count(RoadblockState::Acknowledged), count(RoadblockState::Resolved)), (MAX_WAITING_ROADBLOCKS, 3, RECENT_RESOLVED_ROADBLOCKS));
        assert_eq!((t.open, t.acknowledged), (40, 3));
        assert!(t.cut());
        // Exactly the limit: nothing is left out, and the page says nothing about it.
        let exact = RoadblockTriage::keep((0..MAX_WAITING_ROADBLOCKS as i64).map(|i| row(i, RoadblockState::Open)).collect());
        assert!(!exact.cut());
        assert_eq!(exact.rows.len(), MAX_WAITING_ROADBLOCKS);
    }

    #[test]
    fn targets_are_checked_row_by_row() {
        let mut errors = FieldErrors::new();
        let rows = vec![
            TargetInput { metric: "meeting_cadence".into(), target: "80%".into() },
            TargetInput { metric: "".into(), target: "".into() },
            TargetInput { metric: "mean_rating".into(), target: "7".into() },
            TargetInput { metric: "meeting_cadence".into(), target: "50".into() },
            TargetInput { metric: "happiness".into(), target: "50".into() },
        ];
        let (targets, health) = check_objectives(&rows, &HealthInput::default(), &mut errors);
        assert_eq!(targets, vec![Target { metric: Metric::MeetingCadence, target: 80.0 }]);
        assert_eq!(health, HealthSettings::default());
        assert!(errors.get("targets.2.target").unwrap().contains("1 to 5"));
        assert!(errors.get("targets.3.metric").unwrap().contains("already"));
        assert!(errors.get("targets.4.metric").is_some());
        assert!(errors.get("targets.1.metric").is_none());
    }

    #[test]
    fn health_thresholds_must_nudge_before_risk() {
        let mut errors = FieldErrors::new();
        let input = HealthInput { quiet_checkin_days: "20".into(), quiet_message_days: "x".into(), low_rating: "5".into(), nudge_checkin_days: "25".into() };
        check_objectives(&[], &input, &mut errors);
        for f in ["quiet_message_days", "low_rating", "nudge_checkin_days"] {
            assert!(errors.get(f).is_some(), "{f}");
        }
        assert!(errors.get("quiet_checkin_days").is_none());
    }

    #[test]
    fn studio_links_carry_weights_both_ways() {
        let w = [8.0, 5.5, 3.0, 5.0, 4.0, 2.0, 10.0];
        let link = studio_link(4, &w);
        assert_eq!(link, "/programmes/4/studio?weights=8,5.5,3,5,4,2,10");
        assert_eq!(parse_weights(link.split("weights=").nth(1).unwrap()), Some(w));
        assert_eq!(parse_weights("1,2,3"), None);
        assert_eq!(parse_weights("1,2,3,4,5,6,11"), None);
        assert_eq!(parse_weights("1,2,3,4,5,6,NaN"), None);
    }

    #[test]
    fn stages_split_levels() {
        assert_eq!(stage(1), stage(3));
        assert_ne!(stage(3), stage(4));
        assert_eq!(stage(7), stage(10));
    }
}
