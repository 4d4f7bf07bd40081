//! The engine: prepares a problem once, then runs it under any configuration — fast enough to
//! re-run while an admin drags a weight slider (criterion scores and rule checks are cached;
//! the solver works on each mentee's best candidates and proves the answer over all pairs).

use super::lap;
use super::large;
use super::model::{Config, Criterion, Direction, MatchError, Objective, Problem, PersonId, Rules, MAX_FORBIDDEN_PAIRS, MAX_PINNED_PAIRS};
use super::result::{quantile, Fairness, GroupFigures, MatchResult, Pair, Reason, Unmatched, UnmatchedReason, WhyNot};
use super::par;
use super::score::{self, Axes, Figures, Interner, PairCode, Postings, Prepared, RuleBreak, Weighted};
use super::{Map, Set};
use std::collections::BTreeMap;

/// The part of the rules that decides feasibility pair by pair (cached).
#[derive(Debug, Clone, PartialEq)]
struct RuleKey {
    direction: Direction,
    min_level_gap: Option<i32>,
    reporting_chain_levels: Option<u32>,
    require_common_language: bool,
    max_timezone_hours: Option<f64>,
    respect_avoids: bool,
}

impl RuleKey {
    fn of(r: &Rules) -> RuleKey {
        RuleKey {
            direction: r.direction,
            min_level_gap: r.min_level_gap,
            reporting_chain_levels: r.reporting_chain_levels,
            require_common_language: r.require_common_language,
            max_timezone_hours: r.max_timezone_hours,
            respect_avoids: r.respect_avoids,
        }
    }
}

pub struct Engine {
    mentors: Vec<Prepared>,
    mentees: Vec<Prepared>,
    capacity: Vec<u32>,
    groups: Vec<Option<String>>,
    words: Interner,
    mentor_index: Map<PersonId, usize>,
    mentee_index: Map<PersonId, usize>,
    /// What each pair's criteria are computed from, mentee-major: `codes[e * mentors + m]`
    /// (computed on the first run).
    codes: Vec<PairCode>,
    /// Whether each pair keeps every hard rule under `allowed_key` (forbidden pairs aside).
    allowed: Vec<bool>,
    allowed_key: Option<RuleKey>,
    warm: Option<Warm>,
    /// Problems up to this size are solved densely (see [`DENSE_LIMIT`]).
    pub(crate) dense_limit: usize,
    /// The last problem solved densely, for checking its certificate on demand.
    last_dense: Option<LastDense>,
    /// The mentors indexed for building every pair's code (see [`Postings`]).
    postings: Postings,
    /// Levels and timezones as table positions (`None` for pools with too many distinct ones).
    axes: Option<Axes>,
    /// The last run's score buffers, for the next run to fill.
    spare: Option<Scored>,
    /// The independent check of the last sparse run's optimality proof.
    last_proof: Option<Result<(), String>>,
    /// The last run's formed pairs explained, under the direction they were made for: most
    /// survive a re-solve, which then writes out only the new ones.
    explained: Map<(u32, u32), Explained>,
    explained_for: Option<Direction>,
}

/// A pair's criterion scores and a sentence for each: they depend on the two people and the
/// direction only, not on the weights.
struct Explained {
    breakdown: [f64; 7],
    texts: Vec<(Criterion, f64, String)>,
}

struct Warm {
    layout: (Vec<usize>, Vec<usize>, bool),
    v: Vec<f64>,
}

/// Problems whose larger side squared is at most this (2,800 a side) are solved densely.
const DENSE_LIMIT: usize = 8_000_000;

/// The last problem solved densely, for checking its certificate on demand: `rows × cols`, its
/// matrix when it was not the scores as they are, and the assignment with its prices.
struct LastDense {
    rows: usize,
    cols: usize,
    cost: Option<Vec<f64>>,
    proof: lap::Assignment,
}

/// Per-run working data: each pair's cost to the solver, minus its score where the pair may be
/// formed and 0 where it may not (a rule, the minimum score, a forbid). One matrix, which the
/// assignment reads as it is when the problem is square.
struct Scored {
    cost: Vec<f64>,
}

impl Scored {
    fn feasible(&self, k: usize) -> bool {
        self.cost[k] < 0.0
    }

    /// The score of a pair that may be formed.
    fn score(&self, k: usize) -> f64 {
        -self.cost[k]
    }

    /// What pair `k` is worth to the solver (0: not formed). With `bonus = Some(t)`, only
    /// pairs scoring at least `t` count, each with a constant extra larger than any total
    /// over `rows` mentees, so the most pairs come first and then the largest total.
    fn worth(&self, k: usize, bonus: Option<f64>, rows: usize) -> f64 {
        if !self.feasible(k) {
            return 0.0;
        }
        let x = self.score(k);
        match bonus {
            None => x,
            Some(t) if x >= t => x + rows as f64 + 1.0,
            Some(_) => 0.0,
        }
    }
}

impl Engine {
    /// Checks the participants and prepares them for scoring.
    pub fn new(problem: &Problem) -> Result<Engine, MatchError> {
        check_pool(problem)?;
        let mut words = Interner::default();
        let mut departments = Interner::default();
        let mentors: Vec<Prepared> = problem.mentors.iter().map(|p| score::prepare(p, &mut words, &mut departments)).collect();
        let mentees: Vec<Prepared> = problem.mentees.iter().map(|p| score::prepare(p, &mut words, &mut departments)).collect();
        Ok(Engine {
            axes: Axes::new(&mentors, &mentees),
            postings: Postings::new(&mentors, &mentees, words.names.len()),
            mentor_index: mentors.iter().enumerate().map(|(i, p)| (p.id, i)).collect(),
            mentee_index: mentees.iter().enumerate().map(|(i, p)| (p.id, i)).collect(),
            capacity: problem.mentors.iter().map(|p| p.capacity).collect(),
            groups: problem.mentees.iter().map(|p| p.group.clone()).collect(),
            mentors,
            mentees,
            words,
            codes: Vec::new(),
            allowed: Vec::new(),
            allowed_key: None,
            warm: None,
            dense_limit: DENSE_LIMIT,
            last_dense: None,
            spare: None,
            last_proof: None,
            explained: Map::default(),
            explained_for: None,
        })
    }

