//! What a people file would change in the directory, row by row, before anything is written:
//! the rules of a re-import (a file changes only what it says), of grades, timezones, managers
//! and people who leave. The same plan is shown as the preview and carried out by the apply.

use super::file::{FileRow, ReadFile};
use super::{FieldChange, GradeChoice, ImportChoices, ImportCounts, PersonField, PreviewRow, RowKind, RowNote};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A person as stored, with what an import compares.
pub use super::PersonRecord as StoredPerson;

/// A preview row and whom it writes (`None`: a new person).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    pub row: PreviewRow,
    pub person: Option<i64>,
}

/// The whole plan for a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The file's rows, then (when asked) the people missing from it, as leaving.
    pub rows: Vec<PlannedRow>,
    pub grades: Vec<GradeChoice>,
    pub counts: ImportCounts,
}

fn note(field: PersonField, message: String) -> RowNote {
    RowNote { field: Some(field), message }
}

/// The status words of HR systems for someone who has left, and for someone employed.
const LEFT: [&str; 10] = ["inactive", "terminated", "left", "leaver", "former", "deactivated", "withdrawn", "resigned", "retired", "ended"];
const EMPLOYED: [&str; 9] = ["active", "employed", "current", "onleave", "leave", "probation", "hired", "yes", "true"];

/// The most characters a text field keeps.
const TEXT_LIMIT: usize = 100;

