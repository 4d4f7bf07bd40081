//! One list of timezones for the whole app: the profile editor offers it, imports and profile
//! saves accept it. Old and merged names (US/Eastern, Asia/Calcutta, Europe/Kiev) become their
//! canonical IANA zone; the names of UTC (Etc/UTC, GMT, Zulu…) become `UTC`; abbreviations
//! (EST, CET, PST8PDT) are refused with a place to use instead, because some are fixed offsets
//! without daylight saving and none says where a person is.
//!
//! Source: the tz database's `backward` file (public domain), as shipped with the chrono-tz
//! release this build uses (tzdata 2025b), in `tz_backward`.

use std::collections::HashMap;
use std::sync::OnceLock;

const BACKWARD: &str = include_str!("tz_backward");

/// Names that all mean UTC (tz database `etcetera` and `backward`).
const UTC_NAMES: [&str; 14] = [
    "UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "Etc/GMT", "GMT", "Etc/GMT0", "GMT0",
    "Etc/Greenwich", "Greenwich",
];

/// Abbreviations people write for a zone, with the place to use instead.
const ABBREVIATIONS: [(&str, &str); 24] = [
    ("EST", "America/New_York"),
    ("EDT", "America/New_York"),
    ("EST5EDT", "America/New_York"),
    ("CST", "America/Chicago"),
    ("CDT", "America/Chicago"),
    ("CST6CDT", "America/Chicago"),
    ("MST", "America/Denver"),
    ("MDT", "America/Denver"),
    ("MST7MDT", "America/Denver"),
    ("PST", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("PST8PDT", "America/Los_Angeles"),
    ("HST", "Pacific/Honolulu"),
    ("CET", "Europe/Paris"),
    ("CEST", "Europe/Paris"),
    ("MET", "Europe/Paris"),
    ("EET", "Europe/Athens"),
    ("WET", "Europe/Lisbon"),
    ("BST", "Europe/London"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("KST", "Asia/Seoul"),
    ("AEST", "Australia/Sydney"),
    ("NZST", "Pacific/Auckland"),
];

/// Old name → current name, from `backward`. The links of its section "Pre-2013 practice, which
/// typically had a Zone per zone.tab line" are left out: those are countries' own zones merged
/// with a neighbour's data (Europe/Oslo, Africa/Accra), still listed in `zone.tab`, and a person
/// in Oslo should see Oslo.
fn links() -> &'static HashMap<&'static str, &'static str> {
    static LINKS: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    LINKS.get_or_init(|| {
        let mut country_zones = false;
        let mut out = HashMap::new();
        for line in BACKWARD.lines() {
            if line.starts_with("# Pre-2013 practice") {
                country_zones = true;
            } else if line.starts_with("# Non-zone.tab locations") {
                country_zones = false;
            }
            let mut parts = line.split_whitespace();
            if country_zones || parts.next() != Some("Link") {
                continue;
            }
            if let (Some(target), Some(name)) = (parts.next(), parts.next()) {
                out.insert(name, target);
            }
        }
        out
    })
}

/// Every name of the tz database by its lower-case spelling.
fn by_lower_case() -> &'static HashMap<String, &'static str> {
    static NAMES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| chrono_tz::TZ_VARIANTS.iter().map(|tz| (tz.name().to_ascii_lowercase(), tz.name())).collect())
}

/// The zones a person may choose, sorted: every current zone named for a place, and `UTC`.
pub fn choosable() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let links = links();
        let mut names: Vec<String> = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name())
            .filter(|n| n.contains('/') && !n.starts_with("Etc/") && !links.contains_key(n))
            .map(str::to_string)
            .chain(std::iter::once("UTC".to_string()))
            .collect();
        names.sort();
        names
    })
}

/// Whether `name` is exactly one of [`choosable`].
pub fn is_choosable(name: &str) -> bool {
    choosable().binary_search_by(|n| n.as_str().cmp(name)).is_ok()
}

/// The canonical zone for what someone wrote (any case): `Ok` with a name from [`choosable`],
/// or `Err` with a message for the person who wrote it.
pub fn canonical_timezone(written: &str) -> Result<String, String> {
    let written = written.trim();
    let known = by_lower_case().get(written.to_ascii_lowercase().as_str()).copied();
    if UTC_NAMES.iter().any(|n| n.eq_ignore_ascii_case(written)) {
        return Ok("UTC".into());
    }
    if let Some((abbreviation, place)) = ABBREVIATIONS.iter().find(|(a, _)| a.eq_ignore_ascii_case(written)) {
        return Err(format!(
            "“{abbreviation}” is an abbreviation, not a place, and may not follow daylight saving; use a place name such as {place}."
        ));
    }
    let Some(mut name) = known else {
        return Err(format!("“{written}” is not a known timezone (use a place name such as Europe/London)."));
    };
    let links = links();
    for _ in 0..4 {
        match links.get(name) {
            Some(target) => name = target,
            None => break,
        }
    }
    if UTC_NAMES.contains(&name) {
        return Ok("UTC".into());
    }
    if is_choosable(name) {
        Ok(name.to_string())
    } else if name.starts_with("Etc/") || !written.contains('/') {
        Err(format!("“{written}” is a fixed offset without daylight saving; use a place name such as Europe/London."))
    } else {
        Err(format!("“{written}” is not a known timezone (use a place name such as Europe/London)."))
    }
}

