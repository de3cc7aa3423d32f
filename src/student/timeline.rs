//! The archive's pure domain: typed entry details, supersession, the derived current status and
//! the employment follow-up waves. No I/O here; the service feeds it rows.

use chrono::{Datelike, Months, NaiveDate};
use entity::archive_entry::EntryKind;
use entity::enums::SeniorHighStatus;
use entity::ledger_entry::OpenedBecause;
use entity::student::StudentStatus;
use serde::{Deserialize, Serialize};

/// How an employment record was established, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    SelfReported,
    SchoolVerified,
    EmployerConfirmed,
}

impl Evidence {
    /// Every kind of evidence, weakest first (the order of the form's choices).
    pub const ALL: [Evidence; 3] = [
        Evidence::SelfReported,
        Evidence::SchoolVerified,
        Evidence::EmployerConfirmed,
    ];
}

/// Kind of employment contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractType {
    Permanent,
    FixedTerm,
    Temporary,
    SelfEmployed,
    None,
}

impl ContractType {
    /// Every kind of contract, in the order of the form's choices.
    pub const ALL: [ContractType; 5] = [
        ContractType::Permanent,
        ContractType::FixedTerm,
        ContractType::Temporary,
        ContractType::SelfEmployed,
        ContractType::None,
    ];
}

/// What a follow-up contact found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpOutcome {
    Employed,
    NotEmployed,
    FurtherStudy,
    Unreachable,
}

/// A field changed by an import or an edit, kept in the archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// The typed content of an archive entry; `kind` is the tag stored in its own column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryDetails {
    EnrolmentOffer {
        school: String,
        programme: String,
        round: Option<i32>,
        /// From a routing run: why each higher choice was not obtained (routing result format).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        why_not_higher: Option<serde_json::Value>,
        /// Set when staff placed the student directly instead of by a routing run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        direct_reason: Option<String>,
    },
    Enrolment {
        school: String,
        programme: String,
        class_name: Option<String>,
    },
    TermResult {
        term: String,
        average_score: Option<f64>,
        remarks: Option<String>,
    },
    SkillCertificate {
        name: String,
        level: Option<String>,
        issuer: Option<String>,
        certificate_no: Option<String>,
    },
    Internship {
        employer: String,
        position: Option<String>,
        place: Option<String>,
        end: Option<NaiveDate>,
    },
    Graduation {
        school: String,
        programme: String,
    },
    Employment {
        employer: String,
        position: String,
        place: String,
        monthly_wage: Option<f64>,
        contract_type: ContractType,
        end: Option<NaiveDate>,
        evidence: Evidence,
    },
    FollowUp {
        outcome: FollowUpOutcome,
        wave: Option<u32>,
        method: String,
        notes: Option<String>,
    },
    MentorSession {
        mode: String,
        duration_minutes: Option<u32>,
        notes: Option<String>,
        /// Who held the session (older entries may lack it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mentor: Option<String>,
    },
    /// A mentor took a role for the student (from a confirmed proposal or by hand).
    MentorAssigned {
        mentor: String,
        role: String,
        /// Given when staff chose the mentor by hand.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The mentor answered the assignment email.
    MentorAnswered {
        mentor: String,
        role: String,
        /// `accepted` or `declined`.
        answer: String,
    },
    /// Staff replaced a mentor by hand.
    MentorReplaced {
        mentor: String,
        role: String,
        replaced_by: String,
        reason: String,
    },
    FinancialAid {
        programme: String,
        amount_yuan: f64,
    },
    Note {
        text: String,
    },
    RecordChange {
        source: String,
        changes: Vec<FieldChange>,
    },
    /// Crossed off the ledger (`action` = `crossed_off`, `reason` one of the ledger's reasons) or
    /// reinstated (`reinstated`, `reason` what it had been crossed off for, `note` why reinstated).
    LedgerChange {
        action: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

impl EntryDetails {
    /// The stable kind name stored in `archive_entry.kind`.
    pub fn kind(&self) -> EntryKind {
        match self {
            EntryDetails::EnrolmentOffer { .. } => EntryKind::EnrolmentOffer,
            EntryDetails::Enrolment { .. } => EntryKind::Enrolment,
            EntryDetails::TermResult { .. } => EntryKind::TermResult,
            EntryDetails::SkillCertificate { .. } => EntryKind::SkillCertificate,
            EntryDetails::Internship { .. } => EntryKind::Internship,
            EntryDetails::Graduation { .. } => EntryKind::Graduation,
            EntryDetails::Employment { .. } => EntryKind::Employment,
            EntryDetails::FollowUp { .. } => EntryKind::FollowUp,
            EntryDetails::MentorSession { .. } => EntryKind::MentorSession,
            EntryDetails::MentorAssigned { .. } => EntryKind::MentorAssigned,
            EntryDetails::MentorAnswered { .. } => EntryKind::MentorAnswered,
            EntryDetails::MentorReplaced { .. } => EntryKind::MentorReplaced,
            EntryDetails::FinancialAid { .. } => EntryKind::FinancialAid,
            EntryDetails::Note { .. } => EntryKind::Note,
            EntryDetails::RecordChange { .. } => EntryKind::RecordChange,
            EntryDetails::LedgerChange { .. } => EntryKind::LedgerChange,
        }
    }
}

/// An entry as the domain sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub occurred_on: NaiveDate,
    pub details: EntryDetails,
    pub supersedes: Option<i64>,
}

/// Entries still in force: those no later entry supersedes, oldest first.
pub fn effective(entries: &[Entry]) -> Vec<&Entry> {
    let superseded: std::collections::HashSet<i64> = entries.iter().filter_map(|e| e.supersedes).collect();
    let mut out: Vec<&Entry> = entries.iter().filter(|e| !superseded.contains(&e.id)).collect();
    out.sort_by_key(|e| (e.occurred_on, e.id));
    out
}

/// A student's derived current status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CurrentStatus {
    InJuniorHigh,
    InSeniorHigh,
    /// Graduated from junior high, not in senior high, not yet placed: belongs on the ledger.
    AwaitingPlacement,
    Placed {
        programme: String,
    },
    Enrolled {
        programme: String,
    },
    GraduatedEmployed,
    GraduatedNotEmployed,
    /// Nothing recorded tells: never counted as unemployed.
    Unknown,
}

