//! Help sessions and contact reminders. A mentor records each session (date, mode, duration,
//! notes) from "my mentees"; it becomes a `mentor_session` archive entry and moves the
//! assignment's last-contact date. A mentee without contact for [`NO_CONTACT_DAYS`] (counted from
//! the assignment when there was none yet) is overdue: listed for admissions staff and put into the
//! mentor's weekly digest email — one per mentor per ISO week, whatever the number of instances or
//! runs, because the email's idempotency key is the mentor and the week.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{archive_entry, mentor_assignment, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;

use super::assignments::{parse_role, role_zh, with_names};
use crate::audit::{self, Record};
use crate::clock::china;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::student::students::new_entry;
use crate::student::timeline::EntryDetails;

/// Ways a help session can take place.
pub const MODES: [&str; 4] = ["home_visit", "phone", "at_school", "online"];
/// Days without contact after which a mentee is overdue.
pub const NO_CONTACT_DAYS: i64 = 30;

/// A validated help session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInput {
    pub date: NaiveDate,
    pub mode: String,
    pub duration_minutes: Option<u32>,
    pub notes: Option<String>,
}

impl SessionInput {
    /// Checks every field at once; `today` is the mentor's date (a session cannot be in the future).
    pub fn parse(date: &str, mode: &str, duration: &str, notes: &str, today: NaiveDate) -> Result<Self, AppError> {
        let mut e = Vec::new();
        let date = match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
            Ok(d) if d > today => {
                e.push(FieldError::new("date", Msg::new("error.date_in_future")));
                None
            }
            Ok(d) if (today - d).num_days() > 366 => {
                e.push(FieldError::new("date", Msg::new("error.session_too_old")));
                None
            }
            Ok(d) => Some(d),
            Err(_) if date.trim().is_empty() => {
                e.push(FieldError::new("date", Msg::new("error.field_required")));
                None
            }
            Err(_) => {
                e.push(FieldError::new(
                    "date",
                    Msg::new("error.date_invalid").arg("value", date.trim()),
                ));
                None
            }
        };
        let mode = mode.trim().to_string();
        if !MODES.contains(&mode.as_str()) {
            e.push(FieldError::new(
                "mode",
                Msg::new("error.choice_invalid").arg("allowed", MODES.join(", ")),
            ));
        }
        let duration_minutes = match duration.trim() {
            "" => None,
            d => match d.parse::<u32>() {
                Ok(n) if (1..=1440).contains(&n) => Some(n),
                _ => {
                    e.push(FieldError::new(
                        "duration_minutes",
                        Msg::new("error.number_range").arg("value", d).arg("max", 1440),
                    ));
                    None
                }
            },
        };
        let notes = notes.trim();
        if notes.chars().count() > 2000 {
            e.push(FieldError::new(
                "notes",
                Msg::new("error.notes_too_long").arg("max", 2000),
            ));
        }
        match (date, e.is_empty()) {
            (Some(date), true) => Ok(SessionInput {
                date,
                mode,
                duration_minutes,
                notes: (!notes.is_empty()).then(|| notes.to_string()),
            }),
            _ => Err(AppError::Invalid(e)),
        }
    }
}

/// Records a help session by `mentor` with one of their mentees: an archive entry, the last-contact
/// date of the mentor's assignments with the student, and an audit record, in one transaction.
pub async fn record_session(
    db: &DatabaseConnection,
    mentor: &crate::auth::CurrentUser,
    client_ip: Option<String>,
    student_id: i32,
    input: SessionInput,
) -> Result<archive_entry::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let mine: Vec<mentor_assignment::Model> = mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::StudentId.eq(student_id))
        .filter(mentor_assignment::Column::MentorId.eq(mentor.id))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .all(&txn)
        .await?;
    if mine.is_empty() {
        return Err(AppError::invalid("student_id", Msg::new("error.not_your_mentee")));
    }
    let actor = mentor.actor(client_ip);
    let entry = new_entry(
        student_id,
        input.date,
        &EntryDetails::MentorSession {
            mode: input.mode.clone(),
            duration_minutes: input.duration_minutes,
            notes: input.notes,
            mentor: Some(mentor.name.clone()),
        },
        None,
        &actor,
    )?
    .insert(&txn)
    .await?;
    for a in &mine {
        if a.last_contact_on.is_none_or(|d| d < input.date) {
            mentor_assignment::Entity::update_many()
                .col_expr(mentor_assignment::Column::LastContactOn, Expr::value(input.date))
                .filter(mentor_assignment::Column::Id.eq(a.id))
                .exec(&txn)
                .await?;
        }
    }
    audit::record(
        &txn,
        &actor,
        "mentor.session",
        Record::new("student", student_id),
        format!("help session ({}) on {} #{}", input.mode, input.date, entry.id),
    )
    .await?;
    txn.commit().await?;
    Ok(entry)
}

