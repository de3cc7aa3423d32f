//! One student's mentors: the roles in force, the history, and the form with which staff choose a
//! mentor by hand for one role.

use entity::mentor_assignment::MentorRole;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{PageResult, YearQuery, year_or_latest};
use crate::auth::Capability;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::mentor::assignments::{self, Override};
use crate::state::AppState;
use crate::web::{PortalCtx, form_errors, is_form_error, no_errors, redirect, render};

const OVERRIDE_FIELDS: &[&str] = &["role", "mentor_id", "reason"];

#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
pub struct OverrideForm {
    #[serde(deserialize_with = "crate::web::opt_number")]
    year: Option<i32>,
    role: String,
    mentor_id: String,
    reason: String,
}

async fn student_page_with(
    state: &AppState,
    ctx: &PortalCtx,
    student_id: i32,
    year: Option<i32>,
    form: &OverrideForm,
    errors: Value,
    status: StatusCode,
) -> PageResult {
    let view = assignments::student_mentoring(&state.db, student_id, year).await?;
    let vars = json!({
        "student": { "id": view.student_id, "name": view.student },
        "year": view.year, "placed": view.placed, "current": view.current, "history": view.history,
        "candidates": view.candidates, "roles": MentorRole::ALL,
        "form": form, "errors": errors,
    });
    Ok(render(state, ctx, "mentor/student.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn student_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    q: Query<YearQuery>,
) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let form = OverrideForm::default();
    student_page_with(
        &state,
        &ctx,
        id.0,
        q.0.year,
        &form,
        no_errors(OVERRIDE_FIELDS),
        StatusCode::OK,
    )
    .await
}

#[handler]
pub async fn override_one(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<OverrideForm>,
) -> PageResult {
    let me = ctx.staff(Capability::ManageMentoring)?;
    let form = form.0;
    let Some(year) = year_or_latest(&state, form.year).await? else {
        return Err(AppError::Conflict(Msg::new("error.no_committed_run")));
    };
    let input = Override {
        intake_year: year,
        student_id: id.0,
        role: form.role.clone(),
        mentor_id: form.mentor_id.trim().parse().ok(),
        reason: form.reason.clone(),
    };
    match assignments::override_one(&state.db, &me.actor(Some(ctx.client_ip.clone())), input, &state.config).await {
        Ok(_) => Ok(redirect(&format!("/mentoring/students/{}?year={year}", id.0))),
        Err(e) if is_form_error(&e) => {
            let errors = form_errors(&state, ctx.lang, OVERRIDE_FIELDS, &e);
            student_page_with(
                &state,
                &ctx,
                id.0,
                Some(year),
                &form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
