//! The portal middleware: language, signed-in user and CSRF token for every request, the CSRF
//! check of every state-changing one, and errors turned into pages; and the language switch.

use std::sync::Arc;

use poem::http::{Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use super::{PortalCtx, cookie, read_cookie, redirect, render_with_status, safe_next};
use crate::auth::session;
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::state::AppState;

const CSRF_COOKIE: &str = "vocpath_csrf";
const LANG_COOKIE: &str = "vocpath_lang";

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
            let secrets = state.config.verifying_secrets();
            match check_csrf(&mut req, existing_csrf.is_some(), &secrets, &csrf_cookie).await {
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

async fn check_csrf(req: &mut Request, had_cookie: bool, secrets: &[&[u8]], cookie: &str) -> Result<(), AppError> {
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
    let genuine = crate::crypto::verify_any(secrets, &given, |secret| csrf_token_for(secret, cookie));
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
            _ => AppError::internal(other.to_string()),
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
        tracing::error!(error = %err.chain(), path = %ctx.path, "page failed");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_depend_on_cookie_and_key() {
        let a = csrf_token_for(b"0123456789abcdef0123456789abcdef", "cookie-a");
        assert_ne!(a, csrf_token_for(b"0123456789abcdef0123456789abcdef", "cookie-b"));
        assert_ne!(a, csrf_token_for(b"another-key-another-key-another!", "cookie-a"));
        assert_eq!(a.len(), 64);
    }
}
