//! API for mentor profiles, assignments (proposal, confirmation, override, list), help sessions and
//! the overdue list.

use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi, Tags};

use super::assignments::{self, AssignmentFilter, Override};
use super::profiles::{self, ProfileInput, RoleCapacity};
use super::sessions::{self, SessionInput};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

#[derive(Tags)]
enum ApiTags {
    /// Mentors: counsellors, class teachers and subject teachers.
    Mentors,
}

/// A role a mentor can take, with the most mentees in that role.
#[derive(Debug, Clone, Object)]
pub struct RoleCapacityDto {
    /// `counsellor` (辅导员), `class_teacher` (班主任) or `subject_teacher` (专任教师).
    pub role: String,
    pub max: u32,
}

/// A mentor profile.
#[derive(Debug, Object)]
pub struct MentorDto {
    pub user_id: i32,
    pub school_id: i32,
    pub roles: Vec<RoleCapacityDto>,
    pub skill_areas: Vec<String>,
    pub home_town: String,
    pub active: bool,
}

/// A profile to save for a staff account with the mentor role.
#[derive(Debug, Object)]
pub struct MentorRequest {
    pub school_id: i32,
    pub roles: Vec<RoleCapacityDto>,
    #[oai(default)]
    pub skill_areas: Vec<String>,
    pub home_town: String,
    #[oai(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn dto(p: entity::mentor_profile::Model) -> Result<MentorDto, AppError> {
    let (roles, skill_areas) = profiles::decode(&p)?;
    Ok(MentorDto {
        user_id: p.user_id,
        school_id: p.school_id,
        roles: roles
            .into_iter()
            .map(|r| RoleCapacityDto {
                role: r.role,
                max: r.max,
            })
            .collect(),
        skill_areas,
        home_town: p.home_town,
        active: p.active,
    })
}

pub struct MentorsApi;

#[OpenApi(tag = "ApiTags::Mentors")]
impl MentorsApi {
    /// Mentor profiles by user id, optionally of one school, in the list shape.
    #[oai(path = "/mentors", method = "get")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        school_id: Query<Option<i32>>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<MentorDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let found = profiles::profiles_page(&state.db, school_id.0, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::try_from_page(found, dto)?))
    }

    /// Creates or replaces the profile of a staff account with the mentor role (admins).
    #[oai(path = "/mentors/:user_id", method = "put")]
    async fn save(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        user_id: Path<i32>,
        body: Json<MentorRequest>,
    ) -> ApiResult<Json<MentorDto>> {
        auth.0.require(Capability::ManageUsers)?;
        let b = body.0;
        let roles = b
            .roles
            .into_iter()
            .map(|r| RoleCapacity {
                role: r.role,
                max: r.max,
            })
            .collect();
        let input = ProfileInput::parse(
            b.school_id,
            roles,
            b.skill_areas,
            &b.home_town,
            b.active,
            &state.config.mentor_caps,
        )?;
        let saved =
            profiles::save_profile(&state.db, &auth.0.actor(Some(state.client_ip(req))), user_id.0, input).await?;
        Ok(Json(dto(saved)?))
    }
}

/// One proposed assignment.
#[derive(Debug, Object)]
pub struct ProposedDto {
    pub student_id: i32,
    pub student: String,
    pub school: String,
    pub programme: String,
    /// `counsellor`, `class_teacher` or `subject_teacher`.
    pub role: String,
    pub mentor_id: i32,
    pub mentor: String,
    /// The mentor comes from the student's home town.
    pub home_town: bool,
    /// The student's earlier mentor in this role declined.
    pub replaces_declined: bool,
}

/// A role a student cannot get, and why.
#[derive(Debug, Object)]
pub struct MissingDto {
    pub role: String,
    /// `no_mentor_for_role`, `no_skill_match` or `all_full`.
    pub reason: String,
}

/// A student who cannot be fully covered (and so gets no new assignment).
#[derive(Debug, Object)]
pub struct UncoveredDto {
    pub student_id: i32,
    pub student: String,
    pub school: String,
    pub programme: String,
    pub missing: Vec<MissingDto>,
}

/// The proposal for an intake year. Confirm it by sending its `digest` back.
#[derive(Debug, Object)]
pub struct ProposalDto {
    pub intake_year: i32,
    pub digest: String,
    pub placed: u64,
    pub complete: u64,
    pub assignments: Vec<ProposedDto>,
    pub uncovered: Vec<UncoveredDto>,
}

fn snake<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Confirms the proposal that had this digest.
#[derive(Debug, Object)]
pub struct ConfirmRequest {
    pub intake_year: i32,
    pub digest: String,
}

