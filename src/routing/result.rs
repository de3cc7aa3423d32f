//! The routing result — the output of `vocpath route` — as DESIGN.md ("Routing result") defines it,
//! with three additions that the explanations need and that are absent when they have nothing to
//! say: each placement's `lottery`, the student's own `points` in a `full` explanation, the
//! `open_cutoff_*` of a programme whose reserve admitted someone below the cut-off for everyone
//! else, and `warnings` when a rule failed to evaluate for some student.

use serde::{Deserialize, Serialize};

/// Everything a routing run decided, and why. `S` is the type of the texts (ids, codes, rule
/// names): `String` by default; `&str` borrowed from the instance when the result is only written
/// out, as `vocpath route` does (no copy of every id and code). Both serialise the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingResult<S = String> {
    /// Every student of the instance exactly once, in input order.
    pub placements: Vec<Placement<S>>,
    /// Every programme, in input order.
    pub programmes: Vec<ProgrammeResult<S>>,
    pub summary: Summary,
    /// Rules that failed to evaluate for some student or pair (absent when none did).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<RuleWarning>,
}

/// Where one student ended up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement<S = String> {
    pub student: S,
    /// The programme's code, or `null` when unplaced or ineligible.
    pub programme: Option<S>,
    /// 1-based position of the programme in the student's preferences (`null` when unplaced).
    pub choice: Option<u32>,
    /// Priority points at the programme (`null` when unplaced).
    pub points: Option<f64>,
    /// The lottery number used (given, or derived from the seed).
    pub lottery: f64,
    /// One entry per preference ranked above the placement (all of them when unplaced).
    pub not_placed_higher: Vec<NotPlaced<S>>,
}

/// Why a student is not in a programme they ranked higher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct NotPlaced<S = String> {
    /// The programme's code; absent only for an ineligible student with no preferences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<S>,
    /// 1-based position in the student's preferences; absent with `programme`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<u32>,
    #[serde(flatten)]
    pub reason: Reason<S>,
}

/// The reason, tagged `reason`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason<S = String> {
    /// Every seat the student could take went to someone with a stronger claim. The cut-off is the
    /// lowest admitted student this student had to beat: for a student the programme's reserve
    /// covers, the lowest admitted overall; for others, the lowest outside the reserve-covered
    /// students' reserved seats. `null` when there was no such seat (zero capacity, or every seat
    /// reserved and taken by covered students).
    Full {
        cutoff_points: Option<f64>,
        cutoff_lottery: Option<f64>,
        /// The student's own points there (their lottery is on the placement).
        points: f64,
    },
    /// The student does not meet this requirement rule of the programme.
    Requirement { rule: S },
    /// The student is not to be routed: this eligibility rule does not hold.
    Ineligible { rule: S },
}

/// How one programme filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeResult<S = String> {
    pub code: S,
    pub capacity: u32,
    pub filled: u32,
    /// Students the reserve covers who sit in reserved seats; covered students admitted on merit
    /// (within the open seats) are not counted.
    pub reserved_filled: u32,
    /// The lowest admitted student's points and lottery, when full; `null` while seats are left.
    pub cutoff_points: Option<f64>,
    pub cutoff_lottery: Option<f64>,
    /// When the lowest admitted student got in through the reserve, the cut-off for students the
    /// reserve does not cover (absent otherwise; see [`Reason::Full`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_cutoff_points: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_cutoff_lottery: Option<f64>,
}

/// Counts. `students = eligible + ineligible`, `eligible = placed + unplaced`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub students: u64,
    pub eligible: u64,
    pub placed: u64,
    pub unplaced: u64,
}

/// A rule that failed to evaluate `count` times. Each failure counted as "the rule does not hold"
/// (for a priority rule: no points from it; for a reserve: not covered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleWarning {
    /// The rule's place in the instance, e.g. `$.rules.priority[1]`.
    pub path: String,
    pub rule: String,
    pub count: u64,
    /// The first failure: which student (absent for a rule that reads only the programme), which
    /// programme (absent for an eligibility rule), what error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
    pub error: String,
}
