//! Scheduling: a session is refused, with every reason, when it conflicts with anything — the venue or
//! the instructor already booked, a day the base is closed, a blackout period, a venue smaller than
//! the capacity, an instructor without the course's skill or away that day. [`conflicts`] is pure;
//! [`create_session`] and [`move_session`] load what it needs inside the write transaction (which
//! locks the venue and the instructor first, so two clerks cannot book them twice at once).
//!
//! Proposals from demand are chosen in `propose` and kept up to date in `proposals`; staff approve
//! ([`approve_proposal`]: the session is created through the same checks) or dismiss them here.

use chrono::{NaiveDate, Utc};
use entity::session_proposal::ProposalStatus;
use entity::training_session::SessionStatus;
use entity::{blackout, course, instructor, interest, session_proposal, training_base, training_session, venue};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::setup::decode_instructor;
use crate::audit::{self, Actor, Record};
use crate::clock::today;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

mod conflicts;

pub use conflicts::{World, conflicts};

/// Teaching hours in one training day.
pub const HOURS_PER_DAY: i32 = 6;
/// A session spans at most this many days.
pub const MAX_DAYS: i64 = 30;

/// A session as planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub course_id: i32,
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
}

impl From<&session_proposal::Model> for Plan {
    /// The session a proposal proposes.
    fn from(p: &session_proposal::Model) -> Plan {
        Plan {
            course_id: p.course_id,
            venue_id: p.venue_id,
            instructor_id: p.instructor_id,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            capacity: p.capacity,
        }
    }
}

impl Plan {
    /// The plan as the scheduled session it would become (numbered `id`), to check other plans
    /// against it.
    pub fn as_session(&self, id: i32) -> training_session::Model {
        training_session::Model {
            id,
            course_id: self.course_id,
            venue_id: self.venue_id,
            instructor_id: self.instructor_id,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            capacity: self.capacity,
            confirmed: 0,
            arrivals: 0,
            status: SessionStatus::Scheduled,
            created_by: String::new(),
            created_at: Utc::now(),
        }
    }
}

/// Loads everything [`conflicts`] needs for `plan` and checks it. Unknown course, venue or instructor
/// are reported on their fields.
async fn check(
    conn: &impl ConnectionTrait,
    plan: &Plan,
    exclude: Option<i32>,
    today: NaiveDate,
) -> Result<(), AppError> {
    let course = course::Entity::find_by_id(plan.course_id).one(conn).await?;
    let venue = venue::Entity::find_by_id(plan.venue_id).one(conn).await?;
    let instructor = instructor::Entity::find_by_id(plan.instructor_id).one(conn).await?;
    let mut missing = Vec::new();
    if course.is_none() {
        missing.push(FieldError::new("course_id", Msg::new("error.unknown_choice")));
    }
    if venue.is_none() {
        missing.push(FieldError::new("venue_id", Msg::new("error.unknown_choice")));
    }
    if instructor.is_none() {
        missing.push(FieldError::new("instructor_id", Msg::new("error.unknown_choice")));
    }
    let (Some(course), Some(venue), Some(instructor)) = (course, venue, instructor) else {
        return Err(AppError::Invalid(missing));
    };
    let base = training_base::Entity::find_by_id(venue.base_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("training base"))?;
    let (skills, away) = decode_instructor(&instructor)?;
    let blackouts = blackout::Entity::find().all(conn).await?;
    let mut q = training_session::Entity::find()
        .filter(training_session::Column::Status.eq(SessionStatus::Scheduled))
        .filter(training_session::Column::StartsOn.lte(plan.ends_on))
        .filter(training_session::Column::EndsOn.gte(plan.starts_on));
    if let Some(id) = exclude {
        q = q.filter(training_session::Column::Id.ne(id));
    }
    let sessions = q.all(conn).await?;
    let world = World {
        course: &course,
        venue: &venue,
        base: &base,
        instructor: &instructor,
        instructor_skills: &skills,
        instructor_away: &away,
        blackouts: &blackouts,
        sessions: &sessions,
    };
    let e = conflicts(&world, plan, today);
    if e.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(e))
    }
}

