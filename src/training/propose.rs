//! Choosing a session to propose from farmers' interest in a course: the base nearest them, a venue
//! there, an instructor with the skill and the first conflict-free days — or the typed reason none
//! can be proposed. Pure: no I/O; `proposals` loads what this looks at and writes what it decides.
//!
//! **Nearness.** Farmers type their town, so towns are compared by [`town_key`]: spaces dropped and
//! the administrative suffix (镇, 乡, 街道, 办事处) ignored, so 回郭 and 回郭镇 are one town. No
//! distances between towns are recorded, so bases are ranked by how many of the interested farmers
//! live in the base's town (more is nearer); bases in towns where none of them lives follow in the
//! order they were set up (lower id first). A base that cannot host within the horizon is passed
//! over with its reason, which the proposal keeps, and the next base is tried.
//!
//! **Horizon.** Sessions start at least [`LEAD_DAYS`] ahead and end within [`HORIZON_WEEKS`] after
//! that; at a base the larger venue (up to the cohort) and the lower id go first, instructors by id.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use entity::{blackout, course, instructor, training_base, training_session, venue};
use serde::{Deserialize, Serialize};

use super::schedule::{HOURS_PER_DAY, MAX_DAYS, Plan, World, conflicts};
use crate::i18n::Msg;

/// A proposed session starts no sooner than this many days from today.
pub const LEAD_DAYS: i64 = 7;
/// …and ends within this many weeks after that.
pub const HORIZON_WEEKS: i64 = 8;

/// Why no session is proposed for a course (or why a nearer base was passed over).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// No instructor teaches the course's skill area.
    NoInstructor { skill: String },
    /// No training base is set up.
    NoBase,
    /// The course needs more consecutive days than a session may span.
    TooLong { days: i64, max: i64 },
    /// No venue seats the minimum cohort (`largest`: the most seats of any venue looked at).
    NoVenue { min_cohort: i32, largest: i32 },
    /// The base is never open on `days` consecutive days.
    BaseClosed { days: i64, open_days: String },
    /// Every run of days in the horizon conflicts: blackouts (named), other sessions or
    /// proposals, instructors away.
    NoFreeDays {
        from: NaiveDate,
        until: NaiveDate,
        blackouts: Vec<String>,
    },
    /// Staff dismissed the last proposal and no farmer has registered interest since.
    Dismissed { proposal_id: i32 },
    /// Nothing stands in the way: a session can be proposed now (evaluation has not run since
    /// things changed, e.g. days passed).
    Ready { base: String, starts_on: NaiveDate },
}

impl Reason {
    /// The reason as a message in the user's language.
    pub fn msg(&self) -> Msg {
        match self {
            Reason::NoInstructor { skill } => Msg::new("proposal.reason_no_instructor").arg("skill", skill),
            Reason::NoBase => Msg::new("proposal.reason_no_base"),
            Reason::TooLong { days, max } => Msg::new("proposal.reason_too_long").arg("days", days).arg("max", max),
            Reason::NoVenue { min_cohort, largest } => Msg::new("proposal.reason_no_venue")
                .arg("min", min_cohort)
                .arg("largest", largest),
            Reason::BaseClosed { days, open_days } => Msg::new("proposal.reason_base_closed")
                .arg("days", days)
                .arg("open_days", open_days),
            Reason::NoFreeDays { from, until, blackouts } if blackouts.is_empty() => {
                Msg::new("proposal.reason_no_free_days")
                    .arg("from", from)
                    .arg("until", until)
            }
            Reason::NoFreeDays { from, until, blackouts } => Msg::new("proposal.reason_no_free_days_blackouts")
                .arg("from", from)
                .arg("until", until)
                .arg("blackouts", blackouts.join("、")),
            Reason::Dismissed { proposal_id } => Msg::new("proposal.reason_dismissed").arg("id", proposal_id),
            Reason::Ready { base, starts_on } => Msg::new("proposal.reason_ready")
                .arg("base", base)
                .arg("date", starts_on),
        }
    }