/// A grade as compared: trimmed, lower case, inner spaces single.
pub fn grade_key(grade: &str) -> String {
    grade.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The value of a status cell: `Some(true)` employed, `Some(false)` left, `None` unknown.
pub fn employed(status: &str) -> Option<bool> {
    let key: String = status.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    if LEFT.contains(&key.as_str()) {
        Some(false)
    } else if EMPLOYED.contains(&key.as_str()) {
        Some(true)
    } else {
        None
    }
}

/// Plans `file` against the directory `stored`. `remembered_grades` are the levels mapped at
/// earlier imports (by [`grade_key`]); the admin's `choices` win over them. `importer` is never
/// planned as missing. `canonical_timezone` is the app's one timezone rule.
pub fn plan(
    file: &ReadFile,
    stored: &[StoredPerson],
    choices: &ImportChoices,
    remembered_grades: &BTreeMap<String, i32>,
    importer: i64,
    canonical_timezone: impl Fn(&str) -> Result<String, String>,
) -> Plan {
    let by_email: HashMap<&str, &StoredPerson> = stored.iter().map(|p| (p.email.as_str(), p)).collect();
    let by_employee_id: HashMap<&str, &StoredPerson> =
        stored.iter().filter_map(|p| Some((p.employee_id.as_deref()?, p))).collect();
    let mut grades_chosen: BTreeMap<String, i32> = remembered_grades.clone();
    grades_chosen.extend(choices.grades.iter().map(|(g, l)| (grade_key(g), *l)));
    let has_column = |f: PersonField| file.columns.iter().any(|c| c.field == Some(f));

    // First the people: who each row is, so managers can be found among the file's new people.
    let mut grades: Vec<GradeChoice> = Vec::new();
    let mut rows: Vec<PlannedRow> = Vec::new();
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut seen_ids: HashMap<String, i64> = HashMap::new();
    let mut named: HashSet<i64> = HashSet::new();
    let mut emails_in_file: HashSet<String> = HashSet::new();
    for file_row in &file.rows {
        let mut planned = plan_row(file_row, &by_email, &by_employee_id, &mut seen, choices, &grades_chosen, &mut grades, has_column(PersonField::Level), &canonical_timezone);
        if let Some(id) = file_row.cells.get(&PersonField::EmployeeId).filter(|v| !v.is_empty()) {
            if let Some(line) = seen_ids.insert(id.clone(), file_row.line) {
                planned.row.errors.push(note(PersonField::EmployeeId, format!("Employee ID {id} appears earlier in the file, on line {line}; this row is left out.")));
            }
        }
        if planned.person == Some(importer) && planned.row.changes.iter().any(|c| c.field == PersonField::Status && c.new == "left") {
            planned.row.errors.push(note(PersonField::Status, "This file would deactivate you; another admin can do that.".into()));
        }
        if let Some(id) = planned.person {
            named.insert(id);
        }
        // Only rows that will be written can supply a manager.
        if planned.row.errors.is_empty() {
            emails_in_file.insert(planned.row.email.clone());
        }
        rows.push(planned);
    }

    // Then the managers: each must be in the file or the directory, and no reporting loop.
    let mut manager_of: HashMap<String, String> =
        stored.iter().filter_map(|p| Some((p.email.clone(), p.manager_email.clone()?))).collect();
    for planned in rows.iter_mut() {
        let Some(pos) = planned.row.changes.iter().position(|c| c.field == PersonField::ManagerEmail) else { continue };
        let manager = planned.row.changes[pos].new.clone();
        if manager.is_empty() {
            manager_of.remove(&planned.row.email);
            continue;
        }
        let problem = if !emails_in_file.contains(&manager) && !by_email.contains_key(manager.as_str()) {
            Some(format!("No one with the email {manager} is in the file or the directory; the manager is left as it is."))
        } else if reaches(&manager_of, &manager, &planned.row.email) {
            Some("This manager would make a loop in the reporting lines; the manager is left as it is.".to_string())
        } else {
            None
        };
        match problem {
            Some(message) => {
                planned.row.changes.remove(pos);
                planned.row.warnings.push(RowNote { field: Some(PersonField::ManagerEmail), message });
            }
            None => {
                manager_of.insert(planned.row.email.clone(), manager);
            }
        }
    }
    for planned in rows.iter_mut() {
        planned.row.kind = kind_of(&planned.row, planned.person.is_some());
    }

    // People the file does not name.
    let mut counts = ImportCounts::default();
    for p in stored.iter().filter(|p| p.active && !named.contains(&p.id) && p.id != importer) {
        counts.missing += 1;
        if choices.deactivate_missing {
            rows.push(PlannedRow {
                row: PreviewRow {
                    line: 0,
                    sheet_row: None,
                    email: p.email.clone(),
                    name: p.name.clone(),
                    kind: RowKind::Leaving,
                    changes: vec![FieldChange { field: PersonField::Status, old: "active".into(), new: "left".into() }],
                    warnings: vec![RowNote { field: None, message: "Not in the file: deactivated, as asked.".into() }],
                    errors: Vec::new(),
                },
                person: Some(p.id),
            });
        }
    }
    for planned in &rows {
        match planned.row.kind {
            RowKind::New => counts.new += 1,
            RowKind::Updated => counts.updated += 1,
            RowKind::Unchanged => counts.unchanged += 1,
            RowKind::Leaving => counts.leaving += 1,
            RowKind::Error => counts.errors += 1,
        }
        if !planned.row.warnings.is_empty() {
            counts.warnings += 1;
        }
    }
    Plan { rows, grades, counts }
}

/// Whether following managers up from `from` reaches `target` (a loop if `target` reported to
/// `from`).
fn reaches(manager_of: &HashMap<String, String>, from: &str, target: &str) -> bool {
    let mut current = from;
    for _ in 0..=manager_of.len() {
        if current == target {
            return true;
        }
        match manager_of.get(current) {
            Some(next) => current = next,
            None => return false,
        }
    }
    // A loop above that does not pass `target`: refused all the same.
    true
}

fn kind_of(row: &PreviewRow, exists: bool) -> RowKind {
    if !row.errors.is_empty() {
        RowKind::Error
    } else if !exists {
        RowKind::New
    } else if row.changes.iter().any(|c| c.field == PersonField::Status && c.new == "left") {
        RowKind::Leaving
    } else if row.changes.is_empty() {
        RowKind::Unchanged
    } else {
        RowKind::Updated
    }
}

#[allow(clippy::too_many_arguments)]
fn plan_row(
    file_row: &FileRow,
    by_email: &HashMap<&str, &StoredPerson>,
    by_employee_id: &HashMap<&str, &StoredPerson>,
    seen: &mut HashMap<String, i64>,
    choices: &ImportChoices,
    grades_chosen: &BTreeMap<String, i32>,
    grades: &mut Vec<GradeChoice>,
    has_level_column: bool,
    canonical_timezone: &impl Fn(&str) -> Result<String, String>,
) -> PlannedRow {
    let cell = |f: PersonField| file_row.cells.get(&f).map(String::as_str);
    let mut warnings: Vec<RowNote> = file_row.notes.iter().map(|n| RowNote { field: None, message: n.clone() }).collect();
    let mut errors = Vec::new();

    let written_email = cell(PersonField::Email).unwrap_or("");
    let email = match crate::profiles::validate_email(written_email) {
        Ok(e) => e,
        Err(m) if written_email.is_empty() => {
            errors.push(note(PersonField::Email, "The email is missing.".into()));
            let _ = m;
            String::new()
        }
        Err(m) => {
            errors.push(note(PersonField::Email, format!("{written_email}: {m}")));
            written_email.to_lowercase()
        }
    };
    let employee_id = cell(PersonField::EmployeeId).filter(|v| !v.is_empty()).map(str::to_string);
    if employee_id.as_ref().is_some_and(|id| id.chars().count() > 64) {
        errors.push(note(PersonField::EmployeeId, "An employee ID has at most 64 characters.".into()));
    }
    // HR systems key people by employee ID; an email can change.
    let person = employee_id
        .as_deref()
        .and_then(|id| by_employee_id.get(id).copied())
        .or_else(|| by_email.get(email.as_str()).copied());
    if !email.is_empty() {
        if let Some(line) = seen.insert(email.clone(), file_row.line) {
            errors.push(note(PersonField::Email, format!("{email} appears earlier in the file, on line {line}; this row is left out.")));
        }
        if let Some(other) = by_email.get(email.as_str()).filter(|o| person.is_some_and(|p| p.id != o.id)) {
            errors.push(note(PersonField::Email, format!("{email} belongs to {} in the directory, who has another employee ID.", other.name)));
        }
    }
    if let (Some(id), Some(p)) = (&employee_id, person) {
        if let Some(other) = by_employee_id.get(id.as_str()).filter(|o| o.id != p.id) {
            errors.push(note(PersonField::EmployeeId, format!("Employee ID {id} belongs to {} in the directory.", other.name)));
        }
    }

    // The name: Name, or First Name and Last Name. For someone stored, both halves must be
    // given (a missing or blank half is not a shorter name); a new person takes what is there.
    let name = match cell(PersonField::Name).filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => {
            let halves = [cell(PersonField::FirstName), cell(PersonField::LastName)];
            let whole = halves.iter().all(|h| h.is_some_and(|v| !v.is_empty()));
            if whole || person.is_none() {
                halves.into_iter().flatten().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
            } else {
                String::new()
            }
        }
    };
    if name.chars().count() > TEXT_LIMIT {
        errors.push(note(PersonField::Name, format!("A name has at most {TEXT_LIMIT} characters.")));
    } else if name.is_empty() && person.is_none() {
        errors.push(note(PersonField::Name, "The name is missing.".into()));
    }

    // The level: a number, or a grade the admin mapped.
    let level = match cell(PersonField::Level).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match v.parse::<i32>() {
            Ok(l) if (1..=10).contains(&l) => Some(l),
            Ok(_) => {
                errors.push(note(PersonField::Level, format!("Level {v} is outside 1–10.")));
                None
            }
            Err(_) => {
                let key = grade_key(v);
                let chosen = grades_chosen.get(&key).copied().filter(|l| (1..=10).contains(l));
                match grades.iter_mut().find(|g| grade_key(&g.grade) == key) {
                    Some(g) => g.rows += 1,
                    None => grades.push(GradeChoice { grade: v.to_string(), level: chosen, rows: 1 }),
                }
                if chosen.is_none() {
                    warnings.push(RowNote {
                        field: Some(PersonField::Level),
                        message: format!("The grade “{v}” has no level yet: choose one under Grades, and the preview updates."),
                    });
                }
                chosen
            }
        },
    };
    if person.is_none() && level.is_none() && errors.is_empty() {
        let message = if has_level_column {
            "A new person needs a level (1–10, or a grade mapped to one)."
        } else {
            "A new person needs a level: the file has no level or grade column."
        };
        errors.push(note(PersonField::Level, message.into()));
    }

    let mut changes: Vec<FieldChange> = Vec::new();
    let mut change = |field: PersonField, old: &str, new: &str| {
        if old != new {
            changes.push(FieldChange { field, old: old.to_string(), new: new.to_string() });
        }
    };
    let blank = |f: PersonField| cell(f).is_some_and(str::is_empty);
    // A text field: its cell when there is one and it is not blank; a blank one clears only when asked.
    let text = |f: PersonField, errors: &mut Vec<RowNote>| -> Option<String> {
        let v = cell(f)?;
        if v.is_empty() {
            return choices.clear_blank_cells.then(String::new);
        }
        if v.chars().count() > TEXT_LIMIT {
            errors.push(RowNote { field: Some(f), message: format!("{} has at most {TEXT_LIMIT} characters.", f.label()) });
            return None;
        }
        Some(v.to_string())
    };
    let job_title = text(PersonField::JobTitle, &mut errors);
    let department = text(PersonField::Department, &mut errors);
    let location = text(PersonField::Location, &mut errors);

    let manager = match cell(PersonField::ManagerEmail) {
        None => None,
        Some("") => choices.clear_blank_cells.then(String::new),
        Some(m) => match crate::profiles::validate_email(m) {
            Ok(m) if m == email => {
                warnings.push(RowNote { field: Some(PersonField::ManagerEmail), message: "A person cannot be their own manager; the manager is left as it is.".into() });
                None
            }
            Ok(m) => Some(m),
            Err(why) => {
                warnings.push(RowNote { field: Some(PersonField::ManagerEmail), message: format!("{m}: {why} The manager is left as it is.") });
                None
            }
        },
    };

    let timezone = match cell(PersonField::Timezone).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match canonical_timezone(v) {
            Ok(tz) => match person {
                Some(p) if p.timezone_chosen && p.timezone != tz => {
                    warnings.push(RowNote {
                        field: Some(PersonField::Timezone),
                        message: format!("Keeps {}, which they chose themselves (the file says {tz}).", p.timezone),
                    });
                    None
                }
                _ => Some(tz),
            },
            Err(why) => {
                warnings.push(RowNote { field: Some(PersonField::Timezone), message: format!("{why} The timezone is left as it is.") });
                None
            }
        },
    };

    let status = match cell(PersonField::Status).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match employed(v) {
            Some(e) => Some(e),
            None => {
                warnings.push(RowNote { field: Some(PersonField::Status), message: format!("The status “{v}” is not one this import knows (active, inactive, terminated…); it is ignored.") });
                None
            }
        },
    };

    match person {
        Some(p) => {
            if !email.is_empty() && email != p.email {
                change(PersonField::Email, &p.email, &email);
            }
            if !name.is_empty() {
                change(PersonField::Name, &p.name, &name);
            }
            if let Some(id) = &employee_id {
                change(PersonField::EmployeeId, p.employee_id.as_deref().unwrap_or(""), id);
            } else if blank(PersonField::EmployeeId) && choices.clear_blank_cells {
                change(PersonField::EmployeeId, p.employee_id.as_deref().unwrap_or(""), "");
            }
            if let Some(v) = &job_title {
                change(PersonField::JobTitle, &p.job_title, v);
            }
            if let Some(l) = level {
                change(PersonField::Level, &p.level.to_string(), &l.to_string());
            }
            if let Some(v) = &department {
                change(PersonField::Department, &p.department, v);
            }
            if let Some(m) = &manager {
                change(PersonField::ManagerEmail, p.manager_email.as_deref().unwrap_or(""), m);
            }
            if let Some(v) = &location {
                change(PersonField::Location, &p.location, v);
            }
            if let Some(tz) = &timezone {
                change(PersonField::Timezone, &p.timezone, tz);
            }
            match status {
                Some(false) if p.active => change(PersonField::Status, "active", "left"),
                Some(true) if !p.active => change(PersonField::Status, "left", "active"),
                _ => {}
            }
        }
        None => {
            if status == Some(false) {
                errors.push(note(PersonField::Status, "This person has left and is not in the directory; nothing to import.".into()));
            }
            change(PersonField::Email, "", &email);
            change(PersonField::Name, "", &name);
            if let Some(id) = &employee_id {
                change(PersonField::EmployeeId, "", id);
            }
            change(PersonField::JobTitle, "", job_title.as_deref().unwrap_or(""));
            if let Some(l) = level {
                change(PersonField::Level, "", &l.to_string());
            }
            change(PersonField::Department, "", department.as_deref().unwrap_or(""));
            change(PersonField::ManagerEmail, "", manager.as_deref().unwrap_or(""));
            change(PersonField::Location, "", location.as_deref().unwrap_or(""));
            match &timezone {
                Some(tz) => change(PersonField::Timezone, "", tz),
                None => {
                    warnings.push(RowNote { field: Some(PersonField::Timezone), message: "No timezone: UTC until they choose theirs.".into() });
                    change(PersonField::Timezone, "", "UTC");
                }
            }
        }
    }
    let row = PreviewRow {
        line: file_row.line,
        sheet_row: (file_row.sheet_row != file_row.line).then_some(file_row.sheet_row),
        name: if name.is_empty() { person.map(|p| p.name.clone()).unwrap_or_default() } else { name },
        email,
        kind: RowKind::Unchanged,
        changes,
        warnings,
        errors,
    };
    PlannedRow { row, person: person.map(|p| p.id) }
}

