//! Linear assignment on a square or rectangular matrix: the shortest-augmenting-path method
//! (Jonker–Volgenant as described by Crouse, the same family as SciPy's
//! `linear_sum_assignment`), minimising cost, with dual prices that prove the answer optimal and
//! can seed a warm start. Past a small size the searches run on each row's cheapest columns, and
//! the prices they end with are checked against every cell before the answer is returned.
//!
//! A rectangular matrix (fewer rows than columns) is solved as it is, with no padding: the rows
//! are assigned first, then the columns left over are filled by implicit rows worth nothing
//! (never stored, and searched like any row), which moves the prices until every column left
//! free carries the highest price. That is the rectangular problem's optimality condition
//! (Bijsterbosch and Volgenant, "Solving the rectangular assignment problem and applications",
//! Annals of Operations Research 181, 2010; Bertsekas, *Network Optimization*, 1998, §7.2 on
//! asymmetric assignment), and [`certify_rect`] checks it.

use super::large::Key;
use super::par;
use std::collections::BinaryHeap;

/// An optimal assignment with its proof.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Column of each row (one per row).
    pub col_of_row: Vec<u32>,
    /// Row dual prices (one per row).
    pub u: Vec<f64>,
    /// Column dual prices (one per column; pass to [`solve`] or [`solve_rect`] again to
    /// warm-start). On a rectangular matrix they are at most 0, and 0 on every column left
    /// free.
    pub v: Vec<f64>,
    /// The assignment's total cost.
    pub cost: f64,
}

/// Why no assignment exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LapError {
    /// The matrix or the prices do not have the size given (or there are more rows than
    /// columns).
    NotSquare,
    Infeasible,
    BadCost,
}

/// Minimises Σ cost[i][col(i)] over permutations. `cost` is row-major n×n; entries must be
/// finite. `warm_v`, if given, seeds the column prices (any values keep the result exact;
/// prices from a similar problem make it fast).
///
/// Past a small size the searches run on each row's cheapest columns only (see [`sparse`]),
/// and the answer is then proved over every cell; the dense method is the fallback.
pub fn solve(n: usize, cost: &[f64], warm_v: Option<&[f64]>) -> Result<Assignment, LapError> {
    solve_rect(n, n, cost, warm_v)
}

/// Minimises Σ cost[i][col(i)] over the ways of giving each of `rows` rows its own column among
/// `cols` (`rows <= cols`; some columns stay free). `cost` is row-major `rows × cols`, entries
/// finite; `warm_v` (one price per column) as for [`solve`]. Errors: [`LapError::NotSquare`]
/// when the sizes disagree or `rows > cols` (solve the transpose), [`LapError::BadCost`] for a
/// cell or price that is not finite.
///
/// No padding: the answer for a square matrix padded with columns (or rows) of zeros is the
/// same only when every real cell is at most 0, and padding ties thousands of cells, which the
/// candidate searches handle badly. Here the columns left free are settled by implicit rows
/// worth nothing after the real rows are assigned (see the module's notes).
pub fn solve_rect(rows: usize, cols: usize, cost: &[f64], warm_v: Option<&[f64]>) -> Result<Assignment, LapError> {
    let shape = Shape { rows, cols };
    if rows > cols || cost.len() != rows * cols || warm_v.is_some_and(|v| v.len() != cols) {
        return Err(LapError::NotSquare);
    }
    if warm_v.is_some_and(|v| v.iter().any(|x| !x.is_finite())) {
        return Err(LapError::BadCost);
    }
    // The candidate pass reads every cell and checks it on the way.
    if rows > 2 * CANDIDATES {
        if let Some(a) = sparse(shape, cost, warm_v)? {
            return Ok(a);
        }
    } else if cost.iter().any(|c| !c.is_finite()) {
        return Err(LapError::BadCost);
    }
    dense(shape, cost, warm_v)
}

/// A matrix's size: `rows <= cols`, row-major.
#[derive(Debug, Clone, Copy)]
struct Shape {
    rows: usize,
    cols: usize,
}

impl Shape {
    fn row<'a>(&self, cost: &'a [f64], i: usize) -> &'a [f64] {
        &cost[i * self.cols..(i + 1) * self.cols]
    }
}

/// Columns each row keeps for the sparse searches: in the engine's markets a row's optimal
/// column is among its 32 cheapest (after the column reduction) for about 99 % of rows; the
/// proof over every cell catches the rest.
const CANDIDATES: usize = 32;
/// Rounds of solve-then-prove before the dense method takes over.
const SPARSE_ROUNDS: usize = 8;

/// What every search works on: the dual prices and the partial assignment. On a rectangular
/// matrix rows from `rows` to `cols` are the implicit rows worth nothing.
struct State {
    u: Vec<f64>,
    v: Vec<f64>,
    col4row: Vec<usize>,
    row4col: Vec<usize>,
    /// A column's final distance in the current search.
    settled_at: Vec<f64>,
    /// The row a column was last reached from.
    from_row: Vec<u32>,
    scanned_rows: Vec<usize>,
    scanned_cols: Vec<usize>,
}

impl State {
    fn new(shape: Shape, v: Vec<f64>) -> State {
        let n = shape.cols;
        State {
            u: vec![0.0; n],
            v,
            col4row: vec![usize::MAX; n],
            row4col: vec![usize::MAX; n],
            settled_at: vec![0.0; n],
            from_row: vec![0; n],
            scanned_rows: Vec::with_capacity(n),
            scanned_cols: Vec::with_capacity(n),
        }
    }

    fn place(&mut self, i: usize, j: usize) {
        self.row4col[j] = i;
        self.col4row[i] = j;
    }

    /// After a search from `cur_row` reached the free column `sink` at distance `min_val`:
    /// moves the prices so reduced costs stay non-negative and the path becomes tight, then
    /// flips the path.
    fn augment(&mut self, cur_row: usize, sink: usize, min_val: f64) {
        self.u[cur_row] += min_val;
        for &r in &self.scanned_rows {
            if r != cur_row {
                self.u[r] += min_val - self.settled_at[self.col4row[r]];
            }
        }
        for &j in &self.scanned_cols {
            self.v[j] -= min_val - self.settled_at[j];
        }
        let mut j = sink;
        loop {
            let i = self.from_row[j] as usize;
            self.row4col[j] = i;
            std::mem::swap(&mut self.col4row[i], &mut j);
            if i == cur_row {
                break;
            }
        }
    }

    /// The real rows' assignment. On a rectangular matrix the implicit rows must be placed
    /// first (by [`fill_free_columns`], or in the candidate method's rounds); the prices are
    /// then shifted so the highest column price
    /// (every free column's) is 0, which leaves every reduced cost as it was.
    fn into_assignment(mut self, shape: Shape, cost: &[f64]) -> Assignment {
        let Shape { rows, cols } = shape;
        let total = (0..rows).map(|i| cost[i * cols + self.col4row[i]]).sum();
        if rows < cols {
            let top = top_price(&self.v);
            self.v.iter_mut().for_each(|x| *x -= top);
            self.u.iter_mut().for_each(|x| *x += top);
            // Rounding must not leave a free column a hair below the top.
            for j in 0..cols {
                if self.row4col[j] >= rows {
                    self.v[j] = 0.0;
                }
            }
        }
        self.u.truncate(rows);
        self.col4row.truncate(rows);
        Assignment { col_of_row: self.col4row.into_iter().map(|c| c as u32).collect(), u: self.u, v: self.v, cost: total }
    }
}

