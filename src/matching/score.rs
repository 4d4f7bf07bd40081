//! Scoring one mentor–mentee pair: each criterion in [0, 1] with a reason a person can read,
//! and the hard rules with the one that failed.

use super::model::{Criterion, Direction, Participant, PersonId, Rules, WeeklySlot, Weights};
use super::Map;

/// A participant turned into the compact form scoring needs: skills, languages and
/// interests become small integers, so a pair is scored with integer compares.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub id: PersonId,
    pub level: i32,
    pub department: u32,
    pub chain: Vec<PersonId>,
    pub tz: i32,
    pub languages: Vec<u32>,
    pub offers: Vec<(u32, u8)>,
    pub wants: Vec<(u32, u8)>,
    pub want_weight: f64,
    /// 1 / (5 × want_weight): skill points (priority × level out of 5) to the skills score.
    pub skill_scale: f64,
    pub interests: Vec<u32>,
    pub availability: Vec<WeeklySlot>,
    pub prefers: Vec<PersonId>,
    pub avoids: Vec<PersonId>,
}

/// The figures of one person that scoring reads for every pair, packed together so a row of
/// thousands of pairs reads them from one small array.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Figures {
    pub level: i32,
    pub department: u32,
    pub tz: i32,
    pub interests: u32,
    pub skill_scale: f64,
}

impl Prepared {
    pub fn figures(&self) -> Figures {
        Figures {
            level: self.level,
            department: self.department,
            tz: self.tz,
            interests: self.interests.len() as u32,
            skill_scale: self.skill_scale,
        }
    }
}

/// Interns strings (case-insensitively) to small integers shared by both sides of a run.
#[derive(Default)]
pub(crate) struct Interner {
    map: Map<String, u32>,
    pub names: Vec<String>,
    key: String,
}

impl Interner {
    pub fn id(&mut self, s: &str) -> u32 {
        let s = s.trim();
        // Lower-cased into a kept buffer, so looking up a known word allocates nothing.
        self.key.clear();
        if s.is_ascii() {
            self.key.push_str(s);
            self.key.make_ascii_lowercase();
        } else {
            self.key.push_str(&s.to_lowercase());
        }
        if let Some(&id) = self.map.get(self.key.as_str()) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.to_string());
        self.map.insert(self.key.clone(), id);
        id
    }
}

pub(crate) fn prepare(p: &Participant, words: &mut Interner, departments: &mut Interner) -> Prepared {
    let sorted = |items: &mut dyn Iterator<Item = u32>| {
        let mut v: Vec<u32> = items.collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let languages = sorted(&mut p.languages.iter().map(|l| words.id(l)));
    let interests = sorted(&mut p.interests.iter().map(|l| words.id(l)));
    let mut offers: Vec<(u32, u8)> = p.offers.iter().map(|(s, l)| (words.id(s), (*l).clamp(1, 5))).collect();
    offers.sort_unstable();
    offers.dedup_by_key(|o| o.0);
    let mut wants: Vec<(u32, u8)> = p.wants.iter().map(|(s, l)| (words.id(s), (*l).clamp(1, 3))).collect();
    wants.sort_unstable();
    wants.dedup_by_key(|o| o.0);
    let want_weight = wants.iter().map(|w| w.1 as f64).sum();
    let mut prefers = p.prefers.clone();
    prefers.sort_unstable();
    let mut avoids = p.avoids.clone();
    avoids.sort_unstable();
    let mut availability = p.availability.clone();
    availability.sort_by_key(|s| s.start);
    Prepared {
        id: p.id,
        level: p.level,
        department: departments.id(&p.department),
        chain: p.manager_chain.clone(),
        tz: p.utc_offset_minutes,
        languages,
        offers,
        wants,
        want_weight,
        skill_scale: if want_weight > 0.0 { 1.0 / (5.0 * want_weight) } else { 0.0 },
        interests,
        availability,
        prefers,
        avoids,
    }
}

fn count_common(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Minutes per week both are free (availability is in UTC already).
pub(crate) fn overlap_minutes(a: &[WeeklySlot], b: &[WeeklySlot]) -> i32 {
    let mut total = 0;
    for x in a {
        for y in b {
            let lo = x.start.max(y.start);
            let hi = x.end.min(y.end);
            if hi > lo {
                total += hi - lo;
            }
        }
    }
    total
}

/// The level gap in the programme's direction (positive is the wanted way).
pub(crate) fn directed_gap(direction: Direction, mentor: &Prepared, mentee: &Prepared) -> i32 {
    level_gap(direction, mentor.level, mentee.level)
}

#[inline]
fn level_gap(direction: Direction, mentor: i32, mentee: i32) -> i32 {
    match direction {
        Direction::MentorJunior => mentee - mentor,
        Direction::MentorSenior => mentor - mentee,
        Direction::Peers => -(mentee - mentor).abs(),
    }
}

/// Weekly overlap that counts as fully enough.
const GOOD_OVERLAP_MINUTES: f64 = 120.0;

/// Seniority: the gap in the programme's direction, saturating at 6 levels; for peers,
/// closeness of level.
#[inline]
fn seniority_score(direction: Direction, gap: i32, level_difference: i32) -> f64 {
    match direction {
        Direction::Peers => 1.0 - (level_difference.abs() as f64 / 4.0).min(1.0),
        _ => (gap as f64 * (1.0 / 6.0)).clamp(0.0, 1.0),
    }
}

/// Schedule: half timezone closeness (12 hours apart counts 0), half weekly overlap
/// (`None`: someone gave no availability, counted as 0.5).
#[inline]
fn schedule_score(tz_minutes: i32, overlap_minutes: Option<i32>) -> f64 {
    let tz = 1.0 - (tz_minutes as f64 * (1.0 / 720.0)).min(1.0);
    let avail = match overlap_minutes {
        None => 0.5,
        Some(m) => (m as f64 * (1.0 / GOOD_OVERLAP_MINUTES)).min(1.0),
    };
    0.5 * tz + 0.5 * avail
}

/// Shared interests: Jaccard similarity.
#[inline]
fn interest_score(common: usize, total: usize) -> f64 {
    if common == 0 {
        0.0
    } else {
        common as f64 / (total - common) as f64
    }
}

/// Whether one manages the other within the rule's number of levels.
#[inline]
fn in_reporting_line(rules: &Rules, m: &Prepared, e: &Prepared) -> bool {
    rules.reporting_chain_levels.is_some_and(|levels| {
        let n = levels as usize;
        e.chain.iter().take(n).any(|&id| id == m.id) || m.chain.iter().take(n).any(|&id| id == e.id)
    })
}

/// Whether either asked not to be paired with the other (and the rule respects that).
#[inline]
fn avoided(rules: &Rules, m: &Prepared, e: &Prepared) -> bool {
    rules.respect_avoids
        && ((!m.avoids.is_empty() && m.avoids.binary_search(&e.id).is_ok())
            || (!e.avoids.is_empty() && e.avoids.binary_search(&m.id).is_ok()))
}

/// Wishes: half for each side that asked for the other.
#[inline]
fn wish_score(m: &Prepared, e: &Prepared) -> f64 {
    if m.prefers.is_empty() && e.prefers.is_empty() {
        return 0.0;
    }
    0.5 * (e.prefers.binary_search(&m.id).is_ok() as u8 as f64) + 0.5 * (m.prefers.binary_search(&e.id).is_ok() as u8 as f64)
}

/// The names two sorted word lists share, for explanations.
fn shared_names<'a>(words: &'a Interner, a: &[u32], b: &[u32]) -> Vec<&'a str> {
    a.iter().filter(|x| b.binary_search(x).is_ok()).map(|x| words.names[*x as usize].as_str()).collect()
}

