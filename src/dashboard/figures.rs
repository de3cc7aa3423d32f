//! The dashboard's figures for an intake year, county-wide or for one school: the routing funnel
//! (and whether it adds up), programme fill and cut-offs, mentor loads and overdue contacts,
//! follow-up waves, employment outcomes at 6/12/24 months (unknown kept apart), and training.
//! Each figure is a table; the page draws charts from the same rows and exports them.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Months, NaiveDate};
use entity::placement::PlacementStatus;
use entity::{archive_entry, ledger_entry, programme, registration, routing_run, school, training_session};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::admissions::runs::{is_ineligible, result_of, student_of};
use crate::error::AppError;
use crate::student::timeline::{EntryDetails, FollowUpOutcome};

/// Which figures.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Filter {
    pub year: i32,
    pub school_id: Option<i32>,
}

/// Eligible students and where each one stands.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Funnel {
    pub committed_runs: usize,
    pub eligible: usize,
    pub placed: usize,
    pub on_ledger: usize,
    pub crossed_off: usize,
    /// Lines closed because the student reported again after declining, not reporting or leaving
    /// (counted as placed, not as crossed off).
    pub brought_back: usize,
    /// Eligible students neither placed, on the ledger nor crossed off: should be none.
    pub unaccounted: usize,
    /// Eligible students counted in more than one of placed, on the ledger, crossed off (or twice
    /// in one): should be none.
    pub counted_twice: usize,
    pub adds_up: bool,
    /// A school is selected: `placed` is the school's; the rest are county-wide (students belong to
    /// no school before they are placed), so the check is the county's.
    pub county_wide: bool,
}

/// One programme's fill.
#[derive(Debug, Clone, Serialize)]
pub struct Fill {
    pub school_id: i32,
    pub code: String,
    pub name: String,
    pub school: String,
    pub capacity: i32,
    pub placed: usize,
    pub cutoff: Option<f64>,
}

/// One mentor's load.
#[derive(Debug, Clone, Serialize)]
pub struct Load {
    pub mentor_id: i32,
    pub name: String,
    pub school: String,
    pub mentees: u32,
    pub max: u32,
    pub overdue: usize,
}

/// Outcomes of one follow-up wave.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcomes {
    pub months: u32,
    pub reached: usize,
    pub employed: usize,
    pub not_employed: usize,
    pub further_study: usize,
    pub unknown: usize,
}

/// Follow-up waves due and overdue.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Waves {
    pub months: u32,
    pub due: usize,
    pub overdue: usize,
}

/// Training figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Training {
    pub sessions: usize,
    pub held: usize,
    pub confirmed: usize,
    pub waitlisted: usize,
    /// Confirmed farmers present on at least one teaching day.
    pub attended: usize,
    /// Attended ÷ confirmed, both of sessions already held, in percent.
    pub attendance_rate: Option<f64>,
    pub certificates: usize,
}

/// Everything on the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub filter: Filter,
    pub headline: super::headline::Headline,
    pub school: Option<String>,
    pub funnel: Funnel,
    pub fill: Vec<Fill>,
    pub loads: Vec<Load>,
    pub overdue_contacts: usize,
    pub waves: Vec<Waves>,
    pub outcomes: Vec<Outcomes>,
    pub training: Training,
    /// From offer to classroom, per school and per town.
    pub reporting: Vec<ReportingRow>,
}

/// Offers of a school's programmes (or of a town's students) and what became of them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportingRow {
    /// `school` or `town`.
    pub by: &'static str,
    pub name: String,
    pub offers: usize,
    pub reported: usize,
    pub waiting: usize,
    pub declined: usize,
    pub no_show: usize,
}

/// Every offer of the year (in force or released), counted by school and by the student's town.
async fn reporting_rows(
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

/// Intake years that have programmes, newest first.
pub async fn years(db: &impl ConnectionTrait) -> Result<Vec<i32>, AppError> {
    let mut years: Vec<i32> = programme::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.intake_year)
        .collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(years)
}

