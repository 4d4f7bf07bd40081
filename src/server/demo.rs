//! A believable demo organisation: departments, a management tree, levels, skills, hobbies,
//! languages and timezones, generated from a fixed seed so every fresh start looks the same.

use super::db::{now, Db};
use crate::accounts::{Role, ValidPerson};
use crate::profiles::{MeetingFormat, SkillEntry, Slot, ValidProfile};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};

pub const DEMO_PASSWORD: &str = "upmentor-demo-2026";
pub const DEMO_DOMAIN: &str = "demo.upmentor.test";

/// The demo sign-ins printed at start: (email, what they are).
pub fn demo_sign_ins() -> Vec<(String, &'static str)> {
    vec![
        (format!("admin@{DEMO_DOMAIN}"), "programme admin (HR / L&D)"),
        (format!("dana.analyst@{DEMO_DOMAIN}"), "data analyst, two years in: a reverse mentor"),
        (format!("victor.sales@{DEMO_DOMAIN}"), "sales VP, thirty years in: a reverse mentee"),
        (format!("mia.designer@{DEMO_DOMAIN}"), "junior designer with a photography hobby"),
    ]
}

const DEPARTMENTS: [&str; 10] = [
    "Engineering", "Sales", "Marketing", "Finance", "People", "Operations", "Customer Success", "Legal", "Product",
    "Data",
];
const FIRST: [&str; 40] = [
    "Aisha", "Ben", "Chloe", "Diego", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kira", "Liam", "Maya", "Noah",
    "Olga", "Priya", "Quinn", "Rafael", "Sara", "Tomasz", "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoe", "Amara",
    "Bruno", "Camille", "Dev", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Julia", "Kwame", "Lena", "Mateo", "Nadia",
];
const LAST: [&str; 40] = [
    "Adeyemi", "Becker", "Chen", "Dubois", "Eriksen", "Fernandes", "Garcia", "Haddad", "Ito", "Jansen", "Kowalski",
    "Laurent", "Mensah", "Nakamura", "Okafor", "Patel", "Quinteros", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga",
    "Wang", "Xu", "Yilmaz", "Zielinski", "Andersson", "Bianchi", "Costa", "Dimitrov", "Evans", "Fischer", "Gupta",
    "Horvat", "Iyer", "Jones", "Kim", "Lopez", "Moreau", "Novak",
];
const PLACES: [(&str, &str); 8] = [
    ("London", "Europe/London"),
    ("New York", "America/New_York"),
    ("Berlin", "Europe/Berlin"),
    ("Bangalore", "Asia/Kolkata"),
    ("São Paulo", "America/Sao_Paulo"),
    ("Singapore", "Asia/Singapore"),
    ("San Francisco", "America/Los_Angeles"),
    ("Warsaw", "Europe/Warsaw"),
];
const LANGUAGES: [&str; 9] = ["French", "German", "Spanish", "Portuguese", "Hindi", "Mandarin", "Japanese", "Polish", "Arabic"];
/// What juniors typically bring: technology, social media, current trends.
const FRESH_SKILLS: [&str; 18] = [
    "Generative AI tools", "Python", "SQL", "Power BI", "TikTok", "Instagram", "LinkedIn personal branding",
    "Figma", "No-code automation", "Cloud basics", "Cybersecurity hygiene", "Data storytelling", "Gen Z consumer trends",
    "Remote collaboration tools", "Excel automation", "Podcasting", "Short-form video", "Accessibility",
];
/// What seniors typically bring back: business insight.
const BUSINESS_SKILLS: [&str; 14] = [
    "Negotiation", "Strategy", "P&L management", "Stakeholder management", "Public speaking", "Board communication",
    "Hiring", "Budgeting", "Leading teams", "Sales pipeline", "Mergers and acquisitions", "Customer relationships",
    "Career navigation", "Decision making",
];
const HOBBIES: [&str; 14] = [
    "Photography", "Video editing", "Music production", "Esports", "3D printing", "Street art", "Game modding",
    "Sustainability activism", "Sign language", "Fitness coaching", "Cooking", "Creative writing", "Drone flying",
    "Streaming",
];
const TITLES: [&str; 10] = [
    "Associate", "Analyst", "Specialist", "Senior specialist", "Senior", "Lead", "Manager", "Senior manager", "Director",
    "Vice president",
];

