//! Every list endpoint of the JSON API answers in the one list shape
//! `{items, page, per_page, total, pages}` and honours `page` / `per_page`.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};
use vocpath::training::registrations;

use crate::helpers::TestApp;
use crate::routing::{dry_run, setup};
use crate::training::{farmer, session, world};

/// Asserts the list shape and that a one-item page holds one item of at least two.
fn assert_list_shape(path: &str, body: &Value) {
    for key in ["items", "page", "per_page", "total", "pages"] {
        assert!(body.get(key).is_some(), "{path}: `{key}` missing in {body}");
    }
    let items = body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: items not a list: {body}"));
    assert_eq!(body["per_page"], 1, "{path}: {body}");
    let total = body["total"].as_u64().unwrap_or(0);
    assert!(total >= 2, "{path}: the test needs two items to see paging: {body}");
    assert_eq!(items.len(), 1, "{path}: per_page=1 not honoured: {body}");
    assert_eq!(body["pages"].as_u64(), Some(total), "{path}: {body}");
}

#[tokio::test]
async fn every_list_endpoint_answers_in_the_list_shape_and_honours_per_page() {
    let app = TestApp::spawn().await;
    // Admissions: setup() adds a school, two programmes, a published rule set and four students.
    let s = setup(&app).await;
    let second_school = app
        .api(
            Method::POST,
            "/api/v1/schools",
            Some(&s.admin),
            Some(json!({"name": "巩义市第二中等职业学校", "town": "回郭镇"})),
        )
        .await;
    assert_eq!(second_school.status, StatusCode::OK, "{}", second_school.body);
    let draft = app
        .api(
            Method::POST,
            "/api/v1/rule-sets",
            Some(&s.admin),
            Some(json!({"name": "草稿", "rules": {"eligibility": [], "priority": []}})),
        )
        .await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    dry_run(&app, &s, 1).await;
    dry_run(&app, &s, 2).await;
    // Follow-ups: two graduates eight months ago, each with a six-month wave overdue.
    let grad_on = (chrono::Utc::now().date_naive() - chrono::Months::new(8)).to_string();
    for st in &s.students[..2] {
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/students/{st}/entries"),
                Some(&s.clerk),
                Some(
                    json!({"occurred_on": grad_on, "details": {"kind": "graduation", "school": "一职专", "programme": "数控"}}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // Training: two upcoming sessions, two farmers on the first one's roster.
    let w = world(&app).await;
    let first = session(&app, &w, 14, 5).await;
    session(&app, &w, 21, 5).await;
    for n in 0..2 {
        let input = farmer(n).parse().expect("valid");
        registrations::register(&app.state.db, &Default::default(), first, input, &format!("10.1.0.{n}"))
            .await
            .expect("registered");
    }
    let trainer = app.token(Role::Admin).await;

    let staff = [
        "/api/v1/schools".to_string(),
        "/api/v1/programmes".to_string(),
        "/api/v1/rule-sets".to_string(),
        "/api/v1/routing-runs".to_string(),
        "/api/v1/follow-ups".to_string(),
        "/api/v1/training-sessions".to_string(),
        format!("/api/v1/training-sessions/{first}/roster"),
    ];
    for path in &staff {
        let r = app
            .api(Method::GET, &format!("{path}?per_page=1"), Some(&trainer), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_list_shape(path, &r.json());
        // The second page holds the next item.
        let r = app
            .api(Method::GET, &format!("{path}?per_page=1&page=2"), Some(&trainer), None)
            .await;
        let body = r.json();
        assert_eq!(
            (body["page"].clone(), body["items"].as_array().map(Vec::len)),
            (json!(2), Some(1)),
            "{path}: {body}"
        );
    }
    // Instructors' skills and unavailable days come as lists, not JSON text in a string.
    let cat = app
        .api(Method::GET, "/api/v1/training-bases", Some(&trainer), None)
        .await
        .json();
    assert_eq!(cat["instructors"][0]["skills"], json!(["设施蔬菜"]), "{cat}");
    assert!(cat["instructors"][0]["unavailable"].is_array(), "{cat}");
    let created = app
        .api(
            Method::POST,
            "/api/v1/instructors",
            Some(&trainer),
            Some(json!({"name": "赵师傅", "skills": ["电工"], "unavailable": ["2027-05-25..2027-05-26"]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let created = created.json();
    assert_eq!(created["skills"], json!(["电工"]), "{created}");
    assert_eq!(created["unavailable"], json!(["2027-05-25", "2027-05-26"]), "{created}");

    let path = "/api/v1/public/training-sessions";
    let r = app.api(Method::GET, &format!("{path}?per_page=1"), None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    assert_list_shape(path, &r.json());
}

#[tokio::test]
async fn tokens_mentors_timelines_and_courses_answer_in_the_list_shape_too() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    // A second token of the same account.
    let r = app
        .api(
            Method::POST,
            "/api/v1/tokens",
            Some(&admin),
            Some(json!({"name": "sync"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Two mentor profiles.
    let school = app
        .api(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            Some(json!({"name": "巩义市第一中等职业学校", "town": "孝义街道"})),
        )
        .await
        .json()["id"]
        .clone();
    for email in ["wang@school.cn", "li@school.cn"] {
        let mentor = app.user(email, Role::Mentor).await;
        let profile = json!({"school_id": school, "roles": [{"role": "counsellor", "max": 5}], "home_town": "米河镇"});
        let r = app
            .api(
                Method::PUT,
                &format!("/api/v1/mentors/{mentor}"),
                Some(&admin),
                Some(profile),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // Two entries in one student's timeline.
    let student = app.seed_student("学生甲", "410181200602024058", 2020).await;
    let entries = format!("/api/v1/students/{student}/entries");
    for text in ["第一次家访", "第二次家访"] {
        let r = app
            .api(
                Method::POST,
                &entries,
                Some(&admin),
                Some(json!({"occurred_on": "2021-03-01", "details": {"kind": "note", "text": text}})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // Two courses.
    for title in ["设施蔬菜种植", "家庭电工"] {
        let course = json!({"title": title, "skill_area": "电工", "hours": 12, "min_cohort": 3, "max_cohort": 30});
        let r = app
            .api(Method::POST, "/api/v1/courses", Some(&admin), Some(course))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    for path in ["/api/v1/tokens", "/api/v1/mentors", &entries, "/api/v1/courses"] {
        let r = app
            .api(Method::GET, &format!("{path}?per_page=1"), Some(&admin), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_list_shape(path, &r.json());
    }
    // The timeline's second page is its second entry, oldest first.
    let second = app
        .api(Method::GET, &format!("{entries}?per_page=1&page=2"), Some(&admin), None)
        .await
        .json();
    assert_eq!(second["items"][0]["details"]["text"], "第二次家访", "{second}");
}
