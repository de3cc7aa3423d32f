//! Courses: a new course as one typed input ([`NewCourse`]), checked whole (every bad field named)
//! whether it comes from the set-up form ([`CourseForm`], numbers as typed) or from the API
//! (numbers), and recording it with its audit line. It must not schedule anything.

use chrono::Utc;
use entity::course;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set, TransactionTrait};
use serde::{Deserialize, Serialize};

use super::{done, required};
use crate::audit::{self, Actor, Record};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

/// A course, as typed on the set-up form.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CourseForm {
    pub title: String,
    pub skill_area: String,
    pub hours: String,
    pub min_cohort: String,
    pub max_cohort: String,
    pub household_first: bool,
    pub description: String,
    /// Percent of the hours to attend for the certificate, 1–100; empty means 80.
    pub completion_share: String,
}

/// A whole number as entered: its value when it is one, and the text (for the message when it is
/// refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    pub value: Option<i64>,
    pub typed: String,
}

impl Number {
    /// A number typed on a form.
    pub fn typed(text: &str) -> Number {
        Number {
            value: text.trim().parse().ok(),
            typed: text.trim().to_string(),
        }
    }

    /// A number the API received.
    pub fn of(n: i32) -> Number {
        Number {
            value: Some(n.into()),
            typed: n.to_string(),
        }
    }
}

/// A course as entered, from the form or the API, before it is checked.
#[derive(Debug, Clone)]
pub struct CourseEntry<'a> {
    pub title: &'a str,
    pub skill_area: &'a str,
    pub hours: Number,
    pub min_cohort: Number,
    pub max_cohort: Number,
    pub household_first: bool,
    pub description: &'a str,
    /// `None`: the default share.
    pub completion_share: Option<Number>,
}

/// A checked course: what [`create_course`] takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCourse {
    pub title: String,
    pub skill_area: String,
    pub hours: i32,
    pub min_cohort: i32,
    pub max_cohort: i32,
    pub household_first: bool,
    pub description: String,
    pub completion_share: i32,
}

fn between(e: &mut Vec<FieldError>, field: &str, n: &Number, min: i64, max: i64) -> i32 {
    match n.value {
        Some(v) if (min..=max).contains(&v) => v as i32,
        _ => {
            e.push(FieldError::new(
                field,
                Msg::new("error.number_between")
                    .arg("value", &n.typed)
                    .arg("min", min)
                    .arg("max", max),
            ));
            0
        }
    }
}

impl NewCourse {
    /// Checks a course as entered: title and skill area given, hours 1–400, cohort sizes 1–500
    /// with the minimum not above the maximum, completion share 1–100 (80 when not given).
    pub fn check(entry: CourseEntry<'_>) -> Result<NewCourse, AppError> {
        let mut e = Vec::new();
        let title = required(&mut e, "title", entry.title, 100);
        let skill_area = required(&mut e, "skill_area", entry.skill_area, 100);
        let hours = between(&mut e, "hours", &entry.hours, 1, 400);
        let min_cohort = between(&mut e, "min_cohort", &entry.min_cohort, 1, 500);
        let max_cohort = between(&mut e, "max_cohort", &entry.max_cohort, 1, 500);
        if min_cohort > 0 && max_cohort > 0 && min_cohort > max_cohort {
            e.push(FieldError::new(
                "max_cohort",
                Msg::new("error.cohort_order")
                    .arg("min", min_cohort)
                    .arg("max", max_cohort),
            ));
        }
        let completion_share = match &entry.completion_share {
            None => super::super::days::DEFAULT_COMPLETION_SHARE,
            Some(n) => between(&mut e, "completion_share", n, 1, 100),
        };
        let description = entry.description.trim().chars().take(2000).collect();
        done(e, || NewCourse {
            title,
            skill_area,
            hours,
            min_cohort,
            max_cohort,
            household_first: entry.household_first,
            description,
            completion_share,
        })
    }
}

impl CourseForm {
    /// The form as a [`NewCourse`]; an empty completion share means the default.
    pub fn parse(&self) -> Result<NewCourse, AppError> {
        NewCourse::check(CourseEntry {
            title: &self.title,
            skill_area: &self.skill_area,
            hours: Number::typed(&self.hours),
            min_cohort: Number::typed(&self.min_cohort),
            max_cohort: Number::typed(&self.max_cohort),
            household_first: self.household_first,
            description: &self.description,
            completion_share: (!self.completion_share.trim().is_empty()).then(|| Number::typed(&self.completion_share)),
        })
    }
}

/// Creates a course.
pub async fn create_course(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewCourse,
) -> Result<course::Model, AppError> {
    let txn = db.begin().await?;
    let c = course::ActiveModel {
        title: Set(input.title),
        skill_area: Set(input.skill_area),
        hours: Set(input.hours),
        min_cohort: Set(input.min_cohort),
        max_cohort: Set(input.max_cohort),
        household_first: Set(input.household_first),
        description: Set(input.description),
        completion_share: Set(input.completion_share),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "training.course",
        Record::new("course", c.id),
        format!(
            "course {} ({} h, certificate at {} %)",
            c.title, c.hours, c.completion_share
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}
