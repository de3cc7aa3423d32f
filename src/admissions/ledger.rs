//! The no-one-left-out ledger (台账): every eligible student a committed run left unplaced stays
//! on it until placed by a later round or crossed off (销号) with a reason, by a named user. A
//! crossed-off student stays crossed off — out of later rounds, never given a second line — until
//! staff reinstate them, again with a reason. A student has at most one open line per intake year
//! (a unique index). Crossing off and reinstating are audited and written to the student's archive.

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use entity::ledger_entry;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;

use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;

/// Reasons a student may be crossed off.
pub const REASONS: &[&str] = &["senior_high_late", "moved_away", "working", "illness", "other"];

/// A ledger line with what a clerk needs to follow it up.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerLine {
    pub entry: ledger_entry::Model,
    pub student_name: String,
    pub national_id_masked: String,
    pub town: String,
    pub village: String,
    pub junior_high_school: String,
    pub phone: Option<String>,
    /// Why the newest committed run left the student unplaced: its `not_placed_higher` list
    /// (empty: no choices), stored with the line when the run was committed.
    pub why: serde_json::Value,
}

/// Ledger lines of an intake year; `open_only` leaves out those closed. Every line at once: for
/// counts and single look-ups; pages and exports go through [`super::ledger_query`].
pub async fn list(
    db: &impl ConnectionTrait,
    intake_year: Option<i32>,
    open_only: bool,
) -> Result<Vec<LedgerLine>, AppError> {
    let mut q = ledger_entry::Entity::find();
    if let Some(y) = intake_year {
        q = q.filter(ledger_entry::Column::IntakeYear.eq(y));
    }
    if open_only {
        q = q.filter(ledger_entry::Column::ClosedAt.is_null());
    }
    let entries = q.order_by_asc(ledger_entry::Column::Id).all(db).await?;
    lines_of(db, entries).await
}

/// The entries with their students' names, towns and schools.
pub async fn lines_of(
    db: &impl ConnectionTrait,
    entries: Vec<ledger_entry::Model>,
) -> Result<Vec<LedgerLine>, AppError> {
    let ids: Vec<i32> = entries.iter().map(|e| e.student_id).collect();
    let (students, households) = crate::student::students::students_with_households(db, &ids).await?;
    let mut lines = Vec::with_capacity(entries.len());
    for entry in entries {
        let Some((s, h)) = students
            .get(&entry.student_id)
            .and_then(|s| Some((s, households.get(&s.household_id)?)))
        else {
            continue;
        };
        let why = serde_json::from_str(&entry.why)
            .map_err(|e| AppError::Internal(format!("ledger line {}: reason: {e}", entry.id)))?;
        lines.push(LedgerLine {
            student_name: s.name.clone(),
            national_id_masked: s.national_id_masked.clone(),
            town: h.town.clone(),
            village: h.village.clone(),
            junior_high_school: s.junior_high_school.clone(),
            phone: s.phone.clone(),
            why,
            entry,
        });
    }
    Ok(lines)
}

/// Open lines counted per town and per junior-high school.
pub fn counts(lines: &[LedgerLine]) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let mut by_town = BTreeMap::new();
    let mut by_school = BTreeMap::new();
    for l in lines.iter().filter(|l| l.entry.closed_at.is_none()) {
        *by_town.entry(l.town.clone()).or_insert(0) += 1;
        *by_school.entry(l.junior_high_school.clone()).or_insert(0) += 1;
    }
    (by_town, by_school)
}

