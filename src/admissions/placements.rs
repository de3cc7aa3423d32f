//! Placements — the official record of who holds a seat. Only two things write one: committing a
//! routing run (`runs::commit`) and a direct placement by staff (a late registration, an appeal),
//! which needs a reason, takes a seat counted against the programme's capacity, closes the
//! student's open ledger line if a run left them unplaced (a line opened after an earlier offer
//! stays open until the student reports), writes the offer into the archive and is audited. A student holds
//! at most one placement per intake year (a unique index).

use std::collections::HashMap;

use chrono::Utc;
use entity::{ledger_entry, placement, programme, school, student};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};
use crate::student::timeline::EntryDetails;

/// Longest reason for a direct placement, in characters.
pub const MAX_REASON: usize = 500;

/// Placements in force of an intake year: student id → programme id.
pub async fn in_force(db: &impl ConnectionTrait, intake_year: i32) -> Result<HashMap<i32, i32>, AppError> {
    let rows: Vec<(i32, i32)> = placement::Entity::find()
        .select_only()
        .column(placement::Column::StudentId)
        .column(placement::Column::ProgrammeId)
        .filter(placement::Column::IntakeYear.eq(intake_year))
        .filter(placement::Column::ReleasedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Students ever placed directly in an intake year (also those who later declined or did not
/// report): they are in the year's routing scope though no run routed them.
pub async fn placed_directly(
    db: &impl ConnectionTrait,
    intake_year: i32,
) -> Result<std::collections::HashSet<i32>, AppError> {
    Ok(direct(db, intake_year)
        .await?
        .into_iter()
        .map(|p| p.student_id)
        .collect())
}

/// Seats taken in a programme (placements in force).
pub async fn taken(db: &impl ConnectionTrait, programme_id: i32) -> Result<u64, AppError> {
    Ok(placement::Entity::find()
        .filter(placement::Column::ProgrammeId.eq(programme_id))
        .filter(placement::Column::ReleasedAt.is_null())
        .count(db)
        .await?)
}

/// Which placements to list.
#[derive(Debug, Clone, Default)]
pub struct PlacementFilter {
    pub intake_year: i32,
    /// `Some(true)`: only direct placements; `Some(false)`: only those of runs.
    pub direct: Option<bool>,
    pub programme_id: Option<i32>,
}

/// One page of placements, oldest first.
pub async fn search(
    db: &impl ConnectionTrait,
    filter: &PlacementFilter,
    page: PageRequest,
) -> Result<Page<placement::Model>, AppError> {
    let mut q = placement::Entity::find().filter(placement::Column::IntakeYear.eq(filter.intake_year));
    match filter.direct {
        Some(true) => q = q.filter(placement::Column::RunId.is_null()),
        Some(false) => q = q.filter(placement::Column::RunId.is_not_null()),
        None => {}
    }
    if let Some(pid) = filter.programme_id {
        q = q.filter(placement::Column::ProgrammeId.eq(pid));
    }
    let paginator = q.order_by_asc(placement::Column::Id).paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

/// Direct placements of an intake year, oldest first (the round history shows them).
pub async fn direct(db: &impl ConnectionTrait, intake_year: i32) -> Result<Vec<placement::Model>, AppError> {
    Ok(placement::Entity::find()
        .filter(placement::Column::IntakeYear.eq(intake_year))
        .filter(placement::Column::RunId.is_null())
        .order_by_asc(placement::Column::Id)
        .all(db)
        .await?)
}

/// The student's placement in force of the year, if any.
pub async fn of_student(
    db: &impl ConnectionTrait,
    student_id: i32,
    intake_year: i32,
) -> Result<Option<placement::Model>, AppError> {
    Ok(placement::Entity::find()
        .filter(placement::Column::StudentId.eq(student_id))
        .filter(placement::Column::IntakeYear.eq(intake_year))
        .filter(placement::Column::ReleasedAt.is_null())
        .one(db)
        .await?)
}

/// A direct placement as asked for.
#[derive(Debug, Clone)]
pub struct DirectPlacement {
    pub student_id: i32,
    pub programme_id: i32,
    pub reason: String,
}

impl DirectPlacement {
    /// Checks the reason: required, at most [`MAX_REASON`] characters, no control characters.
    pub fn parse(student_id: i32, programme_id: i32, reason: &str) -> Result<DirectPlacement, AppError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::invalid("reason", Msg::new("error.direct_reason_required")));
        }
        super::check_note("reason", reason, MAX_REASON)?;
        Ok(DirectPlacement {
            student_id,
            programme_id,
            reason: reason.to_string(),
        })
    }
}

/// Places a student directly. Refused when the student is unknown, graduates in another year
/// than the programme's intake, is already placed that year, is crossed off the ledger (reinstate
/// first), or the programme has no seat left.
pub async fn place_directly(
    db: &DatabaseConnection,
    actor: &Actor,
    req: DirectPlacement,
) -> Result<placement::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let (prog, pupil, lines) = check_direct(&txn, &req).await?;
    let now = Utc::now();
    let placed = write_direct(&txn, actor, &prog, pupil.id, &req.reason, now).await?;
    let open: Vec<i32> = lines
        .iter()
        .filter(|l| l.closed_at.is_none() && l.opened_because == entity::ledger_entry::OpenedBecause::Unplaced)
        .map(|l| l.id)
        .collect();
    super::ledger::close_as_placed(&txn, &open, actor, Some(&req.reason)).await?;
    crate::student::students::refresh_statuses_of(&txn, &[pupil.id], now.date_naive()).await?;
    super::offers::queue_offer_notices(&txn, &[placed.id]).await?;
    audit::record(
        &txn,
        actor,
        "placement.direct",
        Record::new("placement", placed.id),
        format!(
            "student {} placed directly in {} ({}), {}: {}",
            pupil.id, prog.code, prog.name, prog.intake_year, req.reason
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(placed)
}

/// The checks of a direct placement, inside `txn`: the programme (locked), the student and their
/// ledger lines of the year, or why the placement is refused.
async fn check_direct(
    txn: &DatabaseTransaction,
    req: &DirectPlacement,
) -> Result<(programme::Model, student::Model, Vec<ledger_entry::Model>), AppError> {
    // The programme row locked (PostgreSQL) so two placements cannot both take its last seat;
    // SQLite's write transaction already serialises writers.
    let prog = programme::Entity::find_by_id(req.programme_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "programme_id",
                Msg::new("error.programme_unknown").arg("id", req.programme_id),
            )
        })?;
    let pupil = student::Entity::find_by_id(req.student_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("student"))?;
    if pupil.graduation_year != prog.intake_year {
        return Err(AppError::invalid(
            "programme_id",
            Msg::new("error.direct_wrong_year")
                .arg("graduation_year", pupil.graduation_year)
                .arg("intake_year", prog.intake_year),
        ));
    }
    if let Some(existing) = of_student(txn, pupil.id, prog.intake_year).await? {
        let name = programme::Entity::find_by_id(existing.programme_id)
            .one(txn)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        return Err(AppError::Conflict(
            Msg::new("error.already_placed").arg("programme", name),
        ));
    }
    let lines = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::StudentId.eq(pupil.id))
        .filter(ledger_entry::Column::IntakeYear.eq(prog.intake_year))
        .all(txn)
        .await?;
    if lines.iter().any(super::ledger::is_crossed_off) && !lines.iter().any(|l| l.closed_at.is_none()) {
        return Err(AppError::Conflict(Msg::new("error.direct_crossed_off")));
    }
    let seats = taken(txn, prog.id).await?;
    if seats >= u64::try_from(prog.capacity).unwrap_or(0) {
        return Err(AppError::Conflict(
            Msg::new("error.programme_full")
                .arg("capacity", prog.capacity)
                .arg("placed", seats),
        ));
    }
    Ok((prog, pupil, lines))
}

