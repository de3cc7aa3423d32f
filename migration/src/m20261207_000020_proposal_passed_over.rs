//! A session proposal remembers how near it is (`near`: interested farmers living in the chosen
//! base's town) and which nearer bases it passed over and why (`passed_over`, JSON), so staff see
//! the choice explained in their language. At most one open proposal per course, enforced by the
//! database (a partial unique index, the same SQL on SQLite and PostgreSQL); should a race have left
//! two open, the newer ones are dismissed first.
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table("session_proposal")
                    .add_column(integer_null("near"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("session_proposal")
                    .add_column(text("passed_over").default("[]"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE session_proposal SET status = 'dismissed' WHERE status = 'proposed' AND id NOT IN \
             (SELECT MIN(id) FROM session_proposal WHERE status = 'proposed' GROUP BY course_id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS session_proposal_one_open \
             ON session_proposal (course_id) WHERE status = 'proposed'",
        )
        .await
        .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS session_proposal_one_open")
            .await?;
        for column in ["passed_over", "near"] {
            manager
                .alter_table(Table::alter().table("session_proposal").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
