//! The email delivery log for staff: API and portal page, with resend for failed or unknown emails.

use chrono::{DateTime, Utc};
use entity::outbox::OutboxStatus;
use poem::web::{Data, Path as WebPath, Query as WebQuery};
use poem::{IntoResponse, Response, handler};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi, Tags};
use sea_orm::Iterable;
use serde::Deserialize;
use serde_json::json;

use crate::i18n::Msg;

use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::error::AppError;
use crate::outbox;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::{PortalCtx, redirect, render};

#[derive(Tags)]
enum ApiTags {
    /// Outgoing email and its delivery status.
    Outbox,
}

/// An email queued again.
#[derive(Debug, Object)]
pub struct Resent {
    pub id: i64,
    /// Always `queued`.
    pub status: OutboxStatusDto,
}

/// One outgoing email (without its body).
#[derive(Debug, Object)]
pub struct EmailDto {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// `queued`, `sending`, `sent`, `failed`, `unknown` (a worker stopped mid-send) or `withdrawn`
    /// (made pointless before it went out, e.g. an offer released; never sent).
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
}

impl From<entity::outbox::Model> for EmailDto {
    fn from(m: entity::outbox::Model) -> Self {
        EmailDto {
            id: m.id,
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            status: m.status.to_string(),
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
            next_attempt_at: m.next_attempt_at,
        }
    }
}

/// Where an email is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum OutboxStatusDto {
    Queued,
    Sending,
    Sent,
    Failed,
    /// The send may or may not have happened (the worker stopped mid-send).
    Unknown,
    /// Made pointless before it went out (an offer released); never sent.
    Withdrawn,
}

impl From<OutboxStatusDto> for OutboxStatus {
    fn from(s: OutboxStatusDto) -> OutboxStatus {
        match s {
            OutboxStatusDto::Queued => OutboxStatus::Queued,
            OutboxStatusDto::Sending => OutboxStatus::Sending,
            OutboxStatusDto::Sent => OutboxStatus::Sent,
            OutboxStatusDto::Failed => OutboxStatus::Failed,
            OutboxStatusDto::Unknown => OutboxStatus::Unknown,
            OutboxStatusDto::Withdrawn => OutboxStatus::Withdrawn,
        }
    }
}

/// The delivery log page's status filter: empty for all, else one of the stored names.
fn status_filter(raw: &str) -> Result<Option<OutboxStatus>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    OutboxStatus::iter()
        .find(|s| s.to_string() == raw)
        .map(Some)
        .ok_or_else(|| {
            let allowed: Vec<String> = OutboxStatus::iter().map(|s| s.to_string()).collect();
            AppError::BadRequest(Msg::new("error.choice_invalid").arg("allowed", allowed.join(", ")))
        })
}

pub struct OutboxApi;

#[OpenApi(tag = "ApiTags::Outbox")]
impl OutboxApi {
    /// The delivery log, newest first.
    #[oai(path = "/outbox", method = "get")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        /// Only emails in this state.
        status: Query<Option<OutboxStatusDto>>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<EmailDto>>> {
        auth.0.require(Capability::ManageOutbox)?;
        let status = status.0.map(OutboxStatus::from);
        let found = outbox::list(&state.db, status, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::from_page(found, EmailDto::from)))
    }

    /// Queues a failed or unknown email again.
    #[oai(path = "/outbox/:id/resend", method = "post")]
    async fn resend(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &poem::Request,
        id: Path<i64>,
    ) -> ApiResult<Json<Resent>> {
        auth.0.require(Capability::ManageOutbox)?;
        outbox::resend(&state.db, &auth.0.actor(Some(state.client_ip(req))), id.0).await?;
        Ok(Json(Resent {
            id: id.0,
            status: OutboxStatusDto::Queued,
        }))
    }
}

#[derive(Deserialize, Default)]
pub struct OutboxQuery {
    #[serde(default)]
    status: String,
    page: Option<u64>,
}

#[handler]
pub async fn outbox_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    q: WebQuery<OutboxQuery>,
) -> Result<Response, AppError> {
    ctx.staff(Capability::ManageOutbox)?;
    let filter = status_filter(&q.0.status)?;
    let page = outbox::list(&state.db, filter, PageRequest::new(q.0.page, None)?).await?;
    let depth = outbox::queue_depth(&state.db).await?;
    let page = page.map(|m| log_row(&state, &ctx, m));
    let query = serde_urlencoded::to_string([("status", &q.0.status)]).unwrap_or_default();
    let vars = json!({ "page": page, "status": q.0.status, "depth": depth, "query": query,
                       "statuses": OutboxStatus::iter().collect::<Vec<_>>() });
    Ok(render(&state, &ctx, "outbox/list.html", vars)?.into_response())
}

/// One message as the delivery log shows it: the note explained in the reader's language when the
/// service wrote it, the time it was queued.
fn log_row(state: &AppState, ctx: &PortalCtx, m: entity::outbox::Model) -> serde_json::Value {
    let note = m.last_error.clone().unwrap_or_default();
    let note = match outbox::note_key(m.status, &note) {
        Some(key) => state.i18n.get(ctx.lang, key),
        None => note,
    };
    json!({
        "id": m.id, "kind": m.kind, "channel": m.channel, "recipient": m.recipient, "subject": m.subject,
        "status": m.status, "attempts": m.attempts, "note": note,
        "resendable": matches!(m.status, OutboxStatus::Failed | OutboxStatus::Unknown),
        "queued_at": m.created_at.format("%Y-%m-%d %H:%M").to_string(),
    })
}

#[handler]
pub async fn resend(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: WebPath<i64>) -> Result<Response, AppError> {
    let me = ctx.staff(Capability::ManageOutbox)?;
    outbox::resend(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0).await?;
    Ok(redirect("/admin/outbox"))
}

/// Adds the delivery log's portal pages to `route`.
pub fn routes(route: poem::Route) -> poem::Route {
    route
        .at("/admin/outbox", poem::get(outbox_page))
        .at("/admin/outbox/:id/resend", poem::post(resend))
}
