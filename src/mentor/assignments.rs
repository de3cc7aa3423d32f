//! Stored mentor assignments: the proposal staff preview (the optimiser run on the committed
//! placements, the mentor profiles and the assignments in force), its confirmation, the answer a
//! mentor gives through the signed link in the email, and staff overriding one assignment by hand.
//!
//! Every write happens in one transaction with its archive entries, its audit record and its
//! emails (outbox rows), so an assignment exists exactly when its email does.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::enums::{Role, Sex};
use entity::{household, mentor_assignment, mentor_profile, programme, routing_run, school, student, user};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::optimiser::{self, Existing, MentorInfo, MentorRole, StudentNeed, UncoveredReason};
use super::profiles;
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};
use crate::student::students::new_entry;
use crate::student::timeline::EntryDetails;

/// How long the accept/decline links in an assignment email work.
pub const ANSWER_DAYS: i64 = 14;

/// The stable name of a role (`counsellor`, `class_teacher`, `subject_teacher`).
pub fn role_code(role: MentorRole) -> &'static str {
    match role {
        MentorRole::Counsellor => "counsellor",
        MentorRole::ClassTeacher => "class_teacher",
        MentorRole::SubjectTeacher => "subject_teacher",
    }
}

/// Parses a stable role name.
pub fn parse_role(code: &str) -> Option<MentorRole> {
    MentorRole::ALL.into_iter().find(|r| role_code(*r) == code.trim())
}

/// The Chinese name of a role, as emails and archive entries show it.
pub fn role_zh(role: MentorRole) -> &'static str {
    match role {
        MentorRole::Counsellor => "辅导员",
        MentorRole::ClassTeacher => "班主任",
        MentorRole::SubjectTeacher => "专任教师",
    }
}

pub(crate) fn role_of(row: &mentor_assignment::Model) -> Result<MentorRole, AppError> {
    parse_role(&row.role).ok_or_else(|| AppError::Internal(format!("assignment {} has role {}", row.id, row.role)))
}

/// A student placed by a committed routing run, with what choosing mentors needs.
#[derive(Debug, Clone, Serialize)]
pub struct Placed {
    pub student_id: i32,
    pub name: String,
    pub sex: Sex,
    pub junior_high_school: String,
    pub town: String,
    pub village: String,
    pub school_id: i32,
    pub school: String,
    pub programme: String,
    pub skill_area: String,
}

/// The most recent intake year with a committed routing run.
pub async fn latest_intake_year(db: &impl ConnectionTrait) -> Result<Option<i32>, AppError> {
    Ok(routing_run::Entity::find()
        .select_only()
        .column(routing_run::Column::IntakeYear)
        .filter(routing_run::Column::Status.eq("committed"))
        .order_by_desc(routing_run::Column::IntakeYear)
        .into_tuple::<i32>()
        .one(db)
        .await?)
}

/// Students placed by the committed runs of `intake_year`, by id.
pub async fn placed_students(db: &impl ConnectionTrait, intake_year: i32) -> Result<BTreeMap<i32, Placed>, AppError> {
    let programmes: Vec<programme::Model> = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(intake_year))
        .all(db)
        .await?;
    let by_id: HashMap<i32, &programme::Model> = programmes.iter().map(|p| (p.id, p)).collect();
    let schools: HashMap<i32, String> = school::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let placements = crate::admissions::placements::in_force(db, intake_year).await?;
    let ids: Vec<i32> = placements.keys().copied().collect();
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let students = student::Entity::find()
            .filter(student::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        let household_ids: HashSet<i32> = students.iter().map(|s| s.household_id).collect();
        let households: HashMap<i32, household::Model> = household::Entity::find()
            .filter(household::Column::Id.is_in(household_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|h| (h.id, h))
            .collect();
        for s in students {
            let (Some(pid), Some(h)) = (placements.get(&s.id), households.get(&s.household_id)) else {
                continue;
            };
            let Some(p) = by_id.get(pid) else { continue };
            out.insert(
                s.id,
                Placed {
                    student_id: s.id,
                    name: s.name,
                    sex: s.sex,
                    junior_high_school: s.junior_high_school,
                    town: h.town.clone(),
                    village: h.village.clone(),
                    school_id: p.school_id,
                    school: schools.get(&p.school_id).cloned().unwrap_or_default(),
                    programme: p.name.clone(),
                    skill_area: p.skill_area.clone(),
                },
            );
        }
    }
    Ok(out)
}

