//! The students of one chunk, evaluated on one thread, and the merge of the chunks, in input
//! order, into the engine's input and the statuses the explanations read.

use crate::routing::engine::{Choice, EngineInput, ProgrammeSlot};
use crate::routing::instance::Instance;

use super::warnings::Warnings;
use super::{Eligibility, Evaluated, Preference};

/// The students `range` of the instance, evaluated; each student's choices and statuses one after
/// the other, cut by the ends (relative to the chunk).
#[derive(Default)]
pub(super) struct Chunk {
    pub(super) choices: Vec<Choice>,
    pub(super) choice_ends: Vec<usize>,
    pub(super) eligibility: Vec<Eligibility>,
    pub(super) statuses: Vec<Preference>,
    pub(super) status_ends: Vec<usize>,
    pub(super) warnings: Warnings,
}

impl Chunk {
    /// A chunk sized for `students` students listing `preferences` preferences in all: the vectors
    /// never grow (they grew by doubling, each time into fresh memory the kernel had to clear).
    pub(super) fn with_capacity(students: usize, preferences: usize) -> Chunk {
        Chunk {
            choices: Vec::with_capacity(preferences),
            choice_ends: Vec::with_capacity(students),
            eligibility: Vec::with_capacity(students),
            statuses: Vec::with_capacity(preferences),
            status_ends: Vec::with_capacity(students),
            warnings: Warnings::default(),
        }
    }

    /// Ends the current student.
    pub(super) fn end_student(&mut self, eligibility: Eligibility) {
        self.eligibility.push(eligibility);
        self.choice_ends.push(self.choices.len());
        self.status_ends.push(self.statuses.len());
    }
}

pub(super) fn merge<St>(
    instance: &Instance<St>,
    lotteries: &[f64],
    chunks: Vec<Chunk>,
    mut warnings: Warnings,
) -> Evaluated {
    let slots = instance
        .programmes
        .iter()
        .map(|p| ProgrammeSlot {
            capacity: p.capacity,
            reserved: p.reserved.as_ref().map_or(0, |r| r.seats),
        })
        .collect();
    let n = instance.students.len();
    let total = chunks.iter().map(|c| c.choices.len()).sum();
    let mut input = EngineInput::with_capacity(slots, n, total);
    let mut eligibility = Vec::with_capacity(n);
    let mut statuses = Vec::with_capacity(chunks.iter().map(|c| c.statuses.len()).sum());
    let mut starts = Vec::with_capacity(n + 1);
    starts.push(0);
    for chunk in chunks {
        let mut from = 0;
        for &end in &chunk.choice_ends {
            input.push_student(
                lotteries[input.student_count()],
                chunk.choices[from..end].iter().copied(),
            );
            from = end;
        }
        let offset = statuses.len();
        starts.extend(chunk.status_ends.iter().map(|end| offset + end));
        statuses.extend(chunk.statuses);
        eligibility.extend(chunk.eligibility);
        warnings.absorb(chunk.warnings);
    }
    Evaluated {
        input,
        eligibility,
        statuses,
        starts,
        warnings: warnings.list,
    }
}
