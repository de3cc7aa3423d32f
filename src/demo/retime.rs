//! Moves what one step of the demo just wrote to the day of the story it belongs to. The services
//! stamp every row with the moment they run; the demo runs each step, then dates the rows the step
//! wrote (every timestamp at or after the step began) to the story's day, so the archive, the
//! ledger, the audit trail and the delivery log all tell the same dates. Never used outside the demo.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// Every timestamp column a service stamps with the current moment.
const STAMPS: [(&str, &str); 39] = [
    ("user", "created_at"),
    ("user", "updated_at"),
    ("household", "created_at"),
    ("household", "updated_at"),
    ("student", "created_at"),
    ("student", "updated_at"),
    ("import_batch", "created_at"),
    ("import_batch", "committed_at"),
    ("preference", "created_at"),
    ("school", "created_at"),
    ("programme", "created_at"),
    ("programme", "updated_at"),
    ("rule_set", "created_at"),
    ("rule_set", "published_at"),
    ("routing_run", "created_at"),
    ("routing_run", "committed_at"),
    ("placement", "placed_at"),
    ("placement", "reported_at"),
    ("placement", "released_at"),
    ("ledger_entry", "closed_at"),
    ("ledger_follow_up", "recorded_at"),
    ("mentor_profile", "updated_at"),
    ("mentor_assignment", "answered_at"),
    ("mentor_assignment", "ended_at"),
    ("admission_letter", "created_at"),
    ("audit_log", "at"),
    ("outbox", "created_at"),
    ("outbox", "next_attempt_at"),
    ("training_base", "created_at"),
    ("course", "created_at"),
    ("instructor", "created_at"),
    ("training_session", "created_at"),
    ("registration", "created_at"),
    ("registration", "updated_at"),
    ("attendance_day", "recorded_at"),
    ("certificate", "issued_at"),
    ("certificate", "revoked_at"),
    ("interest", "created_at"),
    ("session_proposal", "created_at"),
];

/// Dates every row written since `since` to `at`, with the dates that follow from the moment: an
/// archive entry's day, a new ledger line's follow-up due day, a new assignment's answer deadline.
pub async fn retime(db: &DatabaseConnection, since: DateTime<Utc>, at: DateTime<Utc>) -> Result<(), String> {
    let on = at.with_timezone(&crate::clock::china()).date_naive();
    let due = crate::admissions::ledger::follow_up_due(on);
    let answer_by = at + Duration::days(crate::mentor::assignments::ANSWER_DAYS);
    let tied = [
        Query::update()
            .table("archive_entry")
            .value("occurred_on", on)
            .value("created_at", at)
            .and_where(Expr::col("created_at").gte(since))
            .to_owned(),
        Query::update()
            .table("ledger_entry")
            .value("follow_up_due_on", due)
            .value("opened_at", at)
            .and_where(Expr::col("opened_at").gte(since))
            .to_owned(),
        Query::update()
            .table("mentor_assignment")
            .value("answer_by", answer_by)
            .value("assigned_at", at)
            .and_where(Expr::col("assigned_at").gte(since))
            .to_owned(),
    ];
    for stmt in &tied {
        db.execute(stmt).await.map_err(|e| e.to_string())?;
    }
    for (table, column) in STAMPS {
        let stmt = Query::update()
            .table(table)
            .value(column, at)
            .and_where(Expr::col(column).gte(since))
            .to_owned();
        db.execute(&stmt).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Runs one step and dates what it wrote to `at` (see [`retime`]).
pub async fn on<T, F>(db: &DatabaseConnection, at: DateTime<Utc>, step: F) -> Result<T, String>
where
    F: std::future::IntoFuture<Output = Result<T, String>>,
{
    // A millisecond back: the database may round the moment it stores.
    let since = Utc::now() - Duration::milliseconds(1);
    let out = step.await?;
    retime(db, since, at).await?;
    Ok(out)
}