/// A mentor as the service knows them: account and profile.
#[derive(Debug, Clone, Serialize)]
pub struct MentorCard {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub school_id: i32,
    pub home_town: String,
    pub roles: Vec<(MentorRole, u32)>,
    pub skill_areas: Vec<String>,
}

/// Active mentors (active account with the mentor role and an active profile), by id.
pub async fn active_mentors(db: &impl ConnectionTrait) -> Result<BTreeMap<i32, MentorCard>, AppError> {
    let users: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Mentor))
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out = BTreeMap::new();
    for p in mentor_profile::Entity::find()
        .filter(mentor_profile::Column::Active.eq(true))
        .all(db)
        .await?
    {
        let Some(u) = users.get(&p.user_id) else { continue };
        let (roles, skill_areas) = profiles::decode(&p)?;
        out.insert(
            p.user_id,
            MentorCard {
                id: p.user_id,
                name: u.name.clone(),
                email: u.email.clone(),
                school_id: p.school_id,
                home_town: p.home_town.clone(),
                roles: roles
                    .iter()
                    .filter_map(|r| parse_role(&r.role).map(|role| (role, r.max)))
                    .collect(),
                skill_areas,
            },
        );
    }
    Ok(out)
}

/// Assignments in force, optionally of some students only.
async fn in_force(db: &impl ConnectionTrait) -> Result<Vec<mentor_assignment::Model>, AppError> {
    Ok(mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .order_by_asc(mentor_assignment::Column::Id)
        .all(db)
        .await?)
}

/// One proposed assignment, with names for the preview.
#[derive(Debug, Clone, Serialize)]
pub struct ProposedRow {
    pub student_id: i32,
    pub student: String,
    pub school: String,
    pub programme: String,
    pub role: MentorRole,
    pub mentor_id: i32,
    pub mentor: String,
    pub mentor_town: String,
    pub home_town: bool,
    /// The student lost a mentor in this role by a decline: this is the replacement.
    pub replaces_declined: bool,
}

/// A student who cannot be covered, with the reason per blocking role.
#[derive(Debug, Clone, Serialize)]
pub struct UncoveredRow {
    pub student_id: i32,
    pub student: String,
    pub school: String,
    pub programme: String,
    pub skill_area: String,
    pub missing: Vec<(MentorRole, UncoveredReason)>,
}

/// What staff preview before confirming.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    pub intake_year: i32,
    /// Identifies this exact proposal; confirming needs it, so staff confirm what they saw.
    pub digest: String,
    /// Students placed by committed runs of the year.
    pub placed: usize,
    /// Of them, students who already have all three mentors.
    pub complete: usize,
    pub assignments: Vec<ProposedRow>,
    pub uncovered: Vec<UncoveredRow>,
}

/// Computes the proposal for an intake year from the current data.
pub async fn proposal(db: &impl ConnectionTrait, intake_year: i32) -> Result<ProposalView, AppError> {
    Ok(compute(db, intake_year).await?.0)
}

