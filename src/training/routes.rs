//! This feature's HTTP surface: the portal pages and the addresses they answer on, and its API
//! operations. Pages: the training schedule for staff and the public pages farmers register on.
//! `app::routes` adds the pages to the portal, which wraps them in its context (session,
//! language), and the API to the one OpenAPI service under `/api/v1`.

use poem::{Route, get, post};

use super::{api, attendance_api, attendance_web, public, public_api, web};

/// Adds this feature's portal pages to `route`.
pub fn routes(route: Route) -> Route {
    route
        .at("/training", get(web::index).post(web::create_session))
        .at("/training/setup", get(web::setup_page))
        .at("/training/bases", post(web::add_base))
        .at("/training/courses", post(web::add_course))
        .at("/training/instructors", post(web::add_instructor))
        .at("/training/blackouts", post(web::add_blackout))
        .at("/training/proposals/:id/approve", post(web::approve))
        .at("/training/proposals/:id/dismiss", post(web::dismiss))
        .at("/training/courses/:id/propose", post(web::propose))
        .at("/training/sessions/:id", get(web::roster))
        .at("/training/sessions/:id/capacity", post(web::change_capacity))
        .at("/training/sessions/:id/move", post(web::move_session))
        .at(
            "/training/sessions/:id/attendance",
            get(attendance_web::day_page).post(attendance_web::save_day),
        )
        .at("/training/sessions/:id/certificates", post(attendance_web::issue))
        .at("/training/registrations/:id/cancel", post(web::cancel_registration))
        .at(
            "/training/registrations/:id/certificate",
            get(attendance_web::certificate),
        )
        .at("/training/farmers", get(web::farmer))
        .at("/train", get(public::sessions))
        .at("/train/registered", get(public::registered))
        .at("/train/sessions/:id", get(public::session).post(public::register))
        .at("/train/my", get(public::check_page).post(public::check))
        .at("/train/my/cancel", post(public::cancel))
        .at("/train/interest", get(public::interest_page).post(public::interest))
        .at("/train/certificates", get(public::verify))
        .at("/train/certificates/:code", get(public::verify_code))
}

/// This feature's API operations, for the OpenAPI service.
pub fn api() -> impl poem_openapi::OpenApi {
    (api::TrainingApi, attendance_api::AttendanceApi, public_api::PublicApi)
}