#[inline]
fn gap_allowed(rules: &Rules, gap: i32) -> bool {
    match rules.min_level_gap {
        None => true,
        Some(needed) => match rules.direction {
            Direction::Peers => -gap <= needed,
            _ => gap >= needed,
        },
    }
}

#[inline]
fn timezones_allowed(rules: &Rules, tz_minutes: i32) -> bool {
    rules.max_timezone_hours.is_none_or(|max| tz_minutes as f64 <= max * 60.0 + 1e-9)
}

/// An empty range of `i32`.
const NONE_OF_I32: (i32, i32) = (1, 0);

/// `lo..=hi` of `i64` as a range of `i32` (the values an `i32` can take in it).
fn i32_range(lo: i64, hi: i64) -> (i32, i32) {
    if lo > hi || hi < i32::MIN as i64 || lo > i32::MAX as i64 {
        return NONE_OF_I32;
    }
    (lo.max(i32::MIN as i64) as i32, hi.min(i32::MAX as i64) as i32)
}

/// The mentor levels [`gap_allowed`] lets pair with a mentee at `mentee` level.
fn level_range(rules: &Rules, mentee: i32) -> (i32, i32) {
    let (e, any) = (mentee as i64, (i32::MIN as i64, i32::MAX as i64));
    let (lo, hi) = match rules.min_level_gap.map(i64::from) {
        None => any,
        Some(needed) => match rules.direction {
            // The mentor at least `needed` below the mentee.
            Direction::MentorJunior => (any.0, e - needed),
            Direction::MentorSenior => (e + needed, any.1),
            // At most `needed` apart either way.
            Direction::Peers => (e - needed, e + needed),
        },
    };
    i32_range(lo, hi)
}

/// The mentor timezones [`timezones_allowed`] lets pair with a mentee at `mentee` (a whole
/// number of minutes is within `max` exactly when it is within `max`'s whole part).
fn zone_range(rules: &Rules, mentee: i32) -> (i32, i32) {
    match rules.max_timezone_hours {
        None => (i32::MIN, i32::MAX),
        Some(max) => {
            let limit = (max * 60.0 + 1e-9).floor();
            if !(limit >= 0.0) {
                return NONE_OF_I32;
            }
            // Saturates for limits past i64's range, which every difference is within.
            let limit = limit as i64;
            i32_range((mentee as i64).saturating_sub(limit), (mentee as i64).saturating_add(limit))
        }
    }
}

/// Whether a pair's weighted score is worth forming at all: above 0 and at least the
/// programme's minimum score. (Without branches, for the row loops.)
#[inline(always)]
pub(crate) fn acceptable(score: f64, min_score: f64) -> bool {
    (score > 0.0) & (score >= min_score)
}

/// The solver's value from criterion scores: the weighted sum if positive and at least the
/// minimum score, else 0.
#[inline]
fn solver_value(rules: &Rules, w: &[f64; 7], c: [f64; 7]) -> f64 {
    let s = weighted_sum(w, &c);
    if acceptable(s, rules.min_score) {
        s
    } else {
        0.0
    }
}

