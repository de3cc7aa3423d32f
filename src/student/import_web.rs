//! Portal pages for imports: upload form, preview report with its bad rows (downloadable as CSV),
//! and the commit button.

use entity::import_batch::ImportStatus;
use poem::web::{Data, Multipart, Path};
use poem::{IntoResponse, Response, handler};
use serde_json::json;

use super::import::{self, CommitOptions};
use crate::auth::Capability;
use crate::error::{AppError, FieldError};
use crate::export::{self, ExportTable};
use crate::i18n::Msg;
use crate::state::AppState;
use crate::web::{PortalCtx, redirect, render};

type PageResult = Result<Response, AppError>;

#[handler]
pub async fn upload_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::ManageStudents)?;
    Ok(render(&state, &ctx, "student/import_new.html", json!({ "error": "", "columns": super::register::COLUMN_DOC.iter().map(|(_, zh, en, req)| json!({"zh": zh, "en": en, "required": req})).collect::<Vec<_>>() }))?.into_response())
}

/// The import template: the county's header row and one example row, as CSV or XLSX (`format=`).
#[handler]
pub async fn template(ctx: Data<&PortalCtx>, format: poem::web::Query<super::web::ExportFormat>) -> PageResult {
    ctx.staff(Capability::ReadStudents)?;
    let table = crate::export::ExportTable {
        headers: super::register::COLUMN_DOC
            .iter()
            .map(|(_, zh, _, _)| (*zh).to_string())
            .collect(),
        rows: vec![super::register::EXAMPLE_ROW.iter().map(|v| (*v).to_string()).collect()],
    };
    crate::export::respond(&table, "register-template", format.0.format())
}

/// A posted upload form: the `file` field (name and bytes) and the other fields as text.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub file: Option<(String, Vec<u8>)>,
    pub fields: Vec<(String, String)>,
}

impl UploadForm {
    /// Reads every field of a multipart form (the body is already bounded by `body_limit`).
    pub async fn read(mut form: Multipart) -> Result<UploadForm, AppError> {
        let unreadable =
            |e: &dyn std::fmt::Display| AppError::invalid("file", Msg::new("error.upload_unreadable").arg("reason", e));
        let mut read = UploadForm::default();
        while let Some(field) = form.next_field().await.map_err(|e| unreadable(&e))? {
            match field.name().map(str::to_owned) {
                Some(name) if name == "file" => {
                    let file_name = field.file_name().unwrap_or("upload").to_string();
                    let bytes = field.bytes().await.map_err(|e| unreadable(&e))?;
                    read.file = Some((file_name, bytes));
                }
                Some(name) => {
                    let value = field.text().await.unwrap_or_default();
                    read.fields.push((name, value.trim().to_string()));
                }
                None => {}
            }
        }
        Ok(read)
    }

    /// A text field, `None` when absent or blank.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The uploaded file, refused when missing or empty.
    pub fn take_file(&mut self) -> Result<(String, Vec<u8>), FieldError> {
        self.file
            .take()
            .filter(|(_, b)| !b.is_empty())
            .ok_or_else(|| FieldError::new("file", Msg::new("error.upload_missing")))
    }
}

