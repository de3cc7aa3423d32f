//! Login attempts remember the browser's device cookie (its nonce), so a browser that signed in
//! to an account before is limited on its own rather than by the account-wide lock-out.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("login_failure")
                    .add_column(string_len_null("device", 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_failure_device")
                    .table("login_failure")
                    .col("device")
                    .col("at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_login_failure_device")
                    .table("login_failure")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table("login_failure").drop_column("device").to_owned())
            .await
    }
}
