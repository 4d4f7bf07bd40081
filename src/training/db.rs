//! The guides and guide_completions tables.

use super::*;
use crate::programmes::EnrolRole;
use crate::server::db::{now, Db};
use sqlx::AnyConnection;

/// A stored guide, as the server reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GuideRow {
    pub id: i64,
    pub programme_id: i64,
    pub title: String,
    pub audience: Audience,
    pub required: i64,
    pub body: String,
    pub questions: String,
    pub version: i64,
}

impl GuideRow {
    pub fn questions(&self) -> Vec<Question> {
        serde_json::from_str(&self.questions).unwrap_or_default()
    }
}

/// Gives programme `programme_id` its copies of the starter guides, once: a programme that
/// had them (and perhaps deleted some) is left alone. On the caller's transaction.
pub async fn seed_starter_guides(conn: &mut AnyConnection, programme_id: i64) -> Result<(), sqlx::Error> {
    let claimed = sqlx::query("UPDATE programmes SET guides_seeded = 1 WHERE id = $1 AND guides_seeded = 0").bind(programme_id).execute(&mut *conn).await?;
    if claimed.rows_affected() == 0 {
        return Ok(());
    }
    let t = now();
    for (position, g) in STARTER_GUIDES.iter().enumerate() {
        sqlx::query(
            "INSERT INTO guides (programme_id, slug, title, title_key, audience, required, body, questions, position, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)
             ON CONFLICT DO NOTHING",
        )
        .bind(programme_id)
        .bind(g.slug)
        .bind(g.title)
        .bind(title_key(g.title))
        .bind(g.audience)
        .bind(g.required as i64)
        .bind(g.body)
        .bind(serde_json::to_string(&g.questions()).unwrap_or_else(|_| "[]".into()))
        .bind(position as i64)
        .bind(t)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Seeds the programmes made before guides existed (at start; safe with several instances,
/// each programme is claimed by one conditional update).
pub async fn seed_missing(db: &Db) -> Result<u32, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM programmes WHERE guides_seeded = 0").fetch_all(&db.pool).await?;
    for &id in &ids {
        let mut tx = db.begin_write().await?;
        seed_starter_guides(&mut tx, id).await?;
        tx.commit().await?;
    }
    Ok(ids.len() as u32)
}

/// Programme `programme_id`'s guides in order, each with whether `viewer` marked it done;
/// without the leads' guides unless `with_lead`.
pub async fn list(db: &Db, programme_id: i64, viewer: i64, with_lead: bool) -> Result<Vec<GuideSummary>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        title: String,
        audience: Audience,
        required: i64,
        questions: String,
        done: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT g.id, g.title, g.audience, g.required, g.questions,
                CASE WHEN c.user_id IS NULL THEN 0 ELSE 1 END AS done
         FROM guides g LEFT JOIN guide_completions c ON c.guide_id = g.id AND c.user_id = $2
         WHERE g.programme_id = $1 AND ($3 = 1 OR g.audience <> 'lead')
         ORDER BY g.position, g.id",
    )
    .bind(programme_id)
    .bind(viewer)
    .bind(with_lead as i64)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| GuideSummary {
            id: r.id,
            title: r.title,
            audience: r.audience,
            required: r.required == 1,
            questions: serde_json::from_str::<Vec<Question>>(&r.questions).map(|q| q.len() as u32).unwrap_or(0),
            done: r.done == 1,
        })
        .collect())
}

pub async fn guide(db: &Db, id: i64) -> Result<Option<GuideRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, programme_id, title, audience, required, body, questions, version FROM guides WHERE id = $1").bind(id).fetch_optional(&db.pool).await
}

pub async fn is_done(db: &Db, guide_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let row: Option<i64> = sqlx::query_scalar("SELECT 1 FROM guide_completions WHERE guide_id = $1 AND user_id = $2").bind(guide_id).bind(user_id).fetch_optional(&db.pool).await?;
    Ok(row.is_some())
}

