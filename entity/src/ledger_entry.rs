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
    /// The committed run that left the student unplaced, or whose offer was declined or not taken
    /// up (`None` for a direct placement's offer).
    pub run_id: Option<i32>,
    pub opened_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub close_reason: Option<String>,
    pub close_note: Option<String>,
    pub closed_by: Option<String>,
    /// Why the student is unplaced: the newest committed run's explanation (JSON list of the
    /// routing result's `not_placed_higher`; empty for a student without choices).
    pub why: String,
    /// `unplaced` (a run left the student without a seat), `offer_declined` or
    /// `offer_not_taken_up` (no-show).
    pub opened_because: String,
    /// The placement declined or not taken up.
    pub placement_id: Option<i32>,
    /// While open: the day the line becomes overdue for follow-up, 14 days after it was opened or
    /// last followed up.
    pub follow_up_due_on: Option<Date>,
}

impl ActiveModelBehavior for ActiveModel {}