/// Each column's cheapest cell (Jonker and Volgenant's column reduction): the prices, and the
/// first row reaching each. Blocks of rows on all cores, merged in row order.
fn column_minima(shape: Shape, cost: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let Shape { rows, cols: n } = shape;
    let block = rows.div_ceil(16).max(1);
    let parts = par::map(rows.div_ceil(block), block * n, |b| {
        let mut v = vec![f64::INFINITY; n];
        let mut arg = vec![0usize; n];
        for i in b * block..((b + 1) * block).min(rows) {
            for ((x, a), &c) in v.iter_mut().zip(&mut arg).zip(shape.row(cost, i)) {
                if c < *x {
                    *x = c;
                    *a = i;
                }
            }
        }
        (v, arg)
    });
    let mut parts = parts.into_iter();
    let (mut v, mut arg) = parts.next().unwrap_or_else(|| (Vec::new(), Vec::new()));
    for (pv, pa) in parts {
        for j in 0..n {
            if pv[j] < v[j] {
                v[j] = pv[j];
                arg[j] = pa[j];
            }
        }
    }
    (v, arg)
}

/// The dense shortest-augmenting-path method on every cell.
fn dense(shape: Shape, cost: &[f64], warm_v: Option<&[f64]>) -> Result<Assignment, LapError> {
    let Shape { rows, cols } = shape;
    if rows == 0 {
        return Ok(Assignment { col_of_row: Vec::new(), u: Vec::new(), v: vec![0.0; cols], cost: 0.0 });
    }
    // A head start that keeps every reduced cost non-negative: with prices from a similar
    // problem, each row's cheapest column; from scratch, each column's cheapest row (the
    // column reduction). Rows placed here need no search below.
    let mut s = match warm_v {
        Some(w) => {
            let mut s = State::new(shape, w.to_vec());
            for i in 0..rows {
                let ((best, arg), _) = two_cheapest(shape.row(cost, i), &s.v);
                s.u[i] = best;
                if s.row4col[arg] == usize::MAX {
                    s.place(i, arg);
                }
            }
            s
        }
        // A rectangle starts with every price at 0: the searches only lower prices, so the
        // columns no row reaches stay at the top, where the implicit rows take them in one step.
        None if rows < cols => State::new(shape, vec![0.0; cols]),
        None => {
            let (v, arg) = column_minima(shape, cost);
            let mut s = State::new(shape, v);
            for (j, &i) in arg.iter().enumerate() {
                if s.col4row[i] == usize::MAX {
                    s.place(i, j);
                }
            }
            s
        }
    };

    augmenting_row_reduction(cost, shape, &mut s, |i, v| two_cheapest(shape.row(cost, i), v));

    let mut search = DenseSearch::new(cols);
    for cur_row in 0..rows {
        if s.col4row[cur_row] == usize::MAX {
            search.run(shape, cost, &mut s, cur_row)?;
        }
    }
    fill_free_columns(shape, cost, &mut s, &mut search)?;
    Ok(s.into_assignment(shape, cost))
}

/// A search over every cell of a row; `key` is a column's tentative distance (NaN once it is
/// settled, which no comparison takes). Rows from `shape.rows` on are the implicit rows worth
/// nothing, read as a row of zeros.
struct DenseSearch {
    key: Vec<f64>,
    zeros: Vec<f64>,
}

impl DenseSearch {
    fn new(cols: usize) -> DenseSearch {
        DenseSearch { key: vec![f64::INFINITY; cols], zeros: Vec::new() }
    }

    /// Dijkstra over columns from the free row `cur_row`, on reduced costs, then the
    /// augmentation. [`LapError::Infeasible`] if no free column can be reached.
    ///
    /// From an implicit row, the columns held by other implicit rows are settled together the
    /// first time one comes up, and their rows are not relaxed: every implicit row's cells are
    /// this one's, each is tight on a column at the top price, and this row's relaxation put
    /// all those columns at the lowest distance, so relaxing them could shorten nothing. (With
    /// hundreds of them, relaxing each took most of a fill search's time.)
    fn run(&mut self, shape: Shape, cost: &[f64], s: &mut State, cur_row: usize) -> Result<(), LapError> {
        if shape.rows < shape.cols && self.zeros.is_empty() {
            self.zeros = vec![0.0; shape.cols];
        }
        let implicit = |i: usize| i != usize::MAX && i >= shape.rows;
        self.key.iter_mut().for_each(|k| *k = f64::INFINITY);
        s.scanned_rows.clear();
        s.scanned_cols.clear();
        let mut min_val = 0.0f64;
        let mut i = cur_row;
        let sink;
        let mut lowest = f64::NAN;
        let mut relax = true;
        loop {
            if relax {
                s.scanned_rows.push(i);
                let row = if i < shape.rows { shape.row(cost, i) } else { &self.zeros };
                lowest = relax_row(min_val - s.u[i], row, &s.v, &mut self.key, &mut s.from_row, i as u32);
            }
            if !lowest.is_finite() {
                return Err(LapError::Infeasible);
            }
            let j = column_at(&self.key, lowest, &s.row4col);
            min_val = lowest;
            if implicit(cur_row) && implicit(s.row4col[j]) {
                for k in 0..shape.cols {
                    if self.key[k] == lowest && implicit(s.row4col[k]) {
                        self.key[k] = f64::NAN;
                        s.settled_at[k] = lowest;
                        s.scanned_cols.push(k);
                        s.scanned_rows.push(s.row4col[k]);
                    }
                }
                // NaN (settled) is never below anything.
                lowest = self.key.iter().fold(f64::INFINITY, |m, &k| if k < m { k } else { m });
                relax = false;
                continue;
            }
            self.key[j] = f64::NAN;
            s.settled_at[j] = lowest;
            s.scanned_cols.push(j);
            if s.row4col[j] == usize::MAX {
                sink = j;
                break;
            }
            i = s.row4col[j];
            relax = true;
        }
        s.augment(cur_row, sink, min_val);
        Ok(())
    }
}

/// The dense method's last step on a rectangular matrix (the candidate method places them in
/// its own rounds), once every real row holds a column: places the implicit rows worth
/// nothing. An implicit row's reduced cost `0 - u - v[j]` is lowest on the highest-priced
/// columns, so each free column already at the top price takes one at once (price `-top`,
/// tight there and non-negative everywhere). The rest search every cell, one each, which
/// moves real rows to other columns where that is cheaper overall and leaves every free
/// column at the top. Each costs a pass over every cell of the real rows it reaches: fine
/// for the engine's pools, slow for a very wide matrix whose columns left free carry lowered
/// prices (the engine sends very wide pools to its b-matching instead).
fn fill_free_columns(shape: Shape, cost: &[f64], s: &mut State, search: &mut DenseSearch) -> Result<(), LapError> {
    for cur_row in place_at_top(shape, s)..shape.cols {
        search.run(shape, cost, s, cur_row)?;
    }
    Ok(())
}

