//! Sign-in, sessions, rate limits, CSRF, roles (401 vs 403) and API tokens.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Browser, PASSWORD, TestApp};

#[tokio::test]
async fn signing_in_opens_a_session_with_safe_cookie_attributes() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let mut b = Browser::new(&app);
    let r = b.login("Clerk@School.cn ", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    let set_cookie: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("vocpath_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "no Secure flag over plain http");
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("测试用户"));
}

#[tokio::test]
async fn a_wrong_password_shows_a_clear_message_and_no_session() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let mut b = Browser::new(&app);
    let r = b.login("clerk@school.cn", "wrong password").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("邮箱或密码不正确"), "{}", r.body);
    assert!(!b.cookies.contains_key("vocpath_session"));
    assert_eq!(app.count("session").await, 0);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while_even_with_the_right_password() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        assert_eq!(
            b.login("clerk@school.cn", "guess").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let r = b.login("clerk@school.cn", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("分钟后再试"), "{}", r.body);
}

#[tokio::test]
async fn many_failures_from_one_address_are_limited_across_accounts() {
    let app = TestApp::spawn().await;
    app.user("victim@school.cn", Role::Viewer).await;
    let mut b = Browser::new(&app);
    for i in 0..20 {
        b.login(&format!("nobody{i}@school.cn"), "guess").await;
    }
    let r = b.login("victim@school.cn", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_before_anything_else() {
    let app = TestApp::spawn().await;
    let mut admin = app.browser_as(Role::Admin).await;
    admin.get("/admin/users/new").await;
    let created = admin
        .post(
            "/admin/users",
            &[("email", "new@school.cn"), ("name", "王老师"), ("role", "mentor")],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let start = created.body.find("<code>").expect("password shown") + 6;
    let otp = created.body[start..created.body[start..].find("</code>").expect("end") + start].to_string();

    let mut b = Browser::new(&app);
    assert_eq!(b.login("new@school.cn", &otp).await.location(), "/account/password");
    assert_eq!(b.get("/account/tokens").await.location(), "/account/password");
    b.get("/account/password").await;
    let mismatch = b
        .post(
            "/account/password",
            &[
                ("current_password", &otp),
                ("new_password", "my own secret"),
                ("confirm_password", "different"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.body.contains("不一致"));
    let ok = b
        .post(
            "/account/password",
            &[
                ("current_password", &otp),
                ("new_password", "my own secret"),
                ("confirm_password", "my own secret"),
            ],
        )
        .await;
    assert_eq!(ok.location(), "/?done=password_changed");
    assert_eq!(b.get("/account/tokens").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_form_without_the_csrf_token_is_rejected_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut admin = app.browser_as(Role::Admin).await;
    let users = app.count("user").await;
    let r = admin
        .post_raw(
            "/admin/users",
            &[("email", "x@school.cn"), ("name", "X"), ("role", "viewer")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("刷新页面"), "{}", r.body);
    let forged = admin
        .post_raw(
            "/admin/users",
            &[
                ("email", "x@school.cn"),
                ("name", "X"),
                ("role", "viewer"),
                ("csrf_token", "forged"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("user").await, users);
}

#[tokio::test]
async fn login_itself_needs_the_csrf_token() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let mut b = Browser::new(&app);
    let r = b
        .post_raw("/login", &[("email", "clerk@school.cn"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_session_id_is_renewed_at_login_and_ended_at_logout() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let mut b = Browser::new(&app);
    b.get("/login").await;
    b.cookies.insert("vocpath_session".into(), "planted-by-attacker".into());
    b.post("/login", &[("email", "clerk@school.cn"), ("password", PASSWORD)])
        .await;
    let session = b.cookies.get("vocpath_session").expect("session").clone();
    assert_ne!(session, "planted-by-attacker");
    b.get("/").await;
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.location(), "/login");
    assert_eq!(app.count("session").await, 0);
    let mut stale = Browser::new(&app);
    stale.cookies.insert("vocpath_session".into(), session);
    assert!(stale.get("/").await.location().starts_with("/login"));
}

#[tokio::test]
async fn deactivating_a_user_ends_their_sessions_and_tokens() {
    let app = TestApp::spawn().await;
    let admin_token = app.token(Role::Admin).await;
    let id = app.user("leaver@school.cn", Role::Viewer).await;
    let mut b = Browser::new(&app);
    b.login("leaver@school.cn", PASSWORD).await;
    let leaver_token = vocpath::auth::token::create_token(&app.state.db, &vocpath::audit::Actor::system("t"), id, "x")
        .await
        .expect("token")
        .1;
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&admin_token),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(b.get("/").await.location().starts_with("/login"));
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&leaver_token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let again = b.login("leaver@school.cn", PASSWORD).await;
    assert!(
        again.body.contains("邮箱或密码不正确"),
        "answered like a wrong password: {}",
        again.body
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted() {
    let app = TestApp::spawn().await;
    let token = app.token(Role::Admin).await;
    let me = app.api(Method::GET, "/api/v1/me", Some(&token), None).await.json();
    let id = me["id"].as_i64().expect("id");
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&token),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["code"], "last_admin");
}

#[tokio::test]
async fn the_api_answers_401_without_a_token_and_403_for_the_wrong_role() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/users", "/api/v1/audit-log"] {
        let r = app.api(Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.json()["code"], "unauthenticated");
        let r = app.api(Method::GET, path, Some("vp_not-a-real-token"), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        for role in [Role::Admissions, Role::Mentor, Role::Viewer] {
            let token = app.token(role).await;
            let r = app.api(Method::GET, path, Some(&token), None).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path} as {role:?}");
            assert_eq!(r.json()["code"], "forbidden");
        }
        let admin = app.token(Role::Admin).await;
        assert_eq!(
            app.api(Method::GET, path, Some(&admin), None).await.status,
            StatusCode::OK,
            "{path} as admin"
        );
    }
    for role in Role::ALL {
        let token = app.token(role).await;
        assert_eq!(
            app.api(Method::GET, "/api/v1/me", Some(&token), None).await.json()["role"],
            role.as_str()
        );
    }
}

#[tokio::test]
async fn pages_redirect_anonymous_visitors_to_login_and_refuse_the_wrong_role() {
    let app = TestApp::spawn().await;
    let mut anon = Browser::new(&app);
    let r = anon.get("/admin/users").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Fadmin%2Fusers");
    for role in [Role::Admissions, Role::Mentor, Role::Viewer] {
        let mut b = app.browser_as(role).await;
        for page in ["/admin/users", "/admin/audit"] {
            let r = b.get(page).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{page} as {role:?}");
            assert!(r.body.contains("无权"), "{}", r.body);
        }
        let home = b.get("/").await;
        assert!(
            !home.body.contains("/admin/users"),
            "navigation hides what the role cannot use"
        );
        assert_eq!(b.get("/account/tokens").await.status, StatusCode::OK);
    }
    let mut admin = app.browser_as(Role::Admin).await;
    for page in [
        "/admin/users",
        "/admin/audit",
        "/admin/users/new",
        "/account/tokens",
        "/",
    ] {
        assert_eq!(admin.get(page).await.status, StatusCode::OK, "{page} as admin");
    }
}

#[tokio::test]
async fn a_token_created_on_the_portal_works_until_revoked() {
    let app = TestApp::spawn().await;
    let mut b = app.browser_as(Role::Viewer).await;
    b.get("/account/tokens").await;
    let empty = b.post("/account/tokens", &[("name", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("api_token").await, 0);
    let page = b.post("/account/tokens", &[("name", "县统计系统")]).await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.body.find("<code>vp_").expect("token shown") + 6;
    let token = page.body[start..start + page.body[start..].find("</code>").expect("end")].to_string();
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&token), None).await.status,
        StatusCode::OK
    );
    let stored: Vec<String> = {
        use sea_orm::EntityTrait;
        entity::api_token::Entity::find()
            .all(&app.state.db)
            .await
            .expect("tokens")
            .into_iter()
            .map(|t| t.token_hash)
            .collect()
    };
    assert!(!stored.contains(&token), "only the hash is stored");
    let id = {
        use sea_orm::EntityTrait;
        entity::api_token::Entity::find()
            .one(&app.state.db)
            .await
            .expect("q")
            .expect("row")
            .id
    };
    b.get("/account/tokens").await;
    let revoked = b.post(&format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(revoked.location(), "/account/tokens?done=token_revoked");
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&token), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_can_be_managed_through_the_api_but_only_ones_own() {
    let app = TestApp::spawn().await;
    let a = app.token(Role::Admissions).await;
    let b = app.token(Role::Admissions).await;
    let created = app
        .api(Method::POST, "/api/v1/tokens", Some(&a), Some(json!({"name": "sync"})))
        .await
        .json();
    let id = created["details"]["id"].as_i64().expect("id");
    assert!(created["token"].as_str().expect("token").starts_with("vp_"));
    let r = app
        .api(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(&b), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "someone else's token is invisible");
    let r = app
        .api(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(&a), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["revoked_at"].is_string());
    let list = app.api(Method::GET, "/api/v1/tokens", Some(&a), None).await.json();
    assert_eq!(list["items"].as_array().expect("list").len(), 2);
    assert_eq!(list["total"], 2);
}

#[tokio::test]
async fn admins_reset_passwords_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let id = app.user("forgetful@school.cn", Role::Mentor).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/users/{id}/reset-password"),
            Some(&admin),
            None,
        )
        .await
        .json();
    let otp = r["one_time_password"].as_str().expect("otp").to_string();
    let mut b = Browser::new(&app);
    assert_eq!(
        b.login("forgetful@school.cn", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        b.login("forgetful@school.cn", &otp).await.location(),
        "/account/password"
    );
}

#[tokio::test]
async fn the_navigation_reaches_every_page_the_role_may_use() {
    let app = TestApp::spawn().await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let home = clerk.get("/").await;
    for href in [
        "/students",
        "/imports/new",
        "/follow-ups",
        "/programmes",
        "/rule-sets",
        "/routing-runs",
        "/ledger",
        "/admin/outbox",
        "/account/tokens",
    ] {
        assert!(
            home.body.contains(&format!("href=\"{href}\"")),
            "{href} missing from the navigation"
        );
        assert_eq!(clerk.get(href).await.status, StatusCode::OK, "{href}");
    }
    assert!(!home.body.contains("href=\"/admin/users\""));
    let mut viewer = app.browser_as(Role::Viewer).await;
    let home = viewer.get("/").await;
    assert!(home.body.contains("href=\"/students\"") && !home.body.contains("href=\"/imports/new\""));
}
