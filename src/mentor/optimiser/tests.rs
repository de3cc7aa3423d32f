//! Behaviours of the mentor assignment optimiser: the hard rules, the preferences, the reasons given,
//! determinism, and checks against brute force and on random instances.

use std::collections::HashMap;

use super::*;
use MentorRole::{ClassTeacher, Counsellor, SubjectTeacher};

fn mentor(id: i32, roles: &[(MentorRole, u32)], skills: &[&str], town: &str) -> MentorInfo {
    MentorInfo {
        id,
        school_id: 1,
        roles: roles.to_vec(),
        skill_areas: skills.iter().map(|s| s.to_string()).collect(),
        home_town: town.to_string(),
    }
}

fn student(id: i32, skill: &str, town: &str) -> StudentNeed {
    StudentNeed {
        student_id: id,
        school_id: 1,
        skill_area: skill.to_string(),
        home_town: town.to_string(),
        declined_by: Vec::new(),
    }
}

fn existing(student_id: i32, mentor_id: i32, role: MentorRole) -> Existing {
    Existing {
        student_id,
        mentor_id,
        role,
    }
}

/// One counsellor and one class teacher with plenty of room, and one subject teacher of `skill`.
fn staff_for(skill: &str) -> Vec<MentorInfo> {
    vec![
        mentor(101, &[(Counsellor, 50)], &[], "Town"),
        mentor(102, &[(ClassTeacher, 50)], &[], "Town"),
        mentor(103, &[(SubjectTeacher, 50)], &[skill], "Town"),
    ]
}

fn mentor_of(p: &Proposal, student_id: i32, role: MentorRole) -> Option<i32> {
    p.assignments
        .iter()
        .find(|a| a.student_id == student_id && a.role == role)
        .map(|a| a.mentor_id)
}

fn new_load(p: &Proposal, mentor_id: i32, role: MentorRole) -> usize {
    p.assignments
        .iter()
        .filter(|a| a.mentor_id == mentor_id && a.role == role)
        .count()
}

fn reasons_of(p: &Proposal, student_id: i32) -> Vec<(MentorRole, UncoveredReason)> {
    p.uncovered
        .iter()
        .find(|u| u.student_id == student_id)
        .map(|u| u.missing.clone())
        .unwrap_or_default()
}

#[test]
fn every_student_gets_a_counsellor_a_class_teacher_and_a_matching_subject_teacher() {
    let p = propose(&staff_for("welding"), &[student(1, "welding", "Town")], &[]);
    assert_eq!(
        p.assignments,
        vec![
            Assignment {
                student_id: 1,
                mentor_id: 101,
                role: Counsellor
            },
            Assignment {
                student_id: 1,
                mentor_id: 102,
                role: ClassTeacher
            },
            Assignment {
                student_id: 1,
                mentor_id: 103,
                role: SubjectTeacher
            },
        ]
    );
    assert!(p.uncovered.is_empty());
}

#[test]
fn the_subject_teacher_teaches_the_programme_skill_area() {
    let mut mentors = staff_for("welding");
    mentors.push(mentor(104, &[(SubjectTeacher, 50)], &["nursing", "cooking"], "Town"));
    let students = [
        student(1, "cooking", "Town"),
        student(2, "welding", "Town"),
        student(3, "cooking", "Town"),
    ];
    let p = propose(&mentors, &students, &[]);
    assert_eq!(mentor_of(&p, 1, SubjectTeacher), Some(104));
    assert_eq!(mentor_of(&p, 2, SubjectTeacher), Some(103));
    assert_eq!(mentor_of(&p, 3, SubjectTeacher), Some(104));
}

#[test]
fn a_student_gets_three_different_people_even_when_one_could_take_every_role() {
    let all = [(Counsellor, 10), (ClassTeacher, 10), (SubjectTeacher, 10)];
    let mentors = [
        mentor(1, &all, &["it"], "A"),
        mentor(2, &all, &["it"], "A"),
        mentor(3, &all, &["it"], "A"),
    ];
    let students: Vec<StudentNeed> = (10..16).map(|id| student(id, "it", "A")).collect();
    let p = propose(&mentors, &students, &[]);
    assert!(p.uncovered.is_empty());
    for s in &students {
        let mut people: Vec<i32> = MentorRole::ALL
            .iter()
            .filter_map(|&r| mentor_of(&p, s.student_id, r))
            .collect();
        people.sort_unstable();
        people.dedup();
        assert_eq!(people.len(), 3, "student {} got {:?}", s.student_id, p.assignments);
    }
}

