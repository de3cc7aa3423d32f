//! Farmer training: conflicts, proposals from interest, registration, the burst, the waitlist,
//! SMS through a gateway, attendance and certificates, rate limits.

use entity::public_attempt::PublicAction;
use entity::registration::RegistrationStatus;
use std::time::Duration;

use chrono::{Duration as Days, NaiveDate};
use entity::enums::Role;
use poem::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use vocpath::audit::Actor;
use vocpath::training::registrations::{self, Canceller, RegistrationForm};
use vocpath::training::schedule::{self, Plan};
use vocpath::training::setup::{self, BaseForm, CourseForm, InstructorForm};

use crate::helpers::TestApp;

pub(crate) struct World {
    pub(crate) venue: i32,
    pub(crate) small_venue: i32,
    pub(crate) course: i32,
    pub(crate) instructor: i32,
    pub(crate) other_instructor: i32,
}

pub(crate) fn in_days(n: i64) -> NaiveDate {
    vocpath::clock::today() + Days::days(n)
}

pub(crate) async fn world(app: &TestApp) -> World {
    let actor = Actor::system("test");
    let base = setup::create_base(
        &app.state.db,
        &actor,
        BaseForm {
            name: "米河实训基地".into(),
            address: "米河镇政府东 200 米".into(),
            town: "米河镇".into(),
            open_days: "1234567".into(),
            venues: "实训大棚: 40\n小教室: 10".into(),
            ..Default::default()
        }
        .parse()
        .expect("base"),
    )
    .await
    .expect("base");
    let cat = setup::catalogue(&app.state.db).await.expect("catalogue");
    let venue = cat.venues.iter().find(|v| v.seats == 40).expect("venue").id;
    let small_venue = cat.venues.iter().find(|v| v.seats == 10).expect("venue").id;
    let course = setup::create_course(
        &app.state.db,
        &actor,
        CourseForm {
            title: "设施蔬菜种植".into(),
            skill_area: "设施蔬菜".into(),
            hours: "12".into(),
            min_cohort: "3".into(),
            max_cohort: "40".into(),
            household_first: true,
            description: String::new(),
            completion_share: String::new(),
        }
        .parse()
        .expect("course"),
    )
    .await
    .expect("course")
    .id;
    let mut instructors = Vec::new();
    for (name, skills) in [("刘师傅", "设施蔬菜"), ("陈师傅", "电工")] {
        let i = setup::create_instructor(
            &app.state.db,
            &actor,
            InstructorForm {
                name: name.into(),
                skills: skills.into(),
                ..Default::default()
            }
            .parse()
            .expect("instructor"),
        )
        .await
        .expect("instructor");
        instructors.push(i.id);
    }
    let _ = base;
    World {
        venue,
        small_venue,
        course,
        instructor: instructors[0],
        other_instructor: instructors[1],
    }
}

pub(crate) async fn session(app: &TestApp, w: &World, from: i64, capacity: i32) -> i32 {
    schedule::create_session(
        &app.state.db,
        &Actor::system("test"),
        Plan {
            course_id: w.course,
            venue_id: w.venue,
            instructor_id: w.instructor,
            starts_on: in_days(from),
            ends_on: in_days(from + 1),
            capacity,
        },
    )
    .await
    .expect("session")
    .id
}

pub(crate) fn farmer(n: usize) -> RegistrationForm {
    RegistrationForm {
        name: format!(
            "农户{}",
            n.to_string()
                .chars()
                .map(|c| "零一二三四五六七八九"
                    .chars()
                    .nth(c.to_digit(10).unwrap_or(0) as usize)
                    .unwrap_or('零'))
                .collect::<String>()
        ),
        phone: format!("139{n:08}"),
        town: "米河镇".into(),
        village: "新庄村".into(),
        ..Default::default()
    }
}

async fn count(app: &TestApp, session: i32, status: RegistrationStatus) -> u64 {
    entity::registration::Entity::find()
        .filter(entity::registration::Column::SessionId.eq(session))
        .filter(entity::registration::Column::Status.eq(status))
        .count(&app.state.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_thousand_simultaneous_registrations_for_30_seats_give_30_confirmed_and_970_waitlisted_in_order() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 30).await;
    let mut tasks = Vec::new();
    for n in 0..1000 {
        let db = app.state.db.clone();
        tasks.push(tokio::spawn(async move {
            let input = farmer(n).parse().expect("valid");
            registrations::register(
                &db,
                &Default::default(),
                s,
                input,
                &format!("10.0.{}.{}", n / 250, n % 250),
            )
            .await
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.expect("join").expect("no errors"));
    }
    let confirmed: Vec<_> = outcomes
        .iter()
        .filter(|o| o.status == RegistrationStatus::Confirmed)
        .collect();
    assert_eq!(confirmed.len(), 30);
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| o.status == RegistrationStatus::Waitlisted)
            .count(),
        970
    );
    assert_eq!(count(&app, s, RegistrationStatus::Confirmed).await, 30);
    let stored = entity::training_session::Entity::find_by_id(s)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("session");
    assert_eq!((stored.confirmed, stored.arrivals), (30, 1000));
    // Arrival order: the confirmed are the first 30 to arrive, the waitlist numbers the rest 1..970.
    let rows = registrations::roster(&app.state.db, s).await.expect("roster");
    let arrivals: Vec<i32> = rows.iter().map(|r| r.arrival).collect();
    assert_eq!(arrivals, (1..=1000).collect::<Vec<i32>>());
    assert!(rows[..30].iter().all(|r| r.status == RegistrationStatus::Confirmed));
    let mut positions: Vec<u64> = outcomes.iter().filter_map(|o| o.position).collect();
    positions.sort_unstable();
    assert_eq!(positions, (1..=970).collect::<Vec<u64>>());
    // Codes are unique.
    let codes: std::collections::HashSet<&str> = outcomes.iter().map(|o| o.code.as_str()).collect();
    assert_eq!(codes.len(), 1000);
}

