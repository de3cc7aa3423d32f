//! The admission letter (录取通知书) of a placement: the public verify code printed on it. Made when
//! the placement's offer notices are queued, or when the letter is first printed.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "admission_letter")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub placement_id: i32,
    #[sea_orm(unique)]
    pub verify_code: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
