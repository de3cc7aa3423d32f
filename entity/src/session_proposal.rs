//! A session the scheduler proposes from registered interest; `status`: `proposed`, `approved`
//! (then `session_id` is set) or `dismissed`. `why` explains the choice of base and date.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "session_proposal")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub course_id: i32,
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub capacity: i32,
    pub interested: i32,
    pub why: String,
    pub status: String,
    pub session_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
