//! The transactional outbox: written with the business change, sent once, retried with backoff,
//! failures visible; a real SMTP server runs inside the test on 127.0.0.1.

use std::time::Duration;

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::json;
use vocpath::auth::user::AccountCreated;
use vocpath::mail::Mailer;
use vocpath::outbox;
use vocpath::outbox::Notice;

use crate::helpers::TestApp;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// An SMTP server in this process; returns its port and the channel of received messages.
pub async fn smtp_server() -> (u16, tokio::sync::broadcast::Receiver<mailcrab::MailMessage>) {
    let port = free_port();
    let handle = mailcrab::development_mail_server([127, 0, 0, 1], port).await;
    // It binds in a spawned task: wait until it accepts connections.
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (port, handle.rx)
}

/// A welcome email to `to` under `key`, told apart by the name `测试用户 <n>` in its text.
fn email(key: &str, to: &str, n: usize) -> Notice<AccountCreated> {
    let message = AccountCreated {
        name: format!("测试用户 {n}"),
        email: to.to_string(),
        role: "只读",
        login_url: "http://localhost/login".into(),
    };
    Notice::new(key, to, message)
}

#[tokio::test]
async fn creating_an_account_queues_one_welcome_email_in_the_same_transaction() {
    let app = TestApp::spawn().await;
    let admin = app.token(Role::Admin).await;
    let before = app.count("outbox").await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({"email": "new@school.cn", "name": "王老师", "role": "mentor"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.count("outbox").await, before + 1);
    let bad = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(json!({"email": "new@school.cn", "name": "重复", "role": "mentor"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("outbox").await, before + 1, "a refused change queues nothing");
    let welcome = app.take_emails().await;
    assert_eq!(welcome.len(), 1);
    assert_eq!(
        (welcome[0].kind.as_str(), welcome[0].recipient.as_str()),
        ("account_created", "new@school.cn")
    );
    app.assert_no_unexpected_messages().await;
}

#[tokio::test]
async fn the_memory_transport_hands_tests_what_was_sent_and_a_leftover_message_fails_the_test() {
    let app = TestApp::spawn().await;
    outbox::enqueue(&app.state.db, email("event:m", "m@school.cn", 5))
        .await
        .expect("enqueue");
    let sent = app.deliver_emails().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, ["m@school.cn"]);
    assert!(sent[0].raw.contains("multipart/alternative"), "{}", sent[0].raw);
    assert!(app.deliver_emails().await.is_empty(), "sent once");
    // Not taken yet: the check fails the test.
    let check = std::panic::AssertUnwindSafe(app.assert_no_unexpected_messages());
    let left = futures_util::FutureExt::catch_unwind(check).await;
    assert!(left.is_err(), "an untaken message is reported");
    assert!(app.take_emails().await.is_empty(), "the failed check took it");
    app.assert_no_unexpected_messages().await;
}

#[tokio::test]
async fn the_same_event_never_queues_two_emails() {
    let app = TestApp::spawn().await;
    assert!(
        outbox::enqueue(&app.state.db, email("event:1", "a@school.cn", 1))
            .await
            .expect("enqueue")
    );
    assert!(
        !outbox::enqueue(&app.state.db, email("event:1", "a@school.cn", 1))
            .await
            .expect("enqueue")
    );
    assert_eq!(app.count("outbox").await, 1);
}

#[tokio::test]
async fn emails_arrive_over_smtp_with_recipient_chinese_subject_and_both_parts() {
    let app = TestApp::spawn().await;
    let (port, mut rx) = smtp_server().await;
    let mailer = Mailer::plain_smtp("127.0.0.1", port);
    let admin = app.token(Role::Admin).await;
    app.api(
        Method::POST,
        "/api/v1/users",
        Some(&admin),
        Some(json!({"email": "teacher@school.cn", "name": "李老师", "role": "mentor"})),
    )
    .await;
    let done = outbox::deliver_due(&app.state.db, &mailer, "招生办 <zs@county.cn>", 10)
        .await
        .expect("deliver");
    assert_eq!(done.sent, 1);
    let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("in time")
        .expect("message");
    let v = serde_json::to_value(&got).expect("json");
    assert!(v.to_string().contains("teacher@school.cn"), "{v}");
    assert_eq!(v["subject"], "【中职精准帮扶平台】您的账号已开通");
    assert!(v["text"].as_str().expect("text").contains("李老师"));
    assert!(v["html"].as_str().expect("html").contains("登录平台"));
    assert!(!v.to_string().contains("correct horse"), "no password in the email");
    // Sent once: a second pass finds nothing.
    assert_eq!(
        outbox::deliver_due(&app.state.db, &mailer, "zs@county.cn", 10)
            .await
            .expect("deliver")
            .sent,
        0
    );
}

#[tokio::test]
async fn an_unreachable_server_means_retries_with_backoff_then_failed_with_the_error() {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let app = TestApp::spawn().await;
    let mailer = Mailer::plain_smtp("127.0.0.1", free_port());
    outbox::enqueue(&app.state.db, email("event:x", "a@school.cn", 1))
        .await
        .expect("enqueue");
    let first = outbox::deliver_due(&app.state.db, &mailer, "zs@county.cn", 10)
        .await
        .expect("deliver");
    assert_eq!(first.retried, 1);
    let row = entity::outbox::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 1));
    assert!(
        row.next_attempt_at > chrono::Utc::now() + chrono::Duration::seconds(20),
        "backoff"
    );
    assert!(row.last_error.is_some());
    // Make every later attempt due at once and run out of attempts.
    for _ in 1..outbox::MAX_ATTEMPTS {
        app.state
            .db
            .execute_unprepared("UPDATE outbox SET next_attempt_at = created_at")
            .await
            .expect("due");
        outbox::deliver_due(&app.state.db, &mailer, "zs@county.cn", 10)
            .await
            .expect("deliver");
    }
    let row = entity::outbox::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!((row.status.as_str(), row.attempts), ("failed", outbox::MAX_ATTEMPTS));
    // Staff resend: queued again, attempts reset.
    let mut admin = app.browser_as(Role::Admin).await;
    let page = admin.get("/admin/outbox?status=failed").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("a@school.cn"));
    assert!(
        page.body.contains(&format!("/admin/outbox/{}/resend", row.id)),
        "a failed email offers resend"
    );
    // A filter that is not a status is refused naming the choices, not shown as an empty log.
    let bad = admin.get("/admin/outbox?status=lost").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(
        bad.body.contains("queued, sending, sent, failed, unknown, withdrawn"),
        "{}",
        bad.body
    );
    let sent = admin.get("/admin/outbox?status=sent").await;
    assert!(!sent.body.contains("a@school.cn"), "the filter still filters");
    let r = admin.post(&format!("/admin/outbox/{}/resend", row.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let row = entity::outbox::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 0));
}