    pub fn mentor_count(&self) -> usize {
        self.mentors.len()
    }
    pub fn mentee_count(&self) -> usize {
        self.mentees.len()
    }

    /// Scores every pair and checks every rule anew (the cost every first run pays).
    /// Returns the number of pairs scored.
    pub fn rescore(&mut self, rules: &Rules) -> usize {
        self.codes.clear();
        self.allowed_key = None;
        self.ensure_cache(rules);
        self.codes.len()
    }

    /// The weighted score matrix, mentee-major (`[e * mentors + m]`), 0 where a rule rules the
    /// pair out: what the solver sees.
    pub fn score_matrix(&mut self, config: &Config) -> Vec<f64> {
        self.ensure_cache(&config.rules);
        let s = self.scored(config);
        s.cost.iter().map(|&c| if c < 0.0 { -c } else { 0.0 }).collect()
    }

    fn ensure_cache(&mut self, rules: &Rules) {
        let nm = self.mentors.len();
        let cells = nm * self.mentees.len();
        let (mentees, postings) = (&self.mentees, &self.postings);
        let key = RuleKey::of(rules);
        let codes_stale = self.codes.len() != cells;
        let rules_stale = self.allowed_key.as_ref() != Some(&key);
        if codes_stale {
            // Codes and rules in one pass per mentee, from the mentors' index.
            let mut codes = vec![PairCode::default(); cells];
            let mut allowed = vec![false; cells];
            par::fill_rows2(&mut codes, &mut allowed, nm, |e, codes, allowed| {
                postings.row(e, &mentees[e], codes);
                postings.allowed_row(rules, e, &mentees[e], codes, allowed);
            });
            self.codes = codes;
            self.allowed = allowed;
        } else if rules_stale {
            let codes = &self.codes;
            par::fill_rows(&mut self.allowed, nm, |e, row| {
                postings.allowed_row(rules, e, &mentees[e], &codes[e * nm..(e + 1) * nm], row);
            });
        }
        self.allowed_key = Some(key);
    }

    fn validate(&self, config: &Config) -> Result<(), MatchError> {
        check_config(config)?;
        for (what, list) in [("a forbidden pair", &config.rules.forbidden), ("a pin", &config.rules.pinned)] {
            for &(m, e) in list.iter() {
                if !self.mentor_index.contains_key(&m) {
                    return Err(MatchError::UnknownId { what: what.into(), id: m, side: "mentor".into() });
                }
                if !self.mentee_index.contains_key(&e) {
                    return Err(MatchError::UnknownId { what: what.into(), id: e, side: "mentee".into() });
                }
            }
        }
        let mut pinned_mentees = Set::default();
        let mut pins_per_mentor: Map<PersonId, u32> = Map::default();
        for &(m, e) in &config.rules.pinned {
            if !pinned_mentees.insert(e) {
                return Err(MatchError::MenteePinnedTwice(e));
            }
            let n = pins_per_mentor.entry(m).or_default();
            *n += 1;
            if *n > self.capacity[self.mentor_index[&m]] {
                return Err(MatchError::PinsOverCapacity(m));
            }
            if config.rules.forbidden.contains(&(m, e)) {
                return Err(MatchError::PinAndForbid(m, e));
            }
            let (mi, ei) = (self.mentor_index[&m], self.mentee_index[&e]);
            if let Some(b) = score::check_rules(&config.rules, &self.mentors[mi], &self.mentees[ei]) {
                return Err(MatchError::PinBreaksRule { mentor: m, mentee: e, reason: b.describe(config.rules.direction) });
            }
        }
        Ok(())
    }

    /// Pair `k`'s weighted score, recomputed from its code.
    fn code_score(&self, config: &Config, k: usize) -> f64 {
        let nm = self.mentors.len();
        let (m, e) = (&self.mentors[k % nm], &self.mentees[k / nm]);
        score::code_score(config.rules.direction, &score::unit_weights(&config.weights), self.codes[k], &m.figures(), &e.figures())
    }

    /// The score of a pair that is formed (a pin may be formed below the minimum score).
    fn formed_score(&self, config: &Config, s: &Scored, k: usize) -> f64 {
        if s.feasible(k) {
            s.score(k)
        } else {
            self.code_score(config, k)
        }
    }

    fn scored(&mut self, config: &Config) -> Scored {
        let nm = self.mentors.len();
        let w = score::unit_weights(&config.weights);
        let min_score = config.rules.min_score;
        let mut forbidden: Vec<Vec<usize>> = vec![Vec::new(); self.mentees.len()];
        for (m, e) in &config.rules.forbidden {
            forbidden[self.mentee_index[e]].push(self.mentor_index[m]);
        }
        let cells = self.codes.len();
        // The last run's buffer is reused (no fresh pages to fault in on every slider step).
        let mut cost = self.spare.take().map(|s| s.cost).unwrap_or_default();
        cost.resize(cells, 0.0);
        let (codes, allowed, mentees) = (&self.codes, &self.allowed, &self.mentees);
        let direction = config.rules.direction;
        let tables = self.axes.as_ref().map(|a| Weighted::new(direction, &w, a));
        let mentors: Vec<Figures> = if tables.is_none() { self.mentors.iter().map(|m| m.figures()).collect() } else { Vec::new() };
        par::fill_rows(&mut cost, nm, |e, out| {
            let row = e * nm..(e + 1) * nm;
            match &tables {
                Some(t) => t.row(e, &codes[row.clone()], out),
                None => {
                    let mentee = mentees[e].figures();
                    for ((x, code), fig) in out.iter_mut().zip(&codes[row.clone()]).zip(&mentors) {
                        *x = score::code_score(direction, &w, *code, fig, &mentee);
                    }
                }
            }
            // Scores to costs: minus the score where the pair may be formed, else 0 (without
            // branches: which pairs pass is unpredictable).
            let min_score = min_score;
            for (x, &ok) in out.iter_mut().zip(&allowed[row]) {
                let formed = ok & score::acceptable(*x, min_score);
                *x = if formed { -*x } else { 0.0 };
            }
            for &m in &forbidden[e] {
                out[m] = 0.0;
            }
        });
        Scored { cost }
    }

