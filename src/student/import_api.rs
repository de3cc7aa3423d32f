//! API for register imports: upload (= preview), read, commit.

use entity::import_batch::ImportStatus;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::multipart::Upload;
use poem_openapi::{Multipart, Object, OpenApi, Tags};

use super::import::{self, CommitOptions, ImportReport};
use crate::api::{ApiResult, BearerAuth, api_lang};
use crate::auth::Capability;
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::state::AppState;

#[derive(Tags)]
enum ApiTags {
    /// Importing the poverty register's student lists (CSV in UTF-8/GBK, or XLSX).
    Imports,
}

/// A register file to preview.
#[derive(Debug, Multipart)]
pub struct ImportUpload {
    /// The CSV or XLSX file.
    pub file: Upload,
    /// The worksheet to read (XLSX only; default the first).
    pub sheet: Option<String>,
}

/// Counts of one kind of record.
#[derive(Debug, Object)]
pub struct CountsDto {
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
}

/// A bad row: its line as Excel shows it (header = 1), the column, and the reason.
#[derive(Debug, Object)]
pub struct RowErrorDto {
    pub line: u64,
    pub column: String,
    pub code: String,
    pub message: String,
}

impl RowErrorDto {
    /// A stored row error, its reason in `lang`.
    pub fn of(e: &import::ReportError, state: &AppState, lang: Lang) -> RowErrorDto {
        RowErrorDto {
            line: e.line as u64,
            column: e.column.clone(),
            code: e.key.rsplit('.').next().unwrap_or(&e.key).to_string(),
            message: e.text(&state.i18n, lang),
        }
    }
}

/// An import: its preview, or after commit what was written.
#[derive(Debug, Object)]
pub struct ImportDto {
    pub id: i32,
    pub file_name: String,
    /// `previewed` or `committed`.
    pub status: String,
    /// Data rows read.
    pub rows: u64,
    pub students: CountsDto,
    pub households: CountsDto,
    pub errors: Vec<RowErrorDto>,
}

fn counts(c: &import::Counts) -> CountsDto {
    CountsDto {
        new: c.new as u64,
        changed: c.changed as u64,
        unchanged: c.unchanged as u64,
    }
}

pub fn import_dto(id: i32, status: ImportStatus, r: &ImportReport, state: &AppState, lang: Lang) -> ImportDto {
    ImportDto {
        id,
        file_name: r.file_name.clone(),
        status: status.to_string(),
        rows: r.rows as u64,
        students: counts(&r.students),
        households: counts(&r.households),
        errors: r.errors.iter().map(|e| RowErrorDto::of(e, state, lang)).collect(),
    }
}

/// An uploaded file's name (`upload` when the client gave none) and bytes (already bounded by
/// `body_limit`).
pub async fn read_upload(file: Upload) -> Result<(String, Vec<u8>), AppError> {
    let file_name = file.file_name().unwrap_or("upload").to_string();
    let bytes = file
        .into_vec()
        .await
        .map_err(|e| AppError::invalid("file", Msg::new("error.upload_unreadable").arg("reason", e)))?;
    Ok((file_name, bytes))
}

pub struct ImportsApi;

#[OpenApi(tag = "ApiTags::Imports")]
impl ImportsApi {
    /// Uploads a register file and returns its preview: counts of new, changed and unchanged
    /// students and households, and every bad row. Nothing is imported until `commit`.
    #[oai(path = "/imports", method = "post")]
    async fn upload(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: ImportUpload,
    ) -> ApiResult<Json<ImportDto>> {
        auth.0.require(Capability::ManageStudents)?;
        let (file_name, bytes) = read_upload(body.file).await?;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let (batch, report) =
            import::create_batch(&state.db, &state.vault, &actor, &file_name, bytes, body.sheet).await?;
        Ok(Json(import_dto(batch.id, batch.status, &report, &state, api_lang(req))))
    }

    /// An import and its latest report.
    #[oai(path = "/imports/:id", method = "get")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<ImportDto>> {
        auth.0.require(Capability::ManageStudents)?;
        let (batch, report) = import::get_batch(&state.db, id.0).await?;
        Ok(Json(import_dto(batch.id, batch.status, &report, &state, api_lang(req))))
    }

    /// Writes the previewed file's good rows in one transaction (all or nothing). Bad rows are
    /// skipped and listed again; committing twice is refused with 409.
    #[oai(path = "/imports/:id/commit", method = "post")]
    async fn commit(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<ImportDto>> {
        auth.0.require(Capability::ManageStudents)?;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let report = import::commit_batch(&state.db, &state.vault, &actor, id.0, CommitOptions::default()).await?;
        Ok(Json(import_dto(
            id.0,
            ImportStatus::Committed,
            &report,
            &state,
            api_lang(req),
        )))
    }
}
