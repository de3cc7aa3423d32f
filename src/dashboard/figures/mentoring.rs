//! The mentors' loads and overdue contacts.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use super::{Filter, Load};
use crate::error::AppError;

/// Each mentor's mentees and overdue contacts (the school's mentors when one is selected), and the
/// overdue contacts in all.
pub(super) async fn loads(
    db: &impl ConnectionTrait,
    filter: Filter,
    schools: &HashMap<i32, String>,
    today: NaiveDate,
) -> Result<(Vec<Load>, usize), AppError> {
    let mentors = crate::mentor::assignments::active_mentors(db).await?;
    let loads_now = crate::mentor::assignments::loads(db).await?;
    let overdue = crate::mentor::sessions::overdue(db, today, None).await?;
    let mut overdue_by_mentor: HashMap<i32, usize> = HashMap::new();
    for o in &overdue {
        *overdue_by_mentor.entry(o.mentor_id).or_default() += 1;
    }
    let mut loads: Vec<Load> = mentors
        .values()
        .filter(|m| filter.school_id.is_none_or(|s| m.school_id == s))
        .map(|m| Load {
            mentor_id: m.id,
            name: m.name.clone(),
            school: schools.get(&m.school_id).cloned().unwrap_or_default(),
            mentees: loads_now.get(&m.id).map(|l| l.iter().sum()).unwrap_or(0),
            max: m.roles.iter().map(|(_, max)| max).sum(),
            overdue: overdue_by_mentor.get(&m.id).copied().unwrap_or(0),
        })
        .collect();
    loads.sort_by(|a, b| {
        b.mentees
            .cmp(&a.mentees)
            .then(a.name.cmp(&b.name))
            .then(a.mentor_id.cmp(&b.mentor_id))
    });
    let mentor_ids: HashSet<i32> = mentors
        .values()
        .filter(|m| filter.school_id.is_none_or(|s| m.school_id == s))
        .map(|m| m.id)
        .collect();
    let overdue_contacts = overdue.iter().filter(|o| mentor_ids.contains(&o.mentor_id)).count();
    Ok((loads, overdue_contacts))
}
