//! A routing run: its inputs' digest, the seed, and the full result as JSON.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routing_run")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub intake_year: i32,
    pub round: i32,
    pub rule_set_id: i32,
    pub seed: i64,
    pub input_digest: String,
    /// `dry_run` or `committed`.
    pub status: String,
    pub result: String,
    pub summary: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub committed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
