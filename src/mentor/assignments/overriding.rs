//! Staff overriding one assignment by hand: the choice is checked (school, role, skill area, room
//! left), the assignment in force ends with the reason in the archive, and the new mentor is emailed.

use chrono::Utc;
use entity::mentor_assignment::{self, AssignmentStatus, MentorRole};
use entity::user;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::confirm::{insert_assignment, lock_mentors};
use super::email::queue_batch_email;
use super::{MentorCard, Placed, active_mentors, placed_students};
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::mentor::labels;
use crate::student::students::new_entry;
use crate::student::timeline::EntryDetails;

/// Staff choose one mentor by hand for one role of one student, ending the assignment in force.
pub struct Override {
    pub intake_year: i32,
    pub student_id: i32,
    pub role: String,
    pub mentor_id: Option<i32>,
    pub reason: String,
}

/// Replaces (or fills) one role of one student with the mentor staff chose. Refused with a reason
/// per field when the mentor is not at the student's school, cannot take the role, does not teach
/// the programme's skill area, is already one of the student's mentors or has no room left.
pub async fn override_one(
    db: &DatabaseConnection,
    actor: &Actor,
    input: Override,
    config: &crate::config::Config,
) -> Result<mentor_assignment::Model, AppError> {
    let (role, mentor_id, reason) = parse_override(&input)?;
    let txn = crate::db::begin_write(db).await?;
    let placed = placed_students(&txn, input.intake_year).await?;
    let Some(p) = placed.get(&input.student_id) else {
        return Err(AppError::invalid(
            "student_id",
            Msg::new("error.student_not_placed").arg("year", input.intake_year),
        ));
    };
    let mentors = active_mentors(&txn).await?;
    let Some(m) = mentors.get(&mentor_id) else {
        return Err(AppError::invalid("mentor_id", Msg::new("error.mentor_unknown")));
    };
    let current: Vec<mentor_assignment::Model> = mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::StudentId.eq(input.student_id))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .all(&txn)
        .await?;
    let old = current.iter().find(|a| a.role == role);
    check_choice(&txn, p, m, role, &current).await?;
    if let Some(old) = old {
        end_old(&txn, actor, old, p, m, role, &reason).await?;
    }
    let now = Utc::now();
    let row = insert_assignment(&txn, p.student_id, mentor_id, role, actor, now).await?;
    new_entry(
        p.student_id,
        now.date_naive(),
        &EntryDetails::MentorAssigned {
            mentor: m.name.clone(),
            role: labels::zh(role.i18n_key())?.to_string(),
            reason: Some(reason.clone()),
        },
        None,
        actor,
    )?
    .insert(&txn)
    .await?;
    let key = format!("mentor_assignment:{}", row.id);
    queue_batch_email(&txn, m, &[(row.clone(), p)], &key, config).await?;
    audit::record(
        &txn,
        actor,
        "mentor.override",
        Record::new("student", p.student_id),
        format!(
            "{} of student #{}: {} (was {}) — {reason}",
            role.as_str(),
            p.student_id,
            m.email,
            old.map(|o| format!("mentor #{}", o.mentor_id))
                .unwrap_or_else(|| "nobody".into())
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The override's role, mentor and reason, or every field's problem at once.
fn parse_override(input: &Override) -> Result<(MentorRole, i32, String), AppError> {
    let mut errors = Vec::new();
    let role = MentorRole::parse(&input.role);
    if role.is_none() {
        errors.push(crate::error::FieldError::new(
            "role",
            Msg::new("error.choice_invalid").arg("allowed", MentorRole::ALL.map(MentorRole::as_str).join(", ")),
        ));
    }
    let reason = input.reason.trim().to_string();
    if reason.is_empty() {
        errors.push(crate::error::FieldError::new(
            "reason",
            Msg::new("error.field_required"),
        ));
    }
    if input.mentor_id.is_none() {
        errors.push(crate::error::FieldError::new(
            "mentor_id",
            Msg::new("error.field_required"),
        ));
    }
    let (Some(role), Some(mentor_id), true) = (role, input.mentor_id, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    Ok((role, mentor_id, reason))
}

/// Refuses a mentor who is not at the student's school, cannot take the role, does not teach the
/// programme's skill area, is already one of the student's mentors or has no room left.
async fn check_choice(
    txn: &impl ConnectionTrait,
    p: &Placed,
    m: &MentorCard,
    role: MentorRole,
    current: &[mentor_assignment::Model],
) -> Result<(), AppError> {
    let refuse = |key: &'static str| Err(AppError::invalid("mentor_id", Msg::new(key).arg("name", &m.name)));
    if m.school_id != p.school_id {
        return refuse("error.mentor_other_school");
    }
    let Some(max) = m.roles.iter().find(|(r, _)| *r == role).map(|(_, max)| *max) else {
        return refuse("error.mentor_cannot_take_role");
    };
    if role == MentorRole::SubjectTeacher && !m.skill_areas.contains(&p.skill_area) {
        return Err(AppError::invalid(
            "mentor_id",
            Msg::new("error.mentor_skill_mismatch")
                .arg("name", &m.name)
                .arg("skill", &p.skill_area),
        ));
    }
    if current.iter().any(|a| a.mentor_id == m.id) {
        return refuse("error.mentor_already_assigned");
    }
    lock_mentors(txn, Some(m.id)).await?;
    let load = mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::MentorId.eq(m.id))
        .filter(mentor_assignment::Column::Role.eq(role))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .count(txn)
        .await?;
    if load >= u64::from(max) {
        return Err(AppError::invalid(
            "mentor_id",
            Msg::new("error.mentor_full").arg("name", &m.name).arg("max", max),
        ));
    }
    Ok(())
}

/// Ends the assignment in force for the role (it was `replaced`), with its archive entry.
async fn end_old(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    old: &mentor_assignment::Model,
    p: &Placed,
    m: &MentorCard,
    role: MentorRole,
    reason: &str,
) -> Result<(), AppError> {
    let now = Utc::now();
    let ended = mentor_assignment::Entity::update_many()
        .col_expr(
            mentor_assignment::Column::Status,
            Expr::value(AssignmentStatus::Replaced),
        )
        .col_expr(mentor_assignment::Column::InForce, Expr::value(Option::<i32>::None))
        .col_expr(mentor_assignment::Column::EndedAt, Expr::value(now))
        .col_expr(mentor_assignment::Column::EndReason, Expr::value(reason.to_string()))
        .filter(mentor_assignment::Column::Id.eq(old.id))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .exec(txn)
        .await?;
    if ended.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("error.proposal_changed")));
    }
    let old_name = user::Entity::find_by_id(old.mentor_id)
        .one(txn)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    new_entry(
        p.student_id,
        now.date_naive(),
        &EntryDetails::MentorReplaced {
            mentor: old_name,
            role: labels::zh(role.i18n_key())?.to_string(),
            replaced_by: m.name.clone(),
            reason: reason.to_string(),
        },
        None,
        actor,
    )?
    .insert(txn)
    .await?;
    Ok(())
}
