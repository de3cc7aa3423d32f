//! The set-based status refresh a commit runs after writing its offers
//! (`students::refresh_statuses_after_run`) stores exactly the statuses the row-by-row refresh
//! (`students::refresh_statuses_of`, from each whole archive) stores, on a mixed set of students:
//! the new offer alone, beside notes, after a graduation, an enrolment, an earlier released offer,
//! before a later offer or a later release, and still in junior high.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use entity::student::{self, StudentStatus};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use vocpath::admissions::programmes::{NewSchool, ProgrammeInput, ProgrammeRaw, create_school, save_programme};
use vocpath::audit::Actor;
use vocpath::student::students::{new_entry, refresh_statuses_after_run, refresh_statuses_of};
use vocpath::student::timeline::EntryDetails;

use crate::helpers::TestApp;

fn offer(programme: &str) -> EntryDetails {
    EntryDetails::EnrolmentOffer {
        school: "一职专".into(),
        programme: programme.into(),
        round: Some(1),
        why_not_higher: None,
        direct_reason: None,
    }
}

fn ledger(action: &str) -> EntryDetails {
    EntryDetails::LedgerChange {
        action: action.into(),
        reason: "other".into(),
        note: None,
    }
}

/// The archive each student has before the new offer (date offset from today in days, entry).
fn histories() -> Vec<(i32, Vec<(i64, EntryDetails)>)> {
    let note = EntryDetails::Note { text: "家访".into() };
    let enrolment = EntryDetails::Enrolment {
        school: "一职专".into(),
        programme: "护理".into(),
        class_name: None,
    };
    let graduation = EntryDetails::Graduation {
        school: "一职专".into(),
        programme: "护理".into(),
    };
    vec![
        (2026, vec![]),
        (2026, vec![(-3, note.clone()), (0, note)]),
        (2020, vec![(-400, graduation)]),
        (2026, vec![(-5, enrolment)]),
        (2026, vec![(-30, offer("数控")), (-20, ledger("offer_declined"))]),
        (2026, vec![(5, offer("会计"))]),
        (2026, vec![(5, ledger("offer_declined"))]),
        (2026, vec![(-1, ledger("reinstated"))]),
        (Utc::now().date_naive().year() + 1, vec![]),
    ]
}

/// A committed run of 2026 and the programme it places students in (护理).
struct Run {
    run_id: i32,
    programme_id: i32,
}

