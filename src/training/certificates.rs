//! Completion certificates, earned by attendance: issued once a session is finished to each
//! confirmed farmer whose hours reach the course's completion share; revoked (kept, with when and
//! why) when a correction takes a farmer below it, and reinstated if a later correction brings the
//! farmer back above it. One certificate per registration, ever (a unique key), so issuing again is
//! harmless. What a certificate page and the public verification show: `certificate_view`.

use std::collections::HashMap;

use chrono::Utc;
use entity::registration::RegistrationStatus;
use entity::training_session::SessionStatus;
use entity::{attendance_day, certificate, course, registration, training_session};
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
    Err(AppError::internal("no free certificate code after 5 tries"))
}

/// Why a certificate is revoked, in the county's language (it is kept as data, like a name).
fn revoke_reason(r: &registration::Model, hours: i32, c: &course::Model, note: Option<&str>) -> String {
    let why = if r.status == RegistrationStatus::Confirmed {
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

/// What the rule does to one registration's certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Issue,
    Reinstate,
    Revoke,
    /// Still valid (or still revoked), with other hours.
    Hours,
    Nothing,
}

/// Pure: the change for a registration that has `earned` the certificate (or not) with `hours`.
fn change(earned: bool, hours: i32, cert: Option<&certificate::Model>) -> Change {
    match (earned, cert) {
        (true, None) => Change::Issue,
        (false, None) => Change::Nothing,
        (true, Some(c)) if c.revoked_at.is_some() => Change::Reinstate,
        (false, Some(c)) if c.revoked_at.is_none() => Change::Revoke,
        (_, Some(c)) if c.hours != hours => Change::Hours,
        _ => Change::Nothing,
    }
}

/// What one registration's certificate is measured against.
struct Standing<'a> {
    r: &'a registration::Model,
    hours: i32,
    cert: Option<&'a certificate::Model>,
}

/// Writes one change and audits it (not a mere change of hours, already audited as a correction).
async fn apply(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    c: &course::Model,
    x: &Standing<'_>,
    what: Change,
    note: Option<&str>,
) -> Result<(), AppError> {
    let (r, h) = (x.r, x.hours);
    let now = Utc::now();
    let update = |id: i32| {
        certificate::Entity::update_many()
            .col_expr(certificate::Column::Hours, Expr::value(h))
            .filter(certificate::Column::Id.eq(id))
    };
    let code = x.cert.map(|cert| cert.code.clone()).unwrap_or_default();
    let (action, summary) = match (what, x.cert) {
        (Change::Issue, _) => {
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
            (
                "training.certificate_issue",
                format!("{} {code}: {h} of {} h", r.name, c.hours),
            )
        }
        (Change::Reinstate, Some(cert)) => {
            update(cert.id)
                .col_expr(
                    certificate::Column::RevokedAt,
                    Expr::value(Option::<chrono::DateTime<Utc>>::None),
                )
                .col_expr(certificate::Column::RevokedReason, Expr::value(Option::<String>::None))
                .col_expr(certificate::Column::RevokedBy, Expr::value(Option::<String>::None))
                .exec(conn)
                .await?;
            let summary = format!("{} {code}: {h} of {} h after a correction", r.name, c.hours);
            ("training.certificate_reinstate", summary)
        }
        (Change::Revoke, Some(cert)) => {
            let reason = revoke_reason(r, h, c, note);
            update(cert.id)
                .col_expr(certificate::Column::RevokedAt, Expr::value(Some(now)))
                .col_expr(certificate::Column::RevokedReason, Expr::value(Some(reason.clone())))
                .col_expr(certificate::Column::RevokedBy, Expr::value(Some(actor.label.clone())))
                .exec(conn)
                .await?;
            ("training.certificate_revoke", format!("{} {code}: {reason}", r.name))
        }
        (Change::Hours, Some(cert)) => {
            update(cert.id).exec(conn).await?;
            return Ok(());
        }
        _ => return Ok(()),
    };
    audit::record(conn, actor, action, Record::new("registration", r.id), summary).await
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
    let ids: Vec<i32> = regs.iter().map(|r| r.id).collect();
    let certs = of_registrations(conn, &ids).await?;
    let mut done = Reconciled::default();
    for r in &regs {
        let x = Standing {
            r,
            hours: hours.get(&r.id).copied().unwrap_or(0),
            cert: certs.get(&r.id),
        };
        let earned = r.status == RegistrationStatus::Confirmed && days::completed(x.hours, c.hours, c.completion_share);
        let what = change(earned, x.hours, x.cert);
        match what {
            Change::Issue => done.issued += 1,
            Change::Reinstate => done.reinstated += 1,
            Change::Revoke => done.revoked += 1,
            Change::Hours | Change::Nothing => {}
        }
        apply(conn, actor, c, &x, what, note).await?;
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
    if session.status != SessionStatus::Scheduled {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(hours: i32, revoked: bool) -> certificate::Model {
        certificate::Model {
            id: 1,
            registration_id: 1,
            code: "ABCDEFGHJK".into(),
            hours,
            course_hours: 24,
            issued_at: Utc::now(),
            issued_by: "t".into(),
            revoked_at: revoked.then(Utc::now),
            revoked_reason: None,
            revoked_by: None,
        }
    }

    #[test]
    fn the_rule_issues_once_revokes_reinstates_and_keeps_hours_current() {
        assert_eq!(change(true, 24, None), Change::Issue);
        assert_eq!(change(false, 18, None), Change::Nothing);
        assert_eq!(change(true, 24, Some(&cert(24, false))), Change::Nothing, "never twice");
        assert_eq!(change(true, 20, Some(&cert(24, false))), Change::Hours);
        assert_eq!(change(false, 18, Some(&cert(24, false))), Change::Revoke);
        assert_eq!(change(false, 12, Some(&cert(18, true))), Change::Hours, "stays revoked");
        assert_eq!(change(true, 24, Some(&cert(18, true))), Change::Reinstate);
    }
}
