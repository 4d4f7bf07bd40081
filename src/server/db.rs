//! The database: one SQL dialect-neutral code base over SQLite (embedded default) and
//! PostgreSQL (several app instances), through sqlx's `Any` driver.
//!
//! Conventions that keep both backends identical: ids are 64-bit integers, times are Unix
//! seconds, flags are integers 0/1, placeholders are `$1…`.

use sqlx::{any::AnyPoolOptions, AnyPool, Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How long an SQLite commit waits for the disk (`PRAGMA synchronous`), in WAL mode.
///
/// `Normal`: a commit is durable against the app being killed (the write is in the operating
/// system's hands), and the database never corrupts; an operating-system crash or power cut can
/// undo the last commits before the next WAL checkpoint. `Full`: the WAL is synced to disk at
/// every commit, so those survive too, at the cost measured in `benches/README.md`
/// ("SQLite synchronous"). Source: <https://www.sqlite.org/pragma.html#pragma_synchronous>.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SqliteSync {
    Normal,
    #[default]
    Full,
}

impl SqliteSync {
    fn pragma(self) -> &'static str {
        match self {
            SqliteSync::Normal => "PRAGMA synchronous = NORMAL",
            SqliteSync::Full => "PRAGMA synchronous = FULL",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Connects with the default [`SqliteSync`].
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        Self::connect_with(url, SqliteSync::default()).await
    }

    /// Connects to `url` (`sqlite:…` or `postgres:…`); `sync` applies to SQLite only.
    pub async fn connect_with(url: &str, sync: SqliteSync) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(sqlx::Error::Configuration(
                format!("DATABASE_URL must start with sqlite: or postgres:, not {url:?}").into(),
            ));
        };
        if backend == Backend::Sqlite {
            if let Some(path) = sqlite_path(url) {
                if let Some(dir) = std::path::Path::new(&path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
                    }
                }
            }
        }
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the busy timeout makes a
                        // second writer wait instead of failing with "database is locked".
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute(sync.pragma()).await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(url).await?;
        Ok(Db { pool, backend })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    /// After a bulk write (the demo once loaded, an HR file applied): on PostgreSQL, gathers
    /// the planner's statistics now (`ANALYZE`, tens of milliseconds at 5,000 people) instead
    /// of when autovacuum next gets to it. Until then the planner took the freshly filled
    /// `users` table for a few dozen rows and sorted all 5,000 people for every directory page
    /// (1.9 ms a statement, against 0.03 ms once analysed along the `users_directory` index).
    /// SQLite plans without statistics here (its indexes are chosen for that); nothing to do.
    pub async fn refresh_statistics(&self) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres {
            sqlx::query("ANALYZE").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Asks the database a trivial question (`SELECT 1`): it is there and answering.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// A transaction that will write. On SQLite it takes the write lock up front, so two
    /// writers queue on the busy timeout rather than deadlock on a lock upgrade.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// A statement that returns every row of `select` as one text value, a JSON array of
    /// arrays: each row's `columns` (a comma-separated list of `select`'s column names, in the
    /// order the reader's type declares them). Read it with [`json_rows`].
    ///
    /// For reads of thousands of rows: the `Any` driver costs several microseconds a row, and
    /// SQLite's driver passes each row between threads. Measured on 50,000 check-in feedback
    /// rows (release build, SQLite): 360 ms row by row, 55 ms as one JSON text plus 15 ms to parse.
    pub fn json_rows_sql(&self, columns: &str, select: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!("SELECT json_group_array(json_array({columns})) FROM ({select}) AS t"),
            // `json_agg` of no rows is NULL, not an empty array.
            Backend::Postgres => format!("SELECT COALESCE(CAST(json_agg(json_build_array({columns})) AS TEXT), '[]') FROM ({select}) AS t"),
        }
    }
}

impl Db {
    /// [`Db::json_rows_sql`] for rows whose columns are all integers (or NULL): PostgreSQL
    /// builds an integer array per row, a third faster than `json_build_array`, which looks up
    /// each value's type (50,000 rows of six integers: 100 -> 71 ms).
    pub fn json_int_rows_sql(&self, columns: &str, select: &str) -> String {
        match self.backend {
            Backend::Sqlite => self.json_rows_sql(columns, select),
            Backend::Postgres => format!("SELECT COALESCE(CAST(json_agg(ARRAY[{columns}]) AS TEXT), '[]') FROM ({select}) AS t"),
        }
    }
}

