//! Reporting windows (报到): for each school and intake year, when and where its placed students
//! report, what they bring and whom to call. Set (created or replaced) by admissions staff and
//! audited; printed on the admission letters and named in the offer text messages. The limits on
//! the texts keep a letter on one A4 page.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use entity::reporting_window;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::audit::{self, Actor, Record};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};

/// Longest place, in characters.
pub const MAX_PLACE: usize = 100;
/// Longest "what to bring", in characters.
pub const MAX_BRING: usize = 300;
/// Most lines of "what to bring" (one item a line).
pub const MAX_BRING_LINES: usize = 10;
/// Longest contact, in characters.
pub const MAX_CONTACT: usize = 100;
/// Longest window, in days (reporting is a matter of days; a year-long window is a typo).
pub const MAX_DAYS: i64 = 92;

/// A window as received, every field text (a form or a JSON body).
#[derive(Debug, Clone, Default)]
pub struct WindowRaw {
    pub school_id: i32,
    pub intake_year: i64,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub bring: String,
    pub contact: String,
}

/// A checked window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowInput {
    pub school_id: i32,
    pub intake_year: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub place: String,
    /// One item a line.
    pub bring: String,
    pub contact: String,
}

impl WindowInput {
    /// Checks every field, reporting all problems at once: dates as `YYYY-MM-DD`, the end not before
    /// the start, the start in the intake year or the next (a spring intake), at most [`MAX_DAYS`]
    /// days; texts required, within their limits and free of invisible control characters (only
    /// "what to bring" may have several lines).
    pub fn parse(raw: &WindowRaw) -> Result<WindowInput, AppError> {
        let mut e = Vec::new();
        if !(2000..=2100).contains(&raw.intake_year) {
            e.push(FieldError::new(
                "intake_year",
                Msg::new("error.number_between")
                    .arg("value", raw.intake_year)
                    .arg("min", 2000)
                    .arg("max", 2100),
            ));
        }
        let starts_on = crate::training::setup::date(&mut e, "starts_on", &raw.starts_on);
        let ends_on = crate::training::setup::date(&mut e, "ends_on", &raw.ends_on);
        if let (Some(from), Some(to)) = (starts_on, ends_on) {
            if to < from {
                e.push(FieldError::new("ends_on", Msg::new("error.window_ends_before_start")));
            } else if (to - from).num_days() >= MAX_DAYS {
                e.push(FieldError::new(
                    "ends_on",
                    Msg::new("error.window_too_long").arg("max", MAX_DAYS),
                ));
            }
            let year = i64::from(from.year());
            if e.is_empty() && !(raw.intake_year..=raw.intake_year + 1).contains(&year) {
                e.push(FieldError::new(
                    "starts_on",
                    Msg::new("error.window_wrong_year").arg("intake_year", raw.intake_year),
                ));
            }
        }
        let place = text(&mut e, "place", &raw.place, MAX_PLACE, 1);
        let bring = text(&mut e, "bring", &raw.bring, MAX_BRING, MAX_BRING_LINES);
        let contact = text(&mut e, "contact", &raw.contact, MAX_CONTACT, 1);
        match (starts_on, ends_on) {
            (Some(starts_on), Some(ends_on)) if e.is_empty() => Ok(WindowInput {
                school_id: raw.school_id,
                intake_year: raw.intake_year as i32,
                starts_on,
                ends_on,
                place,
                bring,
                contact,
            }),
            _ => Err(AppError::Invalid(e)),
        }
    }
}

/// A required text of at most `max` characters and `lines` lines (blank lines dropped, each line
/// trimmed), with no invisible control characters.
fn text(e: &mut Vec<FieldError>, field: &'static str, value: &str, max: usize, lines: usize) -> String {
    let kept: Vec<&str> = value.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let joined = kept.join("\n");
    if joined.is_empty() {
        e.push(FieldError::new(field, Msg::new("error.field_required")));
    } else if lines == 1 && kept.len() > 1 {
        e.push(FieldError::new(field, Msg::new("error.window_one_line")));
    } else if kept.len() > lines {
        e.push(FieldError::new(
            field,
            Msg::new("error.window_too_many_lines").arg("max", lines),
        ));
    } else if let Err(AppError::Invalid(found)) = super::check_note(field, &kept.concat(), max) {
        e.extend(found);
    }
    joined
}

