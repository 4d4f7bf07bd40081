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
    /// Where the time went: (phase, seconds). Empty in the browser build (no clock there).
    pub timings: Vec<(String, f64)>,
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

/// How many extra candidate pairs a mentee gains when the proof finds it wanting.
const EXTRA: usize = 64;

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

    let mut timings: Vec<(String, f64)> = Vec::new();
    let mut clock = Clock::start();
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
    clock.lap("score all pairs, keep the best k", &mut timings);
    let mut arcs: Vec<Vec<(u32, f64)>> = Vec::with_capacity(firsts.len());
    let mut outside: Vec<f64> = Vec::with_capacity(firsts.len());
    for (top, out) in firsts {
        arcs.push(top);
        outside.push(out);
    }
    let mut rounds = 0;
    let mut flow = Flow::new(&arcs, &p.capacity);
    let mut heap = BinaryHeap::new();
    let mut settled = Vec::new();
    let mut to_route: Vec<usize> = (0..arcs.len()).collect();
    loop {
        rounds += 1;
        for &r in &to_route {
            flow.route(r, &arcs, &mut heap, &mut settled);
        }
        let (u_prices, v_prices) = flow.prices(&arcs);
        let sol = Sparse { mentor_of: flow.mentor_of.clone(), w_of: flow.w_of.clone(), u: u_prices, v: v_prices };
        clock.lap(&format!("route {} mentees on candidates (round {rounds})", to_route.len()), &mut timings);
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
                // Pairs above the mentee's own price could break the proof whatever the
                // mentor prices do; when any pair does break it, take the best of those in
                // too (up to EXTRA), so the mentee is settled in one round rather than many.
                let mut over: Vec<(u32, f64)> = Vec::new();
                let mut violated = false;
                let mut rest = 0.0f64;
                for m in 0..nm {
                    if known.contains(&(m as u32)) {
                        continue;
                    }
                    let x = value(&table, m, &p_ref.mentees[e], simple);
                    if x > u[e] + 1e-9 {
                        violated |= x > u[e] + v[m] + 1e-9;
                        over.push((m as u32, x));
                    } else {
                        rest = rest.max(x);
                    }
                }
                let mut add = Vec::new();
                if violated {
                    over.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                    for (i, (m, x)) in over.into_iter().enumerate() {
                        if i < EXTRA || x > u[e] + v[m as usize] + 1e-9 {
                            add.push((m, x));
                        } else {
                            rest = rest.max(x);
                        }
                    }
                } else {
                    for (_, x) in over {
                        rest = rest.max(x);
                    }
                }
                (add, rest)
            })
        };
        pairs_scored += (uncertain.len() * nm) as u64;
        clock.lap(&format!("prove over all pairs, rescanning {} mentees (round {rounds})", uncertain.len()), &mut timings);
        let mut added = 0;
        to_route.clear();
        for (i, (list, rest)) in found.into_iter().enumerate() {
            let e = uncertain[i];
            outside[e] = rest;
            if !list.is_empty() {
                added += list.len();
                arcs[e].extend(list);
            }
        }
        if added > 0 {
            flow.restart(&arcs);
            to_route.extend(0..arcs.len());
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
                timings,
                mentee_price: sol.u,
                mentor_price: sol.v,
            });
        }
    }
}

struct Sparse {
    mentor_of: Vec<Option<usize>>,
    w_of: Vec<f64>,
    u: Vec<f64>,
    v: Vec<f64>,
}

/// Phase timing where a clock exists (not in the browser build).
struct Clock {
    #[cfg(not(target_arch = "wasm32"))]
    at: std::time::Instant,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            #[cfg(not(target_arch = "wasm32"))]
            at: std::time::Instant::now(),
        }
    }
    fn lap(&mut self, _what: &str, _out: &mut Vec<(String, f64)>) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let now = std::time::Instant::now();
            _out.push((_what.to_string(), (now - self.at).as_secs_f64()));
            self.at = now;
        }
    }
}

/// The b-matching as a flow with node potentials, kept between proof rounds so that only the
/// mentees who gained pairs are routed again.
struct Flow {
    ne: usize,
    sink: usize,
    phi: Vec<f64>,
    mentor_of: Vec<Option<usize>>,
    w_of: Vec<f64>,
    holders: Vec<Vec<u32>>,
    capacity: Vec<u32>,
    dist: Vec<f64>,
    prev: Vec<u32>,
    stamp: Vec<u32>,
    done: Vec<u32>,
    generation: u32,
}

impl Flow {
    fn new(arcs: &[Vec<(u32, f64)>], capacity: &[u32]) -> Flow {
        let (ne, nm) = (arcs.len(), capacity.len());
        let sink = ne + nm;
        let n = sink + 1;
        let mut phi = vec![0.0f64; n];
        // Potentials that make every arc's reduced cost non-negative to begin with.
        for list in arcs {
            for &(m, w) in list {
                let node = ne + m as usize;
                phi[node] = phi[node].min(-w);
            }
        }
        phi[sink] = phi[ne..sink].iter().copied().fold(0.0, f64::min);
        Flow {
            ne,
            sink,
            phi,
            mentor_of: vec![None; ne],
            w_of: vec![0.0; ne],
            holders: vec![Vec::new(); nm],
            capacity: capacity.to_vec(),
            dist: vec![f64::INFINITY; n],
            prev: vec![u32::MAX; n],
            stamp: vec![0; n],
            done: vec![0; n],
            generation: 0,
        }
    }

