//! Readiness: `/healthz` names the database, the migrations and the outbox worker; `vocpath migrate
//! --status` lists applied and pending migrations without applying them.

use poem::http::StatusCode;
use sea_orm::ConnectionTrait;

use super::process::vocpath_command;
use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_says_the_migrations_are_current_and_no_worker_runs_in_this_process() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["migrations"]["current"], true);
    assert_eq!(body["migrations"]["pending"], serde_json::json!([]));
    assert_eq!(body["outbox_worker"]["running"], false);
}

#[tokio::test]
async fn healthz_is_503_while_a_migration_is_pending() {
    let app = TestApp::spawn().await;
    let status = vocpath::health::migration_status(&app.state.db).await.expect("status");
    let newest = status.applied.last().expect("applied").clone();
    app.state
        .db
        .execute_unprepared(&format!("DELETE FROM seaql_migrations WHERE version = '{newest}'"))
        .await
        .expect("forget the newest migration");
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    let body = r.json();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["migrations"]["current"], false);
    assert_eq!(body["migrations"]["pending"], serde_json::json!([newest]));
}

#[tokio::test]
async fn healthz_is_503_when_the_outbox_worker_stopped_going_round() {
    let app = TestApp::spawn().await;
    app.state
        .outbox_heartbeat
        .beat_at(chrono::Utc::now() - chrono::Duration::minutes(10));
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    let worker = &r.json()["outbox_worker"];
    assert_eq!(worker["running"], true);
    assert_eq!(worker["alive"], false);
    assert!(
        worker["last_loop_seconds_ago"].as_f64().expect("age") >= 600.0,
        "{worker}"
    );
    app.state.outbox_heartbeat.beat();
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["outbox_worker"]["alive"], true);
}

#[test]
fn migrate_status_lists_pending_migrations_without_applying_them() {
    let root = tempfile::tempdir().expect("root");
    let data = root.path().join("data").display().to_string();
    let run = |args: &[&str]| {
        let out = vocpath_command(root.path(), &[("VOCPATH_DATA_DIR", data.clone())])
            .args(args)
            .output()
            .expect("run vocpath");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let before = run(&["migrate", "--status"]);
    assert!(before.contains("pending  m20261129_000001_create_user"), "{before}");
    assert!(!before.contains("applied  "), "{before}");
    assert!(
        before.contains("0 applied,") && before.contains("run `vocpath migrate`"),
        "{before}"
    );
    assert_eq!(run(&["migrate", "--status"]), before, "--status changes nothing");
    run(&["migrate"]);
    let after = run(&["migrate", "--status"]);
    assert!(after.contains("applied  m20261129_000001_create_user"), "{after}");
    assert!(!after.contains("pending  "), "{after}");
    assert!(after.contains("none pending: the database is current"), "{after}");
}