impl Db {
    /// A statement that returns every row of `select` as one binary value, for rows of
    /// integers (or NULL) too many to send as text: `columns` names `select`'s columns in the
    /// order the reader takes them. Read it with [`int_rows`].
    ///
    /// PostgreSQL packs each value as 8 big-endian bytes (`int8send`), NULL as `i64::MIN`;
    /// turning 300,000 integers into JSON text was most of the insights' longest statement
    /// (50,000 feedback rows of six: 96 -> 76 ms of database time, psycopg2, best of five).
    /// SQLite answers the JSON of [`Db::json_rows_sql`] as a blob.
    ///
    /// For integer columns only: PostgreSQL would round a fractional column in the cast where
    /// SQLite's rows fail to decode, and a stored `i64::MIN` reads back as NULL on PostgreSQL.
    pub fn int_rows_sql(&self, columns: &[&str], select: &str) -> String {
        match self.backend {
            Backend::Sqlite => format!("SELECT CAST(json_group_array(json_array({})) AS BLOB) FROM ({select}) AS t", columns.join(", ")),
            Backend::Postgres => {
                let packed: Vec<String> =
                    columns.iter().map(|c| format!("int8send(COALESCE(CAST(t.{c} AS BIGINT), -9223372036854775807 - 1))")).collect();
                format!("SELECT COALESCE(string_agg({}, ''::bytea), ''::bytea) FROM ({select}) AS t", packed.join(" || "))
            }
        }
    }
}

/// Rows of `width` integers read by [`int_rows`], one after another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntRows {
    pub width: usize,
    pub values: Vec<Option<i64>>,
}

impl IntRows {
    /// Each row's values, in the order of the statement's `columns`.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, Option<i64>> {
        self.values.chunks_exact(self.width.max(1))
    }

    /// Decodes the binary answer of [`Db::int_rows_sql`]: on PostgreSQL 8 big-endian bytes a
    /// value, on SQLite a JSON array of rows. A length or a row of another width is a decode error.
    pub fn decode(backend: Backend, width: usize, bytes: &[u8]) -> Result<IntRows, sqlx::Error> {
        let bad = |what: String| sqlx::Error::Decode(what.into());
        let values = match backend {
            Backend::Postgres => {
                if width == 0 || bytes.len() % (8 * width) != 0 {
                    return Err(bad(format!("{} bytes are not rows of {width} integers", bytes.len())));
                }
                bytes
                    .chunks_exact(8)
                    .map(|b| i64::from_be_bytes(b.try_into().expect("chunks of 8")))
                    .map(|v| (v != i64::MIN).then_some(v))
                    .collect()
            }
            Backend::Sqlite => {
                let rows: Vec<Vec<Option<i64>>> = serde_json::from_slice(bytes).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                if let Some(r) = rows.iter().find(|r| r.len() != width) {
                    return Err(bad(format!("a row of {} values where {width} were asked for", r.len())));
                }
                rows.into_iter().flatten().collect()
            }
        };
        Ok(IntRows { width, values })
    }
}

/// Runs a statement built by [`Db::int_rows_sql`] for `width` columns (with its parameters
/// bound) and decodes its rows.
pub async fn int_rows<'q>(
    db: &Db,
    width: usize,
    query: sqlx::query::QueryScalar<'q, sqlx::Any, Vec<u8>, sqlx::any::AnyArguments<'q>>,
) -> Result<IntRows, sqlx::Error> {
    let started = std::time::Instant::now();
    let bytes = query.fetch_one(&db.pool).await?;
    let read = started.elapsed();
    let rows = IntRows::decode(db.backend, width, &bytes)?;
    tracing::trace!(read_ms = read.as_secs_f64() * 1e3, parse_ms = (started.elapsed() - read).as_secs_f64() * 1e3, bytes = bytes.len(), "int rows");
    Ok(rows)
}

/// Runs a statement built by [`Db::json_rows_sql`] (with its parameters bound) and decodes its
/// rows into `T`: a tuple, or a struct deriving `Deserialize` whose fields come in the order of
/// the columns (serde reads a struct from an array). Stored states arrive as their text.
pub async fn json_rows<'q, T: serde::de::DeserializeOwned>(
    pool: &AnyPool,
    query: sqlx::query::QueryScalar<'q, sqlx::Any, String, sqlx::any::AnyArguments<'q>>,
) -> Result<Vec<T>, sqlx::Error> {
    let started = std::time::Instant::now();
    let text = query.fetch_one(pool).await?;
    let read = started.elapsed();
    let rows = serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    tracing::trace!(read_ms = read.as_secs_f64() * 1e3, parse_ms = (started.elapsed() - read).as_secs_f64() * 1e3, bytes = text.len(), "json rows");
    Ok(rows)
}

