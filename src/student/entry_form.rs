//! The portal's archive-entry form: one flat form whose fields depend on the entry kind, parsed
//! into typed [`EntryDetails`] with an error per field.

use chrono::NaiveDate;
use entity::archive_entry::EntryKind;
use serde::Deserialize;

use super::timeline::{ContractType, EntryDetails, Evidence, FollowUpOutcome};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

/// Kinds staff add by hand (offers come from committed runs, mentor entries from mentors, record
/// changes from imports): the same list the service accepts.
pub const KINDS: &[EntryKind] = super::students::HAND_WRITTEN_KINDS;

/// The hand-written kinds as an error message lists them.
pub fn kinds_list() -> String {
    KINDS.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

/// Every field any kind uses.
pub const FIELDS: &[&str] = &[
    "kind",
    "occurred_on",
    "supersedes_id",
    "school",
    "programme",
    "round",
    "class_name",
    "term",
    "average_score",
    "remarks",
    "name",
    "level",
    "issuer",
    "certificate_no",
    "employer",
    "position",
    "place",
    "end",
    "monthly_wage",
    "contract_type",
    "evidence",
    "outcome",
    "wave",
    "method",
    "notes",
    "amount_yuan",
    "text",
];

/// The form as posted: every field optional text.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct EntryForm {
    pub kind: String,
    pub occurred_on: String,
    pub supersedes_id: String,
    pub school: String,
    pub programme: String,
    pub round: String,
    pub class_name: String,
    pub term: String,
    pub average_score: String,
    pub remarks: String,
    pub name: String,
    pub level: String,
    pub issuer: String,
    pub certificate_no: String,
    pub employer: String,
    pub position: String,
    pub place: String,
    pub end: String,
    pub monthly_wage: String,
    pub contract_type: String,
    pub evidence: String,
    pub outcome: String,
    pub wave: String,
    pub method: String,
    pub notes: String,
    pub amount_yuan: String,
    pub text: String,
}

struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    fn required(&mut self, field: &str, v: &str) -> String {
        let v = v.trim();
        if v.is_empty() {
            self.errors
                .push(FieldError::new(field, Msg::new("error.field_required")));
        } else if v.chars().count() > 200 {
            self.errors
                .push(FieldError::new(field, Msg::new("error.name_too_long").arg("max", 200)));
        }
        v.to_string()
    }

    fn optional(&mut self, v: &str) -> Option<String> {
        Some(v.trim().to_string()).filter(|s| !s.is_empty())
    }

    fn date(&mut self, field: &str, v: &str, required: bool) -> Option<NaiveDate> {
        let v = v.trim();
        if v.is_empty() {
            if required {
                self.errors
                    .push(FieldError::new(field, Msg::new("error.field_required")));
            }
            return None;
        }
        let parsed = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
        if parsed.is_none() {
            self.errors
                .push(FieldError::new(field, Msg::new("error.date_invalid").arg("value", v)));
        }
        parsed
    }

    fn number(&mut self, field: &str, v: &str, max: f64) -> Option<f64> {
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match v.parse::<f64>() {
            Ok(n) if (0.0..=max).contains(&n) => Some(n),
            _ => {
                self.errors.push(FieldError::new(
                    field,
                    Msg::new("error.number_range").arg("value", v).arg("max", max),
                ));
                None
            }
        }
    }

    fn choice<T: Copy>(&mut self, field: &str, v: &str, options: &[(&str, T)]) -> Option<T> {
        let found = options.iter().find(|(k, _)| *k == v.trim()).map(|(_, t)| *t);
        if found.is_none() {
            let allowed: Vec<&str> = options.iter().map(|(k, _)| *k).collect();
            self.errors.push(FieldError::new(
                field,
                Msg::new("error.choice_invalid").arg("allowed", allowed.join(", ")),
            ));
        }
        found
    }
}