/// Writes a direct placement and its offer into the archive.
async fn write_direct(
    txn: &DatabaseTransaction,
    actor: &Actor,
    prog: &programme::Model,
    student_id: i32,
    reason: &str,
    now: chrono::DateTime<Utc>,
) -> Result<placement::Model, AppError> {
    let placed = placement::ActiveModel {
        student_id: Set(student_id),
        intake_year: Set(prog.intake_year),
        programme_id: Set(prog.id),
        run_id: Set(None),
        round: Set(None),
        choice: Set(None),
        points: Set(None),
        why_not_higher: Set("[]".into()),
        direct_reason: Set(Some(reason.to_string())),
        placed_by: Set(actor.label.clone()),
        placed_at: Set(now),
        status: Set(entity::placement::PlacementStatus::Offered),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            AppError::Conflict(Msg::new("error.already_placed").arg("programme", ""))
        }
        _ => AppError::from(e),
    })?;
    let school_name = school::Entity::find_by_id(prog.school_id)
        .one(txn)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let details = EntryDetails::EnrolmentOffer {
        school: school_name,
        programme: prog.name.clone(),
        round: None,
        why_not_higher: None,
        direct_reason: Some(reason.to_string()),
    };
    crate::student::students::new_entry(student_id, now.date_naive(), &details, None, actor)?
        .insert(txn)
        .await?;
    Ok(placed)
}

/// Seats taken per programme of a year: programme id → count.
pub async fn taken_per_programme(db: &impl ConnectionTrait, intake_year: i32) -> Result<HashMap<i32, i64>, AppError> {
    let rows: Vec<(i32, i64)> = placement::Entity::find()
        .select_only()
        .column(placement::Column::ProgrammeId)
        .column_as(placement::Column::Id.count(), "n")
        .filter(placement::Column::IntakeYear.eq(intake_year))
        .filter(placement::Column::ReleasedAt.is_null())
        .group_by(placement::Column::ProgrammeId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
