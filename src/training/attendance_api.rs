//! API for attendance per teaching day and the certificates it earns (staff, bearer token). Thin:
//! each operation parses its input, calls one service function and answers with a typed object
//! (`attendance_types`).

use chrono::NaiveDate;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::api::ApiTags;
use super::attendance::{self, DayAttendance, DayEntry};
use super::attendance_types::{AttendanceGridDto, AttendanceRecorded, CertificatesReconciled};
use super::certificate_view::Certificate;
use super::certificates;
use crate::api::{ApiResult, BearerAuth};
use crate::auth::Capability;
use crate::state::AppState;

/// One farmer on the day.
#[derive(Debug, Object)]
pub struct AttendanceEntry {
    /// A confirmed registration of this session.
    pub registration_id: i32,
    pub present: bool,
    /// Hours attended when fewer than the day's (1 to the day's hours); omitted: the whole day
    /// when newly present (hours already recorded for a present farmer are kept), none when absent.
    pub hours: Option<i32>,
}

/// A teaching day's attendance for a list of the session's confirmed farmers; farmers not listed
/// keep what was recorded for them.
#[derive(Debug, Object)]
pub struct DayAttendanceRequest {
    /// A teaching day of the session (`YYYY-MM-DD`), today or earlier.
    pub day: NaiveDate,
    pub attendance: Vec<AttendanceEntry>,
    /// Why, for a correction (at most 200 characters); written to the audit log and, when a
    /// certificate is revoked by it, to the certificate.
    pub note: Option<String>,
}

pub struct AttendanceApi;

#[OpenApi(tag = "ApiTags::Training")]
impl AttendanceApi {
    /// The session's attendance: its teaching days (`day`, `hours`, `recorded`) and a row per
    /// confirmed farmer with a cell per day (`null` until recorded, else `present` and `hours`),
    /// the hours attended, whether they reach the course's completion share, and the certificate.
    #[oai(path = "/training-sessions/:id/attendance", method = "get")]
    async fn grid(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<AttendanceGridDto>> {
        auth.0.require(Capability::ManageTraining)?;
        Ok(Json(super::grid::grid(&state.db, id.0).await?.into()))
    }

    /// Records one teaching day. Changing what was recorded, or recording a past day, is a
    /// correction and is audited per farmer. Once the session is finished (after its last day, or
    /// on it once that day is recorded), certificates follow: issued to those whose hours reach the
    /// completion share, revoked from those a correction takes below it. All or nothing: 422
    /// naming the field for an unknown or unconfirmed registration (`attendance`), a day outside
    /// the session or in the future (`day`), hours out of range (`hours`), a bad note (`note`).
    #[oai(path = "/training-sessions/:id/attendance", method = "post")]
    async fn record(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<DayAttendanceRequest>,
    ) -> ApiResult<Json<AttendanceRecorded>> {
        auth.0.require(Capability::ManageTraining)?;
        let b = body.0;
        let input = DayAttendance {
            day: b.day,
            note: attendance::parse_note(b.note.as_deref().unwrap_or_default())?,
            entries: b
                .attendance
                .iter()
                .map(|e| DayEntry {
                    registration_id: e.registration_id,
                    present: e.present,
                    hours: e.hours,
                })
                .collect(),
        };
        let done = attendance::record_day(&state.db, &auth.0.actor(Some(state.client_ip(req))), id.0, input).await?;
        Ok(Json(done.into()))
    }

    /// Issues the certificates of a finished session (idempotent: never two for one registration;
    /// also revokes any whose attendance fell short). 409 before the last day, or on it before its
    /// attendance is recorded.
    #[oai(path = "/training-sessions/:id/certificates", method = "post")]
    async fn issue(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<CertificatesReconciled>> {
        auth.0.require(Capability::ManageTraining)?;
        let done = certificates::issue(&state.db, &auth.0.actor(Some(state.client_ip(req))), id.0).await?;
        Ok(Json(done.into()))
    }

    /// A registration's certificate with its full name, hours, issuing school and base, and
    /// status (`valid` or `revoked`, with when and why). 404 when it has none.
    #[oai(path = "/registrations/:id/certificate", method = "get")]
    async fn certificate(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<Certificate>> {
        auth.0.require(Capability::ManageTraining)?;
        let c = super::certificate_view::get_for_registration(&state.db, id.0).await?;
        Ok(Json(c))
    }
}
