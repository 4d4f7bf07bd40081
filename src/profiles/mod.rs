//! Employee profiles: what someone can teach, wants to learn, when they are free.
//! The types and their validation are shared: the browser checks as you type, the server decides.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod ui;

use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};

pub const MIN_LEVEL: i32 = 1;
pub const MAX_LEVEL: i32 = 10;
pub const MAX_BIO: usize = 1000;
pub const MAX_SKILLS: usize = 30;
pub const MAX_SLOTS: usize = 21;

/// Seniority from 1 (entry) to 10 (executive); the label shown beside each number.
pub fn level_label(level: i32) -> &'static str {
    match level {
        1 => "1 · Entry",
        2 => "2 · Junior",
        3 => "3 · Intermediate",
        4 => "4 · Experienced",
        5 => "5 · Senior",
        6 => "6 · Lead",
        7 => "7 · Manager",
        8 => "8 · Senior manager",
        9 => "9 · Director",
        10 => "10 · Executive",
        _ => "Unknown",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MeetingFormat {
    Remote,
    InPerson,
    #[default]
    Either,
}

stored_as_text!(MeetingFormat { Remote = "remote", InPerson = "in_person", Either = "either" });

impl MeetingFormat {
    pub fn label(self) -> &'static str {
        match self {
            MeetingFormat::Remote => "Remote",
            MeetingFormat::InPerson => "In person",
            MeetingFormat::Either => "Either",
        }
    }
}

/// Which list a skill belongs to on a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkillKind {
    /// Can teach, with a level 1–5.
    Teach,
    /// Wants to learn, with a priority 1 (nice to have) – 3 (top priority).
    Learn,
    /// A professional hobby or expertise outside the job, with a level 1–5.
    Hobby,
}

stored_as_text!(SkillKind { Teach = "teach", Learn = "learn", Hobby = "hobby" });

impl SkillKind {
    /// The `ProfileInput` field holding this list; error messages are keyed by it.
    pub fn field(self) -> &'static str {
        match self {
            SkillKind::Teach => "teach",
            SkillKind::Learn => "learn",
            SkillKind::Hobby => "hobbies",
        }
    }
    /// Highest value of the level (or priority) scale for this kind.
    pub fn max_level(self) -> i32 {
        match self {
            SkillKind::Learn => 3,
            _ => 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillEntry {
    pub skill: String,
    pub level: i32,
}

pub const WEEKDAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// A weekly free slot in the person's own timezone; minutes from midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub weekday: i32,
    pub start: i32,
    pub end: i32,
}

pub fn format_minutes(m: i32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// "HH:MM" → minutes from midnight.
pub fn parse_minutes(s: &str) -> Option<i32> {
    let (h, m) = s.trim().split_once(':')?;
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

/// A whole profile as shown on profile pages and loaded into the editor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: crate::accounts::Role,
    pub job_title: String,
    pub level: i32,
    pub department: String,
    pub manager_id: Option<i64>,
    pub manager_name: Option<String>,
    pub manager_email: Option<String>,
    pub location: String,
    pub timezone: String,
    pub languages: Vec<String>,
    pub teach: Vec<SkillEntry>,
    pub learn: Vec<SkillEntry>,
    pub hobbies: Vec<SkillEntry>,
    pub availability: Vec<Slot>,
    pub format: MeetingFormat,
    pub bio: String,
}

/// What the profile editor sends. Strings stay as typed so a refused save loses nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileInput {
    pub name: String,
    pub job_title: String,
    pub level: i32,
    pub department: String,
    pub manager_email: String,
    pub location: String,
    pub timezone: String,
    /// Comma-separated, as typed.
    pub languages: String,
    pub teach: Vec<SkillEntry>,
    pub learn: Vec<SkillEntry>,
    pub hobbies: Vec<SkillEntry>,
    pub availability: Vec<Slot>,
    pub format: MeetingFormat,
    pub bio: String,
}

impl From<&Profile> for ProfileInput {
    fn from(p: &Profile) -> Self {
        ProfileInput {
            name: p.name.clone(),
            job_title: p.job_title.clone(),
            level: p.level,
            department: p.department.clone(),
            manager_email: p.manager_email.clone().unwrap_or_default(),
            location: p.location.clone(),
            timezone: p.timezone.clone(),
            languages: p.languages.join(", "),
            teach: p.teach.clone(),
            learn: p.learn.clone(),
            hobbies: p.hobbies.clone(),
            availability: p.availability.clone(),
            format: p.format,
            bio: p.bio.clone(),
        }
    }
}

/// A profile that passed every rule: trimmed, de-duplicated, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidProfile {
    pub name: String,
    pub job_title: String,
    pub level: i32,
    pub department: String,
    pub manager_email: Option<String>,
    pub location: String,
    pub timezone: String,
    pub languages: Vec<String>,
    pub teach: Vec<SkillEntry>,
    pub learn: Vec<SkillEntry>,
    pub hobbies: Vec<SkillEntry>,
    pub availability: Vec<Slot>,
    pub format: MeetingFormat,
    pub bio: String,
}

