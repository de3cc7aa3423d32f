//! From offer to classroom: a placement's status (offered, reported, declined, no-show) and the
//! moment its seat was released, so a declined offer or a no-show frees the seat while the row stays
//! as the record; at most one placement *in force* (not released) per student and year. Ledger
//! lines can now be opened by something other than a run (a declined offer, a no-show), so their
//! `run_id` becomes optional and each line says why it was opened (`opened_because`).
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len("status", 20).default("offered").to_owned(),
            timestamp_with_time_zone_null("reported_at"),
            timestamp_with_time_zone_null("released_at"),
            string_len_null("release_reason", 32),
            text_null("release_note"),
        ] {
            manager
                .alter_table(Table::alter().table("placement").add_column(column).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("placement_one_per_year")
                    .table("placement")
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX placement_one_in_force ON placement (student_id, intake_year) \
                 WHERE released_at IS NULL",
            )
            .await?;
        optional_run_id(manager).await?;
        manager
            .alter_table(
                Table::alter()
                    .table("ledger_entry")
                    .add_column(string_len("opened_because", 32).default("unplaced"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("ledger_entry")
                    .add_column(integer_null("placement_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["placement_id", "opened_because"] {
            manager
                .alter_table(Table::alter().table("ledger_entry").drop_column(column).to_owned())
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS placement_one_in_force")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("placement_one_per_year")
                    .table("placement")
                    .col("student_id")
                    .col("intake_year")
                    .unique()
                    .to_owned(),
            )
            .await?;
        for column in ["release_note", "release_reason", "released_at", "reported_at", "status"] {
            manager
                .alter_table(Table::alter().table("placement").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// `ledger_entry.run_id` becomes nullable. PostgreSQL alters the column; SQLite cannot, so the table
/// is rebuilt with the same columns, keys and indexes and the rows copied.
async fn optional_run_id(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if manager.get_database_backend() != DatabaseBackend::Sqlite {
        return manager
            .alter_table(
                Table::alter()
                    .table("ledger_entry")
                    .modify_column(ColumnDef::new("run_id").integer().null())
                    .to_owned(),
            )
            .await;
    }
    // One batch on one connection: the statements of a pooled connection could otherwise see a
    // schema from before the previous statement.
    db.execute_unprepared(
        r#"
        DROP INDEX IF EXISTS idx_ledger_student;
        DROP INDEX IF EXISTS ledger_entry_one_open_line;
        ALTER TABLE ledger_entry RENAME TO ledger_entry_old;
        CREATE TABLE ledger_entry (
            "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
            "student_id" integer NOT NULL,
            "intake_year" integer NOT NULL,
            "run_id" integer NULL,
            "opened_at" timestamp_with_timezone_text NOT NULL,
            "closed_at" timestamp_with_timezone_text NULL,
            "close_reason" varchar(32) NULL,
            "close_note" text NULL,
            "closed_by" varchar(254) NULL,
            "why" text NOT NULL DEFAULT '[]',
            FOREIGN KEY ("student_id") REFERENCES "student" ("id"),
            FOREIGN KEY ("run_id") REFERENCES "routing_run" ("id")
        );
        INSERT INTO ledger_entry (id, student_id, intake_year, run_id, opened_at, closed_at, close_reason,
                                  close_note, closed_by, why)
            SELECT id, student_id, intake_year, run_id, opened_at, closed_at, close_reason, close_note,
                   closed_by, why
            FROM ledger_entry_old;
        DROP TABLE ledger_entry_old;
        CREATE INDEX idx_ledger_student ON ledger_entry (student_id);
        CREATE UNIQUE INDEX ledger_entry_one_open_line ON ledger_entry (student_id, intake_year)
            WHERE closed_at IS NULL;
        "#,
    )
    .await
    .map(|_| ())
}
