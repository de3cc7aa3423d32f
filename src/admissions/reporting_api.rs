//! API for reporting windows (报到): set a school's window for an intake year, list windows.
//! Moves parameters; the work is in [`reporting`].

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::reporting_window;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};

use super::reporting::{self, WindowInput, WindowRaw};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::pagination::PageRequest;
use crate::state::AppState;

#[derive(Tags)]
enum ApiTags {
    /// When, where and with what a school's placed students report (报到).
    ReportingWindows,
}

/// A school's reporting window for an intake year.
#[derive(Debug, Object)]
pub struct ReportingWindowDto {
    pub id: i32,
    pub school_id: i32,
    /// The school's name.
    pub school: String,
    pub intake_year: i32,
    /// First day of reporting.
    pub starts_on: NaiveDate,
    /// Last day of reporting (not before `starts_on`).
    pub ends_on: NaiveDate,
    /// Where to report.
    pub place: String,
    /// What to bring, one item a line.
    pub bring: String,
    /// Whom to call: a person and a phone number.
    pub contact: String,
    pub updated_at: DateTime<Utc>,
}

fn dto(w: reporting_window::Model, schools: &HashMap<i32, String>) -> ReportingWindowDto {
    ReportingWindowDto {
        id: w.id,
        school: schools.get(&w.school_id).cloned().unwrap_or_default(),
        school_id: w.school_id,
        intake_year: w.intake_year,
        starts_on: w.starts_on,
        ends_on: w.ends_on,
        place: w.place,
        bring: w.bring,
        contact: w.contact,
        updated_at: w.updated_at,
    }
}

/// A reporting window to set. Dates are `YYYY-MM-DD`; the start lies in the intake year or the next
/// (a spring intake), the window lasts at most 92 days. Texts are required and one line each, except
/// `bring` (up to 10 lines); `place` and `contact` at most 100 characters, `bring` 300.
#[derive(Debug, Object)]
pub struct ReportingWindowRequest {
    // Missing fields read as empty, so the answer names each one as required.
    #[oai(default)]
    pub starts_on: String,
    #[oai(default)]
    pub ends_on: String,
    #[oai(default)]
    pub place: String,
    #[oai(default)]
    pub bring: String,
    #[oai(default)]
    pub contact: String,
}

pub struct ReportingApi;

#[OpenApi]
impl ReportingApi {
    /// Creates or replaces a school's reporting window for an intake year (audited). Every invalid
    /// field is named at once (422); an unknown school is 404.
    #[oai(
        path = "/schools/:id/reporting-windows/:intake_year",
        method = "put",
        tag = "ApiTags::ReportingWindows"
    )]
    async fn set(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        intake_year: Path<i64>,
        body: Json<ReportingWindowRequest>,
    ) -> ApiResult<Json<ReportingWindowDto>> {
        auth.0.require(Capability::RunRouting)?;
        let b = body.0;
        let input = WindowInput::parse(&WindowRaw {
            school_id: id.0,
            intake_year: intake_year.0,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
            place: b.place,
            bring: b.bring,
            contact: b.contact,
        })?;
        let saved = reporting::set_window(&state.db, &auth.0.actor(Some(state.client_ip(req))), input).await?;
        let schools = super::programmes::school_names(&state.db).await?;
        Ok(Json(dto(saved, &schools)))
    }

    /// Reporting windows, optionally of one intake year or school, newest year first, in the list
    /// shape.
    #[oai(path = "/reporting-windows", method = "get", tag = "ApiTags::ReportingWindows")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        intake_year: Query<Option<i32>>,
        school_id: Query<Option<i32>>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<ReportingWindowDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let found = reporting::search(&state.db, intake_year.0, school_id.0, req).await?;
        let schools = super::programmes::school_names(&state.db).await?;
        Ok(Json(PageDto::from_page(found, |w| dto(w, &schools))))
    }
}