/// A session by id; `NotFound` when there is none.
pub async fn get_session(conn: &impl ConnectionTrait, id: i32) -> Result<training_session::Model, AppError> {
    training_session::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("training session"))
}

/// Takes the venue's and the instructor's row locks (PostgreSQL; SQLite's write transaction already
/// excludes other writers), so concurrent bookings of either are checked one after the other.
async fn lock_resources(conn: &impl ConnectionTrait, plan: &Plan) -> Result<(), AppError> {
    venue::Entity::update_many()
        .col_expr(venue::Column::Seats, Expr::col(venue::Column::Seats))
        .filter(venue::Column::Id.eq(plan.venue_id))
        .exec(conn)
        .await?;
    instructor::Entity::update_many()
        .col_expr(instructor::Column::Name, Expr::col(instructor::Column::Name))
        .filter(instructor::Column::Id.eq(plan.instructor_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Creates a session after every check; proposals are evaluated again.
pub async fn create_session(
    db: &DatabaseConnection,
    actor: &Actor,
    plan: Plan,
) -> Result<training_session::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let s = create_session_in(&txn, actor, plan).await?;
    // The session may take days an open proposal counted on.
    super::proposals::reevaluate(&txn, super::proposals::Scope::All).await?;
    txn.commit().await?;
    Ok(s)
}

/// [`create_session`] inside the caller's write transaction.
async fn create_session_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    plan: Plan,
) -> Result<training_session::Model, AppError> {
    lock_resources(txn, &plan).await?;
    check(txn, &plan, None, today()).await?;
    let s = training_session::ActiveModel {
        course_id: Set(plan.course_id),
        venue_id: Set(plan.venue_id),
        instructor_id: Set(plan.instructor_id),
        starts_on: Set(plan.starts_on),
        ends_on: Set(plan.ends_on),
        capacity: Set(plan.capacity),
        confirmed: Set(0),
        arrivals: Set(0),
        status: Set(SessionStatus::Scheduled),
        created_by: Set(actor.label.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        actor,
        "training.session",
        Record::new("training_session", s.id),
        format!("session of course #{} {}..{}", s.course_id, s.starts_on, s.ends_on),
    )
    .await?;
    Ok(s)
}

/// Moves a session (dates, venue, instructor) after the same checks, and tells its farmers;
/// proposals are evaluated again.
pub async fn move_session(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    venue_id: i32,
    instructor_id: i32,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<training_session::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let current = training_session::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("training session"))?;
    if current.status != SessionStatus::Scheduled {
        return Err(AppError::Conflict(Msg::new("error.session_cancelled")));
    }
    if current.starts_on <= today() {
        return Err(AppError::Conflict(Msg::new("error.session_started")));
    }
    let plan = Plan {
        course_id: current.course_id,
        venue_id,
        instructor_id,
        starts_on,
        ends_on,
        capacity: current.capacity,
    };
    lock_resources(&txn, &plan).await?;
    check(&txn, &plan, Some(id), today()).await?;
    training_session::Entity::update_many()
        .col_expr(training_session::Column::VenueId, Expr::value(venue_id))
        .col_expr(training_session::Column::InstructorId, Expr::value(instructor_id))
        .col_expr(training_session::Column::StartsOn, Expr::value(starts_on))
        .col_expr(training_session::Column::EndsOn, Expr::value(ends_on))
        .filter(training_session::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let moved = training_session::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("training session"))?;
    super::registrations::notify_all(&txn, &moved, "moved").await?;
    audit::record(
        &txn,
        actor,
        "training.move",
        Record::new("training_session", id),
        format!(
            "moved from {}..{} to {}..{}",
            current.starts_on, current.ends_on, starts_on, ends_on
        ),
    )
    .await?;
    // The old days are free again, the new ones taken.
    super::proposals::reevaluate(&txn, super::proposals::Scope::All).await?;
    txn.commit().await?;
    Ok(moved)
}

/// Staff approve a proposal: the session is created (checked again: things may have changed) and
/// the interested farmers are invited by text message.
pub async fn approve_proposal(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> Result<training_session::Model, AppError> {
    // One transaction: the proposal decided, the session created and the farmers invited, or nothing.
    let txn = crate::db::begin_write(db).await?;
    let p = session_proposal::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("proposal"))?;
    decide(&txn, id, ProposalStatus::Approved).await?;
    let session = create_session_in(&txn, actor, Plan::from(&p)).await?;
    session_proposal::Entity::update_many()
        .col_expr(session_proposal::Column::SessionId, Expr::value(session.id))
        .filter(session_proposal::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let invited = interest::Entity::find()
        .filter(interest::Column::ProposalId.eq(id))
        .all(&txn)
        .await?;
    let course = course::Entity::find_by_id(p.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    for i in &invited {
        // Nothing the farmer typed (the name) goes into a text to the number they typed.
        crate::outbox::enqueue(&txn, super::registrations::interest_invite(i, &session, &course)).await?;
    }
    interest::Entity::update_many()
        .col_expr(interest::Column::InvitedSessionId, Expr::value(session.id))
        .filter(interest::Column::ProposalId.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "training.approve",
        Record::new("session_proposal", id),
        format!("approved as session #{}; {} farmers invited", session.id, invited.len()),
    )
    .await?;
    // Farmers who registered interest while the proposal was open may now make the next one.
    super::proposals::reevaluate(&txn, super::proposals::Scope::Course(p.course_id)).await?;
    txn.commit().await?;
    Ok(session)
}

/// Staff dismiss a proposal; its farmers wait for the next one, which is not made automatically
/// until more farmers register interest (or staff ask for it: `proposals::propose_now`).
pub async fn dismiss_proposal(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    decide(&txn, id, ProposalStatus::Dismissed).await?;
    interest::Entity::update_many()
        .col_expr(interest::Column::ProposalId, Expr::value(Option::<i32>::None))
        .filter(interest::Column::ProposalId.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "training.dismiss",
        Record::new("session_proposal", id),
        "proposal dismissed",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Moves a proposal still `proposed` to `to` (approved or dismissed); a proposal someone else
/// decided first is a conflict, so two staff deciding at once never both act on it.
async fn decide(txn: &impl ConnectionTrait, id: i32, to: ProposalStatus) -> Result<(), AppError> {
    let done = session_proposal::Entity::update_many()
        .col_expr(session_proposal::Column::Status, Expr::value(to.as_str()))
        .filter(session_proposal::Column::Id.eq(id))
        .filter(session_proposal::Column::Status.eq(ProposalStatus::Proposed))
        .exec(txn)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("error.proposal_decided")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    struct Fixture {
        course: course::Model,
        venue: venue::Model,
        base: training_base::Model,
        instructor: instructor::Model,
        blackouts: Vec<blackout::Model>,
        sessions: Vec<training_session::Model>,
        skills: Vec<String>,
        away: Vec<NaiveDate>,
    }

    fn fixture() -> Fixture {
        let now = Utc::now();
        Fixture {
            course: course::Model {
                id: 1,
                title: "设施蔬菜种植".into(),
                skill_area: "设施蔬菜".into(),
                hours: 24,
                min_cohort: 10,
                max_cohort: 40,
                household_first: true,
                description: String::new(),
                completion_share: 80,
                created_at: now,
            },
            venue: venue::Model {
                id: 1,
                base_id: 1,
                name: "大棚实训室".into(),
                seats: 30,
            },
            base: training_base::Model {
                id: 1,
                school_id: None,
                name: "米河基地".into(),
                address: "米河镇".into(),
                town: "米河镇".into(),
                open_days: "12345".into(),
                created_at: now,
            },
            instructor: instructor::Model {
                id: 1,
                name: "刘师傅".into(),
                phone: None,
                skills: "[]".into(),
                unavailable: "[]".into(),
                created_at: now,
            },
            blackouts: vec![blackout::Model {
                id: 1,
                name: "三夏麦收".into(),
                starts_on: d("2027-05-25"),
                ends_on: d("2027-06-15"),
            }],
            sessions: vec![training_session::Model {
                id: 9,
                course_id: 2,
                venue_id: 1,
                instructor_id: 2,
                starts_on: d("2027-03-08"),
                ends_on: d("2027-03-09"),
                capacity: 20,
                confirmed: 0,
                arrivals: 0,
                status: SessionStatus::Scheduled,
                created_by: String::new(),
                created_at: now,
            }],
            skills: vec!["设施蔬菜".into()],
            away: vec![d("2027-03-17")],
        }
    }

    fn check(f: &Fixture, plan: Plan) -> Vec<String> {
        let w = World {
            course: &f.course,
            venue: &f.venue,
            base: &f.base,
            instructor: &f.instructor,
            instructor_skills: &f.skills,
            instructor_away: &f.away,
            blackouts: &f.blackouts,
            sessions: &f.sessions,
        };
        conflicts(&w, &plan, d("2027-01-10"))
            .into_iter()
            .map(|e| format!("{}:{}", e.field, e.msg.key))
            .collect()
    }

    fn plan(from: &str, to: &str) -> Plan {
        Plan {
            course_id: 1,
            venue_id: 1,
            instructor_id: 1,
            starts_on: d(from),
            ends_on: d(to),
            capacity: 30,
        }
    }

    #[test]
    fn a_plan_without_conflicts_passes() {
        assert!(check(&fixture(), plan("2027-03-01", "2027-03-03")).is_empty());
    }

    #[test]
    fn every_conflict_rule_is_named_on_its_field() {
        let f = fixture();
        assert_eq!(
            check(&f, plan("2027-03-08", "2027-03-08")),
            ["venue_id:error.venue_booked"]
        );
        let mut other_venue = plan("2027-03-09", "2027-03-09");
        other_venue.instructor_id = 2;
        other_venue.venue_id = 2;
        assert_eq!(check(&f, other_venue), ["instructor_id:error.instructor_booked"]);
        assert_eq!(
            check(&f, plan("2027-03-06", "2027-03-06")),
            ["starts_on:error.base_closed"],
            "a Saturday"
        );
        assert_eq!(
            check(&f, plan("2027-06-01", "2027-06-02")),
            ["starts_on:error.blackout"]
        );
        let mut big = plan("2027-03-01", "2027-03-01");
        big.capacity = 35;
        assert_eq!(check(&f, big), ["capacity:error.venue_too_small"]);
        assert_eq!(
            check(&f, plan("2027-03-17", "2027-03-17")),
            ["instructor_id:error.instructor_away"]
        );
        assert_eq!(
            check(&f, plan("2027-01-05", "2027-01-05")),
            ["starts_on:error.session_not_future"]
        );
        assert_eq!(
            check(&f, plan("2027-03-03", "2027-03-01")),
            ["ends_on:error.ends_before_start"]
        );
        let mut no_skill = f;
        no_skill.skills = vec!["电工".into()];
        assert_eq!(
            check(&no_skill, plan("2027-03-01", "2027-03-01")),
            ["instructor_id:error.instructor_skill"]
        );
    }

    #[test]
    fn a_cancelled_session_does_not_block_its_venue() {
        let mut f = fixture();
        f.sessions[0].status = SessionStatus::Cancelled;
        assert!(check(&f, plan("2027-03-08", "2027-03-08")).is_empty());
    }
}
