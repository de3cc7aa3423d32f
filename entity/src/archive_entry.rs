//! One entry of a student's append-only archive. `details` is JSON whose shape depends on `kind`.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "archive_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub student_id: i32,
    pub kind: EntryKind,
    pub occurred_on: Date,
    pub details: String,
    pub supersedes_id: Option<i64>,
    pub recorded_by: Option<i32>,
    pub recorded_by_label: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// What an archive entry records; decides the shape of its `details`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(30))")]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    #[sea_orm(string_value = "enrolment_offer")]
    EnrolmentOffer,
    #[sea_orm(string_value = "enrolment")]
    Enrolment,
    #[sea_orm(string_value = "term_result")]
    TermResult,
    #[sea_orm(string_value = "skill_certificate")]
    SkillCertificate,
    #[sea_orm(string_value = "internship")]
    Internship,
    #[sea_orm(string_value = "graduation")]
    Graduation,
    #[sea_orm(string_value = "employment")]
    Employment,
    #[sea_orm(string_value = "follow_up")]
    FollowUp,
    #[sea_orm(string_value = "mentor_session")]
    MentorSession,
    #[sea_orm(string_value = "mentor_assigned")]
    MentorAssigned,
    #[sea_orm(string_value = "mentor_answered")]
    MentorAnswered,
    #[sea_orm(string_value = "mentor_replaced")]
    MentorReplaced,
    #[sea_orm(string_value = "financial_aid")]
    FinancialAid,
    #[sea_orm(string_value = "note")]
    Note,
    #[sea_orm(string_value = "record_change")]
    RecordChange,
    #[sea_orm(string_value = "ledger_change")]
    LedgerChange,
}

impl EntryKind {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::EnrolmentOffer => "enrolment_offer",
            EntryKind::Enrolment => "enrolment",
            EntryKind::TermResult => "term_result",
            EntryKind::SkillCertificate => "skill_certificate",
            EntryKind::Internship => "internship",
            EntryKind::Graduation => "graduation",
            EntryKind::Employment => "employment",
            EntryKind::FollowUp => "follow_up",
            EntryKind::MentorSession => "mentor_session",
            EntryKind::MentorAssigned => "mentor_assigned",
            EntryKind::MentorAnswered => "mentor_answered",
            EntryKind::MentorReplaced => "mentor_replaced",
            EntryKind::FinancialAid => "financial_aid",
            EntryKind::Note => "note",
            EntryKind::RecordChange => "record_change",
            EntryKind::LedgerChange => "ledger_change",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            EntryKind::EnrolmentOffer => "kind.enrolment_offer",
            EntryKind::Enrolment => "kind.enrolment",
            EntryKind::TermResult => "kind.term_result",
            EntryKind::SkillCertificate => "kind.skill_certificate",
            EntryKind::Internship => "kind.internship",
            EntryKind::Graduation => "kind.graduation",
            EntryKind::Employment => "kind.employment",
            EntryKind::FollowUp => "kind.follow_up",
            EntryKind::MentorSession => "kind.mentor_session",
            EntryKind::MentorAssigned => "kind.mentor_assigned",
            EntryKind::MentorAnswered => "kind.mentor_answered",
            EntryKind::MentorReplaced => "kind.mentor_replaced",
            EntryKind::FinancialAid => "kind.financial_aid",
            EntryKind::Note => "kind.note",
            EntryKind::RecordChange => "kind.record_change",
            EntryKind::LedgerChange => "kind.ledger_change",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<EntryKind> {
        <EntryKind as sea_orm::Iterable>::iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for EntryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
