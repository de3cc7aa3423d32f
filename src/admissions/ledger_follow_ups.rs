//! Bringing them back (劝返): every open ledger line has a follow-up log — the day, who (a mentor,
//! school staff, a town official), how (a home visit, a phone call, through the village), the
//! outcome and the next step. A line with no follow-up for [`FOLLOW_UP_DAYS`] days is overdue: it
//! goes into the weekly digest of the student's mentors and, when the student was placed at a
//! school that named its admissions mailbox, into that school's weekly list. Recording a follow-up
//! moves the line's due day; the log itself is append-only.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use entity::{ledger_entry, ledger_follow_up, mentor_assignment, placement, programme, school, student};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;

use super::ledger::{FOLLOW_UP_DAYS, follow_up_due};
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;

/// Who followed the student up.
pub const WHO: [&str; 4] = ["mentor", "school_staff", "town_official", "other"];
/// How.
pub const HOW: [&str; 4] = ["home_visit", "phone", "through_village", "other"];

/// Longest outcome, in characters.
pub const MAX_OUTCOME: usize = 1000;
/// Longest name or next step, in characters.
pub const MAX_NAME: usize = 100;
pub const MAX_NEXT_STEP: usize = 500;

/// A follow-up as staff typed it.
#[derive(Debug, Clone, Default)]
pub struct FollowUpRaw {
    pub followed_on: String,
    pub who: String,
    pub who_name: String,
    pub how: String,
    pub outcome: String,
    pub next_step: Option<String>,
}

/// A checked follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUp {
    pub followed_on: NaiveDate,
    pub who: &'static str,
    pub who_name: String,
    pub how: &'static str,
    pub outcome: String,
    pub next_step: Option<String>,
}

fn one_of(field: &'static str, value: &str, allowed: &[&'static str]) -> Result<&'static str, AppError> {
    let value = value.trim();
    allowed.iter().copied().find(|a| *a == value).ok_or_else(|| {
        AppError::invalid(
            field,
            Msg::new("error.choice_invalid").arg("allowed", allowed.join(", ")),
        )
    })
}

fn required(field: &'static str, value: &str, max: usize) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::invalid(field, Msg::new("error.required")));
    }
    super::check_note(field, value, max)?;
    Ok(value.to_string())
}

