//! Overdue follow-ups and the weekly digests: open lines with no follow-up for
//! [`FOLLOW_UP_DAYS`] days, grouped for each mentor's digest and queued as each school's weekly list
//! (once a week per school, through the outbox).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use entity::ledger_entry::OpenedBecause;
use entity::{ledger_entry, ledger_follow_up, mentor_assignment, placement, programme, school, student};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;

use super::overdue_condition;
use crate::admissions::ledger::FOLLOW_UP_DAYS;
use crate::error::AppError;

/// An open line overdue for follow-up, with what a digest says about it.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueLine {
    pub line_id: i32,
    pub student_id: i32,
    pub student_name: String,
    /// Why the student is on the ledger (`unplaced`, `offer_declined`, ...).
    pub opened_because: OpenedBecause,
    /// The newest follow-up's day, if any.
    pub last_follow_up: Option<NaiveDate>,
    /// Days without follow-up (since the newest follow-up, or since the line opened).
    pub days: i64,
    /// The school whose offer the student declined, did not take up or left.
    pub school_id: Option<i32>,
}

/// Open lines overdue for follow-up on `today`, longest waiting first.
pub async fn overdue(db: &impl ConnectionTrait, today: NaiveDate) -> Result<Vec<OverdueLine>, AppError> {
    let lines = ledger_entry::Entity::find()
        .filter(overdue_condition(today))
        .all(db)
        .await?;
    let ids: Vec<i32> = lines.iter().map(|l| l.id).collect();
    let mut last: BTreeMap<i32, NaiveDate> = BTreeMap::new();
    for chunk in ids.chunks(400) {
        for f in ledger_follow_up::Entity::find()
            .filter(ledger_follow_up::Column::LedgerEntryId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            let day = last.entry(f.ledger_entry_id).or_insert(f.followed_on);
            *day = (*day).max(f.followed_on);
        }
    }
    let students: BTreeMap<i32, String> = by_ids(db, lines.iter().map(|l| l.student_id), |ids| {
        student::Entity::find().filter(student::Column::Id.is_in(ids))
    })
    .await?
    .into_iter()
    .map(|s: student::Model| (s.id, s.name))
    .collect();
    let placements: BTreeMap<i32, i32> = by_ids(db, lines.iter().filter_map(|l| l.placement_id), |ids| {
        placement::Entity::find().filter(placement::Column::Id.is_in(ids))
    })
    .await?
    .into_iter()
    .map(|p: placement::Model| (p.id, p.programme_id))
    .collect();
    let schools_of: BTreeMap<i32, i32> = by_ids(db, placements.values().copied(), |ids| {
        programme::Entity::find().filter(programme::Column::Id.is_in(ids))
    })
    .await?
    .into_iter()
    .map(|p: programme::Model| (p.id, p.school_id))
    .collect();
    let mut out: Vec<OverdueLine> = lines
        .into_iter()
        .map(|l| {
            let since = last
                .get(&l.id)
                .copied()
                .unwrap_or_else(|| l.opened_at.with_timezone(&crate::clock::china()).date_naive());
            OverdueLine {
                line_id: l.id,
                student_id: l.student_id,
                student_name: students.get(&l.student_id).cloned().unwrap_or_default(),
                opened_because: l.opened_because,
                last_follow_up: last.get(&l.id).copied(),
                days: (today - since).num_days(),
                school_id: l
                    .placement_id
                    .and_then(|p| placements.get(&p))
                    .and_then(|prog| schools_of.get(prog))
                    .copied(),
            }
        })
        .collect();
    out.sort_by_key(|o| (std::cmp::Reverse(o.days), o.line_id));
    Ok(out)
}

/// Rows whose ids are `ids`, looked up 400 at a time (SQLite's bound-parameter limit).
async fn by_ids<E, F>(
    db: &impl ConnectionTrait,
    ids: impl Iterator<Item = i32>,
    query: F,
) -> Result<Vec<E::Model>, AppError>
where
    E: EntityTrait,
    F: Fn(Vec<i32>) -> sea_orm::Select<E>,
{
    let mut ids: Vec<i32> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(400) {
        out.extend(query(chunk.to_vec()).all(db).await?);
    }
    Ok(out)
}

