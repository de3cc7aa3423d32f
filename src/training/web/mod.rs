//! Staff pages for farmer training: sessions and proposals, the set-up (bases, courses,
//! instructors, blackouts; `setup_pages`), a session's roster with its attendance grid, capacity and moves, and a
//! farmer's history by phone. Recording attendance and certificates: `attendance_web`.

use entity::registration::RegistrationStatus;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::registrations::{self, Canceller};
use super::schedule::{self, Plan};
use super::setup;
use super::{proposal_view, proposals, setup_view};
use crate::auth::Capability;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::state::AppState;
use crate::web::{PortalCtx, error_text, form_errors, is_form_error, no_errors, redirect, render};

mod setup_pages;

pub use setup_pages::{add_base, add_blackout, add_course, add_instructor, setup_page};

type PageResult = Result<Response, AppError>;

const SESSION_FIELDS: &[&str] = &[
    "course_id",
    "venue_id",
    "instructor_id",
    "starts_on",
    "ends_on",
    "capacity",
];

/// The new-session form as posted.
#[derive(Deserialize, Default, serde::Serialize, Clone)]
#[serde(default)]
pub struct SessionForm {
    course_id: String,
    venue_id: String,
    instructor_id: String,
    starts_on: String,
    ends_on: String,
    capacity: String,
}

fn int(e: &mut Vec<FieldError>, field: &str, v: &str) -> i32 {
    v.trim().parse().unwrap_or_else(|_| {
        e.push(FieldError::new(field, Msg::new("error.field_required")));
        0
    })
}

impl SessionForm {
    fn plan(&self) -> Result<Plan, AppError> {
        let mut e = Vec::new();
        let course_id = int(&mut e, "course_id", &self.course_id);
        let venue_id = int(&mut e, "venue_id", &self.venue_id);
        let instructor_id = int(&mut e, "instructor_id", &self.instructor_id);
        let starts_on = setup::date(&mut e, "starts_on", &self.starts_on);
        let ends_on = if self.ends_on.trim().is_empty() {
            starts_on
        } else {
            setup::date(&mut e, "ends_on", &self.ends_on)
        };
        let capacity = int(&mut e, "capacity", &self.capacity);
        match (starts_on, ends_on, e.is_empty()) {
            (Some(starts_on), Some(ends_on), true) => Ok(Plan {
                course_id,
                venue_id,
                instructor_id,
                starts_on,
                ends_on,
                capacity,
            }),
            _ => Err(AppError::Invalid(e)),
        }
    }
}

async fn choices(state: &AppState, ctx: &PortalCtx) -> Result<Value, AppError> {
    let cat = setup::catalogue(&state.db).await?;
    Ok(setup_view::session_choices(&cat, &state.i18n, ctx.lang))
}

