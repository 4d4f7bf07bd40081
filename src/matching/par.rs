//! Row-parallel loops over the pair matrices: on all cores on the server, one loop in the
//! browser (no threads there). On the server the work goes to rayon's pool, whose threads wait
//! between runs: handing work to them costs microseconds, where starting threads for each loop
//! cost about 0.1 ms a loop (measured on 2 cores), and one solve makes five to eight such loops.

/// Pairs below this are done on the calling thread (handing them over costs more than it saves).
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_FROM: usize = 100_000;

/// Pairs each task takes at least, so rows are not split finer than pays.
#[cfg(not(target_arch = "wasm32"))]
const PAIRS_PER_TASK: usize = 16_384;

#[cfg(not(target_arch = "wasm32"))]
fn parallel(cells: usize) -> bool {
    cells >= PARALLEL_FROM && rayon::current_num_threads() > 1
}

/// Calls `f(row, a_row, b_row)` for every row of two row-major matrices of `width` columns.
pub(crate) fn fill_rows2<A: Send, B: Send>(
    a: &mut [A],
    b: &mut [B],
    width: usize,
    f: impl Fn(usize, &mut [A], &mut [B]) + Sync,
) {
    if width == 0 {
        return;
    }
    debug_assert_eq!(a.len(), b.len());
    #[cfg(not(target_arch = "wasm32"))]
    if parallel(a.len()) {
        use rayon::prelude::*;
        a.par_chunks_mut(width)
            .zip(b.par_chunks_mut(width))
            .enumerate()
            .with_min_len((PAIRS_PER_TASK / width).max(1))
            .for_each(|(r, (ra, rb))| f(r, ra, rb));
        return;
    }
    for (r, (ra, rb)) in a.chunks_mut(width).zip(b.chunks_mut(width)).enumerate() {
        f(r, ra, rb);
    }
}

/// Calls `f(row, a_row)` for every row of a row-major matrix of `width` columns.
pub(crate) fn fill_rows<A: Send>(a: &mut [A], width: usize, f: impl Fn(usize, &mut [A]) + Sync) {
    let mut none = vec![(); a.len()];
    fill_rows2(a, &mut none, width, |r, ra, _| f(r, ra));
}

/// `(0..items).map(f)`, in order, on all cores when the items read `cells_each` pairs apiece
/// and there are enough pairs in all.
pub(crate) fn map<T: Send>(items: usize, cells_each: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    #[cfg(not(target_arch = "wasm32"))]
    if parallel(items.saturating_mul(cells_each)) {
        use rayon::prelude::*;
        return (0..items).into_par_iter().with_min_len((PAIRS_PER_TASK / cells_each.max(1)).max(1)).map(&f).collect();
    }
    let _ = cells_each;
    (0..items).map(f).collect()
}

#[cfg(test)]
mod tests {
    /// Past the size where rows go to the pool: every row is filled once, with its own index,
    /// and `map` keeps the order.
    #[test]
    fn large_loops_visit_every_row_once_and_keep_order() {
        let (rows, width) = (700, 300);
        let mut a = vec![0u64; rows * width];
        let mut b = vec![0u32; rows * width];
        super::fill_rows2(&mut a, &mut b, width, |r, ra, rb| {
            for (j, (x, y)) in ra.iter_mut().zip(rb.iter_mut()).enumerate() {
                *x += (r * width + j) as u64;
                *y += 1;
            }
        });
        assert!(a.iter().enumerate().all(|(k, &x)| x == k as u64));
        assert!(b.iter().all(|&y| y == 1));
        let squares = super::map(rows, width, |i| i * i);
        assert_eq!(squares, (0..rows).map(|i| i * i).collect::<Vec<_>>());
    }
}
