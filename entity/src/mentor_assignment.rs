//! A mentor's role for one student. `status`: `assigned` (email sent, no answer yet), `accepted`,
//! `declined` or `replaced` (ended by staff). `in_force` is `Some(1)` while the assignment counts and
//! `None` once it ended; `last_contact_on` caches the date of the mentor's latest help session with
//! the student (the sessions themselves are archive entries).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "mentor_assignment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub student_id: i32,
    pub mentor_id: i32,
    pub role: String,
    pub status: String,
    pub in_force: Option<i32>,
    pub assigned_at: DateTimeUtc,
    pub assigned_by: String,
    /// Until when the accept/decline links in the email work.
    pub answer_by: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub end_reason: Option<String>,
    pub last_contact_on: Option<Date>,
}

impl ActiveModelBehavior for ActiveModel {}
