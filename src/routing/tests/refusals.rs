//! Instances the router refuses, each with a message naming the item; and the English catalogue
//! saying exactly what `Display` says.

use std::path::Path;

use serde_json::{Value, json};

use crate::i18n::{Catalogues, Lang};
use crate::routing::{RouteError, route_json};

fn base() -> Value {
    json!({
        "rules": {"priority": [{"name": "town", "when": "student.town == programme.town", "points": 10}]},
        "programmes": [
            {"code": "A", "capacity": 2, "town": "t", "reserved": {"when": "student.poor", "seats": 1}},
            {"code": "B", "capacity": 2, "town": "t"}
        ],
        "students": [
            {"id": "S1", "preferences": ["A", "B"], "attributes": {"town": "t", "poor": true}},
            {"id": "S2", "preferences": ["B"], "attributes": {"town": "u", "poor": false}}
        ]
    })
}

/// `base()` changed by `edit`, refused; returns the error.
fn refused(edit: impl FnOnce(&mut Value)) -> RouteError {
    let mut instance = base();
    edit(&mut instance);
    match route_json(&instance.to_string()) {
        Ok(_) => panic!("accepted: {instance}"),
        Err(e) => e,
    }
}

fn assert_says(e: &RouteError, parts: &[&str]) {
    let text = e.to_string();
    for part in parts {
        assert!(text.contains(part), "“{text}” does not mention “{part}”");
    }
}

#[test]
fn the_base_instance_is_accepted() {
    assert!(route_json(&base().to_string()).is_ok());
}

#[test]
fn text_that_is_not_json_is_refused_with_its_line_and_column() {
    let e = route_json("{\n  \"programmes\": [,]\n}").expect_err("not JSON");
    assert_says(&e, &["not valid JSON", "line 2"]);
}

#[test]
fn missing_and_unknown_fields_are_refused_naming_the_item() {
    assert_says(
        &refused(|i| {
            i["programmes"][1]
                .as_object_mut()
                .map(|o| o.remove("capacity"))
                .map(drop)
                .unwrap_or(())
        }),
        &["$.programmes[1]", "capacity"],
    );
    assert_says(
        &refused(|i| i["students"][1]["prefs"] = json!([])),
        &["$.students[1]", "unknown field `prefs`"],
    );
    assert_says(
        &refused(|i| i["students"][0]["id"] = json!(7)),
        &["$.students[0]", "invalid type"],
    );
    assert_says(
        &refused(|i| i["rules"]["priority"][0]["points"] = json!(true)),
        &["$.rules.priority[0]", "points"],
    );
    assert_says(
        &refused(|i| i.as_object_mut().map(|o| o.remove("students")).map(drop).unwrap_or(())),
        &["$:", "missing field `students`"],
    );
    assert_says(&refused(|i| i["seed"] = json!(-1)), &["$.seed"]);
}

#[test]
fn a_negative_or_fractional_capacity_is_refused() {
    assert_says(
        &refused(|i| i["programmes"][1]["capacity"] = json!(-3)),
        &["$.programmes[1]", "whole number", "-3"],
    );
    assert_says(
        &refused(|i| i["programmes"][1]["capacity"] = json!(2.5)),
        &["$.programmes[1]", "whole number", "2.5"],
    );
    assert!(
        route_json(
            &{
                let mut i = base();
                i["programmes"][1]["capacity"] = json!(2.0);
                i
            }
            .to_string()
        )
        .is_ok(),
        "2.0 seats is a whole number"
    );
}

#[test]
fn more_reserved_seats_than_capacity_are_refused() {
    let e = refused(|i| i["programmes"][0]["reserved"]["seats"] = json!(3));
    assert_says(&e, &["$.programmes[0].reserved.seats", "“A”", "3 seats", "only 2"]);
}

#[test]
fn duplicate_ids_and_codes_are_refused() {
    assert_says(
        &refused(|i| i["students"][1]["id"] = json!("S1")),
        &["$.students[1].id", "“S1”"],
    );
    assert_says(
        &refused(|i| i["programmes"][1]["code"] = json!("A")),
        &["$.programmes[1].code", "“A”"],
    );
}

#[test]
fn unknown_and_repeated_preferences_are_refused() {
    let e = refused(|i| i["students"][1]["preferences"] = json!(["B", "Z"]));
    assert_says(&e, &["$.students[1].preferences[1]", "“S2”", "“Z”"]);
    let e = refused(|i| i["students"][0]["preferences"] = json!(["A", "B", "A"]));
    assert_says(&e, &["$.students[0].preferences[2]", "“A”", "more than once"]);
}

#[test]
fn invalid_rules_are_refused_naming_the_rule_and_position() {
    let e = refused(|i| i["rules"]["priority"][0]["when"] = json!("student.town =="));
    assert_says(
        &e,
        &[
            "$.rules.priority[0].when",
            "“town”",
            "line 1, column 16",
            "syntax error",
        ],
    );
    let e = refused(|i| i["programmes"][0]["reserved"]["when"] = json!("student.pour"));
    assert_says(
        &e,
        &[
            "$.programmes[0].reserved.when",
            "line 1, column 1",
            "unknown field “student.pour”",
            "poor",
        ],
    );
    let e = refused(|i| i["rules"]["eligibility"] = json!([{"name": "e", "when": "programme.capacity > 1"}]));
    assert_says(&e, &["$.rules.eligibility[0].when", "“e”", "programme.*"]);
    let e = refused(|i| i["rules"]["priority"][0]["points"] = json!("student.town"));
    assert_says(&e, &["$.rules.priority[0].points", "must be a number", "string"]);
    let e = refused(|i| i["programmes"][1]["requirements"] = json!([{"name": "r", "when": "student.town + 1 > 0"}]));
    assert_says(&e, &["$.programmes[1].requirements[0].when", "“r”", "type error"]);
    let e = refused(|i| i["rules"]["priority"][0]["when"] = json!("size(student.town)"));
    assert_says(&e, &["must give true or false", "int"]);
}

