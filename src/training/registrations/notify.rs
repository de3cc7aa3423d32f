//! The text messages registrations send: confirmed, waitlisted, promoted, cancelled, reminders.

use chrono::{Duration, Utc};
use entity::registration::RegistrationStatus;
use entity::training_session::SessionStatus;
use entity::{course, interest, registration, training_session};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::clock::today;
use crate::error::AppError;
use crate::outbox::Notice;

/// The events a registration tells the farmer about by text message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Confirmed,
    Waitlisted,
    Promoted,
    Reminder,
    Cancelled,
    CancelledByStaff,
    Moved,
}

impl Event {
    const ALL: [Event; 7] = [
        Event::Confirmed,
        Event::Waitlisted,
        Event::Promoted,
        Event::Reminder,
        Event::Cancelled,
        Event::CancelledByStaff,
        Event::Moved,
    ];

    /// The stable name, as in the idempotency key (`registration:<id>:<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Confirmed => "confirmed",
            Event::Waitlisted => "waitlisted",
            Event::Promoted => "promoted",
            Event::Reminder => "reminder",
            Event::Cancelled => "cancelled",
            Event::CancelledByStaff => "cancelled_by_staff",
            Event::Moved => "moved",
        }
    }

    pub fn parse(name: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// The outbox kind and template folder, `templates/sms/training_<event>/`.
    fn kind(self) -> &'static str {
        match self {
            Event::Confirmed => "training_confirmed",
            Event::Waitlisted => "training_waitlisted",
            Event::Promoted => "training_promoted",
            Event::Reminder => "training_reminder",
            Event::Cancelled => "training_cancelled",
            Event::CancelledByStaff => "training_cancelled_by_staff",
            Event::Moved => "training_moved",
        }
    }
}

/// The values of a registration's text message. It goes to a number the farmer typed, so it
/// carries nothing the farmer typed (no name): only what staff set up (course, dates) and the
/// confirmation code, so the public form cannot be used to send chosen words to any phone.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrainingText {
    #[serde(skip)]
    event: Event,
    title: String,
    /// The first day, or `first 至 last`.
    when: String,
    starts_on: String,
    code: String,
}

impl crate::outbox::Message for TrainingText {
    const CHANNEL: crate::outbox::Channel = crate::outbox::Channel::Sms;
    fn kind(&self) -> &'static str {
        self.event.kind()
    }
}

fn text(event: Event, r: &registration::Model, s: &training_session::Model, c: &course::Model) -> TrainingText {
    let when = if s.starts_on == s.ends_on {
        s.starts_on.to_string()
    } else {
        format!("{} 至 {}", s.starts_on, s.ends_on)
    };
    TrainingText {
        event,
        title: c.title.clone(),
        when,
        starts_on: s.starts_on.to_string(),
        code: r.code.clone(),
    }
}

/// Queues the text message of `kind` (an [`Event`] name) for a registration. Keyed by registration
/// and kind (`moved` also by the time of the move), so an event never sends twice. Registrations
/// from the public form get no email (their address was never confirmed).
pub async fn notify(
    conn: &impl ConnectionTrait,
    r: &registration::Model,
    s: &training_session::Model,
    c: &course::Model,
    kind: &str,
) -> Result<bool, AppError> {
    let event = Event::parse(kind).ok_or_else(|| AppError::internal(format!("no training text message `{kind}`")))?;
    let key = match event {
        // Every move is its own event (moving back and forth must tell the farmer each time).
        Event::Moved => format!("registration:{}:moved:{}", r.id, Utc::now().timestamp_micros()),
        // One reminder per start date: a moved session gets a new one.
        Event::Reminder => format!("registration:{}:reminder:{}", r.id, s.starts_on),
        e => format!("registration:{}:{}", r.id, e.as_str()),
    };
    crate::outbox::enqueue(conn, Notice::new(key, &r.phone, text(event, r, s, c))).await
}

/// The invitation sent to a farmer whose registered interest became a scheduled session
/// (`templates/sms/invite/`): course, first day and the session's number — nothing the farmer typed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InterestInvite {
    course: String,
    starts_on: String,
    session_id: i32,
}

impl crate::outbox::Message for InterestInvite {
    const CHANNEL: crate::outbox::Channel = crate::outbox::Channel::Sms;
    fn kind(&self) -> &'static str {
        "invite"
    }
}

/// The invitation of interest `i` to `session` of `course`, keyed by the interest.
pub fn interest_invite(
    i: &interest::Model,
    session: &training_session::Model,
    course: &course::Model,
) -> Notice<InterestInvite> {
    let message = InterestInvite {
        course: course.title.clone(),
        starts_on: session.starts_on.to_string(),
        session_id: session.id,
    };
    Notice::new(format!("interest:{}:invite", i.id), &i.phone, message)
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
        .filter(training_session::Column::Status.eq(SessionStatus::Scheduled))
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
            .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .all(db)
            .await?
        {
            queued += usize::from(notify(db, &r, &s, &c, "reminder").await?);
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_its_text_in_the_words_farmers_have_always_received() {
        let t = |event, when: &str| {
            let message = TrainingText {
                event,
                title: "食用菌栽培".into(),
                when: when.into(),
                starts_on: "2026-03-02".into(),
                code: "K7Q2M9".into(),
            };
            crate::outbox::notice::render(&message).expect("render").text
        };
        let week = "2026-03-02 至 2026-03-06";
        assert_eq!(
            t(Event::Confirmed, week),
            "【县职教培训】您已报名“食用菌栽培”（2026-03-02 至 2026-03-06），确认码 K7Q2M9。查询或取消请访问报名页面。"
        );
        assert_eq!(
            t(Event::Waitlisted, "2026-03-02"),
            "【县职教培训】“食用菌栽培”（2026-03-02）名额已满，您已进入候补，确认码 K7Q2M9。有名额时将短信通知您。"
        );
        assert_eq!(
            t(Event::Promoted, week),
            "【县职教培训】好消息：您已从候补转为正式学员，“食用菌栽培”（2026-03-02 至 2026-03-06），确认码 K7Q2M9。"
        );
        assert_eq!(
            t(Event::Reminder, week),
            "【县职教培训】提醒：“食用菌栽培”明天（2026-03-02）开课，请准时参加。确认码 K7Q2M9。"
        );
        assert_eq!(
            t(Event::Cancelled, week),
            "【县职教培训】您已取消“食用菌栽培”（2026-03-02 至 2026-03-06）的报名。"
        );
        assert_eq!(
            t(Event::CancelledByStaff, week),
            "【县职教培训】很抱歉，您报名的“食用菌栽培”（2026-03-02 至 2026-03-06）名额已由培训基地取消，如有疑问请联系基地。"
        );
        assert_eq!(
            t(Event::Moved, week),
            "【县职教培训】您报名的“食用菌栽培”时间或地点有调整：2026-03-02 至 2026-03-06。确认码 K7Q2M9，详情请查询报名页面。"
        );
        for e in Event::ALL {
            assert_eq!(Event::parse(e.as_str()), Some(e));
        }
        assert_eq!(Event::parse("other"), None);
    }
}