#[handler]
pub async fn upload(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Multipart) -> PageResult {
    let me = ctx.staff(Capability::ManageStudents)?;
    let mut form = UploadForm::read(form).await?;
    let sheet = form.field("sheet").map(str::to_owned);
    let result = match form.take_file() {
        Err(e) => Err(AppError::Invalid(vec![e])),
        Ok((name, bytes)) => {
            import::create_batch(
                &state.db,
                &state.vault,
                &me.actor(Some(ctx.client_ip.clone())),
                &name,
                bytes,
                sheet,
            )
            .await
        }
    };
    match result {
        Ok((batch, _)) => Ok(redirect(&format!("/imports/{}", batch.id))),
        Err(AppError::Invalid(fields)) => {
            let error = fields
                .iter()
                .map(|f| state.i18n.text(ctx.lang, &f.msg))
                .collect::<Vec<_>>()
                .join("; ");
            let columns: Vec<_> = super::register::COLUMN_DOC
                .iter()
                .map(|(_, zh, en, req)| json!({"zh": zh, "en": en, "required": req}))
                .collect();
            Ok(render(
                &state,
                &ctx,
                "student/import_new.html",
                json!({ "error": error, "columns": columns }),
            )?
            .with_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY)
            .into_response())
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn show(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ManageStudents)?;
    let (batch, report) = import::get_batch(&state.db, id.0).await?;
    let errors: Vec<_> = report
        .errors
        .iter()
        .take(1000)
        .map(|e| json!({ "line": e.line, "column": e.column, "message": e.text(&state.i18n, ctx.lang) }))
        .collect();
    let running = state
        .imports_running
        .lock()
        .map_err(|_| AppError::internal("progress lock"))?
        .get(&batch.id)
        .cloned();
    let (in_progress, done, total, failed) = match running {
        Some(p) => {
            let (done, total) = p.get();
            let finished = p.finished.load(std::sync::atomic::Ordering::Relaxed);
            let failed = p.error.lock().ok().and_then(|e| e.clone()).unwrap_or_default();
            (
                !finished && batch.status != ImportStatus::Committed,
                done,
                total,
                failed,
            )
        }
        None => (false, 0, 0, String::new()),
    };
    let vars = json!({
        "progress": { "running": in_progress, "done": done, "total": total, "percent": (done * 100).checked_div(total).unwrap_or(0), "failed": failed },
        "batch": { "id": batch.id, "file_name": batch.file_name, "committed": batch.status == ImportStatus::Committed, "created_at": batch.created_at.to_rfc3339() },
        "report": { "rows": report.rows, "students": report.students, "households": report.households, "error_count": report.errors.len(), "bad_rows": report.bad_rows() },
        "errors": errors,
    });
    Ok(render(&state, &ctx, "student/import_show.html", vars)?.into_response())
}

/// The bad rows as CSV (line, column, reason) for the clerk to fix the file.
#[handler]
pub async fn errors_csv(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ManageStudents)?;
    let (_, report) = import::get_batch(&state.db, id.0).await?;
    let headers = ["import.line", "import.column", "import.reason"]
        .iter()
        .map(|k| state.i18n.get(ctx.lang, k))
        .collect();
    let rows = report
        .errors
        .iter()
        .map(|e| vec![e.line.to_string(), e.column.clone(), e.text(&state.i18n, ctx.lang)])
        .collect();
    let bytes = export::to_csv(&ExportTable { headers, rows })?;
    Ok(export::download(
        bytes,
        &format!("import-{}-errors.csv", id.0),
        "text/csv; charset=utf-8",
    ))
}

/// Starts the commit in the background and sends the browser to the page that shows its progress;
/// a large list takes seconds, and a clerk should see it moving rather than a spinning tab.
#[handler]
pub async fn commit(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::ManageStudents)?;
    let (batch, _) = import::get_batch(&state.db, id.0).await?;
    if batch.status == ImportStatus::Committed {
        return Err(AppError::Conflict(Msg::new("error.import_already_committed")));
    }
    let progress = std::sync::Arc::new(import::Progress::default());
    {
        let mut running = state
            .imports_running
            .lock()
            .map_err(|_| AppError::internal("progress lock"))?;
        if running
            .get(&id.0)
            .is_some_and(|p| !p.finished.load(std::sync::atomic::Ordering::Relaxed))
        {
            return Ok(redirect(&format!("/imports/{}", id.0)));
        }
        running.insert(id.0, progress.clone());
    }
    let (state, actor, batch_id) = ((*state).clone(), me.actor(Some(ctx.client_ip.clone())), id.0);
    tokio::spawn(async move {
        let options = CommitOptions {
            progress: Some(progress.clone()),
            ..Default::default()
        };
        if let Err(e) = import::commit_batch(&state.db, &state.vault, &actor, batch_id, options).await {
            tracing::error!(error = %e, batch_id, "import commit failed");
            if let Ok(mut slot) = progress.error.lock() {
                *slot = Some(state.i18n.text(crate::i18n::Lang::Zh, &e.message()));
            }
        }
        progress.finished.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    Ok(redirect(&format!("/imports/{}", id.0)))
}
