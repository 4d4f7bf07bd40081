//! SQL for programmes, enrolments, the matching pool, runs and mentor requests.

use super::*;
use crate::accounts::SessionUser;
use crate::server::db::{now, Db};
use sqlx::AnyConnection;

/// Today in UTC as `YYYY-MM-DD`, the form programme dates are stored in.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// A score (0–1) as the integer thousandths the database keeps.
pub(crate) fn milli(x: f64) -> i64 {
    (x * 1000.0).round() as i64
}

/// A `programmes` row as [`PROGRAMME_COLUMNS`] selects it.
#[derive(sqlx::FromRow)]
struct ProgrammeRecord {
    id: i64,
    name: String,
    objectives: String,
    /// Comma-separated.
    tags: String,
    kind: ProgrammeKind,
    starts_on: String,
    ends_on: String,
    enrol_opens: String,
    enrol_closes: String,
    mentor_capacity: i64,
    self_match: i64,
    targets: String,
    health: String,
}

/// How many people stand where in one programme.
#[derive(sqlx::FromRow)]
struct CountsRecord {
    applied: i64,
    mentors: i64,
    mentees: i64,
    active_pairs: i64,
    runs: i64,
}

const PROGRAMME_COLUMNS: &str = "p.id, p.name, p.objectives, p.tags, p.kind, p.starts_on, p.ends_on, p.enrol_opens, \
                                 p.enrol_closes, p.mentor_capacity, p.self_match, p.targets, p.health";

