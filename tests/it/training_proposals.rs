//! Proposals from farmers' interest: at the base nearest the interested farmers, the next base when
//! the nearest cannot host (and saying so), the reason when no proposal is made, re-evaluation when
//! instructors, venues, blackouts, sessions or interest change, never two open proposals a course.

use chrono::{Duration as Days, NaiveDate, Utc};
use entity::enums::Role;
use entity::session_proposal::ProposalStatus;
use poem::Body;
use poem::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::Value;
use vocpath::audit::Actor;
use vocpath::training::proposals::{self, Scope};
use vocpath::training::registrations::RegistrationForm;
use vocpath::training::schedule::{self, Plan};
use vocpath::training::setup::{self, BaseForm, CourseForm, InstructorForm};

use crate::helpers::TestApp;

fn in_days(n: i64) -> NaiveDate {
    vocpath::clock::today() + Days::days(n)
}

async fn base(app: &TestApp, name: &str, town: &str, open_days: &str, venues: &str) -> i32 {
    let form = BaseForm {
        name: name.into(),
        address: format!("{town}政府旁"),
        town: town.into(),
        open_days: open_days.into(),
        venues: venues.into(),
        ..Default::default()
    };
    setup::create_base(&app.state.db, &Actor::system("test"), form.parse().expect("base"))
        .await
        .expect("base")
        .id
}

async fn course(app: &TestApp, title: &str, skill: &str, hours: i32, min: i32, max: i32) -> i32 {
    let form = CourseForm {
        title: title.into(),
        skill_area: skill.into(),
        hours: hours.to_string(),
        min_cohort: min.to_string(),
        max_cohort: max.to_string(),
        household_first: false,
        description: String::new(),
        completion_share: String::new(),
    };
    setup::create_course(&app.state.db, &Actor::system("test"), form.parse().expect("course"))
        .await
        .expect("course")
        .id
}

async fn instructor(app: &TestApp, name: &str, skills: &str) -> i32 {
    let form = InstructorForm {
        name: name.into(),
        skills: skills.into(),
        ..Default::default()
    };
    setup::create_instructor(&app.state.db, &Actor::system("test"), form.parse().expect("instructor"))
        .await
        .expect("instructor")
        .id
}

fn villager(course: i32, n: usize, town: &str) -> RegistrationForm {
    RegistrationForm {
        name: format!("农户{}", char::from_u32(0x4e00 + n as u32).unwrap_or('甲')),
        phone: format!("139{:08}", course as usize * 1000 + n),
        town: town.into(),
        village: "东村".into(),
        ..Default::default()
    }
}

/// Farmers number `ks` of `town` register interest in `course` on the public form's service, each
/// from their own address.
async fn interest(app: &TestApp, course: i32, ks: std::ops::Range<usize>, town: &str) {
    for k in ks {
        vocpath::training::interest::register_interest(
            &app.state.db,
            &app.state.config.rate_limits.public,
            Some(course),
            &villager(course, k, town),
            &format!("10.{}.{}.{}", course % 200, k / 200, k % 200),
        )
        .await
        .expect("interest");
    }
}

