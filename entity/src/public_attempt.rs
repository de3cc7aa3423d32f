//! One use of a public form, counted for rate limits per client address and per phone.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "public_attempt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action: String,
    pub client_ip: String,
    pub phone: String,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
