//! Routing runs from the database: a dry run stores its whole result (placements, explanations,
//! cut-offs, the rule-set version, the seed and a digest of the inputs) without touching any
//! archive; two runs can be compared; committing a run writes an enrolment offer into each placed
//! student's archive and opens ledger lines for eligible students left unplaced, in one
//! transaction. A later round routes the still-unplaced students into the seats left.
//!
//! By action: [`compute`] loads a round's instance and routes it, [`dry_run`] stores it (and tries
//! a rule set), [`diff`] compares two runs, [`commit`] writes a run's result into the archives.

mod batch;
mod commit;
mod compute;
mod diff;
mod dry_run;
mod phases;

use entity::routing_run;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder};
use serde::{Deserialize, Serialize};

pub use commit::{commit, commit_timed};
pub use diff::{Move, diff};
pub use dry_run::{PointsBucket, TryReport, dry_run, dry_run_timed, try_rule_set};
pub use phases::Phases;

use crate::error::AppError;
use crate::pagination::{Page, PageRequest};
use crate::routing::result::{Placement, Reason, RoutingResult};

/// Counts stored with a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub students: u64,
    pub eligible: u64,
    pub placed: u64,
    pub unplaced: u64,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub intake_year: i32,
    pub rule_set_id: i32,
    pub seed: Option<i64>,
}

pub async fn get_run(db: &impl ConnectionTrait, id: i32) -> Result<routing_run::Model, AppError> {
    routing_run::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("routing_run"))
}

/// All runs, newest first.
pub async fn list_runs(db: &impl ConnectionTrait) -> Result<Vec<routing_run::Model>, AppError> {
    Ok(routing_run::Entity::find()
        .order_by_desc(routing_run::Column::Id)
        .all(db)
        .await?)
}

/// One page of runs, newest first, paged by the database (each run row carries its stored result).
pub async fn page_runs(db: &impl ConnectionTrait, page: PageRequest) -> Result<Page<routing_run::Model>, AppError> {
    let paginator = routing_run::Entity::find()
        .order_by_desc(routing_run::Column::Id)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

/// The stored result of a run, typed (the documented routing result format).
pub fn result_of(run: &routing_run::Model) -> Result<RoutingResult, AppError> {
    serde_json::from_str(&run.result).map_err(|e| AppError::internal_from(format!("run {} result", run.id), e))
}

/// The stored summary of a run; a summary that does not parse is an error naming the run.
pub fn summary_of(run: &routing_run::Model) -> Result<RunSummary, AppError> {
    serde_json::from_str(&run.summary).map_err(|e| AppError::internal_from(format!("run {} summary", run.id), e))
}

/// The names of the students in a result (student id → name), read 1,000 ids at a time.
pub async fn student_names(
    db: &impl ConnectionTrait,
    result: &RoutingResult,
) -> Result<std::collections::HashMap<i32, String>, AppError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let ids: Vec<i32> = result.placements.iter().filter_map(student_of).collect();
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(1000) {
        for s in entity::student::Entity::find()
            .filter(entity::student::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            out.insert(s.id, s.name);
        }
    }
    Ok(out)
}

/// The student id of a result line (`S<id>`).
pub fn student_of(p: &Placement) -> Option<i32> {
    p.student.strip_prefix('S')?.parse().ok()
}

/// Whether an eligibility rule left the student out of routing (不在分流范围).
pub fn is_ineligible(p: &Placement) -> bool {
    p.not_placed_higher
        .iter()
        .any(|n| matches!(n.reason, Reason::Ineligible { .. }))
}

fn summary_from(result: &RoutingResult) -> RunSummary {
    RunSummary {
        students: result.summary.students,
        eligible: result.summary.eligible,
        placed: result.summary.placed,
        unplaced: result.summary.unplaced,
    }
}
