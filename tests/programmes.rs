//! Programmes, enrolment, the matching studio, publishing, rematching and self-match, through
//! HTTP as employees, admins and strangers see them, on SQLite and on PostgreSQL.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;
use common::*;
use serde_json::{json, Value};

on_both_backends!(
    programme_endpoints_need_a_session,
    only_the_programmes_admins_may_run_it,
    bad_programme_input_is_named_by_field,
    apply_approve_run_publish_and_see_the_match,
    rematch_changes_only_the_affected_pair,
    self_match_request_and_accept,
    enrolment_outside_its_window_is_refused,
    matching_rules_reach_only_the_programmes_admins,
    a_group_programme_still_matches_hosts_with_attendees,
    the_manage_page_lists_page_search_filter_and_sort,
    everyone_matching_the_filter_is_decided_once,
    saved_runs_page_newest_first,
);

const MIA: &str = "mia.designer@demo.upmentor.test";

fn programme(name: &str, self_match: bool) -> Value {
    json!({
        "name": name, "objectives": "AI and social media fluency for leaders",
        "tags": ["technology fluency"], "kind": "reverse",
        "starts_on": day(30), "ends_on": day(200), "enrol_opens": day(-1), "enrol_closes": day(20),
        "mentor_capacity": "2", "self_match": self_match
    })
}

async fn admin(app: &TestApp) -> Client {
    let c = app.client();
    assert_eq!(c.sign_in(ADMIN, DEMO_PASSWORD).await.status, 200);
    c
}

async fn person(app: &TestApp, email: &str) -> Client {
    let c = app.client();
    assert_eq!(c.sign_in(email, DEMO_PASSWORD).await.status, 200);
    c
}

