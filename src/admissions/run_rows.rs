//! The per-student rows of a stored routing run, for the result page, its export and the API: each
//! placement of the stored result joined with the student's name, masked national ID, town and
//! junior-high school, its outcome (placed, unplaced, or not in routing scope) and the filters a
//! clerk narrows them by. Reads only; never writes. The result is one stored document, so rows are
//! built and filtered in memory and only the page asked for leaves this module.

use std::collections::BTreeSet;

use entity::routing_run;
use sea_orm::ConnectionTrait;
use serde::Serialize;

use super::runs::get_run;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};
use crate::routing::result::{NotPlaced, Placement, Reason, RoutingResult};
use crate::student::students::students_with_households;

/// Rows per page on the result page.
pub const PER_PAGE: u64 = 100;

/// Where a student ended up in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Given a seat.
    Placed,
    /// Eligible but left without a seat (goes on the ledger at commit).
    Unplaced,
    /// Left out by an eligibility rule (不在分流范围): neither placed nor on the ledger.
    NotInScope,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Placed, Outcome::Unplaced, Outcome::NotInScope];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Placed => "placed",
            Outcome::Unplaced => "unplaced",
            Outcome::NotInScope => "not_in_scope",
        }
    }

    /// An outcome by its name; anything else is refused naming the allowed values.
    pub fn parse(text: &str) -> Result<Outcome, AppError> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == text).ok_or_else(|| {
            AppError::invalid(
                "outcome",
                Msg::new("error.choice_invalid").arg("allowed", "placed, unplaced, not_in_scope"),
            )
        })
    }

    /// The outcome of one placement: an eligibility refusal means the student was never routed.
    pub fn of(p: &Placement) -> Outcome {
        if p.programme.is_some() {
            Outcome::Placed
        } else if p
            .not_placed_higher
            .iter()
            .any(|r| matches!(r.reason, Reason::Ineligible { .. }))
        {
            Outcome::NotInScope
        } else {
            Outcome::Unplaced
        }
    }
}

/// What to show; each filter left `None` keeps every row.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub outcome: Option<Outcome>,
    /// A programme code (placed there).
    pub programme: Option<String>,
    pub town: Option<String>,
    pub school: Option<String>,
    /// Part of the student's name.
    pub name: Option<String>,
}

/// One student's line of a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub student_id: i32,
    pub name: String,
    pub national_id_masked: String,
    pub town: String,
    pub junior_high_school: String,
    pub outcome: Outcome,
    pub programme: Option<String>,
    pub choice: Option<u32>,
    pub points: Option<f64>,
    pub not_placed_higher: Vec<NotPlaced>,
}

impl RunFilter {
    /// The same filter with text trimmed and empty text meaning "any".
    pub fn normalised(self) -> RunFilter {
        let given = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        RunFilter {
            outcome: self.outcome,
            programme: given(self.programme),
            town: given(self.town),
            school: given(self.school),
            name: given(self.name),
        }
    }

    fn keeps(&self, r: &RunRow) -> bool {
        let same = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        self.outcome.is_none_or(|o| o == r.outcome)
            && same(&self.programme, r.programme.as_deref().unwrap_or_default())
            && same(&self.town, &r.town)
            && same(&self.school, &r.junior_high_school)
            && self.name.as_deref().is_none_or(|n| r.name.contains(n))
    }
}

/// A page of a run's rows and what the page's filters can choose from.
pub struct ResultPage {
    pub run: routing_run::Model,
    pub result: RoutingResult,
    pub rows: Page<RunRow>,
    /// Towns and junior-high schools of the run's students, sorted.
    pub towns: Vec<String>,
    pub schools: Vec<String>,
}

/// One page of run `id`'s rows that pass `filter`.
pub async fn result_page(
    db: &impl ConnectionTrait,
    id: i32,
    filter: &RunFilter,
    req: PageRequest,
) -> Result<ResultPage, AppError> {
    let run = get_run(db, id).await?;
    let result = super::runs::result_of(&run)?;
    let all = rows_of(db, &result).await?;
    let towns: BTreeSet<&str> = all.iter().map(|r| r.town.as_str()).collect();
    let schools: BTreeSet<&str> = all.iter().map(|r| r.junior_high_school.as_str()).collect();
    let (towns, schools) = (
        towns.into_iter().map(str::to_string).collect(),
        schools.into_iter().map(str::to_string).collect(),
    );
    let rows = page_of(all.into_iter().filter(|r| filter.keeps(r)).collect(), req);
    Ok(ResultPage {
        run,
        result,
        rows,
        towns,
        schools,
    })
}

