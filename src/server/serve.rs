//! Serving on every core while each request stays on one thread.
//!
//! Leptos's reactive graph guards every signal, effect and resource with its own lock and takes
//! two of them in opposite orders on some paths (an effect clearing its sources takes the
//! effect's lock, then the resource's; a resource that resolves takes its own, then marks the
//! effect dirty). When one request's rendering tasks run on two threads at once, both threads
//! can each hold one lock and wait for the other: the whole process stops with 0 % CPU
//! (leptos-rs/leptos issues 4578, 4673, 4851; seen here under ordinary signed-in use on a
//! multi-threaded tokio runtime, never with one worker thread).
//!
//! So requests are served by `workers` threads, each running its own single-threaded runtime
//! and accepting from the one listening socket. A connection, its requests, their rendering and
//! every task they spawn (tokio's `spawn` uses the current runtime) stay on the thread that
//! accepted it; the threads share nothing reactive. All cores serve requests, and a slow page
//! on one thread leaves the others free to accept.
//!
//! What the threads do share is the database pool. A PostgreSQL connection is a socket driven by
//! the runtime of the thread that opened it; used by another thread it still works, its data
//! merely waits while the opening thread is busy (a few milliseconds of rendering). SQLite
//! connections run on threads of their own.

use axum::Router;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::watch;

/// Rendering a large page nests many futures; unoptimised builds need more than tokio's 2 MiB.
pub const STACK_BYTES: usize = 16 * 1024 * 1024;

/// The serving threads' runtimes, filled in once they have started; the liveness check sends a
/// probe to each.
#[derive(Default, Debug)]
pub struct Workers {
    handles: OnceLock<Vec<Handle>>,
    /// The last liveness result and when it was taken: checks that come at once or in quick
    /// succession share one probe instead of each rendering a page on every thread.
    pub(crate) last_check: tokio::sync::Mutex<Option<(std::time::Instant, Result<usize, String>)>>,
}

impl Workers {
    /// The runtimes, in thread order; empty before [`start`] has run (the command-line tools).
    pub fn handles(&self) -> &[Handle] {
        self.handles.get().map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Starts `count` (at least 1) serving threads on `listener` and returns them; they run until
/// `shutdown` turns `true`, then finish the requests in flight and stop.
///
/// Errors: the operating system refused a thread or a runtime (then no thread is left running
/// for long: the others see `shutdown` dropped with the sender).
pub fn start(
    listener: std::net::TcpListener,
    app: Router,
    workers: Arc<Workers>,
    count: usize,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<Vec<std::thread::JoinHandle<()>>> {
    listener.set_nonblocking(true)?;
    let count = count.max(1);
    let mut threads = Vec::with_capacity(count);
    let mut handles = Vec::with_capacity(count);
    let finished = Arc::new(std::sync::Barrier::new(count));
    for i in 0..count {
        let finished = finished.clone();
        let listener = listener.try_clone()?;
        let app = app.clone();
        let mut shutdown = shutdown.clone();
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("upmentor-http-{i}"))
            .stack_size(STACK_BYTES)
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .thread_stack_size(STACK_BYTES)
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        tracing::error!(error = %e, "a serving thread could not start its runtime");
                        return;
                    }
                };
                let _ = handle_tx.send(runtime.handle().clone());
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!(error = %e, "a serving thread could not take the socket");
                            return;
                        }
                    };
                    let stop = async move {
                        while !*shutdown.borrow_and_update() {
                            if shutdown.changed().await.is_err() {
                                break;
                            }
                        }
                    };
                    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
                    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stop).await {
                        tracing::error!(error = %e, "a serving thread stopped");
                    }
                });
                // A database connection opened on this thread may be serving another thread's
                // last requests; its runtime drives that socket, so it stays until all are done.
                finished.wait();
                drop(runtime);
            })?;
        let handle = handle_rx
            .recv()
            .map_err(|_| std::io::Error::other("a serving thread failed to start its runtime"))?;
        handles.push(handle);
        threads.push(thread);
    }
    let _ = workers.handles.set(handles);
    Ok(threads)
}

/// Why a liveness probe failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeFailure {
    /// The thread did not finish the probe within the time allowed (stuck or overloaded).
    TimedOut { worker: usize },
    /// The probe ran and reported a problem.
    Failed { worker: usize, reason: String },
}

impl std::fmt::Display for ProbeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeFailure::TimedOut { worker } => write!(f, "serving thread {worker} did not answer in time"),
            ProbeFailure::Failed { worker, reason } => write!(f, "serving thread {worker}: {reason}"),
        }
    }
}

/// Runs `probe()` on every runtime in `handles` at once and waits at most `limit` for all.
/// `Ok(n)` when all `n` succeeded; otherwise every failure, in worker order.
pub async fn probe_all<F, Fut>(handles: &[Handle], limit: Duration, probe: F) -> Result<usize, Vec<ProbeFailure>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let running: Vec<_> = handles.iter().map(|h| h.spawn(probe())).collect();
    let mut failures = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    for (worker, task) in running.into_iter().enumerate() {
        let abort = task.abort_handle();
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(reason))) => failures.push(ProbeFailure::Failed { worker, reason }),
            Ok(Err(e)) => failures.push(ProbeFailure::Failed { worker, reason: e.to_string() }),
            Err(_) => {
                abort.abort();
                failures.push(ProbeFailure::TimedOut { worker });
            }
        }
    }
    if failures.is_empty() {
        Ok(handles.len())
    } else {
        Err(failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A runtime on its own thread, as a serving thread has; dropped with its sender.
    fn worker() -> (Handle, std::thread::JoinHandle<()>, tokio::sync::oneshot::Sender<()>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            tx.send(rt.handle().clone()).unwrap();
            rt.block_on(async {
                let _ = stop_rx.await;
            });
        });
        (rx.recv().unwrap(), thread, stop_tx)
    }

    #[tokio::test]
    async fn a_probe_passes_on_threads_that_run_and_fails_on_one_that_is_stuck() {
        let (a, ta, sa) = worker();
        let (b, tb, sb) = worker();
        let both = [a.clone(), b.clone()];
        let ok = probe_all(&both, Duration::from_secs(2), || async { Ok(()) }).await;
        assert_eq!(ok, Ok(2));

        // Thread b is blocked (as a deadlocked thread would be): its probe cannot run.
        let (blocked_tx, blocked_rx) = std::sync::mpsc::channel::<()>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        b.spawn(async move {
            blocked_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(Duration::from_secs(10));
        });
        blocked_rx.recv().unwrap();
        let started = std::time::Instant::now();
        let stuck = probe_all(&both, Duration::from_millis(300), || async { Ok(()) }).await;
        assert_eq!(stuck, Err(vec![ProbeFailure::TimedOut { worker: 1 }]));
        assert!(started.elapsed() < Duration::from_secs(5), "the probe gives up at its limit");

        // A probe that runs but reports a problem names the thread and the reason.
        release_tx.send(()).unwrap();
        let failed = probe_all(&both[..1], Duration::from_secs(2), || async { Err("page did not render".to_string()) }).await;
        assert_eq!(failed, Err(vec![ProbeFailure::Failed { worker: 0, reason: "page did not render".into() }]));

        for (stop, thread) in [(sa, ta), (sb, tb)] {
            let _ = stop.send(());
            thread.join().unwrap();
        }
    }
}
