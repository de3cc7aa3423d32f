//! Mentor profiles.

use entity::enums::Role;
use entity::mentor_assignment::{AssignmentStatus, MentorRole};
use poem::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

/// Adds the school 一职专 and returns its id.
async fn a_school(app: &TestApp, admin: &str) -> i64 {
    app.api(
        Method::POST,
        "/api/v1/schools",
        Some(admin),
        Some(json!({"name": "一职专", "town": "孝义街道"})),
    )
    .await
    .json()["id"]
        .as_i64()
        .expect("id")
}

/// The county's caps on a mentor's load per role (30 / 50 / 40 by default): above is refused,
/// naming the role's field and the cap, on the API and on the portal form; nothing is written.
#[tokio::test]
async fn a_mentors_maximum_above_the_county_cap_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let school = a_school(&app, &admin).await;
    let mentor = app.user("li@school.cn", Role::Mentor).await;
    for (role, over) in [("counsellor", 31), ("class_teacher", 51), ("subject_teacher", 41)] {
        let body = json!({"school_id": school, "roles": [{"role": role, "max": over}], "skill_areas": ["护理"], "home_town": "米河镇"});
        let r = app
            .api(
                Method::PUT,
                &format!("/api/v1/mentors/{mentor}"),
                Some(&admin),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let f = &r.json()["fields"][0];
        assert_eq!(f["field"], "roles.0.max", "{}", r.body);
        assert_eq!(f["code"], "mentor_max_over_policy", "{}", r.body);
        assert!(
            f["message"].as_str().expect("m").contains(&(over - 1).to_string()),
            "the cap is named"
        );
    }
    assert_eq!(app.count("mentor_profile").await, 0, "nothing written");
    let body = json!({"school_id": school, "roles": [{"role": "counsellor", "max": 30}, {"role": "class_teacher", "max": 50}, {"role": "subject_teacher", "max": 40}], "skill_areas": ["护理"], "home_town": "米河镇"});
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/mentors/{mentor}"),
            Some(&admin),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The portal form names the role's field.
    let mut browser = app.browser_as(Role::Admin).await;
    browser.get(&format!("/mentoring/mentors/{mentor}")).await;
    let page = browser
        .post(
            &format!("/mentoring/mentors/{mentor}"),
            &[
                ("school_id", &school.to_string()),
                ("counsellor", "200"),
                ("class_teacher", ""),
                ("subject_teacher", ""),
                ("skill_areas", ""),
                ("home_town", "米河镇"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.status);
    assert!(page.body.contains("最多帮扶 30 名"), "{}", page.body);
}

#[tokio::test]
async fn admins_save_mentor_profiles_and_bad_ones_are_refused_naming_each_field() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let school = a_school(&app, &admin).await;
    let mentor = app.user("wang@school.cn", Role::Mentor).await;
    let viewer = app.user("view@school.cn", Role::Viewer).await;
    let bad = json!({"school_id": school, "roles": [{"role": "coach", "max": 0}, {"role": "subject_teacher", "max": 3}], "home_town": " "});
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/mentors/{mentor}"),
            Some(&admin),
            Some(bad),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["fields"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| f["field"].as_str().expect("s").to_string())
        .collect();
    assert_eq!(fields, vec!["roles.0.role", "roles.0.max", "skill_areas", "home_town"]);
    let good = json!({"school_id": school, "roles": [{"role": "counsellor", "max": 5}, {"role": "subject_teacher", "max": 3}], "skill_areas": ["机械制造"], "home_town": "米河镇"});
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/mentors/{viewer}"),
            Some(&admin),
            Some(good.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["code"], "not_a_mentor");
    assert_eq!(app.count("mentor_profile").await, 0);
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/mentors/{mentor}"),
            Some(&admin),
            Some(good),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = app
        .api(
            Method::GET,
            &format!("/api/v1/mentors?school_id={school}"),
            Some(&admin),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"][0]["roles"][1]["role"], "subject_teacher");
    let clerk = app.token(Role::Admissions).await;
    assert_eq!(
        app.api(
            Method::PUT,
            &format!("/api/v1/mentors/{mentor}"),
            Some(&clerk),
            Some(json!({"school_id": school, "roles": [], "home_town": "x"}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

// ---------------------------------------------------------------------------------------------
// Assignments, emails, answer links, overrides, help sessions and digests.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use vocpath::mail::Mailer;
use vocpath::mentor::assignments;
use vocpath::outbox;

const IDS: [&str; 4] = [
    "410181200602024058",
    "410181200704209707",
    "410181200707295452",
    "410181200707170799",
];

/// A school whose committed run placed four students in a 数控 programme, and its mentors.
struct Placed {
    admin: String,
    clerk: String,
    school: i64,
    students: Vec<i32>,
    /// name → user id: 张 and 李 counsellors (张 from the students' town), 王 class teacher,
    /// 赵 subject teacher for 数控, 钱 subject teacher for 护理 only.
    mentors: std::collections::HashMap<&'static str, i32>,
}

async fn placed_school(app: &TestApp) -> Placed {
    let admin = app.token(Role::Admin).await;
    let clerk = app.token(Role::Admissions).await;
    let school = app
        .api(
            Method::POST,
            "/api/v1/schools",
            Some(&admin),
            Some(json!({"name": "巩义市第一中等职业学校", "town": "孝义街道"})),
        )
        .await
        .json()["id"]
        .as_i64()
        .expect("school");
    let programme = app
        .api(
            Method::POST,
            "/api/v1/programmes",
            Some(&admin),
            Some(json!({"school_id": school, "code": "P01", "name": "数控技术应用", "skill_area": "数控", "town": "孝义街道", "intake_year": 2026, "capacity": 10, "reserved_seats": 0})),
        )
        .await;
    assert_eq!(programme.status, StatusCode::OK, "{}", programme.body);
    let programme = programme.json()["id"].as_i64().expect("programme");
    let rules = json!({"name": "规则", "rules": {"eligibility": [{"name": "all", "when": "true"}], "priority": [{"name": "p", "when": "true", "points": 1}]}});
    let set = app
        .api(Method::POST, "/api/v1/rule-sets", Some(&admin), Some(rules))
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let set = set.json()["id"].as_i64().expect("set");
    app.api(
        Method::POST,
        &format!("/api/v1/rule-sets/{set}/publish"),
        Some(&admin),
        None,
    )
    .await;
    let mut students = Vec::new();
    for (i, id) in IDS.iter().enumerate() {
        let s = app
            .seed_student(&format!("学生{}", ["甲", "乙", "丙", "丁"][i]), id, 2026)
            .await;
        let r = app
            .api(
                Method::PUT,
                &format!("/api/v1/preferences/{s}"),
                Some(&clerk),
                Some(json!({"programme_ids": [programme]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        students.push(s);
    }
    let run = app
        .api(
            Method::POST,
            "/api/v1/routing-runs",
            Some(&clerk),
            Some(json!({"intake_year": 2026, "rule_set_id": set, "seed": 7})),
        )
        .await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    let committed = app
        .api(
            Method::POST,
            &format!("/api/v1/routing-runs/{}/commit", run.json()["id"]),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.body);
    let mut mentors = std::collections::HashMap::new();
    for (name, email, roles, skills, town) in [
        (
            "张",
            "zhang@school.cn",
            json!([{"role": "counsellor", "max": 5}]),
            json!([]),
            "米河镇",
        ),
        (
            "李",
            "li@school.cn",
            json!([{"role": "counsellor", "max": 5}]),
            json!([]),
            "孝义街道",
        ),
        (
            "王",
            "wang@school.cn",
            json!([{"role": "class_teacher", "max": 10}]),
            json!([]),
            "孝义街道",
        ),
        (
            "赵",
            "zhao@school.cn",
            json!([{"role": "subject_teacher", "max": 10}]),
            json!(["数控"]),
            "孝义街道",
        ),
        (
            "钱",
            "qian@school.cn",
            json!([{"role": "subject_teacher", "max": 10}]),
            json!(["护理"]),
            "米河镇",
        ),
    ] {
        let id = app.user(email, Role::Mentor).await;
        let r = app
            .api(
                Method::PUT,
                &format!("/api/v1/mentors/{id}"),
                Some(&admin),
                Some(json!({"school_id": school, "roles": roles, "skill_areas": skills, "home_town": town})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        mentors.insert(name, id);
    }
    Placed {
        admin,
        clerk,
        school,
        students,
        mentors,
    }
}

async fn proposal(app: &TestApp, p: &Placed) -> Value {
    let r = app
        .api(
            Method::GET,
            "/api/v1/mentor-assignments/proposal?intake_year=2026",
            Some(&p.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn confirm(app: &TestApp, p: &Placed, digest: &Value) -> crate::helpers::Reply {
    app.api(
        Method::POST,
        "/api/v1/mentor-assignments/confirm",
        Some(&p.clerk),
        Some(json!({"intake_year": 2026, "digest": digest})),
    )
    .await
}

async fn in_force(app: &TestApp) -> Vec<entity::mentor_assignment::Model> {
    entity::mentor_assignment::Entity::find()
        .filter(entity::mentor_assignment::Column::InForce.is_not_null())
        .all(&app.state.db)
        .await
        .expect("assignments")
}

/// The path of an answer link found in an email text.
fn link_in(text: &str, answer: &str) -> String {
    let start = text.find("/mentor-links/").expect("a link");
    let rest = &text[start..];
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let link = &rest[..end];
    assert!(
        link.ends_with(&format!("answer={answer}")) || answer.is_empty(),
        "{link}"
    );
    link.to_string()
}

#[tokio::test]
async fn confirming_the_proposal_emails_each_mentor_once_with_working_answer_links() {
    let app = TestApp::spawn().await;
    let p = placed_school(&app).await;
    let view = proposal(&app, &p).await;
    assert_eq!(view["placed"], 4);
    assert_eq!(view["assignments"].as_array().expect("list").len(), 12);
    for a in view["assignments"].as_array().expect("list") {
        if a["role"] == "subject_teacher" {
            assert_eq!(a["mentor_id"], p.mentors["赵"], "the subject teacher teaches 数控");
        }
    }
    // Loads balanced, home town preferred on ties: two students each for 张 and 李.
    let counsellors: Vec<i64> = view["assignments"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|a| a["role"] == "counsellor")
        .map(|a| a["mentor_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(
        counsellors.iter().filter(|m| **m == i64::from(p.mentors["张"])).count(),
        2
    );

    // A stale digest is refused and writes nothing.
    let stale = confirm(&app, &p, &json!("0000")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.json()["code"], "proposal_changed");
    assert_eq!(app.count("mentor_assignment").await, 0);
    let outbox_before = app.count("outbox").await;
    // The commit's offer text messages are in the outbox too; the mail worker sends only email.
    let emails_before = outbox_before - app.count_outbox(vocpath::admissions::offers::KIND).await;

    let mentors = mentors_in(&view);
    let done = confirm(&app, &p, &view["digest"]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json()["assignments"], 12);
    assert_eq!(app.count("mentor_assignment").await, 12);
    assert_eq!(
        app.count("outbox").await,
        outbox_before + mentors,
        "one email per mentor, not one per mentee"
    );
    let offers = app.take_sms().await;
    assert!(offers.iter().all(|m| m.kind == vocpath::admissions::offers::KIND));
    let emails = app.take_emails().await;
    assert_eq!(emails.len() as i64, mentors);
    assert!(
        emails
            .iter()
            .all(|m| m.kind == "mentor_assignments" && m.body_text.contains("/mentor-links/"))
    );
    app.assert_no_unexpected_messages().await;
    // In the archive and the audit log.
    let record = app
        .api(
            Method::GET,
            &format!("/api/v1/students/{}/entries", p.students[0]),
            Some(&p.clerk),
            None,
        )
        .await;
    assert_eq!(
        record
            .body
            .matches("\"kind\":\"mentor_assigned\",\"occurred_on\"")
            .count(),
        3,
        "{}",
        record.body
    );
    let audit = app
        .api(
            Method::GET,
            "/api/v1/audit-log?action=mentor.confirm",
            Some(&p.admin),
            None,
        )
        .await;
    assert!(audit.body.contains("12 mentor assignments"), "{}", audit.body);
    // Confirming the same proposal again changes nothing.
    assert_eq!(confirm(&app, &p, &view["digest"]).await.status, StatusCode::CONFLICT);
    assert_eq!(app.count("mentor_assignment").await, 12);

    // Delivered to a real SMTP server: right recipient, Chinese subject, both parts, no full ID.
    let (port, mut rx) = crate::outbox::smtp_server().await;
    let mailer = Mailer::plain_smtp("127.0.0.1", port);
    let sent = outbox::deliver_due(&app.state.db, &mailer, "招生办 <zs@county.cn>", 100)
        .await
        .expect("deliver");
    assert_eq!(
        sent.sent as i64,
        emails_before + mentors,
        "one assignment email per mentor and the earlier ones"
    );
    // Delivering again (a retry of the worker) sends nothing twice.
    let again = outbox::deliver_due(&app.state.db, &mailer, "招生办 <zs@county.cn>", 100)
        .await
        .expect("deliver");
    assert_eq!(again.sent, 0);
    let mut assignment_emails = Vec::new();
    for _ in 0..sent.sent {
        let m = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("in time")
            .expect("message");
        let v = serde_json::to_value(&m).expect("json");
        if v["subject"].as_str().unwrap_or("").starts_with("【帮扶分配】") {
            assignment_emails.push(v);
        }
    }
    assert_eq!(assignment_emails.len() as i64, mentors, "exactly one per mentor");
    let zhao: Vec<&Value> = assignment_emails
        .iter()
        .filter(|v| v.to_string().contains("zhao@school.cn"))
        .collect();
    assert_eq!(zhao.len(), 1, "赵 teaches four mentees: one email");
    let first = zhao[0];
    assert!(first["subject"].as_str().expect("s").contains("4 名"), "{first}");
    let text = first["text"].as_str().expect("text");
    let html = first["html"].as_str().expect("html");
    assert_eq!(
        text.matches("answer=accept").count(),
        4,
        "an accept link per mentee: {text}"
    );
    assert_eq!(text.matches("answer=decline").count(), 4);
    assert_eq!(text.matches("/my-mentees").count(), 1, "one link to my mentees");
    assert!(text.contains("专任教师") && html.contains("专任教师"));
    assert!(text.contains("数控技术应用") && html.contains("数控技术应用"));
    assert!(text.contains("/students/") && html.contains("接受"));
    // A valid Message-ID with the sender's domain (no colon on the left of the @).
    let raw = first.to_string();
    assert!(!raw.contains("mentor_assignments:"), "{raw}");
    for id in IDS {
        assert!(!first.to_string().contains(id), "no full national ID in the email");
        assert!(!first.to_string().contains(&id[10..]), "not even its tail");
    }

    // The accept link: a page with a button (no login), then accepted once.
    let accept = link_in(text, "accept");
    let mut mentor = crate::helpers::Browser::new(&app);
    let page = mentor.get(&accept).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("专任教师"), "{}", page.body);
    let path = accept.split('?').next().expect("path").to_string();
    let r = mentor.post(&path, &[("answer", "accept")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("您已接受"), "{}", r.body);
    // Used once: the same link again (accept or decline) changes nothing.
    let again = mentor.post(&path, &[("answer", "decline")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("已经答复过"));
    assert_eq!(mentor.get(&accept).await.status, StatusCode::CONFLICT);
    let accepted = in_force(&app)
        .await
        .into_iter()
        .filter(|a| a.status == AssignmentStatus::Accepted)
        .count();
    assert_eq!(accepted, 1);

    // A tampered link (another id with this signature, or an altered signature) is refused.
    let token = path.trim_start_matches("/mentor-links/");
    let (id, sig) = token.split_once('-').expect("token");
    let other = format!("/mentor-links/{}-{sig}", id.parse::<i32>().expect("id") + 1);
    assert_eq!(mentor.get(&other).await.status, StatusCode::NOT_FOUND);
    let forged = format!("/mentor-links/{id}-{}", "0".repeat(sig.len()));
    let r = mentor.post(&forged, &[("answer", "decline")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("链接无效"));
    assert_eq!(mentor.get("/mentor-links/garbage").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn declining_frees_the_place_and_the_next_proposal_offers_someone_else() {
    let app = TestApp::spawn().await;
    let p = placed_school(&app).await;
    let view = proposal(&app, &p).await;
    assert_eq!(confirm(&app, &p, &view["digest"]).await.status, StatusCode::OK);
    let student = p.students[0];
    let counsellor = in_force(&app)
        .await
        .into_iter()
        .find(|a| a.student_id == student && a.role == MentorRole::Counsellor)
        .expect("counsellor");
    let token = assignments::link_token(app.state.config.secret(), &counsellor);
    let mut mentor = crate::helpers::Browser::new(&app);
    mentor.get(&format!("/mentor-links/{token}?answer=decline")).await;
    let r = mentor
        .post(
            &format!("/mentor-links/{token}"),
            &[("answer", "decline"), ("reason", "本学期外出培训")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let row = entity::mentor_assignment::Entity::find_by_id(counsellor.id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(row.status, AssignmentStatus::Declined);
    assert_eq!(row.in_force, None);
    assert_eq!(row.end_reason.as_deref(), Some("本学期外出培训"));
    // The replacement: the other counsellor, never the one who declined; marked as a replacement.
    let next = proposal(&app, &p).await;
    let list = next["assignments"].as_array().expect("list");
    assert_eq!(list.len(), 1, "{next}");
    assert_eq!(list[0]["student_id"], student);
    assert_eq!(list[0]["role"], "counsellor");
    assert_ne!(list[0]["mentor_id"], counsellor.mentor_id);
    assert_eq!(list[0]["replaces_declined"], true);
    assert_eq!(confirm(&app, &p, &next["digest"]).await.status, StatusCode::OK);
    assert_eq!(in_force(&app).await.len(), 12);
    // The archive tells the story.
    let record = app
        .api(
            Method::GET,
            &format!("/api/v1/students/{student}/entries"),
            Some(&p.clerk),
            None,
        )
        .await;
    assert!(record.body.contains("mentor_answered") && record.body.contains("declined"));
}

#[tokio::test]
async fn an_expired_link_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let p = placed_school(&app).await;
    let view = proposal(&app, &p).await;
    confirm(&app, &p, &view["digest"]).await;
    let a = in_force(&app).await.remove(0);
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    entity::mentor_assignment::Entity::update_many()
        .col_expr(
            entity::mentor_assignment::Column::AnswerBy,
            sea_orm::sea_query::Expr::value(past),
        )
        .filter(entity::mentor_assignment::Column::Id.eq(a.id))
        .exec(&app.state.db)
        .await
        .expect("expire");
    let expired = entity::mentor_assignment::Entity::find_by_id(a.id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    let token = assignments::link_token(app.state.config.secret(), &expired);
    let mut b = crate::helpers::Browser::new(&app);
    let page = b.get(&format!("/mentor-links/{token}")).await;
    assert_eq!(page.status, StatusCode::GONE, "{}", page.body);
    // A page with a form, for the CSRF token a browser would have.
    b.get("/login").await;
    let r = b.post(&format!("/mentor-links/{token}"), &[("answer", "accept")]).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.body.contains("已过期"));
    let row = entity::mentor_assignment::Entity::find_by_id(a.id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(row.status, AssignmentStatus::Assigned);
}

#[tokio::test]
async fn two_clerks_confirming_at_once_write_and_email_each_assignment_once() {
    let app = TestApp::spawn().await;
    let p = placed_school(&app).await;
    let view = proposal(&app, &p).await;
    let outbox_before = app.count("outbox").await;
    let (a, b) = tokio::join!(confirm(&app, &p, &view["digest"]), confirm(&app, &p, &view["digest"]));
    let statuses = [a.status, b.status];
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{} / {}",
        a.body,
        b.body
    );
    let loser = if a.status == StatusCode::OK { &b } else { &a };
    assert!(
        matches!(loser.status, StatusCode::CONFLICT | StatusCode::SERVICE_UNAVAILABLE),
        "{}",
        loser.body
    );
    assert_eq!(app.count("mentor_assignment").await, 12);
    assert_eq!(
        app.count("outbox").await,
        outbox_before + mentors_in(&view),
        "one email per mentor, once"
    );
}

/// How many mentors a proposal gives new mentees to.
fn mentors_in(view: &Value) -> i64 {
    let mentors: std::collections::BTreeSet<i64> = view["assignments"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["mentor_id"].as_i64().expect("id"))
        .collect();
    mentors.len() as i64
}

#[tokio::test]
async fn staff_override_one_assignment_and_bad_choices_are_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let p = placed_school(&app).await;
    let view = proposal(&app, &p).await;
    confirm(&app, &p, &view["digest"]).await;
    let student = p.students[0];
    let current = in_force(&app)
        .await
        .into_iter()
        .find(|a| a.student_id == student && a.role == MentorRole::Counsellor)
        .expect("counsellor");
    let other = if current.mentor_id == p.mentors["张"] {
        p.mentors["李"]
    } else {
        p.mentors["张"]
    };
    let before = (
        app.count("mentor_assignment").await,
        app.count("archive_entry").await,
        app.count("outbox").await,
    );
    let try_override = |role: &'static str, mentor: i32, reason: &'static str| {
        let clerk = p.clerk.clone();
        let app = &app;
        async move {
            app.api(
                Method::POST,
                "/api/v1/mentor-assignments/override",
                Some(&clerk),
                Some(json!({"intake_year": 2026, "student_id": student, "role": role, "mentor_id": mentor, "reason": reason})),
            )
            .await
        }
    };
    for (role, mentor, reason, code) in [
        ("subject_teacher", p.mentors["钱"], "换人", "mentor_skill_mismatch"),
        ("counsellor", p.mentors["王"], "换人", "mentor_cannot_take_role"),
        ("class_teacher", p.mentors["赵"], "换人", "mentor_cannot_take_role"),
        ("counsellor", current.mentor_id, "换人", "mentor_already_assigned"),
        ("counsellor", 99999, "换人", "mentor_unknown"),
        ("counsellor", other, " ", "field_required"),
        ("coach", other, "换人", "choice_invalid"),
    ] {
        let r = try_override(role, mentor, reason).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{role} {code}: {}", r.body);
        assert_eq!(r.json()["fields"][0]["code"], code, "{}", r.body);
    }
    assert_eq!(
        (
            app.count("mentor_assignment").await,
            app.count("archive_entry").await,
            app.count("outbox").await
        ),
        before,
        "nothing written"
    );
    // A full mentor is refused with the maximum named.
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/mentors/{other}"),
            Some(&p.admin),
            Some(json!({"school_id": p.school, "roles": [{"role": "counsellor", "max": 2}], "home_town": "孝义街道"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = try_override("counsellor", other, "家访方便").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["fields"][0]["code"], "mentor_full");
    // With room, the override ends the old assignment and emails the new mentor.
    app.api(
        Method::PUT,
        &format!("/api/v1/mentors/{other}"),
        Some(&p.admin),
        Some(json!({"school_id": p.school, "roles": [{"role": "counsellor", "max": 5}], "home_town": "孝义街道"})),
    )
    .await;
    let r = try_override("counsellor", other, "家访方便").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["mentor_id"], other);
    let old = entity::mentor_assignment::Entity::find_by_id(current.id)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!((old.status, old.in_force), (AssignmentStatus::Replaced, None));
    assert_eq!(old.end_reason.as_deref(), Some("家访方便"));
    assert_eq!(app.count("outbox").await, before.2 + 1);
    assert_eq!(app.count("archive_entry").await, before.1 + 2, "replaced + assigned");
    // The portal page shows the current mentors and the history.
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get(&format!("/mentoring/students/{student}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("已更换") && page.body.contains("家访方便"),
        "{}",
        page.body
    );
    // The portal form shows a refusal next to the field.
    let r = clerk
        .post(
            &format!("/mentoring/students/{student}"),
            &[
                ("year", "2026"),
                ("role", "subject_teacher"),
                ("mentor_id", &p.mentors["钱"].to_string()),
                ("reason", "试试"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不教授“数控”"), "{}", r.body);
}

#[tokio::test]
async fn mentors_record_help_sessions_and_overdue_mentees_get_one_digest_a_week() {
    let app = TestApp::spawn().await;
    let p = placed_school(&app).await;
    let view = proposal(&app, &p).await;
    confirm(&app, &p, &view["digest"]).await;
    // Every assignment is 40 days old and nobody has been in contact.
    entity::mentor_assignment::Entity::update_many()
        .col_expr(
            entity::mentor_assignment::Column::AssignedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::days(40)),
        )
        .exec(&app.state.db)
        .await
        .expect("age");
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/mentoring/overdue").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("<td class=\"num\">40</td>").count(),
        12,
        "{}",
        page.body
    );

    // 王 (class teacher of all four) records a home visit with the first student.
    let mut wang = crate::helpers::Browser::new(&app);
    assert_eq!(
        wang.login("wang@school.cn", crate::helpers::PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let mine = wang.get("/my-mentees").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(mine.body.matches("class=\"overdue\"").count(), 4);
    let student = p.students[0];
    let form = wang.get(&format!("/my-mentees/{student}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let entries_before = app.count("archive_entry").await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .to_string();
    let bad = wang
        .post(
            &format!("/my-mentees/{student}"),
            &[
                ("date", &tomorrow),
                ("mode", "letter"),
                ("duration_minutes", "0"),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("日期不能晚于今天") && bad.body.contains("请选择以下之一"),
        "{}",
        bad.body
    );
    assert_eq!(app.count("archive_entry").await, entries_before, "nothing written");
    let today = chrono::Utc::now().date_naive().to_string();
    let ok = wang
        .post(
            &format!("/my-mentees/{student}"),
            &[
                ("date", &today),
                ("mode", "home_visit"),
                ("duration_minutes", "60"),
                ("notes", "了解学习和家庭情况"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(app.count("archive_entry").await, entries_before + 1);
    let record = app
        .api(
            Method::GET,
            &format!("/api/v1/students/{student}/entries"),
            Some(&p.clerk),
            None,
        )
        .await;
    assert!(record.body.contains("mentor_session") && record.body.contains("了解学习和家庭情况"));
    // Not a mentee of this mentor: refused, nothing written.
    let stranger = app.seed_student("外校生", "410181200701010013", 2026).await;
    let r = wang
        .post(
            &format!("/my-mentees/{stranger}"),
            &[("date", &today), ("mode", "phone")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert_eq!(app.count("archive_entry").await, entries_before + 1);
    // The API refuses non-mentors.
    let r = app
        .api(
            Method::POST,
            "/api/v1/mentor-sessions",
            Some(&p.clerk),
            Some(json!({"student_id": student, "date": today, "mode": "phone"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // 11 overdue now; digests: one per mentor with overdue mentees (张, 李, 王, 赵), once a week.
    let overdue = app
        .api(Method::GET, "/api/v1/mentor-assignments/overdue", Some(&p.clerk), None)
        .await;
    assert_eq!(overdue.json()["items"].as_array().expect("list").len(), 11);
    // In the list shape: longest without contact first, a page at a time.
    let page = app
        .api(
            Method::GET,
            "/api/v1/mentor-assignments/overdue?per_page=5&page=3",
            Some(&p.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(
        (
            page["total"].clone(),
            page["pages"].clone(),
            page["items"].as_array().map(Vec::len)
        ),
        (json!(11), json!(3), Some(1)),
        "{page}"
    );
    let now = chrono::Utc::now();
    let first = vocpath::mentor::sessions::queue_weekly_digests(&app.state.db, &app.state.config, now)
        .await
        .expect("digests");
    assert_eq!(first, 4);
    let again = vocpath::mentor::sessions::queue_weekly_digests(&app.state.db, &app.state.config, now)
        .await
        .expect("digests");
    assert_eq!(again, 0, "never two in one week");
    let next_week = vocpath::mentor::sessions::queue_weekly_digests(
        &app.state.db,
        &app.state.config,
        now + chrono::Duration::days(7),
    )
    .await
    .expect("digests");
    assert_eq!(next_week, 4, "the next week brings the next digest");
    let wang_digest = entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("mentor_digest"))
        .filter(entity::outbox::Column::Recipient.eq("wang@school.cn"))
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("digest");
    assert!(wang_digest.subject.contains("3 名学生"), "{}", wang_digest.subject);
    assert!(
        !wang_digest.body_text.contains("学生甲"),
        "the student just visited is not listed"
    );
}

#[tokio::test]
async fn the_mentoring_pages_show_the_proposal_and_confirm_it() {
    let app = TestApp::spawn().await;
    let p = placed_school(&app).await;
    let mut clerk = app.browser_as(Role::Admissions).await;
    let page = clerk.get("/mentoring").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("确认分配并发送邮件"), "{}", page.body);
    let digest_at = page.body.find("name=\"digest\" value=\"").expect("digest") + 21;
    let digest = page.body[digest_at..digest_at + 24].to_string();
    let stale = clerk
        .post("/mentoring/confirm", &[("year", "2026"), ("digest", "stale")])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("请重新查看后再确认"));
    let r = clerk
        .post("/mentoring/confirm", &[("year", "2026"), ("digest", &digest)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = clerk.get(r.location()).await;
    assert!(page.body.contains("已确认 12 条分配"), "{}", page.body);
    for path in ["/mentoring/assignments", "/mentoring/overdue", "/mentoring/mentors"] {
        let r = clerk.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    // Admins edit profiles on the portal; a bad maximum is named next to its field.
    let mut admin = app.browser_as(Role::Admin).await;
    let zhang = p.mentors["张"];
    let form = admin.get(&format!("/mentoring/mentors/{zhang}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let school = p.school.to_string();
    let r = admin
        .post(
            &format!("/mentoring/mentors/{zhang}"),
            &[
                ("school_id", &school),
                ("counsellor", "abc"),
                ("home_town", "米河镇"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("“abc”不是"), "{}", r.body);
    let r = admin
        .post(
            &format!("/mentoring/mentors/{zhang}"),
            &[
                ("school_id", &school),
                ("counsellor", "8"),
                ("home_town", "米河镇"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Mentors do not see the staff pages; staff have no "my mentees".
    let mut mentor = crate::helpers::Browser::new(&app);
    mentor.login("zhao@school.cn", crate::helpers::PASSWORD).await;
    assert_eq!(mentor.get("/mentoring").await.status, StatusCode::FORBIDDEN);
    let home = mentor.get("/").await;
    assert!(home.body.contains("/my-mentees"));
    assert_eq!(clerk.get("/my-mentees").await.status, StatusCode::FORBIDDEN);
}

/// A mentor's home page shows their load — mentees, overdue contacts, the next contact due and who
/// to contact first — and "my mentees" finds a mentee by name and shows the overdue only.
#[tokio::test]
async fn a_mentors_home_shows_their_load_and_my_mentees_can_be_searched() {
    let app = TestApp::spawn().await;
    let p = placed_school(&app).await;
    let view = proposal(&app, &p).await;
    confirm(&app, &p, &view["digest"]).await;
    // 王 is class teacher of all four; two assignments are 40 days old, two 10 days.
    let wang = p.mentors["王"];
    let rows: Vec<entity::mentor_assignment::Model> = entity::mentor_assignment::Entity::find()
        .all(&app.state.db)
        .await
        .expect("rows")
        .into_iter()
        .filter(|a| a.mentor_id == wang)
        .collect();
    assert_eq!(rows.len(), 4);
    for (i, a) in rows.iter().enumerate() {
        let days = if i < 2 { 40 } else { 10 };
        let mut m: entity::mentor_assignment::ActiveModel = a.clone().into();
        m.assigned_at = sea_orm::Set(chrono::Utc::now() - chrono::Duration::days(days));
        sea_orm::ActiveModelTrait::update(m, &app.state.db).await.expect("age");
    }
    let mut b = crate::helpers::Browser::new(&app);
    assert_eq!(
        b.login("wang@school.cn", crate::helpers::PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    let dd: Vec<&str> = home
        .body
        .split("<dd>")
        .skip(1)
        .map(|d| d.split("</dd>").next().unwrap_or_default())
        .collect();
    assert!(dd[0].contains(">4<"), "four mentees: {dd:?}");
    assert!(dd[1].contains(">2<"), "two overdue: {dd:?}");
    let due = (vocpath::clock::today() + chrono::Duration::days(20)).to_string();
    assert!(
        home.body.contains(&due),
        "the next contact is due in 20 days: {}",
        home.body
    );
    assert!(home.body.contains("请先联系"), "who to contact first");
    // Search by name, overdue only, and a hostile query.
    let names: Vec<String> = {
        let page = b.get("/my-mentees").await;
        page.body
            .split("<strong>")
            .skip(1)
            .filter_map(|x| x.split("</strong>").next())
            .filter(|x| x.starts_with("学生"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(names.len(), 4, "{names:?}");
    let one = b.get(&format!("/my-mentees?q={}", urlencoding(&names[3]))).await;
    assert_eq!(one.body.matches("class=\"card\"").count(), 1, "{}", one.body);
    let overdue = b.get("/my-mentees?only=overdue").await;
    assert_eq!(overdue.body.matches("class=\"card\"").count(), 2);
    let odd = b.get("/my-mentees?q=%00%E2%80%AE%3Cscript%3E").await;
    assert_eq!(odd.status, StatusCode::OK);
    assert!(odd.body.contains("没有符合条件的学生"), "{}", odd.body);
    assert!(!odd.body.contains("<script>"), "escaped");
}

fn urlencoding(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .expect("encode")
        .trim_start_matches("x=")
        .to_string()
}

/// Rotating `VOCPATH_SECRET_KEY`: with the old key as `VOCPATH_SECRET_KEY_PREVIOUS`, a link emailed
/// before the change still opens (until it expires); a link signed under any other key does not,
/// and new links are signed under the new key.
#[tokio::test]
async fn an_answer_link_signed_before_a_key_change_opens_while_the_previous_key_is_configured() {
    const OLD: &str = "the-key-before-the-change-0123456789abcdef";
    let app = TestApp::spawn_with(&[("VOCPATH_SECRET_KEY_PREVIOUS", OLD)]).await;
    let p = placed_school(&app).await;
    let view = proposal(&app, &p).await;
    assert_eq!(confirm(&app, &p, &view["digest"]).await.status, StatusCode::OK);
    let row = in_force(&app).await.into_iter().next().expect("an assignment");
    let mut mentor = crate::helpers::Browser::new(&app);
    let old_link = format!("/mentor-links/{}", assignments::link_token(OLD.as_bytes(), &row));
    let page = mentor.get(&old_link).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let stranger = assignments::link_token(b"a-key-this-service-never-had-0123456789", &row);
    assert_eq!(
        mentor.get(&format!("/mentor-links/{stranger}")).await.status,
        StatusCode::NOT_FOUND
    );
    let new_link = assignments::link_token(app.state.config.secret(), &row);
    assert_ne!(
        new_link,
        assignments::link_token(OLD.as_bytes(), &row),
        "new links use the new key"
    );
    let r = mentor.post(&old_link, &[("answer", "accept")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Without the previous key the old link is refused.
    let plain = TestApp::spawn().await;
    let p = placed_school(&plain).await;
    let view = proposal(&plain, &p).await;
    assert_eq!(confirm(&plain, &p, &view["digest"]).await.status, StatusCode::OK);
    let row = in_force(&plain).await.into_iter().next().expect("an assignment");
    let mut someone = crate::helpers::Browser::new(&plain);
    let old_link = format!("/mentor-links/{}", assignments::link_token(OLD.as_bytes(), &row));
    assert_eq!(someone.get(&old_link).await.status, StatusCode::NOT_FOUND);
}

/// A help session whose stored details are not JSON is reported as a server error naming the
/// archive entry, never shown as an empty session.
#[tokio::test]
async fn a_session_with_unreadable_stored_details_is_an_error_not_an_empty_line() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::spawn().await;
    let p = placed_school(&app).await;
    let view = proposal(&app, &p).await;
    confirm(&app, &p, &view["digest"]).await;
    let student = p.students[0];
    let mut wang = crate::helpers::Browser::new(&app);
    wang.login("wang@school.cn", crate::helpers::PASSWORD).await;
    assert_eq!(wang.get(&format!("/my-mentees/{student}")).await.status, StatusCode::OK);
    entity::archive_entry::ActiveModel {
        student_id: Set(student),
        kind: Set(entity::archive_entry::EntryKind::MentorSession),
        occurred_on: Set(chrono::Utc::now().date_naive()),
        details: Set("{not json".into()),
        supersedes_id: Set(None),
        recorded_by: Set(None),
        recorded_by_label: Set("test".into()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("entry");
    let page = wang.get(&format!("/my-mentees/{student}")).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", page.body);
}
