//! People sync as an HR admin meets it: upload a file as the browser sends it (its bytes),
//! preview what it would change, apply it once; people who leave. On SQLite and PostgreSQL.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;
use base64::Engine;
use common::*;
use serde_json::{json, Value};

on_both_backends!(
    an_hr_export_is_previewed_then_applied_once,
    a_partial_re_import_changes_only_what_the_file_says,
    files_from_excel_and_other_systems_read_right,
    rows_are_told_by_their_line_and_spreadsheet_row,
    grades_and_columns_mapped_once_are_remembered,
    timezones_have_one_list_everywhere,
    two_applies_at_once_write_once_and_a_stale_preview_is_refused,
    people_who_leave_lose_access_and_their_pairs_end,
    only_admins_sync_people,
    an_export_imports_again_with_no_change,
    a_programmes_enrolments_and_pairs_export_for_its_admins,
);

async fn upload(admin: &Client, bytes: &[u8]) -> i64 {
    let r = admin.json("people/import_upload", json!({"file_name": "people.csv", "file_base64": base64::engine::general_purpose::STANDARD.encode(bytes)})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body.as_i64().unwrap()
}

fn no_choices() -> Value {
    json!({"columns": {}, "grades": {}, "clear_blank_cells": false, "deactivate_missing": false})
}

async fn preview(admin: &Client, id: i64, choices: &Value, filter: &str) -> Value {
    let r = admin.json("people/import_preview", json!({"import_id": id, "choices": choices, "filter": filter, "page": 0})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

async fn apply(admin: &Client, id: i64, choices: &Value) -> Value {
    let fingerprint = preview(admin, id, choices, "all").await["fingerprint"].clone();
    let r = admin.json("people/import_apply", json!({"import_id": id, "choices": choices, "fingerprint": fingerprint})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

async fn person(admin: &Client, email: &str) -> Value {
    let r = admin.form("people/by_email", &[("email", email)]).await;
    assert_eq!(r.status, 200, "{email}: {:?}", r.body);
    r.body
}

fn row<'a>(preview: &'a Value, email: &str) -> &'a Value {
    preview["rows"].as_array().unwrap().iter().find(|r| r["email"] == email).unwrap_or_else(|| panic!("no row for {email}: {preview}"))
}

async fn an_hr_export_is_previewed_then_applied_once(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let file = "Name,Email,Job Title,Job Level,Department,Manager Email,Location,Time Zone,Badge Colour\n\
                Vera VP,vera@corp.test,VP Sales,9,Sales,,Kyiv,Europe/Kyiv,red\n\
                Jon Junior,jon@corp.test,Analyst,2,Sales,vera@corp.test,Leeds,Europe/London,blue\n";
    let id = upload(&admin, file.as_bytes()).await;
    let p = preview(&admin, id, &no_choices(), "all").await;
    assert_eq!(p["counts"]["new"], 2, "{p}");
    let not_imported: Vec<&str> = p["columns"].as_array().unwrap().iter().filter(|c| c["field"].is_null()).map(|c| c["header"].as_str().unwrap()).collect();
    assert_eq!(not_imported, vec!["Badge Colour"], "the one unknown column is listed");
    let vera = row(&p, "vera@corp.test");
    assert!(vera["changes"].as_array().unwrap().iter().any(|c| c["field"] == "level" && c["new"] == "9"), "{vera}");
    // Nothing is written by a preview.
    assert_eq!(admin.form("people/by_email", &[("email", "vera@corp.test")]).await.status, 404);
    // On PostgreSQL the planner's statistics are gathered once the file is in (the directory
    // is planned for the people it now holds); SQLite plans without them.
    let postgres = app.database_url().starts_with("postgres");
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    // The server's statistics reach pg_stat_user_tables when its session reports them: how
    // many times `users` was analysed, once that count is past `past`.
    let analysed_past = |past: i64| {
        let db = &db;
        async move {
            let mut n = 0;
            for _ in 0..50 {
                n = sqlx::query_scalar("SELECT CAST(analyze_count AS BIGINT) FROM pg_stat_user_tables WHERE relname = 'users'").fetch_one(&db.pool).await.unwrap();
                if n > past {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            n
        }
    };
    // The demo was analysed once it was in.
    let analysed_before = if postgres { analysed_past(0).await } else { 0 };
    assert!(!postgres || analysed_before >= 1, "ANALYZE after the demo");
    let applied = apply(&admin, id, &no_choices()).await;
    if postgres {
        let analysed = analysed_past(analysed_before).await;
        assert!(analysed > analysed_before, "ANALYZE after the file: {analysed_before} -> {analysed}");
    }
    assert_eq!((applied["created"].as_u64(), applied["invites"].as_array().map(Vec::len)), (Some(2), Some(2)), "{applied}");
    let vera = person(&admin, "vera@corp.test").await;
    assert_eq!((vera["level"].as_i64(), vera["timezone"].as_str(), vera["job_title"].as_str()), (Some(9), Some("Europe/Kyiv"), Some("VP Sales")));
    assert_eq!(person(&admin, "jon@corp.test").await["manager_email"], "vera@corp.test");
    // The same file again changes nothing.
    let again = preview(&admin, upload(&admin, file.as_bytes()).await, &no_choices(), "changes").await;
    assert_eq!((again["counts"]["unchanged"].as_u64(), again["rows"].as_array().map(Vec::len)), (Some(2), Some(0)), "{again}");
}

async fn a_partial_re_import_changes_only_what_the_file_says(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    apply(&admin, upload(&admin, b"name,email,job_title,level,department,location,timezone\nOlena CMO,olena@corp.test,CMO,10,Marketing,Kyiv,Europe/Kyiv\n").await, &no_choices()).await;
    let id = upload(&admin, b"name,email,department,job_title,location\nOlena CMO,olena@corp.test,Brand,,\n").await;
    let p = preview(&admin, id, &no_choices(), "all").await;
    let changes = row(&p, "olena@corp.test")["changes"].clone();
    assert_eq!(changes, json!([{"field": "department", "old": "Marketing", "new": "Brand"}]), "blank cells and absent columns change nothing");
    apply(&admin, id, &no_choices()).await;
    let olena = person(&admin, "olena@corp.test").await;
    assert_eq!((olena["level"].as_i64(), olena["timezone"].as_str(), olena["job_title"].as_str(), olena["location"].as_str()), (Some(10), Some("Europe/Kyiv"), Some("CMO"), Some("Kyiv")));
    // Asked to, blank cells clear.
    let clearing = json!({"columns": {}, "grades": {}, "clear_blank_cells": true, "deactivate_missing": false});
    let p = preview(&admin, upload(&admin, b"name,email,job_title,location\nOlena CMO,olena@corp.test,,\n").await, &clearing, "all").await;
    let fields: Vec<&str> = row(&p, "olena@corp.test")["changes"].as_array().unwrap().iter().map(|c| c["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["job_title", "location"]);
}

async fn files_from_excel_and_other_systems_read_right(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode("Name;E-mail;Grade\r\nRenée Müller;renee@corp.test;4\r\nJörg Weiß;jorg@corp.test;5\r\n");
    let p = preview(&admin, upload(&admin, &cp1252).await, &no_choices(), "all").await;
    assert_eq!(p["encoding"], "windows-1252");
    assert_eq!(p["separator"], "semicolons");
    assert!(p["notices"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("not UTF-8")), "{p}");
    assert_eq!(row(&p, "jorg@corp.test")["name"], "Jörg Weiß");
    let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("Full Name\tWork Email\tBand\nÅsa Öberg\tasa@corp.test\t6\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let p = preview(&admin, upload(&admin, &utf16).await, &no_choices(), "all").await;
    assert_eq!((p["encoding"].as_str(), p["separator"].as_str()), (Some("UTF-16LE"), Some("tabs")));
    assert_eq!(row(&p, "asa@corp.test")["name"], "Åsa Öberg");
    let bom = upload(&admin, "\u{feff}First Name,Last Name,Email,Level\nAda,Lovelace,ada@corp.test,3\n".as_bytes()).await;
    assert_eq!(row(&preview(&admin, bom, &no_choices(), "all").await, "ada@corp.test")["name"], "Ada Lovelace");
    // A file that cannot be read says why, at the file.
    let one_column = upload(&admin, b"name email\nA a@corp.test\n").await;
    let r = admin.json("people/import_preview", json!({"import_id": one_column, "choices": no_choices(), "filter": "all", "page": 0})).await;
    assert_eq!(r.status, 422);
    assert!(field_error(&r.body, "file").unwrap().contains("separator"), "{:?}", r.body);
}

async fn rows_are_told_by_their_line_and_spreadsheet_row(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let file = "name,email,level,department\n\nAda,ada@corp.test,3,\"Research\nand Development\"\nBad,not-an-email,3,Ops\nDup,ada@corp.test,3,Ops\n";
    let p = preview(&admin, upload(&admin, file.as_bytes()).await, &no_choices(), "errors").await;
    let errors = p["rows"].as_array().unwrap();
    let places: Vec<(i64, Option<i64>)> = errors.iter().map(|r| (r["line"].as_i64().unwrap(), r["sheet_row"].as_i64())).collect();
    assert_eq!(places, vec![(5, Some(4)), (6, Some(5))], "text lines after a blank line and a two-line cell, with the spreadsheet rows: {p}");
    assert!(errors[1]["errors"][0]["message"].as_str().unwrap().contains("earlier in the file, on line 3"));
}

async fn grades_and_columns_mapped_once_are_remembered(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let file = b"Name,Corp Mail,Grade\nSam Senior,sam@corp.test,Senior\nLee Lead,lee@corp.test,L5\n";
    let id = upload(&admin, file).await;
    let r = admin.json("people/import_preview", json!({"import_id": id, "choices": no_choices(), "filter": "all", "page": 0})).await;
    assert!(field_error(&r.body, "file").unwrap().contains("No column holds email"), "{:?}", r.body);
    let choices = json!({"columns": {"Corp Mail": "email"}, "grades": {}, "clear_blank_cells": false, "deactivate_missing": false});
    let p = preview(&admin, id, &choices, "all").await;
    let grades: Vec<&str> = p["grades"].as_array().unwrap().iter().map(|g| g["grade"].as_str().unwrap()).collect();
    assert_eq!(grades, vec!["Senior", "L5"]);
    assert_eq!(p["counts"]["errors"], 2, "new people need a level");
    let choices = json!({"columns": {"Corp Mail": "email"}, "grades": {"Senior": 7, "L5": 5}, "clear_blank_cells": false, "deactivate_missing": false});
    apply(&admin, id, &choices).await;
    assert_eq!(person(&admin, "sam@corp.test").await["level"], 7);
    // The next file with the same columns needs no choices.
    let p = preview(&admin, upload(&admin, b"Name,Corp Mail,Grade\nNew Senior,new@corp.test,senior\n").await, &no_choices(), "all").await;
    assert_eq!(p["counts"]["new"], 1, "{p}");
    assert_eq!(p["grades"][0]["level"], 7);
    let bad = admin.json("people/import_preview", json!({"import_id": id, "choices": {"columns": {}, "grades": {"Senior": 11}, "clear_blank_cells": false, "deactivate_missing": false}, "filter": "all", "page": 0})).await;
    assert_eq!(bad.status, 422);
    assert!(field_error(&bad.body, "grades").is_some());
}

async fn timezones_have_one_list_everywhere(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let file = b"name,email,level,tz\nAl,al@corp.test,3,US/Eastern\nBe,be@corp.test,3,EST\nCi,ci@corp.test,3,Etc/UTC\nDi,di@corp.test,3,Asia/Calcutta\n";
    let id = upload(&admin, file).await;
    let p = preview(&admin, id, &no_choices(), "all").await;
    assert!(row(&p, "be@corp.test")["warnings"][0]["message"].as_str().unwrap().contains("America/New_York"), "{p}");
    apply(&admin, id, &no_choices()).await;
    for (email, tz) in [("al@corp.test", "America/New_York"), ("be@corp.test", "UTC"), ("ci@corp.test", "UTC"), ("di@corp.test", "Asia/Kolkata")] {
        assert_eq!(person(&admin, email).await["timezone"], tz, "{email}");
    }
    // The profile editor accepts what the import accepts and offers only current names.
    let dana = signed_in(app, MENTOR).await;
    let editor = dana.form("profile/editor", &[]).await;
    let offered = editor.body["timezones"].as_array().unwrap();
    assert!(offered.iter().any(|t| t == "America/New_York") && !offered.iter().any(|t| t == "US/Eastern" || t == "Etc/UTC"));
    let mut input = json!({
        "name": "Dana Analyst", "job_title": "Data analyst", "level": 2, "department": "Data", "manager_email": "",
        "location": "London", "timezone": "US/Eastern", "languages": "English", "teach": [], "learn": [], "hobbies": [],
        "availability": [], "format": "remote", "bio": ""
    });
    let saved = dana.json("profile/save", json!({"input": input.clone()})).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    assert_eq!(dana.form("profile/editor", &[]).await.body["profile"]["timezone"], "America/New_York");
    input["timezone"] = json!("EST");
    let refused = dana.json("profile/save", json!({"input": input})).await;
    assert!(field_error(&refused.body, "timezone").unwrap().contains("America/New_York"), "{:?}", refused.body);
}

async fn two_applies_at_once_write_once_and_a_stale_preview_is_refused(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let other = app.another_admin("second.admin@demo.upmentor.test").await;
    let id = upload(&admin, b"name,email,level\nOnce Only,once@corp.test,4\n").await;
    let fingerprint = preview(&admin, id, &no_choices(), "all").await["fingerprint"].clone();
    let body = json!({"import_id": id, "choices": no_choices(), "fingerprint": fingerprint});
    let (a, b) = tokio::join!(admin.json("people/import_apply", body.clone()), other.json("people/import_apply", body));
    let mut statuses = vec![a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "{:?} {:?}", a.body, b.body);
    let created: u64 = [a, b].iter().filter_map(|r| r.body["created"].as_u64()).sum();
    assert_eq!(created, 1);
    // A preview made before someone else changed the directory is not applied.
    let id = upload(&admin, b"name,email,level\nOnce Only,once@corp.test,6\n").await;
    let fingerprint = preview(&admin, id, &no_choices(), "all").await["fingerprint"].clone();
    apply(&other, upload(&other, b"name,email,level\nOnce Only,once@corp.test,5\n").await, &no_choices()).await;
    let stale = admin.json("people/import_apply", json!({"import_id": id, "choices": no_choices(), "fingerprint": fingerprint})).await;
    assert_eq!(stale.status, 409, "{:?}", stale.body);
    assert_eq!(person(&admin, "once@corp.test").await["level"], 5);
    // Two different files adding the same new person, applied at once: one is written, the
    // other is told the directory changed; nothing fails.
    let (first, second) = (upload(&admin, b"name,email,level\nBoth Files,both@corp.test,3\n").await, upload(&other, b"name,email,level\nBoth Files,both@corp.test,4\n").await);
    let (f1, f2) = (preview(&admin, first, &no_choices(), "all").await["fingerprint"].clone(), preview(&other, second, &no_choices(), "all").await["fingerprint"].clone());
    let (a, b) = tokio::join!(
        admin.json("people/import_apply", json!({"import_id": first, "choices": no_choices(), "fingerprint": f1})),
        other.json("people/import_apply", json!({"import_id": second, "choices": no_choices(), "fingerprint": f2}))
    );
    let mut statuses = vec![a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, vec![200, 409], "{:?} {:?}", a.body, b.body);
}

async fn people_who_leave_lose_access_and_their_pairs_end(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let input = json!({"name": "Leavers", "objectives": "", "tags": [], "kind": "reverse", "starts_on": day(1), "ends_on": day(100),
        "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let programme = admin.json("programmes/create", json!({"input": input})).await.body.as_i64().unwrap();
    let pair = admin.form("pairs/create", &[("programme_id", &programme.to_string()), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    assert_eq!(pair.status, 200, "{:?}", pair.body);
    let (dana, victor) = (signed_in(app, MENTOR).await, signed_in(app, MENTEE).await);
    assert_eq!(dana.form("me", &[]).await.body["email"], MENTOR);
    let file = format!("name,email,status\nDana,{MENTOR},Terminated\n");
    let id = upload(&admin, file.as_bytes()).await;
    let p = preview(&admin, id, &no_choices(), "leaving").await;
    assert_eq!((p["counts"]["leaving"].as_u64(), p["rows"][0]["email"].as_str()), (Some(1), Some(MENTOR)), "{p}");
    assert!(p["counts"]["missing"].as_u64().unwrap() > 10, "people missing from the file are counted, not deactivated");
    assert_eq!(apply(&admin, id, &no_choices()).await["deactivated"], 1);
    assert!(dana.form("me", &[]).await.body.is_null(), "every session of a person who left ends at once");
    assert_eq!(app.client().sign_in(MENTOR, DEMO_PASSWORD).await.status, 422, "and they cannot sign in");
    let inbox = victor.form("me/inbox", &[]).await;
    assert!(inbox.body.to_string().contains("has left the organisation"), "the partner is told: {:?}", inbox.body);
    let matches = victor.form("me/matches", &[]).await;
    assert!(!matches.body.as_array().unwrap().iter().any(|m| m["programme_id"] == programme), "the pair ended");
    let found = admin.json("directory", json!({"query": {"q": "Dana", "department": "", "skill": "", "level": 0, "page": 0}})).await;
    assert!(!found.body.to_string().contains(MENTOR), "they leave the directory");
    let enrol = admin.json("programmes/bulk_enrol", json!({"input": {"programme_id": programme, "role": "mentor", "source": {"Emails": MENTOR}}})).await;
    assert_eq!(enrol.body["enrolled"], 0, "nor can they be enrolled: {:?}", enrol.body);
    let invite = json!({"name": "Dana", "email": MENTOR, "job_title": "", "level": "2", "department": "", "manager_email": "", "location": "", "timezone": "UTC"});
    let reinvited = admin.json("admin/invite", json!({"person": invite})).await;
    assert!(field_error(&reinvited.body, "email").unwrap().contains("has left"), "{:?}", reinvited.body);
    let dana_id_seen = person(&admin, MENTOR).await["id"].as_i64().unwrap().to_string();
    assert_eq!(victor.form("profile/get", &[("id", &dana_id_seen)]).await.status, 404, "their page is gone for colleagues");
    assert_eq!(admin.form("profile/get", &[("id", &dana_id_seen)]).await.status, 200, "admins still see it");
    // An admin can bring them back, and deactivate one person directly.
    let dana_id = person(&admin, MENTOR).await["id"].as_i64().unwrap();
    assert_eq!(admin.form("people/set_active", &[("user_id", &dana_id.to_string()), ("active", "true")]).await.status, 200);
    let dana = signed_in(app, MENTOR).await;
    assert_eq!(admin.form("people/set_active", &[("user_id", &dana_id.to_string()), ("active", "false")]).await.status, 200);
    assert!(dana.form("me", &[]).await.body.is_null());
    let admin_id = admin.form("me", &[]).await.body["id"].as_i64().unwrap();
    let myself = admin.form("people/set_active", &[("user_id", &admin_id.to_string()), ("active", "false")]).await;
    assert_eq!(myself.status, 422);
}

async fn only_admins_sync_people(app: &TestApp) {
    let dana = signed_in(app, MENTOR).await;
    let bytes = base64::engine::general_purpose::STANDARD.encode(b"name,email,level\nX,x@corp.test,3\n");
    assert_eq!(dana.json("people/import_upload", json!({"file_name": "x.csv", "file_base64": bytes})).await.status, 403);
    assert_eq!(dana.json("people/import_preview", json!({"import_id": 1, "choices": no_choices(), "filter": "all", "page": 0})).await.status, 403);
    assert_eq!(dana.form("people/set_active", &[("user_id", "1"), ("active", "false")]).await.status, 403);
    let anonymous = app.client().form("people/by_email", &[("email", MENTOR)]).await;
    assert_eq!(anonymous.status, 401, "{:?}", anonymous.body);
    let admin = signed_in(app, ADMIN).await;
    let huge = base64::engine::general_purpose::STANDARD.encode(vec![b'a'; 5 * 1024 * 1024 + 10]);
    let refused = admin.json("people/import_upload", json!({"file_name": "x.csv", "file_base64": huge})).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert!(field_error(&refused.body, "file").unwrap().contains("5 MB"));
}

async fn an_export_imports_again_with_no_change(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    // A cell a spreadsheet would run as a formula, and one that starts with a minus.
    apply(&admin, upload(&admin, "name,email,level,department,job title,employee id\nEve Formula,eve@corp.test,4,=HYPERLINK(\"http://x\"),-lead,E-77\n".as_bytes()).await, &no_choices()).await;
    let (status, headers, body) = admin.get("/admin/people-file").await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(body.contains("'=HYPERLINK") && body.contains(",'-lead,"), "formula-looking cells are neutralised: {}", body.lines().find(|l| l.contains("eve@")).unwrap_or(""));
    assert!(body.trim_start_matches('\u{feff}').starts_with("Employee ID,Name,Email,Job Title,Level,Department,Manager Email,Location,Time Zone,Status"));
    let p = preview(&admin, upload(&admin, body.as_bytes()).await, &no_choices(), "changes").await;
    assert_eq!(p["rows"].as_array().map(Vec::len), Some(0), "export → import = no change: {p}");
    assert!(p["counts"]["unchanged"].as_u64().unwrap() > 10);
    let dana = signed_in(app, MENTOR).await;
    assert_eq!(dana.get("/admin/people-file").await.0, 403);
    assert_eq!(app.client().get("/admin/people-file").await.0, 401);
}

async fn a_programmes_enrolments_and_pairs_export_for_its_admins(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let input = json!({"name": "Exported", "objectives": "", "tags": [], "kind": "reverse", "starts_on": day(1), "ends_on": day(100),
        "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let programme = admin.json("programmes/create", json!({"input": input})).await.body.as_i64().unwrap();
    let pair = admin.form("pairs/create", &[("programme_id", &programme.to_string()), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    assert_eq!(pair.status, 200, "{:?}", pair.body);
    let (status, _, pairs) = admin.get(&format!("/programmes/{programme}/pairs-file")).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = pairs.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "Mentor Email,Mentor Name,Mentee Email,Mentee Name,Score,Status,Since,Ended,End Reason");
    assert!(lines[1].starts_with(MENTOR) && lines[1].contains(MENTEE) && lines[1].contains(",active,"), "{pairs}");
    let (status, _, enrolments) = admin.get(&format!("/programmes/{programme}/enrolments-file")).await;
    assert_eq!(status, 200);
    assert!(enrolments.trim_start_matches('\u{feff}').starts_with("Email,Name,Role,Status,Level,Department,Job Title,Topics,Applied"));
    let dana = signed_in(app, MENTOR).await;
    assert_eq!(dana.get(&format!("/programmes/{programme}/pairs-file")).await.0, 403, "a member of a pair is not its programme's admin");
    assert_eq!(admin.get("/programmes/999999/pairs-file").await.0, 404);
}
