//! The no-one-left-out ledger: an eligible student left unplaced, open until placed or crossed off.
use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub student_id: i32,
    pub intake_year: i32,
    /// The committed run that left the student unplaced, or whose offer was declined or not taken
    /// up (`None` for a direct placement's offer).
    pub run_id: Option<i32>,
    pub opened_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub close_reason: Option<CloseReason>,
    pub close_note: Option<String>,
    pub closed_by: Option<String>,
    /// Why the student is unplaced: the newest committed run's explanation (JSON list of the
    /// routing result's `not_placed_higher`; empty for a student without choices).
    pub why: String,
    /// `unplaced` (a run left the student without a seat), `offer_declined` or
    /// `offer_not_taken_up` (no-show).
    pub opened_because: OpenedBecause,
    /// The placement declined or not taken up.
    pub placement_id: Option<i32>,
    /// While open: the day the line becomes overdue for follow-up, 14 days after it was opened or
    /// last followed up.
    pub follow_up_due_on: Option<Date>,
}

impl ActiveModelBehavior for ActiveModel {}

/// Why a line was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(30))")]
#[serde(rename_all = "snake_case")]
pub enum OpenedBecause {
    /// A committed run left the student without a seat.
    #[sea_orm(string_value = "unplaced")]
    Unplaced,
    /// The family declined the offer.
    #[sea_orm(string_value = "offer_declined")]
    OfferDeclined,
    /// The student did not report (no-show).
    #[sea_orm(string_value = "offer_not_taken_up")]
    OfferNotTakenUp,
    /// The student left school after reporting (辍学).
    #[sea_orm(string_value = "dropped_out")]
    DroppedOut,
    /// A suspended student (休学) is not back by the expected day.
    #[sea_orm(string_value = "suspension_overdue")]
    SuspensionOverdue,
}

impl OpenedBecause {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            OpenedBecause::Unplaced => "unplaced",
            OpenedBecause::OfferDeclined => "offer_declined",
            OpenedBecause::OfferNotTakenUp => "offer_not_taken_up",
            OpenedBecause::DroppedOut => "dropped_out",
            OpenedBecause::SuspensionOverdue => "suspension_overdue",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            OpenedBecause::Unplaced => "ledger.because_unplaced",
            OpenedBecause::OfferDeclined => "ledger.because_offer_declined",
            OpenedBecause::OfferNotTakenUp => "ledger.because_offer_not_taken_up",
            OpenedBecause::DroppedOut => "ledger.because_dropped_out",
            OpenedBecause::SuspensionOverdue => "ledger.because_suspension_overdue",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<OpenedBecause> {
        <OpenedBecause as sea_orm::Iterable>::iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for OpenedBecause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a line was closed: a seat (`placed`, `brought_back`) or a cross-off (销号) reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize, serde::Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(30))")]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// A run or a direct placement gave the student a seat.
    #[sea_orm(string_value = "placed")]
    Placed,
    /// A student who declined, did not report or left school reported again (劝返).
    #[sea_orm(string_value = "brought_back")]
    BroughtBack,
    /// Entered senior high late.
    #[sea_orm(string_value = "senior_high_late")]
    SeniorHighLate,
    /// The family moved away.
    #[sea_orm(string_value = "moved_away")]
    MovedAway,
    /// Working (16 or older).
    #[sea_orm(string_value = "working")]
    Working,
    /// Illness, with a medical certificate.
    #[sea_orm(string_value = "illness")]
    Illness,
    /// Something else, said in the note.
    #[sea_orm(string_value = "other")]
    Other,
}

impl CloseReason {
    /// The stored (and API) name.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::Placed => "placed",
            CloseReason::BroughtBack => "brought_back",
            CloseReason::SeniorHighLate => "senior_high_late",
            CloseReason::MovedAway => "moved_away",
            CloseReason::Working => "working",
            CloseReason::Illness => "illness",
            CloseReason::Other => "other",
        }
    }

    /// The catalogue key of its label.
    pub fn i18n_key(self) -> &'static str {
        match self {
            CloseReason::Placed => "ledger.reason_placed",
            CloseReason::BroughtBack => "ledger.reason_brought_back",
            CloseReason::SeniorHighLate => "ledger.reason_senior_high_late",
            CloseReason::MovedAway => "ledger.reason_moved_away",
            CloseReason::Working => "ledger.reason_working",
            CloseReason::Illness => "ledger.reason_illness",
            CloseReason::Other => "ledger.reason_other",
        }
    }

    /// Parses the stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<CloseReason> {
        <CloseReason as sea_orm::Iterable>::iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