/// `n` farmers of `town` interested in `course`, written directly (the evaluation is the point).
async fn interest_rows(app: &TestApp, course: i32, n: usize, town: &str) {
    for k in 0..n {
        let f = villager(course, k, town);
        entity::interest::ActiveModel {
            course_id: Set(course),
            name: Set(f.name),
            phone: Set(f.phone),
            town: Set(f.town),
            village: Set(f.village),
            proposal_id: Set(None),
            invited_session_id: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .expect("interest");
    }
}

async fn open_proposals(app: &TestApp, course: i32) -> Vec<entity::session_proposal::Model> {
    entity::session_proposal::Entity::find()
        .filter(entity::session_proposal::Column::CourseId.eq(course))
        .filter(entity::session_proposal::Column::Status.eq(ProposalStatus::Proposed))
        .all(&app.state.db)
        .await
        .expect("proposals")
}

async fn only_open(app: &TestApp, course: i32) -> entity::session_proposal::Model {
    let open = open_proposals(app, course).await;
    assert_eq!(open.len(), 1, "one open proposal: {open:?}");
    open.into_iter().next().expect("one")
}

async fn venue_named(app: &TestApp, name: &str) -> i32 {
    entity::venue::Entity::find()
        .filter(entity::venue::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("venue")
        .id
}

/// The proposals list of the API, in `lang`.
async fn listed(app: &TestApp, lang: &str) -> Value {
    let token = app.token(Role::Admin).await;
    let headers = [
        ("authorization", format!("Bearer {token}")),
        ("accept-language", lang.to_string()),
    ];
    let r = app
        .request(Method::GET, "/api/v1/session-proposals", &headers, Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

/// The county of the issue: the school's base in 孝义街道, set up first (a 40-seat room, weekdays),
/// and the 回郭镇 base with a 24-seat kitchen (every day); a pastry course and its instructor.
struct County {
    course: i32,
    kitchen: i32,
    room: i32,
}

async fn county(app: &TestApp) -> County {
    base(app, "第一职校实训基地", "孝义街道", "12345", "实训室: 40").await;
    base(app, "回郭镇实训基地", "回郭镇", "1234567", "烹饪实训室: 24").await;
    let course = course(app, "中式面点制作", "中式烹调", 18, 10, 24).await;
    instructor(app, "赵师傅", "中式烹调").await;
    County {
        course,
        kitchen: venue_named(app, "烹饪实训室").await,
        room: venue_named(app, "实训室").await,
    }
}

#[tokio::test]
async fn ten_farmers_of_huiguo_get_their_proposal_at_the_huiguo_base() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    interest(&app, c.course, 0..6, "回郭镇").await;
    // Four more type the town without 镇, one with a space: the same town.
    for (k, town) in [(6, "回郭"), (7, "回郭"), (8, "回郭 镇"), (9, "回郭")] {
        vocpath::training::interest::register_interest(
            &app.state.db,
            &app.state.config.rate_limits.public,
            Some(c.course),
            &villager(c.course, k, town),
            &format!("10.9.9.{k}"),
        )
        .await
        .expect("interest");
    }
    let p = only_open(&app, c.course).await;
    assert_eq!(p.venue_id, c.kitchen, "the 回郭镇 kitchen, not the first base set up");
    assert_eq!((p.interested, p.near, p.capacity), (10, Some(10), 10));
    assert_eq!((p.starts_on, p.ends_on - p.starts_on), (in_days(7), Days::days(2)));
    assert!(p.why.contains("10 人报名意向（10 人在回郭镇）"), "{}", p.why);
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/training").await;
    assert!(
        page.body
            .contains("10 人报名意向（10 人在回郭镇）；回郭镇实训基地 烹饪实训室，24 座；讲师赵师傅"),
        "{}",
        page.body
    );
    let en = listed(&app, "en").await;
    let item = &en["items"][0];
    assert_eq!(
        (item["near"].clone(), item["passed_over"].clone()),
        (Value::from(10), Value::Array(vec![]))
    );
    assert!(
        item["explanation"][0]
            .as_str()
            .is_some_and(|t| t.starts_with("10 farmers interested (10 live in 回郭镇)")),
        "{item}"
    );
    assert_eq!(en["without_proposal"], Value::Array(vec![]));
}

#[tokio::test]
async fn when_the_nearest_base_cannot_host_the_next_is_proposed_and_says_why() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    // The kitchen is booked for the next ten weeks by another course.
    let electric = course(&app, "农村电工", "电工", 6, 1, 24).await;
    let teacher = instructor(&app, "陈师傅", "电工").await;
    for (from, to) in [(1, 29), (30, 58), (59, 75)] {
        let plan = Plan {
            course_id: electric,
            venue_id: c.kitchen,
            instructor_id: teacher,
            starts_on: in_days(from),
            ends_on: in_days(to),
            capacity: 20,
        };
        schedule::create_session(&app.state.db, &Actor::system("test"), plan)
            .await
            .expect("session");
    }
    interest(&app, c.course, 0..10, "回郭镇").await;
    let p = only_open(&app, c.course).await;
    assert_eq!(p.venue_id, c.room, "the next base");
    assert_eq!(p.near, Some(0));
    assert!(
        p.why.contains("较近的回郭镇实训基地（10 人在回郭镇）无法安排"),
        "{}",
        p.why
    );
    let zh = listed(&app, "zh-CN").await;
    let passed = &zh["items"][0]["passed_over"][0];
    assert_eq!(
        (
            passed["base"].clone(),
            passed["near"].clone(),
            passed["reason"]["code"].clone()
        ),
        ("回郭镇实训基地".into(), 10.into(), "no_free_days".into())
    );
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/training").await;
    assert!(
        page.body
            .contains("离得更近的回郭镇实训基地（回郭镇，10 人）未能安排：")
            && page.body.contains("没有连续的空档"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn every_reason_for_no_proposal_is_shown_on_the_page_and_in_the_api() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    instructor(&app, "王师傅", "设施蔬菜").await;
    let machines = course(&app, "农机维修", "农机维修", 24, 3, 30).await;
    let big = course(&app, "设施蔬菜大班", "设施蔬菜", 12, 50, 60).await;
    let long = course(&app, "中式面点长班", "中式烹调", 36, 30, 40).await;
    interest_rows(&app, machines, 3, "回郭镇").await;
    interest_rows(&app, big, 50, "孝义街道").await;
    interest_rows(&app, long, 30, "回郭镇").await;
    interest_rows(&app, c.course, 10, "回郭镇").await;
    // Written behind the service's back, nothing evaluated them yet: the page says a proposal can be
    // made.
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/training").await;
    assert!(page.body.contains("现在可以在回郭镇实训基地安排"), "{}", page.body);
    proposals::reevaluate_all(&app.state.db).await.expect("evaluate");
    let first = only_open(&app, c.course).await;
    for id in [machines, big, long] {
        assert!(open_proposals(&app, id).await.is_empty());
    }
    let reasons = |v: &Value| -> Vec<(String, String)> {
        v["without_proposal"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|u| {
                        (
                            u["course"].as_str().unwrap_or("").to_string(),
                            u["reason"]["code"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let zh = listed(&app, "zh-CN").await;
    assert_eq!(
        reasons(&zh),
        [
            ("农机维修".to_string(), "no_instructor".to_string()),
            ("设施蔬菜大班".into(), "no_venue".into()),
            ("中式面点长班".into(), "base_closed".into()),
        ]
    );
    let long_row = &zh["without_proposal"][2];
    assert_eq!(
        long_row["bases"][0]["reason"]["code"], "no_venue",
        "回郭镇's kitchen is too small"
    );
    assert_eq!(
        long_row["bases"][1]["reason"]["code"], "base_closed",
        "the school is shut at weekends"
    );
    let page = clerk.get("/training").await;
    for text in [
        "没有能讲授“农机维修”的讲师",
        "没有能容纳最少开班人数（50 人）的场地，最大的场地只有 40 座",
        "基地开放日（周一至周五）凑不出连续 6 天",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    let en = listed(&app, "en").await;
    assert!(
        en["without_proposal"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("No instructor teaches '农机维修'")),
        "{en}"
    );
    // Dismissed: not proposed straight back, and said so; staff can ask again.
    let r = clerk
        .post(&format!("/training/proposals/{}/dismiss", first.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    proposals::reevaluate_all(&app.state.db).await.expect("evaluate");
    assert!(open_proposals(&app, c.course).await.is_empty());
    let page = clerk.get("/training").await;
    assert!(
        page.body.contains(&format!("上一条建议（第 {} 号）已被驳回", first.id)),
        "{}",
        page.body
    );
    for (bad, status) in [
        ("999999", StatusCode::NOT_FOUND),
        ("x", StatusCode::BAD_REQUEST),
        ("99999999999", StatusCode::BAD_REQUEST),
    ] {
        let r = clerk.post(&format!("/training/courses/{bad}/propose"), &[]).await;
        assert_eq!(r.status, status, "{bad}: {}", r.body);
    }
    assert!(open_proposals(&app, c.course).await.is_empty(), "nothing written");
    let r = clerk
        .post(&format!("/training/courses/{}/propose", c.course), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = only_open(&app, c.course).await;
    assert_eq!((again.venue_id, again.starts_on), (first.venue_id, first.starts_on));
    // A blackout over the whole horizon: the open proposal no longer fits and is withdrawn, and the
    // page says there are no free days.
    let r = clerk
        .post(
            "/training/blackouts",
            &[
                ("name", "春耕"),
                ("starts_on", &in_days(1).to_string()),
                ("ends_on", &in_days(90).to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(open_proposals(&app, c.course).await.is_empty());
    let withdrawn = entity::session_proposal::Entity::find_by_id(again.id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(withdrawn.status, ProposalStatus::Withdrawn);
    let zh = listed(&app, "zh-CN").await;
    let pastry = zh["without_proposal"]
        .as_array()
        .and_then(|a| a.iter().find(|u| u["course_id"] == c.course))
        .cloned()
        .unwrap_or_default();
    assert_eq!(pastry["reason"]["code"], "no_free_days", "{zh}");
    assert_eq!(pastry["reason"]["blackouts"][0], "春耕");
    let page = clerk.get("/training").await;
    assert!(page.body.contains("禁排期“春耕”"), "{}", page.body);
    assert!(page.body.contains("已失效"), "the withdrawn proposal is listed as such");
}

#[tokio::test]
async fn adding_the_missing_instructor_base_or_venue_proposes_without_a_new_registration() {
    let app = TestApp::spawn().await;
    let pastry = course(&app, "中式面点制作", "中式烹调", 18, 10, 24).await;
    interest(&app, pastry, 0..10, "回郭镇").await;
    assert!(open_proposals(&app, pastry).await.is_empty(), "nobody teaches it yet");
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/training").await;
    assert!(page.body.contains("没有能讲授“中式烹调”的讲师"), "{}", page.body);
    clerk.get("/training/setup").await;
    let r = clerk
        .post("/training/instructors", &[("name", "赵师傅"), ("skills", "中式烹调")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(open_proposals(&app, pastry).await.is_empty(), "nowhere to teach it yet");
    let page = clerk.get("/training").await;
    assert!(page.body.contains("还没有培训基地"), "{}", page.body);
    base(&app, "回郭镇实训基地", "回郭镇", "1234567", "烹饪实训室: 24").await;
    let p = only_open(&app, pastry).await;
    assert_eq!(p.interested, 10);
    // Evaluating again changes nothing.
    for _ in 0..2 {
        proposals::reevaluate_all(&app.state.db).await.expect("evaluate");
    }
    assert_eq!(only_open(&app, pastry).await, p);
    // A class of 30 needs a bigger room: a new base with a hall brings the proposal.
    let big = course(&app, "面点大班", "中式烹调", 6, 30, 40).await;
    interest_rows(&app, big, 30, "回郭镇").await;
    proposals::reevaluate(&app.state.db, Scope::Course(big))
        .await
        .expect("evaluate");
    assert!(open_proposals(&app, big).await.is_empty());
    let page = clerk.get("/training").await;
    assert!(page.body.contains("最大的场地只有 24 座"), "{}", page.body);
    clerk.get("/training/setup").await;
    let r = clerk
        .post(
            "/training/bases",
            &[
                ("name", "回郭镇文化中心"),
                ("address", "回郭镇中心街 1 号"),
                ("town", "回郭镇"),
                ("open_days", "1234567"),
                ("venues", "多功能厅: 40"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let p = only_open(&app, big).await;
    assert_eq!(p.venue_id, venue_named(&app, "多功能厅").await);
    assert_eq!(p.capacity, 30);
}

#[tokio::test]
async fn a_session_over_an_open_proposal_withdraws_it_and_the_farmers_get_another() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    interest(&app, c.course, 0..10, "回郭镇").await;
    let first = only_open(&app, c.course).await;
    let teacher = instructor(&app, "钱师傅", "中式烹调").await;
    // A clerk books the kitchen on the proposal's days by hand.
    let plan = Plan {
        course_id: c.course,
        venue_id: first.venue_id,
        instructor_id: teacher,
        starts_on: first.starts_on,
        ends_on: first.ends_on,
        capacity: 12,
    };
    schedule::create_session(&app.state.db, &Actor::system("test"), plan)
        .await
        .expect("session");
    let second = only_open(&app, c.course).await;
    assert_ne!(second.id, first.id);
    assert_eq!(second.venue_id, c.kitchen, "still the nearest base");
    assert!(second.starts_on > first.ends_on, "after the session");
    assert_eq!(second.interested, 10, "the same farmers");
    let audits = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("training.withdraw"))
        .all(&app.state.db)
        .await
        .expect("audit");
    assert_eq!(audits.len(), 1);
}

#[tokio::test]
async fn farmers_who_come_while_a_proposal_is_open_get_the_next_one_once_it_is_approved() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    interest(&app, c.course, 0..10, "回郭镇").await;
    let first = only_open(&app, c.course).await;
    interest(&app, c.course, 10..20, "回郭镇").await;
    assert_eq!(
        only_open(&app, c.course).await,
        first,
        "the open proposal stays as it was"
    );
    let session = schedule::approve_proposal(&app.state.db, &Actor::system("test"), first.id)
        .await
        .expect("approved");
    let next = only_open(&app, c.course).await;
    assert_eq!(next.interested, 10, "the ten who came later");
    assert!(
        next.starts_on > session.ends_on,
        "after the approved session in the same kitchen"
    );
}

#[tokio::test]
async fn evaluating_over_and_over_never_opens_two_proposals_for_a_course() {
    let app = TestApp::spawn().await;
    let c = county(&app).await;
    interest_rows(&app, c.course, 12, "回郭镇").await;
    let runs = (0..4).map(|_| proposals::reevaluate_all(&app.state.db));
    let proposed: usize = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .map(|r| r.expect("evaluate"))
        .sum();
    assert_eq!(proposed, 1);
    let p = only_open(&app, c.course).await;
    // The database itself refuses a second open proposal for the course.
    let mut twin: entity::session_proposal::ActiveModel = p.clone().into();
    twin.id = sea_orm::ActiveValue::NotSet;
    assert!(twin.insert(&app.state.db).await.is_err());
    let all = entity::session_proposal::Entity::find()
        .order_by_asc(entity::session_proposal::Column::Id)
        .all(&app.state.db)
        .await
        .expect("q");
    assert_eq!(all.len(), 1);
}
