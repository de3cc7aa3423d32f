//! API for the no-one-left-out ledger: lines by filter, crossing off with evidence, reinstating,
//! and the follow-up log of efforts to bring a student back. Moves parameters; the work is in
//! [`ledger`] and [`ledger_follow_ups`].

use chrono::{DateTime, NaiveDate, Utc};
use entity::{ledger_entry, ledger_follow_up};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::api::ApiTags;
use super::ledger;
use super::ledger_follow_ups::{self, FollowUpRaw};
use super::ledger_query::{self, LedgerFilter, LineState};
use crate::api::{ApiResult, BearerAuth, PageDto};
use crate::auth::Capability;
use crate::pagination::PageRequest;
use crate::state::AppState;

/// A ledger line.
#[derive(Debug, Object)]
pub struct LedgerDto {
    pub id: i32,
    pub student_id: i32,
    pub student_name: String,
    pub national_id: String,
    pub town: String,
    pub village: String,
    pub junior_high_school: String,
    pub intake_year: i32,
    /// The run that left the student unplaced or whose offer was declined or not taken up (absent
    /// for a direct placement's offer).
    pub run_id: Option<i32>,
    /// `unplaced`, `offer_declined`, `offer_not_taken_up` (no-show), `dropped_out` or
    /// `suspension_overdue`.
    pub opened_because: String,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// `placed`, `brought_back` (reported again after an offer declined, not taken up or left),
    /// `senior_high_late`, `moved_away`, `working`, `illness` or `other`.
    pub close_reason: Option<String>,
    pub close_note: Option<String>,
    pub closed_by: Option<String>,
    /// Why the run left the student unplaced: one `{programme, choice, reason, …}` per choice, as
    /// in a run's result; empty when the student made no choice. Filled on list pages.
    pub why: serde_json::Value,
    /// While open: the day the line becomes overdue for follow-up (14 days after it was opened
    /// or last followed up).
    pub follow_up_due_on: Option<NaiveDate>,
}

fn ledger_dto(l: ledger::LedgerLine) -> LedgerDto {
    let e: ledger_entry::Model = l.entry;
    LedgerDto {
        id: e.id,
        student_id: e.student_id,
        student_name: l.student_name,
        national_id: l.national_id_masked,
        town: l.town,
        village: l.village,
        junior_high_school: l.junior_high_school,
        intake_year: e.intake_year,
        run_id: e.run_id,
        opened_because: e.opened_because.to_string(),
        opened_at: e.opened_at,
        closed_at: e.closed_at,
        close_reason: e.close_reason.map(|r| r.to_string()),
        close_note: e.close_note,
        closed_by: e.closed_by,
        why: l.why,
        follow_up_due_on: e.follow_up_due_on.filter(|_| e.closed_at.is_none()),
    }
}

/// Crossing a student off the ledger.
#[derive(Debug, Object)]
pub struct CrossOffRequest {
    /// `senior_high_late`, `moved_away`, `working` (the student must be 16 or older), `illness` or
    /// `other`. A line is closed as `brought_back` only by a confirmed report, never here.
    pub reason: String,
    /// The evidence, required: the senior high school, where the family moved to, the employer,
    /// the medical certificate, or what happened.
    pub note: Option<String>,
}

/// Why a crossed-off student goes back on the ledger.
#[derive(Debug, Object)]
pub struct ReinstateRequest {
    pub reason: String,
}