#[tokio::test]
async fn concurrent_workers_send_every_email_exactly_once() {
    let app = TestApp::spawn().await;
    let (port, mut rx) = smtp_server().await;
    for n in 0..30 {
        outbox::enqueue(
            &app.state.db,
            email(&format!("event:{n}"), &format!("m{n}@school.cn"), n),
        )
        .await
        .expect("enqueue");
    }
    let mut workers = Vec::new();
    for _ in 0..4 {
        let db = app.state.db.clone();
        let mailer = Mailer::plain_smtp("127.0.0.1", port);
        workers.push(tokio::spawn(async move {
            outbox::deliver_due(&db, &mailer, "zs@county.cn", 100)
                .await
                .expect("deliver")
                .sent
        }));
    }
    let mut sent = 0;
    for w in workers {
        sent += w.await.expect("join");
    }
    assert_eq!(sent, 30);
    let mut texts = std::collections::HashSet::new();
    for _ in 0..30 {
        let m = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("in time")
            .expect("message");
        assert!(
            texts.insert(serde_json::to_value(&m).expect("json")["text"].to_string()),
            "a message arrived twice"
        );
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "nothing more arrives"
    );
}

#[tokio::test]
async fn without_smtp_emails_are_written_as_eml_files() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("dir");
    let mailer = Mailer::File(dir.path().to_path_buf());
    outbox::enqueue(&app.state.db, email("event:f", "a@school.cn", 7))
        .await
        .expect("enqueue");
    outbox::deliver_due(&app.state.db, &mailer, "zs@county.cn", 10)
        .await
        .expect("deliver");
    let files: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(files.len(), 1);
    let text = std::fs::read_to_string(files[0].as_ref().expect("entry").path()).expect("read");
    assert!(text.contains("a@school.cn") && text.contains("multipart/alternative"));
}

