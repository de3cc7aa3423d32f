//! Routing whole instances: the documented formats, the lottery and seed, rules that fail at run
//! time. Explanations and refusals have their own files.

mod explanations;
mod refusals;
mod shortcuts;
mod streaming;

use serde_json::{Value, json};

use super::*;

/// Routes a JSON instance given as a `serde_json::Value` and returns the result as a `Value`.
pub(super) fn route_value(instance: &Value) -> Value {
    match route_json(&instance.to_string()) {
        Ok(text) => serde_json::from_str(&text).expect("the result is JSON"),
        Err(e) => panic!("refused: {e}"),
    }
}

/// The placement of student `id`.
pub(super) fn placement<'a>(result: &'a Value, id: &str) -> &'a Value {
    result["placements"]
        .as_array()
        .and_then(|list| list.iter().find(|p| p["student"] == id))
        .unwrap_or_else(|| panic!("no placement for {id}"))
}

/// The keys of an object, sorted (`serde_json::Value` does not keep their order).
fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

/// DESIGN.md's instance, plus the programme P03 its student prefers (with a stronger applicant).
fn design_example() -> Value {
    json!({
      "seed": 42,
      "rules": {
        "eligibility": [{"name": "not in senior high", "when": "!student.in_senior_high"}],
        "priority": [
          {"name": "registered household", "when": "student.registered_poor", "points": 100},
          {"name": "same town", "when": "student.town == programme.town", "points": 10},
          {"name": "exam score", "when": "true", "points": "double(student.exam_score) / 10.0"}
        ]
      },
      "programmes": [
        {"code": "P01", "capacity": 40, "town": "米河镇",
         "requirements": [{"name": "score 300+", "when": "student.exam_score >= 300"}],
         "reserved": {"when": "student.registered_poor", "seats": 10},
         "attributes": {"skill_area": "数控技术应用"}},
        {"code": "P03", "capacity": 1, "town": "鲁庄镇"}
      ],
      "students": [
        {"id": "S0001", "preferences": ["P03", "P01"], "lottery": 0.137,
         "attributes": {"registered_poor": true, "in_senior_high": false, "town": "米河镇", "exam_score": 512}},
        {"id": "S0002", "preferences": ["P03"], "lottery": 0.021,
         "attributes": {"registered_poor": true, "in_senior_high": false, "town": "鲁庄镇", "exam_score": 600}}
      ]
    })
}

#[test]
fn the_design_example_routes_to_the_documented_shape() {
    let text = route_json(&design_example().to_string()).expect("routes");
    let opening = "{\n  \"placements\": [\n    {\n      \"student\": \"S0001\",\n      \"programme\": \"P01\",\n      \"choice\": 2,\n      \"points\": 161.2,\n      \"lottery\": 0.137,\n      \"not_placed_higher\": [\n        {\n          \"programme\": \"P03\",\n          \"choice\": 1,\n          \"reason\": \"full\",\n          \"cutoff_points\": 170.0,";
    assert!(text.starts_with(opening), "{text}");
    let result: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(keys(&result), ["placements", "programmes", "summary"]);
    let s1 = placement(&result, "S0001");
    assert_eq!(
        keys(s1),
        [
            "choice",
            "lottery",
            "not_placed_higher",
            "points",
            "programme",
            "student"
        ]
    );
    assert_eq!(
        (&s1["programme"], &s1["choice"], &s1["points"]),
        (&json!("P01"), &json!(2), &json!(161.2))
    );
    assert_eq!(
        s1["not_placed_higher"],
        json!([{"programme": "P03", "choice": 1, "reason": "full",
                "cutoff_points": 170.0, "cutoff_lottery": 0.021, "points": 151.2}])
    );
    let p01 = &result["programmes"][0];
    assert_eq!(
        keys(p01),
        [
            "capacity",
            "code",
            "cutoff_lottery",
            "cutoff_points",
            "filled",
            "reserved_filled"
        ]
    );
    assert_eq!(
        *p01,
        json!({"code": "P01", "capacity": 40, "filled": 1, "reserved_filled": 0,
                            "cutoff_points": null, "cutoff_lottery": null})
    );
    assert_eq!(
        result["summary"],
        json!({"students": 2, "eligible": 2, "placed": 2, "unplaced": 0})
    );
}

#[test]
fn the_bundled_example_instance_places_every_student_exactly_once() {
    let text = include_str!("../../examples/routing-instance.json");
    let instance: Instance = serde_json::from_str(text).expect("the example parses");
    let result = route(&instance).expect("the example routes");
    let ids: Vec<&str> = result.placements.iter().map(|p| p.student.as_str()).collect();
    let expected: Vec<&str> = instance.students.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, expected, "every student once, in input order");
    let s = result.summary;
    assert_eq!((s.students, s.eligible, s.placed + s.unplaced), (12, 11, 11));
    assert!(
        s.placed >= 7 && result.warnings.is_empty(),
        "{s:?} {:?}",
        result.warnings
    );
    for (p, programme) in result.programmes.iter().zip(&instance.programmes) {
        let placed = result
            .placements
            .iter()
            .filter(|x| x.programme.as_deref() == Some(&programme.code))
            .count();
        assert_eq!(p.filled as usize, placed);
        assert!(p.filled <= p.capacity);
    }
}

