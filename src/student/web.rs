//! Portal pages for students: search (with CSV/XLSX export), the student's archive page with the
//! audited ID reveal and entry forms, and the follow-up list.

use chrono::{NaiveDate, Utc};
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::entry_form::{self, EntryForm};
use super::followup;
use super::students::{self, StudentFilter};
use crate::auth::{Capability, CurrentUser};
use crate::error::AppError;
use crate::export::{self, ExportTable};
use crate::i18n::Msg;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::{PortalCtx, form_errors, is_form_error, no_errors, redirect, render};

type PageResult = Result<Response, AppError>;

/// The search form's fields, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct SearchQuery {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_last_digits: String,
    /// A full national ID (matched through its look-up hash; audited).
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    household_number: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    graduation_year: String,
    #[serde(default)]
    status: String,
    /// The list's order: a column, `-` first for descending (see [`students::StudentSort`]).
    #[serde(default)]
    sort: String,
    page: Option<u64>,
}

impl SearchQuery {
    fn filter(&self, vault: &crate::crypto::IdVault) -> Result<StudentFilter, AppError> {
        let year = self.graduation_year.trim();
        let graduation_year = if year.is_empty() {
            None
        } else {
            Some(year.parse::<i32>().map_err(|_| {
                AppError::invalid("graduation_year", Msg::new("error.number_invalid").arg("value", year))
            })?)
        };
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        StudentFilter {
            name: some(&self.name),
            id_last_digits: some(&self.id_last_digits),
            household_number: some(&self.household_number),
            town: some(&self.town),
            junior_high_school: some(&self.school),
            graduation_year,
            status: some(&self.status),
            national_id_hash: None,
            sort: students::StudentSort::parse(&self.sort)?,
        }
        .with_national_id(vault, Some(&self.national_id))
    }

    /// The filters and the order, as the pager's and the exports' query.
    fn query_string(&self) -> String {
        let filters = self.filter_string();
        if self.sort.trim().is_empty() {
            return filters;
        }
        let sort = serde_urlencoded::to_string([("sort", self.sort.trim())]).unwrap_or_default();
        if filters.is_empty() {
            sort
        } else {
            format!("{filters}&{sort}")
        }
    }

    /// The filters alone, for the column headers that set the order.
    fn filter_string(&self) -> String {
        serde_urlencoded::to_string([
            ("name", &self.name),
            ("id_last_digits", &self.id_last_digits),
            ("national_id", &self.national_id),
            ("household_number", &self.household_number),
            ("town", &self.town),
            ("school", &self.school),
            ("graduation_year", &self.graduation_year),
            ("status", &self.status),
        ])
        .unwrap_or_default()
    }
}

const STATUSES: [&str; 8] = [
    "in_junior_high",
    "in_senior_high",
    "awaiting_placement",
    "placed",
    "enrolled",
    "graduated_employed",
    "graduated_not_employed",
    "unknown",
];

#[handler]
pub async fn list_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<SearchQuery>) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let q = q.0;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    let (page, error) = match q.filter(&state.vault) {
        Ok(f) => (
            students::search_students(&state.db, &actor, &f, PageRequest::new(q.page, None)?).await?,
            String::new(),
        ),
        Err(e) => (
            crate::pagination::Page::new(Vec::new(), PageRequest::default(), 0),
            crate::web::error_text(&state, ctx.lang, &e),
        ),
    };
    let page = page.map(|(s, h)| row_json(&s, &h, me));
    let sort = students::StudentSort::parse(&q.sort).unwrap_or_default();
    let vars = json!({
        "sort": { "key": sort.key.code(), "desc": sort.descending },
        "filters": q.filter_string(),
        "page": page, "q": {
            "name": q.name, "id_last_digits": q.id_last_digits, "national_id": q.national_id, "household_number": q.household_number,
            "town": q.town, "school": q.school, "graduation_year": q.graduation_year, "status": q.status,
        },
        "query": q.query_string(), "statuses": STATUSES, "error": error,
        "can_import": me.can(Capability::ManageStudents),
    });
    Ok(render(&state, &ctx, "student/list.html", vars)?.into_response())
}

