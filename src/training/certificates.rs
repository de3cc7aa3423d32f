//! Completion certificates, earned by attendance: issued once a session is finished to each
//! confirmed farmer whose hours reach the course's completion share; revoked (kept, with when and
//! why) when a correction takes a farmer below it, and reinstated if a later correction brings the
//! farmer back above it. One certificate per registration, ever (a unique key), so issuing again is
//! harmless. Also what the certificate page and the public verification show, and its QR code.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{attendance_day, certificate, course, registration, school, training_base, training_session, venue};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use super::days;
use crate::audit::{self, Actor, Record};
use crate::clock::today;
use crate::error::AppError;
use crate::i18n::Msg;

/// What applying the rule changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Reconciled {
    pub issued: usize,
    pub revoked: usize,
    pub reinstated: usize,
}

/// Hours attended per registration of a session.
async fn hours_attended(conn: &impl ConnectionTrait, session_id: i32) -> Result<HashMap<i32, i32>, AppError> {
    let mut hours = HashMap::new();
    for a in attendance_day::Entity::find()
        .filter(attendance_day::Column::SessionId.eq(session_id))
        .filter(attendance_day::Column::Present.eq(true))
        .all(conn)
        .await?
    {
        *hours.entry(a.registration_id).or_insert(0) += a.hours;
    }
    Ok(hours)
}

async fn unused_code(conn: &impl ConnectionTrait) -> Result<String, AppError> {
    for _ in 0..5 {
        let code = crate::verify::new_code();
        let taken = certificate::Entity::find()
            .filter(certificate::Column::Code.eq(&code))
            .one(conn)
            .await?;
        if taken.is_none() {
            return Ok(code);
        }
    }
    Err(AppError::Internal("no free certificate code after 5 tries".into()))
}

/// Why a certificate is revoked, in the county's language (it is kept as data, like a name).
fn revoke_reason(r: &registration::Model, hours: i32, c: &course::Model, note: Option<&str>) -> String {
    let why = if r.status == "confirmed" {
        format!(
            "考勤更正后出勤 {hours} 学时，未达到结业要求（{} 学时的 {}%，即 {} 学时）",
            c.hours,
            c.completion_share,
            days::hours_needed(c.hours, c.completion_share)
        )
    } else {
        "报名已取消".to_string()
    };
    match note {
        Some(n) => format!("{why}；说明：{n}"),
        None => why,
    }
}

/// Applies the rule to every registration of a finished session. The caller holds the session's
/// lock inside a write transaction and has checked that the session is finished.
pub async fn reconcile(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    s: &training_session::Model,
    c: &course::Model,
    note: Option<&str>,
) -> Result<Reconciled, AppError> {
    let hours = hours_attended(conn, s.id).await?;
    let regs = registration::Entity::find()
        .filter(registration::Column::SessionId.eq(s.id))
        .all(conn)
        .await?;
    let certs: HashMap<i32, certificate::Model> = certificate::Entity::find()
        .filter(certificate::Column::RegistrationId.is_in(regs.iter().map(|r| r.id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.registration_id, c))
        .collect();
    let mut done = Reconciled::default();
    let now = Utc::now();
    for r in &regs {
        let h = hours.get(&r.id).copied().unwrap_or(0);
        let earned = r.status == "confirmed" && days::completed(h, c.hours, c.completion_share);
        let update = || certificate::Entity::update_many().col_expr(certificate::Column::Hours, Expr::value(h));
        let (action, summary) = match (earned, certs.get(&r.id)) {
            (true, None) => {
                let code = unused_code(conn).await?;
                certificate::ActiveModel {
                    registration_id: Set(r.id),
                    code: Set(code.clone()),
                    hours: Set(h),
                    course_hours: Set(c.hours),
                    issued_at: Set(now),
                    issued_by: Set(actor.label.clone()),
                    ..Default::default()
                }
                .insert(conn)
                .await?;
                done.issued += 1;
                (
                    "training.certificate_issue",
                    format!("{} {code}: {h} of {} h", r.name, c.hours),
                )
            }
            (true, Some(cert)) if cert.revoked_at.is_some() => {
                update()
                    .col_expr(
                        certificate::Column::RevokedAt,
                        Expr::value(Option::<chrono::DateTime<Utc>>::None),
                    )
                    .col_expr(certificate::Column::RevokedReason, Expr::value(Option::<String>::None))
                    .col_expr(certificate::Column::RevokedBy, Expr::value(Option::<String>::None))
                    .filter(certificate::Column::Id.eq(cert.id))
                    .exec(conn)
                    .await?;
                done.reinstated += 1;
                (
                    "training.certificate_reinstate",
                    format!("{} {}: {h} of {} h after a correction", r.name, cert.code, c.hours),
                )
            }
            (false, Some(cert)) if cert.revoked_at.is_none() => {
                let reason = revoke_reason(r, h, c, note);
                update()
                    .col_expr(certificate::Column::RevokedAt, Expr::value(Some(now)))
                    .col_expr(certificate::Column::RevokedReason, Expr::value(Some(reason.clone())))
                    .col_expr(certificate::Column::RevokedBy, Expr::value(Some(actor.label.clone())))
                    .filter(certificate::Column::Id.eq(cert.id))
                    .exec(conn)
                    .await?;
                done.revoked += 1;
                (
                    "training.certificate_revoke",
                    format!("{} {}: {reason}", r.name, cert.code),
                )
            }
            (_, Some(cert)) if cert.hours != h => {
                update().filter(certificate::Column::Id.eq(cert.id)).exec(conn).await?;
                continue;
            }
            _ => continue,
        };
        audit::record(conn, actor, action, Record::new("registration", r.id), summary).await?;
    }
    Ok(done)
}

/// Issues the certificates of a finished session (the explicit action; recording attendance after
/// the last day does the same). Refused before the last day, or on it before its attendance is in.
pub async fn issue(db: &DatabaseConnection, actor: &Actor, session_id: i32) -> Result<Reconciled, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let Some(session) = super::registrations::lock_session(&txn, session_id, false).await? else {
        return Err(AppError::NotFound("training session"));
    };
    if session.status != "scheduled" {
        return Err(AppError::Conflict(Msg::new("error.session_cancelled")));
    }
    let last_recorded = super::attendance::last_day_recorded(&txn, &session).await?;
    if !days::finished(session.ends_on, today(), last_recorded) {
        return Err(AppError::Conflict(
            Msg::new("error.certificates_too_early").arg("date", session.ends_on),
        ));
    }
    let c = course::Entity::find_by_id(session.course_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("course"))?;
    let done = reconcile(&txn, actor, &session, &c, None).await?;
    audit::record(
        &txn,
        actor,
        "training.certificates",
        Record::new("training_session", session_id),
        format!(
            "{} issued, {} revoked, {} reinstated",
            done.issued, done.revoked, done.reinstated
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(done)
}

/// A certificate as its page and the public verification show it.
#[derive(Debug, Clone, Serialize)]
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
    /// `valid` or `revoked`.
    pub status: &'static str,
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
        status: if c.revoked_at.is_some() { "revoked" } else { "valid" },
        revoked_on: c.revoked_at.map(china),
        revoked_reason: c.revoked_reason,
        registration_id: r.id,
        code: c.code,
    }))
}

/// The certificates of some registrations, by registration.
pub async fn of_registrations(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<HashMap<i32, certificate::Model>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(certificate::Entity::find()
        .filter(certificate::Column::RegistrationId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.registration_id, c))
        .collect())
}

/// The verify address as a QR code in SVG (scales to its box: it has a `viewBox`).
pub fn qr_svg(url: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
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
