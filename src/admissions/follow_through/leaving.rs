//! A reported student leaving school: a dropout (辍学: seat released, onto the ledger, mentors
//! told), a suspension (休学 until a return date) or a transfer (转学); and the daily check that
//! puts suspended students not back by their return date onto the ledger.

use chrono::{NaiveDate, Utc};
use entity::ledger_entry::OpenedBecause;
use entity::placement::{self, PlacementStatus};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set};

use super::{release, tell_mentors};
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::student::timeline::EntryDetails;

/// How a reported student left their school.
#[derive(Debug, Clone)]
pub enum Leaving {
    /// 辍学: the seat is released and the student goes onto the ledger.
    Dropout,
    /// 休学 until `return_on`: the placement stays; a student not back by then goes onto the ledger.
    Suspension { return_on: chrono::NaiveDate },
    /// 转学 to another school: the student goes on studying, the placement stays with the note.
    Transfer { destination: String },
}

impl Leaving {
    /// From a form: `kind` `dropout`, `suspension` (with `return_on`, `YYYY-MM-DD`) or `transfer`
    /// (with `destination`); the other fields are ignored. Whether the date is ahead and the
    /// destination well-formed is checked by [`record_leaving`].
    pub fn parse(kind: &str, return_on: &str, destination: &str) -> Result<Leaving, AppError> {
        match kind.trim() {
            "dropout" => Ok(Leaving::Dropout),
            "suspension" => {
                let raw = return_on.trim();
                if raw.is_empty() {
                    return Err(AppError::invalid("return_on", Msg::new("error.field_required")));
                }
                chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map(|return_on| Leaving::Suspension { return_on })
                    .map_err(|_| AppError::invalid("return_on", Msg::new("error.date_invalid").arg("value", raw)))
            }
            "transfer" => Ok(Leaving::Transfer {
                destination: destination.to_string(),
            }),
            _ => Err(AppError::invalid(
                "kind",
                Msg::new("error.choice_invalid").arg("allowed", "dropout, suspension, transfer"),
            )),
        }
    }

    /// The status the placement takes (the audit action and the archive's ledger change) and
    /// the reason recorded with it.
    fn action_and_reason(&self) -> (PlacementStatus, String) {
        match self {
            Leaving::Dropout => (PlacementStatus::DroppedOut, "dropout".to_string()),
            Leaving::Suspension { return_on } => (PlacementStatus::Suspended, return_on.to_string()),
            Leaving::Transfer { destination } => (PlacementStatus::Transferred, destination.trim().to_string()),
        }
    }
}

/// Records that a reported (or suspended) student left school; a dropout's mentors are told.
pub async fn record_leaving(
    db: &DatabaseConnection,
    config: &crate::config::Config,
    actor: &Actor,
    id: i32,
    leaving: Leaving,
    note: Option<&str>,
) -> Result<placement::Model, AppError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let today = Utc::now().date_naive();
    check_leaving(&leaving, note, today)?;
    let txn = crate::db::begin_write(db).await?;
    let p = placement::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("placement"))?;
    let studying =
        p.released_at.is_none() && matches!(p.status, PlacementStatus::Reported | PlacementStatus::Suspended);
    if !studying {
        return Err(AppError::Conflict(
            Msg::new("error.placement_not_studying").arg("id", id),
        ));
    }
    let student = p.student_id;
    let (action, reason) = leaving.action_and_reason();
    let updated = match leaving {
        Leaving::Dropout => {
            tell_mentors(&txn, config, &p, "mentee_dropped_out").await?;
            release(&txn, actor, p, PlacementStatus::DroppedOut, "dropout", note).await?
        }
        stays => {
            let details = EntryDetails::LedgerChange {
                action: action.as_str().into(),
                reason: reason.clone(),
                note: note.map(str::to_string),
            };
            crate::student::students::new_entry(student, today, &details, None, actor)?
                .insert(&txn)
                .await?;
            keep_placement(&txn, p, stays).await?
        }
    };
    crate::student::students::refresh_statuses_of(&txn, &[student], today).await?;
    audit::record(
        &txn,
        actor,
        &format!("placement.{action}"),
        Record::new("placement", id),
        format!("student {student} {action}: {reason}"),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Checks what the form gave before anything is read: the note, a return date ahead, and a
/// transfer's destination.
fn check_leaving(leaving: &Leaving, note: Option<&str>, today: NaiveDate) -> Result<(), AppError> {
    if let Some(n) = note {
        crate::admissions::check_note("note", n, 500)?;
    }
    match leaving {
        Leaving::Suspension { return_on } if *return_on <= today => {
            Err(AppError::invalid("return_on", Msg::new("error.return_in_past")))
        }
        Leaving::Transfer { destination } if destination.trim().is_empty() => {
            Err(AppError::invalid("destination", Msg::new("error.field_required")))
        }
        Leaving::Transfer { destination } => crate::admissions::check_note("destination", destination.trim(), 100),
        _ => Ok(()),
    }
}

/// A suspended or transferred student keeps the placement: its status and the return date or the
/// destination change.
async fn keep_placement(
    txn: &DatabaseTransaction,
    p: placement::Model,
    leaving: Leaving,
) -> Result<placement::Model, AppError> {
    let mut active: placement::ActiveModel = p.into();
    match leaving {
        Leaving::Suspension { return_on } => {
            active.status = Set(PlacementStatus::Suspended);
            active.return_on = Set(Some(return_on));
        }
        Leaving::Transfer { destination } => {
            active.status = Set(PlacementStatus::Transferred);
            active.release_note = Set(Some(destination.trim().to_string()));
        }
        Leaving::Dropout => {}
    }
    Ok(active.update(txn).await?)
}

/// Suspended students not back by their return date go onto the ledger (`suspension_overdue`),
/// their seat released. Returns how many; running again finds none.
pub async fn overdue_returns(
    db: &DatabaseConnection,
    actor: &Actor,
    today: chrono::NaiveDate,
) -> Result<usize, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let overdue: Vec<placement::Model> = placement::Entity::find()
        .filter(placement::Column::Status.eq(PlacementStatus::Suspended))
        .filter(placement::Column::ReleasedAt.is_null())
        .filter(placement::Column::ReturnOn.lt(today))
        .all(&txn)
        .await?;
    let students: Vec<i32> = overdue.iter().map(|p| p.student_id).collect();
    for p in overdue {
        release(
            &txn,
            actor,
            p,
            PlacementStatus::DroppedOut,
            OpenedBecause::SuspensionOverdue.as_str(),
            None,
        )
        .await?;
    }
    if !students.is_empty() {
        crate::student::students::refresh_statuses_of(&txn, &students, today).await?;
        audit::record(
            &txn,
            actor,
            "placement.suspension_overdue",
            Record::new("placement", students.len()),
            format!("{} suspended students not back by their return date", students.len()),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(students.len())
}
