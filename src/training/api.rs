//! Server functions for training guides. Participants (anyone enrolled and not declined) read
//! a programme's guides and mark them done; the programme's admins also add, edit and delete
//! them and see who has finished which.

use super::*;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    crate::accounts::SessionUser,
    crate::server::{auth::*, db::Db, guards::{manages_programme, programme_member}},
};

/// The viewer's standing in programme `programme_id` ([`programme_member`]).
#[cfg(feature = "ssr")]
async fn access(db: &Db, user: &SessionUser, programme_id: i64) -> Result<Access, AppError> {
    let s = programme_member(db, user, programme_id).await?;
    Ok(Access { can_manage: s.can_manage, role: s.role() })
}

#[cfg(feature = "ssr")]
struct Access {
    can_manage: bool,
    role: Option<EnrolRole>,
}

/// The guide `guide_id` and the viewer's standing in its programme; a leads' guide is hidden
/// (404) from participants who do not run the programme.
#[cfg(feature = "ssr")]
async fn guide_for(db: &Db, user: &SessionUser, guide_id: i64) -> Result<(db::GuideRow, Access), AppError> {
    let row = db::guide(db, guide_id).await?.ok_or(AppError::NotFound)?;
    let access = access(db, user, row.programme_id).await?;
    if row.audience == Audience::Lead && !access.can_manage {
        return Err(AppError::NotFound);
    }
    Ok((row, access))
}

/// A programme's guides as the viewer may see them ([`GuideList`]).
#[server(prefix = "/api", endpoint = "training/list")]
pub async fn list_guides(programme_id: i64) -> Result<GuideList, AppError> {
    let user = require_user().await?;
    let db = &state()?.db;
    let a = access(db, &user, programme_id).await?;
    Ok(GuideList {
        programme_id,
        programme_name: crate::programmes::db::programme_name(db, programme_id).await?.unwrap_or_default(),
        can_manage: a.can_manage,
        my_role: a.role,
        guides: db::list(db, programme_id, user.id, a.can_manage).await?,
    })
}

/// One guide to read ([`Guide`]): its HTML sanitised, its questions without their answers
/// (admins also get the Markdown and the answers, to edit).
#[server(prefix = "/api", endpoint = "training/guide")]
pub async fn get_guide(guide_id: i64) -> Result<Guide, AppError> {
    let user = require_user().await?;
    let db = &state()?.db;
    let (row, a) = guide_for(db, &user, guide_id).await?;
    let questions = row.questions();
    let edit = a.can_manage.then(|| GuideInput::from_guide(&row.title, row.audience, row.required == 1, &row.body, &questions, row.version));
    let html = render(&row.body);
    Ok(Guide {
        id: row.id,
        programme_id: row.programme_id,
        programme_name: crate::programmes::db::programme_name(db, row.programme_id).await?.unwrap_or_default(),
        title: row.title,
        audience: row.audience,
        required: row.required == 1,
        html,
        questions: if a.can_manage { questions } else { questions.into_iter().map(|q| Question { answer: None, ..q }).collect() },
        done: db::is_done(db, guide_id, user.id).await?,
        can_complete: a.role.is_some() || a.can_manage,
        can_manage: a.can_manage,
        edit,
    })
}

/// Marks a guide done for the signed-in participant. `a1`…`a3` are the chosen options'
/// indexes (from 0) for the guide's questions; a wrong or missing answer is refused (422) at
/// its field, without saying which option is right. Marking it again changes nothing.
/// Redirects to the guide's page (so the form works without JavaScript).
#[server(prefix = "/api", endpoint = "training/done")]
pub async fn complete_guide(guide_id: i64, a1: Option<String>, a2: Option<String>, a3: Option<String>) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let (row, a) = guide_for(&state.db, &user, guide_id).await?;
    if a.role.is_none() && !a.can_manage {
        return Err(AppError::Forbidden);
    }
    let chosen: Vec<Option<usize>> = [a1, a2, a3].iter().map(|a| a.as_deref().and_then(|s| s.trim().parse().ok())).collect();
    let wrong = wrong_answers(&row.questions(), &chosen);
    if !wrong.is_empty() {
        let mut errors = crate::error::FieldErrors::new();
        for n in wrong {
            errors.add(format!("a{n}"), if chosen[n - 1].is_none() { "Choose an answer." } else { "Not quite: read the guide again and try another answer." });
        }
        return Err(AppError::Invalid(errors));
    }
    let mut tx = state.db.begin_write().await?;
    db::complete(&mut tx, guide_id, user.id).await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/guides/{guide_id}?done=1"));
    Ok(())
}

