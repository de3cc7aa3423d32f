//! One ledger line as its page shows it: the line with its student, the follow-up log with the
//! names of who recorded each effort, and the programme the student holds an offer for again.
//! Reads only.

use entity::ledger_follow_up;
use sea_orm::ConnectionTrait;

use super::LedgerLine;
use crate::error::AppError;

/// A line with its follow-ups (newest first) and the seat its student holds again, if any.
#[derive(Debug, Clone)]
pub struct LineView {
    pub line: LedgerLine,
    pub follow_ups: Vec<ledger_follow_up::Model>,
    /// The programme of the offer the student holds again (an open line stays open until they
    /// report).
    pub holds: Option<String>,
}

/// The line `id` with its log, who recorded and closed it named as people (not sign-in labels).
pub async fn line_view(db: &impl ConnectionTrait, id: i32) -> Result<LineView, AppError> {
    let mut line = super::line(db, id).await?;
    let mut follow_ups = crate::admissions::ledger_follow_ups::of_line(db, id).await?;
    let labels = follow_ups.iter().map(|f| f.recorded_by.as_str());
    let names = crate::audit::names_by_label(db, labels.chain(line.entry.closed_by.as_deref())).await?;
    for f in &mut follow_ups {
        f.recorded_by = crate::audit::name_of(&names, &f.recorded_by);
    }
    line.entry.closed_by = line
        .entry
        .closed_by
        .as_deref()
        .map(|by| crate::audit::name_of(&names, by));
    let holds = match line.entry.closed_at {
        None => {
            match crate::admissions::placements::of_student(db, line.entry.student_id, line.entry.intake_year).await? {
                Some(p) => Some(
                    crate::admissions::programmes::get_programme(db, p.programme_id)
                        .await?
                        .name,
                ),
                None => None,
            }
        }
        Some(_) => None,
    };
    Ok(LineView {
        line,
        follow_ups,
        holds,
    })
}
