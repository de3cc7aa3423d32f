//! A student has at most one open ledger line per intake year, enforced by the database (a partial
//! unique index, the same SQL on SQLite and PostgreSQL) so no sequence of rounds, cross-offs and
//! reinstatements can list a student twice.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS ledger_entry_one_open_line \
                 ON ledger_entry (student_id, intake_year) WHERE closed_at IS NULL",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ledger_entry_one_open_line")
            .await
            .map(|_| ())
    }
}
