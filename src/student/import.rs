//! Import of the poverty register's student lists: always a preview first (counts of new, changed
//! and unchanged students and households, and every bad row), then an atomic commit of the good
//! rows. Households are matched by registration number, students by the keyed hash of their
//! national ID. Re-importing the same file changes nothing; a changed value is updated and the
//! change is recorded in the student's archive.

use std::collections::HashMap;

use chrono::Utc;
use entity::{archive_entry, household, import_batch, preference, programme, student};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::register::{self, RegisterRow, RowError};
use super::table;
use super::timeline::{self, EntryDetails, FieldChange};
use crate::audit::{self, Actor, Record};
use crate::crypto::IdVault;
use crate::error::AppError;
use crate::i18n::{Catalogues, Lang, Msg};

/// Counts of one kind of record in an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// A bad row, kept with its message key so it can be shown in either language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportError {
    pub line: usize,
    pub column: String,
    pub key: String,
    pub args: Vec<(String, String)>,
}

impl ReportError {
    fn from_row_error(e: &RowError) -> ReportError {
        ReportError {
            line: e.line,
            column: e.column.clone(),
            key: e.msg.key.to_string(),
            args: e.msg.args.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        }
    }

    /// The reason in `lang`.
    pub fn text(&self, i18n: &Catalogues, lang: Lang) -> String {
        i18n.render(lang, &self.key, self.args.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// What an import found (preview) or did (commit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub file_name: String,
    /// Data rows read (not counting the header).
    pub rows: usize,
    pub students: Counts,
    pub households: Counts,
    pub errors: Vec<ReportError>,
    pub committed: bool,
}

impl ImportReport {
    /// Each bad row as `line N, column C: reason`, the CLI's and the CSV download's format.
    pub fn error_lines(&self, i18n: &Catalogues, lang: Lang) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| {
                let column = if e.column.is_empty() {
                    "-".to_string()
                } else {
                    e.column.clone()
                };
                format!("line {}, column {}: {}", e.line, column, e.text(i18n, lang))
            })
            .collect()
    }
}

/// How a commit runs.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    /// Test hook: fail after writing this many new students, to prove the commit is atomic.
    pub fail_after_new_students: Option<usize>,
    /// Where the commit reports how far it got, for the portal's progress page.
    pub progress: Option<std::sync::Arc<Progress>>,
}

/// Rows written so far out of the rows to write; read by another task while a commit runs.
#[derive(Debug, Default)]
pub struct Progress {
    pub total: std::sync::atomic::AtomicUsize,
    pub done: std::sync::atomic::AtomicUsize,
    pub finished: std::sync::atomic::AtomicBool,
    /// The error, when the commit failed.
    pub error: std::sync::Mutex<Option<String>>,
}

impl Progress {
    fn set_total(&self, n: usize) {
        self.total.store(n, std::sync::atomic::Ordering::Relaxed);
    }
    fn add(&self, n: usize) {
        self.done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
    /// `(done, total)`.
    pub fn get(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.done.load(Relaxed), self.total.load(Relaxed))
    }
}

