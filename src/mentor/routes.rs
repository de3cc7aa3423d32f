//! This feature's HTTP surface: the portal pages and the addresses they answer on, and its API
//! operations. Pages: mentoring: assignments, mentor profiles, mentees and the links mentors answer by email.
//! `app::routes` adds the pages to the portal, which wraps them in its context (session,
//! language), and the API to the one OpenAPI service under `/api/v1`.

use poem::{Route, get, post};

use super::{api, web};

/// Adds this feature's portal pages to `route`.
pub fn routes(route: Route) -> Route {
    route
        .at("/mentoring", get(web::overview_page))
        .at("/mentoring/confirm", post(web::confirm))
        .at("/mentoring/assignments", get(web::assignments_page))
        .at("/mentoring/overdue", get(web::overdue_page))
        .at("/mentoring/mentors", get(web::mentors_page))
        .at("/mentoring/mentors/:id", get(web::profile_page).post(web::save_profile))
        .at(
            "/mentoring/students/:id",
            get(web::student_page).post(web::override_one),
        )
        .at("/my-mentees", get(web::my_mentees))
        .at("/my-mentees/:id", get(web::mentee_page).post(web::record_session))
        .at("/mentor-links/:token", get(web::link_page).post(web::answer))
}

/// This feature's API operations, for the OpenAPI service.
pub fn api() -> impl poem_openapi::OpenApi {
    (api::MentorsApi, api::MentorAssignmentsApi)
}
