//! Portal pages for rule sets: list, the editor (a draft's rules as rows of name / condition /
//! points, with the variable reference and each rule's error next to it), publish, and try.

use entity::rule_set::RuleSetStatus;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::instance_builder::{programme_example, student_example};
use super::rule_sets;
use super::runs;
use crate::auth::Capability;
use crate::error::AppError;
use crate::routing::instance::{PointsSpec, PriorityRule, Rule, Rules};
use crate::state::AppState;
use crate::web::{PortalCtx, error_text, redirect, render};

type PageResult = Result<Response, AppError>;

/// Empty rows offered for new rules (the page needs no JavaScript).
const EMPTY_ROWS: usize = 3;

fn variables() -> Value {
    let describe = |prefix: &str, v: Value| -> Vec<Value> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let kind = match v {
                            Value::Bool(_) => "bool",
                            Value::Number(n) if n.is_f64() => "double",
                            Value::Number(_) => "int",
                            _ => "string",
                        };
                        json!({ "name": format!("{prefix}.{k}"), "type": kind, "example": v.to_string() })
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut programme = describe("programme", programme_example());
    programme.extend([
        json!({ "name": "programme.code", "type": "string", "example": "\"P01\"" }),
        json!({ "name": "programme.capacity", "type": "int", "example": "40" }),
        json!({ "name": "programme.town", "type": "string", "example": "\"米河镇\"" }),
    ]);
    json!({ "student": describe("student", student_example()), "programme": programme })
}

fn rows(rules: &Rules) -> Value {
    let mut eligibility: Vec<Value> = rules
        .eligibility
        .iter()
        .map(|r| json!({ "name": r.name, "when": r.when }))
        .collect();
    let mut priority: Vec<Value> = rules
        .priority
        .iter()
        .map(|r| json!({ "name": r.name, "when": r.when, "points": match &r.points { PointsSpec::Expression(s) => s.clone(), PointsSpec::Number(n) => n.to_string() } }))
        .collect();
    eligibility.extend((0..EMPTY_ROWS).map(|_| json!({ "name": "", "when": "" })));
    priority.extend((0..EMPTY_ROWS).map(|_| json!({ "name": "", "when": "", "points": "" })));
    json!({ "eligibility": eligibility, "priority": priority })
}

#[handler]
pub async fn list_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let sets: Vec<Value> = rule_sets::list_rule_sets(&state.db)
        .await?
        .into_iter()
        .map(|s| json!({ "id": s.id, "name": s.name, "version": s.version, "status": s.status, "created_at": s.created_at.format("%Y-%m-%d %H:%M").to_string() }))
        .collect();
    let vars = json!({ "sets": sets, "can_edit": me.can(Capability::ManageProgrammes), "form": { "name": "" }, "rows": rows(&Rules::default()), "variables": variables(), "error": "" });
    Ok(render(&state, &ctx, "admissions/rule_sets.html", vars)?.into_response())
}

/// The editor's form: parallel arrays of rule fields (`e_name`, `e_when`, `p_name`, `p_when`, `p_points`).
fn parse_rules(pairs: &[(String, String)]) -> Rules {
    let all = |key: &str| {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
            .collect::<Vec<_>>()
    };
    let (en, ew) = (all("e_name"), all("e_when"));
    let (pn, pw, pp) = (all("p_name"), all("p_when"), all("p_points"));
    let eligibility = en
        .iter()
        .zip(ew.iter())
        .filter(|(n, w)| !n.is_empty() || !w.is_empty())
        .map(|(n, w)| Rule {
            name: n.clone(),
            when: w.clone(),
        })
        .collect();
    let priority = pn
        .iter()
        .zip(pw.iter())
        .zip(pp.iter())
        .filter(|((n, w), p)| !n.is_empty() || !w.is_empty() || !p.is_empty())
        .map(|((n, w), p)| PriorityRule {
            name: n.clone(),
            when: if w.is_empty() { "true".into() } else { w.clone() },
            points: p
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map_or_else(|| PointsSpec::Expression(p.clone()), PointsSpec::Number),
        })
        .collect();
    Rules { eligibility, priority }
}

