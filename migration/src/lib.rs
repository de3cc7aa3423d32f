//! Database schema changes, one per file, applied in order at `serve` start and by `vocpath migrate`.
//!
//! Each migration is self-contained: it names its tables and columns itself and never imports the
//! `entity` crate, so old migrations keep compiling as the entities evolve.

pub use sea_orm_migration::prelude::*;
/// For `vocpath migrate --status` and `/healthz`: each migration with whether it is applied.
pub use sea_orm_migration::{Migration as MigrationEntry, MigrationStatus};

mod m20261129_000001_create_user;
mod m20261129_000002_create_session;
mod m20261129_000003_create_api_token;
mod m20261129_000004_create_audit_log;
mod m20261129_000005_create_login_failure;
mod m20261129_000006_create_household;
mod m20261129_000007_create_student;
mod m20261129_000008_create_archive_entry;
mod m20261129_000009_create_import_batch;
mod m20261129_000010_create_school_programme;
mod m20261129_000011_create_rule_set;
mod m20261129_000012_create_preference;
mod m20261129_000013_create_routing_run;
mod m20261129_000014_create_outbox;
mod m20261129_000015_create_mentor_profile;
mod m20261129_000016_create_mentor_assignment;
mod m20261129_000017_create_training;
mod m20261201_000001_add_device_to_login_failure;
mod m20261202_000001_clear_import_batch_content;
mod m20261204_000001_unique_open_ledger_line;
mod m20261205_000001_create_placement;
mod m20261205_000002_create_reporting_window;
mod m20261205_000003_offer_follow_through;
mod m20261205_000004_placement_return_on;
mod m20261205_000010_create_roster_preview;
mod m20261206_000001_ledger_follow_up;
mod m20261206_000020_attendance_day;
mod m20261207_000020_proposal_passed_over;
mod m20261207_000030_student_name_order_index;

/// The ordered list of every migration.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_user::Migration),
            Box::new(m20261129_000002_create_session::Migration),
            Box::new(m20261129_000003_create_api_token::Migration),
            Box::new(m20261129_000004_create_audit_log::Migration),
            Box::new(m20261129_000005_create_login_failure::Migration),
            Box::new(m20261129_000006_create_household::Migration),
            Box::new(m20261129_000007_create_student::Migration),
            Box::new(m20261129_000008_create_archive_entry::Migration),
            Box::new(m20261129_000009_create_import_batch::Migration),
            Box::new(m20261129_000010_create_school_programme::Migration),
            Box::new(m20261129_000011_create_rule_set::Migration),
            Box::new(m20261129_000012_create_preference::Migration),
            Box::new(m20261129_000013_create_routing_run::Migration),
            Box::new(m20261129_000014_create_outbox::Migration),
            Box::new(m20261129_000015_create_mentor_profile::Migration),
            Box::new(m20261129_000016_create_mentor_assignment::Migration),
            Box::new(m20261129_000017_create_training::Migration),
            Box::new(m20261201_000001_add_device_to_login_failure::Migration),
            Box::new(m20261202_000001_clear_import_batch_content::Migration),
            Box::new(m20261204_000001_unique_open_ledger_line::Migration),
            Box::new(m20261205_000001_create_placement::Migration),
            Box::new(m20261205_000002_create_reporting_window::Migration),
            Box::new(m20261205_000003_offer_follow_through::Migration),
            Box::new(m20261205_000004_placement_return_on::Migration),
            Box::new(m20261205_000010_create_roster_preview::Migration),
            Box::new(m20261206_000001_ledger_follow_up::Migration),
            Box::new(m20261206_000020_attendance_day::Migration),
            Box::new(m20261207_000020_proposal_passed_over::Migration),
            Box::new(m20261207_000030_student_name_order_index::Migration),
        ]
    }
}
