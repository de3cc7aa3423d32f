//! `vocpath demo`: fills an empty database with a consistent demo county — three vocational schools
//! and their programmes, 3,000 students from registered households (this year's junior-high
//! graduates routed by a published rule set in a committed run; earlier cohorts with enrolment,
//! graduation, employment and follow-ups), mentors with confirmed assignments and help sessions, and
//! farmer training (bases, courses, instructors, blackouts, sessions with registrations, attendance
//! and certificates). Everything goes through the same services as the portal, so the data obeys
//! every rule. Seeded: the same county each time.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use entity::enums::Role;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::admissions::programmes::{NewSchool, ProgrammeInput, ProgrammeRaw, create_school, save_programme};
use crate::admissions::rule_sets::{create_draft, publish};
use crate::admissions::runs::{RunRequest, commit, dry_run};
use crate::audit::Actor;
use crate::auth::user::{NewUser, create_user};
use crate::error::AppError;
use crate::routing::instance::{PointsSpec, PriorityRule, Rule, Rules};
use crate::state::AppState;
use crate::student::students::new_entry;
use crate::student::timeline::{ContractType, EntryDetails, Evidence, FollowUpOutcome};

/// Mentors per school in the demo: with the default caps, room for every placed student's three
/// mentors (about 600 students a school).
const MENTORS_PER_SCHOOL: usize = 24;

/// Password of every demo account (printed by the command).
pub const DEMO_PASSWORD: &str = "demo-2026-vocpath";

const TOWNS: [&str; 8] = [
    "米河镇",
    "鲁庄镇",
    "站街镇",
    "涉村镇",
    "回郭镇",
    "小关镇",
    "孝义街道",
    "紫荆路街道",
];
const SURNAMES: [char; 16] = [
    '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭',
];
const GIVEN: [char; 20] = [
    '磊', '静', '伟', '芳', '强', '敏', '军', '丽', '洋', '艳', '杰', '娟', '涛', '明', '超', '霞', '辉', '婷', '鹏',
    '雪',
];

fn name(rng: &mut StdRng) -> String {
    let mut s = String::new();
    s.push(SURNAMES[rng.random_range(0..SURNAMES.len())]);
    s.push(GIVEN[rng.random_range(0..GIVEN.len())]);
    if rng.random_bool(0.7) {
        s.push(GIVEN[rng.random_range(0..GIVEN.len())]);
    }
    s
}