/// Reads and checks a file without writing anything.
pub async fn preview(
    db: &impl ConnectionTrait,
    vault: &IdVault,
    file_name: &str,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<ImportReport, AppError> {
    let (rows, mut errors, row_count) = parse(bytes, sheet)?;
    let rows = check_preferences(db, rows, &mut errors).await?;
    let existing = Existing::load(db).await?;
    let plan = plan(&rows, &existing, vault);
    Ok(plan.report(file_name, row_count, &errors, false))
}

/// Stores an uploaded file with its preview, for a later [`commit_batch`].
pub async fn create_batch(
    db: &DatabaseConnection,
    vault: &IdVault,
    actor: &Actor,
    file_name: &str,
    bytes: Vec<u8>,
    sheet: Option<String>,
) -> Result<(import_batch::Model, ImportReport), AppError> {
    let report = preview(db, vault, file_name, &bytes, sheet.as_deref()).await?;
    let batch = import_batch::ActiveModel {
        file_name: Set(file_name.chars().take(255).collect()),
        file_sha256: Set(crate::auth::sha256_hex_bytes(&bytes)),
        content: Set(bytes),
        sheet: Set(sheet),
        status: Set("previewed".into()),
        report: Set(serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?),
        created_by: Set(actor.user_id),
        created_at: Set(Utc::now()),
        committed_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((batch, report))
}

/// One stored import and its latest report.
pub async fn get_batch(db: &impl ConnectionTrait, id: i32) -> Result<(import_batch::Model, ImportReport), AppError> {
    let batch = import_batch::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound("import"))?;
    let report: ImportReport =
        serde_json::from_str(&batch.report).map_err(|e| AppError::Internal(format!("import report: {e}")))?;
    Ok((batch, report))
}

/// Commits a previewed batch: the file is checked again against the current data and its good
/// rows are written in one transaction. Committing twice is refused.
pub async fn commit_batch(
    db: &DatabaseConnection,
    vault: &IdVault,
    actor: &Actor,
    id: i32,
    options: CommitOptions,
) -> Result<ImportReport, AppError> {
    let (batch, _) = get_batch(db, id).await?;
    if batch.status == "committed" {
        return Err(AppError::Conflict(Msg::new("error.import_already_committed")));
    }
    let (rows, mut errors, row_count) = parse(&batch.content, batch.sheet.as_deref())?;
    let txn = db.begin().await?;
    let rows = check_preferences(&txn, rows, &mut errors).await?;
    // Claim the batch inside the transaction: a second concurrent commit finds it committed.
    let claimed = import_batch::Entity::update_many()
        .col_expr(
            import_batch::Column::Status,
            sea_orm::sea_query::Expr::value("committed"),
        )
        .col_expr(
            import_batch::Column::CommittedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(import_batch::Column::Id.eq(id))
        .filter(import_batch::Column::Status.eq("previewed"))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(AppError::Conflict(Msg::new("error.import_already_committed")));
    }
    let existing = Existing::load(&txn).await?;
    let plan = plan(&rows, &existing, vault);
    apply(&txn, vault, actor, &plan, options).await?;
    apply_preferences(&txn, vault, &rows).await?;
    let report = plan.report(&batch.file_name, row_count, &errors, true);
    import_batch::Entity::update_many()
        .col_expr(
            import_batch::Column::Report,
            sea_orm::sea_query::Expr::value(
                serde_json::to_string(&report).map_err(|e| AppError::Internal(e.to_string()))?,
            ),
        )
        .filter(import_batch::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let summary = format!(
        "{}: students {} new, {} changed, {} unchanged; households {} new, {} changed; {} bad rows",
        report.file_name,
        report.students.new,
        report.students.changed,
        report.students.unchanged,
        report.households.new,
        report.households.changed,
        report.errors.len()
    );
    audit::record(&txn, actor, "import.commit", Record::new("import_batch", id), summary).await?;
    txn.commit().await?;
    Ok(report)
}

/// Preview and commit in one step (the CLI's `--commit`).
pub async fn import_now(
    db: &DatabaseConnection,
    vault: &IdVault,
    actor: &Actor,
    file_name: &str,
    bytes: Vec<u8>,
    sheet: Option<String>,
) -> Result<ImportReport, AppError> {
    let (batch, _) = create_batch(db, vault, actor, file_name, bytes, sheet).await?;
    commit_batch(db, vault, actor, batch.id, CommitOptions::default()).await
}

type Parsed = (Vec<RegisterRow>, Vec<RowError>, usize);

fn parse(bytes: &[u8], sheet: Option<&str>) -> Result<Parsed, AppError> {
    let table = table::read_table(bytes, sheet).map_err(|m| AppError::invalid("file", m))?;
    let row_count = table.rows.len();
    let (rows, errors) = register::parse_rows(&table).map_err(|m| AppError::invalid("file", m))?;
    Ok((rows, errors, row_count))
}

/// Drops rows whose 志愿 name a programme code that does not exist in their graduation year,
/// reporting each as a bad row (a row is written whole or not at all).
async fn check_preferences(
    db: &impl ConnectionTrait,
    rows: Vec<RegisterRow>,
    errors: &mut Vec<RowError>,
) -> Result<Vec<RegisterRow>, AppError> {
    if rows.iter().all(|r| r.preferences.is_empty()) {
        return Ok(rows);
    }
    let codes: std::collections::HashSet<(i32, String)> = programme::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.intake_year, p.code))
        .collect();
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        match row
            .preferences
            .iter()
            .find(|c| !codes.contains(&(row.graduation_year, (*c).clone())))
        {
            None => kept.push(row),
            Some(code) => errors.push(RowError {
                line: row.line,
                column: register::header_of(register::Column::Preferences).to_string(),
                msg: Msg::new("student.preferences_unknown")
                    .arg("code", code)
                    .arg("year", row.graduation_year),
            }),
        }
    }
    errors.sort_by_key(|e| e.line);
    Ok(kept)
}

