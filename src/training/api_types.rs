//! The training API's answers as typed objects: bases, venues, courses, instructors, blackouts,
//! sessions and registrations, each with exactly the fields and values the stored row had as JSON
//! (times as RFC 3339 text in UTC with `Z`, as before). Conversions only: no I/O.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use entity::{blackout, course, registration, training_base, training_session, venue};
use poem_openapi::Object;

use super::setup::{Catalogue, Instructor};

/// A time as the API has always written it (`2027-03-01T08:00:00.123456Z`).
pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A training base.
#[derive(Debug, Clone, Object)]
pub struct TrainingBaseDto {
    pub id: i32,
    pub school_id: Option<i32>,
    pub name: String,
    pub address: String,
    pub town: String,
    /// ISO weekdays it is open: `12345` = Monday to Friday.
    pub open_days: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<training_base::Model> for TrainingBaseDto {
    fn from(b: training_base::Model) -> Self {
        TrainingBaseDto {
            id: b.id,
            school_id: b.school_id,
            name: b.name,
            address: b.address,
            town: b.town,
            open_days: b.open_days,
            created_at: stamp(b.created_at),
        }
    }
}

/// A venue of a base, with its seats.
#[derive(Debug, Clone, Object)]
pub struct TrainingVenueDto {
    pub id: i32,
    pub base_id: i32,
    pub name: String,
    pub seats: i32,
}

impl From<venue::Model> for TrainingVenueDto {
    fn from(v: venue::Model) -> Self {
        TrainingVenueDto {
            id: v.id,
            base_id: v.base_id,
            name: v.name,
            seats: v.seats,
        }
    }
}

/// A course.
#[derive(Debug, Clone, Object)]
pub struct CourseDto {
    pub id: i32,
    pub title: String,
    pub skill_area: String,
    pub hours: i32,
    pub min_cohort: i32,
    pub max_cohort: i32,
    /// Registered-household farmers go first on the waitlist.
    pub household_first: bool,
    /// Percent of the hours a farmer must attend to earn the certificate.
    pub completion_share: i32,
    pub description: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<course::Model> for CourseDto {
    fn from(c: course::Model) -> Self {
        CourseDto {
            id: c.id,
            title: c.title,
            skill_area: c.skill_area,
            hours: c.hours,
            min_cohort: c.min_cohort,
            max_cohort: c.max_cohort,
            household_first: c.household_first,
            completion_share: c.completion_share,
            description: c.description,
            created_at: stamp(c.created_at),
        }
    }
}

/// An instructor: skills and unavailable days as lists.
#[derive(Debug, Clone, Object)]
pub struct InstructorDto {
    pub id: i32,
    pub name: String,
    pub phone: Option<String>,
    /// Skill areas the instructor teaches.
    pub skills: Vec<String>,
    /// Every day (`YYYY-MM-DD`) the instructor cannot teach, ranges spelled out, sorted.
    pub unavailable: Vec<NaiveDate>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<Instructor> for InstructorDto {
    fn from(i: Instructor) -> Self {
        InstructorDto {
            id: i.id,
            name: i.name,
            phone: i.phone,
            skills: i.skills,
            unavailable: i.unavailable,
            created_at: stamp(i.created_at),
        }
    }
}

/// A period without training anywhere, inclusive.
#[derive(Debug, Clone, Object)]
pub struct BlackoutDto {
    pub id: i32,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl From<blackout::Model> for BlackoutDto {
    fn from(b: blackout::Model) -> Self {
        BlackoutDto {
            id: b.id,
            name: b.name,
            starts_on: b.starts_on,
            ends_on: b.ends_on,
        }
    }
}

/// Everything training is planned with.
#[derive(Debug, Clone, Object)]
pub struct TrainingCatalogueDto {
    pub bases: Vec<TrainingBaseDto>,
    pub venues: Vec<TrainingVenueDto>,
    pub courses: Vec<CourseDto>,
    pub instructors: Vec<InstructorDto>,
    pub blackouts: Vec<BlackoutDto>,
}

impl From<Catalogue> for TrainingCatalogueDto {
    fn from(c: Catalogue) -> Self {
        TrainingCatalogueDto {
            bases: c.bases.into_iter().map(Into::into).collect(),
            venues: c.venues.into_iter().map(Into::into).collect(),
            courses: c.courses.into_iter().map(Into::into).collect(),
            instructors: c.instructors.into_iter().map(Into::into).collect(),
            blackouts: c.blackouts.into_iter().map(Into::into).collect(),
        }
    }
}

/// A scheduled run of a course.
#[derive(Debug, Clone, Object)]
pub struct TrainingSessionDto {
    pub id: i32,
    pub course_id: i32,
    pub venue_id: i32,
    pub instructor_id: i32,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub capacity: i32,
    /// Farmers holding a place.
    pub confirmed: i32,
    /// Registrations so far (the waitlist's order).
    pub arrivals: i32,
    /// `scheduled` or `cancelled`.
    pub status: String,
    pub created_by: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl From<training_session::Model> for TrainingSessionDto {
    fn from(s: training_session::Model) -> Self {
        TrainingSessionDto {
            id: s.id,
            course_id: s.course_id,
            venue_id: s.venue_id,
            instructor_id: s.instructor_id,
            starts_on: s.starts_on,
            ends_on: s.ends_on,
            capacity: s.capacity,
            confirmed: s.confirmed,
            arrivals: s.arrivals,
            status: s.status.to_string(),
            created_by: s.created_by,
            created_at: stamp(s.created_at),
        }
    }
}

/// A farmer's registration, as staff see it.
#[derive(Debug, Clone, Object)]
pub struct RegistrationDto {
    pub id: i32,
    pub session_id: i32,
    pub name: String,
    pub phone: String,
    pub town: String,
    pub village: String,
    pub household_number: Option<String>,
    pub household_id: Option<i32>,
    pub email: Option<String>,
    pub code: String,
    /// `confirmed`, `waitlisted` or `cancelled`.
    pub status: String,
    /// The order it came in.
    pub arrival: i32,
    /// 1: a registered-household farmer ahead on the waitlist.
    pub priority: i32,
    /// 1 until cancelled.
    pub active: Option<i32>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC.
    pub updated_at: String,
    pub cancelled_by: Option<String>,
}

impl From<registration::Model> for RegistrationDto {
    fn from(r: registration::Model) -> Self {
        RegistrationDto {
            id: r.id,
            session_id: r.session_id,
            name: r.name,
            phone: r.phone,
            town: r.town,
            village: r.village,
            household_number: r.household_number,
            household_id: r.household_id,
            email: r.email,
            code: r.code,
            status: r.status.to_string(),
            arrival: r.arrival,
            priority: r.priority,
            active: r.active,
            created_at: stamp(r.created_at),
            updated_at: stamp(r.updated_at),
            cancelled_by: r.cancelled_by,
        }
    }
}
