//! Households and students: search, the student record with its timeline and status, and the
//! audited reveal of a national ID. IDs leave this module masked unless revealed.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::{archive_entry, household, student};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, SelectTwo, Set, TransactionTrait,
};
use serde::Serialize;

use super::timeline::{self, CurrentStatus, Entry, EntryDetails, Wave};
use crate::audit::{self, Actor, Record};
use crate::auth::{Capability, CurrentUser};
use crate::crypto::IdVault;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};

/// Search criteria for students; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct StudentFilter {
    /// Part of the name.
    pub name: Option<String>,
    /// The last digits (up to 4) of the national ID.
    pub id_last_digits: Option<String>,
    pub household_number: Option<String>,
    pub town: Option<String>,
    pub junior_high_school: Option<String>,
    pub graduation_year: Option<i32>,
    /// A [`CurrentStatus::code`].
    pub status: Option<String>,
    /// The keyed look-up hash of a full national ID (see [`StudentFilter::with_national_id`]).
    pub national_id_hash: Option<String>,
    /// The order of the list (by name unless asked otherwise).
    pub sort: StudentSort,
}

/// A column a student list can be ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Name,
    School,
    GraduationYear,
    Status,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [SortKey::Name, SortKey::School, SortKey::GraduationYear, SortKey::Status];

    /// The name in `?sort=` (and the catalogue's column key).
    pub fn code(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::School => "school",
            SortKey::GraduationYear => "graduation_year",
            SortKey::Status => "status",
        }
    }

    fn column(self) -> student::Column {
        match self {
            SortKey::Name => student::Column::Name,
            SortKey::School => student::Column::JuniorHighSchool,
            SortKey::GraduationYear => student::Column::GraduationYear,
            SortKey::Status => student::Column::CurrentStatus,
        }
    }

    /// A student's value in this column.
    fn value(self, s: &student::Model) -> sea_orm::Value {
        match self {
            SortKey::Name => s.name.as_str().into(),
            SortKey::School => s.junior_high_school.as_str().into(),
            SortKey::GraduationYear => s.graduation_year.into(),
            SortKey::Status => s.current_status.as_str().into(),
        }
    }
}

/// The order of a student list: a column and a direction; `?sort=graduation_year` ascending,
/// `?sort=-graduation_year` descending. Ties go by name, then by record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StudentSort {
    pub key: SortKey,
    pub descending: bool,
}

impl StudentSort {
    /// Reads `?sort=`; empty is the default (by name). Anything else is refused naming the choices.
    pub fn parse(raw: &str) -> Result<StudentSort, AppError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(StudentSort::default());
        }
        let (descending, name) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        SortKey::ALL
            .into_iter()
            .find(|k| k.code() == name)
            .map(|key| StudentSort { key, descending })
            .ok_or_else(|| {
                let choices: Vec<&str> = SortKey::ALL.iter().map(|k| k.code()).collect();
                AppError::invalid(
                    "sort",
                    Msg::new("error.sort_invalid")
                        .arg(
                            "value",
                            raw.chars().filter(|c| !c.is_control()).take(40).collect::<String>(),
                        )
                        .arg("choices", choices.join(", ")),
                )
            })
    }

    /// The value of `?sort=` for this order.
    pub fn param(self) -> String {
        format!("{}{}", if self.descending { "-" } else { "" }, self.key.code())
    }
}

impl StudentFilter {
    /// Adds a full national ID to the search (a parent on the phone): parsed — 422 when it is not a
    /// valid ID — and matched through its keyed look-up hash, never in clear.
    pub fn with_national_id(mut self, vault: &IdVault, raw: Option<&str>) -> Result<StudentFilter, AppError> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(self);
        };
        let id = super::ids::NationalId::parse(raw).map_err(|m| AppError::invalid("national_id", m))?;
        self.national_id_hash = Some(vault.lookup_hash(id.as_str()));
        Ok(self)
    }
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// One page of students matching `filter`, in its order (by name by default).
/// The households of a town, as a subquery (a town can hold more than a query may bind).
pub fn households_in_town(town: &str) -> sea_orm::sea_query::SelectStatement {
    household::Entity::find()
        .select_only()
        .column(household::Column::Id)
        .filter(household::Column::Town.eq(town))
        .into_query()
}

/// The last one to four characters of a national ID: digits, or `X` as the check character.
fn parse_last_digits(raw: &str) -> Result<String, AppError> {
    let d = raw.trim().to_uppercase();
    let n = d.chars().count();
    let ok = (1..=4).contains(&n)
        && d.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (c == 'X' && i + 1 == n));
    if ok {
        Ok(d)
    } else {
        Err(AppError::invalid("id_last_digits", Msg::new("error.id_last_digits")))
    }
}

