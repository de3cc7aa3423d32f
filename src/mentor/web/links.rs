//! The public page behind the accept/decline links of assignment emails: no login; it shows what is
//! asked and a button, so mail scanners following links change nothing, and the answer it posts.

use chrono::Utc;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::PageResult;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::mentor::assignments::{self, Answer, LinkProblem};
use crate::state::AppState;
use crate::web::{PortalCtx, render};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LinkQuery {
    answer: String,
}

fn problem_status(p: LinkProblem) -> StatusCode {
    match p {
        LinkProblem::Invalid => StatusCode::NOT_FOUND,
        LinkProblem::Expired => StatusCode::GONE,
        LinkProblem::Used => StatusCode::CONFLICT,
    }
}

/// The page an assignment email links to: no login; shows what is asked and a button, so that
/// mail scanners following links change nothing.
#[handler]
pub async fn link_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    token: Path<String>,
    q: Query<LinkQuery>,
) -> PageResult {
    let checked = assignments::check_link(&state.db, &state.config.verifying_secrets(), &token.0, Utc::now()).await?;
    let (vars, status) = match checked {
        Ok(row) => (
            json!({ "token": token.0, "answer": q.0.answer, "a": assignments::link_view(&state.db, &row).await?, "problem": null, "done": null }),
            StatusCode::OK,
        ),
        Err((problem, row)) => {
            let a = match &row {
                Some(r) => json!(assignments::link_view(&state.db, r).await?),
                None => Value::Null,
            };
            (
                json!({ "token": token.0, "answer": "", "a": a, "problem": problem, "done": null }),
                problem_status(problem),
            )
        }
    };
    Ok(render(&state, &ctx, "mentor/link.html", vars)?
        .with_status(status)
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
    reason: String,
}

#[handler]
pub async fn answer(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    token: Path<String>,
    form: Form<AnswerForm>,
) -> PageResult {
    let Some(answer) = Answer::parse(&form.0.answer) else {
        return Err(AppError::invalid(
            "answer",
            Msg::new("error.choice_invalid").arg("allowed", "accept, decline"),
        ));
    };
    let reason = Some(form.0.reason.clone());
    let result = assignments::answer(
        &state.db,
        &state.config.verifying_secrets(),
        &token.0,
        answer,
        reason,
        Some(ctx.client_ip.clone()),
    )
    .await?;
    let (vars, status) = match result {
        Ok(row) => (
            json!({ "token": token.0, "answer": "", "a": assignments::link_view(&state.db, &row).await?, "problem": null, "done": answer }),
            StatusCode::OK,
        ),
        Err(problem) => (
            json!({ "token": token.0, "answer": "", "a": null, "problem": problem, "done": null }),
            problem_status(problem),
        ),
    };
    Ok(render(&state, &ctx, "mentor/link.html", vars)?
        .with_status(status)
        .into_response())
}
