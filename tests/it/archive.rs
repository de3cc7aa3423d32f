//! Students' archive: masked IDs, audited reveal, entries and corrections, status, follow-ups,
//! pages and exports.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

const ID: &str = "410181200602024058";

#[tokio::test]
async fn ids_are_masked_for_every_role_and_the_database_holds_no_clear_id() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    for role in Role::ALL {
        let token = app.token(role).await;
        let one = app
            .api(Method::GET, &format!("/api/v1/students/{id}"), Some(&token), None)
            .await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.body);
        assert!(!one.body.contains(ID), "{role:?} saw the full ID");
        assert_eq!(one.json()["student"]["national_id"], "410181********4058");
        let list = app.api(Method::GET, "/api/v1/students", Some(&token), None).await;
        assert!(!list.body.contains(ID));
        let mut b = app.browser_as(role).await;
        let page = b.get(&format!("/students/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(!page.body.contains(ID));
        assert!(page.body.contains("410181********4058"));
    }
    use sea_orm::EntityTrait;
    let row = entity::student::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert!(!row.national_id_enc.contains("4058") && !format!("{row:?}").contains(ID));
}

#[tokio::test]
async fn revealing_an_id_is_allowed_to_admissions_and_audited() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    let path = format!("/api/v1/students/{id}/reveal-id");
    for role in [Role::Mentor, Role::Viewer] {
        let token = app.token(role).await;
        assert_eq!(
            app.api(Method::POST, &path, Some(&token), None).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(app.count("audit_log").await - app.count("audit_log").await, 0);
    let token = app.token(Role::Admissions).await;
    let r = app.api(Method::POST, &path, Some(&token), None).await;
    assert_eq!(r.json()["national_id"], ID);
    let admin = app.token(Role::Admin).await;
    let log = app
        .api(
            Method::GET,
            &format!("/api/v1/audit-log?action=student.reveal_id&record_id={id}"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(log["total"], 1);

    let mut b = app.browser_as(Role::Admissions).await;
    b.get(&format!("/students/{id}")).await;
    let page = b.post(&format!("/students/{id}/reveal-id"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(ID));
    let log = app
        .api(
            Method::GET,
            &format!("/api/v1/audit-log?action=student.reveal_id&record_id={id}"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(log["total"], 2);
}

#[tokio::test]
async fn entries_are_appended_corrections_supersede_and_the_status_follows() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    let token = app.token(Role::Admissions).await;
    let path = format!("/api/v1/students/{id}/entries");
    let enrolment = json!({"occurred_on": "2021-09-01", "details": {"kind": "enrolment", "school": "一职专", "programme": "护理", "class_name": null}});
    let first = app.api(Method::POST, &path, Some(&token), Some(enrolment)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first_id = first.json()["id"].as_i64().expect("id");
    let fix = json!({"occurred_on": "2021-09-01", "supersedes_id": first_id, "details": {"kind": "enrolment", "school": "一职专", "programme": "数控技术应用", "class_name": "2021级1班"}});
    let second = app.api(Method::POST, &path, Some(&token), Some(fix)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second_id = second.json()["id"].as_i64().expect("id");
    let timeline = app.api(Method::GET, &path, Some(&token), None).await.json();
    let entries = timeline["items"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "both stay visible");
    assert!(entries[0]["superseded_by"].is_i64());
    // The archive names the person who recorded it, not an id or a sign-in address.
    assert_eq!(entries[0]["recorded_by"], "测试用户", "{timeline}");
    assert_eq!(second.json()["recorded_by"], "测试用户");
    let mut viewer = app.browser_as(Role::Viewer).await;
    let page = viewer.get(&format!("/students/{id}")).await;
    assert!(page.body.contains("测试用户"), "the student page names the recorder");
    assert!(!page.body.contains("@test.cn"), "no sign-in address");
    let student = app
        .api(Method::GET, &format!("/api/v1/students/{id}"), Some(&token), None)
        .await
        .json();
    assert_eq!(student["student"]["status"], "enrolled");
    assert_eq!(student["student"]["programme"], "数控技术应用");
    let list = app
        .api(Method::GET, "/api/v1/students?status=enrolled", Some(&token), None)
        .await
        .json();
    assert_eq!(list["total"], 1, "the cached status is refreshed on write");

    // Issue 12, defect 5: a superseded entry cannot be corrected again; the latest version can.
    let again = json!({"occurred_on": "2021-09-01", "supersedes_id": first_id, "details": {"kind": "enrolment", "school": "一职专", "programme": "电子商务", "class_name": null}});
    let refused = app.api(Method::POST, &path, Some(&token), Some(again)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.json()["detail"]
            .as_str()
            .unwrap_or("")
            .contains(&format!("#{second_id}"))
    );
    let other_kind =
        json!({"occurred_on": "2021-09-01", "supersedes_id": second_id, "details": {"kind": "note", "text": "x"}});
    let refused = app.api(Method::POST, &path, Some(&token), Some(other_kind)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(app.count("archive_entry").await, 2, "nothing written");
}

/// Issue 12, defect 5: two clerks correcting the same entry at the same moment — one wins.
#[tokio::test]
async fn two_simultaneous_corrections_of_one_entry_leave_one() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    let token = app.token(Role::Admissions).await;
    let path = format!("/api/v1/students/{id}/entries");
    let note = json!({"occurred_on": "2021-09-01", "details": {"kind": "note", "text": "原始记录"}});
    let first = app.api(Method::POST, &path, Some(&token), Some(note)).await;
    let first_id = first.json()["id"].as_i64().expect("id");
    let replies = futures_util::future::join_all((0..8).map(|i| {
        let (app, path, token) = (&app, &path, &token);
        async move {
            let fix = json!({"occurred_on": "2021-09-01", "supersedes_id": first_id, "details": {"kind": "note", "text": format!("更正 {i}")}});
            app.api(Method::POST, path, Some(token), Some(fix)).await.status
        }
    }))
    .await;
    let ok = replies.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{replies:?}");
    assert!(
        replies
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{replies:?}"
    );
    assert_eq!(app.count("archive_entry").await, 2);
}

/// Issue 12, defect 2: offers, mentor entries and record changes are written only by the system.
#[tokio::test]
async fn entries_only_the_system_writes_are_refused_by_hand_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    let token = app.token(Role::Admissions).await;
    let path = format!("/api/v1/students/{id}/entries");
    for details in [
        json!({"kind": "enrolment_offer", "school": "一职专", "programme": "护理", "round": 1}),
        json!({"kind": "record_change", "source": "import", "changes": []}),
        json!({"kind": "mentor_assigned", "mentor": "王老师", "role": "teacher"}),
        json!({"kind": "ledger_change", "action": "crossed_off", "reason": "moved_away"}),
        json!({"kind": "enrolment_offer", "school": "一职专", "programme": "护理", "round": null, "direct_reason": "补录"}),
    ] {
        let r = app
            .api(
                Method::POST,
                &path,
                Some(&token),
                Some(json!({"occurred_on": "2021-07-20", "details": details})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("system") || r.body.contains("系统"), "{}", r.body);
    }
    assert_eq!(app.count("archive_entry").await, 0);
    let student = app
        .api(Method::GET, &format!("/api/v1/students/{id}"), Some(&token), None)
        .await
        .json();
    assert_ne!(student["student"]["status"], "placed");
    // The portal form neither offers nor accepts them.
    let mut b = app.browser_as(Role::Admissions).await;
    let form = b.get(&format!("/students/{id}/entries/new")).await;
    assert!(
        !form.body.contains("value=\"enrolment_offer\""),
        "the form offers no admission"
    );
    let posted = b
        .post(
            &format!("/students/{id}/entries"),
            &[
                ("kind", "enrolment_offer"),
                ("occurred_on", "2021-07-20"),
                ("school", "一职专"),
                ("programme", "护理"),
                ("round", "1"),
            ],
        )
        .await;
    assert!(posted.status.is_client_error(), "{}", posted.status);
    assert_eq!(app.count("archive_entry").await, 0);
}

#[tokio::test]
async fn bad_entries_are_refused_with_the_reason_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    let other = app.seed_student("黄静国", "410181200704209707", 2021).await;
    let token = app.token(Role::Admissions).await;
    let path = format!("/api/v1/students/{id}/entries");
    let before = app.count("archive_entry").await;
    let unknown_kind = json!({"occurred_on": "2021-07-20", "details": {"kind": "party"}});
    let r = app.api(Method::POST, &path, Some(&token), Some(unknown_kind)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["field"], "details");
    let other_entry = app
        .api(
            Method::POST,
            &format!("/api/v1/students/{other}/entries"),
            Some(&token),
            Some(json!({"occurred_on": "2021-07-20", "details": {"kind": "note", "text": "x"}})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("id");
    let cross =
        json!({"occurred_on": "2021-07-20", "supersedes_id": other_entry, "details": {"kind": "note", "text": "y"}});
    let r = app.api(Method::POST, &path, Some(&token), Some(cross)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["code"], "supersedes_unknown");
    let viewer = app.token(Role::Viewer).await;
    let r = app
        .api(
            Method::POST,
            &path,
            Some(&viewer),
            Some(json!({"occurred_on": "2021-07-20", "details": {"kind": "note", "text": "x"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("archive_entry").await, before + 1);
}

#[tokio::test]
async fn the_entry_form_adds_employment_and_explains_missing_fields() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    let mut b = app.browser_as(Role::Admissions).await;
    let form = b.get(&format!("/students/{id}/entries/new?kind=employment")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("用人单位"));
    let bad = b
        .post(
            &format!("/students/{id}/entries"),
            &[("kind", "employment"), ("occurred_on", "2024-07-01")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("此项必填"), "{}", bad.body);
    assert_eq!(app.count("archive_entry").await, 0);
    b.get(&format!("/students/{id}/entries/new?kind=graduation")).await;
    let ok = b
        .post(
            &format!("/students/{id}/entries"),
            &[
                ("kind", "graduation"),
                ("occurred_on", "2024-06-30"),
                ("school", "一职专"),
                ("programme", "数控"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    b.get(&format!("/students/{id}/entries/new?kind=employment")).await;
    let job = b
        .post(
            &format!("/students/{id}/entries"),
            &[
                ("kind", "employment"),
                ("occurred_on", "2024-07-10"),
                ("employer", "豫联集团"),
                ("position", "操作工"),
                ("place", "巩义"),
                ("monthly_wage", "4200"),
                ("contract_type", "fixed_term"),
                ("evidence", "employer_confirmed"),
            ],
        )
        .await;
    assert_eq!(job.status, StatusCode::SEE_OTHER, "{}", job.body);
    let page = b.get(&format!("/students/{id}")).await;
    assert!(
        page.body.contains("豫联集团") && page.body.contains("毕业已就业"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn follow_up_waves_are_listed_when_due_and_closed_by_a_follow_up() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    let token = app.token(Role::Admissions).await;
    let path = format!("/api/v1/students/{id}/entries");
    let grad_on = (chrono::Utc::now().date_naive() - chrono::Months::new(8)).to_string();
    app.api(
        Method::POST,
        &path,
        Some(&token),
        Some(
            json!({"occurred_on": grad_on, "details": {"kind": "graduation", "school": "一职专", "programme": "数控"}}),
        ),
    )
    .await;
    let due = app
        .api(Method::GET, "/api/v1/follow-ups", Some(&token), None)
        .await
        .json();
    assert_eq!(due["total"], 1, "{due}");
    assert_eq!(due["items"][0]["months"], 6);
    assert_eq!(due["items"][0]["overdue"], true);
    assert_eq!(
        app.api(Method::GET, "/api/v1/follow-ups?school=二职专", Some(&token), None)
            .await
            .json()["total"],
        0
    );
    let today = chrono::Utc::now().date_naive().to_string();
    app.api(Method::POST, &path, Some(&token), Some(json!({"occurred_on": today, "details": {"kind": "follow_up", "outcome": "not_employed", "wave": 6, "method": "phone", "notes": null}}))).await;
    let due = app
        .api(Method::GET, "/api/v1/follow-ups", Some(&token), None)
        .await
        .json();
    assert_eq!(due["items"].as_array().expect("list").len(), 0, "{due}");
    let student = app
        .api(Method::GET, &format!("/api/v1/students/{id}"), Some(&token), None)
        .await
        .json();
    assert_eq!(student["student"]["status"], "graduated_not_employed");
    let mut b = app.browser_as(Role::Viewer).await;
    assert_eq!(b.get("/follow-ups").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_student_list_searches_and_exports_csv_and_xlsx() {
    let app = TestApp::spawn().await;
    app.seed_student("黎磊", ID, 2021).await;
    app.seed_student("黄静国", "410181200704209707", 2022).await;
    let mut b = app.browser_as(Role::Viewer).await;
    let page = b.get("/students?name=黎").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("黎磊") && !page.body.contains("黄静国"));
    let by_digits = b.get("/students?id_last_digits=9707").await;
    assert!(by_digits.body.contains("黄静国") && !by_digits.body.contains("黎磊"));
    let bad = b.get("/students?graduation_year=abc").await;
    assert!(bad.body.contains("不是有效的数字"));
    let csv = b.get("/students/export?format=csv&graduation_year=2022").await;
    assert!(csv.content_type().starts_with("text/csv"));
    assert!(csv.body.contains("黄静国") && !csv.body.contains("黎磊") && !csv.body.contains("410181200704209707"));
    let xlsx = b.get("/students/export?format=xlsx").await;
    assert!(xlsx.content_type().contains("spreadsheetml"));
}

#[tokio::test]
async fn the_cached_status_follows_the_calendar_when_refreshed() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    let row = entity::student::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    let mut stale = row.into_active_model();
    stale.current_status = Set(entity::student::StudentStatus::InJuniorHigh);
    stale.update(&app.state.db).await.expect("update");
    let changed = vocpath::student::students::refresh_all_statuses(&app.state.db, chrono::Utc::now().date_naive())
        .await
        .expect("refresh");
    assert_eq!(changed, 1);
    let row = entity::student::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(row.current_status, entity::student::StudentStatus::AwaitingPlacement);
}

/// Issue 12: a parent on the phone gives the full ID; staff find the student by it, through the
/// keyed look-up hash, and the look-up is audited.
#[tokio::test]
async fn a_student_is_found_by_full_national_id_and_the_look_up_is_audited() {
    let app = TestApp::spawn().await;
    let id = app.seed_student("黎磊", ID, 2021).await;
    app.seed_student("黎磊", "410181200704209707", 2021).await;
    let viewer = app.token(Role::Viewer).await;
    let found = app
        .api(
            Method::GET,
            &format!("/api/v1/students?national_id={ID}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let found = found.json();
    assert_eq!(
        found["total"], 1,
        "two students share the name; the ID tells them apart"
    );
    assert_eq!(found["items"][0]["id"], id);
    let bad = app
        .api(
            Method::GET,
            "/api/v1/students?national_id=41018120060202451",
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("national_id"));
    let audit = app
        .api(
            Method::GET,
            "/api/v1/audit-log?action=student.lookup_by_id",
            Some(&app.token(Role::Admin).await),
            None,
        )
        .await;
    assert!(audit.body.contains("student.lookup_by_id"), "{}", audit.body);
    assert!(!audit.body.contains(ID), "the ID itself is not logged");
    let mut b = app.browser_as(Role::Viewer).await;
    let page = b.get(&format!("/students?national_id={ID}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("/students/{id}\"")), "{}", page.body);
}

/// A student's page reads the student with the household, the archive with who recorded each
/// entry, the choices with their programmes, the mentors with their names and the household's
/// training: five statements however full the record (the recorders' and the mentors' names were
/// looked up in three more). Names still come out right: the account's for staff, the kept label
/// for an entry no account recorded.
#[tokio::test]
async fn a_full_student_page_is_read_in_five_statements_with_every_name() {
    use entity::{archive_entry, mentor_assignment, user};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let app = TestApp::spawn().await;
    vocpath::demo::load_sized(&app.state, 300).await.expect("demo");
    let db = &app.state.db;
    // A student with mentors and an archive recorded by staff.
    let assigned: Vec<i32> = mentor_assignment::Entity::find()
        .all(db)
        .await
        .expect("assignments")
        .iter()
        .map(|a| a.student_id)
        .collect();
    let recorded = archive_entry::Entity::find()
        .filter(archive_entry::Column::RecordedBy.is_not_null())
        .filter(archive_entry::Column::StudentId.is_in(assigned))
        .one(db)
        .await
        .expect("entry")
        .expect("a demo student with mentors and an archive");
    let id = recorded.student_id;
    archive_entry::ActiveModel {
        student_id: Set(id),
        kind: Set(recorded.kind),
        occurred_on: Set(recorded.occurred_on),
        details: Set(recorded.details.clone()),
        supersedes_id: Set(None),
        recorded_by: Set(None),
        recorded_by_label: Set("导入".into()),
        created_at: Set(recorded.created_at),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("an entry no account recorded");

    let counted = crate::helpers::StatementLog::new(db);
    let profile = vocpath::student::profile::profile(&counted.db, id, vocpath::clock::today())
        .await
        .expect("profile");
    let statements = counted.take();
    assert_eq!(statements.len(), 5, "{statements:#?}");

    let names: std::collections::HashMap<i32, user::Model> = user::Entity::find()
        .all(db)
        .await
        .expect("users")
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let stored = archive_entry::Entity::find()
        .filter(archive_entry::Column::StudentId.eq(id))
        .all(db)
        .await
        .expect("entries");
    assert_eq!(profile.record.entries.len(), stored.len());
    for e in &profile.record.entries {
        let row = stored.iter().find(|r| r.id == e.id).expect("stored entry");
        let expected = match row.recorded_by {
            Some(u) => names[&u].name.clone(),
            None => row.recorded_by_label.clone(),
        };
        assert_eq!(e.recorded_by, expected, "entry {}", e.id);
    }
    assert!(profile.record.entries.iter().any(|e| e.recorded_by == "导入"));
    assert!(!profile.mentors.is_empty());
    for m in &profile.mentors {
        let mentor = &names[&m.row.mentor_id];
        assert_eq!(
            (m.mentor.as_str(), m.mentor_email.as_str()),
            (mentor.name.as_str(), mentor.email.as_str())
        );
        assert_eq!(m.student, profile.record.student.name);
    }
}
