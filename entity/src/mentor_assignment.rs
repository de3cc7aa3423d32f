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
    pub role: MentorRole,
    pub status: AssignmentStatus,
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

/// One of the three mentoring roles every student needs.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum MentorRole {
    /// 辅导员: looks after the student's welfare and the household.
    #[sea_orm(string_value = "counsellor")]
    Counsellor,
    /// 班主任: the teacher in charge of the student's class.
    #[sea_orm(string_value = "class_teacher")]
    ClassTeacher,
    /// 专任教师: teaches the skill area of the student's programme.
    #[sea_orm(string_value = "subject_teacher")]
    SubjectTeacher,
}

impl MentorRole {
    /// The three roles, in the order used in output.
    pub const ALL: [Self; 3] = [Self::Counsellor, Self::ClassTeacher, Self::SubjectTeacher];

    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            MentorRole::Counsellor => "counsellor",
            MentorRole::ClassTeacher => "class_teacher",
            MentorRole::SubjectTeacher => "subject_teacher",
        }
    }

    /// The role of a stored name (surrounding blanks ignored); `None` for any other text.
    pub fn parse(name: &str) -> Option<MentorRole> {
        let name = name.trim();
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Its position in [`MentorRole::ALL`] (for per-role arrays).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            MentorRole::Counsellor => "mentor_role.counsellor",
            MentorRole::ClassTeacher => "mentor_role.class_teacher",
            MentorRole::SubjectTeacher => "mentor_role.subject_teacher",
        }
    }
}

impl std::fmt::Display for MentorRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an assignment stands with its mentor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// Emailed, not yet answered.
    #[sea_orm(string_value = "assigned")]
    Assigned,
    /// The mentor accepted through the email link.
    #[sea_orm(string_value = "accepted")]
    Accepted,
    /// The mentor declined; the assignment ended and the student gets a replacement.
    #[sea_orm(string_value = "declined")]
    Declined,
    /// Staff gave the role to another mentor.
    #[sea_orm(string_value = "replaced")]
    Replaced,
}

impl AssignmentStatus {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::Assigned => "assigned",
            AssignmentStatus::Accepted => "accepted",
            AssignmentStatus::Declined => "declined",
            AssignmentStatus::Replaced => "replaced",
        }
    }

    /// The status of a stored name (surrounding blanks ignored); `None` for any other text.
    pub fn parse(name: &str) -> Option<AssignmentStatus> {
        let name = name.trim();
        [Self::Assigned, Self::Accepted, Self::Declined, Self::Replaced]
            .into_iter()
            .find(|s| s.as_str() == name)
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            AssignmentStatus::Assigned => "assignment_status.assigned",
            AssignmentStatus::Accepted => "assignment_status.accepted",
            AssignmentStatus::Declined => "assignment_status.declined",
            AssignmentStatus::Replaced => "assignment_status.replaced",
        }
    }
}

impl std::fmt::Display for AssignmentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