/// The proposal with the placed students and the mentors it was computed from.
async fn compute(
    db: &impl ConnectionTrait,
    intake_year: i32,
) -> Result<(ProposalView, BTreeMap<i32, Placed>, BTreeMap<i32, MentorCard>), AppError> {
    let placed = placed_students(db, intake_year).await?;
    let mentors = active_mentors(db).await?;
    let current = in_force(db).await?;
    let declined: Vec<(i32, i32, String)> = mentor_assignment::Entity::find()
        .select_only()
        .column(mentor_assignment::Column::StudentId)
        .column(mentor_assignment::Column::MentorId)
        .column(mentor_assignment::Column::Role)
        .filter(mentor_assignment::Column::Status.eq("declined"))
        .into_tuple()
        .all(db)
        .await?;
    let mut declined_by: HashMap<i32, Vec<i32>> = HashMap::new();
    let mut declined_roles: HashSet<(i32, String)> = HashSet::new();
    for (s, m, role) in declined {
        declined_by.entry(s).or_default().push(m);
        declined_roles.insert((s, role));
    }
    let infos: Vec<MentorInfo> = mentors
        .values()
        .map(|m| MentorInfo {
            id: m.id,
            school_id: m.school_id,
            roles: m.roles.clone(),
            skill_areas: m.skill_areas.clone(),
            home_town: m.home_town.clone(),
        })
        .collect();
    let needs: Vec<StudentNeed> = placed
        .values()
        .map(|p| StudentNeed {
            student_id: p.student_id,
            school_id: p.school_id,
            skill_area: p.skill_area.clone(),
            home_town: p.town.clone(),
            declined_by: declined_by.get(&p.student_id).cloned().unwrap_or_default(),
        })
        .collect();
    let existing: Vec<Existing> = current
        .iter()
        .filter_map(|a| {
            Some(Existing {
                student_id: a.student_id,
                mentor_id: a.mentor_id,
                role: parse_role(&a.role)?,
            })
        })
        .collect();
    let mut held: HashMap<i32, usize> = HashMap::new();
    for a in &current {
        *held.entry(a.student_id).or_default() += 1;
    }
    let complete = placed
        .keys()
        .filter(|id| held.get(id).copied().unwrap_or(0) >= 3)
        .count();
    let result = optimiser::propose(&infos, &needs, &existing);

    let mut hasher = Sha256::new();
    hasher.update(intake_year.to_string());
    for a in &result.assignments {
        hasher.update(format!("|{}:{}:{}", a.student_id, role_code(a.role), a.mentor_id));
    }
    let digest: String = hasher.finalize().iter().take(12).map(|b| format!("{b:02x}")).collect();

    let assignments = result
        .assignments
        .iter()
        .filter_map(|a| {
            let p = placed.get(&a.student_id)?;
            let m = mentors.get(&a.mentor_id)?;
            Some(ProposedRow {
                student_id: a.student_id,
                student: p.name.clone(),
                school: p.school.clone(),
                programme: p.programme.clone(),
                role: a.role,
                mentor_id: a.mentor_id,
                mentor: m.name.clone(),
                mentor_town: m.home_town.clone(),
                home_town: m.home_town == p.town,
                replaces_declined: declined_roles.contains(&(a.student_id, role_code(a.role).to_string())),
            })
        })
        .collect();
    let uncovered = result
        .uncovered
        .iter()
        .filter_map(|u| {
            let p = placed.get(&u.student_id)?;
            Some(UncoveredRow {
                student_id: u.student_id,
                student: p.name.clone(),
                school: p.school.clone(),
                programme: p.programme.clone(),
                skill_area: p.skill_area.clone(),
                missing: u.missing.clone(),
            })
        })
        .collect();
    let view = ProposalView {
        intake_year,
        digest,
        placed: placed.len(),
        complete,
        assignments,
        uncovered,
    };
    Ok((view, placed, mentors))
}

/// What a confirmation wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmed {
    pub assignments: usize,
    pub emails: usize,
    pub students: usize,
}

