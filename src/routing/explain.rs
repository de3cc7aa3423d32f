//! Turns the engine's output into the routing result: each student's placement with the reason for
//! every preference ranked above it, each programme's fill and cut-offs, and the summary.
//!
//! A `full` explanation quotes the cut-off that applied to the student (see
//! [`Reason::Full`]): the engine guarantees, by stability, that the student's own (points, lottery)
//! falls below it.

use super::engine::{EngineOutput, ProgrammeOutcome, Standing};
use super::evaluate::{Eligibility, Evaluated, Preference};
use super::instance::Instance;
use super::result::{NotPlaced, Placement, ProgrammeResult, Reason, RoutingResult, Summary};
use super::validate::Checked;

/// Builds the result, its texts of type `S` made from the instance's (`String`, or `&str` to borrow
/// them). Rule names are taken from the instance, where `checked` copied them from.
pub fn explain<'a, S: From<&'a str>>(
    instance: &'a Instance,
    checked: &Checked,
    evaluated: Evaluated,
    output: &EngineOutput,
) -> RoutingResult<S> {
    let mut placements = Vec::with_capacity(instance.students.len());
    let mut summary = Summary {
        students: instance.students.len() as u64,
        eligible: 0,
        placed: 0,
        unplaced: 0,
    };
    for (i, student) in instance.students.iter().enumerate() {
        let lottery = checked.lotteries[i];
        let placement = match evaluated.eligibility[i] {
            Eligibility::Ineligible(rule) => {
                let rule = instance.rules.eligibility[rule].name.as_str();
                Placement {
                    student: S::from(student.id.as_str()),
                    programme: None,
                    choice: None,
                    points: None,
                    lottery,
                    not_placed_higher: ineligible(instance, &checked.preferences[i], rule),
                }
            }
            Eligibility::Eligible => {
                summary.eligible += 1;
                let placed = placed(instance, checked, &evaluated, output, i);
                if placed.programme.is_some() {
                    summary.placed += 1;
                }
                placed
            }
        };
        placements.push(placement);
    }
    summary.unplaced = summary.eligible - summary.placed;
    let programmes = instance
        .programmes
        .iter()
        .zip(&output.programmes)
        .map(|(p, outcome)| programme_result(S::from(p.code.as_str()), p.capacity, outcome))
        .collect();
    RoutingResult {
        placements,
        programmes,
        summary,
        warnings: evaluated.warnings,
    }
}

/// Every preference of an ineligible student names the eligibility rule; without preferences, one
/// entry without a programme does.
fn ineligible<'a, S: From<&'a str>>(instance: &'a Instance, preferences: &[u32], rule: &'a str) -> Vec<NotPlaced<S>> {
    let reason = || Reason::Ineligible { rule: S::from(rule) };
    if preferences.is_empty() {
        return vec![NotPlaced {
            programme: None,
            choice: None,
            reason: reason(),
        }];
    }
    (1u32..)
        .zip(preferences)
        .map(|(choice, &p)| NotPlaced {
            programme: Some(S::from(instance.programmes[p as usize].code.as_str())),
            choice: Some(choice),
            reason: reason(),
        })
        .collect()
}

fn placed<'a, S: From<&'a str>>(
    instance: &'a Instance,
    checked: &Checked,
    evaluated: &Evaluated,
    output: &EngineOutput,
    i: usize,
) -> Placement<S> {
    let listed = &checked.preferences[i];
    let statuses = &evaluated.preferences[i];
    let got = output.placements[i].and_then(|p| listed.iter().position(|&q| q == p));
    let mut not_placed_higher = Vec::with_capacity(got.unwrap_or(listed.len()));
    for (j, (&p, status)) in listed
        .iter()
        .zip(statuses)
        .enumerate()
        .take(got.unwrap_or(listed.len()))
    {
        let reason = match *status {
            Preference::Requirement(rule) => Reason::Requirement {
                rule: S::from(instance.programmes[p as usize].requirements[rule].name.as_str()),
            },
            Preference::Admissible { points, covered } => {
                let outcome = &output.programmes[p as usize];
                let cutoff = if covered { outcome.cutoff } else { outcome.open_cutoff };
                Reason::Full {
                    cutoff_points: cutoff.map(|c| c.points),
                    cutoff_lottery: cutoff.map(|c| c.lottery),
                    points,
                }
            }
        };
        let programme = Some(S::from(instance.programmes[p as usize].code.as_str()));
        not_placed_higher.push(NotPlaced {
            programme,
            choice: Some(j as u32 + 1),
            reason,
        });
    }
    let points = got.and_then(|j| match statuses[j] {
        Preference::Admissible { points, .. } => Some(points),
        Preference::Requirement(_) => None,
    });
    Placement {
        student: S::from(instance.students[i].id.as_str()),
        programme: got.map(|j| S::from(instance.programmes[listed[j] as usize].code.as_str())),
        choice: got.map(|j| j as u32 + 1),
        points,
        lottery: checked.lotteries[i],
        not_placed_higher,
    }
}

fn programme_result<S>(code: S, capacity: u32, outcome: &ProgrammeOutcome) -> ProgrammeResult<S> {
    let same = |a: Option<Standing>, b: Option<Standing>| a.map(|s| s.student) == b.map(|s| s.student);
    let open = if same(outcome.cutoff, outcome.open_cutoff) {
        None
    } else {
        outcome.open_cutoff
    };
    ProgrammeResult {
        code,
        capacity,
        filled: outcome.filled,
        reserved_filled: outcome.reserved_filled,
        cutoff_points: outcome.cutoff.map(|c| c.points),
        cutoff_lottery: outcome.cutoff.map(|c| c.lottery),
        open_cutoff_points: open.map(|c| c.points),
        open_cutoff_lottery: open.map(|c| c.lottery),
    }
}
