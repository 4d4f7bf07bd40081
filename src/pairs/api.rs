//! Server functions of the pair workspace. Everything about a pair is for its two members
//! only; a programme's admins get counts and ratings (with the page of pairs, `programmes/pair_page`), never chat or notes.

use super::*;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
#[cfg(feature = "ssr")]
use crate::{
    accounts::SessionUser,
    server::{auth::*, guards::{pair_member, PairAccess}, AppState},
};

/// The signed-in member of `pair_id` (401 / 404 / 403); to change the pair (`Change`) it must
/// still be running (409 otherwise).
#[cfg(feature = "ssr")]
async fn require_member(pair_id: i64, access: PairAccess) -> Result<(SessionUser, AppState, db::Members), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let m = pair_member(&state.db, &user, pair_id, access).await?;
    Ok((user, state, m))
}

/// For a goal, milestone or check-in: a signed-in user (401 first), then the pair it belongs
/// to (`lookup`, 404 when there is none), active and theirs.
#[cfg(feature = "ssr")]
async fn require_member_of<T>(
    lookup: impl AsyncFnOnce(&crate::server::db::Db) -> Result<Option<T>, sqlx::Error>,
    pair_of: fn(&T) -> i64,
) -> Result<(SessionUser, AppState, db::Members, T), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let found = lookup(&state.db).await?.ok_or(AppError::NotFound)?;
    let m = pair_member(&state.db, &user, pair_of(&found), PairAccess::Change).await?;
    Ok((user, state, m, found))
}

/// The next few times both people are free for at least 30 minutes, from 12 hours ahead, in
/// both timezones: each person's weekly slots are read on the actual dates in their own
/// timezone, so a suggestion after a daylight-saving change is still inside both their hours.
#[cfg(feature = "ssr")]
async fn suggestions(state: &AppState, me: i64, my_tz: &str, partner: i64, partner_tz: &str) -> Result<Vec<SlotSuggestion>, AppError> {
    use crate::calendar::{display_time, local_date_time, shared_free_times};
    let mine = db::availability(&state.db, me).await?;
    let theirs = db::availability(&state.db, partner).await?;
    Ok(shared_free_times(&mine, my_tz, &theirs, partner_tz, crate::server::db::now() + 12 * 3600, 5)
        .into_iter()
        .filter_map(|(start, minutes)| {
            let (date, time) = local_date_time(start, my_tz)?;
            Some(SlotSuggestion { date, time, minutes, my_time: display_time(start, my_tz), partner_time: display_time(start, partner_tz) })
        })
        .collect())
}

#[cfg(feature = "ssr")]
async fn notify_admins(state: &AppState, m: &db::Members, title: &str, body: &str) -> Result<(), AppError> {
    let mut tx = state.db.begin_write().await?;
    for admin in db::programme_admins(&mut tx, m.programme_id).await? {
        crate::notifications::db::notify(&mut tx, admin, crate::notifications::NoticeKind::Roadblocks, title, body, &format!("/programmes/{}/manage", m.programme_id)).await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "ssr")]
async fn name_of(state: &AppState, uid: i64) -> Result<String, AppError> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(crate::people::db::person_label(&mut conn, uid).await?.map(|p| p.name).unwrap_or_default())
}

#[server(prefix = "/api", endpoint = "pairs/workspace")]
pub async fn load_workspace(pair_id: i64) -> Result<Workspace, AppError> {
    let (user, state, m) = require_member(pair_id, PairAccess::Read).await?;
    let partner = m.partner_of(user.id);
    let (my_tz, partner_tz) = (db::timezone_of(&state.db, user.id).await?, db::timezone_of(&state.db, partner).await?);
    let programme = crate::programmes::db::load_programme(&state.db, m.programme_id, &user).await?.ok_or(AppError::NotFound)?;
    let mut conn = state.db.pool.acquire().await?;
    let me = crate::people::db::person_label(&mut conn, user.id).await?.ok_or(AppError::NotFound)?;
    let partner_label = crate::people::db::person_label(&mut conn, partner).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    use crate::programmes::EnrolRole;
    let (my_role, partner_role) = if m.mentor == user.id { (EnrolRole::Mentor, EnrolRole::Mentee) } else { (EnrolRole::Mentee, EnrolRole::Mentor) };
    let guides = crate::training::db::links_for(&state.db, m.programme_id, user.id, my_role).await?;
    let partner_guides = crate::training::db::links_for(&state.db, m.programme_id, user.id, partner_role)
        .await?
        .into_iter()
        .map(|g| crate::training::GuideLink { done: false, ..g })
        .collect();
    Ok(Workspace {
        pair_id,
        programme_id: programme.id,
        programme_name: programme.name.clone(),
        kind: programme.kind,
        me,
        partner: partner_label,
        i_am_mentor: m.mentor == user.id,
        templates: templates(&programme.tags),
        goals: db::goals(&state.db, pair_id).await?,
        checkins: db::checkins(&state.db, pair_id, user.id, &my_tz, &partner_tz).await?,
        suggestions: suggestions(&state, user.id, &my_tz, partner, &partner_tz).await?,
        my_survey: db::survey(&state.db, pair_id, user.id).await?,
        unread: db::unread(&state.db, user.id, Some(pair_id)).await?,
        my_timezone: my_tz,
        partner_timezone: partner_tz,
        guides,
        partner_guides,
    })
}

