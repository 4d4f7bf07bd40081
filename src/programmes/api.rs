//! Server functions for programmes, enrolment, the matching studio, pairs, mentor requests and
//! notifications. Each is a public endpoint: it checks who is asking and whether they may act
//! on *this* programme, pair or request, then validates the input.

use super::*;
use crate::matching::Config;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
#[cfg(feature = "ssr")]
use crate::{accounts::SessionUser, server::{auth::*, AppState}};

/// The signed-in person if they run programme `id` (404 for no such programme, 403 otherwise).
#[cfg(feature = "ssr")]
pub(crate) async fn require_manager(id: i64) -> Result<(SessionUser, AppState), AppError> {
    let user = require_user().await?;
    let state = state()?;
    crate::server::guards::manages_programme(&state.db, &user, id).await?;
    Ok((user, state))
}

#[cfg(feature = "ssr")]
async fn load_managed(state: &AppState, user: &SessionUser, id: i64) -> Result<Programme, AppError> {
    db::load_programme(&state.db, id, user).await?.ok_or(AppError::NotFound)
}

/// A configuration the engine refuses is the admin's to fix (at the field); a solver failure is
/// ours (logged, and never passed off as a matching with nobody in it).
#[cfg(feature = "ssr")]
fn engine_error(e: crate::matching::MatchError) -> AppError {
    match e {
        crate::matching::MatchError::Solver(detail) => {
            tracing::error!(%detail, "the matching engine's solver failed");
            AppError::Internal
        }
        other => AppError::field("config", other.to_string()),
    }
}

/// Runs the engine off the async workers (a large pool takes a while).
#[cfg(feature = "ssr")]
async fn run_engine(problem: crate::matching::Problem, config: Config) -> Result<MatchResult, AppError> {
    tokio::task::spawn_blocking(move || crate::matching::run(&problem, &config))
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(engine_error)
}

#[server(prefix = "/api", endpoint = "programmes")]
pub async fn list_programmes() -> Result<Vec<Programme>, AppError> {
    let user = require_user().await?;
    Ok(db::visible_programmes(&state()?.db, &user).await?)
}

#[server(prefix = "/api", endpoint = "programmes/get")]
pub async fn get_programme(id: i64) -> Result<Programme, AppError> {
    let user = require_user().await?;
    db::load_programme(&state()?.db, id, &user).await?.ok_or(AppError::NotFound)
}

#[server(prefix = "/api", endpoint = "programmes/create", input = Json)]
pub async fn create_programme(input: ProgrammeInput) -> Result<i64, AppError> {
    let user = require_admin().await?;
    let valid = input.validate()?;
    let state = state()?;
    let mut tx = state.db.begin_write().await?;
    let id = db::insert_programme(&mut tx, &valid, user.id).await?;
    tx.commit().await?;
    Ok(id)
}

#[server(prefix = "/api", endpoint = "programmes/update", input = Json)]
pub async fn update_programme(id: i64, input: ProgrammeInput) -> Result<Programme, AppError> {
    let (user, state) = require_manager(id).await?;
    let valid = input.validate()?;
    let mut tx = state.db.begin_write().await?;
    db::update_programme_settings(&mut tx, id, &valid).await?;
    tx.commit().await?;
    load_managed(&state, &user, id).await
}

#[server(prefix = "/api", endpoint = "programmes/apply", input = Json)]
pub async fn apply_to_programme(input: ApplyInput) -> Result<Programme, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let p = db::load_programme(&state.db, input.programme_id, &user).await?.ok_or(AppError::NotFound)?;
    if !p.open {
        return Err(AppError::Conflict(format!(
            "Enrolment for {} is open from {} to {}.",
            p.name, p.enrol_opens, p.enrol_closes
        )));
    }
    let (role, motivation, topics) = input.validate()?;
    let mut tx = state.db.begin_write().await?;
    db::apply(&mut tx, p.id, user.id, role, &motivation, &topics, input.edit).await?.map_err(AppError::Conflict)?;
    tx.commit().await?;
    load_managed(&state, &user, p.id).await
}

