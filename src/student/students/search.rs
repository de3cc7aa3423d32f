//! Finding students: the filter and sort of a student list, one page of it (a search by full
//! national ID is audited), and keyset paging for exports. Reads only (and the audit record of an
//! ID search).

use crate::crypto::IdVault;

use chrono::NaiveDate;
use entity::enums::{SeniorHighStatus, Sex};
use entity::student::StudentStatus;
use entity::{household, student};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
};

use crate::audit::{self, Actor, Record};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};

/// A student as a list shows them: the student's own columns a list, an export or the API shows,
/// and the household's number, town and village. Not the encrypted ID, its look-up hash or the
/// timestamps: a list page read every column of both tables (27, four of them date-times to parse),
/// and each column of each row is copied, sent and looked up by name on its way out of the
/// database, most of what a page of 50 cost.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct ListedStudent {
    pub id: i32,
    pub household_id: i32,
    pub name: String,
    pub sex: Sex,
    pub national_id_masked: String,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub guardian: Option<String>,
    pub junior_high_school: String,
    pub graduation_year: i32,
    pub exam_score: Option<f64>,
    pub senior_high_status: SeniorHighStatus,
    pub disability: bool,
    pub intended_skill: Option<String>,
    pub current_status: StudentStatus,
    pub current_programme: Option<String>,
    pub household_number: String,
    pub town: String,
    pub village: String,
}

impl ListedStudent {
    /// The student's own columns a list reads, in the struct's order.
    const COLUMNS: [student::Column; 16] = [
        student::Column::Id,
        student::Column::HouseholdId,
        student::Column::Name,
        student::Column::Sex,
        student::Column::NationalIdMasked,
        student::Column::BirthDate,
        student::Column::Phone,
        student::Column::Guardian,
        student::Column::JuniorHighSchool,
        student::Column::GraduationYear,
        student::Column::ExamScore,
        student::Column::SeniorHighStatus,
        student::Column::Disability,
        student::Column::IntendedSkill,
        student::Column::CurrentStatus,
        student::Column::CurrentProgramme,
    ];

    /// A whole student and their household, as a list shows them.
    pub fn of(s: student::Model, h: &household::Model) -> ListedStudent {
        ListedStudent {
            id: s.id,
            household_id: s.household_id,
            name: s.name,
            sex: s.sex,
            national_id_masked: s.national_id_masked,
            birth_date: s.birth_date,
            phone: s.phone,
            guardian: s.guardian,
            junior_high_school: s.junior_high_school,
            graduation_year: s.graduation_year,
            exam_score: s.exam_score,
            senior_high_status: s.senior_high_status,
            disability: s.disability,
            intended_skill: s.intended_skill,
            current_status: s.current_status,
            current_programme: s.current_programme,
            household_number: h.registration_number.clone(),
            town: h.town.clone(),
            village: h.village.clone(),
        }
    }

    /// `students` joined with their households, selecting these columns only.
    fn select(students: Select<student::Entity>) -> Select<student::Entity> {
        students
            .join(sea_orm::JoinType::InnerJoin, super::household_of_student())
            .select_only()
            .columns(Self::COLUMNS)
            .column_as(household::Column::RegistrationNumber, "household_number")
            .column_as(household::Column::Town, "town")
            .column_as(household::Column::Village, "village")
    }

