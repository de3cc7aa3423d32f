//! The objects the assignment operations take and answer, and their conversions from the
//! service's types (the same JSON as before: roles and statuses by their stored names).

use entity::mentor_assignment::AssignmentStatus;
use poem_openapi::{Enum, Object};

use crate::mentor::assignments::{self, ProposalView};
use crate::mentor::sessions::Overdue;

/// One proposed assignment.
#[derive(Debug, Object)]
pub struct ProposedDto {
    pub student_id: i32,
    pub student: String,
    pub school: String,
    pub programme: String,
    /// `counsellor`, `class_teacher` or `subject_teacher`.
    pub role: String,
    pub mentor_id: i32,
    pub mentor: String,
    /// The mentor comes from the student's home town.
    pub home_town: bool,
    /// The student's earlier mentor in this role declined.
    pub replaces_declined: bool,
}

/// A role a student cannot get, and why.
#[derive(Debug, Object)]
pub struct MissingDto {
    pub role: String,
    /// `no_mentor_for_role`, `no_skill_match` or `all_full`.
    pub reason: String,
}

/// A student who cannot be fully covered (and so gets no new assignment).
#[derive(Debug, Object)]
pub struct UncoveredDto {
    pub student_id: i32,
    pub student: String,
    pub school: String,
    pub programme: String,
    pub missing: Vec<MissingDto>,
}

/// The proposal for an intake year. Confirm it by sending its `digest` back.
#[derive(Debug, Object)]
pub struct ProposalDto {
    pub intake_year: i32,
    pub digest: String,
    pub placed: u64,
    pub complete: u64,
    pub assignments: Vec<ProposedDto>,
    pub uncovered: Vec<UncoveredDto>,
}

impl From<ProposalView> for ProposalDto {
    fn from(v: ProposalView) -> Self {
        ProposalDto {
            intake_year: v.intake_year,
            digest: v.digest,
            placed: v.placed as u64,
            complete: v.complete as u64,
            assignments: v
                .assignments
                .into_iter()
                .map(|a| ProposedDto {
                    student_id: a.student_id,
                    student: a.student,
                    school: a.school,
                    programme: a.programme,
                    role: a.role.as_str().into(),
                    mentor_id: a.mentor_id,
                    mentor: a.mentor,
                    home_town: a.home_town,
                    replaces_declined: a.replaces_declined,
                })
                .collect(),
            uncovered: v
                .uncovered
                .into_iter()
                .map(|u| UncoveredDto {
                    student_id: u.student_id,
                    student: u.student,
                    school: u.school,
                    programme: u.programme,
                    missing: u
                        .missing
                        .iter()
                        .map(|(role, why)| MissingDto {
                            role: role.as_str().into(),
                            reason: why.as_str().into(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Confirms the proposal that had this digest.
#[derive(Debug, Object)]
pub struct ConfirmRequest {
    pub intake_year: i32,
    pub digest: String,
}

/// What a confirmation wrote.
#[derive(Debug, Object)]
pub struct ConfirmedDto {
    pub assignments: u64,
    pub emails: u64,
    pub students: u64,
}

/// Staff choose a mentor by hand for one role of one student.
#[derive(Debug, Object)]
pub struct OverrideRequest {
    pub intake_year: i32,
    pub student_id: i32,
    pub role: String,
    pub mentor_id: i32,
    pub reason: String,
}

/// A mentor assignment.
#[derive(Debug, Object)]
pub struct AssignmentDto {
    pub id: i32,
    pub student_id: i32,
    pub student: String,
    pub mentor_id: i32,
    pub mentor: String,
    pub role: String,
    /// `assigned` (awaiting the mentor's answer), `accepted`, `declined` or `replaced`.
    pub status: String,
    pub in_force: bool,
    pub assigned_at: chrono::DateTime<chrono::Utc>,
    pub assigned_by: String,
    pub answer_by: chrono::DateTime<chrono::Utc>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    pub end_reason: Option<String>,
    pub last_contact_on: Option<chrono::NaiveDate>,
}

impl From<assignments::AssignmentRow> for AssignmentDto {
    fn from(a: assignments::AssignmentRow) -> Self {
        let r = a.row;
        AssignmentDto {
            id: r.id,
            student_id: r.student_id,
            student: a.student,
            mentor_id: r.mentor_id,
            mentor: a.mentor,
            role: r.role.as_str().into(),
            status: r.status.as_str().into(),
            in_force: r.in_force.is_some(),
            assigned_at: r.assigned_at,
            assigned_by: r.assigned_by,
            answer_by: r.answer_by,
            answered_at: r.answered_at,
            ended_at: r.ended_at,
            end_reason: r.end_reason,
            last_contact_on: r.last_contact_on,
        }
    }
}

/// A help session a mentor held with a mentee.
#[derive(Debug, Object)]
pub struct HelpSessionRequest {
    pub student_id: i32,
    /// `YYYY-MM-DD`, not in the future.
    pub date: String,
    /// `home_visit`, `phone`, `at_school` or `online`.
    pub mode: String,
    pub duration_minutes: Option<u32>,
    pub notes: Option<String>,
}

/// A mentee without contact for 30 days.
#[derive(Debug, Object)]
pub struct OverdueDto {
    pub assignment_id: i32,
    pub student_id: i32,
    pub student: String,
    pub mentor_id: i32,
    pub mentor: String,
    pub role: String,
    pub last_contact_on: Option<chrono::NaiveDate>,
    pub days: i64,
}

impl From<Overdue> for OverdueDto {
    fn from(o: Overdue) -> Self {
        OverdueDto {
            assignment_id: o.assignment_id,
            student_id: o.student_id,
            student: o.student,
            mentor_id: o.mentor_id,
            mentor: o.mentor,
            role: o.role.as_str().into(),
            last_contact_on: o.last_contact_on,
            days: o.days,
        }
    }
}

/// A help session recorded: its archive entry and the student.
#[derive(Debug, Object)]
pub struct SessionRecordedDto {
    pub entry_id: i64,
    pub student_id: i32,
}

/// Where an assignment stands with its mentor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AssignmentStatusDto {
    /// Emailed, not yet answered.
    Assigned,
    Accepted,
    Declined,
    /// Staff gave the role to another mentor.
    Replaced,
}

impl From<AssignmentStatusDto> for AssignmentStatus {
    fn from(s: AssignmentStatusDto) -> Self {
        match s {
            AssignmentStatusDto::Assigned => AssignmentStatus::Assigned,
            AssignmentStatusDto::Accepted => AssignmentStatus::Accepted,
            AssignmentStatusDto::Declined => AssignmentStatus::Declined,
            AssignmentStatusDto::Replaced => AssignmentStatus::Replaced,
        }
    }
}