#[server(prefix = "/api", endpoint = "pairs/goal_add", input = Json)]
pub async fn add_goal(pair_id: i64, input: GoalInput) -> Result<i64, AppError> {
    let (user, state, _) = require_member(pair_id, PairAccess::Change).await?;
    let valid = input.validate()?;
    let mut tx = state.db.begin_write().await?;
    let id = db::create_goal(&mut tx, pair_id, &valid, user.id)
        .await?
        .ok_or_else(|| AppError::field("title", &format!("A pair keeps at most {MAX_GOALS_PER_PAIR} goals; delete or finish one first.")))?;
    tx.commit().await?;
    Ok(id)
}

#[cfg(feature = "ssr")]
async fn goal_member(goal_id: i64) -> Result<AppState, AppError> {
    let (_, state, _, _) = require_member_of(async |db| db::goal_pair(db, goal_id).await, |pair| *pair).await?;
    Ok(state)
}

#[server(prefix = "/api", endpoint = "pairs/goal_status")]
pub async fn set_goal_status(goal_id: i64, status: String) -> Result<(), AppError> {
    let state = goal_member(goal_id).await?;
    let status = GoalStatus::parse(&status).ok_or_else(|| AppError::field("status", "Choose a status."))?;
    Ok(db::update_goal_status(&state.db, goal_id, status).await?)
}

#[server(prefix = "/api", endpoint = "pairs/goal_delete")]
pub async fn delete_goal(goal_id: i64) -> Result<(), AppError> {
    let state = goal_member(goal_id).await?;
    Ok(db::delete_goal_and_milestones(&state.db, goal_id).await?)
}

#[server(prefix = "/api", endpoint = "pairs/milestone_add")]
pub async fn add_milestone(goal_id: i64, title: String) -> Result<(), AppError> {
    let title = title.trim();
    let (_, state, _, pair_id) = require_member_of(async |db| db::goal_pair(db, goal_id).await, |pair| *pair).await?;
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::field("milestone", "A milestone needs a title of at most 200 characters."));
    }
    let mut tx = state.db.begin_write().await?;
    if !db::add_milestone(&mut tx, pair_id, goal_id, title).await? {
        return Err(AppError::field("milestone", &format!("A goal has at most {MAX_MILESTONES_PER_GOAL} milestones.")));
    }
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "pairs/milestone")]
pub async fn set_milestone(milestone_id: i64, done: bool) -> Result<(), AppError> {
    let (_, state, _, _) = require_member_of(async |db| db::milestone_pair(db, milestone_id).await, |pair| *pair).await?;
    Ok(db::update_milestone_done(&state.db, milestone_id, done).await?)
}

