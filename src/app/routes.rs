//! The whole HTTP surface: each feature's portal pages inside the portal context, the one OpenAPI
//! service over every feature's API, static files, health and metrics, and the middleware every
//! request passes (body limit, security headers, request log).

use std::sync::Arc;
use std::time::Instant;

use poem::{Endpoint, EndpointExt, IntoEndpoint, Request, Response, Route, get};
use poem_openapi::OpenApiService;
use tracing::Instrument;

use crate::state::AppState;
use crate::web;

/// All routes with their middleware, ready to serve.
pub fn routes(state: AppState) -> impl Endpoint + use<> {
    let static_files = state.static_files.clone();
    let headers = state.security_headers.clone();
    let portal = Route::new()
        .at(
            "/",
            get(crate::auth::web::home.around(crate::dashboard::web::exports_on_home)),
        )
        .at("/lang/:code", get(web::switch_language));
    let portal = [
        crate::auth::routes::routes,
        crate::audit::web::routes,
        crate::dashboard::web::routes,
        crate::training::routes::routes,
        crate::mentor::routes::routes,
        crate::outbox_http::routes,
        crate::student::routes::routes,
        crate::admissions::routes::routes,
    ]
    .into_iter()
    .fold(portal, |route, add| add(route))
    .around(web::portal_context);
    Route::new()
        .at("/healthz", get(crate::health::healthz))
        .at("/metrics", get(crate::metrics::protected))
        .nest("/api", api_service(&state.config.base_url))
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

/// Builds `/api`: the versioned operations, the spec and Swagger UI, all errors as problem details.
fn api_service(base_url: &str) -> impl Endpoint + use<> {
    let service = OpenApiService::new(
        (
            crate::auth::routes::api(),
            crate::audit::api::AuditApi,
            crate::student::routes::api(),
            crate::admissions::routes::api(),
            crate::outbox_http::OutboxApi,
            crate::mentor::routes::api(),
            crate::training::routes::api(),
        ),
        "vocpath API",
        env!("CARGO_PKG_VERSION"),
    )
    .description("Routing, archives, mentoring and training for the county's secondary vocational schools. Errors are RFC 9457 problem details.")
    .server(format!("{base_url}/api/v1"));
    let raw_spec = service.spec();
    // The document clients read, finished (nullable, shared statuses, public input rules); the
    // accepted query parameters of each operation come from it.
    let (spec, query_rules) = match serde_json::from_str(&raw_spec) {
        Ok(doc) => {
            let doc = crate::api_doc::finish(doc);
            let rules = crate::query_params::QueryRules::from_spec(&doc);
            (doc.to_string(), rules)
        }
        Err(e) => {
            tracing::error!(error = %e, "the OpenAPI document does not parse; query strings go unchecked");
            (raw_spec.clone(), crate::query_params::QueryRules::default())
        }
    };
    // Swagger UI shows the finished document too (its page embeds the document it is given).
    let ui = service.swagger_ui_html().replacen(&raw_spec, &spec, 1);
    let docs = Route::new()
        .at("/", poem::endpoint::make_sync(move |_| poem::web::Html(ui.clone())))
        .at("/oauth-receiver.html", service.swagger_ui());
    let spec =
        poem::endpoint::make_sync(move |_| Response::builder().content_type("application/json").body(spec.clone()));
    Route::new()
        .nest("/v1", crate::query_params::checked(service, query_rules))
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .into_endpoint()
        .around(crate::api::problem_details)
}
