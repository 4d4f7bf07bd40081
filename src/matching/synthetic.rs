//! A generated pool of mentors and mentees with realistic spreads of levels, skills, languages
//! and timezones: for benchmarks, demos and load tests. Deterministic for a seed.

use super::model::{Participant, Problem, WeeklySlot};

const TECH: [&str; 30] = [
    "Generative AI tools", "Python", "SQL", "Power BI", "TikTok", "Instagram", "LinkedIn branding", "Figma",
    "No-code automation", "Cloud basics", "Cybersecurity hygiene", "Data storytelling", "Gen Z trends", "Excel automation",
    "Podcasting", "Short-form video", "Accessibility", "Prompt writing", "Spreadsheets", "Notion", "Slack etiquette",
    "Mobile apps", "E-commerce", "Gaming culture", "Streaming", "Crypto basics", "Web analytics", "Video calls",
    "Personal knowledge management", "Remote collaboration",
];
const BUSINESS: [&str; 20] = [
    "Negotiation", "Strategy", "P&L management", "Stakeholder management", "Public speaking", "Board communication",
    "Hiring", "Budgeting", "Leading teams", "Sales pipeline", "M&A", "Customer relationships", "Career navigation",
    "Decision making", "Pricing", "Forecasting", "Change management", "Executive presence", "Networking", "Mentoring",
];
const LANGUAGES: [&str; 8] = ["English", "French", "German", "Spanish", "Hindi", "Mandarin", "Portuguese", "Polish"];
const HOBBIES: [&str; 12] = [
    "Photography", "Music production", "Esports", "3D printing", "Street art", "Cooking", "Running", "Chess",
    "Gardening", "Film", "Climbing", "Writing",
];
const OFFSETS: [i32; 8] = [0, 60, 120, -300, -480, 330, 480, -180];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn person(rng: &mut Rng, id: i64, junior: bool, capacity: u32) -> Participant {
    let (teach, learn): (&[&str], &[&str]) = if junior { (&TECH, &BUSINESS) } else { (&BUSINESS, &TECH) };
    let mut pick = |from: &[&str], n: usize, max: usize| -> Vec<(String, u8)> {
        let mut out: Vec<(String, u8)> = Vec::new();
        while out.len() < n {
            let s = from[rng.below(from.len())].to_string();
            if !out.iter().any(|(x, _)| *x == s) {
                out.push((s, 1 + rng.below(max) as u8));
            }
        }
        out
    };
    let offers = pick(teach, 3, 5);
    let wants = pick(learn, 3, 3);
    let n_lang = 1 + rng.below(2);
    let mut languages = vec!["English".to_string()];
    for _ in 1..n_lang {
        languages.push(LANGUAGES[1 + rng.below(LANGUAGES.len() - 1)].to_string());
    }
    let interests = (0..rng.below(3)).map(|_| HOBBIES[rng.below(HOBBIES.len())].to_string()).collect();
    let offset = OFFSETS[rng.below(OFFSETS.len())];
    let availability = (0..2)
        .map(|_| {
            let local = rng.below(5) as i32 * 1440 + (9 + rng.below(8) as i32) * 60;
            let start = (local - offset).rem_euclid(7 * 1440);
            WeeklySlot { start, end: (start + 60).min(7 * 1440) }
        })
        .collect();
    Participant {
        id,
        level: if junior { 1 + rng.below(4) as i32 } else { 5 + rng.below(6) as i32 },
        department: ["Sales", "Engineering", "Finance", "Marketing", "Operations", "People", "Legal", "Data"][rng.below(8)].into(),
        manager_chain: vec![],
        utc_offset_minutes: offset,
        languages,
        offers,
        wants,
        interests,
        availability,
        group: Some(["Gen Z", "Millennial", "Gen X", "Boomer"][rng.below(4)].into()),
        prefers: vec![],
        avoids: vec![],
        capacity,
    }
}

/// A reverse-mentoring pool: juniors mentor seniors; each mentor takes `capacity` mentees.
pub fn reverse_pool(seed: u64, mentors: usize, mentees: usize, capacity: u32) -> Problem {
    let mut rng = Rng(seed);
    Problem {
        mentors: (0..mentors).map(|i| person(&mut rng, i as i64 + 1, true, capacity)).collect(),
        mentees: (0..mentees).map(|i| person(&mut rng, 1_000_000 + i as i64, false, 1)).collect(),
    }
}
