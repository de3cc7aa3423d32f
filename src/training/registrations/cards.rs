//! The public list of sessions: one card per session with its seats and waitlist.

use entity::registration::RegistrationStatus;
use entity::training_session::SessionStatus;
use entity::{course, registration, training_base, training_session, venue};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::clock::today;
use crate::error::AppError;

/// A session with what the public pages show.
#[derive(Debug, Clone, Serialize, poem_openapi::Object)]
pub struct SessionCard {
    pub id: i32,
    pub course_id: i32,
    pub course: String,
    pub skill_area: String,
    pub hours: i32,
    pub base: String,
    pub address: String,
    pub town: String,
    pub venue: String,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub capacity: i32,
    pub seats_left: i32,
    pub waitlisted: u64,
    pub status: String,
    /// Open, running, finished or cancelled today: only an open session shows `seats_left` to
    /// farmers and takes registrations and changes.
    pub phase: crate::training::phase::Phase,
}

/// Sessions with their course, base and venue, optionally only upcoming ones.
pub async fn session_cards(
    db: &impl ConnectionTrait,
    upcoming_only: bool,
    ids: Option<&[i32]>,
) -> Result<Vec<SessionCard>, AppError> {
    let mut q = training_session::Entity::find();
    if upcoming_only {
        q = q
            .filter(training_session::Column::Status.eq(SessionStatus::Scheduled))
            .filter(training_session::Column::StartsOn.gt(today()));
    }
    if let Some(ids) = ids {
        q = q.filter(training_session::Column::Id.is_in(ids.iter().copied()));
    }
    let sessions = q
        .order_by_asc(training_session::Column::StartsOn)
        .order_by_asc(training_session::Column::Id)
        .all(db)
        .await?;
    let courses: std::collections::HashMap<i32, course::Model> = course::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let venues: std::collections::HashMap<i32, venue::Model> = venue::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let bases: std::collections::HashMap<i32, training_base::Model> = training_base::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    // The waitlists of all these sessions in one query.
    let mut waiting: std::collections::HashMap<i32, u64> = std::collections::HashMap::new();
    if !sessions.is_empty() {
        let waitlisted: Vec<i32> = registration::Entity::find()
            .select_only()
            .column(registration::Column::SessionId)
            .filter(registration::Column::SessionId.is_in(sessions.iter().map(|s| s.id)))
            .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
            .into_tuple()
            .all(db)
            .await?;
        for id in waitlisted {
            *waiting.entry(id).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for s in sessions {
        let (Some(c), Some(v)) = (courses.get(&s.course_id), venues.get(&s.venue_id)) else {
            continue;
        };
        let Some(b) = bases.get(&v.base_id) else { continue };
        let waitlisted = waiting.get(&s.id).copied().unwrap_or(0);
        out.push(SessionCard {
            id: s.id,
            course_id: c.id,
            course: c.title.clone(),
            skill_area: c.skill_area.clone(),
            hours: c.hours,
            base: b.name.clone(),
            address: b.address.clone(),
            town: b.town.clone(),
            venue: v.name.clone(),
            starts_on: s.starts_on,
            ends_on: s.ends_on,
            capacity: s.capacity,
            seats_left: Ord::max(s.capacity - s.confirmed, 0),
            waitlisted,
            phase: crate::training::phase::Phase::of(s.status, s.starts_on, s.ends_on, today()),
            status: s.status.to_string(),
        });
    }
    Ok(out)
}