/// Every criterion's score for the pair, in [`Criterion::ALL`] order.
pub(crate) fn criteria(direction: Direction, m: &Prepared, e: &Prepared) -> [f64; 7] {
    // Skills: each wanted skill counts by its priority, met by the mentor's level in it
    // (integer points, so every way of scoring a pair gives the same number).
    let skills = if e.want_weight > 0.0 {
        let mut points = 0u32;
        let mut j = 0;
        for &(skill, priority) in &e.wants {
            while j < m.offers.len() && m.offers[j].0 < skill {
                j += 1;
            }
            if j < m.offers.len() && m.offers[j].0 == skill {
                points += priority as u32 * m.offers[j].1 as u32;
            }
        }
        skill_score(points, e)
    } else {
        0.0
    };
    let seniority = seniority_score(direction, directed_gap(direction, m, e), m.level - e.level);
    let cross = if m.department != e.department { 1.0 } else { 0.0 };
    let overlap = (!m.availability.is_empty() && !e.availability.is_empty())
        .then(|| overlap_minutes(&m.availability, &e.availability));
    let schedule = schedule_score((m.tz - e.tz).abs(), overlap);
    let language = if count_common(&m.languages, &e.languages) > 0 { 1.0 } else { 0.0 };
    let interests =
        interest_score(count_common(&m.interests, &e.interests), m.interests.len() + e.interests.len());
    let wishes = wish_score(m, e);
    [skills, seniority, cross, schedule, language, interests, wishes]
}

/// The weighted mean of the criteria, in [0, 1].
pub fn combine(weights: &Weights, c: &[f64; 7]) -> f64 {
    let total = weights.sum();
    if total <= 0.0 {
        return 0.0;
    }
    weights.0.iter().zip(c).map(|(w, s)| w * s).sum::<f64>() / total
}

/// Why a pair may not be formed at all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RuleBreak {
    LevelGap { gap: i32, needed: i32 },
    ReportingChain { levels: u32 },
    NoCommonLanguage,
    Timezone { hours: i32, max: i32 },
    Avoided,
    Forbidden,
}

impl RuleBreak {
    pub fn describe(&self, direction: Direction) -> String {
        match self {
            RuleBreak::LevelGap { gap, needed } => match direction {
                Direction::MentorJunior => format!(
                    "the mentor must be at least {needed} level{} below the mentee (the gap is {gap})",
                    if *needed == 1 { "" } else { "s" }
                ),
                Direction::MentorSenior => format!(
                    "the mentor must be at least {needed} level{} above the mentee (the gap is {gap})",
                    if *needed == 1 { "" } else { "s" }
                ),
                Direction::Peers => format!(
                    "peers may be at most {needed} level{} apart (they are {})",
                    if *needed == 1 { "" } else { "s" },
                    -gap
                ),
            },
            RuleBreak::ReportingChain { levels } => {
                format!("one is in the other's reporting line (within {levels} level{})", if *levels == 1 { "" } else { "s" })
            }
            RuleBreak::NoCommonLanguage => "they share no language".into(),
            RuleBreak::Timezone { hours, max } => format!("their timezones are {hours} hours apart (at most {max} allowed)"),
            RuleBreak::Avoided => "one asked not to be paired with the other".into(),
            RuleBreak::Forbidden => "the admin forbade this pair".into(),
        }
    }
}

/// The first hard rule the pair breaks, if any. Forbidden pairs are checked by the caller.
pub(crate) fn check_rules(rules: &Rules, m: &Prepared, e: &Prepared) -> Option<RuleBreak> {
    let gap = directed_gap(rules.direction, m, e);
    if !gap_allowed(rules, gap) {
        return Some(RuleBreak::LevelGap { gap, needed: rules.min_level_gap.unwrap_or(0) });
    }
    if let Some(levels) = rules.reporting_chain_levels.filter(|_| in_reporting_line(rules, m, e)) {
        return Some(RuleBreak::ReportingChain { levels });
    }
    if rules.require_common_language && count_common(&m.languages, &e.languages) == 0 {
        return Some(RuleBreak::NoCommonLanguage);
    }
    let minutes = (m.tz - e.tz).abs();
    if !timezones_allowed(rules, minutes) {
        let max = rules.max_timezone_hours.unwrap_or(0.0);
        return Some(RuleBreak::Timezone { hours: (minutes + 30) / 60, max: max.round() as i32 });
    }
    if avoided(rules, m, e) {
        return Some(RuleBreak::Avoided);
    }
    None
}

/// Strongest first: by weighted score, then in criterion order.
pub(crate) fn reason_order(weights: &Weights, a: (Criterion, f64), b: (Criterion, f64)) -> std::cmp::Ordering {
    let wa = a.1 * weights.get(a.0);
    let wb = b.1 * weights.get(b.0);
    wb.partial_cmp(&wa).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(&b.0))
}

/// A sentence for each criterion score of a pair, in criterion order: they depend on the two
/// people and the direction only, not on the weights.
pub(crate) fn reason_texts(direction: Direction, words: &Interner, m: &Prepared, e: &Prepared, c: &[f64; 7]) -> Vec<(Criterion, f64, String)> {
    let mut out = Vec::with_capacity(Criterion::ALL.len());
    for crit in Criterion::ALL {
        let s = c[crit.index()];
        let text = match crit {
            Criterion::Skills => {
                let met: Vec<String> = e
                    .wants
                    .iter()
                    .filter_map(|(skill, _)| {
                        m.offers.iter().find(|o| o.0 == *skill).map(|o| format!("{} (level {})", words.names[*skill as usize], o.1))
                    })
                    .collect();
                if met.is_empty() {
                    "the mentor offers none of the skills the mentee wants".to_string()
                } else {
                    format!("the mentor can teach {}", met.join(", "))
                }
            }
            Criterion::Seniority => {
                let gap = directed_gap(direction, m, e);
                match direction {
                    Direction::MentorJunior => format!("the mentor is {gap} level{} junior to the mentee", if gap.abs() == 1 { "" } else { "s" }),
                    Direction::MentorSenior => format!("the mentor is {gap} level{} senior to the mentee", if gap.abs() == 1 { "" } else { "s" }),
                    Direction::Peers => format!("their levels differ by {}", -gap),
                }
            }
            Criterion::CrossDepartment => {
                if s > 0.0 { "they work in different departments".into() } else { "they work in the same department".into() }
            }
            Criterion::Schedule => {
                let hours = (m.tz - e.tz).abs() as f64 / 60.0;
                let overlap = overlap_minutes(&m.availability, &e.availability);
                format!("{hours:.1} hours apart; {overlap} minutes a week when both are free")
            }
            Criterion::Language => match shared_names(words, &m.languages, &e.languages) {
                common if common.is_empty() => "no shared language".into(),
                common => format!("both speak {}", common.join(", ")),
            },
            Criterion::Interests => match shared_names(words, &m.interests, &e.interests) {
                common if common.is_empty() => "no shared interests".into(),
                common => format!("both are into {}", common.join(", ")),
            },
            Criterion::Wishes => match (e.prefers.contains(&m.id), m.prefers.contains(&e.id)) {
                (true, true) => "each asked for the other".into(),
                (true, false) => "the mentee asked for this mentor".into(),
                (false, true) => "the mentor asked for this mentee".into(),
                (false, false) => "neither asked for the other".into(),
            },
        };
        out.push((crit, s, text));
    }
    out
}

