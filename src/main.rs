//! The `upmentor` binary: serve the app (default), migrate, load demo data, invite an admin.
// Joining the app to the router names every page's view type: deeper type queries than the default.
#![recursion_limit = "256"]

use clap::Parser;
use upmentor::server::{self, config::{Cli, Command}, demo};

fn main() {
    // This thread's runtime sets up, runs the housekeeping and the chat listener, and owns the
    // database connections opened at start; requests are served on threads of their own
    // (`server::serve`), so it is never busy rendering when a connection has data.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_stack_size(server::serve::STACK_BYTES)
        .build()
        .expect("the async runtime starts");
    runtime.block_on(start());
}

async fn start() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&cli.config.log).unwrap_or_else(|_| "info".into()))
        .init();
    if let Err(e) = run(cli).await {
        eprintln!("upmentor: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config.clone();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            server::prepare(config).await?;
            println!("Database is up to date.");
        }
        Command::Demo { people } => {
            let state = server::prepare(config).await?;
            if let Some(why) = demo::refusal(&state.db, &state.config).await? {
                anyhow::bail!(why);
            }
            let n = demo::load(&state.db, people).await?;
            println!("Added a demo organisation of {n} people.");
            if state.config.demo_programme {
                let p = demo::load_programme(&state.db).await?;
                println!("Added the demo programme (id {}) with {} pairs at work.", p.programme_id, p.pairs);
                if state.config.demo_history {
                    let h = upmentor::server::demo_history::load_history(&state.db, p.programme_id, p.showcase_pair, 2026).await?;
                    println!(
                        "Added its history: {} check-ins, {} ratings, {} messages, {} surveys, {} roadblocks; {} pairs went quiet.",
                        h.checkins, h.feedback, h.messages, h.surveys, h.roadblocks, h.quiet
                    );
                }
            }
            // Once, after everything the demo wrote (people, programme, history).
            state.db.refresh_statistics().await?;
            print_sign_ins();
        }
        Command::InviteAdmin { email, name } => {
            let state = server::prepare(config).await?;
            let path = server::invite_admin(&state.db, &email, &name).await?;
            println!("Open this link to set the password for {email}:\n  {}{path}", state.config.public_base());
        }
        Command::Serve => {
            let state = server::prepare(config).await?;
            if state.config.demo {
                if let Some(why) = demo::refusal(&state.db, &state.config).await? {
                    anyhow::bail!(why);
                }
            } else if let Some(why) = demo::left_behind(&state.db).await? {
                anyhow::bail!(why);
            }
            if state.config.demo && state.config.demo_people > 0 && demo::is_empty(&state.db).await? {
                let started = std::time::Instant::now();
                let n = demo::load(&state.db, state.config.demo_people).await?;
                tracing::info!(people = n, ms = started.elapsed().as_millis() as u64, "loaded the demo organisation");
                // The organisation is there; a programme that could not be made is no reason not
                // to serve it.
                if state.config.demo_programme {
                    match demo::load_programme(&state.db).await {
                        Ok(p) => {
                            tracing::info!(programme = p.programme_id, pairs = p.pairs, ms = started.elapsed().as_millis() as u64, "loaded the demo programme");
                            if state.config.demo_history {
                                match upmentor::server::demo_history::load_history(&state.db, p.programme_id, p.showcase_pair, 2026).await {
                                    Ok(h) => tracing::info!(checkins = h.checkins, ms = started.elapsed().as_millis() as u64, "loaded the demo programme's history"),
                                    Err(e) => tracing::error!(error = %e, "could not load the demo programme's history"),
                                }
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "could not load the demo programme"),
                    }
                }
                // Once, after everything the demo wrote (people, programme, history).
                if let Err(e) = state.db.refresh_statistics().await {
                    tracing::warn!(error = %e, "could not gather statistics after the demo");
                }
            }
            // Before housekeeping's first round, whose reminders and nudges are mailed too. (A
            // mail server requires the public address, which every link in mail is built on.)
            let base = state.config.public_base();
            upmentor::mail::outbox::install_notice_mail(state.mail.clone(), base.clone());
            server::spawn_housekeeping(state.db.clone(), std::time::Duration::from_secs(state.config.housekeeping_secs));
            upmentor::pairs::chat::spawn_listener(state.clone());
            upmentor::mail::outbox::spawn_delivery(state.db.clone(), state.mail.clone());
            let listener = std::net::TcpListener::bind(state.config.addr)?;
            let addr = listener.local_addr()?;
            upmentor::mail::digest::spawn_digests(
                state.db.clone(),
                state.mail.clone(),
                base,
                state.config.digest_every_minutes,
                state.config.digest_after_minutes,
                // Often enough that a message unread for the configured time is summed up soon after.
                std::time::Duration::from_secs((state.config.digest_after_minutes * 30).clamp(1, state.config.housekeeping_secs.max(1))),
            );
            let app = server::router(state.clone(), upmentor::app::shell, upmentor::app::App);
            let (stop, stopping) = tokio::sync::watch::channel(false);
            let workers = state.config.worker_count();
            let threads = server::serve::start(listener, app, state.workers.clone(), workers, stopping)?;
            tracing::info!(workers, "serving");
            println!("Upmentor is running at http://{addr}");
            if state.config.demo {
                println!("DEMO MODE: made-up people who all share the password below. Not for real people's data.");
                print_sign_ins();
            } else if demo::is_empty(&state.db).await? {
                println!("No one is here yet. Create the first admin with:\n  upmentor invite-admin --email you@example.com --name \"Your Name\"");
            }
            shutdown().await;
            let _ = stop.send(true);
            // Requests in flight get a while to finish; a thread that does not stop (stuck, or
            // a request that never ends) must not keep the process from exiting, nor a second
            // signal wait for it.
            let finished = tokio::task::spawn_blocking(move || {
                for t in threads {
                    let _ = t.join();
                }
            });
            tokio::select! {
                _ = finished => {}
                _ = tokio::time::sleep(SHUTDOWN_GRACE) => {
                    tracing::error!(seconds = SHUTDOWN_GRACE.as_secs(), "requests still running at shutdown; exiting without them");
                    std::process::exit(1);
                }
                _ = shutdown() => {
                    tracing::warn!("second signal: exiting without waiting for requests in flight");
                    std::process::exit(1);
                }
            }
        }
    }
    Ok(())
}

/// How long requests in flight may take to finish after a stop signal.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

fn print_sign_ins() {
    println!("Demo sign-ins (password: {}):", demo::DEMO_PASSWORD);
    for (email, what) in demo::demo_sign_ins() {
        println!("  {email:<36} {what}");
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
