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
    pub status: PlacementStatus,
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

/// Where a placement stands: offered, then reported or released, then perhaps left school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum PlacementStatus {
    /// Waiting for the student to report.
    #[sea_orm(string_value = "offered")]
    Offered,
    /// 报到 confirmed by the school.
    #[sea_orm(string_value = "reported")]
    Reported,
    /// The family declined the offer; the seat was released.
    #[sea_orm(string_value = "declined")]
    Declined,
    /// Reporting closed without the student; the seat was released.
    #[sea_orm(string_value = "no_show")]
    NoShow,
    /// 辍学 after reporting.
    #[sea_orm(string_value = "dropped_out")]
    DroppedOut,
    /// 休学: expected back on `return_on`.
    #[sea_orm(string_value = "suspended")]
    Suspended,
    /// 转学 to another school.
    #[sea_orm(string_value = "transferred")]
    Transferred,
}

impl PlacementStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementStatus::Offered => "offered",
            PlacementStatus::Reported => "reported",
            PlacementStatus::Declined => "declined",
            PlacementStatus::NoShow => "no_show",
            PlacementStatus::DroppedOut => "dropped_out",
            PlacementStatus::Suspended => "suspended",
            PlacementStatus::Transferred => "transferred",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            PlacementStatus::Offered => "class_list.status_offered",
            PlacementStatus::Reported => "class_list.status_reported",
            PlacementStatus::Declined => "class_list.status_declined",
            PlacementStatus::NoShow => "class_list.status_no_show",
            PlacementStatus::DroppedOut => "class_list.status_dropped_out",
            PlacementStatus::Suspended => "class_list.status_suspended",
            PlacementStatus::Transferred => "class_list.status_transferred",
        }
    }
}

impl std::fmt::Display for PlacementStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
