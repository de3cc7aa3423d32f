//! The routing engine: student-proposing deferred acceptance with capacities and reserved seats.
//!
//! Pure and allocation-lean: no I/O, no strings, no maps — flat vectors and indices only. Rules are
//! already evaluated by the caller ([`super::rules`]); the engine sees, for each student, the
//! programmes they may take in their order of preference, each with the student's priority points
//! there and whether the programme's reserve covers them. Students who are ineligible or fail a
//! requirement are left out of the choices by the caller, which also explains them.
//!
//! # Priority and ties
//! A programme ranks its applicants by points (higher first), then by lottery number (lower first),
//! then by position in the input (earlier first; this last step only matters when two lottery numbers
//! are equal, which the derived ones practically never are).
//!
//! # The choice rule (minimum-guarantee reserves)
//! From everyone a programme holds or is offered, it keeps: first its open seats
//! (`capacity − reserved`) for the highest priorities among all of them; then its reserved seats for
//! the highest among the remaining students the reserve covers; then reserved seats still empty for
//! the highest among the rest. A covered student admitted on merit therefore sits in an open seat and
//! does not use up a reserved one, and reserved seats nobody covered takes go back to everyone. The
//! rule keeps `min(applicants, capacity)` students, is substitutable, and so deferred acceptance ends
//! in the student-optimal stable matching under it, whatever the order of proposals.
//!
//! # Algorithm
//! McVitie–Wilson style: each student in turn proposes down their list; when a full programme takes
//! a proposer it rejects exactly one student, who continues down their own list at once (a chain, no
//! queue). Per programme, `Seats` (in `seats.rs`) keeps three binary min-heaps of packed 128-bit
//! priority keys (points, lottery rank, student index, reserve cover):
//! `open` (the top `capacity − reserved` of everyone held) and the others split into `covered` and
//! `uncovered`. With one more applicant than seats, the choice rule rejects: the lowest *uncovered*
//! student outside the open seats if there is one, else the lowest student outside the open seats
//! (all of whom are covered). That is one or two heap operations per proposal.
//!
//! Complexity: `O(N log N)` to rank the lotteries, then `O(L log C)` for at most `L` proposals (the
//! total number of choices) on heaps of at most `C` (the largest capacity). Memory: the input (16
//! bytes per choice, 16 per student), a 16-byte key per seat, 12 bytes of state per student during
//! the run and 8 per student for the result. Measured (`cargo bench --bench routing`): about 0.7 s
//! and 210 MiB peak, input included, for 1,000,000 students × 10 choices × 5,000 programmes.

use std::cmp::Reverse;

use self::seats::{Key, Offer, Seats, key, ordered_bits, points_of, student_of};

/// The seats of one programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgrammeSlot {
    /// Total seats.
    pub capacity: u32,
    /// Seats reserved for students the programme's reserve covers (at most `capacity`).
    pub reserved: u32,
}

/// One acceptable programme of a student, with the rules already evaluated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    /// Index into the input's programmes.
    pub programme: u32,
    /// The student's priority points at that programme (finite).
    pub points: f64,
    /// Whether the programme's reserve covers this student.
    pub covered_by_reserve: bool,
}

/// The engine's input, stored flat: one vector of choices for all students, cut by offsets, rather
/// than one vector per student (a million small allocations).
#[derive(Debug, Clone, Default)]
pub struct EngineInput {
    programmes: Vec<ProgrammeSlot>,
    lotteries: Vec<f64>,
    starts: Vec<usize>,
    choices: Vec<Choice>,
}

impl EngineInput {
    /// An input with these programmes and no students yet.
    pub fn new(programmes: Vec<ProgrammeSlot>) -> EngineInput {
        EngineInput::with_capacity(programmes, 0, 0)
    }