/// A mentee nobody has contacted for too long.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    pub assignment_id: i32,
    pub student_id: i32,
    pub student: String,
    pub mentor_id: i32,
    pub mentor: String,
    pub mentor_email: String,
    pub role: String,
    pub role_zh: &'static str,
    pub last_contact_on: Option<NaiveDate>,
    /// Last contact, or the assignment date when there was none.
    pub since: NaiveDate,
    pub days: i64,
}

/// Assignments in force without contact for [`NO_CONTACT_DAYS`] as of `today`, longest first;
/// optionally of one mentor.
pub async fn overdue(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    mentor_id: Option<i32>,
) -> Result<Vec<Overdue>, AppError> {
    let mut q = mentor_assignment::Entity::find().filter(mentor_assignment::Column::InForce.is_not_null());
    if let Some(m) = mentor_id {
        q = q.filter(mentor_assignment::Column::MentorId.eq(m));
    }
    let cutoff = today - chrono::Duration::days(NO_CONTACT_DAYS);
    let tz = china();
    let rows: Vec<mentor_assignment::Model> = q
        .all(db)
        .await?
        .into_iter()
        .filter(|a| since(a, tz) <= cutoff)
        .collect();
    let mut out: Vec<Overdue> = with_names(db, rows)
        .await?
        .into_iter()
        .map(|n| {
            let since = since(&n.row, tz);
            Overdue {
                assignment_id: n.row.id,
                student_id: n.row.student_id,
                student: n.student,
                mentor_id: n.row.mentor_id,
                mentor: n.mentor,
                mentor_email: n.mentor_email,
                role_zh: parse_role(&n.row.role).map(role_zh).unwrap_or(""),
                role: n.row.role,
                last_contact_on: n.row.last_contact_on,
                since,
                days: (today - since).num_days(),
            }
        })
        .collect();
    out.sort_by_key(|o| (std::cmp::Reverse(o.days), o.student_id, o.role.clone()));
    Ok(out)
}

fn since(a: &mentor_assignment::Model, tz: chrono::FixedOffset) -> NaiveDate {
    a.last_contact_on
        .unwrap_or_else(|| a.assigned_at.with_timezone(&tz).date_naive())
}

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
                .map(|o| DigestLine {
                    student_name: o.student.clone(),
                    role: o.role_zh,
                    last_contact: o
                        .last_contact_on
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| format!("尚无记录（{} 分配）", o.since)),
                    days: o.days,
                    student_url: format!("{}/students/{}", config.base_url, o.student_id),
                })
                .collect(),
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

/// A mentor's load at a glance, for their home page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MentorSummary {
    /// Students mentored (a student the mentor holds two roles for counts once).
    pub students: usize,
    /// Mentees without contact for [`NO_CONTACT_DAYS`].
    pub overdue: usize,
    /// Mentees back on the ledger (did not report, left school).
    pub back_on_ledger: usize,
    /// The next contact falling due (not yet overdue): who and by when.
    pub next_due: Option<NextDue>,
    /// The mentees to see first (back on the ledger, then longest without contact), at most five.
    pub first: Vec<Mentee>,
}

/// The next mentee whose contact falls due.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NextDue {
    pub student_id: i32,
    pub student: String,
    pub due_on: NaiveDate,
}