impl CurrentStatus {
    /// Stable name for filters and catalogues.
    pub fn code(&self) -> StudentStatus {
        match self {
            CurrentStatus::InJuniorHigh => StudentStatus::InJuniorHigh,
            CurrentStatus::InSeniorHigh => StudentStatus::InSeniorHigh,
            CurrentStatus::AwaitingPlacement => StudentStatus::AwaitingPlacement,
            CurrentStatus::Placed { .. } => StudentStatus::Placed,
            CurrentStatus::Enrolled { .. } => StudentStatus::Enrolled,
            CurrentStatus::GraduatedEmployed => StudentStatus::GraduatedEmployed,
            CurrentStatus::GraduatedNotEmployed => StudentStatus::GraduatedNotEmployed,
            CurrentStatus::Unknown => StudentStatus::Unknown,
        }
    }
}

/// Junior high ends in July; before 1 July of the graduation year the student is still there.
fn junior_high_ends(graduation_year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(graduation_year, 7, 1)
}

/// Ledger changes that end an offer or an enrolment.
const RELEASING: &[OpenedBecause] = &crate::admissions::ledger::AFTER_AN_OFFER;

/// Derives the status from the register fields and the effective entries, as of `today`.
pub fn current_status(
    graduation_year: i32,
    senior_high: SeniorHighStatus,
    entries: &[Entry],
    today: NaiveDate,
) -> CurrentStatus {
    let live = effective(entries);
    let last = |kind: EntryKind| live.iter().rev().find(|e| e.details.kind() == kind).copied();
    if let Some(grad) = last(EntryKind::Graduation) {
        return status_after_graduation(grad.occurred_on, &live, today);
    }
    // An offer or an enrolment counts until a later ledger change releases it: declined, not taken
    // up, dropped out, or not back from a suspension.
    let released = live.iter().rposition(|e| {
        matches!(&e.details, EntryDetails::LedgerChange { action, .. }
            if OpenedBecause::parse(action).is_some_and(|a| RELEASING.contains(&a)))
    });
    let enrolment = live.iter().rposition(|e| e.details.kind() == EntryKind::Enrolment);
    if let Some(i) = enrolment.filter(|i| released.is_none_or(|r| r < *i))
        && let EntryDetails::Enrolment { programme, .. } = &live[i].details
    {
        return CurrentStatus::Enrolled {
            programme: programme.clone(),
        };
    }
    let offer = live.iter().rposition(|e| e.details.kind() == EntryKind::EnrolmentOffer);
    if let Some(i) = offer.filter(|i| released.is_none_or(|r| r < *i))
        && let EntryDetails::EnrolmentOffer { programme, .. } = &live[i].details
    {
        return CurrentStatus::Placed {
            programme: programme.clone(),
        };
    }
    if junior_high_ends(graduation_year).is_some_and(|end| today < end) {
        return CurrentStatus::InJuniorHigh;
    }
    match senior_high {
        SeniorHighStatus::Regular => CurrentStatus::InSeniorHigh,
        SeniorHighStatus::NotEntered => CurrentStatus::AwaitingPlacement,
        SeniorHighStatus::Vocational | SeniorHighStatus::Unknown => CurrentStatus::Unknown,
    }
}

