//! A farmer's registration for a session. `status`: `confirmed`, `waitlisted` or `cancelled`;
//! `arrival` is the order it came in; `priority` 1 puts registered-household farmers first on the
//! waitlist of a course that says so; `active` is 1 until cancelled.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "registration")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub session_id: i32,
    pub name: String,
    pub phone: String,
    pub town: String,
    pub village: String,
    pub household_number: Option<String>,
    pub household_id: Option<i32>,
    pub email: Option<String>,
    #[sea_orm(unique)]
    pub code: String,
    pub status: RegistrationStatus,
    pub arrival: i32,
    pub priority: i32,
    pub active: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub cancelled_by: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where a farmer's registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Holds a seat.
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    /// Waiting for a seat, in waitlist order.
    #[sea_orm(string_value = "waitlisted")]
    Waitlisted,
    /// Cancelled by the farmer or staff.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl RegistrationStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Confirmed => "confirmed",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::Cancelled => "cancelled",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            RegistrationStatus::Confirmed => "registration_status.confirmed",
            RegistrationStatus::Waitlisted => "registration_status.waitlisted",
            RegistrationStatus::Cancelled => "registration_status.cancelled",
        }
    }
}

impl std::fmt::Display for RegistrationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
