//! The JSON API under `/api/v1`: the OpenAPI service over every feature's API, the bearer-token
//! security scheme, the shared pagination shape, and RFC 9457 problem details.
//!
//! Every error leaving `/api` — from an operation, from request parsing, from the router (unknown
//! route, wrong method) or from a middleware (oversize body) — passes through [`problem_details`]
//! and becomes `application/problem+json` with a stable `code`. Nothing under `/api` answers with a
//! plain-text error.

use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::auth::Bearer;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use poem_openapi::{ApiResponse, Object, SecurityScheme};

use crate::auth::{CurrentUser, token};
use crate::client_addr::{self, ForwardedHeader, TrustedProxies};
use crate::error::{AppError, FieldError};
use crate::i18n::{Lang, Msg};
use crate::pagination::Page;
use crate::state::AppState;

/// One invalid field of a request.
#[derive(Debug, Object)]
pub struct ProblemField {
    /// The field as the client named it.
    pub field: String,
    /// Stable machine-readable reason.
    pub code: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Object)]
pub struct Problem {
    /// A URI naming the problem type.
    #[oai(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, e.g. `invalid_input`, `not_found`, `email_taken`.
    pub code: String,
    /// The offending fields, for invalid input.
    #[oai(skip_serializing_if_is_none)]
    pub fields: Option<Vec<ProblemField>>,
}

/// The error type of every API operation: an [`AppError`], documented as problem details.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl From<ApiError> for poem::Error {
    fn from(e: ApiError) -> Self {
        poem::Error::from(e.0)
    }
}

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        let problem = |status: u16, description: &'static str| MetaResponse {
            description,
            status: Some(status),
            status_range: None,
            content: vec![MetaMediaType {
                content_type: "application/problem+json",
                schema: Problem::schema_ref(),
            }],
            headers: vec![],
        };
        MetaResponses {
            responses: vec![
                problem(400, "Malformed request"),
                problem(401, "Missing or invalid bearer token"),
                problem(
                    403,
                    "The token's role does not allow this operation (`forbidden`), or its owner must first change a one-time password on the portal (`password_change_required`)",
                ),
                problem(404, "No such record"),
                problem(409, "Conflicts with the current state"),
                problem(422, "Invalid input; `fields` names each offending field"),
                problem(503, "Database unavailable"),
            ],
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

/// Result of an API operation.
pub type ApiResult<T> = Result<T, ApiError>;

/// Bearer token issued to a staff account (create one on the portal's token page or with
/// `vocpath create-token`).
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_bearer")]
pub struct BearerAuth(pub CurrentUser);

async fn check_bearer(req: &Request, bearer: Bearer) -> poem::Result<CurrentUser> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| AppError::internal("state missing"))?;
    match token::authenticate(&state.db, &bearer.token).await? {
        // A one-time password not yet changed: the account may do nothing else, by token neither.
        Some(user) if user.must_change_password => Err(AppError::PasswordChangeRequired.into()),
        Some(user) => Ok(user),
        None => Err(AppError::Unauthenticated.into()),
    }
}

/// A JSON response body written straight from `T`'s `Serialize`, documented as `T`'s schema:
/// the same document as poem-openapi's `Json<T>`, whose `to_json` first builds a `serde_json`
/// map of every object (a page of 50 students was 50 maps of 19 entries, built, written and
/// dropped on each request). For the long lists; `T`'s `Serialize` and `ToJSON` must agree, which
/// a test checks for each type used with it.
pub struct SerdeJson<T>(pub T);

impl<T: Type + Send> poem_openapi::payload::Payload for SerdeJson<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + serde::Serialize + Send> IntoResponse for SerdeJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::builder()
                .content_type(<Self as poem_openapi::payload::Payload>::CONTENT_TYPE)
                .body(body),
            Err(e) => poem::Error::from(AppError::internal_from("writing a JSON response", e)).into_response(),
        }
    }
}

impl<T: Type + serde::Serialize + Send> ApiResponse for SerdeJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: <Self as poem_openapi::payload::Payload>::CONTENT_TYPE,
                    schema: T::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// The pagination shape shared by every list.
#[derive(Debug, Object, serde::Serialize)]
pub struct PageDto<T: ParseFromJSON + ToJSON> {
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: u64,
    pub per_page: u64,
    /// Items across all pages.
    pub total: u64,
    /// Number of pages.
    pub pages: u64,
}

impl<T: ParseFromJSON + ToJSON> PageDto<T> {
    pub fn from_page<U>(page: Page<U>, f: impl FnMut(U) -> T) -> PageDto<T> {
        let p = page.map(f);
        PageDto {
            items: p.items,
            page: p.page,
            per_page: p.per_page,
            total: p.total,
            pages: p.pages,
        }
    }