fn row_json(s: &entity::student::Model, h: &entity::household::Model, me: &CurrentUser) -> serde_json::Value {
    json!({
        "id": s.id, "name": s.name, "sex": s.sex.as_str(), "national_id": s.national_id_masked,
        "birth_date": s.birth_date.to_string(), "household_number": h.registration_number, "town": h.town,
        "village": h.village, "school": s.junior_high_school, "graduation_year": s.graduation_year,
        "senior_high_status": s.senior_high_status.as_str(), "status": s.current_status,
        "programme": s.current_programme.clone().unwrap_or_default(), "phone": me.phone_view(s.phone.as_deref()).unwrap_or_default(),
    })
}

/// Every student matching the search, as CSV or XLSX (`format=`), IDs masked.
#[handler]
pub async fn export_list(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    q: Query<SearchQuery>,
    format: Query<ExportFormat>,
) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    let filter = q.0.filter(&state.vault)?;
    let t = |k: &'static str| state.i18n.get(ctx.lang, k);
    let headers: Vec<String> = [
        "student.col.name",
        "student.col.sex",
        "student.col.national_id",
        "student.col.birth_date",
        "student.col.household_number",
        "student.col.town",
        "student.col.village",
        "student.col.school",
        "student.col.graduation_year",
        "student.col.senior_high_status",
        "student.col.status",
        "student.col.programme",
        "student.col.phone",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    const PAGE: u64 = 1000;
    let first = students::search_students(
        &state.db,
        &actor,
        &filter,
        PageRequest {
            page: 1,
            per_page: PAGE,
        },
    )
    .await?;
    let lang = ctx.lang;
    let mut last = last_if_full(&first.items, PAGE);
    let mut rows = export_rows(&state, lang, me, first.items);
    if format.0.format != "xlsx" {
        // CSV streams: the first page is read (errors answered as errors), the rest as it is sent,
        // a page at a time after the last row sent.
        let (st, me) = ((*state).clone(), me.clone());
        let rest = futures_util::stream::unfold(last, move |last| {
            let (st, filter, me) = (st.clone(), filter.clone(), me.clone());
            async move {
                let found = match students::students_after(&st.db, &filter, &last?, PAGE).await {
                    Ok(found) => found,
                    Err(e) => return Some((Err(e), None)),
                };
                let next = last_if_full(&found, PAGE);
                (!found.is_empty()).then(|| (Ok(export_rows(&st, lang, &me, found)), next))
            }
        });
        return export::stream_csv(&headers, rows, Box::pin(rest), "students");
    }
    while let Some(after) = last {
        let found = students::students_after(&state.db, &filter, &after, PAGE).await?;
        last = last_if_full(&found, PAGE);
        rows.extend(export_rows(&state, lang, me, found));
    }
    export::respond(&ExportTable { headers, rows }, "students", &format.0.format)
}

/// The last student of a full page (where the next page starts); `None` after the last page.
fn last_if_full(
    page: &[(entity::student::Model, entity::household::Model)],
    size: u64,
) -> Option<entity::student::Model> {
    (page.len() as u64 == size)
        .then(|| page.last().map(|(s, _)| s.clone()))
        .flatten()
}

