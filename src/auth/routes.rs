//! This feature's HTTP surface: the portal pages and the addresses they answer on, and its API
//! operations. Pages: signing in and out, the account pages and the administration of users.
//! `app::routes` adds the pages to the portal, which wraps them in its context (session,
//! language), and the API to the one OpenAPI service under `/api/v1`.

use poem::{Route, get, post};

use super::{api, web};

/// Adds this feature's portal pages to `route`.
pub fn routes(route: Route) -> Route {
    route
        .at("/login", get(web::login_page).post(web::login_submit))
        .at("/logout", post(web::logout))
        .at("/account/password", get(web::password_page).post(web::password_submit))
        .at("/account/tokens", get(web::tokens_page).post(web::create_token))
        .at("/account/tokens/:id/revoke", post(web::revoke_token))
        .at("/admin/users", get(web::users_page).post(web::create_user))
        .at("/admin/users/new", get(web::new_user_page))
        .at("/admin/users/:id", get(web::edit_user_page).post(web::update_user))
        .at("/admin/users/:id/reset-password", post(web::reset_user_password))
}

/// This feature's API operations, for the OpenAPI service.
pub fn api() -> impl poem_openapi::OpenApi {
    (api::UsersApi, api::TokensApi)
}
