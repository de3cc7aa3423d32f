//! The demo's farmer training: two bases, five courses and four instructors set up before term
//! (T−40), harvest blackouts, six sessions — one held last month, one in its second day today,
//! four ahead — each with farmers who registered before it began, attendance taken each evening
//! and certificates the day a session ended; and farmers' interest without a date.

use chrono::{Duration, NaiveDate};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::people::name;
use super::retime::on;
use super::{Demo, db_fail, fail};
use crate::training::setup::{self, BaseForm, CourseForm, InstructorForm};

/// Bases, courses, instructors and the harvest blackouts; returns the courses' ids.
async fn catalogue(demo: &Demo<'_>, school_ids: &[i32]) -> Result<Vec<i32>, String> {
    let (db, actor, year) = (demo.db(), &demo.actor, demo.cal.year);
    let training = &demo.county.training;
    for base in &training.bases {
        let form = BaseForm {
            school_id: school_ids.get(base.school).copied(),
            name: base.name.clone(),
            address: base.address.clone(),
            town: base.town.clone(),
            open_days: base.open_days.clone(),
            venues: base.venues.clone(),
        };
        setup::create_base(db, actor, form.parse().map_err(fail)?)
            .await
            .map_err(fail)?;
    }
    let mut course_ids = Vec::new();
    for c in &training.courses {
        let form = course(&c.title, &c.skill_area, c.hours, c.min_cohort, c.max_cohort);
        let c = setup::create_course(db, actor, form.parse().map_err(fail)?)
            .await
            .map_err(fail)?;
        course_ids.push(c.id);
    }
    for i in &training.instructors {
        let f = InstructorForm {
            name: i.name.clone(),
            skills: i.skills.clone(),
            ..Default::default()
        };
        setup::create_instructor(db, actor, f.parse().map_err(fail)?)
            .await
            .map_err(fail)?;
    }
    for b in &training.blackouts {
        let y = year + i32::from(b.next_year);
        let d = |(m, day): (u32, u32)| NaiveDate::from_ymd_opt(y, m, day).unwrap_or(demo.cal.today);
        let blackout = setup::NewBlackout {
            name: b.name.clone(),
            starts_on: d(b.from),
            ends_on: d(b.to),
        };
        setup::create_blackout(db, actor, blackout).await.map_err(fail)?;
    }
    Ok(course_ids)
}

fn course(title: &str, skill: &str, hours: i32, min: i32, max: i32) -> CourseForm {
    CourseForm {
        title: title.into(),
        skill_area: skill.into(),
        hours: hours.to_string(),
        min_cohort: min.to_string(),
        max_cohort: max.to_string(),
        household_first: true,
        description: String::new(),
        completion_share: String::new(),
    }
}

/// Schedules a session on the first day from `start` the base is open and not blacked out (the
/// scheduler refuses the others).
async fn schedule(
    demo: &Demo<'_>,
    mut plan: crate::training::schedule::Plan,
    days: i64,
) -> Option<entity::training_session::Model> {
    for _ in 0..30 {
        plan.ends_on = plan.starts_on + Duration::days(days - 1);
        match crate::training::schedule::create_session(demo.db(), &demo.actor, plan).await {
            Ok(s) => return Some(s),
            Err(_) => plan.starts_on += Duration::days(1),
        }
    }
    None
}

/// Loads the training: the catalogue, the sessions with their farmers, attendance and
/// certificates, and the interest without a date.
pub async fn load(demo: &mut Demo<'_>, school_ids: &[i32]) -> Result<Vec<String>, String> {
    let (db, c) = (&demo.state.db, demo.cal);
    let course_ids = on(db, c.term_at(-40, 10), catalogue(demo, school_ids)).await?;
    let cat = setup::catalogue(db).await.map_err(fail)?;
    let venue = |name: &str| cat.venues.iter().find(|v| v.name == name).map(|v| v.id).unwrap_or(0);
    let instructor = |name: &str| {
        cat.instructors
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.id)
            .unwrap_or(0)
    };
    let (mut farmers, mut certificates) = (0, 0);
    let training = &demo.county.training;
    for (k, planned) in training.sessions.iter().enumerate() {
        let (from, held) = (planned.starts_in, planned.held);
        let plan = crate::training::schedule::Plan {
            course_id: course_ids[planned.course],
            venue_id: venue(&planned.venue),
            instructor_id: instructor(&planned.instructor),
            starts_on: c.today + Duration::days(from),
            ends_on: c.today + Duration::days(from),
            capacity: planned.capacity,
        };
        let since = chrono::Utc::now() - Duration::milliseconds(1);
        let Some(session) = schedule(demo, plan, planned.days).await else {
            continue;
        };
        farmers += register(demo, session.id, k, planned.registrations).await?;
        let back = held.map(|b| Duration::days(from + b)).unwrap_or_default();
        let starts = session.starts_on - back;
        // Registrations came in over the three weeks before the session (or up to yesterday).
        let registered = (starts - Duration::days(10)).min(c.today - Duration::days(2));
        super::retime::retime(db, since, c.at(registered, 19)).await?;
        if held.is_some() {
            move_back(demo, &session, back).await?;
            certificates += take_attendance(demo, session.id).await?;
        }
    }
    Ok(vec![
        format!(
            "{} training bases, {} courses, {} sessions (one in its second day), {farmers} farmer registrations, \
             attendance per day, {certificates} certificates earned (in each finished session one revoked after a correction)",
            training.bases.len(),
            training.courses.len(),
            training.sessions.len(),
        ),
        on(db, c.at(c.today - Duration::days(5), 12), interest(demo, course_ids[1])).await?,
    ])
}

