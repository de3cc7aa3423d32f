//! Registrations: the public form, the waitlist, cancellations, capacity changes, and the text
//! messages each of them sends; a farmer's training history (with hours attended and certificate).
//!
//! **Never overbooked.** Every change to who holds a place starts with an update of the session's
//! row (`arrivals = arrivals + 1`, or a no-op update): on PostgreSQL that takes the row lock, on
//! SQLite the write transaction (`BEGIN IMMEDIATE`) already excludes other writers. So the changes
//! to one session happen one after another, each sees the current `confirmed` count, and
//! `confirmed < capacity` decides between a place and the waitlist. `arrivals` numbers the
//! registrations in the order they took the lock: the waitlist's order (registered-household
//! farmers first when the course says so).

use chrono::{Duration, Utc};
use entity::{course, household, public_attempt, registration, training_base, training_session, venue};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Record};
use crate::clock::today;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::limits::PublicLimits;
use crate::student::ids::{HouseholdNumber, MobileNumber, PersonName};

/// A registration as typed on the public form.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RegistrationForm {
    pub name: String,
    pub phone: String,
    pub town: String,
    pub village: String,
    pub household_number: String,
}

/// A checked registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationInput {
    pub name: String,
    pub phone: String,
    pub town: String,
    pub village: String,
    pub household_number: Option<String>,
}

impl RegistrationForm {
    /// Checks every field at once.
    pub fn parse(&self) -> Result<RegistrationInput, AppError> {
        let mut e = Vec::new();
        let name = PersonName::parse(&self.name)
            .map(PersonName::into_inner)
            .map_err(|m| e.push(FieldError::new("name", m)))
            .unwrap_or_default();
        let phone = if self.phone.trim().is_empty() {
            e.push(FieldError::new("phone", Msg::new("error.field_required")));
            String::new()
        } else {
            MobileNumber::parse(&self.phone)
                .map(MobileNumber::into_inner)
                .map_err(|m| e.push(FieldError::new("phone", m)))
                .unwrap_or_default()
        };
        let mut place = |field: &str, v: &str| {
            let v = v.trim().to_string();
            if v.is_empty() {
                e.push(FieldError::new(field, Msg::new("error.field_required")));
            } else if v.chars().count() > 50 {
                e.push(FieldError::new(field, Msg::new("error.notes_too_long").arg("max", 50)));
            } else if v.chars().any(crate::student::ids::is_invisible) {
                e.push(FieldError::new(field, Msg::new("student.text_has_control")));
            }
            v
        };
        let town = place("town", &self.town);
        let village = place("village", &self.village);
        let household_number = match self.household_number.trim() {
            "" => None,
            h => HouseholdNumber::parse(h)
                .map(|n| Some(n.into_inner()))
                .map_err(|m| e.push(FieldError::new("household_number", m)))
                .unwrap_or_default(),
        };
        if e.is_empty() {
            Ok(RegistrationInput {
                name,
                phone,
                town,
                village,
                household_number,
            })
        } else {
            Err(AppError::Invalid(e))
        }
    }
}

