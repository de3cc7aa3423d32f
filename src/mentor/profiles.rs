//! Mentor profiles: which school a mentor belongs to, the roles they can take (counsellor 辅导员,
//! class teacher 班主任, subject teacher 专任教师) with a maximum of mentees per role, the skill areas
//! they teach and their home town (for home visits).

use chrono::Utc;
use entity::enums::Role;
use entity::mentor_assignment::MentorRole;
use entity::mentor_profile::{self, RoleMax};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Record};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};

/// A role a mentor can take and how many mentees at most, as a form or an API request gives it
/// (the role not yet checked); [`ProfileInput::parse`] turns it into a typed [`RoleMax`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleCapacity {
    pub role: String,
    pub max: u32,
}

/// A validated profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInput {
    pub school_id: i32,
    pub roles: Vec<RoleMax>,
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
        let mut typed = Vec::with_capacity(roles.len());
        for (i, r) in roles.iter().enumerate() {
            match exact_role(&r.role) {
                None => e.push(FieldError::new(
                    format!("roles.{i}.role"),
                    Msg::new("error.choice_invalid").arg("allowed", MentorRole::ALL.map(MentorRole::as_str).join(", ")),
                )),
                Some(role) if typed.iter().any(|t: &RoleMax| t.role == role) => e.push(FieldError::new(
                    format!("roles.{i}.role"),
                    Msg::new("error.mentor_role_repeated").arg("role", &r.role),
                )),
                Some(role) => typed.push(RoleMax { role, max: r.max }),
            }
            if let Some(msg) = max_problem(r, caps) {
                e.push(FieldError::new(format!("roles.{i}.max"), msg));
            }
        }
        let skill_areas: Vec<String> = skill_areas
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if typed.iter().any(|r| r.role == MentorRole::SubjectTeacher) && skill_areas.is_empty() {
            e.push(FieldError::new("skill_areas", Msg::new("error.mentor_skills_required")));
        }
        let home_town = home_town.trim().to_string();
        if home_town.is_empty() {
            e.push(FieldError::new("home_town", Msg::new("error.field_required")));
        }
        if e.is_empty() {
            Ok(ProfileInput {
                school_id,
                roles: typed,
                skill_areas,
                home_town,
                active,
            })
        } else {
            Err(AppError::Invalid(e))
        }
    }
}

/// The role named exactly (a profile's role is not trimmed: ` counsellor` is refused).
fn exact_role(name: &str) -> Option<MentorRole> {
    MentorRole::ALL.into_iter().find(|r| r.as_str() == name)
}

/// What is wrong with a role's maximum: over the county's cap for the role, or outside 1–200.
fn max_problem(r: &RoleCapacity, caps: &crate::config::MentorCaps) -> Option<Msg> {
    match exact_role(&r.role).map(|role| caps.of(role)) {
        Some(cap) if r.max > cap => Some(
            Msg::new("error.mentor_max_over_policy")
                .arg("value", r.max)
                .arg("cap", cap),
        ),
        _ if r.max == 0 || r.max > 200 => Some(Msg::new("error.number_range").arg("value", r.max).arg("max", 200)),
        _ => None,
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
    let roles = mentor_profile::roles_text(&input.roles).map_err(AppError::internal)?;
    let skills = mentor_profile::skill_areas_text(&input.skill_areas).map_err(AppError::internal)?;
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

/// The profile of a staff account, if it has one.
pub async fn find_profile(db: &impl ConnectionTrait, user_id: i32) -> Result<Option<mentor_profile::Model>, AppError> {
    Ok(mentor_profile::Entity::find_by_id(user_id).one(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> crate::config::MentorCaps {
        crate::config::MentorCaps::default()
    }

    #[test]
    fn roles_are_stored_as_the_same_json_as_before_and_read_back_typed() {
        let raw = vec![
            RoleCapacity {
                role: "counsellor".into(),
                max: 5,
            },
            RoleCapacity {
                role: "subject_teacher".into(),
                max: 3,
            },
        ];
        let input = ProfileInput::parse(1, raw, vec!["护理".into()], "米河镇", true, &caps()).expect("valid");
        let text = mentor_profile::roles_text(&input.roles).expect("text");
        assert_eq!(
            text,
            r#"[{"role":"counsellor","max":5},{"role":"subject_teacher","max":3}]"#
        );
        let stored = mentor_profile::Model {
            user_id: 7,
            school_id: 1,
            roles: text,
            skill_areas: mentor_profile::skill_areas_text(&input.skill_areas).expect("skills"),
            home_town: "米河镇".into(),
            active: true,
            updated_at: chrono::Utc::now(),
        };
        assert_eq!(stored.skill_areas, r#"["护理"]"#);
        assert_eq!(stored.roles().expect("roles"), input.roles);
        let broken = mentor_profile::Model {
            roles: r#"[{"role":"coach","max":1}]"#.into(),
            ..stored
        };
        let err = broken.roles().expect_err("unknown role");
        assert!(err.contains("mentor profile 7 roles"), "{err}");
    }

    #[test]
    fn a_role_named_twice_or_unknown_is_refused_by_its_field() {
        let raw = vec![
            RoleCapacity {
                role: "coach".into(),
                max: 1,
            },
            RoleCapacity {
                role: "counsellor".into(),
                max: 1,
            },
            RoleCapacity {
                role: "counsellor".into(),
                max: 1,
            },
        ];
        let Err(AppError::Invalid(errors)) = ProfileInput::parse(1, raw, Vec::new(), "米河镇", true, &caps()) else {
            panic!("expected invalid");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["roles.0.role", "roles.2.role"]);
    }
}
