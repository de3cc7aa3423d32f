//! Compiling, checking and evaluating CEL rules.

use serde_json::json;

use super::fields::{Fields, Subject};
use super::*;

fn attributes(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map,
        _ => panic!("attributes must be an object"),
    }
}

/// Rules over fields observed on these students (and one programme with a `skill_area`).
fn rules_for(students: &[serde_json::Value]) -> Rules {
    let mut student = Fields::student();
    for (i, s) in students.iter().enumerate() {
        student
            .observe(&format!("$.students[{i}]"), &attributes(s.clone()))
            .expect("consistent types");
    }
    let mut programme = Fields::programme();
    programme
        .observe("$.programmes[0]", &attributes(json!({"skill_area": "数控"})))
        .expect("consistent");
    Rules::new(student, programme)
}

fn student(rules: &Rules, id: &str, attrs: serde_json::Value) -> Subject {
    rules
        .student_fields()
        .subject(vec![("id", Value::from(id))], &attributes(attrs))
}

fn programme(rules: &Rules, code: &str, town: &str) -> Subject {
    let built_in = vec![
        ("code", Value::from(code)),
        ("capacity", Value::Int(40)),
        ("town", Value::from(town)),
    ];
    rules
        .programme_fields()
        .subject(built_in, &attributes(json!({"skill_area": "数控"})))
}

fn problem(result: Result<Compiled, RuleError>) -> RuleProblem {
    match result {
        Ok(_) => panic!("the rule should be refused"),
        Err(e) => e.problem,
    }
}

#[test]
fn a_syntax_error_is_refused_with_its_line_and_column() {
    let rules = rules_for(&[]);
    let p = problem(rules.condition("$.rules.priority[0].when", "r", "student.town ==", false));
    assert!(
        matches!(
            p,
            RuleProblem::Syntax {
                line: 1,
                column: 16,
                ..
            }
        ),
        "{p:?}"
    );
}

#[test]
fn an_unknown_variable_is_refused_with_its_position() {
    let rules = rules_for(&[]);
    let p = problem(rules.condition("$", "r", "student.town == \"米河镇\" && pupil.ok", false));
    assert_eq!(
        p,
        RuleProblem::UnknownVariable {
            line: 1,
            column: 26,
            name: "pupil".into()
        }
    );
}

#[test]
fn an_unknown_field_is_refused_naming_it_and_the_known_ones() {
    let rules = rules_for(&[json!({"hukou": "A"})]);
    let p = problem(rules.condition("$", "r", "true &&\n  student.exam_scor >= 300", false));
    let RuleProblem::UnknownField {
        line,
        column,
        field,
        known,
    } = p
    else {
        panic!("{p:?}")
    };
    assert_eq!((line, column, field.as_str()), (2, 3, "student.exam_scor"));
    assert!(known.contains("exam_score") && known.contains("hukou"), "{known}");
    let p = problem(rules.condition("$", "r", "programme[\"skill\"] == \"x\"", false));
    assert!(
        matches!(p, RuleProblem::UnknownField { ref field, .. } if field == "programme.skill"),
        "{p:?}"
    );
}

#[test]
fn instance_attributes_documented_fields_and_macro_variables_may_be_used() {
    let rules = rules_for(&[json!({"hukou": "A"})]);
    for source in [
        "student.hukou == \"A\"",
        "student.disability",
        "programme.skill_area == student.skill_area && programme.capacity > 10",
        "[300, 400].exists(x, x <= student.exam_score)",
        "has(student.hukou)",
    ] {
        assert!(rules.condition("$", "r", source, false).is_ok(), "{source}");
    }
}

#[test]
fn eligibility_rules_may_not_read_the_programme() {
    let rules = rules_for(&[]);
    let p = problem(rules.condition("$", "r", "student.town == programme.town", true));
    assert_eq!(p, RuleProblem::ProgrammeInEligibility);
}

