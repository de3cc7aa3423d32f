//! The mentor roster and the profile form (admins): school, maximum per role, skill areas, home
//! town.

use entity::mentor_assignment::MentorRole;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{IntoResponse, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::PageResult;
use crate::auth::Capability;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::mentor::profiles::{self, ProfileInput, RoleCapacity};
use crate::mentor::roster;
use crate::state::AppState;
use crate::web::{PortalCtx, form_errors, is_form_error, no_errors, redirect, render};

#[handler]
pub async fn mentors_page(state: Data<&AppState>, ctx: Data<&PortalCtx>) -> PageResult {
    ctx.staff(Capability::ManageMentoring)?;
    let rows = roster::roster(&state.db).await?;
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

/// The profile form: a maximum per role (empty = cannot take the role); each role's field is
/// named after the role.
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
    /// The form's field of a role's maximum.
    fn max_of(&self, role: MentorRole) -> &str {
        match role {
            MentorRole::Counsellor => &self.counsellor,
            MentorRole::ClassTeacher => &self.class_teacher,
            MentorRole::SubjectTeacher => &self.subject_teacher,
        }
    }

    /// The form filled from a stored profile.
    fn of_profile(p: &entity::mentor_profile::Model) -> Result<ProfileForm, AppError> {
        let roles = p.roles().map_err(AppError::internal)?;
        let skills = p.skill_areas().map_err(AppError::internal)?;
        let max = |role: MentorRole| {
            roles
                .iter()
                .find(|r| r.role == role)
                .map(|r| r.max.to_string())
                .unwrap_or_default()
        };
        Ok(ProfileForm {
            school_id: p.school_id.to_string(),
            counsellor: max(MentorRole::Counsellor),
            class_teacher: max(MentorRole::ClassTeacher),
            subject_teacher: max(MentorRole::SubjectTeacher),
            skill_areas: skills.join("，"),
            home_town: p.home_town.clone(),
            active: p.active.then(|| "on".into()),
        })
    }

    fn parse(&self, caps: &crate::config::MentorCaps) -> Result<ProfileInput, AppError> {
        let mut errors = Vec::new();
        let mut roles = Vec::new();
        let mut names = Vec::new();
        for role in MentorRole::ALL {
            match self.max_of(role).trim() {
                "" => {}
                v => match v.parse::<u32>() {
                    Ok(max) if (1..=200).contains(&max) => {
                        roles.push(RoleCapacity {
                            role: role.as_str().into(),
                            max,
                        });
                        names.push(role.as_str());
                    }
                    _ => errors.push(FieldError::new(
                        role.as_str(),
                        Msg::new("error.number_range").arg("value", v).arg("max", 200),
                    )),
                },
            }
        }
        let school_id = self.school_id.trim().parse::<i32>();
        if school_id.is_err() {
            errors.push(FieldError::new("school_id", Msg::new("error.field_required")));
        }
        let skills: Vec<String> = self
            .skill_areas
            .split([',', '，', '、', '\n'])
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
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
                        e.field = (*name).to_string();
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
    let (mentor, schools) = roster::profile_form(&state.db, user_id).await?;
    let roles = entity::mentor_assignment::MentorRole::ALL;
    let vars = json!({ "mentor": mentor, "form": form, "schools": schools, "errors": errors, "roles": roles });
    Ok(render(state, ctx, "mentor/profile_form.html", vars)?
        .with_status(status)
        .into_response())
}

#[handler]
pub async fn profile_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ManageUsers)?;
    let form = match profiles::find_profile(&state.db, id.0).await? {
        Some(p) => ProfileForm::of_profile(&p)?,
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
