//! The admissions figures: the funnel (and whether it adds up), programme fill and cut-offs, and
//! what became of the offers by school and by town.

use std::collections::{HashMap, HashSet};

use entity::placement::PlacementStatus;
use entity::{ledger_entry, programme, routing_run};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{Fill, Filter, Funnel, ReportingRow};
use crate::admissions::runs::{is_ineligible, result_of, student_of};
use crate::error::AppError;

/// The funnel from the committed runs of the year, with the seats in force (student → programme)
/// and the cut-offs by programme code that the fill table shows.
pub(super) async fn funnel(
    db: &impl ConnectionTrait,
    filter: Filter,
    programmes: &[programme::Model],
) -> Result<(Funnel, HashMap<i32, i32>, HashMap<String, f64>), AppError> {
    let in_school = |p: &programme::Model| filter.school_id.is_none_or(|s| p.school_id == s);

    // Funnel, from the committed runs of the year.
    let runs = routing_run::Entity::find()
        .filter(routing_run::Column::IntakeYear.eq(filter.year))
        .filter(routing_run::Column::Status.eq(routing_run::RunStatus::Committed))
        .all(db)
        .await?;
    let by_id: HashMap<i32, &programme::Model> = programmes.iter().map(|p| (p.id, p)).collect();
    // Placed: the placement rows (runs and direct placements). Eligible: whom a committed run
    // found eligible, and whoever was placed directly.
    let seats: HashMap<i32, i32> = crate::admissions::placements::in_force(db, filter.year).await?;
    let mut eligible: HashSet<i32> = crate::admissions::placements::placed_directly(db, filter.year).await?;
    let cutoffs = eligible_and_cutoffs(&runs, &mut eligible)?;
    let ledger = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::IntakeYear.eq(filter.year))
        .all(db)
        .await?;
    let on_ledger = ledger.iter().filter(|l| l.closed_at.is_none()).count();
    let crossed_off = ledger
        .iter()
        .filter(|l| crate::admissions::ledger::is_crossed_off(l))
        .count();
    let brought_back = ledger
        .iter()
        .filter(|l| l.close_reason == Some(ledger_entry::CloseReason::BroughtBack))
        .count();
    // A student offered a seat again after declining or leaving stays on the ledger until they
    // report: counted there, not as placed.
    let still_on_ledger: HashSet<i32> = ledger
        .iter()
        .filter(|l| l.closed_at.is_none())
        .map(|l| l.student_id)
        .collect();
    let placed: HashMap<i32, i32> = seats
        .iter()
        .filter(|(s, _)| !still_on_ledger.contains(s))
        .map(|(s, p)| (*s, *p))
        .collect();
    // Where each eligible student is counted: exactly once is right.
    let mut times: HashMap<i32, usize> = eligible.iter().map(|s| (*s, 0)).collect();
    let counted = placed.keys().copied().chain(
        ledger
            .iter()
            .filter(|l| crate::admissions::ledger::counts_student(l))
            .map(|l| l.student_id),
    );
    for sid in counted {
        *times.entry(sid).or_default() += 1;
    }
    let unaccounted = times.values().filter(|n| **n == 0).count();
    let counted_twice = times.values().filter(|n| **n > 1).count();
    let placed_in_scope = placed
        .values()
        .filter(|pid| by_id.get(*pid).is_some_and(|p| in_school(p)))
        .count();
    let funnel = Funnel {
        committed_runs: runs.len(),
        eligible: eligible.len(),
        placed: if filter.school_id.is_some() {
            placed_in_scope
        } else {
            placed.len()
        },
        on_ledger,
        crossed_off,
        brought_back,
        unaccounted,
        counted_twice,
        adds_up: unaccounted == 0 && counted_twice == 0,
        county_wide: filter.school_id.is_some(),
    };

    Ok((funnel, seats, cutoffs))
}

/// Each programme's seats taken against its capacity, and its cut-off.
pub(super) fn fill(
    filter: Filter,
    programmes: &[programme::Model],
    schools: &HashMap<i32, String>,
    seats: &HashMap<i32, i32>,
    cutoffs: &HashMap<String, f64>,
) -> Vec<Fill> {
    let in_school = |p: &programme::Model| filter.school_id.is_none_or(|s| p.school_id == s);
    let mut counts: HashMap<i32, usize> = HashMap::new();
    for pid in seats.values() {
        *counts.entry(*pid).or_default() += 1;
    }
    let mut fill: Vec<Fill> = programmes
        .iter()
        .filter(|p| in_school(p))
        .map(|p| Fill {
            school_id: p.school_id,
            code: p.code.clone(),
            name: p.name.clone(),
            school: schools.get(&p.school_id).cloned().unwrap_or_default(),
            capacity: p.capacity,
            placed: counts.get(&p.id).copied().unwrap_or(0),
            cutoff: cutoffs.get(&p.code).copied(),
        })
        .collect();
    fill.sort_by(|a, b| a.code.cmp(&b.code).then(a.school_id.cmp(&b.school_id)));
    fill
}

/// Every offer of the year (in force or released), counted by school and by the student's town.
pub(super) async fn reporting_rows(
    db: &impl ConnectionTrait,
    year: i32,
    programmes: &[programme::Model],
    schools: &HashMap<i32, String>,
) -> Result<Vec<ReportingRow>, AppError> {
    let offers = entity::placement::Entity::find()
        .filter(entity::placement::Column::IntakeYear.eq(year))
        .all(db)
        .await?;
    let ids: Vec<i32> = offers.iter().map(|p| p.student_id).collect();
    let (students, households) = crate::student::students::students_with_households(db, &ids).await?;
    let school_of: HashMap<i32, i32> = programmes.iter().map(|p| (p.id, p.school_id)).collect();
    let mut rows: std::collections::BTreeMap<(&'static str, String), ReportingRow> = Default::default();
    for p in &offers {
        let school = school_of
            .get(&p.programme_id)
            .and_then(|s| schools.get(s))
            .cloned()
            .unwrap_or_default();
        let town = students
            .get(&p.student_id)
            .and_then(|s| households.get(&s.household_id))
            .map(|h| h.town.clone())
            .unwrap_or_default();
        for (by, name) in [("school", school), ("town", town)] {
            let row = rows.entry((by, name.clone())).or_insert_with(|| ReportingRow {
                by,
                name,
                ..Default::default()
            });
            row.offers += 1;
            match p.status {
                // Reported, whatever happened after (a later dropout is counted on the ledger).
                PlacementStatus::Reported
                | PlacementStatus::Suspended
                | PlacementStatus::Transferred
                | PlacementStatus::DroppedOut => row.reported += 1,
                PlacementStatus::Declined => row.declined += 1,
                PlacementStatus::NoShow => row.no_show += 1,
                PlacementStatus::Offered => row.waiting += 1,
            }
        }
    }
    Ok(rows.into_values().collect())
}

/// Adds whom the committed `runs` found eligible to `eligible`; the cut-off points by programme
/// code (a later run's replace an earlier one's).
fn eligible_and_cutoffs(
    runs: &[routing_run::Model],
    eligible: &mut HashSet<i32>,
) -> Result<HashMap<String, f64>, AppError> {
    let mut cutoffs: HashMap<String, f64> = HashMap::new();
    for run in runs {
        let result = result_of(run)?;
        for p in &result.placements {
            if let Some(sid) = student_of(p).filter(|_| !is_ineligible(p)) {
                eligible.insert(sid);
            }
        }
        for pr in &result.programmes {
            if let Some(points) = pr.cutoff_points {
                cutoffs.insert(pr.code.clone(), points);
            }
        }
    }
    Ok(cutoffs)
}
