//! The matching pool of a programme: its approved people, turned into the engine's participants.
//! People already in an active pair are left out; mentors keep only the places they have left.

use super::{db, EnrolRole, PersonLabel, Programme};
use crate::pairs::db::PairPeople;
use crate::profiles::SkillKind;
use crate::matching::{Participant, Problem};
use crate::server::db::Db;
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

/// Levels grouped for fairness figures: a rough stand-in for career stage.
fn stage(level: i32) -> String {
    match level {
        ..=3 => "Levels 1–3".into(),
        4..=6 => "Levels 4–6".into(),
        _ => "Levels 7–10".into(),
    }
}

pub async fn load_pool(database: &Db, programme: &Programme) -> Result<Pool, sqlx::Error> {
    load_people_among(database, programme, None, None).await
}

/// The pool as it will be once the active pair `(mentor, mentee)` has ended: the mentee is
/// free again and the mentor has the place back (for rematching before the pair is ended).
pub async fn load_people_as_if_ended(database: &Db, programme: &Programme, pair: PairPeople) -> Result<Pool, sqlx::Error> {
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
    ended: Option<PairPeople>,
) -> Result<Pool, sqlx::Error> {
    let mut conn = database.pool.acquire().await?;
    let mut active = crate::pairs::db::active_load(&mut conn, programme.id).await?;
    if let Some(i) = ended.and_then(|pair| active.iter().position(|p| *p == pair)) {
        active.swap_remove(i);
    }
    let mut taken: HashMap<i64, u32> = HashMap::new();
    let mut paired: std::collections::HashSet<i64> = Default::default();
    for pair in &active {
        *taken.entry(pair.mentor_id).or_default() += 1;
        paired.insert(pair.mentee_id);
    }
    let db::PoolRows { people: rows, managers, languages: language_rows, skills: skill_rows, slots: slot_rows } =
        db::pool_rows(&mut conn, programme.id, only).await?;
    let managers: HashMap<i64, i64> = managers.into_iter().map(|m| (m.id, m.manager_id)).collect();
    let mut languages: HashMap<i64, Vec<String>> = HashMap::new();
    for row in language_rows {
        languages.entry(row.user_id).or_default().push(row.language);
    }
    let mut skills: HashMap<i64, Vec<(SkillKind, String, i64)>> = HashMap::new();
    for s in skill_rows {
        skills.entry(s.user_id).or_default().push((s.kind, s.name, s.level));
    }
    let mut slots: HashMap<i64, Vec<(i64, i64, i64)>> = HashMap::new();
    for a in slot_rows {
        slots.entry(a.user_id).or_default().push((a.weekday, a.start_minute, a.end_minute));
    }

    let mut problem = Problem::default();
    let mut people = Vec::new();
    let mut offsets: HashMap<String, i32> = HashMap::new();
    for db::PoolPersonRow { id, role, topics, name, job_title, department, level, timezone, manager_id: manager } in rows {
        let is_mentor = role == EnrolRole::Mentor;
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
        let offset = *offsets.entry(timezone.clone()).or_insert_with(|| crate::calendar::utc_offset_minutes(&timezone));
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
        let of = |k: SkillKind| -> Vec<(String, u8)> {
            own.iter().filter(|(kind, _, _)| *kind == k).map(|(_, n, l)| (n.clone(), (*l).clamp(1, 5) as u8)).collect()
        };
        let mut offers = of(SkillKind::Teach);
        let mut wants = of(SkillKind::Learn);
        let interests: Vec<String> = of(SkillKind::Hobby).into_iter().map(|(n, _)| n).collect();
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
                .flat_map(|(d, s, e)| crate::calendar::to_utc(d as i32, s as i32, e as i32, offset))
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