#[server(prefix = "/api", endpoint = "programmes/withdraw")]
pub async fn withdraw_application(programme_id: i64) -> Result<(), AppError> {
    let user = require_user().await?;
    if db::withdraw(&state()?.db, programme_id, user.id).await? {
        Ok(())
    } else {
        Err(AppError::Conflict("There is no pending application to withdraw.".into()))
    }
}

#[server(prefix = "/api", endpoint = "programmes/enrolments")]
pub async fn programme_enrolments(id: i64) -> Result<Vec<Enrolment>, AppError> {
    let (_, state) = require_manager(id).await?;
    Ok(db::enrolments(&state.db, id).await?)
}

/// One page of programme `id`'s people for its manage page: searched, filtered and sorted by
/// `query` ([`EnrolmentQuery`]), [`LIST_PAGE`] at a time, with the total. The programme's
/// admins only; a bad filter is 422 at its field.
#[server(prefix = "/api", endpoint = "programmes/enrolment_page")]
pub async fn list_enrolments(id: i64, #[server(default)] query: EnrolmentQuery) -> Result<EnrolmentPage, AppError> {
    let (_, state) = require_manager(id).await?;
    let query = query.validate()?;
    Ok(db::enrolment_page(&state.db, id, &query).await?)
}

/// Approves or declines one waiting application; the applicant gets a notice. The programme's
/// admins only. 409 if it was decided meanwhile (by another admin or tab).
#[server(prefix = "/api", endpoint = "programmes/decide")]
pub async fn decide_application(enrolment_id: i64, approve: bool) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let db::EnrolmentOwner { programme_id, user_id: person } = db::enrolment_owner(&state.db, enrolment_id).await?.ok_or(AppError::NotFound)?;
    crate::server::guards::manages_programme(&state.db, &user, programme_id).await?;
    let p = load_managed(&state, &user, programme_id).await?;
    let status = if approve { EnrolStatus::Approved } else { EnrolStatus::Declined };
    let mut tx = state.db.begin_write().await?;
    if !db::decide(&mut tx, enrolment_id, status, user.id).await? {
        return Err(AppError::Conflict("This application was already decided; the list now shows its state.".into()));
    }
    notify_decision(&mut tx, &p.name, person, approve).await?;
    tx.commit().await?;
    Ok(())
}

/// Most applications one bulk decision may decide (a whole 5,000-person programme).
pub const MAX_BULK_DECISIONS: i64 = 10_000;

/// Approves or declines every waiting application of programme `id` that matches `query` (the
/// people list's search, role and state) — "everyone matching the filter", not only the page
/// shown — among those the admin's list could show: enrolments up to `up_to` (the list's
/// `newest`), so someone who applies afterwards is never decided unseen. `expected` is how
/// many waiting applications the admin saw (the list's `waiting`): if that changed meanwhile
/// (one was decided elsewhere), nothing is decided and the answer is 409. Each person decided
/// gets the same notice as a single decision. The programme's admins only; a bad filter is 422
/// at its field, `expected` outside 1..=[`MAX_BULK_DECISIONS`] is 422 at `expected`.
#[server(prefix = "/api", endpoint = "programmes/decide_matching")]
pub async fn decide_matching(
    id: i64,
    #[server(default)] query: EnrolmentQuery,
    approve: bool,
    expected: i64,
    up_to: i64,
) -> Result<BulkDecision, AppError> {
    let (user, state) = require_manager(id).await?;
    if !(1..=MAX_BULK_DECISIONS).contains(&expected) {
        return Err(AppError::field("expected", &format!("Decide between 1 and {MAX_BULK_DECISIONS} applications at a time.")));
    }
    let query = query.validate()?;
    let p = load_managed(&state, &user, id).await?;
    let status = if approve { EnrolStatus::Approved } else { EnrolStatus::Declined };
    let changed = |now: i64| {
        AppError::Conflict(format!("{now} waiting applications match this search now, not {expected}: look at the list again, then decide."))
    };
    let mut tx = state.db.begin_write().await?;
    // Counted before anything is written, so a list that changed costs no update.
    let waiting = db::waiting_matching(&mut tx, id, &query, up_to).await?;
    if waiting != expected {
        return Err(changed(waiting));
    }
    let people = db::decide_matching(&mut tx, id, &query, up_to, status, user.id).await?;
    // Still checked after: on PostgreSQL another transaction may have decided some since the
    // count. Dropping the transaction undoes the update.
    if people.len() as i64 != expected {
        return Err(changed(people.len() as i64));
    }
    for person in &people {
        notify_decision(&mut tx, &p.name, *person, approve).await?;
    }
    tx.commit().await?;
    Ok(BulkDecision { decided: people.len() as i64 })
}