/// Records that `user_id` finished guide `guide_id`; `false` when they had already (the
/// primary key keeps one record however many tabs send it).
pub async fn complete(conn: &mut AnyConnection, guide_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("INSERT INTO guide_completions (guide_id, user_id, completed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(guide_id)
        .bind(user_id)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Adds a guide at the end of the programme's list; `None` when it holds [`MAX_GUIDES`]
/// already. The caller holds the programme's lock ([`crate::programmes::db::lock_programme`]),
/// so two admins adding at once cannot pass the limit together. A title the programme has is
/// refused by the unique index (the caller reports it at the title).
pub async fn create(conn: &mut AnyConnection, programme_id: i64, v: &ValidGuide, by: i64) -> Result<Option<i64>, sqlx::Error> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM guides WHERE programme_id = $1").bind(programme_id).fetch_one(&mut *conn).await?;
    if count >= MAX_GUIDES {
        return Ok(None);
    }
    let position: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), -1) + 1 FROM guides WHERE programme_id = $1").bind(programme_id).fetch_one(&mut *conn).await?;
    let t = now();
    let id = sqlx::query_scalar(
        "INSERT INTO guides (programme_id, slug, title, title_key, audience, required, body, questions, position, version, created_at, updated_at, updated_by)
         VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10) RETURNING id",
    )
    .bind(programme_id)
    .bind(&v.title)
    .bind(title_key(&v.title))
    .bind(v.audience)
    .bind(v.required as i64)
    .bind(&v.body)
    .bind(serde_json::to_string(&v.questions).unwrap_or_else(|_| "[]".into()))
    .bind(position)
    .bind(t)
    .bind(by)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(id))
}

/// Replaces guide `id` if it is still at `version` (what the editor opened); `false` when
/// someone saved it in the meantime. Completions stay: a corrected typo does not send
/// everyone back to read it again.
pub async fn update(conn: &mut AnyConnection, id: i64, version: i64, v: &ValidGuide, by: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE guides SET title = $1, title_key = $2, audience = $3, required = $4, body = $5, questions = $6,
                version = version + 1, updated_at = $7, updated_by = $8
         WHERE id = $9 AND version = $10",
    )
    .bind(&v.title)
    .bind(title_key(&v.title))
    .bind(v.audience)
    .bind(v.required as i64)
    .bind(&v.body)
    .bind(serde_json::to_string(&v.questions).unwrap_or_else(|_| "[]".into()))
    .bind(now())
    .bind(by)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM guides WHERE id = $1").bind(id).execute(&mut *conn).await?.rows_affected() == 1)
}

/// The guides of the programme for a participant in `role`, required first, each with whether
/// `user_id` did it: what the pair workspace links.
pub async fn links_for(db: &Db, programme_id: i64, user_id: i64, role: EnrolRole) -> Result<Vec<GuideLink>, sqlx::Error> {
    let mut links: Vec<GuideLink> = list(db, programme_id, user_id, false)
        .await?
        .into_iter()
        .filter(|g| g.audience.includes(role))
        .map(|g| GuideLink { id: g.id, title: g.title, required: g.required, done: g.done })
        .collect();
    links.sort_by_key(|g| !g.required);
    Ok(links)
}

/// Programme `programme_id`'s guide completion (see [`TrainingProgress`]); with `outcomes`, the
/// check-in ratings of trained and other pairs too (the insights page's comparison, which reads
/// every rating of the programme; the manage page does without).
pub async fn progress(db: &Db, programme_id: i64, outcomes: bool) -> Result<TrainingProgress, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct GuideCount {
        id: i64,
        title: String,
        audience: Audience,
        required: i64,
        done: i64,
    }
    #[derive(sqlx::FromRow)]
    struct Missing {
        user_id: i64,
        name: String,
        role: EnrolRole,
        missing: i64,
        mentors_behind: i64,
        mentees_behind: i64,
    }
    // Completions count only from people now approved in the programme: someone who left (or
    // was declined) no longer counts for or against it.
    let guides = sqlx::query_as::<_, GuideCount>(
        "SELECT g.id, g.title, g.audience, g.required,
                (SELECT COUNT(*) FROM guide_completions c JOIN enrolments e ON e.user_id = c.user_id
                 WHERE c.guide_id = g.id AND e.programme_id = g.programme_id AND e.status = 'approved'
                   AND (g.audience = 'everyone' OR e.role = g.audience)) AS done
         FROM guides g WHERE g.programme_id = $1 ORDER BY g.position, g.id",
    )
    .bind(programme_id)
    .fetch_all(&db.pool);
    let enrolled = sqlx::query_as::<_, (i64, i64)>(
        "SELECT COALESCE(SUM(CASE WHEN role = 'mentor' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN role = 'mentee' THEN 1 ELSE 0 END), 0)
         FROM enrolments WHERE programme_id = $1 AND status = 'approved'",
    )
    .bind(programme_id)
    .fetch_one(&db.pool);
    // The people behind, counted by role in the database and listed only as far as shown: at
    // 5,000 people each row handed over costs microseconds, and thousands may be behind. One
    // statement does both (the totals are window sums over every person behind, taken before
    // the limit): two statements would each find the same people.
    let behind_sql = format!(
        "SELECT user_id, name, role, missing,
                CAST(SUM(CASE WHEN role = 'mentor' THEN 1 ELSE 0 END) OVER () AS BIGINT) AS mentors_behind,
                CAST(SUM(CASE WHEN role = 'mentee' THEN 1 ELSE 0 END) OVER () AS BIGINT) AS mentees_behind
         FROM (SELECT e.user_id, u.name, e.role, COUNT(*) AS missing {BEHIND} GROUP BY e.user_id, u.name, e.role) b
         ORDER BY name, user_id LIMIT $2"
    );
    let behind = sqlx::query_as::<_, Missing>(&behind_sql).bind(programme_id).bind(MAX_BEHIND_LISTED as i64).fetch_all(&db.pool);
    let compared = async {
        if outcomes {
            training_outcomes(db, programme_id).await.map(Some)
        } else {
            Ok(None)
        }
    };
    // Independent statements, each on its own connection at the same time: the page waits for
    // the slowest rather than for their sum.
    let (guides, (mentors, mentees), behind, outcomes) = tokio::try_join!(guides, enrolled, behind, compared)?;
    let (mentors_behind, mentees_behind) = behind.first().map(|b| (b.mentors_behind, b.mentees_behind)).unwrap_or_default();
    let behind_of = |role: EnrolRole| match role {
        EnrolRole::Mentor => mentors_behind,
        EnrolRole::Mentee => mentees_behind,
    };
    let of = |audience: Audience| match audience {
        Audience::Mentor => mentors,
        Audience::Mentee => mentees,
        Audience::Everyone => mentors + mentees,
        Audience::Lead => 0,
    } as u32;
    Ok(TrainingProgress {
        outcomes,
        guides: guides
            .into_iter()
            .map(|g| GuideProgress { id: g.id, of: of(g.audience), title: g.title, audience: g.audience, required: g.required == 1, done: g.done as u32 })
            .collect(),
        mentors_ready: (mentors - behind_of(EnrolRole::Mentor)).max(0) as u32,
        mentors: mentors as u32,
        mentees_ready: (mentees - behind_of(EnrolRole::Mentee)).max(0) as u32,
        mentees: mentees as u32,
        behind_total: (behind_of(EnrolRole::Mentor) + behind_of(EnrolRole::Mentee)) as u32,
        behind: behind.into_iter().map(|b| Behind { user_id: b.user_id, name: b.name, role: b.role, missing: b.missing as u32 }).collect(),
    })
}