/// Sets the choices of every row that lists some (confirmed: they come from the register), when
/// they differ from the stored ones.
async fn apply_preferences(txn: &impl ConnectionTrait, vault: &IdVault, rows: &[RegisterRow]) -> Result<(), AppError> {
    let with: Vec<&RegisterRow> = rows.iter().filter(|r| !r.preferences.is_empty()).collect();
    if with.is_empty() {
        return Ok(());
    }
    let programmes: HashMap<(i32, String), i32> = programme::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| ((p.intake_year, p.code), p.id))
        .collect();
    let students: HashMap<String, i32> = student::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|s| (s.national_id_hash, s.id))
        .collect();
    let mut current: HashMap<i32, Vec<i32>> = HashMap::new();
    for p in preference::Entity::find()
        .order_by_asc(preference::Column::Rank)
        .all(txn)
        .await?
    {
        current.entry(p.student_id).or_default().push(p.programme_id);
    }
    let now = Utc::now();
    let mut inserts = Vec::new();
    let mut replaced = Vec::new();
    for row in with {
        let Some(&sid) = students.get(&vault.lookup_hash(row.national_id.as_str())) else {
            continue;
        };
        let wanted: Vec<i32> = row
            .preferences
            .iter()
            .filter_map(|c| programmes.get(&(row.graduation_year, c.clone())).copied())
            .collect();
        if current.get(&sid) == Some(&wanted) {
            continue;
        }
        replaced.push(sid);
        for (rank, pid) in wanted.into_iter().enumerate() {
            inserts.push(preference::ActiveModel {
                student_id: Set(sid),
                programme_id: Set(pid),
                rank: Set(rank as i32 + 1),
                confirmed: Set(true),
                created_at: Set(now),
                ..Default::default()
            });
        }
    }
    for chunk in replaced.chunks(500) {
        preference::Entity::delete_many()
            .filter(preference::Column::StudentId.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
    }
    for chunk in inserts.chunks(400) {
        preference::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    Ok(())
}

/// The database's current households and students, keyed for matching.
struct Existing {
    households: HashMap<String, household::Model>,
    /// Household id → registration number.
    numbers: HashMap<i32, String>,
    students: HashMap<String, student::Model>,
}

impl Existing {
    async fn load(db: &impl ConnectionTrait) -> Result<Existing, AppError> {
        let households = household::Entity::find().all(db).await?;
        let students = student::Entity::find().all(db).await?;
        Ok(Existing {
            numbers: households
                .iter()
                .map(|h| (h.id, h.registration_number.clone()))
                .collect(),
            households: households
                .into_iter()
                .map(|h| (h.registration_number.clone(), h))
                .collect(),
            students: students.into_iter().map(|s| (s.national_id_hash.clone(), s)).collect(),
        })
    }
}

/// Household values as a row states them.
#[derive(Debug, Clone, PartialEq)]
struct HouseholdValues {
    number: String,
    town: String,
    village: String,
    head: String,
}

enum Action<T> {
    New,
    Changed(T, Vec<FieldChange>),
    Unchanged,
}

impl<T> Action<T> {
    fn code(&self) -> u8 {
        match self {
            Action::New => 0,
            Action::Changed(..) => 1,
            Action::Unchanged => 2,
        }
    }
}

/// What a commit would do; computed without I/O from the rows and the current data.
struct Plan<'a> {
    households: Vec<(HouseholdValues, Action<household::Model>)>,
    students: Vec<(&'a RegisterRow, String, Action<student::Model>)>,
}

impl Plan<'_> {
    fn report(&self, file_name: &str, rows: usize, errors: &[RowError], committed: bool) -> ImportReport {
        let count = |actions: &mut dyn Iterator<Item = u8>| {
            let mut c = Counts::default();
            for a in actions {
                match a {
                    0 => c.new += 1,
                    1 => c.changed += 1,
                    _ => c.unchanged += 1,
                }
            }
            c
        };
        ImportReport {
            file_name: file_name.to_string(),
            rows,
            students: count(&mut self.students.iter().map(|(_, _, a)| a.code())),
            households: count(&mut self.households.iter().map(|(_, a)| a.code())),
            errors: errors.iter().map(ReportError::from_row_error).collect(),
            committed,
        }
    }
}