/// A valid 18-digit ID (GB 11643 check digit) for a birth date and a running number.
pub fn national_id(birth: NaiveDate, n: usize) -> String {
    let body = format!("410181{}{:03}", birth.format("%Y%m%d"), n % 1000);
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

/// What the demo created, for the command's output.
pub struct Report {
    pub lines: Vec<String>,
}

fn fail(e: AppError) -> String {
    format!("demo: {e}")
}

/// Loads the demo county. Refuses a database that already holds students.
pub async fn load(state: &AppState) -> Result<Report, String> {
    load_sized(state, 3000).await
}

/// [`load`] with `total` students (tests use a small county).
pub async fn load_sized(state: &AppState, total: usize) -> Result<Report, String> {
    let db = &state.db;
    let existing = entity::student::Entity::find()
        .count(db)
        .await
        .map_err(|e| e.to_string())?;
    if existing > 0 {
        return Err(format!(
            "the database already holds {existing} students; `vocpath demo` only fills an empty database (point VOCPATH_DATABASE_URL or VOCPATH_DATA_DIR at a new one)"
        ));
    }
    let actor = Actor::system("demo");
    let mut rng = StdRng::seed_from_u64(2026);
    let today = crate::clock::today();
    let year = today.year();
    let mut lines = Vec::new();

    // Staff accounts.
    let mut accounts = Vec::new();
    for (email, name, role) in [
        ("zhaosheng@demo.vocpath", "招生办 刘老师", "admissions"),
        ("viewer@demo.vocpath", "教育局 查看", "viewer"),
    ] {
        let new = NewUser::parse(email, name, role, Some(DEMO_PASSWORD)).map_err(fail)?;
        create_user(db, &actor, new, state.config.argon2_memory_kib, None)
            .await
            .map_err(fail)?;
        accounts.push(email.to_string());
    }

    // The register: this year's graduates and two earlier cohorts, two children per household.
    let mut csv = String::from(
        "姓名,性别,身份证号,建档立卡编号,户主姓名,镇(街道),村,联系电话,初中学校,毕业年份,中考成绩,升学状态,是否残疾,意向专业\n",
    );
    let skills = [
        "数控技术应用",
        "护理",
        "电子商务",
        "汽车运用与维修",
        "学前教育",
        "中餐烹饪",
    ];
    for i in 0..total {
        let grad_year = if i < total * 8 / 10 {
            year
        } else if i < total * 9 / 10 {
            year - 4
        } else {
            year - 5
        };
        let birth =
            NaiveDate::from_ymd_opt(grad_year - 15, 1 + (i % 12) as u32, 1 + (i % 28) as u32).unwrap_or_default();
        let household = i / 2;
        let town = TOWNS[household % TOWNS.len()];
        let status = if grad_year == year && rng.random_bool(0.18) {
            "普通高中"
        } else if grad_year == year {
            "未升学"
        } else {
            "中职"
        };
        let head: String = [
            SURNAMES[household % SURNAMES.len()],
            GIVEN[(household / SURNAMES.len()) % GIVEN.len()],
        ]
        .iter()
        .collect();
        csv.push_str(&format!(
            "{},,{},41018{household:011},{},{town},{}村,13{:09},巩义市第{}初级中学,{grad_year},{},{status},{},{}\n",
            name(&mut rng),
            national_id(birth, i),
            head,
            ["新庄", "北岭", "东沟", "南河", "西坡", "柏树"][household % 6],
            rng.random_range(0..1_000_000_000u32),
            1 + i % 9,
            rng.random_range(280..620),
            if rng.random_bool(0.03) { "是" } else { "否" },
            skills[rng.random_range(0..skills.len())],
        ));
    }
    let report = crate::student::import::import_now(db, &state.vault, &actor, "demo.csv", csv.into_bytes(), None)
        .await
        .map_err(fail)?;
    if !report.errors.is_empty() {
        return Err(format!("demo register rejected rows: {:?}", report.errors.first()));
    }
    lines.push(format!(
        "{} students in {} households imported",
        report.students.new, report.households.new
    ));

    // Schools and this year's programmes.
    let schools_spec = [
        ("巩义市第一中等职业学校", "孝义街道"),
        ("巩义市第二中等职业学校", "米河镇"),
        ("巩义市职业教育中心", "站街镇"),
    ];
    let programmes_spec = [
        ("数控技术应用", "数控技术应用", 0),
        ("汽车运用与维修", "汽车运用与维修", 0),
        ("电子商务", "电子商务", 1),
        ("学前教育", "学前教育", 1),
        ("护理", "护理", 2),
        ("中餐烹饪", "中餐烹饪", 2),
    ];
    let mut school_ids = Vec::new();
    for (name, town) in schools_spec {
        let s = create_school(db, &actor, NewSchool::parse(name, town, None).map_err(fail)?)
            .await
            .map_err(fail)?;
        school_ids.push(s.id);
    }
    let mut programme_ids = Vec::new();
    for (i, (name, skill, school)) in programmes_spec.iter().enumerate() {
        let raw = ProgrammeRaw {
            school_id: school_ids[*school],
            code: format!("P{:02}", i + 1),
            name: (*name).into(),
            skill_area: (*skill).into(),
            town: schools_spec[*school].1.into(),
            intake_year: i64::from(year),
            capacity: [340, 300, 320, 280, 300, 260][i] * total as i64 / 3000,
            reserved_seats: if i % 2 == 0 { 30 } else { 0 },
            reserved_rule: None,
            requirements: if *name == "护理" {
                vec![Rule {
                    name: "护理专业中考 350 分以上".into(),
                    when: "student.exam_score >= 350.0".into(),
                }]
            } else {
                vec![]
            },
        };
        let p = save_programme(db, &actor, None, ProgrammeInput::parse(raw).map_err(fail)?)
            .await
            .map_err(fail)?;
        programme_ids.push(p.id);
    }
    lines.push(format!(
        "{} schools, {} programmes for {year}",
        school_ids.len(),
        programme_ids.len()
    ));

    // Choices for this year's graduates, then the published rules, a dry run and the commit.
    let students: Vec<entity::student::Model> = entity::student::Entity::find()
        .filter(entity::student::Column::GraduationYear.eq(year))
        .all(db)
        .await
        .map_err(|e| e.to_string())?;
    let now = Utc::now();
    let mut prefs = Vec::new();
    for s in &students {
        let mut picked: Vec<i32> = Vec::new();
        while picked.len() < 3 {
            let p = programme_ids[rng.random_range(0..programme_ids.len())];
            if !picked.contains(&p) {
                picked.push(p);
            }
        }
        for (rank, pid) in picked.into_iter().enumerate() {
            prefs.push(entity::preference::ActiveModel {
                student_id: Set(s.id),
                programme_id: Set(pid),
                rank: Set(rank as i32 + 1),
                confirmed: Set(true),
                created_at: Set(now),
                ..Default::default()
            });
        }
    }
    for chunk in prefs.chunks(1000) {
        entity::preference::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .map_err(|e| e.to_string())?;
    }
    let rules = Rules {
        eligibility: vec![Rule {
            name: "未升入普通高中".into(),
            when: "!student.in_senior_high".into(),
        }],
        priority: vec![
            PriorityRule {
                name: "建档立卡户".into(),
                when: "student.registered_poor".into(),
                points: PointsSpec::Number(100.0),
            },
            PriorityRule {
                name: "本镇就近".into(),
                when: "student.town == programme.town".into(),
                points: PointsSpec::Number(10.0),
            },
            PriorityRule {
                name: "中考成绩".into(),
                when: "true".into(),
                points: PointsSpec::Expression("double(student.exam_score) / 10.0".into()),
            },
        ],
    };
    let set = create_draft(db, &actor, &format!("{year} 年分流规则"), rules)
        .await
        .map_err(fail)?;
    publish(db, &actor, set.id).await.map_err(fail)?;
    let run = dry_run(
        db,
        &actor,
        RunRequest {
            intake_year: year,
            rule_set_id: set.id,
            seed: Some(2026),
        },
    )
    .await
    .map_err(fail)?;
    commit(db, &actor, run.id).await.map_err(fail)?;
    let summary = crate::admissions::runs::summary_of(&run);
    lines.push(format!(
        "routing run committed: {} eligible, {} placed",
        summary.eligible, summary.placed
    ));
    let open: Vec<entity::ledger_entry::Model> = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::ClosedAt.is_null())
        .all(db)
        .await
        .map_err(|e| e.to_string())?;
    // Crossed off with the evidence each reason needs; a student under 16 is not crossed off as
    // working (the service refuses), so the demo says where they moved to instead.
    for (i, l) in open.iter().take(12).enumerate() {
        let (reason, evidence) = [
            ("working", "郑州某电子厂，班主任电话核实"),
            ("moved_away", "随父母迁往广东东莞，村委证明"),
            ("senior_high_late", "补录巩义市第二高级中学"),
        ][i % 3];
        let done = crate::admissions::ledger::cross_off(db, &actor, l.id, reason, Some(evidence)).await;
        match done {
            Err(crate::error::AppError::Conflict(_)) if reason == "working" => {
                crate::admissions::ledger::cross_off(
                    db,
                    &actor,
                    l.id,
                    "moved_away",
                    Some("随父母迁往广东东莞，村委证明"),
                )
                .await
                .map_err(fail)?;
            }
            other => {
                other.map_err(fail)?;
            }
        }
    }

    // Mentors: ten per school, then the proposal confirmed.
    let mut mentor_n = 0;
    for (s, school_id) in school_ids.iter().enumerate() {
        let skills_here: Vec<&str> = programmes_spec.iter().filter(|p| p.2 == s).map(|p| p.1).collect();
        // Enough mentors that every load stays under the county's caps (30 / 50 / 40): each
        // teacher can take every role, a subject teacher in one of the school's skill areas.
        for k in 0..MENTORS_PER_SCHOOL {
            mentor_n += 1;
            let email = format!("mentor{mentor_n:02}@demo.vocpath");
            let new = NewUser::parse(
                &email,
                &format!("{}老师", name(&mut rng)),
                "mentor",
                Some(DEMO_PASSWORD),
            )
            .map_err(fail)?;
            let (u, _) = create_user(db, &actor, new, state.config.argon2_memory_kib, None)
                .await
                .map_err(fail)?;
            let caps = state.config.mentor_caps;
            let roles = ["counsellor", "class_teacher", "subject_teacher"]
                .iter()
                .map(|role| crate::mentor::profiles::RoleCapacity {
                    role: (*role).into(),
                    max: caps.of(role).unwrap_or(1),
                })
                .collect();
            let skill = vec![skills_here[k % skills_here.len()].to_string()];
            let input = crate::mentor::profiles::ProfileInput::parse(
                *school_id,
                roles,
                skill,
                TOWNS[mentor_n % TOWNS.len()],
                true,
                &caps,
            )
            .map_err(fail)?;
            crate::mentor::profiles::save_profile(db, &actor, u.id, input)
                .await
                .map_err(fail)?;
        }
    }
    let mailing = crate::mentor::assignments::Mailing::of(state);
    let view = crate::mentor::assignments::proposal(db, year).await.map_err(fail)?;
    let done = crate::mentor::assignments::confirm(db, &actor, year, &view.digest, mailing)
        .await
        .map_err(fail)?;
    lines.push(format!(
        "{mentor_n} mentors; {} assignments confirmed for {} students",
        done.assignments, done.students
    ));
    // From offer to classroom at the first school: most report, a few decline, reporting closes and
    // the rest are no-shows (their mentors are told); one no-show is brought back directly.
    let first_school: Vec<i32> = entity::programme::Entity::find()
        .filter(entity::programme::Column::IntakeYear.eq(year))
        .filter(entity::programme::Column::SchoolId.eq(school_ids[0]))
        .all(db)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let offers: Vec<entity::placement::Model> = entity::placement::Entity::find()
        .filter(entity::placement::Column::ProgrammeId.is_in(first_school.clone()))
        .all(db)
        .await
        .map_err(|e| e.to_string())?;
    let reported: Vec<i32> = offers.iter().filter(|p| p.id % 20 != 0).map(|p| p.id).collect();
    for chunk in reported.chunks(crate::admissions::follow_through::MAX_BULK) {
        crate::admissions::follow_through::confirm_reported(db, &actor, chunk)
            .await
            .map_err(fail)?;
    }
    let mut declined = 0;
    for p in offers.iter().filter(|p| p.id % 40 == 0) {
        crate::admissions::follow_through::decline(db, &actor, p.id, "chose_work", None)
            .await
            .map_err(fail)?;
        declined += 1;
    }
    let no_shows = crate::admissions::follow_through::close_reporting(db, &mailing, &actor, year, Some(school_ids[0]))
        .await
        .map_err(fail)?;
    let back = entity::placement::Entity::find()
        .filter(entity::placement::Column::ProgrammeId.is_in(first_school))
        .filter(entity::placement::Column::Status.eq("no_show"))
        .one(db)
        .await
        .map_err(|e| e.to_string())?;
    // Bringing them back: the follow-up log of one no-show (a call, then a home visit), placed
    // again and reported — the line closes as brought back; and a dropout still being followed up.
    if let Some(p) = back {
        follow_up(
            db,
            &actor,
            p.student_id,
            "school_staff",
            "班主任 刘老师",
            "phone",
            "家长说孩子想去打工，还在犹豫",
            Some("本周家访"),
        )
        .await?;
        follow_up(
            db,
            &actor,
            p.student_id,
            "mentor",
            "帮扶导师 王老师",
            "home_visit",
            "讲清免学费和助学金政策后，学生愿意回校",
            Some("补办入学"),
        )
        .await?;
        let req = crate::admissions::placements::DirectPlacement::parse(
            p.student_id,
            p.programme_id,
            "班主任家访后学生愿意回校，9 月 12 日补报到",
        )
        .map_err(fail)?;
        let again = crate::admissions::placements::place_directly(db, &actor, req)
            .await
            .map_err(fail)?;
        crate::admissions::follow_through::confirm_reported(db, &actor, &[again.id])
            .await
            .map_err(fail)?;
    }
    if let Some(&leaver) = reported.get(3) {
        crate::admissions::follow_through::record_leaving(
            db,
            &mailing,
            &actor,
            leaver,
            crate::admissions::follow_through::Leaving::Dropout,
            Some("开学一个月后随父母外出务工"),
        )
        .await
        .map_err(fail)?;
        let student = entity::placement::Entity::find_by_id(leaver)
            .one(db)
            .await
            .map_err(|e| e.to_string())?
            .map(|p| p.student_id)
            .unwrap_or_default();
        follow_up(
            db,
            &actor,
            student,
            "town_official",
            "米河镇 李主任",
            "through_village",
            "村委联系上家长，家长说年后回来再商量",
            Some("春节前家访"),
        )
        .await?;
    }
    crate::admissions::programmes::set_admissions_email(
        db,
        &actor,
        school_ids[0],
        Some("zhaosheng@school1.demo.vocpath"),
    )
    .await
    .map_err(fail)?;
    lines.push(format!(
        "reporting at the first school: {} reported, {declined} declined, {no_shows} no-shows (one brought back after a call and a home visit), one dropout being followed up",
        reported.len()
    ));
    // Help sessions for most assignments; some mentees left without contact (overdue).
    let assignments = entity::mentor_assignment::Entity::find()
        .all(db)
        .await
        .map_err(|e| e.to_string())?;
    let mentors: std::collections::HashMap<i32, String> = entity::user::Entity::find()
        .filter(entity::user::Column::Role.eq(Role::Mentor))
        .all(db)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut entries = Vec::new();
    let past = Utc::now() - Duration::days(45);
    entity::mentor_assignment::Entity::update_many()
        .col_expr(entity::mentor_assignment::Column::AssignedAt, Expr::value(past))
        .col_expr(entity::mentor_assignment::Column::Status, Expr::value("accepted"))
        .exec(db)
        .await
        .map_err(|e| e.to_string())?;
    for a in &assignments {
        if !rng.random_bool(0.85) {
            continue;
        }
        let day = today - Duration::days(rng.random_range(1..29));
        let mode = ["home_visit", "phone", "at_school", "online"][rng.random_range(0..4)];
        let mentor_actor = Actor {
            user_id: Some(a.mentor_id),
            label: mentors.get(&a.mentor_id).cloned().unwrap_or_default(),
            client_ip: None,
        };
        entries.push(
            new_entry(
                a.student_id,
                day,
                &EntryDetails::MentorSession {
                    mode: mode.into(),
                    duration_minutes: Some(rng.random_range(20..90)),
                    notes: Some(
                        [
                            "了解学习情况，鼓励按时上课",
                            "家访，了解家庭困难",
                            "电话沟通实习安排",
                            "辅导专业课作业",
                        ][rng.random_range(0..4)]
                        .into(),
                    ),
                    mentor: mentors.get(&a.mentor_id).cloned(),
                },
                None,
                &mentor_actor,
            )
            .map_err(fail)?,
        );
        entity::mentor_assignment::Entity::update_many()
            .col_expr(entity::mentor_assignment::Column::LastContactOn, Expr::value(day))
            .filter(entity::mentor_assignment::Column::Id.eq(a.id))
            .exec(db)
            .await
            .map_err(|e| e.to_string())?;
    }
    let sessions = entries.len();
    for chunk in entries.chunks(400) {
        entity::archive_entry::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .map_err(|e| e.to_string())?;
    }
    lines.push(format!("{sessions} help sessions recorded"));

    // Earlier cohorts: enrolled, graduated, employed or followed up.
    let older = entity::student::Entity::find()
        .filter(entity::student::Column::GraduationYear.lt(year))
        .all(db)
        .await
        .map_err(|e| e.to_string())?;
    let mut archive = Vec::new();
    for s in &older {
        let (school, programme) = (
            schools_spec[s.id as usize % 3].0,
            programmes_spec[s.id as usize % programmes_spec.len()].0,
        );
        let enrolled = NaiveDate::from_ymd_opt(s.graduation_year, 9, 1).unwrap_or(today);
        let graduated = NaiveDate::from_ymd_opt(s.graduation_year + 3, 7, 1).unwrap_or(today);
        archive.push(
            new_entry(
                s.id,
                enrolled,
                &EntryDetails::Enrolment {
                    school: school.into(),
                    programme: programme.into(),
                    class_name: Some(format!("{}级{}班", s.graduation_year, 1 + s.id % 4)),
                },
                None,
                &actor,
            )
            .map_err(fail)?,
        );
        archive.push(
            new_entry(
                s.id,
                graduated,
                &EntryDetails::Graduation {
                    school: school.into(),
                    programme: programme.into(),
                },
                None,
                &actor,
            )
            .map_err(fail)?,
        );
        let roll: f64 = rng.random();
        if roll < 0.62 {
            archive.push(
                new_entry(
                    s.id,
                    graduated + Duration::days(30),
                    &EntryDetails::Employment {
                        employer: [
                            "郑州宇通客车",
                            "巩义市人民医院",
                            "河南中孚实业",
                            "巩义市电商产业园",
                            "郑州富士康",
                        ][rng.random_range(0..5)]
                        .into(),
                        position: "技术员".into(),
                        place: "郑州".into(),
                        monthly_wage: Some(f64::from(rng.random_range(3200..5600))),
                        contract_type: ContractType::FixedTerm,
                        end: None,
                        evidence: Evidence::SchoolVerified,
                    },
                    None,
                    &actor,
                )
                .map_err(fail)?,
            );
        }
        for months in [6u32, 12] {
            let Some(at) = graduated.checked_add_months(chrono::Months::new(months)) else {
                continue;
            };
            if at > today || rng.random_bool(0.35) {
                continue;
            }
            let outcome = if roll < 0.62 {
                FollowUpOutcome::Employed
            } else if roll < 0.72 {
                FollowUpOutcome::FurtherStudy
            } else if roll < 0.85 {
                FollowUpOutcome::NotEmployed
            } else {
                FollowUpOutcome::Unreachable
            };
            archive.push(
                new_entry(
                    s.id,
                    at,
                    &EntryDetails::FollowUp {
                        outcome,
                        wave: Some(months),
                        method: "电话".into(),
                        notes: None,
                    },
                    None,
                    &actor,
                )
                .map_err(fail)?,
            );
        }
    }
    for chunk in archive.chunks(400) {
        entity::archive_entry::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .map_err(|e| e.to_string())?;
    }
    crate::student::students::refresh_all_statuses(db, today)
        .await
        .map_err(fail)?;
    lines.push(format!(
        "{} graduates of earlier years with their archives",
        older.len()
    ));

    // Farmer training.
    let tr = crate::training::setup::BaseForm {
        school_id: Some(school_ids[1]),
        name: "米河实训基地".into(),
        address: "米河镇工业园区 12 号".into(),
        town: "米河镇".into(),
        open_days: "123456".into(),
        venues: "日光温室大棚: 40\n多媒体教室: 60".into(),
    };
    crate::training::setup::create_base(db, &actor, tr.parse().map_err(fail)?)
        .await
        .map_err(fail)?;
    let tr = crate::training::setup::BaseForm {
        school_id: Some(school_ids[2]),
        name: "站街实训基地".into(),
        address: "站街镇职教路 8 号".into(),
        town: "站街镇".into(),
        open_days: "1234567".into(),
        venues: "实训车间: 30\n烹饪教室: 24".into(),
    };
    crate::training::setup::create_base(db, &actor, tr.parse().map_err(fail)?)
        .await
        .map_err(fail)?;
    let mut course_ids = Vec::new();
    for (title, skill, hours, min, max) in [
        ("日光温室蔬菜种植", "设施蔬菜", 24, 15, 40),
        ("食用菌栽培技术", "食用菌栽培", 18, 12, 40),
        ("农村电商直播带货", "农村电商", 12, 10, 60),
        ("农机维修与保养", "农机维修", 24, 8, 30),
        ("中式面点", "中式烹调", 18, 8, 24),
    ] {
        let f = crate::training::setup::CourseForm {
            title: title.into(),
            skill_area: skill.into(),
            hours: hours.to_string(),
            min_cohort: min.to_string(),
            max_cohort: max.to_string(),
            household_first: true,
            description: String::new(),
            completion_share: String::new(),
        };
        let c = crate::training::setup::create_course(db, &actor, f.parse().map_err(fail)?)
            .await
            .map_err(fail)?;
        course_ids.push(c.id);
    }
    for (n, skills) in [
        ("王建国", "设施蔬菜，食用菌栽培"),
        ("李秀英", "农村电商"),
        ("张师傅", "农机维修"),
        ("赵师傅", "中式烹调"),
    ] {
        let f = crate::training::setup::InstructorForm {
            name: n.into(),
            skills: skills.into(),
            ..Default::default()
        };
        crate::training::setup::create_instructor(db, &actor, f.parse().map_err(fail)?)
            .await
            .map_err(fail)?;
    }
    for (n, from, to) in [
        ("三夏麦收", (year + 1, 5, 25), (year + 1, 6, 15)),
        ("秋收秋种", (year, 9, 20), (year, 10, 10)),
    ] {
        let d = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(today);
        crate::training::setup::create_blackout(db, &actor, (n.into(), d(from), d(to)))
            .await
            .map_err(fail)?;
    }
    let cat = crate::training::setup::catalogue(db).await.map_err(fail)?;
    let venue = |name: &str| cat.venues.iter().find(|v| v.name == name).map(|v| v.id).unwrap_or(0);
    let instructor = |name: &str| {
        cat.instructors
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.id)
            .unwrap_or(0)
    };
    // (course, venue, instructor, starts in days, days, capacity, registrations, moved back by
    // `from` + this many days once registered: held last month, or in its second day today)
    let plan = [
        (0, "日光温室大棚", "王建国", 12, 4, 40, 46, None),
        (2, "多媒体教室", "李秀英", 19, 2, 60, 35, None),
        (3, "实训车间", "张师傅", 26, 4, 30, 12, Some(1)),
        (4, "烹饪教室", "赵师傅", 33, 3, 24, 24, None),
        (1, "日光温室大棚", "王建国", 40, 3, 40, 38, Some(20)),
        (2, "多媒体教室", "李秀英", 47, 2, 60, 52, Some(20)),
    ];
    let mut farmers = 0;
    let mut certificates = 0;
    for (k, (course, v, i, from, days, capacity, regs, held)) in plan.into_iter().enumerate() {
        let mut start = today + Duration::days(from);
        // Skip days the base is closed or blacked out (the scheduler would refuse them).
        let mut session = None;
        for _ in 0..30 {
            let p = crate::training::schedule::Plan {
                course_id: course_ids[course],
                venue_id: venue(v),
                instructor_id: instructor(i),
                starts_on: start,
                ends_on: start + Duration::days(days - 1),
                capacity,
            };
            match crate::training::schedule::create_session(db, &actor, p).await {
                Ok(s) => {
                    session = Some(s);
                    break;
                }
                Err(_) => start += Duration::days(1),
            }
        }
        let Some(session) = session else { continue };
        for r in 0..regs {
            let form = crate::training::registrations::RegistrationForm {
                name: name(&mut rng),
                phone: format!("15{k}{r:08}"),
                town: TOWNS[rng.random_range(0..TOWNS.len())].into(),
                village: "新庄村".into(),
                ..Default::default()
            };
            crate::training::registrations::register(
                db,
                &state.config.rate_limits.public,
                session.id,
                form.parse().map_err(fail)?,
                &format!("10.9.{k}.{}", r % 200),
            )
            .await
            .map_err(fail)?;
            farmers += 1;
        }
        if let Some(back) = held {
            // Moved into the past (last month's, or one in its second day today); attendance taken
            // day by day up to today, certificates as earned.
            let back = Duration::days(from + back);
            entity::training_session::Entity::update_many()
                .col_expr(
                    entity::training_session::Column::StartsOn,
                    Expr::value(session.starts_on - back),
                )
                .col_expr(
                    entity::training_session::Column::EndsOn,
                    Expr::value(session.ends_on - back),
                )
                .filter(entity::training_session::Column::Id.eq(session.id))
                .exec(db)
                .await
                .map_err(|e| e.to_string())?;
            certificates += take_attendance(db, &actor, &mut rng, session.id).await?;
        }
    }
    lines.push(format!(
        "2 training bases, 5 courses, 6 sessions (one in its second day), {farmers} farmer registrations, \
         attendance per day, {certificates} certificates earned (in each finished session one revoked after a correction)"
    ));
    lines.push(training_interest(state, &actor, course_ids[1], &mut rng).await?);

    // The demo's mentor emails are not delivered (marked so); text messages go to the log.
    entity::outbox::Entity::update_many()
        .col_expr(entity::outbox::Column::Status, Expr::value("sent"))
        .col_expr(entity::outbox::Column::SentAt, Expr::value(Utc::now()))
        .col_expr(
            entity::outbox::Column::LastError,
            Expr::value("demo data: marked sent without delivery"),
        )
        .exec(db)
        .await
        .map_err(|e| e.to_string())?;
    lines.push(format!(
        "accounts (password {DEMO_PASSWORD}): {} and mentor01…mentor{mentor_n:02}@demo.vocpath; the first admin is created when the service starts",
        accounts.join(", ")
    ));
    Ok(Report { lines })
}

