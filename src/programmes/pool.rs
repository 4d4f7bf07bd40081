//! The matching pool of a programme: its approved people, turned into the engine's participants.
//! People already in an active pair are left out; mentors keep only the places they have left.

use super::{db, PersonLabel, Programme};
use crate::matching::{Participant, Problem, WeeklySlot};
use crate::server::db::Db;
use chrono::Offset;
use std::collections::HashMap;

pub struct Pool {
    pub problem: Problem,
    pub people: Vec<PersonLabel>,
}

impl Pool {
    pub fn participants(&self) -> u32 {
        (self.problem.mentors.len() + self.problem.mentees.len()) as u32
    }

    /// Drops pins and forbids that name people no longer in the pool (paired or withdrawn since).
    pub fn fit(&self, config: &mut crate::matching::Config) {
        let mentor = |id: i64| self.problem.mentors.iter().any(|m| m.id == id);
        let mentee = |id: i64| self.problem.mentees.iter().any(|e| e.id == id);
        config.rules.pinned.retain(|(m, e)| mentor(*m) && mentee(*e));
        config.rules.forbidden.retain(|(m, e)| mentor(*m) && mentee(*e));
    }
}

/// Minutes east of UTC for an IANA timezone name, now (unknown names count as UTC).
pub fn utc_offset_minutes(timezone: &str) -> i32 {
    match timezone.parse::<chrono_tz::Tz>() {
        Ok(tz) => chrono::Utc::now().with_timezone(&tz).offset().fix().local_minus_utc() / 60,
        Err(_) => 0,
    }
}

const WEEK: i32 = 7 * 1440;

/// A local weekly slot as UTC minutes from Monday 00:00, split where it crosses the week's end.
pub fn to_utc(weekday: i32, start: i32, end: i32, offset: i32) -> Vec<WeeklySlot> {
    let s = (weekday * 1440 + start - offset).rem_euclid(WEEK);
    let len = (end - start).max(0);
    if len == 0 {
        return Vec::new();
    }
    if s + len <= WEEK {
        vec![WeeklySlot { start: s, end: s + len }]
    } else {
        vec![WeeklySlot { start: s, end: WEEK }, WeeklySlot { start: 0, end: s + len - WEEK }]
    }
}

/// Levels grouped for fairness figures: a rough stand-in for career stage.
fn stage(level: i32) -> String {
    match level {
        ..=3 => "Levels 1–3".into(),
        4..=6 => "Levels 4–6".into(),
        _ => "Levels 7–10".into(),
    }
}

type Row = (i64, String, String, String, String, String, i64, String, Option<i64>);

pub async fn load_pool(database: &Db, programme: &Programme) -> Result<Pool, sqlx::Error> {
    load_people_among(database, programme, None, None).await
}

/// The pool as it will be once the active pair `(mentor, mentee)` has ended: the mentee is
/// free again and the mentor has the place back (for rematching before the pair is ended).
pub async fn load_people_as_if_ended(database: &Db, programme: &Programme, pair: (i64, i64)) -> Result<Pool, sqlx::Error> {
    load_people_among(database, programme, None, Some(pair)).await
}

/// [`load_pool`] restricted to some people (`only`), for scoring or explaining one pair
/// without reading the whole pool.
pub async fn load_people(database: &Db, programme: &Programme, only: Option<&[i64]>) -> Result<Pool, sqlx::Error> {
    load_people_among(database, programme, only, None).await
}

