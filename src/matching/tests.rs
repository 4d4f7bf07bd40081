//! Brute force on small instances for every objective, and properties on random ones.

use super::*;
use proptest::prelude::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SKILLS: [&str; 8] = ["Python", "TikTok", "SQL", "Negotiation", "Strategy", "Figma", "Budgeting", "AI tools"];
const LANGS: [&str; 3] = ["English", "French", "Hindi"];
const HOBBIES: [&str; 4] = ["Photography", "Chess", "Esports", "Cooking"];

fn person(rng: &mut Rng, id: PersonId, mentor: bool) -> Participant {
    let pick = |rng: &mut Rng, from: &[&str], n: u64| -> Vec<String> {
        let mut v: Vec<String> = (0..n).map(|_| from[rng.below(from.len() as u64) as usize].to_string()).collect();
        v.sort();
        v.dedup();
        v
    };
    let n = 1 + rng.below(3);
    let offers: Vec<(String, u8)> = pick(rng, &SKILLS, n).into_iter().map(|s| (s, 1 + rng.below(5) as u8)).collect();
    let n = 1 + rng.below(3);
    let wants: Vec<(String, u8)> = pick(rng, &SKILLS, n).into_iter().map(|s| (s, 1 + rng.below(3) as u8)).collect();
    let n_lang = 1 + rng.below(2);
    let languages = pick(rng, &LANGS, n_lang);
    let n_int = rng.below(3);
    let interests = pick(rng, &HOBBIES, n_int);
    let start = rng.below(5) as i32 * 1440 + 480 + rng.below(8) as i32 * 60;
    Participant {
        id,
        level: if mentor { 1 + rng.below(5) as i32 } else { 3 + rng.below(8) as i32 },
        department: ["Sales", "Data", "Legal"][rng.below(3) as usize].into(),
        manager_chain: if rng.below(4) == 0 { vec![100 + rng.below(10) as i64] } else { vec![] },
        utc_offset_minutes: [0, 60, -300, 330, 480][rng.below(5) as usize],
        languages,
        offers,
        wants,
        interests,
        availability: vec![WeeklySlot { start, end: start + 60 + rng.below(3) as i32 * 60 }],
        group: Some(["A", "B"][rng.below(2) as usize].into()),
        prefers: vec![],
        avoids: vec![],
        capacity: if mentor { 1 + rng.below(2) as u32 } else { 1 },
    }
}

fn problem(seed: u64, mentors: usize, mentees: usize) -> Problem {
    let mut rng = Rng(seed.wrapping_mul(2654435761).max(1));
    let mut p = Problem {
        mentors: (0..mentors).map(|i| person(&mut rng, 100 + i as i64, true)).collect(),
        mentees: (0..mentees).map(|i| person(&mut rng, 200 + i as i64, false)).collect(),
    };
    // Some wishes, and one mentee managed by a mentor.
    if mentees > 1 && mentors > 0 {
        p.mentees[0].prefers.push(100);
        p.mentees[1].avoids.push(100);
        p.mentees[mentees - 1].manager_chain = vec![100];
    }
    p
}

fn config(seed: u64, objective: Objective) -> Config {
    let mut rng = Rng(seed.wrapping_add(99));
    let mut c = Config { objective, ..Config::default() };
    for crit in Criterion::ALL {
        c.weights.set(crit, rng.below(11) as f64);
    }
    c.rules.max_timezone_hours = Some(9.0);
    c.rules.min_level_gap = Some(1);
    c.rules.min_score = 0.1;
    c
}

