//! Assembling the service: state, routes, middleware, and running it with graceful shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use poem::listener::TcpListener;
use poem::{Endpoint, EndpointExt, Request, Response, Route, Server, get, post};
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use crate::admissions::web as admissions_web;
use crate::admissions::{ledger_web, programmes_web, rule_sets_web, run_web};
use crate::auth::web as auth_web;
use crate::config::Config;
use crate::error::AppError;
use crate::i18n::Catalogues;
use crate::state::AppState;
use crate::student::import_web;
use crate::student::web as student_web;
use crate::{api, audit, db, web};

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

/// All routes with their middleware, ready to serve.
pub fn routes(state: AppState) -> impl Endpoint + use<> {
    let static_files = state.static_files.clone();
    let headers = state.security_headers.clone();
    let portal = Route::new()
        .at("/", get(auth_web::home.around(crate::dashboard::web::exports_on_home)))
        .at("/login", get(auth_web::login_page).post(auth_web::login_submit))
        .at("/logout", post(auth_web::logout))
        .at(
            "/account/password",
            get(auth_web::password_page).post(auth_web::password_submit),
        )
        .at(
            "/account/tokens",
            get(auth_web::tokens_page).post(auth_web::create_token),
        )
        .at("/account/tokens/:id/revoke", post(auth_web::revoke_token))
        .at("/admin/users", get(auth_web::users_page).post(auth_web::create_user))
        .at("/admin/users/new", get(auth_web::new_user_page))
        .at(
            "/admin/users/:id",
            get(auth_web::edit_user_page).post(auth_web::update_user),
        )
        .at("/admin/users/:id/reset-password", post(auth_web::reset_user_password))
        .at("/admin/audit", get(audit::web::audit_page))
        .at("/dashboard", get(crate::dashboard::web::dashboard))
        .at("/dashboard/summary", get(crate::dashboard::web::summary))
        .at(
            "/training",
            get(crate::training::web::index).post(crate::training::web::create_session),
        )
        .at("/training/setup", get(crate::training::web::setup_page))
        .at("/training/bases", post(crate::training::web::add_base))
        .at("/training/courses", post(crate::training::web::add_course))
        .at("/training/instructors", post(crate::training::web::add_instructor))
        .at("/training/blackouts", post(crate::training::web::add_blackout))
        .at("/training/proposals/:id/approve", post(crate::training::web::approve))
        .at("/training/proposals/:id/dismiss", post(crate::training::web::dismiss))
        .at("/training/courses/:id/propose", post(crate::training::web::propose))
        .at("/training/sessions/:id", get(crate::training::web::roster))
        .at(
            "/training/sessions/:id/capacity",
            post(crate::training::web::change_capacity),
        )
        .at("/training/sessions/:id/move", post(crate::training::web::move_session))
        .at(
            "/training/sessions/:id/attendance",
            get(crate::training::attendance_web::day_page).post(crate::training::attendance_web::save_day),
        )
        .at(
            "/training/sessions/:id/certificates",
            post(crate::training::attendance_web::issue),
        )
        .at(
            "/training/registrations/:id/cancel",
            post(crate::training::web::cancel_registration),
        )
        .at(
            "/training/registrations/:id/certificate",
            get(crate::training::attendance_web::certificate),
        )
        .at("/training/farmers", get(crate::training::web::farmer))
        .at("/train", get(crate::training::public::sessions))
        .at("/train/registered", get(crate::training::public::registered))
        .at(
            "/train/sessions/:id",
            get(crate::training::public::session).post(crate::training::public::register),
        )
        .at(
            "/train/my",
            get(crate::training::public::check_page).post(crate::training::public::check),
        )
        .at("/train/my/cancel", post(crate::training::public::cancel))
        .at(
            "/train/interest",
            get(crate::training::public::interest_page).post(crate::training::public::interest),
        )
        .at("/train/certificates", get(crate::training::public::verify))
        .at("/train/certificates/:code", get(crate::training::public::verify_code))
        .at("/mentoring", get(crate::mentor::web::overview_page))
        .at("/mentoring/confirm", post(crate::mentor::web::confirm))
        .at("/mentoring/assignments", get(crate::mentor::web::assignments_page))
        .at("/mentoring/overdue", get(crate::mentor::web::overdue_page))
        .at("/mentoring/mentors", get(crate::mentor::web::mentors_page))
        .at(
            "/mentoring/mentors/:id",
            get(crate::mentor::web::profile_page).post(crate::mentor::web::save_profile),
        )
        .at(
            "/mentoring/students/:id",
            get(crate::mentor::web::student_page).post(crate::mentor::web::override_one),
        )
        .at("/my-mentees", get(crate::mentor::web::my_mentees))
        .at(
            "/my-mentees/:id",
            get(crate::mentor::web::mentee_page).post(crate::mentor::web::record_session),
        )
        .at(
            "/mentor-links/:token",
            get(crate::mentor::web::link_page).post(crate::mentor::web::answer),
        )
        .at("/admin/outbox", get(crate::outbox_http::outbox_page))
        .at("/admin/outbox/:id/resend", post(crate::outbox_http::resend))
        .at("/students", get(student_web::list_page))
        .at("/students/export", get(student_web::export_list))
        .at("/students/:id", get(student_web::student_page))
        .at("/students/:id/reveal-id", post(student_web::reveal))
        .at("/students/:id/preferences", post(student_web::set_preferences))
        .at(
            "/students/:id/preferences/confirm",
            post(student_web::confirm_preferences),
        )
        .at("/students/:id/entries", post(student_web::create_entry))
        .at("/students/:id/entries/new", get(student_web::new_entry_page))
        .at("/follow-ups", get(student_web::follow_ups_page))
        .at(
            "/programmes",
            get(admissions_web::programmes_page).post(programmes_web::create),
        )
        .at("/programmes/new", get(programmes_web::new_page))
        .at(
            "/programmes/:id",
            get(programmes_web::edit_page).post(programmes_web::update),
        )
        .at("/schools", post(programmes_web::create_school))
        .at(
            "/schools/:id/letters",
            get(crate::admissions::letters_web::school_letters),
        )
        .at(
            "/reporting-windows",
            get(crate::admissions::reporting_web::windows_page).post(crate::admissions::reporting_web::set_window),
        )
        .at("/placements/:id/letter", get(crate::admissions::letters_web::letter))
        .at("/letters/verify", get(crate::admissions::letters_web::verify))
        .at(
            "/letters/verify/:code",
            get(crate::admissions::letters_web::verify_code),
        )
        .at("/rule-sets", get(rule_sets_web::list_page).post(rule_sets_web::create))
        .at("/rule-sets/:id", get(rule_sets_web::show).post(rule_sets_web::update))
        .at("/rule-sets/:id/publish", post(rule_sets_web::publish))
        .at(
            "/routing-runs",
            get(admissions_web::runs_page).post(admissions_web::create_run),
        )
        .at(
            "/placements",
            get(crate::admissions::placements_web::placements_page).post(crate::admissions::placements_web::place),
        )
        .at("/reporting", get(crate::admissions::follow_through_web::class_page))
        .at(
            "/reporting/confirm",
            post(crate::admissions::follow_through_web::confirm),
        )
        .at("/reporting/close", post(crate::admissions::follow_through_web::close))
        .at("/reporting/roster", post(crate::admissions::roster_web::upload))
        .at("/reporting/roster/new", get(crate::admissions::roster_web::upload_page))
        .at(
            "/reporting/roster/template",
            get(crate::admissions::roster_web::template),
        )
        .at("/reporting/roster/:id", get(crate::admissions::roster_web::show))
        .at(
            "/reporting/roster/:id/confirm",
            post(crate::admissions::roster_web::confirm),
        )
        .at(
            "/placements/:id/decline",
            post(crate::admissions::follow_through_web::decline),
        )
        .at(
            "/placements/:id/leave",
            post(crate::admissions::follow_through_web::leave),
        )
        .at("/routing-runs/:id", get(run_web::run_page))
        .at("/routing-runs/:id/commit", post(admissions_web::commit_run))
        .at("/routing-runs/:id/diff", get(admissions_web::diff_page))
        .at(
            "/recommendations",
            get(admissions_web::recommendations_page).post(admissions_web::confirm_recommendations),
        )
        .at(
            "/recommendations/generate",
            post(admissions_web::generate_recommendations),
        )
        .at("/ledger", get(ledger_web::ledger_page))
        .at("/ledger/export", get(ledger_web::ledger_export))
        .at("/ledger/cross-off", post(ledger_web::cross_off_selected))
        .at("/ledger/:id", get(ledger_web::line_page))
        .at("/ledger/:id/follow-ups", post(ledger_web::add_follow_up))
        .at("/ledger/:id/cross-off", post(ledger_web::cross_off))
        .at("/ledger/:id/reinstate", post(ledger_web::reinstate))
        .at("/imports", post(import_web::upload))
        .at("/imports/new", get(import_web::upload_page))
        .at("/imports/template", get(import_web::template))
        .at("/imports/:id", get(import_web::show))
        .at("/imports/:id/commit", post(import_web::commit))
        .at("/imports/:id/errors.csv", get(import_web::errors_csv))
        .at("/lang/:code", get(web::switch_language))
        .around(web::portal_context);
    Route::new()
        .at("/healthz", get(crate::health::healthz))
        .at("/metrics", get(crate::metrics::protected))
        .nest("/api", api::routes(&state.config.base_url))
        .nest("/static", static_files)
        .nest("/", portal)
        .around(crate::body_limit::limit_body)
        .around(move |ep, req| crate::security_headers::add(ep, req, headers.clone()))
        .around(log_request)
        .data(state)
}

