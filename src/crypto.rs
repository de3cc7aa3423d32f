//! Protection of national IDs at rest: AES-256-GCM encryption with a random nonce per value, and a
//! keyed hash (HMAC-SHA256) so that uniqueness and look-up by ID work without decrypting anything;
//! and of uploaded register files, kept between preview and commit (AES-256-GCM under their own key).
//! All keys are derived from the one data key (`VOCPATH_DATA_KEY`), each for its own purpose.
//! [`sign`] is the one HMAC for values the service hands out and must recognise later (CSRF
//! tokens, device cookies), each under its own purpose prefix.
//! This module never logs or returns clear content except from the `decrypt` functions.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::AppError;

/// Encrypts, decrypts and hashes national IDs.
#[derive(Clone)]
pub struct IdVault {
    cipher: Aes256Gcm,
    lookup_key: [u8; 32],
    upload_cipher: Aes256Gcm,
}

impl std::fmt::Debug for IdVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdVault([redacted])")
    }
}

fn derive(data_key: &[u8; 32], purpose: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(data_key).unwrap_or_else(|_| unreachable_key());
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

// HMAC accepts keys of any length, so construction cannot fail.
fn unreachable_key() -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(&[0u8; 32]).unwrap_or_else(|_| unreachable_key())
}

impl IdVault {
    pub fn new(data_key: &[u8; 32]) -> IdVault {
        let enc = derive(data_key, b"vocpath national-id encryption v1");
        IdVault {
            cipher: Aes256Gcm::new(&enc.into()),
            lookup_key: derive(data_key, b"vocpath national-id lookup v1"),
            upload_cipher: Aes256Gcm::new(&derive(data_key, b"vocpath upload encryption v1").into()),
        }
    }

    /// `base64(nonce ‖ ciphertext)`; a fresh nonce each time, so equal IDs encrypt differently.
    pub fn encrypt(&self, id: &str) -> Result<String, AppError> {
        Ok(STANDARD.encode(seal(&self.cipher, id.as_bytes(), b"", "national ID")?))
    }

    /// The clear ID. Fails when the value was encrypted under another data key.
    pub fn decrypt(&self, stored: &str) -> Result<String, AppError> {
        let bytes = STANDARD
            .decode(stored)
            .map_err(|_| AppError::internal("stored national ID is not base64"))?;
        let clear = open(&self.cipher, &bytes, b"", "national ID")?;
        String::from_utf8(clear).map_err(|_| AppError::internal("decrypted national ID is not text"))
    }

    /// An uploaded file as `nonce ‖ ciphertext`, bound to `digest` (its SHA-256), so a stored
    /// upload cannot be swapped for another batch's.
    pub fn encrypt_upload(&self, content: &[u8], digest: &str) -> Result<Vec<u8>, AppError> {
        seal(&self.upload_cipher, content, digest.as_bytes(), "upload")
    }

    /// The clear upload sealed by [`IdVault::encrypt_upload`] with the same `digest`.
    pub fn decrypt_upload(&self, stored: &[u8], digest: &str) -> Result<Vec<u8>, AppError> {
        open(&self.upload_cipher, stored, digest.as_bytes(), "upload")
    }

