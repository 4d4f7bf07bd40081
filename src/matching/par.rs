//! Row-parallel loops over the pair matrices: one chunk of rows per core on the server, one
//! loop in the browser (no threads there). Scoped threads from the standard library: the
//! loops are few and flat, so a thread pool crate would add a dependency for nothing.

/// Pairs below this are done on one thread (starting a thread costs more than it saves).
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_FROM: usize = 100_000;

fn threads_for(cells: usize) -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    {
        // Asking the system reads files (cgroup limits) each time: once is enough.
        static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        if cells >= PARALLEL_FROM {
            return *CORES.get_or_init(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(16));
        }
    }
    let _ = cells;
    1
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
    let rows = a.len() / width;
    debug_assert_eq!(b.len(), rows * width);
    let threads = threads_for(a.len()).min(rows.max(1));
    if threads <= 1 {
        for (r, (ra, rb)) in a.chunks_mut(width).zip(b.chunks_mut(width)).enumerate() {
            f(r, ra, rb);
        }
        return;
    }
    let per = rows.div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        for (t, (ca, cb)) in a.chunks_mut(per * width).zip(b.chunks_mut(per * width)).enumerate() {
            s.spawn(move || {
                for (i, (ra, rb)) in ca.chunks_mut(width).zip(cb.chunks_mut(width)).enumerate() {
                    f(t * per + i, ra, rb);
                }
            });
        }
    });
}

/// Calls `f(row, a_row)` for every row of a row-major matrix of `width` columns.
pub(crate) fn fill_rows<A: Send>(a: &mut [A], width: usize, f: impl Fn(usize, &mut [A]) + Sync) {
    let mut none = vec![(); a.len()];
    fill_rows2(a, &mut none, width, |r, ra, _| f(r, ra));
}

/// `(0..items).map(f)`, in order, split over the cores when the items read `cells_each` pairs
/// apiece and there are enough pairs in all.
pub(crate) fn map<T: Send>(items: usize, cells_each: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = threads_for(items.saturating_mul(cells_each)).min(items.max(1));
    if threads <= 1 {
        return (0..items).map(f).collect();
    }
    let chunk = items.div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..threads).map(|t| s.spawn(move || (t * chunk..((t + 1) * chunk).min(items)).map(f).collect::<Vec<T>>())).collect();
        handles.into_iter().flat_map(|h| h.join().expect("a matching thread panicked")).collect()
    })
}
