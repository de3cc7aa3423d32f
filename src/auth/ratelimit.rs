//! Login rate limiting, per account and per client address, counted in the database so the limit
//! holds across instances. Checked before the password is verified, so a locked account costs no
//! argon2 work and reveals nothing.

use chrono::{Duration, Utc};
use entity::login_failure;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::error::AppError;
use crate::i18n::Msg;

/// Failures are counted over this many minutes.
pub const WINDOW_MINUTES: i64 = 15;
/// Failed attempts allowed per account within the window.
pub const MAX_PER_ACCOUNT: u64 = 5;
/// Failed attempts allowed per client address within the window (several staff may share a NAT).
pub const MAX_PER_ADDRESS: u64 = 20;

/// Refuses with 429 when the account or the address has used up its attempts.
pub async fn check(db: &impl ConnectionTrait, email: &str, client_ip: &str) -> Result<(), AppError> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let by_account = login_failure::Entity::find()
        .filter(login_failure::Column::Email.eq(email))
        .filter(login_failure::Column::At.gt(since))
        .count(db)
        .await?;
    let by_address = login_failure::Entity::find()
        .filter(login_failure::Column::ClientIp.eq(client_ip))
        .filter(login_failure::Column::At.gt(since))
        .count(db)
        .await?;
    if by_account >= MAX_PER_ACCOUNT || by_address >= MAX_PER_ADDRESS {
        return Err(AppError::TooManyRequests(
            Msg::new("error.too_many_logins").arg("minutes", WINDOW_MINUTES),
        ));
    }
    Ok(())
}

/// Records a failed attempt and forgets attempts older than a day.
pub async fn record_failure(db: &impl ConnectionTrait, email: &str, client_ip: &str) -> Result<(), AppError> {
    let now = Utc::now();
    login_failure::ActiveModel {
        email: Set(email.to_string()),
        client_ip: Set(client_ip.to_string()),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::At.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}

/// A successful login clears the account's failures.
pub async fn clear(db: &impl ConnectionTrait, email: &str) -> Result<(), AppError> {
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Email.eq(email))
        .exec(db)
        .await?;
    Ok(())
}
