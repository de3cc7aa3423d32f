//! API for reporting (报到) by enrolment roster: upload a school's roster (= preview: matches,
//! offers already confirmed, bad rows), read a preview, confirm it. Moves parameters; the work is
//! in [`roster`].

use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::multipart::Upload;
use poem_openapi::{Multipart, Object, OpenApi};

use super::api::ApiTags;
use super::roster::matching::{RosterLine, RosterReport};
use super::roster::{self, RosterUpload};
use crate::api::{ApiResult, BearerAuth, api_lang};
use crate::auth::Capability;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::student::import_api::{RowErrorDto, read_upload};

/// A school's enrolment roster to preview.
#[derive(Debug, Multipart)]
pub struct RosterUploadForm {
    /// CSV (UTF-8 or GBK) or XLSX with at least the columns 身份证号 (`national_id`) and 姓名 (`name`).
    pub file: Upload,
    /// The school whose roster this is.
    pub school_id: i32,
    pub intake_year: i32,
    /// The worksheet to read (XLSX only; default the first).
    pub sheet: Option<String>,
}

/// A roster row matched to an offer at the school.
#[derive(Debug, Object)]
pub struct RosterLineDto {
    /// The row number Excel shows (header = 1).
    pub line: u64,
    pub placement_id: i32,
    pub student_id: i32,
    pub programme_id: i32,
    /// The name as registered.
    pub name: String,
    /// Masked, `410181********4058`.
    pub national_id: String,
    /// Code and name of the programme.
    pub programme: String,
    /// The placement's status when previewed: `offered` for a match; `reported`, `suspended` or
    /// `transferred` for one already reported.
    pub status: String,
}

/// A roster preview, or after confirm what was confirmed.
#[derive(Debug, Object)]
pub struct RosterPreviewDto {
    pub id: i32,
    pub school_id: i32,
    pub intake_year: i32,
    pub file_name: String,
    /// `previewed` or `confirmed`.
    pub status: String,
    /// Data rows read.
    pub rows: u64,
    /// Rows whose offer is waiting: confirming reports exactly these.
    pub matches: Vec<RosterLineDto>,
    /// Rows whose student already reported: left as they are.
    pub already_reported: Vec<RosterLineDto>,
    /// Bad rows: the ID invalid, no such student, no waiting offer at this school and year, the offer
    /// at another school, a repeated row, or the name not as registered.
    pub errors: Vec<RowErrorDto>,
}

fn line_dto(l: &RosterLine) -> RosterLineDto {
    RosterLineDto {
        line: l.line as u64,
        placement_id: l.placement_id,
        student_id: l.student_id,
        programme_id: l.programme_id,
        name: l.name.clone(),
        national_id: l.national_id.clone(),
        programme: l.programme.clone(),
        status: l.status.to_string(),
    }
}

fn preview_dto(
    stored: &entity::roster_preview::Model,
    r: &RosterReport,
    state: &AppState,
    lang: Lang,
) -> RosterPreviewDto {
    RosterPreviewDto {
        id: stored.id,
        school_id: stored.school_id,
        intake_year: stored.intake_year,
        file_name: r.file_name.clone(),
        status: stored.status.to_string(),
        rows: r.rows as u64,
        matches: r.matched.iter().map(line_dto).collect(),
        already_reported: r.already_reported.iter().map(line_dto).collect(),
        errors: r.errors.iter().map(|e| RowErrorDto::of(e, state, lang)).collect(),
    }
}

pub struct RosterApi;

#[OpenApi]
impl RosterApi {
    /// Uploads a school's enrolment roster for an intake year and returns its preview: each row
    /// matched to a waiting offer, already reported, or bad (with its line and reason). Nothing is
    /// confirmed until `confirm`; the file itself is not kept.
    #[oai(path = "/reporting/roster", method = "post", tag = "ApiTags::RoutingRuns")]
    async fn upload(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: RosterUploadForm,
    ) -> ApiResult<Json<RosterPreviewDto>> {
        auth.0.require(Capability::RunRouting)?;
        let (file_name, bytes) = read_upload(body.file).await?;
        let upload = RosterUpload {
            school_id: body.school_id,
            intake_year: body.intake_year,
            file_name,
            bytes,
            sheet: body.sheet.filter(|s| !s.trim().is_empty()),
        };
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let (stored, report) = roster::preview(&state.db, &state.vault, &actor, upload).await?;
        Ok(Json(preview_dto(&stored, &report, &state, api_lang(req))))
    }

    /// A roster preview (or confirmed roster).
    #[oai(path = "/reporting/roster/:id", method = "get", tag = "ApiTags::RoutingRuns")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<RosterPreviewDto>> {
        auth.0.require(Capability::RunRouting)?;
        let (stored, report) = roster::get_preview(&state.db, id.0).await?;
        Ok(Json(preview_dto(&stored, &report, &state, api_lang(req))))
    }

    /// Confirms the previewed roster: exactly its matched offers are reported (an `enrolment` entry
    /// in each archive), in one transaction. 409 with nothing written when it was confirmed before,
    /// matched nothing, or any matched offer changed since the preview (preview again).
    #[oai(
        path = "/reporting/roster/:id/confirm",
        method = "post",
        tag = "ApiTags::RoutingRuns"
    )]
    async fn confirm(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<RosterPreviewDto>> {
        auth.0.require(Capability::RunRouting)?;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let (stored, report) = roster::confirm(&state.db, &actor, id.0).await?;
        Ok(Json(preview_dto(&stored, &report, &state, api_lang(req))))
    }
}
