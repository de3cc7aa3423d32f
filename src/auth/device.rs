//! Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
//! signed in to an account gets a long-lived cookie `<nonce>.<signature>`, the signature binding
//! the nonce to the account's email under the service's secret key. When that browser signs in to
//! that account again it is limited on its own (per nonce), so strangers guessing the password
//! cannot lock its owner out. The cookie holds no email and grants nothing by itself: the password
//! is still checked. Pure: no I/O.

use subtle::ConstantTimeEq;

use crate::crypto::sign;

/// Name of the device cookie.
pub const COOKIE: &str = "vocpath_device";
/// How long a browser stays known: a year.
pub const MAX_AGE_SECS: i64 = 365 * 24 * 3600;

const PURPOSE: &str = "device:";

/// A new device cookie value for `email` (already normalised).
pub fn issue(secret: &[u8], email: &str) -> String {
    let nonce = super::random_token();
    let mac = sign(secret, PURPOSE, &format!("{email}\n{nonce}"));
    format!("{nonce}.{mac}")
}

/// The device's id (its nonce) when `cookie` was issued for `email` under this secret.
pub fn verify(secret: &[u8], email: &str, cookie: &str) -> Option<String> {
    let (nonce, mac) = cookie.split_once('.')?;
    if nonce.is_empty() || nonce.len() > 64 {
        return None;
    }
    let expected = sign(secret, PURPOSE, &format!("{email}\n{nonce}"));
    bool::from(expected.as_bytes().ct_eq(mac.as_bytes())).then(|| nonce.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_valid_only_for_its_account_and_key() {
        let c = issue(b"secret", "a@b.cn");
        let id = verify(b"secret", "a@b.cn", &c).expect("valid");
        assert!(c.starts_with(&id));
        assert!(verify(b"secret", "other@b.cn", &c).is_none());
        assert!(verify(b"another secret", "a@b.cn", &c).is_none());
        assert_ne!(issue(b"secret", "a@b.cn"), c, "a fresh nonce each time");
    }

    #[test]
    fn tampered_or_malformed_cookies_are_refused() {
        let c = issue(b"secret", "a@b.cn");
        let (nonce, mac) = c.split_once('.').expect("dot");
        assert!(verify(b"secret", "a@b.cn", &format!("x{nonce}.{mac}")).is_none());
        for bad in ["", ".", "nodot", &format!(".{mac}"), &format!("{nonce}.")] {
            assert!(verify(b"secret", "a@b.cn", bad).is_none(), "{bad}");
        }
    }
}
