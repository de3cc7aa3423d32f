//! Placements as the official record: direct placement by staff (reason, capacity, ledger, archive,
//! audit), a stale dry run refused at commit, and the last seat taken once under concurrency.

use entity::enums::Role;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::routing::{Setup, commit_run, dry_run, ledger_lines, prefer, setup};

async fn place(app: &TestApp, s: &Setup, student: i32, programme: i64, reason: &str) -> crate::helpers::Reply {
    app.api(
        Method::POST,
        "/api/v1/placements",
        Some(&s.clerk),
        Some(json!({"student_id": student, "programme_id": programme, "reason": reason})),
    )
    .await
}

async fn direct_placements(app: &TestApp, s: &Setup) -> Value {
    let r = app
        .api(
            Method::GET,
            "/api/v1/placements?intake_year=2026&kind=direct",
            Some(&s.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn placed_total(app: &TestApp, s: &Setup) -> i64 {
    let r = app
        .api(Method::GET, "/api/v1/placements?intake_year=2026", Some(&s.clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["total"].as_i64().expect("total")
}

/// Issue 12, defect 2: placing by hand is a first-class direct placement — reason required, seat
/// counted against capacity, ledger line closed, offer in the archive, audited, shown in the round
/// history — and every wrong request is refused with nothing written.
#[tokio::test]
async fn a_direct_placement_needs_a_reason_takes_a_seat_and_closes_the_ledger_line() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0]]).await;
    }
    commit_run(&app, &s, 1).await;
    let lines = ledger_lines(&app, &s).await;
    assert_eq!(lines.len(), 3, "one seat in P01, three left over");
    let waiting = lines[0]["student_id"].as_i64().expect("sid") as i32;
    let line_id = lines[0]["id"].as_i64().expect("id");
    let placed_by_run = *s
        .students
        .iter()
        .find(|st| !lines.iter().any(|l| l["student_id"] == **st))
        .expect("placed student");

    // Refusals, each naming the problem; nothing written.
    for (student, programme, reason, status, says) in [
        (
            waiting,
            s.programmes[1],
            "  ",
            StatusCode::UNPROCESSABLE_ENTITY,
            "direct_reason_required",
        ),
        (
            waiting,
            s.programmes[1],
            "补报名\u{7}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "text_has_control",
        ),
        (
            waiting,
            s.programmes[0],
            "补报名",
            StatusCode::CONFLICT,
            "programme_full",
        ),
        (
            placed_by_run,
            s.programmes[1],
            "申诉",
            StatusCode::CONFLICT,
            "already_placed",
        ),
        (
            waiting,
            9999,
            "补报名",
            StatusCode::UNPROCESSABLE_ENTITY,
            "programme_unknown",
        ),
    ] {
        let r = place(&app, &s, student, programme, reason).await;
        assert_eq!(r.status, status, "{}", r.body);
        assert!(r.body.contains(says), "{says}: {}", r.body);
    }
    let too_long = place(&app, &s, waiting, s.programmes[1], &"长".repeat(501)).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    let next_year = app.seed_student("学生戊", "410181200805018733", 2027).await;
    let r = place(&app, &s, next_year, s.programmes[1], "补报名").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("2027"), "{}", r.body);
    assert_eq!(direct_placements(&app, &s).await["total"], 0, "nothing written");
    assert_eq!(placed_total(&app, &s).await, 1);

    // The real thing.
    let ok = place(&app, &s, waiting, s.programmes[1], "7 月 10 日申诉复核，招生办同意").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let placed = ok.json();
    assert_eq!(placed["kind"], "direct");
    assert!(placed["run_id"].is_null());
    let listed = direct_placements(&app, &s).await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["direct_reason"], "7 月 10 日申诉复核，招生办同意");

    let lines = ledger_lines(&app, &s).await;
    let line = lines.iter().find(|l| l["id"] == line_id).expect("line");
    assert_eq!(line["close_reason"], "placed");
    assert_eq!(line["close_note"], "7 月 10 日申诉复核，招生办同意");
    let entries = app
        .api(
            Method::GET,
            &format!("/api/v1/students/{waiting}/entries"),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    let entries = entries
        .get("items")
        .unwrap_or(&entries)
        .as_array()
        .expect("entries")
        .clone();
    let offer = entries
        .iter()
        .find(|e| e["kind"] == "enrolment_offer")
        .expect("offer in the archive");
    assert_eq!(offer["details"]["direct_reason"], "7 月 10 日申诉复核，招生办同意");
    let audit = app
        .api(
            Method::GET,
            "/api/v1/audit-log?action=placement.direct",
            Some(&s.admin),
            None,
        )
        .await;
    assert!(audit.body.contains("placement.direct"), "audited: {}", audit.body);

    // Again for the same student: refused.
    let again = place(&app, &s, waiting, s.programmes[1], "再次").await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // The seat counts: round 2 has one P02 seat left of two.
    let run = dry_run(&app, &s, 2).await;
    let p02 = run["result"]["programmes"]
        .as_array()
        .expect("programmes")
        .iter()
        .find(|p| p["code"] == "P02")
        .expect("P02")
        .clone();
    assert_eq!(p02["capacity"], 1, "{p02}");
    // Capacity cannot go below run + direct placements.
    let programme = json!({"school_id": 1, "code": "P02", "name": "护理", "skill_area": "机械", "town": "米河镇",
                           "intake_year": 2026, "capacity": 0, "reserved_seats": 0, "requirements": []});
    let r = app
        .api(
            Method::PUT,
            &format!("/api/v1/programmes/{}", s.programmes[1]),
            Some(&s.admin),
            Some(programme),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    // The round history and the dashboard show it and add up.
    let mut admin = app.browser_as(Role::Admin).await;
    let runs = admin.get("/routing-runs").await;
    assert!(
        runs.body.contains("7 月 10 日申诉复核"),
        "direct placements in the round history"
    );
    let board = admin.get("/dashboard?year=2026").await;
    assert!(board.body.contains("核对无误"), "the dashboard adds up");
}

/// A crossed-off student must be reinstated before a direct placement.
#[tokio::test]
async fn a_crossed_off_student_is_reinstated_before_being_placed_directly() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0]]).await;
    }
    commit_run(&app, &s, 1).await;
    let line = ledger_lines(&app, &s).await[0].clone();
    let (id, student) = (
        line["id"].as_i64().expect("id"),
        line["student_id"].as_i64().expect("sid") as i32,
    );
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/ledger/{id}/cross-off"),
            Some(&s.clerk),
            Some(json!({"reason": "moved_away", "note": "迁往郑州"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let refused = place(&app, &s, student, s.programmes[1], "申诉").await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("direct_crossed_off"), "{}", refused.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/ledger/{id}/reinstate"),
            Some(&s.clerk),
            Some(json!({"reason": "已回到本县"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ok = place(&app, &s, student, s.programmes[1], "申诉").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

/// A dry run computed before the data changed cannot be committed: its result may be wrong.
#[tokio::test]
async fn committing_a_dry_run_made_before_the_data_changed_is_refused() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for st in &s.students {
        prefer(&app, &s, *st, &[s.programmes[0]]).await;
    }
    let run = dry_run(&app, &s, 1).await;
    prefer(&app, &s, s.students[0], &[s.programmes[1]]).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/routing-runs/{}/commit", run["id"]),
            Some(&s.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("run_stale"), "{}", r.body);
    assert_eq!(placed_total(&app, &s).await, 0, "nothing written");
    assert!(ledger_lines(&app, &s).await.is_empty());
    assert_eq!(app.count_outbox("admission_offer").await, 0, "no offer text queued");
    assert_eq!(app.count("admission_letter").await, 0);
    let run = app
        .api(
            Method::GET,
            &format!("/api/v1/routing-runs/{}", run["id"]),
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(run["status"], "dry_run");
    commit_run(&app, &s, 1).await;
    assert_eq!(placed_total(&app, &s).await, 2);
}

/// Four clerks place four students into the last seat at the same moment: one gets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_seat_is_taken_once_when_clerks_place_at_the_same_time() {
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    let attempts = s
        .students
        .iter()
        .map(|st| place(&app, &s, *st, s.programmes[0], "补报名"));
    let replies = futures_util::future::join_all(attempts).await;
    let ok = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    let full = replies.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!(
        (ok, full),
        (1, 3),
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    // One student placed twice at once: one placement.
    let winner = replies
        .iter()
        .find(|r| r.status == StatusCode::OK)
        .map(|r| r.json()["student_id"].clone())
        .expect("winner");
    let st = *s.students.iter().find(|st| winner != **st).expect("another student");
    let (a, b) = tokio::join!(
        place(&app, &s, st, s.programmes[1], "申诉"),
        place(&app, &s, st, s.programmes[1], "申诉")
    );
    let oks = [a.status, b.status].iter().filter(|c| **c == StatusCode::OK).count();
    assert_eq!(oks, 1, "{} / {}", a.body, b.body);
    assert_eq!(placed_total(&app, &s).await, 2);
}

/// Runs committed before placements had a table of their own keep their placements and ledger
/// reasons: the migration copies them from the runs' stored results.
#[tokio::test]
async fn the_migration_copies_placements_and_reasons_of_runs_committed_before_it() {
    use migration::{Migrator, MigratorTrait};
    let app = TestApp::spawn().await;
    let s = setup(&app).await;
    for (i, st) in s.students.iter().enumerate() {
        // P01 has one seat: two of the three who want only it are left unplaced (full); the fourth
        // made no choice.
        let choices = if i == 3 { vec![] } else { vec![s.programmes[0]] };
        prefer(&app, &s, *st, &choices).await;
    }
    commit_run(&app, &s, 1).await;
    let db = &app.state.db;
    let (before, reasons) = placements_and_reasons(db).await;
    assert_eq!(before.len(), 1, "{before:?}");
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons.iter().any(|(_, why)| why != &json!([])), "{reasons:?}");

    // Back to before placements had a table (that migration and every one after it), then up again,
    // on a connection of its own as `vocpath migrate` would.
    let steps = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261205_000001_create_placement")
        .expect("the placement migration")
        + 1;
    let mut options = sea_orm::ConnectOptions::new(app.db_url.clone());
    options.max_connections(1).sqlx_logging(false);
    let own = sea_orm::Database::connect(options).await.expect("connect");
    Migrator::down(&own, Some(steps as u32))
        .await
        .expect("back to before placements had a table");
    Migrator::up(&own, None).await.expect("migrate again");
    own.close().await.expect("close");

    let (after, again) = placements_and_reasons(db).await;
    assert_eq!(after, before);
    assert_eq!(again, reasons);
}

/// Every placement (student, programme, choice, reasons) and ledger line (student, reasons).
async fn placements_and_reasons(
    db: &sea_orm::DatabaseConnection,
) -> (Vec<(i32, i32, Option<i32>, Value)>, Vec<(i32, Value)>) {
    use sea_orm::{EntityTrait, QueryOrder};
    let placements = entity::placement::Entity::find()
        .order_by_asc(entity::placement::Column::StudentId)
        .all(db)
        .await
        .expect("placements")
        .into_iter()
        .map(|p| {
            let why = serde_json::from_str(&p.why_not_higher).expect("json");
            (p.student_id, p.programme_id, p.choice, why)
        })
        .collect();
    let lines = entity::ledger_entry::Entity::find()
        .order_by_asc(entity::ledger_entry::Column::Id)
        .all(db)
        .await
        .expect("lines")
        .into_iter()
        .map(|l| (l.student_id, serde_json::from_str(&l.why).expect("json")))
        .collect();
    (placements, lines)
}
