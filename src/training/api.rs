//! API for farmer training: bases, courses, instructors, blackouts, sessions, proposals and rosters
//! (staff, bearer token; attendance and certificates are in `attendance_api`; the public endpoints
//! farmers' apps may use are in `public_api`). Thin: each operation turns its typed request into
//! the input the service takes (`api_requests`), calls one service and answers with a typed object
//! (`api_types`, `proposal_types`).

use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};

use super::api_requests::{
    BaseRequest, BlackoutRequest, CapacityRequest, CourseRequest, InstructorRequest, MoveRequest,
    TrainingSessionRequest,
};
use super::api_types::{
    BlackoutDto, CourseDto, InstructorDto, RegistrationDto, TrainingBaseDto, TrainingCatalogueDto, TrainingSessionDto,
};
use super::proposal_types::SessionProposalPage;
use super::registrations::{self, Canceller, SessionCard};
use super::{proposal_view, schedule, setup};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

#[derive(Tags)]
pub(super) enum ApiTags {
    /// Farmer training: bases, courses, instructors, sessions (staff).
    Training,
    /// Public training endpoints: sessions, registration, check and cancel, interest, certificates.
    Public,
}

pub struct TrainingApi;

#[OpenApi(tag = "ApiTags::Training")]
impl TrainingApi {
    /// Bases, venues, courses, instructors and blackout periods. Each instructor's `skills` is a list
    /// of skill areas and `unavailable` the list of days (`YYYY-MM-DD`) they cannot teach.
    #[oai(path = "/training-bases", method = "get")]
    async fn catalogue(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
    ) -> ApiResult<Json<TrainingCatalogueDto>> {
        auth.0.require(Capability::ReadStudents)?;
        Ok(Json(setup::catalogue(&state.db).await?.into()))
    }

    /// Adds a base with its venues.
    #[oai(path = "/training-bases", method = "post")]
    async fn create_base(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<BaseRequest>,
    ) -> ApiResult<Json<TrainingBaseDto>> {
        auth.0.require(Capability::ManageTraining)?;
        let base = setup::create_base(&state.db, &auth.0.actor(Some(state.client_ip(req))), body.0.check()?).await?;
        Ok(Json(base.into()))
    }

    /// Adds a course.
    #[oai(path = "/courses", method = "post")]
    async fn create_course(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<CourseRequest>,
    ) -> ApiResult<Json<CourseDto>> {
        auth.0.require(Capability::ManageTraining)?;
        let c = setup::create_course(&state.db, &auth.0.actor(Some(state.client_ip(req))), body.0.check()?).await?;
        Ok(Json(c.into()))
    }

