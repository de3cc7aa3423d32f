//! A training course. `household_first`: registered-household farmers go ahead on its waitlists.
//! `completion_share`: the percent of its hours a farmer must attend to earn the certificate (1–100).
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "course")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
    pub skill_area: String,
    pub hours: i32,
    pub min_cohort: i32,
    pub max_cohort: i32,
    pub household_first: bool,
    pub completion_share: i32,
    pub description: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
