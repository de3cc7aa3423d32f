//! The mentors' profiles on the API: list them, and save one (admins).

use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::ApiTags;
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::error::AppError;
use crate::mentor::profiles::{self, ProfileInput, RoleCapacity};
use crate::pagination::PageRequest;
use crate::state::AppState;

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
    let roles = p.roles().map_err(AppError::internal)?;
    let skill_areas = p.skill_areas().map_err(AppError::internal)?;
    Ok(MentorDto {
        user_id: p.user_id,
        school_id: p.school_id,
        roles: roles
            .into_iter()
            .map(|r| RoleCapacityDto {
                role: r.role.as_str().to_string(),
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