/// Counts this attempt at `action`, then refuses with 429 when the address (an IPv6 client's
/// /64) or the phone is over its limit. The attempt is committed before counting (its own row included), so of concurrent
/// attempts at most the limit get through, on PostgreSQL too (a count-then-insert inside one READ
/// COMMITTED transaction would let them all pass). An attempt the caller then refuses (a wrong
/// code, a phone already registered) still counts, so codes cannot be guessed nor registrations
/// probed; one refused here removes its row again. Old attempts are forgotten after a day.
pub async fn rate_limit(
    db: &DatabaseConnection,
    limits: &PublicLimits,
    action: &str,
    client_ip: &str,
    phone: &str,
) -> Result<(), AppError> {
    let now = Utc::now();
    let row = public_attempt::ActiveModel {
        action: Set(action.to_string()),
        client_ip: Set(crate::client_addr::limit_key(client_ip).chars().take(64).collect()),
        phone: Set(phone.chars().take(20).collect()),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let since = now - Duration::minutes(limits.window_minutes);
    let recent = || public_attempt::Entity::find().filter(public_attempt::Column::At.gt(since));
    let phone_max = if action == "lookup" {
        limits.lookups_per_phone
    } else {
        limits.per_phone
    };
    let over = recent()
        .filter(public_attempt::Column::ClientIp.eq(row.client_ip.as_str()))
        .count(db)
        .await?
        > limits.per_address
        || recent()
            .filter(public_attempt::Column::Phone.eq(row.phone.as_str()))
            .filter(public_attempt::Column::Action.eq(action))
            .count(db)
            .await?
            > phone_max;
    if over {
        public_attempt::Entity::delete_by_id(row.id).exec(db).await?;
        return Err(AppError::TooManyRequests(
            Msg::new("error.too_many_attempts").arg("minutes", limits.window_minutes),
        ));
    }
    public_attempt::Entity::delete_many()
        .filter(public_attempt::Column::At.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}

/// A session with what the public pages show.
#[derive(Debug, Clone, Serialize)]
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
    pub phase: super::phase::Phase,
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
            .filter(training_session::Column::Status.eq("scheduled"))
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
            .filter(registration::Column::Status.eq("waitlisted"))
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
            phase: super::phase::Phase::of(&s.status, s.starts_on, s.ends_on, today()),
            status: s.status,
        });
    }
    Ok(out)
}

/// The outcome of a registration, as the farmer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    pub id: i32,
    pub session_id: i32,
    /// `confirmed` or `waitlisted`.
    pub status: String,
    /// Place on the waitlist (1 = next to be promoted), when waitlisted.
    pub position: Option<u64>,
    pub code: String,
}

const CODE_DIGITS: u32 = 8;

fn new_code() -> String {
    let n: u32 = rand::rng().random_range(0..10u32.pow(CODE_DIGITS));
    format!("{n:08}")
}

/// Takes the session's row lock and numbers this arrival; `None` when the session does not exist or
/// is not scheduled.
pub(super) async fn lock_session(
    conn: &impl ConnectionTrait,
    session_id: i32,
    count_arrival: bool,
) -> Result<Option<training_session::Model>, AppError> {
    let step = if count_arrival { 1 } else { 0 };
    let locked = training_session::Entity::update_many()
        .col_expr(
            training_session::Column::Arrivals,
            Expr::col(training_session::Column::Arrivals).add(step),
        )
        .filter(training_session::Column::Id.eq(session_id))
        .exec(conn)
        .await?;
    if locked.rows_affected == 0 {
        return Ok(None);
    }
    Ok(training_session::Entity::find_by_id(session_id).one(conn).await?)
}

