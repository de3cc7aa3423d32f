//! A seat given to a student for an intake year: by a committed routing run (`run_id` set) or
//! directly by staff (`direct_reason` set). The official record of who is placed; at most one in
//! force (not released) per student and year.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "placement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub student_id: i32,
    pub intake_year: i32,
    pub programme_id: i32,
    /// The committed run that placed the student; `None` for a direct placement.
    pub run_id: Option<i32>,
    pub round: Option<i32>,
    /// 1-based position of the programme among the student's choices (run placements).
    pub choice: Option<i32>,
    pub points: Option<f64>,
    /// The run's explanation of choices ranked higher (JSON list, as in the routing result).
    pub why_not_higher: String,
    /// Why staff placed the student by hand (a late registration, an appeal).
    pub direct_reason: Option<String>,
    pub placed_by: String,
    pub placed_at: DateTimeUtc,
    /// `offered`, `reported` (报到 confirmed), `declined`, `no_show`, `dropped_out` (辍学),
    /// `suspended` (休学) or `transferred` (转学).
    pub status: String,
    pub reported_at: Option<DateTimeUtc>,
    /// When the seat went back to the programme (declined, no-show); `None` while in force.
    pub released_at: Option<DateTimeUtc>,
    /// Why the seat was released: a decline reason, or `no_show`.
    pub release_reason: Option<String>,
    pub release_note: Option<String>,
    /// A suspended student's (休学) expected return date.
    pub return_on: Option<Date>,
}

impl ActiveModelBehavior for ActiveModel {}
