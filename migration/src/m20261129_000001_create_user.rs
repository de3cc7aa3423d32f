//! Staff accounts.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("user")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("email", 254))
                    .col(string_len("name", 100))
                    .col(string_len("role", 20))
                    .col(boolean("active"))
                    .col(string("password_hash"))
                    .col(boolean("must_change_password"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("user").to_owned()).await
    }
}
