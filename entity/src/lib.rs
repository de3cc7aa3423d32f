//! Table definitions for vocpath, one module per table, in SeaORM 2 dense format.
//!
//! Data only: no business rules live here. Services in the main crate own behaviour.

pub mod admission_letter;
pub mod api_token;
pub mod archive_entry;
pub mod attendance_day;
pub mod audit_log;
pub mod blackout;
pub mod certificate;
pub mod course;
pub mod enums;
pub mod household;
pub mod import_batch;
pub mod instructor;
pub mod interest;
pub mod ledger_entry;
pub mod ledger_follow_up;
pub mod login_failure;
pub mod mentor_assignment;
pub mod mentor_profile;
pub mod outbox;
pub mod placement;
pub mod preference;
pub mod programme;
pub mod public_attempt;
pub mod registration;
pub mod reporting_window;
pub mod roster_preview;
pub mod routing_run;
pub mod rule_set;
pub mod school;
pub mod session;
pub mod session_proposal;
pub mod student;
pub mod training_base;
pub mod training_session;
pub mod user;
pub mod venue;