/// Every old name with its canonical zone, and the other names of UTC (for the migration that
/// normalises stored names, and its test).
pub fn aliases() -> Vec<(&'static str, String)> {
    let renamed = links().keys().filter_map(|name| canonical_timezone(name).ok().filter(|c| c != name).map(|c| (*name, c)));
    let utc = UTC_NAMES.iter().filter(|n| **n != "UTC").map(|n| (*n, "UTC".to_string()));
    let out: std::collections::BTreeMap<&'static str, String> = renamed.chain(utc).collect();
    out.into_iter().collect()
}

/// Abbreviations and the place each stands for (the migration replaces stored ones).
pub fn abbreviations() -> &'static [(&'static str, &'static str)] {
    &ABBREVIATIONS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_names_become_current_ones_and_utc_has_one_name() {
        for (written, canonical) in [
            ("US/Eastern", "America/New_York"),
            ("Asia/Calcutta", "Asia/Kolkata"),
            ("Europe/Kiev", "Europe/Kyiv"),
            ("europe/london", "Europe/London"),
            ("Etc/UTC", "UTC"),
            ("GMT", "UTC"),
            ("utc", "UTC"),
            ("Zulu", "UTC"),
            ("America/Indianapolis", "America/Indiana/Indianapolis"),
            ("Europe/Oslo", "Europe/Oslo"),
            ("Africa/Accra", "Africa/Accra"),
        ] {
            assert_eq!(canonical_timezone(written).as_deref(), Ok(canonical), "{written}");
        }
    }

    #[test]
    fn abbreviations_and_offsets_are_refused_with_a_place_to_use() {
        let est = canonical_timezone("EST").unwrap_err();
        assert!(est.contains("America/New_York") && est.contains("daylight saving"), "{est}");
        assert!(canonical_timezone("CET").unwrap_err().contains("Europe/Paris"));
        assert!(canonical_timezone("pst8pdt").unwrap_err().contains("America/Los_Angeles"));
        assert!(canonical_timezone("Etc/GMT+5").unwrap_err().contains("fixed offset"));
        assert!(canonical_timezone("Mars/Base").unwrap_err().contains("not a known timezone"));
    }

    #[test]
    fn the_list_holds_only_current_place_names_and_utc() {
        let names = choosable();
        assert!(names.len() > 300, "{}", names.len());
        assert!(is_choosable("UTC") && is_choosable("Europe/Kyiv") && is_choosable("America/New_York"));
        assert!(is_choosable("Europe/Oslo") && is_choosable("Europe/Copenhagen"), "countries' own zones stay");
        for old in ["US/Eastern", "Asia/Calcutta", "Europe/Kiev", "Etc/UTC", "GMT", "EST"] {
            assert!(!is_choosable(old), "{old} is offered");
        }
        // Everything offered is accepted as it is.
        for name in names {
            assert_eq!(canonical_timezone(name).as_deref(), Ok(name.as_str()));
        }
        assert!(aliases().iter().any(|(a, c)| *a == "US/Eastern" && c == "America/New_York"));
    }

    /// The migration that normalises stored names holds exactly this module's rules, on both
    /// databases.
    #[test]
    fn stored_timezone_aliases_are_normalised() {
        for migration in [include_str!("../../migrations/sqlite/0006_people_sync.sql"), include_str!("../../migrations/postgres/0006_people_sync.sql")] {
            let mut listed: Vec<(String, String)> = migration
                .lines()
                .filter_map(|l| {
                    let rest = l.trim().strip_prefix("WHEN '")?;
                    let (from, rest) = rest.split_once("' THEN '")?;
                    Some((from.to_string(), rest.strip_suffix('\'')?.to_string()))
                })
                .collect();
            listed.sort();
            let mut expected: Vec<(String, String)> = aliases().into_iter().map(|(a, c)| (a.to_string(), c)).collect();
            expected.extend(abbreviations().iter().map(|(a, p)| (a.to_string(), p.to_string())));
            expected.sort();
            expected.dedup();
            assert_eq!(listed, expected);
        }
    }
}
