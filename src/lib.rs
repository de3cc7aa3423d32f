//! vocpath: routing registered-household junior-high graduates into secondary vocational
//! programmes, their study-and-employment archive, mentoring and farmer training.
//!
//! Features live in folders (`auth/`, `audit/`, …) with three rings: `api.rs` / `web.rs` (HTTP,
//! no queries), `mod.rs` or service files (transactions, audit, side effects), and pure domain
//! modules. Shared pieces sit at the top: configuration, errors, i18n, pagination, the API and
//! portal scaffolding.

pub mod admissions;
pub mod api;
pub mod api_doc;
pub mod app;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod body_limit;
pub mod cli;
pub mod client_addr;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod error;
pub mod export;
pub mod files;
pub mod health;
pub mod i18n;
pub mod key_rotation;
pub mod limits;
pub mod mail;
pub mod mentor;
pub mod metrics;
pub mod outbox;
pub mod outbox_http;
pub mod pagination;
pub mod parallel;
pub mod query_params;
pub mod routing;
pub mod security_headers;
pub mod sms;
pub mod state;
pub mod static_files;
pub mod student;
pub mod training;
pub mod verify;
pub mod web;

pub use app::{build_state, routes};
pub use config::Config;
pub use state::AppState;
