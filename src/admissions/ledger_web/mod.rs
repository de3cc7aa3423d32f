//! Portal pages of the no-one-left-out ledger: the lines by filter with bulk crossing off, the
//! export, and one line's page with its follow-up log, where staff and mentors record each effort
//! to bring the student back and cross the line off with evidence.

use entity::ledger_entry::OpenedBecause;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::ledger::{self, LedgerLine};
use super::ledger_follow_ups::{self};
use super::ledger_query::{self, LedgerFilter, LineState};
use crate::auth::Capability;
use crate::error::AppError;
use crate::export::{self, ExportTable};
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::{PortalCtx, error_text, redirect, render};

type PageResult = Result<Response, AppError>;

mod line;

use line::show_line;

pub use line::{FollowUpForm, SavedQuery, add_follow_up, line_page};

/// The ledger page's filters, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct LedgerQuery {
    #[serde(default)]
    intake_year: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    reason: String,
    #[serde(default, deserialize_with = "crate::web::opt_number")]
    page: Option<u64>,
    #[serde(default)]
    format: String,
}

impl LedgerQuery {
    fn filter(&self) -> Result<LedgerFilter, AppError> {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        LedgerFilter {
            intake_year: self.intake_year.trim().parse().ok(),
            state: LineState::parse(Some(&self.state))?,
            town: some(&self.town),
            school: some(&self.school),
            reason: some(&self.reason),
        }
        .checked()
    }

    /// The filters as a query string, for page links and the export.
    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("intake_year", &self.intake_year),
            ("state", &self.state),
            ("town", &self.town),
            ("school", &self.school),
            ("reason", &self.reason),
        ])
        .unwrap_or_default()
    }
}

#[handler]
pub async fn ledger_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<LedgerQuery>) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    show_ledger(&state, &ctx, &q.0, me.can(Capability::RunRouting), String::new()).await
}

/// Every line matching the filters as CSV or XLSX (`format=`), IDs and phones as the role may see them.
#[handler]
pub async fn ledger_export(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<LedgerQuery>) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let lines = ledger_query::all(&state.db, &q.0.filter()?).await?;
    let t = |k: &str| state.i18n.render(ctx.lang, k, []);
    let headers = [
        "student.col.name",
        "student.col.national_id",
        "student.col.town",
        "student.col.village",
        "student.col.school",
        "student.col.phone",
        "ledger.state",
        "ledger.why",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    let rows = lines
        .into_iter()
        .map(|l| {
            let state_text = match l.entry.close_reason {
                None => t("ledger.open"),
                Some(r) => t(r.i18n_key()),
            };
            vec![
                l.student_name.clone(),
                l.national_id_masked.clone(),
                l.town.clone(),
                l.village.clone(),
                l.junior_high_school.clone(),
                me.phone_view(l.phone.as_deref()).unwrap_or_default(),
                state_text,
                line_why(&state, ctx.lang, &l),
            ]
        })
        .collect();
    export::respond(&ExportTable { headers, rows }, "ledger", &q.0.format)
}

/// Why a student is on the ledger, in one line: the offer they declined, did not take up or left;
/// or the run's reasons.
fn line_why(state: &AppState, lang: crate::i18n::Lang, l: &LedgerLine) -> String {
    if l.entry.opened_because == OpenedBecause::Unplaced {
        why_text(state, lang, &l.why)
    } else {
        state.i18n.render(lang, l.entry.opened_because.i18n_key(), [])
    }
}

