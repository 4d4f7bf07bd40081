//! The matching engine: pairs mentors with mentees by complementary skills under hard rules,
//! optimally for the chosen objective, with a reason for every pair and every miss.
//!
//! Pure Rust with no web, database or async dependency: the server runs it for the
//! authoritative result and the browser runs the same code for the live preview.

mod engine;
mod lap;
pub(crate) mod large;
mod model;
mod par;
mod result;
mod score;
pub mod synthetic;

pub use engine::Engine;
pub use large::{solve_large, LargeResult};
pub use lap::{certify as certify_assignment, certify_rect as certify_rect_assignment, solve as solve_assignment, solve_rect as solve_rect_assignment, Assignment, LapError};
pub use model::{
    Config, Criterion, Direction, MatchError, Objective, Participant, PersonId, Problem, Rules, WeeklySlot, Weights,
    MAX_FORBIDDEN_PAIRS, MAX_PINNED_PAIRS,
};
pub use result::{diff, ChangedPair, Diff, Fairness, GroupFigures, MatchResult, Pair, Reason, Unmatched, UnmatchedReason, WhyNot};
pub use score::{combine, RuleBreak};

/// Checks the rule lists' sizes, the weights (0–10, finite) and the minimum score (0–1)
/// before a configuration is kept or run.
pub fn check_config(config: &Config) -> Result<(), MatchError> {
    engine::check_config(config)
}

/// Maps and sets of ids and words for one run (seeded per process, as the standard ones are).
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type Set<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Prepares `problem` and runs it once under `config`.
pub fn run(problem: &Problem, config: &Config) -> Result<MatchResult, MatchError> {
    Engine::new(problem)?.run(config)
}

#[cfg(test)]
mod tests;
