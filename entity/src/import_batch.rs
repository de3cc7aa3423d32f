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
    pub status: ImportStatus,
    /// The preview (or commit) report as JSON.
    pub report: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub committed_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where an uploaded register file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Checked and shown; nothing written to the register yet.
    #[sea_orm(string_value = "previewed")]
    Previewed,
    /// Written to the register.
    #[sea_orm(string_value = "committed")]
    Committed,
}

impl ImportStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Previewed => "previewed",
            ImportStatus::Committed => "committed",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            ImportStatus::Previewed => "import.state_previewed",
            ImportStatus::Committed => "import.state_committed",
        }
    }
}

impl std::fmt::Display for ImportStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
