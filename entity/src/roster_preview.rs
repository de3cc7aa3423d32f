//! A school's enrolment roster (报到名单) for one intake year, previewed: the report of what each row
//! matched (placement ids and masked IDs only) and its bad rows, as JSON. The file is not kept.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_preview")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub school_id: i32,
    pub intake_year: i32,
    /// As uploaded, with any ID-like run masked.
    pub file_name: String,
    pub file_sha256: String,
    /// `previewed` or `confirmed`.
    pub status: RosterStatus,
    /// The preview report as JSON (`admissions::roster::RosterReport`).
    pub report: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where a previewed enrolment roster stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum RosterStatus {
    /// Matched and shown; nothing confirmed yet.
    #[sea_orm(string_value = "previewed")]
    Previewed,
    /// Its reported students were confirmed.
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
}

impl RosterStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            RosterStatus::Previewed => "previewed",
            RosterStatus::Confirmed => "confirmed",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            RosterStatus::Previewed => "roster.state_previewed",
            RosterStatus::Confirmed => "roster.state_confirmed",
        }
    }
}

impl std::fmt::Display for RosterStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
