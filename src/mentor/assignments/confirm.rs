//! Confirming the proposal: every proposed assignment written with its archive entry, its audit
//! record and one email per mentor, in one transaction (an assignment exists exactly when its email
//! does).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::mentor_assignment::{self, AssignmentStatus, MentorRole};
use entity::mentor_profile;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use super::email::queue_batch_email;
use super::proposal::compute;
use super::{ANSWER_DAYS, Placed};
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::mentor::labels;
use crate::student::students::new_entry;
use crate::student::timeline::EntryDetails;

/// What a confirmation wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmed {
    pub assignments: usize,
    pub emails: usize,
    pub students: usize,
}

/// Writes the proposal staff previewed (identified by its digest): assignments, archive entries,
/// one email per mentor listing all their new mentees, and the audit record, in one transaction. When the data changed since
/// the preview (a new placement, a mentor's maximum, someone else confirmed first) nothing is
/// written and staff are asked to look again.
pub async fn confirm(
    db: &DatabaseConnection,
    actor: &Actor,
    intake_year: i32,
    digest: &str,
    config: &crate::config::Config,
) -> Result<Confirmed, AppError> {
    let txn = crate::db::begin_write(db).await?;
    lock_mentors(&txn, None).await?;
    let (view, placed, mentors) = compute(&txn, intake_year).await?;
    if view.digest != digest.trim() {
        return Err(AppError::Conflict(Msg::new("error.proposal_changed")));
    }
    if view.assignments.is_empty() {
        return Err(AppError::Conflict(Msg::new("error.proposal_empty")));
    }
    let now = Utc::now();
    let mut entries = Vec::new();
    let mut students = HashSet::new();
    let mut by_mentor: BTreeMap<i32, Vec<(mentor_assignment::Model, &Placed)>> = BTreeMap::new();
    for a in &view.assignments {
        let (Some(p), Some(m)) = (placed.get(&a.student_id), mentors.get(&a.mentor_id)) else {
            continue;
        };
        let row = insert_assignment(&txn, a.student_id, a.mentor_id, a.role, actor, now).await?;
        by_mentor.entry(m.id).or_default().push((row, p));
        students.insert(a.student_id);
        entries.push(new_entry(
            a.student_id,
            now.date_naive(),
            &EntryDetails::MentorAssigned {
                mentor: m.name.clone(),
                role: labels::zh(a.role.i18n_key())?.to_string(),
                reason: None,
            },
            None,
            actor,
        )?);
    }
    // One email per mentor listing all their new mentees, keyed by mentor and proposal.
    let mut emails = 0;
    for (mentor_id, rows) in &by_mentor {
        let Some(m) = mentors.get(mentor_id) else { continue };
        let key = format!(
            "mentor_assignments:{mentor_id}:{}",
            view.digest.chars().take(16).collect::<String>()
        );
        if queue_batch_email(&txn, m, rows, &key, config).await? {
            emails += 1;
        }
    }
    for chunk in entries.chunks(400) {
        entity::archive_entry::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        actor,
        "mentor.confirm",
        Record::new("intake_year", intake_year),
        format!(
            "{} mentor assignments for {} students confirmed",
            view.assignments.len(),
            students.len()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(Confirmed {
        assignments: view.assignments.len(),
        emails,
        students: students.len(),
    })
}

/// Takes the row locks of mentor profiles (one, or all) on PostgreSQL, so loads are counted and
/// assignments added one transaction at a time; SQLite's write transaction already excludes others.
pub(super) async fn lock_mentors(conn: &impl ConnectionTrait, mentor_id: Option<i32>) -> Result<(), AppError> {
    let mut q = mentor_profile::Entity::update_many().col_expr(
        mentor_profile::Column::Active,
        Expr::col(mentor_profile::Column::Active),
    );
    if let Some(id) = mentor_id {
        q = q.filter(mentor_profile::Column::UserId.eq(id));
    }
    q.exec(conn).await?;
    Ok(())
}

pub(super) async fn insert_assignment(
    conn: &impl ConnectionTrait,
    student_id: i32,
    mentor_id: i32,
    role: MentorRole,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<mentor_assignment::Model, AppError> {
    mentor_assignment::ActiveModel {
        student_id: Set(student_id),
        mentor_id: Set(mentor_id),
        role: Set(role),
        status: Set(AssignmentStatus::Assigned),
        in_force: Set(Some(1)),
        assigned_at: Set(now),
        assigned_by: Set(actor.label.clone()),
        answer_by: Set(now + Duration::days(ANSWER_DAYS)),
        answered_at: Set(None),
        ended_at: Set(None),
        end_reason: Set(None),
        last_contact_on: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        // Another confirmation or override gave the student this role first.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(Msg::new("error.proposal_changed")),
        _ => AppError::Db(e),
    })
}
