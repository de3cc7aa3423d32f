//! API for farmer training: bases, courses, instructors, blackouts, sessions, proposals and rosters
//! (staff, bearer token; attendance and certificates are in `attendance_api`; the public endpoints
//! farmers' apps may use are in `public_api`).

use chrono::NaiveDate;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};
use serde_json::{Value, json};

use super::registrations::{self, Canceller, SessionCard};
use super::schedule::{self, Plan};
use super::setup::{self, BaseForm, BlackoutForm, CourseForm, InstructorForm};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

#[derive(Tags)]
pub(super) enum ApiTags {
    /// Farmer training: bases, courses, instructors, sessions (staff).
    Training,
    /// Public training endpoints: sessions, registration, check and cancel, interest, certificates.
    Public,
}

pub(super) fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::Internal(e.to_string()))
}

/// A venue of a base.
#[derive(Debug, Object)]
pub struct VenueDto {
    pub name: String,
    pub seats: i32,
}

/// A training base with its venues.
#[derive(Debug, Object)]
pub struct BaseRequest {
    pub school_id: Option<i32>,
    pub name: String,
    pub address: String,
    pub town: String,
    /// ISO weekdays it is open: `12345` = Monday to Friday.
    pub open_days: String,
    pub venues: Vec<VenueDto>,
}

/// A course.
#[derive(Debug, Object)]
pub struct CourseRequest {
    pub title: String,
    /// e.g. 设施蔬菜, 食用菌栽培, 畜禽养殖, 果树修剪, 农村电商, 电工, 农机维修, 家政服务, 中式烹调.
    pub skill_area: String,
    pub hours: i32,
    pub min_cohort: i32,
    pub max_cohort: i32,
    /// Registered-household farmers go first on the waitlist.
    #[oai(default)]
    pub household_first: bool,
    #[oai(default)]
    pub description: String,
    /// Percent of the course's hours a farmer must attend to earn the certificate: 1 to 100
    /// (default 80).
    pub completion_share: Option<i32>,
}

/// An instructor.
#[derive(Debug, Object)]
pub struct InstructorRequest {
    pub name: String,
    pub phone: Option<String>,
    pub skills: Vec<String>,
    /// Dates (`YYYY-MM-DD`) or ranges (`2027-05-25..2027-06-15`) the instructor cannot teach.
    #[oai(default)]
    pub unavailable: Vec<String>,
}

/// A blackout period (inclusive).
#[derive(Debug, Object)]
pub struct BlackoutRequest {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// A session to schedule.
#[derive(Debug, Object)]
pub struct TrainingSessionRequest {
    pub course_id: i32,
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
}

/// Where and when a session moves.
#[derive(Debug, Object)]
pub struct MoveRequest {
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A new capacity.
#[derive(Debug, Object)]
pub struct CapacityRequest {
    pub capacity: i32,
}

pub struct TrainingApi;

#[OpenApi(tag = "ApiTags::Training")]
impl TrainingApi {
    /// Bases, venues, courses, instructors and blackout periods. Each instructor's `skills` is a list
    /// of skill areas and `unavailable` the list of days (`YYYY-MM-DD`) they cannot teach.
    #[oai(path = "/training-bases", method = "get")]
    async fn catalogue(&self, auth: BearerAuth, state: poem::web::Data<&AppState>) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ReadStudents)?;
        Ok(Json(to_value(&setup::catalogue(&state.db).await?)?))
    }

