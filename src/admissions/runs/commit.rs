//! Committing a dry run: placements, offers in the archives, ledger lines, in one transaction.

use entity::ledger_entry::OpenedBecause;
use entity::routing_run::RunStatus;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{archive_entry, ledger_entry, placement, programme, routing_run, school};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
};

use super::batch::{insert_all, set_ledger_reasons};
use super::compute::instance_of;
use super::{Phases, get_run, is_ineligible, result_of, student_of};
use crate::admissions::instance_builder::digest;
use crate::admissions::rule_sets::{get_rule_set, rules_of};
use crate::audit::{self, Actor, Record};
use crate::db::json_text;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routing::result::{Placement, RoutingResult};
use crate::student::timeline::EntryDetails;

/// What a stored `why not higher` column is called in an error.
const WHY: &str = "encoding the choices a student was not placed in as JSON";

/// Commits a dry run in one audited transaction: a placement row and an offer in the archive for
/// each placed student, a ledger line (with the run's reason) for each eligible student left
/// unplaced who has none, the reason refreshed on lines still open, and the lines of students now
/// placed closed. Refused when the run is not a dry run, its round is already committed, or the
/// data changed since the dry run (the instance built now has another digest).
pub async fn commit(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<routing_run::Model, AppError> {
    commit_timed(db, actor, id, &mut Phases::default()).await
}

/// [`commit`], recording the time of each phase in `phases`.
pub async fn commit_timed(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    phases: &mut Phases,
) -> Result<routing_run::Model, AppError> {
    // A write transaction: a cross-off, reinstatement, direct placement or import cannot slip in
    // between checking the data and writing the results.
    let txn = crate::db::begin_write(db).await?;
    let (run, programmes) = claim(&txn, id).await?;
    phases.lap("claim the run");
    let set = get_rule_set(&txn, run.rule_set_id).await?;
    let (_, instance) = instance_of(&txn, &rules_of(&set)?, run.intake_year, run.seed, phases).await?;
    if digest(&instance)? != run.input_digest {
        return Err(AppError::Conflict(Msg::new("error.run_stale")));
    }
    phases.lap("digest");
    let result = result_of(&run)?;
    phases.lap("parse stored result");
    let schools: HashMap<i32, String> = school::Entity::find()
        .select_only()
        .column(school::Column::Id)
        .column(school::Column::Name)
        .into_tuple()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let lines = ledger_lines(&txn, run.intake_year).await?;
    phases.lap("load ledger lines");
    let now = Utc::now();
    let today = now.date_naive();
    let rows = Rows::plan(&run, &result, &programmes, &schools, &lines, actor, now)?;
    phases.lap("plan rows");
    let (placed_count, added) = (rows.seats.len(), rows.opened.len());
    let placed = rows.write(&txn, phases).await?;
    let placed_set: HashSet<i32> = placed.into_iter().collect();
    let to_close: Vec<i32> = lines
        .values()
        .filter(|l| {
            l.closed_at.is_none() && l.opened_because == OpenedBecause::Unplaced && placed_set.contains(&l.student_id)
        })
        .map(|l| l.id)
        .collect();
    crate::admissions::ledger::close_as_placed(&txn, &to_close, actor, None).await?;
    phases.lap("close placed lines");
    crate::student::students::refresh_statuses_after_run(&txn, id, today).await?;
    phases.lap("refresh statuses");
    let text = format!(
        "{} round {}: {placed_count} placed, {added} added to the ledger",
        run.intake_year, run.round
    );
    crate::admissions::offers::queue_run_offer_notices(&txn, id, phases).await?;
    phases.lap("render and queue offer texts");
    audit::record(&txn, actor, "routing.commit", Record::new("routing_run", id), text).await?;
    txn.commit().await?;
    phases.lap("audit, commit");
    get_run(db, id).await
}

/// Claims the dry run `id` for committing, inside `txn`: the year's programme rows locked first
/// (PostgreSQL), as a direct placement does, so the two cannot interleave; refused when the run is
/// not a dry run or its round is already committed. Returns the run and the year's programmes by code.
async fn claim(
    txn: &DatabaseTransaction,
    id: i32,
) -> Result<(routing_run::Model, HashMap<String, programme::Model>), AppError> {
    let run = get_run(txn, id).await?;
    let programmes: HashMap<String, programme::Model> = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(run.intake_year))
        .lock_exclusive()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let claimed = routing_run::Entity::update_many()
        .col_expr(routing_run::Column::Status, Expr::value(RunStatus::Committed))
        .col_expr(routing_run::Column::CommittedAt, Expr::value(Utc::now()))
        .filter(routing_run::Column::Id.eq(id))
        .filter(routing_run::Column::Status.eq(RunStatus::DryRun))
        .exec(txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("error.run_already_committed")));
    }
    let same_round = routing_run::Entity::find()
        .filter(routing_run::Column::IntakeYear.eq(run.intake_year))
        .filter(routing_run::Column::Round.eq(run.round))
        .filter(routing_run::Column::Status.eq(RunStatus::Committed))
        .filter(routing_run::Column::Id.ne(id))
        .count(txn)
        .await?;
    if same_round > 0 {
        return Err(AppError::Conflict(
            Msg::new("error.round_already_committed").arg("round", run.round),
        ));
    }
    Ok((run, programmes))
}

