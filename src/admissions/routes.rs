//! This feature's HTTP surface: the portal pages and the addresses they answer on, and its API
//! operations. Pages: programmes and schools, rule sets and routing runs, placements and letters, reporting and rosters, recommendations and the ledger.
//! `app::routes` adds the pages to the portal, which wraps them in its context (session,
//! language), and the API to the one OpenAPI service under `/api/v1`.

use poem::{Route, get, post};

use super::{
    api, follow_through_web, ledger_api, ledger_web, letters_web, placements_api, placements_web, programmes_api,
    programmes_web, reporting_api, reporting_web, roster_api, roster_web, rule_sets_web, run_api, run_web, web,
};

/// Adds this feature's portal pages to `route`.
pub fn routes(route: Route) -> Route {
    route
        .at("/programmes", get(web::programmes_page).post(programmes_web::create))
        .at("/programmes/new", get(programmes_web::new_page))
        .at(
            "/programmes/:id",
            get(programmes_web::edit_page).post(programmes_web::update),
        )
        .at("/schools", post(programmes_web::create_school))
        .at("/schools/:id/letters", get(letters_web::school_letters))
        .at(
            "/reporting-windows",
            get(reporting_web::windows_page).post(reporting_web::set_window),
        )
        .at("/placements/:id/letter", get(letters_web::letter))
        .at("/letters/verify", get(letters_web::verify))
        .at("/letters/verify/:code", get(letters_web::verify_code))
        .at("/rule-sets", get(rule_sets_web::list_page).post(rule_sets_web::create))
        .at("/rule-sets/:id", get(rule_sets_web::show).post(rule_sets_web::update))
        .at("/rule-sets/:id/publish", post(rule_sets_web::publish))
        .at("/routing-runs", get(web::runs_page).post(web::create_run))
        .at(
            "/placements",
            get(placements_web::placements_page).post(placements_web::place),
        )
        .at("/reporting", get(follow_through_web::class_page))
        .at("/reporting/confirm", post(follow_through_web::confirm))
        .at("/reporting/close", post(follow_through_web::close))
        .at("/reporting/roster", post(roster_web::upload))
        .at("/reporting/roster/new", get(roster_web::upload_page))
        .at("/reporting/roster/template", get(roster_web::template))
        .at("/reporting/roster/:id", get(roster_web::show))
        .at("/reporting/roster/:id/confirm", post(roster_web::confirm))
        .at("/placements/:id/decline", post(follow_through_web::decline))
        .at("/placements/:id/leave", post(follow_through_web::leave))
        .at("/routing-runs/:id", get(run_web::run_page))
        .at("/routing-runs/:id/commit", post(web::commit_run))
        .at("/routing-runs/:id/diff", get(web::diff_page))
        .at(
            "/recommendations",
            get(web::recommendations_page).post(web::confirm_recommendations),
        )
        .at("/recommendations/generate", post(web::generate_recommendations))
        .at("/ledger", get(ledger_web::ledger_page))
        .at("/ledger/export", get(ledger_web::ledger_export))
        .at("/ledger/cross-off", post(ledger_web::cross_off_selected))
        .at("/ledger/:id", get(ledger_web::line_page))
        .at("/ledger/:id/follow-ups", post(ledger_web::add_follow_up))
        .at("/ledger/:id/cross-off", post(ledger_web::cross_off))
        .at("/ledger/:id/reinstate", post(ledger_web::reinstate))
}

/// This feature's API operations, for the OpenAPI service.
pub fn api() -> impl poem_openapi::OpenApi {
    (
        programmes_api::ProgrammesApi,
        api::RoutingApi,
        ledger_api::LedgerApi,
        run_api::RunResultsApi,
        placements_api::PlacementsApi,
        reporting_api::ReportingApi,
        roster_api::RosterApi,
    )
}
