//! Server functions of the insights page, the health list and roadblock triage: every one is
//! for the programme's admins only (another programme's admin or an employee gets 403), and
//! none returns chat messages or check-in notes.

use super::*;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use crate::{
    accounts::SessionUser,
    server::{auth::*, guards::manages_programme, AppState},
};

/// The longest group name or drill-down key accepted, in characters.
pub const MAX_KEY: usize = 200;

/// The signed-in admin of programme `programme_id` (401 / 404 / 403).
#[cfg(feature = "ssr")]
async fn require_admin(programme_id: i64) -> Result<(SessionUser, AppState), AppError> {
    let user = require_user().await?;
    let state = state()?;
    manages_programme(&state.db, &user, programme_id).await?;
    Ok((user, state))
}

/// The signed-in admin of the programme pair `pair_id` belongs to (401 / 404 / 403), with the
/// pair's members.
#[cfg(feature = "ssr")]
async fn require_pair_admin(pair_id: i64) -> Result<(SessionUser, AppState, crate::pairs::db::Members), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let members = crate::pairs::db::members(&state.db, pair_id).await?.ok_or(AppError::NotFound)?;
    manages_programme(&state.db, &user, members.programme_id).await?;
    Ok((user, state, members))
}

/// A group filter from the page's query (`dimension` empty: everyone).
pub fn filter_from(dimension: &str, value: &str) -> Result<GroupFilter, AppError> {
    if value.chars().count() > MAX_KEY {
        return Err(AppError::field("group", "That group name is too long."));
    }
    match dimension.trim() {
        "" => Ok(GroupFilter::default()),
        d => match Dimension::parse(d) {
            Some(d) => Ok(GroupFilter { dimension: Some(d), value: value.trim().to_string() }),
            None => Err(AppError::field("group", "Choose career stage, department or location.")),
        },
    }
}

/// Programme `id`'s snapshot now, read once for everything this request asks of it (404 when
/// it vanished in the meantime).
#[cfg(feature = "ssr")]
async fn load(state: &AppState, id: i64) -> Result<std::sync::Arc<compute::Snapshot>, AppError> {
    let cache = use_context::<db::SnapshotCache>().unwrap_or_default();
    cache.get(&state.db, id, crate::server::db::now()).await?.ok_or(AppError::NotFound)
}

