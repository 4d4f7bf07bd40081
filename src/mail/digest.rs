//! Chat digests: a mail listing the chat messages a person left unread, per pair, at most one
//! every `UPMENTOR_DIGEST_EVERY_MINUTES`, mentioning each message once and only after it stayed
//! unread `UPMENTOR_DIGEST_AFTER_MINUTES`; with a link that turns digests off without signing in.
//! `users.digest_through` is how far (by message time) a person's digests have looked: each
//! digest covers the messages after it and up to `now - after`, and moves it there.

use super::outbox::{queue, Mailer};
use crate::notifications::NoticeKind;
use crate::server::db::{now, Db};

#[derive(sqlx::FromRow)]
struct UnreadRecord {
    user_id: i64,
    through: i64,
    name: String,
    email: String,
    pair_id: i64,
    partner: String,
    unread: i64,
}

/// The most rows one round reads (person and pair each).
const ROWS: i64 = 5_000;

/// One person's unread messages, pair by pair: (pair id, partner's name, how many).
pub type Unread = Vec<(i64, String, u32)>;

/// Queues a digest for everyone who has chat messages unread for `after` seconds, written after
/// their `digest_through`, no digest in the last `every` seconds, and digests not turned off.
/// Each person's turn is claimed by a conditional update of `digest_through` (unchanged since
/// it was read) in the transaction that queues the mail, so two instances send one. Returns how
/// many digests were queued.
pub async fn send_chat_digests(db: &Db, mailer: &Mailer, base: &str, every: i64, after: i64) -> Result<u32, sqlx::Error> {
    if !mailer.enabled() {
        return Ok(0);
    }
    let at = now();
    let mut rows: Vec<UnreadRecord> = sqlx::query_as(
        "SELECT u.id AS user_id, COALESCE(u.digest_through, 0) AS through, u.name, u.email, m.pair_id, MAX(s.name) AS partner, COUNT(*) AS unread
         FROM messages m
         JOIN pairs p ON p.id = m.pair_id AND p.status = 'active'
         JOIN users u ON (u.id = p.mentor_id OR u.id = p.mentee_id) AND u.id <> m.sender_id
         JOIN users s ON s.id = m.sender_id
         LEFT JOIN message_reads r ON r.pair_id = m.pair_id AND r.user_id = u.id
         LEFT JOIN mail_preferences mp ON mp.user_id = u.id AND mp.kind = $4
         WHERE m.id > COALESCE(r.last_read_id, 0) AND m.created_at <= $2 AND m.created_at > COALESCE(u.digest_through, 0)
           AND u.deactivated_at IS NULL AND u.password_hash IS NOT NULL AND COALESCE(mp.mail, 1) = 1
           AND (u.digest_sent_at IS NULL OR u.digest_sent_at <= $3)
         GROUP BY u.id, u.digest_through, u.name, u.email, m.pair_id
         ORDER BY u.id, m.pair_id
         LIMIT $1",
    )
    .bind(ROWS)
    .bind(at - after)
    .bind(at - every)
    .bind(NoticeKind::Chat)
    .fetch_all(&db.pool)
    .await?;
    // A full answer may have cut the last person's pairs short: they wait for the next round.
    if rows.len() as i64 == ROWS {
        if let Some(last) = rows.last().map(|r| r.user_id) {
            rows.retain(|r| r.user_id != last);
        }
    }
    let mut queued = 0;
    let mut i = 0;
    while i < rows.len() {
        let first = &rows[i];
        let mut unread: Unread = Vec::new();
        while i < rows.len() && rows[i].user_id == first.user_id {
            unread.push((rows[i].pair_id, rows[i].partner.clone(), rows[i].unread as u32));
            i += 1;
        }
        let mut tx = db.begin_write().await?;
        // Only if no one moved this person's mark since it was read: of two instances one sends.
        let claimed = sqlx::query(
            "UPDATE users SET digest_sent_at = $1, digest_through = $2
             WHERE id = $3 AND COALESCE(digest_through, 0) = $4 AND (digest_sent_at IS NULL OR digest_sent_at <= $5)",
        )
        .bind(at)
        .bind(at - after)
        .bind(first.user_id)
        .bind(first.through)
        .bind(at - every)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 1 {
            let token = unsubscribe_token(&mut tx, first.user_id).await?;
            let mail = super::templates::chat_digest(first.user_id, &first.name, &first.email, &unread, base, &format!("{base}/unsubscribe/{token}"));
            queue(&mut tx, mailer, &mail).await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    if queued > 0 {
        mailer.wake();
    }
    Ok(queued)
}

/// Person `user_id`'s unsubscribe secret (256 random bits), made the first time it is needed.
async fn unsubscribe_token(conn: &mut sqlx::AnyConnection, user_id: i64) -> Result<String, sqlx::Error> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    sqlx::query("UPDATE users SET unsubscribe_token = $1 WHERE id = $2 AND unsubscribe_token IS NULL")
        .bind(URL_SAFE_NO_PAD.encode(bytes))
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar("SELECT unsubscribe_token FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *conn).await
}

/// Whose unsubscribe link `token` is: (id, name), or `None`.
pub async fn unsubscriber(db: &Db, token: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, name FROM users WHERE unsubscribe_token = $1").bind(token).fetch_optional(&db.pool).await
}

/// Runs [`send_chat_digests`] every `tick` while the server runs (with a mail server only).
pub fn spawn_digests(db: Db, mailer: std::sync::Arc<Mailer>, base: String, every_minutes: u64, after_minutes: u64, tick: std::time::Duration) {
    if !mailer.enabled() {
        return;
    }
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick.max(std::time::Duration::from_secs(1)));
        loop {
            interval.tick().await;
            let (every, after) = (every_minutes.saturating_mul(60) as i64, after_minutes.saturating_mul(60) as i64);
            if let Err(e) = send_chat_digests(&db, &mailer, &base, every, after).await {
                tracing::warn!(error = %e, "could not send chat digests");
            }
        }
    });
}

/// Turns chat digests off for the owner of unsubscribe `token`; `false` when no one has it.
pub async fn unsubscribe(db: &Db, token: &str) -> Result<bool, sqlx::Error> {
    let Some((user_id, _)) = unsubscriber(db, token).await? else { return Ok(false) };
    crate::notifications::db::save_mail_choices(db, user_id, &[(NoticeKind::Chat, false)]).await?;
    Ok(true)
}
