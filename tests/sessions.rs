//! Lunch & learn sessions through HTTP, on SQLite and on PostgreSQL: a junior proposes, an
//! admin approves, seats fill and a waiting line forms and moves, the shared page's materials
//! and discussion, attendance and ratings after the start, calendars, insights, reminders; and
//! seats taken at once never exceed the capacity.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;
use upmentor::server::db::Db;

on_both_backends!(
    a_session_is_proposed_approved_filled_and_rated,
    seats_taken_at_once_never_exceed_the_capacity,
);

const MIA: &str = "mia.designer@demo.upmentor.test";

/// A programme run by the demo admin where Dana mentors Victor and Mia mentors the admin (all
/// four approved by the pairing). Returns its id.
async fn programme(app: &TestApp) -> i64 {
    let a = signed_in(app, ADMIN).await;
    let p = json!({"name": "Lunch club", "objectives": "", "tags": [], "kind": "group",
        "starts_on": day(1), "ends_on": day(100), "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "8", "self_match": false});
    let id = a.json("programmes/create", json!({"input": p})).await.body.as_i64().unwrap();
    for (mentor, mentee) in [(MENTOR, MENTEE), (MIA, ADMIN)] {
        let r = a.form("pairs/create", &[("programme_id", &id.to_string()), ("mentor_email", mentor), ("mentee_email", mentee)]).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    id
}

fn proposal(programme: i64, topic: &str, days: i64, capacity: &str) -> Vec<(String, String)> {
    [
        ("programme_id", programme.to_string()),
        ("topic", topic.to_string()),
        ("description", "What short video does for a brand, hands on.".to_string()),
        ("date", day(days)),
        ("time", "12:30".to_string()),
        ("minutes", "45".to_string()),
        ("format", "online".to_string()),
        ("place", "https://meet.example.test/lunch".to_string()),
        ("capacity", capacity.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

async fn send(c: &Client, endpoint: &str, fields: &[(String, String)]) -> Reply {
    let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.form(endpoint, &f).await
}

async fn page(c: &Client, id: &str) -> Value {
    let r = c.form("sessions/get", &[("session_id", id)]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

async fn a_session_is_proposed_approved_filled_and_rated(app: &TestApp) {
    let programme = programme(app).await;
    let (admin, dana, victor, mia, stranger) = (signed_in(app, ADMIN).await, signed_in(app, MENTOR).await, signed_in(app, MENTEE).await, signed_in(app, MIA).await, app.client());

    // Bad input is named field by field; a time gone by is refused at the date.
    let mut bad = proposal(programme, "", 3, "0");
    bad[4].1 = "25:00".into();
    bad[7].1 = "http://insecure.example.test".into();
    let refused = send(&mia, "sessions/propose", &bad).await;
    assert_eq!(refused.status, 422);
    for f in ["topic", "time", "place", "capacity"] {
        assert!(field_error(&refused.body, f).is_some(), "{f}: {:?}", refused.body);
    }
    assert!(field_error(&send(&mia, "sessions/propose", &proposal(programme, "Late", -1, "2")).await.body, "date").is_some());
    assert_eq!(send(&stranger, "sessions/propose", &proposal(programme, "Nope", 3, "2")).await.status, 401);

    // Mia, a junior, proposes; it waits for the admin, who is told; others do not see it yet.
    let made = send(&mia, "sessions/propose", &proposal(programme, "Short video for leaders", 3, "2")).await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let id = made.body.as_i64().unwrap().to_string();
    let again = send(&mia, "sessions/propose", &proposal(programme, "Short video for leaders", 3, "2")).await;
    assert_eq!(again.status, 409, "the same proposal twice is one session: {:?}", again.body);
    assert!(field_error(&again.body, "time").is_some());
    assert_eq!(dana.form("sessions/get", &[("session_id", &id)]).await.status, 404, "a proposal is the host's and the admins'");
    assert_eq!(dana.form("sessions/join", &[("session_id", &id)]).await.status, 404);
    assert!(admin.form("me/inbox", &[]).await.body.to_string().contains("Mia Tanaka proposes a lunch & learn"));
    let list = admin.form("sessions/list", &[("programme_id", &programme.to_string())]).await.body;
    assert_eq!(list["proposals"][0]["topic"], "Short video for leaders");
    assert_eq!(page(&admin, &id).await["card"]["status"], "proposed");
    assert_eq!(mia.form("sessions/decide", &[("session_id", &id), ("decision", "approve")]).await.status, 403, "the host does not approve their own");
    assert_eq!(admin.form("sessions/decide", &[("session_id", &id), ("decision", "approve")]).await.status, 200);
    assert_eq!(admin.form("sessions/decide", &[("session_id", &id), ("decision", "decline")]).await.status, 409, "decided once");
    assert!(mia.form("me/inbox", &[]).await.body.to_string().contains("Your lunch & learn is on"));

    // Two seats: Dana and Victor take them (a second click changes nothing); the admin waits.
    assert_eq!(dana.form("sessions/join", &[("session_id", &id)]).await.body, "booked");
    assert_eq!(dana.form("sessions/join", &[("session_id", &id)]).await.body, "booked");
    assert_eq!(victor.form("sessions/join", &[("session_id", &id)]).await.body, "booked");
    assert_eq!(admin.form("sessions/join", &[("session_id", &id)]).await.body, "waiting");
    assert_eq!(mia.form("sessions/join", &[("session_id", &id)]).await.status, 409, "the host has their place");
    let outsider = app.another_admin("outsider@demo.upmentor.test").await;
    assert_eq!(outsider.form("sessions/join", &[("session_id", &id)]).await.status, 403, "not in the programme");
    // An application still waiting opens nothing: not the link, not who comes, not the talk.
    let db = Db::connect(&app.database_url()).await.unwrap();
    sqlx::query("INSERT INTO enrolments (programme_id, user_id, role, status, created_at) SELECT $1, id, 'mentee', 'applied', 0 FROM users WHERE email = $2")
        .bind(programme)
        .bind("outsider@demo.upmentor.test")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(outsider.form("sessions/get", &[("session_id", &id)]).await.status, 403);
    assert_eq!(outsider.form("sessions/list", &[("programme_id", &programme.to_string())]).await.status, 403);
    assert_eq!(outsider.form("sessions/post", &[("session_id", &id), ("client_id", "x"), ("body", "hello")]).await.status, 403);
    let seen = page(&admin, &id).await;
    assert_eq!((seen["card"]["booked"].as_u64(), seen["card"]["waiting"].as_u64(), seen["my_position"].as_u64()), (Some(2), Some(1), Some(1)));
    assert_eq!(seen["card"]["mine"], "waiting");
    // Times are shown in each viewer's own timezone.
    assert!(page(&dana, &id).await["card"]["when"].as_str().unwrap().ends_with(")"));

    // Dana gives up her seat: the admin, first in line, takes it and is told.
    assert_eq!(dana.form("sessions/leave", &[("session_id", &id)]).await.status, 200);
    let promoted = page(&admin, &id).await;
    assert_eq!((promoted["card"]["mine"].as_str(), promoted["card"]["waiting"].as_u64()), (Some("booked"), Some(0)));
    assert!(admin.form("me/inbox", &[]).await.body.to_string().contains("You have a seat: Short video for leaders"));
    assert!(dana.form("me/inbox", &[]).await.body.to_string().contains("Seat given back: Short video for leaders"), "her calendar's invitation is withdrawn");
    assert_eq!(dana.form("sessions/leave", &[("session_id", &id)]).await.status, 200, "giving back nothing changes nothing");

    // The shared page: the host's materials, a discussion where a resent post counts once.
    assert_eq!(victor.form("sessions/materials", &[("session_id", &id), ("materials", "x")]).await.status, 403);
    let materials = "## Before we meet\n\nInstall the app. <script>alert(1)</script>";
    assert_eq!(mia.form("sessions/materials", &[("session_id", &id), ("materials", materials)]).await.status, 200);
    let post = [("session_id", id.as_str()), ("client_id", "k-1"), ("body", "Can I bring a colleague?")];
    assert_eq!(victor.form("sessions/post", &post).await.status, 200);
    assert_eq!(victor.form("sessions/post", &post).await.status, 200);
    assert_eq!(field_error(&victor.form("sessions/post", &[("session_id", &id), ("client_id", "k-2"), ("body", " ")]).await.body, "body").as_deref(), Some("Write something first."));
    let shared = page(&dana, &id).await;
    assert!(shared["materials_html"].as_str().unwrap().contains("<h2>Before we meet</h2>") && !shared["materials_html"].as_str().unwrap().contains("script"));
    assert_eq!(shared["materials"], "", "only the host and the admins get the Markdown to edit");
    assert_eq!(shared["posts"].as_array().unwrap().len(), 1);
    assert_eq!(shared["posts"][0]["author"], "Victor Lindqvist");

    // In Victor's calendar feed, with a UID of its own.
    let feed = victor.form("calendar/feed_reset", &[]).await.body.as_str().unwrap().to_string();
    let path = feed.split_once("/calendar/").map(|(_, p)| format!("/calendar/{p}")).unwrap();
    let (_, _, ics) = app.client().get(&path).await;
    assert!(ics.contains(&format!("UID:session-{id}@")) && ics.contains("SUMMARY:Lunch & learn: Short video for leaders"), "{ics}");

    // Before it starts there is nothing to rate or record.
    assert_eq!(victor.form("sessions/rate", &[("session_id", &id), ("rating", "5"), ("comment", "")]).await.status, 409);
    // It has taken place (moved into the past in the database).
    sqlx::query("UPDATE group_sessions SET starts_at = starts_at - 5 * 86400 WHERE id = $1").bind(id.parse::<i64>().unwrap()).execute(&db.pool).await.unwrap();
    let (victor_id, admin_id) = (shared["attendees"].as_array().unwrap().iter().find(|a| a["name"] == "Victor Lindqvist").unwrap()["user_id"].to_string(), promoted["attendees"].as_array().unwrap().iter().find(|a| a["name"] == "Alex Morgan").unwrap()["user_id"].to_string());
    assert_eq!(victor.form("sessions/attendance", &[("session_id", &id), ("user_id", &victor_id), ("attended", "yes")]).await.status, 403);
    assert_eq!(mia.form("sessions/attendance", &[("session_id", &id), ("user_id", &victor_id), ("attended", "yes")]).await.status, 200);
    assert_eq!(mia.form("sessions/attendance", &[("session_id", &id), ("user_id", &admin_id), ("attended", "no")]).await.status, 200);
    assert_eq!(dana.form("sessions/join", &[("session_id", &id)]).await.status, 409, "seats close at the start");
    assert_eq!(field_error(&victor.form("sessions/rate", &[("session_id", &id), ("rating", "9"), ("comment", "")]).await.body, "rating").as_deref(), Some("Choose from 1 to 5."));
    assert_eq!(victor.form("sessions/rate", &[("session_id", &id), ("rating", "5"), ("comment", "Loved it")]).await.status, 200);
    assert_eq!(admin.form("sessions/rate", &[("session_id", &id), ("rating", "1"), ("comment", "")]).await.status, 403, "recorded as absent");
    assert_eq!(dana.form("sessions/rate", &[("session_id", &id), ("rating", "1"), ("comment", "")]).await.status, 403, "gave up her seat");
    let host_view = page(&mia, &id).await;
    assert_eq!((host_view["ratings"].as_u64(), host_view["mean_rating"].is_null()), (Some(1), true), "one rating: no mean that would name its author");
    assert_eq!(page(&victor, &id).await["my_rating"], 5);

    // The insights page counts it; the CSV lists it.
    let figures = admin.form("sessions/figures", &[("programme_id", &programme.to_string())]).await;
    assert_eq!(figures.status, 200, "{:?}", figures.body);
    assert_eq!((figures.body["held"].as_u64(), figures.body["seats"].as_u64(), figures.body["attended"].as_u64(), figures.body["ratings"].as_u64()), (Some(1), Some(2), Some(1), Some(1)));
    assert_eq!(dana.form("sessions/figures", &[("programme_id", &programme.to_string())]).await.status, 403);
    let (status, _, csv) = admin.get(&format!("/programmes/{programme}/insights-file/sessions")).await;
    assert_eq!(status, 200);
    assert!(csv.lines().nth(1).is_some_and(|l| l.starts_with("Short video for leaders,Mia Tanaka,") && l.contains(",2,2,0,1,1,")), "{csv}");

    // An admin's session stands at once; called off, it leaves everyone's calendar.
    let second = send(&admin, "sessions/propose", &proposal(programme, "Prompting well", 5, "10")).await.body.as_i64().unwrap().to_string();
    assert_eq!(page(&admin, &second).await["card"]["status"], "approved");
    assert_eq!(victor.form("sessions/join", &[("session_id", &second)]).await.body, "booked");
    assert_eq!(victor.form("sessions/cancel", &[("session_id", &second)]).await.status, 403);
    assert_eq!(admin.form("sessions/cancel", &[("session_id", &second)]).await.status, 200);
    assert!(victor.form("me/inbox", &[]).await.body.to_string().contains("Called off: Prompting well"));
    let (_, _, ics) = app.client().get(&path).await;
    let event = ics.split("BEGIN:VEVENT").find(|e| e.contains(&format!("UID:session-{second}@"))).expect("the called-off session is in the feed");
    assert!(event.contains("STATUS:CANCELLED") && event.contains("SEQUENCE:1"), "{event}");
    assert_eq!(victor.form("sessions/join", &[("session_id", &second)]).await.status, 409);
    assert_eq!(victor.form("sessions/leave", &[("session_id", &second)]).await.status, 409, "nothing to give back in a session called off");
    // Its time is free again for its host.
    assert_eq!(send(&admin, "sessions/propose", &proposal(programme, "Prompting well", 5, "10")).await.status, 200);
    // Someone marked absent after rating: the rating no longer counts.
    assert_eq!(mia.form("sessions/attendance", &[("session_id", &id), ("user_id", &victor_id), ("attended", "no")]).await.status, 200);
    assert_eq!(page(&mia, &id).await["ratings"], 0);
}

async fn seats_taken_at_once_never_exceed_the_capacity(app: &TestApp) {
    let programme = programme(app).await;
    let admin = signed_in(app, ADMIN).await;
    let id = send(&admin, "sessions/propose", &proposal(programme, "One seat", 4, "1")).await.body.as_i64().unwrap().to_string();
    let (dana, victor, mia, dana_tab) = (signed_in(app, MENTOR).await, signed_in(app, MENTEE).await, signed_in(app, MIA).await, signed_in(app, MENTOR).await);
    let join = [("session_id", id.as_str())];
    let (a, b, c, d) = tokio::join!(dana.form("sessions/join", &join), victor.form("sessions/join", &join), mia.form("sessions/join", &join), dana_tab.form("sessions/join", &join));
    for r in [&a, &b, &c, &d] {
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let seen = page(&admin, &id).await;
    assert_eq!((seen["card"]["booked"].as_u64(), seen["card"]["waiting"].as_u64()), (Some(1), Some(2)), "one seat, two in line, Dana once: {seen}");
    // The seat holder gives it up from two tabs at once: one person moves up, not two.
    let holder = seen["attendees"][0]["name"].as_str().unwrap().to_string();
    let tabs = match holder.as_str() {
        "Dana Okafor" => (dana.clone(), dana_tab.clone()),
        "Victor Lindqvist" => (victor.clone(), signed_in(app, MENTEE).await),
        _ => (mia.clone(), signed_in(app, MIA).await),
    };
    let (x, y) = tokio::join!(tabs.0.form("sessions/leave", &join), tabs.1.form("sessions/leave", &join));
    assert_eq!((x.status, y.status), (200, 200));
    let after = page(&admin, &id).await;
    assert_eq!((after["card"]["booked"].as_u64(), after["card"]["waiting"].as_u64()), (Some(1), Some(1)), "{after}");
    assert_ne!(after["attendees"][0]["name"], holder.as_str());

    // Reminders go out once a day ahead, however often the rounds run.
    let db = Db::connect(&app.database_url()).await.unwrap();
    sqlx::query("UPDATE group_sessions SET starts_at = $1 WHERE id = $2")
        .bind(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + 3600)
        .bind(id.parse::<i64>().unwrap())
        .execute(&db.pool)
        .await
        .unwrap();
    let sent = upmentor::sessions::db::send_reminders(&db).await.unwrap();
    assert_eq!(sent, 2, "the seat holder and the host");
    assert_eq!(upmentor::sessions::db::send_reminders(&db).await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert!(admin.form("me/inbox", &[]).await.body.to_string().contains("Coming up: lunch & learn One seat"));
}
