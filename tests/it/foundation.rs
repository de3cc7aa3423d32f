//! Health, the OpenAPI document, migrations, the first admin, static assets.

use poem::http::StatusCode;
use vocpath::auth::user::ensure_first_admin;

use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_is_200_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["database"], "ok");
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.clone().close().await.expect("close pool");
    let r = app.get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["status"], "unavailable");
}

/// sqlx's default pings a pooled connection each time it is handed out: one more round trip
/// for every statement (a student page's seven queries made fourteen trips to the connection's
/// thread on SQLite, and to the server on PostgreSQL).
#[tokio::test]
async fn a_pooled_connection_is_not_pinged_before_every_query() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let pinged_each_time = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => db.get_sqlite_connection_pool().options().get_test_before_acquire(),
        sea_orm::DbBackend::Postgres => db.get_postgres_connection_pool().options().get_test_before_acquire(),
        other => panic!("unexpected backend {other:?}"),
    };
    assert!(!pinged_each_time);
    // Many statements in a row still work with the pings gone.
    for _ in 0..20 {
        assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_openapi_document_is_openapi_3_and_lists_the_operations() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let spec = r.json();
    assert!(spec["openapi"].as_str().expect("version").starts_with("3."));
    for path in ["/users", "/users/{id}", "/tokens", "/tokens/{id}", "/audit-log", "/me"] {
        assert!(spec["paths"].get(path).is_some(), "{path} missing from the spec");
    }
    assert!(spec["components"]["securitySchemes"].get("BearerAuth").is_some());
    assert!(spec["components"]["schemas"].get("Problem").is_some());
}

#[tokio::test]
async fn swagger_ui_is_served() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/docs/").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.to_lowercase().contains("swagger"));
}

#[tokio::test]
async fn migrations_can_be_applied_again_without_change() {
    let app = TestApp::spawn().await;
    vocpath::db::migrate(&app.state.db)
        .await
        .expect("second run is a no-op");
    assert_eq!(app.count("user").await, 0);
}

#[tokio::test]
async fn the_student_lists_order_by_name_and_record_is_one_index_on_both_databases() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let definition = |name: &str| {
        let sql = match backend {
            DbBackend::Postgres => format!("SELECT indexdef AS d FROM pg_indexes WHERE indexname = '{name}'"),
            _ => format!("SELECT sql AS d FROM sqlite_master WHERE type = 'index' AND name = '{name}'"),
        };
        Statement::from_string(backend, sql)
    };
    let found = db
        .query_one_raw(definition("idx_student_name_id"))
        .await
        .expect("query")
        .expect("the index on (name, id)");
    let text: String = found.try_get("", "d").expect("definition");
    assert!(text.replace('"', "").contains("(name, id)"), "{text}");
    assert!(
        db.query_one_raw(definition("idx_student_name"))
            .await
            .expect("query")
            .is_none(),
        "the index on the name alone is replaced"
    );
    if backend == DbBackend::Sqlite {
        // The ids of a numbered page come from a walk of that index, not from a sort. EXPLAIN alone
        // does not check the schema's version, so a pooled connection opened before the migration
        // would plan with the index it remembers: a read in the same transaction loads the schema.
        use sea_orm::TransactionTrait;
        let txn = db.begin().await.expect("begin");
        txn.execute_unprepared("SELECT count(*) FROM student")
            .await
            .expect("read");
        let plan = txn
            .query_all_raw(Statement::from_string(
                backend,
                "EXPLAIN QUERY PLAN SELECT id FROM student ORDER BY name ASC, id ASC LIMIT 50 OFFSET 100",
            ))
            .await
            .expect("plan");
        txn.commit().await.expect("end");
        let steps: Vec<String> = plan
            .iter()
            .map(|r| r.try_get::<String>("", "detail").expect("detail"))
            .collect();
        assert!(steps.iter().any(|s| s.contains("idx_student_name_id")), "{steps:?}");
        assert!(!steps.iter().any(|s| s.contains("TEMP B-TREE")), "{steps:?}");
    }
}

