//! Property tests on many random small inputs (seeded, so failures reproduce): capacity, stability
//! under the choice rule, no wasted seats, reserves honoured, determinism, independence from the
//! order of the input, and student-optimality against a brute force over every matching.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::reference::{self, Applicant};
use super::*;

const CASES: u64 = 400;

/// Runs `check` on random inputs of up to `students` students and `programmes` programmes.
fn for_random_inputs(students: usize, programmes: usize, check: impl Fn(&EngineInput, &EngineOutput, u64)) {
    for seed in 0..CASES {
        let mut rng = StdRng::seed_from_u64(seed);
        let n = rand::Rng::random_range(&mut rng, 0..=students);
        let p = rand::Rng::random_range(&mut rng, 1..=programmes);
        let input = reference::random_input(&mut rng, n, p, seed % 2 == 0);
        let output = run(&input).expect("valid input");
        check(&input, &output, seed);
    }
}

#[test]
fn no_programme_exceeds_its_capacity_and_the_counts_match_the_choice_rule() {
    for_random_inputs(12, 4, |input, out, seed| {
        let held = reference::held(input, &out.placements);
        for (p, students) in held.iter().enumerate() {
            let slot = input.programmes()[p];
            let outcome = out.programmes[p];
            assert!(students.len() <= slot.capacity as usize, "seed {seed}");
            assert_eq!(outcome.filled as usize, students.len(), "seed {seed}");
            let (_, reserved_filled) = reference::choose(slot, students);
            assert_eq!(
                outcome.reserved_filled as usize, reserved_filled,
                "seed {seed} programme {p}"
            );
        }
    });
}

#[test]
fn no_student_and_programme_would_both_rather_be_matched_to_each_other() {
    for_random_inputs(12, 4, |input, out, seed| {
        if let Err(e) = reference::check_stable(input, &out.placements) {
            panic!("seed {seed}: {e}");
        }
    });
}

#[test]
fn no_seat_is_left_empty_while_a_student_who_wanted_it_got_something_worse() {
    for_random_inputs(12, 4, |input, out, seed| {
        for s in 0..input.student_count() {
            let mine = reference::position(input, s, out.placements[s]);
            for c in &input.choices(s)[..mine] {
                let p = c.programme as usize;
                assert_eq!(out.programmes[p].filled, input.programmes()[p].capacity, "seed {seed}");
            }
        }
    });
}

#[test]
fn reserves_are_honoured_and_refusals_fall_below_the_cutoff_that_applied() {
    for_random_inputs(12, 4, |input, out, seed| {
        for s in 0..input.student_count() {
            let mine = reference::position(input, s, out.placements[s]);
            for c in &input.choices(s)[..mine] {
                let outcome = out.programmes[c.programme as usize];
                let me: Applicant = (s, c.points, input.lottery(s), c.covered_by_reserve);
                let cutoff = if c.covered_by_reserve {
                    let slot = input.programmes()[c.programme as usize];
                    assert_eq!(outcome.reserved_filled, slot.reserved, "seed {seed}: reserve not full");
                    outcome.cutoff
                } else {
                    outcome.open_cutoff
                };
                if let Some(cut) = cutoff {
                    let cut: Applicant = (cut.student as usize, cut.points, cut.lottery, false);
                    assert_eq!(reference::stronger(&cut, &me), std::cmp::Ordering::Less, "seed {seed}");
                }
            }
        }
    });
}

#[test]
fn the_same_input_gives_the_same_output() {
    for_random_inputs(12, 4, |input, out, seed| {
        assert_eq!(&run(input).expect("valid input"), out, "seed {seed}");
    });
}

#[test]
fn the_order_in_which_students_are_listed_does_not_change_the_result() {
    for_random_inputs(12, 4, |input, out, seed| {
        if seed % 2 == 1 {
            return; // tied lotteries: the input order breaks those ties by design
        }
        let mut permutation: Vec<usize> = (0..input.student_count()).collect();
        permutation.shuffle(&mut StdRng::seed_from_u64(seed + 1_000));
        assert_eq!(
            reference::run_permuted(input, &permutation),
            out.placements,
            "seed {seed}"
        );
    });
}

#[test]
fn the_result_is_the_student_optimal_stable_matching() {
    for_random_inputs(6, 3, |input, out, seed| {
        let optimal = reference::brute_force_student_optimal(input)
            .unwrap_or_else(|| panic!("seed {seed}: no student-optimal stable matching"));
        assert_eq!(out.placements, optimal, "seed {seed}");
    });
}
