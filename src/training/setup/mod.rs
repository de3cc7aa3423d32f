//! What training is planned with: bases and their venues, courses, instructors and blackout
//! periods. Each input is checked whole (every bad field named) before anything is written. A new
//! base, instructor or blackout can change what may be proposed, so proposals are evaluated again
//! in the same transaction.

use chrono::{NaiveDate, Utc};
use entity::{blackout, course, instructor, training_base, venue};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, Set, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor, Record};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;

mod blackouts;
mod instructors;

pub use blackouts::{BlackoutForm, create_blackout};
pub use instructors::{Instructor, InstructorForm, InstructorInput, create_instructor, decode_instructor};

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

fn number(e: &mut Vec<FieldError>, field: &str, value: &str, min: i64, max: i64) -> i32 {
    match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n as i32,
        _ => {
            e.push(FieldError::new(
                field,
                Msg::new("error.number_between")
                    .arg("value", value.trim())
                    .arg("min", min)
                    .arg("max", max),
            ));
            0
        }
    }
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

/// A base with its venues, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct BaseForm {
    pub school_id: Option<i32>,
    pub name: String,
    pub address: String,
    pub town: String,
    /// ISO weekdays it is open, e.g. `12345` (Monday to Friday) or `1234567`.
    pub open_days: String,
    /// One venue per line: `name: seats`, e.g. `实训大棚: 40`.
    pub venues: String,
}

/// A checked base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseInput {
    pub school_id: Option<i32>,
    pub name: String,
    pub address: String,
    pub town: String,
    pub open_days: String,
    pub venues: Vec<(String, i32)>,
}

impl BaseForm {
    pub fn parse(&self) -> Result<BaseInput, AppError> {
        let mut e = Vec::new();
        let name = required(&mut e, "name", &self.name, 100);
        let address = required(&mut e, "address", &self.address, 200);
        let town = required(&mut e, "town", &self.town, 100);
        let mut days: Vec<char> = self
            .open_days
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ',')
            .collect();
        days.sort_unstable();
        days.dedup();
        if days.is_empty() || days.iter().any(|c| !('1'..='7').contains(c)) {
            e.push(FieldError::new(
                "open_days",
                Msg::new("error.open_days").arg("value", self.open_days.trim()),
            ));
        }
        let mut venues = Vec::new();
        for line in self.venues.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let parsed = line
                .split_once([':', '：'])
                .and_then(|(n, s)| Some((n.trim(), s.trim().parse::<i32>().ok()?)))
                .filter(|(n, s)| !n.is_empty() && (1..=2000).contains(s));
            match parsed {
                Some((n, s)) => venues.push((n.to_string(), s)),
                None => e.push(FieldError::new(
                    "venues",
                    Msg::new("error.venue_line").arg("line", line),
                )),
            }
        }
        if venues.is_empty() && !e.iter().any(|f| f.field == "venues") {
            e.push(FieldError::new("venues", Msg::new("error.venues_required")));
        }
        done(e, || BaseInput {
            school_id: self.school_id,
            name,
            address,
            town,
            open_days: days.into_iter().collect(),
            venues,
        })
    }
}

/// Creates a base with its venues.
pub async fn create_base(
    db: &DatabaseConnection,
    actor: &Actor,
    input: BaseInput,
) -> Result<training_base::Model, AppError> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(s) = input.school_id {
        crate::admissions::programmes::get_school(&txn, s)
            .await
            .map_err(|_| AppError::invalid("school_id", Msg::new("error.school_unknown").arg("id", s)))?;
    }
    let base = training_base::ActiveModel {
        school_id: Set(input.school_id),
        name: Set(input.name),
        address: Set(input.address),
        town: Set(input.town),
        open_days: Set(input.open_days),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (name, seats) in input.venues {
        venue::ActiveModel {
            base_id: Set(base.id),
            name: Set(name),
            seats: Set(seats),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        actor,
        "training.base",
        Record::new("training_base", base.id),
        format!("base {}", base.name),
    )
    .await?;
    super::proposals::reevaluate(&txn, super::proposals::Scope::All).await?;
    txn.commit().await?;
    Ok(base)
}

/// A course, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CourseForm {
    pub title: String,
    pub skill_area: String,
    pub hours: String,
    pub min_cohort: String,
    pub max_cohort: String,
    pub household_first: bool,
    pub description: String,
    /// Percent of the hours to attend for the certificate, 1–100; empty means 80.
    pub completion_share: String,
}

/// A checked course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseInput {
    pub title: String,
    pub skill_area: String,
    pub hours: i32,
    pub min_cohort: i32,
    pub max_cohort: i32,
    pub household_first: bool,
    pub description: String,
    pub completion_share: i32,
}

impl CourseForm {
    pub fn parse(&self) -> Result<CourseInput, AppError> {
        let mut e = Vec::new();
        let title = required(&mut e, "title", &self.title, 100);
        let skill_area = required(&mut e, "skill_area", &self.skill_area, 100);
        let hours = number(&mut e, "hours", &self.hours, 1, 400);
        let min_cohort = number(&mut e, "min_cohort", &self.min_cohort, 1, 500);
        let max_cohort = number(&mut e, "max_cohort", &self.max_cohort, 1, 500);
        if min_cohort > 0 && max_cohort > 0 && min_cohort > max_cohort {
            e.push(FieldError::new(
                "max_cohort",
                Msg::new("error.cohort_order")
                    .arg("min", min_cohort)
                    .arg("max", max_cohort),
            ));
        }
        let completion_share = if self.completion_share.trim().is_empty() {
            super::days::DEFAULT_COMPLETION_SHARE
        } else {
            number(&mut e, "completion_share", &self.completion_share, 1, 100)
        };
        let description = self.description.trim().chars().take(2000).collect();
        done(e, || CourseInput {
            title,
            skill_area,
            hours,
            min_cohort,
            max_cohort,
            household_first: self.household_first,
            description,
            completion_share,
        })
    }
}

pub async fn create_course(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CourseInput,
) -> Result<course::Model, AppError> {
    let txn = db.begin().await?;
    let c = course::ActiveModel {
        title: Set(input.title),
        skill_area: Set(input.skill_area),
        hours: Set(input.hours),
        min_cohort: Set(input.min_cohort),
        max_cohort: Set(input.max_cohort),
        household_first: Set(input.household_first),
        description: Set(input.description),
        completion_share: Set(input.completion_share),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "training.course",
        Record::new("course", c.id),
        format!(
            "course {} ({} h, certificate at {} %)",
            c.title, c.hours, c.completion_share
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
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