#[tokio::test]
async fn the_first_admin_is_created_once_with_a_one_time_password() {
    let app = TestApp::spawn().await;
    let (email, pw) = ensure_first_admin(&app.state.db, "admin@county.cn", None, 256)
        .await
        .expect("ok")
        .expect("created");
    assert_eq!(email, "admin@county.cn");
    let pw = pw.expect("generated password is returned to print");
    assert!(pw.len() >= 16);
    assert!(
        ensure_first_admin(&app.state.db, "admin@county.cn", None, 256)
            .await
            .expect("ok")
            .is_none()
    );
    assert_eq!(app.count("user").await, 1);

    // The printed password signs in, and the admin must change it first.
    let mut b = crate::helpers::Browser::new(&app);
    let r = b.login("admin@county.cn", &pw).await;
    assert_eq!(r.location(), "/account/password");
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/account/password");
}

#[tokio::test]
async fn a_configured_admin_password_is_not_printed() {
    let app = TestApp::spawn().await;
    let created = ensure_first_admin(&app.state.db, "admin@county.cn", Some("from-the-environment"), 256)
        .await
        .expect("ok")
        .expect("created");
    assert!(created.1.is_none());
}

#[tokio::test]
async fn the_login_page_is_in_chinese_with_local_assets_only() {
    let app = TestApp::spawn().await;
    let r = app.get("/login").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("登录"), "{}", r.body);
    assert!(r.body.contains("lang=\"zh-CN\""));
    assert!(
        !r.body.contains("http://") && !r.body.contains("https://"),
        "no external assets"
    );
    let css = app.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type().starts_with("text/css"));
}