/// Approved participants of programme `$1` with a required guide of their role not done, one
/// row per missing guide (`e` the enrolment, `u` the person).
const BEHIND: &str = "FROM enrolments e
     JOIN users u ON u.id = e.user_id
     JOIN guides g ON g.programme_id = e.programme_id AND g.required = 1 AND (g.audience = 'everyone' OR g.audience = e.role)
     LEFT JOIN guide_completions c ON c.guide_id = g.id AND c.user_id = e.user_id
     WHERE e.programme_id = $1 AND e.status = 'approved' AND c.user_id IS NULL";

/// The check-in ratings of programme `programme_id`'s pairs whose two members both did every
/// required guide of their role, and of the others: two rows from the database, each pair's
/// members looked up in the set of people behind (joined to that list row by row, SQLite
/// compared every rating with every such person: 328 ms at 5,000 people and 50,000 check-ins).
async fn training_outcomes(db: &Db, programme_id: i64) -> Result<TrainingOutcomes, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&format!(
        "WITH behind AS (SELECT e.user_id {BEHIND})
         SELECT t.trained, COUNT(*), CAST(COALESCE(SUM(r.n), 0) AS BIGINT), CAST(COALESCE(SUM(r.s), 0) AS BIGINT) FROM (
             SELECT p.id, CAST(CASE WHEN p.mentor_id IN (SELECT user_id FROM behind) OR p.mentee_id IN (SELECT user_id FROM behind) THEN 0 ELSE 1 END AS BIGINT) AS trained
             FROM pairs p WHERE p.programme_id = $1
         ) t
         LEFT JOIN (
             SELECT ch.pair_id, COUNT(f.rating) AS n, SUM(f.rating) AS s
             FROM pairs pp JOIN checkins ch ON ch.pair_id = pp.id JOIN checkin_feedback f ON f.checkin_id = ch.id
             WHERE pp.programme_id = $1 GROUP BY ch.pair_id
         ) r ON r.pair_id = t.id
         GROUP BY t.trained"
    ))
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?;
    let side = |trained: i64| {
        let (pairs, ratings, sum) = rows.iter().find(|r| r.0 == trained).map(|r| (r.1, r.2, r.3)).unwrap_or_default();
        PairOutcome {
            pairs: pairs as u32,
            ratings: ratings as u32,
            mean_rating: (pairs >= crate::insights::MIN_GROUP as i64 && ratings > 0).then(|| sum as f64 / ratings as f64),
        }
    };
    Ok(TrainingOutcomes { trained: side(1), untrained: side(0) })
}
