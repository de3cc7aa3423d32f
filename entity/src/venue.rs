//! A room or field of a training base, with its seat count.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "venue")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub base_id: i32,
    pub name: String,
    pub seats: i32,
}

impl ActiveModelBehavior for ActiveModel {}