struct Person {
    person: ValidPerson,
    profile: ValidProfile,
    manager: Option<usize>,
    role: Role,
    password: bool,
}

fn pick_level(rng: &mut StdRng) -> i32 {
    // A pyramid: many juniors, few executives.
    let weights = [14, 16, 16, 14, 12, 10, 8, 6, 3, 1];
    let total: i32 = weights.iter().sum();
    let mut x = rng.gen_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i as i32 + 1;
        }
        x -= w;
    }
    1
}

fn entries(rng: &mut StdRng, from: &[&str], count: std::ops::RangeInclusive<usize>, max: i32) -> Vec<SkillEntry> {
    let n = rng.gen_range(count);
    let chosen: Vec<&&str> = from.choose_multiple(rng, n).collect();
    chosen.into_iter().map(|s| SkillEntry { skill: s.to_string(), level: rng.gen_range(1..=max) }).collect()
}

fn slots(rng: &mut StdRng) -> Vec<Slot> {
    let mut days: Vec<i32> = (0..5).collect();
    days.shuffle(rng);
    days.truncate(rng.gen_range(2..=4));
    let mut out: Vec<Slot> =
        days.into_iter().map(|d| {
            let start = rng.gen_range(8..=16) * 60;
            Slot { weekday: d, start, end: start + 60 * rng.gen_range(1..=2) }
        }).collect();
    out.sort_by_key(|s| (s.weekday, s.start));
    out
}

fn make_person(rng: &mut StdRng, n: usize, level: i32, department: &str, email: Option<String>, name: Option<String>) -> Person {
    let first = FIRST[n % FIRST.len()];
    let last = LAST[(n / FIRST.len() + n * 7) % LAST.len()];
    let name = name.unwrap_or_else(|| format!("{first} {last}"));
    let email = email.unwrap_or_else(|| format!("{}.{}.{n}@{DEMO_DOMAIN}", first.to_lowercase(), last.to_lowercase()));
    let (location, timezone) = PLACES[rng.gen_range(0..PLACES.len())];
    let mut languages = vec!["English".to_string()];
    if rng.gen_bool(0.5) {
        languages.push(LANGUAGES[rng.gen_range(0..LANGUAGES.len())].to_string());
    }
    let junior = level <= 4;
    let (teach, learn) = if junior {
        (entries(rng, &FRESH_SKILLS, 2..=4, 5), entries(rng, &BUSINESS_SKILLS, 1..=3, 3))
    } else {
        (entries(rng, &BUSINESS_SKILLS, 2..=4, 5), entries(rng, &FRESH_SKILLS, 1..=3, 3))
    };
    let hobbies = if rng.gen_bool(0.6) { entries(rng, &HOBBIES, 1..=2, 5) } else { Vec::new() };
    let job_title = format!("{} · {department}", TITLES[(level - 1) as usize]);
    let format = MeetingFormat::ALL[rng.gen_range(0..3)];
    let bio = if junior {
        format!("{} years at the company. Happy to share what I know about {}.", rng.gen_range(1..=4), teach[0].skill)
    } else {
        format!("{} years in {}. Curious about {}.", rng.gen_range(12..=32), department.to_lowercase(), learn[0].skill)
    };
    Person {
        person: ValidPerson {
            name: name.clone(),
            email,
            job_title: job_title.clone(),
            level,
            department: department.to_string(),
            manager_email: None,
            location: location.to_string(),
            timezone: timezone.to_string(),
        },
        profile: ValidProfile {
            name,
            job_title,
            level,
            department: department.to_string(),
            manager_email: None,
            location: location.to_string(),
            timezone: timezone.to_string(),
            languages,
            teach,
            learn,
            hobbies,
            availability: slots(rng),
            format,
            bio,
        },
        manager: None,
        role: Role::Employee,
        password: false,
    }
}

