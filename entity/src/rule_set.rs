//! A version of a routing rule set; `rules` is JSON (`eligibility`, `priority`).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "rule_set")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    pub version: i32,
    /// `draft` or `published`.
    pub status: RuleSetStatus,
    pub rules: String,
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where a rule set version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum RuleSetStatus {
    /// Still editable.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Fixed for ever; runs may use it.
    #[sea_orm(string_value = "published")]
    Published,
}

impl RuleSetStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleSetStatus::Draft => "draft",
            RuleSetStatus::Published => "published",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            RuleSetStatus::Draft => "rules.draft",
            RuleSetStatus::Published => "rules.published",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<RuleSetStatus> {
        <RuleSetStatus as sea_orm::Iterable>::iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for RuleSetStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
