//! Admission letter pages: one placement's letter, a school's letters of a year (one A4 page per
//! student, for printing), and the public check of a letter's verify code. Moves parameters; the
//! work is in [`letters`].

use chrono::Datelike;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::json;

use super::letters::{self, Letter};
use crate::auth::Capability;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::state::AppState;
use crate::web::{PortalCtx, opt_number, render};

type PageResult = Result<Response, AppError>;

#[derive(Deserialize, Default)]
pub struct LettersQuery {
    #[serde(default, deserialize_with = "opt_number")]
    intake_year: Option<i32>,
}

/// Renders letters, each on its own page, with the aid the county grants.
fn letters_page(state: &AppState, ctx: &PortalCtx, title: String, back: String, list: Vec<Letter>) -> PageResult {
    let aid = state.config.aid;
    let vars = json!({
        "title": title,
        "back": back,
        "letters": list,
        "aid": { "free_tuition": aid.free_tuition, "grant_yuan": aid.grant_yuan },
        "verify_base": format!("{}/letters/verify/", state.config.base_url),
    });
    Ok(render(state, ctx, "admissions/letters.html", vars)?.into_response())
}

/// `GET /placements/{id}/letter`: one student's admission letter.
#[handler]
pub async fn letter(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ReadStudents)?;
    let l = letters::letter(&state.db, id.0).await?;
    let title = format!("{} {}", state.i18n.get(ctx.lang, "letter.title"), l.name);
    let back = format!("/students/{}", l.student_id);
    letters_page(&state, &ctx, title, back, vec![l])
}

/// `GET /schools/{id}/letters?intake_year=`: every placed student's letter, one page each.
#[handler]
pub async fn school_letters(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    q: Query<LettersQuery>,
) -> PageResult {
    ctx.staff(Capability::ReadStudents)?;
    let year = q.0.intake_year.unwrap_or_else(|| crate::clock::today().year());
    let (school, list) = letters::school_letters(&state.db, id.0, year).await?;
    let title = state.i18n.text(
        ctx.lang,
        &Msg::new("letter.letters_of")
            .arg("school", &school.name)
            .arg("year", year),
    );
    letters_page(
        &state,
        &ctx,
        title,
        format!("/reporting-windows?intake_year={year}"),
        list,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeQuery {
    code: String,
}

/// The public check: a form, and for a code the masked name, school, programme and year (404 for
/// a code no letter carries).
async fn verify_page(state: &AppState, ctx: &PortalCtx, typed: &str) -> PageResult {
    let typed = typed.trim();
    let found = if typed.is_empty() {
        None
    } else {
        letters::verify(&state.db, typed).await?
    };
    let status = if typed.is_empty() || found.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    // What was typed is echoed only as far as a code can go.
    let shown: String = typed.chars().take(crate::verify::CODE_LEN + 6).collect();
    let vars = json!({ "code": shown, "letter": found });
    Ok(render(state, ctx, "admissions/letter_verify.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn verify(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<CodeQuery>) -> PageResult {
    verify_page(&state, &ctx, &q.0.code).await
}

#[handler]
pub async fn verify_code(state: Data<&AppState>, ctx: Data<&PortalCtx>, code: Path<String>) -> PageResult {
    verify_page(&state, &ctx, &code.0).await
}