fn generate(people: usize) -> Vec<Person> {
    let mut rng = StdRng::seed_from_u64(20261125);
    let mut out: Vec<Person> = Vec::new();
    let ceo = make_person(&mut rng, 0, 10, "Operations", None, Some("Olivia Hart".into()));
    out.push(ceo);
    // Department heads report to the chief executive.
    for (i, dept) in DEPARTMENTS.iter().enumerate() {
        let mut head = make_person(&mut rng, i + 1, 9, dept, None, None);
        head.manager = Some(0);
        out.push(head);
    }
    // The named demo people work within a few hours of each other, so any of them can be paired.
    let named: [(&str, &str, i32, &str, Role, usize); 4] = [
        ("admin", "Alex Morgan", 6, "People", Role::Admin, 0),
        ("dana.analyst", "Dana Okafor", 2, "Data", Role::Employee, 0),
        ("victor.sales", "Victor Lindqvist", 9, "Sales", Role::Employee, 1),
        ("mia.designer", "Mia Tanaka", 2, "Product", Role::Employee, 2),
    ];
    for (i, (local, name, level, dept, role, place)) in named.iter().enumerate() {
        let mut p = make_person(&mut rng, 100 + i, *level, dept, Some(format!("{local}@{DEMO_DOMAIN}")), Some(name.to_string()));
        let (location, timezone) = PLACES[*place];
        (p.person.location, p.person.timezone) = (location.to_string(), timezone.to_string());
        (p.profile.location, p.profile.timezone) = (location.to_string(), timezone.to_string());
        p.role = *role;
        p.password = true;
        if *local == "mia.designer" {
            p.profile.hobbies = vec![SkillEntry { skill: "Photography".into(), level: 5 }];
        }
        out.push(p);
    }
    let mut n = out.len();
    while out.len() < people.max(out.len()) {
        let dept = DEPARTMENTS[rng.gen_range(0..DEPARTMENTS.len())];
        let level = pick_level(&mut rng).min(8);
        out.push(make_person(&mut rng, n, level, dept, None, None));
        n += 1;
    }
    // Everyone below the heads reports to someone more senior in their department, preferring
    // the nearest level, so the tree has realistic depth.
    for i in 1 + DEPARTMENTS.len()..out.len() {
        let (dept, level) = (out[i].person.department.clone(), out[i].person.level);
        let mut best: Option<(i32, usize)> = None;
        for (j, other) in out.iter().enumerate() {
            if j != i && other.person.department == dept && other.person.level > level {
                let gap = other.person.level - level;
                let better = match best {
                    None => true,
                    Some((g, b)) => gap < g || (gap == g && (j * 31 + i) % 7 < (b * 31 + i) % 7),
                };
                if better {
                    best = Some((gap, j));
                }
            }
        }
        out[i].manager = best.map(|b| b.1).or(Some(0));
    }
    out
}

/// Adds `people` generated employees. Returns how many were created.
pub async fn load(db: &Db, people: u32) -> anyhow::Result<usize> {
    let generated = generate(people as usize);
    let password_hash = crate::server::auth::hash_password(DEMO_PASSWORD.to_string())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = db.begin_write().await?;
    let mut ids = Vec::with_capacity(generated.len());
    let t = now();
    for p in &generated {
        let existing = crate::accounts::db::user_id_by_email(&mut tx, &p.person.email).await?;
        if existing.is_some() {
            anyhow::bail!("the database already holds a demo organisation ({} exists)", p.person.email);
        }
        let password = p.password.then_some(password_hash.as_str());
        let id = crate::accounts::db::insert_person(&mut tx, &p.person, password, p.role, p.profile.format.as_str(), &p.profile.bio, t).await?;
        crate::profiles::db::replace_details(&mut tx, id, &p.profile).await?;
        ids.push(id);
    }
    for (i, p) in generated.iter().enumerate() {
        if let Some(m) = p.manager {
            crate::accounts::db::set_manager(&mut tx, ids[i], Some(ids[m])).await?;
        }
    }
    tx.commit().await?;
    Ok(generated.len())
}

/// What [`load_programme`] made: the programme and the named demo people's pair.
#[derive(Debug, Clone, Copy)]
pub struct DemoProgramme {
    /// The programme "Reverse mentoring 2026".
    pub programme_id: i64,
    /// Pairs published.
    pub pairs: u32,
    /// Dana (mentor) with Victor (mentee): the pair with every kind of activity.
    pub showcase_pair: i64,
}

