//! Benchmark of pathway routing. Target (DESIGN.md): the engine on 1,000,000 students × 10 choices ×
//! 5,000 programmes, rules already evaluated, under 1.5 s and 2 GB on 2 cores.
//!
//! `cargo bench --bench routing` prints two figures:
//! 1. the engine alone (`routing::engine::run`) on a seeded random input where demand exceeds
//!    supply and a third of the programmes reserve seats, with the process's peak memory (VmHWM);
//! 2. a whole `routing::route` through the instance layer on 100,000 students with three CEL priority
//!    rules, a requirement and a reserve, to show what evaluating the rules costs.
//!
//! `BENCH_STUDENTS` and `BENCH_ROUTE_STUDENTS` change the two student counts.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vocpath::routing::engine::{self, Choice, EngineInput, ProgrammeSlot};
use vocpath::routing::instance::{Instance, PointsSpec, PriorityRule, Programme, Reserve, Rule, Rules, Student};

/// The allocator the `vocpath` binary runs with (`src/main.rs`), so the bench measures what
/// `vocpath route` and a run do. Before 2026-12-06 (evening) it ran on glibc's malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROGRAMMES: usize = 5_000;
const CHOICES: usize = 10;
const TOWNS: [&str; 6] = ["米河镇", "鲁庄镇", "站街镇", "涉村镇", "紫荆路街道", "回郭镇"];

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Peak resident memory of this process so far, in MiB (Linux; 0 elsewhere).
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// `CHOICES` distinct programmes, popular ones (low indices) more often.
fn pick_programmes(rng: &mut StdRng, programmes: usize) -> [u32; CHOICES] {
    let mut picked = [u32::MAX; CHOICES];
    let mut count = 0;
    while count < CHOICES {
        let u: f64 = rng.random();
        let p = ((u * u) * programmes as f64) as u32;
        if !picked[..count].contains(&p) {
            picked[count] = p;
            count += 1;
        }
    }
    picked
}

fn engine_input(students: usize) -> EngineInput {
    let mut rng = StdRng::seed_from_u64(2024);
    let slots: Vec<ProgrammeSlot> = (0..PROGRAMMES)
        .map(|i| {
            let capacity = rng.random_range(40..=280);
            let reserved = if i % 3 == 0 { capacity / 5 } else { 0 };
            ProgrammeSlot { capacity, reserved }
        })
        .collect();
    let town_of_programme: Vec<u8> = (0..PROGRAMMES).map(|_| rng.random_range(0..6)).collect();
    let mut input = EngineInput::with_capacity(slots, students, students * CHOICES);
    for _ in 0..students {
        let poor = rng.random_bool(0.3);
        let town: u8 = rng.random_range(0..6);
        let score = f64::from(rng.random_range(200..=700u32)) / 10.0;
        let choices = pick_programmes(&mut rng, PROGRAMMES).map(|p| Choice {
            programme: p,
            points: if poor { 100.0 } else { 0.0 }
                + if town_of_programme[p as usize] == town {
                    10.0
                } else {
                    0.0
                }
                + score,
            covered_by_reserve: poor,
        });
        input.push_student(rng.random(), choices);
    }
    input
}

fn bench_engine() {
    let students = env_count("BENCH_STUDENTS", 1_000_000);
    let started = Instant::now();
    let input = engine_input(students);
    let seats: u64 = input.programmes().iter().map(|p| u64::from(p.capacity)).sum();
    println!(
        "engine input: {students} students × {CHOICES} choices × {PROGRAMMES} programmes, {seats} seats \
         (generated in {:.2} s, peak so far {:.0} MiB)",
        started.elapsed().as_secs_f64(),
        peak_mib()
    );
    let started = Instant::now();
    let output = match engine::run(&input) {
        Ok(output) => output,
        Err(e) => panic!("engine refused the input: {e}"),
    };
    let elapsed = started.elapsed().as_secs_f64();
    let placed = output.placements.iter().filter(|p| p.is_some()).count();
    let reserved: u64 = output.programmes.iter().map(|p| u64::from(p.reserved_filled)).sum();
    println!(
        "engine: {elapsed:.3} s — placed {placed}, unplaced {}, {reserved} in reserved seats",
        students - placed
    );
    println!("engine: peak memory (VmHWM, input included) {:.0} MiB", peak_mib());
    println!(
        "engine target: under 1.5 s and 2048 MiB → {}",
        if elapsed < 1.5 && peak_mib() < 2048.0 {
            "met"
        } else {
            "NOT met"
        }
    );
}

