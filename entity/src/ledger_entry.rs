//! The no-one-left-out ledger: an eligible student left unplaced, open until placed or crossed off.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub student_id: i32,
    pub intake_year: i32,
    pub run_id: i32,
    pub opened_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub close_reason: Option<String>,
    pub close_note: Option<String>,
    pub closed_by: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
