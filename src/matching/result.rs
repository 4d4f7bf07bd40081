//! What a run returns: pairs with their reasons, the unmatched with theirs, and the figures an
//! admin reads (totals, fairness, blocking pairs); plus the difference between two runs.

use super::model::{Criterion, PersonId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub criterion: Criterion,
    /// This criterion's score, 0–1.
    pub score: f64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub mentor: PersonId,
    pub mentee: PersonId,
    /// Weighted score, 0–1.
    pub score: f64,
    /// Per criterion, in [`Criterion::ALL`] order.
    pub breakdown: [f64; 7],
    /// Strongest reasons first.
    pub reasons: Vec<Reason>,
    pub pinned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum UnmatchedReason {
    /// Every possible partner is ruled out; the rule that ruled out most of them.
    NoFeasiblePartner { most_common_rule: String },
    /// Every acceptable partner is taken by pairs that score better overall.
    Capacity,
    /// Partners exist but all score below the minimum.
    BelowMinScore { best: f64 },
}

impl UnmatchedReason {
    pub fn describe(&self) -> String {
        match self {
            UnmatchedReason::NoFeasiblePartner { most_common_rule } => {
                format!("no possible partner: {most_common_rule}")
            }
            UnmatchedReason::Capacity => "every acceptable partner is taken by a better-scoring pair".into(),
            UnmatchedReason::BelowMinScore { best } => format!("the best possible partner scores {best:.2}, below the minimum"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmatched {
    pub id: PersonId,
    pub is_mentor: bool,
    pub reason: UnmatchedReason,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupFigures {
    pub group: String,
    pub mentees: u32,
    pub matched: u32,
    pub mean_score: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fairness {
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
    pub mean: f64,
    pub by_group: Vec<GroupFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchResult {
    /// Sorted by mentor, then mentee.
    pub pairs: Vec<Pair>,
    pub unmatched: Vec<Unmatched>,
    pub total: f64,
    pub matched_mentees: u32,
    pub mentees: u32,
    pub mentors: u32,
    pub fairness: Fairness,
    /// Mentor–mentee pairs who would both rather be together than with their current partners.
    pub blocking_pairs: u32,
}

impl MatchResult {
    pub fn mentor_of(&self, mentee: PersonId) -> Option<&Pair> {
        self.pairs.iter().find(|p| p.mentee == mentee)
    }
    /// Scores of all pairs, for a histogram.
    pub fn scores(&self) -> Vec<f64> {
        self.pairs.iter().map(|p| p.score).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangedPair {
    pub mentee: PersonId,
    pub before: PersonId,
    pub after: PersonId,
    pub score_before: f64,
    pub score_after: f64,
}

/// How a run differs from an earlier one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub added: Vec<(PersonId, PersonId)>,
    pub removed: Vec<(PersonId, PersonId)>,
    pub changed: Vec<ChangedPair>,
    pub total_delta: f64,
}

/// Pairs added, removed and changed (same mentee, other mentor) from `before` to `after`.
pub fn diff(before: &MatchResult, after: &MatchResult) -> Diff {
    let mut d = Diff { total_delta: after.total - before.total, ..Default::default() };
    // By mentee, once: the studio compares thousands of pairs on every slider step.
    let mut before_of: std::collections::HashMap<PersonId, &Pair> = std::collections::HashMap::with_capacity(before.pairs.len());
    for p in &before.pairs {
        before_of.entry(p.mentee).or_insert(p);
    }
    let after_has: std::collections::HashSet<PersonId> = after.pairs.iter().map(|p| p.mentee).collect();
    for p in &after.pairs {
        match before_of.get(&p.mentee).copied() {
            None => d.added.push((p.mentor, p.mentee)),
            Some(old) if old.mentor != p.mentor => d.changed.push(ChangedPair {
                mentee: p.mentee,
                before: old.mentor,
                after: p.mentor,
                score_before: old.score,
                score_after: p.score,
            }),
            Some(_) => {}
        }
    }
    for p in &before.pairs {
        if !after_has.contains(&p.mentee) {
            d.removed.push((p.mentor, p.mentee));
        }
    }
    d
}

pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Why a given mentor and mentee are not paired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WhyNot {
    Paired { score: f64 },
    Rule { rule: String },
    Forbidden,
    PinnedElsewhere { pinned_with: PersonId },
    BelowMinScore { score: f64, min: f64 },
    /// Forming the pair would lower the objective by `cost`; the competing pairs are named.
    Outscored {
        score: f64,
        cost: f64,
        mentee_partner: Option<(PersonId, f64)>,
        mentor_partners: Vec<(PersonId, f64)>,
        mentor_capacity: u32,
    },
}

impl WhyNot {
    pub fn describe(&self) -> String {
        match self {
            WhyNot::Paired { score } => format!("They are paired (score {score:.2})."),
            WhyNot::Rule { rule } => format!("A rule rules it out: {rule}."),
            WhyNot::Forbidden => "The admin forbade this pair.".into(),
            WhyNot::PinnedElsewhere { pinned_with } => format!("The mentee is pinned to mentor {pinned_with}."),
            WhyNot::BelowMinScore { score, min } => format!("Their score {score:.2} is below the minimum {min:.2}."),
            WhyNot::Outscored { score, cost, mentee_partner, mentor_partners, mentor_capacity } => {
                let mut s = format!("Their score is {score:.2}, but pairing them would lower the total by {cost:.3}.");
                if let Some((m, sc)) = mentee_partner {
                    s.push_str(&format!(" The mentee is paired with mentor {m} (score {sc:.2})."));
                }
                if mentor_partners.len() as u32 >= *mentor_capacity && *mentor_capacity > 0 {
                    let list: Vec<String> = mentor_partners.iter().map(|(id, sc)| format!("{id} ({sc:.2})")).collect();
                    s.push_str(&format!(" The mentor is at capacity with {}.", list.join(", ")));
                }
                s
            }
        }
    }
}
