//! Sign-in and public-form limits, tokens, device cookies, proxies (issue 11 items 4, 6, 13, 15).

// --- login limits, tokens, proxies (issue 11 items 4, 6, 13, 15) ---

use std::net::SocketAddr;

use entity::enums::Role;
use futures_util::future::join_all;
use poem::Body;
use poem::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::helpers::{Browser, PASSWORD, Reply, TestApp};

/// A login from a fresh browser (no cookies but the CSRF one).
async fn fresh_login(app: &TestApp, email: &str, password: &str) -> Reply {
    Browser::new(app).login(email, password).await
}

fn statuses(replies: &[Reply]) -> (usize, usize) {
    let checked = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let limited = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    (checked, limited)
}

#[tokio::test]
async fn thirty_parallel_wrong_passwords_for_one_account_reach_the_password_check_at_most_five_times() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let replies = join_all((0..30).map(|i| {
        let app = &app;
        async move { fresh_login(app, "clerk@school.cn", &format!("guess {i}")).await }
    }))
    .await;
    let (checked, limited) = statuses(&replies);
    assert!(checked <= 5, "{checked} wrong passwords were checked, limit 5");
    assert_eq!(checked + limited, 30, "every other attempt is refused with 429");
}

#[tokio::test]
async fn forty_parallel_wrong_passwords_from_one_address_reach_the_password_check_at_most_twenty_times() {
    let app = TestApp::spawn().await;
    let replies = join_all((0..40).map(|i| {
        let app = &app;
        async move { fresh_login(app, &format!("nobody{i}@school.cn"), "guess").await }
    }))
    .await;
    let (checked, limited) = statuses(&replies);
    assert!(
        checked <= 20,
        "{checked} attempts from one address were checked, limit 20"
    );
    assert_eq!(checked + limited, 40);
}

#[tokio::test]
async fn forty_parallel_public_lookups_from_one_address_are_held_to_thirty() {
    let app = TestApp::spawn().await;
    let replies = join_all((0..40).map(|i| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/public/registrations/ABCD1234?phone=138001380{i:02}"))
                .await
        }
    }))
    .await;
    let answered = replies.iter().filter(|r| r.status == StatusCode::NOT_FOUND).count();
    let limited = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        answered <= 30,
        "{answered} look-ups from one address were answered, limit 30"
    );
    assert_eq!(answered + limited, 40);
}