/// The demo's running programme, on top of [`load`]: "Reverse mentoring 2026", opened three
/// weeks ago by the demo admin, with juniors (levels 1–3) enrolled as mentors and seniors
/// (levels 6–9) as mentees, a few applications waiting, a run of the real matching engine
/// published (Dana pinned with Victor), and pairs at work: goals on both sides with
/// milestones, a held check-in with feedback from both, the next one scheduled, and chat
/// messages; the showcase pair also has the end-of-cycle survey and a roadblock.
///
/// Errors: the demo people are missing (run [`load`] first), or the database refused.
pub async fn load_programme(db: &Db) -> anyhow::Result<DemoProgramme> {
    use crate::pairs::{db as pairs, CheckinInput, FeedbackInput, GoalInput, SurveyInput};
    use crate::programmes::{db as programmes, pool, EnrolRole, ProgrammeInput};
    let t = now();
    let day = |d: i64| crate::ui::format_date(t + d * 86_400);
    let person = |local: &str| format!("{local}@{DEMO_DOMAIN}");
    let mut conn = db.pool.acquire().await?;
    let mut ids = Vec::new();
    for local in ["admin", "dana.analyst", "victor.sales"] {
        let email = person(local);
        ids.push(
            crate::accounts::db::user_id_by_email(&mut conn, &email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("the demo organisation is not loaded ({email} is missing)"))?,
        );
    }
    drop(conn);
    let (admin, dana, victor) = (ids[0], ids[1], ids[2]);
    let admin_user = crate::accounts::db::session_user(db, admin).await?.ok_or_else(|| anyhow::anyhow!("the demo admin cannot sign in"))?;

    let programme = ProgrammeInput {
        name: "Reverse mentoring 2026".into(),
        objectives: "Keep leaders fluent in the tools and habits of the people they lead; give junior colleagues a voice with senior ones."
            .into(),
        tags: vec!["technology fluency".into(), "inclusion".into(), "retention".into()],
        kind: "reverse".into(),
        enrol_opens: day(-30),
        enrol_closes: day(14),
        starts_on: day(-21),
        ends_on: day(160),
        mentor_capacity: "1".into(),
        self_match: false,
        targets: [("meeting_cadence", "75"), ("first_checkin_fortnight", "80"), ("mean_rating", "4"), ("mentors_gained", "70"), ("roadblock_ack_days", "2")]
            .into_iter()
            .map(|(metric, target)| crate::insights::TargetInput { metric: metric.into(), target: target.into() })
            .collect(),
        health: Default::default(),
    }
    .validate()
    .map_err(|e| anyhow::anyhow!("demo programme: {e}"))?;
    let mentors: Vec<i64> = programmes::people_by_filter(db, "", 1, 3).await?.into_iter().filter(|id| *id != victor).collect();
    let mentees: Vec<i64> = programmes::people_by_filter(db, "", 6, 9).await?.into_iter().filter(|id| *id != dana).collect();
    let waiting: Vec<i64> = programmes::people_by_filter(db, "", 4, 4).await?.into_iter().take(3).collect();
    let mut tx = db.begin_write().await?;
    let programme_id = programmes::insert_programme(&mut tx, &programme, admin).await?;
    programmes::enrol_many(&mut tx, programme_id, EnrolRole::Mentor, &mentors, admin).await?;
    programmes::enrol_many(&mut tx, programme_id, EnrolRole::Mentee, &mentees, admin).await?;
    for id in &waiting {
        let topics = ["Generative AI tools".to_string()];
        let _ = programmes::apply(&mut tx, programme_id, *id, EnrolRole::Mentor, "I would like to show a senior colleague how our team uses AI day to day.", &topics, false)
            .await?;
    }
    tx.commit().await?;

    let programme = programmes::load_programme(db, programme_id, &admin_user)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo programme vanished"))?;
    let pool = pool::load_pool(db, &programme).await?;
    let mut config = programmes::programme_config(db, programme_id).await?;
    pool.fit(&mut config);
    config.rules.pinned.push((dana, victor));
    let participants = pool.participants();
    let problem = pool.problem.clone();
    let run_config = config.clone();
    let result = tokio::task::spawn_blocking(move || crate::matching::run(&problem, &run_config))
        .await?
        .map_err(|e| anyhow::anyhow!("demo matching: {e}"))?;
    let mut tx = db.begin_write().await?;
    programmes::save_config(&mut tx, programme_id, &config).await?;
    let run_id = programmes::insert_run(&mut tx, programme_id, admin, &config, &result, participants).await?;
    tx.commit().await?;
    let (_, run) = programmes::run_by_id(db, run_id).await?.ok_or_else(|| anyhow::anyhow!("the demo run vanished"))?;
    let mut tx = db.begin_write().await?;
    let report = crate::programmes::api::publish(&mut tx, &programme, &pool, run_id, &run).await?;
    tx.commit().await?;

    let pairs_made = crate::pairs::db::pairs(db, programme_id).await?;
    let showcase_pair = pairs_made
        .iter()
        .find(|p| p.mentor.id == dana && p.mentee.id == victor)
        .map(|p| p.id)
        .ok_or_else(|| anyhow::anyhow!("the demo run did not pair Dana with Victor"))?;
    let mut rng = StdRng::seed_from_u64(20261130);
    // The showcase pair first, then every third pair: a programme where some pairs are busy
    // and others have not started.
    let mut busy: Vec<&crate::pairs::PairRow> = pairs_made.iter().filter(|p| p.id == showcase_pair).collect();
    busy.extend(pairs_made.iter().filter(|p| p.id != showcase_pair).step_by(3));
    for (n, pair) in busy.iter().enumerate() {
        let (mentor, mentee) = (pair.mentor.id, pair.mentee.id);
        let learn = FRESH_SKILLS[rng.gen_range(0..FRESH_SKILLS.len())];
        let give = BUSINESS_SKILLS[rng.gen_range(0..BUSINESS_SKILLS.len())];
        let goals = [
            GoalInput {
                side: "mentee".into(),
                title: format!("Use {learn} in my own work"),
                measure: "Two real uses shown to my mentor".into(),
                target_date: day(60),
                status: "on_track".into(),
                milestones: format!("See {learn} done by my mentor\nTry it on my own\nShow the result"),
            },
            GoalInput {
                side: "mentor".into(),
                title: format!("Understand {} from a senior view", give.to_lowercase()),
                measure: "Explain it back in our third check-in".into(),
                target_date: day(90),
                status: "not_started".into(),
                milestones: "Ask three questions\nSit in on a meeting".into(),
            },
        ];
        let mut tx = db.begin_write().await?;
        for (i, g) in goals.iter().enumerate() {
            let valid = g.validate().map_err(|e| anyhow::anyhow!("demo goal: {e}"))?;
            pairs::create_goal(&mut tx, pair.id, &valid, if i == 0 { mentee } else { mentor }).await?;
        }
        tx.commit().await?;
        // The mentee has already seen it done: the first milestone of their goal is ticked.
        if let Some(first) = pairs::goals(db, pair.id).await?.first().and_then(|g| g.milestones.first()) {
            pairs::update_milestone_done(db, first.id, true).await?;
        }
        let checkin = |days: i64, agenda: &str| CheckinInput {
            date: day(days),
            time: "10:00".into(),
            minutes: "30".into(),
            format: "remote".into(),
            agenda: agenda.into(),
        };
        let held = checkin(-7, &format!("Goals for the cycle\nA first look at {learn}"))
            .validate()
            .map_err(|e| anyhow::anyhow!("demo check-in: {e}"))?;
        let held_id = pairs::create_checkin(&mut *db.pool.acquire().await?, pair.id, t - 7 * 86_400 - (t % 86_400) + 10 * 3600, &held, mentee).await?;
        pairs::update_checkin_status(&mut *db.pool.acquire().await?, held_id, crate::pairs::CheckinStatus::Held).await?;
        pairs::set_shared_notes(db, held_id, &format!("We agreed to meet every two weeks. First topic: {learn}.")).await?;
        let mut tx = db.begin_write().await?;
        for (who, rating, fit) in [(mentor, 4 + rng.gen_range(0..2), "good"), (mentee, 3 + rng.gen_range(0..3), if n % 7 == 6 { "unsure" } else { "good" })] {
            let f = FeedbackInput {
                checkin_id: held_id,
                rating: rating.to_string(),
                comment: "A good start; we know what we want from the cycle.".into(),
                progress: "20".into(),
                fit: fit.into(),
            }
            .validate()
            .map_err(|e| anyhow::anyhow!("demo feedback: {e}"))?;
            pairs::save_feedback(&mut tx, held_id, who, &f).await?;
        }
        tx.commit().await?;
        let next = checkin(7, "What I tried since last time\nNext steps").validate().map_err(|e| anyhow::anyhow!("demo check-in: {e}"))?;
        pairs::create_checkin(&mut *db.pool.acquire().await?, pair.id, t + 7 * 86_400 - (t % 86_400) + 10 * 3600, &next, mentor).await?;
        let lines = [
            (mentor, format!("Hi! Looking forward to showing you {learn}.")),
            (mentee, "Likewise. Could you send me something to read before we meet?".to_string()),
            (mentor, "Sure, here is a short guide and two examples from our team.".to_string()),
            (mentee, "Thanks, I tried the first example already.".to_string()),
        ];
        for (i, (who, body)) in lines.iter().enumerate() {
            pairs::store_message(db, pair.id, *who, &format!("demo-{}-{i}", pair.id), body, None, None).await?;
        }
    }
    // The showcase pair has reached the end-of-cycle survey and raised a roadblock.
    let survey = SurveyInput { learned: "How our sales leaders decide which deals to chase.".into(), recommend: "9".into(), again: "yes".into(), gained: "yes".into(), share_quote: true }
        .validate()
        .map_err(|e| anyhow::anyhow!("demo survey: {e}"))?;
    pairs::replace_survey(db, showcase_pair, dana, &survey).await?;
    let mut tx = db.begin_write().await?;
    pairs::add_roadblock(&mut tx, showcase_pair, dana, "Our check-ins keep moving at short notice; I am not sure how to raise it.").await?;
    tx.commit().await?;
    // Training: about two in three of the busy pairs' members have read their required guide;
    // Dana and Victor have not, so the demo shows the guides still to read.
    let guides = crate::training::db::list(db, programme_id, admin, true).await?;
    let mut tx = db.begin_write().await?;
    for pair in busy.iter().filter(|p| p.id != showcase_pair) {
        for (who, audience) in [(pair.mentor.id, crate::training::Audience::Mentor), (pair.mentee.id, crate::training::Audience::Mentee)] {
            if rng.gen_range(0..3) < 2 {
                for g in guides.iter().filter(|g| g.required && g.audience == audience) {
                    crate::training::db::complete(&mut tx, g.id, who).await?;
                }
            }
        }
    }
    tx.commit().await?;
    demo_sessions(db, programme_id, &pairs_made, dana, victor, &mut rng).await?;
    Ok(DemoProgramme { programme_id, pairs: report.pairs, showcase_pair })
}

