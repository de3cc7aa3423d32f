//! The demo's one-on-one help: 24 mentors a school (T−30), the proposal confirmed two weeks before
//! term (T−14) and accepted, then help sessions from then to yesterday — each mentor sees each
//! mentee every two to four weeks; a few pairs have gone quiet for over a month (overdue).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::enums::Role;
use entity::mentor_assignment::{AssignmentStatus, MentorRole};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::admissions::Schools;
use super::county::HelpSessions;
use super::people::name;
use super::retime::on;
use super::{DEMO_PASSWORD, Demo, Rhythm, db_fail, fail};
use crate::audit::Actor;
use crate::auth::user::{NewUser, create_user};
use crate::student::students::new_entry;
use crate::student::timeline::EntryDetails;

/// Mentors per school in the demo: with the default caps, room for every placed student's three
/// mentors (about 600 students a school).
pub const MENTORS_PER_SCHOOL: usize = 24;

/// Each teacher can take every role, a subject teacher in one of the school's skill areas; enough
/// of them that every load stays under the county's caps.
async fn mentors(demo: &mut Demo<'_>, schools: &Schools) -> Result<usize, String> {
    let (db, actor) = (&demo.state.db, &demo.actor);
    let caps = demo.state.config.mentor_caps;
    let mut n = 0;
    for (s, school_id) in schools.ids.iter().enumerate() {
        let programmes = demo.county.programmes();
        let skills_here: Vec<&str> = programmes
            .iter()
            .filter(|p| p.school == s)
            .map(|p| p.programme.name.as_str())
            .collect();
        for k in 0..MENTORS_PER_SCHOOL {
            n += 1;
            let email = format!("mentor{n:02}@demo.vocpath");
            let full = format!("{}老师", name(demo.county, &mut demo.rng));
            let new = NewUser::parse(&email, &full, "mentor", Some(DEMO_PASSWORD)).map_err(fail)?;
            let (u, _) = create_user(db, actor, new, demo.state.config.argon2_memory_kib, None)
                .await
                .map_err(fail)?;
            let roles = MentorRole::ALL
                .into_iter()
                .map(|role| crate::mentor::profiles::RoleCapacity {
                    role: role.as_str().into(),
                    max: caps.of(role),
                })
                .collect();
            let skill = vec![skills_here[k % skills_here.len()].to_string()];
            let input = crate::mentor::profiles::ProfileInput::parse(
                *school_id,
                roles,
                skill,
                &demo.county.towns[n % demo.county.towns.len()],
                true,
                &caps,
            )
            .map_err(fail)?;
            crate::mentor::profiles::save_profile(db, actor, u.id, input)
                .await
                .map_err(fail)?;
        }
    }
    Ok(n)
}

/// Mentors' accounts and profiles (T−30); the proposal confirmed on T−14, every assignment
/// accepted two days later.
pub async fn assign(demo: &mut Demo<'_>, schools: &Schools) -> Result<String, String> {
    let (db, c) = (&demo.state.db, demo.cal);
    let n = on(db, c.term_at(-30, 10), mentors(demo, schools)).await?;
    let (actor, year) = (&demo.actor, c.year);
    let config = &demo.state.config;
    let done = on(db, c.term_at(-14, 10), async {
        let view = crate::mentor::assignments::proposal(db, year).await.map_err(fail)?;
        crate::mentor::assignments::confirm(db, actor, year, &view.digest, config)
            .await
            .map_err(fail)
    })
    .await?;
    entity::mentor_assignment::Entity::update_many()
        .col_expr(
            entity::mentor_assignment::Column::Status,
            Expr::value(AssignmentStatus::Accepted),
        )
        .col_expr(
            entity::mentor_assignment::Column::AnsweredAt,
            Expr::value(c.term_at(-12, 21)),
        )
        .filter(entity::mentor_assignment::Column::Status.eq(AssignmentStatus::Assigned))
        .exec(db)
        .await
        .map_err(db_fail)?;
    Ok(format!(
        "{n} mentors; {} assignments confirmed for {} students on {}",
        done.assignments,
        done.students,
        c.day(-14)
    ))
}

/// A mentor's contacts with a mentee: a first call within twelve days of the assignment (before
/// term), then every 16–28 days up to yesterday; one pair in twenty went quiet more than 30 days
/// ago.
const CONTACTS: Rhythm = Rhythm {
    first: 2..12,
    every: 16..29,
    lapse: 0.05,
    quiet: 31..50,
};

