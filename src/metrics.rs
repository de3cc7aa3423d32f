//! `/metrics` in the Prometheus text format: requests by route and status with latency
//! histograms, the outbox queue depth and failures, and database pool use. Counters live in memory
//! per instance (Prometheus adds instances up); routes are labelled with numeric path segments
//! replaced by `:id`, so the number of series stays bounded.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use poem::web::Data;
use poem::{IntoResponse, Response, handler};
use sea_orm::DatabaseBackend;

use crate::state::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Request counters, shared by all requests of this instance.
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, u16), Series>>,
}

/// `/students/42/entries` → `/students/:id/entries`.
pub fn route_label(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
                ":id"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl Metrics {
    /// Records one finished request.
    pub fn observe(&self, path: &str, status: u16, seconds: f64) {
        let Ok(mut series) = self.series.lock() else { return };
        let s = series.entry((route_label(path), status)).or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                s.buckets[i] += 1;
            }
        }
    }

    fn render(&self, out: &mut String) {
        let Ok(series) = self.series.lock() else { return };
        out.push_str("# HELP vocpath_http_requests_total Requests handled, by route and status.\n# TYPE vocpath_http_requests_total counter\n");
        for ((route, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "vocpath_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP vocpath_http_request_duration_seconds Request latency.\n# TYPE vocpath_http_request_duration_seconds histogram\n");
        for ((route, status), s) in series.iter() {
            let labels = format!("route=\"{route}\",status=\"{status}\"");
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "vocpath_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "vocpath_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(out, "vocpath_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(
                out,
                "vocpath_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
}

/// `GET /metrics`.
#[handler]
pub async fn metrics(state: Data<&AppState>) -> Response {
    let mut out = String::new();
    state.metrics.render(&mut out);
    let (queued, failed) = match (
        crate::outbox::queue_depth(&state.db).await,
        crate::outbox::failed_count(&state.db).await,
    ) {
        (Ok(q), Ok(f)) => (q.to_string(), f.to_string()),
        _ => ("NaN".into(), "NaN".into()),
    };
    let _ = writeln!(
        out,
        "# HELP vocpath_outbox_queued Emails waiting to be sent.\n# TYPE vocpath_outbox_queued gauge\nvocpath_outbox_queued {queued}"
    );
    let _ = writeln!(
        out,
        "# HELP vocpath_outbox_failed Emails that failed for good or whose fate is unknown.\n# TYPE vocpath_outbox_failed gauge\nvocpath_outbox_failed {failed}"
    );
    let (size, idle) = match state.db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let p = state.db.get_sqlite_connection_pool();
            (p.size(), p.num_idle() as u32)
        }
        DatabaseBackend::Postgres => {
            let p = state.db.get_postgres_connection_pool();
            (p.size(), p.num_idle() as u32)
        }
        _ => (0, 0),
    };
    let _ = writeln!(
        out,
        "# HELP vocpath_db_pool_connections Open database connections.\n# TYPE vocpath_db_pool_connections gauge\nvocpath_db_pool_connections {size}"
    );
    let _ = writeln!(
        out,
        "# HELP vocpath_db_pool_idle Idle database connections.\n# TYPE vocpath_db_pool_idle gauge\nvocpath_db_pool_idle {idle}"
    );
    Response::builder()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(out)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_paths_share_one_series() {
        assert_eq!(
            route_label("/api/v1/students/42/entries"),
            "/api/v1/students/:id/entries"
        );
        assert_eq!(route_label("/healthz"), "/healthz");
    }

    #[test]
    fn a_request_lands_in_its_buckets() {
        let m = Metrics::default();
        m.observe("/x/1", 200, 0.03);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("vocpath_http_requests_total{route=\"/x/:id\",status=\"200\"} 1"));
        assert!(out.contains("le=\"0.025\"} 0") && out.contains("le=\"0.05\"} 1"));
    }
}