async fn load_people_among(
    database: &Db,
    programme: &Programme,
    only: Option<&[i64]>,
    ended: Option<(i64, i64)>,
) -> Result<Pool, sqlx::Error> {
    // Ids are integers from the server's own records, so they are written into the query.
    let among = only.map_or(String::new(), |ids| {
        format!(" AND e.user_id IN ({})", ids.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(", "))
    });
    let mut conn = database.pool.acquire().await?;
    let mut active = db::active_load(&mut conn, programme.id).await?;
    if let Some(i) = ended.and_then(|pair| active.iter().position(|p| *p == pair)) {
        active.swap_remove(i);
    }
    let mut taken: HashMap<i64, u32> = HashMap::new();
    let mut paired: std::collections::HashSet<i64> = Default::default();
    for (mentor, mentee) in &active {
        *taken.entry(*mentor).or_default() += 1;
        paired.insert(*mentee);
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT u.id, e.role, e.topics, u.name, u.job_title, u.department, u.level, u.timezone, u.manager_id
         FROM enrolments e JOIN users u ON u.id = e.user_id
         WHERE e.programme_id = $1 AND e.status = 'approved'{among} ORDER BY u.id"
    ))
    .bind(programme.id)
    .fetch_all(&mut *conn)
    .await?;
    let managers: HashMap<i64, i64> = sqlx::query_as::<_, (i64, i64)>("SELECT id, manager_id FROM users WHERE manager_id IS NOT NULL")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let in_pool = format!("SELECT e.user_id FROM enrolments e WHERE e.programme_id = $1 AND e.status = 'approved'{among}");
    let mut languages: HashMap<i64, Vec<String>> = HashMap::new();
    for (uid, language) in sqlx::query_as::<_, (i64, String)>(&format!(
        "SELECT user_id, language FROM user_languages WHERE user_id IN ({in_pool}) ORDER BY user_id, position"
    ))
    .bind(programme.id)
    .fetch_all(&mut *conn)
    .await?
    {
        languages.entry(uid).or_default().push(language);
    }
    let mut skills: HashMap<i64, Vec<(String, String, i64)>> = HashMap::new();
    for (uid, kind, name, level) in sqlx::query_as::<_, (i64, String, String, i64)>(&format!(
        "SELECT us.user_id, us.kind, s.name, us.level FROM user_skills us JOIN skills s ON s.id = us.skill_id
         WHERE us.user_id IN ({in_pool}) ORDER BY us.user_id, us.kind, us.position"
    ))
    .bind(programme.id)
    .fetch_all(&mut *conn)
    .await?
    {
        skills.entry(uid).or_default().push((kind, name, level));
    }
    let mut slots: HashMap<i64, Vec<(i64, i64, i64)>> = HashMap::new();
    for (uid, weekday, start, end) in sqlx::query_as::<_, (i64, i64, i64, i64)>(&format!(
        "SELECT user_id, weekday, start_minute, end_minute FROM availability WHERE user_id IN ({in_pool})
         ORDER BY user_id, weekday, start_minute"
    ))
    .bind(programme.id)
    .fetch_all(&mut *conn)
    .await?
    {
        slots.entry(uid).or_default().push((weekday, start, end));
    }

    let mut problem = Problem::default();
    let mut people = Vec::new();
    let mut offsets: HashMap<String, i32> = HashMap::new();
    for (id, role, topics, name, job_title, department, level, timezone, manager) in rows {
        let is_mentor = role == "mentor";
        let capacity = if is_mentor {
            programme.mentor_capacity.saturating_sub(taken.get(&id).copied().unwrap_or(0))
        } else if paired.contains(&id) {
            0
        } else {
            1
        };
        if capacity == 0 {
            continue;
        }
        let offset = *offsets.entry(timezone.clone()).or_insert_with(|| utc_offset_minutes(&timezone));
        let mut chain = Vec::new();
        let mut current = manager;
        while let Some(m) = current {
            if chain.len() >= 32 || chain.contains(&m) {
                break;
            }
            chain.push(m);
            current = managers.get(&m).copied();
        }
        let own = skills.remove(&id).unwrap_or_default();
        let of = |k: &str| -> Vec<(String, u8)> {
            own.iter().filter(|(kind, _, _)| kind == k).map(|(_, n, l)| (n.clone(), (*l).clamp(1, 5) as u8)).collect()
        };
        let mut offers = of("teach");
        let mut wants = of("learn");
        let interests: Vec<String> = of("hobby").into_iter().map(|(n, _)| n).collect();
        // What someone wrote when applying counts as a top-priority topic for this programme.
        for t in topics.split(',').filter(|t| !t.is_empty()) {
            let list = if is_mentor { &mut offers } else { &mut wants };
            if !list.iter().any(|(n, _)| n.eq_ignore_ascii_case(t)) {
                list.push((t.to_string(), 3));
            }
        }
        let participant = Participant {
            id,
            level: level as i32,
            department: department.clone(),
            manager_chain: chain,
            utc_offset_minutes: offset,
            languages: languages.remove(&id).unwrap_or_default(),
            offers,
            wants,
            interests,
            availability: slots
                .remove(&id)
                .unwrap_or_default()
                .into_iter()
                .flat_map(|(d, s, e)| to_utc(d as i32, s as i32, e as i32, offset))
                .collect(),
            group: Some(stage(level as i32)),
            prefers: Vec::new(),
            avoids: Vec::new(),
            capacity,
        };
        if is_mentor {
            problem.mentors.push(participant);
        } else {
            problem.mentees.push(participant);
        }
        people.push(PersonLabel { id, name, job_title, department, level: level as i32 });
    }
    Ok(Pool { problem, people })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_slots_become_utc_and_wrap_at_the_week_end() {
        // Monday 09:00–10:00 in UTC+2 is Monday 07:00–08:00 UTC.
        assert_eq!(to_utc(0, 540, 600, 120), vec![WeeklySlot { start: 420, end: 480 }]);
        // Monday 00:30–01:30 in UTC+1 starts on Sunday 23:30 UTC and ends Monday 00:30.
        assert_eq!(
            to_utc(0, 30, 90, 60),
            vec![WeeklySlot { start: WEEK - 30, end: WEEK }, WeeklySlot { start: 0, end: 30 }]
        );
        assert!(to_utc(2, 600, 600, 0).is_empty());
    }

    #[test]
    fn offsets_come_from_the_timezone_database() {
        assert_eq!(utc_offset_minutes("UTC"), 0);
        assert_eq!(utc_offset_minutes("Asia/Kolkata"), 330);
        assert_eq!(utc_offset_minutes("Not/AZone"), 0);
    }
}
