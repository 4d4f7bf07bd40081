//! The insights figures, the pair lists behind them and the health rules, computed from one
//! [`Snapshot`] of a programme read by `insights::db`. Pure: every figure here is tested on
//! hand-made snapshots, and the database tests check the snapshot itself.

use super::*;
use crate::pairs::Fit;
use crate::programmes::{EnrolRole, EnrolStatus, ProgrammeKind};
use std::collections::{HashMap, HashSet};

/// Four weeks, the cadence a programme usually asks for.
pub const FOUR_WEEKS: i64 = 28 * DAY;
/// "A check-in missed twice" looks this far back.
pub const MISSED_WINDOW: i64 = 56 * DAY;
/// One side writing at least this many messages while the other writes none is one-sided.
pub const ONE_SIDED_MESSAGES: u32 = 3;
/// An admin's nudge, or an automatic one, at most once in this many seconds per pair.
pub const NUDGE_INTERVAL: i64 = 7 * DAY;

/// A person as the figures group them.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub level: i32,
    pub department: String,
    pub location: String,
    /// Not deactivated.
    pub active: bool,
}

impl Person {
    /// This person's group in `d`; an empty department or location reads "Not given".
    pub fn group(&self, d: Dimension) -> String {
        let or = |s: &str| if s.trim().is_empty() { "Not given".to_string() } else { s.trim().to_string() };
        match d {
            Dimension::Stage => stage(self.level).to_string(),
            Dimension::Department => or(&self.department),
            Dimension::Location => or(&self.location),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    pub user_id: i64,
    pub role: EnrolRole,
    pub status: EnrolStatus,
}

/// Goals on one side of one pair.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GoalCounts {
    pub goals: u32,
    pub done: u32,
    pub milestones: u32,
    pub milestones_done: u32,
}

/// One pair's counts and dates (Unix seconds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairFacts {
    pub id: i64,
    pub mentor_id: i64,
    pub mentee_id: i64,
    pub active: bool,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub held: u32,
    pub missed: u32,
    pub first_held: Option<i64>,
    pub last_held: Option<i64>,
    /// Check-ins missed in the last [`MISSED_WINDOW`].
    pub missed_recent: u32,
    pub last_message: Option<i64>,
    /// Messages in the last `quiet_message_days` days, by side.
    pub mentor_recent_messages: u32,
    pub mentee_recent_messages: u32,
    /// Mentee side, then mentor side.
    pub goals: [GoalCounts; 2],
    pub last_nudge: Option<i64>,
    /// The last "handled" note: when, and the reasons the admin saw.
    pub review: Option<(i64, Vec<HealthReason>)>,
}