/// The highest column price (every implicit-held column's, once the implicit rows are placed).
fn top_price(v: &[f64]) -> f64 {
    v.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x))
}

/// Places an implicit row on each free column at the top price, at price `-top` (tight there,
/// and its reduced cost `top - v` non-negative everywhere); returns the first implicit row
/// left to place. Call once, when every real row holds a column.
fn place_at_top(shape: Shape, s: &mut State) -> usize {
    let top = top_price(&s.v);
    let mut next = shape.rows;
    for j in 0..shape.cols {
        if s.row4col[j] == usize::MAX && s.v[j] == top {
            s.place(next, j);
            s.u[next] = -top;
            next += 1;
        }
    }
    next
}

/// Each row's candidate columns: its cheapest [`CANDIDATES`] under the starting prices and its
/// own diagonal (so the candidates always hold a complete assignment), and any column the proof
/// later finds wanting; in column order.
struct Candidates(Vec<Vec<(f64, u32)>>);

impl Candidates {
    /// `None` if a cell is not a finite number.
    fn new(shape: Shape, cost: &[f64], v: &[f64], k: usize) -> Option<Candidates> {
        let rows = par::map(shape.rows, shape.cols, |i| {
            let row = shape.row(cost, i);
            let mut chosen = cheapest(row, v, k, tie_start(i, shape.cols))?;
            if !chosen.iter().any(|&(_, j)| j == i as u32) {
                chosen.push((0.0, i as u32));
            }
            chosen.sort_unstable_by_key(|&(_, j)| j);
            // Each cell's cost kept with it: the searches then read one short list, not
            // scattered places in a large matrix.
            for x in &mut chosen {
                x.0 = row[x.1 as usize];
            }
            Some(chosen)
        });
        rows.into_iter().collect::<Option<Vec<_>>>().map(Candidates)
    }

    /// Row `i`'s candidate columns with their costs.
    fn of(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.0[i].iter().map(|&(c, j)| (j as usize, c))
    }

    /// The two cheapest candidates of row `i` under `v`, as [`two_cheapest`] gives them. The
    /// list is in column order, so strict comparisons keep the first column of equal values;
    /// written as selects, not branches (the bids and row reductions call this most).
    fn two_cheapest(&self, i: usize, v: &[f64]) -> ((f64, usize), (f64, usize)) {
        let (mut b0, mut b1) = (f64::INFINITY, f64::INFINITY);
        let (mut j0, mut j1) = (usize::MAX, usize::MAX);
        for &(c, j) in &self.0[i] {
            let j = j as usize;
            let r = c - v[j];
            let (below0, below1) = (r < b0, r < b1);
            j1 = if below0 { j0 } else if below1 { j } else { j1 };
            b1 = if below0 { b0 } else if below1 { r } else { b1 };
            j0 = if below0 { j } else { j0 };
            b0 = if below0 { r } else { b0 };
        }
        ((b0, j0), (b1, j1))
    }

    /// Adds columns to row `i`'s list, keeping it in column order and without repeats;
    /// returns how many were new.
    fn add(&mut self, i: usize, found: impl Iterator<Item = (f64, u32)>) -> usize {
        let list = &mut self.0[i];
        let before = list.len();
        for (c, j) in found {
            if list[..before].binary_search_by_key(&j, |&(_, k)| k).is_err() {
                list.push((c, j));
            }
        }
        list.sort_unstable_by_key(|&(_, j)| j);
        list.len() - before
    }
}

/// Where row `i`'s columns start for breaking ties (a multiplicative hash of the row, Knuth's
/// golden-ratio constant, below `cols`). With few distinct costs (an admin who sets every
/// weight but one to 0) a row has hundreds of equally cheap columns; taken in column order,
/// every row's candidates were the same first few hundred columns, which the rows then fought
/// over and the proof had to widen (2,000 × 2,000 integers 0–5: 0.26 s). Started at a spread
/// of places, the rows' candidates cover the columns evenly. The same on every build, so the
/// browser and the server form the same pairs.
fn tie_start(i: usize, cols: usize) -> usize {
    (((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % cols.max(1) as u64) as usize
}

/// The `k` cheapest columns of a row under `v` (ordered by reduced cost, then column counted
/// from `start` round to `start - 1`) with their reduced costs, in no particular order. A
/// sample of the row sets a first bar, so that most cells are passed over with one comparison
/// (two per instruction on x86-64); if fewer than `k` clear it, the row is scanned again
/// without one. `None` if a cell or price is not finite.
fn cheapest(row: &[f64], v: &[f64], k: usize, start: usize) -> Option<Vec<(f64, u32)>> {
    let n = row.len();
    assert_eq!(v.len(), n);
    const SAMPLE: usize = 64;
    if n >= 16 * k && n >= SAMPLE {
        let step = n / SAMPLE;
        let mut sample = [0.0f64; SAMPLE];
        for (t, x) in sample.iter_mut().enumerate() {
            *x = row[t * step] - v[t * step];
        }
        // About twice the sample's share of the k cheapest, so the bar is rarely too low.
        let at = (2 * k * SAMPLE).div_ceil(n) + 1;
        let (_, &mut bar, _) = sample.select_nth_unstable_by(at, f64::total_cmp);
        // Cells equal to the bar count (on a cold start many are 0).
        let kept = cheapest_below(row, v, k, bar.next_up(), start)?;
        if kept.len() >= k {
            return Some(kept);
        }
    }
    cheapest_below(row, v, k, f64::INFINITY, start)
}

/// The `k` cheapest columns among those whose reduced cost is below `bar` (fewer if fewer are),
/// ties to the first from `start` round; `None` if a reduced cost is not finite.
fn cheapest_below(row: &[f64], v: &[f64], k: usize, bar: f64, start: usize) -> Option<Vec<(f64, u32)>> {
    let n = row.len();
    assert_eq!(v.len(), n);
    let start = start.min(n);
    let turn = |j: u32| (j as usize + n - start) % n.max(1);
    let by = |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0).then(turn(a.1).cmp(&turn(b.1)));
    let mut kept: Vec<(f64, u32)> = Vec::with_capacity(4 * k + 2);
    // Once the list has been cut to k, only cells below the k-th can enter (columns come in
    // order from `start` round, so an equal one would come after it).
    let mut limit = bar;
    // Blocks of 64 columns: a flat pass marks the cells below the limit (with no call inside,
    // so its sums stay in registers), then the few marked are kept one by one.
    let blocks = (start..n).step_by(64).map(|b| (b, (b + 64).min(n))).chain((0..start).step_by(64).map(|b| (b, (b + 64).min(start))));
    for (start, end) in blocks {
        let marked = below(&row[start..end], &v[start..end], limit)?;
        let mut bits = marked;
        while bits != 0 {
            let j = start + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let r = row[j] - v[j];
            // The limit may have dropped since the block was marked.
            if r < limit {
                kept.push((r, j as u32));
                if kept.len() >= 4 * k {
                    kept.select_nth_unstable_by(k - 1, by);
                    kept.truncate(k);
                    limit = kept[k - 1].0;
                }
            }
        }
    }
    if kept.len() > k {
        kept.select_nth_unstable_by(k - 1, by);
        kept.truncate(k);
    }
    Some(kept)
}

/// Bit `t` set where `row[t] - v[t] < limit`, for up to 64 cells; `None` if a reduced cost is
/// not finite (`r - r` is +0 for every finite `r`, NaN otherwise, so OR-ing their bits finds
/// one). Two cells per instruction on x86-64.
#[inline(always)]
fn below(row: &[f64], v: &[f64], limit: f64) -> Option<u64> {
    let n = row.len();
    debug_assert!(n <= 64 && v.len() == n);
    let mut marked = 0u64;
    let mut bad = 0u64;
    let mut t = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; loads are at t and t + 1 with t + 2 <= n, and both
        // slices have length n.
        unsafe {
            let bar = _mm_set1_pd(limit);
            let mut nan = _mm_setzero_pd();
            while t + 2 <= n {
                let r = _mm_sub_pd(_mm_loadu_pd(row.as_ptr().add(t)), _mm_loadu_pd(v.as_ptr().add(t)));
                nan = _mm_or_pd(nan, _mm_sub_pd(r, r));
                marked |= (_mm_movemask_pd(_mm_cmplt_pd(r, bar)) as u64) << t;
                t += 2;
            }
            bad |= _mm_movemask_pd(_mm_cmpneq_pd(nan, _mm_setzero_pd())) as u64;
        }
    }
    while t < n {
        let r = row[t] - v[t];
        bad |= (r - r).to_bits();
        marked |= ((r < limit) as u64) << t;
        t += 1;
    }
    (bad == 0).then_some(marked)
}

