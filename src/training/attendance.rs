//! Attendance per teaching day: staff record a day for a list of the session's confirmed farmers
//! (present, absent, or present for fewer hours).
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
//! certificate whose attendance fell below the share. The roster's grid is in [`super::grid`].

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::registration::RegistrationStatus;
use entity::training_session::SessionStatus;
use entity::{attendance_day, course, registration, training_session};
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

/// Where one save writes: its author, the session and day, one timestamp, the note for the audit.
struct DayWrite<'a> {
    actor: &'a Actor,
    session_id: i32,
    day: NaiveDate,
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
    note: String,
}

impl DayWrite<'_> {
    /// Writes one farmer's row when it changes; audits it when that is a correction (a recorded row
    /// changed, or a past day recorded). Returns whether it was a correction.
    async fn apply(
        &self,
        conn: &impl ConnectionTrait,
        r: &registration::Model,
        (present, hours): (bool, i32),
        was: Option<&attendance_day::Model>,
    ) -> Result<bool, AppError> {
        match was {
            Some(a) if a.present == present && a.hours == hours => return Ok(false),
            Some(a) => {
                attendance_day::Entity::update_many()
                    .col_expr(attendance_day::Column::Present, Expr::value(present))
                    .col_expr(attendance_day::Column::Hours, Expr::value(hours))
                    .col_expr(
                        attendance_day::Column::RecordedBy,
                        Expr::value(self.actor.label.clone()),
                    )
                    .col_expr(attendance_day::Column::RecordedAt, Expr::value(self.now))
                    .filter(attendance_day::Column::Id.eq(a.id))
                    .exec(conn)
                    .await?;
            }
            None => {
                attendance_day::ActiveModel {
                    registration_id: Set(r.id),
                    session_id: Set(self.session_id),
                    day: Set(self.day),
                    present: Set(present),
                    hours: Set(hours),
                    recorded_by: Set(self.actor.label.clone()),
                    recorded_at: Set(self.now),
                    ..Default::default()
                }
                .insert(conn)
                .await?;
                if self.day >= self.today {
                    return Ok(false);
                }
            }
        }
        let from = was.map_or("not recorded".to_string(), |a| mark(a.present, a.hours));
        let summary = format!(
            "session #{} {} {}: {from} → {}{}",
            self.session_id,
            self.day,
            r.name,
            mark(present, hours),
            self.note
        );
        let record = Record::new("registration", r.id);
        audit::record(conn, self.actor, "training.attendance_correction", record, summary).await?;
        Ok(true)
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
    if session.status != SessionStatus::Scheduled {
        return Err(AppError::Conflict(Msg::new("error.session_cancelled")));
    }
    let course = course::Entity::find_by_id(session.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    let teaching = teaching_day(&session, &course, input.day, today)?;
    let confirmed: HashMap<i32, registration::Model> = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
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
    let write = DayWrite {
        actor,
        session_id,
        day: input.day,
        today,
        now: Utc::now(),
        note: input
            .note
            .as_deref()
            .map(|n| format!("; note: {n}"))
            .unwrap_or_default(),
    };
    let mut done = Recorded {
        day: Some(input.day),
        ..Default::default()
    };
    for (r, present, hours) in checked {
        *(if present { &mut done.present } else { &mut done.absent }) += 1;
        let corrected = write.apply(&txn, &r, (present, hours), before.get(&r.id)).await?;
        done.corrections += usize::from(corrected);
    }
    let summary = format!(
        "{}: {} present, {} absent, {} corrected",
        input.day, done.present, done.absent, done.corrections
    );
    audit::record(
        &txn,
        actor,
        "training.attendance",
        Record::new("training_session", session_id),
        summary,
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
