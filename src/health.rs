//! Readiness: `/healthz` for load balancers and monitoring, and the migration status behind it and
//! behind `vocpath migrate --status`.
//!
//! `/healthz` answers 200 when the database answers, every migration this binary knows is applied,
//! and the outbox worker (when this process started one) finished a loop recently; otherwise 503.
//! The JSON body says which part failed. This module reads state only; it must not migrate or send.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use migration::{Migrator, MigratorTrait};
use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::json;

use crate::state::AppState;

/// A worker loop older than this means the worker is stuck or gone. A loop sleeps 5 s between rounds
/// and a round sends at most a few hundred messages.
pub const WORKER_STALE_SECONDS: i64 = 120;

/// When the outbox worker last went round its loop.
#[derive(Debug, Default)]
pub struct Heartbeat {
    started: AtomicBool,
    /// Unix milliseconds of the last loop.
    last_ms: AtomicI64,
}

impl Heartbeat {
    /// Records a loop now (the first call also marks the worker as started).
    pub fn beat(&self) {
        self.beat_at(chrono::Utc::now());
    }

    /// Records a loop at `at` (tests use a past time to play a stuck worker).
    pub fn beat_at(&self, at: chrono::DateTime<chrono::Utc>) {
        self.last_ms.store(at.timestamp_millis(), Ordering::SeqCst);
        self.started.store(true, Ordering::SeqCst);
    }

    /// Seconds since the last loop, `None` when no worker started in this process.
    pub fn age_seconds(&self, now: chrono::DateTime<chrono::Utc>) -> Option<f64> {
        self.started
            .load(Ordering::SeqCst)
            .then(|| (now.timestamp_millis() - self.last_ms.load(Ordering::SeqCst)) as f64 / 1000.0)
    }
}

/// Every migration this binary knows, in order, with whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: Vec<String>,
    pub pending: Vec<String>,
}

/// Reads the migration table without creating it; fails (naming them) when the database holds
/// migrations this binary does not know, i.e. it was upgraded by a newer vocpath.
pub async fn migration_status(db: &DatabaseConnection) -> Result<MigrationStatus, DbErr> {
    let all = Migrator::get_migration_with_status_read_only(db).await?;
    let (applied, pending) = all
        .iter()
        .partition::<Vec<_>, _>(|m| m.status() == migration::MigrationStatus::Applied);
    let names = |list: Vec<&migration::MigrationEntry>| list.iter().map(|m| m.name().to_string()).collect();
    Ok(MigrationStatus {
        applied: names(applied),
        pending: names(pending),
    })
}

/// `/healthz`: 200 when all is well, 503 naming what is not.
#[handler]
pub async fn healthz(state: Data<&AppState>) -> Response {
    let mut healthy = true;
    let database = match crate::db::ping(&state.db).await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unavailable");
            healthy = false;
            "unreachable"
        }
    };
    let migrations = if database == "ok" {
        match migration_status(&state.db).await {
            Ok(s) => {
                healthy &= s.pending.is_empty();
                json!({ "current": s.pending.is_empty(), "applied": s.applied.len(), "pending": s.pending })
            }
            Err(e) => {
                healthy = false;
                json!({ "current": false, "error": e.to_string() })
            }
        }
    } else {
        json!({ "current": null })
    };
    let worker = match state.outbox_heartbeat.age_seconds(chrono::Utc::now()) {
        None => json!({ "running": false, "note": "no outbox worker in this process" }),
        Some(age) => {
            let alive = age <= WORKER_STALE_SECONDS as f64;
            healthy &= alive;
            json!({ "running": true, "alive": alive, "last_loop_seconds_ago": (age * 10.0).round() / 10.0 })
        }
    };
    let body = json!({
        "status": if healthy { "ok" } else { "unavailable" },
        "database": database,
        "migrations": migrations,
        "outbox_worker": worker,
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Json(body).with_status(status).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heartbeat_reports_its_age_only_once_a_worker_started() {
        let h = Heartbeat::default();
        let now = chrono::Utc::now();
        assert_eq!(h.age_seconds(now), None);
        h.beat_at(now - chrono::Duration::seconds(90));
        let age = h.age_seconds(now).expect("started");
        assert!((89.9..90.1).contains(&age), "{age}");
    }
}