/// How and what a help session was about (mode, note): before term, at school, or bringing back a
/// student who is not there.
fn session_note<'a>(
    notes: &'a HelpSessions,
    rng: &mut rand::rngs::StdRng,
    day: NaiveDate,
    term: NaiveDate,
    at_school: bool,
) -> &'a (String, String) {
    let notes = if day < term {
        &notes.before_term
    } else if at_school {
        &notes.at_school
    } else {
        &notes.away
    };
    &notes[rng.random_range(0..notes.len())]
}

/// Help sessions for every assignment in force, as the mentors recorded them that evening, and each
/// assignment's last contact.
pub async fn help_sessions(demo: &mut Demo<'_>) -> Result<String, String> {
    let db = &demo.state.db;
    let assignments = entity::mentor_assignment::Entity::find()
        .filter(entity::mentor_assignment::Column::InForce.is_not_null())
        .all(db)
        .await
        .map_err(db_fail)?;
    let mentors: HashMap<i32, String> = entity::user::Entity::find()
        .filter(entity::user::Column::Role.eq(Role::Mentor))
        .all(db)
        .await
        .map_err(db_fail)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let in_school = in_school(demo).await?;
    let mut entries = Vec::new();
    let mut last: BTreeMap<NaiveDate, Vec<i32>> = BTreeMap::new();
    for a in &assignments {
        let assigned = a.assigned_at.with_timezone(&crate::clock::china()).date_naive();
        let days = CONTACTS.days(&mut demo.rng, assigned, demo.cal.today);
        let mentor = mentors.get(&a.mentor_id).cloned();
        let by = Actor {
            user_id: Some(a.mentor_id),
            label: mentor.clone().unwrap_or_default(),
            client_ip: None,
        };
        for &day in &days {
            let at_school = in_school
                .get(&a.student_id)
                .is_some_and(|(came, left)| day >= *came && left.is_none_or(|l| day < l));
            let notes = &demo.county.help_sessions;
            let (mode, note) = session_note(notes, &mut demo.rng, day, demo.cal.term, at_school);
            let details = EntryDetails::MentorSession {
                mode: mode.clone(),
                duration_minutes: Some(demo.rng.random_range(20..90)),
                notes: Some(note.clone()),
                mentor: mentor.clone(),
            };
            let mut row = new_entry(a.student_id, day, &details, None, &by).map_err(fail)?;
            row.created_at = sea_orm::Set(demo.cal.at(day, 21));
            entries.push(row);
        }
        if let Some(d) = days.last() {
            last.entry(*d).or_default().push(a.id);
        }
    }
    let sessions = entries.len();
    super::insert_all(db, entries).await?;
    for (day, ids) in last {
        for chunk in ids.chunks(500) {
            entity::mentor_assignment::Entity::update_many()
                .col_expr(entity::mentor_assignment::Column::LastContactOn, Expr::value(day))
                .filter(entity::mentor_assignment::Column::Id.is_in(chunk.to_vec()))
                .exec(db)
                .await
                .map_err(db_fail)?;
        }
    }
    Ok(format!(
        "{sessions} help sessions recorded for {} assignments",
        assignments.len()
    ))
}

/// This year's students who reported: the day they did, and the day they left school if they did;
/// students who never came are absent.
async fn in_school(demo: &Demo<'_>) -> Result<HashMap<i32, (NaiveDate, Option<NaiveDate>)>, String> {
    let placements = entity::placement::Entity::find()
        .filter(entity::placement::Column::IntakeYear.eq(demo.cal.year))
        .filter(entity::placement::Column::ReportedAt.is_not_null())
        .all(demo.db())
        .await
        .map_err(db_fail)?;
    let china = crate::clock::china();
    let day = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&china).date_naive();
    Ok(placements
        .into_iter()
        .filter_map(|p| Some((p.student_id, (day(p.reported_at?), p.released_at.map(day)))))
        .collect())
}

/// The demo's messages are not delivered: each is marked sent when it was queued, with the note the
/// delivery log explains in the reader's language ([`crate::outbox::DEMO_NOTE`]).
pub async fn mark_sent(demo: &Demo<'_>) -> Result<(), String> {
    entity::outbox::Entity::update_many()
        .col_expr(
            entity::outbox::Column::Status,
            Expr::value(entity::outbox::OutboxStatus::Sent),
        )
        .col_expr(
            entity::outbox::Column::SentAt,
            Expr::col(entity::outbox::Column::CreatedAt),
        )
        .col_expr(entity::outbox::Column::LastError, Expr::value(crate::outbox::DEMO_NOTE))
        .exec(demo.db())
        .await
        .map_err(db_fail)?;
    Ok(())
}