impl PairFacts {
    /// Seconds the pair has existed (until it ended).
    pub fn age(&self, now: i64) -> i64 {
        (self.ended_at.unwrap_or(now) - self.created_at).max(0)
    }
    /// Held check-ins per four weeks; `None` before the pair is four weeks old.
    pub fn cadence(&self, now: i64) -> Option<f64> {
        let age = self.age(now);
        (age >= FOUR_WEEKS).then(|| self.held as f64 * FOUR_WEEKS as f64 / age as f64)
    }
    /// Whole days from the match to the first held check-in.
    pub fn days_to_first(&self) -> Option<i64> {
        self.first_held.map(|t| (t - self.created_at).max(0) / DAY)
    }
    fn goals_total(&self) -> (u32, u32) {
        (self.goals[0].goals + self.goals[1].goals, self.goals[0].done + self.goals[1].done)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub pair_id: i64,
    pub checkin_id: i64,
    pub user_id: i64,
    /// The check-in's start.
    pub at: i64,
    pub rating: u8,
    pub fit: Option<Fit>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurveyAnswer {
    pub pair_id: i64,
    pub user_id: i64,
    pub recommend: u8,
    pub again: bool,
    pub gained: Option<bool>,
    pub learned: String,
    pub share_quote: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Roadblock {
    pub id: i64,
    pub pair_id: i64,
    pub user_id: i64,
    pub state: RoadblockState,
    pub created_at: i64,
    pub acknowledged_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

/// Everything the figures of one programme are computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub programme_id: i64,
    pub name: String,
    pub objectives: String,
    pub kind: ProgrammeKind,
    pub targets: Vec<Target>,
    pub health: HealthSettings,
    pub weights: [f64; 7],
    pub now: i64,
    /// Every active person (the eligible), and everyone enrolled or paired.
    pub people: HashMap<i64, Person>,
    pub enrolments: Vec<Enrolment>,
    pub pairs: Vec<PairFacts>,
    pub feedback: Vec<Feedback>,
    pub surveys: Vec<SurveyAnswer>,
    pub roadblocks: Vec<Roadblock>,
}

/// The snapshot seen through one group filter, with the indexes every figure uses.
pub struct Scoped<'a> {
    pub s: &'a Snapshot,
    in_scope: Option<HashSet<i64>>,
    feedback_by_pair: HashMap<i64, Vec<&'a Feedback>>,
    roadblocks_by_pair: HashMap<i64, Vec<&'a Roadblock>>,
    surveyed_pairs: HashSet<i64>,
}

impl<'a> Scoped<'a> {
    pub fn new(s: &'a Snapshot, filter: &GroupFilter) -> Scoped<'a> {
        let in_scope = filter.dimension.map(|d| s.people.values().filter(|p| p.group(d) == filter.value).map(|p| p.id).collect());
        let mut feedback_by_pair: HashMap<i64, Vec<&Feedback>> = HashMap::new();
        for f in &s.feedback {
            feedback_by_pair.entry(f.pair_id).or_default().push(f);
        }
        for list in feedback_by_pair.values_mut() {
            list.sort_by_key(|f| (f.at, f.checkin_id));
        }
        let mut roadblocks_by_pair: HashMap<i64, Vec<&Roadblock>> = HashMap::new();
        for r in &s.roadblocks {
            roadblocks_by_pair.entry(r.pair_id).or_default().push(r);
        }
        let surveyed_pairs = s.surveys.iter().map(|a| a.pair_id).collect();
        Scoped { s, in_scope, feedback_by_pair, roadblocks_by_pair, surveyed_pairs }
    }
    pub fn person(&self, id: i64) -> bool {
        self.in_scope.as_ref().is_none_or(|set| set.contains(&id))
    }
    pub fn pair(&self, p: &PairFacts) -> bool {
        self.person(p.mentor_id) || self.person(p.mentee_id)
    }
    fn pairs(&self) -> impl Iterator<Item = &'a PairFacts> + '_ {
        self.s.pairs.iter().filter(move |p| self.pair(p))
    }
    fn feedback(&self) -> impl Iterator<Item = &'a Feedback> + '_ {
        self.s.feedback.iter().filter(move |f| self.person(f.user_id))
    }
    fn surveys(&self) -> impl Iterator<Item = &'a SurveyAnswer> + '_ {
        self.s.surveys.iter().filter(move |a| self.person(a.user_id))
    }
    fn roadblocks(&self) -> impl Iterator<Item = &'a Roadblock> + '_ {
        self.s.roadblocks.iter().filter(move |r| self.person(r.user_id))
    }
    fn mentor_ids(&self) -> HashSet<i64> {
        self.s.enrolments.iter().filter(|e| e.role == EnrolRole::Mentor).map(|e| e.user_id).collect()
    }

    /// The health flags of an active pair now (empty for ended pairs).
    pub fn flags(&self, p: &PairFacts) -> Vec<Flag> {
        let empty = Vec::new();
        health_flags(
            p,
            self.feedback_by_pair.get(&p.id).unwrap_or(&empty),
            self.roadblocks_by_pair.get(&p.id).map(|v| v.as_slice()).unwrap_or(&[]),
            &self.s.health,
            self.s.now,
        )
    }

    /// Whether `p` counts under the drill-down `key` (see [`Figure::pairs`]).
    pub fn counts(&self, key: &str, p: &PairFacts) -> bool {
        let now = self.s.now;
        let recent = |t: Option<i64>| t.is_some_and(|t| t >= now - FOUR_WEEKS);
        match key {
            "all" | "matched" => true,
            "active" => p.active,
            "first:held" => p.held > 0,
            "first:le7" => p.days_to_first().is_some_and(|d| d <= 7),
            "first:le14" => p.days_to_first().is_some_and(|d| (8..=14).contains(&d)),
            "first:fortnight" => p.age(now) >= 14 * DAY && p.days_to_first().is_some_and(|d| d <= 14),
            "first:le28" => p.days_to_first().is_some_and(|d| (15..=28).contains(&d)),
            "first:gt28" => p.days_to_first().is_some_and(|d| d > 28),
            "first:none" => p.first_held.is_none(),
            "active4w" => p.active && (recent(p.last_held) || recent(p.last_message)),
            "cadence:none" => p.cadence(now).is_some_and(|c| c == 0.0),
            "cadence:lt1" => p.cadence(now).is_some_and(|c| c > 0.0 && c < 1.0),
            "cadence:monthly" => p.cadence(now).is_some_and(|c| (1.0..2.0).contains(&c)),
            "cadence:fortnightly" => p.cadence(now).is_some_and(|c| c >= 2.0),
            "cadence:monthly_or_more" => p.cadence(now).is_some_and(|c| c >= 1.0),
            "goals:any" => p.goals_total().0 > 0,
            "goals:mentee" => p.goals[0].goals > 0,
            "goals:mentor" => p.goals[1].goals > 0,
            "goals:done" => p.goals_total().1 > 0,
            "rated" => self.feedback_by_pair.get(&p.id).is_some_and(|f| !f.is_empty()),
            "fit:not_fit" => self.feedback_by_pair.get(&p.id).is_some_and(|f| f.iter().any(|f| f.fit == Some(Fit::NotFit))),
            "surveyed" => self.surveyed_pairs.contains(&p.id),
            "roadblocks:any" => self.roadblocks_by_pair.contains_key(&p.id),
            "roadblocks:open" => {
                self.roadblocks_by_pair.get(&p.id).is_some_and(|r| r.iter().any(|r| r.state != RoadblockState::Resolved))
            }
            "at_risk" => !self.flags(p).is_empty(),
            _ => match key.strip_prefix("month:") {
                Some(month) => parse_month(month).is_some_and(|month| self.feedback_by_pair.get(&p.id).is_some_and(|f| f.iter().any(|f| month_key(f.at) == month))),
                None => false,
            },
        }
    }

    /// A pair as its lists show it.
    pub fn row(&self, p: &PairFacts) -> PairInsight {
        let name = |id: i64| self.s.people.get(&id).map(|p| p.name.clone()).unwrap_or_default();
        let ratings: Vec<f64> = self.feedback_by_pair.get(&p.id).map(|f| f.iter().map(|f| f.rating as f64).collect()).unwrap_or_default();
        let (goals, goals_done) = p.goals_total();
        PairInsight {
            pair_id: p.id,
            mentor: name(p.mentor_id),
            mentee: name(p.mentee_id),
            active: p.active,
            since: p.created_at,
            held: p.held,
            missed: p.missed,
            last_checkin: p.last_held,
            last_message: p.last_message,
            mean_rating: mean(&ratings),
            goals,
            goals_done,
            open_roadblocks: self
                .roadblocks_by_pair
                .get(&p.id)
                .map(|r| r.iter().filter(|r| r.state != RoadblockState::Resolved).count() as u32)
                .unwrap_or(0),
            flags: self.flags(p),
            last_nudge: p.last_nudge,
            reviewed_at: p.review.as_ref().map(|r| r.0),
        }
    }
}

/// `YYYY-MM` of a Unix time (UTC).
pub fn month_of(t: i64) -> String {
    let (y, m) = month_key(t);
    format!("{y:04}-{m:02}")
}

/// (year, month) of a Unix time (UTC): the figures group fifty thousand feedback rows by
/// month, so they compare numbers and format each month once.
fn month_key(t: i64) -> (i64, i64) {
    let (y, m, _) = crate::ui::civil_date(t);
    (y, m)
}

/// (year, month) of a `YYYY-MM` key; `None` for anything else.
fn parse_month(key: &str) -> Option<(i64, i64)> {
    let digits = key.len() == 7 && key.as_bytes()[4] == b'-' && key.bytes().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit());
    let (y, m) = key.split_once('-').filter(|_| digits)?;
    let (y, m) = (y.parse().ok()?, m.parse().ok()?);
    (1..=12).contains(&m).then_some((y, m))
}

/// The arithmetic mean; `None` for no values.
pub fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The median; `None` for no values.
pub fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// The recommend score (Net Promoter Score, F. Reichheld, "The One Number You Need to Grow",
/// Harvard Business Review, 2003): % answering 9–10 minus % answering 0–6.
pub fn recommend_score(answers: impl IntoIterator<Item = u8>) -> (u32, u32, u32, Option<f64>) {
    let (mut pro, mut pas, mut det) = (0u32, 0u32, 0u32);
    for a in answers {
        match a {
            9..=10 => pro += 1,
            7..=8 => pas += 1,
            _ => det += 1,
        }
    }
    let n = pro + pas + det;
    (pro, pas, det, (n > 0).then(|| 100.0 * (pro as f64 - det as f64) / n as f64))
}

/// The health rules (thresholds from [`HealthSettings`]) applied to one active pair at `now`.
/// `feedback` is the pair's, oldest first; ended pairs have no flags.
pub fn health_flags(p: &PairFacts, feedback: &[&Feedback], roadblocks: &[&Roadblock], s: &HealthSettings, now: i64) -> Vec<Flag> {
    let mut out = Vec::new();
    if !p.active {
        return out;
    }
    let days = |t: i64| (now - t).max(0) / DAY;
    let since_checkin = days(p.last_held.unwrap_or(p.created_at));
    if since_checkin >= s.quiet_checkin_days as i64 {
        let text = match p.last_held {
            Some(_) => format!("No check-in held for {since_checkin} days"),
            None => format!("No check-in held in the {since_checkin} days since the match"),
        };
        out.push(Flag { reason: HealthReason::NoCheckin, text });
    }
    let since_message = days(p.last_message.unwrap_or(p.created_at));
    if since_message >= s.quiet_message_days as i64 {
        let text = match p.last_message {
            Some(_) => format!("No message for {since_message} days"),
            None => format!("No message in the {since_message} days since the match"),
        };
        out.push(Flag { reason: HealthReason::NoMessage, text });
    }
    if p.missed_recent >= 2 {
        out.push(Flag { reason: HealthReason::MissedTwice, text: format!("{} check-ins missed in the last eight weeks", p.missed_recent) });
    }
    // The ratings of the last two check-ins anyone rated.
    let mut last_two: Vec<i64> = feedback.iter().rev().map(|f| f.checkin_id).collect();
    last_two.dedup();
    last_two.truncate(2);
    if let Some(low) = feedback.iter().filter(|f| last_two.contains(&f.checkin_id)).map(|f| f.rating).min() {
        if (low as u32) <= s.low_rating {
            out.push(Flag { reason: HealthReason::LowRating, text: format!("A recent check-in was rated {low} of 5") });
        }
    }
    let latest_fit = |uid: i64| feedback.iter().rev().find(|f| f.user_id == uid && f.fit.is_some()).and_then(|f| f.fit);
    if latest_fit(p.mentor_id) == Some(Fit::NotFit) || latest_fit(p.mentee_id) == Some(Fit::NotFit) {
        out.push(Flag { reason: HealthReason::NotFit, text: "A member's latest answer says the pairing is not a fit".into() });
    }
    let open: Vec<&&Roadblock> = roadblocks.iter().filter(|r| r.state != RoadblockState::Resolved).collect();
    if let Some(oldest) = open.iter().map(|r| r.created_at).min() {
        let text = if open.len() == 1 {
            format!("A roadblock open for {} days", days(oldest))
        } else {
            format!("{} roadblocks open, the oldest for {} days", open.len(), days(oldest))
        };
        out.push(Flag { reason: HealthReason::OpenRoadblock, text });
    }
    let (m, e) = (p.mentor_recent_messages, p.mentee_recent_messages);
    if (m >= ONE_SIDED_MESSAGES && e == 0) || (e >= ONE_SIDED_MESSAGES && m == 0) {
        let who = if m > 0 { "mentor" } else { "mentee" };
        out.push(Flag {
            reason: HealthReason::OneSided,
            text: format!("Only the {who} wrote in the last {} days ({} messages)", s.quiet_message_days, m.max(e)),
        });
    }
    out
}

/// Whether an admin's "handled" note still covers the pair: it names every reason the pair has
/// now and is younger than the programme's `quiet_checkin_days` (a pair that recovered and went
/// quiet again months later is flagged again).
pub fn handled(p: &PairFacts, flags: &[Flag], s: &HealthSettings, now: i64) -> bool {
    match &p.review {
        Some((at, seen)) => {
            !flags.is_empty() && now - at < s.quiet_checkin_days as i64 * DAY && flags.iter().all(|f| seen.contains(&f.reason))
        }
        None => false,
    }
}

/// Whether an active pair is due a gentle automatic nudge: no held check-in for
/// `nudge_checkin_days` days (since the last one, or the match), not yet at the at-risk
/// threshold, and no nudge in the last [`NUDGE_INTERVAL`].
pub fn auto_nudge_due(last_held_or_match: i64, last_nudge: Option<i64>, s: &HealthSettings, now: i64) -> bool {
    if s.nudge_checkin_days == 0 {
        return false;
    }
    let quiet = (now - last_held_or_match) / DAY;
    quiet >= s.nudge_checkin_days as i64 && quiet < s.quiet_checkin_days as i64 && last_nudge.is_none_or(|t| now - t >= NUDGE_INTERVAL)
}

/// The key figures of the snapshot's whole programme, as the programmes table shows them.
pub fn programme_row(s: &Snapshot) -> ProgrammeRow {
    let ratings: Vec<f64> = s.feedback.iter().map(|f| f.rating as f64).collect();
    let (goals, done) = s.pairs.iter().fold((0, 0), |(g, d), p| {
        let (pg, pd) = p.goals_total();
        (g + pg, d + pd)
    });
    let (_, _, _, recommend) = recommend_score(s.surveys.iter().map(|a| a.recommend));
    ProgrammeRow {
        id: s.programme_id,
        name: s.name.clone(),
        pairs: s.pairs.len() as u32,
        first_held: s.pairs.iter().filter(|p| p.held > 0).count() as u32,
        outcomes: Outcomes { mean_rating: mean(&ratings), goal_completion: percent(done, goals), survey_answers: s.surveys.len() as u32, recommend_score: recommend },
    }
}

/// Computes the insights page's figures. `programmes` is the table of the programmes the
/// admin runs; the row of this snapshot's programme is filled in here (its figures are
/// already read).
pub fn insights(s: &Snapshot, filter: &GroupFilter, compare_by: Dimension, mut programmes: Vec<ProgrammeRow>) -> Insights {
    if let Some(row) = programmes.iter_mut().find(|r| r.id == s.programme_id) {
        *row = programme_row(s);
    }
    let sc = Scoped::new(s, filter);
    let now = s.now;
    let (mentor_word, mentee_word) = (s.kind.mentor_word().to_string(), s.kind.mentee_word().to_string());
    let approved: Vec<&Enrolment> = s.enrolments.iter().filter(|e| e.status == EnrolStatus::Approved).collect();
    let people_in_scope = approved.iter().filter(|e| sc.person(e.user_id)).count() as u32;
    let mut groups = Vec::new();
    for d in Dimension::ALL {
        let mut counts: HashMap<String, u32> = HashMap::new();
        for e in &approved {
            if let Some(p) = s.people.get(&e.user_id) {
                *counts.entry(p.group(d)).or_default() += 1;
            }
        }
        let mut v: Vec<(String, u32)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        groups.push((d, v));
    }
    let withheld = filter.dimension.is_some() && people_in_scope < MIN_GROUP;
    let mut out = Insights {
        programme_id: s.programme_id,
        programme_name: s.name.clone(),
        objectives: s.objectives.clone(),
        mentor_word,
        mentee_word,
        as_of: now,
        filter: filter.clone(),
        groups,
        people: people_in_scope,
        withheld,
        targets: s.targets.iter().map(|t| TargetRow { metric: t.metric, target: t.target, actual: None, n: 0, met: None }).collect(),
        funnel: Vec::new(),
        first_checkin: Vec::new(),
        median_days_to_first: None,
        cadence: Vec::new(),
        goals: Default::default(),
        ratings: Vec::new(),
        survey: SurveyFigures::default(),
        roadblocks: RoadblockFigures::default(),
        at_risk: 0,
        active_pairs: 0,
        compare_by,
        by_group: Vec::new(),
        programmes,
    };
    if withheld {
        return out;
    }
    let pairs: Vec<&PairFacts> = sc.pairs().collect();
    let count = |key: &str| pairs.iter().filter(|p| sc.counts(key, p)).count() as u32;
    let fig = |label: &str, count: u32, of: u32, key: &str| Figure { label: label.to_string(), count, of, pairs: key.to_string(), people: false };
    let people_fig = |label: &str, count: u32, of: u32, key: &str| Figure { people: true, ..fig(label, count, of, key) };

    // The funnel counts people: each in-scope person once, at the furthest step they reached.
    let mut pairs_of: HashMap<i64, Vec<&PairFacts>> = HashMap::new();
    for p in &s.pairs {
        pairs_of.entry(p.mentor_id).or_default().push(p);
        pairs_of.entry(p.mentee_id).or_default().push(p);
    }
    let surveyed_people: HashSet<(i64, i64)> = s.surveys.iter().map(|a| (a.pair_id, a.user_id)).collect();
    let eligible = s.people.values().filter(|p| p.active && sc.person(p.id)).count() as u32;
    // The funnel is of the people still in the organisation, so each step is a share of the one
    // before; people who left keep their place in every other figure.
    let active = |uid: i64| s.people.get(&uid).is_some_and(|p| p.active);
    let applied = s.enrolments.iter().filter(|e| sc.person(e.user_id) && active(e.user_id)).count() as u32;
    let in_pairs = |uid: i64, test: &dyn Fn(&PairFacts) -> bool| pairs_of.get(&uid).is_some_and(|v| v.iter().any(|p| test(p)));
    let scoped_approved: Vec<i64> = approved.iter().filter(|e| sc.person(e.user_id) && active(e.user_id)).map(|e| e.user_id).collect();
    let approved_active = scoped_approved.len() as u32;
    let step = |test: &dyn Fn(i64) -> bool| scoped_approved.iter().filter(|u| test(**u)).count() as u32;
    let matched = step(&|u| in_pairs(u, &|_| true));
    let first_held = step(&|u| in_pairs(u, &|p| p.held > 0));
    let active4w = step(&|u| in_pairs(u, &|p| sc.counts("active4w", p)));
    let completed = step(&|u| pairs_of.get(&u).is_some_and(|v| v.iter().any(|p| surveyed_people.contains(&(p.id, u)))));
    out.funnel = vec![
        people_fig("Eligible (everyone active)", eligible, 0, ""),
        people_fig("Applied or enrolled", applied, eligible, ""),
        people_fig("Approved", approved_active, applied, ""),
        people_fig("Matched", matched, approved_active, "matched"),
        people_fig("First check-in held", first_held, approved_active, "first:held"),
        people_fig("Active in the last four weeks", active4w, approved_active, "active4w"),
        people_fig("Completed (answered the survey)", completed, approved_active, "surveyed"),
    ];

    let n_pairs = pairs.len() as u32;
    out.first_checkin = vec![
        fig("Within 7 days", count("first:le7"), n_pairs, "first:le7"),
        fig("8–14 days", count("first:le14"), n_pairs, "first:le14"),
        fig("15–28 days", count("first:le28"), n_pairs, "first:le28"),
        fig("Over 28 days", count("first:gt28"), n_pairs, "first:gt28"),
        fig("Not yet", count("first:none"), n_pairs, "first:none"),
    ];
    let mut days: Vec<f64> = pairs.iter().filter_map(|p| p.days_to_first()).map(|d| d as f64).collect();
    out.median_days_to_first = median(&mut days);
    let aged = pairs.iter().filter(|p| p.cadence(now).is_some()).count() as u32;
    out.cadence = vec![
        fig("None held", count("cadence:none"), aged, "cadence:none"),
        fig("Less than monthly", count("cadence:lt1"), aged, "cadence:lt1"),
        fig("Monthly", count("cadence:monthly"), aged, "cadence:monthly"),
        fig("Fortnightly or more", count("cadence:fortnightly"), aged, "cadence:fortnightly"),
    ];
    for p in &pairs {
        for side in 0..2 {
            let g = &mut out.goals[side];
            let c = p.goals[side];
            g.goals += c.goals;
            g.done += c.done;
            g.milestones += c.milestones;
            g.milestones_done += c.milestones_done;
            g.pairs_with_goals += (c.goals > 0) as u32;
        }
    }

    // Ratings and fit answers by the month of the check-in, the last twelve months with any.
    let mut months: std::collections::BTreeMap<(i64, i64), (Vec<f64>, u32, u32, u32)> = Default::default();
    let mut all_ratings = Vec::new();
    for f in sc.feedback() {
        let m = months.entry(month_key(f.at)).or_default();
        m.0.push(f.rating as f64);
        all_ratings.push(f.rating as f64);
        match f.fit {
            Some(Fit::Good) => m.1 += 1,
            Some(Fit::Unsure) => m.2 += 1,
            Some(Fit::NotFit) => m.3 += 1,
            None => {}
        }
    }
    let skip = months.len().saturating_sub(12);
    out.ratings = months
        .into_iter()
        .skip(skip)
        .map(|((y, m), (r, good, unsure, not_fit))| Period { month: format!("{y:04}-{m:02}"), ratings: r.len() as u32, mean_rating: mean(&r), good, unsure, not_fit })
        .collect();

    let mentors = sc.mentor_ids();
    let answers: Vec<&SurveyAnswer> = sc.surveys().collect();
    let (promoters, passives, detractors, score) = recommend_score(answers.iter().map(|a| a.recommend));
    let mut learned: Vec<&&SurveyAnswer> = answers.iter().filter(|a| !a.learned.trim().is_empty()).collect();
    learned.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.pair_id.cmp(&a.pair_id)).then(b.user_id.cmp(&a.user_id)));
    let side_of = |a: &SurveyAnswer| if mentors.contains(&a.user_id) { s.kind.mentor_word().to_string() } else { s.kind.mentee_word().to_string() };
    let mentor_answers: Vec<&&SurveyAnswer> = answers.iter().filter(|a| mentors.contains(&a.user_id) && a.gained.is_some()).collect();
    let mentee_answers: Vec<&&SurveyAnswer> = answers.iter().filter(|a| !mentors.contains(&a.user_id) && a.gained.is_some()).collect();
    out.survey = SurveyFigures {
        answers: answers.len() as u32,
        promoters,
        passives,
        detractors,
        recommend_score: score,
        again: answers.iter().filter(|a| a.again).count() as u32,
        mentor_answers: mentor_answers.len() as u32,
        mentors_gained: mentor_answers.iter().filter(|a| a.gained == Some(true)).count() as u32,
        mentee_answers: mentee_answers.len() as u32,
        mentees_gained: mentee_answers.iter().filter(|a| a.gained == Some(true)).count() as u32,
        learned: learned.iter().map(|a| (side_of(a), a.learned.clone())).collect(),
        learned_total: learned.len() as u32,
        quotes: learned.iter().filter(|a| a.share_quote).map(|a| (side_of(a), a.learned.clone())).collect(),
    };

