//! The assignment operations: list, proposal, confirmation, override, help sessions and the
//! overdue list. Each checks the caller's capability, calls one service and maps the result.

use entity::mentor_assignment::AssignmentStatus;
use poem::Request;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::ApiTags;
use super::dto::{
    AssignmentDto, AssignmentStatusDto, ConfirmRequest, ConfirmedDto, HelpSessionRequest, OverdueDto, OverrideRequest,
    ProposalDto, SessionRecordedDto,
};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::error::AppError;
use crate::mentor::assignments::{self, AssignmentFilter, Override};
use crate::mentor::sessions::{self, SessionInput};
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

pub struct MentorAssignmentsApi;

#[OpenApi(tag = "ApiTags::Mentors")]
impl MentorAssignmentsApi {
    /// Assignments, newest first, optionally of one student, one mentor or one status.
    #[oai(path = "/mentor-assignments", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        student_id: Query<Option<i32>>,
        mentor_id: Query<Option<i32>>,
        status: Query<Option<AssignmentStatusDto>>,
        in_force: Query<Option<bool>>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<AssignmentDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let filter = AssignmentFilter {
            student_id: student_id.0,
            mentor_id: mentor_id.0,
            status: status.0.map(AssignmentStatus::from),
            in_force: in_force.0.unwrap_or(false),
        };
        let found = assignments::list(&state.db, &filter, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::from_page(found, AssignmentDto::from)))
    }

    /// The proposal for an intake year (default: the latest with a committed run): new assignments
    /// for placed students who lack mentors, and the students who cannot be covered, with reasons.
    #[oai(path = "/mentor-assignments/proposal", method = "get")]
    async fn proposal(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        intake_year: Query<Option<i32>>,
    ) -> ApiResult<Json<ProposalDto>> {
        auth.0.require(Capability::ManageMentoring)?;
        let year = match intake_year.0 {
            Some(y) => y,
            None => assignments::latest_intake_year(&state.db)
                .await?
                .ok_or(AppError::Conflict(crate::i18n::Msg::new("error.no_committed_run")))?,
        };
        Ok(Json(assignments::proposal(&state.db, year).await?.into()))
    }

    /// Confirms the proposal with this digest: assignments, archive entries, audit and one email per
    /// assignment, in one transaction. 409 `proposal_changed` when the data changed since.
    #[oai(path = "/mentor-assignments/confirm", method = "post")]
    async fn confirm(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<ConfirmRequest>,
    ) -> ApiResult<Json<ConfirmedDto>> {
        auth.0.require(Capability::ManageMentoring)?;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let done = assignments::confirm(&state.db, &actor, body.0.intake_year, &body.0.digest, &state.config).await?;
        Ok(Json(ConfirmedDto {
            assignments: done.assignments as u64,
            emails: done.emails as u64,
            students: done.students as u64,
        }))
    }

    /// Chooses a mentor by hand for one role of one student; the assignment in force ends
    /// (`replaced`) and the new mentor is emailed.
    #[oai(path = "/mentor-assignments/override", method = "post")]
    async fn override_one(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<OverrideRequest>,
    ) -> ApiResult<Json<AssignmentDto>> {
        auth.0.require(Capability::ManageMentoring)?;
        let b = body.0;
        let row = assignments::override_one(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            Override {
                intake_year: b.intake_year,
                student_id: b.student_id,
                role: b.role,
                mentor_id: Some(b.mentor_id),
                reason: b.reason,
            },
            &state.config,
        )
        .await?;
        let named = assignments::with_names(&state.db, vec![row]).await?;
        let one = named.into_iter().next().ok_or(AppError::NotFound("assignment"))?;
        Ok(Json(one.into()))
    }

    /// Records a help session with one of the caller's mentees (mentors only).
    #[oai(path = "/mentor-sessions", method = "post")]
    async fn record_session(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<HelpSessionRequest>,
    ) -> ApiResult<Json<SessionRecordedDto>> {
        auth.0.require(Capability::RecordHelpSessions)?;
        let b = body.0;
        let duration = b.duration_minutes.map(|d| d.to_string()).unwrap_or_default();
        let input = SessionInput::parse(
            &b.date,
            &b.mode,
            &duration,
            b.notes.as_deref().unwrap_or(""),
            crate::clock::today(),
        )?;
        let entry =
            sessions::record_session(&state.db, &auth.0, Some(state.client_ip(req)), b.student_id, input).await?;
        Ok(Json(SessionRecordedDto {
            entry_id: entry.id,
            student_id: entry.student_id,
        }))
    }

    /// Mentees in force without contact for 30 days, longest first, in the list shape (worked out
    /// from each assignment's last contact, so the page is cut in memory).
    #[oai(path = "/mentor-assignments/overdue", method = "get")]
    async fn overdue(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<OverdueDto>>> {
        auth.0.require(Capability::ManageMentoring)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let rows = sessions::overdue(&state.db, crate::clock::today(), None).await?;
        Ok(Json(PageDto::from_page(Page::slice(rows, req), OverdueDto::from)))
    }
}
