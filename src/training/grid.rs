//! The roster's grid of a session's attendance: its teaching days (with their hours, whether
//! recorded, whether come) and a row per farmer with a cell per day, the hours attended, whether
//! they reach the completion share, and the certificate. Reads only.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::registration::RegistrationStatus;
use entity::{attendance_day, certificate, course, registration, training_session};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::days::{self, TeachingDay, teaching_days};
use crate::clock::today;
use crate::error::AppError;

/// One day in the roster's grid.
#[derive(Debug, Clone, Serialize)]
pub struct GridDay {
    pub day: NaiveDate,
    /// Month and day, for a column heading (`12-07`).
    pub label: String,
    pub hours: i32,
    /// Someone's attendance on this day is recorded.
    pub recorded: bool,
    /// The day has come (attendance can be recorded).
    pub open: bool,
    pub today: bool,
}

/// One farmer's cell on one day: `None` until recorded.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Cell {
    pub present: bool,
    pub hours: i32,
    /// Present for fewer than the day's hours.
    pub partial: bool,
}

/// A confirmed farmer's row: a cell per day, the hours attended, the certificate if any.
#[derive(Debug, Clone, Serialize)]
pub struct GridRow {
    pub registration_id: i32,
    pub name: String,
    pub village: String,
    /// Still confirmed (a cancelled farmer keeps the days recorded before).
    pub confirmed: bool,
    pub cells: Vec<Option<Cell>>,
    pub hours: i32,
    pub completed: bool,
    pub certificate: Option<certificate::Model>,
}

/// The attendance of a session: its days and a row per confirmed farmer (and per farmer with
/// attendance recorded who was cancelled afterwards), in arrival order.
#[derive(Debug, Clone, Serialize)]
pub struct Grid {
    pub session_id: i32,
    pub days: Vec<GridDay>,
    pub rows: Vec<GridRow>,
    pub course_hours: i32,
    pub completion_share: i32,
    /// Hours a farmer needs for the certificate.
    pub hours_needed: i32,
    /// Certificates can be issued (the last day is over, or recorded).
    pub finished: bool,
    /// The teaching day that is today, if any.
    pub today: Option<NaiveDate>,
}

/// The grid of a session's attendance.
pub async fn grid(db: &impl ConnectionTrait, session_id: i32) -> Result<Grid, AppError> {
    let session = training_session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("training session"))?;
    let course = course::Entity::find_by_id(session.course_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    let today = today();
    let recorded: HashMap<(i32, NaiveDate), attendance_day::Model> = attendance_day::Entity::find()
        .filter(attendance_day::Column::SessionId.eq(session_id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| ((a.registration_id, a.day), a))
        .collect();
    let mut regs: Vec<registration::Model> = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed || recorded.keys().any(|(id, _)| *id == r.id))
        .collect();
    regs.sort_by_key(|r| r.arrival);
    let ids: Vec<i32> = regs.iter().map(|r| r.id).collect();
    let certs = super::certificates::of_registrations(db, &ids).await?;
    let teaching = teaching_days(session.starts_on, session.ends_on, course.hours);
    let days: Vec<GridDay> = teaching
        .iter()
        .map(|t| GridDay {
            day: t.day,
            label: t.day.format("%m-%d").to_string(),
            hours: t.hours,
            recorded: recorded.keys().any(|(_, d)| *d == t.day),
            open: t.day <= today,
            today: t.day == today,
        })
        .collect();
    let cell = |r: i32, t: &TeachingDay| {
        recorded.get(&(r, t.day)).map(|a| Cell {
            present: a.present,
            hours: a.hours,
            partial: a.present && a.hours < t.hours,
        })
    };
    let rows = regs
        .into_iter()
        .map(|r| {
            let cells: Vec<Option<Cell>> = teaching.iter().map(|t| cell(r.id, t)).collect();
            let hours = cells.iter().flatten().filter(|c| c.present).map(|c| c.hours).sum();
            GridRow {
                registration_id: r.id,
                confirmed: r.status == RegistrationStatus::Confirmed,
                village: format!("{} {}", r.town, r.village),
                name: r.name,
                cells,
                hours,
                completed: days::completed(hours, course.hours, course.completion_share),
                certificate: certs.get(&r.id).cloned(),
            }
        })
        .collect();
    let last_recorded = days.last().is_some_and(|d| d.recorded);
    Ok(Grid {
        session_id,
        today: teaching.iter().find(|t| t.day == today).map(|t| t.day),
        days,
        rows,
        course_hours: course.hours,
        completion_share: course.completion_share,
        hours_needed: days::hours_needed(course.hours, course.completion_share),
        finished: days::finished(session.ends_on, today, last_recorded),
    })
}
