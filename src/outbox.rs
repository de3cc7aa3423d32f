//! The transactional outbox. [`enqueue`] writes an email row inside the caller's transaction, so
//! the email exists exactly when the business change does; its idempotency key is unique, so one
//! event never queues two emails. [`deliver_due`] claims due rows one by one with a conditional
//! update (`status = 'queued'` → `'sending'`), which only one worker or instance can win on either
//! database, sends, and records the outcome: `sent`, or back to `queued` with exponential backoff,
//! or `failed` after the last attempt (with the error). A row found still `sending` long after its
//! claim means a worker stopped between sending and recording: it becomes `unknown` and is never
//! resent automatically (it might have gone out); staff see it and can resend it. A message made
//! pointless before it went out (an offer released) is `withdrawn` and never sent.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, Utc};
use entity::outbox::{self, OutboxStatus};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::error::AppError;
use crate::i18n::Msg;
use crate::mail::{Mailer, Rendered, build_message};
use crate::pagination::{Page, PageRequest};

pub mod notice;

pub use notice::{Channel, Message, Notice};

/// Attempts before a message is marked failed.
pub const MAX_ATTEMPTS: i32 = 5;
/// Emails a worker sends side by side (each lane claims its rows one by one).
pub const LANES: usize = 8;
/// The note `vocpath demo` leaves on the messages it marks sent without delivering them.
pub const DEMO_NOTE: &str = "demo data: marked sent without delivery";

/// The note on a message whose send was interrupted (status `unknown`).
pub const ABANDONED_NOTE: &str = "the worker stopped while sending; it may or may not have gone out";

/// The catalogue key that explains a message's note on the delivery log, when the note is one the
/// service wrote itself (the demo's, a withdrawal's, an interrupted send's); `None` for an error
/// from the mail or SMS gateway, which is shown as received.
pub fn note_key(status: OutboxStatus, note: &str) -> Option<&'static str> {
    if note == DEMO_NOTE {
        Some("outbox.note_demo")
    } else if status == OutboxStatus::Withdrawn {
        Some("outbox.note_withdrawn")
    } else if note == ABANDONED_NOTE {
        Some("outbox.note_abandoned")
    } else {
        None
    }
}

/// A claim older than this without an outcome means the worker stopped mid-send.
pub const CLAIM_TIMEOUT_MINUTES: i64 = 10;

/// Renders `notice` from its templates and queues it in the caller's transaction (email or text
/// message, as its kind says). Returns `false` when a message with its key was queued before
/// (nothing is written then). This is the one way any part of the service sends a message.
pub async fn enqueue<M: Message>(conn: &impl ConnectionTrait, notice: Notice<M>) -> Result<bool, AppError> {
    let rendered = notice.render()?;
    insert(
        conn,
        &notice.key,
        notice.message.kind(),
        &notice.to,
        rendered,
        M::CHANNEL,
    )
    .await
}

