//! Bringing them back (劝返): every open ledger line has a follow-up log — the day, who (a mentor,
//! school staff, a town official), how (a home visit, a phone call, through the village), the
//! outcome and the next step. A line with no follow-up for [`FOLLOW_UP_DAYS`] days is overdue: it
//! goes into the weekly digest of the student's mentors and, when the student was placed at a
//! school that named its admissions mailbox, into that school's weekly list. Recording a follow-up
//! moves the line's due day; the log itself is append-only.

use chrono::{NaiveDate, Utc};
use entity::ledger_follow_up::{FollowUpHow, FollowUpWho};
use entity::{ledger_entry, ledger_follow_up};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::ledger::follow_up_due;
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;

mod digest;

pub use digest::{DigestLine, OverdueLine, overdue, overdue_by_mentor, queue_school_digests, why_zh};

/// Who followed the student up.
pub const WHO: [FollowUpWho; 4] = [
    FollowUpWho::Mentor,
    FollowUpWho::SchoolStaff,
    FollowUpWho::TownOfficial,
    FollowUpWho::Other,
];
/// How.
pub const HOW: [FollowUpHow; 4] = [
    FollowUpHow::HomeVisit,
    FollowUpHow::Phone,
    FollowUpHow::ThroughVillage,
    FollowUpHow::Other,
];

/// Longest outcome, in characters.
pub const MAX_OUTCOME: usize = 1000;
/// Longest name or next step, in characters.
pub const MAX_NAME: usize = 100;
pub const MAX_NEXT_STEP: usize = 500;

/// A follow-up as staff typed it.
#[derive(Debug, Clone, Default)]
pub struct FollowUpRaw {
    pub followed_on: String,
    pub who: String,
    pub who_name: String,
    pub how: String,
    pub outcome: String,
    pub next_step: Option<String>,
}

/// A checked follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUp {
    pub followed_on: NaiveDate,
    pub who: FollowUpWho,
    pub who_name: String,
    pub how: FollowUpHow,
    pub outcome: String,
    pub next_step: Option<String>,
}

fn one_of<T: Copy + std::fmt::Display>(field: &'static str, value: &str, allowed: &[T]) -> Result<T, AppError> {
    let value = value.trim();
    allowed.iter().copied().find(|a| a.to_string() == value).ok_or_else(|| {
        let names: Vec<String> = allowed.iter().map(T::to_string).collect();
        AppError::invalid(field, Msg::new("error.choice_invalid").arg("allowed", names.join(", ")))
    })
}

fn required(field: &'static str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(field, Msg::new("error.required")));
    }
    super::check_note(field, value, max)?;
    Ok(value.to_string())
}

