//! Import of the poverty register's student lists: always a preview first (counts of new, changed
//! and unchanged students and households, and every bad row), then an atomic commit of the good
//! rows. Households are matched by registration number, students by the keyed hash of their
//! national ID. Re-importing the same file changes nothing; a changed value is updated and the
//! change is recorded in the student's archive.
//!
//! The uploaded file is kept between preview and commit only encrypted (under its own key derived
//! from the data key), and deleted (emptied) once committed or after 24 hours unused; its digest
//! and report stay, and reports never quote a full national ID.

mod apply;
mod plan;

use chrono::Utc;
use entity::import_batch::{self, ImportStatus};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::ids::mask_ids_in;
use super::register::{self, RegisterRow, RowError};
use super::table;
use crate::audit::{self, Actor, Record};
use crate::crypto::IdVault;
use crate::error::{AppError, Context};
use crate::i18n::{Catalogues, Lang, Msg};
use apply::{apply, apply_preferences, check_preferences};
use plan::{Existing, plan};

/// Counts of one kind of record in an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// A bad row, kept with its message key so it can be shown in either language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportError {
    pub line: usize,
    pub column: String,
    pub key: String,
    pub args: Vec<(String, String)>,
}

impl ReportError {
    /// A row error as stored: any ID-like run in its arguments masked.
    pub(crate) fn from_row_error(e: &RowError) -> ReportError {
        ReportError {
            line: e.line,
            column: e.column.clone(),
            key: e.msg.key.to_string(),
            // A cell quoted back may be a national ID in the wrong column; reports are stored.
            args: e
                .msg
                .args
                .iter()
                .map(|(k, v)| (k.to_string(), mask_ids_in(v)))
                .collect(),
        }
    }

    /// The reason in `lang`.
    pub fn text(&self, i18n: &Catalogues, lang: Lang) -> String {
        i18n.render(lang, &self.key, self.args.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// What an import found (preview) or did (commit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub file_name: String,
    /// Data rows read (not counting the header).
    pub rows: usize,
    pub students: Counts,
    pub households: Counts,
    pub errors: Vec<ReportError>,
    pub committed: bool,
}

impl ImportReport {
    /// Rows with at least one problem (a row may have several).
    pub fn bad_rows(&self) -> usize {
        self.errors
            .iter()
            .map(|e| e.line)
            .collect::<std::collections::HashSet<_>>()
            .len()
    }

    /// Each bad row as `line N, column C: reason`, the CLI's and the CSV download's format.
    pub fn error_lines(&self, i18n: &Catalogues, lang: Lang) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| {
                let column = if e.column.is_empty() {
                    "-".to_string()
                } else {
                    e.column.clone()
                };
                format!("line {}, column {}: {}", e.line, column, e.text(i18n, lang))
            })
            .collect()
    }
}

/// How a commit runs.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    /// Test hook: fail after writing this many new students, to prove the commit is atomic.
    pub fail_after_new_students: Option<usize>,
    /// Where the commit reports how far it got, for the portal's progress page.
    pub progress: Option<std::sync::Arc<Progress>>,
}

/// Rows written so far out of the rows to write; read by another task while a commit runs.
#[derive(Debug, Default)]
pub struct Progress {
    pub total: std::sync::atomic::AtomicUsize,
    pub done: std::sync::atomic::AtomicUsize,
    pub finished: std::sync::atomic::AtomicBool,
    /// The error, when the commit failed.
    pub error: std::sync::Mutex<Option<String>>,
}

impl Progress {
    fn set_total(&self, n: usize) {
        self.total.store(n, std::sync::atomic::Ordering::Relaxed);
    }
    fn add(&self, n: usize) {
        self.done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    /// `(done, total)`.
    pub fn get(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.done.load(Relaxed), self.total.load(Relaxed))
    }
}