/// Renders every notice and queues them with as few multi-row inserts as the database's limit on
/// bind parameters allows, in the caller's transaction: [`enqueue`] for many messages at once (a
/// round's 80,000 offer texts). A notice whose key was queued before is skipped, as with
/// [`enqueue`].
pub async fn enqueue_all<M: Message + Send + 'static>(
    conn: &impl ConnectionTrait,
    notices: Vec<Notice<M>>,
) -> Result<(), AppError> {
    let rows = render_all(notices, Utc::now()).await?;
    let columns = <outbox::Column as sea_orm::Iterable>::iter().count();
    let size = crate::db::rows_per_statement(conn.get_database_backend(), columns);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<outbox::ActiveModel> = rows.by_ref().take(size).collect();
        let inserted = outbox::Entity::insert_many(chunk)
            .on_conflict(on_key_conflict())
            .exec_without_returning(conn)
            .await;
        match inserted {
            Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// From how many notices [`render_all`] renders on all cores.
const RENDER_IN_PARALLEL_FROM: usize = 1_000;

/// The outbox rows of `notices`, in their order. Many are rendered on all cores, off the async
/// threads (a round's 80,000 texts take a second on one core).
async fn render_all<M: Message + Send + 'static>(
    notices: Vec<Notice<M>>,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<outbox::ActiveModel>, AppError> {
    let render = move |notices: Vec<Notice<M>>| -> Result<Vec<outbox::ActiveModel>, AppError> {
        notices
            .into_iter()
            .map(|n| Ok(row(&n.key, n.message.kind(), &n.to, n.render()?, M::CHANNEL, now)))
            .collect()
    };
    if notices.len() < RENDER_IN_PARALLEL_FROM {
        return render(notices);
    }
    tokio::task::spawn_blocking(move || {
        let parts =
            crate::parallel::in_parallel(crate::parallel::split(notices).into_iter().map(|p| move || render(p)));
        parts
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map(crate::parallel::concat)
    })
    .await
    .map_err(|e| AppError::internal_from("rendering the messages", e))?
}

/// A queued row of a rendered message.
fn row(
    key: &str,
    kind: &str,
    to: &str,
    email: Rendered,
    channel: Channel,
    now: chrono::DateTime<Utc>,
) -> outbox::ActiveModel {
    outbox::ActiveModel {
        idempotency_key: Set(key.to_string()),
        kind: Set(kind.to_string()),
        recipient: Set(to.to_string()),
        subject: Set(email.subject),
        body_text: Set(email.text),
        body_html: Set(email.html),
        status: Set(OutboxStatus::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        channel: Set(channel),
        ..Default::default()
    }
}

/// A second message with a key already queued is not written (the key is unique).
fn on_key_conflict() -> OnConflict {
    OnConflict::column(outbox::Column::IdempotencyKey)
        .do_nothing()
        .to_owned()
}

async fn insert(
    conn: &impl ConnectionTrait,
    key: &str,
    kind: &str,
    to: &str,
    email: Rendered,
    channel: Channel,
) -> Result<bool, AppError> {
    let inserted = outbox::Entity::insert(row(key, kind, to, email, channel, Utc::now()))
        .on_conflict(on_key_conflict())
        .exec_without_returning(conn)
        .await;
    match inserted {
        Ok(n) => Ok(n > 0),
        Err(sea_orm::DbErr::RecordNotInserted) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Withdraws a message not yet sent (still `queued`): it becomes `withdrawn` with `why` as its
/// note and is never sent. In the caller's transaction; returns whether one was withdrawn (a
/// message already sent or being sent is left alone).
pub async fn withdraw(conn: &impl ConnectionTrait, key: &str, why: &str) -> Result<bool, AppError> {
    let done = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Withdrawn))
        .col_expr(outbox::Column::LastError, Expr::value(why.to_string()))
        .filter(outbox::Column::IdempotencyKey.eq(key))
        .filter(outbox::Column::Status.eq(OutboxStatus::Queued))
        .exec(conn)
        .await?;
    Ok(done.rows_affected > 0)
}

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Delay before attempt `n + 1`: 30 s, 1 min, 2 min, 4 min … capped at 1 h.
pub fn backoff(attempts: i32) -> Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 7));
    Duration::seconds(Ord::min(secs, 3600))
}

/// Sends up to `limit` due emails. Safe to run in several workers and instances at once.
pub async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    from: &str,
    limit: u64,
) -> Result<Delivered, AppError> {
    deliver_due_until(db, mailer, from, limit, &AtomicBool::new(false)).await
}

/// [`deliver_due`] that stops between two emails once `stop` is set (graceful shutdown), so the
/// service never leaves an email it had started on half-sent.
pub async fn deliver_due_until(
    db: &DatabaseConnection,
    mailer: &Mailer,
    from: &str,
    limit: u64,
    stop: &AtomicBool,
) -> Result<Delivered, AppError> {
    mark_abandoned_claims(db).await?;
    let due = due_ids(db, Channel::Email, limit).await?;
    // SMTP is a conversation of small writes and waits, so one email at a time leaves the line
    // idle most of the time; a few lanes send side by side, each claiming its own rows.
    let mut lanes: Vec<Vec<i64>> = vec![Vec::new(); LANES];
    for (i, id) in due.into_iter().enumerate() {
        lanes[i % LANES].push(id);
    }
    let results = futures_util::future::join_all(lanes.into_iter().map(|ids| async move {
        let mut done = Delivered::default();
        for id in ids {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let Some(row) = claim(db, id).await? else { continue };
            let message_id = crate::mail::message_id(row.id, &row.idempotency_key, from);
            let outcome = match build_message(
                from,
                &row.recipient,
                &row.subject,
                &row.body_text,
                &row.body_html,
                &message_id,
            ) {
                Ok(m) => mailer.send(m).await,
                Err(e) => Err(e),
            };
            record(db, &row, outcome.map_err(|e| e.to_string()), &mut done).await?;
        }
        Ok::<_, AppError>(done)
    }))
    .await;
    let mut done = Delivered::default();
    for r in results {
        let d = r?;
        done.sent += d.sent;
        done.retried += d.retried;
        done.failed += d.failed;
    }
    Ok(done)
}

/// Sends up to `limit` due text messages through `sms`, one by one, with the same claims, retries
/// and outcomes as emails. Stops between two messages once `stop` is set.
pub async fn deliver_due_sms(
    db: &DatabaseConnection,
    sms: &crate::sms::SmsSender,
    limit: u64,
    stop: &AtomicBool,
) -> Result<Delivered, AppError> {
    let due = due_ids(db, Channel::Sms, limit).await?;
    let mut done = Delivered::default();
    for id in due {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Some(row) = claim(db, id).await? else { continue };
        let outcome = sms.send(&row.recipient, &row.body_text).await;
        record(db, &row, outcome, &mut done).await?;
    }
    Ok(done)
}