/// Creates or replaces the school's window for the year. An unknown school is 404.
pub async fn set_window(
    db: &DatabaseConnection,
    actor: &Actor,
    input: WindowInput,
) -> Result<reporting_window::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let school = super::programmes::get_school(&txn, input.school_id).await?;
    let now = Utc::now();
    let existing = window_of(&txn, input.school_id, input.intake_year).await?;
    let created = existing.is_none();
    let mut row = match existing {
        Some(w) => w.into_active_model(),
        None => reporting_window::ActiveModel {
            school_id: Set(input.school_id),
            intake_year: Set(input.intake_year),
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.starts_on = Set(input.starts_on);
    row.ends_on = Set(input.ends_on);
    row.place = Set(input.place);
    row.bring = Set(input.bring);
    row.contact = Set(input.contact);
    row.updated_at = Set(now);
    let saved = if created {
        row.insert(&txn).await
    } else {
        row.update(&txn).await
    }
    .map_err(|e| {
        match e.sql_err() {
            // Another clerk created it in the same instant (PostgreSQL); theirs stands.
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(Msg::new("error.window_changed")),
            _ => AppError::from(e),
        }
    })?;
    audit::record(
        &txn,
        actor,
        "reporting_window.set",
        Record::new("reporting_window", saved.id),
        format!(
            "{} {}: {} to {}, {}",
            school.name, saved.intake_year, saved.starts_on, saved.ends_on, saved.place
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The school's window for the year, if set.
pub async fn window_of(
    db: &impl ConnectionTrait,
    school_id: i32,
    intake_year: i32,
) -> Result<Option<reporting_window::Model>, AppError> {
    Ok(reporting_window::Entity::find()
        .filter(reporting_window::Column::SchoolId.eq(school_id))
        .filter(reporting_window::Column::IntakeYear.eq(intake_year))
        .one(db)
        .await?)
}

/// The year's windows by school id.
pub async fn windows_of_year(
    db: &impl ConnectionTrait,
    intake_year: i32,
) -> Result<HashMap<i32, reporting_window::Model>, AppError> {
    Ok(reporting_window::Entity::find()
        .filter(reporting_window::Column::IntakeYear.eq(intake_year))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.school_id, w))
        .collect())
}

/// One page of windows, optionally of one year and school, newest year first, then by school.
pub async fn search(
    db: &impl ConnectionTrait,
    intake_year: Option<i32>,
    school_id: Option<i32>,
    page: PageRequest,
) -> Result<Page<reporting_window::Model>, AppError> {
    let mut q = reporting_window::Entity::find();
    if let Some(y) = intake_year {
        q = q.filter(reporting_window::Column::IntakeYear.eq(y));
    }
    if let Some(s) = school_id {
        q = q.filter(reporting_window::Column::SchoolId.eq(s));
    }
    let paginator = q
        .order_by_desc(reporting_window::Column::IntakeYear)
        .order_by_asc(reporting_window::Column::SchoolId)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> WindowRaw {
        WindowRaw {
            school_id: 1,
            intake_year: 2026,
            starts_on: "2026-09-01".into(),
            ends_on: "2026-09-03".into(),
            place: "巩义市职教园区 1 号楼".into(),
            bring: "录取通知书\r\n户口本复印件\n\n 一寸照片 4 张 ".into(),
            contact: "王老师 0371-64321234".into(),
        }
    }

    fn fields(r: Result<WindowInput, AppError>) -> Vec<String> {
        match r {
            Err(AppError::Invalid(e)) => e.into_iter().map(|f| f.field).collect(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn a_window_keeps_one_item_a_line() {
        let w = WindowInput::parse(&raw()).expect("valid");
        assert_eq!(w.bring, "录取通知书\n户口本复印件\n一寸照片 4 张");
        assert_eq!(w.starts_on, NaiveDate::from_ymd_opt(2026, 9, 1).expect("date"));
    }

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let bad = WindowRaw {
            intake_year: 1999,
            starts_on: "2026-9-x".into(),
            ends_on: String::new(),
            place: "  ".into(),
            bring: "a\u{202E}b".into(),
            contact: "王老师\n李老师".into(),
            ..raw()
        };
        assert_eq!(
            fields(WindowInput::parse(&bad)),
            ["intake_year", "starts_on", "ends_on", "place", "bring", "contact"]
        );
    }

    #[test]
    fn dates_must_be_in_order_short_and_in_the_intake_year() {
        let backwards = WindowRaw {
            ends_on: "2026-08-31".into(),
            ..raw()
        };
        assert_eq!(fields(WindowInput::parse(&backwards)), ["ends_on"]);
        let long = WindowRaw {
            ends_on: "2026-12-31".into(),
            ..raw()
        };
        assert_eq!(fields(WindowInput::parse(&long)), ["ends_on"]);
        let early = WindowRaw {
            starts_on: "2025-09-01".into(),
            ends_on: "2025-09-02".into(),
            ..raw()
        };
        assert_eq!(fields(WindowInput::parse(&early)), ["starts_on"]);
        let spring = WindowRaw {
            starts_on: "2027-02-20".into(),
            ends_on: "2027-02-22".into(),
            ..raw()
        };
        assert!(
            WindowInput::parse(&spring).is_ok(),
            "a spring intake reports the next year"
        );
    }

    #[test]
    fn texts_have_limits() {
        let long = WindowRaw {
            place: "地".repeat(MAX_PLACE + 1),
            bring: (0..=MAX_BRING_LINES)
                .map(|i| format!("第{i}项"))
                .collect::<Vec<_>>()
                .join("\n"),
            contact: "电".repeat(MAX_CONTACT + 1),
            ..raw()
        };
        assert_eq!(fields(WindowInput::parse(&long)), ["place", "bring", "contact"]);
        let at_limit = WindowRaw {
            place: "地".repeat(MAX_PLACE),
            bring: "带".repeat(MAX_BRING),
            contact: "电".repeat(MAX_CONTACT),
            ..raw()
        };
        assert!(WindowInput::parse(&at_limit).is_ok());
    }
}
