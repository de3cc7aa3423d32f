//! One farmer's attendance on one teaching day of a session, once that day is recorded: present or
//! not, and the hours credited (the day's hours, fewer for a farmer who left early, 0 when absent).
//! Unique per (registration, day); a correction updates the row and is written to the audit log.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "attendance_day")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub registration_id: i32,
    pub session_id: i32,
    pub day: Date,
    pub present: bool,
    pub hours: i32,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
