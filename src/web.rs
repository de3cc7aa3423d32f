//! The portal: server-rendered pages (tera), the per-request portal context (language, signed-in
//! user, CSRF token), CSRF checking of every state-changing request, and error pages.
//!
//! CSRF: each browser gets a random `vocpath_csrf` cookie; forms carry `csrf_token`, an HMAC of that
//! cookie under the service's secret key. [`portal_context`] checks every non-GET request before any
//! handler runs (form field, `X-CSRF-Token` header, or `csrf_token` query parameter for uploads), so
//! no handler can forget it. Handlers get the context with `Data<&PortalCtx>`.

use std::sync::Arc;

use poem::http::{Method, StatusCode, header};
use poem::web::Html;
use poem::{Endpoint, IntoResponse, Request, Response};
use serde::Serialize;
use subtle::ConstantTimeEq;

use crate::auth::{Capability, CurrentUser, session};
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::state::AppState;

const CSRF_COOKIE: &str = "vocpath_csrf";
const LANG_COOKIE: &str = "vocpath_lang";

/// What every portal handler knows about the request.
#[derive(Debug, Clone)]
pub struct PortalCtx {
    pub lang: Lang,
    pub csrf_token: String,
    pub user: Option<CurrentUser>,
    pub path: String,
    /// The path with its query (`/students?year=2026&page=2`): where the language switch and
    /// signing in come back to.
    pub here: String,
    pub client_ip: String,
    pub session_cookie: Option<String>,
}

impl PortalCtx {
    /// The signed-in user holding `cap`. Not signed in → login redirect; one-time password not yet
    /// changed → password page; role without `cap` → 403.
    pub fn staff(&self, cap: Capability) -> Result<&CurrentUser, AppError> {
        let user = self.user.as_ref().ok_or(AppError::Unauthenticated)?;
        if user.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        user.require(cap)?;
        Ok(user)
    }

    /// The signed-in user, even one who still has to change a one-time password.
    pub fn signed_in(&self) -> Result<&CurrentUser, AppError> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }
}

/// A navigation entry, shown only to roles holding its capability.
struct NavItem {
    href: &'static str,
    key: &'static str,
    cap: Capability,
}

const NAV: &[NavItem] = &[
    NavItem {
        href: "/",
        key: "nav.home",
        cap: Capability::UsePortal,
    },
    NavItem {
        href: "/students",
        key: "nav.students",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/imports/new",
        key: "nav.imports",
        cap: Capability::ManageStudents,
    },
    NavItem {
        href: "/follow-ups",
        key: "nav.follow_ups",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/programmes",
        key: "nav.programmes",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/rule-sets",
        key: "nav.rule_sets",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/routing-runs",
        key: "nav.runs",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/ledger",
        key: "nav.ledger",
        cap: Capability::ReadStudents,
    },
    NavItem {
        href: "/mentoring",
        key: "nav_extra.mentoring",
        cap: Capability::ManageMentoring,
    },
    NavItem {
        href: "/training",
        key: "nav_extra.training",
        cap: Capability::ManageTraining,
    },
    NavItem {
        href: "/my-mentees",
        key: "nav_extra.my_mentees",
        cap: Capability::RecordHelpSessions,
    },
    NavItem {
        href: "/admin/users",
        key: "nav.users",
        cap: Capability::ManageUsers,
    },
    NavItem {
        href: "/admin/audit",
        key: "nav.audit",
        cap: Capability::ReadAuditLog,
    },
    NavItem {
        href: "/admin/outbox",
        key: "nav_extra.outbox",
        cap: Capability::ManageOutbox,
    },
    NavItem {
        href: "/account/tokens",
        key: "nav.tokens",
        cap: Capability::ManageOwnTokens,
    },
];

#[derive(Serialize)]
struct NavLink {
    href: &'static str,
    label: String,
    active: bool,
}

/// Renders `template` with the layout's variables plus `vars` (a JSON object).
pub fn render(
    state: &AppState,
    ctx: &PortalCtx,
    template: &str,
    vars: serde_json::Value,
) -> Result<Html<String>, AppError> {
    render_with_status(state, ctx, template, vars).map(Html)
}

