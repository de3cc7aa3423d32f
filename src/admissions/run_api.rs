//! API for a routing run's per-student lines: `GET /routing-runs/{id}/placements`, paged in the
//! shared list shape and filtered like the result page. Moves parameters; the rows come from
//! [`run_rows`].

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::api::ApiTags;
use super::run_rows::{self, Outcome, RunFilter, RunRow};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::pagination::PageRequest;
use crate::state::AppState;

/// Where a student ended up in a run.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OutcomeDto {
    /// Given a seat.
    Placed,
    /// Eligible but left without a seat (on the ledger once the run is committed).
    Unplaced,
    /// Left out by an eligibility rule (不在分流范围): neither placed nor on the ledger.
    NotInScope,
}

impl From<Outcome> for OutcomeDto {
    fn from(o: Outcome) -> OutcomeDto {
        match o {
            Outcome::Placed => OutcomeDto::Placed,
            Outcome::Unplaced => OutcomeDto::Unplaced,
            Outcome::NotInScope => OutcomeDto::NotInScope,
        }
    }
}

impl From<OutcomeDto> for Outcome {
    fn from(o: OutcomeDto) -> Outcome {
        match o {
            OutcomeDto::Placed => Outcome::Placed,
            OutcomeDto::Unplaced => Outcome::Unplaced,
            OutcomeDto::NotInScope => Outcome::NotInScope,
        }
    }
}

/// One student's line of a run.
#[derive(Debug, Object)]
pub struct RunPlacementDto {
    pub student_id: i32,
    pub name: String,
    /// The national ID masked (`410181********4058`).
    pub national_id: String,
    pub town: String,
    pub junior_high_school: String,
    pub outcome: OutcomeDto,
    /// The programme's code; absent unless placed.
    pub programme: Option<String>,
    /// 1-based position of the programme among the student's choices.
    pub choice: Option<u32>,
    /// Priority points at the programme.
    pub points: Option<f64>,
    /// Why not each choice ranked higher (all of them when not placed), as in the routing result:
    /// `reason` is `full`, `requirement` or `ineligible`.
    pub not_placed_higher: serde_json::Value,
}

impl From<RunRow> for RunPlacementDto {
    fn from(r: RunRow) -> RunPlacementDto {
        RunPlacementDto {
            student_id: r.student_id,
            name: r.name,
            national_id: r.national_id_masked,
            town: r.town,
            junior_high_school: r.junior_high_school,
            outcome: r.outcome.into(),
            programme: r.programme,
            choice: r.choice,
            points: r.points,
            not_placed_higher: serde_json::to_value(r.not_placed_higher).unwrap_or_default(),
        }
    }
}

pub struct RunResultsApi;

#[OpenApi]
impl RunResultsApi {
    /// A run's per-student lines in result order (by student), one page at a time (`per_page` up to
    /// 200, default 50), filtered by `outcome`, placed `programme` (code), `town`,
    /// `junior_high_school` (exact) and part of the `name`. Students an eligibility rule left out are
    /// `not_in_scope`, never `unplaced`.
    #[expect(clippy::too_many_arguments, reason = "one query parameter per filter")]
    #[oai(path = "/routing-runs/:id/placements", method = "get", tag = "ApiTags::RoutingRuns")]
    async fn placements(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
        outcome: Query<Option<OutcomeDto>>,
        programme: Query<Option<String>>,
        town: Query<Option<String>>,
        junior_high_school: Query<Option<String>>,
        name: Query<Option<String>>,
    ) -> ApiResult<Json<PageDto<RunPlacementDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let filter = RunFilter {
            outcome: outcome.0.map(Outcome::from),
            programme: programme.0,
            town: town.0,
            school: junior_high_school.0,
            name: name.0,
        }
        .normalised();
        let req = PageRequest::new(page.0, per_page.0)?;
        let found = run_rows::result_page(&state.db, id.0, &filter, req).await?;
        Ok(Json(PageDto::from_page(found.rows, RunPlacementDto::from)))
    }
}