/// One mentee's wants, languages and interests as dense lookup tables over the run's words,
/// so scoring them against thousands of mentors costs a few array reads per mentor.
pub(crate) struct MenteeTable {
    want: Vec<u8>,
    speaks: Vec<bool>,
    likes: Vec<bool>,
}

impl MenteeTable {
    pub fn new(e: &Prepared, words: usize) -> MenteeTable {
        let mut t = MenteeTable { want: vec![0; words], speaks: vec![false; words], likes: vec![false; words] };
        for &(s, p) in &e.wants {
            t.want[s as usize] = p;
        }
        for &l in &e.languages {
            t.speaks[l as usize] = true;
        }
        for &i in &e.interests {
            t.likes[i as usize] = true;
        }
        t
    }
}

/// What scoring a pair needs beyond each person's own figures, in six bytes: skill points
/// (Σ priority × level over the skills the mentee wants and the mentor offers), weekly minutes
/// both are free (capped where it counts as enough; [`NO_AVAILABILITY`] when someone gave
/// none), shared interests, and flags for a shared language and for who asked for whom. The
/// engine keeps one per pair, so a weight change re-scores a pool without re-reading profiles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PairCode {
    pub skill_points: u16,
    pub overlap: u8,
    pub common_interests: u8,
    pub flags: u8,
}

pub(crate) const NO_AVAILABILITY: u8 = u8::MAX;
const SHARES_LANGUAGE: u8 = 1;
const MENTEE_ASKED: u8 = 2;
const MENTOR_ASKED: u8 = 4;

/// The pair's [`PairCode`], through the mentee's lookup table.
#[inline]
pub(crate) fn pair_code(t: &MenteeTable, m: &Prepared, e: &Prepared) -> PairCode {
    let mut points = 0u32;
    for &(skill, level) in &m.offers {
        points += t.want[skill as usize] as u32 * level as u32;
    }
    let overlap = if m.availability.is_empty() || e.availability.is_empty() {
        NO_AVAILABILITY
    } else {
        overlap_minutes(&m.availability, &e.availability).clamp(0, GOOD_OVERLAP_MINUTES as i32) as u8
    };
    let common = m.interests.iter().filter(|&&i| t.likes[i as usize]).count();
    let mut flags = 0;
    if m.languages.iter().any(|&l| t.speaks[l as usize]) {
        flags |= SHARES_LANGUAGE;
    }
    if !e.prefers.is_empty() && e.prefers.binary_search(&m.id).is_ok() {
        flags |= MENTEE_ASKED;
    }
    if !m.prefers.is_empty() && m.prefers.binary_search(&e.id).is_ok() {
        flags |= MENTOR_ASKED;
    }
    PairCode {
        skill_points: points.min(u16::MAX as u32) as u16,
        overlap,
        common_interests: common.min(u8::MAX as usize) as u8,
        flags,
    }
}

/// The mentors indexed by what they offer, speak and like, and their availability laid end to
/// end, so that one mentee's codes with every mentor are built by walking the mentee's own
/// short lists: each wanted skill adds its points to the mentors offering it, each interest and
/// language marks the mentors sharing it. The same codes as [`pair_code`], with no per-pair
/// search through either person's lists.
pub(crate) struct Postings {
    mentors: usize,
    /// By word: (mentor, level) for a skill offered; mentors for a language or an interest.
    offered: Vec<Vec<(u32, u8)>>,
    spoken: Vec<Vec<u32>>,
    liked: Vec<Vec<u32>>,
    /// Mentor m's weekly slots are `slots[slot_from[m]..slot_from[m + 1]]`.
    slot_from: Vec<u32>,
    slots: Vec<WeeklySlot>,
    /// The same slots by place in each mentor's list (`[place][mentor]`, empty places (0, 0),
    /// which overlap nothing), when no mentor has more than [`SLOT_PLACES`] and every bound is
    /// within [`SLOT_BOUND`]: then a row's overlaps are a few passes over flat arrays of 16-bit
    /// minutes, eight to an instruction.
    slot_places: Option<Vec<(Vec<i16>, Vec<i16>)>>,
    /// Each mentor's level and timezone, for the rules.
    level: Vec<i32>,
    tz: Vec<i32>,
    /// By mentee: the mentors they asked for, and the mentors who asked for them.
    asks: Vec<Vec<u32>>,
    asked_by: Vec<Vec<u32>>,
    /// By mentee: (mentor, place in the chain) for mentors in the mentee's reporting chain,
    /// and for mentors with the mentee in theirs.
    chain: Vec<Vec<(u32, u32)>>,
    chained_by: Vec<Vec<(u32, u32)>>,
    /// By mentee: the mentors they avoid, and the mentors who avoid them.
    avoids: Vec<Vec<u32>>,
    avoided_by: Vec<Vec<u32>>,
}

