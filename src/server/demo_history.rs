//! Months of believable activity for the demo programme (`upmentor demo --history`,
//! `UPMENTOR_DEMO_HISTORY`), so the insights page, the health list and calibration have
//! something to show and to be measured on.
//!
//! Each pair gets a quality from 0 to 1 that drives everything it does: how often it meets,
//! how many check-ins it misses, its ratings and fit answers, its goals and its survey. One
//! matching criterion really matters: quality rises with the pair's "timezone and
//! availability" score (pairs who can meet easily do), plus noise; every other criterion is
//! unrelated, so calibration should find that one and no other. Some pairs go quiet part-way,
//! a few raise roadblocks. Deterministic for a seed.

use super::db::{now, Db};
use crate::matching::{Criterion, Reason};
use rand::{rngs::StdRng, Rng, SeedableRng};

const DAY: i64 = 86_400;

/// What [`load_history`] wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct History {
    pub pairs: u32,
    pub checkins: u32,
    pub feedback: u32,
    pub messages: u32,
    pub goals: u32,
    pub surveys: u32,
    pub roadblocks: u32,
    pub quiet: u32,
}

/// A rough normal draw (mean 0, sd about `sd`): the sum of four uniforms.
fn noise(rng: &mut StdRng, sd: f64) -> f64 {
    let s: f64 = (0..4).map(|_| rng.gen_range(-1.0..1.0)).sum();
    s * sd / 1.155
}

const LEARNED: [&str; 8] = [
    "How our leaders weigh a decision when the numbers disagree.",
    "Why short video works for our customers, and how to make one in an afternoon.",
    "That a quick message often beats a meeting.",
    "How budgets are set, and who to ask before a proposal.",
    "Three AI tools I now use every week.",
    "How to tell a story with data to people who have five minutes.",
    "What the sales team hears from customers that never reaches us.",
    "That asking a junior colleague for help is a strength.",
];