/// The applicant's notice of a decision on their application to programme `programme`.
#[cfg(feature = "ssr")]
async fn notify_decision(conn: &mut sqlx::AnyConnection, programme: &str, person: i64, approve: bool) -> Result<(), sqlx::Error> {
    let (title, body) = if approve {
        (format!("You are in: {programme}"), "Your application was approved. You will hear when you are matched.")
    } else {
        (format!("Application to {programme}"), "Your application was not accepted this time.")
    };
    crate::notifications::db::notify(conn, person, crate::notifications::NoticeKind::Programmes, &title, body, "/programmes").await
}

/// Most addresses enrolled by one paste or file (a 5,000-person programme in two goes).
pub const MAX_BULK_EMAILS: usize = 5_000;

/// The addresses in a pasted list or CSV column, with their line numbers (1-based): split on
/// line breaks, commas and semicolons; blanks and an `email` header left out.
#[cfg(feature = "ssr")]
fn bulk_email_entries(text: &str) -> Vec<(i64, &str)> {
    text.lines()
        .enumerate()
        .flat_map(|(i, line)| line.split([',', ';']).map(str::trim).map(move |raw| (i as i64 + 1, raw)))
        .filter(|(_, raw)| !raw.is_empty() && !raw.eq_ignore_ascii_case("email"))
        .collect()
}

#[server(prefix = "/api", endpoint = "programmes/bulk_enrol", input = Json)]
pub async fn bulk_enrol(input: BulkEnrolInput) -> Result<BulkReport, AppError> {
    let (user, state) = require_manager(input.programme_id).await?;
    let role = EnrolRole::parse(&input.role).ok_or_else(|| AppError::field("role", "Choose mentor or mentee."))?;
    let mut report = BulkReport::default();
    let users: Vec<i64> = match &input.source {
        BulkSource::Filter { department, level_min, level_max } => {
            let mut errors = crate::error::FieldErrors::new();
            let level = |s: &str, field: &str, errors: &mut crate::error::FieldErrors| match s.trim().parse::<i32>() {
                Ok(l) if (1..=10).contains(&l) => l,
                _ => {
                    errors.add(field, "Enter a level from 1 to 10.");
                    1
                }
            };
            let lo = level(level_min, "level_min", &mut errors);
            let hi = level(level_max, "level_max", &mut errors);
            if errors.is_empty() && lo > hi {
                errors.add("level_max", "The highest level must not be below the lowest.");
            }
            if department.chars().count() > 100 {
                errors.add("department", "A department name has at most 100 characters.");
            }
            errors.into_result(())?;
            db::people_by_filter(&state.db, department.trim(), lo, hi).await?
        }
        BulkSource::Emails(text) => {
            if text.len() > 1_000_000 {
                return Err(AppError::field("emails", "Paste at most 1 MB of addresses at a time."));
            }
            // Counted before any address is looked at.
            let entries = bulk_email_entries(text);
            if entries.len() > MAX_BULK_EMAILS {
                return Err(AppError::field(
                    "emails",
                    &format!("{} addresses were pasted; enrol at most {MAX_BULK_EMAILS} at a time.", entries.len()),
                ));
            }
            let mut conn = state.db.pool.acquire().await?;
            let mut ids = Vec::new();
            for (line, raw) in entries {
                let problem = match crate::profiles::validate_email(raw) {
                    Ok(email) => match crate::accounts::db::active_user_id_by_email(&mut conn, &email).await? {
                        Some(id) => {
                            ids.push(id);
                            None
                        }
                        None => Some(format!("{raw}: no one with this email is in the directory.")),
                    },
                    Err(message) => Some(format!("{raw}: {message}")),
                };
                if let Some(message) = problem {
                    report.errors.push(crate::accounts::RowError { line, field: "email".into(), message });
                }
            }
            ids
        }
    };
    let mut tx = state.db.begin_write().await?;
    let (enrolled, already) = db::enrol_many(&mut tx, input.programme_id, role, &users, user.id).await?;
    tx.commit().await?;
    report.enrolled = enrolled;
    report.already = already;
    Ok(report)
}

