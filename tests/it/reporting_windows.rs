//! Reporting windows (报到): set on the API and the portal, listed, audited; every wrong input
//! refused with a clear message and nothing written.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::routing::{Setup, setup};

pub(crate) async fn school_id(app: &TestApp, s: &Setup) -> i64 {
    app.api(Method::GET, "/api/v1/schools", Some(&s.clerk), None)
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .expect("school")
}

pub(crate) fn window() -> Value {
    json!({
        "starts_on": "2026-09-01",
        "ends_on": "2026-09-03",
        "place": "巩义市职教园区 3 号教学楼一楼大厅",
        "bring": "录取通知书\n户口本复印件\n一寸照片 4 张",
        "contact": "王老师 0371-64321234",
    })
}

pub(crate) async fn put_window(
    app: &TestApp,
    token: &str,
    school: i64,
    year: &str,
    body: Value,
) -> crate::helpers::Reply {
    app.api(
        Method::PUT,
        &format!("/api/v1/schools/{school}/reporting-windows/{year}"),
        Some(token),
        Some(body),
    )
    .await
}

/// Sets the school's 2026 window ([`window`]); returns the school's id.
pub(crate) async fn set_window(app: &TestApp, s: &Setup) -> i64 {
    let school = school_id(app, s).await;
    let r = put_window(app, &s.clerk, school, "2026", window()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    school
}

async fn windows(app: &TestApp, s: &Setup) -> Value {
    let r = app
        .api(
            Method::GET,
            "/api/v1/reporting-windows?intake_year=2026",
            Some(&s.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn a_reporting_window_is_set_replaced_listed_and_audited() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let school = school_id(&app, &s).await;
    let r = put_window(&app, &s.clerk, school, "2026", window()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let set = r.json();
    assert_eq!(set["school"], "巩义市第一中等职业学校");
    assert_eq!(set["starts_on"], "2026-09-01");
    assert_eq!(set["bring"], "录取通知书\n户口本复印件\n一寸照片 4 张");

    let mut changed = window();
    changed["ends_on"] = json!("2026-09-05");
    changed["place"] = json!("  巩义市职教园区 5 号楼  ");
    let r = put_window(&app, &s.clerk, school, "2026", changed).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["id"], set["id"], "the same window, replaced");
    let listed = windows(&app, &s).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["ends_on"], "2026-09-05");
    assert_eq!(listed["items"][0]["place"], "巩义市职教园区 5 号楼");
    let other_year = app
        .api(
            Method::GET,
            "/api/v1/reporting-windows?intake_year=2027",
            Some(&s.clerk),
            None,
        )
        .await;
    assert_eq!(other_year.json()["total"], 0);
    assert_eq!(app.count("reporting_window").await, 1);

    let audit = app
        .api(Method::GET, "/api/v1/audit-log?per_page=200", Some(&s.admin), None)
        .await;
    assert_eq!(audit.body.matches("reporting_window.set").count(), 2, "{}", audit.body);
}

#[tokio::test]
async fn every_wrong_reporting_window_is_refused_with_a_clear_message_and_nothing_written() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let school = set_window(&app, &s).await;
    let before = windows(&app, &s).await;

    let with = |field: &str, value: Value| {
        let mut w = window();
        w[field] = value;
        w
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (with("ends_on", json!("2026-08-31")), "ends_on", "cannot be before"),
        (with("ends_on", json!("2026-12-31")), "ends_on", "at most 92 days"),
        (with("starts_on", json!("2026/09/01")), "starts_on", "2026/09/01"),
        (with("starts_on", json!("")), "starts_on", "Required"),
        (
            with("starts_on", json!("2025-09-01")).tap("ends_on", json!("2025-09-02")),
            "starts_on",
            "2026",
        ),
        (with("place", json!("   ")), "place", "Required"),
        (with("place", json!("地".repeat(101))), "place", "100"),
        (with("place", json!("职教园区\n3 号楼")), "place", "one line"),
        (with("contact", json!("王老师\u{202E}4321")), "contact", "invisible"),
        (
            with("bring", json!("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk")),
            "bring",
            "10 lines",
        ),
        (with("bring", json!("带".repeat(301))), "bring", "300"),
        (with("bring", json!("录取通知书\u{7}")), "bring", "invisible"),
    ];
    for (body, field, says) in cases {
        let r = put_window(&app, &s.clerk, school, "2026", body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        let problem = r.json();
        let fields = problem["fields"].as_array().expect("fields");
        assert_eq!(fields.len(), 1, "{}", r.body);
        assert_eq!(fields[0]["field"], field, "{}", r.body);
        assert!(
            fields[0]["message"].as_str().expect("message").contains(says),
            "{field} should say {says}: {}",
            r.body
        );
    }
    let r = put_window(&app, &s.clerk, school, "1999", window()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("intake_year"), "{}", r.body);
    let r = put_window(&app, &s.clerk, 9999, "2026", window()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = put_window(&app, &s.clerk, school, "next", window()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let viewer = app.token(Role::Viewer).await;
    let r = put_window(&app, &viewer, school, "2026", window()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = put_window(&app, &s.clerk, school, "2026", json!({"starts_on": "2026-09-01"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let named: Vec<Value> = r.json()["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].clone())
        .collect();
    assert_eq!(
        named,
        ["ends_on", "place", "bring", "contact"],
        "each missing field named"
    );

    assert_eq!(windows(&app, &s).await, before, "nothing written");
    assert_eq!(app.count("reporting_window").await, 1);
}

trait Tap {
    fn tap(self, field: &str, value: Value) -> Value;
}

impl Tap for Value {
    fn tap(mut self, field: &str, value: Value) -> Value {
        self[field] = value;
        self
    }
}

#[tokio::test]
async fn admissions_staff_set_windows_on_the_portal_and_a_wrong_one_comes_back_with_its_message() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let school = school_id(&app, &s).await.to_string();
    let mut b = app.browser_as(Role::Admissions).await;
    let programmes = b.get("/programmes?intake_year=2026").await;
    assert!(
        programmes.body.contains("/reporting-windows?intake_year=2026"),
        "linked from the programmes page"
    );
    let page = b.get("/reporting-windows?intake_year=2026").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("巩义市第一中等职业学校"));
    assert!(page.body.contains("尚未设置"));
    assert!(
        page.body
            .contains(&format!("/schools/{school}/letters?intake_year=2026"))
    );

    let form = |ends_on: &'static str, place: &'static str| {
        vec![
            ("school_id", school.clone()),
            ("intake_year", "2026".to_string()),
            ("starts_on", "2026-09-01".to_string()),
            ("ends_on", ends_on.to_string()),
            ("place", place.to_string()),
            ("bring", "录取通知书\r\n户口本复印件".to_string()),
            ("contact", "王老师 0371-64321234".to_string()),
        ]
    };
    let bad = form("2026-08-30", "");
    let refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/reporting-windows", &refs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("报到截止日期不能早于开始日期"), "{}", r.body);
    assert!(r.body.contains("此项必填"), "{}", r.body);
    assert!(r.body.contains("2026-08-30"), "what was typed is kept");
    assert_eq!(app.count("reporting_window").await, 0);

    let good = form("2026-09-03", "职教园区 3 号楼");
    let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/reporting-windows", &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get("/reporting-windows?intake_year=2026").await;
    assert!(page.body.contains("职教园区 3 号楼"), "{}", page.body);
    assert!(!page.body.contains("尚未设置"));
    assert_eq!(windows(&app, &s).await["items"][0]["bring"], "录取通知书\n户口本复印件");

    // A viewer sees the windows but gets no form, and cannot post one.
    let mut viewer = app.browser_as(Role::Viewer).await;
    let seen = viewer.get("/reporting-windows?intake_year=2026").await;
    assert!(seen.body.contains("职教园区 3 号楼"));
    assert!(!seen.body.contains("method=\"post\" action=\"/reporting-windows\""));
    let r = viewer.post("/reporting-windows", &refs).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