    /// Like [`EngineInput::new`], with room for `students` students and `choices` choices in all.
    pub fn with_capacity(programmes: Vec<ProgrammeSlot>, students: usize, choices: usize) -> EngineInput {
        let mut starts = Vec::with_capacity(students + 1);
        starts.push(0);
        EngineInput {
            programmes,
            lotteries: Vec::with_capacity(students),
            starts,
            choices: Vec::with_capacity(choices),
        }
    }

    /// Adds a student with their lottery number (lower wins a tie) and their acceptable programmes,
    /// most preferred first; returns the student's index.
    pub fn push_student(&mut self, lottery: f64, choices: impl IntoIterator<Item = Choice>) -> usize {
        self.lotteries.push(lottery);
        self.choices.extend(choices);
        self.starts.push(self.choices.len());
        self.lotteries.len() - 1
    }

    /// The programmes, by index.
    pub fn programmes(&self) -> &[ProgrammeSlot] {
        &self.programmes
    }

    /// How many students were added.
    pub fn student_count(&self) -> usize {
        self.lotteries.len()
    }

    /// A student's lottery number.
    pub fn lottery(&self, student: usize) -> f64 {
        self.lotteries[student]
    }

    /// A student's choices, most preferred first.
    pub fn choices(&self, student: usize) -> &[Choice] {
        &self.choices[self.starts[student]..self.starts[student + 1]]
    }
}

/// A student's standing at a programme: what a cut-off reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    /// Priority points there.
    pub points: f64,
    /// Lottery number.
    pub lottery: f64,
    /// Index of the student in the input.
    pub student: u32,
}

/// What one programme ended with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgrammeOutcome {
    /// Students admitted.
    pub filled: u32,
    /// Reserve-covered students in reserved seats: those the choice rule admitted in its second
    /// step. Covered students who made the open seats on merit are not counted.
    pub reserved_filled: u32,
    /// The lowest admitted student, when the programme is full (`None` when seats are left, and for
    /// zero capacity). A covered applicant is refused only below this.
    pub cutoff: Option<Standing>,
    /// The lowest admitted student an applicant the reserve does not cover had to beat, when full:
    /// the lowest in an open seat or in a reserved seat given back to everyone. `None` when seats are
    /// left, or when every seat is reserved and taken by covered students (no seat open to others).
    pub open_cutoff: Option<Standing>,
}

/// The engine's result.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOutput {
    /// Per student, the index of the programme they are placed in, or `None`.
    pub placements: Vec<Option<u32>>,
    /// Per programme, by index.
    pub programmes: Vec<ProgrammeOutcome>,
}

/// An input the engine refuses; the instance layer validates first, so these indicate a caller bug.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("programme {programme}: {reserved} reserved seats but a capacity of {capacity}")]
    ReservedOverCapacity {
        programme: u32,
        reserved: u32,
        capacity: u32,
    },
    #[error("student {student}: choice of programme {programme}, which does not exist")]
    UnknownProgramme { student: usize, programme: u32 },
    #[error("student {student}: programme {programme} is listed twice")]
    RepeatedChoice { student: usize, programme: u32 },
    #[error("student {student}: lottery number or points are not finite numbers")]
    NotFinite { student: usize },
    #[error("more than {MAX_STUDENTS} students or {max} choices in all", max = u32::MAX)]
    TooLarge,
}

/// Runs deferred acceptance; see the module documentation for the rule and the algorithm.
pub fn run(input: &EngineInput) -> Result<EngineOutput, EngineError> {
    let demand = validate(input)?;
    let mut seats: Vec<Seats> = input
        .programmes
        .iter()
        .zip(&demand)
        .map(|(slot, demand)| Seats::new(*slot, *demand))
        .collect();
    let mut students = student_states(input);
    for first in 0..students.len() {
        let mut student = first;
        loop {
            let state = &mut students[student];
            if state.next == state.end {
                break; // unplaced
            }
            let choice = input.choices[state.next as usize];
            state.next += 1;
            let key = key(choice.points, state.rank, student as u32, choice.covered_by_reserve);
            match seats[choice.programme as usize].offer(key) {
                Offer::Held => break,
                Offer::Rejected(out) if out == key => {}
                Offer::Rejected(out) => student = student_of(out) as usize,
            }
        }
    }
    Ok(outcome(input, &seats))
}

