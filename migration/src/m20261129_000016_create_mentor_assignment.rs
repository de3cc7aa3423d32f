//! Mentor assignments: which mentor holds which role for which student. Rows are never deleted; an
//! assignment that ends (declined, replaced by staff) keeps its row with `ended_at` and the reason.
//! `in_force` is 1 while the assignment counts and NULL after it ended, so the unique index on
//! (student, role, in_force) allows one assignment in force per student and role on both databases
//! (NULLs never collide) while keeping the history.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("mentor_assignment")
                    .col(pk_auto("id"))
                    .col(integer("student_id"))
                    .col(integer("mentor_id"))
                    .col(string_len("role", 20))
                    .col(string_len("status", 20))
                    .col(integer_null("in_force"))
                    .col(timestamp_with_time_zone("assigned_at"))
                    .col(string_len("assigned_by", 200))
                    .col(timestamp_with_time_zone("answer_by"))
                    .col(timestamp_with_time_zone_null("answered_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(text_null("end_reason"))
                    .col(date_null("last_contact_on"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("mentor_assignment", "student_id")
                            .to("student", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("mentor_assignment", "mentor_id")
                            .to("user", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_mentor_assignment_in_force")
                    .table("mentor_assignment")
                    .col("student_id")
                    .col("role")
                    .col("in_force")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mentor_assignment_mentor")
                    .table("mentor_assignment")
                    .col("mentor_id")
                    .col("in_force")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("mentor_assignment").to_owned())
            .await
    }
}
