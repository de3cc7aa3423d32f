//! Portal page for reporting (报到): a school's offers of a year as a class list, 100 a page — tick
//! the students who reported and confirm them at once, record a declined offer with its reason,
//! record that a student at school left (辍学, 休学 with a return date, 转学 with the new school),
//! and close reporting (every offer still waiting becomes a no-show). Moves parameters; the work is in
//! [`follow_through`].

use std::collections::HashMap;

use chrono::Datelike;
use entity::placement::PlacementStatus;
use poem::web::{Data, Form, Path};
use poem::{IntoResponse, Response, handler};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{follow_through, programmes};
use crate::auth::Capability;
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::{PortalCtx, error_text, redirect, render};

type PageResult = Result<Response, AppError>;

/// Which class list: a school's offers of a year.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ClassQuery {
    intake_year: String,
    school_id: String,
    page: String,
}

impl ClassQuery {
    /// The intake year asked for, or this year.
    pub(crate) fn year(&self) -> i32 {
        self.intake_year
            .trim()
            .parse()
            .unwrap_or_else(|_| chrono::Utc::now().year())
    }

    /// The school asked for, if any.
    pub(crate) fn school(&self) -> Option<i32> {
        self.school_id.trim().parse().ok()
    }

    /// The year and school as a query string (the pager adds the page).
    pub(crate) fn query_string(&self) -> String {
        serde_urlencoded::to_string([("intake_year", &self.intake_year), ("school_id", &self.school_id)])
            .unwrap_or_default()
    }
}

async fn show(state: &AppState, ctx: &PortalCtx, q: &ClassQuery, error: String) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let year = q.year();
    let schools = programmes::list_schools(&state.db).await?;
    let school = q.school().or_else(|| schools.first().map(|s| s.id));
    let progs = programmes::list_programmes(&state.db, Some(year), school).await?;
    let names: HashMap<i32, String> = progs.iter().map(|p| (p.id, format!("{} {}", p.code, p.name))).collect();
    let req = PageRequest::new(q.page.trim().parse().ok(), Some(100))?;
    let found = follow_through::class_list(&state.db, year, names.keys().copied().collect(), req).await?;
    let (offers, total) = (found.items, found.total);
    let ids: Vec<i32> = offers.iter().map(|p| p.student_id).collect();
    let (students, _) = crate::student::students::students_with_households(&state.db, &ids).await?;
    let rows: Vec<Value> = offers
        .iter()
        .map(|p| {
            let s = students.get(&p.student_id);
            json!({
                "id": p.id, "student_id": p.student_id, "status": p.status,
                "name": s.map(|s| s.name.clone()).unwrap_or_default(),
                "national_id": s.map(|s| s.national_id_masked.clone()).unwrap_or_default(),
                "programme": names.get(&p.programme_id).cloned().unwrap_or_default(),
                "reason": p.release_reason,
                "declined": p.status == PlacementStatus::Declined,
                "waiting": p.released_at.is_none() && p.status == PlacementStatus::Offered,
                "studying": p.released_at.is_none() && matches!(p.status, PlacementStatus::Reported | PlacementStatus::Suspended),
            })
        })
        .collect();
    let page = crate::pagination::Page::new(rows, req, total);
    let vars = json!({
        "year": year,
        "school_id": school,
        "schools": schools.iter().map(|s| json!({"id": s.id, "name": s.name})).collect::<Vec<_>>(),
        "page": page,
        "query": ClassQuery { intake_year: year.to_string(), school_id: school.map(|s| s.to_string()).unwrap_or_default(), page: String::new() }.query_string(),
        "reasons": follow_through::DeclineReason::ALL,
        "can_edit": me.can(Capability::RunRouting),
        "tomorrow": crate::clock::today() + chrono::Days::new(1),
        "error": error,
    });
    let status = if vars["error"].as_str().is_some_and(|e| !e.is_empty()) {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        poem::http::StatusCode::OK
    };
    Ok(render(state, ctx, "admissions/reporting.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn class_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: poem::web::Query<ClassQuery>) -> PageResult {
    show(&state, &ctx, &q.0, String::new()).await
}

/// The posted form as name-value pairs (checkboxes repeat `ids`).
async fn pairs(body: poem::Body) -> Result<Vec<(String, String)>, AppError> {
    let bytes = body
        .into_bytes()
        .await
        .map_err(|_| AppError::BadRequest(crate::i18n::Msg::new("error.body_unreadable")))?;
    Ok(serde_urlencoded::from_bytes(&bytes).unwrap_or_default())
}

fn value(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn back(pairs: &[(String, String)]) -> ClassQuery {
    serde_urlencoded::from_str(&value(pairs, "back")).unwrap_or_default()
}

/// After an action: back to the list, or the list with the error.
async fn answer<T>(state: &AppState, ctx: &PortalCtx, back: &ClassQuery, done: Result<T, AppError>) -> PageResult {
    match done {
        Ok(_) => Ok(redirect(&format!("/reporting?{}", back.query_string()))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::NotFound(_))) => {
            show(state, ctx, back, error_text(state, ctx.lang, &e)).await
        }
        Err(e) => Err(e),
    }
}

/// Confirms the ticked students reported.
#[handler]
pub async fn confirm(state: Data<&AppState>, ctx: Data<&PortalCtx>, body: poem::Body) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let pairs = pairs(body).await?;
    let ids: Vec<i32> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let done = follow_through::confirm_reported(&state.db, &me.actor(Some(ctx.client_ip.clone())), &ids).await;
    answer(&state, &ctx, &back(&pairs), done).await
}

/// Records a declined offer.
#[handler]
pub async fn decline(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>, body: poem::Body) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let pairs = pairs(body).await?;
    let note = value(&pairs, "note");
    let actor = me.actor(Some(ctx.client_ip.clone()));
    let done = follow_through::decline(&state.db, &actor, id.0, &value(&pairs, "reason"), Some(&note)).await;
    answer(&state, &ctx, &back(&pairs), done).await
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    back: String,
}

/// Closes reporting for the school of the list: offers still waiting become no-shows.
#[handler]
pub async fn close(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<CloseForm>) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let back: ClassQuery = serde_urlencoded::from_str(&form.0.back).unwrap_or_default();
    let Some(school) = back.school() else {
        return Err(AppError::NotFound("school"));
    };
    let actor = me.actor(Some(ctx.client_ip.clone()));
    let done = follow_through::close_reporting(&state.db, &state.config, &actor, back.year(), Some(school)).await;
    answer(&state, &ctx, &back, done).await
}

/// Records that a student at school left it: dropout, suspension with a return date, or transfer
/// with the new school (the row's form on the class list).
#[handler]
pub async fn leave(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>, body: poem::Body) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let pairs = pairs(body).await?;
    let leaving = follow_through::Leaving::parse(
        &value(&pairs, "kind"),
        &value(&pairs, "return_on"),
        &value(&pairs, "destination"),
    );
    let actor = me.actor(Some(ctx.client_ip.clone()));
    let note = value(&pairs, "note");
    let done = match leaving {
        Ok(l) => follow_through::record_leaving(&state.db, &state.config, &actor, id.0, l, Some(&note)).await,
        Err(e) => Err(e),
    };
    answer(&state, &ctx, &back(&pairs), done).await
}
