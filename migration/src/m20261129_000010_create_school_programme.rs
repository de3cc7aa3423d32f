//! Vocational schools and their programmes (a school's major for one intake year).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("school")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("name", 100))
                    .col(string_len("town", 100))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("programme")
                    .col(pk_auto("id"))
                    .col(integer("school_id"))
                    .col(string_len("code", 32))
                    .col(string_len("name", 100))
                    .col(string_len("skill_area", 100))
                    .col(string_len("town", 100))
                    .col(integer("intake_year"))
                    .col(integer("capacity"))
                    .col(integer("reserved_seats"))
                    .col(text("reserved_rule"))
                    .col(text("requirements"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(ForeignKey::create().from("programme", "school_id").to("school", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_programme_code_year")
                    .table("programme")
                    .col("intake_year")
                    .col("code")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("programme").to_owned()).await?;
        manager.drop_table(Table::drop().table("school").to_owned()).await
    }
}
