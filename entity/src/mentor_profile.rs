//! A mentor's profile. `roles` is JSON `[{"role": "counsellor", "max": 5}, …]`; `skill_areas` a JSON
//! array of strings. Read and write both through the typed accessors ([`Model::roles`],
//! [`roles_text`], [`Model::skill_areas`], [`skill_areas_text`]), never by hand.
use sea_orm::entity::prelude::*;

use crate::mentor_assignment::MentorRole;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mentor_profile")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i32,
    pub school_id: i32,
    pub roles: String,
    pub skill_areas: String,
    pub home_town: String,
    pub active: bool,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// A role a mentor can take and how many mentees at most, as stored in `roles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoleMax {
    pub role: MentorRole,
    pub max: u32,
}

impl Model {
    /// The stored roles with their maximum, in the stored order; an error names the profile.
    pub fn roles(&self) -> Result<Vec<RoleMax>, String> {
        serde_json::from_str(&self.roles).map_err(|e| format!("mentor profile {} roles: {e}", self.user_id))
    }

    /// The stored skill areas; an error names the profile.
    pub fn skill_areas(&self) -> Result<Vec<String>, String> {
        serde_json::from_str(&self.skill_areas).map_err(|e| format!("mentor profile {} skill areas: {e}", self.user_id))
    }
}

/// The stored text of `roles`.
pub fn roles_text(roles: &[RoleMax]) -> Result<String, String> {
    serde_json::to_string(roles).map_err(|e| format!("mentor profile roles: {e}"))
}

/// The stored text of `skill_areas`.
pub fn skill_areas_text(skill_areas: &[String]) -> Result<String, String> {
    serde_json::to_string(skill_areas).map_err(|e| format!("mentor profile skill areas: {e}"))
}