#[cfg(test)]
mod tests {
    use super::super::file::read_file;
    use super::*;
    use PersonField::*;

    fn tz(v: &str) -> Result<String, String> {
        crate::people::timezones::canonical_timezone(v)
    }

    fn cmo() -> StoredPerson {
        StoredPerson {
            id: 1,
            email: "olena@corp.test".into(),
            name: "Olena K".into(),
            employee_id: None,
            job_title: "CMO".into(),
            level: 10,
            department: "Marketing".into(),
            manager_email: None,
            location: "Kyiv".into(),
            timezone: "Europe/Kyiv".into(),
            timezone_chosen: false,
            active: true,
        }
    }

    fn planned(csv: &str, stored: &[StoredPerson], choices: &ImportChoices) -> Plan {
        let file = read_file(csv.as_bytes(), &choices.columns.iter().map(|(h, f)| (super::super::file::header_key(h), *f)).collect(), 20_000).unwrap();
        plan(&file, stored, choices, &BTreeMap::new(), 99, tz)
    }

    #[test]
    fn a_partial_re_import_changes_only_what_the_file_says() {
        let p = planned("name,email,department\nOlena K,olena@corp.test,Brand\n", &[cmo()], &ImportChoices::default());
        let row = &p.rows[0].row;
        assert_eq!(row.kind, RowKind::Updated);
        assert_eq!(row.changes, vec![FieldChange { field: Department, old: "Marketing".into(), new: "Brand".into() }], "level, title, timezone, location stay");
        let blank = planned("name,email,job_title,level,location\nOlena K,olena@corp.test,,,\n", &[cmo()], &ImportChoices::default());
        assert_eq!(blank.rows[0].row.kind, RowKind::Unchanged, "blank cells change nothing");
        let clear = planned("name,email,job_title,location\nOlena K,olena@corp.test,,\n", &[cmo()], &ImportChoices { clear_blank_cells: true, ..Default::default() });
        let fields: Vec<PersonField> = clear.rows[0].row.changes.iter().map(|c| c.field).collect();
        assert_eq!(fields, vec![JobTitle, Location], "asked to, blank cells clear");
    }

