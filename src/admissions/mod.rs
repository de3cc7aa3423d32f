//! Admissions: vocational schools and their programmes, routing rule sets, students' preferences,
//! routing runs (dry run, diff, commit) and the no-one-left-out ledger. The matching itself is the
//! pure `routing` module; this module owns the data, the transactions and the audit entries.

pub mod api;
pub mod instance_builder;
pub mod ledger;
pub mod ledger_query;
pub mod placements;
pub mod placements_api;
pub mod placements_web;
pub mod preferences;
pub mod programmes;
pub mod programmes_api;
pub mod programmes_web;
pub mod recommendations;
pub mod rule_sets;
pub mod rule_sets_web;
pub mod rules_check;
pub mod run_api;
pub mod run_rows;
pub mod run_web;
pub mod runs;
pub mod web;
