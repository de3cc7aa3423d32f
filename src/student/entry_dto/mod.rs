//! The archive entry kinds as the OpenAPI document shows them: one typed object per kind, joined in
//! tagged unions on `kind` — every kind in what the API returns ([`EntryDetailsDto`]), the kinds
//! staff may write in what it accepts ([`NewEntryDetailsDto`]) — and the entry shapes that carry
//! them ([`EntryDto`], [`NewEntryRequest`]).
//!
//! The wire format is the one [`EntryDetails`] has always had (serde, tag `kind`): the tests in
//! `convert` hold each kind's JSON from here equal to serde's, so neither can drift. No I/O here.

mod convert;
mod examples;

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{Example, ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{Enum, Object, Union};

use super::students::EntryView;
use super::timeline::EntryDetails;
use crate::error::AppError;

/// Kind of employment contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "ContractType", rename_all = "snake_case")]
pub enum ContractTypeDto {
    Permanent,
    FixedTerm,
    Temporary,
    SelfEmployed,
    None,
}

/// How an employment record was established, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "Evidence", rename_all = "snake_case")]
pub enum EvidenceDto {
    SelfReported,
    SchoolVerified,
    EmployerConfirmed,
}

/// What a follow-up contact found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "FollowUpOutcome", rename_all = "snake_case")]
pub enum FollowUpOutcomeDto {
    Employed,
    NotEmployed,
    FurtherStudy,
    Unreachable,
}

/// One field changed by an import or an edit.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(rename = "FieldChange")]
pub struct FieldChangeDto {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// `enrolment_offer` (system only): a seat offered by a committed routing run, or a direct
/// placement by staff.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct EnrolmentOfferEntry {
    pub school: String,
    pub programme: String,
    /// The routing round; none for a direct placement.
    pub round: Option<i32>,
    /// From a routing run: why each higher choice was not obtained.
    #[oai(skip_serializing_if_is_none)]
    pub why_not_higher: Option<serde_json::Value>,
    /// Set when staff placed the student directly instead of by a routing run: why.
    #[oai(skip_serializing_if_is_none)]
    pub direct_reason: Option<String>,
}

/// `enrolment`: the student enrolled in a programme.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(example)]
pub struct EnrolmentEntry {
    pub school: String,
    pub programme: String,
    pub class_name: Option<String>,
}

/// `term_result`: a term's results.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(example)]
pub struct TermResultEntry {
    /// e.g. `2026-2027 第一学期`.
    pub term: String,
    pub average_score: Option<f64>,
    pub remarks: Option<String>,
}

/// `skill_certificate`: a vocational skill certificate.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(example)]
pub struct SkillCertificateEntry {
    pub name: String,
    pub level: Option<String>,
    pub issuer: Option<String>,
    pub certificate_no: Option<String>,
}

/// `internship`: a placement with an employer during the programme.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(example)]
pub struct InternshipEntry {
    pub employer: String,
    pub position: Option<String>,
    pub place: Option<String>,
    pub end: Option<NaiveDate>,
}

/// `graduation`: graduated from a vocational programme; starts the 6/12/24-month follow-up waves.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(example)]
pub struct GraduationEntry {
    pub school: String,
    pub programme: String,
}

/// `employment`: a job; current while `end` is empty or not yet past.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(example)]
pub struct EmploymentEntry {
    pub employer: String,
    pub position: String,
    pub place: String,
    pub monthly_wage: Option<f64>,
    pub contract_type: ContractTypeDto,
    pub end: Option<NaiveDate>,
    pub evidence: EvidenceDto,
}

/// `follow_up`: an employment follow-up contact; with `wave` (6, 12 or 24) it closes that wave.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(example)]
pub struct FollowUpEntry {
    pub outcome: FollowUpOutcomeDto,
    pub wave: Option<u32>,
    /// How the contact was made, e.g. 电话, 上门.
    pub method: String,
    pub notes: Option<String>,
}

/// `mentor_session` (system only: `POST /mentor-sessions`): a help session a mentor held.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct MentorSessionEntry {
    pub mode: String,
    pub duration_minutes: Option<u32>,
    pub notes: Option<String>,
    /// Who held the session (older entries may lack it).
    #[oai(skip_serializing_if_is_none)]
    pub mentor: Option<String>,
}

/// `mentor_assigned` (system only): a mentor took a role for the student.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct MentorAssignedEntry {
    pub mentor: String,
    pub role: String,
    /// Given when staff chose the mentor by hand.
    #[oai(skip_serializing_if_is_none)]
    pub reason: Option<String>,
}

/// `mentor_answered` (system only): the mentor answered the assignment email.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct MentorAnsweredEntry {
    pub mentor: String,
    pub role: String,
    /// `accepted` or `declined`.
    pub answer: String,
}

/// `mentor_replaced` (system only): staff replaced a mentor by hand.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct MentorReplacedEntry {
    pub mentor: String,
    pub role: String,
    pub replaced_by: String,
    pub reason: String,
}

/// `financial_aid`: aid paid for the programme.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(example)]
pub struct FinancialAidEntry {
    pub programme: String,
    pub amount_yuan: f64,
}

/// `note`: free text.
#[derive(Debug, Clone, PartialEq, Object)]
#[oai(example)]
pub struct NoteEntry {
    pub text: String,
}

