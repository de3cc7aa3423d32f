//! Instructors: the form as typed, its check (every bad field named), recording one with its audit
//! line and a new evaluation of proposals, and the decoded view pages and the API show. It must not
//! schedule anything or read sessions.

use chrono::{DateTime, NaiveDate, Utc};
use entity::instructor;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde::{Deserialize, Serialize};

use super::{date, done, required};
use crate::audit::{self, Actor, Record};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

/// An instructor, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct InstructorForm {
    pub name: String,
    pub phone: String,
    /// Comma- or line-separated skill areas.
    pub skills: String,
    /// Dates the instructor cannot teach, comma- or line-separated; `2027-05-20..2027-06-15` for a range.
    pub unavailable: String,
}

/// A checked instructor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstructorInput {
    pub name: String,
    pub phone: Option<String>,
    pub skills: Vec<String>,
    pub unavailable: Vec<NaiveDate>,
}

impl InstructorForm {
    pub fn parse(&self) -> Result<InstructorInput, AppError> {
        let mut e = Vec::new();
        let name = required(&mut e, "name", &self.name, 100);
        let phone = match self.phone.trim() {
            "" => None,
            p => match crate::student::ids::MobileNumber::parse(p) {
                Ok(m) => Some(m.into_inner()),
                Err(msg) => {
                    e.push(FieldError::new("phone", msg));
                    None
                }
            },
        };
        let skills: Vec<String> = self
            .skills
            .split([',', '，', '、', '\n'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if skills.is_empty() {
            e.push(FieldError::new("skills", Msg::new("error.field_required")));
        }
        let mut unavailable = Vec::new();
        for item in self
            .unavailable
            .split([',', '，', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match item.split_once("..") {
                Some((a, b)) => {
                    let (a, b) = (date(&mut e, "unavailable", a), date(&mut e, "unavailable", b));
                    if let (Some(a), Some(b)) = (a, b) {
                        if b < a || (b - a).num_days() > 366 {
                            e.push(FieldError::new(
                                "unavailable",
                                Msg::new("error.date_range").arg("value", item),
                            ));
                        } else {
                            unavailable.extend(a.iter_days().take_while(|d| *d <= b));
                        }
                    }
                }
                None => unavailable.extend(date(&mut e, "unavailable", item)),
            }
        }
        unavailable.sort_unstable();
        unavailable.dedup();
        done(e, || InstructorInput {
            name,
            phone,
            skills,
            unavailable,
        })
    }
}

pub async fn create_instructor(
    db: &DatabaseConnection,
    actor: &Actor,
    input: InstructorInput,
) -> Result<instructor::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let i = instructor::ActiveModel {
        name: Set(input.name),
        phone: Set(input.phone),
        skills: Set(to_json(&input.skills)?),
        unavailable: Set(to_json(&input.unavailable)?),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "training.instructor",
        Record::new("instructor", i.id),
        format!("instructor {}", i.name),
    )
    .await?;
    super::super::proposals::reevaluate(&txn, super::super::proposals::Scope::All).await?;
    txn.commit().await?;
    Ok(i)
}

/// A value as JSON text for a text column.
fn to_json<T: Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

/// An instructor as pages and the API show one: skills and unavailable days as lists, not the
/// JSON text they are stored as.
#[derive(Debug, Clone, Serialize)]
pub struct Instructor {
    pub id: i32,
    pub name: String,
    pub phone: Option<String>,
    /// Skill areas the instructor teaches.
    pub skills: Vec<String>,
    /// Every day (`YYYY-MM-DD`) the instructor cannot teach, ranges given at entry spelled out, sorted.
    pub unavailable: Vec<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl Instructor {
    pub fn decode(i: instructor::Model) -> Result<Instructor, AppError> {
        let (skills, unavailable) = decode_instructor(&i)?;
        Ok(Instructor {
            id: i.id,
            name: i.name,
            phone: i.phone,
            skills,
            unavailable,
            created_at: i.created_at,
        })
    }
}

/// An instructor's skills and unavailable dates.
pub fn decode_instructor(i: &instructor::Model) -> Result<(Vec<String>, Vec<NaiveDate>), AppError> {
    let skills =
        serde_json::from_str(&i.skills).map_err(|e| AppError::Internal(format!("instructor {}: {e}", i.id)))?;
    let dates =
        serde_json::from_str(&i.unavailable).map_err(|e| AppError::Internal(format!("instructor {}: {e}", i.id)))?;
    Ok((skills, dates))
}
