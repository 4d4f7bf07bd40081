//! Accounts: sign-in, sign-out, roles, and how admins bring people in (one invite at a time
//! or a CSV of the organisation).

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod throttle;
pub mod ui;

use crate::error::{AppError, FieldErrors};
use crate::profiles::{validate_email, MAX_LEVEL, MIN_LEVEL};
use leptos::prelude::{expect_context, Get, RwSignal, Set, With};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Employee,
    Admin,
}

stored_as_text!(Role { Employee = "employee", Admin = "admin" });

/// Where to go after signing in, from the `next` query parameter: a path on this site, or
/// `None`. Refused: anything not starting with `/`, `//host`, a backslash anywhere (browsers read
/// `/\host` as `//host`), and control characters and spaces (browsers drop tabs and newlines
/// from a URL, so `/<tab>/host` becomes `//host`). Source: the WHATWG URL Standard's parsing of
/// special schemes.
pub fn safe_next(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let unsafe_char = |c: char| c == '\\' || c.is_control() || c.is_whitespace();
    (!rest.starts_with('/') && !next.chars().any(unsafe_char)).then_some(next)
}

/// The signed-in person as every page sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SessionUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl SessionUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// One person to bring in: a form row or a CSV line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonInput {
    pub name: String,
    pub email: String,
    pub job_title: String,
    pub level: String,
    pub department: String,
    pub manager_email: String,
    pub location: String,
    pub timezone: String,
}

/// A person that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPerson {
    pub name: String,
    pub email: String,
    pub job_title: String,
    pub level: i32,
    pub department: String,
    pub manager_email: Option<String>,
    pub location: String,
    pub timezone: String,
}

impl PersonInput {
    /// Checks every field; `canonical_timezone` gives the stored name for a written timezone or
    /// the message to show.
    pub fn validate(&self, canonical_timezone: impl Fn(&str) -> Result<String, String>) -> Result<ValidPerson, AppError> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            errors.add("name", "Name is required.");
        } else if name.chars().count() > 100 {
            errors.add("name", "Name must be at most 100 characters.");
        }
        let email = validate_email(&self.email).unwrap_or_else(|m| {
            errors.add("email", m);
            String::new()
        });
        let job_title = self.job_title.trim().to_string();
        if job_title.chars().count() > 100 {
            errors.add("job_title", "Job title must be at most 100 characters.");
        }
        let level = match self.level.trim().parse::<i32>() {
            Ok(l) if (MIN_LEVEL..=MAX_LEVEL).contains(&l) => l,
            _ => {
                errors.add("level", format!("Level must be a whole number from {MIN_LEVEL} to {MAX_LEVEL}."));
                MIN_LEVEL
            }
        };
        let department = self.department.trim().to_string();
        if department.chars().count() > 100 {
            errors.add("department", "Department must be at most 100 characters.");
        }
        let manager_email = if self.manager_email.trim().is_empty() {
            None
        } else {
            match validate_email(&self.manager_email) {
                Ok(m) if m == email => {
                    errors.add("manager_email", "A person cannot be their own manager.");
                    None
                }
                Ok(m) => Some(m),
                Err(msg) => {
                    errors.add("manager_email", msg);
                    None
                }
            }
        };
        let location = self.location.trim().to_string();
        if location.chars().count() > 100 {
            errors.add("location", "Location must be at most 100 characters.");
        }
        let timezone = if self.timezone.trim().is_empty() {
            "UTC".to_string()
        } else {
            canonical_timezone(&self.timezone).unwrap_or_else(|message| {
                errors.add("timezone", message);
                String::new()
            })
        };
        errors.into_result(ValidPerson { name, email, job_title, level, department, manager_email, location, timezone })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteLink {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// Path with the one-time token, e.g. `/invite/…`; the admin copies it to the person.
    pub path: String,
    pub expires_at: i64,
    /// Whether the link also went to the person by mail (this site sends mail).
    #[serde(default)]
    pub mailed: bool,
}

/// A problem on one line of an imported CSV (line 1 is the header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowError {
    pub line: i64,
    pub field: String,
    pub message: String,
}

/// Someone invited who has not set a password yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PendingInvite {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub expires_at: Option<i64>,
}

