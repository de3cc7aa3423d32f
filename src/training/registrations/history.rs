//! Looking a registration up by its code, a session's roster, a farmer's history by phone or
//! household (with hours attended and certificate), and a certificate by its code.

use entity::public_attempt::PublicAction;
use entity::registration;
use entity::registration::RegistrationStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::error::AppError;
use crate::limits::PublicLimits;
use crate::student::ids::MobileNumber;

use super::*;

/// A registration found by phone and code, for the farmer.
#[derive(Debug, Clone, Serialize)]
pub struct Lookup {
    pub registration: registration::Model,
    pub session: SessionCard,
    pub position: Option<u64>,
    /// Hours attended, once any day of it is recorded.
    pub hours_attended: Option<i32>,
    /// The certificate, valid or revoked.
    pub certificate: Option<entity::certificate::Model>,
    /// Whether the farmer can still cancel: not cancelled, and the session is still scheduled.
    pub cancellable: bool,
}

impl Lookup {
    fn new(
        registration: registration::Model,
        session: SessionCard,
        attendance: (Option<i32>, Option<entity::certificate::Model>),
    ) -> Lookup {
        let scheduled = session.status == entity::training_session::SessionStatus::Scheduled.to_string();
        let cancellable = registration.status != RegistrationStatus::Cancelled && scheduled;
        Lookup {
            registration,
            session,
            position: None,
            hours_attended: attendance.0,
            certificate: attendance.1,
            cancellable,
        }
    }
}

/// Finds a registration by phone + code (both must match). Rate-limited per phone and address,
/// so codes cannot be guessed.
pub async fn lookup(
    db: &DatabaseConnection,
    limits: &PublicLimits,
    phone: &str,
    code: &str,
    client_ip: &str,
) -> Result<Lookup, AppError> {
    let phone = MobileNumber::parse(phone)
        .map_err(|m| AppError::invalid("phone", m))?
        .into_inner();
    rate_limit(db, limits, PublicAction::Lookup, client_ip, &phone).await?;
    let found = registration::Entity::find()
        .filter(registration::Column::Code.eq(code.trim()))
        .filter(registration::Column::Phone.eq(&phone))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("registration"))?;
    let session = session_cards(db, false, Some(&[found.session_id]))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("training session"))?;
    let position = if found.status == RegistrationStatus::Waitlisted {
        Some(waitlist_position(db, &found).await?)
    } else {
        None
    };
    let (hours_attended, certificate) = attendance_of(db, &[found.id]).await?;
    let attended = (
        hours_attended.get(&found.id).copied(),
        certificate.get(&found.id).cloned(),
    );
    Ok(Lookup {
        position,
        ..Lookup::new(found, session, attended)
    })
}

/// The roster of a session: confirmed first (by arrival), then the waitlist in order, then cancelled.
pub async fn roster(db: &impl ConnectionTrait, session_id: i32) -> Result<Vec<registration::Model>, AppError> {
    let mut rows = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .all(db)
        .await?;
    let rank = |s: RegistrationStatus| match s {
        RegistrationStatus::Confirmed => 0,
        RegistrationStatus::Waitlisted => 1,
        RegistrationStatus::Cancelled => 2,
    };
    rows.sort_by_key(|r| {
        (
            rank(r.status),
            -r.priority * i32::from(r.status == RegistrationStatus::Waitlisted),
            r.arrival,
        )
    });
    Ok(rows)
}

/// The certificate with a code (valid or revoked), for verification.
pub use crate::training::certificate_view::find_certificate as certificate;

/// A farmer's training history, by phone (all sessions, newest first).
pub async fn history_by_phone(db: &impl ConnectionTrait, phone: &str) -> Result<Vec<Lookup>, AppError> {
    let rows = registration::Entity::find()
        .filter(registration::Column::Phone.eq(phone))
        .order_by_desc(registration::Column::Id)
        .all(db)
        .await?;
    history(db, rows).await
}

/// Training of the members of a registered household (attended, or still registered).
pub async fn history_by_household(db: &impl ConnectionTrait, household_id: i32) -> Result<Vec<Lookup>, AppError> {
    let rows = registration::Entity::find()
        .filter(registration::Column::HouseholdId.eq(household_id))
        .filter(registration::Column::Status.ne(RegistrationStatus::Cancelled))
        .order_by_desc(registration::Column::Id)
        .all(db)
        .await?;
    history(db, rows).await
}

async fn history(db: &impl ConnectionTrait, rows: Vec<registration::Model>) -> Result<Vec<Lookup>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = rows.iter().map(|r| r.session_id).collect();
    let cards = session_cards(db, false, Some(&ids)).await?;
    let regs: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let (hours, certificates) = attendance_of(db, &regs).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let session = cards.iter().find(|c| c.id == r.session_id)?.clone();
            let attended = (hours.get(&r.id).copied(), certificates.get(&r.id).cloned());
            Some(Lookup::new(r, session, attended))
        })
        .collect())
}

type Attendance = (
    std::collections::HashMap<i32, i32>,
    std::collections::HashMap<i32, entity::certificate::Model>,
);

/// Hours attended (by registrations with any day recorded) and certificates of some registrations.
async fn attendance_of(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Attendance, AppError> {
    let mut hours = std::collections::HashMap::new();
    for a in entity::attendance_day::Entity::find()
        .filter(entity::attendance_day::Column::RegistrationId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        *hours.entry(a.registration_id).or_insert(0) += if a.present { a.hours } else { 0 };
    }
    Ok((hours, crate::training::certificates::of_registrations(db, ids).await?))
}