/// Adds history to programme `programme_id`'s active pairs (made by `demo::load_programme`):
/// pairs backdated 60–150 days, their week of demo activity replaced (but the showcase pair's),
/// check-ins every two to five weeks with feedback, messages, the next one scheduled,
/// a goal a side, surveys for pairs past 110 days, roadblocks for about one pair in eight.
/// The pair of `keep_open` (the showcase pair) keeps its own survey and roadblock.
///
/// Errors: the database refused a write.
pub async fn load_history(db: &Db, programme_id: i64, keep_open: i64, seed: u64) -> anyhow::Result<History> {
    let t = now();
    let pairs: Vec<(i64, i64, i64, String, i64)> = sqlx::query_as(
        "SELECT p.id, p.mentor_id, p.mentee_id, p.reasons, (SELECT COUNT(*) FROM checkins c WHERE c.pair_id = p.id)
         FROM pairs p WHERE p.programme_id = $1 AND p.status = 'active' ORDER BY p.id",
    )
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = History::default();
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE programmes SET starts_on = $1 WHERE id = $2")
        .bind(crate::ui::format_date(t - 160 * DAY))
        .bind(programme_id)
        .execute(&mut *tx)
        .await?;
    for (pair_id, mentor, mentee, reasons, existing) in pairs {
        let schedule = serde_json::from_str::<Vec<Reason>>(&reasons)
            .ok()
            .and_then(|r| r.into_iter().find(|r| r.criterion == Criterion::Schedule))
            .map(|r| r.score)
            .unwrap_or(0.5);
        let quality = (0.1 + 0.8 * schedule + noise(&mut rng, 0.15)).clamp(0.0, 1.0);
        let age = rng.gen_range(60..=150i64);
        let created = t - age * DAY;
        sqlx::query("UPDATE pairs SET created_at = $1 WHERE id = $2").bind(created).bind(pair_id).execute(&mut *tx).await?;
        out.pairs += 1;
        // The showcase pair keeps the check-ins the demo gave it; every other pair's week of
        // demo activity is replaced by its history, so that nothing but quality shapes it.
        let showcase = pair_id == keep_open;
        if !showcase && existing > 0 {
            sqlx::query("DELETE FROM checkins WHERE pair_id = $1").bind(pair_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM messages WHERE pair_id = $1").bind(pair_id).execute(&mut *tx).await?;
        }
        let quiet_from = if !showcase && rng.gen_bool(((1.0 - quality) * 0.6).clamp(0.0, 1.0)) {
            out.quiet += 1;
            Some(created + rng.gen_range(20..=(age - 30).max(21)) * DAY)
        } else {
            None
        };
        let until = quiet_from.unwrap_or(t - 9 * DAY).min(t - 9 * DAY);
        let one_sided = quiet_from.is_some() && rng.gen_bool(0.4);
        // Check-ins at 10:00 UTC, every two to five weeks; poorer pairs meet less and miss more.
        let mut at = created - created % DAY + 10 * 3600 + rng.gen_range(3..=18) * DAY;
        let mut first = true;
        let mut last_contact = created;
        while at < until {
            let held = rng.gen_bool((0.55 + 0.4 * quality).clamp(0.0, 1.0));
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO checkins (pair_id, starts_at, minutes, format, agenda, shared_notes, status, created_by, created_at)
                 VALUES ($1, $2, 30, 'remote', 'Where we are\nNext steps', '', $3, $4, $5) RETURNING id",
            )
            .bind(pair_id)
            .bind(at)
            .bind(if held { "held" } else { "missed" })
            .bind(mentee)
            .bind(at - 5 * DAY)
            .fetch_one(&mut *tx)
            .await?;
            out.checkins += 1;
            if held {
                for uid in [mentor, mentee] {
                    if !rng.gen_bool(0.85) {
                        continue;
                    }
                    let rating = (1.5 + 3.5 * quality + noise(&mut rng, 0.6)).round().clamp(1.0, 5.0) as i64;
                    let fit = first.then(|| if quality > 0.45 { "good" } else if quality > 0.25 { "unsure" } else { "not_fit" });
                    sqlx::query(
                        "INSERT INTO checkin_feedback (checkin_id, user_id, rating, comment, progress, fit, created_at) VALUES ($1, $2, $3, '', $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(uid)
                    .bind(rating)
                    .bind(((quality * 100.0) as i64).clamp(0, 100))
                    .bind(fit)
                    .bind(at + 3600)
                    .execute(&mut *tx)
                    .await?;
                    out.feedback += 1;
                }
                first = false;
            }
            // A few messages after each check-in.
            for n in 0..rng.gen_range(1..=4) {
                let sender = if one_sided || n % 2 == 0 { mentor } else { mentee };
                let when = at + (n as i64 + 1) * rng.gen_range(3600..3 * DAY);
                if when >= t {
                    break;
                }
                sqlx::query("INSERT INTO messages (pair_id, sender_id, client_id, body, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(pair_id)
                    .bind(sender)
                    .bind(format!("history-{pair_id}-{at}-{n}"))
                    .bind(if n % 2 == 0 { "Thanks for today. I tried it out, here is how it went." } else { "Great, let us look at it next time." })
                    .bind(when)
                    .execute(&mut *tx)
                    .await?;
                out.messages += 1;
                last_contact = last_contact.max(when);
            }
            at += ((12.0 + (1.0 - quality) * 25.0 + noise(&mut rng, 3.0)).max(7.0) as i64) * DAY;
        }
        let _ = last_contact;
        if quiet_from.is_none() && !showcase {
            sqlx::query(
                "INSERT INTO checkins (pair_id, starts_at, minutes, format, agenda, shared_notes, status, created_by, created_at)
                 VALUES ($1, $2, 30, 'remote', 'Where we are\nNext steps', '', 'scheduled', $3, $4)",
            )
            .bind(pair_id)
            .bind(t - t % DAY + 10 * 3600 + rng.gen_range(2..=14) * DAY)
            .bind(mentor)
            .bind(t - DAY)
            .execute(&mut *tx)
            .await?;
        }
        for (side, by, p_done) in [("mentee", mentee, quality * 0.9), ("mentor", mentor, quality * 0.8)] {
            let done = rng.gen_bool(p_done.clamp(0.0, 1.0));
            let goal: i64 = sqlx::query_scalar(
                "INSERT INTO goals (pair_id, side, title, measure, target_date, status, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, '', '', $4, $5, $6, $6) RETURNING id",
            )
            .bind(pair_id)
            .bind(side)
            .bind(if side == "mentee" { "Use a new tool in my weekly work" } else { "Understand how a senior decision is made" })
            .bind(if done { "done" } else if quality > 0.4 { "on_track" } else { "at_risk" })
            .bind(by)
            .bind(created + 10 * DAY)
            .fetch_one(&mut *tx)
            .await?;
            out.goals += 1;
            for (i, title) in ["Agree what good looks like", "Try it on a real task", "Show the result"].iter().enumerate() {
                let ticked = done || rng.gen_bool((quality * 0.7).clamp(0.0, 1.0));
                sqlx::query("INSERT INTO milestones (goal_id, title, done, position) VALUES ($1, $2, $3, $4)")
                    .bind(goal)
                    .bind(*title)
                    .bind(ticked as i64)
                    .bind(i as i64)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if age > 110 && pair_id != keep_open {
            for uid in [mentor, mentee] {
                if !rng.gen_bool(0.8) {
                    continue;
                }
                let recommend = (3.0 + 7.0 * quality + noise(&mut rng, 1.2)).round().clamp(0.0, 10.0) as i64;
                sqlx::query(
                    "INSERT INTO surveys (pair_id, user_id, learned, recommend, again, gained, share_quote, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(pair_id)
                .bind(uid)
                .bind(LEARNED[rng.gen_range(0..LEARNED.len())])
                .bind(recommend)
                .bind((quality > 0.35) as i64)
                .bind(rng.gen_bool((0.3 + 0.7 * quality).clamp(0.0, 1.0)) as i64)
                .bind(rng.gen_bool(0.5) as i64)
                .bind(t - rng.gen_range(1..20) * DAY)
                .execute(&mut *tx)
                .await?;
                out.surveys += 1;
            }
        }
        if pair_id != keep_open && rng.gen_bool(0.12) {
            let raised = created + rng.gen_range(10..(age - 2).max(11)) * DAY;
            let roll: f64 = rng.gen();
            let (state, ack, resolved) = if roll < 0.6 && raised < t - 3 * DAY {
                let ack = raised + rng.gen_range(2..72) * 3600;
                ("resolved", Some(ack), Some(ack + rng.gen_range(1..10) * DAY))
            } else if roll < 0.8 {
                ("acknowledged", Some(raised + rng.gen_range(2..72) * 3600), None)
            } else {
                ("open", None, None)
            };
            let resolved = resolved.map(|r| r.min(t));
            let ack = ack.map(|a| a.min(t));
            sqlx::query(
                "INSERT INTO roadblocks (pair_id, user_id, body, created_at, resolved_at, state, acknowledged_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(pair_id)
            .bind(if rng.gen_bool(0.5) { mentor } else { mentee })
            .bind("Our calendars keep clashing; we could use a hand finding a regular slot.")
            .bind(raised)
            .bind(resolved)
            .bind(state)
            .bind(ack)
            .execute(&mut *tx)
            .await?;
            out.roadblocks += 1;
        }
    }
    tx.commit().await?;
    Ok(out)
}
