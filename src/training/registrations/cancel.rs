//! Cancelling a registration (by the farmer with the code, or by staff), promoting the waitlist,
//! and changing a session's capacity.

use chrono::Utc;
use entity::public_attempt::PublicAction;
use entity::registration::RegistrationStatus;
use entity::training_session::SessionStatus;
use entity::{course, registration, training_session, venue};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::audit::{self, Actor, Record};
use crate::clock::today;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::limits::PublicLimits;
use crate::student::ids::MobileNumber;

use super::*;

/// Who cancels.
pub enum Canceller<'a> {
    /// The farmer, with phone and code.
    Farmer {
        phone: &'a str,
        code: &'a str,
        client_ip: &'a str,
        limits: &'a PublicLimits,
    },
    /// Staff, by registration id.
    Staff { actor: &'a Actor, id: i32 },
}

/// Cancels a registration; a freed place goes to the first on the waitlist, who is notified.
pub async fn cancel(db: &DatabaseConnection, who: Canceller<'_>) -> Result<registration::Model, AppError> {
    if let Canceller::Farmer {
        phone,
        client_ip,
        limits,
        ..
    } = &who
    {
        let phone = MobileNumber::parse(phone)
            .map_err(|m| AppError::invalid("phone", m))?
            .into_inner();
        rate_limit(db, limits, PublicAction::Lookup, client_ip, &phone).await?;
    }
    let txn = crate::db::begin_write(db).await?;
    let found = find_target(&txn, &who).await?;
    let Some(session) = lock_session(&txn, found.session_id, false).await? else {
        return Err(AppError::NotFound("training session"));
    };
    // Read again under the session's lock: a promotion may have changed it meanwhile.
    let found = registration::Entity::find_by_id(found.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("registration"))?;
    if found.active.is_none() {
        return Err(AppError::Conflict(Msg::new("error.already_cancelled")));
    }
    if matches!(who, Canceller::Farmer { .. }) && session.starts_on <= today() {
        return Err(AppError::Conflict(Msg::new("error.cancel_too_late")));
    }
    let label = match &who {
        Canceller::Farmer { .. } => "farmer".to_string(),
        Canceller::Staff { actor, .. } => actor.label.clone(),
    };
    end_registration(&txn, found.id, label).await?;
    if found.status == RegistrationStatus::Confirmed {
        release_place(&txn, session.id).await?;
    }
    let course = course::Entity::find_by_id(session.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    announce(&txn, &who, &found, &session, &course).await?;
    promote(&txn, session.id).await?;
    txn.commit().await?;
    registration::Entity::find_by_id(found.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("registration"))
}

/// The registration named by the farmer's phone and code, or by staff's id.
async fn find_target(conn: &impl ConnectionTrait, who: &Canceller<'_>) -> Result<registration::Model, AppError> {
    let found = match who {
        Canceller::Farmer { phone, code, .. } => {
            let phone = MobileNumber::parse(phone)
                .map_err(|m| AppError::invalid("phone", m))?
                .into_inner();
            registration::Entity::find()
                .filter(registration::Column::Code.eq(code.trim()))
                .filter(registration::Column::Phone.eq(&phone))
                .one(conn)
                .await?
        }
        Canceller::Staff { id, .. } => registration::Entity::find_by_id(*id).one(conn).await?,
    }
    .ok_or(AppError::NotFound("registration"))?;
    Ok(found)
}

/// Marks the registration cancelled by `label`, unless someone else ended it meanwhile.
async fn end_registration(conn: &impl ConnectionTrait, id: i32, label: String) -> Result<(), AppError> {
    let ended = registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Cancelled.as_str()),
        )
        .col_expr(registration::Column::Active, Expr::value(Option::<i32>::None))
        .col_expr(registration::Column::CancelledBy, Expr::value(label))
        .col_expr(registration::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(registration::Column::Id.eq(id))
        .filter(registration::Column::Active.is_not_null())
        .exec(conn)
        .await?;
    if ended.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("error.already_cancelled")));
    }
    Ok(())
}

