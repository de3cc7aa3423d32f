//! A training base: a school's site where farmer training happens. `open_days` lists the ISO
//! weekdays it is open (`1` = Monday … `7` = Sunday), e.g. `12345`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "training_base")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub school_id: Option<i32>,
    pub name: String,
    pub address: String,
    pub town: String,
    pub open_days: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
