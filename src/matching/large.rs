//! Pools too large for a dense matrix (tens of thousands a side): solve exactly on a sparse
//! candidate graph — each mentee's best `k` mentors — then prove the answer optimal over *all*
//! pairs with the dual prices, adding any pair the proof finds wanting and solving again.
//!
//! The solver is successive shortest paths on the residual graph of the b-matching
//! (mentees → mentors with capacities → sink, and mentees → sink for "unmatched"), with node
//! potentials so Dijkstra sees non-negative costs, stopping each search at the sink.

use super::model::{Config, MatchError, PersonId, Problem};

use super::score::{self, Compact, Interner, MenteeTable, Prepared};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

/// Result of a large run: who is paired with whom, and how the answer was proved.
#[derive(Debug, Clone, PartialEq)]
pub struct LargeResult {
    /// (mentor, mentee, score), sorted by mentor then mentee.
    pub pairs: Vec<(PersonId, PersonId, f64)>,
    pub total: f64,
    /// Rounds of solve-then-certify (1 when the candidate graph was already enough).
    pub rounds: u32,
    /// Candidate pairs in the final graph.
    pub candidate_pairs: usize,
    /// Pairs whose scores were computed, over all rounds.
    pub pairs_scored: u64,
    /// The largest violation of the dual constraints over all pairs (≤ 0 means proved optimal).
    pub max_violation: f64,
    /// Dual prices: per mentee and per mentor (for checking the proof elsewhere).
    pub mentee_price: Vec<f64>,
    pub mentor_price: Vec<f64>,
}

#[derive(Clone, Copy, PartialEq)]
struct Key(f64, u32);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on distance, then node id for determinism.
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}

struct Prepared2 {
    mentors: Vec<Prepared>,
    mentees: Vec<Prepared>,
    capacity: Vec<u32>,
}

/// Runs `f(mentee_index)` for every mentee, on every core where threads exist.
fn for_each_mentee<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(16);
        if threads > 1 && n > 1000 {
            let chunk = n.div_ceil(threads);
            let f = &f;
            return std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|t| s.spawn(move || (t * chunk..((t + 1) * chunk).min(n)).map(f).collect::<Vec<T>>()))
                    .collect();
                handles.into_iter().flat_map(|h| h.join().expect("a scoring thread panicked")).collect()
            });
        }
    }
    (0..n).map(f).collect()
}

