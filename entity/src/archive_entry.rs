//! One entry of a student's append-only archive. `details` is JSON whose shape depends on `kind`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "archive_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub student_id: i32,
    pub kind: String,
    pub occurred_on: Date,
    pub details: String,
    pub supersedes_id: Option<i64>,
    pub recorded_by: Option<i32>,
    pub recorded_by_label: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
