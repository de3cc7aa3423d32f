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
    /// Why the student is unplaced: the newest committed run's explanation (JSON list of the
    /// routing result's `not_placed_higher`; empty for a student without choices).
    pub why: String,
}

impl ActiveModelBehavior for ActiveModel {}
