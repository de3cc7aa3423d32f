//! Proposals and the courses without one, as staff read them: named from the catalogue and
//! explained in the reader's language (the portal's or the API client's). [`without_proposal`]
//! answers why each course with enough interest has no open proposal, from the same evaluation
//! `proposals` runs, without writing.

use entity::session_proposal::ProposalStatus;
use entity::{course, interest, session_proposal};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde::Serialize;
use serde_json::{Value, json};

use super::proposals;
use super::propose::{Outcome, PassedOver, Reason};
use super::setup_view::Words;
use crate::error::{AppError, Context};
use crate::i18n::{Catalogues, Lang, Msg};

/// A proposal with names, for staff.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalRow {
    #[serde(flatten)]
    pub proposal: session_proposal::Model,
    pub course: String,
    /// Base and venue.
    pub venue: String,
    pub instructor: String,
    /// The base's town.
    pub town: String,
    pub seats: i32,
    /// Nearer bases that could not host, nearest first, each with its typed reason.
    pub passed_over: Vec<PassedOver>,
}

/// Proposals, open ones first, newest first.
pub async fn proposals(db: &impl ConnectionTrait) -> Result<Vec<ProposalRow>, AppError> {
    let rows = session_proposal::Entity::find()
        .order_by_desc(session_proposal::Column::Id)
        .all(db)
        .await?;
    let cat = super::setup::catalogue(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        let venue = cat.venues.iter().find(|v| v.id == p.venue_id);
        let base = venue.and_then(|v| cat.bases.iter().find(|b| b.id == v.base_id));
        let passed_over = serde_json::from_str(&p.passed_over)
            .map_err(|e| AppError::internal_from(format!("proposal {}", p.id), e))?;
        out.push(ProposalRow {
            course: cat
                .courses
                .iter()
                .find(|c| c.id == p.course_id)
                .map(|c| c.title.clone())
                .unwrap_or_default(),
            venue: match (base, venue) {
                (Some(b), Some(v)) => format!("{} {}", b.name, v.name),
                _ => String::new(),
            },
            instructor: cat
                .instructors
                .iter()
                .find(|i| i.id == p.instructor_id)
                .map(|i| i.name.clone())
                .unwrap_or_default(),
            town: base.map(|b| b.town.clone()).unwrap_or_default(),
            seats: venue.map(|v| v.seats).unwrap_or_default(),
            passed_over,
            proposal: p,
        });
    }
    out.sort_by_key(|p| p.proposal.status != ProposalStatus::Proposed);
    Ok(out)
}

/// A course with enough interest and no open proposal, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unproposed {
    pub course_id: i32,
    pub course: String,
    /// Farmers waiting (not invited, not in a proposal).
    pub waiting: usize,
    pub min_cohort: i32,
    pub reason: Reason,
    /// Each base tried, nearest first, with its own reason (empty when none was tried).
    pub bases: Vec<PassedOver>,
}

/// Every course with enough interest and no open proposal, with the reason, by course id. Reads
/// only.
pub async fn without_proposal(conn: &impl ConnectionTrait) -> Result<Vec<Unproposed>, AppError> {
    let loaded = proposals::load(conn).await?;
    let waiting = proposals::waiting(conn, None).await?;
    let courses = course::Entity::find()
        .order_by_asc(course::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for course in courses {
        let mine: Vec<interest::Model> = waiting.iter().filter(|i| i.course_id == course.id).cloned().collect();
        if (mine.len() as i32) < course.min_cohort || loaded.open_of(course.id).is_some() {
            continue;
        }
        let (reason, bases) = match loaded.assess(&course, &mine, false) {
            Outcome::Blocked { reason, bases } => (reason, bases),
            Outcome::Proposed(choice) => {
                let base = loaded
                    .bases
                    .iter()
                    .find(|b| b.id == choice.base_id)
                    .map(|b| b.name.clone())
                    .unwrap_or_default();
                let reason = Reason::Ready {
                    base,
                    starts_on: choice.plan.starts_on,
                };
                (reason, choice.passed_over)
            }
        };
        out.push(Unproposed {
            course_id: course.id,
            course: course.title,
            waiting: mine.len(),
            min_cohort: course.min_cohort,
            reason,
            bases,
        });
    }
    Ok(out)
}

/// Why this base, in `lang`: the interest and the choice, then each nearer base passed over with
/// its reason. Proposals made before reasons were kept show their stored text.
pub fn explain(i18n: &Catalogues, lang: Lang, row: &ProposalRow) -> Vec<String> {
    let p = &row.proposal;
    let Some(near) = p.near else {
        return vec![p.why.clone()];
    };
    let mut lines = vec![
        i18n.text(
            lang,
            &Msg::new("proposal.why")
                .arg("interested", p.interested)
                .arg("near", near)
                .arg("town", &row.town)
                .arg("venue", &row.venue)
                .arg("seats", row.seats)
                .arg("instructor", &row.instructor)
                .arg("from", p.starts_on)
                .arg("to", p.ends_on),
        ),
    ];
    lines.extend(row.passed_over.iter().map(|b| passed_over(i18n, lang, b)));
    lines
}

pub(super) fn passed_over(i18n: &Catalogues, lang: Lang, b: &PassedOver) -> String {
    i18n.text(
        lang,
        &Msg::new("proposal.passed_over")
            .arg("base", &b.base)
            .arg("town", &b.town)
            .arg("near", b.near)
            .arg("reason", reason_text(i18n, lang, &b.reason)),
    )
}

/// A reason in the reader's words: opening days named (周一至周五, Mon–Fri), blackouts listed
/// with the language's separator.
pub(super) fn reason_text(i18n: &Catalogues, lang: Lang, reason: &Reason) -> String {
    let msg = match reason {
        Reason::BaseClosed { days, open_days } => Msg::new("proposal.reason_base_closed")
            .arg("days", days)
            .arg("open_days", Words::new(i18n, lang).open_days(open_days)),
        Reason::NoFreeDays { from, until, blackouts } if !blackouts.is_empty() => {
            Msg::new("proposal.reason_no_free_days_blackouts")
                .arg("from", from)
                .arg("until", until)
                .arg("blackouts", Words::new(i18n, lang).list(blackouts))
        }
        other => other.msg(),
    };
    i18n.text(lang, &msg)
}

/// Proposals as a page or the API shows them: each row with its `explanation` lines.
pub fn with_explanations(i18n: &Catalogues, lang: Lang, rows: Vec<ProposalRow>) -> Result<Vec<Value>, AppError> {
    rows.into_iter()
        .map(|r| {
            let lines = explain(i18n, lang, &r);
            let mut v = serde_json::to_value(&r).context("encoding a proposal reason as JSON")?;
            v["explanation"] = json!(lines);
            v["approvable"] = json!(r.proposal.status == ProposalStatus::Proposed);
            Ok(v)
        })
        .collect()
}

/// A course without a proposal as a page or the API shows it: the typed reason, its `message`, and
/// each base tried with its own reason as `bases[].message`.
pub fn unproposed(i18n: &Catalogues, lang: Lang, rows: &[Unproposed]) -> Vec<Value> {
    rows.iter()
        .map(|u| {
            json!({
                "course_id": u.course_id, "course": u.course, "waiting": u.waiting, "min_cohort": u.min_cohort,
                "reason": u.reason, "message": reason_text(i18n, lang, &u.reason),
                "bases": u.bases.iter().map(|b| json!({
                    "base_id": b.base_id, "base": b.base, "town": b.town, "near": b.near, "reason": b.reason,
                    "message": passed_over(i18n, lang, b),
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}