/// The value of `r`, or `None` with its field errors added to `errors`.
fn keep<T>(errors: &mut Vec<crate::error::FieldError>, r: Result<T, AppError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(AppError::Invalid(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(_) => None,
    }
}

impl FollowUpRaw {
    /// Checks every field, reporting all that are wrong at once: the day (not in the future), who
    /// and how from the lists, a name and an outcome, lengths and no control characters.
    pub fn parse(&self, today: NaiveDate) -> Result<NewFollowUp, AppError> {
        let mut errors = Vec::new();
        let followed_on = keep(
            &mut errors,
            NaiveDate::parse_from_str(self.followed_on.trim(), "%Y-%m-%d")
                .map_err(|_| {
                    AppError::invalid(
                        "followed_on",
                        Msg::new("error.date_invalid").arg("value", self.followed_on.trim()),
                    )
                })
                .and_then(|d| {
                    if d > today {
                        Err(AppError::invalid("followed_on", Msg::new("error.date_in_future")))
                    } else {
                        Ok(d)
                    }
                }),
        );
        let who = keep(&mut errors, one_of("who", &self.who, &WHO));
        let who_name = keep(&mut errors, required("who_name", &self.who_name, MAX_NAME));
        let how = keep(&mut errors, one_of("how", &self.how, &HOW));
        let outcome = keep(&mut errors, required("outcome", &self.outcome, MAX_OUTCOME));
        let next_step = match self.next_step.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(None),
            Some(s) => keep(
                &mut errors,
                super::check_note("next_step", s, MAX_NEXT_STEP).map(|()| Some(s.to_string())),
            ),
        };
        match (followed_on, who, who_name, how, outcome, next_step) {
            (Some(followed_on), Some(who), Some(who_name), Some(how), Some(outcome), Some(next_step))
                if errors.is_empty() =>
            {
                Ok(NewFollowUp {
                    followed_on,
                    who,
                    who_name,
                    how,
                    outcome,
                    next_step,
                })
            }
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// Records a follow-up on an open line and moves its due day to [`FOLLOW_UP_DAYS`] after the
/// newest follow-up. Refused (409) on a closed line, and (422) for a day before the line opened.
pub async fn record(
    db: &DatabaseConnection,
    actor: &Actor,
    line_id: i32,
    new: NewFollowUp,
) -> Result<ledger_follow_up::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let line = ledger_entry::Entity::find_by_id(line_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("ledger_entry"))?;
    if line.closed_at.is_some() {
        return Err(AppError::Conflict(
            Msg::new("error.ledger_closed_line").arg("id", line_id),
        ));
    }
    let opened_on = line.opened_at.with_timezone(&crate::clock::china()).date_naive();
    if new.followed_on < opened_on {
        return Err(AppError::invalid(
            "followed_on",
            Msg::new("error.follow_up_before_line").arg("opened", opened_on),
        ));
    }
    let saved = ledger_follow_up::ActiveModel {
        ledger_entry_id: Set(line_id),
        followed_on: Set(new.followed_on),
        who: Set(new.who.into()),
        who_name: Set(new.who_name),
        how: Set(new.how.into()),
        outcome: Set(new.outcome),
        next_step: Set(new.next_step),
        recorded_by: Set(actor.label.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // A follow-up typed in late (an older day) does not pull the due day back.
    let due = follow_up_due(new.followed_on);
    let student_id = line.student_id;
    if line.follow_up_due_on.is_none_or(|d| d < due) {
        let mut active: ledger_entry::ActiveModel = line.into();
        active.follow_up_due_on = Set(Some(due));
        active.update(&txn).await?;
    }
    audit::record(
        &txn,
        actor,
        "ledger.follow_up",
        Record::new("student", student_id),
        format!(
            "ledger line {line_id} followed up on {} ({}, {})",
            saved.followed_on, saved.who, saved.how
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A line's follow-ups, newest first.
pub async fn of_line(db: &impl ConnectionTrait, line_id: i32) -> Result<Vec<ledger_follow_up::Model>, AppError> {
    Ok(ledger_follow_up::Entity::find()
        .filter(ledger_follow_up::Column::LedgerEntryId.eq(line_id))
        .order_by_desc(ledger_follow_up::Column::FollowedOn)
        .order_by_desc(ledger_follow_up::Column::Id)
        .all(db)
        .await?)
}

/// Whether the line is open and overdue for follow-up on `today` (the Rust form of
/// [`overdue_condition`]).
pub fn is_overdue(line: &ledger_entry::Model, today: NaiveDate) -> bool {
    line.closed_at.is_none() && line.follow_up_due_on.is_none_or(|d| d <= today)
}

/// The SQL condition of an open line overdue for follow-up on `today`.
pub fn overdue_condition(today: NaiveDate) -> Condition {
    Condition::all().add(ledger_entry::Column::ClosedAt.is_null()).add(
        Condition::any()
            .add(ledger_entry::Column::FollowUpDueOn.is_null())
            .add(ledger_entry::Column::FollowUpDueOn.lte(today)),
    )
}

/// How many open lines (of one intake year, or all) are overdue for follow-up on `today`.
pub async fn overdue_count(
    db: &impl ConnectionTrait,
    intake_year: Option<i32>,
    today: NaiveDate,
) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait;
    let mut q = ledger_entry::Entity::find().filter(overdue_condition(today));
    if let Some(y) = intake_year {
        q = q.filter(ledger_entry::Column::IntakeYear.eq(y));
    }
    Ok(q.count(db).await?)
}

/// An open line overdue for follow-up, with what a digest says about it.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueLine {
    pub line_id: i32,
    pub student_id: i32,
    pub student_name: String,
    /// Why the student is on the ledger (`unplaced`, `offer_declined`, ...).
    pub opened_because: String,
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
            why: why_zh(&l.opened_because),
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
pub fn why_zh(opened_because: &str) -> &'static str {
    match opened_because {
        "offer_declined" => "放弃录取",
        "offer_not_taken_up" => "未报到",
        "dropped_out" => "辍学",
        "suspension_overdue" => "休学逾期未返校",
        _ => "未被录取",
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
