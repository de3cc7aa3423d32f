//! API for households, students, their archives, national-ID reveal and follow-ups. Handlers only
//! move parameters; national IDs are always masked here except in `reveal-id`.

use chrono::{NaiveDate, Utc};
use entity::household;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi, Tags};

use super::entry_dto::{EntryDetailsDto, EntryDto, NewEntryRequest};
use super::followup::{self, DueFollowUp};
use super::students::{self, ListedStudent, StudentFilter};
use super::timeline::EntryDetails;
use crate::api::{ApiResult, BearerAuth, PageDto, SerdeJson};
use crate::auth::{Capability, CurrentUser};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::pagination::{Page, PageRequest};
use crate::state::AppState;

#[derive(Tags)]
enum ApiTags {
    /// Registered households.
    Households,
    /// Students and their study-and-employment archive.
    Students,
}

/// A registered household.
#[derive(Debug, Object)]
pub struct HouseholdDto {
    pub id: i32,
    /// 建档立卡编号.
    pub registration_number: String,
    pub town: String,
    pub village: String,
    pub head_of_household: String,
}

impl From<household::Model> for HouseholdDto {
    fn from(h: household::Model) -> Self {
        HouseholdDto {
            id: h.id,
            registration_number: h.registration_number,
            town: h.town,
            village: h.village,
            head_of_household: h.head_of_household,
        }
    }
}

/// A derived student status, to filter by (see `StudentDto.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StudentStatusDto {
    InJuniorHigh,
    InSeniorHigh,
    AwaitingPlacement,
    Placed,
    Enrolled,
    GraduatedEmployed,
    GraduatedNotEmployed,
    Unknown,
}

impl StudentStatusDto {
    /// The [`super::timeline::CurrentStatus::code`] it stands for.
    pub fn code(self) -> &'static str {
        match self {
            StudentStatusDto::InJuniorHigh => "in_junior_high",
            StudentStatusDto::InSeniorHigh => "in_senior_high",
            StudentStatusDto::AwaitingPlacement => "awaiting_placement",
            StudentStatusDto::Placed => "placed",
            StudentStatusDto::Enrolled => "enrolled",
            StudentStatusDto::GraduatedEmployed => "graduated_employed",
            StudentStatusDto::GraduatedNotEmployed => "graduated_not_employed",
            StudentStatusDto::Unknown => "unknown",
        }
    }
}

/// A student as lists show them. `national_id` is always masked (`410181********123X`).
#[derive(Debug, Object, serde::Serialize)]
pub struct StudentDto {
    pub id: i32,
    pub name: String,
    /// `male` or `female`.
    pub sex: String,
    /// Masked national ID; use `POST /students/{id}/reveal-id` to see it whole (audited).
    pub national_id: String,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub guardian: Option<String>,
    pub household_id: i32,
    pub household_number: String,
    pub town: String,
    pub village: String,
    pub junior_high_school: String,
    pub graduation_year: i32,
    pub exam_score: Option<f64>,
    /// `not_entered`, `regular`, `vocational` or `unknown`.
    pub senior_high_status: String,
    pub disability: bool,
    pub intended_skill: Option<String>,
    /// Derived status: `in_junior_high`, `in_senior_high`, `awaiting_placement`, `placed`,
    /// `enrolled`, `graduated_employed`, `graduated_not_employed` or `unknown`.
    pub status: String,
    pub programme: Option<String>,
}

fn student_dto(s: ListedStudent, me: &CurrentUser) -> StudentDto {
    StudentDto {
        id: s.id,
        name: s.name,
        sex: s.sex.as_str().into(),
        national_id: s.national_id_masked,
        birth_date: s.birth_date,
        phone: me.phone_view(s.phone.as_deref()),
        guardian: s.guardian,
        household_id: s.household_id,
        household_number: s.household_number,
        town: s.town,
        village: s.village,
        junior_high_school: s.junior_high_school,
        graduation_year: s.graduation_year,
        exam_score: s.exam_score,
        senior_high_status: s.senior_high_status.as_str().into(),
        disability: s.disability,
        intended_skill: s.intended_skill,
        status: s.current_status.to_string(),
        programme: s.current_programme,
    }
}

/// An employment follow-up wave.
#[derive(Debug, Object)]
pub struct WaveDto {
    /// 6, 12 or 24 months after graduation.
    pub months: u32,
    pub due_on: NaiveDate,
    pub closed: bool,
    pub overdue: bool,
}

/// A student with their household, live status and follow-up waves.
#[derive(Debug, Object)]
pub struct StudentRecordDto {
    pub student: StudentDto,
    pub household: HouseholdDto,
    pub waves: Vec<WaveDto>,
}