/// Farmers' interest without a date: enough for 食用菌栽培技术, mostly from 米河镇, which the scheduler
/// proposes at the 米河 base; and enough for a 家政服务员 course nobody can teach yet, which
/// `/training` lists under "why no proposal".
async fn training_interest(
    state: &AppState,
    actor: &crate::audit::Actor,
    mushrooms: i32,
    rng: &mut StdRng,
) -> Result<String, String> {
    let db = &state.db;
    let f = crate::training::setup::CourseForm {
        title: "家政服务员".into(),
        skill_area: "家政服务".into(),
        hours: "24".into(),
        min_cohort: "10".into(),
        max_cohort: "30".into(),
        household_first: true,
        description: String::new(),
        completion_share: String::new(),
    };
    let care = crate::training::setup::create_course(db, actor, f.parse().map_err(fail)?)
        .await
        .map_err(fail)?;
    let groups = [
        (mushrooms, 14, ["米河镇", "米河镇", "鲁庄镇"]),
        (care.id, 11, ["涉村镇"; 3]),
    ];
    for (k, (course, n, towns)) in groups.into_iter().enumerate() {
        for i in 0..n {
            let form = crate::training::registrations::RegistrationForm {
                name: name(rng),
                phone: format!("17{k}{i:08}"),
                town: towns[i % towns.len()].into(),
                village: "后寨村".into(),
                ..Default::default()
            };
            crate::training::interest::register_interest(
                db,
                &state.config.rate_limits.public,
                Some(course),
                &form,
                &format!("10.7.{k}.{i}"),
            )
            .await
            .map_err(fail)?;
        }
    }
    Ok("interest: 14 farmers for 食用菌栽培技术 (a proposal at 米河实训基地), 11 for 家政服务员 (no instructor yet: shown as why no proposal)".into())
}