fn render_with_status(
    state: &AppState,
    ctx: &PortalCtx,
    template: &str,
    vars: serde_json::Value,
) -> Result<String, AppError> {
    let mut tctx = tera::Context::new();
    tctx.insert_value("t", state.i18n.template_value(ctx.lang));
    tctx.insert("lang", ctx.lang.code());
    tctx.insert("csrf_token", &ctx.csrf_token);
    tctx.insert("user", &ctx.user);
    tctx.insert("path", &ctx.path);
    // The page with its query, encoded as the value of the language switch's `next`.
    tctx.insert("here_encoded", &encode_query_value(&ctx.here));
    let nav: Vec<NavLink> = match &ctx.user {
        Some(u) if !u.must_change_password => NAV
            .iter()
            .filter(|n| u.can(n.cap))
            .map(|n| NavLink {
                href: n.href,
                label: state.i18n.text(ctx.lang, &Msg::new(n.key)),
                active: if n.href == "/" {
                    ctx.path == "/"
                } else {
                    ctx.path.starts_with(n.href)
                },
            })
            .collect(),
        _ => Vec::new(),
    };
    tctx.insert("nav", &nav);
    if let serde_json::Value::Object(map) = vars {
        for (k, v) in map {
            tctx.insert(k, &v);
        }
    }
    state
        .templates
        .render(template, &tctx)
        .map_err(|e| AppError::Internal(format!("template {template}: {e}")))
}

/// `value` encoded to stand in a query string: every byte but `A–Z a–z 0–9 - . _ ~` as `%XX`
/// (so `/`, `?`, `&`, `=` and `%` too), so it comes back whole as one parameter.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A 303 redirect (after a POST, or to the login page).
pub fn redirect(to: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, to)
        .finish()
}

/// A local path safe to redirect to after login or a language switch; anything else becomes `/`.
///
/// Only a path starting with a single `/` is followed. Browsers drop tabs and newlines and read
/// `\\` as `/`, so `/\t/evil.example` or `/\\evil.example` would leave the site: control
/// characters, whitespace, backslashes and encoded slashes or backslashes are refused outright.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else { return "/".to_string() };
    // Encoded slashes matter only in the path; a query value may hold them (`?school=A%2FB`).
    let path = n.split(['?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/logout")
        && n.len() <= 2048
        && !n.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && !["%2f", "%5c"].iter().any(|bad| path.contains(bad))
        && !["%09", "%0a", "%0d", "%00"]
            .iter()
            .any(|bad| n.to_ascii_lowercase().contains(bad));
    if local {
        percent_encode_non_ascii(n)
    } else {
        "/".to_string()
    }
}

/// A `Location` header must be ASCII: characters beyond it are sent percent-encoded (UTF-8), as
/// browsers do themselves.
fn percent_encode_non_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Builds a `Set-Cookie` value with the attributes every vocpath cookie carries.
pub fn cookie(state: &AppState, name: &str, value: &str, max_age_secs: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if state.config.is_https() {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// Reads one cookie from the request.
pub fn read_cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name && !v.is_empty()).then(|| v.to_string())
        })
}

fn csrf_token_for(secret: &[u8], cookie: &str) -> String {
    crate::crypto::sign(secret, "csrf:", cookie)
}