/// The most weekly slots per mentor laid out by place (see [`Postings`]).
const SLOT_PLACES: usize = 4;
/// Slot bounds within this of 0 (a week is 10,080 minutes) take the 16-bit overlap pass: the
/// difference of two is then within an `i16`.
const SLOT_BOUND: i32 = 16_000;

fn slot_fits(y: &WeeklySlot) -> bool {
    (-SLOT_BOUND..=SLOT_BOUND).contains(&y.start) && (-SLOT_BOUND..=SLOT_BOUND).contains(&y.end)
}

impl Postings {
    pub fn new(mentors: &[Prepared], mentees: &[Prepared], words: usize) -> Postings {
        let mut offered = vec![Vec::new(); words];
        let mut spoken = vec![Vec::new(); words];
        let mut liked = vec![Vec::new(); words];
        let mut slot_from = vec![0u32];
        let mut slots = Vec::new();
        for (m, p) in mentors.iter().enumerate() {
            for &(skill, level) in &p.offers {
                offered[skill as usize].push((m as u32, level));
            }
            for &l in &p.languages {
                spoken[l as usize].push(m as u32);
            }
            for &i in &p.interests {
                liked[i as usize].push(m as u32);
            }
            slots.extend_from_slice(&p.availability);
            slot_from.push(slots.len() as u32);
        }
        let slot_places = mentors.iter().all(|p| p.availability.len() <= SLOT_PLACES && p.availability.iter().all(slot_fits)).then(|| {
            (0..SLOT_PLACES)
                .map(|place| {
                    let at = |p: &Prepared| p.availability.get(place).copied().unwrap_or(WeeklySlot { start: 0, end: 0 });
                    (mentors.iter().map(|p| at(p).start as i16).collect(), mentors.iter().map(|p| at(p).end as i16).collect())
                })
                .collect()
        });
        let mentor_at: Map<PersonId, u32> = mentors.iter().enumerate().map(|(i, p)| (p.id, i as u32)).collect();
        let mentee_at: Map<PersonId, usize> = mentees.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let known = |ids: &[PersonId]| -> Vec<u32> { ids.iter().filter_map(|id| mentor_at.get(id).copied()).collect() };
        // Mentors in a mentee's chain, at the first place each appears.
        let in_chain = |ids: &[PersonId]| -> Vec<(u32, u32)> {
            let mut out: Vec<(u32, u32)> = Vec::new();
            for (place, id) in ids.iter().enumerate() {
                if let Some(&m) = mentor_at.get(id) {
                    if !out.iter().any(|&(x, _)| x == m) {
                        out.push((m, place as u32));
                    }
                }
            }
            out
        };
        let (mut asked_by, mut chained_by, mut avoided_by) =
            (vec![Vec::new(); mentees.len()], vec![Vec::new(); mentees.len()], vec![Vec::new(); mentees.len()]);
        for (m, p) in mentors.iter().enumerate() {
            for id in &p.prefers {
                if let Some(&e) = mentee_at.get(id) {
                    asked_by[e].push(m as u32);
                }
            }
            for id in &p.avoids {
                if let Some(&e) = mentee_at.get(id) {
                    avoided_by[e].push(m as u32);
                }
            }
            for (place, id) in p.chain.iter().enumerate() {
                if let Some(&e) = mentee_at.get(id) {
                    let list: &mut Vec<(u32, u32)> = &mut chained_by[e];
                    if !list.iter().any(|&(x, _)| x == m as u32) {
                        list.push((m as u32, place as u32));
                    }
                }
            }
        }
        Postings {
            mentors: mentors.len(),
            offered,
            spoken,
            liked,
            slot_from,
            slots,
            slot_places,
            level: mentors.iter().map(|p| p.level).collect(),
            tz: mentors.iter().map(|p| p.tz).collect(),
            asks: mentees.iter().map(|e| known(&e.prefers)).collect(),
            asked_by,
            chain: mentees.iter().map(|e| in_chain(&e.chain)).collect(),
            chained_by,
            avoids: mentees.iter().map(|e| known(&e.avoids)).collect(),
            avoided_by,
        }
    }

    /// Whether mentee `e` and each mentor keep every hard rule ([`table_allowed`]), into `out`,
    /// given the row's codes (for the shared language).
    pub fn allowed_row(&self, rules: &Rules, e: usize, mentee: &Prepared, codes: &[PairCode], out: &mut [bool]) {
        // Each rule as a range of the mentor's figure, so a pair is a few flat comparisons.
        let (levels, zones) = (level_range(rules, mentee.level), zone_range(rules, mentee.tz));
        let language = rules.require_common_language;
        for (((ok, code), &level), &tz) in out.iter_mut().zip(codes).zip(&self.level).zip(&self.tz) {
            *ok = (levels.0 <= level)
                & (level <= levels.1)
                & (zones.0 <= tz)
                & (tz <= zones.1)
                & (!language | (code.flags & SHARES_LANGUAGE != 0));
        }
        if let Some(levels) = rules.reporting_chain_levels {
            for &(m, place) in self.chain[e].iter().chain(&self.chained_by[e]) {
                if place < levels {
                    out[m as usize] = false;
                }
            }
        }
        if rules.respect_avoids {
            for &m in self.avoids[e].iter().chain(&self.avoided_by[e]) {
                out[m as usize] = false;
            }
        }
    }