#[tokio::test]
async fn english_is_one_click_away_and_remembered() {
    let app = TestApp::spawn().await;
    let mut b = crate::helpers::Browser::new(&app);
    let r = b.get("/lang/en?next=/login").await;
    assert_eq!(r.location(), "/login");
    let page = b.get("/login").await;
    assert!(page.body.contains("Sign in"), "{}", page.body);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz").await;
    assert!(r.headers.get("x-request-id").is_some());
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_report_the_outbox_and_pool() {
    let app = TestApp::spawn_with(&[("VOCPATH_METRICS_TOKEN", "metrics-token-0123456789")]).await;
    app.get("/healthz").await;
    app.get("/api/v1/users/12").await;
    let r = app
        .request(
            poem::http::Method::GET,
            "/metrics",
            &[("authorization", "Bearer metrics-token-0123456789".to_string())],
            poem::Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/plain"));
    assert!(
        r.body
            .contains("vocpath_http_requests_total{route=\"/healthz\",status=\"200\"} 1"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("route=\"/api/v1/users/:param0\",status=\"401\""),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("vocpath_http_request_duration_seconds_bucket{route=\"/healthz\",status=\"200\",le=\"+Inf\"} 1")
    );
    assert!(r.body.contains("vocpath_outbox_queued 0"));
    assert!(r.body.contains("vocpath_db_pool_connections "));
}

#[tokio::test]
async fn the_demo_county_fills_a_dashboard_whose_figures_add_up_with_charts_and_exports() {
    let app = crate::helpers::TestApp::spawn().await;
    let report = vocpath::demo::load_sized(&app.state, 300).await.expect("demo");
    assert!(
        report.lines.iter().any(|l| l.contains("routing run committed")),
        "{:?}",
        report.lines
    );
    // Training attendance is per day and certificates follow the rule: every certificate in force
    // has at least 80 % of its hours; each finished session shows one revoked after a correction.
    let certificates = <entity::certificate::Entity as sea_orm::EntityTrait>::find()
        .all(&app.state.db)
        .await
        .expect("certificates");
    let (revoked, valid): (Vec<_>, Vec<_>) = certificates.iter().partition(|c| c.revoked_at.is_some());
    assert!(valid.len() > 20, "{} certificates", valid.len());
    assert!(valid.iter().all(|c| c.hours * 100 >= 80 * c.course_hours));
    assert_eq!(revoked.len(), 2, "{revoked:?}");
    assert!(revoked.iter().all(|c| c.hours * 100 < 80 * c.course_hours));
    assert!(app.count("attendance_day").await > 100);
    // A second run refuses: the database is no longer empty.
    assert!(vocpath::demo::load_sized(&app.state, 300).await.is_err());
    let mut b = crate::helpers::Browser::new(&app);
    let r = b.login("zhaosheng@demo.vocpath", vocpath::demo::DEMO_PASSWORD).await;
    assert_eq!(r.status, poem::http::StatusCode::SEE_OTHER, "{}", r.body);
    let home = b.get("/").await;
    assert_eq!(home.status, poem::http::StatusCode::OK, "{}", home.body);
    assert!(home.body.contains("统计看板"), "the dashboard is the home page");
    assert!(home.body.matches("<svg class=\"chart\"").count() >= 6, "six charts");
    assert!(home.body.contains("核对无误"), "the funnel adds up: {}", home.body);
    // The demo tells the offer-to-classroom story: reports, declines, no-shows, one brought back.
    let story = report
        .lines
        .iter()
        .find(|l| l.contains("reporting at the first school"))
        .expect("the reporting line");
    assert!(story.contains("no-shows"), "{story}");
    assert!(
        home.body.contains("录取到报到") && home.body.contains("未报到"),
        "the dashboard shows reporting"
    );
    assert!(home.body.contains("数控技术应用"));
    for table in ["funnel", "fill", "loads", "waves", "outcomes", "training"] {
        let csv = b.get(&format!("/dashboard?export={table}&format=csv")).await;
        assert_eq!(csv.status, poem::http::StatusCode::OK, "{table}");
        assert!(
            csv.content_type().starts_with("text/csv"),
            "{table}: {}",
            csv.content_type()
        );
        let xlsx = b.get(&format!("/dashboard?export={table}&format=xlsx")).await;
        assert!(xlsx.content_type().contains("spreadsheetml"), "{table}");
    }
    assert_eq!(
        b.get("/dashboard?export=nope").await.status,
        poem::http::StatusCode::NOT_FOUND
    );
    // The filter form sends an empty school for the county and a year from the list.
    let county = b.get("/dashboard?year=&school=").await;
    assert_eq!(county.status, poem::http::StatusCode::OK, "{}", county.body);
    let one = b.get("/dashboard?school=1").await;
    assert!(
        one.body.contains("全县人数"),
        "a school's funnel says what is county-wide"
    );
    let xlsx = b.get("/dashboard?school=1&export=fill&format=xlsx").await;
    assert_eq!(
        xlsx.status,
        poem::http::StatusCode::OK,
        "a long school name does not break the sheet name"
    );
    let summary = b.get("/dashboard/summary?school=1").await;
    assert_eq!(summary.status, poem::http::StatusCode::OK);
    assert!(summary.body.contains("年度工作汇总") && summary.body.contains("巩义市第一中等职业学校"));
    // The pages of each capability are populated.
    for path in [
        "/students",
        "/routing-runs",
        "/ledger",
        "/mentoring",
        "/mentoring/overdue",
        "/training",
        "/admin/outbox",
    ] {
        let r = b.get(path).await;
        assert!(
            r.status == poem::http::StatusCode::OK || r.status == poem::http::StatusCode::FORBIDDEN,
            "{path}: {}",
            r.status
        );
    }
    // Farmers' interest: a proposal at the 米河 base, and a course nobody can teach yet, said so.
    let training = b.get("/training").await;
    assert!(
        training.body.contains("米河实训基地") && training.body.contains("没有能讲授“家政服务”的讲师"),
        "{}",
        training.body
    );
    let mut farmer = crate::helpers::Browser::new(&app);
    let list = farmer.get("/train").await;
    assert!(list.body.contains("日光温室蔬菜种植"), "{}", list.body);
}