async fn create(c: &Client, name: &str, self_match: bool) -> i64 {
    let r = c.json("programmes/create", json!({"input": programme(name, self_match)})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body.as_i64().unwrap()
}

async fn apply(c: &Client, id: i64, role: &str) -> Reply {
    c.json("programmes/apply", json!({"input": {"programme_id": id, "role": role, "motivation": "I want to", "topics": "TikTok"}})).await
}

/// Applies as Dana (mentor) and Victor (mentee), approves both, and enrols juniors as mentors
/// and seniors as mentees in bulk. Returns the ids of Dana and Victor.
async fn populate(app: &TestApp, a: &Client, id: i64) -> (i64, i64) {
    let dana = person(app, MENTOR).await;
    let victor = person(app, MENTEE).await;
    assert_eq!(apply(&dana, id, "mentor").await.status, 200);
    assert_eq!(apply(&victor, id, "mentee").await.status, 200);
    let list = a.form("programmes/enrolments", &[("id", &id.to_string())]).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let mut ids = (0, 0);
    for e in list.body.as_array().unwrap() {
        assert_eq!(e["status"], "applied");
        let r = a.form("programmes/decide", &[("enrolment_id", &e["id"].to_string()), ("approve", "true")]).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        if e["email"] == MENTOR {
            ids.0 = e["user_id"].as_i64().unwrap();
        } else {
            ids.1 = e["user_id"].as_i64().unwrap();
        }
    }
    let juniors = a
        .json("programmes/bulk_enrol", json!({"input": {"programme_id": id, "role": "mentor", "source": {"Filter": {"department": "", "level_min": "1", "level_max": "3"}}}}))
        .await;
    assert_eq!(juniors.status, 200, "{:?}", juniors.body);
    assert!(juniors.body["enrolled"].as_u64().unwrap() >= 5, "{:?}", juniors.body);
    assert!(juniors.body["already"].as_u64().unwrap() >= 1, "Dana is already in: {:?}", juniors.body);
    let seniors = a
        .json("programmes/bulk_enrol", json!({"input": {"programme_id": id, "role": "mentee", "source": {"Filter": {"department": "", "level_min": "6", "level_max": "10"}}}}))
        .await;
    assert_eq!(seniors.status, 200, "{:?}", seniors.body);
    ids
}

async fn programme_endpoints_need_a_session(app: &TestApp) {
    let c = app.client();
    assert_eq!(c.form("programmes", &[]).await.status, 401);
    assert_eq!(c.form("programmes/get", &[("id", "1")]).await.status, 401);
    assert_eq!(c.json("programmes/create", json!({"input": programme("X", false)})).await.status, 401);
    assert_eq!(c.json("programmes/apply", json!({"input": {"programme_id": 1, "role": "mentor", "motivation": "", "topics": ""}})).await.status, 401);
    assert_eq!(c.form("studio/data", &[("id", "1")]).await.status, 401);
    assert_eq!(c.form("studio/publish", &[("run_id", "1")]).await.status, 401);
    assert_eq!(c.form("pairs/rematch", &[("pair_id", "1")]).await.status, 401);
    assert_eq!(c.form("me/matches", &[]).await.status, 401);
    assert_eq!(c.form("me/inbox", &[]).await.status, 401);
    assert_eq!(c.form("selfmatch/suggestions", &[("programme_id", "1")]).await.status, 401);
    assert_eq!(c.form("selfmatch/answer", &[("request_id", "1"), ("accept", "true")]).await.status, 401);
}

async fn only_the_programmes_admins_may_run_it(app: &TestApp) {
    let a = admin(app).await;
    let employee = person(app, MENTOR).await;
    assert_eq!(employee.json("programmes/create", json!({"input": programme("Mine", false)})).await.status, 403);
    let id = create(&a, "Reverse 2027", false).await;
    let (_, victor) = populate(app, &a, id).await;
    let run = a.json("studio/run", json!({"id": id, "config": a.form("studio/data", &[("id", &id.to_string())]).await.body["config"]})).await;
    assert_eq!(run.status, 200, "{:?}", run.body);
    let run_id = run.body["summary"]["id"].as_i64().unwrap().to_string();
    let config = run.body["config"].clone();
    let other = app.another_admin("second.admin@demo.upmentor.test").await;
    let sid = id.to_string();
    for (who, c) in [("employee", &employee), ("admin of other programmes", &other)] {
        assert_eq!(c.form("programmes/enrolments", &[("id", &sid)]).await.status, 403, "{who}");
        assert_eq!(c.json("programmes/update", json!({"id": id, "input": programme("Taken over", false)})).await.status, 403, "{who}");
        assert_eq!(c.form("studio/data", &[("id", &sid)]).await.status, 403, "{who}");
        assert_eq!(c.json("studio/run", json!({"id": id, "config": config})).await.status, 403, "{who}");
        assert_eq!(c.form("studio/load_run", &[("run_id", &run_id)]).await.status, 403, "{who}");
        assert_eq!(c.form("studio/publish", &[("run_id", &run_id)]).await.status, 403, "{who}");
        assert_eq!(c.form("programmes/pairs", &[("id", &sid)]).await.status, 403, "{who}");
        let bulk = json!({"input": {"programme_id": id, "role": "mentee", "source": {"Emails": MIA}}});
        assert_eq!(c.json("programmes/bulk_enrol", bulk).await.status, 403, "{who}");
        assert_eq!(c.form("programmes/decide", &[("enrolment_id", "1"), ("approve", "true")]).await.status, 403, "{who}");
    }
    // The other admin's own programme is theirs alone: the first admin cannot run it either.
    let theirs = create(&other, "Peer circle", false).await;
    assert_eq!(a.form("studio/data", &[("id", &theirs.to_string())]).await.status, 403);
    // Nothing of the above changed the programme.
    let p = a.form("programmes/get", &[("id", &sid)]).await;
    assert_eq!(p.body["name"], "Reverse 2027");
    // Publishing, then rematching, is refused to others as well.
    assert_eq!(a.form("studio/publish", &[("run_id", &run_id)]).await.status, 200);
    let pairs = a.form("programmes/pairs", &[("id", &sid)]).await;
    let pair = pairs.body.as_array().unwrap().iter().find(|p| p["mentee"]["id"] == victor).cloned().unwrap_or_else(|| pairs.body[0].clone());
    let pair_id = pair["id"].to_string();
    assert_eq!(other.form("pairs/rematch", &[("pair_id", &pair_id)]).await.status, 403);
    assert_eq!(employee.form("pairs/rematch", &[("pair_id", &pair_id)]).await.status, 403);
    assert_eq!(a.form("programmes/get", &[("id", "999999")]).await.status, 404);
}

async fn bad_programme_input_is_named_by_field(app: &TestApp) {
    let a = admin(app).await;
    let mut bad = programme("", false);
    bad["ends_on"] = json!("2027-02-30");
    bad["mentor_capacity"] = json!("lots");
    bad["kind"] = json!("mystery");
    let r = a.json("programmes/create", json!({"input": bad})).await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r.body, "name").is_some());
    assert!(field_error(&r.body, "ends_on").unwrap().contains("YYYY-MM-DD"));
    assert!(field_error(&r.body, "mentor_capacity").is_some());
    assert!(field_error(&r.body, "kind").is_some());
    assert_eq!(a.json("programmes/create", json!({"input": {"name": 5}})).await.status, 400);

    let id = create(&a, "Rules", false).await;
    let data = a.form("studio/data", &[("id", &id.to_string())]).await;
    let mut config = data.body["config"].clone();
    config["weights"][0] = json!(11.0);
    let r = a.json("studio/run", json!({"id": id, "config": config})).await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r.body, "config").unwrap().contains("weights must be numbers from 0 to 10"), "{:?}", r.body);
    let mut config = data.body["config"].clone();
    config["rules"]["pinned"] = json!([[123456, 654321]]);
    let r = a.json("studio/run", json!({"id": id, "config": config})).await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r.body, "config").unwrap().contains("123456"), "{:?}", r.body);

    let dana = person(app, MENTOR).await;
    let r = dana.json("programmes/apply", json!({"input": {"programme_id": id, "role": "boss", "motivation": "", "topics": ""}})).await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r.body, "role").is_some());
    let r = a.json("programmes/bulk_enrol", json!({"input": {"programme_id": id, "role": "mentor", "source": {"Filter": {"department": "", "level_min": "5", "level_max": "2"}}}})).await;
    assert!(field_error(&r.body, "level_max").is_some(), "{:?}", r.body);
    let r = a.json("programmes/bulk_enrol", json!({"input": {"programme_id": id, "role": "mentee", "source": {"Emails": format!("email\n{MIA}\nnot-an-email\nghost@demo.upmentor.test")}}})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["enrolled"], 1);
    let errors = r.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0]["line"], 3);
    assert!(errors[1]["message"].as_str().unwrap().contains("ghost@"));
}