/// Reads and checks a file without writing anything.
pub async fn preview(
    db: &impl ConnectionTrait,
    vault: &IdVault,
    file_name: &str,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<ImportReport, AppError> {
    let (rows, mut errors, row_count) = parse(bytes, sheet)?;
    let rows = check_preferences(db, rows, &mut errors).await?;
    let existing = Existing::load(db).await?;
    let plan = plan(&rows, &existing, vault);
    Ok(plan.report(&mask_ids_in(file_name), row_count, &errors, false))
}

/// Stores an uploaded file with its preview, for a later [`commit_batch`].
pub async fn create_batch(
    db: &DatabaseConnection,
    vault: &IdVault,
    actor: &Actor,
    file_name: &str,
    bytes: Vec<u8>,
    sheet: Option<String>,
) -> Result<(import_batch::Model, ImportReport), AppError> {
    let report = preview(db, vault, file_name, &bytes, sheet.as_deref()).await?;
    let digest = crate::auth::sha256_hex_bytes(&bytes);
    let batch = import_batch::ActiveModel {
        file_name: Set(report.file_name.chars().take(255).collect()),
        content: Set(vault.encrypt_upload(&bytes, &digest)?),
        file_sha256: Set(digest),
        sheet: Set(sheet),
        status: Set(ImportStatus::Previewed),
        report: Set(serde_json::to_string(&report).context("encoding report as JSON")?),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        committed_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((batch, report))
}

/// One stored import and its latest report.
pub async fn get_batch(db: &impl ConnectionTrait, id: i32) -> Result<(import_batch::Model, ImportReport), AppError> {
    let batch = import_batch::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("import"))?;
    let report: ImportReport = serde_json::from_str(&batch.report).context("import report")?;
    Ok((batch, report))
}

/// Commits a previewed batch: the file is checked again against the current data and its good
/// rows are written in one transaction. Committing twice is refused.
pub async fn commit_batch(
    db: &DatabaseConnection,
    vault: &IdVault,
    actor: &Actor,
    id: i32,
    options: CommitOptions,
) -> Result<ImportReport, AppError> {
    let (batch, _) = get_batch(db, id).await?;
    if batch.status == ImportStatus::Committed {
        return Err(AppError::Conflict(Msg::new("error.import_already_committed")));
    }
    if batch.content.is_empty() {
        return Err(AppError::Conflict(Msg::new("error.import_upload_gone")));
    }
    let bytes = vault.decrypt_upload(&batch.content, &batch.file_sha256)?;
    let (rows, mut errors, row_count) = parse(&bytes, batch.sheet.as_deref())?;
    let txn = db.begin().await?;
    let rows = check_preferences(&txn, rows, &mut errors).await?;
    // Claim the batch inside the transaction: a second concurrent commit finds it committed.
    let claimed = import_batch::Entity::update_many()
        .col_expr(
            import_batch::Column::Status,
            sea_orm::sea_query::Expr::value(ImportStatus::Committed),
        )
        .col_expr(
            import_batch::Column::CommittedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(import_batch::Column::Id.eq(id))
        .filter(import_batch::Column::Status.eq(ImportStatus::Previewed))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("error.import_already_committed")));
    }
    let existing = Existing::load(&txn).await?;
    let plan = plan(&rows, &existing, vault);
    apply(&txn, vault, actor, &plan, options).await?;
    apply_preferences(&txn, vault, &rows).await?;
    let report = plan.report(&batch.file_name, row_count, &errors, true);
    import_batch::Entity::update_many()
        .col_expr(
            import_batch::Column::Report,
            sea_orm::sea_query::Expr::value(serde_json::to_string(&report).context("encoding report as JSON")?),
        )
        // Written: the upload has served its purpose (the digest and report stay).
        .col_expr(
            import_batch::Column::Content,
            sea_orm::sea_query::Expr::value(Vec::<u8>::new()),
        )
        .filter(import_batch::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let summary = format!(
        "{}: students {} new, {} changed, {} unchanged; households {} new, {} changed; {} bad rows",
        report.file_name,
        report.students.new,
        report.students.changed,
        report.students.unchanged,
        report.households.new,
        report.households.changed,
        report.errors.len()
    );
    audit::record(&txn, actor, "import.commit", Record::new("import_batch", id), summary).await?;
    txn.commit().await?;
    Ok(report)
}

/// Preview and commit in one step (the CLI's `--commit`).
pub async fn import_now(
    db: &DatabaseConnection,
    vault: &IdVault,
    actor: &Actor,
    file_name: &str,
    bytes: Vec<u8>,
    sheet: Option<String>,
) -> Result<ImportReport, AppError> {
    let (batch, _) = create_batch(db, vault, actor, file_name, bytes, sheet).await?;
    commit_batch(db, vault, actor, batch.id, CommitOptions::default()).await
}

/// How long an uncommitted preview keeps its upload.
pub const UPLOAD_KEPT_FOR: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Deletes (empties) the uploads of previews left uncommitted for more than [`UPLOAD_KEPT_FOR`]
/// before `now`, keeping their digest and report; returns how many were deleted. Run by the
/// periodic task in `app.rs`; committing such a preview then asks for the file again.
pub async fn purge_stale_uploads(db: &impl ConnectionTrait, now: chrono::DateTime<Utc>) -> Result<u64, AppError> {
    let purged = import_batch::Entity::update_many()
        .col_expr(
            import_batch::Column::Content,
            sea_orm::sea_query::Expr::value(Vec::<u8>::new()),
        )
        .filter(import_batch::Column::Status.eq(ImportStatus::Previewed))
        .filter(import_batch::Column::CreatedAt.lt(now - UPLOAD_KEPT_FOR))
        .filter(import_batch::Column::Content.ne(Vec::<u8>::new()))
        .exec(db)
        .await?;
    Ok(purged.rows_affected)
}

type Parsed = (Vec<RegisterRow>, Vec<RowError>, usize);

fn parse(bytes: &[u8], sheet: Option<&str>) -> Result<Parsed, AppError> {
    let table = table::read_table(bytes, sheet).map_err(|m| AppError::invalid("file", m))?;
    let row_count = table.rows.len();
    let (rows, errors) = register::parse_rows(&table).map_err(|m| AppError::invalid("file", m))?;
    Ok((rows, errors, row_count))
}
