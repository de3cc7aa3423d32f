//! Turns the engine's output into the routing result: each student's placement with the reason for
//! every preference ranked above it, each programme's fill and cut-offs, and the summary. The
//! result is built whole ([`Routed::result`]) or one student at a time ([`Routed::placement`]), as
//! the streaming writer (`write.rs`) does.
//!
//! A `full` explanation quotes the cut-off that applied to the student (see
//! [`Reason::Full`]): the engine guarantees, by stability, that the student's own (points, lottery)
//! falls below it.

use super::engine::{EngineOutput, ProgrammeOutcome, Standing};
use super::evaluate::{Eligibility, Evaluated, Preference};
use super::instance::Instance;
use super::record::StudentRecord;
use super::result::{NotPlaced, Placement, ProgrammeResult, Reason, RoutingResult, Summary};
use super::validate::Checked;

/// An instance routed: everything the result is made of. Rule names, ids and codes are taken from
/// the instance, where `checked` copied them from.
pub struct Routed<'a, St> {
    pub instance: &'a Instance<St>,
    pub checked: Checked,
    pub evaluated: Evaluated,
    pub output: EngineOutput,
}

impl<'a, St: StudentRecord> Routed<'a, St> {
    /// Builds the whole result, its texts of type `S` made from the instance's (`String`, or
    /// `&str` to borrow them).
    pub fn result<S: From<&'a str>>(self) -> RoutingResult<S> {
        let placements = (0..self.instance.students.len())
            .map(|i| self.placement(i, Vec::new()))
            .collect();
        RoutingResult {
            placements,
            programmes: self.programmes(),
            summary: self.summary(),
            warnings: self.evaluated.warnings,
        }
    }

    /// The counts.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            students: self.instance.students.len() as u64,
            eligible: 0,
            placed: 0,
            unplaced: 0,
        };
        for (eligibility, placed) in self.evaluated.eligibility.iter().zip(&self.output.placements) {
            if *eligibility == Eligibility::Eligible {
                summary.eligible += 1;
                // The engine places a student only in a programme of their list.
                summary.placed += u64::from(placed.is_some());
            }
        }
        summary.unplaced = summary.eligible - summary.placed;
        summary
    }

    /// Every programme's fill and cut-offs, in input order.
    pub fn programmes<S: From<&'a str>>(&self) -> Vec<ProgrammeResult<S>> {
        let instance: &'a Instance<St> = self.instance;
        instance
            .programmes
            .iter()
            .zip(&self.output.programmes)
            .map(|(p, outcome)| programme_result(S::from(p.code.as_str()), p.capacity, outcome))
            .collect()
    }

    /// Student `i`'s placement; its reasons are put in `reasons` (given empty, so that a caller
    /// writing one student at a time can reuse one vector).
    pub fn placement<S: From<&'a str>>(&self, i: usize, reasons: Vec<NotPlaced<S>>) -> Placement<S> {
        let instance: &'a Instance<St> = self.instance;
        match self.evaluated.eligibility[i] {
            Eligibility::Ineligible(rule) => {
                let rule = instance.rules.eligibility[rule].name.as_str();
                Placement {
                    student: S::from(instance.students[i].id()),
                    programme: None,
                    choice: None,
                    points: None,
                    lottery: self.checked.lotteries[i],
                    not_placed_higher: ineligible(instance, self.checked.listed(i), rule, reasons),
                }
            }
            Eligibility::Eligible => self.placed(i, reasons),
        }
    }

    fn placed<S: From<&'a str>>(&self, i: usize, mut not_placed_higher: Vec<NotPlaced<S>>) -> Placement<S> {
        let instance: &'a Instance<St> = self.instance;
        let listed = self.checked.listed(i);
        let statuses = self.evaluated.statuses(i);
        let got = self.output.placements[i].and_then(|p| listed.iter().position(|&q| q == p));
        not_placed_higher.reserve(got.unwrap_or(listed.len()));
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
                    let outcome = &self.output.programmes[p as usize];
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
            student: S::from(instance.students[i].id()),
            programme: got.map(|j| S::from(instance.programmes[listed[j] as usize].code.as_str())),
            choice: got.map(|j| j as u32 + 1),
            points,
            lottery: self.checked.lotteries[i],
            not_placed_higher,
        }
    }
}

/// Every preference of an ineligible student names the eligibility rule; without preferences, one
/// entry without a programme does.
fn ineligible<'a, S: From<&'a str>, St>(
    instance: &'a Instance<St>,
    preferences: &[u32],
    rule: &'a str,
    mut reasons: Vec<NotPlaced<S>>,
) -> Vec<NotPlaced<S>> {
    let reason = || Reason::Ineligible { rule: S::from(rule) };
    if preferences.is_empty() {
        reasons.push(NotPlaced {
            programme: None,
            choice: None,
            reason: reason(),
        });
        return reasons;
    }
    reasons.extend((1u32..).zip(preferences).map(|(choice, &p)| NotPlaced {
        programme: Some(S::from(instance.programmes[p as usize].code.as_str())),
        choice: Some(choice),
        reason: reason(),
    }));
    reasons
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
