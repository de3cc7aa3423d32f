//! The explanation of every preference ranked above a student's placement.

use serde_json::{Value, json};

use super::{placement, route_value};

fn with_reserve() -> Value {
    json!({
        "rules": {
            "eligibility": [{"name": "not in senior high", "when": "!student.in_senior_high"}],
            "priority": [{"name": "score", "when": "true", "points": "student.score"}]
        },
        "programmes": [
            {"code": "R", "capacity": 2, "town": "t", "reserved": {"when": "student.poor", "seats": 1},
             "requirements": [{"name": "score 10+", "when": "student.score >= 10"}]},
            {"code": "B", "capacity": 10, "town": "t"}
        ],
        "students": [
            {"id": "top", "preferences": ["R", "B"], "lottery": 0.5,
             "attributes": {"score": 90, "poor": false, "in_senior_high": false}},
            {"id": "second", "preferences": ["R", "B"], "lottery": 0.5,
             "attributes": {"score": 80, "poor": false, "in_senior_high": false}},
            {"id": "covered", "preferences": ["R", "B"], "lottery": 0.4,
             "attributes": {"score": 20, "poor": true, "in_senior_high": false}},
            {"id": "covered low", "preferences": ["R", "B"], "lottery": 0.3,
             "attributes": {"score": 15, "poor": true, "in_senior_high": false}},
            {"id": "weak", "preferences": ["R", "B"], "lottery": 0.1,
             "attributes": {"score": 5, "poor": true, "in_senior_high": false}},
            {"id": "senior", "preferences": ["R", "B"], "lottery": 0.1,
             "attributes": {"score": 99, "poor": true, "in_senior_high": true}},
            {"id": "senior, no choices", "preferences": [],
             "attributes": {"score": 99, "poor": true, "in_senior_high": true}}
        ]
    })
}

#[test]
fn a_full_programme_quotes_a_cutoff_above_the_students_own_points_and_lottery() {
    let result = route_value(&with_reserve());
    let low = placement(&result, "covered low");
    assert_eq!((&low["programme"], &low["choice"]), (&json!("B"), &json!(2)));
    let why = &low["not_placed_higher"][0];
    assert_eq!(
        (&why["programme"], &why["choice"], &why["reason"]),
        (&json!("R"), &json!(1), &json!("full"))
    );
    // A covered student competes for the reserved seat: the cut-off is the covered student in it.
    assert_eq!(
        (&why["cutoff_points"], &why["cutoff_lottery"]),
        (&json!(20.0), &json!(0.4))
    );
    assert_eq!((&why["points"], &low["lottery"]), (&json!(15.0), &json!(0.3)));
}

#[test]
fn a_student_outside_the_reserve_is_shown_the_cutoff_for_everyone_else() {
    let result = route_value(&with_reserve());
    assert_eq!(placement(&result, "top")["programme"], "R");
    assert_eq!(placement(&result, "covered")["programme"], "R", "the reserved seat");
    let second = placement(&result, "second");
    assert_eq!(second["programme"], "B");
    let why = &second["not_placed_higher"][0];
    assert_eq!((&why["cutoff_points"], &why["points"]), (&json!(90.0), &json!(80.0)));
    let r = &result["programmes"][0];
    assert_eq!((&r["filled"], &r["reserved_filled"]), (&json!(2), &json!(1)));
    assert_eq!(
        (&r["cutoff_points"], &r["open_cutoff_points"]),
        (&json!(20.0), &json!(90.0))
    );
    assert!(
        result["programmes"][1].get("open_cutoff_points").is_none(),
        "no reserve, no open cut-off"
    );
}

#[test]
fn a_failed_requirement_is_explained_by_the_rules_name() {
    let result = route_value(&with_reserve());
    let weak = placement(&result, "weak");
    assert_eq!(weak["programme"], "B");
    assert_eq!(
        weak["not_placed_higher"],
        json!([{"programme": "R", "choice": 1, "reason": "requirement", "rule": "score 10+"}])
    );
}

#[test]
fn an_ineligible_student_is_unplaced_with_the_eligibility_rules_name() {
    let result = route_value(&with_reserve());
    let senior = placement(&result, "senior");
    assert_eq!(
        (&senior["programme"], &senior["choice"], &senior["points"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    let reason = json!({"reason": "ineligible", "rule": "not in senior high"});
    let mut first = json!({"programme": "R", "choice": 1});
    if let (Some(first), Some(reason)) = (first.as_object_mut(), reason.as_object()) {
        first.extend(reason.clone());
    }
    assert_eq!(senior["not_placed_higher"][0], first);
    assert_eq!(senior["not_placed_higher"].as_array().map(Vec::len), Some(2));
    let no_choices = placement(&result, "senior, no choices");
    assert_eq!(no_choices["not_placed_higher"], json!([reason]));
    assert_eq!(
        result["summary"],
        json!({"students": 7, "eligible": 5, "placed": 5, "unplaced": 0})
    );
}

#[test]
fn an_unplaced_student_has_every_preference_explained() {
    let result = route_value(&json!({
        "programmes": [{"code": "A", "capacity": 0, "town": "t"}, {"code": "B", "capacity": 1, "town": "t"}],
        "students": [
            {"id": "in", "preferences": ["B"], "lottery": 0.1},
            {"id": "out", "preferences": ["A", "B"], "lottery": 0.2}
        ]
    }));
    let out = placement(&result, "out");
    assert_eq!(
        (&out["programme"], &out["choice"], &out["points"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    assert_eq!(
        out["not_placed_higher"],
        json!([
            {"programme": "A", "choice": 1, "reason": "full", "cutoff_points": null, "cutoff_lottery": null, "points": 0.0},
            {"programme": "B", "choice": 2, "reason": "full", "cutoff_points": 0.0, "cutoff_lottery": 0.1, "points": 0.0}
        ])
    );
    assert_eq!(result["summary"]["unplaced"], 1);
}
