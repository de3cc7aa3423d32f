//! The state every handler receives: passed explicitly, never global.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::crypto::IdVault;
use crate::i18n::Catalogues;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub templates: Arc<tera::Tera>,
    pub i18n: Arc<Catalogues>,
    /// Encrypts and hashes national IDs.
    pub vault: Arc<IdVault>,
    /// Request counters for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Where outgoing mail goes (the outbox worker uses it).
    pub mailer: crate::mail::Mailer,
    /// Where text messages go (the outbox worker uses it).
    pub sms: crate::sms::SmsSender,
    /// Import commits running in this instance, by batch id (for the progress page).
    /// Content-Security-Policy and the other security headers, built once from the templates.
    pub security_headers: Arc<crate::security_headers::SecurityHeaders>,
    /// The files under `/static`, from the built-in assets or `VOCPATH_ASSETS_DIR`.
    pub static_files: Arc<crate::static_files::StaticFiles>,
    /// When the outbox worker last went round its loop (for `/healthz`).
    pub outbox_heartbeat: Arc<crate::health::Heartbeat>,
    pub imports_running: Arc<std::sync::Mutex<std::collections::HashMap<i32, Arc<crate::student::import::Progress>>>>,
}

impl AppState {
    /// The client address of `req`, believing the configured trusted proxies' forwarding headers.
    pub fn client_ip(&self, req: &poem::Request) -> String {
        crate::api::client_ip(req, &self.config.trusted_proxies, self.config.forwarded_header)
    }
}
