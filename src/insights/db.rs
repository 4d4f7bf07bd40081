//! Reading a programme's [`Snapshot`] (a dozen grouped statements, whatever the programme's
//! size), and the writes of this domain: nudges, "handled" notes, roadblock triage and the
//! automatic nudges of the housekeeping loop.

use super::compute::{Enrolment, Feedback, GoalCounts, PairFacts, Person, Roadblock, Snapshot, SurveyAnswer, MISSED_WINDOW, NUDGE_INTERVAL};
use super::*;
use crate::matching::{Config, Criterion, Reason};
use crate::pairs::{CheckinStatus, Fit, GoalSide, GoalStatus, PairStatus};
use crate::programmes::{EnrolRole, EnrolStatus, ProgrammeKind};
use crate::server::db::{now, Db};
use sqlx::AnyConnection;
use std::collections::HashMap;

#[derive(sqlx::FromRow)]
struct ProgrammeRecord {
    name: String,
    objectives: String,
    kind: ProgrammeKind,
    config: String,
    targets: String,
    health: String,
}

/// A programme's targets and health thresholds as stored (JSON); anything unreadable reads as
/// none and the defaults.
pub fn parse_objectives(targets: &str, health: &str) -> (Vec<Target>, HealthSettings) {
    (serde_json::from_str(targets).unwrap_or_default(), serde_json::from_str(health).unwrap_or_default())
}