pub async fn insert_programme(conn: &mut AnyConnection, v: &ValidProgramme, by: i64) -> Result<i64, sqlx::Error> {
    let config = serde_json::to_string(&v.kind.default_config()).unwrap_or_default();
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO programmes (name, objectives, tags, kind, starts_on, ends_on, enrol_opens, enrol_closes,
                                 mentor_capacity, self_match, config, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(&v.name)
    .bind(&v.objectives)
    .bind(v.tags.join(","))
    .bind(v.kind)
    .bind(&v.starts_on)
    .bind(&v.ends_on)
    .bind(&v.enrol_opens)
    .bind(&v.enrol_closes)
    .bind(v.mentor_capacity as i64)
    .bind(v.self_match as i64)
    .bind(config)
    .bind(by)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO programme_admins (programme_id, user_id) VALUES ($1, $2)")
        .bind(id)
        .bind(by)
        .execute(&mut *conn)
        .await?;
    crate::insights::db::save_objectives(conn, id, &v.targets, &v.health).await?;
    crate::training::db::seed_starter_guides(conn, id).await?;
    Ok(id)
}

/// Changes the settings; a change of type starts the matching rules afresh from its defaults.
pub async fn update_programme_settings(conn: &mut AnyConnection, id: i64, v: &ValidProgramme) -> Result<(), sqlx::Error> {
    let kind: ProgrammeKind = sqlx::query_scalar("SELECT kind FROM programmes WHERE id = $1").bind(id).fetch_one(&mut *conn).await?;
    if kind != v.kind {
        let config = serde_json::to_string(&v.kind.default_config()).unwrap_or_default();
        sqlx::query("UPDATE programmes SET config = $1 WHERE id = $2").bind(config).bind(id).execute(&mut *conn).await?;
    }
    sqlx::query(
        "UPDATE programmes SET name = $1, objectives = $2, tags = $3, kind = $4, starts_on = $5, ends_on = $6,
                enrol_opens = $7, enrol_closes = $8, mentor_capacity = $9, self_match = $10, updated_at = $11
         WHERE id = $12",
    )
    .bind(&v.name)
    .bind(&v.objectives)
    .bind(v.tags.join(","))
    .bind(v.kind)
    .bind(&v.starts_on)
    .bind(&v.ends_on)
    .bind(&v.enrol_opens)
    .bind(&v.enrol_closes)
    .bind(v.mentor_capacity as i64)
    .bind(v.self_match as i64)
    .bind(now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    crate::insights::db::save_objectives(conn, id, &v.targets, &v.health).await?;
    Ok(())
}

pub async fn save_config(conn: &mut AnyConnection, id: i64, config: &Config) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE programmes SET config = $1, updated_at = $2 WHERE id = $3")
        .bind(serde_json::to_string(config).unwrap_or_default())
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn is_programme_admin(db: &Db, programme_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let row: Option<i64> = sqlx::query_scalar("SELECT 1 FROM programme_admins WHERE programme_id = $1 AND user_id = $2")
        .bind(programme_id)
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

pub async fn programme_exists(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let row: Option<i64> = sqlx::query_scalar("SELECT id FROM programmes WHERE id = $1").bind(id).fetch_optional(&db.pool).await?;
    Ok(row.is_some())
}

/// Programme `id`'s name; `None` when there is no such programme.
pub async fn programme_name(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM programmes WHERE id = $1").bind(id).fetch_optional(&db.pool).await
}

async fn viewer_level(db: &Db, uid: i64) -> Result<i32, sqlx::Error> {
    let level: Option<i64> = sqlx::query_scalar("SELECT level FROM users WHERE id = $1").bind(uid).fetch_optional(&db.pool).await?;
    Ok(level.map_or(1, |l| l as i32))
}

async fn to_programme(db: &Db, row: ProgrammeRecord, viewer: &SessionUser, level: i32, today: &str) -> Result<Programme, sqlx::Error> {
    let kind = row.kind;
    let counts: CountsRecord = sqlx::query_as(
        "SELECT
            (SELECT COUNT(*) FROM enrolments WHERE programme_id = $1 AND status = $2) AS applied,
            (SELECT COUNT(*) FROM enrolments WHERE programme_id = $1 AND status = $3 AND role = $4) AS mentors,
            (SELECT COUNT(*) FROM enrolments WHERE programme_id = $1 AND status = $3 AND role = $5) AS mentees,
            (SELECT COUNT(*) FROM pairs WHERE programme_id = $1 AND status = $6) AS active_pairs,
            (SELECT COUNT(*) FROM match_runs WHERE programme_id = $1) AS runs",
    )
    .bind(row.id)
    .bind(EnrolStatus::Applied)
    .bind(EnrolStatus::Approved)
    .bind(EnrolRole::Mentor)
    .bind(EnrolRole::Mentee)
    .bind(crate::pairs::PairStatus::Active)
    .fetch_one(&db.pool)
    .await?;
    let mine: Option<MyEnrolment> = sqlx::query_as("SELECT role, status FROM enrolments WHERE programme_id = $1 AND user_id = $2")
        .bind(row.id)
        .bind(viewer.id)
        .fetch_optional(&db.pool)
        .await?;
    let can_manage = is_programme_admin(db, row.id, viewer.id).await?;
    let (targets, health) = crate::insights::db::parse_objectives(&row.targets, &row.health);
    Ok(Programme {
        id: row.id,
        name: row.name,
        objectives: row.objectives,
        tags: row.tags.split(',').filter(|t| !t.is_empty()).map(String::from).collect(),
        kind,
        open: row.enrol_opens.as_str() <= today && today <= row.enrol_closes.as_str(),
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        enrol_opens: row.enrol_opens,
        enrol_closes: row.enrol_closes,
        mentor_capacity: row.mentor_capacity as u32,
        self_match: row.self_match != 0,
        targets,
        health,
        counts: Counts {
            applied: counts.applied as u32,
            mentors: counts.mentors as u32,
            mentees: counts.mentees as u32,
            active_pairs: counts.active_pairs as u32,
            runs: counts.runs as u32,
        },
        can_manage,
        mine,
        suggested_role: kind.suggested_role(level),
    })
}

/// Programme `id` as `viewer` sees it; `None` when it does not exist or they may not see it
/// ([`Programme::visible`]), so the two answer alike (404).
pub async fn load_programme(db: &Db, id: i64, viewer: &SessionUser) -> Result<Option<Programme>, sqlx::Error> {
    let row: Option<ProgrammeRecord> = sqlx::query_as(&format!("SELECT {PROGRAMME_COLUMNS} FROM programmes p WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    match row {
        Some(row) => Ok(Some(to_programme(db, row, viewer, viewer_level(db, viewer.id).await?, &today()).await?).filter(Programme::visible)),
        None => Ok(None),
    }
}

/// Programme `id`'s matching rules (its kind's defaults if the stored rules cannot be read).
/// For the server's own use and the studio: never part of what an employee receives.
pub async fn programme_config(db: &Db, id: i64) -> Result<Config, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        kind: ProgrammeKind,
        config: String,
    }
    let row: Row = sqlx::query_as("SELECT kind, config FROM programmes WHERE id = $1").bind(id).fetch_one(&db.pool).await?;
    Ok(serde_json::from_str(&row.config).unwrap_or_else(|_| row.kind.default_config()))
}

/// Programmes the viewer may see in lists: open for enrolment, ones they take part in, and
/// ones they run. Newest cycle first.
pub async fn visible_programmes(db: &Db, viewer: &SessionUser) -> Result<Vec<Programme>, sqlx::Error> {
    let today = today();
    let rows: Vec<ProgrammeRecord> = sqlx::query_as(&format!(
        "SELECT {PROGRAMME_COLUMNS} FROM programmes p
         WHERE (p.enrol_opens <= $1 AND $1 <= p.enrol_closes)
            OR EXISTS (SELECT 1 FROM enrolments e WHERE e.programme_id = p.id AND e.user_id = $2)
            OR EXISTS (SELECT 1 FROM programme_admins a WHERE a.programme_id = p.id AND a.user_id = $2)
         ORDER BY p.starts_on DESC, p.id DESC"
    ))
    .bind(&today)
    .bind(viewer.id)
    .fetch_all(&db.pool)
    .await?;
    let level = viewer_level(db, viewer.id).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(to_programme(db, row, viewer, level, &today).await?);
    }
    Ok(out)
}

/// Applies, or changes a pending application. `Err(message)` when the person is already
/// decided on.
pub async fn apply(
    conn: &mut AnyConnection,
    programme_id: i64,
    user_id: i64,
    role: EnrolRole,
    motivation: &str,
    topics: &[String],
    edit: bool,
) -> Result<Result<(), String>, sqlx::Error> {
    let existing: Option<EnrolStatus> = sqlx::query_scalar("SELECT status FROM enrolments WHERE programme_id = $1 AND user_id = $2")
        .bind(programme_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    match existing {
        Some(EnrolStatus::Approved) => return Ok(Err("You are already enrolled in this programme.".into())),
        Some(EnrolStatus::Declined) => return Ok(Err("Your application to this programme was declined; ask its admin if you want to try again.".into())),
        Some(EnrolStatus::Applied) if !edit => return Ok(Err("You have already applied to this programme; your application is waiting for approval.".into())),
        Some(EnrolStatus::Applied) => {
            let changed = sqlx::query("UPDATE enrolments SET role = $1, motivation = $2, topics = $3 WHERE programme_id = $4 AND user_id = $5 AND status = $6")
                .bind(role)
                .bind(motivation)
                .bind(topics.join(","))
                .bind(programme_id)
                .bind(user_id)
                .bind(EnrolStatus::Applied)
                .execute(&mut *conn)
                .await?;
            // Decided by an admin between the read and this write (PostgreSQL lets that happen).
            if changed.rows_affected() == 0 {
                return Ok(Err("Your application was decided in the meantime; reload the page to see how.".into()));
            }
        }
        None => {
            // A second application sent at the same moment (a double click, two tabs) finds the
            // first one's row and is told so, rather than failing on the unique key.
            let inserted = sqlx::query(
                "INSERT INTO enrolments (programme_id, user_id, role, status, motivation, topics, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (programme_id, user_id) DO NOTHING",
            )
            .bind(programme_id)
            .bind(user_id)
            .bind(role)
            .bind(EnrolStatus::Applied)
            .bind(motivation)
            .bind(topics.join(","))
            .bind(now())
            .execute(&mut *conn)
            .await?;
            if inserted.rows_affected() == 0 {
                return Ok(Err("You have already applied to this programme; your application is waiting for approval.".into()));
            }
        }
    }
    Ok(Ok(()))
}

/// Withdraws a pending application; returns whether there was one.
pub async fn withdraw(db: &Db, programme_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM enrolments WHERE programme_id = $1 AND user_id = $2 AND status = $3")
        .bind(programme_id)
        .bind(user_id)
        .bind(EnrolStatus::Applied)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// An enrolment with its person, as the manage page lists it.
#[derive(sqlx::FromRow)]
struct EnrolmentRecord {
    id: i64,
    user_id: i64,
    name: String,
    email: String,
    job_title: String,
    department: String,
    level: i64,
    role: EnrolRole,
    status: EnrolStatus,
    motivation: String,
    /// Comma-separated.
    topics: String,
    created_at: i64,
}

impl From<EnrolmentRecord> for Enrolment {
    fn from(r: EnrolmentRecord) -> Enrolment {
        Enrolment {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            email: r.email,
            job_title: r.job_title,
            department: r.department,
            level: r.level as i32,
            role: r.role,
            status: r.status,
            motivation: r.motivation,
            topics: r.topics.split(',').filter(|t| !t.is_empty()).map(String::from).collect(),
            created_at: r.created_at,
        }
    }
}

const ENROLMENT_COLUMNS: &str =
    "e.id, u.id AS user_id, u.name, u.email, u.job_title, u.department, u.level, e.role, e.status, e.motivation, e.topics, e.created_at";

/// Applications waiting first, then the enrolled, then the declined; by role and name within.
const WAITING_FIRST: &str = "CASE e.status WHEN 'applied' THEN 0 WHEN 'approved' THEN 1 ELSE 2 END, e.role, u.name, e.id";

/// Every enrolment of programme `programme_id`, applications waiting first (the API's full list
/// and the CSV export; the manage page reads [`enrolment_page`]).
pub async fn enrolments(db: &Db, programme_id: i64) -> Result<Vec<Enrolment>, sqlx::Error> {
    let rows: Vec<EnrolmentRecord> = sqlx::query_as(&format!(
        "SELECT {ENROLMENT_COLUMNS} FROM enrolments e JOIN users u ON u.id = e.user_id WHERE e.programme_id = $1 ORDER BY {WAITING_FIRST}"
    ))
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(Enrolment::from).collect())
}

/// The people of the manage page's list: $1 programme, $2 search text ('' for any), $3 its LIKE
/// pattern, $4 role ('' for both), $5 state ('' for any).
const ENROLMENT_FILTER: &str = "FROM enrolments e JOIN users u ON u.id = e.user_id
    WHERE e.programme_id = $1
      AND ($2 = '' OR LOWER(u.name) LIKE $3 ESCAPE '\\' OR LOWER(u.email) LIKE $3 ESCAPE '\\' OR LOWER(u.department) LIKE $3 ESCAPE '\\')
      AND ($4 = '' OR e.role = $4) AND ($5 = '' OR e.status = $5)";

/// One page ([`LIST_PAGE`] rows; a page past the last answers the last) of programme
/// `programme_id`'s people matching `q`, with how many match in all. Two statements with one filter, so the count and the page agree.
pub async fn enrolment_page(db: &Db, programme_id: i64, q: &ValidEnrolmentQuery) -> Result<EnrolmentPage, sqlx::Error> {
    let order = match q.sort {
        EnrolmentSort::Waiting => WAITING_FIRST,
        EnrolmentSort::Name => "u.name, e.id",
        EnrolmentSort::Newest => "e.created_at DESC, e.id DESC",
        EnrolmentSort::Level => "u.level DESC, u.name, e.id",
    };
    let role = q.role.map(|r| r.as_str()).unwrap_or("");
    let status = q.status.map(|s| s.as_str()).unwrap_or("");
    let pattern = crate::server::db::like_pattern(&q.q);
    let count_sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN e.status = 'applied' THEN 1 ELSE 0 END), 0), COALESCE(MAX(e.id), 0) {ENROLMENT_FILTER}"
    );
    let rows_sql = format!("SELECT {ENROLMENT_COLUMNS} {ENROLMENT_FILTER} ORDER BY {order} LIMIT $6 OFFSET $7");
    let rows_at = |page: i32| {
        sqlx::query_as::<_, EnrolmentRecord>(&rows_sql)
            .bind(programme_id)
            .bind(&q.q)
            .bind(&pattern)
            .bind(role)
            .bind(status)
            .bind(LIST_PAGE as i64)
            .bind(i64::from(page) * LIST_PAGE as i64)
            .fetch_all(&db.pool)
    };
    let count = sqlx::query_as::<_, (i64, i64, i64)>(&count_sql).bind(programme_id).bind(&q.q).bind(&pattern).bind(role).bind(status).fetch_one(&db.pool);
    // The count and the page at once; only a page past the end is read again, as the last.
    let ((total, waiting, newest), mut rows) = tokio::try_join!(count, rows_at(q.page))?;
    let last = crate::ui::last_page(total, LIST_PAGE);
    let page = if q.page > last {
        rows = rows_at(last).await?;
        last
    } else {
        q.page
    };
    Ok(EnrolmentPage { items: rows.into_iter().map(Enrolment::from).collect(), total, waiting, newest, page, page_size: LIST_PAGE })
}

