//! Uploaded register files: kept between the preview and the commit so the commit writes exactly
//! what was previewed.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("import_batch")
                    .col(pk_auto("id"))
                    .col(string_len("file_name", 255))
                    .col(string_len("file_sha256", 64))
                    .col(blob("content"))
                    .col(string_len_null("sheet", 100))
                    .col(string_len("status", 20))
                    .col(text("report"))
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("committed_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("import_batch").to_owned()).await
    }
}