    /// Keyed hash for uniqueness and look-up (64 hex digits).
    pub fn lookup_hash(&self, id: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.lookup_key).unwrap_or_else(|_| unreachable_key());
        mac.update(id.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// HMAC-SHA256 of `purpose ‖ message` under the service's secret key, as lower-case hex.
pub fn sign(secret: &[u8], purpose: &str, message: &str) -> String {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(purpose.as_bytes());
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `given` is the signature `signature_under` makes with one of `secrets` (the current
/// key, then the previous one while a rotation is under way), compared in constant time. An empty
/// signature (a key that cannot sign) never matches.
pub fn verify_any(secrets: &[&[u8]], given: &str, signature_under: impl Fn(&[u8]) -> String) -> bool {
    secrets.iter().any(|secret| {
        let expected = signature_under(secret);
        !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
    })
}

/// `nonce ‖ ciphertext` of `clear` under a fresh random nonce.
fn seal(cipher: &Aes256Gcm, clear: &[u8], aad: &[u8], what: &str) -> Result<Vec<u8>, AppError> {
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: clear, aad })
        .map_err(|_| AppError::internal(format!("{what} encryption failed")))?;
    let mut out = Vec::with_capacity(12 + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The clear bytes of `nonce ‖ ciphertext`; fails under another key or `aad`.
fn open(cipher: &Aes256Gcm, bytes: &[u8], aad: &[u8], what: &str) -> Result<Vec<u8>, AppError> {
    if bytes.len() < 13 {
        return Err(AppError::internal(format!("stored {what} is truncated")));
    }
    let (nonce, sealed) = bytes.split_at(12);
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad })
        .map_err(|_| AppError::internal(format!("{what} cannot be decrypted: was VOCPATH_DATA_KEY changed?")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_under_the_current_or_the_previous_key_is_accepted_and_no_other() {
        let (now, before, other) = (
            b"k-now-k-now-k-now-k-now-k-now-k!",
            b"k-old-k-old-k-old-k-old-k-old-k!",
            b"k-not-k-not-k-not-k-not-k-not-k!",
        );
        let under = |secret: &[u8]| sign(secret, "test:", "message");
        let old = under(before);
        assert!(verify_any(&[now, before], &old, under));
        assert!(!verify_any(&[now], &old, under));
        assert!(!verify_any(&[now, before], &under(other), under));
        assert!(
            !verify_any(&[now, before], "", |_| String::new()),
            "an empty signature never matches"
        );
    }

    #[test]
    fn a_signature_depends_on_key_purpose_and_message() {
        let s = sign(b"k", "csrf:", "x");
        assert_eq!(s.len(), 64);
        assert_eq!(s, sign(b"k", "csrf:", "x"));
        assert_ne!(s, sign(b"k2", "csrf:", "x"));
        assert_ne!(s, sign(b"k", "device:", "x"));
        assert_ne!(s, sign(b"k", "csrf:", "y"));
    }

    #[test]
    fn an_id_round_trips_and_never_encrypts_the_same_way_twice() {
        let v = IdVault::new(&[7u8; 32]);
        let a = v.encrypt("41018120060202405X").expect("enc");
        let b = v.encrypt("41018120060202405X").expect("enc");
        assert_ne!(a, b);
        assert!(!a.contains("410181"));
        assert_eq!(v.decrypt(&a).expect("dec"), "41018120060202405X");
    }

    #[test]
    fn the_lookup_hash_is_stable_and_depends_on_the_key() {
        let v = IdVault::new(&[7u8; 32]);
        assert_eq!(v.lookup_hash("x"), v.lookup_hash("x"));
        assert_ne!(v.lookup_hash("x"), IdVault::new(&[8u8; 32]).lookup_hash("x"));
    }

    #[test]
    fn an_upload_round_trips_only_with_its_own_digest() {
        let v = IdVault::new(&[7u8; 32]);
        let sealed = v.encrypt_upload(b"410181200602024058,x", "d1").expect("enc");
        assert!(!sealed.windows(6).any(|w| w == b"410181"));
        assert_eq!(v.decrypt_upload(&sealed, "d1").expect("dec"), b"410181200602024058,x");
        assert!(v.decrypt_upload(&sealed, "d2").is_err(), "bound to its digest");
        assert!(v.decrypt(&STANDARD.encode(&sealed)).is_err(), "not under the ID key");
    }

    #[test]
    fn another_key_cannot_decrypt() {
        let sealed = IdVault::new(&[7u8; 32]).encrypt("410181200602024058").expect("enc");
        assert!(IdVault::new(&[9u8; 32]).decrypt(&sealed).is_err());
    }
}
