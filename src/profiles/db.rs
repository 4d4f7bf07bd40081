//! SQL for profiles, the skills vocabulary and the people directory.

use crate::accounts::Role;
use super::{DirectoryPage, DirectoryQuery, MeetingFormat, PersonCard, Profile, SkillEntry, SkillKind, Slot, ValidProfile};
use crate::server::db::{now, Db};
use sqlx::AnyConnection;

pub const PAGE_SIZE: i32 = 24;

/// A `users` row as the profile page needs it.
#[derive(sqlx::FromRow)]
struct ProfileRecord {
    id: i64,
    email: String,
    name: String,
    role: Role,
    job_title: String,
    level: i64,
    department: String,
    manager_id: Option<i64>,
    location: String,
    timezone: String,
    format: MeetingFormat,
    bio: String,
}

#[derive(sqlx::FromRow)]
struct ManagerRecord {
    name: String,
    email: String,
}

#[derive(sqlx::FromRow)]
struct SkillRecord {
    kind: SkillKind,
    name: String,
    level: i64,
}

pub async fn load_profile(db: &Db, id: i64) -> Result<Option<Profile>, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    let row: Option<ProfileRecord> = sqlx::query_as(
        "SELECT id, email, name, role, job_title, level, department, manager_id, location, timezone, format, bio
         FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let manager: Option<ManagerRecord> = match row.manager_id {
        Some(m) => sqlx::query_as("SELECT name, email FROM users WHERE id = $1").bind(m).fetch_optional(&mut *conn).await?,
        None => None,
    };
    let languages: Vec<String> = sqlx::query_scalar("SELECT language FROM user_languages WHERE user_id = $1 ORDER BY position")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let skills: Vec<SkillRecord> = sqlx::query_as(
        "SELECT us.kind, s.name, us.level FROM user_skills us JOIN skills s ON s.id = us.skill_id
         WHERE us.user_id = $1 ORDER BY us.kind, us.position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let of_kind = |kind: SkillKind| -> Vec<SkillEntry> {
        skills.iter().filter(|s| s.kind == kind).map(|s| SkillEntry { skill: s.name.clone(), level: s.level as i32 }).collect()
    };
    let slots: Vec<crate::calendar::FreeSlot> = sqlx::query_as(
        "SELECT weekday, start_minute, end_minute FROM availability WHERE user_id = $1 ORDER BY weekday, start_minute",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(Profile {
        id: row.id,
        email: row.email,
        name: row.name,
        role: row.role,
        job_title: row.job_title,
        level: row.level as i32,
        department: row.department,
        manager_id: row.manager_id,
        manager_name: manager.as_ref().map(|m| m.name.clone()),
        manager_email: manager.map(|m| m.email),
        location: row.location,
        timezone: row.timezone,
        languages,
        teach: of_kind(SkillKind::Teach),
        learn: of_kind(SkillKind::Learn),
        hobbies: of_kind(SkillKind::Hobby),
        availability: slots
            .into_iter()
            .map(|s| Slot { weekday: s.weekday as i32, start: s.start_minute as i32, end: s.end_minute as i32 })
            .collect(),
        format: row.format,
        bio: row.bio,
    }))
}

/// The id of a skill in the shared vocabulary, adding it if it is new.
pub async fn ensure_skill(conn: &mut AnyConnection, name: &str, by: Option<i64>) -> Result<i64, sqlx::Error> {
    let key = name.to_lowercase();
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM skills WHERE name_key = $1").bind(&key).fetch_optional(&mut *conn).await? {
        return Ok(id);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO skills (name, name_key, created_by, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name_key) DO UPDATE SET name_key = excluded.name_key RETURNING id",
    )
    .bind(name)
    .bind(&key)
    .bind(by)
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Whether an import has written person `id` (their job title, level, department and manager
/// are then HR's).
pub async fn from_hr(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let at: Option<Option<i64>> = sqlx::query_scalar("SELECT hr_synced_at FROM users WHERE id = $1").bind(id).fetch_optional(&db.pool).await?;
    Ok(at.flatten().is_some())
}

/// Replaces the person's profile fields, skills, languages and availability. Level, department,
/// manager and job title stay as HR set them once an import has written the person; a timezone
/// the person changes becomes theirs (an import no longer changes it).
pub async fn replace_profile(
    conn: &mut AnyConnection,
    user_id: i64,
    p: &ValidProfile,
    manager_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET name = $1,
             job_title = CASE WHEN hr_synced_at IS NULL THEN $2 ELSE job_title END,
             level = CASE WHEN hr_synced_at IS NULL THEN $3 ELSE level END,
             department = CASE WHEN hr_synced_at IS NULL THEN $4 ELSE department END,
             manager_id = CASE WHEN hr_synced_at IS NULL THEN $5 ELSE manager_id END,
             location = $6,
             timezone_chosen = CASE WHEN timezone <> $7 THEN 1 ELSE timezone_chosen END,
             timezone = $7, format = $8, bio = $9, updated_at = $10 WHERE id = $11",
    )
    .bind(&p.name)
    .bind(&p.job_title)
    .bind(p.level)
    .bind(&p.department)
    .bind(manager_id)
    .bind(&p.location)
    .bind(&p.timezone)
    .bind(p.format)
    .bind(&p.bio)
    .bind(now())
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    replace_details(conn, user_id, p).await
}

/// Skills, languages and availability: the lists under a profile.
pub async fn replace_details(conn: &mut AnyConnection, user_id: i64, p: &ValidProfile) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM user_skills WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    for (kind, entries) in [(SkillKind::Teach, &p.teach), (SkillKind::Learn, &p.learn), (SkillKind::Hobby, &p.hobbies)] {
        for (pos, e) in entries.iter().enumerate() {
            let skill_id = ensure_skill(conn, &e.skill, Some(user_id)).await?;
            sqlx::query("INSERT INTO user_skills (user_id, kind, skill_id, level, position) VALUES ($1, $2, $3, $4, $5)")
                .bind(user_id)
                .bind(kind)
                .bind(skill_id)
                .bind(e.level)
                .bind(pos as i64)
                .execute(&mut *conn)
                .await?;
        }
    }
    sqlx::query("DELETE FROM user_languages WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    for (pos, lang) in p.languages.iter().enumerate() {
        sqlx::query("INSERT INTO user_languages (user_id, language, position) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(lang)
            .bind(pos as i64)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM availability WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
    for s in &p.availability {
        sqlx::query("INSERT INTO availability (user_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4)")
            .bind(user_id)
            .bind(s.weekday)
            .bind(s.start)
            .bind(s.end)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn vocabulary(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT name FROM skills ORDER BY name_key LIMIT 5000").fetch_all(&db.pool).await
}


const DIRECTORY_WHERE: &str = "
    WHERE u.deactivated_at IS NULL
    AND ($1 = '' OR LOWER(u.name) LIKE $2 ESCAPE '\\' OR LOWER(u.job_title) LIKE $2 ESCAPE '\\')
    AND ($3 = '' OR u.department = $3)
    AND ($4 = 0 OR u.level = $4)
    AND ($5 = '' OR EXISTS (SELECT 1 FROM user_skills us JOIN skills s ON s.id = us.skill_id
                           WHERE us.user_id = u.id AND us.kind IN ('teach', 'hobby') AND s.name_key LIKE $6 ESCAPE '\\'))";

/// Binds the directory filters $1–$6 (text, its pattern, department, level, skill, its pattern),
/// shared by the count and the page query.
fn with_filters<'q, O>(
    sql: &'q str,
    f: &[String; 5],
    level: i64,
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>
where
    O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    sqlx::query_as(sql).bind(f[0].clone()).bind(f[1].clone()).bind(f[2].clone()).bind(level).bind(f[3].clone()).bind(f[4].clone())
}

#[derive(sqlx::FromRow)]
struct CardRecord {
    id: i64,
    name: String,
    job_title: String,
    level: i64,
    department: String,
    location: String,
}

#[derive(sqlx::FromRow)]
struct TeachRecord {
    user_id: i64,
    name: String,
}

pub async fn directory_page(db: &Db, q: &DirectoryQuery) -> Result<DirectoryPage, sqlx::Error> {
    let text = q.q.trim().to_string();
    let skill = q.skill.trim().to_string();
    let department = q.department.trim().to_string();
    let level = if (1..=10).contains(&q.level) { q.level as i64 } else { 0 };
    let page = q.page.max(0);
    let where_clause = DIRECTORY_WHERE;
    let filters = [text.clone(), crate::server::db::like_pattern(&text), department.clone(), skill.clone(), crate::server::db::like_pattern(&skill)];
    let count_sql = format!("SELECT COUNT(*) FROM users u {where_clause}");
    let (total,): (i64,) = with_filters(&count_sql, &filters, level).fetch_one(&db.pool).await?;
    let page = page.min(crate::ui::last_page(total, PAGE_SIZE));
    let page_sql = format!(
        "SELECT u.id, u.name, u.job_title, u.level, u.department, u.location FROM users u {where_clause}
         ORDER BY u.name, u.id LIMIT $7 OFFSET $8"
    );
    let rows: Vec<CardRecord> = with_filters(&page_sql, &filters, level)
        .bind(PAGE_SIZE as i64)
        .bind(page as i64 * PAGE_SIZE as i64)
        .fetch_all(&db.pool)
        .await?;
    let mut people: Vec<PersonCard> = rows
        .into_iter()
        .map(|r| PersonCard {
            id: r.id,
            name: r.name,
            job_title: r.job_title,
            level: r.level as i32,
            department: r.department,
            location: r.location,
            teach: Vec::new(),
        })
        .collect();
    if !people.is_empty() {
        let placeholders: Vec<String> = (1..=people.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT us.user_id, s.name FROM user_skills us JOIN skills s ON s.id = us.skill_id
             WHERE us.kind = ${} AND us.user_id IN ({}) ORDER BY us.user_id, us.position",
            people.len() + 1,
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, TeachRecord>(&sql);
        for p in &people {
            query = query.bind(p.id);
        }
        for row in query.bind(SkillKind::Teach).fetch_all(&db.pool).await? {
            if let Some(card) = people.iter_mut().find(|c| c.id == row.user_id) {
                card.teach.push(row.name);
            }
        }
    }
    Ok(DirectoryPage { people, total, page, page_size: PAGE_SIZE })
}

/// Every department someone works in, in alphabetical order.
pub async fn department_names(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT department FROM users WHERE department <> '' ORDER BY department").fetch_all(&db.pool).await
}