#[server(prefix = "/api", endpoint = "studio/data")]
pub async fn load_studio(id: i64) -> Result<StudioData, AppError> {
    let (user, state) = require_manager(id).await?;
    let programme = load_managed(&state, &user, id).await?;
    let pool = pool::load_pool(&state.db, &programme).await?;
    let mut config = db::programme_config(&state.db, id).await?;
    pool.fit(&mut config);
    Ok(StudioData {
        config,
        problem: pool.problem,
        people: pool.people,
        runs: db::runs(&state.db, id, 0).await?,
        last: db::latest_run(&state.db, id).await?,
        programme,
    })
}

/// Page `page` (0 = newest; [`LIST_PAGE`] runs each; past the last answers the last) of
/// programme `id`'s saved runs, for the studio's list. The programme's admins only.
#[server(prefix = "/api", endpoint = "studio/runs")]
pub async fn list_runs(id: i64, #[server(default)] page: i32) -> Result<RunPage, AppError> {
    let (_, state) = require_manager(id).await?;
    Ok(db::runs(&state.db, id, page).await?)
}

/// The authoritative run: the server matches the current pool under `config`, keeps the
/// configuration as the programme's, and saves the run to the audit trail.
#[server(prefix = "/api", endpoint = "studio/run", input = Json)]
pub async fn save_run(id: i64, config: Config) -> Result<SavedRun, AppError> {
    let (user, state) = require_manager(id).await?;
    crate::matching::check_config(&config).map_err(engine_error)?;
    let programme = load_managed(&state, &user, id).await?;
    let pool = pool::load_pool(&state.db, &programme).await?;
    let participants = pool.participants();
    let result = run_engine(pool.problem, config.clone()).await?;
    let mut tx = state.db.begin_write().await?;
    db::save_config(&mut tx, id, &config).await?;
    let run_id = db::insert_run(&mut tx, id, user.id, &config, &result, participants).await?;
    tx.commit().await?;
    db::run_by_id(&state.db, run_id).await?.map(|r| r.1).ok_or(AppError::Internal)
}

/// Saved run `run_id` and its programme's id, for one of that programme's admins (401 / 404 / 403).
#[cfg(feature = "ssr")]
async fn require_managed_run(run_id: i64) -> Result<(SessionUser, AppState, i64, SavedRun), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let (programme_id, run) = db::run_by_id(&state.db, run_id).await?.ok_or(AppError::NotFound)?;
    crate::server::guards::manages_programme(&state.db, &user, programme_id).await?;
    Ok((user, state, programme_id, run))
}

#[server(prefix = "/api", endpoint = "studio/load_run")]
pub async fn load_run(run_id: i64) -> Result<SavedRun, AppError> {
    Ok(require_managed_run(run_id).await?.3)
}

/// Creates the pairs of a saved run and tells everyone in it. Pairs whose people were paired
/// or left the programme since the run are skipped and counted as unmatched.
#[server(prefix = "/api", endpoint = "studio/publish")]
pub async fn publish_run(run_id: i64) -> Result<PublishReport, AppError> {
    let (user, state, programme_id, run) = require_managed_run(run_id).await?;
    if run.summary.published_at.is_some() {
        return Err(already_published());
    }
    let programme = load_managed(&state, &user, programme_id).await?;
    let pool = pool::load_pool(&state.db, &programme).await?;
    let mut tx = state.db.begin_write().await?;
    let report = publish(&mut tx, &programme, &pool, run_id, &run).await?;
    tx.commit().await?;
    Ok(report)
}

