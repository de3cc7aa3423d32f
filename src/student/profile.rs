//! The student page's data in one service call: the record with its timeline and status, the
//! programme choices, the mentors in force and the household's training. Reads only; the page
//! handler shapes it for the template and never queries itself.

use chrono::NaiveDate;
use entity::{preference, programme};
use sea_orm::ConnectionTrait;

use super::students::{self, StudentRecord};
use crate::error::AppError;
use crate::mentor::assignments::{self, AssignmentFilter, AssignmentRow};
use crate::training::registrations::{self, Lookup};

/// The most mentors the page lists (a student has one or two in force).
const MENTORS_SHOWN: u64 = 10;

/// Everything the student page shows.
#[derive(Debug)]
pub struct Profile {
    pub record: StudentRecord,
    /// The programme choices in rank order, each with its programme.
    pub choices: Vec<(preference::Model, programme::Model)>,
    /// The mentors in force.
    pub mentors: Vec<AssignmentRow>,
    /// The household's training registrations, newest first.
    pub household_training: Vec<Lookup>,
}

/// The profile of student `id` as of `today`; NotFound for an unknown student.
pub async fn profile(db: &impl ConnectionTrait, id: i32, today: NaiveDate) -> Result<Profile, AppError> {
    let record = students::student_record(db, id, today).await?;
    let choices = crate::admissions::preferences::preferences_of(db, id).await?;
    let filter = AssignmentFilter {
        student_id: Some(id),
        in_force: true,
        ..Default::default()
    };
    let mentors = assignments::newest(db, &filter, MENTORS_SHOWN).await?;
    let household_training = registrations::history_by_household(db, record.household.id).await?;
    Ok(Profile {
        record,
        choices,
        mentors,
        household_training,
    })
}