    let blocks: Vec<&Roadblock> = sc.roadblocks().collect();
    let hours = |from: i64, to: i64| (to - from).max(0) as f64 / 3600.0;
    let mut ack: Vec<f64> = blocks.iter().filter_map(|r| r.acknowledged_at.or(r.resolved_at).map(|t| hours(r.created_at, t))).collect();
    let mut resolve: Vec<f64> = blocks.iter().filter_map(|r| r.resolved_at.map(|t| hours(r.created_at, t))).collect();
    out.roadblocks = RoadblockFigures {
        raised: blocks.len() as u32,
        open: blocks.iter().filter(|r| r.state == RoadblockState::Open).count() as u32,
        acknowledged: blocks.iter().filter(|r| r.state == RoadblockState::Acknowledged).count() as u32,
        resolved: blocks.iter().filter(|r| r.state == RoadblockState::Resolved).count() as u32,
        median_ack_hours: median(&mut ack),
        median_resolve_hours: median(&mut resolve),
    };
    out.active_pairs = pairs.iter().filter(|p| p.active).count() as u32;
    out.at_risk = pairs.iter().filter(|p| p.active && !sc.flags(p).is_empty()).count() as u32;

    for t in &mut out.targets {
        let (actual, n) = match t.metric {
            Metric::MeetingCadence => (percent(count("cadence:monthly_or_more"), aged), aged),
            Metric::FirstCheckinFortnight => {
                let old = pairs.iter().filter(|p| p.age(now) >= 14 * DAY).count() as u32;
                (percent(count("first:fortnight"), old), old)
            }
            Metric::GoalCompletion => {
                let (g, d) = (out.goals[0].goals + out.goals[1].goals, out.goals[0].done + out.goals[1].done);
                (percent(d, g), g)
            }
            Metric::MentorGoalCompletion => (percent(out.goals[1].done, out.goals[1].goals), out.goals[1].goals),
            Metric::MeanRating => (mean(&all_ratings), all_ratings.len() as u32),
            Metric::RecommendScore => (out.survey.recommend_score, out.survey.answers),
            Metric::WouldAgain => (percent(out.survey.again, out.survey.answers), out.survey.answers),
            Metric::MentorsGained => (percent(out.survey.mentors_gained, out.survey.mentor_answers), out.survey.mentor_answers),
            Metric::RoadblocksResolved => (percent(out.roadblocks.resolved, out.roadblocks.raised), out.roadblocks.raised),
            Metric::RoadblockAckDays => (out.roadblocks.median_ack_hours.map(|h| h / 24.0), ack.len() as u32),
        };
        t.actual = actual;
        t.n = n;
        t.met = actual.map(|a| if t.metric.lower_is_better() { a <= t.target } else { a >= t.target });
    }
    out.by_group = by_group(s, &sc, compare_by, &pairs_of, &mentors);
    out
}

