//! Request body size limits, enforced as the outermost layer before anything reads a body.
//!
//! Two limits: a small one for every form and JSON request (`VOCPATH_MAX_FORM_KB`, 1 MiB by
//! default) and a large one (`VOCPATH_MAX_BODY_MB`) only for an upload (a register import or a
//! school's enrolment roster) by a signed-in user who may make it. A declared `Content-Length`
//! above the limit is refused without reading a byte; a body without one (chunked) is read up to
//! the limit and refused as soon as it passes it, so no request can make the process hold more
//! than the limit in memory.
//!
//! A refused request does not reach its handler: the layer marks it with [`BodyRefused`] and an
//! empty body, and the portal and API layers render the refusal in their own format (an error page
//! or problem details). This module must not render anything itself.

use std::sync::Arc;

use futures_util::StreamExt;
use poem::http::{Method, StatusCode, header};
use poem::{Body, Endpoint, IntoResponse, Request, Response};

use crate::auth::{Capability, CurrentUser, session, token};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::state::AppState;

/// Set on a request whose body was refused; the limit it passed, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct BodyRefused(pub usize);

impl BodyRefused {
    /// The error to show: 413, naming the limit.
    pub fn error(self) -> AppError {
        AppError::Protocol(
            StatusCode::PAYLOAD_TOO_LARGE,
            Msg::new("limits.payload_too_large").arg("limit", human_size(self.0)),
        )
    }
}

/// The limits in force.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Forms, JSON and everything else.
    pub form: usize,
    /// Register and enrolment-roster uploads by a user who may make them.
    pub upload: usize,
}

/// Middleware: applies [`Limits`] to every request.
pub async fn limit_body<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let Some(state) = req.data::<AppState>().cloned() else {
        return Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response());
    };
    let limits = Limits {
        form: state.config.max_form_bytes,
        upload: state.config.max_body_bytes,
    };
    let may = match upload_capability(&req) {
        Some(cap) => may_upload(&state, &req, cap).await,
        None => false,
    };
    let max = if may { limits.upload } else { limits.form };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .map(|v| v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()));
    let refused = match declared {
        // An unreadable length is refused too (hyper would reject most of these already).
        Some(None) => true,
        Some(Some(n)) => n > max as u64,
        // No declared length: a chunked HTTP/1.1 body, or any HTTP/2 body (which needs neither
        // header, whatever the method). An empty body ends at once.
        None => {
            let body = req.take_body();
            match read_at_most(body, max).await {
                Some(bytes) => {
                    req.set_body(bytes);
                    false
                }
                None => true,
            }
        }
    };
    if refused {
        req.set_body(Body::empty());
        req.extensions_mut().insert(BodyRefused(max));
        // Tell the client the connection will not be reused: the unread rest of the body
        // must not be taken for the next request.
        let mut resp = ep.call(req).await.map(IntoResponse::into_response)?;
        resp.headers_mut()
            .insert(header::CONNECTION, poem::http::HeaderValue::from_static("close"));
        return Ok(resp);
    }
    ep.call(req).await.map(IntoResponse::into_response)
}

/// Reads the body into memory unless it passes `max` bytes, stopping at the first chunk past it.
async fn read_at_most(body: Body, max: usize) -> Option<Vec<u8>> {
    let mut stream = body.into_bytes_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        if buf.len() + chunk.len() > max {
            return None;
        }
        buf.extend_from_slice(&chunk);
    }
    Some(buf)
}

/// The upload routes (the register import and the enrolment roster, each a portal form and an API
/// operation), with what an uploader must be allowed to do.
fn upload_capability(req: &Request) -> Option<Capability> {
    if req.method() != Method::POST {
        return None;
    }
    match req.uri().path() {
        "/imports" | "/api/v1/imports" => Some(Capability::ManageStudents),
        "/reporting/roster" | "/api/v1/reporting/roster" => Some(Capability::RunRouting),
        _ => None,
    }
}

/// Whether the request comes from a live session or token of someone who may `cap`. Checked here
/// so that nobody unauthenticated can make the service buffer the large limit.
async fn may_upload(state: &AppState, req: &Request, cap: Capability) -> bool {
    let user: Option<CurrentUser> = if let Some(bearer) = req
        .header(header::AUTHORIZATION)
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        token::authenticate(&state.db, bearer.trim()).await.ok().flatten()
    } else if let Some(cookie) = crate::web::read_cookie(req, session::COOKIE) {
        session::current_user(&state.db, &cookie).await.ok().flatten()
    } else {
        None
    };
    user.is_some_and(|u| !u.must_change_password && u.can(cap))
}

/// `1 MiB`, `512 KiB`, `300 bytes`.
pub fn human_size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_streamed_body_is_read_only_up_to_the_limit() {
        let chunks = futures_util::stream::iter((0..10).map(|_| Ok::<_, std::io::Error>(vec![0u8; 100])));
        assert!(read_at_most(Body::from_bytes_stream(chunks), 550).await.is_none());
        let chunks = futures_util::stream::iter((0..5).map(|_| Ok::<_, std::io::Error>(vec![0u8; 100])));
        assert_eq!(
            read_at_most(Body::from_bytes_stream(chunks), 500)
                .await
                .map(|b| b.len()),
            Some(500)
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(1024 * 1024), "1 MiB");
        assert_eq!(human_size(32 * 1024 * 1024), "32 MiB");
        assert_eq!(human_size(1536), "1 KiB");
        assert_eq!(human_size(10), "10 bytes");
    }
}
