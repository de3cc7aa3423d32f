//! Instructors: one typed input ([`NewInstructor`]) built from the form or the API, its check (every bad field named), recording one with its audit
//! line and a new evaluation of proposals, and the decoded view pages and the API show. It must not
//! schedule anything or read sessions.

use chrono::{DateTime, NaiveDate, Utc};
use entity::instructor;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde::{Deserialize, Serialize};

use super::{date, done, required};
use crate::audit::{Actor, Record};
use crate::db::json_text;
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

/// An instructor as entered, from the form or the API, before it is checked. Each item of a list
/// may itself list several, separated as on the form (commas, 、 or line breaks).
#[derive(Debug, Clone)]
pub struct InstructorEntry<'a> {
    pub name: &'a str,
    /// Empty: none.
    pub phone: &'a str,
    pub skills: Vec<&'a str>,
    /// Dates (`YYYY-MM-DD`) or ranges (`2027-05-25..2027-06-15`).
    pub unavailable: Vec<&'a str>,
}

/// A checked instructor: what [`create_instructor`] takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstructor {
    pub name: String,
    pub phone: Option<String>,
    pub skills: Vec<String>,
    pub unavailable: Vec<NaiveDate>,
}

impl NewInstructor {
    /// Checks an instructor as entered: a name, a mainland mobile number if any, at least one
    /// skill area, and days or ranges (at most a year long) it cannot teach.
    pub fn check(entry: InstructorEntry<'_>) -> Result<NewInstructor, AppError> {
        let mut e = Vec::new();
        let name = required(&mut e, "name", entry.name, 100);
        let phone = match entry.phone.trim() {
            "" => None,
            p => match crate::student::ids::MobileNumber::parse(p) {
                Ok(m) => Some(m.into_inner()),
                Err(msg) => {
                    e.push(FieldError::new("phone", msg));
                    None
                }
            },
        };
        let skills: Vec<String> = entry
            .skills
            .iter()
            .flat_map(|s| s.split([',', '，', '、', '\n']))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if skills.is_empty() {
            e.push(FieldError::new("skills", Msg::new("error.field_required")));
        }
        let items = entry.unavailable.iter().flat_map(|s| s.split([',', '，', '\n']));
        let unavailable = unavailable_days(&mut e, items);
        done(e, || NewInstructor {
            name,
            phone,
            skills,
            unavailable,
        })
    }
}

/// Every day of the dates and ranges listed, sorted, each once; a bad item is named.
fn unavailable_days<'a>(e: &mut Vec<FieldError>, items: impl Iterator<Item = &'a str>) -> Vec<NaiveDate> {
    let mut unavailable = Vec::new();
    for item in items.map(str::trim).filter(|s| !s.is_empty()) {
        match item.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (date(e, "unavailable", a), date(e, "unavailable", b));
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
            None => unavailable.extend(date(e, "unavailable", item)),
        }
    }
    unavailable.sort_unstable();
    unavailable.dedup();
    unavailable
}

impl InstructorForm {
    /// The form as a [`NewInstructor`].
    pub fn parse(&self) -> Result<NewInstructor, AppError> {
        NewInstructor::check(InstructorEntry {
            name: &self.name,
            phone: &self.phone,
            skills: vec![&self.skills],
            unavailable: vec![&self.unavailable],
        })
    }
}

pub async fn create_instructor(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewInstructor,
) -> Result<instructor::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let i = instructor::ActiveModel {
        name: Set(input.name),
        phone: Set(input.phone),
        skills: Set(json_text(&input.skills, "encoding an instructor's skills as JSON")?),
        unavailable: Set(json_text(
            &input.unavailable,
            "encoding an instructor's unavailable days as JSON",
        )?),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let summary = format!("instructor {}", i.name);
    super::finish(
        txn,
        actor,
        "training.instructor",
        Record::new("instructor", i.id),
        summary,
    )
    .await?;
    Ok(i)
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
        serde_json::from_str(&i.skills).map_err(|e| AppError::internal_from(format!("instructor {}", i.id), e))?;
    let dates =
        serde_json::from_str(&i.unavailable).map_err(|e| AppError::internal_from(format!("instructor {}", i.id), e))?;
    Ok((skills, dates))
}