fn plan<'a>(rows: &'a [RegisterRow], existing: &Existing, vault: &IdVault) -> Plan<'a> {
    let mut households = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in rows {
        let number = row.household_number.as_str().to_string();
        if !seen.insert(number.clone()) {
            continue;
        }
        let values = HouseholdValues {
            town: row.town.clone(),
            village: row.village.clone(),
            head: row
                .head_of_household
                .as_ref()
                .map(|h| h.as_str().to_string())
                .unwrap_or_default(),
            number: number.clone(),
        };
        let action = match existing.households.get(&number) {
            None => Action::New,
            Some(h) => {
                let mut changes = Vec::new();
                diff(&mut changes, "town", &h.town, &values.town);
                diff(&mut changes, "village", &h.village, &values.village);
                if !values.head.is_empty() {
                    diff(&mut changes, "head_of_household", &h.head_of_household, &values.head);
                }
                if changes.is_empty() {
                    Action::Unchanged
                } else {
                    Action::Changed(h.clone(), changes)
                }
            }
        };
        households.push((values, action));
    }
    let students = rows
        .iter()
        .map(|row| {
            let hash = vault.lookup_hash(row.national_id.as_str());
            let action = match existing.students.get(&hash) {
                None => Action::New,
                Some(s) => {
                    let current_household = existing
                        .numbers
                        .get(&s.household_id)
                        .map(String::as_str)
                        .unwrap_or_default();
                    let changes = student_changes(s, current_household, row);
                    if changes.is_empty() {
                        Action::Unchanged
                    } else {
                        Action::Changed(s.clone(), changes)
                    }
                }
            };
            (row, hash, action)
        })
        .collect();
    Plan { households, students }
}

