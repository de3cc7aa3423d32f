//! The demo's admissions year: schools and programmes, students' choices, the published rules and
//! the committed run, ledger lines crossed off, reporting at every school (declines, no-shows, one
//! brought back, one dropout) — each step on its day of the story.

use entity::ledger_entry::CloseReason;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use super::county::County;
use super::retime::on;
use super::{Demo, db_fail, fail};
use crate::admissions::follow_through as ft;
use crate::admissions::programmes::{NewSchool, ProgrammeInput, ProgrammeRaw, create_school, save_programme};
use crate::admissions::rule_sets::{create_draft, publish};
use crate::admissions::runs::{RunRequest, commit, dry_run};

/// The schools and this year's programmes (ids in the order of the county's schools and
/// [`County::programmes`](super::county::County::programmes)).
pub struct Schools {
    pub ids: Vec<i32>,
    pub programmes: Vec<i32>,
}

impl Schools {
    /// The command's line about them.
    pub fn summary(&self, year: i32) -> String {
        format!(
            "{} schools, {} programmes for {year}",
            self.ids.len(),
            self.programmes.len()
        )
    }

    /// This year's programmes of the `k`-th school.
    fn of_school(&self, county: &County, k: usize) -> Vec<i32> {
        county
            .programmes()
            .iter()
            .zip(&self.programmes)
            .filter(|(p, _)| p.school == k)
            .map(|(_, id)| *id)
            .collect()
    }
}

/// Creates the schools and this year's programmes (the county total scaled to the students).
pub async fn schools(demo: &Demo<'_>) -> Result<Schools, String> {
    let (db, actor) = (demo.db(), &demo.actor);
    let mut ids = Vec::new();
    for school in &demo.county.schools {
        let s = create_school(
            db,
            actor,
            NewSchool::parse(&school.name, &school.town, None).map_err(fail)?,
        )
        .await
        .map_err(fail)?;
        ids.push(s.id);
    }
    let total = i64::try_from(demo.total).unwrap_or(3000);
    let mut programmes = Vec::new();
    for (i, placed) in demo.county.programmes().into_iter().enumerate() {
        let p = placed.programme;
        let raw = ProgrammeRaw {
            school_id: ids[placed.school],
            code: format!("P{:02}", i + 1),
            name: p.name.clone(),
            skill_area: p.name.clone(),
            town: demo.county.schools[placed.school].town.clone(),
            intake_year: i64::from(demo.cal.year),
            capacity: p.capacity * total / 3000,
            reserved_seats: p.reserved_seats,
            reserved_rule: None,
            requirements: p.requirements.clone(),
        };
        let p = save_programme(db, actor, None, ProgrammeInput::parse(raw).map_err(fail)?)
            .await
            .map_err(fail)?;
        programmes.push(p.id);
    }
    Ok(Schools { ids, programmes })
}

