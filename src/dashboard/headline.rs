//! The headline figures at the top of the dashboard (eligible, placed, on the ledger, mentors with
//! overdue contacts, training sessions this month), each with its change since the previous round:
//! the figure now against the figure as it stood just before the latest committed round, read from
//! the rows' own timestamps (placed, released, opened, closed, committed, created). Mentors'
//! contacts keep only the latest date, so that figure has no past to compare with.
//! `counts_at` is pure; `headline` only loads the rows.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{ledger_entry, placement, programme, routing_run, training_session};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::figures::Filter;
use crate::admissions::runs::{is_ineligible, result_of, student_of};
use crate::error::AppError;

/// One headline figure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Kpi {
    /// `eligible`, `placed`, `on_ledger`, `mentors_overdue`, `training_month`.
    pub key: &'static str,
    pub value: i64,
    /// Now minus before the latest round; `None` without a previous round (or without history).
    pub change: Option<i64>,
}

/// The headline figures and the round they are compared with.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Headline {
    /// The round before the latest committed one, when there is one.
    pub previous_round: Option<i32>,
    pub kpis: Vec<Kpi>,
}

/// Eligible, placed and on the ledger at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoundCounts {
    pub eligible: usize,
    pub placed: usize,
    pub on_ledger: usize,
}

/// The round figures as they stood before `at` (now when `None`): eligible in the runs committed
/// before then and placed directly before then; seats held then (not released yet) by students
/// not on the ledger then, in the programmes `in_scope`; ledger lines open then.
pub fn counts_at(
    at: Option<DateTime<Utc>>,
    eligible_by_run: &[(DateTime<Utc>, HashSet<i32>)],
    placements: &[placement::Model],
    ledger: &[ledger_entry::Model],
    in_scope: impl Fn(i32) -> bool,
) -> RoundCounts {
    let before = |t: DateTime<Utc>| at.is_none_or(|a| t < a);
    let still = |t: Option<DateTime<Utc>>| t.is_none_or(|t| !before(t));
    let mut eligible: HashSet<i32> = eligible_by_run
        .iter()
        .filter(|(t, _)| before(*t))
        .flat_map(|(_, s)| s.iter().copied())
        .collect();
    eligible.extend(
        placements
            .iter()
            .filter(|p| p.run_id.is_none() && before(p.placed_at))
            .map(|p| p.student_id),
    );
    let open: HashSet<i32> = ledger
        .iter()
        .filter(|l| before(l.opened_at) && still(l.closed_at))
        .map(|l| l.student_id)
        .collect();
    let placed: HashSet<i32> = placements
        .iter()
        .filter(|p| before(p.placed_at) && still(p.released_at) && in_scope(p.programme_id))
        .map(|p| p.student_id)
        .filter(|s| !open.contains(s))
        .collect();
    RoundCounts {
        eligible: eligible.len(),
        placed: placed.len(),
        on_ledger: ledger
            .iter()
            .filter(|l| before(l.opened_at) && still(l.closed_at))
            .count(),
    }
}

fn kpi(key: &'static str, now: usize, then: Option<usize>) -> Kpi {
    Kpi {
        key,
        value: now as i64,
        change: then.map(|t| now as i64 - t as i64),
    }
}

