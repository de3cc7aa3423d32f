//! Reading the ledger at county scale: filtered pages (town, junior-high school, reason, state),
//! why each student is on it (read from the run that left them unplaced), counts per town and
//! school, and the rows of an export. Reads only; crossing off is in [`super::ledger`].

use entity::ledger_entry::{self, CloseReason};
use entity::student;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
};

use super::ledger::{LedgerLine, OpenCount, REASONS, lines_of, reasons_list};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};

/// Which lines: still open, crossed off (by staff), closed because a later round placed them, or all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineState {
    #[default]
    All,
    Open,
    CrossedOff,
    Placed,
    BroughtBack,
    /// Open, with no follow-up for 14 days (as of today).
    Overdue,
}

impl LineState {
    pub const CODES: [&'static str; 6] = ["all", "open", "overdue", "crossed_off", "placed", "brought_back"];

    /// `""`/`all`, `open`, `overdue`, `crossed_off`, `placed`, `brought_back`; anything else is
    /// refused (422).
    pub fn parse(raw: Option<&str>) -> Result<LineState, AppError> {
        match raw.map(str::trim).unwrap_or_default() {
            "" | "all" => Ok(LineState::All),
            "open" => Ok(LineState::Open),
            "crossed_off" => Ok(LineState::CrossedOff),
            "placed" => Ok(LineState::Placed),
            "brought_back" => Ok(LineState::BroughtBack),
            "overdue" => Ok(LineState::Overdue),
            _ => Err(AppError::invalid(
                "state",
                Msg::new("error.choice_invalid").arg("allowed", LineState::CODES.join(", ")),
            )),
        }
    }
}

/// Search criteria, all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub intake_year: Option<i32>,
    pub state: LineState,
    /// The household's town, exactly.
    pub town: Option<String>,
    /// The junior-high school, exactly.
    pub school: Option<String>,
    /// A cross-off reason (implies crossed-off lines).
    pub reason: Option<String>,
}

impl LedgerFilter {
    /// Checks the reason against the known ones (422 otherwise).
    pub fn checked(self) -> Result<LedgerFilter, AppError> {
        if let Some(r) = self
            .reason
            .as_deref()
            .filter(|r| !CloseReason::parse(r).is_some_and(|r| REASONS.contains(&r)))
        {
            return Err(AppError::invalid(
                "reason",
                Msg::new("error.choice_invalid")
                    .arg("allowed", reasons_list())
                    .arg("value", r),
            ));
        }
        Ok(self)
    }

    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(y) = self.intake_year {
            c = c.add(ledger_entry::Column::IntakeYear.eq(y));
        }
        c = match self.state {
            LineState::All => c,
            LineState::Open => c.add(ledger_entry::Column::ClosedAt.is_null()),
            LineState::CrossedOff => c.add(super::ledger::crossed_off_condition()),
            LineState::Placed => c.add(ledger_entry::Column::CloseReason.eq(CloseReason::Placed)),
            LineState::BroughtBack => c.add(ledger_entry::Column::CloseReason.eq(CloseReason::BroughtBack)),
            LineState::Overdue => c.add(super::ledger_follow_ups::overdue_condition(crate::clock::today())),
        };
        if let Some(r) = &self.reason {
            c = c.add(ledger_entry::Column::CloseReason.eq(r.as_str()));
        }
        let mut students = Condition::all();
        if let Some(school) = &self.school {
            students = students.add(student::Column::JuniorHighSchool.eq(school.as_str()));
        }
        if let Some(town) = &self.town {
            let households = crate::student::students::households_in_town(town);
            students = students.add(student::Column::HouseholdId.in_subquery(households));
        }
        if !students.is_empty() {
            let ids = student::Entity::find()
                .select_only()
                .column(student::Column::Id)
                .filter(students)
                .into_query();
            c = c.add(ledger_entry::Column::StudentId.in_subquery(ids));
        }
        c
    }
}

/// One page of lines matching `filter`, oldest first, each with why the student is there.
pub async fn search(
    db: &impl ConnectionTrait,
    filter: &LedgerFilter,
    page: PageRequest,
) -> Result<Page<LedgerLine>, AppError> {
    let paginator = crate::db::filter_by(ledger_entry::Entity::find(), filter.condition())
        .order_by_asc(ledger_entry::Column::Id)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    let entries = paginator.fetch_page(page.page - 1).await?;
    let lines = lines_of(db, entries).await?;
    Ok(Page::new(lines, page, total))
}

/// Every line matching `filter` (for an export), with why each student is there.
pub async fn all(db: &impl ConnectionTrait, filter: &LedgerFilter) -> Result<Vec<LedgerLine>, AppError> {
    let entries = crate::db::filter_by(ledger_entry::Entity::find(), filter.condition())
        .order_by_asc(ledger_entry::Column::Id)
        .all(db)
        .await?;
    let lines = lines_of(db, entries).await?;
    Ok(lines)
}

/// Open lines of the year counted per town and per junior-high school.
pub async fn open_counts(
    db: &impl ConnectionTrait,
    intake_year: Option<i32>,
) -> Result<(Vec<OpenCount>, Vec<OpenCount>, usize), AppError> {
    let lines = super::ledger::list(db, intake_year, true).await?;
    let (by_town, by_school) = super::ledger::counts(&lines);
    Ok((by_town, by_school, lines.len()))
}
