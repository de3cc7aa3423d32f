//! Proposals and the courses without one as the API answers them: typed objects with the fields
//! and values the page's JSON always had, explained in the reader's language. A typed reason is
//! one object with its `code` and only the fields of that code. Conversions only: no I/O.

use chrono::NaiveDate;
use poem_openapi::Object;

use super::api_types::stamp;
use super::proposal_view::{self, ProposalRow, Unproposed};
use super::propose::{PassedOver, Reason};
use crate::i18n::{Catalogues, Lang};
use crate::pagination::Page;

/// Why no session is proposed for a course, or why a base was passed over: `code` (`no_instructor`,
/// `no_base`, `too_long`, `no_venue`, `base_closed`, `no_free_days`, `dismissed`, `ready`) and the
/// fields of that code.
#[derive(Debug, Clone, Default, Object)]
pub struct ProposalReasonDto {
    pub code: String,
    /// `no_instructor`: the skill area nobody teaches.
    #[oai(skip_serializing_if_is_none)]
    pub skill: Option<String>,
    /// `too_long`, `base_closed`: consecutive days needed.
    #[oai(skip_serializing_if_is_none)]
    pub days: Option<i64>,
    /// `too_long`: the most days a session may span.
    #[oai(skip_serializing_if_is_none)]
    pub max: Option<i64>,
    /// `no_venue`: the course's minimum cohort.
    #[oai(skip_serializing_if_is_none)]
    pub min_cohort: Option<i32>,
    /// `no_venue`: the most seats of any venue looked at.
    #[oai(skip_serializing_if_is_none)]
    pub largest: Option<i32>,
    /// `base_closed`: the base's opening days.
    #[oai(skip_serializing_if_is_none)]
    pub open_days: Option<String>,
    /// `no_free_days`: the horizon searched.
    #[oai(skip_serializing_if_is_none)]
    pub from: Option<NaiveDate>,
    #[oai(skip_serializing_if_is_none)]
    pub until: Option<NaiveDate>,
    /// `no_free_days`: blackouts in the way, by name.
    #[oai(skip_serializing_if_is_none)]
    pub blackouts: Option<Vec<String>>,
    /// `dismissed`: the proposal staff dismissed.
    #[oai(skip_serializing_if_is_none)]
    pub proposal_id: Option<i32>,
    /// `ready`: where and from when a session can be proposed.
    #[oai(skip_serializing_if_is_none)]
    pub base: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub starts_on: Option<NaiveDate>,
}

impl From<&Reason> for ProposalReasonDto {
    fn from(r: &Reason) -> Self {
        let code = |c: &str| ProposalReasonDto {
            code: c.to_string(),
            ..Default::default()
        };
        match r.clone() {
            Reason::NoInstructor { skill } => ProposalReasonDto {
                skill: Some(skill),
                ..code("no_instructor")
            },
            Reason::NoBase => code("no_base"),
            Reason::TooLong { days, max } => ProposalReasonDto {
                days: Some(days),
                max: Some(max),
                ..code("too_long")
            },
            Reason::NoVenue { min_cohort, largest } => ProposalReasonDto {
                min_cohort: Some(min_cohort),
                largest: Some(largest),
                ..code("no_venue")
            },
            Reason::BaseClosed { days, open_days } => ProposalReasonDto {
                days: Some(days),
                open_days: Some(open_days),
                ..code("base_closed")
            },
            Reason::NoFreeDays { from, until, blackouts } => ProposalReasonDto {
                from: Some(from),
                until: Some(until),
                blackouts: Some(blackouts),
                ..code("no_free_days")
            },
            Reason::Dismissed { proposal_id } => ProposalReasonDto {
                proposal_id: Some(proposal_id),
                ..code("dismissed")
            },
            Reason::Ready { base, starts_on } => ProposalReasonDto {
                base: Some(base),
                starts_on: Some(starts_on),
                ..code("ready")
            },
        }
    }
}

/// A nearer base that could not host, with its reason.
#[derive(Debug, Clone, Object)]
pub struct PassedOverDto {
    pub base_id: i32,
    pub base: String,
    pub town: String,
    /// Interested farmers living in the base's town.
    pub near: i32,
    pub reason: ProposalReasonDto,
}

impl From<&PassedOver> for PassedOverDto {
    fn from(b: &PassedOver) -> Self {
        PassedOverDto {
            base_id: b.base_id,
            base: b.base.clone(),
            town: b.town.clone(),
            near: b.near,
            reason: (&b.reason).into(),
        }
    }
}