/// Lunch & learn sessions in the demo programme: one held ten days ago (seats taken, who came,
/// ratings), Dana's in five days with Victor in a seat, a full one with a waiting line, and a
/// proposal waiting for the admin.
async fn demo_sessions(db: &Db, programme_id: i64, pairs_made: &[crate::pairs::PairRow], dana: i64, victor: i64, rng: &mut StdRng) -> anyhow::Result<()> {
    use crate::sessions::{db as sessions, SessionInput, SessionStatus};
    let t = now();
    let noon = |days: i64| t - (t % 86_400) + days * 86_400 + 12 * 3600;
    let mentors: Vec<i64> = pairs_made.iter().map(|p| p.mentor.id).filter(|id| *id != dana).collect();
    let mentees: Vec<i64> = pairs_made.iter().map(|p| p.mentee.id).filter(|id| *id != victor).collect();
    let session = |topic: &str, place: &str, format: &str, capacity: &str| {
        SessionInput {
            topic: topic.into(),
            description: "Bring your lunch and your phone: we try it together.".into(),
            date: "2026-01-01".into(),
            time: "12:00".into(),
            minutes: "45".into(),
            format: format.into(),
            place: place.into(),
            capacity: capacity.into(),
        }
        .validate()
        .map_err(|e| anyhow::anyhow!("demo session: {e}"))
    };
    let (Some(&host_a), Some(&host_b), Some(&host_c)) = (mentors.first(), mentors.get(1), mentors.get(2)) else { return Ok(()) };
    let mut tx = db.begin_write().await?;
    // Seats are taken while a session is to come; this one then moves ten days back.
    let held = sessions::create(&mut tx, programme_id, host_a, &session("Generative AI for everyday writing", "Room 2.01", "room", "20")?, noon(1), true).await?;
    for &m in mentees.iter().take(8) {
        let _ = sessions::join(&mut tx, held, m).await?;
    }
    sessions::set_start(&mut tx, held, noon(-10)).await?;
    for (i, &m) in mentees.iter().take(8).enumerate() {
        sessions::set_attended(&mut tx, held, m, i != 7).await?;
        if i < 6 {
            sessions::rate(&mut tx, held, m, 4 + rng.gen_range(0..2), if i == 0 { "Practical and kind." } else { "" }).await?;
        }
    }
    let next = sessions::create(&mut tx, programme_id, dana, &session("Short video for leaders", "https://meet.example.test/short-video", "online", "10")?, noon(5), true).await?;
    for &m in [victor].iter().chain(mentees.iter().skip(8).take(2)) {
        let _ = sessions::join(&mut tx, next, m).await?;
    }
    let full = sessions::create(&mut tx, programme_id, host_b, &session("Reading a data dashboard in ten minutes", "Room 4.12", "room", "2")?, noon(12), true).await?;
    for &m in mentees.iter().skip(10).take(3) {
        let _ = sessions::join(&mut tx, full, m).await?;
    }
    let proposal = sessions::create(&mut tx, programme_id, host_c, &session("Photography on a phone", "Atrium", "room", "12")?, noon(20), false).await?;
    debug_assert!(sessions::session(&mut tx, proposal).await?.is_some_and(|s| s.status == SessionStatus::Proposed));
    sessions::post(&mut tx, next, victor, "demo-1", "Should we install anything before we meet?").await?;
    sessions::post(&mut tx, next, dana, "demo-2", "Just the app you already use for messages; I will show the rest.").await?;
    sessions::set_materials(&mut tx, next, "## Before we meet\n\n- Have your phone charged\n- Think of one message you want to send your team").await?;
    tx.commit().await?;
    Ok(())
}