fn status_after_graduation(graduated: NaiveDate, live: &[&Entry], today: NaiveDate) -> CurrentStatus {
    // The most recent fact about work after graduation decides: a current job, or a follow-up.
    let facts = live.iter().rev().filter(|e| e.occurred_on >= graduated);
    for e in facts {
        match &e.details {
            EntryDetails::Employment { end, .. } => {
                return if end.is_none_or(|end| end >= today) {
                    CurrentStatus::GraduatedEmployed
                } else {
                    CurrentStatus::GraduatedNotEmployed
                };
            }
            EntryDetails::FollowUp {
                outcome: FollowUpOutcome::Employed,
                ..
            } => return CurrentStatus::GraduatedEmployed,
            EntryDetails::FollowUp {
                outcome: FollowUpOutcome::NotEmployed,
                ..
            } => {
                return CurrentStatus::GraduatedNotEmployed;
            }
            _ => {}
        }
    }
    CurrentStatus::Unknown
}

/// The follow-up waves, in months after vocational graduation.
pub const WAVES: [u32; 3] = [6, 12, 24];
/// A wave may be closed from this many days before its date; after as many days past it, it is overdue.
pub const WAVE_WINDOW_DAYS: i64 = 30;

/// One follow-up wave of one student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wave {
    pub months: u32,
    pub due_on: NaiveDate,
    pub closed: bool,
    pub overdue: bool,
}

/// The waves of a graduate as of `today`; empty when the student has not graduated.
pub fn follow_up_waves(entries: &[Entry], today: NaiveDate) -> Vec<Wave> {
    let live = effective(entries);
    let Some(grad) = live.iter().rev().find(|e| e.details.kind() == EntryKind::Graduation) else {
        return Vec::new();
    };
    WAVES
        .iter()
        .filter_map(|&months| {
            let due_on = grad.occurred_on.checked_add_months(Months::new(months))?;
            let opens = due_on - chrono::Duration::days(WAVE_WINDOW_DAYS);
            let closed = live.iter().any(|e| match &e.details {
                EntryDetails::FollowUp { wave: Some(w), .. } => *w == months,
                EntryDetails::FollowUp { wave: None, .. } => {
                    e.occurred_on >= opens && e.occurred_on <= due_on + chrono::Duration::days(WAVE_WINDOW_DAYS)
                }
                _ => false,
            });
            let overdue = !closed && today > due_on + chrono::Duration::days(WAVE_WINDOW_DAYS);
            Some(Wave {
                months,
                due_on,
                closed,
                overdue,
            })
        })
        .collect()
}

