//! Portal pages for reporting (报到) by enrolment roster: the upload form (school, intake year,
//! file) with the CSV template, the preview (counts, the matched students, those already
//! reported, the bad rows) with its confirm button. Moves parameters; the work is in [`roster`].

use entity::roster_preview::RosterStatus;
use poem::web::{Data, Multipart, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde_json::{Value, json};

use super::follow_through_web::ClassQuery;
use super::roster::matching::RosterLine;
use super::roster::{self, RosterUpload};
use super::{programmes, roster::rows};
use crate::auth::Capability;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::state::AppState;
use crate::student::import_web::UploadForm;
use crate::student::register::{self, COLUMN_DOC};
use crate::web::{PortalCtx, error_text, redirect, render};

type PageResult = Result<Response, AppError>;

/// Rows of each table shown on the preview page; the API returns them all.
const SHOWN: usize = 1000;

#[handler]
pub async fn upload_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<ClassQuery>) -> PageResult {
    ctx.staff(Capability::RunRouting)?;
    upload_form(&state, &ctx, q.year(), q.school(), String::new()).await
}

/// The upload form, with `error` above it when an upload was refused.
async fn upload_form(state: &AppState, ctx: &PortalCtx, year: i32, school: Option<i32>, error: String) -> PageResult {
    let schools = programmes::list_schools(&state.db).await?;
    let columns: Vec<Value> = COLUMN_DOC
        .iter()
        .filter(|(col, ..)| rows::REQUIRED.contains(col))
        .map(|(_, zh, en, _)| json!({"zh": zh, "en": en}))
        .collect();
    let vars = json!({
        "year": year,
        "school_id": school.or_else(|| schools.first().map(|s| s.id)),
        "schools": schools.iter().map(|s| json!({"id": s.id, "name": s.name})).collect::<Vec<_>>(),
        "columns": columns,
        "error": error,
    });
    let status = if vars["error"].as_str().is_some_and(|e| !e.is_empty()) {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        poem::http::StatusCode::OK
    };
    Ok(render(state, ctx, "admissions/roster_new.html", vars)?
        .with_status(status)
        .into_response())
}

/// The roster template: the two columns and the register template's example student.
#[handler]
pub async fn template(ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::RunRouting)?;
    let example = |col: register::Column| register::EXAMPLE_ROW[col as usize].to_string();
    let table = crate::export::ExportTable {
        headers: rows::REQUIRED
            .iter()
            .map(|c| register::header_of(*c).to_string())
            .collect(),
        rows: vec![rows::REQUIRED.iter().map(|c| example(*c)).collect()],
    };
    crate::export::respond(&table, "roster-template", "csv")
}

/// A whole number typed into the form: `missing` when blank, `invalid` (quoting the text as
/// `value`) when not a number.
fn number_field(
    form: &UploadForm,
    name: &'static str,
    missing: &'static str,
    invalid: &'static str,
) -> Result<i32, FieldError> {
    let raw = form
        .field(name)
        .ok_or_else(|| FieldError::new(name, Msg::new(missing)))?;
    raw.parse()
        .map_err(|_| FieldError::new(name, Msg::new(invalid).arg("value", raw)))
}

/// The intake year and school of the form.
fn year_and_school(form: &UploadForm) -> (Result<i32, FieldError>, Result<i32, FieldError>) {
    (
        number_field(form, "intake_year", "roster.year_required", "roster.year_invalid"),
        number_field(form, "school_id", "roster.school_required", "roster.school_invalid"),
    )
}

/// The roster the form uploads, or every problem with the form at once.
fn upload_of(form: &mut UploadForm) -> Result<RosterUpload, AppError> {
    let (year, school) = year_and_school(form);
    match (year, school, form.take_file()) {
        (Ok(intake_year), Ok(school_id), Ok((file_name, bytes))) => Ok(RosterUpload {
            school_id,
            intake_year,
            file_name,
            bytes,
            sheet: form.field("sheet").map(str::to_owned),
        }),
        (year, school, file) => Err(AppError::Invalid(
            [year.err(), school.err(), file.err()].into_iter().flatten().collect(),
        )),
    }
}

#[handler]
pub async fn upload(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Multipart) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let mut form = UploadForm::read(form).await?;
    let result = match upload_of(&mut form) {
        Ok(upload) => roster::preview(&state.db, &state.vault, &me.actor(Some(ctx.client_ip.clone())), upload).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((stored, _)) => Ok(redirect(&format!("/reporting/roster/{}", stored.id))),
        Err(e @ AppError::Invalid(_)) => {
            let (year, school) = year_and_school(&form);
            let year = year.unwrap_or_else(|_| ClassQuery::default().year());
            upload_form(&state, &ctx, year, school.ok(), error_text(&state, ctx.lang, &e)).await
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn show(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    show_preview(&state, &ctx, id.0, None).await
}

/// The preview page, with `refused` (why a confirm was refused) above it.
async fn show_preview(state: &AppState, ctx: &PortalCtx, id: i32, refused: Option<&AppError>) -> PageResult {
    ctx.staff(Capability::RunRouting)?;
    let (stored, report) = roster::get_preview(&state.db, id).await?;
    let school = programmes::get_school(&state.db, stored.school_id).await?;
    let lines = |list: &[RosterLine]| -> Vec<Value> {
        list.iter()
            .take(SHOWN)
            .map(|l| json!({"line": l.line, "student_id": l.student_id, "name": l.name, "national_id": l.national_id, "programme": l.programme, "status": l.status}))
            .collect()
    };
    let errors: Vec<Value> = report
        .errors
        .iter()
        .take(SHOWN)
        .map(|e| json!({"line": e.line, "column": e.column, "message": e.text(&state.i18n, ctx.lang)}))
        .collect();
    let vars = json!({
        "preview": {"id": stored.id, "confirmed": stored.status == RosterStatus::Confirmed, "school": school.name, "year": stored.intake_year, "file_name": report.file_name},
        "counts": {"rows": report.rows, "matched": report.matched.len(), "already": report.already_reported.len(), "bad_rows": report.bad_rows(), "errors": report.errors.len()},
        "sections": [
            {"heading": "matched_heading", "rows": lines(&report.matched)},
            {"heading": "already_heading", "rows": lines(&report.already_reported)},
        ],
        "errors": errors,
        "cut": report.matched.len().max(report.already_reported.len()).max(report.errors.len()) > SHOWN,
        "query": format!("intake_year={}&school_id={}", stored.intake_year, stored.school_id),
        "error": refused.map(|e| error_text(state, ctx.lang, e)).unwrap_or_default(),
    });
    let status = refused.map_or(poem::http::StatusCode::OK, AppError::status);
    Ok(render(state, ctx, "admissions/roster_show.html", vars)?
        .with_status(status)
        .into_response())
}

/// Confirms the preview; refused (shown on the preview, nothing written) when anything changed.
#[handler]
pub async fn confirm(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    match roster::confirm(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0).await {
        Ok(_) => Ok(redirect(&format!("/reporting/roster/{}", id.0))),
        Err(e @ (AppError::Conflict(_) | AppError::Invalid(_))) => show_preview(&state, &ctx, id.0, Some(&e)).await,
        Err(e) => Err(e),
    }
}
