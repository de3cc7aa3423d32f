//! `vocpath backup` and `vocpath restore` for a SQLite installation.
//!
//! A backup is `VACUUM INTO` a new file: one read transaction, so it is a consistent snapshot while
//! the service keeps serving and writing (WAL lets writers go on). The key files are never in it: the
//! national IDs inside stay encrypted under `data.key`, which the operator keeps apart. A restore
//! copies a backup into an empty data folder only after checking, on the copy, that the data key
//! opens every stored ID and reproduces its look-up hash. PostgreSQL is backed up with `pg_dump`,
//! so both commands refuse it with that advice. This module never prints a clear ID.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QuerySelect, Statement};

use crate::config::Config;
use crate::crypto::IdVault;

/// What the operator is told about keys after each command.
pub const KEY_REMINDER: &str = "The backup does not contain the data key. Keep a copy of data.key (or VOCPATH_DATA_KEY) \
     apart from the backups: without it the national IDs in a backup cannot be read.";

/// Files allowed in a data folder that is restored into: the keys the operator put back.
const KEY_FILES: [&str; 2] = ["data.key", "secret.key"];

const PG_ADVICE: &str = "the database is PostgreSQL: back it up with `pg_dump -Fc -f vocpath.dump <database>` and \
     restore with `pg_restore --clean --if-exists -d <database> vocpath.dump` (see README, Running in production)";

/// What a backup or a restore found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub file: PathBuf,
    /// Students whose ID the data key opened (all of them, or the command failed).
    pub students: usize,
    /// The newest migration in the file.
    pub migration: Option<String>,
}

/// Writes a consistent snapshot of the SQLite database to `output`, a file that must not exist yet
/// (created 0600), and checks that it opens and that the configured data key reads its IDs.
pub async fn backup(config: &Config, output: &Path) -> Result<Report, String> {
    let source = sqlite_file(config)?;
    if !source.metadata().is_ok_and(|m| m.is_file() && m.len() > 0) {
        return Err(format!(
            "there is no database at {} to back up (is VOCPATH_DATA_DIR or VOCPATH_DATABASE_URL right?)",
            source.display()
        ));
    }
    let output_text = output
        .to_str()
        .ok_or_else(|| format!("{}: use a file name that is valid UTF-8", output.display()))?;
    // SQLite accepts an existing empty file: made here first so it is private and never overwrites.
    crate::files::write_new(output, b"").map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => format!(
            "{} already exists; choose a new file name (a backup never overwrites)",
            output.display()
        ),
        _ => format!("cannot create {}: {e}", output.display()),
    })?;
    let result = async {
        let db = open(&source, false).await?;
        let vacuum = Statement::from_sql_and_values(db.get_database_backend(), "VACUUM INTO ?", [output_text.into()]);
        let written = db.execute_raw(vacuum).await.map(|_| ());
        db.close().await.ok();
        written.map_err(|e| format!("cannot write the backup {}: {e}", output.display()))?;
        check(output, &IdVault::new(&kept_data_key(config)?)).await
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(output);
    }
    result
}