/// The middleware that makes a request a portal request: context, CSRF check, error pages.
pub async fn portal_context<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let Some(state) = req.data::<AppState>().cloned() else {
        return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    let lang = read_cookie(&req, LANG_COOKIE)
        .map(|c| Lang::from_header(Some(&c)))
        .unwrap_or_else(|| Lang::from_header(req.header(header::ACCEPT_LANGUAGE)));
    let existing_csrf = read_cookie(&req, CSRF_COOKIE);
    let csrf_cookie = existing_csrf.clone().unwrap_or_else(crate::auth::random_token);
    let csrf_token = csrf_token_for(state.config.secret(), &csrf_cookie);
    let session_cookie = read_cookie(&req, session::COOKIE);
    let user = match &session_cookie {
        Some(c) => session::current_user(&state.db, c).await,
        None => Ok(None),
    };
    let mut ctx = PortalCtx {
        lang,
        csrf_token: csrf_token.clone(),
        user: None,
        path: req.uri().path().to_string(),
        here: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_string(), |pq| pq.as_str().to_string()),
        client_ip: crate::api::client_ip(&req, &state.config.trusted_proxies, state.config.forwarded_header),
        session_cookie,
    };
    let refused = req.extensions().get::<crate::body_limit::BodyRefused>().copied();
    let mut route_mark = crate::metrics::RouteMark::default();
    let outcome = match (user, refused) {
        (Err(e), _) => Err(e),
        (Ok(user), Some(refused)) => {
            ctx.user = user;
            Err(refused.error())
        }
        (Ok(user), None) => {
            ctx.user = user;
            // Forms rendered before a change of the secret key still post while the previous
            // key is configured.
            let accepted: Vec<String> = state
                .config
                .verifying_secrets()
                .into_iter()
                .map(|secret| csrf_token_for(secret, &csrf_cookie))
                .collect();
            match check_csrf(&mut req, existing_csrf.is_some(), &accepted).await {
                Err(e) => Err(e),
                Ok(()) => {
                    req.extensions_mut().insert(ctx.clone());
                    match ep.call(req).await {
                        Ok(resp) => Ok(resp.into_response()),
                        Err(e) => {
                            route_mark = crate::metrics::RouteMark::of(&e);
                            Err(page_error(e))
                        }
                    }
                }
            }
        }
    };
    let mut resp = match outcome {
        Ok(resp) => resp,
        Err(err) => error_page(&state, &ctx, err),
    };
    route_mark.apply(&mut resp);
    if existing_csrf.is_none()
        && let Ok(v) = cookie(&state, CSRF_COOKIE, &csrf_cookie, None).parse()
    {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, poem::http::HeaderValue::from_static("no-store"));
    Ok(resp)
}

async fn check_csrf(req: &mut Request, had_cookie: bool, accepted: &[String]) -> Result<(), AppError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let from_header = req.header("x-csrf-token").map(str::to_owned);
    let from_query = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v));
    let is_form = req
        .content_type()
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let from_form = if is_form && from_header.is_none() && from_query.is_none() {
        let body = req
            .take_body()
            .into_bytes()
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v));
        req.set_body(body);
        token
    } else {
        None
    };
    let given = from_header.or(from_query).or(from_form).unwrap_or_default();
    let genuine = accepted
        .iter()
        .any(|expected| bool::from(given.as_bytes().ct_eq(expected.as_bytes())));
    if had_cookie && !given.is_empty() && genuine {
        Ok(())
    } else {
        Err(AppError::Protocol(StatusCode::FORBIDDEN, Msg::new("error.csrf")))
    }
}

fn page_error(err: poem::Error) -> AppError {
    let status = err.status();
    match err.downcast::<AppError>() {
        Ok(app) => app,
        Err(other) => match status {
            StatusCode::NOT_FOUND => AppError::NotFound("page"),
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            // serde's own words ("invalid digit found in string") help nobody at a counter.
            s if other.is::<poem::error::ParseQueryError>() => AppError::Protocol(s, Msg::new("error.query_invalid")),
            s if s.is_client_error() => {
                AppError::Protocol(s, Msg::new("error.bad_request").arg("reason", other.to_string()))
            }
            _ => AppError::Internal(other.to_string()),
        },
    }
}

