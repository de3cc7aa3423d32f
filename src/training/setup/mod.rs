//! What training is planned with: bases and their venues, courses, instructors and blackout
//! periods (one file each). Each is one typed input (`NewBase`, `NewCourse`, `NewInstructor`,
//! `NewBlackout`) that the set-up form and the API both build, checked whole (every bad field
//! named, with the same messages) before anything is written. A new
//! base, instructor or blackout can change what may be proposed, so proposals are evaluated again
//! in the same transaction.

use chrono::NaiveDate;
use entity::{blackout, course, instructor, training_base, venue};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde::Serialize;

use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

mod bases;
mod blackouts;
mod courses;
mod instructors;

pub use bases::{BaseEntry, BaseForm, NewBase, VenueEntry, create_base};
pub use blackouts::{BlackoutForm, NewBlackout, create_blackout};
pub use courses::{CourseEntry, CourseForm, NewCourse, Number, create_course};
pub use instructors::{
    Instructor, InstructorEntry, InstructorForm, NewInstructor, create_instructor, decode_instructor,
};

/// Skill areas offered to farmers (new-type professional farmer training); others may be typed.
pub const SKILL_AREAS: [&str; 10] = [
    "设施蔬菜",
    "食用菌栽培",
    "畜禽养殖",
    "果树修剪",
    "农村电商",
    "电工",
    "农机维修",
    "家政服务",
    "中式烹调",
    "茶叶加工",
];

fn required(e: &mut Vec<FieldError>, field: &str, value: &str, max: usize) -> String {
    let v = value.trim().to_string();
    if v.is_empty() {
        e.push(FieldError::new(field, Msg::new("error.field_required")));
    } else if v.chars().count() > max {
        e.push(FieldError::new(field, Msg::new("error.notes_too_long").arg("max", max)));
    }
    v
}

/// Parses a date `YYYY-MM-DD`, naming the field when it is not one.
pub fn date(e: &mut Vec<FieldError>, field: &str, value: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) if value.trim().is_empty() => {
            e.push(FieldError::new(field, Msg::new("error.field_required")));
            None
        }
        Err(_) => {
            e.push(FieldError::new(
                field,
                Msg::new("error.date_invalid").arg("value", value.trim()),
            ));
            None
        }
    }
}

fn done<T>(e: Vec<FieldError>, value: impl FnOnce() -> T) -> Result<T, AppError> {
    if e.is_empty() {
        Ok(value())
    } else {
        Err(AppError::Invalid(e))
    }
}

/// Everything training is planned with, for pages and the scheduler.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    pub bases: Vec<training_base::Model>,
    pub venues: Vec<venue::Model>,
    pub courses: Vec<course::Model>,
    pub instructors: Vec<Instructor>,
    pub blackouts: Vec<blackout::Model>,
}

pub async fn catalogue(db: &impl ConnectionTrait) -> Result<Catalogue, AppError> {
    Ok(Catalogue {
        bases: training_base::Entity::find()
            .order_by_asc(training_base::Column::Id)
            .all(db)
            .await?,
        venues: venue::Entity::find().order_by_asc(venue::Column::Id).all(db).await?,
        courses: course::Entity::find().order_by_asc(course::Column::Id).all(db).await?,
        instructors: instructor::Entity::find()
            .order_by_asc(instructor::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(Instructor::decode)
            .collect::<Result<_, _>>()?,
        blackouts: blackout::Entity::find()
            .order_by_asc(blackout::Column::StartsOn)
            .all(db)
            .await?,
    })
}

/// How a change to the bases, instructors or blackouts ends: audited, the scheduler's proposals
/// worked out again against it, committed.
async fn finish(
    txn: sea_orm::DatabaseTransaction,
    actor: &crate::audit::Actor,
    action: &str,
    record: crate::audit::Record<'_>,
    summary: String,
) -> Result<(), AppError> {
    crate::audit::record(&txn, actor, action, record, summary).await?;
    super::proposals::reevaluate(&txn, super::proposals::Scope::All).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: Result<impl std::fmt::Debug, AppError>) -> Vec<String> {
        match r {
            Err(AppError::Invalid(e)) => e.into_iter().map(|f| f.field).collect(),
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_base_needs_open_days_and_venues_with_seats() {
        let good = BaseForm {
            name: "米河实训基地".into(),
            address: "米河镇政府东 200 米".into(),
            town: "米河镇".into(),
            open_days: "1,2,3,4,5,6".into(),
            venues: "实训大棚: 40\n多媒体教室：60".into(),
            ..Default::default()
        };
        let b = good.parse().expect("valid");
        assert_eq!(b.open_days, "123456");
        assert_eq!(
            b.venues,
            vec![("实训大棚".to_string(), 40), ("多媒体教室".to_string(), 60)]
        );
        let bad = BaseForm {
            open_days: "8".into(),
            venues: "大棚 40".into(),
            ..Default::default()
        };
        assert_eq!(fields(bad.parse()), ["name", "address", "town", "open_days", "venues"]);
    }

    #[test]
    fn a_course_checks_numbers_and_cohort_order() {
        let f = CourseForm {
            title: "设施蔬菜种植".into(),
            skill_area: "设施蔬菜".into(),
            hours: "abc".into(),
            min_cohort: "30".into(),
            max_cohort: "20".into(),
            ..Default::default()
        };
        assert_eq!(fields(f.parse()), ["hours", "max_cohort"]);
    }

    #[test]
    fn a_course_s_completion_share_defaults_to_80_and_must_be_1_to_100() {
        let f = |share: &str| CourseForm {
            title: "设施蔬菜种植".into(),
            skill_area: "设施蔬菜".into(),
            hours: "24".into(),
            min_cohort: "3".into(),
            max_cohort: "20".into(),
            completion_share: share.into(),
            ..Default::default()
        };
        assert_eq!(f("").parse().expect("default").completion_share, 80);
        assert_eq!(f(" 75 ").parse().expect("75").completion_share, 75);
        assert_eq!(f("100").parse().expect("100").completion_share, 100);
        for bad in ["0", "101", "-5", "80%", "八十"] {
            assert_eq!(fields(f(bad).parse()), ["completion_share"], "{bad}");
        }
    }

    #[test]
    fn an_instructor_lists_skills_and_unavailable_days_with_ranges() {
        let f = InstructorForm {
            name: "刘师傅".into(),
            phone: "13812345678".into(),
            skills: "设施蔬菜，果树修剪".into(),
            unavailable: "2027-03-01..2027-03-03, 2027-03-10".into(),
        };
        let i = f.parse().expect("valid");
        assert_eq!(i.skills, vec!["设施蔬菜", "果树修剪"]);
        assert_eq!(i.unavailable.len(), 4);
        let bad = InstructorForm {
            name: "刘".into(),
            phone: "123".into(),
            skills: "".into(),
            unavailable: "2027-03-05..2027-03-01".into(),
        };
        assert_eq!(fields(bad.parse()), ["phone", "skills", "unavailable"]);
    }
}
