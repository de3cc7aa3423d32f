//! Test helpers: the choice rule written out directly (sort, then fill open, reserved and given-back
//! seats, exactly as DESIGN.md words it), stability checks built on it, and random small inputs.
//! Deliberately naive so that it can be trusted as a reference for the heap-based engine.

use std::cmp::Ordering;

use rand::Rng;
use rand::rngs::StdRng;

use super::{Choice, EngineInput, ProgrammeSlot};

/// One applicant at one programme: (student, points, lottery, covered).
pub type Applicant = (usize, f64, f64, bool);

/// Stronger claim first: more points, then lower lottery, then earlier student.
pub fn stronger(a: &Applicant, b: &Applicant) -> Ordering {
    b.1.total_cmp(&a.1).then(a.2.total_cmp(&b.2)).then(a.0.cmp(&b.0))
}

/// The choice rule: returns (chosen students, how many covered students sit in reserved seats).
pub fn choose(slot: ProgrammeSlot, applicants: &[Applicant]) -> (Vec<usize>, usize) {
    let mut sorted = applicants.to_vec();
    sorted.sort_by(stronger);
    let open = (slot.capacity - slot.reserved) as usize;
    let mut chosen: Vec<Applicant> = sorted.iter().take(open).copied().collect();
    let mut rest: Vec<Applicant> = sorted.iter().skip(open).copied().collect();
    let covered: Vec<Applicant> = rest
        .iter()
        .filter(|a| a.3)
        .take(slot.reserved as usize)
        .copied()
        .collect();
    let reserved_filled = covered.len();
    rest.retain(|a| !covered.iter().any(|c| c.0 == a.0));
    chosen.extend(covered);
    chosen.extend(rest.into_iter().take(slot.reserved as usize - reserved_filled));
    let mut students: Vec<usize> = chosen.iter().map(|a| a.0).collect();
    students.sort_unstable();
    (students, reserved_filled)
}

/// The applicant record of `student` at `programme`, if they listed it.
pub fn applicant(input: &EngineInput, student: usize, programme: u32) -> Option<Applicant> {
    let c = input.choices(student).iter().find(|c| c.programme == programme)?;
    Some((student, c.points, input.lottery(student), c.covered_by_reserve))
}

/// Students held by each programme under `placements`.
pub fn held(input: &EngineInput, placements: &[Option<u32>]) -> Vec<Vec<Applicant>> {
    let mut held = vec![Vec::new(); input.programmes().len()];
    for (s, p) in placements.iter().enumerate() {
        if let Some(p) = p {
            held[*p as usize].push(applicant(input, s, *p).expect("placed only where listed"));
        }
    }
    held
}

/// Position of the placement in the student's list; unplaced is after every choice.
pub fn position(input: &EngineInput, student: usize, placement: Option<u32>) -> usize {
    let choices = input.choices(student);
    placement
        .and_then(|p| choices.iter().position(|c| c.programme == p))
        .unwrap_or(choices.len())
}

/// `Err` naming the first violation of feasibility, individual rationality or of "no blocking
/// pair" under the choice rule.
pub fn check_stable(input: &EngineInput, placements: &[Option<u32>]) -> Result<(), String> {
    let held = held(input, placements);
    for (p, students) in held.iter().enumerate() {
        let slot = input.programmes()[p];
        if students.len() > slot.capacity as usize {
            return Err(format!("programme {p} over capacity"));
        }
        let (chosen, _) = choose(slot, students);
        if chosen.len() != students.len() {
            return Err(format!("programme {p} would not keep everyone it holds"));
        }
    }
    for (s, placement) in placements.iter().enumerate() {
        let mine = position(input, s, *placement);
        for c in &input.choices(s)[..mine] {
            let mut offered = held[c.programme as usize].clone();
            offered.push((s, c.points, input.lottery(s), c.covered_by_reserve));
            let (chosen, _) = choose(input.programmes()[c.programme as usize], &offered);
            if chosen.contains(&s) {
                return Err(format!("student {s} and programme {} block", c.programme));
            }
        }
    }
    Ok(())
}

/// The student-optimal stable matching found by trying every matching (tiny inputs only).
pub fn brute_force_student_optimal(input: &EngineInput) -> Option<Vec<Option<u32>>> {
    let n = input.student_count();
    let mut current = vec![0usize; n];
    let mut stable: Vec<Vec<Option<u32>>> = Vec::new();
    loop {
        let placements: Vec<Option<u32>> = (0..n)
            .map(|s| input.choices(s).get(current[s]).map(|c| c.programme))
            .collect();
        if check_stable(input, &placements).is_ok() {
            stable.push(placements);
        }
        // Next assignment in mixed radix: each student takes a choice or nothing.
        let mut s = 0;
        while s < n && current[s] == input.choices(s).len() {
            current[s] = 0;
            s += 1;
        }
        if s == n {
            break;
        }
        current[s] += 1;
    }
    stable
        .iter()
        .find(|m| {
            stable
                .iter()
                .all(|other| (0..n).all(|s| position(input, s, m[s]) <= position(input, s, other[s])))
        })
        .cloned()
}

/// A random small input: points from a few values so that ties are common, optional reserves.
pub fn random_input(rng: &mut StdRng, students: usize, programmes: usize, distinct_lotteries: bool) -> EngineInput {
    let slots = (0..programmes)
        .map(|_| {
            let capacity = rng.random_range(0..=3);
            ProgrammeSlot {
                capacity,
                reserved: rng.random_range(0..=capacity),
            }
        })
        .collect();
    let mut input = EngineInput::new(slots);
    for _ in 0..students {
        let mut order: Vec<u32> = (0..programmes as u32).collect();
        rand::seq::SliceRandom::shuffle(order.as_mut_slice(), rng);
        let listed = rng.random_range(0..=programmes);
        let choices: Vec<Choice> = order[..listed]
            .iter()
            .map(|&programme| Choice {
                programme,
                points: [0.0, 10.0, 100.0, 110.0][rng.random_range(0..4)],
                covered_by_reserve: rng.random_bool(0.4),
            })
            .collect();
        let lottery = if distinct_lotteries {
            rng.random::<f64>()
        } else {
            f64::from(rng.random_range(0..3u8))
        };
        input.push_student(lottery, choices);
    }
    input
}

/// The engine's placements for a reordered copy of the input, mapped back to the original order.
pub fn run_permuted(input: &EngineInput, permutation: &[usize]) -> Vec<Option<u32>> {
    let mut permuted = EngineInput::new(input.programmes().to_vec());
    for &s in permutation {
        permuted.push_student(input.lottery(s), input.choices(s).iter().copied());
    }
    let output = super::run(&permuted).expect("valid input");
    let mut placements = vec![None; permutation.len()];
    for (new, &old) in permutation.iter().enumerate() {
        placements[old] = output.placements[new];
    }
    placements
}
