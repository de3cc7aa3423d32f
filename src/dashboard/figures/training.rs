//! The training figures of the intake's calendar year: sessions, registrations, attendance and
//! certificates.

use std::collections::HashSet;

use chrono::NaiveDate;
use entity::registration::RegistrationStatus;
use entity::training_session::SessionStatus;
use entity::{registration, training_session};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{Filter, Training};
use crate::error::AppError;

/// Training in the calendar year of the intake (at the school's own bases when one is selected),
/// with those venues for the headline.
pub(super) async fn training(
    db: &impl ConnectionTrait,
    filter: Filter,
    today: NaiveDate,
) -> Result<(Training, Option<HashSet<i32>>), AppError> {
    let from = NaiveDate::from_ymd_opt(filter.year, 1, 1).unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(filter.year, 12, 31).unwrap_or(today);
    let mut sessions = training_session::Entity::find()
        .filter(training_session::Column::StartsOn.gte(from))
        .filter(training_session::Column::StartsOn.lte(to))
        .filter(training_session::Column::Status.eq(SessionStatus::Scheduled))
        .all(db)
        .await?;
    let venues = match filter.school_id {
        Some(school_id) => Some(school_venues(db, school_id).await?),
        None => None,
    };
    if let Some(venues) = &venues {
        sessions.retain(|s| venues.contains(&s.venue_id));
    }
    let held_ids: HashSet<i32> = sessions.iter().filter(|s| s.ends_on < today).map(|s| s.id).collect();
    let ids: Vec<i32> = sessions.iter().map(|s| s.id).collect();
    let regs = if ids.is_empty() {
        Vec::new()
    } else {
        registration::Entity::find()
            .filter(registration::Column::SessionId.is_in(ids))
            .all(db)
            .await?
    };
    let confirmed_held = regs
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed && held_ids.contains(&r.session_id))
        .count();
    // Attended: confirmed farmers present on at least one day; certificates: those not revoked.
    let reg_ids: Vec<i32> = regs.iter().map(|r| r.id).collect();
    let present = present_on_a_day(db, &reg_ids).await?;
    let attended = regs
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed && present.contains(&r.id))
        .count();
    // The rate compares like with like: farmers of sessions already over (one still running has
    // farmers present too, but is not in the denominator).
    let attended_held = regs
        .iter()
        .filter(|r| {
            r.status == RegistrationStatus::Confirmed && present.contains(&r.id) && held_ids.contains(&r.session_id)
        })
        .count();
    let certificates = crate::training::certificates::of_registrations(db, &reg_ids)
        .await?
        .values()
        .filter(|c| c.revoked_at.is_none())
        .count();
    let training = Training {
        sessions: sessions.len(),
        held: held_ids.len(),
        confirmed: regs
            .iter()
            .filter(|r| r.status == RegistrationStatus::Confirmed)
            .count(),
        waitlisted: regs
            .iter()
            .filter(|r| r.status == RegistrationStatus::Waitlisted)
            .count(),
        attended,
        attendance_rate: (confirmed_held > 0).then(|| attended_held as f64 * 100.0 / confirmed_held as f64),
        certificates,
    };
    Ok((training, venues))
}

/// The registrations present on at least one teaching day.
async fn present_on_a_day(db: &impl ConnectionTrait, reg_ids: &[i32]) -> Result<HashSet<i32>, AppError> {
    if reg_ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(entity::attendance_day::Entity::find()
        .filter(entity::attendance_day::Column::RegistrationId.is_in(reg_ids.iter().copied()))
        .filter(entity::attendance_day::Column::Present.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.registration_id)
        .collect())
}

/// The venues of a school's own training bases.
async fn school_venues(db: &impl ConnectionTrait, school_id: i32) -> Result<HashSet<i32>, AppError> {
    let bases: HashSet<i32> = entity::training_base::Entity::find()
        .filter(entity::training_base::Column::SchoolId.eq(school_id))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.id)
        .collect();
    Ok(entity::venue::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|v| bases.contains(&v.base_id))
        .map(|v| v.id)
        .collect())
}
