//! Interest without a date: a farmer asks for a course; enough of them make a session proposal.

use chrono::Utc;
use entity::public_attempt::PublicAction;
use entity::{course, interest};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde::Serialize;

use super::registrations::{RegistrationForm, rate_limit};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::limits::PublicLimits;

/// What the farmer is told.
#[derive(Debug, Clone, Serialize, poem_openapi::Object)]
#[oai(rename = "InterestRegistered")]
pub struct Registered {
    pub id: i32,
    pub course: String,
    /// Farmers waiting for this course, this one included.
    pub waiting: u64,
    pub min_cohort: i32,
    /// A session was proposed to staff just now.
    pub proposed: bool,
}

/// Records interest in a course (name, phone, town, village as on the registration form) and, when
/// the course's minimum cohort is reached, proposes a session.
pub async fn register_interest(
    db: &DatabaseConnection,
    limits: &PublicLimits,
    course_id: Option<i32>,
    form: &RegistrationForm,
    client_ip: &str,
) -> Result<Registered, AppError> {
    let parsed = form.parse();
    let course = match course_id {
        Some(id) => course::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let input = match (parsed, &course) {
        (Ok(i), Some(_)) => i,
        (Ok(_), None) => return Err(AppError::invalid("course_id", Msg::new("error.unknown_choice"))),
        (Err(AppError::Invalid(mut e)), None) => {
            e.insert(
                0,
                crate::error::FieldError::new("course_id", Msg::new("error.unknown_choice")),
            );
            return Err(AppError::Invalid(e));
        }
        (Err(e), _) => return Err(e),
    };
    let Some(course) = course else {
        return Err(AppError::invalid("course_id", Msg::new("error.unknown_choice")));
    };
    rate_limit(db, limits, PublicAction::Interest, client_ip, &input.phone).await?;
    let txn = crate::db::begin_write(db).await?;
    // The course's row lock: interest in one course is counted (and proposed) one at a time.
    course::Entity::update_many()
        .col_expr(
            course::Column::Title,
            sea_orm::sea_query::Expr::col(course::Column::Title),
        )
        .filter(course::Column::Id.eq(course.id))
        .exec(&txn)
        .await?;
    let already = interest::Entity::find()
        .filter(interest::Column::CourseId.eq(course.id))
        .filter(interest::Column::Phone.eq(&input.phone))
        .filter(interest::Column::InvitedSessionId.is_null())
        .count(&txn)
        .await?;
    if already > 0 {
        return Err(AppError::Conflict(Msg::new("error.interest_repeated")));
    }
    let row = interest::ActiveModel {
        course_id: Set(course.id),
        name: Set(input.name),
        phone: Set(input.phone),
        town: Set(input.town),
        village: Set(input.village),
        proposal_id: Set(None),
        invited_session_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let waiting = interest::Entity::find()
        .filter(interest::Column::CourseId.eq(course.id))
        .filter(interest::Column::InvitedSessionId.is_null())
        .count(&txn)
        .await?;
    let proposed = super::proposals::reevaluate(&txn, super::proposals::Scope::Course(course.id))
        .await?
        .iter()
        .any(|(_, e)| matches!(e, super::proposals::Evaluation::Proposed(_)));
    txn.commit().await?;
    Ok(Registered {
        id: row.id,
        course: course.title,
        waiting,
        min_cohort: course.min_cohort,
        proposed,
    })
}