/// The shortest-augmenting-path method on each row's cheapest columns, proved over every cell:
/// a row with a cell cheaper than its price allows gains that column and is solved again.
/// `Ok(None)` if the proof keeps failing (the dense method then solves it).
fn sparse(shape: Shape, cost: &[f64], warm_v: Option<&[f64]>) -> Result<Option<Assignment>, LapError> {
    let Shape { rows: n, cols } = shape;
    // A matrix with few more columns than rows (at most one in 32) is treated as square: the
    // column reduction and an auction set the prices, and the handful of columns left free
    // cost a search each at the end. On a wider one whose rows tie heavily, each free column
    // below the top price would cost a search over every cell, so its prices start at 0, the
    // top, as in the dense method, and nothing but the searches lowers them (2,314 × 2,686
    // integers 0–5: 0.49 s with the auction, 0.014 s without; 499 × 501 engine scores: 5 ms
    // as square, 12 ms as wide). Without heavy ties the auction's prices win on wide matrices
    // too: the studio's 5,000-person pool (2,314 places × 2,686 mentees) took 1.44 s from
    // prices at 0, where 2,247 rows failed the first proof, and 0.20 s from the auction's.
    // (Only up to twice as many columns as rows: wider matrices were not measured this way.)
    let near_square = (cols - n) * 32 <= n || (warm_v.is_none() && cols <= 2 * n && !heavily_tied(shape, cost));
    let v = match warm_v {
        Some(w) => w.to_vec(),
        None if !near_square => vec![0.0; cols],
        None => column_minima(shape, cost).0,
    };
    // Warm prices are close to the answer, so fewer columns a row do.
    let k = if warm_v.is_some() { CANDIDATES / 2 } else { CANDIDATES };
    let mut cands = Candidates::new(shape, cost, &v, k).ok_or(LapError::BadCost)?;
    let mut v = v;
    // From scratch, an auction on the candidates first: in markets where everyone wants the
    // same columns it leaves a handful of rows for the searches instead of dozens, each of
    // which would explore a third of the rows.
    if warm_v.is_none() && near_square {
        auction(shape, &cands, &mut v);
    }
    // Each row takes its cheapest candidate if no one has it yet.
    let mut s = State::new(shape, v);
    for i in 0..n {
        let ((best, arg), _) = cands.two_cheapest(i, &s.v);
        s.u[i] = best;
        if s.row4col[arg] == usize::MAX {
            s.place(i, arg);
        }
    }
    augmenting_row_reduction(cost, shape, &mut s, |i, v| cands.two_cheapest(i, v));

    let mut search = SparseSearch::new(cols);
    let mut free: Vec<usize> = (0..n).filter(|&i| s.col4row[i] == usize::MAX).collect();
    // The rows the proof must check: all of them at first; after that, only the rows whose
    // price rose in a search (searches only lower column prices, which keeps every other row's
    // reduced costs where the last check left them or above).
    let mut to_check: Vec<usize> = (0..n).collect();
    let mut marked = vec![true; n];
    // On a rectangle, the implicit rows are placed once every real row is proved; they need
    // no proof of their own (the one an implicit search relaxes, it relaxes on every column).
    let mut implicit_placed = n == cols;
    // The implicit rows' searches take a round of their own.
    for _ in 0..SPARSE_ROUNDS + usize::from(n < cols) {
        for &cur_row in &free {
            if search.run(shape, &cands, &mut s, cur_row).is_none() {
                return Ok(None);
            }
            for &r in &s.scanned_rows {
                if r < n && !marked[r] {
                    marked[r] = true;
                    to_check.push(r);
                }
            }
        }
        // The proof: no cell may be cheaper than its row's and column's prices allow.
        free.clear();
        let lowest = par::map(to_check.len(), cols, |t| lowest_reduced(shape.row(cost, to_check[t]), &s.v));
        let top_v = s.v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        for (&i, &low) in std::mem::take(&mut to_check).iter().zip(&lowest) {
            marked[i] = false;
            let tol = 1e-12 * (1.0 + s.u[i].abs() + top_v);
            if low >= s.u[i] - tol {
                continue;
            }
            let row = shape.row(cost, i);
            let (u, v) = (s.u[i], &s.v);
            let wanting = row.iter().zip(v).enumerate().filter(|&(_, (&c, &p))| c - p < u - tol).map(|(j, (&c, _))| (c, j as u32));
            // A shortfall on a candidate is rounding, not a missing column.
            if cands.add(i, wanting) > 0 {
                let j = s.col4row[i];
                s.row4col[j] = usize::MAX;
                s.col4row[i] = usize::MAX;
                free.push(i);
            }
        }
        if free.is_empty() && !implicit_placed {
            // Every real row is placed and proved: the implicit rows' turn.
            free.extend(place_at_top(shape, &mut s)..cols);
            implicit_placed = true;
        }
        if free.is_empty() {
            return Ok(Some(s.into_assignment(shape, cost)));
        }
    }
    Ok(None)
}

/// Whether the matrix's rows tie heavily at their cheapest: in most of up to 64 rows spread
/// over the matrix, at least [`CANDIDATES`] cells share the row's lowest cost (a matrix of a few
/// distinct integers does; the engine's scores under several non-zero weights do not).
fn heavily_tied(shape: Shape, cost: &[f64]) -> bool {
    let samples = shape.rows.min(64);
    let tied = (0..samples)
        .filter(|t| {
            let row = shape.row(cost, t * shape.rows / samples);
            let lowest = row.iter().fold(f64::INFINITY, |m, &c| m.min(c));
            row.iter().filter(|&&c| c == lowest).count() >= CANDIDATES
        })
        .count();
    tied * 2 > samples
}

