//! Staff pages for attendance and certificates: the day view (one big checkbox per farmer, made
//! for a tablet in the training room, today's day by default, any past day for a correction), the
//! "issue certificates" action, and the certificate page (one A4 page to hand to the farmer).

use chrono::NaiveDate;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Value, json};

use super::attendance::{self, DayAttendance, DayEntry};
use super::{certificate_view, certificates, registrations, setup};
use crate::admissions::letters::DateParts;
use crate::auth::Capability;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::state::AppState;
use crate::web::{PortalCtx, error_text, is_form_error, redirect, render};

type PageResult = Result<Response, AppError>;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DayQuery {
    day: String,
    saved: Option<String>,
}

/// What the day page shows besides the session.
struct DayView<'a> {
    day: Option<NaiveDate>,
    notice: Value,
    note: &'a str,
    /// Ticks as posted (after a refused save), else as recorded.
    posted: Option<&'a [i32]>,
}

async fn day_page_with(
    state: &AppState,
    ctx: &PortalCtx,
    id: i32,
    view: DayView<'_>,
    status: StatusCode,
) -> PageResult {
    let card = registrations::session_cards(&state.db, false, Some(&[id]))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("training session"))?;
    let grid = super::grid::grid(&state.db, id).await?;
    let day = view
        .day
        .or(grid.today)
        .or_else(|| grid.days.iter().rev().find(|d| d.open).map(|d| d.day));
    let col = day.and_then(|d| grid.days.iter().position(|x| x.day == d && x.open));
    let rows: Vec<Value> = grid
        .rows
        .iter()
        .filter(|r| r.confirmed)
        .map(|r| {
            let cell = col.and_then(|i| r.cells.get(i).copied().flatten());
            let ticked = match view.posted {
                Some(p) => p.contains(&r.registration_id),
                None => cell.is_some_and(|c| c.present),
            };
            json!({ "id": r.registration_id, "name": r.name, "village": r.village, "cell": cell, "ticked": ticked })
        })
        .collect();
    let vars = json!({
        "s": card, "grid": grid, "day": col.map(|i| &grid.days[i]), "rows": rows,
        "past": day.is_some_and(|d| d < crate::clock::today()),
        "notice": view.notice, "note": view.note,
    });
    Ok(render(state, ctx, "training/attendance_day.html", vars)?
        .with_status(status)
        .into_response())
}

/// The day view: `?day=YYYY-MM-DD`, today's teaching day when omitted (else the last one held).
#[handler]
pub async fn day_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>, q: Query<DayQuery>) -> PageResult {
    ctx.staff(Capability::ManageTraining)?;
    let mut e = Vec::new();
    let day = match q.0.day.trim() {
        "" => None,
        typed => setup::date(&mut e, "day", typed),
    };
    let notice = if let Some(err) = e.pop() {
        json!({ "kind": "error", "text": error_text(&state, ctx.lang, &AppError::Invalid(vec![err])) })
    } else if q.0.saved.is_some() {
        json!({ "kind": "ok", "text": state.i18n.text(ctx.lang, &Msg::new("attendance.saved")) })
    } else {
        Value::Null
    };
    let view = DayView {
        day,
        notice,
        note: "",
        posted: None,
    };
    day_page_with(&state, &ctx, id.0, view, StatusCode::OK).await
}

/// The day form as posted: `day`, every farmer shown (`listed`), those ticked (`present`), `note`.
struct DayForm {
    day: String,
    listed: Vec<String>,
    present: Vec<i32>,
    note: String,
}

impl DayForm {
    fn read(text: &str) -> DayForm {
        // Checkboxes repeat the same name: read the pairs ourselves.
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text).unwrap_or_default();
        let all = |name: &'static str| pairs.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.clone());
        DayForm {
            day: all("day").next().unwrap_or_default(),
            listed: all("listed").collect(),
            present: all("present").filter_map(|v| v.trim().parse().ok()).collect(),
            note: all("note").next().unwrap_or_default(),
        }
    }

    fn parse(&self) -> Result<DayAttendance, AppError> {
        let mut e = Vec::new();
        let day = setup::date(&mut e, "day", &self.day);
        let note = attendance::parse_note(&self.note)?;
        let mut entries = Vec::new();
        for typed in &self.listed {
            let Ok(id) = typed.trim().parse::<i32>() else {
                return Err(AppError::invalid(
                    "attendance",
                    Msg::new("error.not_on_roster").arg("id", typed.trim()),
                ));
            };
            entries.push(DayEntry {
                registration_id: id,
                present: self.present.contains(&id),
                hours: None,
            });
        }
        match day {
            Some(day) if e.is_empty() => Ok(DayAttendance { day, entries, note }),
            _ => Err(AppError::Invalid(e)),
        }
    }
}

#[handler]
pub async fn save_day(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>, body: poem::Body) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let text = body
        .into_string()
        .await
        .map_err(|_| AppError::BadRequest(Msg::new("error.form_unreadable")))?;
    let form = DayForm::read(&text);
    let result = match form.parse() {
        Ok(input) => attendance::record_day(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => {
            let day = done.day.map(|d| d.to_string()).unwrap_or_default();
            Ok(redirect(&format!(
                "/training/sessions/{}/attendance?day={day}&saved=1",
                id.0
            )))
        }
        Err(e) if is_form_error(&e) => {
            let status = e.status();
            let view = DayView {
                day: NaiveDate::parse_from_str(form.day.trim(), "%Y-%m-%d").ok(),
                notice: json!({ "kind": "error", "text": error_text(&state, ctx.lang, &e) }),
                note: &form.note,
                posted: Some(&form.present),
            };
            day_page_with(&state, &ctx, id.0, view, status).await
        }
        Err(e) => Err(e),
    }
}

/// Issues the certificates of a finished session, back to the roster.
#[handler]
pub async fn issue(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    let me = ctx.staff(Capability::ManageTraining)?;
    let r = certificates::issue(&state.db, &me.actor(Some(ctx.client_ip.clone())), id.0)
        .await
        .map(|_| ());
    super::web::after(&state, &ctx, id.0, r, "certificates").await
}

/// The certificate page: one A4 page, Chinese first.
#[handler]
pub async fn certificate(state: Data<&AppState>, ctx: Data<&PortalCtx>, id: Path<i32>) -> PageResult {
    ctx.staff(Capability::ManageTraining)?;
    let c = certificate_view::get_for_registration(&state.db, id.0).await?;
    let verify_url = format!("{}/train/certificates/{}", state.config.base_url, c.code);
    let dates = json!({
        "from": DateParts::from(c.starts_on), "to": DateParts::from(c.ends_on),
        "issued": DateParts::from(c.issued_on),
    });
    let vars = json!({
        "c": c, "dates": dates, "verify_url": verify_url, "qr": certificate_view::qr_svg(&verify_url)?,
    });
    Ok(render(&state, &ctx, "training/certificate.html", vars)?.into_response())
}