/// Waves that need action now: open and already within their window (or past it).
pub fn waves_due(entries: &[Entry], today: NaiveDate) -> Vec<Wave> {
    follow_up_waves(entries, today)
        .into_iter()
        .filter(|w| !w.closed && today >= w.due_on - chrono::Duration::days(WAVE_WINDOW_DAYS))
        .collect()
}

/// The year a date falls in, for summaries.
pub fn year_of(d: NaiveDate) -> i32 {
    d.year()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn entry(id: i64, on: NaiveDate, details: EntryDetails) -> Entry {
        Entry {
            id,
            occurred_on: on,
            details,
            supersedes: None,
        }
    }

    fn job(end: Option<NaiveDate>) -> EntryDetails {
        EntryDetails::Employment {
            employer: "郑州宇通".into(),
            position: "装配工".into(),
            place: "郑州".into(),
            monthly_wage: Some(4200.0),
            contract_type: ContractType::FixedTerm,
            end,
            evidence: Evidence::SchoolVerified,
        }
    }

    fn graduation() -> EntryDetails {
        EntryDetails::Graduation {
            school: "一职专".into(),
            programme: "数控".into(),
        }
    }

    #[test]
    fn a_student_before_july_of_the_graduation_year_is_in_junior_high() {
        let s = current_status(2027, SeniorHighStatus::Unknown, &[], d(2027, 6, 30));
        assert_eq!(s, CurrentStatus::InJuniorHigh);
    }

    #[test]
    fn a_graduate_not_in_senior_high_awaits_placement_until_offered_a_seat() {
        assert_eq!(
            current_status(2026, SeniorHighStatus::NotEntered, &[], d(2026, 8, 1)),
            CurrentStatus::AwaitingPlacement
        );
        let offer = entry(
            1,
            d(2026, 7, 20),
            EntryDetails::EnrolmentOffer {
                school: "一职专".into(),
                programme: "数控".into(),
                round: Some(1),
                why_not_higher: None,
                direct_reason: None,
            },
        );
        assert_eq!(
            current_status(2026, SeniorHighStatus::NotEntered, &[offer], d(2026, 8, 1)),
            CurrentStatus::Placed {
                programme: "数控".into()
            }
        );
        assert_eq!(
            current_status(2026, SeniorHighStatus::Regular, &[], d(2026, 8, 1)),
            CurrentStatus::InSeniorHigh
        );
    }

    #[test]
    fn a_graduate_without_any_work_record_is_unknown_not_unemployed() {
        let entries = [entry(1, d(2029, 6, 30), graduation())];
        assert_eq!(
            current_status(2026, SeniorHighStatus::NotEntered, &entries, d(2030, 1, 1)),
            CurrentStatus::Unknown
        );
    }

    #[test]
    fn the_latest_work_fact_after_graduation_decides() {
        let entries = [
            entry(1, d(2029, 6, 30), graduation()),
            entry(2, d(2029, 7, 15), job(None)),
        ];
        assert_eq!(
            current_status(2026, SeniorHighStatus::NotEntered, &entries, d(2030, 1, 1)),
            CurrentStatus::GraduatedEmployed
        );
        let ended = [
            entry(1, d(2029, 6, 30), graduation()),
            entry(2, d(2029, 7, 15), job(Some(d(2029, 12, 31)))),
        ];
        assert_eq!(
            current_status(2026, SeniorHighStatus::NotEntered, &ended, d(2030, 1, 1)),
            CurrentStatus::GraduatedNotEmployed
        );
    }

    #[test]
    fn a_declined_offer_or_a_dropout_no_longer_counts_as_placed_or_enrolled() {
        let offer = entry(
            1,
            d(2026, 7, 20),
            EntryDetails::EnrolmentOffer {
                school: "一职专".into(),
                programme: "数控".into(),
                round: Some(1),
                why_not_higher: None,
                direct_reason: None,
            },
        );
        let change = |id, action: &str| {
            entry(
                id,
                d(2026, 9, 1),
                EntryDetails::LedgerChange {
                    action: action.into(),
                    reason: "chose_work".into(),
                    note: None,
                },
            )
        };
        let declined = [offer.clone(), change(2, "offer_declined")];
        assert_eq!(
            current_status(2026, SeniorHighStatus::NotEntered, &declined, d(2026, 9, 2)),
            CurrentStatus::AwaitingPlacement
        );
        let enrolled = entry(
            2,
            d(2026, 9, 1),
            EntryDetails::Enrolment {
                school: "一职专".into(),
                programme: "数控".into(),
                class_name: None,
            },
        );
        let dropped = [offer.clone(), enrolled.clone(), change(3, "dropped_out")];
        assert_eq!(
            current_status(2026, SeniorHighStatus::NotEntered, &dropped, d(2026, 10, 2)),
            CurrentStatus::AwaitingPlacement
        );
        // Placed again after the decline: the newer offer counts.
        let again = [
            offer.clone(),
            change(2, "offer_declined"),
            entry(3, d(2026, 9, 5), offer.details.clone()),
        ];
        assert_eq!(
            current_status(2026, SeniorHighStatus::NotEntered, &again, d(2026, 9, 6)),
            CurrentStatus::Placed {
                programme: "数控".into()
            }
        );
    }

    #[test]
    fn a_superseded_entry_no_longer_counts_but_both_stay_in_the_timeline() {
        let wrong = entry(
            1,
            d(2026, 7, 20),
            EntryDetails::EnrolmentOffer {
                school: "A".into(),
                programme: "护理".into(),
                round: None,
                why_not_higher: None,
                direct_reason: None,
            },
        );
        let mut fixed = entry(
            2,
            d(2026, 7, 20),
            EntryDetails::EnrolmentOffer {
                school: "A".into(),
                programme: "数控".into(),
                round: None,
                why_not_higher: None,
                direct_reason: None,
            },
        );
        fixed.supersedes = Some(1);
        let entries = [wrong, fixed];
        assert_eq!(effective(&entries).len(), 1);
        assert_eq!(
            current_status(2026, SeniorHighStatus::NotEntered, &entries, d(2026, 8, 1)),
            CurrentStatus::Placed {
                programme: "数控".into()
            }
        );
    }

    #[test]
    fn follow_up_waves_fall_due_and_overdue_and_a_follow_up_closes_its_wave() {
        let grad = entry(1, d(2029, 6, 30), graduation());
        let today = d(2030, 2, 15);
        let waves = follow_up_waves(std::slice::from_ref(&grad), today);
        assert_eq!(
            waves.iter().map(|w| w.due_on).collect::<Vec<_>>(),
            vec![d(2029, 12, 30), d(2030, 6, 30), d(2031, 6, 30)]
        );
        assert!(waves[0].overdue && !waves[1].overdue);
        assert_eq!(waves_due(std::slice::from_ref(&grad), today).len(), 1);
        let follow = entry(
            2,
            d(2030, 2, 10),
            EntryDetails::FollowUp {
                outcome: FollowUpOutcome::Employed,
                wave: Some(6),
                method: "phone".into(),
                notes: None,
            },
        );
        assert!(waves_due(&[grad, follow], today).is_empty());
    }

    #[test]
    fn an_offer_carries_a_direct_placement_reason_only_when_there_is_one() {
        let stored =
            serde_json::json!({"kind": "enrolment_offer", "school": "一职专", "programme": "护理", "round": 1});
        let old: EntryDetails =
            serde_json::from_value(stored.clone()).expect("offers stored before the field still read");
        assert_eq!(serde_json::to_value(&old).expect("json"), stored);
        let direct = EntryDetails::EnrolmentOffer {
            school: "一职专".into(),
            programme: "护理".into(),
            round: None,
            why_not_higher: None,
            direct_reason: Some("补录".into()),
        };
        assert_eq!(serde_json::to_value(direct).expect("json")["direct_reason"], "补录");
    }

    #[test]
    fn details_round_trip_through_json_with_their_kind() {
        let j = serde_json::to_value(job(None)).expect("json");
        assert_eq!(j["kind"], "employment");
        assert_eq!(j["evidence"], "school_verified");
        let back: EntryDetails = serde_json::from_value(j).expect("parse");
        assert_eq!(back.kind(), EntryKind::Employment);
    }
}
