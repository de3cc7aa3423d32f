//! Routing runs from the database: a dry run stores its whole result (placements, explanations,
//! cut-offs, the rule-set version, the seed and a digest of the inputs) without touching any
//! archive; two runs can be compared; committing a run writes an enrolment offer into each placed
//! student's archive and opens ledger lines for eligible students left unplaced, in one
//! transaction. A later round routes the still-unplaced students into the seats left.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::Utc;
use entity::{archive_entry, household, ledger_entry, placement, preference, programme, routing_run, school, student};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::instance_builder::{RunInputs, build_instance, digest};
use super::rule_sets::{get_rule_set, rules_of};
use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};
use crate::routing::instance::Rules;
use crate::routing::result::{NotPlaced, Placement, Reason, RoutingResult};
use crate::student::timeline::EntryDetails;

/// Counts stored with a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub students: u64,
    pub eligible: u64,
    pub placed: u64,
    pub unplaced: u64,
}

/// What to run.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub intake_year: i32,
    pub rule_set_id: i32,
    pub seed: Option<i64>,
}

pub async fn get_run(db: &impl ConnectionTrait, id: i32) -> Result<routing_run::Model, AppError> {
    routing_run::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("routing_run"))
}

/// All runs, newest first.
pub async fn list_runs(db: &impl ConnectionTrait) -> Result<Vec<routing_run::Model>, AppError> {
    Ok(routing_run::Entity::find()
        .order_by_desc(routing_run::Column::Id)
        .all(db)
        .await?)
}

/// One page of runs, newest first, paged by the database (each run row carries its stored result).
pub async fn page_runs(db: &impl ConnectionTrait, page: PageRequest) -> Result<Page<routing_run::Model>, AppError> {
    let paginator = routing_run::Entity::find()
        .order_by_desc(routing_run::Column::Id)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

/// The stored result of a run, typed (the documented routing result format).
pub fn result_of(run: &routing_run::Model) -> Result<RoutingResult, AppError> {
    serde_json::from_str(&run.result).map_err(|e| AppError::Internal(format!("run {} result: {e}", run.id)))
}

pub fn summary_of(run: &routing_run::Model) -> RunSummary {
    serde_json::from_str(&run.summary).unwrap_or_default()
}

/// The student id of a result line (`S<id>`).
pub fn student_of(p: &Placement) -> Option<i32> {
    p.student.strip_prefix('S')?.parse().ok()
}

/// Whether an eligibility rule left the student out of routing (不在分流范围).
pub fn is_ineligible(p: &Placement) -> bool {
    p.not_placed_higher
        .iter()
        .any(|n| matches!(n.reason, Reason::Ineligible { .. }))
}

/// A routing computed from the current data, not yet stored.
struct Computed {
    round: i32,
    seed: i64,
    input_digest: String,
    result: RoutingResult,
}

/// The typed instance of `intake_year` from the database with `rules`: round = committed rounds of
/// the year + 1; a later round only routes students neither placed nor crossed off, into the seats
/// left.
async fn instance_of(
    db: &impl ConnectionTrait,
    rules: &Rules,
    intake_year: i32,
    seed: i64,
) -> Result<(i32, crate::routing::Instance), AppError> {
    let programmes = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(intake_year))
        .order_by_asc(programme::Column::Code)
        .all(db)
        .await?;
    if programmes.is_empty() {
        return Err(AppError::invalid(
            "intake_year",
            Msg::new("error.no_programmes").arg("year", intake_year),
        ));
    }
    let already = super::placements::in_force(db, intake_year).await?;
    // Crossed off the ledger stays crossed off: out of later rounds until staff reinstate them.
    let crossed = super::ledger::crossed_off_students(db, intake_year).await?;
    let round = routing_run::Entity::find()
        .filter(routing_run::Column::IntakeYear.eq(intake_year))
        .filter(routing_run::Column::Status.eq("committed"))
        .count(db)
        .await? as i32
        + 1;
    let mut seats_left: HashMap<i32, i32> = programmes.iter().map(|p| (p.id, p.capacity)).collect();
    for pid in already.values() {
        if let Some(s) = seats_left.get_mut(pid) {
            *s -= 1;
        }
    }
    let students: Vec<student::Model> = student::Entity::find()
        .filter(student::Column::GraduationYear.eq(intake_year))
        .order_by_asc(student::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|s| !already.contains_key(&s.id) && !crossed.contains(&s.id))
        .collect();
    let households: HashMap<i32, household::Model> = household::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.id, h))
        .collect();
    let schools: HashMap<i32, school::Model> = school::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut preferences: HashMap<i32, Vec<i32>> = HashMap::new();
    for p in preference::Entity::find()
        .filter(preference::Column::Confirmed.eq(true))
        .order_by_asc(preference::Column::StudentId)
        .order_by_asc(preference::Column::Rank)
        .all(db)
        .await?
    {
        preferences.entry(p.student_id).or_default().push(p.programme_id);
    }
    let inputs = RunInputs {
        intake_year,
        seed,
        rules,
        programmes: &programmes,
        schools: &schools,
        seats_left: &seats_left,
        students: &students,
        households: &households,
        preferences: &preferences,
    };
    Ok((round, build_instance(&inputs)?))
}