/// Bertsekas' forward auction on the candidate lists, with ε scaled down by 4 each phase (from
/// 0.3 % of the cost range to 0.01 %): each unplaced row bids for its cheapest column, lowering
/// its price by the gap to the row's second-cheapest plus ε (so ties always make progress), and
/// displaces its holder. Each phase stops after 40 bids a row. Only the prices are kept: they
/// seed the exact method as a warm start does, so the answer does not depend on them.
fn auction(shape: Shape, cands: &Candidates, v: &mut [f64]) {
    let n = shape.rows;
    let (lo, hi) = cands.0.iter().flatten().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &(c, _)| (a.min(c), b.max(c)));
    let range = (hi - lo).max(1e-12);
    let mut eps = range * 3e-3;
    let last = range * 1e-4;
    let mut owner = vec![usize::MAX; shape.cols];
    let mut queue: Vec<usize> = Vec::with_capacity(n);
    let mut bids = 0usize;
    loop {
        owner.iter_mut().for_each(|o| *o = usize::MAX);
        queue.clear();
        queue.extend((0..n).rev());
        let budget = bids + 40 * n;
        while let Some(i) = queue.pop() {
            bids += 1;
            if bids > budget {
                return;
            }
            let ((u1, j1), (u2, j2)) = cands.two_cheapest(i, v);
            v[j1] -= if j2 == usize::MAX { eps } else { (u2 - u1) + eps };
            let before = std::mem::replace(&mut owner[j1], i);
            if before != usize::MAX {
                queue.push(before);
            }
        }
        if eps <= last {
            return;
        }
        eps = (eps / 4.0).max(last);
    }
}

/// The working arrays of a sparse search, kept between searches (only what a search touched
/// is reset).
struct SparseSearch {
    key: Vec<f64>,
    done: Vec<bool>,
    touched: Vec<usize>,
    /// Columns reached at the current distance, not yet settled.
    ready: Vec<usize>,
    heap: BinaryHeap<Key>,
}

impl SparseSearch {
    fn new(n: usize) -> SparseSearch {
        SparseSearch {
            key: vec![f64::INFINITY; n],
            done: vec![false; n],
            touched: Vec::new(),
            ready: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Dijkstra over columns from the free row `cur_row` on candidate cells, then the
    /// augmentation. A column reached at the current distance (a tight cell: common, with
    /// the engine's many equal scores) goes on a stack instead of the queue, and a free one
    /// ends the search at once; the queue orders by distance, then free columns first.
    ///
    /// An implicit row (on a rectangle, from `shape.rows` on) reaches every column at cost 0.
    /// Only the first one a search reaches is relaxed: all of them are tight on columns at the
    /// top price, so one reached later offers nothing shorter than the first did.
    fn run(&mut self, shape: Shape, cands: &Candidates, s: &mut State, cur_row: usize) -> Option<()> {
        s.scanned_rows.clear();
        s.scanned_cols.clear();
        let mut min_val = 0.0f64;
        let mut i = cur_row;
        let mut implicit_relaxed = false;
        let sink = 'search: loop {
            s.scanned_rows.push(i);
            let base = min_val - s.u[i];
            // The first row's distances can start anywhere; after it, none is below `min_val`.
            let first = i == cur_row;
            if i < shape.rows {
                for (j, c) in cands.of(i) {
                    if let Some(sink) = self.reach(s, i, j, (base + c) - s.v[j], first, min_val) {
                        break 'search sink;
                    }
                }
            } else if !implicit_relaxed {
                implicit_relaxed = true;
                for j in 0..shape.cols {
                    if let Some(sink) = self.reach(s, i, j, base - s.v[j], first, min_val) {
                        break 'search sink;
                    }
                }
            }
            let j = loop {
                if let Some(j) = self.ready.pop() {
                    if !self.done[j] {
                        break j;
                    }
                    continue;
                }
                let Key(d, id) = self.heap.pop()?;
                let j = (id & !(1u32 << 31)) as usize;
                if !self.done[j] && d == self.key[j] {
                    min_val = d;
                    break j;
                }
            };
            self.settle(s, j);
            if s.row4col[j] == usize::MAX {
                break j;
            }
            i = s.row4col[j];
        };
        self.heap.clear();
        self.ready.clear();
        for &j in &self.touched {
            self.key[j] = f64::INFINITY;
            self.done[j] = false;
        }
        self.touched.clear();
        s.augment(cur_row, sink, min_val);
        Some(())
    }

    /// Row `i` reaches column `j` at distance `r`: kept if shorter than what `j` had; a free
    /// column reached at the current distance (past the first row) is the sink, returned.
    #[inline(always)]
    fn reach(&mut self, s: &mut State, i: usize, j: usize, r: f64, first: bool, min_val: f64) -> Option<usize> {
        if self.done[j] || r >= self.key[j] {
            return None;
        }
        if self.key[j] == f64::INFINITY {
            self.touched.push(j);
        }
        self.key[j] = r;
        s.from_row[j] = i as u32;
        let free = s.row4col[j] == usize::MAX;
        if !first && r <= min_val {
            if free {
                self.settle(s, j);
                return Some(j);
            }
            self.ready.push(j);
        } else {
            self.heap.push(Key(r, if free { 0 } else { 1u32 << 31 } | j as u32));
        }
        None
    }

    fn settle(&mut self, s: &mut State, j: usize) {
        self.done[j] = true;
        s.settled_at[j] = self.key[j];
        s.scanned_cols.push(j);
    }
}

/// The lowest reduced cost of a row (`cost - v`). Two columns per instruction on x86-64.
fn lowest_reduced(row: &[f64], v: &[f64]) -> f64 {
    let n = row.len();
    assert_eq!(v.len(), n);
    let mut j = 0;
    #[cfg(not(target_arch = "x86_64"))]
    let mut low = f64::INFINITY;
    #[cfg(target_arch = "x86_64")]
    let mut low = {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; loads are at j and j + 1 with j + 2 <= n, and both
        // slices have length n.
        unsafe {
            let mut low = _mm_set1_pd(f64::INFINITY);
            while j + 2 <= n {
                let r = _mm_sub_pd(_mm_loadu_pd(row.as_ptr().add(j)), _mm_loadu_pd(v.as_ptr().add(j)));
                low = _mm_min_pd(r, low);
                j += 2;
            }
            _mm_cvtsd_f64(_mm_min_sd(low, _mm_unpackhi_pd(low, low)))
        }
    };
    while j < n {
        low = low.min(row[j] - v[j]);
        j += 1;
    }
    low
}

/// One step of the search: relaxes every column from a row (`r = (base + cost) - v`, kept
/// where lower than the column's tentative distance, with the row as its predecessor) and
/// returns the lowest tentative distance. Settled columns hold NaN, which no comparison takes.
/// This loop is where a cold solve spends its time; on x86-64 it runs two columns per
/// instruction (SSE2, present on every x86-64 processor), elsewhere one, with the same
/// arithmetic in the same order, so every build gives the same answer.
#[inline]
fn relax_row(base: f64, row: &[f64], v: &[f64], key: &mut [f64], from_row: &mut [u32], from: u32) -> f64 {
    let n = row.len();
    assert!(v.len() == n && key.len() == n && from_row.len() == n);
    let mut j = 0;
    #[cfg(not(target_arch = "x86_64"))]
    let mut lowest = f64::INFINITY;
    #[cfg(target_arch = "x86_64")]
    let mut lowest = {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; every load and store is at j and j + 1 with
        // j + 2 <= n, and all four slices have length n (asserted above).
        unsafe {
            let b = _mm_set1_pd(base);
            let mut low = _mm_set1_pd(f64::INFINITY);
            while j + 2 <= n {
                let c = _mm_loadu_pd(row.as_ptr().add(j));
                let vj = _mm_loadu_pd(v.as_ptr().add(j));
                let k = _mm_loadu_pd(key.as_ptr().add(j));
                let r = _mm_sub_pd(_mm_add_pd(b, c), vj);
                let better = _mm_cmplt_pd(r, k);
                let kept = _mm_or_pd(_mm_and_pd(better, r), _mm_andnot_pd(better, k));
                _mm_storeu_pd(key.as_mut_ptr().add(j), kept);
                let mask = _mm_movemask_pd(better);
                if mask != 0 {
                    if mask & 1 != 0 {
                        *from_row.get_unchecked_mut(j) = from;
                    }
                    if mask & 2 != 0 {
                        *from_row.get_unchecked_mut(j + 1) = from;
                    }
                }
                // minpd gives its second operand when the first is NaN (a settled column).
                low = _mm_min_pd(kept, low);
                j += 2;
            }
            _mm_cvtsd_f64(_mm_min_sd(low, _mm_unpackhi_pd(low, low)))
        }
    };
    while j < n {
        let r = (base + row[j]) - v[j];
        if r < key[j] {
            key[j] = r;
            from_row[j] = from;
        }
        if key[j] < lowest {
            lowest = key[j];
        }
        j += 1;
    }
    lowest
}

/// A column whose tentative distance is `lowest`: the first free one if any (the search ends
/// there), else the first.
#[inline]
fn column_at(key: &[f64], lowest: f64, row4col: &[usize]) -> usize {
    let n = key.len();
    let mut first = usize::MAX;
    let mut j = 0;
    let look = |j: usize, first: &mut usize| -> bool {
        if row4col[j] == usize::MAX {
            return true;
        }
        if *first == usize::MAX {
            *first = j;
        }
        false
    };
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; loads are at j and j + 1 with j + 2 <= n = key.len().
        unsafe {
            let target = _mm_set1_pd(lowest);
            while j + 2 <= n {
                let mask = _mm_movemask_pd(_mm_cmpeq_pd(_mm_loadu_pd(key.as_ptr().add(j)), target));
                if mask != 0 {
                    if mask & 1 != 0 && look(j, &mut first) {
                        return j;
                    }
                    if mask & 2 != 0 && look(j + 1, &mut first) {
                        return j + 1;
                    }
                }
                j += 2;
            }
        }
    }
    while j < n {
        if key[j] == lowest && look(j, &mut first) {
            return j;
        }
        j += 1;
    }
    first
}

