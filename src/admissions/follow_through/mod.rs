//! From offer to classroom (报到): a school confirms that offered students reported (an `enrolment`
//! entry in each archive); staff record a declined offer (the seat goes back to the programme, the
//! student onto the ledger with the reason); closing the reporting window turns every offer not
//! confirmed into a no-show (seat released, ledger line `offer_not_taken_up`). Each is one audited
//! transaction; closing twice changes nothing the second time.

use chrono::Utc;
use entity::ledger_entry::OpenedBecause;
use entity::placement::PlacementStatus;
use entity::{ledger_entry, placement, programme, school};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::student::timeline::EntryDetails;

mod leaving;

pub use leaving::{Leaving, overdue_returns, record_leaving};

/// Why a student declined an offer, stored as its name in the placement's release reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    ParentsDecision,
    ChoseWork,
    Moved,
    /// Needs a note saying what.
    Other,
}

impl DeclineReason {
    pub const ALL: [DeclineReason; 4] = [
        DeclineReason::ParentsDecision,
        DeclineReason::ChoseWork,
        DeclineReason::Moved,
        DeclineReason::Other,
    ];

    /// The stored name (`parents_decision`, `chose_work`, `moved`, `other`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineReason::ParentsDecision => "parents_decision",
            DeclineReason::ChoseWork => "chose_work",
            DeclineReason::Moved => "moved",
            DeclineReason::Other => "other",
        }
    }

    /// Its label in the catalogues.
    pub fn i18n_key(self) -> &'static str {
        match self {
            DeclineReason::ParentsDecision => "class_list.reason_parents_decision",
            DeclineReason::ChoseWork => "class_list.reason_chose_work",
            DeclineReason::Moved => "class_list.reason_moved",
            DeclineReason::Other => "class_list.reason_other",
        }
    }

    /// The reason named by `raw` (trimmed), or an error listing the choices.
    pub fn parse(raw: &str) -> Result<DeclineReason, AppError> {
        let raw = raw.trim();
        DeclineReason::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| {
                let allowed = DeclineReason::ALL.map(DeclineReason::as_str).join(", ");
                AppError::invalid("reason", Msg::new("error.choice_invalid").arg("allowed", allowed))
            })
    }
}

/// Most placements confirmed in one request.
pub const MAX_BULK: usize = 500;

async fn school_and_programme(
    db: &impl ConnectionTrait,
    programme_id: i32,
) -> Result<(String, programme::Model), AppError> {
    let prog = programme::Entity::find_by_id(programme_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("programme"))?;
    let school = school::Entity::find_by_id(prog.school_id)
        .one(db)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    Ok((school, prog))
}

/// The offer `id`, still waiting for its student (in force, not yet reported); 409 naming it
/// otherwise.
async fn waiting_offer(txn: &impl ConnectionTrait, id: i32) -> Result<placement::Model, AppError> {
    let p = placement::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound("placement"))?;
    if p.released_at.is_some() || p.status != PlacementStatus::Offered {
        return Err(AppError::Conflict(
            Msg::new("error.placement_not_waiting").arg("id", id),
        ));
    }
    Ok(p)
}

/// Confirms that the students of `ids` reported to school, all or none: a placement unknown,
/// released or already reported refuses the whole request, naming it. A student on the ledger
/// after an earlier offer (declined, no-show, dropout) is crossed off as brought back.
pub async fn confirm_reported(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: &[i32],
) -> Result<Vec<placement::Model>, AppError> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(AppError::invalid(
            "placement_ids",
            Msg::new("error.report_bulk_size").arg("max", MAX_BULK),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let done = confirm_in(&txn, actor, ids).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`confirm_reported`] in the caller's transaction and without its bound on the count (an
/// enrolment roster may name a whole school): an `enrolment` entry in each archive, the placement
/// `reported`, the statuses refreshed, one audit row. The placement is claimed by a conditional
/// update, so a concurrent confirm or decline of the same offer makes one of them fail whole.
pub(crate) async fn confirm_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    ids: &[i32],
) -> Result<Vec<placement::Model>, AppError> {
    let now = Utc::now();
    let mut done = Vec::with_capacity(ids.len());
    for &id in ids {
        let p = waiting_offer(txn, id).await?;
        let claimed = placement::Entity::update_many()
            .col_expr(placement::Column::Status, sea_orm::sea_query::Expr::value("reported"))
            .col_expr(placement::Column::ReportedAt, sea_orm::sea_query::Expr::value(now))
            .filter(placement::Column::Id.eq(id))
            .filter(placement::Column::Status.eq(PlacementStatus::Offered))
            .filter(placement::Column::ReleasedAt.is_null())
            .exec(txn)
            .await?;
        if claimed.rows_affected != 1 {
            return Err(AppError::Conflict(
                Msg::new("error.placement_not_waiting").arg("id", id),
            ));
        }
        let (school, prog) = school_and_programme(txn, p.programme_id).await?;
        let note = format!("{school} {}", prog.name);
        super::ledger::close_as_brought_back(txn, actor, p.intake_year, p.student_id, &note).await?;
        let details = EntryDetails::Enrolment {
            school,
            programme: prog.name,
            class_name: None,
        };
        crate::student::students::new_entry(p.student_id, now.date_naive(), &details, None, actor)?
            .insert(txn)
            .await?;
        done.push(placement::Model {
            status: PlacementStatus::Reported,
            reported_at: Some(now),
            ..p
        });
    }
    let students: Vec<i32> = done.iter().map(|p| p.student_id).collect();
    crate::student::students::refresh_statuses_of(txn, &students, now.date_naive()).await?;
    audit::record(
        txn,
        actor,
        "placement.reported",
        Record::new("placement", ids.first().copied().unwrap_or_default()),
        format!("{} students reported to school", done.len()),
    )
    .await?;
    Ok(done)
}