/// Writes the proposal staff previewed (identified by its digest): assignments, archive entries,
/// one email per mentor listing all their new mentees, and the audit record, in one transaction. When the data changed since
/// the preview (a new placement, a mentor's maximum, someone else confirmed first) nothing is
/// written and staff are asked to look again.
pub async fn confirm(
    db: &DatabaseConnection,
    actor: &Actor,
    intake_year: i32,
    digest: &str,
    config: &crate::config::Config,
) -> Result<Confirmed, AppError> {
    let txn = crate::db::begin_write(db).await?;
    lock_mentors(&txn, None).await?;
    let (view, placed, mentors) = compute(&txn, intake_year).await?;
    if view.digest != digest.trim() {
        return Err(AppError::Conflict(Msg::new("error.proposal_changed")));
    }
    if view.assignments.is_empty() {
        return Err(AppError::Conflict(Msg::new("error.proposal_empty")));
    }
    let now = Utc::now();
    let mut entries = Vec::new();
    let mut students = HashSet::new();
    let mut by_mentor: BTreeMap<i32, Vec<(mentor_assignment::Model, &Placed)>> = BTreeMap::new();
    for a in &view.assignments {
        let (Some(p), Some(m)) = (placed.get(&a.student_id), mentors.get(&a.mentor_id)) else {
            continue;
        };
        let row = insert_assignment(&txn, a.student_id, a.mentor_id, a.role, actor, now).await?;
        by_mentor.entry(m.id).or_default().push((row, p));
        students.insert(a.student_id);
        entries.push(new_entry(
            a.student_id,
            now.date_naive(),
            &EntryDetails::MentorAssigned {
                mentor: m.name.clone(),
                role: role_zh(a.role).to_string(),
                reason: None,
            },
            None,
            actor,
        )?);
    }
    // One email per mentor listing all their new mentees, keyed by mentor and proposal.
    let mut emails = 0;
    for (mentor_id, rows) in &by_mentor {
        let Some(m) = mentors.get(mentor_id) else { continue };
        let key = format!(
            "mentor_assignments:{mentor_id}:{}",
            view.digest.chars().take(16).collect::<String>()
        );
        if queue_batch_email(&txn, m, rows, &key, config).await? {
            emails += 1;
        }
    }
    for chunk in entries.chunks(400) {
        entity::archive_entry::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        actor,
        "mentor.confirm",
        Record::new("intake_year", intake_year),
        format!(
            "{} mentor assignments for {} students confirmed",
            view.assignments.len(),
            students.len()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(Confirmed {
        assignments: view.assignments.len(),
        emails,
        students: students.len(),
    })
}

/// Takes the row locks of mentor profiles (one, or all) on PostgreSQL, so loads are counted and
/// assignments added one transaction at a time; SQLite's write transaction already excludes others.
async fn lock_mentors(conn: &impl ConnectionTrait, mentor_id: Option<i32>) -> Result<(), AppError> {
    let mut q = mentor_profile::Entity::update_many().col_expr(
        mentor_profile::Column::Active,
        Expr::col(mentor_profile::Column::Active),
    );
    if let Some(id) = mentor_id {
        q = q.filter(mentor_profile::Column::UserId.eq(id));
    }
    q.exec(conn).await?;
    Ok(())
}

async fn insert_assignment(
    conn: &impl ConnectionTrait,
    student_id: i32,
    mentor_id: i32,
    role: MentorRole,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<mentor_assignment::Model, AppError> {
    mentor_assignment::ActiveModel {
        student_id: Set(student_id),
        mentor_id: Set(mentor_id),
        role: Set(role_code(role).to_string()),
        status: Set("assigned".into()),
        in_force: Set(Some(1)),
        assigned_at: Set(now),
        assigned_by: Set(actor.label.clone()),
        answer_by: Set(now + Duration::days(ANSWER_DAYS)),
        answered_at: Set(None),
        ended_at: Set(None),
        end_reason: Set(None),
        last_contact_on: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        // Another confirmation or override gave the student this role first.
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(Msg::new("error.proposal_changed")),
        _ => AppError::Db(e),
    })
}

/// One new mentee in the `mentor_assignments` email, with the answer links of that assignment.
#[derive(Serialize)]
struct BatchLine<'a> {
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
struct BatchEmail<'a> {
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

fn sex_zh(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "男",
        Sex::Female => "女",
    }
}

fn answer_by_day(row: &mentor_assignment::Model) -> String {
    row.answer_by
        .with_timezone(&crate::clock::china())
        .format("%Y-%m-%d")
        .to_string()
}

/// Queues one email to the mentor listing new assignments, each with its own single-use accept
/// and decline links, under the outbox key `key` (so a retry never doubles it); `false` when it
/// was queued before.
async fn queue_batch_email(
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
            role: role_zh(role_of(row)?),
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

type HmacSha256 = Hmac<Sha256>;

fn link_signature(secret: &[u8], id: i32, answer_by: DateTime<Utc>) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(format!("mentor-answer:{id}:{}", answer_by.timestamp()).as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token of an assignment's answer links: its id and a signature over the id and the deadline,
/// so it cannot be forged or moved to another assignment, and dies with the deadline.
pub fn link_token(secret: &[u8], row: &mentor_assignment::Model) -> String {
    format!("{}-{}", row.id, link_signature(secret, row.id, row.answer_by))
}

/// Why an answer link does not work, for the page the mentor sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkProblem {
    /// Not a link we made (or altered).
    Invalid,
    /// The deadline passed.
    Expired,
    /// Already answered, or staff replaced the assignment.
    Used,
}

/// The assignment an answer link is for, checked: signature, deadline, still unanswered.
pub async fn check_link(
    db: &impl ConnectionTrait,
    secrets: &[&[u8]],
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<mentor_assignment::Model, (LinkProblem, Option<mentor_assignment::Model>)>, AppError> {
    let Some((id, sig)) = token.split_once('-') else {
        return Ok(Err((LinkProblem::Invalid, None)));
    };
    let Ok(id) = id.parse::<i32>() else {
        return Ok(Err((LinkProblem::Invalid, None)));
    };
    let Some(row) = mentor_assignment::Entity::find_by_id(id).one(db).await? else {
        return Ok(Err((LinkProblem::Invalid, None)));
    };
    let genuine = secrets.iter().any(|secret| {
        let expected = link_signature(secret, row.id, row.answer_by);
        !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sig.as_bytes()))
    });
    if !genuine {
        return Ok(Err((LinkProblem::Invalid, None)));
    }
    if row.status != "assigned" || row.in_force.is_none() {
        return Ok(Err((LinkProblem::Used, Some(row))));
    }
    if now > row.answer_by {
        return Ok(Err((LinkProblem::Expired, Some(row))));
    }
    Ok(Ok(row))
}

/// A mentor's answer to an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Accept,
    Decline,
}

