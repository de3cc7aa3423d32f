//! A login attempt not known to have succeeded (recorded before the password is checked, removed
//! when it succeeds), for rate limiting.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failure")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub client_ip: String,
    /// The nonce of the browser's device cookie, when it carried one valid for this account.
    pub device: Option<String>,
    pub at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
