//! A completion certificate, earned by attendance: at most one per registration. `hours` is the
//! hours completed (kept up to date when attendance is corrected), `course_hours` the course's
//! hours. A revoked certificate stays, with when, why and by whom; it verifies as revoked.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "certificate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub registration_id: i32,
    #[sea_orm(unique)]
    pub code: String,
    pub hours: i32,
    pub course_hours: i32,
    pub issued_at: DateTimeUtc,
    pub issued_by: String,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoked_reason: Option<String>,
    pub revoked_by: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