/// A typed instance: `students` students choosing 10 of 1,000 programmes, three priority rules
/// (one per student, one per pair, one an expression), a requirement on every fourth programme and
/// a reserve on every third. `with_rules: false` drops every rule, to isolate what CEL costs.
fn routing_instance(students: usize, with_rules: bool) -> Instance {
    let mut rng = StdRng::seed_from_u64(7);
    let programmes = bench_programmes(&mut rng, with_rules);
    let students = (0..students)
        .map(|i| bench_student(&mut rng, i, programmes.len()))
        .collect();
    let rules = if with_rules { bench_rules() } else { Rules::default() };
    Instance {
        seed: Some(42),
        rules,
        programmes,
        students,
    }
}

fn bench_programmes(rng: &mut StdRng, with_rules: bool) -> Vec<Programme> {
    (0..1_000)
        .map(|i| Programme {
            code: format!("P{i:04}"),
            capacity: rng.random_range(40..=120),
            town: TOWNS[i % TOWNS.len()].into(),
            requirements: if with_rules && i % 4 == 0 {
                vec![Rule {
                    name: "score 300+".into(),
                    when: "student.exam_score >= 300".into(),
                }]
            } else {
                vec![]
            },
            reserved: (with_rules && i % 3 == 0).then(|| Reserve {
                when: "student.registered_poor".into(),
                seats: 10,
            }),
            attributes: serde_json::Map::new(),
        })
        .collect()
}

fn bench_student(rng: &mut StdRng, i: usize, programmes: usize) -> Student {
    let attributes = serde_json::json!({
        "registered_poor": rng.random_bool(0.3),
        "in_senior_high": rng.random_bool(0.05),
        "town": TOWNS[rng.random_range(0..TOWNS.len())],
        "exam_score": rng.random_range(200..=700),
    });
    Student {
        id: format!("S{i:07}"),
        preferences: pick_programmes(rng, programmes)
            .iter()
            .map(|p| format!("P{p:04}"))
            .collect(),
        lottery: None,
        attributes: attributes.as_object().cloned().unwrap_or_default(),
    }
}

fn bench_rules() -> Rules {
    let priority = |name: &str, when: &str, points: PointsSpec| PriorityRule {
        name: name.into(),
        when: when.into(),
        points,
    };
    Rules {
        eligibility: vec![Rule {
            name: "not in senior high".into(),
            when: "!student.in_senior_high".into(),
        }],
        priority: vec![
            priority(
                "registered household",
                "student.registered_poor",
                PointsSpec::Number(100.0),
            ),
            priority("same town", "student.town == programme.town", PointsSpec::Number(10.0)),
            priority(
                "exam score",
                "true",
                PointsSpec::Expression("double(student.exam_score) / 10.0".into()),
            ),
        ],
    }
}

fn time_route(instance: &Instance) -> f64 {
    let started = Instant::now();
    match vocpath::routing::route(instance) {
        Ok(result) => {
            let elapsed = started.elapsed().as_secs_f64();
            let s = result.summary;
            println!(
                "  {elapsed:.3} s — {} eligible, {} placed, {} unplaced, {} warnings",
                s.eligible,
                s.placed,
                s.unplaced,
                result.warnings.len()
            );
            elapsed
        }
        Err(e) => panic!("route refused the instance: {e}"),
    }
}

fn bench_route() {
    let students = env_count("BENCH_ROUTE_STUDENTS", 100_000);
    println!("route(): {students} students × 10 choices × 1000 programmes, through the instance layer");
    println!(" with 1 eligibility rule, 3 priority rules, requirements on 1/4 and reserves on 1/3 of the programmes:");
    let with = time_route(&routing_instance(students, true));
    println!(" the same instance without any rule:");
    let without = time_route(&routing_instance(students, false));
    println!(
        "route(): CEL rule evaluation costs about {:.3} s for {students} students",
        with - without
    );
    println!("route(): peak memory so far (VmHWM) {:.0} MiB", peak_mib());
}

fn main() {
    bench_engine();
    println!();
    bench_route();
}