/// Keeps `(r, j)` in `best` if it is among the two lowest (by value, then column).
#[inline]
fn offer(best: &mut [(f64, usize); 2], r: f64, j: usize) {
    let before = |a: (f64, usize), b: (f64, usize)| a.0 < b.0 || (a.0 == b.0 && a.1 < b.1);
    if before((r, j), best[1]) {
        if before((r, j), best[0]) {
            best[1] = best[0];
            best[0] = (r, j);
        } else {
            best[1] = (r, j);
        }
    }
}

/// The cheapest and second-cheapest reduced cost of a row (`cost - v`) with their columns
/// (`usize::MAX` where the row is too short): the first column of the lowest value, then the
/// lowest of the rest, first column first. Two columns per instruction on x86-64 (each lane
/// keeps its own two, merged at the end), one elsewhere; the same answer either way.
#[inline]
fn two_cheapest(row: &[f64], v: &[f64]) -> ((f64, usize), (f64, usize)) {
    let n = row.len();
    assert_eq!(v.len(), n);
    let mut best = [(f64::INFINITY, usize::MAX); 2];
    let mut j = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; loads are at j and j + 1 with j + 2 <= n, and both
        // slices have length n.
        unsafe {
            let inf = _mm_set1_pd(f64::INFINITY);
            let (mut m1, mut m2, mut i1, mut i2) = (inf, inf, _mm_set1_pd(-1.0), _mm_set1_pd(-1.0));
            let mut index = _mm_set_pd(1.0, 0.0);
            let two = _mm_set1_pd(2.0);
            let pick = |m: __m128d, a: __m128d, b: __m128d| _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b));
            while j + 2 <= n {
                let r = _mm_sub_pd(_mm_loadu_pd(row.as_ptr().add(j)), _mm_loadu_pd(v.as_ptr().add(j)));
                // Within a lane columns come in order, so strict comparisons keep the first.
                let below1 = _mm_cmplt_pd(r, m1);
                let below2 = _mm_cmplt_pd(r, m2);
                m2 = pick(below1, m1, pick(below2, r, m2));
                i2 = pick(below1, i1, pick(below2, index, i2));
                m1 = pick(below1, r, m1);
                i1 = pick(below1, index, i1);
                index = _mm_add_pd(index, two);
                j += 2;
            }
            let (mut a1, mut a2, mut b1, mut b2) = ([0.0; 2], [0.0; 2], [0.0; 2], [0.0; 2]);
            _mm_storeu_pd(a1.as_mut_ptr(), m1);
            _mm_storeu_pd(a2.as_mut_ptr(), m2);
            _mm_storeu_pd(b1.as_mut_ptr(), i1);
            _mm_storeu_pd(b2.as_mut_ptr(), i2);
            for lane in 0..2 {
                for (m, i) in [(a1[lane], b1[lane]), (a2[lane], b2[lane])] {
                    if i >= 0.0 {
                        offer(&mut best, m, i as usize);
                    }
                }
            }
        }
    }
    while j < n {
        offer(&mut best, row[j] - v[j], j);
        j += 1;
    }
    (best[0], best[1])
}