fn by_group(
    s: &Snapshot,
    sc: &Scoped,
    d: Dimension,
    pairs_of: &HashMap<i64, Vec<&PairFacts>>,
    mentors: &HashSet<i64>,
) -> Vec<GroupRow> {
    let mut members: HashMap<String, Vec<i64>> = HashMap::new();
    for e in s.enrolments.iter().filter(|e| e.status == EnrolStatus::Approved && sc.person(e.user_id)) {
        if let Some(p) = s.people.get(&e.user_id) {
            members.entry(p.group(d)).or_default().push(p.id);
        }
    }
    let mut ratings_by: HashMap<i64, Vec<f64>> = HashMap::new();
    for f in &s.feedback {
        ratings_by.entry(f.user_id).or_default().push(f.rating as f64);
    }
    let mut rows: Vec<GroupRow> = members
        .into_iter()
        .map(|(group, ids)| {
            let people = ids.len() as u32;
            let mut row = GroupRow {
                group,
                people,
                withheld: people < MIN_GROUP,
                matched: 0,
                first_held: 0,
                outcomes: Outcomes::default(),
            };
            if row.withheld {
                return row;
            }
            let (mut goals, mut done) = (0, 0);
            let mut ratings = Vec::new();
            let mut recommend = Vec::new();
            let set: HashSet<i64> = ids.iter().copied().collect();
            for id in &ids {
                let mine = pairs_of.get(id).map(|v| v.as_slice()).unwrap_or(&[]);
                row.matched += (!mine.is_empty()) as u32;
                row.first_held += mine.iter().any(|p| p.held > 0) as u32;
                let side = if mentors.contains(id) { 1 } else { 0 };
                for p in mine {
                    goals += p.goals[side].goals;
                    done += p.goals[side].done;
                }
                ratings.extend(ratings_by.get(id).into_iter().flatten());
            }
            for a in s.surveys.iter().filter(|a| set.contains(&a.user_id)) {
                recommend.push(a.recommend);
            }
            row.outcomes = Outcomes {
                mean_rating: mean(&ratings),
                goal_completion: percent(done, goals),
                survey_answers: recommend.len() as u32,
                recommend_score: recommend_score(recommend).3,
            };
            row
        })
        .collect();
    rows.sort_by(|a, b| b.people.cmp(&a.people).then(a.group.cmp(&b.group)));
    rows
}