    /// Reads `students` as a list shows them, in its order.
    async fn read(
        students: Select<student::Entity>,
        db: &impl ConnectionTrait,
    ) -> Result<Vec<ListedStudent>, sea_orm::DbErr> {
        Self::select(students).into_model::<ListedStudent>().all(db).await
    }
}

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
    fn value(self, s: &ListedStudent) -> sea_orm::Value {
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
        let id = crate::student::ids::NationalId::parse(raw).map_err(|m| AppError::invalid("national_id", m))?;
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

/// The students matching `filter` and `after`, in no order and without their households (what a
/// count needs: ordering every match only to count them cost more than the page itself, and a
/// household filter is a subquery, so the count reads the student table's indexes alone).
fn matching(filter: &StudentFilter, after: Condition) -> Result<Select<student::Entity>, AppError> {
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
    if !after.is_empty() {
        cond = cond.add(after);
    }
    Ok(crate::db::filter_by(student::Entity::find(), cond))
}

/// The count of the students matching `filter`, as one `SELECT COUNT(*)` on the student table. With
/// no filter it has no `WHERE` at all, which SQLite answers from the table's page counts instead of
/// stepping through every row: sea-orm's `count` wrapped the list in a subquery whose empty
/// conditions still wrote a `WHERE`, and counting 25,000 students row by row was most of a list
/// page's database time.
fn count_of(filter: &StudentFilter) -> Result<Select<student::Entity>, AppError> {
    Ok(matching(filter, Condition::all())?
        .select_only()
        .column_as(sea_orm::sea_query::Expr::cust("COUNT(*)"), "n"))
}

/// The students matching `filter` and `after`, in the list's order (read with their households
/// by [`ListedStudent::read`]).
fn filtered(filter: &StudentFilter, after: Condition) -> Result<Select<student::Entity>, AppError> {
    Ok(in_order(matching(filter, after)?, filter.sort))
}

/// `students` in the order `sort`, ties by name, then by record.
fn in_order(students: Select<student::Entity>, sort: StudentSort) -> Select<student::Entity> {
    let order = if sort.descending { Order::Desc } else { Order::Asc };
    let mut select = students.order_by(sort.key.column(), order);
    // Ties by name, unless the list is already by name: naming the column twice made SQLite sort
    // every student in a temporary tree instead of walking the name index (1.2 ms a page instead
    // of 0.14 ms at 3,000 students, most of what a list page cost).
    if sort.key != SortKey::Name {
        select = select.order_by_asc(student::Column::Name);
    }
    select.order_by_asc(student::Column::Id)
}

/// Page `page` of the students matching `filter`, as a query. The page's records are chosen in a
/// subquery that reads the students alone, and only those are then read with their households: an
/// offset applied to the joined rows made the database read, join and drop every row before the
/// page (the last page of 3,000 students was 7 times slower than the third).
fn page_of(filter: &StudentFilter, page: PageRequest) -> Result<Select<student::Entity>, AppError> {
    let ids = filtered(filter, Condition::all())?
        .select_only()
        .column(student::Column::Id)
        .limit(page.per_page)
        .offset((page.page - 1) * page.per_page)
        .into_query();
    Ok(in_order(
        student::Entity::find().filter(student::Column::Id.in_subquery(ids)),
        filter.sort,
    ))
}

/// Up to `limit` students matching `filter` that come after `last` in the list's order (keyset
/// paging: each call costs the same however far into the list, unlike an offset). For exports.
pub async fn students_after(
    db: &impl ConnectionTrait,
    filter: &StudentFilter,
    last: &ListedStudent,
    limit: u64,
) -> Result<Vec<ListedStudent>, AppError> {
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
    // The range on the sort column alone is implied by the rest, but with bound values the
    // planner cannot see it: without it SQLite reads and sorts every later row for each page
    // (0.9 s a page at 100,000 students), with it the page is a range of the index (28 ms).
    let from = if filter.sort.descending {
        key.lte(filter.sort.key.value(last))
    } else {
        key.gte(filter.sort.key.value(last))
    };
    let after = Condition::all().add(from).add(
        Condition::any()
            .add(beyond)
            .add(Condition::all().add(key.eq(filter.sort.key.value(last))).add(tie)),
    );
    Ok(ListedStudent::read(filtered(filter, after)?.limit(limit), db).await?)
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
) -> Result<Page<ListedStudent>, AppError> {
    let rows = counted_page_of(filter, page)?
        .into_model::<CountedStudent>()
        .all(db)
        .await?;
    let total = match rows.first() {
        Some(row) => row.total,
        // Past the last page there is no row to carry the count.
        None => count_of(filter)?.into_tuple().one(db).await?.unwrap_or(0),
    };
    let items: Vec<ListedStudent> = rows.into_iter().map(|r| r.student).collect();
    audit_id_lookup(db, actor, filter, &items).await?;
    Ok(Page::new(items, page, u64::try_from(total).unwrap_or(0)))
}

/// A row of a page with the count of every student matching the list's filter.
#[derive(Debug, FromQueryResult)]
struct CountedStudent {
    #[sea_orm(nested)]
    student: ListedStudent,
    total: i64,
}

/// Page `page` of the students matching `filter`, each row carrying the count of them all: one
/// statement, where a separate count was one more round trip on every list page (and could see
/// a different moment from the page's).
fn counted_page_of(filter: &StudentFilter, page: PageRequest) -> Result<Select<student::Entity>, AppError> {
    let count = sea_orm::sea_query::Expr::SubQuery(None, Box::new(count_of(filter)?.into_query().into()));
    Ok(ListedStudent::select(page_of(filter, page)?).expr_as(count, "total"))
}

/// [`search_students`] without the count, for an export, which needs no total: the page with
/// its households, a search by full national ID audited the same way.
pub async fn search_page(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &StudentFilter,
    page: PageRequest,
) -> Result<Vec<ListedStudent>, AppError> {
    let items = ListedStudent::read(page_of(filter, page)?, db).await?;
    audit_id_lookup(db, actor, filter, &items).await?;
    Ok(items)
}

/// Records a search by full national ID (who looked an ID up and whom it found) in the audit log,
/// like a reveal; the ID itself is not written. Other searches are not recorded.
async fn audit_id_lookup(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &StudentFilter,
    items: &[ListedStudent],
) -> Result<(), AppError> {
    if filter.national_id_hash.is_none() {
        return Ok(());
    }
    let found: Vec<String> = items.iter().map(|s| s.id.to_string()).collect();
    let summary = match found.as_slice() {
        [] => "looked up a national ID: no student".to_string(),
        ids => format!("looked up a national ID: student {}", ids.join(", ")),
    };
    audit::record(
        db,
        actor,
        "student.lookup_by_id",
        Record::new("student", items.first().map_or(0, |s| s.id)),
        summary,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::DbBackend;

    use super::*;

    /// The ORDER BY of a list in `sort`, as SQLite is sent it.
    fn order_by(sort: StudentSort) -> String {
        let filter = StudentFilter {
            sort,
            ..Default::default()
        };
        let sql = filtered(&filter, Condition::all())
            .expect("filter")
            .build(DbBackend::Sqlite)
            .to_string();
        sql.split(" ORDER BY ").nth(1).expect("an ORDER BY").to_string()
    }

    #[test]
    fn a_list_reads_only_the_columns_it_shows() {
        let sql = ListedStudent::select(filtered(&StudentFilter::default(), Condition::all()).expect("filter"))
            .build(DbBackend::Sqlite)
            .to_string();
        let selected = sql
            .strip_prefix("SELECT ")
            .and_then(|s| s.split(" FROM ").next())
            .expect("a SELECT");
        assert_eq!(selected.split(", ").count(), 19, "{selected}");
        for never in [
            "national_id_enc",
            "national_id_hash",
            "created_at",
            "updated_at",
            "head_of_household",
        ] {
            assert!(!selected.contains(never), "{never} in {selected}");
        }
        assert!(sql.contains(r#"INNER JOIN "household""#), "{sql}");
    }

    #[test]
    fn a_numbered_page_is_cut_from_the_students_alone_then_joined() {
        let page = PageRequest::new(Some(40), Some(50)).expect("page");
        let sql = ListedStudent::select(page_of(&StudentFilter::default(), page).expect("filter"))
            .build(DbBackend::Sqlite)
            .to_string();
        let (outer, inner) = sql.split_once(" IN (").expect("a subquery");
        assert!(outer.contains(r#"INNER JOIN "household""#), "{sql}");
        assert!(!inner.contains("household"), "{sql}");
        assert!(inner.contains("LIMIT 50 OFFSET 1950"), "{sql}");
        assert!(
            !inner.split(')').next_back().unwrap_or_default().contains("OFFSET"),
            "{sql}"
        );
    }

    #[test]
    fn an_unfiltered_count_has_no_condition_so_the_database_counts_from_the_table_alone() {
        let sql = count_of(&StudentFilter::default())
            .expect("filter")
            .build(DbBackend::Sqlite)
            .to_string();
        assert_eq!(sql, r#"SELECT COUNT(*) AS "n" FROM "student""#);
        let by_year = StudentFilter {
            graduation_year: Some(2026),
            ..Default::default()
        };
        let sql = count_of(&by_year).expect("filter").build(DbBackend::Sqlite).to_string();
        assert_eq!(
            sql,
            r#"SELECT COUNT(*) AS "n" FROM "student" WHERE "student"."graduation_year" = 2026"#
        );
    }

    #[test]
    fn a_list_names_each_column_once_in_its_order_then_ties_by_name_and_record() {
        assert_eq!(
            order_by(StudentSort::default()),
            r#""student"."name" ASC, "student"."id" ASC"#
        );
        assert_eq!(
            order_by(StudentSort::parse("-name").expect("sort")),
            r#""student"."name" DESC, "student"."id" ASC"#
        );
        assert_eq!(
            order_by(StudentSort::parse("-graduation_year").expect("sort")),
            r#""student"."graduation_year" DESC, "student"."name" ASC, "student"."id" ASC"#
        );
        for key in SortKey::ALL {
            let order = order_by(StudentSort { key, descending: false });
            let columns: Vec<&str> = order.split(", ").map(|t| t.split(' ').next().unwrap_or("")).collect();
            let mut once = columns.clone();
            once.sort_unstable();
            once.dedup();
            assert_eq!(once.len(), columns.len(), "{order}");
        }
    }
}
