//! The cached current status of students (`student.current_status`), recomputed from the register
//! fields and the archive inside the writing transaction, or for everyone as the date moves on.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::archive_entry::EntryKind;
use entity::student::StudentStatus;
use entity::{archive_entry, student};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    TransactionTrait,
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

/// The placements of a committed run with their programme's name, and whose student has exactly
/// one deciding archive entry (`{op}` `=`: the new offer alone decides) or another number (`<>`).
/// Placeholders: the four kinds, then the run twice. A join on counts grouped once, not a count per
/// placement: PostgreSQL has no statistics yet for the rows the transaction has just written, and
/// planned a correlated count as a scan per placement (80,000 placements: minutes).
const DECIDED_BY_THE_OFFER: &str = "SELECT pl.student_id AS student_id, pr.name AS programme \
     FROM placement pl JOIN programme pr ON pr.id = pl.programme_id \
     LEFT JOIN (SELECT a.student_id AS student_id, COUNT(*) AS n FROM archive_entry a \
     WHERE a.kind IN (?, ?, ?, ?) AND a.student_id IN (SELECT student_id FROM placement WHERE run_id = ?) \
     GROUP BY a.student_id) deciding ON deciding.student_id = pl.student_id \
     WHERE pl.run_id = ? AND COALESCE(deciding.n, 0) {op} 1";

/// Refreshes the cached status of the students the committed run `run_id` has just given an
/// enrolment offer, in the transaction that wrote the offers: the same statuses as
/// [`refresh_statuses_of`], set-based. A student whose only deciding entry is the new offer is
/// placed in its programme by one `UPDATE … FROM` for the whole run; the others — an earlier offer,
/// an enrolment, a graduation or a ledger change — are recomputed from their whole archive.
pub async fn refresh_statuses_after_run(
    db: &impl ConnectionTrait,
    run_id: i32,
    today: NaiveDate,
) -> Result<(), AppError> {
    let backend = db.get_database_backend();
    let values = || {
        let mut v: Vec<sea_orm::Value> = OUTRANKING_AN_OFFER.iter().map(|k| k.to_value().into()).collect();
        v.extend([run_id.into(), run_id.into()]);
        v
    };
    let others = DECIDED_BY_THE_OFFER.replace("{op}", "<>");
    let recompute: Vec<i32> = db
        .query_all_raw(crate::db::statement(backend, &others, values()))
        .await?
        .iter()
        .map(|row| row.try_get::<i32>("", "student_id"))
        .collect::<Result<_, _>>()?;
    refresh_statuses_of(db, &recompute, today).await?;
    let mut placed = vec![StudentStatus::Placed.to_value().into()];
    placed.extend(values());
    let update = format!(
        "UPDATE student SET current_status = ?, current_programme = offered.programme FROM ({}) AS offered \
         WHERE student.id = offered.student_id",
        DECIDED_BY_THE_OFFER.replace("{op}", "=")
    );
    db.execute_raw(crate::db::statement(backend, &update, placed)).await?;
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