    /// Adds a base with its venues.
    #[oai(path = "/training-bases", method = "post")]
    async fn create_base(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<BaseRequest>,
    ) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ManageTraining)?;
        let b = body.0;
        let form = BaseForm {
            school_id: b.school_id,
            name: b.name,
            address: b.address,
            town: b.town,
            open_days: b.open_days,
            venues: b
                .venues
                .iter()
                .map(|v| format!("{}: {}", v.name.replace([':', '：', '\n'], " "), v.seats))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let base = setup::create_base(&state.db, &auth.0.actor(Some(state.client_ip(req))), form.parse()?).await?;
        Ok(Json(to_value(&base)?))
    }

    /// Adds a course.
    #[oai(path = "/courses", method = "post")]
    async fn create_course(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<CourseRequest>,
    ) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ManageTraining)?;
        let b = body.0;
        let form = CourseForm {
            title: b.title,
            skill_area: b.skill_area,
            hours: b.hours.to_string(),
            min_cohort: b.min_cohort.to_string(),
            max_cohort: b.max_cohort.to_string(),
            household_first: b.household_first,
            description: b.description,
            completion_share: b.completion_share.map(|n| n.to_string()).unwrap_or_default(),
        };
        let c = setup::create_course(&state.db, &auth.0.actor(Some(state.client_ip(req))), form.parse()?).await?;
        Ok(Json(to_value(&c)?))
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
    ) -> ApiResult<Json<Value>> {
        let req = PageRequest::new(page.0, per_page.0)?;
        let courses = setup::catalogue(&state.db).await?.courses;
        Ok(Json(to_value(&Page::slice(courses, req))?))
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
    ) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ManageTraining)?;
        let b = body.0;
        let form = InstructorForm {
            name: b.name,
            phone: b.phone.unwrap_or_default(),
            skills: b.skills.join("\n"),
            unavailable: b.unavailable.join("\n"),
        };
        let i = setup::create_instructor(&state.db, &auth.0.actor(Some(state.client_ip(req))), form.parse()?).await?;
        Ok(Json(to_value(&setup::Instructor::decode(i)?)?))
    }

    /// Adds a blackout period.
    #[oai(path = "/blackouts", method = "post")]
    async fn create_blackout(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<BlackoutRequest>,
    ) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ManageTraining)?;
        let b = body.0;
        let form = BlackoutForm {
            name: b.name,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
        };
        let x = setup::create_blackout(&state.db, &auth.0.actor(Some(state.client_ip(req))), form.parse()?).await?;
        Ok(Json(to_value(&x)?))
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
    ) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ManageTraining)?;
        let b = body.0;
        let plan = Plan {
            course_id: b.course_id,
            venue_id: b.venue_id,
            instructor_id: b.instructor_id,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
            capacity: b.capacity,
        };
        let s = schedule::create_session(&state.db, &auth.0.actor(Some(state.client_ip(req))), plan).await?;
        Ok(Json(to_value(&s)?))
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
    ) -> ApiResult<Json<Value>> {
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
        Ok(Json(to_value(&s)?))
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
    ) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ManageTraining)?;
        let s = registrations::set_capacity(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            id.0,
            body.0.capacity,
        )
        .await?;
        Ok(Json(to_value(&s)?))
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
    ) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ManageTraining)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let rows = registrations::roster(&state.db, id.0).await?;
        Ok(Json(to_value(&Page::slice(rows, req))?))
    }

    /// Cancels a registration (staff); the farmer is told and the waitlist moves up.
    #[oai(path = "/registrations/:id/cancel", method = "post")]
    async fn cancel(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<Value>> {
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
        Ok(Json(to_value(&r)?))
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
    ) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ManageTraining)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let lang = crate::api::api_lang(request);
        let rows = super::proposal_view::proposals(&state.db).await?;
        let rows = super::proposal_view::with_explanations(&state.i18n, lang, rows)?;
        let missing = super::proposal_view::without_proposal(&state.db).await?;
        let mut listed = to_value(&Page::slice(rows, req))?;
        listed["without_proposal"] = json!(super::proposal_view::unproposed(&state.i18n, lang, &missing));
        Ok(Json(listed))
    }

    /// Approves a proposal: the session is created (checked again) and the farmers invited.
    #[oai(path = "/session-proposals/:id/approve", method = "post")]
    async fn approve(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<Value>> {
        auth.0.require(Capability::ManageTraining)?;
        let s = schedule::approve_proposal(&state.db, &auth.0.actor(Some(state.client_ip(req))), id.0).await?;
        Ok(Json(to_value(&s)?))
    }
}