pub async fn figures(db: &impl ConnectionTrait, filter: Filter, today: NaiveDate) -> Result<Figures, AppError> {
    let schools: HashMap<i32, String> = school::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let programmes: Vec<programme::Model> = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(filter.year))
        .all(db)
        .await?;
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
    let mut cutoffs: HashMap<String, f64> = HashMap::new();
    for run in &runs {
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

    // Programme fill.
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

    // Mentor loads and overdue contacts.
    let mentors = crate::mentor::assignments::active_mentors(db).await?;
    let loads_now = crate::mentor::assignments::loads(db).await?;
    let overdue = crate::mentor::sessions::overdue(db, today, None).await?;
    let mut overdue_by_mentor: HashMap<i32, usize> = HashMap::new();
    for o in &overdue {
        *overdue_by_mentor.entry(o.mentor_id).or_default() += 1;
    }
    let mut loads: Vec<Load> = mentors
        .values()
        .filter(|m| filter.school_id.is_none_or(|s| m.school_id == s))
        .map(|m| Load {
            mentor_id: m.id,
            name: m.name.clone(),
            school: schools.get(&m.school_id).cloned().unwrap_or_default(),
            mentees: loads_now.get(&m.id).map(|l| l.iter().sum()).unwrap_or(0),
            max: m.roles.iter().map(|(_, max)| max).sum(),
            overdue: overdue_by_mentor.get(&m.id).copied().unwrap_or(0),
        })
        .collect();
    loads.sort_by(|a, b| {
        b.mentees
            .cmp(&a.mentees)
            .then(a.name.cmp(&b.name))
            .then(a.mentor_id.cmp(&b.mentor_id))
    });
    let mentor_ids: HashSet<i32> = mentors
        .values()
        .filter(|m| filter.school_id.is_none_or(|s| m.school_id == s))
        .map(|m| m.id)
        .collect();
    let overdue_contacts = overdue.iter().filter(|o| mentor_ids.contains(&o.mentor_id)).count();

    // Follow-up waves and outcomes.
    let school_name = filter.school_id.and_then(|s| schools.get(&s).cloned());
    let due = crate::student::followup::due_follow_ups(db, school_name.as_deref(), false, today).await?;
    let mut waves: BTreeMap<u32, Waves> = [6, 12, 24]
        .into_iter()
        .map(|m| {
            (
                m,
                Waves {
                    months: m,
                    ..Default::default()
                },
            )
        })
        .collect();
    for d in &due {
        let w = waves.entry(d.months).or_insert(Waves {
            months: d.months,
            ..Default::default()
        });
        if d.overdue {
            w.overdue += 1;
        } else {
            w.due += 1;
        }
    }
    let outcomes = outcomes(db, school_name.as_deref(), today).await?;

    // Training in the calendar year of the intake.
    let from = NaiveDate::from_ymd_opt(filter.year, 1, 1).unwrap_or(today);
    let to = NaiveDate::from_ymd_opt(filter.year, 12, 31).unwrap_or(today);
    let mut sessions = training_session::Entity::find()
        .filter(training_session::Column::StartsOn.gte(from))
        .filter(training_session::Column::StartsOn.lte(to))
        .filter(training_session::Column::Status.eq("scheduled"))
        .all(db)
        .await?;
    let venues = match filter.school_id {
        Some(school_id) => Some(school_venues(db, school_id).await?),
        None => None,
    };
    if let Some(venues) = &venues {
        sessions.retain(|s| venues.contains(&s.venue_id));
    }
    let held_ids: HashSet<i32> = sessions.iter().filter(|s| s.ends_on < today).map(|s| s.id).collect();
    let ids: Vec<i32> = sessions.iter().map(|s| s.id).collect();
    let regs = if ids.is_empty() {
        Vec::new()
    } else {
        registration::Entity::find()
            .filter(registration::Column::SessionId.is_in(ids))
            .all(db)
            .await?
    };
    let confirmed_held = regs
        .iter()
        .filter(|r| r.status == "confirmed" && held_ids.contains(&r.session_id))
        .count();
    // Attended: confirmed farmers present on at least one day; certificates: those not revoked.
    let reg_ids: Vec<i32> = regs.iter().map(|r| r.id).collect();
    let present: HashSet<i32> = if reg_ids.is_empty() {
        HashSet::new()
    } else {
        entity::attendance_day::Entity::find()
            .filter(entity::attendance_day::Column::RegistrationId.is_in(reg_ids.iter().copied()))
            .filter(entity::attendance_day::Column::Present.eq(true))
            .all(db)
            .await?
            .into_iter()
            .map(|a| a.registration_id)
            .collect()
    };
    let attended = regs
        .iter()
        .filter(|r| r.status == "confirmed" && present.contains(&r.id))
        .count();
    // The rate compares like with like: farmers of sessions already over (one still running has
    // farmers present too, but is not in the denominator).
    let attended_held = regs
        .iter()
        .filter(|r| r.status == "confirmed" && present.contains(&r.id) && held_ids.contains(&r.session_id))
        .count();
    let certificates = crate::training::certificates::of_registrations(db, &reg_ids)
        .await?
        .values()
        .filter(|c| c.revoked_at.is_none())
        .count();
    let training = Training {
        sessions: sessions.len(),
        held: held_ids.len(),
        confirmed: regs.iter().filter(|r| r.status == "confirmed").count(),
        waitlisted: regs.iter().filter(|r| r.status == "waitlisted").count(),
        attended,
        attendance_rate: (confirmed_held > 0).then(|| attended_held as f64 * 100.0 / confirmed_held as f64),
        certificates,
    };

    let reporting = reporting_rows(db, filter.year, &programmes, &schools).await?;
    let mentors_overdue = loads.iter().filter(|l| l.overdue > 0).count();
    let headline = super::headline::headline(db, filter, today, mentors_overdue, venues.as_ref()).await?;
    Ok(Figures {
        headline,
        reporting,
        filter,
        school: school_name,
        funnel,
        fill,
        loads,
        overdue_contacts,
        waves: waves.into_values().collect(),
        outcomes,
        training,
    })
}