// ----- sessions (the store tower-sessions calls, `server::session`) ---------------------------

/// Inserts a session unless its id exists; `false` when it does (the caller picks another id).
pub async fn insert_session(db: &Db, id: &str, data: &str, expires_at: i64, user_id: Option<i64>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("INSERT INTO sessions (id, data, expires_at, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
        .bind(id)
        .bind(data)
        .bind(expires_at)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes an existing session's data, expiry and signed-in person (so a person's sessions can
/// all be ended at once). A session deleted meanwhile (signed out, password changed, person
/// deactivated) stays deleted: a request still in flight on it does not bring it back.
pub async fn store_session(db: &Db, id: &str, data: &str, expires_at: i64, user_id: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET data = $2, expires_at = $3, user_id = $4 WHERE id = $1")
    .bind(id)
    .bind(data)
    .bind(expires_at)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A stored session: its data as JSON and when it expires (unix seconds).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    pub data: String,
    pub expires_at: i64,
}

/// A session's data and expiry if it has not expired by `now`.
pub async fn live_session(db: &Db, id: &str, now: i64) -> Result<Option<SessionRecord>, sqlx::Error> {
    sqlx::query_as("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2").bind(id).bind(now).fetch_optional(&db.pool).await
}

/// Sends `payload` to every instance listening on PostgreSQL `channel` (`NOTIFY`; PostgreSQL only).
pub async fn notify(db: &Db, channel: &str, payload: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)").bind(channel).bind(payload).execute(&db.pool).await?;
    Ok(())
}

/// Ends a session.
pub async fn delete_session(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(())
}

/// Removes sessions that expired before `now`.
pub async fn delete_expired_sessions(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&db.pool).await?;
    Ok(())
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// A `LIKE … ESCAPE '\'` pattern finding `text` (trimmed, lower-cased) anywhere in a lower-cased
/// column, its `%`, `_` and `\` taken literally.
pub fn like_pattern(text: &str) -> String {
    let escaped = text.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_chosen_synchronous_setting_is_in_effect_on_every_connection() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
        // SQLite reports NORMAL as 1 and FULL as 2.
        for (sync, expected) in [(SqliteSync::Normal, 1), (SqliteSync::Full, 2)] {
            let db = Db::connect_with(&url, sync).await.unwrap();
            let mut seen = Vec::new();
            let mut held = Vec::new();
            for _ in 0..3 {
                let mut conn = db.pool.acquire().await.unwrap();
                seen.push(sqlx::query_scalar::<_, i64>("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap());
                held.push(conn);
            }
            assert_eq!(seen, [expected; 3], "{sync:?}");
        }
        assert_eq!(SqliteSync::default(), SqliteSync::Full, "the README and benches/README.md say FULL is the default");
    }

    #[test]
    fn sqlite_paths_are_found_in_urls() {
        assert_eq!(sqlite_path("sqlite://data/x.db?mode=rwc").as_deref(), Some("data/x.db"));
        assert_eq!(sqlite_path("sqlite:x.db").as_deref(), Some("x.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }

    #[test]
    fn packed_integer_rows_decode_with_their_nulls() {
        let mut bytes = Vec::new();
        for v in [1i64, -5, i64::MIN, 1_796_000_000, 0, i64::MAX] {
            bytes.extend_from_slice(&v.to_be_bytes());
        }
        let rows = IntRows::decode(Backend::Postgres, 3, &bytes).unwrap();
        let rows: Vec<&[Option<i64>]> = rows.rows().collect();
        assert_eq!(rows, vec![&[Some(1), Some(-5), None][..], &[Some(1_796_000_000), Some(0), Some(i64::MAX)][..]]);
        assert_eq!(IntRows::decode(Backend::Postgres, 3, &[]).unwrap().rows().count(), 0);
        assert!(IntRows::decode(Backend::Postgres, 4, &bytes).is_err(), "48 bytes are not rows of four");
        assert!(IntRows::decode(Backend::Postgres, 0, &bytes).is_err());
    }

    #[test]
    fn json_integer_rows_decode_and_refuse_another_width() {
        let rows = IntRows::decode(Backend::Sqlite, 2, b"[[1,null],[3,4]]").unwrap();
        assert_eq!(rows.values, vec![Some(1), None, Some(3), Some(4)]);
        assert_eq!(IntRows::decode(Backend::Sqlite, 2, b"[]").unwrap().values, vec![]);
        assert!(IntRows::decode(Backend::Sqlite, 2, b"[[1,2],[3]]").is_err());
        assert!(IntRows::decode(Backend::Sqlite, 2, br#"[[1,"x"]]"#).is_err());
    }
}
