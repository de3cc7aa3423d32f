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

mod cancel;
mod cards;
mod history;
mod notify;
pub mod waitlist;

pub use cancel::{Canceller, cancel, set_capacity};
pub use cards::{SessionCard, session_cards};
pub use history::{Lookup, certificate, history_by_household, history_by_phone, lookup, roster};
pub use notify::{interest_invite, notify, notify_all, queue_reminders};

use chrono::{Duration, Utc};
use entity::public_attempt::PublicAction;
use entity::registration::RegistrationStatus;
use entity::training_session::SessionStatus;
use entity::{course, household, public_attempt, registration, training_session};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use serde::{Deserialize, Serialize};

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
    action: PublicAction,
    client_ip: &str,
    phone: &str,
) -> Result<(), AppError> {
    let now = Utc::now();
    let row = public_attempt::ActiveModel {
        action: Set(action),
        client_ip: Set(crate::client_addr::limit_key(client_ip).chars().take(64).collect()),
        phone: Set(phone.chars().take(20).collect()),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let since = now - Duration::minutes(limits.window_minutes);
    let recent = || public_attempt::Entity::find().filter(public_attempt::Column::At.gt(since));
    let phone_max = if action == PublicAction::Lookup {
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

/// The outcome of a registration, as the farmer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    pub id: i32,
    pub session_id: i32,
    /// `confirmed` or `waitlisted`.
    pub status: RegistrationStatus,
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
    rate_limit(db, limits, PublicAction::Register, client_ip, &input.phone).await?;
    let txn = crate::db::begin_write(db).await?;
    let Some(session) = lock_session(&txn, session_id, true).await? else {
        return Err(AppError::NotFound("training session"));
    };
    check_open(&session)?;
    refuse_duplicate(&txn, session_id, &input.phone).await?;
    let course = course::Entity::find_by_id(session.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    let household = match &input.household_number {
        Some(n) => verified_household(&txn, n, &input.name, &input.phone).await?,
        None => None,
    };
    let priority = waitlist::priority(course.household_first, household.is_some());
    let status = if session.confirmed < session.capacity {
        take_place(&txn, session_id).await?;
        RegistrationStatus::Confirmed
    } else {
        RegistrationStatus::Waitlisted
    };
    let code = unused_code(&txn).await?;
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
        status: Set(status),
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
    let position = match status {
        RegistrationStatus::Waitlisted => Some(waitlist_position(&txn, &row).await?),
        _ => None,
    };
    // The text message's event is named as the status: `confirmed` or `waitlisted`.
    notify(&txn, &row, &session, &course, status.as_str()).await?;
    txn.commit().await?;
    Ok(Registered {
        id: row.id,
        session_id,
        status: row.status,
        position,
        code: row.code,
    })
}

/// Registration is open: the session is scheduled and has not started.
fn check_open(session: &training_session::Model) -> Result<(), AppError> {
    if session.status != SessionStatus::Scheduled {
        return Err(AppError::Conflict(Msg::new("error.session_cancelled")));
    }
    if session.starts_on <= today() {
        return Err(AppError::Conflict(Msg::new("error.registration_closed")));
    }
    Ok(())
}

/// The same phone cannot hold two active registrations in one session.
async fn refuse_duplicate(conn: &impl ConnectionTrait, session_id: i32, phone: &str) -> Result<(), AppError> {
    let duplicate = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(session_id))
        .filter(registration::Column::Phone.eq(phone))
        .filter(registration::Column::Active.is_not_null())
        .one(conn)
        .await?;
    if let Some(d) = duplicate {
        let key = if d.status == RegistrationStatus::Confirmed {
            "error.phone_has_place"
        } else {
            "error.phone_on_waitlist"
        };
        return Err(AppError::Conflict(Msg::new(key)));
    }
    Ok(())
}

/// Counts one more confirmed place in the (locked) session.
async fn take_place(conn: &impl ConnectionTrait, session_id: i32) -> Result<(), AppError> {
    training_session::Entity::update_many()
        .col_expr(
            training_session::Column::Confirmed,
            Expr::col(training_session::Column::Confirmed).add(1),
        )
        .filter(training_session::Column::Id.eq(session_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A registration code not yet used (five tries, then the unique index decides).
async fn unused_code(conn: &impl ConnectionTrait) -> Result<String, AppError> {
    let mut code = new_code();
    for _ in 0..5 {
        let taken = registration::Entity::find()
            .filter(registration::Column::Code.eq(&code))
            .count(conn)
            .await?;
        if taken == 0 {
            break;
        }
        code = new_code();
    }
    Ok(code)
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
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
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