/// `record_change` (system only): register fields changed by an import or an edit.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct RecordChangeEntry {
    pub source: String,
    pub changes: Vec<FieldChangeDto>,
}

/// `ledger_change` (system only): crossed off the ledger (`action` = `crossed_off`) or reinstated
/// (`reinstated`, `note` saying why).
#[derive(Debug, Clone, PartialEq, Object)]
pub struct LedgerChangeEntry {
    pub action: String,
    pub reason: String,
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
}

/// The typed content of an archive entry, tagged by `kind`. Kinds marked "system only" are written
/// by the service itself (committed routing runs, the mentoring pages, imports, the ledger) and
/// are refused on `POST /students/{id}/entries`; see `NewEntryDetails` for the kinds staff write.
#[derive(Debug, Clone, PartialEq, Union)]
#[oai(
    rename = "EntryDetails",
    discriminator_name = "kind",
    one_of,
    rename_all = "snake_case"
)]
pub enum EntryDetailsDto {
    EnrolmentOffer(EnrolmentOfferEntry),
    Enrolment(EnrolmentEntry),
    TermResult(TermResultEntry),
    SkillCertificate(SkillCertificateEntry),
    Internship(InternshipEntry),
    Graduation(GraduationEntry),
    Employment(EmploymentEntry),
    FollowUp(FollowUpEntry),
    MentorSession(MentorSessionEntry),
    MentorAssigned(MentorAssignedEntry),
    MentorAnswered(MentorAnsweredEntry),
    MentorReplaced(MentorReplacedEntry),
    FinancialAid(FinancialAidEntry),
    Note(NoteEntry),
    RecordChange(RecordChangeEntry),
    LedgerChange(LedgerChangeEntry),
}

/// The content of a new archive entry, tagged by `kind`: one of the kinds staff write by hand.
/// Every other kind is written only by the service and refused here (422
/// `entry_kind_system_only`).
#[derive(Debug, Clone, PartialEq, Union)]
#[oai(
    rename = "NewEntryDetails",
    discriminator_name = "kind",
    one_of,
    rename_all = "snake_case"
)]
pub enum NewEntryDetailsDto {
    Enrolment(EnrolmentEntry),
    TermResult(TermResultEntry),
    SkillCertificate(SkillCertificateEntry),
    Internship(InternshipEntry),
    Graduation(GraduationEntry),
    Employment(EmploymentEntry),
    FollowUp(FollowUpEntry),
    FinancialAid(FinancialAidEntry),
    Note(NoteEntry),
}

/// The `details` of a new entry as sent: documented as [`NewEntryDetailsDto`], but kept as JSON
/// and read by [`crate::student::api::parse_details`] into [`EntryDetails`], so that a kind only the
/// system writes, or a kind that does not exist, gets its own clear refusal instead of a bare
/// schema mismatch.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntryDetailsJson(pub serde_json::Value);

impl Type for NewEntryDetailsJson {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        NewEntryDetailsDto::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        NewEntryDetailsDto::schema_ref()
    }

    fn register(registry: &mut Registry) {
        NewEntryDetailsDto::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl ParseFromJSON for NewEntryDetailsJson {
    fn parse_from_json(value: Option<serde_json::Value>) -> ParseResult<Self> {
        value.map(NewEntryDetailsJson).ok_or_else(ParseError::expected_input)
    }
}

impl ToJSON for NewEntryDetailsJson {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(self.0.clone())
    }
}

/// One archive entry. `details` holds the typed content of its `kind` (see `EntryDetails`).
#[derive(Debug, Object)]
pub struct EntryDto {
    pub id: i64,
    /// The same as `details.kind`.
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub details: EntryDetailsDto,
    /// The entry this one corrects.
    pub supersedes_id: Option<i64>,
    /// The later entry correcting this one, if any.
    pub superseded_by: Option<i64>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<EntryView> for EntryDto {
    type Error = AppError;

    /// Stored details that no longer read as their kind are an internal error (as for the status).
    fn try_from(e: EntryView) -> Result<Self, AppError> {
        let details: EntryDetails = serde_json::from_value(e.details)
            .map_err(|err| AppError::internal_from(format!("archive entry {} has unreadable details", e.id), err))?;
        Ok(EntryDto {
            id: e.id,
            kind: e.kind.to_string(),
            occurred_on: e.occurred_on,
            details: details.into(),
            supersedes_id: e.supersedes_id,
            superseded_by: e.superseded_by,
            recorded_by: e.recorded_by,
            created_at: e.created_at,
        })
    }
}

/// A new archive entry. Entries are never changed: to correct one, add a new entry with
/// `supersedes_id` set to the wrong one.
#[derive(Debug, Object)]
#[oai(example)]
pub struct NewEntryRequest {
    pub occurred_on: NaiveDate,
    /// The typed content, with its `kind`: one of the kinds staff write by hand.
    pub details: NewEntryDetailsJson,
    pub supersedes_id: Option<i64>,
}

impl Example for NewEntryRequest {
    fn example() -> Self {
        NewEntryRequest {
            occurred_on: NaiveDate::from_ymd_opt(2027, 7, 15).unwrap_or_default(),
            details: NewEntryDetailsJson(
                NewEntryDetailsDto::Employment(Example::example())
                    .to_json()
                    .unwrap_or_default(),
            ),
            supersedes_id: None,
        }
    }
}