/// The title of a drill-down key, for the list's heading; `None` for an unknown key.
pub fn drill_title(key: &str) -> Option<String> {
    let t = match key {
        "all" | "matched" => "All pairs",
        "active" => "Active pairs",
        "first:held" => "Pairs that held a first check-in",
        "first:le7" => "First check-in within 7 days",
        "first:le14" => "First check-in after 8–14 days",
        "first:fortnight" => "First check-in within two weeks (pairs at least two weeks old)",
        "first:le28" => "First check-in after 15–28 days",
        "first:gt28" => "First check-in after more than 28 days",
        "first:none" => "No check-in held yet",
        "active4w" => "Active in the last four weeks",
        "cadence:none" => "No check-in held (pairs at least four weeks old)",
        "cadence:lt1" => "Meeting less than monthly",
        "cadence:monthly" => "Meeting monthly",
        "cadence:fortnightly" => "Meeting fortnightly or more",
        "cadence:monthly_or_more" => "Meeting at least every four weeks",
        "goals:any" => "Pairs with goals",
        "goals:mentee" => "Pairs with mentee goals",
        "goals:mentor" => "Pairs with mentor goals",
        "goals:done" => "Pairs with a goal done",
        "rated" => "Pairs with check-in ratings",
        "fit:not_fit" => "Pairs where someone answered \"not a fit\"",
        "surveyed" => "Pairs with survey answers",
        "roadblocks:any" => "Pairs that raised a roadblock",
        "roadblocks:open" => "Pairs with an open roadblock",
        "at_risk" => "Pairs at risk",
        _ => {
            let month = key.strip_prefix("month:")?;
            return parse_month(month).map(|_| format!("Pairs with check-in feedback in {month}"));
        }
    };
    Some(t.to_string())
}

