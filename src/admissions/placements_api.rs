//! API for placements, the official record of seats: list a year's placements (from runs and
//! direct), and place a student directly with a reason. Moves parameters; the work is in
//! [`placements`].

use chrono::{DateTime, Utc};
use entity::placement;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};

use super::api::ApiTags;
use super::follow_through;
use super::placements::{self, DirectPlacement, PlacementFilter};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::pagination::PageRequest;
use crate::state::AppState;

/// How a student got their seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PlacementKind {
    /// By a committed routing run.
    Run,
    /// Directly by staff, with a reason.
    Direct,
}

/// A seat held by a student for an intake year.
#[derive(Debug, Object)]
pub struct PlacementDto {
    pub id: i32,
    pub student_id: i32,
    pub intake_year: i32,
    pub programme_id: i32,
    pub kind: PlacementKind,
    /// The committed run that placed the student (absent for a direct placement).
    pub run_id: Option<i32>,
    pub round: Option<i32>,
    /// 1-based position of the programme among the student's choices (run placements).
    pub choice: Option<i32>,
    pub points: Option<f64>,
    /// Why staff placed the student directly.
    pub direct_reason: Option<String>,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
    /// `offered`, `reported` (报到 confirmed), `declined`, `no_show`, `dropped_out`, `suspended`
    /// or `transferred`.
    pub status: String,
    pub reported_at: Option<DateTime<Utc>>,
    /// When the seat went back to the programme (declined or no-show).
    pub released_at: Option<DateTime<Utc>>,
    pub release_reason: Option<String>,
    pub release_note: Option<String>,
    /// A suspended student's expected return date.
    pub return_on: Option<chrono::NaiveDate>,
}

impl From<placement::Model> for PlacementDto {
    fn from(p: placement::Model) -> PlacementDto {
        PlacementDto {
            id: p.id,
            student_id: p.student_id,
            intake_year: p.intake_year,
            programme_id: p.programme_id,
            kind: if p.run_id.is_some() {
                PlacementKind::Run
            } else {
                PlacementKind::Direct
            },
            run_id: p.run_id,
            round: p.round,
            choice: p.choice,
            points: p.points,
            direct_reason: p.direct_reason,
            placed_by: p.placed_by,
            placed_at: p.placed_at,
            status: p.status.to_string(),
            reported_at: p.reported_at,
            released_at: p.released_at,
            release_reason: p.release_reason,
            release_note: p.release_note,
            return_on: p.return_on,
        }
    }
}

/// Placing a student directly (a late registration, an appeal).
#[derive(Debug, Object)]
#[oai(example)]
pub struct DirectPlacementRequest {
    pub student_id: i32,
    pub programme_id: i32,
    /// Why, for the record (required, up to 500 characters).
    pub reason: String,
}

impl poem_openapi::types::Example for DirectPlacementRequest {
    fn example() -> DirectPlacementRequest {
        DirectPlacementRequest {
            student_id: 1024,
            programme_id: 3,
            reason: "7 月 10 日补报名，经招生办审核".into(),
        }
    }
}

/// Students who reported to school (报到), confirmed at once (all or none).
#[derive(Debug, Object)]
pub struct ReportedRequest {
    /// Up to 500 placements waiting for their students.
    pub placement_ids: Vec<i32>,
}

/// A declined offer.
#[derive(Debug, Object)]
pub struct DeclineRequest {
    /// `parents_decision`, `chose_work`, `moved` or `other` (then `note` is required).
    pub reason: String,
    pub note: Option<String>,
}

/// Closing the reporting window of a year, for one school or all.
#[derive(Debug, Object)]
pub struct CloseReportingRequest {
    pub intake_year: i32,
    pub school_id: Option<i32>,
}

/// How many offers became no-shows.
#[derive(Debug, Object)]
pub struct CloseReportingResult {
    pub no_shows: u64,
}

/// How a reported student left school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum LeavingKind {
    /// 辍学: the seat is released and the student goes onto the ledger.
    Dropout,
    /// 休学 until `return_on`; not back by then: onto the ledger.
    Suspension,
    /// 转学 to `destination`.
    Transfer,
}

/// A reported student leaving school.
#[derive(Debug, Object)]
pub struct LeavingRequest {
    pub kind: LeavingKind,
    /// For a suspension: the expected return date (after today).
    pub return_on: Option<chrono::NaiveDate>,
    /// For a transfer: the school the student moves to.
    pub destination: Option<String>,
    pub note: Option<String>,
}

pub struct PlacementsApi;