    #[test]
    fn grades_need_a_level_once_and_new_people_need_a_level() {
        let csv = "Full Name,Work Email,Grade\nAda,ada@corp.test,Senior\nBo,bo@corp.test,senior\nCy,cy@corp.test,7\n";
        let p = planned(csv, &[], &ImportChoices::default());
        assert_eq!(p.grades, vec![GradeChoice { grade: "Senior".into(), level: None, rows: 2 }]);
        assert_eq!(p.rows[0].row.kind, RowKind::Error, "{:?}", p.rows[0].row);
        assert_eq!(p.rows[2].row.kind, RowKind::New);
        let mut choices = ImportChoices::default();
        choices.grades.insert("Senior".into(), 8);
        let p = planned(csv, &[], &choices);
        assert_eq!(p.counts.new, 3);
        assert!(p.rows[1].row.changes.contains(&FieldChange { field: Level, old: "".into(), new: "8".into() }));
        let no_level = planned("name,email\nDee,dee@corp.test\n", &[], &ImportChoices::default());
        assert!(no_level.rows[0].row.errors[0].message.contains("no level or grade column"));
    }

    #[test]
    fn first_and_last_names_join_and_duplicates_are_refused() {
        let p = planned("First Name,Last Name,E-mail,Level\nAda,Lovelace,ada@corp.test,3\nAda,Again,ADA@corp.test,3\n", &[], &ImportChoices::default());
        assert_eq!(p.rows[0].row.name, "Ada Lovelace");
        assert_eq!(p.rows[1].row.kind, RowKind::Error);
        assert!(p.rows[1].row.errors[0].message.contains("earlier in the file, on line 2"));
    }

