//! Checking rules when they are saved: each rule set or programme rule is run through the routing
//! engine's own validation on a typed example of every documented variable, so syntax errors,
//! unknown fields and type mismatches are reported (naming the rule) before anything is stored.

use super::instance_builder::{programme_example, student_example};
use super::programmes::ProgrammeInput;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routing::instance::{Instance, Programme, Reserve, Rule, Rules, Student};

fn check(rules: &Rules, requirements: Vec<Rule>, reserved: Option<&str>, field: &str) -> Result<(), AppError> {
    let object = |value: serde_json::Value| match value {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let mut student = object(student_example());
    student.remove("id");
    let instance = Instance {
        seed: Some(1),
        rules: rules.clone(),
        programmes: vec![Programme {
            code: "EXAMPLE".into(),
            capacity: 10,
            town: "米河镇".into(),
            requirements,
            reserved: reserved.map(|when| Reserve {
                when: when.to_string(),
                seats: 1,
            }),
            attributes: object(programme_example()),
        }],
        students: vec![Student {
            id: "S1".into(),
            preferences: vec!["EXAMPLE".into()],
            lottery: None,
            attributes: student,
        }],
    };
    crate::routing::route(&instance)
        .map(|_| ())
        .map_err(|e| AppError::invalid(field, Msg::new("error.rule_invalid").arg("reason", e)))
}

/// Checks a rule set's eligibility and priority rules.
pub fn check_rule_set(rules: &Rules) -> Result<(), AppError> {
    check(rules, Vec::new(), None, "rules")
}

/// Checks a programme's requirement rules and its reserved-seat rule.
pub fn check_programme_rules(p: &ProgrammeInput) -> Result<(), AppError> {
    let reserved = (p.reserved_seats > 0).then_some(p.reserved_rule.as_str());
    check(&Rules::default(), p.requirements.clone(), reserved, "requirements")
}
