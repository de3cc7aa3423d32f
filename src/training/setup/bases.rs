//! Training bases: a new base with its venues as one typed input ([`NewBase`]), checked whole
//! (every bad field named) whether it comes from the set-up form ([`BaseForm`], venues as
//! `name: seats` lines) or from the API (venues as a list), and recording it with its audit line
//! and a new evaluation of proposals. It must not schedule anything or read sessions.

use chrono::Utc;
use entity::{training_base, venue};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde::{Deserialize, Serialize};

use super::{done, required};
use crate::audit::{Actor, Record};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

/// A base with its venues, as typed on the set-up form.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct BaseForm {
    pub school_id: Option<i32>,
    pub name: String,
    pub address: String,
    pub town: String,
    /// ISO weekdays it is open, e.g. `12345` (Monday to Friday) or `1234567`.
    pub open_days: String,
    /// One venue per line: `name: seats`, e.g. `实训大棚: 40`.
    pub venues: String,
}

/// One venue as entered: its name and seats when they could be read, and the entry as typed (for
/// the message when it is refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueEntry {
    pub name: String,
    pub seats: Option<i32>,
    pub typed: String,
}

impl VenueEntry {
    /// A venue given as a name and a seat count (the API). A name has no colon or line break
    /// (the form's separators): they read as spaces, as they always have.
    pub fn named(name: &str, seats: i32) -> VenueEntry {
        let name = name.replace([':', '：', '\n'], " ");
        VenueEntry {
            typed: format!("{name}: {seats}").trim().to_string(),
            name: name.trim().to_string(),
            seats: Some(seats),
        }
    }

    /// A venue line of the form, `name: seats` (either colon).
    fn line(line: &str) -> VenueEntry {
        let (name, seats) = match line.split_once([':', '：']) {
            Some((n, s)) => (n.trim().to_string(), s.trim().parse::<i32>().ok()),
            None => (String::new(), None),
        };
        VenueEntry {
            name,
            seats,
            typed: line.to_string(),
        }
    }
}

/// A base as entered, from the form or the API, before it is checked.
#[derive(Debug, Clone)]
pub struct BaseEntry<'a> {
    pub school_id: Option<i32>,
    pub name: &'a str,
    pub address: &'a str,
    pub town: &'a str,
    pub open_days: &'a str,
    pub venues: Vec<VenueEntry>,
}

/// A checked base: what [`create_base`] takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBase {
    pub school_id: Option<i32>,
    pub name: String,
    pub address: String,
    pub town: String,
    pub open_days: String,
    pub venues: Vec<(String, i32)>,
}

impl NewBase {
    /// Checks a base as entered: name, address and town given, opening days among 1–7, and at
    /// least one venue, each named with 1 to 2000 seats.
    pub fn check(entry: BaseEntry<'_>) -> Result<NewBase, AppError> {
        let mut e = Vec::new();
        let name = required(&mut e, "name", entry.name, 100);
        let address = required(&mut e, "address", entry.address, 200);
        let town = required(&mut e, "town", entry.town, 100);
        let mut days: Vec<char> = entry
            .open_days
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ',')
            .collect();
        days.sort_unstable();
        days.dedup();
        if days.is_empty() || days.iter().any(|c| !('1'..='7').contains(c)) {
            e.push(FieldError::new(
                "open_days",
                Msg::new("error.open_days").arg("value", entry.open_days.trim()),
            ));
        }
        let mut venues = Vec::new();
        for v in entry.venues {
            match v.seats {
                Some(s) if !v.name.is_empty() && (1..=2000).contains(&s) => venues.push((v.name, s)),
                _ => e.push(FieldError::new(
                    "venues",
                    Msg::new("error.venue_line").arg("line", v.typed),
                )),
            }
        }
        if venues.is_empty() && !e.iter().any(|f| f.field == "venues") {
            e.push(FieldError::new("venues", Msg::new("error.venues_required")));
        }
        done(e, || NewBase {
            school_id: entry.school_id,
            name,
            address,
            town,
            open_days: days.into_iter().collect(),
            venues,
        })
    }
}

impl BaseForm {
    /// The form as a [`NewBase`]: one venue per non-blank line.
    pub fn parse(&self) -> Result<NewBase, AppError> {
        NewBase::check(BaseEntry {
            school_id: self.school_id,
            name: &self.name,
            address: &self.address,
            town: &self.town,
            open_days: &self.open_days,
            venues: self
                .venues
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(VenueEntry::line)
                .collect(),
        })
    }
}

/// Creates a base with its venues.
pub async fn create_base(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewBase,
) -> Result<training_base::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(s) = input.school_id {
        crate::admissions::programmes::get_school(&txn, s)
            .await
            .map_err(|_| AppError::invalid("school_id", Msg::new("error.school_unknown").arg("id", s)))?;
    }
    let base = training_base::ActiveModel {
        school_id: Set(input.school_id),
        name: Set(input.name),
        address: Set(input.address),
        town: Set(input.town),
        open_days: Set(input.open_days),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (name, seats) in input.venues {
        venue::ActiveModel {
            base_id: Set(base.id),
            name: Set(name),
            seats: Set(seats),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let summary = format!("base {}", base.name);
    super::finish(
        txn,
        actor,
        "training.base",
        Record::new("training_base", base.id),
        summary,
    )
    .await?;
    Ok(base)
}
