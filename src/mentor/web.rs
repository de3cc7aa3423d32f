//! Mentoring pages: the proposal and its confirmation, assignments, one student's mentors with the
//! override form, the overdue list, mentor profiles (admins), "my mentees" with the help-session
//! form (mentors), and the public page behind the accept/decline links of assignment emails.

use chrono::Utc;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::assignments::{self, Answer, AssignmentFilter, LinkProblem, Override, role_code};
use super::optimiser::MentorRole;
use super::profiles::{self, ProfileInput, RoleCapacity};
use super::sessions::{self, MODES, SessionInput};
use crate::auth::Capability;
use crate::clock::today;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::web::{PortalCtx, error_text, form_errors, is_form_error, no_errors, redirect, render};

type PageResult = Result<Response, AppError>;

/// Rows of a proposal shown on the page; the rest are counted (the confirmation takes them all).
const SHOWN: usize = 500;

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default, deserialize_with = "crate::web::opt_number")]
    year: Option<i32>,
    #[serde(default, deserialize_with = "crate::web::opt_number")]
    confirmed: Option<usize>,
}

async fn year_or_latest(state: &AppState, year: Option<i32>) -> Result<Option<i32>, AppError> {
    match year {
        Some(y) => Ok(Some(y)),
        None => assignments::latest_intake_year(&state.db).await,
    }
}

