//! The weekly digest email: each mentor with overdue mentees (or mentees on the ledger with no
//! follow-up for a while) gets one per ISO week, keyed by mentor and week so it is never doubled.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use entity::user;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::Serialize;

use super::{NO_CONTACT_DAYS, Overdue, overdue};
use crate::clock::china;
use crate::error::AppError;
use crate::mentor::labels;

/// The typed context of the `mentor_digest` email.
#[derive(Serialize)]
struct DigestEmail<'a> {
    mentor_name: &'a str,
    week: String,
    days: i64,
    mentees: Vec<DigestLine>,
    /// Mentees on the ledger (did not report, left school) with no follow-up for 14 days.
    ledger: Vec<crate::admissions::ledger_follow_ups::DigestLine>,
    ledger_days: u64,
    mentees_url: String,
}

impl crate::outbox::Message for DigestEmail<'_> {
    const CHANNEL: crate::outbox::Channel = crate::outbox::Channel::Email;
    fn kind(&self) -> &'static str {
        "mentor_digest"
    }
}

/// One overdue mentee in the digest.
#[derive(Serialize)]
struct DigestLine {
    student_name: String,
    role: &'static str,
    last_contact: String,
    days: i64,
    student_url: String,
}

/// Queues this week's digest for every mentor with overdue mentees — no contact for a while, or on
/// the ledger with no follow-up for 14 days — and the week's list of overdue ledger lines for each
/// school with an admissions mailbox. A mentor who already has this week's digest gets nothing
/// more (the key is `mentor_digest:<mentor>:<ISO week>`). Returns how many emails were queued now.
pub async fn queue_weekly_digests(
    db: &DatabaseConnection,
    config: &crate::config::Config,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let today = now.with_timezone(&china()).date_naive();
    let week = today.iso_week();
    let week_key = format!("{}-W{:02}", week.year(), week.week());
    let mut by_mentor: BTreeMap<i32, Vec<Overdue>> = BTreeMap::new();
    for o in overdue(db, today, None).await? {
        by_mentor.entry(o.mentor_id).or_default().push(o);
    }
    use crate::admissions::ledger_follow_ups as follow_ups;
    let ledger_lines = follow_ups::overdue(db, today).await?;
    let mut ledger_by_mentor = follow_ups::overdue_by_mentor(db, &ledger_lines).await?;
    for m in ledger_by_mentor.keys() {
        by_mentor.entry(*m).or_default();
    }
    let mut queued = follow_ups::queue_school_digests(db, &config.base_url, &ledger_lines, today).await?;
    for (mentor_id, lines) in by_mentor {
        let Some(mentor) = user::Entity::find_by_id(mentor_id).one(db).await? else {
            continue;
        };
        if !mentor.active {
            continue;
        }
        let ctx = DigestEmail {
            mentor_name: &mentor.name,
            week: format!("{} 年第 {} 周", week.year(), week.week()),
            days: NO_CONTACT_DAYS,
            mentees: lines
                .iter()
                .map(|o| digest_line(o, &config.base_url))
                .collect::<Result<_, _>>()?,
            ledger: ledger_by_mentor
                .remove(&mentor_id)
                .unwrap_or_default()
                .iter()
                .map(|l| follow_ups::DigestLine::of(l, &config.base_url))
                .collect(),
            ledger_days: crate::admissions::ledger::FOLLOW_UP_DAYS,
            mentees_url: format!("{}/my-mentees", config.base_url),
        };
        let key = format!("mentor_digest:{mentor_id}:{week_key}");
        if crate::outbox::enqueue(db, crate::outbox::Notice::new(key, &mentor.email, ctx)).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

fn digest_line(o: &Overdue, base_url: &str) -> Result<DigestLine, AppError> {
    Ok(DigestLine {
        student_name: o.student.clone(),
        role: labels::zh(o.role.i18n_key())?,
        last_contact: o
            .last_contact_on
            .map(|d| d.to_string())
            .unwrap_or_else(|| format!("尚无记录（{} 分配）", o.since)),
        days: o.days,
        student_url: format!("{base_url}/students/{}", o.student_id),
    })
}