impl EntryForm {
    /// The date, the typed details and the corrected entry, or every field error.
    pub fn parse(&self) -> Result<(NaiveDate, EntryDetails, Option<i64>), AppError> {
        let mut f = Fields { errors: Vec::new() };
        let on = f.date("occurred_on", &self.occurred_on, true);
        let supersedes = match self.supersedes_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    f.errors.push(FieldError::new(
                        "supersedes_id",
                        Msg::new("error.number_invalid").arg("value", s),
                    ));
                    None
                }
            },
        };
        let details = self.details(&mut f);
        match (on, details) {
            (Some(on), Some(d)) if f.errors.is_empty() => Ok((on, d, supersedes)),
            _ => Err(AppError::Invalid(f.errors)),
        }
    }

    fn details(&self, f: &mut Fields) -> Option<EntryDetails> {
        Some(match EntryKind::parse(&self.kind) {
            Some(EntryKind::EnrolmentOffer) => EntryDetails::EnrolmentOffer {
                school: f.required("school", &self.school),
                programme: f.required("programme", &self.programme),
                round: f.number("round", &self.round, 20.0).map(|n| n as i32),
                why_not_higher: None,
                direct_reason: None,
            },
            Some(EntryKind::Enrolment) => EntryDetails::Enrolment {
                school: f.required("school", &self.school),
                programme: f.required("programme", &self.programme),
                class_name: f.optional(&self.class_name),
            },
            Some(EntryKind::TermResult) => EntryDetails::TermResult {
                term: f.required("term", &self.term),
                average_score: f.number("average_score", &self.average_score, 1000.0),
                remarks: f.optional(&self.remarks),
            },
            Some(EntryKind::SkillCertificate) => EntryDetails::SkillCertificate {
                name: f.required("name", &self.name),
                level: f.optional(&self.level),
                issuer: f.optional(&self.issuer),
                certificate_no: f.optional(&self.certificate_no),
            },
            Some(EntryKind::Internship) => EntryDetails::Internship {
                employer: f.required("employer", &self.employer),
                position: f.optional(&self.position),
                place: f.optional(&self.place),
                end: f.date("end", &self.end, false),
            },
            Some(EntryKind::Graduation) => EntryDetails::Graduation {
                school: f.required("school", &self.school),
                programme: f.required("programme", &self.programme),
            },
            Some(EntryKind::Employment) => self.employment(f)?,
            Some(EntryKind::FollowUp) => EntryDetails::FollowUp {
                outcome: f.choice(
                    "outcome",
                    &self.outcome,
                    &[
                        ("employed", FollowUpOutcome::Employed),
                        ("not_employed", FollowUpOutcome::NotEmployed),
                        ("further_study", FollowUpOutcome::FurtherStudy),
                        ("unreachable", FollowUpOutcome::Unreachable),
                    ],
                )?,
                wave: match self.wave.trim() {
                    "" => None,
                    w => Some(f.choice("wave", w, &[("6", 6u32), ("12", 12), ("24", 24)])?),
                },
                method: f.required("method", &self.method),
                notes: f.optional(&self.notes),
            },
            Some(EntryKind::FinancialAid) => EntryDetails::FinancialAid {
                programme: f.required("programme", &self.programme),
                amount_yuan: match f.number("amount_yuan", &self.amount_yuan, 1_000_000.0) {
                    Some(n) => n,
                    None => {
                        if self.amount_yuan.trim().is_empty() {
                            f.errors
                                .push(FieldError::new("amount_yuan", Msg::new("error.field_required")));
                        }
                        return None;
                    }
                },
            },
            Some(EntryKind::Note) => EntryDetails::Note {
                text: f.required("text", &self.text),
            },
            _ => {
                f.errors.push(FieldError::new(
                    "kind",
                    Msg::new("error.choice_invalid").arg("allowed", kinds_list()),
                ));
                return None;
            }
        })
    }

    fn employment(&self, f: &mut Fields) -> Option<EntryDetails> {
        let employer = f.required("employer", &self.employer);
        let position = f.required("position", &self.position);
        let place = f.required("place", &self.place);
        let monthly_wage = f.number("monthly_wage", &self.monthly_wage, 1_000_000.0);
        let end = f.date("end", &self.end, false);
        let contract_type = f.choice(
            "contract_type",
            &self.contract_type,
            &[
                ("permanent", ContractType::Permanent),
                ("fixed_term", ContractType::FixedTerm),
                ("temporary", ContractType::Temporary),
                ("self_employed", ContractType::SelfEmployed),
                ("none", ContractType::None),
            ],
        );
        let evidence = f.choice(
            "evidence",
            &self.evidence,
            &[
                ("self_reported", Evidence::SelfReported),
                ("school_verified", Evidence::SchoolVerified),
                ("employer_confirmed", Evidence::EmployerConfirmed),
            ],
        );
        Some(EntryDetails::Employment {
            employer,
            position,
            place,
            monthly_wage,
            contract_type: contract_type?,
            end,
            evidence: evidence?,
        })
    }

    /// The form's values for re-display.
    pub fn echo(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_employment_form_needs_employer_position_place_contract_and_evidence() {
        let form = EntryForm {
            kind: "employment".into(),
            occurred_on: "2027-07-01".into(),
            ..Default::default()
        };
        let Err(AppError::Invalid(errors)) = form.parse() else {
            panic!("must fail")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["employer", "position", "place", "contract_type", "evidence"]
        );
    }

    #[test]
    fn a_complete_follow_up_parses() {
        let form = EntryForm {
            kind: "follow_up".into(),
            occurred_on: "2028-01-05".into(),
            outcome: "employed".into(),
            wave: "6".into(),
            method: "电话".into(),
            ..Default::default()
        };
        let (on, d, sup) = form.parse().expect("valid");
        assert_eq!(on.to_string(), "2028-01-05");
        assert_eq!(d.kind(), EntryKind::FollowUp);
        assert_eq!(sup, None);
    }

    #[test]
    fn a_bad_date_and_an_unknown_kind_are_named() {
        let form = EntryForm {
            kind: "party".into(),
            occurred_on: "2027-02-30".into(),
            ..Default::default()
        };
        let Err(AppError::Invalid(errors)) = form.parse() else {
            panic!("must fail")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["occurred_on", "kind"]);
    }
}
