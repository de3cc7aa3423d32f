//! Writing a planned import: new and changed households and students, archive entries for
//! changes, and choices from the 志愿 column. Runs inside the commit's transaction.

use std::collections::HashMap;

use chrono::Utc;
use entity::{archive_entry, household, preference, programme, student};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

use super::plan::{Action, Plan};
use super::{CommitOptions, register};
use crate::audit::Actor;
use crate::crypto::IdVault;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::student::register::{RegisterRow, RowError};
use crate::student::timeline::{self, EntryDetails};

/// Drops rows whose 志愿 name a programme code that does not exist in their graduation year,
/// reporting each as a bad row (a row is written whole or not at all).
pub(super) async fn check_preferences(
    db: &impl ConnectionTrait,
    rows: Vec<RegisterRow>,
    errors: &mut Vec<RowError>,
) -> Result<Vec<RegisterRow>, AppError> {
    if rows.iter().all(|r| r.preferences.is_empty()) {
        return Ok(rows);
    }
    let codes: std::collections::HashSet<(i32, String)> = programme::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.intake_year, p.code))
        .collect();
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        match row
            .preferences
            .iter()
            .find(|c| !codes.contains(&(row.graduation_year, (*c).clone())))
        {
            None => kept.push(row),
            Some(code) => errors.push(RowError {
                line: row.line,
                column: register::header_of(register::Column::Preferences).to_string(),
                msg: Msg::new("student.preferences_unknown")
                    .arg("code", code)
                    .arg("year", row.graduation_year),
            }),
        }
    }
    errors.sort_by_key(|e| e.line);
    Ok(kept)
}

