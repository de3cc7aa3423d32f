//! Attendance per teaching day: staff record a day for a list of the session's confirmed farmers
//! (present, absent, or present for fewer hours), and read the roster's grid of days.
//!
//! **All or nothing.** Every entry is checked before anything is written; the day's rows, the audit
//! entries and the certificates that follow from them are written in one transaction under the
//! session's lock (the same lock registrations take), so two clerks saving the same day one after
//! the other leave the second one's answer, never a mix.
//!
//! **Corrections.** Recording today's attendance for the first time is ordinary; changing a row
//! already recorded, or recording a past day, is a correction: each corrected farmer gets its own
//! audit entry (who, which day, before → after, the note). Once the session is finished, every
//! save re-applies the certificate rule ([`super::certificates::reconcile`]), which revokes a
//! certificate whose attendance fell below the share.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::{attendance_day, certificate, course, registration, training_session};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use super::certificates::{self, Reconciled};
use super::days::{self, TeachingDay, teaching_days};
use crate::audit::{self, Actor, Record};
use crate::clock::today;
use crate::error::AppError;
use crate::i18n::Msg;

/// Longest note on a correction.
pub const MAX_NOTE: usize = 200;

/// One farmer on one day, as staff record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayEntry {
    pub registration_id: i32,
    pub present: bool,
    /// Hours attended when fewer than the day's; `None` means the whole day when newly present
    /// (the hours already recorded for a present farmer are kept), none when absent.
    pub hours: Option<i32>,
}

/// A day's attendance for a list of registrations, with an optional note (why a correction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayAttendance {
    pub day: NaiveDate,
    pub entries: Vec<DayEntry>,
    pub note: Option<String>,
}

/// Checks a note: trimmed, at most [`MAX_NOTE`] characters, no control characters; empty is none.
pub fn parse_note(typed: &str) -> Result<Option<String>, AppError> {
    let note = typed.trim();
    if note.chars().any(crate::student::ids::is_invisible) {
        return Err(AppError::invalid("note", Msg::new("student.text_has_control")));
    }
    if note.chars().count() > MAX_NOTE {
        return Err(AppError::invalid(
            "note",
            Msg::new("error.notes_too_long").arg("max", MAX_NOTE),
        ));
    }
    Ok((!note.is_empty()).then(|| note.to_string()))
}

/// What a save did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Recorded {
    pub day: Option<NaiveDate>,
    pub present: usize,
    pub absent: usize,
    /// Farmers whose row for the day changed, or who were recorded on a past day.
    pub corrections: usize,
    /// Certificates issued, revoked, reinstated (only once the session is finished).
    pub certificates: Reconciled,
}

/// The checked entries: registration, present, hours credited.
type Checked = Vec<(registration::Model, bool, i32)>;

