//! Mentor profiles: which school a mentor belongs to, the roles they can take (counsellor 辅导员,
//! class teacher 班主任, subject teacher 专任教师) with a maximum of mentees per role, the skill areas
//! they teach and their home town (for home visits).

use chrono::Utc;
use entity::enums::Role;
use entity::mentor_profile;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Record};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};

/// The three mentoring roles, by their stable names.
pub const ROLES: [&str; 3] = ["counsellor", "class_teacher", "subject_teacher"];

/// A role a mentor can take and how many mentees at most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleCapacity {
    pub role: String,
    pub max: u32,
}

/// A validated profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInput {
    pub school_id: i32,
    pub roles: Vec<RoleCapacity>,
    pub skill_areas: Vec<String>,
    pub home_town: String,
    pub active: bool,
}

impl ProfileInput {
    /// Checks every field at once.
    pub fn parse(
        school_id: i32,
        roles: Vec<RoleCapacity>,
        skill_areas: Vec<String>,
        home_town: &str,
        active: bool,
        caps: &crate::config::MentorCaps,
    ) -> Result<ProfileInput, AppError> {
        let mut e = Vec::new();
        if roles.is_empty() {
            e.push(FieldError::new("roles", Msg::new("error.mentor_roles_required")));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, r) in roles.iter().enumerate() {
            if !ROLES.contains(&r.role.as_str()) {
                e.push(FieldError::new(
                    format!("roles.{i}.role"),
                    Msg::new("error.choice_invalid").arg("allowed", ROLES.join(", ")),
                ));
            } else if !seen.insert(r.role.clone()) {
                e.push(FieldError::new(
                    format!("roles.{i}.role"),
                    Msg::new("error.mentor_role_repeated").arg("role", &r.role),
                ));
            }
            match caps.of(&r.role) {
                Some(cap) if r.max > cap => e.push(FieldError::new(
                    format!("roles.{i}.max"),
                    Msg::new("error.mentor_max_over_policy")
                        .arg("value", r.max)
                        .arg("cap", cap),
                )),
                _ if r.max == 0 || r.max > 200 => e.push(FieldError::new(
                    format!("roles.{i}.max"),
                    Msg::new("error.number_range").arg("value", r.max).arg("max", 200),
                )),
                _ => {}
            }
        }
        let skill_areas: Vec<String> = skill_areas
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if roles.iter().any(|r| r.role == "subject_teacher") && skill_areas.is_empty() {
            e.push(FieldError::new("skill_areas", Msg::new("error.mentor_skills_required")));
        }
        let home_town = home_town.trim().to_string();
        if home_town.is_empty() {
            e.push(FieldError::new("home_town", Msg::new("error.field_required")));
        }
        if e.is_empty() {
            Ok(ProfileInput {
                school_id,
                roles,
                skill_areas,
                home_town,
                active,
            })
        } else {
            Err(AppError::Invalid(e))
        }
    }
}

/// Creates or replaces the profile of a staff account that has the mentor role.
pub async fn save_profile(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    input: ProfileInput,
) -> Result<mentor_profile::Model, AppError> {
    let txn = db.begin().await?;
    let user = crate::auth::user::get_user(&txn, user_id).await?;
    if user.role != Role::Mentor {
        return Err(AppError::invalid("user_id", Msg::new("error.not_a_mentor")));
    }
    crate::admissions::programmes::get_school(&txn, input.school_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => {
                AppError::invalid("school_id", Msg::new("error.school_unknown").arg("id", input.school_id))
            }
            other => other,
        })?;
    let roles = serde_json::to_string(&input.roles).map_err(|e| AppError::Internal(e.to_string()))?;
    let skills = serde_json::to_string(&input.skill_areas).map_err(|e| AppError::Internal(e.to_string()))?;
    let existing = mentor_profile::Entity::find_by_id(user_id).one(&txn).await?;
    let saved = match existing {
        Some(p) => {
            let mut m = p.into_active_model();
            m.school_id = Set(input.school_id);
            m.roles = Set(roles);
            m.skill_areas = Set(skills);
            m.home_town = Set(input.home_town);
            m.active = Set(input.active);
            m.updated_at = Set(Utc::now());
            m.update(&txn).await?
        }
        None => {
            mentor_profile::ActiveModel {
                user_id: Set(user_id),
                school_id: Set(input.school_id),
                roles: Set(roles),
                skill_areas: Set(skills),
                home_town: Set(input.home_town),
                active: Set(input.active),
                updated_at: Set(Utc::now()),
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        actor,
        "mentor.profile",
        Record::new("user", user_id),
        format!("mentor profile of {}", user.email),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Profiles, optionally of one school, by user id.
pub async fn list_profiles(
    db: &impl ConnectionTrait,
    school_id: Option<i32>,
) -> Result<Vec<mentor_profile::Model>, AppError> {
    let mut q = mentor_profile::Entity::find();
    if let Some(s) = school_id {
        q = q.filter(mentor_profile::Column::SchoolId.eq(s));
    }
    Ok(q.order_by_asc(mentor_profile::Column::UserId).all(db).await?)
}

/// One page of profiles, optionally of one school, by user id.
pub async fn profiles_page(
    db: &impl ConnectionTrait,
    school_id: Option<i32>,
    page: PageRequest,
) -> Result<Page<mentor_profile::Model>, AppError> {
    let mut q = mentor_profile::Entity::find();
    if let Some(s) = school_id {
        q = q.filter(mentor_profile::Column::SchoolId.eq(s));
    }
    let paginator = q
        .order_by_asc(mentor_profile::Column::UserId)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

/// The stored roles and skill areas of a profile.
pub fn decode(p: &mentor_profile::Model) -> Result<(Vec<RoleCapacity>, Vec<String>), AppError> {
    let roles =
        serde_json::from_str(&p.roles).map_err(|e| AppError::Internal(format!("mentor {} roles: {e}", p.user_id)))?;
    let skills = serde_json::from_str(&p.skill_areas)
        .map_err(|e| AppError::Internal(format!("mentor {} skills: {e}", p.user_id)))?;
    Ok((roles, skills))
}