/// Every pair under one figure, within the filter, newest first (none when the filter's group
/// is withheld). `None` for an unknown key.
pub fn drill_all(s: &Snapshot, filter: &GroupFilter, key: &str) -> Option<Vec<PairInsight>> {
    drill_title(key)?;
    let sc = Scoped::new(s, filter);
    let people = s.enrolments.iter().filter(|e| e.status == EnrolStatus::Approved && sc.person(e.user_id)).count() as u32;
    if filter.dimension.is_some() && people < MIN_GROUP {
        return Some(Vec::new());
    }
    let mut matching: Vec<&PairFacts> = sc.pairs().filter(|p| sc.counts(key, p)).collect();
    matching.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    Some(matching.iter().map(|p| sc.row(p)).collect())
}

/// The pairs under one figure, within the filter: the total, and at most
/// [`MAX_LISTED_PAIRS`] of them, newest first. `None` for an unknown key.
pub fn drill(s: &Snapshot, filter: &GroupFilter, key: &str) -> Option<PairList> {
    let title = drill_title(key)?;
    let mut pairs = drill_all(s, filter, key)?;
    let total = pairs.len() as u32;
    pairs.truncate(MAX_LISTED_PAIRS);
    Some(PairList { title, total, pairs })
}

/// The health list: active pairs with flags that no "handled" note covers, the longest quiet
/// first; and how many flagged pairs a note covers.
pub fn health_list(s: &Snapshot) -> HealthList {
    let sc = Scoped::new(s, &GroupFilter::default());
    let mut pairs = Vec::new();
    let mut handled_count = 0;
    for p in s.pairs.iter().filter(|p| p.active) {
        let flags = sc.flags(p);
        if flags.is_empty() {
            continue;
        }
        if handled(p, &flags, &s.health, s.now) {
            handled_count += 1;
        } else {
            pairs.push(sc.row(p));
        }
    }
    pairs.sort_by(|a, b| b.flags.len().cmp(&a.flags.len()).then(a.last_checkin.unwrap_or(a.since).cmp(&b.last_checkin.unwrap_or(b.since))));
    let total = pairs.len() as u32;
    HealthList { settings: s.health, pairs, total, handled: handled_count }
}