    /// Mentee `e`'s code with every mentor, into `out` (one per mentor).
    pub fn row(&self, e: usize, mentee: &Prepared, out: &mut [PairCode]) {
        debug_assert_eq!(out.len(), self.mentors);
        // Sums of non-negative parts: saturating as they go is capping at the end.
        for &(skill, priority) in &mentee.wants {
            for &(m, level) in &self.offered[skill as usize] {
                let c = &mut out[m as usize];
                c.skill_points = c.skill_points.saturating_add(priority as u16 * level as u16);
            }
        }
        for &i in &mentee.interests {
            for &m in &self.liked[i as usize] {
                let c = &mut out[m as usize];
                c.common_interests = c.common_interests.saturating_add(1);
            }
        }
        for &l in &mentee.languages {
            for &m in &self.spoken[l as usize] {
                out[m as usize].flags |= SHARES_LANGUAGE;
            }
        }
        for &m in &self.asks[e] {
            out[m as usize].flags |= MENTEE_ASKED;
        }
        for &m in &self.asked_by[e] {
            out[m as usize].flags |= MENTOR_ASKED;
        }
        let has_slots = |m: usize| self.slot_from[m + 1] > self.slot_from[m];
        if mentee.availability.is_empty() {
            out.iter_mut().for_each(|c| c.overlap = NO_AVAILABILITY);
        } else if let Some(places) = self.slot_places.as_ref().filter(|_| mentee.availability.iter().all(slot_fits)) {
            // Σ max(0, min(ends) − max(starts)) over both people's slots, as `overlap_minutes`;
            // saturating at 32,767 changes nothing once capped at GOOD_OVERLAP_MINUTES.
            let mut total = vec![0i16; self.mentors];
            for y in &mentee.availability {
                let (y_start, y_end) = (y.start as i16, y.end as i16);
                for (starts, ends) in places {
                    for ((t, &start), &end) in total.iter_mut().zip(starts).zip(ends) {
                        *t = t.saturating_add((end.min(y_end) - start.max(y_start)).max(0));
                    }
                }
            }
            for (m, (c, t)) in out.iter_mut().zip(total).enumerate() {
                c.overlap = if has_slots(m) { t.clamp(0, GOOD_OVERLAP_MINUTES as i16) as u8 } else { NO_AVAILABILITY };
            }
        } else {
            for (m, c) in out.iter_mut().enumerate() {
                let theirs = &self.slots[self.slot_from[m] as usize..self.slot_from[m + 1] as usize];
                c.overlap = if has_slots(m) {
                    overlap_minutes(theirs, &mentee.availability).clamp(0, GOOD_OVERLAP_MINUTES as i32) as u8
                } else {
                    NO_AVAILABILITY
                };
            }
        }
    }
}

/// Every criterion from a pair's code and the two people's own figures: [`criteria`]'s values
/// (up to rounding in the last place).
#[inline]
pub(crate) fn code_criteria(direction: Direction, code: PairCode, m: &Figures, e: &Figures) -> [f64; 7] {
    let overlap = (code.overlap != NO_AVAILABILITY).then_some(code.overlap as i32);
    let wishes = 0.5 * ((code.flags & MENTEE_ASKED != 0) as u8 as f64) + 0.5 * ((code.flags & MENTOR_ASKED != 0) as u8 as f64);
    [
        code.skill_points as f64 * e.skill_scale,
        seniority_score(direction, level_gap(direction, m.level, e.level), m.level - e.level),
        if m.department != e.department { 1.0 } else { 0.0 },
        schedule_score((m.tz - e.tz).abs(), overlap),
        if code.flags & SHARES_LANGUAGE != 0 { 1.0 } else { 0.0 },
        interest_score(code.common_interests as usize, (m.interests + e.interests) as usize),
        wishes,
    ]
}

/// Each person's figures as positions in the run's distinct levels and timezones, so that for
/// given weights every weighted criterion a pair needs beyond its [`PairCode`] is a read from a
/// small table (see [`Weighted`]).
pub(crate) struct Axes {
    levels: Vec<i32>,
    /// Distinct timezone offsets.
    zones: usize,
    /// The distinct differences between two offsets, and the position of each pair's in it
    /// (`[mentee zone × zones + mentor zone]`).
    gaps: Vec<i32>,
    gap_of: Vec<u16>,
    pub mentors: Vec<Spot>,
    pub mentees: Vec<Spot>,
}

/// One person's figures, as [`Axes`] places them.
#[derive(Clone, Copy)]
pub(crate) struct Spot {
    level: u32,
    zone: u32,
    department: u32,
    interests: u32,
    skill_scale: f64,
}

/// Past these many distinct levels or timezones the tables would cost more than they save.
const MAX_AXIS: usize = 256;
/// Overlap codes: minutes 0..=120, then one for "someone gave no availability".
const OVERLAPS: usize = GOOD_OVERLAP_MINUTES as usize + 2;
/// Interest totals (both people's counts) kept in the table.
const INTEREST_TOTALS: usize = 32;

