//! Bringing them back (劝返一个，销号一个): a student who declined, did not report or dropped out
//! stays on the ledger when offered a seat again, and the line is closed as brought back only
//! when the school confirms they reported; crossing off needs evidence; every open line has a
//! follow-up log, and lines with no follow-up for 14 days reach the mentors' weekly digest and the
//! school's admissions mailbox.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::reporting::{give_mentors, offers, post, three_offers};
use crate::routing::{Setup, ledger_lines};

async fn line_of(app: &TestApp, s: &Setup, student: &Value) -> Value {
    ledger_lines(app, s)
        .await
        .into_iter()
        .rev()
        .find(|l| &l["student_id"] == student && l["opened_because"] != "unplaced")
        .expect("the student's line")
}

/// A GET of the API as the clerk, answered 200, as JSON.
async fn get(app: &TestApp, s: &Setup, path: &str) -> Value {
    let r = app.api(Method::GET, path, Some(&s.clerk), None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.json()
}

async fn funnel(app: &TestApp) -> vocpath::dashboard::figures::Funnel {
    let filter = vocpath::dashboard::figures::Filter {
        year: 2026,
        school_id: None,
    };
    vocpath::dashboard::figures::figures(&app.state.db, filter, vocpath::clock::today())
        .await
        .expect("figures")
        .funnel
}

/// The first offer reported, then the student drops out: their line is open.
async fn a_dropout(app: &TestApp) -> (Setup, Value, Value) {
    let (s, list) = three_offers(app).await;
    let first = list[0].clone();
    let r = post(
        app,
        &s,
        "/api/v1/placements/reported",
        json!({"placement_ids": [first["id"]]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = post(
        app,
        &s,
        &format!("/api/v1/placements/{}/leave", first["id"]),
        json!({"kind": "dropout", "note": "随父母外出务工"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let line = line_of(app, &s, &first["student_id"]).await;
    assert_eq!(line["opened_because"], "dropped_out");
    (s, first, line)
}

#[tokio::test]
async fn a_dropout_is_crossed_off_as_brought_back_only_once_the_new_offer_is_reported() {
    let app = TestApp::spawn().await;
    let (s, first, line) = a_dropout(&app).await;
    let cross = format!("/api/v1/ledger/{}/cross-off", line["id"]);
    let by_hand = post(&app, &s, &cross, json!({"reason": "brought_back", "note": "已回校"})).await;
    assert_eq!(by_hand.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", by_hand.body);
    assert!(
        by_hand.body.contains("ledger_brought_back_by_report"),
        "{}",
        by_hand.body
    );
    // Placed again directly, in the seat they left: still on the ledger until they report.
    let placed = post(
        &app,
        &s,
        "/api/v1/placements",
        json!({"student_id": first["student_id"], "programme_id": first["programme_id"], "reason": "家访后同意返校"}),
    )
    .await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);
    let again = placed.json();
    let still = line_of(&app, &s, &first["student_id"]).await;
    assert!(still["closed_at"].is_null(), "open until reported: {still}");
    let f = funnel(&app).await;
    assert!(f.adds_up, "{f:?}");
    assert_eq!(
        (f.on_ledger, f.brought_back),
        (2, 0),
        "the dropout and the one left unplaced: {f:?}"
    );
    // Crossing off a student who holds an offer again is refused: nothing changes.
    let refused = post(&app, &s, &cross, json!({"reason": "moved_away", "note": "迁往郑州"})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("ledger_holds_offer"), "{}", refused.body);
    assert!(line_of(&app, &s, &first["student_id"]).await["closed_at"].is_null());
    // The school confirms the report: the line closes as brought back.
    let r = post(
        &app,
        &s,
        "/api/v1/placements/reported",
        json!({"placement_ids": [again["id"]]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let closed = line_of(&app, &s, &first["student_id"]).await;
    assert_eq!(closed["close_reason"], "brought_back", "{closed}");
    assert!(
        closed["follow_up_due_on"].is_null(),
        "a closed line is not due: {closed}"
    );
    let f = funnel(&app).await;
    assert!(f.adds_up, "{f:?}");
    assert_eq!((f.on_ledger, f.crossed_off, f.brought_back), (1, 0, 1), "{f:?}");
    let listed = get(&app, &s, "/api/v1/ledger?state=brought_back").await;
    assert_eq!(listed["total"], 1, "{listed}");
    let entries = get(&app, &s, &format!("/api/v1/students/{}/entries", first["student_id"])).await;
    assert!(
        entries["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["kind"] == "ledger_change" && e["details"]["action"] == "brought_back"),
        "{entries}"
    );
    // A brought-back line cannot be reinstated.
    let r = post(
        &app,
        &s,
        &format!("/api/v1/ledger/{}/reinstate", line["id"]),
        json!({"reason": "试试"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let mut admin = app.browser_as(Role::Admin).await;
    let board = admin.get("/dashboard?year=2026").await;
    assert!(board.body.contains("劝返复学"), "the dashboard shows the brought back");
    assert!(board.body.contains("核对无误"), "and adds up");
}

/// A student who declines the offer they were given again keeps the one line (no second line, no
/// unique-index failure), and it records the newest offer.
#[tokio::test]
async fn a_student_offered_again_who_declines_again_keeps_one_line() {
    let app = TestApp::spawn().await;
    let (s, first, line) = a_dropout(&app).await;
    let placed = post(
        &app,
        &s,
        "/api/v1/placements",
        json!({"student_id": first["student_id"], "programme_id": first["programme_id"], "reason": "家访后同意返校"}),
    )
    .await;
    assert_eq!(placed.status, StatusCode::OK, "{}", placed.body);
    let again = placed.json();
    let r = post(
        &app,
        &s,
        &format!("/api/v1/placements/{}/decline", again["id"]),
        json!({"reason": "chose_work"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let open: Vec<Value> = ledger_lines(&app, &s)
        .await
        .into_iter()
        .filter(|l| l["student_id"] == first["student_id"] && l["closed_at"].is_null())
        .collect();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["id"], line["id"]);
    let f = funnel(&app).await;
    assert!(f.adds_up, "{f:?}");
}

#[tokio::test]
async fn crossing_off_needs_evidence_and_a_worker_must_be_sixteen() {
    let app = TestApp::spawn().await;
    let (s, first, line) = a_dropout(&app).await;
    let path = format!("/api/v1/ledger/{}/cross-off", line["id"]);
    for (reason, code) in [
        ("moved_away", "evidence_moved"),
        ("working", "evidence_working"),
        ("illness", "evidence_illness"),
        ("senior_high_late", "evidence_senior_high"),
        ("other", "ledger_note_required"),
    ] {
        for note in [json!(null), json!("   ")] {
            let r = post(&app, &s, &path, json!({"reason": reason, "note": note})).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{reason}: {}", r.body);
            assert!(r.body.contains(code), "{reason}: {}", r.body);
        }
    }
    // Fifteen: not crossed off as working.
    let sid = first["student_id"].as_i64().expect("sid") as i32;
    let pupil = entity::student::Entity::find_by_id(sid)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("student");
    let today = vocpath::clock::today();
    let mut young = pupil.into_active_model();
    young.birth_date = Set(today - chrono::Duration::days(15 * 366));
    young.update(&app.state.db).await.expect("update");
    let r = post(&app, &s, &path, json!({"reason": "working", "note": "县城饭店"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("ledger_too_young_to_work"), "{}", r.body);
    assert!(
        line_of(&app, &s, &first["student_id"]).await["closed_at"].is_null(),
        "nothing written"
    );
    let pupil = entity::student::Entity::find_by_id(sid)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("student");
    let mut older = pupil.into_active_model();
    older.birth_date = Set(today - chrono::Duration::days(17 * 366));
    older.update(&app.state.db).await.expect("update");
    let r = post(&app, &s, &path, json!({"reason": "working", "note": "郑州某电子厂"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["close_note"], "郑州某电子厂");
}

/// Makes the line look opened `days` ago (and so due `days - 14` days ago).
async fn age_line(app: &TestApp, id: i64, days: i64) {
    let line = entity::ledger_entry::Entity::find_by_id(id as i32)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("line");
    let opened = chrono::Utc::now() - chrono::Duration::days(days);
    let mut m = line.into_active_model();
    m.opened_at = Set(opened);
    m.follow_up_due_on = Set(Some(
        opened.with_timezone(&vocpath::clock::china()).date_naive()
            + chrono::Days::new(vocpath::admissions::ledger::FOLLOW_UP_DAYS),
    ));
    m.update(&app.state.db).await.expect("update");
}

async fn follow_ups(app: &TestApp, s: &Setup, id: &Value) -> Vec<Value> {
    get(app, s, &format!("/api/v1/ledger/{id}")).await["follow_ups"]
        .as_array()
        .expect("follow_ups")
        .clone()
}

#[tokio::test]
async fn follow_ups_are_checked_logged_and_move_the_due_day() {
    let app = TestApp::spawn().await;
    let (s, _, line) = a_dropout(&app).await;
    let today = vocpath::clock::today();
    assert_eq!(
        line["follow_up_due_on"],
        (today + chrono::Days::new(14)).to_string(),
        "{line}"
    );
    let path = format!("/api/v1/ledger/{}/follow-ups", line["id"]);
    let good = json!({"followed_on": today.to_string(), "who": "mentor", "who_name": "王老师", "how": "home_visit",
                      "outcome": "家长同意下周送孩子回校", "next_step": "下周一电话确认"});
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    let cases = [
        ("followed_on", json!(tomorrow), "date_in_future"),
        ("followed_on", json!("2026-02-30"), "date_invalid"),
        ("followed_on", json!("2000-01-01"), "follow_up_before_line"),
        ("who", json!("neighbour"), "choice_invalid"),
        ("how", json!("letter"), "choice_invalid"),
        ("who_name", json!("  "), "required"),
        ("outcome", json!(""), "required"),
        ("outcome", json!("同意\u{202E}返校"), "text_has_control"),
        ("outcome", json!("很".repeat(1001)), "notes_too_long"),
        ("next_step", json!("下周\u{0007}"), "text_has_control"),
    ];
    for (field, value, code) in cases {
        let mut body = good.clone();
        body[field] = value;
        let r = post(&app, &s, &path, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.body);
        assert!(r.body.contains(code), "{field}: {}", r.body);
        assert!(r.body.contains(field), "{field} is named: {}", r.body);
    }
    assert!(follow_ups(&app, &s, &line["id"]).await.is_empty(), "nothing written");
    // Opened three days ago (so a visit two days ago can be recorded).
    age_line(&app, line["id"].as_i64().expect("id"), 3).await;
    // A mentor records one; the due day moves to 14 days after it.
    let mentor = app.token(Role::Mentor).await;
    let r = app.api(Method::POST, &path, Some(&mentor), Some(good.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let viewer = app.token(Role::Viewer).await;
    let r = app.api(Method::POST, &path, Some(&viewer), Some(good.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Typed in late, an older visit does not pull the due day back.
    let mut late = good.clone();
    late["followed_on"] = json!((today - chrono::Days::new(2)).to_string());
    let r = post(&app, &s, &path, late).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let log = follow_ups(&app, &s, &line["id"]).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["who_name"], "王老师");
    let now = get(&app, &s, &format!("/api/v1/ledger/{}", line["id"])).await;
    assert_eq!(
        now["line"]["follow_up_due_on"],
        (today + chrono::Days::new(14)).to_string(),
        "{now}"
    );
    let unknown = post(&app, &s, "/api/v1/ledger/999999/follow-ups", good.clone()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
}

#[tokio::test]
async fn a_closed_line_takes_no_follow_up() {
    let app = TestApp::spawn().await;
    let (s, _, line) = a_dropout(&app).await;
    let r = post(
        &app,
        &s,
        &format!("/api/v1/ledger/{}/cross-off", line["id"]),
        json!({"reason": "moved_away", "note": "随父母迁往广东东莞"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let today = vocpath::clock::today().to_string();
    let r = post(
        &app,
        &s,
        &format!("/api/v1/ledger/{}/follow-ups", line["id"]),
        json!({"followed_on": today, "who": "town_official", "who_name": "李主任", "how": "through_village", "outcome": "已迁走"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(follow_ups(&app, &s, &line["id"]).await.is_empty());
}

#[tokio::test]
async fn overdue_lines_reach_the_mentors_digest_and_the_schools_mailbox_once_a_week() {
    let app = TestApp::spawn().await;
    let (s, first, line) = a_dropout(&app).await;
    let sid = first["student_id"].as_i64().expect("sid") as i32;
    give_mentors(&app, sid).await;
    // The school names its admissions mailbox.
    let school = entity::school::Entity::find()
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("school");
    let mut m = school.into_active_model();
    m.admissions_email = Set(Some("zhaosheng@school.test".into()));
    m.update(&app.state.db).await.expect("update");
    let now = chrono::Utc::now();
    // Not yet overdue: no digest about the line.
    vocpath::mentor::sessions::queue_weekly_digests(&app.state.db, &app.state.config, now)
        .await
        .expect("digests");
    assert_eq!(app.count_outbox("school_ledger_digest").await, 0);
    let listed = get(&app, &s, "/api/v1/ledger?state=overdue").await;
    assert_eq!(listed["total"], 0, "{listed}");
    age_line(&app, line["id"].as_i64().expect("id"), 20).await;
    let listed = get(&app, &s, "/api/v1/ledger?state=overdue").await;
    assert_eq!(listed["total"], 1, "{listed}");
    vocpath::mentor::sessions::queue_weekly_digests(&app.state.db, &app.state.config, now)
        .await
        .expect("digests");
    assert_eq!(app.count_outbox("school_ledger_digest").await, 1);
    assert_eq!(app.count_outbox("mentor_digest").await, 3, "each of the three mentors");
    let digest = entity::outbox::Entity::find()
        .all(&app.state.db)
        .await
        .expect("outbox")
        .into_iter()
        .find(|o| o.kind == "mentor_digest")
        .expect("a digest");
    assert!(digest.subject.contains("待劝返跟进"), "{}", digest.subject);
    assert!(digest.body_text.contains("辍学"), "{}", digest.body_text);
    assert!(
        digest.body_text.contains(&format!("/ledger/{}", line["id"])),
        "{}",
        digest.body_text
    );
    // The same week again: nothing more.
    vocpath::mentor::sessions::queue_weekly_digests(&app.state.db, &app.state.config, now)
        .await
        .expect("digests");
    assert_eq!(app.count_outbox("school_ledger_digest").await, 1);
    assert_eq!(app.count_outbox("mentor_digest").await, 3);
    // The ledger page shows the overdue count and links to the line.
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/ledger?state=overdue").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("超过 14 天未跟进：1 人"), "{}", page.body);
    assert!(page.body.contains(&format!("/ledger/{}", line["id"])));
}

/// The line's page: the log, a follow-up form that keeps what was typed when refused, and crossing
/// off with evidence.
#[tokio::test]
async fn a_line_is_followed_up_and_crossed_off_on_its_page() {
    let app = TestApp::spawn().await;
    let (s, _, line) = a_dropout(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let path = format!("/ledger/{}", line["id"]);
    let page = clerk.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("辍学"), "why the student is there");
    assert!(page.body.contains("登记跟进"));
    let today = vocpath::clock::today().to_string();
    let refused = clerk
        .post(
            &format!("{path}/follow-ups"),
            &[
                ("followed_on", &today),
                ("who", "school_staff"),
                ("who_name", "张老师"),
                ("how", "phone"),
                ("outcome", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("张老师"), "what was typed is kept");
    let saved = clerk
        .post(
            &format!("{path}/follow-ups"),
            &[
                ("followed_on", &today),
                ("who", "school_staff"),
                ("who_name", "张老师"),
                ("how", "phone"),
                ("outcome", "家长说孩子在外地打工，春节回来再谈"),
                ("next_step", "春节前家访"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = clerk.get(&format!("{path}?saved=1")).await;
    assert!(page.body.contains("春节前家访"), "{}", page.body);
    let no_evidence = clerk
        .post(&format!("{path}/cross-off"), &[("reason", "moved_away"), ("note", "")])
        .await;
    assert_eq!(no_evidence.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_evidence.body.contains("迁往何处"), "{}", no_evidence.body);
    let crossed = clerk
        .post(
            &format!("{path}/cross-off"),
            &[("reason", "moved_away"), ("note", "迁往广东东莞")],
        )
        .await;
    assert_eq!(crossed.status, StatusCode::SEE_OTHER, "{}", crossed.body);
    let page = clerk.get(&path).await;
    assert!(page.body.contains("迁往广东东莞"));
    assert!(
        !page.body.contains("name=\"outcome\""),
        "no follow-up form on a closed line"
    );
    let statuses: Vec<String> = offers(&app, &s)
        .await
        .iter()
        .map(|p| p["status"].as_str().expect("status").to_string())
        .collect();
    assert!(statuses.contains(&"dropped_out".to_string()));
}
