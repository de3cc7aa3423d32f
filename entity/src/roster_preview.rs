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
    pub status: String,
    /// The preview report as JSON (`admissions::roster::RosterReport`).
    pub report: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub confirmed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
