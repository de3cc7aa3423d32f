//! Portal sessions: created at login (always under a new id), looked up on each request, ended at
//! logout. The cookie carries a random token; the database keeps only its SHA-256. A successful
//! login also (re)issues the browser's device cookie, bound to the account's current password
//! (see [`super::device`]).

use chrono::{Duration, Utc};
use entity::{session, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};

use super::{CurrentUser, device, password, random_token, ratelimit, sha256_hex, user::find_user_by_email};
use crate::audit::{self, Actor, Record};
use crate::config::Config;
use crate::error::AppError;
use crate::i18n::Msg;

/// Name of the session cookie.
pub const COOKIE: &str = "vocpath_session";

/// What a browser sends to sign in.
#[derive(Debug, Clone, Copy)]
pub struct LoginRequest<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub client_ip: &'a str,
    /// The session cookie the browser had, if any (dropped: a planted id never authenticates).
    pub previous_cookie: Option<&'a str>,
    /// The browser's device cookie, if any.
    pub device_cookie: Option<&'a str>,
}

/// A successful login: the new session cookie, the device cookie to (re)set, and the user.
pub struct LoggedIn {
    pub cookie_value: String,
    pub device_cookie: String,
    pub user: CurrentUser,
}

/// Checks the rate limit and the credentials, then opens a fresh session. An unknown account and
/// a deactivated one are answered exactly like a wrong password (same message, argon2 work and
/// counting), so a guess reveals nothing about the account.
pub async fn login(db: &DatabaseConnection, config: &Config, req: LoginRequest<'_>) -> Result<LoggedIn, AppError> {
    let email = req.email.trim().to_lowercase();
    if email.is_empty() || req.password.is_empty() {
        return Err(AppError::invalid("email", Msg::new("error.login_fields_required")));
    }
    let found = find_user_by_email(db, &email).await?;
    let device = found
        .as_ref()
        .zip(req.device_cookie)
        .and_then(|(u, cookie)| device::verify(&config.verifying_secrets(), device_account(&email, u), cookie));
    let attempt = ratelimit::Attempt {
        email: &email,
        client_ip: req.client_ip,
        device: device.as_deref(),
    };
    ratelimit::admit(db, &config.rate_limits.login, attempt).await?;
    let verified = match &found {
        Some(u) => password::verify(req.password, &u.password_hash).await?,
        None => {
            // Spend comparable time on unknown accounts, so timing does not reveal which exist.
            password::verify_against_nothing(req.password).await?;
            false
        }
    };
    let Some(user) = found.filter(|u| verified && u.active) else {
        return Err(AppError::invalid("password", Msg::new("error.login_failed")));
    };
    let cookie_value = open_session(db, &user, attempt, req.previous_cookie, config.session_hours).await?;
    Ok(LoggedIn {
        cookie_value,
        device_cookie: device::issue(config.secret(), device_account(&email, &user)),
        user: CurrentUser::from(&user),
    })
}

/// What a device cookie for `user` is bound to: the email and the password as they stand.
fn device_account<'a>(email: &'a str, user: &'a user::Model) -> device::Account<'a> {
    device::Account {
        email,
        password_hash: &user.password_hash,
    }
}

/// Opens a session for `user` (ending the browser's previous one), clears the attempt's failures
/// and audits the sign-in, in one transaction. Returns the session cookie's value.
async fn open_session(
    db: &DatabaseConnection,
    user: &user::Model,
    attempt: ratelimit::Attempt<'_>,
    previous_cookie: Option<&str>,
    session_hours: i64,
) -> Result<String, AppError> {
    let cookie_value = random_token();
    let now = Utc::now();
    let txn = db.begin().await?;
    if let Some(old) = previous_cookie {
        session::Entity::delete_by_id(sha256_hex(old)).exec(&txn).await?;
    }
    session::ActiveModel {
        id: Set(sha256_hex(&cookie_value)),
        user_id: Set(user.id),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(session_hours)),
    }
    .insert(&txn)
    .await?;
    ratelimit::clear(&txn, attempt).await?;
    let actor = Actor {
        user_id: Some(user.id),
        label: user.email.clone(),
        client_ip: Some(attempt.client_ip.to_string()),
    };
    audit::record(
        &txn,
        &actor,
        "session.login",
        Record::new("user", user.id),
        "signed in to the portal",
    )
    .await?;
    txn.commit().await?;
    Ok(cookie_value)
}

/// The user behind a session cookie, if the session is live and the account active.
pub async fn current_user(db: &DatabaseConnection, cookie_value: &str) -> Result<Option<CurrentUser>, AppError> {
    // One query: the session and its active owner.
    let owner_of_session: sea_orm::RelationDef = session::Entity::belongs_to(user::Entity)
        .from(session::Column::UserId)
        .to(user::Column::Id)
        .into();
    let found = session::Entity::find_by_id(sha256_hex(cookie_value))
        .join(sea_orm::JoinType::InnerJoin, owner_of_session)
        .select_also(user::Entity)
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?;
    Ok(found.and_then(|(_, u)| u).as_ref().map(CurrentUser::from))
}

/// Ends every session of `user_id` but the one with cookie `keep` (if given), inside the caller's
/// transaction: after a password change, reset or deactivation.
pub async fn end_all(txn: &impl ConnectionTrait, user_id: i32, keep: Option<&str>) -> Result<(), AppError> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(cookie) = keep {
        delete = delete.filter(session::Column::Id.ne(sha256_hex(cookie)));
    }
    delete.exec(txn).await?;
    Ok(())
}

/// Ends a session; also removes expired ones.
pub async fn logout(db: &DatabaseConnection, cookie_value: &str) -> Result<(), AppError> {
    session::Entity::delete_by_id(sha256_hex(cookie_value)).exec(db).await?;
    session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(Utc::now()))
        .exec(db)
        .await?;
    Ok(())
}
