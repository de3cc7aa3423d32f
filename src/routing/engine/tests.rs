//! Hand-made cases for the engine: ties, reserves, cut-offs, empty programmes and lists, refusals.

use super::seats::{is_covered, key, points_of, student_of};
use super::*;

fn choice(programme: u32, points: f64, covered: bool) -> Choice {
    Choice {
        programme,
        points,
        covered_by_reserve: covered,
    }
}

fn slot(capacity: u32, reserved: u32) -> ProgrammeSlot {
    ProgrammeSlot { capacity, reserved }
}

/// One programme; each student is (points, lottery, covered) and lists only it.
fn single_programme(seats: ProgrammeSlot, students: &[(f64, f64, bool)]) -> EngineOutput {
    let mut input = EngineInput::new(vec![seats]);
    for &(points, lottery, covered) in students {
        input.push_student(lottery, [choice(0, points, covered)]);
    }
    run(&input).expect("valid input")
}

#[test]
fn a_tie_in_points_is_won_by_the_lower_lottery_number() {
    let out = single_programme(slot(1, 0), &[(50.0, 0.7, false), (50.0, 0.2, false)]);
    assert_eq!(out.placements, vec![None, Some(0)]);
    let cutoff = out.programmes[0].cutoff.expect("full");
    assert_eq!((cutoff.points, cutoff.lottery, cutoff.student), (50.0, 0.2, 1));
}

#[test]
fn equal_lottery_numbers_fall_back_to_the_order_of_the_input() {
    let out = single_programme(slot(1, 0), &[(50.0, 0.5, false), (50.0, 0.5, false)]);
    assert_eq!(out.placements, vec![Some(0), None]);
}

#[test]
fn more_points_beat_a_better_lottery_number_and_negative_points_order_correctly() {
    let out = single_programme(slot(2, 0), &[(-5.0, 0.0, false), (3.0, 0.9, false), (-0.5, 0.5, false)]);
    assert_eq!(out.placements, vec![None, Some(0), Some(0)]);
    assert_eq!(out.programmes[0].cutoff.map(|c| c.points), Some(-0.5));
}

#[test]
fn a_covered_student_admitted_on_merit_does_not_use_a_reserved_seat() {
    // Two seats, one reserved. The covered student tops the list, so sits in the open seat, and the
    // reserved seat still goes to the next covered student ahead of a stronger uncovered one.
    let out = single_programme(slot(2, 1), &[(100.0, 0.1, true), (90.0, 0.2, false), (50.0, 0.3, true)]);
    assert_eq!(out.placements, vec![Some(0), None, Some(0)]);
    assert_eq!(out.programmes[0].reserved_filled, 1);
}

#[test]
fn reserved_seats_nobody_covered_takes_go_back_to_everyone() {
    let out = single_programme(
        slot(2, 2),
        &[(10.0, 0.1, false), (90.0, 0.2, false), (50.0, 0.3, false)],
    );
    assert_eq!(out.placements, vec![None, Some(0), Some(0)]);
    assert_eq!((out.programmes[0].filled, out.programmes[0].reserved_filled), (2, 0));
}

#[test]
fn a_reserve_takes_covered_students_before_stronger_uncovered_ones_once_open_seats_are_gone() {
    let out = single_programme(
        slot(2, 1),
        &[(100.0, 0.1, false), (50.0, 0.2, false), (10.0, 0.3, true)],
    );
    assert_eq!(out.placements, vec![Some(0), None, Some(0)]);
    let p = out.programmes[0];
    assert_eq!(p.reserved_filled, 1);
    assert_eq!(p.cutoff.map(|c| c.student), Some(2), "lowest admitted overall");
    assert_eq!(
        p.open_cutoff.map(|c| c.student),
        Some(0),
        "what an uncovered applicant had to beat"
    );
}

#[test]
fn an_uncovered_student_in_a_given_back_seat_is_the_open_cutoff() {
    let out = single_programme(
        slot(2, 1),
        &[(100.0, 0.1, false), (50.0, 0.2, false), (10.0, 0.3, false)],
    );
    let p = out.programmes[0];
    assert_eq!((p.reserved_filled, p.cutoff.map(|c| c.student)), (0, Some(1)));
    assert_eq!(p.open_cutoff.map(|c| c.student), Some(1));
}