/// Every feasible assignment of mentees to mentors (or none), respecting capacities and pins.
fn all_matchings(engine: &Engine, p: &Problem, c: &Config) -> Vec<Vec<Option<usize>>> {
    let allowed = |m: usize, e: usize| -> bool {
        let (mid, eid) = (p.mentors[m].id, p.mentees[e].id);
        if c.rules.forbidden.contains(&(mid, eid)) || engine.rule_break(&c.rules, mid, eid).is_some() {
            return false;
        }
        let s = engine.pair_score(c, mid, eid).unwrap();
        s > 0.0 && s >= c.rules.min_score
    };
    let mut out = Vec::new();
    let mut cur = vec![None; p.mentees.len()];
    let mut used = vec![0u32; p.mentors.len()];
    fn go(
        e: usize, p: &Problem, c: &Config, allowed: &dyn Fn(usize, usize) -> bool,
        cur: &mut Vec<Option<usize>>, used: &mut Vec<u32>, out: &mut Vec<Vec<Option<usize>>>,
    ) {
        if e == p.mentees.len() {
            out.push(cur.clone());
            return;
        }
        let pin = c.rules.pinned.iter().find(|(_, me)| *me == p.mentees[e].id).map(|(m, _)| *m);
        for m in 0..p.mentors.len() {
            if pin.is_some_and(|pm| pm != p.mentors[m].id) {
                continue;
            }
            let pinned_here = pin == Some(p.mentors[m].id);
            if used[m] < p.mentors[m].capacity && (pinned_here || allowed(m, e)) {
                used[m] += 1;
                cur[e] = Some(m);
                go(e + 1, p, c, allowed, cur, used, out);
                used[m] -= 1;
                cur[e] = None;
            }
        }
        if pin.is_none() {
            go(e + 1, p, c, allowed, cur, used, out);
        }
    }
    go(0, p, c, &allowed, &mut cur, &mut used, &mut out);
    out
}

fn score_of(engine: &Engine, p: &Problem, c: &Config, m: &[Option<usize>]) -> (usize, f64, f64) {
    let scores: Vec<f64> = m
        .iter()
        .enumerate()
        .filter_map(|(e, mm)| mm.map(|mm| engine.pair_score(c, p.mentors[mm].id, p.mentees[e].id).unwrap()))
        .collect();
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    (scores.len(), min, scores.iter().sum())
}

fn check_valid(engine: &Engine, p: &Problem, c: &Config, r: &MatchResult) {
    let mut used = std::collections::HashMap::new();
    for pair in &r.pairs {
        *used.entry(pair.mentor).or_insert(0u32) += 1;
        let mentor = p.mentors.iter().find(|m| m.id == pair.mentor).unwrap();
        assert!(used[&pair.mentor] <= mentor.capacity, "capacity of {} exceeded", pair.mentor);
        if !pair.pinned {
            assert!(engine.rule_break(&c.rules, pair.mentor, pair.mentee).is_none(), "a pair breaks a rule");
            assert!(pair.score >= c.rules.min_score - 1e-6);
        }
        assert!(!c.rules.forbidden.contains(&(pair.mentor, pair.mentee)), "a forbidden pair appears");
        let again = engine.pair_score(c, pair.mentor, pair.mentee).unwrap();
        assert!((again - pair.score).abs() < 1e-6, "reported {} recomputed {again}", pair.score);
        assert!((combine(&c.weights, &pair.breakdown) - again).abs() < 1e-9);
    }
    let mentees: std::collections::HashSet<_> = r.pairs.iter().map(|p| p.mentee).collect();
    assert_eq!(mentees.len(), r.pairs.len(), "a mentee appears twice");
    for &(m, e) in &c.rules.pinned {
        assert!(r.pairs.iter().any(|p| p.mentor == m && p.mentee == e && p.pinned), "pin ({m}, {e}) missing");
    }
    assert_eq!(r.pairs.len() + r.unmatched.iter().filter(|u| !u.is_mentor).count(), p.mentees.len());
    let total: f64 = r.pairs.iter().map(|p| p.score).sum();
    assert!((total - r.total).abs() < 1e-9);
}

