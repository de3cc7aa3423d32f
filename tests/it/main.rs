//! The one integration-test binary: helpers plus one file per feature.
//! Every test gets its own fresh database (SQLite file in a temp folder, or a new PostgreSQL
//! database when `TEST_DATABASE_URL` is set) with the real migrations.

mod helpers;
#[path = "../fixtures/hostile_files.rs"]
mod hostile_files;

mod api_errors;
mod archive;
mod audit;
mod auth;
mod bringing_back;
mod browser;
mod browser_tour;
mod contract;
mod dashboard;
mod demo_story;
mod entry_kinds;
mod export_stream;
mod foundation;
mod import;
mod import_limits;
mod import_uploads;
mod invariant;
mod letters;
mod list_queries;
mod lists;
mod mentor;
mod offer_statuses;
mod offers;
mod ops;
mod outbox;
mod pages;
mod placements;
mod portal;
mod portal_pages;
mod reporting;
mod reporting_windows;
mod roster;
mod round_batches;
mod routing;
mod security;
mod status_labels;
mod status_labels_student;
mod status_labels_training;
mod training;
mod training_attendance;
mod training_finished;
mod training_proposals;
