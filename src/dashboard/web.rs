//! The dashboard page (headline figures, charts with their tables, CSV/XLSX export of each table)
//! and the printable one-page summary per school and year. The home page shows the dashboard too,
//! so its exports are answered there as well (`exports_on_home`). Handlers only; the figures are
//! in `figures`, the drawing in `charts`.

use std::sync::Arc;

use poem::web::{Data, Query};
use poem::{Endpoint, IntoResponse, Request, Response, handler};
use serde::Deserialize;
use serde_json::json;

use super::charts::{self, Rights};
use super::figures::{self, Figures, Filter};
use crate::auth::Capability;
use crate::clock::today;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{PortalCtx, render};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DashQuery {
    #[serde(deserialize_with = "crate::web::opt_number")]
    year: Option<i32>,
    #[serde(deserialize_with = "crate::web::opt_number")]
    school: Option<i32>,
    /// A table to download (`funnel`, `fill`, `loads`, `waves`, `outcomes`, `training`).
    export: Option<String>,
    format: Option<String>,
}

async fn load(state: &AppState, q: &DashQuery) -> Result<(Figures, Vec<i32>), AppError> {
    let years = figures::years(&state.db).await?;
    let year = q
        .year
        .or_else(|| years.first().copied())
        .unwrap_or_else(|| chrono::Datelike::year(&today()));
    let f = figures::figures(
        &state.db,
        Filter {
            year,
            school_id: q.school,
        },
        today(),
    )
    .await?;
    Ok((f, years))
}

/// Renders the dashboard (also the home page of staff who read students), or one of its tables
/// when `export=` is asked for.
pub async fn render_dashboard(
    state: &AppState,
    ctx: &PortalCtx,
    q: &DashQuery,
    print: bool,
) -> Result<Response, AppError> {
    let me = ctx.staff(Capability::ReadStudents)?;
    let rights = Rights {
        mentoring: me.can(Capability::ManageMentoring),
        training: me.can(Capability::ManageTraining),
    };
    let (f, years) = load(state, q).await?;
    let tr = |key: &str, args: &[(&str, String)]| {
        state
            .i18n
            .render(ctx.lang, key, args.iter().map(|(k, v)| (*k, v.as_str())))
    };
    if let Some(name) = &q.export {
        let sheet = super::tables::table(&f, name, &|k| tr(k, &[])).ok_or(AppError::NotFound("table"))?;
        let scope = f
            .filter
            .school_id
            .map(|s| format!("school{s}"))
            .unwrap_or_else(|| "county".into());
        return crate::export::respond_sheet(
            &sheet,
            &format!("{name}-{}-{scope}", f.filter.year),
            q.format.as_deref().unwrap_or("csv"),
        );
    }
    let schools = crate::admissions::programmes::list_schools(&state.db).await?;
    let query = format!(
        "year={}{}",
        f.filter.year,
        f.filter.school_id.map(|s| format!("&school={s}")).unwrap_or_default()
    );
    let vars = json!({
        "f": f, "years": years, "schools": schools, "query": query, "print": print,
        "charts": charts::charts(&f, &tr, rights), "headline": charts::headline(&f, &tr, rights),
    });
    let template = if print {
        "dashboard/summary.html"
    } else {
        "dashboard/index.html"
    };
    Ok(render(state, ctx, template, vars)?.into_response())
}

#[handler]
pub async fn dashboard(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    q: Query<DashQuery>,
) -> Result<Response, AppError> {
    render_dashboard(&state, &ctx, &q.0, false).await
}

#[handler]
pub async fn summary(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<DashQuery>) -> Result<Response, AppError> {
    render_dashboard(&state, &ctx, &q.0, true).await
}

/// Around the home page: `/?export=…&format=…` downloads the table as `/dashboard` does (the
/// dashboard is shown on the home page, so its links may point here); anything else goes on to
/// the home page.
pub async fn exports_on_home<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let q: DashQuery = req.params().unwrap_or_default();
    let (Some(_), Some(state), Some(ctx)) = (&q.export, req.data::<AppState>(), req.data::<PortalCtx>()) else {
        return ep.call(req).await.map(IntoResponse::into_response);
    };
    render_dashboard(state, ctx, &q, false).await.map_err(Into::into)
}

/// Adds the dashboard's portal pages to `route`.
pub fn routes(route: poem::Route) -> poem::Route {
    route
        .at("/dashboard", poem::get(dashboard))
        .at("/dashboard/summary", poem::get(summary))
}