/// Forms `pair` in `programme` if it still fits (the mentee free, the mentor with room) and
/// tells each of the two why they were matched, under `title(the other person's id)`. `false`
/// when it no longer fits and nothing was written.
#[cfg(feature = "ssr")]
async fn form_and_tell(
    tx: &mut sqlx::AnyConnection,
    programme: &Programme,
    run_id: Option<i64>,
    pair: &crate::matching::Pair,
    title: impl Fn(i64) -> String,
) -> Result<bool, AppError> {
    let made = crate::pairs::db::create_pair_if_room(
        &mut *tx,
        programme.id,
        run_id,
        pair.mentor,
        pair.mentee,
        Some(programme.mentor_capacity),
        pair.score,
        &pair.reasons,
    )
    .await?;
    if made.is_err() {
        return Ok(false);
    }
    let why = format!("You were matched because {}.", reasons_sentence(&pair.reasons));
    for (to, other) in [(pair.mentor, pair.mentee), (pair.mentee, pair.mentor)] {
        crate::notifications::db::notify(&mut *tx, to, crate::notifications::NoticeKind::Matches, &title(other), &why, "/matches").await?;
    }
    Ok(true)
}

#[cfg(feature = "ssr")]
fn already_published() -> AppError {
    AppError::Conflict("This run is already published.".into())
}

/// Publishes saved run `run_id` on `tx`, all or nothing: claims the run (a run already
/// published, by this call's twin a moment ago or by anyone, is a conflict), creates the pairs
/// that still fit the programme as the database now has it (the mentor has room, the mentee has
/// no pair), tells both people why they were matched, and tells the people of `pool` left
/// without a pair that they stay in the pool.
#[cfg(feature = "ssr")]
pub(crate) async fn publish(
    tx: &mut sqlx::AnyConnection,
    programme: &Programme,
    pool: &pool::Pool,
    run_id: i64,
    run: &SavedRun,
) -> Result<PublishReport, AppError> {
    if !db::claim_publication(&mut *tx, run_id).await? {
        return Err(already_published());
    }
    db::lock_programme(&mut *tx, programme.id).await?;
    let (mentor, mentee) = (programme.kind.mentor_word(), programme.kind.mentee_word());
    let name = |id: i64| pool.people.iter().find(|p| p.id == id).map(|p| p.name.clone()).unwrap_or_default();
    let mut report = PublishReport::default();
    for pair in &run.result.pairs {
        let title = |other: i64| {
            let word = if other == pair.mentee { mentee } else { mentor };
            format!("Your {word} in {}: {}", programme.name, name(other))
        };
        if form_and_tell(&mut *tx, programme, Some(run_id), pair, title).await? {
            report.pairs += 1;
            report.notified += 2;
        }
    }
    let paired: std::collections::HashSet<i64> = crate::pairs::db::active_load(&mut *tx, programme.id).await?.into_iter().map(|p| p.mentee_id).collect();
    for waiting in pool.problem.mentees.iter().map(|e| e.id).filter(|id| !paired.contains(id)) {
        crate::notifications::db::notify(
            &mut *tx,
            waiting,
            crate::notifications::NoticeKind::Programmes,
            &format!("No match yet in {}", programme.name),
            "We could not find a good match this round. You stay in the pool for the next one.",
            "/programmes",
        )
        .await?;
        report.unmatched += 1;
        report.notified += 1;
    }
    Ok(report)
}

#[server(prefix = "/api", endpoint = "programmes/pairs")]
pub async fn programme_pairs(id: i64) -> Result<Vec<crate::pairs::PairRow>, AppError> {
    let (_, state) = require_manager(id).await?;
    Ok(crate::pairs::db::pairs(&state.db, id).await?)
}

