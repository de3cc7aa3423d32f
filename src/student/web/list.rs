//! The student list page: the search form, one page of students, and the export of every student
//! matching the search (CSV or XLSX, IDs masked), read page by page.

use entity::student::StudentStatus;
use poem::web::{Data, Query};
use poem::{IntoResponse, handler};
use sea_orm::Iterable;
use serde::{Deserialize, Serialize};

use super::PageResult;
use crate::auth::{Capability, CurrentUser};
use crate::error::AppError;
use crate::export::{self, Cell};
use crate::i18n::Msg;
use crate::pagination::PageRequest;
use crate::state::AppState;
use crate::student::students::{self, ListedStudent, StudentFilter};
use crate::web::{PortalCtx, render};

/// The search form's fields, as typed.
#[derive(Deserialize, Serialize, Default, Clone)]
pub struct SearchQuery {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_last_digits: String,
    /// A full national ID (matched through its look-up hash; audited).
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    household_number: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    graduation_year: String,
    #[serde(default)]
    status: String,
    /// The list's order: a column, `-` first for descending (see [`students::StudentSort`]).
    #[serde(default)]
    sort: String,
    page: Option<u64>,
}

impl SearchQuery {
    fn filter(&self, vault: &crate::crypto::IdVault) -> Result<StudentFilter, AppError> {
        let year = self.graduation_year.trim();
        let graduation_year = if year.is_empty() {
            None
        } else {
            Some(year.parse::<i32>().map_err(|_| {
                AppError::invalid("graduation_year", Msg::new("error.number_invalid").arg("value", year))
            })?)
        };
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        StudentFilter {
            name: some(&self.name),
            id_last_digits: some(&self.id_last_digits),
            household_number: some(&self.household_number),
            town: some(&self.town),
            junior_high_school: some(&self.school),
            graduation_year,
            status: some(&self.status),
            national_id_hash: None,
            sort: students::StudentSort::parse(&self.sort)?,
        }
        .with_national_id(vault, Some(&self.national_id))
    }

    /// The filters and the order, as the pager's and the exports' query.
    fn query_string(&self) -> String {
        let filters = self.filter_string();
        if self.sort.trim().is_empty() {
            return filters;
        }
        let sort = serde_urlencoded::to_string([("sort", self.sort.trim())]).unwrap_or_default();
        if filters.is_empty() {
            sort
        } else {
            format!("{filters}&{sort}")
        }
    }

    /// The filters alone, for the column headers that set the order.
    fn filter_string(&self) -> String {
        serde_urlencoded::to_string([
            ("name", &self.name),
            ("id_last_digits", &self.id_last_digits),
            ("national_id", &self.national_id),
            ("household_number", &self.household_number),
            ("town", &self.town),
            ("school", &self.school),
            ("graduation_year", &self.graduation_year),
            ("status", &self.status),
        ])
        .unwrap_or_default()
    }
}

/// Every status the search form offers, in the order of its list.
fn statuses() -> Vec<StudentStatus> {
    StudentStatus::iter().collect()
}

#[handler]
pub async fn list_page(state: Data<&AppState>, ctx: Data<&PortalCtx>, q: Query<SearchQuery>) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let q = q.0;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    let (page, error) = match q.filter(&state.vault) {
        Ok(f) => (
            students::search_students(&state.db, &actor, &f, PageRequest::new(q.page, None)?).await?,
            String::new(),
        ),
        Err(e) => (
            crate::pagination::Page::new(Vec::new(), PageRequest::default(), 0),
            crate::web::error_text(&state, ctx.lang, &e),
        ),
    };
    let sort = students::StudentSort::parse(&q.sort).unwrap_or_default();
    let vars = ListPage {
        sort: SortShown {
            key: sort.key.code(),
            desc: sort.descending,
        },
        filters: q.filter_string(),
        page: page.map(ListRow::of),
        query: q.query_string(),
        q,
        statuses: statuses(),
        error,
        can_import: me.can(Capability::ManageStudents),
    };
    Ok(render(&state, &ctx, "student/list.html", vars)?.into_response())
}

/// What the list page shows (`student/list.html`).
#[derive(Serialize)]
struct ListPage {
    sort: SortShown,
    /// The filters as a query string, for the column headers that set the order.
    filters: String,
    page: crate::pagination::Page<ListRow>,
    /// The search form as typed.
    q: SearchQuery,
    /// The filters and the order, for the pager and the exports.
    query: String,
    statuses: Vec<StudentStatus>,
    error: String,
    can_import: bool,
}

#[derive(Serialize)]
struct SortShown {
    key: &'static str,
    desc: bool,
}

