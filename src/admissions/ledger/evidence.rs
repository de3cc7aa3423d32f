//! What crossing a student off needs: a known reason (never `brought_back`, which only a
//! confirmed report closes) and the evidence that reason asks for in the note. Pure: no I/O.

use entity::ledger_entry::CloseReason;

use super::REASONS;
use crate::error::AppError;
use crate::i18n::Msg;

/// Checks the evidence a cross-off reason needs (see [`REASONS`]); the note is trimmed, non-empty.
pub(super) fn check_evidence(reason: &str, note: Option<&str>) -> Result<CloseReason, AppError> {
    let parsed = CloseReason::parse(reason);
    if parsed == Some(CloseReason::BroughtBack) {
        return Err(AppError::invalid(
            "reason",
            Msg::new("error.ledger_brought_back_by_report"),
        ));
    }
    let Some(reason) = parsed.filter(|r| REASONS.contains(r)) else {
        return Err(AppError::invalid(
            "reason",
            Msg::new("error.choice_invalid").arg("allowed", reasons_list()),
        ));
    };
    match note {
        None => Err(AppError::invalid(
            "note",
            Msg::new(match reason {
                CloseReason::SeniorHighLate => "error.evidence_senior_high",
                CloseReason::MovedAway => "error.evidence_moved",
                CloseReason::Working => "error.evidence_working",
                CloseReason::Illness => "error.evidence_illness",
                _ => "error.ledger_note_required",
            }),
        )),
        Some(n) => crate::admissions::check_note("note", n, 500).map(|()| reason),
    }
}

/// The cross-off reasons as the error message lists them.
pub fn reasons_list() -> String {
    REASONS.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}
