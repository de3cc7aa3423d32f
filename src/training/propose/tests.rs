use chrono::Utc;

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

/// A Monday.
const TODAY: &str = "2027-01-04";

fn base(id: i32, name: &str, town: &str, open_days: &str) -> training_base::Model {
    training_base::Model {
        id,
        school_id: None,
        name: name.into(),
        address: town.into(),
        town: town.into(),
        open_days: open_days.into(),
        created_at: Utc::now(),
    }
}

fn venue(id: i32, base_id: i32, seats: i32) -> venue::Model {
    venue::Model {
        id,
        base_id,
        name: format!("场地{id}"),
        seats,
    }
}

fn teacher(id: i32, skill: &str) -> Teacher {
    Teacher {
        model: instructor::Model {
            id,
            name: format!("讲师{id}"),
            phone: None,
            skills: "[]".into(),
            unavailable: "[]".into(),
            created_at: Utc::now(),
        },
        skills: vec![skill.into()],
        away: Vec::new(),
    }
}

fn pastry(min_cohort: i32, max_cohort: i32) -> course::Model {
    course::Model {
        id: 7,
        title: "中式面点制作".into(),
        skill_area: "中式烹调".into(),
        hours: 18,
        min_cohort,
        max_cohort,
        household_first: false,
        description: String::new(),
        completion_share: 80,
        created_at: Utc::now(),
    }
}

fn session(venue_id: i32, from: &str, to: &str) -> training_session::Model {
    training_session::Model {
        id: 99,
        course_id: 1,
        venue_id,
        instructor_id: 50,
        starts_on: d(from),
        ends_on: d(to),
        capacity: 10,
        confirmed: 0,
        arrivals: 0,
        status: entity::training_session::SessionStatus::Scheduled,
        created_by: String::new(),
        created_at: Utc::now(),
    }
}

/// The county of the issue: the vocational school's base in 孝义街道 (set up first, 40 seats, open
/// on weekdays) and a base in 回郭镇 with a 24-seat kitchen, open every day.
struct County {
    bases: Vec<training_base::Model>,
    venues: Vec<venue::Model>,
    teachers: Vec<Teacher>,
    blackouts: Vec<blackout::Model>,
    busy: Vec<training_session::Model>,
}

fn county() -> County {
    County {
        bases: vec![
            base(1, "第一职校实训基地", "孝义街道", "12345"),
            base(2, "回郭镇实训基地", "回郭镇", "1234567"),
        ],
        venues: vec![venue(1, 1, 40), venue(2, 2, 24)],
        teachers: vec![teacher(1, "中式烹调")],
        blackouts: Vec::new(),
        busy: Vec::new(),
    }
}

fn run(c: &County, course: &course::Model, towns: &[&str]) -> Outcome {
    let supply = Supply {
        bases: &c.bases,
        venues: &c.venues,
        teachers: &c.teachers,
        blackouts: &c.blackouts,
        busy: &c.busy,
    };
    choose(course, towns, &supply, d(TODAY))
}

fn proposed(o: Outcome) -> Choice {
    match o {
        Outcome::Proposed(c) => c,
        other => panic!("expected a proposal, got {other:?}"),
    }
}

fn reason(o: Outcome) -> Reason {
    match o {
        Outcome::Blocked { reason, .. } => reason,
        other => panic!("expected no proposal, got {other:?}"),
    }
}

#[test]
fn towns_compare_without_spaces_or_their_administrative_suffix() {
    assert_eq!(town_key("回郭镇"), "回郭");
    assert_eq!(town_key(" 回 郭 "), "回郭");
    assert_eq!(town_key("孝义街道"), "孝义");
    assert_eq!(town_key("孝义街道办事处"), "孝义");
    assert_eq!(town_key("大峪沟乡"), "大峪沟");
    assert_eq!(town_key("镇"), "镇", "a bare suffix stays");
}

#[test]
fn a_base_must_open_on_enough_days_in_a_row() {
    assert!(opens_for("12345", 5));
    assert!(!opens_for("12345", 6));
    assert!(!opens_for("67", 3));
    assert!(opens_for("67", 2));
    assert!(opens_for("17", 2), "Sunday then Monday");
    assert!(opens_for("1234567", 30));
}

#[test]
fn ten_farmers_of_huiguo_get_the_huiguo_base_not_the_first_one_set_up() {
    let c = county();
    let towns = ["回郭镇"; 10];
    let choice = proposed(run(&c, &pastry(10, 24), &towns));
    assert_eq!((choice.base_id, choice.plan.venue_id), (2, 2));
    assert_eq!(choice.near, 10);
    assert_eq!(choice.plan.capacity, 10);
    assert_eq!(choice.plan.starts_on, d("2027-01-11"), "a week ahead");
    assert_eq!(choice.plan.ends_on, d("2027-01-13"), "18 hours: three days");
    assert!(choice.passed_over.is_empty());
    // Typed without 镇, or with a stray space: the same town.
    let typed = [
        "回郭",
        "回郭 镇",
        "回郭镇",
        "回郭",
        "回郭",
        "回郭",
        "回郭",
        "回郭",
        "回郭",
        "孝义街道",
    ];
    assert_eq!(proposed(run(&c, &pastry(10, 24), &typed)).base_id, 2);
}