/// Counts one confirmed place fewer in the (locked) session.
async fn release_place(conn: &impl ConnectionTrait, session_id: i32) -> Result<(), AppError> {
    training_session::Entity::update_many()
        .col_expr(
            training_session::Column::Confirmed,
            Expr::col(training_session::Column::Confirmed).sub(1),
        )
        .filter(training_session::Column::Id.eq(session_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Tells the farmer, and records staff's cancellation in the audit log.
async fn announce(
    conn: &impl ConnectionTrait,
    who: &Canceller<'_>,
    found: &registration::Model,
    session: &training_session::Model,
    course: &course::Model,
) -> Result<(), AppError> {
    if let Canceller::Staff { actor, .. } = who {
        notify(conn, found, session, course, "cancelled_by_staff").await?;
        audit::record(
            conn,
            actor,
            "training.cancel",
            Record::new("registration", found.id),
            format!("cancelled {} in session #{}", found.name, session.id),
        )
        .await?;
    } else {
        notify(conn, found, session, course, "cancelled").await?;
    }
    Ok(())
}

/// Fills free places from the waitlist in order (priority, then arrival), notifying each promoted
/// farmer. The caller holds the session's lock.
async fn promote(conn: &impl ConnectionTrait, session_id: i32) -> Result<usize, AppError> {
    let session = training_session::Entity::find_by_id(session_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("training session"))?;
    let free = Ord::max(session.capacity - session.confirmed, 0) as usize;
    if free == 0 || session.status != SessionStatus::Scheduled || session.starts_on <= today() {
        return Ok(0);
    }
    let waiting = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .all(conn)
        .await?;
    let next = waitlist::first_promoted(waiting, free);
    let course = course::Entity::find_by_id(session.course_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    for r in &next {
        registration::Entity::update_many()
            .col_expr(
                registration::Column::Status,
                Expr::value(RegistrationStatus::Confirmed.as_str()),
            )
            .col_expr(registration::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(registration::Column::Id.eq(r.id))
            .exec(conn)
            .await?;
        notify(conn, r, &session, &course, "promoted").await?;
    }
    training_session::Entity::update_many()
        .col_expr(
            training_session::Column::Confirmed,
            Expr::col(training_session::Column::Confirmed).add(next.len() as i32),
        )
        .filter(training_session::Column::Id.eq(session_id))
        .exec(conn)
        .await?;
    Ok(next.len())
}

/// Changes a session's capacity (never below the confirmed farmers, never above the venue or the
/// course's maximum); a larger capacity promotes from the waitlist at once.
pub async fn set_capacity(
    db: &DatabaseConnection,
    actor: &Actor,
    session_id: i32,
    capacity: i32,
) -> Result<training_session::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let Some(session) = lock_session(&txn, session_id, false).await? else {
        return Err(AppError::NotFound("training session"));
    };
    if session.status != SessionStatus::Scheduled {
        return Err(AppError::Conflict(Msg::new("error.session_cancelled")));
    }
    if session.starts_on <= today() {
        return Err(AppError::Conflict(Msg::new("error.session_started")));
    }
    let venue = venue::Entity::find_by_id(session.venue_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("venue"))?;
    let course = course::Entity::find_by_id(session.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    if capacity < Ord::max(session.confirmed, 1) {
        return Err(AppError::invalid(
            "capacity",
            Msg::new("error.capacity_below_confirmed").arg("confirmed", session.confirmed),
        ));
    }
    if capacity > venue.seats {
        return Err(AppError::invalid(
            "capacity",
            Msg::new("error.venue_too_small")
                .arg("venue", &venue.name)
                .arg("seats", venue.seats)
                .arg("capacity", capacity),
        ));
    }
    if capacity > course.max_cohort {
        return Err(AppError::invalid(
            "capacity",
            Msg::new("error.above_max_cohort")
                .arg("max", course.max_cohort)
                .arg("capacity", capacity),
        ));
    }
    training_session::Entity::update_many()
        .col_expr(training_session::Column::Capacity, Expr::value(capacity))
        .filter(training_session::Column::Id.eq(session_id))
        .exec(&txn)
        .await?;
    let promoted = promote(&txn, session_id).await?;
    audit::record(
        &txn,
        actor,
        "training.capacity",
        Record::new("training_session", session_id),
        format!(
            "capacity {} → {capacity}; {promoted} promoted from the waitlist",
            session.capacity
        ),
    )
    .await?;
    txn.commit().await?;
    training_session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("training session"))
}
