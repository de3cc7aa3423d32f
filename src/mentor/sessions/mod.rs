//! Help sessions and contact reminders. A mentor records each session (date, mode, duration,
//! notes) from "my mentees"; it becomes a `mentor_session` archive entry and moves the
//! assignment's last-contact date. A mentee without contact for [`NO_CONTACT_DAYS`] (counted from
//! the assignment when there was none yet) is overdue: listed for admissions staff and put into the
//! mentor's weekly digest email — one per mentor per ISO week, whatever the number of instances or
//! runs, because the email's idempotency key is the mentor and the week.
//!
//! This file holds the session itself; `overdue` the reminders' list, `digest` the weekly email and
//! `mentees` the mentor's own view.

use chrono::NaiveDate;
use entity::{archive_entry, mentor_assignment};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::audit::{self, Record};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::student::students::new_entry;
use crate::student::timeline::EntryDetails;

mod digest;
mod mentees;
mod overdue;

pub use digest::queue_weekly_digests;
pub use mentees::{Mentee, MenteeView, MentorSummary, NextDue, PastSession, mentee_view, my_mentees, summary};
pub use overdue::{Overdue, overdue};

/// Ways a help session can take place.
pub const MODES: [&str; 4] = ["home_visit", "phone", "at_school", "online"];
/// Days without contact after which a mentee is overdue.
pub const NO_CONTACT_DAYS: i64 = 30;

/// A validated help session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInput {
    pub date: NaiveDate,
    pub mode: String,
    pub duration_minutes: Option<u32>,
    pub notes: Option<String>,
}

impl SessionInput {
    /// Checks every field at once; `today` is the mentor's date (a session cannot be in the future).
    pub fn parse(date: &str, mode: &str, duration: &str, notes: &str, today: NaiveDate) -> Result<Self, AppError> {
        let mut e = Vec::new();
        let date = match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                e.push(FieldError::new("date", Msg::new("error.date_in_future")));
                None
            }
            Ok(d) if (today - d).num_days() > 366 => {
                e.push(FieldError::new("date", Msg::new("error.session_too_old")));
                None
            }
            Ok(d) => Some(d),
            Err(_) if date.trim().is_empty() => {
                e.push(FieldError::new("date", Msg::new("error.field_required")));
                None
            }
            Err(_) => {
                e.push(FieldError::new(
                    "date",
                    Msg::new("error.date_invalid").arg("value", date.trim()),
                ));
                None
            }
        };
        let mode = mode.trim().to_string();
        if !MODES.contains(&mode.as_str()) {
            e.push(FieldError::new(
                "mode",
                Msg::new("error.choice_invalid").arg("allowed", MODES.join(", ")),
            ));
        }
        let duration_minutes = match duration.trim() {
            "" => None,
            d => match d.parse::<u32>() {
                Ok(n) if (1..=1440).contains(&n) => Some(n),
                _ => {
                    e.push(FieldError::new(
                        "duration_minutes",
                        Msg::new("error.number_range").arg("value", d).arg("max", 1440),
                    ));
                    None
                }
            },
        };
        let notes = notes.trim();
        if notes.chars().count() > 2000 {
            e.push(FieldError::new(
                "notes",
                Msg::new("error.notes_too_long").arg("max", 2000),
            ));
        }
        match (date, e.is_empty()) {
            (Some(date), true) => Ok(SessionInput {
                date,
                mode,
                duration_minutes,
                notes: (!notes.is_empty()).then(|| notes.to_string()),
            }),
            _ => Err(AppError::Invalid(e)),
        }
    }
}

/// Records a help session by `mentor` with one of their mentees: an archive entry, the last-contact
/// date of the mentor's assignments with the student, and an audit record, in one transaction.
pub async fn record_session(
    db: &DatabaseConnection,
    mentor: &crate::auth::CurrentUser,
    client_ip: Option<String>,
    student_id: i32,
    input: SessionInput,
) -> Result<archive_entry::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let mine: Vec<mentor_assignment::Model> = mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::StudentId.eq(student_id))
        .filter(mentor_assignment::Column::MentorId.eq(mentor.id))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .all(&txn)
        .await?;
    if mine.is_empty() {
        return Err(AppError::invalid("student_id", Msg::new("error.not_your_mentee")));
    }
    let actor = mentor.actor(client_ip);
    let entry = new_entry(
        student_id,
        input.date,
        &EntryDetails::MentorSession {
            mode: input.mode.clone(),
            duration_minutes: input.duration_minutes,
            notes: input.notes,
            mentor: Some(mentor.name.clone()),
        },
        None,
        &actor,
    )?
    .insert(&txn)
    .await?;
    for a in &mine {
        if a.last_contact_on.is_none_or(|d| d < input.date) {
            mentor_assignment::Entity::update_many()
                .col_expr(mentor_assignment::Column::LastContactOn, Expr::value(input.date))
                .filter(mentor_assignment::Column::Id.eq(a.id))
                .exec(&txn)
                .await?;
        }
    }
    audit::record(
        &txn,
        &actor,
        "mentor.session",
        Record::new("student", student_id),
        format!("help session ({}) on {} #{}", input.mode, input.date, entry.id),
    )
    .await?;
    txn.commit().await?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_good_session_parses_and_every_bad_field_is_named() {
        let today = day("2026-11-29");
        let ok = SessionInput::parse("2026-11-20", "home_visit", "45", " 家访，了解学习情况 ", today);
        assert_eq!(
            ok.ok(),
            Some(SessionInput {
                date: day("2026-11-20"),
                mode: "home_visit".into(),
                duration_minutes: Some(45),
                notes: Some("家访，了解学习情况".into()),
            })
        );
        let Err(AppError::Invalid(errs)) = SessionInput::parse("2026-12-01", "letter", "0", "", today) else {
            panic!("expected invalid")
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["date", "mode", "duration_minutes"]);
        let Err(AppError::Invalid(errs)) = SessionInput::parse("", "phone", "", &"字".repeat(2001), today) else {
            panic!("expected invalid")
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["date", "notes"]);
        assert!(SessionInput::parse("29/11/2026", "phone", "", "", today).is_err());
        assert!(SessionInput::parse("2024-01-01", "phone", "", "", today).is_err());
    }
}