/// Sums up `mentees` (as [`my_mentees`] returns them, most urgent first) as of `today`.
pub fn summary(mentees: &[Mentee], today: NaiveDate) -> MentorSummary {
    let students: std::collections::HashSet<i32> = mentees.iter().map(|m| m.student_id).collect();
    let next_due = mentees
        .iter()
        .filter(|m| !m.overdue)
        .max_by_key(|m| (m.days, std::cmp::Reverse(m.student_id)))
        .map(|m| NextDue {
            student_id: m.student_id,
            student: m.student.clone(),
            due_on: today + chrono::Duration::days(NO_CONTACT_DAYS - m.days),
        });
    MentorSummary {
        students: students.len(),
        overdue: mentees.iter().filter(|m| m.overdue).count(),
        back_on_ledger: mentees.iter().filter(|m| m.back_on_ledger.is_some()).count(),
        next_due,
        first: mentees
            .iter()
            .filter(|m| m.overdue || m.back_on_ledger.is_some())
            .take(5)
            .cloned()
            .collect(),
    }
}

/// A mentee as the mentor sees them on "my mentees".
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Mentee {
    pub assignment_id: i32,
    pub student_id: i32,
    pub student: String,
    pub role: String,
    pub status: String,
    pub last_contact_on: Option<NaiveDate>,
    pub days: i64,
    pub overdue: bool,
    /// Why the mentee is back on the ledger after an offer: `offer_not_taken_up` (did not report),
    /// `dropped_out` or `suspension_overdue`; such mentees come first.
    pub back_on_ledger: Option<String>,
    /// That ledger line, where the mentor records each effort to bring the mentee back.
    pub ledger_line: Option<i32>,
}

/// Ledger lines that mean a mentee left school or never arrived.
const LEFT_SCHOOL: &[&str] = &["offer_not_taken_up", "dropped_out", "suspension_overdue"];

/// The mentor's mentees in force: those who did not report or left school first, then those
/// waiting longest for contact.
pub async fn my_mentees(db: &impl ConnectionTrait, mentor_id: i32, today: NaiveDate) -> Result<Vec<Mentee>, AppError> {
    let tz = china();
    let rows = mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::MentorId.eq(mentor_id))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .all(db)
        .await?;
    let students: Vec<i32> = rows.iter().map(|r| r.student_id).collect();
    let mut left: std::collections::HashMap<i32, (String, i32)> = Default::default();
    for chunk in students.chunks(500) {
        for l in entity::ledger_entry::Entity::find()
            .filter(entity::ledger_entry::Column::StudentId.is_in(chunk.to_vec()))
            .filter(entity::ledger_entry::Column::ClosedAt.is_null())
            .filter(entity::ledger_entry::Column::OpenedBecause.is_in(LEFT_SCHOOL.iter().copied()))
            .all(db)
            .await?
        {
            left.insert(l.student_id, (l.opened_because.to_string(), l.id));
        }
    }
    let mut out: Vec<Mentee> = with_names(db, rows)
        .await?
        .into_iter()
        .map(|n| {
            let days = (today - since(&n.row, tz)).num_days();
            Mentee {
                assignment_id: n.row.id,
                student_id: n.row.student_id,
                student: n.student,
                role: n.row.role,
                status: n.row.status,
                last_contact_on: n.row.last_contact_on,
                days,
                overdue: days >= NO_CONTACT_DAYS,
                back_on_ledger: left.get(&n.row.student_id).map(|(why, _)| why.clone()),
                ledger_line: left.get(&n.row.student_id).map(|(_, id)| *id),
            }
        })
        .collect();
    out.sort_by_key(|m| (m.back_on_ledger.is_none(), std::cmp::Reverse(m.days), m.student_id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_good_session_parses_and_every_bad_field_is_named() {
        let today = day("2026-11-29");
        let ok = SessionInput::parse("2026-11-20", "home_visit", "45", " 家访，了解学习情况 ", today);
        assert_eq!(
            ok.ok(),
            Some(SessionInput {
                date: day("2026-11-20"),
                mode: "home_visit".into(),
                duration_minutes: Some(45),
                notes: Some("家访，了解学习情况".into()),
            })
        );
        let Err(AppError::Invalid(errs)) = SessionInput::parse("2026-12-01", "letter", "0", "", today) else {
            panic!("expected invalid")
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["date", "mode", "duration_minutes"]);
        let Err(AppError::Invalid(errs)) = SessionInput::parse("", "phone", "", &"字".repeat(2001), today) else {
            panic!("expected invalid")
        };
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["date", "notes"]);
        assert!(SessionInput::parse("29/11/2026", "phone", "", "", today).is_err());
        assert!(SessionInput::parse("2024-01-01", "phone", "", "", today).is_err());
    }
}
