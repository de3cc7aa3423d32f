//! A student from a registered household. `national_id_enc` is AES-GCM ciphertext; the clear ID is
//! never stored.
use sea_orm::entity::prelude::*;

use crate::enums::{SeniorHighStatus, Sex};

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "student")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub household_id: i32,
    pub name: String,
    pub sex: Sex,
    pub national_id_enc: String,
    #[sea_orm(unique)]
    pub national_id_hash: String,
    pub national_id_masked: String,
    pub birth_date: Date,
    pub phone: Option<String>,
    pub guardian: Option<String>,
    pub junior_high_school: String,
    pub graduation_year: i32,
    pub exam_score: Option<f64>,
    pub senior_high_status: SeniorHighStatus,
    pub disability: bool,
    pub intended_skill: Option<String>,
    /// Cached [`CurrentStatus`](../../vocpath/student/timeline/enum.CurrentStatus.html) code.
    pub current_status: StudentStatus,
    pub current_programme: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// A student's derived current status, cached on the row (the code of `vocpath::student::timeline::CurrentStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(30))")]
#[serde(rename_all = "snake_case")]
pub enum StudentStatus {
    #[sea_orm(string_value = "in_junior_high")]
    InJuniorHigh,
    #[sea_orm(string_value = "in_senior_high")]
    InSeniorHigh,
    /// Graduated from junior high, not in senior high, not yet placed: belongs on the ledger.
    #[sea_orm(string_value = "awaiting_placement")]
    AwaitingPlacement,
    #[sea_orm(string_value = "placed")]
    Placed,
    #[sea_orm(string_value = "enrolled")]
    Enrolled,
    #[sea_orm(string_value = "graduated_employed")]
    GraduatedEmployed,
    #[sea_orm(string_value = "graduated_not_employed")]
    GraduatedNotEmployed,
    /// Nothing recorded tells: never counted as unemployed.
    #[sea_orm(string_value = "unknown")]
    Unknown,
}

impl StudentStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            StudentStatus::InJuniorHigh => "in_junior_high",
            StudentStatus::InSeniorHigh => "in_senior_high",
            StudentStatus::AwaitingPlacement => "awaiting_placement",
            StudentStatus::Placed => "placed",
            StudentStatus::Enrolled => "enrolled",
            StudentStatus::GraduatedEmployed => "graduated_employed",
            StudentStatus::GraduatedNotEmployed => "graduated_not_employed",
            StudentStatus::Unknown => "unknown",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            StudentStatus::InJuniorHigh => "status.in_junior_high",
            StudentStatus::InSeniorHigh => "status.in_senior_high",
            StudentStatus::AwaitingPlacement => "status.awaiting_placement",
            StudentStatus::Placed => "status.placed",
            StudentStatus::Enrolled => "status.enrolled",
            StudentStatus::GraduatedEmployed => "status.graduated_employed",
            StudentStatus::GraduatedNotEmployed => "status.graduated_not_employed",
            StudentStatus::Unknown => "status.unknown",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<StudentStatus> {
        <StudentStatus as sea_orm::Iterable>::iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for StudentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