    /// Like [`Self::from_page`] for a conversion that can fail (stored JSON read back).
    pub fn try_from_page<U, E>(page: Page<U>, f: impl FnMut(U) -> Result<T, E>) -> Result<PageDto<T>, E> {
        Ok(PageDto {
            items: page.items.into_iter().map(f).collect::<Result<_, _>>()?,
            page: page.page,
            per_page: page.per_page,
            total: page.total,
            pages: page.pages,
        })
    }
}

/// The language of API messages: English unless the client asks for Chinese (integrators' logs
/// are usually read in English).
pub fn api_lang(req: &Request) -> Lang {
    match req.header("accept-language") {
        Some(v) if v.trim_start().to_ascii_lowercase().starts_with("zh") => Lang::Zh,
        _ => Lang::En,
    }
}

/// The client address as text, for the audit log and rate limits: the TCP peer, or the address
/// forwarded by `trusted` reverse proxies in `header` (see [`crate::client_addr`]). "unknown" when
/// there is no IP peer (in-process requests).
pub fn client_ip(req: &Request, trusted: &TrustedProxies, header: ForwardedHeader) -> String {
    let Some(peer) = req.remote_addr().as_socket_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    let values: Vec<&str> = req
        .headers()
        .get_all(header.name())
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    client_addr::resolve(peer, header, &values, trusted).to_string()
}

/// Middleware: renders any error as problem details in the client's language.
pub async fn problem_details<E: Endpoint>(ep: std::sync::Arc<E>, mut req: Request) -> poem::Result<Response> {
    let lang = api_lang(&req);
    let state = req.data::<AppState>().cloned();
    let refused = req.extensions().get::<crate::body_limit::BodyRefused>().copied();
    // Keep a JSON body (already size-limited by the outer layer) so a schema error can name the
    // offending field.
    let json_body = if refused.is_none() && req.content_type().is_some_and(|c| c.starts_with("application/json")) {
        match req.take_body().into_bytes().await {
            Ok(bytes) => {
                req.set_body(bytes.clone());
                Some(bytes)
            }
            Err(_) => {
                return Ok(render_problem(
                    state.as_ref(),
                    &AppError::BadRequest(Msg::new("error.body_unreadable")),
                    lang,
                ));
            }
        }
    } else {
        None
    };
    let result = match refused {
        Some(refused) => Err(refused.error().into()),
        None => ep.call(req).await,
    };
    let (err, mark) = match result {
        Ok(resp) => {
            let resp = resp.into_response();
            if resp.status().is_client_error() || resp.status().is_server_error() {
                // A bare status from a router or extractor: give it a body.
                (
                    poem::Error::from_status(resp.status()),
                    crate::metrics::RouteMark::of_response(&resp),
                )
            } else {
                return Ok(resp);
            }
        }
        Err(err) => {
            let mark = crate::metrics::RouteMark::of(&err);
            (err, mark)
        }
    };
    let app_err = classify(err, json_body.as_deref());
    if app_err.is_server_fault() {
        tracing::error!(error = %app_err.chain(), "api request failed");
    }
    let mut resp = render_problem(state.as_ref(), &app_err, lang);
    mark.apply(&mut resp);
    Ok(resp)
}

fn render_problem(state: Option<&AppState>, err: &AppError, lang: Lang) -> Response {
    match state {
        Some(state) => problem_response(err, state, lang),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Renders one error as an `application/problem+json` response.
pub fn problem_response(err: &AppError, state: &AppState, lang: Lang) -> Response {
    let status = err.status();
    let code = err.code();
    let fields = match err {
        AppError::Invalid(fields) => Some(
            fields
                .iter()
                .map(|f| ProblemField {
                    field: f.field.clone(),
                    code: f.msg.key.rsplit('.').next().unwrap_or(f.msg.key).to_string(),
                    message: state.i18n.text(lang, &f.msg),
                })
                .collect::<Vec<ProblemField>>(),
        ),
        _ => None,
    };
    let mut detail = state.i18n.text(lang, &err.message());
    if let Some(fields) = &fields {
        let parts: Vec<String> = fields
            .iter()
            .map(|f: &ProblemField| format!("{}: {}", f.field, f.message))
            .collect();
        if !parts.is_empty() {
            detail = format!("{detail} ({})", parts.join("; "));
        }
    }
    let problem = Problem {
        kind: format!("/problems/{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail,
        code,
        fields,
    };
    let body = serde_json::to_vec(&problem.to_json()).unwrap_or_default();
    let mut resp = Response::builder()
        .status(status)
        .content_type("application/problem+json")
        .body(body);
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert("www-authenticate", poem::http::HeaderValue::from_static("Bearer"));
    }
    resp
}

/// Maps whatever error poem or poem-openapi produced onto an [`AppError`].
fn classify(err: poem::Error, json_body: Option<&[u8]>) -> AppError {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError,
    };
    let status = err.status();
    let err = match err.downcast::<AppError>() {
        Ok(app) => return app,
        Err(other) => other,
    };
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return payload_error(&e.reason, json_body);
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return AppError::invalid(e.name, Msg::new("error.invalid_parameter").arg("reason", &e.reason));
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        // poem-openapi names path parameters by position (`param0`), not by their name.
        return AppError::invalid("path", Msg::new("error.invalid_parameter").arg("reason", &e.reason));
    }
    if err.is::<ContentTypeError>() {
        return AppError::Protocol(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Msg::new("error.unsupported_media_type"),
        );
    }
    if err.is::<AuthorizationError>() {
        return AppError::Unauthenticated;
    }
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound("route"),
        StatusCode::METHOD_NOT_ALLOWED => AppError::Protocol(status, Msg::new("error.method_not_allowed")),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNAUTHORIZED => AppError::Unauthenticated,
        StatusCode::FORBIDDEN => AppError::Forbidden,
        s if s.is_client_error() => AppError::Protocol(s, Msg::new("error.bad_request").arg("reason", err.to_string())),
        _ => AppError::internal(err.to_string()),
    }
}