#[test]
fn rule_names_must_be_present_and_unique_in_their_list() {
    let e = refused(|i| i["rules"]["priority"][0]["name"] = json!(" "));
    assert_says(&e, &["$.rules.priority[0].name", "needs a name"]);
    let two = json!([{"name": "x", "when": "true"}, {"name": "x", "when": "true"}]);
    assert_says(
        &refused(|i| i["programmes"][1]["requirements"] = two),
        &["$.programmes[1].requirements[1].name", "“x”"],
    );
}

#[test]
fn attributes_must_not_shadow_built_in_fields_nor_change_type() {
    let e = refused(|i| i["programmes"][1]["attributes"] = json!({"capacity": 9}));
    assert_says(&e, &["$.programmes[1].attributes.capacity", "built-in"]);
    let e = refused(|i| i["students"][1]["attributes"]["poor"] = json!("no"));
    assert_says(
        &e,
        &[
            "$.students[1].attributes.poor",
            "string",
            "bool",
            "$.students[0].attributes.poor",
        ],
    );
}

#[test]
fn the_english_catalogue_says_what_display_says() {
    let catalogues = Catalogues::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/i18n")).expect("load");
    let p = || "$.x".to_string();
    let samples = vec![
        refused(|i| i["programmes"][0]["reserved"]["seats"] = json!(3)),
        refused(|i| i["students"][1]["id"] = json!("S1")),
        refused(|i| i["programmes"][1]["code"] = json!("A")),
        refused(|i| i["students"][1]["preferences"] = json!(["Z"])),
        refused(|i| i["students"][0]["preferences"] = json!(["A", "A"])),
        refused(|i| i["programmes"][1]["attributes"] = json!({"town": 9})),
        refused(|i| i["students"][1]["attributes"]["poor"] = json!("no")),
        refused(|i| i["rules"]["priority"][0]["name"] = json!("")),
        refused(|i| i["rules"]["eligibility"] = json!([{"name": "e", "when": "programme.town == 'x'"}])),
        refused(|i| i["rules"]["priority"][0]["when"] = json!("(")),
        refused(|i| i["rules"]["priority"][0]["when"] = json!("x")),
        refused(|i| i["rules"]["priority"][0]["when"] = json!("student.x")),
        refused(|i| i["rules"]["priority"][0]["when"] = json!("student.town + 1 > 0")),
        refused(|i| i["rules"]["priority"][0]["when"] = json!("1")),
        refused(|i| i["rules"]["priority"][0]["points"] = json!("'x'")),
        RouteError::Json { error: "e".into() },
        RouteError::Field {
            path: p(),
            error: "e".into(),
        },
        RouteError::Lottery {
            path: p(),
            student: "S".into(),
        },
        RouteError::DuplicateRule {
            path: p(),
            rule: "r".into(),
        },
        RouteError::Engine { detail: "d".into() },
    ];
    for e in samples {
        assert_eq!(catalogues.text(Lang::En, &e.message()), e.to_string());
        assert_ne!(
            catalogues.text(Lang::Zh, &e.message()),
            e.message().key,
            "zh-CN has {}",
            e.message().key
        );
    }
}

/// `n` students (enough for the check to work on all cores), each preferring `B` then `A`.
fn many(n: usize) -> Value {
    let mut instance = base();
    instance["students"] = (0..n)
        .map(|i| json!({"id": format!("S{i}"), "preferences": ["B", "A"], "attributes": {"town": "t", "poor": false}}))
        .collect();
    instance
}

#[test]
fn in_a_large_instance_the_first_student_at_fault_is_named_whichever_core_found_it() {
    let route = |instance: &Value| route_json(&instance.to_string());
    // An unknown programme late in the list, a repeated id later still: the programme is named.
    let mut instance = many(20_000);
    instance["students"][15_000]["preferences"][1] = json!("NOPE");
    instance["students"][19_000]["id"] = json!("S3");
    let e = route(&instance).expect_err("refused");
    assert_says(&e, &["$.students[15000].preferences[1]", "S15000", "NOPE"]);
    // A repeated id before it: the id is named.
    instance["students"][12_000]["id"] = json!("S4");
    let e = route(&instance).expect_err("refused");
    assert_says(&e, &["$.students[12000].id", "S4"]);
    // A repeated preference in the first student, an unknown one in the last.
    let mut instance = many(20_000);
    instance["students"][0]["preferences"] = json!(["A", "A"]);
    instance["students"][19_999]["preferences"][0] = json!("NOPE");
    let e = route(&instance).expect_err("refused");
    assert_says(&e, &["$.students[0].preferences[1]", "S0", "A"]);
    assert!(route(&many(20_000)).is_ok());
}