#[test]
fn every_objective_matches_brute_force_on_small_instances() {
    let mut nontrivial = 0;
    let mut contested = 0;
    for seed in 0..120u64 {
        let nm = 1 + (seed % 4) as usize;
        let ne = 1 + (seed % 6) as usize;
        let p = problem(seed, nm, ne);
        for objective in [Objective::Total, Objective::Fair, Objective::Stable] {
            let mut c = config(seed, objective);
            if seed % 3 == 0 && nm > 1 {
                c.rules.forbidden.push((p.mentors[1].id, p.mentees[0].id));
            }
            let mut engine = Engine::new(&p).unwrap();
            let r = engine.run(&c).unwrap();
            check_valid(&engine, &p, &c, &r);
            engine.certify_last().unwrap();
            let all = all_matchings(&engine, &p, &c);
            if r.pairs.len() > 0 {
                nontrivial += 1;
            }
            if all.len() > 3 {
                contested += 1;
            }
            match objective {
                Objective::Total => {
                    let best = all.iter().map(|m| score_of(&engine, &p, &c, m).2).fold(0.0, f64::max);
                    assert!((r.total - best).abs() < 1e-5, "seed {seed}: total {} vs brute force {best}", r.total);
                }
                Objective::Fair => {
                    let key = |m: &Vec<Option<usize>>| score_of(&engine, &p, &c, m);
                    let best = all
                        .iter()
                        .map(key)
                        .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.total_cmp(&b.2)))
                        .unwrap();
                    assert_eq!(r.pairs.len(), best.0, "seed {seed}: most pairs");
                    if best.0 > 0 {
                        assert!((r.fairness.min - best.1).abs() < 1e-5, "seed {seed}: min {} vs {}", r.fairness.min, best.1);
                        assert!((r.total - best.2).abs() < 1e-5, "seed {seed}: total {} vs {}", r.total, best.2);
                    }
                }
                Objective::Stable => {
                    assert_eq!(r.blocking_pairs, 0, "seed {seed}: the stable matching has blocking pairs");
                }
            }
        }
    }
    // The instances must actually exercise the solver.
    assert!(nontrivial > 200, "only {nontrivial} of 360 runs formed a pair");
    assert!(contested > 150, "only {contested} of 360 runs had several possible matchings");
}

#[test]
fn pins_hold_and_their_cost_shows_in_why_not() {
    let p = problem(42, 4, 6);
    let mut c = config(42, Objective::Total);
    c.rules.min_level_gap = None;
    c.rules.max_timezone_hours = None;
    c.rules.require_common_language = false;
    c.rules.reporting_chain_levels = None;
    c.rules.respect_avoids = false;
    let mut engine = Engine::new(&p).unwrap();
    let free = engine.run(&c).unwrap();
    // Pick a pair the optimum did not choose and ask why.
    let (m, e) = p
        .mentors
        .iter()
        .flat_map(|m| p.mentees.iter().map(move |e| (m.id, e.id)))
        .find(|(m, e)| !free.pairs.iter().any(|x| x.mentor == *m && x.mentee == *e) && engine.pair_score(&c, *m, *e).unwrap() >= c.rules.min_score)
        .unwrap();
    let why = engine.why_not(&c, &free, m, e).unwrap();
    let WhyNot::Outscored { cost, .. } = why.clone() else { panic!("expected an outscored answer, got {why:?}") };
    c.rules.pinned.push((m, e));
    let pinned = engine.run(&c).unwrap();
    check_valid(&engine, &p, &c, &pinned);
    assert!((free.total - pinned.total - cost).abs() < 1e-9, "the cost of forcing equals the loss of a pinned run");
    assert!(cost >= 0.0);
    assert!(why.describe().contains("lower the total"));
    let d = diff(&free, &pinned);
    assert!((d.total_delta + cost).abs() < 1e-9);
    assert!(d.added.contains(&(m, e)) || d.changed.iter().any(|x| x.mentee == e && x.after == m));
}