/// A session the scheduler proposed, named, with why.
#[derive(Debug, Clone, Object)]
pub struct SessionProposalDto {
    pub id: i32,
    pub course_id: i32,
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
    pub interested: i32,
    /// The choice explained in Chinese, as it was made.
    pub why: String,
    /// Interested farmers in the chosen base's town (`null` on older proposals).
    pub near: Option<i32>,
    /// `proposed`, `approved`, `dismissed` or `withdrawn`.
    pub status: String,
    /// The session made of it, once approved.
    pub session_id: Option<i32>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub course: String,
    /// Base and venue.
    pub venue: String,
    pub instructor: String,
    /// The base's town.
    pub town: String,
    pub seats: i32,
    /// Nearer bases that could not host, nearest first.
    pub passed_over: Vec<PassedOverDto>,
    /// Why this base, in lines of text in the reader's language.
    pub explanation: Vec<String>,
}

impl SessionProposalDto {
    fn new(i18n: &Catalogues, lang: Lang, row: ProposalRow) -> SessionProposalDto {
        let explanation = proposal_view::explain(i18n, lang, &row);
        let p = row.proposal;
        SessionProposalDto {
            id: p.id,
            course_id: p.course_id,
            venue_id: p.venue_id,
            instructor_id: p.instructor_id,
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            capacity: p.capacity,
            interested: p.interested,
            why: p.why,
            near: p.near,
            status: p.status.to_string(),
            session_id: p.session_id,
            created_at: stamp(p.created_at),
            course: row.course,
            venue: row.venue,
            instructor: row.instructor,
            town: row.town,
            seats: row.seats,
            passed_over: row.passed_over.iter().map(Into::into).collect(),
            explanation,
        }
    }
}

/// A base tried for a course without a proposal, with its reason in words.
#[derive(Debug, Clone, Object)]
pub struct BaseTriedDto {
    pub base_id: i32,
    pub base: String,
    pub town: String,
    pub near: i32,
    pub reason: ProposalReasonDto,
    pub message: String,
}

/// A course with enough interest and no open proposal, and why.
#[derive(Debug, Clone, Object)]
pub struct UnproposedCourseDto {
    pub course_id: i32,
    pub course: String,
    /// Farmers waiting (not invited, not in a proposal).
    pub waiting: u64,
    pub min_cohort: i32,
    pub reason: ProposalReasonDto,
    /// The reason in words.
    pub message: String,
    /// Each base tried, nearest first (empty when none was tried).
    pub bases: Vec<BaseTriedDto>,
}

impl UnproposedCourseDto {
    fn new(i18n: &Catalogues, lang: Lang, u: &Unproposed) -> UnproposedCourseDto {
        UnproposedCourseDto {
            course_id: u.course_id,
            course: u.course.clone(),
            waiting: u.waiting as u64,
            min_cohort: u.min_cohort,
            reason: (&u.reason).into(),
            message: proposal_view::reason_text(i18n, lang, &u.reason),
            bases: u
                .bases
                .iter()
                .map(|b| BaseTriedDto {
                    base_id: b.base_id,
                    base: b.base.clone(),
                    town: b.town.clone(),
                    near: b.near,
                    reason: (&b.reason).into(),
                    message: proposal_view::passed_over(i18n, lang, b),
                })
                .collect(),
        }
    }
}

/// A page of proposals, and beside it every course without one.
#[derive(Debug, Clone, Object)]
pub struct SessionProposalPage {
    pub items: Vec<SessionProposalDto>,
    /// 1-based page number.
    pub page: u64,
    pub per_page: u64,
    /// Items across all pages.
    pub total: u64,
    /// Number of pages.
    pub pages: u64,
    /// Courses whose interested farmers reach the minimum cohort but that have no open proposal.
    pub without_proposal: Vec<UnproposedCourseDto>,
}

impl SessionProposalPage {
    /// The page of `rows`, explained in `lang`, with `missing` beside it.
    pub fn new(i18n: &Catalogues, lang: Lang, rows: Page<ProposalRow>, missing: &[Unproposed]) -> SessionProposalPage {
        let rows = rows.map(|r| SessionProposalDto::new(i18n, lang, r));
        SessionProposalPage {
            items: rows.items,
            page: rows.page,
            per_page: rows.per_page,
            total: rows.total,
            pages: rows.pages,
            without_proposal: missing
                .iter()
                .map(|u| UnproposedCourseDto::new(i18n, lang, u))
                .collect(),
        }
    }
}
