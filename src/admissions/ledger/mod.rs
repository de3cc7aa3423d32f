//! The no-one-left-out ledger (台账): every eligible student a committed run left unplaced stays
//! on it until placed by a later round or crossed off (销号) with a reason, by a named user. A
//! crossed-off student stays crossed off — out of later rounds, never given a second line — until
//! staff reinstate them, again with a reason. A student has at most one open line per intake year
//! (a unique index). Crossing off and reinstating are audited and written to the student's archive.

use std::collections::HashSet;

use chrono::Utc;
use entity::ledger_entry::{self, CloseReason, OpenedBecause};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

mod counts;
mod evidence;
mod line_view;

pub use counts::{OpenCount, counts};
use evidence::check_evidence;
pub use evidence::reasons_list;
pub use line_view::{LineView, line_view};

use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;

/// Reasons a student may be crossed off, each with the evidence it needs in the note: the senior
/// high school entered late, where the family moved to, the employer (and the student is 16 or
/// older), the medical certificate, or what happened.
pub const REASONS: &[CloseReason] = &[
    CloseReason::SeniorHighLate,
    CloseReason::MovedAway,
    CloseReason::Working,
    CloseReason::Illness,
    CloseReason::Other,
];

/// Days an open line may go without a follow-up before it is overdue.
pub const FOLLOW_UP_DAYS: u64 = 14;

/// The day a line opened or followed up on `day` becomes overdue.
pub fn follow_up_due(day: chrono::NaiveDate) -> chrono::NaiveDate {
    day + chrono::Days::new(FOLLOW_UP_DAYS)
}

/// The youngest a student may be crossed off as working (compulsory schooling runs to 16).
pub const MIN_WORKING_AGE: u32 = 16;

/// Close reasons that mean the student has a seat, not a cross-off: `placed` (a run or a direct
/// placement gave a student the ledger was waiting for a seat) and `brought_back` (a student who
/// declined, did not report or left school reported again, 劝返一个，销号一个).
pub const SEATED: [CloseReason; 2] = [CloseReason::Placed, CloseReason::BroughtBack];

/// Whether a line is crossed off: closed for a reason other than a seat.
pub fn is_crossed_off(line: &ledger_entry::Model) -> bool {
    line.closed_at.is_some() && !line.close_reason.is_some_and(|r| SEATED.contains(&r))
}

/// Whether a line counts its student (open or crossed off, not closed by a seat).
pub fn counts_student(line: &ledger_entry::Model) -> bool {
    !line.close_reason.is_some_and(|r| SEATED.contains(&r))
}

/// The SQL form of [`is_crossed_off`].
pub fn crossed_off_condition() -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(ledger_entry::Column::ClosedAt.is_not_null())
        .add(ledger_entry::Column::CloseReason.is_not_in(SEATED))
}

/// Why a student is back on the ledger after an offer (a line of any other kind, `unplaced`, is
/// closed as placed by the offer; these stay open until the student reports again).
pub const AFTER_AN_OFFER: [OpenedBecause; 4] = [
    OpenedBecause::OfferDeclined,
    OpenedBecause::OfferNotTakenUp,
    OpenedBecause::DroppedOut,
    OpenedBecause::SuspensionOverdue,
];

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

/// One line with its student's name, town and school.
pub async fn line(db: &impl ConnectionTrait, id: i32) -> Result<LedgerLine, AppError> {
    let entry = ledger_entry::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("ledger_entry"))?;
    lines_of(db, vec![entry])
        .await?
        .pop()
        .ok_or(AppError::NotFound("ledger_entry"))
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
            .map_err(|e| AppError::internal_from(format!("ledger line {}: reason", entry.id), e))?;
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