#[tokio::test]
async fn every_conflict_is_refused_with_its_reason_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let first = session(&app, &w, 20, 30).await;
    let _ = first;
    let actor = Actor::system("test");
    let try_plan = |venue: i32, instructor: i32, from: i64, to: i64, capacity: i32| Plan {
        course_id: w.course,
        venue_id: venue,
        instructor_id: instructor,
        starts_on: in_days(from),
        ends_on: in_days(to),
        capacity,
    };
    let harvest = setup::NewBlackout {
        name: "三夏麦收".into(),
        starts_on: in_days(40),
        ends_on: in_days(50),
    };
    setup::create_blackout(&app.state.db, &actor, harvest)
        .await
        .expect("blackout");
    for (plan, code) in [
        (try_plan(w.venue, w.instructor, 21, 22, 30), "venue_booked"),
        (try_plan(w.small_venue, w.instructor, 21, 21, 10), "instructor_booked"),
        (
            try_plan(w.small_venue, w.other_instructor, 30, 30, 10),
            "instructor_skill",
        ),
        (try_plan(w.small_venue, w.instructor, 30, 30, 12), "venue_too_small"),
        (try_plan(w.venue, w.instructor, 45, 46, 30), "blackout"),
        (try_plan(w.venue, w.instructor, 0, 0, 30), "session_not_future"),
    ] {
        let r = schedule::create_session(&app.state.db, &actor, plan).await;
        let Err(vocpath::error::AppError::Invalid(e)) = r else {
            panic!("{code}: expected a refusal, got {r:?}")
        };
        assert!(e.iter().any(|f| f.msg.key == format!("error.{code}")), "{code}: {e:?}");
    }
    assert_eq!(app.count("training_session").await, 1, "nothing written");
    // A base closed on some weekdays refuses those days.
    let closed = setup::create_base(
        &app.state.db,
        &actor,
        BaseForm {
            name: "鲁庄基地".into(),
            address: "鲁庄镇".into(),
            town: "鲁庄镇".into(),
            open_days: "6".into(),
            venues: "教室: 50".into(),
            ..Default::default()
        }
        .parse()
        .expect("base"),
    )
    .await
    .expect("base");
    let venue = setup::catalogue(&app.state.db)
        .await
        .expect("cat")
        .venues
        .into_iter()
        .find(|v| v.base_id == closed.id)
        .expect("venue");
    let not_saturday = (30..37)
        .find(|d| in_days(*d).format("%u").to_string() != "6")
        .expect("day");
    let r = schedule::create_session(
        &app.state.db,
        &actor,
        try_plan(venue.id, w.instructor, not_saturday, not_saturday, 20),
    )
    .await;
    let Err(vocpath::error::AppError::Invalid(e)) = r else {
        panic!("expected closed")
    };
    assert_eq!(e[0].msg.key, "error.base_closed");
    // Through the API the reasons come as problem details naming the fields, in the user's words.
    let admin = app.token(Role::Admin).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/training-sessions",
            Some(&admin),
            Some(json!({"course_id": w.course, "venue_id": w.venue, "instructor_id": w.other_instructor, "starts_on": in_days(20), "ends_on": in_days(20), "capacity": 50})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let codes: Vec<String> = r.json()["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(codes.contains(&"venue_too_small".to_string()), "{codes:?}");
    assert!(codes.contains(&"instructor_skill".to_string()));
    assert!(codes.contains(&"venue_booked".to_string()));
    assert_eq!(app.count("training_session").await, 1);
}

#[tokio::test]
async fn a_cancellation_or_more_seats_promote_the_waitlist_in_order_household_first() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 2).await;
    let household = app.seed_student("学生", "410181200602024058", 2026).await;
    let hh: entity::student::Model = entity::student::Entity::find_by_id(household)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("student");
    let hh_number = entity::household::Entity::find_by_id(hh.household_id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("household")
        .registration_number;
    let mut done = Vec::new();
    for n in 0..5 {
        let mut f = farmer(n);
        if n == 3 {
            // A neighbour's number typed by someone else: kept, but no priority and no link.
            f.household_number = hh_number.clone();
        }
        if n == 4 {
            // The household's head: verified, goes first.
            f.household_number = hh_number.clone();
            f.name = "户主".into();
        }
        done.push(
            registrations::register(
                &app.state.db,
                &app.state.config.rate_limits.public,
                s,
                f.parse().expect("valid"),
                "10.0.0.1",
            )
            .await
            .expect("registered"),
        );
    }
    assert_eq!(done[2].position, Some(1));
    assert_eq!(done[4].status, RegistrationStatus::Waitlisted);
    assert_eq!(
        done[4].position,
        Some(1),
        "a registered household goes first on this course's waitlist"
    );
    assert_eq!(done[3].position, Some(2));
    let neighbour = entity::registration::Entity::find_by_id(done[3].id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(
        (neighbour.household_id, neighbour.household_number.as_deref()),
        (None, Some(hh_number.as_str()))
    );
    assert_eq!(
        registrations::waitlist_position(&app.state.db, &neighbour)
            .await
            .expect("position"),
        3,
        "an unverified household number gives no priority: the household's head went ahead"
    );
    // The same phone again: a clear conflict, nothing written.
    let again = registrations::register(
        &app.state.db,
        &app.state.config.rate_limits.public,
        s,
        farmer(0).parse().expect("valid"),
        "10.0.0.2",
    )
    .await;
    assert!(
        matches!(again, Err(vocpath::error::AppError::Conflict(ref m)) if m.key == "error.phone_has_place"),
        "{again:?}"
    );
    assert_eq!(app.count("registration").await, 5);
    // Farmer 0 cancels with phone + code: the household farmer is promoted and told.
    registrations::cancel(
        &app.state.db,
        Canceller::Farmer {
            phone: "13900000000",
            code: &done[0].code,
            client_ip: "10.0.0.1",
            limits: &app.state.config.rate_limits.public,
        },
    )
    .await
    .expect("cancel");
    let promoted = entity::registration::Entity::find_by_id(done[4].id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(promoted.status, RegistrationStatus::Confirmed);
    let sms = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("training_promoted"))
        .all(&app.state.db)
        .await
        .expect("q");
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].recipient, "13900000004");
    assert_eq!(sms[0].channel, entity::outbox::Channel::Sms);
    // Cancelling twice is refused.
    let twice = registrations::cancel(
        &app.state.db,
        Canceller::Farmer {
            phone: "13900000000",
            code: &done[0].code,
            client_ip: "10.0.0.1",
            limits: &app.state.config.rate_limits.public,
        },
    )
    .await;
    assert!(twice.is_err());
    // More seats: the next two waitlisted (in arrival order) are promoted.
    registrations::set_capacity(&app.state.db, &Actor::system("test"), s, 4)
        .await
        .expect("capacity");
    assert_eq!(count(&app, s, RegistrationStatus::Confirmed).await, 4);
    assert_eq!(count(&app, s, RegistrationStatus::Waitlisted).await, 0);
    // Never below the confirmed farmers, never above the venue.
    assert!(
        registrations::set_capacity(&app.state.db, &Actor::system("test"), s, 3)
            .await
            .is_err()
    );
    assert!(
        registrations::set_capacity(&app.state.db, &Actor::system("test"), s, 41)
            .await
            .is_err()
    );
}