#[test]
fn a_programme_whose_seats_are_all_reserved_and_taken_has_no_seat_open_to_others() {
    let out = single_programme(slot(1, 1), &[(100.0, 0.1, false), (10.0, 0.3, true)]);
    assert_eq!(out.placements, vec![None, Some(0)]);
    assert_eq!(out.programmes[0].open_cutoff, None);
}

#[test]
fn a_zero_capacity_programme_takes_nobody_and_its_applicants_move_on() {
    let mut input = EngineInput::new(vec![slot(0, 0), slot(1, 0)]);
    input.push_student(0.5, [choice(0, 10.0, true), choice(1, 0.0, false)]);
    let out = run(&input).expect("valid input");
    assert_eq!(out.placements, vec![Some(1)]);
    assert_eq!(out.programmes[0].filled, 0);
    assert_eq!(out.programmes[0].cutoff, None);
}

#[test]
fn a_student_without_choices_stays_unplaced() {
    let mut input = EngineInput::new(vec![slot(5, 0)]);
    input.push_student(0.5, []);
    let out = run(&input).expect("valid input");
    assert_eq!(out.placements, vec![None]);
    assert_eq!((out.programmes[0].filled, out.programmes[0].cutoff), (0, None));
}

#[test]
fn a_displaced_student_moves_down_their_own_list() {
    // Student 0 takes P0 first; student 1 has more points there and displaces them to P1.
    let mut input = EngineInput::new(vec![slot(1, 0), slot(1, 0)]);
    input.push_student(0.1, [choice(0, 10.0, false), choice(1, 10.0, false)]);
    input.push_student(0.2, [choice(0, 20.0, false)]);
    let out = run(&input).expect("valid input");
    assert_eq!(out.placements, vec![Some(1), Some(0)]);
}

#[test]
fn the_cutoff_is_none_while_seats_are_left() {
    let out = single_programme(slot(3, 1), &[(10.0, 0.1, true), (20.0, 0.2, false)]);
    assert_eq!(out.programmes[0].filled, 2);
    assert_eq!((out.programmes[0].cutoff, out.programmes[0].open_cutoff), (None, None));
}

#[test]
fn inputs_the_engine_cannot_route_are_refused() {
    let mut over = EngineInput::new(vec![slot(1, 2)]);
    over.push_student(0.1, []);
    assert!(matches!(
        run(&over),
        Err(EngineError::ReservedOverCapacity { programme: 0, .. })
    ));

    let mut unknown = EngineInput::new(vec![slot(1, 0)]);
    unknown.push_student(0.1, [choice(3, 0.0, false)]);
    assert_eq!(
        run(&unknown),
        Err(EngineError::UnknownProgramme {
            student: 0,
            programme: 3
        })
    );

    let mut twice = EngineInput::new(vec![slot(1, 0)]);
    twice.push_student(0.1, [choice(0, 0.0, false), choice(0, 1.0, false)]);
    assert_eq!(
        run(&twice),
        Err(EngineError::RepeatedChoice {
            student: 0,
            programme: 0
        })
    );

    let mut nan = EngineInput::new(vec![slot(1, 0)]);
    nan.push_student(0.1, [choice(0, f64::NAN, false)]);
    assert_eq!(run(&nan), Err(EngineError::NotFinite { student: 0 }));
}

#[test]
fn priority_keys_round_trip_points_student_and_cover() {
    for points in [-1e300, -2.5, -0.0, 0.0, 1e-300, 7.25, 1e300] {
        for (rank, student, covered) in [(0, 3, false), (17, 0, true), (u32::MAX - 1, MAX_STUDENTS as u32, true)] {
            let k = key(points, rank, student, covered);
            assert_eq!(
                (points_of(k), student_of(k), is_covered(k)),
                (points + 0.0, student, covered)
            );
        }
    }
    assert!(key(1.0, 5, 0, false) > key(-1.0, 0, 1, true));
    assert!(key(1.0, 4, 9, false) > key(1.0, 5, 2, true));
}
