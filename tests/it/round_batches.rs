//! A committed round written in batches (multi-row inserts as large as the database's parameter
//! limit allows, one `CASE` update for the reasons of lines still open) stores exactly what writing
//! row by row from the run's result stores: compared here, row for row, with a reference built
//! straight from the stored result, on a random register large enough to need several statements.

use std::collections::HashMap;

use chrono::Utc;
use entity::{archive_entry, ledger_entry, placement, programme, student};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use vocpath::admissions::programmes::{self, ProgrammeInput, ProgrammeRaw};
use vocpath::admissions::{rule_sets, runs};
use vocpath::audit::Actor;
use vocpath::routing::instance::{PointsSpec, PriorityRule, Rule, Rules};
use vocpath::routing::result::RoutingResult;
use vocpath::student::timeline::EntryDetails;

use crate::helpers::TestApp;

const YEAR: i32 = 2026;
/// More placements than one SQLite statement holds (32,766 parameters / the placement's columns).
const STUDENTS: usize = 2600;
const HEADER: &str = "序号,姓名,性别,身份证号,出生日期,建档立卡编号,户主姓名,镇(街道),村,联系电话,初中学校,毕业年份,中考成绩,升学状态,是否残疾,意向专业\n";

/// `n` in Chinese digits (names may not hold digits).
fn chinese(n: usize) -> String {
    n.to_string()
        .bytes()
        .filter_map(|d| "零一二三四五六七八九".chars().nth(usize::from(d - b'0')))
        .collect()
}

fn register(rng: &mut StdRng) -> Vec<u8> {
    let mut text = HEADER.to_string();
    for n in 1..=STUDENTS {
        let birth = chrono::NaiveDate::from_ymd_opt(2010, 1, 1).expect("date") + chrono::Duration::days(n as i64 % 700);
        let status = if rng.random_range(0..10) == 0 {
            "普通高中"
        } else {
            "未升学"
        };
        text.push_str(&format!(
            "{n},学生{name},,{id},,H{n:08},户主{name},米河镇,新庄村,,一中,{YEAR},{score},{status},否,\n",
            name = chinese(n),
            id = vocpath::demo::national_id(birth, n),
            score = rng.random_range(200..700),
        ));
    }
    text.into_bytes()
}

struct Round {
    app: TestApp,
    actor: Actor,
    programmes: Vec<programme::Model>,
    rule_set: i32,
}

async fn set_up(seed: u64) -> Round {
    let app = TestApp::spawn().await;
    let actor = Actor::system("batch test");
    let db = &app.state.db;
    let mut rng = StdRng::seed_from_u64(seed);
    let report =
        vocpath::student::import::import_now(db, &app.state.vault, &actor, "register.csv", register(&mut rng), None)
            .await
            .expect("import");
    assert!(report.errors.is_empty(), "{:?}", report.errors.first());
    let school = programmes::create_school(
        db,
        &actor,
        programmes::NewSchool::parse("一职专", "米河镇", None).expect("school"),
    )
    .await
    .expect("school");
    let mut list = Vec::new();
    for i in 0..6 {
        let raw = ProgrammeRaw {
            school_id: school.id,
            code: format!("B{i}"),
            name: format!("专业{i}"),
            skill_area: "机械".into(),
            town: "米河镇".into(),
            intake_year: i64::from(YEAR),
            capacity: 350,
            reserved_seats: 0,
            reserved_rule: None,
            requirements: vec![],
        };
        let input = ProgrammeInput::parse(raw).expect("programme");
        list.push(programmes::save_programme(db, &actor, None, input).await.expect("save"));
    }
    let ids: Vec<i32> = student::Entity::find()
        .all(db)
        .await
        .expect("students")
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut rows = Vec::new();
    for sid in ids {
        let mut picked: Vec<i32> = Vec::new();
        for _ in 0..rng.random_range(1..4) {
            let p = list[rng.random_range(0..list.len())].id;
            if !picked.contains(&p) {
                picked.push(p);
            }
        }
        for (rank, pid) in picked.into_iter().enumerate() {
            rows.push(entity::preference::ActiveModel {
                student_id: Set(sid),
                programme_id: Set(pid),
                rank: Set(rank as i32 + 1),
                confirmed: Set(true),
                created_at: Set(Utc::now()),
                ..Default::default()
            });
        }
    }
    for chunk in rows.chunks(500) {
        entity::preference::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .expect("preferences");
    }
    let rules = Rules {
        eligibility: vec![Rule {
            name: "not in senior high".into(),
            when: "!student.in_senior_high".into(),
        }],
        priority: vec![PriorityRule {
            name: "exam score".into(),
            when: "true".into(),
            points: PointsSpec::Expression("double(student.exam_score) / 10.0".into()),
        }],
    };
    let set = rule_sets::create_draft(db, &actor, "batch", rules)
        .await
        .expect("rules");
    rule_sets::publish(db, &actor, set.id).await.expect("publish");
    Round {
        app,
        actor,
        programmes: list,
        rule_set: set.id,
    }
}

