//! "My mentees" (mentors): the list with its search, one mentee's page with past help sessions,
//! and the form that records a session.

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::PageResult;
use crate::auth::Capability;
use crate::clock::today;
use crate::error::AppError;
use crate::mentor::sessions::{self, MODES, SessionInput};
use crate::state::AppState;
use crate::web::{PortalCtx, form_errors, is_form_error, no_errors, redirect, render};

/// The "my mentees" search: a name, and `only=overdue`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MenteeQuery {
    q: String,
    only: String,
}

#[handler]
pub async fn my_mentees(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<MenteeQuery>) -> PageResult {
    let me = ctx.staff(Capability::RecordHelpSessions)?;
    let all = sessions::my_mentees(&state.db, me.id, today()).await?;
    let total = all.len();
    // A name typed in the search box (at most 20 characters, compared as typed, trimmed).
    let wanted: String = q.0.q.trim().chars().filter(|c| !c.is_control()).take(20).collect();
    let only_overdue = q.0.only == "overdue";
    let rows: Vec<&sessions::Mentee> = all
        .iter()
        .filter(|m| wanted.is_empty() || m.student.contains(&wanted))
        .filter(|m| !only_overdue || m.overdue || m.back_on_ledger.is_some())
        .collect();
    let vars = json!({
        "rows": rows, "total": total, "days": sessions::NO_CONTACT_DAYS,
        "q": wanted, "only": if only_overdue { "overdue" } else { "" },
    });
    Ok(render(&state, &ctx, "mentor/my_mentees.html", vars)?.into_response())
}

const SESSION_FIELDS: &[&str] = &["date", "mode", "duration_minutes", "notes", "student_id"];

#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
pub struct SessionForm {
    date: String,
    mode: String,
    duration_minutes: String,
    notes: String,
}

async fn mentee_page_with(
    state: &AppState,
    ctx: &PortalCtx,
    student_id: i32,
    form: &SessionForm,
    errors: Value,
    status: StatusCode,
    saved: bool,
) -> PageResult {
    let me = ctx.staff(Capability::RecordHelpSessions)?;
    let view = sessions::mentee_view(&state.db, me.id, student_id, today()).await?;
    let vars = json!({
        "student": view.student, "roles": view.roles, "past": view.past, "modes": MODES,
        "form": form, "errors": errors, "today": today(), "saved": saved,
    });
    Ok(render(state, ctx, "mentor/mentee.html", vars)?
        .with_status(status)
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[handler]
pub async fn mentee_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    q: Query<SavedQuery>,
) -> PageResult {
    let form = SessionForm {
        date: today().to_string(),
        mode: "home_visit".into(),
        ..Default::default()
    };
    mentee_page_with(
        &state,
        &ctx,
        id.0,
        &form,
        no_errors(SESSION_FIELDS),
        StatusCode::OK,
        q.0.saved.is_some(),
    )
    .await
}

#[handler]
pub async fn record_session(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<SessionForm>,
) -> PageResult {
    let me = ctx.staff(Capability::RecordHelpSessions)?;
    let f = &form.0;
    let result: Result<_, AppError> =
        match SessionInput::parse(&f.date, &f.mode, &f.duration_minutes, &f.notes, today()) {
            Ok(input) => sessions::record_session(&state.db, me, Some(ctx.client_ip.clone()), id.0, input).await,
            Err(e) => Err(e),
        };
    match result {
        Ok(_) => Ok(redirect(&format!("/my-mentees/{}?saved=1", id.0))),
        Err(e) if is_form_error(&e) => {
            let errors = form_errors(&state, ctx.lang, SESSION_FIELDS, &e);
            mentee_page_with(&state, &ctx, id.0, f, errors, StatusCode::UNPROCESSABLE_ENTITY, false).await
        }
        Err(e) => Err(e),
    }
}