async fn apply_approve_run_publish_and_see_the_match(app: &TestApp) {
    let a = admin(app).await;
    let id = create(&a, "Reverse mentoring 2027", false).await;
    let dana_c = person(app, MENTOR).await;
    let listed = dana_c.form("programmes", &[]).await;
    let card = listed.body.as_array().unwrap().iter().find(|p| p["id"] == id).expect("open programmes are listed").clone();
    assert_eq!(card["suggested_role"], "mentor", "juniors are offered the mentor role");
    assert_eq!(card["open"], true);
    let (dana, victor) = populate(app, &a, id).await;
    let approved = person(app, MENTOR).await.form("me/inbox", &[]).await;
    assert!(approved.body["items"][0]["title"].as_str().unwrap().starts_with("You are in"), "{:?}", approved.body);

    let data = a.form("studio/data", &[("id", &id.to_string())]).await;
    assert_eq!(data.status, 200);
    let mentors = data.body["problem"]["mentors"].as_array().unwrap();
    let mentees = data.body["problem"]["mentees"].as_array().unwrap();
    assert!(mentors.iter().any(|m| m["id"] == dana && m["capacity"] == 2));
    assert!(mentees.iter().any(|m| m["id"] == victor));
    assert!(mentors.iter().all(|m| m["level"].as_i64().unwrap() <= 3));
    let dana_wants_topics = mentors.iter().find(|m| m["id"] == dana).unwrap()["offers"].as_array().unwrap().iter().any(|o| o[0] == "TikTok");
    assert!(dana_wants_topics, "topics from the application count as skills offered");

    // Pin Dana with Victor: the authoritative run keeps the pin and saves the configuration.
    let mut config = data.body["config"].clone();
    config["rules"]["pinned"] = json!([[dana, victor]]);
    config["weights"][2] = json!(7.5);
    let run = a.json("studio/run", json!({"id": id, "config": config})).await;
    assert_eq!(run.status, 200, "{:?}", run.body);
    let pairs = run.body["result"]["pairs"].as_array().unwrap();
    let pinned = pairs.iter().find(|p| p["mentee"] == victor).unwrap();
    assert_eq!(pinned["mentor"], dana);
    assert_eq!(pinned["pinned"], true);
    assert!(pairs.iter().all(|p| pairs.iter().filter(|q| q["mentor"] == p["mentor"]).count() <= 2), "capacity holds");
    let run_id = run.body["summary"]["id"].as_i64().unwrap();
    let again = a.form("studio/data", &[("id", &id.to_string())]).await;
    assert_eq!(again.body["config"]["weights"][2], 7.5, "the tuned configuration is kept");
    assert_eq!(again.body["runs"]["items"][0]["id"], run_id, "the run is in the audit trail");
    assert_eq!(again.body["runs"]["items"][0]["author"], "Alex Morgan", "with its author");
    let loaded = a.form("studio/load_run", &[("run_id", &run_id.to_string())]).await;
    assert_eq!(loaded.body["config"]["rules"]["pinned"], json!([[dana, victor]]));

    let published = a.form("studio/publish", &[("run_id", &run_id.to_string())]).await;
    assert_eq!(published.status, 200, "{:?}", published.body);
    let n_pairs = published.body["pairs"].as_u64().unwrap();
    assert_eq!(n_pairs as usize, pairs.len());
    assert_eq!(a.form("studio/publish", &[("run_id", &run_id.to_string())]).await.status, 409, "published once");

    // Both see the match and why; the mentee's inbox says why they were matched.
    let dana_sees = dana_c.form("me/matches", &[]).await;
    let m = dana_sees.body.as_array().unwrap().iter().find(|m| m["programme_id"] == id).unwrap().clone();
    assert_eq!(m["i_am_mentor"], true);
    assert_eq!(m["partner"]["id"], victor);
    assert!(!m["reasons"].as_array().unwrap().is_empty());
    let victor_c = person(app, MENTEE).await;
    let victor_sees = victor_c.form("me/matches", &[]).await;
    assert_eq!(victor_sees.body[0]["partner"]["id"], dana);
    let inbox = victor_c.form("me/inbox", &[]).await;
    let note = inbox.body["items"].as_array().unwrap().iter().find(|n| n["title"].as_str().unwrap().contains("Your mentor")).unwrap().clone();
    assert!(note["body"].as_str().unwrap().starts_with("You were matched because"), "{note:?}");
    assert!(inbox.body["unread"].as_u64().unwrap() >= 1);
    assert_eq!(victor_c.form("me/inbox/read", &[]).await.status, 200);
    assert_eq!(victor_c.form("me/inbox", &[]).await.body["unread"], 0);

    // Paired people leave the pool; Dana keeps one place.
    let after = a.form("studio/data", &[("id", &id.to_string())]).await;
    assert!(!after.body["problem"]["mentees"].as_array().unwrap().iter().any(|m| m["id"] == victor));
    let dana_left = after.body["problem"]["mentors"].as_array().unwrap().iter().find(|m| m["id"] == dana).map(|m| m["capacity"].as_u64().unwrap());
    let dana_pairs = pairs.iter().filter(|p| p["mentor"] == dana).count() as u64;
    assert_eq!(dana_left.unwrap_or(0), 2 - dana_pairs);
    assert!(after.body["config"]["rules"]["pinned"].as_array().unwrap().is_empty(), "pins of paired people are dropped");
}

