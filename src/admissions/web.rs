//! Portal pages for admissions: programmes, routing runs (dry run, result, diff, commit) and
//! recommendations (the ledger's pages are in [`super::ledger_web`]).

use entity::rule_set::RuleSetStatus;
use std::collections::HashMap;

use chrono::Datelike;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::recommendations::{self, RecommendationFilter};
use super::run_web::reason_text;
use super::{programmes, rule_sets, runs};
use crate::auth::Capability;
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::{PortalCtx, error_text, redirect, render};

type PageResult = Result<Response, AppError>;

#[derive(Deserialize, Default)]
pub struct YearQuery {
    intake_year: Option<String>,
}

fn year(q: &Option<String>) -> Option<i32> {
    q.as_deref().and_then(|y| y.trim().parse().ok())
}

#[handler]
pub async fn programmes_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<YearQuery>) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let list = programmes::list_programmes(&state.db, year(&q.0.intake_year), None).await?;
    let schools: HashMap<i32, String> = programmes::list_schools(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    // Seats given by committed runs, per programme, for each year shown.
    let mut filled: HashMap<i32, i64> = HashMap::new();
    let years: std::collections::BTreeSet<i32> = list.iter().map(|p| p.intake_year).collect();
    for y in years {
        filled.extend(super::placements::taken_per_programme(&state.db, y).await?);
    }
    let rows: Vec<Value> = list
        .iter()
        .map(|p| json!({ "code": p.code, "name": p.name, "school": schools.get(&p.school_id).cloned().unwrap_or_default(), "skill_area": p.skill_area, "town": p.town, "intake_year": p.intake_year, "capacity": p.capacity, "reserved": p.reserved_seats, "filled": filled.get(&p.id).copied().unwrap_or(0), "id": p.id }))
        .collect();
    let vars = json!({ "programmes": rows, "intake_year": q.0.intake_year.unwrap_or_default(), "can_edit": me.can(Capability::ManageProgrammes) });
    Ok(render(&state, &ctx, "admissions/programmes.html", vars)?.into_response())
}

#[handler]
pub async fn runs_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    show_runs(&state, &ctx, me.can(Capability::RunRouting), String::new()).await
}

async fn show_runs(state: &AppState, ctx: &PortalCtx, can_run: bool, error: String) -> PageResult {
    let all = runs::list_runs(&state.db).await?;
    // The round history: each year's runs, then its direct placements.
    let years: std::collections::BTreeSet<i32> = all.iter().map(|r| r.intake_year).collect();
    let mut direct = Vec::new();
    for y in years.into_iter().rev() {
        let rows = super::placements_web::direct_rows(state, y).await?;
        if !rows.is_empty() {
            direct.push(json!({ "year": y, "rows": rows }));
        }
    }
    let list: Vec<Value> = all
        .into_iter()
        .map(|r| {
            let s = runs::summary_of(&r)?;
            Ok(json!({ "id": r.id, "intake_year": r.intake_year, "round": r.round, "status": r.status, "seed": r.seed, "placed": s.placed, "eligible": s.eligible, "unplaced": s.unplaced, "created_at": r.created_at.format("%Y-%m-%d %H:%M").to_string() }))
        })
        .collect::<Result<_, AppError>>()?;
    let sets: Vec<Value> = rule_sets::list_rule_sets(&state.db)
        .await?
        .into_iter()
        .filter(|s| s.status == RuleSetStatus::Published)
        .map(|s| json!({ "id": s.id, "label": format!("{} v{}", s.name, s.version) }))
        .collect();
    let vars = json!({ "runs": list, "rule_sets": sets, "can_run": can_run, "error": error, "direct": direct });
    let status = if error_is_set(&vars) {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        poem::http::StatusCode::OK
    };
    Ok(render(state, ctx, "admissions/runs.html", vars)?
        .with_status(status)
        .into_response())
}

fn error_is_set(vars: &Value) -> bool {
    vars["error"].as_str().is_some_and(|e| !e.is_empty())
}

#[derive(Deserialize)]
pub struct NewRunForm {
    #[serde(default)]
    intake_year: String,
    #[serde(default)]
    rule_set_id: String,
    #[serde(default)]
    seed: String,
}

