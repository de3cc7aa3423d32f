//! Admissions: vocational schools and their programmes, routing rule sets, students' preferences,
//! routing runs (dry run, diff, commit) and the no-one-left-out ledger. The matching itself is the
//! pure `routing` module; this module owns the data, the transactions and the audit entries.

pub mod api;
pub mod follow_through;
pub mod follow_through_web;
pub mod instance_builder;
pub mod ledger;
pub mod ledger_api;
pub mod ledger_follow_ups;
pub mod ledger_query;
pub mod ledger_web;
pub mod letters;
pub mod letters_web;
pub mod offers;
pub mod placements;
pub mod placements_api;
pub mod placements_web;
pub mod preferences;
pub mod programmes;
pub mod programmes_api;
pub mod programmes_web;
pub mod recommendations;
pub mod reporting;
pub mod reporting_api;
pub mod reporting_web;
pub mod roster;
pub mod roster_api;
pub mod roster_web;
pub mod routes;
pub mod rule_sets;
pub mod rule_sets_web;
pub mod rules_check;
pub mod run_api;
pub mod run_rows;
pub mod run_web;
pub mod runs;
pub mod web;

/// Checks a free-text reason or note staff typed: at most `max` characters and no invisible control
/// characters (often pasted by accident; they can make the record read differently).
pub(crate) fn check_note(field: &'static str, text: &str, max: usize) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    use crate::i18n::Msg;
    if text.chars().count() > max {
        return Err(AppError::invalid(
            field,
            Msg::new("error.notes_too_long").arg("max", max),
        ));
    }
    if text.chars().any(crate::student::ids::is_invisible) {
        return Err(AppError::invalid(field, Msg::new("student.text_has_control")));
    }
    Ok(())
}
