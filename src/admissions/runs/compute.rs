//! Loading a round's instance from the database and routing it: round = committed rounds of the
//! year + 1; a later round routes only students neither placed nor crossed off, into the seats left.
//! Reads only; writes nothing.

use entity::routing_run::RunStatus;
use std::collections::HashMap;

use entity::{household, preference, programme, routing_run, school, student};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::Phases;
use crate::admissions::instance_builder::{RunHousehold, RunInputs, RunStudent, build_instance, digest};
use crate::error::{AppError, Context};
use crate::i18n::Msg;
use crate::routing::instance::Rules;
use crate::routing::result::RoutingResult;

/// A routing computed from the current data, not yet stored.
pub(super) struct Computed {
    pub round: i32,
    pub seed: i64,
    pub input_digest: String,
    pub result: RoutingResult,
}

/// The typed instance of `intake_year` from the database with `rules`: round = committed rounds of
/// the year + 1; a later round only routes students neither placed nor crossed off, into the seats
/// left.
pub(super) async fn instance_of(
    db: &impl ConnectionTrait,
    rules: &Rules,
    intake_year: i32,
    seed: i64,
    phases: &mut Phases,
) -> Result<(i32, crate::routing::Instance), AppError> {
    let programmes = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(intake_year))
        .order_by_asc(programme::Column::Code)
        .all(db)
        .await?;
    if programmes.is_empty() {
        return Err(AppError::invalid(
            "intake_year",
            Msg::new("error.no_programmes").arg("year", intake_year),
        ));
    }
    let already = crate::admissions::placements::in_force(db, intake_year).await?;
    // Crossed off the ledger stays crossed off: out of later rounds until staff reinstate them.
    let crossed = crate::admissions::ledger::crossed_off_students(db, intake_year).await?;
    let round = routing_run::Entity::find()
        .filter(routing_run::Column::IntakeYear.eq(intake_year))
        .filter(routing_run::Column::Status.eq(RunStatus::Committed))
        .count(db)
        .await? as i32
        + 1;
    let mut seats_left: HashMap<i32, i32> = programmes.iter().map(|p| (p.id, p.capacity)).collect();
    for pid in already.values() {
        if let Some(s) = seats_left.get_mut(pid) {
            *s -= 1;
        }
    }
    phases.lap("load programmes, placements, ledger");
    let students: Vec<RunStudent> = students_of(db, intake_year)
        .await?
        .into_iter()
        .filter(|s| !already.contains_key(&s.id) && !crossed.contains(&s.id))
        .collect();
    phases.lap("load students");
    let households: HashMap<i32, RunHousehold> = household::Entity::find()
        .into_partial_model::<RunHousehold>()
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let schools: HashMap<i32, school::Model> = school::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    phases.lap("load households, schools");
    let preferences = preferences_of(db, &programmes).await?;
    phases.lap("load preferences");
    let inputs = RunInputs {
        intake_year,
        seed,
        rules,
        programmes: &programmes,
        schools: &schools,
        seats_left: &seats_left,
        students: &students,
        households: &households,
        preferences: &preferences,
    };
    let instance = build_instance(&inputs)?;
    phases.lap("build instance");
    Ok((round, instance))
}

/// The students graduating in `intake_year`, by id, with only the columns a run reads.
async fn students_of(db: &impl ConnectionTrait, intake_year: i32) -> Result<Vec<RunStudent>, AppError> {
    Ok(student::Entity::find()
        .filter(student::Column::GraduationYear.eq(intake_year))
        .order_by_asc(student::Column::Id)
        .into_partial_model::<RunStudent>()
        .all(db)
        .await?)
}

/// Confirmed choices per student id, best first. Only choices of `programmes` (the year's): the
/// instance knows no others.
async fn preferences_of(
    db: &impl ConnectionTrait,
    programmes: &[programme::Model],
) -> Result<HashMap<i32, Vec<i32>>, AppError> {
    // Read in table order and sorted here: cheaper than the database walking its index.
    let mut rows: Vec<(i32, i32, i32)> = preference::Entity::find()
        .select_only()
        .column(preference::Column::StudentId)
        .column(preference::Column::Rank)
        .column(preference::Column::ProgrammeId)
        .filter(preference::Column::Confirmed.eq(true))
        .filter(preference::Column::ProgrammeId.is_in(programmes.iter().map(|p| p.id)))
        .into_tuple()
        .all(db)
        .await?;
    // (student, rank) is unique.
    rows.sort_unstable();
    let mut preferences: HashMap<i32, Vec<i32>> = HashMap::new();
    for (student_id, _, programme_id) in rows {
        preferences.entry(student_id).or_default().push(programme_id);
    }
    Ok(preferences)
}

/// Builds the instance of `intake_year` and routes it (off the async threads).
pub(super) async fn compute(
    db: &impl ConnectionTrait,
    rules: &Rules,
    intake_year: i32,
    seed: Option<i64>,
    phases: &mut Phases,
) -> Result<Computed, AppError> {
    let seed = seed.unwrap_or_else(|| rand::random::<u32>() as i64);
    let (round, instance) = instance_of(db, rules, intake_year, seed, phases).await?;
    let input_digest = digest(&instance)?;
    phases.lap("digest");
    let result = tokio::task::spawn_blocking(move || crate::routing::route(&instance))
        .await
        .context("routing task")?
        .map_err(|e| AppError::invalid("rule_set_id", Msg::new("error.rule_invalid").arg("reason", e)))?;
    phases.lap("route");
    Ok(Computed {
        round,
        seed,
        input_digest,
        result,
    })
}