#[handler]
pub async fn create_run(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<NewRunForm>) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let f = form.0;
    let parsed = (|| -> Result<runs::RunRequest, AppError> {
        let num = |field: &'static str, v: &str| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| AppError::invalid(field, crate::i18n::Msg::new("error.number_invalid").arg("value", v)))
        };
        let seed = if f.seed.trim().is_empty() {
            None
        } else {
            Some(num("seed", &f.seed)?)
        };
        Ok(runs::RunRequest {
            intake_year: num("intake_year", &f.intake_year)? as i32,
            rule_set_id: num("rule_set_id", &f.rule_set_id)? as i32,
            seed,
        })
    })();
    let result = match parsed {
        Ok(req) => runs::dry_run(&state.db, &me.actor(Some(ctx.client_ip.clone())), req).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(run) => Ok(redirect(&format!("/routing-runs/{}", run.id))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            show_runs(&state, &ctx, true, error_text(&state, ctx.lang, &e)).await
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn commit_run(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    runs::commit(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0).await?;
    Ok(redirect(&format!("/routing-runs/{}", id.0)))
}

#[derive(Deserialize, Default)]
pub struct DiffQuery {
    other: Option<i32>,
}

#[handler]
pub async fn diff_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    q: Query<DiffQuery>,
) -> PageResult {
    ctx.staff(Capability::ReadStudents)?;
    let other = q.0.other.ok_or(AppError::NotFound("routing_run"))?;
    let moves = runs::diff(&state.db, id.0, other).await?;
    let names = runs::student_names(&state.db, &runs::result_of(&runs::get_run(&state.db, other).await?)?).await?;
    let rows: Vec<Value> = moves
        .iter()
        .map(|m| {
            let why: Vec<String> = m.why.iter().map(|r| reason_text(&state, &ctx, r)).collect();
            json!({ "student_id": m.student_id, "name": names.get(&m.student_id).cloned().unwrap_or_default(), "from": m.from, "to": m.to, "why": why })
        })
        .collect();
    Ok(render(
        &state,
        &ctx,
        "admissions/diff.html",
        json!({ "base": id.0, "other": other, "moves": rows }),
    )?
    .into_response())
}

/// The recommendations page's filters, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct RecommendationQuery {
    #[serde(default)]
    graduation_year: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    school: String,
    #[serde(default, deserialize_with = "crate::web::opt_number")]
    page: Option<u64>,
}

impl RecommendationQuery {
    fn filter(&self) -> Result<RecommendationFilter, AppError> {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let year = self.graduation_year.trim();
        let graduation_year = if year.is_empty() {
            crate::clock::today().year()
        } else {
            year.parse().map_err(|_| {
                AppError::invalid(
                    "graduation_year",
                    crate::i18n::Msg::new("error.number_invalid").arg("value", year),
                )
            })?
        };
        Ok(RecommendationFilter {
            graduation_year,
            town: some(&self.town),
            school: some(&self.school),
        })
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("graduation_year", &self.graduation_year),
            ("town", &self.town),
            ("school", &self.school),
        ])
        .unwrap_or_default()
    }
}

/// Students whose recommended programmes await confirmation, a page at a time, with one button to
/// confirm every student the filter shows.
#[handler]
pub async fn recommendations_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    q: Query<RecommendationQuery>,
) -> PageResult {
    ctx.staff(Capability::RunRouting)?;
    show_recommendations(&state, &ctx, &q.0, Value::Null).await
}

async fn show_recommendations(state: &AppState, ctx: &PortalCtx, q: &RecommendationQuery, notice: Value) -> PageResult {
    let filter = q.filter()?;
    let page = recommendations::pending(&state.db, &filter, PageRequest::new(q.page, Some(100))?).await?;
    let vars = json!({
        "page": page, "notice": notice, "query": q.query_string(), "year": filter.graduation_year,
        "q": { "graduation_year": q.graduation_year, "town": q.town, "school": q.school },
    });
    Ok(render(state, ctx, "admissions/recommendations.html", vars)?.into_response())
}

/// Confirms the recommendations of every student the submitted filter shows.
#[handler]
pub async fn confirm_recommendations(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    form: Form<RecommendationQuery>,
) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let filter = form.0.filter()?;
    let n = recommendations::confirm_all(&state.db, &me.actor(Some(ctx.client_ip.clone())), &filter).await?;
    let count = n.to_string();
    let text = state
        .i18n
        .render(ctx.lang, "recommend.confirmed", [("count", count.as_str())]);
    show_recommendations(&state, &ctx, &form.0, json!({ "kind": "ok", "text": text })).await
}

/// Recommends programmes to the year's students who have no choices (then shown for review).
#[handler]
pub async fn generate_recommendations(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    form: Form<RecommendationQuery>,
) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let year = form.0.filter()?.graduation_year;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    let notice = match super::preferences::recommend(&state.db, &actor, year, year).await {
        Ok(n) => {
            let count = n.to_string();
            json!({ "kind": "ok", "text": state.i18n.render(ctx.lang, "recommend.generated", [("count", count.as_str())]) })
        }
        Err(e @ AppError::Invalid(_)) => json!({ "kind": "error", "text": error_text(&state, ctx.lang, &e) }),
        Err(e) => return Err(e),
    };
    show_recommendations(&state, &ctx, &form.0, notice).await
}
