//! `vocpath rotate-data-key`: every stored national ID re-encrypted, and its look-up hash re-keyed,
//! under a new data key; the encrypted uploads of pending import previews too.
//!
//! The new key is generated into `data.key.new` (0600) before anything changes; that file is the
//! record that a rotation is under way, and start-up refuses to serve while it exists (a service
//! reading half-rotated data would look IDs up under the wrong hash). Rows are rewritten in batches,
//! one transaction each; a row already readable under the new key is skipped, so a rotation stopped
//! anywhere (a crash, Ctrl-C) is finished by running the command again. The old key stays in
//! `data.key` until every row is done; then it is kept as `data.key.retired-<time>` (the backups
//! taken before need it) and `data.key.new` becomes `data.key`. This module never prints a clear ID.

use std::path::{Path, PathBuf};

use entity::{import_batch, student};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::crypto::IdVault;

pub mod cli;

/// The file holding the new key while a rotation is under way.
pub const NEW_KEY_FILE: &str = "data.key.new";

/// How a run goes through the rows.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Rows per transaction.
    pub batch_size: u64,
    /// Stop after this many batches (tests use it to play an interruption).
    pub max_batches: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            batch_size: 500,
            max_batches: None,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Students re-encrypted by this run.
    pub students: usize,
    /// Import uploads re-encrypted by this run.
    pub uploads: usize,
    /// Rows found already under the new key (done by an interrupted run).
    pub already: usize,
    /// Every row is under the new key.
    pub finished: bool,
}

/// Whether a rotation was started in `data_dir` and not finished.
pub fn in_progress(data_dir: &Path) -> bool {
    data_dir.join(NEW_KEY_FILE).exists()
}

/// The new key: read from `data.key.new` when a rotation is being resumed (`true`), or generated
/// into it (0600) to start one.
pub fn new_key(data_dir: &Path) -> Result<([u8; 32], bool), String> {
    let path = data_dir.join(NEW_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let key = hex::decode(text.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
            let key = key.ok_or_else(|| {
                format!(
                    "{} is damaged (not 64 hex digits): if no row was rotated yet, delete it and start again; \
                     otherwise restore the database and data.key from the backup taken before the rotation",
                    path.display()
                )
            })?;
            Ok((key, true))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
            crate::files::write_new(&path, hex::encode(key).as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok((key, false))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Re-encrypts every student's ID and every pending upload from `old` to `new`, batch by batch.
pub async fn reencrypt(
    db: &DatabaseConnection,
    old: &IdVault,
    new: &IdVault,
    options: Options,
) -> Result<Progress, String> {
    let mut progress = Progress::default();
    let mut batches = 0;
    let mut cursor = 0;
    let mut uploads_cursor = 0;
    loop {
        if options.max_batches.is_some_and(|max| batches >= max) {
            return Ok(progress);
        }
        batches += 1;
        let students_left = cursor != i32::MAX;
        let found = if students_left {
            students_batch(db, old, new, &mut cursor, options.batch_size, &mut progress).await?
        } else {
            uploads_batch(db, old, new, &mut uploads_cursor, options.batch_size, &mut progress).await?
        };
        if !found {
            if students_left {
                cursor = i32::MAX;
            } else {
                progress.finished = true;
                return Ok(progress);
            }
        }
    }
}

/// One transaction over the next students after `cursor`; `false` when there were none.
async fn students_batch(
    db: &DatabaseConnection,
    old: &IdVault,
    new: &IdVault,
    cursor: &mut i32,
    size: u64,
    progress: &mut Progress,
) -> Result<bool, String> {
    let txn = crate::db::begin_write(db).await.map_err(db_error)?;
    let rows: Vec<(i32, String, String)> = student::Entity::find()
        .select_only()
        .column(student::Column::Id)
        .column(student::Column::NationalIdEnc)
        .column(student::Column::NationalIdHash)
        .filter(student::Column::Id.gt(*cursor))
        .order_by_asc(student::Column::Id)
        .limit(size)
        .into_tuple()
        .all(&txn)
        .await
        .map_err(db_error)?;
    for (id, enc, hash) in &rows {
        *cursor = *id;
        if new.decrypt(enc).is_ok_and(|clear| new.lookup_hash(&clear) == *hash) {
            progress.already += 1;
            continue;
        }
        let clear = old.decrypt(enc).map_err(|_| {
            format!(
                "student {id}: the national ID opens under neither data.key nor {NEW_KEY_FILE}; stop here and \
                 restore the database and data.key from the backup taken before the rotation"
            )
        })?;
        let sealed = new.encrypt(&clear).map_err(|e| e.to_string())?;
        student::Entity::update_many()
            .col_expr(student::Column::NationalIdEnc, Expr::value(sealed))
            .col_expr(student::Column::NationalIdHash, Expr::value(new.lookup_hash(&clear)))
            .filter(student::Column::Id.eq(*id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        progress.students += 1;
    }
    txn.commit().await.map_err(db_error)?;
    Ok(!rows.is_empty())
}

/// One transaction over the next uploads kept for a preview; `false` when there were none.
async fn uploads_batch(
    db: &DatabaseConnection,
    old: &IdVault,
    new: &IdVault,
    cursor: &mut i32,
    size: u64,
    progress: &mut Progress,
) -> Result<bool, String> {
    let txn = crate::db::begin_write(db).await.map_err(db_error)?;
    let rows: Vec<(i32, String, Vec<u8>)> = import_batch::Entity::find()
        .select_only()
        .column(import_batch::Column::Id)
        .column(import_batch::Column::FileSha256)
        .column(import_batch::Column::Content)
        .filter(import_batch::Column::Id.gt(*cursor))
        .order_by_asc(import_batch::Column::Id)
        .limit(size.min(20))
        .into_tuple()
        .all(&txn)
        .await
        .map_err(db_error)?;
    for (id, digest, content) in &rows {
        *cursor = *id;
        if content.is_empty() || new.decrypt_upload(content, digest).is_ok() {
            progress.already += usize::from(!content.is_empty());
            continue;
        }
        let clear = old
            .decrypt_upload(content, digest)
            .map_err(|_| format!("import {id}: its kept upload opens under neither key"))?;
        let sealed = new.encrypt_upload(&clear, digest).map_err(|e| e.to_string())?;
        import_batch::Entity::update_many()
            .col_expr(import_batch::Column::Content, Expr::value(sealed))
            .filter(import_batch::Column::Id.eq(*id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        progress.uploads += 1;
    }
    txn.commit().await.map_err(db_error)?;
    Ok(!rows.is_empty())
}

/// After every row is under the new key: keeps the old `data.key` as `data.key.retired-<time>` and
/// puts the new key in its place. Returns the retired file. Safe to repeat after a crash.
pub fn swap_key_files(data_dir: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<PathBuf, String> {
    let current = data_dir.join("data.key");
    let retired = data_dir.join(format!("data.key.retired-{}", now.format("%Y%m%dT%H%M%SZ")));
    let old = std::fs::read(&current).map_err(|e| format!("cannot read {}: {e}", current.display()))?;
    crate::files::write_new(&retired, &old).map_err(|e| format!("cannot write {}: {e}", retired.display()))?;
    std::fs::rename(data_dir.join(NEW_KEY_FILE), &current)
        .map_err(|e| format!("cannot put the new key into {}: {e}", current.display()))?;
    Ok(retired)
}

fn db_error(e: sea_orm::DbErr) -> String {
    format!("database error during the rotation (run the command again to resume): {e}")
}
