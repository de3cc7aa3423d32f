//! Login rate limiting, counted in the database so the limit holds across instances.
//!
//! **Race-free.** Each attempt is first recorded and committed, and only then are the attempts in
//! the window counted (its own included). Of any number of concurrent attempts, the k-th to commit
//! counts at least k rows, so no more than the limit ever reach the password check, on SQLite and
//! on PostgreSQL (where a count-then-insert in one READ COMMITTED transaction would let them all
//! through). A refused attempt removes its row again, so waiting out the window always works.
//!
//! **Who is counted.** A browser carrying a valid device cookie for the account (see
//! [`super::device`]) is counted per device cookie and, with all the account's device cookies
//! together, against one total; every other browser per account and per client address (an IPv6
//! client by its /64, see [`crate::client_addr::limit_key`]). So guessing spread over many addresses still hits the account limit, while the
//! owner's own browser is never locked out by strangers. Runs before the password is verified, so
//! a refused attempt costs no argon2 work.

use chrono::{Duration, Utc};
use entity::login_failure::{self, Column};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::client_addr::limit_key;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::limits::LoginLimits;

/// Who is trying to sign in.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// Normalised email.
    pub email: &'a str,
    pub client_ip: &'a str,
    /// The nonce of a device cookie valid for `email`.
    pub device: Option<&'a str>,
}

/// Records the attempt, then refuses with 429 when it is over a limit. The recorded attempt stays
/// as a failure unless [`clear`] removes it after a successful sign-in.
pub async fn admit(db: &DatabaseConnection, limits: &LoginLimits, attempt: Attempt<'_>) -> Result<(), AppError> {
    let now = Utc::now();
    let row = login_failure::ActiveModel {
        email: Set(attempt.email.chars().take(254).collect()),
        client_ip: Set(limit_key(attempt.client_ip).chars().take(64).collect()),
        device: Set(attempt.device.map(str::to_owned)),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let since = now - Duration::minutes(limits.window_minutes);
    let recent = || login_failure::Entity::find().filter(Column::At.gt(since));
    let over = match attempt.device {
        Some(d) => {
            let devices = || {
                recent()
                    .filter(Column::Email.eq(row.email.as_str()))
                    .filter(Column::Device.is_not_null())
            };
            devices().filter(Column::Device.eq(d)).count(db).await? > limits.per_device
                || devices().count(db).await? > limits.devices_total
        }
        None => {
            let strangers = || recent().filter(Column::Device.is_null());
            strangers()
                .filter(Column::Email.eq(row.email.as_str()))
                .count(db)
                .await?
                > limits.per_account
                || strangers()
                    .filter(Column::ClientIp.eq(row.client_ip.as_str()))
                    .count(db)
                    .await?
                    > limits.per_address
        }
    };
    if over {
        login_failure::Entity::delete_by_id(row.id).exec(db).await?;
        return Err(AppError::TooManyRequests(
            Msg::new("error.too_many_logins").arg("minutes", limits.window_minutes),
        ));
    }
    login_failure::Entity::delete_many()
        .filter(Column::At.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}

/// A successful sign-in clears the failures it was counted with: the device's, or those of
/// browsers without a device cookie for the account.
pub async fn clear(db: &impl ConnectionTrait, attempt: Attempt<'_>) -> Result<(), AppError> {
    let which = match attempt.device {
        Some(d) => Column::Device.eq(d),
        None => Column::Device.is_null(),
    };
    login_failure::Entity::delete_many()
        .filter(Column::Email.eq(attempt.email))
        .filter(which)
        .exec(db)
        .await?;
    Ok(())
}