/// What a confirmation wrote.
#[derive(Debug, Object)]
pub struct ConfirmedDto {
    pub assignments: u64,
    pub emails: u64,
    pub students: u64,
}

/// Staff choose a mentor by hand for one role of one student.
#[derive(Debug, Object)]
pub struct OverrideRequest {
    pub intake_year: i32,
    pub student_id: i32,
    pub role: String,
    pub mentor_id: i32,
    pub reason: String,
}

/// A mentor assignment.
#[derive(Debug, Object)]
pub struct AssignmentDto {
    pub id: i32,
    pub student_id: i32,
    pub student: String,
    pub mentor_id: i32,
    pub mentor: String,
    pub role: String,
    /// `assigned` (awaiting the mentor's answer), `accepted`, `declined` or `replaced`.
    pub status: String,
    pub in_force: bool,
    pub assigned_at: chrono::DateTime<chrono::Utc>,
    pub assigned_by: String,
    pub answer_by: chrono::DateTime<chrono::Utc>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    pub end_reason: Option<String>,
    pub last_contact_on: Option<chrono::NaiveDate>,
}

impl From<assignments::AssignmentRow> for AssignmentDto {
    fn from(a: assignments::AssignmentRow) -> Self {
        let r = a.row;
        AssignmentDto {
            id: r.id,
            student_id: r.student_id,
            student: a.student,
            mentor_id: r.mentor_id,
            mentor: a.mentor,
            role: r.role,
            status: r.status,
            in_force: r.in_force.is_some(),
            assigned_at: r.assigned_at,
            assigned_by: r.assigned_by,
            answer_by: r.answer_by,
            answered_at: r.answered_at,
            ended_at: r.ended_at,
            end_reason: r.end_reason,
            last_contact_on: r.last_contact_on,
        }
    }
}

/// A help session a mentor held with a mentee.
#[derive(Debug, Object)]
pub struct HelpSessionRequest {
    pub student_id: i32,
    /// `YYYY-MM-DD`, not in the future.
    pub date: String,
    /// `home_visit`, `phone`, `at_school` or `online`.
    pub mode: String,
    pub duration_minutes: Option<u32>,
    pub notes: Option<String>,
}

/// A mentee without contact for 30 days.
#[derive(Debug, Object)]
pub struct OverdueDto {
    pub assignment_id: i32,
    pub student_id: i32,
    pub student: String,
    pub mentor_id: i32,
    pub mentor: String,
    pub role: String,
    pub last_contact_on: Option<chrono::NaiveDate>,
    pub days: i64,
}

/// Where an assignment stands with its mentor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AssignmentStatusDto {
    /// Emailed, not yet answered.
    Assigned,
    Accepted,
    Declined,
    /// Staff gave the role to another mentor.
    Replaced,
}

impl AssignmentStatusDto {
    /// The status as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatusDto::Assigned => "assigned",
            AssignmentStatusDto::Accepted => "accepted",
            AssignmentStatusDto::Declined => "declined",
            AssignmentStatusDto::Replaced => "replaced",
        }
    }
}

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
            status: status.0.map(|s| s.as_str().to_string()),
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
        let v = assignments::proposal(&state.db, year).await?;
        Ok(Json(ProposalDto {
            intake_year: v.intake_year,
            digest: v.digest,
            placed: v.placed as u64,
            complete: v.complete as u64,
            assignments: v
                .assignments
                .into_iter()
                .map(|a| ProposedDto {
                    student_id: a.student_id,
                    student: a.student,
                    school: a.school,
                    programme: a.programme,
                    role: assignments::role_code(a.role).into(),
                    mentor_id: a.mentor_id,
                    mentor: a.mentor,
                    home_town: a.home_town,
                    replaces_declined: a.replaces_declined,
                })
                .collect(),
            uncovered: v
                .uncovered
                .into_iter()
                .map(|u| UncoveredDto {
                    student_id: u.student_id,
                    student: u.student,
                    school: u.school,
                    programme: u.programme,
                    missing: u
                        .missing
                        .iter()
                        .map(|(role, why)| MissingDto {
                            role: assignments::role_code(*role).into(),
                            reason: snake(why),
                        })
                        .collect(),
                })
                .collect(),
        }))
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
    ) -> ApiResult<Json<serde_json::Value>> {
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
        Ok(Json(
            serde_json::json!({ "entry_id": entry.id, "student_id": entry.student_id }),
        ))
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
        Ok(Json(PageDto::from_page(Page::slice(rows, req), |o| OverdueDto {
            assignment_id: o.assignment_id,
            student_id: o.student_id,
            student: o.student,
            mentor_id: o.mentor_id,
            mentor: o.mentor,
            role: o.role,
            last_contact_on: o.last_contact_on,
            days: o.days,
        })))
    }
}
