//! Every write leaves an audit entry; admins read and filter them on the API and the portal.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn writes_are_audited_with_actor_action_record_and_summary() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let created = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({"email": "t@school.cn", "name": "T", "role": "viewer"})),
        )
        .await
        .json();
    let id = created["user"]["id"].as_i64().expect("id");
    app.api(
        Method::PATCH,
        &format!("/api/v1/users/{id}"),
        Some(&admin),
        Some(json!({"role": "mentor"})),
    )
    .await;
    app.api(
        Method::POST,
        &format!("/api/v1/users/{id}/reset-password"),
        Some(&admin),
        None,
    )
    .await;

    let log = app
        .api(
            Method::GET,
            &format!("/api/v1/audit-log?record_type=user&record_id={id}"),
            Some(&admin),
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, vec!["user.reset_password", "user.update", "user.create"]);
    let update = &log["items"][1];
    assert!(update["actor"].as_str().expect("actor").starts_with("admin-"));
    assert!(update["summary"].as_str().expect("summary").contains("viewer → mentor"));
}

#[tokio::test]
async fn the_audit_log_filters_by_action_user_and_date() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    app.api(
        Method::POST,
        "/api/v1/tokens",
        Some(&admin),
        Some(json!({"name": "one"})),
    )
    .await;
    let by_action = app
        .api(Method::GET, "/api/v1/audit-log?action=token.create", Some(&admin), None)
        .await
        .json();
    assert!(by_action["total"].as_u64().expect("total") >= 2);
    let future = app
        .api(
            Method::GET,
            "/api/v1/audit-log?from=2999-01-01T00:00:00Z",
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(future["total"], 0);
    let me = app.api(Method::GET, "/api/v1/me", Some(&admin), None).await.json();
    let mine = app
        .api(
            Method::GET,
            &format!("/api/v1/audit-log?user_id={}", me["id"]),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert!(
        mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|e| e["user_id"] == me["id"])
    );
    let bad = app
        .api(Method::GET, "/api/v1/audit-log?from=yesterday", Some(&admin), None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_audit_page_shows_entries_and_explains_a_bad_date() {
    let app = TestApp::spawn().await;
    let mut admin = app.browser_as(Role::Admin).await;
    let page = admin.get("/admin/audit?action=session.login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("session.login"), "{}", page.body);
    let bad = admin.get("/admin/audit?from=2026-13-40").await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("日期“2026-13-40”无效"), "{}", bad.body);
}

#[tokio::test]
async fn a_rejected_write_leaves_no_audit_entry() {
    let app = TestApp::spawn().await;
    let mut admin = app.browser_as(Role::Admin).await;
    let before = app.count("audit_log").await;
    admin.get("/admin/users/new").await;
    let r = admin
        .post("/admin/users", &[("email", "bad"), ("name", ""), ("role", "king")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("邮箱格式不正确") && r.body.contains("请填写姓名") && r.body.contains("角色“king”无效"),
        "{}",
        r.body
    );
    assert_eq!(app.count("audit_log").await, before);
}
