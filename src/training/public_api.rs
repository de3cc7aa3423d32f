//! The public training endpoints farmers' apps may use (no login): upcoming sessions,
//! registration, check and cancel with phone + code, interest, certificate check. Every answer is
//! a typed object; the input rules are stated in the document (`crate::api_doc`).

use chrono::NaiveDate;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::api::ApiTags;
use super::registrations::{self, Canceller, RegistrationForm, SessionCard};
use crate::api::{ApiResult, PageDto};
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;
use crate::training::certificate_view::CertificateStatus;

/// A registration on the public form.
#[derive(Debug, Object)]
pub struct PublicRegistration {
    pub name: String,
    /// 11-digit mainland mobile number.
    pub phone: String,
    pub town: String,
    pub village: String,
    /// Household registration number (建档立卡编号), optional.
    pub household_number: Option<String>,
}

impl PublicRegistration {
    fn form(self) -> RegistrationForm {
        RegistrationForm {
            name: self.name,
            phone: self.phone,
            town: self.town,
            village: self.village,
            household_number: self.household_number.unwrap_or_default(),
        }
    }
}

/// The outcome of a registration.
#[derive(Debug, Object)]
pub struct RegisteredDto {
    /// `confirmed` or `waitlisted`.
    pub status: String,
    /// Place on the waitlist (1 = next), when waitlisted.
    pub position: Option<u64>,
    /// The confirmation code; with the phone it checks or cancels the registration.
    pub code: String,
    pub session_id: i32,
}

/// Interest in a course without a date.
#[derive(Debug, Object)]
pub struct InterestRequest {
    pub course_id: i32,
    pub name: String,
    pub phone: String,
    pub town: String,
    pub village: String,
}

/// A registration as its farmer checks it.
#[derive(Debug, Object)]
pub struct RegistrationCheck {
    /// `confirmed`, `waitlisted` or `cancelled`.
    pub status: String,
    /// Place on the waitlist (1 = next), when waitlisted.
    pub position: Option<u64>,
    pub code: String,
    pub name: String,
    pub session: SessionCard,
    /// Hours attended, once any day of it is recorded.
    pub hours_attended: Option<i32>,
    /// The code of the completion certificate, while it is valid.
    pub certificate_code: Option<String>,
}

/// A cancelled registration.
#[derive(Debug, Object)]
pub struct CancelledDto {
    /// `cancelled`.
    pub status: String,
    pub code: String,
}

/// A completion certificate as anyone may check it.
#[derive(Debug, Object)]
pub struct CertificateCheck {
    /// True only while the certificate is not revoked.
    pub valid: bool,
    /// `valid` or `revoked`.
    pub status: String,
    /// The day attendance was corrected below the course's completion share.
    pub revoked_on: Option<NaiveDate>,
    pub code: String,
    /// The name with the middle hidden.
    pub name: String,
    pub course: String,
    /// Hours completed.
    pub hours: i32,
    pub course_hours: i32,
    pub school: Option<String>,
    pub base: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub issued_on: NaiveDate,
}

pub struct PublicApi;