/// Closes the lines `ids` because their students were placed (by a run, or directly with `note`
/// saying why). Only for lines opened because a run left the student unplaced; a line opened after
/// an offer stays open until the student reports ([`close_as_brought_back`]).
pub async fn close_as_placed(
    txn: &impl ConnectionTrait,
    ids: &[i32],
    actor: &Actor,
    note: Option<&str>,
) -> Result<(), AppError> {
    let now = Utc::now();
    // Ids bound one parameter each, as many per statement as SQLite allows (32,766, less the 4 values).
    for chunk in ids.chunks(32_000) {
        ledger_entry::Entity::update_many()
            .col_expr(ledger_entry::Column::ClosedAt, Expr::value(now))
            .col_expr(ledger_entry::Column::CloseReason, Expr::value(CloseReason::Placed))
            .col_expr(ledger_entry::Column::CloseNote, Expr::value(note.map(str::to_string)))
            .col_expr(ledger_entry::Column::ClosedBy, Expr::value(actor.label.clone()))
            .filter(ledger_entry::Column::Id.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Closes the student's open line of `intake_year` as brought back, if there is one: they reported
/// to school (`note`: where) after declining, not reporting or leaving. Written to the archive, in
/// the caller's transaction (the report's). Returns whether a line was closed.
pub async fn close_as_brought_back(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    intake_year: i32,
    student_id: i32,
    note: &str,
) -> Result<bool, AppError> {
    let closed = ledger_entry::Entity::update_many()
        .col_expr(ledger_entry::Column::ClosedAt, Expr::value(Utc::now()))
        .col_expr(ledger_entry::Column::CloseReason, Expr::value(CloseReason::BroughtBack))
        .col_expr(ledger_entry::Column::CloseNote, Expr::value(note.to_string()))
        .col_expr(ledger_entry::Column::ClosedBy, Expr::value(actor.label.clone()))
        .filter(ledger_entry::Column::IntakeYear.eq(intake_year))
        .filter(ledger_entry::Column::StudentId.eq(student_id))
        .filter(ledger_entry::Column::ClosedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected
        > 0;
    if closed {
        let details = crate::student::timeline::EntryDetails::LedgerChange {
            action: CloseReason::BroughtBack.as_str().into(),
            reason: "reported".into(),
            note: Some(note.to_string()),
        };
        crate::student::students::new_entry(student_id, crate::clock::today(), &details, None, actor)?
            .insert(txn)
            .await?;
    }
    Ok(closed)
}

/// The student's age in whole years on `day`.
fn age_on(birth: chrono::NaiveDate, day: chrono::NaiveDate) -> u32 {
    day.years_since(birth).unwrap_or(0)
}

/// Crosses a student off with a reason and its evidence (see [`REASONS`]).
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

/// Crosses several students off with one reason, all or none: a line already closed or unknown, a
/// student holding an offer again (record the decline or wait for the report) or, for `working`,
/// a student under [`MIN_WORKING_AGE`] refuses the whole request, naming it. At most [`MAX_BULK`]
/// lines at once. A line is closed as brought back only by a confirmed report, never by hand.
pub async fn cross_off_many(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: &[i32],
    reason: &str,
    note: Option<&str>,
) -> Result<Vec<ledger_entry::Model>, AppError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let reason = check_evidence(reason.trim(), note)?;
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
        if super::placements::of_student(&txn, entry.student_id, entry.intake_year)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(Msg::new("error.ledger_holds_offer").arg("id", id)));
        }
        if reason == CloseReason::Working {
            let pupil = entity::student::Entity::find_by_id(entry.student_id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound("student"))?;
            if age_on(pupil.birth_date, crate::clock::today()) < MIN_WORKING_AGE {
                return Err(AppError::Conflict(
                    Msg::new("error.ledger_too_young_to_work")
                        .arg("id", id)
                        .arg("age", MIN_WORKING_AGE),
                ));
            }
        }
        let student_id = entry.student_id;
        let mut m = entry.into_active_model();
        m.closed_at = Set(Some(Utc::now()));
        m.close_reason = Set(Some(reason));
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
            reason.as_str(),
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
    let ids: Vec<i32> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::StudentId)
        .filter(ledger_entry::Column::IntakeYear.eq(intake_year))
        .filter(crossed_off_condition())
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Puts a crossed-off student back on the open ledger (so later rounds route them again), with a
/// reason; audited and written to the archive. A line closed because the student was placed or
/// brought back cannot be reinstated.
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
    let was = match entry.close_reason {
        None => return Err(AppError::Conflict(Msg::new("error.ledger_not_crossed_off"))),
        Some(r) if SEATED.contains(&r) => return Err(AppError::Conflict(Msg::new("error.ledger_placed"))),
        Some(r) => r,
    };
    let student_id = entry.student_id;
    let mut m = entry.into_active_model();
    m.closed_at = Set(None);
    m.close_reason = Set(None);
    m.close_note = Set(None);
    m.closed_by = Set(None);
    m.follow_up_due_on = Set(Some(follow_up_due(crate::clock::today())));
    let reopened = m.update(&txn).await?;
    let summary = format!("reinstated (was crossed off: {was}): {reason}");
    record_change(
        &txn,
        actor,
        student_id,
        "reinstated",
        was.as_str(),
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