#[test]
fn without_rules_everyone_is_eligible_and_the_lottery_decides() {
    let result = route_value(&json!({
        "programmes": [{"code": "A", "capacity": 1, "town": "t"}],
        "students": [
            {"id": "late", "preferences": ["A"], "lottery": 0.9},
            {"id": "early", "preferences": ["A"], "lottery": 0.1}
        ]
    }));
    assert_eq!(placement(&result, "early")["programme"], "A");
    assert_eq!(placement(&result, "early")["points"], 0.0);
    let late = placement(&result, "late");
    assert_eq!(late["programme"], Value::Null);
    assert_eq!(late["not_placed_higher"][0]["cutoff_lottery"], 0.1);
    assert_eq!(
        result["summary"],
        json!({"students": 2, "eligible": 2, "placed": 1, "unplaced": 1})
    );
}

fn seeded(seed: u64) -> Value {
    let students: Vec<Value> = (0..30)
        .map(|i| json!({"id": format!("S{i:02}"), "preferences": ["A", "B"]}))
        .collect();
    json!({
        "seed": seed,
        "programmes": [{"code": "A", "capacity": 5, "town": "t"}, {"code": "B", "capacity": 5, "town": "t"}],
        "students": students
    })
}

#[test]
fn the_same_seed_gives_the_same_lotteries_and_the_same_result() {
    let first = route_value(&seeded(7));
    assert_eq!(first, route_value(&seeded(7)));
    let lottery = placement(&first, "S03")["lottery"].as_f64().expect("a number");
    assert_eq!(lottery, derived_lottery(7, "S03"));
    let other = route_value(&seeded(8));
    assert_ne!(placement(&other, "S03")["lottery"], placement(&first, "S03")["lottery"]);
    assert_ne!(
        first["placements"], other["placements"],
        "another seed draws another lottery"
    );
}

#[test]
fn an_instance_without_a_seed_derives_lotteries_from_seed_zero() {
    let mut instance = seeded(0);
    instance.as_object_mut().map(|o| o.remove("seed"));
    assert_eq!(route_value(&instance), route_value(&seeded(0)));
}

#[test]
fn a_rule_failing_for_some_students_counts_as_not_holding_and_is_reported() {
    let result = route_value(&json!({
        "rules": {"priority": [{"name": "score", "when": "student.exam_score > 0", "points": 5}]},
        "programmes": [{"code": "A", "capacity": 1, "town": "t"}],
        "students": [
            {"id": "has", "preferences": ["A"], "lottery": 0.9, "attributes": {"exam_score": 1}},
            {"id": "lacks", "preferences": ["A"], "lottery": 0.1},
            {"id": "lacks too", "preferences": ["A"], "lottery": 0.2}
        ]
    }));
    assert_eq!(placement(&result, "has")["programme"], "A", "5 points beat 0");
    assert_eq!(placement(&result, "lacks")["not_placed_higher"][0]["points"], 0.0);
    let warnings = &result["warnings"];
    assert_eq!(warnings.as_array().map(Vec::len), Some(1));
    assert_eq!(
        (&warnings[0]["path"], &warnings[0]["rule"]),
        (&json!("$.rules.priority[0]"), &json!("score"))
    );
    assert_eq!(
        (&warnings[0]["count"], &warnings[0]["student"]),
        (&json!(2), &json!("lacks"))
    );
    assert!(
        warnings[0]["error"].as_str().is_some_and(|e| e.contains("exam_score")),
        "{warnings}"
    );
}

#[test]
fn a_route_result_reads_back_into_the_typed_result() {
    let text = route_json(&design_example().to_string()).expect("routes");
    let typed: RoutingResult = serde_json::from_str(&text).expect("reads back");
    assert_eq!(typed.summary.placed, 2);
}

#[test]
fn rule_failures_are_counted_over_every_student_whatever_the_threads() {
    let students: Vec<Value> = (0..3000)
        .map(|i| {
            let attributes = if i % 3 == 0 {
                json!({})
            } else {
                json!({"exam_score": i})
            };
            json!({"id": format!("S{i:04}"), "preferences": ["A"], "attributes": attributes})
        })
        .collect();
    let instance = json!({
        "rules": {"eligibility": [{"name": "scored", "when": "student.exam_score >= 0"}]},
        "programmes": [{"code": "A", "capacity": 5000, "town": "t"}],
        "students": students
    });
    let result = route_value(&instance);
    assert_eq!(result["warnings"][0]["count"], 1000);
    assert_eq!(result["warnings"][0]["student"], "S0000");
    assert_eq!(
        result["summary"],
        json!({"students": 3000, "eligible": 2000, "placed": 2000, "unplaced": 0})
    );
    assert_eq!(placement(&result, "S2997")["not_placed_higher"][0]["rule"], "scored");
}

#[test]
fn the_borrowed_result_writes_the_same_text_as_the_owned_one() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/routing-instance.json"))
        .expect("the example instance");
    let instance = instance::parse(&text).expect("parses");
    let owned = route(&instance).expect("routes");
    let borrowed = route_borrowed(&instance).expect("routes");
    for pretty in [false, true] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write_result(&owned, pretty, &mut a).expect("writes");
        write_result(&borrowed, pretty, &mut b).expect("writes");
        assert_eq!(
            String::from_utf8(a).expect("UTF-8"),
            String::from_utf8(b).expect("UTF-8")
        );
    }
    let compact = route_json_as(&text, false).expect("routes");
    assert_eq!(compact, serde_json::to_string(&owned).expect("writes"));
    let pretty = route_json(&text).expect("routes");
    assert_eq!(pretty, serde_json::to_string_pretty(&owned).expect("writes"));
}
