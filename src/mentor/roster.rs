//! The mentor roster as staff see it: every account with the mentor role, with its profile (school,
//! home town, roles with their load and maximum, skill areas), and what the profile form needs.
//! Reads only; saving a profile is [`super::profiles::save_profile`].

use std::collections::HashMap;

use entity::mentor_assignment::MentorRole;
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::assignments::loads;
use super::profiles::list_profiles;
use crate::error::AppError;

/// A role of a mentor with its load now and the maximum.
#[derive(Debug, Clone, Serialize)]
pub struct RoleLoad {
    pub role: MentorRole,
    pub max: u32,
    pub load: u32,
}

/// One line of the roster.
#[derive(Debug, Clone, Serialize)]
pub struct RosterRow {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub has_profile: bool,
    pub school: String,
    pub town: String,
    /// The profile is active and so is the account.
    pub active: bool,
    pub roles: Vec<RoleLoad>,
    /// The skill areas, joined for display.
    pub skills: String,
}

/// Every mentor account by name, with its profile and loads. Stored roles or skill areas that do
/// not parse are an error naming the profile.
pub async fn roster(db: &impl ConnectionTrait) -> Result<Vec<RosterRow>, AppError> {
    let loads = loads(db).await?;
    let schools: HashMap<i32, String> = crate::admissions::programmes::list_schools(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let profiles = list_profiles(db, None).await?;
    let mut rows = Vec::new();
    for u in crate::auth::user::list_mentors(db).await? {
        let profile = profiles.iter().find(|p| p.user_id == u.id);
        let (roles, skills) = match profile {
            Some(p) => (
                p.roles().map_err(AppError::internal)?,
                p.skill_areas().map_err(AppError::internal)?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        let load = loads.get(&u.id).copied().unwrap_or_default();
        rows.push(RosterRow {
            id: u.id,
            has_profile: profile.is_some(),
            school: profile
                .and_then(|p| schools.get(&p.school_id))
                .cloned()
                .unwrap_or_default(),
            town: profile.map(|p| p.home_town.clone()).unwrap_or_default(),
            active: profile.is_some_and(|p| p.active) && u.active,
            roles: roles
                .iter()
                .map(|r| RoleLoad {
                    role: r.role,
                    max: r.max,
                    load: load[r.role.index()],
                })
                .collect(),
            skills: skills.join("、"),
            name: u.name,
            email: u.email,
        });
    }
    Ok(rows)
}

/// A school in the profile form's list (the id as the form sends it back).
#[derive(Debug, Clone, Serialize)]
pub struct SchoolChoice {
    pub id: String,
    pub name: String,
}

/// The mentor account a profile form is for.
#[derive(Debug, Clone, Serialize)]
pub struct FormMentor {
    pub id: i32,
    pub name: String,
    pub email: String,
}

/// The account and the schools the profile form shows.
pub async fn profile_form(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> Result<(FormMentor, Vec<SchoolChoice>), AppError> {
    let user = crate::auth::user::get_user(db, user_id).await?;
    let schools = crate::admissions::programmes::list_schools(db)
        .await?
        .into_iter()
        .map(|s| SchoolChoice {
            id: s.id.to_string(),
            name: s.name,
        })
        .collect();
    Ok((
        FormMentor {
            id: user.id,
            name: user.name,
            email: user.email,
        },
        schools,
    ))
}
