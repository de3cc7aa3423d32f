//! A student's record as pages and the API show it: the archive rows, their typed domain form,
//! who recorded them, and the derived status and follow-up waves. Reads only. A stored entry whose
//! JSON does not parse is an internal error naming the entry, never shown as empty.

use chrono::{NaiveDate, Utc};
use entity::archive_entry::EntryKind;
use entity::{archive_entry, household, student};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::student::timeline::{self, CurrentStatus, Entry, EntryDetails, Wave};

/// A student's whole record as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct StudentRecord {
    #[serde(skip)]
    pub student: student::Model,
    pub household: household::Model,
    pub entries: Vec<EntryView>,
    pub status: CurrentStatus,
    pub waves: Vec<Wave>,
}

/// An archive entry with what the timeline needs to show it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub id: i64,
    pub kind: EntryKind,
    pub occurred_on: NaiveDate,
    pub details: serde_json::Value,
    pub supersedes_id: Option<i64>,
    /// Set when a later entry corrects this one.
    pub superseded_by: Option<i64>,
    pub recorded_by: String,
    pub created_at: chrono::DateTime<Utc>,
}

impl EntryView {
    /// The entry as `me` may see it: phone numbers inside a record change are masked for roles
    /// that may not see them whole (as on the student's own card).
    pub fn for_viewer(mut self, me: &CurrentUser) -> EntryView {
        if let Some(changes) = self.details.get_mut("changes").and_then(|c| c.as_array_mut()) {
            for change in changes.iter_mut().filter(|c| c["field"] == "phone") {
                for side in ["from", "to"] {
                    let shown = me.phone_view(change[side].as_str().filter(|p| !p.is_empty()));
                    change[side] = serde_json::Value::String(shown.unwrap_or_default());
                }
            }
        }
        self
    }
}

/// The archive rows of a student, oldest first.
pub async fn entries_of(db: &impl ConnectionTrait, student_id: i32) -> Result<Vec<archive_entry::Model>, AppError> {
    Ok(archive_entry::Entity::find()
        .filter(archive_entry::Column::StudentId.eq(student_id))
        .order_by_asc(archive_entry::Column::OccurredOn)
        .order_by_asc(archive_entry::Column::Id)
        .all(db)
        .await?)
}

/// Turns stored rows into domain entries; a row whose JSON no longer parses is an internal error.
pub fn to_domain(rows: &[archive_entry::Model]) -> Result<Vec<Entry>, AppError> {
    rows.iter()
        .map(|r| {
            let details: EntryDetails = serde_json::from_str(&r.details)
                .map_err(|e| AppError::internal_from(format!("archive entry {} has unreadable details", r.id), e))?;
            Ok(Entry {
                id: r.id,
                occurred_on: r.occurred_on,
                details,
                supersedes: r.supersedes_id,
            })
        })
        .collect()
}

/// The names of the staff who recorded `rows` (user id → name), so the archive names people, not
/// ids or sign-in addresses.
pub async fn recorder_names(
    db: &impl ConnectionTrait,
    rows: &[archive_entry::Model],
) -> Result<std::collections::HashMap<i32, String>, AppError> {
    let mut ids: Vec<i32> = rows.iter().filter_map(|r| r.recorded_by).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(400) {
        for u in entity::user::Entity::find()
            .filter(entity::user::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            names.insert(u.id, u.name);
        }
    }
    Ok(names)
}

/// Who recorded an entry, by name: the account's name, or the label kept with the entry (the
/// system, an import, or an account that no longer exists).
pub fn recorder(names: &std::collections::HashMap<i32, String>, user: Option<i32>, label: String) -> String {
    user.and_then(|id| names.get(&id).cloned()).unwrap_or(label)
}

/// The full record of one student.
pub async fn student_record(db: &impl ConnectionTrait, id: i32, today: NaiveDate) -> Result<StudentRecord, AppError> {
    // One query for the student and the household (a join, not two round trips per page).
    let (s, h) = student::Entity::find_by_id(id)
        .join(sea_orm::JoinType::LeftJoin, super::household_of_student())
        .select_also(household::Entity)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("student"))?;
    let h = h.ok_or(AppError::NotFound("household"))?;
    let rows = entries_of(db, id).await?;
    let domain = to_domain(&rows)?;
    let status = timeline::current_status(s.graduation_year, s.senior_high_status, &domain, today);
    let waves = timeline::follow_up_waves(&domain, today);
    let superseded_by: std::collections::HashMap<i64, i64> = rows
        .iter()
        .filter_map(|r| r.supersedes_id.map(|old| (old, r.id)))
        .collect();
    let names = recorder_names(db, &rows).await?;
    let entries = rows
        .into_iter()
        .map(|r| {
            let details = serde_json::from_str(&r.details)
                .map_err(|e| AppError::internal_from(format!("archive entry {} of student {id}: details", r.id), e))?;
            Ok(EntryView {
                id: r.id,
                superseded_by: superseded_by.get(&r.id).copied(),
                details,
                kind: r.kind,
                occurred_on: r.occurred_on,
                supersedes_id: r.supersedes_id,
                recorded_by: recorder(&names, r.recorded_by, r.recorded_by_label),
                created_at: r.created_at,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(StudentRecord {
        student: s,
        household: h,
        entries,
        status,
        waves,
    })
}

#[cfg(test)]
mod tests {
    use entity::enums::Role;

    use super::*;

    fn someone(role: Role) -> CurrentUser {
        CurrentUser {
            id: 1,
            email: "a@b.cn".into(),
            name: "甲".into(),
            role,
            must_change_password: false,
        }
    }

    #[test]
    fn phone_numbers_in_a_record_change_are_masked_for_roles_that_may_not_see_them() {
        let entry = EntryView {
            id: 1,
            kind: EntryKind::RecordChange,
            occurred_on: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
            details: serde_json::json!({"kind": "record_change", "source": "import", "changes": [
                {"field": "phone", "from": "13800138000", "to": "13900139000"},
                {"field": "phone", "from": "", "to": "13700137000"},
                {"field": "guardian", "from": "王", "to": "李"},
            ]}),
            supersedes_id: None,
            superseded_by: None,
            recorded_by: "import".into(),
            created_at: Utc::now(),
        };
        let masked = entry.clone().for_viewer(&someone(Role::Viewer)).details.to_string();
        for full in ["13800138000", "13900139000", "13700137000"] {
            assert!(!masked.contains(full), "{masked}");
        }
        assert!(
            masked.contains("138****8000") && masked.contains("\"from\":\"\""),
            "{masked}"
        );
        assert!(masked.contains("\"to\":\"李\""));
        let whole = entry.for_viewer(&someone(Role::Admissions)).details.to_string();
        assert!(whole.contains("13800138000"));
    }
}
