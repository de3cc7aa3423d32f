//! Offer text messages: a commit and a direct placement queue one per placed student with a phone
//! (none without), a retry queues nothing twice, a refused commit queues nothing, and no message
//! carries a national ID.

use poem::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::letters::{FULL_IDS, placements};
use crate::reporting_windows::set_window;
use crate::routing::{commit_run, prefer, setup};

async fn offers(app: &TestApp) -> Vec<entity::outbox::Model> {
    entity::outbox::Entity::find()
        .filter(entity::outbox::Column::Kind.eq("admission_offer"))
        .order_by_asc(entity::outbox::Column::Id)
        .all(&app.state.db)
        .await
        .expect("outbox")
}

/// The placement's offer texts: each placed student with a phone gets one, none without, a retry or
/// a second call adds none, and none carries a national ID.
#[tokio::test]
async fn a_commit_queues_one_offer_sms_per_placed_student_with_a_phone_and_never_twice() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let school = set_window(&app, &s).await;
    // The first student has no phone.
    let no_phone = entity::student::Entity::find_by_id(s.students[0])
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("student");
    let mut row = no_phone.into_active_model();
    row.phone = Set(None);
    row.update(&app.state.db).await.expect("update");
    // The first two take P02's two seats; the other two want P01's one seat.
    for (i, st) in s.students.iter().enumerate() {
        prefer(&app, &s, *st, &[s.programmes[usize::from(i < 2)]]).await;
    }
    commit_run(&app, &s, 1).await;
    let placed = placements(&app, &s).await;
    assert_eq!(placed.len(), 3);
    assert!(
        placed
            .iter()
            .any(|p| p["student_id"].as_i64() == Some(i64::from(s.students[0])))
    );
    let with_phone: Vec<&Value> = placed
        .iter()
        .filter(|p| p["student_id"].as_i64() != Some(i64::from(s.students[0])))
        .collect();
    let queued = offers(&app).await;
    assert_eq!(queued.len(), with_phone.len(), "{queued:?}");
    for (sms, p) in queued.iter().zip(&with_phone) {
        assert_eq!(sms.channel, entity::outbox::Channel::Sms);
        assert_eq!(sms.recipient, "13800138000");
        assert_eq!(sms.idempotency_key, format!("offer:{}", p["id"]));
        assert!(sms.body_text.contains("巩义市第一中等职业学校"), "{}", sms.body_text);
        assert!(sms.body_text.contains("9月1日至9月3日"), "{}", sms.body_text);
        assert!(
            sms.body_text.contains("巩义市职教园区 3 号教学楼一楼大厅"),
            "{}",
            sms.body_text
        );
        for id in FULL_IDS {
            assert!(!sms.body_text.contains(id), "{}", sms.body_text);
        }
        assert!(!sms.body_text.contains("410181"), "no ID at all: {}", sms.body_text);
    }

    // Queued again for the same placements (a retry): nothing new, the letters keep their codes.
    let ids: Vec<i32> = placed.iter().map(|p| p["id"].as_i64().expect("id") as i32).collect();
    let letters_before = app.count("admission_letter").await;
    assert_eq!(letters_before, 3, "every placement has its letter from the commit");
    let txn = vocpath::db::begin_write(&app.state.db).await.expect("txn");
    vocpath::admissions::offers::queue_offer_notices(&txn, &ids)
        .await
        .expect("queue");
    txn.commit().await.expect("commit");
    assert_eq!(offers(&app).await.len(), with_phone.len(), "nothing twice");
    assert_eq!(app.count("admission_letter").await, letters_before);

    // A direct placement texts its student too, once.
    let left_over = s
        .students
        .iter()
        .find(|st| !placed.iter().any(|p| p["student_id"].as_i64() == Some(i64::from(**st))))
        .copied()
        .expect("one left over");
    let mut b = app
        .api(
            Method::PUT,
            &format!("/api/v1/programmes/{}", s.programmes[1]),
            Some(&s.admin),
            Some(
                json!({"school_id": school, "code": "P02", "name": "护理", "skill_area": "机械", "town": "米河镇",
                        "intake_year": 2026, "capacity": 3, "reserved_seats": 1,
                        "requirements": [{"name": "score 200+", "when": "student.exam_score >= 200.0"}]}),
            ),
        )
        .await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.body);
    b = app
        .api(
            Method::POST,
            "/api/v1/placements",
            Some(&s.clerk),
            Some(json!({"student_id": left_over, "programme_id": s.programmes[1], "reason": "申诉复核"})),
        )
        .await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.body);
    let after = offers(&app).await;
    assert_eq!(after.len(), with_phone.len() + 1);
    let direct = after.last().expect("direct offer");
    assert_eq!(direct.idempotency_key, format!("offer:{}", b.json()["id"]));
    assert!(direct.body_text.contains("护理"), "{}", direct.body_text);
    assert_eq!(app.count("admission_letter").await, 4);
}

/// An offer declined before its text message went out: the message is withdrawn (never sent), the
/// others stay queued; one already sent is left as sent.
#[tokio::test]
async fn a_released_offers_unsent_message_is_withdrawn() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0], s.programmes[1]]).await;
    }
    commit_run(&app, &s, 1).await;
    let placed = placements(&app, &s).await;
    assert_eq!(offers(&app).await.len(), placed.len());
    // The first message went out already.
    let first = offers(&app).await[0].clone();
    let mut sent = first.clone().into_active_model();
    sent.status = Set(entity::outbox::OutboxStatus::Sent);
    sent.update(&app.state.db).await.expect("update");
    for p in &placed[..2] {
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/placements/{}/decline", p["id"]),
                Some(&s.clerk),
                Some(json!({"reason": "parents_decision"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let after = offers(&app).await;
    let statuses: Vec<&str> = after.iter().map(|m| m.status.as_str()).collect();
    assert_eq!(statuses, ["sent", "withdrawn", "queued"], "{after:?}");
    assert!(after[1].last_error.as_deref().unwrap_or_default().contains("released"));
    let listed = app
        .api(Method::GET, "/api/v1/outbox?status=withdrawn", Some(&s.admin), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.json()["total"], 1);
}

/// A round queues tens of thousands of texts: from 1,000 on they are rendered on all cores. Each row
/// is the text rendered on its own, in the notices' order, and a notice queued before is skipped.
#[tokio::test]
async fn many_texts_are_rendered_on_all_cores_each_as_alone_and_in_order() {
    use vocpath::admissions::offers::OfferText;
    use vocpath::outbox::{Notice, enqueue_all, notice::render};

    let app = TestApp::spawn().await;
    let text = |i: usize| OfferText::new(&format!("学生{i}"), "一职专", &format!("专业{}", i % 7), 2026, None);
    let notices = |range: std::ops::Range<usize>| -> Vec<Notice<OfferText>> {
        range
            .map(|i| Notice::new(format!("offer:{i}"), format!("138{i:08}"), text(i)))
            .collect()
    };
    let txn = vocpath::db::begin_write(&app.state.db).await.expect("txn");
    enqueue_all(&txn, notices(0..10)).await.expect("a few");
    enqueue_all(&txn, notices(0..2_500)).await.expect("many");
    txn.commit().await.expect("commit");
    let queued = offers(&app).await;
    assert_eq!(queued.len(), 2_500);
    for (i, row) in queued.iter().enumerate() {
        assert_eq!(row.idempotency_key, format!("offer:{i}"));
        assert_eq!(row.recipient, format!("138{i:08}"));
        assert_eq!(row.body_text, render(&text(i)).expect("render").text, "text {i}");
    }
}
