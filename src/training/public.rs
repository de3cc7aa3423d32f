//! The farmers' pages (no account, Chinese, small, no JavaScript): upcoming sessions by town and
//! course, registration, check or cancel with phone + code, interest in a course, and certificate
//! verification. Every form answers on the same page with the problem next to the field; a
//! successful registration redirects to its confirmation page (`confirmation`).

use poem::http::{StatusCode, header};
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::confirmation;
use super::registrations::{self, Canceller, RegistrationForm};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{PortalCtx, cookie, error_text, form_errors, is_form_error, no_errors, read_cookie, redirect, render};

type PageResult = Result<Response, AppError>;

const FIELDS: &[&str] = &["name", "phone", "town", "village", "household_number", "course_id"];

fn page(state: &AppState, ctx: &PortalCtx, template: &str, vars: Value, status: StatusCode) -> PageResult {
    Ok(render(state, ctx, template, vars)?.with_status(status).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    town: String,
    course: String,
}

#[handler]
pub async fn sessions(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<ListQuery>) -> PageResult {
    let all = registrations::session_cards(&state.db, true, None).await?;
    let mut towns: Vec<String> = all.iter().map(|c| c.town.clone()).collect();
    towns.sort();
    towns.dedup();
    let mut courses: Vec<(i32, String)> = all.iter().map(|c| (c.course_id, c.course.clone())).collect();
    courses.sort();
    courses.dedup();
    let course_id: Option<i32> = q.0.course.parse().ok();
    let shown: Vec<_> = all
        .into_iter()
        .filter(|c| q.0.town.is_empty() || c.town == q.0.town)
        .filter(|c| course_id.is_none_or(|id| c.course_id == id))
        .collect();
    let vars = json!({ "sessions": shown, "towns": towns, "courses": courses.iter().map(|(id, t)| json!({"id": id.to_string(), "title": t})).collect::<Vec<_>>(),
                       "town": q.0.town, "course": q.0.course });
    page(&state, &ctx, "train/sessions.html", vars, StatusCode::OK)
}

async fn session_page(
    state: &AppState,
    ctx: &PortalCtx,
    id: i32,
    form: &RegistrationForm,
    errors: Value,
    status: StatusCode,
) -> PageResult {
    let card = registrations::session_cards(&state.db, false, Some(&[id]))
        .await?
        .into_iter()
        .next();
    let Some(card) = card else {
        return page(state, ctx, "train/missing.html", json!({}), StatusCode::NOT_FOUND);
    };
    let open = card.phase == super::phase::Phase::Open;
    let vars = json!({ "s": card, "open": open, "form": form, "errors": errors });
    page(state, ctx, "train/session.html", vars, status)
}

#[handler]
pub async fn session(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    session_page(
        &state,
        &ctx,
        id.0,
        &RegistrationForm::default(),
        no_errors(FIELDS),
        StatusCode::OK,
    )
    .await
}

#[handler]
pub async fn register(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<RegistrationForm>,
) -> PageResult {
    let result = match form.0.parse() {
        Ok(input) => {
            registrations::register(&state.db, &state.config.rate_limits.public, id.0, input, &ctx.client_ip).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => {
            // POST-redirect-GET: the outcome is shown by the page the browser is sent to.
            let value = confirmation::issue(state.config.secret(), done.id, chrono::Utc::now().timestamp());
            let mut resp = redirect("/train/registered");
            let set = cookie(&state, confirmation::COOKIE, &value, Some(confirmation::MAX_AGE_SECS));
            if let Ok(v) = set.parse() {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(AppError::NotFound(_)) => page(&state, &ctx, "train/missing.html", json!({}), StatusCode::NOT_FOUND),
        Err(e) if is_form_error(&e) => {
            let status = e.status();
            let errors = form_errors(&state, ctx.lang, FIELDS, &e);
            session_page(&state, &ctx, id.0, &form.0, errors, status).await
        }
        Err(e) => Err(e),
    }
}

/// The page after registering: the registration this browser just made (see `confirmation`), or
/// a pointer to checking with phone and code once that is no longer known.
#[handler]
pub async fn registered(state: Data<&AppState>, ctx: Data<&PortalCtx>, req: &Request) -> PageResult {
    let id = read_cookie(req, confirmation::COOKIE)
        .and_then(|c| confirmation::verify(&state.config.verifying_secrets(), &c, chrono::Utc::now().timestamp()));
    let shown = match id {
        Some(id) => confirmation::load(&state.db, id).await?,
        None => None,
    };
    let vars = match shown {
        Some(c) => json!({ "r": c.r, "s": c.s }),
        None => json!({ "r": null, "s": null }),
    };
    page(&state, &ctx, "train/registered.html", vars, StatusCode::OK)
}

#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
pub struct CheckForm {
    phone: String,
    code: String,
}

#[handler]
pub async fn check_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    page(
        &state,
        &ctx,
        "train/check.html",
        json!({ "form": CheckForm::default(), "error": "", "found": null }),
        StatusCode::OK,
    )
}

#[handler]
pub async fn check(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<CheckForm>) -> PageResult {
    match registrations::lookup(
        &state.db,
        &state.config.rate_limits.public,
        &form.0.phone,
        &form.0.code,
        &ctx.client_ip,
    )
    .await
    {
        Ok(found) => page(
            &state,
            &ctx,
            "train/check.html",
            json!({ "form": form.0, "error": "", "found": found }),
            StatusCode::OK,
        ),
        Err(e @ (AppError::NotFound(_) | AppError::Invalid(_) | AppError::TooManyRequests(_))) => {
            check_error(&state, &ctx, form.0, e)
        }
        Err(e) => Err(e),
    }
}

/// The check page again with what went wrong (an unknown phone + code says they do not match).
fn check_error(state: &AppState, ctx: &PortalCtx, form: CheckForm, e: AppError) -> PageResult {
    let text = match &e {
        AppError::NotFound(_) => state.i18n.text(ctx.lang, &crate::i18n::Msg::new("train.not_found")),
        other => error_text(state, ctx.lang, other),
    };
    page(
        state,
        ctx,
        "train/check.html",
        json!({ "form": form, "error": text, "found": null }),
        e.status(),
    )
}

#[handler]
pub async fn cancel(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<CheckForm>) -> PageResult {
    let r = registrations::cancel(
        &state.db,
        Canceller::Farmer {
            phone: &form.0.phone,
            code: &form.0.code,
            client_ip: &ctx.client_ip,
            limits: &state.config.rate_limits.public,
        },
    )
    .await;
    match r {
        Ok(_) => page(
            &state,
            &ctx,
            "train/check.html",
            json!({ "form": CheckForm::default(), "error": "", "found": null, "cancelled": true }),
            StatusCode::OK,
        ),
        Err(
            e @ (AppError::NotFound(_) | AppError::Invalid(_) | AppError::TooManyRequests(_) | AppError::Conflict(_)),
        ) => check_error(&state, &ctx, form.0, e),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
pub struct InterestForm {
    course_id: String,
    #[serde(flatten)]
    farmer: RegistrationForm,
}

async fn interest_page_with(
    state: &AppState,
    ctx: &PortalCtx,
    form: &InterestForm,
    errors: Value,
    done: Value,
    status: StatusCode,
) -> PageResult {
    let courses = super::setup::catalogue(&state.db).await?.courses;
    let vars = json!({ "courses": courses.iter().map(|c| json!({"id": c.id.to_string(), "title": c.title, "min": c.min_cohort})).collect::<Vec<_>>(),
                       "form": form, "errors": errors, "done": done });
    page(state, ctx, "train/interest.html", vars, status)
}

#[handler]
pub async fn interest_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    interest_page_with(
        &state,
        &ctx,
        &InterestForm::default(),
        no_errors(FIELDS),
        Value::Null,
        StatusCode::OK,
    )
    .await
}

#[handler]
pub async fn interest(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<InterestForm>) -> PageResult {
    let course_id = form.0.course_id.trim().parse().ok();
    match super::interest::register_interest(
        &state.db,
        &state.config.rate_limits.public,
        course_id,
        &form.0.farmer,
        &ctx.client_ip,
    )
    .await
    {
        Ok(done) => {
            interest_page_with(
                &state,
                &ctx,
                &InterestForm::default(),
                no_errors(FIELDS),
                serde_json::to_value(&done).unwrap_or_default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) if is_form_error(&e) => {
            let status = e.status();
            let errors = form_errors(&state, ctx.lang, FIELDS, &e);
            interest_page_with(&state, &ctx, &form.0, errors, Value::Null, status).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeQuery {
    code: String,
}

async fn certificate_page(state: &AppState, ctx: &PortalCtx, code: &str) -> PageResult {
    let code = code.trim();
    if code.is_empty() {
        return page(
            state,
            ctx,
            "train/verify.html",
            json!({ "code": "", "c": null }),
            StatusCode::OK,
        );
    }
    let c = registrations::certificate(&state.db, code).await?;
    let status = if c.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    page(state, ctx, "train/verify.html", json!({ "code": code, "c": c }), status)
}

#[handler]
pub async fn verify(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<CodeQuery>) -> PageResult {
    certificate_page(&state, &ctx, &q.0.code).await
}

#[handler]
pub async fn verify_code(state: Data<&AppState>, ctx: Data<&PortalCtx>, code: Path<String>) -> PageResult {
    certificate_page(&state, &ctx, &code.0).await
}
