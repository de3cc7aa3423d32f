//! API for schools and programmes.

use chrono::{DateTime, Utc};
use entity::{programme, school};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};

use super::programmes::{self, NewSchool, ProgrammeInput, ProgrammeRaw};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};
use crate::routing::instance::Rule;
use crate::state::AppState;

#[derive(Tags)]
enum ApiTags {
    /// Vocational schools.
    Schools,
    /// Programmes: a school's major for one intake year.
    Programmes,
}

/// A vocational school.
#[derive(Debug, Object)]
pub struct SchoolDto {
    pub id: i32,
    pub name: String,
    pub town: String,
    /// The admissions office's mailbox: the weekly list of former students' ledger lines overdue
    /// for follow-up goes there.
    pub admissions_email: Option<String>,
}

impl From<school::Model> for SchoolDto {
    fn from(s: school::Model) -> Self {
        SchoolDto {
            id: s.id,
            name: s.name,
            town: s.town,
            admissions_email: s.admissions_email,
        }
    }
}

/// A new school.
#[derive(Debug, Object)]
pub struct NewSchoolRequest {
    pub name: String,
    pub town: String,
    pub admissions_email: Option<String>,
}

/// A school's admissions mailbox (absent or empty: none).
#[derive(Debug, Object)]
pub struct AdmissionsEmailRequest {
    pub admissions_email: Option<String>,
}

/// A programme.
#[derive(Debug, Object)]
pub struct ProgrammeDto {
    pub id: i32,
    pub school_id: i32,
    /// Unique within the intake year, e.g. `P01`.
    pub code: String,
    pub name: String,
    pub skill_area: String,
    pub town: String,
    pub intake_year: i32,
    pub capacity: i32,
    /// Seats reserved (minimum guarantee) for students the reserved rule covers.
    pub reserved_seats: i32,
    /// CEL condition saying whom the reserved seats are for (default `student.registered_poor`).
    pub reserved_rule: String,
    /// Entry requirements: a student must meet all of them to take a seat here.
    pub requirements: Vec<Rule>,
    pub updated_at: DateTime<Utc>,
}

pub fn programme_dto(p: programme::Model) -> Result<ProgrammeDto, AppError> {
    let requirements = programmes::requirements_of(&p)?;
    Ok(ProgrammeDto {
        id: p.id,
        school_id: p.school_id,
        code: p.code,
        name: p.name,
        skill_area: p.skill_area,
        town: p.town,
        intake_year: p.intake_year,
        capacity: p.capacity,
        reserved_seats: p.reserved_seats,
        reserved_rule: p.reserved_rule,
        requirements,
        updated_at: p.updated_at,
    })
}

/// A programme to create or replace.
#[derive(Debug, Object)]
pub struct ProgrammeRequest {
    pub school_id: i32,
    pub code: String,
    pub name: String,
    pub skill_area: String,
    pub town: String,
    pub intake_year: i64,
    pub capacity: i64,
    #[oai(default)]
    pub reserved_seats: i64,
    pub reserved_rule: Option<String>,
    #[oai(default)]
    pub requirements: Vec<Rule>,
}

impl ProgrammeRequest {
    fn into_input(self) -> Result<ProgrammeInput, AppError> {
        let input = ProgrammeInput::parse(ProgrammeRaw {
            school_id: self.school_id,
            code: self.code,
            name: self.name,
            skill_area: self.skill_area,
            town: self.town,
            intake_year: self.intake_year,
            capacity: self.capacity,
            reserved_seats: self.reserved_seats,
            reserved_rule: self.reserved_rule,
            requirements: self.requirements,
        })?;
        super::rules_check::check_programme_rules(&input)?;
        Ok(input)
    }
}

pub struct ProgrammesApi;

#[OpenApi]
impl ProgrammesApi {
    /// Schools by name, in the list shape (a county has a handful, so the page is cut in memory).
    #[oai(path = "/schools", method = "get", tag = "ApiTags::Schools")]
    async fn schools(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<SchoolDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let all = programmes::list_schools(&state.db).await?;
        Ok(Json(PageDto::from_page(Page::slice(all, req), SchoolDto::from)))
    }

    /// Adds a school (admins).
    #[oai(path = "/schools", method = "post", tag = "ApiTags::Schools")]
    async fn create_school(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<NewSchoolRequest>,
    ) -> ApiResult<Json<SchoolDto>> {
        auth.0.require(Capability::ManageProgrammes)?;
        let new = NewSchool::parse(&body.0.name, &body.0.town, body.0.admissions_email.as_deref())?;
        let s = programmes::create_school(&state.db, &auth.0.actor(Some(state.client_ip(req))), new).await?;
        Ok(Json(s.into()))
    }

    /// Sets or clears the school's admissions mailbox (admins).
    #[oai(path = "/schools/:id/admissions-email", method = "put", tag = "ApiTags::Schools")]
    async fn set_admissions_email(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<AdmissionsEmailRequest>,
    ) -> ApiResult<Json<SchoolDto>> {
        auth.0.require(Capability::ManageProgrammes)?;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let s = programmes::set_admissions_email(&state.db, &actor, id.0, body.0.admissions_email.as_deref()).await?;
        Ok(Json(s.into()))
    }

    /// One school.
    #[oai(path = "/schools/:id", method = "get", tag = "ApiTags::Schools")]
    async fn school(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<SchoolDto>> {
        auth.0.require(Capability::ReadStudents)?;
        Ok(Json(programmes::get_school(&state.db, id.0).await?.into()))
    }

    /// Programmes by school and code, optionally of one intake year or school, in the list shape
    /// (paged by the database).
    #[oai(path = "/programmes", method = "get", tag = "ApiTags::Programmes")]
    async fn programmes(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        intake_year: Query<Option<i32>>,
        school_id: Query<Option<i32>>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<ProgrammeDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let found = programmes::page_programmes(&state.db, intake_year.0, school_id.0, req).await?;
        Ok(Json(PageDto::try_from_page(found, programme_dto)?))
    }

    /// Creates a programme; requirement and reserve rules are checked like rule-set rules.
    #[oai(path = "/programmes", method = "post", tag = "ApiTags::Programmes")]
    async fn create_programme(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<ProgrammeRequest>,
    ) -> ApiResult<Json<ProgrammeDto>> {
        auth.0.require(Capability::ManageProgrammes)?;
        let input = body.0.into_input()?;
        let p = programmes::save_programme(&state.db, &auth.0.actor(Some(state.client_ip(req))), None, input).await?;
        Ok(Json(programme_dto(p)?))
    }

    /// One programme.
    #[oai(path = "/programmes/:id", method = "get", tag = "ApiTags::Programmes")]
    async fn programme(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<ProgrammeDto>> {
        auth.0.require(Capability::ReadStudents)?;
        Ok(Json(programme_dto(programmes::get_programme(&state.db, id.0).await?)?))
    }

    /// Replaces a programme's fields.
    #[oai(path = "/programmes/:id", method = "put", tag = "ApiTags::Programmes")]
    async fn update_programme(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<ProgrammeRequest>,
    ) -> ApiResult<Json<ProgrammeDto>> {
        auth.0.require(Capability::ManageProgrammes)?;
        let input = body.0.into_input()?;
        let p =
            programmes::save_programme(&state.db, &auth.0.actor(Some(state.client_ip(req))), Some(id.0), input).await?;
        Ok(Json(programme_dto(p)?))
    }
}
