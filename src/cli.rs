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
    /// Apply pending database migrations and exit.
    Migrate,
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
}

/// Runs a command other than `serve`. Returns the text to print on success.
pub async fn run(config: &Config, command: Command) -> Result<String, String> {
    let conn = db::connect(config.database_url.expose())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    db::migrate(&conn).await.map_err(|e| format!("migration failed: {e}"))?;
    match command {
        Command::Serve => Err("serve is not run through cli::run".into()),
        Command::Migrate => Ok("migrations applied".into()),
        Command::CreateUser { email, name, role } => {
            let password = match std::env::var("VOCPATH_NEW_USER_PASSWORD") {
                Ok(p) if !p.is_empty() => p,
                _ => rpassword::prompt_password("Password / 密码: ")
                    .map_err(|e| format!("cannot read the password: {e}"))?,
            };
            let new = user::NewUser::parse(&email, &name, &role, Some(&password)).map_err(|e| describe(&e))?;
            let (created, _) = user::create_user(&conn, &Actor::system("cli"), new, config.argon2_memory_kib)
                .await
                .map_err(|e| describe(&e))?;
            Ok(format!(
                "created {} ({}) with id {}",
                created.email,
                created.role.as_str(),
                created.id
            ))
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
            Ok(plain)
        }
    }
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