/// A row of the list page: the columns it shows.
#[derive(Serialize)]
struct ListRow {
    id: i32,
    name: String,
    national_id: String,
    town: String,
    village: String,
    school: String,
    graduation_year: i32,
    status: StudentStatus,
    programme: String,
}

impl ListRow {
    fn of(s: ListedStudent) -> ListRow {
        ListRow {
            id: s.id,
            name: s.name,
            national_id: s.national_id_masked,
            town: s.town,
            village: s.village,
            school: s.junior_high_school,
            graduation_year: s.graduation_year,
            status: s.current_status,
            programme: s.current_programme.unwrap_or_default(),
        }
    }
}

/// Every student matching the search, as CSV or XLSX (`format=`), IDs masked.
#[handler]
pub async fn export_list(
    state: Data<&AppState>,
    ctx: Data<&PortalCtx>,
    q: Query<SearchQuery>,
    format: Query<ExportFormat>,
) -> PageResult {
    let me = ctx.staff(Capability::ReadStudents)?;
    let actor = me.actor(Some(ctx.client_ip.clone()));
    let filter = q.0.filter(&state.vault)?;
    let t = |k: &'static str| state.i18n.get(ctx.lang, k);
    let headers: Vec<String> = [
        "student.col.name",
        "student.col.sex",
        "student.col.national_id",
        "student.col.birth_date",
        "student.col.household_number",
        "student.col.town",
        "student.col.village",
        "student.col.school",
        "student.col.graduation_year",
        "student.col.senior_high_status",
        "student.col.status",
        "student.col.programme",
        "student.col.phone",
    ]
    .iter()
    .map(|k| t(k))
    .collect();
    // A small first page (read before answering, so a refused search is still an error page)
    // gets the first bytes out soon; the rest goes a thousand at a time.
    const FIRST: u64 = 100;
    const PAGE: u64 = 1000;
    let first = students::search_page(
        &state.db,
        &actor,
        &filter,
        PageRequest {
            page: 1,
            per_page: FIRST,
        },
    )
    .await?;
    let lang = ctx.lang;
    let last = last_if_full(&first, FIRST);
    let rows = export_rows(&state, lang, me, first);
    // The rest is read as it is sent, a page at a time after the last row sent (keyset).
    let (st, me) = ((*state).clone(), me.clone());
    let rest = futures_util::stream::unfold(last, move |last| {
        let (st, filter, me) = (st.clone(), filter.clone(), me.clone());
        async move {
            let found = match students::students_after(&st.db, &filter, &last?, PAGE).await {
                Ok(found) => found,
                Err(e) => return Some((Err(e), None)),
            };
            let next = last_if_full(&found, PAGE);
            (!found.is_empty()).then(|| (Ok(export_rows(&st, lang, &me, found)), next))
        }
    });
    if format.0.format == "xlsx" {
        let tmp = state.config.data_dir.join("tmp");
        return export::stream_xlsx(&tmp, &headers, rows, Box::pin(rest), "students");
    }
    export::stream_csv(&headers, rows, Box::pin(rest), "students")
}

/// The last student of a full page (where the next page starts); `None` after the last page.
fn last_if_full(page: &[ListedStudent], size: u64) -> Option<ListedStudent> {
    (page.len() as u64 == size).then(|| page.last().cloned()).flatten()
}

/// The export's cells of a page of students: the birth date a date, the year a number, the rest
/// text (household numbers and phone numbers are identifiers, even when written in digits).
fn export_rows(
    state: &AppState,
    lang: crate::i18n::Lang,
    me: &CurrentUser,
    found: Vec<ListedStudent>,
) -> Vec<Vec<Cell>> {
    let label = |key: String| state.i18n.render(lang, &key, []);
    found
        .into_iter()
        .map(|s| {
            vec![
                s.name.into(),
                label(format!("sex.{}", s.sex.as_str())).into(),
                s.national_id_masked.into(),
                s.birth_date.into(),
                s.household_number.into(),
                s.town.into(),
                s.village.into(),
                s.junior_high_school.into(),
                s.graduation_year.into(),
                label(format!("senior_high.{}", s.senior_high_status.as_str())).into(),
                label(s.current_status.i18n_key().into()).into(),
                s.current_programme.unwrap_or_default().into(),
                me.phone_view(s.phone.as_deref()).unwrap_or_default().into(),
            ]
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct ExportFormat {
    #[serde(default)]
    format: String,
}

impl ExportFormat {
    /// `csv`, `xlsx`, …, as asked.
    pub fn format(&self) -> &str {
        &self.format
    }
}