fn required_text(errors: &mut FieldErrors, field: &str, label: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, format!("{label} is required."));
    } else if v.chars().count() > max {
        errors.add(field, format!("{label} must be at most {max} characters."));
    }
    v.to_string()
}

fn optional_text(errors: &mut FieldErrors, field: &str, label: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.add(field, format!("{label} must be at most {max} characters."));
    }
    v.to_string()
}

/// A plausible email: one `@`, something before it, a dot in the domain, no spaces.
pub fn validate_email(raw: &str) -> Result<String, String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err("Email is required.".into());
    }
    if email.len() > 254 {
        return Err("Email must be at most 254 characters.".into());
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err("Enter an email address like name@company.com.".into())
    }
}

/// A skill name as stored in the vocabulary: trimmed, inner spaces collapsed.
pub fn normalise_skill(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The distinct names among `items` (normalised with [`normalise_skill`], compared without
/// case, empty ones dropped), in order; `None` as soon as there are more than `max`, without
/// reading the rest, so a list of 150,000 items costs what one of `max + 1` does.
pub fn distinct_names<'a>(items: impl IntoIterator<Item = &'a str>, max: usize) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for raw in items {
        let name = normalise_skill(raw);
        if name.is_empty() || out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            continue;
        }
        if out.len() == max {
            return None;
        }
        out.push(name);
    }
    Some(out)
}

fn validate_skills(errors: &mut FieldErrors, kind: SkillKind, entries: &[SkillEntry]) -> Vec<SkillEntry> {
    let field = kind.field();
    // Counted before anything else: each entry is compared with the ones before it.
    if entries.len() > MAX_SKILLS {
        errors.add(field, format!("At most {MAX_SKILLS} entries."));
        return Vec::new();
    }
    let mut out: Vec<SkillEntry> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let name = normalise_skill(&e.skill);
        if name.is_empty() {
            errors.add(format!("{field}.{i}.skill"), "Name the skill, or remove the row.");
            continue;
        }
        if name.chars().count() > 60 {
            errors.add(format!("{field}.{i}.skill"), "A skill name must be at most 60 characters.");
            continue;
        }
        let max = kind.max_level();
        if !(1..=max).contains(&e.level) {
            let what = if kind == SkillKind::Learn { "Priority" } else { "Level" };
            errors.add(format!("{field}.{i}.level"), format!("{what} must be between 1 and {max}."));
            continue;
        }
        if out.iter().any(|o| o.skill.to_lowercase() == name.to_lowercase()) {
            errors.add(format!("{field}.{i}.skill"), format!("“{name}” is listed twice."));
            continue;
        }
        out.push(SkillEntry { skill: name, level: e.level });
    }
    out
}