impl Axes {
    /// `None` when the pool has too many distinct levels or timezones for tables to pay.
    pub fn new(mentors: &[Prepared], mentees: &[Prepared]) -> Option<Axes> {
        let distinct = |f: fn(&Prepared) -> i32| {
            let mut v: Vec<i32> = mentors.iter().chain(mentees).map(f).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let levels = distinct(|p| p.level);
        let zones = distinct(|p| p.tz);
        if levels.len() > MAX_AXIS || zones.len() > MAX_AXIS {
            return None;
        }
        let mut gaps: Vec<i32> = zones.iter().flat_map(|a| zones.iter().map(move |b| (a - b).abs())).collect();
        gaps.sort_unstable();
        gaps.dedup();
        let gap_of = zones
            .iter()
            .flat_map(|e| zones.iter().map(move |m| (m - e).abs()))
            .map(|g| gaps.binary_search(&g).expect("every difference is listed") as u16)
            .collect();
        let place = |p: &Prepared| Spot {
            level: levels.binary_search(&p.level).expect("every level is listed") as u32,
            zone: zones.binary_search(&p.tz).expect("every zone is listed") as u32,
            department: p.department,
            interests: p.interests.len() as u32,
            skill_scale: p.skill_scale,
        };
        Some(Axes {
            mentors: mentors.iter().map(place).collect(),
            mentees: mentees.iter().map(place).collect(),
            zones: zones.len(),
            levels,
            gaps,
            gap_of,
        })
    }
}

/// Every criterion's weighted value for one run's weights, tabled over the few inputs it
/// depends on. A pair's score is then a handful of reads and the same six additions, in the
/// same order, of the same products as the weighted sum over [`code_criteria`]: the two give
/// the same number to the last bit.
pub(crate) struct Weighted<'a> {
    axes: &'a Axes,
    w: [f64; 7],
    /// `[mentee level × levels + mentor level]`.
    seniority: Vec<f64>,
    /// `[gap × OVERLAPS + overlap]`.
    schedule: Vec<f64>,
    department: [f64; 2],
    language: [f64; 2],
    /// `[common × INTEREST_TOTALS + total]`.
    interest: Vec<f64>,
    wish: [f64; 4],
}