/// Whose enrolment it is, and in which programme.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct EnrolmentOwner {
    pub programme_id: i64,
    pub user_id: i64,
}

/// The programme and person of enrolment `enrolment_id`.
pub async fn enrolment_owner(db: &Db, enrolment_id: i64) -> Result<Option<EnrolmentOwner>, sqlx::Error> {
    sqlx::query_as("SELECT programme_id, user_id FROM enrolments WHERE id = $1").bind(enrolment_id).fetch_optional(&db.pool).await
}

/// Approves or declines application `enrolment_id` if it is still waiting. Returns whether this
/// call decided it: the condition is in the update, so two admins (or two tabs) deciding at
/// once decide it once, and an enrolment already in the programme is never declined by a
/// stale button.
pub async fn decide(conn: &mut AnyConnection, enrolment_id: i64, status: EnrolStatus, by: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE enrolments SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'applied'")
        .bind(status)
        .bind(by)
        .bind(now())
        .bind(enrolment_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many applications of programme `programme_id` are waiting, match `q` (search, role and
/// state as the people list reads them) and are enrolment `up_to` or older.
pub async fn waiting_matching(conn: &mut AnyConnection, programme_id: i64, q: &ValidEnrolmentQuery, up_to: i64) -> Result<i64, sqlx::Error> {
    let role = q.role.map(|r| r.as_str()).unwrap_or("");
    let state = q.status.map(|s| s.as_str()).unwrap_or("");
    sqlx::query_scalar(&format!("SELECT COUNT(*) {ENROLMENT_FILTER} AND e.status = 'applied' AND e.id <= $6"))
        .bind(programme_id)
        .bind(&q.q)
        .bind(crate::server::db::like_pattern(&q.q))
        .bind(role)
        .bind(state)
        .bind(up_to)
        .fetch_one(&mut *conn)
        .await
}

/// Approves or declines every application of programme `programme_id` that is waiting, matches
/// `q` (search, role and state as the people list reads them; sort and page ignored) and is
/// enrolment `up_to` or older. Returns the people decided. One conditional update: an
/// application decided meanwhile, one by one or by another bulk decision, is not decided again.
pub async fn decide_matching(
    conn: &mut AnyConnection,
    programme_id: i64,
    q: &ValidEnrolmentQuery,
    up_to: i64,
    status: EnrolStatus,
    by: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let role = q.role.map(|r| r.as_str()).unwrap_or("");
    let state = q.status.map(|s| s.as_str()).unwrap_or("");
    sqlx::query_scalar(&format!(
        "UPDATE enrolments SET status = $6, decided_by = $7, decided_at = $8
         WHERE status = 'applied' AND id <= $9 AND id IN (SELECT e.id {ENROLMENT_FILTER}) RETURNING user_id"
    ))
    .bind(programme_id)
    .bind(&q.q)
    .bind(crate::server::db::like_pattern(&q.q))
    .bind(role)
    .bind(state)
    .bind(status)
    .bind(by)
    .bind(now())
    .bind(up_to)
    .fetch_all(&mut *conn)
    .await
}

/// Enrols people directly (approved). Returns (enrolled, already in the programme).
pub async fn enrol_many(conn: &mut AnyConnection, programme_id: i64, role: EnrolRole, users: &[i64], by: i64) -> Result<(u32, u32), sqlx::Error> {
    let (mut enrolled, mut already) = (0, 0);
    let t = now();
    for uid in users {
        // Someone already in the programme (enrolled a moment ago by another admin, too) is
        // counted, not enrolled twice.
        let inserted = sqlx::query(
            "INSERT INTO enrolments (programme_id, user_id, role, status, created_at, decided_by, decided_at)
             VALUES ($1, $2, $3, $4, $5, $6, $5) ON CONFLICT (programme_id, user_id) DO NOTHING",
        )
        .bind(programme_id)
        .bind(uid)
        .bind(role)
        .bind(EnrolStatus::Approved)
        .bind(t)
        .bind(by)
        .execute(&mut *conn)
        .await?;
        if inserted.rows_affected() == 1 {
            enrolled += 1;
        } else {
            already += 1;
        }
    }
    Ok((enrolled, already))
}

/// Everyone in a department (empty: any) and level range.
pub async fn people_by_filter(db: &Db, department: &str, level_min: i32, level_max: i32) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE deactivated_at IS NULL AND ($1 = '' OR department = $1) AND level BETWEEN $2 AND $3 ORDER BY id")
        .bind(department)
        .bind(level_min as i64)
        .bind(level_max as i64)
        .fetch_all(&db.pool)
        .await
}

// ----- the matching pool ---------------------------------------------------------------------

/// One approved participant of a programme, with what matching needs of them.
#[derive(sqlx::FromRow)]
pub struct PoolPersonRow {
    pub id: i64,
    pub role: EnrolRole,
    pub topics: String,
    pub name: String,
    pub job_title: String,
    pub department: String,
    pub level: i64,
    pub timezone: String,
    pub manager_id: Option<i64>,
}

/// A skill of a participant.
#[derive(sqlx::FromRow)]
pub struct PoolSkillRow {
    pub user_id: i64,
    pub kind: crate::profiles::SkillKind,
    pub name: String,
    pub level: i64,
}

/// A weekly free slot of a participant, in their own timezone's minutes.
#[derive(sqlx::FromRow)]
pub struct PoolSlotRow {
    pub user_id: i64,
    pub weekday: i64,
    pub start_minute: i64,
    pub end_minute: i64,
}

/// Someone's line manager: reporting chains cross the pool.
#[derive(sqlx::FromRow)]
pub struct ManagerRow {
    pub id: i64,
    pub manager_id: i64,
}

/// A language a participant speaks.
#[derive(sqlx::FromRow)]
pub struct PoolLanguageRow {
    pub user_id: i64,
    pub language: String,
}

/// Everything the matching pool is built from, read in one go.
pub struct PoolRows {
    pub people: Vec<PoolPersonRow>,
    /// Everyone who has a manager.
    pub managers: Vec<ManagerRow>,
    /// In each person's order.
    pub languages: Vec<PoolLanguageRow>,
    pub skills: Vec<PoolSkillRow>,
    pub slots: Vec<PoolSlotRow>,
}

/// The approved participants of programme `programme_id` (only those in `only`, if given) and
/// their languages, skills and free slots.
pub async fn pool_rows(conn: &mut AnyConnection, programme_id: i64, only: Option<&[i64]>) -> Result<PoolRows, sqlx::Error> {
    // Ids are integers from the server's own records, so they are written into the query.
    let among = only.map_or(String::new(), |ids| {
        format!(" AND e.user_id IN ({})", ids.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(", "))
    });
    let approved = EnrolStatus::Approved;
    let people: Vec<PoolPersonRow> = sqlx::query_as(&format!(
        "SELECT u.id, e.role, e.topics, u.name, u.job_title, u.department, u.level, u.timezone, u.manager_id
         FROM enrolments e JOIN users u ON u.id = e.user_id
         WHERE e.programme_id = $1 AND e.status = $2 AND u.deactivated_at IS NULL{among} ORDER BY u.id"
    ))
    .bind(programme_id)
    .bind(approved)
    .fetch_all(&mut *conn)
    .await?;
    let managers = sqlx::query_as("SELECT id, manager_id FROM users WHERE manager_id IS NOT NULL").fetch_all(&mut *conn).await?;
    let in_pool = format!("SELECT e.user_id FROM enrolments e WHERE e.programme_id = $1 AND e.status = $2{among}");
    let languages = sqlx::query_as(&format!(
        "SELECT user_id, language FROM user_languages WHERE user_id IN ({in_pool}) ORDER BY user_id, position"
    ))
    .bind(programme_id)
    .bind(approved)
    .fetch_all(&mut *conn)
    .await?;
    let skills = sqlx::query_as(&format!(
        "SELECT us.user_id, us.kind, s.name, us.level FROM user_skills us JOIN skills s ON s.id = us.skill_id
         WHERE us.user_id IN ({in_pool}) ORDER BY us.user_id, us.kind, us.position"
    ))
    .bind(programme_id)
    .bind(approved)
    .fetch_all(&mut *conn)
    .await?;
    let slots = sqlx::query_as(&format!(
        "SELECT user_id, weekday, start_minute, end_minute FROM availability WHERE user_id IN ({in_pool})
         ORDER BY user_id, weekday, start_minute"
    ))
    .bind(programme_id)
    .bind(approved)
    .fetch_all(&mut *conn)
    .await?;
    Ok(PoolRows { people, managers, languages, skills, slots })
}

// ----- runs -------------------------------------------------------------------------------

/// A `match_runs` row as [`RUN_COLUMNS`] selects it, with its author's name.
#[derive(sqlx::FromRow)]
struct RunRecord {
    id: i64,
    /// `None` once the author's account is gone.
    author: Option<String>,
    created_at: i64,
    pairs: i64,
    participants: i64,
    total_milli: i64,
    /// The rules the run used, as JSON.
    config: String,
    published_at: Option<i64>,
}

impl From<RunRecord> for RunSummary {
    fn from(r: RunRecord) -> Self {
        let objective = serde_json::from_str::<Config>(&r.config).map(|c| c.objective).unwrap_or(Objective::Total);
        RunSummary {
            id: r.id,
            author: r.author.unwrap_or_else(|| "someone no longer here".into()),
            created_at: r.created_at,
            pairs: r.pairs as u32,
            participants: r.participants as u32,
            total: r.total_milli as f64 / 1000.0,
            objective,
            published_at: r.published_at,
        }
    }
}

/// A whole saved run: its summary, the programme and the stored result.
#[derive(sqlx::FromRow)]
struct SavedRunRecord {
    programme_id: i64,
    /// The matching result as JSON.
    result: String,
    #[sqlx(flatten)]
    summary: RunRecord,
}

const RUN_COLUMNS: &str = "r.id, u.name AS author, r.created_at, r.pairs, r.participants, r.total_milli, r.config, r.published_at";

pub async fn insert_run(
    conn: &mut AnyConnection,
    programme_id: i64,
    author: i64,
    config: &Config,
    result: &MatchResult,
    participants: u32,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO match_runs (programme_id, author_id, created_at, config, result, pairs, participants, total_milli)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(programme_id)
    .bind(author)
    .bind(now())
    .bind(serde_json::to_string(config).unwrap_or_default())
    .bind(serde_json::to_string(result).unwrap_or_default())
    .bind(result.pairs.len() as i64)
    .bind(participants as i64)
    .bind(milli(result.total))
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// One page ([`LIST_PAGE`] runs, newest first; a page past the last answers the last) of
/// programme `programme_id`'s saved runs, with how many there are.
pub async fn runs(db: &Db, programme_id: i64, page: i32) -> Result<RunPage, sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM match_runs WHERE programme_id = $1").bind(programme_id).fetch_one(&db.pool).await?;
    let page = page.max(0).min(crate::ui::last_page(total, LIST_PAGE));
    let rows: Vec<RunRecord> = sqlx::query_as(&format!(
        "SELECT {RUN_COLUMNS} FROM match_runs r LEFT JOIN users u ON u.id = r.author_id
         WHERE r.programme_id = $1 ORDER BY r.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(programme_id)
    .bind(LIST_PAGE as i64)
    .bind(page as i64 * LIST_PAGE as i64)
    .fetch_all(&db.pool)
    .await?;
    Ok(RunPage { items: rows.into_iter().map(RunSummary::from).collect(), total, page, page_size: LIST_PAGE })
}

/// Saved run `run_id` and the programme it belongs to.
pub async fn run_by_id(db: &Db, run_id: i64) -> Result<Option<(i64, SavedRun)>, sqlx::Error> {
    let row: Option<SavedRunRecord> = sqlx::query_as(&format!(
        "SELECT r.programme_id, r.result, {RUN_COLUMNS} FROM match_runs r LEFT JOIN users u ON u.id = r.author_id WHERE r.id = $1"
    ))
    .bind(run_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (Ok(config), Ok(result)) = (serde_json::from_str(&row.summary.config), serde_json::from_str(&row.result)) else {
        return Err(sqlx::Error::Decode("a saved run could not be read".into()));
    };
    Ok(Some((row.programme_id, SavedRun { summary: row.summary.into(), config, result })))
}

pub async fn latest_run(db: &Db, programme_id: i64) -> Result<Option<SavedRun>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM match_runs WHERE programme_id = $1 HAVING COUNT(*) > 0")
        .bind(programme_id)
        .fetch_optional(&db.pool)
        .await?;
    match id {
        Some(id) => Ok(run_by_id(db, id).await?.map(|r| r.1)),
        None => Ok(None),
    }
}

/// Marks run `run_id` published unless it already is; `false` when another publish got there
/// first. Done first in the publishing transaction, so two publishes of one run serialise on
/// this row and the second finds it taken.
pub async fn claim_publication(conn: &mut AnyConnection, run_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE match_runs SET published_at = $1 WHERE id = $2 AND published_at IS NULL")
        .bind(now())
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Makes the calling transaction the only one changing programme `id`'s pairs until it ends.
/// PostgreSQL locks the programme's row; SQLite's write transactions (`BEGIN IMMEDIATE`,
/// `Db::begin_write`) already exclude every other writer.
pub async fn lock_programme(conn: &mut AnyConnection, id: i64) -> Result<(), sqlx::Error> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT id FROM programmes WHERE id = $1 FOR UPDATE").bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

// ----- mentor requests (self-match) ---------------------------------------------------------

/// Marks requests past their time as expired.
pub async fn expire_requests(db: &Db) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("UPDATE match_requests SET status = $2, answered_at = $1 WHERE status = $3 AND expires_at <= $1")
        .bind(now())
        .bind(RequestStatus::Expired)
        .bind(RequestStatus::Pending)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

pub async fn create_request(
    conn: &mut AnyConnection,
    programme_id: i64,
    mentee: i64,
    mentor: i64,
    message: &str,
    lifetime_secs: i64,
) -> Result<i64, sqlx::Error> {
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO match_requests (programme_id, mentee_id, mentor_id, message, status, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(programme_id)
    .bind(mentee)
    .bind(mentor)
    .bind(message)
    .bind(RequestStatus::Pending)
    .bind(t)
    .bind(t + lifetime_secs)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Pending requests a mentee has sent in a programme (mentor ids).
pub async fn pending_requests_of(db: &Db, programme_id: i64, mentee: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT mentor_id FROM match_requests WHERE programme_id = $1 AND mentee_id = $2 AND status = $3 AND expires_at > $4")
        .bind(programme_id)
        .bind(mentee)
        .bind(RequestStatus::Pending)
        .bind(now())
        .fetch_all(&db.pool)
        .await
}

/// A request as the requests page lists it; the two people are looked up after.
#[derive(sqlx::FromRow)]
struct RequestRecord {
    id: i64,
    programme_id: i64,
    programme_name: String,
    message: String,
    status: RequestStatus,
    created_at: i64,
    expires_at: i64,
    mentee_id: i64,
    mentor_id: i64,
}

/// Requests the viewer sent or received, newest first.
pub async fn requests_for(db: &Db, uid: i64) -> Result<Vec<MentorRequest>, sqlx::Error> {
    let rows: Vec<RequestRecord> = sqlx::query_as(
        "SELECT r.id, g.id AS programme_id, g.name AS programme_name, r.message, r.status, r.created_at, r.expires_at, r.mentee_id, r.mentor_id
         FROM match_requests r JOIN programmes g ON g.id = r.programme_id
         WHERE r.mentee_id = $1 OR r.mentor_id = $1
         ORDER BY r.created_at DESC, r.id DESC LIMIT 100",
    )
    .bind(uid)
    .fetch_all(&db.pool)
    .await?;
    let mut conn = db.pool.acquire().await?;
    let mut out = Vec::new();
    for r in rows {
        let people = (crate::people::db::person_label(&mut conn, r.mentee_id).await?, crate::people::db::person_label(&mut conn, r.mentor_id).await?);
        let (Some(mentee), Some(mentor)) = people else { continue };
        out.push(MentorRequest {
            id: r.id,
            programme_id: r.programme_id,
            programme_name: r.programme_name,
            mentee,
            mentor,
            message: r.message,
            status: r.status,
            created_at: r.created_at,
            expires_at: r.expires_at,
        });
    }
    Ok(out)
}

/// Who a mentor request joins and where it stands.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct RequestParties {
    pub programme_id: i64,
    pub mentee_id: i64,
    pub mentor_id: i64,
    pub status: RequestStatus,
    pub expires_at: i64,
}

/// Request `id`'s parties and status.
pub async fn request_parties(db: &Db, id: i64) -> Result<Option<RequestParties>, sqlx::Error> {
    sqlx::query_as("SELECT programme_id, mentee_id, mentor_id, status, expires_at FROM match_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Gives pending request `id` its answer; `false` when it was no longer pending.
pub async fn set_request_status(conn: &mut AnyConnection, id: i64, status: RequestStatus) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE match_requests SET status = $1, answered_at = $2 WHERE id = $3 AND status = $4")
        .bind(status)
        .bind(now())
        .bind(id)
        .bind(RequestStatus::Pending)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Withdraws a mentee's other pending requests in a programme once one is accepted.
pub async fn close_other_requests(conn: &mut AnyConnection, programme_id: i64, mentee: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE match_requests SET status = $4, answered_at = $1 WHERE programme_id = $2 AND mentee_id = $3 AND status = $5")
        .bind(now())
        .bind(programme_id)
        .bind(mentee)
        .bind(RequestStatus::Withdrawn)
        .bind(RequestStatus::Pending)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A pair as the pairs file lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PairExportRow {
    pub mentor_name: String,
    pub mentor_email: String,
    pub mentee_name: String,
    pub mentee_email: String,
    pub score_milli: i64,
    pub status: crate::pairs::PairStatus,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

/// Every pair of programme `programme_id`, active and ended, oldest first.
pub async fn pairs_for_export(db: &Db, programme_id: i64) -> Result<Vec<PairExportRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.name AS mentor_name, m.email AS mentor_email, e.name AS mentee_name, e.email AS mentee_email,
                p.score_milli, p.status, p.created_at, p.ended_at, p.end_reason
         FROM pairs p JOIN users m ON m.id = p.mentor_id JOIN users e ON e.id = p.mentee_id
         WHERE p.programme_id = $1 ORDER BY p.created_at, p.id",
    )
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await
}
