//! A mentor's profile. `roles` is JSON `[{"role": "counsellor", "max": 5}, …]`; `skill_areas` a JSON
//! array of strings.
use sea_orm::entity::prelude::*;

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
