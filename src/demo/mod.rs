//! `vocpath demo`: fills an empty database with the demo county of 巩义 (`county.toml`) — three vocational schools
//! and their six programmes, 3,000 students from registered households, mentors, a ledger being
//! worked and farmer training — as a county would have it on the day the demo runs. Everything goes
//! through the same services as the portal, so the data obeys every rule; each step is then dated
//! to its day in the story ([`retime`]). Seeded: the same county each time, its dates moving with
//! today.
//!
//! # The story
//!
//! The demo is built relative to the real today (`clock::today()`, the day the pages use for
//! "overdue", "due" and "this month"), in the calendar of this year's intake. The autumn term
//! started on 1 September, or 60 days ago if that is later (a demo run in September or October
//! still has a term behind it); every other date is counted from that first day of term, *T*.
//! The story reads most naturally from November to December; run earlier in the year its dates
//! keep their order and spacing but fall in other months (the intake year is always this year, as
//! on every page).
//!
//! - T−120: the admissions office (招生办 刘老师, `zhaosheng@`) and the bureau's viewer get their
//!   accounts; T−110: the schools publish this year's programmes.
//! - T−80: the register of junior-high graduates is imported; T−62: students confirm three choices;
//!   T−58/T−56: the rules are drafted and published; T−50: a dry run in the morning, committed in
//!   the afternoon: offers in every archive, the unplaced on the ledger.
//! - T−30 to T+3: a dozen ledger lines crossed off (working, moved away, late senior high).
//! - T−30: mentors' profiles; T−14: the mentor proposal confirmed (three mentors per placed
//!   student), accepted within two days; T−10 to T−6: a few offers declined.
//! - T to T+2: students report at all three schools; T+5: reporting closes, the rest become
//!   no-shows and their mentors are told. At the first school one no-show is called on T+6, visited
//!   at home on T+9 and placed again and reported on T+12 (the line closes, brought back).
//! - T+30: one student drops out; the town follows up on T+44. Every other open ledger line has a
//!   history of follow-ups since it opened, one thread of effort per line (money worries, work
//!   away, illness); most are within their 14 days, one in seven has slipped.
//! - From a first call before term to yesterday: help sessions, each mentor seeing each mentee
//!   every two to four weeks (at school once the student reported, calls and home visits for one
//!   who did not come or left); one pair in twenty has gone quiet for more than 30 days.
//! - Three earlier cohorts graduated about 6, 18 and 30 months ago (their archives run from
//!   enrolment to graduation, work and the 6/12/24-month follow-ups): most past waves done, some
//!   overdue, the newest cohort's 6-month wave due within the month.
//! - Farmer training: two bases and five courses (T−40); one session held last month, one in its
//!   second day today, four ahead; farmers registered before each session, attendance taken each
//!   evening, certificates the day a session ends.
//!
//! What a visitor can follow: the dashboard (`/`: funnel, fill, loads, waves, training this month)
//! → `/ledger` (who is not in school and who followed up) → one student (`/students/{id}`: offer,
//! mentors assigned, reported, help sessions in date order) → their mentor (`mentor05@`, the
//! mentee list and last contacts) → `/training` (the session today, last month's certificates).
//! The student brought back is listed under direct placements on `/routing-runs`; every message
//! the story sent is in the delivery log, marked sent when it was queued (nothing is delivered).
//!
//! It must not be pointed at a database in use: it refuses one that already holds students.

mod admissions;
mod county;
mod graduates;
mod ledger;
mod mentoring;
mod people;
mod retime;
mod training;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::audit::Actor;
use crate::error::AppError;
use crate::state::AppState;

pub use people::national_id;

/// Password of every demo account (printed by the command).
pub const DEMO_PASSWORD: &str = "demo-2026-vocpath";

/// What the demo created, for the command's output.
pub struct Report {
    pub lines: Vec<String>,
}

fn fail(e: AppError) -> String {
    format!("demo: {e}")
}