/// One page of the placements of `intake_year` in `programmes` (a school's class list), by
/// programme, then in the order they were made.
pub async fn class_list(
    db: &impl ConnectionTrait,
    intake_year: i32,
    programmes: Vec<i32>,
    page: crate::pagination::PageRequest,
) -> Result<crate::pagination::Page<placement::Model>, AppError> {
    use sea_orm::{PaginatorTrait, QueryOrder};
    let paginator = placement::Entity::find()
        .filter(placement::Column::IntakeYear.eq(intake_year))
        .filter(placement::Column::ProgrammeId.is_in(programmes))
        .order_by_asc(placement::Column::ProgrammeId)
        .order_by_asc(placement::Column::Id)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.page - 1).await?;
    Ok(crate::pagination::Page::new(items, page, total))
}

/// Releases a waiting offer's seat and puts the student on the ledger, in the caller's transaction.
async fn release(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    p: placement::Model,
    status: PlacementStatus,
    reason: &str,
    note: Option<&str>,
) -> Result<placement::Model, AppError> {
    let now = Utc::now();
    let opened_because = match status {
        PlacementStatus::Declined => OpenedBecause::OfferDeclined,
        PlacementStatus::NoShow => OpenedBecause::OfferNotTakenUp,
        PlacementStatus::DroppedOut if reason == OpenedBecause::SuspensionOverdue.as_str() => {
            OpenedBecause::SuspensionOverdue
        }
        _ => OpenedBecause::DroppedOut,
    };
    // A student already on the ledger (declined or left before, offered again and gone again)
    // keeps the line they have: it records the effort to bring them back since.
    let open = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::StudentId.eq(p.student_id))
        .filter(ledger_entry::Column::IntakeYear.eq(p.intake_year))
        .filter(ledger_entry::Column::ClosedAt.is_null())
        .one(txn)
        .await?;
    match open {
        Some(line) => {
            let mut line: ledger_entry::ActiveModel = line.into();
            line.placement_id = Set(Some(p.id));
            line.update(txn).await?;
        }
        None => {
            ledger_entry::ActiveModel {
                student_id: Set(p.student_id),
                intake_year: Set(p.intake_year),
                run_id: Set(p.run_id),
                opened_at: Set(now),
                why: Set("[]".into()),
                opened_because: Set(opened_because),
                placement_id: Set(Some(p.id)),
                follow_up_due_on: Set(Some(super::ledger::follow_up_due(crate::clock::today()))),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    let details = EntryDetails::LedgerChange {
        action: opened_because.as_str().into(),
        reason: reason.into(),
        note: note.map(str::to_string),
    };
    crate::student::students::new_entry(p.student_id, now.date_naive(), &details, None, actor)?
        .insert(txn)
        .await?;
    // The guardian is not told of an offer that no longer stands.
    crate::outbox::withdraw(
        txn,
        &super::offers::message_key(p.id),
        &format!("placement {} released ({status}) before the message went out", p.id),
    )
    .await?;
    let mut active: placement::ActiveModel = p.into();
    active.status = Set(status);
    active.released_at = Set(Some(now));
    active.release_reason = Set(Some(reason.into()));
    active.release_note = Set(note.map(str::to_string));
    Ok(active.update(txn).await?)
}

/// Records that the student declined the offer: the seat goes back to the programme for the next
/// round and the student onto the ledger with the reason (a note is required for `other`).
pub async fn decline(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    reason: &str,
    note: Option<&str>,
) -> Result<placement::Model, AppError> {
    let reason = DeclineReason::parse(reason)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if reason == DeclineReason::Other && note.is_none() {
        return Err(AppError::invalid("note", Msg::new("error.ledger_note_required")));
    }
    if let Some(n) = note {
        super::check_note("note", n, 500)?;
    }
    let txn = crate::db::begin_write(db).await?;
    let p = waiting_offer(&txn, id).await?;
    let student = p.student_id;
    let released = release(&txn, actor, p, PlacementStatus::Declined, reason.as_str(), note).await?;
    crate::student::students::refresh_statuses_of(&txn, &[student], Utc::now().date_naive()).await?;
    audit::record(
        &txn,
        actor,
        "placement.declined",
        Record::new("placement", id),
        format!("student {student} declined the offer: {}", reason.as_str()),
    )
    .await?;
    txn.commit().await?;
    Ok(released)
}

/// The no-show email to one mentor.
#[derive(serde::Serialize)]
struct NoShowEmail<'a> {
    #[serde(skip)]
    kind: &'static str,
    mentor_name: &'a str,
    student_name: &'a str,
    role: &'static str,
    school: &'a str,
    programme: &'a str,
    student_url: String,
}

impl crate::outbox::Message for NoShowEmail<'_> {
    const CHANNEL: crate::outbox::Channel = crate::outbox::Channel::Email;
    fn kind(&self) -> &'static str {
        self.kind
    }
}

