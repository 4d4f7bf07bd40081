//! Who may touch what, written once: the signed-in person of a request, the admins who run a
//! programme, the two members of a pair. Server functions, the chat socket and the calendar
//! download all come through here, so one rule has one implementation.

use super::auth::RequestUser;
use super::db::Db;
use crate::accounts::SessionUser;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The signed-in person of this request, as `resolve_user` found them. An axum extractor for
/// handlers (401 without anyone signed in); server functions get it through [`current_user`].
#[derive(Clone, Debug)]
pub struct CurrentUser(pub SessionUser);

impl CurrentUser {
    /// From a request's parts: 401 when nobody is signed in; 500 (logged) for a request that
    /// did not pass the middleware, which is a fault of ours.
    pub fn from_parts(parts: &Parts) -> Result<CurrentUser, AppError> {
        match parts.extensions.get::<RequestUser>() {
            Some(RequestUser(Some(user))) => Ok(CurrentUser(user.clone())),
            Some(RequestUser(None)) => Err(AppError::Unauthenticated),
            None => {
                tracing::error!("the request did not pass through resolve_user");
                Err(AppError::Internal)
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        CurrentUser::from_parts(parts)
    }
}

/// The signed-in person of the request a server function is answering (401 without one).
pub fn current_user() -> Result<SessionUser, AppError> {
    let parts = leptos::prelude::use_context::<Parts>().ok_or_else(|| {
        tracing::error!("a server function ran without its request");
        AppError::Internal
    })?;
    CurrentUser::from_parts(&parts).map(|u| u.0)
}

/// `user` runs programme `programme_id`: 404 when there is no such programme, 403 when it is
/// someone else's (admins run only the programmes they created or were made admins of).
pub async fn manages_programme(db: &Db, user: &SessionUser, programme_id: i64) -> Result<(), AppError> {
    if !crate::programmes::db::programme_exists(db, programme_id).await? {
        return Err(AppError::NotFound);
    }
    if !crate::programmes::db::is_programme_admin(db, programme_id, user.id).await? {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// What someone is to a programme: one of its admins, a participant (enrolled in a role, with
/// the application's state), or both.
#[derive(Clone, Copy, Debug)]
pub struct Standing {
    pub can_manage: bool,
    pub enrolment: Option<(crate::programmes::EnrolRole, crate::programmes::EnrolStatus)>,
}

impl Standing {
    /// Their role, unless their application was declined.
    pub fn role(&self) -> Option<crate::programmes::EnrolRole> {
        self.enrolment.filter(|(_, s)| *s != crate::programmes::EnrolStatus::Declined).map(|(r, _)| r)
    }

    /// Approved to take part.
    pub fn approved(&self) -> bool {
        matches!(self.enrolment, Some((_, crate::programmes::EnrolStatus::Approved)))
    }
}

/// `user` runs or takes part in programme `programme_id` (a declined application does not
/// count): 404 when there is no such programme, 403 for anyone else.
pub async fn programme_member(db: &Db, user: &SessionUser, programme_id: i64) -> Result<Standing, AppError> {
    if !crate::programmes::db::programme_exists(db, programme_id).await? {
        return Err(AppError::NotFound);
    }
    let can_manage = crate::programmes::db::is_programme_admin(db, programme_id, user.id).await?;
    let enrolment = sqlx::query_as("SELECT role, status FROM enrolments WHERE programme_id = $1 AND user_id = $2")
        .bind(programme_id)
        .bind(user.id)
        .fetch_optional(&db.pool)
        .await?;
    let standing = Standing { can_manage, enrolment };
    if !can_manage && standing.role().is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(standing)
}

/// What a pair's member may do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairAccess {
    /// Read it, ended or not.
    Read,
    /// Change it: only while the pair is active (409 after it ended).
    Change,
}

/// `user` is one of pair `pair_id`'s two members: 404 when there is no such pair, 403 for
/// anyone else (programme admins included: a pair's workspace is theirs alone), 409 for a
/// change to an ended pair. Returns the pair's members.
pub async fn pair_member(db: &Db, user: &SessionUser, pair_id: i64, access: PairAccess) -> Result<crate::pairs::db::Members, AppError> {
    let members = crate::pairs::db::members(db, pair_id).await?.ok_or(AppError::NotFound)?;
    if !members.includes(user.id) {
        return Err(AppError::Forbidden);
    }
    if access == PairAccess::Change && !members.active {
        return Err(AppError::Conflict("This pair has ended; its workspace can be read but not changed.".into()));
    }
    Ok(members)
}
