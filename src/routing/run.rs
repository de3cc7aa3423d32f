//! The two entry points: [`route`] for a typed instance (the database layer builds one) and
//! [`route_json`] for the JSON text `vocpath route` reads. Validate, evaluate the rules, run the
//! engine, explain — all in memory, no I/O.

use super::engine;
use super::error::RouteError;
use super::evaluate::evaluate;
use super::explain::explain;
use super::instance::{self, Instance};
use super::result::RoutingResult;
use super::validate;

/// Routes an instance: every student placed or explained, every programme's fill and cut-off.
pub fn route(instance: &Instance) -> Result<RoutingResult, RouteError> {
    let checked = validate::check(instance)?;
    let evaluated = evaluate(instance, &checked);
    let output = engine::run(&evaluated.input)?;
    Ok(explain(instance, &checked, evaluated, &output))
}

/// Routes a JSON instance (DESIGN.md, "Routing instance") and returns the result as pretty JSON
/// (DESIGN.md, "Routing result").
pub fn route_json(input: &str) -> Result<String, RouteError> {
    route_json_as(input, true)
}

/// Like [`route_json`], the result compact (one line, about 40 % smaller) unless `pretty`.
pub fn route_json_as(input: &str, pretty: bool) -> Result<String, RouteError> {
    let instance = instance::parse(input)?;
    let result = route(&instance)?;
    let text = match pretty {
        true => serde_json::to_string_pretty(&result),
        false => serde_json::to_string(&result),
    };
    // Serialising plain structs of strings and finite numbers cannot fail; report it if it ever does.
    text.map_err(|e| RouteError::Engine { detail: e.to_string() })
}