/// Every ledger line of the year, open or crossed off, by student: a student already on the ledger
/// (even crossed off) gets no second line.
async fn ledger_lines(
    txn: &DatabaseTransaction,
    intake_year: i32,
) -> Result<HashMap<i32, ledger_entry::Model>, AppError> {
    Ok(ledger_entry::Entity::find()
        .filter(ledger_entry::Column::IntakeYear.eq(intake_year))
        .filter(
            sea_orm::Condition::any()
                .add(ledger_entry::Column::CloseReason.is_null())
                .add(ledger_entry::Column::CloseReason.is_not_in(crate::admissions::ledger::SEATED)),
        )
        .all(txn)
        .await?
        .into_iter()
        .map(|l| (l.student_id, l))
        .collect())
}

/// The rows a commit writes, in the order of the run's result (so ids follow it).
struct Rows {
    seats: Vec<placement::ActiveModel>,
    offers: Vec<archive_entry::ActiveModel>,
    opened: Vec<ledger_entry::ActiveModel>,
    /// Open lines and the newest round's reason for them.
    still_open: Vec<(i32, String)>,
    /// Placed students.
    placed: Vec<i32>,
}

impl Rows {
    /// A placement and an offer per placed student; a new ledger line per eligible unplaced
    /// student without one, or the reason refreshed on their open line.
    fn plan(
        run: &routing_run::Model,
        result: &RoutingResult,
        programmes: &HashMap<String, programme::Model>,
        schools: &HashMap<i32, String>,
        lines: &HashMap<i32, ledger_entry::Model>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Rows, AppError> {
        let mut rows = Rows {
            seats: Vec::new(),
            offers: Vec::new(),
            opened: Vec::new(),
            still_open: Vec::new(),
            placed: Vec::new(),
        };
        let follow_up = crate::admissions::ledger::follow_up_due(crate::clock::today());
        for p in &result.placements {
            let Some(sid) = student_of(p) else { continue };
            match p.programme.as_deref().and_then(|c| programmes.get(c)) {
                Some(prog) => {
                    rows.placed.push(sid);
                    rows.seats.push(seat(run, p, sid, prog, actor, now)?);
                    let school = schools.get(&prog.school_id).cloned().unwrap_or_default();
                    rows.offers.push(offer(run, p, sid, prog, school, actor, now)?);
                }
                None if is_ineligible(p) => {}
                None => match lines.get(&sid) {
                    None => rows.opened.push(ledger_entry::ActiveModel {
                        student_id: Set(sid),
                        intake_year: Set(run.intake_year),
                        run_id: Set(Some(run.id)),
                        opened_at: Set(now),
                        why: Set(json_text(&p.not_placed_higher, WHY)?),
                        opened_because: Set(OpenedBecause::Unplaced),
                        placement_id: Set(None),
                        follow_up_due_on: Set(Some(follow_up)),
                        ..Default::default()
                    }),
                    Some(line) if line.closed_at.is_none() => {
                        rows.still_open.push((line.id, json_text(&p.not_placed_higher, WHY)?))
                    }
                    Some(_) => {}
                },
            }
        }
        Ok(rows)
    }

    /// Writes the rows in batches; returns the placed students.
    async fn write(self, txn: &DatabaseTransaction, phases: &mut Phases) -> Result<Vec<i32>, AppError> {
        insert_all(txn, self.seats).await?;
        phases.lap("insert placements");
        insert_all(txn, self.offers).await?;
        phases.lap("insert offers");
        insert_all(txn, self.opened).await?;
        phases.lap("insert ledger lines");
        // Lines still open carry the newest round's reason.
        set_ledger_reasons(txn, &self.still_open).await?;
        phases.lap("update open lines");
        Ok(self.placed)
    }
}

/// The placement row of a placed student.
fn seat(
    run: &routing_run::Model,
    p: &Placement,
    sid: i32,
    prog: &programme::Model,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<placement::ActiveModel, AppError> {
    Ok(placement::ActiveModel {
        student_id: Set(sid),
        intake_year: Set(run.intake_year),
        programme_id: Set(prog.id),
        run_id: Set(Some(run.id)),
        round: Set(Some(run.round)),
        choice: Set(p.choice.and_then(|c| i32::try_from(c).ok())),
        points: Set(p.points),
        why_not_higher: Set(json_text(&p.not_placed_higher, WHY)?),
        direct_reason: Set(None),
        placed_by: Set(actor.label.clone()),
        placed_at: Set(now),
        status: Set(entity::placement::PlacementStatus::Offered),
        ..Default::default()
    })
}

/// The enrolment offer written into a placed student's archive.
fn offer(
    run: &routing_run::Model,
    p: &Placement,
    sid: i32,
    prog: &programme::Model,
    school: String,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<archive_entry::ActiveModel, AppError> {
    let why = (!p.not_placed_higher.is_empty())
        .then(|| serde_json::to_value(&p.not_placed_higher))
        .transpose()
        .map_err(|e| AppError::internal_from("encoding the programmes not placed higher", e))?;
    let details = EntryDetails::EnrolmentOffer {
        school,
        programme: prog.name.clone(),
        round: Some(run.round),
        why_not_higher: why,
        direct_reason: None,
    };
    crate::student::students::new_entry(sid, now.date_naive(), &details, None, actor)
}
