//! Dense linear assignment: the shortest-augmenting-path method (Jonker–Volgenant as
//! described by Crouse, the same family as SciPy's `linear_sum_assignment`), minimising cost on
//! a square matrix, with dual prices that prove the answer optimal and can seed a warm start.

/// An optimal assignment with its proof.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Column of each row.
    pub col_of_row: Vec<u32>,
    /// Row dual prices.
    pub u: Vec<f64>,
    /// Column dual prices (pass to [`solve`] again to warm-start).
    pub v: Vec<f64>,
    pub cost: f64,
}

/// Why no assignment exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LapError {
    NotSquare,
    Infeasible,
    BadCost,
}

/// Minimises Σ cost[i][col(i)] over permutations. `cost` is row-major n×n; entries must be
/// finite. `warm_v`, if given, seeds the column prices (any values keep the result exact;
/// prices from a similar problem make it fast).
pub fn solve(n: usize, cost: &[f64], warm_v: Option<&[f64]>) -> Result<Assignment, LapError> {
    if cost.len() != n * n || warm_v.is_some_and(|v| v.len() != n) {
        return Err(LapError::NotSquare);
    }
    if cost.iter().any(|c| !c.is_finite()) {
        return Err(LapError::BadCost);
    }
    let mut u = vec![0.0f64; n];
    let mut v: Vec<f64> = warm_v.map(|w| w.to_vec()).unwrap_or_else(|| vec![0.0; n]);
    let mut col4row = vec![usize::MAX; n];
    let mut row4col = vec![usize::MAX; n];

    // A head start that keeps every reduced cost non-negative: with prices from a similar
    // problem, each row's cheapest column; from scratch, each column's cheapest row (the
    // column reduction of Jonker and Volgenant). Rows placed here need no search below.
    if warm_v.is_some() {
        for i in 0..n {
            let row = &cost[i * n..(i + 1) * n];
            let (mut best, mut arg) = (f64::INFINITY, 0);
            for j in 0..n {
                let r = row[j] - v[j];
                if r < best {
                    best = r;
                    arg = j;
                }
            }
            u[i] = best;
            if row4col[arg] == usize::MAX {
                row4col[arg] = i;
                col4row[i] = arg;
            }
        }
    } else {
        let mut arg = vec![0usize; n];
        for j in 0..n {
            v[j] = f64::INFINITY;
        }
        for i in 0..n {
            let row = &cost[i * n..(i + 1) * n];
            for j in 0..n {
                if row[j] < v[j] {
                    v[j] = row[j];
                    arg[j] = i;
                }
            }
        }
        for j in 0..n {
            let i = arg[j];
            if col4row[i] == usize::MAX {
                col4row[i] = j;
                row4col[j] = i;
            }
        }
    }

    augmenting_row_reduction(n, cost, &mut u, &mut v, &mut col4row, &mut row4col);

    // Working arrays of the searches: `key` is a column's tentative distance (NaN once it is
    // settled, which no comparison takes), `settled_at` its final one.
    let mut key = vec![f64::INFINITY; n];
    let mut settled_at = vec![0.0f64; n];
    let mut from_row = vec![0u32; n];
    let mut scanned_rows: Vec<usize> = Vec::with_capacity(n);
    let mut scanned_cols: Vec<usize> = Vec::with_capacity(n);
    for cur_row in 0..n {
        if col4row[cur_row] != usize::MAX {
            continue;
        }
        // Dijkstra over columns from the free row `cur_row`, on reduced costs.
        key.iter_mut().for_each(|k| *k = f64::INFINITY);
        scanned_rows.clear();
        scanned_cols.clear();
        let mut min_val = 0.0f64;
        let mut i = cur_row;
        let sink;
        loop {
            scanned_rows.push(i);
            let lowest = relax_row(min_val - u[i], &cost[i * n..(i + 1) * n], &v, &mut key, &mut from_row, i as u32);
            if !lowest.is_finite() {
                return Err(LapError::Infeasible);
            }
            let j = column_at(&key, lowest, &row4col);
            min_val = lowest;
            key[j] = f64::NAN;
            settled_at[j] = lowest;
            scanned_cols.push(j);
            if row4col[j] == usize::MAX {
                sink = j;
                break;
            }
            i = row4col[j];
        }
        // Update the prices so reduced costs stay non-negative and the path becomes tight.
        u[cur_row] += min_val;
        for &r in &scanned_rows {
            if r != cur_row {
                u[r] += min_val - settled_at[col4row[r]];
            }
        }
        for &j in &scanned_cols {
            v[j] -= min_val - settled_at[j];
        }
        // Augment along the path.
        let mut j = sink;
        loop {
            let i = from_row[j] as usize;
            row4col[j] = i;
            std::mem::swap(&mut col4row[i], &mut j);
            if i == cur_row {
                break;
            }
        }
    }
    let total = (0..n).map(|i| cost[i * n + col4row[i]]).sum();
    Ok(Assignment { col_of_row: col4row.into_iter().map(|c| c as u32).collect(), u, v, cost: total })
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

/// The cheapest and second-cheapest reduced cost of a row (`cost - v`) with their columns
/// (`usize::MAX` where the row is too short): the first column of the lowest value, then the
/// lowest of the rest, first column first. Two columns per instruction on x86-64 (each lane
/// keeps its own two, merged at the end), one elsewhere; the same answer either way.
#[inline]
fn two_cheapest(row: &[f64], v: &[f64]) -> ((f64, usize), (f64, usize)) {
    let n = row.len();
    assert_eq!(v.len(), n);
    // (value, column) pairs, ordered by value then column.
    let mut best = [(f64::INFINITY, usize::MAX); 2];
    let offer = |best: &mut [(f64, usize); 2], r: f64, j: usize| {
        let before = |a: (f64, usize), b: (f64, usize)| a.0 < b.0 || (a.0 == b.0 && a.1 < b.1);
        if before((r, j), best[1]) {
            if before((r, j), best[0]) {
                best[1] = best[0];
                best[0] = (r, j);
            } else {
                best[1] = (r, j);
            }
        }
    };
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
    n: usize,
    cost: &[f64],
    u: &mut [f64],
    v: &mut [f64],
    col4row: &mut [usize],
    row4col: &mut [usize],
) {
    for _ in 0..2 {
        let mut free: Vec<usize> = (0..n).filter(|&i| col4row[i] == usize::MAX).collect();
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
            let row = &cost[i * n..(i + 1) * n];
            let ((u1, j1), (u2, j2)) = two_cheapest(row, v);
            if j1 == usize::MAX {
                continue;
            }
            let mut j = j1;
            let mut i0 = row4col[j1];
            let strict = j2 != usize::MAX && u1 < u2;
            if strict {
                v[j1] -= u2 - u1;
            } else if i0 != usize::MAX && j2 != usize::MAX {
                j = j2;
                i0 = row4col[j2];
            }
            row4col[j] = i;
            col4row[i] = j;
            u[i] = row[j] - v[j];
            if i0 != usize::MAX {
                col4row[i0] = usize::MAX;
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
    let mut used = vec![false; n];
    for (i, &c) in a.col_of_row.iter().enumerate() {
        let c = c as usize;
        if c >= n || used[c] {
            return Err(format!("row {i} is not assigned to a distinct column"));
        }
        used[c] = true;
        let slack = cost[i * n + c] - a.u[i] - a.v[c];
        if slack.abs() > tol {
            return Err(format!("assigned cell ({i}, {c}) is not tight: slack {slack}"));
        }
    }
    for i in 0..n {
        for j in 0..n {
            let slack = cost[i * n + j] - a.u[i] - a.v[j];
            if slack < -tol {
                return Err(format!("cell ({i}, {j}) has negative reduced cost {slack}"));
            }
        }
    }
    let dual: f64 = a.u.iter().sum::<f64>() + a.v.iter().sum::<f64>();
    if (dual - a.cost).abs() > tol * n as f64 {
        return Err(format!("primal {} and dual {} differ", a.cost, dual));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(n: usize, cost: &[f64]) -> f64 {
        fn go(row: usize, n: usize, cost: &[f64], used: &mut Vec<bool>, acc: f64, best: &mut f64) {
            if row == n {
                *best = best.min(acc);
                return;
            }
            for j in 0..n {
                if !used[j] {
                    used[j] = true;
                    go(row + 1, n, cost, used, acc + cost[row * n + j], best);
                    used[j] = false;
                }
            }
        }
        let mut best = f64::INFINITY;
        go(0, n, cost, &mut vec![false; n], 0.0, &mut best);
        best
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

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(solve(2, &[1.0, 2.0, 3.0], None), Err(LapError::NotSquare));
        assert_eq!(solve(1, &[f64::NAN], None), Err(LapError::BadCost));
        assert_eq!(solve(2, &[0.0; 4], Some(&[0.0])), Err(LapError::NotSquare));
    }
}
