//! Proposals from demand, kept up to date: [`reevaluate`] looks again at courses whose interested
//! farmers reach the minimum cohort and proposes a session where none is open (the choice itself is
//! the pure [`super::propose::choose`]). It runs inside the transaction of every write that can
//! change the answer — interest registered, a base with venues, an instructor or a blackout added, a
//! session scheduled or moved — and hourly (the horizon moves with the days).
//!
//! **Idempotent.** Each course is evaluated under its row lock, and the database refuses a second
//! open proposal for a course (a partial unique index), so evaluating twice never proposes twice.
//! An open proposal that still fits is kept as it is; one that no longer fits (a blackout, a session
//! or an absence added over its days) is withdrawn and its farmers are considered afresh.
//!
//! **Dismissed stays dismissed** until a farmer registers interest again or staff ask for a proposal
//! ([`propose_now`]): automatic evaluation would otherwise propose the same session straight back.
//!
//! Nothing here sends messages: farmers are invited when staff approve. Why a course has no
//! proposal is answered, without writing, in `proposal_view`.

use chrono::Utc;
use entity::session_proposal::ProposalStatus;
use entity::training_session::SessionStatus;
use entity::{blackout, course, interest, session_proposal, training_base, training_session, venue};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::propose::{self, Outcome, PassedOver, Reason, Supply, Teacher};
use super::schedule::{Plan, World, conflicts};
use super::setup::decode_instructor;
use crate::audit::{self, Actor, Record};
use crate::clock::today;
use crate::error::{AppError, Context};

/// Which courses to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Course(i32),
    All,
}

/// What an evaluation found for one course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evaluation {
    /// An open proposal still fits and stays.
    Kept(session_proposal::Model),
    /// A session was proposed just now.
    Proposed(session_proposal::Model),
    /// Fewer interested farmers than the minimum cohort.
    Short,
    /// Enough interest, but no session can be proposed.
    Blocked { reason: Reason, bases: Vec<PassedOver> },
}

/// Everything an evaluation looks at, loaded once.
pub(super) struct Loaded {
    pub(super) bases: Vec<training_base::Model>,
    venues: Vec<venue::Model>,
    teachers: Vec<Teacher>,
    blackouts: Vec<blackout::Model>,
    /// Scheduled sessions that have not ended.
    sessions: Vec<training_session::Model>,
    /// Every proposal (open, decided and withdrawn): the open ones take their days, the latest
    /// says whether staff dismissed it.
    proposals: Vec<session_proposal::Model>,
}

