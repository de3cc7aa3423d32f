//! The `vocpath rotate-data-key` command: the keys in, the batches run, the key files swapped, and
//! what the operator must do next printed.

use crate::cli::Outcome;
use crate::config::Config;
use crate::crypto::IdVault;

use super::{NEW_KEY_FILE, Options, new_key, reencrypt, swap_key_files};

/// Runs (or resumes) a rotation to the end.
pub async fn run(config: &Config) -> Result<Outcome, String> {
    let dir = &config.data_dir;
    if !dir.is_dir() {
        return Err(format!(
            "the data folder {} does not exist (is VOCPATH_DATA_DIR right?)",
            dir.display()
        ));
    }
    let old_key = crate::backup::kept_data_key(config)?;
    let db = crate::db::connect(config.database_url.expose())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let status = crate::health::migration_status(&db)
        .await
        .map_err(|e| format!("cannot read the migration status: {e}"))?;
    if !status.pending.is_empty() {
        return Err("the database has pending migrations: run `vocpath migrate` first".into());
    }
    let (key, resumed) = new_key(dir)?;
    if key == old_key {
        return Err(format!(
            "{NEW_KEY_FILE} holds the current key: the rotation already finished; delete {NEW_KEY_FILE}"
        ));
    }
    let progress = reencrypt(&db, &IdVault::new(&old_key), &IdVault::new(&key), Options::default()).await?;
    db.close().await.ok();
    let mut lines = vec![format!(
        "{} rotation: {} national IDs and {} kept uploads re-encrypted now, {} already done",
        if resumed { "resumed" } else { "started" },
        progress.students,
        progress.uploads,
        progress.already
    )];
    if config.data_key.is_some() {
        lines.push(format!(
            "every ID is now under the key in {}. Set VOCPATH_DATA_KEY to that key, keep the old value with the \
             backups taken before today, then delete {NEW_KEY_FILE}; vocpath will not start while it exists.",
            dir.join(NEW_KEY_FILE).display()
        ));
    } else {
        let retired = swap_key_files(dir, chrono::Utc::now())?;
        lines.push(format!(
            "finished: {} now holds the new key. The old one is kept in {}: keep it with the backups taken \
             before today (they need it), and back up the new data.key apart from the next backups now.",
            dir.join("data.key").display(),
            retired.display()
        ));
    }
    Ok(lines.join("\n").into())
}