impl ProfileInput {
    /// Checks every field. `timezone` gives the stored name for what was written, or the
    /// message to show (the server passes [`crate::people::timezones::canonical_timezone`]; the
    /// browser accepts the names of its list).
    pub fn validate(&self, canonical_timezone: impl Fn(&str) -> Result<String, String>) -> Result<ValidProfile, AppError> {
        let mut errors = FieldErrors::new();
        let name = required_text(&mut errors, "name", "Name", &self.name, 100);
        let job_title = required_text(&mut errors, "job_title", "Job title", &self.job_title, 100);
        if !(MIN_LEVEL..=MAX_LEVEL).contains(&self.level) {
            errors.add("level", format!("Choose a level between {MIN_LEVEL} and {MAX_LEVEL}."));
        }
        let department = required_text(&mut errors, "department", "Department", &self.department, 100);
        let manager_email = if self.manager_email.trim().is_empty() {
            None
        } else {
            match validate_email(&self.manager_email) {
                Ok(e) => Some(e),
                Err(msg) => {
                    errors.add("manager_email", msg);
                    None
                }
            }
        };
        let location = optional_text(&mut errors, "location", "Location", &self.location, 100);
        let written = self.timezone.trim();
        let timezone = if written.is_empty() {
            errors.add("timezone", "Choose your timezone.");
            String::new()
        } else {
            canonical_timezone(written).unwrap_or_else(|message| {
                errors.add("timezone", message);
                String::new()
            })
        };
        let languages = distinct_names(self.languages.split(','), 10).unwrap_or_else(|| {
            errors.add("languages", "At most 10 languages.");
            Vec::new()
        });
        if languages.iter().any(|lang| lang.chars().count() > 40) {
            errors.add("languages", "Each language must be at most 40 characters.");
        } else if languages.is_empty() && errors.get("languages").is_none() {
            errors.add("languages", "Name at least one language you can mentor in.");
        }
        let teach = validate_skills(&mut errors, SkillKind::Teach, &self.teach);
        let learn = validate_skills(&mut errors, SkillKind::Learn, &self.learn);
        let hobbies = validate_skills(&mut errors, SkillKind::Hobby, &self.hobbies);
        let too_many_slots = self.availability.len() > MAX_SLOTS;
        if too_many_slots {
            errors.add("availability", format!("At most {MAX_SLOTS} weekly slots."));
        }
        let mut availability = Vec::new();
        // Each slot is compared with the ones before it: not read at all when there are too many.
        for (i, s) in self.availability.iter().enumerate().take(if too_many_slots { 0 } else { MAX_SLOTS }) {
            if !(0..7).contains(&s.weekday) {
                errors.add(format!("availability.{i}.weekday"), "Choose a day of the week.");
            } else if !(0..=24 * 60).contains(&s.start) || !(0..=24 * 60).contains(&s.end) {
                errors.add(format!("availability.{i}.start"), "Enter times between 00:00 and 24:00.");
            } else if s.end <= s.start {
                errors.add(format!("availability.{i}.end"), "The end must be after the start.");
            } else if s.end - s.start < 15 {
                errors.add(format!("availability.{i}.end"), "A slot must last at least 15 minutes.");
            } else if availability
                .iter()
                .any(|o: &Slot| o.weekday == s.weekday && o.start < s.end && s.start < o.end)
            {
                errors.add(format!("availability.{i}.start"), "This slot overlaps another one on the same day.");
            } else {
                availability.push(*s);
            }
        }
        availability.sort_by_key(|s| (s.weekday, s.start));
        let bio = optional_text(&mut errors, "bio", "Bio", &self.bio, MAX_BIO);
        errors.into_result(ValidProfile {
            name,
            job_title,
            level: self.level,
            department,
            manager_email,
            location,
            timezone,
            languages,
            teach,
            learn,
            hobbies,
            availability,
            format: self.format,
            bio,
        })
    }
}

/// One row of the people directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonCard {
    pub id: i64,
    pub name: String,
    pub job_title: String,
    pub level: i32,
    pub department: String,
    pub location: String,
    pub teach: Vec<String>,
}

/// Directory filters, as they appear in the page's query string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DirectoryQuery {
    pub q: String,
    pub department: String,
    pub skill: String,
    /// 0 = any level.
    pub level: i32,
    pub page: i32,
}

/// One page of the directory (24 people by name) and how many match in all. The
/// departments for the filter come from their own call (`directory/departments`), read once
/// per page rather than with every search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DirectoryPage {
    pub people: Vec<PersonCard>,
    pub total: i64,
    pub page: i32,
    pub page_size: i32,
}

