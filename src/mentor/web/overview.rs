//! The mentoring overview (the proposal to preview and confirm), the list of all assignments and
//! the overdue list.

use entity::mentor_assignment::AssignmentStatus;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{IntoResponse, handler};
use sea_orm::Iterable;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PageResult, year_or_latest};
use crate::auth::Capability;
use crate::clock::today;
use crate::i18n::Msg;
use crate::mentor::assignments::{self, AssignmentFilter};
use crate::mentor::sessions;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;
use crate::web::{PortalCtx, error_text, is_form_error, redirect, render};

/// Rows of a proposal shown on the page; the rest are counted (the confirmation takes them all).
const SHOWN: usize = 500;

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default, deserialize_with = "crate::web::opt_number")]
    pub(super) year: Option<i32>,
    #[serde(default, deserialize_with = "crate::web::opt_number")]
    confirmed: Option<usize>,
}

async fn overview(
    state: &AppState,
    ctx: &PortalCtx,
    year: Option<i32>,
    notice: Value,
    status: StatusCode,
) -> PageResult {
    let Some(year) = year_or_latest(state, year).await? else {
        return Ok(render(
            state,
            ctx,
            "mentor/overview.html",
            json!({ "year": null, "notice": notice }),
        )?
        .with_status(status)
        .into_response());
    };
    let view = assignments::proposal(&state.db, year).await?;
    let overdue = sessions::overdue(&state.db, today(), None).await?.len();
    let vars = json!({
        "year": year,
        "view": {
            "digest": view.digest, "placed": view.placed, "complete": view.complete,
            "count": view.assignments.len(), "uncovered_count": view.uncovered.len(),
            "assignments": view.assignments.iter().take(SHOWN).collect::<Vec<_>>(),
            "uncovered": view.uncovered.iter().take(SHOWN).collect::<Vec<_>>(),
        },
        "shown": SHOWN,
        "overdue": overdue,
        "notice": notice,
    });
    Ok(render(state, ctx, "mentor/overview.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn overview_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<YearQuery>) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let notice = match q.0.confirmed {
        Some(n) => {
            json!({ "kind": "ok", "text": state.i18n.text(ctx.lang, &Msg::new("mentoring.confirmed").arg("count", n)) })
        }
        None => Value::Null,
    };
    overview(&state, &ctx, q.0.year, notice, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    year: i32,
    digest: String,
}

#[handler]
pub async fn confirm(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<ConfirmForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageMentoring)?;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    match assignments::confirm(&state.db, &actor, form.0.year, &form.0.digest, &state.config).await {
        Ok(done) => Ok(redirect(&format!(
            "/mentoring?year={}&confirmed={}",
            form.0.year, done.assignments
        ))),
        Err(e) if is_form_error(&e) => {
            let notice = json!({ "kind": "error", "text": error_text(&state, ctx.lang, &e) });
            overview(&state, &ctx, Some(form.0.year), notice, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    page: Option<u64>,
}

#[handler]
pub async fn assignments_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<ListQuery>) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let req = PageRequest::new(q.0.page, None)?;
    // A status that does not exist (a hand-edited address) lists nothing, as it always has.
    let page = match q.0.status.as_str() {
        "" => assignments::list(&state.db, &AssignmentFilter::default(), req).await?,
        s => match AssignmentStatus::parse(s) {
            Some(status) => {
                let filter = AssignmentFilter {
                    status: Some(status),
                    ..Default::default()
                };
                assignments::list(&state.db, &filter, req).await?
            }
            None => Page::new(Vec::new(), req, 0),
        },
    };
    let statuses: Vec<AssignmentStatus> = AssignmentStatus::iter().collect();
    let vars = json!({ "page": page, "status": q.0.status, "query": format!("status={}", q.0.status),
                       "statuses": statuses });
    Ok(render(&state, &ctx, "mentor/assignments.html", vars)?.into_response())
}

#[handler]
pub async fn overdue_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let rows = sessions::overdue(&state.db, today(), None).await?;
    let vars = json!({ "rows": rows, "days": sessions::NO_CONTACT_DAYS });
    Ok(render(&state, &ctx, "mentor/overdue.html", vars)?.into_response())
}
