//! Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
//! signed in to an account gets a long-lived cookie `<nonce>.<signature>`, the signature binding
//! the nonce to the account's email and to its current password under the service's secret key.
//! When that browser signs in to that account again it is limited on its own (per nonce, and all
//! of the account's device cookies together under one total), so strangers guessing the password
//! cannot lock its owner out. The cookie holds no email and grants nothing by itself: the password
//! is still checked.
//!
//! **Withdrawn with the password.** The signed message carries a digest of the account's stored
//! password hash, which a password change or reset replaces (argon2 salts every hash afresh), so
//! every cookie issued before is void from then on, with no server-side record to keep. Pure: no I/O.

use super::sha256_hex;
use crate::crypto::sign;

/// Name of the device cookie.
pub const COOKIE: &str = "vocpath_device";
/// How long a browser stays known: a year.
pub const MAX_AGE_SECS: i64 = 365 * 24 * 3600;

const PURPOSE: &str = "device:";

/// The account a device cookie is bound to, as it stands now.
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    /// Normalised email.
    pub email: &'a str,
    /// The stored password hash (PHC string), never sent anywhere: only its digest is signed.
    pub password_hash: &'a str,
}

impl Account<'_> {
    fn message(&self, nonce: &str) -> String {
        format!("{}\n{}\n{nonce}", self.email, sha256_hex(self.password_hash))
    }
}

/// A new device cookie value for `account`.
pub fn issue(secret: &[u8], account: Account<'_>) -> String {
    let nonce = super::random_token();
    let mac = sign(secret, PURPOSE, &account.message(&nonce));
    format!("{nonce}.{mac}")
}

/// The device's id (its nonce) when `cookie` was issued for `account`, with its current password,
/// under one of these secrets (the current key, or the previous one during a rotation).
pub fn verify(secrets: &[&[u8]], account: Account<'_>, cookie: &str) -> Option<String> {
    let (nonce, mac) = cookie.split_once('.')?;
    if nonce.is_empty() || nonce.len() > 64 {
        return None;
    }
    let message = account.message(nonce);
    crate::crypto::verify_any(secrets, mac, |secret| sign(secret, PURPOSE, &message)).then(|| nonce.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(email: &str) -> Account<'_> {
        Account {
            email,
            password_hash: "$argon2id$v=19$m=256,t=2,p=1$c2FsdA$aGFzaA",
        }
    }

    #[test]
    fn a_cookie_is_valid_only_for_its_account_and_key() {
        let c = issue(b"secret", account("a@b.cn"));
        let id = verify(&[b"secret"], account("a@b.cn"), &c).expect("valid");
        assert!(c.starts_with(&id));
        assert!(verify(&[b"secret"], account("other@b.cn"), &c).is_none());
        assert!(verify(&[b"another secret"], account("a@b.cn"), &c).is_none());
        assert_ne!(issue(b"secret", account("a@b.cn")), c, "a fresh nonce each time");
    }

    #[test]
    fn a_new_password_voids_every_cookie_issued_before() {
        let c = issue(b"secret", account("a@b.cn"));
        let reset = Account {
            password_hash: "$argon2id$v=19$m=256,t=2,p=1$bmV3$bmV3aGFzaA",
            ..account("a@b.cn")
        };
        assert!(verify(&[b"secret"], reset, &c).is_none());
        assert!(verify(&[b"secret"], reset, &issue(b"secret", reset)).is_some());
    }

    #[test]
    fn tampered_or_malformed_cookies_are_refused() {
        let a = account("a@b.cn");
        let c = issue(b"secret", a);
        let (nonce, mac) = c.split_once('.').expect("dot");
        assert!(verify(&[b"secret"], a, &format!("x{nonce}.{mac}")).is_none());
        for bad in ["", ".", "nodot", &format!(".{mac}"), &format!("{nonce}.")] {
            assert!(verify(&[b"secret"], a, bad).is_none(), "{bad}");
        }
    }
}
