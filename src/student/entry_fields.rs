//! The fields of an archive entry in the order a reader expects them, for pages: the order of
//! [`super::timeline::EntryDetails`]'s declaration, except that a mentor entry names the role and
//! the mentor first and a follow-up its wave first. Pure: no I/O, no translation.
//! Pages must never loop over the stored JSON object itself: a template map has no stable order.

use serde::Serialize;
use serde_json::Value;

use crate::mentor::optimiser::MentorRole;

/// One shown field of an entry: its stable name (the label's key) and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryField {
    pub key: String,
    pub value: Value,
}

/// The fields of each kind, in the order they are shown.
const ORDER: &[(&str, &[&str])] = &[
    ("enrolment_offer", &["school", "programme", "round", "direct_reason"]),
    ("enrolment", &["school", "programme", "class_name"]),
    ("term_result", &["term", "average_score", "remarks"]),
    ("skill_certificate", &["name", "level", "issuer", "certificate_no"]),
    ("internship", &["employer", "position", "place", "end"]),
    ("graduation", &["school", "programme"]),
    (
        "employment",
        &[
            "employer",
            "position",
            "place",
            "monthly_wage",
            "contract_type",
            "end",
            "evidence",
        ],
    ),
    ("follow_up", &["wave", "outcome", "method", "notes"]),
    ("mentor_session", &["mentor", "mode", "duration_minutes", "notes"]),
    ("mentor_assigned", &["role", "mentor", "reason"]),
    ("mentor_answered", &["role", "mentor", "answer"]),
    ("mentor_replaced", &["role", "mentor", "replaced_by", "reason"]),
    ("financial_aid", &["programme", "amount_yuan"]),
    ("note", &["text"]),
    ("record_change", &["source", "changes"]),
    ("ledger_change", &["action", "reason", "note"]),
];

/// Keys never shown as a field: the tag, and the routing reasons shown under the entry.
const HIDDEN: &[&str] = &["kind", "why_not_higher"];

/// The fields of `details` worth showing, in the kind's order; keys the order does not know (from
/// an older or newer shape) follow, sorted by name. Empty values (null, "") are left out. Mentor
/// roles stored by their Chinese name are given by their stable code, so pages can translate them.
pub fn entry_fields(kind: &str, details: &Value) -> Vec<EntryField> {
    let Some(map) = details.as_object() else {
        return Vec::new();
    };
    let order = ORDER.iter().find(|(k, _)| *k == kind).map(|(_, o)| *o).unwrap_or(&[]);
    let mut rest: Vec<&String> = map
        .keys()
        .filter(|k| !order.contains(&k.as_str()) && !HIDDEN.contains(&k.as_str()))
        .collect();
    rest.sort();
    order
        .iter()
        .copied()
        .chain(rest.into_iter().map(String::as_str))
        .filter_map(|key| {
            let value = map.get(key)?;
            let empty = value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty());
            (!empty).then(|| EntryField {
                key: key.to_string(),
                value: if key == "role" {
                    role_as_code(value)
                } else {
                    value.clone()
                },
            })
        })
        .collect()
}

/// A role as its stable code (`counsellor`, …): entries written before codes were stored hold the
/// Chinese name.
fn role_as_code(value: &Value) -> Value {
    let stored = value.as_str().unwrap_or_default();
    MentorRole::ALL
        .into_iter()
        .find(|r| r.as_str() == stored || crate::mentor::labels::zh(r.i18n_key()).is_ok_and(|zh| zh == stored))
        .map(|r| Value::String(r.as_str().to_string()))
        .unwrap_or_else(|| value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(kind: &str, details: Value) -> Vec<String> {
        entry_fields(kind, &details).into_iter().map(|f| f.key).collect()
    }

    #[test]
    fn an_employment_shows_its_fields_in_the_declared_order_whatever_the_stored_order() {
        let details = json!({"kind": "employment", "position": "技术员", "evidence": "school_verified",
            "contract_type": "fixed_term", "monthly_wage": 5590.0, "place": "巩义", "employer": "电商产业园", "end": null});
        assert_eq!(
            keys("employment", details),
            [
                "employer",
                "position",
                "place",
                "monthly_wage",
                "contract_type",
                "evidence"
            ]
        );
    }

    #[test]
    fn empty_values_and_hidden_keys_are_left_out_and_unknown_keys_follow_sorted() {
        let details = json!({"kind": "follow_up", "wave": null, "outcome": "employed", "method": "",
            "zeta": 1, "alpha": "x", "why_not_higher": []});
        assert_eq!(keys("follow_up", details), ["outcome", "alpha", "zeta"]);
    }

    #[test]
    fn a_mentor_role_stored_in_chinese_is_given_by_its_code() {
        let fields = entry_fields("mentor_assigned", &json!({"mentor": "吴老师", "role": "班主任"}));
        assert_eq!(fields[0].value, json!("class_teacher"));
        let fields = entry_fields("mentor_assigned", &json!({"mentor": "吴老师", "role": "校长"}));
        assert_eq!(fields[0].value, json!("校长"));
    }
}
