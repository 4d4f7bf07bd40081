//! What two people, two tabs or a double click can do at the same moment, done at the same
//! moment, on SQLite and on PostgreSQL: the database decides, exactly one wins, the others are
//! told why (409), and nothing exists twice.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;
use common::*;
use serde_json::{json, Value};

on_both_backends!(
    eight_publishes_of_one_run_make_its_pairs_once,
    eight_acceptances_for_one_place_make_one_pair,
    two_applications_at_once_make_one_enrolment,
    two_admins_pairing_one_mentee_at_once_make_one_pair,
    goals_and_milestones_added_at_once_stop_at_their_limits,
    two_admins_deactivating_one_person_at_once_end_their_pair_once,
);

const MIA: &str = "mia.designer@demo.upmentor.test";

/// A reverse programme (capacity per mentor, self-match or not); returns its id.
async fn programme(admin: &Client, name: &str, capacity: u32, self_match: bool) -> i64 {
    let input = json!({
        "name": name, "objectives": "", "tags": [], "kind": "reverse",
        "starts_on": day(30), "ends_on": day(200), "enrol_opens": day(-1), "enrol_closes": day(20),
        "mentor_capacity": capacity.to_string(), "self_match": self_match
    });
    let r = admin.json("programmes/create", json!({ "input": input })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body.as_i64().unwrap()
}

async fn enrol(admin: &Client, id: i64, role: &str, low: u32, high: u32) {
    let r = admin
        .json(
            "programmes/bulk_enrol",
            json!({"input": {"programme_id": id, "role": role, "source": {"Filter": {"department": "", "level_min": low.to_string(), "level_max": high.to_string()}}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

async fn pairs(admin: &Client, id: i64) -> Vec<Value> {
    let r = admin.form("programmes/pairs", &[("id", &id.to_string())]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body.as_array().unwrap().clone()
}

/// Statuses of the answers, sorted.
fn statuses(replies: &[Reply]) -> Vec<u16> {
    let mut s: Vec<u16> = replies.iter().map(|r| r.status).collect();
    s.sort();
    s
}

async fn eight_publishes_of_one_run_make_its_pairs_once(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let id = programme(&admin, "Published once", 1, false).await;
    enrol(&admin, id, "mentor", 1, 3).await;
    enrol(&admin, id, "mentee", 6, 10).await;
    let studio = admin.form("studio/data", &[("id", &id.to_string())]).await;
    let run = admin.json("studio/run", json!({"id": id, "config": studio.body["config"]})).await;
    assert_eq!(run.status, 200, "{:?}", run.body);
    let run_id = run.body["summary"]["id"].to_string();
    let formed = run.body["result"]["pairs"].as_array().unwrap().len();
    assert!(formed >= 3, "the run pairs people: {formed}");

    // Two tabs, a double click and another admin's session, all at once.
    let second = signed_in(app, ADMIN).await;
    let fields = [("run_id", run_id.as_str())];
    let publishes = (0..8).map(|i| {
        let c = if i % 2 == 0 { &admin } else { &second };
        c.form("studio/publish", &fields)
    });
    let replies = futures_util::future::join_all(publishes).await;
    assert_eq!(statuses(&replies), [200, 409, 409, 409, 409, 409, 409, 409], "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    let won = replies.iter().find(|r| r.status == 200).unwrap();
    for lost in replies.iter().filter(|r| r.status == 409) {
        assert_eq!(lost.body["Conflict"], "This run is already published.");
    }

    let made = pairs(&admin, id).await;
    assert_eq!(made.len() as u64, won.body["pairs"].as_u64().unwrap());
    assert_eq!(made.len(), formed, "every pair of the run, once");
    let mut mentees: Vec<i64> = made.iter().map(|p| p["mentee"]["id"].as_i64().unwrap()).collect();
    mentees.sort();
    mentees.dedup();
    assert_eq!(mentees.len(), made.len(), "no mentee is paired twice");
    // Each person in the programme is told once.
    let victor = signed_in(app, MENTEE).await;
    let told = victor.form("me/inbox", &[]).await;
    let about: Vec<&Value> = told.body["items"].as_array().unwrap().iter().filter(|n| n["title"].as_str().unwrap().contains("Published once")).collect();
    assert_eq!(about.len(), 1, "{about:?}");
}

async fn eight_acceptances_for_one_place_make_one_pair(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let id = programme(&admin, "One place", 1, true).await;
    enrol(&admin, id, "mentor", 2, 2).await;
    enrol(&admin, id, "mentee", 6, 10).await;
    let dana = signed_in(app, MENTOR).await;
    let sid = id.to_string();
    let dana_id = dana.form("me", &[]).await.body["id"].to_string();
    // Mentees who may ask Dana (the programme's rules allow the pair) each ask her.
    let enrolled = admin.form("programmes/enrolments", &[("id", &sid)]).await;
    let mut asked = 0;
    for e in enrolled.body.as_array().unwrap().iter().filter(|e| e["role"] == "mentee") {
        if asked == 8 {
            break;
        }
        // The demo people who sign in with the demo password are used as they are; the
        // admin (level 6, so enrolled too) does not ask.
        let mentee = match e["email"].as_str().unwrap() {
            ADMIN => continue,
            MENTEE => signed_in(app, MENTEE).await,
            _ => as_person(app, &admin, e["user_id"].as_i64().unwrap()).await,
        };
        let r = mentee.form("selfmatch/request", &[("programme_id", &sid), ("mentor_id", &dana_id), ("message", "")]).await;
        if r.status == 200 {
            asked += 1;
        } else {
            assert_eq!(r.status, 409, "a request is sent or refused with a reason: {:?}", r.body);
        }
    }
    assert_eq!(asked, 8, "eight mentees could ask");
    let requests = dana.form("selfmatch/requests", &[]).await;
    let ids: Vec<String> = requests.body.as_array().unwrap().iter().filter(|q| q["programme_id"] == id).map(|q| q["id"].to_string()).collect();
    assert_eq!(ids.len(), 8);
    let fields: Vec<[(&str, &str); 2]> = ids.iter().map(|rid| [("request_id", rid.as_str()), ("accept", "true")]).collect();
    let replies = futures_util::future::join_all(fields.iter().map(|f| dana.form("selfmatch/answer", f))).await;
    assert_eq!(statuses(&replies), [200, 409, 409, 409, 409, 409, 409, 409], "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    let made = pairs(&admin, id).await;
    assert_eq!(made.len(), 1, "one place, one pair: {made:?}");
    // The others are still waiting for an answer, not silently accepted.
    let after = dana.form("selfmatch/requests", &[]).await;
    let states: Vec<&str> = after.body.as_array().unwrap().iter().filter(|q| q["programme_id"] == id).map(|q| q["status"].as_str().unwrap()).collect();
    assert_eq!(states.iter().filter(|s| **s == "accepted").count(), 1, "{states:?}");
    assert_eq!(states.iter().filter(|s| **s == "pending").count(), 7, "{states:?}");
}

/// A signed-in session for a demo person without a password: the admin issues them a link
/// and they set one.
async fn as_person(app: &TestApp, admin: &Client, user_id: i64) -> Client {
    let link = admin.form("admin/reissue_invite", &[("user_id", &user_id.to_string())]).await;
    assert_eq!(link.status, 200, "{:?}", link.body);
    let token = link.body["path"].as_str().unwrap().strip_prefix("/invite/").unwrap().to_string();
    let c = app.client();
    let r = c.form("accept_invite", &[("token", &token), ("password", "a long password"), ("confirm", "a long password")]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    c
}

async fn two_applications_at_once_make_one_enrolment(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let id = programme(&admin, "Apply once", 1, false).await;
    let victor = signed_in(app, MENTEE).await;
    let application = |motivation: &str| {
        victor.json("programmes/apply", json!({"input": {"programme_id": id, "role": "mentee", "motivation": motivation, "topics": "TikTok"}}))
    };
    let replies = futures_util::future::join_all([application("first tab"), application("second tab")]).await;
    let got = statuses(&replies);
    assert_eq!(got, [200, 409], "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    let refused = replies.iter().find(|r| r.status == 409).unwrap();
    assert!(refused.body.to_string().contains("already applied"), "{:?}", refused.body);
    let list = admin.form("programmes/enrolments", &[("id", &id.to_string())]).await;
    let mine: Vec<&Value> = list.body.as_array().unwrap().iter().filter(|e| e["email"] == MENTEE).collect();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert!(mine[0]["motivation"] == "first tab" || mine[0]["motivation"] == "second tab");
    // The pending application may still be changed, when the person says they are changing it.
    let edited = victor
        .json("programmes/apply", json!({"input": {"programme_id": id, "role": "mentee", "motivation": "changed", "topics": "TikTok", "edit": true}}))
        .await;
    assert_eq!(edited.status, 200, "{:?}", edited.body);
    let list = admin.form("programmes/enrolments", &[("id", &id.to_string())]).await;
    let mine: Vec<&Value> = list.body.as_array().unwrap().iter().filter(|e| e["email"] == MENTEE).collect();
    assert_eq!((mine.len(), mine[0]["motivation"].clone()), (1, json!("changed")));
}

async fn two_admins_pairing_one_mentee_at_once_make_one_pair(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let id = programme(&admin, "By hand", 3, false).await;
    let other_tab = signed_in(app, ADMIN).await;
    let sid = id.to_string();
    let replies = futures_util::future::join_all([
        admin.form("pairs/create", &[("programme_id", &sid), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]),
        other_tab.form("pairs/create", &[("programme_id", &sid), ("mentor_email", MIA), ("mentee_email", MENTEE)]),
    ])
    .await;
    assert_eq!(statuses(&replies), [200, 409], "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    let refused = replies.iter().find(|r| r.status == 409).unwrap();
    assert_eq!(
        refused.body["Taken"][0],
        json!({"field": "mentee_email", "message": "This person already has a mentor in this programme."}),
        "the message is at the mentee's field"
    );
    let made = pairs(&admin, id).await;
    assert_eq!(made.len(), 1, "{made:?}");
}

fn goal(title: &str, milestones: usize) -> Value {
    let lines: Vec<String> = (0..milestones).map(|i| format!("Step {i}")).collect();
    json!({"side": "mentee", "title": title, "measure": "", "target_date": "", "status": "", "milestones": lines.join("\n")})
}

/// Both members adding goals (and milestones) at once never take a pair past 30 goals or a
/// goal past 20 milestones; the ones past the limit are told so at their field.
async fn goals_and_milestones_added_at_once_stop_at_their_limits(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let id = programme(&admin, "Goal limits", 1, false).await;
    let made = admin.form("pairs/create", &[("programme_id", &id.to_string()), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let pair = made.body.as_i64().unwrap();
    let (dana, victor) = (signed_in(app, MENTOR).await, signed_in(app, MENTEE).await);
    for i in 0..26 {
        let r = dana.json("pairs/goal_add", json!({"pair_id": pair, "input": goal(&format!("Goal {i}"), 0)})).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    let last = dana.json("pairs/goal_add", json!({"pair_id": pair, "input": goal("Goal with steps", 17)})).await;
    assert_eq!(last.status, 200, "{:?}", last.body);
    let goal_id = last.body.as_i64().unwrap().to_string();

    // Three goals fit; eight arrive at once from both members.
    let adds = (0..8).map(|i| {
        let who = if i % 2 == 0 { &dana } else { &victor };
        who.json("pairs/goal_add", json!({"pair_id": pair, "input": goal(&format!("At once {i}"), 0)}))
    });
    let replies = futures_util::future::join_all(adds).await;
    assert_eq!(statuses(&replies), vec![200, 200, 200, 422, 422, 422, 422, 422], "{:?}", replies.iter().map(|r| &r.body).collect::<Vec<_>>());
    for refused in replies.iter().filter(|r| r.status == 422) {
        assert_eq!(field_error(&refused.body, "title").as_deref(), Some("A pair keeps at most 30 goals; delete or finish one first."));
    }
    // Three milestones fit under the goal with 17; six arrive at once.
    let adds = (0..6).map(|i| {
        let who = if i % 2 == 0 { &dana } else { &victor };
        let title = format!("Extra {i}");
        let goal_id = goal_id.clone();
        async move { who.form("pairs/milestone_add", &[("goal_id", &goal_id), ("title", &title)]).await }
    });
    let replies = futures_util::future::join_all(adds).await;
    assert_eq!(statuses(&replies), vec![200, 200, 200, 422, 422, 422]);
    assert!(replies.iter().filter(|r| r.status == 422).all(|r| field_error(&r.body, "milestone").as_deref() == Some("A goal has at most 20 milestones.")));

    let workspace = victor.form("pairs/workspace", &[("pair_id", &pair.to_string())]).await;
    let goals = workspace.body["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 30, "exactly the limit is stored");
    let steps = goals.iter().find(|g| g["id"].to_string() == goal_id).unwrap()["milestones"].as_array().unwrap();
    assert_eq!(steps.len(), 20);
    let titles: Vec<&str> = steps.iter().map(|m| m["title"].as_str().unwrap()).collect();
    assert!(titles[17..].iter().all(|t| t.starts_with("Extra")), "the added ones follow the first 17, in order: {titles:?}");
}

/// Two admins deactivate the same person at the same moment: both are told it is done, and the
/// person's pair ends once, with one notice to the partner.
async fn two_admins_deactivating_one_person_at_once_end_their_pair_once(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let other = app.another_admin("second.admin@demo.upmentor.test").await;
    let id = programme(&admin, "Leaving at once", 1, false).await;
    let made = admin.form("pairs/create", &[("programme_id", &id.to_string()), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    assert_eq!(made.status, 200, "{:?}", made.body);
    let dana = admin.form("people/by_email", &[("email", MENTOR)]).await.body["id"].as_i64().unwrap().to_string();
    let fields = [("user_id", dana.as_str()), ("active", "false")];
    let (a, b) = tokio::join!(admin.form("people/set_active", &fields), other.form("people/set_active", &fields));
    assert_eq!((a.status, b.status), (200, 200), "{:?} {:?}", a.body, b.body);
    let victor = signed_in(app, MENTEE).await;
    let inbox = victor.form("me/inbox", &[]).await.body.to_string();
    assert_eq!(inbox.matches("has left the organisation").count(), 1, "one notice: {inbox}");
}
