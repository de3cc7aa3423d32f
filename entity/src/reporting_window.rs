//! Where, when and with what a school's placed students of one intake year report (报到); printed
//! on their admission letters. One per school and intake year.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "reporting_window")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub school_id: i32,
    pub intake_year: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    /// Where to report, e.g. the campus address and building.
    pub place: String,
    /// What to bring (documents, bedding, fees if any).
    pub bring: String,
    /// Whom to call: a person and a phone number.
    pub contact: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