/// The headline of a year (and school): `mentors_overdue` is counted by the caller.
pub async fn headline(
    db: &impl ConnectionTrait,
    filter: Filter,
    today: NaiveDate,
    mentors_overdue: usize,
    venues: Option<&HashSet<i32>>,
) -> Result<Headline, AppError> {
    let mut runs = routing_run::Entity::find()
        .filter(routing_run::Column::IntakeYear.eq(filter.year))
        .filter(routing_run::Column::Status.eq(routing_run::RunStatus::Committed))
        .all(db)
        .await?;
    runs.sort_by_key(|r| (r.committed_at, r.id));
    let mut eligible_by_run = Vec::new();
    for run in &runs {
        let Some(at) = run.committed_at else { continue };
        let result = result_of(run)?;
        let eligible = result
            .placements
            .iter()
            .filter(|p| !is_ineligible(p))
            .filter_map(student_of)
            .collect();
        eligible_by_run.push((at, eligible));
    }
    // Before the latest round, when there was an earlier one.
    let (previous_round, since) = match runs.as_slice() {
        [.., previous, latest] => (Some(previous.round), latest.committed_at),
        _ => (None, None),
    };
    let placements = placement::Entity::find()
        .filter(placement::Column::IntakeYear.eq(filter.year))
        .all(db)
        .await?;
    let ledger = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::IntakeYear.eq(filter.year))
        .all(db)
        .await?;
    let in_school: HashSet<i32> = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(filter.year))
        .all(db)
        .await?
        .into_iter()
        .filter(|p| filter.school_id.is_none_or(|s| p.school_id == s))
        .map(|p| p.id)
        .collect();
    let scope = |pid: i32| in_school.contains(&pid);
    let now = counts_at(None, &eligible_by_run, &placements, &ledger, scope);
    let then = since.map(|t| counts_at(Some(t), &eligible_by_run, &placements, &ledger, scope));

    // Training sessions running this month (at the school's bases when a school is chosen).
    let first = today.with_day(1).unwrap_or(today);
    let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(today);
    let sessions: Vec<training_session::Model> = training_session::Entity::find()
        .filter(training_session::Column::Status.eq(entity::training_session::SessionStatus::Scheduled))
        .filter(training_session::Column::StartsOn.lt(next))
        .filter(training_session::Column::EndsOn.gte(first))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| venues.is_none_or(|v| v.contains(&s.venue_id)))
        .collect();
    let sessions_then = since.map(|t| sessions.iter().filter(|s| s.created_at < t).count());

    Ok(Headline {
        previous_round,
        kpis: vec![
            kpi("eligible", now.eligible, then.map(|c| c.eligible)),
            kpi("placed", now.placed, then.map(|c| c.placed)),
            kpi("on_ledger", now.on_ledger, then.map(|c| c.on_ledger)),
            kpi("mentors_overdue", mentors_overdue, None),
            kpi("training_month", sessions.len(), sessions_then),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + i64::from(hour) * 3600, 0).unwrap_or_default()
    }

    fn seat(student_id: i32, placed: u32, released: Option<u32>, run: bool) -> placement::Model {
        placement::Model {
            id: student_id,
            student_id,
            intake_year: 2026,
            programme_id: 1,
            run_id: run.then_some(1),
            round: None,
            choice: None,
            points: None,
            why_not_higher: String::new(),
            direct_reason: None,
            placed_by: String::new(),
            placed_at: at(placed),
            status: entity::placement::PlacementStatus::Offered,
            reported_at: None,
            released_at: released.map(at),
            release_reason: None,
            release_note: None,
            return_on: None,
        }
    }

    fn line(student_id: i32, opened: u32, closed: Option<u32>) -> ledger_entry::Model {
        ledger_entry::Model {
            id: student_id,
            student_id,
            intake_year: 2026,
            run_id: None,
            opened_at: at(opened),
            closed_at: closed.map(at),
            close_reason: closed.map(|_| ledger_entry::CloseReason::Placed),
            close_note: None,
            closed_by: None,
            why: String::new(),
            opened_because: ledger_entry::OpenedBecause::Unplaced,
            placement_id: None,
            follow_up_due_on: None,
        }
    }

    #[test]
    fn the_figures_before_a_round_come_from_the_rows_timestamps() {
        // Round 1 at hour 1: students 1–4 eligible, 1 placed, 2–4 on the ledger. Round 2 at hour
        // 5: 2 and 3 placed (their lines closed); 4 declined at hour 6; 5 placed directly at hour 3.
        let runs = vec![
            (at(1), HashSet::from([1, 2, 3, 4])),
            (at(5), HashSet::from([1, 2, 3, 4])),
        ];
        let seats = vec![
            seat(1, 1, None, true),
            seat(2, 5, None, true),
            seat(3, 5, None, true),
            seat(4, 5, Some(6), true),
            seat(5, 3, None, false),
        ];
        let lines = vec![line(2, 1, Some(5)), line(3, 1, Some(5)), line(4, 1, None)];
        let now = counts_at(None, &runs, &seats, &lines, |_| true);
        assert_eq!(
            now,
            RoundCounts {
                eligible: 5,
                placed: 4,
                on_ledger: 1
            }
        );
        let before = counts_at(Some(at(5)), &runs, &seats, &lines, |_| true);
        assert_eq!(
            before,
            RoundCounts {
                eligible: 5,
                placed: 2,
                on_ledger: 3
            }
        );
        assert_eq!(counts_at(Some(at(5)), &runs, &seats, &lines, |_| false).placed, 0);
    }
}
