//! Dry runs: a run computed and stored with its result, archives untouched; and trying a rule set
//! on the current data without storing anything.

use entity::routing_run::RunStatus;
use entity::rule_set::RuleSetStatus;
use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use entity::routing_run;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set, TransactionTrait};
use serde::Serialize;

use super::compute::{Computed, compute};
use super::{Phases, RunRequest, RunSummary, summary_from};
use crate::admissions::rule_sets::{get_rule_set, rules_of};
use crate::audit::{self, Actor, Record};
use crate::error::{AppError, Context};
use crate::i18n::Msg;
use crate::routing::result::Reason;

/// Computes a dry run with a published rule set and stores it; archives are not touched.
pub async fn dry_run(db: &DatabaseConnection, actor: &Actor, req: RunRequest) -> Result<routing_run::Model, AppError> {
    dry_run_timed(db, actor, req, &mut Phases::default()).await
}

/// [`dry_run`], recording the time of each phase in `phases`.
pub async fn dry_run_timed(
    db: &DatabaseConnection,
    actor: &Actor,
    req: RunRequest,
    phases: &mut Phases,
) -> Result<routing_run::Model, AppError> {
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
    if set.status != RuleSetStatus::Published {
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
    } = compute(db, &rules_of(&set)?, req.intake_year, req.seed, phases).await?;
    let summary = summary_from(&result);
    let stored = serde_json::to_string(&result).context("run result")?;
    let txn = db.begin().await?;
    let run = routing_run::ActiveModel {
        intake_year: Set(req.intake_year),
        round: Set(round),
        rule_set_id: Set(set.id),
        seed: Set(seed),
        input_digest: Set(input_digest),
        status: Set(RunStatus::DryRun),
        result: Set(stored),
        summary: Set(serde_json::to_string(&summary).context("encoding summary as JSON")?),
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
    phases.lap("store run");
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
    let computed = compute(db, &rules_of(&set)?, intake_year, Some(0), &mut Phases::default()).await?;
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
