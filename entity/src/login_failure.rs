//! A failed login attempt, for rate limiting.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failure")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub client_ip: String,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