/// A JSON body that does not parse (400) or does not fit the schema (422, naming the field).
fn payload_error(reason: &str, body: Option<&[u8]>) -> AppError {
    if is_json_syntax_error(reason) {
        return AppError::BadRequest(Msg::new("error.malformed_json").arg("reason", reason));
    }
    let msg = Msg::new("error.invalid_field").arg("reason", reason);
    let field = body
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
        .and_then(|v| field_with_found_value(reason, &v))
        .unwrap_or_else(|| "body".to_string());
    AppError::Invalid(vec![FieldError::new(field, msg)])
}

/// serde_json's own errors end with their position; poem-openapi's schema errors never do.
fn is_json_syntax_error(reason: &str) -> bool {
    let Some(i) = reason.rfind(" at line ") else {
        return false;
    };
    let tail = &reason[i + 9..];
    let mut parts = tail.split(" column ");
    matches!((parts.next(), parts.next()), (Some(l), Some(c)) if l.parse::<u64>().is_ok() && c.parse::<u64>().is_ok())
}

/// poem-openapi reports `Expected input type "T", found <json>.` without the field's name; find
/// the field in the body holding that value (first match, depth-first, dotted path).
fn field_with_found_value(reason: &str, body: &serde_json::Value) -> Option<String> {
    let start = reason.find(", found ")? + 8;
    let end = reason[start..]
        .find(". (occurred")
        .map(|e| start + e)
        .unwrap_or_else(|| reason.trim_end_matches('.').len());
    let found: serde_json::Value = serde_json::from_str(reason.get(start..end)?).ok()?;
    fn walk(v: &serde_json::Value, found: &serde_json::Value, path: &mut Vec<String>) -> Option<String> {
        match v {
            serde_json::Value::Object(map) => {
                for (k, child) in map {
                    path.push(k.clone());
                    if child == found {
                        return Some(path.join("."));
                    }
                    if let Some(p) = walk(child, found, path) {
                        return Some(p);
                    }
                    path.pop();
                }
                None
            }
            serde_json::Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(i.to_string());
                    if child == found && path.len() > 1 {
                        return Some(path.join("."));
                    }
                    if let Some(p) = walk(child, found, path) {
                        return Some(p);
                    }
                    path.pop();
                }
                None
            }
            _ => None,
        }
    }
    walk(body, &found, &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_holding_the_rejected_value_is_named() {
        let body = serde_json::json!({"email": "a@b.cn", "profile": {"role": "superuser"}});
        let r = "Expected input type \"RoleDto\", found \"superuser\". (occurred while parsing \"CreateUserRequest\")";
        assert_eq!(field_with_found_value(r, &body).as_deref(), Some("profile.role"));
        assert_eq!(
            field_with_found_value("Type \"string\" expects an input value.", &body),
            None
        );
    }

    #[test]
    fn syntax_errors_are_400_and_schema_errors_422() {
        assert_eq!(
            payload_error("EOF while parsing an object at line 1 column 5", None).status(),
            StatusCode::BAD_REQUEST
        );
        let schema = payload_error(
            "Expected input type \"string\", found 5. (occurred while parsing \"X\")",
            Some(b"{\"a\": 5}"),
        );
        assert_eq!(schema.status(), StatusCode::UNPROCESSABLE_ENTITY);
        match schema {
            AppError::Invalid(f) => assert_eq!(f[0].field, "a"),
            other => panic!("{other:?}"),
        }
    }
}
