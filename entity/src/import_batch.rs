//! An uploaded register file and its preview report.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_batch")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub file_name: String,
    pub file_sha256: String,
    /// The uploaded file, AES-256-GCM encrypted (see `IdVault::encrypt_upload`); empty once the
    /// batch is committed or its preview abandoned for 24 hours.
    pub content: Vec<u8>,
    pub sheet: Option<String>,
    /// `previewed` or `committed`.
    pub status: String,
    /// The preview (or commit) report as JSON.
    pub report: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub committed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