async fn overview(
    state: &AppState,
    ctx: &PortalCtx,
    year: Option<i32>,
    notice: Value,
    status: StatusCode,
) -> PageResult {
    let Some(year) = year_or_latest(state, year).await? else {
        return Ok(render(
            state,
            ctx,
            "mentor/overview.html",
            json!({ "year": null, "notice": notice }),
        )?
        .with_status(status)
        .into_response());
    };
    let view = assignments::proposal(&state.db, year).await?;
    let overdue = sessions::overdue(&state.db, today(), None).await?.len();
    let vars = json!({
        "year": year,
        "view": {
            "digest": view.digest, "placed": view.placed, "complete": view.complete,
            "count": view.assignments.len(), "uncovered_count": view.uncovered.len(),
            "assignments": view.assignments.iter().take(SHOWN).collect::<Vec<_>>(),
            "uncovered": view.uncovered.iter().take(SHOWN).collect::<Vec<_>>(),
        },
        "shown": SHOWN,
        "overdue": overdue,
        "notice": notice,
    });
    Ok(render(state, ctx, "mentor/overview.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn overview_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<YearQuery>) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let notice = match q.0.confirmed {
        Some(n) => {
            json!({ "kind": "ok", "text": state.i18n.text(ctx.lang, &Msg::new("mentoring.confirmed").arg("count", n)) })
        }
        None => Value::Null,
    };
    overview(&state, &ctx, q.0.year, notice, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConfirmForm {
    year: i32,
    digest: String,
}

#[handler]
pub async fn confirm(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<ConfirmForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageMentoring)?;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    match assignments::confirm(&state.db, &actor, form.0.year, &form.0.digest, &state.config).await {
        Ok(done) => Ok(redirect(&format!(
            "/mentoring?year={}&confirmed={}",
            form.0.year, done.assignments
        ))),
        Err(e) if is_form_error(&e) => {
            let notice = json!({ "kind": "error", "text": error_text(&state, ctx.lang, &e) });
            overview(&state, &ctx, Some(form.0.year), notice, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    page: Option<u64>,
}

#[handler]
pub async fn assignments_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<ListQuery>) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let filter = AssignmentFilter {
        status: Some(q.0.status.clone()),
        ..Default::default()
    };
    let page = assignments::list(&state.db, &filter, PageRequest::new(q.0.page, None)?).await?;
    let vars = json!({ "page": page, "status": q.0.status, "query": format!("status={}", q.0.status),
                       "statuses": ["assigned", "accepted", "declined", "replaced"] });
    Ok(render(&state, &ctx, "mentor/assignments.html", vars)?.into_response())
}

const OVERRIDE_FIELDS: &[&str] = &["role", "mentor_id", "reason"];

#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
pub struct OverrideForm {
    #[serde(deserialize_with = "crate::web::opt_number")]
    year: Option<i32>,
    role: String,
    mentor_id: String,
    reason: String,
}

async fn student_page_with(
    state: &AppState,
    ctx: &PortalCtx,
    student_id: i32,
    year: Option<i32>,
    form: &OverrideForm,
    errors: Value,
    status: StatusCode,
) -> PageResult {
    let student = crate::student::students::get_student(&state.db, student_id).await?;
    let mut history = assignments::list(
        &state.db,
        &AssignmentFilter {
            student_id: Some(student_id),
            ..Default::default()
        },
        PageRequest::first(PageRequest::MAX_PER_PAGE),
    )
    .await?
    .items;
    let names = crate::audit::names_by_label(&state.db, history.iter().map(|a| a.row.assigned_by.as_str())).await?;
    for a in &mut history {
        a.row.assigned_by = crate::audit::name_of(&names, &a.row.assigned_by);
    }
    let year = year_or_latest(state, year).await?;
    let placed = match year {
        Some(y) => assignments::placed_students(&state.db, y).await?.remove(&student_id),
        None => None,
    };
    let mut candidates = Vec::new();
    if let Some(p) = &placed {
        let loads = assignments::loads(&state.db).await?;
        for m in assignments::active_mentors(&state.db).await?.into_values() {
            if m.school_id != p.school_id {
                continue;
            }
            let load = loads.get(&m.id).copied().unwrap_or_default();
            let roles: Vec<Value> = m
                .roles
                .iter()
                .filter(|(r, _)| *r != MentorRole::SubjectTeacher || m.skill_areas.contains(&p.skill_area))
                .map(|(r, max)| {
                    let i = MentorRole::ALL.iter().position(|x| x == r).unwrap_or(0);
                    json!({ "role": role_code(*r), "load": load[i], "max": max })
                })
                .collect();
            if !roles.is_empty() {
                candidates.push(json!({ "id": m.id.to_string(), "name": m.name, "town": m.home_town, "roles": roles }));
            }
        }
    }
    let current: serde_json::Map<String, Value> = history
        .iter()
        .filter(|a| a.row.in_force.is_some())
        .map(|a| (a.row.role.clone(), json!(a)))
        .collect();
    let vars = json!({
        "student": { "id": student.id, "name": student.name },
        "year": year, "placed": placed, "current": current, "history": history,
        "candidates": candidates, "roles": ["counsellor", "class_teacher", "subject_teacher"],
        "form": form, "errors": errors,
    });
    Ok(render(state, ctx, "mentor/student.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn student_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    q: Query<YearQuery>,
) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let form = OverrideForm::default();
    student_page_with(
        &state,
        &ctx,
        id.0,
        q.0.year,
        &form,
        no_errors(OVERRIDE_FIELDS),
        StatusCode::OK,
    )
    .await
}

#[handler]
pub async fn override_one(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<OverrideForm>,
) -> PageResult {
    let me = ctx.staff(Capability::ManageMentoring)?;
    let form = form.0;
    let Some(year) = year_or_latest(&state, form.year).await? else {
        return Err(AppError::Conflict(Msg::new("error.no_committed_run")));
    };
    let input = Override {
        intake_year: year,
        student_id: id.0,
        role: form.role.clone(),
        mentor_id: form.mentor_id.trim().parse().ok(),
        reason: form.reason.clone(),
    };
    match assignments::override_one(&state.db, &me.actor(Some(ctx.client_ip.clone())), input, &state.config).await {
        Ok(_) => Ok(redirect(&format!("/mentoring/students/{}?year={year}", id.0))),
        Err(e) if is_form_error(&e) => {
            let errors = form_errors(&state, ctx.lang, OVERRIDE_FIELDS, &e);
            student_page_with(
                &state,
                &ctx,
                id.0,
                Some(year),
                &form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn overdue_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let rows = sessions::overdue(&state.db, today(), None).await?;
    let vars = json!({ "rows": rows, "days": sessions::NO_CONTACT_DAYS });
    Ok(render(&state, &ctx, "mentor/overdue.html", vars)?.into_response())
}

#[handler]
pub async fn mentors_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let loads = assignments::loads(&state.db).await?;
    let schools: std::collections::HashMap<i32, String> = crate::admissions::programmes::list_schools(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let profiles = profiles::list_profiles(&state.db, None).await?;
    let mentor_users = crate::auth::user::list_mentors(&state.db).await?;
    let mut rows = Vec::new();
    for u in &mentor_users {
        let profile = profiles.iter().find(|p| p.user_id == u.id);
        let (roles, skills) = match profile {
            Some(p) => profiles::decode(p)?,
            None => (Vec::new(), Vec::new()),
        };
        let load = loads.get(&u.id).copied().unwrap_or_default();
        let roles: Vec<Value> = roles
            .iter()
            .map(|r| {
                let i = ["counsellor", "class_teacher", "subject_teacher"]
                    .iter()
                    .position(|x| *x == r.role)
                    .unwrap_or(0);
                json!({ "role": r.role, "max": r.max, "load": load[i] })
            })
            .collect();
        rows.push(json!({
            "id": u.id, "name": u.name, "email": u.email, "has_profile": profile.is_some(),
            "school": profile.and_then(|p| schools.get(&p.school_id)).cloned().unwrap_or_default(),
            "town": profile.map(|p| p.home_town.clone()).unwrap_or_default(),
            "active": profile.is_some_and(|p| p.active) && u.active,
            "roles": roles, "skills": skills.join("、"),
        }));
    }
    let vars = json!({ "rows": rows, "can_edit": ctx.user.as_ref().is_some_and(|u| u.can(Capability::ManageUsers)) });
    Ok(render(&state, &ctx, "mentor/mentors.html", vars)?.into_response())
}

const PROFILE_FIELDS: &[&str] = &[
    "school_id",
    "roles",
    "counsellor",
    "class_teacher",
    "subject_teacher",
    "skill_areas",
    "home_town",
];

/// The profile form: a maximum per role (empty = cannot take the role).
#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
pub struct ProfileForm {
    school_id: String,
    counsellor: String,
    class_teacher: String,
    subject_teacher: String,
    /// Comma- or line-separated.
    skill_areas: String,
    home_town: String,
    active: Option<String>,
}

impl ProfileForm {
    fn parse(&self, caps: &crate::config::MentorCaps) -> Result<ProfileInput, AppError> {
        let mut errors = Vec::new();
        let mut roles = Vec::new();
        for (name, value) in [
            ("counsellor", &self.counsellor),
            ("class_teacher", &self.class_teacher),
            ("subject_teacher", &self.subject_teacher),
        ] {
            match value.trim() {
                "" => {}
                v => match v.parse::<u32>() {
                    Ok(max) if (1..=200).contains(&max) => roles.push(RoleCapacity { role: name.into(), max }),
                    _ => errors.push(crate::error::FieldError::new(
                        name,
                        Msg::new("error.number_range").arg("value", v).arg("max", 200),
                    )),
                },
            }
        }
        let school_id = self.school_id.trim().parse::<i32>();
        if school_id.is_err() {
            errors.push(crate::error::FieldError::new(
                "school_id",
                Msg::new("error.field_required"),
            ));
        }
        let skills: Vec<String> = self
            .skill_areas
            .split([',', '，', '、', '\n'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let names: Vec<String> = roles.iter().map(|r| r.role.clone()).collect();
        let parsed = ProfileInput::parse(
            school_id.clone().unwrap_or(0),
            roles,
            skills,
            &self.home_town,
            self.active.is_some(),
            caps,
        );
        match parsed {
            Ok(p) if errors.is_empty() => Ok(p),
            Ok(_) => Err(AppError::Invalid(errors)),
            Err(AppError::Invalid(more)) => {
                // `roles.<i>.max` is the form's field named after the role.
                for mut e in more {
                    if let Some(rest) = e.field.strip_prefix("roles.") {
                        let Some(name) = rest
                            .split('.')
                            .next()
                            .and_then(|i| i.parse::<usize>().ok())
                            .and_then(|i| names.get(i))
                        else {
                            continue;
                        };
                        e.field = name.clone();
                    }
                    errors.push(e);
                }
                Err(AppError::Invalid(errors))
            }
            Err(e) => Err(e),
        }
    }
}

async fn profile_form_page(
    state: &AppState,
    ctx: &PortalCtx,
    user_id: i32,
    form: &ProfileForm,
    errors: Value,
    status: StatusCode,
) -> PageResult {
    let user = crate::auth::user::get_user(&state.db, user_id).await?;
    let schools: Vec<Value> = crate::admissions::programmes::list_schools(&state.db)
        .await?
        .into_iter()
        .map(|s| json!({ "id": s.id.to_string(), "name": s.name }))
        .collect();
    let vars = json!({ "mentor": { "id": user.id, "name": user.name, "email": user.email }, "form": form, "schools": schools, "errors": errors });
    Ok(render(state, ctx, "mentor/profile_form.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn profile_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ManageUsers)?;
    let existing = profiles::list_profiles(&state.db, None)
        .await?
        .into_iter()
        .find(|p| p.user_id == id.0);
    let form = match existing {
        Some(p) => {
            let (roles, skills) = profiles::decode(&p)?;
            let max = |name: &str| {
                roles
                    .iter()
                    .find(|r| r.role == name)
                    .map(|r| r.max.to_string())
                    .unwrap_or_default()
            };
            ProfileForm {
                school_id: p.school_id.to_string(),
                counsellor: max("counsellor"),
                class_teacher: max("class_teacher"),
                subject_teacher: max("subject_teacher"),
                skill_areas: skills.join("，"),
                home_town: p.home_town.clone(),
                active: p.active.then(|| "on".into()),
            }
        }
        None => ProfileForm {
            active: Some("on".into()),
            ..Default::default()
        },
    };
    profile_form_page(&state, &ctx, id.0, &form, no_errors(PROFILE_FIELDS), StatusCode::OK).await
}

#[handler]
pub async fn save_profile(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<ProfileForm>,
) -> PageResult {
    let me = ctx.staff(Capability::ManageUsers)?;
    let saved = match form.0.parse(&state.config.mentor_caps) {
        Ok(input) => profiles::save_profile(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0, input).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(redirect("/mentoring/mentors")),
        Err(e) if is_form_error(&e) => {
            let errors = form_errors(&state, ctx.lang, PROFILE_FIELDS, &e);
            profile_form_page(&state, &ctx, id.0, &form.0, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

/// The "my mentees" search: a name, and `only=overdue`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MenteeQuery {
    q: String,
    only: String,
}

#[handler]
pub async fn my_mentees(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: poem::web::Query<MenteeQuery>) -> PageResult {
    let me = ctx.staff(Capability::RecordHelpSessions)?;
    let all = sessions::my_mentees(&state.db, me.id, today()).await?;
    let total = all.len();
    // A name typed in the search box (at most 20 characters, compared as typed, trimmed).
    let wanted: String = q.0.q.trim().chars().filter(|c| !c.is_control()).take(20).collect();
    let only_overdue = q.0.only == "overdue";
    let rows: Vec<&sessions::Mentee> = all
        .iter()
        .filter(|m| wanted.is_empty() || m.student.contains(&wanted))
        .filter(|m| !only_overdue || m.overdue || m.back_on_ledger.is_some())
        .collect();
    let vars = json!({
        "rows": rows, "total": total, "days": sessions::NO_CONTACT_DAYS,
        "q": wanted, "only": if only_overdue { "overdue" } else { "" },
    });
    Ok(render(&state, &ctx, "mentor/my_mentees.html", vars)?.into_response())
}

const SESSION_FIELDS: &[&str] = &["date", "mode", "duration_minutes", "notes", "student_id"];

#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
pub struct SessionForm {
    date: String,
    mode: String,
    duration_minutes: String,
    notes: String,
}

async fn mentee_page_with(
    state: &AppState,
    ctx: &PortalCtx,
    student_id: i32,
    form: &SessionForm,
    errors: Value,
    status: StatusCode,
    saved: bool,
) -> PageResult {
    let me = ctx.staff(Capability::RecordHelpSessions)?;
    let mine = sessions::my_mentees(&state.db, me.id, today()).await?;
    let roles: Vec<&sessions::Mentee> = mine.iter().filter(|m| m.student_id == student_id).collect();
    if roles.is_empty() {
        return Err(AppError::NotFound("mentee"));
    }
    let student = crate::student::students::get_student(&state.db, student_id).await?;
    let sessions: Vec<entity::archive_entry::Model> = crate::student::students::entries_of(&state.db, student_id)
        .await?
        .into_iter()
        .filter(|e| e.kind == entity::archive_entry::EntryKind::MentorSession)
        .rev()
        .collect();
    let names = crate::student::students::recorder_names(&state.db, &sessions).await?;
    let past: Vec<Value> = sessions
        .into_iter()
        .map(|e| {
            let details: Value = serde_json::from_str(&e.details).unwrap_or(Value::Null);
            let by = crate::student::students::recorder(&names, e.recorded_by, e.recorded_by_label);
            json!({ "date": e.occurred_on, "details": details, "by": by })
        })
        .collect();
    let vars = json!({
        "student": { "id": student.id, "name": student.name, "phone": student.phone, "guardian": student.guardian },
        "roles": roles, "past": past, "modes": MODES, "form": form, "errors": errors, "today": today(), "saved": saved,
    });
    Ok(render(state, ctx, "mentor/mentee.html", vars)?
        .with_status(status)
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[handler]
pub async fn mentee_page(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    q: Query<SavedQuery>,
) -> PageResult {
    let form = SessionForm {
        date: today().to_string(),
        mode: "home_visit".into(),
        ..Default::default()
    };
    mentee_page_with(
        &state,
        &ctx,
        id.0,
        &form,
        no_errors(SESSION_FIELDS),
        StatusCode::OK,
        q.0.saved.is_some(),
    )
    .await
}

#[handler]
pub async fn record_session(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<SessionForm>,
) -> PageResult {
    let me = ctx.staff(Capability::RecordHelpSessions)?;
    let f = &form.0;
    let result = match SessionInput::parse(&f.date, &f.mode, &f.duration_minutes, &f.notes, today()) {
        Ok(input) => sessions::record_session(&state.db, me, Some(ctx.client_ip.clone()), id.0, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(redirect(&format!("/my-mentees/{}?saved=1", id.0))),
        Err(e) if is_form_error(&e) => {
            let errors = form_errors(&state, ctx.lang, SESSION_FIELDS, &e);
            mentee_page_with(&state, &ctx, id.0, f, errors, StatusCode::UNPROCESSABLE_ENTITY, false).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LinkQuery {
    answer: String,
}

async fn link_view(
    state: &AppState,
    ctx: &PortalCtx,
    row: &entity::mentor_assignment::Model,
) -> Result<Value, AppError> {
    let student = crate::student::students::get_student(&state.db, row.student_id).await?;
    let mentor = crate::auth::user::get_user(&state.db, row.mentor_id).await?;
    let role = assignments::parse_role(&row.role)
        .map(assignments::role_zh)
        .unwrap_or("");
    let _ = ctx;
    Ok(
        json!({ "student": student.name, "mentor": mentor.name, "role": row.role, "role_zh": role,
               "status": row.status, "answer_by": row.answer_by.with_timezone(&crate::clock::china()).format("%Y-%m-%d").to_string() }),
    )
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
            json!({ "token": token.0, "answer": q.0.answer, "a": link_view(&state, &ctx, &row).await?, "problem": null, "done": null }),
            StatusCode::OK,
        ),
        Err((problem, row)) => {
            let a = match &row {
                Some(r) => link_view(&state, &ctx, r).await?,
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
            json!({ "token": token.0, "answer": "", "a": link_view(&state, &ctx, &row).await?, "problem": null, "done": answer }),
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