/// Copies the backup `file` into the configured (empty) data folder as its database, after checking
/// on the copy that the data key reads every stored ID. Leaves the folder as it was on failure.
pub async fn restore(config: &Config, file: &Path) -> Result<Report, String> {
    let target = sqlite_file(config)?;
    ensure_empty(&config.data_dir)?;
    if target.metadata().is_ok_and(|m| m.len() > 0) {
        return Err(format!(
            "{} already holds a database; restore only where there is none (move it aside first)",
            target.display()
        ));
    }
    let key = kept_data_key(config)?;
    if !file.is_file() {
        return Err(format!("{} is not a file", file.display()));
    }
    crate::files::private_dir(&config.data_dir)
        .map_err(|e| format!("cannot create the data folder {}: {e}", config.data_dir.display()))?;
    let staging = target.with_extension("db.restoring");
    let _ = std::fs::remove_file(&staging);
    let copied = copy_private(file, &staging);
    let result = match copied {
        Ok(()) => check(&staging, &IdVault::new(&key)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(mut report) => {
            std::fs::rename(&staging, &target)
                .map_err(|e| format!("cannot move the restored database into {}: {e}", target.display()))?;
            report.file = target;
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            Err(e)
        }
    }
}

/// The SQLite file of the configuration, or the PostgreSQL advice.
fn sqlite_file(config: &Config) -> Result<PathBuf, String> {
    if !config.is_sqlite() {
        return Err(PG_ADVICE.into());
    }
    config
        .sqlite_file()
        .ok_or_else(|| "VOCPATH_DATABASE_URL names no SQLite file (an in-memory database cannot be backed up)".into())
}

/// The data key: `VOCPATH_DATA_KEY`, or `data.key` in the data folder (never generated here).
pub(crate) fn kept_data_key(config: &Config) -> Result<[u8; 32], String> {
    if let Some(key) = config.data_key_bytes() {
        return Ok(key);
    }
    let path = config.data_dir.join("data.key");
    let text = std::fs::read_to_string(&path).map_err(|_| {
        format!(
            "no data key: set VOCPATH_DATA_KEY, or put the data.key kept for this database into {} (for a restore, \
             the one kept with the backup)",
            config.data_dir.display()
        )
    })?;
    let bytes = hex::decode(text.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
    bytes.ok_or_else(|| format!("{} does not hold a valid key (64 hex digits)", path.display()))
}

/// A data folder may be missing, or hold nothing but the key files (and an empty database file).
fn ensure_empty(dir: &Path) -> Result<(), String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read the data folder {}: {e}", dir.display())),
    };
    let mut others = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read the data folder {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let empty_file = entry.metadata().is_ok_and(|m| m.is_file() && m.len() == 0);
        if !KEY_FILES.contains(&name.as_str()) && !empty_file {
            others.push(name);
        }
    }
    if others.is_empty() {
        return Ok(());
    }
    others.sort();
    Err(format!(
        "the data folder {} is not empty (it holds {}); restore only into an empty folder: move it aside, \
         or point VOCPATH_DATA_DIR at a new one, keeping only data.key (and secret.key) there",
        dir.display(),
        others.join(", ")
    ))
}

fn copy_private(from: &Path, to: &Path) -> Result<(), String> {
    let bytes = std::fs::read(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    crate::files::write_new(to, &bytes).map_err(|e| format!("cannot write {}: {e}", to.display()))
}

/// Opens `file` and checks it: a vocpath database whose every student ID `vault` decrypts back to
/// its stored look-up hash.
async fn check(file: &Path, vault: &IdVault) -> Result<Report, String> {
    let db = open(file, true).await?;
    let result = check_ids(&db, vault).await;
    let migration = newest_migration(&db).await;
    db.close().await.ok();
    let students = result?;
    Ok(Report {
        file: file.to_path_buf(),
        students,
        migration: migration?,
    })
}

async fn check_ids(db: &DatabaseConnection, vault: &IdVault) -> Result<usize, String> {
    use entity::student;
    let rows: Vec<(i32, String, String)> = student::Entity::find()
        .select_only()
        .column(student::Column::Id)
        .column(student::Column::NationalIdEnc)
        .column(student::Column::NationalIdHash)
        .into_tuple()
        .all(db)
        .await
        .map_err(|e| format!("the file is not a readable vocpath database: {e}"))?;
    let unreadable = rows
        .iter()
        .filter(|(_, enc, hash)| !vault.decrypt(enc).is_ok_and(|id| vault.lookup_hash(&id) == *hash))
        .count();
    if unreadable > 0 {
        return Err(format!(
            "the data key does not open {unreadable} of the {} national IDs in this database: it is not the key \
             these were encrypted with. Use the data.key kept with this backup (or set VOCPATH_DATA_KEY to it)",
            rows.len()
        ));
    }
    Ok(rows.len())
}

async fn newest_migration(db: &DatabaseConnection) -> Result<Option<String>, String> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT MAX(version) AS v FROM seaql_migrations",
        ))
        .await
        .map_err(|e| format!("the file is not a vocpath database (no migration table): {e}"))?;
    Ok(row.and_then(|r| r.try_get::<Option<String>>("", "v").ok().flatten()))
}

/// One connection to a SQLite file (never created here). `rollback_journal` leaves no `-wal` file
/// beside a backup once closed.
async fn open(file: &Path, rollback_journal: bool) -> Result<DatabaseConnection, String> {
    let mut opt = ConnectOptions::new(format!("sqlite://{}?mode=rw", file.display()));
    opt.sqlx_logging(false)
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30));
    opt.map_sqlx_sqlite_opts(move |o| {
        let o = o.busy_timeout(Duration::from_secs(30));
        if rollback_journal {
            o.journal_mode(SqliteJournalMode::Delete)
        } else {
            o
        }
    });
    Database::connect(opt)
        .await
        .map_err(|e| format!("cannot open {}: {e}", file.display()))
}
