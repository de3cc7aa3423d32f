//! The audit-log page (admins), with the same filters as the API.

use chrono::{NaiveDate, TimeZone, Utc};
use poem::web::{Data, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::json;

use super::AuditFilter;
use crate::auth::Capability;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::{PortalCtx, render};

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    user_id: Option<String>,
    action: Option<String>,
    record_type: Option<String>,
    record_id: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    from: Option<String>,
    /// `YYYY-MM-DD`, inclusive (the whole day).
    to: Option<String>,
    page: Option<u64>,
}

fn blank_to_none(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl AuditQuery {
    fn to_filter(&self) -> Result<AuditFilter, AppError> {
        let date = |field: &'static str, v: Option<String>, add_days: i64| -> Result<_, AppError> {
            v.map(|d| {
                NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .map(|n| {
                        Utc.from_utc_datetime(
                            &(n + chrono::Duration::days(add_days))
                                .and_hms_opt(0, 0, 0)
                                .unwrap_or_default(),
                        )
                    })
                    .map_err(|_| AppError::invalid(field, Msg::new("error.date_invalid").arg("value", d)))
            })
            .transpose()
        };
        let user_id = blank_to_none(&self.user_id)
            .map(|u| {
                u.parse::<i32>()
                    .map_err(|_| AppError::invalid("user_id", Msg::new("error.number_invalid").arg("value", u)))
            })
            .transpose()?;
        Ok(AuditFilter {
            user_id,
            action: blank_to_none(&self.action),
            record_type: blank_to_none(&self.record_type),
            record_id: blank_to_none(&self.record_id),
            from: date("from", blank_to_none(&self.from), 0)?,
            to: date("to", blank_to_none(&self.to), 1)?,
        })
    }
}

#[handler]
pub async fn audit_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    q: Query<AuditQuery>,
) -> Result<Response, AppError> {
    ctx.staff(Capability::ReadAuditLog)?;
    let q = q.0;
    let (page, error) = match q.to_filter() {
        Ok(filter) => (
            super::list(&state.db, &filter, PageRequest::new(q.page, None)?).await?,
            String::new(),
        ),
        Err(e) => {
            let text = crate::web::error_text(&state, ctx.lang, &e);
            (
                crate::pagination::Page::new(Vec::new(), PageRequest::default(), 0),
                text,
            )
        }
    };
    let filters = json!({
        "user_id": q.user_id.unwrap_or_default(),
        "action": q.action.unwrap_or_default(),
        "record_type": q.record_type.unwrap_or_default(),
        "record_id": q.record_id.unwrap_or_default(),
        "from": q.from.unwrap_or_default(),
        "to": q.to.unwrap_or_default(),
    });
    let query_string = serde_urlencoded::to_string(
        filters
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    )
    .unwrap_or_default();
    let names = super::names_by_label(&state.db, page.items.iter().map(|e| e.actor.as_str())).await?;
    let page = page.map(|e| {
        let name = super::name_of(&names, &e.actor);
        let mut v = json!(e);
        v["actor_name"] = json!(name);
        v
    });
    let vars = json!({ "page": page, "filters": filters, "error": error, "query": query_string });
    Ok(render(&state, &ctx, "audit/list.html", vars)?.into_response())
}

/// Adds the audit log's portal page to `route`.
pub fn routes(route: poem::Route) -> poem::Route {
    route.at("/admin/audit", poem::get(audit_page))
}
