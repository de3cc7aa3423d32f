//! The text messages registrations send: confirmed, waitlisted, promoted, cancelled, reminders.

use chrono::{Duration, Utc};
use entity::{course, registration, training_session};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::clock::today;
use crate::error::AppError;

/// The text of each notification. It goes to a number the farmer typed, so it carries nothing the
/// farmer typed (no name): only what staff set up (course, dates) and the confirmation code, so the
/// public form cannot be used to send chosen words to any phone.
fn message(kind: &str, r: &registration::Model, s: &training_session::Model, c: &course::Model) -> String {
    let when = if s.starts_on == s.ends_on {
        s.starts_on.to_string()
    } else {
        format!("{} 至 {}", s.starts_on, s.ends_on)
    };
    let (title, code) = (&c.title, &r.code);
    match kind {
        "confirmed" => format!("【县职教培训】您已报名“{title}”（{when}），确认码 {code}。查询或取消请访问报名页面。"),
        "waitlisted" => {
            format!("【县职教培训】“{title}”（{when}）名额已满，您已进入候补，确认码 {code}。有名额时将短信通知您。")
        }
        "promoted" => format!("【县职教培训】好消息：您已从候补转为正式学员，“{title}”（{when}），确认码 {code}。"),
        "reminder" => format!(
            "【县职教培训】提醒：“{title}”明天（{}）开课，请准时参加。确认码 {code}。",
            s.starts_on
        ),
        "cancelled" => format!("【县职教培训】您已取消“{title}”（{when}）的报名。"),
        "cancelled_by_staff" => {
            format!("【县职教培训】很抱歉，您报名的“{title}”（{when}）名额已由培训基地取消，如有疑问请联系基地。")
        }
        "moved" => {
            format!("【县职教培训】您报名的“{title}”时间或地点有调整：{when}。确认码 {code}，详情请查询报名页面。")
        }
        other => format!("【县职教培训】“{title}”（{when}）{other}"),
    }
}

/// Queues the text message of `kind` for a registration. Keyed by registration and kind (`moved`
/// also by the new dates), so an event never sends twice. Registrations from the public form get no
/// email (their address was never confirmed).
pub async fn notify(
    conn: &impl ConnectionTrait,
    r: &registration::Model,
    s: &training_session::Model,
    c: &course::Model,
    kind: &str,
) -> Result<bool, AppError> {
    let text = message(kind, r, s, c);
    let key = match kind {
        // Every move is its own event (moving back and forth must tell the farmer each time).
        "moved" => format!("registration:{}:moved:{}", r.id, Utc::now().timestamp_micros()),
        // One reminder per start date: a moved session gets a new one.
        "reminder" => format!("registration:{}:reminder:{}", r.id, s.starts_on),
        k => format!("registration:{}:{k}", r.id),
    };
    crate::outbox::enqueue_sms(conn, &key, &format!("training_{kind}"), &r.phone, &text).await
}

/// Tells every farmer still registered for a session (moved or cancelled by staff).
pub async fn notify_all(conn: &impl ConnectionTrait, s: &training_session::Model, kind: &str) -> Result<(), AppError> {
    let c = course::Entity::find_by_id(s.course_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    for r in registration::Entity::find()
        .filter(registration::Column::SessionId.eq(s.id))
        .filter(registration::Column::Active.is_not_null())
        .all(conn)
        .await?
    {
        notify(conn, &r, s, &c, kind).await?;
    }
    Ok(())
}

/// Queues the day-before reminder for confirmed farmers of sessions starting tomorrow. Idempotent
/// (keyed per registration), so every instance may run it hourly.
pub async fn queue_reminders(db: &DatabaseConnection) -> Result<usize, AppError> {
    let tomorrow = today() + Duration::days(1);
    let sessions = training_session::Entity::find()
        .filter(training_session::Column::Status.eq("scheduled"))
        .filter(training_session::Column::StartsOn.eq(tomorrow))
        .all(db)
        .await?;
    let mut queued = 0;
    for s in sessions {
        let c = course::Entity::find_by_id(s.course_id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound("course"))?;
        for r in registration::Entity::find()
            .filter(registration::Column::SessionId.eq(s.id))
            .filter(registration::Column::Status.eq("confirmed"))
            .all(db)
            .await?
        {
            queued += usize::from(notify(db, &r, &s, &c, "reminder").await?);
        }
    }
    Ok(queued)
}
