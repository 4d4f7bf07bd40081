//! People as other domains name them: a label (name, title, department, level) and the lookups
//! that give it. Profiles, the directory and accounts own the rest of a person.

pub mod api;
pub mod ui;
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

#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod file;
#[cfg(feature = "ssr")]
pub mod timezones;

/// A field of a person that a people file can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonField {
    Name,
    FirstName,
    LastName,
    Email,
    EmployeeId,
    JobTitle,
    Level,
    Department,
    ManagerEmail,
    Location,
    Timezone,
    Status,
}

impl PersonField {
    pub const ALL: [PersonField; 12] = [
        PersonField::Name,
        PersonField::FirstName,
        PersonField::LastName,
        PersonField::Email,
        PersonField::EmployeeId,
        PersonField::JobTitle,
        PersonField::Level,
        PersonField::Department,
        PersonField::ManagerEmail,
        PersonField::Location,
        PersonField::Timezone,
        PersonField::Status,
    ];

    /// The field's stored and sent name (`manager_email`), as serde writes it.
    pub fn key(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }

    /// The field a [`key`](Self::key) names.
    pub fn from_key(key: &str) -> Option<PersonField> {
        PersonField::ALL.into_iter().find(|f| f.key() == key)
    }

    /// How the preview and the mapping menu name the field.
    pub fn label(self) -> &'static str {
        match self {
            PersonField::Name => "Name",
            PersonField::FirstName => "First name",
            PersonField::LastName => "Last name",
            PersonField::Email => "Email",
            PersonField::EmployeeId => "Employee ID",
            PersonField::JobTitle => "Job title",
            PersonField::Level => "Level",
            PersonField::Department => "Department",
            PersonField::ManagerEmail => "Manager email",
            PersonField::Location => "Location",
            PersonField::Timezone => "Timezone",
            PersonField::Status => "Status",
        }
    }
}

/// How a column came to be imported as its field (or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnSource {
    /// Its header is a name HR systems use for the field.
    Recognised,
    /// The admin mapped it (now or at an earlier import).
    Remembered,
    /// Not imported: unknown header, a field another column already gives, or the admin's choice.
    NotImported,
}

/// One column of an uploaded people file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// Position in the file, from 0.
    pub index: u32,
    /// The header as written.
    pub header: String,
    pub field: Option<PersonField>,
    pub source: ColumnSource,
}

#[cfg(feature = "ssr")]
pub mod sync;

/// What an import does to one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    New,
    Updated,
    Unchanged,
    /// Deactivated: the file says they left, or (when asked) they are missing from it.
    Leaving,
    /// Nothing of the row is imported.
    Error,
}

impl RowKind {
    pub fn label(self) -> &'static str {
        match self {
            RowKind::New => "New",
            RowKind::Updated => "Updated",
            RowKind::Unchanged => "Unchanged",
            RowKind::Leaving => "Leaving",
            RowKind::Error => "Error",
        }
    }
}

/// One field an import changes: as stored, and as it will be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: PersonField,
    pub old: String,
    pub new: String,
}

/// A warning (the row is imported, this field is not) or an error (nothing of the row is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowNote {
    pub field: Option<PersonField>,
    pub message: String,
}

/// One row of the preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// The line a text editor shows (0 for someone missing from the file).
    pub line: i64,
    /// The row a spreadsheet shows, when it differs from `line`.
    pub sheet_row: Option<i64>,
    pub email: String,
    pub name: String,
    pub kind: RowKind,
    pub changes: Vec<FieldChange>,
    pub warnings: Vec<RowNote>,
    pub errors: Vec<RowNote>,
}

/// How many rows of each kind an import holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub new: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub leaving: u32,
    pub errors: u32,
    /// Rows with at least one warning (of any kind).
    pub warnings: u32,
    /// Active people in the directory that the file does not name.
    pub missing: u32,
}

/// A grade the file writes that is not a level number, and the level it maps to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeChoice {
    /// As written in the file (first spelling seen).
    pub grade: String,
    pub level: Option<i32>,
    /// Rows that carry it.
    pub rows: u32,
}

/// Which rows of the preview to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowFilter {
    /// Everything but unchanged rows.
    #[default]
    Changes,
    All,
    New,
    Updated,
    Unchanged,
    Leaving,
    Warnings,
    Errors,
}

/// The admin's choices for an uploaded file; sent with every preview page and with the apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportChoices {
    /// Columns mapped by the admin, by their header as written: a field, or `None` to leave
    /// the column out. Remembered for the next import when applied.
    pub columns: std::collections::BTreeMap<String, Option<PersonField>>,
    /// Grades mapped to levels (1–10), as written. Remembered when applied.
    pub grades: std::collections::BTreeMap<String, i32>,
    /// Blank cells clear the stored value (job title, department, manager, location, employee
    /// id); otherwise a blank cell leaves it as it is.
    pub clear_blank_cells: bool,
    /// Deactivate the active people the file does not name.
    pub deactivate_missing: bool,
}

/// What an upload would do, one page of rows at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub import_id: i64,
    pub file_name: String,
    pub encoding: String,
    pub separator: String,
    pub notices: Vec<String>,
    pub columns: Vec<ColumnInfo>,
    pub grades: Vec<GradeChoice>,
    pub counts: ImportCounts,
    pub filter: RowFilter,
    /// Rows passing the filter, and this page of them (`page` from 0, [`IMPORT_PAGE_SIZE`] each).
    pub matching: u32,
    pub page: u32,
    pub rows: Vec<PreviewRow>,
    /// Identifies what the preview shows; the apply refuses (409) when the directory or the
    /// file's reading has changed since.
    pub fingerprint: String,
}

/// Rows per preview page.
pub const IMPORT_PAGE_SIZE: u32 = 50;

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportApplied {
    pub created: u32,
    pub updated: u32,
    pub deactivated: u32,
    /// One-time links for the people created.
    pub invites: Vec<crate::accounts::InviteLink>,
}

/// A person as HR keeps them: what an import compares and an export writes, and what admins see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub employee_id: Option<String>,
    pub job_title: String,
    pub level: i32,
    pub department: String,
    pub manager_email: Option<String>,
    pub location: String,
    pub timezone: String,
    /// The person chose their timezone themselves: an import leaves it.
    pub timezone_chosen: bool,
    pub active: bool,
}

/// A text as an element id may carry it: lower-case letters and digits only.
pub fn sync_key(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}
