//! API for rule sets, preferences and routing runs (the ledger's is in [`super::ledger_api`]).

use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{OpenApi, Tags};

use super::recommendations::{self, RecommendationFilter};
use super::rule_sets;
use super::{preferences, runs};
use crate::api::PageDto;
use crate::api::{ApiResult, BearerAuth};
use crate::auth::Capability;
use crate::pagination::{Page, PageRequest};
use crate::routing::instance::Rules;
use crate::state::AppState;

mod dto;

pub use dto::{
    ChoiceDto, ConfirmRecommendationsRequest, MoveDto, NewRuleSetRequest, NewRunRequest, PointsBucketDto,
    PreferencesDto, RecommendRequest, RecommendResult, RuleSetDto, RunDto, SetPreferencesRequest, TryReportDto,
};
use dto::{rule_set_dto, run_dto};

#[derive(Tags)]
pub(super) enum ApiTags {
    /// Versioned CEL rule sets (draft → published).
    RuleSets,
    /// Students' ranked programme choices.
    Preferences,
    /// Routing runs: dry run, diff, commit.
    RoutingRuns,
    /// The no-one-left-out ledger.
    Ledger,
}

pub struct RoutingApi;

#[OpenApi]
impl RoutingApi {
    /// Rule-set versions by name, newest version first, in the list shape (a handful, so the
    /// page is cut in memory).
    #[oai(path = "/rule-sets", method = "get", tag = "ApiTags::RuleSets")]
    async fn rule_sets(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<RuleSetDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let all = rule_sets::list_rule_sets(&state.db).await?;
        Ok(Json(PageDto::try_from_page(Page::slice(all, req), rule_set_dto)?))
    }

    /// Creates a draft; every rule is type-checked and errors name the rule.
    #[oai(path = "/rule-sets", method = "post", tag = "ApiTags::RuleSets")]
    async fn create_rule_set(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<NewRuleSetRequest>,
    ) -> ApiResult<Json<RuleSetDto>> {
        auth.0.require(Capability::ManageProgrammes)?;
        let b = body.0;
        let set =
            rule_sets::create_draft(&state.db, &auth.0.actor(Some(state.client_ip(req))), &b.name, b.rules).await?;
        Ok(Json(rule_set_dto(set)?))
    }

    /// One version.
    #[oai(path = "/rule-sets/:id", method = "get", tag = "ApiTags::RuleSets")]
    async fn rule_set(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<RuleSetDto>> {
        auth.0.require(Capability::ReadStudents)?;
        Ok(Json(rule_set_dto(rule_sets::get_rule_set(&state.db, id.0).await?)?))
    }

    /// Replaces a draft's rules (409 for a published version).
    #[oai(path = "/rule-sets/:id", method = "put", tag = "ApiTags::RuleSets")]
    async fn update_rule_set(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<Rules>,
    ) -> ApiResult<Json<RuleSetDto>> {
        auth.0.require(Capability::ManageProgrammes)?;
        let set = rule_sets::update_draft(&state.db, &auth.0.actor(Some(state.client_ip(req))), id.0, body.0).await?;
        Ok(Json(rule_set_dto(set)?))
    }

    /// Publishes a draft; it can never change again.
    #[oai(path = "/rule-sets/:id/publish", method = "post", tag = "ApiTags::RuleSets")]
    async fn publish(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<RuleSetDto>> {
        auth.0.require(Capability::ManageProgrammes)?;
        let set = rule_sets::publish(&state.db, &auth.0.actor(Some(state.client_ip(req))), id.0).await?;
        Ok(Json(rule_set_dto(set)?))
    }

    /// Tries a rule set (draft or published) on the current students and programmes of a year:
    /// how many are eligible, which requirements bite, the distribution of points. Stores nothing.
    #[oai(path = "/rule-sets/:id/try", method = "post", tag = "ApiTags::RuleSets")]
    async fn try_rule_set(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
        intake_year: Query<i32>,
    ) -> ApiResult<Json<TryReportDto>> {
        auth.0.require(Capability::ManageProgrammes)?;
        let r = runs::try_rule_set(&state.db, id.0, intake_year.0).await?;
        Ok(Json(TryReportDto {
            students: r.summary.students,
            eligible: r.summary.eligible,
            placed: r.summary.placed,
            unplaced: r.summary.unplaced,
            ineligible_by_rule: r.ineligible_by_rule,
            requirement_failures: r.requirement_failures,
            points_distribution: r
                .points_distribution
                .into_iter()
                .map(|b| PointsBucketDto {
                    from: b.from,
                    count: b.count,
                })
                .collect(),
        }))
    }

    /// A student's choices.
    #[oai(path = "/preferences/:student_id", method = "get", tag = "ApiTags::Preferences")]
    async fn preferences(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        student_id: Path<i32>,
    ) -> ApiResult<Json<PreferencesDto>> {
        auth.0.require(Capability::ReadStudents)?;
        let list = preferences::preferences_of(&state.db, student_id.0).await?;
        let choices = list
            .into_iter()
            .map(|(p, g)| ChoiceDto {
                rank: p.rank,
                programme_id: g.id,
                programme_code: g.code,
                programme_name: g.name,
                confirmed: p.confirmed,
            })
            .collect();
        Ok(Json(PreferencesDto {
            student_id: student_id.0,
            choices,
        }))
    }

    /// Replaces a student's choices (confirmed).
    #[oai(path = "/preferences/:student_id", method = "put", tag = "ApiTags::Preferences")]
    async fn set_preferences(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        student_id: Path<i32>,
        body: Json<SetPreferencesRequest>,
    ) -> ApiResult<Json<PreferencesDto>> {
        auth.0.require(Capability::RunRouting)?;
        preferences::set_preferences(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            student_id.0,
            &body.0.programme_ids,
        )
        .await?;
        self.preferences(auth, state, student_id).await
    }

    /// Confirms a student's recommended choices as they are.
    #[oai(
        path = "/preferences/:student_id/confirm",
        method = "post",
        tag = "ApiTags::Preferences"
    )]
    async fn confirm(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        student_id: Path<i32>,
    ) -> ApiResult<Json<PreferencesDto>> {
        auth.0.require(Capability::RunRouting)?;
        preferences::confirm(&state.db, &auth.0.actor(Some(state.client_ip(req))), student_id.0).await?;
        self.preferences(auth, state, student_id).await
    }

