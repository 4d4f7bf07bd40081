//! Training guides through HTTP, as participants, admins and strangers see them, on SQLite and
//! on PostgreSQL: reading, check questions, marking done (once, from two tabs at once), the
//! admins' editor (one guide from a double click, no silent overwrite), completion on the
//! manage and insights pages, and the starter guides given to programmes made before guides.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;
use common::*;
use serde_json::{json, Value};
use upmentor::server::db::Db;

on_both_backends!(
    participants_read_guides_and_admins_see_who_did,
    admins_write_guides_that_are_sanitised_and_never_overwritten_unseen,
    a_guide_done_in_two_tabs_and_a_guide_added_twice_at_once_count_once,
    programmes_made_before_guides_get_the_starter_guides,
    more_people_behind_than_listed_are_all_counted_by_role,
);

const MIA: &str = "mia.designer@demo.upmentor.test";

/// A programme run by the demo admin with Dana mentoring Victor, paired by hand (which enrols
/// both). Returns (programme, pair).
async fn programme_with_a_pair(app: &TestApp) -> (i64, i64) {
    let a = signed_in(app, ADMIN).await;
    let p = json!({"name": "Guided", "objectives": "", "tags": [], "kind": "reverse",
        "starts_on": day(1), "ends_on": day(100), "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let created = a.json("programmes/create", json!({"input": p})).await;
    let id = created.body.as_i64().unwrap_or_else(|| panic!("{:?}", created.body));
    let pair = a.form("pairs/create", &[("programme_id", &id.to_string()), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    assert_eq!(pair.status, 200, "{:?}", pair.body);
    (id, pair.body.as_i64().unwrap())
}

fn guide_by_title<'a>(list: &'a Value, title: &str) -> &'a Value {
    list["guides"].as_array().unwrap().iter().find(|g| g["title"] == title).unwrap_or_else(|| panic!("{title} in {list}"))
}

fn titles(list: &Value) -> Vec<String> {
    list["guides"].as_array().unwrap().iter().map(|g| g["title"].as_str().unwrap().to_string()).collect()
}

const MENTOR_GUIDE: &str = "Mentoring someone more senior";
const MENTEE_GUIDE: &str = "Being mentored by a junior colleague";
const LEAD_GUIDE: &str = "Running the programme: a lead's checklist";
const FIRST_MEETING: &str = "Your first meeting";

async fn participants_read_guides_and_admins_see_who_did(app: &TestApp) {
    let (programme, pair) = programme_with_a_pair(app).await;
    let pid = programme.to_string();
    let (admin, dana, victor, mia, stranger) = (signed_in(app, ADMIN).await, signed_in(app, MENTOR).await, signed_in(app, MENTEE).await, signed_in(app, MIA).await, app.client());

    // Every programme starts with the starter guides; participants do not see the leads' one.
    let all = admin.form("training/list", &[("programme_id", &pid)]).await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(titles(&all.body).len(), upmentor::training::STARTER_GUIDES.len());
    assert!(titles(&all.body).contains(&LEAD_GUIDE.to_string()));
    let mine = dana.form("training/list", &[("programme_id", &pid)]).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["my_role"], "mentor");
    assert!(!titles(&mine.body).contains(&LEAD_GUIDE.to_string()));
    assert_eq!(guide_by_title(&mine.body, MENTOR_GUIDE)["required"], true);
    assert_eq!(guide_by_title(&mine.body, MENTOR_GUIDE)["done"], false);
    assert_eq!(mia.form("training/list", &[("programme_id", &pid)]).await.status, 403, "someone not in the programme");
    assert_eq!(stranger.form("training/list", &[("programme_id", &pid)]).await.status, 401);
    assert_eq!(admin.form("training/list", &[("programme_id", "999999")]).await.status, 404);

    let mentor_guide = guide_by_title(&all.body, MENTOR_GUIDE)["id"].as_i64().unwrap().to_string();
    let mentee_guide = guide_by_title(&all.body, MENTEE_GUIDE)["id"].as_i64().unwrap().to_string();
    let lead_guide = guide_by_title(&all.body, LEAD_GUIDE)["id"].as_i64().unwrap().to_string();
    assert_eq!(dana.form("training/guide", &[("guide_id", &lead_guide)]).await.status, 404, "the leads' guide is not for participants");
    assert_eq!(mia.form("training/guide", &[("guide_id", &mentor_guide)]).await.status, 403);

    // Reading: sanitised HTML, questions without their answers (the admin gets them to edit).
    let g = dana.form("training/guide", &[("guide_id", &mentor_guide)]).await;
    assert_eq!(g.status, 200, "{:?}", g.body);
    assert!(g.body["html"].as_str().unwrap().contains("<h2>Before the first meeting</h2>"), "{}", g.body["html"]);
    assert_eq!(g.body["questions"].as_array().unwrap().len(), 2);
    assert!(g.body["questions"][0].get("answer").is_none(), "answers never reach a participant: {}", g.body["questions"]);
    assert!(g.body["edit"].is_null());
    let as_admin = admin.form("training/guide", &[("guide_id", &mentor_guide)]).await;
    assert_eq!(as_admin.body["questions"][0]["answer"], 1);
    assert_eq!(as_admin.body["edit"]["q1_answer"], "2");

    // Wrong and missing answers are refused at their fields; right ones mark it done, once.
    let wrong = dana.form("training/done", &[("guide_id", &mentor_guide), ("a1", "0")]).await;
    assert_eq!(wrong.status, 422, "{:?}", wrong.body);
    assert!(field_error(&wrong.body, "a1").unwrap().contains("Not quite"));
    assert_eq!(field_error(&wrong.body, "a2").as_deref(), Some("Choose an answer."));
    let right = [("guide_id", mentor_guide.as_str()), ("a1", "1"), ("a2", "1")];
    assert_eq!(dana.form("training/done", &right).await.status, 200);
    assert_eq!(dana.form("training/done", &right).await.status, 200, "again changes nothing");
    assert_eq!(mia.form("training/done", &right).await.status, 403);
    assert_eq!(dana.form("training/guide", &[("guide_id", &mentor_guide)]).await.body["done"], true);

    // The workspace links each member's guides, required first, with their own progress.
    let ws = dana.form("pairs/workspace", &[("pair_id", &pair.to_string())]).await;
    assert_eq!(ws.body["guides"][0]["title"], MENTOR_GUIDE, "{}", ws.body["guides"]);
    assert_eq!(ws.body["guides"][0]["done"], true);
    assert!(ws.body["partner_guides"].as_array().unwrap().iter().any(|g| g["title"] == MENTEE_GUIDE));
    assert!(ws.body["partner_guides"].as_array().unwrap().iter().all(|g| g["done"] == false && g["title"] != MENTOR_GUIDE));
    let page = dana.get(&format!("/pairs/{pair}")).await.2;
    assert!(page.contains(&format!("href=\"/guides/{mentor_guide}\"")), "the workspace page links the guide");

    // The admin sees who did what; participants do not.
    let progress = admin.form("training/progress", &[("programme_id", &pid), ("outcomes", "true")]).await;
    assert_eq!(progress.status, 200, "{:?}", progress.body);
    assert_eq!((progress.body["mentors_ready"].as_u64(), progress.body["mentors"].as_u64()), (Some(1), Some(1)));
    assert_eq!((progress.body["mentees_ready"].as_u64(), progress.body["mentees"].as_u64()), (Some(0), Some(1)));
    assert_eq!(progress.body["behind_total"], 1);
    assert_eq!(progress.body["behind"][0]["name"], "Victor Lindqvist");
    // The pair counts as trained only once both have done their required guides.
    assert_eq!((progress.body["outcomes"]["trained"]["pairs"].as_u64(), progress.body["outcomes"]["untrained"]["pairs"].as_u64()), (Some(0), Some(1)), "{:?}", progress.body);
    let without = admin.form("training/progress", &[("programme_id", &pid)]).await;
    assert_eq!(without.body["outcomes"], Value::Null, "the manage page's call leaves the ratings out");
    assert_eq!(without.body["behind"], progress.body["behind"]);
    let row = progress.body["guides"].as_array().unwrap().iter().find(|g| g["title"] == MENTOR_GUIDE).unwrap();
    assert_eq!((row["done"].as_u64(), row["of"].as_u64()), (Some(1), Some(1)));
    assert_eq!(dana.form("training/progress", &[("programme_id", &pid)]).await.status, 403);
    let manage = admin.get(&format!("/programmes/{programme}/manage")).await.2;
    assert!(manage.contains("Required guides done: 1 of 1 mentors, 0 of 1 mentees."), "the manage page shows completion");
    let (status, _, csv) = admin.get(&format!("/programmes/{programme}/insights-file/training")).await;
    assert_eq!(status, 200);
    assert!(csv.lines().any(|l| l.starts_with(MENTOR_GUIDE) && l.ends_with(",yes,1,1")), "{csv}");
    assert_eq!(dana.get(&format!("/programmes/{programme}/insights-file/training")).await.0, 403);

    // Victor does his; now nobody is behind.
    assert_eq!(victor.form("training/done", &[("guide_id", &mentee_guide), ("a1", "1"), ("a2", "1")]).await.status, 200);
    let after = admin.form("training/progress", &[("programme_id", &pid), ("outcomes", "true")]).await;
    assert_eq!(after.body["behind_total"], 0);
    assert_eq!(after.body["mentees_ready"], 1);
    assert_eq!((after.body["outcomes"]["trained"]["pairs"].as_u64(), after.body["outcomes"]["untrained"]["pairs"].as_u64()), (Some(1), Some(0)), "{:?}", after.body);
}

/// At 66 people behind, the manage page lists the first 50 by name and counts all 66, each
/// under their role: the counts come from every person behind, not from the page listed, and
/// count people, not the guides they have yet to read.
async fn more_people_behind_than_listed_are_all_counted_by_role(app: &TestApp) {
    let (programme, _) = programme_with_a_pair(app).await;
    let pid = programme.to_string();
    let (admin, dana) = (signed_in(app, ADMIN).await, signed_in(app, MENTOR).await);
    let db = Db::connect(&app.database_url()).await.unwrap();
    for k in 0..65 {
        sqlx::query("INSERT INTO users (email, name, level, department, created_at, updated_at) VALUES ($1, $2, $3, 'Finance', 1, 1)")
            .bind(format!("trainee.{k:02}@demo.upmentor.test"))
            .bind(format!("Aaron Trainee {k:02}"))
            .bind(if k < 40 { 2 } else { 8 })
            .execute(&db.pool)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO enrolments (programme_id, user_id, role, status, created_at)
         SELECT $1, id, CASE WHEN level <= 4 THEN 'mentor' ELSE 'mentee' END, 'approved', 1 FROM users WHERE email LIKE 'trainee.%'",
    )
    .bind(programme)
    .execute(&db.pool)
    .await
    .unwrap();
    // Two required guides for everyone: a person behind on both still counts once.
    sqlx::query("UPDATE guides SET required = 1 WHERE programme_id = $1 AND title = $2").bind(programme).bind(FIRST_MEETING).execute(&db.pool).await.unwrap();
    let all = admin.form("training/list", &[("programme_id", &pid)]).await;
    let mentor_guide = guide_by_title(&all.body, MENTOR_GUIDE)["id"].as_i64().unwrap().to_string();
    let first_meeting = guide_by_title(&all.body, FIRST_MEETING)["id"].as_i64().unwrap().to_string();
    assert_eq!(dana.form("training/done", &[("guide_id", &mentor_guide), ("a1", "1"), ("a2", "1")]).await.status, 200);
    assert_eq!(dana.form("training/done", &[("guide_id", &first_meeting)]).await.status, 200);

    let p = admin.form("training/progress", &[("programme_id", &pid)]).await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    // 41 mentors (Dana and 40 trainees), 26 mentees (Victor and 25); only Dana is ready.
    let counts = |k: &str| p.body[k].as_u64();
    assert_eq!((counts("mentors_ready"), counts("mentors"), counts("mentees_ready"), counts("mentees")), (Some(1), Some(41), Some(0), Some(26)), "{:?}", p.body);
    assert_eq!(p.body["behind_total"], 66);
    let behind = p.body["behind"].as_array().unwrap();
    assert_eq!(behind.len(), upmentor::training::MAX_BEHIND_LISTED);
    assert_eq!(behind[0]["name"], "Aaron Trainee 00", "by name");
    assert_eq!(behind[0]["missing"], 2, "both required guides");
    assert_eq!(behind[49]["name"], "Aaron Trainee 49");
    let manage = admin.get(&format!("/programmes/{programme}/manage")).await.2;
    assert!(manage.contains("Still to read a required guide (66)"), "the page counts everyone behind");
    assert!(manage.contains("The first 50 are listed."));
}

fn guide_fields<'a>(title: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("audience", "everyone"),
        ("required", "on"),
        ("body", body),
        ("q1_prompt", "Is it safe?"),
        ("q1_options", "Yes\nNo"),
        ("q1_answer", "1"),
        ("q2_prompt", ""),
        ("q2_options", ""),
        ("q2_answer", ""),
        ("q3_prompt", ""),
        ("q3_options", ""),
        ("q3_answer", ""),
    ]
}

