//! Portal forms for schools and programmes (admins): add a school, add or edit a programme with its
//! requirement rules (one per line, `name: condition`) and reserved seats.

use poem::web::{Data, Form, Path};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::programmes::{self, NewSchool, ProgrammeInput, ProgrammeRaw};
use crate::auth::Capability;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routing::instance::Rule;
use crate::state::AppState;
use crate::web::{PortalCtx, form_errors, no_errors, redirect, render};

type PageResult = Result<Response, AppError>;

const FIELDS: &[&str] = &[
    "school_id",
    "code",
    "name",
    "skill_area",
    "town",
    "intake_year",
    "capacity",
    "reserved_seats",
    "reserved_rule",
    "requirements",
];

/// The programme form as posted.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ProgrammeForm {
    school_id: String,
    code: String,
    name: String,
    skill_area: String,
    town: String,
    intake_year: String,
    capacity: String,
    reserved_seats: String,
    reserved_rule: String,
    /// One rule per line: `name: condition`.
    requirements: String,
}

impl ProgrammeForm {
    fn from_model(p: &entity::programme::Model) -> Result<ProgrammeForm, AppError> {
        let requirements = programmes::requirements_of(p)?
            .into_iter()
            .map(|r| format!("{}: {}", r.name, r.when))
            .collect::<Vec<_>>()
            .join("\n");
        Ok(ProgrammeForm {
            school_id: p.school_id.to_string(),
            code: p.code.clone(),
            name: p.name.clone(),
            skill_area: p.skill_area.clone(),
            town: p.town.clone(),
            intake_year: p.intake_year.to_string(),
            capacity: p.capacity.to_string(),
            reserved_seats: p.reserved_seats.to_string(),
            reserved_rule: p.reserved_rule.clone(),
            requirements,
        })
    }

    fn parse(&self) -> Result<ProgrammeInput, AppError> {
        let number = |field: &'static str, v: &str, default: Option<i64>| -> Result<i64, AppError> {
            match (v.trim(), default) {
                ("", Some(d)) => Ok(d),
                (t, _) => t
                    .parse::<i64>()
                    .map_err(|_| AppError::invalid(field, Msg::new("error.number_invalid").arg("value", t))),
            }
        };
        let mut requirements = Vec::new();
        for line in self.requirements.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let Some((name, when)) = line.split_once([':', '：']) else {
                return Err(AppError::invalid(
                    "requirements",
                    Msg::new("error.requirement_line").arg("line", line),
                ));
            };
            requirements.push(Rule {
                name: name.trim().into(),
                when: when.trim().into(),
            });
        }
        let input = ProgrammeInput::parse(ProgrammeRaw {
            school_id: number("school_id", &self.school_id, None)? as i32,
            code: self.code.clone(),
            name: self.name.clone(),
            skill_area: self.skill_area.clone(),
            town: self.town.clone(),
            intake_year: number("intake_year", &self.intake_year, None)?,
            capacity: number("capacity", &self.capacity, None)?,
            reserved_seats: number("reserved_seats", &self.reserved_seats, Some(0))?,
            reserved_rule: Some(self.reserved_rule.clone()),
            requirements,
        })?;
        super::rules_check::check_programme_rules(&input)?;
        Ok(input)
    }
}

async fn form_page(
    state: &AppState,
    ctx: &PortalCtx,
    id: Option<i32>,
    form: &ProgrammeForm,
    errors: Value,
    status: poem::http::StatusCode,
) -> PageResult {
    let schools: Vec<Value> = programmes::list_schools(&state.db)
        .await?
        .into_iter()
        .map(|s| json!({ "id": s.id.to_string(), "name": s.name }))
        .collect();
    let vars = json!({ "id": id, "form": form, "schools": schools, "errors": errors });
    Ok(render(state, ctx, "admissions/programme_form.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn new_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::ManageProgrammes)?;
    let form = ProgrammeForm {
        reserved_rule: programmes::DEFAULT_RESERVED_RULE.into(),
        reserved_seats: "0".into(),
        ..Default::default()
    };
    form_page(&state, &ctx, None, &form, no_errors(FIELDS), poem::http::StatusCode::OK).await
}

#[handler]
pub async fn edit_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ManageProgrammes)?;
    let p = programmes::get_programme(&state.db, id.0).await?;
    form_page(
        &state,
        &ctx,
        Some(id.0),
        &ProgrammeForm::from_model(&p)?,
        no_errors(FIELDS),
        poem::http::StatusCode::OK,
    )
    .await
}

async fn save(state: &AppState, ctx: &PortalCtx, id: Option<i32>, form: ProgrammeForm) -> PageResult {
    let me = ctx.staff(Capability::ManageProgrammes)?;
    let result = match form.parse() {
        Ok(input) => programmes::save_programme(&state.db, &me.actor(Some(ctx.client_ip.clone())), id, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(redirect(&format!("/programmes?intake_year={}", p.intake_year))),
        Err(e @ AppError::Invalid(_)) => {
            form_page(
                state,
                ctx,
                id,
                &form,
                form_errors(state, ctx.lang, FIELDS, &e),
                e.status(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[handler]
pub async fn create(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<ProgrammeForm>) -> PageResult {
    save(&state, &ctx, None, form.0).await
}

#[handler]
pub async fn update(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    id: Path<i32>,
    form: Form<ProgrammeForm>,
) -> PageResult {
    save(&state, &ctx, Some(id.0), form.0).await
}

#[derive(Deserialize)]
pub struct SchoolForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    admissions_email: String,
}

#[handler]
pub async fn create_school(state: Data<&AppState>, ctx: Data<&PortalCtx>, form: Form<SchoolForm>) -> PageResult {
    let me = ctx.staff(Capability::ManageProgrammes)?;
    let result = match NewSchool::parse(&form.0.name, &form.0.town, Some(&form.0.admissions_email)) {
        Ok(new) => programmes::create_school(&state.db, &me.actor(Some(ctx.client_ip.clone())), new).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(redirect("/programmes/new")),
        Err(e @ AppError::Invalid(_)) => {
            let form = ProgrammeForm {
                reserved_rule: programmes::DEFAULT_RESERVED_RULE.into(),
                ..Default::default()
            };
            let mut errors = no_errors(FIELDS);
            errors["school_id"] = json!(crate::web::error_text(&state, ctx.lang, &e));
            form_page(&state, &ctx, None, &form, errors, e.status()).await
        }
        Err(e) => Err(e),
    }
}
