//! Portal pages for students: search (with CSV/XLSX export), the student's archive page with the
//! audited ID reveal and entry forms, and the follow-up list.

mod entries;
mod list;

pub use entries::{FollowUpQuery, NewEntryQuery, create_entry, follow_ups_page, new_entry_page};
pub use list::{ExportFormat, SearchQuery, export_list, list_page};

use chrono::Utc;
use poem::web::{Data, Form, Path};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::entry_form::{self};
use super::students::{self};
use crate::auth::{Capability, CurrentUser};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{PortalCtx, redirect, render};

pub(crate) type PageResult = Result<Response, AppError>;

/// An archive entry for the page, with its fields as an ordered list (see [`super::entry_fields`]).
fn entry_json(e: &students::EntryView) -> Value {
    let mut v = json!(e);
    v["fields"] = json!(super::entry_fields::entry_fields(e.kind.as_str(), &e.details));
    v
}

/// The student as their page shows them (IDs masked, the phone as `me` may see it).
fn student_json(s: &students::ListedStudent, me: &CurrentUser) -> serde_json::Value {
    json!({
        "id": s.id, "name": s.name, "sex": s.sex.as_str(), "national_id": s.national_id_masked,
        "birth_date": s.birth_date.to_string(), "household_number": s.household_number, "town": s.town,
        "village": s.village, "school": s.junior_high_school, "graduation_year": s.graduation_year,
        "senior_high_status": s.senior_high_status.as_str(), "status": s.current_status,
        "programme": s.current_programme.clone().unwrap_or_default(), "phone": me.phone_view(s.phone.as_deref()).unwrap_or_default(),
    })
}

#[handler]
pub async fn student_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ReadStudents)?;
    show_student(&state, &ctx, id.0, None).await
}

async fn show_student(state: &AppState, ctx: &PortalCtx, id: i32, revealed: Option<String>) -> PageResult {
    show_student_with(state, ctx, id, revealed, String::new()).await
}

async fn show_student_with(
    state: &AppState,
    ctx: &PortalCtx,
    id: i32,
    revealed: Option<String>,
    prefs_error: String,
) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let profile = super::profile::profile(&state.db, id, Utc::now().date_naive()).await?;
    let mut r = profile.record;
    r.entries = std::mem::take(&mut r.entries)
        .into_iter()
        .map(|e| e.for_viewer(me))
        .collect();
    let shown = students::ListedStudent::of(r.student, &r.household);
    let mut student = student_json(&shown, me);
    student["guardian"] = json!(shown.guardian.unwrap_or_default());
    student["exam_score"] = json!(shown.exam_score.map(|s| s.to_string()).unwrap_or_default());
    student["disability"] = json!(shown.disability);
    student["intended_skill"] = json!(shown.intended_skill.unwrap_or_default());
    let vars = json!({
        "student": student,
        "household": r.household,
        "status": r.status.code(),
        "programme": match &r.status { super::timeline::CurrentStatus::Placed { programme } | super::timeline::CurrentStatus::Enrolled { programme } => programme.clone(), _ => String::new() },
        "entries": r.entries.iter().map(entry_json).collect::<Vec<_>>(),
        "waves": r.waves,
        "revealed": revealed.unwrap_or_default(),
        "can_reveal": me.can(Capability::RevealNationalId),
        "can_write": me.can(Capability::ManageStudents),
        "kinds": entry_form::KINDS,
        "choices": profile
            .choices
            .iter()
            .map(|(p, g)| json!({ "rank": p.rank, "code": g.code, "name": g.name, "confirmed": p.confirmed }))
            .collect::<Vec<_>>(),
        "can_route": me.can(Capability::RunRouting),
        "prefs_error": prefs_error,
        "mentors": profile.mentors,
        "can_mentor": me.can(Capability::ManageMentoring),
        "household_training": profile.household_training,
    });
    let status = if vars["prefs_error"].as_str().is_some_and(|e| !e.is_empty()) {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        poem::http::StatusCode::OK
    };
    Ok(render(state, ctx, "student/show.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn reveal(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::RevealNationalId)?;
    let clear = students::reveal_national_id(&state.db, &state.vault, me, Some(ctx.client_ip.clone()), id.0).await?;
    show_student(&state, &ctx, id.0, Some(clear)).await
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    codes: String,
}

/// Sets the student's choices from programme codes typed in order.
#[handler]
pub async fn set_preferences(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<PreferencesForm>,
) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    match crate::admissions::preferences::set_preferences_by_codes(&state.db, &actor, id.0, &form.0.codes).await {
        Ok(()) => Ok(redirect(&format!("/students/{}#choices", id.0))),
        Err(e @ AppError::Invalid(_)) => {
            show_student_with(&state, &ctx, id.0, None, crate::web::error_text(&state, ctx.lang, &e)).await
        }
        Err(e) => Err(e),
    }
}

/// Confirms the recommended choices as they are.
#[handler]
pub async fn confirm_preferences(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    crate::admissions::preferences::confirm(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0).await?;
    Ok(redirect(&format!("/students/{}#choices", id.0)))
}
