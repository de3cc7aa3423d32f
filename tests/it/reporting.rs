//! From offer to classroom: reporting (报到) confirmed in bulk, declined offers and no-shows free
//! their seats and put the student on the ledger, and closing reporting twice changes nothing more.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::routing::{Setup, commit_run, dry_run, ledger_lines, prefer, setup};

/// The year's placements, oldest first.
pub(crate) async fn offers(app: &TestApp, s: &Setup) -> Vec<Value> {
    let r = app
        .api(Method::GET, "/api/v1/placements?intake_year=2026", Some(&s.clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"].as_array().expect("items").clone()
}

pub(crate) async fn post(app: &TestApp, s: &Setup, path: &str, body: Value) -> crate::helpers::Reply {
    app.api(Method::POST, path, Some(&s.clerk), Some(body)).await
}

/// Two seats in P02, one in P01: three offers after round 1 (the fourth student is left out).
pub(crate) async fn three_offers(app: &TestApp) -> (Setup, Vec<Value>) {
    let s = setup(app).await;
    for st in &s.students {
        prefer(app, &s, *st, &[s.programmes[0], s.programmes[1]]).await;
    }
    commit_run(app, &s, 1).await;
    let list = offers(app, &s).await;
    assert_eq!(list.len(), 3, "{list:?}");
    (s, list)
}

#[tokio::test]
async fn reporting_is_confirmed_in_bulk_all_or_none_and_written_to_the_archive() {
    let app = TestApp::spawn().await;
    let (s, list) = three_offers(&app).await;
    let ids: Vec<i64> = list.iter().map(|p| p["id"].as_i64().expect("id")).collect();
    let empty = post(&app, &s, "/api/v1/placements/reported", json!({"placement_ids": []})).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.body);
    let ok = post(
        &app,
        &s,
        "/api/v1/placements/reported",
        json!({"placement_ids": [ids[0], ids[1]]}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    // One already reported in the batch: nothing changes.
    let again = post(
        &app,
        &s,
        "/api/v1/placements/reported",
        json!({"placement_ids": [ids[2], ids[0]]}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("placement_not_waiting"), "{}", again.body);
    let now = offers(&app, &s).await;
    let statuses: Vec<&str> = now.iter().map(|p| p["status"].as_str().expect("status")).collect();
    assert_eq!(statuses, ["reported", "reported", "offered"]);
    let student = list[0]["student_id"].as_i64().expect("sid");
    let entries = app
        .get_json(&format!("/api/v1/students/{student}/entries"), &s.clerk)
        .await;
    assert!(
        entries["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["kind"] == "enrolment"),
        "{entries}"
    );
}

#[tokio::test]
async fn a_declined_offer_frees_the_seat_for_the_next_round_and_the_student_goes_on_the_ledger() {
    let app = TestApp::spawn().await;
    let (s, list) = three_offers(&app).await;
    let p01 = list
        .iter()
        .find(|p| p["programme_id"] == s.programmes[0])
        .expect("the P01 offer")
        .clone();
    let path = format!("/api/v1/placements/{}/decline", p01["id"]);
    for (body, code) in [
        (json!({"reason": "bored"}), "choice_invalid"),
        (json!({"reason": "other"}), "ledger_note_required"),
        (
            json!({"reason": "other", "note": "外出\u{202E}务工"}),
            "text_has_control",
        ),
    ] {
        let r = post(&app, &s, &path, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains(code), "{code}: {}", r.body);
    }
    assert_eq!(
        offers(&app, &s)
            .await
            .iter()
            .filter(|p| p["status"] == "offered")
            .count(),
        3
    );
    let ok = post(&app, &s, &path, json!({"reason": "chose_work"})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["status"], "declined");
    let again = post(&app, &s, &path, json!({"reason": "chose_work"})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let mut admin = app.browser_as(Role::Admin).await;
    let letter = admin.get(&format!("/placements/{}/letter", p01["id"])).await;
    assert_eq!(letter.status, StatusCode::CONFLICT, "a declined offer has no letter");
    let lines = ledger_lines(&app, &s).await;
    let line = lines
        .iter()
        .find(|l| l["student_id"] == p01["student_id"] && l["closed_at"].is_null())
        .expect("an open line for the student who declined");
    assert_eq!(line["opened_because"], "offer_declined");
    // The seat is back for round 2.
    let run = dry_run(&app, &s, 2).await;
    let seats = run["result"]["programmes"]
        .as_array()
        .expect("programmes")
        .iter()
        .find(|p| p["code"] == "P01")
        .expect("P01")["capacity"]
        .clone();
    assert_eq!(seats, 1, "{run}");
    let board = admin.get("/dashboard?year=2026").await;
    assert!(board.body.contains("核对无误"), "the dashboard adds up");
}

#[tokio::test]
async fn closing_reporting_makes_exactly_the_unreported_offers_no_shows_once() {
    let app = TestApp::spawn().await;
    let (s, list) = three_offers(&app).await;
    let first = list[0]["id"].as_i64().expect("id");
    let r = post(
        &app,
        &s,
        "/api/v1/placements/reported",
        json!({"placement_ids": [first]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let close = post(&app, &s, "/api/v1/reporting/close", json!({"intake_year": 2026})).await;
    assert_eq!(close.status, StatusCode::OK, "{}", close.body);
    assert_eq!(close.json()["no_shows"], 2);
    let twice = post(&app, &s, "/api/v1/reporting/close", json!({"intake_year": 2026})).await;
    assert_eq!(twice.json()["no_shows"], 0, "nothing doubled");
    let statuses: Vec<String> = offers(&app, &s)
        .await
        .iter()
        .map(|p| p["status"].as_str().expect("status").to_string())
        .collect();
    assert_eq!(statuses, ["reported", "no_show", "no_show"]);
    let open: Vec<Value> = ledger_lines(&app, &s)
        .await
        .into_iter()
        .filter(|l| l["opened_because"] == "offer_not_taken_up")
        .collect();
    assert_eq!(open.len(), 2, "{open:?}");
    let placed = app
        .api(Method::GET, "/api/v1/students?status=placed", Some(&s.clerk), None)
        .await
        .json();
    assert_eq!(placed["total"], 0, "no-shows are no longer placed: {placed}");
    let mut admin = app.browser_as(Role::Admin).await;
    let board = admin.get("/dashboard?year=2026").await;
    assert!(board.body.contains("核对无误"), "the dashboard adds up");
    // Offers → reported → waiting → declined → no-show, per school and per town.
    let section = board
        .body
        .split("id=\"reporting\"")
        .nth(1)
        .expect("the reporting section");
    let school_row = section
        .split("<tr>")
        .find(|r| r.contains("巩义市第一中等职业学校"))
        .expect("the school's row");
    let cells: Vec<&str> = school_row
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap_or_default())
        .collect();
    assert_eq!(cells, ["3", "1", "0", "0", "2"], "{school_row}");
    assert!(section.contains("米河镇"), "a row per town");
}

/// The class list on the portal: tick and confirm, decline with a reason, close reporting.
#[tokio::test]
async fn a_school_confirms_reporting_declines_and_closes_on_its_class_list() {
    let app = TestApp::spawn().await;
    let (s, list) = three_offers(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/reporting?intake_year=2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        page.body.matches("name=\"ids\"").count(),
        3,
        "a checkbox per waiting offer"
    );
    let back = "intake_year=2026&school_id=1";
    let confirmed = clerk
        .post(
            "/reporting/confirm",
            &[("ids", list[0]["id"].to_string().as_str()), ("back", back)],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.body);
    let bad = clerk
        .post(
            &format!("/placements/{}/decline", list[1]["id"]),
            &[("reason", "other"), ("note", ""), ("back", back)],
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a note is needed for other"
    );
    assert!(bad.body.contains("role=\"alert\""), "the error is shown on the list");
    let declined = clerk
        .post(
            &format!("/placements/{}/decline", list[1]["id"]),
            &[("reason", "moved"), ("note", ""), ("back", back)],
        )
        .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER, "{}", declined.body);
    let closed = clerk.post("/reporting/close", &[("back", back)]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let statuses: Vec<String> = offers(&app, &s)
        .await
        .iter()
        .map(|p| p["status"].as_str().expect("status").to_string())
        .collect();
    assert_eq!(statuses, ["reported", "declined", "no_show"]);
    let page = clerk.get("/reporting?intake_year=2026&school_id=1").await;
    assert!(page.body.contains("已报到") && page.body.contains("外出迁居") && page.body.contains("未报到"));
    assert_eq!(page.body.matches("name=\"ids\"").count(), 0, "nothing left waiting");
}

/// A school records on its class list that students left: each bad form is refused on the list
/// with nothing written, then a suspension with its return date, a transfer and a dropout.
#[tokio::test]
async fn a_school_records_leaving_on_its_class_list() {
    let app = TestApp::spawn().await;
    let (s, list) = three_offers(&app).await;
    let ids: Vec<i64> = list.iter().map(|p| p["id"].as_i64().expect("id")).collect();
    let r = post(&app, &s, "/api/v1/placements/reported", json!({"placement_ids": ids})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/reporting?intake_year=2026&school_id=1").await;
    assert_eq!(
        page.body.matches("/leave\"").count(),
        3,
        "a leaving form per student at school"
    );
    let back = "intake_year=2026&school_id=1";
    let path = |i: usize| format!("/placements/{}/leave", ids[i]);
    let tomorrow = (vocpath::clock::today() + chrono::Days::new(1)).to_string();
    for fields in [
        vec![("kind", "expelled")],
        vec![("kind", "suspension"), ("return_on", "")],
        vec![("kind", "suspension"), ("return_on", "2026-13-01")],
        vec![("kind", "suspension"), ("return_on", "2020-01-01")],
        vec![("kind", "transfer"), ("destination", " ")],
        vec![("kind", "dropout"), ("note", "外出\u{202E}务工")],
    ] {
        let mut f = fields.clone();
        f.push(("back", back));
        let r = clerk.post(&path(0), &f).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}: {}", r.status);
        assert!(r.body.contains("role=\"alert\""), "the error is on the list");
    }
    let statuses = |list: Vec<Value>| -> Vec<String> {
        list.iter()
            .map(|p| p["status"].as_str().expect("status").to_string())
            .collect()
    };
    assert_eq!(
        statuses(offers(&app, &s).await),
        ["reported", "reported", "reported"],
        "nothing written"
    );
    for (i, fields) in [
        vec![("kind", "suspension"), ("return_on", tomorrow.as_str())],
        vec![("kind", "transfer"), ("destination", "郑州市第一中等职业学校")],
        vec![("kind", "dropout"), ("note", "随父母外出")],
    ]
    .into_iter()
    .enumerate()
    {
        let mut f = fields.clone();
        f.push(("back", back));
        let r = clerk.post(&path(i), &f).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{fields:?}: {}", r.body);
    }
    assert_eq!(
        statuses(offers(&app, &s).await),
        ["suspended", "transferred", "dropped_out"]
    );
    let page = clerk.get("/reporting?intake_year=2026&school_id=1").await;
    assert!(page.body.contains("休学中") && page.body.contains("已转学") && page.body.contains("已辍学"));
}

/// A no-show's mentors get one email each, and closing again sends nothing more.
#[tokio::test]
async fn a_no_shows_mentors_are_told_once_each() {
    let app = TestApp::spawn().await;
    let (s, list) = three_offers(&app).await;
    let student = list[0]["student_id"].as_i64().expect("sid") as i32;
    give_mentors(&app, student).await;
    let close = post(&app, &s, "/api/v1/reporting/close", json!({"intake_year": 2026})).await;
    assert_eq!(close.status, StatusCode::OK, "{}", close.body);
    assert_eq!(
        app.count_outbox("mentee_no_show").await,
        3,
        "one email to each of the three mentors"
    );
    let again = post(&app, &s, "/api/v1/reporting/close", json!({"intake_year": 2026})).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(app.count_outbox("mentee_no_show").await, 3, "nothing sent twice");
    // The no-show tops the mentor's list, saying why.
    let mut mentor = crate::helpers::Browser::new(&app);
    let signed_in = mentor
        .login(&format!("mentor0-{student}@school.test"), crate::helpers::PASSWORD)
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    let page = mentor.get("/my-mentees").await;
    assert!(page.body.contains("未到校报到，已回到台账"), "{}", page.body);
    // With a link to the ledger line, where the mentor logs each effort to bring them back.
    let line = ledger_lines(&app, &s)
        .await
        .into_iter()
        .find(|l| l["student_id"] == student && l["closed_at"].is_null())
        .expect("the no-show's line");
    let link = format!("/ledger/{}", line["id"]);
    assert!(page.body.contains(&link), "{}", page.body);
    let line_page = mentor.get(&link).await;
    assert_eq!(line_page.status, StatusCode::OK);
    assert!(
        line_page.body.contains("name=\"outcome\""),
        "a mentor may log a follow-up"
    );
}

/// A reported student who drops out goes back on the ledger; a transfer keeps the placement; a
/// suspended student not back by the return date goes onto the ledger once.
#[tokio::test]
async fn dropouts_transfers_and_suspensions_are_recorded_and_the_ledger_follows() {
    let app = TestApp::spawn().await;
    let (s, list) = three_offers(&app).await;
    let ids: Vec<i64> = list.iter().map(|p| p["id"].as_i64().expect("id")).collect();
    // Not reported yet: nobody can leave.
    let early = post(
        &app,
        &s,
        &format!("/api/v1/placements/{}/leave", ids[0]),
        json!({"kind": "dropout"}),
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    let r = post(&app, &s, "/api/v1/placements/reported", json!({"placement_ids": ids})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (body, code) in [
        (json!({"kind": "suspension"}), "field_required"),
        (
            json!({"kind": "suspension", "return_on": "2020-01-01"}),
            "return_in_past",
        ),
        (json!({"kind": "transfer", "destination": " "}), "field_required"),
        (json!({"kind": "expelled"}), "kind"),
    ] {
        let r = post(&app, &s, &format!("/api/v1/placements/{}/leave", ids[1]), body).await;
        assert!(r.status.is_client_error(), "{}", r.body);
        assert!(r.body.contains(code), "{code}: {}", r.body);
    }
    let drop = post(
        &app,
        &s,
        &format!("/api/v1/placements/{}/leave", ids[0]),
        json!({"kind": "dropout", "note": "随父母外出"}),
    )
    .await;
    assert_eq!(drop.status, StatusCode::OK, "{}", drop.body);
    assert_eq!(drop.json()["status"], "dropped_out");
    let moved = post(
        &app,
        &s,
        &format!("/api/v1/placements/{}/leave", ids[1]),
        json!({"kind": "transfer", "destination": "郑州市第一中等职业学校"}),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(moved.json()["status"], "transferred");
    let back_on = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let pause = post(
        &app,
        &s,
        &format!("/api/v1/placements/{}/leave", ids[2]),
        json!({"kind": "suspension", "return_on": back_on}),
    )
    .await;
    assert_eq!(pause.status, StatusCode::OK, "{}", pause.body);
    let lines = ledger_lines(&app, &s).await;
    let open: Vec<&Value> = lines
        .iter()
        .filter(|l| l["closed_at"].is_null() && l["opened_because"] != "unplaced")
        .collect();
    assert_eq!(
        open.len(),
        1,
        "of the three at school, only the dropout is back on the ledger: {open:?}"
    );
    assert_eq!(open[0]["opened_because"], "dropped_out");
    // The return date passes: once on the ledger, not twice.
    let actor = vocpath::audit::Actor::system("test");
    let later = chrono::Utc::now().date_naive() + chrono::Duration::days(31);
    let n = vocpath::admissions::follow_through::overdue_returns(&app.state.db, &actor, later)
        .await
        .expect("check");
    assert_eq!(n, 1);
    let n = vocpath::admissions::follow_through::overdue_returns(&app.state.db, &actor, later)
        .await
        .expect("check");
    assert_eq!(n, 0, "nothing doubled");
    let lines = ledger_lines(&app, &s).await;
    assert!(
        lines
            .iter()
            .any(|l| l["opened_because"] == "suspension_overdue" && l["closed_at"].is_null())
    );
    let mut admin = app.browser_as(Role::Admin).await;
    let board = admin.get("/dashboard?year=2026").await;
    assert!(board.body.contains("核对无误"), "the dashboard adds up");
}

/// Three mentors (one of each role) for `student`.
pub(crate) async fn give_mentors(app: &TestApp, student: i32) {
    use entity::mentor_assignment::{AssignmentStatus, MentorRole};
    use sea_orm::{ActiveModelTrait, Set};
    for (i, role) in MentorRole::ALL.into_iter().enumerate() {
        let mentor = app
            .user(&format!("mentor{i}-{student}@school.test"), Role::Mentor)
            .await;
        entity::mentor_assignment::ActiveModel {
            student_id: Set(student),
            mentor_id: Set(mentor),
            role: Set(role),
            status: Set(AssignmentStatus::Assigned),
            in_force: Set(Some(1)),
            assigned_at: Set(chrono::Utc::now()),
            assigned_by: Set("test".into()),
            answer_by: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .expect("assignment");
    }
}

/// A dropout's mentors get one email each.
#[tokio::test]
async fn a_dropouts_mentors_are_told_once_each() {
    let app = TestApp::spawn().await;
    let (s, list) = three_offers(&app).await;
    let student = list[0]["student_id"].as_i64().expect("sid") as i32;
    give_mentors(&app, student).await;
    let id = list[0]["id"].as_i64().expect("id");
    let r = post(&app, &s, "/api/v1/placements/reported", json!({"placement_ids": [id]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = post(
        &app,
        &s,
        &format!("/api/v1/placements/{id}/leave"),
        json!({"kind": "dropout"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.count_outbox("mentee_dropped_out").await, 3);
}
