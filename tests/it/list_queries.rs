//! Query strings of the API's read operations: an undeclared parameter or a value outside an enum
//! parameter's set is refused (422, naming it and what is accepted) instead of silently ignored.

use entity::enums::Role;
use poem::Body;
use poem::http::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{Reply, TestApp};

/// Asserts a 422 problem naming `field`, whose message contains every one of `mentions`.
fn assert_refused(r: &Reply, field: &str, mentions: &[&str]) -> Value {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    let body = r.json();
    assert_eq!(body["code"], "invalid_input", "{body}");
    assert_eq!(body["fields"][0]["field"], field, "{body}");
    let message = body["fields"][0]["message"].as_str().unwrap_or_default();
    for m in mentions {
        assert!(message.contains(m), "`{m}` missing in {message}");
    }
    body
}

#[tokio::test]
async fn an_unknown_query_parameter_is_refused_naming_the_accepted_ones() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    app.seed_student("张三", "410181200602024058", 2020).await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/students?tonw=%E7%B1%B3%E6%B2%B3%E9%95%87",
            Some(&token),
            None,
        )
        .await;
    let body = assert_refused(&r, "tonw", &["tonw", "town", "national_id", "status", "per_page"]);
    assert_eq!(body["fields"][0]["code"], "parameter_unknown", "{body}");
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("tonw")), "{body}");
    // The declared one still filters.
    let r = app
        .api(Method::GET, "/api/v1/students?town=nowhere", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["total"], 0);
    // Other lists, including ones with no filter but paging, and a read with no parameters at all.
    for (path, field, accepted) in [
        ("/api/v1/tokens?mine=1", "mine", "per_page"),
        ("/api/v1/households?village=x", "village", "town"),
        ("/api/v1/ledger?tonw=x", "tonw", "town"),
        ("/api/v1/training-sessions?course=1", "course", "page"),
        (
            "/api/v1/mentor-assignments/overdue?mentor_id=1",
            "mentor_id",
            "per_page",
        ),
        ("/api/v1/me?verbose=1", "verbose", "no query parameters"),
    ] {
        let r = app.api(Method::GET, path, Some(&token), None).await;
        assert_refused(&r, field, &[field, accepted]);
    }
    // Public lists too, in the client's language.
    let r = app
        .request(
            Method::GET,
            "/api/v1/public/training-sessions?city=x",
            &[("accept-language", "zh-CN".to_string())],
            Body::empty(),
        )
        .await;
    assert_refused(&r, "city", &["未知的查询参数", "town", "course_id"]);
}

#[tokio::test]
async fn a_value_outside_an_enum_parameter_is_refused_naming_the_allowed_values() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    for (path, field, allowed) in [
        (
            "/api/v1/students?status=bogus",
            "status",
            &["awaiting_placement", "graduated_not_employed"][..],
        ),
        (
            "/api/v1/outbox?status=lost",
            "status",
            &["queued", "failed", "unknown"][..],
        ),
        (
            "/api/v1/mentor-assignments?status=maybe",
            "status",
            &["assigned", "replaced"][..],
        ),
        (
            "/api/v1/routing-runs/1/placements?outcome=nope",
            "outcome",
            &["placed"][..],
        ),
    ] {
        let r = app.api(Method::GET, path, Some(&token), None).await;
        let body = assert_refused(&r, field, allowed);
        assert_eq!(body["fields"][0]["code"], "parameter_value_invalid", "{body}");
    }
    for path in [
        "/api/v1/students?status=awaiting_placement",
        "/api/v1/outbox?status=failed",
        "/api/v1/mentor-assignments?status=accepted&per_page=5",
    ] {
        let r = app.api(Method::GET, path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(r.json()["total"], 0, "{path}");
    }
}

#[tokio::test]
async fn a_refused_look_up_by_national_id_is_not_run_and_not_audited() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admissions).await;
    app.seed_student("张三", "410181200602024058", 2020).await;
    let audits = app.count("audit_log").await;
    let r = app
        .api(
            Method::GET,
            "/api/v1/students?national_id=410181200602024058&tonw=x",
            Some(&token),
            None,
        )
        .await;
    assert_refused(&r, "tonw", &["national_id"]);
    assert!(!r.body.contains("张三"), "{}", r.body);
    assert_eq!(app.count("audit_log").await, audits, "no look-up happened");
}
