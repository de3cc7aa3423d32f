//! Password hashing (argon2id) and the password policy. Hashing is slow on purpose, so it runs on
//! the blocking thread pool and never stalls the async workers.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;

use crate::error::{AppError, Context};
use crate::i18n::Msg;

/// Shortest password accepted.
pub const MIN_LEN: usize = 8;
/// Longest password accepted (argon2 has no limit, but a megabyte "password" is an attack).
pub const MAX_LEN: usize = 128;

fn hasher(memory_kib: u32) -> Result<Argon2<'static>, AppError> {
    let params = Params::new(memory_kib, 2, 1, None).context("argon2 params")?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string with a fresh random salt.
pub async fn hash(password: &str, memory_kib: u32) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        hasher(memory_kib)?
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .context("argon2 hash")
    })
    .await
    .context("hashing task")?
}

/// Checks a password against a stored PHC string (whatever parameters it was made with).
pub async fn verify(password: &str, stored: &str) -> Result<bool, AppError> {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.as_bytes(), stored.as_str())
            .is_ok()
    })
    .await
    .context("verify task")
}

/// Spends the time of one verification on nothing, so that a login for an unknown account takes
/// as long as one for a known account with a wrong password.
pub async fn verify_against_nothing(password: &str) -> Result<(), AppError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = match DUMMY.get() {
        Some(h) => h.clone(),
        None => {
            let h = hash(&generate(), Params::DEFAULT_M_COST).await?;
            DUMMY.get_or_init(|| h).clone()
        }
    };
    verify(password, &stored).await.map(|_| ())
}

/// The password policy: length bounds, and not the account's email.
pub fn check_policy(password: &str, email: &str) -> Result<(), Msg> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(Msg::new("error.password_too_short").arg("min", MIN_LEN));
    }
    if len > MAX_LEN {
        return Err(Msg::new("error.password_too_long").arg("max", MAX_LEN));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(Msg::new("error.password_is_email"));
    }
    Ok(())
}

/// A random one-time password: 16 characters without look-alikes (no 0/O, 1/l/I).
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let h = hash("correct horse", Params::MIN_M_COST.max(64)).await.expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h).await.expect("verify"));
        assert!(!verify("wrong horse", &h).await.expect("verify"));
        assert!(!verify("x", "not a phc string").await.expect("verify"));
    }

    #[test]
    fn the_policy_names_what_is_wrong() {
        assert_eq!(
            check_policy("short", "a@b.cn").expect_err("short").key,
            "error.password_too_short"
        );
        assert_eq!(
            check_policy("a@b.cn", "a@b.cn").expect_err("email").key,
            "error.password_too_short"
        );
        assert_eq!(
            check_policy("someone@b.cn", "someone@b.cn").expect_err("email").key,
            "error.password_is_email"
        );
        assert!(check_policy("a fine passphrase", "a@b.cn").is_ok());
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(check_policy(&a, "x@y.cn").is_ok());
    }
}