/// Every row of run `id` that passes `filter`, unpaged (for exports).
pub async fn all_rows(db: &impl ConnectionTrait, id: i32, filter: &RunFilter) -> Result<Vec<RunRow>, AppError> {
    let run = get_run(db, id).await?;
    let mut rows = rows_of(db, &super::runs::result_of(&run)?).await?;
    rows.retain(|r| filter.keeps(r));
    Ok(rows)
}

fn page_of(rows: Vec<RunRow>, req: PageRequest) -> Page<RunRow> {
    let total = rows.len() as u64;
    let skip = usize::try_from((req.page - 1).saturating_mul(req.per_page)).unwrap_or(usize::MAX);
    let items = rows.into_iter().skip(skip).take(req.per_page as usize).collect();
    Page::new(items, req, total)
}

/// The student id in a result's `S<id>`.
fn student_id(p: &Placement) -> Option<i32> {
    p.student.strip_prefix('S').and_then(|n| n.parse().ok())
}

/// The result's placements, in result order, with what the database knows of each student. A
/// student deleted since the run keeps their line, without a name.
async fn rows_of(db: &impl ConnectionTrait, result: &RoutingResult) -> Result<Vec<RunRow>, AppError> {
    let ids: Vec<i32> = result.placements.iter().filter_map(student_id).collect();
    let (students, households) = students_with_households(db, &ids).await?;
    Ok(result
        .placements
        .iter()
        .map(|p| {
            let sid = student_id(p).unwrap_or_default();
            let s = students.get(&sid);
            RunRow {
                student_id: sid,
                name: s.map(|s| s.name.clone()).unwrap_or_default(),
                national_id_masked: s.map(|s| s.national_id_masked.clone()).unwrap_or_default(),
                town: s
                    .and_then(|s| households.get(&s.household_id))
                    .map(|h| h.town.clone())
                    .unwrap_or_default(),
                junior_high_school: s.map(|s| s.junior_high_school.clone()).unwrap_or_default(),
                outcome: Outcome::of(p),
                programme: p.programme.clone(),
                choice: p.choice,
                points: p.points,
                not_placed_higher: p.not_placed_higher.clone(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i32, outcome: Outcome, programme: Option<&str>) -> RunRow {
        RunRow {
            student_id: id,
            name: format!("学生{id}"),
            national_id_masked: String::new(),
            town: "米河镇".into(),
            junior_high_school: "一中".into(),
            outcome,
            programme: programme.map(str::to_string),
            choice: None,
            points: None,
            not_placed_higher: Vec::new(),
        }
    }

    #[test]
    fn an_eligibility_refusal_is_not_in_scope_and_a_full_programme_is_unplaced() {
        let ineligible: Placement = serde_json::from_value(serde_json::json!({
            "student": "S1", "programme": null, "choice": null, "points": null, "lottery": 0.5,
            "not_placed_higher": [{"reason": "ineligible", "rule": "not in senior high"}]
        }))
        .expect("placement");
        assert_eq!(Outcome::of(&ineligible), Outcome::NotInScope);
        let full: Placement = serde_json::from_value(serde_json::json!({
            "student": "S2", "programme": null, "choice": null, "points": null, "lottery": 0.5,
            "not_placed_higher": [{"programme": "P01", "choice": 1, "reason": "full",
                                   "cutoff_points": 1.0, "cutoff_lottery": 0.1, "points": 0.0}]
        }))
        .expect("placement");
        assert_eq!(Outcome::of(&full), Outcome::Unplaced);
        assert!(Outcome::parse("ineligible").is_err());
        assert_eq!(Outcome::parse("not_in_scope").expect("known"), Outcome::NotInScope);
    }

    #[test]
    fn filters_combine_and_pages_hold_per_page_rows() {
        let rows: Vec<RunRow> = (1..=250)
            .map(|i| match i % 3 {
                0 => row(i, Outcome::Placed, Some("P01")),
                1 => row(i, Outcome::Unplaced, None),
                _ => row(i, Outcome::NotInScope, None),
            })
            .collect();
        let filter = RunFilter {
            outcome: Some(Outcome::Placed),
            programme: Some("P01".into()),
            name: Some("学生2".into()),
            ..Default::default()
        };
        let kept: Vec<i32> = rows.iter().filter(|r| filter.keeps(r)).map(|r| r.student_id).collect();
        assert!(
            kept.iter().all(|i| i % 3 == 0 && i.to_string().starts_with('2')),
            "{kept:?}"
        );
        let last = page_of(
            rows,
            PageRequest {
                page: 3,
                per_page: PER_PAGE,
            },
        );
        assert_eq!((last.items.len(), last.total, last.pages), (50, 250, 3));
        assert_eq!(last.items[0].student_id, 201);
    }
}