/// One effort to bring a student back.
#[derive(Debug, Object)]
pub struct FollowUpDto {
    pub id: i32,
    pub ledger_entry_id: i32,
    pub followed_on: NaiveDate,
    /// `mentor`, `school_staff`, `town_official` or `other`.
    pub who: String,
    pub who_name: String,
    /// `home_visit`, `phone`, `through_village` or `other`.
    pub how: String,
    pub outcome: String,
    pub next_step: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<ledger_follow_up::Model> for FollowUpDto {
    fn from(f: ledger_follow_up::Model) -> Self {
        FollowUpDto {
            id: f.id,
            ledger_entry_id: f.ledger_entry_id,
            followed_on: f.followed_on,
            who: f.who.to_string(),
            who_name: f.who_name,
            how: f.how.to_string(),
            outcome: f.outcome,
            next_step: f.next_step,
            recorded_by: f.recorded_by,
            recorded_at: f.recorded_at,
        }
    }
}

/// A follow-up to record.
#[derive(Debug, Object)]
pub struct NewFollowUpRequest {
    /// The day of the visit or call (`YYYY-MM-DD`), not in the future, not before the line opened.
    pub followed_on: String,
    /// `mentor`, `school_staff`, `town_official` or `other`.
    pub who: String,
    /// The person's name.
    pub who_name: String,
    /// `home_visit`, `phone`, `through_village` or `other`.
    pub how: String,
    pub outcome: String,
    pub next_step: Option<String>,
}

/// A ledger line with its follow-up log, newest first.
#[derive(Debug, Object)]
pub struct LedgerLineDto {
    pub line: LedgerDto,
    pub follow_ups: Vec<FollowUpDto>,
}

#[derive(ApiResponse)]
enum FollowUpCreated {
    /// Recorded; the line's `follow_up_due_on` moves to 14 days after it.
    #[oai(status = 201)]
    Created(Json<FollowUpDto>),
}

pub struct LedgerApi;

#[OpenApi]
impl LedgerApi {
    /// The ledger of eligible students left unplaced, a page at a time, oldest first, each line
    /// with why the run left the student unplaced (`why`: the reason for each choice; empty when
    /// the student made no choice).
    #[oai(path = "/ledger", method = "get", tag = "ApiTags::Ledger")]
    #[expect(clippy::too_many_arguments, reason = "one query parameter per filter")]
    async fn ledger(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        intake_year: Query<Option<i32>>,
        /// `all` (default), `open`, `overdue` (open, no follow-up for 14 days), `crossed_off`,
        /// `placed` (closed because a later round placed the student) or `brought_back`.
        #[oai(name = "state")]
        line_state: Query<Option<String>>,
        /// Only lines still open (the same as `state=open`; kept for existing clients).
        open: Query<Option<bool>>,
        /// The household's town, exactly.
        town: Query<Option<String>>,
        /// The junior-high school, exactly.
        school: Query<Option<String>>,
        /// A cross-off reason.
        reason: Query<Option<String>>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<LedgerDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let mut line_state = LineState::parse(line_state.0.as_deref())?;
        if open.0 == Some(true) {
            line_state = LineState::Open;
        }
        let filter = LedgerFilter {
            intake_year: intake_year.0,
            state: line_state,
            town: town.0,
            school: school.0,
            reason: reason.0,
        }
        .checked()?;
        let found = ledger_query::search(&state.db, &filter, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::from_page(found, ledger_dto)))
    }

    /// Crosses a student off the ledger with a reason and its evidence (销号). Refused while the
    /// student holds an offer again (wait for the report, or record the decline).
    #[oai(path = "/ledger/:id/cross-off", method = "post", tag = "ApiTags::Ledger")]
    async fn cross_off(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<CrossOffRequest>,
    ) -> ApiResult<Json<LedgerDto>> {
        auth.0.require(Capability::RunRouting)?;
        let b = body.0;
        let closed = ledger::cross_off(
            &state.db,
            &auth.0.actor(Some(state.client_ip(req))),
            id.0,
            &b.reason,
            b.note.as_deref(),
        )
        .await?;
        Ok(Json(ledger_dto(ledger::line(&state.db, closed.id).await?)))
    }

    /// Puts a crossed-off student back on the open ledger (so later rounds route them again), with
    /// a reason; audited and written to the student's archive.
    #[oai(path = "/ledger/:id/reinstate", method = "post", tag = "ApiTags::Ledger")]
    async fn reinstate(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<ReinstateRequest>,
    ) -> ApiResult<Json<LedgerDto>> {
        auth.0.require(Capability::RunRouting)?;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let reopened = ledger::reinstate(&state.db, &actor, id.0, &body.0.reason).await?;
        Ok(Json(ledger_dto(ledger::line(&state.db, reopened.id).await?)))
    }

    /// One ledger line with its follow-up log.
    #[oai(path = "/ledger/:id", method = "get", tag = "ApiTags::Ledger")]
    async fn line(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<LedgerLineDto>> {
        auth.0.require(Capability::ReadStudents)?;
        let line = ledger::line(&state.db, id.0).await?;
        let follow_ups = ledger_follow_ups::of_line(&state.db, id.0).await?;
        Ok(Json(LedgerLineDto {
            line: ledger_dto(line),
            follow_ups: follow_ups.into_iter().map(FollowUpDto::from).collect(),
        }))
    }

    /// Records an effort to bring the student back (劝返): the day, who, how, the outcome and the
    /// next step. Only on an open line (409 otherwise); every wrong field is named (422).
    #[oai(path = "/ledger/:id/follow-ups", method = "post", tag = "ApiTags::Ledger")]
    async fn follow_up(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<NewFollowUpRequest>,
    ) -> ApiResult<FollowUpCreated> {
        auth.0.require(Capability::FollowUpLedger)?;
        let b = body.0;
        let new = FollowUpRaw {
            followed_on: b.followed_on,
            who: b.who,
            who_name: b.who_name,
            how: b.how,
            outcome: b.outcome,
            next_step: b.next_step,
        }
        .parse(crate::clock::today())?;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let saved = ledger_follow_ups::record(&state.db, &actor, id.0, new).await?;
        Ok(FollowUpCreated::Created(Json(saved.into())))
    }
}
