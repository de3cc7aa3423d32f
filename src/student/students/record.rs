//! A student's record as pages and the API show it: the archive rows, their typed domain form,
//! who recorded them, and the derived status and follow-up waves. Reads only. A stored entry whose
//! JSON does not parse is an internal error naming the entry, never shown as empty.

use chrono::{NaiveDate, Utc};
use entity::archive_entry::EntryKind;
use entity::{archive_entry, household, student, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
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

/// Turns stored rows into domain entries; a row whose JSON no longer parses is an internal error.
pub fn to_domain<'a>(rows: impl IntoIterator<Item = &'a archive_entry::Model>) -> Result<Vec<Entry>, AppError> {
    rows.into_iter()
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

/// An archive row with the name of the account that recorded it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct RecordedEntry {
    #[sea_orm(nested)]
    pub entry: archive_entry::Model,
    /// The recording account's name; none for the system, an import, or an account since removed.
    pub recorder_name: Option<String>,
}

impl RecordedEntry {
    /// Who recorded the entry, by name: the account's name, or the label kept with the entry (the
    /// system, an import, or an account that no longer exists).
    pub fn recorder(&self) -> String {
        self.recorder_name
            .clone()
            .unwrap_or_else(|| self.entry.recorded_by_label.clone())
    }
}

/// The archive rows of a student, oldest first, each with the name of who recorded it: one query
/// with the accounts joined (the names were a second query, one more round trip for every student
/// page).
pub async fn recorded_entries(db: &impl ConnectionTrait, student_id: i32) -> Result<Vec<RecordedEntry>, AppError> {
    let recorded_by: sea_orm::RelationDef = archive_entry::Entity::belongs_to(user::Entity)
        .from(archive_entry::Column::RecordedBy)
        .to(user::Column::Id)
        .into();
    Ok(archive_entry::Entity::find()
        .join(sea_orm::JoinType::LeftJoin, recorded_by)
        .column_as(user::Column::Name, "recorder_name")
        .filter(archive_entry::Column::StudentId.eq(student_id))
        .order_by_asc(archive_entry::Column::OccurredOn)
        .order_by_asc(archive_entry::Column::Id)
        .into_model::<RecordedEntry>()
        .all(db)
        .await?)
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
    let rows = recorded_entries(db, id).await?;
    let domain = to_domain(rows.iter().map(|r| &r.entry))?;
    let status = timeline::current_status(s.graduation_year, s.senior_high_status, &domain, today);
    let waves = timeline::follow_up_waves(&domain, today);
    let superseded_by: std::collections::HashMap<i64, i64> = rows
        .iter()
        .filter_map(|r| r.entry.supersedes_id.map(|old| (old, r.entry.id)))
        .collect();
    let entries = rows
        .into_iter()
        .map(|r| {
            let recorded_by = r.recorder();
            let r = r.entry;
            let details = serde_json::from_str(&r.details)
                .map_err(|e| AppError::internal_from(format!("archive entry {} of student {id}: details", r.id), e))?;
            Ok(EntryView {
                id: r.id,
                superseded_by: superseded_by.get(&r.id).copied(),
                details,
                kind: r.kind,
                occurred_on: r.occurred_on,
                supersedes_id: r.supersedes_id,
                recorded_by,
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
