//! Households and students: search, the student record with its timeline and status, and the
//! audited reveal of a national ID. IDs leave this module masked unless revealed.

mod entries;
mod record;
mod search;
mod status;

pub use entries::{HAND_WRITTEN_KINDS, add_entry, new_entry};
pub use record::{EntryView, RecordedEntry, StudentRecord, recorded_entries, student_record, to_domain};
pub use search::{
    ListedStudent, SortKey, StudentFilter, StudentSort, households_in_town, search_page, search_students,
    students_after,
};
pub use status::{refresh_all_statuses, refresh_status, refresh_statuses_after_run, refresh_statuses_of};

use std::collections::HashMap;

use entity::{household, student};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use crate::audit::{self, Record};
use crate::auth::{Capability, CurrentUser};
use crate::crypto::IdVault;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};

/// A student's household, to join (the entities declare no relation).
fn household_of_student() -> sea_orm::RelationDef {
    student::Entity::belongs_to(household::Entity)
        .from(student::Column::HouseholdId)
        .to(household::Column::Id)
        .into()
}

/// One student, or NotFound.
pub async fn get_student(db: &impl ConnectionTrait, id: i32) -> Result<student::Model, AppError> {
    student::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("student"))
}

/// Students by id with their households by household id, read in chunks: a county's list would
/// pass the databases' limit on bound parameters. Ids with no student are left out.
pub async fn students_with_households(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> Result<(HashMap<i32, student::Model>, HashMap<i32, household::Model>), AppError> {
    let mut students = HashMap::new();
    let mut households = HashMap::new();
    for chunk in ids.chunks(1000) {
        let found = student::Entity::find()
            .filter(student::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        let hh_ids: std::collections::BTreeSet<i32> = found.iter().map(|s| s.household_id).collect();
        for h in household::Entity::find()
            .filter(household::Column::Id.is_in(hh_ids))
            .all(db)
            .await?
        {
            households.insert(h.id, h);
        }
        students.extend(found.into_iter().map(|s| (s.id, s)));
    }
    Ok((students, households))
}

/// The full national ID, for a user allowed to see it; the reveal is recorded in the audit log first.
pub async fn reveal_national_id(
    db: &DatabaseConnection,
    vault: &IdVault,
    user: &CurrentUser,
    client_ip: Option<String>,
    student_id: i32,
) -> Result<String, AppError> {
    user.require(Capability::RevealNationalId)?;
    let s = get_student(db, student_id).await?;
    let clear = vault.decrypt(&s.national_id_enc)?;
    let txn = db.begin().await?;
    let summary = format!("revealed the national ID of {} ({})", s.name, s.national_id_masked);
    audit::record(
        &txn,
        &user.actor(client_ip),
        "student.reveal_id",
        Record::new("student", student_id),
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(clear)
}

/// Households by registration number, one page.
pub async fn list_households(
    db: &impl ConnectionTrait,
    town: Option<&str>,
    page: PageRequest,
) -> Result<Page<household::Model>, AppError> {
    let mut q = household::Entity::find();
    if let Some(t) = town.map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(household::Column::Town.eq(t));
    }
    let paginator = q
        .order_by_asc(household::Column::RegistrationNumber)
        .paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    Ok(Page::new(paginator.fetch_page(page.page - 1).await?, page, total))
}

/// One household and its students.
pub async fn get_household(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<(household::Model, Vec<student::Model>), AppError> {
    let h = household::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("household"))?;
    let students = student::Entity::find()
        .filter(student::Column::HouseholdId.eq(id))
        .order_by_asc(student::Column::Name)
        .all(db)
        .await?;
    Ok((h, students))
}