async fn committed_run(app: &TestApp) -> Run {
    let db = &app.state.db;
    let actor = Actor::system("test");
    let school = create_school(db, &actor, NewSchool::parse("一职专", "米河镇", None).expect("school"))
        .await
        .expect("school");
    let raw = ProgrammeRaw {
        school_id: school.id,
        code: "P01".into(),
        name: "护理".into(),
        skill_area: "护理".into(),
        town: "米河镇".into(),
        intake_year: 2026,
        capacity: 20,
        reserved_seats: 0,
        reserved_rule: None,
        requirements: vec![],
    };
    let programme = save_programme(db, &actor, None, ProgrammeInput::parse(raw).expect("programme"))
        .await
        .expect("programme");
    let rules = vocpath::routing::instance::Rules {
        eligibility: vec![],
        priority: vec![],
    };
    let set = vocpath::admissions::rule_sets::create_draft(db, &actor, "test", rules)
        .await
        .expect("rule set");
    let run = entity::routing_run::ActiveModel {
        intake_year: Set(2026),
        round: Set(1),
        rule_set_id: Set(set.id),
        seed: Set(1),
        input_digest: Set("0".repeat(64)),
        status: Set(entity::routing_run::RunStatus::Committed),
        result: Set("{}".into()),
        summary: Set("{}".into()),
        created_by: Set(None),
        created_at: Set(Utc::now()),
        committed_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("run");
    Run {
        run_id: run.id,
        programme_id: programme.id,
    }
}

/// The run's placement of `student` (its offer is written into the archive by the caller).
async fn place(app: &TestApp, run: &Run, student: i32) {
    entity::placement::ActiveModel {
        student_id: Set(student),
        intake_year: Set(2026),
        programme_id: Set(run.programme_id),
        run_id: Set(Some(run.run_id)),
        round: Set(Some(1)),
        choice: Set(Some(1)),
        points: Set(None),
        why_not_higher: Set("[]".into()),
        direct_reason: Set(None),
        placed_by: Set("test".into()),
        placed_at: Set(Utc::now()),
        status: Set(entity::placement::PlacementStatus::Offered),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("placement");
}

async fn statuses(app: &TestApp, ids: &[i32]) -> Vec<(i32, StudentStatus, Option<String>)> {
    student::Entity::find()
        .filter(student::Column::Id.is_in(ids.to_vec()))
        .order_by_asc(student::Column::Id)
        .all(&app.state.db)
        .await
        .expect("students")
        .into_iter()
        .map(|s| (s.id, s.current_status, s.current_programme))
        .collect()
}

async fn forget_statuses(app: &TestApp, ids: &[i32]) {
    student::Entity::update_many()
        .col_expr(
            student::Column::CurrentStatus,
            sea_orm::sea_query::Expr::value(StudentStatus::Unknown),
        )
        .col_expr(
            student::Column::CurrentProgramme,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(student::Column::Id.is_in(ids.to_vec()))
        .exec(&app.state.db)
        .await
        .expect("forget");
}

#[tokio::test]
async fn the_status_refresh_after_offers_matches_the_row_by_row_refresh_on_a_mixed_set() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let actor = Actor::system("test");
    let today = Utc::now().date_naive();
    let run = committed_run(&app).await;
    let mut ids = Vec::new();
    for (n, (year, history)) in histories().into_iter().enumerate() {
        let birth = NaiveDate::from_ymd_opt(2010, 1, 1).expect("date") + Duration::days(n as i64);
        let id = app
            .seed_student(
                &format!("学生{}", "甲乙丙丁戊己庚辛壬".chars().nth(n).expect("name")),
                &vocpath::demo::national_id(birth, n),
                year,
            )
            .await;
        for (days, details) in history {
            new_entry(id, today + Duration::days(days), &details, None, &actor)
                .expect("entry")
                .insert(db)
                .await
                .expect("insert");
        }
        new_entry(id, today, &offer("护理"), None, &actor)
            .expect("offer")
            .insert(db)
            .await
            .expect("insert offer");
        place(&app, &run, id).await;
        ids.push(id);
    }
    forget_statuses(&app, &ids).await;
    let txn = db.begin().await.expect("txn");
    refresh_statuses_after_run(&txn, run.run_id, today)
        .await
        .expect("set-based");
    txn.commit().await.expect("commit");
    let set_based = statuses(&app, &ids).await;
    forget_statuses(&app, &ids).await;
    let txn = db.begin().await.expect("txn");
    refresh_statuses_of(&txn, &ids, today).await.expect("row by row");
    txn.commit().await.expect("commit");
    let row_by_row = statuses(&app, &ids).await;
    assert_eq!(set_based, row_by_row);
    let placed = |p: &str| (StudentStatus::Placed, Some(p.to_string()));
    let got: Vec<(StudentStatus, Option<String>)> = set_based.into_iter().map(|(_, s, p)| (s, p)).collect();
    assert_eq!(got[0], placed("护理"), "the new offer alone");
    assert_eq!(got[1], placed("护理"), "notes do not outrank an offer");
    assert_eq!(
        got[3],
        (StudentStatus::Enrolled, Some("护理".into())),
        "an enrolment outranks it"
    );
    assert_eq!(got[4], placed("护理"), "after an earlier offer was declined");
    assert_eq!(got[5], placed("会计"), "a later-dated offer outranks it");
    assert_ne!(got[6].0, StudentStatus::Placed, "a later release releases it");
    assert_eq!(got[8], placed("护理"), "still in junior high");
}