#[test]
fn a_single_person_able_to_take_every_role_cannot_mentor_one_student_alone() {
    let all = [(Counsellor, 10), (ClassTeacher, 10), (SubjectTeacher, 10)];
    let p = propose(&[mentor(1, &all, &["it"], "A")], &[student(10, "it", "A")], &[]);
    assert!(p.assignments.is_empty());
    assert_eq!(p.uncovered.len(), 1);
}

#[test]
fn a_mentor_from_the_students_home_town_wins_when_loads_tie() {
    let mentors = [
        mentor(1, &[(Counsellor, 5)], &[], "Elsewhere"),
        mentor(2, &[(Counsellor, 5)], &[], "Hometown"),
        mentor(3, &[(Counsellor, 5)], &[], "Faraway"),
        mentor(4, &[(ClassTeacher, 5)], &[], "Elsewhere"),
        mentor(5, &[(SubjectTeacher, 5)], &["it"], "Elsewhere"),
    ];
    let p = propose(&mentors, &[student(10, "it", "Hometown")], &[]);
    assert_eq!(mentor_of(&p, 10, Counsellor), Some(2));
}

#[test]
fn a_lower_load_wins_over_the_home_town() {
    let mentors = [
        mentor(1, &[(Counsellor, 5)], &[], "Elsewhere"),
        mentor(2, &[(Counsellor, 5)], &[], "Hometown"),
        mentor(4, &[(ClassTeacher, 5)], &[], "Elsewhere"),
        mentor(5, &[(SubjectTeacher, 5)], &["it"], "Elsewhere"),
    ];
    let p = propose(
        &mentors,
        &[student(10, "it", "Hometown")],
        &[existing(99, 2, Counsellor)],
    );
    assert_eq!(mentor_of(&p, 10, Counsellor), Some(1));
}

#[test]
fn loads_are_balanced_across_equal_counsellors() {
    let mut mentors = vec![
        mentor(1, &[(Counsellor, 10)], &[], "A"),
        mentor(2, &[(Counsellor, 10)], &[], "B"),
        mentor(3, &[(Counsellor, 10)], &[], "C"),
    ];
    mentors.extend(staff_for("it").into_iter().skip(1));
    let students: Vec<StudentNeed> = (10..16).map(|id| student(id, "it", "Town")).collect();
    let p = propose(&mentors, &students, &[]);
    assert_eq!([1, 2, 3].map(|m| new_load(&p, m, Counsellor)), [2, 2, 2]);
}

#[test]
fn home_town_students_go_to_their_town_while_loads_stay_balanced() {
    let mut mentors = vec![
        mentor(1, &[(Counsellor, 10)], &[], "A"),
        mentor(2, &[(Counsellor, 10)], &[], "B"),
    ];
    mentors.extend(staff_for("it").into_iter().skip(1));
    let students = [
        student(10, "it", "B"),
        student(11, "it", "A"),
        student(12, "it", "B"),
        student(13, "it", "A"),
    ];
    let p = propose(&mentors, &students, &[]);
    assert_eq!(
        [10, 11, 12, 13].map(|s| mentor_of(&p, s, Counsellor)),
        [Some(2), Some(1), Some(2), Some(1)]
    );
}

#[test]
fn maxima_are_never_exceeded_and_the_overflow_is_reported() {
    let mut mentors = vec![
        mentor(1, &[(Counsellor, 2)], &[], "A"),
        mentor(2, &[(Counsellor, 1)], &[], "A"),
    ];
    mentors.extend(staff_for("it").into_iter().skip(1));
    let students: Vec<StudentNeed> = (10..15).map(|id| student(id, "it", "A")).collect();
    let p = propose(&mentors, &students, &[]);
    assert_eq!((new_load(&p, 1, Counsellor), new_load(&p, 2, Counsellor)), (2, 1));
    assert_eq!(p.uncovered.len(), 2);
    assert!(
        p.uncovered
            .iter()
            .all(|u| u.missing == vec![(Counsellor, UncoveredReason::AllFull)])
    );
}

