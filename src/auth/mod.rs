//! Staff accounts, roles, portal sessions, API tokens and login rate limiting.
//!
//! [`Capability`] is the one place that says which role may do what: every API operation and
//! every portal page calls [`CurrentUser::require`] with a capability, and the navigation is built
//! from the same table. This module must not render pages or know about HTTP; `api.rs` and
//! `web.rs` do that.

pub mod api;
pub mod device;
pub mod password;
pub mod ratelimit;
pub mod routes;
pub mod session;
pub mod token;
pub mod user;
pub mod web;

use entity::enums::Role;
use serde::Serialize;

use crate::audit::Actor;
use crate::error::AppError;

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Sign in to the portal and see the home page.
    UsePortal,
    /// Create and revoke one's own API tokens.
    ManageOwnTokens,
    /// Create, edit, deactivate staff accounts and reset their passwords.
    ManageUsers,
    /// Read the audit log.
    ReadAuditLog,
    /// Read households, students and archives (IDs masked).
    ReadStudents,
    /// Import register files and write archive entries.
    ManageStudents,
    /// See a full national ID (each reveal is audited).
    RevealNationalId,
    /// Create and change schools, programmes and rule sets; publish rule sets.
    ManageProgrammes,
    /// Set preferences, run routing, commit runs, cross students off the ledger.
    RunRouting,
    /// See the email delivery log and resend.
    ManageOutbox,
    /// Preview and confirm mentor assignments, override one, see overdue contacts.
    ManageMentoring,
    /// Record help sessions with one's own mentees ("my mentees").
    RecordHelpSessions,
    /// Farmer training: bases, courses, instructors, sessions, rosters, attendance, proposals.
    ManageTraining,
    /// Record efforts to bring a student on the ledger back (mentors, school staff, and staff
    /// typing in what a town official reported).
    FollowUpLedger,
}

impl Capability {
    /// The roles holding this capability.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Capability::UsePortal | Capability::ManageOwnTokens | Capability::ReadStudents => {
                &[Admin, Admissions, Mentor, Viewer]
            }
            Capability::ManageStudents
            | Capability::RevealNationalId
            | Capability::RunRouting
            | Capability::ManageOutbox
            | Capability::ManageMentoring
            | Capability::ManageTraining => &[Admin, Admissions],
            Capability::RecordHelpSessions => &[Mentor],
            Capability::FollowUpLedger => &[Admin, Admissions, Mentor],
            Capability::ManageProgrammes => &[Admin],
            Capability::ManageUsers | Capability::ReadAuditLog => &[Admin],
        }
    }

    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

/// The signed-in staff member of a request (from a portal session or an API token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrentUser {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub must_change_password: bool,
}

impl CurrentUser {
    /// `Ok` when the user's role holds `cap`; otherwise [`AppError::Forbidden`].
    pub fn require(&self, cap: Capability) -> Result<(), AppError> {
        if cap.allows(self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn can(&self, cap: Capability) -> bool {
        cap.allows(self.role)
    }

    /// A student's or guardian's phone number as this user may see it: in full for roles that may
    /// reveal national IDs, masked like `138****5678` for the others (viewers, mentors).
    pub fn phone_view(&self, phone: Option<&str>) -> Option<String> {
        let phone = phone?;
        Some(if self.can(Capability::RevealNationalId) {
            phone.to_string()
        } else {
            crate::sms::mask_phone(phone)
        })
    }

    /// This user as the actor of an audited change.
    pub fn actor(&self, client_ip: Option<String>) -> Actor {
        Actor {
            user_id: Some(self.id),
            label: self.email.clone(),
            client_ip,
        }
    }
}

impl From<&entity::user::Model> for CurrentUser {
    fn from(u: &entity::user::Model) -> Self {
        CurrentUser {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            must_change_password: u.must_change_password,
        }
    }
}

/// SHA-256 as lower-case hex; used for session ids and API tokens, which are random enough that
/// a fast hash is safe (unlike passwords).
pub fn sha256_hex(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// SHA-256 of bytes as lower-case hex (file fingerprints).
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
