//! The request and response objects of the routing API (rule sets, preferences, recommendations,
//! runs) and their conversions from the stored rows. No I/O here.

use crate::routing::instance::Rules;
use chrono::{DateTime, Utc};
use entity::{routing_run, rule_set};
use poem_openapi::Object;

use crate::admissions::{rule_sets, runs};
use crate::error::AppError;

/// A rule-set version.
#[derive(Debug, Object)]
pub struct RuleSetDto {
    pub id: i32,
    pub name: String,
    pub version: i32,
    /// `draft` or `published`.
    pub status: String,
    pub rules: Rules,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

pub(super) fn rule_set_dto(s: rule_set::Model) -> Result<RuleSetDto, AppError> {
    let rules = rule_sets::rules_of(&s)?;
    Ok(RuleSetDto {
        id: s.id,
        name: s.name,
        version: s.version,
        status: s.status.to_string(),
        rules,
        created_at: s.created_at,
        published_at: s.published_at,
    })
}

/// A new draft (a new version when the name exists).
#[derive(Debug, Object)]
pub struct NewRuleSetRequest {
    pub name: String,
    pub rules: Rules,
}

/// What a rule set would do to the current data (nothing is stored).
#[derive(Debug, Object)]
pub struct TryReportDto {
    pub students: u64,
    pub eligible: u64,
    pub placed: u64,
    pub unplaced: u64,
    /// Distinct students each eligibility rule leaves out, by rule name. A student failing several
    /// rules is counted under each of them; `students - eligible` counts each student once.
    pub ineligible_by_rule: std::collections::BTreeMap<String, u64>,
    /// How often each requirement rule keeps a student out of a programme they chose.
    pub requirement_failures: std::collections::BTreeMap<String, u64>,
    /// Placed students' points in buckets of 10.
    pub points_distribution: Vec<PointsBucketDto>,
}

/// Placed students with points in `[from, from + 10)`.
#[derive(Debug, Object)]
pub struct PointsBucketDto {
    pub from: f64,
    pub count: u64,
}

/// A student's choices, best first.
#[derive(Debug, Object)]
pub struct PreferencesDto {
    pub student_id: i32,
    pub choices: Vec<ChoiceDto>,
}

/// One choice.
#[derive(Debug, Object)]
pub struct ChoiceDto {
    pub rank: i32,
    pub programme_id: i32,
    pub programme_code: String,
    pub programme_name: String,
    /// `false` for a recommendation staff have not confirmed.
    pub confirmed: bool,
}

/// New choices, best first (at most 10).
#[derive(Debug, Object)]
pub struct SetPreferencesRequest {
    pub programme_ids: Vec<i32>,
}

/// Recommend programmes to the students of a year who have no choices.
#[derive(Debug, Object)]
pub struct RecommendRequest {
    pub graduation_year: i32,
    pub intake_year: i32,
}

/// Whose recommendations to confirm: a graduation year, optionally one town and one junior-high
/// school (exact names).
#[derive(Debug, Object)]
pub struct ConfirmRecommendationsRequest {
    pub graduation_year: i32,
    pub town: Option<String>,
    pub junior_high_school: Option<String>,
}

/// How many students got recommendations (or had them confirmed).
#[derive(Debug, Object)]
pub struct RecommendResult {
    pub students: u64,
}

/// A dry run to compute.
#[derive(Debug, Object)]
pub struct NewRunRequest {
    pub intake_year: i32,
    /// A published rule set.
    pub rule_set_id: i32,
    /// Lottery seed; random when left out. The same seed and data give the same result.
    pub seed: Option<i64>,
}

/// A routing run.
#[derive(Debug, Object)]
pub struct RunDto {
    pub id: i32,
    pub intake_year: i32,
    pub round: i32,
    pub rule_set_id: i32,
    pub seed: i64,
    /// SHA-256 of the instance the engine received.
    pub input_digest: String,
    /// `dry_run` or `committed`.
    pub status: String,
    pub students: u64,
    pub eligible: u64,
    pub placed: u64,
    pub unplaced: u64,
    pub created_at: DateTime<Utc>,
    pub committed_at: Option<DateTime<Utc>>,
    /// Present when reading or creating one run: the routing result's `programmes`, `summary` and
    /// `warnings`. The per-student placements are paged at `GET /routing-runs/{id}/placements`.
    pub result: Option<serde_json::Value>,
}

pub(super) fn run_dto(r: routing_run::Model, with_result: bool) -> Result<RunDto, AppError> {
    let summary = runs::summary_of(&r)?;
    let result = if with_result {
        let result = runs::result_of(&r)?;
        Some(
            serde_json::json!({ "programmes": result.programmes, "summary": result.summary, "warnings": result.warnings }),
        )
    } else {
        None
    };
    Ok(RunDto {
        id: r.id,
        intake_year: r.intake_year,
        round: r.round,
        rule_set_id: r.rule_set_id,
        seed: r.seed,
        input_digest: r.input_digest,
        status: r.status.to_string(),
        students: summary.students,
        eligible: summary.eligible,
        placed: summary.placed,
        unplaced: summary.unplaced,
        created_at: r.created_at,
        committed_at: r.committed_at,
        result,
    })
}

/// A student placed differently by the second run.
#[derive(Debug, Object)]
pub struct MoveDto {
    pub student_id: i32,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The second run's reasons for each higher choice not obtained.
    pub why: serde_json::Value,
}