#[test]
fn the_maximum_is_per_role() {
    let both = [(Counsellor, 1), (ClassTeacher, 1)];
    let mentors = [
        mentor(1, &both, &[], "A"),
        mentor(2, &both, &[], "A"),
        mentor(3, &[(SubjectTeacher, 5)], &["it"], "A"),
    ];
    let p = propose(&mentors, &[student(10, "it", "A"), student(11, "it", "A")], &[]);
    assert!(p.uncovered.is_empty());
    assert_eq!(
        [1, 2].map(|m| new_load(&p, m, Counsellor) + new_load(&p, m, ClassTeacher)),
        [2, 2]
    );
}

#[test]
fn existing_assignments_are_kept_and_count_toward_loads() {
    let mut mentors = vec![
        mentor(1, &[(Counsellor, 3)], &[], "A"),
        mentor(2, &[(Counsellor, 3)], &[], "A"),
    ];
    mentors.extend(staff_for("it").into_iter().skip(1));
    let kept = [
        existing(50, 1, Counsellor),
        existing(51, 1, Counsellor),
        existing(52, 1, Counsellor),
    ];
    let mut students: Vec<StudentNeed> = (10..13).map(|id| student(id, "it", "A")).collect();
    students.push(student(50, "it", "A"));
    let p = propose(&mentors, &students, &kept);
    assert_eq!(new_load(&p, 1, Counsellor), 0, "mentor 1 is already at 3 of 3");
    assert_eq!(new_load(&p, 2, Counsellor), 3);
    assert_eq!(
        mentor_of(&p, 50, Counsellor),
        None,
        "the existing counsellor is not repeated"
    );
    assert_eq!(
        mentor_of(&p, 50, ClassTeacher),
        Some(102),
        "only the missing roles are filled"
    );
}

#[test]
fn an_existing_load_above_a_lowered_maximum_is_kept_and_leaves_no_room() {
    let mut mentors = vec![
        mentor(1, &[(Counsellor, 1)], &[], "A"),
        mentor(2, &[(Counsellor, 4)], &[], "A"),
    ];
    mentors.extend(staff_for("it").into_iter().skip(1));
    let kept = [existing(50, 1, Counsellor), existing(51, 1, Counsellor)];
    let p = propose(&mentors, &[student(10, "it", "A")], &kept);
    assert_eq!(mentor_of(&p, 10, Counsellor), Some(2));
}

#[test]
fn students_already_fully_mentored_are_left_alone() {
    let kept = [
        existing(10, 101, Counsellor),
        existing(10, 102, ClassTeacher),
        existing(10, 103, SubjectTeacher),
    ];
    let p = propose(&staff_for("it"), &[student(10, "it", "A")], &kept);
    assert_eq!(p, Proposal::default());
}

#[test]
fn a_new_mentor_is_never_one_the_student_already_has_in_another_role() {
    let both = [(Counsellor, 5), (ClassTeacher, 5)];
    let mentors = [
        mentor(1, &both, &[], "A"),
        mentor(2, &both, &[], "A"),
        mentor(3, &[(SubjectTeacher, 5)], &["it"], "A"),
    ];
    let p = propose(&mentors, &[student(10, "it", "A")], &[existing(10, 1, ClassTeacher)]);
    assert_eq!(mentor_of(&p, 10, Counsellor), Some(2));
}

#[test]
fn mentors_of_another_school_are_never_proposed() {
    let mut other = staff_for("it");
    for m in &mut other {
        m.school_id = 2;
    }
    let p = propose(&other, &[student(10, "it", "A")], &[]);
    assert!(p.assignments.is_empty());
    assert_eq!(reasons_of(&p, 10).len(), 3);
}

