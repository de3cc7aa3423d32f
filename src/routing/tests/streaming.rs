//! The fast path of `vocpath route` (the compact result written student by student, on all cores,
//! by `route_to_writer`) against the straightforward one (the whole `RoutingResult` built by
//! `route`, then serialised by serde_json): byte-identical on random instances with random rules —
//! recognised shapes, general CEL, points given by expressions, rules that fail for some students —
//! and on instances large enough to be cut into several chunks.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::super::{Instance, route, route_json_as, route_to_writer};
use super::shortcuts::{random_condition, random_instance};

/// The straightforward result: parse, route the whole result, serialise it.
fn straightforward(text: &str) -> Result<String, String> {
    let instance = super::super::instance::parse(text).map_err(|e| e.to_string())?;
    let result = route(&instance).map_err(|e| e.to_string())?;
    serde_json::to_string(&result).map_err(|e| e.to_string())
}

fn fast(text: &str) -> Result<String, String> {
    route_json_as(text, false).map_err(|e| e.to_string())
}

/// A rule of any shape, recognised or not, reading the student, the programme or both.
fn any_condition(rng: &mut StdRng) -> String {
    match rng.random_range(0..6) {
        0 => "student.score >= 300".into(),
        1 => "programme.capacity > 1 && student.poor".into(),
        2 => "programme.town in ['A', 'B']".into(),
        3 => format!("({})", random_condition(rng, true)),
        _ => random_condition(rng, true),
    }
}

/// `random_instance` with more: lotteries given for some students, ids that need escaping, scores,
/// and priority rules whose points are expressions over the student, the programme or both.
fn richer_instance(rng: &mut StdRng) -> Value {
    let mut instance = random_instance(rng);
    if let Some(students) = instance["students"].as_array_mut() {
        for (i, s) in students.iter_mut().enumerate() {
            if rng.random_bool(0.3) {
                s["lottery"] = json!(rng.random_range(0..4) as f64 / 4.0);
            }
            if rng.random_bool(0.2) {
                s["id"] = json!(format!("学生 \"{i}\"\\\n"));
            }
            if rng.random_bool(0.8) {
                s["attributes"]["score"] = json!(rng.random_range(250..350));
            }
        }
    }
    let points = ["10", "student.score / 10", "double(programme.capacity) * 1.5", "2.5"];
    let extra: Vec<Value> = (0..rng.random_range(0..=2))
        .map(|k| {
            let p = points[rng.random_range(0..points.len())];
            let points = p.parse::<f64>().map_or_else(|_| json!(p), |x| json!(x));
            json!({"name": format!("extra {k}"), "when": any_condition(rng), "points": points})
        })
        .collect();
    if let Some(priority) = instance["rules"]["priority"].as_array_mut() {
        priority.extend(extra);
    }
    instance
}

#[test]
fn the_streamed_result_is_byte_identical_to_the_whole_result_serialised() {
    let mut routed = 0;
    for seed in 0..400u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let instance = richer_instance(&mut rng);
        let text = instance.to_string();
        match (fast(&text), straightforward(&text)) {
            (Ok(fast), Ok(straight)) => {
                routed += 1;
                assert_eq!(fast, straight, "seed {seed}: {instance}");
            }
            (Err(fast), Err(straight)) => assert_eq!(fast, straight, "seed {seed}"),
            (fast, straight) => panic!("seed {seed}: {fast:?} / {straight:?}\n{instance}"),
        }
    }
    assert!(routed > 300, "too many instances refused: {}", 400 - routed);
}

#[test]
fn a_result_of_several_chunks_is_written_in_input_order() {
    let mut rng = StdRng::seed_from_u64(18);
    let programmes: Vec<Value> = (0..30)
        .map(|p| {
            let town = ["A", "B"][p % 2];
            json!({"code": format!("P{p}"), "capacity": rng.random_range(0..40), "town": town})
        })
        .collect();
    let students: Vec<Value> = (0..40_000)
        .map(|s| {
            let prefs: Vec<String> = (0..3).map(|k| format!("P{}", (s * 7 + k * 11) % 30)).collect();
            let town = ["A", "B", "C"][s % 3];
            json!({"id": format!("S{s}"), "preferences": prefs, "attributes": {"poor": s % 3 == 0, "town": town}})
        })
        .collect();
    let instance = json!({
        "seed": 7,
        "rules": {"priority": [
            {"name": "poor", "when": "student.poor", "points": 100},
            {"name": "town", "when": "student.town == programme.town", "points": 10}]},
        "programmes": programmes,
        "students": students,
    });
    let text = instance.to_string();
    let parsed: Instance = super::super::instance::parse(&text).expect("valid");
    let streamed = route_to_writer(&parsed, || Ok(Vec::<u8>::new())).expect("routed");
    let whole = straightforward(&text).expect("routed");
    assert!(streamed == whole.as_bytes(), "the streamed result differs");
}
