//! Routing runs (dry runs keep their full result; committed runs wrote offers) and the
//! no-one-left-out ledger of eligible students left unplaced.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("routing_run")
                    .col(pk_auto("id"))
                    .col(integer("intake_year"))
                    .col(integer("round"))
                    .col(integer("rule_set_id"))
                    .col(big_integer("seed"))
                    .col(string_len("input_digest", 64))
                    .col(string_len("status", 20))
                    .col(text("result"))
                    .col(text("summary"))
                    .col(integer_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("committed_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("routing_run", "rule_set_id")
                            .to("rule_set", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("ledger_entry")
                    .col(pk_auto("id"))
                    .col(integer("student_id"))
                    .col(integer("intake_year"))
                    .col(integer("run_id"))
                    .col(timestamp_with_time_zone("opened_at"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(string_len_null("close_reason", 32))
                    .col(text_null("close_note"))
                    .col(string_len_null("closed_by", 254))
                    .foreign_key(
                        ForeignKey::create()
                            .from("ledger_entry", "student_id")
                            .to("student", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("ledger_entry", "run_id")
                            .to("routing_run", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_student")
                    .table("ledger_entry")
                    .col("student_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("ledger_entry").to_owned())
            .await?;
        manager.drop_table(Table::drop().table("routing_run").to_owned()).await
    }
}
