//! One effort to bring a student on the ledger back to school (劝返): when, who, how, the outcome
//! and the next step. Append-only.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_follow_up")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub ledger_entry_id: i32,
    pub followed_on: Date,
    /// `mentor`, `school_staff`, `town_official` or `other`.
    pub who: String,
    /// The person's name.
    pub who_name: String,
    /// `home_visit`, `phone`, `through_village` or `other`.
    pub how: String,
    pub outcome: String,
    pub next_step: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