/// Registers a farmer: a place while `confirmed < capacity`, else the waitlist. The same phone
/// cannot hold two places in one session (409 with a clear message). Rate-limited per client
/// address and per phone. Sends the confirmation or waitlist text.
pub async fn register(
    db: &DatabaseConnection,
    limits: &PublicLimits,
    session_id: i32,
    input: RegistrationInput,
    client_ip: &str,
) -> Result<Registered, AppError> {
    rate_limit(db, limits, "register", client_ip, &input.phone).await?;
    let txn = crate::db::begin_write(db).await?;
    let Some(session) = lock_session(&txn, session_id, true).await? else {
        return Err(AppError::NotFound("training session"));
    };
    if session.status != "scheduled" {
        return Err(AppError::Conflict(Msg::new("error.session_cancelled")));
    }
    if session.starts_on <= today() {
        return Err(AppError::Conflict(Msg::new("error.registration_closed")));
    }
    let duplicate = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .filter(registration::Column::Phone.eq(&input.phone))
        .filter(registration::Column::Active.is_not_null())
        .one(&txn)
        .await?;
    if let Some(d) = duplicate {
        let key = if d.status == "confirmed" {
            "error.phone_has_place"
        } else {
            "error.phone_on_waitlist"
        };
        return Err(AppError::Conflict(Msg::new(key)));
    }
    let course = course::Entity::find_by_id(session.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    let household = match &input.household_number {
        Some(n) => verified_household(&txn, n, &input.name, &input.phone).await?,
        None => None,
    };
    let priority = i32::from(course.household_first && household.is_some());
    let confirmed = session.confirmed < session.capacity;
    if confirmed {
        training_session::Entity::update_many()
            .col_expr(
                training_session::Column::Confirmed,
                Expr::col(training_session::Column::Confirmed).add(1),
            )
            .filter(training_session::Column::Id.eq(session_id))
            .exec(&txn)
            .await?;
    }
    let mut code = new_code();
    for _ in 0..5 {
        let taken = registration::Entity::find()
            .filter(registration::Column::Code.eq(&code))
            .count(&txn)
            .await?;
        if taken == 0 {
            break;
        }
        code = new_code();
    }
    let now = Utc::now();
    let row = registration::ActiveModel {
        session_id: Set(session_id),
        name: Set(input.name),
        phone: Set(input.phone),
        town: Set(input.town),
        village: Set(input.village),
        household_number: Set(input.household_number),
        household_id: Set(household.map(|h| h.id)),
        // No email from the public form: an address nobody confirmed must not receive our mail.
        email: Set(None),
        code: Set(code),
        status: Set(if confirmed { "confirmed" } else { "waitlisted" }.into()),
        arrival: Set(session.arrivals),
        priority: Set(priority),
        active: Set(Some(1)),
        created_at: Set(now),
        updated_at: Set(now),
        cancelled_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(Msg::new("error.phone_has_place")),
        _ => AppError::Db(e),
    })?;
    let position = if confirmed {
        None
    } else {
        Some(waitlist_position(&txn, &row).await?)
    };
    notify(
        &txn,
        &row,
        &session,
        &course,
        if confirmed { "confirmed" } else { "waitlisted" },
    )
    .await?;
    txn.commit().await?;
    Ok(Registered {
        id: row.id,
        session_id,
        status: row.status,
        position,
        code: row.code,
    })
}

/// The registered household a farmer belongs to: the number must exist and the farmer must be its
/// head or share a phone number with one of its students. Otherwise the number is kept as typed but
/// gives no priority and links nothing (anyone could type a neighbour's number).
async fn verified_household(
    conn: &impl ConnectionTrait,
    number: &str,
    name: &str,
    phone: &str,
) -> Result<Option<household::Model>, AppError> {
    let Some(h) = household::Entity::find()
        .filter(household::Column::RegistrationNumber.eq(number))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if h.head_of_household == name {
        return Ok(Some(h));
    }
    let same_phone = entity::student::Entity::find()
        .filter(entity::student::Column::HouseholdId.eq(h.id))
        .filter(entity::student::Column::Phone.eq(phone))
        .count(conn)
        .await?;
    Ok((same_phone > 0).then_some(h))
}

/// Place on the waitlist: 1 + those ahead (higher priority, or same priority and earlier arrival).
pub async fn waitlist_position(conn: &impl ConnectionTrait, r: &registration::Model) -> Result<u64, AppError> {
    let ahead = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(r.session_id))
        .filter(registration::Column::Status.eq("waitlisted"))
        .filter(
            registration::Column::Priority
                .gt(r.priority)
                .or(registration::Column::Priority
                    .eq(r.priority)
                    .and(registration::Column::Arrival.lt(r.arrival))),
        )
        .count(conn)
        .await?;
    Ok(ahead + 1)
}

/// A registration found by phone and code, for the farmer.
#[derive(Debug, Clone, Serialize)]
pub struct Lookup {
    pub registration: registration::Model,
    pub session: SessionCard,
    pub position: Option<u64>,
    /// Hours attended, once any day of it is recorded.
    pub hours_attended: Option<i32>,
    /// The certificate, valid or revoked.
    pub certificate: Option<entity::certificate::Model>,
}