/// Records a follow-up today on the student's open ledger line (the demo's bringing-back story).
#[expect(clippy::too_many_arguments, reason = "one field each of the follow-up")]
async fn follow_up(
    db: &sea_orm::DatabaseConnection,
    actor: &crate::audit::Actor,
    student: i32,
    who: &str,
    who_name: &str,
    how: &str,
    outcome: &str,
    next_step: Option<&str>,
) -> Result<(), String> {
    let Some(line) = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::StudentId.eq(student))
        .filter(entity::ledger_entry::Column::ClosedAt.is_null())
        .one(db)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    let new = crate::admissions::ledger_follow_ups::FollowUpRaw {
        followed_on: crate::clock::today().to_string(),
        who: who.into(),
        who_name: who_name.into(),
        how: how.into(),
        outcome: outcome.into(),
        next_step: next_step.map(str::to_string),
    }
    .parse(crate::clock::today())
    .map_err(|e| format!("demo: {e:?}"))?;
    crate::admissions::ledger_follow_ups::record(db, actor, line.id, new)
        .await
        .map(|_| ())
        .map_err(|e| format!("demo: {e:?}"))
}

/// Takes a session's attendance day by day up to today as a clerk would (most farmers every day,
/// some missing a day or two, one leaving early), then, once the session is over, a correction
/// found on the sign-in sheet that takes one farmer below the completion share (their certificate
/// is revoked), and the certificates issued. Returns the certificates in force.
async fn take_attendance(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    rng: &mut StdRng,
    session_id: i32,
) -> Result<usize, String> {
    use crate::training::attendance::{DayAttendance, DayEntry, record_day};
    use crate::training::grid::grid;
    let g = grid(db, session_id).await.map_err(fail)?;
    // Each farmer's habit: 0 = every day, 1 = misses one day, 2 = misses about half.
    let habits: Vec<(i32, u8, usize)> = g
        .rows
        .iter()
        .map(|r| {
            let habit = match rng.random_range(0..100) {
                0..80 => 0,
                80..94 => 1,
                _ => 2,
            };
            (r.registration_id, habit, rng.random_range(0..g.days.len().max(1)))
        })
        .collect();
    for (i, d) in g.days.iter().enumerate().filter(|(_, d)| d.open && !d.today) {
        let entries = habits
            .iter()
            .enumerate()
            .map(|(k, (id, habit, missed))| {
                let present = match habit {
                    0 => true,
                    1 => i != *missed,
                    _ => (i + k) % 2 == 0,
                };
                // One farmer leaves early on the first day.
                let hours = (present && i == 0 && k == 1).then(|| (d.hours / 2).max(1));
                DayEntry {
                    registration_id: *id,
                    present,
                    hours,
                }
            })
            .collect();
        let input = DayAttendance {
            day: d.day,
            entries,
            note: None,
        };
        record_day(db, actor, session_id, input).await.map_err(fail)?;
    }
    let after = grid(db, session_id).await.map_err(fail)?;
    if !after.finished {
        return Ok(0);
    }
    crate::training::certificates::issue(db, actor, session_id)
        .await
        .map_err(fail)?;
    let with_certificate = grid(db, session_id).await.map_err(fail)?;
    if let (Some(r), Some(first)) = (
        with_certificate.rows.iter().find(|r| r.certificate.is_some()),
        with_certificate.days.first(),
    ) && with_certificate.days.len() > 1
    {
        let input = DayAttendance {
            day: first.day,
            entries: vec![DayEntry {
                registration_id: r.registration_id,
                present: false,
                hours: None,
            }],
            note: Some("核对签到表：当天请假，未参训".into()),
        };
        record_day(db, actor, session_id, input).await.map_err(fail)?;
    }
    Ok(grid(db, session_id)
        .await
        .map_err(fail)?
        .rows
        .iter()
        .filter(|r| r.certificate.as_ref().is_some_and(|c| c.revoked_at.is_none()))
        .count())
}