    /// Runs the matching under `config`.
    pub fn run(&mut self, config: &Config) -> Result<MatchResult, MatchError> {
        self.validate(config)?;
        self.ensure_cache(&config.rules);
        let scored = self.scored(config);
        let ne = self.mentees.len();
        // Pins first: they take their mentee and one place of their mentor.
        let mut mentor_of: Vec<Option<usize>> = vec![None; ne];
        let mut left = self.capacity.clone();
        let mut pinned = Set::default();
        for &(m, e) in &config.rules.pinned {
            let (mi, ei) = (self.mentor_index[&m], self.mentee_index[&e]);
            mentor_of[ei] = Some(mi);
            left[mi] -= 1;
            pinned.insert((mi, ei));
        }
        let rows: Vec<usize> = (0..ne).filter(|&e| mentor_of[e].is_none()).collect();
        match config.objective {
            Objective::Stable => self.deferred_acceptance(&scored, &rows, &left, &mut mentor_of),
            Objective::Total | Objective::Fair => {
                let bonus = if config.objective == Objective::Fair {
                    Some(self.fair_threshold(&scored, &rows, &left))
                } else {
                    None
                };
                self.assign(&scored, &rows, &left, bonus, &mut mentor_of)?;
            }
        }
        self.explain_formed(config.rules.direction, &mentor_of);
        let result = self.assemble(config, &scored, &mentor_of, &pinned);
        self.spare = Some(scored);
        Ok(result)
    }

    /// Solves the matching of `rows` (mentees) to mentors with `left` places each, exactly:
    /// on a square matrix with warm-started prices where it fits, otherwise on candidate pairs
    /// with a proof over all pairs. With `bonus = Some(t)`, only pairs scoring at least `t`
    /// count, and each counts a large constant extra, so the most pairs come first and then
    /// the largest total.
    fn assign(&mut self, s: &Scored, rows: &[usize], left: &[u32], bonus: Option<f64>, mentor_of: &mut [Option<usize>]) -> Result<(), MatchError> {
        let places: usize = left.iter().map(|&c| c as usize).sum();
        // Square-ish pools only: on a very wide one (50 places for 100,000 mentees) each column
        // a re-solve leaves free below the top price costs a search over every cell, where the
        // b-matching's candidate routing does not care about the shape.
        if rows.len().max(places).pow(2) <= self.dense_limit {
            let slots: Vec<usize> = (0..left.len()).flat_map(|m| std::iter::repeat(m).take(left[m] as usize)).collect();
            self.assign_dense(s, rows, &slots, bonus, mentor_of)
        } else {
            self.assign_sparse(s, rows, left, bonus, mentor_of);
            Ok(())
        }
    }

    /// Solves the assignment of `rows` (mentees) to `slots` (mentor places) and records it.
    /// With `bonus = Some(t)`, only pairs scoring at least `t` count, and each counts a large
    /// constant extra, so the most pairs come first and then the largest total.
    ///
    /// The matrix is rectangular, with no padding: mentees as rows when there are no more of
    /// them than places, otherwise places as rows (each place then takes a distinct mentee,
    /// and the mentees left over go unmatched). A cell worth nothing (cost 0) is a pair not
    /// formed, so filling every row of the smaller side loses nothing.
    fn assign_dense(
        &mut self,
        s: &Scored,
        rows: &[usize],
        slots: &[usize],
        bonus: Option<f64>,
        mentor_of: &mut [Option<usize>],
    ) -> Result<(), MatchError> {
        let nm = self.mentors.len();
        if rows.is_empty() || slots.is_empty() {
            // Nothing solved: no proof of an earlier run may stand for this one.
            self.last_dense = None;
            return Ok(());
        }
        let by_place = slots.len() < rows.len();
        let (lap_rows, lap_cols) = if by_place { (slots.len(), rows.len()) } else { (rows.len(), slots.len()) };
        // The matrix's cell (i, j) as (position in `rows`, position in `slots`).
        let pair_at = |i: usize, j: usize| if by_place { (j, i) } else { (i, j) };
        // When every mentee is a row and every mentor one place, in order, the scores are the
        // matrix; otherwise the last run's matrix is reused when the size is the same (no
        // fresh pages to fault in).
        let in_order = |list: &[usize], len: usize| list.len() == len && list.iter().enumerate().all(|(i, &x)| i == x);
        let as_scored = bonus.is_none() && !by_place && in_order(rows, self.mentees.len()) && in_order(slots, nm);
        let own = if as_scored {
            None
        } else {
            let mut cost = match self.last_dense.take() {
                Some(last) if last.cost.as_ref().is_some_and(|c| c.len() == lap_rows * lap_cols) => last.cost.unwrap_or_default(),
                _ => vec![0.0f64; lap_rows * lap_cols],
            };
            par::fill_rows(&mut cost, lap_cols, |i, line| {
                for (j, x) in line.iter_mut().enumerate() {
                    let (r, c) = pair_at(i, j);
                    *x = -s.worth(rows[r] * nm + slots[c], bonus, rows.len());
                }
            });
            Some(cost)
        };
        let cost = own.as_deref().unwrap_or(&s.cost);
        let layout = (rows.to_vec(), slots.to_vec(), bonus.is_some());
        let warm_v = self.warm.as_ref().filter(|w| w.layout == layout).map(|w| w.v.clone());
        let a = lap::solve_rect(lap_rows, lap_cols, cost, warm_v.as_deref()).map_err(|e| MatchError::Solver(format!("{e:?}")))?;
        for (i, &j) in a.col_of_row.iter().enumerate() {
            let j = j as usize;
            if cost[i * lap_cols + j] < 0.0 {
                let (r, c) = pair_at(i, j);
                mentor_of[rows[r]] = Some(slots[c]);
            }
        }
        self.warm = Some(Warm { layout, v: a.v.clone() });
        self.last_dense = Some(LastDense { rows: lap_rows, cols: lap_cols, cost: own, proof: a });
        self.last_proof = None;
        Ok(())
    }

