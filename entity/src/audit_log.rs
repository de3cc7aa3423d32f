//! One audited action: a write, or the reveal of protected data.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The acting staff account; `None` for the system itself (start-up, CLI without a user).
    pub user_id: Option<i32>,
    /// The actor's email (or `system`), kept so the entry reads well after an account is renamed.
    pub actor: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    pub summary: String,
    pub client_ip: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
