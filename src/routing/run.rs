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
    route_as(instance)
}

/// Like [`route`], the result's texts borrowed from `instance` (to write it out without copying
/// every id and code).
pub fn route_borrowed(instance: &Instance) -> Result<RoutingResult<&str>, RouteError> {
    route_as(instance)
}

fn route_as<'a, S: From<&'a str>>(instance: &'a Instance) -> Result<RoutingResult<S>, RouteError> {
    let checked = validate::check(instance)?;
    let evaluated = evaluate(instance, &checked);
    let output = engine::run(&evaluated.input)?;
    Ok(explain(instance, &checked, evaluated, &output))
}

/// Writes a result as JSON to `out`: compact, or indented when `pretty` (the same text as
/// [`route_json_as`] returns). `out` should be buffered.
pub fn write_result<S: serde::Serialize>(
    result: &RoutingResult<S>,
    pretty: bool,
    out: impl std::io::Write,
) -> serde_json::Result<()> {
    match pretty {
        true => serde_json::to_writer_pretty(out, result),
        false => serde_json::to_writer(out, result),
    }
}

/// Routes a JSON instance (DESIGN.md, "Routing instance") and returns the result as pretty JSON
/// (DESIGN.md, "Routing result").
pub fn route_json(input: &str) -> Result<String, RouteError> {
    route_json_as(input, true)
}

/// Like [`route_json`], the result compact (one line, about 40 % smaller) unless `pretty`.
pub fn route_json_as(input: &str, pretty: bool) -> Result<String, RouteError> {
    let instance = instance::parse(input)?;
    let result = route_borrowed(&instance)?;
    let mut text = Vec::with_capacity(input.len() * 2);
    // Serialising plain structs of strings and finite numbers cannot fail; report it if it ever does.
    write_result(&result, pretty, &mut text).map_err(|e| RouteError::Engine { detail: e.to_string() })?;
    String::from_utf8(text).map_err(|e| RouteError::Engine { detail: e.to_string() })
}