#[tokio::test]
async fn a_server_that_refuses_then_accepts_gets_the_email_once_after_a_retry() {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let app = TestApp::spawn().await;
    let port = free_port();
    let mailer = Mailer::plain_smtp("127.0.0.1", port);
    outbox::enqueue(&app.state.db, email("event:r", "r@school.cn", 3))
        .await
        .expect("enqueue");
    // Nobody listens yet: the connection is refused and the email waits for its retry.
    let first = outbox::deliver_due(&app.state.db, &mailer, "zs@county.cn", 10)
        .await
        .expect("deliver");
    assert_eq!((first.sent, first.retried), (0, 1));
    // The server comes up on that port; the retry falls due.
    let handle = mailcrab::development_mail_server([127, 0, 0, 1], port).await;
    let mut rx = handle.rx;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.state
        .db
        .execute_unprepared("UPDATE outbox SET next_attempt_at = created_at")
        .await
        .expect("due");
    let second = outbox::deliver_due(&app.state.db, &mailer, "zs@county.cn", 10)
        .await
        .expect("deliver");
    assert_eq!(second.sent, 1);
    let got = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("in time")
        .expect("message");
    let got = serde_json::to_value(&got).expect("json");
    assert!(got["text"].as_str().expect("text").contains("测试用户 3"), "{got}");
    let row = entity::outbox::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!((row.status.as_str(), row.attempts), ("sent", 2));
    // Nothing more goes out.
    outbox::deliver_due(&app.state.db, &mailer, "zs@county.cn", 10)
        .await
        .expect("deliver");
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "sent once"
    );
}

#[tokio::test]
async fn a_crash_between_sending_and_recording_neither_loses_nor_doubles_the_email() {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let app = TestApp::spawn().await;
    let (port, mut rx) = smtp_server().await;
    let mailer = Mailer::plain_smtp("127.0.0.1", port);
    outbox::enqueue(&app.state.db, email("event:c", "c@school.cn", 4))
        .await
        .expect("enqueue");
    // A worker claims the row and sends it, then dies before recording the outcome.
    app.state
        .db
        .execute_unprepared("UPDATE outbox SET status = 'sending', attempts = 1, claimed_at = created_at")
        .await
        .expect("claim");
    let row = entity::outbox::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    let message = vocpath::mail::build_message(
        "zs@county.cn",
        &row.recipient,
        &row.subject,
        &row.body_text,
        &row.body_html,
        "<event-c@vocpath>",
    )
    .expect("message");
    mailer.send(message).await.expect("sent before the crash");
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("in time")
        .expect("message");
    // A restarted worker: while the claim is recent it leaves the row alone…
    outbox::deliver_due(&app.state.db, &mailer, "zs@county.cn", 10)
        .await
        .expect("deliver");
    // …and once the claim is older than the timeout it marks it `unknown`, never resending it.
    entity::outbox::Entity::update_many()
        .col_expr(
            entity::outbox::Column::ClaimedAt,
            sea_orm::sea_query::Expr::value(
                chrono::Utc::now() - chrono::Duration::minutes(outbox::CLAIM_TIMEOUT_MINUTES + 1),
            ),
        )
        .exec(&app.state.db)
        .await
        .expect("age");
    let d = outbox::deliver_due(&app.state.db, &mailer, "zs@county.cn", 10)
        .await
        .expect("deliver");
    assert_eq!(d.sent, 0);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "not sent twice"
    );
    let row = entity::outbox::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(row.status, entity::outbox::OutboxStatus::Unknown);
    // Not lost either: staff see it on the delivery log, counted as a failure, with a resend button.
    assert_eq!(outbox::failed_count(&app.state.db).await.expect("count"), 1);
    let mut admin = app.browser_as(Role::Admin).await;
    let page = admin.get("/admin/outbox?status=unknown").await;
    assert!(
        page.body.contains("c@school.cn") && page.body.contains("/resend"),
        "{}",
        page.body
    );
}
