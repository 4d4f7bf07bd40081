//! Server-side sessions in our own database. tower-sessions handles ids (128 random bits),
//! cookies and rotation; this store keeps the records in the `sessions` table. (The published
//! sqlx stores need a concrete SQLite or PostgreSQL pool; ours is the backend-neutral `Any` pool.)

use super::db::{self, now, Db};
use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Removes expired sessions; run now and then.
    pub async fn delete_expired(&self) -> Result<()> {
        db::delete_expired_sessions(&self.db, now()).await.map_err(backend)
    }
}

fn backend(e: sqlx::Error) -> Error {
    Error::Backend(e.to_string())
}

/// The person a session is signed in as, if any.
fn user_of(record: &Record) -> Option<i64> {
    record.data.get(super::auth::SESSION_USER_KEY).and_then(|v| v.as_i64())
}

fn encode(record: &Record) -> Result<String> {
    serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = encode(record)?;
        // A collision of 128-bit random ids is practically impossible, but never overwrite.
        for _ in 0..4 {
            let inserted = db::insert_session(&self.db, &record.id.to_string(), &data, record.expiry_date.unix_timestamp(), user_of(record))
                .await
                .map_err(backend)?;
            if inserted {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(Error::Backend("could not allocate a session id".into()))
    }

    async fn save(&self, record: &Record) -> Result<()> {
        db::store_session(&self.db, &record.id.to_string(), &encode(record)?, record.expiry_date.unix_timestamp(), user_of(record))
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let row = db::live_session(&self.db, &id.to_string(), now()).await.map_err(backend)?;
        let Some(db::SessionRecord { data, expires_at }) = row else { return Ok(None) };
        let data = serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date =
            OffsetDateTime::from_unix_timestamp(expires_at).map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        db::delete_session(&self.db, &id.to_string()).await.map_err(backend)
    }
}
