//! Registered poor households (建档立卡贫困户), matched by their registration number.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("household")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("registration_number", 32))
                    .col(string_len("town", 100))
                    .col(string_len("village", 100))
                    .col(string_len("head_of_household", 50))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_household_town")
                    .table("household")
                    .col("town")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("household").to_owned()).await
    }
}
