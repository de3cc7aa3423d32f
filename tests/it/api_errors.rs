//! Every API error is RFC 9457 problem details with a stable code; never a 500, never plain text.

use entity::enums::Role;
use poem::Body;
use poem::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

fn assert_problem(r: &crate::helpers::Reply, status: StatusCode, code: &str) -> serde_json::Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(
        r.content_type().starts_with("application/problem+json"),
        "content type {}",
        r.content_type()
    );
    let p = r.json();
    assert_eq!(p["status"], status.as_u16());
    assert_eq!(p["code"], code, "{p}");
    assert!(p["type"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()));
    p
}

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/users",
            &[
                ("authorization", format!("Bearer {token}")),
                ("content-type", "application/json".into()),
            ],
            Body::from_string("{\"email\": ".into()),
        )
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "malformed_json");
}

#[tokio::test]
async fn wrong_types_and_unknown_enum_values_are_422_problems_naming_the_field() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&token),
            Some(json!({"email": "a@b.cn", "name": "A", "role": "superuser"})),
        )
        .await;
    let p = assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert_eq!(p["fields"][0]["field"], "role", "{p}");
    let r = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&token),
            Some(json!({"email": 5, "name": "A", "role": "viewer"})),
        )
        .await;
    let p = assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert_eq!(p["fields"][0]["field"], "email", "{p}");
    let r = app
        .api(Method::POST, "/api/v1/users", Some(&token), Some(json!([1, 2])))
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
}

#[tokio::test]
async fn invalid_field_values_are_all_reported_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let (users, audits) = (app.count("user").await, app.count("audit_log").await);
    let r = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&token),
            Some(json!({"email": "not-an-email", "name": "  ", "role": "viewer", "password": "short"})),
        )
        .await;
    let p = assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let fields: Vec<&str> = p["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("name"))
        .collect();
    assert_eq!(fields, vec!["email", "name"], "{p}");
    assert_eq!(p["fields"][0]["code"], "email_invalid");
    assert_eq!(app.count("user").await, users);
    assert_eq!(app.count("audit_log").await, audits);
}

#[tokio::test]
async fn a_duplicate_email_is_a_field_error_not_a_500() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let body = json!({"email": "dup@school.cn", "name": "A", "role": "viewer"});
    assert_eq!(
        app.api(Method::POST, "/api/v1/users", Some(&token), Some(body.clone()))
            .await
            .status,
        StatusCode::OK
    );
    let r = app.api(Method::POST, "/api/v1/users", Some(&token), Some(body)).await;
    let p = assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert_eq!(p["fields"][0]["code"], "email_taken");
}

#[tokio::test]
async fn unknown_routes_and_records_are_404_problems() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    assert_problem(
        &app.api(Method::GET, "/api/v1/no-such-thing", Some(&token), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_problem(&app.get("/api/nothing-here").await, StatusCode::NOT_FOUND, "not_found");
    assert_problem(
        &app.api(Method::GET, "/api/v1/users/999999", Some(&token), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn bad_path_and_query_parameters_are_422_problems() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let p = assert_problem(
        &app.api(Method::GET, "/api/v1/users/abc", Some(&token), None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_eq!(p["fields"][0]["field"], "path");
    let p = assert_problem(
        &app.api(Method::GET, "/api/v1/users?page=minus", Some(&token), None)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_input",
    );
    assert_eq!(p["fields"][0]["field"], "page");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    assert_problem(
        &app.api(Method::PUT, "/api/v1/tokens", Some(&token), None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}

#[tokio::test]
async fn an_oversize_body_is_a_413_problem() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let r = app
        .request(
            Method::POST,
            "/api/v1/tokens",
            &[
                ("authorization", format!("Bearer {token}")),
                ("content-type", "application/json".into()),
                ("content-length", huge.len().to_string()),
            ],
            Body::from_string(format!("{{\"name\": \"{huge}\"}}")),
        )
        .await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415_problem() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let r = app
        .request(
            Method::POST,
            "/api/v1/tokens",
            &[
                ("authorization", format!("Bearer {token}")),
                ("content-type", "text/plain".into()),
            ],
            Body::from_string("hi".into()),
        )
        .await;
    assert_problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test]
async fn problem_details_speak_chinese_when_asked() {
    let app = TestApp::spawn().await;
    let r = app
        .request(
            Method::GET,
            "/api/v1/me",
            &[("accept-language", "zh-CN".into())],
            Body::empty(),
        )
        .await;
    let p = assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(p["detail"].as_str().expect("detail").contains("登录"));
}

#[tokio::test]
async fn lists_share_one_pagination_shape() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    for i in 0..3 {
        app.user(&format!("u{i}@school.cn"), Role::Viewer).await;
    }
    let p = app
        .api(Method::GET, "/api/v1/users?page=2&per_page=2", Some(&token), None)
        .await
        .json();
    assert_eq!(p["page"], 2);
    assert_eq!(p["per_page"], 2);
    assert_eq!(p["total"], 4);
    assert_eq!(p["pages"], 2);
    assert_eq!(p["items"].as_array().expect("items").len(), 2);
    let audit = app
        .api(Method::GET, "/api/v1/audit-log?per_page=1", Some(&token), None)
        .await
        .json();
    for key in ["items", "page", "per_page", "total", "pages"] {
        assert!(audit.get(key).is_some(), "{key} missing");
    }
}