/// Each pair's criterion scores (`breakdowns`, by pair id, from `db::breakdowns`) and its value
/// of `outcome`, for calibration: pairs with a breakdown and with the outcome known (a rating
/// given, four weeks old, a goal set, a survey answered).
pub fn outcome_rows(s: &Snapshot, breakdowns: &HashMap<i64, [f64; 7]>, outcome: Outcome) -> Vec<([f64; 7], f64)> {
    let sc = Scoped::new(s, &GroupFilter::default());
    let mut recommend: HashMap<i64, Vec<f64>> = HashMap::new();
    for a in &s.surveys {
        recommend.entry(a.pair_id).or_default().push(a.recommend as f64);
    }
    s.pairs
        .iter()
        .filter_map(|p| {
            let b = *breakdowns.get(&p.id)?;
            let y = match outcome {
                Outcome::Rating => mean(&sc.feedback_by_pair.get(&p.id)?.iter().map(|f| f.rating as f64).collect::<Vec<_>>())?,
                Outcome::Cadence => p.cadence(s.now)?,
                Outcome::Goals => {
                    let (g, d) = p.goals_total();
                    (g > 0).then(|| d as f64 / g as f64)?
                }
                Outcome::Recommend => mean(recommend.get(&p.id)?)?,
            };
            Some((b, y))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    fn person(id: i64, level: i32, dept: &str) -> Person {
        Person { id, name: format!("P{id}"), level, department: dept.into(), location: "Paris".into(), active: true }
    }

    fn pair(id: i64, mentor: i64, mentee: i64, days_ago: i64) -> PairFacts {
        PairFacts { id, mentor_id: mentor, mentee_id: mentee, active: true, created_at: NOW - days_ago * DAY, ..Default::default() }
    }

    /// Ten mentors (1–10, Sales) and ten mentees (11–20, Finance), ten pairs of various states.
    fn snapshot() -> Snapshot {
        let mut people: HashMap<i64, Person> = HashMap::new();
        for id in 1..=10 {
            people.insert(id, person(id, 2, "Sales"));
        }
        for id in 11..=20 {
            people.insert(id, person(id, 8, "Finance"));
        }
        // Two more active people who did not take part, and one enrolled mentor not matched.
        people.insert(21, person(21, 5, "Legal"));
        people.insert(22, person(22, 5, "Legal"));
        let mut enrolments: Vec<Enrolment> =
            (1..=20).map(|u| Enrolment { user_id: u, role: if u <= 10 { EnrolRole::Mentor } else { EnrolRole::Mentee }, status: EnrolStatus::Approved }).collect();
        enrolments.push(Enrolment { user_id: 21, role: EnrolRole::Mentor, status: EnrolStatus::Applied });
        let mut pairs: Vec<PairFacts> = (1..=9).map(|i| pair(i, i, 10 + i, 60)).collect();
        // Pair 1: first check-in after 5 days, 3 held in 60 days (1.4 a month), messages both ways.
        pairs[0].held = 3;
        pairs[0].first_held = Some(NOW - 55 * DAY);
        pairs[0].last_held = Some(NOW - 3 * DAY);
        pairs[0].last_message = Some(NOW - DAY);
        pairs[0].mentor_recent_messages = 2;
        pairs[0].mentee_recent_messages = 2;
        pairs[0].goals = [GoalCounts { goals: 2, done: 1, milestones: 4, milestones_done: 3 }, GoalCounts { goals: 1, done: 1, milestones: 2, milestones_done: 2 }];
        // Pair 2: first check-in after 20 days, then quiet for 40 days: no check-in, no message.
        pairs[1].held = 1;
        pairs[1].first_held = Some(NOW - 40 * DAY);
        pairs[1].last_held = Some(NOW - 40 * DAY);
        pairs[1].last_message = Some(NOW - 30 * DAY);
        pairs[1].goals = [GoalCounts { goals: 1, done: 0, ..Default::default() }, GoalCounts::default()];
        // Pair 3: two missed, one-sided chat, five held (fortnightly).
        pairs[2].held = 5;
        pairs[2].missed = 2;
        pairs[2].missed_recent = 2;
        pairs[2].first_held = Some(NOW - 58 * DAY);
        pairs[2].last_held = Some(NOW - 2 * DAY);
        pairs[2].last_message = Some(NOW - DAY);
        pairs[2].mentor_recent_messages = 4;
        // Pairs 4–9: nothing yet (quiet since the match 60 days ago). Pair 9 ended.
        pairs[8].active = false;
        pairs[8].ended_at = Some(NOW - 30 * DAY);
        let fb = |pair_id, checkin_id, user_id, days_ago: i64, rating, fit| Feedback { pair_id, checkin_id, user_id, at: NOW - days_ago * DAY, rating, fit };
        let feedback = vec![
            fb(1, 100, 1, 55, 4, Some(Fit::Good)),
            fb(1, 100, 11, 55, 5, Some(Fit::Good)),
            fb(1, 101, 11, 3, 5, None),
            fb(2, 200, 12, 40, 2, Some(Fit::NotFit)),
            fb(3, 300, 3, 2, 3, Some(Fit::Unsure)),
        ];
        let surveys = vec![
            SurveyAnswer { pair_id: 1, user_id: 1, recommend: 10, again: true, gained: Some(true), learned: "How budgets are set".into(), share_quote: true, created_at: NOW - DAY },
            SurveyAnswer { pair_id: 1, user_id: 11, recommend: 6, again: false, gained: Some(false), learned: "".into(), share_quote: false, created_at: NOW - DAY },
            SurveyAnswer { pair_id: 3, user_id: 3, recommend: 8, again: true, gained: Some(false), learned: "Forecasting".into(), share_quote: false, created_at: NOW - 2 * DAY },
        ];
        let roadblocks = vec![
            Roadblock { id: 1, pair_id: 2, user_id: 12, state: RoadblockState::Resolved, created_at: NOW - 30 * DAY, acknowledged_at: Some(NOW - 30 * DAY + 7200), resolved_at: Some(NOW - 28 * DAY) },
            Roadblock { id: 2, pair_id: 3, user_id: 3, state: RoadblockState::Open, created_at: NOW - 4 * DAY, acknowledged_at: None, resolved_at: None },
        ];
        Snapshot {
            programme_id: 1,
            name: "RM".into(),
            objectives: String::new(),
            kind: ProgrammeKind::Reverse,
            targets: vec![
                Target { metric: Metric::MeetingCadence, target: 50.0 },
                Target { metric: Metric::MeanRating, target: 4.0 },
                Target { metric: Metric::RoadblockAckDays, target: 1.0 },
            ],
            health: HealthSettings::default(),
            weights: [8.0, 5.0, 3.0, 5.0, 4.0, 2.0, 3.0],
            now: NOW,
            people,
            enrolments,
            pairs,
            feedback,
            surveys,
            roadblocks,
        }
    }

    fn counts(figures: &[Figure]) -> Vec<u32> {
        figures.iter().map(|f| f.count).collect()
    }

    #[test]
    fn the_figures_count_what_happened() {
        let s = snapshot();
        let i = insights(&s, &GroupFilter::default(), Dimension::Department, Vec::new());
        // 22 active people; 21 enrolments; 20 approved; 18 in pairs; pairs 1–3 held (6 people);
        // active in four weeks: pairs 1 and 3 (4 people); surveyed: 1, 11, 3.
        assert_eq!(counts(&i.funnel), vec![22, 21, 20, 18, 6, 4, 3]);
        // Days to first: pair 1 5 days, pair 2 20 days, pair 3 2 days; six without.
        assert_eq!(counts(&i.first_checkin), vec![2, 0, 1, 0, 6]);
        assert_eq!(i.median_days_to_first, Some(5.0));
        // Cadence over 60 days (pair 9: 30 days): 0 held ×6, pair 2 0.47, pair 1 1.4, pair 3 2.33.
        assert_eq!(counts(&i.cadence), vec![6, 1, 1, 1]);
        assert_eq!(i.goals[0], SideGoals { goals: 3, done: 1, milestones: 4, milestones_done: 3, pairs_with_goals: 2 });
        assert_eq!(i.goals[1].done, 1);
        let months: Vec<u32> = i.ratings.iter().map(|p| p.ratings).collect();
        assert_eq!(months.iter().sum::<u32>(), 5);
        assert_eq!(i.survey.answers, 3);
        assert_eq!((i.survey.promoters, i.survey.passives, i.survey.detractors), (1, 1, 1));
        assert_eq!(i.survey.recommend_score, Some(0.0));
        assert_eq!((i.survey.mentor_answers, i.survey.mentors_gained), (2, 1));
        assert_eq!(i.survey.learned, vec![("mentor".to_string(), "How budgets are set".to_string()), ("mentor".to_string(), "Forecasting".to_string())]);
        assert_eq!(i.survey.quotes, vec![("mentor".to_string(), "How budgets are set".to_string())]);
        assert_eq!((i.roadblocks.raised, i.roadblocks.open, i.roadblocks.resolved), (2, 1, 1));
        assert_eq!(i.roadblocks.median_ack_hours, Some(2.0));
        assert_eq!(i.roadblocks.median_resolve_hours, Some(48.0));
        // Targets: 2 of 9 aged pairs meet monthly (22%), ratings mean 19/5 = 3.8, ack 2 h.
        let t = &i.targets;
        assert_eq!((t[0].actual.map(|a| a.round()), t[0].n, t[0].met), (Some(22.0), 9, Some(false)));
        assert_eq!((t[1].actual, t[1].met), (Some(3.8), Some(false)));
        assert_eq!(t[2].met, Some(true));
        assert_eq!(i.active_pairs, 8);
    }

    #[test]
    fn groups_filter_the_figures_and_small_ones_are_withheld() {
        let s = snapshot();
        let sales = GroupFilter { dimension: Some(Dimension::Department), value: "Sales".into() };
        let i = insights(&s, &sales, Dimension::Stage, Vec::new());
        assert!(!i.withheld);
        // Sales people are the ten mentors: ratings given by mentors only (4 and 3).
        assert_eq!(i.ratings.iter().map(|p| p.ratings).sum::<u32>(), 2);
        assert_eq!(i.survey.answers, 2);
        assert_eq!(i.funnel[2].count, 10);
        let legal = GroupFilter { dimension: Some(Dimension::Department), value: "Legal".into() };
        let i = insights(&s, &legal, Dimension::Stage, Vec::new());
        assert!(i.withheld);
        assert!(i.funnel.is_empty() && i.survey.learned.is_empty());
        assert_eq!(drill(&s, &legal, "all").unwrap().total, 0);
        // By stage: ten early-career, ten senior.
        let all = insights(&s, &GroupFilter::default(), Dimension::Stage, Vec::new());
        assert_eq!(all.by_group.iter().map(|g| g.people).collect::<Vec<_>>(), vec![10, 10]);
        let early = all.by_group.iter().find(|g| g.group.starts_with("Early")).unwrap();
        assert_eq!((early.matched, early.first_held, early.outcomes.mean_rating), (9, 3, Some(3.5)));
        // Mentor-side goals: pair 1's one goal, done.
        assert_eq!(early.outcomes.goal_completion, Some(100.0));
    }

    #[test]
    fn health_rules_flag_with_reasons() {
        let s = snapshot();
        let list = health_list(&s);
        let reasons = |pair: i64| -> Vec<HealthReason> {
            list.pairs.iter().find(|p| p.pair_id == pair).map(|p| p.flags.iter().map(|f| f.reason).collect()).unwrap_or_default()
        };
        assert!(reasons(1).is_empty());
        assert_eq!(reasons(2), vec![HealthReason::NoCheckin, HealthReason::NoMessage, HealthReason::LowRating, HealthReason::NotFit]);
        assert_eq!(reasons(3), vec![HealthReason::MissedTwice, HealthReason::OpenRoadblock, HealthReason::OneSided]);
        assert_eq!(reasons(4), vec![HealthReason::NoCheckin, HealthReason::NoMessage]);
        // Ended pair 9 is never flagged; 7 flagged in all.
        assert_eq!(list.pairs.len(), 7);
        assert!(reasons(9).is_empty());
    }

    #[test]
    fn a_handled_note_covers_only_the_reasons_it_saw() {
        let mut s = snapshot();
        s.pairs[3].review = Some((NOW - DAY, vec![HealthReason::NoCheckin, HealthReason::NoMessage]));
        s.pairs[2].review = Some((NOW - DAY, vec![HealthReason::MissedTwice]));
        let list = health_list(&s);
        assert_eq!(list.handled, 1);
        assert!(list.pairs.iter().all(|p| p.pair_id != 4));
        assert!(list.pairs.iter().any(|p| p.pair_id == 3));
    }

    #[test]
    fn a_handled_note_expires() {
        let mut s = snapshot();
        let old = NOW - (HealthSettings::default().quiet_checkin_days as i64 + 1) * DAY;
        s.pairs[3].review = Some((old, vec![HealthReason::NoCheckin, HealthReason::NoMessage]));
        let list = health_list(&s);
        assert_eq!(list.handled, 0);
        assert!(list.pairs.iter().any(|p| p.pair_id == 4));
    }

    #[test]
    fn people_who_left_leave_the_funnel() {
        let mut s = snapshot();
        s.people.get_mut(&11).unwrap().active = false;
        let i = insights(&s, &GroupFilter::default(), Dimension::Department, Vec::new());
        assert_eq!(counts_of(&i.funnel), vec![21, 20, 19, 17, 5, 3, 2]);
        assert!(i.funnel.iter().skip(1).all(|f| f.count <= f.of));
    }

    fn counts_of(figures: &[Figure]) -> Vec<u32> {
        figures.iter().map(|f| f.count).collect()
    }

    #[test]
    fn automatic_nudges_come_before_risk_and_once_a_week() {
        let s = HealthSettings::default();
        assert!(!auto_nudge_due(NOW - 20 * DAY, None, &s, NOW));
        assert!(auto_nudge_due(NOW - 21 * DAY, None, &s, NOW));
        assert!(!auto_nudge_due(NOW - 21 * DAY, Some(NOW - 6 * DAY), &s, NOW));
        assert!(auto_nudge_due(NOW - 21 * DAY, Some(NOW - 7 * DAY), &s, NOW));
        // At risk already: the admin's list, not a gentle reminder.
        assert!(!auto_nudge_due(NOW - 35 * DAY, None, &s, NOW));
        assert!(!auto_nudge_due(NOW - 21 * DAY, None, &HealthSettings { nudge_checkin_days: 0, ..s }, NOW));
    }

    #[test]
    fn figures_lead_to_the_pairs_they_count() {
        let s = snapshot();
        let i = insights(&s, &GroupFilter::default(), Dimension::Department, Vec::new());
        for f in i.funnel.iter().chain(&i.first_checkin).chain(&i.cadence).filter(|f| !f.pairs.is_empty()) {
            let list = drill(&s, &GroupFilter::default(), &f.pairs).unwrap();
            if f.people {
                // Each pair holds two people, each person here is in one pair.
                assert!(list.total <= f.count && 2 * list.total >= f.count, "{}: {} pairs for {} people", f.label, list.total, f.count);
            } else {
                assert_eq!(list.total, f.count, "{}", f.label);
            }
        }
        assert!(i.funnel.iter().all(|f| f.people) && i.cadence.iter().all(|f| !f.people));
        assert_eq!(drill(&s, &GroupFilter::default(), "roadblocks:open").unwrap().pairs[0].pair_id, 3);
        assert_eq!(drill(&s, &GroupFilter::default(), &format!("month:{}", month_of(NOW - 40 * DAY))).unwrap().total >= 1, true);
        assert!(drill(&s, &GroupFilter::default(), "month:20x6-01").is_none());
        assert!(drill(&s, &GroupFilter::default(), "nonsense").is_none());
    }

    #[test]
    fn the_page_receives_the_newest_answers_and_the_total() {
        let mut s = snapshot();
        for k in 0..30 {
            let pair_id = 1 + k % 9;
            s.surveys.push(SurveyAnswer { pair_id, user_id: pair_id, recommend: 9, again: true, gained: Some(true), learned: format!("Answer {k}"), share_quote: true, created_at: NOW - DAY / 2 + k });
        }
        let mut i = insights(&s, &GroupFilter::default(), Dimension::Department, Vec::new());
        assert_eq!((i.survey.learned.len(), i.survey.learned_total), (32, 32));
        i.trim_for_page();
        assert_eq!((i.survey.learned.len(), i.survey.learned_total, i.survey.quotes.len()), (LEARNED_SHOWN, 32, QUOTES_SHOWN));
        // Newest first: the last answer written leads.
        assert_eq!(i.survey.learned[0].1, "Answer 29");
    }

    #[test]
    fn the_recommend_score_is_promoters_minus_detractors() {
        assert_eq!(recommend_score([10, 9, 8, 0]).3, Some(25.0));
        assert_eq!(recommend_score([]).3, None);
    }
}