/// Gives every request an id (reusing a sane incoming `X-Request-Id`), logs it with method, path,
/// status and latency, and returns the id in the response.
async fn log_request<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let id = req
        .header("x-request-id")
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let metrics = req.data::<AppState>().map(|s| s.metrics.clone());
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    async move {
        let started = Instant::now();
        let mut resp = crate::metrics::response_of(ep.call(req).await);
        let status = resp.status().as_u16();
        let seconds = started.elapsed().as_secs_f64();
        if let Some(metrics) = &metrics {
            metrics.observe(&crate::metrics::route_label(&resp), status, seconds);
        }
        let ms = seconds * 1000.0;
        tracing::info!(status, latency_ms = format!("{ms:.1}"), "handled");
        if let Ok(v) = id.parse() {
            resp.headers_mut().insert("x-request-id", v);
        }
        Ok(resp)
    }
    .instrument(span)
    .await
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
    tokio::spawn(refresh_statuses_daily(state.db.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let outbox_worker = tokio::spawn(deliver_outbox(state.clone(), stop.clone()));
    tokio::spawn(weekly_digests(state.clone()));
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

/// Students' statuses change with the calendar (junior high ends on 1 July, jobs end), so the
/// cached status used by list filters is recomputed at start-up and every six hours; the same tick
/// deletes the uploads of abandoned import previews. Idempotent, so several instances doing it is
/// harmless.
async fn refresh_statuses_daily(db: DatabaseConnection) {
    loop {
        match crate::student::students::refresh_all_statuses(&db, chrono::Utc::now().date_naive()).await {
            Ok(changed) => tracing::info!(changed, "student statuses refreshed"),
            Err(e) => tracing::warn!(error = %e, "refreshing student statuses failed; will retry"),
        }
        // Uploads of previews abandoned for a day are deleted (within 6 h of their 24 h).
        match crate::student::import::purge_stale_uploads(&db, chrono::Utc::now()).await {
            Ok(purged) => tracing::info!(purged, "stale import uploads deleted"),
            Err(e) => tracing::warn!(error = %e, "deleting stale import uploads failed; will retry"),
        }
        tokio::time::sleep(Duration::from_secs(6 * 3600)).await;
    }
}

/// The outbox worker: sends due emails every few seconds. Claims go through the database, so
/// several instances can run it at once without sending anything twice.
async fn deliver_outbox(state: AppState, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        // For `/healthz`: a worker stuck in a round shows as an ageing heartbeat.
        state.outbox_heartbeat.beat();
        match crate::outbox::deliver_due_until(&state.db, &state.mailer, &state.config.mail_from, 200, &stop).await {
            Ok(d) if d.sent + d.retried + d.failed > 0 => {
                tracing::info!(
                    sent = d.sent,
                    retried = d.retried,
                    failed = d.failed,
                    "outbox delivered"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "outbox delivery failed; will retry"),
        }
        match crate::outbox::deliver_due_sms(&state.db, &state.sms, 200, &stop).await {
            Ok(d) if d.sent + d.retried + d.failed > 0 => {
                tracing::info!(
                    sent = d.sent,
                    retried = d.retried,
                    failed = d.failed,
                    "text messages delivered"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "text message delivery failed; will retry"),
        }
        // Sleep in short steps so a shutdown is noticed quickly.
        for _ in 0..10 {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// Hourly: the mentors' weekly digests of overdue mentees (keyed by mentor and ISO week, so at most
/// one a week whatever the number of instances), the day-before training reminders (keyed by
/// registration), training proposals evaluated again (the horizon moves with the days), and
/// suspended students not back by their return date put on the ledger.
async fn weekly_digests(state: AppState) {
    loop {
        match crate::mentor::sessions::queue_weekly_digests(&state.db, &state.config, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queued = n, "weekly mentor digests queued"),
            Err(e) => tracing::warn!(error = %e, "queuing mentor digests failed; will retry"),
        }
        match crate::training::registrations::queue_reminders(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(queued = n, "training reminders queued"),
            Err(e) => tracing::warn!(error = %e, "queuing training reminders failed; will retry"),
        }
        match crate::training::proposals::reevaluate_all(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(proposed = n, "training sessions proposed from interest"),
            Err(e) => tracing::warn!(error = %e, "evaluating training proposals failed; will retry"),
        }
        let system = crate::audit::Actor::system("return-date check");
        let today = chrono::Utc::now().date_naive();
        match crate::admissions::follow_through::overdue_returns(&state.db, &system, today).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(students = n, "suspended students not back put on the ledger"),
            Err(e) => tracing::warn!(error = %e, "checking return dates failed; will retry"),
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
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