fn diff(changes: &mut Vec<FieldChange>, field: &str, from: &str, to: &str) {
    if from != to {
        changes.push(FieldChange {
            field: field.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        });
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn score(s: Option<f64>) -> String {
    s.map(|v| format!("{v}")).unwrap_or_default()
}

fn student_changes(s: &student::Model, household_number: &str, row: &RegisterRow) -> Vec<FieldChange> {
    let mut c = Vec::new();
    let sex = row.sex.unwrap_or_else(|| row.national_id.sex());
    diff(&mut c, "name", &s.name, row.name.as_str());
    diff(&mut c, "sex", s.sex.as_str(), sex.as_str());
    diff(
        &mut c,
        "birth_date",
        &s.birth_date.to_string(),
        &row.birth_date.to_string(),
    );
    diff(
        &mut c,
        "phone",
        &opt(&s.phone),
        &row.phone.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default(),
    );
    diff(&mut c, "guardian", &opt(&s.guardian), &opt(&row.guardian));
    diff(
        &mut c,
        "junior_high_school",
        &s.junior_high_school,
        &row.junior_high_school,
    );
    diff(
        &mut c,
        "graduation_year",
        &s.graduation_year.to_string(),
        &row.graduation_year.to_string(),
    );
    diff(&mut c, "exam_score", &score(s.exam_score), &score(row.exam_score));
    diff(
        &mut c,
        "senior_high_status",
        s.senior_high_status.as_str(),
        row.senior_high_status.as_str(),
    );
    diff(
        &mut c,
        "disability",
        &s.disability.to_string(),
        &row.disability.to_string(),
    );
    diff(
        &mut c,
        "intended_skill",
        &opt(&s.intended_skill),
        &opt(&row.intended_skill),
    );
    diff(
        &mut c,
        "household_number",
        household_number,
        row.household_number.as_str(),
    );
    c
}

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK: usize = 400;

async fn apply(
    txn: &impl ConnectionTrait,
    vault: &IdVault,
    actor: &Actor,
    plan: &Plan<'_>,
    options: CommitOptions,
) -> Result<(), AppError> {
    let now = Utc::now();
    let today = now.date_naive();
    let new_households: Vec<household::ActiveModel> = plan
        .households
        .iter()
        .filter(|(_, a)| matches!(a, Action::New))
        .map(|(v, _)| household::ActiveModel {
            registration_number: Set(v.number.clone()),
            town: Set(v.town.clone()),
            village: Set(v.village.clone()),
            head_of_household: Set(v.head.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    for chunk in new_households.chunks(CHUNK) {
        household::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    for (v, action) in &plan.households {
        if let Action::Changed(h, _) = action {
            let mut m = h.clone().into_active_model();
            m.town = Set(v.town.clone());
            m.village = Set(v.village.clone());
            if !v.head.is_empty() {
                m.head_of_household = Set(v.head.clone());
            }
            m.updated_at = Set(now);
            m.update(txn).await?;
        }
    }
    let household_ids: HashMap<String, i32> = household::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|h| (h.registration_number, h.id))
        .collect();
    let household_id = |number: &str| {
        household_ids
            .get(number)
            .copied()
            .ok_or_else(|| AppError::Internal(format!("household {number} vanished")))
    };

    let mut new_students = Vec::new();
    for (row, hash, action) in &plan.students {
        if matches!(action, Action::New) {
            new_students.push(new_student(
                row,
                hash,
                vault,
                household_id(row.household_number.as_str())?,
                today,
            )?);
        }
    }
    let progress = options.progress.as_deref();
    let changed_count = plan
        .students
        .iter()
        .filter(|(_, _, a)| matches!(a, Action::Changed(..)))
        .count();
    if let Some(p) = progress {
        p.set_total(new_students.len() + changed_count);
    }
    let mut written = 0;
    for chunk in new_students.chunks(CHUNK) {
        student::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
        written += chunk.len();
        if let Some(p) = progress {
            p.add(chunk.len());
        }
        if options.fail_after_new_students.is_some_and(|n| written >= n) {
            return Err(AppError::Internal("injected failure during import".into()));
        }
    }
    let mut change_entries = Vec::new();
    for (row, _, action) in &plan.students {
        if let Action::Changed(s, changes) = action {
            let updated = update_student(txn, s, row, household_id(row.household_number.as_str())?).await?;
            let details = EntryDetails::RecordChange {
                source: "import".into(),
                changes: changes.clone(),
            };
            change_entries.push(crate::student::students::new_entry(s.id, today, &details, None, actor)?);
            super::students::refresh_status(txn, updated.id, today).await?;
            if let Some(p) = progress {
                p.add(1);
            }
        }
    }
    for chunk in change_entries.chunks(CHUNK) {
        archive_entry::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    Ok(())
}

fn new_student(
    row: &RegisterRow,
    hash: &str,
    vault: &IdVault,
    household_id: i32,
    today: chrono::NaiveDate,
) -> Result<student::ActiveModel, AppError> {
    let now = Utc::now();
    let status = timeline::current_status(row.graduation_year, row.senior_high_status, &[], today);
    Ok(student::ActiveModel {
        household_id: Set(household_id),
        name: Set(row.name.as_str().to_string()),
        sex: Set(row.sex.unwrap_or_else(|| row.national_id.sex())),
        national_id_enc: Set(vault.encrypt(row.national_id.as_str())?),
        national_id_hash: Set(hash.to_string()),
        national_id_masked: Set(row.national_id.masked()),
        birth_date: Set(row.birth_date),
        phone: Set(row.phone.as_ref().map(|p| p.as_str().to_string())),
        guardian: Set(row.guardian.clone()),
        junior_high_school: Set(row.junior_high_school.clone()),
        graduation_year: Set(row.graduation_year),
        exam_score: Set(row.exam_score),
        senior_high_status: Set(row.senior_high_status),
        disability: Set(row.disability),
        intended_skill: Set(row.intended_skill.clone()),
        current_status: Set(status.code().to_string()),
        current_programme: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
}

async fn update_student(
    txn: &impl ConnectionTrait,
    s: &student::Model,
    row: &RegisterRow,
    household_id: i32,
) -> Result<student::Model, AppError> {
    let mut m = s.clone().into_active_model();
    m.household_id = Set(household_id);
    m.name = Set(row.name.as_str().to_string());
    m.sex = Set(row.sex.unwrap_or_else(|| row.national_id.sex()));
    m.birth_date = Set(row.birth_date);
    m.phone = Set(row.phone.as_ref().map(|p| p.as_str().to_string()));
    m.guardian = Set(row.guardian.clone());
    m.junior_high_school = Set(row.junior_high_school.clone());
    m.graduation_year = Set(row.graduation_year);
    m.exam_score = Set(row.exam_score);
    m.senior_high_status = Set(row.senior_high_status);
    m.disability = Set(row.disability);
    m.intended_skill = Set(row.intended_skill.clone());
    m.updated_at = Set(Utc::now());
    let updated = m.update(txn).await?;
    Ok(updated)
}