    /// Courses, in the list shape `{items, page, per_page, total, pages}` (a short catalogue; paged
    /// in memory).
    #[oai(path = "/courses", method = "get")]
    async fn courses(
        &self,
        state: poem::web::Data<&AppState>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<CourseDto>>> {
        let req = PageRequest::new(page.0, per_page.0)?;
        let courses = setup::catalogue(&state.db).await?.courses;
        Ok(Json(PageDto::from_page(Page::slice(courses, req), CourseDto::from)))
    }

    /// Adds an instructor; answers with `skills` as a list of skill areas and `unavailable` as the
    /// list of every day (`YYYY-MM-DD`) they cannot teach, ranges spelled out.
    #[oai(path = "/instructors", method = "post")]
    async fn create_instructor(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<InstructorRequest>,
    ) -> ApiResult<Json<InstructorDto>> {
        auth.0.require(Capability::ManageTraining)?;
        let i = setup::create_instructor(&state.db, &auth.0.actor(Some(state.client_ip(req))), body.0.check()?).await?;
        Ok(Json(setup::Instructor::decode(i)?.into()))
    }

    /// Adds a blackout period.
    #[oai(path = "/blackouts", method = "post")]
    async fn create_blackout(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<BlackoutRequest>,
    ) -> ApiResult<Json<BlackoutDto>> {
        auth.0.require(Capability::ManageTraining)?;
        let x = setup::create_blackout(&state.db, &auth.0.actor(Some(state.client_ip(req))), body.0.check()?).await?;
        Ok(Json(x.into()))
    }

    /// All sessions with seats left and waitlist length, by start date, in the list shape
    /// `{items, page, per_page, total, pages}` (cards are assembled in memory, so is the page).
    #[oai(path = "/training-sessions", method = "get")]
    async fn sessions(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<SessionCard>>> {
        auth.0.require(Capability::ReadStudents)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let cards = registrations::session_cards(&state.db, false, None).await?;
        Ok(Json(PageDto::from_page(Page::slice(cards, req), |c| c)))
    }

    /// Schedules a session; every conflict is refused (422) naming its field: `venue_booked`,
    /// `instructor_booked`, `base_closed`, `blackout`, `venue_too_small`, `above_max_cohort`,
    /// `instructor_skill`, `instructor_away`, `session_not_future`.
    #[oai(path = "/training-sessions", method = "post")]
    async fn create_session(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<TrainingSessionRequest>,
    ) -> ApiResult<Json<TrainingSessionDto>> {
        auth.0.require(Capability::ManageTraining)?;
        let s = schedule::create_session(&state.db, &auth.0.actor(Some(state.client_ip(req))), body.0.plan()).await?;
        Ok(Json(s.into()))
    }

    /// Moves a session (same checks); its farmers are told by text message.
    #[oai(path = "/training-sessions/:id/move", method = "post")]
    async fn move_session(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<MoveRequest>,
    ) -> ApiResult<Json<TrainingSessionDto>> {
        auth.0.require(Capability::ManageTraining)?;
        let b = body.0;
        let s = schedule::move_session(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            id.0,
            b.venue_id,
            b.instructor_id,
            b.starts_on,
            b.ends_on,
        )
        .await?;
        Ok(Json(s.into()))
    }

    /// Changes the capacity; more seats promote waitlisted farmers at once.
    #[oai(path = "/training-sessions/:id/capacity", method = "put")]
    async fn capacity(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<CapacityRequest>,
    ) -> ApiResult<Json<TrainingSessionDto>> {
        auth.0.require(Capability::ManageTraining)?;
        let s = registrations::set_capacity(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            id.0,
            body.0.capacity,
        )
        .await?;
        Ok(Json(s.into()))
    }

    /// The roster: confirmed, then the waitlist in order, then cancelled, in the list shape
    /// `{items, page, per_page, total, pages}` (one session's roster is small; paged in memory).
    #[oai(path = "/training-sessions/:id/roster", method = "get")]
    async fn roster(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<RegistrationDto>>> {
        auth.0.require(Capability::ManageTraining)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let rows = registrations::roster(&state.db, id.0).await?;
        Ok(Json(PageDto::from_page(Page::slice(rows, req), RegistrationDto::from)))
    }

    /// Cancels a registration (staff); the farmer is told and the waitlist moves up.
    #[oai(path = "/registrations/:id/cancel", method = "post")]
    async fn cancel(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<RegistrationDto>> {
        auth.0.require(Capability::ManageTraining)?;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let r = registrations::cancel(
            &state.db,
            Canceller::Staff {
                actor: &actor,
                id: id.0,
            },
        )
        .await?;
        Ok(Json(r.into()))
    }

    /// Sessions the scheduler proposed from farmers' interest, open ones first, newest first, in the
    /// list shape `{items, page, per_page, total, pages}` (named from the catalogue; paged in memory).
    /// Each item has `near` (interested farmers in the chosen base's town), `passed_over` (nearer
    /// bases that could not host, each with a typed `reason`) and `explanation` (lines of text).
    /// Beside the list, `without_proposal`: every course whose interested farmers reach its minimum
    /// cohort but that has no open proposal, with a typed `reason` (`code`: `no_instructor`,
    /// `no_base`, `too_long`, `no_venue`, `base_closed`, `no_free_days`, `dismissed` or `ready`), its
    /// `message`, and each base tried with its own reason. Messages follow `Accept-Language`.
    #[oai(path = "/session-proposals", method = "get")]
    async fn proposals(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        request: &Request,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<SessionProposalPage>> {
        auth.0.require(Capability::ManageTraining)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let lang = crate::api::api_lang(request);
        let rows = proposal_view::proposals(&state.db).await?;
        let missing = proposal_view::without_proposal(&state.db).await?;
        Ok(Json(SessionProposalPage::new(
            &state.i18n,
            lang,
            Page::slice(rows, req),
            &missing,
        )))
    }

    /// Approves a proposal: the session is created (checked again) and the farmers invited.
    #[oai(path = "/session-proposals/:id/approve", method = "post")]
    async fn approve(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<TrainingSessionDto>> {
        auth.0.require(Capability::ManageTraining)?;
        let s = schedule::approve_proposal(&state.db, &auth.0.actor(Some(state.client_ip(req))), id.0).await?;
        Ok(Json(s.into()))
    }
}
