//! Matching a file's rows against the current data: which households and students are new,
//! changed (and how) or unchanged. No writes.

use std::collections::HashMap;

use entity::{household, preference, programme, student};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use super::{Counts, ImportReport, ReportError};
use crate::crypto::IdVault;
use crate::error::AppError;
use crate::student::register::{RegisterRow, RowError};
use crate::student::timeline::FieldChange;

/// The database's current households and students, keyed for matching.
pub(super) struct Existing {
    households: HashMap<String, household::Model>,
    /// Household id → registration number.
    numbers: HashMap<i32, String>,
    students: HashMap<String, student::Model>,
    /// Student id → the programme codes of their choices, in order.
    choices: HashMap<i32, Vec<String>>,
}

impl Existing {
    pub(super) async fn load(db: &impl ConnectionTrait) -> Result<Existing, AppError> {
        let households = household::Entity::find().all(db).await?;
        let students = student::Entity::find().all(db).await?;
        let codes: HashMap<i32, String> = programme::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.code))
            .collect();
        let mut choices: HashMap<i32, Vec<String>> = HashMap::new();
        for p in preference::Entity::find()
            .order_by_asc(preference::Column::Rank)
            .all(db)
            .await?
        {
            let code = codes.get(&p.programme_id).cloned().unwrap_or_default();
            choices.entry(p.student_id).or_default().push(code);
        }
        Ok(Existing {
            choices,
            numbers: households
                .iter()
                .map(|h| (h.id, h.registration_number.clone()))
                .collect(),
            households: households
                .into_iter()
                .map(|h| (h.registration_number.clone(), h))
                .collect(),
            students: students.into_iter().map(|s| (s.national_id_hash.clone(), s)).collect(),
        })
    }
}

/// Household values as a row states them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HouseholdValues {
    pub(super) number: String,
    pub(super) town: String,
    pub(super) village: String,
    pub(super) head: String,
}

pub(super) enum Action<T> {
    New,
    Changed(T, Vec<FieldChange>),
    Unchanged,
}

impl<T> Action<T> {
    fn code(&self) -> u8 {
        match self {
            Action::New => 0,
            Action::Changed(..) => 1,
            Action::Unchanged => 2,
        }
    }
}

/// What a commit would do; computed without I/O from the rows and the current data.
pub(super) struct Plan<'a> {
    pub(super) households: Vec<(HouseholdValues, Action<household::Model>)>,
    pub(super) students: Vec<(&'a RegisterRow, String, Action<student::Model>)>,
}

impl Plan<'_> {
    pub(super) fn report(&self, file_name: &str, rows: usize, errors: &[RowError], committed: bool) -> ImportReport {
        let count = |actions: &mut dyn Iterator<Item = u8>| {
            let mut c = Counts::default();
            for a in actions {
                match a {
                    0 => c.new += 1,
                    1 => c.changed += 1,
                    _ => c.unchanged += 1,
                }
            }
            c
        };
        ImportReport {
            file_name: file_name.to_string(),
            rows,
            students: count(&mut self.students.iter().map(|(_, _, a)| a.code())),
            households: count(&mut self.households.iter().map(|(_, a)| a.code())),
            errors: errors.iter().map(ReportError::from_row_error).collect(),
            committed,
        }
    }
}

pub(super) fn plan<'a>(rows: &'a [RegisterRow], existing: &Existing, vault: &IdVault) -> Plan<'a> {
    let mut households = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let number = row.household_number.as_str().to_string();
        if !seen.insert(number.clone()) {
            continue;
        }
        let values = HouseholdValues {
            town: row.town.clone(),
            village: row.village.clone(),
            head: row
                .head_of_household
                .as_ref()
                .map(|h| h.as_str().to_string())
                .unwrap_or_default(),
            number: number.clone(),
        };
        let action = match existing.households.get(&number) {
            None => Action::New,
            Some(h) => {
                let mut changes = Vec::new();
                diff(&mut changes, "town", &h.town, &values.town);
                diff(&mut changes, "village", &h.village, &values.village);
                if !values.head.is_empty() {
                    diff(&mut changes, "head_of_household", &h.head_of_household, &values.head);
                }
                if changes.is_empty() {
                    Action::Unchanged
                } else {
                    Action::Changed(h.clone(), changes)
                }
            }
        };
        households.push((values, action));
    }
    let students = rows
        .iter()
        .map(|row| {
            let hash = vault.lookup_hash(row.national_id.as_str());
            let action = match existing.students.get(&hash) {
                None => Action::New,
                Some(s) => {
                    let current_household = existing
                        .numbers
                        .get(&s.household_id)
                        .map(String::as_str)
                        .unwrap_or_default();
                    let mut changes = student_changes(s, current_household, row);
                    // A 志愿 column replaces the choices: a different list is a change too.
                    if !row.preferences.is_empty() {
                        let current = existing.choices.get(&s.id).map(|c| c.join(" ")).unwrap_or_default();
                        diff(&mut changes, "preferences", &current, &row.preferences.join(" "));
                    }
                    if changes.is_empty() {
                        Action::Unchanged
                    } else {
                        Action::Changed(s.clone(), changes)
                    }
                }
            };
            (row, hash, action)
        })
        .collect();
    Plan { households, students }
}

fn diff(changes: &mut Vec<FieldChange>, field: &str, from: &str, to: &str) {
    if from != to {
        changes.push(FieldChange {
            field: field.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        });
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn score(s: Option<f64>) -> String {
    s.map(|v| format!("{v}")).unwrap_or_default()
}

fn student_changes(s: &student::Model, household_number: &str, row: &RegisterRow) -> Vec<FieldChange> {
    let mut c = Vec::new();
    let sex = row.sex.unwrap_or_else(|| row.national_id.sex());
    diff(&mut c, "name", &s.name, row.name.as_str());
    diff(&mut c, "sex", s.sex.as_str(), sex.as_str());
    diff(
        &mut c,
        "birth_date",
        &s.birth_date.to_string(),
        &row.birth_date.to_string(),
    );
    diff(
        &mut c,
        "phone",
        &opt(&s.phone),
        &row.phone.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default(),
    );
    diff(&mut c, "guardian", &opt(&s.guardian), &opt(&row.guardian));
    diff(
        &mut c,
        "junior_high_school",
        &s.junior_high_school,
        &row.junior_high_school,
    );
    diff(
        &mut c,
        "graduation_year",
        &s.graduation_year.to_string(),
        &row.graduation_year.to_string(),
    );
    diff(&mut c, "exam_score", &score(s.exam_score), &score(row.exam_score));
    diff(
        &mut c,
        "senior_high_status",
        s.senior_high_status.as_str(),
        row.senior_high_status.as_str(),
    );
    diff(
        &mut c,
        "disability",
        &s.disability.to_string(),
        &row.disability.to_string(),
    );
    diff(
        &mut c,
        "intended_skill",
        &opt(&s.intended_skill),
        &opt(&row.intended_skill),
    );
    diff(
        &mut c,
        "household_number",
        household_number,
        row.household_number.as_str(),
    );
    c
}