#[test]
fn why_not_names_the_rule() {
    let p = problem(7, 3, 5);
    let mut c = config(7, Objective::Total);
    c.rules.forbidden.push((p.mentors[0].id, p.mentees[2].id));
    let mut engine = Engine::new(&p).unwrap();
    let r = engine.run(&c).unwrap();
    // The last mentee reports to mentor 100: the reporting-line rule must be named.
    let last = p.mentees.last().unwrap().id;
    match engine.why_not(&c, &r, 100, last).unwrap() {
        WhyNot::Rule { rule } => assert!(rule.contains("reporting line") || rule.contains("level") || rule.contains("language") || rule.contains("timezone"), "{rule}"),
        other => panic!("expected a rule, got {other:?}"),
    }
    c.rules.min_level_gap = None;
    c.rules.require_common_language = false;
    c.rules.max_timezone_hours = None;
    let relaxed = engine.run(&c).unwrap();
    match engine.why_not(&c, &relaxed, 100, last).unwrap() {
        WhyNot::Rule { rule } => assert!(rule.contains("reporting line"), "{rule}"),
        other => panic!("expected the reporting-line rule, got {other:?}"),
    }
    let r2 = engine.run(&c).unwrap();
    assert_eq!(engine.why_not(&c, &r2, p.mentors[0].id, p.mentees[2].id).unwrap(), WhyNot::Forbidden);
}

#[test]
fn bad_input_is_refused_with_a_clear_error() {
    let p = problem(3, 2, 3);
    let mut engine = Engine::new(&p).unwrap();
    let mut c = Config::default();
    c.weights.set(Criterion::Skills, f64::NAN);
    assert!(matches!(engine.run(&c), Err(MatchError::BadWeight(Criterion::Skills, _))));
    let mut c = Config::default();
    c.weights.set(Criterion::Language, 11.0);
    assert!(engine.run(&c).is_err());
    let mut c = Config::default();
    c.rules.pinned.push((999, p.mentees[0].id));
    assert!(matches!(engine.run(&c), Err(MatchError::UnknownId { id: 999, .. })));
    let mut c = Config::default();
    c.rules.min_level_gap = Some(20);
    c.rules.pinned.push((p.mentors[0].id, p.mentees[0].id));
    assert!(matches!(engine.run(&c), Err(MatchError::PinBreaksRule { .. })));
    let mut zero = p.clone();
    zero.mentors[0].capacity = 0;
    assert!(matches!(Engine::new(&zero), Err(MatchError::ZeroCapacity(_))));
    let mut dup = p.clone();
    dup.mentees[1].id = dup.mentees[0].id;
    assert!(matches!(Engine::new(&dup), Err(MatchError::DuplicateId(_))));
}

#[test]
fn the_same_input_gives_the_same_result() {
    let p = problem(11, 20, 30);
    for objective in [Objective::Total, Objective::Fair, Objective::Stable] {
        let c = config(11, objective);
        let a = run(&p, &c).unwrap();
        let b = run(&p, &c).unwrap();
        assert_eq!(a, b);
    }
}

/// 90 a side: past 64 the assignment runs on candidate columns with a proof.
#[test]
fn a_warm_re_solve_after_a_weight_change_equals_a_cold_solve() {
    let p = problem(5, 70, 90);
    let mut c = config(5, Objective::Total);
    let mut engine = Engine::new(&p).unwrap();
    engine.run(&c).unwrap();
    for step in 0..10 {
        c.weights.set(Criterion::ALL[step % 7], (step * 3 % 11) as f64);
        let warm = engine.run(&c).unwrap();
        engine.certify_last().unwrap();
        let cold = run(&p, &c).unwrap();
        assert!((warm.total - cold.total).abs() < 1e-9);
    }
}

