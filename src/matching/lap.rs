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
    let mut shortest = vec![f64::INFINITY; n];
    let mut path = vec![usize::MAX; n];
    let mut remaining: Vec<usize> = Vec::with_capacity(n);
    let mut scanned_rows: Vec<usize> = Vec::with_capacity(n);
    let mut scanned_cols: Vec<usize> = Vec::with_capacity(n);
    let mut row_seen = vec![false; n];

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

    for cur_row in 0..n {
        if col4row[cur_row] != usize::MAX {
            continue;
        }
        // Dijkstra over columns from the free row `cur_row`, on reduced costs.
        remaining.clear();
        remaining.extend((0..n).rev());
        for s in shortest.iter_mut() {
            *s = f64::INFINITY;
        }
        for &r in &scanned_rows {
            row_seen[r] = false;
        }
        scanned_rows.clear();
        scanned_cols.clear();
        let mut min_val = 0.0f64;
        let mut i = cur_row;
        let sink;
        loop {
            row_seen[i] = true;
            scanned_rows.push(i);
            let row = &cost[i * n..(i + 1) * n];
            let ui = u[i];
            let mut lowest = f64::INFINITY;
            let mut index = usize::MAX;
            for (k, &j) in remaining.iter().enumerate() {
                let r = min_val + row[j] - ui - v[j];
                if r < shortest[j] {
                    path[j] = i;
                    shortest[j] = r;
                }
                let sj = shortest[j];
                if sj < lowest || (sj == lowest && row4col[j] == usize::MAX) {
                    lowest = sj;
                    index = k;
                }
            }
            if index == usize::MAX || !lowest.is_finite() {
                return Err(LapError::Infeasible);
            }
            min_val = lowest;
            let j = remaining.swap_remove(index);
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
                u[r] += min_val - shortest[col4row[r]];
            }
        }
        for &j in &scanned_cols {
            v[j] -= min_val - shortest[j];
        }
        // Augment along the path.
        let mut j = sink;
        loop {
            let i = path[j];
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
            let (mut u1, mut j1) = (f64::INFINITY, usize::MAX);
            let (mut u2, mut j2) = (f64::INFINITY, usize::MAX);
            for j in 0..n {
                let r = row[j] - v[j];
                if r < u2 {
                    if r < u1 {
                        u2 = u1;
                        j2 = j1;
                        u1 = r;
                        j1 = j;
                    } else {
                        u2 = r;
                        j2 = j;
                    }
                }
            }
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
