//! One ledger line's page: who the student is, why they are on the ledger, the offer they hold
//! again if any, the follow-up log with the form that adds to it, and crossing off with evidence.

use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PageResult, line_why};
use crate::admissions::ledger;
use crate::admissions::ledger_follow_ups::{self, FollowUpRaw};
use crate::auth::Capability;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{PortalCtx, redirect, render};

/// One line: who the student is, why they are on the ledger, the offer they hold again if any,
/// the follow-up log with a form to add to it, and crossing off with evidence.
#[handler]
pub async fn line_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    q: Query<SavedQuery>,
) -> PageResult {
    let notice = if q.0.saved.is_some() {
        state.i18n.get(ctx.lang, "ledger.follow_up_saved")
    } else {
        String::new()
    };
    show_line(&state, &ctx, id.0, FollowUpForm::default(), String::new(), notice).await
}

/// `?saved=1` after a follow-up was recorded.
#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The follow-up form's fields, each of which may carry its own error.
const FOLLOW_UP_FIELDS: &[&str] = &["followed_on", "who", "who_name", "how", "outcome", "next_step"];

/// What a line's page shows besides the line: the follow-up form as typed, a notice or error, and
/// the form's errors by field.
struct LinePage {
    form: FollowUpForm,
    error: String,
    notice: String,
    errors: Value,
}

pub(super) async fn show_line(
    state: &AppState,
    ctx: &PortalCtx,
    id: i32,
    form: FollowUpForm,
    error: String,
    notice: String,
) -> PageResult {
    let page = LinePage {
        form,
        error,
        notice,
        errors: json!({}),
    };
    show_line_with(state, ctx, id, page).await
}

async fn show_line_with(state: &AppState, ctx: &PortalCtx, id: i32, page: LinePage) -> PageResult {
    let LinePage {
        form,
        error,
        notice,
        errors,
    } = page;
    let me = ctx.staff(Capability::ReadStudents)?;
    let ledger::LineView {
        mut line,
        follow_ups,
        holds,
    } = ledger::line_view(&state.db, id).await?;
    line.phone = me.phone_view(line.phone.as_deref());
    let why = line_why(state, ctx.lang, &line);
    let today = crate::clock::today();
    let overdue = ledger_follow_ups::is_overdue(&line.entry, today);
    let form = if form.followed_on.is_empty() {
        FollowUpForm {
            followed_on: today.to_string(),
            ..form
        }
    } else {
        form
    };
    let vars = json!({
        "line": line, "why": why, "follow_ups": follow_ups, "holds": holds, "overdue": overdue,
        "can_follow_up": me.can(Capability::FollowUpLedger), "can_close": me.can(Capability::RunRouting),
        "reasons": ledger::REASONS, "who": ledger_follow_ups::WHO, "how": ledger_follow_ups::HOW,
        "form": form, "error": error, "notice": notice, "today": today, "errors": errors,
    });
    let refused = !vars["error"].as_str().unwrap_or_default().is_empty()
        || vars["errors"]
            .as_object()
            .is_some_and(|m| m.values().any(|v| v.as_str().is_some_and(|e| !e.is_empty())));
    let status = if !refused {
        poem::http::StatusCode::OK
    } else {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(state, ctx, "admissions/ledger_line.html", vars)?
        .with_status(status)
        .into_response())
}

/// The follow-up form, as typed (kept on a refusal so nothing has to be typed again).
#[derive(Deserialize, Default, serde::Serialize)]
pub struct FollowUpForm {
    #[serde(default)]
    followed_on: String,
    #[serde(default)]
    who: String,
    #[serde(default)]
    who_name: String,
    #[serde(default)]
    how: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    next_step: String,
}

/// Records a follow-up from the line's page.
#[handler]
pub async fn add_follow_up(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<FollowUpForm>,
) -> PageResult {
    let me = ctx.staff(Capability::FollowUpLedger)?;
    let f = form.0;
    let raw = FollowUpRaw {
        followed_on: f.followed_on.clone(),
        who: f.who.clone(),
        who_name: f.who_name.clone(),
        how: f.how.clone(),
        outcome: f.outcome.clone(),
        next_step: Some(f.next_step.clone()),
    };
    let result = match raw.parse(crate::clock::today()) {
        Ok(new) => ledger_follow_ups::record(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0, new).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/ledger/{}?saved=1", id.0))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let errors = crate::web::form_errors(&state, ctx.lang, FOLLOW_UP_FIELDS, &e);
            let error = errors["_form"].as_str().unwrap_or_default().to_string();
            let page = LinePage {
                form: f,
                error,
                notice: String::new(),
                errors,
            };
            show_line_with(&state, &ctx, id.0, page).await
        }
        Err(e) => Err(e),
    }
}
