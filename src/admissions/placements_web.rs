//! Portal page for direct placements (直接录取): the year's direct placements with their reasons,
//! and the form to place a student by hand (a late registration, an appeal). Moves parameters;
//! the work is in [`placements`].

use std::collections::HashMap;

use poem::web::{Data, Form, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::placements::{self, DirectPlacement};
use super::programmes;
use crate::auth::Capability;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::state::AppState;
use crate::web::{PortalCtx, error_text, redirect, render};

#[derive(Deserialize, Default)]
pub struct PlacementsQuery {
    intake_year: Option<String>,
    student: Option<String>,
}

/// The rows of the year's direct placements, with student and programme names.
pub(super) async fn direct_rows(state: &AppState, year: i32) -> Result<Vec<Value>, AppError> {
    let list = placements::direct(&state.db, year).await?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = list.iter().map(|p| p.student_id).collect();
    let (students, _) = crate::student::students::students_with_households(&state.db, &ids).await?;
    let names: HashMap<i32, String> = programmes::list_programmes(&state.db, Some(year), None)
        .await?
        .into_iter()
        .map(|p| (p.id, format!("{} {}", p.code, p.name)))
        .collect();
    let staff = crate::audit::names_by_label(&state.db, list.iter().map(|p| p.placed_by.as_str())).await?;
    Ok(list
        .into_iter()
        .map(|p| {
            json!({
                "student_id": p.student_id,
                "name": students.get(&p.student_id).map(|s| s.name.clone()).unwrap_or_default(),
                "programme": names.get(&p.programme_id).cloned().unwrap_or_default(),
                "reason": p.direct_reason,
                "by": crate::audit::name_of(&staff, &p.placed_by),
                "at": p.placed_at.format("%Y-%m-%d %H:%M").to_string(),
            })
        })
        .collect())
}

async fn show(state: &AppState, ctx: &PortalCtx, year: i32, form: Value, error: String) -> Result<Response, AppError> {
    let me = ctx.staff(Capability::ReadStudents)?;
    // Each programme with its seats left, so a clerk picks one that can take the student.
    let taken = placements::taken_per_programme(&state.db, year).await?;
    let choices: Vec<Value> = programmes::list_programmes(&state.db, Some(year), None)
        .await?
        .into_iter()
        .map(|p| {
            let left = i64::from(p.capacity) - taken.get(&p.id).copied().unwrap_or(0);
            let seats = state.i18n.render(
                ctx.lang,
                "direct.seats_left",
                [
                    ("left", left.to_string().as_str()),
                    ("capacity", p.capacity.to_string().as_str()),
                ],
            );
            let label = state.i18n.render(
                ctx.lang,
                "direct.programme_option",
                [
                    ("code", p.code.as_str()),
                    ("name", p.name.as_str()),
                    ("seats", seats.as_str()),
                ],
            );
            json!({ "id": p.id, "label": label })
        })
        .collect();
    let vars = json!({
        "year": year,
        "rows": direct_rows(state, year).await?,
        "programmes": choices,
        "can_place": me.can(Capability::RunRouting),
        "form": form,
        "error": error,
    });
    let status = if vars["error"].as_str().is_some_and(|e| !e.is_empty()) {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        poem::http::StatusCode::OK
    };
    Ok(render(state, ctx, "admissions/placements.html", vars)?
        .with_status(status)
        .into_response())
}

fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

#[handler]
pub async fn placements_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    q: Query<PlacementsQuery>,
) -> Result<Response, AppError> {
    let year =
        q.0.intake_year
            .as_deref()
            .and_then(|y| y.trim().parse().ok())
            .unwrap_or_else(this_year);
    let form = json!({ "student_id": q.0.student.unwrap_or_default() });
    show(&state, &ctx, year, form, String::new()).await
}

#[derive(Deserialize, Default)]
pub struct PlaceForm {
    #[serde(default)]
    student_id: String,
    #[serde(default)]
    programme_id: String,
    #[serde(default)]
    reason: String,
    /// The year the page showed, to show it again with an error.
    #[serde(default)]
    intake_year: String,
}

#[handler]
pub async fn place(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<PlaceForm>) -> Result<Response, AppError> {
    let me = ctx.staff(Capability::RunRouting)?;
    let f = form.0;
    let number = |field: &'static str, v: &str| {
        v.trim()
            .parse::<i32>()
            .map_err(|_| AppError::invalid(field, Msg::new("error.number_invalid").arg("value", v)))
    };
    let asked = (|| {
        DirectPlacement::parse(
            number("student_id", &f.student_id)?,
            number("programme_id", &f.programme_id)?,
            &f.reason,
        )
    })();
    let result = match asked {
        Ok(req) => placements::place_directly(&state.db, &me.actor(Some(ctx.client_ip.clone())), req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(redirect(&format!("/placements?intake_year={}", p.intake_year))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::NotFound(_))) => {
            let year = f.intake_year.trim().parse().unwrap_or_else(|_| this_year());
            let form = json!({ "student_id": f.student_id, "programme_id": f.programme_id, "reason": f.reason });
            show(&state, &ctx, year, form, error_text(&state, ctx.lang, &e)).await
        }
        Err(e) => Err(e),
    }
}
