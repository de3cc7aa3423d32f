//! The overdue list: assignments in force whose mentor has not been in touch for
//! [`NO_CONTACT_DAYS`], longest first — for admissions staff, the dashboard and the weekly digest.

use chrono::NaiveDate;
use entity::mentor_assignment::{self, MentorRole};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::NO_CONTACT_DAYS;
use crate::clock::china;
use crate::error::AppError;
use crate::mentor::assignments::with_names;

/// A mentee nobody has contacted for too long.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    pub assignment_id: i32,
    pub student_id: i32,
    pub student: String,
    pub mentor_id: i32,
    pub mentor: String,
    pub mentor_email: String,
    pub role: MentorRole,
    pub last_contact_on: Option<NaiveDate>,
    /// Last contact, or the assignment date when there was none.
    pub since: NaiveDate,
    pub days: i64,
}

/// Assignments in force without contact for [`NO_CONTACT_DAYS`] as of `today`, longest first;
/// optionally of one mentor.
pub async fn overdue(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    mentor_id: Option<i32>,
) -> Result<Vec<Overdue>, AppError> {
    let mut q = mentor_assignment::Entity::find().filter(mentor_assignment::Column::InForce.is_not_null());
    if let Some(m) = mentor_id {
        q = q.filter(mentor_assignment::Column::MentorId.eq(m));
    }
    let cutoff = today - chrono::Duration::days(NO_CONTACT_DAYS);
    let tz = china();
    let rows: Vec<mentor_assignment::Model> = q
        .all(db)
        .await?
        .into_iter()
        .filter(|a| since(a, tz) <= cutoff)
        .collect();
    let mut out: Vec<Overdue> = with_names(db, rows)
        .await?
        .into_iter()
        .map(|n| {
            let since = since(&n.row, tz);
            Overdue {
                assignment_id: n.row.id,
                student_id: n.row.student_id,
                student: n.student,
                mentor_id: n.row.mentor_id,
                mentor: n.mentor,
                mentor_email: n.mentor_email,
                role: n.row.role,
                last_contact_on: n.row.last_contact_on,
                since,
                days: (today - since).num_days(),
            }
        })
        .collect();
    out.sort_by_key(|o| (std::cmp::Reverse(o.days), o.student_id, o.role));
    Ok(out)
}

pub(super) fn since(a: &mentor_assignment::Model, tz: chrono::FixedOffset) -> NaiveDate {
    a.last_contact_on
        .unwrap_or_else(|| a.assigned_at.with_timezone(&tz).date_naive())
}