/// Solves a large pool under the *total* objective. `k` candidates per mentee to start with.
pub fn solve_large(problem: &Problem, config: &Config, k: usize) -> Result<LargeResult, MatchError> {
    // Reuse the engine's checks of ids, capacities and weights.
    super::engine::check_pool(problem)?;
    super::engine::check_weights(config)?;
    if !config.rules.pinned.is_empty() || !config.rules.forbidden.is_empty() {
        // Pins and forbids belong to interactive tuning on studio-sized pools.
        return Err(MatchError::UnknownId { what: "a large run (pins and forbids are not supported there)".into(), id: 0, side: "pair".into() });
    }
    let mut words = Interner::default();
    let mut departments = Interner::default();
    let p = Prepared2 {
        mentors: problem.mentors.iter().map(|x| score::prepare(x, &mut words, &mut departments)).collect(),
        mentees: problem.mentees.iter().map(|x| score::prepare(x, &mut words, &mut departments)).collect(),
        capacity: problem.mentors.iter().map(|x| x.capacity).collect(),
    };
    let rules = &config.rules;
    let total_w = config.weights.sum();
    let w: [f64; 7] = if total_w > 0.0 { config.weights.0.map(|x| x / total_w) } else { [0.0; 7] };
    let vocabulary = words.names.len();
    let compact: Vec<Compact> = p.mentors.iter().map(Compact::new).collect();
    // One pair's value, through the packed mentors where both sides allow it.
    let value = |table: &MenteeTable, m: usize, e: &Prepared, simple: bool| -> f64 {
        let c = &compact[m];
        if simple && !c.slow {
            score::compact_value(rules, &w, table, c, e)
        } else {
            score::pair_value(rules, &w, table, &p.mentors[m], e)
        }
    };
    let nm = p.mentors.len();
    let k = k.max(1).min(nm.max(1));

    // Pass 1: each mentee's best k mentors, and the best score left outside them.
    let firsts: Vec<(Vec<(u32, f64)>, f64)> = for_each_mentee(p.mentees.len(), |e| {
        let mentee = &p.mentees[e];
        let table = MenteeTable::new(mentee, vocabulary);
        let simple = score::simple_mentee(mentee);
        let mut top: Vec<(u32, f64)> = Vec::with_capacity(k + 1);
        let mut outside = 0.0f64;
        for m in 0..nm {
            let w = value(&table, m, mentee, simple);
            if w <= 0.0 {
                continue;
            }
            if top.len() < k {
                top.push((m as u32, w));
                if top.len() == k {
                    top.sort_by(|a, b| b.1.total_cmp(&a.1));
                }
            } else if w > top[k - 1].1 {
                outside = outside.max(top[k - 1].1);
                top[k - 1] = (m as u32, w);
                let mut i = k - 1;
                while i > 0 && top[i].1 > top[i - 1].1 {
                    top.swap(i, i - 1);
                    i -= 1;
                }
            } else {
                outside = outside.max(w);
            }
        }
        (top, outside)
    });
    let mut pairs_scored = (p.mentees.len() * nm) as u64;
    let mut arcs: Vec<Vec<(u32, f64)>> = Vec::with_capacity(firsts.len());
    let mut outside: Vec<f64> = Vec::with_capacity(firsts.len());
    for (top, out) in firsts {
        arcs.push(top);
        outside.push(out);
    }
    let mut rounds = 0;
    loop {
        rounds += 1;
        let sol = ssp(&arcs, &p.capacity, nm);
        // Prove it over all pairs. Arcs outside the candidates score at most `outside[e]`, so a
        // mentee whose price already covers that needs no rescan (mentor prices are ≥ 0).
        let uncertain: Vec<usize> = (0..p.mentees.len()).filter(|&e| sol.u[e] + 1e-9 < outside[e]).collect();
        // For each uncertain mentee: the pairs that break the proof, and the best score among
        // the remaining non-candidates (the new bound for the next round's proof).
        let found: Vec<(Vec<(u32, f64)>, f64)> = {
            let (u, v) = (&sol.u, &sol.v);
            let arcs_ref = &arcs;
            let p_ref = &p;
            for_each_mentee(uncertain.len(), |i| {
                let e = uncertain[i];
                let known: HashSet<u32> = arcs_ref[e].iter().map(|a| a.0).collect();
                let table = MenteeTable::new(&p_ref.mentees[e], vocabulary);
                let simple = score::simple_mentee(&p_ref.mentees[e]);
                let mut add = Vec::new();
                let mut rest = 0.0f64;
                for m in 0..nm {
                    if known.contains(&(m as u32)) {
                        continue;
                    }
                    let x = value(&table, m, &p_ref.mentees[e], simple);
                    if x > u[e] + v[m] + 1e-9 {
                        add.push((m as u32, x));
                    } else {
                        rest = rest.max(x);
                    }
                }
                (add, rest)
            })
        };
        pairs_scored += (uncertain.len() * nm) as u64;
        let mut added = 0;
        for (i, (list, rest)) in found.into_iter().enumerate() {
            let e = uncertain[i];
            added += list.len();
            arcs[e].extend(list);
            outside[e] = rest;
        }
        if added == 0 {
            let mut pairs: Vec<(PersonId, PersonId, f64)> = sol
                .mentor_of
                .iter()
                .enumerate()
                .filter_map(|(e, m)| m.map(|m| (p.mentors[m].id, p.mentees[e].id, sol.w_of[e])))
                .collect();
            pairs.sort_by_key(|x| (x.0, x.1));
            let total = pairs.iter().map(|x| x.2).sum();
            // Largest violation among candidate arcs (the others were proved above).
            let cand_violation = arcs
                .iter()
                .enumerate()
                .flat_map(|(e, list)| list.iter().map(move |&(m, w)| (e, m, w)))
                .map(|(e, m, w)| w - sol.u[e] - sol.v[m as usize])
                .fold(f64::NEG_INFINITY, f64::max);
            return Ok(LargeResult {
                pairs,
                total,
                rounds,
                candidate_pairs: arcs.iter().map(|a| a.len()).sum(),
                pairs_scored,
                max_violation: cand_violation,
                mentee_price: sol.u,
                mentor_price: sol.v,
            });
        }
    }
}