/// A revealed national ID. Every reveal is in the audit log.
#[derive(Debug, Object)]
pub struct RevealedId {
    pub national_id: String,
}

/// A follow-up that is due or overdue.
#[derive(Debug, Object)]
pub struct DueFollowUpDto {
    pub student_id: i32,
    pub student_name: String,
    pub school: String,
    pub programme: String,
    pub months: u32,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

impl From<DueFollowUp> for DueFollowUpDto {
    fn from(d: DueFollowUp) -> Self {
        DueFollowUpDto {
            student_id: d.student_id,
            student_name: d.student_name,
            school: d.school,
            programme: d.programme,
            months: d.months,
            due_on: d.due_on,
            overdue: d.overdue,
        }
    }
}

pub struct StudentsApi;

#[OpenApi]
impl StudentsApi {
    /// Searches students (all filters optional, combined with AND).
    #[oai(path = "/students", method = "get", tag = "ApiTags::Students")]
    #[expect(clippy::too_many_arguments, reason = "one query parameter per filter")]
    async fn list(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        /// Part of the name.
        name: Query<Option<String>>,
        /// Last digits (up to 4) of the national ID.
        id_last_digits: Query<Option<String>>,
        /// A full national ID: matched through its keyed look-up hash (never stored or logged in
        /// clear); every such look-up is in the audit log.
        national_id: Query<Option<String>>,
        household_number: Query<Option<String>>,
        town: Query<Option<String>>,
        junior_high_school: Query<Option<String>>,
        graduation_year: Query<Option<i32>>,
        /// A derived status.
        status: Query<Option<StudentStatusDto>>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<SerdeJson<PageDto<StudentDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let filter = StudentFilter {
            name: name.0,
            id_last_digits: id_last_digits.0,
            household_number: household_number.0,
            town: town.0,
            junior_high_school: junior_high_school.0,
            graduation_year: graduation_year.0,
            status: status.0.map(|s| s.code().to_string()),
            national_id_hash: None,
            sort: students::StudentSort::default(),
        }
        .with_national_id(&state.vault, national_id.0.as_deref())?;
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let found =
            students::search_students(&state.db, &actor, &filter, PageRequest::new(page.0, per_page.0)?).await?;
        Ok(SerdeJson(PageDto::from_page(found, |s| student_dto(s, &auth.0))))
    }