/// An SMS gateway stand-in on 127.0.0.1 that records each request body.
async fn sms_gateway() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use poem::{EndpointExt, Route, post};
    let got: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let store = got.clone();
    let app = Route::new()
        .at(
            "/send",
            post(poem::endpoint::make(move |mut req: poem::Request| {
                let store = store.clone();
                async move {
                    let body = req.take_body().into_string().await.unwrap_or_default();
                    if let Ok(mut g) = store.lock() {
                        g.push(body);
                    }
                    "ok"
                }
            })),
        )
        .boxed();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    tokio::spawn(poem::Server::new(poem::listener::TcpListener::bind(format!("127.0.0.1:{port}"))).run(app));
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (port, got)
}

#[tokio::test]
async fn text_messages_reach_the_gateway_with_the_configured_body() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 1).await;
    let (port, got) = sms_gateway().await;
    let config = vocpath::config::SmsConfig {
        url: vocpath::config::Secret::new(format!("http://127.0.0.1:{port}/send")),
        method: "POST".into(),
        body: r#"{"to":"{phone}","text":"{message}"}"#.into(),
        content_type: "application/json".into(),
    };
    let sms = vocpath::sms::SmsSender::from_config(Some(&config)).expect("sender");
    let first = registrations::register(
        &app.state.db,
        &app.state.config.rate_limits.public,
        s,
        farmer(1).parse().expect("v"),
        "10.0.0.1",
    )
    .await
    .expect("registered");
    registrations::register(
        &app.state.db,
        &app.state.config.rate_limits.public,
        s,
        farmer(2).parse().expect("v"),
        "10.0.0.1",
    )
    .await
    .expect("waitlisted");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let d = vocpath::outbox::deliver_due_sms(&app.state.db, &sms, 10, &stop)
        .await
        .expect("deliver");
    assert_eq!(d.sent, 2);
    let bodies = got.lock().map(|g| g.clone()).unwrap_or_default();
    assert_eq!(bodies.len(), 2);
    let v: Value = serde_json::from_str(&bodies[0]).expect("json body");
    assert_eq!(v["to"], "13900000001");
    let text = v["text"].as_str().expect("text");
    assert!(text.contains("设施蔬菜种植") && text.contains(&first.code), "{text}");
    let v: Value = serde_json::from_str(&bodies[1]).expect("json body");
    assert!(v["text"].as_str().expect("text").contains("候补"));
    // Sent once.
    let again = vocpath::outbox::deliver_due_sms(&app.state.db, &sms, 10, &stop)
        .await
        .expect("deliver");
    assert_eq!(again.sent, 0);
    // A gateway that answers 500 means a retry, with the error kept.
    let broken = vocpath::config::SmsConfig {
        url: vocpath::config::Secret::new(format!("http://127.0.0.1:{port}/missing")),
        ..config
    };
    let sms = vocpath::sms::SmsSender::from_config(Some(&broken)).expect("sender");
    registrations::cancel(
        &app.state.db,
        Canceller::Farmer {
            phone: "13900000001",
            code: &first.code,
            client_ip: "10.0.0.1",
            limits: &app.state.config.rate_limits.public,
        },
    )
    .await
    .expect("cancel");
    let d = vocpath::outbox::deliver_due_sms(&app.state.db, &sms, 10, &stop)
        .await
        .expect("deliver");
    assert_eq!((d.sent, d.retried), (0, 2), "the cancellation and the promotion");
    let row = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("training_promoted"))
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert!(
        row.last_error.as_deref().unwrap_or("").contains("405")
            || row.last_error.as_deref().unwrap_or("").contains("404"),
        "{:?}",
        row.last_error
    );
}

