//! Previews of schools' enrolment rosters (报到名单): what each row matched (placement ids, masked
//! IDs) and its bad rows, kept between the preview and the confirm so the confirm reports exactly
//! the offers previewed. The uploaded file itself is never kept.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("roster_preview")
                    .col(pk_auto("id"))
                    .col(integer("school_id"))
                    .col(integer("intake_year"))
                    .col(string_len("file_name", 255))
                    .col(string_len("file_sha256", 64))
                    .col(string_len("status", 20))
                    .col(text("report"))
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("confirmed_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("roster_preview", "school_id")
                            .to("school", "id"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("roster_preview").to_owned())
            .await
    }
}