/// Finds a registration by phone + code (both must match). Rate-limited per phone and address,
/// so codes cannot be guessed.
pub async fn lookup(
    db: &DatabaseConnection,
    limits: &PublicLimits,
    phone: &str,
    code: &str,
    client_ip: &str,
) -> Result<Lookup, AppError> {
    let phone = MobileNumber::parse(phone)
        .map_err(|m| AppError::invalid("phone", m))?
        .into_inner();
    rate_limit(db, limits, "lookup", client_ip, &phone).await?;
    let found = registration::Entity::find()
        .filter(registration::Column::Code.eq(code.trim()))
        .filter(registration::Column::Phone.eq(&phone))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("registration"))?;
    let session = session_cards(db, false, Some(&[found.session_id]))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("training session"))?;
    let position = if found.status == "waitlisted" {
        Some(waitlist_position(db, &found).await?)
    } else {
        None
    };
    let (hours_attended, certificate) = attendance_of(db, &[found.id]).await?;
    Ok(Lookup {
        hours_attended: hours_attended.get(&found.id).copied(),
        certificate: certificate.get(&found.id).cloned(),
        registration: found,
        session,
        position,
    })
}

/// Who cancels.
pub enum Canceller<'a> {
    /// The farmer, with phone and code.
    Farmer {
        phone: &'a str,
        code: &'a str,
        client_ip: &'a str,
        limits: &'a PublicLimits,
    },
    /// Staff, by registration id.
    Staff { actor: &'a Actor, id: i32 },
}

/// Cancels a registration; a freed place goes to the first on the waitlist, who is notified.
pub async fn cancel(db: &DatabaseConnection, who: Canceller<'_>) -> Result<registration::Model, AppError> {
    if let Canceller::Farmer {
        phone,
        client_ip,
        limits,
        ..
    } = &who
    {
        let phone = MobileNumber::parse(phone)
            .map_err(|m| AppError::invalid("phone", m))?
            .into_inner();
        rate_limit(db, limits, "lookup", client_ip, &phone).await?;
    }
    let txn = crate::db::begin_write(db).await?;
    let found = match &who {
        Canceller::Farmer { phone, code, .. } => {
            let phone = MobileNumber::parse(phone)
                .map_err(|m| AppError::invalid("phone", m))?
                .into_inner();
            registration::Entity::find()
                .filter(registration::Column::Code.eq(code.trim()))
                .filter(registration::Column::Phone.eq(&phone))
                .one(&txn)
                .await?
        }
        Canceller::Staff { id, .. } => registration::Entity::find_by_id(*id).one(&txn).await?,
    }
    .ok_or(AppError::NotFound("registration"))?;
    let Some(session) = lock_session(&txn, found.session_id, false).await? else {
        return Err(AppError::NotFound("training session"));
    };
    // Read again under the session's lock: a promotion may have changed it meanwhile.
    let found = registration::Entity::find_by_id(found.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("registration"))?;
    if found.active.is_none() {
        return Err(AppError::Conflict(Msg::new("error.already_cancelled")));
    }
    if matches!(who, Canceller::Farmer { .. }) && session.starts_on <= today() {
        return Err(AppError::Conflict(Msg::new("error.cancel_too_late")));
    }
    let label = match &who {
        Canceller::Farmer { .. } => "farmer".to_string(),
        Canceller::Staff { actor, .. } => actor.label.clone(),
    };
    let ended = registration::Entity::update_many()
        .col_expr(registration::Column::Status, Expr::value("cancelled"))
        .col_expr(registration::Column::Active, Expr::value(Option::<i32>::None))
        .col_expr(registration::Column::CancelledBy, Expr::value(label.clone()))
        .col_expr(registration::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(registration::Column::Id.eq(found.id))
        .filter(registration::Column::Active.is_not_null())
        .exec(&txn)
        .await?;
    if ended.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("error.already_cancelled")));
    }
    if found.status == "confirmed" {
        training_session::Entity::update_many()
            .col_expr(
                training_session::Column::Confirmed,
                Expr::col(training_session::Column::Confirmed).sub(1),
            )
            .filter(training_session::Column::Id.eq(session.id))
            .exec(&txn)
            .await?;
    }
    let course = course::Entity::find_by_id(session.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    if let Canceller::Staff { actor, .. } = &who {
        notify(&txn, &found, &session, &course, "cancelled_by_staff").await?;
        audit::record(
            &txn,
            actor,
            "training.cancel",
            Record::new("registration", found.id),
            format!("cancelled {} in session #{}", found.name, session.id),
        )
        .await?;
    } else {
        notify(&txn, &found, &session, &course, "cancelled").await?;
    }
    promote(&txn, session.id).await?;
    txn.commit().await?;
    registration::Entity::find_by_id(found.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("registration"))
}

