//! The insights page's server functions, the health list, nudges, roadblock triage,
//! calibration and the CSV files, on SQLite and PostgreSQL, against a fixture whose every
//! figure is known: months of activity written straight into the database with past dates
//! (the app only schedules check-ins in the future).
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;
use common::*;
use serde_json::{json, Value};
use upmentor::server::db::Db;

on_both_backends!(figures_health_and_triage_on_a_known_fixture, only_the_programmes_admins_see_insights,);

const MIA: &str = "mia.designer@demo.upmentor.test";
const DAY: i64 = 86_400;
const CHAT: &str = "SECRET-CHAT-TEXT";
const SHARED_NOTE: &str = "SECRET-SHARED-NOTE";
const PRIVATE_NOTE: &str = "SECRET-PRIVATE-NOTE";
const ADMIN_NOTE: &str = "ADMIN-ONLY-NOTE";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn id_of(db: &Db, email: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&db.pool).await.unwrap()
}

/// The pairs of the fixture, by their number in the module's notes.
struct Fixture {
    programme: i64,
    db: Db,
    pairs: Vec<i64>,
    /// Users: mentors 0–5, mentees 6–11.
    people: Vec<i64>,
}

fn reasons(skills: f64) -> String {
    let crits = ["Skills", "Seniority", "CrossDepartment", "Schedule", "Language", "Interests", "Wishes"];
    let list: Vec<Value> = crits.iter().enumerate().map(|(i, c)| json!({"criterion": c, "score": if i == 0 { skills } else { 0.5 }, "text": "x"})).collect();
    Value::Array(list).to_string()
}

async fn checkin(db: &Db, pair: i64, starts_at: i64, status: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO checkins (pair_id, starts_at, minutes, format, agenda, shared_notes, status, created_at) VALUES ($1, $2, 30, 'remote', '', $3, $4, $2) RETURNING id",
    )
    .bind(pair)
    .bind(starts_at)
    .bind(SHARED_NOTE)
    .bind(status)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

async fn feedback(db: &Db, checkin: i64, user: i64, rating: i64, fit: Option<&str>) {
    sqlx::query("INSERT INTO checkin_feedback (checkin_id, user_id, rating, comment, progress, fit, created_at) VALUES ($1, $2, $3, '', 50, $4, $5)")
        .bind(checkin)
        .bind(user)
        .bind(rating)
        .bind(fit)
        .bind(now())
        .execute(&db.pool)
        .await
        .unwrap();
}

async fn message(db: &Db, pair: i64, sender: i64, at: i64, n: usize) {
    sqlx::query("INSERT INTO messages (pair_id, sender_id, client_id, body, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(pair)
        .bind(sender)
        .bind(format!("fixture-{pair}-{sender}-{at}-{n}"))
        .bind(CHAT)
        .bind(at)
        .execute(&db.pool)
        .await
        .unwrap();
}

async fn goal(db: &Db, pair: i64, side: &str, done: bool, milestones: &[bool]) {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO goals (pair_id, side, title, status, created_at, updated_at) VALUES ($1, $2, 'goal', $3, $4, $4) RETURNING id",
    )
    .bind(pair)
    .bind(side)
    .bind(if done { "done" } else { "on_track" })
    .bind(now())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    for (i, m) in milestones.iter().enumerate() {
        sqlx::query("INSERT INTO milestones (goal_id, title, done, position) VALUES ($1, 'm', $2, $3)")
            .bind(id)
            .bind(*m as i64)
            .bind(i as i64)
            .execute(&db.pool)
            .await
            .unwrap();
    }
}

