//! Attendance per teaching day and certificates earned by it.
//!
//! `attendance_day` holds one row per registration per teaching day once that day is recorded:
//! present or not and the hours credited (the day's hours, or fewer for a farmer who left early).
//! `certificate` holds at most one certificate per registration (unique), issued after the session's
//! last day to farmers whose hours reach the course's `completion_share` (percent of its hours, 80
//! unless the course says otherwise); a revoked certificate is kept with when, why and by whom.
//!
//! The old single tick moves over: a registration ticked as attended is present (ticked as absent:
//! absent) on every day of its session already held when this runs, with the hours of each day;
//! a certificate code given out for a session that has ended becomes a certificate with the hours
//! attended, so printed codes keep verifying. A code given out before its session ended (the bug
//! this change fixes) is dropped: the farmer earns a certificate by the new rule. Then
//! `registration.attended` and `registration.certificate_code` go.
use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A session spans at most this many days (the scheduler's limit).
const MAX_DAYS: i64 = 30;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_completion_share(manager).await?;
        create_attendance_day(manager).await?;
        create_certificate(manager).await?;
        move_old_ticks(manager).await?;
        drop_old_registration_columns(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("registration")
                    .add_column(boolean_null("attended"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("registration")
                    .add_column(string_len_null("certificate_code", 16))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE registration SET attended = (SELECT MAX(CASE WHEN a.present THEN 1 ELSE 0 END) = 1 \
             FROM attendance_day a WHERE a.registration_id = registration.id) \
             WHERE id IN (SELECT registration_id FROM attendance_day)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE registration SET certificate_code = (SELECT c.code FROM certificate c \
             WHERE c.registration_id = registration.id AND c.revoked_at IS NULL)",
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
        for t in ["certificate", "attendance_day"] {
            manager.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("course")
                    .drop_column("completion_share")
                    .to_owned(),
            )
            .await
    }
}

/// Turns the old ticks into days and certificates (see the module comment). Dates are compared in
/// China (UTC+8), as the service does.
async fn move_old_ticks(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let pg = manager.get_database_backend() == DatabaseBackend::Postgres;
    let (today, days, yes) = if pg {
        (
            "((now() AT TIME ZONE 'UTC') + interval '8 hours')::date",
            "(s.ends_on - s.starts_on + 1)",
            "true",
        )
    } else {
        (
            "date('now', '+8 hours')",
            "(CAST(julianday(s.ends_on) - julianday(s.starts_on) AS INTEGER) + 1)",
            "1",
        )
    };
    for offset in 0..MAX_DAYS {
        let day = if pg {
            format!("(s.starts_on + {offset})")
        } else {
            format!("date(s.starts_on, '+{offset} days')")
        };
        // The course's hours spread over the days, the first days taking the remainder.
        let hours = format!("(c.hours / {days} + CASE WHEN {offset} < c.hours % {days} THEN 1 ELSE 0 END)");
        db.execute_unprepared(&format!(
            "INSERT INTO attendance_day (registration_id, session_id, day, present, hours, recorded_by, recorded_at) \
             SELECT r.id, r.session_id, {day}, r.attended, CASE WHEN r.attended = {yes} THEN {hours} ELSE 0 END, \
                    'migration', r.updated_at \
             FROM registration r JOIN training_session s ON s.id = r.session_id JOIN course c ON c.id = s.course_id \
             WHERE r.attended IS NOT NULL AND {day} <= s.ends_on AND {day} <= {today}"
        ))
        .await?;
    }
    db.execute_unprepared(&format!(
        "INSERT INTO certificate (registration_id, code, hours, course_hours, issued_at, issued_by) \
         SELECT r.id, r.certificate_code, \
                (SELECT COALESCE(SUM(a.hours), 0) FROM attendance_day a WHERE a.registration_id = r.id), \
                c.hours, r.updated_at, 'migration' \
         FROM registration r JOIN training_session s ON s.id = r.session_id JOIN course c ON c.id = s.course_id \
         WHERE r.certificate_code IS NOT NULL AND r.attended = {yes} AND s.ends_on < {today}"
    ))
    .await?;
    Ok(())
}

/// Gives `course` its `completion_share` (percent of its hours, 80 by default).
async fn add_completion_share(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table("course")
                .add_column(integer("completion_share").default(80))
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `attendance_day` table and its indexes.
async fn create_attendance_day(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("attendance_day")
                .col(pk_auto("id"))
                .col(integer("registration_id"))
                .col(integer("session_id"))
                .col(date("day"))
                .col(boolean("present"))
                .col(integer("hours"))
                .col(string_len("recorded_by", 200))
                .col(timestamp_with_time_zone("recorded_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("attendance_day", "registration_id")
                        .to("registration", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("attendance_day", "session_id")
                        .to("training_session", "id"),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("uq_attendance_day_registration_day")
                .table("attendance_day")
                .col("registration_id")
                .col("day")
                .unique()
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_attendance_day_session")
                .table("attendance_day")
                .col("session_id")
                .col("day")
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// The `certificate` table.
async fn create_certificate(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table("certificate")
                .col(pk_auto("id"))
                .col(integer_uniq("registration_id"))
                .col(string_len_uniq("code", 16))
                .col(integer("hours"))
                .col(integer("course_hours"))
                .col(timestamp_with_time_zone("issued_at"))
                .col(string_len("issued_by", 200))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(text_null("revoked_reason"))
                .col(string_len_null("revoked_by", 200))
                .foreign_key(
                    ForeignKey::create()
                        .from("certificate", "registration_id")
                        .to("registration", "id"),
                )
                .to_owned(),
        )
        .await?;
    Ok(())
}

/// Drops `registration.certificate_code` (and its index) and `registration.attended`.
async fn drop_old_registration_columns(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .drop_index(
            Index::drop()
                .name("uq_registration_certificate")
                .table("registration")
                .to_owned(),
        )
        .await?;
    for column in ["certificate_code", "attended"] {
        manager
            .alter_table(Table::alter().table("registration").drop_column(column).to_owned())
            .await?;
    }
    Ok(())
}
