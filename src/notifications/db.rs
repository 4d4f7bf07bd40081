//! The notifications table: written by every domain that tells someone something, read by the
//! inbox and the navigation's count.

use super::{Inbox, NoticeKind, Notification};
use crate::server::db::{now, Db};
use sqlx::AnyConnection;

/// Tells `user_id` something in their inbox: a title, a sentence, a link to act on it, and by
/// mail too when this site sends mail and they did not turn off notices of this `kind`
/// ([`crate::mail::outbox::mail_notice`]). Written on the caller's transaction, so a notice (and
/// its mail) exists exactly when what it tells of does.
pub async fn notify(conn: &mut AnyConnection, user_id: i64, kind: NoticeKind, title: &str, body: &str, link: &str) -> Result<(), sqlx::Error> {
    notify_with(conn, user_id, kind, title, body, link, None).await
}

/// [`notify`], with a file attached to the mail (a check-in's `.ics`); the inbox shows the
/// notice alone.
pub async fn notify_with(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: NoticeKind,
    title: &str,
    body: &str,
    link: &str,
    attachment: Option<crate::mail::outbox::MailAttachment>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO notifications (user_id, title, body, link, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(title)
        .bind(body)
        .bind(link)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    crate::mail::outbox::mail_notice(conn, user_id, kind, title, body, link, attachment).await
}

/// Person `user_id`'s choice of mail, kind by kind (yes unless they said no).
pub async fn mail_choices(db: &Db, user_id: i64) -> Result<Vec<(NoticeKind, bool)>, sqlx::Error> {
    let said: Vec<(NoticeKind, i64)> = sqlx::query_as("SELECT kind, mail FROM mail_preferences WHERE user_id = $1").bind(user_id).fetch_all(&db.pool).await?;
    Ok(NoticeKind::ALL.iter().map(|k| (*k, said.iter().find(|(s, _)| s == k).is_none_or(|(_, m)| *m != 0))).collect())
}

/// Saves person `user_id`'s choice for every kind in `choices`, one row per kind (the primary
/// key), in one transaction: two tabs saving at once leave one whole choice or the other.
pub async fn save_mail_choices(db: &Db, user_id: i64, choices: &[(NoticeKind, bool)]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    for (kind, mail) in choices {
        sqlx::query(
            "INSERT INTO mail_preferences (user_id, kind, mail) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, kind) DO UPDATE SET mail = excluded.mail",
        )
        .bind(user_id)
        .bind(*kind)
        .bind(i64::from(*mail))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// How many of the person's notifications are unread.
pub async fn unread_notifications(db: &Db, uid: i64) -> Result<u32, sqlx::Error> {
    let unread: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(uid)
        .fetch_one(&db.pool)
        .await?;
    Ok(unread as u32)
}

#[derive(sqlx::FromRow)]
struct NotificationRecord {
    id: i64,
    title: String,
    body: String,
    link: String,
    created_at: i64,
    read_at: Option<i64>,
}

/// Page `page` (from 0; past the last, the last) of person `uid`'s notifications, newest first,
/// [`crate::ui::LIST_PAGE`] at a time, with how many there are and how many are unread.
pub async fn inbox(db: &Db, uid: i64, page: i32) -> Result<Inbox, sqlx::Error> {
    use crate::ui::LIST_PAGE;
    let unread = unread_notifications(db, uid).await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1").bind(uid).fetch_one(&db.pool).await?;
    let page = page.max(0).min(crate::ui::last_page(total, LIST_PAGE));
    let rows: Vec<NotificationRecord> = sqlx::query_as(
        "SELECT id, title, body, link, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
    )
    .bind(uid)
    .bind(LIST_PAGE as i64)
    .bind(page as i64 * LIST_PAGE as i64)
    .fetch_all(&db.pool)
    .await?;
    Ok(Inbox {
        total,
        page,
        page_size: LIST_PAGE,
        unread,
        items: rows
            .into_iter()
            .map(|n| Notification { id: n.id, title: n.title, body: n.body, link: n.link, created_at: n.created_at, read: n.read_at.is_some() })
            .collect(),
    })
}

/// Marks every notification of the person read.
pub async fn mark_all_read(db: &Db, uid: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now())
        .bind(uid)
        .execute(&db.pool)
        .await?;
    Ok(())
}