#[OpenApi]
impl PlacementsApi {
    /// Placements of an intake year in the list shape, oldest first, optionally only those of one
    /// `kind` (`run` or `direct`) or one programme.
    #[oai(path = "/placements", method = "get", tag = "ApiTags::RoutingRuns")]
    #[expect(clippy::too_many_arguments, reason = "one query parameter per filter")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        intake_year: Query<i32>,
        kind: Query<Option<PlacementKind>>,
        programme_id: Query<Option<i32>>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<PlacementDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let filter = PlacementFilter {
            intake_year: intake_year.0,
            direct: kind.0.map(|k| k == PlacementKind::Direct),
            programme_id: programme_id.0,
        };
        let found = placements::search(&state.db, &filter, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::from_page(found, PlacementDto::from)))
    }

    /// Places a student directly, outside a routing run: the reason is required, the seat counts
    /// against the programme's capacity (409 when full), the student's open ledger line closes,
    /// the offer goes into the archive and the action is audited. 409 when the student is already
    /// placed this year or crossed off the ledger (reinstate first).
    #[oai(path = "/placements", method = "post", tag = "ApiTags::RoutingRuns")]
    async fn place(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<DirectPlacementRequest>,
    ) -> ApiResult<Json<PlacementDto>> {
        auth.0.require(Capability::RunRouting)?;
        let b = body.0;
        let asked = DirectPlacement::parse(b.student_id, b.programme_id, &b.reason)?;
        let placed = placements::place_directly(&state.db, &auth.0.actor(Some(state.client_ip(req))), asked).await?;
        Ok(Json(placed.into()))
    }

    /// Confirms that students reported to school (报到): each placement must be waiting (offered,
    /// in force); an `enrolment` entry goes into each archive. All or none, audited.
    #[oai(path = "/placements/reported", method = "post", tag = "ApiTags::RoutingRuns")]
    async fn reported(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<ReportedRequest>,
    ) -> ApiResult<Json<Vec<PlacementDto>>> {
        auth.0.require(Capability::RunRouting)?;
        let done = follow_through::confirm_reported(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            &body.0.placement_ids,
        )
        .await?;
        Ok(Json(done.into_iter().map(PlacementDto::from).collect()))
    }

    /// Records a declined offer: the seat goes back to the programme for the next round and the
    /// student onto the ledger (`opened_because: offer_declined`). 409 unless the offer is waiting.
    #[oai(path = "/placements/:id/decline", method = "post", tag = "ApiTags::RoutingRuns")]
    async fn decline(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<DeclineRequest>,
    ) -> ApiResult<Json<PlacementDto>> {
        auth.0.require(Capability::RunRouting)?;
        let b = body.0;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let released = follow_through::decline(&state.db, &actor, id.0, &b.reason, b.note.as_deref()).await?;
        Ok(Json(released.into()))
    }

    /// Closes reporting for a year (one school or all): every offer not confirmed becomes a
    /// no-show — seat released, ledger line `offer_not_taken_up`. Closing again finds none.
    #[oai(path = "/reporting/close", method = "post", tag = "ApiTags::RoutingRuns")]
    async fn close_reporting(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<CloseReportingRequest>,
    ) -> ApiResult<Json<CloseReportingResult>> {
        auth.0.require(Capability::RunRouting)?;
        let b = body.0;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let n = follow_through::close_reporting(&state.db, &state.config, &actor, b.intake_year, b.school_id).await?;
        Ok(Json(CloseReportingResult { no_shows: n as u64 }))
    }

    /// Records that a reported student left school: `dropout` (辍学: seat released, ledger line
    /// `dropped_out`), `suspension` (休学 with `return_on`; not back by then: onto the ledger) or
    /// `transfer` (转学 with `destination`). 409 unless the student is at school.
    #[oai(path = "/placements/:id/leave", method = "post", tag = "ApiTags::RoutingRuns")]
    async fn leave(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<LeavingRequest>,
    ) -> ApiResult<Json<PlacementDto>> {
        auth.0.require(Capability::RunRouting)?;
        let b = body.0;
        let leaving = match b.kind {
            LeavingKind::Dropout => follow_through::Leaving::Dropout,
            LeavingKind::Suspension => follow_through::Leaving::Suspension {
                return_on: b.return_on.ok_or_else(|| {
                    crate::error::AppError::invalid("return_on", crate::i18n::Msg::new("error.field_required"))
                })?,
            },
            LeavingKind::Transfer => follow_through::Leaving::Transfer {
                destination: b.destination.unwrap_or_default(),
            },
        };
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let left =
            follow_through::record_leaving(&state.db, &state.config, &actor, id.0, leaving, b.note.as_deref()).await?;
        Ok(Json(left.into()))
    }
}
