//! One student's mentoring as staff see it: the mentors in force per role, the assignment history
//! (with who assigned each), and the mentors of the student's school who could take a role, with
//! their load, for the override form. Reads only.

use std::collections::BTreeMap;

use entity::mentor_assignment::MentorRole;
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::{
    AssignmentFilter, AssignmentRow, Placed, active_mentors, latest_intake_year, list, loads, placed_students,
};
use crate::error::AppError;
use crate::pagination::PageRequest;

/// A role a candidate mentor could take, with the mentees they have in it now.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRole {
    pub role: MentorRole,
    pub load: u32,
    pub max: u32,
}

/// A mentor of the student's school who can take at least one role.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The id as the form sends it back.
    pub id: String,
    pub name: String,
    pub town: String,
    pub roles: Vec<CandidateRole>,
}

/// What the student's mentoring page shows.
#[derive(Debug, Clone, Serialize)]
pub struct StudentMentoring {
    pub student_id: i32,
    pub student: String,
    /// The intake year asked for, or the latest with a committed run.
    pub year: Option<i32>,
    /// The student as placed that year; `None` when not placed by a committed run.
    pub placed: Option<Placed>,
    /// The assignment in force per role.
    pub current: BTreeMap<MentorRole, AssignmentRow>,
    /// Every assignment of the student, newest first; `assigned_by` shows the person's name.
    pub history: Vec<AssignmentRow>,
    pub candidates: Vec<Candidate>,
}

/// The mentoring of one student for `year` (default: the latest year with a committed run).
pub async fn student_mentoring(
    db: &impl ConnectionTrait,
    student_id: i32,
    year: Option<i32>,
) -> Result<StudentMentoring, AppError> {
    let student = crate::student::students::get_student(db, student_id).await?;
    let filter = AssignmentFilter {
        student_id: Some(student_id),
        ..Default::default()
    };
    let mut history = list(db, &filter, PageRequest::first(PageRequest::MAX_PER_PAGE))
        .await?
        .items;
    let names = crate::audit::names_by_label(db, history.iter().map(|a| a.row.assigned_by.as_str())).await?;
    for a in &mut history {
        a.row.assigned_by = crate::audit::name_of(&names, &a.row.assigned_by);
    }
    let year = match year {
        Some(y) => Some(y),
        None => latest_intake_year(db).await?,
    };
    let placed = match year {
        Some(y) => placed_students(db, y).await?.remove(&student_id),
        None => None,
    };
    let candidates = match &placed {
        Some(p) => candidates(db, p).await?,
        None => Vec::new(),
    };
    let current = history
        .iter()
        .filter(|a| a.row.in_force.is_some())
        .map(|a| (a.row.role, a.clone()))
        .collect();
    Ok(StudentMentoring {
        student_id: student.id,
        student: student.name,
        year,
        placed,
        current,
        history,
        candidates,
    })
}

/// Active mentors of the student's school with the roles they could take for the student (a
/// subject teacher only when teaching the programme's skill area), in id order.
async fn candidates(db: &impl ConnectionTrait, p: &Placed) -> Result<Vec<Candidate>, AppError> {
    let loads = loads(db).await?;
    let mut out = Vec::new();
    for m in active_mentors(db).await?.into_values() {
        if m.school_id != p.school_id {
            continue;
        }
        let load = loads.get(&m.id).copied().unwrap_or_default();
        let roles: Vec<CandidateRole> = m
            .roles
            .iter()
            .filter(|(r, _)| *r != MentorRole::SubjectTeacher || m.skill_areas.contains(&p.skill_area))
            .map(|(r, max)| CandidateRole {
                role: *r,
                load: load[r.index()],
                max: *max,
            })
            .collect();
        if !roles.is_empty() {
            out.push(Candidate {
                id: m.id.to_string(),
                name: m.name,
                town: m.home_town,
                roles,
            });
        }
    }
    Ok(out)
}
