//! The shortcut for recognised rule shapes (`rules/shape.rs`, `evaluate/known.rs`) against the
//! general CEL evaluation: every rule is routed once as written and once wrapped in parentheses,
//! which CEL reads the same but the recogniser does not, so the second run evaluates everything by
//! CEL. Random instances (seeded) with attributes that are sometimes missing, null or of another
//! type, so that the fall-back to CEL and its warnings are exercised too.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::super::route_json;

const TOWNS: [&str; 3] = ["A", "B", "C"];

/// A condition of a recognised shape, or a few that are not.
pub(super) fn random_condition(rng: &mut StdRng, programme_allowed: bool) -> String {
    let pick = if programme_allowed { 7 } else { 4 };
    match rng.random_range(0..pick) {
        0 => "student.poor".into(),
        1 => "!student.poor".into(),
        2 => "student.other_flag".into(),
        3 => "!student.disability".into(),
        4 => "student.town == programme.town".into(),
        5 => "programme.town == student.home".into(),
        _ => "student.id == programme.code".into(),
    }
}

pub(super) fn random_instance(rng: &mut StdRng) -> Value {
    let programmes: Vec<Value> = (0..rng.random_range(1..=5))
        .map(|i| {
            let capacity = rng.random_range(0..=3);
            let mut p = json!({"code": format!("P{i}"), "capacity": capacity, "town": TOWNS[rng.random_range(0..3)]});
            if rng.random_bool(0.3) {
                p["requirements"] = json!([{"name": "req", "when": random_condition(rng, true)}]);
            }
            if capacity > 0 && rng.random_bool(0.3) {
                p["reserved"] = json!({"when": random_condition(rng, true), "seats": 1});
            }
            p
        })
        .collect();
    let students: Vec<Value> = (0..rng.random_range(0..=14))
        .map(|i| {
            let mut attributes = serde_json::Map::new();
            if rng.random_bool(0.8) {
                attributes.insert("poor".into(), json!(rng.random_bool(0.4)));
            } else if rng.random_bool(0.5) {
                attributes.insert("poor".into(), Value::Null);
            }
            if rng.random_bool(0.8) {
                attributes.insert("town".into(), json!(TOWNS[rng.random_range(0..3)]));
            }
            // `home` is a string here and there and null elsewhere, `other_flag` sometimes absent.
            let home = if rng.random_bool(0.6) {
                json!(TOWNS[rng.random_range(0..3)])
            } else {
                Value::Null
            };
            attributes.insert("home".into(), home);
            if rng.random_bool(0.5) {
                attributes.insert("other_flag".into(), json!(true));
            }
            let mut order: Vec<usize> = (0..programmes.len()).collect();
            rand::seq::SliceRandom::shuffle(order.as_mut_slice(), rng);
            let take = rng.random_range(0..=order.len());
            let code = |p: &usize| format!("P{p}");
            let id = if rng.random_bool(0.1) { format!("P{i}") } else { format!("S{i}") };
            json!({"id": id, "preferences": order[..take].iter().map(code).collect::<Vec<_>>(), "attributes": attributes})
        })
        .collect();
    let eligibility: Vec<Value> = (0..rng.random_range(0..=1))
        .map(|_| json!({"name": "eligible", "when": random_condition(rng, false)}))
        .collect();
    let priority: Vec<Value> = (0..rng.random_range(0..=3))
        .map(|k| {
            let points = if rng.random_bool(0.8) {
                json!(rng.random_range(1..=20))
            } else {
                json!("student.poor ? 2.5 : 1.0")
            };
            json!({"name": format!("rule {k}"), "when": random_condition(rng, true), "points": points})
        })
        .collect();
    json!({
        "seed": rng.random_range(0..100u64),
        "rules": {"eligibility": eligibility, "priority": priority},
        "programmes": programmes,
        "students": students,
    })
}

/// The instance with every `when` wrapped in parentheses.
fn by_cel_only(mut instance: Value) -> Value {
    fn wrap(rule: &mut Value) {
        if let Some(when) = rule.get("when").and_then(Value::as_str) {
            rule["when"] = json!(format!("({when})"));
        }
    }
    for list in ["eligibility", "priority"] {
        if let Some(rules) = instance["rules"][list].as_array_mut() {
            rules.iter_mut().for_each(wrap);
        }
    }
    if let Some(programmes) = instance["programmes"].as_array_mut() {
        for p in programmes {
            if let Some(requirements) = p.get_mut("requirements").and_then(Value::as_array_mut) {
                requirements.iter_mut().for_each(wrap);
            }
            if let Some(reserve) = p.get_mut("reserved") {
                wrap(reserve);
            }
        }
    }
    instance
}

#[test]
fn recognised_rule_shapes_give_exactly_what_cel_gives() {
    let (mut warned, mut refused) = (0, 0);
    for seed in 0..400u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let instance = random_instance(&mut rng);
        let fast = route_json(&instance.to_string());
        let general = route_json(&by_cel_only(instance.clone()).to_string());
        match (fast, general) {
            (Ok(fast), Ok(general)) => {
                warned += usize::from(fast.contains("\"warnings\""));
                assert_eq!(fast, general, "seed {seed}: {instance}");
            }
            // Refused alike (a field no student has): the messages differ only in the column.
            (Err(_), Err(_)) => refused += 1,
            (fast, general) => panic!("seed {seed}: {fast:?} / {general:?}\n{instance}"),
        }
    }
    assert!(refused < 100, "too many instances refused: {refused}");
    assert!(warned > 20, "too few instances exercised rule failures: {warned}");
}