/// Group programmes ran before lunch & learn sessions existed: a host with up to eight
/// attendees, each pairing with its own workspace. That still works beside the sessions.
async fn a_group_programme_still_matches_hosts_with_attendees(app: &TestApp) {
    let a = admin(app).await;
    let mut input = programme("Lunch & learn hosts", false);
    input["kind"] = json!("group");
    input["mentor_capacity"] = json!("8");
    let created = a.json("programmes/create", json!({"input": input})).await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let id = created.body.as_i64().unwrap();
    let (dana, victor) = populate(app, &a, id).await;
    let data = a.form("studio/data", &[("id", &id.to_string())]).await;
    assert_eq!(data.status, 200, "{:?}", data.body);
    assert!(data.body["problem"]["mentors"].as_array().unwrap().iter().any(|m| m["id"] == dana && m["capacity"] == 8), "a host seats eight");
    let mut config = data.body["config"].clone();
    config["rules"]["pinned"] = json!([[dana, victor]]);
    let run = a.json("studio/run", json!({"id": id, "config": config})).await;
    assert_eq!(run.status, 200, "{:?}", run.body);
    let pairs = run.body["result"]["pairs"].as_array().unwrap().clone();
    assert!(pairs.len() >= 2, "{pairs:?}");
    assert!(pairs.iter().all(|p| pairs.iter().filter(|q| q["mentor"] == p["mentor"]).count() <= 8), "a host's seats hold");
    let run_id = run.body["summary"]["id"].to_string();
    let published = a.form("studio/publish", &[("run_id", &run_id)]).await;
    assert_eq!((published.status, published.body["pairs"].as_u64()), (200, Some(pairs.len() as u64)), "{:?}", published.body);

    // The attendee sees the host and opens their workspace, and a lunch & learn session can be
    // proposed in the same programme.
    let victor_c = person(app, MENTEE).await;
    let mine = victor_c.form("me/matches", &[]).await;
    let m = mine.body.as_array().unwrap().iter().find(|m| m["programme_id"] == id).expect("the match is listed").clone();
    assert_eq!((m["partner"]["id"].as_i64(), m["i_am_mentor"].as_bool()), (Some(dana), Some(false)));
    let workspace = victor_c.form("pairs/workspace", &[("pair_id", &m["pair_id"].to_string())]).await;
    assert_eq!(workspace.status, 200, "{:?}", workspace.body);
    let id_text = id.to_string();
    let (date, session) = (day(40), person(app, MENTOR).await);
    let fields = [("programme_id", id_text.as_str()), ("topic", "Prompting for executives"), ("description", "Bring a laptop."), ("date", &date),
        ("time", "12:00"), ("minutes", "45"), ("format", "room"), ("place", "Room 4"), ("capacity", "6")];
    let proposed = session.form("sessions/propose", &fields).await;
    assert_eq!(proposed.status, 200, "{:?}", proposed.body);
}

/// The manage page's people, `query` as (field, value) pairs over the defaults.
async fn people_page(c: &Client, id: i64, query: &[(&str, &str)]) -> Reply {
    let mut fields = vec![("id".to_string(), id.to_string())];
    for key in ["q", "role", "status", "sort", "page"] {
        let value = query.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string()).unwrap_or_else(|| if key == "page" { "0".into() } else { String::new() });
        fields.push((format!("query[{key}]"), value));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.form("programmes/enrolment_page", &fields).await
}

/// The manage page's pairs, `q`, `sort` and `page`.
async fn pairs_page(c: &Client, id: i64, q: &str, sort: &str, page: i32) -> Reply {
    c.form("programmes/pair_page", &[("id", &id.to_string()), ("query[q]", q), ("query[sort]", sort), ("query[page]", &page.to_string())]).await
}

fn names(reply: &Reply, path: &[&str]) -> Vec<String> {
    reply.body["items"].as_array().unwrap().iter().map(|i| path.iter().fold(i, |v, k| &v[*k]).as_str().unwrap().to_string()).collect()
}