/// The venues of a school's own training bases.
async fn school_venues(db: &impl ConnectionTrait, school_id: i32) -> Result<HashSet<i32>, AppError> {
    let bases: HashSet<i32> = entity::training_base::Entity::find()
        .filter(entity::training_base::Column::SchoolId.eq(school_id))
        .all(db)
        .await?
        .into_iter()
        .map(|b| b.id)
        .collect();
    Ok(entity::venue::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|v| bases.contains(&v.base_id))
        .map(|v| v.id)
        .collect())
}

/// Outcomes at 6, 12 and 24 months after graduation, for graduates whose wave has come: the
/// follow-up of that wave, else an employment record in force on that day; nothing known is
/// `unknown`, never "not employed".
async fn outcomes(
    db: &impl ConnectionTrait,
    school: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<Outcomes>, AppError> {
    let graduations = archive_entry::Entity::find()
        .filter(archive_entry::Column::Kind.eq(archive_entry::EntryKind::Graduation))
        .all(db)
        .await?;
    let mut graduated: HashMap<i32, NaiveDate> = HashMap::new();
    for g in &graduations {
        if let Some(s) = school {
            let details: EntryDetails =
                serde_json::from_str(&g.details).map_err(|e| AppError::Internal(e.to_string()))?;
            if !matches!(&details, EntryDetails::Graduation { school: gs, .. } if gs == s) {
                continue;
            }
        }
        graduated.insert(g.student_id, g.occurred_on);
    }
    let ids: Vec<i32> = graduated.keys().copied().collect();
    let mut facts: HashMap<i32, Vec<(NaiveDate, EntryDetails)>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for e in archive_entry::Entity::find()
            .filter(archive_entry::Column::StudentId.is_in(chunk.iter().copied()))
            .filter(
                archive_entry::Column::Kind
                    .is_in([archive_entry::EntryKind::Employment, archive_entry::EntryKind::FollowUp]),
            )
            .all(db)
            .await?
        {
            if let Ok(d) = serde_json::from_str::<EntryDetails>(&e.details) {
                facts.entry(e.student_id).or_default().push((e.occurred_on, d));
            }
        }
    }
    let mut out = Vec::new();
    for months in [6u32, 12, 24] {
        let mut o = Outcomes {
            months,
            ..Default::default()
        };
        for (sid, grad) in &graduated {
            let Some(at) = grad.checked_add_months(Months::new(months)) else {
                continue;
            };
            if at > today {
                continue;
            }
            o.reached += 1;
            let list = facts.get(sid).map(Vec::as_slice).unwrap_or(&[]);
            let wave = list.iter().rev().find_map(|(_, d)| match d {
                EntryDetails::FollowUp {
                    outcome, wave: Some(w), ..
                } if *w == months => Some(*outcome),
                _ => None,
            });
            let employed_then = list.iter().any(|(start, d)| {
                matches!(d, EntryDetails::Employment { end, .. } if *start <= at && end.is_none_or(|e| e >= at))
            });
            match wave {
                Some(FollowUpOutcome::Employed) => o.employed += 1,
                Some(FollowUpOutcome::NotEmployed) => o.not_employed += 1,
                Some(FollowUpOutcome::FurtherStudy) => o.further_study += 1,
                Some(FollowUpOutcome::Unreachable) | None if employed_then => o.employed += 1,
                Some(FollowUpOutcome::Unreachable) | None => o.unknown += 1,
            }
        }
        out.push(o);
    }
    Ok(out)
}
