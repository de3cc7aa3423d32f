//! Reporting (报到) by a school's enrolment roster: the school uploads the list of students who
//! came (CSV or XLSX, read by `student::table` with the register import's bounds), each row is
//! matched to a waiting offer at the school for the intake year, and a preview shows the matches,
//! the offers already confirmed and every bad row; confirming reports exactly the matched offers in
//! one transaction ([`follow_through::confirm_in`]).
//!
//! Nothing of the file is kept: the preview stores the matched placement ids with masked IDs and
//! the row errors (ID-like runs masked). A confirm checks every matched offer again and refuses
//! the whole roster, asking for a new preview, if any of them changed meanwhile.

pub mod matching;
pub mod rows;

use std::collections::HashMap;

use chrono::Utc;
use entity::placement::PlacementStatus;
use entity::roster_preview::RosterStatus;
use entity::{placement, programme, roster_preview, school, student};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::follow_through;
use crate::audit::{self, Actor, Record};
use crate::crypto::IdVault;
use crate::error::{AppError, Context};
use crate::i18n::Msg;
use crate::student::ids::mask_ids_in;
use crate::student::table;
use matching::{Offer, Registered, RosterReport};
use rows::RosterRow;

/// A roster as uploaded, for one school and intake year.
#[derive(Debug, Clone)]
pub struct RosterUpload {
    pub school_id: i32,
    pub intake_year: i32,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// The worksheet to read (XLSX only).
    pub sheet: Option<String>,
}

/// Reads and matches a roster and stores the preview; nothing else is written.
pub async fn preview(
    db: &DatabaseConnection,
    vault: &IdVault,
    actor: &Actor,
    upload: RosterUpload,
) -> Result<(roster_preview::Model, RosterReport), AppError> {
    if !(2000..=2100).contains(&upload.intake_year) {
        let msg = Msg::new("roster.year_invalid").arg("value", upload.intake_year);
        return Err(AppError::invalid("intake_year", msg));
    }
    school::Entity::find_by_id(upload.school_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "school_id",
                Msg::new("error.school_unknown").arg("id", upload.school_id),
            )
        })?;
    let table = table::read_table(&upload.bytes, upload.sheet.as_deref()).map_err(|m| AppError::invalid("file", m))?;
    let roster = rows::parse_roster(&table).map_err(|m| AppError::invalid("file", m))?;
    let found = registered(db, vault, &roster.rows, upload.intake_year).await?;
    let report = matching::report(
        mask_ids_in(&upload.file_name).chars().take(255).collect(),
        table.rows.len(),
        &roster,
        upload.school_id,
        |row| found.get(&vault.lookup_hash(row.national_id.as_str())),
    );
    let stored = roster_preview::ActiveModel {
        school_id: Set(upload.school_id),
        intake_year: Set(upload.intake_year),
        file_name: Set(report.file_name.clone()),
        file_sha256: Set(crate::auth::sha256_hex_bytes(&upload.bytes)),
        status: Set(RosterStatus::Previewed),
        report: Set(serde_json::to_string(&report).context("encoding report as JSON")?),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        confirmed_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((stored, report))
}

