//! API for mentor profiles, assignments (proposal, confirmation, override, list), help sessions and
//! the overdue list: `profiles` (the mentors), `assignments` (the operations on assignments and
//! sessions) and `dto` (the objects they answer).

use poem_openapi::Tags;

mod assignments;
mod dto;
mod profiles;

pub use assignments::MentorAssignmentsApi;
pub use dto::*;
pub use profiles::{MentorDto, MentorRequest, MentorsApi, RoleCapacityDto};

#[derive(Tags)]
enum ApiTags {
    /// Mentors: counsellors, class teachers and subject teachers.
    Mentors,
}
