//! The audit log: who did what to which record, when. Rows are only ever inserted.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(big_pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(integer_null("user_id"))
                    .col(string_len("actor", 254))
                    .col(string_len("action", 64))
                    .col(string_len("record_type", 64))
                    .col(string_len_null("record_id", 64))
                    .col(text("summary"))
                    .col(string_len_null("client_ip", 64))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_audit_log_at", "at"),
            ("idx_audit_log_user", "user_id"),
            ("idx_audit_log_action", "action"),
            ("idx_audit_log_record", "record_type"),
        ] {
            manager
                .create_index(Index::create().name(name).table("audit_log").col(col).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("audit_log").to_owned()).await
    }
}