fn db_fail(e: sea_orm::DbErr) -> String {
    format!("demo: {e}")
}

/// The fewest days of term the story needs behind it: the dropout's follow-up on T+44 and mentees
/// gone quiet for more than 30 days since the assignment.
const MIN_DAYS_OF_TERM: i64 = 60;

/// The story's calendar (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub struct Calendar {
    pub today: NaiveDate,
    /// This year's intake.
    pub year: i32,
    /// The first day of the autumn term.
    pub term: NaiveDate,
    /// The days the three earlier cohorts graduated, newest first.
    pub graduated: [NaiveDate; 3],
}

impl Calendar {
    /// The calendar of a demo run on `today`.
    pub fn new(today: NaiveDate) -> Calendar {
        let year = today.year();
        let september = NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(today);
        let term = september.min(today - Duration::days(MIN_DAYS_OF_TERM));
        // The newest cohort's 6-month follow-up falls due in 20 days.
        let newest = today.checked_sub_months(Months::new(6)).unwrap_or(today) + Duration::days(20);
        let back = |m: u32| newest.checked_sub_months(Months::new(m)).unwrap_or(newest);
        Calendar {
            today,
            year,
            term,
            graduated: [newest, back(12), back(24)],
        }
    }

    /// The day `from_term` days after the first day of term (before it when negative).
    pub fn day(&self, from_term: i64) -> NaiveDate {
        self.term + Duration::days(from_term)
    }

    /// A moment on `day` at `hour` o'clock China time, never later than a minute ago.
    pub fn at(&self, day: NaiveDate, hour: u32) -> DateTime<Utc> {
        let moment = day
            .and_hms_opt(hour.min(23), 0, 0)
            .and_then(|local| local.and_local_timezone(crate::clock::china()).single())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(Utc::now);
        moment.min(Utc::now() - Duration::minutes(1))
    }

    /// [`Calendar::at`] of [`Calendar::day`].
    pub fn term_at(&self, from_term: i64, hour: u32) -> DateTime<Utc> {
        self.at(self.day(from_term), hour)
    }

    /// The junior-high graduation year of the `k`-th earlier cohort (three years of vocational
    /// school before it graduated).
    pub fn cohort_year(&self, k: usize) -> i32 {
        self.graduated[k.min(2)].year() - 3
    }
}

/// Inserts rows the demo writes directly (help sessions, graduates' archives, ledger follow-ups,
/// choices) a few hundred per statement, within every database's limit on bound values.
async fn insert_all<A>(db: &DatabaseConnection, rows: Vec<A>) -> Result<usize, String>
where
    A: sea_orm::ActiveModelTrait + sea_orm::ActiveModelBehavior + Send + Sync + Clone,
{
    let n = rows.len();
    for chunk in rows.chunks(400) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .map_err(db_fail)?;
    }
    Ok(n)
}

/// How often someone keeps in touch: a first contact `first` days after the start, then one every
/// `every` days up to yesterday — except that in a share `lapse` of cases the contacts stopped
/// `quiet` days ago (those are the overdue ones on the pages).
pub struct Rhythm {
    pub first: std::ops::Range<i64>,
    pub every: std::ops::Range<i64>,
    pub lapse: f64,
    pub quiet: std::ops::Range<i64>,
}

impl Rhythm {
    /// The days of contact from `start` up to yesterday.
    pub fn days(&self, rng: &mut StdRng, start: NaiveDate, today: NaiveDate) -> Vec<NaiveDate> {
        use rand::Rng;
        let stop = if rng.random_bool(self.lapse) {
            today - Duration::days(rng.random_range(self.quiet.clone()))
        } else {
            today - Duration::days(1)
        };
        let mut days = Vec::new();
        let mut d = start + Duration::days(rng.random_range(self.first.clone()));
        while d <= stop {
            days.push(d);
            d += Duration::days(rng.random_range(self.every.clone()));
        }
        days
    }
}

