//! Employment follow-up waves across all graduates: what is due and overdue, per school.

use chrono::NaiveDate;
use entity::{archive_entry, student};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::students::to_domain;
use super::timeline::{self, EntryDetails};
use crate::error::AppError;

/// One follow-up that needs doing.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DueFollowUp {
    pub student_id: i32,
    pub student_name: String,
    pub school: String,
    pub programme: String,
    pub months: u32,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// Open waves that are due (within their window) or overdue, optionally for one school, oldest first.
pub async fn due_follow_ups(
    db: &impl ConnectionTrait,
    school: Option<&str>,
    only_overdue: bool,
    today: NaiveDate,
) -> Result<Vec<DueFollowUp>, AppError> {
    let graduate_ids: Vec<i32> = archive_entry::Entity::find()
        .filter(archive_entry::Column::Kind.eq(archive_entry::EntryKind::Graduation))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.student_id)
        .collect();
    if graduate_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for ids in graduate_ids.chunks(500) {
        let entries = archive_entry::Entity::find()
            .filter(archive_entry::Column::StudentId.is_in(ids.to_vec()))
            .all(db)
            .await?;
        let students = student::Entity::find()
            .filter(student::Column::Id.is_in(ids.to_vec()))
            .all(db)
            .await?;
        for s in students {
            let rows: Vec<_> = entries.iter().filter(|e| e.student_id == s.id).cloned().collect();
            let domain = to_domain(&rows)?;
            let grad = timeline::effective(&domain)
                .into_iter()
                .rev()
                .find_map(|e| match &e.details {
                    EntryDetails::Graduation { school, programme } => Some((school.clone(), programme.clone())),
                    _ => None,
                });
            let Some((grad_school, programme)) = grad else { continue };
            if school.is_some_and(|wanted| !wanted.trim().is_empty() && wanted.trim() != grad_school) {
                continue;
            }
            for w in timeline::waves_due(&domain, today) {
                if only_overdue && !w.overdue {
                    continue;
                }
                out.push(DueFollowUp {
                    student_id: s.id,
                    student_name: s.name.clone(),
                    school: grad_school.clone(),
                    programme: programme.clone(),
                    months: w.months,
                    due_on: w.due_on,
                    overdue: w.overdue,
                });
            }
        }
    }
    out.sort_by_key(|d| (d.due_on, d.student_id, d.months));
    out.dedup();
    Ok(out)
}