/// The name of programme `id` for its admins (401 / 404 / 403 otherwise): the insights page waits
/// for this one cheap answer before it sends anything, so a refusal carries its status code and
/// the page's head (with the browser half's scripts) goes out before the figures are computed.
#[server(prefix = "/api", endpoint = "insights/programme")]
pub async fn insights_programme(id: i64) -> Result<String, AppError> {
    let (_, state) = require_admin(id).await?;
    crate::programmes::db::programme_name(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// The insights page's figures for programme `id`, for everyone or the group `dimension` =
/// `value`, with the comparison table by `compare_by` (a [`Dimension`] key; empty: department).
#[server(prefix = "/api", endpoint = "insights/get")]
pub async fn programme_insights(id: i64, dimension: String, value: String, compare_by: String) -> Result<Insights, AppError> {
    let filter = filter_from(&dimension, &value)?;
    let compare_by = Dimension::parse(compare_by.trim()).unwrap_or(Dimension::Department);
    let (user, state) = require_admin(id).await?;
    let started = std::time::Instant::now();
    // Independent reads: the programmes table beside the snapshot.
    let (snapshot, programmes) = tokio::try_join!(load(&state, id), async { Ok::<_, AppError>(db::programme_rows(&state.db, user.id, id).await?) })?;
    let read_ms = started.elapsed().as_millis() as u64;
    let mut figures = compute::insights(&snapshot, &filter, compare_by, programmes);
    figures.trim_for_page();
    tracing::debug!(programme_id = id, read_ms, total_ms = started.elapsed().as_millis() as u64, "insights figures");
    Ok(figures)
}

/// The pairs one figure counts (`key` from [`Figure::pairs`]), within the same group filter.
#[server(prefix = "/api", endpoint = "insights/pairs")]
pub async fn insight_pairs(id: i64, key: String, dimension: String, value: String) -> Result<PairList, AppError> {
    if key.chars().count() > MAX_KEY {
        return Err(AppError::field("pairs", "Unknown figure."));
    }
    let filter = filter_from(&dimension, &value)?;
    if compute::drill_title(key.trim()).is_none() {
        return Err(AppError::field("pairs", "Unknown figure."));
    }
    let (_, state) = require_admin(id).await?;
    let snapshot = load(&state, id).await?;
    compute::drill(&snapshot, &filter, key.trim()).ok_or_else(|| AppError::field("pairs", "Unknown figure."))
}

/// Programme `id`'s pairs at risk, with reasons.
#[server(prefix = "/api", endpoint = "insights/health")]
pub async fn pair_health(id: i64) -> Result<HealthList, AppError> {
    let (_, state) = require_admin(id).await?;
    let snapshot = load(&state, id).await?;
    let mut list = compute::health_list(&snapshot);
    list.pairs.truncate(MAX_AT_RISK);
    Ok(list)
}

/// Sends both members of pair `pair_id` an inbox message from the programme's admins, at most
/// once a week per pair (409 with the date of the last one otherwise). Returns when it was sent.
#[server(prefix = "/api", endpoint = "insights/nudge")]
pub async fn nudge_pair(pair_id: i64, message: String) -> Result<i64, AppError> {
    let message = check_text("message", &message, MAX_NUDGE, true)?;
    let (user, state, m) = require_pair_admin(pair_id).await?;
    let ended = || AppError::Conflict("This pair has ended; there is nobody to nudge.".into());
    if !m.active {
        return Err(ended());
    }
    let t = crate::server::db::now();
    let mut tx = state.db.begin_write().await?;
    if !db::record_nudge(&mut tx, pair_id, Some(user.id), &message, t).await? {
        if !db::pair_active(&mut tx, pair_id).await? {
            return Err(ended());
        }
        let last = db::last_nudge(&mut tx, pair_id).await?.unwrap_or(t);
        return Err(AppError::Conflict(format!(
            "This pair was nudged on {}; one nudge a week keeps it a nudge. Try again from {}.",
            crate::ui::format_date(last),
            crate::ui::format_date(last + compute::NUDGE_INTERVAL)
        )));
    }
    for uid in [m.mentor, m.mentee] {
        crate::notifications::db::notify(&mut tx, uid, crate::notifications::NoticeKind::Nudges, &format!("A note from your programme lead, {}", user.name), &message, &format!("/pairs/{pair_id}"))
            .await?;
    }
    tx.commit().await?;
    Ok(t)
}

/// Notes that an admin handled pair `pair_id` for the reasons it is flagged with now; the pair
/// leaves the health list until a new reason appears.
#[server(prefix = "/api", endpoint = "insights/handled")]
pub async fn mark_handled(pair_id: i64, note: String) -> Result<(), AppError> {
    let note = check_text("note", &note, MAX_NOTE, false)?;
    let (user, state, m) = require_pair_admin(pair_id).await?;
    let snapshot = load(&state, m.programme_id).await?;
    let flags = compute::health_list(&snapshot).pairs.into_iter().find(|p| p.pair_id == pair_id).map(|p| p.flags).unwrap_or_default();
    if flags.is_empty() {
        return Err(AppError::Conflict("This pair is not flagged now (or was handled a moment ago); reload to see the list.".into()));
    }
    let reasons: Vec<HealthReason> = flags.iter().map(|f| f.reason).collect();
    let mut tx = state.db.begin_write().await?;
    db::record_review(&mut tx, pair_id, user.id, &reasons, &note).await?;
    tx.commit().await?;
    Ok(())
}

/// Programme `id`'s roadblocks for triage (what was written, by whom, its state and the
/// admins' private note).
#[server(prefix = "/api", endpoint = "insights/roadblocks")]
pub async fn programme_roadblocks(id: i64) -> Result<RoadblockTriage, AppError> {
    let (_, state) = require_admin(id).await?;
    Ok(db::roadblocks(&state.db, id).await?)
}

/// Moves roadblock `id` from state `from` (what the admin saw) to `to` (`open`,
/// `acknowledged`, `resolved`; `to == from` saves only the note) with the admins' private
/// `note`, and returns the state it is in now. The person who raised it gets an inbox message
/// with the new state, never the note. 409 when someone changed it in the meantime.
#[server(prefix = "/api", endpoint = "insights/roadblock")]
pub async fn triage_roadblock(id: i64, from: String, to: String, note: String) -> Result<RoadblockState, AppError> {
    let note = check_text("note", &note, MAX_NOTE, false)?;
    let state_field = || AppError::field("state", "Choose open, acknowledged or resolved.");
    let from = RoadblockState::parse(from.trim()).ok_or_else(state_field)?;
    let to = RoadblockState::parse(to.trim()).ok_or_else(state_field)?;
    if !db::allowed_move(from, to) {
        return Err(AppError::field("state", "A resolved roadblock can only be reopened."));
    }
    let user = require_user().await?;
    let state = state()?;
    let (programme_id, pair_id, raised_by) = db::roadblock_owner(&state.db, id).await?.ok_or(AppError::NotFound)?;
    manages_programme(&state.db, &user, programme_id).await?;
    let mut tx = state.db.begin_write().await?;
    if !db::move_roadblock(&mut tx, id, from, to, user.id, &note).await? {
        return Err(AppError::Conflict("Someone changed this roadblock a moment ago; reload to see where it stands.".into()));
    }
    if from != to {
        let body = match to {
            RoadblockState::Acknowledged => "A programme lead has seen the roadblock you raised and is working on it.",
            RoadblockState::Resolved => "The roadblock you raised is marked resolved. If it is still in the way, raise it again.",
            RoadblockState::Open => "The roadblock you raised is open again.",
        };
        crate::notifications::db::notify(&mut tx, raised_by, crate::notifications::NoticeKind::Roadblocks, &format!("Roadblock: {}", to.label()), body, &format!("/pairs/{pair_id}")).await?;
    }
    tx.commit().await?;
    Ok(to)
}

/// The roadblocks the caller raised in pair `pair_id`, with their state (members only).
#[server(prefix = "/api", endpoint = "pairs/my_roadblocks")]
pub async fn my_roadblocks(pair_id: i64) -> Result<Vec<MyRoadblock>, AppError> {
    let user = require_user().await?;
    let state = state()?;
    crate::server::guards::pair_member(&state.db, &user, pair_id, crate::server::guards::PairAccess::Read).await?;
    Ok(db::my_roadblocks(&state.db, pair_id, user.id).await?)
}

/// Relates the matching criteria of programme `id`'s pairs to `outcome` (an [`Outcome`] key)
/// and suggests weights; see `insights::calibrate` for the method.
#[server(prefix = "/api", endpoint = "insights/calibration")]
pub async fn calibrate_weights(id: i64, outcome: String) -> Result<Calibration, AppError> {
    let outcome = Outcome::parse(outcome.trim()).ok_or_else(|| AppError::field("outcome", "Choose an outcome."))?;
    let (_, state) = require_admin(id).await?;
    let t = crate::server::db::now();
    if let Some(kept) = calibrate::kept(id, outcome, t) {
        return Ok(kept);
    }
    let (snapshot, breakdowns) = tokio::try_join!(load(&state, id), async { Ok::<_, AppError>(db::breakdowns(&state.db, id).await?) })?;
    let rows = compute::outcome_rows(&snapshot, &breakdowns, outcome);
    let weights = snapshot.weights;
    let seed = id as u64;
    let mut result = tokio::task::spawn_blocking(move || calibrate::calibrate(outcome, &rows, weights, seed)).await.map_err(|e| {
        tracing::error!(error = %e, "calibration stopped");
        AppError::Internal
    })?;
    result.computed_at = t;
    calibrate::keep(id, result.clone());
    Ok(result)
}