pub(super) async fn load(conn: &impl ConnectionTrait) -> Result<Loaded, AppError> {
    let teachers = entity::instructor::Entity::find()
        .order_by_asc(entity::instructor::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|i| {
            let (skills, away) = decode_instructor(&i)?;
            Ok(Teacher { model: i, skills, away })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Loaded {
        bases: training_base::Entity::find().all(conn).await?,
        venues: venue::Entity::find().all(conn).await?,
        teachers,
        blackouts: blackout::Entity::find().all(conn).await?,
        sessions: training_session::Entity::find()
            .filter(training_session::Column::Status.eq(SessionStatus::Scheduled))
            .filter(training_session::Column::EndsOn.gte(today()))
            .all(conn)
            .await?,
        proposals: session_proposal::Entity::find()
            .order_by_asc(session_proposal::Column::Id)
            .all(conn)
            .await?,
    })
}

impl Loaded {
    /// Scheduled sessions and open proposals (but `except`), as sessions: the days already taken.
    fn busy(&self, except: Option<i32>) -> Vec<training_session::Model> {
        let open = self
            .proposals
            .iter()
            .filter(|p| p.status == ProposalStatus::Proposed && Some(p.id) != except)
            .map(|p| Plan::from(p).as_session(p.id));
        self.sessions.iter().cloned().chain(open).collect()
    }

    pub(super) fn open_of(&self, course_id: i32) -> Option<&session_proposal::Model> {
        self.proposals
            .iter()
            .find(|p| p.course_id == course_id && p.status == ProposalStatus::Proposed)
    }

    /// Whether an open proposal still has its venue, instructor and days free of conflicts.
    fn still_fits(&self, course: &course::Model, p: &session_proposal::Model) -> bool {
        let venue = self.venues.iter().find(|v| v.id == p.venue_id);
        let base = venue.and_then(|v| self.bases.iter().find(|b| b.id == v.base_id));
        let teacher = self.teachers.iter().find(|t| t.model.id == p.instructor_id);
        let (Some(venue), Some(base), Some(teacher)) = (venue, base, teacher) else {
            return false;
        };
        let busy = self.busy(Some(p.id));
        let world = World {
            course,
            venue,
            base,
            instructor: &teacher.model,
            instructor_skills: &teacher.skills,
            instructor_away: &teacher.away,
            blackouts: &self.blackouts,
            sessions: &busy,
        };
        conflicts(&world, &Plan::from(p), today()).is_empty()
    }

    /// What can be proposed for `course` and its waiting farmers. Unless `force`, a course whose
    /// latest proposal staff dismissed waits for new interest.
    pub(super) fn assess(&self, course: &course::Model, waiting: &[interest::Model], force: bool) -> Outcome {
        let latest = self.proposals.iter().rev().find(|p| p.course_id == course.id);
        if let Some(p) = latest
            && !force
            && p.status == ProposalStatus::Dismissed
            && waiting.iter().all(|i| i.created_at <= p.created_at)
        {
            return Outcome::Blocked {
                reason: Reason::Dismissed { proposal_id: p.id },
                bases: Vec::new(),
            };
        }
        let busy = self.busy(None);
        let supply = Supply {
            bases: &self.bases,
            venues: &self.venues,
            teachers: &self.teachers,
            blackouts: &self.blackouts,
            busy: &busy,
        };
        let towns: Vec<&str> = waiting.iter().map(|i| i.town.as_str()).collect();
        propose::choose(course, &towns, &supply, today())
    }
}

/// Farmers interested in a course, not yet invited nor in a proposal, in the order they came.
pub(super) async fn waiting(
    conn: &impl ConnectionTrait,
    course_id: Option<i32>,
) -> Result<Vec<interest::Model>, AppError> {
    let mut q = interest::Entity::find()
        .filter(interest::Column::InvitedSessionId.is_null())
        .filter(interest::Column::ProposalId.is_null());
    if let Some(id) = course_id {
        q = q.filter(interest::Column::CourseId.eq(id));
    }
    Ok(q.order_by_asc(interest::Column::Id).all(conn).await?)
}

/// Evaluates the courses in `scope` (see the module), inside the caller's write transaction.
/// Returns each course's evaluation.
pub async fn reevaluate(conn: &impl ConnectionTrait, scope: Scope) -> Result<Vec<(i32, Evaluation)>, AppError> {
    evaluate(conn, scope, false).await
}

/// [`reevaluate`] of every course in its own transaction (the hourly job); returns how many
/// sessions were proposed.
pub async fn reevaluate_all(db: &DatabaseConnection) -> Result<usize, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let proposed = reevaluate(&txn, Scope::All)
        .await?
        .iter()
        .filter(|(_, e)| matches!(e, Evaluation::Proposed(_)))
        .count();
    txn.commit().await?;
    Ok(proposed)
}

async fn evaluate(conn: &impl ConnectionTrait, scope: Scope, force: bool) -> Result<Vec<(i32, Evaluation)>, AppError> {
    let mut q = course::Entity::find().order_by_asc(course::Column::Id);
    if let Scope::Course(id) = scope {
        q = q.filter(course::Column::Id.eq(id));
    }
    let courses = q.all(conn).await?;
    // The courses' row locks, one after another in id order, before anything is read: evaluations
    // of one course run one at a time (PostgreSQL; SQLite's write transaction already excludes the
    // others) and each sees the proposals the one before it made.
    for course in &courses {
        course::Entity::update_many()
            .col_expr(course::Column::Title, Expr::col(course::Column::Title))
            .filter(course::Column::Id.eq(course.id))
            .exec(conn)
            .await?;
    }
    let mut loaded = load(conn).await?;
    let mut out = Vec::with_capacity(courses.len());
    for course in courses {
        let e = evaluate_course(conn, &mut loaded, &course, force).await?;
        out.push((course.id, e));
    }
    Ok(out)
}

async fn evaluate_course(
    conn: &impl ConnectionTrait,
    loaded: &mut Loaded,
    course: &course::Model,
    force: bool,
) -> Result<Evaluation, AppError> {
    if let Some(open) = loaded.open_of(course.id).cloned() {
        if loaded.still_fits(course, &open) {
            return Ok(Evaluation::Kept(open));
        }
        withdraw(conn, &open).await?;
        if let Some(p) = loaded.proposals.iter_mut().find(|p| p.id == open.id) {
            p.status = ProposalStatus::Withdrawn;
        }
    }
    let waiting = waiting(conn, Some(course.id)).await?;
    if (waiting.len() as i32) < course.min_cohort {
        return Ok(Evaluation::Short);
    }
    match loaded.assess(course, &waiting, force) {
        Outcome::Blocked { reason, bases } => Ok(Evaluation::Blocked { reason, bases }),
        Outcome::Proposed(choice) => {
            let p = insert(conn, loaded, course, &waiting, choice).await?;
            loaded.proposals.push(p.clone());
            Ok(Evaluation::Proposed(p))
        }
    }
}