impl Round {
    async fn commit_round(&self) -> (i32, RoutingResult) {
        let db = &self.app.state.db;
        let req = runs::RunRequest {
            intake_year: YEAR,
            rule_set_id: self.rule_set,
            seed: Some(11),
        };
        let run = runs::dry_run(db, &self.actor, req).await.expect("dry run");
        runs::commit(db, &self.actor, run.id).await.expect("commit");
        (run.id, runs::result_of(&run).expect("result"))
    }

    /// Checks the rows a commit of `run` stored against the reference written from its result.
    async fn check_against_reference(&self, run: i32, result: &RoutingResult, round: i32) {
        let db = &self.app.state.db;
        let by_code: HashMap<&str, &programme::Model> = self.programmes.iter().map(|p| (p.code.as_str(), p)).collect();
        let seats = placement::Entity::find()
            .filter(placement::Column::RunId.eq(run))
            .order_by_asc(placement::Column::Id)
            .all(db)
            .await
            .expect("placements");
        let offers = archive_entry::Entity::find()
            .filter(archive_entry::Column::Kind.eq("enrolment_offer"))
            .order_by_asc(archive_entry::Column::Id)
            .all(db)
            .await
            .expect("offers");
        let offers: Vec<&archive_entry::Model> = offers.iter().rev().take(seats.len()).rev().collect();
        let lines = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::IntakeYear.eq(YEAR))
            .order_by_asc(ledger_entry::Column::Id)
            .all(db)
            .await
            .expect("lines");
        let lines: HashMap<i32, &ledger_entry::Model> = lines.iter().map(|l| (l.student_id, l)).collect();
        let mut placed = 0;
        for p in &result.placements {
            let sid: i32 = p.student[1..].parse().expect("student id");
            let why = serde_json::to_string(&p.not_placed_higher).expect("why");
            match p.programme.as_deref() {
                Some(code) => {
                    let prog = by_code[code];
                    let seat = &seats[placed];
                    assert_eq!(
                        (seat.student_id, seat.programme_id, seat.round, seat.status.as_str()),
                        (sid, prog.id, Some(round), "offered")
                    );
                    assert_eq!(seat.choice, p.choice.map(|c| c as i32));
                    assert_eq!(seat.points, p.points);
                    assert_eq!(seat.why_not_higher, why);
                    let offer = offers[placed];
                    let expected = EntryDetails::EnrolmentOffer {
                        school: "一职专".into(),
                        programme: prog.name.clone(),
                        round: Some(round),
                        why_not_higher: (!p.not_placed_higher.is_empty())
                            .then(|| serde_json::to_value(&p.not_placed_higher).expect("why")),
                        direct_reason: None,
                    };
                    assert_eq!(offer.student_id, sid);
                    assert_eq!(offer.details, serde_json::to_string(&expected).expect("details"));
                    placed += 1;
                }
                None if runs::is_ineligible(p) => assert!(!lines.contains_key(&sid), "S{sid} ineligible"),
                None => {
                    let line = lines.get(&sid).expect("an unplaced student has a line");
                    assert!(line.closed_at.is_none());
                    assert_eq!(line.why, why, "the newest round's reason on S{sid}'s line");
                }
            }
        }
        assert_eq!(
            placed,
            seats.len(),
            "one placement per placed student, in the result's order"
        );
    }
}

#[tokio::test]
async fn a_round_committed_in_batches_stores_what_the_result_says_row_for_row() {
    let round = set_up(5).await;
    let (run, result) = round.commit_round().await;
    assert!(
        result.summary.placed > 1900,
        "placements span several statements: {:?}",
        result.summary
    );
    assert!(result.summary.unplaced > 0);
    round.check_against_reference(run, &result, 1).await;

    // A second round into new seats: new placements, the placed lines closed, the reason of every
    // line still open refreshed in one statement.
    let db = &round.app.state.db;
    for p in &round.programmes {
        programme::Entity::update_many()
            .col_expr(programme::Column::Capacity, sea_orm::sea_query::Expr::value(380))
            .filter(programme::Column::Id.eq(p.id))
            .exec(db)
            .await
            .expect("capacity");
    }
    let (run, result) = round.commit_round().await;
    assert!(result.summary.placed > 0 && result.summary.unplaced > 0);
    round.check_against_reference(run, &result, 2).await;
    let closed = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::CloseReason.eq(ledger_entry::CloseReason::Placed))
        .all(db)
        .await
        .expect("closed lines");
    assert_eq!(
        closed.len() as u64,
        result.summary.placed,
        "each student placed in round 2 had a line"
    );
}