/// Blocking pairs counted from each pair's own score and rules, apart from the engine: a mentee
/// and a mentor who both strictly prefer each other to what they have (pinned pairs aside).
fn blocking_pairs_by_hand(engine: &Engine, p: &Problem, c: &Config, r: &MatchResult) -> u32 {
    let score = |m: PersonId, e: PersonId| engine.pair_score(c, m, e).unwrap();
    let mut count = 0;
    for e in &p.mentees {
        let mine = r.pairs.iter().find(|x| x.mentee == e.id);
        if mine.is_some_and(|x| x.pinned) {
            continue;
        }
        for m in &p.mentors {
            let x = score(m.id, e.id);
            let feasible = engine.rule_break(&c.rules, m.id, e.id).is_none()
                && !c.rules.forbidden.contains(&(m.id, e.id))
                && x > 0.0
                && x >= c.rules.min_score;
            // Recomputed scores may differ from the engine's in the last bits: equal is within 1e-9.
            if !feasible || mine.is_some_and(|y| y.mentor == m.id || x <= y.score + 1e-9) {
                continue;
            }
            let theirs: Vec<&Pair> = r.pairs.iter().filter(|y| y.mentor == m.id).collect();
            let worst = theirs.iter().filter(|y| !y.pinned).map(|y| y.score).fold(f64::INFINITY, f64::min);
            if (theirs.len() as u32) < m.capacity || x > worst + 1e-9 {
                count += 1;
            }
        }
    }
    count
}

/// 40 mentors (capacity 1 to 3) for 70 mentees: many mentees propose past their first dozens
/// of choices. The stable matching has no blocking pair, and the engine's count of blocking
/// pairs for the best-total matching is the count made by hand.
#[test]
fn stable_matchings_have_no_blocking_pair_and_counts_are_right() {
    let mut blocked = 0;
    for seed in [21u64, 22, 23] {
        let mut p = problem(seed, 40, 70);
        for (i, m) in p.mentors.iter_mut().enumerate() {
            m.capacity = 1 + (i % 3) as u32;
        }
        for objective in [Objective::Stable, Objective::Total] {
            let mut c = config(seed, objective);
            let mut engine = Engine::new(&p).unwrap();
            // A pin the rules allow.
            let pin = p.mentees.iter().flat_map(|e| p.mentors.iter().map(move |m| (m.id, e.id)));
            let pin = pin.filter(|&(m, e)| engine.rule_break(&c.rules, m, e).is_none()).nth(7).unwrap();
            c.rules.pinned.push(pin);
            let r = engine.run(&c).unwrap();
            check_valid(&engine, &p, &c, &r);
            let by_hand = blocking_pairs_by_hand(&engine, &p, &c, &r);
            assert_eq!(r.blocking_pairs, by_hand, "seed {seed} {objective:?}");
            match objective {
                Objective::Stable => assert_eq!(by_hand, 0, "seed {seed}"),
                _ => blocked += by_hand,
            }
        }
    }
    assert!(blocked > 0, "the best-total matchings should have some blocking pairs to count");
}

/// Re-solves reuse the last run's explanations: each must still equal one written afresh, with
/// its reasons ordered by the new weights, across weight steps, a pin, a change of direction
/// and of objective.
#[test]
fn explanations_kept_between_runs_equal_fresh_ones() {
    let p = problem(7, 30, 40);
    let mut c = config(7, Objective::Total);
    let mut engine = Engine::new(&p).unwrap();
    for step in 0..8 {
        match step {
            2 => c.rules.direction = Direction::Peers,
            4 => {
                let first = engine.run(&c).unwrap().pairs[0].clone();
                c.rules.pinned.push((first.mentor, first.mentee));
            }
            6 => c.objective = Objective::Stable,
            _ => c.weights.set(Criterion::ALL[step % 7], (step * 4 % 11) as f64),
        }
        let result = engine.run(&c).unwrap();
        assert!(!result.pairs.is_empty());
        for pair in &result.pairs {
            let fresh = engine.explain(&c, pair.mentor, pair.mentee).unwrap();
            assert_eq!(pair.reasons, fresh.reasons, "step {step}");
            assert_eq!(pair.breakdown, fresh.breakdown, "step {step}");
            assert_eq!(pair.pinned, fresh.pinned, "step {step}");
            assert!((pair.score - fresh.score).abs() < 1e-9, "step {step}");
            let weighted: Vec<f64> = pair.reasons.iter().map(|r| r.score * c.weights.get(r.criterion)).collect();
            assert!(weighted.windows(2).all(|w| w[0] >= w[1]), "step {step}: reasons strongest first under the new weights");
        }
    }
}