/// A run's reasons, in one line: no choice, or each choice and what kept them out.
fn why_text(state: &AppState, lang: crate::i18n::Lang, why: &Value) -> String {
    let list = why.as_array().map(Vec::as_slice).unwrap_or_default();
    if list.is_empty() {
        return state.i18n.get(lang, "ledger.why_no_choice");
    }
    list.iter()
        .map(|r| {
            let programme = r["programme"].as_str().unwrap_or_default();
            let reason = match r["reason"].as_str() {
                Some("full") => state.i18n.get(lang, "student_page.why_full"),
                Some("requirement") => state.i18n.render(
                    lang,
                    "student_page.why_requirement_rule",
                    [("rule", r["rule"].as_str().unwrap_or_default())],
                ),
                Some("ineligible") => state.i18n.render(
                    lang,
                    "student_page.why_ineligible_rule",
                    [("rule", r["rule"].as_str().unwrap_or_default())],
                ),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            state.i18n.render(
                lang,
                "ledger.why_item",
                [("programme", programme), ("reason", reason.as_str())],
            )
        })
        .collect::<Vec<_>>()
        .join(&state.i18n.get(lang, "ledger.why_sep"))
}

async fn show_ledger(state: &AppState, ctx: &PortalCtx, q: &LedgerQuery, can_close: bool, error: String) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let (filter, mut error) = match q.filter() {
        Ok(f) => (f, error),
        Err(e) => (LedgerFilter::default(), error_text(state, ctx.lang, &e)),
    };
    let mut page = ledger_query::search(&state.db, &filter, PageRequest::new(q.page, Some(100))?).await?;
    let names = crate::audit::names_by_label(
        &state.db,
        page.items.iter().filter_map(|l| l.entry.closed_by.as_deref()),
    )
    .await?;
    for l in &mut page.items {
        l.phone = me.phone_view(l.phone.as_deref());
        l.why = Value::String(line_why(state, ctx.lang, l));
        l.entry.closed_by = l.entry.closed_by.as_deref().map(|by| crate::audit::name_of(&names, by));
    }
    let today = crate::clock::today();
    let overdue = ledger_follow_ups::overdue_count(&state.db, filter.intake_year, today).await?;
    let overdue_ids: Vec<i32> = page
        .items
        .iter()
        .filter(|l| ledger_follow_ups::is_overdue(&l.entry, today))
        .map(|l| l.entry.id)
        .collect();
    let (by_town, by_school, open) = ledger_query::open_counts(&state.db, filter.intake_year).await?;
    let by_town = count_links(&by_town, "town", &q.intake_year);
    let by_school = count_links(&by_school, "school", &q.intake_year);
    if page.items.is_empty() && page.total > 0 && error.is_empty() {
        error = state.i18n.get(ctx.lang, "ledger.past_last_page");
    }
    let filtered = [&q.intake_year, &q.state, &q.town, &q.school, &q.reason]
        .iter()
        .any(|v| !v.trim().is_empty());
    let vars = json!({
        "page": page, "by_town": by_town, "by_school": by_school, "reasons": ledger::REASONS,
        "states": LineState::CODES, "open": open, "overdue": overdue, "can_close": can_close, "error": error,
        "overdue_ids": overdue_ids,
        "q": { "intake_year": q.intake_year, "state": q.state, "town": q.town, "school": q.school, "reason": q.reason },
        "query": q.query_string(), "max_bulk": ledger::MAX_BULK,
        "filtered": filtered,
    });
    let status = if !vars["error"].as_str().unwrap_or_default().is_empty() {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        poem::http::StatusCode::OK
    };
    Ok(render(state, ctx, "admissions/ledger.html", vars)?
        .with_status(status)
        .into_response())
}

/// The per-town (or per-school) counts in their order, each with the query of its open lines.
fn count_links(counts: &[ledger::OpenCount], field: &str, intake_year: &str) -> Vec<Value> {
    counts
        .iter()
        .map(|c| {
            let query =
                serde_urlencoded::to_string([("state", "open"), (field, &c.name), ("intake_year", intake_year)])
                    .unwrap_or_default();
            json!({ "name": c.name, "open": c.open, "query": query })
        })
        .collect()
}

/// Crosses the selected lines off with one reason (the checkboxes of a ledger page).
#[handler]
pub async fn cross_off_selected(state: Data<&AppState>, ctx: Data<&PortalCtx>, body: poem::Body) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let bytes = body
        .into_bytes()
        .await
        .map_err(|_| AppError::BadRequest(crate::i18n::Msg::new("error.body_unreadable")))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let ids: Vec<i32> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let back: LedgerQuery = serde_urlencoded::from_str(&value("back")).unwrap_or_default();
    let actor = me.actor(Some(ctx.client_ip.clone()));
    match ledger::cross_off_many(&state.db, &actor, &ids, &value("reason"), Some(&value("note"))).await {
        Ok(_) => Ok(redirect(&format!("/ledger?{}", back.query_string()))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            show_ledger(&state, &ctx, &back, true, error_text(&state, ctx.lang, &e)).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct CrossOffForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

#[handler]
pub async fn cross_off(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<CrossOffForm>,
) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let result = ledger::cross_off(
        &state.db,
        &me.actor(Some(ctx.client_ip.clone())),
        id.0,
        &form.0.reason,
        Some(&form.0.note),
    )
    .await;
    match result {
        Ok(_) => Ok(redirect(&format!("/ledger/{}", id.0))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let error = error_text(&state, ctx.lang, &e);
            show_line(&state, &ctx, id.0, FollowUpForm::default(), error, String::new()).await
        }
        Err(e) => Err(e),
    }
}

/// After a change from the ledger page: back to the ledger, or the ledger with the refusal shown.
async fn after_ledger_change<T>(state: &AppState, ctx: &PortalCtx, result: Result<T, AppError>) -> PageResult {
    match result {
        Ok(_) => Ok(redirect("/ledger")),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let error = error_text(state, ctx.lang, &e);
            show_ledger(state, ctx, &LedgerQuery::default(), true, error).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ReinstateForm {
    #[serde(default)]
    reason: String,
}

/// Puts a crossed-off student back on the open ledger, with a reason.
#[handler]
pub async fn reinstate(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<ReinstateForm>,
) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let result = ledger::reinstate(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0, &form.0.reason).await;
    after_ledger_change(&state, &ctx, result).await
}
