//! The service's periodic work beside the requests: cached statuses refreshed, the outbox
//! delivered, weekly digests and reminders queued. Each loop logs a failure and tries again on its
//! next tick; none of them ends the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::state::AppState;

/// Students' statuses change with the calendar (junior high ends on 1 July, jobs end), so the
/// cached status used by list filters is recomputed at start-up and every six hours; the same tick
/// deletes the uploads of abandoned import previews. Idempotent, so several instances doing it is
/// harmless.
pub(super) async fn refresh_statuses_daily(db: DatabaseConnection) {
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
pub(super) async fn deliver_outbox(state: AppState, stop: Arc<AtomicBool>) {
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
pub(super) async fn weekly_digests(state: AppState) {
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
