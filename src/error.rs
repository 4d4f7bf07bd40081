//! The one error type every server function returns: it carries a status for the HTTP
//! response, a plain message for people, and per-field messages for forms.

use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError, error::ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// One message tied to one form field (`field` is the input's name, e.g. `teach.2.skill`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every problem found in a submitted form, so the person can fix them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), message: message.into() });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The first message for a field, if any.
    pub fn get(&self, field: &str) -> Option<String> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.clone())
    }
    /// `Ok(value)` when nothing was found, otherwise the collected errors.
    pub fn into_result<T>(self, value: T) -> Result<T, AppError> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You do not have access to this.")]
    Forbidden,
    #[error("That was not found.")]
    NotFound,
    #[error("Please correct the highlighted fields.")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    /// What a field asks for was taken in the meantime (by another person, tab or click): 409,
    /// with the message at that field.
    #[error("{}", first_message(.0))]
    Taken(FieldErrors),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request did not reach the server, or its reply could not be read.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// One field error, for a form with a single faulty input.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Invalid(errors)
    }

    /// A conflict at one field (409): what `field` names was taken in the meantime.
    pub fn taken(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        AppError::Taken(errors)
    }

    /// Field messages, if this is a validation error or a conflict at a field.
    pub fn field_errors(&self) -> FieldErrors {
        match self {
            AppError::Invalid(errors) | AppError::Taken(errors) => errors.clone(),
            _ => FieldErrors::default(),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) | AppError::Taken(_) => 409,
            AppError::TooManyRequests(_) => 429,
            AppError::Internal => 500,
            AppError::Transport(_) => 400,
        }
    }
}

fn first_message(errors: &FieldErrors) -> &str {
    errors.0.first().map(|e| e.message.as_str()).unwrap_or("That was changed in the meantime; please reload.")
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                AppError::Transport(format!("the request was malformed ({msg})"))
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

/// An error answered by a handler outside the server-function layer (the chat socket, the
/// calendar download): its status and the same JSON body a server function would send.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.status()).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = err {
            return AppError::NotFound;
        }
        // The database refused a second copy of something that must exist once: someone (or
        // another tab) did the same thing a moment earlier. Not a fault of the server.
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                tracing::info!(error = %err, "refused a duplicate");
                return AppError::Conflict("That was just done by someone else (or in another tab); reload to see it.".into());
            }
            // PostgreSQL gave up one of two transactions that waited on each other (deadlock,
            // 40P01) or could not be ordered (serialization, 40001): that transaction was undone,
            // and the same click again will usually go through.
            if matches!(db.code().as_deref(), Some("40P01" | "40001")) {
                tracing::info!(error = %err, "a transaction lost a race and was undone");
                return AppError::Conflict("Someone else changed this at the same moment, so it may not have been saved. Reload and try again.".into());
            }
        }
        tracing::error!(error = %err, "database error");
        AppError::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_round_trip_through_json() {
        let err = AppError::field("email", "Enter an email address.");
        let json = serde_json::to_string(&err).unwrap();
        let back: AppError = serde_json::from_str(&json).unwrap();
        assert_eq!(back.field_errors().get("email").as_deref(), Some("Enter an email address."));
        assert_eq!(back.status(), 422);
    }

    #[test]
    fn statuses_match_their_meaning() {
        assert_eq!(AppError::Unauthenticated.status(), 401);
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(AppError::TooManyRequests("x".into()).status(), 429);
    }
}
