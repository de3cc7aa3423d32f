//! The page a farmer sees after registering, reached by redirect (POST-redirect-GET) so that a
//! refresh shows the page again instead of posting the form again.
//!
//! **What the browser keeps.** The registration is remembered in a short-lived cookie
//! `<id>.<expires>.<signature>`: an HMAC under the service's secret key, so it cannot be forged for
//! another registration; `HttpOnly`, `SameSite=Lax`, `Secure` over TLS, like every vocpath cookie;
//! void after [`MAX_AGE_SECS`]. It carries neither the code nor the phone, and nothing goes into the
//! URL (where it would reach logs, history and `Referer`). The page reads the registration's current
//! state (a place, or its place on the waitlist now) and its code from the database.

use entity::registration;
use entity::registration::RegistrationStatus;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::Serialize;

use super::registrations::{Registered, SessionCard, session_cards, waitlist_position};
use crate::crypto::sign;
use crate::error::AppError;

/// Name of the cookie.
pub const COOKIE: &str = "vocpath_registered";
/// How long the page after registering can be shown again: half an hour.
pub const MAX_AGE_SECS: i64 = 30 * 60;

const PURPOSE: &str = "registered:";

/// The cookie value for registration `id`, issued at `now` (Unix seconds).
pub fn issue(secret: &[u8], id: i32, now: i64) -> String {
    let message = format!("{id}.{}", now + MAX_AGE_SECS);
    let mac = sign(secret, PURPOSE, &message);
    format!("{message}.{mac}")
}

/// The registration id a cookie was issued for, when it is genuine and not yet expired at `now`.
pub fn verify(secrets: &[&[u8]], cookie: &str, now: i64) -> Option<i32> {
    let (message, mac) = cookie.rsplit_once('.')?;
    let (id, expires) = message.split_once('.')?;
    let (id, expires) = (id.parse::<i32>().ok()?, expires.parse::<i64>().ok()?);
    let genuine = crate::crypto::verify_any(secrets, mac, |secret| sign(secret, PURPOSE, message));
    (genuine && now <= expires).then_some(id)
}

/// What the page shows: the outcome as it stands now, and the session.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmation {
    pub r: Registered,
    pub s: Option<SessionCard>,
}

/// The registration behind a genuine cookie, unless it was cancelled since.
pub async fn load(db: &impl ConnectionTrait, id: i32) -> Result<Option<Confirmation>, AppError> {
    let Some(r) = registration::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if r.status == RegistrationStatus::Cancelled {
        return Ok(None);
    }
    let position = if r.status == RegistrationStatus::Waitlisted {
        Some(waitlist_position(db, &r).await?)
    } else {
        None
    };
    let s = session_cards(db, false, Some(&[r.session_id]))
        .await?
        .into_iter()
        .next();
    Ok(Some(Confirmation {
        r: Registered {
            id: r.id,
            session_id: r.session_id,
            status: r.status,
            position,
            code: r.code,
        },
        s,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_names_its_registration_until_it_expires_and_cannot_be_altered() {
        let c = issue(b"secret", 42, 1_000);
        assert_eq!(verify(&[b"secret"], &c, 1_000), Some(42));
        assert_eq!(verify(&[b"secret"], &c, 1_000 + MAX_AGE_SECS), Some(42));
        assert_eq!(verify(&[b"secret"], &c, 1_001 + MAX_AGE_SECS), None, "expired");
        assert_eq!(verify(&[b"another secret"], &c, 1_000), None);
        let other = c.replacen("42.", "43.", 1);
        assert_eq!(verify(&[b"secret"], &other, 1_000), None, "another registration");
        let later = c.replace(&format!(".{}.", 1_000 + MAX_AGE_SECS), ".99999999999.");
        assert_eq!(verify(&[b"secret"], &later, 1_000), None, "a longer life");
        for junk in ["", ".", "..", "42", "42.x.y", "x.1.abc", "42.1.\u{0}"] {
            assert_eq!(verify(&[b"secret"], junk, 0), None, "{junk:?}");
        }
    }

    #[test]
    fn a_cookie_signed_under_the_previous_key_holds_during_a_rotation_only() {
        let old = issue(b"the key before", 7, 1_000);
        assert_eq!(verify(&[b"the key now", b"the key before"], &old, 1_000), Some(7));
        assert_eq!(
            verify(&[b"the key now"], &old, 1_000),
            None,
            "once the previous key is dropped"
        );
        let new = issue(b"the key now", 7, 1_000);
        assert_eq!(verify(&[b"the key now", b"the key before"], &new, 1_000), Some(7));
    }
}
