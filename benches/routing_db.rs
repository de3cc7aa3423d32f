//! Benchmark: a whole routing run from the database — 100,000 students of one year with 5 choices
//! each among 50 programmes, a published rule set with CEL eligibility and priority rules — loaded,
//! built into an instance, routed, and the result stored; then the commit (offers into archives,
//! the ledger). Target (issue 18, target 3): the run and its commit together under 4 s, on SQLite and
//! on PostgreSQL. Prints where the time goes (each phase of the run and of the commit) and exits 1
//! when the target is missed.
//!
//! `cargo bench --bench routing_db` (SQLite); `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
//! cargo bench --bench routing_db` (PostgreSQL). `BENCH_ROWS` changes the student count; on SQLite,
//! `BENCH_KEEP_DB=path` keeps a copy of the database file after the commit.

use std::time::Instant;

mod common;

use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use vocpath::admissions::programmes::{NewSchool, ProgrammeInput, ProgrammeRaw, create_school, save_programme};
use vocpath::admissions::rule_sets::{create_draft, publish};
use vocpath::admissions::runs::{Phases, RunRequest, commit_timed, dry_run_timed};
use vocpath::audit::Actor;
use vocpath::routing::instance::{PointsSpec, PriorityRule, Rule, Rules};

const PROGRAMMES: usize = 50;
const CHOICES: usize = 5;
/// Run + commit, seconds (issue 18, target 3).
const TARGET_SECS: f64 = 4.0;

#[tokio::main]
async fn main() {
    let rows: usize = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pg) = common::fresh_database(dir.path()).await;
    let state = common::state(&url, dir.path()).await;
    let actor = Actor::system("bench");

    let t = Instant::now();
    vocpath::student::import::import_now(
        &state.db,
        &state.vault,
        &actor,
        "bench.csv",
        common::register_csv(rows),
        None,
    )
    .await
    .expect("import");
    state
        .db
        .execute_unprepared("UPDATE student SET graduation_year = 2026")
        .await
        .expect("one intake year");
    println!("set-up: {rows} students imported in {:.2?}", t.elapsed());

    let school = create_school(
        &state.db,
        &actor,
        NewSchool::parse("巩义市第一中等职业学校", "孝义街道", None).expect("school"),
    )
    .await
    .expect("school");
    let towns = ["米河镇", "鲁庄镇", "站街镇", "涉村镇", "紫荆路街道", "回郭镇"];
    let mut programme_ids = Vec::new();
    for i in 0..PROGRAMMES {
        let raw = ProgrammeRaw {
            school_id: school.id,
            code: format!("P{i:02}"),
            name: format!("专业{i}"),
            skill_area: "机械制造".into(),
            town: towns[i % towns.len()].into(),
            intake_year: 2026,
            capacity: (rows * 8 / 10 / PROGRAMMES) as i64,
            reserved_seats: if i % 3 == 0 { 20 } else { 0 },
            reserved_rule: None,
            requirements: vec![],
        };
        let p = save_programme(&state.db, &actor, None, ProgrammeInput::parse(raw).expect("programme"))
            .await
            .expect("save");
        programme_ids.push(p.id);
    }
    let mut rng = StdRng::seed_from_u64(7);
    let students: Vec<i32> = entity::student::Entity::find()
        .all(&state.db)
        .await
        .expect("students")
        .into_iter()
        .map(|s| s.id)
        .collect();
    let now = Utc::now();
    let mut batch = Vec::new();
    for sid in &students {
        let mut picked: Vec<i32> = Vec::new();
        while picked.len() < CHOICES {
            let p = programme_ids[rng.random_range(0..PROGRAMMES)];
            if !picked.contains(&p) {
                picked.push(p);
            }
        }
        for (rank, pid) in picked.into_iter().enumerate() {
            batch.push(entity::preference::ActiveModel {
                student_id: Set(*sid),
                programme_id: Set(pid),
                rank: Set(rank as i32 + 1),
                confirmed: Set(true),
                created_at: Set(now),
                ..Default::default()
            });
        }
    }
    for chunk in batch.chunks(1000) {
        entity::preference::Entity::insert_many(chunk.to_vec())
            .exec(&state.db)
            .await
            .expect("preferences");
    }
    let rules = Rules {
        eligibility: vec![Rule {
            name: "not in senior high".into(),
            when: "!student.in_senior_high".into(),
        }],
        priority: vec![
            PriorityRule {
                name: "registered household".into(),
                when: "student.registered_poor".into(),
                points: PointsSpec::Number(100.0),
            },
            PriorityRule {
                name: "same town".into(),
                when: "student.town == programme.town".into(),
                points: PointsSpec::Number(10.0),
            },
            PriorityRule {
                name: "exam score".into(),
                when: "true".into(),
                points: PointsSpec::Expression("double(student.exam_score) / 10.0".into()),
            },
        ],
    };
    let set = create_draft(&state.db, &actor, "bench", rules).await.expect("rule set");
    publish(&state.db, &actor, set.id).await.expect("publish");

    let t = Instant::now();
    let mut run_phases = Phases::default();
    let run = dry_run_timed(
        &state.db,
        &actor,
        RunRequest {
            intake_year: 2026,
            rule_set_id: set.id,
            seed: Some(42),
        },
        &mut run_phases,
    )
    .await
    .expect("dry run");
    let run_time = t.elapsed();
    let summary = vocpath::admissions::runs::summary_of(&run).expect("summary");
    let t = Instant::now();
    let mut commit_phases = Phases::default();
    commit_timed(&state.db, &actor, run.id, &mut commit_phases)
        .await
        .expect("commit");
    let commit_time = t.elapsed();
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!(
        "{backend}: routing run from the database ({} students, {} eligible, {} placed): {run_time:.2?}; commit (offers + ledger): {commit_time:.2?}",
        summary.students, summary.eligible, summary.placed
    );
    println!("  run:    {}", run_phases.report());
    println!("  commit: {}", commit_phases.report());
    if let (Ok(keep), None) = (std::env::var("BENCH_KEEP_DB"), &pg) {
        // For a look with `sqlite3` afterwards: the committed round's database file.
        state.db.clone().close().await.ok();
        std::fs::copy(dir.path().join("bench.db"), &keep).expect("keep the database file");
    }
    common::drop_database(state, pg).await;
    let total = (run_time + commit_time).as_secs_f64();
    let met = total < TARGET_SECS;
    println!(
        "{backend}: run + commit {total:.2} s, target < {TARGET_SECS} s: {}",
        if met { "met" } else { "MISSED" }
    );
    if !met && rows >= 100_000 {
        std::process::exit(1);
    }
}
