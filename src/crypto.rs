//! Protection of national IDs at rest: AES-256-GCM encryption with a random nonce per value, and a
//! keyed hash (HMAC-SHA256) so that uniqueness and look-up by ID work without decrypting anything.
//! Both keys are derived from the one data key (`VOCPATH_DATA_KEY`), each for its own purpose.
//! [`sign`] is the one HMAC for values the service hands out and must recognise later (CSRF
//! tokens, device cookies), each under its own purpose prefix.
//! This module never logs or returns a clear ID except from [`IdVault::decrypt`].

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::error::AppError;

/// Encrypts, decrypts and hashes national IDs.
#[derive(Clone)]
pub struct IdVault {
    cipher: Aes256Gcm,
    lookup_key: [u8; 32],
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
        }
    }

    /// `base64(nonce ‖ ciphertext)`; a fresh nonce each time, so equal IDs encrypt differently.
    pub fn encrypt(&self, id: &str) -> Result<String, AppError> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), id.as_bytes())
            .map_err(|_| AppError::Internal("national ID encryption failed".into()))?;
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(STANDARD.encode(out))
    }

    /// The clear ID. Fails when the value was encrypted under another data key.
    pub fn decrypt(&self, stored: &str) -> Result<String, AppError> {
        let bytes = STANDARD
            .decode(stored)
            .map_err(|_| AppError::Internal("stored national ID is not base64".into()))?;
        if bytes.len() < 13 {
            return Err(AppError::Internal("stored national ID is truncated".into()));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let clear = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| AppError::Internal("national ID cannot be decrypted: was VOCPATH_DATA_KEY changed?".into()))?;
        String::from_utf8(clear).map_err(|_| AppError::Internal("decrypted national ID is not text".into()))
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn another_key_cannot_decrypt() {
        let sealed = IdVault::new(&[7u8; 32]).encrypt("410181200602024058").expect("enc");
        assert!(IdVault::new(&[9u8; 32]).decrypt(&sealed).is_err());
    }
}