    /// Solves the b-matching of `rows` to mentors with `left` places each on candidate pairs,
    /// proved over all pairs (for pools too large for a square matrix).
    fn assign_sparse(&mut self, s: &Scored, rows: &[usize], left: &[u32], bonus: Option<f64>, mentor_of: &mut [Option<usize>]) {
        let nm = self.mentors.len();
        self.last_dense = None;
        if rows.is_empty() || nm == 0 {
            self.last_proof = Some(Ok(()));
            return;
        }
        let value = |r: usize, m: usize| s.worth(rows[r] * nm + m, bonus, rows.len());
        let scan = |r: usize, emit: &mut dyn FnMut(usize, f64)| {
            for m in 0..nm {
                let x = value(r, m);
                if x > 0.0 {
                    emit(m, x);
                }
            }
        };
        let b = large::bmatch(rows.len(), left, CANDIDATES, &scan);
        for (r, m) in b.mentor_of.iter().enumerate() {
            if let Some(m) = m {
                mentor_of[rows[r]] = Some(*m);
            }
        }
        self.last_proof = Some(check_proof(rows.len(), left, &value, &b));
    }

    /// The best lowest score among matchings with the most pairs: a binary search over the
    /// scores that can be it, each step growing the last matching that reached the most pairs
    /// (less its pairs below the step's score) instead of starting afresh.
    fn fair_threshold(&self, s: &Scored, rows: &[usize], left: &[u32]) -> f64 {
        let nm = self.mentors.len();
        // Each row's feasible mentors with room, best first.
        let lists: Vec<Vec<(f64, u32)>> = par::map(rows.len(), nm, |r| {
            let e = rows[r];
            let mut list: Vec<(f64, u32)> = open_pairs(s, e, left).map(|(m, x)| (x, m as u32)).collect();
            list.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            list
        });
        let mut best = Bipartite::new(rows.len(), left);
        let most = best.grow(&lists, f64::NEG_INFINITY);
        if most == 0 {
            return 0.0;
        }
        // The answer is at least the lowest pair of this matching, and at most the most-th
        // best of the rows' best pairs (that many rows need a pair at least that good).
        let low = best.lowest();
        let mut tops: Vec<f64> = lists.iter().filter_map(|l| l.first().map(|x| x.0)).collect();
        tops.sort_unstable_by(|a, b| b.total_cmp(a));
        let high = tops[most - 1];
        let mut values: Vec<f64> = lists.iter().flatten().map(|x| x.0).filter(|&x| x >= low && x <= high).collect();
        values.sort_unstable_by(|a, b| a.total_cmp(b));
        values.dedup();
        let (mut lo, mut hi) = (0usize, values.len() - 1);
        while lo < hi {
            let mid = (lo + hi + 1) / 2;
            let mut trial = best.clone();
            trial.drop_below(values[mid]);
            if trial.grow(&lists, values[mid]) == most {
                lo = mid;
                best = trial;
            } else {
                hi = mid - 1;
            }
        }
        values[lo]
    }