    /// Among the reasons of several bases, the one closest to a proposal: no free days, then base
    /// closed, then no venue large enough (the largest venue of all reported).
    fn nearest_miss(reasons: &[&Reason]) -> Option<Reason> {
        let rank = |r: &Reason| match r {
            Reason::NoFreeDays { .. } => 3,
            Reason::BaseClosed { .. } => 2,
            _ => 1,
        };
        // The nearest base's reason among those equally close to a proposal.
        let (_, best) = reasons
            .iter()
            .enumerate()
            .max_by_key(|(i, r)| (rank(r), std::cmp::Reverse(*i)))?;
        Some(match best {
            Reason::NoVenue { min_cohort, .. } => Reason::NoVenue {
                min_cohort: *min_cohort,
                largest: reasons
                    .iter()
                    .filter_map(|r| match r {
                        Reason::NoVenue { largest, .. } => Some(*largest),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0),
            },
            other => (*other).clone(),
        })
    }
}

/// A base tried and passed over, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassedOver {
    pub base_id: i32,
    pub base: String,
    pub town: String,
    /// Interested farmers living in the base's town.
    pub near: i32,
    pub reason: Reason,
}

/// An instructor with skills and away days decoded.
pub struct Teacher {
    pub model: instructor::Model,
    pub skills: Vec<String>,
    pub away: Vec<NaiveDate>,
}

/// What sessions can be made of.
pub struct Supply<'a> {
    pub bases: &'a [training_base::Model],
    pub venues: &'a [venue::Model],
    pub teachers: &'a [Teacher],
    pub blackouts: &'a [blackout::Model],
    /// Scheduled sessions and other open proposals (as sessions): what is already taken.
    pub busy: &'a [training_session::Model],
}

/// The session chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub plan: Plan,
    pub base_id: i32,
    /// Interested farmers living in the chosen base's town.
    pub near: i32,
    /// Nearer bases that could not host, nearest first.
    pub passed_over: Vec<PassedOver>,
}

/// The outcome for one course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Proposed(Choice),
    /// No session: the course's reason, and each base's when bases were tried.
    Blocked {
        reason: Reason,
        bases: Vec<PassedOver>,
    },
}

/// A town as compared for nearness: no spaces, no administrative suffix.
pub fn town_key(town: &str) -> String {
    let squeezed: String = town.chars().filter(|c| !c.is_whitespace()).collect();
    for suffix in ["街道办事处", "办事处", "街道", "镇", "乡"] {
        if let Some(stem) = squeezed.strip_suffix(suffix)
            && !stem.is_empty()
        {
            return stem.to_string();
        }
    }
    squeezed
}

/// Teaching days a course needs.
pub fn course_days(hours: i32) -> i64 {
    i64::from((hours.max(1) + HOURS_PER_DAY - 1) / HOURS_PER_DAY)
}

/// Whether a base open on `open_days` (ISO weekdays, `12345`) is ever open `days` days in a row.
pub fn opens_for(open_days: &str, days: i64) -> bool {
    let open = |wd: i64| open_days.contains(char::from(b'1' + (wd % 7) as u8));
    (0..7).any(|start| (start..start + days.min(7)).all(open))
}

/// Bases nearest first: more interested farmers in the base's town, then the lower id.
pub fn rank_bases<'a>(
    bases: &'a [training_base::Model],
    near: &HashMap<String, i32>,
) -> Vec<(&'a training_base::Model, i32)> {
    let mut ranked: Vec<_> = bases
        .iter()
        .map(|b| (b, near.get(&town_key(&b.town)).copied().unwrap_or(0)))
        .collect();
    ranked.sort_by_key(|(b, n)| (std::cmp::Reverse(*n), b.id));
    ranked
}