impl<'a> Weighted<'a> {
    /// `w` holds the weights divided by their sum.
    pub fn new(direction: Direction, w: &[f64; 7], axes: &'a Axes) -> Weighted<'a> {
        let levels = &axes.levels;
        let seniority = levels
            .iter()
            .flat_map(|&e| levels.iter().map(move |&m| w[1] * seniority_score(direction, level_gap(direction, m, e), m - e)))
            .collect();
        let schedule = axes
            .gaps
            .iter()
            .flat_map(|&g| {
                (0..OVERLAPS).map(move |o| w[3] * schedule_score(g, (o < OVERLAPS - 1).then_some(o as i32)))
            })
            .collect();
        let interest = (0..INTEREST_TOTALS)
            .flat_map(|c| (0..INTEREST_TOTALS).map(move |t| if c <= t { w[5] * interest_score(c, t) } else { 0.0 }))
            .collect();
        let asked = |i: usize| 0.5 * ((i & 1) as f64) + 0.5 * ((i >> 1) as f64);
        Weighted {
            axes,
            w: *w,
            seniority,
            schedule,
            department: [w[2] * 0.0, w[2] * 1.0],
            language: [w[4] * 0.0, w[4] * 1.0],
            interest,
            wish: [0, 1, 2, 3].map(|i| w[6] * asked(i)),
        }
    }

    /// Mentee `e`'s score with every mentor, into `out` (by mentor), from the row's codes.
    pub fn row(&self, e: usize, codes: &[PairCode], out: &mut [f64]) {
        let a = self.axes;
        let me = a.mentees[e];
        let levels = a.levels.len();
        let seniority = &self.seniority[me.level as usize * levels..(me.level as usize + 1) * levels];
        let gap_of = &a.gap_of[me.zone as usize * a.zones..(me.zone as usize + 1) * a.zones];
        for ((x, code), them) in out.iter_mut().zip(codes).zip(&a.mentors) {
            let total = (them.interests + me.interests) as usize;
            let common = code.common_interests as usize;
            let interest = if total < INTEREST_TOTALS {
                self.interest[common * INTEREST_TOTALS + total]
            } else {
                self.w[5] * interest_score(common, total)
            };
            *x = self.w[0] * (code.skill_points as f64 * me.skill_scale)
                + seniority[them.level as usize]
                + self.department[(them.department != me.department) as usize]
                + self.schedule[gap_of[them.zone as usize] as usize * OVERLAPS + (code.overlap as usize).min(OVERLAPS - 1)]
                + self.language[(code.flags & SHARES_LANGUAGE) as usize]
                + interest
                + self.wish[((code.flags >> 1) & 3) as usize];
        }
    }
}

/// The weights divided by their sum (all 0 when they sum to 0): a pair's score is then seven
/// multiply-adds.
pub(crate) fn unit_weights(weights: &Weights) -> [f64; 7] {
    let total = weights.sum();
    if total > 0.0 {
        weights.0.map(|x| x / total)
    } else {
        [0.0; 7]
    }
}

/// A pair's weighted score from its code (`w` holds the weights divided by their sum).
#[inline]
pub(crate) fn code_score(direction: Direction, w: &[f64; 7], code: PairCode, m: &Figures, e: &Figures) -> f64 {
    weighted_sum(w, &code_criteria(direction, code, m, e))
}

/// Σ w·c in criterion order: the one sum every scoring path makes (and [`Weighted`] mirrors).
#[inline]
fn weighted_sum(w: &[f64; 7], c: &[f64; 7]) -> f64 {
    w[0] * c[0] + w[1] * c[1] + w[2] * c[2] + w[3] * c[3] + w[4] * c[4] + w[5] * c[5] + w[6] * c[6]
}

/// [`criteria`] through the mentee's lookup table.
#[inline]
pub(crate) fn table_criteria(direction: Direction, t: &MenteeTable, m: &Prepared, e: &Prepared) -> [f64; 7] {
    code_criteria(direction, pair_code(t, m, e), &m.figures(), &e.figures())
}

/// Whether the pair keeps every hard rule ([`check_rules`] finds nothing), through the table.
#[inline]
pub(crate) fn table_allowed(rules: &Rules, t: &MenteeTable, m: &Prepared, e: &Prepared) -> bool {
    gap_allowed(rules, directed_gap(rules.direction, m, e))
        && !in_reporting_line(rules, m, e)
        && (!rules.require_common_language || m.languages.iter().any(|&l| t.speaks[l as usize]))
        && timezones_allowed(rules, (m.tz - e.tz).abs())
        && !avoided(rules, m, e)
}

impl PairCode {
    pub fn shares_language(&self) -> bool {
        self.flags & SHARES_LANGUAGE != 0
    }
}

/// The solver's value of a pair — the weighted score, or 0 when a rule rules it out or it is
/// below the minimum. `w` holds the weights divided by their sum.
pub(crate) fn pair_value(rules: &Rules, w: &[f64; 7], t: &MenteeTable, m: &Prepared, e: &Prepared) -> f64 {
    if !table_allowed(rules, t, m, e) {
        return 0.0;
    }
    solver_value(rules, w, table_criteria(rules.direction, t, m, e))
}

/// The skills criterion from skill points (Σ priority × level, each level out of 5).
#[inline]
fn skill_score(points: u32, e: &Prepared) -> f64 {
    points as f64 * e.skill_scale
}

/// A mentor packed into one small block (no pointers), so a scan over tens of thousands of
/// mentors stays in cache. People with reporting lines, wishes, or longer lists than fit are
/// marked `slow` and scored through [`pair_value`].
#[derive(Clone, Copy)]
pub(crate) struct Compact {
    id: PersonId,
    level: i32,
    tz: i32,
    department: u32,
    n_offers: u8,
    offers: [(u16, u8); 6],
    n_languages: u8,
    languages: [u16; 4],
    n_interests: u8,
    interests: [u16; 6],
    n_slots: u8,
    slots: [(i32, i32); 4],
    pub slow: bool,
}

impl Compact {
    pub fn new(m: &Prepared) -> Compact {
        let fits = m.offers.len() <= 6
            && m.languages.len() <= 4
            && m.interests.len() <= 6
            && m.availability.len() <= 4
            && m.chain.is_empty()
            && m.avoids.is_empty()
            && m.prefers.is_empty()
            && m.offers.iter().all(|o| o.0 < u16::MAX as u32)
            && m.languages.iter().chain(&m.interests).all(|&x| x < u16::MAX as u32);
        let mut c = Compact {
            id: m.id,
            level: m.level,
            tz: m.tz,
            department: m.department,
            n_offers: 0,
            offers: [(0, 0); 6],
            n_languages: 0,
            languages: [0; 4],
            n_interests: 0,
            interests: [0; 6],
            n_slots: 0,
            slots: [(0, 0); 4],
            slow: !fits,
        };
        if fits {
            for (i, o) in m.offers.iter().enumerate() {
                c.offers[i] = (o.0 as u16, o.1);
            }
            c.n_offers = m.offers.len() as u8;
            for (i, l) in m.languages.iter().enumerate() {
                c.languages[i] = *l as u16;
            }
            c.n_languages = m.languages.len() as u8;
            for (i, l) in m.interests.iter().enumerate() {
                c.interests[i] = *l as u16;
            }
            c.n_interests = m.interests.len() as u8;
            for (i, s) in m.availability.iter().enumerate() {
                c.slots[i] = (s.start, s.end);
            }
            c.n_slots = m.availability.len() as u8;
        }
        c
    }
}

/// Whether a mentee can be scored against [`Compact`] mentors without the slow path.
pub(crate) fn simple_mentee(e: &Prepared) -> bool {
    e.chain.is_empty() && e.avoids.is_empty() && e.prefers.is_empty()
}

/// [`pair_code`] for a compact mentor (one without wishes, reporting line or long lists).
#[inline]
pub(crate) fn compact_code(t: &MenteeTable, c: &Compact, e: &Prepared) -> PairCode {
    let mut points = 0u32;
    for &(skill, level) in &c.offers[..c.n_offers as usize] {
        points += t.want[skill as usize] as u32 * level as u32;
    }
    let overlap = if c.n_slots == 0 || e.availability.is_empty() {
        NO_AVAILABILITY
    } else {
        let mut total = 0;
        for &(start, end) in &c.slots[..c.n_slots as usize] {
            for y in &e.availability {
                let lo = start.max(y.start);
                let hi = end.min(y.end);
                if hi > lo {
                    total += hi - lo;
                }
            }
        }
        total.clamp(0, GOOD_OVERLAP_MINUTES as i32) as u8
    };
    let common = c.interests[..c.n_interests as usize].iter().filter(|&&i| t.likes[i as usize]).count();
    let mut flags = 0;
    if c.languages[..c.n_languages as usize].iter().any(|&l| t.speaks[l as usize]) {
        flags |= SHARES_LANGUAGE;
    }
    if !e.prefers.is_empty() && e.prefers.binary_search(&c.id).is_ok() {
        flags |= MENTEE_ASKED;
    }
    PairCode { skill_points: points.min(u16::MAX as u32) as u16, overlap, common_interests: common as u8, flags }
}

/// [`pair_value`] for a compact mentor and a simple mentee, through [`compact_code`].
#[inline]
pub(crate) fn compact_value(rules: &Rules, w: &[f64; 7], t: &MenteeTable, c: &Compact, e: &Prepared) -> f64 {
    let direction = rules.direction;
    // The rules that need no lists first: a pair they rule out costs nothing more.
    if !gap_allowed(rules, level_gap(direction, c.level, e.level)) || !timezones_allowed(rules, (c.tz - e.tz).abs()) {
        return 0.0;
    }
    let code = compact_code(t, c, e);
    if rules.require_common_language && !code.shares_language() {
        return 0.0;
    }
    let mentor = Figures { level: c.level, department: c.department, tz: c.tz, interests: c.n_interests as u32, skill_scale: 0.0 };
    solver_value(rules, w, code_criteria(direction, code, &mentor, &e.figures()))
}
