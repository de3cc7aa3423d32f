//! A session the scheduler proposes from registered interest; `status`: `proposed`, `approved`
//! (then `session_id` is set), `dismissed` (by staff) or `withdrawn` (by the scheduler, when it no
//! longer fits: a blackout, a session or an absence added since). At most one is `proposed` per
//! course. `why` explains the choice of base and date in Chinese, as it was made; `near` (interested
//! farmers in the base's town) and `passed_over` (JSON: nearer bases that could not host, each with
//! its typed reason) let pages explain it in any language. Both are empty on older proposals.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "session_proposal")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub course_id: i32,
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub capacity: i32,
    pub interested: i32,
    pub why: String,
    pub near: Option<i32>,
    /// Decoded for readers by the service; not shown raw.
    #[serde(skip_serializing)]
    pub passed_over: String,
    pub status: ProposalStatus,
    pub session_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Open: waiting for staff.
    #[sea_orm(string_value = "proposed")]
    Proposed,
    /// Approved: the session is created (`session_id`).
    #[sea_orm(string_value = "approved")]
    Approved,
    /// Dismissed by staff.
    #[sea_orm(string_value = "dismissed")]
    Dismissed,
    /// Withdrawn by the scheduler: it no longer fits.
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

impl ProposalStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Proposed => "proposed",
            ProposalStatus::Approved => "approved",
            ProposalStatus::Dismissed => "dismissed",
            ProposalStatus::Withdrawn => "withdrawn",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            ProposalStatus::Proposed => "proposal_status.proposed",
            ProposalStatus::Approved => "proposal_status.approved",
            ProposalStatus::Dismissed => "proposal_status.dismissed",
            ProposalStatus::Withdrawn => "proposal_status.withdrawn",
        }
    }
}

impl std::fmt::Display for ProposalStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