/// Fills free places from the waitlist in order (priority, then arrival), notifying each promoted
/// farmer. The caller holds the session's lock.
async fn promote(conn: &impl ConnectionTrait, session_id: i32) -> Result<usize, AppError> {
    let session = training_session::Entity::find_by_id(session_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("training session"))?;
    let free = Ord::max(session.capacity - session.confirmed, 0) as u64;
    if free == 0 || session.status != "scheduled" || session.starts_on <= today() {
        return Ok(0);
    }
    let next = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .filter(registration::Column::Status.eq("waitlisted"))
        .order_by_desc(registration::Column::Priority)
        .order_by_asc(registration::Column::Arrival)
        .paginate(conn, free)
        .fetch_page(0)
        .await?;
    let course = course::Entity::find_by_id(session.course_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    for r in &next {
        registration::Entity::update_many()
            .col_expr(registration::Column::Status, Expr::value("confirmed"))
            .col_expr(registration::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(registration::Column::Id.eq(r.id))
            .exec(conn)
            .await?;
        notify(conn, r, &session, &course, "promoted").await?;
    }
    training_session::Entity::update_many()
        .col_expr(
            training_session::Column::Confirmed,
            Expr::col(training_session::Column::Confirmed).add(next.len() as i32),
        )
        .filter(training_session::Column::Id.eq(session_id))
        .exec(conn)
        .await?;
    Ok(next.len())
}

/// Changes a session's capacity (never below the confirmed farmers, never above the venue or the
/// course's maximum); a larger capacity promotes from the waitlist at once.
pub async fn set_capacity(
    db: &DatabaseConnection,
    actor: &Actor,
    session_id: i32,
    capacity: i32,
) -> Result<training_session::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let Some(session) = lock_session(&txn, session_id, false).await? else {
        return Err(AppError::NotFound("training session"));
    };
    if session.status != "scheduled" {
        return Err(AppError::Conflict(Msg::new("error.session_cancelled")));
    }
    if session.starts_on <= today() {
        return Err(AppError::Conflict(Msg::new("error.session_started")));
    }
    let venue = venue::Entity::find_by_id(session.venue_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("venue"))?;
    let course = course::Entity::find_by_id(session.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    if capacity < Ord::max(session.confirmed, 1) {
        return Err(AppError::invalid(
            "capacity",
            Msg::new("error.capacity_below_confirmed").arg("confirmed", session.confirmed),
        ));
    }
    if capacity > venue.seats {
        return Err(AppError::invalid(
            "capacity",
            Msg::new("error.venue_too_small")
                .arg("venue", &venue.name)
                .arg("seats", venue.seats)
                .arg("capacity", capacity),
        ));
    }
    if capacity > course.max_cohort {
        return Err(AppError::invalid(
            "capacity",
            Msg::new("error.above_max_cohort")
                .arg("max", course.max_cohort)
                .arg("capacity", capacity),
        ));
    }
    training_session::Entity::update_many()
        .col_expr(training_session::Column::Capacity, Expr::value(capacity))
        .filter(training_session::Column::Id.eq(session_id))
        .exec(&txn)
        .await?;
    let promoted = promote(&txn, session_id).await?;
    audit::record(
        &txn,
        actor,
        "training.capacity",
        Record::new("training_session", session_id),
        format!(
            "capacity {} → {capacity}; {promoted} promoted from the waitlist",
            session.capacity
        ),
    )
    .await?;
    txn.commit().await?;
    training_session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("training session"))
}

/// The roster of a session: confirmed first (by arrival), then the waitlist in order, then cancelled.
pub async fn roster(db: &impl ConnectionTrait, session_id: i32) -> Result<Vec<registration::Model>, AppError> {
    let mut rows = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .all(db)
        .await?;
    let rank = |s: &str| match s {
        "confirmed" => 0,
        "waitlisted" => 1,
        _ => 2,
    };
    rows.sort_by_key(|r| {
        (
            rank(&r.status),
            -r.priority * i32::from(r.status == "waitlisted"),
            r.arrival,
        )
    });
    Ok(rows)
}

/// The certificate with a code (valid or revoked), for verification.
pub use super::certificate_view::{Certificate, find_certificate as certificate};

/// A farmer's training history, by phone (all sessions, newest first).
pub async fn history_by_phone(db: &impl ConnectionTrait, phone: &str) -> Result<Vec<Lookup>, AppError> {
    let rows = registration::Entity::find()
        .filter(registration::Column::Phone.eq(phone))
        .order_by_desc(registration::Column::Id)
        .all(db)
        .await?;
    history(db, rows).await
}

/// Training of the members of a registered household (attended, or still registered).
pub async fn history_by_household(db: &impl ConnectionTrait, household_id: i32) -> Result<Vec<Lookup>, AppError> {
    let rows = registration::Entity::find()
        .filter(registration::Column::HouseholdId.eq(household_id))
        .filter(registration::Column::Status.ne("cancelled"))
        .order_by_desc(registration::Column::Id)
        .all(db)
        .await?;
    history(db, rows).await
}

async fn history(db: &impl ConnectionTrait, rows: Vec<registration::Model>) -> Result<Vec<Lookup>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = rows.iter().map(|r| r.session_id).collect();
    let cards = session_cards(db, false, Some(&ids)).await?;
    let regs: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let (hours, certificates) = attendance_of(db, &regs).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let session = cards.iter().find(|c| c.id == r.session_id)?.clone();
            Some(Lookup {
                hours_attended: hours.get(&r.id).copied(),
                certificate: certificates.get(&r.id).cloned(),
                registration: r,
                session,
                position: None,
            })
        })
        .collect())
}

