//! Entries read back: the domain [`EntryDetails`] into the documented [`EntryDetailsDto`], field by
//! field, so that a kind or a field added to the domain fails to compile until it is documented.

use super::*;
use crate::student::timeline::{ContractType, Evidence, FieldChange, FollowUpOutcome};

impl From<EntryDetails> for EntryDetailsDto {
    /// Every kind is named here (a kind added to the domain fails to compile until it is
    /// documented), then converted by the function of its group.
    fn from(d: EntryDetails) -> Self {
        use EntryDetails as D;
        match d {
            d @ (D::EnrolmentOffer { .. }
            | D::Enrolment { .. }
            | D::TermResult { .. }
            | D::SkillCertificate { .. }
            | D::Internship { .. }
            | D::Graduation { .. }) => schooling(d),
            d @ (D::Employment { .. } | D::FollowUp { .. } | D::FinancialAid { .. }) => work(d),
            d @ (D::MentorSession { .. }
            | D::MentorAssigned { .. }
            | D::MentorAnswered { .. }
            | D::MentorReplaced { .. }) => mentoring(d),
            d @ (D::Note { .. } | D::RecordChange { .. } | D::LedgerChange { .. }) => records(d),
        }
    }
}

/// School life: the offer, enrolment, term results, certificates, internships, graduation.
/// Another kind goes back to [`EntryDetailsDto::from`], which never sends one here.
fn schooling(d: EntryDetails) -> EntryDetailsDto {
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
        other => EntryDetailsDto::from(other),
    }
}

/// Work and support: employment, follow-ups after graduation, financial aid.
/// Another kind goes back to [`EntryDetailsDto::from`], which never sends one here.
fn work(d: EntryDetails) -> EntryDetailsDto {
    use EntryDetails as D;
    use EntryDetailsDto as T;
    match d {
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
        D::FinancialAid { programme, amount_yuan } => T::FinancialAid(FinancialAidEntry { programme, amount_yuan }),
        other => EntryDetailsDto::from(other),
    }
}

/// Mentoring: sessions and the mentor's assignment, answer and replacement.
/// Another kind goes back to [`EntryDetailsDto::from`], which never sends one here.
fn mentoring(d: EntryDetails) -> EntryDetailsDto {
    use EntryDetails as D;
    use EntryDetailsDto as T;
    match d {
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
        D::MentorAssigned { mentor, role, reason } => T::MentorAssigned(MentorAssignedEntry { mentor, role, reason }),
        D::MentorAnswered { mentor, role, answer } => T::MentorAnswered(MentorAnsweredEntry { mentor, role, answer }),
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
        other => EntryDetailsDto::from(other),
    }
}

/// Records: notes, register changes and ledger changes.
/// Another kind goes back to [`EntryDetailsDto::from`], which never sends one here.
fn records(d: EntryDetails) -> EntryDetailsDto {
    use EntryDetails as D;
    use EntryDetailsDto as T;
    match d {
        D::Note { text } => T::Note(NoteEntry { text }),
        D::RecordChange { source, changes } => T::RecordChange(RecordChangeEntry {
            source,
            changes: changes.into_iter().map(FieldChangeDto::from).collect(),
        }),
        D::LedgerChange { action, reason, note } => T::LedgerChange(LedgerChangeEntry { action, reason, note }),
        other => EntryDetailsDto::from(other),
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
                end: NaiveDate::from_ymd_opt(2029, 1, 1),
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
        let kinds: std::collections::BTreeSet<&str> = every_kind().iter().map(|d| d.kind().as_str()).collect();
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
}
