//! The pair workspace through HTTP and its websocket, as members, strangers and admins see it,
//! on SQLite and on PostgreSQL; plus chat across two app instances on one PostgreSQL.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;
use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

on_both_backends!(
    only_the_two_members_may_read_or_change_a_pair,
    goals_check_ins_notes_and_feedback,
    chat_messages_are_stored_once_and_delivered_live,
    a_chat_socket_lives_only_as_long_as_its_session_and_pair,
    deactivating_someone_closes_their_chat_at_once,
    a_check_in_in_calendars_follows_its_changes,
    a_calendar_feed_is_private_and_can_be_replaced,
    a_check_in_moves_and_calendars_follow,
);

const MIA: &str = "mia.designer@demo.upmentor.test";

/// A programme run by the demo admin with two pairs made by hand: Dana → Victor (A) and
/// Mia → the admin (B). Returns (programme, pair A, pair B).
async fn two_pairs(app: &TestApp) -> (i64, i64, i64) {
    let a = signed_in(app, ADMIN).await;
    let p = json!({"name": "Hand-made", "objectives": "", "tags": ["strategy insight"], "kind": "reverse",
        "starts_on": day(1), "ends_on": day(100), "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let created = a.json("programmes/create", json!({"input": p})).await;
    let id = created.body.as_i64().unwrap_or_else(|| panic!("{:?}", created.body));
    let sid = id.to_string();
    let pa = a.form("pairs/create", &[("programme_id", &sid), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    assert_eq!(pa.status, 200, "{:?}", pa.body);
    let pb = a.form("pairs/create", &[("programme_id", &sid), ("mentor_email", MIA), ("mentee_email", ADMIN)]).await;
    assert_eq!(pb.status, 200, "{:?}", pb.body);
    let bad = a.form("pairs/create", &[("programme_id", &sid), ("mentor_email", "nobody@x.test"), ("mentee_email", MENTEE)]).await;
    assert_eq!(bad.status, 422);
    assert!(field_error(&bad.body, "mentor_email").is_some());
    let taken = a.form("pairs/create", &[("programme_id", &sid), ("mentor_email", MIA), ("mentee_email", MENTEE)]).await;
    assert!(field_error(&taken.body, "mentee_email").unwrap().contains("already has a mentor"), "{:?}", taken.body);
    (id, pa.body.as_i64().unwrap(), pb.body.as_i64().unwrap())
}

fn goal(side: &str) -> Value {
    json!({"side": side, "title": "Post weekly on LinkedIn", "measure": "4 posts", "target_date": day(30), "status": "", "milestones": "Set up profile\nFirst post"})
}

fn checkin(days: i64) -> Value {
    json!({"date": day(days), "time": "10:00", "minutes": "45", "format": "remote", "agenda": "Goals\nLinkedIn"})
}

async fn only_the_two_members_may_read_or_change_a_pair(app: &TestApp) {
    let (programme, a, _) = two_pairs(app).await;
    let dana = signed_in(app, MENTOR).await;
    let sa = a.to_string();
    let g = dana.json("pairs/goal_add", json!({"pair_id": a, "input": goal("mentee")})).await;
    assert_eq!(g.status, 200, "{:?}", g.body);
    let goal_id = g.body.as_i64().unwrap().to_string();
    let ws = dana.form("pairs/workspace", &[("pair_id", &sa)]).await;
    let milestone = ws.body["goals"][0]["milestones"][0]["id"].to_string();
    let c = dana.json("pairs/checkin_add", json!({"pair_id": a, "input": checkin(3)})).await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    let checkin_id = c.body.as_i64().unwrap().to_string();

    let mia = signed_in(app, MIA).await; // in pair B, not A
    let admin = signed_in(app, ADMIN).await; // runs the programme and is in pair B, not A
    let stranger = app.client();
    let feedback = json!({"input": {"checkin_id": checkin_id.parse::<i64>().unwrap(), "rating": "5", "comment": "", "progress": "10", "fit": "good"}});
    for (who, c, expected) in [("member of another pair", &mia, 403), ("programme admin", &admin, 403), ("signed out", &stranger, 401)] {
        assert_eq!(c.form("pairs/workspace", &[("pair_id", &sa)]).await.status, expected, "{who}");
        assert_eq!(c.json("pairs/goal_add", json!({"pair_id": a, "input": goal("mentee")})).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/goal_status", &[("goal_id", &goal_id), ("status", "done")]).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/goal_delete", &[("goal_id", &goal_id)]).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/milestone_add", &[("goal_id", &goal_id), ("title", "x")]).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/milestone", &[("milestone_id", &milestone), ("done", "true")]).await.status, expected, "{who}");
        assert_eq!(c.json("pairs/checkin_add", json!({"pair_id": a, "input": checkin(4)})).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/checkin_status", &[("checkin_id", &checkin_id), ("status", "held")]).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/checkin_notes", &[("checkin_id", &checkin_id), ("shared", "x"), ("private", "y")]).await.status, expected, "{who}");
        assert_eq!(c.json("pairs/feedback", feedback.clone()).await.status, expected, "{who}");
        assert_eq!(c.json("pairs/survey", json!({"pair_id": a, "input": {"learned": "x", "recommend": "9", "again": "yes"}})).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/roadblock", &[("pair_id", &sa), ("body", "x")]).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/messages", &[("pair_id", &sa), ("before", "0")]).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/messages_after", &[("pair_id", &sa), ("after", "0")]).await.status, expected, "{who}");
        assert_eq!(c.form("pairs/read", &[("pair_id", &sa), ("last_id", "1")]).await.status, expected, "{who}");
        assert_eq!(c.get(&format!("/calendar/checkins/{checkin_id}")).await.0, expected, "{who}");
        assert_eq!(ws_status(app, c, a).await, expected, "{who}: websocket");
    }
    // Nothing of the above changed pair A.
    let ws = dana.form("pairs/workspace", &[("pair_id", &sa)]).await;
    assert_eq!(ws.body["goals"].as_array().unwrap().len(), 1);
    assert_eq!(ws.body["goals"][0]["status"], "not_started");
    assert_eq!(ws.body["checkins"].as_array().unwrap().len(), 1);
    assert_eq!(ws.body["checkins"][0]["status"], "scheduled");
    // Admins see figures, never content; employees see no figures.
    let stats = admin.form("programmes/pair_page", &[("id", &programme.to_string())]).await;
    assert_eq!(stats.status, 200);
    let row = stats.body["health"].as_array().unwrap().iter().find(|s| s["pair_id"] == a).unwrap().clone();
    assert_eq!(row["goals"], 1);
    assert!(!stats.body.to_string().contains("LinkedIn"), "no goal or chat content in the figures");
    assert_eq!(dana.form("programmes/pair_page", &[("id", &programme.to_string())]).await.status, 403);
    assert_eq!(dana.form("pairs/create", &[("programme_id", &programme.to_string()), ("mentor_email", MENTOR), ("mentee_email", MIA)]).await.status, 403);
    assert_eq!(dana.form("pairs/workspace", &[("pair_id", "999999")]).await.status, 404);
}

async fn goals_check_ins_notes_and_feedback(app: &TestApp) {
    let (programme, a, _) = two_pairs(app).await;
    let sa = a.to_string();
    let dana = signed_in(app, MENTOR).await;
    let victor = signed_in(app, MENTEE).await;
    // Bad goals and check-ins are refused at their fields.
    let bad = dana.json("pairs/goal_add", json!({"pair_id": a, "input": {"side": "mentee", "title": "", "measure": "", "target_date": "soon", "status": "", "milestones": ""}})).await;
    assert_eq!(bad.status, 422);
    assert!(field_error(&bad.body, "title").is_some() && field_error(&bad.body, "target_date").is_some());
    let bad = dana.json("pairs/checkin_add", json!({"pair_id": a, "input": {"date": day(-2), "time": "10:00", "minutes": "45", "format": "remote", "agenda": ""}})).await;
    assert_eq!(field_error(&bad.body, "date").as_deref(), Some("Choose a time in the future."));
    let bad = dana.json("pairs/checkin_add", json!({"pair_id": a, "input": {"date": day(2), "time": "7pm", "minutes": "0", "format": "fax", "agenda": ""}})).await;
    assert!(field_error(&bad.body, "time").is_some() && field_error(&bad.body, "minutes").is_some() && field_error(&bad.body, "format").is_some());

    // Both keep goals; one ticks a milestone the other sees.
    dana.json("pairs/goal_add", json!({"pair_id": a, "input": goal("mentor")})).await;
    victor.json("pairs/goal_add", json!({"pair_id": a, "input": goal("mentee")})).await;
    let w = dana.form("pairs/workspace", &[("pair_id", &sa)]).await;
    let goals = w.body["goals"].as_array().unwrap().clone();
    assert_eq!(goals.len(), 2);
    assert!(w.body["templates"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().contains("business decision")), "templates follow the objectives");
    let victors = goals.iter().find(|g| g["side"] == "mentee").unwrap();
    let m = victors["milestones"][0]["id"].to_string();
    assert_eq!(victor.form("pairs/milestone", &[("milestone_id", &m), ("done", "true")]).await.status, 200);
    let w = dana.form("pairs/workspace", &[("pair_id", &sa)]).await;
    let victors = w.body["goals"].as_array().unwrap().iter().find(|g| g["side"] == "mentee").unwrap().clone();
    assert_eq!(victors["milestones"][0]["done"], true);
    assert_eq!(dana.form("pairs/goal_status", &[("goal_id", &victors["id"].to_string()), ("status", "at_risk")]).await.status, 200);

    // A check-in: shown in both timezones, notified, downloadable, notes shared or private.
    let c = dana.json("pairs/checkin_add", json!({"pair_id": a, "input": checkin(2)})).await;
    let cid = c.body.as_i64().unwrap().to_string();
    let w = victor.form("pairs/workspace", &[("pair_id", &sa)]).await;
    let ci = w.body["checkins"][0].clone();
    assert!(ci["my_time"].as_str().unwrap().contains("America/New_York"), "{ci:?}");
    assert!(ci["partner_time"].as_str().unwrap().contains("10:00 (Europe/London)"), "{ci:?}");
    assert_eq!(ci["agenda"], json!(["Goals", "LinkedIn"]));
    let inbox = victor.form("me/inbox", &[]).await;
    assert!(inbox.body["items"].to_string().contains("scheduled a check-in"));
    let (status, headers, ics) = victor.get(&format!("/calendar/checkins/{cid}")).await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
    assert_eq!(headers["cache-control"], "no-store", "a calendar file is a person's data");
    assert!(ics.contains("BEGIN:VEVENT") && ics.contains("SUMMARY:Check-in with Dana Okafor"), "{ics}");
    assert_eq!(dana.form("pairs/checkin_notes", &[("checkin_id", &cid), ("shared", "We agreed on 4 posts"), ("private", "Dana's own thought")]).await.status, 200);
    assert_eq!(victor.form("pairs/checkin_notes", &[("checkin_id", &cid), ("shared", "We agreed on 4 posts"), ("private", "Victor's own thought")]).await.status, 200);
    let w = victor.form("pairs/workspace", &[("pair_id", &sa)]).await;
    assert_eq!(w.body["checkins"][0]["shared_notes"], "We agreed on 4 posts");
    assert_eq!(w.body["checkins"][0]["private_note"], "Victor's own thought");
    assert!(!w.body.to_string().contains("Dana's own thought"), "a private note stays private");

    // Feedback only after the check-in is held; the first asks about the fit.
    let fb = |fit: &str| json!({"input": {"checkin_id": cid.parse::<i64>().unwrap(), "rating": "2", "comment": "Hard to connect", "progress": "20", "fit": fit}});
    assert_eq!(victor.json("pairs/feedback", fb("good")).await.status, 409);
    assert_eq!(victor.form("pairs/checkin_status", &[("checkin_id", &cid), ("status", "held")]).await.status, 200);
    let no_fit = victor.json("pairs/feedback", fb("")).await;
    assert!(field_error(&no_fit.body, "fit").is_some(), "{:?}", no_fit.body);
    assert_eq!(victor.json("pairs/feedback", fb("not_fit")).await.status, 200);
    let admin = signed_in(app, ADMIN).await;
    let inbox = admin.form("me/inbox", &[]).await;
    assert!(inbox.body["items"].to_string().contains("Not a fit: Dana Okafor and Victor Lindqvist"), "{:?}", inbox.body);
    let w = dana.form("pairs/workspace", &[("pair_id", &sa)]).await;
    assert_eq!(w.body["checkins"][0]["partner_gave_feedback"], true);
    assert!(w.body["checkins"][0]["my_feedback"].is_null());

    // Survey and roadblock.
    let bad = dana.json("pairs/survey", json!({"pair_id": a, "input": {"learned": "", "recommend": "11", "again": "maybe"}})).await;
    assert!(field_error(&bad.body, "learned").is_some() && field_error(&bad.body, "recommend").is_some() && field_error(&bad.body, "again").is_some());
    assert_eq!(dana.json("pairs/survey", json!({"pair_id": a, "input": {"learned": "How sales forecasts work", "recommend": "9", "again": "yes"}})).await.status, 200);
    assert_eq!(dana.form("pairs/workspace", &[("pair_id", &sa)]).await.body["my_survey"]["recommend"], 9);
    assert_eq!(dana.form("pairs/roadblock", &[("pair_id", &sa), ("body", "We keep cancelling")]).await.status, 200);
    let inbox = admin.form("me/inbox", &[]).await;
    assert!(inbox.body["items"].to_string().contains("We keep cancelling"));
    let stats = admin.form("programmes/pair_page", &[("id", &programme.to_string())]).await;
    let row = stats.body["health"].as_array().unwrap().iter().find(|s| s["pair_id"] == a).unwrap().clone();
    assert_eq!((row["checkins_held"].clone(), row["not_fit"].clone(), row["open_roadblocks"].clone()), (json!(1), json!(true), json!(1)));
    assert_eq!(row["mean_rating"], 2.0);
}

/// The websocket handshake's HTTP status for this client (101 when it upgrades).
async fn ws_status(app: &TestApp, c: &Client, pair: i64) -> u16 {
    match open_ws(app, c, pair).await {
        Ok(_) => 101,
        Err(tungstenite::Error::Http(res)) => res.status().as_u16(),
        Err(e) => panic!("{e}"),
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_ws(app: &TestApp, c: &Client, pair: i64) -> Result<Ws, tungstenite::Error> {
    open_ws_at(&app.base, c, pair).await
}

async fn open_ws_at(base: &str, c: &Client, pair: i64) -> Result<Ws, tungstenite::Error> {
    let url = format!("{}/ws/pairs/{pair}", base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    if let Some(cookie) = c.cookie() {
        req.headers_mut().insert("cookie", cookie.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
}

async fn send(ws: &mut Ws, client_id: &str, body: &str) {
    let frame = json!({"type": "send", "client_id": client_id, "body": body, "goal_id": null, "checkin_id": null});
    ws.send(tungstenite::Message::Text(frame.to_string().into())).await.unwrap();
}

async fn next(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a frame within 10 s").unwrap().unwrap();
        if let tungstenite::Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).unwrap();
        }
    }
}

/// Sends a message and, while the server says it comes too fast (`slow`), waits as told and
/// sends it again, as the browser does; returns the final answer.
async fn send_until_stored(ws: &mut Ws, client_id: &str, body: &str) -> Value {
    loop {
        send(ws, client_id, body).await;
        let frame = next(ws).await;
        if frame["type"] != "slow" {
            return frame;
        }
        tokio::time::sleep(Duration::from_millis(frame["retry_ms"].as_u64().unwrap())).await;
    }
}

async fn quiet(ws: &mut Ws) -> bool {
    tokio::time::timeout(Duration::from_millis(500), ws.next()).await.is_err()
}

async fn chat_messages_are_stored_once_and_delivered_live(app: &TestApp) {
    let (_, a, _) = two_pairs(app).await;
    let dana = signed_in(app, MENTOR).await;
    let victor = signed_in(app, MENTEE).await;
    let mut dw = open_ws(app, &dana, a).await.unwrap();
    let mut vw = open_ws(app, &victor, a).await.unwrap();
    send(&mut dw, "m-1", "Hello Victor").await;
    let ack = next(&mut dw).await;
    assert_eq!(ack["type"], "ack");
    let id = ack["message"]["id"].as_i64().unwrap();
    let got = next(&mut vw).await;
    assert_eq!(got["type"], "message");
    assert_eq!(got["message"]["body"], "Hello Victor");
    assert_eq!(victor.form("me/unread_messages", &[]).await.body, 1);
    // A resend after a lost acknowledgement is stored once and not delivered again.
    send(&mut dw, "m-1", "Hello Victor").await;
    assert_eq!(next(&mut dw).await["message"]["id"], id);
    assert!(quiet(&mut vw).await, "no duplicate reaches the partner");
    // Bad input is refused with a reason and nothing is stored.
    send(&mut dw, "m-2", "   ").await;
    let refused = next(&mut dw).await;
    assert_eq!(refused["type"], "refused");
    assert_eq!(refused["client_id"], "m-2");
    dw.send(tungstenite::Message::Text("not json".into())).await.unwrap();
    assert_eq!(next(&mut dw).await["type"], "refused");
    let history = victor.form("pairs/messages", &[("pair_id", &a.to_string()), ("before", "0")]).await;
    assert_eq!(history.body["messages"].as_array().unwrap().len(), 1);
    // Reading clears the unread count.
    vw.send(tungstenite::Message::Text(json!({"type": "read", "last_id": id}).to_string().into())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(victor.form("me/unread_messages", &[]).await.body, 0);
    // History pages: 60 more messages come back 50 at a time, oldest first.
    for i in 0..60 {
        assert_eq!(send_until_stored(&mut vw, &format!("v-{i}"), &format!("note {i}")).await["type"], "ack");
    }
    let page = dana.form("pairs/messages", &[("pair_id", &a.to_string()), ("before", "0")]).await;
    let list = page.body["messages"].as_array().unwrap();
    assert_eq!(list.len(), 50);
    assert_eq!(page.body["more"], true);
    assert_eq!(list.last().unwrap()["body"], "note 59");
    let first = list[0]["id"].to_string();
    let older = dana.form("pairs/messages", &[("pair_id", &a.to_string()), ("before", &first)]).await;
    assert_eq!(older.body["messages"].as_array().unwrap().len(), 11);
    assert_eq!(older.body["more"], false);
}

/// With several app instances on one PostgreSQL, a message through one reaches a client on another.
#[tokio::test]
async fn chat_crosses_instances_on_postgres() {
    let Some(app) = TestApp::start(Backend::Postgres) else { return };
    let second = app.second_instance();
    let (_, a, _) = two_pairs(&app).await;
    let dana = signed_in(&app, MENTOR).await;
    let victor = second.client();
    assert_eq!(victor.sign_in(MENTEE, DEMO_PASSWORD).await.status, 200);
    let mut vw = open_ws_at(&second.base, &victor, a).await.unwrap();
    let mut dw = open_ws(&app, &dana, a).await.unwrap();
    send(&mut dw, "x-1", "Across instances").await;
    assert_eq!(next(&mut dw).await["type"], "ack");
    let got = next(&mut vw).await;
    assert_eq!(got["message"]["body"], "Across instances");
    assert!(quiet(&mut vw).await, "delivered exactly once");
}

/// Both members are reminded once of a check-in starting within a day.
#[tokio::test]
async fn check_in_reminders_go_out_once() {
    let Some(app) = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_HOUSEKEEPING_SECS", "1")]) else { return };
    let (programme, _, _) = two_pairs(&app).await;
    // A person in UTC (the command-line admin) schedules for two hours from now.
    let utc = app.another_admin("utc.admin@demo.upmentor.test").await;
    let admin = signed_in(&app, ADMIN).await;
    let pair = admin.form("pairs/create", &[("programme_id", &programme.to_string()), ("mentor_email", "utc.admin@demo.upmentor.test"), ("mentee_email", MIA)]).await;
    assert_eq!(pair.status, 200, "{:?}", pair.body);
    let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + 2 * 3600;
    let time = format!("{:02}:{:02}", (at % 86_400) / 3600, (at % 3600) / 60);
    let input = json!({"date": upmentor::ui::format_date(at), "time": time, "minutes": "30", "format": "remote", "agenda": ""});
    let c = utc.json("pairs/checkin_add", json!({"pair_id": pair.body.as_i64().unwrap(), "input": input})).await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    let mia = signed_in(&app, MIA).await;
    let reminders = |inbox: &Value| inbox["items"].as_array().unwrap().iter().filter(|n| n["title"].as_str().unwrap().starts_with("Check-in tomorrow")).count();
    let mut found = 0;
    for _ in 0..50 {
        found = reminders(&mia.form("me/inbox", &[]).await.body);
        if found > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(found, 1, "the mentee is reminded");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(reminders(&mia.form("me/inbox", &[]).await.body), 1, "once");
    assert_eq!(reminders(&utc.form("me/inbox", &[]).await.body), 1, "the mentor too");
}

/// The close frame a socket receives within `within`, if any: (code, reason).
async fn closed_with(ws: &mut Ws, within: Duration) -> Option<(u16, String)> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(tungstenite::Message::Close(Some(frame))))) => return Some((frame.code.into(), frame.reason.to_string())),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

async fn a_chat_socket_lives_only_as_long_as_its_session_and_pair(app: &TestApp) {
    let (_, a, _) = two_pairs(app).await;
    // Signing out closes the session's socket at once, with a reason the browser shows.
    let dana = signed_in(app, MENTOR).await;
    let mut dw = open_ws(app, &dana, a).await.unwrap();
    let started = std::time::Instant::now();
    assert_eq!(dana.form("sign_out", &[]).await.status, 200);
    let closed = closed_with(&mut dw, Duration::from_secs(1)).await;
    assert_eq!(closed.as_ref().map(|c| c.0), Some(4401), "closed within a second of signing out: {closed:?}");
    println!("socket closed {:.0} ms after sign-out", started.elapsed().as_secs_f64() * 1000.0);
    assert_eq!(chat_status(&dana, a).await, 401, "and the browser, asking before it reconnects, is told why");

    // Many messages at once: past the burst they are slowed, not lost; sent again, each is
    // stored once.
    let dana = signed_in(app, MENTOR).await;
    let mut dw = open_ws(app, &dana, a).await.unwrap();
    for n in 0..30 {
        send(&mut dw, &format!("burst-{n}"), &format!("burst {n}")).await;
    }
    let (mut acked, mut slowed) = (Vec::new(), Vec::new());
    while acked.len() + slowed.len() < 30 {
        let frame = next(&mut dw).await;
        match frame["type"].as_str() {
            Some("ack") => acked.push(frame["message"]["client_id"].as_str().unwrap().to_string()),
            Some("slow") => slowed.push(frame["client_id"].as_str().unwrap().to_string()),
            other => panic!("{other:?}: {frame}"),
        }
    }
    assert!(acked.len() >= 20 && !slowed.is_empty(), "{} acknowledged, {} slowed", acked.len(), slowed.len());
    for id in &slowed {
        loop {
            tokio::time::sleep(Duration::from_millis(600)).await;
            send(&mut dw, id, "again").await;
            let frame = next(&mut dw).await;
            if frame["type"] == "ack" {
                break;
            }
            assert_eq!(frame["type"], "slow", "{frame}");
        }
    }
    let history = dana.form("pairs/messages", &[("pair_id", &a.to_string()), ("before", "0")]).await;
    let stored = history.body["messages"].as_array().unwrap().iter().filter(|m| m["client_id"].as_str().unwrap().starts_with("burst-")).count();
    assert_eq!(stored, 30, "every message of the burst, once");

    // Once the pair ends (an admin rematches it), the next message closes the socket.
    let admin = signed_in(app, ADMIN).await;
    let rematched = admin.form("pairs/rematch", &[("pair_id", &a.to_string())]).await;
    assert_eq!(rematched.status, 200, "{:?}", rematched.body);
    send(&mut dw, "after-end", "still there?").await;
    let closed = closed_with(&mut dw, Duration::from_secs(2)).await;
    assert_eq!(closed.map(|c| c.0), Some(4409));
    assert_eq!(chat_status(&dana, a).await, 409);
    assert_eq!(ws_status(app, &dana, a).await, 409, "and a new socket is refused");
}

async fn chat_status(c: &Client, pair: i64) -> u16 {
    c.form("pairs/chat_allowed", &[("pair_id", &pair.to_string())]).await.status
}

/// A person deactivated by an admin (they left) is cut off at once: their open chat socket
/// closes within a second, and their partner's is told the pair ended.
async fn deactivating_someone_closes_their_chat_at_once(app: &TestApp) {
    let (_, a, _) = two_pairs(app).await;
    let (dana, victor) = (signed_in(app, MENTOR).await, signed_in(app, MENTEE).await);
    let mut dw = open_ws(app, &dana, a).await.unwrap();
    let mut vw = open_ws(app, &victor, a).await.unwrap();
    let admin = signed_in(app, ADMIN).await;
    let id = admin.form("people/by_email", &[("email", MENTOR)]).await.body["id"].as_i64().unwrap();
    let started = std::time::Instant::now();
    assert_eq!(admin.form("people/set_active", &[("user_id", &id.to_string()), ("active", "false")]).await.status, 200);
    let closed = closed_with(&mut dw, Duration::from_secs(1)).await;
    assert_eq!(closed.as_ref().map(|c| c.0), Some(4401), "closed within a second: {closed:?}");
    println!("socket closed {:.0} ms after deactivation", started.elapsed().as_secs_f64() * 1000.0);
    // The partner's socket ends with the pair at its next check (each send, and every 30 s).
    let frame = json!({"type": "send", "client_id": "after-leaving", "body": "Are you there?", "goal_id": null, "checkin_id": null});
    vw.send(tungstenite::Message::Text(frame.to_string().into())).await.unwrap();
    let closed = closed_with(&mut vw, Duration::from_secs(2)).await;
    assert_eq!(closed.map(|c| c.0), Some(4409), "the pair has ended");
}

/// The content lines of an iCalendar answer, unfolded (RFC 5545 §3.1).
fn ics_lines(ics: &str) -> Vec<String> {
    ics.replace("\r\n ", "").split("\r\n").filter(|l| !l.is_empty()).map(String::from).collect()
}

fn ics_value(lines: &[String], key: &str) -> Option<String> {
    lines.iter().find_map(|l| l.strip_prefix(&format!("{key}:")).map(String::from))
}

async fn a_check_in_in_calendars_follows_its_changes(app: &TestApp) {
    let (_, a, _) = two_pairs(app).await;
    let (dana, victor) = (signed_in(app, MENTOR).await, signed_in(app, MENTEE).await);
    let c = dana.json("pairs/checkin_add", json!({"pair_id": a, "input": checkin(3)})).await;
    let cid = c.body.as_i64().unwrap().to_string();
    let file = |c: &Client| {
        let path = format!("/calendar/checkins/{cid}");
        let c = c.clone();
        async move {
            let (status, _, ics) = c.get(&path).await;
            assert_eq!(status, 200, "{ics}");
            ics_lines(&ics)
        }
    };
    let first = file(&victor).await;
    assert_eq!(ics_value(&first, "METHOD").as_deref(), Some("REQUEST"));
    assert_eq!(ics_value(&first, "STATUS").as_deref(), Some("CONFIRMED"));
    assert_eq!(ics_value(&first, "SEQUENCE").as_deref(), Some("0"));
    assert!(first.iter().any(|l| l.starts_with("ORGANIZER;CN=Dana Okafor:mailto:dana.analyst@")), "{first:?}");
    assert_eq!(first.iter().filter(|l| l.starts_with("ATTENDEE;")).count(), 2, "{first:?}");
    let uid = ics_value(&first, "UID").unwrap();

    // Both members mark it missed at the same moment: one change, one step of SEQUENCE.
    let missed_fields = [("checkin_id", cid.as_str()), ("status", "missed")];
    let (x, y) = tokio::join!(dana.form("pairs/checkin_status", &missed_fields), victor.form("pairs/checkin_status", &missed_fields));
    assert_eq!((x.status, y.status), (200, 200));
    let missed = file(&dana).await;
    assert_eq!(ics_value(&missed, "UID"), Some(uid.clone()), "the same event, so calendars replace it");
    assert_eq!(ics_value(&missed, "METHOD").as_deref(), Some("CANCEL"));
    assert_eq!(ics_value(&missed, "STATUS").as_deref(), Some("CANCELLED"));
    assert_eq!(ics_value(&missed, "SEQUENCE").as_deref(), Some("1"));
    // Each further change raises it again; the file never carries a bare control character.
    assert_eq!(victor.form("pairs/checkin_status", &[("checkin_id", &cid), ("status", "rescheduled")]).await.status, 200);
    assert_eq!(ics_value(&file(&victor).await, "SEQUENCE").as_deref(), Some("2"));
    assert_eq!(victor.form("pairs/checkin_status", &[("checkin_id", &cid), ("status", "held")]).await.status, 200);
    let held = file(&victor).await;
    assert_eq!((ics_value(&held, "SEQUENCE").as_deref(), ics_value(&held, "STATUS").as_deref()), (Some("3"), Some("CONFIRMED")));
    assert!(held.iter().all(|l| !l.chars().any(char::is_control)), "{held:?}");
    let description = format!("DESCRIPTION:Mentoring check-in with Dana Okafor.\\nAgenda:\\n- Goals\\n- LinkedIn\\nNotes\\, goals and chat: {}/pairs/{a}", app.base);
    assert!(held.contains(&description), "{held:?}");
}

/// A check-in still to come moves to another time: the same calendar event at its next
/// SEQUENCE, the partner told; a check-in marked, a time in the past, a stranger and bad input
/// are refused; two moves at once both count, and a move against a mark never revives it.
async fn a_check_in_moves_and_calendars_follow(app: &TestApp) {
    let (_, a, _) = two_pairs(app).await;
    let (dana, victor, mia) = (signed_in(app, MENTOR).await, signed_in(app, MENTEE).await, signed_in(app, MIA).await);
    let cid = dana.json("pairs/checkin_add", json!({"pair_id": a, "input": checkin(3)})).await.body.as_i64().unwrap();
    let path = format!("/calendar/checkins/{cid}");
    let before = ics_lines(&victor.get(&path).await.2);
    let move_to = |days: i64, time: &str, minutes: &str| json!({"checkin_id": cid, "input": {"date": day(days), "time": time, "minutes": minutes, "format": "remote", "agenda": "Goals"}});

    let moved = victor.json("pairs/checkin_move", move_to(5, "15:30", "45")).await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    let after = ics_lines(&victor.get(&path).await.2);
    assert_eq!(ics_value(&after, "UID"), ics_value(&before, "UID"), "the same event, so calendars move it");
    assert_eq!((ics_value(&after, "METHOD").as_deref(), ics_value(&after, "STATUS").as_deref()), (Some("REQUEST"), Some("CONFIRMED")));
    assert_eq!(ics_value(&after, "SEQUENCE").as_deref(), Some("1"));
    assert_ne!(ics_value(&after, "DTSTART"), ics_value(&before, "DTSTART"));
    let workspace = dana.form("pairs/workspace", &[("pair_id", &a.to_string())]).await.body;
    let c = workspace["checkins"].as_array().unwrap().iter().find(|c| c["id"] == cid).unwrap().clone();
    assert_eq!((c["minutes"].as_u64(), c["agenda"].clone()), (Some(45), json!(["Goals"])));
    let victors_view = victor.form("pairs/workspace", &[("pair_id", &a.to_string())]).await.body;
    let mine = victors_view["checkins"].as_array().unwrap().iter().find(|c| c["id"] == cid).unwrap().clone();
    assert_eq!((mine["my_date"].as_str(), mine["my_clock"].as_str()), (Some(day(5).as_str()), Some("15:30")), "read back as typed, in the mover's timezone");
    let inbox = dana.form("me/inbox", &[]).await.body;
    let told = inbox["items"].as_array().unwrap().iter().find(|n| n["title"] == "Victor Lindqvist moved a check-in").expect("Dana is told").clone();
    assert!(told["body"].as_str().unwrap().contains("is now"), "{told:?}");

    // Refused: not a member (403), bad input at its field with nothing changed, the past.
    assert_eq!(mia.json("pairs/checkin_move", move_to(6, "10:00", "30")).await.status, 403);
    let bad = victor.json("pairs/checkin_move", move_to(6, "25:99", "30")).await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert!(field_error(&bad.body, "time").is_some(), "{:?}", bad.body);
    let past = victor.json("pairs/checkin_move", move_to(-2, "10:00", "30")).await;
    assert!(field_error(&past.body, "date").is_some(), "{:?}", past.body);
    assert_eq!(ics_value(&ics_lines(&victor.get(&path).await.2), "SEQUENCE").as_deref(), Some("1"), "refusals change nothing");

    // Both move it at once: both moves count, each a step of SEQUENCE, and one time stands.
    let (x, y) = tokio::join!(dana.json("pairs/checkin_move", move_to(7, "09:00", "30")), victor.json("pairs/checkin_move", move_to(8, "09:00", "30")));
    assert_eq!((x.status, y.status), (200, 200));
    let both = ics_lines(&victor.get(&path).await.2);
    assert_eq!(ics_value(&both, "SEQUENCE").as_deref(), Some("3"));
    // One marks it missed while the other moves it: a missed check-in never comes back.
    let missed_fields = [("checkin_id", cid.to_string()), ("status", "missed".to_string())];
    let missed_fields: Vec<(&str, &str)> = missed_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (m1, m2) = tokio::join!(dana.form("pairs/checkin_status", &missed_fields), victor.json("pairs/checkin_move", move_to(9, "09:00", "30")));
    assert_eq!(m1.status, 200);
    assert!(m2.status == 200 || m2.status == 409, "{:?}", m2.body);
    let last = ics_lines(&victor.get(&path).await.2);
    assert_eq!(ics_value(&last, "STATUS").as_deref(), Some("CANCELLED"), "{last:?}");
    let again = victor.json("pairs/checkin_move", move_to(10, "09:00", "30")).await;
    assert_eq!(again.status, 409, "a missed check-in does not move: {:?}", again.body);
}

async fn a_calendar_feed_is_private_and_can_be_replaced(app: &TestApp) {
    let (_, a, b) = two_pairs(app).await;
    let (dana, victor) = (signed_in(app, MENTOR).await, signed_in(app, MENTEE).await);
    let mine = dana.json("pairs/checkin_add", json!({"pair_id": a, "input": checkin(3)})).await.body.as_i64().unwrap();
    let mia = signed_in(app, MIA).await;
    let other = mia.json("pairs/checkin_add", json!({"pair_id": b, "input": checkin(4)})).await.body.as_i64().unwrap();
    let stranger = app.client();
    let path = |url: &str| format!("/calendar/{}", url.split_once("/calendar/").expect("a feed address").1);

    assert_eq!(victor.form("calendar/feed", &[]).await.body, Value::Null, "no address until asked for");
    assert_eq!(stranger.form("calendar/feed_reset", &[]).await.status, 401);
    let made = victor.form("calendar/feed_reset", &[]).await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let url = made.body.as_str().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with(".ics"), "{url}");
    assert_eq!(victor.form("calendar/feed", &[]).await.body, json!(url), "the same address on the next visit");
    assert_eq!(dana.form("calendar/feed", &[]).await.body, Value::Null, "one person's address is not another's");

    // Read without signing in, as a calendar app does: Victor's check-ins, not Mia's pair's.
    let (status, headers, ics) = stranger.get(&path(&url)).await;
    assert_eq!(status, 200, "{ics}");
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
    assert_eq!(headers["cache-control"], "no-store");
    let lines = ics_lines(&ics);
    assert_eq!(ics_value(&lines, "METHOD").as_deref(), Some("PUBLISH"));
    assert!(lines.iter().any(|l| l.starts_with(&format!("UID:checkin-{mine}@"))), "{ics}");
    assert!(!ics.contains(&format!("checkin-{other}@")), "another pair's check-in in Victor's feed");
    assert_eq!(ics_value(&lines, "SUMMARY").as_deref(), Some("Check-in with Dana Okafor"));

    // A new address replaces the old at once; guesses and malformed addresses are not found.
    let again = victor.form("calendar/feed_reset", &[]).await.body.as_str().unwrap().to_string();
    assert_ne!(again, url);
    assert_eq!(stranger.get(&path(&url)).await.0, 404);
    assert_eq!(stranger.get(&path(&again)).await.0, 200);
    let bad = ["/calendar/feed/x.ics".to_string(), "/calendar/feed/%00%00.ics".into(), format!("/calendar/feed/{}.ics", "A".repeat(43)), format!("/calendar/feed/{}", "é".repeat(43))];
    for bad in &bad {
        assert_eq!(stranger.get(bad).await.0, 404, "{bad}");
    }

    // Two tabs replace it at once: one address stands, and it is the one the profile shows.
    let (x, y) = tokio::join!(victor.form("calendar/feed_reset", &[]), victor.form("calendar/feed_reset", &[]));
    assert_eq!((x.status, y.status), (200, 200), "{:?} {:?}", x.body, y.body);
    let (x, y) = (x.body.as_str().unwrap().to_string(), y.body.as_str().unwrap().to_string());
    let working: Vec<&String> = {
        let mut w = Vec::new();
        for u in [&x, &y, &again] {
            if stranger.get(&path(u)).await.0 == 200 {
                w.push(u);
            }
        }
        w
    };
    assert_eq!(working.len(), 1, "exactly one address works: {working:?}");
    assert_eq!(victor.form("calendar/feed", &[]).await.body, json!(working[0]));
}
