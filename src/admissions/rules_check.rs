//! Checking rules when they are saved: each rule set or programme rule is run through the routing
//! engine's own validation on a typed example of every documented variable, so syntax errors,
//! unknown fields and type mismatches are reported (naming the rule) before anything is stored.

use serde_json::json;

use super::instance_builder::{programme_example, student_example};
use super::programmes::ProgrammeInput;
use super::rule_sets::Rules;
use crate::error::AppError;
use crate::i18n::Msg;

fn check(rules: &Rules, requirements: serde_json::Value, reserved: Option<&str>, field: &str) -> Result<(), AppError> {
    let mut programme = json!({
        "code": "EXAMPLE", "capacity": 10, "town": "米河镇", "requirements": requirements,
        "attributes": programme_example(),
    });
    if let Some(rule) = reserved {
        programme["reserved"] = json!({ "when": rule, "seats": 1 });
    }
    let mut attributes = student_example();
    if let Some(map) = attributes.as_object_mut() {
        map.remove("id");
    }
    let instance = json!({
        "seed": 1,
        "rules": rules,
        "programmes": [programme],
        "students": [{ "id": "S1", "preferences": ["EXAMPLE"], "attributes": attributes }],
    });
    crate::routing::route_json(&instance.to_string())
        .map(|_| ())
        .map_err(|e| AppError::invalid(field, Msg::new("error.rule_invalid").arg("reason", e)))
}

/// Checks a rule set's eligibility and priority rules.
pub fn check_rule_set(rules: &Rules) -> Result<(), AppError> {
    check(rules, json!([]), None, "rules")
}

/// Checks a programme's requirement rules and its reserved-seat rule.
pub fn check_programme_rules(p: &ProgrammeInput) -> Result<(), AppError> {
    let requirements: Vec<_> = p
        .requirements
        .iter()
        .map(|r| json!({ "name": r.name, "when": r.when }))
        .collect();
    let reserved = (p.reserved_seats > 0).then_some(p.reserved_rule.as_str());
    check(&Rules::default(), json!(requirements), reserved, "requirements")
}