/// The value of `r`, or `None` with its field errors added to `errors`.
fn keep<T>(errors: &mut Vec<crate::error::FieldError>, r: Result<T, AppError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(AppError::Invalid(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(_) => None,
    }
}

impl FollowUpRaw {
    /// Checks every field, reporting all that are wrong at once: the day (not in the future), who
    /// and how from the lists, a name and an outcome, lengths and no control characters.
    pub fn parse(&self, today: NaiveDate) -> Result<NewFollowUp, AppError> {
        let mut errors = Vec::new();
        let followed_on = keep(
            &mut errors,
            NaiveDate::parse_from_str(self.followed_on.trim(), "%Y-%m-%d")
                .map_err(|_| {
                    AppError::invalid(
                        "followed_on",
                        Msg::new("error.date_invalid").arg("value", self.followed_on.trim()),
                    )
                })
                .and_then(|d| {
                    if d > today {
                        Err(AppError::invalid("followed_on", Msg::new("error.date_in_future")))
                    } else {
                        Ok(d)
                    }
                }),
        );
        let who = keep(&mut errors, one_of("who", &self.who, &WHO));
        let who_name = keep(&mut errors, required("who_name", &self.who_name, MAX_NAME));
        let how = keep(&mut errors, one_of("how", &self.how, &HOW));
        let outcome = keep(&mut errors, required("outcome", &self.outcome, MAX_OUTCOME));
        let next_step = match self.next_step.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(None),
            Some(s) => keep(
                &mut errors,
                super::check_note("next_step", s, MAX_NEXT_STEP).map(|()| Some(s.to_string())),
            ),
        };
        match (followed_on, who, who_name, how, outcome, next_step) {
            (Some(followed_on), Some(who), Some(who_name), Some(how), Some(outcome), Some(next_step))
                if errors.is_empty() =>
            {
                Ok(NewFollowUp {
                    followed_on,
                    who,
                    who_name,
                    how,
                    outcome,
                    next_step,
                })
            }
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// Records a follow-up on an open line and moves its due day to [`FOLLOW_UP_DAYS`] after the
/// newest follow-up. Refused (409) on a closed line, and (422) for a day before the line opened.
pub async fn record(
    db: &DatabaseConnection,
    actor: &Actor,
    line_id: i32,
    new: NewFollowUp,
) -> Result<ledger_follow_up::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let line = ledger_entry::Entity::find_by_id(line_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("ledger_entry"))?;
    if line.closed_at.is_some() {
        return Err(AppError::Conflict(
            Msg::new("error.ledger_closed_line").arg("id", line_id),
        ));
    }
    let opened_on = line.opened_at.with_timezone(&crate::clock::china()).date_naive();
    if new.followed_on < opened_on {
        return Err(AppError::invalid(
            "followed_on",
            Msg::new("error.follow_up_before_line").arg("opened", opened_on),
        ));
    }
    let saved = ledger_follow_up::ActiveModel {
        ledger_entry_id: Set(line_id),
        followed_on: Set(new.followed_on),
        who: Set(new.who),
        who_name: Set(new.who_name),
        how: Set(new.how),
        outcome: Set(new.outcome),
        next_step: Set(new.next_step),
        recorded_by: Set(actor.label.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // A follow-up typed in late (an older day) does not pull the due day back.
    let due = follow_up_due(new.followed_on);
    let student_id = line.student_id;
    if line.follow_up_due_on.is_none_or(|d| d < due) {
        let mut active: ledger_entry::ActiveModel = line.into();
        active.follow_up_due_on = Set(Some(due));
        active.update(&txn).await?;
    }
    audit::record(
        &txn,
        actor,
        "ledger.follow_up",
        Record::new("student", student_id),
        format!(
            "ledger line {line_id} followed up on {} ({}, {})",
            saved.followed_on, saved.who, saved.how
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A line's follow-ups, newest first.
pub async fn of_line(db: &impl ConnectionTrait, line_id: i32) -> Result<Vec<ledger_follow_up::Model>, AppError> {
    Ok(ledger_follow_up::Entity::find()
        .filter(ledger_follow_up::Column::LedgerEntryId.eq(line_id))
        .order_by_desc(ledger_follow_up::Column::FollowedOn)
        .order_by_desc(ledger_follow_up::Column::Id)
        .all(db)
        .await?)
}

/// Whether the line is open and overdue for follow-up on `today` (the Rust form of
/// [`overdue_condition`]).
pub fn is_overdue(line: &ledger_entry::Model, today: NaiveDate) -> bool {
    line.closed_at.is_none() && line.follow_up_due_on.is_none_or(|d| d <= today)
}

/// The SQL condition of an open line overdue for follow-up on `today`.
pub fn overdue_condition(today: NaiveDate) -> Condition {
    Condition::all().add(ledger_entry::Column::ClosedAt.is_null()).add(
        Condition::any()
            .add(ledger_entry::Column::FollowUpDueOn.is_null())
            .add(ledger_entry::Column::FollowUpDueOn.lte(today)),
    )
}

/// How many open lines (of one intake year, or all) are overdue for follow-up on `today`.
pub async fn overdue_count(
    db: &impl ConnectionTrait,
    intake_year: Option<i32>,
    today: NaiveDate,
) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait;
    let mut q = ledger_entry::Entity::find().filter(overdue_condition(today));
    if let Some(y) = intake_year {
        q = q.filter(ledger_entry::Column::IntakeYear.eq(y));
    }
    Ok(q.count(db).await?)
}