/// Jonker and Volgenant's augmenting row reduction: each free row takes its cheapest column,
/// lowering that column's price to the row's second-cheapest reduced cost so the row stays
/// tight; a displaced row is processed next. It places most rows cheaply, leaving few for
/// the shortest-path search, and keeps every assigned row tight with non-negative reduced
/// costs. Bounded, so it never loops on ties.
fn augmenting_row_reduction(
    cost: &[f64],
    shape: Shape,
    s: &mut State,
    two_cheapest: impl Fn(usize, &[f64]) -> ((f64, usize), (f64, usize)),
) {
    let n = shape.rows;
    for _ in 0..2 {
        let mut free: Vec<usize> = (0..n).filter(|&i| s.col4row[i] == usize::MAX).collect();
        let mut next: Vec<usize> = Vec::new();
        let mut steps = 0usize;
        let limit = 4 * n + 16;
        while let Some(i) = free.pop() {
            steps += 1;
            if steps > limit {
                next.push(i);
                next.extend(free.drain(..));
                break;
            }
            let ((u1, j1), (u2, j2)) = two_cheapest(i, &s.v);
            if j1 == usize::MAX {
                continue;
            }
            let mut j = j1;
            let mut i0 = s.row4col[j1];
            let strict = j2 != usize::MAX && u1 < u2;
            if strict {
                s.v[j1] -= u2 - u1;
            } else if i0 != usize::MAX && j2 != usize::MAX {
                j = j2;
                i0 = s.row4col[j2];
            }
            s.place(i, j);
            s.u[i] = shape.row(cost, i)[j] - s.v[j];
            if i0 != usize::MAX {
                s.col4row[i0] = usize::MAX;
                if strict {
                    free.push(i0);
                } else {
                    next.push(i0);
                }
            }
        }
        if next.is_empty() {
            break;
        }
    }
}

/// Checks the optimality certificate: every reduced cost is non-negative and every assigned
/// cell is tight (to `tol`), and the assignment is a permutation. Then the cost equals the
/// dual bound Σu + Σv, so no assignment is cheaper.
pub fn certify(n: usize, cost: &[f64], a: &Assignment, tol: f64) -> Result<(), String> {
    certify_rect(n, n, cost, a, tol)
}

