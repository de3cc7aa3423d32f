//! Blackout periods: the form as typed, one typed input ([`NewBlackout`]) the form and the API build, its check, and recording one with its audit line and a new
//! evaluation of proposals. It must not schedule anything or read sessions.

use chrono::NaiveDate;
use entity::blackout;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde::{Deserialize, Serialize};

use super::{date, required};
use crate::audit::{Actor, Record};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

/// A blackout period, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct BlackoutForm {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// A checked blackout period: what [`create_blackout`] takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBlackout {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl NewBlackout {
    /// Checks a blackout as entered (from the form or the API): a name and two dates
    /// (`YYYY-MM-DD`), the end not before the start.
    pub fn check(name: &str, starts_on: &str, ends_on: &str) -> Result<NewBlackout, AppError> {
        let mut e = Vec::new();
        let name = required(&mut e, "name", name, 100);
        let from = date(&mut e, "starts_on", starts_on);
        let to = date(&mut e, "ends_on", ends_on);
        if let (Some(a), Some(b)) = (from, to)
            && b < a
        {
            e.push(FieldError::new("ends_on", Msg::new("error.ends_before_start")));
        }
        match (from, to) {
            (Some(starts_on), Some(ends_on)) if e.is_empty() => Ok(NewBlackout {
                name,
                starts_on,
                ends_on,
            }),
            _ => Err(AppError::Invalid(e)),
        }
    }
}

impl BlackoutForm {
    /// The form as a [`NewBlackout`].
    pub fn parse(&self) -> Result<NewBlackout, AppError> {
        NewBlackout::check(&self.name, &self.starts_on, &self.ends_on)
    }
}

pub async fn create_blackout(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewBlackout,
) -> Result<blackout::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let b = blackout::ActiveModel {
        name: Set(input.name),
        starts_on: Set(input.starts_on),
        ends_on: Set(input.ends_on),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let summary = format!("blackout {} {}..{}", b.name, b.starts_on, b.ends_on);
    super::finish(txn, actor, "training.blackout", Record::new("blackout", b.id), summary).await?;
    Ok(b)
}