/// Turns an error into what a browser user should see.
fn error_page(state: &AppState, ctx: &PortalCtx, err: AppError) -> Response {
    match err {
        AppError::Unauthenticated => {
            let next = serde_urlencoded::to_string([("next", ctx.here.as_str())]).unwrap_or_default();
            return redirect(&format!("/login?{next}"));
        }
        AppError::PasswordChangeRequired => return redirect("/account/password"),
        _ => {}
    }
    if err.is_server_fault() {
        tracing::error!(error = %err, path = %ctx.path, "page failed");
    }
    let status = err.status();
    let vars = serde_json::json!({
        "status": status.as_u16(),
        "message": state.i18n.text(ctx.lang, &err.message()),
    });
    let body = render_with_status(state, ctx, "error.html", vars).unwrap_or_else(|e| {
        tracing::error!(error = %e, "error page failed to render");
        format!(
            "<!doctype html><meta charset=utf-8><title>{0}</title><h1>{0}</h1>",
            status.as_u16()
        )
    });
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// The page language switch: remembers the choice in a cookie and goes back.
#[poem::handler]
pub fn switch_language(state: poem::web::Data<&AppState>, code: poem::web::Path<String>, req: &Request) -> Response {
    let lang = Lang::from_header(Some(&code.0));
    let back = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|p| p.into_iter().find(|(k, _)| k == "next").map(|(_, v)| v));
    let mut resp = redirect(&safe_next(back.as_deref()));
    if let Ok(v) = cookie(&state, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Field error messages for a form, with an empty entry for every field so templates can
/// always look them up; plus `_form` for errors that belong to no field.
pub fn form_errors(state: &AppState, lang: Lang, fields: &[&str], err: &AppError) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for f in fields {
        map.insert((*f).to_string(), serde_json::Value::String(String::new()));
    }
    let mut general = String::new();
    match err {
        AppError::Invalid(list) => {
            for fe in list {
                let text = state.i18n.text(lang, &fe.msg);
                if map.contains_key(&fe.field) {
                    map.insert(fe.field.clone(), serde_json::Value::String(text));
                } else {
                    general = text;
                }
            }
        }
        other => general = state.i18n.text(lang, &other.message()),
    }
    map.insert("_form".into(), serde_json::Value::String(general));
    serde_json::Value::Object(map)
}

/// All of an error's messages as one line (field messages joined), for a notice on a page.
pub fn error_text(state: &AppState, lang: Lang, err: &AppError) -> String {
    match err {
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| state.i18n.text(lang, &f.msg))
            .collect::<Vec<_>>()
            .join("; "),
        other => state.i18n.text(lang, &other.message()),
    }
}

/// No errors: every field present and empty.
pub fn no_errors(fields: &[&str]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for f in fields.iter().chain(["_form"].iter()) {
        map.insert((*f).to_string(), serde_json::Value::String(String::new()));
    }
    serde_json::Value::Object(map)
}

/// Reads an optional number from a query or form field where an empty or unreadable value means
/// "not given" (a filter left at its "all" choice sends `school=`), instead of a 400.
pub fn opt_number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
{
    let raw: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(raw.and_then(|s| s.trim().parse().ok()))
}

/// Whether an error should be shown next to the form (rather than as an error page).
pub fn is_form_error(err: &AppError) -> bool {
    matches!(
        err,
        AppError::Invalid(_) | AppError::Conflict(_) | AppError::TooManyRequests(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn no_trick_leaves_the_site_after_login_or_a_language_switch() {
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "/%2f/evil.example",
            "/%5C/evil.example",
            "/%09/evil.example",
            "/ /evil.example",
            "/\u{3000}/evil.example",
            "\t//evil.example",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(
            safe_next(Some("/students?year=2026&page=2")),
            "/students?year=2026&page=2"
        );
        assert_eq!(safe_next(Some("/students/5#timeline")), "/students/5#timeline");
        assert_eq!(safe_next(Some("/students?school=A%2FB")), "/students?school=A%2FB");
        assert_eq!(
            safe_next(Some("/students?town=米河镇")),
            "/students?town=%E7%B1%B3%E6%B2%B3%E9%95%87"
        );
        assert_eq!(safe_next(Some("/%C3%A9")), "/%C3%A9");
    }

    #[test]
    fn a_page_and_its_query_become_one_query_value() {
        assert_eq!(
            encode_query_value("/train?town=米河镇&page=2"),
            "%2Ftrain%3Ftown%3D%E7%B1%B3%E6%B2%B3%E9%95%87%26page%3D2"
        );
        assert_eq!(encode_query_value("/a%2Fb?x=1+2"), "%2Fa%252Fb%3Fx%3D1%2B2");
        assert_eq!(encode_query_value("safe-._~"), "safe-._~");
    }

    #[test]
    fn csrf_tokens_depend_on_cookie_and_key() {
        let a = csrf_token_for(b"0123456789abcdef0123456789abcdef", "cookie-a");
        assert_ne!(a, csrf_token_for(b"0123456789abcdef0123456789abcdef", "cookie-b"));
        assert_ne!(a, csrf_token_for(b"another-key-another-key-another!", "cookie-a"));
        assert_eq!(a.len(), 64);
    }
}
