//! Where a session stands for farmers and staff: open for registration and changes until the day it
//! starts, then running, then finished; or cancelled. Only an open session shows seats left, takes
//! registrations and lets staff change its capacity or move it. Pure: no I/O.

use chrono::NaiveDate;
use entity::training_session::SessionStatus;
use serde::Serialize;

/// A session's phase on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, poem_openapi::Enum)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum Phase {
    /// Scheduled and not started: registration open, capacity and dates may change.
    Open,
    /// Started (today is one of its days).
    Running,
    /// Its last day has passed.
    Finished,
    Cancelled,
}

impl Phase {
    /// The phase of a session with this `status` and these days, on `today`.
    pub fn of(status: SessionStatus, starts_on: NaiveDate, ends_on: NaiveDate, today: NaiveDate) -> Phase {
        if status != SessionStatus::Scheduled {
            Phase::Cancelled
        } else if starts_on > today {
            Phase::Open
        } else if ends_on >= today {
            Phase::Running
        } else {
            Phase::Finished
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_session_is_open_until_its_first_day_then_running_then_finished() {
        let (from, to) = (d("2027-03-08"), d("2027-03-10"));
        assert_eq!(
            Phase::of(SessionStatus::Scheduled, from, to, d("2027-03-07")),
            Phase::Open
        );
        assert_eq!(
            Phase::of(SessionStatus::Scheduled, from, to, d("2027-03-08")),
            Phase::Running
        );
        assert_eq!(
            Phase::of(SessionStatus::Scheduled, from, to, d("2027-03-10")),
            Phase::Running
        );
        assert_eq!(
            Phase::of(SessionStatus::Scheduled, from, to, d("2027-03-11")),
            Phase::Finished
        );
        assert_eq!(
            Phase::of(SessionStatus::Cancelled, from, to, d("2027-03-01")),
            Phase::Cancelled
        );
    }
}
