//! Turns the database's students, programmes, preferences and a rule set into a typed routing
//! [`Instance`], so a run from the database and `vocpath route` go through the same engine and the
//! same checks. Also defines the variables rules may use.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::enums::{SeniorHighStatus, Sex};
use entity::{household, programme, school, student};
use sea_orm::DerivePartialModel;
use serde_json::{Map, Value, json};

use super::programmes::requirements_of;
use crate::error::{AppError, Context};
use crate::routing::instance::{Instance, Programme, Reserve, Rules, Student};

/// The `student.*` variables rules may use, with an example value of the right type.
pub fn student_example() -> Value {
    json!({
        "id": "S1", "registered_poor": true, "in_senior_high": false, "senior_high_status": "not_entered",
        "town": "米河镇", "village": "新庄村", "exam_score": 480.0, "graduation_year": 2026, "sex": "male",
        "disability": false, "intended_skill": "数控技术应用", "age": 15, "junior_high_school": "巩义市第一初级中学"
    })
}

/// The `programme.*` variables rules may use (besides `code`, `capacity`, `town`).
pub fn programme_example() -> Value {
    json!({ "name": "数控技术应用", "skill_area": "机械制造", "school": "巩义市第一中等职业学校", "intake_year": 2026, "reserved_seats": 10 })
}

/// The columns of a student a run reads (not the name, ID or contact details).
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "student::Entity")]
pub struct RunStudent {
    pub id: i32,
    pub household_id: i32,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub junior_high_school: String,
    pub graduation_year: i32,
    pub exam_score: Option<f64>,
    pub senior_high_status: SeniorHighStatus,
    pub disability: bool,
    pub intended_skill: Option<String>,
}

/// The columns of a household a run reads.
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "household::Entity")]
pub struct RunHousehold {
    pub id: i32,
    pub town: String,
    pub village: String,
}

/// Everything a run needs, loaded from the database.
pub struct RunInputs<'a> {
    pub intake_year: i32,
    pub seed: i64,
    pub rules: &'a Rules,
    pub programmes: &'a [programme::Model],
    pub schools: &'a HashMap<i32, school::Model>,
    /// Seats still free per programme id (capacity minus earlier committed rounds).
    pub seats_left: &'a HashMap<i32, i32>,
    pub students: &'a [RunStudent],
    pub households: &'a HashMap<i32, RunHousehold>,
    /// Confirmed choices per student id, best first (programme ids).
    pub preferences: &'a HashMap<i32, Vec<i32>>,
}

/// The instance key of a student.
pub fn student_key(id: i32) -> String {
    format!("S{id}")
}

fn attributes_of(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn student_attributes(s: &RunStudent, h: Option<&RunHousehold>, intake_year: i32) -> Map<String, Value> {
    let sept_first = NaiveDate::from_ymd_opt(intake_year, 9, 1).unwrap_or(s.birth_date);
    let mut age = sept_first.year() - s.birth_date.year();
    if (sept_first.month(), sept_first.day()) < (s.birth_date.month(), s.birth_date.day()) {
        age -= 1;
    }
    attributes_of(json!({
        "registered_poor": true,
        "in_senior_high": s.senior_high_status == SeniorHighStatus::Regular,
        "senior_high_status": s.senior_high_status.as_str(),
        "town": h.map(|h| h.town.clone()).unwrap_or_default(),
        "village": h.map(|h| h.village.clone()).unwrap_or_default(),
        "exam_score": s.exam_score.unwrap_or(0.0),
        "graduation_year": s.graduation_year,
        "sex": s.sex.as_str(),
        "disability": s.disability,
        "intended_skill": s.intended_skill.clone().unwrap_or_default(),
        "age": age,
        "junior_high_school": s.junior_high_school,
    }))
}

/// Seats as the engine counts them: never below 0.
fn seats(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// Builds the routing instance, typed, for [`crate::routing::route`].
pub fn build_instance(inputs: &RunInputs<'_>) -> Result<Instance, AppError> {
    let code_of: HashMap<i32, &str> = inputs.programmes.iter().map(|p| (p.id, p.code.as_str())).collect();
    let mut programmes = Vec::with_capacity(inputs.programmes.len());
    for p in inputs.programmes {
        let capacity = seats(inputs.seats_left.get(&p.id).copied().unwrap_or(p.capacity));
        let reserved = seats(p.reserved_seats).min(capacity);
        programmes.push(Programme {
            code: p.code.clone(),
            capacity,
            town: p.town.clone(),
            requirements: requirements_of(p)?,
            reserved: (reserved > 0).then(|| Reserve {
                when: p.reserved_rule.clone(),
                seats: reserved,
            }),
            attributes: attributes_of(json!({
                "name": p.name, "skill_area": p.skill_area, "intake_year": p.intake_year, "reserved_seats": reserved,
                "school": inputs.schools.get(&p.school_id).map(|s| s.name.clone()).unwrap_or_default(),
            })),
        });
    }
    let students = inputs
        .students
        .iter()
        .map(|s| Student {
            id: student_key(s.id),
            preferences: inputs
                .preferences
                .get(&s.id)
                .map(|ids| {
                    ids.iter()
                        .filter_map(|id| code_of.get(id).map(|c| c.to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            lottery: None,
            attributes: student_attributes(s, inputs.households.get(&s.household_id), inputs.intake_year),
        })
        .collect();
    Ok(Instance {
        seed: Some(u64::try_from(inputs.seed).unwrap_or(0)),
        rules: inputs.rules.clone(),
        programmes,
        students,
    })
}

/// A stable digest of an instance, recorded with the run so a run can be proven reproducible and a
/// commit can tell that the data changed since the dry run.
pub fn digest(instance: &Instance) -> Result<String, AppError> {
    use sha2::Digest;
    // The JSON is hashed as it is written, never held whole (tens of MB for a county).
    struct Hashing(sha2::Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hashing = Hashing(sha2::Sha256::new());
    serde_json::to_writer(&mut hashing, instance).context("instance digest")?;
    Ok(hex::encode(hashing.0.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_the_sha256_of_the_instance_json() {
        let instance: Instance = serde_json::from_str(
            r#"{"seed": 3, "programmes": [{"code": "P1", "capacity": 2, "town": "米河镇"}],
                "students": [{"id": "S1", "preferences": ["P1"], "attributes": {"exam_score": 480.0}}]}"#,
        )
        .expect("instance");
        let json = serde_json::to_vec(&instance).expect("json");
        assert_eq!(digest(&instance).expect("digest"), crate::auth::sha256_hex_bytes(&json));
    }
}
