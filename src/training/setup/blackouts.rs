//! Blackout periods: the form as typed, its check, and recording one with its audit line and a new
//! evaluation of proposals. It must not schedule anything or read sessions.

use chrono::NaiveDate;
use entity::blackout;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde::{Deserialize, Serialize};

use super::{date, required};
use crate::audit::{self, Actor, Record};
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

impl BlackoutForm {
    pub fn parse(&self) -> Result<(String, NaiveDate, NaiveDate), AppError> {
        let mut e = Vec::new();
        let name = required(&mut e, "name", &self.name, 100);
        let from = date(&mut e, "starts_on", &self.starts_on);
        let to = date(&mut e, "ends_on", &self.ends_on);
        if let (Some(a), Some(b)) = (from, to)
            && b < a
        {
            e.push(FieldError::new("ends_on", Msg::new("error.ends_before_start")));
        }
        match (from, to) {
            (Some(a), Some(b)) if e.is_empty() => Ok((name, a, b)),
            _ => Err(AppError::Invalid(e)),
        }
    }
}

pub async fn create_blackout(
    db: &DatabaseConnection,
    actor: &Actor,
    (name, from, to): (String, NaiveDate, NaiveDate),
) -> Result<blackout::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let b = blackout::ActiveModel {
        name: Set(name),
        starts_on: Set(from),
        ends_on: Set(to),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "training.blackout",
        Record::new("blackout", b.id),
        format!("blackout {} {}..{}", b.name, b.starts_on, b.ends_on),
    )
    .await?;
    super::super::proposals::reevaluate(&txn, super::super::proposals::Scope::All).await?;
    txn.commit().await?;
    Ok(b)
}
