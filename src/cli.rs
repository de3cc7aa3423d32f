//! The command line: `serve` (default), `migrate`, `create-user`, `create-token`.
//! Each command is a few lines over a service function; errors come back as messages for `main`.

use clap::{Parser, Subcommand};

use crate::audit::Actor;
use crate::auth::{token, user};
use crate::config::Config;
use crate::db;

#[derive(Parser, Debug)]
#[command(
    name = "vocpath",
    version,
    about = "vocpath — 中职精准招生、帮扶与培训平台 / vocational routing, mentoring and training"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the portal and the API (the default).
    Serve,
    /// Apply pending database migrations and exit; with --status, only list applied and pending ones.
    Migrate {
        /// List every migration as applied or pending; change nothing.
        #[arg(long)]
        status: bool,
    },
    /// Write a consistent snapshot of the SQLite database to a new file while the service runs
    /// (PostgreSQL: use pg_dump). The data key is not in it: keep data.key apart.
    Backup {
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Re-encrypt every stored national ID (and re-key its look-up hash) under a new data key, in
    /// batches; stop the service first. Run it again to resume an interrupted rotation.
    RotateDataKey,
    /// Restore a backup into an empty data folder (holding at most data.key and secret.key), after
    /// checking that the data key reads its national IDs.
    Restore { file: std::path::PathBuf },
    /// Create a staff account. The password is read from the terminal or VOCPATH_NEW_USER_PASSWORD.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, admissions, mentor or viewer
        #[arg(long)]
        role: String,
    },
    /// Print a new API bearer token for a user.
    CreateToken {
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "command line")]
        name: String,
    },
    /// Run the routing engine alone on a JSON instance (DESIGN.md format) and print or write the
    /// JSON result. Touches no database.
    Route {
        #[arg(long)]
        input: std::path::PathBuf,
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        /// Indent the result for people (compact, one line, by default).
        #[arg(long)]
        pretty: bool,
    },
    /// Fill an empty database with a realistic demo county (schools, programmes, 3,000 students,
    /// a committed routing run, mentors, training) to explore the portal.
    Demo,
    /// Preview a register file (CSV or XLSX); with --commit, import its good rows in one transaction.
    /// Exit status 0 when no row was bad, 3 when some were.
    Import {
        file: std::path::PathBuf,
        /// Worksheet to read (XLSX only; default the first).
        #[arg(long)]
        sheet: Option<String>,
        /// Write the good rows (without it nothing is written).
        #[arg(long)]
        commit: bool,
    },
}

impl Command {
    /// Whether the command needs the data folder and its keys (everything but the pure `route`).
    /// `backup` and `restore` read the keys but never create them (a generated key would not open
    /// the data), so they prepare nothing either.
    pub fn needs_data_dir(&self) -> bool {
        !matches!(
            self,
            Command::Route { .. } | Command::Backup { .. } | Command::Restore { .. } | Command::RotateDataKey
        )
    }
}

/// What a command printed and the exit status it asks for.
pub struct Outcome {
    pub output: String,
    pub exit_code: u8,
}

impl From<String> for Outcome {
    fn from(output: String) -> Self {
        Outcome { output, exit_code: 0 }
    }
}

/// Runs a command other than `serve`. Returns the text to print and the exit status.
pub async fn run(config: &Config, command: Command) -> Result<Outcome, String> {
    match &command {
        Command::Route { input, output, pretty } => return route_file(input, output.as_deref(), *pretty),
        Command::Backup { output } => return backup(config, output).await,
        Command::Restore { file } => return restore(config, file).await,
        Command::RotateDataKey => return crate::key_rotation::cli::run(config).await,
        _ => {}
    }
    let conn = db::connect(config.database_url.expose())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    if let Command::Migrate { status: true } = command {
        return migration_status(&conn).await;
    }
    db::migrate(&conn).await.map_err(|e| format!("migration failed: {e}"))?;
    match command {
        Command::Serve
        | Command::Route { .. }
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::RotateDataKey => Err("not run through the database".into()),
        Command::Migrate { .. } => Ok(Outcome::from("migrations applied".to_string())),
        Command::Demo => {
            let state = crate::app::build_state(config.clone(), conn)?;
            let report = crate::demo::load(&state).await?;
            Ok(Outcome::from(format!(
                "demo county loaded:\n  {}\nstart the service with `cargo run --release` and sign in.",
                report.lines.join("\n  ")
            )))
        }
        Command::Import { file, sheet, commit } => {
            let state = crate::app::build_state(config.clone(), conn)?;
            import_file(&state, &file, sheet, commit).await
        }
        Command::CreateUser { email, name, role } => {
            let password = match std::env::var("VOCPATH_NEW_USER_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => rpassword::prompt_password("Password / 密码: ")
                    .map_err(|e| format!("cannot read the password: {e}"))?,
            };
            let new = user::NewUser::parse(&email, &name, &role, Some(&password)).map_err(|e| describe(&e))?;
            let (created, _) = user::create_user(&conn, &Actor::system("cli"), new, config.argon2_memory_kib, None)
                .await
                .map_err(|e| describe(&e))?;
            Ok(format!(
                "created {} ({}) with id {}",
                created.email,
                created.role.as_str(),
                created.id
            )
            .into())
        }
        Command::CreateToken { email, name } => {
            let owner = user::find_user_by_email(&conn, &email)
                .await
                .map_err(|e| describe(&e))?
                .ok_or_else(|| format!("no staff account with email {email}"))?;
            if !owner.active {
                return Err(format!("the account {email} is deactivated"));
            }
            let (_, plain) = token::create_token(&conn, &Actor::system("cli"), owner.id, &name)
                .await
                .map_err(|e| describe(&e))?;
            Ok(plain.into())
        }
    }
}