#[test]
fn a_condition_must_give_a_bool_and_points_a_number() {
    let rules = rules_for(&[json!({"exam_score": 512})]);
    let p = problem(rules.condition("$", "r", "student.exam_score + 1", false));
    assert_eq!(p, RuleProblem::NotBool { found: "int".into() });
    let Err(e) = rules.points("$", "r", "student.town") else {
        panic!("string points accepted")
    };
    assert_eq!(e.problem, RuleProblem::NotNumber { found: "string".into() });
    assert!(rules.points("$", "r", "double(student.exam_score) / 10.0").is_ok());
}

#[test]
fn mixing_int_and_double_is_a_type_error_naming_the_rule() {
    let rules = rules_for(&[json!({"exam_score": 512})]);
    let Err(e) = rules.points("$.rules.priority[2].points", "exam score", "student.exam_score / 10.0") else {
        panic!("int / double accepted");
    };
    assert_eq!(
        (e.path.as_str(), e.rule.as_str()),
        ("$.rules.priority[2].points", "exam score")
    );
    assert!(matches!(e.problem, RuleProblem::Type { .. }), "{:?}", e.problem);
}

#[test]
fn whole_json_numbers_are_cel_ints_so_arithmetic_with_ints_works() {
    let rules = rules_for(&[json!({"age": 19})]);
    let rule = rules
        .condition("$", "r", "student.age - 18 > 0", false)
        .expect("compiles");
    let s = student(&rules, "S1", json!({"age": 19}));
    assert_eq!(rules.holds(&rule, &s, None), Ok(true));
}

#[test]
fn a_field_written_with_a_fraction_anywhere_is_a_double_everywhere() {
    let rules = rules_for(&[json!({"score": 500}), json!({"score": 512.5})]);
    let points = rules.points("$", "r", "student.score / 10.0").expect("double / double");
    let s = student(&rules, "S1", json!({"score": 500}));
    assert_eq!(rules.value_of(&points, &s, None), Ok(50.0));
}

#[test]
fn a_field_whose_values_disagree_in_type_is_refused() {
    let mut fields = Fields::student();
    fields
        .observe("$.students[0]", &attributes(json!({"score": 1, "note": null})))
        .expect("ok");
    fields
        .observe("$.students[1]", &attributes(json!({"note": "x"})))
        .expect("null fits any type");
    let conflict = fields
        .observe("$.students[2]", &attributes(json!({"score": "high"})))
        .expect_err("conflict");
    assert_eq!(conflict.path, "$.students[2].attributes.score");
    assert_eq!((conflict.found, conflict.expected), ("string", "int"));
    assert_eq!(conflict.first_path, "$.students[0].attributes.score");
}

#[test]
fn a_rule_reads_what_it_names_and_evaluates_per_pair() {
    let rules = rules_for(&[json!({"town": "米河镇"})]);
    let same_town = rules
        .condition("$", "r", "student.town == programme.town", false)
        .expect("compiles");
    assert_eq!((same_town.reads.student, same_town.reads.programme), (true, true));
    let s = student(&rules, "S1", json!({"town": "米河镇"}));
    assert_eq!(
        rules.holds(&same_town, &s, Some(&programme(&rules, "P1", "米河镇"))),
        Ok(true)
    );
    assert_eq!(
        rules.holds(&same_town, &s, Some(&programme(&rules, "P2", "鲁庄镇"))),
        Ok(false)
    );
    let constant = rules.condition("$", "r", "true", false).expect("compiles");
    assert_eq!((constant.reads.student, constant.reads.programme), (false, false));
}

#[test]
fn an_evaluation_failure_is_reported_not_guessed() {
    let rules = rules_for(&[json!({"exam_score": 512})]);
    let rule = rules
        .condition("$", "r", "student.exam_score >= 300", false)
        .expect("compiles");
    let without = student(&rules, "S2", json!({}));
    let error = rules.holds(&rule, &without, None).expect_err("missing attribute");
    assert!(error.contains("exam_score"), "{error}");
    let points = rules
        .points("$", "r", "1.0 / double(student.exam_score - 512)")
        .expect("compiles");
    let zero = student(&rules, "S3", json!({"exam_score": 512}));
    assert!(
        rules.value_of(&points, &zero, None).is_err(),
        "infinite points are an error"
    );
}