#[test]
fn most_farmers_decide_and_ties_go_to_the_base_set_up_first() {
    let c = county();
    let mut towns = vec!["孝义街道"; 6];
    towns.extend(["回郭镇"; 4]);
    assert_eq!(proposed(run(&c, &pastry(10, 24), &towns)).base_id, 1);
    let even = [["孝义街道"; 5], ["回郭镇"; 5]].concat();
    assert_eq!(proposed(run(&c, &pastry(10, 24), &even)).base_id, 1);
    let elsewhere = ["米河镇"; 10];
    assert_eq!(proposed(run(&c, &pastry(10, 24), &elsewhere)).base_id, 1);
}

#[test]
fn a_nearest_base_that_cannot_host_is_passed_over_with_its_reason() {
    let mut c = county();
    // The kitchen is booked for the whole horizon.
    c.busy = vec![session(2, "2027-01-05", "2027-03-31")];
    let choice = proposed(run(&c, &pastry(10, 24), &["回郭镇"; 10]));
    assert_eq!(choice.base_id, 1);
    assert_eq!(choice.near, 0);
    assert_eq!(choice.passed_over.len(), 1);
    assert_eq!(choice.passed_over[0].base_id, 2);
    assert_eq!(choice.passed_over[0].near, 10);
    assert_eq!(
        choice.passed_over[0].reason,
        Reason::NoFreeDays {
            from: d("2027-01-11"),
            until: d("2027-03-08"),
            blackouts: Vec::new()
        }
    );
    // Open on weekends only: never three days in a row.
    let mut c = county();
    c.bases[1].open_days = "67".into();
    let choice = proposed(run(&c, &pastry(10, 24), &["回郭镇"; 10]));
    assert_eq!(choice.base_id, 1);
    assert_eq!(
        choice.passed_over[0].reason,
        Reason::BaseClosed {
            days: 3,
            open_days: "67".into()
        }
    );
}

#[test]
fn each_reason_for_no_proposal_is_typed() {
    let mut c = county();
    c.teachers = vec![teacher(1, "电工")];
    assert_eq!(
        reason(run(&c, &pastry(10, 24), &["回郭镇"; 10])),
        Reason::NoInstructor {
            skill: "中式烹调".into()
        }
    );
    let mut c = county();
    c.bases.clear();
    assert_eq!(reason(run(&c, &pastry(10, 24), &["回郭镇"; 10])), Reason::NoBase);
    let c = county();
    assert_eq!(
        reason(run(&c, &pastry(50, 60), &["回郭镇"; 50])),
        Reason::NoVenue {
            min_cohort: 50,
            largest: 40
        },
        "the largest venue of any base"
    );
    let mut c = county();
    c.bases[0].open_days = "6".into();
    c.bases[1].open_days = "67".into();
    assert_eq!(
        reason(run(&c, &pastry(10, 24), &["回郭镇"; 10])),
        Reason::BaseClosed {
            days: 3,
            open_days: "67".into()
        }
    );
    let mut c = county();
    c.blackouts = vec![blackout::Model {
        id: 1,
        name: "春耕".into(),
        starts_on: d("2027-01-01"),
        ends_on: d("2027-04-01"),
    }];
    let Outcome::Blocked { reason: why, bases } = run(&c, &pastry(10, 24), &["回郭镇"; 10]) else {
        panic!("blocked by the blackout");
    };
    assert_eq!(
        why,
        Reason::NoFreeDays {
            from: d("2027-01-11"),
            until: d("2027-03-08"),
            blackouts: vec!["春耕".into()]
        }
    );
    assert_eq!(
        bases.iter().map(|b| b.base_id).collect::<Vec<_>>(),
        [2, 1],
        "nearest first"
    );
    let mut long = pastry(10, 24);
    long.hours = 400;
    assert!(matches!(
        reason(run(&county(), &long, &["回郭镇"; 10])),
        Reason::TooLong { days: 67, max: 30 }
    ));
}

#[test]
fn reasons_serialise_with_a_stable_code() {
    let r = Reason::NoInstructor {
        skill: "中式烹调".into(),
    };
    let v = serde_json::to_value(&r).unwrap_or_default();
    assert_eq!(v["code"], "no_instructor");
    assert_eq!(v["skill"], "中式烹调");
    let back: Reason = serde_json::from_value(v).unwrap_or(Reason::NoBase);
    assert_eq!(back, r);
    assert_eq!(r.msg().key, "proposal.reason_no_instructor");
}
