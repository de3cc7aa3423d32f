//! Students of registered households. The national ID is stored only encrypted, with a keyed hash
//! for uniqueness and look-up and a masked form for display.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("student")
                    .col(pk_auto("id"))
                    .col(integer("household_id"))
                    .col(string_len("name", 50))
                    .col(string_len("sex", 10))
                    .col(text("national_id_enc"))
                    .col(string_len_uniq("national_id_hash", 64))
                    .col(string_len("national_id_masked", 18))
                    .col(date("birth_date"))
                    .col(string_len_null("phone", 11))
                    .col(string_len_null("guardian", 50))
                    .col(string_len("junior_high_school", 100))
                    .col(integer("graduation_year"))
                    .col(double_null("exam_score"))
                    .col(string_len("senior_high_status", 20))
                    .col(boolean("disability"))
                    .col(string_len_null("intended_skill", 100))
                    // Derived from the register fields and the archive; recomputed on every write and
                    // daily (the status depends on the date). Kept only so lists can filter by it.
                    .col(string_len("current_status", 32))
                    .col(string_len_null("current_programme", 100))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("student", "household_id")
                            .to("household", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_student_household", "household_id"),
            ("idx_student_name", "name"),
            ("idx_student_graduation_year", "graduation_year"),
            ("idx_student_masked", "national_id_masked"),
            ("idx_student_status", "current_status"),
        ] {
            manager
                .create_index(Index::create().name(name).table("student").col(col).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("student").to_owned()).await
    }
}