#[test]
fn a_school_without_anyone_for_a_role_reports_no_mentor_for_role() {
    let mentors: Vec<MentorInfo> = staff_for("it").into_iter().filter(|m| m.id != 102).collect();
    let p = propose(&mentors, &[student(10, "it", "A")], &[]);
    assert_eq!(
        reasons_of(&p, 10),
        vec![(ClassTeacher, UncoveredReason::NoMentorForRole)]
    );
}

#[test]
fn the_students_own_mentor_is_not_counted_as_able_to_take_a_second_role() {
    let mentors = [
        mentor(1, &[(Counsellor, 5), (ClassTeacher, 5)], &[], "A"),
        mentor(3, &[(SubjectTeacher, 5)], &["it"], "A"),
    ];
    let p = propose(&mentors, &[student(10, "it", "A")], &[existing(10, 1, Counsellor)]);
    assert_eq!(
        reasons_of(&p, 10),
        vec![(ClassTeacher, UncoveredReason::NoMentorForRole)]
    );
}

#[test]
fn a_skill_area_nobody_teaches_reports_no_skill_match() {
    let p = propose(&staff_for("welding"), &[student(10, "nursing", "A")], &[]);
    assert_eq!(
        reasons_of(&p, 10),
        vec![(SubjectTeacher, UncoveredReason::NoSkillMatch)]
    );
}

#[test]
fn capable_mentors_at_their_maximum_report_all_full() {
    let mut mentors = staff_for("it");
    mentors[2].roles = vec![(SubjectTeacher, 1)];
    let p = propose(
        &mentors,
        &[student(10, "it", "A")],
        &[existing(99, 103, SubjectTeacher)],
    );
    assert_eq!(reasons_of(&p, 10), vec![(SubjectTeacher, UncoveredReason::AllFull)]);
}

#[test]
fn every_blocking_role_is_reported() {
    let p = propose(
        &[mentor(1, &[(SubjectTeacher, 0)], &["it"], "A")],
        &[student(10, "cooking", "A")],
        &[],
    );
    assert_eq!(
        reasons_of(&p, 10),
        vec![
            (Counsellor, UncoveredReason::NoMentorForRole),
            (ClassTeacher, UncoveredReason::NoMentorForRole),
            (SubjectTeacher, UncoveredReason::NoSkillMatch),
        ]
    );
}

#[test]
fn two_roles_left_with_only_the_same_free_person_are_reported_all_full() {
    let both = [(Counsellor, 5), (ClassTeacher, 5)];
    let mentors = [
        mentor(1, &both, &[], "A"),
        mentor(3, &[(SubjectTeacher, 5)], &["it"], "A"),
    ];
    let p = propose(&mentors, &[student(10, "it", "A")], &[]);
    assert_eq!(
        reasons_of(&p, 10),
        vec![
            (Counsellor, UncoveredReason::AllFull),
            (ClassTeacher, UncoveredReason::AllFull)
        ]
    );
}

#[test]
fn a_student_who_cannot_be_fully_covered_gets_no_partial_assignment() {
    let mut mentors = staff_for("it");
    mentors.push(mentor(104, &[(SubjectTeacher, 1)], &["cooking"], "A"));
    let students = [
        student(10, "cooking", "A"),
        student(11, "cooking", "A"),
        student(12, "it", "A"),
    ];
    let p = propose(&mentors, &students, &[]);
    let left_out = if mentor_of(&p, 10, SubjectTeacher).is_some() {
        11
    } else {
        10
    };
    assert!(
        p.assignments.iter().all(|a| a.student_id != left_out),
        "{:?}",
        p.assignments
    );
    assert_eq!(
        reasons_of(&p, left_out),
        vec![(SubjectTeacher, UncoveredReason::AllFull)]
    );
    assert_eq!(p.assignments.len(), 6);
}

#[test]
fn capacity_is_not_wasted_on_students_who_cannot_be_completed() {
    // One counsellor place: it must go to the student whose skill area has a subject teacher.
    let mentors = [
        mentor(1, &[(Counsellor, 1)], &[], "A"),
        mentor(2, &[(ClassTeacher, 5)], &[], "A"),
        mentor(3, &[(SubjectTeacher, 5)], &["it"], "A"),
    ];
    let p = propose(&mentors, &[student(10, "cooking", "A"), student(11, "it", "A")], &[]);
    assert_eq!(mentor_of(&p, 11, Counsellor), Some(1));
    let blocking = vec![
        (Counsellor, UncoveredReason::AllFull),
        (SubjectTeacher, UncoveredReason::NoSkillMatch),
    ];
    assert_eq!(reasons_of(&p, 10), blocking, "every role blocking in the end is listed");
}

