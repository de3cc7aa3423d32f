//! Mentoring pages: the proposal and its confirmation, assignments, one student's mentors with the
//! override form, the overdue list, mentor profiles (admins), "my mentees" with the help-session
//! form (mentors), and the public page behind the accept/decline links of assignment emails.
//!
//! One file per page group; handlers extract, call the mentoring services and render. They never
//! query the database themselves.

use poem::Response;

use super::assignments;
use crate::error::AppError;
use crate::state::AppState;

mod links;
mod mentees;
mod overview;
mod profiles;
mod student;

pub use links::{AnswerForm, LinkQuery, answer, link_page};
pub use mentees::{MenteeQuery, SavedQuery, SessionForm, mentee_page, my_mentees, record_session};
pub use overview::{ConfirmForm, ListQuery, YearQuery, assignments_page, confirm, overdue_page, overview_page};
pub use profiles::{ProfileForm, mentors_page, profile_page, save_profile};
pub use student::{OverrideForm, override_one, student_page};

type PageResult = Result<Response, AppError>;

/// The year asked for, or the latest with a committed routing run.
async fn year_or_latest(state: &AppState, year: Option<i32>) -> Result<Option<i32>, AppError> {
    match year {
        Some(y) => Ok(Some(y)),
        None => assignments::latest_intake_year(&state.db).await,
    }
}
