//! Assembling the service: state, routes, middleware, and running it with graceful shutdown.
//!
//! `build_state` loads what every request shares; `routes` (in `routes.rs`) puts each feature's
//! pages and API behind the shared middleware; `serve` starts the listener and the periodic work
//! of `background.rs`.

mod background;
mod routes;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use poem::listener::TcpListener;
use poem::{EndpointExt, Route, Server, get};
use sea_orm::DatabaseConnection;

pub use routes::routes;

use crate::config::Config;
use crate::db;
use crate::error::AppError;
use crate::i18n::Catalogues;
use crate::state::AppState;

/// Loads templates and message catalogues and bundles them with the database.
pub fn build_state(config: Config, db: DatabaseConnection) -> Result<AppState, String> {
    let assets = crate::assets::Assets::load(config.assets_dir.as_deref())?;
    let templates = assets.texts_under("templates/", &["html", "txt"])?;
    let mut tera = tera::Tera::new();
    tera.add_raw_templates(templates.iter().copied())
        .map_err(|e| format!("templates in {}: {e}", assets.source()))?;
    // The message templates the outbox renders from: a broken one stops the start, not a send.
    crate::outbox::notice::templates()?;
    let i18n = Catalogues::from_files(assets.texts_under("templates/i18n/", &["toml"])?)
        .map_err(|e| format!("message catalogues in {}: {e}", assets.source()))?;
    let data_key = config
        .data_key_bytes()
        .ok_or("VOCPATH_DATA_KEY is not set and no data.key was prepared")?;
    let vault = crate::crypto::IdVault::new(&data_key);
    let mailer = crate::mail::Mailer::from_config(
        config.smtp_url.as_ref().map(|u| u.expose()),
        config.data_dir.join("mail"),
    )?;
    let sms = crate::sms::SmsSender::from_config(config.sms.as_ref())?;
    let security_headers =
        crate::security_headers::SecurityHeaders::from_templates(templates.iter().copied(), config.is_https())?;
    let static_files = crate::static_files::StaticFiles::new(&assets);
    Ok(AppState {
        static_files: Arc::new(static_files),
        outbox_heartbeat: Arc::default(),
        security_headers: Arc::new(security_headers),
        sms,
        db,
        config: Arc::new(config),
        templates: Arc::new(tera),
        i18n: Arc::new(i18n),
        vault: Arc::new(vault),
        mailer,
        metrics: Arc::default(),
        imports_running: Arc::default(),
    })
}

/// Opens the database, migrates, creates the first admin if needed, and serves until SIGTERM or
/// Ctrl-C; in-flight requests get up to 30 seconds to finish.
pub async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let db = db::connect(config.database_url.expose()).await?;
    db::migrate(&db).await?;
    // Load templates and catalogues before anything is created, so a broken install fails first.
    let state = build_state(config, db)?;
    let config = state.config.clone();
    let first_admin = crate::auth::user::ensure_first_admin(
        &state.db,
        &config.admin_email,
        config.admin_password.as_ref().map(|s| s.expose()),
        config.argon2_memory_kib,
    )
    .await;
    let first_admin = match first_admin {
        Err(AppError::Conflict(msg)) => {
            // Serve anyway: the accounts that exist keep working; the operator reads why.
            tracing::warn!("{}", state.i18n.text(crate::i18n::Lang::En, &msg));
            None
        }
        other => other?,
    };
    if let Some((email, generated)) = first_admin {
        match generated {
            Some(pw) => tracing::warn!(
                "created the first admin account {email} with one-time password: {pw}  (shown only now; change it at first login)"
            ),
            None => tracing::warn!(
                "created the first admin account {email} with the password from VOCPATH_ADMIN_PASSWORD; change it at first login"
            ),
        }
    }
    tokio::spawn(background::refresh_statuses_daily(state.db.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let outbox_worker = tokio::spawn(background::deliver_outbox(state.clone(), stop.clone()));
    tokio::spawn(background::weekly_digests(state.clone()));
    if let Some(metrics_bind) = config.metrics_bind {
        let metrics_only = Route::new()
            .at("/metrics", get(crate::metrics::metrics))
            .data(state.clone());
        let listener = TcpListener::bind(metrics_bind);
        tracing::info!(%metrics_bind, "metrics served on their own address");
        tokio::spawn(async move {
            if let Err(e) = Server::new(listener).run(metrics_only).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let bind = config.bind;
    let base = config.base_url.clone();
    tracing::info!(%bind, %base, "vocpath listening; portal at {base}/, API docs at {base}/api/docs");
    let stop_on_signal = stop.clone();
    let signal = async move {
        shutdown_signal().await;
        stop_on_signal.store(true, Ordering::SeqCst);
    };
    Server::new(TcpListener::bind(bind))
        .run_with_graceful_shutdown(routes(state), signal, Some(Duration::from_secs(30)))
        .await?;
    stop.store(true, Ordering::SeqCst);
    // Let the outbox worker finish the email it is sending, so none is left half-sent.
    if tokio::time::timeout(Duration::from_secs(30), outbox_worker)
        .await
        .is_err()
    {
        tracing::warn!("the outbox worker did not stop within 30 s");
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
