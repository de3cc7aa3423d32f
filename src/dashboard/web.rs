//! The dashboard page (charts with their tables, CSV/XLSX export of each table) and the printable
//! one-page summary per school and year.

use poem::web::{Data, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::json;

use super::figures::{self, Figures, Filter};
use super::svg::{self, AMBER, BLUE, Bar, GREEN, GREY, RED};
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

/// The charts, drawn from the figures.
fn charts(f: &Figures) -> serde_json::Value {
    let funnel = svg::bars(
        "分流去向",
        &[
            Bar {
                label: "应分流".into(),
                segments: vec![(f.funnel.eligible as f64, BLUE)],
                note: f.funnel.eligible.to_string(),
            },
            Bar {
                label: "已录取".into(),
                segments: vec![(f.funnel.placed as f64, GREEN)],
                note: f.funnel.placed.to_string(),
            },
            Bar {
                label: "台账在册".into(),
                segments: vec![(f.funnel.on_ledger as f64, AMBER)],
                note: f.funnel.on_ledger.to_string(),
            },
            Bar {
                label: "已销号".into(),
                segments: vec![(f.funnel.crossed_off as f64, GREY)],
                note: f.funnel.crossed_off.to_string(),
            },
        ],
        None,
    );
    let fill = svg::bars(
        "专业录取情况",
        &f.fill
            .iter()
            .map(|p| Bar {
                label: p.name.clone(),
                segments: vec![
                    (p.placed as f64, BLUE),
                    ((p.capacity as f64 - p.placed as f64).max(0.0), "#cfd8e3"),
                ],
                note: format!("{}/{}", p.placed, p.capacity),
            })
            .collect::<Vec<_>>(),
        None,
    );
    let loads = svg::bars(
        "导师帮扶负担",
        &f.loads
            .iter()
            .take(20)
            .map(|l| Bar {
                label: l.name.clone(),
                segments: vec![
                    ((l.mentees as f64 - l.overdue as f64).max(0.0), GREEN),
                    (l.overdue as f64, RED),
                ],
                note: format!("{}/{}", l.mentees, l.max),
            })
            .collect::<Vec<_>>(),
        None,
    );
    let outcomes = svg::bars(
        "毕业生就业情况",
        &f.outcomes
            .iter()
            .map(|o| Bar {
                label: format!("{} 个月", o.months),
                segments: vec![
                    (o.employed as f64, GREEN),
                    (o.further_study as f64, BLUE),
                    (o.not_employed as f64, RED),
                    (o.unknown as f64, GREY),
                ],
                note: o.reached.to_string(),
            })
            .collect::<Vec<_>>(),
        None,
    );
    let waves = svg::bars(
        "跟踪回访",
        &f.waves
            .iter()
            .map(|w| Bar {
                label: format!("{} 个月", w.months),
                segments: vec![(w.due as f64, AMBER), (w.overdue as f64, RED)],
                note: format!("{} + {}", w.due, w.overdue),
            })
            .collect::<Vec<_>>(),
        None,
    );
    let t = &f.training;
    let training = svg::bars(
        "农民培训",
        &[
            Bar {
                label: "报名".into(),
                segments: vec![(t.confirmed as f64, BLUE)],
                note: t.confirmed.to_string(),
            },
            Bar {
                label: "候补".into(),
                segments: vec![(t.waitlisted as f64, AMBER)],
                note: t.waitlisted.to_string(),
            },
            Bar {
                label: "参训".into(),
                segments: vec![(t.attended as f64, GREEN)],
                note: t.attended.to_string(),
            },
            Bar {
                label: "结业证书".into(),
                segments: vec![(t.certificates as f64, GREEN)],
                note: t.certificates.to_string(),
            },
        ],
        None,
    );
    json!({
        "funnel": funnel, "fill": fill, "loads": loads, "outcomes": outcomes, "waves": waves, "training": training,
        "loads_legend": svg::legend(&[("按时联系", GREEN), ("逾期未联系", RED)]),
        "outcomes_legend": svg::legend(&[("就业", GREEN), ("升学", BLUE), ("未就业", RED), ("情况不明", GREY)]),
        "waves_legend": svg::legend(&[("待回访", AMBER), ("已逾期", RED)]),
    })
}

/// Renders the dashboard (also the home page of staff who read students).
pub async fn render_dashboard(
    state: &AppState,
    ctx: &PortalCtx,
    q: &DashQuery,
    print: bool,
) -> Result<Response, AppError> {
    ctx.staff(Capability::ReadStudents)?;
    let (f, years) = load(state, q).await?;
    if let Some(name) = &q.export {
        let table = figures::table(&f, name).ok_or(AppError::NotFound("table"))?;
        let scope = f
            .filter
            .school_id
            .map(|s| format!("school{s}"))
            .unwrap_or_else(|| "county".into());
        return crate::export::respond(
            &table,
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
    let vars =
        json!({ "f": f, "years": years, "schools": schools, "charts": charts(&f), "query": query, "print": print });
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