/// Three confirmed choices for each of this year's graduates.
async fn preferences(demo: &mut Demo<'_>, programme_ids: &[i32]) -> Result<(), String> {
    use rand::Rng;
    let students = entity::student::Entity::find()
        .filter(entity::student::Column::GraduationYear.eq(demo.cal.year))
        .all(demo.db())
        .await
        .map_err(db_fail)?;
    let now = chrono::Utc::now();
    let mut prefs = Vec::new();
    for s in &students {
        let mut picked: Vec<i32> = Vec::new();
        while picked.len() < 3 {
            let p = programme_ids[demo.rng.random_range(0..programme_ids.len())];
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
    super::insert_all(demo.db(), prefs).await?;
    Ok(())
}

/// Choices (T−62), the rules drafted (T−58) and published (T−56), a dry run on the morning of T−50
/// committed that afternoon.
pub async fn routing(demo: &mut Demo<'_>, schools: &Schools) -> Result<String, String> {
    let (db, c, year) = (&demo.state.db, demo.cal, demo.cal.year);
    on(db, c.term_at(-62, 19), preferences(demo, &schools.programmes)).await?;
    let actor = &demo.actor;
    let set = on(db, c.term_at(-58, 10), async {
        create_draft(db, actor, &format!("{year} 年分流规则"), demo.county.rules.clone())
            .await
            .map_err(fail)
    })
    .await?;
    on(db, c.term_at(-56, 16), async {
        publish(db, actor, set.id).await.map_err(fail)
    })
    .await?;
    let request = RunRequest {
        intake_year: year,
        rule_set_id: set.id,
        seed: Some(2026),
    };
    let run = on(db, c.term_at(-50, 9), async {
        dry_run(db, actor, request).await.map_err(fail)
    })
    .await?;
    on(db, c.term_at(-50, 15), async {
        commit(db, actor, run.id).await.map_err(fail)
    })
    .await?;
    let summary = crate::admissions::runs::summary_of(&run).map_err(fail)?;
    Ok(format!(
        "routing run committed: {} eligible, {} placed",
        summary.eligible, summary.placed
    ))
}

/// A dozen ledger lines crossed off between T−30 and T+3, with the evidence each reason needs; a
/// student under 16 is not crossed off as working (the service refuses), so the demo says where
/// they moved to instead.
pub async fn cross_offs(demo: &Demo<'_>) -> Result<(), String> {
    let (db, actor) = (demo.db(), &demo.actor);
    let open = entity::ledger_entry::Entity::find()
        .filter(entity::ledger_entry::Column::ClosedAt.is_null())
        .all(db)
        .await
        .map_err(db_fail)?;
    let ledger = &demo.county.ledger;
    let moved = Some(ledger.moved_evidence.as_str());
    for (i, l) in open.iter().take(12).enumerate() {
        let cross_off = &ledger.cross_offs[i % ledger.cross_offs.len()];
        let (reason, evidence) = (cross_off.reason, Some(cross_off.evidence.as_str()));
        let at = demo.cal.term_at(-30 + 3 * i as i64, 11);
        on(db, at, async {
            match crate::admissions::ledger::cross_off(db, actor, l.id, reason.as_str(), evidence).await {
                Err(crate::error::AppError::Conflict(_)) if reason == CloseReason::Working => {
                    crate::admissions::ledger::cross_off(db, actor, l.id, CloseReason::MovedAway.as_str(), moved)
                        .await
                        .map(|_| ())
                }
                other => other.map(|_| ()),
            }
            .map_err(fail)
        })
        .await?;
    }
    Ok(())
}

/// This year's offers at the `k`-th school.
async fn offers(demo: &Demo<'_>, schools: &Schools, k: usize) -> Result<Vec<entity::placement::Model>, String> {
    entity::placement::Entity::find()
        .filter(entity::placement::Column::ProgrammeId.is_in(schools.of_school(demo.county, k)))
        .filter(entity::placement::Column::IntakeYear.eq(demo.cal.year))
        .all(demo.db())
        .await
        .map_err(db_fail)
}

/// Students report on the first three days of term (one in twenty stays away at the first school,
/// one in thirty elsewhere); reporting closes on T+5 and the rest become no-shows.
async fn report(demo: &Demo<'_>, schools: &Schools, k: usize) -> Result<(usize, usize), String> {
    let (db, actor, c) = (demo.db(), &demo.actor, demo.cal);
    let every = if k == 0 { 20 } else { 30 };
    let reported: Vec<i32> = offers(demo, schools, k)
        .await?
        .iter()
        .filter(|p| p.status == entity::placement::PlacementStatus::Offered && p.id % every != 0)
        .map(|p| p.id)
        .collect();
    let per_day = reported.len().div_ceil(3).clamp(1, ft::MAX_BULK);
    for (day, chunk) in reported.chunks(per_day).enumerate() {
        on(db, c.term_at(day as i64, 9 + k as u32), async {
            ft::confirm_reported(db, actor, chunk).await.map_err(fail)
        })
        .await?;
    }
    let config = &demo.state.config;
    let no_shows = on(db, c.term_at(5, 17), async {
        ft::close_reporting(db, config, actor, c.year, Some(schools.ids[k]))
            .await
            .map_err(fail)
    })
    .await?;
    Ok((reported.len(), no_shows))
}

/// From offer to classroom: at the first school a few decline before term (T−10); every school
/// takes its students in; one no-show at the first school is brought back, one student drops out.
pub async fn reporting(demo: &Demo<'_>, schools: &Schools) -> Result<String, String> {
    let (db, actor, c) = (demo.db(), &demo.actor, demo.cal);
    let declining: Vec<i32> = offers(demo, schools, 0)
        .await?
        .iter()
        .filter(|p| p.id % 40 == 0)
        .map(|p| p.id)
        .collect();
    // Over the five days from T−10, a few each day.
    for (day, ids) in declining.chunks(declining.len().div_ceil(5).max(1)).enumerate() {
        on(db, c.term_at(-10 + day as i64, 14), async {
            for id in ids {
                ft::decline(db, actor, *id, &demo.county.ledger.decline_reason, None)
                    .await
                    .map_err(fail)?;
            }
            Ok(())
        })
        .await?;
    }
    let declined = declining.len();
    let (reported, no_shows) = report(demo, schools, 0).await?;
    let (mut others, mut others_missing) = (0, 0);
    for k in 1..schools.ids.len() {
        let (r, n) = report(demo, schools, k).await?;
        others += r;
        others_missing += n;
    }
    super::ledger::bring_back(demo, schools.of_school(demo.county, 0)).await?;
    super::ledger::dropout(demo, schools.of_school(demo.county, 0)).await?;
    let emails = demo.county.schools.iter().zip(&schools.ids);
    for (school, id) in emails.filter_map(|(s, id)| Some((s.admissions_email.as_deref()?, *id))) {
        on(db, c.term_at(-100, 10), async {
            crate::admissions::programmes::set_admissions_email(db, actor, id, Some(school))
                .await
                .map_err(fail)
        })
        .await?;
    }
    Ok(format!(
        "reporting at the first school: {reported} reported, {declined} declined, {no_shows} no-shows (one brought back after a call and a home visit), one dropout being followed up; at the other schools {others} reported, {others_missing} no-shows"
    ))
}