async fn admins_write_guides_that_are_sanitised_and_never_overwritten_unseen(app: &TestApp) {
    let (programme, _) = programme_with_a_pair(app).await;
    let pid = programme.to_string();
    let (admin, dana) = (signed_in(app, ADMIN).await, signed_in(app, MENTOR).await);
    let body = "## Our house rules\n\n<script>alert(1)</script>\n\n[me](javascript:alert(2)) <img src=x onerror=alert(3)> **kind**";
    let mut fields = vec![("programme_id", pid.as_str())];
    fields.extend(guide_fields("House rules", body));
    assert_eq!(dana.form("training/add", &fields).await.status, 403, "a participant cannot add guides");
    let added = admin.form("training/add", &fields).await;
    assert_eq!(added.status, 200, "{:?}", added.body);
    let gid = added.body.as_i64().unwrap().to_string();
    let read = dana.form("training/guide", &[("guide_id", &gid)]).await;
    let html = read.body["html"].as_str().unwrap();
    assert!(html.contains("<h2>Our house rules</h2>") && html.contains("<strong>kind</strong>"), "{html}");
    for bad in ["<script", "javascript:", "<img", "onerror"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    let page = dana.get(&format!("/guides/{gid}")).await.2;
    assert!(page.contains("<h2>Our house rules</h2>") && !page.contains("alert(1)"), "the page carries the sanitised text");

    // The same title (whatever its case and spacing) is refused at the title.
    let mut again = vec![("programme_id", pid.as_str())];
    again.extend(guide_fields("  house   RULES ", "Other"));
    let dup = admin.form("training/add", &again).await;
    assert_eq!(dup.status, 409, "{:?}", dup.body);
    assert!(field_error(&dup.body, "title").unwrap().contains("has a guide with this title"));
    // Faulty fields are each named.
    let mut bad = vec![("programme_id", pid.as_str())];
    bad.extend(guide_fields("", ""));
    bad.retain(|(k, _)| *k != "q1_answer");
    bad.push(("q1_answer", "3"));
    let refused = admin.form("training/add", &bad).await;
    assert_eq!(refused.status, 422);
    for f in ["title", "body", "q1_answer"] {
        assert!(field_error(&refused.body, f).is_some(), "{f}: {:?}", refused.body);
    }
    let huge = "x".repeat(upmentor::training::MAX_BODY + 1);
    let mut long = vec![("programme_id", pid.as_str())];
    long.extend(guide_fields("Long", &huge));
    assert!(field_error(&admin.form("training/add", &long).await.body, "body").is_some());

    // Two admins edit from the same version: the second is told, and nothing is lost silently.
    let version = admin.form("training/guide", &[("guide_id", &gid)]).await.body["edit"]["version"].as_i64().unwrap().to_string();
    let mut first = vec![("guide_id", gid.as_str()), ("version", version.as_str())];
    first.extend(guide_fields("House rules", "First edit"));
    assert_eq!(admin.form("training/edit", &first).await.status, 200);
    let mut second = vec![("guide_id", gid.as_str()), ("version", version.as_str())];
    second.extend(guide_fields("House rules", "Second edit"));
    let stale = admin.form("training/edit", &second).await;
    assert_eq!(stale.status, 409, "{:?}", stale.body);
    assert!(stale.body.to_string().contains("Someone saved this guide after you opened it"));
    let now = admin.form("training/guide", &[("guide_id", &gid)]).await;
    assert_eq!(now.body["edit"]["body"], "First edit");
    assert_eq!(dana.form("training/edit", &first).await.status, 403);

    // Deleting: admins only; then it is gone for everyone.
    assert_eq!(dana.form("training/delete", &[("guide_id", &gid)]).await.status, 403);
    assert_eq!(admin.form("training/delete", &[("guide_id", &gid)]).await.status, 200);
    assert_eq!(dana.form("training/guide", &[("guide_id", &gid)]).await.status, 404);
}

async fn a_guide_done_in_two_tabs_and_a_guide_added_twice_at_once_count_once(app: &TestApp) {
    let (programme, _) = programme_with_a_pair(app).await;
    let pid = programme.to_string();
    let admin = signed_in(app, ADMIN).await;
    let all = admin.form("training/list", &[("programme_id", &pid)]).await;
    let first_meeting = guide_by_title(&all.body, FIRST_MEETING)["id"].as_i64().unwrap().to_string();
    let (tab1, tab2) = (signed_in(app, MENTOR).await, signed_in(app, MENTOR).await);
    let done = [("guide_id", first_meeting.as_str())];
    let (a, b) = tokio::join!(tab1.form("training/done", &done), tab2.form("training/done", &done));
    assert_eq!((a.status, b.status), (200, 200), "{:?} {:?}", a.body, b.body);
    let progress = admin.form("training/progress", &[("programme_id", &pid)]).await;
    let row = progress.body["guides"].as_array().unwrap().iter().find(|g| g["title"] == FIRST_MEETING).unwrap();
    assert_eq!(row["done"], 1, "one completion from two tabs");

    let other = app.another_admin("second.admin@demo.upmentor.test").await;
    // The second admin runs this programme too.
    let db = Db::connect(&app.database_url()).await.unwrap();
    let second: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind("second.admin@demo.upmentor.test").fetch_one(&db.pool).await.unwrap();
    sqlx::query("INSERT INTO programme_admins (programme_id, user_id) VALUES ($1, $2)").bind(programme).bind(second).execute(&db.pool).await.unwrap();
    let mut fields = vec![("programme_id", pid.as_str())];
    fields.extend(guide_fields("Meeting rooms", "Book a quiet room."));
    let (x, y) = tokio::join!(admin.form("training/add", &fields), other.form("training/add", &fields));
    let mut statuses = [x.status, y.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{:?} {:?}", x.body, y.body);
    let loser = if x.status == 409 { &x } else { &y };
    assert!(field_error(&loser.body, "title").is_some(), "{:?}", loser.body);
    let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM guides WHERE programme_id = $1 AND title = 'Meeting rooms'").bind(programme).fetch_one(&db.pool).await.unwrap();
    assert_eq!(made, 1);
}

async fn programmes_made_before_guides_get_the_starter_guides(app: &TestApp) {
    let (programme, _) = programme_with_a_pair(app).await;
    let db = Db::connect(&app.database_url()).await.unwrap();
    // As a programme made before this version looks: no guides, not yet seeded.
    sqlx::query("DELETE FROM guides WHERE programme_id = $1").bind(programme).execute(&db.pool).await.unwrap();
    sqlx::query("UPDATE programmes SET guides_seeded = 0 WHERE id = $1").bind(programme).execute(&db.pool).await.unwrap();
    // What every start does (the `migrate` command prepares the database as the server does).
    assert!(app.cli(&["migrate"]).contains("up to date"));
    let admin = signed_in(app, ADMIN).await;
    let list = admin.form("training/list", &[("programme_id", &programme.to_string())]).await;
    assert_eq!(titles(&list.body).len(), upmentor::training::STARTER_GUIDES.len(), "{:?}", list.body);

    // An admin who deletes a starter guide does not get it back at the next start.
    let lead = guide_by_title(&list.body, LEAD_GUIDE)["id"].as_i64().unwrap().to_string();
    assert_eq!(admin.form("training/delete", &[("guide_id", &lead)]).await.status, 200);
    app.cli(&["migrate"]);
    let list = admin.form("training/list", &[("programme_id", &programme.to_string())]).await;
    assert_eq!(titles(&list.body).len(), upmentor::training::STARTER_GUIDES.len() - 1);
}