/// Chooses a session for the farmers interested in `course`, who live in `towns` (one entry each;
/// the caller has checked there are at least the course's minimum cohort).
pub fn choose(course: &course::Model, towns: &[&str], supply: &Supply, today: NaiveDate) -> Outcome {
    let blocked = |reason| Outcome::Blocked {
        reason,
        bases: Vec::new(),
    };
    let skilled: Vec<&Teacher> = supply
        .teachers
        .iter()
        .filter(|t| t.skills.contains(&course.skill_area))
        .collect();
    if skilled.is_empty() {
        return blocked(Reason::NoInstructor {
            skill: course.skill_area.clone(),
        });
    }
    let days = course_days(course.hours);
    if days > MAX_DAYS {
        return blocked(Reason::TooLong { days, max: MAX_DAYS });
    }
    if supply.bases.is_empty() {
        return blocked(Reason::NoBase);
    }
    let mut near: HashMap<String, i32> = HashMap::new();
    for t in towns {
        *near.entry(town_key(t)).or_default() += 1;
    }
    let wanted = (towns.len() as i32).min(course.max_cohort);
    let mut passed_over = Vec::new();
    for (base, n) in rank_bases(supply.bases, &near) {
        let ask = Ask {
            course,
            base,
            skilled: &skilled,
            wanted,
            days,
            today,
        };
        match ask.first_slot(supply) {
            Ok(plan) => {
                return Outcome::Proposed(Choice {
                    plan,
                    base_id: base.id,
                    near: n,
                    passed_over,
                });
            }
            Err(reason) => passed_over.push(PassedOver {
                base_id: base.id,
                base: base.name.clone(),
                town: base.town.clone(),
                near: n,
                reason,
            }),
        }
    }
    let reasons: Vec<&Reason> = passed_over.iter().map(|p| &p.reason).collect();
    let reason = Reason::nearest_miss(&reasons).unwrap_or(Reason::NoBase);
    Outcome::Blocked {
        reason,
        bases: passed_over,
    }
}

/// One base asked for a session.
struct Ask<'a> {
    course: &'a course::Model,
    base: &'a training_base::Model,
    skilled: &'a [&'a Teacher],
    wanted: i32,
    days: i64,
    today: NaiveDate,
}

impl Ask<'_> {
    /// The first conflict-free plan at this base within the horizon, or why there is none.
    fn first_slot(&self, supply: &Supply) -> Result<Plan, Reason> {
        let course = self.course;
        let mut venues: Vec<&venue::Model> = supply.venues.iter().filter(|v| v.base_id == self.base.id).collect();
        let largest = venues.iter().map(|v| v.seats).max().unwrap_or(0);
        venues.retain(|v| v.seats >= course.min_cohort);
        if venues.is_empty() {
            return Err(Reason::NoVenue {
                min_cohort: course.min_cohort,
                largest,
            });
        }
        if !opens_for(&self.base.open_days, self.days) {
            return Err(Reason::BaseClosed {
                days: self.days,
                open_days: self.base.open_days.clone(),
            });
        }
        venues.sort_by_key(|v| (std::cmp::Reverse(v.seats.min(self.wanted)), v.id));
        let from = self.today + Duration::days(LEAD_DAYS);
        let until = from + Duration::weeks(HORIZON_WEEKS);
        let mut start = from;
        while start + Duration::days(self.days - 1) <= until {
            if let Some(plan) = self.fits(supply, &venues, start) {
                return Ok(plan);
            }
            start += Duration::days(1);
        }
        let blackouts = supply
            .blackouts
            .iter()
            .filter(|b| b.starts_on <= until && from <= b.ends_on)
            .map(|b| b.name.clone())
            .collect();
        Err(Reason::NoFreeDays { from, until, blackouts })
    }

    /// A plan starting on `start` in one of `venues` with one of the skilled instructors.
    fn fits(&self, supply: &Supply, venues: &[&venue::Model], start: NaiveDate) -> Option<Plan> {
        // Closed days are the cheapest test; `conflicts` checks them again with the rest.
        let closed = start.iter_days().take(self.days as usize).any(|d| {
            !self
                .base
                .open_days
                .contains(char::from(b'0' + d.weekday().number_from_monday() as u8))
        });
        if closed {
            return None;
        }
        for v in venues {
            for t in self.skilled {
                let plan = Plan {
                    course_id: self.course.id,
                    venue_id: v.id,
                    instructor_id: t.model.id,
                    starts_on: start,
                    ends_on: start + Duration::days(self.days - 1),
                    capacity: self.wanted.min(v.seats),
                };
                let world = World {
                    course: self.course,
                    venue: v,
                    base: self.base,
                    instructor: &t.model,
                    instructor_skills: &t.skills,
                    instructor_away: &t.away,
                    blackouts: supply.blackouts,
                    sessions: supply.busy,
                };
                if conflicts(&world, &plan, self.today).is_empty() {
                    return Some(plan);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