    /// One student with household, live status and follow-up waves.
    #[oai(path = "/students/:id", method = "get", tag = "ApiTags::Students")]
    async fn get(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<StudentRecordDto>> {
        auth.0.require(Capability::ReadStudents)?;
        let r = students::student_record(&state.db, id.0, Utc::now().date_naive()).await?;
        let mut dto = student_dto(ListedStudent::of(r.student, &r.household), &auth.0);
        dto.status = r.status.code().to_string();
        let waves = r
            .waves
            .into_iter()
            .map(|w| WaveDto {
                months: w.months,
                due_on: w.due_on,
                closed: w.closed,
                overdue: w.overdue,
            })
            .collect();
        Ok(Json(StudentRecordDto {
            student: dto,
            household: r.household.into(),
            waves,
        }))
    }

    /// The student's archive timeline, oldest first, in the list shape; corrected entries stay,
    /// marked `superseded_by` (one student's timeline is short and read whole to link corrections,
    /// so the page is cut in memory).
    #[oai(path = "/students/:id/entries", method = "get", tag = "ApiTags::Students")]
    async fn entries(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<EntryDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let r = students::student_record(&state.db, id.0, Utc::now().date_naive()).await?;
        Ok(Json(PageDto::try_from_page(Page::slice(r.entries, req), |e| {
            EntryDto::try_from(e.for_viewer(&auth.0))
        })?))
    }

    /// Appends an entry (or a correction of an earlier one) to the archive.
    #[oai(path = "/students/:id/entries", method = "post", tag = "ApiTags::Students")]
    async fn add_entry(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
        body: Json<NewEntryRequest>,
    ) -> ApiResult<Json<EntryDto>> {
        auth.0.require(Capability::ManageStudents)?;
        let b = body.0;
        let details = parse_details(b.details.0)?;
        let shown = EntryDetailsDto::from(details.clone());
        let actor = auth.0.actor(Some(state.client_ip(req)));
        let row = students::add_entry(&state.db, &actor, id.0, b.occurred_on, details, b.supersedes_id).await?;
        Ok(Json(EntryDto {
            id: row.id,
            kind: row.kind.to_string(),
            occurred_on: row.occurred_on,
            details: shown,
            supersedes_id: row.supersedes_id,
            superseded_by: None,
            recorded_by: auth.0.name.clone(),
            created_at: row.created_at,
        }))
    }

    /// Shows the full national ID (admin and admissions only); the reveal is audited.
    #[oai(path = "/students/:id/reveal-id", method = "post", tag = "ApiTags::Students")]
    async fn reveal(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        req: &Request,
        id: Path<i32>,
    ) -> ApiResult<Json<RevealedId>> {
        let national_id =
            students::reveal_national_id(&state.db, &state.vault, &auth.0, Some(state.client_ip(req)), id.0).await?;
        Ok(Json(RevealedId { national_id }))
    }

    /// Employment follow-ups due now (within 30 days of their date) or overdue, oldest first, in
    /// the list shape (worked out from each graduate's timeline, so the page is cut in memory).
    #[oai(path = "/follow-ups", method = "get", tag = "ApiTags::Students")]
    async fn follow_ups(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        /// The vocational school named in the graduation entry.
        school: Query<Option<String>>,
        /// Only the overdue ones.
        overdue: Query<Option<bool>>,
        /// 1-based page number (default 1).
        page: Query<Option<u64>>,
        /// Items a page: 1 to 200 (default 50).
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<DueFollowUpDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let req = PageRequest::new(page.0, per_page.0)?;
        let due = followup::due_follow_ups(
            &state.db,
            school.0.as_deref(),
            overdue.0.unwrap_or(false),
            Utc::now().date_naive(),
        )
        .await?;
        Ok(Json(PageDto::from_page(Page::slice(due, req), DueFollowUpDto::from)))
    }

    /// Households by registration number.
    #[oai(path = "/households", method = "get", tag = "ApiTags::Households")]
    async fn households(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        town: Query<Option<String>>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<PageDto<HouseholdDto>>> {
        auth.0.require(Capability::ReadStudents)?;
        let found =
            students::list_households(&state.db, town.0.as_deref(), PageRequest::new(page.0, per_page.0)?).await?;
        Ok(Json(PageDto::from_page(found, HouseholdDto::from)))
    }

    /// One household and its students.
    #[oai(path = "/households/:id", method = "get", tag = "ApiTags::Households")]
    async fn household(
        &self,
        auth: BearerAuth,
        state: poem::web::Data<&AppState>,
        id: Path<i32>,
    ) -> ApiResult<Json<HouseholdWithStudents>> {
        auth.0.require(Capability::ReadStudents)?;
        let (h, list) = students::get_household(&state.db, id.0).await?;
        let students = list
            .into_iter()
            .map(|s| student_dto(ListedStudent::of(s, &h), &auth.0))
            .collect();
        Ok(Json(HouseholdWithStudents {
            household: h.into(),
            students,
        }))
    }
}

/// A household with its students.
#[derive(Debug, Object)]
pub struct HouseholdWithStudents {
    pub household: HouseholdDto,
    pub students: Vec<StudentDto>,
}

/// Reads entry details, naming the problem when the JSON does not fit any kind.
pub fn parse_details(value: serde_json::Value) -> Result<EntryDetails, AppError> {
    serde_json::from_value::<EntryDetails>(value)
        .map_err(|e| AppError::invalid("details", Msg::new("error.entry_details_invalid").arg("reason", e)))
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;

    use super::*;

    fn student(filled: bool) -> StudentDto {
        let some = |s: &str| filled.then(|| s.to_string());
        StudentDto {
            id: if filled { i32::MAX } else { i32::MIN },
            name: "王\"芳\\ \n\u{1}\u{7f}😀".into(),
            sex: "female".into(),
            national_id: "410181********123X".into(),
            birth_date: NaiveDate::from_ymd_opt(2008, 2, 29).expect("date"),
            phone: some("13800138000"),
            guardian: some("孙丽"),
            household_id: 0,
            household_number: "4101800000000123".into(),
            town: "涉村镇".into(),
            village: "南河村".into(),
            junior_high_school: "巩义市第4初级中学".into(),
            graduation_year: 2026,
            exam_score: filled.then_some(0.1 + 0.2),
            senior_high_status: "not_entered".into(),
            disability: filled,
            intended_skill: some("中餐烹饪"),
            status: "placed".into(),
            programme: some("P01"),
        }
    }

    /// The student list is written by `serde` (`SerdeJson`) and documented by poem-openapi's
    /// `Object`: both must give the same document, for every kind of value a student holds
    /// (absent values, escapes, numbers at their edges).
    #[test]
    fn the_student_list_written_by_serde_is_the_document_poem_openapi_describes() {
        for items in [vec![student(true), student(false)], vec![]] {
            let page = PageDto {
                items,
                page: 1,
                per_page: 50,
                total: u64::MAX,
                pages: 3,
            };
            let written: serde_json::Value =
                serde_json::from_slice(&serde_json::to_vec(&page).expect("serde")).expect("JSON");
            assert_eq!(written, page.to_json().expect("poem-openapi"));
        }
    }
}