/// The students matching `filter` and `after` with their households (a join), in the list's order.
fn filtered(
    filter: &StudentFilter,
    after: Condition,
) -> Result<SelectTwo<student::Entity, household::Entity>, AppError> {
    let mut cond = Condition::all();
    if let Some(h) = &filter.national_id_hash {
        cond = cond.add(student::Column::NationalIdHash.eq(h.as_str()));
    }
    if let Some(n) = blank(&filter.name) {
        cond = cond.add(student::Column::Name.contains(n));
    }
    if let Some(d) = blank(&filter.id_last_digits) {
        let d = parse_last_digits(d)?;
        cond = cond.add(student::Column::NationalIdMasked.ends_with(&d));
    }
    if let Some(s) = blank(&filter.junior_high_school) {
        cond = cond.add(student::Column::JuniorHighSchool.contains(s));
    }
    if let Some(y) = filter.graduation_year {
        cond = cond.add(student::Column::GraduationYear.eq(y));
    }
    if let Some(s) = blank(&filter.status) {
        cond = cond.add(student::Column::CurrentStatus.eq(s));
    }
    let household_cond = {
        let mut c = Condition::all();
        if let Some(h) = blank(&filter.household_number) {
            c = c.add(household::Column::RegistrationNumber.eq(h.to_uppercase()));
        }
        if let Some(t) = blank(&filter.town) {
            c = c.add(household::Column::Town.eq(t));
        }
        c
    };
    if !household_cond.is_empty() {
        // A subquery, not a list of ids: a town can hold more households than SQLite allows
        // bound parameters.
        let households = household::Entity::find()
            .select_only()
            .column(household::Column::Id)
            .filter(household_cond)
            .into_query();
        cond = cond.add(student::Column::HouseholdId.in_subquery(households));
    }
    let household_of_student: sea_orm::RelationDef = student::Entity::belongs_to(household::Entity)
        .from(student::Column::HouseholdId)
        .to(household::Column::Id)
        .into();
    let order = if filter.sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    Ok(student::Entity::find()
        .join(sea_orm::JoinType::InnerJoin, household_of_student)
        .select_also(household::Entity)
        .filter(cond)
        .filter(after)
        .order_by(filter.sort.key.column(), order)
        .order_by_asc(student::Column::Name)
        .order_by_asc(student::Column::Id))
}

/// Up to `limit` students matching `filter` that come after `last` in the list's order (keyset
/// paging: each call costs the same however far into the list, unlike an offset). For exports.
pub async fn students_after(
    db: &impl ConnectionTrait,
    filter: &StudentFilter,
    last: &student::Model,
    limit: u64,
) -> Result<Vec<(student::Model, household::Model)>, AppError> {
    let key = filter.sort.key.column();
    let beyond = if filter.sort.descending {
        key.lt(filter.sort.key.value(last))
    } else {
        key.gt(filter.sort.key.value(last))
    };
    let tie = Condition::any().add(student::Column::Name.gt(last.name.as_str())).add(
        Condition::all()
            .add(student::Column::Name.eq(last.name.as_str()))
            .add(student::Column::Id.gt(last.id)),
    );
    let after = Condition::any()
        .add(beyond)
        .add(Condition::all().add(key.eq(filter.sort.key.value(last))).add(tie));
    Ok(filtered(filter, after)?
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(s, h)| h.map(|h| (s, h)))
        .collect())
}

/// One page of the students matching `filter`, with their households and the total count.
///
/// A search by full national ID is audited (who looked up an ID, and whether anyone was found),
/// like a reveal: the ID itself is not written to the log.
pub async fn search_students(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &StudentFilter,
    page: PageRequest,
) -> Result<Page<(student::Model, household::Model)>, AppError> {
    // One query for the page with its households (a join), one for the count.
    let paginator = filtered(filter, Condition::all())?.paginate(db, page.per_page);
    let total = paginator.num_items().await?;
    let items: Vec<(student::Model, household::Model)> = paginator
        .fetch_page(page.page - 1)
        .await?
        .into_iter()
        .filter_map(|(s, h)| h.map(|h| (s, h)))
        .collect();
    if filter.national_id_hash.is_some() {
        let found: Vec<String> = items
            .iter()
            .map(|(s, _): &(student::Model, household::Model)| s.id.to_string())
            .collect();
        let summary = match found.as_slice() {
            [] => "looked up a national ID: no student".to_string(),
            ids => format!("looked up a national ID: student {}", ids.join(", ")),
        };
        audit::record(
            db,
            actor,
            "student.lookup_by_id",
            Record::new("student", items.first().map_or(0, |(s, _)| s.id)),
            summary,
        )
        .await?;
    }
    Ok(Page::new(items, page, total))
}

/// A student's whole record as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct StudentRecord {
    #[serde(skip)]
    pub student: student::Model,
    pub household: household::Model,
    pub entries: Vec<EntryView>,
    pub status: CurrentStatus,
    pub waves: Vec<Wave>,
}

