//! The proposal staff preview: the optimiser run on the committed placements, the mentor profiles
//! and the assignments in force, with a digest that a confirmation must quote (so staff confirm
//! exactly what they saw). Reads only.

use std::collections::{BTreeMap, HashMap, HashSet};

use entity::mentor_assignment::{self, AssignmentStatus, MentorRole};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{MentorCard, Placed, active_mentors, in_force, placed_students};
use crate::error::AppError;
use crate::mentor::optimiser::{self, Existing, MentorInfo, StudentNeed, UncoveredReason};

/// One proposed assignment, with names for the preview.
#[derive(Debug, Clone, Serialize)]
pub struct ProposedRow {
    pub student_id: i32,
    pub student: String,
    pub school: String,
    pub programme: String,
    pub role: MentorRole,
    pub mentor_id: i32,
    pub mentor: String,
    pub mentor_town: String,
    pub home_town: bool,
    /// The student lost a mentor in this role by a decline: this is the replacement.
    pub replaces_declined: bool,
}

/// A student who cannot be covered, with the reason per blocking role.
#[derive(Debug, Clone, Serialize)]
pub struct UncoveredRow {
    pub student_id: i32,
    pub student: String,
    pub school: String,
    pub programme: String,
    pub skill_area: String,
    pub missing: Vec<(MentorRole, UncoveredReason)>,
}

/// What staff preview before confirming.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    pub intake_year: i32,
    /// Identifies this exact proposal; confirming needs it, so staff confirm what they saw.
    pub digest: String,
    /// Students placed by committed runs of the year.
    pub placed: usize,
    /// Of them, students who already have all three mentors.
    pub complete: usize,
    pub assignments: Vec<ProposedRow>,
    pub uncovered: Vec<UncoveredRow>,
}

/// Computes the proposal for an intake year from the current data.
pub async fn proposal(db: &impl ConnectionTrait, intake_year: i32) -> Result<ProposalView, AppError> {
    Ok(compute(db, intake_year).await?.0)
}

/// The proposal with the placed students and the mentors it was computed from.
pub(super) async fn compute(
    db: &impl ConnectionTrait,
    intake_year: i32,
) -> Result<(ProposalView, BTreeMap<i32, Placed>, BTreeMap<i32, MentorCard>), AppError> {
    let placed = placed_students(db, intake_year).await?;
    let mentors = active_mentors(db).await?;
    let current = in_force(db).await?;
    let declined: Vec<(i32, i32, MentorRole)> = mentor_assignment::Entity::find()
        .select_only()
        .column(mentor_assignment::Column::StudentId)
        .column(mentor_assignment::Column::MentorId)
        .column(mentor_assignment::Column::Role)
        .filter(mentor_assignment::Column::Status.eq(AssignmentStatus::Declined))
        .into_tuple()
        .all(db)
        .await?;
    let mut declined_by: HashMap<i32, Vec<i32>> = HashMap::new();
    let mut declined_roles: HashSet<(i32, MentorRole)> = HashSet::new();
    for (s, m, role) in declined {
        declined_by.entry(s).or_default().push(m);
        declined_roles.insert((s, role));
    }
    let (infos, needs, existing) = optimiser_input(&placed, &mentors, &current, &declined_by);
    let mut held: HashMap<i32, usize> = HashMap::new();
    for a in &current {
        *held.entry(a.student_id).or_default() += 1;
    }
    let complete = placed
        .keys()
        .filter(|id| held.get(id).copied().unwrap_or(0) >= 3)
        .count();
    let result = optimiser::propose(&infos, &needs, &existing);

    let mut hasher = Sha256::new();
    hasher.update(intake_year.to_string());
    for a in &result.assignments {
        hasher.update(format!("|{}:{}:{}", a.student_id, a.role.as_str(), a.mentor_id));
    }
    let digest: String = hasher.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect();

    let (assignments, uncovered) = view_rows(&result, &placed, &mentors, &declined_roles);
    let view = ProposalView {
        intake_year,
        digest,
        placed: placed.len(),
        complete,
        assignments,
        uncovered,
    };
    Ok((view, placed, mentors))
}

/// The optimiser's view of the mentors, the placed students (with the mentors who declined each)
/// and the assignments in force.
fn optimiser_input(
    placed: &BTreeMap<i32, Placed>,
    mentors: &BTreeMap<i32, MentorCard>,
    current: &[mentor_assignment::Model],
    declined_by: &HashMap<i32, Vec<i32>>,
) -> (Vec<MentorInfo>, Vec<StudentNeed>, Vec<Existing>) {
    let infos: Vec<MentorInfo> = mentors
        .values()
        .map(|m| MentorInfo {
            id: m.id,
            school_id: m.school_id,
            roles: m.roles.clone(),
            skill_areas: m.skill_areas.clone(),
            home_town: m.home_town.clone(),
        })
        .collect();
    let needs: Vec<StudentNeed> = placed
        .values()
        .map(|p| StudentNeed {
            student_id: p.student_id,
            school_id: p.school_id,
            skill_area: p.skill_area.clone(),
            home_town: p.town.clone(),
            declined_by: declined_by.get(&p.student_id).cloned().unwrap_or_default(),
        })
        .collect();
    let existing: Vec<Existing> = current
        .iter()
        .map(|a| Existing {
            student_id: a.student_id,
            mentor_id: a.mentor_id,
            role: a.role,
        })
        .collect();
    (infos, needs, existing)
}

/// The proposal's rows with names, and the students it could not cover.
fn view_rows(
    result: &optimiser::Proposal,
    placed: &BTreeMap<i32, Placed>,
    mentors: &BTreeMap<i32, MentorCard>,
    declined_roles: &HashSet<(i32, MentorRole)>,
) -> (Vec<ProposedRow>, Vec<UncoveredRow>) {
    let assignments = result
        .assignments
        .iter()
        .filter_map(|a| {
            let p = placed.get(&a.student_id)?;
            let m = mentors.get(&a.mentor_id)?;
            Some(ProposedRow {
                student_id: a.student_id,
                student: p.name.clone(),
                school: p.school.clone(),
                programme: p.programme.clone(),
                role: a.role,
                mentor_id: a.mentor_id,
                mentor: m.name.clone(),
                mentor_town: m.home_town.clone(),
                home_town: m.home_town == p.town,
                replaces_declined: declined_roles.contains(&(a.student_id, a.role)),
            })
        })
        .collect();
    let uncovered = result
        .uncovered
        .iter()
        .filter_map(|u| {
            let p = placed.get(&u.student_id)?;
            Some(UncoveredRow {
                student_id: u.student_id,
                student: p.name.clone(),
                school: p.school.clone(),
                programme: p.programme.clone(),
                skill_area: p.skill_area.clone(),
                missing: u.missing.clone(),
            })
        })
        .collect();
    (assignments, uncovered)
}