#[test]
fn the_candidate_solver_agrees_with_the_dense_one_and_proves_its_answer() {
    for seed in 0..40u64 {
        let p = problem(seed, 3 + (seed % 9) as usize, 4 + (seed % 13) as usize);
        for objective in [Objective::Total, Objective::Fair] {
            let mut c = config(seed, objective);
            if seed % 4 == 0 {
                c.rules.pinned.clear();
                c.rules.forbidden.push((p.mentors[0].id, p.mentees[0].id));
            }
            let mut dense = Engine::new(&p).unwrap();
            let a = dense.run(&c).unwrap();
            let mut sparse = Engine::new(&p).unwrap();
            sparse.dense_limit = 0;
            let b = sparse.run(&c).unwrap();
            sparse.certify_last().unwrap_or_else(|e| panic!("seed {seed} {objective:?}: {e}"));
            check_valid(&sparse, &p, &c, &b);
            assert!((a.total - b.total).abs() < 1e-6, "seed {seed} {objective:?}: {} vs {}", a.total, b.total);
            assert_eq!(a.pairs.len(), b.pairs.len(), "seed {seed} {objective:?}");
            if objective == Objective::Fair && !a.pairs.is_empty() {
                assert!((a.fairness.min - b.fairness.min).abs() < 1e-6);
            }
        }
    }
}

/// Pools large enough for the candidate searches, with more mentees than places and more
/// places than mentees: the rectangular assignment (no padding) against the b-matching path,
/// from scratch and re-solved from warm prices after weight changes, each with its proof.
#[test]
fn rectangular_pools_match_the_b_matching_and_prove_their_answer_cold_and_warm() {
    // One place each for the first and last pools: fewer places than mentees, so places are
    // the rows (90 × 150, and 70 × 71 near square); the second has more places than mentees.
    for (seed, mentors, mentees, one_place) in [(1u64, 90usize, 150usize, true), (2, 99, 70, false), (3, 70, 71, true)] {
        let mut p = problem(seed, mentors, mentees);
        if one_place {
            p.mentors.iter_mut().for_each(|m| m.capacity = 1);
        }
        let mut c = config(seed, Objective::Total);
        c.rules.pinned.clear();
        let mut rect = Engine::new(&p).unwrap();
        let mut reference = Engine::new(&p).unwrap();
        reference.dense_limit = 0;
        for step in 0..4 {
            if step > 0 {
                let crit = Criterion::ALL[step % Criterion::ALL.len()];
                c.weights.set(crit, (c.weights.get(crit) + 3.0) % 11.0);
            }
            let a = rect.run(&c).unwrap();
            rect.certify_last().unwrap_or_else(|e| panic!("{mentors} × {mentees} step {step}: {e}"));
            check_valid(&rect, &p, &c, &a);
            let b = reference.run(&c).unwrap();
            assert!((a.total - b.total).abs() < 1e-6, "{mentors} × {mentees} step {step}: {} vs {}", a.total, b.total);
            assert_eq!(a.pairs.len(), b.pairs.len(), "{mentors} × {mentees} step {step}");
            let places: u32 = p.mentors.iter().map(|m| m.capacity).sum();
            assert!(a.pairs.len() <= (places as usize).min(mentees));
        }
    }
}