/// An archive entry with what the timeline needs to show it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub id: i64,
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub details: serde_json::Value,
    pub supersedes_id: Option<i64>,
    /// Set when a later entry corrects this one.
    pub superseded_by: Option<i64>,
    pub recorded_by: String,
    pub created_at: chrono::DateTime<Utc>,
}

impl EntryView {
    /// The entry as `me` may see it: phone numbers inside a record change are masked for roles
    /// that may not see them whole (as on the student's own card).
    pub fn for_viewer(mut self, me: &CurrentUser) -> EntryView {
        if let Some(changes) = self.details.get_mut("changes").and_then(|c| c.as_array_mut()) {
            for change in changes.iter_mut().filter(|c| c["field"] == "phone") {
                for side in ["from", "to"] {
                    let shown = me.phone_view(change[side].as_str().filter(|p| !p.is_empty()));
                    change[side] = serde_json::Value::String(shown.unwrap_or_default());
                }
            }
        }
        self
    }
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

/// The archive rows of a student, oldest first.
pub async fn entries_of(db: &impl ConnectionTrait, student_id: i32) -> Result<Vec<archive_entry::Model>, AppError> {
    Ok(archive_entry::Entity::find()
        .filter(archive_entry::Column::StudentId.eq(student_id))
        .order_by_asc(archive_entry::Column::OccurredOn)
        .order_by_asc(archive_entry::Column::Id)
        .all(db)
        .await?)
}

/// Turns stored rows into domain entries; a row whose JSON no longer parses is an internal error.
pub fn to_domain(rows: &[archive_entry::Model]) -> Result<Vec<Entry>, AppError> {
    rows.iter()
        .map(|r| {
            let details: EntryDetails = serde_json::from_str(&r.details)
                .map_err(|e| AppError::Internal(format!("archive entry {} has unreadable details: {e}", r.id)))?;
            Ok(Entry {
                id: r.id,
                occurred_on: r.occurred_on,
                details,
                supersedes: r.supersedes_id,
            })
        })
        .collect()
}

/// The names of the staff who recorded `rows` (user id → name), so the archive names people, not
/// ids or sign-in addresses.
pub async fn recorder_names(
    db: &impl ConnectionTrait,
    rows: &[archive_entry::Model],
) -> Result<std::collections::HashMap<i32, String>, AppError> {
    let mut ids: Vec<i32> = rows.iter().filter_map(|r| r.recorded_by).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(400) {
        for u in entity::user::Entity::find()
            .filter(entity::user::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            names.insert(u.id, u.name);
        }
    }
    Ok(names)
}

/// Who recorded an entry, by name: the account's name, or the label kept with the entry (the
/// system, an import, or an account that no longer exists).
pub fn recorder(names: &std::collections::HashMap<i32, String>, user: Option<i32>, label: String) -> String {
    user.and_then(|id| names.get(&id).cloned()).unwrap_or(label)
}

/// The full record of one student.
pub async fn student_record(db: &impl ConnectionTrait, id: i32, today: NaiveDate) -> Result<StudentRecord, AppError> {
    let s = get_student(db, id).await?;
    let h = household::Entity::find_by_id(s.household_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("household"))?;
    let rows = entries_of(db, id).await?;
    let domain = to_domain(&rows)?;
    let status = timeline::current_status(s.graduation_year, s.senior_high_status, &domain, today);
    let waves = timeline::follow_up_waves(&domain, today);
    let superseded_by: std::collections::HashMap<i64, i64> = rows
        .iter()
        .filter_map(|r| r.supersedes_id.map(|old| (old, r.id)))
        .collect();
    let names = recorder_names(db, &rows).await?;
    let entries = rows
        .into_iter()
        .map(|r| EntryView {
            id: r.id,
            superseded_by: superseded_by.get(&r.id).copied(),
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            kind: r.kind,
            occurred_on: r.occurred_on,
            supersedes_id: r.supersedes_id,
            recorded_by: recorder(&names, r.recorded_by, r.recorded_by_label),
            created_at: r.created_at,
        })
        .collect();
    Ok(StudentRecord {
        student: s,
        household: h,
        entries,
        status,
        waves,
    })
}

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
        let mut groups: HashMap<(&'static str, Option<String>), Vec<i32>> = HashMap::new();
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

/// A new archive row (not yet inserted): the one way entries are built, by hand, import or routing.
pub fn new_entry(
    student_id: i32,
    occurred_on: NaiveDate,
    details: &EntryDetails,
    supersedes: Option<i64>,
    actor: &Actor,
) -> Result<archive_entry::ActiveModel, AppError> {
    Ok(archive_entry::ActiveModel {
        student_id: Set(student_id),
        kind: Set(details.kind().to_string()),
        occurred_on: Set(occurred_on),
        details: Set(serde_json::to_string(details).map_err(|e| AppError::Internal(e.to_string()))?),
        supersedes_id: Set(supersedes),
        recorded_by: Set(actor.user_id),
        recorded_by_label: Set(actor.label.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
}

/// The kinds staff may write by hand. Offers come only from committed routing runs, mentor entries
/// from the mentoring pages, record changes from imports.
pub const HAND_WRITTEN_KINDS: &[&str] = &[
    "enrolment",
    "term_result",
    "skill_certificate",
    "internship",
    "graduation",
    "employment",
    "follow_up",
    "financial_aid",
    "note",
];

/// A correction replaces the latest version of an entry of the same kind of the same student.
async fn check_correction(
    txn: &sea_orm::DatabaseTransaction,
    student_id: i32,
    old: i64,
    kind: &str,
) -> Result<(), AppError> {
    use crate::i18n::Msg;
    let mut find = archive_entry::Entity::find_by_id(old);
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        find = find.lock_exclusive();
    }
    let target = find
        .one(txn)
        .await?
        .filter(|t| t.student_id == student_id)
        .ok_or_else(|| AppError::invalid("supersedes_id", Msg::new("error.supersedes_unknown").arg("id", old)))?;
    if target.kind != kind {
        return Err(AppError::invalid(
            "supersedes_id",
            Msg::new("error.supersedes_other_kind")
                .arg("id", old)
                .arg("kind", &target.kind),
        ));
    }
    let newer = archive_entry::Entity::find()
        .filter(archive_entry::Column::SupersedesId.eq(old))
        .one(txn)
        .await?;
    if let Some(newer) = newer {
        return Err(AppError::Conflict(
            Msg::new("error.supersedes_superseded")
                .arg("id", old)
                .arg("latest", newer.id),
        ));
    }
    Ok(())
}

/// Appends one entry to a student's archive (optionally correcting an earlier one) and refreshes the
/// cached status, in one transaction with its audit record.
pub async fn add_entry(
    db: &DatabaseConnection,
    actor: &Actor,
    student_id: i32,
    occurred_on: NaiveDate,
    details: EntryDetails,
    supersedes: Option<i64>,
) -> Result<archive_entry::Model, AppError> {
    use sea_orm::ActiveModelTrait;
    let kind = details.kind();
    if !HAND_WRITTEN_KINDS.contains(&kind) {
        return Err(AppError::invalid(
            "kind",
            crate::i18n::Msg::new("error.entry_kind_system_only").arg("kind", kind),
        ));
    }
    // A write transaction (SQLite: taken at once) and the corrected entry locked (PostgreSQL), so
    // two corrections of one entry cannot both pass the check below.
    let txn = crate::db::begin_write(db).await?;
    get_student(&txn, student_id).await?;
    if let Some(old) = supersedes {
        check_correction(&txn, student_id, old, kind).await?;
    }
    let row = new_entry(student_id, occurred_on, &details, supersedes, actor)?
        .insert(&txn)
        .await?;
    refresh_status(&txn, student_id, Utc::now().date_naive()).await?;
    let what = if supersedes.is_some() { "correction" } else { "entry" };
    audit::record(
        &txn,
        actor,
        "archive.add",
        Record::new("student", student_id),
        format!("{what} {kind} #{}", row.id),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use entity::enums::Role;

    use super::*;

    fn someone(role: Role) -> CurrentUser {
        CurrentUser {
            id: 1,
            email: "a@b.cn".into(),
            name: "甲".into(),
            role,
            must_change_password: false,
        }
    }

    #[test]
    fn phone_numbers_in_a_record_change_are_masked_for_roles_that_may_not_see_them() {
        let entry = EntryView {
            id: 1,
            kind: "record_change".into(),
            occurred_on: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default(),
            details: serde_json::json!({"kind": "record_change", "source": "import", "changes": [
                {"field": "phone", "from": "13800138000", "to": "13900139000"},
                {"field": "phone", "from": "", "to": "13700137000"},
                {"field": "guardian", "from": "王", "to": "李"},
            ]}),
            supersedes_id: None,
            superseded_by: None,
            recorded_by: "import".into(),
            created_at: Utc::now(),
        };
        let masked = entry.clone().for_viewer(&someone(Role::Viewer)).details.to_string();
        for full in ["13800138000", "13900139000", "13700137000"] {
            assert!(!masked.contains(full), "{masked}");
        }
        assert!(
            masked.contains("138****8000") && masked.contains("\"from\":\"\""),
            "{masked}"
        );
        assert!(masked.contains("\"to\":\"李\""));
        let whole = entry.for_viewer(&someone(Role::Admissions)).details.to_string();
        assert!(whole.contains("13800138000"));
    }
}