/// Closes the lines `ids` because their students were placed (by a run, or directly with `note`
/// saying why).
pub async fn close_as_placed(
    txn: &impl ConnectionTrait,
    ids: &[i32],
    actor: &Actor,
    note: Option<&str>,
) -> Result<(), AppError> {
    let now = Utc::now();
    for chunk in ids.chunks(400) {
        ledger_entry::Entity::update_many()
            .col_expr(ledger_entry::Column::ClosedAt, Expr::value(now))
            .col_expr(ledger_entry::Column::CloseReason, Expr::value("placed"))
            .col_expr(ledger_entry::Column::CloseNote, Expr::value(note.map(str::to_string)))
            .col_expr(ledger_entry::Column::ClosedBy, Expr::value(actor.label.clone()))
            .filter(ledger_entry::Column::Id.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Crosses a student off with a reason (and a note, required for `other`).
pub async fn cross_off(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    reason: &str,
    note: Option<&str>,
) -> Result<ledger_entry::Model, AppError> {
    let mut closed = cross_off_many(db, actor, &[id], reason, note).await?;
    closed.pop().ok_or(AppError::NotFound("ledger_entry"))
}

/// Crosses several students off with one reason, all or none: a line already closed or unknown
/// refuses the whole request, naming it. At most [`MAX_BULK`] lines at once.
pub async fn cross_off_many(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: &[i32],
    reason: &str,
    note: Option<&str>,
) -> Result<Vec<ledger_entry::Model>, AppError> {
    let reason = reason.trim();
    if !REASONS.contains(&reason) {
        return Err(AppError::invalid(
            "reason",
            Msg::new("error.choice_invalid").arg("allowed", REASONS.join(", ")),
        ));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if reason == "other" && note.is_none() {
        return Err(AppError::invalid("note", Msg::new("error.ledger_note_required")));
    }
    if let Some(n) = note {
        super::check_note("note", n, 500)?;
    }
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(AppError::invalid(
            "ids",
            Msg::new("error.ledger_bulk_size").arg("max", MAX_BULK),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let mut closed = Vec::with_capacity(ids.len());
    for &id in ids {
        let entry = ledger_entry::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("ledger_entry"))?;
        if entry.closed_at.is_some() {
            return Err(AppError::Conflict(Msg::new("error.ledger_closed_line").arg("id", id)));
        }
        let student_id = entry.student_id;
        let mut m = entry.into_active_model();
        m.closed_at = Set(Some(Utc::now()));
        m.close_reason = Set(Some(reason.to_string()));
        m.close_note = Set(note.map(str::to_string));
        m.closed_by = Set(Some(actor.label.clone()));
        closed.push(m.update(&txn).await?);
        let summary = format!(
            "crossed off: {reason}{}",
            note.map(|n| format!(" ({n})")).unwrap_or_default()
        );
        record_change(
            &txn,
            actor,
            student_id,
            "crossed_off",
            reason,
            note,
            "ledger.cross_off",
            summary,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(closed)
}

/// The most lines crossed off in one request (a page of the ledger is 100).
pub const MAX_BULK: usize = 500;

/// Students of `intake_year` crossed off the ledger (and not reinstated since).
pub async fn crossed_off_students(db: &impl ConnectionTrait, intake_year: i32) -> Result<HashSet<i32>, AppError> {
    Ok(ledger_entry::Entity::find()
        .filter(ledger_entry::Column::IntakeYear.eq(intake_year))
        .filter(ledger_entry::Column::ClosedAt.is_not_null())
        .filter(ledger_entry::Column::CloseReason.ne("placed"))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.student_id)
        .collect())
}

/// Puts a crossed-off student back on the open ledger (so later rounds route them again), with a
/// reason; audited and written to the archive. A line closed because the student was placed cannot
/// be reinstated.
pub async fn reinstate(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    reason: &str,
) -> Result<ledger_entry::Model, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", Msg::new("error.reinstate_reason_required")));
    }
    super::check_note("reason", reason, 500)?;
    let txn = crate::db::begin_write(db).await?;
    let entry = ledger_entry::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("ledger_entry"))?;
    match entry.close_reason.as_deref() {
        None => return Err(AppError::Conflict(Msg::new("error.ledger_not_crossed_off"))),
        Some("placed") => return Err(AppError::Conflict(Msg::new("error.ledger_placed"))),
        Some(_) => {}
    }
    let student_id = entry.student_id;
    let was = entry.close_reason.clone().unwrap_or_default();
    let mut m = entry.into_active_model();
    m.closed_at = Set(None);
    m.close_reason = Set(None);
    m.close_note = Set(None);
    m.closed_by = Set(None);
    let reopened = m.update(&txn).await?;
    let summary = format!("reinstated (was crossed off: {was}): {reason}");
    record_change(
        &txn,
        actor,
        student_id,
        "reinstated",
        &was,
        Some(reason),
        "ledger.reinstate",
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(reopened)
}

/// The archive entry and audit record of a cross-off or reinstatement, in the caller's transaction.
#[expect(clippy::too_many_arguments, reason = "one call site each, all values differ")]
async fn record_change(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    student_id: i32,
    action: &str,
    reason: &str,
    note: Option<&str>,
    audit_action: &str,
    summary: String,
) -> Result<(), AppError> {
    let today = crate::clock::today();
    let details = crate::student::timeline::EntryDetails::LedgerChange {
        action: action.to_string(),
        reason: reason.to_string(),
        note: note.map(str::to_string),
    };
    crate::student::students::new_entry(student_id, today, &details, None, actor)?
        .insert(txn)
        .await?;
    crate::student::students::refresh_statuses_of(txn, &[student_id], today).await?;
    audit::record(txn, actor, audit_action, Record::new("student", student_id), summary).await?;
    Ok(())
}