/// Sets the choices of every row that lists some (confirmed: they come from the register), when
/// they differ from the stored ones.
pub(super) async fn apply_preferences(
    txn: &impl ConnectionTrait,
    vault: &IdVault,
    rows: &[RegisterRow],
) -> Result<(), AppError> {
    let with: Vec<&RegisterRow> = rows.iter().filter(|r| !r.preferences.is_empty()).collect();
    if with.is_empty() {
        return Ok(());
    }
    let programmes: HashMap<(i32, String), i32> = programme::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| ((p.intake_year, p.code), p.id))
        .collect();
    let students: HashMap<String, i32> = student::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.national_id_hash, s.id))
        .collect();
    let mut current: HashMap<i32, Vec<i32>> = HashMap::new();
    for p in preference::Entity::find()
        .order_by_asc(preference::Column::Rank)
        .all(txn)
        .await?
    {
        current.entry(p.student_id).or_default().push(p.programme_id);
    }
    let now = Utc::now();
    let mut inserts = Vec::new();
    let mut replaced = Vec::new();
    for row in with {
        let Some(&sid) = students.get(&vault.lookup_hash(row.national_id.as_str())) else {
            continue;
        };
        let wanted: Vec<i32> = row
            .preferences
            .iter()
            .filter_map(|c| programmes.get(&(row.graduation_year, c.clone())).copied())
            .collect();
        if current.get(&sid) == Some(&wanted) {
            continue;
        }
        replaced.push(sid);
        for (rank, pid) in wanted.into_iter().enumerate() {
            inserts.push(preference::ActiveModel {
                student_id: Set(sid),
                programme_id: Set(pid),
                rank: Set(rank as i32 + 1),
                confirmed: Set(true),
                created_at: Set(now),
                ..Default::default()
            });
        }
    }
    for chunk in replaced.chunks(500) {
        preference::Entity::delete_many()
            .filter(preference::Column::StudentId.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
    }
    for chunk in inserts.chunks(400) {
        preference::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    Ok(())
}

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK: usize = 400;

pub(super) async fn apply(
    txn: &impl ConnectionTrait,
    vault: &IdVault,
    actor: &Actor,
    plan: &Plan<'_>,
    options: CommitOptions,
) -> Result<(), AppError> {
    let now = Utc::now();
    let today = now.date_naive();
    let household_ids = write_households(txn, plan, now).await?;
    let household_id = |number: &str| {
        household_ids
            .get(number)
            .copied()
            .ok_or_else(|| AppError::internal(format!("household {number} vanished")))
    };
    let mut new_students = Vec::new();
    for (row, hash, action) in &plan.students {
        if matches!(action, Action::New) {
            new_students.push(new_student(
                row,
                hash,
                vault,
                household_id(row.household_number.as_str())?,
                today,
            )?);
        }
    }
    let progress = options.progress.as_deref();
    let changed_count = plan
        .students
        .iter()
        .filter(|(_, _, a)| matches!(a, Action::Changed(..)))
        .count();
    if let Some(p) = progress {
        p.set_total(new_students.len() + changed_count);
    }
    insert_new_students(txn, &new_students, &options).await?;
    let mut change_entries = Vec::new();
    let mut changed_ids = Vec::new();
    for (row, _, action) in &plan.students {
        if let Action::Changed(s, changes) = action {
            let updated = update_student(txn, s, row, household_id(row.household_number.as_str())?).await?;
            let details = EntryDetails::RecordChange {
                source: "import".into(),
                changes: changes.clone(),
            };
            change_entries.push(crate::student::students::new_entry(s.id, today, &details, None, actor)?);
            changed_ids.push(updated.id);
            if let Some(p) = progress {
                p.add(1);
            }
        }
    }
    for chunk in change_entries.chunks(CHUNK) {
        archive_entry::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    crate::student::students::refresh_statuses_of(txn, &changed_ids, today).await?;
    Ok(())
}

/// Inserts the new households and updates the changed ones; returns every household's id by its
/// registration number.
async fn write_households(
    txn: &impl ConnectionTrait,
    plan: &Plan<'_>,
    now: chrono::DateTime<Utc>,
) -> Result<HashMap<String, i32>, AppError> {
    let new_households: Vec<household::ActiveModel> = plan
        .households
        .iter()
        .filter(|(_, a)| matches!(a, Action::New))
        .map(|(v, _)| household::ActiveModel {
            registration_number: Set(v.number.clone()),
            town: Set(v.town.clone()),
            village: Set(v.village.clone()),
            head_of_household: Set(v.head.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in new_households.chunks(CHUNK) {
        household::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    for (v, action) in &plan.households {
        if let Action::Changed(h, _) = action {
            let mut m = h.clone().into_active_model();
            m.town = Set(v.town.clone());
            m.village = Set(v.village.clone());
            if !v.head.is_empty() {
                m.head_of_household = Set(v.head.clone());
            }
            m.updated_at = Set(now);
            m.update(txn).await?;
        }
    }
    Ok(household::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|h| (h.registration_number, h.id))
        .collect())
}

/// Inserts the new students in multi-row statements, counting progress (and failing on purpose
/// where a test asks it to).
async fn insert_new_students(
    txn: &impl ConnectionTrait,
    new_students: &[student::ActiveModel],
    options: &CommitOptions,
) -> Result<(), AppError> {
    let mut written = 0;
    for chunk in new_students.chunks(CHUNK) {
        student::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
        written += chunk.len();
        if let Some(p) = options.progress.as_deref() {
            p.add(chunk.len());
        }
        if options.fail_after_new_students.is_some_and(|n| written >= n) {
            return Err(AppError::internal("injected failure during import"));
        }
    }
    Ok(())
}

fn new_student(
    row: &RegisterRow,
    hash: &str,
    vault: &IdVault,
    household_id: i32,
    today: chrono::NaiveDate,
) -> Result<student::ActiveModel, AppError> {
    let now = Utc::now();
    let status = timeline::current_status(row.graduation_year, row.senior_high_status, &[], today);
    Ok(student::ActiveModel {
        household_id: Set(household_id),
        name: Set(row.name.as_str().to_string()),
        sex: Set(row.sex.unwrap_or_else(|| row.national_id.sex())),
        national_id_enc: Set(vault.encrypt(row.national_id.as_str())?),
        national_id_hash: Set(hash.to_string()),
        national_id_masked: Set(row.national_id.masked()),
        birth_date: Set(row.birth_date),
        phone: Set(row.phone.as_ref().map(|p| p.as_str().to_string())),
        guardian: Set(row.guardian.clone()),
        junior_high_school: Set(row.junior_high_school.clone()),
        graduation_year: Set(row.graduation_year),
        exam_score: Set(row.exam_score),
        senior_high_status: Set(row.senior_high_status),
        disability: Set(row.disability),
        intended_skill: Set(row.intended_skill.clone()),
        current_status: Set(status.code()),
        current_programme: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
}

async fn update_student(
    txn: &impl ConnectionTrait,
    s: &student::Model,
    row: &RegisterRow,
    household_id: i32,
) -> Result<student::Model, AppError> {
    let mut m = s.clone().into_active_model();
    m.household_id = Set(household_id);
    m.name = Set(row.name.as_str().to_string());
    m.sex = Set(row.sex.unwrap_or_else(|| row.national_id.sex()));
    m.birth_date = Set(row.birth_date);
    m.phone = Set(row.phone.as_ref().map(|p| p.as_str().to_string()));
    m.guardian = Set(row.guardian.clone());
    m.junior_high_school = Set(row.junior_high_school.clone());
    m.graduation_year = Set(row.graduation_year);
    m.exam_score = Set(row.exam_score);
    m.senior_high_status = Set(row.senior_high_status);
    m.disability = Set(row.disability);
    m.intended_skill = Set(row.intended_skill.clone());
    m.updated_at = Set(Utc::now());
    let updated = m.update(txn).await?;
    Ok(updated)
}
