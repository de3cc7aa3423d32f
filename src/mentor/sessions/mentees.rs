//! The mentor's own view: their mentees in force (those back on the ledger first, then the longest
//! without contact), the summary on their home page, and one mentee's page with past sessions.

use entity::archive_entry::EntryKind;
use entity::ledger_entry::OpenedBecause;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entity::mentor_assignment::{self, AssignmentStatus, MentorRole};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::Value;

use super::NO_CONTACT_DAYS;
use super::overdue::since;
use crate::clock::china;
use crate::error::AppError;
use crate::mentor::assignments::with_names;

/// A mentor's load at a glance, for their home page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MentorSummary {
    /// Students mentored (a student the mentor holds two roles for counts once).
    pub students: usize,
    /// Mentees without contact for [`NO_CONTACT_DAYS`].
    pub overdue: usize,
    /// Mentees back on the ledger (did not report, left school).
    pub back_on_ledger: usize,
    /// The next contact falling due (not yet overdue): who and by when.
    pub next_due: Option<NextDue>,
    /// The mentees to see first (back on the ledger, then longest without contact), at most five.
    pub first: Vec<Mentee>,
}

/// The next mentee whose contact falls due.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NextDue {
    pub student_id: i32,
    pub student: String,
    pub due_on: NaiveDate,
}

/// Sums up `mentees` (as [`my_mentees`] returns them, most urgent first) as of `today`.
pub fn summary(mentees: &[Mentee], today: NaiveDate) -> MentorSummary {
    let students: HashSet<i32> = mentees.iter().map(|m| m.student_id).collect();
    let next_due = mentees
        .iter()
        .filter(|m| !m.overdue)
        .max_by_key(|m| (m.days, std::cmp::Reverse(m.student_id)))
        .map(|m| NextDue {
            student_id: m.student_id,
            student: m.student.clone(),
            due_on: today + chrono::Duration::days(NO_CONTACT_DAYS - m.days),
        });
    MentorSummary {
        students: students.len(),
        overdue: mentees.iter().filter(|m| m.overdue).count(),
        back_on_ledger: mentees.iter().filter(|m| m.back_on_ledger.is_some()).count(),
        next_due,
        first: mentees
            .iter()
            .filter(|m| m.overdue || m.back_on_ledger.is_some())
            .take(5)
            .cloned()
            .collect(),
    }
}

/// A mentee as the mentor sees them on "my mentees".
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Mentee {
    pub assignment_id: i32,
    pub student_id: i32,
    pub student: String,
    pub role: MentorRole,
    pub status: AssignmentStatus,
    /// Not yet accepted by the mentor (the list marks it).
    pub unanswered: bool,
    pub last_contact_on: Option<NaiveDate>,
    pub days: i64,
    pub overdue: bool,
    /// Why the mentee is back on the ledger after an offer: `offer_not_taken_up` (did not report),
    /// `dropped_out` or `suspension_overdue`; such mentees come first.
    pub back_on_ledger: Option<OpenedBecause>,
    /// That ledger line, where the mentor records each effort to bring the mentee back.
    pub ledger_line: Option<i32>,
}

/// Ledger lines that mean a mentee left school or never arrived.
const LEFT_SCHOOL: [OpenedBecause; 3] = [
    OpenedBecause::OfferNotTakenUp,
    OpenedBecause::DroppedOut,
    OpenedBecause::SuspensionOverdue,
];

/// The mentor's mentees in force: those who did not report or left school first, then those
/// waiting longest for contact.
pub async fn my_mentees(db: &impl ConnectionTrait, mentor_id: i32, today: NaiveDate) -> Result<Vec<Mentee>, AppError> {
    let tz = china();
    let rows = mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::MentorId.eq(mentor_id))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .all(db)
        .await?;
    let students: Vec<i32> = rows.iter().map(|r| r.student_id).collect();
    let mut left: HashMap<i32, (OpenedBecause, i32)> = HashMap::new();
    for chunk in students.chunks(500) {
        for l in entity::ledger_entry::Entity::find()
            .filter(entity::ledger_entry::Column::StudentId.is_in(chunk.to_vec()))
            .filter(entity::ledger_entry::Column::ClosedAt.is_null())
            .filter(entity::ledger_entry::Column::OpenedBecause.is_in(LEFT_SCHOOL))
            .all(db)
            .await?
        {
            left.insert(l.student_id, (l.opened_because, l.id));
        }
    }
    let mut out: Vec<Mentee> = with_names(db, rows)
        .await?
        .into_iter()
        .map(|n| {
            let days = (today - since(&n.row, tz)).num_days();
            Mentee {
                assignment_id: n.row.id,
                student_id: n.row.student_id,
                student: n.student,
                role: n.row.role,
                status: n.row.status,
                unanswered: n.row.status == AssignmentStatus::Assigned,
                last_contact_on: n.row.last_contact_on,
                days,
                overdue: days >= NO_CONTACT_DAYS,
                back_on_ledger: left.get(&n.row.student_id).map(|(why, _)| *why),
                ledger_line: left.get(&n.row.student_id).map(|(_, id)| *id),
            }
        })
        .collect();
    out.sort_by_key(|m| (m.back_on_ledger.is_none(), std::cmp::Reverse(m.days), m.student_id));
    Ok(out)
}

/// A past help session on a mentee's page.
#[derive(Debug, Clone, Serialize)]
pub struct PastSession {
    pub date: NaiveDate,
    /// The archive entry's details as stored (mode, duration, notes, mentor).
    pub details: Value,
    /// Who recorded it.
    pub by: String,
}

/// The student on a mentee's page.
#[derive(Debug, Clone, Serialize)]
pub struct MenteeStudent {
    pub id: i32,
    pub name: String,
    pub phone: Option<String>,
    pub guardian: Option<String>,
}

/// One mentee's page for their mentor: the student, the mentor's roles for them and the help
/// sessions recorded so far, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct MenteeView {
    pub student: MenteeStudent,
    pub roles: Vec<Mentee>,
    pub past: Vec<PastSession>,
}

/// The mentee page of `student_id` for `mentor_id`; NotFound when the student is not their mentee.
/// Stored session details that do not parse are an error naming the archive entry.
pub async fn mentee_view(
    db: &impl ConnectionTrait,
    mentor_id: i32,
    student_id: i32,
    today: NaiveDate,
) -> Result<MenteeView, AppError> {
    let roles: Vec<Mentee> = my_mentees(db, mentor_id, today)
        .await?
        .into_iter()
        .filter(|m| m.student_id == student_id)
        .collect();
    if roles.is_empty() {
        return Err(AppError::NotFound("mentee"));
    }
    let student = crate::student::students::get_student(db, student_id).await?;
    let sessions: Vec<_> = crate::student::students::recorded_entries(db, student_id)
        .await?
        .into_iter()
        .filter(|e| e.entry.kind == EntryKind::MentorSession)
        .rev()
        .collect();
    let mut past = Vec::with_capacity(sessions.len());
    for e in sessions {
        let by = e.recorder();
        let e = e.entry;
        let details: Value = serde_json::from_str(&e.details)
            .map_err(|err| AppError::internal_from(format!("archive entry {} details", e.id), err))?;
        past.push(PastSession {
            date: e.occurred_on,
            details,
            by,
        });
    }
    Ok(MenteeView {
        student: MenteeStudent {
            id: student.id,
            name: student.name,
            phone: student.phone,
            guardian: student.guardian,
        },
        roles,
        past,
    })
}
