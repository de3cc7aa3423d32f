//! The demo county as data: `county.toml` (places, names, schools and programmes, the rules, the
//! ledger's stories, mentors' notes, farmer training) read once into [`County`]. The story in the
//! other demo modules decides when and how often things happen; this file says who and what.

use std::sync::OnceLock;

use entity::ledger_entry::CloseReason;
use entity::ledger_follow_up::{FollowUpHow, FollowUpWho};
use serde::Deserialize;

use crate::routing::instance::{Rule, Rules};

/// Everything the demo county is made of.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct County {
    pub towns: Vec<String>,
    pub villages: Vec<String>,
    surnames: String,
    given_names: String,
    /// The register's 意向专业 column.
    pub wished_skills: Vec<String>,
    pub staff: Vec<Staff>,
    pub schools: Vec<School>,
    pub rules: Rules,
    pub ledger: Ledger,
    pub help_sessions: HelpSessions,
    pub training: Training,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub email: String,
    pub name: String,
    pub role: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    pub name: String,
    pub town: String,
    pub admissions_email: Option<String>,
    pub programmes: Vec<Programme>,
}

/// A programme, named after its skill area; `capacity` is for a county of 3,000 students.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    pub name: String,
    pub capacity: i64,
    #[serde(default)]
    pub reserved_seats: i64,
    #[serde(default)]
    pub requirements: Vec<Rule>,
    /// Where its graduates find work: (employer, position).
    pub employers: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    pub cross_offs: Vec<CrossOff>,
    pub moved_evidence: String,
    pub decline_reason: String,
    pub bring_back: Vec<Step>,
    /// `{month}` and `{day}` are the day the student reported again.
    pub brought_back_note: String,
    pub dropout_note: String,
    pub dropout_follow_up: Step,
    pub threads: Vec<Thread>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossOff {
    pub reason: CloseReason,
    pub evidence: String,
}

/// One follow-up: who, their name, how, the outcome and the next step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub who: FollowUpWho,
    pub name: String,
    pub how: FollowUpHow,
    pub outcome: String,
    pub next: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thread {
    pub steps: Vec<Step>,
}

/// A mentor's notes (mode, note) before term, at school, and with a student who is not there.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpSessions {
    pub before_term: Vec<(String, String)>,
    pub at_school: Vec<(String, String)>,
    pub away: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    pub bases: Vec<Base>,
    pub courses: Vec<Course>,
    pub instructors: Vec<Instructor>,
    pub blackouts: Vec<Blackout>,
    pub sessions: Vec<Session>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base {
    pub school: usize,
    pub name: String,
    pub address: String,
    pub town: String,
    pub open_days: String,
    pub venues: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Course {
    pub title: String,
    pub skill_area: String,
    pub hours: i32,
    pub min_cohort: i32,
    pub max_cohort: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instructor {
    pub name: String,
    pub skills: String,
}

/// A harvest blackout from one (month, day) to another, in the intake year or the next.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blackout {
    pub name: String,
    pub from: (u32, u32),
    pub to: (u32, u32),
    #[serde(default)]
    pub next_year: bool,
}

/// A session of the plan (see the file for what each field means).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub course: usize,
    pub venue: String,
    pub instructor: String,
    pub starts_in: i64,
    pub days: i64,
    pub capacity: i32,
    pub registrations: usize,
    pub held: Option<i64>,
}

/// A programme with the place of its school in [`County::schools`].
pub struct Placed<'a> {
    pub school: usize,
    pub programme: &'a Programme,
}

impl County {
    /// Every programme in file order (the order of their codes, P01, P02, …).
    pub fn programmes(&self) -> Vec<Placed<'_>> {
        let mut all = Vec::new();
        for (school, s) in self.schools.iter().enumerate() {
            all.extend(s.programmes.iter().map(|programme| Placed { school, programme }));
        }
        all
    }

    pub fn surnames(&self) -> Vec<char> {
        self.surnames.chars().collect()
    }

    pub fn given_names(&self) -> Vec<char> {
        self.given_names.chars().collect()
    }

    /// What is wrong with the cross-references, if anything.
    fn check(self) -> Result<County, String> {
        let programmes = self.programmes().len();
        let (sessions, notes) = (&self.training.sessions, &self.help_sessions);
        let problems = [
            (
                self.towns.is_empty() || self.villages.is_empty(),
                "no towns or villages",
            ),
            (self.surnames.is_empty() || self.given_names.is_empty(), "no names"),
            (programmes == 0, "no programmes"),
            (
                self.wished_skills.is_empty() || self.staff.is_empty(),
                "no wished skills or staff",
            ),
            (
                self.ledger.threads.iter().any(|t| t.steps.is_empty()),
                "a ledger thread without steps",
            ),
            (
                self.ledger.threads.is_empty() || self.ledger.cross_offs.is_empty(),
                "no ledger threads or cross-offs",
            ),
            (
                self.programmes().iter().any(|p| p.programme.employers.is_empty()),
                "a programme without employers",
            ),
            (
                notes.before_term.is_empty() || notes.at_school.is_empty() || notes.away.is_empty(),
                "no help-session notes",
            ),
            (
                self.schools.iter().any(|s| !self.towns.contains(&s.town)),
                "a school in a town not in `towns`",
            ),
            (
                self.training.bases.iter().any(|b| b.school >= self.schools.len()),
                "a base of a school not listed",
            ),
            (
                sessions.iter().any(|s| s.course >= self.training.courses.len()),
                "a session of a course not listed",
            ),
        ];
        match problems.iter().find(|(wrong, _)| *wrong) {
            Some((_, what)) => Err(format!("demo county: {what}")),
            None => Ok(self),
        }
    }
}

/// The county, read from `county.toml` the first time it is asked for.
pub fn county() -> Result<&'static County, String> {
    static COUNTY: OnceLock<Result<County, String>> = OnceLock::new();
    COUNTY
        .get_or_init(|| {
            toml::from_str::<County>(include_str!("county.toml"))
                .map_err(|e| format!("demo county: {e}"))
                .and_then(County::check)
        })
        .as_ref()
        .map_err(Clone::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_county_reads_and_holds_together() {
        let c = county().expect("county.toml reads");
        assert_eq!(c.towns.len(), 8);
        assert_eq!(c.schools.len(), 3);
        assert_eq!(c.programmes().len(), 6);
        assert_eq!(c.programmes()[4].programme.name, "护理");
        assert_eq!(c.programmes()[4].school, 2);
        assert_eq!(c.rules.priority.len(), 3);
        assert_eq!(c.ledger.threads.len(), 3);
        assert_eq!(c.training.sessions.len(), 6);
        assert_eq!(c.surnames().len(), 16);
        assert_eq!(c.given_names().len(), 20);
    }

    #[test]
    fn a_broken_reference_is_named() {
        let text = include_str!("county.toml").replace("school = 2", "school = 9");
        let parsed: County = toml::from_str(&text).expect("still toml");
        let err = parsed.check().err();
        assert_eq!(err.as_deref(), Some("demo county: a base of a school not listed"));
    }
}