#[test]
fn unmatched_people_are_told_why() {
    let mut p = problem(9, 1, 3);
    p.mentors[0].capacity = 1;
    p.mentors[0].languages = vec!["Klingon".into()];
    let c = Config::default();
    let r = run(&p, &c).unwrap();
    assert!(r.pairs.is_empty());
    for u in &r.unmatched {
        match &u.reason {
            UnmatchedReason::NoFeasiblePartner { most_common_rule } => assert!(!most_common_rule.is_empty()),
            other => panic!("expected no feasible partner, got {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn rules_capacities_pins_and_certificates_hold(seed in 0u64..10_000, nm in 1usize..9, ne in 1usize..14, pin_count in 0usize..3, objective in 0u8..3) {
        let p = problem(seed, nm, ne);
        let objective = [Objective::Total, Objective::Fair, Objective::Stable][objective as usize];
        let mut c = config(seed, objective);
        let mut engine = Engine::new(&p).unwrap();
        // Pin pairs that break no rule, within capacity.
        let mut load = std::collections::HashMap::new();
        for e in &p.mentees {
            if c.rules.pinned.len() >= pin_count { break; }
            if let Some(m) = p.mentors.iter().find(|m| engine.rule_break(&c.rules, m.id, e.id).is_none() && *load.get(&m.id).unwrap_or(&0) < m.capacity) {
                *load.entry(m.id).or_insert(0) += 1;
                c.rules.pinned.push((m.id, e.id));
            }
        }
        if ne > 2 && nm > 1 { c.rules.forbidden.push((p.mentors[nm - 1].id, p.mentees[ne - 1].id)); }
        c.rules.forbidden.retain(|f| !c.rules.pinned.contains(f));
        let r = engine.run(&c).unwrap();
        check_valid(&engine, &p, &c, &r);
        prop_assert!(engine.certify_last().is_ok());
        if objective == Objective::Stable { prop_assert_eq!(r.blocking_pairs, 0); }
        for u in r.unmatched.iter().filter(|u| !u.is_mentor) {
            // Nobody is left out while a feasible mentor with room remains, under the total objective.
            if objective == Objective::Total && matches!(u.reason, UnmatchedReason::Capacity) {
                for m in &p.mentors {
                    let room = r.pairs.iter().filter(|x| x.mentor == m.id).count() < m.capacity as usize;
                    let ok = engine.rule_break(&c.rules, m.id, u.id).is_none()
                        && !c.rules.forbidden.contains(&(m.id, u.id))
                        && engine.pair_score(&c, m.id, u.id).unwrap() >= c.rules.min_score;
                    prop_assert!(!(room && ok), "mentee {} left out beside mentor {} with room", u.id, m.id);
                }
            }
        }
    }
}

/// The engine solves on codes built from an index of the mentors and scores read from tables;
/// they must be the per-pair codes and the weighted sum over the criteria to the last bit, in
/// every direction, with wishes both ways, many slots and interest lists longer than the
/// table covers.
#[test]
fn indexed_codes_and_tabled_scores_equal_the_per_pair_ones_bit_for_bit() {
    for seed in 0..12u64 {
        let mut p = problem(seed, 9, 11);
        p.mentors[2].prefers.push(p.mentees[3].id);
        p.mentees[3].prefers.push(p.mentors[2].id);
        p.mentees[5].prefers.push(p.mentors[2].id);
        let many: Vec<String> = (0..40).map(|i| format!("Interest {i}")).collect();
        p.mentors[1].interests = many.clone();
        p.mentees[4].interests = many[5..].to_vec();
        p.mentees[6].level = -3;
        p.mentors[7].utc_offset_minutes = 345;
        if seed % 2 == 0 {
            // More slots than the flat layout takes: every overlap pair by pair.
            p.mentors[8].availability = (0..6).map(|d| WeeklySlot { start: d * 1440 + 480, end: d * 1440 + 600 }).collect();
        } else {
            // The flat 16-bit pass, with sums far past its range, and a mentee whose slot is
            // outside it (that row pair by pair).
            let week = WeeklySlot { start: 0, end: 10_080 };
            p.mentors[3].availability = vec![week; 4];
            p.mentees[1].availability = vec![week; 4];
            p.mentees[2].availability.push(WeeklySlot { start: 65_536 + 480, end: 65_536 + 600 });
        }
        p.mentees[7].availability.clear();
        p.mentors[0].offers.extend((0..8).map(|i| (SKILLS[i].to_string(), 2)));
        // Reporting lines and avoids both ways, deep and shallow.
        p.mentees[8].manager_chain = vec![999, p.mentors[3].id, p.mentors[4].id];
        p.mentors[5].manager_chain = vec![p.mentees[8].id];
        p.mentors[6].avoids.push(p.mentees[9].id);
        p.mentees[9].avoids.push(p.mentors[7].id);
        let (mut words, mut departments) = (score::Interner::default(), score::Interner::default());
        let mentors: Vec<_> = p.mentors.iter().map(|x| score::prepare(x, &mut words, &mut departments)).collect();
        let mentees: Vec<_> = p.mentees.iter().map(|x| score::prepare(x, &mut words, &mut departments)).collect();
        let axes = score::Axes::new(&mentors, &mentees).expect("a small pool fits the tables");
        let postings = score::Postings::new(&mentors, &mentees, words.names.len());
        let c = config(seed, Objective::Total);
        let w = c.weights.0.map(|x| x / c.weights.sum());
        for direction in [Direction::MentorJunior, Direction::MentorSenior, Direction::Peers] {
            let tables = score::Weighted::new(direction, &w, &axes);
            for (e, mentee) in mentees.iter().enumerate() {
                let lookup = score::MenteeTable::new(mentee, words.names.len());
                let codes: Vec<_> = mentors.iter().map(|m| score::pair_code(&lookup, m, mentee)).collect();
                let mut indexed = vec![score::PairCode::default(); mentors.len()];
                postings.row(e, mentee, &mut indexed);
                assert_eq!(indexed, codes, "seed {seed} mentee {e}: codes from the mentors' index");
                let mut variants = vec![Rules { reporting_chain_levels: Some(1), require_common_language: false, max_timezone_hours: None, min_level_gap: None, ..c.rules.clone() }];
                for (gap, hours) in [(Some(1), Some(8.0)), (Some(0), Some(0.0)), (Some(-2), Some(2.5)), (Some(1), Some(0.999)), (Some(1), Some(1.0)), (Some(3), Some(-1.0)), (None, Some(f64::NAN)), (Some(i32::MAX), Some(1e300))] {
                    variants.push(Rules { direction, min_level_gap: gap, max_timezone_hours: hours, ..c.rules.clone() });
                }
                for rules in variants {
                    let mut allowed = vec![false; mentors.len()];
                    postings.allowed_row(&rules, e, mentee, &codes, &mut allowed);
                    let each: Vec<bool> = mentors.iter().map(|m| score::table_allowed(&rules, &lookup, m, mentee)).collect();
                    assert_eq!(allowed, each, "seed {seed} mentee {e}: rules from the mentors' index");
                }
                let mut tabled = vec![f64::NAN; mentors.len()];
                tables.row(e, &codes, &mut tabled);
                for (m, x) in tabled.iter().enumerate() {
                    let y = score::code_score(direction, &w, codes[m], &mentors[m].figures(), &mentee.figures());
                    assert_eq!(x.to_bits(), y.to_bits(), "seed {seed} {direction:?} mentee {e} mentor {m}: {x} vs {y}");
                }
            }
        }
    }
}

/// Skills, languages and interests match whatever their case and surrounding spaces, accented
/// letters included; the first spelling seen is the one shown.
#[test]
fn words_match_regardless_of_case_and_spaces() {
    let mut words = score::Interner::default();
    let rust = words.id("Rust");
    assert_eq!(words.id(" rust "), rust);
    assert_eq!(words.id("RUST"), rust);
    let cafe = words.id("Café culture");
    assert_eq!(words.id("CAFÉ CULTURE "), cafe);
    assert_ne!(words.id("Cafe culture"), cafe);
    assert_ne!(words.id("Rusty"), rust);
    assert_eq!(words.names[rust as usize], "Rust");
    assert_eq!(words.names[cafe as usize], "Café culture");
}
