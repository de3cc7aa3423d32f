//! The set-up page: bases, courses, instructors and blackout periods listed with a form each, and
//! the handlers that add one, showing the page again with that form's errors when it is refused.
//! It must not check or write anything itself: `setup` does.

use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{IntoResponse, handler};
use serde_json::{Value, json};

use super::PageResult;
use crate::auth::Capability;
use crate::error::AppError;
use crate::state::AppState;
use crate::training::setup::{self, BaseForm, BlackoutForm, CourseForm, InstructorForm};
use crate::training::setup_view;
use crate::web::{PortalCtx, form_errors, is_form_error, redirect, render};

/// Forms on the set-up page, each with its own errors.
#[derive(Default)]
struct SetupForms {
    base: BaseForm,
    course: CourseForm,
    instructor: InstructorForm,
    blackout: BlackoutForm,
    errors: Value,
}

async fn setup_with(state: &AppState, ctx: &PortalCtx, forms: SetupForms, status: StatusCode) -> PageResult {
    let cat = setup::catalogue(&state.db).await?;
    let schools = crate::admissions::programmes::list_schools(&state.db).await?;
    let vars = json!({
        "cat": setup_view::setup_lists(&cat, &state.i18n, ctx.lang), "schools": schools, "skills": setup::SKILL_AREAS,
        "base": forms.base, "course": forms.course, "instructor": forms.instructor, "blackout": forms.blackout,
        "errors": if forms.errors.is_null() { json!({}) } else { forms.errors },
    });
    Ok(render(state, ctx, "training/setup.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn setup_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::ManageTraining)?;
    let forms = SetupForms {
        base: BaseForm {
            open_days: "12345".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    setup_with(&state, &ctx, forms, StatusCode::OK).await
}

fn form_error(state: &AppState, ctx: &PortalCtx, which: &str, fields: &[&str], e: &AppError) -> Value {
    json!({ which: form_errors(state, ctx.lang, fields, e) })
}

#[handler]
pub async fn add_base(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<BaseForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let r = match form.0.parse() {
        Ok(i) => setup::create_base(&state.db, &me.actor(Some(ctx.client_ip.clone())), i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(redirect("/training/setup#bases")),
        Err(e) if is_form_error(&e) => {
            let fields = ["school_id", "name", "address", "town", "open_days", "venues"];
            let forms = SetupForms {
                errors: form_error(&state, &ctx, "base", &fields, &e),
                base: form.0,
                ..Default::default()
            };
            setup_with(&state, &ctx, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn add_course(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<CourseForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let r = match form.0.parse() {
        Ok(i) => setup::create_course(&state.db, &me.actor(Some(ctx.client_ip.clone())), i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(redirect("/training/setup#courses")),
        Err(e) if is_form_error(&e) => {
            let fields = [
                "title",
                "skill_area",
                "hours",
                "min_cohort",
                "max_cohort",
                "completion_share",
            ];
            let forms = SetupForms {
                errors: form_error(&state, &ctx, "course", &fields, &e),
                course: form.0,
                ..Default::default()
            };
            setup_with(&state, &ctx, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn add_instructor(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<InstructorForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let r = match form.0.parse() {
        Ok(i) => setup::create_instructor(&state.db, &me.actor(Some(ctx.client_ip.clone())), i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(redirect("/training/setup#instructors")),
        Err(e) if is_form_error(&e) => {
            let fields = ["name", "phone", "skills", "unavailable"];
            let forms = SetupForms {
                errors: form_error(&state, &ctx, "instructor", &fields, &e),
                instructor: form.0,
                ..Default::default()
            };
            setup_with(&state, &ctx, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn add_blackout(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<BlackoutForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let r = match form.0.parse() {
        Ok(i) => setup::create_blackout(&state.db, &me.actor(Some(ctx.client_ip.clone())), i)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(redirect("/training/setup#blackouts")),
        Err(e) if is_form_error(&e) => {
            let fields = ["name", "starts_on", "ends_on"];
            let forms = SetupForms {
                errors: form_error(&state, &ctx, "blackout", &fields, &e),
                blackout: form.0,
                ..Default::default()
            };
            setup_with(&state, &ctx, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}
