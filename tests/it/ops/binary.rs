//! The binary carries its templates, catalogues and static files: run from an empty folder with no
//! `VOCPATH_ASSETS_DIR`, it serves the login page, the dashboard after sign-in, the farmers' pages
//! and its stylesheet.

use super::process::{Client, Served};

const ADMIN: &str = "ops-admin@county.cn";
const FIRST_PASSWORD: &str = "first-password-2026";
const NEW_PASSWORD: &str = "a-new-password-for-years";

#[tokio::test]
async fn the_binary_run_from_an_empty_folder_serves_every_kind_of_page() {
    let cwd = tempfile::tempdir().expect("cwd");
    let data = tempfile::tempdir().expect("data");
    let served = Served::start(
        cwd.path(),
        &[
            ("VOCPATH_DATA_DIR", data.path().join("data").display().to_string()),
            ("VOCPATH_ADMIN_EMAIL", ADMIN.to_string()),
            ("VOCPATH_ADMIN_PASSWORD", FIRST_PASSWORD.to_string()),
        ],
    )
    .await;
    let mut c = Client::new(&served.base);
    let health = c.get("/healthz").await;
    assert_eq!(health.status, 200, "{}", health.body);
    let health: serde_json::Value = serde_json::from_str(&health.body).expect("json");
    assert_eq!(health["migrations"]["current"], true, "{health}");
    assert_eq!(
        health["outbox_worker"]["alive"], true,
        "the worker started with serve: {health}"
    );

    let login = c.get("/login").await;
    assert_eq!(login.status, 200, "{}", served.log());
    assert!(login.body.contains("登录"), "{}", login.body);
    let signed_in = c
        .post("/login", &[("email", ADMIN), ("password", FIRST_PASSWORD)])
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.header("location"), "/account/password");
    c.get("/account/password").await;
    let changed = c
        .post(
            "/account/password",
            &[
                ("current_password", FIRST_PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);

    let dashboard = c.get("/dashboard").await;
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    assert!(dashboard.body.contains("/static/app.css"), "{}", dashboard.body);
    for path in ["/train", "/train/my", "/train/interest", "/train/certificates"] {
        let page = c.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.body.contains("<html"), "{path}");
    }

    let css = c.get("/static/app.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert!(css.header("cache-control").contains("no-cache"));
    assert!(css.body.len() > 100);
    let etag = css.header("etag").to_string();
    assert!(etag.starts_with('"'), "{etag}");
    let again = c.get_with("/static/app.css", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    let js = c.get("/static/app.js").await;
    assert_eq!(js.header("content-type"), "text/javascript; charset=utf-8");
    assert_eq!(c.get("/static/nothing.css").await.status, 404);

    let made: Vec<_> = std::fs::read_dir(cwd.path())
        .expect("cwd")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(made, ["vocpath.log"], "nothing written where it was started");
}
