//! The portal's routing-run result page (`/routing-runs/{id}`) and its CSV/XLSX export: the
//! per-programme summary in full, the per-student rows one page of [`run_rows::PER_PAGE`] at a time,
//! filtered by outcome, programme, town, junior-high school and name; the export takes the same
//! filters and every row. Moves parameters and renders; the rows come from [`run_rows`].

use entity::routing_run::RunStatus;
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::run_rows::{self, Outcome, RunFilter, RunRow};
use crate::auth::Capability;
use crate::error::AppError;
use crate::export::{self, ExportTable};
use crate::pagination::PageRequest;
use crate::routing::result::{NotPlaced, Reason};
use crate::state::AppState;
use crate::web::{PortalCtx, render};

type PageResult = Result<Response, AppError>;

/// The result page's query: filters (empty = any), the page, and `format` for an export.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RunQuery {
    outcome: String,
    programme: String,
    town: String,
    school: String,
    name: String,
    page: Option<u64>,
    format: String,
}

impl RunQuery {
    fn filter(&self) -> Result<RunFilter, AppError> {
        let outcome = Some(self.outcome.trim()).filter(|o| !o.is_empty());
        Ok(RunFilter {
            outcome: outcome.map(Outcome::parse).transpose()?,
            programme: Some(self.programme.clone()),
            town: Some(self.town.clone()),
            school: Some(self.school.clone()),
            name: Some(self.name.clone()),
        }
        .normalised())
    }

    /// The filters as a query string, for page and export links.
    fn query_string(&self) -> String {
        let pairs = [
            ("outcome", &self.outcome),
            ("programme", &self.programme),
            ("town", &self.town),
            ("school", &self.school),
            ("name", &self.name),
        ];
        serde_urlencoded::to_string(pairs.iter().filter(|(_, v)| !v.is_empty()).collect::<Vec<_>>()).unwrap_or_default()
    }
}

/// One reason line for a higher choice not obtained, in the page language.
pub(super) fn reason_text(state: &AppState, ctx: &PortalCtx, r: &NotPlaced) -> String {
    let programme = r.programme.as_deref().unwrap_or_default();
    let (key, rule, cutoff) = match &r.reason {
        Reason::Full { cutoff_points, .. } => (
            "routing_page.reason_full",
            "",
            cutoff_points.map(|p| format!("{p:.1}")).unwrap_or_default(),
        ),
        Reason::Requirement { rule } => ("routing_page.reason_requirement", rule.as_str(), String::new()),
        Reason::Ineligible { rule } => ("routing_page.reason_ineligible", rule.as_str(), String::new()),
    };
    state.i18n.render(
        ctx.lang,
        key,
        [("programme", programme), ("rule", rule), ("cutoff", cutoff.as_str())],
    )
}

fn reasons(state: &AppState, ctx: &PortalCtx, row: &RunRow) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // The engine repeats an eligibility refusal on each choice: say it once.
    for text in row.not_placed_higher.iter().map(|r| reason_text(state, ctx, r)) {
        if !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

#[handler]
pub async fn run_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>, q: Query<RunQuery>) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let filter = q.0.filter()?;
    if !q.0.format.is_empty() {
        let rows = run_rows::all_rows(&state.db, id.0, &filter).await?;
        return export_rows(&state, &ctx, id.0, &rows, &q.0.format);
    }
    let req = PageRequest::new(q.0.page, Some(run_rows::PER_PAGE))?;
    let found = run_rows::result_page(&state.db, id.0, &filter, req).await?;
    let run = &found.run;
    let others: Vec<Value> = super::runs::list_runs(&state.db)
        .await?
        .into_iter()
        .filter(|r| r.id != run.id && r.intake_year == run.intake_year)
        .map(|r| json!({ "id": r.id, "round": r.round, "status": r.status }))
        .collect();
    let page = found.rows.map(|r| {
        let reasons = reasons(&state, &ctx, &r);
        json!({ "student_id": r.student_id, "name": r.name, "national_id": r.national_id_masked, "outcome": r.outcome, "programme": r.programme, "choice": r.choice, "points": r.points, "reasons": reasons })
    });
    let summary = super::runs::summary_of(run)?;
    let vars = json!({
        "run": { "id": run.id, "intake_year": run.intake_year, "round": run.round, "status": run.status, "seed": run.seed, "digest": run.input_digest, "rule_set_id": run.rule_set_id },
        "summary": summary, "not_in_scope": summary.students.saturating_sub(summary.eligible),
        "programmes": found.result.programmes, "warnings": found.result.warnings, "others": others,
        "page": page, "towns": found.towns, "schools": found.schools,
        "outcomes": Outcome::ALL.map(Outcome::as_str),
        "q": { "outcome": q.0.outcome, "programme": q.0.programme, "town": q.0.town, "school": q.0.school, "name": q.0.name },
        "query": q.0.query_string(),
        "can_commit": me.can(Capability::RunRouting) && run.status == RunStatus::DryRun,
    });
    Ok(render(&state, &ctx, "admissions/run.html", vars)?.into_response())
}

/// Every filtered row as CSV or XLSX, with the student number and masked national ID so that
/// students with the same name can be told apart.
fn export_rows(state: &AppState, ctx: &PortalCtx, id: i32, rows: &[RunRow], format: &str) -> PageResult {
    let t = |k: &str| state.i18n.render(ctx.lang, k, []);
    let headers = [
        "student.col.number",
        "student.col.name",
        "student.col.national_id",
        "student.col.town",
        "student.col.school",
        "admissions.outcome",
        "routing_page.programme",
        "routing_page.choice",
        "routing_page.points",
        "routing_page.reasons",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let table = rows
        .iter()
        .map(|r| {
            vec![
                r.student_id.to_string(),
                r.name.clone(),
                r.national_id_masked.clone(),
                r.town.clone(),
                r.junior_high_school.clone(),
                t(&format!("admissions.{}", r.outcome.as_str())),
                r.programme.clone().unwrap_or_default(),
                r.choice.map(|c| c.to_string()).unwrap_or_default(),
                r.points.map(|p| format!("{p:.1}")).unwrap_or_default(),
                reasons(state, ctx, r).join("；"),
            ]
        })
        .collect();
    export::respond(
        &ExportTable { headers, rows: table },
        &format!("routing-run-{id}"),
        format,
    )
}
