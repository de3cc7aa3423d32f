//! The archive entry kinds as the OpenAPI document shows them: one typed object per kind, joined in
//! tagged unions on `kind` — every kind in what the API returns ([`EntryDetailsDto`]), the kinds
//! staff may write in what it accepts ([`NewEntryDetailsDto`]).
//!
//! The wire format is the one [`EntryDetails`] has always had (serde, tag `kind`): the tests below
//! hold each kind's JSON from this module equal to serde's, so neither can drift. No I/O here.

use std::borrow::Cow;

use chrono::NaiveDate;
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{Example, ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{Enum, Object, Union};

use super::timeline::{ContractType, EntryDetails, Evidence, FieldChange, FollowUpOutcome};

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
/// and read by [`super::api::parse_details`] into [`EntryDetails`], so that a kind only the
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

impl From<EntryDetails> for EntryDetailsDto {
    fn from(d: EntryDetails) -> Self {
        use EntryDetails as D;
        use EntryDetailsDto as T;
        match d {
            D::EnrolmentOffer {
                school,
                programme,
                round,
                why_not_higher,
                direct_reason,
            } => T::EnrolmentOffer(EnrolmentOfferEntry {
                school,
                programme,
                round,
                why_not_higher,
                direct_reason,
            }),
            D::Enrolment {
                school,
                programme,
                class_name,
            } => T::Enrolment(EnrolmentEntry {
                school,
                programme,
                class_name,
            }),
            D::TermResult {
                term,
                average_score,
                remarks,
            } => T::TermResult(TermResultEntry {
                term,
                average_score,
                remarks,
            }),
            D::SkillCertificate {
                name,
                level,
                issuer,
                certificate_no,
            } => T::SkillCertificate(SkillCertificateEntry {
                name,
                level,
                issuer,
                certificate_no,
            }),
            D::Internship {
                employer,
                position,
                place,
                end,
            } => T::Internship(InternshipEntry {
                employer,
                position,
                place,
                end,
            }),
            D::Graduation { school, programme } => T::Graduation(GraduationEntry { school, programme }),
            D::Employment {
                employer,
                position,
                place,
                monthly_wage,
                contract_type,
                end,
                evidence,
            } => T::Employment(EmploymentEntry {
                employer,
                position,
                place,
                monthly_wage,
                contract_type: contract_type.into(),
                end,
                evidence: evidence.into(),
            }),
            D::FollowUp {
                outcome,
                wave,
                method,
                notes,
            } => T::FollowUp(FollowUpEntry {
                outcome: outcome.into(),
                wave,
                method,
                notes,
            }),
            D::MentorSession {
                mode,
                duration_minutes,
                notes,
                mentor,
            } => T::MentorSession(MentorSessionEntry {
                mode,
                duration_minutes,
                notes,
                mentor,
            }),
            D::MentorAssigned { mentor, role, reason } => {
                T::MentorAssigned(MentorAssignedEntry { mentor, role, reason })
            }
            D::MentorAnswered { mentor, role, answer } => {
                T::MentorAnswered(MentorAnsweredEntry { mentor, role, answer })
            }
            D::MentorReplaced {
                mentor,
                role,
                replaced_by,
                reason,
            } => T::MentorReplaced(MentorReplacedEntry {
                mentor,
                role,
                replaced_by,
                reason,
            }),
            D::FinancialAid { programme, amount_yuan } => T::FinancialAid(FinancialAidEntry { programme, amount_yuan }),
            D::Note { text } => T::Note(NoteEntry { text }),
            D::RecordChange { source, changes } => T::RecordChange(RecordChangeEntry {
                source,
                changes: changes.into_iter().map(FieldChangeDto::from).collect(),
            }),
            D::LedgerChange { action, reason, note } => T::LedgerChange(LedgerChangeEntry { action, reason, note }),
        }
    }
}

impl From<FieldChange> for FieldChangeDto {
    fn from(c: FieldChange) -> Self {
        FieldChangeDto {
            field: c.field,
            from: c.from,
            to: c.to,
        }
    }
}

impl From<ContractType> for ContractTypeDto {
    fn from(c: ContractType) -> Self {
        match c {
            ContractType::Permanent => ContractTypeDto::Permanent,
            ContractType::FixedTerm => ContractTypeDto::FixedTerm,
            ContractType::Temporary => ContractTypeDto::Temporary,
            ContractType::SelfEmployed => ContractTypeDto::SelfEmployed,
            ContractType::None => ContractTypeDto::None,
        }
    }
}

impl From<Evidence> for EvidenceDto {
    fn from(e: Evidence) -> Self {
        match e {
            Evidence::SelfReported => EvidenceDto::SelfReported,
            Evidence::SchoolVerified => EvidenceDto::SchoolVerified,
            Evidence::EmployerConfirmed => EvidenceDto::EmployerConfirmed,
        }
    }
}

impl From<FollowUpOutcome> for FollowUpOutcomeDto {
    fn from(o: FollowUpOutcome) -> Self {
        match o {
            FollowUpOutcome::Employed => FollowUpOutcomeDto::Employed,
            FollowUpOutcome::NotEmployed => FollowUpOutcomeDto::NotEmployed,
            FollowUpOutcome::FurtherStudy => FollowUpOutcomeDto::FurtherStudy,
            FollowUpOutcome::Unreachable => FollowUpOutcomeDto::Unreachable,
        }
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

impl Example for EnrolmentEntry {
    fn example() -> Self {
        EnrolmentEntry {
            school: "巩义市第一中等职业学校".into(),
            programme: "数控技术应用".into(),
            class_name: Some("2026级数控1班".into()),
        }
    }
}

impl Example for TermResultEntry {
    fn example() -> Self {
        TermResultEntry {
            term: "2026-2027 第一学期".into(),
            average_score: Some(82.5),
            remarks: None,
        }
    }
}

impl Example for SkillCertificateEntry {
    fn example() -> Self {
        SkillCertificateEntry {
            name: "数控车工".into(),
            level: Some("四级/中级工".into()),
            issuer: Some("河南省人力资源和社会保障厅".into()),
            certificate_no: Some("S000041010000245001234".into()),
        }
    }
}

impl Example for InternshipEntry {
    fn example() -> Self {
        InternshipEntry {
            employer: "郑州宇通客车股份有限公司".into(),
            position: Some("装配实习生".into()),
            place: Some("郑州市".into()),
            end: Some(date(2029, 1, 15)),
        }
    }
}

impl Example for GraduationEntry {
    fn example() -> Self {
        GraduationEntry {
            school: "巩义市第一中等职业学校".into(),
            programme: "数控技术应用".into(),
        }
    }
}

impl Example for EmploymentEntry {
    fn example() -> Self {
        EmploymentEntry {
            employer: "巩义市豫联集团".into(),
            position: "数控操作工".into(),
            place: "巩义市".into(),
            monthly_wage: Some(4200.0),
            contract_type: ContractTypeDto::FixedTerm,
            end: None,
            evidence: EvidenceDto::EmployerConfirmed,
        }
    }
}

impl Example for FollowUpEntry {
    fn example() -> Self {
        FollowUpEntry {
            outcome: FollowUpOutcomeDto::Employed,
            wave: Some(6),
            method: "电话".into(),
            notes: Some("在豫联集团上班，工资按时发放".into()),
        }
    }
}

impl Example for FinancialAidEntry {
    fn example() -> Self {
        FinancialAidEntry {
            programme: "国家助学金".into(),
            amount_yuan: 2000.0,
        }
    }
}

impl Example for NoteEntry {
    fn example() -> Self {
        NoteEntry {
            text: "家长来电，学生暑假在家帮忙务农".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every kind, with every optional field set (so each field is compared).
    fn every_kind() -> Vec<EntryDetails> {
        vec![
            EntryDetails::EnrolmentOffer {
                school: "一职专".into(),
                programme: "护理".into(),
                round: Some(2),
                why_not_higher: Some(serde_json::json!([{"programme": "数控", "reason": "full"}])),
                direct_reason: Some("补录：外省转回".into()),
            },
            EntryDetails::Enrolment {
                school: "一职专".into(),
                programme: "护理".into(),
                class_name: None,
            },
            EntryDetails::TermResult {
                term: "t".into(),
                average_score: Some(80.5),
                remarks: Some("r".into()),
            },
            EntryDetails::SkillCertificate {
                name: "n".into(),
                level: Some("l".into()),
                issuer: None,
                certificate_no: Some("c".into()),
            },
            EntryDetails::Internship {
                employer: "e".into(),
                position: None,
                place: Some("p".into()),
                end: Some(date(2029, 1, 1)),
            },
            EntryDetails::Graduation {
                school: "s".into(),
                programme: "p".into(),
            },
            EntryDetails::Employment {
                employer: "e".into(),
                position: "p".into(),
                place: "pl".into(),
                monthly_wage: Some(4200.0),
                contract_type: ContractType::SelfEmployed,
                end: None,
                evidence: Evidence::SelfReported,
            },
            EntryDetails::FollowUp {
                outcome: FollowUpOutcome::FurtherStudy,
                wave: Some(12),
                method: "m".into(),
                notes: None,
            },
            EntryDetails::MentorSession {
                mode: "phone".into(),
                duration_minutes: Some(30),
                notes: Some("n".into()),
                mentor: Some("王".into()),
            },
            EntryDetails::MentorAssigned {
                mentor: "王".into(),
                role: "counsellor".into(),
                reason: Some("r".into()),
            },
            EntryDetails::MentorAnswered {
                mentor: "王".into(),
                role: "counsellor".into(),
                answer: "accepted".into(),
            },
            EntryDetails::MentorReplaced {
                mentor: "王".into(),
                role: "counsellor".into(),
                replaced_by: "李".into(),
                reason: "r".into(),
            },
            EntryDetails::FinancialAid {
                programme: "p".into(),
                amount_yuan: 2000.0,
            },
            EntryDetails::Note { text: "t".into() },
            EntryDetails::RecordChange {
                source: "import".into(),
                changes: vec![FieldChange {
                    field: "phone".into(),
                    from: "".into(),
                    to: "13800138000".into(),
                }],
            },
            EntryDetails::LedgerChange {
                action: "crossed_off".into(),
                reason: "moved_away".into(),
                note: None,
            },
        ]
    }

    #[test]
    fn every_kind_reads_in_the_document_exactly_as_it_is_stored() {
        let kinds: std::collections::BTreeSet<&str> = every_kind().iter().map(EntryDetails::kind).collect();
        assert_eq!(kinds.len(), 16, "a sample of every kind");
        for d in every_kind() {
            let stored = serde_json::to_value(&d).expect("json");
            let shown = EntryDetailsDto::from(d.clone()).to_json();
            assert_eq!(shown.as_ref(), Some(&stored), "{}", d.kind());
        }
        // Optional fields left out are left out (or null) the same way.
        let offer = EntryDetails::EnrolmentOffer {
            school: "s".into(),
            programme: "p".into(),
            round: None,
            why_not_higher: None,
            direct_reason: None,
        };
        assert_eq!(
            EntryDetailsDto::from(offer.clone()).to_json(),
            Some(serde_json::to_value(&offer).expect("json"))
        );
    }

    #[test]
    fn each_documented_example_of_a_writable_kind_is_accepted_as_that_kind() {
        let examples = [
            NewEntryDetailsDto::Enrolment(Example::example()),
            NewEntryDetailsDto::TermResult(Example::example()),
            NewEntryDetailsDto::SkillCertificate(Example::example()),
            NewEntryDetailsDto::Internship(Example::example()),
            NewEntryDetailsDto::Graduation(Example::example()),
            NewEntryDetailsDto::Employment(Example::example()),
            NewEntryDetailsDto::FollowUp(Example::example()),
            NewEntryDetailsDto::FinancialAid(Example::example()),
            NewEntryDetailsDto::Note(Example::example()),
        ];
        let mut kinds = Vec::new();
        for e in examples {
            let json = e.to_json().expect("json");
            let parsed: EntryDetails = serde_json::from_value(json.clone()).expect("parses as stored");
            assert_eq!(json["kind"], parsed.kind());
            kinds.push(parsed.kind());
        }
        assert_eq!(kinds, super::super::students::HAND_WRITTEN_KINDS);
    }
}
