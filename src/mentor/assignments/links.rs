//! The signed answer links in assignment emails: their token, the check of a link (expired,
//! answered, forged), and the mentor's answer (accept, or decline to free the place).

use chrono::{DateTime, Utc};
use entity::mentor_assignment::{self, AssignmentStatus, MentorRole};
use entity::user;
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;
use sha2::Sha256;

use super::email::answer_by_day;
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::mentor::labels;
use crate::student::students::new_entry;
use crate::student::timeline::EntryDetails;

pub(super) type HmacSha256 = Hmac<Sha256>;

pub(super) fn link_signature(secret: &[u8], id: i32, answer_by: DateTime<Utc>) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(format!("mentor-answer:{id}:{}", answer_by.timestamp()).as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token of an assignment's answer links: its id and a signature over the id and the deadline,
/// so it cannot be forged or moved to another assignment, and dies with the deadline.
pub fn link_token(secret: &[u8], row: &mentor_assignment::Model) -> String {
    format!("{}-{}", row.id, link_signature(secret, row.id, row.answer_by))
}

/// Why an answer link does not work, for the page the mentor sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkProblem {
    /// Not a link we made (or altered).
    Invalid,
    /// The deadline passed.
    Expired,
    /// Already answered, or staff replaced the assignment.
    Used,
}

/// The assignment an answer link is for, checked: signature, deadline, still unanswered.
pub async fn check_link(
    db: &impl ConnectionTrait,
    secrets: &[&[u8]],
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<mentor_assignment::Model, (LinkProblem, Option<mentor_assignment::Model>)>, AppError> {
    let Some((id, sig)) = token.split_once('-') else {
        return Ok(Err((LinkProblem::Invalid, None)));
    };
    let Ok(id) = id.parse::<i32>() else {
        return Ok(Err((LinkProblem::Invalid, None)));
    };
    let Some(row) = mentor_assignment::Entity::find_by_id(id).one(db).await? else {
        return Ok(Err((LinkProblem::Invalid, None)));
    };
    if !crate::crypto::verify_any(secrets, sig, |secret| link_signature(secret, row.id, row.answer_by)) {
        return Ok(Err((LinkProblem::Invalid, None)));
    }
    if row.status != AssignmentStatus::Assigned || row.in_force.is_none() {
        return Ok(Err((LinkProblem::Used, Some(row))));
    }
    if now > row.answer_by {
        return Ok(Err((LinkProblem::Expired, Some(row))));
    }
    Ok(Ok(row))
}

/// A mentor's answer to an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Accept,
    Decline,
}

impl Answer {
    pub fn parse(s: &str) -> Option<Answer> {
        match s.trim() {
            "accept" => Some(Answer::Accept),
            "decline" => Some(Answer::Decline),
            _ => None,
        }
    }

    /// The status the answer gives the assignment.
    pub fn status(self) -> AssignmentStatus {
        match self {
            Answer::Accept => AssignmentStatus::Accepted,
            Answer::Decline => AssignmentStatus::Declined,
        }
    }
}

/// Records the mentor's answer through a link. Works once: the status moves from `assigned` by a
/// conditional update, so a second click (or two at once) finds nothing to change. A decline ends
/// the assignment, which frees the mentor's place, and the student shows up in the next proposal
/// with a replacement (never the same mentor again).
pub async fn answer(
    db: &DatabaseConnection,
    secrets: &[&[u8]],
    token: &str,
    answer: Answer,
    reason: Option<String>,
    client_ip: Option<String>,
) -> Result<Result<mentor_assignment::Model, LinkProblem>, AppError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let row = match check_link(&txn, secrets, token, now).await? {
        Ok(row) => row,
        Err((problem, _)) => return Ok(Err(problem)),
    };
    let mentor = user::Entity::find_by_id(row.mentor_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("mentor"))?;
    let reason = reason
        .map(|r| r.trim().chars().take(500).collect::<String>())
        .filter(|r| !r.is_empty());
    if !mark_answered(&txn, row.id, answer, reason.clone(), now).await? {
        return Ok(Err(LinkProblem::Used));
    }
    let actor = Actor {
        user_id: Some(mentor.id),
        label: format!("{} (email link)", mentor.email),
        client_ip,
    };
    let word = answer.status().as_str();
    new_entry(
        row.student_id,
        now.date_naive(),
        &EntryDetails::MentorAnswered {
            mentor: mentor.name.clone(),
            role: labels::zh(row.role.i18n_key())?.to_string(),
            answer: word.to_string(),
        },
        None,
        &actor,
    )?
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &actor,
        &format!("mentor.{word}"),
        Record::new("mentor_assignment", row.id),
        format!(
            "{word} {} for student #{}{}",
            row.role,
            row.student_id,
            reason.map(|r| format!(": {r}")).unwrap_or_default()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(mentor_assignment::Entity::find_by_id(row.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("assignment"))?))
}

/// Moves the assignment from `assigned` to the answer's status by a conditional update (a decline
/// also ends it, with the reason); `false` when it was no longer waiting for an answer.
async fn mark_answered(
    txn: &impl ConnectionTrait,
    id: i32,
    answer: Answer,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let mut update = mentor_assignment::Entity::update_many()
        .col_expr(mentor_assignment::Column::AnsweredAt, Expr::value(now))
        .col_expr(mentor_assignment::Column::Status, Expr::value(answer.status()))
        .filter(mentor_assignment::Column::Id.eq(id))
        .filter(mentor_assignment::Column::Status.eq(AssignmentStatus::Assigned))
        .filter(mentor_assignment::Column::InForce.is_not_null());
    if answer == Answer::Decline {
        update = update
            .col_expr(mentor_assignment::Column::InForce, Expr::value(Option::<i32>::None))
            .col_expr(mentor_assignment::Column::EndedAt, Expr::value(now))
            .col_expr(mentor_assignment::Column::EndReason, Expr::value(reason));
    }
    Ok(update.exec(txn).await?.rows_affected > 0)
}

/// What the answer page shows of an assignment.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub student: String,
    pub mentor: String,
    pub role: MentorRole,
    /// The role in Chinese, as the email named it.
    pub role_name: &'static str,
    pub status: AssignmentStatus,
    pub answer_by: String,
}

/// The assignment behind an answer link, with the names the page shows.
pub async fn link_view(db: &impl ConnectionTrait, row: &mentor_assignment::Model) -> Result<LinkView, AppError> {
    let student = crate::student::students::get_student(db, row.student_id).await?;
    let mentor = crate::auth::user::get_user(db, row.mentor_id).await?;
    Ok(LinkView {
        student: student.name,
        mentor: mentor.name,
        role: row.role,
        role_name: labels::zh(row.role.i18n_key())?,
        status: row.status,
        answer_by: answer_by_day(row),
    })
}