/// Five wrong passwords from a browser that never signed in lock the account for such browsers.
async fn lock_out_from_strangers(app: &TestApp, email: &str) {
    let mut attacker = Browser::new(app);
    for _ in 0..5 {
        attacker.login(email, "guess").await;
    }
    assert_eq!(
        attacker.login(email, PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "browsers without a device cookie stay limited"
    );
}

/// A browser that signed in to `email` (and so holds a device cookie for it), signed out again.
async fn known_browser<'a>(app: &'a TestApp, email: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    assert_eq!(b.login(email, PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert!(
        b.cookies.contains_key("vocpath_device"),
        "a device cookie is set at login"
    );
    b.post("/logout", &[]).await;
    b
}

#[tokio::test]
async fn a_browser_that_signed_in_before_is_not_locked_out_by_someone_elses_guesses() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let mut owner = Browser::new(&app);
    let first = owner.login("clerk@school.cn", PASSWORD).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let device = first
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("vocpath_device="))
        .expect("a device cookie is set at login")
        .to_string();
    assert!(device.contains("HttpOnly") && device.contains("SameSite"), "{device}");
    assert!(device.contains("Max-Age="), "long-lived: {device}");
    owner.post("/logout", &[]).await;

    lock_out_from_strangers(&app, "clerk@school.cn").await;
    let r = owner.login("clerk@school.cn", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn a_device_cookie_helps_only_its_own_account_and_is_limited_itself() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    app.user("other@school.cn", Role::Viewer).await;
    let mut b = known_browser(&app, "other@school.cn").await;
    lock_out_from_strangers(&app, "clerk@school.cn").await;
    // A device cookie for another account is no key to this one.
    assert_eq!(
        b.login("clerk@school.cn", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Guessing from a known browser is limited per device cookie.
    for _ in 0..5 {
        assert_eq!(
            b.login("other@school.cn", "guess").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(
        b.login("other@school.cn", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A forged cookie is worth nothing.
    let mut forged = Browser::new(&app);
    forged.cookies.insert("vocpath_device".into(), "x.y".into());
    assert_eq!(
        forged.login("clerk@school.cn", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// An admin (de)activates an account through the API.
async fn set_active(app: &TestApp, admin_token: &str, id: i32, active: bool) {
    let r = app
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(admin_token),
            Some(json!({ "active": active })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_deactivated_account_is_answered_exactly_like_a_wrong_password_and_counted() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    app.user("active@school.cn", Role::Viewer).await;
    let id = app.user("leaver@school.cn", Role::Viewer).await;
    set_active(&app, &admin, id, false).await;
    let wrong = fresh_login(&app, "active@school.cn", "wrong password").await;
    let right = fresh_login(&app, "leaver@school.cn", PASSWORD).await;
    assert_eq!(right.status, wrong.status);
    assert!(right.body.contains("邮箱或密码不正确"), "{}", right.body);
    assert!(!right.body.contains("停用"), "{}", right.body);
    for _ in 0..4 {
        fresh_login(&app, "leaver@school.cn", PASSWORD).await;
    }
    assert_eq!(
        fresh_login(&app, "leaver@school.cn", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "counted like failures"
    );
}

async fn token_for(app: &TestApp, user_id: i32) -> String {
    vocpath::auth::token::create_token(&app.state.db, &vocpath::audit::Actor::system("t"), user_id, "x")
        .await
        .expect("token")
        .1
}

async fn revocations_audited(app: &TestApp) -> usize {
    entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("token.revoke"))
        .all(&app.state.db)
        .await
        .expect("audit")
        .len()
}

#[tokio::test]
async fn resetting_a_password_revokes_the_users_tokens_with_an_audit_entry() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let id = app.user("forgetful@school.cn", Role::Mentor).await;
    let theirs = token_for(&app, id).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/users/{id}/reset-password"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me = app.api(Method::GET, "/api/v1/me", Some(&theirs), None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.body);
    assert_eq!(revocations_audited(&app).await, 1);
}

#[tokio::test]
async fn deactivation_revokes_tokens_for_good() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let id = app.user("leaver@school.cn", Role::Viewer).await;
    let theirs = token_for(&app, id).await;
    for active in [false, true] {
        set_active(&app, &admin, id, active).await;
    }
    let me = app.api(Method::GET, "/api/v1/me", Some(&theirs), None).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "reactivation revives no token");
    assert_eq!(revocations_audited(&app).await, 1);
}

#[tokio::test]
async fn a_pending_password_change_makes_tokens_answer_403_password_change_required() {
    let app = TestApp::spawn().await;
    let new = vocpath::auth::user::NewUser::parse("new@school.cn", "新同事", "viewer", None).expect("valid");
    let (u, _) = vocpath::auth::user::create_user(&app.state.db, &vocpath::audit::Actor::system("t"), new, 256, None)
        .await
        .expect("user");
    assert!(u.must_change_password);
    let theirs = token_for(&app, u.id).await;
    let r = app.api(Method::GET, "/api/v1/me", Some(&theirs), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["code"], "password_change_required");
}

#[tokio::test]
async fn changing_your_own_password_ends_your_other_sessions_but_keeps_this_one() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let mut here = Browser::new(&app);
    let mut elsewhere = Browser::new(&app);
    here.login("clerk@school.cn", PASSWORD).await;
    elsewhere.login("clerk@school.cn", PASSWORD).await;
    here.get("/account/password").await;
    let r = here
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a new passphrase"),
                ("confirm_password", "a new passphrase"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/?done=password_changed", "{}", r.body);
    assert_eq!(here.get("/account/tokens").await.status, StatusCode::OK);
    assert!(elsewhere.get("/account/tokens").await.location().starts_with("/login"));
}

#[tokio::test]
async fn the_first_admin_is_created_when_users_exist_but_no_active_admin() {
    let app = TestApp::spawn().await;
    app.user("zhaosheng@demo.vocpath", Role::Admissions).await;
    let created = vocpath::auth::user::ensure_first_admin(&app.state.db, "admin@county.cn", None, 256)
        .await
        .expect("ok");
    assert_eq!(created.map(|c| c.0).as_deref(), Some("admin@county.cn"));
    assert!(
        vocpath::auth::user::ensure_first_admin(&app.state.db, "admin@county.cn", None, 256)
            .await
            .expect("ok")
            .is_none(),
        "an active admin exists now"
    );
}

const PROXY: &str = "10.0.0.1";

fn peer(ip: &str) -> Option<SocketAddr> {
    Some(SocketAddr::new(ip.parse().expect("ip"), 40000))
}

/// A public look-up arriving from `from` with an optional `X-Forwarded-For`.
async fn lookup_via(app: &TestApp, from: &str, forwarded_for: Option<&str>, n: u32) -> StatusCode {
    let headers: Vec<(&str, &str)> = forwarded_for.map(|v| vec![("x-forwarded-for", v)]).unwrap_or_default();
    lookup_with(app, from, &headers, n).await
}

/// A public look-up arriving from `from` with these headers.
async fn lookup_with(app: &TestApp, from: &str, headers: &[(&str, &str)], n: u32) -> StatusCode {
    let headers: Vec<(&str, String)> = headers.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let path = format!("/api/v1/public/registrations/ABCD1234?phone=1380013{n:04}");
    app.request_from(peer(from), Method::GET, &path, &headers, Body::empty())
        .await
        .status
}

#[tokio::test]
async fn farmers_behind_a_trusted_proxy_are_limited_by_their_own_address() {
    let app = TestApp::spawn_with(&[
        ("VOCPATH_TRUSTED_PROXIES", "10.0.0.0/30, ::1"),
        ("VOCPATH_RATE_LIMIT_PUBLIC_ADDRESS", "2"),
    ])
    .await;
    // A spoofed left-most entry does not change who the proxy saw.
    for (n, chain) in [(1, "203.0.113.7"), (2, "1.2.3.4, 203.0.113.7")] {
        assert_eq!(lookup_via(&app, PROXY, Some(chain), n).await, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        lookup_via(&app, PROXY, Some("9.9.9.9, 203.0.113.7"), 3).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        lookup_via(&app, PROXY, Some("203.0.113.8"), 4).await,
        StatusCode::NOT_FOUND,
        "another farmer behind the same proxy is not limited"
    );
}

#[tokio::test]
async fn an_untrusted_peers_forwarded_header_is_ignored() {
    let app = TestApp::spawn_with(&[
        ("VOCPATH_TRUSTED_PROXIES", PROXY),
        ("VOCPATH_RATE_LIMIT_PUBLIC_ADDRESS", "2"),
    ])
    .await;
    for n in 1..=2 {
        let chain = format!("198.51.100.{n}");
        assert_eq!(
            lookup_via(&app, "192.0.2.9", Some(&chain), n).await,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        lookup_via(&app, "192.0.2.9", Some("198.51.100.3"), 3).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the header of an untrusted peer names nobody"
    );
}

#[tokio::test]
async fn no_first_admin_takes_over_an_account_holding_the_admin_email() {
    let app = TestApp::spawn().await;
    app.user("admin@county.cn", Role::Viewer).await;
    let r = vocpath::auth::user::ensure_first_admin(&app.state.db, "admin@county.cn", None, 256).await;
    match r {
        Err(vocpath::error::AppError::Conflict(m)) => assert_eq!(m.key, "error.first_admin_email_taken"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(app.count("user").await, 1, "nothing created, nobody promoted");
}

#[tokio::test]
async fn two_admins_deactivating_each_other_at_once_leave_one_active_admin() {
    let app = TestApp::spawn().await;
    let a = app.user("a@school.cn", Role::Admin).await;
    let b = app.user("b@school.cn", Role::Admin).await;
    let actor = vocpath::audit::Actor::system("t");
    let off = || vocpath::auth::user::UserChanges {
        active: Some(false),
        ..Default::default()
    };
    let db = &app.state.db;
    let (ra, rb) = tokio::join!(
        vocpath::auth::user::update_user(db, &actor, a, off()),
        vocpath::auth::user::update_user(db, &actor, b, off()),
    );
    assert!(ra.is_ok() != rb.is_ok(), "exactly one succeeds: {ra:?} {rb:?}");
    let refused = ra.err().or(rb.err()).expect("one refused");
    assert!(
        matches!(&refused, vocpath::error::AppError::Conflict(m) if m.key == "error.last_admin"),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_client_written_forwarded_header_is_ignored_behind_a_proxy_that_appends_x_forwarded_for() {
    // nginx's `$proxy_add_x_forwarded_for` appends the farmer's address to XFF and passes the
    // client's own `Forwarded` on untouched; a proxy set up for `forwarded` does the reverse.
    for (chosen, appended, forged) in [
        ("x-forwarded-for", "203.0.113.7", "forwarded"),
        ("forwarded", "for=203.0.113.7", "x-forwarded-for"),
    ] {
        let app = TestApp::spawn_with(&[
            ("VOCPATH_TRUSTED_PROXIES", PROXY),
            ("VOCPATH_FORWARDED_HEADER", chosen),
            ("VOCPATH_RATE_LIMIT_PUBLIC_ADDRESS", "2"),
        ])
        .await;
        for n in 1..=3 {
            let fake = format!("{}198.51.100.{n}", if forged == "forwarded" { "for=" } else { "" });
            let headers = [(chosen, appended), (forged, fake.as_str())];
            let expected = if n < 3 {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            assert_eq!(
                lookup_with(&app, PROXY, &headers, n).await,
                expected,
                "{chosen} chosen: a fresh `{forged}` per request is no fresh address"
            );
        }
    }
}

#[tokio::test]
async fn a_device_cookie_issued_before_a_password_reset_no_longer_bypasses_the_lock_out() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let id = app.user("clerk@school.cn", Role::Admissions).await;
    let mut stale = known_browser(&app, "clerk@school.cn").await;
    let path = format!("/api/v1/users/{id}/reset-password");
    let r = app.api(Method::POST, &path, Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let one_time = r.json()["one_time_password"].as_str().expect("password").to_string();
    lock_out_from_strangers(&app, "clerk@school.cn").await;
    assert_eq!(
        stale.login("clerk@school.cn", &one_time).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the cookie from before the reset counts as a stranger"
    );
}

#[tokio::test]
async fn a_device_cookie_issued_before_a_password_change_is_void() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let mut stale = known_browser(&app, "clerk@school.cn").await;
    let mut here = Browser::new(&app);
    here.login("clerk@school.cn", PASSWORD).await;
    here.get("/account/password").await;
    let new = "a new passphrase";
    let fields = [
        ("current_password", PASSWORD),
        ("new_password", new),
        ("confirm_password", new),
    ];
    assert_eq!(
        here.post("/account/password", &fields).await.location(),
        "/?done=password_changed"
    );
    lock_out_from_strangers(&app, "clerk@school.cn").await;
    assert_eq!(
        stale.login("clerk@school.cn", new).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn many_device_cookies_for_one_account_share_one_total_of_guesses() {
    let app = TestApp::spawn().await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let mut hoard = Vec::new();
    for _ in 0..5 {
        hoard.push(known_browser(&app, "clerk@school.cn").await);
    }
    let mut replies = Vec::new();
    for b in &mut hoard {
        for i in 0..5 {
            replies.push(b.login("clerk@school.cn", &format!("guess {i}")).await);
        }
    }
    let (checked, limited) = statuses(&replies);
    assert_eq!(
        checked, 20,
        "five cookies of five guesses each are held to the total of 20"
    );
    assert_eq!(limited, 5);
}
#[tokio::test]
async fn two_ipv6_addresses_in_one_64_share_the_public_form_limit() {
    let app = TestApp::spawn_with(&[("VOCPATH_RATE_LIMIT_PUBLIC_ADDRESS", "2")]).await;
    assert_eq!(
        lookup_via(&app, "2001:db8:1:2::1", None, 1).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        lookup_via(&app, "2001:db8:1:2:aaaa::9", None, 2).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        lookup_via(&app, "2001:db8:1:2:ffff:1:2:3", None, 3).await,
        StatusCode::TOO_MANY_REQUESTS,
        "a new address in the same /64 is the same subscriber"
    );
    assert_eq!(
        lookup_via(&app, "2001:db8:1:3::1", None, 4).await,
        StatusCode::NOT_FOUND,
        "the next /64 is someone else"
    );
    assert_eq!(lookup_via(&app, "192.0.2.1", None, 5).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_ipv6_addresses_in_one_64_share_the_sign_in_limit_and_the_audit_keeps_the_full_address() {
    let app = TestApp::spawn_with(&[("VOCPATH_RATE_LIMIT_LOGIN_ADDRESS", "2")]).await;
    app.user("clerk@school.cn", Role::Admissions).await;
    let from = |ip: &str| {
        let mut b = Browser::new(&app);
        b.peer = peer(ip);
        b
    };
    let (mut a, mut b) = (from("2001:db8:1:2::1"), from("2001:db8:1:2::2"));
    assert_eq!(
        a.login("one@school.cn", "guess").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        b.login("two@school.cn", "guess").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        b.login("three@school.cn", "guess").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mut owner = from("2001:db8:9:9::5");
    assert_eq!(
        owner.login("clerk@school.cn", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let login = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("session.login"))
        .one(&app.state.db)
        .await
        .expect("audit")
        .expect("audited");
    assert_eq!(login.client_ip.as_deref(), Some("2001:db8:9:9::5"));
}