/// `vocpath migrate --status`: one line a migration, then a summary.
async fn migration_status(conn: &sea_orm::DatabaseConnection) -> Result<Outcome, String> {
    let status = crate::health::migration_status(conn).await.map_err(|e| {
        format!("cannot read the migration status: {e} (a database upgraded by a newer vocpath needs that version)")
    })?;
    let mut lines: Vec<String> = status.applied.iter().map(|m| format!("applied  {m}")).collect();
    lines.extend(status.pending.iter().map(|m| format!("pending  {m}")));
    lines.push(if status.pending.is_empty() {
        format!(
            "{} applied, none pending: the database is current",
            status.applied.len()
        )
    } else {
        format!(
            "{} applied, {} pending: run `vocpath migrate` (serve also applies them at start)",
            status.applied.len(),
            status.pending.len()
        )
    });
    Ok(lines.join("\n").into())
}

/// `vocpath backup`: the file written, what it holds, and the reminder about the key.
async fn backup(config: &Config, output: &std::path::Path) -> Result<Outcome, String> {
    let report = crate::backup::backup(config, output).await?;
    Ok(format!(
        "backup written to {} ({} students, their IDs readable with the current data key; schema {})\n{}",
        report.file.display(),
        report.students,
        report.migration.as_deref().unwrap_or("empty"),
        crate::backup::KEY_REMINDER
    )
    .into())
}

/// `vocpath restore`: where the database now is and what to do next.
async fn restore(config: &Config, file: &std::path::Path) -> Result<Outcome, String> {
    let report = crate::backup::restore(config, file).await?;
    Ok(format!(
        "restored {} into {} ({} students, every national ID readable with the data key; schema {}).\n\
         Start the service (`vocpath serve`): migrations newer than the backup are applied at start.",
        file.display(),
        report.file.display(),
        report.students,
        report.migration.as_deref().unwrap_or("empty"),
    )
    .into())
}

/// `vocpath route`: the result JSON to stdout, or to `output` (then a one-line summary). The file
/// is written through a buffer once the routing has succeeded: compact, student by student
/// (`routing::route_json_to_writer`), or, with `pretty`, from the whole result.
pub fn route_file(input: &std::path::Path, output: Option<&std::path::Path>, pretty: bool) -> Result<Outcome, String> {
    let text = std::fs::read_to_string(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let fail = |e: crate::routing::RouteError| format!("{}: {e}", input.display());
    let Some(path) = output else {
        return crate::routing::route_json_as(&text, pretty)
            .map(Outcome::from)
            .map_err(fail);
    };
    let cannot = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    // The file is created once the routing has succeeded: a refused instance leaves it untouched.
    let create = || crate::files::create_private(path).map(|file| std::io::BufWriter::with_capacity(1 << 16, file));
    let out = if pretty {
        let instance = crate::routing::instance::parse(&text).map_err(fail)?;
        drop(text);
        let result = crate::routing::route_borrowed(&instance).map_err(fail)?;
        let mut out = create().map_err(cannot)?;
        crate::routing::write_result(&result, pretty, &mut out).map_err(|e| cannot(e.into()))?;
        // The process ends here: leave the instance and the result to the operating system rather
        // than free millions of small allocations one by one.
        std::mem::forget(result);
        std::mem::forget(instance);
        out
    } else {
        crate::routing::route_json_to_writer(&text, create).map_err(|e| match e {
            crate::routing::WriteError::Route(e) => fail(e),
            crate::routing::WriteError::Io(e) => cannot(e),
        })?
    };
    let file = out.into_inner().map_err(|e| cannot(e.into_error()))?;
    file.sync_all().map_err(cannot)?;
    Ok(format!("result written to {}", path.display()).into())
}

/// `vocpath import`: the preview (or the commit) report; messages in Chinese when `LANG` is zh.
async fn import_file(
    state: &crate::AppState,
    path: &std::path::Path,
    sheet: Option<String>,
    commit: bool,
) -> Result<Outcome, String> {
    use crate::student::import;
    let lang = crate::i18n::Lang::from_header(Some(&std::env::var("LANG").unwrap_or_else(|_| "en".into())));
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let result = if commit {
        import::import_now(&state.db, &state.vault, &Actor::system("cli"), &name, bytes, sheet).await
    } else {
        import::preview(&state.db, &state.vault, &name, &bytes, sheet.as_deref()).await
    };
    let report = result.map_err(|e| match &e {
        crate::error::AppError::Invalid(fields) => fields
            .iter()
            .map(|f| state.i18n.text(lang, &f.msg))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    })?;
    let mut out = vec![
        format!(
            "{}: {} data rows{}",
            report.file_name,
            report.rows,
            if commit {
                ", committed"
            } else {
                " (preview: nothing written; add --commit to import)"
            }
        ),
        format!(
            "students:   {} new, {} changed, {} unchanged",
            report.students.new, report.students.changed, report.students.unchanged
        ),
        format!(
            "households: {} new, {} changed, {} unchanged",
            report.households.new, report.households.changed, report.households.unchanged
        ),
        format!(
            "problems:   {} in {} rows (those rows are not imported)",
            report.errors.len(),
            report.bad_rows()
        ),
    ];
    out.extend(report.error_lines(&state.i18n, lang));
    Ok(Outcome {
        output: out.join("\n"),
        exit_code: if report.errors.is_empty() { 0 } else { 3 },
    })
}

/// An error in English for the terminal, naming each bad field.
fn describe(err: &crate::error::AppError) -> String {
    match err {
        crate::error::AppError::Invalid(fields) => fields
            .iter()
            .map(|f| {
                let args: Vec<String> = f.msg.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!(
                    "{}: {} {}",
                    f.field,
                    f.msg.key.trim_start_matches("error."),
                    args.join(" ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}