/// The export's cells of a page of students.
fn export_rows(
    state: &AppState,
    lang: crate::i18n::Lang,
    me: &CurrentUser,
    found: Vec<(entity::student::Model, entity::household::Model)>,
) -> Vec<Vec<String>> {
    let label = |key: String| state.i18n.render(lang, &key, []);
    found
        .into_iter()
        .map(|(s, h)| {
            vec![
                s.name,
                label(format!("sex.{}", s.sex.as_str())),
                s.national_id_masked,
                s.birth_date.to_string(),
                h.registration_number,
                h.town,
                h.village,
                s.junior_high_school,
                s.graduation_year.to_string(),
                label(format!("senior_high.{}", s.senior_high_status.as_str())),
                label(format!("status.{}", s.current_status)),
                s.current_programme.unwrap_or_default(),
                me.phone_view(s.phone.as_deref()).unwrap_or_default(),
            ]
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct ExportFormat {
    #[serde(default)]
    format: String,
}

impl ExportFormat {
    /// `csv`, `xlsx`, …, as asked.
    pub fn format(&self) -> &str {
        &self.format
    }
}

/// An archive entry for the page, with its fields as an ordered list (see [`super::entry_fields`]).
fn entry_json(e: &students::EntryView) -> Value {
    let mut v = json!(e);
    v["fields"] = json!(super::entry_fields::entry_fields(&e.kind, &e.details));
    v
}

#[handler]
pub async fn student_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ReadStudents)?;
    show_student(&state, &ctx, id.0, None).await
}

async fn show_student(state: &AppState, ctx: &PortalCtx, id: i32, revealed: Option<String>) -> PageResult {
    show_student_with(state, ctx, id, revealed, String::new()).await
}

async fn show_student_with(
    state: &AppState,
    ctx: &PortalCtx,
    id: i32,
    revealed: Option<String>,
    prefs_error: String,
) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let mut r = students::student_record(&state.db, id, Utc::now().date_naive()).await?;
    r.entries = std::mem::take(&mut r.entries)
        .into_iter()
        .map(|e| e.for_viewer(me))
        .collect();
    let mut student = row_json(&r.student, &r.household, me);
    student["guardian"] = json!(r.student.guardian.clone().unwrap_or_default());
    student["exam_score"] = json!(r.student.exam_score.map(|s| s.to_string()).unwrap_or_default());
    student["disability"] = json!(r.student.disability);
    student["intended_skill"] = json!(r.student.intended_skill.clone().unwrap_or_default());
    let vars = json!({
        "student": student,
        "household": r.household,
        "status": r.status.code(),
        "programme": match &r.status { super::timeline::CurrentStatus::Placed { programme } | super::timeline::CurrentStatus::Enrolled { programme } => programme.clone(), _ => String::new() },
        "entries": r.entries.iter().map(entry_json).collect::<Vec<_>>(),
        "waves": r.waves,
        "revealed": revealed.unwrap_or_default(),
        "can_reveal": me.can(Capability::RevealNationalId),
        "can_write": me.can(Capability::ManageStudents),
        "kinds": entry_form::KINDS,
        "choices": crate::admissions::preferences::preferences_of(&state.db, id)
            .await?
            .into_iter()
            .map(|(p, g)| json!({ "rank": p.rank, "code": g.code, "name": g.name, "confirmed": p.confirmed }))
            .collect::<Vec<_>>(),
        "can_route": me.can(Capability::RunRouting),
        "prefs_error": prefs_error,
        "mentors": crate::mentor::assignments::list(
            &state.db,
            &crate::mentor::assignments::AssignmentFilter { student_id: Some(id), in_force: true, ..Default::default() },
            crate::pagination::PageRequest::first(10),
        )
        .await?
        .items,
        "can_mentor": me.can(Capability::ManageMentoring),
        "household_training": crate::training::registrations::history_by_household(&state.db, r.household.id).await?,
    });
    let status = if vars["prefs_error"].as_str().is_some_and(|e| !e.is_empty()) {
        poem::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        poem::http::StatusCode::OK
    };
    Ok(render(state, ctx, "student/show.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn reveal(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::RevealNationalId)?;
    let clear = students::reveal_national_id(&state.db, &state.vault, me, Some(ctx.client_ip.clone()), id.0).await?;
    show_student(&state, &ctx, id.0, Some(clear)).await
}

#[derive(Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    codes: String,
}

/// Sets the student's choices from programme codes typed in order.
#[handler]
pub async fn set_preferences(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<PreferencesForm>,
) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    match crate::admissions::preferences::set_preferences_by_codes(&state.db, &actor, id.0, &form.0.codes).await {
        Ok(()) => Ok(redirect(&format!("/students/{}#choices", id.0))),
        Err(e @ AppError::Invalid(_)) => {
            show_student_with(&state, &ctx, id.0, None, crate::web::error_text(&state, ctx.lang, &e)).await
        }
        Err(e) => Err(e),
    }
}

/// Confirms the recommended choices as they are.
#[handler]
pub async fn confirm_preferences(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::RunRouting)?;
    crate::admissions::preferences::confirm(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0).await?;
    Ok(redirect(&format!("/students/{}#choices", id.0)))
}

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
            .filter(|k| entry_form::KINDS.contains(&k.as_str()))
            .unwrap_or_else(|| "note".into());
    let form = json!({ "kind": kind, "occurred_on": Utc::now().date_naive().to_string(), "supersedes_id": q.0.supersedes.map(|s| s.to_string()).unwrap_or_default() });
    let vars = json!({ "student": { "id": s.id, "name": s.name }, "form": form, "kinds": entry_form::KINDS, "errors": no_errors(entry_form::FIELDS) });
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
            let vars = json!({ "student": { "id": s.id, "name": s.name }, "form": f.echo(), "kinds": entry_form::KINDS, "errors": form_errors(&state, ctx.lang, entry_form::FIELDS, &e) });
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
