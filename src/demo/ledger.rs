//! The demo's ledger at work: one no-show brought back after a call and a home visit, one dropout
//! the town is following up, and a history of follow-ups on every other open line since it opened
//! (most within their 14 days, a few slipped) — so `/ledger` reads as a bureau doing its job.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::county::Step;
use super::retime::on;
use super::{Demo, Rhythm, db_fail, fail};
use crate::admissions::follow_through as ft;
use crate::admissions::ledger_follow_ups::{FollowUpRaw, record};

/// One follow-up of the student's open ledger line on `day`, through the service.
async fn follow_up(demo: &Demo<'_>, student: i32, day: NaiveDate, step: &Step) -> Result<(), String> {
    let db = demo.db();
    let Some(line) = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::StudentId.eq(student))
        .filter(entity::ledger_entry::Column::ClosedAt.is_null())
        .one(db)
        .await
        .map_err(db_fail)?
    else {
        return Ok(());
    };
    let new = FollowUpRaw {
        followed_on: day.to_string(),
        who: step.who.to_string(),
        who_name: step.name.clone(),
        how: step.how.to_string(),
        outcome: step.outcome.clone(),
        next_step: Some(step.next.clone()),
    }
    .parse(demo.cal.today)
    .map_err(fail)?;
    on(db, demo.cal.at(day, 20), async {
        record(db, &demo.actor, line.id, new).await.map(|_| ()).map_err(fail)
    })
    .await
}

/// A no-show at the first school: a call on T+6, a home visit on T+9, placed again and reported on
/// T+12 — the line closes as brought back.
pub async fn bring_back(demo: &Demo<'_>, programmes: Vec<i32>) -> Result<(), String> {
    let (db, actor, c) = (demo.db(), &demo.actor, demo.cal);
    let Some(p) = entity::placement::Entity::find()
        .filter(entity::placement::Column::ProgrammeId.is_in(programmes))
        .filter(entity::placement::Column::Status.eq(entity::placement::PlacementStatus::NoShow))
        .one(db)
        .await
        .map_err(db_fail)?
    else {
        return Ok(());
    };
    let ledger = &demo.county.ledger;
    // The file's steps on T+6 and T+9, back at school on T+12.
    for (step, day) in ledger.bring_back.iter().zip([6, 9]) {
        follow_up(demo, p.student_id, c.day(day), step).await?;
    }
    let back = c.day(12);
    let reason = ledger
        .brought_back_note
        .replace("{month}", &chrono::Datelike::month(&back).to_string())
        .replace("{day}", &chrono::Datelike::day(&back).to_string());
    let req =
        crate::admissions::placements::DirectPlacement::parse(p.student_id, p.programme_id, &reason).map_err(fail)?;
    on(db, c.at(back, 10), async {
        let again = crate::admissions::placements::place_directly(db, actor, req)
            .await
            .map_err(fail)?;
        ft::confirm_reported(db, actor, &[again.id]).await.map_err(fail)
    })
    .await?;
    Ok(())
}

/// A month into term (T+30) a reported student at the first school leaves to work with their
/// parents; the town follows up on T+44.
pub async fn dropout(demo: &Demo<'_>, programmes: Vec<i32>) -> Result<(), String> {
    let (db, actor, c) = (demo.db(), &demo.actor, demo.cal);
    let Some(p) = entity::placement::Entity::find()
        .filter(entity::placement::Column::ProgrammeId.is_in(programmes))
        .filter(entity::placement::Column::Status.eq(entity::placement::PlacementStatus::Reported))
        .filter(entity::placement::Column::RunId.is_not_null())
        .one(db)
        .await
        .map_err(db_fail)?
    else {
        return Ok(());
    };
    let config = &demo.state.config;
    on(db, c.term_at(30, 16), async {
        ft::record_leaving(
            db,
            config,
            actor,
            p.id,
            ft::Leaving::Dropout,
            Some(demo.county.ledger.dropout_note.as_str()),
        )
        .await
        .map_err(fail)
    })
    .await?;
    follow_up(demo, p.student_id, c.day(44), &demo.county.ledger.dropout_follow_up).await
}

/// The follow-ups of a line: the first within ten days of its opening, then every 10–16 days up to
/// yesterday; on one line in seven the effort stopped a few weeks ago (overdue now).
const FOLLOW_UPS: Rhythm = Rhythm {
    first: 3..10,
    every: 10..16,
    lapse: 0.15,
    quiet: 16..40,
};

/// A history of follow-ups on every open line that has none yet, written as the clerks typed them
/// in on the evening of each day; each line's next due day follows its newest follow-up.
pub async fn follow_ups(demo: &mut Demo<'_>) -> Result<String, String> {
    let db = &demo.state.db;
    let lines = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::ClosedAt.is_null())
        .all(db)
        .await
        .map_err(db_fail)?;
    let followed: std::collections::HashSet<i32> = entity::ledger_follow_up::Entity::find()
        .all(db)
        .await
        .map_err(db_fail)?
        .into_iter()
        .map(|f| f.ledger_entry_id)
        .collect();
    let (mut rows, mut slipped) = (Vec::new(), 0);
    for line in lines.iter().filter(|l| !followed.contains(&l.id)) {
        let opened = line.opened_at.with_timezone(&crate::clock::china()).date_naive();
        let days = FOLLOW_UPS.days(&mut demo.rng, opened, demo.cal.today);
        let due = crate::admissions::ledger::follow_up_due(days.last().copied().unwrap_or(opened));
        slipped += usize::from(due <= demo.cal.today);
        let threads = &demo.county.ledger.threads;
        let thread = &threads[line.id as usize % threads.len()].steps;
        for (k, day) in days.into_iter().enumerate() {
            let step = &thread[k.min(thread.len() - 1)];
            rows.push(entity::ledger_follow_up::ActiveModel {
                ledger_entry_id: Set(line.id),
                followed_on: Set(day),
                who: Set(step.who),
                who_name: Set(step.name.clone()),
                how: Set(step.how),
                outcome: Set(step.outcome.clone()),
                next_step: Set(Some(step.next.clone())),
                recorded_by: Set(step.name.clone()),
                recorded_at: Set(demo.cal.at(day, 20)),
                ..Default::default()
            });
        }
        entity::ledger_entry::Entity::update_many()
            .col_expr(
                entity::ledger_entry::Column::FollowUpDueOn,
                sea_orm::sea_query::Expr::value(due),
            )
            .filter(entity::ledger_entry::Column::Id.eq(line.id))
            .exec(db)
            .await
            .map_err(db_fail)?;
    }
    let written = rows.len();
    super::insert_all(db, rows).await?;
    Ok(format!(
        "ledger: {} open lines with {written} follow-ups since they opened, {slipped} overdue for the next one",
        lines.len()
    ))
}