/// The students of `rows` (by the keyed hash of their IDs) with their placements of `intake_year`.
async fn registered(
    db: &impl ConnectionTrait,
    vault: &IdVault,
    rows: &[RosterRow],
    intake_year: i32,
) -> Result<HashMap<String, Registered>, AppError> {
    let hashes: Vec<String> = rows.iter().map(|r| vault.lookup_hash(r.national_id.as_str())).collect();
    let mut students = Vec::new();
    for chunk in hashes.chunks(1000) {
        let found = student::Entity::find()
            .filter(student::Column::NationalIdHash.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        students.extend(found);
    }
    let mut placements: HashMap<i32, Vec<placement::Model>> = HashMap::new();
    for chunk in students.chunks(1000) {
        for p in placement::Entity::find()
            .filter(placement::Column::IntakeYear.eq(intake_year))
            .filter(placement::Column::StudentId.is_in(chunk.iter().map(|s| s.id).collect::<Vec<_>>()))
            .all(db)
            .await?
        {
            placements.entry(p.student_id).or_default().push(p);
        }
    }
    let programmes: HashMap<i32, programme::Model> = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(intake_year))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let schools = super::programmes::school_names(db).await?;
    let offer_of = |p: placement::Model| {
        let prog = programmes.get(&p.programme_id);
        let school_id = prog.map_or(0, |g| g.school_id);
        Offer {
            placement_id: p.id,
            programme_id: p.programme_id,
            programme: prog.map(|g| format!("{} {}", g.code, g.name)).unwrap_or_default(),
            school_id,
            school: schools.get(&school_id).cloned().unwrap_or_default(),
            in_force: p.released_at.is_none(),
            status: p.status,
        }
    };
    Ok(students
        .into_iter()
        .map(|s| {
            let offers = placements
                .remove(&s.id)
                .unwrap_or_default()
                .into_iter()
                .map(offer_of)
                .collect();
            let found = Registered {
                student_id: s.id,
                name: s.name,
                national_id_masked: s.national_id_masked,
                offers,
            };
            (s.national_id_hash, found)
        })
        .collect())
}

/// One stored preview and its report.
pub async fn get_preview(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<(roster_preview::Model, RosterReport), AppError> {
    let stored = roster_preview::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("roster"))?;
    let report: RosterReport = serde_json::from_str(&stored.report).context("roster report")?;
    Ok((stored, report))
}

/// Confirms a previewed roster: exactly its matched offers are reported, in one transaction.
/// Refused whole (409, nothing written) when it was confirmed already, matched nothing, or any
/// matched offer is no longer the waiting offer it was (declined, confirmed on the class list…).
pub async fn confirm(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> Result<(roster_preview::Model, RosterReport), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let (stored, report) = get_preview(&txn, id).await?;
    // Claimed inside the transaction: a second concurrent confirm finds it confirmed.
    let now = Utc::now();
    let claimed = roster_preview::Entity::update_many()
        .col_expr(
            roster_preview::Column::Status,
            sea_orm::sea_query::Expr::value("confirmed"),
        )
        .col_expr(
            roster_preview::Column::ConfirmedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(roster_preview::Column::Id.eq(id))
        .filter(roster_preview::Column::Status.eq(RosterStatus::Previewed))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("roster.already_confirmed")));
    }
    if report.matched.is_empty() {
        return Err(AppError::Conflict(Msg::new("roster.nothing_to_confirm")));
    }
    check_unchanged(&txn, &report).await?;
    follow_through::confirm_in(&txn, actor, &report.placement_ids()).await?;
    audit::record(
        &txn,
        actor,
        "roster.confirmed",
        Record::new("roster_preview", id),
        format!(
            "{}: {} students reported for school {} ({}), {} already reported, {} bad rows",
            report.file_name,
            report.matched.len(),
            stored.school_id,
            stored.intake_year,
            report.already_reported.len(),
            report.bad_rows()
        ),
    )
    .await?;
    txn.commit().await?;
    let stored = roster_preview::Model {
        status: RosterStatus::Confirmed,
        confirmed_at: Some(now),
        ..stored
    };
    Ok((stored, report))
}

/// Every matched offer must still be the student's waiting offer in the same programme.
async fn check_unchanged(txn: &impl ConnectionTrait, report: &RosterReport) -> Result<(), AppError> {
    for chunk in report.matched.chunks(1000) {
        let now: HashMap<i32, placement::Model> = placement::Entity::find()
            .filter(placement::Column::Id.is_in(chunk.iter().map(|m| m.placement_id).collect::<Vec<_>>()))
            .all(txn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        for m in chunk {
            let same = now.get(&m.placement_id).is_some_and(|p| {
                p.status == PlacementStatus::Offered
                    && p.released_at.is_none()
                    && p.student_id == m.student_id
                    && p.programme_id == m.programme_id
            });
            if !same {
                return Err(AppError::Conflict(
                    Msg::new("roster.changed_since_preview")
                        .arg("line", m.line)
                        .arg("name", &m.name),
                ));
            }
        }
    }
    Ok(())
}
