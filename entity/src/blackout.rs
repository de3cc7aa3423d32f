//! A period without training anywhere (wheat harvest, autumn harvest), inclusive.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "blackout")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub starts_on: Date,
    pub ends_on: Date,
}

impl ActiveModelBehavior for ActiveModel {}
