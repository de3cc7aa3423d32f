//! Writing the archive: a new entry row (the one way entries are built, by hand, import or
//! routing), the kinds staff may write by hand, and appending an entry or a correction with its
//! audit record and the refreshed status, in one transaction.

use chrono::{NaiveDate, Utc};
use entity::archive_entry;
use entity::archive_entry::EntryKind;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::audit::{self, Actor, Record};
use crate::error::{AppError, Context};
use crate::student::timeline::EntryDetails;

use super::{get_student, refresh_status};

/// A new archive row (not yet inserted): the one way entries are built, by hand, import or routing.
pub fn new_entry(
    student_id: i32,
    occurred_on: NaiveDate,
    details: &EntryDetails,
    supersedes: Option<i64>,
    actor: &Actor,
) -> Result<archive_entry::ActiveModel, AppError> {
    Ok(archive_entry::ActiveModel {
        student_id: Set(student_id),
        kind: Set(details.kind()),
        occurred_on: Set(occurred_on),
        details: Set(serde_json::to_string(details).context("encoding details as JSON")?),
        supersedes_id: Set(supersedes),
        recorded_by: Set(actor.user_id),
        recorded_by_label: Set(actor.label.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
}

/// The kinds staff may write by hand. Offers come only from committed routing runs, mentor entries
/// from the mentoring pages, record changes from imports.
pub const HAND_WRITTEN_KINDS: &[EntryKind] = &[
    EntryKind::Enrolment,
    EntryKind::TermResult,
    EntryKind::SkillCertificate,
    EntryKind::Internship,
    EntryKind::Graduation,
    EntryKind::Employment,
    EntryKind::FollowUp,
    EntryKind::FinancialAid,
    EntryKind::Note,
];

/// A correction replaces the latest version of an entry of the same kind of the same student.
async fn check_correction(
    txn: &sea_orm::DatabaseTransaction,
    student_id: i32,
    old: i64,
    kind: EntryKind,
) -> Result<(), AppError> {
    use crate::i18n::Msg;
    let mut find = archive_entry::Entity::find_by_id(old);
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        find = find.lock_exclusive();
    }
    let target = find
        .one(txn)
        .await?
        .filter(|t| t.student_id == student_id)
        .ok_or_else(|| AppError::invalid("supersedes_id", Msg::new("error.supersedes_unknown").arg("id", old)))?;
    if target.kind != kind {
        return Err(AppError::invalid(
            "supersedes_id",
            Msg::new("error.supersedes_other_kind")
                .arg("id", old)
                .arg("kind", target.kind),
        ));
    }
    let newer = archive_entry::Entity::find()
        .filter(archive_entry::Column::SupersedesId.eq(old))
        .one(txn)
        .await?;
    if let Some(newer) = newer {
        return Err(AppError::Conflict(
            Msg::new("error.supersedes_superseded")
                .arg("id", old)
                .arg("latest", newer.id),
        ));
    }
    Ok(())
}

/// Appends one entry to a student's archive (optionally correcting an earlier one) and refreshes the
/// cached status, in one transaction with its audit record.
pub async fn add_entry(
    db: &DatabaseConnection,
    actor: &Actor,
    student_id: i32,
    occurred_on: NaiveDate,
    details: EntryDetails,
    supersedes: Option<i64>,
) -> Result<archive_entry::Model, AppError> {
    use sea_orm::ActiveModelTrait;
    let kind = details.kind();
    if !HAND_WRITTEN_KINDS.contains(&kind) {
        return Err(AppError::invalid(
            "kind",
            crate::i18n::Msg::new("error.entry_kind_system_only").arg("kind", kind),
        ));
    }
    // A write transaction (SQLite: taken at once) and the corrected entry locked (PostgreSQL), so
    // two corrections of one entry cannot both pass the check below.
    let txn = crate::db::begin_write(db).await?;
    get_student(&txn, student_id).await?;
    if let Some(old) = supersedes {
        check_correction(&txn, student_id, old, kind).await?;
    }
    let row = new_entry(student_id, occurred_on, &details, supersedes, actor)?
        .insert(&txn)
        .await?;
    refresh_status(&txn, student_id, Utc::now().date_naive()).await?;
    let what = if supersedes.is_some() { "correction" } else { "entry" };
    audit::record(
        &txn,
        actor,
        "archive.add",
        Record::new("student", student_id),
        format!("{what} {kind} #{}", row.id),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}
