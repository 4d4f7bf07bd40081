//! Pools too large for a dense matrix (tens of thousands a side): solve exactly on a sparse
//! candidate graph — each mentee's best `k` mentors — then prove the answer optimal over *all*
//! pairs with the dual prices, adding any pair the proof finds wanting and solving again.
//!
//! The solver is successive shortest paths on the residual graph of the b-matching
//! (mentees → mentors with capacities → sink, and mentees → sink for "unmatched"), with node
//! potentials so Dijkstra sees non-negative costs, stopping each search at the sink.

use super::model::{Config, MatchError, PersonId, Problem};

use super::par;
use super::score::{self, Axes, Compact, Interner, MenteeTable, PairCode, Postings, Prepared, Weighted};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

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

/// A search's queue entry: distance, then node id (lowest first on both).
#[derive(Clone, Copy, PartialEq)]
pub(crate) struct Key(pub f64, pub u32);
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


/// The most pairs a mentee's watch list keeps (beyond it, the mentee is rescanned instead).
const WATCH_LIMIT: usize = 4096;

/// How many extra candidate pairs a mentee gains when the proof finds it wanting.
const EXTRA: usize = 64;

/// A solved b-matching with its proof.
pub(crate) struct BMatch {
    pub mentor_of: Vec<Option<usize>>,
    pub w_of: Vec<f64>,
    /// Prices in the max form: u per row ≥ 0, v per mentor ≥ 0, u + v ≥ w for every pair.
    pub u: Vec<f64>,
    pub v: Vec<f64>,
    pub rounds: u32,
    pub candidate_pairs: usize,
    pub pairs_scored: u64,
    pub max_violation: f64,
    pub timings: Vec<(String, f64)>,
}

