//! Adding an archive entry by hand (the form per kind, a correction of an earlier entry) and the
//! list of follow-up waves due (page or export).

use chrono::{NaiveDate, Utc};
use entity::archive_entry::EntryKind;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, handler};
use serde::Deserialize;
use serde_json::json;

use super::PageResult;
use crate::auth::Capability;
use crate::export::{self, ExportTable};
use crate::state::AppState;
use crate::student::entry_form::{self, EntryForm};
use crate::student::followup;
use crate::student::students::{self};
use crate::student::timeline::{ContractType, Evidence};
use crate::web::{PortalCtx, form_errors, is_form_error, no_errors, redirect, render};

#[derive(Deserialize)]
pub struct NewEntryQuery {
    kind: Option<String>,
    supersedes: Option<i64>,
}

#[handler]
pub async fn new_entry_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    q: Query<NewEntryQuery>,
) -> PageResult {
    ctx.staff(Capability::ManageStudents)?;
    let s = students::get_student(&state.db, id.0).await?;
    let kind =
        q.0.kind
            .filter(|k| EntryKind::parse(k).is_some_and(|k| entry_form::KINDS.contains(&k)))
            .unwrap_or_else(|| EntryKind::Note.as_str().into());
    let form = json!({ "kind": kind, "occurred_on": Utc::now().date_naive().to_string(), "supersedes_id": q.0.supersedes.map(|s| s.to_string()).unwrap_or_default() });
    let vars = json!({ "student": { "id": s.id, "name": s.name }, "form": form, "kinds": entry_form::KINDS, "contracts": ContractType::ALL, "evidences": Evidence::ALL, "errors": no_errors(entry_form::FIELDS) });
    Ok(render(&state, &ctx, "student/entry_new.html", vars)?.into_response())
}

#[handler]
pub async fn create_entry(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<EntryForm>,
) -> PageResult {
    let me = ctx.staff(Capability::ManageStudents)?;
    let f = form.0;
    let result = match f.parse() {
        Ok((on, details, supersedes)) => {
            students::add_entry(
                &state.db,
                &me.actor(Some(ctx.client_ip.clone())),
                id.0,
                on,
                details,
                supersedes,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/students/{}#timeline", id.0))),
        Err(e) if is_form_error(&e) => {
            let s = students::get_student(&state.db, id.0).await?;
            let vars = json!({ "student": { "id": s.id, "name": s.name }, "form": f.echo(), "kinds": entry_form::KINDS, "contracts": ContractType::ALL, "evidences": Evidence::ALL, "errors": form_errors(&state, ctx.lang, entry_form::FIELDS, &e) });
            Ok(render(&state, &ctx, "student/entry_new.html", vars)?
                .with_status(e.status())
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct FollowUpQuery {
    #[serde(default)]
    school: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    format: String,
}

#[handler]
pub async fn follow_ups_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<FollowUpQuery>) -> PageResult {
    ctx.staff(Capability::ReadStudents)?;
    let q = q.0;
    let today: NaiveDate = Utc::now().date_naive();
    let due = followup::due_follow_ups(&state.db, Some(&q.school), !q.overdue.is_empty(), today).await?;
    if !q.format.is_empty() {
        let t = |k: &'static str| state.i18n.get(ctx.lang, k);
        let headers = [
            "student.col.name",
            "followup.school",
            "followup.programme",
            "followup.wave",
            "followup.due_on",
            "followup.overdue",
        ]
        .iter()
        .map(|k| t(k))
        .collect();
        let rows = due
            .iter()
            .map(|d| {
                vec![
                    d.student_name.clone(),
                    d.school.clone(),
                    d.programme.clone(),
                    d.months.to_string(),
                    d.due_on.to_string(),
                    if d.overdue { t("common.yes") } else { t("common.no") },
                ]
            })
            .collect();
        return export::respond(&ExportTable { headers, rows }, "follow-ups", &q.format);
    }
    let vars = json!({ "due": due, "q": { "school": q.school, "overdue": q.overdue }, "query": serde_urlencoded::to_string([("school", &q.school), ("overdue", &q.overdue)]).unwrap_or_default() });
    Ok(render(&state, &ctx, "student/follow_ups.html", vars)?.into_response())
}
