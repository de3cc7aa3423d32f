//! Failed login attempts, counted per account and per client address to rate-limit guessing.
//! Kept in the database so the limit holds across several instances.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("login_failure")
                    .col(big_pk_auto("id"))
                    .col(string_len("email", 254))
                    .col(string_len("client_ip", 64))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_login_failure_email", "email"),
            ("idx_login_failure_ip", "client_ip"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("login_failure")
                        .col(col)
                        .col("at")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("login_failure").to_owned())
            .await
    }
}