pub(crate) async fn set_dates(app: &TestApp, session: i32, from: i64, to: i64) {
    entity::training_session::Entity::update_many()
        .col_expr(
            entity::training_session::Column::StartsOn,
            sea_orm::sea_query::Expr::value(in_days(from)),
        )
        .col_expr(
            entity::training_session::Column::EndsOn,
            sea_orm::sea_query::Expr::value(in_days(to)),
        )
        .filter(entity::training_session::Column::Id.eq(session))
        .exec(&app.state.db)
        .await
        .expect("dates");
}

#[tokio::test]
async fn a_farmer_on_a_phone_finds_a_session_registers_checks_and_cancels() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 1).await;
    let mut phone = crate::helpers::Browser::new(&app);
    let list = phone.get("/train").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("设施蔬菜种植") && list.body.contains("剩余 1 个名额"),
        "{}",
        list.body
    );
    assert!(!list.body.contains("<script"), "no JavaScript on the farmers' pages");
    assert!(list.body.len() < 12_000, "a small page: {} bytes", list.body.len());
    assert!(list.body.contains(&format!("href=\"/train/sessions/{s}\"")));
    let filtered = phone.get("/train?town=%E9%B2%81%E5%BA%84%E9%95%87").await;
    assert_eq!(filtered.status, StatusCode::OK);
    assert!(
        !filtered.body.contains(&format!("href=\"/train/sessions/{s}\"")),
        "another town"
    );
    let form = phone.get(&format!("/train/sessions/{s}")).await;
    assert_eq!(form.status, StatusCode::OK);
    // Bad input: every problem next to its field, nothing written.
    let bad = phone
        .post(
            &format!("/train/sessions/{s}"),
            &[
                ("name", ""),
                ("phone", "1380013800"),
                ("town", "米河镇"),
                ("village", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("class=\"err\""), "{}", bad.body);
    assert_eq!(bad.body.matches("class=\"err\"").count(), 3, "{}", bad.body);
    assert_eq!(app.count("registration").await, 0);
    // A good registration shows the code.
    let fields = [
        ("name", "王大明"),
        ("phone", "138 0013 8000"),
        ("town", "米河镇"),
        ("village", "新庄村"),
    ];
    let ok = phone.post(&format!("/train/sessions/{s}"), &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let ok = phone.get(ok.location()).await;
    assert!(ok.body.contains("报名成功"));
    let code = entity::registration::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row")
        .code;
    assert!(ok.body.contains(&code));
    // Confirmation by text message (no email from the public form).
    let queued = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("training_confirmed"))
        .all(&app.state.db)
        .await
        .expect("q");
    let channels: Vec<&str> = queued.iter().map(|q| q.channel.as_str()).collect();
    assert_eq!(channels, ["sms"]);
    // The same phone again: a clear message on the form, not an error page.
    phone.get(&format!("/train/sessions/{s}")).await;
    let again = phone.post(&format!("/train/sessions/{s}"), &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("已经报名了这期培训"), "{}", again.body);
    assert!(again.body.contains("<form"), "the form is shown again");
    // A second farmer goes on the waitlist.
    phone.get(&format!("/train/sessions/{s}")).await;
    let second = phone
        .post(
            &format!("/train/sessions/{s}"),
            &[
                ("name", "李小红"),
                ("phone", "13900139000"),
                ("town", "米河镇"),
                ("village", "新庄村"),
            ],
        )
        .await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    let second = phone.get(second.location()).await;
    assert!(second.body.contains("候补第 1 位"), "{}", second.body);
    // Check with phone + code; a wrong code says so.
    phone.get("/train/my").await;
    let wrong = phone
        .post("/train/my", &[("phone", "13800138000"), ("code", "00000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.body.contains("不匹配"));
    let found = phone
        .post("/train/my", &[("phone", "13800138000"), ("code", &code)])
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains("已报名") && found.body.contains("取消报名"),
        "{}",
        found.body
    );
    let cancelled = phone
        .post("/train/my/cancel", &[("phone", "13800138000"), ("code", &code)])
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.body);
    assert!(cancelled.body.contains("已取消报名"));
    assert_eq!(
        count(&app, s, RegistrationStatus::Confirmed).await,
        1,
        "the waitlisted farmer moved up"
    );
    // Unknown and past sessions.
    let missing = phone.get("/train/sessions/9999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("没有找到这期培训"));
    set_dates(&app, s, -1, 0).await;
    let closed = phone.get(&format!("/train/sessions/{s}")).await;
    assert!(closed.body.contains("已停止报名"));
    let late = phone
        .post(
            &format!("/train/sessions/{s}"),
            &[
                ("name", "赵四"),
                ("phone", "13700137000"),
                ("town", "米河镇"),
                ("village", "新庄村"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body.contains("已停止报名"));
}

#[tokio::test]
async fn the_public_api_registers_checks_and_cancels_and_refuses_bad_input() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 5).await;
    let list = app
        .api(Method::GET, "/api/v1/public/training-sessions", None, None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json()["items"][0]["seats_left"], 5);
    let bad = app
        .api(
            Method::POST,
            &format!("/api/v1/public/training-sessions/{s}/registrations"),
            None,
            Some(json!({"name": "王大明", "phone": "12345", "town": "米河镇", "village": "新庄村"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["fields"][0]["field"], "phone");
    let unknown = app
        .api(
            Method::POST,
            "/api/v1/public/training-sessions/999/registrations",
            None,
            Some(json!({"name": "王大明", "phone": "13800138000", "town": "米河镇", "village": "新庄村"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let ok = app
        .api(
            Method::POST,
            &format!("/api/v1/public/training-sessions/{s}/registrations"),
            None,
            Some(json!({"name": "王大明", "phone": "13800138000", "town": "米河镇", "village": "新庄村"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let body = ok.json();
    assert_eq!(body["status"], "confirmed");
    let code = body["code"].as_str().expect("code").to_string();
    let dup = app
        .api(
            Method::POST,
            &format!("/api/v1/public/training-sessions/{s}/registrations"),
            None,
            Some(json!({"name": "王大明", "phone": "13800138000", "town": "米河镇", "village": "新庄村"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.json()["code"], "phone_has_place");
    let check = app
        .api(
            Method::GET,
            &format!("/api/v1/public/registrations/{code}?phone=13800138000"),
            None,
            None,
        )
        .await;
    assert_eq!(check.status, StatusCode::OK);
    assert_eq!(check.json()["status"], "confirmed");
    let wrong_phone = app
        .api(
            Method::GET,
            &format!("/api/v1/public/registrations/{code}?phone=13900139000"),
            None,
            None,
        )
        .await;
    assert_eq!(wrong_phone.status, StatusCode::NOT_FOUND);
    let gone = app
        .api(
            Method::DELETE,
            &format!("/api/v1/public/registrations/{code}?phone=13800138000"),
            None,
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    assert_eq!(gone.json()["status"], "cancelled");
}

#[tokio::test]
async fn public_forms_are_rate_limited_per_address_and_per_phone() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 40).await;
    // Per phone: five look-ups are fine, more are refused for a while (codes cannot be guessed).
    for n in 0..app.state.config.rate_limits.public.lookups_per_phone {
        let r = registrations::lookup(
            &app.state.db,
            &app.state.config.rate_limits.public,
            "13800138000",
            &format!("{n:08}"),
            &format!("10.1.0.{n}"),
        )
        .await;
        assert!(matches!(r, Err(vocpath::error::AppError::NotFound(_))), "{r:?}");
    }
    let r = registrations::lookup(
        &app.state.db,
        &app.state.config.rate_limits.public,
        "13800138000",
        "12345678",
        "10.1.1.1",
    )
    .await;
    assert!(matches!(r, Err(vocpath::error::AppError::TooManyRequests(_))), "{r:?}");
    // Cancelling with guessed codes counts against the same limit.
    let r = registrations::cancel(
        &app.state.db,
        Canceller::Farmer {
            phone: "13800138000",
            code: "12345678",
            client_ip: "10.1.1.2",
            limits: &app.state.config.rate_limits.public,
        },
    )
    .await;
    assert!(matches!(r, Err(vocpath::error::AppError::TooManyRequests(_))), "{r:?}");
    for n in 0..app.state.config.rate_limits.public.lookups_per_phone {
        let r = registrations::cancel(
            &app.state.db,
            Canceller::Farmer {
                phone: "13700137000",
                code: &format!("{n:08}"),
                client_ip: &format!("10.1.2.{n}"),
                limits: &app.state.config.rate_limits.public,
            },
        )
        .await;
        assert!(matches!(r, Err(vocpath::error::AppError::NotFound(_))), "{r:?}");
    }
    let r = registrations::cancel(
        &app.state.db,
        Canceller::Farmer {
            phone: "13700137000",
            code: "99999999",
            client_ip: "10.1.3.1",
            limits: &app.state.config.rate_limits.public,
        },
    )
    .await;
    assert!(matches!(r, Err(vocpath::error::AppError::TooManyRequests(_))), "{r:?}");
    // Per address: one client cannot register the whole village.
    for n in 0..app.state.config.rate_limits.public.per_address as usize {
        registrations::register(
            &app.state.db,
            &app.state.config.rate_limits.public,
            s,
            farmer(n).parse().expect("v"),
            "10.2.0.1",
        )
        .await
        .expect("within the limit");
    }
    let over = registrations::register(
        &app.state.db,
        &app.state.config.rate_limits.public,
        s,
        farmer(99).parse().expect("v"),
        "10.2.0.1",
    )
    .await;
    assert!(
        matches!(over, Err(vocpath::error::AppError::TooManyRequests(_))),
        "{over:?}"
    );
    assert_eq!(
        app.count("registration").await,
        app.state.config.rate_limits.public.per_address as i64,
        "nothing written"
    );
    // On the page it is a message, with the status 429.
    let mut phone = crate::helpers::Browser::new(&app);
    phone.get(&format!("/train/sessions/{s}")).await;
    for n in 0..app.state.config.rate_limits.public.per_phone {
        registrations::rate_limit(
            &app.state.db,
            &app.state.config.rate_limits.public,
            PublicAction::Register,
            &format!("10.3.0.{n}"),
            "13800138001",
        )
        .await
        .expect("within the limit");
    }
    let r = phone
        .post(
            &format!("/train/sessions/{s}"),
            &[
                ("name", "王大明"),
                ("phone", "13800138001"),
                ("town", "米河镇"),
                ("village", "新庄村"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("操作太频繁"), "{}", r.body);
}

#[tokio::test]
async fn enough_interest_proposes_a_session_that_staff_approve_and_the_farmers_are_invited() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mut phone = crate::helpers::Browser::new(&app);
    let page = phone.get("/train/interest").await;
    assert!(page.body.contains("设施蔬菜种植"));
    let course = w.course.to_string();
    let bad = phone
        .post(
            "/train/interest",
            &[
                ("course_id", ""),
                ("name", "王大明"),
                ("phone", "138"),
                ("town", "米河镇"),
                ("village", "新庄村"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("interest").await, 0);
    for (n, town) in [(1, "米河镇"), (2, "米河镇"), (3, "鲁庄镇")] {
        phone.get("/train/interest").await;
        let r = phone
            .post(
                "/train/interest",
                &[
                    ("course_id", &course),
                    ("name", "王大明"),
                    ("phone", &format!("1380013800{n}")),
                    ("town", town),
                    ("village", "新庄村"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let proposals = vocpath::training::proposal_view::proposals(&app.state.db)
        .await
        .expect("proposals");
    assert_eq!(proposals.len(), 1, "the third farmer reached the minimum cohort of 3");
    let listed = app
        .api(
            Method::GET,
            "/api/v1/session-proposals",
            Some(&app.token(Role::Admin).await),
            None,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let listed = listed.json();
    assert_eq!(
        (listed["total"].clone(), listed["items"][0]["interested"].clone()),
        (json!(1), json!(3)),
        "{listed}"
    );
    let p = &proposals[0].proposal;
    assert_eq!(p.interested, 3);
    assert_eq!(
        p.venue_id, w.venue,
        "the base in the town most of them live in, the venue that fits"
    );
    assert!(p.starts_on >= in_days(7));
    // Staff approve on the portal: the session exists and the three are invited by text message.
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/training").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("批准并通知"));
    app.take_messages().await;
    let r = clerk.post(&format!("/training/proposals/{}/approve", p.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("training_session").await, 1);
    let invites: Vec<(String, String)> = app
        .take_messages()
        .await
        .into_iter()
        .map(|m| (m.kind, m.channel.to_string()))
        .collect();
    assert_eq!(
        invites,
        vec![("invite".to_string(), "sms".to_string()); 3],
        "three invitations and nothing else"
    );
    // Approving twice is refused, and tells nobody again.
    let again = vocpath::training::schedule::approve_proposal(&app.state.db, &Actor::system("t"), p.id).await;
    assert!(again.is_err());
    app.assert_no_unexpected_messages().await;
}

#[tokio::test]
async fn attendance_earns_certificates_anyone_can_verify_and_the_history_shows_it() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 5).await;
    let student = app.seed_student("学生", "410181200602024058", 2026).await;
    let st = entity::student::Entity::find_by_id(student)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("student");
    let number = entity::household::Entity::find_by_id(st.household_id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("household")
        .registration_number;
    let mut a = farmer(1);
    a.household_number = number;
    a.name = "户主".into();
    let a = registrations::register(
        &app.state.db,
        &app.state.config.rate_limits.public,
        s,
        a.parse().expect("v"),
        "10.0.0.1",
    )
    .await
    .expect("a");
    let b = registrations::register(
        &app.state.db,
        &app.state.config.rate_limits.public,
        s,
        farmer(2).parse().expect("v"),
        "10.0.0.1",
    )
    .await
    .expect("b");
    let mut clerk = app.browser_as(Role::Admissions).await;
    let token = app.token(Role::Admissions).await;
    let present = |id: i32, here: bool| json!({ "registration_id": id, "present": here });
    // Before the first day: no attendance.
    let early = crate::training_attendance::record(
        &app,
        &token,
        s,
        json!({ "day": in_days(14).to_string(), "attendance": [present(a.id, true)] }),
    )
    .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", early.body);
    // Held yesterday and today (6 h each): A both days, B only today (50 % < 80 %).
    set_dates(&app, s, -1, 0).await;
    let roster = clerk.get(&format!("/training/sessions/{s}")).await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.body);
    assert!(
        roster.body.contains("登记今天的考勤") && roster.body.contains("户主"),
        "{}",
        roster.body
    );
    for (d, b_here) in [(-1, false), (0, true)] {
        let r = crate::training_attendance::record(
            &app,
            &token,
            s,
            json!({ "day": in_days(d).to_string(), "attendance": [present(a.id, true), present(b.id, b_here)] }),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let certificates = entity::certificate::Entity::find()
        .all(&app.state.db)
        .await
        .expect("certificates");
    assert_eq!(certificates.len(), 1, "only A completed the course");
    assert_eq!((certificates[0].registration_id, certificates[0].hours), (a.id, 12));
    let code = certificates[0].code.clone();
    // Once started: no online cancellation, no capacity change.
    let late = registrations::cancel(
        &app.state.db,
        Canceller::Farmer {
            phone: "13900000002",
            code: &b.code,
            client_ip: "10.0.0.9",
            limits: &app.state.config.rate_limits.public,
        },
    )
    .await;
    assert!(
        matches!(late, Err(vocpath::error::AppError::Conflict(ref m)) if m.key == "error.cancel_too_late"),
        "{late:?}"
    );
    assert!(
        registrations::set_capacity(&app.state.db, &Actor::system("t"), s, 4)
            .await
            .is_err()
    );
    // Anyone verifies it; a made-up code is not found.
    let mut anyone = crate::helpers::Browser::new(&app);
    let v = anyone.get(&format!("/train/certificates/{code}")).await;
    assert_eq!(v.status, StatusCode::OK);
    assert!(v.body.contains("证书有效") && v.body.contains("户*"), "{}", v.body);
    let fake = anyone.get("/train/certificates?code=ABCDEFGHJK").await;
    assert_eq!(fake.status, StatusCode::NOT_FOUND);
    let api = app
        .api(Method::GET, &format!("/api/v1/public/certificates/{code}"), None, None)
        .await;
    assert_eq!(api.json()["valid"], true);
    // The farmer sees hours and certificate with phone + code.
    let check = app
        .api(
            Method::GET,
            &format!("/api/v1/public/registrations/{}?phone=13900000001", a.code),
            None,
            None,
        )
        .await;
    assert_eq!(
        (
            check.json()["hours_attended"].as_i64(),
            check.json()["certificate_code"].as_str()
        ),
        (Some(12), Some(code.as_str())),
        "{}",
        check.body
    );
    // The printable certificate and the farmer's history.
    let cert = clerk
        .get(&format!("/training/registrations/{}/certificate", a.id))
        .await;
    assert_eq!(cert.status, StatusCode::OK);
    assert!(cert.body.contains("结业证书") && cert.body.contains("户主") && cert.body.contains(&code));
    let history = clerk.get("/training/farmers?phone=13900000001").await;
    assert!(history.body.contains("设施蔬菜种植") && history.body.contains(&code));
    // Linked to a registered household: it shows in the student's archive page.
    let page = clerk.get(&format!("/students/{student}")).await;
    assert!(
        page.body.contains("家庭成员参加的农民培训") && page.body.contains("户主") && page.body.contains(&code),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn reminders_go_out_once_the_day_before() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 5).await;
    registrations::register(
        &app.state.db,
        &app.state.config.rate_limits.public,
        s,
        farmer(1).parse().expect("v"),
        "10.0.0.1",
    )
    .await
    .expect("a");
    assert_eq!(
        registrations::queue_reminders(&app.state.db).await.expect("r"),
        0,
        "not yet"
    );
    set_dates(&app, s, 1, 2).await;
    assert_eq!(registrations::queue_reminders(&app.state.db).await.expect("r"), 1);
    assert_eq!(
        registrations::queue_reminders(&app.state.db).await.expect("r"),
        0,
        "once"
    );
}

#[tokio::test]
async fn staff_set_up_bases_courses_instructors_and_blackouts_with_errors_next_to_the_field() {
    let app = TestApp::spawn().await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/training/setup").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let bad = clerk
        .post(
            "/training/bases",
            &[
                ("name", "米河基地"),
                ("address", "米河镇"),
                ("town", "米河镇"),
                ("open_days", "9"),
                ("venues", "大棚 40"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("开放日“9”无效") && bad.body.contains("格式不对"),
        "{}",
        bad.body
    );
    assert_eq!(app.count("training_base").await, 0);
    let ok = clerk
        .post(
            "/training/bases",
            &[
                ("name", "米河基地"),
                ("address", "米河镇"),
                ("town", "米河镇"),
                ("open_days", "12345"),
                ("venues", "大棚: 40"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    clerk.get("/training/setup").await;
    let r = clerk
        .post(
            "/training/courses",
            &[
                ("title", "食用菌栽培"),
                ("skill_area", "食用菌栽培"),
                ("hours", "24"),
                ("min_cohort", "10"),
                ("max_cohort", "30"),
                ("household_first", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    clerk.get("/training/setup").await;
    let r = clerk
        .post(
            "/training/instructors",
            &[("name", "刘师傅"), ("skills", "食用菌栽培"), ("unavailable", "明天")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("明天"), "{}", r.body);
    let r = clerk
        .post(
            "/training/blackouts",
            &[("name", "三夏"), ("starts_on", "2027-06-15"), ("ends_on", "2027-05-25")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("结束日期不能早于开始日期"));
    // Viewers and mentors have no training pages.
    let mut viewer = app.browser_as(Role::Viewer).await;
    assert_eq!(viewer.get("/training").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn moving_a_session_is_checked_and_told_and_staff_cancellations_are_told() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let first = session(&app, &w, 14, 5).await;
    let second = session(&app, &w, 20, 5).await;
    let r = registrations::register(
        &app.state.db,
        &app.state.config.rate_limits.public,
        second,
        farmer(1).parse().expect("v"),
        "10.0.0.1",
    )
    .await
    .expect("registered");
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get(&format!("/training/sessions/{second}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Onto the first session's days in the same venue: refused, with the reason on the page.
    let venue = w.venue.to_string();
    let instructor = w.instructor.to_string();
    let (a, b) = (in_days(14).to_string(), in_days(15).to_string());
    let refused = clerk
        .post(
            &format!("/training/sessions/{second}/move"),
            &[
                ("venue_id", &venue),
                ("instructor_id", &instructor),
                ("starts_on", &a),
                ("ends_on", &b),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains(&format!("已被第 {first} 期培训占用")),
        "{}",
        refused.body
    );
    // A free week: moved, and the farmer is told.
    let (a, b) = (in_days(30).to_string(), in_days(31).to_string());
    app.take_messages().await;
    let moved = clerk
        .post(
            &format!("/training/sessions/{second}/move"),
            &[
                ("venue_id", &venue),
                ("instructor_id", &instructor),
                ("starts_on", &a),
                ("ends_on", &b),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let told: Vec<String> = app.take_messages().await.into_iter().map(|m| m.kind).collect();
    assert_eq!(told, ["training_moved"], "the one farmer is told, once");
    // Staff cancel a registration from the roster: the farmer is told.
    clerk.get(&format!("/training/sessions/{second}")).await;
    let cancelled = clerk
        .post(&format!("/training/registrations/{}/cancel", r.id), &[])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER, "{}", cancelled.body);
    let sms = app.take_messages().await;
    assert_eq!(sms.len(), 1, "one text message to the farmer");
    assert_eq!(sms[0].kind, "training_cancelled_by_staff");
    assert!(sms[0].body_text.contains("已由培训基地取消"));
    app.assert_no_unexpected_messages().await;
    let audit = app
        .api(
            Method::GET,
            "/api/v1/audit-log?action=training.cancel",
            Some(&app.token(Role::Admin).await),
            None,
        )
        .await;
    assert!(audit.body.contains("training.cancel"), "{}", audit.body);
}

/// Issue 11, item 12: the public form cannot be used to send chosen words to any phone or email.
#[tokio::test]
async fn a_public_registration_sends_no_text_the_sender_chose_and_no_email() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let s = session(&app, &w, 14, 5).await;
    let ok = app
        .api(
            Method::POST,
            &format!("/api/v1/public/training-sessions/{s}/registrations"),
            None,
            Some(json!({
                "name": "请点击链接领取补贴",
                "phone": "13800138000",
                "town": "米河镇",
                "village": "新庄村",
                "email": "victim@example.cn",
            })),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let queued = entity::outbox::Entity::find().all(&app.state.db).await.expect("q");
    assert_eq!(queued.len(), 1, "one text message, no email");
    assert_eq!(queued[0].channel, entity::outbox::Channel::Sms);
    let text = format!("{} {}", queued[0].subject, queued[0].body_text);
    assert!(!text.contains("请点击链接领取补贴"), "{text}");
    assert!(text.contains("确认码"), "{text}");
    let sms = app.take_sms().await;
    assert_eq!(sms.len(), 1);
    assert!(
        sms[0].body_text.starts_with("【县职教培训】您已报名“") && !sms[0].body_text.ends_with('\n'),
        "{}",
        sms[0].body_text
    );
    // Invisible control characters are refused on every free-text field, nothing written.
    let bad = app
        .api(
            Method::POST,
            &format!("/api/v1/public/training-sessions/{s}/registrations"),
            None,
            Some(json!({"name": "王\u{202E}明", "phone": "13900139000", "town": "米河\u{7}镇", "village": "新庄村"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("registration").await, 1);
    app.assert_no_unexpected_messages().await;
}
