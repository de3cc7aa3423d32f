//! One use of a public form, counted for rate limits per client address and per phone.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "public_attempt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action: PublicAction,
    pub client_ip: String,
    pub phone: String,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// What a public form was used for (each counted against its own limit per phone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum PublicAction {
    /// A registration for a session.
    #[sea_orm(string_value = "register")]
    Register,
    /// A check or cancel with phone and code.
    #[sea_orm(string_value = "lookup")]
    Lookup,
    /// Interest in a course without a date.
    #[sea_orm(string_value = "interest")]
    Interest,
}

impl PublicAction {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            PublicAction::Register => "register",
            PublicAction::Lookup => "lookup",
            PublicAction::Interest => "interest",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            PublicAction::Register => "public_action.register",
            PublicAction::Lookup => "public_action.lookup",
            PublicAction::Interest => "public_action.interest",
        }
    }
}

impl std::fmt::Display for PublicAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