/// Tells each of the student's current mentors, once per placement and mentor (the outbox key),
/// that the student did not report (`mentee_no_show`) or dropped out (`mentee_dropped_out`).
async fn tell_mentors(
    txn: &impl ConnectionTrait,
    config: &crate::config::Config,
    p: &placement::Model,
    kind: &'static str,
) -> Result<(), AppError> {
    use entity::{mentor_assignment, student, user};
    let Some(pupil) = student::Entity::find_by_id(p.student_id).one(txn).await? else {
        return Ok(());
    };
    let (school, prog) = school_and_programme(txn, p.programme_id).await?;
    let mentors = mentor_assignment::Entity::find()
        .filter(mentor_assignment::Column::StudentId.eq(p.student_id))
        .filter(mentor_assignment::Column::InForce.is_not_null())
        .all(txn)
        .await?;
    for a in mentors {
        let Some(mentor) = user::Entity::find_by_id(a.mentor_id).one(txn).await? else {
            continue;
        };
        if !mentor.active {
            continue;
        }
        let ctx = NoShowEmail {
            kind,
            mentor_name: &mentor.name,
            student_name: &pupil.name,
            role: crate::mentor::labels::zh(a.role.i18n_key())?,
            school: &school,
            programme: &prog.name,
            student_url: format!("{}/students/{}", config.base_url, pupil.id),
        };
        let key = format!("{kind}:{}:{}", p.id, mentor.id);
        crate::outbox::enqueue(txn, crate::outbox::Notice::new(key, &mentor.email, ctx)).await?;
    }
    Ok(())
}

/// Closes reporting for the year (one school's programmes, or all): every offer still waiting
/// becomes a no-show, and the student's mentors are told by email. Returns how many; a second
/// close finds none.
pub async fn close_reporting(
    db: &DatabaseConnection,
    config: &crate::config::Config,
    actor: &Actor,
    intake_year: i32,
    school_id: Option<i32>,
) -> Result<usize, AppError> {
    let txn = crate::db::begin_write(db).await?;
    let mut programmes = programme::Entity::find().filter(programme::Column::IntakeYear.eq(intake_year));
    if let Some(s) = school_id {
        programmes = programmes.filter(programme::Column::SchoolId.eq(s));
    }
    let ids: Vec<i32> = programmes.all(&txn).await?.into_iter().map(|p| p.id).collect();
    let pending: Vec<placement::Model> = placement::Entity::find()
        .filter(placement::Column::IntakeYear.eq(intake_year))
        .filter(placement::Column::ProgrammeId.is_in(ids))
        .filter(placement::Column::ReleasedAt.is_null())
        .filter(placement::Column::Status.eq(PlacementStatus::Offered))
        .all(&txn)
        .await?;
    let students: Vec<i32> = pending.iter().map(|p| p.student_id).collect();
    for p in pending {
        tell_mentors(&txn, config, &p, "mentee_no_show").await?;
        release(&txn, actor, p, PlacementStatus::NoShow, "no_show", None).await?;
    }
    crate::student::students::refresh_statuses_of(&txn, &students, Utc::now().date_naive()).await?;
    audit::record(
        &txn,
        actor,
        "reporting.closed",
        Record::new("intake_year", intake_year),
        format!(
            "reporting closed for {intake_year}{}: {} offers not taken up",
            school_id.map(|s| format!(", school {s}")).unwrap_or_default(),
            students.len()
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(students.len())
}
