//! Reporting windows (报到) and admission letters (录取通知书). A school has one reporting window per
//! intake year: the dates, the place, what to bring and whom to contact, printed on its students'
//! letters. Each placement has at most one admission letter, holding the public verify code printed
//! on it; a letter goes with its placement (deleted with it).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("reporting_window")
                    .col(pk_auto("id"))
                    .col(integer("school_id"))
                    .col(integer("intake_year"))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    .col(text("place"))
                    .col(text("bring"))
                    .col(text("contact"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("reporting_window", "school_id")
                            .to("school", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("reporting_window_one_per_school_year")
                    .table("reporting_window")
                    .col("school_id")
                    .col("intake_year")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("admission_letter")
                    .col(pk_auto("id"))
                    .col(integer_uniq("placement_id"))
                    .col(string_len_uniq("verify_code", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("admission_letter", "placement_id")
                            .to("placement", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("admission_letter").to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("reporting_window_one_per_school_year")
                    .table("reporting_window")
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("reporting_window").to_owned())
            .await
    }
}