/// [`certify`] for `rows × cols` (`rows <= cols`): besides non-negative reduced costs and
/// tight assigned cells, each row on its own column, every column price at most 0 and every
/// free column's exactly 0 (to `tol`). That is the linear programme's dual with "each column
/// at most once" (a column's price may not be positive, and is 0 where the column is unused),
/// so Σu + Σv bounds every assignment from below and this one reaches it. `Err` names the first
/// cell or column that fails.
pub fn certify_rect(rows: usize, cols: usize, cost: &[f64], a: &Assignment, tol: f64) -> Result<(), String> {
    if rows > cols || cost.len() != rows * cols || a.col_of_row.len() != rows || a.u.len() != rows || a.v.len() != cols {
        return Err(format!("sizes differ from {rows} × {cols}"));
    }
    let mut used = vec![false; cols];
    for (i, &c) in a.col_of_row.iter().enumerate() {
        let c = c as usize;
        if c >= cols || used[c] {
            return Err(format!("row {i} is not assigned to a distinct column"));
        }
        used[c] = true;
        let slack = cost[i * cols + c] - a.u[i] - a.v[c];
        if slack.abs() > tol {
            return Err(format!("assigned cell ({i}, {c}) is not tight: slack {slack}"));
        }
    }
    if rows < cols {
        for (j, (&v, &u)) in a.v.iter().zip(&used).enumerate() {
            if v > tol || (!u && v < -tol) {
                return Err(format!("column {j} ({}) has price {v}", if u { "used" } else { "free" }));
            }
        }
    }
    for i in 0..rows {
        for j in 0..cols {
            let slack = cost[i * cols + j] - a.u[i] - a.v[j];
            if slack < -tol {
                return Err(format!("cell ({i}, {j}) has negative reduced cost {slack}"));
            }
        }
    }
    let dual: f64 = a.u.iter().sum::<f64>() + a.v.iter().sum::<f64>();
    if (dual - a.cost).abs() > tol * cols as f64 {
        return Err(format!("primal {} and dual {} differ", a.cost, dual));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(n: usize, cost: &[f64]) -> f64 {
        brute_rect(n, n, cost)
    }

    #[test]
    fn small_matrices_match_brute_force_and_carry_a_certificate() {
        let mut seed = 7u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % 1000) as f64 / 100.0 - 3.0
        };
        for n in 1..=7 {
            for _ in 0..30 {
                let cost: Vec<f64> = (0..n * n).map(|_| next()).collect();
                let a = solve(n, &cost, None).unwrap();
                assert!((a.cost - brute(n, &cost)).abs() < 1e-9);
                certify(n, &cost, &a, 1e-9).unwrap();
                // Any starting prices give the same optimum.
                let warm: Vec<f64> = (0..n).map(|_| next() * 3.0).collect();
                let b = solve(n, &cost, Some(&warm)).unwrap();
                assert!((b.cost - a.cost).abs() < 1e-9);
                certify(n, &cost, &b, 1e-9).unwrap();
            }
        }
    }

    /// Past the small sizes the searches run on candidate columns; the answer must be the
    /// dense method's optimum and carry a certificate over every cell, from scratch and warm,
    /// on the shapes the engine produces: ties, cells worth nothing, rows of padding.
    #[test]
    fn candidate_searches_match_the_dense_method_on_every_shape() {
        let mut seed = 11u64;
        let mut next = move |m: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for n in [65usize, 120, 300] {
            for shape in 0..5 {
                let cost: Vec<f64> = (0..n * n)
                    .map(|k| {
                        let (i, j) = (k / n, k % n);
                        match shape {
                            // Spread values: few ties.
                            0 => next(1_000_000) as f64 / 1e4,
                            // Few distinct values: ties everywhere.
                            1 => -(next(8) as f64) / 4.0,
                            // A quarter of the pairs worth nothing, the last fifth of the rows padding.
                            2 if i >= n * 4 / 5 || next(4) == 0 => 0.0,
                            2 => -(next(200) as f64) / 97.0,
                            // Everyone wants the same columns: a column's appeal plus a little noise.
                            3 => -((j % 37) as f64) - next(3) as f64 * 0.25,
                            // Wide range of magnitudes.
                            _ => (next(2000) as f64 - 1000.0) * 1e3,
                        }
                    })
                    .collect();
                let a = solve(n, &cost, None).unwrap();
                let d = dense(Shape { rows: n, cols: n }, &cost, None).unwrap();
                let tol = 1e-9 * cost.iter().fold(1.0f64, |m, c| m.max(c.abs()));
                assert!((a.cost - d.cost).abs() <= tol * n as f64, "n {n} shape {shape}: {} vs {}", a.cost, d.cost);
                certify(n, &cost, &a, tol).unwrap();
                // Warm from the prices of a changed problem, and from arbitrary ones.
                let changed: Vec<f64> = cost.iter().map(|c| c * 0.9 + (next(5) as f64) * 0.01).collect();
                let old = solve(n, &changed, None).unwrap();
                let odd: Vec<f64> = (0..n).map(|_| next(1000) as f64 - 500.0).collect();
                for warm in [&old.v, &odd] {
                    let b = solve(n, &cost, Some(warm)).unwrap();
                    assert!((b.cost - d.cost).abs() <= tol * n as f64, "warm n {n} shape {shape}");
                    certify(n, &cost, &b, tol).unwrap();
                }
            }
        }
    }

    /// `rows × cols` padded with rows of zeros to a square, solved by the dense method: the
    /// reference for the rectangular solver.
    fn padded_optimum(rows: usize, cols: usize, cost: &[f64]) -> f64 {
        assert_eq!(cost.len(), rows * cols);
        let mut square = cost.to_vec();
        square.resize(cols * cols, 0.0);
        dense(Shape { rows: cols, cols }, &square, None).unwrap().cost
    }

    fn brute_rect(rows: usize, cols: usize, cost: &[f64]) -> f64 {
        fn go(row: usize, rows: usize, cols: usize, cost: &[f64], used: &mut Vec<bool>, acc: f64, best: &mut f64) {
            if row == rows {
                *best = best.min(acc);
                return;
            }
            for j in 0..cols {
                if !used[j] {
                    used[j] = true;
                    go(row + 1, rows, cols, cost, used, acc + cost[row * cols + j], best);
                    used[j] = false;
                }
            }
        }
        let mut best = f64::INFINITY;
        go(0, rows, cols, cost, &mut vec![false; cols], 0.0, &mut best);
        best
    }

    /// Rectangular matrices with positive and negative cells (so padding with zero columns
    /// would give a different answer): the optimum by brute force, with its certificate, cold
    /// and from arbitrary prices.
    #[test]
    fn small_rectangles_match_brute_force_and_carry_a_certificate() {
        let mut seed = 5u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % 1000) as f64 / 100.0 - 6.0
        };
        for cols in 1..=7 {
            for rows in 0..=cols {
                for _ in 0..20 {
                    let cost: Vec<f64> = (0..rows * cols).map(|_| next()).collect();
                    let best = brute_rect(rows, cols, &cost);
                    let a = solve_rect(rows, cols, &cost, None).unwrap();
                    assert!((a.cost - if rows == 0 { 0.0 } else { best }).abs() < 1e-9, "{rows} × {cols}: {} vs {best}", a.cost);
                    certify_rect(rows, cols, &cost, &a, 1e-9).unwrap();
                    let warm: Vec<f64> = (0..cols).map(|_| next() * 3.0).collect();
                    let b = solve_rect(rows, cols, &cost, Some(&warm)).unwrap();
                    assert!((b.cost - a.cost).abs() < 1e-9);
                    certify_rect(rows, cols, &cost, &b, 1e-9).unwrap();
                }
            }
        }
    }

    /// The candidate searches on rectangular shapes (the engine's pools have more mentees than
    /// places, or more places than mentees): the dense method's optimum on the matrix padded
    /// with rows of zeros, and the rectangular certificate, cold, warm from a changed
    /// problem's prices and from arbitrary ones.
    #[test]
    fn rectangles_match_the_dense_method_on_every_shape() {
        let mut seed = 13u64;
        let mut next = move |m: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for (rows, cols) in [(65usize, 66usize), (70, 140), (120, 121), (200, 260), (300, 301)] {
            for shape in 0..5 {
                let cost: Vec<f64> = (0..rows * cols)
                    .map(|k| {
                        let j = k % cols;
                        match shape {
                            0 => next(1_000_000) as f64 / 1e4 - 50.0,
                            1 => -(next(6) as f64),
                            2 if next(4) == 0 => 0.0,
                            2 => -(next(200) as f64) / 97.0,
                            3 => -((j % 37) as f64) - next(3) as f64 * 0.25,
                            _ => (next(2000) as f64 - 1000.0) * 1e3,
                        }
                    })
                    .collect();
                let tol = 1e-9 * cost.iter().fold(1.0f64, |m, c| m.max(c.abs()));
                let want = padded_optimum(rows, cols, &cost);
                let a = solve_rect(rows, cols, &cost, None).unwrap();
                assert!((a.cost - want).abs() <= tol * cols as f64, "{rows} × {cols} shape {shape}: {} vs {want}", a.cost);
                certify_rect(rows, cols, &cost, &a, tol).unwrap_or_else(|e| panic!("{rows} × {cols} shape {shape}: {e}"));
                let changed: Vec<f64> = cost.iter().map(|c| c * 0.9 + (next(5) as f64) * 0.01).collect();
                let old = solve_rect(rows, cols, &changed, None).unwrap();
                let odd: Vec<f64> = (0..cols).map(|_| next(1000) as f64 - 500.0).collect();
                for warm in [&old.v, &odd] {
                    let b = solve_rect(rows, cols, &cost, Some(warm)).unwrap();
                    assert!((b.cost - want).abs() <= tol * cols as f64, "warm {rows} × {cols} shape {shape}");
                    certify_rect(rows, cols, &cost, &b, tol).unwrap_or_else(|e| panic!("warm {rows} × {cols} shape {shape}: {e}"));
                }
            }
        }
    }

    /// A certificate that is wrong in any one way is refused.
    #[test]
    fn a_rectangular_certificate_with_a_flaw_is_refused() {
        let cost = [-3.0, -1.0, 0.0, -2.0, -2.0, -1.0];
        let a = solve_rect(2, 3, &cost, None).unwrap();
        certify_rect(2, 3, &cost, &a, 1e-12).unwrap();
        let mut free_priced = a.clone();
        let free = (0..3).find(|j| !a.col_of_row.contains(&(*j as u32))).unwrap();
        free_priced.v[free] = -0.5;
        assert!(certify_rect(2, 3, &cost, &free_priced, 1e-12).unwrap_err().contains("free"));
        let mut shared = a.clone();
        shared.col_of_row[1] = shared.col_of_row[0];
        assert!(certify_rect(2, 3, &cost, &shared, 1e-12).unwrap_err().contains("distinct"));
        // A used column priced above 0, with its row's price lowered to stay tight: every
        // reduced cost is as before, but the dual no longer bounds the rectangular problem.
        let mut raised = a.clone();
        let (row, col) = (0, a.col_of_row[0] as usize);
        raised.v[col] = 0.5;
        raised.u[row] = cost[row * 3 + col] - 0.5;
        assert!(certify_rect(2, 3, &cost, &raised, 1e-12).unwrap_err().contains("used"));
        // A row priced above what one of its other cells allows (its own cell kept tight by
        // lowering that column's price).
        let mut greedy = a.clone();
        greedy.u[row] += 10.0;
        greedy.v[col] -= 10.0;
        assert!(certify_rect(2, 3, &cost, &greedy, 1e-12).unwrap_err().contains("negative reduced cost"));
        assert!(certify_rect(3, 2, &cost, &a, 1e-12).unwrap_err().contains("sizes"));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(solve_rect(3, 2, &[0.0; 6], None), Err(LapError::NotSquare));
        assert_eq!(solve_rect(2, 3, &[0.0; 6], Some(&[0.0; 2])), Err(LapError::NotSquare));
        assert_eq!(solve(2, &[1.0, 2.0, 3.0], None), Err(LapError::NotSquare));
        assert_eq!(solve(1, &[f64::NAN], None), Err(LapError::BadCost));
        assert_eq!(solve(2, &[0.0; 4], Some(&[0.0])), Err(LapError::NotSquare));
        // Past the small sizes the check is made on the candidate pass.
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut big = vec![1.0; 100 * 100];
            big[57 * 100 + 99] = bad;
            assert_eq!(solve(100, &big, None), Err(LapError::BadCost));
            assert_eq!(solve(100, &big, Some(&[0.5; 100])), Err(LapError::BadCost));
        }
        assert_eq!(solve(100, &[1.0; 100 * 100], Some(&[f64::NAN; 100])), Err(LapError::BadCost));
    }
}