    /// Empties the flow but keeps the potentials, adjusted so every arc — including arcs
    /// just added — has a non-negative reduced cost: with no flow there are no arcs out of the
    /// sink, so lowering the sink's potential is safe; mentees are lifted over their arcs.
    fn restart(&mut self, arcs: &[Vec<(u32, f64)>]) {
        let (ne, sink) = (self.ne, self.sink);
        self.mentor_of.iter_mut().for_each(|m| *m = None);
        self.w_of.iter_mut().for_each(|w| *w = 0.0);
        self.holders.iter_mut().for_each(|h| h.clear());
        let lowest = self.phi[ne..sink].iter().copied().fold(self.phi[sink], f64::min);
        self.phi[sink] = lowest;
        for (r, list) in arcs.iter().enumerate() {
            let mut lift = self.phi[sink];
            for &(m, w) in list {
                lift = lift.max(w + self.phi[ne + m as usize]);
            }
            self.phi[r] = self.phi[r].max(lift);
        }
    }

    /// Routes mentee `s` (not in the flow) along a shortest path to the sink.
    fn route(&mut self, s: usize, arcs: &[Vec<(u32, f64)>], heap: &mut BinaryHeap<Key>, settled: &mut Vec<usize>) {
        if arcs[s].is_empty() {
            return; // unmatched: straight to the sink at no cost
        }
        let (ne, sink) = (self.ne, self.sink);
        self.generation += 1;
        let gen = self.generation;
        heap.clear();
        settled.clear();
        self.dist[s] = 0.0;
        self.stamp[s] = gen;
        self.prev[s] = u32::MAX;
        heap.push(Key(0.0, s as u32));
        macro_rules! relax {
            ($to:expr, $d:expr, $from:expr) => {{
                let to: usize = $to;
                let d: f64 = $d;
                if self.stamp[to] != gen || d < self.dist[to] {
                    self.stamp[to] = gen;
                    self.dist[to] = d;
                    self.prev[to] = $from as u32;
                    heap.push(Key(d, to as u32));
                }
            }};
        }
        while let Some(Key(d, x)) = heap.pop() {
            let x = x as usize;
            if self.done[x] == gen || d > self.dist[x] {
                continue;
            }
            self.done[x] = gen;
            settled.push(x);
            if x == sink {
                break;
            }
            if x < ne {
                for &(m, w) in &arcs[x] {
                    if self.mentor_of[x] == Some(m as usize) {
                        continue;
                    }
                    let node = ne + m as usize;
                    let rc = -w + self.phi[x] - self.phi[node];
                    relax!(node, d + rc.max(0.0), x);
                }
                let rc = self.phi[x] - self.phi[sink];
                relax!(sink, d + rc.max(0.0), x);
            } else {
                let m = x - ne;
                if (self.holders[m].len() as u32) < self.capacity[m] {
                    let rc = self.phi[x] - self.phi[sink];
                    relax!(sink, d + rc.max(0.0), x);
                }
                for i in 0..self.holders[m].len() {
                    let r = self.holders[m][i] as usize;
                    let rc = self.w_of[r] + self.phi[x] - self.phi[r];
                    relax!(r, d + rc.max(0.0), x);
                }
            }
        }
        let dt = self.dist[sink];
        for &x in settled.iter() {
            if self.dist[x] < dt {
                self.phi[x] -= dt - self.dist[x];
            }
        }
        // Walk back from the sink: mentee→mentor steps assign, and a displaced mentee that
        // goes straight to the sink becomes unmatched.
        let mut steps: Vec<(usize, usize)> = Vec::new();
        let mut to_sink_row: Option<usize> = None;
        let mut node = sink;
        while node != s {
            let from = self.prev[node] as usize;
            if node == sink {
                if from < ne {
                    to_sink_row = Some(from);
                }
            } else {
                steps.push((from, node));
            }
            node = from;
        }
        for &(from, to) in steps.iter().rev() {
            if from < ne && to >= ne {
                let m = to - ne;
                if let Some(old) = self.mentor_of[from] {
                    self.holders[old].retain(|&r| r as usize != from);
                }
                self.mentor_of[from] = Some(m);
                self.w_of[from] = arcs[from].iter().find(|a| a.0 as usize == m).map(|a| a.1).unwrap_or(0.0);
                self.holders[m].push(from as u32);
            }
        }
        if let Some(r) = to_sink_row {
            if r != s {
                if let Some(old) = self.mentor_of[r].take() {
                    self.holders[old].retain(|&x| x as usize != r);
                    self.w_of[r] = 0.0;
                }
            }
        }
    }

    /// Dual prices in the max form: u = φ(mentee) − φ(sink), v = max(0, φ(sink) − φ(mentor)).
    fn prices(&self, arcs: &[Vec<(u32, f64)>]) -> (Vec<f64>, Vec<f64>) {
        let (ne, sink) = (self.ne, self.sink);
        let u = (0..ne).map(|r| if arcs[r].is_empty() { 0.0 } else { (self.phi[r] - self.phi[sink]).max(0.0) }).collect();
        let v = (0..self.capacity.len()).map(|m| (self.phi[sink] - self.phi[ne + m]).max(0.0)).collect();
        (u, v)
    }
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
