//! Portal sessions: created at login (always under a new id), looked up on each request, ended at
//! logout. The cookie carries a random token; the database keeps only its SHA-256.

use chrono::{Duration, Utc};
use entity::{session, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, TransactionTrait};

use super::{CurrentUser, password, random_token, ratelimit, sha256_hex, user::find_user_by_email};
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;

/// Name of the session cookie.
pub const COOKIE: &str = "vocpath_session";

/// A successful login: the new cookie value and the user.
pub struct LoggedIn {
    pub cookie_value: String,
    pub user: CurrentUser,
}

/// Checks the rate limit and the credentials, then opens a fresh session (dropping the one the
/// browser had, if any, so a planted session id never becomes authenticated).
pub async fn login(
    db: &DatabaseConnection,
    email: &str,
    password_given: &str,
    client_ip: &str,
    previous_cookie: Option<&str>,
    session_hours: i64,
) -> Result<LoggedIn, AppError> {
    let email = email.trim().to_lowercase();
    if email.is_empty() || password_given.is_empty() {
        return Err(AppError::invalid("email", Msg::new("error.login_fields_required")));
    }
    ratelimit::check(db, &email, client_ip).await?;
    let found = find_user_by_email(db, &email).await?;
    let verified = match &found {
        Some(u) => password::verify(password_given, &u.password_hash).await?,
        None => {
            // Spend comparable time on unknown accounts, so timing does not reveal which exist.
            password::verify_against_nothing(password_given).await?;
            false
        }
    };
    let Some(user) = found.filter(|_| verified) else {
        ratelimit::record_failure(db, &email, client_ip).await?;
        return Err(AppError::invalid("password", Msg::new("error.login_failed")));
    };
    if !user.active {
        return Err(AppError::invalid("email", Msg::new("error.account_inactive")));
    }
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
    ratelimit::clear(&txn, &email).await?;
    let actor = Actor {
        user_id: Some(user.id),
        label: user.email.clone(),
        client_ip: Some(client_ip.to_string()),
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
    Ok(LoggedIn {
        cookie_value,
        user: CurrentUser::from(&user),
    })
}

/// The user behind a session cookie, if the session is live and the account active.
pub async fn current_user(db: &DatabaseConnection, cookie_value: &str) -> Result<Option<CurrentUser>, AppError> {
    let found = session::Entity::find_by_id(sha256_hex(cookie_value))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?;
    let Some(s) = found else { return Ok(None) };
    let user = user::Entity::find_by_id(s.user_id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?;
    Ok(user.as_ref().map(CurrentUser::from))
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
