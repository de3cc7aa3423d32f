//! `/metrics` in the Prometheus text format: requests by route and status with latency
//! histograms, the outbox queue depth and failures, and database pool use. Counters live in memory
//! per instance (Prometheus adds instances up).
//!
//! Routes are labelled by the route template the router matched (`/students/:id`), never by the
//! path a client sent: a path that matched no route counts as `unmatched`, so no client can add
//! series or inject label text. Label values are escaped per the text format all the same.
//!
//! `/metrics` is not public: on the main address it answers only with the bearer token
//! `VOCPATH_METRICS_TOKEN` (404 when none is set); `VOCPATH_METRICS_BIND` serves it alone on a
//! separate address.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use poem::PathPattern;
use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};
use sea_orm::DatabaseBackend;
use subtle::ConstantTimeEq;

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

/// The label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Set on a response whose request matched no route (the router's own 404).
#[derive(Debug, Clone, Copy)]
pub struct Unmatched;

/// The route label of a finished request: the template its router matched.
pub fn route_label(resp: &Response) -> String {
    if resp.data::<Unmatched>().is_some() {
        return UNMATCHED.to_string();
    }
    match resp.data::<PathPattern>() {
        Some(p) => p.0.to_string(),
        None => UNMATCHED.to_string(),
    }
}

/// The matched route template (or that none matched), taken from a router error so that the
/// response replacing it (an error page, problem details) is counted under its route.
#[derive(Debug, Clone, Default)]
pub struct RouteMark {
    pattern: Option<PathPattern>,
    unmatched: bool,
}

impl RouteMark {
    pub fn of(err: &poem::Error) -> RouteMark {
        RouteMark {
            pattern: err.data::<PathPattern>().cloned(),
            unmatched: err.is::<poem::error::NotFoundError>(),
        }
    }

    pub fn of_response(resp: &Response) -> RouteMark {
        RouteMark {
            pattern: resp.data::<PathPattern>().cloned(),
            unmatched: false,
        }
    }

    pub fn apply(self, resp: &mut Response) {
        if self.unmatched {
            resp.set_data(Unmatched);
        } else if let Some(p) = self.pattern {
            resp.set_data(p);
        }
    }
}

/// The response of an endpoint's result, an error keeping the route it matched.
pub fn response_of<T: poem::IntoResponse>(result: poem::Result<T>) -> Response {
    match result {
        Ok(r) => r.into_response(),
        Err(e) => {
            let mark = RouteMark::of(&e);
            let mut resp = e.into_response();
            mark.apply(&mut resp);
            resp
        }
    }
}

/// Escapes a label value per the Prometheus text format.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

impl Metrics {
    /// Records one finished request.
    pub fn observe(&self, route: &str, status: u16, seconds: f64) {
        let Ok(mut series) = self.series.lock() else { return };
        let s = series.entry((escape(route), status)).or_default();
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

/// `GET /metrics` on the main address: only with the configured bearer token.
#[handler]
pub async fn protected(state: Data<&AppState>, req: &Request) -> Response {
    let Some(expected) = &state.config.metrics_token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = req
        .header(header::AUTHORIZATION)
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
        return Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header(header::WWW_AUTHENTICATE, "Bearer")
            .finish();
    }
    render(&state).await
}

/// `GET /metrics` on the separate metrics address (`VOCPATH_METRICS_BIND`).
#[handler]
pub async fn metrics(state: Data<&AppState>) -> Response {
    render(&state).await
}

async fn render(state: &AppState) -> Response {
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
    fn label_values_cannot_break_the_format() {
        assert_eq!(escape("/inj\",status=\"999"), "/inj\\\",status=\\\"999");
        assert_eq!(escape("a\\b\nc"), "a\\\\b\\nc");
    }

    #[test]
    fn a_request_lands_in_its_buckets() {
        let m = Metrics::default();
        m.observe("/x/:id", 200, 0.03);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("vocpath_http_requests_total{route=\"/x/:id\",status=\"200\"} 1"));
        assert!(out.contains("le=\"0.025\"} 0") && out.contains("le=\"0.05\"} 1"));
    }
}