/// Whether nobody is in the database yet (a fresh installation).
pub async fn is_empty(db: &Db) -> anyhow::Result<bool> {
    Ok(crate::accounts::db::count_people(db).await? == 0)
}

/// Outside demo mode: why this database may not be served, if it holds demo accounts (they
/// share a published password, and one of them is an admin).
pub async fn left_behind(db: &Db) -> anyhow::Result<Option<String>> {
    let everyone = crate::accounts::db::count_people(db).await?;
    let others = crate::accounts::db::count_people_outside(db, DEMO_DOMAIN).await?;
    Ok((everyone > others).then(|| {
        format!(
            "this database holds {} demo accounts, whose password is published; serve it with --demo, or start a real installation on a fresh database",
            everyone - others
        )
    }))
}

/// Why demo mode may not run here, if it may not: its accounts share one published password,
/// so never on an address people reach over https, and never beside real people's data.
pub async fn refusal(db: &Db, config: &super::config::Config) -> anyhow::Result<Option<String>> {
    if config.secure_cookies() {
        return Ok(Some(format!(
            "demo mode is for trying Upmentor out: its accounts share a published password, so it does not run on an https address ({})",
            config.public_url.as_deref().unwrap_or_default()
        )));
    }
    let others = crate::accounts::db::count_people_outside(db, DEMO_DOMAIN).await?;
    if others > 0 {
        return Ok(Some(format!(
            "demo mode does not run on a database that holds real people ({others} with addresses outside {DEMO_DOMAIN}); start without --demo"
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_a_tree_with_managers_more_senior() {
        let people = generate(300);
        assert_eq!(people.len(), 300);
        let mut emails: Vec<_> = people.iter().map(|p| p.person.email.clone()).collect();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), 300, "emails are unique");
        for (i, p) in people.iter().enumerate().skip(1) {
            let m = p.manager.expect("everyone but the chief executive has a manager");
            assert!(people[m].person.level > p.person.level, "person {i} reports upwards");
        }
        assert!(people.iter().filter(|p| p.person.level <= 3).count() > 100, "a pyramid: many juniors");
        assert!(people.iter().any(|p| p.role == Role::Admin && p.password));
    }
}