/// A programme with six pairs (P1–P6, ids in `pairs[0..6]`), all made 60 days ago but P6 (25
/// days ago); P5 ended 30 days ago.
/// - P1: held at −55, −27, −3 days; ratings 4 (mentor, good) and 5 (mentee, good) on the first, 5
///   (mentee) on the last; mentee goals 2 (1 done, milestones 2 of 3), a mentor goal done;
///   messages both ways; surveys: mentor 10 / again / gained / quotable, mentee 6 / not again.
/// - P2: held at −40 only; the mentee rated it 2, "not a fit"; last message −30; a roadblock
///   raised −30, acknowledged two hours later, resolved −28.
/// - P3 (Dana and Victor): held −58, −30, −2, missed −20 and −10; Dana rated 3 "unsure"; Dana
///   wrote 4 messages in the last days, Victor none; Dana raised a roadblock −4, open.
/// - P4: nothing. P5: ended, nothing. P6 (Mia): nothing for 25 days.
async fn fixture(app: &TestApp, admin: &Client) -> Fixture {
    let t = now();
    let p = json!({"name": "Measured", "objectives": "Leaders fluent in new tools", "tags": [], "kind": "reverse",
        "starts_on": day(-70), "ends_on": day(100), "enrol_opens": day(-80), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false,
        "targets": [{"metric": "meeting_cadence", "target": "50"}, {"metric": "mean_rating", "target": "3.5"}, {"metric": "roadblock_ack_days", "target": "1"}],
        "health": {"quiet_checkin_days": "35", "quiet_message_days": "28", "low_rating": "2", "nudge_checkin_days": "21"}});
    let created = admin.json("programmes/create", json!({"input": p})).await;
    let programme = created.body.as_i64().unwrap_or_else(|| panic!("{:?}", created.body));
    let db = Db::connect(&app.database_url()).await.unwrap();
    let (dana, victor, mia, boss) = (id_of(&db, MENTOR).await, id_of(&db, MENTEE).await, id_of(&db, MIA).await, id_of(&db, ADMIN).await);
    let others: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id NOT IN ($1, $2, $3, $4) ORDER BY id LIMIT 10")
        .bind(dana)
        .bind(victor)
        .bind(mia)
        .bind(boss)
        .fetch_all(&db.pool)
        .await
        .unwrap();
    // Mentors 0–5 (P1..P6 in order), mentees 6–11; P3 is Dana → Victor, P6 is Mia → someone.
    let people = vec![others[0], others[1], dana, others[2], others[3], mia, others[4], others[5], victor, others[6], others[7], others[8]];
    let departments = ["Sales", "Sales", "Sales", "Sales", "Sales", "Sales", "Finance", "Finance", "Finance", "Finance", "Legal", "=cmd|' /C calc'!A0"];
    for (i, (uid, dept)) in people.iter().zip(departments).enumerate() {
        sqlx::query("UPDATE users SET department = $1 WHERE id = $2").bind(dept).bind(uid).execute(&db.pool).await.unwrap();
        sqlx::query("INSERT INTO enrolments (programme_id, user_id, role, status, created_at) VALUES ($1, $2, $3, 'approved', $4)")
            .bind(programme)
            .bind(uid)
            .bind(if i < 6 { "mentor" } else { "mentee" })
            .bind(t - 70 * DAY)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO enrolments (programme_id, user_id, role, status, created_at) VALUES ($1, $2, 'mentor', 'applied', $3)")
        .bind(programme)
        .bind(others[9])
        .bind(t)
        .execute(&db.pool)
        .await
        .unwrap();
    let mut pairs = Vec::new();
    for i in 0..6 {
        let created = if i == 5 { t - 25 * DAY } else { t - 60 * DAY };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO pairs (programme_id, mentor_id, mentee_id, score_milli, reasons, status, created_at, ended_at)
             VALUES ($1, $2, $3, 500, $4, $5, $6, $7) RETURNING id",
        )
        .bind(programme)
        .bind(people[i])
        .bind(people[6 + i])
        .bind(reasons(0.1 * i as f64))
        .bind(if i == 4 { "ended" } else { "active" })
        .bind(created)
        .bind(if i == 4 { Some(t - 30 * DAY) } else { None })
        .fetch_one(&db.pool)
        .await
        .unwrap();
        pairs.push(id);
    }
    let (m, e) = (|i: usize| people[i], |i: usize| people[6 + i]);
    // P1
    let c = checkin(&db, pairs[0], t - 55 * DAY, "held").await;
    feedback(&db, c, m(0), 4, Some("good")).await;
    feedback(&db, c, e(0), 5, Some("good")).await;
    sqlx::query("INSERT INTO private_notes (checkin_id, user_id, body, updated_at) VALUES ($1, $2, $3, $4)")
        .bind(c)
        .bind(m(0))
        .bind(PRIVATE_NOTE)
        .bind(t)
        .execute(&db.pool)
        .await
        .unwrap();
    checkin(&db, pairs[0], t - 27 * DAY, "held").await;
    let c = checkin(&db, pairs[0], t - 3 * DAY, "held").await;
    feedback(&db, c, e(0), 5, None).await;
    goal(&db, pairs[0], "mentee", true, &[true, true]).await;
    goal(&db, pairs[0], "mentee", false, &[false]).await;
    goal(&db, pairs[0], "mentor", true, &[]).await;
    message(&db, pairs[0], m(0), t - DAY, 0).await;
    message(&db, pairs[0], e(0), t - 2 * DAY, 0).await;
    for (uid, rec, again, gained, share, learned) in [(m(0), 10, 1, 1, 1, "How budgets are set"), (e(0), 6, 0, 0, 0, "Short videos")] {
        sqlx::query("INSERT INTO surveys (pair_id, user_id, learned, recommend, again, gained, share_quote, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(pairs[0])
            .bind(uid)
            .bind(learned)
            .bind(rec)
            .bind(again)
            .bind(gained)
            .bind(share)
            .bind(t - DAY)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    // P2
    let c = checkin(&db, pairs[1], t - 40 * DAY, "held").await;
    feedback(&db, c, e(1), 2, Some("not_fit")).await;
    message(&db, pairs[1], m(1), t - 30 * DAY, 0).await;
    sqlx::query(
        "INSERT INTO roadblocks (pair_id, user_id, body, created_at, resolved_at, state, acknowledged_at) VALUES ($1, $2, 'slow replies', $3, $4, 'resolved', $5)",
    )
    .bind(pairs[1])
    .bind(e(1))
    .bind(t - 30 * DAY)
    .bind(t - 28 * DAY)
    .bind(t - 30 * DAY + 7200)
    .execute(&db.pool)
    .await
    .unwrap();
    // P3: Dana → Victor
    let c = checkin(&db, pairs[2], t - 58 * DAY, "held").await;
    feedback(&db, c, m(2), 3, Some("unsure")).await;
    checkin(&db, pairs[2], t - 30 * DAY, "held").await;
    checkin(&db, pairs[2], t - 2 * DAY, "held").await;
    checkin(&db, pairs[2], t - 20 * DAY, "missed").await;
    checkin(&db, pairs[2], t - 10 * DAY, "missed").await;
    for n in 0..4 {
        message(&db, pairs[2], m(2), t - DAY - n as i64 * 3600, n).await;
    }
    sqlx::query("INSERT INTO roadblocks (pair_id, user_id, body, created_at) VALUES ($1, $2, 'Our check-ins keep moving', $3)")
        .bind(pairs[2])
        .bind(m(2))
        .bind(t - 4 * DAY)
        .execute(&db.pool)
        .await
        .unwrap();
    Fixture { programme, db, pairs, people }
}

fn counts(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|f| f["count"].as_i64().unwrap()).collect()
}

async fn figures_health_and_triage_on_a_known_fixture(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let f = fixture(app, &admin).await;
    let sid = f.programme.to_string();
    let get = |d: &'static str, v: &'static str| {
        let admin = &admin;
        let sid = sid.clone();
        async move { admin.form("insights/get", &[("id", &sid), ("dimension", d), ("value", v), ("compare_by", "department")]).await }
    };
    let all = get("", "").await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    let b = &all.body;
    let eligible: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE deactivated_at IS NULL").fetch_one(&f.db.pool).await.unwrap();
    // Eligible, applied, approved, matched, first check-in held, active in four weeks, completed.
    assert_eq!(counts(&b["funnel"]), vec![eligible, 13, 12, 12, 6, 4, 2]);
    assert_eq!(counts(&b["first_checkin"]), vec![2, 0, 1, 0, 3]);
    assert_eq!(b["median_days_to_first"], 5.0);
    assert_eq!(counts(&b["cadence"]), vec![2, 1, 2, 0]);
    assert_eq!(b["goals"][0], json!({"goals": 2, "done": 1, "milestones": 3, "milestones_done": 2, "pairs_with_goals": 1}));
    assert_eq!((b["goals"][1]["goals"].as_i64(), b["goals"][1]["done"].as_i64()), (Some(1), Some(1)));
    let ratings: i64 = b["ratings"].as_array().unwrap().iter().map(|p| p["ratings"].as_i64().unwrap()).sum();
    let not_fit: i64 = b["ratings"].as_array().unwrap().iter().map(|p| p["not_fit"].as_i64().unwrap()).sum();
    assert_eq!((ratings, not_fit), (5, 1));
    let s = &b["survey"];
    assert_eq!((s["answers"].as_i64(), s["promoters"].as_i64(), s["detractors"].as_i64(), s["recommend_score"].as_f64()), (Some(2), Some(1), Some(1), Some(0.0)));
    assert_eq!((s["mentors_gained"].as_i64(), s["mentor_answers"].as_i64()), (Some(1), Some(1)));
    assert_eq!(s["quotes"], json!([["mentor", "How budgets are set"]]));
    assert_eq!(s["learned_total"].as_i64(), Some(s["learned"].as_array().unwrap().len() as i64));
    let r = &b["roadblocks"];
    assert_eq!((r["raised"].as_i64(), r["open"].as_i64(), r["resolved"].as_i64()), (Some(2), Some(1), Some(1)));
    assert_eq!((r["median_ack_hours"].as_f64(), r["median_resolve_hours"].as_f64()), (Some(2.0), Some(48.0)));
    assert_eq!((b["active_pairs"].as_i64(), b["at_risk"].as_i64()), (Some(5), Some(3)));
    // Targets: 2 of 5 pairs four weeks old meet monthly (40% < 50); ratings 19/5 = 3.8 >= 3.5;
    // acknowledged in 2 hours (0.08 days <= 1).
    let t = b["targets"].as_array().unwrap();
    assert_eq!((t[0]["actual"].as_f64(), t[0]["n"].as_i64(), t[0]["met"].as_bool()), (Some(40.0), Some(5), Some(false)));
    assert_eq!((t[1]["actual"].as_f64().map(|a| (a * 100.0).round()), t[1]["met"].as_bool()), (Some(380.0), Some(true)));
    assert_eq!(t[2]["met"].as_bool(), Some(true));
    // By department: Sales has six people; the others are withheld.
    let groups = b["by_group"].as_array().unwrap();
    let sales = groups.iter().find(|g| g["group"] == "Sales").unwrap();
    assert_eq!((sales["people"].as_i64(), sales["withheld"].as_bool(), sales["matched"].as_i64(), sales["first_held"].as_i64()), (Some(6), Some(false), Some(6), Some(3)));
    assert_eq!(sales["mean_rating"].as_f64(), Some(3.5));
    assert!(groups.iter().filter(|g| g["group"] != "Sales").all(|g| g["withheld"] == true && g["mean_rating"].is_null()));
    // The programme appears among the ones this admin runs.
    let row = b["programmes"].as_array().unwrap().iter().find(|p| p["id"] == f.programme).unwrap().clone();
    assert_eq!((row["pairs"].as_i64(), row["first_held"].as_i64(), row["survey_answers"].as_i64()), (Some(6), Some(3), Some(2)));
    // The page fills its own programme's row from the snapshot and reads the others in SQL:
    // both ways give the same figures.
    let admin_id = id_of(&f.db, ADMIN).await;
    let from_sql = upmentor::insights::db::programme_rows(&f.db, admin_id, -1).await.unwrap();
    let from_sql = from_sql.iter().find(|r| r.id == f.programme).unwrap();
    let snapshot = upmentor::insights::db::snapshot(&f.db, f.programme, now()).await.unwrap().unwrap();
    let from_snapshot = upmentor::insights::compute::programme_row(&snapshot);
    assert_eq!((from_sql.pairs, from_sql.first_held, from_sql.outcomes.survey_answers), (from_snapshot.pairs, from_snapshot.first_held, from_snapshot.outcomes.survey_answers));
    assert_eq!((from_sql.outcomes.goal_completion, from_sql.outcomes.recommend_score), (from_snapshot.outcomes.goal_completion, from_snapshot.outcomes.recommend_score));
    let (a, b) = (from_sql.outcomes.mean_rating.unwrap(), from_snapshot.outcomes.mean_rating.unwrap());
    assert!((a - b).abs() < 1e-9, "mean rating {a} in SQL, {b} from the snapshot");
    let excepted = upmentor::insights::db::programme_rows(&f.db, admin_id, f.programme).await.unwrap();
    assert_eq!(excepted.iter().find(|r| r.id == f.programme).map(|r| (r.pairs, r.outcomes.mean_rating)), Some((0, None)));
    // Nothing admins must not read.
    for secret in [CHAT, SHARED_NOTE, PRIVATE_NOTE] {
        assert!(!b.to_string().contains(secret), "{secret} leaked into the insights");
    }

    // A group filter changes the figures; a small group is withheld.
    let sales = get("department", "Sales").await;
    assert_eq!(sales.body["withheld"], false);
    let given: i64 = sales.body["ratings"].as_array().unwrap().iter().map(|p| p["ratings"].as_i64().unwrap()).sum();
    assert_eq!(given, 2, "only the mentors' ratings");
    let legal = get("department", "Legal").await;
    assert_eq!((legal.body["withheld"].as_bool(), legal.body["people"].as_i64()), (Some(true), Some(1)));
    assert!(legal.body["funnel"].as_array().unwrap().is_empty() && legal.body["survey"]["learned"].as_array().unwrap().is_empty());
    let bad = admin.form("insights/get", &[("id", &sid), ("dimension", "shoe_size"), ("value", "9"), ("compare_by", "")]).await;
    assert_eq!(bad.status, 422);
    assert!(field_error(&bad.body, "group").is_some());

    // Each figure leads to its pairs.
    let drill = |key: &'static str| {
        let admin = &admin;
        let sid = sid.clone();
        async move { admin.form("insights/pairs", &[("id", &sid), ("key", key), ("dimension", ""), ("value", "")]).await }
    };
    let none = drill("first:none").await;
    assert_eq!(none.body["total"], 3);
    let ids: Vec<i64> = none.body["pairs"].as_array().unwrap().iter().map(|p| p["pair_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![f.pairs[5], f.pairs[4], f.pairs[3]]);
    assert_eq!(drill("cadence:monthly").await.body["total"], 2);
    assert_eq!(drill("roadblocks:open").await.body["pairs"][0]["pair_id"], f.pairs[2]);
    assert_eq!(drill("nonsense").await.status, 422);

    // Health: P2, P3 and P4 at risk with their reasons.
    let health = admin.form("insights/health", &[("id", &sid)]).await;
    assert_eq!(health.status, 200, "{:?}", health.body);
    let reasons = |pair: i64| -> Vec<String> {
        health.body["pairs"].as_array().unwrap().iter().find(|p| p["pair_id"] == pair).map(|p| p["flags"].as_array().unwrap().iter().map(|f| f["reason"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
    };
    assert_eq!(reasons(f.pairs[1]), vec!["no_checkin", "no_message", "low_rating", "not_fit"]);
    assert_eq!(reasons(f.pairs[2]), vec!["missed_twice", "open_roadblock", "one_sided"]);
    assert_eq!(reasons(f.pairs[3]), vec!["no_checkin", "no_message"]);
    assert!(reasons(f.pairs[0]).is_empty() && reasons(f.pairs[5]).is_empty());

    // A nudge reaches both members' inboxes, once a week, even when two admins send at once.
    let p3 = f.pairs[2].to_string();
    let nudge_fields = [("pair_id", p3.as_str()), ("message", "How about a check-in this week?")];
    let nudge = || admin.form("insights/nudge", &nudge_fields);
    let (a, b2) = tokio::join!(nudge(), nudge());
    let mut statuses = vec![a.status, b2.status];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "{:?} {:?}", a.body, b2.body);
    assert!(b2.body.to_string().contains("one nudge a week") || a.body.to_string().contains("one nudge a week"));
    assert_eq!(upmentor::insights::db::nudge_count(&f.db, f.pairs[2]).await.unwrap(), 1);
    let victor = signed_in(app, MENTEE).await;
    let inbox = victor.form("me/inbox", &[]).await;
    assert!(inbox.body["items"].as_array().unwrap().iter().any(|n| n["body"] == "How about a check-in this week?"), "{:?}", inbox.body);
    let again = nudge().await;
    assert_eq!(again.status, 409);
    let empty = admin.form("insights/nudge", &[("pair_id", &p3), ("message", "   ")]).await;
    assert!(field_error(&empty.body, "message").is_some());
    let long = admin.form("insights/nudge", &[("pair_id", &p3), ("message", &"x".repeat(1001))]).await;
    assert!(field_error(&long.body, "message").is_some());
    let ended = admin.form("insights/nudge", &[("pair_id", &f.pairs[4].to_string()), ("message", "hi")]).await;
    assert_eq!(ended.status, 409);

    // "Handled" takes P4 off the list until a new reason appears.
    let p4 = f.pairs[3].to_string();
    assert_eq!(admin.form("insights/handled", &[("pair_id", &p4), ("note", "Called both; on holiday.")]).await.status, 200);
    let health = admin.form("insights/health", &[("id", &sid)]).await;
    assert!(health.body["pairs"].as_array().unwrap().iter().all(|p| p["pair_id"] != f.pairs[3]));
    assert_eq!(health.body["handled"], 1);
    assert_eq!(admin.form("insights/handled", &[("pair_id", &f.pairs[0].to_string()), ("note", "")]).await.status, 409, "P1 is not flagged");

    // Triage: Dana's roadblock is acknowledged with a private note; she sees the state only.
    let rbs = admin.form("insights/roadblocks", &[("id", &sid)]).await;
    assert_eq!((rbs.body["open"].as_i64(), rbs.body["acknowledged"].as_i64()), (Some(1), Some(0)));
    let open = rbs.body["rows"].as_array().unwrap().iter().find(|r| r["state"] == "open").unwrap().clone();
    let rid = open["id"].to_string();
    let ack = admin.form("insights/roadblock", &[("id", &rid), ("from", "open"), ("to", "acknowledged"), ("note", ADMIN_NOTE)]).await;
    assert_eq!(ack.status, 200, "{:?}", ack.body);
    let dana = signed_in(app, MENTOR).await;
    let mine = dana.form("pairs/my_roadblocks", &[("pair_id", &p3)]).await;
    assert_eq!(mine.body[0]["state"], "acknowledged");
    assert!(!mine.body.to_string().contains(ADMIN_NOTE));
    let dana_inbox = dana.form("me/inbox", &[]).await;
    assert!(!dana_inbox.body.to_string().contains(ADMIN_NOTE));
    assert!(dana_inbox.body.to_string().contains("Roadblock: Acknowledged"));
    assert_eq!(victor.form("pairs/my_roadblocks", &[("pair_id", &p3)]).await.body, json!([]), "the partner does not see it");
    // Resolved from two tabs at once: one lands, the other is told; its reporter is told once.
    let resolve_fields = [("id", rid.as_str()), ("from", "acknowledged"), ("to", "resolved"), ("note", ADMIN_NOTE)];
    let resolve = || admin.form("insights/roadblock", &resolve_fields);
    let (x, y) = tokio::join!(resolve(), resolve());
    let mut s = vec![x.status, y.status];
    s.sort();
    assert_eq!(s, vec![200, 409], "{:?} {:?}", x.body, y.body);
    // A note saved from a tab that still shows it acknowledged does not undo the resolve.
    let stale = admin.form("insights/roadblock", &[("id", &rid), ("from", "acknowledged"), ("to", "acknowledged"), ("note", "stale")]).await;
    assert_eq!(stale.status, 409);
    let stale_reopen = admin.form("insights/roadblock", &[("id", &rid), ("from", "open"), ("to", "open"), ("note", "stale")]).await;
    assert_eq!(stale_reopen.status, 409);
    let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND title LIKE 'Roadblock: Resolved%'")
        .bind(f.people[2])
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(told, 1);
    let bad = admin.form("insights/roadblock", &[("id", &rid), ("from", "resolved"), ("to", "lost"), ("note", "")]).await;
    assert!(field_error(&bad.body, "state").is_some());
    let skip = admin.form("insights/roadblock", &[("id", &rid), ("from", "resolved"), ("to", "acknowledged"), ("note", "")]).await;
    assert!(field_error(&skip.body, "state").is_some(), "resolved goes back to open only");
    let after = admin.form("insights/get", &[("id", &sid), ("dimension", ""), ("value", ""), ("compare_by", "")]).await;
    assert_eq!((after.body["roadblocks"]["resolved"].as_i64(), after.body["roadblocks"]["open"].as_i64()), (Some(2), Some(0)));

    // Calibration says "not enough data" below its threshold, with the count.
    let cal = admin.form("insights/calibration", &[("id", &sid), ("outcome", "rating")]).await;
    assert_eq!(cal.status, 200, "{:?}", cal.body);
    assert_eq!((cal.body["pairs"].as_i64(), cal.body["threshold"].as_i64(), cal.body["effects"].as_array().map(|e| e.len())), (Some(3), Some(30), Some(0)));

    // CSV of every table, cells neutralised (a lunch & learn session, so its table has a row).
    let session = admin
        .form("sessions/propose", &[("programme_id", &sid), ("topic", "Fixture lunch"), ("description", ""), ("date", &day(3)), ("time", "12:00"),
            ("minutes", "30"), ("format", "room"), ("place", "Room 1"), ("capacity", "5")])
        .await;
    assert_eq!(session.status, 200, "{:?}", session.body);
    for (slug, _) in upmentor::insights::TABLES_FOR_PAGE {
        let (status, headers, body) = admin.get(&format!("/programmes/{sid}/insights-file/{slug}?dimension=&value=&compare_by=department&key=")).await;
        assert_eq!(status, 200, "{slug}");
        assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(body.starts_with('\u{feff}') && body.lines().count() >= 2, "{slug}: {body}");
        for secret in [CHAT, SHARED_NOTE, PRIVATE_NOTE] {
            assert!(!body.contains(secret), "{slug}");
        }
    }
    let (_, _, groups) = admin.get(&format!("/programmes/{sid}/insights-file/groups?compare_by=department")).await;
    assert!(groups.contains("'=cmd"), "{groups}");
    let (_, _, pairs_csv) = admin.get(&format!("/programmes/{sid}/insights-file/pairs?key=first:none")).await;
    assert_eq!(pairs_csv.lines().count(), 4, "a header and three pairs");
    assert_eq!(admin.get(&format!("/programmes/{sid}/insights-file/nothing")).await.0, 404);

    // A survey saved in the workspace: "gained" and the consent to be quoted reach the figures.
    let saved = victor.json("pairs/survey", json!({"pair_id": f.pairs[2], "input": {"learned": "How to run a meeting in twelve minutes", "recommend": "9", "again": "yes", "gained": "yes", "share_quote": true}})).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let bad = victor.json("pairs/survey", json!({"pair_id": f.pairs[2], "input": {"learned": "x", "recommend": "9", "again": "yes", "gained": "maybe"}})).await;
    assert!(field_error(&bad.body, "gained").is_some());
    let after = admin.form("insights/get", &[("id", &sid), ("dimension", ""), ("value", ""), ("compare_by", "")]).await;
    let s = &after.body["survey"];
    assert_eq!((s["answers"].as_i64(), s["mentee_answers"].as_i64(), s["mentees_gained"].as_i64()), (Some(3), Some(2), Some(1)));
    assert!(s["quotes"].as_array().unwrap().contains(&json!(["mentee", "How to run a meeting in twelve minutes"])));

    // The gentle automatic nudge: P6 has gone 25 days without a check-in (past 21, before 35).
    assert_eq!(upmentor::insights::db::send_automatic_nudges(&f.db).await.unwrap(), 1);
    assert_eq!(upmentor::insights::db::send_automatic_nudges(&f.db).await.unwrap(), 0, "once a week");
    let mia = signed_in(app, MIA).await;
    let inbox = mia.form("me/inbox", &[]).await;
    assert!(inbox.body["items"].as_array().unwrap().iter().any(|n| n["title"] == "Time for a check-in?"), "{:?}", inbox.body);
}

async fn only_the_programmes_admins_see_insights(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let f = fixture(app, &admin).await;
    let sid = f.programme.to_string();
    let p3 = f.pairs[2].to_string();
    let rid: i64 = sqlx::query_scalar("SELECT id FROM roadblocks WHERE pair_id = $1").bind(f.pairs[2]).fetch_one(&f.db.pool).await.unwrap();
    let rid = rid.to_string();
    let other_admin = app.another_admin("other.insights@demo.upmentor.test").await;
    let dana = signed_in(app, MENTOR).await;
    let stranger = app.client();
    for (who, c, expected) in [("another programme's admin", &other_admin, 403), ("an employee in the programme", &dana, 403), ("signed out", &stranger, 401)] {
        assert_eq!(c.form("insights/get", &[("id", &sid), ("dimension", ""), ("value", ""), ("compare_by", "")]).await.status, expected, "{who}");
        assert_eq!(c.form("insights/pairs", &[("id", &sid), ("key", "all"), ("dimension", ""), ("value", "")]).await.status, expected, "{who}");
        assert_eq!(c.form("insights/health", &[("id", &sid)]).await.status, expected, "{who}");
        assert_eq!(c.form("insights/nudge", &[("pair_id", &p3), ("message", "hi")]).await.status, expected, "{who}");
        assert_eq!(c.form("insights/handled", &[("pair_id", &p3), ("note", "")]).await.status, expected, "{who}");
        assert_eq!(c.form("insights/roadblocks", &[("id", &sid)]).await.status, expected, "{who}");
        assert_eq!(c.form("insights/roadblock", &[("id", &rid), ("from", "open"), ("to", "resolved"), ("note", "")]).await.status, expected, "{who}");
        assert_eq!(c.form("insights/calibration", &[("id", &sid), ("outcome", "rating")]).await.status, expected, "{who}");
        assert_eq!(c.form("insights/programme", &[("id", &sid)]).await.status, expected, "{who}");
        assert_eq!(c.get(&format!("/programmes/{sid}/insights-file/funnel")).await.0, expected, "{who}");
        // The page streams in order after one blocking check, so a refusal still carries its
        // status, and none of the figures follow it.
        let (status, _, html) = c.get(&format!("/programmes/{sid}/insights")).await;
        assert_eq!(status, expected, "{who}: the insights page");
        assert!(!html.contains("Pairs at risk") && !html.contains("at-risk-pair"), "{who}: the page carries no figures");
    }
    let (status, headers, html) = admin.get(&format!("/programmes/{sid}/insights")).await;
    assert_eq!(status, 200);
    assert!(headers.get("content-security-policy").is_some());
    assert!(html.contains("<title>Insights: Measured · Upmentor</title>"), "{html:.300}");
    for part in ["Pairs at risk", "Roadblock triage", "Calibrate the matching", "</main>", "</html>"] {
        assert!(html.contains(part), "the whole page, in order: no {part:?}");
    }
    assert_eq!(admin.get("/programmes/999999/insights").await.0, 404);
    // A group filter the figures refuse says so in the status too, before the page streams.
    assert_eq!(admin.get(&format!("/programmes/{sid}/insights?group=shoe_size:9")).await.0, 422);
    // Nothing changed: no nudge, the roadblock still open.
    assert_eq!(upmentor::insights::db::nudge_count(&f.db, f.pairs[2]).await.unwrap(), 0);
    let state: String = sqlx::query_scalar("SELECT state FROM roadblocks WHERE pair_id = $1").bind(f.pairs[2]).fetch_one(&f.db.pool).await.unwrap();
    assert_eq!(state, "open");
    // Unknown programmes and pairs answer 404.
    assert_eq!(admin.form("insights/get", &[("id", "999999"), ("dimension", ""), ("value", ""), ("compare_by", "")]).await.status, 404);
    assert_eq!(admin.form("insights/nudge", &[("pair_id", "999999"), ("message", "hi")]).await.status, 404);
    // Bad targets in the programme form are refused at their field.
    let p = json!({"name": "Bad targets", "objectives": "", "tags": [], "kind": "reverse",
        "starts_on": day(1), "ends_on": day(100), "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false,
        "targets": [{"metric": "mean_rating", "target": "9"}], "health": {"quiet_checkin_days": "35", "quiet_message_days": "28", "low_rating": "2", "nudge_checkin_days": "40"}});
    let bad = admin.json("programmes/create", json!({"input": p})).await;
    assert_eq!(bad.status, 422);
    assert!(field_error(&bad.body, "targets.0.target").is_some() && field_error(&bad.body, "nudge_checkin_days").is_some(), "{:?}", bad.body);
}