/// One page of programme `id`'s active pairs for its manage page: searched and sorted by
/// `query` ([`PairQuery`]), [`LIST_PAGE`] at a time, with the total and each pair's figures
/// (goals, check-ins, ratings, flags; no content). One call, so the list and the figures are
/// the same pairs and the page query runs once. The programme's admins only; a bad filter is
/// 422 at its field.
#[server(prefix = "/api", endpoint = "programmes/pair_page")]
pub async fn list_pairs(id: i64, #[server(default)] query: PairQuery) -> Result<PairPage, AppError> {
    let (_, state) = require_manager(id).await?;
    let (q, sort, page) = query.validate()?;
    let mut page = crate::pairs::db::pair_page(&state.db, id, &q, sort, page).await?;
    page.health = crate::pairs::db::stats(&state.db, id, &page.items).await?;
    Ok(page)
}

/// Ends one pair and re-optimises only its two people against the rest of the pool; every
/// other pair stays as it is. Returns the programme's pairs afterwards.
#[server(prefix = "/api", endpoint = "pairs/rematch")]
pub async fn rematch_pair(pair_id: i64) -> Result<Vec<crate::pairs::PairRow>, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let crate::pairs::db::ActivePair { programme_id, mentor_id: old_mentor, mentee_id: old_mentee } =
        crate::pairs::db::active_pair(&state.db, pair_id).await?.ok_or(AppError::NotFound)?;
    crate::server::guards::manages_programme(&state.db, &user, programme_id).await?;
    let programme = load_managed(&state, &user, programme_id).await?;
    // Matched as if the pair had ended, then ended and replaced in one transaction: a
    // crash between the two cannot leave the pair ended with nobody told.
    let pool = pool::load_people_as_if_ended(&state.db, &programme, crate::pairs::db::PairPeople { mentor_id: old_mentor, mentee_id: old_mentee }).await?;
    let mut config = db::programme_config(&state.db, programme_id).await?;
    config.rules.pinned.clear();
    config.rules.forbidden.push((old_mentor, old_mentee));
    pool.fit(&mut config);
    let result = run_engine(pool.problem, config).await?;
    let mut tx = state.db.begin_write().await?;
    db::lock_programme(&mut tx, programme_id).await?;
    if !crate::pairs::db::end_pair(&mut tx, pair_id, "rematched by the programme admin").await? {
        return Err(AppError::Conflict("This pair has ended already (rematched a moment ago?); reload to see its people now.".into()));
    }
    let mut mentee_placed = false;
    for pair in result.pairs.iter().filter(|p| p.mentee == old_mentee || p.mentor == old_mentor) {
        let title = |other: i64| {
            let other = pool.people.iter().find(|p| p.id == other).map(|p| p.name.clone()).unwrap_or_default();
            format!("New match in {}: {other}", programme.name)
        };
        if form_and_tell(&mut tx, &programme, None, pair, title).await? {
            mentee_placed |= pair.mentee == old_mentee;
        }
    }
    if !mentee_placed {
        crate::notifications::db::notify(
            &mut tx,
            old_mentee,
            crate::notifications::NoticeKind::Matches,
            &format!("Your pair in {} has ended", programme.name),
            "There is no other good match right now. You stay in the pool.",
            "/programmes",
        )
        .await?;
    }
    tx.commit().await?;
    Ok(crate::pairs::db::pairs(&state.db, programme_id).await?)
}

/// Programme `programme_id` if it lets mentees choose and `user` is an approved mentee in it
/// (404 when they cannot see it, 403 otherwise); expired requests are closed first.
#[cfg(feature = "ssr")]
async fn self_match_mentee(state: &AppState, user: &SessionUser, programme_id: i64) -> Result<Programme, AppError> {
    let p = db::load_programme(&state.db, programme_id, user).await?.ok_or(AppError::NotFound)?;
    let enrolled_mentee = p.mine.as_ref().is_some_and(|m| m.role == EnrolRole::Mentee && m.status == EnrolStatus::Approved);
    if !p.self_match || !enrolled_mentee {
        return Err(AppError::Forbidden);
    }
    db::expire_requests(&state.db).await?;
    Ok(p)
}