#[OpenApi(tag = "ApiTags::Public")]
impl PublicApi {
    /// Upcoming sessions with seats left, optionally of one town or course, by start date, in the
    /// list shape `{items, page, per_page, total, pages}` (paged in memory after the filters).
    #[oai(path = "/public/training-sessions", method = "get")]
    async fn sessions(
        &self,
        state: poem::web::Data<&AppState>,
        town: Query<Option<String>>,
        course_id: Query<Option<i32>>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<SessionCard>>> {
        let req = PageRequest::new(page.0, per_page.0)?;
        let cards: Vec<_> = registrations::session_cards(&state.db, true, None)
            .await?
            .into_iter()
            .filter(|c| town.0.as_deref().is_none_or(|t| t.is_empty() || c.town == t))
            .filter(|c| course_id.0.is_none_or(|id| c.course_id == id))
            .collect();
        Ok(Json(PageDto::from_page(Page::slice(cards, req), |c| c)))
    }

    /// Registers for a session: a place, or the waitlist when it is full. 409 when the phone
    /// already holds a place in this session; 429 after too many attempts.
    #[oai(path = "/public/training-sessions/:id/registrations", method = "post")]
    async fn register(
        &self,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<PublicRegistration>,
    ) -> ApiResult<Json<RegisteredDto>> {
        let input = body.0.form().parse()?;
        let r = registrations::register(
            &state.db,
            &state.config.rate_limits.public,
            id.0,
            input,
            &state.client_ip(req),
        )
        .await?;
        Ok(Json(RegisteredDto {
            status: r.status.to_string(),
            position: r.position,
            code: r.code,
            session_id: r.session_id,
        }))
    }

    /// A registration by its code and the phone it was made with.
    #[oai(path = "/public/registrations/:code", method = "get")]
    async fn check(
        &self,
        state: poem::web::Data<&AppState>,
        req: &Request,
        code: Path<String>,
        phone: Query<String>,
    ) -> ApiResult<Json<RegistrationCheck>> {
        let found = registrations::lookup(
            &state.db,
            &state.config.rate_limits.public,
            &phone.0,
            &code.0,
            &state.client_ip(req),
        )
        .await?;
        let certificate_code = found.certificate.filter(|c| c.revoked_at.is_none()).map(|c| c.code);
        Ok(Json(RegistrationCheck {
            status: found.registration.status.to_string(),
            position: found.position,
            code: found.registration.code,
            name: found.registration.name,
            session: found.session,
            hours_attended: found.hours_attended,
            certificate_code,
        }))
    }

    /// Cancels a registration by its code and phone.
    #[oai(path = "/public/registrations/:code", method = "delete")]
    async fn cancel(
        &self,
        state: poem::web::Data<&AppState>,
        req: &Request,
        code: Path<String>,
        phone: Query<String>,
    ) -> ApiResult<Json<CancelledDto>> {
        let ip = state.client_ip(req);
        let r = registrations::cancel(
            &state.db,
            Canceller::Farmer {
                phone: &phone.0,
                code: &code.0,
                client_ip: &ip,
                limits: &state.config.rate_limits.public,
            },
        )
        .await?;
        Ok(Json(CancelledDto {
            status: r.status.to_string(),
            code: r.code,
        }))
    }

    /// Registers interest in a course without a date; enough interest proposes a session.
    #[oai(path = "/public/interest", method = "post")]
    async fn interest(
        &self,
        state: poem::web::Data<&AppState>,
        req: &Request,
        body: Json<InterestRequest>,
    ) -> ApiResult<Json<super::interest::Registered>> {
        let b = body.0;
        let form = RegistrationForm {
            name: b.name,
            phone: b.phone,
            town: b.town,
            village: b.village,
            ..Default::default()
        };
        let r = super::interest::register_interest(
            &state.db,
            &state.config.rate_limits.public,
            Some(b.course_id),
            &form,
            &state.client_ip(req),
        )
        .await?;
        Ok(Json(r))
    }

    /// Verifies a completion certificate: `valid` is true only while it is not revoked; `status`
    /// is `valid` or `revoked` (with `revoked_on`, the day attendance was corrected below the
    /// course's completion share); `hours` are the hours completed of `course_hours`. 404 when no
    /// certificate has this code.
    #[oai(path = "/public/certificates/:code", method = "get")]
    async fn certificate(
        &self,
        state: poem::web::Data<&AppState>,
        code: Path<String>,
    ) -> ApiResult<Json<CertificateCheck>> {
        let c = registrations::certificate(&state.db, &code.0)
            .await?
            .ok_or(AppError::NotFound("certificate"))?;
        Ok(Json(CertificateCheck {
            valid: c.status == CertificateStatus::Valid,
            status: c.status.as_str().to_string(),
            revoked_on: c.revoked_on,
            code: c.code,
            name: c.name_masked,
            course: c.course,
            hours: c.hours,
            course_hours: c.course_hours,
            school: c.school,
            base: c.base,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            issued_on: c.issued_on,
        }))
    }
}