/// Overdue lines of each mentor's mentees (mentors in force, active): mentor id → lines.
pub async fn overdue_by_mentor(
    db: &impl ConnectionTrait,
    lines: &[OverdueLine],
) -> Result<BTreeMap<i32, Vec<OverdueLine>>, AppError> {
    let mut by_student: BTreeMap<i32, Vec<&OverdueLine>> = BTreeMap::new();
    for l in lines {
        by_student.entry(l.student_id).or_default().push(l);
    }
    let assignments: Vec<mentor_assignment::Model> = by_ids(db, by_student.keys().copied(), |ids| {
        mentor_assignment::Entity::find()
            .filter(mentor_assignment::Column::StudentId.is_in(ids))
            .filter(mentor_assignment::Column::InForce.is_not_null())
    })
    .await?;
    let mut out: BTreeMap<i32, Vec<OverdueLine>> = BTreeMap::new();
    for a in assignments {
        for l in by_student.get(&a.student_id).into_iter().flatten() {
            out.entry(a.mentor_id).or_default().push((*l).clone());
        }
    }
    Ok(out)
}

/// The typed context of the `school_ledger_digest` email.
#[derive(Serialize)]
struct SchoolDigest<'a> {
    school: &'a str,
    week: String,
    days: u64,
    lines: Vec<DigestLine>,
    ledger_url: String,
}

impl crate::outbox::Message for SchoolDigest<'_> {
    const CHANNEL: crate::outbox::Channel = crate::outbox::Channel::Email;
    fn kind(&self) -> &'static str {
        "school_ledger_digest"
    }
}

/// One overdue line in a digest email.
#[derive(Debug, Clone, Serialize)]
pub struct DigestLine {
    pub student_name: String,
    pub why: &'static str,
    pub last_follow_up: String,
    pub days: i64,
    pub line_url: String,
}

impl DigestLine {
    pub fn of(l: &OverdueLine, base_url: &str) -> DigestLine {
        DigestLine {
            student_name: l.student_name.clone(),
            why: why_zh(l.opened_because),
            last_follow_up: l
                .last_follow_up
                .map(|d| d.to_string())
                .unwrap_or_else(|| "尚无记录".into()),
            days: l.days,
            line_url: format!("{base_url}/ledger/{}", l.line_id),
        }
    }
}

/// Why a student is on the ledger, in Chinese (emails are Chinese).
pub fn why_zh(opened_because: OpenedBecause) -> &'static str {
    match opened_because {
        OpenedBecause::OfferDeclined => "放弃录取",
        OpenedBecause::OfferNotTakenUp => "未报到",
        OpenedBecause::DroppedOut => "辍学",
        OpenedBecause::SuspensionOverdue => "休学逾期未返校",
        OpenedBecause::Unplaced => "未被录取",
    }
}

/// Queues this week's list of overdue lines for each school with an admissions mailbox and former
/// students among them (keyed `school_ledger_digest:<school>:<ISO week>`, so once a week).
/// Returns how many were queued now.
pub async fn queue_school_digests(
    db: &DatabaseConnection,
    base_url: &str,
    lines: &[OverdueLine],
    today: NaiveDate,
) -> Result<usize, AppError> {
    let week = chrono::Datelike::iso_week(&today);
    let week_key = format!("{}-W{:02}", week.year(), week.week());
    let mut by_school: BTreeMap<i32, Vec<&OverdueLine>> = BTreeMap::new();
    for l in lines {
        if let Some(s) = l.school_id {
            by_school.entry(s).or_default().push(l);
        }
    }
    let mut queued = 0;
    for (school_id, lines) in by_school {
        let Some(s) = school::Entity::find_by_id(school_id).one(db).await? else {
            continue;
        };
        let Some(to) = s.admissions_email.as_deref().filter(|e| !e.is_empty()) else {
            continue;
        };
        let ctx = SchoolDigest {
            school: &s.name,
            week: format!("{} 年第 {} 周", week.year(), week.week()),
            days: FOLLOW_UP_DAYS,
            lines: lines.iter().map(|l| DigestLine::of(l, base_url)).collect(),
            ledger_url: format!("{base_url}/ledger?state=overdue"),
        };
        let key = format!("school_ledger_digest:{school_id}:{week_key}");
        if crate::outbox::enqueue(db, crate::outbox::Notice::new(key, to, ctx)).await? {
            queued += 1;
        }
    }
    Ok(queued)
}
