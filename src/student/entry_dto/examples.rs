//! The examples of the kinds staff write, shown in the OpenAPI document and posted as they are.

use super::*;

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
            assert_eq!(json["kind"], parsed.kind().as_str());
            kinds.push(parsed.kind());
        }
        assert_eq!(kinds, crate::student::students::HAND_WRITTEN_KINDS);
    }
}
