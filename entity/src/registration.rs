//! A farmer's registration for a session. `status`: `confirmed`, `waitlisted` or `cancelled`;
//! `arrival` is the order it came in; `priority` 1 puts registered-household farmers first on the
//! waitlist of a course that says so; `active` is 1 until cancelled.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "registration")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub session_id: i32,
    pub name: String,
    pub phone: String,
    pub town: String,
    pub village: String,
    pub household_number: Option<String>,
    pub household_id: Option<i32>,
    pub email: Option<String>,
    #[sea_orm(unique)]
    pub code: String,
    pub status: String,
    pub arrival: i32,
    pub priority: i32,
    pub active: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub cancelled_by: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