    #[test]
    fn timezones_people_chose_and_bad_ones_are_kept_with_a_warning() {
        let mut chosen = cmo();
        chosen.timezone_chosen = true;
        let p = planned("name,email,tz\nOlena K,olena@corp.test,Europe/London\n", &[chosen], &ImportChoices::default());
        assert_eq!(p.rows[0].row.kind, RowKind::Unchanged);
        assert!(p.rows[0].row.warnings[0].message.contains("chose themselves"));
        let p = planned("name,email,tz\nOlena K,olena@corp.test,EST\n", &[cmo()], &ImportChoices::default());
        assert!(p.rows[0].row.warnings[0].message.contains("America/New_York"));
        let p = planned("name,email,tz\nOlena K,olena@corp.test,US/Eastern\n", &[cmo()], &ImportChoices::default());
        assert_eq!(p.rows[0].row.changes[0].new, "America/New_York");
    }

    #[test]
    fn managers_must_exist_and_make_no_loop() {
        let mut boss = cmo();
        boss.manager_email = None;
        let mut report = cmo();
        report.id = 2;
        report.email = "rep@corp.test".into();
        report.manager_email = Some("olena@corp.test".into());
        let csv = "name,email,manager email\nOlena K,olena@corp.test,rep@corp.test\nNew Hire,new@corp.test,ghost@corp.test\n";
        let p = planned(&csv.replace("New Hire,new@corp.test", "New Hire,new@corp.test"), &[boss, report], &ImportChoices { grades: BTreeMap::new(), ..Default::default() });
        assert!(p.rows[0].row.warnings[0].message.contains("loop"), "{:?}", p.rows[0].row);
        assert!(p.rows[0].row.changes.is_empty());
        assert!(p.rows[1].row.errors.iter().any(|e| e.field == Some(Level)), "a new person still needs a level");
        let p = planned("name,email,level,manager\nA,a@corp.test,2,b@corp.test\nB,b@corp.test,5,\n", &[], &ImportChoices::default());
        assert!(!p.rows[0].row.warnings.iter().any(|w| w.field == Some(ManagerEmail)), "a manager later in the file is found: {:?}", p.rows[0].row.warnings);
        assert!(p.rows[0].row.changes.iter().any(|c| c.field == ManagerEmail && c.new == "b@corp.test"));
    }

