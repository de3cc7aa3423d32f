//! A school's programme (major) for one intake year. `requirements` is a JSON array of
//! `{name, when}` CEL rules; `reserved_rule` says whom the reserved seats are for.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "programme")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub school_id: i32,
    pub code: String,
    pub name: String,
    pub skill_area: String,
    pub town: String,
    pub intake_year: i32,
    pub capacity: i32,
    pub reserved_seats: i32,
    pub reserved_rule: String,
    pub requirements: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