impl Answer {
    pub fn parse(s: &str) -> Option<Answer> {
        match s.trim() {
            "accept" => Some(Answer::Accept),
            "decline" => Some(Answer::Decline),
            _ => None,
        }
    }
}

/// Records the mentor's answer through a link. Works once: the status moves from `assigned` by a
/// conditional update, so a second click (or two at once) finds nothing to change. A decline ends
/// the assignment, which frees the mentor's place, and the student shows up in the next proposal
/// with a replacement (never the same mentor again).
pub async fn answer(
    db: &DatabaseConnection,
    secrets: &[&[u8]],
    token: &str,
    answer: Answer,
    reason: Option<String>,
    client_ip: Option<String>,
) -> Result<Result<mentor_assignment::Model, LinkProblem>, AppError> {
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let row = match check_link(&txn, secrets, token, now).await? {
        Ok(row) => row,
        Err((problem, _)) => return Ok(Err(problem)),
    };
    let mentor = user::Entity::find_by_id(row.mentor_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("mentor"))?;
    let reason = reason
        .map(|r| r.trim().chars().take(500).collect::<String>())
        .filter(|r| !r.is_empty());
    let update = mentor_assignment::Entity::update_many()
        .col_expr(mentor_assignment::Column::AnsweredAt, Expr::value(now))
        .filter(mentor_assignment::Column::Id.eq(row.id))
        .filter(mentor_assignment::Column::Status.eq("assigned"))
        .filter(mentor_assignment::Column::InForce.is_not_null());
    let update = match answer {
        Answer::Accept => update.col_expr(mentor_assignment::Column::Status, Expr::value("accepted")),
        Answer::Decline => update
            .col_expr(mentor_assignment::Column::Status, Expr::value("declined"))
            .col_expr(mentor_assignment::Column::InForce, Expr::value(Option::<i32>::None))
            .col_expr(mentor_assignment::Column::EndedAt, Expr::value(now))
            .col_expr(mentor_assignment::Column::EndReason, Expr::value(reason.clone())),
    };
    if update.exec(&txn).await?.rows_affected == 0 {
        return Ok(Err(LinkProblem::Used));
    }
    let actor = Actor {
        user_id: Some(mentor.id),
        label: format!("{} (email link)", mentor.email),
        client_ip,
    };
    let word = match answer {
        Answer::Accept => "accepted",
        Answer::Decline => "declined",
    };
    new_entry(
        row.student_id,
        now.date_naive(),
        &EntryDetails::MentorAnswered {
            mentor: mentor.name.clone(),
            role: role_zh(role_of(&row)?).to_string(),
            answer: word.to_string(),
        },
        None,
        &actor,
    )?
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &actor,
        &format!("mentor.{word}"),
        Record::new("mentor_assignment", row.id),
        format!(
            "{word} {} for student #{}{}",
            row.role,
            row.student_id,
            reason.map(|r| format!(": {r}")).unwrap_or_default()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(mentor_assignment::Entity::find_by_id(row.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("assignment"))?))
}