/// Which invitations still waiting for a password the admin page lists (every field may be
/// left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct InviteQuery {
    /// Words found in the name, email or department (case does not matter).
    pub q: String,
    /// `live` (the link still works), `none` (expired or never made), or empty for both.
    pub state: String,
    /// From 0.
    pub page: i32,
}

impl InviteQuery {
    /// The query checked: (search text, state, page). Errors (422, at the field): a search over
    /// [`crate::ui::MAX_SEARCH`] characters, an unknown state.
    pub fn validate(&self) -> Result<(String, String, i32), AppError> {
        let mut errors = FieldErrors::new();
        let q = self.q.trim().to_string();
        if q.chars().count() > crate::ui::MAX_SEARCH {
            errors.add("q", format!("Search for at most {} characters.", crate::ui::MAX_SEARCH));
        }
        let state = self.state.trim().to_string();
        if !matches!(state.as_str(), "" | "live" | "none") {
            errors.add("state", "Choose links still valid, links expired or never made, or both.");
        }
        errors.into_result((q, state, self.page.max(0)))
    }
}

/// One page of the invitations waiting for a password, newest first, and how many match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvitePage {
    pub items: Vec<PendingInvite>,
    pub total: i64,
    pub page: i32,
    pub page_size: i32,
}

/// What the set-password page shows about the invitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InviteInfo {
    pub name: String,
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_sign_in_only_paths_on_this_site_are_followed() {
        for good in ["/", "/programmes/3", "/people?q=Dana&page=2", "/pairs/7#chat"] {
            assert_eq!(safe_next(good), Some(good), "{good}");
        }
        for bad in ["", "//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil", "/ /evil", "https://evil.example", "javascript:alert(1)", "evil.example", "\\/evil"] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    fn row() -> PersonInput {
        PersonInput {
            name: "Sam Lee".into(),
            email: "Sam.Lee@Example.com".into(),
            job_title: "Analyst".into(),
            level: "3".into(),
            department: "Finance".into(),
            manager_email: "boss@example.com".into(),
            location: "Leeds".into(),
            timezone: "Europe/London".into(),
        }
    }

    #[test]
    fn a_good_row_is_normalised() {
        let v = row().validate(|tz| Ok(tz.to_string())).unwrap();
        assert_eq!(v.email, "sam.lee@example.com");
        assert_eq!(v.level, 3);
    }

    #[test]
    fn bad_rows_name_their_fields() {
        let mut r = row();
        r.level = "eleven".into();
        r.manager_email = "sam.lee@example.com".into();
        r.email = "sam.lee@example.com".into();
        r.timezone = "Nowhere/Land".into();
        let errs = r.validate(|tz| if tz == "UTC" { Ok(tz.into()) } else { Err("unknown".into()) }).unwrap_err().field_errors();
        assert!(errs.get("level").is_some());
        assert!(errs.get("manager_email").unwrap().contains("own manager"));
        assert!(errs.get("timezone").is_some());
        assert!(errs.get("name").is_none());
    }
}

/// Who is signed in, shared by every page: a plain signal, set from the page's start (`app::PageStart`)
/// and changed by signing in and out.
#[derive(Clone, Copy)]
pub struct Auth {
    me: RwSignal<Option<SessionUser>>,
}

impl Auth {
    /// Starts with `user` signed in (`None`: nobody).
    pub fn new(user: Option<SessionUser>) -> Auth {
        Auth { me: RwSignal::new(user) }
    }

    /// The signed-in person (tracked: a view that reads it follows sign-in and sign-out).
    pub fn user(&self) -> Option<SessionUser> {
        self.me.get()
    }

    /// Whether the signed-in person is an admin (tracked).
    pub fn is_admin(&self) -> bool {
        self.me.with(|u| u.as_ref().is_some_and(|u| u.is_admin()))
    }

    /// The signed-in person's id, if any (tracked).
    pub fn user_id(&self) -> Option<i64> {
        self.me.with(|u| u.as_ref().map(|u| u.id))
    }

    /// After signing in (or accepting an invitation): `user` from then on.
    pub fn signed_in(&self, user: SessionUser) {
        self.me.set(Some(user));
    }

    /// After signing out: nobody.
    pub fn signed_out(&self) {
        self.me.set(None);
    }
}

/// The page's [`Auth`]; panics outside `App` (every page is inside it).
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
