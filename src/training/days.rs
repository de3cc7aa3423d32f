//! The teaching days of a session and what attending them earns. Pure: no I/O.
//!
//! A session teaches on every day from its first to its last (the scheduler refuses a day the base
//! is closed). The course's hours are spread over those days, whole hours, the first days taking
//! the remainder: 24 h over 4 days is 6 h a day, 20 h over 3 days is 7, 7 and 6. A farmer earns the
//! certificate when the hours attended reach the course's completion share of its hours.

use chrono::NaiveDate;
use serde::Serialize;

/// The share of a course's hours a farmer must attend when the course does not say (percent).
pub const DEFAULT_COMPLETION_SHARE: i32 = 80;

/// One teaching day and its hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TeachingDay {
    pub day: NaiveDate,
    pub hours: i32,
}

/// Every teaching day of a session from `starts_on` to `ends_on` (inclusive) with its hours, the
/// course's `hours` spread over them.
pub fn teaching_days(starts_on: NaiveDate, ends_on: NaiveDate, hours: i32) -> Vec<TeachingDay> {
    let days: Vec<NaiveDate> = starts_on.iter_days().take_while(|d| *d <= ends_on).collect();
    let n = i32::try_from(days.len()).unwrap_or(i32::MAX).max(1);
    let (each, extra) = (hours.max(0) / n, hours.max(0) % n);
    days.into_iter()
        .zip(0..)
        .map(|(day, i)| TeachingDay {
            day,
            hours: each + i32::from(i < extra),
        })
        .collect()
}

/// Whether `attended` hours of a course of `course_hours` reach `share` percent of them (exact
/// integer arithmetic: 19 of 24 h is 79.2 %, short of 80 %).
pub fn completed(attended: i32, course_hours: i32, share: i32) -> bool {
    course_hours > 0 && i64::from(attended) * 100 >= i64::from(share) * i64::from(course_hours)
}

/// The hours needed to complete, rounded up (80 % of 24 h is 19.2, so 20 whole hours).
pub fn hours_needed(course_hours: i32, share: i32) -> i32 {
    let need = i64::from(course_hours) * i64::from(share);
    i32::try_from((need + 99) / 100).unwrap_or(i32::MAX)
}

/// Whether a session's certificates can be issued on `today`: after its last day, or on the last
/// day once that day's attendance is recorded.
pub fn finished(ends_on: NaiveDate, today: NaiveDate, last_day_recorded: bool) -> bool {
    today > ends_on || (today == ends_on && last_day_recorded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_course_s_hours_are_spread_over_its_days_first_days_taking_the_remainder() {
        let four = teaching_days(d("2026-12-07"), d("2026-12-10"), 24);
        assert_eq!(four.iter().map(|t| t.hours).collect::<Vec<_>>(), [6, 6, 6, 6]);
        assert_eq!(four[3].day, d("2026-12-10"));
        let three = teaching_days(d("2026-12-07"), d("2026-12-09"), 20);
        assert_eq!(three.iter().map(|t| t.hours).collect::<Vec<_>>(), [7, 7, 6]);
        assert_eq!(teaching_days(d("2026-12-07"), d("2026-12-07"), 8).len(), 1);
        assert!(teaching_days(d("2026-12-08"), d("2026-12-07"), 8).is_empty());
    }

    #[test]
    fn three_of_four_six_hour_days_fall_short_of_80_percent_and_four_complete() {
        assert!(!completed(18, 24, 80), "18/24 = 75 %");
        assert!(!completed(19, 24, 80), "19/24 = 79.2 %");
        assert!(completed(20, 24, 80));
        assert!(completed(24, 24, 80));
        assert!(completed(18, 24, 75));
        assert!(!completed(0, 0, 80), "a course of no hours completes nothing");
        assert_eq!(hours_needed(24, 80), 20);
        assert_eq!(hours_needed(24, 75), 18);
        assert_eq!(hours_needed(24, 100), 24);
    }

    #[test]
    fn certificates_wait_for_the_last_day() {
        let last = d("2026-12-10");
        assert!(!finished(last, d("2026-12-09"), true));
        assert!(!finished(last, last, false));
        assert!(finished(last, last, true));
        assert!(finished(last, d("2026-12-11"), false));
    }
}