fn check_entries(
    input: &DayAttendance,
    teaching: &TeachingDay,
    confirmed: &HashMap<i32, registration::Model>,
    before: &HashMap<i32, attendance_day::Model>,
) -> Result<Checked, AppError> {
    if input.entries.is_empty() {
        return Err(AppError::invalid("attendance", Msg::new("error.attendance_empty")));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for e in &input.entries {
        let Some(r) = confirmed.get(&e.registration_id) else {
            return Err(AppError::invalid(
                "attendance",
                Msg::new("error.not_on_roster").arg("id", e.registration_id),
            ));
        };
        if !seen.insert(e.registration_id) {
            return Err(AppError::invalid(
                "attendance",
                Msg::new("error.attendance_twice").arg("name", &r.name),
            ));
        }
        let kept = before.get(&r.id).filter(|a| a.present).map(|a| a.hours);
        let hours = match (e.present, e.hours) {
            (true, None) => kept.unwrap_or(teaching.hours),
            (false, None | Some(0)) => 0,
            (true, Some(h)) if (1..=teaching.hours).contains(&h) => h,
            (_, Some(h)) => {
                let (min, max) = if e.present { (1, teaching.hours) } else { (0, 0) };
                return Err(AppError::invalid(
                    "hours",
                    Msg::new("error.attendance_hours")
                        .arg("name", &r.name)
                        .arg("value", h)
                        .arg("min", min)
                        .arg("max", max),
                ));
            }
        };
        out.push((r.clone(), e.present, hours));
    }
    Ok(out)
}

/// The teaching day `day` of a session, refused when it is not one or lies in the future.
pub fn teaching_day(
    s: &training_session::Model,
    c: &course::Model,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<TeachingDay, AppError> {
    let Some(t) = teaching_days(s.starts_on, s.ends_on, c.hours)
        .into_iter()
        .find(|t| t.day == day)
    else {
        return Err(AppError::invalid(
            "day",
            Msg::new("error.day_outside_session")
                .arg("day", day)
                .arg("from", s.starts_on)
                .arg("to", s.ends_on),
        ));
    };
    if day > today {
        return Err(AppError::invalid(
            "day",
            Msg::new("error.attendance_future_day").arg("day", day),
        ));
    }
    Ok(t)
}

fn mark(present: bool, hours: i32) -> String {
    if present {
        format!("present {hours} h")
    } else {
        "absent".to_string()
    }
}

/// Records one teaching day for the listed farmers (others on that day stay as they were).
pub async fn record_day(
    db: &DatabaseConnection,
    actor: &Actor,
    session_id: i32,
    input: DayAttendance,
) -> Result<Recorded, AppError> {
    let today = today();
    let txn = crate::db::begin_write(db).await?;
    let Some(session) = super::registrations::lock_session(&txn, session_id, false).await? else {
        return Err(AppError::NotFound("training session"));
    };
    if session.status != "scheduled" {
        return Err(AppError::Conflict(Msg::new("error.session_cancelled")));
    }
    let course = course::Entity::find_by_id(session.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    let teaching = teaching_day(&session, &course, input.day, today)?;
    let confirmed: HashMap<i32, registration::Model> = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .filter(registration::Column::Status.eq("confirmed"))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let before: HashMap<i32, attendance_day::Model> = attendance_day::Entity::find()
        .filter(attendance_day::Column::SessionId.eq(session_id))
        .filter(attendance_day::Column::Day.eq(input.day))
        .all(&txn)
        .await?
        .into_iter()
        .map(|a| (a.registration_id, a))
        .collect();
    let checked = check_entries(&input, &teaching, &confirmed, &before)?;
    let now = Utc::now();
    let mut done = Recorded {
        day: Some(input.day),
        ..Default::default()
    };
    let note = input
        .note
        .as_deref()
        .map(|n| format!("; note: {n}"))
        .unwrap_or_default();
    for (r, present, hours) in checked {
        if present {
            done.present += 1;
        } else {
            done.absent += 1;
        }
        let was = before.get(&r.id);
        let corrected = match was {
            Some(a) => a.present != present || a.hours != hours,
            None => input.day < today,
        };
        match was {
            Some(a) if a.present == present && a.hours == hours => continue,
            Some(a) => {
                attendance_day::Entity::update_many()
                    .col_expr(attendance_day::Column::Present, Expr::value(present))
                    .col_expr(attendance_day::Column::Hours, Expr::value(hours))
                    .col_expr(attendance_day::Column::RecordedBy, Expr::value(actor.label.clone()))
                    .col_expr(attendance_day::Column::RecordedAt, Expr::value(now))
                    .filter(attendance_day::Column::Id.eq(a.id))
                    .exec(&txn)
                    .await?;
            }
            None => {
                attendance_day::ActiveModel {
                    registration_id: Set(r.id),
                    session_id: Set(session_id),
                    day: Set(input.day),
                    present: Set(present),
                    hours: Set(hours),
                    recorded_by: Set(actor.label.clone()),
                    recorded_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
        if corrected {
            done.corrections += 1;
            let from = was.map_or("not recorded".to_string(), |a| mark(a.present, a.hours));
            audit::record(
                &txn,
                actor,
                "training.attendance_correction",
                Record::new("registration", r.id),
                format!(
                    "session #{session_id} {} {}: {from} → {}{note}",
                    input.day,
                    r.name,
                    mark(present, hours)
                ),
            )
            .await?;
        }
    }
    audit::record(
        &txn,
        actor,
        "training.attendance",
        Record::new("training_session", session_id),
        format!(
            "{}: {} present, {} absent, {} corrected",
            input.day, done.present, done.absent, done.corrections
        ),
    )
    .await?;
    let last_recorded = input.day == session.ends_on || last_day_recorded(&txn, &session).await?;
    if days::finished(session.ends_on, today, last_recorded) {
        done.certificates = certificates::reconcile(&txn, actor, &session, &course, input.note.as_deref()).await?;
    }
    txn.commit().await?;
    Ok(done)
}

/// Whether anyone's attendance on the session's last day is recorded.
pub async fn last_day_recorded(conn: &impl ConnectionTrait, s: &training_session::Model) -> Result<bool, AppError> {
    Ok(attendance_day::Entity::find()
        .filter(attendance_day::Column::SessionId.eq(s.id))
        .filter(attendance_day::Column::Day.eq(s.ends_on))
        .one(conn)
        .await?
        .is_some())
}

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
    let rows_of_days = attendance_day::Entity::find()
        .filter(attendance_day::Column::SessionId.eq(session_id))
        .all(db)
        .await?;
    let mut regs: Vec<registration::Model> = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.status == "confirmed" || rows_of_days.iter().any(|a| a.registration_id == r.id))
        .collect();
    regs.sort_by_key(|r| r.arrival);
    let certs: HashMap<i32, certificate::Model> = certificate::Entity::find()
        .filter(certificate::Column::RegistrationId.is_in(regs.iter().map(|r| r.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.registration_id, c))
        .collect();
    let teaching = teaching_days(session.starts_on, session.ends_on, course.hours);
    let days: Vec<GridDay> = teaching
        .iter()
        .map(|t| GridDay {
            day: t.day,
            label: t.day.format("%m-%d").to_string(),
            hours: t.hours,
            recorded: rows_of_days.iter().any(|a| a.day == t.day),
            open: t.day <= today,
            today: t.day == today,
        })
        .collect();
    let cell = |r: i32, t: &TeachingDay| {
        rows_of_days
            .iter()
            .find(|a| a.registration_id == r && a.day == t.day)
            .map(|a| Cell {
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
                confirmed: r.status == "confirmed",
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