/// What the profile editor needs besides the profile itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    pub profile: Profile,
    /// Job title, level, department and manager come from HR (an import wrote them): shown
    /// read-only, and kept as they are when the profile is saved.
    pub from_hr: bool,
    pub timezones: Vec<String>,
    pub vocabulary: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_names_stop_at_the_limit_and_fold_case() {
        assert_eq!(distinct_names(" English , english, French,,".split(','), 10), Some(vec!["English".to_string(), "French".to_string()]));
        assert_eq!(distinct_names("a,b,c".split(','), 2), None);
        assert_eq!(distinct_names("a,b,A,b".split(','), 2), Some(vec!["a".to_string(), "b".to_string()]), "repeats do not count");
        let many = (0..150_000).map(|i| format!("L{i}")).collect::<Vec<_>>().join(",");
        assert_eq!(distinct_names(many.split(','), 10), None);
    }

    fn valid_input() -> ProfileInput {
        ProfileInput {
            name: "  Ada Lovelace ".into(),
            job_title: "Data analyst".into(),
            level: 2,
            department: "Finance".into(),
            manager_email: "Boss@Example.com".into(),
            location: "London".into(),
            timezone: "Europe/London".into(),
            languages: "English, French, english".into(),
            teach: vec![SkillEntry { skill: " Power  BI ".into(), level: 4 }],
            learn: vec![SkillEntry { skill: "Negotiation".into(), level: 3 }],
            hobbies: vec![SkillEntry { skill: "Photography".into(), level: 5 }],
            availability: vec![Slot { weekday: 2, start: 12 * 60, end: 13 * 60 }],
            format: MeetingFormat::Remote,
            bio: "Two years in.".into(),
        }
    }

    fn any_tz(tz: &str) -> Result<String, String> {
        Ok(tz.to_string())
    }

    #[test]
    fn a_valid_profile_is_trimmed_and_normalised() {
        let v = valid_input().validate(any_tz).unwrap();
        assert_eq!(v.name, "Ada Lovelace");
        assert_eq!(v.manager_email.as_deref(), Some("boss@example.com"));
        assert_eq!(v.languages, vec!["English", "French"]);
        assert_eq!(v.teach[0].skill, "Power BI");
    }

    #[test]
    fn every_bad_field_is_reported_at_its_own_name() {
        let mut input = valid_input();
        input.name = " ".into();
        input.level = 11;
        input.manager_email = "not-an-email".into();
        input.timezone = "Mars/Olympus".into();
        input.languages = " , ".into();
        input.teach.push(SkillEntry { skill: "power bi".into(), level: 3 });
        input.learn[0].level = 4;
        input.hobbies.push(SkillEntry { skill: "".into(), level: 1 });
        input.availability.push(Slot { weekday: 2, start: 12 * 60 + 30, end: 14 * 60 });
        input.availability.push(Slot { weekday: 3, start: 10 * 60, end: 9 * 60 });
        input.bio = "x".repeat(MAX_BIO + 1);
        let errs = input.validate(|tz| if tz == "Europe/London" { Ok(tz.into()) } else { Err("unknown".into()) }).unwrap_err().field_errors();
        for field in [
            "name", "level", "manager_email", "timezone", "languages", "teach.1.skill",
            "learn.0.level", "hobbies.1.skill", "availability.1.start", "availability.2.end", "bio",
        ] {
            assert!(errs.get(field).is_some(), "expected an error for {field}: {errs:?}");
        }
        assert!(errs.get("job_title").is_none());
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(validate_email(" A@B.co ").unwrap(), "a@b.co");
        for bad in ["", "a", "a@b", "@b.co", "a@b.co,c@d.co", "a b@c.co", "a@.co"] {
            assert!(validate_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn times_parse_and_format() {
        assert_eq!(parse_minutes("09:30"), Some(570));
        assert_eq!(parse_minutes("24:00"), Some(1440));
        assert_eq!(parse_minutes("24:01"), None);
        assert_eq!(parse_minutes("9"), None);
        assert_eq!(format_minutes(570), "09:30");
    }
}