struct Sparse {
    mentor_of: Vec<Option<usize>>,
    w_of: Vec<f64>,
    /// Dual prices (max form): u ≥ 0 per mentee, v ≥ 0 per mentor, u + v ≥ w on every arc.
    u: Vec<f64>,
    v: Vec<f64>,
}

/// Max-weight b-matching on the candidate arcs by successive shortest paths.
fn ssp(arcs: &[Vec<(u32, f64)>], capacity: &[u32], nm: usize) -> Sparse {
    let ne = arcs.len();
    // Nodes: mentees 0..ne, mentors ne..ne+nm, sink ne+nm. Costs are -w on mentee→mentor.
    let sink = ne + nm;
    let n = sink + 1;
    let mut phi = vec![0.0f64; n];
    // Start with potentials that make every arc's reduced cost non-negative.
    for list in arcs {
        for &(m, w) in list {
            let node = ne + m as usize;
            phi[node] = phi[node].min(-w);
        }
    }
    phi[sink] = phi[ne..sink].iter().copied().fold(0.0, f64::min);
    let mut mentor_of: Vec<Option<usize>> = vec![None; ne];
    let mut w_of = vec![0.0f64; ne];
    let mut holders: Vec<Vec<u32>> = vec![Vec::new(); nm];
    let mut dist = vec![f64::INFINITY; n];
    let mut prev = vec![u32::MAX; n];
    let mut stamp = vec![0u32; n];
    let mut done = vec![0u32; n];
    let mut settled: Vec<usize> = Vec::new();
    let mut heap = BinaryHeap::new();
    for (s, list) in arcs.iter().enumerate() {
        if list.is_empty() {
            continue; // unmatched: routed straight to the sink at no cost
        }
        let gen = s as u32 + 1;
        heap.clear();
        settled.clear();
        dist[s] = 0.0;
        stamp[s] = gen;
        prev[s] = u32::MAX;
        heap.push(Key(0.0, s as u32));
        let relax = |to: usize, d: f64, from: usize, heap: &mut BinaryHeap<Key>, dist: &mut Vec<f64>, prev: &mut Vec<u32>, stamp: &mut Vec<u32>| {
            if stamp[to] != gen || d < dist[to] {
                stamp[to] = gen;
                dist[to] = d;
                prev[to] = from as u32;
                heap.push(Key(d, to as u32));
            }
        };
        while let Some(Key(d, x)) = heap.pop() {
            let x = x as usize;
            if done[x] == gen || d > dist[x] {
                continue;
            }
            done[x] = gen;
            settled.push(x);
            if x == sink {
                break;
            }
            if x < ne {
                // A mentee: to its candidate mentors, or straight to the sink (unmatched).
                for &(m, w) in &arcs[x] {
                    let node = ne + m as usize;
                    if mentor_of[x] == Some(m as usize) {
                        continue;
                    }
                    let rc = -w + phi[x] - phi[node];
                    relax(node, d + rc.max(0.0), x, &mut heap, &mut dist, &mut prev, &mut stamp);
                }
                if x != s || mentor_of[x].is_none() {
                    let rc = phi[x] - phi[sink];
                    relax(sink, d + rc.max(0.0), x, &mut heap, &mut dist, &mut prev, &mut stamp);
                }
            } else {
                let m = x - ne;
                if (holders[m].len() as u32) < capacity[m] {
                    let rc = phi[x] - phi[sink];
                    relax(sink, d + rc.max(0.0), x, &mut heap, &mut dist, &mut prev, &mut stamp);
                }
                for &r in &holders[m] {
                    let r = r as usize;
                    let rc = w_of[r] + phi[x] - phi[r];
                    relax(r, d + rc.max(0.0), x, &mut heap, &mut dist, &mut prev, &mut stamp);
                }
            }
        }
        let dt = dist[sink];
        // Potentials: settled nodes closer than the sink move by the difference.
        for &x in &settled {
            if dist[x] < dt {
                phi[x] -= dt - dist[x];
            }
        }
        // Augment: walk back from the sink.
        let mut node = sink;
        let mut last_row_to_sink: Option<usize> = None;
        let mut steps: Vec<(usize, usize)> = Vec::new();
        while node != s {
            let from = prev[node] as usize;
            if node == sink {
                if from < ne {
                    last_row_to_sink = Some(from);
                }
            } else {
                steps.push((from, node));
            }
            node = from;
        }
        // Steps alternate mentee→mentor (assign) and mentor→mentee (release), from the sink end.
        for &(from, to) in steps.iter().rev() {
            if from < ne && to >= ne {
                let m = to - ne;
                if let Some(old) = mentor_of[from] {
                    holders[old].retain(|&r| r as usize != from);
                }
                mentor_of[from] = Some(m);
                w_of[from] = arcs[from].iter().find(|a| a.0 as usize == m).map(|a| a.1).unwrap_or(0.0);
                holders[m].push(from as u32);
            }
        }
        if let Some(r) = last_row_to_sink {
            // The path ended with a displaced mentee leaving for "unmatched".
            if r != s {
                if let Some(old) = mentor_of[r].take() {
                    holders[old].retain(|&x| x as usize != r);
                    w_of[r] = 0.0;
                }
            }
        }
    }
    // Duals in the max form (see the module text): u = φ(row) − φ(sink), v = max(0, φ(sink) − φ(mentor)).
    let u: Vec<f64> = (0..ne).map(|r| if arcs[r].is_empty() { 0.0 } else { (phi[r] - phi[sink]).max(0.0) }).collect();
    let v: Vec<f64> = (0..nm).map(|m| (phi[sink] - phi[ne + m]).max(0.0)).collect();
    Sparse { mentor_of, w_of, u, v }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{synthetic, Engine, Objective};

    #[test]
    fn the_sparse_answer_equals_the_dense_optimum_and_is_proved_over_all_pairs() {
        for (seed, mentors, mentees, cap, k) in [(1, 30, 50, 2, 2), (2, 60, 40, 1, 3), (3, 25, 90, 3, 1), (4, 80, 80, 1, 5)] {
            let mut problem = synthetic::reverse_pool(seed, mentors, mentees, cap);
            if seed % 2 == 0 {
                // Reporting lines and wishes take the general scoring path.
                let first_mentor = problem.mentors[0].id;
                problem.mentees[0].manager_chain = vec![first_mentor];
                problem.mentees[1].prefers = vec![problem.mentors[1].id];
                problem.mentors[2].avoids = vec![problem.mentees[2].id];
            }
            let mut config = Config { objective: Objective::Total, ..Config::default() };
            config.rules.min_score = 0.2;
            let dense = Engine::new(&problem).unwrap().run(&config).unwrap();
            let large = solve_large(&problem, &config, k).unwrap();
            assert!((dense.total - large.total).abs() < 1e-6, "seed {seed}: dense {} sparse {}", dense.total, large.total);
            // Check the proof independently: u + v ≥ w for every pair, tight on pairs, zero
            // prices for the unmatched and for mentors with room; then the totals agree.
            let mut engine = Engine::new(&problem).unwrap();
            let w = engine.score_matrix(&config);
            let nm = problem.mentors.len();
            for e in 0..problem.mentees.len() {
                for m in 0..nm {
                    let slack = large.mentee_price[e] + large.mentor_price[m] - w[e * nm + m];
                    assert!(slack > -1e-6, "seed {seed}: dual constraint broken at ({e}, {m}) by {slack}");
                }
            }
            let dual: f64 = large.mentee_price.iter().sum::<f64>()
                + large.mentor_price.iter().zip(&problem.mentors).map(|(v, m)| v * m.capacity as f64).sum::<f64>();
            assert!((dual - large.total).abs() < 1e-5, "seed {seed}: dual {dual} vs primal {}", large.total);
            if k <= 2 {
                assert!(large.pairs_scored >= (mentors * mentees) as u64);
            }
            let mut load = std::collections::HashMap::new();
            for (m, _, _) in &large.pairs {
                *load.entry(*m).or_insert(0) += 1;
                assert!(load[m] <= cap);
            }
        }
    }
}
