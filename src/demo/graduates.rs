//! The archives of the three earlier cohorts: enrolled on 1 September after junior high, graduated
//! about 6, 18 and 30 months ago, most in work a month later, and followed up at 6, 12 and 24
//! months — most waves that have come are done, some are overdue, and the newest cohort's first
//! wave falls due within the month.

use chrono::{Duration, Months, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::county::County;
use super::{Calendar, Demo, db_fail, fail};
use crate::student::students::new_entry;
use crate::student::timeline::{ContractType, EntryDetails, Evidence, FollowUpOutcome, WAVE_WINDOW_DAYS, WAVES};

/// The day a wave's follow-up was made, or `None` if it has not been (yet).
fn wave_done(rng: &mut StdRng, due: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    let window = Duration::days(WAVE_WINDOW_DAYS);
    let opens = due - window;
    if opens >= today {
        return None;
    }
    if due + window < today {
        // A wave whose window has passed: done in six cases out of seven.
        let day = due + Duration::days(rng.random_range(-20..20));
        return rng.random_bool(0.86).then_some(day.min(today - Duration::days(1)));
    }
    // Within its window now: a third already done, the rest due.
    let span = (today - opens).num_days().max(1);
    rng.random_bool(0.3)
        .then(|| opens + Duration::days(rng.random_range(0..span)))
        .filter(|d| *d < today)
}

/// One graduate's archive entries (day, details), in date order.
fn story(
    county: &County,
    cal: &Calendar,
    rng: &mut StdRng,
    s: &entity::student::Model,
) -> Vec<(NaiveDate, EntryDetails)> {
    let k = (0..3).find(|k| cal.cohort_year(*k) == s.graduation_year).unwrap_or(2);
    let graduated = cal.graduated[k];
    let programmes = county.programmes();
    let placed = &programmes[s.id as usize % programmes.len()];
    let school = county.schools[placed.school].name.clone();
    let programme = placed.programme.name.clone();
    let enrolled = NaiveDate::from_ymd_opt(s.graduation_year, 9, 1).unwrap_or(graduated);
    let mut out = vec![
        (
            enrolled,
            EntryDetails::Enrolment {
                school: school.clone(),
                programme: programme.clone(),
                class_name: Some(format!("{}级{}班", s.graduation_year, 1 + s.id % 4)),
            },
        ),
        (graduated, EntryDetails::Graduation { school, programme }),
    ];
    let roll: f64 = rng.random();
    let hired = graduated + Duration::days(30);
    if roll < 0.62 && hired < cal.today {
        let employers = &placed.programme.employers;
        let (employer, position) = &employers[rng.random_range(0..employers.len())];
        out.push((
            hired,
            EntryDetails::Employment {
                employer: employer.clone(),
                position: position.clone(),
                place: if employer.starts_with("郑州") {
                    "郑州"
                } else {
                    "巩义"
                }
                .into(),
                monthly_wage: Some(f64::from(rng.random_range(3200..5600))),
                contract_type: ContractType::FixedTerm,
                end: None,
                evidence: Evidence::SchoolVerified,
            },
        ));
    }
    let outcome = match roll {
        r if r < 0.62 => FollowUpOutcome::Employed,
        r if r < 0.72 => FollowUpOutcome::FurtherStudy,
        r if r < 0.85 => FollowUpOutcome::NotEmployed,
        _ => FollowUpOutcome::Unreachable,
    };
    for months in WAVES {
        let Some(due) = graduated.checked_add_months(Months::new(months)) else {
            continue;
        };
        if let Some(day) = wave_done(rng, due, cal.today) {
            let details = EntryDetails::FollowUp {
                outcome,
                wave: Some(months),
                method: "电话".into(),
                notes: None,
            };
            out.push((day, details));
        }
    }
    out.sort_by_key(|(day, _)| *day);
    out
}

/// Writes the earlier cohorts' archives (each entry recorded that afternoon) and refreshes every
/// student's status as of today.
pub async fn archives(demo: &mut Demo<'_>) -> Result<String, String> {
    let db = &demo.state.db;
    let older = entity::student::Entity::find()
        .filter(entity::student::Column::GraduationYear.lt(demo.cal.year))
        .all(db)
        .await
        .map_err(db_fail)?;
    let mut archive = Vec::new();
    for s in &older {
        for (day, details) in story(demo.county, &demo.cal, &mut demo.rng, s) {
            let mut row = new_entry(s.id, day, &details, None, &demo.actor).map_err(fail)?;
            row.created_at = Set(demo.cal.at(day, 17));
            archive.push(row);
        }
    }
    super::insert_all(db, archive).await?;
    crate::student::students::refresh_all_statuses(db, demo.cal.today)
        .await
        .map_err(fail)?;
    Ok(format!(
        "{} graduates of earlier years (graduated {}, {}, {}) with their archives",
        older.len(),
        demo.cal.graduated[0],
        demo.cal.graduated[1],
        demo.cal.graduated[2]
    ))
}
