//! What the training API takes: typed requests, each turned into the same typed input the set-up
//! form builds (`NewBase`, `NewCourse`, `NewInstructor`, `NewBlackout`, `Plan`) and checked by the
//! same rules with the same messages. No I/O.

use chrono::NaiveDate;
use poem_openapi::Object;

use super::schedule::Plan;
use super::setup::{
    BaseEntry, CourseEntry, InstructorEntry, NewBase, NewBlackout, NewCourse, NewInstructor, Number, VenueEntry,
};
use crate::error::AppError;

/// A venue of a base.
#[derive(Debug, Object)]
pub struct VenueDto {
    pub name: String,
    pub seats: i32,
}

/// A training base with its venues.
#[derive(Debug, Object)]
pub struct BaseRequest {
    pub school_id: Option<i32>,
    pub name: String,
    pub address: String,
    pub town: String,
    /// ISO weekdays it is open: `12345` = Monday to Friday.
    pub open_days: String,
    pub venues: Vec<VenueDto>,
}

impl BaseRequest {
    /// The base, checked as the form's is.
    pub fn check(&self) -> Result<NewBase, AppError> {
        NewBase::check(BaseEntry {
            school_id: self.school_id,
            name: &self.name,
            address: &self.address,
            town: &self.town,
            open_days: &self.open_days,
            venues: self
                .venues
                .iter()
                .map(|v| VenueEntry::named(&v.name, v.seats))
                .collect(),
        })
    }
}

/// A course.
#[derive(Debug, Object)]
pub struct CourseRequest {
    pub title: String,
    /// e.g. 设施蔬菜, 食用菌栽培, 畜禽养殖, 果树修剪, 农村电商, 电工, 农机维修, 家政服务, 中式烹调.
    pub skill_area: String,
    pub hours: i32,
    pub min_cohort: i32,
    pub max_cohort: i32,
    /// Registered-household farmers go first on the waitlist.
    #[oai(default)]
    pub household_first: bool,
    #[oai(default)]
    pub description: String,
    /// Percent of the course's hours a farmer must attend to earn the certificate: 1 to 100
    /// (default 80).
    pub completion_share: Option<i32>,
}

impl CourseRequest {
    /// The course, checked as the form's is.
    pub fn check(&self) -> Result<NewCourse, AppError> {
        NewCourse::check(CourseEntry {
            title: &self.title,
            skill_area: &self.skill_area,
            hours: Number::of(self.hours),
            min_cohort: Number::of(self.min_cohort),
            max_cohort: Number::of(self.max_cohort),
            household_first: self.household_first,
            description: &self.description,
            completion_share: self.completion_share.map(Number::of),
        })
    }
}

/// An instructor.
#[derive(Debug, Object)]
pub struct InstructorRequest {
    pub name: String,
    pub phone: Option<String>,
    pub skills: Vec<String>,
    /// Dates (`YYYY-MM-DD`) or ranges (`2027-05-25..2027-06-15`) the instructor cannot teach.
    #[oai(default)]
    pub unavailable: Vec<String>,
}

impl InstructorRequest {
    /// The instructor, checked as the form's is.
    pub fn check(&self) -> Result<NewInstructor, AppError> {
        NewInstructor::check(InstructorEntry {
            name: &self.name,
            phone: self.phone.as_deref().unwrap_or_default(),
            skills: self.skills.iter().map(String::as_str).collect(),
            unavailable: self.unavailable.iter().map(String::as_str).collect(),
        })
    }
}

/// A blackout period (inclusive).
#[derive(Debug, Object)]
pub struct BlackoutRequest {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
}

impl BlackoutRequest {
    /// The blackout, checked as the form's is.
    pub fn check(&self) -> Result<NewBlackout, AppError> {
        NewBlackout::check(&self.name, &self.starts_on, &self.ends_on)
    }
}

/// A session to schedule.
#[derive(Debug, Object)]
pub struct TrainingSessionRequest {
    pub course_id: i32,
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
}

impl TrainingSessionRequest {
    /// The session's plan (checked for conflicts by the scheduler).
    pub fn plan(self) -> Plan {
        Plan {
            course_id: self.course_id,
            venue_id: self.venue_id,
            instructor_id: self.instructor_id,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            capacity: self.capacity,
        }
    }
}

/// Where and when a session moves.
#[derive(Debug, Object)]
pub struct MoveRequest {
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A new capacity.
#[derive(Debug, Object)]
pub struct CapacityRequest {
    pub capacity: i32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::setup::{BaseForm, CourseForm, InstructorForm};

    fn fields<T: std::fmt::Debug>(r: Result<T, AppError>) -> Vec<(String, String)> {
        match r {
            Err(AppError::Invalid(e)) => e.into_iter().map(|f| (f.field, format!("{:?}", f.msg))).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn the_api_and_the_form_build_the_same_base_and_refuse_alike() {
        let api = BaseRequest {
            school_id: None,
            name: "米河实训基地".into(),
            address: "米河镇政府东 200 米".into(),
            town: "米河镇".into(),
            open_days: "1,2,3,4,5".into(),
            venues: vec![VenueDto {
                name: "实训大棚".into(),
                seats: 40,
            }],
        };
        let form = BaseForm {
            name: api.name.clone(),
            address: api.address.clone(),
            town: api.town.clone(),
            open_days: api.open_days.clone(),
            venues: "实训大棚: 40".into(),
            ..Default::default()
        };
        assert_eq!(api.check().expect("api"), form.parse().expect("form"));
        let bad_api = BaseRequest {
            venues: vec![VenueDto {
                name: "大棚".into(),
                seats: 0,
            }],
            open_days: "8".into(),
            ..api
        };
        let bad_form = BaseForm {
            venues: "大棚: 0".into(),
            open_days: "8".into(),
            ..form
        };
        assert_eq!(fields(bad_api.check()), fields(bad_form.parse()));
    }

    #[test]
    fn the_api_and_the_form_check_a_course_and_an_instructor_alike() {
        let api = CourseRequest {
            title: "设施蔬菜种植".into(),
            skill_area: "设施蔬菜".into(),
            hours: 0,
            min_cohort: 30,
            max_cohort: 20,
            household_first: false,
            description: String::new(),
            completion_share: Some(101),
        };
        let form = CourseForm {
            title: api.title.clone(),
            skill_area: api.skill_area.clone(),
            hours: "0".into(),
            min_cohort: "30".into(),
            max_cohort: "20".into(),
            completion_share: "101".into(),
            ..Default::default()
        };
        assert_eq!(fields(api.check()), fields(form.parse()));
        let api = InstructorRequest {
            name: "刘师傅".into(),
            phone: Some("13812345678".into()),
            skills: vec!["设施蔬菜，果树修剪".into()],
            unavailable: vec!["2027-03-01..2027-03-03".into(), "2027-03-10".into()],
        };
        let form = InstructorForm {
            name: "刘师傅".into(),
            phone: "13812345678".into(),
            skills: "设施蔬菜，果树修剪".into(),
            unavailable: "2027-03-01..2027-03-03, 2027-03-10".into(),
        };
        assert_eq!(api.check().expect("api"), form.parse().expect("form"));
    }
}