/// Stores a programme's targets and health thresholds.
pub async fn save_objectives(conn: &mut AnyConnection, programme_id: i64, targets: &[Target], health: &HealthSettings) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE programmes SET targets = $1, health = $2 WHERE id = $3")
        .bind(serde_json::to_string(targets).unwrap_or_else(|_| "[]".into()))
        .bind(serde_json::to_string(health).unwrap_or_default())
        .bind(programme_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// The records below are read as JSON rows (`Db::json_rows_sql`): fields in column order,
// stored states as their text.

#[derive(serde::Deserialize)]
struct PersonRecord {
    id: i64,
    name: String,
    level: i32,
    department: String,
    location: String,
    deactivated_at: Option<i64>,
}

#[derive(serde::Deserialize)]
struct PairRecord {
    id: i64,
    mentor_id: i64,
    mentee_id: i64,
    status: String,
    created_at: i64,
    ended_at: Option<i64>,
}

#[derive(serde::Deserialize)]
struct CheckinRecord {
    pair_id: i64,
    held: i64,
    missed: i64,
    first_held: Option<i64>,
    last_held: Option<i64>,
    missed_recent: i64,
}

#[derive(serde::Deserialize)]
struct MessageRecord {
    pair_id: i64,
    last_message: Option<i64>,
    mentor_recent: i64,
    mentee_recent: i64,
}

/// Goals (or milestones) on one side of one pair.
#[derive(serde::Deserialize)]
struct GoalRecord {
    pair_id: i64,
    side: String,
    total: i64,
    done: i64,
}

/// The columns of the feedback statement: pair, check-in, who answered, when the check-in
/// started, the rating 1–5, and the fit answer (0 none, 1 good, 2 unsure, 3 not a fit).
const FEEDBACK_COLUMNS: [&str; 6] = ["pair_id", "checkin_id", "user_id", "starts_at", "rating", "fit"];

#[derive(serde::Deserialize)]
struct SurveyRecord {
    pair_id: i64,
    user_id: i64,
    recommend: i64,
    again: i64,
    gained: Option<i64>,
    learned: String,
    share_quote: i64,
    created_at: i64,
}

#[derive(serde::Deserialize)]
struct RoadblockRecord {
    id: i64,
    pair_id: i64,
    user_id: i64,
    state: String,
    created_at: i64,
    acknowledged_at: Option<i64>,
    resolved_at: Option<i64>,
}

/// The state stored as `text`; an unknown text is a decode error, as it is for a row.
fn stored<T>(text: &str, parse: fn(&str) -> Option<T>) -> Result<T, sqlx::Error> {
    parse(text).ok_or_else(|| sqlx::Error::Decode(format!("no stored state {text:?}").into()))
}

/// Reads everything the figures of programme `programme_id` are computed from, as of `at`:
/// the programme, then a dozen grouped statements at once, each on its own pooled connection
/// (they are independent reads) and each answering one value: a JSON text (`Db::json_rows_sql`),
/// or for the 50,000 feedback rows packed integers (`Db::int_rows_sql`); the rows of a
/// 5,000-person programme are about 90,000. `None` when there is no such programme.
pub async fn snapshot(db: &Db, programme_id: i64, at: i64) -> Result<Option<Snapshot>, sqlx::Error> {
    use crate::server::db::json_rows;
    let started = std::time::Instant::now();
    let pool = &db.pool;
    let Some(p): Option<ProgrammeRecord> =
        sqlx::query_as("SELECT name, objectives, kind, config, targets, health FROM programmes WHERE id = $1").bind(programme_id).fetch_optional(pool).await?
    else {
        return Ok(None);
    };
    let (targets, health) = parse_objectives(&p.targets, &p.health);
    let config: Config = serde_json::from_str(&p.config).unwrap_or_else(|_| p.kind.default_config());
    let sql = |columns: &str, select: &str| db.json_rows_sql(columns, select);
    let int_sql = |columns: &str, select: &str| db.json_int_rows_sql(columns, select);
    let people_sql = sql("id, name, level, department, location, deactivated_at", "SELECT id, name, level, department, location, deactivated_at FROM users");
    let enrolments_sql = sql("user_id, role, status", "SELECT user_id, role, status FROM enrolments WHERE programme_id = $1");
    let pairs_sql = sql(
        "id, mentor_id, mentee_id, status, created_at, ended_at",
        "SELECT id, mentor_id, mentee_id, status, created_at, ended_at FROM pairs WHERE programme_id = $1",
    );
    let checkins_sql = int_sql(
        "pair_id, held, missed, first_held, last_held, missed_recent",
        "SELECT c.pair_id,
            SUM(CASE WHEN c.status = $2 THEN 1 ELSE 0 END) AS held,
            SUM(CASE WHEN c.status = $3 THEN 1 ELSE 0 END) AS missed,
            MIN(CASE WHEN c.status = $2 THEN c.starts_at END) AS first_held,
            MAX(CASE WHEN c.status = $2 THEN c.starts_at END) AS last_held,
            SUM(CASE WHEN c.status = $3 AND c.starts_at >= $4 THEN 1 ELSE 0 END) AS missed_recent
         FROM checkins c JOIN pairs p ON p.id = c.pair_id
         WHERE p.programme_id = $1 GROUP BY c.pair_id",
    );
    let messages_sql = int_sql(
        "pair_id, last_message, mentor_recent, mentee_recent",
        "SELECT m.pair_id, MAX(m.created_at) AS last_message,
            SUM(CASE WHEN m.sender_id = p.mentor_id AND m.created_at >= $2 THEN 1 ELSE 0 END) AS mentor_recent,
            SUM(CASE WHEN m.sender_id = p.mentee_id AND m.created_at >= $2 THEN 1 ELSE 0 END) AS mentee_recent
         FROM messages m JOIN pairs p ON p.id = m.pair_id
         WHERE p.programme_id = $1 GROUP BY m.pair_id",
    );
    let goals_sql = sql(
        "pair_id, side, total, done",
        "SELECT g.pair_id, g.side, COUNT(*) AS total, SUM(CASE WHEN g.status = $2 THEN 1 ELSE 0 END) AS done
         FROM goals g JOIN pairs p ON p.id = g.pair_id WHERE p.programme_id = $1 GROUP BY g.pair_id, g.side",
    );
    let milestones_sql = sql(
        "pair_id, side, total, done",
        "SELECT g.pair_id, g.side, COUNT(*) AS total, SUM(CASE WHEN m.done = 1 THEN 1 ELSE 0 END) AS done
         FROM milestones m JOIN goals g ON g.id = m.goal_id JOIN pairs p ON p.id = g.pair_id
         WHERE p.programme_id = $1 GROUP BY g.pair_id, g.side",
    );
    let nudges_sql = int_sql(
        "pair_id, last_nudge",
        "SELECT n.pair_id, MAX(n.sent_at) AS last_nudge FROM pair_nudges n JOIN pairs p ON p.id = n.pair_id
         WHERE p.programme_id = $1 GROUP BY n.pair_id",
    );
    let reviews_sql = sql(
        "pair_id, reviewed_at, id, reasons",
        "SELECT r.pair_id, r.reviewed_at, r.id, r.reasons FROM pair_reviews r JOIN pairs p ON p.id = r.pair_id WHERE p.programme_id = $1",
    );
    let feedback_sql = db.int_rows_sql(
        &FEEDBACK_COLUMNS,
        "SELECT c.pair_id, f.checkin_id, f.user_id, c.starts_at, f.rating,
            CASE f.fit WHEN 'good' THEN 1 WHEN 'unsure' THEN 2 WHEN 'not_fit' THEN 3 ELSE 0 END AS fit
         FROM checkin_feedback f JOIN checkins c ON c.id = f.checkin_id JOIN pairs p ON p.id = c.pair_id
         WHERE p.programme_id = $1",
    );
    let surveys_sql = sql(
        "pair_id, user_id, recommend, again, gained, learned, share_quote, created_at",
        "SELECT s.pair_id, s.user_id, s.recommend, s.again, s.gained, s.learned, s.share_quote, s.created_at
         FROM surveys s JOIN pairs p ON p.id = s.pair_id WHERE p.programme_id = $1",
    );
    let roadblocks_sql = sql(
        "id, pair_id, user_id, state, created_at, acknowledged_at, resolved_at",
        "SELECT r.id, r.pair_id, r.user_id, r.state, r.created_at, r.acknowledged_at, r.resolved_at
         FROM roadblocks r JOIN pairs p ON p.id = r.pair_id WHERE p.programme_id = $1",
    );
    fn by_programme(sql: &str, programme_id: i64) -> sqlx::query::QueryScalar<'_, sqlx::Any, String, sqlx::any::AnyArguments<'_>> {
        sqlx::query_scalar(sql).bind(programme_id)
    }
    let q = |sql| by_programme(sql, programme_id);
    let (people, enrolments, pair_rows, checkins, messages, goals, milestones, nudges, mut reviews, feedback, surveys, roadblocks) = tokio::try_join!(
        json_rows::<PersonRecord>(pool, sqlx::query_scalar(people_sql.as_str())),
        json_rows::<(i64, String, String)>(pool, q(&enrolments_sql)),
        json_rows::<PairRecord>(pool, q(&pairs_sql)),
        json_rows::<CheckinRecord>(pool, q(&checkins_sql).bind(CheckinStatus::Held).bind(CheckinStatus::Missed).bind(at - MISSED_WINDOW)),
        json_rows::<MessageRecord>(pool, q(&messages_sql).bind(at - health.quiet_message_days as i64 * DAY)),
        json_rows::<GoalRecord>(pool, q(&goals_sql).bind(GoalStatus::Done)),
        json_rows::<GoalRecord>(pool, q(&milestones_sql)),
        json_rows::<(i64, Option<i64>)>(pool, q(&nudges_sql)),
        json_rows::<(i64, i64, i64, String)>(pool, q(&reviews_sql)),
        crate::server::db::int_rows(db, FEEDBACK_COLUMNS.len(), sqlx::query_scalar(&feedback_sql).bind(programme_id)),
        json_rows::<SurveyRecord>(pool, q(&surveys_sql)),
        json_rows::<RoadblockRecord>(pool, q(&roadblocks_sql)),
    )?;
    let read = started.elapsed();
    let people: HashMap<i64, Person> = people
        .into_iter()
        .map(|r| (r.id, Person { id: r.id, name: r.name, level: r.level, department: r.department, location: r.location, active: r.deactivated_at.is_none() }))
        .collect();
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(pair_rows.len());
    let mut pairs: Vec<PairFacts> = Vec::with_capacity(pair_rows.len());
    for (i, r) in pair_rows.into_iter().enumerate() {
        index.insert(r.id, i);
        pairs.push(PairFacts {
            id: r.id,
            mentor_id: r.mentor_id,
            mentee_id: r.mentee_id,
            active: stored(&r.status, PairStatus::parse)? == PairStatus::Active,
            created_at: r.created_at,
            ended_at: r.ended_at,
            ..Default::default()
        });
    }
    for c in checkins {
        if let Some(p) = index.get(&c.pair_id).map(|i| &mut pairs[*i]) {
            p.held = c.held as u32;
            p.missed = c.missed as u32;
            p.first_held = c.first_held;
            p.last_held = c.last_held;
            p.missed_recent = c.missed_recent as u32;
        }
    }
    for m in messages {
        if let Some(p) = index.get(&m.pair_id).map(|i| &mut pairs[*i]) {
            p.last_message = m.last_message;
            p.mentor_recent_messages = m.mentor_recent as u32;
            p.mentee_recent_messages = m.mentee_recent as u32;
        }
    }
    let side = |s: &str| Ok::<_, sqlx::Error>(if stored(s, GoalSide::parse)? == GoalSide::Mentee { 0 } else { 1 });
    for g in goals {
        if let Some(p) = index.get(&g.pair_id).map(|i| &mut pairs[*i]) {
            let c: &mut GoalCounts = &mut p.goals[side(&g.side)?];
            c.goals = g.total as u32;
            c.done = g.done as u32;
        }
    }
    for m in milestones {
        if let Some(p) = index.get(&m.pair_id).map(|i| &mut pairs[*i]) {
            let c = &mut p.goals[side(&m.side)?];
            c.milestones = m.total as u32;
            c.milestones_done = m.done as u32;
        }
    }
    for (pair_id, last) in nudges {
        if let Some(p) = index.get(&pair_id).map(|i| &mut pairs[*i]) {
            p.last_nudge = last;
        }
    }
    // The latest note of a pair wins.
    reviews.sort_by_key(|r| (r.1, r.2));
    for (pair_id, at, _, reasons) in reviews {
        if let Some(p) = index.get(&pair_id).map(|i| &mut pairs[*i]) {
            p.review = Some((at, reasons.split(',').filter_map(HealthReason::parse).collect()));
        }
    }
    tracing::debug!(programme_id, read_ms = read.as_millis() as u64, total_ms = started.elapsed().as_millis() as u64, feedback = feedback.values.len() / FEEDBACK_COLUMNS.len(), "insights snapshot");
    Ok(Some(Snapshot {
        programme_id,
        name: p.name,
        objectives: p.objectives,
        kind: p.kind,
        targets,
        health,
        weights: config.weights.0,
        now: at,
        people,
        enrolments: enrolments
            .into_iter()
            .map(|(user_id, role, status)| Ok(Enrolment { user_id, role: stored(&role, EnrolRole::parse)?, status: stored(&status, EnrolStatus::parse)? }))
            .collect::<Result<_, sqlx::Error>>()?,
        pairs,
        feedback: feedback
            .rows()
            .map(|row| {
                let [pair_id, checkin_id, user_id, starts_at, rating, fit] = row else { unreachable!("rows of FEEDBACK_COLUMNS") };
                let value = |v: &Option<i64>| v.ok_or_else(|| sqlx::Error::Decode("a feedback row with a NULL".into()));
                let fit = match value(fit)? {
                    0 => None,
                    1 => Some(Fit::Good),
                    2 => Some(Fit::Unsure),
                    3 => Some(Fit::NotFit),
                    n => return Err(sqlx::Error::Decode(format!("no fit answer {n}").into())),
                };
                Ok(Feedback {
                    pair_id: value(pair_id)?,
                    checkin_id: value(checkin_id)?,
                    user_id: value(user_id)?,
                    at: value(starts_at)?,
                    rating: value(rating)? as u8,
                    fit,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?,
        surveys: surveys
            .into_iter()
            .map(|s| SurveyAnswer {
                pair_id: s.pair_id,
                user_id: s.user_id,
                recommend: s.recommend as u8,
                again: s.again != 0,
                gained: s.gained.map(|g| g != 0),
                learned: s.learned,
                share_quote: s.share_quote != 0,
                created_at: s.created_at,
            })
            .collect(),
        roadblocks: roadblocks
            .into_iter()
            .map(|r| {
                Ok(Roadblock {
                    id: r.id,
                    pair_id: r.pair_id,
                    user_id: r.user_id,
                    state: stored(&r.state, RoadblockState::parse)?,
                    created_at: r.created_at,
                    acknowledged_at: r.acknowledged_at,
                    resolved_at: r.resolved_at,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?,
    }))
}

/// Each pair's criterion scores 0–1 in [`Criterion::ALL`] order, from the reasons stored at
/// the match, by pair id (for calibration only: the reasons are most of a pair row's bytes).
/// Pairs whose reasons are missing or from an older engine are left out.
pub async fn breakdowns(db: &Db, programme_id: i64) -> Result<HashMap<i64, [f64; 7]>, sqlx::Error> {
    let sql = db.json_rows_sql("id, reasons", "SELECT id, reasons FROM pairs WHERE programme_id = $1");
    let rows: Vec<(i64, String)> = crate::server::db::json_rows(&db.pool, sqlx::query_scalar(&sql).bind(programme_id)).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, reasons)| {
            let reasons: Vec<Reason> = serde_json::from_str(&reasons).ok()?;
            (reasons.len() == Criterion::ALL.len()).then(|| {
                let mut b = [0.0; 7];
                for reason in reasons {
                    b[reason.criterion.index()] = reason.score;
                }
                (id, b)
            })
        })
        .collect())
}

/// The snapshots read while answering one request: a page's render calls several server
/// functions of the same programme (figures, health list, calibration), which then share one
/// read. Provided per request through context; empty at the start of each.
#[derive(Clone, Default)]
pub struct SnapshotCache(std::sync::Arc<std::sync::Mutex<HashMap<i64, std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<Snapshot>>>>>>);

impl SnapshotCache {
    /// Programme `programme_id`'s snapshot, read once per request.
    pub async fn get(&self, db: &Db, programme_id: i64, at: i64) -> Result<Option<std::sync::Arc<Snapshot>>, sqlx::Error> {
        let cell = self.0.lock().map(|mut m| m.entry(programme_id).or_default().clone()).unwrap_or_default();
        let found = cell
            .get_or_try_init(|| async {
                match snapshot(db, programme_id, at).await.map_err(Some)? {
                    Some(s) => Ok(std::sync::Arc::new(s)),
                    None => Err(None),
                }
            })
            .await;
        match found {
            Ok(s) => Ok(Some(s.clone())),
            Err(None) => Ok(None),
            Err(Some(e)) => Err(e),
        }
    }
}

#[derive(sqlx::FromRow)]
struct ProgrammeFiguresRecord {
    id: i64,
    name: String,
    pairs: i64,
    first_held: i64,
    mean_rating: Option<f64>,
    goals: i64,
    goals_done: i64,
    answers: i64,
    promoters: i64,
    detractors: i64,
}

/// Key figures of the (at most 20 newest) programmes `admin_id` runs, to compare cohorts;
/// the row of programme `except` has its name only (zeros), as its figures come from its
/// snapshot ([`super::compute::programme_row`]) rather than being read twice.
pub async fn programme_rows(db: &Db, admin_id: i64, except: i64) -> Result<Vec<ProgrammeRow>, sqlx::Error> {
    // CASE evaluates `g.id = $4` first and each correlated subquery only in its ELSE, so the
    // excepted programme's history is not scanned.
    let rows: Vec<ProgrammeFiguresRecord> = sqlx::query_as(
        "SELECT g.id, g.name,
            CASE WHEN g.id = $4 THEN 0 ELSE (SELECT COUNT(*) FROM pairs p WHERE p.programme_id = g.id) END AS pairs,
            CASE WHEN g.id = $4 THEN 0 ELSE (SELECT COUNT(*) FROM pairs p WHERE p.programme_id = g.id
                AND EXISTS (SELECT 1 FROM checkins c WHERE c.pair_id = p.id AND c.status = $2)) END AS first_held,
            CASE WHEN g.id = $4 THEN NULL ELSE (SELECT CAST(AVG(f.rating) AS DOUBLE PRECISION) FROM checkin_feedback f
                JOIN checkins c ON c.id = f.checkin_id JOIN pairs p ON p.id = c.pair_id WHERE p.programme_id = g.id) END AS mean_rating,
            CASE WHEN g.id = $4 THEN 0 ELSE (SELECT COUNT(*) FROM goals x JOIN pairs p ON p.id = x.pair_id WHERE p.programme_id = g.id) END AS goals,
            CASE WHEN g.id = $4 THEN 0 ELSE (SELECT COUNT(*) FROM goals x JOIN pairs p ON p.id = x.pair_id
                WHERE p.programme_id = g.id AND x.status = $3) END AS goals_done,
            CASE WHEN g.id = $4 THEN 0 ELSE (SELECT COUNT(*) FROM surveys s JOIN pairs p ON p.id = s.pair_id WHERE p.programme_id = g.id) END AS answers,
            CASE WHEN g.id = $4 THEN 0 ELSE (SELECT COUNT(*) FROM surveys s JOIN pairs p ON p.id = s.pair_id
                WHERE p.programme_id = g.id AND s.recommend >= 9) END AS promoters,
            CASE WHEN g.id = $4 THEN 0 ELSE (SELECT COUNT(*) FROM surveys s JOIN pairs p ON p.id = s.pair_id
                WHERE p.programme_id = g.id AND s.recommend <= 6) END AS detractors
         FROM programmes g JOIN programme_admins a ON a.programme_id = g.id
         WHERE a.user_id = $1 ORDER BY g.id DESC LIMIT 20",
    )
    .bind(admin_id)
    .bind(CheckinStatus::Held)
    .bind(GoalStatus::Done)
    .bind(except)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ProgrammeRow {
            id: r.id,
            name: r.name,
            pairs: r.pairs as u32,
            first_held: r.first_held as u32,
            outcomes: Outcomes {
                mean_rating: r.mean_rating,
                goal_completion: percent(r.goals_done as u32, r.goals as u32),
                survey_answers: r.answers as u32,
                recommend_score: (r.answers > 0).then(|| 100.0 * (r.promoters - r.detractors) as f64 / r.answers as f64),
            },
        })
        .collect())
}

/// Records a nudge to pair `pair_id` unless it had one in the last [`NUDGE_INTERVAL`] or has
/// ended; the insert itself carries the conditions, under the pair's row lock, so two admins
/// (or an admin and the housekeeping loop) at once send one, and none reaches a pair ended a
/// moment before. `Ok(false)`: nothing written.
pub async fn record_nudge(conn: &mut AnyConnection, pair_id: i64, by: Option<i64>, reason: &str, at: i64) -> Result<bool, sqlx::Error> {
    crate::pairs::db::lock_pair(conn, pair_id).await?;
    let done = sqlx::query(
        "INSERT INTO pair_nudges (pair_id, sent_by, reason, sent_at)
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM pair_nudges WHERE pair_id = $1 AND sent_at > $5)
           AND EXISTS (SELECT 1 FROM pairs WHERE id = $1 AND status = $6)",
    )
    .bind(pair_id)
    .bind(by)
    .bind(reason)
    .bind(at)
    .bind(at - NUDGE_INTERVAL)
    .bind(PairStatus::Active)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether pair `pair_id` is still active (read on the caller's transaction).
pub async fn pair_active(conn: &mut AnyConnection, pair_id: i64) -> Result<bool, sqlx::Error> {
    let status: Option<PairStatus> = sqlx::query_scalar("SELECT status FROM pairs WHERE id = $1").bind(pair_id).fetch_optional(&mut *conn).await?;
    Ok(status == Some(PairStatus::Active))
}

/// When pair `pair_id` was last nudged.
pub async fn last_nudge(conn: &mut AnyConnection, pair_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(sent_at) FROM pair_nudges WHERE pair_id = $1").bind(pair_id).fetch_one(&mut *conn).await
}

/// How many nudges pair `pair_id` has had (for tests and the audit).
pub async fn nudge_count(db: &Db, pair_id: i64) -> Result<u32, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pair_nudges WHERE pair_id = $1").bind(pair_id).fetch_one(&db.pool).await?;
    Ok(n as u32)
}

/// Notes that an admin handled pair `pair_id` for `reasons`.
pub async fn record_review(conn: &mut AnyConnection, pair_id: i64, by: i64, reasons: &[HealthReason], note: &str) -> Result<(), sqlx::Error> {
    let reasons: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
    sqlx::query("INSERT INTO pair_reviews (pair_id, reviewed_by, reviewed_at, reasons, note) VALUES ($1, $2, $3, $4, $5)")
        .bind(pair_id)
        .bind(by)
        .bind(now())
        .bind(reasons.join(","))
        .bind(note)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RoadblockListRecord {
    id: i64,
    pair_id: i64,
    raised_by: String,
    partner: String,
    body: String,
    state: RoadblockState,
    created_at: i64,
    acknowledged_at: Option<i64>,
    resolved_at: Option<i64>,
    admin_note: String,
}

/// Programme `programme_id`'s roadblocks for triage ([`RoadblockTriage::keep`] chooses the
/// rows).
pub async fn roadblocks(db: &Db, programme_id: i64) -> Result<RoadblockTriage, sqlx::Error> {
    let rows: Vec<RoadblockListRecord> = sqlx::query_as(
        "SELECT r.id, r.pair_id, u.name AS raised_by, o.name AS partner, r.body, r.state, r.created_at,
                r.acknowledged_at, r.resolved_at, r.admin_note
         FROM roadblocks r JOIN pairs p ON p.id = r.pair_id JOIN users u ON u.id = r.user_id
         JOIN users o ON o.id = CASE WHEN p.mentor_id = r.user_id THEN p.mentee_id ELSE p.mentor_id END
         WHERE p.programme_id = $1
         ORDER BY CASE r.state WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END, r.created_at DESC, r.id DESC",
    )
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(RoadblockTriage::keep(
        rows.into_iter()
            .map(|r| RoadblockRow {
                id: r.id,
                pair_id: r.pair_id,
                raised_by: r.raised_by,
                partner: r.partner,
                body: r.body,
                state: r.state,
                created_at: r.created_at,
                acknowledged_at: r.acknowledged_at,
                resolved_at: r.resolved_at,
                note: r.admin_note,
            })
            .collect(),
    ))
}

/// The programme and pair of roadblock `id`, and who raised it.
pub async fn roadblock_owner(db: &Db, id: i64) -> Result<Option<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT p.programme_id, r.pair_id, r.user_id FROM roadblocks r JOIN pairs p ON p.id = r.pair_id WHERE r.id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Whether a roadblock may move from `from` to `to`: open → acknowledged → resolved, and back
/// to open from either; the same state keeps it (a note saved).
pub fn allowed_move(from: RoadblockState, to: RoadblockState) -> bool {
    use RoadblockState::*;
    matches!((from, to), (Open, Acknowledged) | (Open, Resolved) | (Acknowledged, Resolved) | (Acknowledged, Open) | (Resolved, Open))
        || from == to
}

/// Moves roadblock `id` from `from` (the state the admin saw) to `to` and stores the admin's
/// note; `from == to` saves the note only. The update carries `from`, so an action based on a
/// state someone else changed in the meantime writes nothing. `Ok(false)`: it is no longer in
/// `from` (or the move is not allowed).
pub async fn move_roadblock(conn: &mut AnyConnection, id: i64, from: RoadblockState, to: RoadblockState, by: i64, note: &str) -> Result<bool, sqlx::Error> {
    if !allowed_move(from, to) {
        return Ok(false);
    }
    let t = now();
    let done = if from == to {
        sqlx::query("UPDATE roadblocks SET admin_note = $1, handled_by = $2 WHERE id = $3 AND state = $4")
            .bind(note)
            .bind(by)
            .bind(id)
            .bind(from)
            .execute(&mut *conn)
            .await?
    } else {
        sqlx::query(
            "UPDATE roadblocks SET state = $1,
                acknowledged_at = CASE WHEN $1 = 'open' THEN NULL ELSE COALESCE(acknowledged_at, $2) END,
                resolved_at = CASE WHEN $1 = 'resolved' THEN $2 ELSE NULL END,
                handled_by = $3, admin_note = $4
             WHERE id = $5 AND state = $6",
        )
        .bind(to)
        .bind(t)
        .bind(by)
        .bind(note)
        .bind(id)
        .bind(from)
        .execute(&mut *conn)
        .await?
    };
    Ok(done.rows_affected() == 1)
}

/// The roadblocks `user_id` raised in pair `pair_id`, newest first.
pub async fn my_roadblocks(db: &Db, pair_id: i64, user_id: i64) -> Result<Vec<MyRoadblock>, sqlx::Error> {
    let rows: Vec<(i64, String, RoadblockState, i64)> = sqlx::query_as("SELECT id, body, state, created_at FROM roadblocks WHERE pair_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC")
        .bind(pair_id)
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().map(|(id, body, state, created_at)| MyRoadblock { id, body, state, created_at }).collect())
}

#[derive(sqlx::FromRow)]
struct QuietPairRecord {
    pair_id: i64,
    programme_name: String,
    health: String,
    mentor_id: i64,
    mentee_id: i64,
    created_at: i64,
    last_held: Option<i64>,
    last_nudge: Option<i64>,
}

/// The housekeeping loop's gentle reminder: every active pair whose programme's
/// `nudge_checkin_days` passed without a held check-in (and not yet at risk) gets one inbox
/// message for both members, at most once a [`NUDGE_INTERVAL`]. Returns the pairs nudged.
pub async fn send_automatic_nudges(db: &Db) -> Result<u32, sqlx::Error> {
    let t = now();
    let rows: Vec<QuietPairRecord> = sqlx::query_as(
        "SELECT p.id AS pair_id, g.name AS programme_name, g.health, p.mentor_id, p.mentee_id, p.created_at,
            (SELECT MAX(c.starts_at) FROM checkins c WHERE c.pair_id = p.id AND c.status = $2) AS last_held,
            (SELECT MAX(n.sent_at) FROM pair_nudges n WHERE n.pair_id = p.id) AS last_nudge
         FROM pairs p JOIN programmes g ON g.id = p.programme_id WHERE p.status = $1",
    )
    .bind(PairStatus::Active)
    .bind(CheckinStatus::Held)
    .fetch_all(&db.pool)
    .await?;
    let mut sent = 0;
    for r in rows {
        let (_, settings) = parse_objectives("[]", &r.health);
        let quiet_since = r.last_held.unwrap_or(r.created_at);
        if !compute::auto_nudge_due(quiet_since, r.last_nudge, &settings, t) {
            continue;
        }
        let days = (t - quiet_since) / DAY;
        let mut tx = db.begin_write().await?;
        if record_nudge(&mut tx, r.pair_id, None, &format!("automatic: {days} days without a check-in"), t).await? {
            let body = format!(
                "It has been {days} days since your last check-in in {}. A short one keeps the momentum: pick a time in your workspace.",
                r.programme_name
            );
            for uid in [r.mentor_id, r.mentee_id] {
                crate::notifications::db::notify(&mut tx, uid, crate::notifications::NoticeKind::Nudges, "Time for a check-in?", &body, &format!("/pairs/{}", r.pair_id)).await?;
            }
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