/// `n` farmers register for the session.
async fn register(demo: &mut Demo<'_>, session: i32, k: usize, n: usize) -> Result<usize, String> {
    for r in 0..n {
        let form = crate::training::registrations::RegistrationForm {
            name: name(demo.county, &mut demo.rng),
            phone: format!("15{k}{r:02}{:06}", demo.rng.random_range(0..1_000_000)),
            town: demo.county.towns[demo.rng.random_range(0..demo.county.towns.len())].clone(),
            village: demo.county.villages[demo.rng.random_range(0..demo.county.villages.len())].clone(),
            ..Default::default()
        };
        crate::training::registrations::register(
            demo.db(),
            &demo.state.config.rate_limits.public,
            session,
            form.parse().map_err(fail)?,
            &format!("10.9.{k}.{}", r % 200),
        )
        .await
        .map_err(fail)?;
    }
    Ok(n)
}

/// Moves a session already registered for into the past (last month's, or one in its second day).
async fn move_back(demo: &Demo<'_>, session: &entity::training_session::Model, back: Duration) -> Result<(), String> {
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
        .exec(demo.db())
        .await
        .map_err(db_fail)?;
    Ok(())
}

/// Farmers' interest without a date: enough for 食用菌栽培技术, mostly from 米河镇, which the scheduler
/// proposes at the 米河 base; and enough for a 家政服务员 course nobody can teach yet, which
/// `/training` lists under "why no proposal".
async fn interest(demo: &mut Demo<'_>, mushrooms: i32) -> Result<String, String> {
    let (db, actor) = (&demo.state.db, &demo.actor);
    let care = setup::create_course(
        db,
        actor,
        course("家政服务员", "家政服务", 24, 10, 30).parse().map_err(fail)?,
    )
    .await
    .map_err(fail)?;
    let groups = [
        (mushrooms, 14, ["米河镇", "米河镇", "鲁庄镇"]),
        (care.id, 11, ["涉村镇"; 3]),
    ];
    for (k, (course, n, towns)) in groups.into_iter().enumerate() {
        for i in 0..n {
            let form = crate::training::registrations::RegistrationForm {
                name: name(demo.county, &mut demo.rng),
                phone: format!("17{k}{i:08}"),
                town: towns[i % towns.len()].into(),
                village: "后寨村".into(),
                ..Default::default()
            };
            crate::training::interest::register_interest(
                db,
                &demo.state.config.rate_limits.public,
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

/// Takes a session's attendance day by day up to yesterday as a clerk would each evening (most
/// farmers every day, some missing a day or two, one leaving early), then, once the session is
/// over, the certificates (that evening) and a correction found on the sign-in sheet two days
/// later that takes one farmer below the completion share (their certificate is revoked).
/// Returns the certificates in force.
async fn take_attendance(demo: &mut Demo<'_>, session_id: i32) -> Result<usize, String> {
    use crate::training::attendance::{DayAttendance, DayEntry, record_day};
    use crate::training::grid::grid;
    let (db, c) = (&demo.state.db, demo.cal);
    let g = grid(db, session_id).await.map_err(fail)?;
    // Each farmer's habit: 0 = every day, 1 = misses one day, 2 = misses about half.
    let habits: Vec<(i32, u8, usize)> = g
        .rows
        .iter()
        .map(|r| {
            let habit = match demo.rng.random_range(0..100) {
                0..80 => 0,
                80..94 => 1,
                _ => 2,
            };
            (r.registration_id, habit, demo.rng.random_range(0..g.days.len().max(1)))
        })
        .collect();
    let actor = &demo.actor;
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
        on(db, c.at(d.day, 18), async {
            record_day(db, actor, session_id, input).await.map_err(fail)
        })
        .await?;
    }
    certify(demo, session_id).await
}

/// Certificates for a finished session, then one correction that revokes one.
async fn certify(demo: &Demo<'_>, session_id: i32) -> Result<usize, String> {
    use crate::training::attendance::{DayAttendance, DayEntry, record_day};
    use crate::training::grid::grid;
    let (db, c, actor) = (demo.db(), demo.cal, &demo.actor);
    let after = grid(db, session_id).await.map_err(fail)?;
    let Some(last) = after.days.last().map(|d| d.day).filter(|_| after.finished) else {
        return Ok(0);
    };
    on(db, c.at(last, 19), async {
        crate::training::certificates::issue(db, actor, session_id)
            .await
            .map_err(fail)
    })
    .await?;
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
        on(db, c.at(last + Duration::days(2), 10), async {
            record_day(db, actor, session_id, input).await.map_err(fail)
        })
        .await?;
    }
    Ok(grid(db, session_id)
        .await
        .map_err(fail)?
        .rows
        .iter()
        .filter(|r| r.certificate.as_ref().is_some_and(|c| c.revoked_at.is_none()))
        .count())
}
