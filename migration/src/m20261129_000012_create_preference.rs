//! Students' ranked programme choices; recommended ones wait for staff confirmation.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("preference")
                    .col(pk_auto("id"))
                    .col(integer("student_id"))
                    .col(integer("programme_id"))
                    .col(integer("rank"))
                    .col(boolean("confirmed"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("preference", "student_id")
                            .to("student", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("preference", "programme_id")
                            .to("programme", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_preference_student_rank")
                    .table("preference")
                    .col("student_id")
                    .col("rank")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_preference_student_programme")
                    .table("preference")
                    .col("student_id")
                    .col("programme_id")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("preference").to_owned()).await
    }
}
