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
    pub current_status: String,
    pub current_programme: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
