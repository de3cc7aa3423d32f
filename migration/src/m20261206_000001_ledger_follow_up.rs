//! Bringing them back (劝返): a follow-up log on ledger lines — when, who, how, the outcome and the
//! next step — and the day each open line becomes overdue for follow-up (`follow_up_due_on`, 14
//! days after it was opened or last followed up), so the overdue lines are one indexed query. A
//! school may name its admissions office's mailbox (`school.admissions_email`) for the weekly list
//! of its former students' lines overdue for follow-up.
use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("ledger_follow_up")
                    .col(pk_auto("id"))
                    .col(integer("ledger_entry_id"))
                    .col(date("followed_on"))
                    .col(string_len("who", 32))
                    .col(string_len("who_name", 100))
                    .col(string_len("how", 32))
                    .col(text("outcome"))
                    .col(text_null("next_step"))
                    .col(string("recorded_by"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("ledger_follow_up", "ledger_entry_id")
                            .to("ledger_entry", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ledger_follow_up_by_line")
                    .table("ledger_follow_up")
                    .col("ledger_entry_id")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("ledger_entry")
                    .add_column(date_null("follow_up_due_on"))
                    .to_owned(),
            )
            .await?;
        // Lines already open are due 14 days after the day (in China, UTC+8) they were opened.
        let backfill = match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                "UPDATE ledger_entry SET follow_up_due_on = ((opened_at AT TIME ZONE 'UTC') + interval '8 hours')::date + 14 \
                 WHERE closed_at IS NULL"
            }
            _ => {
                "UPDATE ledger_entry SET follow_up_due_on = date(opened_at, '+8 hours', '+14 days') WHERE closed_at IS NULL"
            }
        };
        manager.get_connection().execute_unprepared(backfill).await?;
        manager
            .create_index(
                Index::create()
                    .name("ledger_entry_follow_up_due")
                    .table("ledger_entry")
                    .col("follow_up_due_on")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("school")
                    .add_column(string_null("admissions_email"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("school")
                    .drop_column("admissions_email")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ledger_entry_follow_up_due")
                    .table("ledger_entry")
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("ledger_entry")
                    .drop_column("follow_up_due_on")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("ledger_follow_up").to_owned())
            .await
    }
}