#[test]
fn the_same_input_in_any_order_gives_the_same_proposal() {
    let mut rng = Lcg(7);
    for _ in 0..20 {
        let mut instance = random_instance(&mut rng, Shape::SMALL);
        let first = propose(&instance.mentors, &instance.students, &instance.existing);
        assert_eq!(
            first,
            propose(&instance.mentors, &instance.students, &instance.existing)
        );
        instance.mentors.reverse();
        instance.students.reverse();
        instance.existing.reverse();
        assert_eq!(
            first,
            propose(&instance.mentors, &instance.students, &instance.existing)
        );
    }
}

#[test]
fn roles_and_reasons_serialise_in_snake_case() {
    let json = serde_json::to_string(&(ClassTeacher, UncoveredReason::NoSkillMatch)).expect("serialises");
    assert_eq!(json, r#"["class_teacher","no_skill_match"]"#);
    let role: MentorRole = serde_json::from_str(r#""subject_teacher""#).expect("parses");
    assert_eq!(role, SubjectTeacher);
}

#[test]
fn random_instances_respect_every_rule() {
    let mut rng = Lcg(2024);
    for shape in [Shape::TINY, Shape::SMALL, Shape::CROWDED] {
        for _ in 0..150 {
            let instance = random_instance(&mut rng, shape);
            let p = propose(&instance.mentors, &instance.students, &instance.existing);
            check_rules(&instance, &p);
        }
    }
}

#[test]
fn no_uncovered_student_could_be_added_with_the_room_left() {
    let mut rng = Lcg(99);
    for shape in [Shape::TINY, Shape::SMALL, Shape::CROWDED] {
        for _ in 0..150 {
            let instance = random_instance(&mut rng, shape);
            let p = propose(&instance.mentors, &instance.students, &instance.existing);
            let mut loads = instance.loads();
            for a in &p.assignments {
                *loads.entry((a.mentor_id, a.role)).or_default() += 1;
            }
            for u in &p.uncovered {
                let s = instance
                    .students
                    .iter()
                    .find(|s| s.student_id == u.student_id)
                    .expect("known student");
                assert!(
                    instance.options(s).iter().all(|option| !instance.fits(option, &loads)),
                    "student {} could still be covered: {instance:?}\n{p:?}",
                    s.student_id
                );
            }
        }
    }
}

#[test]
fn with_single_role_mentors_the_most_students_possible_are_covered() {
    let mut rng = Lcg(31337);
    for _ in 0..300 {
        let mut instance = random_instance(&mut rng, Shape::TINY);
        instance.existing.clear();
        for m in &mut instance.mentors {
            m.roles.truncate(1);
        }
        let p = propose(&instance.mentors, &instance.students, &instance.existing);
        let covered = instance.students.len() - p.uncovered.len();
        assert_eq!(covered, instance.most_coverable(), "{instance:?}\n{p:?}");
    }
}

// ----- random instances, rule checks and brute force -----

/// A small linear congruential generator (Knuth's MMIX constants), so tests need no `rand`.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).expect("31 bits fit") % n.max(1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

#[derive(Debug, Clone, Copy)]
struct Shape {
    schools: usize,
    mentors: usize,
    students: usize,
    towns: usize,
    skills: usize,
    max: usize,
    existing_percent: usize,
}

impl Shape {
    const TINY: Self = Self {
        schools: 1,
        mentors: 4,
        students: 4,
        towns: 2,
        skills: 2,
        max: 3,
        existing_percent: 20,
    };
    const SMALL: Self = Self {
        schools: 2,
        mentors: 12,
        students: 25,
        towns: 3,
        skills: 3,
        max: 6,
        existing_percent: 20,
    };
    const CROWDED: Self = Self {
        schools: 1,
        mentors: 8,
        students: 40,
        towns: 3,
        skills: 2,
        max: 5,
        existing_percent: 30,
    };
}

#[derive(Debug)]
struct Instance {
    mentors: Vec<MentorInfo>,
    students: Vec<StudentNeed>,
    existing: Vec<Existing>,
}

fn random_instance(rng: &mut Lcg, shape: Shape) -> Instance {
    let small = |n: usize| i32::try_from(n).expect("small");
    let mut mentors = Vec::with_capacity(shape.mentors);
    for i in 0..shape.mentors {
        let mut roles = Vec::new();
        for role in MentorRole::ALL {
            if rng.chance(50) {
                roles.push((role, u32::try_from(rng.below(shape.max + 1)).expect("small")));
            }
        }
        if roles.is_empty() {
            roles.push((MentorRole::ALL[rng.below(3)], 1));
        }
        let skill_count = 1 + rng.below(2);
        let skill_areas = (0..skill_count)
            .map(|_| format!("skill{}", rng.below(shape.skills)))
            .collect();
        let school_id = small(rng.below(shape.schools));
        let home_town = format!("town{}", rng.below(shape.towns));
        mentors.push(MentorInfo {
            id: small(1000 + i),
            school_id,
            roles,
            skill_areas,
            home_town,
        });
    }
    let mut students = Vec::with_capacity(shape.students);
    for i in 0..shape.students {
        let school_id = small(rng.below(shape.schools));
        let skill_area = format!("skill{}", rng.below(shape.skills));
        let home_town = format!("town{}", rng.below(shape.towns));
        students.push(StudentNeed {
            student_id: small(i),
            school_id,
            skill_area,
            home_town,
            declined_by: Vec::new(),
        });
    }
    let mut existing = Vec::new();
    for s in &students {
        if !rng.chance(shape.existing_percent) {
            continue;
        }
        let mut taken: Vec<i32> = Vec::new();
        for role in MentorRole::ALL {
            let able: Vec<i32> = mentors
                .iter()
                .filter(|m| m.school_id == s.school_id && m.roles.iter().any(|&(r, _)| r == role))
                .map(|m| m.id)
                .filter(|id| !taken.contains(id))
                .collect();
            if rng.chance(60) && !able.is_empty() {
                let m = able[rng.below(able.len())];
                taken.push(m);
                existing.push(Existing {
                    student_id: s.student_id,
                    mentor_id: m,
                    role,
                });
            }
        }
    }
    Instance {
        mentors,
        students,
        existing,
    }
}

impl Instance {
    fn loads(&self) -> HashMap<(i32, MentorRole), u32> {
        let mut loads = HashMap::new();
        for e in &self.existing {
            *loads.entry((e.mentor_id, e.role)).or_default() += 1;
        }
        loads
    }

    fn max(&self, mentor_id: i32, role: MentorRole) -> Option<u32> {
        let m = self.mentors.iter().find(|m| m.id == mentor_id)?;
        m.roles.iter().find(|&&(r, _)| r == role).map(|&(_, max)| max)
    }

    fn own(&self, s: &StudentNeed) -> Vec<&Existing> {
        self.existing.iter().filter(|e| e.student_id == s.student_id).collect()
    }

    fn missing(&self, s: &StudentNeed) -> Vec<MentorRole> {
        let own = self.own(s);
        MentorRole::ALL
            .into_iter()
            .filter(|&r| !own.iter().any(|e| e.role == r))
            .collect()
    }

    fn eligible(&self, s: &StudentNeed, m: &MentorInfo, role: MentorRole) -> bool {
        m.school_id == s.school_id
            && m.roles.iter().any(|&(r, _)| r == role)
            && (role != SubjectTeacher || m.skill_areas.contains(&s.skill_area))
            && !self.own(s).iter().any(|e| e.mentor_id == m.id)
    }

    /// Every way to fill the student's missing roles with distinct eligible mentors.
    fn options(&self, s: &StudentNeed) -> Vec<Vec<(i32, MentorRole)>> {
        let mut options = vec![Vec::new()];
        for role in self.missing(s) {
            let mut longer = Vec::new();
            for option in &options {
                for m in self.mentors.iter().filter(|m| self.eligible(s, m, role)) {
                    if !option.iter().any(|&(id, _)| id == m.id) {
                        let mut next: Vec<(i32, MentorRole)> = option.clone();
                        next.push((m.id, role));
                        longer.push(next);
                    }
                }
            }
            options = longer;
        }
        options
    }

    fn fits(&self, option: &[(i32, MentorRole)], loads: &HashMap<(i32, MentorRole), u32>) -> bool {
        option
            .iter()
            .all(|&(m, r)| loads.get(&(m, r)).copied().unwrap_or(0) < self.max(m, r).unwrap_or(0))
    }

    /// The largest number of students lacking a role that can all be fully covered (brute force).
    fn most_coverable(&self) -> usize {
        let lacking: Vec<&StudentNeed> = self.students.iter().filter(|s| !self.missing(s).is_empty()).collect();
        let options: Vec<_> = lacking.iter().map(|s| self.options(s)).collect();
        let mut best = 0;
        self.search(&options, 0, &mut self.loads(), &mut best);
        best
    }

    fn search(
        &self,
        options: &[Vec<Vec<(i32, MentorRole)>>],
        covered: usize,
        loads: &mut HashMap<(i32, MentorRole), u32>,
        best: &mut usize,
    ) {
        let Some((first, rest)) = options.split_first() else {
            *best = (*best).max(covered);
            return;
        };
        if covered + options.len() <= *best {
            return;
        }
        for option in first {
            if !self.fits(option, loads) {
                continue;
            }
            option.iter().for_each(|&key| *loads.entry(key).or_default() += 1);
            self.search(rest, covered + 1, loads, best);
            option.iter().for_each(|&key| *loads.entry(key).or_default() -= 1);
        }
        self.search(rest, covered, loads, best);
    }
}

/// Panics, naming the rule, if the proposal breaks one.
fn check_rules(instance: &Instance, p: &Proposal) {
    let mut loads = instance.loads();
    let mut added: HashMap<(i32, MentorRole), u32> = HashMap::new();
    for s in &instance.students {
        let new: Vec<&Assignment> = p.assignments.iter().filter(|a| a.student_id == s.student_id).collect();
        let missing = instance.missing(s);
        let uncovered = p.uncovered.iter().find(|u| u.student_id == s.student_id);
        if missing.is_empty() {
            assert!(
                new.is_empty() && uncovered.is_none(),
                "fully mentored student {} touched",
                s.student_id
            );
            continue;
        }
        match uncovered {
            Some(u) => {
                assert!(
                    new.is_empty(),
                    "uncovered student {} got a partial assignment",
                    s.student_id
                );
                assert!(
                    !u.missing.is_empty(),
                    "student {} uncovered without a reason",
                    s.student_id
                );
                assert!(
                    u.missing.iter().all(|(r, _)| missing.contains(r)),
                    "reason for a role already held"
                );
            }
            None => {
                let mut roles: Vec<MentorRole> = new.iter().map(|a| a.role).collect();
                roles.sort();
                assert_eq!(
                    roles, missing,
                    "student {} not given exactly the missing roles",
                    s.student_id
                );
            }
        }
        let mut people: Vec<i32> = new.iter().map(|a| a.mentor_id).collect();
        people.extend(instance.own(s).iter().map(|e| e.mentor_id));
        let count = people.len();
        people.sort_unstable();
        people.dedup();
        assert_eq!(
            people.len(),
            count,
            "student {} has the same person twice",
            s.student_id
        );
        for a in &new {
            let m = instance
                .mentors
                .iter()
                .find(|m| m.id == a.mentor_id)
                .expect("known mentor");
            assert!(
                instance.eligible(s, m, a.role),
                "mentor {} not eligible for student {}",
                m.id,
                s.student_id
            );
            *added.entry((a.mentor_id, a.role)).or_default() += 1;
        }
    }
    for (&(m, r), &n) in &added {
        let total = loads.entry((m, r)).or_default();
        *total += n;
        assert!(
            *total <= instance.max(m, r).unwrap_or(0),
            "mentor {m} over the maximum as {r:?}"
        );
    }
}

#[test]
fn a_mentor_who_declined_a_student_is_not_proposed_to_them_again() {
    let mentors = [
        mentor(1, &[(MentorRole::Counsellor, 5)], &[], "A"),
        mentor(2, &[(MentorRole::Counsellor, 5)], &[], "B"),
        mentor(3, &[(MentorRole::ClassTeacher, 5)], &[], "A"),
        mentor(4, &[(MentorRole::SubjectTeacher, 5)], &["weld"], "A"),
    ];
    let mut s = student(10, "weld", "A");
    s.declined_by = vec![1];
    let p = propose(&mentors, &[s.clone()], &[]);
    let counsellor: Vec<i32> = p
        .assignments
        .iter()
        .filter(|a| a.role == MentorRole::Counsellor)
        .map(|a| a.mentor_id)
        .collect();
    assert_eq!(
        counsellor,
        vec![2],
        "the home-town mentor declined, so the other one is proposed"
    );
    s.declined_by = vec![1, 2];
    let p = propose(&mentors, &[s], &[]);
    assert!(p.assignments.is_empty());
    assert_eq!(
        p.uncovered[0].missing,
        vec![(MentorRole::Counsellor, UncoveredReason::NoMentorForRole)]
    );
}

#[test]
fn a_school_of_50_mentors_and_600_students_is_covered_within_maxima_with_matching_skills_and_balanced_loads() {
    let skills = ["数控", "护理", "电商", "烹饪"];
    let towns: Vec<String> = (0..10).map(|t| format!("镇{t}")).collect();
    let mut mentors = Vec::new();
    for i in 0..15 {
        mentors.push(mentor(i, &[(MentorRole::Counsellor, 45)], &[], &towns[i as usize % 10]));
        mentors.push(mentor(
            100 + i,
            &[(MentorRole::ClassTeacher, 45)],
            &[],
            &towns[(i as usize + 3) % 10],
        ));
    }
    for i in 0..20 {
        let skill = skills[i as usize % 4];
        mentors.push(mentor(
            200 + i,
            &[(MentorRole::SubjectTeacher, 35)],
            &[skill],
            &towns[i as usize % 10],
        ));
    }
    assert_eq!(mentors.len(), 50);
    let students: Vec<StudentNeed> = (0..600)
        .map(|i| student(1000 + i, skills[i as usize % 4], &towns[(i as usize * 7) % 10]))
        .collect();
    let p = propose(&mentors, &students, &[]);
    assert!(p.uncovered.is_empty(), "{:?}", p.uncovered.first());
    assert_eq!(p.assignments.len(), 1800);
    let mut loads: HashMap<(i32, MentorRole), u32> = HashMap::new();
    for a in &p.assignments {
        *loads.entry((a.mentor_id, a.role)).or_default() += 1;
        let m = mentors.iter().find(|m| m.id == a.mentor_id).expect("mentor");
        let (_, max) = m
            .roles
            .iter()
            .find(|(r, _)| *r == a.role)
            .expect("role the mentor can take");
        assert!(loads[&(a.mentor_id, a.role)] <= *max, "maximum exceeded");
        if a.role == MentorRole::SubjectTeacher {
            let s = students.iter().find(|s| s.student_id == a.student_id).expect("student");
            assert!(m.skill_areas.contains(&s.skill_area), "skill area matches");
        }
    }
    // Balanced: within a role (and a skill area for subject teachers) loads differ by at most one.
    let spread = |ids: Vec<i32>, role: MentorRole| {
        let l: Vec<u32> = ids
            .iter()
            .map(|id| loads.get(&(*id, role)).copied().unwrap_or(0))
            .collect();
        l.iter().max().copied().unwrap_or(0) - l.iter().min().copied().unwrap_or(0)
    };
    assert!(spread((0..15).collect(), MentorRole::Counsellor) <= 1);
    assert!(spread((100..115).collect(), MentorRole::ClassTeacher) <= 1);
    for (k, _) in skills.iter().enumerate() {
        let ids: Vec<i32> = (0..20).filter(|i| *i as usize % 4 == k).map(|i| 200 + i).collect();
        assert!(spread(ids, MentorRole::SubjectTeacher) <= 1);
    }
}