/// Self-match: the viewer's best possible mentors with reasons (approved mentees only).
#[server(prefix = "/api", endpoint = "selfmatch/suggestions")]
pub async fn mentor_suggestions(programme_id: i64) -> Result<Vec<Suggestion>, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let p = self_match_mentee(&state, &user, programme_id).await?;
    let pool = pool::load_pool(&state.db, &p).await?;
    if !pool.problem.mentees.iter().any(|e| e.id == user.id) {
        return Ok(Vec::new());
    }
    let asked = db::pending_requests_of(&state.db, programme_id, user.id).await?;
    let config = db::programme_config(&state.db, programme_id).await?;
    let me = user.id;
    let ranked = tokio::task::spawn_blocking(move || -> Result<Vec<(i64, crate::matching::Pair)>, crate::matching::MatchError> {
        // Only this mentee against every mentor: score all, explain the best five.
        let mut problem = pool.problem;
        problem.mentees.retain(|e| e.id == me);
        let engine = crate::matching::Engine::new(&problem)?;
        let mut scored: Vec<(i64, f64)> = problem
            .mentors
            .iter()
            .filter(|m| engine.rule_break(&config.rules, m.id, me).is_none() && !config.rules.forbidden.contains(&(m.id, me)))
            .filter_map(|m| engine.pair_score(&config, m.id, me).map(|score| (m.id, score)))
            .filter(|&(_, score)| score >= config.rules.min_score && score > 0.0)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(5);
        Ok(scored.into_iter().filter_map(|(m, _)| engine.explain(&config, m, me).map(|pair| (m, pair))).collect())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(engine_error)?;
    let mut conn = state.db.pool.acquire().await?;
    let mut out = Vec::new();
    for (mentor, pair) in ranked {
        if let Some(label) = crate::people::db::person_label(&mut conn, mentor).await? {
            out.push(Suggestion { mentor: label, score: pair.score, reasons: pair.reasons, requested: asked.contains(&mentor) });
        }
    }
    Ok(out)
}

/// What a mentee or mentor is told when the programme's admins have ruled their pair out.
#[cfg(feature = "ssr")]
const FORBIDDEN_PAIR: &str = "The programme's admins have ruled this pair out.";

#[server(prefix = "/api", endpoint = "selfmatch/request")]
pub async fn request_mentor(programme_id: i64, mentor_id: i64, message: String) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    if message.chars().count() > 1000 {
        return Err(AppError::field("message", "Keep the message to 1,000 characters."));
    }
    let p = self_match_mentee(&state, &user, programme_id).await?;
    let pool = pool::load_pool(&state.db, &p).await?;
    if !pool.problem.mentees.iter().any(|e| e.id == user.id) {
        return Err(AppError::Conflict("You already have a mentor in this programme.".into()));
    }
    if !pool.problem.mentors.iter().any(|m| m.id == mentor_id) {
        return Err(AppError::Conflict("This mentor has no place left in this programme.".into()));
    }
    let engine = crate::matching::Engine::new(&pool.problem).map_err(engine_error)?;
    let rules = db::programme_config(&state.db, programme_id).await?.rules;
    if let Some(rule) = engine.rule_break(&rules, mentor_id, user.id) {
        return Err(AppError::Conflict(format!("The programme's rules rule this pair out: {rule}.")));
    }
    if rules.forbidden.contains(&(mentor_id, user.id)) {
        return Err(AppError::Conflict(FORBIDDEN_PAIR.into()));
    }
    if db::pending_requests_of(&state.db, programme_id, user.id).await?.contains(&mentor_id) {
        return Err(AppError::Conflict("You have already asked this mentor and are waiting for their answer.".into()));
    }
    let mut tx = state.db.begin_write().await?;
    let lifetime = i64::from(state.config.request_hours) * 3600;
    db::create_request(&mut tx, programme_id, user.id, mentor_id, message.trim(), lifetime).await?;
    crate::notifications::db::notify(
        &mut tx,
        mentor_id,
        crate::notifications::NoticeKind::Matches,
        &format!("{} asks you to mentor them in {}", user.name, p.name),
        if message.trim().is_empty() { "Open your requests to accept or decline." } else { message.trim() },
        "/matches",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "selfmatch/requests")]
