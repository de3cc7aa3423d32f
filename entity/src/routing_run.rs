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
    pub status: RunStatus,
    pub result: String,
    pub summary: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub committed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where a routing run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Computed and shown, nothing written beyond the run itself.
    #[sea_orm(string_value = "dry_run")]
    DryRun,
    /// Its placements and ledger lines were written.
    #[sea_orm(string_value = "committed")]
    Committed,
}

impl RunStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::DryRun => "dry_run",
            RunStatus::Committed => "committed",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            RunStatus::DryRun => "admissions.dry_run",
            RunStatus::Committed => "admissions.committed",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<RunStatus> {
        <RunStatus as sea_orm::Iterable>::iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
