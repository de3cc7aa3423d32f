//! The study-and-employment archive: an append-only timeline per student. A correction is a new
//! row whose `supersedes_id` names the row it corrects; rows are never updated or deleted.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("archive_entry")
                    .col(big_pk_auto("id"))
                    .col(integer("student_id"))
                    .col(string_len("kind", 32))
                    .col(date("occurred_on"))
                    .col(text("details"))
                    .col(big_integer_null("supersedes_id"))
                    .col(integer_null("recorded_by"))
                    .col(string_len("recorded_by_label", 254))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("archive_entry", "student_id")
                            .to("student", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("archive_entry", "supersedes_id")
                            .to("archive_entry", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_archive_entry_student")
                    .table("archive_entry")
                    .col("student_id")
                    .col("occurred_on")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_archive_entry_kind")
                    .table("archive_entry")
                    .col("kind")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("archive_entry").to_owned())
            .await
    }
}