pub async fn my_requests() -> Result<Vec<MentorRequest>, AppError> {
    let user = require_user().await?;
    let state = state()?;
    db::expire_requests(&state.db).await?;
    Ok(db::requests_for(&state.db, user.id).await?)
}

/// The asked mentor accepts (a pair is created if both still have room) or declines.
#[server(prefix = "/api", endpoint = "selfmatch/answer")]
pub async fn answer_request(request_id: i64, accept: bool) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    db::expire_requests(&state.db).await?;
    let request = db::request_parties(&state.db, request_id).await?.ok_or(AppError::NotFound)?;
    let (programme_id, mentee, mentor) = (request.programme_id, request.mentee_id, request.mentor_id);
    if mentor != user.id {
        return Err(AppError::Forbidden);
    }
    if request.status != RequestStatus::Pending {
        return Err(AppError::Conflict(format!("This request is {}.", request.status.as_str())));
    }
    let p = db::load_programme(&state.db, programme_id, &user).await?.ok_or(AppError::NotFound)?;
    // Scored before the transaction, so the write lock is held only for the writes.
    let pool = pool::load_people(&state.db, &p, Some(&[mentor, mentee])).await?;
    let config = db::programme_config(&state.db, programme_id).await?;
    // Ruled out by an admin after the request was sent: it can only be declined.
    if accept && config.rules.forbidden.contains(&(mentor, mentee)) {
        return Err(AppError::Conflict(FORBIDDEN_PAIR.into()));
    }
    let pair = crate::matching::Engine::new(&pool.problem).ok().and_then(|e| e.explain(&config, mentor, mentee));
    let (score, reasons) = pair.map(|p| (p.score, p.reasons)).unwrap_or((0.0, Vec::new()));
    let no_longer = || AppError::Conflict("This request was answered or withdrawn in the meantime; reload to see it.".into());
    let mut tx = state.db.begin_write().await?;
    if !accept {
        if !db::set_request_status(&mut tx, request_id, RequestStatus::Declined).await? {
            return Err(no_longer());
        }
        crate::notifications::db::notify(&mut tx, mentee, crate::notifications::NoticeKind::Matches, &format!("{} declined your request", user.name), "Try another suggested mentor.", "/programmes").await?;
        tx.commit().await?;
        return Ok(());
    }
    db::lock_programme(&mut tx, programme_id).await?;
    if !db::set_request_status(&mut tx, request_id, RequestStatus::Accepted).await? {
        return Err(no_longer());
    }
    match crate::pairs::db::create_pair_if_room(&mut tx, programme_id, None, mentor, mentee, Some(p.mentor_capacity), score, &reasons).await? {
        Ok(_) => {}
        Err(crate::pairs::db::PairRefusal::MenteePaired) => {
            // Not accepted after all: withdrawn instead, in a transaction of its own.
            tx.rollback().await?;
            let mut tx = state.db.begin_write().await?;
            db::set_request_status(&mut tx, request_id, RequestStatus::Withdrawn).await?;
            tx.commit().await?;
            return Err(AppError::Conflict("This person has found a mentor in the meantime.".into()));
        }
        // Rolled back: the request stays pending.
        Err(crate::pairs::db::PairRefusal::MentorFull) => {
            return Err(AppError::Conflict(format!(
                "You already mentor {} people in this programme, its limit.",
                p.mentor_capacity
            )))
        }
    }
    db::close_other_requests(&mut tx, programme_id, mentee).await?;
    crate::notifications::db::notify(&mut tx, mentee, crate::notifications::NoticeKind::Matches, &format!("{} accepted: you are paired in {}", user.name, p.name), "Say hello and set your first goal.", "/matches").await?;
    tx.commit().await?;
    Ok(())
}
