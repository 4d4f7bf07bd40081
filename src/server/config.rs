//! Configuration from the command line and environment variables, with defaults that let
//! `upmentor` run on a laptop with no set-up at all.

use clap::{Args, Parser, Subcommand};
use super::db::SqliteSync;
use std::{net::SocketAddr, path::PathBuf};

#[derive(Debug, Parser)]
#[command(name = "upmentor", version, about = "Reverse-mentoring programmes: matching, pairs, check-ins, feedback")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default). Migrates the database and, when it is empty, loads the
    /// demo organisation first.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Add a generated demo organisation to the database.
    Demo {
        /// How many employees to create.
        #[arg(long, default_value_t = 500)]
        people: u32,
    },
    /// Create an admin (or make an existing person one) and print a one-time link to set a password.
    InviteAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "UPMENTOR_ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub addr: SocketAddr,
    /// Where the embedded database and other state live.
    #[arg(long, env = "UPMENTOR_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,
    /// sqlite://… or postgres://…; defaults to an SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The built browser assets (pkg/, style, public files).
    #[arg(long, env = "UPMENTOR_SITE_ROOT", default_value = "target/site", global = true)]
    pub site_root: PathBuf,
    /// The address people use to reach the app, e.g. https://mentoring.example.com. An https
    /// address marks the session cookie Secure. Invite links are built from it.
    #[arg(long, env = "UPMENTOR_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Proxies whose X-Forwarded-For, -Proto and -Host are believed: addresses or CIDR ranges,
    /// comma-separated (e.g. 127.0.0.1,10.0.0.0/8). Empty: the app is reached directly.
    #[arg(long, env = "UPMENTOR_TRUSTED_PROXIES", value_delimiter = ',', value_parser = super::proxy::parse_proxy, global = true)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Run as a demo: a made-up organisation is loaded into an empty database and everyone can
    /// sign in with the published demo password. Refused on an https address and on a database
    /// that holds anyone else. Without it nothing is loaded: a real installation starts with
    /// `invite-admin`.
    #[arg(long, env = "UPMENTOR_DEMO", action = clap::ArgAction::SetTrue, value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub demo: bool,
    /// People in the demo organisation (with `--demo`, on an empty database).
    #[arg(long, env = "UPMENTOR_DEMO_PEOPLE", default_value_t = 500, global = true)]
    pub demo_people: u32,
    /// With the demo organisation, also a running programme with published pairs at work
    /// (goals, check-ins, feedback, messages, a survey and a roadblock).
    #[arg(long, env = "UPMENTOR_DEMO_PROGRAMME", default_value_t = true, action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub demo_programme: bool,
    /// With the demo programme, also months of its history: check-ins held and missed, ratings,
    /// goals, surveys, roadblocks and pairs gone quiet (`upmentor demo --people 5000 --history`).
    #[arg(long = "history", env = "UPMENTOR_DEMO_HISTORY", action = clap::ArgAction::SetTrue, value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub demo_history: bool,
    /// How long a mentee's request to a mentor (self-match programmes) waits for an answer.
    #[arg(long, env = "UPMENTOR_REQUEST_HOURS", default_value_t = 168, global = true)]
    pub request_hours: u32,
    /// Seconds between housekeeping rounds (expired sessions and requests, check-in reminders).
    #[arg(long, env = "UPMENTOR_HOUSEKEEPING_SECS", default_value_t = 900, global = true)]
    pub housekeeping_secs: u64,
    /// Threads that serve requests (0: one per core). Each runs its own single-threaded
    /// runtime, so a request never runs on two threads at once (see `server::serve`).
    #[arg(long, env = "UPMENTOR_WORKERS", default_value_t = 0, global = true)]
    pub workers: usize,
    /// With SQLite: how a commit waits for the disk (full: it survives an operating-system
    /// crash too; normal: faster, only the app being killed is survived). See the README.
    #[arg(long, env = "UPMENTOR_SQLITE_SYNCHRONOUS", value_enum, default_value_t = SqliteSync::default(), global = true)]
    pub sqlite_synchronous: SqliteSync,
    /// The mail server, e.g. smtp://user:password@mail.example.com:587?tls=required (STARTTLS),
    /// smtps://user:password@mail.example.com:465, or smtp://127.0.0.1:25 for a relay on the same
    /// machine. Without it nobody gets mail: everything stays in the app and admins copy links.
    #[arg(long, env = "UPMENTOR_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// The sender of the app's mail, e.g. "Upmentor <mentoring@example.com>" (needed with a mail
    /// server).
    #[arg(long, env = "UPMENTOR_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// Seconds before the first retry of a message the mail server did not take; each further
    /// retry waits twice as long, up to an hour, and the eighth failure gives up.
    #[arg(long, env = "UPMENTOR_MAIL_RETRY_SECS", default_value_t = 30, global = true)]
    pub mail_retry_secs: u64,
    /// Minutes between two chat digests to one person (a mail listing the chat messages they
    /// left unread), at most.
    #[arg(long, env = "UPMENTOR_DIGEST_EVERY_MINUTES", default_value_t = 720, global = true)]
    pub digest_every_minutes: u64,
    /// Minutes a chat message stays unread before a digest mentions it (time to read it in the app).
    #[arg(long, env = "UPMENTOR_DIGEST_AFTER_MINUTES", default_value_t = 30, global = true)]
    pub digest_after_minutes: u64,
    /// Log filter, e.g. info or upmentor=debug,tower_http=info.
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log: String,
}

impl Config {
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}?mode=rwc", self.data_dir.join("upmentor.db").display()),
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// How many serving threads to start: the configured count, or one per core.
    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
        }
    }

    /// The public address's origin (`https://mentoring.example.com`, no path, lower case): what
    /// browsers send as `Origin`.
    pub fn public_origin(&self) -> Option<String> {
        let url = self.public_url.as_deref()?.trim().to_ascii_lowercase();
        let (scheme, rest) = url.split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next()?;
        (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
    }

    /// Base for links shown to people (invites).
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.addr),
        }
    }

    /// A configuration for tests and tools: everything default but the given paths.
    pub fn for_test(data_dir: PathBuf, database_url: Option<String>, site_root: PathBuf) -> Self {
        Config {
            addr: "127.0.0.1:0".parse().expect("literal address"),
            data_dir,
            database_url,
            site_root,
            public_url: None,
            trusted_proxies: Vec::new(),
            demo: false,
            demo_people: 0,
            demo_programme: false,
            demo_history: false,
            request_hours: 168,
            housekeeping_secs: 900,
            workers: 1,
            sqlite_synchronous: SqliteSync::default(),
            smtp_url: None,
            mail_from: None,
            mail_retry_secs: 30,
            digest_every_minutes: 720,
            digest_after_minutes: 30,
            log: "warn".into(),
        }
    }
}
