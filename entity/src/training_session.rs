//! A scheduled run of a course at a venue with an instructor, over consecutive days (inclusive).
//! `confirmed` and `arrivals` change only under this row's lock; `status`: `scheduled` or
//! `cancelled`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "training_session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub course_id: i32,
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub capacity: i32,
    pub confirmed: i32,
    pub arrivals: i32,
    pub status: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