/// Max-weight b-matching of `rows` mentees to mentors with `capacity`, exact over all pairs.
/// `scan(r, emit)` calls `emit(m, w)`, in increasing `m`, for every mentor `m` whose pair with
/// row `r` has value `w > 0` (pairs not emitted are worth 0: ruled out). The answer is found on each row's best
/// `k` pairs and proved over all of them by the dual prices; rows the proof finds wanting
/// gain pairs and the flow is routed again, until the proof holds.
pub(crate) fn bmatch(rows: usize, capacity: &[u32], k: usize, scan: &(dyn Fn(usize, &mut dyn FnMut(usize, f64)) + Sync)) -> BMatch {
    let nm = capacity.len();
    let k = k.max(1).min(nm.max(1));
    let mut timings: Vec<(String, f64)> = Vec::new();
    let mut clock = Clock::start();
    // Pass 1: each row's best k mentors, and the best value left outside them.
    let firsts: Vec<(Vec<(u32, f64)>, f64)> = par::map(rows, nm, |r| {
        let mut top: Vec<(u32, f64)> = Vec::with_capacity(k + 1);
        let mut outside = 0.0f64;
        scan(r, &mut |m, w| {
            if capacity[m] == 0 {
                return;
            }
            if top.len() < k {
                top.push((m as u32, w));
                if top.len() == k {
                    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
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
        });
        (top, outside)
    });
    let mut pairs_scored = (rows * nm) as u64;
    clock.lap("score all pairs, keep the best k", &mut timings);
    let mut arcs: Vec<Vec<(u32, f64)>> = Vec::with_capacity(rows);
    let mut outside: Vec<f64> = Vec::with_capacity(rows);
    for (top, out) in firsts {
        arcs.push(top);
        outside.push(out);
    }
    let mut watched: Vec<Vec<(u32, f64)>> = vec![Vec::new(); rows];
    let mut rounds = 0;
    let mut flow = Flow::new(&arcs, capacity);
    let mut heap = BinaryHeap::new();
    let mut settled = Vec::new();
    let mut to_route: Vec<usize> = (0..rows).collect();
    loop {
        rounds += 1;
        for &r in &to_route {
            flow.route(r, &arcs, &mut heap, &mut settled);
        }
        let (u, v) = flow.prices();
        if !to_route.is_empty() {
            clock.lap(&format!("route {} mentees on candidates (round {rounds})", to_route.len()), &mut timings);
        }
        let arcs_before: Vec<usize> = arcs.iter().map(|a| a.len()).collect();
        // Prove it over all pairs. Pairs outside the candidates are either on the row's watch
        // list (checked one by one) or worth at most `outside[r]`, so a row whose price covers
        // that needs no rescan (v ≥ 0).
        let mut added = 0;
        for r in 0..rows {
            if u[r] + 1e-9 < outside[r] || watched[r].is_empty() {
                continue;
            }
            let (list, ur) = (&mut watched[r], u[r]);
            let before = arcs[r].len();
            list.retain(|&(m, x)| {
                if x > ur + v[m as usize] + 1e-9 {
                    arcs[r].push((m, x));
                    false
                } else if x <= ur + 1e-9 {
                    outside[r] = outside[r].max(x);
                    false
                } else {
                    true
                }
            });
            added += arcs[r].len() - before;
        }
        let uncertain: Vec<usize> = (0..rows).filter(|&r| u[r] + 1e-9 < outside[r]).collect();
        type Rescan = (Vec<(u32, f64)>, f64, Vec<(u32, f64)>);
        let found: Vec<Rescan> = {
            let (u, v, arcs_ref) = (&u, &v, &arcs);
            par::map(uncertain.len(), nm, |i| {
                let r = uncertain[i];
                // The row's candidates, sorted: mentors come in increasing order, so one
                // cursor tells whether each is a candidate already.
                let mut known: Vec<u32> = arcs_ref[r].iter().map(|a| a.0).collect();
                known.sort_unstable();
                let mut cursor = 0;
                // Pairs above the row's own price could break the proof whatever the mentor
                // prices do; when one does, the best of them come in too (up to EXTRA). The
                // rest of them are watched: later rounds check them without a rescan.
                let mut over: Vec<(u32, f64)> = Vec::new();
                let mut violated = false;
                let mut rest = 0.0f64;
                scan(r, &mut |m, x| {
                    while cursor < known.len() && (known[cursor] as usize) < m {
                        cursor += 1;
                    }
                    if capacity[m] == 0 || known.get(cursor) == Some(&(m as u32)) {
                        return;
                    }
                    if x > u[r] + 1e-9 {
                        violated |= x > u[r] + v[m] + 1e-9;
                        over.push((m as u32, x));
                    } else {
                        rest = rest.max(x);
                    }
                });
                let mut add = Vec::new();
                let mut watch = Vec::new();
                if violated {
                    over.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                }
                for (i, (m, x)) in over.into_iter().enumerate() {
                    if x > u[r] + v[m as usize] + 1e-9 || (violated && i < EXTRA) {
                        add.push((m, x));
                    } else {
                        watch.push((m, x));
                    }
                }
                if watch.len() > WATCH_LIMIT {
                    rest = watch.iter().fold(rest, |a, w| a.max(w.1));
                    watch.clear();
                }
                (add, rest, watch)
            })
        };
        pairs_scored += (uncertain.len() * nm) as u64;
        clock.lap(&format!("prove over all pairs, rescanning {} mentees (round {rounds})", uncertain.len()), &mut timings);
        to_route.clear();
        for (i, (list, rest, watch)) in found.into_iter().enumerate() {
            let r = uncertain[i];
            outside[r] = rest;
            watched[r] = watch;
            if !list.is_empty() {
                added += list.len();
                arcs[r].extend(list);
            }
        }
        let gained: Vec<usize> = (0..rows).filter(|&r| arcs[r].len() > arcs_before[r]).collect();
        if added == 0 {
            let max_violation = arcs
                .iter()
                .enumerate()
                .flat_map(|(r, list)| list.iter().map(move |&(m, w)| (r, m, w)))
                .map(|(r, m, w)| w - u[r] - v[m as usize])
                .fold(f64::NEG_INFINITY, f64::max);
            return BMatch {
                mentor_of: flow.mentor_of.clone(),
                w_of: flow.w_of.clone(),
                u,
                v,
                rounds,
                candidate_pairs: arcs.iter().map(|a| a.len()).sum(),
                pairs_scored,
                max_violation,
                timings,
            };
        }
        // First try routing again only the mentees who gained pairs, everyone else keeping
        // their partner. That is exact when the prices that come out of it still prove the
        // matching on every candidate pair (a place given up can leave a mentor with room but
        // a price); otherwise start the flow again for everyone.
        let kept = flow.clone();
        let mut released = vec![false; rows];
        for &r in &gained {
            flow.release(r);
            released[r] = true;
        }
        // A mentor someone left may now have room but still a price: fill the place or free
        // it first, so that every reduced cost is non-negative again before routing.
        let mut by_mentor: Vec<Vec<(u32, f64)>> = vec![Vec::new(); capacity.len()];
        for (r, list) in arcs.iter().enumerate() {
            for &(m, w) in list {
                by_mentor[m as usize].push((r as u32, w));
            }
        }
        for m in 0..capacity.len() {
            // One place at a time (a mentor may have been left by several).
            while flow.priced_room(m) {
                flow.fill_or_free(m, &arcs, &by_mentor, &released, &mut heap, &mut settled);
            }
        }
        for &r in &gained {
            flow.lift(r, &arcs);
        }
        for &r in &gained {
            flow.route(r, &arcs, &mut heap, &mut settled);
        }
        if flow.proves(&arcs) {
            clock.lap(&format!("re-route the {} mentees who gained pairs (round {rounds})", gained.len()), &mut timings);
            continue;
        }
        flow = kept;
        flow.restart(&arcs);
        to_route.extend(0..rows);
    }
}

/// Solves a large pool under the *total* objective. `k` candidates per mentee to start with.
pub fn solve_large(problem: &Problem, config: &Config, k: usize) -> Result<LargeResult, MatchError> {
    super::engine::check_pool(problem)?;
    super::engine::check_config(config)?;
    if !config.rules.pinned.is_empty() || !config.rules.forbidden.is_empty() {
        // Pins and forbids belong to interactive tuning on studio-sized pools (the engine).
        return Err(MatchError::UnknownId { what: "a large run (pins and forbids are not supported there)".into(), id: 0, side: "pair".into() });
    }
    let mut words = Interner::default();
    let mut departments = Interner::default();
    let mentors: Vec<Prepared> = problem.mentors.iter().map(|x| score::prepare(x, &mut words, &mut departments)).collect();
    let mentees: Vec<Prepared> = problem.mentees.iter().map(|x| score::prepare(x, &mut words, &mut departments)).collect();
    let capacity: Vec<u32> = problem.mentors.iter().map(|x| x.capacity).collect();
    let rules = &config.rules;
    let w = score::unit_weights(&config.weights);
    let vocabulary = words.names.len();
    // A mentee's row as the engine builds it (codes from the mentors' index, rules as flat
    // comparisons, scores from tables), in buffers each thread keeps; pools with too many
    // distinct levels or timezones for the tables are scored pair by pair.
    let postings = Postings::new(&mentors, &mentees, vocabulary);
    let axes = Axes::new(&mentors, &mentees);
    let tables = axes.as_ref().map(|a| Weighted::new(rules.direction, &w, a));
    // Packed mentors only for the pair-by-pair path.
    let compact: Vec<Compact> = if tables.is_none() { mentors.iter().map(Compact::new).collect() } else { Vec::new() };
    thread_local! {
        static ROW: RefCell<(Vec<PairCode>, Vec<bool>, Vec<f64>)> = const { RefCell::new((Vec::new(), Vec::new(), Vec::new())) };
    }
    let scan = |r: usize, emit: &mut dyn FnMut(usize, f64)| {
        let e = &mentees[r];
        if let Some(t) = &tables {
            ROW.with(|row| {
                let (codes, allowed, values) = &mut *row.borrow_mut();
                codes.clear();
                codes.resize(mentors.len(), PairCode::default());
                allowed.resize(mentors.len(), false);
                values.resize(mentors.len(), 0.0);
                postings.row(r, e, codes);
                postings.allowed_row(rules, r, e, codes, allowed);
                t.row(r, codes, values);
                for (m, (&x, &ok)) in values.iter().zip(allowed.iter()).enumerate() {
                    if ok && score::acceptable(x, rules.min_score) {
                        emit(m, x);
                    }
                }
            });
            return;
        }
        let table = MenteeTable::new(e, vocabulary);
        let simple = score::simple_mentee(e);
        for (m, c) in compact.iter().enumerate() {
            let x = if simple && !c.slow {
                score::compact_value(rules, &w, &table, c, e)
            } else {
                score::pair_value(rules, &w, &table, &mentors[m], e)
            };
            if x > 0.0 {
                emit(m, x);
            }
        }
    };
    let b = bmatch(mentees.len(), &capacity, k, &scan);
    let mut pairs: Vec<(PersonId, PersonId, f64)> = b
        .mentor_of
        .iter()
        .enumerate()
        .filter_map(|(e, m)| m.map(|m| (mentors[m].id, mentees[e].id, b.w_of[e])))
        .collect();
    pairs.sort_by_key(|x| (x.0, x.1));
    let total = pairs.iter().map(|x| x.2).sum();
    Ok(LargeResult {
        pairs,
        total,
        rounds: b.rounds,
        candidate_pairs: b.candidate_pairs,
        pairs_scored: b.pairs_scored,
        max_violation: b.max_violation,
        timings: b.timings,
        mentee_price: b.u,
        mentor_price: b.v,
    })
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
#[derive(Clone)]
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

    /// Takes mentee `r` out of the flow (to be routed again once the places it left are
    /// settled).
    fn release(&mut self, r: usize) {
        if let Some(m) = self.mentor_of[r].take() {
            self.holders[m].retain(|&x| x as usize != r);
        }
        self.w_of[r] = 0.0;
    }

    /// Lifts the potential of mentee `r` (out of the flow) over all its pairs and the sink, so
    /// every arc out of it has a non-negative reduced cost before it is routed.
    fn lift(&mut self, r: usize, arcs: &[Vec<(u32, f64)>]) {
        let (ne, sink) = (self.ne, self.sink);
        let lift = arcs[r].iter().fold(self.phi[sink], |a, &(m, w)| a.max(w + self.phi[ne + m as usize]));
        self.phi[r] = self.phi[r].max(lift);
    }

    /// Whether mentor `m` has room but a price above 0 (which the proof does not allow).
    fn priced_room(&self, m: usize) -> bool {
        (self.holders[m].len() as u32) < self.capacity[m] && self.phi[self.sink] - self.phi[self.ne + m] > 1e-9
    }

    /// Mentor `m` has room but a price: either someone moves in — along a chain of moves that
    /// ends with an unmatched mentee joining, or with another mentor keeping a place free at
    /// price 0 — or its own price drops to 0, whichever costs least. A shortest path on reduced
    /// costs from `m` backwards through the flow (mentor ← mentee who would move in ← the
    /// mentor that mentee leaves ...), with the potentials moved as a forward route moves them.
    fn fill_or_free(
        &mut self,
        m: usize,
        arcs: &[Vec<(u32, f64)>],
        by_mentor: &[Vec<(u32, f64)>],
        released: &[bool],
        heap: &mut BinaryHeap<Key>,
        settled: &mut Vec<usize>,
    ) {
        let (ne, sink) = (self.ne, self.sink);
        let start = ne + m;
        let gen = self.begin(start, heap, settled);
        macro_rules! relax {
            ($to:expr, $d:expr, $from:expr) => {
                self.relax(heap, gen, $to, $d, $from)
            };
        }
        // The sink stands for "stop here".
        while let Some((d, x)) = self.settle(heap, settled, gen) {
            if x == sink {
                break;
            }
            if x >= ne {
                // A mentor that would have room: stop, its price going to 0; or someone moves in.
                let mentor = x - ne;
                relax!(sink, d + (self.phi[sink] - self.phi[x]).max(0.0), x);
                for &(r, w) in &by_mentor[mentor] {
                    let r = r as usize;
                    if self.mentor_of[r] != Some(mentor) && !released[r] {
                        relax!(r, d + (self.phi[r] - self.phi[x] - w).max(0.0), x);
                    }
                }
            } else {
                // A mentee who would move: it leaves its mentor, or was unmatched and joins.
                match self.mentor_of[x] {
                    Some(y) => relax!(ne + y, d + (self.w_of[x] + self.phi[ne + y] - self.phi[x]).max(0.0), x),
                    None => relax!(sink, d + (self.phi[sink] - self.phi[x]).max(0.0), x),
                }
            }
        }
        let reach = self.dist[sink];
        for &x in settled.iter() {
            if x != sink && self.dist[x] < reach {
                self.phi[x] += reach - self.dist[x];
            }
        }
        // Make the moves, from the end of the chain back to `m`.
        let mut node = self.prev[sink] as usize;
        while node != start {
            let row = if node >= ne { self.prev[node] as usize } else { node };
            let into = self.prev[row] as usize - ne;
            if let Some(old) = self.mentor_of[row] {
                self.holders[old].retain(|&x| x as usize != row);
            }
            self.mentor_of[row] = Some(into);
            self.w_of[row] = arcs[row].iter().find(|a| a.0 as usize == into).map(|a| a.1).unwrap_or(0.0);
            self.holders[into].push(row as u32);
            node = ne + into;
        }
    }

    /// Whether the prices prove the flow optimal on the candidate pairs: every price ≥ 0,
    /// u + v ≥ w on every pair, tight on the pairs formed, 0 for unmatched mentees and for
    /// mentors with room.
    fn proves(&self, arcs: &[Vec<(u32, f64)>]) -> bool {
        const TOL: f64 = 1e-9;
        let (u, v) = self.prices();
        let room_priced = (0..self.capacity.len()).any(|m| (self.holders[m].len() as u32) < self.capacity[m] && v[m] > TOL);
        !room_priced
            && arcs.iter().enumerate().all(|(r, list)| {
                let tight = match self.mentor_of[r] {
                    Some(m) => (u[r] + v[m] - self.w_of[r]).abs() <= TOL,
                    None => u[r] <= TOL,
                };
                tight && list.iter().all(|&(m, w)| u[r] + v[m as usize] >= w - TOL)
            })
    }

    /// Starts a shortest-path search (Dijkstra) from `start`; returns its generation stamp.
    fn begin(&mut self, start: usize, heap: &mut BinaryHeap<Key>, settled: &mut Vec<usize>) -> u32 {
        self.generation += 1;
        heap.clear();
        settled.clear();
        self.dist[start] = 0.0;
        self.stamp[start] = self.generation;
        self.prev[start] = u32::MAX;
        heap.push(Key(0.0, start as u32));
        self.generation
    }

    /// Offers node `to` the distance `d` through `from`.
    #[inline]
    fn relax(&mut self, heap: &mut BinaryHeap<Key>, gen: u32, to: usize, d: f64, from: usize) {
        if self.stamp[to] != gen || d < self.dist[to] {
            self.stamp[to] = gen;
            self.dist[to] = d;
            self.prev[to] = from as u32;
            heap.push(Key(d, to as u32));
        }
    }

    /// The next node whose distance is final, with that distance.
    #[inline]
    fn settle(&mut self, heap: &mut BinaryHeap<Key>, settled: &mut Vec<usize>, gen: u32) -> Option<(f64, usize)> {
        while let Some(Key(d, x)) = heap.pop() {
            let x = x as usize;
            if self.done[x] != gen && d <= self.dist[x] {
                self.done[x] = gen;
                settled.push(x);
                return Some((d, x));
            }
        }
        None
    }

    /// Routes mentee `s` (not in the flow) along a shortest path to the sink.
    fn route(&mut self, s: usize, arcs: &[Vec<(u32, f64)>], heap: &mut BinaryHeap<Key>, settled: &mut Vec<usize>) {
        if arcs[s].is_empty() {
            return; // unmatched: straight to the sink at no cost
        }
        let (ne, sink) = (self.ne, self.sink);
        let gen = self.begin(s, heap, settled);
        macro_rules! relax {
            ($to:expr, $d:expr, $from:expr) => {
                self.relax(heap, gen, $to, $d, $from)
            };
        }
        while let Some((d, x)) = self.settle(heap, settled, gen) {
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

    /// Dual prices in the max form: v = max(0, φ(sink) − φ(mentor)) per mentor, and per mentee
    /// what its pair is worth beyond its mentor's price (0 when unmatched). With potentials that
    /// keep every residual arc non-negative this is a proof: a matched mentee's price is at
    /// least φ(mentee) − φ(sink) (its mentor's arc back to it is non-negative), which already
    /// covers every other pair of that mentee.
    fn prices(&self) -> (Vec<f64>, Vec<f64>) {
        let (ne, sink) = (self.ne, self.sink);
        let v: Vec<f64> = (0..self.capacity.len()).map(|m| (self.phi[sink] - self.phi[ne + m]).max(0.0)).collect();
        let u = (0..ne).map(|r| self.mentor_of[r].map_or(0.0, |m| (self.w_of[r] - v[m]).max(0.0))).collect();
        (u, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{synthetic, Engine, Objective};

    #[test]
    fn the_sparse_answer_equals_the_dense_optimum_and_is_proved_over_all_pairs() {
        for (seed, mentors, mentees, cap, k) in [(1, 30, 50, 2, 2), (2, 60, 40, 1, 3), (3, 25, 90, 3, 1), (4, 80, 80, 1, 5), (5, 150, 150, 1, 4)] {
            let mut problem = synthetic::reverse_pool(seed, mentors, mentees, cap);
            if seed == 5 {
                // More distinct levels than the score tables take: both solvers score pair by pair.
                for (i, p) in problem.mentors.iter_mut().enumerate() {
                    p.level = -(i as i32);
                }
                for (i, p) in problem.mentees.iter_mut().enumerate() {
                    p.level = 10 + i as i32;
                }
                let (mut words, mut departments) = (Interner::default(), Interner::default());
                let prepare = |list: &[crate::matching::Participant], w: &mut Interner, d: &mut Interner| -> Vec<Prepared> {
                    list.iter().map(|x| score::prepare(x, w, d)).collect()
                };
                let (ms, es) = (prepare(&problem.mentors, &mut words, &mut departments), prepare(&problem.mentees, &mut words, &mut departments));
                assert!(Axes::new(&ms, &es).is_none());
            }
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