/// What every step shares: the state, the demo's actor, the seeded dice and the calendar.
pub struct Demo<'a> {
    pub state: &'a AppState,
    pub actor: Actor,
    pub rng: StdRng,
    pub cal: Calendar,
    /// How many students the county has.
    pub total: usize,
    /// Its places, people, schools and stories ([`county`]).
    pub county: &'static county::County,
}

impl Demo<'_> {
    fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }
}

/// Loads the demo county. Refuses a database that already holds students.
pub async fn load(state: &AppState) -> Result<Report, String> {
    load_sized(state, 3000).await
}

/// [`load`] with `total` students (tests use a small county).
pub async fn load_sized(state: &AppState, total: usize) -> Result<Report, String> {
    let existing = entity::student::Entity::find()
        .count(&state.db)
        .await
        .map_err(db_fail)?;
    if existing > 0 {
        return Err(format!(
            "the database already holds {existing} students; `vocpath demo` only fills an empty database (point VOCPATH_DATABASE_URL or VOCPATH_DATA_DIR at a new one)"
        ));
    }
    let mut demo = Demo {
        state,
        actor: Actor::system("demo"),
        rng: StdRng::seed_from_u64(2026),
        cal: Calendar::new(crate::clock::today()),
        total,
        county: county::county()?,
    };
    let (db, c) = (&state.db, demo.cal);
    let accounts = retime::on(db, c.term_at(-120, 9), people::staff(&mut demo)).await?;
    let schools = retime::on(db, c.term_at(-110, 10), admissions::schools(&demo)).await?;
    let mut lines = vec![retime::on(db, c.term_at(-80, 10), people::register(&mut demo, total)).await?];
    lines.push(schools.summary(c.year));
    lines.push(admissions::routing(&mut demo, &schools).await?);
    admissions::cross_offs(&demo).await?;
    lines.push(mentoring::assign(&mut demo, &schools).await?);
    lines.push(admissions::reporting(&demo, &schools).await?);
    lines.push(ledger::follow_ups(&mut demo).await?);
    lines.push(mentoring::help_sessions(&mut demo).await?);
    lines.push(graduates::archives(&mut demo).await?);
    lines.extend(training::load(&mut demo, &schools.ids).await?);
    mentoring::mark_sent(&demo).await?;
    lines.push(format!(
        "accounts (password {DEMO_PASSWORD}): {} and mentor01…mentor{:02}@demo.vocpath; the first admin is created when the service starts",
        accounts.join(", "),
        schools.ids.len() * mentoring::MENTORS_PER_SCHOOL
    ));
    lines.push(format!(
        "the story is dated from today ({}): term started {}, routing committed {}",
        c.today,
        c.term,
        c.day(-50)
    ));
    Ok(Report { lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn in_december_the_term_started_on_the_first_of_september() {
        let c = Calendar::new(d(2026, 12, 6));
        assert_eq!(c.term, d(2026, 9, 1));
        assert_eq!(c.day(-50), d(2026, 7, 13));
        assert_eq!(c.graduated, [d(2026, 6, 26), d(2025, 6, 26), d(2024, 6, 26)]);
        assert_eq!(c.cohort_year(0), 2023);
    }

    #[test]
    fn on_any_day_the_story_has_a_term_behind_it_and_a_follow_up_wave_due() {
        let mut today = d(2026, 1, 1);
        while today < d(2028, 1, 1) {
            let c = Calendar::new(today);
            assert!(c.day(MIN_DAYS_OF_TERM) <= today, "{today}");
            let first_wave = c.graduated[0] + Months::new(6);
            let window = Duration::days(crate::student::timeline::WAVE_WINDOW_DAYS);
            assert!(first_wave - window < today && today < first_wave, "{today}");
            assert!((0..3).all(|k| c.cohort_year(k) < c.year), "{today}");
            today += Duration::days(1);
        }
    }
}