/// The scheduler withdraws an open proposal that no longer fits; its farmers wait again.
async fn withdraw(conn: &impl ConnectionTrait, p: &session_proposal::Model) -> Result<(), AppError> {
    session_proposal::Entity::update_many()
        .col_expr(
            session_proposal::Column::Status,
            Expr::value(ProposalStatus::Withdrawn.as_str()),
        )
        .filter(session_proposal::Column::Id.eq(p.id))
        .filter(session_proposal::Column::Status.eq(ProposalStatus::Proposed))
        .exec(conn)
        .await?;
    interest::Entity::update_many()
        .col_expr(interest::Column::ProposalId, Expr::value(Option::<i32>::None))
        .filter(interest::Column::ProposalId.eq(p.id))
        .exec(conn)
        .await?;
    audit::record(
        conn,
        &Actor::system("scheduler"),
        "training.withdraw",
        Record::new("session_proposal", p.id),
        format!(
            "proposal {}..{} withdrawn: it no longer fits (venue, instructor or days taken)",
            p.starts_on, p.ends_on
        ),
    )
    .await
}

async fn insert(
    conn: &impl ConnectionTrait,
    loaded: &Loaded,
    course: &course::Model,
    waiting: &[interest::Model],
    choice: propose::Choice,
) -> Result<session_proposal::Model, AppError> {
    let plan = choice.plan;
    let venue = loaded.venues.iter().find(|v| v.id == plan.venue_id);
    let base = loaded.bases.iter().find(|b| b.id == choice.base_id);
    let teacher = loaded.teachers.iter().find(|t| t.model.id == plan.instructor_id);
    let (Some(venue), Some(base), Some(teacher)) = (venue, base, teacher) else {
        return Err(AppError::internal(format!(
            "proposal for course {}: lost its venue",
            course.id
        )));
    };
    let mut why = format!(
        "{} 人报名意向（{} 人在{}）；{} {}，{} 座；{}；{} 至 {} 无冲突",
        waiting.len(),
        choice.near,
        base.town,
        base.name,
        venue.name,
        venue.seats,
        teacher.model.name,
        plan.starts_on,
        plan.ends_on
    );
    for p in &choice.passed_over {
        why.push_str(&format!("；较近的{}（{} 人在{}）无法安排", p.base, p.near, p.town));
    }
    let passed_over = serde_json::to_string(&choice.passed_over).context("encoding passed_over as JSON")?;
    let p = session_proposal::ActiveModel {
        course_id: Set(course.id),
        venue_id: Set(plan.venue_id),
        instructor_id: Set(plan.instructor_id),
        starts_on: Set(plan.starts_on),
        ends_on: Set(plan.ends_on),
        capacity: Set(plan.capacity),
        interested: Set(waiting.len() as i32),
        why: Set(why),
        near: Set(Some(choice.near)),
        passed_over: Set(passed_over),
        status: Set(ProposalStatus::Proposed),
        session_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    interest::Entity::update_many()
        .col_expr(interest::Column::ProposalId, Expr::value(p.id))
        .filter(interest::Column::Id.is_in(waiting.iter().map(|i| i.id)))
        .exec(conn)
        .await?;
    Ok(p)
}

/// Staff ask for a proposal for one course now, also after a dismissal. Audited.
pub async fn propose_now(db: &DatabaseConnection, actor: &Actor, course_id: i32) -> Result<Evaluation, AppError> {
    let txn = crate::db::begin_write(db).await?;
    course::Entity::find_by_id(course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    let e = evaluate(&txn, Scope::Course(course_id), true)
        .await?
        .into_iter()
        .next()
        .map(|(_, e)| e)
        .unwrap_or(Evaluation::Short);
    let summary = match &e {
        Evaluation::Proposed(p) => format!("proposal #{} asked for", p.id),
        Evaluation::Kept(p) => format!("proposal #{} still open", p.id),
        Evaluation::Short => "asked for a proposal: not enough interest".into(),
        Evaluation::Blocked { reason, .. } => format!("asked for a proposal: none ({})", reason.msg().key),
    };
    audit::record(
        &txn,
        actor,
        "training.propose",
        Record::new("course", course_id),
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(e)
}