/// Staff choose one mentor by hand for one role of one student, ending the assignment in force.
pub struct Override {
    pub intake_year: i32,
    pub student_id: i32,
    pub role: String,
    pub mentor_id: Option<i32>,
    pub reason: String,
}

/// Replaces (or fills) one role of one student with the mentor staff chose. Refused with a reason
/// per field when the mentor is not at the student's school, cannot take the role, does not teach
/// the programme's skill area, is already one of the student's mentors or has no room left.
pub async fn override_one(
    db: &DatabaseConnection,
    actor: &Actor,
    input: Override,
    config: &crate::config::Config,
) -> Result<mentor_assignment::Model, AppError> {
    let mut errors = Vec::new();
    let role = parse_role(&input.role);
    if role.is_none() {
        errors.push(crate::error::FieldError::new(
            "role",
            Msg::new("error.choice_invalid").arg("allowed", "counsellor, class_teacher, subject_teacher"),
        ));
    }
    let reason = input.reason.trim().to_string();
    if reason.is_empty() {
        errors.push(crate::error::FieldError::new(
            "reason",
            Msg::new("error.field_required"),
        ));
    }
    if input.mentor_id.is_none() {
        errors.push(crate::error::FieldError::new(
            "mentor_id",
            Msg::new("error.field_required"),
        ));
    }
    let (Some(role), Some(mentor_id), true) = (role, input.mentor_id, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let txn = crate::db::begin_write(db).await?;
    let placed = placed_students(&txn, input.intake_year).await?;
    let Some(p) = placed.get(&input.student_id) else {
        return Err(AppError::invalid(
            "student_id",
            Msg::new("error.student_not_placed").arg("year", input.intake_year),
        ));
    };
    let mentors = active_mentors(&txn).await?;
    let Some(m) = mentors.get(&mentor_id) else {
        return Err(AppError::invalid("mentor_id", Msg::new("error.mentor_unknown")));
    };
    let current: Vec<mentor_assignment::Model> = mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::StudentId.eq(input.student_id))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .all(&txn)
        .await?;
    let old = current.iter().find(|a| a.role == role_code(role));
    let refuse = |key: &'static str| Err(AppError::invalid("mentor_id", Msg::new(key).arg("name", &m.name)));
    if m.school_id != p.school_id {
        return refuse("error.mentor_other_school");
    }
    let Some(max) = m.roles.iter().find(|(r, _)| *r == role).map(|(_, max)| *max) else {
        return refuse("error.mentor_cannot_take_role");
    };
    if role == MentorRole::SubjectTeacher && !m.skill_areas.contains(&p.skill_area) {
        return Err(AppError::invalid(
            "mentor_id",
            Msg::new("error.mentor_skill_mismatch")
                .arg("name", &m.name)
                .arg("skill", &p.skill_area),
        ));
    }
    if current.iter().any(|a| a.mentor_id == mentor_id) {
        return refuse("error.mentor_already_assigned");
    }
    lock_mentors(&txn, Some(mentor_id)).await?;
    let load = mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::MentorId.eq(mentor_id))
        .filter(mentor_assignment::Column::Role.eq(role_code(role)))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .count(&txn)
        .await?;
    if load >= u64::from(max) {
        return Err(AppError::invalid(
            "mentor_id",
            Msg::new("error.mentor_full").arg("name", &m.name).arg("max", max),
        ));
    }
    let now = Utc::now();
    if let Some(old) = old {
        let ended = mentor_assignment::Entity::update_many()
            .col_expr(mentor_assignment::Column::Status, Expr::value("replaced"))
            .col_expr(mentor_assignment::Column::InForce, Expr::value(Option::<i32>::None))
            .col_expr(mentor_assignment::Column::EndedAt, Expr::value(now))
            .col_expr(mentor_assignment::Column::EndReason, Expr::value(reason.clone()))
            .filter(mentor_assignment::Column::Id.eq(old.id))
            .filter(mentor_assignment::Column::InForce.is_not_null())
            .exec(&txn)
            .await?;
        if ended.rows_affected == 0 {
            return Err(AppError::Conflict(Msg::new("error.proposal_changed")));
        }
        let old_name = user::Entity::find_by_id(old.mentor_id)
            .one(&txn)
            .await?
            .map(|u| u.name)
            .unwrap_or_default();
        new_entry(
            p.student_id,
            now.date_naive(),
            &EntryDetails::MentorReplaced {
                mentor: old_name,
                role: role_zh(role).to_string(),
                replaced_by: m.name.clone(),
                reason: reason.clone(),
            },
            None,
            actor,
        )?
        .insert(&txn)
        .await?;
    }
    let row = insert_assignment(&txn, p.student_id, mentor_id, role, actor, now).await?;
    new_entry(
        p.student_id,
        now.date_naive(),
        &EntryDetails::MentorAssigned {
            mentor: m.name.clone(),
            role: role_zh(role).to_string(),
            reason: Some(reason.clone()),
        },
        None,
        actor,
    )?
    .insert(&txn)
    .await?;
    let key = format!("mentor_assignment:{}", row.id);
    queue_batch_email(&txn, m, &[(row.clone(), p)], &key, config).await?;
    audit::record(
        &txn,
        actor,
        "mentor.override",
        Record::new("student", p.student_id),
        format!(
            "{} of student #{}: {} (was {}) — {reason}",
            role_code(role),
            p.student_id,
            m.email,
            old.map(|o| format!("mentor #{}", o.mentor_id))
                .unwrap_or_else(|| "nobody".into())
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// One assignment with names, for lists.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentRow {
    #[serde(flatten)]
    pub row: mentor_assignment::Model,
    pub student: String,
    pub mentor: String,
    pub mentor_email: String,
}

/// Filters of the assignment list.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub student_id: Option<i32>,
    pub mentor_id: Option<i32>,
    pub status: Option<String>,
    /// Only assignments in force.
    pub in_force: bool,
}