type Attendance = (
    std::collections::HashMap<i32, i32>,
    std::collections::HashMap<i32, entity::certificate::Model>,
);

/// Hours attended (by registrations with any day recorded) and certificates of some registrations.
async fn attendance_of(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Attendance, AppError> {
    let mut hours = std::collections::HashMap::new();
    for a in entity::attendance_day::Entity::find()
        .filter(entity::attendance_day::Column::RegistrationId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        *hours.entry(a.registration_id).or_insert(0) += if a.present { a.hours } else { 0 };
    }
    Ok((hours, super::certificates::of_registrations(db, ids).await?))
}

/// The text of each notification. It goes to a number the farmer typed, so it carries nothing the
/// farmer typed (no name): only what staff set up (course, dates) and the confirmation code, so the
/// public form cannot be used to send chosen words to any phone.
fn message(kind: &str, r: &registration::Model, s: &training_session::Model, c: &course::Model) -> String {
    let when = if s.starts_on == s.ends_on {
        s.starts_on.to_string()
    } else {
        format!("{} 至 {}", s.starts_on, s.ends_on)
    };
    let (title, code) = (&c.title, &r.code);
    match kind {
        "confirmed" => format!("【县职教培训】您已报名“{title}”（{when}），确认码 {code}。查询或取消请访问报名页面。"),
        "waitlisted" => {
            format!("【县职教培训】“{title}”（{when}）名额已满，您已进入候补，确认码 {code}。有名额时将短信通知您。")
        }
        "promoted" => format!("【县职教培训】好消息：您已从候补转为正式学员，“{title}”（{when}），确认码 {code}。"),
        "reminder" => format!(
            "【县职教培训】提醒：“{title}”明天（{}）开课，请准时参加。确认码 {code}。",
            s.starts_on
        ),
        "cancelled" => format!("【县职教培训】您已取消“{title}”（{when}）的报名。"),
        "cancelled_by_staff" => {
            format!("【县职教培训】很抱歉，您报名的“{title}”（{when}）名额已由培训基地取消，如有疑问请联系基地。")
        }
        "moved" => {
            format!("【县职教培训】您报名的“{title}”时间或地点有调整：{when}。确认码 {code}，详情请查询报名页面。")
        }
        other => format!("【县职教培训】“{title}”（{when}）{other}"),
    }
}

/// Queues the text message of `kind` for a registration. Keyed by registration and kind (`moved`
/// also by the new dates), so an event never sends twice. Registrations from the public form get no
/// email (their address was never confirmed).
pub async fn notify(
    conn: &impl ConnectionTrait,
    r: &registration::Model,
    s: &training_session::Model,
    c: &course::Model,
    kind: &str,
) -> Result<bool, AppError> {
    let text = message(kind, r, s, c);
    let key = match kind {
        // Every move is its own event (moving back and forth must tell the farmer each time).
        "moved" => format!("registration:{}:moved:{}", r.id, Utc::now().timestamp_micros()),
        // One reminder per start date: a moved session gets a new one.
        "reminder" => format!("registration:{}:reminder:{}", r.id, s.starts_on),
        k => format!("registration:{}:{k}", r.id),
    };
    crate::outbox::enqueue_sms(conn, &key, &format!("training_{kind}"), &r.phone, &text).await
}

/// Tells every farmer still registered for a session (moved or cancelled by staff).
pub async fn notify_all(conn: &impl ConnectionTrait, s: &training_session::Model, kind: &str) -> Result<(), AppError> {
    let c = course::Entity::find_by_id(s.course_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    for r in registration::Entity::find()
        .filter(registration::Column::SessionId.eq(s.id))
        .filter(registration::Column::Active.is_not_null())
        .all(conn)
        .await?
    {
        notify(conn, &r, s, &c, kind).await?;
    }
    Ok(())
}

/// Queues the day-before reminder for confirmed farmers of sessions starting tomorrow. Idempotent
/// (keyed per registration), so every instance may run it hourly.
pub async fn queue_reminders(db: &DatabaseConnection) -> Result<usize, AppError> {
    let tomorrow = today() + Duration::days(1);
    let sessions = training_session::Entity::find()
        .filter(training_session::Column::Status.eq("scheduled"))
        .filter(training_session::Column::StartsOn.eq(tomorrow))
        .all(db)
        .await?;
    let mut queued = 0;
    for s in sessions {
        let c = course::Entity::find_by_id(s.course_id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound("course"))?;
        for r in registration::Entity::find()
            .filter(registration::Column::SessionId.eq(s.id))
            .filter(registration::Column::Status.eq("confirmed"))
            .all(db)
            .await?
        {
            queued += usize::from(notify(db, &r, &s, &c, "reminder").await?);
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_checks_every_field() {
        let ok = RegistrationForm {
            name: "王大明".into(),
            phone: "138 0013 8000".into(),
            town: "米河镇".into(),
            village: "新庄村".into(),
            ..Default::default()
        }
        .parse()
        .expect("valid");
        assert_eq!(ok.phone, "13800138000");
        let Err(AppError::Invalid(e)) = (RegistrationForm {
            name: "".into(),
            phone: "12345".into(),
            town: "".into(),
            village: "新庄村".into(),
            household_number: "".into(),
        })
        .parse() else {
            panic!("expected invalid")
        };
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone", "town"]);
        let Err(AppError::Invalid(e)) = (RegistrationForm {
            name: "王\u{202E}明".into(),
            phone: "13800138000".into(),
            town: "米河\u{0007}镇".into(),
            village: "新庄村".into(),
            household_number: "".into(),
        })
        .parse() else {
            panic!("control characters refused")
        };
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "town"]);
    }
}