async fn index_with(
    state: &AppState,
    ctx: &PortalCtx,
    form: &SessionForm,
    errors: Value,
    status: StatusCode,
) -> PageResult {
    let today = crate::clock::today();
    let cards = registrations::session_cards(&state.db, false, None).await?;
    let (upcoming, past): (Vec<_>, Vec<_>) = cards.into_iter().partition(|c| c.ends_on >= today);
    let vars = json!({
        "upcoming": upcoming, "past": past.into_iter().rev().take(50).collect::<Vec<_>>(),
        "proposals": proposal_view::with_explanations(&state.i18n, ctx.lang, proposal_view::proposals(&state.db).await?)?,
        "without_proposal": proposal_view::unproposed(&state.i18n, ctx.lang, &proposal_view::without_proposal(&state.db).await?),
        "choices": choices(state, ctx).await?, "form": form, "errors": errors,
    });
    Ok(render(state, ctx, "training/index.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn index(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::ManageTraining)?;
    let form = SessionForm {
        starts_on: (crate::clock::today() + chrono::Duration::days(14)).to_string(),
        ..Default::default()
    };
    index_with(&state, &ctx, &form, no_errors(SESSION_FIELDS), StatusCode::OK).await
}

#[handler]
pub async fn create_session(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<SessionForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let result = match form.0.plan() {
        Ok(plan) => schedule::create_session(&state.db, &me.actor(Some(ctx.client_ip.clone())), plan).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => Ok(redirect(&format!("/training/sessions/{}", s.id))),
        Err(e) if is_form_error(&e) => {
            let errors = form_errors(&state, ctx.lang, SESSION_FIELDS, &e);
            index_with(&state, &ctx, &form.0, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn approve(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    match schedule::approve_proposal(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0).await {
        Ok(s) => Ok(redirect(&format!("/training/sessions/{}", s.id))),
        Err(e) if is_form_error(&e) => {
            let errors = json!({ "_form": error_text(&state, ctx.lang, &e) });
            let mut all = no_errors(SESSION_FIELDS);
            all["_form"] = errors["_form"].clone();
            index_with(&state, &ctx, &SessionForm::default(), all, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn dismiss(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    schedule::dismiss_proposal(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0).await?;
    Ok(redirect("/training"))
}

/// Staff ask for a proposal for a course now (also after dismissing one); the page then shows the
/// proposal or why there is none.
#[handler]
pub async fn propose(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    proposals::propose_now(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0).await?;
    Ok(redirect("/training#proposals"))
}

#[derive(Deserialize, Default)]
pub struct Notice {
    done: Option<String>,
}

/// The roster page's form fields (capacity and move), each shown with its own error.
const ROSTER_FIELDS: &[&str] = &["capacity", "venue_id", "instructor_id", "starts_on", "ends_on"];

/// What a roster page shows besides the session: a notice on top, field errors next to their
/// field, and the move form as typed.
struct RosterExtras {
    notice: Value,
    errors: Value,
    typed: Option<SessionForm>,
}

async fn roster_with(
    state: &AppState,
    ctx: &PortalCtx,
    id: i32,
    extras: RosterExtras,
    status: StatusCode,
) -> PageResult {
    let card = registrations::session_cards(&state.db, false, Some(&[id]))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("training session"))?;
    let session = schedule::get_session(&state.db, id).await?;
    let rows = registrations::roster(&state.db, id).await?;
    let grid = super::grid::grid(&state.db, id).await?;
    let mut position = 0;
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            if r.status == RegistrationStatus::Waitlisted {
                position += 1;
            }
            let att = grid.rows.iter().find(|g| g.registration_id == r.id);
            let cancellable = r.status != RegistrationStatus::Cancelled;
            json!({ "r": r, "position": if r.status == RegistrationStatus::Waitlisted { position } else { 0 }, "att": att, "cancellable": cancellable })
        })
        .collect();
    // The move form shows what was typed when it came back with an error.
    let typed = extras.typed.unwrap_or_else(|| SessionForm {
        venue_id: session.venue_id.to_string(),
        instructor_id: session.instructor_id.to_string(),
        starts_on: session.starts_on.to_string(),
        ends_on: session.ends_on.to_string(),
        ..Default::default()
    });
    let vars = json!({
        "s": card, "session": session, "rows": rows, "notice": extras.notice, "errors": extras.errors,
        "typed": typed, "grid": grid,
        "can_attend": session.starts_on <= crate::clock::today(),
        "choices": choices(state, ctx).await?,
    });
    Ok(render(state, ctx, "training/roster.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn roster(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>, q: Query<Notice>) -> PageResult {
    ctx.staff(Capability::ManageTraining)?;
    let notice = match q.0.done.as_deref() {
        Some(k @ ("capacity" | "certificates" | "cancelled" | "moved")) => {
            json!({ "kind": "ok", "text": state.i18n.text(ctx.lang, &Msg::new(match k {
                "capacity" => "training.done_capacity",
                "certificates" => "attendance.done_certificates",
                "moved" => "training.done_moved",
                _ => "training.done_cancelled",
            })) })
        }
        _ => Value::Null,
    };
    let extras = RosterExtras {
        notice,
        errors: no_errors(ROSTER_FIELDS),
        typed: None,
    };
    roster_with(&state, &ctx, id.0, extras, StatusCode::OK).await
}

pub(super) async fn after(
    state: &AppState,
    ctx: &PortalCtx,
    id: i32,
    r: Result<(), AppError>,
    done: &str,
) -> PageResult {
    after_typed(state, ctx, id, r, done, None).await
}

/// Like [`after`], keeping the move form as typed when it comes back with an error.
async fn after_typed(
    state: &AppState,
    ctx: &PortalCtx,
    id: i32,
    r: Result<(), AppError>,
    done: &str,
    typed: Option<SessionForm>,
) -> PageResult {
    match r {
        Ok(()) => Ok(redirect(&format!("/training/sessions/{id}?done={done}"))),
        Err(e) if is_form_error(&e) => {
            // Field errors stand next to their field; only the rest is a notice on top.
            let errors = form_errors(state, ctx.lang, ROSTER_FIELDS, &e);
            let general = errors["_form"].as_str().unwrap_or_default();
            let notice = if general.is_empty() {
                Value::Null
            } else {
                json!({ "kind": "error", "text": general })
            };
            let extras = RosterExtras { notice, errors, typed };
            roster_with(state, ctx, id, extras, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CapacityForm {
    capacity: String,
}

#[handler]
pub async fn change_capacity(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<CapacityForm>,
) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let r = match form.0.capacity.trim().parse::<i32>() {
        Ok(c) => registrations::set_capacity(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0, c)
            .await
            .map(|_| ()),
        Err(_) => Err(AppError::invalid(
            "capacity",
            Msg::new("error.number_invalid").arg("value", form.0.capacity.trim()),
        )),
    };
    after(&state, &ctx, id.0, r, "capacity").await
}

#[handler]
pub async fn move_session(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<SessionForm>,
) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let mut e = Vec::new();
    let venue = int(&mut e, "venue_id", &form.0.venue_id);
    let instructor = int(&mut e, "instructor_id", &form.0.instructor_id);
    let from = setup::date(&mut e, "starts_on", &form.0.starts_on);
    let to = setup::date(&mut e, "ends_on", &form.0.ends_on);
    let r = match (from, to, e.is_empty()) {
        (Some(a), Some(b), true) => schedule::move_session(
            &state.db,
            &me.actor(Some(ctx.client_ip.clone())),
            id.0,
            venue,
            instructor,
            a,
            b,
        )
        .await
        .map(|_| ()),
        _ => Err(AppError::Invalid(e)),
    };
    after_typed(&state, &ctx, id.0, r, "moved", Some(form.0)).await
}

#[handler]
pub async fn cancel_registration(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    let r = registrations::cancel(
        &state.db,
        Canceller::Staff {
            actor: &actor,
            id: id.0,
        },
    )
    .await?;
    Ok(redirect(&format!("/training/sessions/{}?done=cancelled", r.session_id)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PhoneQuery {
    phone: String,
}

#[handler]
pub async fn farmer(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<PhoneQuery>) -> PageResult {
    ctx.staff(Capability::ManageTraining)?;
    let phone = q.0.phone.trim().to_string();
    let history = if phone.is_empty() {
        Vec::new()
    } else {
        match crate::student::ids::MobileNumber::parse(&phone) {
            Ok(p) => registrations::history_by_phone(&state.db, p.as_str()).await?,
            Err(_) => Vec::new(),
        }
    };
    let vars = json!({ "phone": phone, "history": history });
    Ok(render(&state, &ctx, "training/farmer.html", vars)?.into_response())
}