/// Assignments, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &AssignmentFilter,
    page: PageRequest,
) -> Result<Page<AssignmentRow>, AppError> {
    let mut q = mentor_assignment::Entity::find();
    if let Some(s) = f.student_id {
        q = q.filter(mentor_assignment::Column::StudentId.eq(s));
    }
    if let Some(m) = f.mentor_id {
        q = q.filter(mentor_assignment::Column::MentorId.eq(m));
    }
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(mentor_assignment::Column::Status.eq(s));
    }
    if f.in_force {
        q = q.filter(mentor_assignment::Column::InForce.is_not_null());
    }
    let paginator = q
        .order_by_desc(mentor_assignment::Column::Id)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.page - 1).await?;
    let named = with_names(db, rows).await?;
    Ok(Page::new(named, page, total))
}

/// Adds student and mentor names to assignment rows.
pub async fn with_names(
    db: &impl ConnectionTrait,
    rows: Vec<mentor_assignment::Model>,
) -> Result<Vec<AssignmentRow>, AppError> {
    let student_ids: HashSet<i32> = rows.iter().map(|r| r.student_id).collect();
    let mentor_ids: HashSet<i32> = rows.iter().map(|r| r.mentor_id).collect();
    let mut students: HashMap<i32, String> = HashMap::new();
    let ids: Vec<i32> = student_ids.into_iter().collect();
    for chunk in ids.chunks(500) {
        for (id, name) in student::Entity::find()
            .select_only()
            .column(student::Column::Id)
            .column(student::Column::Name)
            .filter(student::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<(i32, String)>()
            .all(db)
            .await?
        {
            students.insert(id, name);
        }
    }
    let mentors: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(mentor_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| AssignmentRow {
            student: students.get(&row.student_id).cloned().unwrap_or_default(),
            mentor: mentors.get(&row.mentor_id).map(|u| u.name.clone()).unwrap_or_default(),
            mentor_email: mentors.get(&row.mentor_id).map(|u| u.email.clone()).unwrap_or_default(),
            row,
        })
        .collect())
}

/// Mentees per mentor and role in force: mentor id → [counsellor, class teacher, subject teacher].
pub async fn loads(db: &impl ConnectionTrait) -> Result<HashMap<i32, [u32; 3]>, AppError> {
    let mut out: HashMap<i32, [u32; 3]> = HashMap::new();
    for a in in_force(db).await? {
        if let Some(role) = parse_role(&a.role) {
            let i = MentorRole::ALL.iter().position(|r| *r == role).unwrap_or(0);
            out.entry(a.mentor_id).or_default()[i] += 1;
        }
    }
    Ok(out)
}
