//! This feature's HTTP surface: the portal pages and the addresses they answer on, and its API
//! operations. Pages: students, their archive entries and follow-ups, and the register imports.
//! `app::routes` adds the pages to the portal, which wraps them in its context (session,
//! language), and the API to the one OpenAPI service under `/api/v1`.

use poem::{Route, get, post};

use super::{api, import_api, import_web, web};

/// Adds this feature's portal pages to `route`.
pub fn routes(route: Route) -> Route {
    route
        .at("/students", get(web::list_page))
        .at("/students/export", get(web::export_list))
        .at("/students/:id", get(web::student_page))
        .at("/students/:id/reveal-id", post(web::reveal))
        .at("/students/:id/preferences", post(web::set_preferences))
        .at("/students/:id/preferences/confirm", post(web::confirm_preferences))
        .at("/students/:id/entries", post(web::create_entry))
        .at("/students/:id/entries/new", get(web::new_entry_page))
        .at("/follow-ups", get(web::follow_ups_page))
        .at("/imports", post(import_web::upload))
        .at("/imports/new", get(import_web::upload_page))
        .at("/imports/template", get(import_web::template))
        .at("/imports/:id", get(import_web::show))
        .at("/imports/:id/commit", post(import_web::commit))
        .at("/imports/:id/errors.csv", get(import_web::errors_csv))
}

/// This feature's API operations, for the OpenAPI service.
pub fn api() -> impl poem_openapi::OpenApi {
    (api::StudentsApi, import_api::ImportsApi)
}
