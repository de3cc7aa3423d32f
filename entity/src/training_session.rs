//! A scheduled run of a course at a venue with an instructor, over consecutive days (inclusive).
//! `confirmed` and `arrivals` change only under this row's lock; `status`: `scheduled` or
//! `cancelled`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "training_session")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub course_id: i32,
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub capacity: i32,
    pub confirmed: i32,
    pub arrivals: i32,
    pub status: SessionStatus,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// Whether a session is still on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// On the calendar: open, running or finished by its dates.
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    /// Called off by staff.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl SessionStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Scheduled => "scheduled",
            SessionStatus::Cancelled => "cancelled",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            SessionStatus::Scheduled => "session_status.scheduled",
            SessionStatus::Cancelled => "session_status.cancelled",
        }
    }
}

impl std::fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