#[handler]
pub async fn create(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<Vec<(String, String)>>) -> PageResult {
    let me = ctx.staff(Capability::ManageProgrammes)?;
    let name = form
        .0
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let rules = parse_rules(&form.0);
    match rule_sets::create_draft(&state.db, &me.actor(Some(ctx.client_ip.clone())), &name, rules.clone()).await {
        Ok(set) => Ok(redirect(&format!("/rule-sets/{}", set.id))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let sets: Vec<Value> = Vec::new();
            let vars = json!({ "sets": sets, "can_edit": true, "form": { "name": name }, "rows": rows(&rules), "variables": variables(), "error": error_text(&state, ctx.lang, &e) });
            Ok(render(&state, &ctx, "admissions/rule_sets.html", vars)?
                .with_status(e.status())
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct TryQuery {
    try_year: Option<i32>,
}

#[handler]
pub async fn show(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>, q: Query<TryQuery>) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let set = rule_sets::get_rule_set(&state.db, id.0).await?;
    let rules = rule_sets::rules_of(&set)?;
    let (tried, try_error) = match q.0.try_year {
        Some(year) if me.can(Capability::ManageProgrammes) => match runs::try_rule_set(&state.db, set.id, year).await {
            Ok(r) => (tried_json(&r), String::new()),
            Err(e @ AppError::Invalid(_)) => (Value::Null, error_text(&state, ctx.lang, &e)),
            Err(e) => return Err(e),
        },
        _ => (Value::Null, String::new()),
    };
    editor(
        &state,
        &ctx,
        &set,
        &rules,
        me.can(Capability::ManageProgrammes),
        String::new(),
        tried,
        try_error,
        q.0.try_year,
    )
}

/// A rule set's trial for the page: counts per rule as lists, most students first, then by rule
/// name (a template map would change order on every load).
fn tried_json(r: &runs::TryReport) -> Value {
    let ranked = |counts: &std::collections::BTreeMap<String, u64>| {
        let mut v: Vec<(&String, &u64)> = counts.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        v.into_iter()
            .map(|(rule, count)| json!({ "rule": rule, "count": count }))
            .collect::<Vec<_>>()
    };
    let mut v = serde_json::to_value(r).unwrap_or_default();
    v["ineligible_by_rule"] = json!(ranked(&r.ineligible_by_rule));
    v["requirement_failures"] = json!(ranked(&r.requirement_failures));
    v
}

#[expect(clippy::too_many_arguments, reason = "the editor page's variables")]
fn editor(
    state: &AppState,
    ctx: &PortalCtx,
    set: &entity::rule_set::Model,
    rules: &Rules,
    can_edit: bool,
    error: String,
    tried: Value,
    try_error: String,
    try_year: Option<i32>,
) -> PageResult {
    let vars = json!({
        "set": { "id": set.id, "name": set.name, "version": set.version, "status": set.status },
        "rows": rows(rules), "variables": variables(), "can_edit": can_edit && set.status == RuleSetStatus::Draft, "can_try": can_edit,
        "error": error, "tried": tried, "try_error": try_error, "try_year": try_year.map(|y| y.to_string()).unwrap_or_default(),
    });
    let status = if vars["error"].as_str().is_some_and(|e| !e.is_empty()) {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        poem::http::StatusCode::OK
    };
    Ok(render(state, ctx, "admissions/rule_set.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn update(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<Vec<(String, String)>>,
) -> PageResult {
    let me = ctx.staff(Capability::ManageProgrammes)?;
    let rules = parse_rules(&form.0);
    match rule_sets::update_draft(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0, rules.clone()).await {
        Ok(_) => Ok(redirect(&format!("/rule-sets/{}", id.0))),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let set = rule_sets::get_rule_set(&state.db, id.0).await?;
            editor(
                &state,
                &ctx,
                &set,
                &rules,
                true,
                error_text(&state, ctx.lang, &e),
                Value::Null,
                String::new(),
                None,
            )
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn publish(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::ManageProgrammes)?;
    rule_sets::publish(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0).await?;
    Ok(redirect(&format!("/rule-sets/{}", id.0)))
}
