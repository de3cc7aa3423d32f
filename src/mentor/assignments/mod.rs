//! Stored mentor assignments: the proposal staff preview (the optimiser run on the committed
//! placements, the mentor profiles and the assignments in force), its confirmation, the answer a
//! mentor gives through the signed link in the email, and staff overriding one assignment by hand.
//!
//! Every write happens in one transaction with its archive entries, its audit record and its
//! emails (outbox rows), so an assignment exists exactly when its email does.

use std::collections::{BTreeMap, HashMap, HashSet};

use entity::enums::{Role, Sex};
use entity::mentor_assignment::{AssignmentStatus, MentorRole};
use entity::{household, mentor_assignment, mentor_profile, programme, routing_run, school, student, user};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::error::AppError;
use crate::pagination::{Page, PageRequest};

/// How long the accept/decline links in an assignment email work.
pub const ANSWER_DAYS: i64 = 14;

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
        .filter(routing_run::Column::Status.eq(routing_run::RunStatus::Committed))
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
        let roles = p.roles().map_err(AppError::internal)?;
        let skill_areas = p.skill_areas().map_err(AppError::internal)?;
        out.insert(
            p.user_id,
            MentorCard {
                id: p.user_id,
                name: u.name.clone(),
                email: u.email.clone(),
                school_id: p.school_id,
                home_town: p.home_town.clone(),
                roles: roles.iter().map(|r| (r.role, r.max)).collect(),
                skill_areas,
            },
        );
    }
    Ok(out)
}

/// Assignments in force.
async fn in_force(db: &impl ConnectionTrait) -> Result<Vec<mentor_assignment::Model>, AppError> {
    Ok(mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .order_by_asc(mentor_assignment::Column::Id)
        .all(db)
        .await?)
}

mod confirm;
mod email;
mod links;
mod overriding;
mod proposal;
mod student_view;

pub use confirm::{Confirmed, confirm};
pub use links::{Answer, LinkProblem, LinkView, answer, check_link, link_token, link_view};
pub use overriding::{Override, override_one};
pub use proposal::{ProposalView, ProposedRow, UncoveredRow, proposal};
pub use student_view::{Candidate, CandidateRole, StudentMentoring, student_mentoring};

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
    pub status: Option<AssignmentStatus>,
    /// Only assignments in force.
    pub in_force: bool,
}

/// Assignments, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &AssignmentFilter,
    page: PageRequest,
) -> Result<Page<AssignmentRow>, AppError> {
    let paginator = named(matching(f)).paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page.page - 1).await?;
    Ok(Page::new(
        rows.into_iter().map(AssignmentRow::from).collect(),
        page,
        total,
    ))
}

/// The newest `limit` assignments matching `f`, without counting them all (a student's page shows
/// their few mentors and needs no total).
pub async fn newest(
    db: &impl ConnectionTrait,
    f: &AssignmentFilter,
    limit: u64,
) -> Result<Vec<AssignmentRow>, AppError> {
    let rows = named(matching(f).limit(limit)).all(db).await?;
    Ok(rows.into_iter().map(AssignmentRow::from).collect())
}

/// An assignment read with its student's and mentor's names in the same query.
#[derive(Debug, FromQueryResult)]
struct NamedAssignment {
    #[sea_orm(nested)]
    row: mentor_assignment::Model,
    student_name: Option<String>,
    mentor_name: Option<String>,
    mentor_email: Option<String>,
}

impl From<NamedAssignment> for AssignmentRow {
    fn from(n: NamedAssignment) -> AssignmentRow {
        AssignmentRow {
            row: n.row,
            student: n.student_name.unwrap_or_default(),
            mentor: n.mentor_name.unwrap_or_default(),
            mentor_email: n.mentor_email.unwrap_or_default(),
        }
    }
}

/// `assignments` with the names joined: looking them up afterwards ([`with_names`]) cost two
/// more round trips, on every student page that has mentors.
fn named(
    assignments: sea_orm::Select<mentor_assignment::Entity>,
) -> sea_orm::Selector<sea_orm::SelectModel<NamedAssignment>> {
    let of_student: sea_orm::RelationDef = mentor_assignment::Entity::belongs_to(student::Entity)
        .from(mentor_assignment::Column::StudentId)
        .to(student::Column::Id)
        .into();
    let of_mentor: sea_orm::RelationDef = mentor_assignment::Entity::belongs_to(user::Entity)
        .from(mentor_assignment::Column::MentorId)
        .to(user::Column::Id)
        .into();
    assignments
        .join(sea_orm::JoinType::LeftJoin, of_student)
        .join(sea_orm::JoinType::LeftJoin, of_mentor)
        .column_as(student::Column::Name, "student_name")
        .column_as(user::Column::Name, "mentor_name")
        .column_as(user::Column::Email, "mentor_email")
        .into_model::<NamedAssignment>()
}

/// The assignments matching `f`, newest first.
fn matching(f: &AssignmentFilter) -> sea_orm::Select<mentor_assignment::Entity> {
    let mut q = mentor_assignment::Entity::find();
    if let Some(s) = f.student_id {
        q = q.filter(mentor_assignment::Column::StudentId.eq(s));
    }
    if let Some(m) = f.mentor_id {
        q = q.filter(mentor_assignment::Column::MentorId.eq(m));
    }
    if let Some(s) = f.status {
        q = q.filter(mentor_assignment::Column::Status.eq(s));
    }
    if f.in_force {
        q = q.filter(mentor_assignment::Column::InForce.is_not_null());
    }
    q.order_by_desc(mentor_assignment::Column::Id)
}

/// Adds student and mentor names to assignment rows.
pub async fn with_names(
    db: &impl ConnectionTrait,
    rows: Vec<mentor_assignment::Model>,
) -> Result<Vec<AssignmentRow>, AppError> {
    if rows.is_empty() {
        // No names to look up: a student without mentors yet costs no further round trip.
        return Ok(Vec::new());
    }
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
        out.entry(a.mentor_id).or_default()[a.role.index()] += 1;
    }
    Ok(out)
}
