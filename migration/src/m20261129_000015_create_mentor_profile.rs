//! Mentor profiles: the school, the roles a mentor can take with a maximum of mentees per role, the
//! skill areas taught and the home town. One per staff account with the mentor role.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("mentor_profile")
                    .col(integer("user_id").primary_key())
                    .col(integer("school_id"))
                    .col(text("roles"))
                    .col(text("skill_areas"))
                    .col(string_len("home_town", 100))
                    .col(boolean("active"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(ForeignKey::create().from("mentor_profile", "user_id").to("user", "id"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("mentor_profile", "school_id")
                            .to("school", "id"),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("mentor_profile").to_owned())
            .await
    }
}
