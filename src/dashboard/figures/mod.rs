//! The dashboard's figures for an intake year, county-wide or for one school: the routing funnel
//! (and whether it adds up), programme fill and cut-offs, mentor loads and overdue contacts,
//! follow-up waves, employment outcomes at 6/12/24 months (unknown kept apart), and training.
//! Each figure is a table; the page draws charts from the same rows and exports them.

//!
//! The figures are gathered by subject: `admissions` (funnel, fill, offers to classroom), `mentoring`
//! (loads), `follow_up` (waves, outcomes) and `training`.

mod admissions;
mod follow_up;
mod mentoring;
mod training;

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{programme, school};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::error::AppError;

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

/// Every figure of the dashboard for `filter`, as of `today`.
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
    let (funnel, seats, cutoffs) = admissions::funnel(db, filter, &programmes).await?;
    let fill = admissions::fill(filter, &programmes, &schools, &seats, &cutoffs);
    let (loads, overdue_contacts) = mentoring::loads(db, filter, &schools, today).await?;
    let school_name = filter.school_id.and_then(|s| schools.get(&s).cloned());
    let waves = follow_up::waves(db, school_name.as_deref(), today).await?;
    let outcomes = follow_up::outcomes(db, school_name.as_deref(), today).await?;
    let (training, venues) = training::training(db, filter, today).await?;
    let reporting = admissions::reporting_rows(db, filter.year, &programmes, &schools).await?;
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
        waves,
        outcomes,
        training,
    })
}
