//! The `mentor_assignments` email: one notice per mentor listing the new mentees, each with its
//! own signed accept and decline links. Queued through the outbox in the caller's transaction.

use entity::enums::Sex;
use entity::mentor_assignment;
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::links::link_token;
use super::{MentorCard, Placed};
use crate::error::AppError;
use crate::mentor::labels;

/// One new mentee in the `mentor_assignments` email, with the answer links of that assignment.
#[derive(Serialize)]
pub(super) struct BatchLine<'a> {
    student_name: &'a str,
    sex: &'static str,
    town: &'a str,
    village: &'a str,
    school: &'a str,
    programme: &'a str,
    role: &'static str,
    student_url: String,
    accept_url: String,
    decline_url: String,
}

/// The typed context of the `mentor_assignments` email: all of a mentor's new mentees at once.
#[derive(Serialize)]
pub(super) struct BatchEmail<'a> {
    mentor_name: &'a str,
    mentees: Vec<BatchLine<'a>>,
    answer_by: String,
    mentees_url: String,
}

impl crate::outbox::Message for BatchEmail<'_> {
    const CHANNEL: crate::outbox::Channel = crate::outbox::Channel::Email;
    fn kind(&self) -> &'static str {
        "mentor_assignments"
    }
}

pub(super) fn sex_zh(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "男",
        Sex::Female => "女",
    }
}

pub(super) fn answer_by_day(row: &mentor_assignment::Model) -> String {
    row.answer_by
        .with_timezone(&crate::clock::china())
        .format("%Y-%m-%d")
        .to_string()
}

/// Queues one email to the mentor listing new assignments, each with its own single-use accept
/// and decline links, under the outbox key `key` (so a retry never doubles it); `false` when it
/// was queued before.
pub(super) async fn queue_batch_email(
    conn: &impl ConnectionTrait,
    m: &MentorCard,
    rows: &[(mentor_assignment::Model, &Placed)],
    key: &str,
    config: &crate::config::Config,
) -> Result<bool, AppError> {
    let Some((first, _)) = rows.first() else {
        return Ok(false);
    };
    let mut mentees = Vec::with_capacity(rows.len());
    for (row, p) in rows {
        let link = format!("{}/mentor-links/{}", config.base_url, link_token(config.secret(), row));
        mentees.push(BatchLine {
            student_name: &p.name,
            sex: sex_zh(p.sex),
            town: &p.town,
            village: &p.village,
            school: &p.school,
            programme: &p.programme,
            role: labels::zh(row.role.i18n_key())?,
            student_url: format!("{}/students/{}", config.base_url, p.student_id),
            accept_url: format!("{link}?answer=accept"),
            decline_url: format!("{link}?answer=decline"),
        });
    }
    let ctx = BatchEmail {
        mentor_name: &m.name,
        mentees,
        answer_by: answer_by_day(first),
        mentees_url: format!("{}/my-mentees", config.base_url),
    };
    crate::outbox::enqueue(conn, crate::outbox::Notice::new(key, &m.email, ctx)).await
}
