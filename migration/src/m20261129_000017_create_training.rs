//! Farmer skill training: bases and their venues, courses, instructors, blackout periods, sessions,
//! proposals from registered interest, registrations with the waitlist, and the counters public
//! forms are rate-limited by. Also gives the outbox a `channel` (email or SMS).
//!
//! `training_session.confirmed` counts the confirmed registrations and `arrivals` numbers every
//! registration attempt; both change only under the session row's lock, which is what keeps a
//! session from ever holding more confirmed farmers than `capacity`. `registration.active` is 1
//! until the registration is cancelled and NULL after, so the unique index on (session, phone,
//! active) lets one phone hold one place per session while keeping cancelled rows.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        training_base(manager).await?;
        venue(manager).await?;
        course(manager).await?;
        instructor(manager).await?;
        blackout(manager).await?;
        training_session(manager).await?;
        registration(manager).await?;
        interest(manager).await?;
        session_proposal(manager).await?;
        public_attempt(manager).await?;
        alter_outbox(manager).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "public_attempt",
            "session_proposal",
            "interest",
            "registration",
            "training_session",
            "blackout",
            "instructor",
            "course",
            "venue",
            "training_base",
        ] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

/// The `training_base` table and its indexes.
async fn training_base(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("training_base")
                .col(pk_auto("id"))
                .col(integer_null("school_id"))
                .col(string_len("name", 100))
                .col(string_len("address", 200))
                .col(string_len("town", 100))
                .col(string_len("open_days", 7))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("training_base", "school_id")
                        .to("school", "id"),
                )
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `venue` table and its indexes.
async fn venue(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("venue")
                .col(pk_auto("id"))
                .col(integer("base_id"))
                .col(string_len("name", 100))
                .col(integer("seats"))
                .foreign_key(ForeignKey::create().from("venue", "base_id").to("training_base", "id"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `course` table and its indexes.
async fn course(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("course")
                .col(pk_auto("id"))
                .col(string_len("title", 100))
                .col(string_len("skill_area", 100))
                .col(integer("hours"))
                .col(integer("min_cohort"))
                .col(integer("max_cohort"))
                .col(boolean("household_first"))
                .col(text("description"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `instructor` table and its indexes.
async fn instructor(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("instructor")
                .col(pk_auto("id"))
                .col(string_len("name", 100))
                .col(string_len_null("phone", 20))
                .col(text("skills"))
                .col(text("unavailable"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `blackout` table and its indexes.
async fn blackout(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("blackout")
                .col(pk_auto("id"))
                .col(string_len("name", 100))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `training_session` table and its indexes.
async fn training_session(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("training_session")
                .col(pk_auto("id"))
                .col(integer("course_id"))
                .col(integer("venue_id"))
                .col(integer("instructor_id"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(integer("capacity"))
                .col(integer("confirmed"))
                .col(integer("arrivals"))
                .col(string_len("status", 20))
                .col(string_len("created_by", 200))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("training_session", "course_id")
                        .to("course", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("training_session", "venue_id")
                        .to("venue", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("training_session", "instructor_id")
                        .to("instructor", "id"),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_training_session_dates")
                .table("training_session")
                .col("starts_on")
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `registration` table and its indexes.
async fn registration(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("registration")
                .col(pk_auto("id"))
                .col(integer("session_id"))
                .col(string_len("name", 50))
                .col(string_len("phone", 20))
                .col(string_len("town", 100))
                .col(string_len("village", 100))
                .col(string_len_null("household_number", 40))
                .col(integer_null("household_id"))
                .col(string_len_null("email", 254))
                .col(string_len_uniq("code", 16))
                .col(string_len("status", 20))
                .col(integer("arrival"))
                .col(integer("priority"))
                .col(integer_null("active"))
                .col(boolean_null("attended"))
                .col(string_len_null("certificate_code", 16))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(string_len_null("cancelled_by", 200))
                .foreign_key(
                    ForeignKey::create()
                        .from("registration", "session_id")
                        .to("training_session", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("registration", "household_id")
                        .to("household", "id"),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("uq_registration_phone_in_session")
                .table("registration")
                .col("session_id")
                .col("phone")
                .col("active")
                .unique()
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("uq_registration_certificate")
                .table("registration")
                .col("certificate_code")
                .unique()
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_registration_phone")
                .table("registration")
                .col("phone")
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `interest` table and its indexes.
async fn interest(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("interest")
                .col(pk_auto("id"))
                .col(integer("course_id"))
                .col(string_len("name", 50))
                .col(string_len("phone", 20))
                .col(string_len("town", 100))
                .col(string_len("village", 100))
                .col(integer_null("proposal_id"))
                .col(integer_null("invited_session_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(ForeignKey::create().from("interest", "course_id").to("course", "id"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `session_proposal` table and its indexes.
async fn session_proposal(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("session_proposal")
                .col(pk_auto("id"))
                .col(integer("course_id"))
                .col(integer("venue_id"))
                .col(integer("instructor_id"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(integer("capacity"))
                .col(integer("interested"))
                .col(text("why"))
                .col(string_len("status", 20))
                .col(integer_null("session_id"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `public_attempt` table and its indexes.
async fn public_attempt(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("public_attempt")
                .col(big_pk_auto("id"))
                .col(string_len("action", 40))
                .col(string_len("client_ip", 64))
                .col(string_len("phone", 20))
                .col(timestamp_with_time_zone("at"))
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_public_attempt_at")
                .table("public_attempt")
                .col("at")
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// Alters the `outbox` table.
async fn alter_outbox(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table("outbox")
                .add_column(string_len("channel", 10).default("email"))
                .to_owned(),
        )
        .await?;
    Ok(())
}
