//! A certificate as its page and the public verification show it: farmer, course, dates, hours,
//! issuing school and base, status (valid or revoked, with when and why), and the QR code of its
//! verify address. Reads only.

use chrono::{NaiveDate, Utc};
use entity::{certificate, course, registration, school, training_base, training_session, venue};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::error::{AppError, Context};

/// Whether a certificate stands: worked out from its revocation, not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, poem_openapi::Enum)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    Revoked,
}

impl CertificateStatus {
    /// The name pages and the API show (`valid`, `revoked`).
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Valid => "valid",
            CertificateStatus::Revoked => "revoked",
        }
    }
}

/// A certificate as its page, the public verification and the API show it: its farmer, course,
/// dates, hours, issuing school and base.
#[derive(Debug, Clone, Serialize, poem_openapi::Object)]
#[oai(rename = "TrainingCertificateView")]
pub struct Certificate {
    pub code: String,
    pub name: String,
    /// The name with the middle hidden, for the public check.
    pub name_masked: String,
    pub course: String,
    pub skill_area: String,
    /// Hours completed.
    pub hours: i32,
    pub course_hours: i32,
    pub school: Option<String>,
    pub base: String,
    pub address: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub issued_on: NaiveDate,
    pub status: CertificateStatus,
    pub revoked_on: Option<NaiveDate>,
    pub revoked_reason: Option<String>,
    pub registration_id: i32,
}

/// The certificate with this code as typed (valid or revoked); `None` when there is none, or the
/// text cannot be a code.
pub async fn find_certificate(db: &impl ConnectionTrait, typed: &str) -> Result<Option<Certificate>, AppError> {
    let Some(code) = crate::verify::normalise(typed) else {
        return Ok(None);
    };
    let found = certificate::Entity::find()
        .filter(certificate::Column::Code.eq(&code))
        .one(db)
        .await?;
    match found {
        Some(c) => describe(db, c).await,
        None => Ok(None),
    }
}

/// The certificate of a registration; NotFound when it has none.
pub async fn get_for_registration(db: &impl ConnectionTrait, registration_id: i32) -> Result<Certificate, AppError> {
    let c = certificate::Entity::find()
        .filter(certificate::Column::RegistrationId.eq(registration_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("certificate"))?;
    describe(db, c).await?.ok_or(AppError::NotFound("certificate"))
}

async fn describe(db: &impl ConnectionTrait, c: certificate::Model) -> Result<Option<Certificate>, AppError> {
    let Some(r) = registration::Entity::find_by_id(c.registration_id).one(db).await? else {
        return Ok(None);
    };
    let Some(s) = training_session::Entity::find_by_id(r.session_id).one(db).await? else {
        return Ok(None);
    };
    let (Some(k), Some(v)) = (
        course::Entity::find_by_id(s.course_id).one(db).await?,
        venue::Entity::find_by_id(s.venue_id).one(db).await?,
    ) else {
        return Ok(None);
    };
    let Some(b) = training_base::Entity::find_by_id(v.base_id).one(db).await? else {
        return Ok(None);
    };
    let school = match b.school_id {
        Some(id) => school::Entity::find_by_id(id).one(db).await?.map(|x| x.name),
        None => None,
    };
    let china = |t: chrono::DateTime<Utc>| t.with_timezone(&crate::clock::china()).date_naive();
    Ok(Some(Certificate {
        name_masked: crate::verify::mask_name(&r.name),
        name: r.name,
        course: k.title,
        skill_area: k.skill_area,
        hours: c.hours,
        course_hours: c.course_hours,
        school,
        base: b.name,
        address: b.address,
        starts_on: s.starts_on,
        ends_on: s.ends_on,
        issued_on: china(c.issued_at),
        status: if c.revoked_at.is_some() {
            CertificateStatus::Revoked
        } else {
            CertificateStatus::Valid
        },
        revoked_on: c.revoked_at.map(china),
        revoked_reason: c.revoked_reason,
        registration_id: r.id,
        code: c.code,
    }))
}

/// The verify address as a QR code in SVG (scales to its box: it has a `viewBox`).
pub fn qr_svg(url: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).context("QR code")?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build();
    // Inline in HTML: without the XML declaration.
    Ok(svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_inline_svg_that_scales() {
        let svg = qr_svg("https://train.example.cn/train/certificates/ABCDEFGHJK").expect("qr");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("viewBox"));
        assert!(svg.contains("<path"));
        assert!(!svg.contains("<?xml"));
    }
}