/// Builds the instance of `intake_year` and routes it (off the async threads).
async fn compute(
    db: &impl ConnectionTrait,
    rules: &Rules,
    intake_year: i32,
    seed: Option<i64>,
) -> Result<Computed, AppError> {
    let seed = seed.unwrap_or_else(|| rand::random::<u32>() as i64);
    let (round, instance) = instance_of(db, rules, intake_year, seed).await?;
    let input_digest = digest(&instance)?;
    let result = tokio::task::spawn_blocking(move || crate::routing::route(&instance))
        .await
        .map_err(|e| AppError::Internal(format!("routing task: {e}")))?
        .map_err(|e| AppError::invalid("rule_set_id", Msg::new("error.rule_invalid").arg("reason", e)))?;
    Ok(Computed {
        round,
        seed,
        input_digest,
        result,
    })
}

fn summary_from(result: &RoutingResult) -> RunSummary {
    RunSummary {
        students: result.summary.students,
        eligible: result.summary.eligible,
        placed: result.summary.placed,
        unplaced: result.summary.unplaced,
    }
}

/// Computes a dry run with a published rule set and stores it; archives are not touched.
pub async fn dry_run(db: &DatabaseConnection, actor: &Actor, req: RunRequest) -> Result<routing_run::Model, AppError> {
    if let Some(seed) = req.seed.filter(|s| *s < 0) {
        return Err(AppError::invalid(
            "seed",
            Msg::new("error.seed_negative").arg("value", seed),
        ));
    }
    let set = get_rule_set(db, req.rule_set_id).await.map_err(|e| match e {
        AppError::NotFound(_) => AppError::invalid(
            "rule_set_id",
            Msg::new("error.rule_set_unknown").arg("id", req.rule_set_id),
        ),
        other => other,
    })?;
    if set.status != "published" {
        return Err(AppError::invalid(
            "rule_set_id",
            Msg::new("error.rule_set_not_published"),
        ));
    }
    let Computed {
        round,
        seed,
        input_digest,
        result,
    } = compute(db, &rules_of(&set)?, req.intake_year, req.seed).await?;
    let summary = summary_from(&result);
    let stored = serde_json::to_string(&result).map_err(|e| AppError::Internal(format!("run result: {e}")))?;
    let txn = db.begin().await?;
    let run = routing_run::ActiveModel {
        intake_year: Set(req.intake_year),
        round: Set(round),
        rule_set_id: Set(set.id),
        seed: Set(seed),
        input_digest: Set(input_digest),
        status: Set("dry_run".into()),
        result: Set(stored),
        summary: Set(serde_json::to_string(&summary).map_err(|e| AppError::Internal(e.to_string()))?),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        committed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let text = format!(
        "{} round {round}: {} placed of {} eligible (rules {} v{}, seed {seed})",
        req.intake_year, summary.placed, summary.eligible, set.name, set.version
    );
    audit::record(&txn, actor, "routing.dry_run", Record::new("routing_run", run.id), text).await?;
    txn.commit().await?;
    Ok(run)
}

/// What a rule set would do to the current data, before it is published.
#[derive(Debug, Clone, Serialize)]
pub struct TryReport {
    pub summary: RunSummary,
    /// Students each eligibility rule left out, by rule name: each student once per rule (a student
    /// failing two rules is counted under both; the summary's `eligible` counts each student once).
    pub ineligible_by_rule: std::collections::BTreeMap<String, u64>,
    /// How often each requirement rule kept a student out of a programme they wanted, by rule name.
    pub requirement_failures: std::collections::BTreeMap<String, u64>,
    /// Placed students' points in buckets of 10 points, lowest first.
    pub points_distribution: Vec<PointsBucket>,
}

/// Placed students whose points are in `[from, from + 10)`.
#[derive(Debug, Clone, Serialize)]
pub struct PointsBucket {
    pub from: f64,
    pub count: u64,
}

/// Routes the current data of `intake_year` with a rule set (draft or published) without storing
/// anything, and summarises who would be eligible, which requirements bite, and the points.
pub async fn try_rule_set(db: &DatabaseConnection, rule_set_id: i32, intake_year: i32) -> Result<TryReport, AppError> {
    let set = get_rule_set(db, rule_set_id).await?;
    let computed = compute(db, &rules_of(&set)?, intake_year, Some(0)).await?;
    let mut report = TryReport {
        summary: summary_from(&computed.result),
        ineligible_by_rule: Default::default(),
        requirement_failures: Default::default(),
        points_distribution: Vec::new(),
    };
    let mut buckets: BTreeMap<i64, u64> = Default::default();
    for p in &computed.result.placements {
        // The engine repeats an eligibility refusal on each choice: count the student once per rule.
        let mut ineligible_by: BTreeSet<&str> = Default::default();
        for n in &p.not_placed_higher {
            match &n.reason {
                Reason::Ineligible { rule } => {
                    ineligible_by.insert(rule);
                }
                Reason::Requirement { rule } => *report.requirement_failures.entry(rule.clone()).or_insert(0) += 1,
                Reason::Full { .. } => {}
            }
        }
        for rule in ineligible_by {
            *report.ineligible_by_rule.entry(rule.to_string()).or_insert(0) += 1;
        }
        if let Some(points) = p.points {
            *buckets.entry((points / 10.0).floor() as i64).or_insert(0) += 1;
        }
    }
    report.points_distribution = buckets
        .into_iter()
        .map(|(b, count)| PointsBucket {
            from: b as f64 * 10.0,
            count,
        })
        .collect();
    Ok(report)
}

/// A student whose placement differs between two runs.
#[derive(Debug, Clone, Serialize)]
pub struct Move {
    pub student_id: i32,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Why the student did not get a higher choice in the second run.
    pub why: Vec<NotPlaced>,
}

/// Students placed differently by `other` than by `base`, by student id.
pub async fn diff(db: &impl ConnectionTrait, base: i32, other: i32) -> Result<Vec<Move>, AppError> {
    let a = result_of(&get_run(db, base).await?)?;
    let b = result_of(&get_run(db, other).await?)?;
    let before: HashMap<i32, Option<String>> = a
        .placements
        .into_iter()
        .filter_map(|p| student_of(&p).map(|s| (s, p.programme)))
        .collect();
    let mut moves = Vec::new();
    for p in b.placements {
        let Some(sid) = student_of(&p) else { continue };
        let from = before.get(&sid).cloned().flatten();
        if from != p.programme {
            moves.push(Move {
                student_id: sid,
                from,
                to: p.programme,
                why: p.not_placed_higher,
            });
        }
    }
    moves.sort_by_key(|m| m.student_id);
    Ok(moves)
}

fn json_text<T: Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

/// Commits a dry run in one audited transaction: a placement row and an offer in the archive for
/// each placed student, a ledger line (with the run's reason) for each eligible student left
/// unplaced who has none, the reason refreshed on lines still open, and the lines of students now
/// placed closed. Refused when the run is not a dry run, its round is already committed, or the
/// data changed since the dry run (the instance built now has another digest).
pub async fn commit(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<routing_run::Model, AppError> {
    // A write transaction: a cross-off, reinstatement, direct placement or import cannot slip in
    // between checking the data and writing the results.
    let txn = crate::db::begin_write(db).await?;
    let run = get_run(&txn, id).await?;
    // The year's programme rows locked first (PostgreSQL), as a direct placement does, so the two
    // cannot interleave.
    let programmes: HashMap<String, programme::Model> = programme::Entity::find()
        .filter(programme::Column::IntakeYear.eq(run.intake_year))
        .lock_exclusive()
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let claimed = routing_run::Entity::update_many()
        .col_expr(
            routing_run::Column::Status,
            sea_orm::sea_query::Expr::value("committed"),
        )
        .col_expr(
            routing_run::Column::CommittedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(routing_run::Column::Id.eq(id))
        .filter(routing_run::Column::Status.eq("dry_run"))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("error.run_already_committed")));
    }
    let same_round = routing_run::Entity::find()
        .filter(routing_run::Column::IntakeYear.eq(run.intake_year))
        .filter(routing_run::Column::Round.eq(run.round))
        .filter(routing_run::Column::Status.eq("committed"))
        .filter(routing_run::Column::Id.ne(id))
        .count(&txn)
        .await?;
    if same_round > 0 {
        return Err(AppError::Conflict(
            Msg::new("error.round_already_committed").arg("round", run.round),
        ));
    }
    let set = get_rule_set(&txn, run.rule_set_id).await?;
    let (_, instance) = instance_of(&txn, &rules_of(&set)?, run.intake_year, run.seed).await?;
    if digest(&instance)? != run.input_digest {
        return Err(AppError::Conflict(Msg::new("error.run_stale")));
    }
    let result = result_of(&run)?;
    let schools: HashMap<i32, school::Model> = school::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    // Every line of the year, open or crossed off: a student already on the ledger (even crossed
    // off) gets no second line.
    let lines: HashMap<i32, ledger_entry::Model> = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::IntakeYear.eq(run.intake_year))
        .filter(
            sea_orm::Condition::any()
                .add(ledger_entry::Column::CloseReason.is_null())
                .add(ledger_entry::Column::CloseReason.is_not_in(super::ledger::SEATED)),
        )
        .all(&txn)
        .await?
        .into_iter()
        .map(|l| (l.student_id, l))
        .collect();
    let now = Utc::now();
    let today = now.date_naive();
    let mut seats = Vec::new();
    let mut offers = Vec::new();
    let mut opened = Vec::new();
    let mut still_open = Vec::new();
    let mut placed_ids = Vec::new();
    for p in &result.placements {
        let Some(sid) = student_of(p) else { continue };
        match p.programme.as_deref().and_then(|c| programmes.get(c)) {
            Some(prog) => {
                placed_ids.push(sid);
                let why = (!p.not_placed_higher.is_empty())
                    .then(|| serde_json::to_value(&p.not_placed_higher))
                    .transpose()
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                seats.push(placement::ActiveModel {
                    student_id: Set(sid),
                    intake_year: Set(run.intake_year),
                    programme_id: Set(prog.id),
                    run_id: Set(Some(id)),
                    round: Set(Some(run.round)),
                    choice: Set(p.choice.and_then(|c| i32::try_from(c).ok())),
                    points: Set(p.points),
                    why_not_higher: Set(json_text(&p.not_placed_higher)?),
                    direct_reason: Set(None),
                    placed_by: Set(actor.label.clone()),
                    placed_at: Set(now),
                    status: Set(entity::placement::PlacementStatus::Offered),
                    ..Default::default()
                });
                let details = EntryDetails::EnrolmentOffer {
                    school: schools.get(&prog.school_id).map(|s| s.name.clone()).unwrap_or_default(),
                    programme: prog.name.clone(),
                    round: Some(run.round),
                    why_not_higher: why,
                    direct_reason: None,
                };
                offers.push(crate::student::students::new_entry(sid, today, &details, None, actor)?);
            }
            None if is_ineligible(p) => {}
            None => match lines.get(&sid) {
                None => opened.push(ledger_entry::ActiveModel {
                    student_id: Set(sid),
                    intake_year: Set(run.intake_year),
                    run_id: Set(Some(id)),
                    opened_at: Set(now),
                    why: Set(json_text(&p.not_placed_higher)?),
                    opened_because: Set("unplaced".into()),
                    placement_id: Set(None),
                    follow_up_due_on: Set(Some(super::ledger::follow_up_due(crate::clock::today()))),
                    ..Default::default()
                }),
                Some(line) if line.closed_at.is_none() => still_open.push((line.id, json_text(&p.not_placed_higher)?)),
                Some(_) => {}
            },
        }
    }
    for chunk in seats.chunks(400) {
        placement::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    for chunk in offers.chunks(400) {
        archive_entry::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    for chunk in opened.chunks(400) {
        ledger_entry::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    // Lines still open carry the newest round's reason.
    for (line, why) in still_open {
        ledger_entry::Entity::update_many()
            .col_expr(ledger_entry::Column::Why, sea_orm::sea_query::Expr::value(why))
            .filter(ledger_entry::Column::Id.eq(line))
            .exec(&txn)
            .await?;
    }
    let placed_set: HashSet<i32> = placed_ids.iter().copied().collect();
    let to_close: Vec<i32> = lines
        .values()
        .filter(|l| l.closed_at.is_none() && l.opened_because == "unplaced" && placed_set.contains(&l.student_id))
        .map(|l| l.id)
        .collect();
    super::ledger::close_as_placed(&txn, &to_close, actor, None).await?;
    crate::student::students::refresh_statuses_of(&txn, &placed_ids, today).await?;
    let text = format!(
        "{} round {}: {} placed, {} added to the ledger",
        run.intake_year,
        run.round,
        seats.len(),
        opened.len()
    );
    super::offers::queue_offer_notices(&txn, &super::offers::placements_of_run(&txn, id).await?).await?;
    audit::record(&txn, actor, "routing.commit", Record::new("routing_run", id), text).await?;
    txn.commit().await?;
    get_run(db, id).await
}