/// Adds a guide to programme `programme_id` (its admins only): the fields of [`GuideInput`].
/// 422 at each faulty field; 409 at `title` when the programme has a guide of that title, or
/// when it holds [`MAX_GUIDES`] already. Redirects to the new guide's page.
#[server(prefix = "/api", endpoint = "training/add")]
#[allow(clippy::too_many_arguments)]
pub async fn add_guide(
    programme_id: i64,
    title: String,
    audience: String,
    required: Option<String>,
    body: String,
    q1_prompt: String,
    q1_options: String,
    q1_answer: String,
    q2_prompt: String,
    q2_options: String,
    q2_answer: String,
    q3_prompt: String,
    q3_options: String,
    q3_answer: String,
) -> Result<i64, AppError> {
    let user = require_user().await?;
    let state = state()?;
    manages_programme(&state.db, &user, programme_id).await?;
    let input = GuideInput {
        title,
        audience,
        required: required.is_some(),
        body,
        version: 0,
        q1_prompt,
        q1_options,
        q1_answer,
        q2_prompt,
        q2_options,
        q2_answer,
        q3_prompt,
        q3_options,
        q3_answer,
    };
    let valid = input.validate()?;
    let mut tx = state.db.begin_write().await?;
    crate::programmes::db::lock_programme(&mut tx, programme_id).await?;
    let id = match db::create(&mut tx, programme_id, &valid, user.id).await {
        Ok(Some(id)) => id,
        Ok(None) => return Err(AppError::taken("title", format!("A programme holds at most {MAX_GUIDES} guides; delete one first."))),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(AppError::taken("title", "This programme has a guide with this title.")),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    leptos_axum::redirect(&format!("/guides/{id}"));
    Ok(id)
}

/// Saves an admin's edit of guide `guide_id`, made from `version` (the version their editor
/// opened): 409 when someone saved it since (the editor keeps their text), or at `title` when
/// another guide of the programme has that title. Redirects to the guide's page.
#[server(prefix = "/api", endpoint = "training/edit")]
#[allow(clippy::too_many_arguments)]
pub async fn edit_guide(
    guide_id: i64,
    version: i64,
    title: String,
    audience: String,
    required: Option<String>,
    body: String,
    q1_prompt: String,
    q1_options: String,
    q1_answer: String,
    q2_prompt: String,
    q2_options: String,
    q2_answer: String,
    q3_prompt: String,
    q3_options: String,
    q3_answer: String,
) -> Result<i64, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let row = db::guide(&state.db, guide_id).await?.ok_or(AppError::NotFound)?;
    manages_programme(&state.db, &user, row.programme_id).await?;
    let input = GuideInput {
        title,
        audience,
        required: required.is_some(),
        body,
        version,
        q1_prompt,
        q1_options,
        q1_answer,
        q2_prompt,
        q2_options,
        q2_answer,
        q3_prompt,
        q3_options,
        q3_answer,
    };
    let valid = input.validate()?;
    let mut tx = state.db.begin_write().await?;
    let saved = match db::update(&mut tx, guide_id, version, &valid, user.id).await {
        Ok(saved) => saved,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(AppError::taken("title", "This programme has another guide with this title.")),
        Err(e) => return Err(e.into()),
    };
    if !saved {
        return Err(AppError::Conflict(
            "Someone saved this guide after you opened it. Your text is still in the form: copy it, reload the page, and apply your change again.".into(),
        ));
    }
    tx.commit().await?;
    leptos_axum::redirect(&format!("/guides/{guide_id}"));
    Ok(guide_id)
}

/// Deletes a guide (its admins only), with everyone's record of having read it. Redirects to
/// the programme's guides.
#[server(prefix = "/api", endpoint = "training/delete")]
pub async fn delete_guide(guide_id: i64) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let row = db::guide(&state.db, guide_id).await?.ok_or(AppError::NotFound)?;
    manages_programme(&state.db, &user, row.programme_id).await?;
    let mut tx = state.db.begin_write().await?;
    db::delete(&mut tx, guide_id).await?;
    tx.commit().await?;
    leptos_axum::redirect(&format!("/programmes/{}/guides", row.programme_id));
    Ok(())
}

/// Who has finished which guide in programme `programme_id` (its admins only); with
/// `outcomes` (default no), trained and other pairs' check-in ratings as well.
#[server(prefix = "/api", endpoint = "training/progress")]
pub async fn training_completion(programme_id: i64, #[server(default)] outcomes: bool) -> Result<TrainingProgress, AppError> {
    let user = require_user().await?;
    let db = &state()?.db;
    manages_programme(db, &user, programme_id).await?;
    Ok(db::progress(db, programme_id, outcomes).await?)
}