/// The manage page's lists come a page at a time from the server, searched, filtered and sorted
/// there, with the total: the same people and pairs as the full lists, in pieces.
async fn the_manage_page_lists_page_search_filter_and_sort(app: &TestApp) {
    let a = admin(app).await;
    let id = create(&a, "Paged lists", false).await;
    populate(app, &a, id).await;
    let everyone = a.form("programmes/enrolments", &[("id", &id.to_string())]).await.body.as_array().unwrap().clone();
    assert!(everyone.len() > 10, "{}", everyone.len());

    let all = people_page(&a, id, &[]).await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(all.body["total"].as_u64(), Some(everyone.len() as u64));
    assert_eq!((all.body["page"].as_i64(), all.body["page_size"].as_i64()), (Some(0), Some(50)));
    let first: Vec<&serde_json::Value> = everyone.iter().take(50).collect();
    assert_eq!(all.body["items"].as_array().unwrap().iter().collect::<Vec<_>>(), first, "the default order is the full list's");
    let dana = people_page(&a, id, &[("q", "  DANA ")]).await;
    assert_eq!((dana.body["total"].as_u64(), dana.body["items"][0]["email"].as_str()), (Some(1), Some(MENTOR)), "{:?}", dana.body);
    let by_email = people_page(&a, id, &[("q", "victor.sales@")]).await;
    assert_eq!(by_email.body["items"][0]["email"], MENTEE);
    let mentees = people_page(&a, id, &[("role", "mentee")]).await;
    let expected = everyone.iter().filter(|e| e["role"] == "mentee").count() as u64;
    assert_eq!(mentees.body["total"].as_u64(), Some(expected));
    assert!(mentees.body["items"].as_array().unwrap().iter().all(|e| e["role"] == "mentee"));
    assert_eq!(people_page(&a, id, &[("status", "declined")]).await.body["total"], 0);
    assert_eq!(people_page(&a, id, &[("q", "%")]).await.body["total"], 0, "a % is a character, not a wildcard");
    let by_name = names(&people_page(&a, id, &[("sort", "name")]).await, &["name"]);
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);
    let senior = people_page(&a, id, &[("sort", "level")]).await;
    let levels: Vec<i64> = senior.body["items"].as_array().unwrap().iter().map(|e| e["level"].as_i64().unwrap()).collect();
    assert!(levels.windows(2).all(|w| w[0] >= w[1]), "{levels:?}");
    // A page past the end (an old link, a list that shrank) answers the last page, saying so.
    let beyond = people_page(&a, id, &[("page", "9")]).await;
    let last = (everyone.len() as i64 - 1) / 50;
    assert_eq!((beyond.body["total"].as_u64(), beyond.body["page"].as_i64()), (Some(everyone.len() as u64), Some(last)));
    assert_eq!(beyond.body["items"].as_array().map(Vec::len), Some(everyone.len() - last as usize * 50));
    // Refused at the field, before any work; and only for the programme's admins.
    for (field, value) in [("role", "boss"), ("status", "maybe"), ("sort", "age; DROP TABLE users"), ("q", &"x".repeat(101))] {
        let bad = people_page(&a, id, &[(field, value)]).await;
        assert_eq!(bad.status, 422, "{field}: {:?}", bad.body);
        assert!(field_error(&bad.body, field).is_some(), "{field}: {:?}", bad.body);
    }
    assert_eq!(people_page(&person(app, MENTOR).await, id, &[]).await.status, 403);
    assert_eq!(people_page(&app.client(), id, &[]).await.status, 401);

    // Pairs, once a run is published.
    let config = a.form("studio/data", &[("id", &id.to_string())]).await.body["config"].clone();
    let run = a.json("studio/run", json!({"id": id, "config": config})).await;
    assert_eq!(a.form("studio/publish", &[("run_id", &run.body["summary"]["id"].to_string())]).await.status, 200);
    let every_pair = a.form("programmes/pairs", &[("id", &id.to_string())]).await.body.as_array().unwrap().clone();
    let listed = pairs_page(&a, id, "", "", 0).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(listed.body["total"].as_u64(), Some(every_pair.len() as u64));
    assert_eq!(listed.body["items"].as_array().unwrap().iter().take(50).collect::<Vec<_>>(), every_pair.iter().take(50).collect::<Vec<_>>());
    let victors = pairs_page(&a, id, "lindqvist", "", 0).await;
    assert_eq!(victors.body["total"], 1, "{:?}", victors.body);
    assert_eq!(victors.body["items"][0]["mentee"]["name"], "Victor Lindqvist");
    let best = pairs_page(&a, id, "", "score", 0).await;
    let scores: Vec<f64> = best.body["items"].as_array().unwrap().iter().map(|p| p["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let weakest = pairs_page(&a, id, "", "score_low", 0).await;
    assert_eq!(weakest.body["items"][0]["score"].as_f64(), scores.last().copied().filter(|_| every_pair.len() <= 50), "weakest first");
    // How the pairs are doing: the same page of pairs, in the same order, in the same answer.
    let stat_ids: Vec<&serde_json::Value> = best.body["health"].as_array().unwrap().iter().map(|s| &s["pair_id"]).collect();
    let page_ids: Vec<&serde_json::Value> = best.body["items"].as_array().unwrap().iter().map(|p| &p["id"]).collect();
    assert_eq!(stat_ids, page_ids);
    let bad = pairs_page(&a, id, "", "oldest", 0).await;
    assert!(bad.status == 422 && field_error(&bad.body, "sort").is_some(), "{:?}", bad.body);
    assert_eq!(pairs_page(&person(app, MENTEE).await, id, "", "", 0).await.status, 403);
}

async fn rematch_changes_only_the_affected_pair(app: &TestApp) {
    let a = admin(app).await;
    let id = create(&a, "Rematch", false).await;
    let (_, victor) = populate(app, &a, id).await;
    let sid = id.to_string();
    let config = a.form("studio/data", &[("id", &sid)]).await.body["config"].clone();
    let run = a.json("studio/run", json!({"id": id, "config": config})).await;
    let run_id = run.body["summary"]["id"].to_string();
    assert_eq!(a.form("studio/publish", &[("run_id", &run_id)]).await.status, 200);
    let before = a.form("programmes/pairs", &[("id", &sid)]).await.body.as_array().unwrap().clone();
    assert!(before.len() >= 2, "{before:?}");
    let target = before.iter().find(|p| p["mentee"]["id"] == victor).unwrap_or(&before[0]).clone();
    let after = a.form("pairs/rematch", &[("pair_id", &target["id"].to_string())]).await;
    assert_eq!(after.status, 200, "{:?}", after.body);
    let after = after.body.as_array().unwrap().clone();
    for p in before.iter().filter(|p| p["id"] != target["id"]) {
        assert!(after.iter().any(|q| q["id"] == p["id"]), "pair {} is untouched", p["id"]);
    }
    assert!(!after.iter().any(|q| q["id"] == target["id"]), "the old pair ended");
    assert!(
        !after.iter().any(|q| q["mentor"]["id"] == target["mentor"]["id"] && q["mentee"]["id"] == target["mentee"]["id"]),
        "the same two are not paired again"
    );
    for q in after.iter().filter(|q| !before.iter().any(|p| p["id"] == q["id"])) {
        assert!(q["mentee"]["id"] == target["mentee"]["id"] || q["mentor"]["id"] == target["mentor"]["id"], "only the affected people get new pairs: {q:?}");
    }
    assert_eq!(a.form("pairs/rematch", &[("pair_id", &target["id"].to_string())]).await.status, 404, "an ended pair cannot be rematched");
}

async fn self_match_request_and_accept(app: &TestApp) {
    let a = admin(app).await;
    let id = create(&a, "Self-match", true).await;
    let (_, victor) = populate(app, &a, id).await;
    let victor_c = person(app, MENTEE).await;
    let sid = id.to_string();
    let s = victor_c.form("selfmatch/suggestions", &[("programme_id", &sid)]).await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    let list = s.body.as_array().unwrap().clone();
    assert!(!list.is_empty() && list.len() <= 5);
    let scores: Vec<f64> = list.iter().map(|x| x["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    assert!(!list[0]["reasons"].as_array().unwrap().is_empty());
    let mentor_id = list[0]["mentor"]["id"].as_i64().unwrap();
    // A pair the admins rule out is neither suggested nor asked for.
    let studio = a.form("studio/data", &[("id", &sid)]).await;
    let kept = studio.body["config"].clone();
    let mut ruled_out = kept.clone();
    ruled_out["rules"]["forbidden"] = json!([[mentor_id, victor]]);
    assert_eq!(a.json("studio/run", json!({"id": id, "config": ruled_out})).await.status, 200);
    let s = victor_c.form("selfmatch/suggestions", &[("programme_id", &sid)]).await;
    assert!(!s.body.as_array().unwrap().iter().any(|x| x["mentor"]["id"] == mentor_id), "{:?}", s.body);
    let r = victor_c.form("selfmatch/request", &[("programme_id", &sid), ("mentor_id", &mentor_id.to_string()), ("message", "")]).await;
    assert_eq!((r.status, r.body["Conflict"].as_str()), (409, Some("The programme's admins have ruled this pair out.")));
    assert_eq!(a.json("studio/run", json!({"id": id, "config": kept})).await.status, 200);
    // Only approved mentees of a self-match programme may ask.
    let dana_c = person(app, MENTOR).await;
    assert_eq!(dana_c.form("selfmatch/suggestions", &[("programme_id", &sid)]).await.status, 403);
    let r = victor_c.form("selfmatch/request", &[("programme_id", &sid), ("mentor_id", &mentor_id.to_string()), ("message", "Teach me TikTok?")]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let twice = victor_c.form("selfmatch/request", &[("programme_id", &sid), ("mentor_id", &mentor_id.to_string()), ("message", "")]).await;
    assert_eq!(twice.status, 409);
    let mine = victor_c.form("selfmatch/requests", &[]).await;
    let req = mine.body.as_array().unwrap()[0].clone();
    assert_eq!(req["status"], "pending");
    let rid = req["id"].to_string();
    // Someone other than the asked mentor cannot answer.
    assert_eq!(victor_c.form("selfmatch/answer", &[("request_id", &rid), ("accept", "true")]).await.status, 403);
    // The asked mentor signs in through the email the directory has for them.
    let pairs = a.form("programmes/enrolments", &[("id", &sid)]).await;
    let email = pairs.body.as_array().unwrap().iter().find(|e| e["user_id"] == mentor_id).unwrap()["email"].as_str().unwrap().to_string();
    let mentor = if email == MENTOR { dana_c } else {
        // Demo people other than the named three have no password: give this one a link.
        let link = a.form("admin/reissue_invite", &[("user_id", &mentor_id.to_string())]).await;
        let token = link.body["path"].as_str().unwrap().strip_prefix("/invite/").unwrap().to_string();
        let c = app.client();
        assert_eq!(c.form("accept_invite", &[("token", &token), ("password", "a long password"), ("confirm", "a long password")]).await.status, 200);
        c
    };
    let ok = mentor.form("selfmatch/answer", &[("request_id", &rid), ("accept", "true")]).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let m = victor_c.form("me/matches", &[]).await;
    assert_eq!(m.body[0]["partner"]["id"], mentor_id);
    assert_eq!(m.body[0]["programme_id"], id);
    assert_eq!(mentor.form("selfmatch/answer", &[("request_id", &rid), ("accept", "true")]).await.status, 409, "answered once");
    assert_eq!(victor_c.form("selfmatch/suggestions", &[("programme_id", &sid)]).await.body, json!([]), "paired: no more suggestions");
    let _ = victor;
}

async fn enrolment_outside_its_window_is_refused(app: &TestApp) {
    let a = admin(app).await;
    let mut later = programme("Next year", false);
    later["enrol_opens"] = json!(day(40));
    later["enrol_closes"] = json!(day(50));
    later["starts_on"] = json!(day(60));
    let r = a.json("programmes/create", json!({"input": later})).await;
    let id = r.body.as_i64().unwrap();
    let dana = person(app, MENTOR).await;
    // Not yet open and not involved: to employees the programme does not exist, and nothing
    // about it (name, dates) comes back.
    let refused = apply(&dana, id, "mentor").await;
    assert_eq!(refused.status, 404, "{:?}", refused.body);
    assert!(!refused.body.to_string().contains("Next year"), "{:?}", refused.body);
    assert!(!dana.form("programmes", &[]).await.body.as_array().unwrap().iter().any(|p| p["id"] == id));
    assert_eq!(dana.form("programmes/get", &[("id", &id.to_string())]).await.status, 404);
    assert_eq!(dana.form("selfmatch/suggestions", &[("programme_id", &id.to_string())]).await.status, 404);
    // Someone already in it sees it, and is told when enrolment opens.
    let enrolled = a
        .json("programmes/bulk_enrol", json!({"input": {"programme_id": id, "role": "mentor", "source": {"Emails": MENTOR}}}))
        .await;
    assert_eq!(enrolled.status, 200, "{:?}", enrolled.body);
    let told = apply(&dana, id, "mentor").await;
    assert_eq!(told.status, 409);
    assert!(told.body["Conflict"].as_str().unwrap().contains("Enrolment for Next year is open from"), "{:?}", told.body);
}

/// Employees never receive a programme's matching rules (they name forbidden and pinned pairs
/// by person); the studio gives them to the programme's admins.
async fn matching_rules_reach_only_the_programmes_admins(app: &TestApp) {
    let a = admin(app).await;
    let id = create(&a, "Rules kept", false).await;
    let dana = person(app, MENTOR).await;
    for (who, c) in [("an employee", &dana), ("the admin", &a)] {
        let list = c.form("programmes", &[]).await;
        let mine = list.body.as_array().unwrap().iter().find(|p| p["id"] == id).unwrap_or_else(|| panic!("{who}: {:?}", list.body)).clone();
        assert!(mine.get("config").is_none() && !mine.to_string().contains("forbidden"), "{who}: {mine}");
        let one = c.form("programmes/get", &[("id", &id.to_string())]).await;
        assert!(one.body.get("config").is_none(), "{who}: {:?}", one.body);
    }
    let studio = a.form("studio/data", &[("id", &id.to_string())]).await;
    assert!(studio.body["config"]["rules"]["forbidden"].is_array(), "{:?}", studio.body);
    assert_eq!(dana.form("studio/data", &[("id", &id.to_string())]).await.status, 403);
}

/// Requests nobody answers expire (here at once: the lifetime is set to 0 hours).
async fn unanswered_requests_expire(app: &TestApp) {
    let a = admin(app).await;
    let id = create(&a, "Expiring", true).await;
    populate(app, &a, id).await;
    let victor = person(app, MENTEE).await;
    let sid = id.to_string();
    let list = victor.form("selfmatch/suggestions", &[("programme_id", &sid)]).await;
    let mentor = list.body[0]["mentor"]["id"].to_string();
    let r = victor.form("selfmatch/request", &[("programme_id", &sid), ("mentor_id", &mentor), ("message", "")]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let mine = victor.form("selfmatch/requests", &[]).await;
    assert_eq!(mine.body[0]["status"], "expired");
    // An expired request does not block asking again.
    let again = victor.form("selfmatch/request", &[("programme_id", &sid), ("mentor_id", &mentor), ("message", "")]).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
}

mod unanswered_requests_expire {
    use super::common::{Backend, TestApp};
    const NOW: [(&str, &str); 1] = [("UPMENTOR_REQUEST_HOURS", "0")];
    #[tokio::test]
    async fn sqlite() {
        if let Some(app) = TestApp::start_with(Backend::Sqlite, &NOW) {
            super::unanswered_requests_expire(&app).await;
        }
    }
    #[tokio::test]
    async fn postgres() {
        if let Some(app) = TestApp::start_with(Backend::Postgres, &NOW) {
            super::unanswered_requests_expire(&app).await;
        }
    }
}

/// `programmes/decide_matching` for `query` (field, value pairs), `approve`, `expected`, `up_to`.
async fn decide_matching(c: &Client, id: i64, query: &[(&str, &str)], approve: bool, expected: i64, up_to: i64) -> Reply {
    let mut fields = vec![
        ("id".to_string(), id.to_string()),
        ("approve".into(), approve.to_string()),
        ("expected".into(), expected.to_string()),
        ("up_to".into(), up_to.to_string()),
    ];
    fields.extend(query.iter().map(|(k, v)| (format!("query[{k}]"), v.to_string())));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.form("programmes/decide_matching", &fields).await
}

/// Programme `id`'s enrolments in `status`, by role.
async fn count_status(db: &upmentor::server::db::Db, id: i64, role: &str, status: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM enrolments WHERE programme_id = $1 AND role = $2 AND status = $3")
        .bind(id)
        .bind(role)
        .bind(status)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// "Approve or decline everyone matching": every waiting application the people list's filter
/// matches, on every page, decided once (two tabs at once, or a single decision racing it);
/// a count that changed meanwhile decides nothing; others are refused.
async fn everyone_matching_the_filter_is_decided_once(app: &TestApp) {
    let a = admin(app).await;
    let id = create(&a, "Bulk decisions", false).await;
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    // More applications than one page: 40 more people, and everyone but the admin applies
    // (juniors as mentors, seniors as mentees).
    for k in 0..40 {
        sqlx::query("INSERT INTO users (email, name, level, department, created_at, updated_at) VALUES ($1, $2, $3, 'Finance', 1, 1)")
            .bind(format!("applicant.{k}@demo.upmentor.test"))
            .bind(format!("Applicant {k}"))
            .bind(1 + k % 3)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO enrolments (programme_id, user_id, role, status, created_at)
         SELECT $1, id, CASE WHEN level <= 4 THEN 'mentor' ELSE 'mentee' END, 'applied', 1 FROM users WHERE role = 'employee'",
    )
    .bind(id)
    .execute(&db.pool)
    .await
    .unwrap();
    let mentors = count_status(&db, id, "mentor", "applied").await;
    let mentees = count_status(&db, id, "mentee", "applied").await;
    assert!(mentors > 50 && mentees > 0, "{mentors} mentors, {mentees} mentees");
    let listed = people_page(&a, id, &[("role", "mentor")]).await;
    assert_eq!((listed.body["total"].as_i64(), listed.body["waiting"].as_i64()), (Some(mentors), Some(mentors)), "{:?}", listed.body["total"]);
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 50, "the page shows 50; the decision covers them all");
    let newest = listed.body["newest"].as_i64().unwrap();
    let latest: i64 = sqlx::query_scalar("SELECT MAX(id) FROM enrolments WHERE programme_id = $1 AND role = 'mentor'").bind(id).fetch_one(&db.pool).await.unwrap();
    assert_eq!(newest, latest, "the newest enrolment the list could show");

    // Refused: others, a bad filter or count; nothing changes.
    let employee = person(app, MENTOR).await;
    let other = app.another_admin("second.admin@demo.upmentor.test").await;
    for c in [&employee, &other] {
        assert_eq!(decide_matching(c, id, &[("role", "mentor")], true, mentors, newest).await.status, 403);
    }
    let bad = decide_matching(&a, id, &[("role", "boss")], true, mentors, newest).await;
    assert!(bad.status == 422 && field_error(&bad.body, "role").is_some(), "{:?}", bad.body);
    let none = decide_matching(&a, id, &[], true, 0, newest).await;
    assert!(none.status == 422 && field_error(&none.body, "expected").is_some(), "{:?}", none.body);
    // The count the admin saw is no longer right (one more applied meanwhile): nothing decided.
    let stale = decide_matching(&a, id, &[("role", "mentor")], true, mentors - 1, newest).await;
    assert_eq!(stale.status, 409, "{:?}", stale.body);
    assert!(stale.body.to_string().contains(&format!("{mentors} waiting applications match")), "{:?}", stale.body);
    assert_eq!(count_status(&db, id, "mentor", "applied").await, mentors, "a refused decision decides no one");

    // A search narrows it: the Finance applicants with "applicant 1" in their name (1, 10–19).
    let searched = people_page(&a, id, &[("q", "applicant 1")]).await;
    assert_eq!(searched.body["waiting"], 11, "{:?}", searched.body["total"]);
    let r = decide_matching(&a, id, &[("q", "applicant 1")], false, 11, newest).await;
    assert_eq!((r.status, r.body["decided"].as_i64()), (200, Some(11)), "{:?}", r.body);
    assert_eq!(people_page(&a, id, &[("q", "applicant 1")]).await.body["waiting"], 0);
    let declined: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE e.programme_id = $1 AND e.status = 'declined' AND u.name LIKE 'Applicant 1%'",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(declined, 11);

    // Two tabs at once, approving and declining the same mentors with the count both saw: one
    // decides every one of them, the other is told the list changed; each person hears once.
    let b = admin(app).await;
    let waiting = count_status(&db, id, "mentor", "applied").await;
    // Someone applies after the admins looked: no bulk decision reaches them unseen.
    sqlx::query("INSERT INTO users (email, name, level, department, created_at, updated_at) VALUES ('late.applicant@demo.upmentor.test', 'Late Applicant', 2, 'Finance', 1, 1)")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO enrolments (programme_id, user_id, role, status, created_at) SELECT $1, id, 'mentor', 'applied', 2 FROM users WHERE email = 'late.applicant@demo.upmentor.test'")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    let (x, y) = tokio::join!(
        decide_matching(&a, id, &[("role", "mentor")], true, waiting, newest),
        decide_matching(&b, id, &[("role", "mentor")], false, waiting, newest)
    );
    let mut statuses = [x.status, y.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{:?} {:?}", x.body, y.body);
    let approved = x.status == 200;
    let (decided_as, other_state) = if approved { ("approved", "declined") } else { ("declined", "approved") };
    assert_eq!(count_status(&db, id, "mentor", "applied").await, 1, "the late applicant still waits");
    assert_eq!(count_status(&db, id, "mentor", decided_as).await, waiting + if approved { 0 } else { 11 });
    assert_eq!(count_status(&db, id, "mentor", other_state).await, if approved { 11 } else { 0 });
    let notices: Vec<i64> = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications n JOIN enrolments e ON e.user_id = n.user_id AND e.programme_id = $1
         WHERE e.role = 'mentor' AND (n.title = 'You are in: Bulk decisions' OR n.title = 'Application to Bulk decisions') GROUP BY n.user_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(notices.len() as i64, mentors, "every mentor heard");
    assert!(notices.iter().all(|n| *n == 1), "each once: {notices:?}");

    // One decision by hand racing a bulk one over the same application: decided once.
    let victor: (i64,) = sqlx::query_as("SELECT e.id FROM enrolments e JOIN users u ON u.id = e.user_id WHERE e.programme_id = $1 AND u.email = $2")
        .bind(id)
        .bind(MENTEE)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let sid = victor.0.to_string();
    let by_hand = [("enrolment_id", sid.as_str()), ("approve", "false")];
    let (one, all) = tokio::join!(a.form("programmes/decide", &by_hand), decide_matching(&b, id, &[("role", "mentee")], true, mentees, newest));
    match (one.status, all.status) {
        (200, 409) => assert_eq!(count_status(&db, id, "mentee", "applied").await, mentees - 1),
        (409, 200) => assert_eq!(count_status(&db, id, "mentee", "approved").await, mentees),
        other => panic!("one of the two decides Victor, not {other:?}: {:?} {:?}", one.body, all.body),
    }
    // A decided application is not decided again, by hand either.
    let again = a.form("programmes/decide", &[("enrolment_id", &sid), ("approve", "true")]).await;
    assert_eq!(again.status, 409, "{:?}", again.body);
}

/// The studio lists saved runs 50 at a time, newest first, with the total; a page past the
/// end answers the last; only the programme's admins may read them.
async fn saved_runs_page_newest_first(app: &TestApp) {
    let a = admin(app).await;
    let id = create(&a, "Many runs", false).await;
    populate(app, &a, id).await;
    let config = a.form("studio/data", &[("id", &id.to_string())]).await.body["config"].clone();
    let mut ids = Vec::new();
    for _ in 0..53 {
        let run = a.json("studio/run", json!({"id": id, "config": config})).await;
        assert_eq!(run.status, 200, "{:?}", run.body);
        ids.push(run.body["summary"]["id"].as_i64().unwrap());
    }
    ids.reverse();
    let sid = id.to_string();
    let first = a.form("studio/data", &[("id", &sid)]).await.body["runs"].clone();
    assert_eq!((first["total"].as_i64(), first["page"].as_i64()), (Some(53), Some(0)));
    let listed = |page: &Value| page["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(listed(&first), ids[..50]);
    let older = a.form("studio/runs", &[("id", &sid), ("page", "1")]).await;
    assert_eq!(older.status, 200, "{:?}", older.body);
    assert_eq!(listed(&older.body), ids[50..]);
    assert_eq!(listed(&a.form("studio/runs", &[("id", &sid), ("page", "9")]).await.body), ids[50..], "past the end: the last page");
    assert_eq!(a.form("studio/runs", &[("id", &sid)]).await.body["page"], 0, "the page may be left out");
    let other = app.another_admin("second.admin@demo.upmentor.test").await;
    assert_eq!(other.form("studio/runs", &[("id", &sid)]).await.status, 403);
    assert_eq!(person(app, MENTOR).await.form("studio/runs", &[("id", &sid)]).await.status, 403);
    assert_eq!(app.client().form("studio/runs", &[("id", &sid)]).await.status, 401);
}
