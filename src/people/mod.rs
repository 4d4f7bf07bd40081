//! People as other domains name them: a label (name, title, department, level) and the lookups
//! that give it. Profiles, the directory and accounts own the rest of a person.

#[cfg(feature = "ssr")]
pub mod db;

use serde::{Deserialize, Serialize};

/// Who someone is at a glance, wherever the app names them (a pair, a run, a request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PersonLabel {
    pub id: i64,
    pub name: String,
    pub job_title: String,
    pub department: String,
    /// Seniority, 1 (most junior) to 10.
    #[cfg_attr(feature = "ssr", sqlx(try_from = "i64"))]
    pub level: i32,
}