    /// Recommends programmes (skill-area match, then same town) to students without choices.
    #[oai(path = "/preferences/recommend", method = "post", tag = "ApiTags::Preferences")]
    async fn recommend(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<RecommendRequest>,
    ) -> ApiResult<Json<RecommendResult>> {
        auth.0.require(Capability::RunRouting)?;
        let n = preferences::recommend(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            body.0.graduation_year,
            body.0.intake_year,
        )
        .await?;
        Ok(Json(RecommendResult { students: n as u64 }))
    }

    /// Confirms the recommended choices of every student of a graduation year (optionally of one
    /// town and one junior-high school) whose recommendations are not yet confirmed, in one
    /// transaction; audited with the count.
    #[oai(path = "/preferences/confirm-all", method = "post", tag = "ApiTags::Preferences")]
    async fn confirm_all(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<ConfirmRecommendationsRequest>,
    ) -> ApiResult<Json<RecommendResult>> {
        auth.0.require(Capability::RunRouting)?;
        let b = body.0;
        let filter = RecommendationFilter {
            graduation_year: b.graduation_year,
            town: b.town.filter(|t| !t.trim().is_empty()),
            school: b.junior_high_school.filter(|s| !s.trim().is_empty()),
        };
        let n = recommendations::confirm_all(&state.db, &auth.0.actor(Some(state.client_ip(req))), &filter).await?;
        Ok(Json(RecommendResult { students: n }))
    }

    /// Runs, newest first, in the list shape (paged by the database).
    #[oai(path = "/routing-runs", method = "get", tag = "ApiTags::RoutingRuns")]
    async fn runs(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<RunDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let found = runs::page_runs(&state.db, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::try_from_page(found, |r| run_dto(r, false))?))
    }

    /// Computes and stores a dry run; archives are not touched. Answers like `GET
    /// /routing-runs/{id}`.
    #[oai(path = "/routing-runs", method = "post", tag = "ApiTags::RoutingRuns")]
    async fn create_run(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<NewRunRequest>,
    ) -> ApiResult<Json<RunDto>> {
        auth.0.require(Capability::RunRouting)?;
        let b = body.0;
        let run = runs::dry_run(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            runs::RunRequest {
                intake_year: b.intake_year,
                rule_set_id: b.rule_set_id,
                seed: b.seed,
            },
        )
        .await?;
        Ok(Json(run_dto(run, true)?))
    }

    /// One run with its per-programme result; the per-student placements are paged at
    /// `/routing-runs/{id}/placements`.
    #[oai(path = "/routing-runs/:id", method = "get", tag = "ApiTags::RoutingRuns")]
    async fn run(&self, auth: BearerAuth, state: poem::web::Data<&AppState>, id: Path<i32>) -> ApiResult<Json<RunDto>> {
        auth.0.require(Capability::ReadStudents)?;
        Ok(Json(run_dto(runs::get_run(&state.db, id.0).await?, true)?))
    }

    /// Writes the run's offers into the archives and opens ledger lines, in one transaction.
    #[oai(path = "/routing-runs/:id/commit", method = "post", tag = "ApiTags::RoutingRuns")]
    async fn commit(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<RunDto>> {
        auth.0.require(Capability::RunRouting)?;
        let run = runs::commit(&state.db, &auth.0.actor(Some(state.client_ip(req))), id.0).await?;
        Ok(Json(run_dto(run, false)?))
    }

    /// Students placed differently by run `other` than by run `id`, with the reasons, by student
    /// id, in the list shape.
    #[oai(path = "/routing-runs/:id/diff/:other", method = "get", tag = "ApiTags::RoutingRuns")]
    async fn diff(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
        other: Path<i32>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<MoveDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let moves = runs::diff(&state.db, id.0, other.0).await?;
        Ok(Json(PageDto::from_page(Page::slice(moves, req), |m| MoveDto {
            student_id: m.student_id,
            from: m.from,
            to: m.to,
            why: serde_json::to_value(m.why).unwrap_or_default(),
        })))
    }
}