/// Checks the input and counts, per programme, the applicants covered and not covered by its reserve.
fn validate(input: &EngineInput) -> Result<Vec<[u32; 2]>, EngineError> {
    let n = input.student_count();
    if n > MAX_STUDENTS || input.choices.len() > u32::MAX as usize {
        return Err(EngineError::TooLarge);
    }
    for (programme, slot) in (0u32..).zip(&input.programmes) {
        if slot.reserved > slot.capacity {
            let (reserved, capacity) = (slot.reserved, slot.capacity);
            return Err(EngineError::ReservedOverCapacity {
                programme,
                reserved,
                capacity,
            });
        }
    }
    let mut demand = vec![[0u32; 2]; input.programmes.len()];
    let mut last_seen = vec![u32::MAX; input.programmes.len()];
    for student in 0..n {
        if !input.lotteries[student].is_finite() {
            return Err(EngineError::NotFinite { student });
        }
        for choice in input.choices(student) {
            let programme = choice.programme;
            let Some(seen) = last_seen.get_mut(programme as usize) else {
                return Err(EngineError::UnknownProgramme { student, programme });
            };
            if *seen == student as u32 {
                return Err(EngineError::RepeatedChoice { student, programme });
            }
            if !choice.points.is_finite() {
                return Err(EngineError::NotFinite { student });
            }
            *seen = student as u32;
            let count = &mut demand[programme as usize][usize::from(choice.covered_by_reserve)];
            *count = count.saturating_add(1);
        }
    }
    Ok(demand)
}

/// The most students the engine takes (the index must fit the 31 bits a priority key has for it).
pub const MAX_STUDENTS: usize = (1 << 31) - 1;

/// A student during the run: the next choice to propose to, the end of their list, and the rank of
/// their lottery number (0 best). Kept together so that a proposal touches one place per student.
struct StudentState {
    next: u32,
    end: u32,
    rank: u32,
}

/// Ranks the students by lottery number, then by index, and sets each at the head of their list.
fn student_states(input: &EngineInput) -> Vec<StudentState> {
    let mut packed: Vec<u128> = (0u32..)
        .zip(&input.lotteries)
        .map(|(i, l)| (u128::from(ordered_bits(*l)) << 32) | u128::from(i))
        .collect();
    packed.sort_unstable();
    let mut rank = vec![0u32; packed.len()];
    for (r, p) in (0u32..).zip(&packed) {
        rank[*p as u32 as usize] = r;
    }
    drop(packed);
    // `validate` checked that offsets fit in u32.
    (0..input.student_count())
        .map(|s| StudentState {
            next: input.starts[s] as u32,
            end: input.starts[s + 1] as u32,
            rank: rank[s],
        })
        .collect()
}

fn outcome(input: &EngineInput, seats: &[Seats]) -> EngineOutput {
    let standing = |key: Key| {
        let student = student_of(key);
        Standing {
            points: points_of(key),
            lottery: input.lotteries[student as usize],
            student,
        }
    };
    let mut placements = vec![None; input.student_count()];
    let mut programmes = Vec::with_capacity(seats.len());
    for (programme, held) in (0u32..).zip(seats) {
        for Reverse(key) in held.open.iter().chain(&held.covered).chain(&held.uncovered) {
            placements[student_of(*key) as usize] = Some(programme);
        }
        let (cutoff, open_cutoff) = held.cutoffs();
        programmes.push(ProgrammeOutcome {
            filled: held.filled() as u32,
            reserved_filled: held.covered.len() as u32,
            cutoff: cutoff.map(standing),
            open_cutoff: open_cutoff.map(standing),
        });
    }
    EngineOutput { placements, programmes }
}

mod seats;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
