//! Portal page for reporting windows (报到安排): each school's window for an intake year, a form per
//! school for admissions staff, and the link to print the school's admission letters. Moves
//! parameters; the work is in [`reporting`].

use chrono::Datelike;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::reporting::{self, WindowInput, WindowRaw};
use crate::auth::Capability;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{PortalCtx, form_errors, is_form_error, no_errors, opt_number, redirect, render};

type PageResult = Result<Response, AppError>;

const FIELDS: &[&str] = &["starts_on", "ends_on", "place", "bring", "contact"];

#[derive(Deserialize, Default)]
pub struct WindowsQuery {
    #[serde(default, deserialize_with = "opt_number")]
    intake_year: Option<i32>,
}

/// One school's window form as posted.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct WindowForm {
    school_id: String,
    intake_year: String,
    starts_on: String,
    ends_on: String,
    place: String,
    bring: String,
    contact: String,
}

impl WindowForm {
    fn of(w: &entity::reporting_window::Model) -> WindowForm {
        WindowForm {
            school_id: w.school_id.to_string(),
            intake_year: w.intake_year.to_string(),
            starts_on: w.starts_on.to_string(),
            ends_on: w.ends_on.to_string(),
            place: w.place.clone(),
            bring: w.bring.clone(),
            contact: w.contact.clone(),
        }
    }

    fn parse(&self) -> Result<WindowInput, AppError> {
        // The two ids come from the page itself; unreadable ones can only be a tampered form.
        let number = |v: &str| v.trim().parse::<i64>().ok();
        let (Some(school_id), Some(intake_year)) = (number(&self.school_id), number(&self.intake_year)) else {
            return Err(AppError::NotFound("school"));
        };
        WindowInput::parse(&WindowRaw {
            school_id: i32::try_from(school_id).map_err(|_| AppError::NotFound("school"))?,
            intake_year,
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            place: self.place.clone(),
            bring: self.bring.clone(),
            contact: self.contact.clone(),
        })
    }
}

/// The page for `year`; `failed` is a school's form sent back with its errors.
async fn show(
    state: &AppState,
    ctx: &PortalCtx,
    year: i32,
    failed: Option<(i32, &WindowForm, Value)>,
    status: StatusCode,
) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let windows = reporting::windows_of_year(&state.db, year).await?;
    let rows: Vec<Value> = super::programmes::list_schools(&state.db)
        .await?
        .into_iter()
        .map(|s| {
            let window = windows.get(&s.id);
            let (form, errors) = match &failed {
                Some((id, form, errors)) if *id == s.id => (json!(form), errors.clone()),
                _ => (
                    json!(window.map(WindowForm::of).unwrap_or_default()),
                    no_errors(FIELDS),
                ),
            };
            let updated = window.map(|w| w.updated_at.with_timezone(&crate::clock::china()).format("%Y-%m-%d %H:%M").to_string());
            json!({ "id": s.id, "name": s.name, "set": window.is_some(), "updated": updated, "form": form, "errors": errors })
        })
        .collect();
    let vars = json!({ "year": year, "schools": rows, "can_edit": me.can(Capability::RunRouting) });
    Ok(render(state, ctx, "admissions/reporting_windows.html", vars)?
        .with_status(status)
        .into_response())
}

fn this_year() -> i32 {
    crate::clock::today().year()
}

#[handler]
pub async fn windows_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<WindowsQuery>) -> PageResult {
    let year = q.0.intake_year.unwrap_or_else(this_year);
    show(&state, &ctx, year, None, StatusCode::OK).await
}

#[handler]
pub async fn set_window(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<WindowForm>) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let form = form.0;
    let result = match form.parse() {
        Ok(input) => reporting::set_window(&state.db, &me.actor(Some(ctx.client_ip.clone())), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(w) => Ok(redirect(&format!(
            "/reporting-windows?intake_year={}#school-{}",
            w.intake_year, w.school_id
        ))),
        Err(e) if is_form_error(&e) => {
            let school_id = form.school_id.trim().parse().unwrap_or_default();
            let year = form.intake_year.trim().parse().unwrap_or_else(|_| this_year());
            let errors = form_errors(&state, ctx.lang, FIELDS, &e);
            show(&state, &ctx, year, Some((school_id, &form, errors)), e.status()).await
        }
        Err(e) => Err(e),
    }
}
