//! The cached current status of students (`student.current_status`), recomputed from the register
//! fields and the archive inside the writing transaction, or for everyone as the date moves on.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use entity::archive_entry::EntryKind;
use entity::student::StudentStatus;
use entity::{archive_entry, student};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use crate::error::AppError;
use crate::student::timeline::{self, CurrentStatus};

use super::record::to_domain;

/// Recomputes and stores the cached status of one student (call inside the writing transaction).
pub async fn refresh_status(db: &impl ConnectionTrait, id: i32, today: NaiveDate) -> Result<(), AppError> {
    refresh_statuses_of(db, &[id], today).await.map(|_| ())
}

/// Recomputes the cached status of many students at once (call inside the writing transaction):
/// a few queries per thousand students rather than three per student. Returns how many changed.
pub async fn refresh_statuses_of(db: &impl ConnectionTrait, ids: &[i32], today: NaiveDate) -> Result<usize, AppError> {
    let mut changed = 0;
    for chunk in ids.chunks(1000) {
        let students = student::Entity::find()
            .filter(student::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        let mut entries: HashMap<i32, Vec<archive_entry::Model>> = HashMap::new();
        for e in archive_entry::Entity::find()
            .filter(archive_entry::Column::StudentId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            entries.entry(e.student_id).or_default().push(e);
        }
        let mut groups: HashMap<(StudentStatus, Option<String>), Vec<i32>> = HashMap::new();
        for s in &students {
            let domain = to_domain(entries.get(&s.id).map(Vec::as_slice).unwrap_or_default())?;
            let status = timeline::current_status(s.graduation_year, s.senior_high_status, &domain, today);
            let programme = match &status {
                CurrentStatus::Placed { programme } | CurrentStatus::Enrolled { programme } => Some(programme.clone()),
                _ => None,
            };
            if s.current_status != status.code() || s.current_programme != programme {
                changed += 1;
                groups.entry((status.code(), programme)).or_default().push(s.id);
            }
        }
        for ((code, programme), ids) in groups {
            student::Entity::update_many()
                .col_expr(student::Column::CurrentStatus, sea_orm::sea_query::Expr::value(code))
                .col_expr(
                    student::Column::CurrentProgramme,
                    sea_orm::sea_query::Expr::value(programme),
                )
                .filter(student::Column::Id.is_in(ids))
                .exec(db)
                .await?;
        }
    }
    Ok(changed)
}

/// The kinds of entry that can decide a status once a student holds an offer: another offer, an
/// enrolment, a graduation, a ledger change (which may release the offer). Other kinds (notes,
/// mentoring, aid, …) never outrank an offer.
const OUTRANKING_AN_OFFER: [EntryKind; 4] = [
    EntryKind::EnrolmentOffer,
    EntryKind::Enrolment,
    EntryKind::Graduation,
    EntryKind::LedgerChange,
];

/// Refreshes the cached status of students who were just given an enrolment offer (student id,
/// programme name), in the transaction that wrote the offers: the same statuses as
/// [`refresh_statuses_of`], set-based. A student whose only deciding entry is the new offer is
/// placed in its programme (one `UPDATE` per programme); the others — an earlier offer, an
/// enrolment, a graduation or a ledger change — are recomputed from their whole archive.
pub async fn refresh_statuses_after_offers(
    db: &impl ConnectionTrait,
    offers: &[(i32, String)],
    today: NaiveDate,
) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    let mut deciding: HashMap<i32, i64> = HashMap::new();
    // The kinds are bound too: leave room for them.
    for chunk in offers.chunks(crate::db::rows_per_statement(backend, 1) - OUTRANKING_AN_OFFER.len()) {
        let counts: Vec<(i32, i64)> = archive_entry::Entity::find()
            .select_only()
            .column(archive_entry::Column::StudentId)
            .column_as(archive_entry::Column::Id.count(), "n")
            .filter(archive_entry::Column::StudentId.is_in(chunk.iter().map(|(id, _)| *id)))
            .filter(archive_entry::Column::Kind.is_in(OUTRANKING_AN_OFFER))
            .group_by(archive_entry::Column::StudentId)
            .into_tuple()
            .all(db)
            .await?;
        deciding.extend(counts);
    }
    let mut recompute = Vec::new();
    let mut placed: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (id, programme) in offers {
        match deciding.get(id) {
            // The new offer alone decides.
            Some(1) => placed.entry(programme.as_str()).or_default().push(*id),
            _ => recompute.push(*id),
        }
    }
    refresh_statuses_of(db, &recompute, today).await?;
    let size = crate::db::rows_per_statement(backend, 1) - 2;
    for (programme, ids) in placed {
        for chunk in ids.chunks(size) {
            student::Entity::update_many()
                .col_expr(student::Column::CurrentStatus, Expr::value(StudentStatus::Placed))
                .col_expr(student::Column::CurrentProgramme, Expr::value(programme))
                .filter(student::Column::Id.is_in(chunk.to_vec()))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Recomputes every student's cached status (the status changes with the date). Returns how many changed.
pub async fn refresh_all_statuses(db: &DatabaseConnection, today: NaiveDate) -> Result<usize, AppError> {
    let ids: Vec<i32> = student::Entity::find()
        .select_only()
        .column(student::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let txn = db.begin().await?;
    let changed = refresh_statuses_of(&txn, &ids, today).await?;
    txn.commit().await?;
    Ok(changed)
}
