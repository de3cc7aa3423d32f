//! The pure conflict checks of a planned session: its dates, the base's open days, blackout
//! periods, capacity against venue and course, the instructor's skill and days away, and bookings
//! of the venue or instructor by overlapping scheduled sessions. Each step adds its messages on the
//! field to change, in a fixed order. It must not read the database or the clock: callers load the
//! [`World`] and pass today.

use chrono::{Datelike, NaiveDate};
use entity::training_session::SessionStatus;
use entity::{blackout, course, instructor, training_base, training_session, venue};

use super::{MAX_DAYS, Plan};
use crate::error::FieldError;
use crate::i18n::Msg;

/// What the checks look at.
pub struct World<'a> {
    pub course: &'a course::Model,
    pub venue: &'a venue::Model,
    pub base: &'a training_base::Model,
    pub instructor: &'a instructor::Model,
    pub instructor_skills: &'a [String],
    pub instructor_away: &'a [NaiveDate],
    pub blackouts: &'a [blackout::Model],
    /// Other scheduled sessions (the one being moved excluded).
    pub sessions: &'a [training_session::Model],
}

fn weekday_name(d: NaiveDate) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][d.weekday().num_days_from_monday() as usize]
}

/// Every conflict of `plan`, each on the field to change; empty when the plan is fine. The steps run
/// in this order, so messages come in the same order; a plan with impossible dates stops there.
pub fn conflicts(w: &World, plan: &Plan, today: NaiveDate) -> Vec<FieldError> {
    let mut e = Vec::new();
    if !check_dates(&mut e, plan, today) {
        return e;
    }
    let days: Vec<NaiveDate> = plan.starts_on.iter_days().take_while(|d| *d <= plan.ends_on).collect();
    check_base_open(&mut e, w, &days);
    check_blackouts(&mut e, w, plan);
    check_capacity(&mut e, w, plan);
    check_instructor(&mut e, w, &days);
    check_bookings(&mut e, w, plan);
    e
}

/// The plan's dates: ends after it starts, starts after today, not too long. False when the other
/// checks cannot run (ends before it starts, or too long to list its days).
fn check_dates(e: &mut Vec<FieldError>, plan: &Plan, today: NaiveDate) -> bool {
    if plan.ends_on < plan.starts_on {
        e.push(FieldError::new("ends_on", Msg::new("error.ends_before_start")));
        return false;
    }
    if plan.starts_on <= today {
        e.push(FieldError::new("starts_on", Msg::new("error.session_not_future")));
    }
    if (plan.ends_on - plan.starts_on).num_days() >= MAX_DAYS {
        e.push(FieldError::new(
            "ends_on",
            Msg::new("error.session_too_long").arg("days", MAX_DAYS),
        ));
        return false;
    }
    true
}

/// The base is open on every day of the plan; the first closed day is named.
fn check_base_open(e: &mut Vec<FieldError>, w: &World, days: &[NaiveDate]) {
    for d in days {
        let iso = char::from(b'0' + d.weekday().number_from_monday() as u8);
        if !w.base.open_days.contains(iso) {
            e.push(FieldError::new(
                "starts_on",
                Msg::new("error.base_closed")
                    .arg("base", &w.base.name)
                    .arg("date", d)
                    .arg("weekday", weekday_name(*d))
                    .arg("weekday_en", d.format("%A")),
            ));
            break;
        }
    }
}

/// No blackout period overlaps the plan.
fn check_blackouts(e: &mut Vec<FieldError>, w: &World, plan: &Plan) {
    for b in w.blackouts {
        if b.starts_on <= plan.ends_on && plan.starts_on <= b.ends_on {
            e.push(FieldError::new(
                "starts_on",
                Msg::new("error.blackout")
                    .arg("name", &b.name)
                    .arg("from", b.starts_on)
                    .arg("to", b.ends_on),
            ));
        }
    }
}

/// At least one seat, no more than the venue holds or the course allows.
fn check_capacity(e: &mut Vec<FieldError>, w: &World, plan: &Plan) {
    if plan.capacity < 1 {
        e.push(FieldError::new(
            "capacity",
            Msg::new("error.number_between")
                .arg("value", plan.capacity)
                .arg("min", 1)
                .arg("max", w.venue.seats),
        ));
    }
    if plan.capacity > w.venue.seats {
        e.push(FieldError::new(
            "capacity",
            Msg::new("error.venue_too_small")
                .arg("venue", &w.venue.name)
                .arg("seats", w.venue.seats)
                .arg("capacity", plan.capacity),
        ));
    }
    if plan.capacity > w.course.max_cohort {
        e.push(FieldError::new(
            "capacity",
            Msg::new("error.above_max_cohort")
                .arg("max", w.course.max_cohort)
                .arg("capacity", plan.capacity),
        ));
    }
}

/// The instructor teaches the course's skill and is not away on a day of the plan.
fn check_instructor(e: &mut Vec<FieldError>, w: &World, days: &[NaiveDate]) {
    if !w.instructor_skills.contains(&w.course.skill_area) {
        e.push(FieldError::new(
            "instructor_id",
            Msg::new("error.instructor_skill")
                .arg("name", &w.instructor.name)
                .arg("skill", &w.course.skill_area),
        ));
    }
    if let Some(d) = days.iter().find(|d| w.instructor_away.contains(d)) {
        e.push(FieldError::new(
            "instructor_id",
            Msg::new("error.instructor_away")
                .arg("name", &w.instructor.name)
                .arg("date", d),
        ));
    }
}

/// Neither the venue nor the instructor is booked by a scheduled session overlapping the plan.
fn check_bookings(e: &mut Vec<FieldError>, w: &World, plan: &Plan) {
    for s in w.sessions {
        let overlaps =
            s.status == SessionStatus::Scheduled && s.starts_on <= plan.ends_on && plan.starts_on <= s.ends_on;
        if !overlaps {
            continue;
        }
        if s.venue_id == plan.venue_id {
            e.push(FieldError::new(
                "venue_id",
                Msg::new("error.venue_booked")
                    .arg("venue", &w.venue.name)
                    .arg("id", s.id)
                    .arg("from", s.starts_on)
                    .arg("to", s.ends_on),
            ));
        }
        if s.instructor_id == plan.instructor_id {
            e.push(FieldError::new(
                "instructor_id",
                Msg::new("error.instructor_booked")
                    .arg("name", &w.instructor.name)
                    .arg("id", s.id)
                    .arg("from", s.starts_on)
                    .arg("to", s.ends_on),
            ));
        }
    }
}