#[server(prefix = "/api", endpoint = "pairs/checkin_add", input = Json)]
pub async fn add_checkin(pair_id: i64, input: CheckinInput) -> Result<i64, AppError> {
    let (user, state, m) = require_member(pair_id, PairAccess::Change).await?;
    let valid = input.validate()?;
    let starts_at = start_of(&state, user.id, &valid).await?;
    let partner = m.partner_of(user.id);
    let partner_tz = db::timezone_of(&state.db, partner).await?;
    // The check-in and the partner's notice (and its mail, with the invitation) are one write.
    let mut tx = state.db.begin_write().await?;
    let id = db::create_checkin(&mut tx, pair_id, starts_at, &valid, user.id).await?;
    let invitation = super::calendar::mail_attachment(&state, &mut tx, id, partner).await?;
    crate::notifications::db::notify_with(
        &mut tx,
        partner,
        crate::notifications::NoticeKind::Checkins,
        &format!("{} scheduled a check-in", user.name),
        &format!("{} for {} minutes.", crate::calendar::display_time(starts_at, &partner_tz), valid.minutes),
        &format!("/pairs/{pair_id}"),
        invitation,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Moves check-in `checkin_id` to the date and time of `input` (in the caller's timezone), with
/// its length, format and agenda. The partner's calendar keeps the same event (same `UID`, next
/// `SEQUENCE`, `METHOD:REQUEST`), mailed with their notice when they take check-in mail; a
/// reminder goes out for the new time. Errors: 401 signed out, 404 no such check-in, 403 not a
/// member of its running pair, 422 at the field for a bad or past date, time or length, 409 for
/// a check-in already marked or begun (mark it, or schedule a new one).
#[server(prefix = "/api", endpoint = "pairs/checkin_move", input = Json)]
pub async fn move_checkin(checkin_id: i64, input: CheckinInput) -> Result<(), AppError> {
    let (user, state, m, place) = checkin_member(checkin_id).await?;
    let valid = input.validate()?;
    let starts_at = start_of(&state, user.id, &valid).await?;
    let at = crate::server::db::now();
    let partner = m.partner_of(user.id);
    let partner_tz = db::timezone_of(&state.db, partner).await?;
    let mut tx = state.db.begin_write().await?;
    // The time it had, read under the write: of two moves at once, the second tells the first's.
    let was = db::checkin_start(&mut tx, checkin_id).await?.unwrap_or(place.starts_at);
    if !db::move_checkin(&mut tx, checkin_id, starts_at, &valid, at).await? {
        return Err(AppError::Conflict("Only a check-in still to come can be moved: this one was marked or has begun. Schedule a new one instead.".into()));
    }
    let invitation = super::calendar::mail_attachment(&state, &mut tx, checkin_id, partner).await?;
    crate::notifications::db::notify_with(
        &mut tx,
        partner,
        crate::notifications::NoticeKind::Checkins,
        &format!("{} moved a check-in", user.name),
        &format!(
            "The check-in of {} is now {} for {} minutes.",
            crate::calendar::display_time(was, &partner_tz),
            crate::calendar::display_time(starts_at, &partner_tz),
            valid.minutes
        ),
        &format!("/pairs/{}", place.pair_id),
        invitation,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// When check-in `valid` starts (Unix seconds), as person `user_id` typed it in their own
/// timezone. Errors (422): a time the clocks skip there (at `time`), a moment past (at `date`).
#[cfg(feature = "ssr")]
async fn start_of(state: &AppState, user_id: i64, valid: &super::ValidCheckin) -> Result<i64, AppError> {
    let my_tz = db::timezone_of(&state.db, user_id).await?;
    let starts_at = crate::calendar::local_to_unix(&valid.date, valid.minute, &my_tz)
        .ok_or_else(|| AppError::field("time", format!("That time does not exist in {my_tz} (the clocks change then).")))?;
    if starts_at < crate::server::db::now() {
        return Err(AppError::field("date", "Choose a time in the future."));
    }
    Ok(starts_at)
}

#[cfg(feature = "ssr")]
async fn checkin_member(checkin_id: i64) -> Result<(SessionUser, AppState, db::Members, db::CheckinPlace), AppError> {
    require_member_of(async |db| db::checkin_pair(db, checkin_id).await, |checkin| checkin.pair_id).await
}

#[server(prefix = "/api", endpoint = "pairs/checkin_status")]
pub async fn set_checkin_status(checkin_id: i64, status: String) -> Result<(), AppError> {
    let (user, state, m, place) = checkin_member(checkin_id).await?;
    let status = CheckinStatus::parse(&status).ok_or_else(|| AppError::field("status", "Choose held, missed or rescheduled."))?;
    let partner = m.partner_of(user.id);
    let partner_tz = db::timezone_of(&state.db, partner).await?;
    let mut tx = state.db.begin_write().await?;
    let changed = db::update_checkin_status(&mut tx, checkin_id, status).await?;
    // A check-in still to come that will not happen is taken out of the partner's calendar.
    if changed && status.cancels_event() && place.starts_at > crate::server::db::now() {
        let cancellation = super::calendar::mail_attachment(&state, &mut tx, checkin_id, partner).await?;
        let what = if status == CheckinStatus::Missed { "will not take place" } else { "is being moved" };
        crate::notifications::db::notify_with(
            &mut tx,
            partner,
            crate::notifications::NoticeKind::Checkins,
            &format!("{} called off a check-in", user.name),
            &format!("The check-in of {} {what}.", crate::calendar::display_time(place.starts_at, &partner_tz)),
            &format!("/pairs/{}", place.pair_id),
            cancellation,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "pairs/checkin_notes")]
pub async fn save_checkin_notes(checkin_id: i64, shared: String, private: String) -> Result<(), AppError> {
    let (user, state, _, _) = checkin_member(checkin_id).await?;
    let mut errors = crate::error::FieldErrors::new();
    if shared.chars().count() > 20_000 {
        errors.add("shared", "Shared notes can have at most 20,000 characters.");
    }
    if private.chars().count() > 20_000 {
        errors.add("private", "Your private note can have at most 20,000 characters.");
    }
    errors.into_result(())?;
    db::set_shared_notes(&state.db, checkin_id, &shared).await?;
    Ok(db::set_private_note(&state.db, checkin_id, user.id, &private).await?)
}

#[server(prefix = "/api", endpoint = "pairs/feedback", input = Json)]
pub async fn give_feedback(input: FeedbackInput) -> Result<(), AppError> {
    let (user, state, m, checkin) = checkin_member(input.checkin_id).await?;
    let pair = checkin.pair_id;
    if checkin.status != CheckinStatus::Held {
        return Err(AppError::Conflict("Feedback is given after a check-in is marked held.".into()));
    }
    let mut feedback = input.validate()?;
    let first = db::is_first_held(&state.db, pair, input.checkin_id).await?;
    if !first {
        feedback.fit = None;
    } else if feedback.fit.is_none() {
        return Err(AppError::field("fit", "After your first check-in, say whether the pairing fits."));
    }
    let mut tx = state.db.begin_write().await?;
    db::save_feedback(&mut tx, input.checkin_id, user.id, &feedback).await?;
    tx.commit().await?;
    if feedback.fit == Some(Fit::NotFit) {
        let (mentor, mentee) = (name_of(&state, m.mentor).await?, name_of(&state, m.mentee).await?);
        notify_admins(
            &state,
            &m,
            &format!("Not a fit: {mentor} and {mentee}"),
            &format!("{} says the pairing is not a fit after the first check-in. You can rematch the pair on the programme page.", user.name),
        )
        .await?;
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "pairs/survey", input = Json)]
pub async fn save_survey(pair_id: i64, input: SurveyInput) -> Result<(), AppError> {
    let (user, state, _) = require_member(pair_id, PairAccess::Read).await?;
    let survey = input.validate()?;
    Ok(db::replace_survey(&state.db, pair_id, user.id, &survey).await?)
}

#[server(prefix = "/api", endpoint = "pairs/roadblock")]
pub async fn raise_roadblock(pair_id: i64, body: String) -> Result<(), AppError> {
    let (user, state, m) = require_member(pair_id, PairAccess::Read).await?;
    let body = body.trim().to_string();
    if body.is_empty() {
        return Err(AppError::field("roadblock", "Say what is in the way."));
    }
    if body.chars().count() > 4000 {
        return Err(AppError::field("roadblock", "Keep it to 4,000 characters."));
    }
    let mut tx = state.db.begin_write().await?;
    db::add_roadblock(&mut tx, pair_id, user.id, &body).await?;
    tx.commit().await?;
    notify_admins(&state, &m, &format!("Roadblock raised by {}", user.name), &body).await
}

/// Whether the caller may chat in pair `pair_id` now (signed in, a member, the pair running):
/// the browser asks before reconnecting a chat that closed, and stops with the reason if not.
#[server(prefix = "/api", endpoint = "pairs/chat_allowed")]
pub async fn chat_allowed(pair_id: i64) -> Result<(), AppError> {
    require_member(pair_id, PairAccess::Change).await.map(|_| ())
}

#[server(prefix = "/api", endpoint = "pairs/messages")]
pub async fn messages(pair_id: i64, before: i64) -> Result<MessagePage, AppError> {
    let (_, state, _) = require_member(pair_id, PairAccess::Read).await?;
    Ok(db::messages_before(&state.db, pair_id, before, 50).await?)
}

#[server(prefix = "/api", endpoint = "pairs/messages_after")]
pub async fn messages_after(pair_id: i64, after: i64) -> Result<Vec<Message>, AppError> {
    let (_, state, _) = require_member(pair_id, PairAccess::Read).await?;
    Ok(db::messages_since(&state.db, pair_id, after).await?)
}

#[server(prefix = "/api", endpoint = "pairs/read")]
pub async fn mark_read(pair_id: i64, last_id: i64) -> Result<(), AppError> {
    let (user, state, _) = require_member(pair_id, PairAccess::Read).await?;
    Ok(db::update_read_marker(&state.db, pair_id, user.id, last_id).await?)
}

#[server(prefix = "/api", endpoint = "me/unread_messages")]
pub async fn unread_messages() -> Result<u32, AppError> {
    let user = require_user().await?;
    Ok(db::unread(&state()?.db, user.id, None).await?)
}

/// A programme admin pairs two people by hand (both are enrolled if they were not).
#[server(prefix = "/api", endpoint = "pairs/create")]
pub async fn create_pair(programme_id: i64, mentor_email: String, mentee_email: String) -> Result<i64, AppError> {
    let (user, state) = crate::programmes::api::require_manager(programme_id).await?;
    let mut tx = state.db.begin_write().await?;
    let mut errors = crate::error::FieldErrors::new();
    let mut find = async |field: &str, raw: &str, tx: &mut sqlx::AnyConnection| -> Result<Option<i64>, AppError> {
        match crate::profiles::validate_email(raw) {
            Ok(email) => match crate::accounts::db::user_id_by_email(tx, &email).await? {
                Some(id) => Ok(Some(id)),
                None => {
                    errors.add(field, "No one with this email is in the directory.");
                    Ok(None)
                }
            },
            Err(message) => {
                errors.add(field, message);
                Ok(None)
            }
        }
    };
    let mentor = find("mentor_email", &mentor_email, &mut tx).await?;
    let mentee = find("mentee_email", &mentee_email, &mut tx).await?;
    if mentor.is_some() && mentor == mentee {
        errors.add("mentee_email", "Someone cannot be paired with themselves.");
    }
    errors.into_result(())?;
    let (mentor, mentee) = (mentor.unwrap_or_default(), mentee.unwrap_or_default());
    use crate::programmes::{db as programmes, EnrolRole};
    programmes::lock_programme(&mut tx, programme_id).await?;
    programmes::enrol_many(&mut tx, programme_id, EnrolRole::Mentor, &[mentor], user.id).await?;
    programmes::enrol_many(&mut tx, programme_id, EnrolRole::Mentee, &[mentee], user.id).await?;
    // An admin pairing by hand may go past the programme's places per mentor.
    let id = match db::create_pair_if_room(&mut tx, programme_id, None, mentor, mentee, None, 0.0, &[]).await? {
        Ok(id) => id,
        Err(_) => return Err(AppError::taken("mentee_email", "This person already has a mentor in this programme.")),
    };
    for to in [mentor, mentee] {
        crate::notifications::db::notify(&mut tx, to, crate::notifications::NoticeKind::Matches, "You have been paired", "Your programme's admin paired you by hand.", "/matches").await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The signed-in person's active pairs, with the other person and why they were matched.
#[server(prefix = "/api", endpoint = "me/matches")]
pub async fn my_matches() -> Result<Vec<MyMatch>, AppError> {
    let user = require_user().await?;
    Ok(db::matches_of(&state()?.db, user.id).await?)
}

/// The absolute address of feed `token`, on the site's address as this request reached it.
#[cfg(feature = "ssr")]
async fn feed_url(state: &AppState, token: &str) -> String {
    format!("{}/calendar/feed/{token}.ics", crate::server::proxy::site_base(&state.config, client().await.as_ref()))
}

/// The signed-in person's private calendar feed address (absolute), or `None` before they make
/// one. Whoever holds it reads their check-ins, so it is shown to them alone.
#[server(prefix = "/api", endpoint = "calendar/feed")]
pub async fn calendar_feed() -> Result<Option<String>, AppError> {
    let user = require_user().await?;
    let state = state()?;
    Ok(match db::feed_token(&state.db, user.id).await? {
        Some(token) => Some(feed_url(&state, &token).await),
        None => None,
    })
}

/// Makes the signed-in person a new calendar feed address, in place of the old one (which stops
/// working at once), and returns it.
#[server(prefix = "/api", endpoint = "calendar/feed_reset")]
pub async fn reset_calendar_feed() -> Result<String, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let token = db::reset_feed(&state.db, user.id).await?;
    Ok(feed_url(&state, &token).await)
}