    /// Mentee-proposing deferred acceptance; preferences follow the scores (ties by id).
    fn deferred_acceptance(&self, s: &Scored, rows: &[usize], left: &[u32], mentor_of: &mut [Option<usize>]) {
        let nm = self.mentors.len();
        // Each mentee's acceptable mentors, put in order only as far as they propose (most
        // stop within their first few): best score first, then lower id.
        let mut prefs: Vec<Vec<(f64, PersonId, u32)>> = par::map(rows.len(), nm, |r| {
            let e = rows[r];
            open_pairs(s, e, left).map(|(m, x)| (x, self.mentors[m].id, m as u32)).collect()
        });
        let mut ordered = vec![0usize; rows.len()];
        let by_preference = |a: &(f64, PersonId, u32), b: &(f64, PersonId, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        let mut choice = |r: usize, at: usize| -> Option<usize> {
            let list = &mut prefs[r];
            if at >= list.len() {
                return None;
            }
            if at >= ordered[r] {
                const CHUNK: usize = 16;
                let rest = &mut list[at..];
                let take = CHUNK.min(rest.len());
                if take < rest.len() {
                    rest.select_nth_unstable_by(take - 1, by_preference);
                }
                rest[..take].sort_unstable_by(by_preference);
                ordered[r] = at + take;
            }
            Some(list[at].2 as usize)
        };
        // A mentor prefers the higher score; on a tie, the lower id.
        let worse = |m: usize, a: usize, b: usize| -> bool {
            let (sa, sb) = (s.score(a * nm + m), s.score(b * nm + m));
            sa < sb || (sa == sb && self.mentees[a].id > self.mentees[b].id)
        };
        let mut next = vec![0usize; rows.len()];
        let mut held: Vec<Vec<usize>> = vec![Vec::new(); nm];
        let mut free: Vec<usize> = (0..rows.len()).rev().collect();
        while let Some(r) = free.pop() {
            let Some(m) = choice(r, next[r]) else { continue };
            next[r] += 1;
            held[m].push(r);
            if held[m].len() as u32 > left[m] {
                let (worst_pos, _) = held[m]
                    .iter()
                    .enumerate()
                    .fold((0, held[m][0]), |(bp, br), (p, &x)| if worse(m, rows[x], rows[br]) { (p, x) } else { (bp, br) });
                let rejected = held[m].swap_remove(worst_pos);
                free.push(rejected);
            }
        }
        for (m, list) in held.iter().enumerate() {
            for &r in list {
                mentor_of[rows[r]] = Some(m);
            }
        }
    }

    fn assemble(
        &self,
        config: &Config,
        s: &Scored,
        mentor_of: &[Option<usize>],
        pinned: &Set<(usize, usize)>,
    ) -> MatchResult {
        let nm = self.mentors.len();
        // Explaining a pair writes its reasons out: a few microseconds each, so on all cores.
        let formed: Vec<(usize, usize)> = mentor_of.iter().enumerate().filter_map(|(e, m)| m.map(|m| (e, m))).collect();
        let mut pairs = par::map(formed.len(), nm, |i| {
            let (e, m) = formed[i];
            let x = &self.explained[&(m as u32, e as u32)];
            self.pair_from(config, m, e, x, self.formed_score(config, s, e * nm + m), pinned.contains(&(m, e)))
        });
        pairs.sort_by_key(|p| (p.mentor, p.mentee));
        let mut used = vec![0u32; nm];
        for m in mentor_of.iter().flatten() {
            used[*m] += 1;
        }
        let mut unmatched = Vec::new();
        for (e, m) in mentor_of.iter().enumerate() {
            if m.is_none() {
                unmatched.push(Unmatched {
                    id: self.mentees[e].id,
                    is_mentor: false,
                    reason: self.unmatched_reason(config, s, (0..nm).map(|m| e * nm + m)),
                });
            }
        }
        for m in 0..nm {
            if used[m] == 0 {
                unmatched.push(Unmatched {
                    id: self.mentors[m].id,
                    is_mentor: true,
                    reason: self.unmatched_reason(config, s, (0..self.mentees.len()).map(|e| e * nm + m)),
                });
            }
        }
        let mut scores: Vec<f64> = pairs.iter().map(|p| p.score).collect();
        scores.sort_by(|a, b| a.total_cmp(b));
        let total: f64 = scores.iter().sum();
        let mut by_group: BTreeMap<String, GroupFigures> = BTreeMap::new();
        for (e, g) in self.groups.iter().enumerate() {
            let Some(g) = g else { continue };
            let f = by_group.entry(g.clone()).or_insert_with(|| GroupFigures { group: g.clone(), ..Default::default() });
            f.mentees += 1;
            if let Some(m) = mentor_of[e] {
                f.matched += 1;
                f.mean_score += self.formed_score(config, s, e * nm + m);
            }
        }
        let by_group = by_group
            .into_values()
            .map(|mut f| {
                if f.matched > 0 {
                    f.mean_score /= f.matched as f64;
                }
                f
            })
            .collect();
        let fairness = Fairness {
            min: scores.first().copied().unwrap_or(0.0),
            q1: quantile(&scores, 0.25),
            median: quantile(&scores, 0.5),
            q3: quantile(&scores, 0.75),
            max: scores.last().copied().unwrap_or(0.0),
            mean: if scores.is_empty() { 0.0 } else { total / scores.len() as f64 },
            by_group,
        };
        MatchResult {
            matched_mentees: pairs.len() as u32,
            pairs,
            unmatched,
            total,
            mentees: self.mentees.len() as u32,
            mentors: nm as u32,
            fairness,
            blocking_pairs: self.blocking_pairs(s, mentor_of, &used, pinned),
        }
    }

    fn unmatched_reason(&self, config: &Config, s: &Scored, cells: impl Iterator<Item = usize> + Clone) -> UnmatchedReason {
        let nm = self.mentors.len();
        // Someone left out with a pair they could have formed lost to capacity: that answer
        // needs no rule checked (a studio step at 5,000 people leaves hundreds so).
        if cells.clone().any(|k| s.feasible(k)) {
            return UnmatchedReason::Capacity;
        }
        let mut best_below: Option<f64> = None;
        let mut rule_counts: BTreeMap<String, u32> = BTreeMap::new();
        for k in cells {
            if let Some(b) = (!self.allowed[k])
                .then(|| score::check_rules(&config.rules, &self.mentors[k % nm], &self.mentees[k / nm]))
                .flatten()
            {
                *rule_counts.entry(b.describe(config.rules.direction)).or_default() += 1;
            } else if let Some(x) = Some(self.code_score(config, k)).filter(|&x| !score::acceptable(x, config.rules.min_score)) {
                best_below = Some(best_below.map_or(x, |b: f64| b.max(x)));
            } else {
                *rule_counts.entry(RuleBreak::Forbidden.describe(config.rules.direction)).or_default() += 1;
            }
        }
        if let Some(best) = best_below {
            UnmatchedReason::BelowMinScore { best }
        } else {
            let most_common_rule = rule_counts
                .into_iter()
                .max_by_key(|(_, n)| *n)
                .map(|(r, _)| r)
                .unwrap_or_else(|| "there is no one on the other side".into());
            UnmatchedReason::NoFeasiblePartner { most_common_rule }
        }
    }

    /// Feasible pairs who both strictly prefer each other (by score) to what they have.
    fn blocking_pairs(&self, s: &Scored, mentor_of: &[Option<usize>], used: &[u32], pinned: &Set<(usize, usize)>) -> u32 {
        let nm = self.mentors.len();
        // A mentor is tempted by any feasible pair when they have room, otherwise by one that
        // beats their worst partner who is not pinned. As a cost bar (a pair's cost is minus its
        // score, 0 if it cannot be formed): a pair tempts mentor m when its cost is below bar[m].
        let mut worst = vec![f64::INFINITY; nm];
        for (e, m) in mentor_of.iter().enumerate() {
            if let Some(m) = *m {
                if !pinned.contains(&(m, e)) {
                    worst[m] = worst[m].min(s.score(e * nm + m));
                }
            }
        }
        let bar: Vec<f64> = (0..nm).map(|m| if used[m] < self.capacity[m] { 0.0 } else { -worst[m] }).collect();
        let per_mentee = par::map(mentor_of.len(), nm, |e| {
            let cur = mentor_of[e];
            if cur.is_some_and(|m| pinned.contains(&(m, e))) {
                return 0;
            }
            // The mentee is tempted by a pair scoring strictly more than their own (their own
            // pair is not below itself, so it never counts).
            let mine = cur.map_or(f64::INFINITY, |m| s.cost[e * nm + m]);
            let row = &s.cost[e * nm..(e + 1) * nm];
            row.iter().zip(&bar).map(|(&c, &b)| (c < mine.min(b)) as u32).sum::<u32>()
        });
        per_mentee.iter().sum()
    }

    /// The result of checking the last total or fair run's optimality proof over every pair:
    /// prices u (mentees) and v (mentors), both ≥ 0, with u + v ≥ value for every pair, equality
    /// on every pair formed, 0 for the unmatched and for mentors with room, and Σu + Σ cap·v
    /// equal to the total — so no matching does better.
    pub fn certify_last(&self) -> Result<(), String> {
        if let Some(last) = &self.last_dense {
            let cost = match &last.cost {
                Some(own) => own.as_slice(),
                None => &self.spare.as_ref().ok_or("the scores of the last run are gone")?.cost,
            };
            return lap::certify_rect(last.rows, last.cols, cost, &last.proof, 1e-7);
        }
        self.last_proof.clone().unwrap_or(Ok(()))
    }

    /// The weighted score of one pair under `config`, recomputed from scratch.
    pub fn pair_score(&self, config: &Config, mentor: PersonId, mentee: PersonId) -> Option<f64> {
        let (m, e) = (*self.mentor_index.get(&mentor)?, *self.mentee_index.get(&mentee)?);
        let c = score::criteria(config.rules.direction, &self.mentors[m], &self.mentees[e]);
        Some(score::combine(&config.weights, &c))
    }

    /// One pair as a run would report it (score, breakdown, reasons), whether or not it is
    /// formed; `None` for an unknown id.
    pub fn explain(&self, config: &Config, mentor: PersonId, mentee: PersonId) -> Option<Pair> {
        let (m, e) = (*self.mentor_index.get(&mentor)?, *self.mentee_index.get(&mentee)?);
        let x = self.explanation(config.rules.direction, m, e);
        let score = score::combine(&config.weights, &x.breakdown);
        Some(self.pair_from(config, m, e, &x, score, config.rules.pinned.contains(&(mentor, mentee))))
    }

    fn explanation(&self, direction: Direction, m: usize, e: usize) -> Explained {
        let breakdown = score::criteria(direction, &self.mentors[m], &self.mentees[e]);
        let texts = score::reason_texts(direction, &self.words, &self.mentors[m], &self.mentees[e], &breakdown);
        Explained { breakdown, texts }
    }

    /// A pair for a result: its explanation with the reasons strongest first under `config`'s
    /// weights.
    fn pair_from(&self, config: &Config, m: usize, e: usize, x: &Explained, score: f64, pinned: bool) -> Pair {
        let mut reasons: Vec<Reason> =
            x.texts.iter().map(|(criterion, score, text)| Reason { criterion: *criterion, score: *score, text: text.clone() }).collect();
        reasons.sort_by(|a, b| score::reason_order(&config.weights, (a.criterion, a.score), (b.criterion, b.score)));
        Pair { mentor: self.mentors[m].id, mentee: self.mentees[e].id, score, breakdown: x.breakdown, reasons, pinned }
    }

    /// Keeps an explanation of every formed pair, and of no other: the last run's are reused,
    /// the new ones written out on all cores.
    fn explain_formed(&mut self, direction: Direction, mentor_of: &[Option<usize>]) {
        let mut earlier = std::mem::take(&mut self.explained);
        if self.explained_for != Some(direction) {
            earlier.clear();
        }
        self.explained_for = Some(direction);
        let formed: Vec<(u32, u32)> = mentor_of.iter().enumerate().filter_map(|(e, m)| m.map(|m| (m as u32, e as u32))).collect();
        let mut kept = Map::with_capacity_and_hasher(formed.len(), Default::default());
        let mut missing = Vec::new();
        for key in formed {
            match earlier.remove(&key) {
                Some(x) => {
                    kept.insert(key, x);
                }
                None => missing.push(key),
            }
        }
        let fresh = par::map(missing.len(), self.mentors.len(), |i| self.explanation(direction, missing[i].0 as usize, missing[i].1 as usize));
        kept.extend(missing.into_iter().zip(fresh));
        self.explained = kept;
    }

    /// The first hard rule the pair breaks, described, if any.
    pub fn rule_break(&self, rules: &Rules, mentor: PersonId, mentee: PersonId) -> Option<String> {
        let (m, e) = (*self.mentor_index.get(&mentor)?, *self.mentee_index.get(&mentee)?);
        score::check_rules(rules, &self.mentors[m], &self.mentees[e]).map(|b| b.describe(rules.direction))
    }

    /// Why `mentor` and `mentee` are not paired in `result` (a run of this engine under `config`).
    pub fn why_not(&mut self, config: &Config, result: &MatchResult, mentor: PersonId, mentee: PersonId) -> Result<WhyNot, MatchError> {
        let Some(score) = self.pair_score(config, mentor, mentee) else {
            let (id, side) = if self.mentor_index.contains_key(&mentor) { (mentee, "mentee") } else { (mentor, "mentor") };
            return Err(MatchError::UnknownId { what: "the question".into(), id, side: side.into() });
        };
        if let Some(p) = result.pairs.iter().find(|p| p.mentor == mentor && p.mentee == mentee) {
            return Ok(WhyNot::Paired { score: p.score });
        }
        if let Some(rule) = self.rule_break(&config.rules, mentor, mentee) {
            return Ok(WhyNot::Rule { rule });
        }
        if config.rules.forbidden.contains(&(mentor, mentee)) {
            return Ok(WhyNot::Forbidden);
        }
        if let Some(&(m, _)) = config.rules.pinned.iter().find(|(_, e)| *e == mentee) {
            return Ok(WhyNot::PinnedElsewhere { pinned_with: m });
        }
        if !score::acceptable(score, config.rules.min_score) {
            return Ok(WhyNot::BelowMinScore { score, min: config.rules.min_score });
        }
        // Force the pair and see what it costs; pins that would exceed the mentor's capacity
        // give way, latest first.
        let mut forced = config.clone();
        let capacity = self.capacity[self.mentor_index[&mentor]];
        let mut mine: Vec<usize> =
            forced.rules.pinned.iter().enumerate().filter(|(_, p)| p.0 == mentor).map(|(i, _)| i).collect();
        while mine.len() as u32 >= capacity {
            let i = mine.pop().expect("non-empty while at capacity");
            forced.rules.pinned.remove(i);
        }
        forced.rules.pinned.push((mentor, mentee));
        let saved = (self.warm.take(), self.last_dense.take(), self.last_proof.take());
        let with_pair = self.run(&forced);
        (self.warm, self.last_dense, self.last_proof) = saved;
        let with_pair = with_pair?;
        Ok(WhyNot::Outscored {
            score,
            cost: (result.total - with_pair.total).max(0.0),
            mentee_partner: result.mentor_of(mentee).map(|p| (p.mentor, p.score)),
            mentor_partners: result.pairs.iter().filter(|p| p.mentor == mentor).map(|p| (p.mentee, p.score)).collect(),
            mentor_capacity: capacity,
        })
    }
}

/// Candidate pairs per mentee before the proof decides whether more are needed.
const CANDIDATES: usize = 24;

/// Checks a b-matching's proof against every pair's value.
fn check_proof(rows: usize, left: &[u32], value: &dyn Fn(usize, usize) -> f64, b: &large::BMatch) -> Result<(), String> {
    const TOL: f64 = 1e-7;
    let nm = left.len();
    let mut load = vec![0u32; nm];
    let mut primal = 0.0;
    for r in 0..rows {
        if b.u[r] < -TOL {
            return Err(format!("row {r} has a negative price"));
        }
        match b.mentor_of[r] {
            Some(m) => {
                load[m] += 1;
                let w = value(r, m);
                primal += w;
                if w <= 0.0 {
                    return Err(format!("row {r} is paired with a ruled-out mentor {m}"));
                }
                if (b.u[r] + b.v[m] - w).abs() > TOL {
                    return Err(format!("pair ({r}, {m}) is not tight"));
                }
            }
            None if b.u[r] > TOL => return Err(format!("unmatched row {r} has price {}", b.u[r])),
            None => {}
        }
        for m in 0..nm {
            if left[m] > 0 && value(r, m) > b.u[r] + b.v[m] + TOL {
                return Err(format!("pair ({r}, {m}) is worth more than its prices"));
            }
        }
    }
    let mut dual: f64 = b.u.iter().sum();
    for m in 0..nm {
        if load[m] > left[m] {
            return Err(format!("mentor {m} is over capacity"));
        }
        if b.v[m] < -TOL || (load[m] < left[m] && b.v[m] > TOL) {
            return Err(format!("mentor {m} has price {} with room left", b.v[m]));
        }
        dual += left[m] as f64 * b.v[m];
    }
    if (dual - primal).abs() > TOL * (rows as f64 + 1.0) * 10.0 {
        return Err(format!("total {primal} and bound {dual} differ"));
    }
    Ok(())
}

/// Unique ids, capacities of at least 1, and exactly 1 for mentees.
pub(crate) fn check_pool(problem: &Problem) -> Result<(), MatchError> {
    let mut seen = Set::default();
    for p in problem.mentors.iter().chain(&problem.mentees) {
        if !seen.insert(p.id) {
            return Err(MatchError::DuplicateId(p.id));
        }
        if p.capacity == 0 {
            return Err(MatchError::ZeroCapacity(p.id));
        }
    }
    for e in &problem.mentees {
        if e.capacity != 1 {
            return Err(MatchError::MenteeCapacity(e.id, e.capacity));
        }
    }
    Ok(())
}

/// At most [`MAX_FORBIDDEN_PAIRS`] forbidden and [`MAX_PINNED_PAIRS`] pinned pairs (counted
/// first), weights from 0 to 10 and a minimum score from 0 to 1, all finite.
pub(crate) fn check_config(config: &Config) -> Result<(), MatchError> {
    for (what, count, limit) in [
        ("forbidden pairs", config.rules.forbidden.len(), MAX_FORBIDDEN_PAIRS),
        ("pinned pairs", config.rules.pinned.len(), MAX_PINNED_PAIRS),
    ] {
        if count > limit {
            return Err(MatchError::TooManyRules { what: what.into(), count, limit });
        }
    }
    for c in Criterion::ALL {
        let w = config.weights.get(c);
        if !w.is_finite() || !(0.0..=10.0).contains(&w) {
            return Err(MatchError::BadWeight(c, w));
        }
    }
    let min = config.rules.min_score;
    if !min.is_finite() || !(0.0..=1.0).contains(&min) {
        return Err(MatchError::BadMinScore(min));
    }
    Ok(())
}

/// Mentee `e`'s pairs that may be formed with a mentor who has a place left: (mentor, score).
fn open_pairs<'a>(s: &'a Scored, e: usize, left: &'a [u32]) -> impl Iterator<Item = (usize, f64)> + 'a {
    let nm = left.len();
    (0..nm).filter(move |&m| left[m] > 0 && s.feasible(e * nm + m)).map(move |m| (m, s.score(e * nm + m)))
}

/// A matching of rows to mentors with capacities, grown by augmenting paths on pairs scoring at
/// least a threshold. The searches keep their own stack (a path can be as long as there are
/// rows, too deep for the call stack in large pools).
#[derive(Clone)]
struct Bipartite {
    /// Each row's mentor and the pair's score.
    mentor_of: Vec<Option<(u32, f64)>>,
    holders: Vec<Vec<u32>>,
    capacity: Vec<u32>,
    size: usize,
}

/// One row on a search's path: the next pair to try, and the full mentor being gone through
/// with the next of its holders to try.
struct Step {
    row: u32,
    next: usize,
    through: Option<(u32, usize)>,
}

impl Bipartite {
    fn new(rows: usize, capacity: &[u32]) -> Bipartite {
        Bipartite { mentor_of: vec![None; rows], holders: vec![Vec::new(); capacity.len()], capacity: capacity.to_vec(), size: 0 }
    }