/// Ids of queued rows of a channel whose attempt is due, oldest first.
async fn due_ids(db: &DatabaseConnection, channel: Channel, limit: u64) -> Result<Vec<i64>, AppError> {
    Ok(outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(outbox::Column::Channel.eq(channel))
        .filter(outbox::Column::Status.eq(OutboxStatus::Queued))
        .filter(outbox::Column::NextAttemptAt.lte(Utc::now()))
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?)
}

/// Wins the row for this worker, or `None` when another worker was first.
async fn claim(db: &DatabaseConnection, id: i64) -> Result<Option<outbox::Model>, AppError> {
    let won = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sending))
        .col_expr(outbox::Column::ClaimedAt, Expr::value(Utc::now()))
        .col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Queued))
        .exec(db)
        .await?;
    if won.rows_affected == 0 {
        return Ok(None);
    }
    Ok(outbox::Entity::find_by_id(id).one(db).await?)
}

async fn record(
    db: &DatabaseConnection,
    row: &outbox::Model,
    outcome: Result<(), String>,
    done: &mut Delivered,
) -> Result<(), AppError> {
    let now = Utc::now();
    let update = outbox::Entity::update_many()
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Sending));
    match outcome {
        Ok(()) => {
            update
                .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Sent))
                .col_expr(outbox::Column::SentAt, Expr::value(now))
                .exec(db)
                .await?;
            done.sent += 1;
        }
        Err(e) if row.attempts >= MAX_ATTEMPTS => {
            tracing::warn!(id = row.id, error = %e, "email failed for good");
            update
                .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Failed))
                .col_expr(outbox::Column::LastError, Expr::value(e))
                .exec(db)
                .await?;
            done.failed += 1;
        }
        Err(e) => {
            tracing::info!(id = row.id, attempt = row.attempts, error = %e, "email will be retried");
            update
                .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Queued))
                .col_expr(outbox::Column::NextAttemptAt, Expr::value(now + backoff(row.attempts)))
                .col_expr(outbox::Column::LastError, Expr::value(e))
                .exec(db)
                .await?;
            done.retried += 1;
        }
    }
    Ok(())
}

/// Claims older than the timeout whose outcome was never recorded become `unknown`.
async fn mark_abandoned_claims(db: &DatabaseConnection) -> Result<(), AppError> {
    let cutoff = Utc::now() - Duration::minutes(CLAIM_TIMEOUT_MINUTES);
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Unknown))
        .col_expr(outbox::Column::LastError, Expr::value(ABANDONED_NOTE))
        .filter(outbox::Column::Status.eq(OutboxStatus::Sending))
        .filter(outbox::Column::ClaimedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(())
}

/// The delivery log, newest first, optionally of one status.
pub async fn list(
    db: &impl ConnectionTrait,
    status: Option<OutboxStatus>,
    page: PageRequest,
) -> Result<Page<outbox::Model>, AppError> {
    let mut q = outbox::Entity::find();
    if let Some(s) = status {
        q = q.filter(outbox::Column::Status.eq(s));
    }
    let paginator = q.order_by_desc(outbox::Column::Id).paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

/// Queues a failed or unknown email again (staff decided it should go out).
pub async fn resend(db: &DatabaseConnection, actor: &crate::audit::Actor, id: i64) -> Result<(), AppError> {
    let txn = crate::db::begin_write(db).await?;
    let row = outbox::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("email"))?;
    if !matches!(row.status, OutboxStatus::Failed | OutboxStatus::Unknown) {
        return Err(AppError::Conflict(Msg::new("error.email_not_resendable")));
    }
    let requeued = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Queued))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(Utc::now()))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.is_in([OutboxStatus::Failed, OutboxStatus::Unknown]))
        .exec(&txn)
        .await?;
    if requeued.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("error.email_not_resendable")));
    }
    crate::audit::record(
        &txn,
        actor,
        "outbox.resend",
        crate::audit::Record::new("outbox", id),
        format!("{} to {}", row.kind, row.recipient),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Emails that failed for good or whose fate is unknown.
pub async fn failed_count(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Status.is_in([OutboxStatus::Failed, OutboxStatus::Unknown]))
        .count(db)
        .await?)
}

/// Emails waiting to go out (for `/metrics` and the dashboard).
pub async fn queue_depth(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Queued))
        .count(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(240));
        assert_eq!(backoff(20), Duration::seconds(3600));
    }

    #[test]
    fn notes_the_service_wrote_are_explained_and_gateway_errors_are_not() {
        assert_eq!(note_key(OutboxStatus::Sent, DEMO_NOTE), Some("outbox.note_demo"));
        assert_eq!(
            note_key(OutboxStatus::Withdrawn, "placement 5 released"),
            Some("outbox.note_withdrawn")
        );
        assert_eq!(
            note_key(OutboxStatus::Unknown, ABANDONED_NOTE),
            Some("outbox.note_abandoned")
        );
        assert_eq!(note_key(OutboxStatus::Failed, "550 mailbox unavailable"), None);
    }
}
