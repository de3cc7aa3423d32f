//! Sessions that have started look started: no seats left, no registration, no capacity or move
//! forms (and the endpoints refuse them); registering answers with a redirect to the confirmation
//! (POST-redirect-GET), so a refresh registers nothing.

use chrono::Duration as Days;
use entity::enums::Role;
use poem::http::{Method, StatusCode, header};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::helpers::TestApp;
use crate::training::{session, set_dates, world};

async fn capacity_of(app: &TestApp, s: i32) -> i32 {
    entity::training_session::Entity::find_by_id(s)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("session")
        .capacity
}

const FARMER: [(&str, &str); 4] = [
    ("name", "王大明"),
    ("phone", "13800138000"),
    ("town", "米河镇"),
    ("village", "新庄村"),
];

#[tokio::test]
async fn a_started_session_shows_no_seats_and_offers_no_registration_nor_changes() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 5).await;
    let mut phone = crate::helpers::Browser::new(&app);
    let open = phone.get(&format!("/train/sessions/{s}")).await;
    assert!(open.body.contains("剩余 5 个名额"), "{}", open.body);
    let r = phone.post(&format!("/train/sessions/{s}"), &FARMER).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    set_dates(&app, s, -1, 1).await;
    // The farmer's page: started, no seats-left count, no form.
    let page = phone.get(&format!("/train/sessions/{s}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("已开班"), "{}", page.body);
    assert!(
        !page.body.contains("剩余"),
        "no seats left on a started session: {}",
        page.body
    );
    assert!(!page.body.contains("名额已满"), "{}", page.body);
    assert!(!page.body.contains(&format!("action=\"/train/sessions/{s}\"")));
    // The roster: no capacity or move forms, and why.
    let mut clerk = app.browser_as(Role::Admissions).await;
    let roster = clerk.get(&format!("/training/sessions/{s}")).await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.body);
    assert!(
        !roster
            .body
            .contains(&format!("action=\"/training/sessions/{s}/capacity\""))
    );
    assert!(!roster.body.contains(&format!("action=\"/training/sessions/{s}/move\"")));
    assert!(roster.body.contains("名额和时间不能再调整"), "{}", roster.body);
    let list = clerk.get("/training").await;
    assert!(
        list.body.contains("<small class=\"tag\">已开班</small>"),
        "{}",
        list.body
    );
    // The endpoints refuse them with the reason, and nothing changes.
    let r = clerk
        .post(&format!("/training/sessions/{s}/capacity"), &[("capacity", "8")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("这期培训已开班，不能再调整名额或时间"), "{}", r.body);
    let today = vocpath::clock::today();
    let r = clerk
        .post(
            &format!("/training/sessions/{s}/move"),
            &[
                ("venue_id", &w.venue.to_string()),
                ("instructor_id", &w.instructor.to_string()),
                ("starts_on", &(today + Days::days(20)).to_string()),
                ("ends_on", &(today + Days::days(21)).to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("这期培训已开班"), "{}", r.body);
    let token = app.token(Role::Admin).await;
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/training-sessions/{s}/capacity"),
            Some(&token),
            Some(json!({"capacity": 8})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(capacity_of(&app, s).await, 5);
    // Hostile input is refused as input, not as a crash.
    for bad in ["99999999999999999999", "-1", "８", "\u{0}"] {
        let r = app
            .request(
                Method::PUT,
                &format!("/api/v1/training-sessions/{s}/capacity"),
                &[
                    ("authorization", format!("Bearer {token}")),
                    ("content-type", "application/json".into()),
                ],
                poem::Body::from_string(format!("{{\"capacity\": {bad:?}}}")),
            )
            .await;
        assert!(r.status.is_client_error(), "{bad:?}: {} {}", r.status, r.body);
    }
    assert_eq!(capacity_of(&app, s).await, 5);
    // Finished: said so.
    set_dates(&app, s, -5, -3).await;
    let page = phone.get(&format!("/train/sessions/{s}")).await;
    assert!(
        page.body.contains("已结束") && !page.body.contains("剩余"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn registering_redirects_to_the_confirmation_and_a_refresh_registers_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 1).await;
    let mut phone = crate::helpers::Browser::new(&app);
    phone.get(&format!("/train/sessions/{s}")).await;
    let r = phone.post(&format!("/train/sessions/{s}"), &FARMER).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/train/registered", "nothing about the farmer in the URL");
    let set = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("vocpath_registered="))
        .expect("the confirmation cookie")
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Max-Age=1800"),
        "{set}"
    );
    let code = entity::registration::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row")
        .code;
    assert!(!set.contains(&code), "the code is not in the cookie");
    for _ in 0..2 {
        let page = phone.get("/train/registered").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("报名成功") && page.body.contains(&code),
            "{}",
            page.body
        );
    }
    assert_eq!(
        app.count("registration").await,
        1,
        "refreshing the page registers nothing"
    );
    // Another browser, or a cookie altered to name someone else's registration, sees nothing.
    let mut stranger = crate::helpers::Browser::new(&app);
    let page = stranger.get("/train/registered").await;
    assert!(
        !page.body.contains(&code) && page.body.contains("请用手机号和确认码查询"),
        "{}",
        page.body
    );
    let mut forger = crate::helpers::Browser::new(&app);
    let mine = phone.cookies.get("vocpath_registered").cloned().unwrap_or_default();
    let id = mine.split('.').next().unwrap_or_default();
    forger.cookies.insert(
        "vocpath_registered".into(),
        mine.replacen(id, &(id.parse::<i32>().unwrap_or(0) + 1).to_string(), 1),
    );
    let page = forger.get("/train/registered").await;
    assert!(page.body.contains("请用手机号和确认码查询"), "{}", page.body);
    // The next farmer is waitlisted and the page says where, as it stands now.
    let mut second = crate::helpers::Browser::new(&app);
    second.get(&format!("/train/sessions/{s}")).await;
    let next = FARMER.map(|(k, v)| (k, if k == "phone" { "13900139000" } else { v }));
    let r = second.post(&format!("/train/sessions/{s}"), &next).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = second.get("/train/registered").await;
    assert!(page.body.contains("候补第 1 位"), "{}", page.body);
    // Once cancelled, the page no longer shows it.
    phone.get("/train/my").await;
    let r = phone
        .post("/train/my/cancel", &[("phone", "13800138000"), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = phone.get("/train/registered").await;
    assert!(!page.body.contains(&code), "{}", page.body);
    let page = second.get("/train/registered").await;
    assert!(
        page.body.contains("报名成功"),
        "promoted from the waitlist: {}",
        page.body
    );
}