    #[test]
    fn leavers_by_status_or_by_absence() {
        let mut other = cmo();
        other.id = 2;
        other.email = "gone@corp.test".into();
        let p = planned("name,email,status\nOlena K,olena@corp.test,Terminated\n", &[cmo(), other.clone()], &ImportChoices::default());
        assert_eq!(p.rows[0].row.kind, RowKind::Leaving);
        assert_eq!((p.counts.missing, p.rows.len()), (1, 1), "missing people are counted, not deactivated");
        let p = planned("name,email\nOlena K,olena@corp.test\n", &[cmo(), other], &ImportChoices { deactivate_missing: true, ..Default::default() });
        assert_eq!(p.rows.len(), 2);
        assert_eq!((p.rows[1].row.kind, p.rows[1].row.email.as_str()), (RowKind::Leaving, "gone@corp.test"));
    }

    #[test]
    fn half_a_name_changes_no_stored_name_and_ids_and_the_importer_are_guarded() {
        let p = planned("first name,last name,email\nOlena,,olena@corp.test\n", &[cmo()], &ImportChoices::default());
        assert_eq!(p.rows[0].row.kind, RowKind::Unchanged, "{:?}", p.rows[0].row);
        let p = planned("first name,email,level\nNew,new@corp.test,3\n", &[], &ImportChoices::default());
        assert_eq!(p.rows[0].row.name, "New", "a new person takes what is there");
        let p = planned("employee id,name,email,level\nE1,A,a@corp.test,3\nE1,B,b@corp.test,3\n", &[], &ImportChoices::default());
        assert!(p.rows[1].row.errors[0].message.contains("Employee ID E1 appears earlier"));
        let file = read_file(b"name,email,status\nOlena K,olena@corp.test,left\n", &BTreeMap::new(), 10).unwrap();
        let p = plan(&file, &[cmo()], &ImportChoices::default(), &BTreeMap::new(), 1, tz);
        assert_eq!(p.rows[0].row.kind, RowKind::Error, "an admin's file cannot deactivate the admin");
        // A manager named only on a row in error is not found.
        let p = planned("name,email,level,manager\nA,a@corp.test,3,bad@corp.test\nBad,bad@corp.test,eleven,\n", &[], &ImportChoices::default());
        assert!(p.rows[0].row.warnings.iter().any(|w| w.field == Some(ManagerEmail)), "{:?}", p.rows[0].row);
    }

    #[test]
    fn an_employee_id_follows_a_changed_email() {
        let mut p1 = cmo();
        p1.employee_id = Some("E-1".into());
        let p = planned("employee id,name,email\nE-1,Olena K,olena.k@corp.test\n", &[p1], &ImportChoices::default());
        assert_eq!(p.rows[0].person, Some(1));
        assert_eq!(p.rows[0].row.changes, vec![FieldChange { field: Email, old: "olena@corp.test".into(), new: "olena.k@corp.test".into() }]);
    }
}