    fn lowest(&self) -> f64 {
        self.mentor_of.iter().flatten().map(|x| x.1).fold(f64::INFINITY, f64::min)
    }

    /// Unmatches the pairs scoring below `t`.
    fn drop_below(&mut self, t: f64) {
        for (r, slot) in self.mentor_of.iter_mut().enumerate() {
            if let Some((m, x)) = *slot {
                if x < t {
                    self.holders[m as usize].retain(|&h| h != r as u32);
                    *slot = None;
                    self.size -= 1;
                }
            }
        }
    }

    /// Augments until the matching is maximum on pairs scoring at least `t` (`lists`: each
    /// row's pairs, best first); returns its size. Within a round a mentor a search went
    /// through is not tried again; a round that finds no path proves there is none.
    fn grow(&mut self, lists: &[Vec<(f64, u32)>], t: f64) -> usize {
        let mut seen = vec![false; self.holders.len()];
        loop {
            seen.iter_mut().for_each(|x| *x = false);
            let mut found = false;
            for r in 0..lists.len() {
                if self.mentor_of[r].is_none() && self.augment(r, lists, t, &mut seen) {
                    found = true;
                }
            }
            if !found {
                return self.size;
            }
        }
    }

    fn augment(&mut self, root: usize, lists: &[Vec<(f64, u32)>], t: f64, seen: &mut [bool]) -> bool {
        let mut path = vec![Step { row: root as u32, next: 0, through: None }];
        while let Some(step) = path.last_mut() {
            if let Some((m, h)) = step.through {
                // Try moving the mentor's next holder elsewhere.
                if let Some(&holder) = self.holders[m as usize].get(h) {
                    step.through = Some((m, h + 1));
                    path.push(Step { row: holder, next: 0, through: None });
                } else {
                    step.through = None;
                }
                continue;
            }
            let list = &lists[step.row as usize];
            let Some(&(x, m)) = list.get(step.next).filter(|p| p.0 >= t) else {
                path.pop();
                continue;
            };
            step.next += 1;
            if std::mem::replace(&mut seen[m as usize], true) {
                continue;
            }
            if (self.holders[m as usize].len() as u32) < self.capacity[m as usize] {
                // A free place: every row on the path moves to the mentor it was going through.
                self.holders[m as usize].push(step.row);
                self.mentor_of[step.row as usize] = Some((m, x));
                for i in (0..path.len() - 1).rev() {
                    let (m, h) = path[i].through.expect("a step below the top goes through a mentor");
                    let row = path[i].row;
                    self.holders[m as usize][h - 1] = row;
                    let score = lists[row as usize].iter().find(|p| p.1 == m).map_or(0.0, |p| p.0);
                    self.mentor_of[row as usize] = Some((m, score));
                }
                self.size += 1;
                return true;
            }
            step.through = Some((m, 0));
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::{Bipartite, Engine, Scored};
    use crate::matching::model::MatchError;

    #[test]
    fn a_solver_failure_is_an_error_not_an_empty_matching() {
        let problem = crate::matching::synthetic::reverse_pool(7, 3, 3, 1);
        let mut engine = Engine::new(&problem).unwrap();
        // Costs the solver cannot use (scores are always finite, so only a fault can do this).
        let broken = Scored { cost: vec![f64::NAN; 9] };
        let mut mentor_of = vec![None; 3];
        let outcome = engine.assign_dense(&broken, &[0, 1, 2], &[0, 1, 2], None, &mut mentor_of);
        assert!(matches!(outcome, Err(MatchError::Solver(_))), "{outcome:?}");
        assert_eq!(mentor_of, vec![None; 3], "nothing is claimed as matched");
    }

    /// The most pairs by another method: every mentor place a separate column, Kuhn's
    /// recursive search (fine at this size).
    fn most_pairs(lists: &[Vec<(f64, u32)>], capacity: &[u32], t: f64) -> usize {
        let places: Vec<Vec<usize>> = lists
            .iter()
            .map(|l| {
                let mut p = Vec::new();
                for &(_, m) in l.iter().filter(|p| p.0 >= t) {
                    let from: u32 = capacity[..m as usize].iter().sum();
                    p.extend((from..from + capacity[m as usize]).map(|c| c as usize));
                }
                p
            })
            .collect();
        let columns: u32 = capacity.iter().sum();
        let mut holder = vec![usize::MAX; columns as usize];
        fn try_row(r: usize, places: &[Vec<usize>], holder: &mut [usize], seen: &mut [bool]) -> bool {
            for &c in &places[r] {
                if !std::mem::replace(&mut seen[c], true) && (holder[c] == usize::MAX || try_row(holder[c], places, holder, seen)) {
                    holder[c] = r;
                    return true;
                }
            }
            false
        }
        (0..lists.len()).filter(|&r| try_row(r, &places, &mut holder, &mut vec![false; columns as usize])).count()
    }

    fn consistent(b: &Bipartite, lists: &[Vec<(f64, u32)>], t: f64) {
        let mut placed = 0;
        for (r, slot) in b.mentor_of.iter().enumerate() {
            if let Some((m, x)) = slot {
                assert!(b.holders[*m as usize].contains(&(r as u32)), "row {r} is among its mentor's holders");
                assert!(lists[r].contains(&(*x, *m)) && *x >= t, "row {r} holds one of its own pairs above the threshold");
                placed += 1;
            }
        }
        for (m, h) in b.holders.iter().enumerate() {
            assert!(h.len() as u32 <= b.capacity[m], "mentor {m} within capacity");
            assert!(h.iter().all(|&r| b.mentor_of[r as usize].map(|p| p.0) == Some(m as u32)));
        }
        assert_eq!(placed, b.size);
    }

    /// Growing a matching (from nothing, or from a matching at a lower threshold less its
    /// pairs below the new one) reaches the most pairs, with every row, mentor and place
    /// accounted for: random graphs of 12 rows and 6 mentors of capacity 1 to 3.
    #[test]
    fn grown_matchings_have_the_most_pairs_and_add_up() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..300 {
            let capacity: Vec<u32> = (0..6).map(|_| 1 + next(3) as u32).collect();
            let lists: Vec<Vec<(f64, u32)>> = (0..12)
                .map(|_| {
                    let mut l = Vec::new();
                    for m in 0..6u32 {
                        if next(3) == 0 {
                            l.push((next(5) as f64 / 4.0, m));
                        }
                    }
                    l.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                    l
                })
                .collect();
            let mut b = Bipartite::new(lists.len(), &capacity);
            assert_eq!(b.grow(&lists, f64::NEG_INFINITY), most_pairs(&lists, &capacity, f64::NEG_INFINITY));
            consistent(&b, &lists, f64::NEG_INFINITY);
            for t in [0.25, 0.5, 0.75, 1.0] {
                let mut c = b.clone();
                c.drop_below(t);
                consistent(&c, &lists, t);
                assert_eq!(c.grow(&lists, t), most_pairs(&lists, &capacity, t), "threshold {t}");
                consistent(&c, &lists, t);
            }
        }
    }
}
